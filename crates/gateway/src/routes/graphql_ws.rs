//! Subscriptions: a WebSocket upgrade of `GET /graphql` speaking the
//! `graphql-transport-ws` protocol (the legacy `graphql-ws` protocol is
//! accepted too). See `docs/subscriptions.md`.
//!
//! Browsers cannot set headers on a WebSocket, so the access token travels
//! in the `connection_init` payload, as `{"accessToken": "<token>"}` or
//! `{"authorization": "Bearer <token>"}`. Without a valid token the server
//! closes the socket before acknowledging it; the close reason says why.

use actix_web::guard::GuardContext;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::Data;
use async_graphql_actix_web::GraphQLSubscription;
use domain::Actor;
use sea_orm::DatabaseConnection;

use super::graphql::GraphqlEndpoint;
use crate::auth::{AuthError, JwtKeys};
use crate::graphql;

/// Whether the request asks to switch to WebSocket.
pub fn is_upgrade(ctx: &GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get(header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("websocket"))
}

/// `GET /graphql` with `Upgrade: websocket`.
pub async fn upgrade(
    request: HttpRequest,
    payload: web::Payload,
    endpoint: web::Data<GraphqlEndpoint>,
    db: web::Data<DatabaseConnection>,
) -> actix_web::Result<HttpResponse> {
    let keys = endpoint.keys.clone();
    let db = db.get_ref().clone();
    GraphQLSubscription::new(endpoint.schema.clone())
        .on_connection_init(move |init| async move {
            let actor = authenticate(&keys, &init)?;
            Ok::<Data, async_graphql::Error>(graphql::connection_data(&db, actor))
        })
        .start(&request, payload)
}

/// The caller named by a `connection_init` payload. The error becomes the
/// close reason, which WebSocket limits to 123 bytes.
fn authenticate(keys: &JwtKeys, init: &serde_json::Value) -> async_graphql::Result<Actor> {
    let token = match (
        init.get("accessToken").and_then(|v| v.as_str()),
        init.get("authorization")
            .or_else(|| init.get("Authorization"))
            .and_then(|v| v.as_str()),
    ) {
        (Some(token), _) => token.trim(),
        (None, Some(header)) => match header.trim().split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => return Err("authorization must be `Bearer <accessToken>`".into()),
        },
        (None, None) => {
            return Err(
                "sign in first: send {\"accessToken\": \"<token>\"} in connection_init".into(),
            );
        }
    };
    keys.verify_access(token).map_err(|err| match err {
        AuthError::Expired => "access token expired; refresh the session and reconnect".into(),
        other => {
            if let AuthError::Invalid { reason } = &other {
                tracing::info!(reason, "refused a WebSocket access token");
            }
            "access token invalid; sign in again".into()
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use domain::types::Role;
    use serde_json::json;
    use uuid::Uuid;

    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(
            b"a unit-test secret that is long enough",
            "iss",
            "aud",
            chrono::Duration::minutes(5),
        )
        .unwrap()
    }

    fn token(keys: &JwtKeys) -> (Actor, String) {
        let actor = Actor {
            user_id: Uuid::now_v7(),
            organization_id: Uuid::now_v7(),
            role: Role::Interviewer,
        };
        let (token, _) = keys
            .issue_access(
                actor.user_id,
                actor.organization_id,
                actor.role,
                chrono::Utc::now(),
            )
            .unwrap();
        (actor, token)
    }

    #[test]
    fn the_token_may_come_as_access_token_or_as_a_bearer_authorization() {
        let keys = keys();
        let (actor, token) = token(&keys);
        for init in [
            json!({"accessToken": token}),
            json!({"authorization": format!("Bearer {token}")}),
            json!({"Authorization": format!("bearer {token}")}),
        ] {
            assert_eq!(authenticate(&keys, &init).unwrap(), actor, "{init}");
        }
    }

    #[test]
    fn a_missing_malformed_forged_or_expired_token_is_refused_with_a_short_reason() {
        let keys = keys();
        let (actor, token) = token(&keys);
        let forged = format!("{token}x");
        let (expired, _) = keys
            .issue_access(
                actor.user_id,
                actor.organization_id,
                actor.role,
                chrono::Utc::now() - chrono::Duration::hours(1),
            )
            .unwrap();
        for init in [
            json!(null),
            json!({}),
            json!({"authorization": token}),
            json!({"accessToken": forged}),
            json!({"accessToken": 42}),
            json!({"accessToken": expired}),
        ] {
            let err = authenticate(&keys, &init).unwrap_err();
            assert!(err.message.len() <= 123, "{}", err.message);
        }
    }
}
