//! Standard Webhooks signatures: `v1,` and the base64 HMAC-SHA256 of
//! `{webhook-id}.{webhook-timestamp}.{body}` under the secret's key (the
//! base64 after `whsec_`). Several signatures are separated by spaces.

use base64ct::{Base64, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// One `v1,…` signature, or `None` if `secret` is not a `whsec_` secret.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = Base64::decode_vec(secret.strip_prefix(domain::webhook::SECRET_PREFIX)?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    Some(format!(
        "v1,{}",
        Base64::encode_string(&mac.finalize().into_bytes())
    ))
}

/// The `webhook-signature` header: one signature per secret.
pub fn header(secrets: &[&str], id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .filter_map(|secret| signature(secret, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's test vectors
    /// (as its reference libraries use them).
    #[test]
    fn the_reference_vector_signs_the_same() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let timestamp = 1614265330;
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, id, timestamp, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn every_secret_signs_and_a_malformed_one_is_skipped() {
        let one = domain::webhook::new_secret().unwrap_or_default();
        let two = domain::webhook::new_secret().unwrap_or_default();
        let header = header(&[&one, "nope", &two], "msg_1", 1, "{}");
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2, "{header}");
        assert!(parts.iter().all(|p| p.starts_with("v1,")));
        assert_ne!(parts[0], parts[1]);
    }
}
