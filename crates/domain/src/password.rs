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

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, OnceLock, mpsc};

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
}

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
                .spawn(move || hashing_thread(&queue, limits.nice));
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

/// Runs jobs one after the other until the gate is dropped, at `nice`.
fn hashing_thread(queue: &Mutex<mpsc::Receiver<Job>>, nice: i32) {
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
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
            tracing::error!("a password hash panicked");
        }
    }
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

    #[tokio::test]
    async fn no_more_than_the_limit_run_at_once_and_the_queue_beyond_is_refused() {
        let gate = Gate::new(HashLimits {
            concurrency: 2,
            queue: 3,
            nice: 0,
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
        });
        let failed = gate.run(|| -> Result<()> { panic!("hash failed") }).await;
        assert!(matches!(failed, Err(Error::Internal(_))), "{failed:?}");
        let next = gate.run(|| Ok(42)).await;
        assert!(matches!(next, Ok(42)), "{next:?}");
    }
}
