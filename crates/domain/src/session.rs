//! Sign-in sessions kept alive by refresh tokens.
//!
//! A refresh token is 32 random bytes from the operating system, written as
//! base64url; only its SHA-256 hash is stored, so a copy of the database
//! cannot be replayed. Each use spends the token and issues its successor in
//! the same family (one family per sign-in). Presenting a spent token again
//! means two parties hold it and we cannot tell which is the user, so the
//! whole family is revoked: that session is over for both (RFC 9700 §4.14).

use std::fmt::{self, Write as _};

use base64ct::{Base64UrlUnpadded, Encoding};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect, Set,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::entity::{refresh_token, user};
use crate::error::{Error, Result};

/// Random bytes in a refresh token (256 bits, beyond guessing).
const TOKEN_BYTES: usize = 32;
/// Characters of a token: base64url of [`TOKEN_BYTES`] without padding.
const TOKEN_CHARS: usize = 43;

/// A refresh token just issued. The plain token exists only here: hand it to
/// the client and drop it.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedRefreshToken {
    /// The opaque token the client presents to refresh or end the session.
    pub token: String,
    /// When the token stops being accepted.
    pub expires_at: DateTime<Utc>,
    /// The session (token family) it belongs to; access tokens carry it so
    /// that ending the session ends them too.
    pub session_id: Uuid,
}

impl fmt::Debug for IssuedRefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedRefreshToken")
            .field("token", &"***")
            .field("expires_at", &self.expires_at)
            .field("session_id", &self.session_id)
            .finish()
    }
}

/// Starts a new session (token family) for `user_id`; the token is valid
/// for `ttl`.
pub async fn start(
    db: &DatabaseConnection,
    user_id: Uuid,
    ttl: chrono::Duration,
) -> Result<IssuedRefreshToken> {
    insert_token(db, user_id, Uuid::now_v7(), ttl).await
}

/// Spends `token` and issues its successor, valid for `ttl`, returning the
/// session's user. An unknown, expired or revoked token is refused with
/// [`Error::InvalidCredentials`]; so is a token already spent, which also
/// ends its whole session.
pub async fn rotate(
    db: &DatabaseConnection,
    token: &str,
    ttl: chrono::Duration,
) -> Result<(user::Model, IssuedRefreshToken)> {
    let now = Utc::now();
    let Some(current) = find(db, token).await? else {
        return Err(Error::InvalidCredentials);
    };
    if current.revoked_at.is_some() {
        return Err(Error::InvalidCredentials);
    }
    if current.used_at.is_some() {
        return Err(reuse_detected(db, &current).await);
    }
    if current.expires_at <= now {
        return Err(Error::InvalidCredentials);
    }
    let Some(user) = user::Entity::find_by_id(current.user_id).one(db).await? else {
        return Err(Error::InvalidCredentials);
    };
    if !user.active {
        revoke_where(db, refresh_token::Column::FamilyId.eq(current.family_id)).await?;
        return Err(Error::InvalidCredentials);
    }

    let txn = crate::db::begin_write(db).await?;
    // Only one of two concurrent rotations may spend the token; the loser sees
    // no row to update and is treated like any other second use.
    let spent = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(current.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        txn.rollback().await?;
        return Err(reuse_detected(db, &current).await);
    }
    let successor = insert_token(&txn, current.user_id, current.family_id, ttl).await?;
    txn.commit().await?;
    Ok((user, successor))
}

/// Ends the session `token` belongs to (logout): every token of its family
/// is revoked. Returns whether `token` itself was still usable.
pub async fn revoke(db: &DatabaseConnection, token: &str) -> Result<bool> {
    let Some(current) = find(db, token).await? else {
        return Ok(false);
    };
    let live = current.revoked_at.is_none()
        && current.used_at.is_none()
        && current.expires_at > Utc::now();
    revoke_where(db, refresh_token::Column::FamilyId.eq(current.family_id)).await?;
    Ok(live)
}

/// Ends every session of `user_id` (e.g. after a password change); returns
/// how many tokens were revoked.
pub async fn revoke_all_for_user<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<u64> {
    revoke_where(db, refresh_token::Column::UserId.eq(user_id)).await
}

/// Ends every session of `user_id` but `keep` (the one changing its own
/// password stays signed in).
pub async fn revoke_others_for_user<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    keep: Uuid,
) -> Result<u64> {
    revoke_where(
        db,
        refresh_token::Column::UserId
            .eq(user_id)
            .and(refresh_token::Column::FamilyId.ne(keep)),
    )
    .await
}

/// Ends the session `session_id` of `user_id` (logout by access token).
pub async fn end<C: ConnectionTrait>(db: &C, user_id: Uuid, session_id: Uuid) -> Result<bool> {
    let revoked = revoke_where(
        db,
        refresh_token::Column::UserId
            .eq(user_id)
            .and(refresh_token::Column::FamilyId.eq(session_id)),
    )
    .await?;
    Ok(revoked > 0)
}

/// Why an access token's session no longer speaks for its user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Signed out, revoked, or the user is unknown.
    Session,
    /// The user was deactivated.
    Deactivated,
}

/// The actor an access token's session speaks for now: the user as stored
/// (with their current role, so a role change counts at once), when the
/// user is active and the session has not ended. One indexed read, run on
/// every signed-in request.
pub async fn check<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    session_id: Uuid,
) -> Result<std::result::Result<crate::Actor, Ended>> {
    let live = sea_orm::sea_query::Query::select()
        .expr(Expr::val(1))
        .from(refresh_token::Entity)
        .and_where(Expr::col(refresh_token::Column::FamilyId).eq(session_id))
        .and_where(Expr::col(refresh_token::Column::UserId).eq(user_id))
        .and_where(Expr::col(refresh_token::Column::RevokedAt).is_null())
        .to_owned();
    let found = user::Entity::find_by_id(user_id)
        .select_only()
        .column(user::Column::OrganizationId)
        .column(user::Column::Role)
        .column(user::Column::Active)
        .column_as(Expr::exists(live), "live")
        .into_tuple::<(Uuid, crate::types::Role, bool, bool)>()
        .one(db)
        .await?;
    Ok(match found {
        Some((_, _, false, _)) => Err(Ended::Deactivated),
        Some((organization_id, role, true, true)) => Ok(crate::Actor {
            user_id,
            organization_id,
            role,
        }),
        Some((_, _, true, false)) | None => Err(Ended::Session),
    })
}

/// Whether two stored hashes are equal, comparing every byte (no early exit
/// on the first difference).
pub fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The stored form of `token`: its SHA-256 hash as 64 lower-case hex digits.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut hex = String::with_capacity(2 * digest.len());
    for byte in digest.iter() {
        // Writing to a String cannot fail.
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

async fn find<C: ConnectionTrait>(db: &C, token: &str) -> Result<Option<refresh_token::Model>> {
    // Every issued token has the same length; anything else is unknown
    // without asking the database.
    if token.len() != TOKEN_CHARS {
        return Ok(None);
    }
    Ok(refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash_token(token)))
        .one(db)
        .await?)
}

/// Revokes the family of a token presented a second time and returns the
/// refusal to send; a failure to revoke is returned instead.
async fn reuse_detected(db: &DatabaseConnection, token: &refresh_token::Model) -> Error {
    tracing::warn!(
        user_id = %token.user_id,
        family_id = %token.family_id,
        "a spent refresh token was presented again; revoking its session"
    );
    match revoke_where(db, refresh_token::Column::FamilyId.eq(token.family_id)).await {
        Ok(_) => Error::InvalidCredentials,
        Err(err) => err,
    }
}

async fn revoke_where<C: ConnectionTrait>(db: &C, condition: impl IntoCondition) -> Result<u64> {
    let result = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(condition)
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

async fn insert_token<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    family_id: Uuid,
    ttl: chrono::Duration,
) -> Result<IssuedRefreshToken> {
    let token = new_token()?;
    let now = Utc::now();
    let expires_at = now + ttl;
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family_id),
        user_id: Set(user_id),
        token_hash: Set(hash_token(&token)),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(IssuedRefreshToken {
        token,
        expires_at,
        session_id: family_id,
    })
}

fn new_token() -> Result<String> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).map_err(|err| {
        Error::Internal(format!(
            "the operating system's random source failed: {err}"
        ))
    })?;
    Ok(Base64UrlUnpadded::encode_string(&bytes))
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_43_base64url_characters() {
        let token = new_token().expect("random source");
        assert_eq!(token.len(), TOKEN_CHARS);
        assert!(
            token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn the_hash_is_sha256_in_lower_case_hex() {
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
