//! Password hashing with argon2id at OWASP's recommended parameters
//! (19 MiB memory, 2 iterations, 1 lane), always off the async executor.

use std::sync::LazyLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{Error, Result};
use crate::types::Password;

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

/// Hashes `password` into a PHC string on the blocking pool.
pub async fn hash(password: Password) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        hasher()
            .hash_password(password.expose().as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|err| Error::Internal(format!("hashing a password failed: {err}")))
    })
    .await
    .map_err(|err| Error::Internal(format!("password hashing task failed: {err}")))?
}

/// Whether `password` matches `stored` (a PHC string); `None` verifies against
/// a dummy hash and returns `false`, taking the same time. Runs on the
/// blocking pool.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
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
    .map_err(|err| Error::Internal(format!("password verification task failed: {err}")))?
}
