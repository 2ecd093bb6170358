//! Throttling of password guessing: failed `login` attempts per email and
//! per client address, failed `refreshSession` attempts and `signUp`
//! attempts per client address, each within a sliding window.
//!
//! # Why not `governor`
//!
//! `governor` is a token bucket (GCRA) on *attempts*: every check consumes a
//! cell. Sign-in throttling needs three things it does not offer: asking
//! "is this key locked?" without consuming anything (a correct password must
//! not use up the allowance), counting only *failures*, and forgetting a key
//! when its owner signs in. So this is a small sliding-window log behind one
//! `tokio::sync::Mutex`: for each key, the instants of its recent failures.
//!
//! # How an attempt is counted
//!
//! An attempt is checked and counted in one step, *before* the password is
//! verified ([`Throttle::login`]), and taken back afterwards if it was not a
//! guess ([`Throttle::succeeded`], [`Throttle::forgive`]). Counting up front
//! means that many concurrent requests cannot slip more guesses past the
//! limit than it allows while their passwords are being verified.
//!
//! # Limits
//!
//! - Memory is bounded: a key holds at most its rule's `max` instants, keys
//!   whose failures have all expired are dropped, and at most
//!   [`Limits::max_tracked_keys`] keys are kept. When that many keys are
//!   active, the least recently active tenth is forgotten (failing open for
//!   them rather than locking everyone out). Emails are kept as keyed
//!   hashes, never as text, so a 4 MiB "email" costs 8 bytes.
//! - IPv6 addresses are counted per /64, the block one subscriber usually
//!   holds; IPv4-mapped IPv6 addresses count as the IPv4 address.
//! - The state lives in one gateway process: with several gateways behind a
//!   load balancer, the effective limit is the per-gateway limit times the
//!   number of gateways, and a restart forgets every failure.
//! - Anyone can lock an email for one window by guessing wrongly five times;
//!   that is the price of stopping guessing of one account from many
//!   addresses. The lock lifts by itself and never touches existing sessions.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

/// How many events one key may have within a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Events allowed within `window`; the next one is refused.
    pub max: usize,
    /// Length of the sliding window.
    pub window: Duration,
}

impl Rule {
    /// `max` events per `minutes` minutes.
    pub const fn per_minutes(max: usize, minutes: u64) -> Rule {
        Rule {
            max,
            window: Duration::from_secs(minutes * 60),
        }
    }
}

/// The limits of each throttled operation, per gateway process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Failed `login` attempts for one email (trimmed, lower-cased).
    pub login_per_email: Rule,
    /// Failed `login` attempts from one client address, whatever the email.
    pub login_per_ip: Rule,
    /// Failed `refreshSession` attempts from one client address.
    pub refresh_per_ip: Rule,
    /// `signUp` attempts from one client address, successful or not: each
    /// success creates an organization.
    pub sign_up_per_ip: Rule,
    /// `createUser` attempts from one client address, successful or not:
    /// each hashes a password.
    pub create_user_per_ip: Rule,
    /// Most keys (emails and addresses) remembered at once.
    pub max_tracked_keys: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            login_per_email: Rule::per_minutes(5, 15),
            login_per_ip: Rule::per_minutes(20, 15),
            refresh_per_ip: Rule::per_minutes(20, 15),
            sign_up_per_ip: Rule::per_minutes(10, 60),
            create_user_per_ip: Rule::per_minutes(60, 60),
            max_tracked_keys: 50_000,
        }
    }
}

/// The network address of the caller, as the HTTP layer determined it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// Stands for every caller whose address is unknown (a transport without
    /// one, or a request not made through `/graphql`): they share one bucket.
    pub const UNKNOWN: ClientIp = ClientIp(IpAddr::V4(Ipv4Addr::UNSPECIFIED));

    /// The address counted: IPv6 per /64, IPv4-mapped IPv6 as IPv4.
    pub fn bucket(self) -> IpAddr {
        match self.0.to_canonical() {
            IpAddr::V6(v6) => {
                let prefix = v6.to_bits() & (u128::MAX << 64);
                IpAddr::V6(Ipv6Addr::from_bits(prefix))
            }
            v4 => v4,
        }
    }
}

/// Which limit refused an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Too many failures for the email signed in with.
    Email,
    /// Too many failures (or sign-ups) from the client's address.
    Address,
}

/// An attempt refused because a limit was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("too many attempts ({scope:?}); retry in {} s", self.retry_after_seconds())]
pub struct Limited {
    /// The limit that was reached.
    pub scope: Scope,
    /// How long until one more attempt is allowed.
    pub retry_after: Duration,
}

impl Limited {
    /// [`Limited::retry_after`] in whole seconds, rounded up, at least 1.
    pub fn retry_after_seconds(&self) -> u64 {
        let whole = self.retry_after.as_secs();
        let rounded = if self.retry_after.subsec_nanos() > 0 {
            whole + 1
        } else {
            whole
        };
        rounded.max(1)
    }
}

/// What one throttled key counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Key {
    /// Failed logins for an email, by keyed hash of the normalised email.
    LoginEmail(u64),
    LoginIp(IpAddr),
    RefreshIp(IpAddr),
    SignUpIp(IpAddr),
    CreateUserIp(IpAddr),
}

/// An admitted attempt, counted as a failure until it is taken back with
/// [`Throttle::succeeded`] or [`Throttle::forgive`]. Dropping it keeps the
/// failure.
#[derive(Debug)]
#[must_use = "an attempt that is dropped counts as a failure"]
pub struct Attempt {
    keys: Vec<Key>,
    at: Instant,
}

/// Source of the current instant; tests pass a clock they move by hand.
pub type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// The throttle of one gateway process, shared by every request.
pub struct Throttle {
    limits: Limits,
    clock: Clock,
    hasher: RandomState,
    marks: Mutex<HashMap<Key, VecDeque<Instant>>>,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Throttle {
    /// A throttle with `limits` on the system clock.
    pub fn new(limits: Limits) -> Throttle {
        Throttle::with_clock(limits, Arc::new(Instant::now))
    }

    /// A throttle with `limits` reading the time from `clock`.
    pub fn with_clock(limits: Limits, clock: Clock) -> Throttle {
        Throttle {
            limits,
            clock,
            hasher: RandomState::new(),
            marks: Mutex::new(HashMap::new()),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Admits a `login` for `email` from `ip`, counting it as a failure, or
    /// refuses it when either has reached its limit (the password is then
    /// not to be checked at all).
    pub async fn login(&self, email: &str, ip: ClientIp) -> Result<Attempt, Limited> {
        let email = self.hasher.hash_one(email.trim().to_lowercase());
        self.admit(&[
            (Key::LoginEmail(email), Scope::Email),
            (Key::LoginIp(ip.bucket()), Scope::Address),
        ])
        .await
    }

    /// Admits a `refreshSession` from `ip`, counting it as a failure, or
    /// refuses it when the address has reached its limit.
    pub async fn refresh(&self, ip: ClientIp) -> Result<Attempt, Limited> {
        self.admit(&[(Key::RefreshIp(ip.bucket()), Scope::Address)])
            .await
    }

    /// Admits and counts a `signUp` from `ip`, or refuses it when the address
    /// has reached its limit. Every sign-up counts, whatever its outcome.
    pub async fn sign_up(&self, ip: ClientIp) -> Result<(), Limited> {
        self.admit(&[(Key::SignUpIp(ip.bucket()), Scope::Address)])
            .await
            .map(drop)
    }

    /// Admits and counts a `createUser` from `ip`, or refuses it when the
    /// address has reached its limit. Every attempt counts.
    pub async fn create_user(&self, ip: ClientIp) -> Result<(), Limited> {
        self.admit(&[(Key::CreateUserIp(ip.bucket()), Scope::Address)])
            .await
            .map(drop)
    }

    /// The attempt succeeded: it is not counted, and for a login every
    /// failure of its email is forgotten (the address keeps its others).
    pub async fn succeeded(&self, attempt: Attempt) {
        let mut marks = self.marks.lock().await;
        for key in &attempt.keys {
            match key {
                Key::LoginEmail(_) => {
                    marks.remove(key);
                }
                _ => unmark(&mut marks, key, attempt.at),
            }
        }
    }

    /// The attempt failed for a reason other than a wrong secret (say, the
    /// database was down): it is not counted.
    pub async fn forgive(&self, attempt: Attempt) {
        let mut marks = self.marks.lock().await;
        for key in &attempt.keys {
            unmark(&mut marks, key, attempt.at);
        }
    }

    fn rule(&self, key: &Key) -> Rule {
        match key {
            Key::LoginEmail(_) => self.limits.login_per_email,
            Key::LoginIp(_) => self.limits.login_per_ip,
            Key::RefreshIp(_) => self.limits.refresh_per_ip,
            Key::SignUpIp(_) => self.limits.sign_up_per_ip,
            Key::CreateUserIp(_) => self.limits.create_user_per_ip,
        }
    }

    /// Refuses when any key is at its limit (saying when the latest of them
    /// frees up); otherwise marks every key with the current instant.
    async fn admit(&self, keys: &[(Key, Scope)]) -> Result<Attempt, Limited> {
        let now = (self.clock)();
        let mut marks = self.marks.lock().await;
        let mut refusal: Option<Limited> = None;
        for (key, scope) in keys {
            let rule = self.rule(key);
            let Some(times) = marks.get_mut(key) else {
                continue;
            };
            expire(times, rule.window, now);
            if times.len() >= rule.max {
                // The window frees up a place when the oldest mark that
                // keeps it full expires.
                let oldest = times[times.len() - rule.max];
                let retry_after = rule
                    .window
                    .saturating_sub(now.saturating_duration_since(oldest));
                if refusal.is_none_or(|r| retry_after > r.retry_after) {
                    refusal = Some(Limited {
                        scope: *scope,
                        retry_after,
                    });
                }
            }
        }
        if let Some(limited) = refusal {
            return Err(limited);
        }
        for (key, _) in keys {
            if !marks.contains_key(key) {
                self.make_room(&mut marks, now);
            }
            marks.entry(*key).or_default().push_back(now);
        }
        Ok(Attempt {
            keys: keys.iter().map(|(key, _)| *key).collect(),
            at: now,
        })
    }

    /// Keeps the map under `max_tracked_keys` before a key is added: drops
    /// expired keys, then, if still full, the least recently active tenth.
    fn make_room(&self, marks: &mut HashMap<Key, VecDeque<Instant>>, now: Instant) {
        if marks.len() < self.limits.max_tracked_keys {
            return;
        }
        marks.retain(|key, times| {
            expire(times, self.rule(key).window, now);
            !times.is_empty()
        });
        if marks.len() < self.limits.max_tracked_keys {
            return;
        }
        let mut latest: Vec<Instant> = marks.values().filter_map(|t| t.back().copied()).collect();
        if latest.is_empty() {
            return;
        }
        let cut = latest.len() / 10;
        let (_, cutoff, _) = latest.select_nth_unstable(cut);
        let cutoff = *cutoff;
        marks.retain(|_, times| times.back().is_some_and(|last| *last > cutoff));
    }
}

/// Drops the marks of `times` older than `window`.
fn expire(times: &mut VecDeque<Instant>, window: Duration, now: Instant) {
    while times
        .front()
        .is_some_and(|first| now.saturating_duration_since(*first) >= window)
    {
        times.pop_front();
    }
}

/// Removes one mark made at `at` from `key`, and the key once it is empty.
fn unmark(marks: &mut HashMap<Key, VecDeque<Instant>>, key: &Key, at: Instant) {
    let Some(times) = marks.get_mut(key) else {
        return;
    };
    if let Some(position) = times.iter().rposition(|t| *t == at) {
        times.remove(position);
    }
    if times.is_empty() {
        marks.remove(key);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    /// A clock that moves only when the test says so.
    struct ManualClock {
        start: Instant,
        elapsed_secs: Arc<AtomicU64>,
    }

    impl ManualClock {
        fn new() -> ManualClock {
            ManualClock {
                start: Instant::now(),
                elapsed_secs: Arc::new(AtomicU64::new(0)),
            }
        }

        fn clock(&self) -> Clock {
            let (start, elapsed) = (self.start, self.elapsed_secs.clone());
            Arc::new(move || start + Duration::from_secs(elapsed.load(Ordering::SeqCst)))
        }

        fn advance(&self, by: Duration) {
            self.elapsed_secs.fetch_add(by.as_secs(), Ordering::SeqCst);
        }
    }

    const HOME: ClientIp = ClientIp(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
    const ELSEWHERE: ClientIp = ClientIp(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7)));

    fn throttle(limits: Limits) -> (Throttle, ManualClock) {
        let clock = ManualClock::new();
        (Throttle::with_clock(limits, clock.clock()), clock)
    }

    /// Fails `n` logins for `email` from `ip`; panics if one is refused.
    async fn fail_logins(throttle: &Throttle, email: &str, ip: ClientIp, n: usize) {
        for i in 0..n {
            let attempt = throttle.login(email, ip).await;
            assert!(attempt.is_ok(), "failure {} of {n} was refused", i + 1);
        }
    }

    #[tokio::test]
    async fn the_sixth_login_for_an_email_is_refused_until_the_first_failure_expires() {
        let (throttle, clock) = throttle(Limits::default());
        fail_logins(&throttle, "ada@example.com", HOME, 5).await;
        let refused = throttle.login("ada@example.com", HOME).await.unwrap_err();
        assert_eq!(refused.scope, Scope::Email);
        assert_eq!(refused.retry_after_seconds(), 15 * 60);

        clock.advance(Duration::from_secs(15 * 60 - 1));
        let refused = throttle.login("ada@example.com", HOME).await.unwrap_err();
        assert_eq!(refused.retry_after_seconds(), 1);

        clock.advance(Duration::from_secs(1));
        assert!(throttle.login("ada@example.com", HOME).await.is_ok());
    }

    #[tokio::test]
    async fn the_window_slides_so_old_failures_free_places_one_by_one() {
        let (throttle, clock) = throttle(Limits::default());
        fail_logins(&throttle, "ada@example.com", HOME, 3).await;
        clock.advance(Duration::from_secs(10 * 60));
        fail_logins(&throttle, "ada@example.com", HOME, 2).await;
        let refused = throttle.login("ada@example.com", HOME).await.unwrap_err();
        assert_eq!(refused.retry_after_seconds(), 5 * 60);

        clock.advance(Duration::from_secs(5 * 60));
        // The three oldest expired together: three places, then refused
        // until the two made at minute 10 expire at minute 25.
        fail_logins(&throttle, "ada@example.com", HOME, 3).await;
        let refused = throttle.login("ada@example.com", HOME).await.unwrap_err();
        assert_eq!(refused.retry_after_seconds(), 10 * 60);
    }

    #[tokio::test]
    async fn emails_are_counted_trimmed_and_lower_cased() {
        let (throttle, _clock) = throttle(Limits::default());
        for email in [
            "ada@example.com",
            " Ada@Example.com",
            "ADA@EXAMPLE.COM ",
            "ada@example.COM",
            "\tada@example.com\n",
        ] {
            fail_logins(&throttle, email, ELSEWHERE, 1).await;
        }
        let refused = throttle.login("Ada@example.com", HOME).await.unwrap_err();
        assert_eq!(refused.scope, Scope::Email, "another address does not help");
    }

    #[tokio::test]
    async fn the_address_limit_spans_emails() {
        let (throttle, _clock) = throttle(Limits::default());
        for n in 0..4 {
            fail_logins(&throttle, &format!("user{n}@example.com"), HOME, 5).await;
        }
        let refused = throttle.login("fresh@example.com", HOME).await.unwrap_err();
        assert_eq!(refused.scope, Scope::Address);
        assert!(throttle.login("fresh@example.com", ELSEWHERE).await.is_ok());
    }

    #[tokio::test]
    async fn a_success_forgets_the_emails_failures_but_not_the_addresses() {
        let limits = Limits {
            login_per_ip: Rule::per_minutes(6, 15),
            ..Limits::default()
        };
        let (throttle, _clock) = throttle(limits);
        fail_logins(&throttle, "ada@example.com", HOME, 4).await;
        let right = throttle.login("ada@example.com", HOME).await.unwrap();
        throttle.succeeded(right).await;
        // The email starts afresh; the address still holds its four
        // failures (the success itself is not counted), so two more.
        fail_logins(&throttle, "ada@example.com", HOME, 2).await;
        let refused = throttle.login("ada@example.com", HOME).await.unwrap_err();
        assert_eq!(refused.scope, Scope::Address);
    }

    #[tokio::test]
    async fn a_forgiven_attempt_is_not_counted() {
        let (throttle, _clock) = throttle(Limits::default());
        for _ in 0..20 {
            let attempt = throttle.refresh(HOME).await.unwrap();
            throttle.forgive(attempt).await;
        }
        fail_logins(&throttle, "ada@example.com", HOME, 5).await;
        assert!(throttle.refresh(HOME).await.is_ok());
    }

    #[tokio::test]
    async fn concurrent_attempts_cannot_exceed_the_limit() {
        let (throttle, _clock) = throttle(Limits::default());
        let throttle = Arc::new(throttle);
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let throttle = throttle.clone();
                tokio::spawn(async move { throttle.login("ada@example.com", HOME).await })
            })
            .collect();
        let mut admitted = 0;
        for task in tasks {
            if task.await.unwrap().is_ok() {
                admitted += 1;
            }
        }
        assert_eq!(admitted, 5);
    }

    #[tokio::test]
    async fn sign_ups_count_whatever_their_outcome_per_hour() {
        let (throttle, clock) = throttle(Limits::default());
        for _ in 0..10 {
            throttle.sign_up(HOME).await.unwrap();
        }
        let refused = throttle.sign_up(HOME).await.unwrap_err();
        assert_eq!(refused.retry_after_seconds(), 60 * 60);
        clock.advance(Duration::from_secs(60 * 60));
        assert!(throttle.sign_up(HOME).await.is_ok());
    }

    #[tokio::test]
    async fn new_users_count_per_address_whatever_their_outcome_per_hour() {
        let (throttle, clock) = throttle(Limits::default());
        for _ in 0..60 {
            throttle.create_user(HOME).await.unwrap();
        }
        let refused = throttle.create_user(HOME).await.unwrap_err();
        assert_eq!(refused.scope, Scope::Address);
        assert_eq!(refused.retry_after_seconds(), 60 * 60);
        assert!(
            throttle.sign_up(HOME).await.is_ok(),
            "sign-ups have their own count"
        );
        clock.advance(Duration::from_secs(60 * 60));
        assert!(throttle.create_user(HOME).await.is_ok());
    }

    #[tokio::test]
    async fn ipv6_addresses_count_per_64_block_and_mapped_ipv4_as_ipv4() {
        let (throttle, _clock) = throttle(Limits::default());
        for n in 0..20u16 {
            let ip = Ipv6Addr::new(0x2001, 0xdb8, 0, 1, n, n, n, n);
            let attempt = throttle.refresh(ClientIp(ip.into())).await;
            assert!(attempt.is_ok(), "refresh {n}");
        }
        let same_block = ClientIp(Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 9, 9, 9, 9).into());
        assert!(throttle.refresh(same_block).await.is_err());
        let next_block = ClientIp(Ipv6Addr::new(0x2001, 0xdb8, 0, 2, 0, 0, 0, 1).into());
        assert!(throttle.refresh(next_block).await.is_ok());

        for _ in 0..20 {
            let _failed = throttle.refresh(HOME).await.unwrap();
        }
        let IpAddr::V4(home) = HOME.0 else {
            unreachable!("HOME is IPv4")
        };
        let mapped = ClientIp(home.to_ipv6_mapped().into());
        assert!(throttle.refresh(mapped).await.is_err());
    }

    #[tokio::test]
    async fn memory_stays_bounded_by_max_tracked_keys() {
        let limits = Limits {
            max_tracked_keys: 100,
            ..Limits::default()
        };
        let (throttle, clock) = throttle(limits);
        fail_logins(&throttle, "victim@example.com", HOME, 5).await;
        for n in 0..1_000 {
            clock.advance(Duration::from_secs(1));
            let ip = ClientIp(IpAddr::V4(Ipv4Addr::from_bits(0x0a00_0000 + n)));
            let attempt = throttle.sign_up(ip).await;
            assert!(attempt.is_ok(), "sign-up {n}");
            assert!(throttle.marks.lock().await.len() <= 100);
        }
        // Under a flood the least recently active keys go first.
        assert!(throttle.login("victim@example.com", HOME).await.is_ok());
    }
}
