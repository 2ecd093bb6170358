//! The pipeline report: how many candidates stand where, and how long they
//! stay in each stage.
//!
//! Time in a stage is measured from the stage history: each change into a
//! stage starts a stay that ends at the candidate's next change. Only
//! completed stays count, so a candidate still in `SCREENING` adds nothing
//! to `SCREENING`'s median yet, and closed stages (`HIRED`, `REJECTED`,
//! `WITHDRAWN`) never have one. The median is in days (86 400 seconds),
//! fractional.
//!
//! The report reads the rollups (`rollup_pipeline_positions`, and per stage
//! the median cursor of `rollup_stage_stays`, see [`crate::rollup`]): two
//! statements over a bounded number of rows. [`super::reference::pipeline`]
//! computes the same from the base tables.

use std::collections::BTreeMap;

use sea_orm::ConnectionTrait;

use super::{Source, count, fetch, get, median_sql, parse_stored, seconds_between};
use crate::actor::Actor;
use crate::error::Result;
use crate::types::Stage;

/// Candidates per stage and per position, with time spent in each stage.
#[derive(Clone, Debug, PartialEq)]
pub struct PipelineReport {
    /// Every candidate of the organization.
    pub total_candidates: u64,
    /// Every stage, in process order, zeros included.
    pub stages: Vec<StageFigures>,
    /// Every position title candidates applied for, alphabetically.
    pub positions: Vec<PositionFigures>,
}

/// One stage of the pipeline.
#[derive(Clone, Debug, PartialEq)]
pub struct StageFigures {
    /// The stage.
    pub stage: Stage,
    /// Candidates in it now.
    pub candidates: u64,
    /// Median days of completed stays in it; none before the first.
    pub median_days: Option<f64>,
    /// How many completed stays the median is over.
    pub completed_stays: u64,
}

/// Candidates for one position title (titles are compared exactly).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PositionFigures {
    /// The position title as entered.
    pub position_title: String,
    /// Candidates for it, in all stages.
    pub candidates: u64,
    /// Candidates for it per stage, every stage in process order.
    pub stages: Vec<StageCount>,
}

/// How many candidates are in one stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StageCount {
    /// The stage.
    pub stage: Stage,
    /// Candidates in it now.
    pub candidates: u64,
}

/// The pipeline of the actor's organization; any role may read it.
pub async fn pipeline<C: ConnectionTrait>(db: &C, actor: &Actor) -> Result<PipelineReport> {
    pipeline_from(db, actor, Source::Rollups).await
}

/// The pipeline computed from `source`.
pub(super) async fn pipeline_from<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    source: Source,
) -> Result<PipelineReport> {
    let positions = positions(db, actor, source).await?;
    let medians = match source {
        Source::Rollups => maintained_medians(db, actor).await?,
        Source::Scan => medians(db, actor).await?,
    };
    let stages = Stage::ALL
        .iter()
        .map(|&stage| {
            let (median_days, completed_stays) = medians.get(&stage).copied().unwrap_or_default();
            StageFigures {
                stage,
                candidates: positions.iter().map(|p| in_stage(&p.stages, stage)).sum(),
                median_days,
                completed_stays,
            }
        })
        .collect();
    Ok(PipelineReport {
        total_candidates: positions.iter().map(|p| p.candidates).sum(),
        stages,
        positions,
    })
}

fn in_stage(counts: &[StageCount], stage: Stage) -> u64 {
    counts
        .iter()
        .find(|c| c.stage == stage)
        .map_or(0, |c| c.candidates)
}

/// Candidates counted per (position, stage) in SQL, then laid out with
/// every stage listed.
async fn positions<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    source: Source,
) -> Result<Vec<PositionFigures>> {
    let sql = match source {
        Source::Rollups => {
            "SELECT position_title, stage, candidates FROM rollup_pipeline_positions \
             WHERE organization_id = $1 AND candidates > 0"
        }
        Source::Scan => {
            "SELECT position_title, stage, CAST(COUNT(*) AS BIGINT) AS candidates \
             FROM candidates WHERE organization_id = $1 \
             GROUP BY position_title, stage"
        }
    };
    let rows = fetch(db, sql, vec![actor.organization_id.into()]).await?;
    let mut by_title: BTreeMap<String, Vec<StageCount>> = BTreeMap::new();
    for row in &rows {
        let title: String = get(row, "position_title")?;
        by_title.entry(title).or_default().push(StageCount {
            stage: parse_stored(row, "stage", Stage::parse)?,
            candidates: count(row, "candidates")?,
        });
    }
    Ok(by_title
        .into_iter()
        .map(|(position_title, counts)| PositionFigures {
            position_title,
            candidates: counts.iter().map(|c| c.candidates).sum(),
            stages: Stage::ALL
                .iter()
                .map(|&stage| StageCount {
                    stage,
                    candidates: in_stage(&counts, stage),
                })
                .collect(),
        })
        .collect())
}

/// Median days of completed stays per stage, with the number of stays,
/// from each stage's median cursor: its value for an odd count, else the
/// mean of it and the next sample's (one indexed lookup per stage).
async fn maintained_medians<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
) -> Result<BTreeMap<Stage, (Option<f64>, u64)>> {
    let series = &crate::rollup::STAYS;
    let sql = format!(
        "SELECT g.stage, g.stays, g.median_val, \
           CASE WHEN g.stays % 2 = 0 THEN {next} END AS next_val \
         FROM rollup_stage_stays g WHERE g.organization_id = $1 AND g.stays > 0",
        next = series.next_val_sql("g"),
    );
    let rows = fetch(db, &sql, vec![actor.organization_id.into()]).await?;
    let mut medians = BTreeMap::new();
    for row in &rows {
        let median = super::cursor_median(get(row, "median_val")?, get(row, "next_val")?);
        medians.insert(
            parse_stored(row, "stage", Stage::parse)?,
            (median, count(row, "stays")?),
        );
    }
    Ok(medians)
}

/// Median days of completed stays per stage, with the number of stays,
/// from the stage history (the definition).
async fn medians<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
) -> Result<BTreeMap<Stage, (Option<f64>, u64)>> {
    let seconds = seconds_between(db.get_database_backend(), "left_at", "entered_at");
    // On SQLite `changed_at` is text, but chrono always writes UTC RFC 3339
    // with 0, 3, 6 or 9 fraction digits, whose text order is time order.
    let samples = format!(
        "SELECT grp, {seconds} / 86400.0 AS val \
         FROM ( \
           SELECT to_stage AS grp, changed_at AS entered_at, \
             LEAD(changed_at) OVER (PARTITION BY candidate_id ORDER BY changed_at, id) AS left_at \
           FROM candidate_stage_changes WHERE organization_id = $1 \
         ) stays \
         WHERE left_at IS NOT NULL"
    );
    let rows = fetch(
        db,
        &median_sql(&samples),
        vec![actor.organization_id.into()],
    )
    .await?;
    let mut medians = BTreeMap::new();
    for row in &rows {
        medians.insert(
            parse_stored(row, "grp", Stage::parse)?,
            (Some(get::<f64>(row, "median")?), count(row, "samples")?),
        );
    }
    Ok(medians)
}
