//! Nothing crosses organizations: another organization's id behaves exactly
//! like an id that does not exist (`NotFound`), for every service.

use domain::Error;
use domain::plan;
use domain::scorecard::{self, ScorecardInput};
use uuid::Uuid;

use crate::both_databases;
use crate::support::TestDb;
use crate::support::world::World;

fn assert_not_found<T: std::fmt::Debug>(what: &str, result: domain::Result<T>) {
    assert!(
        matches!(result, Err(Error::NotFound { .. })),
        "{what}: expected NotFound, got {result:?}"
    );
}

async fn another_organizations_ids_are_not_found_by_any_service(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let globex = World::new(db, "globex").await;
    let draft = acme.draft_plan(db).await;
    plan::publish(&db.db, &acme.manager, draft.plan.id)
        .await
        .expect("publish");
    let card = scorecard::save_draft(
        &db.db,
        &acme.alice,
        draft.rounds[0].id,
        ScorecardInput::default(),
    )
    .await
    .expect("draft");
    let question = &draft.questions[0];
    let round = draft.rounds[0].id;
    let input = globex.question_input(db, "Would this leak anything?").await;
    // Globex's admin can do everything in Globex, and nothing with Acme's ids.
    let g = &globex.admin;
    let d = &db.db;
    assert_not_found(
        "question::get",
        domain::question::get(d, g, question.id).await,
    );
    assert_not_found(
        "question::version",
        domain::question::version(d, g, question.current_version_id).await,
    );
    assert_not_found(
        "question::update",
        domain::question::update(d, g, question.id, 1, input).await,
    );
    assert_not_found(
        "question::retire",
        domain::question::retire(d, g, question.id).await,
    );
    assert_not_found(
        "user::get",
        domain::user::get(d, g, acme.alice.user_id).await,
    );
    assert_not_found(
        "candidate::get",
        domain::candidate::get(d, g, draft.candidate.id).await,
    );
    assert_not_found(
        "plan::create for another organization's candidate",
        plan::create(
            d,
            g,
            plan::PlanInput {
                candidate_id: draft.candidate.id,
                title: "Steal".into(),
                focus_competency_ids: vec![],
            },
        )
        .await,
    );
    assert_not_found("plan::get", plan::get(d, g, draft.plan.id).await);
    assert_not_found(
        "plan::add_round",
        plan::add_round(
            d,
            g,
            draft.plan.id,
            globex.round_input("X", 30, vec![], vec![]),
        )
        .await,
    );
    assert_not_found(
        "plan::update_round",
        plan::update_round(d, g, round, globex.round_input("X", 30, vec![], vec![])).await,
    );
    assert_not_found("plan::remove_round", plan::remove_round(d, g, round).await);
    assert_not_found(
        "plan::reorder_rounds",
        plan::reorder_rounds(d, g, draft.plan.id, &[round]).await,
    );
    let own_question = &globex.questions(db, 1).await[0];
    assert_not_found(
        "plan::add_question",
        plan::add_question(d, g, round, own_question.id, None).await,
    );
    assert_not_found(
        "plan::remove_question",
        plan::remove_question(d, g, round, question.id).await,
    );
    assert_not_found(
        "plan::reorder_questions",
        plan::reorder_questions(d, g, round, &[question.id]).await,
    );
    assert_not_found("plan::publish", plan::publish(d, g, draft.plan.id).await);
    assert_not_found("scorecard::get", scorecard::get(d, g, card.id).await);
    assert_not_found(
        "scorecard::save_draft",
        scorecard::save_draft(d, g, round, ScorecardInput::default()).await,
    );
    assert_not_found(
        "scorecard::submit",
        scorecard::submit(d, g, round, ScorecardInput::default()).await,
    );
    assert_not_found("a made-up id", plan::get(d, g, Uuid::now_v7()).await);
    // Lists never include another organization's records.
    let seen = scorecard::visible_for_candidates(d, g, &[draft.candidate.id])
        .await
        .expect("list");
    assert!(seen.is_empty());
    let users = domain::user::page(
        d,
        g,
        &domain::user::UserFilter::default(),
        domain::page::PageRequest {
            first: 100,
            after: None,
            count: true,
        },
    )
    .await
    .expect("users");
    assert!(
        users
            .items
            .iter()
            .all(|u| u.organization_id == globex.organization_id)
    );
    let plans = plan::of_candidates(d, g, &[draft.candidate.id])
        .await
        .expect("plans");
    assert!(plans.is_empty());
}

async fn another_organizations_question_cannot_be_added_to_a_plan(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let globex = World::new(db, "globex").await;
    let draft = acme.draft_plan(db).await;
    let foreign = &globex.questions(db, 1).await[0];
    let added =
        plan::add_question(&db.db, &acme.manager, draft.rounds[0].id, foreign.id, None).await;
    assert!(
        matches!(added, Err(Error::Invalid(ref p)) if p[0].field == "questionId"),
        "{added:?}"
    );
}

both_databases!(
    another_organizations_ids_are_not_found_by_any_service,
    another_organizations_question_cannot_be_added_to_a_plan,
);
