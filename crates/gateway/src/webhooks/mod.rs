//! The webhook worker of one gateway: it dispatches committed events into
//! deliveries and makes the attempts that are due, signed as Standard
//! Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
//!
//! It wakes on every local commit and on other gateways' notifications,
//! and polls once a second besides, so an event whose wake-up was lost is
//! at most that late. Claims are shared safely by any number of gateways
//! (see `domain::webhook::delivery`).

pub mod net;
pub mod sign;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use domain::webhook::delivery::{self, Attempt, Due};
use reqwest::header::{CONTENT_TYPE, HeaderValue, LOCATION, USER_AGENT};
use sea_orm::DatabaseConnection;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::config::WebhookSettings;

/// How long one attempt may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claimed delivery is held before another sender may take it
/// over (an attempt's timeout plus room to record it).
pub const LEASE: chrono::Duration = chrono::Duration::seconds(20);
/// Most bytes of a response read (the log keeps the first KiB).
const READ_AT_MOST: usize = 16 * 1024;
/// Attempts in flight at once per gateway.
const IN_FLIGHT: usize = 32;
/// Events dispatched per transaction.
const DISPATCH_BATCH: u64 = 200;
/// The poll between wake-ups.
const POLL: Duration = Duration::from_secs(1);
/// The least time between two rounds: under load every commit wakes the
/// worker, and one round per commit would take the database's write lock
/// as often as the requests do; rounds this far apart batch the events.
const COALESCE: Duration = Duration::from_millis(20);

/// Makes one HTTP attempt of a delivery.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    policy: WebhookSettings,
}

impl Sender {
    /// A sender under `policy`: no redirects, [`TIMEOUT`], addresses
    /// checked when connecting, no proxy from the environment.
    pub fn new(policy: WebhookSettings) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .no_proxy()
            .dns_resolver(Arc::new(net::GuardedResolver {
                allow_private: policy.allow_private,
            }))
            .build()
            .map_err(|err| format!("cannot build the webhook HTTP client: {err}"))?;
        Ok(Sender { client, policy })
    }

    /// The policy URLs are checked against.
    pub fn policy(&self) -> WebhookSettings {
        self.policy
    }

    /// Sends `due` once, signed with the endpoint's secrets valid at `now`.
    pub async fn attempt(&self, due: &Due, now: DateTime<Utc>) -> Attempt {
        let started = Instant::now();
        let mut attempt = Attempt {
            started_at: now,
            ..Attempt::default()
        };
        let finish = |mut attempt: Attempt| {
            attempt.duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
            attempt
        };
        let url = match net::check_url(&due.endpoint.url, self.policy) {
            Ok(url) => url,
            Err(reason) => {
                attempt.error = Some(format!("the endpoint URL {reason}"));
                return finish(attempt);
            }
        };
        let id = due.message_id();
        let body = due.body();
        // The signed time is the sending time: receivers refuse old ones.
        let timestamp = Utc::now().timestamp();
        let secrets = domain::webhook::signing_secrets(&due.endpoint, now);
        let signature = sign::header(&secrets, &id, timestamp, &body);
        let sent = self
            .client
            .post(url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(
                USER_AGENT,
                HeaderValue::from_static("interview-planner-webhooks/1"),
            )
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(err) => {
                attempt.error = Some(describe(&err));
                return finish(attempt);
            }
        };
        let status = response.status();
        attempt.status_code = Some(status.as_u16());
        if status.is_redirection() {
            let to = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("?");
            attempt.error = Some(format!(
                "answered {status} to {}: redirects are not followed; register the final URL",
                to.chars().take(200).collect::<String>()
            ));
        } else if !status.is_success() {
            attempt.error = Some(format!("answered {status}"));
        }
        let mut read = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = READ_AT_MOST.saturating_sub(read.len());
                    read.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    if read.len() >= READ_AT_MOST {
                        break;
                    }
                }
                Ok(None) => break,
                Err(err) => {
                    if attempt.error.is_none() && !status.is_success() {
                        attempt.error = Some(describe(&err));
                    }
                    break;
                }
            }
        }
        attempt.excerpt = delivery::excerpt(&String::from_utf8_lossy(&read));
        finish(attempt)
    }
}

/// A delivery error in a sentence, with its causes (the resolver's refusal
/// sits a few sources down).
fn describe(err: &reqwest::Error) -> String {
    let mut text = if err.is_timeout() {
        format!("no answer within {} seconds", TIMEOUT.as_secs())
    } else if err.is_connect() {
        "could not connect".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(500).collect()
}

/// The worker's state: what it sends with and where it records.
#[derive(Clone)]
pub struct Worker {
    db: DatabaseConnection,
    sender: Sender,
    permits: Arc<Semaphore>,
}

impl Worker {
    /// A worker on `db` sending through `sender`.
    pub fn new(db: DatabaseConnection, sender: Sender) -> Self {
        Worker {
            db,
            sender,
            permits: Arc::new(Semaphore::new(IN_FLIGHT)),
        }
    }

    /// The policy endpoint URLs are checked against.
    pub fn policy(&self) -> WebhookSettings {
        self.sender.policy()
    }

    /// Runs for ever in the background.
    pub fn start(self) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut wakeups = domain::event::wakeups();
            loop {
                self.tick(Utc::now()).await;
                tokio::time::sleep(COALESCE).await;
                tokio::select! {
                    _ = wakeups.changed() => {}
                    _ = tokio::time::sleep(POLL) => {}
                }
            }
        })
    }

    /// One round at `now`: dispatch every undispatched event, then start
    /// every due attempt there is room for. Returns how many events were
    /// dispatched and attempts started.
    pub async fn tick(&self, now: DateTime<Utc>) -> (usize, usize) {
        let mut dispatched = 0;
        loop {
            match delivery::dispatch(&self.db, now, DISPATCH_BATCH).await {
                Ok(events) => {
                    dispatched += events.len();
                    if (events.len() as u64) < DISPATCH_BATCH {
                        break;
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "dispatching events to webhooks failed; retrying");
                    break;
                }
            }
        }
        let room = self.permits.available_permits() as u64;
        if room == 0 {
            return (dispatched, 0);
        }
        let due = match delivery::claim_due(&self.db, now, LEASE, room).await {
            Ok(due) => due,
            Err(err) => {
                tracing::warn!(error = %err, "claiming due webhook deliveries failed; retrying");
                return (dispatched, 0);
            }
        };
        let started = due.len();
        for one in due {
            let Ok(permit) = self.permits.clone().try_acquire_owned() else {
                break;
            };
            let worker = self.clone();
            tokio::spawn(async move {
                worker.deliver(&one, now, true).await;
                drop(permit);
            });
        }
        (dispatched, started)
    }

    /// Makes the attempt of `due` and records it (with `retry`, scheduling
    /// the next one on failure).
    pub async fn deliver(
        &self,
        due: &Due,
        now: DateTime<Utc>,
        retry: bool,
    ) -> Option<domain::entity::webhook_attempt::Model> {
        let attempt = self.sender.attempt(due, now).await;
        let succeeded = attempt.succeeded();
        match delivery::finish(&self.db, due, &attempt, now, retry).await {
            Ok(logged) => {
                if !succeeded {
                    tracing::info!(
                        endpoint_id = %due.endpoint.id,
                        delivery_id = %due.delivery.id,
                        attempt = logged.attempt,
                        status = ?attempt.status_code,
                        error = attempt.error.as_deref().unwrap_or(""),
                        "a webhook attempt failed"
                    );
                }
                Some(logged)
            }
            Err(err) => {
                tracing::error!(error = %err, delivery_id = %due.delivery.id,
                    "recording a webhook attempt failed; the delivery is retried when its lease ends");
                None
            }
        }
    }

    /// Waits until every attempt in flight has finished (tests).
    pub async fn idle(&self) {
        let _all = self.permits.acquire_many(IN_FLIGHT as u32).await;
    }
}
