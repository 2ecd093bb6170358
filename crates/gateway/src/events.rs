//! Scorecard events, from the mutation that submits a scorecard to the
//! subscriptions that deliver it (docs/domain.md §3 `Subscription`, §5 scaling out).
//!
//! Each gateway keeps one local `broadcast` channel that its subscriptions
//! read. A published event always goes into the publishing gateway's own
//! channel. On PostgreSQL it is also sent with `pg_notify` on
//! [`CHANNEL`]; every gateway on the database `LISTEN`s there and forwards
//! what other gateways published into its own channel, so a subscriber on
//! any gateway sees a submission made on any other.
//!
//! Events are hints, not records: they carry ids only, and each subscription
//! re-reads the scorecard for its own caller, so tenancy and the blind rule
//! are decided by the domain, never by the event.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::entity::scorecard;
use sea_orm::sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use sea_orm::{DatabaseConnection, DbBackend};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// The PostgreSQL notification channel every gateway listens on.
pub const CHANNEL: &str = "scorecard_submitted";

/// Events a slow subscriber may fall behind by before it skips some.
const CAPACITY: usize = 1024;
/// First wait before listening again after the connection failed.
const FIRST_RETRY: Duration = Duration::from_millis(250);
/// Longest wait between attempts to listen again.
const LAST_RETRY: Duration = Duration::from_secs(30);

/// A scorecard was submitted. Only ids: receivers read the rest themselves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScorecardSubmitted {
    /// The organization it belongs to.
    pub organization_id: Uuid,
    /// The candidate it assesses.
    pub candidate_id: Uuid,
    /// The scorecard.
    pub scorecard_id: Uuid,
}

impl ScorecardSubmitted {
    /// The event for a just-submitted `card`.
    pub fn of(card: &scorecard::Model) -> Self {
        ScorecardSubmitted {
            organization_id: card.organization_id,
            candidate_id: card.candidate_id,
            scorecard_id: card.id,
        }
    }
}

/// What travels in a notification: the event and the gateway that sent it
/// (which already delivered it locally and skips its own notification).
#[derive(Debug, Serialize, Deserialize)]
struct Notification {
    gateway: Uuid,
    #[serde(flatten)]
    event: ScorecardSubmitted,
}

/// Publishes and delivers scorecard events; cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    inner: Arc<Inner>,
}

struct Inner {
    /// This gateway's identity in notifications.
    gateway: Uuid,
    local: broadcast::Sender<ScorecardSubmitted>,
    /// Where other gateways hear of events (`None`: this process only).
    postgres: Option<DatabaseConnection>,
    listener: Mutex<Option<JoinHandle<()>>>,
}

impl EventBus {
    /// A bus reaching this process's subscribers only (SQLite, tests).
    pub fn in_process() -> Self {
        Self::with(None)
    }

    fn with(postgres: Option<DatabaseConnection>) -> Self {
        let (local, _) = broadcast::channel(CAPACITY);
        EventBus {
            inner: Arc::new(Inner {
                gateway: Uuid::now_v7(),
                local,
                postgres,
                listener: Mutex::new(None),
            }),
        }
    }

    /// The bus for `db`: in-process on SQLite; on PostgreSQL, also shared
    /// with every gateway on the database. Returns once this gateway
    /// listens (or, if the first attempt failed, while it keeps retrying in
    /// the background), so events published after start-up reach it.
    pub async fn start(db: &DatabaseConnection) -> Self {
        if db.get_database_backend() != DbBackend::Postgres {
            return Self::in_process();
        }
        let bus = Self::with(Some(db.clone()));
        // A connection of its own, outside the service's pool: LISTEN holds
        // it for the life of the process, and the pool's size is for requests.
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .max_lifetime(None)
            .idle_timeout(None)
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy_with(
                db.get_postgres_connection_pool()
                    .connect_options()
                    .as_ref()
                    .clone(),
            );
        let first = match listen(&pool).await {
            Ok(listener) => Some(listener),
            Err(err) => {
                tracing::warn!(error = %err, channel = CHANNEL,
                    "cannot LISTEN for scorecard events yet; subscribers on this gateway miss \
                     other gateways' events until it can; retrying");
                None
            }
        };
        let task = tokio::spawn(forward(
            pool,
            first,
            bus.inner.local.clone(),
            bus.inner.gateway,
        ));
        if let Ok(mut slot) = bus.inner.listener.lock() {
            *slot = Some(task);
        }
        bus
    }

    /// Announces a submitted scorecard to every subscriber of every gateway.
    ///
    /// Never fails the caller: the scorecard is already committed, and a
    /// failed announcement only costs live subscribers an update they will
    /// see on their next read. A failure is logged.
    pub async fn publish(&self, event: ScorecardSubmitted) {
        // No receivers is not an error: nobody is subscribed right now.
        let _ = self.inner.local.send(event);
        let Some(db) = &self.inner.postgres else {
            return;
        };
        let payload = match serde_json::to_string(&Notification {
            gateway: self.inner.gateway,
            event,
        }) {
            Ok(payload) => payload,
            Err(err) => {
                tracing::error!(error = %err, "cannot encode a scorecard event");
                return;
            }
        };
        if let Err(err) = domain::db::notify(db, CHANNEL, &payload).await {
            tracing::error!(error = %err, scorecard_id = %event.scorecard_id,
                "pg_notify failed: subscribers on other gateways miss this submission");
        }
    }

    /// A receiver of every event from now on (all organizations: the
    /// subscriber filters).
    pub fn subscribe(&self) -> broadcast::Receiver<ScorecardSubmitted> {
        self.inner.local.subscribe()
    }

    /// Stops listening to other gateways (when the server stops).
    pub fn stop(&self) {
        if let Ok(mut slot) = self.inner.listener.lock()
            && let Some(task) = slot.take()
        {
            task.abort();
        }
    }
}

/// A listener on [`CHANNEL`] over `pool`'s connection.
async fn listen(pool: &PgPool) -> Result<PgListener, sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Forwards other gateways' notifications into `local` for ever, listening
/// again with growing pauses whenever the connection fails.
async fn forward(
    pool: PgPool,
    mut listener: Option<PgListener>,
    local: broadcast::Sender<ScorecardSubmitted>,
    gateway: Uuid,
) {
    let mut retry = FIRST_RETRY;
    loop {
        let mut active = match listener.take() {
            Some(active) => active,
            None => {
                tokio::time::sleep(retry).await;
                retry = (retry * 2).min(LAST_RETRY);
                match listen(&pool).await {
                    Ok(active) => {
                        tracing::info!(channel = CHANNEL, "listening for scorecard events again");
                        active
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, retry_in = ?retry,
                            "cannot LISTEN for scorecard events; retrying");
                        continue;
                    }
                }
            }
        };
        retry = FIRST_RETRY;
        loop {
            match active.try_recv().await {
                Ok(Some(notification)) => deliver(&local, gateway, notification.payload()),
                // sqlx has already reconnected and listens again.
                Ok(None) => tracing::warn!(
                    channel = CHANNEL,
                    "the LISTEN connection dropped and was re-established; events published \
                     meanwhile on other gateways were missed"
                ),
                Err(err) => {
                    tracing::warn!(error = %err, channel = CHANNEL,
                        "the LISTEN connection failed; listening again shortly");
                    break;
                }
            }
        }
    }
}

/// Puts one notification's event into `local`, unless this gateway sent it.
fn deliver(local: &broadcast::Sender<ScorecardSubmitted>, gateway: Uuid, payload: &str) {
    match serde_json::from_str::<Notification>(payload) {
        Ok(notification) if notification.gateway == gateway => {}
        Ok(notification) => {
            let _ = local.send(notification.event);
        }
        Err(err) => {
            tracing::warn!(error = %err, payload, "ignored a malformed scorecard notification");
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn event() -> ScorecardSubmitted {
        ScorecardSubmitted {
            organization_id: Uuid::now_v7(),
            candidate_id: Uuid::now_v7(),
            scorecard_id: Uuid::now_v7(),
        }
    }

    #[tokio::test]
    async fn an_in_process_bus_delivers_to_every_subscriber() {
        let bus = EventBus::in_process();
        let mut one = bus.subscribe();
        let mut two = bus.subscribe();
        let sent = event();
        bus.publish(sent).await;
        assert_eq!(one.recv().await.unwrap(), sent);
        assert_eq!(two.recv().await.unwrap(), sent);
    }

    #[test]
    fn a_gateway_forwards_other_gateways_notifications_but_not_its_own() {
        let (local, mut received) = broadcast::channel(4);
        let me = Uuid::now_v7();
        let own = event();
        let other = event();
        let encode = |gateway, event| serde_json::to_string(&Notification { gateway, event });
        deliver(&local, me, &encode(me, own).unwrap());
        deliver(&local, me, "not json");
        deliver(&local, me, &encode(Uuid::now_v7(), other).unwrap());
        assert_eq!(received.try_recv().unwrap(), other);
        assert!(
            received.try_recv().is_err(),
            "only the other gateway's event"
        );
    }

    #[test]
    fn a_notification_is_a_flat_json_object_of_ids() {
        let sent = event();
        let gateway = Uuid::now_v7();
        let json = serde_json::to_value(Notification {
            gateway,
            event: sent,
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "gateway": gateway,
                "organization_id": sent.organization_id,
                "candidate_id": sent.candidate_id,
                "scorecard_id": sent.scorecard_id,
            })
        );
    }
}
