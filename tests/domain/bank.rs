//! The default question bank: its content and each organization's copy.

use std::collections::{HashMap, HashSet};

use domain::bank::Bank;

use crate::both_databases;
use crate::support::TestDb;
use crate::support::world::World;

const CATEGORIES: [&str; 10] = [
    "Core Fundamentals",
    "APIs and REST",
    "Databases",
    "Node.js",
    "Python",
    "Java",
    "System Design",
    "Security",
    "DevOps Basics",
    "Behavioral and Hiring",
];

#[test]
fn the_default_bank_has_sixty_questions_in_all_ten_categories_with_every_field() {
    let bank = Bank::default_bank().expect("bank parses");
    assert!(
        bank.questions.len() >= 60,
        "only {} questions",
        bank.questions.len()
    );
    let names: Vec<&str> = bank.categories.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, CATEGORIES);
    let mut per_category: HashMap<&str, usize> = HashMap::new();
    for q in &bank.questions {
        *per_category.entry(q.category.as_str()).or_default() += 1;
        assert!(!q.tags.is_empty(), "no tags: {}", q.prompt);
        assert!(q.minutes > 0, "no minutes: {}", q.prompt);
        assert!(!q.guidance.trim().is_empty(), "no guidance: {}", q.prompt);
        assert_eq!(q.rubric.len(), 4, "rubric of {}", q.prompt);
        let anchors: HashSet<&str> = q.rubric.iter().map(|a| a.trim()).collect();
        assert_eq!(anchors.len(), 4, "rubric anchors repeat in {}", q.prompt);
    }
    for name in CATEGORIES {
        let count = per_category.get(name).copied().unwrap_or(0);
        assert!(count >= 4, "{name} has only {count} questions");
    }
    let ids: HashMap<String, uuid::Uuid> = bank
        .categories
        .iter()
        .map(|c| (c.name.clone(), uuid::Uuid::now_v7()))
        .collect();
    let problems = bank.validated_questions(&ids).err().unwrap_or_default();
    assert!(
        problems.is_empty(),
        "bank breaks validation rules: {problems:?}"
    );
}

#[test]
fn the_default_bank_has_no_duplicate_prompts() {
    let bank = Bank::default_bank().expect("bank parses");
    let mut seen = HashSet::new();
    for q in &bank.questions {
        assert!(
            seen.insert(q.prompt.trim().to_lowercase()),
            "duplicate prompt: {}",
            q.prompt
        );
    }
}

#[test]
fn the_default_bank_covers_every_topic_of_the_source_document() {
    let bank = Bank::default_bank().expect("bank parses");
    let covered: HashSet<&str> = bank
        .questions
        .iter()
        .flat_map(|q| q.source_topics.iter().map(String::as_str))
        .collect();
    let missing: Vec<String> = (1..=50)
        .map(|n| format!("Q{n}"))
        .filter(|t| !covered.contains(t.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "source topics without a question: {missing:?}"
    );
}

#[test]
fn the_default_bank_has_the_six_default_competencies() {
    let bank = Bank::default_bank().expect("bank parses");
    let names: Vec<&str> = bank.competencies.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Problem decomposition",
            "Communication",
            "Pragmatism",
            "Ownership",
            "Growth mindset",
            "Technical depth"
        ]
    );
}

async fn a_new_organization_gets_its_own_copy_of_the_bank(db: &TestDb) {
    let bank = Bank::default_bank().expect("bank parses");
    let acme = World::new(db, "acme").await;
    let globex = World::new(db, "globex").await;
    for world in [&acme, &globex] {
        assert_eq!(world.categories(db).await.len(), 10);
        assert_eq!(world.competencies(db).await.len(), 6);
        let page = domain::question::list(
            &db.db,
            &world.admin,
            &Default::default(),
            domain::page::PageRequest {
                first: 1,
                after: None,
                count: true,
            },
        )
        .await
        .expect("list");
        assert_eq!(page.total_count as usize, bank.questions.len());
    }
    let acme_ids: HashSet<_> = acme
        .questions(db, 100)
        .await
        .into_iter()
        .map(|q| q.id)
        .collect();
    let globex_ids: HashSet<_> = globex
        .questions(db, 100)
        .await
        .into_iter()
        .map(|q| q.id)
        .collect();
    assert!(
        acme_ids.is_disjoint(&globex_ids),
        "organizations share question rows"
    );
}

both_databases!(a_new_organization_gets_its_own_copy_of_the_bank);
