//! The candidate report: where a candidate's panel stands.
//!
//! Definitions (all over `SUBMITTED` scorecards of the candidate's plans
//! that are not `CANCELLED`):
//! - a round's `spread` is the highest minus the lowest recommendation score
//!   (`STRONG_NO` = 1 … `STRONG_YES` = 4) among its submitted scorecards,
//!   0 for one scorecard, none before any;
//! - `agreement` is the population standard deviation of the recommendation
//!   scores of every submitted scorecard of the candidate: 0 when the panel
//!   agrees, up to 1.5 when it splits between `STRONG_NO` and `STRONG_YES`;
//! - category means are over question ratings, grouped by the category of
//!   the question version the round pinned; competency means are over
//!   competency ratings;
//! - `decision_ready` is true when the candidate has at least one round in
//!   a `PUBLISHED` or `COMPLETED` plan and every interviewer assigned to
//!   every such round has submitted. Draft plans are listed but do not count.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use super::{count, fetch, get, parse_stored, score_sql, std_dev, submitted};
use crate::actor::{Actor, Permission};
use crate::entity::{candidate, category, competency, user};
use crate::error::{Error, Result};
use crate::query::{columns, prefixed, prefixed_required};
use crate::types::{PanelRole, PlanStatus, Recommendation, RoundKind};

/// Everything a hiring team needs to decide on one candidate.
#[derive(Clone, Debug)]
pub struct CandidateReport {
    /// The candidate.
    pub candidate: candidate::Model,
    /// Rounds of the candidate's plans that are not cancelled, in plan then
    /// round order.
    pub rounds: Vec<RoundReport>,
    /// Mean question rating per category, in the bank's category order.
    pub categories: Vec<MeanRating>,
    /// Mean rating per competency, in the bank's competency order.
    pub competencies: Vec<MeanRating>,
    /// How many scorecards are submitted.
    pub submitted_scorecards: u64,
    /// Population standard deviation of the recommendation scores; none
    /// before the first submitted scorecard.
    pub agreement: Option<f64>,
    /// Whether every assigned interviewer of every live round has submitted.
    pub decision_ready: bool,
    /// The records the figures refer to.
    pub referenced: Referenced,
}

/// One round of the candidate's plans and its interviewers' calls.
#[derive(Clone, Debug)]
pub struct RoundReport {
    /// The round.
    pub round_id: Uuid,
    /// The plan it belongs to.
    pub plan_id: Uuid,
    /// Status of that plan.
    pub plan_status: PlanStatus,
    /// The round's title.
    pub title: String,
    /// The round's kind.
    pub kind: RoundKind,
    /// When the round starts, if scheduled.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Assigned interviewers, by display name.
    pub interviewers: Vec<InterviewerCall>,
    /// Highest minus lowest recommendation score submitted for the round.
    pub spread: Option<i64>,
}

/// One assigned interviewer's call on a round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterviewerCall {
    /// The interviewer.
    pub user_id: Uuid,
    /// Their recommendation, once submitted.
    pub recommendation: Option<Recommendation>,
    /// Whether their scorecard is submitted.
    pub submitted: bool,
}

/// A mean rating of one category or competency.
#[derive(Clone, Debug, PartialEq)]
pub struct MeanRating {
    /// The category or competency.
    pub id: Uuid,
    /// Mean of the ratings, 1 to 4.
    pub mean: f64,
    /// How many ratings the mean is over.
    pub ratings: u64,
}

/// The records a candidate report refers to, read with its figures so that
/// a reader shows names without further lookups.
#[derive(Clone, Debug, Default)]
pub struct Referenced {
    /// The assigned interviewers.
    pub users: HashMap<Uuid, user::Model>,
    /// The categories of [`CandidateReport::categories`].
    pub categories: HashMap<Uuid, category::Model>,
    /// The competencies of [`CandidateReport::competencies`].
    pub competencies: HashMap<Uuid, competency::Model>,
}

/// The report on one candidate of the actor's organization. An unknown
/// candidate, or one of another organization, is `NotFound`.
///
/// One statement: the candidate with the actor's own submissions (for the
/// blind rule), every (round, assigned interviewer) row with the round's
/// spread and the candidate-wide recommendation variance as window
/// aggregates, and the category and competency means, each part a branch
/// of one `UNION ALL` told apart by its `part` column.
pub async fn candidate_report<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    candidate_id: Uuid,
) -> Result<CandidateReport> {
    let rows = fetch(
        db,
        report_sql(),
        vec![
            candidate_id.into(),
            actor.organization_id.into(),
            actor.user_id.into(),
        ],
    )
    .await?;
    let Some(first) = rows
        .first()
        .filter(|row| matches!(part(row), Ok(Part::Candidate)))
    else {
        return Err(Error::NotFound {
            entity: "candidate",
        });
    };
    require_blind_rule(actor, count(first, "own_submitted")?)?;
    let candidate = prefixed_required::<candidate::Entity>(first, "c_")?;
    let mut scored = 0;
    let mut variance = None;
    let mut rounds: Vec<RoundReport> = Vec::new();
    let (mut categories, mut competencies) = (Vec::new(), Vec::new());
    let mut referenced = Referenced::default();
    for row in &rows[1..] {
        match part(row)? {
            Part::Candidate => {}
            Part::Call => {
                let (s, v) = call(row, &mut rounds, &mut referenced)?;
                (scored, variance) = (s, v);
            }
            Part::Category => {
                let record = prefixed_required::<category::Entity>(row, "g_")?;
                categories.push(mean(row, record.id)?);
                referenced.categories.insert(record.id, record);
            }
            Part::Competency => {
                let record = prefixed_required::<competency::Entity>(row, "g_")?;
                competencies.push(mean(row, record.id)?);
                referenced.competencies.insert(record.id, record);
            }
        }
    }
    let live: Vec<&RoundReport> = rounds
        .iter()
        .filter(|r| matches!(r.plan_status, PlanStatus::Published | PlanStatus::Completed))
        .collect();
    let decision_ready = !live.is_empty()
        && live
            .iter()
            .all(|r| !r.interviewers.is_empty() && r.interviewers.iter().all(|i| i.submitted));
    Ok(CandidateReport {
        candidate,
        rounds,
        categories,
        competencies,
        submitted_scorecards: scored,
        agreement: std_dev(variance),
        decision_ready,
        referenced,
    })
}

/// Interviewers see colleagues' calls only after submitting their own:
/// `own_submitted` is how many scorecards the actor submitted for the
/// candidate.
fn require_blind_rule(actor: &Actor, own_submitted: u64) -> Result<()> {
    if actor.role.allows(Permission::ReadAllScorecards) || own_submitted > 0 {
        return Ok(());
    }
    Err(Error::Forbidden {
        action: "read a candidate's report before submitting your own scorecard for them",
        role: actor.role,
    })
}

/// Which branch of the report's statement a row comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    /// The candidate, with the actor's own submissions.
    Candidate,
    /// A round with one assigned interviewer (or none).
    Call,
    /// A category mean.
    Category,
    /// A competency mean.
    Competency,
}

fn part(row: &QueryResult) -> Result<Part> {
    match get::<i32>(row, "part")? {
        0 => Ok(Part::Candidate),
        1 => Ok(Part::Call),
        2 => Ok(Part::Category),
        3 => Ok(Part::Competency),
        other => Err(Error::Internal(format!("unknown report part {other}"))),
    }
}

/// Adds a call row to `rounds` (a new round when its id changes) and its
/// interviewer to `referenced`; returns the candidate-wide count and
/// variance the row carries.
fn call(
    row: &QueryResult,
    rounds: &mut Vec<RoundReport>,
    referenced: &mut Referenced,
) -> Result<(u64, Option<f64>)> {
    let round_id: Uuid = get(row, "round_id")?;
    let figures = (count(row, "scored")?, get(row, "variance")?);
    if rounds.last().is_none_or(|r| r.round_id != round_id) {
        rounds.push(RoundReport {
            round_id,
            plan_id: get(row, "plan_id")?,
            plan_status: parse_stored(row, "plan_status", PlanStatus::parse)?,
            title: get(row, "title")?,
            kind: parse_stored(row, "kind", RoundKind::parse)?,
            scheduled_at: get(row, "scheduled_at")?,
            interviewers: Vec::new(),
            spread: get(row, "spread")?,
        });
    }
    let Some(user_id) = get::<Option<Uuid>>(row, "interviewer_id")? else {
        return Ok(figures);
    };
    let recommendation = match get::<Option<String>>(row, "recommendation")? {
        Some(_) => Some(parse_stored(row, "recommendation", Recommendation::parse)?),
        None => None,
    };
    let scorecard_id: Option<Uuid> = get(row, "scorecard_id")?;
    if let Some(user) = prefixed::<user::Entity>(row, "u_")? {
        referenced.users.entry(user_id).or_insert(user);
    }
    if let Some(round) = rounds.last_mut() {
        round.interviewers.push(InterviewerCall {
            user_id,
            recommendation,
            submitted: scorecard_id.is_some(),
        });
    }
    Ok(figures)
}

fn mean(row: &QueryResult, id: Uuid) -> Result<MeanRating> {
    Ok(MeanRating {
        id,
        mean: get(row, "mean")?,
        ratings: count(row, "ratings")?,
    })
}

/// `CAST(NULL AS type) AS {prefix}{column}` for every column of `E`: a
/// branch's stand-in for another branch's record. The casts give
/// PostgreSQL each column's type (a column that is `NULL` in the first
/// two branches of a `UNION` would otherwise be `text`); SQLite takes them
/// as no-ops.
fn nulls<E: sea_orm::EntityTrait>(prefix: &str) -> String {
    use sea_orm::{ColumnTrait, IdenStatic, Iterable};
    E::Column::iter()
        .map(|c| {
            format!(
                "CAST(NULL AS {}) AS {prefix}{}",
                sql_type(c.def().get_column_type()),
                c.as_str()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The name both backends accept for a column of type `column` in `CAST`.
fn sql_type(column: &sea_orm::sea_query::ColumnType) -> &'static str {
    use sea_orm::sea_query::ColumnType;
    match column {
        ColumnType::Uuid => "UUID",
        ColumnType::SmallInteger => "SMALLINT",
        ColumnType::Integer => "INTEGER",
        ColumnType::BigInteger => "BIGINT",
        ColumnType::Boolean => "BOOLEAN",
        ColumnType::TimestampWithTimeZone => "TIMESTAMPTZ",
        ColumnType::Double => "DOUBLE PRECISION",
        _ => "TEXT",
    }
}

/// The report's statement, written once per process: the text is the
/// same on both backends (`$n` placeholders, standard SQL).
fn report_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(build_report_sql)
}

fn build_report_sql() -> String {
    let calls = "t.round_id, t.plan_id, t.plan_status, t.title, t.kind, t.position, \
                 t.scheduled_at, t.interviewer_id, t.scorecard_id, t.recommendation, \
                 t.spread, t.scored, t.variance";
    let no_calls = "CAST(NULL AS UUID) AS round_id, CAST(NULL AS UUID) AS plan_id, \
                    CAST(NULL AS TEXT) AS plan_status, CAST(NULL AS TEXT) AS title, \
                    CAST(NULL AS TEXT) AS kind, CAST(NULL AS INTEGER) AS position, \
                    CAST(NULL AS TIMESTAMPTZ) AS scheduled_at, \
                    CAST(NULL AS UUID) AS interviewer_id, CAST(NULL AS UUID) AS scorecard_id, \
                    CAST(NULL AS TEXT) AS recommendation, CAST(NULL AS BIGINT) AS spread, \
                    CAST(NULL AS BIGINT) AS scored, CAST(NULL AS DOUBLE PRECISION) AS variance";
    let scope = "JOIN scorecards s ON s.id = x.scorecard_id \
         JOIN rounds r ON r.id = s.round_id \
         JOIN interview_plans p ON p.id = r.plan_id";
    let filter = format!(
        "WHERE s.candidate_id = $1 AND s.organization_id = $2 AND s.status = '{submitted}' \
           AND s.trainee = FALSE \
           AND p.status <> '{cancelled}'",
        submitted = submitted(),
        cancelled = PlanStatus::Cancelled.as_str(),
    );
    let mean = "CAST(AVG(CAST(x.rating AS DOUBLE PRECISION)) AS DOUBLE PRECISION) AS mean, \
                CAST(COUNT(*) AS BIGINT) AS ratings";
    format!(
        "SELECT 0 AS part, {candidate_columns}, \
           (SELECT CAST(COUNT(*) AS BIGINT) FROM scorecards o \
             WHERE o.candidate_id = c.id AND o.interviewer_id = $3 \
               AND o.status = '{submitted}') AS own_submitted, \
           {no_calls}, {no_users}, {no_groups}, CAST(NULL AS DOUBLE PRECISION) AS mean, CAST(NULL AS BIGINT) AS ratings \
         FROM candidates c WHERE c.id = $1 AND c.organization_id = $2 \
         UNION ALL \
         SELECT 1 AS part, {no_candidate}, CAST(NULL AS BIGINT) AS own_submitted, {calls}, {user_columns}, \
           {no_groups}, CAST(NULL AS DOUBLE PRECISION) AS mean, CAST(NULL AS BIGINT) AS ratings \
         FROM ( \
           SELECT w.*, \
             CAST(MAX(w.score) OVER (PARTITION BY w.round_id) \
               - MIN(w.score) OVER (PARTITION BY w.round_id) AS BIGINT) AS spread, \
             CAST(COUNT(w.score) OVER () AS BIGINT) AS scored, \
             CAST(COUNT(w.score) OVER () * SUM(w.score * w.score) OVER () \
               - SUM(w.score) OVER () * SUM(w.score) OVER () AS DOUBLE PRECISION) \
               / NULLIF(CAST(COUNT(w.score) OVER () AS DOUBLE PRECISION) * COUNT(w.score) OVER (), 0) \
               AS variance \
           FROM ( \
             SELECT r.id AS round_id, r.plan_id, p.status AS plan_status, r.title, r.kind, \
               r.position, r.scheduled_at, ri.user_id AS interviewer_id, \
               s.id AS scorecard_id, s.recommendation, {score} AS score \
             FROM rounds r \
             JOIN interview_plans p ON p.id = r.plan_id \
             LEFT JOIN round_interviewers ri ON ri.round_id = r.id AND ri.role = '{interviewer}' \
             LEFT JOIN scorecards s ON s.round_id = r.id AND s.interviewer_id = ri.user_id \
               AND s.status = '{submitted}' \
             WHERE p.candidate_id = $1 AND p.organization_id = $2 AND p.status <> '{cancelled}' \
           ) w \
         ) t \
         LEFT JOIN users u ON u.id = t.interviewer_id AND u.organization_id = $2 \
         UNION ALL \
         SELECT 2 AS part, {no_candidate}, CAST(NULL AS BIGINT) AS own_submitted, {no_calls}, {no_users}, \
           {categories}, m.mean, m.ratings FROM ( \
           SELECT qv.category_id AS id, {mean} \
           FROM scorecard_question_ratings x {scope} \
           JOIN round_questions rq ON rq.id = x.round_question_id \
           JOIN question_versions qv ON qv.id = rq.question_version_id \
           {filter} GROUP BY qv.category_id \
         ) m JOIN categories g ON g.id = m.id \
         UNION ALL \
         SELECT 3 AS part, {no_candidate}, CAST(NULL AS BIGINT) AS own_submitted, {no_calls}, {no_users}, \
           {competencies}, m.mean, m.ratings FROM ( \
           SELECT x.competency_id AS id, {mean} \
           FROM scorecard_competency_ratings x {scope} \
           {filter} GROUP BY x.competency_id \
         ) m JOIN competencies g ON g.id = m.id \
         ORDER BY part, plan_id, position, round_id, u_display_name, interviewer_id, \
           g_position, g_name, g_id",
        candidate_columns = columns::<candidate::Entity>("c", "c_"),
        no_candidate = nulls::<candidate::Entity>("c_"),
        user_columns = columns::<user::Entity>("u", "u_"),
        no_users = nulls::<user::Entity>("u_"),
        categories = columns::<category::Entity>("g", "g_"),
        competencies = columns::<competency::Entity>("g", "g_"),
        no_groups = nulls::<category::Entity>("g_"),
        score = score_sql("s.recommendation"),
        submitted = submitted(),
        cancelled = PlanStatus::Cancelled.as_str(),
        interviewer = PanelRole::Interviewer.as_str(),
    )
}
