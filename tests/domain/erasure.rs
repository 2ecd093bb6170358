//! Candidates' personal data (docs/domain.md §2): erasure leaves no trace
//! of the person in any table and every report figure unchanged; the export
//! holds everything; the retention rule erases exactly what it lists.

use chrono::{Duration, Utc};
use domain::Error;
use domain::candidate;
use domain::page::PageRequest;
use domain::question::QuestionFilter;
use domain::report;
use domain::scorecard::{self, CompetencyRatingInput, QuestionRatingInput, ScorecardInput};
use domain::types::{Recommendation, Stage};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::both_databases;
use crate::support::world::{DraftPlan, World};
use crate::support::{Backend, TestDb};

const NAME: &str = "Zebediah Quixote-Farnsworth";
const EMAIL: &str = "zebediah.quixote@candidates.example.com";

/// Scorecards for both rounds of the draft, whose notes, summaries and
/// amendment reason mention the candidate by name.
async fn interviewed(db: &TestDb, w: &World) -> DraftPlan {
    let created = candidate::create(
        &db.db,
        &w.manager,
        candidate::CandidateInput {
            name: NAME.into(),
            email: EMAIL.into(),
            position_title: "Backend Engineer".into(),
            target_level: domain::types::Level::Senior,
        },
    )
    .await
    .expect("candidate");
    let draft = w.draft_plan_for(db, created, 0).await;
    domain::plan::publish(&db.db, &w.manager, draft.plan.id)
        .await
        .expect("publish");
    let card =
        |questions: &[domain::entity::question::Model], competency: bool, rating| ScorecardInput {
            question_ratings: questions
                .iter()
                .map(|q| QuestionRatingInput {
                    question_id: q.id,
                    rating,
                    notes: format!("{NAME} explained it well"),
                })
                .collect(),
            competency_ratings: if competency {
                vec![CompetencyRatingInput {
                    competency_id: draft.competency.id,
                    rating,
                }]
            } else {
                vec![]
            },
            recommendation: Some(Recommendation::Yes),
            summary: format!("Hire {NAME}; reach them at {EMAIL}"),
        };
    scorecard::submit(
        &db.db,
        &w.alice,
        draft.rounds[0].id,
        card(&draft.questions[0..2], true, 3),
    )
    .await
    .expect("alice submits");
    scorecard::submit(
        &db.db,
        &w.bob,
        draft.rounds[1].id,
        card(&draft.questions[2..3], false, 2),
    )
    .await
    .expect("bob submits");
    scorecard::amend(
        &db.db,
        &w.alice,
        draft.rounds[0].id,
        card(&draft.questions[0..2], true, 4),
        format!("{NAME} asked me to look again"),
    )
    .await
    .expect("alice amends");
    draft
}

/// Every report figure, as text, without the candidate's own fields.
async fn figures(db: &TestDb, w: &World, draft: &DraftPlan) -> Vec<String> {
    let one = report::candidate_report(&db.db, &w.viewer, draft.candidate.id)
        .await
        .expect("candidate report");
    let stats = report::question_stats(
        &db.db,
        &w.viewer,
        &QuestionFilter::default(),
        PageRequest {
            first: 100,
            after: None,
            count: true,
        },
    )
    .await
    .expect("question stats");
    vec![
        format!(
            "{:?} {:?} {:?} {} {:?} {}",
            one.rounds,
            one.categories,
            one.competencies,
            one.submitted_scorecards,
            one.agreement,
            one.decision_ready
        ),
        format!(
            "{:?}",
            report::pipeline(&db.db, &w.viewer).await.expect("pipeline")
        ),
        format!(
            "{:?}",
            stats
                .items
                .iter()
                .map(|s| (s.times_asked, s.mean_rating, s.std_dev, s.discrimination))
                .collect::<Vec<_>>()
        ),
        format!(
            "{:?}",
            report::interviewer_calibration(&db.db, &w.viewer)
                .await
                .expect("calibration")
        ),
    ]
}

/// `table.column` of every place in the database holding `needle`, every
/// column of every table read as text.
async fn places_holding(db: &TestDb, needle: &str) -> Vec<String> {
    let backend = db.db.get_database_backend();
    let columns_sql = match db.backend {
        Backend::Postgres => {
            "SELECT table_name AS t, column_name AS c FROM information_schema.columns \
             WHERE table_schema = 'public'"
        }
        Backend::Sqlite => {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table'"
        }
    };
    let columns = db
        .db
        .query_all_raw(Statement::from_string(backend, columns_sql))
        .await
        .expect("columns");
    assert!(columns.len() > 50, "found {} columns", columns.len());
    let mut found = Vec::new();
    for row in columns {
        let table: String = row.try_get("", "t").expect("table");
        let column: String = row.try_get("", "c").expect("column");
        let sql = format!(
            "SELECT COUNT(*) AS n FROM \"{table}\" WHERE CAST(\"{column}\" AS TEXT) LIKE {}",
            if backend == DbBackend::Postgres {
                "$1"
            } else {
                "?"
            }
        );
        let hits = db
            .db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                &sql,
                [format!("%{needle}%").into()],
            ))
            .await
            .expect("scan")
            .expect("a count")
            .try_get::<i64>("", "n")
            .expect("n");
        if hits > 0 {
            found.push(format!("{table}.{column}"));
        }
    }
    found
}

async fn erasure_leaves_no_trace_of_the_person_and_every_report_figure_unchanged(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = interviewed(db, &w).await;
    assert!(
        places_holding(db, "Zebediah").await.len() >= 4,
        "the scan finds the name where it is"
    );
    let before = figures(db, &w, &draft).await;

    let refused = candidate::erase(&db.db, &w.alice, draft.candidate.id, "asked").await;
    assert!(
        matches!(refused, Err(Error::Forbidden { .. })),
        "{refused:?}"
    );
    let no_reason = candidate::erase(&db.db, &w.manager, draft.candidate.id, " ").await;
    assert_eq!(crate::support::world::problem_fields(no_reason), ["reason"]);

    let erased = candidate::erase(
        &db.db,
        &w.manager,
        draft.candidate.id,
        "the candidate asked for erasure on 2026-12-01",
    )
    .await
    .expect("erase");
    assert_eq!(erased.name, candidate::ERASED_NAME);
    assert!(erased.erased_at.is_some());
    assert_eq!(erased.stage, draft.candidate.stage, "the stage stays");

    assert_eq!(places_holding(db, "Zebediah").await, Vec::<String>::new());
    assert_eq!(places_holding(db, "Quixote").await, Vec::<String>::new());
    assert_eq!(places_holding(db, EMAIL).await, Vec::<String>::new());
    assert_eq!(
        figures(db, &w, &draft).await,
        before,
        "every figure is the same"
    );

    let again = candidate::erase(&db.db, &w.manager, draft.candidate.id, "again").await;
    assert!(matches!(again, Err(Error::Conflict(_))), "{again:?}");
    let export = candidate::export(&db.db, &w.admin, draft.candidate.id)
        .await
        .expect("export");
    assert_eq!(
        export["erasure"]["reason"],
        "the candidate asked for erasure on 2026-12-01"
    );
    assert_eq!(export["candidate"]["name"], candidate::ERASED_NAME);
}

async fn the_export_holds_everything_about_the_candidate(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = interviewed(db, &w).await;
    let refused = candidate::export(&db.db, &w.viewer, draft.candidate.id).await;
    assert!(
        matches!(refused, Err(Error::Forbidden { .. })),
        "{refused:?}"
    );
    let export = candidate::export(&db.db, &w.manager, draft.candidate.id)
        .await
        .expect("export");
    assert_eq!(export["candidate"]["name"], NAME);
    assert_eq!(export["candidate"]["email"], EMAIL);
    assert_eq!(export["stageHistory"][0]["to"], "APPLIED");
    assert_eq!(
        export["plans"][0]["rounds"].as_array().map(Vec::len),
        Some(2)
    );
    assert!(export["plans"][0]["rounds"][0]["questions"][0]["prompt"].is_string());
    let cards = export["scorecards"].as_array().expect("scorecards");
    assert_eq!(cards.len(), 2);
    let text = export.to_string();
    assert!(text.contains("explained it well"));
    assert!(
        text.contains("asked me to look again"),
        "the amendment's reason"
    );
    let other = World::new(db, "globex").await;
    let theirs = candidate::export(&db.db, &other.admin, draft.candidate.id).await;
    assert!(matches!(theirs, Err(Error::NotFound { .. })), "{theirs:?}");
}

async fn the_retention_dry_run_lists_exactly_the_candidates_it_then_erases(db: &TestDb) {
    use domain::entity::{candidate as row, candidate_stage_change as change};
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let w = World::new(db, "acme").await;
    let other = World::new(db, "globex").await;
    domain::organization::set_retention(&db.db, &w.admin, Some(30))
        .await
        .expect("retention");
    let refused = domain::organization::set_retention(&db.db, &w.manager, Some(30)).await;
    assert!(matches!(refused, Err(Error::Forbidden { .. })));
    let bad = domain::organization::set_retention(&db.db, &w.admin, Some(0)).await;
    assert_eq!(
        crate::support::world::problem_fields(bad),
        ["retentionDays"]
    );

    let old_rejected = w.candidate(db, "Old Rejected").await;
    let old_withdrawn = w.candidate(db, "Old Withdrawn").await;
    let recent_rejected = w.candidate(db, "Recent Rejected").await;
    let old_hired = w.candidate(db, "Old Hired").await;
    let theirs = other.candidate(db, "Their Rejected").await;
    for (who, actor, stages) in [
        (&old_rejected, &w.manager, vec![Stage::Rejected]),
        (&old_withdrawn, &w.manager, vec![Stage::Withdrawn]),
        (&recent_rejected, &w.manager, vec![Stage::Rejected]),
        (
            &old_hired,
            &w.manager,
            vec![
                Stage::Screening,
                Stage::Interviewing,
                Stage::Offer,
                Stage::Hired,
            ],
        ),
        (&theirs, &other.manager, vec![Stage::Rejected]),
    ] {
        for stage in stages {
            candidate::move_stage(&db.db, actor, who.id, stage)
                .await
                .expect("move");
        }
    }
    let long_ago = Utc::now() - Duration::days(40);
    for id in [old_rejected.id, old_withdrawn.id, old_hired.id, theirs.id] {
        change::Entity::update_many()
            .col_expr(change::Column::ChangedAt, Expr::value(long_ago))
            .filter(change::Column::CandidateId.eq(id))
            .exec(&db.db)
            .await
            .expect("backdate");
    }

    let now = Utc::now();
    let due: Vec<_> = candidate::due_for_retention(&db.db, now)
        .await
        .expect("dry run")
        .into_iter()
        .map(|d| d.candidate.id)
        .collect();
    let mut expected = vec![old_rejected.id, old_withdrawn.id];
    expected.sort();
    let mut sorted = due.clone();
    sorted.sort();
    assert_eq!(
        sorted, expected,
        "the rejected and withdrawn more than 30 days ago"
    );

    let erased: Vec<_> = candidate::apply_retention(&db.db, now)
        .await
        .expect("apply")
        .into_iter()
        .map(|d| d.candidate.id)
        .collect();
    assert_eq!(erased, due, "erases exactly what the dry run listed");
    let rows = row::Entity::find()
        .filter(row::Column::ErasedAt.is_not_null())
        .all(&db.db)
        .await
        .expect("erased rows");
    let mut erased_ids: Vec<_> = rows.iter().map(|r| r.id).collect();
    erased_ids.sort();
    assert_eq!(erased_ids, expected);
    assert!(
        candidate::due_for_retention(&db.db, now)
            .await
            .expect("again")
            .is_empty(),
        "nothing left to erase"
    );
}

both_databases!(
    erasure_leaves_no_trace_of_the_person_and_every_report_figure_unchanged,
    the_export_holds_everything_about_the_candidate,
    the_retention_dry_run_lists_exactly_the_candidates_it_then_erases,
);
