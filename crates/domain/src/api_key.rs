//! API keys: credentials of an organization for dashboards, notebooks and
//! scripts, which need no sign-in, no refresh and no password.
//!
//! A key reads as `ipk_<prefix>_<secret>`: the prefix (8 characters) finds
//! the key, the secret (32 random bytes, base64url) proves it. Only the
//! SHA-256 hash of the secret is stored; the key itself is shown once, when
//! it is made. Keys act with the `VIEWER` role: they read reports and
//! submitted scorecards and cannot change anything.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use crate::actor::{Actor, Permission};
use crate::entity::api_key;
use crate::error::{Error, Problem, Result};
use crate::session::hash_token;
use crate::types::{Role, Text};

/// What every key starts with, so it is recognised (and found by secret
/// scanners) at a glance.
pub const PREFIX: &str = "ipk_";
/// How often `lastUsedAt` is written at most, per key.
pub const LAST_USED_EVERY: Duration = Duration::minutes(1);

/// A key just made: the only time its full text exists.
#[derive(Clone)]
pub struct IssuedKey {
    /// The stored key (without its secret).
    pub key: api_key::Model,
    /// `ipk_<prefix>_<secret>`, to hand to the dashboard.
    pub token: String,
}

impl std::fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedKey")
            .field("key", &self.key)
            .field("token", &"***")
            .finish()
    }
}

/// Makes a key named `name` for the actor's organization (administrators
/// only), acting as `role` (only `VIEWER`), valid until `expires_at` if
/// given.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &str,
    role: Role,
    expires_at: Option<DateTime<Utc>>,
) -> Result<IssuedKey> {
    actor.require(Permission::ManageUsers)?;
    let now = Utc::now();
    let mut problems = Vec::new();
    let name = match Text::parse("name", name, 100) {
        Ok(name) => Some(name),
        Err(problem) => {
            problems.push(problem);
            None
        }
    };
    if role != Role::Viewer {
        problems.push(Problem::new(
            "role",
            "API keys act as VIEWER (read-only); use a user account for anything else",
        ));
    }
    if expires_at.is_some_and(|at| at <= now) {
        problems.push(Problem::new("expiresAt", "must be in the future"));
    }
    let Some(name) = name.filter(|_| problems.is_empty()) else {
        return Err(Error::Invalid(problems));
    };
    let prefix = crate::password::random(8)?;
    let secret = crate::password::random(43)?;
    let key = api_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(actor.organization_id),
        created_by: Set(actor.user_id),
        name: Set(name.into_inner()),
        role: Set(role),
        prefix: Set(prefix.clone()),
        secret_hash: Set(hash_token(&secret)),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        last_used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(IssuedKey {
        key,
        token: format!("{PREFIX}{prefix}_{secret}"),
    })
}

/// The organization's keys, newest first, revoked ones included
/// (administrators only).
pub async fn list<C: ConnectionTrait>(db: &C, actor: &Actor) -> Result<Vec<api_key::Model>> {
    actor.require(Permission::ManageUsers)?;
    Ok(api_key::Entity::find()
        .filter(api_key::Column::OrganizationId.eq(actor.organization_id))
        .order_by_desc(api_key::Column::Id)
        .all(db)
        .await?)
}

/// Revokes a key at once (administrators only); the next request with it is
/// refused.
pub async fn revoke(db: &DatabaseConnection, actor: &Actor, id: Uuid) -> Result<api_key::Model> {
    actor.require(Permission::ManageUsers)?;
    let found = api_key::Entity::find_by_id(id).one(db).await?;
    let key = actor.own(found, |k| k.organization_id, "API key")?;
    if key.revoked_at.is_some() {
        return Ok(key);
    }
    let mut active: api_key::ActiveModel = key.into();
    active.revoked_at = Set(Some(Utc::now()));
    Ok(active.update(db).await?)
}

/// Why a presented key is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Not a key of ours, or a wrong secret.
    Unknown,
    /// Revoked by an administrator.
    Revoked,
    /// Past its `expiresAt`.
    Expired,
}

/// The actor `token` (`ipk_…`) speaks for, or why it is refused. Notes the
/// use, at most once a minute per key.
pub async fn authenticate<C: ConnectionTrait>(
    db: &C,
    token: &str,
) -> Result<std::result::Result<Actor, Refused>> {
    let Some((prefix, secret)) = token
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.split_once('_'))
    else {
        return Ok(Err(Refused::Unknown));
    };
    if prefix.len() != 8 || secret.len() != 43 {
        return Ok(Err(Refused::Unknown));
    }
    let Some(key) = api_key::Entity::find()
        .filter(api_key::Column::Prefix.eq(prefix))
        .one(db)
        .await?
    else {
        return Ok(Err(Refused::Unknown));
    };
    if !crate::session::same_hash(&hash_token(secret), &key.secret_hash) {
        return Ok(Err(Refused::Unknown));
    }
    let now = Utc::now();
    if key.revoked_at.is_some() {
        return Ok(Err(Refused::Revoked));
    }
    if key.expires_at.is_some_and(|at| at <= now) {
        return Ok(Err(Refused::Expired));
    }
    if key
        .last_used_at
        .is_none_or(|at| now - at >= LAST_USED_EVERY)
    {
        // Conditional, so concurrent requests write once; a failure here
        // must not refuse the request.
        let noted = api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, Expr::value(now))
            .filter(api_key::Column::Id.eq(key.id))
            .filter(
                api_key::Column::LastUsedAt
                    .is_null()
                    .or(api_key::Column::LastUsedAt.lt(now - LAST_USED_EVERY)),
            )
            .exec(db)
            .await;
        if let Err(err) = noted {
            tracing::warn!(key_id = %key.id, error = %err, "could not note an API key's use");
        }
    }
    Ok(Ok(Actor {
        user_id: key.id,
        organization_id: key.organization_id,
        role: key.role,
    }))
}
