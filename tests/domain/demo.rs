//! `serve --demo`: a demo organization that makes every report non-trivial,
//! and only ever on an empty database.

use std::collections::HashSet;

use domain::entity::{candidate, scorecard, user};
use domain::types::{Role, ScorecardStatus, Stage};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::both_databases;
use crate::support::TestDb;

async fn the_demo_fills_an_empty_database_with_every_role_stage_and_submitted_scorecards(
    db: &TestDb,
) {
    let summary = fixtures::demo::populate(&db.db, 7).await.expect("demo");
    assert_eq!(summary.candidates, 41);
    let roles: Vec<Role> = user::Entity::find()
        .all(&db.db)
        .await
        .expect("users")
        .into_iter()
        .map(|u| u.role)
        .collect();
    assert_eq!(roles.iter().filter(|r| **r == Role::Admin).count(), 1);
    assert_eq!(
        roles.iter().filter(|r| **r == Role::HiringManager).count(),
        2
    );
    assert_eq!(roles.iter().filter(|r| **r == Role::Interviewer).count(), 6);
    assert_eq!(roles.iter().filter(|r| **r == Role::Viewer).count(), 1);
    assert_eq!(summary.users.len(), 10);
    assert!(
        summary.users.iter().all(|u| u.password.len() >= 12),
        "passwords too short"
    );
    let stages: HashSet<Stage> = candidate::Entity::find()
        .all(&db.db)
        .await
        .expect("candidates")
        .into_iter()
        .map(|c| c.stage)
        .collect();
    assert_eq!(stages.len(), 7, "every stage has candidates: {stages:?}");
    let submitted = scorecard::Entity::find()
        .filter(scorecard::Column::Status.eq(ScorecardStatus::Submitted))
        .count(&db.db)
        .await
        .expect("count");
    assert_eq!(submitted as usize, summary.scorecards);
    assert!(submitted >= 60, "only {submitted} scorecards");
    // Every demo password signs in.
    let first = &summary.users[0];
    domain::user::authenticate(&db.db, &first.email, &first.password)
        .await
        .expect("demo password works");
}

async fn the_demo_refuses_a_database_that_already_has_data(db: &TestDb) {
    crate::support::world::World::new(db, "acme").await;
    let refused = fixtures::demo::populate(&db.db, 7).await;
    assert!(
        matches!(refused, Err(domain::Error::Conflict(ref m)) if m.contains("empty database")),
        "{refused:?}"
    );
    assert_eq!(
        candidate::Entity::find()
            .count(&db.db)
            .await
            .expect("count"),
        0
    );
}

both_databases!(
    the_demo_fills_an_empty_database_with_every_role_stage_and_submitted_scorecards,
    the_demo_refuses_a_database_that_already_has_data,
);
