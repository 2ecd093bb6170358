//! An account over time: its name and role change, it is deactivated and
//! reactivated, its password is changed by its owner or reset by an
//! administrator. Every change takes effect on the user's very next
//! request: access tokens are checked against the stored user on each one
//! (`session::check`), and deactivation and password changes end sessions.
//!
//! An organization always keeps an active administrator: the last one can
//! be neither deactivated nor given another role.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::actor::{Actor, Permission};
use crate::entity::{organization, user};
use crate::error::{Error, Result};
use crate::event::{self, EventType, NewEvent};
use crate::types::{Password, Role, Text};
use crate::{password, session, validate};

/// What an administrator may change about a user; `None` keeps the value.
#[derive(Clone, Debug, Default)]
pub struct UserUpdate {
    /// Name shown to colleagues.
    pub display_name: Option<String>,
    /// What the user may do.
    pub role: Option<Role>,
}

/// Changes a user's name or role (administrators only). Demoting the last
/// active administrator is refused.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    change: UserUpdate,
) -> Result<user::Model> {
    actor.require(Permission::ManageUsers)?;
    let name = change
        .display_name
        .as_deref()
        .map(|name| Text::parse("displayName", name, 200))
        .transpose()?;
    let txn = crate::db::begin_write(db).await?;
    lock_organization(&txn, actor).await?;
    let current = super::get(&txn, actor, id).await?;
    if let Some(role) = change.role
        && current.role == Role::Admin
        && role != Role::Admin
    {
        require_another_admin(&txn, actor, &current, "given another role").await?;
    }
    let mut active: user::ActiveModel = current.into();
    if let Some(name) = name {
        active.display_name = Set(name.into_inner());
    }
    if let Some(role) = change.role {
        active.role = Set(role);
    }
    let updated = active.update(&txn).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Deactivates a user (administrators only): they can no longer sign in,
/// every session of theirs ends, and their access tokens stop working on
/// the next request. They stay visible as the authors of their scorecards.
/// Deactivating the last active administrator, or oneself, is refused.
pub async fn deactivate(db: &DatabaseConnection, actor: &Actor, id: Uuid) -> Result<user::Model> {
    actor.require(Permission::ManageUsers)?;
    if id == actor.user_id {
        return Err(Error::Conflict(
            "you cannot deactivate yourself; ask another administrator".into(),
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    lock_organization(&txn, actor).await?;
    let current = super::get(&txn, actor, id).await?;
    if !current.active {
        txn.rollback().await?;
        return Ok(current);
    }
    if current.role == Role::Admin {
        require_another_admin(&txn, actor, &current, "deactivated").await?;
    }
    let mut active: user::ActiveModel = current.into();
    active.active = Set(false);
    active.deactivated_at = Set(Some(Utc::now()));
    let updated = active.update(&txn).await?;
    session::revoke_all_for_user(&txn, id).await?;
    let data = json!({"userId": id, "role": updated.role.as_str()});
    event::record_by(
        &txn,
        actor,
        NewEvent::new(EventType::UserDeactivated, id, data),
    )
    .await?;
    event::commit(txn).await?;
    Ok(updated)
}

/// Reactivates a deactivated user (administrators only); they sign in
/// again with their password.
pub async fn reactivate(db: &DatabaseConnection, actor: &Actor, id: Uuid) -> Result<user::Model> {
    actor.require(Permission::ManageUsers)?;
    let current = super::get(db, actor, id).await?;
    if current.active {
        return Ok(current);
    }
    let txn = crate::db::begin_write(db).await?;
    let mut active: user::ActiveModel = current.into();
    active.active = Set(true);
    active.deactivated_at = Set(None);
    let updated = active.update(&txn).await?;
    let data = json!({"userId": id, "role": updated.role.as_str()});
    event::record_by(
        &txn,
        actor,
        NewEvent::new(EventType::UserReactivated, id, data),
    )
    .await?;
    event::commit(txn).await?;
    Ok(updated)
}

/// Gives a user a new random password, returned once (administrators
/// only), and ends every session of theirs. The user signs in with it and
/// changes it.
pub async fn reset_password(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<(user::Model, String)> {
    actor.require(Permission::ManageUsers)?;
    let current = super::get(db, actor, id).await?;
    let temporary = password::random(20)?;
    let hash = password::hash(Password::parse("password", &temporary)?).await?;
    let txn = crate::db::begin_write(db).await?;
    let mut active: user::ActiveModel = current.into();
    active.password_hash = Set(hash);
    let updated = active.update(&txn).await?;
    session::revoke_all_for_user(&txn, id).await?;
    txn.commit().await?;
    Ok((updated, temporary))
}

/// Changes the actor's own password after checking the current one; every
/// other session of theirs ends, `session_id` (the one asking) stays.
pub async fn change_password(
    db: &DatabaseConnection,
    actor: &Actor,
    session_id: Option<Uuid>,
    current: &str,
    new: &str,
) -> Result<user::Model> {
    validate! {
        let new_password = Password::parse("newPassword", new);
    }
    let me = super::get(db, actor, actor.user_id).await?;
    if !password::verify(current.to_owned(), Some(me.password_hash.clone())).await? {
        return Err(Error::invalid(
            "currentPassword",
            "is not your current password",
        ));
    }
    let hash = password::hash(new_password).await?;
    let txn = crate::db::begin_write(db).await?;
    let mut active: user::ActiveModel = me.into();
    active.password_hash = Set(hash);
    let updated = active.update(&txn).await?;
    match session_id {
        Some(keep) => session::revoke_others_for_user(&txn, actor.user_id, keep).await?,
        None => session::revoke_all_for_user(&txn, actor.user_id).await?,
    };
    txn.commit().await?;
    Ok(updated)
}

/// Serializes changes to an organization's administrators: two admins
/// demoting each other at once must not leave none. SQLite's write lock
/// already serializes every write transaction; PostgreSQL locks the
/// organization's row.
async fn lock_organization<C: ConnectionTrait>(db: &C, actor: &Actor) -> Result<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        organization::Entity::find_by_id(actor.organization_id)
            .lock_exclusive()
            .one(db)
            .await?;
    }
    Ok(())
}

/// Refuses to take away `user`'s administration when they are the last
/// active administrator of the organization.
async fn require_another_admin<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    user: &user::Model,
    what: &str,
) -> Result<()> {
    let others = user::Entity::find()
        .filter(user::Column::OrganizationId.eq(actor.organization_id))
        .filter(user::Column::Role.eq(Role::Admin))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Id.ne(user.id))
        .count(db)
        .await?;
    if others == 0 {
        return Err(Error::Conflict(format!(
            "{} is the last active administrator of the organization and cannot be {what}; \
             make another user an administrator first",
            user.display_name
        )));
    }
    Ok(())
}
