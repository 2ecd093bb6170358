//! Creating, editing and reading candidates and their stage history.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::CandidateInput;
use crate::actor::{Actor, Permission};
use crate::entity::{candidate, candidate_stage_change};
use crate::error::{Result, conflict_on_unique};
use crate::event::{self, EventType, NewEvent};
use crate::rollup::{Scope, Snapshot};
use crate::types::Stage;

/// Adds a candidate to the actor's organization at `APPLIED`, recording that
/// first stage in the history.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: CandidateInput,
) -> Result<candidate::Model> {
    actor.require(Permission::ManageCandidates)?;
    let valid = input.validate()?;
    let duplicate = valid.duplicate_message();
    let id = Uuid::now_v7();
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let rollups = Snapshot::take(&txn, actor.organization_id, Scope::Candidate(id)).await?;
    let created = candidate::ActiveModel {
        id: Set(id),
        organization_id: Set(actor.organization_id),
        name: Set(valid.name.into_inner()),
        email: Set(valid.email.into_inner()),
        position_title: Set(valid.position_title.into_inner()),
        target_level: Set(valid.target_level),
        stage: Set(Stage::Applied),
        created_at: Set(now),
        updated_at: Set(now),
        erased_at: Set(None),
    }
    .insert(&txn)
    .await
    .map_err(conflict_on_unique(duplicate))?;
    super::stage::record(&txn, actor, id, None, Stage::Applied, now).await?;
    rollups.settle(&txn).await?;
    event::record_by(
        &txn,
        actor,
        NewEvent::new(
            EventType::CandidateCreated,
            id,
            json!({"candidateId": id, "stage": Stage::Applied.as_str()}),
        )
        .about_candidate(id),
    )
    .await?;
    event::commit(txn).await?;
    Ok(created)
}

/// Edits a candidate's details; the stage only changes through
/// [`super::move_stage`]. A new position title moves the candidate between
/// the pipeline's positions, in the same transaction.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    input: CandidateInput,
) -> Result<candidate::Model> {
    actor.require(Permission::ManageCandidates)?;
    get(db, actor, id).await?;
    let valid = input.validate()?;
    let duplicate = valid.duplicate_message();
    let txn = crate::db::begin_write(db).await?;
    let rollups = Snapshot::take(&txn, actor.organization_id, Scope::Candidate(id)).await?;
    let updated = candidate::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(id),
        name: Set(valid.name.into_inner()),
        email: Set(valid.email.into_inner()),
        position_title: Set(valid.position_title.into_inner()),
        target_level: Set(valid.target_level),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(&txn)
    .await
    .map_err(conflict_on_unique(duplicate))?;
    rollups.settle(&txn).await?;
    txn.commit().await?;
    Ok(updated)
}

/// A candidate of the actor's organization; any role may read it.
pub async fn get<C: ConnectionTrait>(db: &C, actor: &Actor, id: Uuid) -> Result<candidate::Model> {
    let found = candidate::Entity::find_by_id(id).one(db).await?;
    actor.own(found, |c| c.organization_id, "candidate")
}

/// Candidates of the actor's organization with the given ids.
pub async fn by_ids<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<Vec<candidate::Model>> {
    crate::query::owned_by_ids::<_, candidate::Entity>(
        db,
        actor,
        ids,
        candidate::Column::Id,
        candidate::Column::OrganizationId,
    )
    .await
}

/// Every stage the candidate entered, oldest first, starting with `APPLIED`.
pub async fn stage_history<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    candidate_id: Uuid,
) -> Result<Vec<candidate_stage_change::Model>> {
    let candidate = get(db, actor, candidate_id).await?;
    stage_history_of(db, actor, &[candidate.id]).await
}

/// The stage changes of the given candidates of the actor's organization,
/// oldest first.
pub async fn stage_history_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    candidate_ids: &[Uuid],
) -> Result<Vec<candidate_stage_change::Model>> {
    Ok(candidate_stage_change::Entity::find()
        .filter(candidate_stage_change::Column::CandidateId.is_in(candidate_ids.to_vec()))
        .filter(candidate_stage_change::Column::OrganizationId.eq(actor.organization_id))
        .order_by_asc(candidate_stage_change::Column::ChangedAt)
        .order_by_asc(candidate_stage_change::Column::Id)
        .all(db)
        .await?)
}
