//! The question bank: versions on edit, retiring, listing with filters,
//! validation, roles and tenancy.

use domain::entity::question::Model as Question;
use domain::page::PageRequest;
use domain::question::{self, QuestionFilter, QuestionInput};
use domain::types::{Level, QuestionStatus, Role};
use domain::{Actor, Error};
use uuid::Uuid;

use crate::both_databases;
use crate::support::TestDb;
use crate::support::world::World;

async fn create(db: &TestDb, actor: &Actor, input: QuestionInput) -> Question {
    question::create(&db.db, actor, input)
        .await
        .expect("create question")
}

fn page(first: u64, after: Option<Uuid>) -> PageRequest {
    PageRequest {
        first,
        after,
        count: true,
    }
}

/// Every matching question of the actor's organization, in list order.
async fn all(db: &TestDb, actor: &Actor, filter: &QuestionFilter) -> Vec<Question> {
    let mut items = Vec::new();
    let mut after = None;
    loop {
        let page = question::list(&db.db, actor, filter, page(100, after))
            .await
            .expect("list questions");
        after = page.items.last().map(|q| q.id);
        items.extend(page.items);
        if !page.has_next_page {
            return items;
        }
    }
}

async fn prompts(db: &TestDb, actor: &Actor, filter: QuestionFilter) -> Vec<String> {
    let mut prompts: Vec<String> = all(db, actor, &filter)
        .await
        .into_iter()
        .map(|q| q.prompt)
        .collect();
    prompts.sort();
    prompts
}

async fn a_new_question_is_version_one_and_active(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let mut input = acme.question_input(db, "  What is an index?  ").await;
    input.tags = vec!["PostgreSQL".into(), "indexing".into(), "postgresql".into()];
    let created = create(db, &acme.manager, input.clone()).await;
    assert_eq!(created.version, 1);
    assert_eq!(created.status, QuestionStatus::Active);
    assert_eq!(created.prompt, "What is an index?");
    assert_eq!(created.category_id, input.category_id);
    assert_eq!(created.organization_id, acme.organization_id);
    assert_eq!(created.rubric1, input.rubric[0]);
    assert_eq!(created.rubric4, input.rubric[3]);
    assert_eq!(created.minutes, 10);

    let read = question::get(&db.db, &acme.alice, created.id)
        .await
        .expect("an interviewer reads the bank");
    assert_eq!(read, created);
    let tags = question::tags_of(&db.db, &acme.admin, &[created.id])
        .await
        .expect("tags");
    assert_eq!(tags[&created.id], ["indexing", "postgresql"]);
    let pinned = question::version(&db.db, &acme.viewer, created.current_version_id)
        .await
        .expect("version 1");
    assert_eq!(pinned.version, 1);
    assert_eq!(pinned.question_id, created.id);
    assert_eq!(pinned.prompt, "What is an index?");
    assert_eq!(pinned.created_by, Some(acme.manager.user_id));
}

async fn editing_a_question_writes_version_two_and_keeps_version_one_readable(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let original = create(
        db,
        &acme.manager,
        acme.question_input(db, "Explain ACID.").await,
    )
    .await;
    let mut edit = acme
        .question_input(db, "Explain ACID with an example.")
        .await;
    edit.level = Level::Senior;
    edit.tags = vec!["transactions".into()];
    edit.minutes = 15;
    let edited = question::update(&db.db, &acme.admin, original.id, 1, edit)
        .await
        .expect("update");
    assert_eq!(edited.id, original.id);
    assert_eq!(edited.version, 2);
    assert_eq!(edited.prompt, "Explain ACID with an example.");
    assert_eq!(edited.level, Level::Senior);
    assert_eq!(edited.minutes, 15);
    assert_ne!(edited.current_version_id, original.current_version_id);
    assert_eq!(edited.created_at, original.created_at);
    let tags = question::tags_of(&db.db, &acme.admin, &[original.id])
        .await
        .expect("tags");
    assert_eq!(tags[&original.id], ["transactions"]);

    let v1 = question::version(&db.db, &acme.manager, original.current_version_id)
        .await
        .expect("version 1 stays readable");
    assert_eq!(v1.version, 1);
    assert_eq!(v1.prompt, "Explain ACID.");
    assert_eq!(v1.level, Level::Mid);
    assert_eq!(v1.minutes, 10);
    assert_eq!(v1.tags, serde_json::json!(["testing"]));
    let v2 = question::version(&db.db, &acme.manager, edited.current_version_id)
        .await
        .expect("version 2");
    assert_eq!(v2.version, 2);
    assert_eq!(v2.prompt, "Explain ACID with an example.");
    assert_eq!(v2.created_by, Some(acme.admin.user_id));
}

async fn editing_with_a_stale_expected_version_is_a_conflict_and_changes_nothing(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let original = create(
        db,
        &acme.manager,
        acme.question_input(db, "What is CAP?").await,
    )
    .await;
    let first = question::update(
        &db.db,
        &acme.manager,
        original.id,
        1,
        acme.question_input(db, "What does CAP say?").await,
    )
    .await
    .expect("first edit");
    let mut late = acme.question_input(db, "A late edit from an old tab").await;
    late.tags = vec!["late".into()];
    let result = question::update(&db.db, &acme.admin, original.id, 1, late).await;
    let Err(Error::Conflict(message)) = result else {
        panic!("expected Conflict, got {result:?}");
    };
    assert!(message.contains("expectedVersion is 1"), "{message}");
    assert!(message.contains("version 2"), "{message}");

    let read = question::get(&db.db, &acme.manager, original.id)
        .await
        .expect("get");
    assert_eq!(read, first, "a refused edit changed the question");
    let tags = question::tags_of(&db.db, &acme.admin, &[original.id])
        .await
        .expect("tags");
    assert_eq!(tags[&original.id], ["testing"]);
}

async fn a_retired_question_stays_readable_and_is_listed_as_retired(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let mut input = acme.question_input(db, "Explain idempotency keys.").await;
    input.tags = vec!["zz-retire".into()];
    let created = create(db, &acme.manager, input).await;
    let retired = question::retire(&db.db, &acme.manager, created.id)
        .await
        .expect("retire");
    assert_eq!(retired.status, QuestionStatus::Retired);
    assert_eq!(retired.version, created.version);
    let read = question::get(&db.db, &acme.alice, created.id)
        .await
        .expect("a retired question is readable");
    assert_eq!(read.status, QuestionStatus::Retired);
    question::version(&db.db, &acme.alice, created.current_version_id)
        .await
        .expect("its version is readable");
    let again = question::retire(&db.db, &acme.admin, created.id)
        .await
        .expect("retiring twice is harmless");
    assert_eq!(again.status, QuestionStatus::Retired);

    let tagged = |status| QuestionFilter {
        tags: vec!["zz-retire".into()],
        status,
        ..Default::default()
    };
    let retired_ids: Vec<Uuid> = all(db, &acme.manager, &tagged(Some(QuestionStatus::Retired)))
        .await
        .iter()
        .map(|q| q.id)
        .collect();
    assert_eq!(retired_ids, [created.id]);
    assert!(
        all(db, &acme.manager, &tagged(Some(QuestionStatus::Active)))
            .await
            .is_empty()
    );
    let every_retired = all(
        db,
        &acme.manager,
        &QuestionFilter {
            status: Some(QuestionStatus::Retired),
            ..Default::default()
        },
    )
    .await;
    assert!(
        every_retired
            .iter()
            .all(|q| q.status == QuestionStatus::Retired)
    );
}

async fn questions_are_listed_by_category_level_and_tag(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let categories = acme.categories(db).await;
    let (first, second) = (categories[0].id, categories[1].id);
    let mut a = acme.question_input(db, "zz A").await;
    a.category_id = second;
    a.level = Level::Junior;
    a.tags = vec!["zz-one".into(), "zz-both".into()];
    let a = create(db, &acme.manager, a).await;
    let mut b = acme.question_input(db, "zz B").await;
    b.category_id = first;
    b.level = Level::Lead;
    b.tags = vec!["zz-two".into(), "zz-both".into()];
    let b = create(db, &acme.manager, b).await;
    // Another organization's question carries the same tags but never shows.
    let globex = World::new(db, "globex").await;
    let mut theirs = globex.question_input(db, "zz Globex").await;
    theirs.tags = vec!["zz-one".into(), "zz-both".into()];
    create(db, &globex.manager, theirs).await;

    let filter = |f: fn(&mut QuestionFilter)| {
        let mut filter = QuestionFilter::default();
        f(&mut filter);
        filter
    };
    let m = &acme.viewer;
    assert_eq!(
        prompts(db, m, filter(|f| f.tags = vec!["zz-both".into()])).await,
        ["zz A", "zz B"]
    );
    assert_eq!(
        prompts(db, m, filter(|f| f.tags = vec!["ZZ-ONE".into()])).await,
        ["zz A"],
        "tags ignore case"
    );
    assert_eq!(
        prompts(
            db,
            m,
            filter(|f| f.tags = vec!["zz-one".into(), "zz-two".into()])
        )
        .await,
        ["zz A", "zz B"],
        "any of the tags matches"
    );

    let in_second = all(db, m, &filter(|f| f.category_ids = vec![Uuid::nil()])).await;
    assert!(in_second.is_empty(), "unknown category matches nothing");
    let in_second = all(
        db,
        m,
        &QuestionFilter {
            category_ids: vec![second],
            ..Default::default()
        },
    )
    .await;
    assert!(in_second.iter().all(|q| q.category_id == second));
    assert!(in_second.iter().any(|q| q.id == a.id));
    assert!(!in_second.iter().any(|q| q.id == b.id));
    let in_either = all(
        db,
        m,
        &QuestionFilter {
            category_ids: vec![first, second],
            tags: vec!["zz-both".into()],
            ..Default::default()
        },
    )
    .await;
    assert_eq!(in_either.len(), 2);

    let lead = all(db, m, &filter(|f| f.level = Some(Level::Lead))).await;
    assert!(lead.iter().all(|q| q.level == Level::Lead));
    assert!(lead.iter().any(|q| q.id == b.id));
    assert!(!lead.iter().any(|q| q.id == a.id));
    assert_eq!(
        prompts(
            db,
            m,
            filter(|f| {
                f.level = Some(Level::Junior);
                f.tags = vec!["zz-both".into()];
            })
        )
        .await,
        ["zz A"],
        "filters combine"
    );
}

async fn search_finds_text_in_the_prompt_or_the_guidance_literally(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let in_prompt = acme
        .question_input(db, "How would a Quokka shard a table?")
        .await;
    create(db, &acme.manager, in_prompt).await;
    let mut in_guidance = acme.question_input(db, "Describe a rollout.").await;
    in_guidance.guidance = "Mentions the quokka canary and a rollback plan.".into();
    create(db, &acme.manager, in_guidance).await;
    create(
        db,
        &acme.manager,
        acme.question_input(db, "What is 100% uptime worth?").await,
    )
    .await;
    create(
        db,
        &acme.manager,
        acme.question_input(db, "Name a snake_case rule.").await,
    )
    .await;

    let search = |text: &str| QuestionFilter {
        search: Some(text.to_owned()),
        ..Default::default()
    };
    let m = &acme.alice;
    assert_eq!(
        prompts(db, m, search("QUOKKA")).await,
        ["Describe a rollout.", "How would a Quokka shard a table?"],
        "search covers prompt and guidance, ignoring case"
    );
    assert_eq!(
        prompts(db, m, search("quokka canary")).await,
        ["Describe a rollout."],
        "text only in the guidance matches"
    );
    assert_eq!(
        prompts(db, m, search("100%")).await,
        ["What is 100% uptime worth?"]
    );
    assert!(
        prompts(db, m, search("quo%ka")).await.is_empty(),
        "`%` in search is literal, not a wildcard"
    );
    assert!(
        prompts(db, m, search("quokk_")).await.is_empty(),
        "`_` in search is literal, not a wildcard"
    );
    let percent = all(db, m, &search("%")).await;
    assert!(
        percent
            .iter()
            .all(|q| q.prompt.contains('%') || q.guidance.contains('%')),
        "`%` alone matches only text containing `%`"
    );
}

async fn the_bank_is_paged_by_id_with_a_total_count(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let filter = QuestionFilter::default();
    let mut seen = Vec::new();
    let mut after = None;
    let total = loop {
        let page = question::list(&db.db, &acme.viewer, &filter, page(7, after))
            .await
            .expect("list");
        assert!(page.items.len() <= 7);
        seen.extend(page.items.iter().map(|q| q.id));
        after = page.items.last().map(|q| q.id);
        if !page.has_next_page {
            break page.total_count;
        }
        assert_eq!(page.items.len(), 7, "a page before the last is full");
    };
    assert!(total >= 60, "total_count {total}");
    assert_eq!(seen.len() as u64, total);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "pages are in id order without repeats");
}

async fn invalid_input_lists_every_problem_at_once(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let before = question::list(
        &db.db,
        &acme.admin,
        &QuestionFilter::default(),
        page(1, None),
    )
    .await
    .expect("list")
    .total_count;
    let mut input = acme.question_input(db, "   ").await;
    input.rubric.pop();
    input.tags = vec!["bad tag!".into(), "fine".into()];
    input.minutes = 0;
    let result = question::create(&db.db, &acme.manager, input).await;
    let Err(Error::Invalid(problems)) = result else {
        panic!("expected Invalid, got {result:?}");
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["prompt", "rubric", "tags[0]", "minutes"]);
    assert!(problems[0].message.contains("must not be empty"));
    assert!(problems[1].message.contains("exactly four anchors"));
    assert!(problems[1].message.contains("got 3"));
    assert!(problems[2].message.contains("bad tag!"));
    assert!(problems[3].message.contains("between 1 and 480"));
    let after = question::list(
        &db.db,
        &acme.admin,
        &QuestionFilter::default(),
        page(1, None),
    )
    .await
    .expect("list")
    .total_count;
    assert_eq!(after, before, "an invalid question was stored");
}

async fn a_category_of_another_organization_is_refused_on_category_id(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let globex = World::new(db, "globex").await;
    let theirs = globex.categories(db).await[0].id;
    for category_id in [theirs, Uuid::now_v7()] {
        let mut input = acme.question_input(db, "Which category?").await;
        input.category_id = category_id;
        let result = question::create(&db.db, &acme.manager, input.clone()).await;
        let Err(Error::Invalid(problems)) = result else {
            panic!("expected Invalid, got {result:?}");
        };
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "categoryId");

        let ours = create(db, &acme.manager, acme.question_input(db, "Mine").await).await;
        let result = question::update(&db.db, &acme.manager, ours.id, 1, input).await;
        let Err(Error::Invalid(problems)) = result else {
            panic!("expected Invalid on update, got {result:?}");
        };
        assert_eq!(problems[0].field, "categoryId");
        let read = question::get(&db.db, &acme.manager, ours.id)
            .await
            .expect("get");
        assert_eq!(read.version, 1);
        assert_eq!(read.category_id, ours.category_id);
    }
}

fn assert_forbidden<T: std::fmt::Debug>(result: Result<T, Error>, role: Role) {
    match result {
        Err(Error::Forbidden { action, role: r }) => {
            assert_eq!(action, "edit the question bank");
            assert_eq!(r, role);
        }
        other => panic!("expected Forbidden for {role}, got {other:?}"),
    }
}

async fn interviewers_and_viewers_cannot_edit_the_bank(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let existing = create(db, &acme.manager, acme.question_input(db, "Keep me").await).await;
    for actor in [acme.bob, acme.viewer] {
        let input = acme.question_input(db, "Changed").await;
        assert_forbidden(
            question::create(&db.db, &actor, input.clone()).await,
            actor.role,
        );
        assert_forbidden(
            question::update(&db.db, &actor, existing.id, 1, input).await,
            actor.role,
        );
        assert_forbidden(
            question::retire(&db.db, &actor, existing.id).await,
            actor.role,
        );
    }
    let read = question::get(&db.db, &acme.manager, existing.id)
        .await
        .expect("get");
    assert_eq!(read, existing, "a refused request changed the question");
}

fn assert_not_found<T: std::fmt::Debug>(result: Result<T, Error>, entity: &str, what: &str) {
    match result {
        Err(Error::NotFound { entity: e }) => assert_eq!(e, entity, "{what}"),
        other => panic!("{what}: expected NotFound, got {other:?}"),
    }
}

async fn another_organizations_question_is_not_found(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let globex = World::new(db, "globex").await;
    let theirs = create(
        db,
        &globex.manager,
        globex.question_input(db, "Theirs").await,
    )
    .await;
    let input = acme.question_input(db, "Taken over").await;
    for id in [theirs.id, Uuid::now_v7()] {
        let a = &acme.admin;
        assert_not_found(question::get(&db.db, a, id).await, "question", "get");
        assert_not_found(
            question::update(&db.db, a, id, 1, input.clone()).await,
            "question",
            "update",
        );
        assert_not_found(question::retire(&db.db, a, id).await, "question", "retire");
    }
    assert_not_found(
        question::version(&db.db, &acme.admin, theirs.current_version_id).await,
        "question",
        "version",
    );
    let read = question::get(&db.db, &globex.manager, theirs.id)
        .await
        .expect("globex reads its own question");
    assert_eq!(read, theirs, "another organization changed the question");
}

async fn an_organization_adds_its_own_categories_and_competencies(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let added = domain::question::create_category(
        &db.db,
        &w.manager,
        "  Data Engineering ",
        "Pipelines and warehouses.",
    )
    .await
    .expect("category");
    assert_eq!(added.name, "Data Engineering");
    let categories = w.categories(db).await;
    assert_eq!(categories.len(), 11);
    assert_eq!(
        categories.last().map(|c| c.id),
        Some(added.id),
        "listed after the defaults"
    );
    let skill = domain::question::create_competency(&db.db, &w.admin, "Mentoring", "")
        .await
        .expect("competency");
    assert_eq!(
        w.competencies(db).await.last().map(|c| c.id),
        Some(skill.id)
    );

    let again = domain::question::create_category(&db.db, &w.manager, "Data Engineering", "").await;
    assert!(
        matches!(again, Err(Error::Conflict(ref m)) if m.contains("Data Engineering")),
        "{again:?}"
    );
    let blank = domain::question::create_competency(&db.db, &w.manager, " ", "").await;
    assert!(
        matches!(blank, Err(Error::Invalid(ref p)) if p[0].field == "name"),
        "{blank:?}"
    );
    for actor in [&w.alice, &w.viewer] {
        let refused = domain::question::create_category(&db.db, actor, "Mine", "").await;
        assert!(
            matches!(refused, Err(Error::Forbidden { .. })),
            "{refused:?}"
        );
    }
    // Another organization may use the same name; it never sees this one.
    let globex = World::new(db, "globex").await;
    domain::question::create_category(&db.db, &globex.admin, "Data Engineering", "")
        .await
        .expect("same name elsewhere");
    assert_eq!(globex.categories(db).await.len(), 11);
}

both_databases!(
    an_organization_adds_its_own_categories_and_competencies,
    a_new_question_is_version_one_and_active,
    editing_a_question_writes_version_two_and_keeps_version_one_readable,
    editing_with_a_stale_expected_version_is_a_conflict_and_changes_nothing,
    a_retired_question_stays_readable_and_is_listed_as_retired,
    questions_are_listed_by_category_level_and_tag,
    search_finds_text_in_the_prompt_or_the_guidance_literally,
    the_bank_is_paged_by_id_with_a_total_count,
    invalid_input_lists_every_problem_at_once,
    a_category_of_another_organization_is_refused_on_category_id,
    interviewers_and_viewers_cannot_edit_the_bank,
    another_organizations_question_is_not_found,
);
