//! Who is calling: short-lived access tokens (signed JWTs) that the HTTP
//! layer turns into a [`domain::Actor`]. Refresh tokens are opaque and live
//! in [`domain::session`].

pub mod jwt;
pub mod throttle;

pub use jwt::{AccessToken, JwtKeys};

use domain::Actor;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

/// Who a request speaks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Authenticated {
    /// The caller, with the role stored now.
    pub actor: Actor,
    /// The session of an access token; `None` for an API key.
    pub session_id: Option<Uuid>,
}

/// Who `token` speaks for: an API key (`ipk_…`), or an access token whose
/// session has not ended and whose user is active, with the user's role as
/// stored now. One indexed read.
pub async fn authenticate(
    keys: &JwtKeys,
    db: &DatabaseConnection,
    token: &str,
) -> Result<Authenticated, AuthError> {
    if token.starts_with(domain::api_key::PREFIX) {
        return match domain::api_key::authenticate(db, token).await {
            Ok(Ok(actor)) => Ok(Authenticated {
                actor,
                session_id: None,
            }),
            Ok(Err(domain::api_key::Refused::Revoked)) => Err(AuthError::KeyRevoked),
            Ok(Err(domain::api_key::Refused::Expired)) => Err(AuthError::KeyExpired),
            Ok(Err(domain::api_key::Refused::Unknown)) => Err(AuthError::KeyUnknown),
            Err(err) => Err(AuthError::Database(err)),
        };
    }
    let access = keys.verify_access(token)?;
    match domain::session::check(db, access.actor.user_id, access.session_id).await {
        Ok(Ok(actor)) => Ok(Authenticated {
            actor,
            session_id: Some(access.session_id),
        }),
        Ok(Err(domain::session::Ended::Deactivated)) => Err(AuthError::Deactivated),
        Ok(Err(domain::session::Ended::Session)) => Err(AuthError::Ended),
        Err(err) => Err(AuthError::Database(err)),
    }
}

/// The token of an `Authorization`-style value `Bearer <token>` (the scheme
/// in any case), or `None` for any other shape. HTTP requests, WebSocket
/// `connection_init` payloads and the metrics endpoint all read it here.
pub fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Why an access token was refused or could not be made.
///
/// The messages are safe to show a client: they never contain the token or
/// say which check failed. The reason inside [`AuthError::Invalid`] is for the
/// log only.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The token was genuine but its `exp` has passed: refresh the session.
    #[error("access token expired")]
    Expired,
    /// The token is malformed, forged, or not an access token of this service.
    #[error("access token invalid")]
    Invalid {
        /// Which check failed, for the log.
        reason: &'static str,
    },
    /// The token's session ended (signed out, password changed, session
    /// revoked) or its user no longer exists.
    #[error("your session has ended; sign in again")]
    Ended,
    /// The user was deactivated.
    #[error("this account has been deactivated; ask an administrator of your organization")]
    Deactivated,
    /// An `ipk_…` key that is not one of ours.
    #[error("API key invalid; check that it was copied whole")]
    KeyUnknown,
    /// An API key an administrator revoked.
    #[error("this API key was revoked; ask an administrator for a new one")]
    KeyRevoked,
    /// An API key past its expiry.
    #[error("this API key has expired; ask an administrator for a new one")]
    KeyExpired,
    /// The database could not say (the cause is logged).
    #[error("could not check the credentials; please try again")]
    Database(#[source] domain::Error),
    /// The signing key cannot be used (an empty secret).
    #[error("the access token signing key is unusable")]
    Key(#[source] jsonwebtoken::errors::Error),
    /// Signing a new token failed.
    #[error("could not issue an access token")]
    Issue(#[source] jsonwebtoken::errors::Error),
}

#[cfg(test)]
mod tests {
    use super::bearer;

    #[test]
    fn a_bearer_value_is_the_scheme_in_any_case_then_the_token() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("  bearer   abc  "), Some("abc"));
        assert_eq!(bearer("BEARER abc"), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("abc"), None);
        assert_eq!(bearer("Bearer "), None);
    }
}
