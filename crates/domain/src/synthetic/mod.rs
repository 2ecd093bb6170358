//! A large synthetic organization for measuring the reports: thousands of
//! candidates and hundreds of thousands of question ratings, written with
//! bulk inserts (the services would take hours at this size).
//!
//! The rows obey the domain's rules (one scorecard per round and
//! interviewer, a question once per plan, pinned versions, stage histories
//! that follow the allowed moves), so the reports read them like real data.

mod rows;

use std::time::Instant;

use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};

use crate::error::{Error, Result};
use crate::types::Role;
use crate::user::{self, NewUser};

pub use rows::Generated;

/// How big to make the data set.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    /// Candidates to create.
    pub candidates: usize,
    /// Submitted question ratings to create, spread over the candidates.
    pub ratings: usize,
    /// Interviewers sharing the rounds.
    pub interviewers: usize,
    /// Seed of every random choice.
    pub seed: u64,
}

/// Creates organization `name` with the default bank and fills it to `size`,
/// reporting progress through `progress` (a line per batch).
pub async fn generate(
    db: &DatabaseConnection,
    name: &str,
    size: Size,
    progress: impl Fn(&str),
) -> Result<Generated> {
    if size.candidates == 0 || size.interviewers < 2 {
        return Err(Error::invalid(
            "size",
            "needs at least one candidate and two interviewers",
        ));
    }
    let started = Instant::now();
    let stamp = Utc::now().timestamp();
    let admin = NewUser {
        email: format!("admin.{stamp}@bench.example.com"),
        display_name: "Bench Admin".into(),
        role: Role::Admin,
        password: format!("bench-password-{stamp}"),
    };
    let (organization, admin) = user::sign_up(db, name, admin).await?;
    let mut plan = rows::Planner::new(
        organization.id,
        admin.id,
        size,
        Utc::now() - Duration::weeks(26),
    );
    plan.load_bank(db).await?;
    let generated = plan.build();
    progress(&format!(
        "built {} candidates, {} scorecards, {} ratings in memory ({:.1}s); inserting",
        generated.candidates,
        generated.scorecards,
        generated.ratings,
        started.elapsed().as_secs_f64()
    ));
    let txn = crate::db::begin_write(db).await?;
    plan.insert(&txn, &progress).await?;
    txn.commit().await?;
    progress(&format!("done in {:.1}s", started.elapsed().as_secs_f64()));
    Ok(generated)
}

/// Inserts `rows` in statements of at most `per_statement` rows.
pub(crate) async fn insert_chunks<C, A>(db: &C, rows: Vec<A>, per_statement: usize) -> Result<()>
where
    C: ConnectionTrait,
    A: sea_orm::ActiveModelTrait + Clone + Send,
{
    for chunk in rows.chunks(per_statement.max(1)) {
        <A::Entity as EntityTrait>::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}
