//! Many interviewers writing at once: on SQLite (one writer at a time) no
//! write may fail on the lock, and every acknowledged write is readable.

use std::sync::Arc;

use domain::scorecard::{self, QuestionRatingInput, ScorecardInput};
use domain::types::{Recommendation, Role, ScorecardStatus};
use domain::user::{self, NewUser};
use domain::{Actor, plan};
use uuid::Uuid;

use crate::both_databases;
use crate::support::TestDb;
use crate::support::world::{PASSWORD, World};

/// Interviewers writing at the same time.
const WRITERS: usize = 20;
/// Writes per interviewer: drafts, then one submission.
const WRITES_EACH: usize = 50;

/// A published plan with one round per interviewer, each with its own
/// question; returns (interviewer, round id, question id) triples.
async fn one_round_each(db: &TestDb, w: &World, writers: usize) -> Vec<(Actor, Uuid, Uuid)> {
    let candidate = w.candidate(db, "Ada Lovelace").await;
    let draft = plan::create(
        &db.db,
        &w.manager,
        plan::PlanInput {
            candidate_id: candidate.id,
            title: "Wide panel".into(),
            focus_competency_ids: vec![],
        },
    )
    .await
    .expect("create plan");
    let questions = w.questions(db, writers as u64).await;
    let mut rounds = Vec::new();
    for (index, question) in questions.iter().enumerate() {
        let tag = Uuid::now_v7().simple();
        let interviewer = user::create_user(
            &db.db,
            &w.admin,
            NewUser {
                email: format!("panel{index}.{tag}@acme.example.com"),
                display_name: format!("Panelist {index}"),
                role: Role::Interviewer,
                password: PASSWORD.into(),
            },
        )
        .await
        .expect("create interviewer");
        let actor = Actor {
            user_id: interviewer.id,
            organization_id: interviewer.organization_id,
            role: interviewer.role,
        };
        let round = plan::add_round(
            &db.db,
            &w.manager,
            draft.id,
            w.round_input(&format!("Round {index}"), 30, vec![actor.user_id], vec![]),
        )
        .await
        .expect("add round");
        plan::add_question(&db.db, &w.manager, round.id, question.id, Some(10))
            .await
            .expect("add question");
        rounds.push((actor, round.id, question.id));
    }
    plan::publish(&db.db, &w.manager, draft.id)
        .await
        .expect("publish");
    rounds
}

fn card(question_id: Uuid, rating: i64, summary: String) -> ScorecardInput {
    ScorecardInput {
        question_ratings: vec![QuestionRatingInput {
            question_id,
            rating,
            notes: format!("notes for {summary}"),
        }],
        competency_ratings: vec![],
        recommendation: Some(Recommendation::Yes),
        summary,
    }
}

async fn twenty_interviewers_saving_and_submitting_at_once_all_succeed_and_are_readable(
    db: &TestDb,
) {
    let w = World::new(db, "acme").await;
    let panel = one_round_each(db, &w, WRITERS).await;
    let database = Arc::new(db.db.clone());
    let mut writers = Vec::new();
    for (actor, round_id, question_id) in panel.clone() {
        let database = database.clone();
        writers.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            for write in 0..WRITES_EACH {
                let summary = format!("{} write {write}", actor.user_id);
                let rating = (write % 4 + 1) as i64;
                let input = card(question_id, rating, summary);
                let result = if write + 1 == WRITES_EACH {
                    scorecard::submit(&database, &actor, round_id, input).await
                } else {
                    scorecard::save_draft(&database, &actor, round_id, input).await
                };
                if let Err(err) = result {
                    failures.push(format!("write {write}: {err:?}"));
                }
            }
            failures
        }));
    }
    let mut failures = Vec::new();
    for writer in writers {
        failures.extend(writer.await.expect("writer task"));
    }
    assert!(
        failures.is_empty(),
        "{} of {} writes failed on {:?}, e.g. {:?}",
        failures.len(),
        WRITERS * WRITES_EACH,
        db.backend,
        &failures[..failures.len().min(3)]
    );

    let round_ids: Vec<Uuid> = panel.iter().map(|(_, round, _)| *round).collect();
    let cards = scorecard::visible_for_rounds(&db.db, &w.manager, &round_ids)
        .await
        .expect("read scorecards");
    assert_eq!(cards.len(), WRITERS, "one scorecard per interviewer");
    for (actor, round_id, _) in &panel {
        let found = cards
            .iter()
            .find(|c| c.round_id == *round_id && c.interviewer_id == actor.user_id)
            .expect("the interviewer's scorecard");
        assert_eq!(found.status, ScorecardStatus::Submitted);
        assert_eq!(
            found.summary,
            format!("{} write {}", actor.user_id, WRITES_EACH - 1),
            "the last acknowledged write is the one stored"
        );
    }
}

both_databases!(twenty_interviewers_saving_and_submitting_at_once_all_succeed_and_are_readable);

/// A write that cannot get the lock within the busy timeout is refused as
/// [`domain::Error::Busy`] (a retry-able `CONFLICT` at the API), and
/// changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_waiting_past_the_busy_timeout_is_refused_as_busy_on_sqlite() {
    use sea_orm::ConnectionTrait;

    let test = TestDb::sqlite().await;
    let w = World::new(&test, "acme").await;
    let options = domain::db::DbOptions {
        busy_timeout: std::time::Duration::from_millis(200),
        ..domain::db::DbOptions::with_max_connections(2)
    };
    let impatient = domain::db::connect_with(&test.url, options)
        .await
        .expect("second pool");
    let holder = domain::db::begin_write(&test.db)
        .await
        .expect("take the lock");
    holder
        .execute_unprepared("UPDATE organizations SET name = name")
        .await
        .expect("write under the lock");
    let refused = domain::candidate::create(
        &impatient,
        &w.manager,
        domain::candidate::CandidateInput {
            name: "Grace Hopper".into(),
            email: "grace@candidates.example.com".into(),
            position_title: "Backend Engineer".into(),
            target_level: domain::types::Level::Senior,
        },
    )
    .await;
    assert!(
        matches!(refused, Err(domain::Error::Busy)),
        "expected Busy, got {refused:?}"
    );
    holder.rollback().await.expect("release the lock");
    let listed = impatient
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT COUNT(*) AS n FROM candidates",
        ))
        .await
        .expect("count")
        .expect("a row")
        .try_get::<i64>("", "n")
        .expect("n");
    assert_eq!(listed, 0, "the refused write changed nothing");
    impatient.close().await.ok();
    test.finish().await;
}

/// A PostgreSQL statement running past the statement timeout is cancelled
/// by the server and reported as [`domain::Error::TimedOut`].
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_past_the_statement_timeout_is_cancelled_on_postgres() {
    use sea_orm::ConnectionTrait;

    let Some(test) = TestDb::postgres().await else {
        return;
    };
    let options = domain::db::DbOptions {
        statement_timeout: Some(std::time::Duration::from_millis(200)),
        ..domain::db::DbOptions::with_max_connections(1)
    };
    let short = domain::db::connect_with(&test.url, options)
        .await
        .expect("pool with a short statement timeout");
    let err = short
        .execute_unprepared("SELECT pg_sleep(5)")
        .await
        .expect_err("cancelled");
    assert!(
        matches!(domain::Error::from(err), domain::Error::TimedOut),
        "a cancelled statement is TimedOut"
    );
    short.close().await.ok();
    test.finish().await;
}
