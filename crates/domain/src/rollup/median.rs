//! Exact medians kept up to date in O(log n) per sample.
//!
//! Each group (a stage, an interviewer) keeps its samples in an indexed
//! table ordered by (`val`, `sample_id`), and in its group row the count
//! `n` and a cursor: the sample at rank ⌊(n+1)/2⌋ in that order. Adding or
//! removing a sample moves the cursor at most one step, to its predecessor
//! or successor (one indexed `ORDER BY … LIMIT 1` lookup). The median is the
//! cursor's value for odd `n`, else the mean of it and its successor's.
//!
//! The group row is updated first, so on PostgreSQL it is locked for the
//! rest of the transaction and concurrent writers of one group take turns;
//! SQLite's write lock already serializes them.

use std::cmp::Ordering;

use sea_orm::{ConnectionTrait, Value};
use uuid::Uuid;

use super::{exec, fetch, get};
use crate::error::{Error, Result};

/// Where one kind of median lives.
pub(crate) struct Series {
    /// The samples table: `organization_id`, the group column, `val`, `sample_id`.
    pub(crate) samples: &'static str,
    /// The group rows' table.
    pub(crate) groups: &'static str,
    /// The group column, in both tables.
    pub(crate) group: &'static str,
    /// The group row's sample count.
    pub(crate) count: &'static str,
    /// The group row's cursor value and sample id.
    pub(crate) cursor_val: &'static str,
    pub(crate) cursor_id: &'static str,
    /// Whether a group row without samples is deleted (it holds nothing
    /// else).
    pub(crate) drop_empty: bool,
}

/// Completed stays per stage (days).
pub(crate) const STAYS: Series = Series {
    samples: "rollup_stay_samples",
    groups: "rollup_stage_stays",
    group: "stage",
    count: "stays",
    cursor_val: "median_val",
    cursor_id: "median_id",
    drop_empty: true,
};

/// Hours from round start to submission per interviewer.
pub(crate) const HOURS: Series = Series {
    samples: "rollup_submit_hours",
    groups: "rollup_interviewers",
    group: "interviewer_id",
    count: "hours_samples",
    cursor_val: "hours_median_val",
    cursor_id: "hours_median_id",
    drop_empty: false,
};

/// A sample's place in its group's order.
#[derive(Clone, Copy, Debug)]
struct Key {
    val: f64,
    id: Uuid,
}

impl Key {
    /// The order of the samples' index: by value, then id (UUIDs compare
    /// as their bytes in Rust and in both databases).
    fn cmp(&self, other: &Key) -> Ordering {
        // `partial_cmp`, not `total_cmp`: SQL holds -0.0 = 0.0, and values
        // are never NaN.
        self.val
            .partial_cmp(&other.val)
            .unwrap_or(Ordering::Equal)
            .then_with(|| self.id.cmp(&other.id))
    }
}

/// Where the cursor goes.
enum Step {
    Stay,
    To(Key),
    Previous,
    Next,
    Clear,
}

impl Series {
    /// SQL for the value of the sample after the cursor of group row `g`
    /// (an alias of the groups table), for reports.
    pub(crate) fn next_val_sql(&self, g: &str) -> String {
        format!(
            "(SELECT n.val FROM {samples} n \
              WHERE n.organization_id = {g}.organization_id AND n.{group} = {g}.{group} \
                AND (n.val, n.sample_id) > ({g}.{val}, {g}.{id}) \
              ORDER BY n.val, n.sample_id LIMIT 1)",
            samples = self.samples,
            group = self.group,
            val = self.cursor_val,
            id = self.cursor_id,
        )
    }

    /// Adds sample (`val`, `id`) to group `group`.
    pub(crate) async fn insert<C: ConnectionTrait>(
        &self,
        db: &C,
        organization_id: Uuid,
        group: Value,
        val: f64,
        id: Uuid,
    ) -> Result<()> {
        exec(
            db,
            &format!(
                "INSERT INTO {} (organization_id, {}) VALUES ($1, $2) \
                 ON CONFLICT (organization_id, {}) DO NOTHING",
                self.groups, self.group, self.group
            ),
            vec![organization_id.into(), group.clone()],
        )
        .await?;
        let (n, cursor) = self.lock(db, organization_id, group.clone(), 1).await?;
        exec(
            db,
            &format!(
                "INSERT INTO {} (organization_id, {}, val, sample_id) VALUES ($1, $2, $3, $4)",
                self.samples, self.group
            ),
            vec![organization_id.into(), group.clone(), val.into(), id.into()],
        )
        .await?;
        let new = Key { val, id };
        // Rank ⌊(n+1)/2⌋ becomes ⌊(n+2)/2⌋: one more for an even n. A
        // sample before the cursor pushes the cursor one rank up.
        let step = match cursor {
            None => Step::To(new),
            Some(c) if new.cmp(&c) == Ordering::Less => {
                if n % 2 == 1 {
                    Step::Previous
                } else {
                    Step::Stay
                }
            }
            Some(_) if n % 2 == 0 => Step::Next,
            Some(_) => Step::Stay,
        };
        self.step(db, organization_id, group, step).await
    }

    /// Removes sample (`val`, `id`) from group `group`.
    pub(crate) async fn remove<C: ConnectionTrait>(
        &self,
        db: &C,
        organization_id: Uuid,
        group: Value,
        val: f64,
        id: Uuid,
    ) -> Result<()> {
        let (n, cursor) = self.lock(db, organization_id, group.clone(), -1).await?;
        let gone = Key { val, id };
        let cursor =
            cursor.ok_or_else(|| Error::Internal(format!("{}: no median cursor", self.groups)))?;
        // Rank ⌊(n+1)/2⌋ becomes ⌊n/2⌋: one less for an odd n. Removing a
        // sample before the cursor pulls the cursor one rank down. The
        // neighbours are found before the sample goes, and are never it.
        let step = match gone.cmp(&cursor) {
            _ if n == 1 => Step::Clear,
            Ordering::Equal if n % 2 == 1 => Step::Previous,
            Ordering::Equal => Step::Next,
            Ordering::Less if n % 2 == 0 => Step::Next,
            Ordering::Greater if n % 2 == 1 => Step::Previous,
            _ => Step::Stay,
        };
        self.step(db, organization_id, group.clone(), step).await?;
        exec(
            db,
            &format!(
                "DELETE FROM {} WHERE organization_id = $1 AND {} = $2 \
                 AND val = $3 AND sample_id = $4",
                self.samples, self.group
            ),
            vec![organization_id.into(), group.clone(), val.into(), id.into()],
        )
        .await?;
        if self.drop_empty && n == 1 {
            exec(
                db,
                &format!(
                    "DELETE FROM {} WHERE organization_id = $1 AND {} = $2",
                    self.groups, self.group
                ),
                vec![organization_id.into(), group],
            )
            .await?;
        }
        Ok(())
    }

    /// Adds `delta` to the group's count, locking its row; returns the
    /// count before and the cursor.
    async fn lock<C: ConnectionTrait>(
        &self,
        db: &C,
        organization_id: Uuid,
        group: Value,
        delta: i64,
    ) -> Result<(i64, Option<Key>)> {
        let rows = fetch(
            db,
            &format!(
                "UPDATE {groups} SET {count} = {count} + $3 \
                 WHERE organization_id = $1 AND {group} = $2 \
                 RETURNING {count} - $3 AS n, {val} AS val, {id} AS id",
                groups = self.groups,
                count = self.count,
                group = self.group,
                val = self.cursor_val,
                id = self.cursor_id,
            ),
            vec![organization_id.into(), group, delta.into()],
        )
        .await?;
        let row = rows
            .first()
            .ok_or_else(|| Error::Internal(format!("{}: no group row", self.groups)))?;
        let n: i64 = get(row, "n")?;
        let val: Option<f64> = get(row, "val")?;
        let id: Option<Uuid> = get(row, "id")?;
        Ok((n, val.zip(id).map(|(val, id)| Key { val, id })))
    }

    /// Moves the group's cursor.
    async fn step<C: ConnectionTrait>(
        &self,
        db: &C,
        organization_id: Uuid,
        group: Value,
        step: Step,
    ) -> Result<()> {
        let set = |key: Option<Key>| {
            (
                format!("{} = $3, {} = $4", self.cursor_val, self.cursor_id),
                vec![
                    Value::from(key.map(|k| k.val)),
                    Value::from(key.map(|k| k.id)),
                ],
            )
        };
        let neighbour = |column: &str, op: &str, order: &str| {
            format!(
                "(SELECT n.{column} FROM {samples} n \
                  WHERE n.organization_id = $1 AND n.{group} = $2 \
                    AND (n.val, n.sample_id) {op} ({val}, {id}) \
                  ORDER BY n.val {order}, n.sample_id {order} LIMIT 1)",
                samples = self.samples,
                group = self.group,
                val = self.cursor_val,
                id = self.cursor_id,
            )
        };
        let (assignments, values) = match step {
            Step::Stay => return Ok(()),
            Step::To(key) => set(Some(key)),
            Step::Clear => set(None),
            Step::Previous | Step::Next => {
                let (op, order) = match step {
                    Step::Previous => ("<", "DESC"),
                    _ => (">", "ASC"),
                };
                // Both right-hand sides see the row as it was, so both
                // subqueries start from the old cursor.
                (
                    format!(
                        "{} = {}, {} = {}",
                        self.cursor_val,
                        neighbour("val", op, order),
                        self.cursor_id,
                        neighbour("sample_id", op, order),
                    ),
                    vec![],
                )
            }
        };
        let mut all = vec![organization_id.into(), group];
        all.extend(values);
        exec(
            db,
            &format!(
                "UPDATE {} SET {assignments} WHERE organization_id = $1 AND {} = $2",
                self.groups, self.group
            ),
            all,
        )
        .await
    }
}
