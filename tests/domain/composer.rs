//! The plan composer: `autofill` fills a round from the bank, templates copy
//! a plan's shape into new plans (issue 4, "Composer").

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use chrono::Utc;
use domain::Error;
use domain::entity::{category, question, round, round_question};
use domain::plan::{self, AutofillOptions, Eligible, FromTemplateInput, default_categories, pick};
use domain::scorecard::{QuestionRatingInput, ScorecardInput};
use domain::types::{Level, PlanStatus, Recommendation, RoundKind, Stage};
use sea_orm::{ActiveModelTrait, Set};
use uuid::Uuid;

use crate::both_databases;
use crate::support::TestDb;
use crate::support::world::{World, problem_fields, problems};

// ---------------------------------------------------------------- helpers

/// A new category of the organization, for questions the test controls.
async fn lab(db: &TestDb, w: &World, name: &str) -> category::Model {
    category::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(w.organization_id),
        name: Set(name.to_owned()),
        description: Set("Questions written by the test.".to_owned()),
        position: Set(100),
        created_at: Set(Utc::now()),
    }
    .insert(&db.db)
    .await
    .expect("create category")
}

/// A question in `category` of `level` taking `minutes`, tagged `tags`.
async fn ask(
    db: &TestDb,
    w: &World,
    category: &category::Model,
    level: Level,
    minutes: i64,
    tags: &[&str],
) -> question::Model {
    let mut input = w
        .question_input(
            db,
            &format!("Question {} of {minutes} minutes?", Uuid::now_v7()),
        )
        .await;
    input.category_id = category.id;
    input.level = level;
    input.minutes = minutes;
    input.tags = tags.iter().map(|t| (*t).to_owned()).collect();
    domain::question::create(&db.db, &w.manager, input)
        .await
        .expect("create question")
}

/// `n` SENIOR questions of `minutes` each in `category`.
async fn seniors(
    db: &TestDb,
    w: &World,
    category: &category::Model,
    n: usize,
    minutes: i64,
) -> Vec<question::Model> {
    let mut made = Vec::new();
    for _ in 0..n {
        made.push(ask(db, w, category, Level::Senior, minutes, &[]).await);
    }
    made
}

/// A round input of `kind` with alice interviewing.
fn round_of(w: &World, kind: RoundKind, title: &str, minutes: i64) -> plan::RoundInput {
    plan::RoundInput {
        kind,
        title: title.to_owned(),
        duration_minutes: minutes,
        scheduled_at: None,
        interviewer_ids: vec![w.alice.user_id],
        focus_competency_ids: vec![],
        trainees: vec![],
        feedback_due_at: None,
        override_limits: false,
    }
}

/// A draft plan for `candidate` with one round per `(kind, minutes)`.
async fn plan_with_rounds(
    db: &TestDb,
    w: &World,
    candidate: Uuid,
    rounds: &[(RoundKind, i64)],
) -> (domain::entity::interview_plan::Model, Vec<round::Model>) {
    let created = plan::create(
        &db.db,
        &w.manager,
        plan::PlanInput {
            candidate_id: candidate,
            title: "Composed loop".into(),
            focus_competency_ids: vec![],
        },
    )
    .await
    .expect("create plan");
    let mut made = Vec::new();
    for (i, (kind, minutes)) in rounds.iter().enumerate() {
        let input = round_of(w, *kind, &format!("Round {}", i + 1), *minutes);
        made.push(
            plan::add_round(&db.db, &w.manager, created.id, input)
                .await
                .expect("add round"),
        );
    }
    (created, made)
}

/// A one-round draft plan for a new candidate.
async fn fresh_round(db: &TestDb, w: &World, kind: RoundKind, minutes: i64) -> round::Model {
    let candidate = w.candidate(db, "Ada Lovelace").await;
    plan_with_rounds(db, w, candidate.id, &[(kind, minutes)])
        .await
        .1
        .remove(0)
}

/// Publishes a one-round plan for `candidate` asking `questions`.
async fn publish_asking(
    db: &TestDb,
    w: &World,
    candidate: Uuid,
    questions: &[&question::Model],
) -> round::Model {
    let (draft, mut rounds) =
        plan_with_rounds(db, w, candidate, &[(RoundKind::TechnicalScreen, 120)]).await;
    let one = rounds.remove(0);
    for q in questions {
        plan::add_question(&db.db, &w.manager, one.id, q.id, None)
            .await
            .expect("add question");
    }
    plan::publish(&db.db, &w.manager, draft.id)
        .await
        .expect("publish");
    one
}

/// The questions of a round, in order.
async fn contents(db: &TestDb, w: &World, round_id: Uuid) -> Vec<round_question::Model> {
    plan::questions_of(&db.db, &w.manager, &[round_id])
        .await
        .expect("round questions")
}

fn ids(rows: &[round_question::Model]) -> Vec<Uuid> {
    rows.iter().map(|q| q.question_id).collect()
}

fn in_lab(category: &category::Model) -> AutofillOptions {
    AutofillOptions {
        category_ids: vec![category.id],
        ..AutofillOptions::default()
    }
}

async fn autofill(
    db: &TestDb,
    w: &World,
    round: &round::Model,
    options: AutofillOptions,
) -> Vec<round_question::Model> {
    plan::autofill(&db.db, &w.manager, round.id, options)
        .await
        .expect("autofill");
    contents(db, w, round.id).await
}

/// The single problem of an `Invalid` result.
fn refusal<T: std::fmt::Debug>(result: domain::Result<T>) -> domain::Problem {
    let mut found = problems(result);
    assert_eq!(found.len(), 1, "{found:?}");
    found.remove(0)
}

// ------------------------------------------------------- autofill: choice

async fn autofill_draws_from_the_categories_that_suit_each_round_kind(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let candidate = w.candidate(db, "Ada Lovelace").await;
    assert_eq!(candidate.target_level, Level::Senior);
    let kinds = [
        RoundKind::TechnicalScreen,
        RoundKind::LiveCoding,
        RoundKind::TakeHome,
        RoundKind::SystemDesign,
        RoundKind::Behavioral,
        RoundKind::RecruiterScreen,
        RoundKind::HiringManager,
    ];
    let bank = w.questions(db, 500).await;
    let categories = w.categories(db).await;
    let category_name = |question_id: Uuid| {
        let q = bank
            .iter()
            .find(|q| q.id == question_id)
            .expect("bank question");
        let c = categories
            .iter()
            .find(|c| c.id == q.category_id)
            .expect("category");
        (c.name.clone(), q.level, q.minutes)
    };
    for kind in kinds {
        let round = fresh_round(db, &w, kind, 30).await;
        let filled = autofill(db, &w, &round, AutofillOptions::default()).await;
        assert!(!filled.is_empty(), "{kind} round left empty");
        let mut seen_mid = false;
        for q in &filled {
            let (name, level, minutes) = category_name(q.question_id);
            assert!(
                default_categories(kind).contains(&name.as_str()),
                "{kind} round got a question of {name}"
            );
            // The target level first, then one below; never two below.
            match level {
                Level::Senior => assert!(!seen_mid, "{kind}: SENIOR after MID"),
                Level::Mid => seen_mid = true,
                other => panic!("{kind} round got a {other} question"),
            }
            assert_eq!(q.minutes, minutes, "allotted minutes are the estimate");
        }
        let allotted: i32 = filled.iter().map(|q| q.minutes).sum();
        assert!(allotted <= 30, "{kind} round overruns: {allotted}");
    }
}

async fn a_renamed_or_deleted_default_category_is_skipped(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let databases = w
        .categories(db)
        .await
        .into_iter()
        .find(|c| c.name == "Databases")
        .expect("Databases category");
    category::ActiveModel {
        id: Set(databases.id),
        name: Set("Data stores".into()),
        ..Default::default()
    }
    .update(&db.db)
    .await
    .expect("rename");
    let round = fresh_round(db, &w, RoundKind::SystemDesign, 120).await;
    let filled = autofill(db, &w, &round, AutofillOptions::default()).await;
    let bank = w.questions(db, 500).await;
    for q in &filled {
        let category = bank
            .iter()
            .find(|b| b.id == q.question_id)
            .map(|b| b.category_id);
        assert_ne!(category, Some(databases.id), "renamed category used");
    }
    assert!(!filled.is_empty());
}

async fn autofill_fills_the_remaining_time_box_as_computed_by_hand(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let lab = lab(db, &w, "Lab").await;
    let s20 = ask(db, &w, &lab, Level::Senior, 20, &[]).await;
    let s15 = ask(db, &w, &lab, Level::Senior, 15, &[]).await;
    let s10 = ask(db, &w, &lab, Level::Senior, 10, &[]).await;
    let m30 = ask(db, &w, &lab, Level::Mid, 30, &[]).await;
    let m5 = ask(db, &w, &lab, Level::Mid, 5, &[]).await;
    let junior = ask(db, &w, &lab, Level::Junior, 1, &[]).await;
    let retired = ask(db, &w, &lab, Level::Senior, 3, &[]).await;
    domain::question::retire(&db.db, &w.manager, retired.id)
        .await
        .expect("retire");
    let round = fresh_round(db, &w, RoundKind::TechnicalScreen, 60).await;
    let manual = &w.questions(db, 1).await[0];
    plan::add_question(&db.db, &w.manager, round.id, manual.id, Some(10))
        .await
        .expect("add by hand");
    // 60 − 10 = 50 left. SENIOR first: 20 + 15 + 10 = 45 fit in any order;
    // then MID: 30 > 5 left is skipped, 5 fits. JUNIOR (two below) and the
    // retired question never qualify. 10 + 45 + 5 = 60.
    let filled = autofill(db, &w, &round, in_lab(&lab)).await;
    let order = ids(&filled);
    assert_eq!(order[0], manual.id, "what was there stays first");
    assert_eq!(
        order[1..4].iter().copied().collect::<HashSet<_>>(),
        HashSet::from([s20.id, s15.id, s10.id])
    );
    assert_eq!(order[4], m5.id);
    assert_eq!(order.len(), 5);
    assert!(!order.contains(&m30.id) && !order.contains(&junior.id));
    assert_eq!(filled.iter().map(|q| q.minutes).sum::<i32>(), 60);
    assert_eq!(
        filled.iter().map(|q| q.position).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4]
    );
    // Pinned like addQuestionToRound: the version current when added.
    let pinned = filled
        .iter()
        .find(|q| q.question_id == s20.id)
        .expect("s20");
    assert_eq!(pinned.question_version_id, s20.current_version_id);
}

async fn autofill_never_repeats_a_plan_question_or_one_asked_before(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let lab = lab(db, &w, "Lab").await;
    let [a, b, c, d] = <[question::Model; 4]>::try_from(seniors(db, &w, &lab, 4, 10).await)
        .expect("four questions");
    let candidate = w.candidate(db, "Grace Hopper").await;
    publish_asking(db, &w, candidate.id, &[&a]).await;
    let (_, rounds) = plan_with_rounds(
        db,
        &w,
        candidate.id,
        &[
            (RoundKind::TechnicalScreen, 60),
            (RoundKind::SystemDesign, 60),
        ],
    )
    .await;
    plan::add_question(&db.db, &w.manager, rounds[0].id, b.id, None)
        .await
        .expect("add b");
    let filled = autofill(db, &w, &rounds[1], in_lab(&lab)).await;
    assert_eq!(
        ids(&filled).into_iter().collect::<HashSet<_>>(),
        HashSet::from([c.id, d.id]),
        "a (asked before) and b (in the plan) are left out"
    );
    // Another candidate may be asked all four.
    let other = fresh_round(db, &w, RoundKind::TechnicalScreen, 60).await;
    assert_eq!(autofill(db, &w, &other, in_lab(&lab)).await.len(), 4);
}

async fn autofill_prefers_questions_asked_less_often(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let lab = lab(db, &w, "Lab").await;
    let [a, b, c] = <[question::Model; 3]>::try_from(seniors(db, &w, &lab, 3, 10).await)
        .expect("three questions");
    // a asked twice, b once, c never (drafts do not count).
    let first = w.candidate(db, "First").await;
    publish_asking(db, &w, first.id, &[&a, &b]).await;
    let second = w.candidate(db, "Second").await;
    publish_asking(db, &w, second.id, &[&a]).await;
    let (_, draft) = plan_with_rounds(db, &w, second.id, &[(RoundKind::LiveCoding, 60)]).await;
    plan::add_question(&db.db, &w.manager, draft[0].id, c.id, None)
        .await
        .expect("c in a draft");
    for seed in 0..4 {
        let round = fresh_round(db, &w, RoundKind::TechnicalScreen, 20).await;
        let options = AutofillOptions {
            seed,
            ..in_lab(&lab)
        };
        assert_eq!(
            ids(&autofill(db, &w, &round, options).await),
            [c.id, b.id],
            "seed {seed}"
        );
    }
}

async fn autofill_prefers_questions_that_separate_hired_from_rejected(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let lab = lab(db, &w, "Lab").await;
    let [a, b, c] = <[question::Model; 3]>::try_from(seniors(db, &w, &lab, 3, 10).await)
        .expect("three questions");
    // Each asked twice: once of a candidate later hired, once of one rejected.
    // a: 4 vs 1 (+3), b: 2 vs 3 (−1), c: 2 vs 2 (0).
    for (name, stage, ratings) in [
        ("Hired", Stage::Hired, [4, 2, 2]),
        ("Rejected", Stage::Rejected, [1, 3, 2]),
    ] {
        let candidate = w.candidate(db, name).await;
        let round = publish_asking(db, &w, candidate.id, &[&a, &b, &c]).await;
        let input = ScorecardInput {
            question_ratings: [&a, &b, &c]
                .iter()
                .zip(ratings)
                .map(|(q, rating)| QuestionRatingInput {
                    question_id: q.id,
                    rating,
                    notes: String::new(),
                })
                .collect(),
            competency_ratings: vec![],
            recommendation: Some(Recommendation::Yes),
            summary: "Done.".into(),
        };
        domain::scorecard::submit(&db.db, &w.alice, round.id, input)
            .await
            .expect("submit");
        let path: &[Stage] = match stage {
            Stage::Hired => &[
                Stage::Screening,
                Stage::Interviewing,
                Stage::Offer,
                Stage::Hired,
            ],
            _ => &[Stage::Rejected],
        };
        for step in path {
            domain::candidate::move_stage(&db.db, &w.manager, candidate.id, *step)
                .await
                .expect("move");
        }
    }
    for seed in 0..4 {
        let round = fresh_round(db, &w, RoundKind::TechnicalScreen, 20).await;
        let options = AutofillOptions {
            seed,
            ..in_lab(&lab)
        };
        assert_eq!(
            ids(&autofill(db, &w, &round, options).await),
            [a.id, c.id],
            "seed {seed}: +3 first, then 0 (no separation) before −1"
        );
    }
}

async fn the_same_seed_fills_a_round_the_same_way(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let lab = lab(db, &w, "Lab").await;
    seniors(db, &w, &lab, 10, 5).await;
    let fill = async |seed| {
        let round = fresh_round(db, &w, RoundKind::TechnicalScreen, 25).await;
        let options = AutofillOptions {
            seed,
            ..in_lab(&lab)
        };
        ids(&autofill(db, &w, &round, options).await)
    };
    let first = fill(42).await;
    assert_eq!(first.len(), 5);
    assert_eq!(fill(42).await, first, "same data and seed, same round");
    // Ten equally good questions: another seed orders them differently.
    let mut others = Vec::new();
    for seed in 1..=4 {
        others.push(fill(seed).await);
    }
    assert!(
        others.iter().any(|o| *o != first),
        "every seed gave {first:?}"
    );
}

async fn options_override_categories_level_and_tags(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let lab = lab(db, &w, "Lab").await;
    let wanted = ask(db, &w, &lab, Level::Junior, 5, &["kafka"]).await;
    ask(db, &w, &lab, Level::Junior, 5, &["redis"]).await;
    ask(db, &w, &lab, Level::Senior, 5, &["kafka"]).await;
    let round = fresh_round(db, &w, RoundKind::Behavioral, 60).await;
    let options = AutofillOptions {
        category_ids: vec![lab.id],
        level: Some(Level::Junior),
        tags: vec!["Kafka".into()],
        seed: 0,
    };
    assert_eq!(ids(&autofill(db, &w, &round, options).await), [wanted.id]);

    // A level given is the only level: no fallback below it.
    let python = w
        .categories(db)
        .await
        .into_iter()
        .find(|c| c.name == "Python")
        .expect("Python");
    let round = fresh_round(db, &w, RoundKind::SystemDesign, 120).await;
    let options = AutofillOptions {
        category_ids: vec![python.id],
        level: Some(Level::Mid),
        ..AutofillOptions::default()
    };
    let filled = autofill(db, &w, &round, options).await;
    let bank = w.questions(db, 500).await;
    assert!(!filled.is_empty());
    for q in &filled {
        let b = bank.iter().find(|b| b.id == q.question_id).expect("bank");
        assert_eq!((b.category_id, b.level), (python.id, Level::Mid));
    }

    let other = World::new(db, "globex").await;
    let round = fresh_round(db, &w, RoundKind::SystemDesign, 60).await;
    let options = AutofillOptions {
        category_ids: vec![other.categories(db).await[0].id],
        tags: vec!["not a tag!".into()],
        ..AutofillOptions::default()
    };
    assert_eq!(
        problem_fields(plan::autofill(&db.db, &w.manager, round.id, options).await),
        ["options.tags[0]", "options.categoryIds[0]"]
    );
}

// ------------------------------------------------------ autofill: refusals

async fn when_nothing_fits_autofill_says_why(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let lab = lab(db, &w, "Lab").await;
    ask(db, &w, &lab, Level::Senior, 10, &[]).await;
    ask(db, &w, &lab, Level::Mid, 12, &[]).await;
    let candidate = w.candidate(db, "Ada").await;
    let (_, rounds) = plan_with_rounds(
        db,
        &w,
        candidate.id,
        &[
            (RoundKind::TechnicalScreen, 30),
            (RoundKind::SystemDesign, 60),
        ],
    )
    .await;
    let (short, long) = (&rounds[0], &rounds[1]);
    let bank = w.questions(db, 1).await;
    plan::add_question(&db.db, &w.manager, short.id, bank[0].id, Some(25))
        .await
        .expect("25 of 30 minutes");

    let too_long = refusal(plan::autofill(&db.db, &w.manager, short.id, in_lab(&lab)).await);
    assert_eq!(too_long.field, "options");
    assert_eq!(
        too_long.message,
        "no ACTIVE question at level SENIOR or MID in category Lab fits the 5 remaining \
         minutes of round \"Round 1\"; 2 match but the shortest needs 10"
    );
    assert_eq!(contents(db, &w, short.id).await.len(), 1, "nothing added");

    let none_at_level = refusal(
        plan::autofill(
            &db.db,
            &w.manager,
            long.id,
            AutofillOptions {
                level: Some(Level::Lead),
                ..in_lab(&lab)
            },
        )
        .await,
    );
    assert!(
        none_at_level
            .message
            .starts_with("no ACTIVE question at level LEAD in category Lab; choose other"),
        "{}",
        none_at_level.message
    );

    autofill(db, &w, long, in_lab(&lab)).await;
    // Another round of the same plan: both lab questions are in it already.
    let extra = plan::add_round(
        &db.db,
        &w.manager,
        long.plan_id,
        round_of(&w, RoundKind::Behavioral, "Extra", 30),
    )
    .await
    .expect("add round");
    let used_up = refusal(plan::autofill(&db.db, &w.manager, extra.id, in_lab(&lab)).await);
    assert!(
        used_up.message.starts_with(
            "every ACTIVE question at level SENIOR or MID in category Lab (2 in all) is already \
             in the plan or was asked of the candidate in an earlier plan"
        ),
        "{}",
        used_up.message
    );
    assert!(contents(db, &w, extra.id).await.is_empty());

    plan::add_question(
        &db.db,
        &w.manager,
        short.id,
        bank_question(db, &w, 1).await,
        Some(5),
    )
    .await
    .expect("fill the round");
    let full = refusal(plan::autofill(&db.db, &w.manager, short.id, in_lab(&lab)).await);
    assert_eq!(full.field, "roundId");
    assert!(
        full.message
            .starts_with("round \"Round 1\" already allots 30 of its 30 minutes"),
        "{}",
        full.message
    );

    let behavioral = w
        .categories(db)
        .await
        .into_iter()
        .find(|c| c.name == "Behavioral and Hiring")
        .expect("Behavioral and Hiring");
    category::ActiveModel {
        id: Set(behavioral.id),
        name: Set("People".into()),
        ..Default::default()
    }
    .update(&db.db)
    .await
    .expect("rename");
    let behavioral_round = fresh_round(db, &w, RoundKind::Behavioral, 60).await;
    let missing = refusal(
        plan::autofill(
            &db.db,
            &w.manager,
            behavioral_round.id,
            AutofillOptions::default(),
        )
        .await,
    );
    assert_eq!(missing.field, "options.categoryIds");
    assert!(
        missing.message.starts_with(
            "BEHAVIORAL rounds draw from the categories Behavioral and Hiring by default, and \
             your organization has none of them"
        ),
        "{}",
        missing.message
    );
}

/// The id of bank question `i`.
async fn bank_question(db: &TestDb, w: &World, i: usize) -> Uuid {
    w.questions(db, 10).await[i].id
}

async fn only_plan_builders_may_autofill(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let round = fresh_round(db, &w, RoundKind::TechnicalScreen, 30).await;
    for actor in [&w.viewer, &w.alice] {
        let result = plan::autofill(&db.db, actor, round.id, AutofillOptions::default()).await;
        assert!(matches!(result, Err(Error::Forbidden { .. })), "{result:?}");
    }
    assert!(contents(db, &w, round.id).await.is_empty());
}

async fn autofill_refuses_a_published_plan(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    plan::publish(&db.db, &w.manager, draft.plan.id)
        .await
        .expect("publish");
    let result = plan::autofill(
        &db.db,
        &w.manager,
        draft.rounds[0].id,
        AutofillOptions::default(),
    )
    .await;
    assert!(
        matches!(result, Err(Error::Conflict(ref m)) if m.contains("only DRAFT")),
        "{result:?}"
    );
}

async fn a_round_of_another_organization_is_not_found(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let other = World::new(db, "globex").await;
    let round = fresh_round(db, &w, RoundKind::TechnicalScreen, 30).await;
    let result = plan::autofill(&db.db, &other.manager, round.id, AutofillOptions::default()).await;
    assert!(
        matches!(result, Err(Error::NotFound { entity: "round" })),
        "{result:?}"
    );
    let missing = plan::autofill(
        &db.db,
        &w.manager,
        Uuid::now_v7(),
        AutofillOptions::default(),
    )
    .await;
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "{missing:?}"
    );
}

#[test]
fn the_ranking_puts_level_then_novelty_then_separation_then_the_seed() {
    let q = |level_rank, times_asked, discrimination, minutes| Eligible {
        question_id: Uuid::now_v7(),
        version_id: Uuid::now_v7(),
        minutes,
        level_rank,
        times_asked,
        discrimination,
    };
    let below = q(1, 0, Some(3.0), 10);
    let asked = q(0, 5, Some(3.0), 10);
    let separating = q(0, 1, Some(1.5), 10);
    let unknown = q(0, 1, None, 10);
    let misleading = q(0, 1, Some(-0.5), 10);
    let too_long = q(0, 0, None, 50);
    let ranked = pick(
        vec![
            misleading.clone(),
            below.clone(),
            unknown.clone(),
            too_long.clone(),
            asked.clone(),
            separating.clone(),
        ],
        7,
        45,
    );
    // too_long (rank first) does not fit 45 and is passed over; the rest
    // fill 40 of 45 minutes and `below` no longer fits.
    assert_eq!(ranked, [separating, unknown, misleading, asked]);
    let ties: Vec<Eligible> = (0..8).map(|_| q(0, 0, None, 1)).collect();
    assert_eq!(pick(ties.clone(), 3, 8), pick(ties.clone(), 3, 8));
    assert!((0..4).any(|seed| pick(ties.clone(), seed, 8) != pick(ties.clone(), 3, 8)));
}

// --------------------------------------------------------------- templates

async fn a_template_round_trips_into_a_new_plan(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    let two = &draft.rounds[1];
    let mut input = w.round_input(&two.title, 45, vec![w.bob.user_id], vec![]);
    input.kind = RoundKind::SystemDesign;
    plan::update_round(&db.db, &w.manager, two.id, input)
        .await
        .expect("make round two a system design round");
    let saved = plan::save_as_template(&db.db, &w.manager, draft.plan.id, "Backend loop v1")
        .await
        .expect("save");
    assert_eq!(saved.template.name, "Backend loop v1");
    assert_eq!(
        plan::template(&db.db, &w.viewer, saved.template.id)
            .await
            .expect("read back"),
        saved
    );
    assert_eq!(
        plan::templates(&db.db, &w.manager).await.expect("list"),
        std::slice::from_ref(&saved)
    );

    // Editing a question after saving: the copy pins the current version.
    let edited = &draft.questions[2];
    let mut input = w
        .question_input(db, "A reworded prompt the copy must pick up?")
        .await;
    input.category_id = edited.category_id;
    let edited = domain::question::update(&db.db, &w.manager, edited.id, edited.version, input)
        .await
        .expect("edit");

    let candidate = w.candidate(db, "Linus").await;
    let copy = plan::create_from_template(
        &db.db,
        &w.manager,
        FromTemplateInput {
            candidate_id: candidate.id,
            template_id: saved.template.id,
            title: None,
            focus_competency_ids: vec![],
        },
    )
    .await
    .expect("create from template");
    assert_eq!(copy.title, "Backend loop v1");
    assert_eq!(copy.status, PlanStatus::Draft);
    assert_eq!(copy.candidate_id, candidate.id);

    let shape = |rounds: &[round::Model]| {
        rounds
            .iter()
            .map(|r| (r.position, r.kind, r.title.clone(), r.duration_minutes))
            .collect::<Vec<_>>()
    };
    let original = plan::rounds_of(&db.db, &w.manager, &[draft.plan.id])
        .await
        .expect("rounds");
    let copied = plan::rounds_of(&db.db, &w.manager, &[copy.id])
        .await
        .expect("rounds");
    assert_eq!(shape(&copied), shape(&original));
    assert_eq!(copied[1].kind, RoundKind::SystemDesign);
    for (o, c) in original.iter().zip(&copied) {
        let questions = |rows: Vec<round_question::Model>| {
            rows.into_iter()
                .map(|q| (q.question_id, q.minutes, q.position))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            questions(contents(db, &w, c.id).await),
            questions(contents(db, &w, o.id).await)
        );
        let competencies = async |id| {
            plan::competencies_of(&db.db, &w.manager, &[id])
                .await
                .expect("competencies")
                .into_iter()
                .map(|c| c.competency_id)
                .collect::<Vec<_>>()
        };
        assert_eq!(competencies(c.id).await, competencies(o.id).await);
    }
    let pinned = contents(db, &w, copied[1].id).await;
    assert_eq!(pinned[0].question_version_id, edited.current_version_id);
    let plan_level = plan::plan_competencies_of(&db.db, &w.manager, &[copy.id])
        .await
        .expect("plan competencies");
    assert_eq!(plan_level.len(), 1);
    assert_eq!(plan_level[0].competency_id, draft.competency.id);
    let copied_ids: Vec<Uuid> = copied.iter().map(|r| r.id).collect();
    assert!(
        plan::interviewers_of(&db.db, &w.manager, &copied_ids)
            .await
            .expect("interviewers")
            .is_empty(),
        "interviewers are not copied"
    );
    // Not publishable until people are assigned.
    let missing = problem_fields(plan::publish(&db.db, &w.manager, copy.id).await);
    assert_eq!(
        missing,
        ["rounds[0].interviewerIds", "rounds[1].interviewerIds"]
    );
}

async fn a_template_leaves_out_questions_retired_since_it_was_saved(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    let saved = plan::save_as_template(&db.db, &w.manager, draft.plan.id, "Loop")
        .await
        .expect("save");
    domain::question::retire(&db.db, &w.manager, draft.questions[0].id)
        .await
        .expect("retire");
    let candidate = w.candidate(db, "Linus").await;
    let copy = plan::create_from_template(
        &db.db,
        &w.manager,
        FromTemplateInput {
            candidate_id: candidate.id,
            template_id: saved.template.id,
            title: Some("Linus's loop".into()),
            focus_competency_ids: vec![],
        },
    )
    .await
    .expect("still created");
    assert_eq!(copy.title, "Linus's loop");
    let rounds = plan::rounds_of(&db.db, &w.manager, &[copy.id])
        .await
        .expect("rounds");
    let first = contents(db, &w, rounds[0].id).await;
    assert_eq!(ids(&first), [draft.questions[1].id]);
    assert_eq!(first[0].position, 0);
    // With interviewers assigned, publishing has nothing to flag.
    for (r, who) in rounds.iter().zip([&w.alice, &w.bob]) {
        let focus = plan::competencies_of(&db.db, &w.manager, &[r.id])
            .await
            .expect("competencies")
            .into_iter()
            .map(|c| c.competency_id)
            .collect();
        plan::update_round(
            &db.db,
            &w.manager,
            r.id,
            w.round_input(
                &r.title,
                i64::from(r.duration_minutes),
                vec![who.user_id],
                focus,
            ),
        )
        .await
        .expect("assign");
    }
    plan::publish(&db.db, &w.manager, copy.id)
        .await
        .expect("publish");
}

async fn a_template_name_is_unique_in_the_organization(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    plan::save_as_template(&db.db, &w.manager, draft.plan.id, "Loop")
        .await
        .expect("save");
    let again = plan::save_as_template(&db.db, &w.manager, draft.plan.id, "Loop").await;
    assert!(
        matches!(again, Err(Error::Conflict(ref m)) if m.contains("\"Loop\" already exists")),
        "{again:?}"
    );
    let blank = plan::save_as_template(&db.db, &w.manager, draft.plan.id, "  ").await;
    assert_eq!(problem_fields(blank), ["name"]);
    // Another organization may use the same name.
    let other = World::new(db, "globex").await;
    let theirs = other.draft_plan(db).await;
    plan::save_as_template(&db.db, &other.manager, theirs.plan.id, "Loop")
        .await
        .expect("same name elsewhere");
}

async fn templates_of_another_organization_are_not_found(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    let saved = plan::save_as_template(&db.db, &w.manager, draft.plan.id, "Loop")
        .await
        .expect("save");
    let other = World::new(db, "globex").await;
    let theirs = other.candidate(db, "Their candidate").await;
    let copy = plan::create_from_template(
        &db.db,
        &other.manager,
        FromTemplateInput {
            candidate_id: theirs.id,
            template_id: saved.template.id,
            title: None,
            focus_competency_ids: vec![],
        },
    )
    .await;
    assert!(
        matches!(
            copy,
            Err(Error::NotFound {
                entity: "plan template"
            })
        ),
        "{copy:?}"
    );
    let read = plan::template(&db.db, &other.manager, saved.template.id).await;
    assert!(matches!(read, Err(Error::NotFound { .. })), "{read:?}");
    assert!(
        plan::templates(&db.db, &other.manager)
            .await
            .expect("list")
            .is_empty()
    );
    let save = plan::save_as_template(&db.db, &other.manager, draft.plan.id, "Stolen").await;
    assert!(matches!(save, Err(Error::NotFound { .. })), "{save:?}");
    // Our template for their candidate: the candidate is not found.
    let cross = plan::create_from_template(
        &db.db,
        &w.manager,
        FromTemplateInput {
            candidate_id: theirs.id,
            template_id: saved.template.id,
            title: None,
            focus_competency_ids: vec![],
        },
    )
    .await;
    assert!(
        matches!(
            cross,
            Err(Error::NotFound {
                entity: "candidate"
            })
        ),
        "{cross:?}"
    );
    let viewer = plan::save_as_template(&db.db, &w.viewer, draft.plan.id, "Mine").await;
    assert!(matches!(viewer, Err(Error::Forbidden { .. })), "{viewer:?}");
}

// --------------------------------------------------------- statement counts

/// Statements `work` runs, counted on a connection of its own.
async fn statements<F>(db: &TestDb, work: F) -> usize
where
    F: AsyncFnOnce(&sea_orm::DatabaseConnection),
{
    let mut conn = domain::db::connect(&db.url, 2).await.expect("connect");
    let counter = Arc::new(AtomicUsize::new(0));
    let seen = counter.clone();
    conn.set_metric_callback(move |_| {
        seen.fetch_add(1, AtomicOrdering::SeqCst);
    });
    work(&conn).await;
    conn.close().await.ok();
    counter.load(AtomicOrdering::SeqCst)
}

async fn the_composer_runs_the_same_statements_whatever_the_data_size(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let small_lab = lab(db, &w, "Small").await;
    seniors(db, &w, &small_lab, 2, 10).await;
    let big_lab = lab(db, &w, "Big").await;
    let big = seniors(db, &w, &big_lab, 12, 10).await;
    let someone = w.candidate(db, "Someone").await;
    publish_asking(db, &w, someone.id, &big.iter().take(6).collect::<Vec<_>>()).await;

    let small_round = fresh_round(db, &w, RoundKind::TechnicalScreen, 20).await;
    let big_round = fresh_round(db, &w, RoundKind::TechnicalScreen, 120).await;
    let fill = |round: round::Model, lab: category::Model| {
        let manager = w.manager;
        async move |conn: &sea_orm::DatabaseConnection| {
            plan::autofill(conn, &manager, round.id, in_lab(&lab))
                .await
                .expect("autofill");
        }
    };
    let few = statements(db, fill(small_round.clone(), small_lab)).await;
    let many = statements(db, fill(big_round.clone(), big_lab)).await;
    assert_eq!(contents(db, &w, small_round.id).await.len(), 2);
    assert_eq!(contents(db, &w, big_round.id).await.len(), 12);
    assert_eq!(many, few, "six times the questions, same statements");

    // One round of two questions against three rounds of many.
    let small_plan = small_round.plan_id;
    let big_plan = big_round.plan_id;
    for kind in [RoundKind::SystemDesign, RoundKind::Behavioral] {
        let input = round_of(&w, kind, "More", 60);
        let more = plan::add_round(&db.db, &w.manager, big_plan, input)
            .await
            .expect("add round");
        autofill(db, &w, &more, AutofillOptions::default()).await;
    }
    let save = |plan_id: Uuid, name: &'static str| {
        let manager = w.manager;
        async move |conn: &sea_orm::DatabaseConnection| {
            plan::save_as_template(conn, &manager, plan_id, name)
                .await
                .expect("save");
        }
    };
    assert_eq!(
        statements(db, save(big_plan, "Big")).await,
        statements(db, save(small_plan, "Small")).await,
        "saving a bigger plan, same statements"
    );
    let templates = plan::templates(&db.db, &w.manager).await.expect("list");
    let copy = |template_id: Uuid| {
        let (manager, candidate) = (w.manager, someone.id);
        async move |conn: &sea_orm::DatabaseConnection| {
            let input = FromTemplateInput {
                candidate_id: candidate,
                template_id,
                title: None,
                focus_competency_ids: vec![],
            };
            plan::create_from_template(conn, &manager, input)
                .await
                .expect("copy");
        }
    };
    assert_eq!(
        statements(db, copy(templates[0].template.id)).await,
        statements(db, copy(templates[1].template.id)).await,
        "copying a bigger template, same statements"
    );
}

// ------------------------------------------------------------- end to end

async fn a_plan_autofilled_in_every_round_publishes(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let candidate = w.candidate(db, "Margaret Hamilton").await;
    let loop_rounds = [
        (RoundKind::RecruiterScreen, 30),
        (RoundKind::TechnicalScreen, 45),
        (RoundKind::LiveCoding, 60),
        (RoundKind::SystemDesign, 60),
        (RoundKind::Behavioral, 45),
        (RoundKind::HiringManager, 30),
    ];
    let (first, rounds) = plan_with_rounds(db, &w, candidate.id, &loop_rounds).await;
    for r in &rounds {
        plan::autofill(&db.db, &w.manager, r.id, AutofillOptions::default())
            .await
            .expect("autofill");
    }
    plan::publish(&db.db, &w.manager, first.id)
        .await
        .expect("publish the first plan");
    // A second plan for the same candidate avoids everything asked in the first.
    let (second, more) = plan_with_rounds(
        db,
        &w,
        candidate.id,
        &[
            (RoundKind::TechnicalScreen, 45),
            (RoundKind::SystemDesign, 60),
        ],
    )
    .await;
    for r in &more {
        plan::autofill(&db.db, &w.manager, r.id, AutofillOptions::default())
            .await
            .expect("autofill again");
    }
    plan::publish(&db.db, &w.manager, second.id)
        .await
        .expect("publish the second plan");
    let round_ids = |rs: &[round::Model]| rs.iter().map(|r| r.id).collect::<Vec<_>>();
    let asked: HashSet<Uuid> = plan::questions_of(&db.db, &w.manager, &round_ids(&rounds))
        .await
        .expect("first")
        .into_iter()
        .map(|q| q.question_id)
        .collect();
    let again = plan::questions_of(&db.db, &w.manager, &round_ids(&more))
        .await
        .expect("second");
    assert!(!again.is_empty());
    assert!(again.iter().all(|q| !asked.contains(&q.question_id)));
}

both_databases!(
    autofill_draws_from_the_categories_that_suit_each_round_kind,
    a_renamed_or_deleted_default_category_is_skipped,
    autofill_fills_the_remaining_time_box_as_computed_by_hand,
    autofill_never_repeats_a_plan_question_or_one_asked_before,
    autofill_prefers_questions_asked_less_often,
    autofill_prefers_questions_that_separate_hired_from_rejected,
    the_same_seed_fills_a_round_the_same_way,
    options_override_categories_level_and_tags,
    when_nothing_fits_autofill_says_why,
    only_plan_builders_may_autofill,
    autofill_refuses_a_published_plan,
    a_round_of_another_organization_is_not_found,
    a_template_round_trips_into_a_new_plan,
    a_template_leaves_out_questions_retired_since_it_was_saved,
    a_template_name_is_unique_in_the_organization,
    templates_of_another_organization_are_not_found,
    the_composer_runs_the_same_statements_whatever_the_data_size,
    a_plan_autofilled_in_every_round_publishes,
);
