//! Clients for the live-update tests: a `graphql-transport-ws` subscriber
//! over a real WebSocket, and one-shot `POST /graphql` calls for signing in
//! and submitting. Every wait is bounded, so a missing event fails the test
//! within seconds instead of hanging it.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Longest wait for an expected message.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long "nothing arrives" is watched for.
pub const QUIET_WINDOW: Duration = Duration::from_millis(500);

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// How the server closed a connection it refused.
#[derive(Debug)]
pub struct Refusal {
    /// The WebSocket close code (1006 when closed without a close frame).
    pub code: u16,
    /// The close reason.
    pub reason: String,
}

/// What arrived on the socket.
enum Incoming {
    Message(Value),
    Closed(Refusal),
}

/// A signed-in WebSocket connection to `/graphql`.
pub struct Subscriber {
    socket: Socket,
    /// Messages read while waiting for something else.
    pending: VecDeque<Value>,
    next_id: u32,
}

impl Subscriber {
    /// Opens `ws://address/graphql` with the `graphql-transport-ws`
    /// subprotocol and sends `connection_init` with `payload`: the connection
    /// once acknowledged, or how the server closed it.
    pub async fn connect(address: SocketAddr, payload: Value) -> Result<Subscriber, Refusal> {
        let mut subscriber = Subscriber::open(address).await;
        subscriber
            .send(json!({"type": "connection_init", "payload": payload}))
            .await;
        match subscriber.receive(EVENT_TIMEOUT).await {
            Some(Incoming::Message(message)) if message["type"] == "connection_ack" => {
                Ok(subscriber)
            }
            Some(Incoming::Closed(refusal)) => Err(refusal),
            Some(Incoming::Message(other)) => panic!("expected connection_ack, got {other}"),
            None => panic!("no connection_ack or close within {EVENT_TIMEOUT:?}"),
        }
    }

    /// Sends `text` as it is, in a text frame.
    pub async fn send_text(&mut self, text: &str) {
        self.socket
            .send(Message::text(text.to_owned()))
            .await
            .expect("send a WebSocket message");
    }

    /// Waits up to `wait` for the server to close the connection, and says
    /// how; panics if a protocol message comes first or nothing does.
    pub async fn closed_within(&mut self, wait: Duration) -> Refusal {
        match self.receive(wait).await {
            Some(Incoming::Closed(refusal)) => refusal,
            Some(Incoming::Message(message)) => panic!("expected a close, got {message}"),
            None => panic!("the server kept the connection open for {wait:?}"),
        }
    }

    /// Opens `ws://address/graphql` with the `graphql-transport-ws`
    /// subprotocol and sends nothing.
    pub async fn open(address: SocketAddr) -> Subscriber {
        let mut request = format!("ws://{address}/graphql")
            .into_client_request()
            .expect("a WebSocket URL");
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().expect("a header value"),
        );
        let (socket, response) =
            tokio::time::timeout(EVENT_TIMEOUT, tokio_tungstenite::connect_async(request))
                .await
                .expect("the WebSocket handshake finishes in time")
                .expect("the server upgrades GET /graphql to a WebSocket");
        assert_eq!(
            response
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok()),
            Some("graphql-transport-ws"),
            "the server speaks graphql-transport-ws"
        );
        Subscriber {
            socket,
            pending: VecDeque::new(),
            next_id: 1,
        }
    }

    /// Subscribes with `query` and `variables`; returns the operation id once
    /// the server has taken the subscription in (a protocol ping sent after
    /// it is answered only after the server read it).
    pub async fn subscribe(&mut self, query: &str, variables: Value) -> String {
        let id = self.next_id.to_string();
        self.next_id += 1;
        self.send(json!({
            "id": id,
            "type": "subscribe",
            "payload": {"query": query, "variables": variables},
        }))
        .await;
        self.send(json!({"type": "ping"})).await;
        loop {
            match self.receive(EVENT_TIMEOUT).await {
                Some(Incoming::Message(message)) if message["type"] == "pong" => break,
                Some(Incoming::Message(message)) => self.pending.push_back(message),
                Some(Incoming::Closed(refusal)) => {
                    panic!("the server closed the connection: {refusal:?}")
                }
                None => panic!("no pong within {EVENT_TIMEOUT:?}"),
            }
        }
        // Let the server poll the new operation before the caller acts.
        tokio::time::sleep(Duration::from_millis(50)).await;
        id
    }

    /// The payload of the next `next` message of operation `id`; fails the
    /// test when none arrives within [`EVENT_TIMEOUT`].
    pub async fn next(&mut self, id: &str) -> Value {
        loop {
            let message = match self.pending.pop_front() {
                Some(message) => message,
                None => match self.receive(EVENT_TIMEOUT).await {
                    Some(Incoming::Message(message)) => message,
                    Some(Incoming::Closed(refusal)) => {
                        panic!("the server closed the connection: {refusal:?}")
                    }
                    None => panic!("no event for subscription {id} within {EVENT_TIMEOUT:?}"),
                },
            };
            if message["id"] != id {
                continue;
            }
            match message["type"].as_str() {
                Some("next") => return message["payload"].clone(),
                _ => panic!("subscription {id} ended instead of delivering: {message}"),
            }
        }
    }

    /// Fails the test if any event arrives within [`QUIET_WINDOW`].
    pub async fn assert_quiet(&mut self) {
        if let Some(message) = self.pending.pop_front() {
            panic!("expected no event, got {message}");
        }
        match self.receive(QUIET_WINDOW).await {
            None => {}
            Some(Incoming::Message(message)) => panic!("expected no event, got {message}"),
            Some(Incoming::Closed(refusal)) => {
                panic!("the server closed the connection: {refusal:?}")
            }
        }
    }

    async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .expect("send a WebSocket message");
    }

    /// The next protocol message or close within `wait` (`None`: nothing).
    /// Protocol pings are answered here.
    async fn receive(&mut self, wait: Duration) -> Option<Incoming> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .ok()?;
            match frame {
                None => {
                    return Some(Incoming::Closed(Refusal {
                        code: 1006,
                        reason: String::new(),
                    }));
                }
                Some(Err(err)) => panic!("reading the WebSocket failed: {err}"),
                Some(Ok(Message::Text(text))) => {
                    let message: Value =
                        serde_json::from_str(text.as_str()).expect("a JSON protocol message");
                    if message["type"] == "ping" {
                        self.send(json!({"type": "pong"})).await;
                        continue;
                    }
                    return Some(Incoming::Message(message));
                }
                Some(Ok(Message::Close(frame))) => {
                    return Some(Incoming::Closed(match frame {
                        Some(frame) => Refusal {
                            code: u16::from(frame.code),
                            reason: frame.reason.to_string(),
                        },
                        None => Refusal {
                            code: 1005,
                            reason: String::new(),
                        },
                    }));
                }
                Some(Ok(_)) => {}
            }
        }
    }
}

/// `POST /graphql` with `query` and `variables`, signed in with `token` when
/// given; the response body as JSON.
pub async fn graphql(
    address: SocketAddr,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let body = json!({"query": query, "variables": variables}).to_string();
    let authorization = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n{authorization}\r\n{body}",
        body.len()
    );
    let raw = tokio::task::spawn_blocking(move || exchange(address, &request))
        .await
        .expect("request task")
        .expect("HTTP request");
    let (_, body) = raw.split_once("\r\n\r\n").expect("an HTTP response");
    serde_json::from_str(body).unwrap_or_else(|err| panic!("not JSON ({err}): {body:?}"))
}

/// `GET path` on a fresh connection; the status code and body.
pub async fn get(address: SocketAddr, path: &str) -> (u16, String) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    let raw = tokio::task::spawn_blocking(move || exchange(address, &request))
        .await
        .expect("request task")
        .expect("HTTP request");
    let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP response");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    (status, body.to_owned())
}

/// Sends `request` and reads until the server closes the connection.
fn exchange(address: SocketAddr, request: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(15)))?;
    stream.write_all(request.as_bytes())?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw)?;
    Ok(raw)
}
