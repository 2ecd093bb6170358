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

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use super::{count, fetch, get, parse_stored, score_sql, std_dev, submitted};
use crate::actor::{Actor, Permission};
use crate::entity::{candidate, scorecard};
use crate::error::{Error, Result};
use crate::types::{PlanStatus, Recommendation, RoundKind, ScorecardStatus};

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

/// The report on one candidate of the actor's organization. An unknown
/// candidate, or one of another organization, is `NotFound`.
pub async fn candidate_report<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    candidate_id: Uuid,
) -> Result<CandidateReport> {
    let candidate = crate::candidate::get(db, actor, candidate_id).await?;
    require_blind_rule(db, actor, candidate.id).await?;
    let (rounds, submitted_scorecards, variance) = rounds(db, actor, candidate.id).await?;
    let categories = means(db, actor, candidate.id, CATEGORY_MEANS).await?;
    let competencies = means(db, actor, candidate.id, COMPETENCY_MEANS).await?;
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
    })
}

/// Interviewers see colleagues' calls only after submitting their own.
async fn require_blind_rule<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    candidate_id: Uuid,
) -> Result<()> {
    if actor.role.allows(Permission::ReadAllScorecards) {
        return Ok(());
    }
    let own = scorecard::Entity::find()
        .filter(scorecard::Column::CandidateId.eq(candidate_id))
        .filter(scorecard::Column::InterviewerId.eq(actor.user_id))
        .filter(scorecard::Column::Status.eq(ScorecardStatus::Submitted))
        .count(db)
        .await?;
    if own == 0 {
        return Err(Error::Forbidden {
            action: "read a candidate's report before submitting your own scorecard for them",
            role: actor.role,
        });
    }
    Ok(())
}

/// One row per (round, assigned interviewer), with the round's spread and
/// the candidate-wide recommendation variance as window aggregates.
async fn rounds<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    candidate_id: Uuid,
) -> Result<(Vec<RoundReport>, u64, Option<f64>)> {
    let sql = format!(
        "SELECT t.round_id, t.plan_id, t.plan_status, t.title, t.kind, t.scheduled_at, \
           t.interviewer_id, t.scorecard_id, t.recommendation, \
           CAST(MAX(t.score) OVER (PARTITION BY t.round_id) \
             - MIN(t.score) OVER (PARTITION BY t.round_id) AS BIGINT) AS spread, \
           CAST(COUNT(t.score) OVER () AS BIGINT) AS scored, \
           CAST(COUNT(t.score) OVER () * SUM(t.score * t.score) OVER () \
             - SUM(t.score) OVER () * SUM(t.score) OVER () AS DOUBLE PRECISION) \
             / NULLIF(CAST(COUNT(t.score) OVER () AS DOUBLE PRECISION) * COUNT(t.score) OVER (), 0) \
             AS variance \
         FROM ( \
           SELECT r.id AS round_id, r.plan_id, p.status AS plan_status, r.title, r.kind, \
             r.position, r.scheduled_at, ri.user_id AS interviewer_id, u.display_name, \
             s.id AS scorecard_id, s.recommendation, {score} AS score \
           FROM rounds r \
           JOIN interview_plans p ON p.id = r.plan_id \
           LEFT JOIN round_interviewers ri ON ri.round_id = r.id \
           LEFT JOIN users u ON u.id = ri.user_id \
           LEFT JOIN scorecards s ON s.round_id = r.id AND s.interviewer_id = ri.user_id \
             AND s.status = '{submitted}' \
           WHERE p.candidate_id = $1 AND p.organization_id = $2 AND p.status <> '{cancelled}' \
         ) t \
         ORDER BY t.plan_id, t.position, t.round_id, t.display_name, t.interviewer_id",
        score = score_sql("s.recommendation"),
        submitted = submitted(),
        cancelled = PlanStatus::Cancelled.as_str(),
    );
    let rows = fetch(
        db,
        &sql,
        vec![candidate_id.into(), actor.organization_id.into()],
    )
    .await?;
    let mut scored = 0;
    let mut variance = None;
    let mut rounds: Vec<RoundReport> = Vec::new();
    for row in &rows {
        scored = count(row, "scored")?;
        variance = get(row, "variance")?;
        let round_id: Uuid = get(row, "round_id")?;
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
        if let Some(round) = rounds.last_mut() {
            round.interviewers.push(InterviewerCall {
                user_id,
                recommendation,
                submitted: scorecard_id.is_some(),
            });
        }
    }
    Ok((rounds, scored, variance))
}

/// Mean question rating per category of the pinned question version.
const CATEGORY_MEANS: (&str, &str) = (
    "JOIN round_questions rq ON rq.id = x.round_question_id \
     JOIN question_versions qv ON qv.id = rq.question_version_id \
     JOIN categories g ON g.id = qv.category_id",
    "scorecard_question_ratings",
);

/// Mean rating per competency.
const COMPETENCY_MEANS: (&str, &str) = (
    "JOIN competencies g ON g.id = x.competency_id",
    "scorecard_competency_ratings",
);

/// Mean ratings grouped by `g` (categories or competencies), where `x` is
/// the ratings table: `(joins reaching g, ratings table)`.
async fn means<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    candidate_id: Uuid,
    (joins, ratings): (&str, &str),
) -> Result<Vec<MeanRating>> {
    let sql = format!(
        "SELECT g.id, CAST(AVG(CAST(x.rating AS DOUBLE PRECISION)) AS DOUBLE PRECISION) AS mean, \
           CAST(COUNT(*) AS BIGINT) AS ratings \
         FROM {ratings} x \
         JOIN scorecards s ON s.id = x.scorecard_id \
         JOIN rounds r ON r.id = s.round_id \
         JOIN interview_plans p ON p.id = r.plan_id \
         {joins} \
         WHERE s.candidate_id = $1 AND s.organization_id = $2 AND s.status = '{submitted}' \
           AND p.status <> '{cancelled}' \
         GROUP BY g.id, g.position, g.name \
         ORDER BY g.position, g.name",
        submitted = submitted(),
        cancelled = PlanStatus::Cancelled.as_str(),
    );
    let rows = fetch(
        db,
        &sql,
        vec![candidate_id.into(), actor.organization_id.into()],
    )
    .await?;
    rows.iter()
        .map(|row| {
            Ok(MeanRating {
                id: get(row, "id")?,
                mean: get(row, "mean")?,
                ratings: count(row, "ratings")?,
            })
        })
        .collect()
}
