//! Webhooks end to end (issue 10): an administrator registers a real
//! receiver; committed events arrive signed as Standard Webhooks, verified
//! with the `standardwebhooks` crate and with the tests' own verifier; a
//! replay older than 5 minutes is refused; rotation sends both signatures;
//! a failing receiver sees the retry schedule on a clock the test drives;
//! SSRF targets are refused in production mode.

use std::time::Duration;

use chrono::Utc;
use gateway::config::WebhookSettings;
use gateway::webhooks::{Sender, Worker};
use serde_json::{Value, json};

use crate::both_databases;
use crate::client::{Gql, text};
use crate::helpers::spawn_app_with;
use crate::support::TestDb;
use crate::support::receiver::{Receiver, Reply, verify};
use crate::support::world::World;

const CREATE: &str = "mutation($input: WebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) { secret endpoint { id url eventTypes enabled } }
}";

async fn candidate(admin: &Gql, name: &str) -> String {
    let unique = format!(
        "mutation {{ createCandidate(input: {{name: \"{name}\", email: \"{}@example.com\", positionTitle: \"Engineer\", targetLevel: MID}}) {{ id }} }}",
        uuid::Uuid::now_v7().simple()
    );
    text(&admin.data(&unique, json!({})).await["createCandidate"]["id"])
}

async fn register(admin: &Gql, url: &str, types: &[&str]) -> (String, String) {
    let data = admin
        .data(
            CREATE,
            json!({"input": {"url": url, "eventTypes": types, "description": "test receiver"}}),
        )
        .await;
    let created = &data["createWebhookEndpoint"];
    (text(&created["endpoint"]["id"]), text(&created["secret"]))
}

fn headers_of(received: &crate::support::receiver::Received) -> ::http::HeaderMap {
    let mut map = ::http::HeaderMap::new();
    for (name, value) in &received.headers {
        if let (Ok(name), Ok(value)) = (
            ::http::header::HeaderName::from_bytes(name.as_bytes()),
            ::http::HeaderValue::from_str(value),
        ) {
            map.append(name, value);
        }
    }
    map
}

/// A committed change arrives at the receiver, signed; the signature
/// verifies with the `standardwebhooks` crate and with our own verifier; a
/// replay 6 minutes later, or with a forged timestamp, is refused.
async fn a_receiver_verifies_signed_deliveries_and_refuses_replays(db: &TestDb) {
    let app = spawn_app_with(&db.url, &[("WEBHOOK_ALLOW_PRIVATE", "true")]).await;
    let gql = Gql::new(app);
    let admin = gql.sign_up("Hooked").await.gql;
    let receiver = Receiver::start().await;
    let (_, secret) = register(&admin, &receiver.url, &["candidate.created"]).await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    let id = candidate(&admin, "Grace").await;

    let got = receiver.wait_for(1, Duration::from_secs(20)).await;
    let delivery = &got[0];
    let body = delivery.json();
    assert_eq!(body["type"], "candidate.created");
    assert_eq!(body["data"]["candidateId"], id);
    assert!(delivery.header("webhook-id").starts_with("msg_"));
    assert_eq!(delivery.header("content-type"), "application/json");

    let crate_check = standardwebhooks::Webhook::new(&secret).expect("secret");
    crate_check
        .verify(delivery.body.as_bytes(), &headers_of(delivery))
        .expect("the standardwebhooks crate accepts the delivery");
    let sent: i64 = delivery
        .header("webhook-timestamp")
        .parse()
        .expect("timestamp");
    verify(&secret, delivery, sent + 10).expect("our verifier accepts it");
    let replayed_later = verify(&secret, delivery, sent + 6 * 60);
    assert!(
        replayed_later.is_err(),
        "a replay 6 minutes later is refused"
    );

    let mut forged = delivery.clone();
    for (name, value) in &mut forged.headers {
        if name == "webhook-timestamp" {
            *value = (sent - 301).to_string();
        }
    }
    assert!(matches!(
        crate_check.verify(forged.body.as_bytes(), &headers_of(&forged)),
        Err(standardwebhooks::WebhookError::TimestampTooOldError)
    ));
    let mut tampered = delivery.clone();
    tampered.body = tampered
        .body
        .replace("candidate.created", "candidate.erased");
    assert!(
        crate_check
            .verify(tampered.body.as_bytes(), &headers_of(&tampered))
            .is_err()
    );
    assert!(verify("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", delivery, sent).is_err());

    // Only the types asked for: a stage move is not sent.
    admin
        .data(
            "mutation($id: ID!) { moveCandidate(id: $id, stage: SCREENING) { id } }",
            json!({"id": id}),
        )
        .await;
    candidate(&admin, "Second").await;
    let got = receiver.wait_for(2, Duration::from_secs(20)).await;
    assert_eq!(got[1].json()["type"], "candidate.created");
}

/// After a rotation each delivery carries two signatures, one per secret,
/// each verifying on its own; `pingWebhook` answers with the attempt;
/// `redeliverEvent` sends the same `webhook-id` again; the delivery log
/// shows every attempt.
async fn rotation_ping_redelivery_and_the_delivery_log(db: &TestDb) {
    let app = spawn_app_with(&db.url, &[("WEBHOOK_ALLOW_PRIVATE", "true")]).await;
    let gql = Gql::new(app);
    let admin = gql.sign_up("Rotating").await.gql;
    let receiver = Receiver::start().await;
    let (endpoint, old) = register(&admin, &receiver.url, &[]).await;
    let rotated = admin
        .data(
            "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { previousSecretExpiresAt } } }",
            json!({"id": endpoint}),
        )
        .await;
    let new = text(&rotated["rotateWebhookSecret"]["secret"]);
    assert_ne!(new, old);
    assert!(rotated["rotateWebhookSecret"]["endpoint"]["previousSecretExpiresAt"].is_string());

    let ping = admin
        .data(
            "mutation($id: ID!) { pingWebhook(id: $id) { attempt statusCode succeeded responseExcerpt durationMs } }",
            json!({"id": endpoint}),
        )
        .await;
    assert_eq!(ping["pingWebhook"]["statusCode"], 200);
    assert_eq!(ping["pingWebhook"]["succeeded"], true);
    assert_eq!(ping["pingWebhook"]["responseExcerpt"], "ok");
    let got = receiver.wait_for(1, Duration::from_secs(5)).await;
    let pinged = &got[0];
    assert_eq!(pinged.json()["type"], "webhook.ping");
    let signatures: Vec<&str> = pinged.header("webhook-signature").split(' ').collect();
    assert_eq!(
        signatures.len(),
        2,
        "both secrets sign during the grace period"
    );
    let sent: i64 = pinged.header("webhook-timestamp").parse().expect("ts");
    verify(&old, pinged, sent).expect("the old secret still verifies");
    verify(&new, pinged, sent).expect("the new secret verifies");

    candidate(&admin, "Redelivered").await;
    let got = receiver.wait_for(2, Duration::from_secs(20)).await;
    let first = got[1].clone();
    let events = admin
        .data(
            "{ events(types: [\"candidate.created\"]) { id cursor type } }",
            json!({}),
        )
        .await;
    let event_id = text(&events["events"][0]["id"]);
    assert!(
        first
            .header("webhook-id")
            .ends_with(&event_id.replace('-', ""))
    );
    admin
        .data(
            "mutation($e: ID!, $x: ID!) { redeliverEvent(endpointId: $e, eventId: $x) { status eventId } }",
            json!({"e": endpoint, "x": event_id}),
        )
        .await;
    let got = receiver.wait_for(3, Duration::from_secs(20)).await;
    assert_eq!(got[2].header("webhook-id"), first.header("webhook-id"));
    assert_eq!(got[2].body, first.body);

    // The receiver has the redelivery; its attempt is recorded right after.
    let mut log = Value::Null;
    for _ in 0..50 {
        log = admin
            .data(
                "query($id: ID!) { webhookEndpoint(id: $id) { attempts { attempt statusCode succeeded } } }",
                json!({"id": endpoint}),
            )
            .await;
        if log["webhookEndpoint"]["attempts"]
            .as_array()
            .map_or(0, Vec::len)
            == 3
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let attempts = log["webhookEndpoint"]["attempts"].as_array().expect("list");
    assert_eq!(attempts.len(), 3, "{log}");
    assert!(attempts.iter().all(|a| a["succeeded"] == true), "{log}");
}

fn open_policy() -> WebhookSettings {
    WebhookSettings {
        allow_private: true,
        require_https: false,
    }
}

/// A receiver that keeps failing sees each attempt on the schedule, driven
/// by a clock the test holds (the test's own worker; no app runs), and the
/// delivery fails after the eighth attempt, more than 24 hours on.
async fn a_failing_receiver_sees_the_retry_schedule(db: &TestDb) {
    use domain::entity::webhook_delivery;
    use sea_orm::EntityTrait;
    let w = World::new(db, "Failing").await;
    let receiver = Receiver::start().await;
    receiver.reply(Reply::Status(503, "down for maintenance".into()));
    let (endpoint, _) = domain::webhook::create(
        &db.db,
        &w.admin,
        domain::webhook::EndpointInput {
            url: receiver.url.clone(),
            description: String::new(),
            event_types: vec!["candidate.created".into()],
            enabled: true,
        },
    )
    .await
    .expect("endpoint");
    w.candidate(db, "Retried").await;
    let worker = Worker::new(db.db.clone(), Sender::new(open_policy()).expect("sender"));
    let start = Utc::now() + chrono::Duration::days(1);
    let mut now = start;
    let mut seen_at = Vec::new();
    for attempt in 1..=8usize {
        worker.tick(now).await;
        worker.idle().await;
        let got = receiver.received();
        assert_eq!(got.len(), attempt, "attempt {attempt} at {now}");
        seen_at.push(now);
        // Nothing more is sent before the next attempt is due.
        worker.tick(now + chrono::Duration::seconds(4)).await;
        worker.idle().await;
        assert_eq!(receiver.received().len(), attempt);
        let deliveries = webhook_delivery::Entity::find()
            .all(&db.db)
            .await
            .expect("deliveries");
        let delivery = deliveries
            .iter()
            .find(|d| d.endpoint_id == endpoint.id)
            .expect("a delivery");
        if attempt == 8 {
            assert_eq!(delivery.status, "FAILED");
        } else {
            assert_eq!(delivery.status, "PENDING");
            now = delivery.next_attempt_at;
        }
    }
    let got = receiver.received();
    assert!(
        got.iter()
            .all(|r| r.header("webhook-id") == got[0].header("webhook-id")),
        "every attempt of one event carries the same webhook-id"
    );
    let waits: Vec<i64> = seen_at
        .windows(2)
        .map(|pair| (pair[1] - pair[0]).num_seconds())
        .collect();
    let schedule: Vec<i64> = domain::webhook::delivery::RETRY_AFTER
        .iter()
        .map(|d| d.num_seconds())
        .collect();
    for (wait, base) in waits.iter().zip(&schedule) {
        assert!(
            *wait >= *base && *wait <= base + base / 10 + 1,
            "waited {wait}s for a scheduled {base}s: {waits:?}"
        );
    }
    assert!(now - start >= chrono::Duration::hours(24), "{waits:?}");
    worker.tick(now + chrono::Duration::days(2)).await;
    worker.idle().await;
    assert_eq!(receiver.received().len(), 8, "no attempt after the last");
    let log = domain::webhook::attempts(&db.db, &w.admin, endpoint.id, 100)
        .await
        .expect("log");
    assert_eq!(log.len(), 8);
    assert!(log.iter().all(|a| a.status_code == Some(503)));
    assert_eq!(log[0].response_excerpt, "down for maintenance");
}

const PRODUCTION: [(&str, &str); 2] = [("APP_ENV", "production"), ("SIGNUP", "open")];

/// In production, endpoints must be https and may not point at loopback,
/// private or link-local addresses, or at a name that resolves to one.
async fn ssrf_targets_are_refused_in_production(db: &TestDb) {
    let app = spawn_app_with(&db.url, &PRODUCTION).await;
    let gql = Gql::new(app);
    let admin = gql.sign_up("Guarded").await.gql;
    for url in [
        "http://hooks.example.com/in",
        "https://127.0.0.1/hook",
        "https://10.0.0.7/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://localhost:8443/hook",
    ] {
        let refused = admin.refusal(CREATE, json!({"input": {"url": url}})).await;
        assert_eq!(refused.code, "BAD_USER_INPUT", "{url}: {}", refused.message);
        assert_eq!(refused.fields(), vec!["input.url"], "{url}");
    }
    let endpoints = admin.data("{ webhookEndpoints { id } }", json!({})).await;
    assert_eq!(endpoints["webhookEndpoints"], json!([]));
}

/// The checks also hold when a delivery is made: a registered name that
/// resolves to loopback is refused when connecting, and a redirect (here to
/// a private address) is not followed.
async fn connections_are_checked_and_redirects_not_followed(db: &TestDb) {
    use domain::webhook::delivery;
    let w = World::new(db, "Connect").await;
    let receiver = Receiver::start().await;
    let port = receiver
        .url
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_owned();
    let by_name = format!("http://localhost:{port}");
    for url in [by_name.as_str(), receiver.url.as_str()] {
        domain::webhook::create(
            &db.db,
            &w.admin,
            domain::webhook::EndpointInput {
                url: url.to_owned(),
                description: String::new(),
                event_types: vec!["candidate.created".into()],
                enabled: true,
            },
        )
        .await
        .expect("endpoint");
    }
    w.candidate(db, "Guarded").await;
    let now = Utc::now();
    delivery::dispatch(&db.db, now, 100)
        .await
        .expect("dispatch");
    let due = delivery::claim_due(&db.db, now, chrono::Duration::seconds(20), 10)
        .await
        .expect("claim");
    assert_eq!(due.len(), 2);
    let guarded = Sender::new(WebhookSettings {
        allow_private: false,
        require_https: false,
    })
    .expect("sender");
    let to_name = due
        .iter()
        .find(|d| d.endpoint.url.contains("localhost"))
        .expect("by name");
    let refused = guarded.attempt(to_name, now).await;
    let error = refused.error.unwrap_or_default();
    assert!(error.contains("localhost resolves only to"), "{error}");
    assert_eq!(refused.status_code, None);
    assert!(
        receiver.received().is_empty(),
        "nothing reached the receiver"
    );

    receiver.reply(Reply::Redirect("http://10.0.0.1/steal".into()));
    let open = Sender::new(open_policy()).expect("sender");
    let to_literal = due
        .iter()
        .find(|d| !d.endpoint.url.contains("localhost"))
        .expect("literal");
    let redirected = open.attempt(to_literal, now).await;
    assert_eq!(redirected.status_code, Some(307));
    assert!(!redirected.succeeded());
    let error = redirected.error.unwrap_or_default();
    assert!(error.contains("redirects are not followed"), "{error}");
    assert_eq!(receiver.received().len(), 1, "one request, no follow-up");
}

both_databases!(
    a_receiver_verifies_signed_deliveries_and_refuses_replays,
    rotation_ping_redelivery_and_the_delivery_log,
    a_failing_receiver_sees_the_retry_schedule,
    ssrf_targets_are_refused_in_production,
    connections_are_checked_and_redirects_not_followed,
);
