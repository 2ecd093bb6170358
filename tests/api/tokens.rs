//! docs/domain.md §3: `Authorization: Bearer <token>` identifies the caller. A token
//! that is expired, forged, of another kind or for another service is
//! refused with 401, `UNAUTHENTICATED` and `WWW-Authenticate`; sessions
//! rotate their refresh token on every refresh and end on reuse or logout.
//!
//! Tokens are forged with the app's own secret (`TEST_JWT_SECRET`), so each
//! refusal is shown next to the genuine token it was made from being
//! accepted: what is refused is exactly the one thing spoiled.

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};

use crate::both_databases;
use crate::helpers::{PASSWORD, Session, TEST_JWT_SECRET, TestApp, session_of, spawn_app};
use crate::support::TestDb;

const ISSUER: &str = "interview-planner";
const AUDIENCE: &str = "interview-planner-api";

/// The claims of `token`, checked against the test secret (so this also
/// proves the app signs with it).
fn claims_of(token: &str) -> Value {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    let key = DecodingKey::from_secret(TEST_JWT_SECRET).expect("a key");
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .expect("the app signs access tokens with TEST_JWT_SECRET")
        .claims
}

fn sign_with(algorithm: Algorithm, claims: &Value, secret: &[u8]) -> String {
    let key = EncodingKey::from_secret(secret).expect("a key");
    jsonwebtoken::encode(&Header::new(algorithm), claims, &key).expect("signing")
}

/// `claims` signed as the app signs them.
fn sign(claims: &Value) -> String {
    sign_with(Algorithm::HS256, claims, TEST_JWT_SECRET)
}

/// The three dot-separated parts of a JWT.
fn parts(token: &str) -> [String; 3] {
    let parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts.try_into().expect("a JWT has three parts")
}

/// `segment` with its middle character replaced (a middle character of
/// base64url always carries bits of the decoded bytes).
fn flip_middle(segment: &str) -> String {
    let middle = segment.len() / 2;
    let replacement = if &segment[middle..=middle] == "A" {
        "B"
    } else {
        "A"
    };
    format!(
        "{}{replacement}{}",
        &segment[..middle],
        &segment[middle + 1..]
    )
}

/// The signed-in user's id as `me` answers with `authorization`.
async fn me_with(app: &TestApp, authorization: &str) -> crate::helpers::Response {
    let body = json!({"query": "{ me { id } }"}).to_string();
    app.request(
        "POST",
        "/graphql",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", authorization),
        ],
        Some(&body),
    )
    .await
}

/// `token` is accepted as `session`'s user.
async fn assert_accepted(app: &TestApp, token: &str, session: &Session) {
    let response = me_with(app, &format!("Bearer {token}")).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        response.json["data"]["me"]["id"], session.user_id,
        "{}",
        response.body
    );
}

/// `authorization` is refused before any GraphQL runs: 401,
/// `UNAUTHENTICATED`, a Bearer challenge, no data.
async fn assert_refused(app: &TestApp, authorization: &str, what: &str) {
    let response = me_with(app, authorization).await;
    assert_eq!(response.status, 401, "{what}: {}", response.body);
    assert_eq!(response.error_codes(), ["UNAUTHENTICATED"], "{what}");
    let challenge = response.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer"),
        "{what}: WWW-Authenticate is {challenge:?}"
    );
    assert!(
        response.json.get("data").is_none(),
        "{what}: {}",
        response.body
    );
}

async fn a_token_from_sign_up_identifies_the_user_who_signed_up(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let session = app.sign_up().await;
    let response = app
        .graphql(
            Some(&session.access_token),
            "{ me { id email role } }",
            Value::Null,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        response.json["data"]["me"],
        json!({"id": session.user_id, "email": session.email, "role": "ADMIN"})
    );
    let claims = claims_of(&session.access_token);
    assert_eq!(claims["sub"], session.user_id);
    assert_eq!(claims["typ"], "access");
    assert_eq!(claims["role"], "ADMIN");
}

async fn an_expired_access_token_is_refused_with_401(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let session = app.sign_up().await;
    let now = Utc::now().timestamp();
    let mut claims = claims_of(&session.access_token);
    claims["iat"] = json!(now - 3600);
    claims["exp"] = json!(now + 600);
    assert_accepted(&app, &sign(&claims), &session).await;

    claims["exp"] = json!(now - 60);
    let expired = sign(&claims);
    assert_refused(&app, &format!("Bearer {expired}"), "expired").await;
    let response = me_with(&app, &format!("Bearer {expired}")).await;
    assert!(
        response.first_error_message().contains("expired")
            && response.first_error_message().contains("refreshSession"),
        "the message says what to do: {}",
        response.body
    );
}

async fn a_token_with_a_tampered_signature_or_payload_is_refused(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let session = app.sign_up().await;
    let genuine = session.access_token.clone();
    assert_accepted(&app, &genuine, &session).await;
    let [header, payload, signature] = parts(&genuine);

    let bad_signature = format!("{header}.{payload}.{}", flip_middle(&signature));
    assert_refused(&app, &format!("Bearer {bad_signature}"), "signature").await;
    let bad_payload = format!("{header}.{}.{signature}", flip_middle(&payload));
    assert_refused(&app, &format!("Bearer {bad_payload}"), "payload").await;

    // Another organization's claims grafted onto a genuine signature.
    let mut elsewhere = claims_of(&genuine);
    elsewhere["org"] = json!(uuid::Uuid::now_v7());
    let [_, other_payload, _] = parts(&sign(&elsewhere));
    let grafted = format!("{header}.{other_payload}.{signature}");
    assert_refused(&app, &format!("Bearer {grafted}"), "grafted payload").await;
}

async fn a_token_signed_with_another_algorithm_is_refused(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let session = app.sign_up().await;
    let claims = claims_of(&session.access_token);
    assert_accepted(&app, &sign(&claims), &session).await;

    let hs512 = sign_with(Algorithm::HS512, &claims, TEST_JWT_SECRET);
    assert_refused(&app, &format!("Bearer {hs512}"), "HS512").await;

    // base64url of {"alg":"none","typ":"JWT"}
    let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";
    let [_, payload, signature] = parts(&session.access_token);
    assert_refused(&app, &format!("Bearer {none}.{payload}."), "alg none").await;
    assert_refused(
        &app,
        &format!("Bearer {none}.{payload}.{signature}"),
        "alg none with a signature",
    )
    .await;
}

async fn a_refresh_typed_jwt_is_not_accepted_as_an_access_token(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let session = app.sign_up().await;
    let mut claims = claims_of(&session.access_token);
    assert_accepted(&app, &sign(&claims), &session).await;
    claims["typ"] = json!("refresh");
    assert_refused(&app, &format!("Bearer {}", sign(&claims)), "typ refresh").await;
}

async fn a_token_of_another_issuer_or_audience_is_refused(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let session = app.sign_up().await;
    let claims = claims_of(&session.access_token);
    assert_accepted(&app, &sign(&claims), &session).await;
    for (claim, value) in [("iss", "another-service"), ("aud", "another-api")] {
        let mut spoiled = claims.clone();
        spoiled[claim] = json!(value);
        assert_refused(&app, &format!("Bearer {}", sign(&spoiled)), claim).await;
    }
}

async fn garbage_in_place_of_a_token_is_refused(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let session = app.sign_up().await;
    for garbage in [
        "garbage",
        "a.b.c",
        "eyJhbGciOiJIUzI1NiJ9.e30.",
        // A refresh token is opaque and is never an access token.
        session.refresh_token.as_str(),
    ] {
        assert_refused(&app, &format!("Bearer {garbage}"), garbage).await;
    }
}

async fn an_authorization_scheme_other_than_bearer_is_refused(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let session = app.sign_up().await;
    let token = &session.access_token;
    assert_accepted(&app, token, &session).await;
    for authorization in [
        format!("Basic {token}"),
        format!("Token {token}"),
        token.clone(),
        "Bearer".to_owned(),
        "Basic YWRhOmNvcnJlY3QgaG9yc2U=".to_owned(),
    ] {
        assert_refused(&app, &authorization, &authorization).await;
    }
}

async fn login_with_a_wrong_password_or_an_unknown_email_gives_the_same_answer(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let session = app.sign_up().await;
    let right = app.login(&session.email, PASSWORD).await;
    let signed_in = session_of(&right, "login", &session.email);
    assert_eq!(signed_in.user_id, session.user_id);

    let wrong_password = app.login(&session.email, "not the password at all").await;
    let unknown_email = app
        .login("nobody.at.all@example.com", "not the password at all")
        .await;
    for (what, response) in [
        ("wrong password", &wrong_password),
        ("unknown email", &unknown_email),
    ] {
        assert_eq!(response.status, 200, "{what}: {}", response.body);
        assert_eq!(response.error_codes(), ["UNAUTHENTICATED"], "{what}");
        assert_eq!(response.json["data"], Value::Null, "{what}");
    }
    assert_eq!(
        wrong_password.json["errors"][0]["message"], unknown_email.json["errors"][0]["message"],
        "the answer does not tell which of email and password was wrong"
    );
}

async fn refresh_session_rotates_the_refresh_token(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let first = app.sign_up().await;
    let second = session_of(
        &app.refresh_session(&first.refresh_token).await,
        "refreshSession",
        &first.email,
    );
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(second.user_id, first.user_id);
    assert_accepted(&app, &second.access_token, &second).await;
    // The successor works on its own…
    let third = session_of(
        &app.refresh_session(&second.refresh_token).await,
        "refreshSession",
        &first.email,
    );
    assert_ne!(third.refresh_token, second.refresh_token);
    // …while the spent one is refused.
    let again = app.refresh_session(&first.refresh_token).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.error_codes(), ["UNAUTHENTICATED"], "{}", again.body);
}

async fn reusing_a_spent_refresh_token_ends_the_whole_session(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let first = app.sign_up().await;
    let second = session_of(
        &app.refresh_session(&first.refresh_token).await,
        "refreshSession",
        &first.email,
    );
    let replay = app.refresh_session(&first.refresh_token).await;
    assert_eq!(replay.error_codes(), ["UNAUTHENTICATED"], "{}", replay.body);
    // A replay means the token leaked: its successor dies with it.
    let successor = app.refresh_session(&second.refresh_token).await;
    assert_eq!(
        successor.error_codes(),
        ["UNAUTHENTICATED"],
        "the successor of a replayed token still works: {}",
        successor.body
    );
}

async fn logout_ends_the_session_and_only_that_one(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let ended = app.sign_up().await;
    let other = session_of(
        &app.login(&ended.email, PASSWORD).await,
        "login",
        &ended.email,
    );
    let logout = "mutation($token: String!) { logout(refreshToken: $token) }";

    let response = app
        .graphql(None, logout, json!({"token": ended.refresh_token}))
        .await;
    assert_eq!(response.json, json!({"data": {"logout": true}}));
    let refused = app.refresh_session(&ended.refresh_token).await;
    assert_eq!(
        refused.error_codes(),
        ["UNAUTHENTICATED"],
        "{}",
        refused.body
    );
    let twice = app
        .graphql(None, logout, json!({"token": ended.refresh_token}))
        .await;
    assert_eq!(twice.json, json!({"data": {"logout": false}}));

    let still = app.refresh_session(&other.refresh_token).await;
    session_of(&still, "refreshSession", &other.email);
}

both_databases!(
    a_token_from_sign_up_identifies_the_user_who_signed_up,
    an_expired_access_token_is_refused_with_401,
    a_token_with_a_tampered_signature_or_payload_is_refused,
    a_token_signed_with_another_algorithm_is_refused,
    a_refresh_typed_jwt_is_not_accepted_as_an_access_token,
    a_token_of_another_issuer_or_audience_is_refused,
    garbage_in_place_of_a_token_is_refused,
    an_authorization_scheme_other_than_bearer_is_refused,
    login_with_a_wrong_password_or_an_unknown_email_gives_the_same_answer,
    refresh_session_rotates_the_refresh_token,
    reusing_a_spent_refresh_token_ends_the_whole_session,
    logout_ends_the_session_and_only_that_one,
);
