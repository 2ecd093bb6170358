//! Where audit entries go: mutations are written before their response is
//! sent (the request waits for its entry to be committed, but entries of
//! concurrent mutations share one transaction, so the log does not double
//! the number of write transactions); reads are queued to a background
//! writer, so a dashboard's reads never wait for the log. A read that finds the queue full is counted in
//! `/metrics` (`audit_entries_dropped_total`) and logged, never dropped
//! silently.

use std::time::Duration;

use domain::audit::NewEntry;
use prometheus_client::metrics::counter::Counter;
use sea_orm::DatabaseConnection;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Reads waiting to be written before new ones are dropped.
const QUEUE: usize = 10_000;
/// Most entries written in one transaction.
const BATCH: usize = 500;

/// The counters the audit log reports in `/metrics`.
#[derive(Clone, Debug, Default)]
pub struct AuditCounters {
    /// Read entries dropped because the queue was full.
    pub dropped: Counter,
    /// Entries that could not be written (the database refused them).
    pub failed: Counter,
}

/// The audit log's writer; cheap to clone.
#[derive(Clone, Debug)]
pub struct AuditLog {
    mutations: mpsc::Sender<Pending>,
    reads: mpsc::Sender<NewEntry>,
    counters: AuditCounters,
}

/// Mutation entries waiting to be committed, and who waits for them.
#[derive(Debug)]
struct Pending {
    entries: Vec<NewEntry>,
    written: tokio::sync::oneshot::Sender<bool>,
}

impl AuditLog {
    /// The log on `db`, with its background writer of reads.
    pub fn start(db: DatabaseConnection, counters: AuditCounters) -> (Self, JoinHandle<()>) {
        let (reads, queue) = mpsc::channel(QUEUE);
        let (mutations, waiting) = mpsc::channel(QUEUE);
        let writer = tokio::spawn(write_all(db, waiting, queue, counters.clone()));
        (
            AuditLog {
                mutations,
                reads,
                counters,
            },
            writer,
        )
    }

    /// Writes mutation entries, returning once they are committed (with
    /// those of other mutations waiting at the same time).
    pub async fn mutations(&self, entries: Vec<NewEntry>) {
        let count = entries.len() as u64;
        let (written, done) = tokio::sync::oneshot::channel();
        let queued = self.mutations.send(Pending { entries, written }).await;
        if queued.is_err() || !done.await.unwrap_or(false) {
            self.counters.failed.inc_by(count);
            tracing::error!(entries = count, "writing audit entries of mutations failed");
        }
    }

    /// Queues read entries for the background writer.
    pub fn reads(&self, entries: Vec<NewEntry>) {
        for entry in entries {
            if let Err(err) = self.reads.try_send(entry) {
                self.counters.dropped.inc();
                let entry = match err {
                    mpsc::error::TrySendError::Full(entry)
                    | mpsc::error::TrySendError::Closed(entry) => entry,
                };
                tracing::warn!(
                    operation = entry.operation,
                    request_id = entry.request_id,
                    "the audit queue is full: a read entry was dropped (counted in \
                     audit_entries_dropped_total)"
                );
            }
        }
    }
}

/// Writes what waits: mutation entries first (their requests wait), each
/// batch in one transaction, then queued reads; until both queues close.
async fn write_all(
    db: DatabaseConnection,
    mut mutations: mpsc::Receiver<Pending>,
    reads: mpsc::Receiver<NewEntry>,
    counters: AuditCounters,
) {
    let reads = tokio::spawn(write_reads(db.clone(), reads, counters));
    let mut batch = Vec::with_capacity(BATCH);
    while mutations.recv_many(&mut batch, BATCH).await > 0 {
        let waiting = std::mem::take(&mut batch);
        let entries: Vec<NewEntry> = waiting.iter().flat_map(|p| p.entries.clone()).collect();
        let count = entries.len();
        let ok = match domain::audit::write(&db, entries).await {
            Ok(()) => true,
            Err(err) => {
                tracing::error!(error = %err, entries = count, "writing audit entries of mutations failed");
                false
            }
        };
        for pending in waiting {
            let _ = pending.written.send(ok);
        }
    }
    let _ = reads.await;
}

/// Writes queued reads in batches until the queue closes.
async fn write_reads(
    db: DatabaseConnection,
    mut queue: mpsc::Receiver<NewEntry>,
    counters: AuditCounters,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut batch, BATCH).await > 0 {
        let entries = std::mem::take(&mut batch);
        let count = entries.len() as u64;
        let mut pending = Some(entries);
        // One retry after a pause: a busy SQLite writer or a failover.
        for pause in [Duration::ZERO, Duration::from_millis(500)] {
            tokio::time::sleep(pause).await;
            let Some(entries) = pending.take() else { break };
            match domain::audit::write(&db, entries.clone()).await {
                Ok(()) => {}
                Err(err) => {
                    tracing::warn!(error = %err, entries = count, "writing audit entries of reads failed");
                    pending = Some(entries);
                }
            }
        }
        if pending.is_some() {
            counters.failed.inc_by(count);
        }
    }
}

/// Deletes entries past the retention period once an hour.
pub async fn prune_task(db: DatabaseConnection, retention_days: u32) {
    let retention = chrono::Duration::days(i64::from(retention_days));
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        match domain::audit::prune(&db, chrono::Utc::now(), retention).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, retention_days, "pruned old audit entries"),
            Err(err) => tracing::warn!(error = %err, "pruning audit entries failed"),
        }
    }
}
