//! Password hashing with argon2id at OWASP's recommended parameters
//! (19 MiB memory, 2 iterations, 1 lane), always off the async executor
//! and never more than a few at once.
//!
//! Each hash holds 19 MiB for tens of milliseconds, so a burst of sign-ins
//! or new users could otherwise take every core and gigabytes of memory.
//! At most [`HashLimits::concurrency`] run at once; up to
//! [`HashLimits::queue`] more wait their turn in order; beyond that a
//! request is refused at once with [`Error::Overloaded`] (`RATE_LIMITED` at
//! the API), before any hashing.
//!
//! Hashes run on threads of their own whose scheduling priority is lowered
//! by [`HashLimits::nice`] (Linux): when the machine is busy, the requests
//! beside a sign-in get the cores first and the sign-in waits a little
//! longer; when it is idle, a hash runs at full speed.
//!
//! A priority only orders the use of a core, and an argon2id hash also
//! sweeps 19 MiB of memory, which slows everything that shares the
//! caches, PostgreSQL's processes included: a steady stream of sign-ins
//! cost the dashboard page a quarter of its throughput whatever the nice
//! value (even `SCHED_IDLE`). So each hashing thread also keeps to a share
//! of one core over time ([`HashLimits::share`]): after a hash that used
//! `t` of CPU time it rests `t · (100 − share) / share` before the next,
//! and the sign-ins beyond what that share allows wait in the queue.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, OnceLock, mpsc};
use std::time::Duration;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::{Error, Result};
use crate::types::Password;

/// How many hashes may run and wait at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashLimits {
    /// Hashes computed at the same time.
    pub concurrency: usize,
    /// Requests that may wait for a turn.
    pub queue: usize,
    /// How much lower than the rest of the process the hashing threads are
    /// scheduled: a nice value, 0 (the same) to 19 (the lowest).
    pub nice: i32,
    /// Percent of one core each hashing thread may use over time, 1 to 100
    /// (100: no rest between hashes).
    pub share: u32,
}

/// The hashing threads' share of a core in a server when the operator
/// sets none (the gateway's configuration applies it): with one hash of
/// about 50 ms, some 2 sign-ins a second per thread. Beside 16 clients
/// of the dashboard page on 2 cores, 4 clients signing in then cost no
/// more than the noise between runs; at 15 % and 25 % they took up to
/// 20 % and 15 % of the page's throughput and raised its p99 by up to
/// 35 % and 27 %. Without a configuration (command-line tools, tests)
/// hashes do not rest.
pub const DEFAULT_SHARE: u32 = 10;

/// The hashing threads' nice value when the operator sets none: at 10 a
/// busy hashing thread gets about a tenth of the CPU time of a request
/// thread competing for the same core.
pub const DEFAULT_NICE: i32 = 10;

impl Default for HashLimits {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        HashLimits {
            concurrency: cores.saturating_sub(1).max(1),
            queue: 32,
            nice: DEFAULT_NICE,
            share: 100,
        }
    }
}

/// Work for a hashing thread.
type Job = Box<dyn FnOnce() + Send>;

struct Gate {
    limits: HashLimits,
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    jobs: mpsc::Sender<Job>,
}

static LIMITS: OnceLock<HashLimits> = OnceLock::new();
static GATE: LazyLock<Gate> =
    LazyLock::new(|| Gate::new(LIMITS.get().copied().unwrap_or_default()));

/// Sets the process's limits; only the first call before any hashing takes
/// effect (later calls return `false`).
pub fn configure(limits: HashLimits) -> bool {
    LIMITS.set(limits).is_ok() && LazyLock::force(&GATE).limits == limits
}

/// The limits in force.
pub fn limits() -> HashLimits {
    GATE.limits
}

impl Gate {
    /// The gate with its hashing threads, one per permit. The threads end
    /// when the gate is dropped.
    fn new(limits: HashLimits) -> Gate {
        let threads = limits.concurrency.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads {
            let queue = queue.clone();
            let started = std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || hashing_thread(&queue, limits.nice, limits.share));
            if let Err(err) = started {
                tracing::error!(%err, "could not start a password hashing thread");
            }
        }
        Gate {
            limits,
            permits: Arc::new(Semaphore::new(threads)),
            waiting: AtomicUsize::new(0),
            jobs,
        }
    }

    /// Runs `work` on a hashing thread once a slot is free, or refuses at
    /// once when the queue is full.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let gate = self;
        let permit = match gate.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if gate.waiting.fetch_add(1, Ordering::SeqCst) >= gate.limits.queue {
                    gate.waiting.fetch_sub(1, Ordering::SeqCst);
                    return Err(Error::Overloaded);
                }
                let permit = gate.permits.clone().acquire_owned().await;
                gate.waiting.fetch_sub(1, Ordering::SeqCst);
                permit
                    .map_err(|_| Error::Internal("the password hashing gate was closed".into()))?
            }
        };
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _slot = permit;
            // The caller may have gone (a dropped request): nothing to tell.
            let _ = answer.send(work());
        });
        gate.jobs
            .send(job)
            .map_err(|_| Error::Internal("no password hashing thread is running".into()))?;
        answered.await.map_err(|_| {
            Error::Internal("password hashing stopped before it answered (a panic)".into())
        })?
    }
}

/// How long a hashing thread rests after a hash that took `took`, to keep
/// to `share` percent of a core.
fn rest_after(took: Duration, share: u32) -> Duration {
    let share = share.clamp(1, 100);
    took.saturating_mul(100 - share) / share
}

/// Runs jobs one after the other until the gate is dropped, at `nice`,
/// resting between them to keep to `share` percent of a core.
fn hashing_thread(queue: &Mutex<mpsc::Receiver<Job>>, nice: i32, share: u32) {
    lower_priority(nice);
    loop {
        // The lock is held only while waiting for the next job.
        let next = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(job) = next else { return };
        // A panicking hash drops its answer (the caller gets an internal
        // error); the thread stays for the next one.
        let started = thread_time();
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
            tracing::error!("a password hash panicked");
        }
        std::thread::sleep(rest_after(thread_time().saturating_sub(started), share));
    }
}

/// The CPU time the calling thread has used: a hash's share of a core is
/// counted in CPU time, so a hash slowed by a busy machine does not rest
/// the longer for it.
#[cfg(target_os = "linux")]
fn thread_time() -> Duration {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(now.tv_sec).unwrap_or(0),
        u32::try_from(now.tv_nsec).unwrap_or(0),
    )
}

/// Elsewhere, time since the process's first hash (wall time).
#[cfg(not(target_os = "linux"))]
fn thread_time() -> Duration {
    static EPOCH: LazyLock<std::time::Instant> = LazyLock::new(std::time::Instant::now);
    EPOCH.elapsed()
}

/// Lowers the calling thread's scheduling priority by `nice` (on Linux the
/// nice value belongs to the thread, not the process).
#[cfg(target_os = "linux")]
fn lower_priority(nice: i32) {
    if nice == 0 {
        return;
    }
    let thread = rustix::thread::gettid();
    if let Err(err) = rustix::process::setpriority_process(Some(thread), nice) {
        tracing::warn!(%err, nice, "could not lower the priority of a password hashing thread");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority(nice: i32) {
    if nice != 0 {
        tracing::debug!(nice, "hashing threads keep their priority on this system");
    }
}

/// Runs `work` through the process's gate.
async fn gated<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    GATE.run(work).await
}

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::DEFAULT)
}

/// A hash of a password nobody has, verified when an email is unknown so a
/// failed sign-in costs the same time whatever was wrong.
static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    hasher()
        .hash_password(b"no user has this password")
        .ok()
        .map(|hash| hash.to_string())
});

/// Letters and digits of generated passwords, without look-alikes
/// (`l`, `1`, `O`, `0`, `I`).
const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A random password of `length` letters and digits from the operating
/// system's random source (for resets and the demo's users).
pub fn random(length: usize) -> Result<String> {
    let mut bytes = vec![0u8; length];
    getrandom::fill(&mut bytes).map_err(|err| {
        Error::Internal(format!(
            "the operating system's random source failed: {err}"
        ))
    })?;
    // 256 is not a multiple of the alphabet's 57 letters: the first 55
    // letters come up a little more often, which costs under 0.2 bits of
    // a 20-letter password's 116.
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

/// Hashes `password` into a PHC string.
pub async fn hash(password: Password) -> Result<String> {
    gated(move || {
        hasher()
            .hash_password(password.expose().as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|err| Error::Internal(format!("hashing a password failed: {err}")))
    })
    .await
}

/// Whether `password` matches `stored` (a PHC string); `None` verifies against
/// a dummy hash and returns `false`, taking the same time.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool> {
    gated(move || {
        let known = stored.is_some();
        let Some(phc) = stored.or_else(|| DUMMY_HASH.clone()) else {
            return Err(Error::Internal("dummy password hash unavailable".into()));
        };
        let parsed = PasswordHash::new(&phc)
            .map_err(|err| Error::Internal(format!("stored password hash is malformed: {err}")))?;
        let matches = hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(known && matches)
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_hashing_thread_rests_to_keep_to_its_share_of_a_core() {
        let took = Duration::from_millis(60);
        assert_eq!(rest_after(took, 25), Duration::from_millis(180));
        assert_eq!(rest_after(took, 50), Duration::from_millis(60));
        assert_eq!(rest_after(took, 100), Duration::ZERO);
        // Out of range: at least 1 %, at most all of it.
        assert_eq!(rest_after(took, 0), Duration::from_millis(5940));
        assert_eq!(rest_after(took, 150), Duration::ZERO);
    }

    #[tokio::test]
    async fn the_next_hash_starts_only_after_the_rest_of_the_last() -> Result<()> {
        let gate = Gate::new(HashLimits {
            concurrency: 1,
            queue: 4,
            nice: 0,
            share: 25,
        });
        // 30 ms of CPU work: the rest is counted in CPU time.
        let job = || {
            let started = std::time::Instant::now();
            let cpu = thread_time();
            while thread_time().saturating_sub(cpu) < Duration::from_millis(30) {
                std::hint::spin_loop();
            }
            Ok(started)
        };
        let (first, second) = tokio::join!(gate.run(job), gate.run(job));
        let (first, second) = (first?, second?);
        let (early, late) = if first < second {
            (first, second)
        } else {
            (second, first)
        };
        // 30 ms of work, then 90 ms of rest at a quarter of a core.
        assert!(
            late.duration_since(early) >= Duration::from_millis(120),
            "{:?} between the starts",
            late.duration_since(early)
        );
        Ok(())
    }

    #[tokio::test]
    async fn no_more_than_the_limit_run_at_once_and_the_queue_beyond_is_refused() {
        let gate = Gate::new(HashLimits {
            concurrency: 2,
            queue: 3,
            nice: 0,
            share: 100,
        });
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs = (0..10).map(|_| {
            let (running, most) = (running.clone(), most.clone());
            gate.run(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(50));
                running.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            })
        });
        let results = futures_util::future::join_all(jobs).await;
        let done = results.iter().filter(|r| r.is_ok()).count();
        let refused = results
            .iter()
            .filter(|r| matches!(r, Err(Error::Overloaded)))
            .count();
        assert_eq!(
            (done, refused),
            (5, 5),
            "2 running + 3 queued; the rest refused"
        );
        assert_eq!(most.load(Ordering::SeqCst), 2, "never more than 2 at once");
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashes_run_at_the_lowered_priority_and_the_caller_keeps_its_own() {
        let gate = Gate::new(HashLimits {
            concurrency: 1,
            queue: 1,
            nice: 7,
            share: 100,
        });
        let nice_of_this_thread =
            || rustix::process::getpriority_process(Some(rustix::thread::gettid()));
        let before = nice_of_this_thread().map_err(|err| err.to_string());
        let hashing = gate
            .run(move || nice_of_this_thread().map_err(|err| Error::Internal(err.to_string())))
            .await;
        assert!(
            matches!(hashing, Ok(7)),
            "the hashing thread runs at nice 7: {hashing:?}"
        );
        assert_eq!(
            nice_of_this_thread().map_err(|err| err.to_string()),
            before,
            "the caller's thread is left as it was"
        );
    }

    #[tokio::test]
    async fn a_panicking_hash_is_an_error_and_the_thread_serves_the_next() {
        let gate = Gate::new(HashLimits {
            concurrency: 1,
            queue: 1,
            nice: 0,
            share: 100,
        });
        let failed = gate.run(|| -> Result<()> { panic!("hash failed") }).await;
        assert!(matches!(failed, Err(Error::Internal(_))), "{failed:?}");
        let next = gate.run(|| Ok(42)).await;
        assert!(matches!(next, Ok(42)), "{next:?}");
    }
}
