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

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, OnceLock};

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
}

impl Default for HashLimits {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        HashLimits {
            concurrency: cores.saturating_sub(1).max(1),
            queue: 32,
        }
    }
}

struct Gate {
    limits: HashLimits,
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
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
    fn new(limits: HashLimits) -> Gate {
        Gate {
            limits,
            permits: Arc::new(Semaphore::new(limits.concurrency.max(1))),
            waiting: AtomicUsize::new(0),
        }
    }

    /// Runs `work` on the blocking pool once a slot is free, or refuses at
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
        tokio::task::spawn_blocking(move || {
            let _slot = permit;
            work()
        })
        .await
        .map_err(|err| Error::Internal(format!("password hashing task failed: {err}")))?
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
}
