//! Moving a candidate between stages, following the transitions of
//! docs/domain.md §2.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::actor::{Actor, Permission};
use crate::entity::{candidate, candidate_stage_change};
use crate::error::{Error, Problem, Result};
use crate::event::{self, EventType, NewEvent};
use crate::rollup::{Scope, Snapshot};
use crate::types::Stage;

/// Moves a candidate to stage `to` and records the change. Refuses, naming
/// the stages allowed instead, any move docs/domain.md §2 does not list, including a
/// move to the stage the candidate is already in.
pub async fn move_stage(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    to: Stage,
) -> Result<candidate::Model> {
    actor.require(Permission::ManageCandidates)?;
    let current = super::get(db, actor, id).await?;
    let from = current.stage;
    if !from.can_move_to(to) {
        return Err(refusal(from, to).into());
    }
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    // The stay just ended, and the candidate's ratings when it reaches or
    // leaves HIRED or REJECTED, change the reports.
    let rollups = Snapshot::take(&txn, actor.organization_id, Scope::Candidate(id)).await?;
    // Guarded by the stage read above, so two concurrent moves cannot both
    // apply and leave a history that skips a rule.
    let result = candidate::Entity::update_many()
        .set(candidate::ActiveModel {
            stage: Set(to),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(candidate::Column::Id.eq(id))
        .filter(candidate::Column::Stage.eq(from))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(Error::Conflict(format!(
            "the candidate was moved out of {from} by someone else; reload and try again"
        )));
    }
    record(&txn, actor, id, Some(from), to, now).await?;
    rollups.settle(&txn).await?;
    event::record_by(
        &txn,
        actor,
        NewEvent::new(
            EventType::CandidateStageChanged,
            id,
            json!({"candidateId": id, "from": from.as_str(), "to": to.as_str()}),
        )
        .about_candidate(id),
    )
    .await?;
    event::commit(txn).await?;
    super::get(db, actor, id).await
}

/// Writes one row of the stage history.
pub(super) async fn record<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    candidate_id: Uuid,
    from: Option<Stage>,
    to: Stage,
    at: DateTime<Utc>,
) -> Result<()> {
    candidate_stage_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        candidate_id: Set(candidate_id),
        organization_id: Set(actor.organization_id),
        from_stage: Set(from),
        to_stage: Set(to),
        changed_by: Set(Some(actor.user_id)),
        changed_at: Set(at),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Why `from → to` is refused, with what is allowed from `from`.
fn refusal(from: Stage, to: Stage) -> Problem {
    let allowed: Vec<&str> = Stage::ALL
        .iter()
        .filter(|stage| from.can_move_to(**stage))
        .map(|stage| stage.as_str())
        .collect();
    let message = match allowed.split_last() {
        None => format!(
            "cannot move from {from} to {to}; {from} is a closed stage, a candidate cannot move from it"
        ),
        Some((last, [])) => {
            format!("cannot move from {from} to {to}; from {from} a candidate can move to {last}")
        }
        Some((last, rest)) => format!(
            "cannot move from {from} to {to}; from {from} a candidate can move to {} or {last}",
            rest.join(", ")
        ),
    };
    Problem::new("stage", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_lists_the_allowed_stages_in_order() {
        assert_eq!(
            refusal(Stage::Applied, Stage::Offer).message,
            "cannot move from APPLIED to OFFER; from APPLIED a candidate can move to SCREENING, REJECTED or WITHDRAWN"
        );
        assert_eq!(
            refusal(Stage::Hired, Stage::Rejected).message,
            "cannot move from HIRED to REJECTED; HIRED is a closed stage, a candidate cannot move from it"
        );
    }
}
