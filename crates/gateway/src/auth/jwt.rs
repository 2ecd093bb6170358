//! Access tokens: HS256-signed JWTs naming the user, organization, role and
//! session, valid for minutes. The gateway checks the session and the user
//! against the database on every request (`domain::session::check`), so
//! logging out, deactivation and role changes count at once. Verification pins the algorithm, requires every claim
//! and accepts only tokens typed `access`, so a token minted for another
//! purpose or by another service cannot stand in for one.

use std::fmt;

use chrono::{DateTime, SubsecRound, Utc};
use domain::Actor;
use domain::types::Role;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AuthError;

/// The only algorithm issued or accepted.
const ALGORITHM: Algorithm = Algorithm::HS256;
/// The `typ` claim of an access token.
const ACCESS: &str = "access";
/// Clock skew tolerated between servers, in seconds.
const LEEWAY_SECONDS: u64 = 5;

/// The claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The user.
    sub: Uuid,
    /// The user's organization.
    org: Uuid,
    /// The user's role, as stored (`ADMIN`, `HIRING_MANAGER`, …).
    role: String,
    /// The session (refresh-token family) the token was issued for.
    sid: Uuid,
    iss: String,
    aud: String,
    exp: i64,
    iat: i64,
    /// What the token is for; only `access` is accepted here.
    typ: String,
}

/// The key and rules for issuing and checking access tokens.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    access_ttl: chrono::Duration,
}

impl fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtKeys")
            .field("secret", &"***")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("access_ttl", &self.access_ttl)
            .finish()
    }
}

impl JwtKeys {
    /// Keys signing with `secret`, naming this service `issuer` and its API
    /// `audience`; tokens live for `access_ttl`. Fails only on an empty
    /// secret (configuration decides how long it must be).
    pub fn new(
        secret: &[u8],
        issuer: impl Into<String>,
        audience: impl Into<String>,
        access_ttl: chrono::Duration,
    ) -> Result<Self, AuthError> {
        let issuer = issuer.into();
        let audience = audience.into();
        let mut validation = Validation::new(ALGORITHM);
        // jsonwebtoken enforces presence of these; `iat` is not among the
        // claims it checks, so it is required by `Claims` instead.
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[&issuer]);
        validation.set_audience(&[&audience]);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_exp = true;
        Ok(JwtKeys {
            encoding: EncodingKey::from_secret(secret).map_err(AuthError::Key)?,
            decoding: DecodingKey::from_secret(secret).map_err(AuthError::Key)?,
            validation,
            issuer,
            audience,
            access_ttl,
        })
    }

    /// How long an access token lives.
    pub fn access_ttl(&self) -> chrono::Duration {
        self.access_ttl
    }

    /// A signed access token for the user, issued at `now`, and when it
    /// expires (to the second, as written in the token).
    pub fn issue_access(
        &self,
        user_id: Uuid,
        organization_id: Uuid,
        role: Role,
        session_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), AuthError> {
        let expires_at = (now + self.access_ttl).trunc_subsecs(0);
        let claims = Claims {
            sub: user_id,
            org: organization_id,
            role: role.as_str().to_owned(),
            sid: session_id,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: expires_at.timestamp(),
            iat: now.timestamp(),
            typ: ACCESS.to_owned(),
        };
        let token = jsonwebtoken::encode(&Header::new(ALGORITHM), &claims, &self.encoding)
            .map_err(AuthError::Issue)?;
        Ok((token, expires_at))
    }

    /// What a genuine access token says (its user, organization, role and
    /// session), or why it is refused. Whether the session still stands is
    /// the database's to say.
    pub fn verify_access(&self, token: &str) -> Result<AccessToken, AuthError> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(refusal)?
            .claims;
        if claims.typ != ACCESS {
            return Err(invalid("not an access token"));
        }
        if claims.iat > Utc::now().timestamp() + LEEWAY_SECONDS as i64 {
            return Err(invalid("issued in the future"));
        }
        let role = Role::ALL
            .iter()
            .copied()
            .find(|role| role.as_str() == claims.role)
            .ok_or(invalid("unknown role"))?;
        Ok(AccessToken {
            actor: Actor {
                user_id: claims.sub,
                organization_id: claims.org,
                role,
            },
            session_id: claims.sid,
        })
    }
}

/// A verified access token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessToken {
    /// Who it was issued to, as they were then.
    pub actor: Actor,
    /// The session it belongs to.
    pub session_id: Uuid,
}

fn invalid(reason: &'static str) -> AuthError {
    AuthError::Invalid { reason }
}

/// Maps a jsonwebtoken failure to a refusal; the reason names the check for
/// the log without repeating anything from the token.
fn refusal(err: jsonwebtoken::errors::Error) -> AuthError {
    let reason = match err.kind() {
        ErrorKind::ExpiredSignature => return AuthError::Expired,
        ErrorKind::InvalidSignature => "bad signature",
        ErrorKind::InvalidAlgorithm
        | ErrorKind::InvalidAlgorithmName
        | ErrorKind::UnsupportedAlgorithm => "algorithm not allowed",
        ErrorKind::MissingRequiredClaim(_) => "a required claim is missing",
        ErrorKind::InvalidIssuer => "wrong issuer",
        ErrorKind::InvalidAudience => "wrong audience",
        ErrorKind::InvalidClaimFormat(_) | ErrorKind::Json(_) => "malformed header or claims",
        _ => "malformed token",
    };
    invalid(reason)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::Duration;
    use serde_json::{Value, json};

    use super::*;

    const SECRET: &[u8] = b"a test secret of at least thirty-two bytes";
    const ISSUER: &str = "interview-planner";
    const AUDIENCE: &str = "interview-planner-api";

    fn keys() -> JwtKeys {
        JwtKeys::new(SECRET, ISSUER, AUDIENCE, Duration::minutes(15)).expect("keys")
    }

    /// Claims of a valid access token, to be spoiled one way at a time.
    fn claims() -> Value {
        let now = Utc::now().timestamp();
        json!({
            "sub": Uuid::now_v7(),
            "org": Uuid::now_v7(),
            "role": "INTERVIEWER",
            "sid": Uuid::now_v7(),
            "iss": ISSUER,
            "aud": AUDIENCE,
            "exp": now + 900,
            "iat": now,
            "typ": "access",
        })
    }

    fn sign(header: Header, claims: &Value, secret: &[u8]) -> String {
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret).unwrap()).unwrap()
    }

    fn hs256(claims: &Value) -> String {
        sign(Header::new(Algorithm::HS256), claims, SECRET)
    }

    fn assert_invalid(token: &str, expected_reason: &str) {
        match keys().verify_access(token) {
            Err(AuthError::Invalid { reason }) => assert_eq!(reason, expected_reason),
            other => panic!("expected an invalid token ({expected_reason}), got {other:?}"),
        }
    }

    #[test]
    fn an_issued_token_verifies_as_its_user_organization_and_role() {
        let keys = keys();
        let (user, org) = (Uuid::now_v7(), Uuid::now_v7());
        let now = Utc::now();
        let (token, expires_at) = keys
            .issue_access(user, org, Role::HiringManager, Uuid::now_v7(), now)
            .unwrap();
        assert_eq!(expires_at, (now + Duration::minutes(15)).trunc_subsecs(0));
        let actor = keys.verify_access(&token).unwrap().actor;
        assert_eq!(
            actor,
            Actor {
                user_id: user,
                organization_id: org,
                role: Role::HiringManager
            }
        );
        assert_eq!(
            jsonwebtoken::decode_header(&token).unwrap().alg,
            Algorithm::HS256
        );
    }

    #[test]
    fn the_hand_built_valid_claims_are_accepted() {
        // Guards the refusal tests below: each spoils exactly one thing.
        keys().verify_access(&hs256(&claims())).unwrap();
    }

    #[test]
    fn an_expired_token_is_refused_as_expired() {
        let keys = keys();
        let an_hour_ago = Utc::now() - Duration::hours(1);
        let (token, _) = keys
            .issue_access(
                Uuid::now_v7(),
                Uuid::now_v7(),
                Role::Admin,
                Uuid::now_v7(),
                an_hour_ago,
            )
            .unwrap();
        let err = keys.verify_access(&token).unwrap_err();
        assert!(matches!(err, AuthError::Expired), "{err:?}");
        assert_eq!(err.to_string(), "access token expired");
    }

    #[test]
    fn a_token_expired_beyond_the_leeway_is_refused() {
        let mut claims = claims();
        claims["exp"] = json!(Utc::now().timestamp() - 10);
        let err = keys().verify_access(&hs256(&claims)).unwrap_err();
        assert!(matches!(err, AuthError::Expired), "{err:?}");
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let token = sign(
            Header::new(Algorithm::HS256),
            &claims(),
            b"another secret, also thirty-two bytes long",
        );
        assert_invalid(&token, "bad signature");
    }

    #[test]
    fn a_token_with_changed_claims_is_refused() {
        let genuine = hs256(&claims());
        let mut admin = claims();
        admin["role"] = json!("ADMIN");
        let forged_payload = hs256(&admin);
        let [header, _, signature] = genuine.split('.').collect::<Vec<_>>()[..] else {
            panic!("a JWT has three parts");
        };
        let payload = forged_payload.split('.').nth(1).unwrap();
        assert_invalid(&format!("{header}.{payload}.{signature}"), "bad signature");
    }

    #[test]
    fn a_token_signed_with_hs512_is_refused() {
        let token = sign(Header::new(Algorithm::HS512), &claims(), SECRET);
        assert_invalid(&token, "algorithm not allowed");
    }

    #[test]
    fn an_unsigned_token_with_alg_none_is_refused() {
        // base64url of {"alg":"none","typ":"JWT"}
        let none_header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";
        let genuine = hs256(&claims());
        let mut parts = genuine.split('.');
        let (_, payload, signature) = (parts.next(), parts.next().unwrap(), parts.next().unwrap());
        for token in [
            format!("{none_header}.{payload}."),
            format!("{none_header}.{payload}.{signature}"),
        ] {
            let err = keys().verify_access(&token).unwrap_err();
            assert!(matches!(err, AuthError::Invalid { .. }), "{err:?}");
        }
    }

    #[test]
    fn a_token_missing_any_claim_is_refused() {
        for claim in ["exp", "iat", "iss", "aud", "sub", "org", "role", "typ"] {
            let mut spoiled = claims();
            spoiled.as_object_mut().unwrap().remove(claim);
            match keys().verify_access(&hs256(&spoiled)) {
                Err(AuthError::Invalid { .. }) => {}
                other => panic!("a token without `{claim}` was not refused: {other:?}"),
            }
        }
    }

    #[test]
    fn a_token_of_another_issuer_is_refused() {
        let mut spoiled = claims();
        spoiled["iss"] = json!("someone-else");
        assert_invalid(&hs256(&spoiled), "wrong issuer");
    }

    #[test]
    fn a_token_for_another_audience_is_refused() {
        let mut spoiled = claims();
        spoiled["aud"] = json!("another-api");
        assert_invalid(&hs256(&spoiled), "wrong audience");
    }

    #[test]
    fn keys_of_another_service_refuse_our_tokens_even_with_the_same_secret() {
        let (token, _) = keys()
            .issue_access(
                Uuid::now_v7(),
                Uuid::now_v7(),
                Role::Viewer,
                Uuid::now_v7(),
                Utc::now(),
            )
            .unwrap();
        let other = JwtKeys::new(SECRET, "other-service", AUDIENCE, Duration::minutes(15)).unwrap();
        assert!(matches!(
            other.verify_access(&token),
            Err(AuthError::Invalid {
                reason: "wrong issuer"
            })
        ));
    }

    #[test]
    fn a_refresh_typed_or_untyped_jwt_is_not_an_access_token() {
        for typ in ["refresh", "Access", ""] {
            let mut spoiled = claims();
            spoiled["typ"] = json!(typ);
            assert_invalid(&hs256(&spoiled), "not an access token");
        }
    }

    #[test]
    fn an_unknown_role_is_refused() {
        for role in ["SUPERUSER", "admin", " ADMIN"] {
            let mut spoiled = claims();
            spoiled["role"] = json!(role);
            assert_invalid(&hs256(&spoiled), "unknown role");
        }
    }

    #[test]
    fn a_token_issued_in_the_future_is_refused() {
        let mut spoiled = claims();
        spoiled["iat"] = json!(Utc::now().timestamp() + 600);
        assert_invalid(&hs256(&spoiled), "issued in the future");
    }

    #[test]
    fn garbage_is_refused_without_echoing_it() {
        for token in ["", "abc", "a.b.c", "secret-looking.garbage.value"] {
            let err = keys().verify_access(token).unwrap_err();
            assert!(matches!(err, AuthError::Invalid { .. }), "{err:?}");
            assert_eq!(err.to_string(), "access token invalid");
        }
    }

    #[test]
    fn an_empty_secret_is_refused() {
        assert!(matches!(
            JwtKeys::new(b"", ISSUER, AUDIENCE, Duration::minutes(15)),
            Err(AuthError::Key(_))
        ));
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let debug = format!("{:?}", keys());
        assert!(!debug.contains("thirty-two"), "{debug}");
    }
}
