//! Dashboard reports of docs/domain.md §4, computed in the database.
//!
//! Every figure is an aggregate evaluated by SQLite or PostgreSQL; Rust
//! only reads aggregated rows, divides sums, takes square roots (SQLite has
//! no `SQRT` without its math extension) and arranges the result. The one
//! exception is the candidate report's spreads and agreement, summed in
//! Rust from the few calls its statement returns anyway.
//! `pipeline`, `question_stats` and `interviewer_calibration` read the
//! maintained rollups of [`crate::rollup`], so each reads a bounded number
//! of rows (per stage and position, per question of the page, per
//! interviewer) whatever the organization's history, and the candidate
//! report takes its means from them too; [`reference`] keeps their
//! definitions as scans of the base tables. Each report runs a fixed
//! number of statements whatever the data size:
//!
//! | report | statements | rows read |
//! |---|---|---|
//! | [`candidate_report`] | 1 (the blind-feedback check is part of it; [`candidate_report_in_session`] checks the caller's session in it too) | the candidate's plans, rounds and scorecards, its rows of the means rollup |
//! | [`pipeline`] | 2 | positions × stages; per stage one cursor row and one indexed lookup |
//! | [`question_stats`] | 3 (2 when the page is empty) | the page's questions and their rollup rows |
//! | [`interviewer_calibration`] | 1 | one row per interviewer, one indexed lookup each for an even count |
//!
//! Common definitions:
//! - Only `SUBMITTED` scorecards count; drafts are invisible to reports.
//! - Trainee scorecards (`scorecards.trainee`, written from a SHADOW or
//!   REVERSE_SHADOW seat) never count: not in a figure, not in a round's
//!   calls, not in `decision_ready` (docs/domain.md §2b).
//! - Standard deviations are population ones (divide by n). Variances are
//!   computed in SQL, from integer sums where the data are integers
//!   (`(n·Σx² − (Σx)²) / n²`, exact), and their square root in Rust.
//! - Medians are the middle value, or the mean of the two middle values
//!   for an even count (`ROW_NUMBER()`/`COUNT() OVER` in the reference; a
//!   median cursor and its successor in the rollups).
//! - Nothing is rounded here; clients round for display.
//! - Any signed-in role may read reports, within its organization. The
//!   candidate report shows each interviewer's recommendation, so an
//!   interviewer reads it only after submitting their own scorecard for
//!   that candidate (docs/domain.md §2, blind feedback).

mod calibration;
mod candidate;
mod pipeline;
mod questions;
#[doc(hidden)]
pub mod reference;

pub use calibration::{InterviewerCalibration, interviewer_calibration};
pub use candidate::{
    CandidateReport, InterviewerCall, MeanRating, Referenced, RoundReport, candidate_report,
    candidate_report_in_session,
};
pub use pipeline::{PipelineReport, PositionFigures, StageCount, StageFigures, pipeline};
pub(crate) use questions::discrimination;
pub use questions::{QuestionStats, question_stats};

use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, TryGetable, Value};

use crate::error::{Error, Result};
use crate::types::{Recommendation, ScorecardStatus};

/// The score of a recommendation on a 1–4 scale, as reports use it:
/// `STRONG_NO` = 1, `NO` = 2, `YES` = 3, `STRONG_YES` = 4.
pub fn recommendation_score(recommendation: Recommendation) -> i64 {
    match recommendation {
        Recommendation::StrongNo => 1,
        Recommendation::No => 2,
        Recommendation::Yes => 3,
        Recommendation::StrongYes => 4,
    }
}

/// The stored name of a submitted scorecard's status, for SQL text.
fn submitted() -> &'static str {
    ScorecardStatus::Submitted.as_str()
}

/// Where a report takes its figures from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// The maintained aggregates of [`crate::rollup`]: bounded work.
    Rollups,
    /// The base tables, scanned: the definition, kept as the reference.
    Scan,
}

/// The median from a median cursor (see [`crate::rollup`]): its value when
/// the count is odd (`next` is then not asked for), else the mean of it
/// and the next sample's value, as SQL's `AVG` of the two middle values.
fn cursor_median(cursor: Option<f64>, next: Option<f64>) -> Option<f64> {
    match (cursor, next) {
        (Some(a), Some(b)) => Some((a + b) / 2.0),
        (a, _) => a,
    }
}

/// SQL for the seconds from timestamp `start` to timestamp `end`, as a
/// double; the one place where the backends differ (see
/// [`migration::rollups::seconds_between`], shared with the rollups so
/// every sample is the same double).
fn seconds_between(backend: DbBackend, end: &str, start: &str) -> String {
    migration::rollups::seconds_between(backend, end, start)
}

/// SQL computing, for each `grp` of the query `samples` (columns `grp` and
/// `val`), the median of `val` (column `median`) and how many values it is
/// taken over (column `samples`).
fn median_sql(samples: &str) -> String {
    format!(
        "WITH samples AS ({samples}), \
         ranked AS ( \
           SELECT grp, val, \
             ROW_NUMBER() OVER (PARTITION BY grp ORDER BY val) AS rn, \
             COUNT(*) OVER (PARTITION BY grp) AS n \
           FROM samples) \
         SELECT grp, \
           CAST(AVG(val) AS DOUBLE PRECISION) AS median, \
           CAST(MAX(n) AS BIGINT) AS samples \
         FROM ranked \
         WHERE rn IN ((n + 1) / 2, (n + 2) / 2) \
         GROUP BY grp"
    )
}

/// `$first, $first+1, …` placeholders for `count` values.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `sql` (with `$n` placeholders, which both backends accept).
pub(crate) async fn fetch<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<QueryResult>> {
    let statement = Statement::from_sql_and_values(db.get_database_backend(), sql, values);
    Ok(db.query_all_raw(statement).await?)
}

/// Column `column` of `row` (by its name as it is: `try_get` with an
/// empty prefix would format a new string for every value read).
pub(crate) fn get<T: TryGetable>(row: &QueryResult, column: &str) -> Result<T> {
    Ok(row.try_get_by::<T, _>(column)?)
}

/// A count column, which both backends return as a 64-bit integer.
pub(crate) fn count(row: &QueryResult, column: &str) -> Result<u64> {
    let value: i64 = get(row, column)?;
    u64::try_from(value).map_err(|_| Error::Internal(format!("negative count in `{column}`")))
}

/// A stored enumeration value read back from a text column.
pub(crate) fn parse_stored<T>(
    row: &QueryResult,
    column: &str,
    parse: fn(&str, &str) -> Result<T, crate::Problem>,
) -> Result<T> {
    let text: String = get(row, column)?;
    parse(column, &text).map_err(|problem| Error::Internal(problem.to_string()))
}

/// The population standard deviation from a variance computed in SQL;
/// slightly negative variances are floating-point noise around zero.
fn std_dev(variance: Option<f64>) -> Option<f64> {
    variance.map(|v| v.max(0.0).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recommendation_scores_run_from_one_to_four() {
        let scores: Vec<i64> = Recommendation::ALL
            .iter()
            .map(|r| recommendation_score(*r))
            .collect();
        assert_eq!(scores, [1, 2, 3, 4]);
    }

    #[test]
    fn placeholders_are_numbered_from_the_first() {
        assert_eq!(placeholders(2, 3), "$2, $3, $4");
        assert_eq!(placeholders(1, 0), "");
    }
}
