//! Subscriptions: a WebSocket upgrade of `GET /graphql` speaking the
//! `graphql-transport-ws` protocol (the legacy `graphql-ws` protocol is
//! accepted too). See `docs/subscriptions.md`.
//!
//! Browsers cannot set headers on a WebSocket, so the access token travels
//! in the `connection_init` payload, as `{"accessToken": "<token>"}` or
//! `{"authorization": "Bearer <token>"}`.
//!
//! async-graphql speaks the protocol; this module owns the socket around it
//! so that a connection ends with the close code `graphql-transport-ws`
//! asks for:
//!
//! | code | when |
//! |---|---|
//! | 4400 | a message that is not JSON or not a message of the protocol |
//! | 4401 | `subscribe` before the connection was acknowledged |
//! | 4403 | `connection_init` with a missing, invalid or expired token |
//! | 4408 | no `connection_init` within `WS_INIT_TIMEOUT_SECONDS` |
//! | 4429 | a second `connection_init` |
//! | 1001 | the server is shutting down |
//! | 1008 | the client sends faster than its messages can be handled |
//! | 1009 | a message larger than 64 KiB |

use std::pin::pin;
use std::time::Duration;

use actix_web::guard::GuardContext;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, ProtocolError, Session};
use async_graphql::Data;
use async_graphql::http::{ClientMessage, WebSocket, WebSocketProtocols as Protocols, WsMessage};
use domain::Actor;
use futures_util::{Stream, StreamExt};
use sea_orm::DatabaseConnection;
use tokio::sync::{mpsc, watch};

use super::graphql::GraphqlEndpoint;
use crate::auth::{AuthError, JwtKeys};
use crate::graphql::{self, ApiSchema, order};
use async_graphql::parser::types::ExecutableDocument;

/// Largest client message accepted (a subscription document with variables).
const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// The longest close reason a WebSocket close frame may carry.
const MAX_REASON_BYTES: usize = 123;
/// Client messages waiting to be handled before the client is cut off.
const INBOX: usize = 32;

/// Whether the request asks to switch to WebSocket.
pub fn is_upgrade(ctx: &GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get(header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("websocket"))
}

/// The protocol the client offers, preferring `graphql-transport-ws`; a
/// client that names none gets `graphql-transport-ws`.
fn protocol(request: &HttpRequest) -> Option<Protocols> {
    let offered: Vec<String> = request
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|p| p.trim().to_ascii_lowercase())
        .filter(|p| !p.is_empty())
        .collect();
    if offered.is_empty() || offered.iter().any(|p| p == "graphql-transport-ws") {
        Some(Protocols::GraphQLWS)
    } else if offered.iter().any(|p| p == "graphql-ws") {
        Some(Protocols::SubscriptionsTransportWS)
    } else {
        None
    }
}

/// `GET /graphql` with `Upgrade: websocket`.
pub async fn upgrade(
    request: HttpRequest,
    payload: web::Payload,
    endpoint: web::Data<GraphqlEndpoint>,
    db: web::Data<DatabaseConnection>,
) -> actix_web::Result<HttpResponse> {
    let Some(protocol) = protocol(&request) else {
        return Ok(HttpResponse::BadRequest()
            .content_type("text/plain; charset=utf-8")
            .body("Sec-WebSocket-Protocol must offer graphql-transport-ws (or graphql-ws)"));
    };
    let (response, session, messages) = actix_ws::handle_with_protocols(
        &request,
        payload,
        &["graphql-transport-ws", "graphql-ws"],
    )?;
    let messages = messages
        .max_frame_size(MAX_MESSAGE_BYTES)
        .aggregate_continuations()
        .max_continuation_size(MAX_MESSAGE_BYTES);
    let connection = Connection {
        schema: endpoint.ws_schema.clone(),
        keys: endpoint.keys.clone(),
        db: db.get_ref().clone(),
        protocol,
        init_timeout: endpoint.ws_init_timeout,
        shutdown: endpoint.shutdown.clone(),
        client: super::graphql::client_ip(&request, endpoint.trust_proxy_headers),
        request_id: actix_web::HttpMessage::extensions(&request)
            .get::<crate::request_id::RequestId>()
            .cloned()
            .unwrap_or_else(|| crate::request_id::RequestId(String::new())),
    };
    actix_web::rt::spawn(connection.serve(session, messages));
    Ok(response)
}

/// One accepted WebSocket and what serving it needs.
struct Connection {
    schema: ApiSchema,
    keys: std::sync::Arc<JwtKeys>,
    db: DatabaseConnection,
    protocol: Protocols,
    init_timeout: Duration,
    shutdown: watch::Receiver<bool>,
    /// The client's address and the upgrade request's id, for the audit log.
    client: crate::auth::throttle::ClientIp,
    request_id: crate::request_id::RequestId,
}

impl Connection {
    /// Relays frames between the socket and async-graphql's protocol state
    /// machine until either side ends, then closes with the right code.
    async fn serve(
        mut self,
        mut session: Session,
        mut messages: impl Stream<Item = Result<AggregatedMessage, ProtocolError>> + Unpin,
    ) {
        let (inbox, received) = mpsc::channel::<ClientMessage>(INBOX);
        let client = futures_util::stream::unfold(received, |mut received| async move {
            received.recv().await.map(|message| (Ok(message), received))
        });
        let (keys, db) = (self.keys.clone(), self.db.clone());
        let (peer, request_id) = (self.client, self.request_id.clone());
        let mut protocol = pin!(
            WebSocket::from_message_stream(self.schema.clone(), client, self.protocol)
                .on_connection_init(move |init| async move {
                    let actor = authenticate(&keys, &db, &init).await?;
                    Ok::<Data, async_graphql::Error>(graphql::connection_data(
                        &db, actor, peer, request_id,
                    ))
                })
        );
        let mut acknowledged = false;
        let mut order = SubscriptionOrder::default();
        let mut init_deadline = pin!(tokio::time::sleep(self.init_timeout));
        let close: Option<(u16, String)> = loop {
            tokio::select! {
                frame = messages.next() => {
                    let bytes = match frame {
                        Some(Ok(AggregatedMessage::Text(text))) => text.into_bytes(),
                        Some(Ok(AggregatedMessage::Binary(bytes))) => bytes,
                        Some(Ok(AggregatedMessage::Ping(bytes))) => {
                            if session.pong(&bytes).await.is_err() {
                                break None;
                            }
                            continue;
                        }
                        Some(Ok(AggregatedMessage::Pong(_))) => continue,
                        Some(Ok(AggregatedMessage::Close(_))) | None => break None,
                        Some(Err(ProtocolError::Overflow)) => {
                            break Some((1009, "message larger than 64 KiB".into()));
                        }
                        Some(Err(err)) => break Some((1002, err.to_string())),
                    };
                    match ClientMessage::from_bytes(&bytes) {
                        Ok(message) => {
                            order.remember(&message);
                            if inbox.try_send(message).is_err() {
                                break Some((1008, "too many messages at once".into()));
                            }
                        }
                        Err(err) => break Some((4400, format!("invalid message: {err}"))),
                    }
                }
                sent = protocol.next() => match sent {
                    Some(WsMessage::Text(text)) => {
                        acknowledged |= text.starts_with(r#"{"type":"connection_ack""#);
                        let text = order.apply(text);
                        if session.text(text).await.is_err() {
                            break None;
                        }
                    }
                    Some(WsMessage::Close(code, reason)) => {
                        break Some((close_code(code, acknowledged), reason));
                    }
                    None => break Some((1000, String::new())),
                },
                () = &mut init_deadline, if !acknowledged => {
                    break Some((4408, "Connection initialisation timeout".into()));
                }
                changed = self.shutdown.changed() => {
                    if changed.is_err() || *self.shutdown.borrow() {
                        break Some((1001, "the server is shutting down; reconnect".into()));
                    }
                }
            }
        };
        if let Some((code, reason)) = close {
            let _ = session
                .close(Some(CloseReason {
                    code: CloseCode::from(code),
                    description: Some(truncate(reason, MAX_REASON_BYTES)),
                }))
                .await;
        }
    }
}

/// The documents of the connection's subscriptions, so that each event is
/// written with its fields in the order the subscription asked for them
/// (see `graphql::order`).
#[derive(Default)]
struct SubscriptionOrder {
    documents: std::collections::HashMap<String, (ExecutableDocument, Option<String>)>,
}

/// A message of the server, as async-graphql wrote it.
#[derive(serde::Deserialize)]
struct Outgoing {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
    payload: Option<async_graphql::Response>,
}

impl SubscriptionOrder {
    /// Keeps the document of a `subscribe` (`start`); forgets it on `complete`.
    fn remember(&mut self, message: &ClientMessage) {
        match message {
            ClientMessage::Start { id, payload } => {
                if let Ok(document) = async_graphql::parser::parse_query(&payload.query) {
                    self.documents
                        .insert(id.clone(), (document, payload.operation_name.clone()));
                }
            }
            ClientMessage::Stop { id } => {
                self.documents.remove(id);
            }
            _ => {}
        }
    }

    /// `text` with its payload's fields in query order, for `next`/`data`.
    fn apply(&mut self, text: String) -> String {
        let Ok(outgoing) = serde_json::from_str::<Outgoing>(&text) else {
            return text;
        };
        let (Some(id), Some(payload)) = (&outgoing.id, &outgoing.payload) else {
            if outgoing.kind == "complete"
                && let Some(id) = &outgoing.id
            {
                self.documents.remove(id);
            }
            return text;
        };
        let Some((document, operation)) = self.documents.get(id) else {
            return text;
        };
        let Ok(body) = order::response_json(payload, Some(document), operation.as_deref()) else {
            return text;
        };
        let (Ok(kind), Ok(id)) = (
            serde_json::to_string(&outgoing.kind),
            serde_json::to_string(id),
        ) else {
            return text;
        };
        format!(
            r#"{{"type":{kind},"id":{id},"payload":{}}}"#,
            String::from_utf8_lossy(&body)
        )
    }
}

/// The close code of `graphql-transport-ws` for what async-graphql reports
/// with a generic one.
fn close_code(code: u16, acknowledged: bool) -> u16 {
    match code {
        // The connection_init callback refused the token.
        1002 if !acknowledged => 4403,
        // A subscribe before the connection was acknowledged.
        1011 => 4401,
        other => other,
    }
}

/// `text` cut to at most `max` bytes at a character boundary.
fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// The token of a `connection_init` payload, or why there is none. The
/// error becomes the close reason, which WebSocket limits to 123 bytes.
fn token_of(init: &serde_json::Value) -> async_graphql::Result<&str> {
    match (
        init.get("accessToken").and_then(|v| v.as_str()),
        init.get("authorization")
            .or_else(|| init.get("Authorization"))
            .and_then(|v| v.as_str()),
    ) {
        (Some(token), _) => Ok(token.trim()),
        (None, Some(header)) => crate::auth::bearer(header)
            .ok_or_else(|| "authorization must be `Bearer <accessToken>`".into()),
        (None, None) => {
            Err("sign in first: send {\"accessToken\": \"<token>\"} in connection_init".into())
        }
    }
}

/// The caller named by a `connection_init` payload: an access token whose
/// session and user still stand, or an API key.
async fn authenticate(
    keys: &JwtKeys,
    db: &DatabaseConnection,
    init: &serde_json::Value,
) -> async_graphql::Result<Actor> {
    let token = token_of(init)?;
    match crate::auth::authenticate(keys, db, token).await {
        Ok(found) => Ok(found.actor),
        Err(AuthError::Expired) => {
            Err("access token expired; refresh the session and reconnect".into())
        }
        Err(AuthError::Invalid { reason }) => {
            tracing::info!(reason, "refused a WebSocket access token");
            Err("access token invalid; sign in again".into())
        }
        Err(AuthError::Database(err)) => {
            tracing::error!(error = %err, "checking WebSocket credentials failed");
            Err("could not check the credentials; reconnect".into())
        }
        Err(other) => Err(other.to_string().into()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn refusals_get_the_close_codes_of_graphql_transport_ws() {
        assert_eq!(close_code(1002, false), 4403, "a refused connection_init");
        assert_eq!(close_code(1011, false), 4401, "subscribe before the ack");
        assert_eq!(close_code(4429, true), 4429);
        assert_eq!(truncate("é".repeat(100), 123).len(), 122);
    }

    #[test]
    fn the_token_may_come_as_access_token_or_as_a_bearer_authorization() {
        for init in [
            json!({"accessToken": "abc"}),
            json!({"authorization": "Bearer abc"}),
            json!({"Authorization": "bearer abc"}),
        ] {
            assert_eq!(token_of(&init).unwrap(), "abc", "{init}");
        }
    }

    #[test]
    fn a_missing_or_malformed_token_is_refused_with_a_short_reason() {
        for init in [
            json!(null),
            json!({}),
            json!({"authorization": "abc"}),
            json!({"accessToken": 42}),
        ] {
            let err = token_of(&init).unwrap_err();
            assert!(err.message.len() <= 123, "{}", err.message);
        }
    }
}
