//! The actor's organization and its settings.

use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set};

use crate::actor::{Actor, Permission};
use crate::entity::organization;
use crate::error::{Error, Result};

/// Longest retention period accepted (ten years).
pub const RETENTION_DAYS_MAX: i32 = 3_650;

/// The actor's organization.
pub async fn get<C: ConnectionTrait>(db: &C, actor: &Actor) -> Result<organization::Model> {
    organization::Entity::find_by_id(actor.organization_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound {
            entity: "organization",
        })
}

/// Sets after how many days candidates closed as REJECTED or WITHDRAWN are
/// erased (`None`: kept until erased by hand); administrators only.
pub async fn set_retention(
    db: &DatabaseConnection,
    actor: &Actor,
    days: Option<i32>,
) -> Result<organization::Model> {
    actor.require(Permission::ManageUsers)?;
    if let Some(days) = days
        && !(1..=RETENTION_DAYS_MAX).contains(&days)
    {
        return Err(Error::invalid(
            "retentionDays",
            format!("must be from 1 to {RETENTION_DAYS_MAX} days, or null to keep candidates"),
        ));
    }
    let mut active: organization::ActiveModel = get(db, actor).await?.into();
    active.retention_days = Set(days);
    Ok(active.update(db).await?)
}
