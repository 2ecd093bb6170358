//! Interviewer calibration: who rates harder or softer than their peers, and
//! how long they take to hand in feedback.
//!
//! Definitions, over `SUBMITTED` scorecards of the organization:
//! - an interviewer is anyone with at least one submitted scorecard;
//! - `mean_rating` is the mean of their question ratings;
//! - `leniency` is the z-score of their mean among interviewer means:
//!   (their mean − mean of interviewer means) / population standard
//!   deviation of interviewer means. None when fewer than two interviewers
//!   have a mean, or when all means are equal (a standard deviation below
//!   [`SAME_MEANS`], which is floating-point noise);
//! - `median_hours_to_submit` is the median of `submitted_at − scheduled_at`
//!   of the round, in hours, over their scorecards whose round has a
//!   scheduled start (negative when submitted before the start).
//!
//! The report reads `rollup_interviewers` (per interviewer: scorecards,
//! rating count and sum, and the hours-to-submit median cursor; see
//! [`crate::rollup`]) in one statement, one row per interviewer.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{Source, count, fetch, get, median_sql, seconds_between, std_dev, submitted};
use crate::actor::{Actor, Permission};
use crate::error::Result;

/// A standard deviation of interviewer means below this is treated as zero:
/// means are between 1 and 4, so rounding noise is around 1e-15.
pub const SAME_MEANS: f64 = 1e-12;

/// How one interviewer rates compared with their peers.
#[derive(Clone, Debug, PartialEq)]
pub struct InterviewerCalibration {
    /// The interviewer.
    pub user_id: Uuid,
    /// Scorecards they submitted.
    pub scorecards_submitted: u64,
    /// Mean of their question ratings; none if they rated no question.
    pub mean_rating: Option<f64>,
    /// Z-score of their mean among interviewer means.
    pub leniency: Option<f64>,
    /// Median hours from round start to submission.
    pub median_hours_to_submit: Option<f64>,
}

/// Calibration of every interviewer of the actor's organization, by
/// display name.
///
/// It summarizes every submitted rating, so only the roles that may read
/// every submitted scorecard get it (the blind rule, as for
/// [`super::question_stats`]).
pub async fn interviewer_calibration<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
) -> Result<Vec<InterviewerCalibration>> {
    calibration_from(db, actor, Source::Rollups).await
}

/// Interviewer rows, leniency spread and median hours from the rollups:
/// the same window arithmetic as the definition, over one row per
/// interviewer.
fn maintained_sql() -> String {
    format!(
        "WITH t AS ( \
           SELECT i.interviewer_id, i.cards, \
             CASE WHEN i.ratings > 0 \
               THEN CAST(i.rating_sum AS DOUBLE PRECISION) / i.ratings END AS mean, \
             i.hours_median_val, \
             CASE WHEN i.hours_samples % 2 = 0 THEN {next} END AS hours_next \
           FROM rollup_interviewers i WHERE i.organization_id = $1 AND i.cards > 0 \
         ), spread AS ( \
           SELECT t.*, AVG(t.mean) OVER () AS org_mean, COUNT(t.mean) OVER () AS raters \
           FROM t \
         ) \
         SELECT s.interviewer_id, CAST(s.cards AS BIGINT) AS cards, \
           CAST(s.mean AS DOUBLE PRECISION) AS mean, \
           CAST(s.org_mean AS DOUBLE PRECISION) AS org_mean, \
           CAST(s.raters AS BIGINT) AS raters, \
           CAST(AVG((s.mean - s.org_mean) * (s.mean - s.org_mean)) OVER () \
             AS DOUBLE PRECISION) AS org_variance, \
           s.hours_median_val, s.hours_next \
         FROM spread s JOIN users u ON u.id = s.interviewer_id \
         ORDER BY u.display_name, u.id",
        next = crate::rollup::HOURS.next_val_sql("i"),
    )
}

/// [`interviewer_calibration`] from `source`.
pub(super) async fn calibration_from<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    source: Source,
) -> Result<Vec<InterviewerCalibration>> {
    actor.require(Permission::ReadAllScorecards)?;
    if source == Source::Rollups {
        let rows = fetch(db, &maintained_sql(), vec![actor.organization_id.into()]).await?;
        let mut hours = HashMap::new();
        for row in &rows {
            let median =
                super::cursor_median(get(row, "hours_median_val")?, get(row, "hours_next")?);
            if let Some(median) = median {
                hours.insert(get::<Uuid>(row, "interviewer_id")?, median);
            }
        }
        return calibrations(&rows, hours);
    }
    let sql = format!(
        "WITH cards AS ( \
           SELECT interviewer_id, COUNT(*) AS cards FROM scorecards \
           WHERE organization_id = $1 AND status = '{submitted}' AND trainee = FALSE \
           GROUP BY interviewer_id \
         ), means AS ( \
           SELECT s.interviewer_id, AVG(CAST(x.rating AS DOUBLE PRECISION)) AS mean \
           FROM scorecard_question_ratings x JOIN scorecards s ON s.id = x.scorecard_id \
           WHERE s.organization_id = $1 AND s.status = '{submitted}' AND s.trainee = FALSE \
           GROUP BY s.interviewer_id \
         ), spread AS ( \
           SELECT c.interviewer_id, c.cards, m.mean, \
             AVG(m.mean) OVER () AS org_mean, COUNT(m.mean) OVER () AS raters \
           FROM cards c LEFT JOIN means m ON m.interviewer_id = c.interviewer_id \
         ) \
         SELECT t.interviewer_id, CAST(t.cards AS BIGINT) AS cards, \
           CAST(t.mean AS DOUBLE PRECISION) AS mean, \
           CAST(t.org_mean AS DOUBLE PRECISION) AS org_mean, \
           CAST(t.raters AS BIGINT) AS raters, \
           CAST(AVG((t.mean - t.org_mean) * (t.mean - t.org_mean)) OVER () \
             AS DOUBLE PRECISION) AS org_variance \
         FROM spread t JOIN users u ON u.id = t.interviewer_id \
         ORDER BY u.display_name, u.id",
        submitted = submitted(),
    );
    let rows = fetch(db, &sql, vec![actor.organization_id.into()]).await?;
    let hours = median_hours(db, actor).await?;
    calibrations(&rows, hours)
}

/// The report from rows with the interviewer, their scorecards, mean, the
/// organization's mean of means, how many interviewers have one and the
/// variance of those means, and the median hours per interviewer.
fn calibrations(
    rows: &[sea_orm::QueryResult],
    mut hours: HashMap<Uuid, f64>,
) -> Result<Vec<InterviewerCalibration>> {
    rows.iter()
        .map(|row| {
            let user_id: Uuid = get(row, "interviewer_id")?;
            let mean: Option<f64> = get(row, "mean")?;
            let org_mean: Option<f64> = get(row, "org_mean")?;
            let spread = std_dev(get(row, "org_variance")?);
            let leniency = match (mean, org_mean, spread) {
                (Some(mean), Some(org_mean), Some(sd))
                    if count(row, "raters")? >= 2 && sd >= SAME_MEANS =>
                {
                    Some((mean - org_mean) / sd)
                }
                _ => None,
            };
            Ok(InterviewerCalibration {
                user_id,
                scorecards_submitted: count(row, "cards")?,
                mean_rating: mean,
                leniency,
                median_hours_to_submit: hours.remove(&user_id),
            })
        })
        .collect()
}

/// Median hours from round start to submission, per interviewer.
async fn median_hours<C: ConnectionTrait>(db: &C, actor: &Actor) -> Result<HashMap<Uuid, f64>> {
    let seconds = seconds_between(
        db.get_database_backend(),
        "s.submitted_at",
        "r.scheduled_at",
    );
    let samples = format!(
        "SELECT s.interviewer_id AS grp, {seconds} / 3600.0 AS val \
         FROM scorecards s JOIN rounds r ON r.id = s.round_id \
         WHERE s.organization_id = $1 AND s.status = '{submitted}' AND s.trainee = FALSE \
           AND s.submitted_at IS NOT NULL AND r.scheduled_at IS NOT NULL",
        submitted = submitted(),
    );
    let rows = fetch(
        db,
        &median_sql(&samples),
        vec![actor.organization_id.into()],
    )
    .await?;
    rows.iter()
        .map(|row| Ok((get(row, "grp")?, get(row, "median")?)))
        .collect()
}
