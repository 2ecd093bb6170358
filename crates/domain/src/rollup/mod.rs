//! Maintained aggregates (rollups) the dashboard reports read, so a
//! report's cost does not grow with the organization's history.
//!
//! | table | one row per | holds |
//! |---|---|---|
//! | `rollup_pipeline_positions` | position title × stage | candidates in it now |
//! | `rollup_stage_stays` + `rollup_stay_samples` | stage | completed stays (days), median cursor |
//! | `rollup_question_figures` | question | count, Σ rating, Σ rating², hired/rejected counts and sums, last submission |
//! | `rollup_interviewers` + `rollup_submit_hours` | interviewer | submitted scorecards, rating count and sum, hours-to-submit median cursor |
//! | `rollup_candidate_means` | candidate × category or competency | rating count and sum (plans that are not cancelled) |
//!
//! Every write that changes a figure updates them in its own transaction:
//! it takes a [`Snapshot`] of what its [`Scope`] (one candidate, or one
//! round's scorecard of one interviewer) contributes, writes, and
//! [`Snapshot::settle`]s, which reads the contribution again and applies
//! the difference. The work is bounded by that candidate or scorecard.
//! Medians stay exact (see [`median`]). [`rebuild`] recomputes everything
//! from scratch, for data written around the services.

mod contribution;
mod median;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult, Statement, TryGetable, Value};
use uuid::Uuid;

use crate::error::Result;
use crate::types::Stage;
pub use contribution::Scope;
pub(crate) use contribution::Section;
use contribution::{Contribution, MeanKey, MeanSums, QuestionSums, Samples};
pub(crate) use median::{HOURS, STAYS};

/// What a scope contributed before a write, to be settled after it.
#[must_use = "settle the snapshot after the write, in the same transaction"]
pub struct Snapshot {
    organization_id: Uuid,
    scope: Scope,
    before: Contribution,
}

impl Snapshot {
    /// Reads what `scope` contributes now; call inside the write's
    /// transaction, before writing.
    ///
    /// On PostgreSQL it first locks the scope's candidate or scorecard row,
    /// so two writers of one scope take turns and each one's "before" is
    /// what its write replaces (two title changes at once would otherwise
    /// both subtract the old title). A scorecard's writer also shares a
    /// lock on its candidate's row: what a scorecard contributes depends
    /// on the candidate's stage and on whether its plan is cancelled, so a
    /// stage move or a cancellation (candidate scope) waits for it, and it
    /// for them. SQLite's write lock already does all this.
    pub async fn take<C: ConnectionTrait>(
        db: &C,
        organization_id: Uuid,
        scope: Scope,
    ) -> Result<Snapshot> {
        if db.get_database_backend() == sea_orm::DbBackend::Postgres {
            if let Scope::Scorecard { round_id, .. } = scope {
                fetch(
                    db,
                    "SELECT c.id FROM candidates c \
                     JOIN interview_plans p ON p.candidate_id = c.id \
                     JOIN rounds r ON r.plan_id = p.id \
                     WHERE r.id = $1 FOR SHARE OF c",
                    vec![round_id.into()],
                )
                .await?;
            }
            let (sql, values): (&str, Vec<Value>) = match scope {
                Scope::Candidate(id) => (
                    "SELECT id FROM candidates WHERE id = $1 FOR UPDATE",
                    vec![id.into()],
                ),
                Scope::Scorecard {
                    round_id,
                    interviewer_id,
                } => (
                    "SELECT id FROM scorecards \
                     WHERE round_id = $1 AND interviewer_id = $2 FOR UPDATE",
                    vec![round_id.into(), interviewer_id.into()],
                ),
            };
            fetch(db, sql, values).await?;
        }
        Ok(Snapshot {
            organization_id,
            scope,
            before: Contribution::read(db, organization_id, scope).await?,
        })
    }

    /// Applies to the rollups what the write changed in the scope's
    /// contribution.
    pub async fn settle<C: ConnectionTrait>(self, db: &C) -> Result<()> {
        let after = Contribution::read(db, self.organization_id, self.scope).await?;
        apply(db, self.organization_id, &self.before, &after).await
    }
}

async fn apply<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    before: &Contribution,
    after: &Contribution,
) -> Result<()> {
    if before == after {
        return Ok(());
    }
    let titles: BTreeSet<&(String, Stage)> = before
        .positions
        .keys()
        .chain(after.positions.keys())
        .collect();
    for key @ (title, stage) in titles {
        let delta = after.positions.get(key).copied().unwrap_or(0)
            - before.positions.get(key).copied().unwrap_or(0);
        if delta == 0 {
            continue;
        }
        let values: Vec<Value> = vec![
            org.into(),
            title.clone().into(),
            stage.as_str().into(),
            delta.into(),
        ];
        exec(
            db,
            "INSERT INTO rollup_pipeline_positions \
               (organization_id, position_title, stage, candidates) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (organization_id, position_title, stage) DO UPDATE \
             SET candidates = rollup_pipeline_positions.candidates + excluded.candidates",
            values.clone(),
        )
        .await?;
        if delta < 0 {
            exec(
                db,
                "DELETE FROM rollup_pipeline_positions WHERE organization_id = $1 \
                 AND position_title = $2 AND stage = $3 AND candidates = 0",
                values[..3].to_vec(),
            )
            .await?;
        }
    }
    samples(db, org, &STAYS, &before.stays, &after.stays, |s| {
        s.as_str().into()
    })
    .await?;
    let questions: BTreeSet<&Uuid> = before
        .questions
        .keys()
        .chain(after.questions.keys())
        .collect();
    for &question in questions {
        let was = before.questions.get(&question).copied().unwrap_or_default();
        let now = after.questions.get(&question).copied().unwrap_or_default();
        question_figures(db, org, question, &was, &now).await?;
    }
    let interviewers: BTreeSet<&Uuid> = before
        .interviewers
        .keys()
        .chain(after.interviewers.keys())
        .collect();
    let mut emptied = Vec::new();
    for &interviewer in &interviewers {
        let was = before
            .interviewers
            .get(interviewer)
            .copied()
            .unwrap_or_default();
        let now = after
            .interviewers
            .get(interviewer)
            .copied()
            .unwrap_or_default();
        let delta = now.minus(&was);
        if delta == Default::default() {
            continue;
        }
        exec(
            db,
            "INSERT INTO rollup_interviewers \
               (organization_id, interviewer_id, cards, ratings, rating_sum, hours_samples) \
             VALUES ($1, $2, $3, $4, $5, 0) \
             ON CONFLICT (organization_id, interviewer_id) DO UPDATE SET \
               cards = rollup_interviewers.cards + excluded.cards, \
               ratings = rollup_interviewers.ratings + excluded.ratings, \
               rating_sum = rollup_interviewers.rating_sum + excluded.rating_sum",
            vec![
                org.into(),
                (*interviewer).into(),
                delta.cards.into(),
                delta.ratings.into(),
                delta.rating_sum.into(),
            ],
        )
        .await?;
        if delta.cards < 0 {
            emptied.push(*interviewer);
        }
    }
    samples(db, org, &HOURS, &before.hours, &after.hours, |id| {
        (*id).into()
    })
    .await?;
    let means: BTreeSet<&MeanKey> = before.means.keys().chain(after.means.keys()).collect();
    for key in means {
        let was = before.means.get(key).copied().unwrap_or_default();
        let now = after.means.get(key).copied().unwrap_or_default();
        candidate_mean(db, org, *key, now.minus(&was)).await?;
    }
    for interviewer in emptied {
        exec(
            db,
            "DELETE FROM rollup_interviewers \
             WHERE organization_id = $1 AND interviewer_id = $2 AND cards = 0",
            vec![org.into(), interviewer.into()],
        )
        .await?;
    }
    Ok(())
}

/// Adds `delta` to one of a candidate's means, removing it once no rating
/// is left.
async fn candidate_mean<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    (candidate, section, id): MeanKey,
    delta: MeanSums,
) -> Result<()> {
    if delta == MeanSums::default() {
        return Ok(());
    }
    let key: Vec<Value> = vec![
        org.into(),
        candidate.into(),
        section.as_str().into(),
        id.into(),
    ];
    let mut values = key.clone();
    values.extend([delta.ratings.into(), delta.rating_sum.into()]);
    exec(
        db,
        "INSERT INTO rollup_candidate_means \
           (organization_id, candidate_id, kind, section_id, ratings, rating_sum) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (organization_id, candidate_id, kind, section_id) DO UPDATE SET \
           ratings = rollup_candidate_means.ratings + excluded.ratings, \
           rating_sum = rollup_candidate_means.rating_sum + excluded.rating_sum",
        values,
    )
    .await?;
    if delta.ratings < 0 {
        exec(
            db,
            "DELETE FROM rollup_candidate_means WHERE organization_id = $1 \
             AND candidate_id = $2 AND kind = $3 AND section_id = $4 AND ratings = 0",
            key,
        )
        .await?;
    }
    Ok(())
}

/// Removes the samples that changed or went, then adds the new ones.
async fn samples<C: ConnectionTrait, G: PartialEq>(
    db: &C,
    org: Uuid,
    series: &median::Series,
    before: &Samples<G>,
    after: &Samples<G>,
    group: impl Fn(&G) -> Value,
) -> Result<()> {
    let same = |a: &(G, f64), b: Option<&(G, f64)>| {
        b.is_some_and(|b| a.0 == b.0 && a.1.to_bits() == b.1.to_bits())
    };
    for (id, sample) in before {
        if !same(sample, after.get(id)) {
            series
                .remove(db, org, group(&sample.0), sample.1, *id)
                .await?;
        }
    }
    for (id, sample) in after {
        if !same(sample, before.get(id)) {
            series
                .insert(db, org, group(&sample.0), sample.1, *id)
                .await?;
        }
    }
    Ok(())
}

/// Applies one question's change. The counts are sums, so their
/// difference is added; `last_asked_at` is a maximum, so it is raised to
/// the scope's latest submission, and recomputed from that question's
/// ratings only when the scope's latest went back or away.
async fn question_figures<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    question: Uuid,
    was: &QuestionSums,
    now: &QuestionSums,
) -> Result<()> {
    let delta = now.minus(was);
    if !delta.is_zero() || now.last_asked_at > was.last_asked_at {
        exec(
            db,
            "INSERT INTO rollup_question_figures \
               (organization_id, question_id, times_asked, rating_sum, rating_squares, \
                hired_ratings, hired_sum, rejected_ratings, rejected_sum, last_asked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (organization_id, question_id) DO UPDATE SET \
               times_asked = rollup_question_figures.times_asked + excluded.times_asked, \
               rating_sum = rollup_question_figures.rating_sum + excluded.rating_sum, \
               rating_squares = rollup_question_figures.rating_squares + excluded.rating_squares, \
               hired_ratings = rollup_question_figures.hired_ratings + excluded.hired_ratings, \
               hired_sum = rollup_question_figures.hired_sum + excluded.hired_sum, \
               rejected_ratings = \
                 rollup_question_figures.rejected_ratings + excluded.rejected_ratings, \
               rejected_sum = rollup_question_figures.rejected_sum + excluded.rejected_sum, \
               last_asked_at = CASE \
                 WHEN excluded.last_asked_at IS NULL THEN rollup_question_figures.last_asked_at \
                 WHEN rollup_question_figures.last_asked_at IS NULL \
                   OR rollup_question_figures.last_asked_at < excluded.last_asked_at \
                   THEN excluded.last_asked_at \
                 ELSE rollup_question_figures.last_asked_at END",
            vec![
                org.into(),
                question.into(),
                delta.times_asked.into(),
                delta.rating_sum.into(),
                delta.rating_squares.into(),
                delta.hired_ratings.into(),
                delta.hired_sum.into(),
                delta.rejected_ratings.into(),
                delta.rejected_sum.into(),
                now.last_asked_at.into(),
            ],
        )
        .await?;
    }
    if was.last_asked_at.is_some() && now.last_asked_at < was.last_asked_at {
        exec(
            db,
            &format!(
                "UPDATE rollup_question_figures SET last_asked_at = ( \
                   SELECT MAX(s.submitted_at) FROM scorecard_question_ratings x \
                   JOIN scorecards s ON s.id = x.scorecard_id \
                   JOIN round_questions rq ON rq.id = x.round_question_id \
                   WHERE rq.question_id = $2 AND s.organization_id = $1 \
                     AND s.status = '{}' AND s.trainee = FALSE) \
                 WHERE organization_id = $1 AND question_id = $2",
                crate::types::ScorecardStatus::Submitted.as_str()
            ),
            vec![org.into(), question.into()],
        )
        .await?;
    }
    if delta.times_asked < 0 {
        exec(
            db,
            "DELETE FROM rollup_question_figures \
             WHERE organization_id = $1 AND question_id = $2 AND times_asked = 0",
            vec![org.into(), question.into()],
        )
        .await?;
    }
    Ok(())
}

/// Recomputes every rollup of `organization_id` from scratch inside the
/// caller's transaction (for writers that bypass the services, such as
/// bulk fixtures).
pub async fn rebuild_in<C: ConnectionTrait>(db: &C, organization_id: Uuid) -> Result<()> {
    Ok(migration::rollups::fill(db, Some(organization_id)).await?)
}

/// Recomputes every rollup of `organization_id` from scratch, in one
/// transaction. Idempotent.
pub async fn rebuild(db: &DatabaseConnection, organization_id: Uuid) -> Result<()> {
    let txn = crate::db::begin_write(db).await?;
    rebuild_in(&txn, organization_id).await?;
    txn.commit().await?;
    Ok(())
}

/// Recomputes the rollups of every organization, one transaction each;
/// returns how many organizations it rebuilt.
pub async fn rebuild_all(db: &DatabaseConnection) -> Result<usize> {
    let rows = fetch(db, "SELECT id FROM organizations ORDER BY id", vec![]).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| get(r, "id")).collect::<Result<_>>()?;
    for id in &ids {
        rebuild(db, *id).await?;
    }
    Ok(ids.len())
}

/// Every rollup row of `organization_id` as text, sorted: for tests that
/// compare maintained rollups with rebuilt ones.
#[doc(hidden)]
pub async fn dump<C: ConnectionTrait>(db: &C, organization_id: Uuid) -> Result<Vec<String>> {
    let tables: [(&str, &str); 7] = [
        (
            "rollup_pipeline_positions",
            "position_title, stage, candidates",
        ),
        ("rollup_stage_stays", "stage, stays, median_val, median_id"),
        ("rollup_stay_samples", "stage, val, sample_id"),
        (
            "rollup_question_figures",
            "question_id, times_asked, rating_sum, rating_squares, hired_ratings, \
             hired_sum, rejected_ratings, rejected_sum, last_asked_at",
        ),
        (
            "rollup_interviewers",
            "interviewer_id, cards, ratings, rating_sum, hours_samples, \
             hours_median_val, hours_median_id",
        ),
        ("rollup_submit_hours", "interviewer_id, val, sample_id"),
        (
            "rollup_candidate_means",
            "candidate_id, kind, section_id, ratings, rating_sum",
        ),
    ];
    let mut lines = Vec::new();
    for (table, columns) in tables {
        let rows = fetch(
            db,
            &format!("SELECT {columns} FROM {table} WHERE organization_id = $1"),
            vec![organization_id.into()],
        )
        .await?;
        for row in &rows {
            let mut line = format!("{table}:");
            for column in columns.split(',').map(str::trim) {
                line.push(' ');
                line.push_str(&cell(row, column)?);
            }
            lines.push(line);
        }
    }
    lines.sort();
    Ok(lines)
}

/// One cell of [`dump`], read as the type its column name says.
fn cell(row: &QueryResult, column: &str) -> Result<String> {
    Ok(match column {
        "position_title" | "stage" | "kind" => get::<String>(row, column)?,
        c if c.ends_with("_id") => format!("{:?}", get::<Option<Uuid>>(row, c)?),
        c if c.ends_with("val") => format!("{:?}", get::<Option<f64>>(row, c)?),
        "last_asked_at" => format!("{:?}", get::<Option<DateTime<Utc>>>(row, column)?),
        c => get::<i64>(row, c)?.to_string(),
    })
}

pub(crate) async fn fetch<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<QueryResult>> {
    let statement = Statement::from_sql_and_values(db.get_database_backend(), sql, values);
    Ok(db.query_all_raw(statement).await?)
}

pub(crate) async fn exec<C: ConnectionTrait>(db: &C, sql: &str, values: Vec<Value>) -> Result<()> {
    let statement = Statement::from_sql_and_values(db.get_database_backend(), sql, values);
    db.execute_raw(statement).await?;
    Ok(())
}

pub(crate) fn get<T: TryGetable>(row: &QueryResult, column: &str) -> Result<T> {
    Ok(row.try_get::<T>("", column)?)
}
