//! docs/domain.md §3 `RATE_LIMITED`: password guessing is throttled. Within 15 minutes
//! an email may fail `login` 5 times and one address 20 times; after that
//! `login` answers `RATE_LIMITED` with `extensions.retryAfterSeconds`
//! without checking the password. A successful login forgets the email's
//! failures. `refreshSession` failures (20 per 15 minutes) and `signUp`
//! attempts (10 per hour) are limited per address. The address is the
//! connection's, or `X-Forwarded-For`'s last entry with
//! `TRUST_PROXY_HEADERS=true`.
//!
//! Every test app has its own throttle, so tests do not count each other's
//! attempts although they all connect from 127.0.0.1.

use gateway::{Application, Settings};
use serde_json::{Value, json};

use crate::both_databases;
use crate::helpers::{PASSWORD, Response, TEST_JWT_SECRET, TestApp, session_of, spawn_app};
use crate::support::TestDb;

const WRONG: &str = "not the password at all";

/// `response` is a `RATE_LIMITED` refusal without data that says when to
/// retry; returns `retryAfterSeconds`.
fn assert_rate_limited(response: &Response, what: &str) -> u64 {
    assert_eq!(response.status, 200, "{what}: {}", response.body);
    assert_eq!(response.error_codes(), ["RATE_LIMITED"], "{what}");
    assert_eq!(response.json["data"], Value::Null, "{what}");
    let retry = response.json["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap_or_else(|| panic!("{what}: no retryAfterSeconds: {}", response.body));
    assert!(retry > 0, "{what}: retryAfterSeconds is {retry}");
    assert!(
        response.first_error_message().contains("try again in"),
        "{what}: the message says when to retry: {}",
        response.body
    );
    retry
}

/// `response` is the ordinary refusal of a wrong password or token.
fn assert_unauthenticated(response: &Response, what: &str) {
    assert_eq!(
        response.error_codes(),
        ["UNAUTHENTICATED"],
        "{what}: {}",
        response.body
    );
}

/// Fails `n` logins for `email`, each refused as a wrong password.
async fn fail_logins(app: &TestApp, email: &str, n: usize) {
    for i in 1..=n {
        let response = app.login(email, WRONG).await;
        assert_unauthenticated(&response, &format!("wrong password {i} for {email}"));
    }
}

/// The service on `db` with `TRUST_PROXY_HEADERS` set to `trust`.
async fn spawn_app_trusting_proxy(db: &TestDb, trust: bool) -> TestApp {
    let url = db.url.clone();
    let settings = Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Some(url.clone()),
        "BIND" => Some("127.0.0.1:0".to_owned()),
        "DATABASE_MAX_CONNECTIONS" => Some("2".to_owned()),
        "JWT_SECRET" => Some(String::from_utf8_lossy(TEST_JWT_SECRET).into_owned()),
        "TRUST_PROXY_HEADERS" => Some(trust.to_string()),
        "PASSWORD_HASH_SHARE" => Some("100".to_owned()),
        _ => None,
    })
    .expect("test settings are valid");
    let app = Application::build(settings)
        .await
        .expect("the application builds");
    let address = app.address();
    let db = app.database().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp { address, db }
}

/// `refreshSession` with a token that was never issued, from `forwarded_for`.
async fn refresh_with_garbage(app: &TestApp, forwarded_for: &str) -> Response {
    let body = json!({
        "query": "mutation($token: String!) { refreshSession(refreshToken: $token) { accessToken } }",
        "variables": {"token": "never-issued"},
    })
    .to_string();
    app.request(
        "POST",
        "/graphql",
        &[
            ("Content-Type", "application/json"),
            ("X-Forwarded-For", forwarded_for),
        ],
        Some(&body),
    )
    .await
}

async fn after_five_wrong_passwords_even_the_right_one_is_rate_limited(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let session = app.sign_up().await;
    // The email is counted trimmed and lower-cased, as sign-in reads it.
    let shouted = format!("  {}  ", session.email.to_uppercase());
    fail_logins(&app, &session.email, 3).await;
    fail_logins(&app, &shouted, 2).await;

    let locked = app.login(&session.email, PASSWORD).await;
    let retry = assert_rate_limited(&locked, "the right password during the lock-out");
    assert!(
        retry <= 15 * 60,
        "retryAfterSeconds {retry} exceeds the window"
    );
    assert!(
        locked.first_error_message().contains("this email"),
        "{}",
        locked.body
    );
    // Further attempts are refused the same way and do not extend the lock.
    let again = app.login(&shouted, WRONG).await;
    assert!(assert_rate_limited(&again, "a wrong password during the lock-out") <= retry);
}

async fn another_email_from_the_same_address_is_allowed_until_the_address_limit(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let locked = app.sign_up().await;
    let other = app.sign_up().await;
    fail_logins(&app, &locked.email, 5).await;
    assert_rate_limited(&app.login(&locked.email, PASSWORD).await, "locked email");

    session_of(
        &app.login(&other.email, PASSWORD).await,
        "login",
        &other.email,
    );
    // 5 failures so far from this address; a success does not count. Fifteen
    // more, on emails nobody has, reach the address limit of 20.
    for n in 0..3 {
        fail_logins(&app, &format!("nobody{n}@example.com"), 5).await;
    }
    let refused = app.login(&other.email, PASSWORD).await;
    assert_rate_limited(&refused, "an email with no failures, from a busy address");
    assert!(
        refused.first_error_message().contains("network address"),
        "{}",
        refused.body
    );
}

async fn a_successful_login_before_the_limit_resets_the_emails_count(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let session = app.sign_up().await;
    fail_logins(&app, &session.email, 4).await;
    session_of(
        &app.login(&session.email, PASSWORD).await,
        "login",
        &session.email,
    );
    // Without the reset the next failure would be the fifth and lock.
    fail_logins(&app, &session.email, 4).await;
    session_of(
        &app.login(&session.email, PASSWORD).await,
        "login",
        &session.email,
    );
    fail_logins(&app, &session.email, 5).await;
    assert_rate_limited(
        &app.login(&session.email, PASSWORD).await,
        "five failures after the last success",
    );
}

async fn refused_refresh_tokens_are_limited_per_address(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let session = app.sign_up().await;
    for i in 1..=20 {
        let response = app.refresh_session(&format!("forged-{i}")).await;
        assert_unauthenticated(&response, &format!("forged refresh token {i}"));
    }
    let genuine = app.refresh_session(&session.refresh_token).await;
    assert_rate_limited(&genuine, "a genuine refresh token from a guessing address");
    // Sign-in is counted apart from refreshing.
    session_of(
        &app.login(&session.email, PASSWORD).await,
        "login",
        &session.email,
    );
}

async fn sign_ups_are_limited_to_ten_an_hour_per_address(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    for _ in 0..10 {
        app.sign_up().await;
    }
    let response = app
        .graphql(
            None,
            "mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }",
            json!({"input": {
                "organizationName": "One Too Many",
                "email": "eleventh@example.com",
                "password": PASSWORD,
                "displayName": "Eve",
            }}),
        )
        .await;
    let retry = assert_rate_limited(&response, "the eleventh sign-up");
    assert!(retry <= 60 * 60, "retryAfterSeconds {retry}");
}

async fn x_forwarded_for_is_ignored_unless_trust_proxy_headers_is_true(db: &TestDb) {
    let app = spawn_app_trusting_proxy(db, false).await;
    for i in 1..=20 {
        let response = refresh_with_garbage(&app, &format!("203.0.113.{i}")).await;
        assert_unauthenticated(&response, &format!("refresh {i}"));
    }
    // A fresh X-Forwarded-For does not make a fresh client.
    let response = refresh_with_garbage(&app, "198.51.100.77").await;
    assert_rate_limited(&response, "untrusted X-Forwarded-For");
}

async fn with_trust_proxy_headers_the_last_forwarded_address_is_the_client(db: &TestDb) {
    let app = spawn_app_trusting_proxy(db, true).await;
    for i in 1..=20 {
        // What the client wrote comes first; the proxy appends what it saw.
        let forwarded = format!("10.9.8.{i}, 203.0.113.5");
        let response = refresh_with_garbage(&app, &forwarded).await;
        assert_unauthenticated(&response, &format!("refresh {i}"));
    }
    let same = refresh_with_garbage(&app, "192.0.2.200, 203.0.113.5").await;
    assert_rate_limited(&same, "the same proxied client");
    let other = refresh_with_garbage(&app, "203.0.113.6").await;
    assert_unauthenticated(&other, "another proxied client");
}

both_databases!(
    after_five_wrong_passwords_even_the_right_one_is_rate_limited,
    another_email_from_the_same_address_is_allowed_until_the_address_limit,
    a_successful_login_before_the_limit_resets_the_emails_count,
    refused_refresh_tokens_are_limited_per_address,
    sign_ups_are_limited_to_ten_an_hour_per_address,
    x_forwarded_for_is_ignored_unless_trust_proxy_headers_is_true,
    with_trust_proxy_headers_the_last_forwarded_address_is_the_client,
);
