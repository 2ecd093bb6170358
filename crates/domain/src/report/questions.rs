//! Question statistics: how often each question is asked, how it is rated,
//! and how well its rating separates hired from rejected candidates.
//!
//! Definitions, over question ratings of `SUBMITTED` scorecards:
//! - `times_asked` is the number of such ratings;
//! - `std_dev` is the population standard deviation of the ratings (0 for a
//!   single rating, none when never asked);
//! - `discrimination` is the mean rating given to candidates whose stage is
//!   now `HIRED` minus the mean given to candidates now `REJECTED`; none
//!   while either group has no rating. Positive means strong answers go
//!   with hires;
//! - `last_asked_at` is the latest submission time of such a scorecard.
//!
//! The figures are read from `rollup_question_figures` (one row per question
//! of the page: counts, Σ rating, Σ rating², hired and rejected counts and
//! sums, last submission; see [`crate::rollup`]) and derived here with the
//! same arithmetic the definition's SQL uses, so they match it exactly.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, Value};
use uuid::Uuid;

use super::{Source, count, fetch, get, placeholders, std_dev, submitted};
use crate::actor::{Actor, Permission};
use crate::entity::question;
use crate::error::Result;
use crate::page::{Page, PageRequest};
use crate::question::QuestionFilter;
use crate::types::Stage;

/// Figures of one question of the bank.
#[derive(Clone, Debug, PartialEq)]
pub struct QuestionStats {
    /// The question, as it is now.
    pub question: question::Model,
    /// Submitted ratings of it.
    pub times_asked: u64,
    /// Mean of those ratings.
    pub mean_rating: Option<f64>,
    /// Population standard deviation of those ratings.
    pub std_dev: Option<f64>,
    /// Mean rating of now-hired minus now-rejected candidates.
    pub discrimination: Option<f64>,
    /// When it was last rated in a submitted scorecard.
    pub last_asked_at: Option<DateTime<Utc>>,
}

/// Aggregates of one question's ratings, as SQL returns them.
#[derive(Clone, Copy, Debug, Default)]
struct Figures {
    times_asked: u64,
    mean: Option<f64>,
    variance: Option<f64>,
    discrimination: Option<f64>,
    last_asked_at: Option<DateTime<Utc>>,
}

/// A page of the actor's questions matching `filter` (same filter, order
/// and cursors as [`crate::question::list`]), each with its figures.
///
/// The figures summarize every submitted rating, so only the roles that may
/// read every submitted scorecard get them: an interviewer would otherwise
/// learn a colleague's ratings before submitting their own (the blind rule).
pub async fn question_stats<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &QuestionFilter,
    page: PageRequest,
) -> Result<Page<QuestionStats>> {
    question_stats_from(db, actor, filter, page, Source::Rollups).await
}

/// [`question_stats`] with figures from `source`.
pub(super) async fn question_stats_from<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &QuestionFilter,
    page: PageRequest,
    source: Source,
) -> Result<Page<QuestionStats>> {
    actor.require(Permission::ReadAllScorecards)?;
    let questions = crate::question::list(db, actor, filter, page).await?;
    let ids: Vec<Uuid> = questions.items.iter().map(|q| q.id).collect();
    let mut figures = match source {
        Source::Rollups => maintained(db, actor, &ids).await?,
        Source::Scan => figures(db, actor, &ids).await?,
    };
    let items = questions
        .items
        .into_iter()
        .map(|question| {
            let f = figures.remove(&question.id).unwrap_or_default();
            QuestionStats {
                question,
                times_asked: f.times_asked,
                mean_rating: f.mean,
                std_dev: std_dev(f.variance),
                discrimination: f.discrimination,
                last_asked_at: f.last_asked_at,
            }
        })
        .collect();
    Ok(Page {
        items,
        has_next_page: questions.has_next_page,
        total_count: questions.total_count,
    })
}

/// Discrimination of each of the questions `ids` that has one: the mean
/// rating given to candidates now `HIRED` minus that given to candidates now
/// `REJECTED` (see [`QuestionStats`]). One query of the rollups; the
/// composer ranks questions with it.
pub(crate) async fn discrimination<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, f64>> {
    Ok(maintained(db, actor, ids)
        .await?
        .into_iter()
        .filter_map(|(id, f)| Some((id, f.discrimination?)))
        .collect())
}

/// Figures of the questions `ids` from their rollup rows, one statement;
/// questions never asked have no row. Mean, variance (from integer sums,
/// `(n·Σx² − (Σx)²) / n²`) and discrimination are computed as the
/// definition's SQL computes them, in doubles from exact integer sums.
async fn maintained<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Figures>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT question_id, times_asked, rating_sum, rating_squares, hired_ratings, \
           hired_sum, rejected_ratings, rejected_sum, last_asked_at \
         FROM rollup_question_figures \
         WHERE organization_id = $1 AND times_asked > 0 AND question_id IN ({ids})",
        ids = placeholders(2, ids.len()),
    );
    let mut values: Vec<Value> = vec![actor.organization_id.into()];
    values.extend(ids.iter().map(|&id| Value::from(id)));
    let rows = fetch(db, &sql, values).await?;
    let mut figures = HashMap::with_capacity(rows.len());
    let mean = |sum: i64, n: i64| (n > 0).then(|| sum as f64 / n as f64);
    for row in &rows {
        let n: i64 = get(row, "times_asked")?;
        let sum: i64 = get(row, "rating_sum")?;
        let squares: i64 = get(row, "rating_squares")?;
        let hired = mean(get(row, "hired_sum")?, get(row, "hired_ratings")?);
        let rejected = mean(get(row, "rejected_sum")?, get(row, "rejected_ratings")?);
        figures.insert(
            get::<Uuid>(row, "question_id")?,
            Figures {
                times_asked: count(row, "times_asked")?,
                mean: mean(sum, n),
                variance: Some((n * squares - sum * sum) as f64 / (n as f64 * n as f64)),
                discrimination: hired.zip(rejected).map(|(h, r)| h - r),
                last_asked_at: get(row, "last_asked_at")?,
            },
        );
    }
    Ok(figures)
}

/// Figures of the questions `ids` in one aggregate query over every
/// submitted rating (the definition); questions never asked have no row.
async fn figures<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Figures>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mean_of = |stage: Stage| {
        format!(
            "AVG(CASE WHEN c.stage = '{}' THEN CAST(x.rating AS DOUBLE PRECISION) END)",
            stage.as_str()
        )
    };
    let sql = format!(
        "SELECT rq.question_id, \
           CAST(COUNT(*) AS BIGINT) AS times_asked, \
           CAST(AVG(CAST(x.rating AS DOUBLE PRECISION)) AS DOUBLE PRECISION) AS mean, \
           CAST(COUNT(*) * SUM(x.rating * x.rating) - SUM(x.rating) * SUM(x.rating) \
             AS DOUBLE PRECISION) / (CAST(COUNT(*) AS DOUBLE PRECISION) * COUNT(*)) AS variance, \
           CAST({hired} - {rejected} AS DOUBLE PRECISION) AS discrimination, \
           MAX(s.submitted_at) AS last_asked_at \
         FROM scorecard_question_ratings x \
         JOIN scorecards s ON s.id = x.scorecard_id \
         JOIN round_questions rq ON rq.id = x.round_question_id \
         JOIN candidates c ON c.id = s.candidate_id \
         WHERE s.organization_id = $1 AND s.status = '{submitted}' AND s.trainee = FALSE \
           AND rq.question_id IN ({ids}) \
         GROUP BY rq.question_id",
        hired = mean_of(Stage::Hired),
        rejected = mean_of(Stage::Rejected),
        submitted = submitted(),
        ids = placeholders(2, ids.len()),
    );
    let mut values: Vec<Value> = vec![actor.organization_id.into()];
    values.extend(ids.iter().map(|&id| Value::from(id)));
    let rows = fetch(db, &sql, values).await?;
    let mut figures = HashMap::with_capacity(rows.len());
    for row in &rows {
        figures.insert(
            get::<Uuid>(row, "question_id")?,
            Figures {
                times_asked: count(row, "times_asked")?,
                mean: get(row, "mean")?,
                variance: get(row, "variance")?,
                discrimination: get(row, "discrimination")?,
                last_asked_at: get(row, "last_asked_at")?,
            },
        );
    }
    Ok(figures)
}
