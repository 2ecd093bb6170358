//! Who is calling: short-lived access tokens (signed JWTs) that the HTTP
//! layer turns into a [`domain::Actor`]. Refresh tokens are opaque and live
//! in [`domain::session`].

pub mod jwt;
pub mod throttle;

pub use jwt::JwtKeys;

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
