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

/// How long a batch of reads that could not be written waits before its
/// one retry (a busy SQLite writer, a failover).
const RETRY_AFTER: Duration = Duration::from_millis(500);

/// Writes queued reads in batches until the queue closes.
async fn write_reads(
    db: DatabaseConnection,
    queue: mpsc::Receiver<NewEntry>,
    counters: AuditCounters,
) {
    drain(queue, counters, |entries| {
        let db = db.clone();
        async move { domain::audit::write(&db, entries).await }
    })
    .await;
}

/// How long the first read of a batch waits for more to join it: a quiet
/// service writes at most a few transactions a second instead of one per
/// read, and a busy one fills [`BATCH`] without waiting.
const LINGER: Duration = Duration::from_millis(100);

/// Takes what waits in `queue` to `write` until the queue closes: a batch
/// is what arrives within [`LINGER`] of its first entry, up to [`BATCH`]
/// entries, and is written as soon as it is complete. Only a batch that
/// failed waits, [`RETRY_AFTER`], for its one retry: a pause after every
/// batch would cap the log at [`BATCH`] entries per pause, far below what a
/// busy dashboard reads, and the queue would overflow.
async fn drain<W, F>(mut queue: mpsc::Receiver<NewEntry>, counters: AuditCounters, mut write: W)
where
    W: FnMut(Vec<NewEntry>) -> F,
    F: std::future::Future<Output = domain::Result<()>>,
{
    let mut batch = Vec::with_capacity(BATCH);
    while queue.recv_many(&mut batch, BATCH).await > 0 {
        let deadline = tokio::time::Instant::now() + LINGER;
        while batch.len() < BATCH {
            let room = BATCH - batch.len();
            let more = queue.recv_many(&mut batch, room);
            match tokio::time::timeout_at(deadline, more).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let entries = std::mem::take(&mut batch);
        let count = entries.len() as u64;
        let mut written = false;
        for attempt in 0..2 {
            if attempt > 0 {
                tokio::time::sleep(RETRY_AFTER).await;
            }
            match write(entries.clone()).await {
                Ok(()) => {
                    written = true;
                    break;
                }
                Err(err) => {
                    tracing::warn!(error = %err, entries = count, "writing audit entries of reads failed");
                }
            }
        }
        if !written {
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

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    fn read(n: usize) -> NewEntry {
        NewEntry {
            organization_id: None,
            actor_id: None,
            operation: "candidateReport".to_owned(),
            kind: domain::audit::Kind::Read,
            outcome: "OK".to_owned(),
            client_ip: "127.0.0.1".to_owned(),
            request_id: n.to_string(),
            at: chrono::Utc::now(),
            subjects: Vec::new(),
        }
    }

    /// Runs [`drain`] over `entries` queued at once, with a writer that
    /// fails its first `failures` calls; returns when each call came
    /// (on tokio's paused clock, which moves only when a task sleeps) and
    /// how many entries it was given, and the failed count.
    async fn drained(entries: usize, failures: usize) -> (Vec<(Duration, usize)>, u64) {
        let (sender, queue) = mpsc::channel(QUEUE);
        for n in 0..entries {
            sender.try_send(read(n)).expect("room in the queue");
        }
        drop(sender);
        let start = tokio::time::Instant::now();
        let calls = Arc::new(Mutex::new(Vec::new()));
        let counters = AuditCounters::default();
        let seen = calls.clone();
        drain(queue, counters.clone(), move |batch| {
            let mut seen = seen.lock().expect("calls");
            seen.push((start.elapsed(), batch.len()));
            let fail = seen.len() <= failures;
            async move {
                match fail {
                    true => Err(domain::Error::Internal("refused".to_owned())),
                    false => Ok(()),
                }
            }
        })
        .await;
        let calls = calls.lock().expect("calls").clone();
        (calls, counters.failed.get())
    }

    #[tokio::test(start_paused = true)]
    async fn batches_that_succeed_follow_each_other_without_a_pause() {
        let (calls, failed) = drained(3 * BATCH + 1, 0).await;
        let sizes: Vec<usize> = calls.iter().map(|(_, n)| *n).collect();
        assert_eq!(sizes, [BATCH, BATCH, BATCH, 1]);
        assert!(calls.iter().all(|(at, _)| at.is_zero()), "{calls:?}");
        assert_eq!(failed, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn reads_that_trickle_in_are_written_together() {
        let (sender, queue) = mpsc::channel(QUEUE);
        let start = tokio::time::Instant::now();
        // One read every 30 ms from 0 to 120 ms; the queue closes at 400.
        tokio::spawn(async move {
            for n in 0..5 {
                tokio::time::sleep_until(start + Duration::from_millis(30 * n)).await;
                sender
                    .try_send(read(n as usize))
                    .expect("room in the queue");
            }
            tokio::time::sleep_until(start + Duration::from_millis(400)).await;
            drop(sender);
        });
        let calls = Arc::new(Mutex::new(Vec::new()));
        let seen = calls.clone();
        drain(queue, AuditCounters::default(), move |batch| {
            seen.lock()
                .expect("calls")
                .push((start.elapsed(), batch.len()));
            async { Ok(()) }
        })
        .await;
        let calls = calls.lock().expect("calls").clone();
        // 0, 30, 60 and 90 ms within the first one's linger; 120 alone.
        let expected = [(LINGER, 4), (Duration::from_millis(120) + LINGER, 1)];
        assert_eq!(calls, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_batch_is_retried_once_after_a_pause_then_counted() {
        let (calls, failed) = drained(BATCH + 1, 1).await;
        let at: Vec<Duration> = calls.iter().map(|(at, _)| *at).collect();
        assert_eq!(at, [Duration::ZERO, RETRY_AFTER, RETRY_AFTER]);
        assert_eq!(failed, 0, "the retry wrote it");

        let (calls, failed) = drained(BATCH + 1, 2).await;
        let sizes: Vec<usize> = calls.iter().map(|(_, n)| *n).collect();
        assert_eq!(sizes, [BATCH, BATCH, 1], "the next batch is not held up");
        assert_eq!(failed, BATCH as u64);
    }
}
