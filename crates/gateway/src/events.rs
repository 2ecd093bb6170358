//! Waking this gateway when another gateway commits events
//! (docs/domain.md §5 scaling out).
//!
//! Events live in the database's outbox (`domain::event`); every reader
//! (the webhook dispatcher, live subscriptions) reads them from there after
//! a cursor. A commit on this gateway wakes its readers directly; on
//! PostgreSQL each committing transaction also sends an empty `NOTIFY` on
//! [`domain::event::CHANNEL`], and this listener turns every notification
//! into a local wake-up. A notification carries nothing: one that is lost
//! (a dropped connection) delays readers until their next poll, it never
//! loses an event.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_orm::sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use sea_orm::{DatabaseConnection, DbBackend};
use tokio::task::JoinHandle;

use domain::event::CHANNEL;

/// First wait before listening again after the connection failed.
const FIRST_RETRY: Duration = Duration::from_millis(250);
/// Longest wait between attempts to listen again.
const LAST_RETRY: Duration = Duration::from_secs(30);

/// Listens for other gateways' commits; cheap to clone.
#[derive(Clone, Default)]
pub struct EventListener {
    task: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl EventListener {
    /// Nothing to listen to: this process is the only writer (SQLite, tests).
    pub fn in_process() -> Self {
        Self::default()
    }

    /// The listener for `db`: none on SQLite; on PostgreSQL a task that
    /// holds one connection of its own (outside the request pool) in
    /// `LISTEN`. Returns once it listens, or while it keeps retrying in the
    /// background if the first attempt failed.
    pub async fn start(db: &DatabaseConnection) -> Self {
        if db.get_database_backend() != DbBackend::Postgres {
            return Self::in_process();
        }
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
                    "cannot LISTEN for other gateways' events yet; this gateway polls until it can");
                None
            }
        };
        let task = tokio::spawn(forward(pool, first));
        EventListener {
            task: Arc::new(Mutex::new(Some(task))),
        }
    }

    /// Stops listening (when the server stops).
    pub fn stop(&self) {
        if let Ok(mut slot) = self.task.lock()
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

/// Turns notifications into wake-ups for ever, listening again with
/// growing pauses whenever the connection fails (and waking readers after
/// each reconnection, since notifications may have been missed).
async fn forward(pool: PgPool, mut listener: Option<PgListener>) {
    let mut retry = FIRST_RETRY;
    loop {
        let mut active = match listener.take() {
            Some(active) => active,
            None => {
                tokio::time::sleep(retry).await;
                retry = (retry * 2).min(LAST_RETRY);
                match listen(&pool).await {
                    Ok(active) => {
                        tracing::info!(
                            channel = CHANNEL,
                            "listening for other gateways' events again"
                        );
                        domain::event::wake();
                        active
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, retry_in = ?retry,
                            "cannot LISTEN for other gateways' events; retrying");
                        continue;
                    }
                }
            }
        };
        retry = FIRST_RETRY;
        loop {
            match active.try_recv().await {
                Ok(Some(_)) => domain::event::wake(),
                // sqlx has already reconnected and listens again.
                Ok(None) => domain::event::wake(),
                Err(err) => {
                    tracing::warn!(error = %err, channel = CHANNEL,
                        "the LISTEN connection failed; listening again shortly");
                    break;
                }
            }
        }
    }
}
