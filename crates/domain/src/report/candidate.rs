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
use sea_orm::ConnectionTrait;
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
/// Two statements: the candidate with every (round, assigned interviewer)
/// row and the actor's own submissions for the blind rule, then the
/// category and competency means together.
pub async fn candidate_report<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    candidate_id: Uuid,
) -> Result<CandidateReport> {
    let (candidate, rounds, submitted_scorecards, variance, users) =
        rounds(db, actor, candidate_id).await?;
    let (categories, competencies, referenced) = means(db, actor, candidate.id).await?;
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
        submitted_scorecards,
        agreement: std_dev(variance),
        decision_ready,
        referenced: Referenced {
            users,
            ..referenced
        },
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

/// What [`rounds`] reads.
type Rounds = (
    candidate::Model,
    Vec<RoundReport>,
    u64,
    Option<f64>,
    HashMap<Uuid, user::Model>,
);

/// The candidate, and one row per (round, assigned interviewer) with the
/// interviewer's record, the round's spread and the candidate-wide
/// recommendation variance as window aggregates; the candidate row stands
/// alone (a left join) when there are no rounds. Refuses before reading
/// further when the blind rule forbids the report.
async fn rounds<C: ConnectionTrait>(db: &C, actor: &Actor, candidate_id: Uuid) -> Result<Rounds> {
    let sql = format!(
        "SELECT {candidate_columns}, {user_columns}, \
           (SELECT CAST(COUNT(*) AS BIGINT) FROM scorecards o \
             WHERE o.candidate_id = c.id AND o.interviewer_id = $3 \
               AND o.status = '{submitted}') AS own_submitted, \
           t.round_id, t.plan_id, t.plan_status, t.title, t.kind, t.scheduled_at, \
           t.interviewer_id, t.scorecard_id, t.recommendation, t.spread, t.scored, t.variance \
         FROM candidates c \
         LEFT JOIN ( \
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
         ) t ON 1 = 1 \
         LEFT JOIN users u ON u.id = t.interviewer_id AND u.organization_id = c.organization_id \
         WHERE c.id = $1 AND c.organization_id = $2 \
         ORDER BY t.plan_id, t.position, t.round_id, u.display_name, t.interviewer_id",
        candidate_columns = columns::<candidate::Entity>("c", "c_"),
        user_columns = columns::<user::Entity>("u", "u_"),
        score = score_sql("s.recommendation"),
        submitted = submitted(),
        cancelled = PlanStatus::Cancelled.as_str(),
        interviewer = PanelRole::Interviewer.as_str(),
    );
    let rows = fetch(
        db,
        &sql,
        vec![
            candidate_id.into(),
            actor.organization_id.into(),
            actor.user_id.into(),
        ],
    )
    .await?;
    let Some(first) = rows.first() else {
        return Err(Error::NotFound {
            entity: "candidate",
        });
    };
    require_blind_rule(actor, count(first, "own_submitted")?)?;
    let candidate = prefixed_required::<candidate::Entity>(first, "c_")?;
    let mut scored = 0;
    let mut variance = None;
    let mut users = HashMap::new();
    let mut rounds: Vec<RoundReport> = Vec::new();
    for row in &rows {
        let Some(round_id) = get::<Option<Uuid>>(row, "round_id")? else {
            continue;
        };
        scored = count(row, "scored")?;
        variance = get(row, "variance")?;
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
            continue;
        };
        let recommendation = match get::<Option<String>>(row, "recommendation")? {
            Some(_) => Some(parse_stored(row, "recommendation", Recommendation::parse)?),
            None => None,
        };
        let scorecard_id: Option<Uuid> = get(row, "scorecard_id")?;
        if let Some(user) = prefixed::<user::Entity>(row, "u_")? {
            users.entry(user_id).or_insert(user);
        }
        if let Some(round) = rounds.last_mut() {
            round.interviewers.push(InterviewerCall {
                user_id,
                recommendation,
                submitted: scorecard_id.is_some(),
            });
        }
    }
    Ok((candidate, rounds, scored, variance, users))
}

/// Mean question rating per category of the pinned question version, then
/// mean rating per competency, each in bank order, with the records; one
/// statement (categories and competencies have the same columns).
async fn means<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    candidate_id: Uuid,
) -> Result<(Vec<MeanRating>, Vec<MeanRating>, Referenced)> {
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
    let sql = format!(
        "SELECT 1 AS kind, {categories}, m.mean, m.ratings FROM ( \
           SELECT qv.category_id AS id, {mean} \
           FROM scorecard_question_ratings x {scope} \
           JOIN round_questions rq ON rq.id = x.round_question_id \
           JOIN question_versions qv ON qv.id = rq.question_version_id \
           {filter} GROUP BY qv.category_id \
         ) m JOIN categories g ON g.id = m.id \
         UNION ALL \
         SELECT 2 AS kind, {competencies}, m.mean, m.ratings FROM ( \
           SELECT x.competency_id AS id, {mean} \
           FROM scorecard_competency_ratings x {scope} \
           {filter} GROUP BY x.competency_id \
         ) m JOIN competencies g ON g.id = m.id \
         ORDER BY kind, g_position, g_name, g_id",
        categories = columns::<category::Entity>("g", "g_"),
        competencies = columns::<competency::Entity>("g", "g_"),
    );
    let rows = fetch(
        db,
        &sql,
        vec![candidate_id.into(), actor.organization_id.into()],
    )
    .await?;
    let (mut categories, mut competencies) = (Vec::new(), Vec::new());
    let mut referenced = Referenced::default();
    for row in &rows {
        let figure = MeanRating {
            id: get(row, "g_id")?,
            mean: get(row, "mean")?,
            ratings: count(row, "ratings")?,
        };
        if get::<i32>(row, "kind")? == 1 {
            let record = prefixed_required::<category::Entity>(row, "g_")?;
            referenced.categories.insert(record.id, record);
            categories.push(figure);
        } else {
            let record = prefixed_required::<competency::Entity>(row, "g_")?;
            referenced.competencies.insert(record.id, record);
            competencies.push(figure);
        }
    }
    Ok((categories, competencies, referenced))
}
