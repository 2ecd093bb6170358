//! A webhook receiver for tests: a small HTTP/1.1 server on a free port
//! that records every request and answers as told (a status, a redirect,
//! or no answer at all), plus an independent Standard Webhooks verifier.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// One request as received.
#[derive(Clone, Debug)]
pub struct Received {
    /// The request path.
    pub path: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
    /// When it arrived (seconds since the Unix epoch, with fraction).
    pub at: f64,
}

impl Received {
    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

/// How the receiver answers.
#[derive(Clone, Debug)]
pub enum Reply {
    /// This status with this body.
    Status(u16, String),
    /// `307` to this location.
    Redirect(String),
    /// Reads the request and never answers.
    Hang,
}

/// A running receiver.
#[derive(Clone)]
pub struct Receiver {
    /// `http://127.0.0.1:<port>/hook`.
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    reply: Arc<Mutex<Reply>>,
    arrived: Arc<Notify>,
}

fn now_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

impl Receiver {
    /// Starts answering `200 ok` on a free port.
    pub async fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let receiver = Receiver {
            url: format!("http://127.0.0.1:{port}/hook"),
            received: Arc::default(),
            reply: Arc::new(Mutex::new(Reply::Status(200, "ok".into()))),
            arrived: Arc::new(Notify::new()),
        };
        let serving = receiver.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let serving = serving.clone();
                tokio::spawn(async move { serving.serve(stream).await });
            }
        });
        receiver
    }

    /// Answers the next requests with `reply`.
    pub fn reply(&self, reply: Reply) {
        *self.reply.lock().unwrap() = reply;
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests arrived (panics after `within`).
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let arrived = self.arrived.notified();
            let seen = self.received();
            if seen.len() >= n {
                return seen;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!(
                    "expected {n} webhook requests within {within:?}, got {}",
                    self.received().len()
                );
            }
        }
    }

    async fn serve(&self, mut stream: tokio::net::TcpStream) {
        loop {
            let mut buffer = Vec::new();
            let mut chunk = [0u8; 8192];
            let head_end = loop {
                if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                    break end;
                }
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                }
            };
            let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
            let mut lines = head.split("\r\n");
            let path = lines
                .next()
                .and_then(|l| l.split(' ').nth(1))
                .unwrap_or("")
                .to_owned();
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            let length: usize = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            let mut body = buffer[head_end + 4..].to_vec();
            while body.len() < length {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => body.extend_from_slice(&chunk[..n]),
                }
            }
            self.received.lock().unwrap().push(Received {
                path,
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
                at: now_seconds(),
            });
            self.arrived.notify_waiters();
            let reply = self.reply.lock().unwrap().clone();
            let answer = match reply {
                Reply::Hang => {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    return;
                }
                Reply::Status(status, body) => format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                ),
                Reply::Redirect(to) => format!(
                    "HTTP/1.1 307 Temporary Redirect\r\nlocation: {to}\r\ncontent-length: 0\r\n\r\n"
                ),
            };
            if stream.write_all(answer.as_bytes()).await.is_err() {
                return;
            }
        }
    }
}

/// Verifies a delivery as a receiver following Standard Webhooks would,
/// written from the specification (not from the service's code): the
/// signature of `id.timestamp.body` under any listed `v1` signature, and a
/// timestamp no more than 5 minutes from `now` (seconds since the epoch).
pub fn verify(secret: &str, received: &Received, now: i64) -> Result<(), String> {
    use base64ct::{Base64, Encoding};
    use hmac::{Hmac, KeyInit, Mac};
    let id = received.header("webhook-id");
    let timestamp = received.header("webhook-timestamp");
    let signatures = received.header("webhook-signature");
    let sent: i64 = timestamp.parse().map_err(|_| "no timestamp".to_owned())?;
    if (now - sent).abs() > 5 * 60 {
        return Err(format!(
            "timestamp {sent} is more than 5 minutes from {now}"
        ));
    }
    let key = Base64::decode_vec(secret.trim_start_matches("whsec_")).map_err(|e| e.to_string())?;
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(format!("{id}.{timestamp}.{}", received.body).as_bytes());
    let expected = Base64::encode_string(&mac.finalize().into_bytes());
    if signatures
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|s| s == expected)
    {
        Ok(())
    } else {
        Err(format!("no signature matches among {signatures:?}"))
    }
}
