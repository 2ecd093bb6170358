//! Throttling of password guessing: failed `login` attempts per email and
//! per client address, failed `refreshSession` attempts per address, and
//! `signUp` and `createUser` attempts per address, each within a sliding
//! window.
//!
//! # Why not `governor`
//!
//! `governor` is a token bucket (GCRA) on *attempts*: every check consumes a
//! cell. Sign-in throttling needs what it does not offer: asking "is this
//! key locked?" without consuming anything, counting only *failures*, and
//! forgetting a key when its owner signs in. So this is a small sliding-
//! window log: for each key, the instants of its recent events.
//!
//! # What is counted
//!
//! A login is checked before the password is verified and counted only when
//! it fails, so any number of correct logins at once (a shared dashboard
//! account) are never limited. Guesses sent all at once are admitted
//! together before any of them has failed; the password hashing gate
//! (`PASSWORD_HASH_CONCURRENCY` running, `PASSWORD_HASH_QUEUE` waiting)
//! bounds how many such a burst can check, and once they fail the key is
//! locked for the window. A successful login forgets its email's failures.
//! `signUp` and `createUser` count every attempt.
//!
//! # Where the counts live
//!
//! On PostgreSQL in the database (`throttle_events`): every gateway counts
//! the same failures and a restart forgets none. On SQLite (one process) in
//! memory, bounded: at most [`Limits::max_tracked_keys`] keys; when full, the
//! least recently active tenth is forgotten (failing open for them rather
//! than locking everyone out). Emails are kept as hashes, never as text.
//! IPv6 addresses are counted per /64, IPv4-mapped IPv6 as IPv4.
//!
//! Anyone can lock an email for one window by guessing wrongly five times;
//! that is the price of stopping guessing of one account from many
//! addresses. The lock lifts by itself and never touches existing sessions.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};
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

impl Limits {
    /// The longest window of any rule: events older than it count nowhere.
    pub fn longest_window(&self) -> Duration {
        [
            self.login_per_email,
            self.login_per_ip,
            self.refresh_per_ip,
            self.sign_up_per_ip,
            self.create_user_per_ip,
        ]
        .iter()
        .map(|rule| rule.window)
        .max()
        .unwrap_or_default()
    }
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
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    /// Failed logins for an email, by hash of the normalised email.
    LoginEmail(String),
    LoginIp(IpAddr),
    RefreshIp(IpAddr),
    SignUpIp(IpAddr),
    CreateUserIp(IpAddr),
}

impl Key {
    fn email(email: &str) -> Key {
        let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
        let hex: String = digest
            .iter()
            .take(16)
            .map(|byte| format!("{byte:02x}"))
            .collect();
        Key::LoginEmail(hex)
    }

    /// The key as stored in `throttle_events`.
    fn text(&self) -> String {
        match self {
            Key::LoginEmail(hash) => format!("login-email:{hash}"),
            Key::LoginIp(ip) => format!("login-ip:{ip}"),
            Key::RefreshIp(ip) => format!("refresh-ip:{ip}"),
            Key::SignUpIp(ip) => format!("signup-ip:{ip}"),
            Key::CreateUserIp(ip) => format!("user-ip:{ip}"),
        }
    }
}

/// Source of the current instant; tests pass a clock they move by hand.
pub type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// Where the counts are kept.
enum Store {
    /// This process only (SQLite, tests).
    Memory {
        clock: Clock,
        marks: Mutex<HashMap<Key, VecDeque<Instant>>>,
    },
    /// The database, shared by every gateway.
    Database(DatabaseConnection),
}

/// Events recorded between two prunings of old ones from the database.
const PRUNE_EVERY: u64 = 200;

/// The throttle of the service, shared by every request.
pub struct Throttle {
    limits: Limits,
    store: Store,
    recorded: AtomicU64,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Throttle {
    /// A throttle with `limits` counting in this process, on the system clock.
    pub fn new(limits: Limits) -> Throttle {
        Throttle::with_clock(limits, Arc::new(Instant::now))
    }

    /// A throttle with `limits` counting in this process, reading the time
    /// from `clock`.
    pub fn with_clock(limits: Limits, clock: Clock) -> Throttle {
        Throttle {
            limits,
            store: Store::Memory {
                clock,
                marks: Mutex::new(HashMap::new()),
            },
            recorded: AtomicU64::new(0),
        }
    }

    /// A throttle with `limits` counting in `db`, shared with every other
    /// gateway on it.
    pub fn shared(limits: Limits, db: DatabaseConnection) -> Throttle {
        Throttle {
            limits,
            store: Store::Database(db),
            recorded: AtomicU64::new(0),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Whether a `login` for `email` from `ip` may check its password: both
    /// the email and the address are under their limit of failures.
    pub async fn login_allowed(&self, email: &str, ip: ClientIp) -> Result<(), Limited> {
        self.allowed(&[
            (Key::email(email), Scope::Email),
            (Key::LoginIp(ip.bucket()), Scope::Address),
        ])
        .await
    }

    /// A login's password was wrong (or its email unknown): one failure for
    /// the email and for the address.
    pub async fn login_failed(&self, email: &str, ip: ClientIp) {
        self.mark(&[Key::email(email), Key::LoginIp(ip.bucket())])
            .await;
    }

    /// A login succeeded: its email's failures are forgotten (the address
    /// keeps its own).
    pub async fn login_succeeded(&self, email: &str) {
        self.clear(&Key::email(email)).await;
    }

    /// Whether a `refreshSession` from `ip` may check its token.
    pub async fn refresh_allowed(&self, ip: ClientIp) -> Result<(), Limited> {
        self.allowed(&[(Key::RefreshIp(ip.bucket()), Scope::Address)])
            .await
    }

    /// A refresh token from `ip` was refused.
    pub async fn refresh_failed(&self, ip: ClientIp) {
        self.mark(&[Key::RefreshIp(ip.bucket())]).await;
    }

    /// Admits and counts a `signUp` from `ip`, or refuses it when the address
    /// has reached its limit. Every sign-up counts, whatever its outcome.
    pub async fn sign_up(&self, ip: ClientIp) -> Result<(), Limited> {
        self.counted(Key::SignUpIp(ip.bucket())).await
    }

    /// Admits and counts a `createUser` from `ip`, or refuses it when the
    /// address has reached its limit. Every attempt counts.
    pub async fn create_user(&self, ip: ClientIp) -> Result<(), Limited> {
        self.counted(Key::CreateUserIp(ip.bucket())).await
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

    /// Checks and counts `key` in one step (atomic in memory).
    async fn counted(&self, key: Key) -> Result<(), Limited> {
        if let Store::Memory { clock, marks } = &self.store {
            let now = clock();
            let mut marks = marks.lock().await;
            if let Some(limited) =
                self.memory_refusal(&mut marks, &[(key.clone(), Scope::Address)], now)
            {
                return Err(limited);
            }
            self.make_room(&mut marks, now);
            marks.entry(key).or_default().push_back(now);
            return Ok(());
        }
        self.allowed(&[(key.clone(), Scope::Address)]).await?;
        self.mark(&[key]).await;
        Ok(())
    }

    /// Refuses when any key is at its limit, saying when the latest of them
    /// frees up.
    async fn allowed(&self, keys: &[(Key, Scope)]) -> Result<(), Limited> {
        let refusal = match &self.store {
            Store::Memory { clock, marks } => {
                let now = clock();
                let mut marks = marks.lock().await;
                self.memory_refusal(&mut marks, keys, now)
            }
            Store::Database(db) => self.database_refusal(db, keys).await,
        };
        refusal.map_or(Ok(()), Err)
    }

    fn memory_refusal(
        &self,
        marks: &mut HashMap<Key, VecDeque<Instant>>,
        keys: &[(Key, Scope)],
        now: Instant,
    ) -> Option<Limited> {
        let mut refusal: Option<Limited> = None;
        for (key, scope) in keys {
            let rule = self.rule(key);
            let Some(times) = marks.get_mut(key) else {
                continue;
            };
            expire(times, rule.window, now);
            if times.len() >= rule.max {
                // The window frees a place when the oldest mark that keeps
                // it full expires.
                let oldest = times[times.len() - rule.max];
                let retry_after = rule
                    .window
                    .saturating_sub(now.saturating_duration_since(oldest));
                refusal = later(refusal, *scope, retry_after);
            }
        }
        refusal
    }

    async fn database_refusal(
        &self,
        db: &DatabaseConnection,
        keys: &[(Key, Scope)],
    ) -> Option<Limited> {
        let now = chrono::Utc::now();
        let mut refusal: Option<Limited> = None;
        for (key, scope) in keys {
            let rule = self.rule(key);
            let window = chrono::Duration::from_std(rule.window).unwrap_or(chrono::Duration::MAX);
            let recent = match domain::throttle::recent(
                db,
                &key.text(),
                now - window,
                rule.max as u64,
            )
            .await
            {
                Ok(recent) => recent,
                Err(err) => {
                    // Failing open: the hashing gate still bounds guessing.
                    tracing::warn!(error = %err, "reading sign-in failures failed; not throttling");
                    continue;
                }
            };
            if recent.len() >= rule.max
                && let Some(oldest) = recent.last()
            {
                let age = (now - *oldest).to_std().unwrap_or_default();
                refusal = later(refusal, *scope, rule.window.saturating_sub(age));
            }
        }
        refusal
    }

    /// Counts one event for each of `keys`.
    async fn mark(&self, keys: &[Key]) {
        match &self.store {
            Store::Memory { clock, marks } => {
                let now = clock();
                let mut marks = marks.lock().await;
                for key in keys {
                    if !marks.contains_key(key) {
                        self.make_room(&mut marks, now);
                    }
                    marks.entry(key.clone()).or_default().push_back(now);
                }
            }
            Store::Database(db) => {
                let now = chrono::Utc::now();
                let texts: Vec<String> = keys.iter().map(Key::text).collect();
                if let Err(err) = domain::throttle::record(db, &texts, now).await {
                    tracing::warn!(error = %err, "recording a sign-in failure failed");
                }
                if self
                    .recorded
                    .fetch_add(1, Ordering::Relaxed)
                    .is_multiple_of(PRUNE_EVERY)
                {
                    let longest = self.limits.longest_window();
                    let horizon =
                        now - chrono::Duration::from_std(longest).unwrap_or(chrono::Duration::MAX);
                    if let Err(err) = domain::throttle::prune(db, horizon).await {
                        tracing::warn!(error = %err, "pruning old sign-in events failed");
                    }
                }
            }
        }
    }

    /// Forgets every event of `key`.
    async fn clear(&self, key: &Key) {
        match &self.store {
            Store::Memory { marks, .. } => {
                marks.lock().await.remove(key);
            }
            Store::Database(db) => {
                if let Err(err) = domain::throttle::forget(db, &key.text()).await {
                    tracing::warn!(error = %err, "forgetting sign-in failures failed");
                }
            }
        }
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

    /// The number of keys held in memory (tests check it stays bounded).
    #[cfg(test)]
    async fn tracked(&self) -> usize {
        match &self.store {
            Store::Memory { marks, .. } => marks.lock().await.len(),
            Store::Database(_) => 0,
        }
    }
}

/// The refusal that lasts longer of `current` and a new one.
fn later(current: Option<Limited>, scope: Scope, retry_after: Duration) -> Option<Limited> {
    match current {
        Some(current) if current.retry_after >= retry_after => Some(current),
        _ => Some(Limited { scope, retry_after }),
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
            let allowed = throttle.login_allowed(email, ip).await;
            assert!(allowed.is_ok(), "failure {} of {n} was refused", i + 1);
            throttle.login_failed(email, ip).await;
        }
    }

    #[tokio::test]
    async fn the_sixth_login_for_an_email_is_refused_until_the_first_failure_expires() {
        let (throttle, clock) = throttle(Limits::default());
        fail_logins(&throttle, "ada@example.com", HOME, 5).await;
        let refused = throttle
            .login_allowed("ada@example.com", HOME)
            .await
            .unwrap_err();
        assert_eq!(refused.scope, Scope::Email);
        assert_eq!(refused.retry_after_seconds(), 15 * 60);

        clock.advance(Duration::from_secs(15 * 60 - 1));
        let refused = throttle
            .login_allowed("ada@example.com", HOME)
            .await
            .unwrap_err();
        assert_eq!(refused.retry_after_seconds(), 1);

        clock.advance(Duration::from_secs(1));
        assert!(
            throttle
                .login_allowed("ada@example.com", HOME)
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn the_window_slides_so_old_failures_free_places_one_by_one() {
        let (throttle, clock) = throttle(Limits::default());
        fail_logins(&throttle, "ada@example.com", HOME, 3).await;
        clock.advance(Duration::from_secs(10 * 60));
        fail_logins(&throttle, "ada@example.com", HOME, 2).await;
        let refused = throttle
            .login_allowed("ada@example.com", HOME)
            .await
            .unwrap_err();
        assert_eq!(refused.retry_after_seconds(), 5 * 60);

        clock.advance(Duration::from_secs(5 * 60));
        // The three oldest expired together: three places, then refused
        // until the two made at minute 10 expire at minute 25.
        fail_logins(&throttle, "ada@example.com", HOME, 3).await;
        let refused = throttle
            .login_allowed("ada@example.com", HOME)
            .await
            .unwrap_err();
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
        let refused = throttle
            .login_allowed("Ada@example.com", HOME)
            .await
            .unwrap_err();
        assert_eq!(refused.scope, Scope::Email, "another address does not help");
    }

    #[tokio::test]
    async fn the_address_limit_spans_emails() {
        let (throttle, _clock) = throttle(Limits::default());
        for n in 0..4 {
            fail_logins(&throttle, &format!("user{n}@example.com"), HOME, 5).await;
        }
        let refused = throttle
            .login_allowed("fresh@example.com", HOME)
            .await
            .unwrap_err();
        assert_eq!(refused.scope, Scope::Address);
        assert!(
            throttle
                .login_allowed("fresh@example.com", ELSEWHERE)
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn a_success_forgets_the_emails_failures_but_not_the_addresses() {
        let limits = Limits {
            login_per_ip: Rule::per_minutes(6, 15),
            ..Limits::default()
        };
        let (throttle, _clock) = throttle(limits);
        fail_logins(&throttle, "ada@example.com", HOME, 4).await;
        throttle.login_succeeded("ada@example.com").await;
        // The email starts afresh; the address still holds its four
        // failures (the success itself is not counted), so two more.
        fail_logins(&throttle, "ada@example.com", HOME, 2).await;
        let refused = throttle
            .login_allowed("ada@example.com", HOME)
            .await
            .unwrap_err();
        assert_eq!(refused.scope, Scope::Address);
    }

    #[tokio::test]
    async fn correct_logins_are_never_counted_however_many_at_once() {
        let (throttle, _clock) = throttle(Limits::default());
        let throttle = Arc::new(throttle);
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let throttle = throttle.clone();
                tokio::spawn(async move {
                    let allowed = throttle.login_allowed("shared@example.com", HOME).await;
                    throttle.login_succeeded("shared@example.com").await;
                    allowed
                })
            })
            .collect();
        for task in tasks {
            assert!(task.await.unwrap().is_ok());
        }
        fail_logins(&throttle, "shared@example.com", HOME, 5).await;
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
            let ip = ClientIp(Ipv6Addr::new(0x2001, 0xdb8, 0, 1, n, n, n, n).into());
            assert!(throttle.refresh_allowed(ip).await.is_ok(), "refresh {n}");
            throttle.refresh_failed(ip).await;
        }
        let same_block = ClientIp(Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 9, 9, 9, 9).into());
        assert!(throttle.refresh_allowed(same_block).await.is_err());
        let next_block = ClientIp(Ipv6Addr::new(0x2001, 0xdb8, 0, 2, 0, 0, 0, 1).into());
        assert!(throttle.refresh_allowed(next_block).await.is_ok());

        for _ in 0..20 {
            throttle.refresh_failed(HOME).await;
        }
        let IpAddr::V4(home) = HOME.0 else {
            unreachable!("HOME is IPv4")
        };
        let mapped = ClientIp(home.to_ipv6_mapped().into());
        assert!(throttle.refresh_allowed(mapped).await.is_err());
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
            assert!(throttle.tracked().await <= 100);
        }
        // Under a flood the least recently active keys go first.
        assert!(
            throttle
                .login_allowed("victim@example.com", HOME)
                .await
                .is_ok()
        );
    }
}
