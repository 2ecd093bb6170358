//! Filling the report rollups from the base tables, from scratch: by the
//! migration that creates them and by `interview-planner rollups rebuild`
//! (one definition, so both give the same rows).
//!
//! The figures' definitions are those of the domain's `report` modules;
//! this is the one place that states them in bulk SQL. Stored names
//! (`SUBMITTED`, `HIRED`, `REJECTED`) are the domain's enumeration values.

use sea_orm_migration::sea_orm::prelude::Uuid;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

/// The dashboards' rollup tables, in the order they are emptied.
pub const TABLES: [&str; 6] = [
    "rollup_pipeline_positions",
    "rollup_stage_stays",
    "rollup_stay_samples",
    "rollup_question_figures",
    "rollup_interviewers",
    "rollup_submit_hours",
];

/// SQL for the seconds from timestamp `start` to timestamp `end`, as a
/// double. PostgreSQL subtracts `timestamptz` values; SQLite stores RFC
/// 3339 text that `julianday()` reads with millisecond precision, so the
/// difference is rounded to whole milliseconds to drop the floating-point
/// noise of day fractions. Every sample stored in a rollup and every
/// reference computation uses this expression, so they agree bit for bit.
pub fn seconds_between(backend: DbBackend, end: &str, start: &str) -> String {
    match backend {
        DbBackend::Postgres => {
            format!("CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS DOUBLE PRECISION)")
        }
        _ => format!("(ROUND((julianday({end}) - julianday({start})) * 86400000.0) / 1000.0)"),
    }
}

/// Replaces every rollup of `organization` (every organization when none)
/// with a from-scratch computation, inside the caller's transaction.
pub async fn fill<C: ConnectionTrait>(db: &C, organization: Option<Uuid>) -> Result<(), DbErr> {
    fill_dashboards(db, organization, true).await?;
    fill_candidate_means(db, organization).await
}

/// `organization_id = $1` with the organization as its value, or a
/// condition every row meets when none is given.
fn scope(organization: Option<Uuid>) -> (&'static str, Vec<Value>) {
    match organization {
        Some(id) => ("organization_id = $1", vec![id.into()]),
        None => ("1 = 1", vec![]),
    }
}

/// [`fill`] for the dashboards' rollups ([`TABLES`]), the ones the
/// migration creating them fills. Trainee scorecards never count;
/// `trainee_flag` says whether the schema has the flag yet (that migration
/// runs before it).
pub async fn fill_dashboards<C: ConnectionTrait>(
    db: &C,
    organization: Option<Uuid>,
    trainee_flag: bool,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let counted = if trainee_flag {
        "s.status = 'SUBMITTED' AND s.trainee = FALSE"
    } else {
        "s.status = 'SUBMITTED'"
    };
    let (org, values) = scope(organization);
    let s_org = org.replace("organization_id", "s.organization_id");
    let stay_days = seconds_between(backend, "left_at", "entered_at");
    let hours = seconds_between(backend, "s.submitted_at", "r.scheduled_at");
    let mut statements: Vec<String> = TABLES
        .iter()
        .map(|table| format!("DELETE FROM {table} WHERE {org}"))
        .collect();
    statements.extend([
        format!(
            "INSERT INTO rollup_pipeline_positions \
               (organization_id, position_title, stage, candidates) \
             SELECT organization_id, position_title, stage, COUNT(*) \
             FROM candidates WHERE {org} \
             GROUP BY organization_id, position_title, stage"
        ),
        // A stay runs from a change into a stage to the candidate's next
        // change; only completed ones count.
        format!(
            "INSERT INTO rollup_stay_samples (organization_id, stage, val, sample_id) \
             SELECT organization_id, stage, {stay_days} / 86400.0, id \
             FROM ( \
               SELECT organization_id, id, to_stage AS stage, changed_at AS entered_at, \
                 LEAD(changed_at) OVER (PARTITION BY candidate_id ORDER BY changed_at, id) \
                   AS left_at \
               FROM candidate_stage_changes WHERE {org} \
             ) stays \
             WHERE left_at IS NOT NULL"
        ),
        format!(
            "INSERT INTO rollup_stage_stays \
               (organization_id, stage, stays, median_val, median_id) \
             SELECT organization_id, stage, n, val, sample_id \
             FROM ( \
               SELECT organization_id, stage, val, sample_id, \
                 ROW_NUMBER() OVER (PARTITION BY organization_id, stage \
                                    ORDER BY val, sample_id) AS rn, \
                 COUNT(*) OVER (PARTITION BY organization_id, stage) AS n \
               FROM rollup_stay_samples WHERE {org} \
             ) ranked \
             WHERE rn = (n + 1) / 2"
        ),
        format!(
            "INSERT INTO rollup_question_figures \
               (organization_id, question_id, times_asked, rating_sum, rating_squares, \
                hired_ratings, hired_sum, rejected_ratings, rejected_sum, last_asked_at) \
             SELECT s.organization_id, rq.question_id, COUNT(*), SUM(x.rating), \
               SUM(x.rating * x.rating), \
               COUNT(CASE WHEN c.stage = 'HIRED' THEN 1 END), \
               COALESCE(SUM(CASE WHEN c.stage = 'HIRED' THEN x.rating END), 0), \
               COUNT(CASE WHEN c.stage = 'REJECTED' THEN 1 END), \
               COALESCE(SUM(CASE WHEN c.stage = 'REJECTED' THEN x.rating END), 0), \
               MAX(s.submitted_at) \
             FROM scorecard_question_ratings x \
             JOIN scorecards s ON s.id = x.scorecard_id \
             JOIN round_questions rq ON rq.id = x.round_question_id \
             JOIN candidates c ON c.id = s.candidate_id \
             WHERE {s_org} AND {counted} \
             GROUP BY s.organization_id, rq.question_id"
        ),
        format!(
            "INSERT INTO rollup_interviewers \
               (organization_id, interviewer_id, cards, ratings, rating_sum, hours_samples) \
             SELECT s.organization_id, s.interviewer_id, COUNT(DISTINCT s.id), \
               COUNT(x.rating), COALESCE(SUM(x.rating), 0), 0 \
             FROM scorecards s \
             LEFT JOIN scorecard_question_ratings x ON x.scorecard_id = s.id \
             WHERE {s_org} AND {counted} \
             GROUP BY s.organization_id, s.interviewer_id"
        ),
        format!(
            "INSERT INTO rollup_submit_hours (organization_id, interviewer_id, val, sample_id) \
             SELECT s.organization_id, s.interviewer_id, {hours} / 3600.0, s.id \
             FROM scorecards s JOIN rounds r ON r.id = s.round_id \
             WHERE {s_org} AND {counted} \
               AND s.submitted_at IS NOT NULL AND r.scheduled_at IS NOT NULL"
        ),
        format!(
            "UPDATE rollup_interviewers \
             SET hours_samples = m.n, hours_median_val = m.val, hours_median_id = m.sample_id \
             FROM ( \
               SELECT organization_id, interviewer_id, val, sample_id, n \
               FROM ( \
                 SELECT organization_id, interviewer_id, val, sample_id, \
                   ROW_NUMBER() OVER (PARTITION BY organization_id, interviewer_id \
                                      ORDER BY val, sample_id) AS rn, \
                   COUNT(*) OVER (PARTITION BY organization_id, interviewer_id) AS n \
                 FROM rollup_submit_hours WHERE {org} \
               ) ranked \
               WHERE rn = (n + 1) / 2 \
             ) m \
             WHERE rollup_interviewers.organization_id = m.organization_id \
               AND rollup_interviewers.interviewer_id = m.interviewer_id"
        ),
    ]);
    for sql in statements {
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values.clone()))
            .await?;
    }
    Ok(())
}

/// [`fill`] for `rollup_candidate_means`: per candidate, the count and sum
/// of the question ratings by the category of the question version each
/// round pinned (`CATEGORY`), and of the competency ratings by competency
/// (`COMPETENCY`), over submitted, non-trainee scorecards of plans that are
/// not cancelled: the candidate report's definition.
pub async fn fill_candidate_means<C: ConnectionTrait>(
    db: &C,
    organization: Option<Uuid>,
) -> Result<(), DbErr> {
    let (org, values) = scope(organization);
    let s_org = org.replace("organization_id", "s.organization_id");
    let counted = format!(
        "{s_org} AND s.status = 'SUBMITTED' AND s.trainee = FALSE AND p.status <> 'CANCELLED'"
    );
    // (kind, the ratings with what they are grouped by, that column).
    let sections = [
        (
            "CATEGORY",
            "scorecard_question_ratings x \
             JOIN round_questions rq ON rq.id = x.round_question_id \
             JOIN question_versions qv ON qv.id = rq.question_version_id",
            "qv.category_id",
        ),
        (
            "COMPETENCY",
            "scorecard_competency_ratings x",
            "x.competency_id",
        ),
    ];
    let mut statements = vec![format!("DELETE FROM rollup_candidate_means WHERE {org}")];
    statements.extend(sections.map(|(kind, ratings, group)| {
        format!(
            "INSERT INTO rollup_candidate_means \
               (organization_id, candidate_id, kind, section_id, ratings, rating_sum) \
             SELECT s.organization_id, s.candidate_id, '{kind}', {group}, \
               COUNT(*), SUM(x.rating) \
             FROM {ratings} \
             JOIN scorecards s ON s.id = x.scorecard_id \
             JOIN rounds r ON r.id = s.round_id \
             JOIN interview_plans p ON p.id = r.plan_id \
             WHERE {counted} \
             GROUP BY s.organization_id, s.candidate_id, {group}"
        )
    }));
    let backend = db.get_database_backend();
    for sql in statements {
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values.clone()))
            .await?;
    }
    Ok(())
}
