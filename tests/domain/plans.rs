//! Building and publishing interview plans (docs/domain.md §2, "Publishing a plan").

use std::collections::HashSet;

use domain::Error;
use domain::plan::{self, PlanSnapshot, RoundSnapshot, SnapshotQuestion, publish_problems};
use domain::types::{PlanStatus, Role};
use uuid::Uuid;

use crate::both_databases;
use crate::support::TestDb;
use crate::support::world::{World, problem_fields, problems};

async fn a_complete_plan_publishes(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    let published = plan::publish(&db.db, &w.manager, draft.plan.id)
        .await
        .expect("publish");
    assert_eq!(published.status, PlanStatus::Published);
    assert!(published.published_at.is_some());
}

async fn publishing_refuses_a_plan_without_rounds(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let candidate = w.candidate(db, "Ada").await;
    let empty = plan::create(
        &db.db,
        &w.manager,
        plan::PlanInput {
            candidate_id: candidate.id,
            title: "Empty".into(),
            focus_competency_ids: vec![],
        },
    )
    .await
    .expect("create");
    assert_eq!(
        problem_fields(plan::publish(&db.db, &w.manager, empty.id).await),
        ["rounds"]
    );
}

async fn publishing_refuses_a_round_without_interviewers(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    let two = &draft.rounds[1];
    plan::update_round(
        &db.db,
        &w.manager,
        two.id,
        w.round_input(&two.title, 60, vec![], vec![]),
    )
    .await
    .expect("unassign");
    let found = problems(plan::publish(&db.db, &w.manager, draft.plan.id).await);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, "rounds[1].interviewerIds");
    assert!(
        found[0].message.contains("System design"),
        "{}",
        found[0].message
    );
}

async fn publishing_refuses_questions_that_overrun_the_time_box(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    let one = &draft.rounds[0];
    plan::update_round(
        &db.db,
        &w.manager,
        one.id,
        w.round_input(
            &one.title,
            15,
            vec![w.alice.user_id],
            vec![draft.competency.id],
        ),
    )
    .await
    .expect("shorten");
    let found = problems(plan::publish(&db.db, &w.manager, draft.plan.id).await);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, "rounds[0].questions");
    assert!(
        found[0].message.contains("20 minutes") && found[0].message.contains("15-minute"),
        "{}",
        found[0].message
    );
}

async fn publishing_refuses_a_question_retired_after_it_was_added(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    domain::question::retire(&db.db, &w.manager, draft.questions[2].id)
        .await
        .expect("retire");
    let found = problems(plan::publish(&db.db, &w.manager, draft.plan.id).await);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, "rounds[1].questions[0]");
    assert!(found[0].message.contains("retired"));
}

async fn publishing_refuses_a_focus_competency_no_round_covers(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    let one = &draft.rounds[0];
    plan::update_round(
        &db.db,
        &w.manager,
        one.id,
        w.round_input(&one.title, 60, vec![w.alice.user_id], vec![]),
    )
    .await
    .expect("drop competency");
    let found = problems(plan::publish(&db.db, &w.manager, draft.plan.id).await);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, "focusCompetencyIds");
    assert!(found[0].message.contains(&draft.competency.name));
}

async fn publishing_refuses_a_question_asked_in_an_earlier_plan(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let first = w.draft_plan(db).await;
    plan::publish(&db.db, &w.manager, first.plan.id)
        .await
        .expect("publish first");
    // The second plan uses bank questions 2..5: question 2 was asked in the first.
    let second = w.draft_plan_for(db, first.candidate.clone(), 2).await;
    let found = problems(plan::publish(&db.db, &w.manager, second.plan.id).await);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, "rounds[0].questions[0]");
    assert!(found[0].message.contains("earlier plan"));
    // Another candidate may be asked the same questions.
    let other = w.candidate(db, "Linus").await;
    let fresh = w.draft_plan_for(db, other, 0).await;
    plan::publish(&db.db, &w.manager, fresh.plan.id)
        .await
        .expect("other candidate");
}

/// The duplicate check cannot be reached through the services (the schema
/// refuses a question twice per plan), so it is tested on a snapshot.
#[test]
fn a_question_twice_in_a_plan_is_reported() {
    let id = Uuid::now_v7();
    let question = |minutes| SnapshotQuestion {
        question_id: id,
        prompt: "Explain ACID.".into(),
        minutes,
        retired: false,
    };
    let round = |title: &str, q| RoundSnapshot {
        title: title.into(),
        duration_minutes: 30,
        interviewer_count: 1,
        competency_ids: vec![],
        questions: vec![q],
    };
    let plan = PlanSnapshot {
        rounds: vec![round("One", question(10)), round("Two", question(10))],
        ..Default::default()
    };
    let found = publish_problems(&plan);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, "rounds[1].questions[0]");
    assert!(found[0].message.contains("already asked in round \"One\""));
}

#[test]
fn every_publish_problem_is_reported_together() {
    let repeated = Uuid::now_v7();
    let asked = Uuid::now_v7();
    let competency = Uuid::now_v7();
    let q = |id, retired| SnapshotQuestion {
        question_id: id,
        prompt: "Q".into(),
        minutes: 40,
        retired,
    };
    let plan = PlanSnapshot {
        rounds: vec![
            RoundSnapshot {
                title: "A".into(),
                duration_minutes: 30,
                interviewer_count: 0,
                competency_ids: vec![],
                questions: vec![q(repeated, false)],
            },
            RoundSnapshot {
                title: "B".into(),
                duration_minutes: 120,
                interviewer_count: 1,
                competency_ids: vec![],
                questions: vec![q(repeated, true), q(asked, false)],
            },
        ],
        focus_competencies: vec![(competency, "Communication".into())],
        asked_before: HashSet::from([asked]),
        panel: vec![],
    };
    let fields: Vec<String> = publish_problems(&plan)
        .into_iter()
        .map(|p| p.field)
        .collect();
    assert_eq!(
        fields,
        [
            "rounds[0].interviewerIds",
            "rounds[0].questions",
            "rounds[1].questions[0]",
            "rounds[1].questions[0]",
            "rounds[1].questions[1]",
            "focusCompetencyIds",
        ]
    );
    assert!(
        publish_problems(&PlanSnapshot::default())
            .iter()
            .any(|p| p.field == "rounds")
    );
}

async fn every_failing_publish_check_is_reported_at_once(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let first = w.draft_plan(db).await;
    plan::publish(&db.db, &w.manager, first.plan.id)
        .await
        .expect("publish first");
    let draft = w.draft_plan_for(db, first.candidate.clone(), 2).await; // reuses an asked question
    let (one, two) = (&draft.rounds[0], &draft.rounds[1]);
    plan::update_round(
        &db.db,
        &w.manager,
        one.id,
        w.round_input(&one.title, 15, vec![w.alice.user_id], vec![]),
    )
    .await
    .expect("overrun and drop competency");
    plan::update_round(
        &db.db,
        &w.manager,
        two.id,
        w.round_input(&two.title, 60, vec![], vec![]),
    )
    .await
    .expect("no interviewer");
    domain::question::retire(&db.db, &w.manager, draft.questions[2].id)
        .await
        .expect("retire");
    let fields = problem_fields(plan::publish(&db.db, &w.manager, draft.plan.id).await);
    assert_eq!(
        fields,
        [
            "rounds[0].questions",
            "rounds[0].questions[0]",
            "rounds[1].interviewerIds",
            "rounds[1].questions[0]",
            "focusCompetencyIds",
        ]
    );
    let unchanged = plan::get(&db.db, &w.manager, draft.plan.id)
        .await
        .expect("get");
    assert_eq!(unchanged.status, PlanStatus::Draft);
}

async fn a_question_cannot_be_added_twice_to_one_plan(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    let again = plan::add_question(
        &db.db,
        &w.manager,
        draft.rounds[1].id,
        draft.questions[0].id,
        None,
    )
    .await;
    assert!(
        matches!(again, Err(Error::Conflict(ref m)) if m.contains("already in the plan")),
        "{again:?}"
    );
}

async fn a_retired_question_cannot_be_added_to_a_plan(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    let spare = &w.questions(db, 10).await[5];
    domain::question::retire(&db.db, &w.manager, spare.id)
        .await
        .expect("retire");
    let added = plan::add_question(&db.db, &w.manager, draft.rounds[0].id, spare.id, None).await;
    assert_eq!(problem_fields(added), ["questionId"]);
}

async fn editing_a_question_does_not_change_a_plan_that_uses_it(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    let used = &draft.questions[0];
    let mut input = w
        .question_input(db, "A reworded prompt that the plan must not pick up?")
        .await;
    input.category_id = used.category_id;
    domain::question::update(&db.db, &w.manager, used.id, used.version, input)
        .await
        .expect("edit");
    let pinned = plan::questions_of(&db.db, &w.manager, &[draft.rounds[0].id])
        .await
        .expect("questions");
    assert_eq!(pinned[0].question_id, used.id);
    assert_eq!(pinned[0].question_version_id, used.current_version_id);
    let version = domain::question::version(&db.db, &w.manager, pinned[0].question_version_id)
        .await
        .expect("version");
    assert_eq!(version.prompt, used.prompt);
    assert_eq!(version.version, 1);
}

async fn only_draft_plans_can_be_edited(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    plan::publish(&db.db, &w.manager, draft.plan.id)
        .await
        .expect("publish");
    let one = &draft.rounds[0];
    let spare = &w.questions(db, 10).await[6];
    let attempts = [
        plan::add_round(
            &db.db,
            &w.manager,
            draft.plan.id,
            w.round_input("Extra", 30, vec![], vec![]),
        )
        .await
        .map(|_| ()),
        plan::update_round(
            &db.db,
            &w.manager,
            one.id,
            w.round_input("Renamed", 60, vec![], vec![]),
        )
        .await
        .map(|_| ()),
        plan::remove_round(&db.db, &w.manager, one.id).await,
        plan::add_question(&db.db, &w.manager, one.id, spare.id, None)
            .await
            .map(|_| ()),
        plan::remove_question(&db.db, &w.manager, one.id, draft.questions[0].id)
            .await
            .map(|_| ()),
        plan::publish(&db.db, &w.manager, draft.plan.id)
            .await
            .map(|_| ()),
    ];
    for attempt in attempts {
        assert!(
            matches!(attempt, Err(Error::Conflict(ref m)) if m.contains("only DRAFT")),
            "{attempt:?}"
        );
    }
}

async fn interviewers_and_viewers_cannot_build_plans(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    for actor in [&w.alice, &w.viewer] {
        let create = plan::create(
            &db.db,
            actor,
            plan::PlanInput {
                candidate_id: draft.candidate.id,
                title: "Mine".into(),
                focus_competency_ids: vec![],
            },
        )
        .await;
        assert!(matches!(create, Err(Error::Forbidden { .. })), "{create:?}");
        let add = plan::add_round(
            &db.db,
            actor,
            draft.plan.id,
            w.round_input("R", 30, vec![], vec![]),
        )
        .await;
        assert!(matches!(add, Err(Error::Forbidden { .. })), "{add:?}");
        let publish = plan::publish(&db.db, actor, draft.plan.id).await;
        assert!(
            matches!(publish, Err(Error::Forbidden { role, .. }) if role == actor.role),
            "{publish:?}"
        );
    }
    assert_eq!(w.viewer.role, Role::Viewer);
}

async fn a_round_lists_every_invalid_field(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    let other = World::new(db, "globex").await;
    let input = w.round_input(
        " ",
        0,
        vec![w.viewer.user_id, other.alice.user_id],
        vec![other.competencies(db).await[0].id],
    );
    let fields = problem_fields(plan::add_round(&db.db, &w.manager, draft.plan.id, input).await);
    assert_eq!(
        fields,
        [
            "title",
            "durationMinutes",
            "interviewerIds[0]",
            "interviewerIds[1]",
            "focusCompetencyIds[0]"
        ]
    );
}

async fn rounds_and_questions_can_be_reordered(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    let (one, two) = (draft.rounds[0].id, draft.rounds[1].id);
    let rounds = plan::reorder_rounds(&db.db, &w.manager, draft.plan.id, &[two, one])
        .await
        .expect("reorder");
    assert_eq!(rounds.iter().map(|r| r.id).collect::<Vec<_>>(), [two, one]);
    let (a, b) = (draft.questions[0].id, draft.questions[1].id);
    plan::reorder_questions(&db.db, &w.manager, one, &[b, a])
        .await
        .expect("reorder questions");
    let order: Vec<Uuid> = plan::questions_of(&db.db, &w.manager, &[one])
        .await
        .expect("q")
        .into_iter()
        .map(|q| q.question_id)
        .collect();
    assert_eq!(order, [b, a]);
    let incomplete = plan::reorder_rounds(&db.db, &w.manager, draft.plan.id, &[two]).await;
    assert_eq!(problem_fields(incomplete), ["roundIds"]);
}

async fn a_published_plan_completes_and_then_takes_no_more_scorecards(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    let early = plan::complete(&db.db, &w.manager, draft.plan.id).await;
    assert!(
        matches!(early, Err(Error::Conflict(ref m)) if m.contains("only a PUBLISHED plan")),
        "{early:?}"
    );
    plan::publish(&db.db, &w.manager, draft.plan.id)
        .await
        .expect("publish");
    let done = plan::complete(&db.db, &w.manager, draft.plan.id)
        .await
        .expect("complete");
    assert_eq!(done.status, PlanStatus::Completed);
    let late =
        domain::scorecard::submit(&db.db, &w.alice, draft.rounds[0].id, Default::default()).await;
    assert!(
        matches!(late, Err(Error::Conflict(ref m)) if m.contains("PUBLISHED")),
        "{late:?}"
    );
    for again in [
        plan::complete(&db.db, &w.manager, draft.plan.id).await,
        plan::cancel(&db.db, &w.manager, draft.plan.id).await,
    ] {
        assert!(matches!(again, Err(Error::Conflict(_))), "{again:?}");
    }
}

async fn draft_and_published_plans_can_be_cancelled_by_plan_builders_only(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    for actor in [&w.alice, &w.viewer] {
        let refused = plan::cancel(&db.db, actor, draft.plan.id).await;
        assert!(
            matches!(refused, Err(Error::Forbidden { .. })),
            "{refused:?}"
        );
        let refused = plan::complete(&db.db, actor, draft.plan.id).await;
        assert!(
            matches!(refused, Err(Error::Forbidden { .. })),
            "{refused:?}"
        );
    }
    let cancelled = plan::cancel(&db.db, &w.manager, draft.plan.id)
        .await
        .expect("cancel draft");
    assert_eq!(cancelled.status, PlanStatus::Cancelled);
    let published = w.draft_plan_for(db, w.candidate(db, "Ken").await, 3).await;
    plan::publish(&db.db, &w.manager, published.plan.id)
        .await
        .expect("publish");
    let cancelled = plan::cancel(&db.db, &w.manager, published.plan.id)
        .await
        .expect("cancel published");
    assert_eq!(cancelled.status, PlanStatus::Cancelled);
    let other = World::new(db, "globex").await;
    let hidden = plan::cancel(&db.db, &other.admin, published.plan.id).await;
    assert!(matches!(hidden, Err(Error::NotFound { .. })), "{hidden:?}");
}

both_databases!(
    a_published_plan_completes_and_then_takes_no_more_scorecards,
    draft_and_published_plans_can_be_cancelled_by_plan_builders_only,
    a_complete_plan_publishes,
    publishing_refuses_a_plan_without_rounds,
    publishing_refuses_a_round_without_interviewers,
    publishing_refuses_questions_that_overrun_the_time_box,
    publishing_refuses_a_question_retired_after_it_was_added,
    publishing_refuses_a_focus_competency_no_round_covers,
    publishing_refuses_a_question_asked_in_an_earlier_plan,
    every_failing_publish_check_is_reported_at_once,
    a_question_cannot_be_added_twice_to_one_plan,
    a_retired_question_cannot_be_added_to_a_plan,
    editing_a_question_does_not_change_a_plan_that_uses_it,
    only_draft_plans_can_be_edited,
    interviewers_and_viewers_cannot_build_plans,
    a_round_lists_every_invalid_field,
    rounds_and_questions_can_be_reordered,
);
