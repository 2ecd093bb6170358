//! Ending a plan: COMPLETED once its rounds are done, CANCELLED when it is
//! abandoned. Publishing is in `publish.rs`.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::get;
use crate::actor::{Actor, Permission};
use crate::entity::interview_plan;
use crate::error::{Error, Result};
use crate::event::{self, EventType, NewEvent};
use crate::rollup::{Scope, Snapshot};
use crate::types::PlanStatus;

/// Marks a published plan COMPLETED: no more scorecards are submitted
/// (amendments of submitted ones stay possible).
pub async fn complete(
    db: &DatabaseConnection,
    actor: &Actor,
    plan_id: Uuid,
) -> Result<interview_plan::Model> {
    change_status(
        db,
        actor,
        plan_id,
        &[PlanStatus::Published],
        PlanStatus::Completed,
    )
    .await
}

/// Cancels a draft or published plan; it stays readable with its scorecards.
pub async fn cancel(
    db: &DatabaseConnection,
    actor: &Actor,
    plan_id: Uuid,
) -> Result<interview_plan::Model> {
    change_status(
        db,
        actor,
        plan_id,
        &[PlanStatus::Draft, PlanStatus::Published],
        PlanStatus::Cancelled,
    )
    .await
}

async fn change_status(
    db: &DatabaseConnection,
    actor: &Actor,
    plan_id: Uuid,
    from: &[PlanStatus],
    to: PlanStatus,
) -> Result<interview_plan::Model> {
    actor.require(Permission::ManagePlans)?;
    let plan = get(db, actor, plan_id).await?;
    let allowed = || {
        from.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" or ")
    };
    if !from.contains(&plan.status) {
        return Err(Error::Conflict(format!(
            "plan \"{}\" is {}; only a {} plan can become {to}",
            plan.title,
            plan.status,
            allowed()
        )));
    }
    let txn = crate::db::begin_write(db).await?;
    // A cancelled plan's scorecards leave the candidate report's means.
    let rollups = match to {
        PlanStatus::Cancelled => Some(
            Snapshot::take(
                &txn,
                actor.organization_id,
                Scope::Candidate(plan.candidate_id),
            )
            .await?,
        ),
        _ => None,
    };
    // Guarded by the status read, so two concurrent changes cannot both win.
    let result = interview_plan::Entity::update_many()
        .col_expr(interview_plan::Column::Status, Expr::value(to.as_str()))
        .col_expr(interview_plan::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(interview_plan::Column::Id.eq(plan.id))
        .filter(interview_plan::Column::Status.eq(plan.status))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(Error::Conflict(
            "the plan changed meanwhile; reload it and try again".into(),
        ));
    }
    if let Some(rollups) = rollups {
        rollups.settle(&txn).await?;
    }
    record_status(&txn, actor, &plan, to).await?;
    event::commit(txn).await?;
    get(db, actor, plan.id).await
}

/// Records the event of `plan` reaching status `to`.
pub(super) async fn record_status<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    plan: &interview_plan::Model,
    to: PlanStatus,
) -> Result<()> {
    let kind = match to {
        PlanStatus::Published => EventType::PlanPublished,
        PlanStatus::Completed => EventType::PlanCompleted,
        PlanStatus::Cancelled => EventType::PlanCancelled,
        PlanStatus::Draft => return Ok(()),
    };
    let data = json!({
        "planId": plan.id,
        "candidateId": plan.candidate_id,
        "from": plan.status.as_str(),
        "status": to.as_str(),
    });
    let new = NewEvent::new(kind, plan.id, data).about_candidate(plan.candidate_id);
    event::record_by(txn, actor, new).await?;
    Ok(())
}
