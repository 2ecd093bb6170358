//! No request can stall the service: hostile documents are priced and
//! refused before any SQL runs, input no database can store is refused as
//! input, and slow or idle connections are closed.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::both_databases;
use crate::client::{Gql, unique_email};
use crate::helpers::{spawn_app, spawn_app_with};
use crate::statements::CountingApp;
use crate::support::TestDb;
use crate::support::world::World;
use crate::ws::Subscriber;

/// `fragment F1 on Query { ...F0 ...F0 }` … `query { ...F<levels> }`: the
/// document of a few hundred bytes that expands to 2^levels fields.
fn fragment_bomb(levels: usize) -> String {
    let mut query = String::from("fragment F0 on Query { __typename }\n");
    for level in 1..=levels {
        query.push_str(&format!(
            "fragment F{level} on Query {{ ...F{p} ...F{p} }}\n",
            p = level - 1
        ));
    }
    query.push_str(&format!("query {{ ...F{levels} }}"));
    query
}

/// The statements of a refused signed-in request: at most the one read that
/// checks the caller's session, nothing of the operation.
fn only_the_credential_check(statements: &[String]) {
    assert!(
        statements.len() <= 1 && statements.iter().all(|s| s.contains("\"users\"")),
        "ran {statements:?}"
    );
}

async fn viewer_of(db: &TestDb, app: &CountingApp, world: &World) -> Gql {
    let email = domain::user::get(&db.db, &world.admin, world.viewer.user_id)
        .await
        .expect("the viewer")
        .email;
    app.gql.login(&email).await.gql
}

async fn a_fragment_bomb_is_refused_before_any_sql(db: &TestDb) {
    let app = CountingApp::spawn(db).await;
    let query = fragment_bomb(23);
    assert!(
        query.len() < 1_000,
        "a small document: {} bytes",
        query.len()
    );
    let (refusal, statements) = app.refused(&query, json!({})).await;
    assert_eq!(refusal.code, "BAD_USER_INPUT");
    assert!(
        refusal
            .message
            .contains("fields once its fragments are expanded")
            && refusal.message.contains("GRAPHQL_MAX_FIELDS"),
        "{}",
        refusal.message
    );
    assert!(statements.is_empty(), "ran {statements:?}");
}

async fn two_hundred_aliased_reports_are_refused_before_any_sql(db: &TestDb) {
    let world = World::new(db, "Aliases").await;
    let app = CountingApp::spawn(db).await;
    let viewer = app.as_caller(viewer_of(db, &app, &world).await);

    let many: String = (0..200)
        .map(|i| format!("a{i}: questionStats(first: 100) {{ edges {{ node {{ timesAsked meanRating }} }} }} "))
        .collect();
    let (refusal, statements) = viewer.refused(&format!("{{ {many} }}"), json!({})).await;
    assert_eq!(refusal.code, "BAD_USER_INPUT");
    assert!(refusal.message.contains("aliases"), "{}", refusal.message);
    only_the_credential_check(&statements);

    // Within the alias limit, the cost still adds up per alias.
    let some: String = (0..20)
        .map(|i| format!("a{i}: questionStats(first: 20) {{ edges {{ node {{ timesAsked }} }} }} "))
        .collect();
    let (refusal, statements) = viewer.refused(&format!("{{ {some} }}"), json!({})).await;
    assert_eq!(refusal.code, "BAD_USER_INPUT");
    assert!(
        refusal.message.contains("costs 40,820")
            && refusal.message.contains("25,000")
            && refusal.message.contains("`a0`"),
        "the refusal says the cost, the limit and the most expensive field: {}",
        refusal.message
    );
    only_the_credential_check(&statements);

    let body = viewer.gql.send(&format!("{{ {some} }}"), json!({})).await;
    let extensions = &body["errors"][0]["extensions"];
    assert_eq!(extensions["limit"], "cost");
    assert_eq!(extensions["measured"], 40_820);
    assert_eq!(extensions["allowed"], 25_000);
    assert_eq!(extensions["mostExpensiveField"]["path"], "a0");
}

async fn a_request_without_a_token_gets_a_much_smaller_budget(db: &TestDb) {
    let world = World::new(db, "Budget").await;
    let app = CountingApp::spawn(db).await;
    let page = "{ candidates(first: 100) { edges { node { id } } } }";
    let (refusal, statements) = app.refused(page, json!({})).await;
    assert_eq!(refusal.code, "BAD_USER_INPUT");
    assert!(
        refusal.message.contains("without a token") && refusal.message.contains("200"),
        "{}",
        refusal.message
    );
    assert!(statements.is_empty(), "ran {statements:?}");
    let viewer = viewer_of(db, &app, &world).await;
    let data = viewer.data(page, json!({})).await;
    assert!(data["candidates"]["edges"].is_array());
}

async fn nul_characters_are_refused_as_input_naming_the_field(db: &TestDb) {
    let world = World::new(db, "Nul").await;
    let app = CountingApp::spawn(db).await;
    let (refusal, statements) = app
        .refused(
            r#"mutation { login(email: "a\u0000@x.io", password: "whatever it is") { accessToken } }"#,
            json!({}),
        )
        .await;
    assert_eq!(refusal.code, "BAD_USER_INPUT");
    assert_eq!(refusal.fields(), ["email"]);
    assert!(statements.is_empty(), "ran {statements:?}");

    let manager_email = domain::user::get(&db.db, &world.admin, world.manager.user_id)
        .await
        .expect("the manager")
        .email;
    let manager = app.as_caller(app.gql.login(&manager_email).await.gql);
    let (refusal, statements) = manager
        .refused(
            "mutation($input: CandidateInput!) { createCandidate(input: $input) { id } }",
            json!({"input": {"name": "Ada\u{0}", "email": "ada@example.com",
                   "positionTitle": "Engineer\u{0}", "targetLevel": "SENIOR"}}),
        )
        .await;
    assert_eq!(refusal.code, "BAD_USER_INPUT");
    assert_eq!(refusal.fields(), ["name", "positionTitle"]);
    only_the_credential_check(&statements);

    let refusal = manager
        .gql
        .refusal(
            "query($s: String) { candidates(filter: {search: $s}) { totalCount } }",
            json!({"s": "x\u{0}"}),
        )
        .await;
    assert_eq!(refusal.fields(), ["filter.search"]);
}

async fn a_search_of_50000_characters_is_refused_naming_the_filter(db: &TestDb) {
    let world = World::new(db, "Search").await;
    let app = spawn_app(&db.url).await;
    let gql = Gql::new(app);
    let email = domain::user::get(&db.db, &world.admin, world.viewer.user_id)
        .await
        .expect("the viewer")
        .email;
    let viewer = gql.login(&email).await.gql;
    let long = "a%_".repeat(16_667);
    for query in [
        "query($s: String) { candidates(filter: {search: $s}) { totalCount } }",
        "query($s: String) { questions(filter: {search: $s}) { totalCount } }",
    ] {
        let refusal = viewer.refusal(query, json!({"s": long})).await;
        assert_eq!(refusal.code, "BAD_USER_INPUT", "{query}");
        assert_eq!(refusal.fields(), ["filter.search"], "{query}");
        assert!(refusal.problems[0].1.contains("at most 200"), "{refusal:?}");
    }
    let fine = viewer
        .data(
            "query($s: String) { questions(filter: {search: $s}) { totalCount } }",
            json!({"s": "a".repeat(200)}),
        )
        .await;
    assert_eq!(fine["questions"]["totalCount"], 0);
}

async fn an_enum_written_as_a_string_is_a_validation_error(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let response = app
        .graphql(
            None,
            r#"{ candidates(filter: {stages: "APPLIED"}) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        response.error_codes(),
        ["BAD_USER_INPUT"],
        "{}",
        response.body
    );
    assert!(response.json.get("data").is_none_or(Value::is_null));
    assert!(
        response.first_error_message().contains("stages"),
        "{}",
        response.body
    );
}

async fn an_email_taken_in_another_organization_gets_the_answer_of_any_unusable_email(db: &TestDb) {
    let app = Gql::new(spawn_app(&db.url).await);
    let acme = app.sign_up("Acme").await;
    let globex = app.sign_up("Globex").await;
    let create = "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }";
    let input = |email: &str| {
        json!({"input": {"email": email, "displayName": "Someone", "role": "VIEWER",
                         "password": "correct horse battery staple"}})
    };
    let theirs = unique_email("taken", "globex");
    globex.gql.data(create, input(&theirs)).await;
    let ours = unique_email("taken", "acme");
    acme.gql.data(create, input(&ours)).await;

    let elsewhere = acme.gql.refusal(create, input(&theirs)).await;
    let here = acme.gql.refusal(create, input(&ours)).await;
    assert_eq!(elsewhere.code, "BAD_USER_INPUT");
    assert_eq!(
        (
            elsewhere.code.as_str(),
            elsewhere.message.as_str(),
            elsewhere.problems.clone()
        ),
        (
            here.code.as_str(),
            here.message.as_str(),
            here.problems.clone()
        ),
        "the answer does not tell which organization has the address"
    );
}

/// A write that waits for a lock held elsewhere past the request deadline
/// is answered `TIMEOUT`, and commits nothing.
async fn an_operation_past_its_deadline_ends_with_a_timeout_and_commits_nothing(db: &TestDb) {
    use sea_orm::ConnectionTrait;

    let world = World::new(db, "Deadline").await;
    let app = spawn_app_with(
        &db.url,
        &[
            ("REQUEST_TIMEOUT_SECONDS", "1"),
            ("DATABASE_STATEMENT_TIMEOUT_SECONDS", "3"),
            ("SQLITE_BUSY_TIMEOUT_MS", "4000"),
        ],
    )
    .await;
    let email = domain::user::get(&db.db, &world.admin, world.manager.user_id)
        .await
        .expect("the manager")
        .email;
    let manager = Gql::new(app).login(&email).await.gql;

    let holder = domain::db::begin_write(&db.db).await.expect("begin");
    let lock = match db.backend {
        crate::support::Backend::Postgres => "LOCK TABLE candidates IN EXCLUSIVE MODE",
        crate::support::Backend::Sqlite => "UPDATE organizations SET name = name",
    };
    holder
        .execute_unprepared(lock)
        .await
        .expect("take the lock");
    let refusal = manager
        .refusal(
            "mutation($input: CandidateInput!) { createCandidate(input: $input) { id } }",
            json!({"input": {"name": "Late Larry", "email": "late@example.com",
                   "positionTitle": "Engineer", "targetLevel": "MID"}}),
        )
        .await;
    assert_eq!(refusal.code, "TIMEOUT", "{refusal:?}");
    assert!(refusal.message.contains("1 seconds"), "{}", refusal.message);
    holder.rollback().await.expect("release the lock");

    tokio::time::sleep(Duration::from_millis(1500)).await;
    let listed = manager
        .data(
            "{ candidates(filter: {search: \"late@example.com\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["candidates"]["totalCount"], 0,
        "nothing was committed"
    );
}

both_databases!(
    an_operation_past_its_deadline_ends_with_a_timeout_and_commits_nothing,
    a_fragment_bomb_is_refused_before_any_sql,
    two_hundred_aliased_reports_are_refused_before_any_sql,
    a_request_without_a_token_gets_a_much_smaller_budget,
    nul_characters_are_refused_as_input_naming_the_field,
    a_search_of_50000_characters_is_refused_naming_the_filter,
    an_enum_written_as_a_string_is_a_validation_error,
    an_email_taken_in_another_organization_gets_the_answer_of_any_unusable_email,
);

/// Reads from `stream` until it closes or `wait` passes; what was read.
async fn read_until_closed(stream: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut received = Vec::new();
    let outcome = tokio::time::timeout(wait, stream.read_to_end(&mut received)).await;
    match outcome {
        Ok(_) => Some(String::from_utf8_lossy(&received).into_owned()),
        Err(_) => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_sent_too_slowly_is_answered_408_and_the_connection_closed() {
    let db = TestDb::sqlite().await;
    let app = spawn_app_with(&db.url, &[("HTTP_BODY_TIMEOUT_SECONDS", "1")]).await;
    let mut stream = TcpStream::connect(app.address).await.expect("connect");
    stream
        .write_all(
            b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 4000000\r\n\r\n{\"query\":",
        )
        .await
        .expect("send the start");
    let answer = read_until_closed(&mut stream, Duration::from_secs(20))
        .await
        .expect("the server closes a stalled body");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("HTTP_BODY_TIMEOUT_SECONDS"), "{answer}");
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_sent_too_slowly_close_the_connection() {
    let db = TestDb::sqlite().await;
    let app = spawn_app_with(&db.url, &[("HTTP_HEADER_TIMEOUT_SECONDS", "1")]).await;
    let mut stream = TcpStream::connect(app.address).await.expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("send half the headers");
    let answer = read_until_closed(&mut stream, Duration::from_secs(20)).await;
    assert!(answer.is_some(), "the server keeps waiting for the headers");
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_holds_at_most_its_connection_cap() {
    let db = TestDb::sqlite().await;
    let app = spawn_app_with(&db.url, &[("MAX_CONNECTIONS_PER_CLIENT", "3")]).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(app.address).await.expect("connect"));
    }
    // Give the server a moment to count the three before the fourth.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut fourth = TcpStream::connect(app.address).await.expect("connect");
    let _ = fourth
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await;
    let answer = read_until_closed(&mut fourth, Duration::from_secs(10))
        .await
        .expect("the fourth connection is closed");
    assert!(
        !answer.contains("200 OK"),
        "served beyond the cap: {answer}"
    );

    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut again = TcpStream::connect(app.address).await.expect("connect");
    again
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("send");
    let answer = read_until_closed(&mut again, Duration::from_secs(10))
        .await
        .expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websockets_close_with_the_codes_of_graphql_transport_ws() {
    let db = TestDb::sqlite().await;
    let app = spawn_app_with(&db.url, &[("WS_INIT_TIMEOUT_SECONDS", "1")]).await;

    let mut silent = Subscriber::open(app.address).await;
    let refusal = silent.closed_within(Duration::from_secs(10)).await;
    assert_eq!(refusal.code, 4408, "{refusal:?}");

    let mut early = Subscriber::open(app.address).await;
    early
        .send_text(r#"{"type":"subscribe","id":"1","payload":{"query":"subscription { scorecardSubmitted { id } }"}}"#)
        .await;
    let refusal = early.closed_within(Duration::from_secs(5)).await;
    assert_eq!(refusal.code, 4401, "{refusal:?}");

    let mut garbled = Subscriber::open(app.address).await;
    garbled.send_text("{not json").await;
    let refusal = garbled.closed_within(Duration::from_secs(5)).await;
    assert_eq!(refusal.code, 4400, "{refusal:?}");
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_is_priced_like_any_request() {
    let db = TestDb::sqlite().await;
    let app = spawn_app(&db.url).await;
    let address = app.address;
    let admin = Gql::new(app).sign_up("Priced").await;
    let token = admin.gql.token().expect("signed in").to_owned();
    let mut subscriber = Subscriber::connect(address, json!({"accessToken": token}))
        .await
        .expect("connected");
    let mut bomb = String::from("fragment F0 on Scorecard { id }\n");
    for level in 1..=23 {
        bomb.push_str(&format!(
            "fragment F{level} on Scorecard {{ ...F{p} ...F{p} }}\n",
            p = level - 1
        ));
    }
    bomb.push_str("subscription { scorecardSubmitted { ...F23 } }");
    let id = subscriber.subscribe(&bomb, json!({})).await;
    let payload = subscriber.next(&id).await;
    assert_eq!(
        payload["errors"][0]["extensions"]["limit"], "fields",
        "{payload}"
    );
    assert_eq!(payload["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_hides_the_schema_graphiql_and_metrics() {
    let db = TestDb::sqlite().await;
    let app = spawn_app_with(&db.url, &[("APP_ENV", "production")]).await;

    let introspection = app
        .graphql(None, "{ __schema { types { name } } }", json!({}))
        .await;
    assert_eq!(
        introspection.error_codes(),
        ["BAD_USER_INPUT"],
        "{}",
        introspection.body
    );
    assert!(
        introspection
            .first_error_message()
            .contains("GRAPHQL_INTROSPECTION"),
        "{}",
        introspection.body
    );
    assert!(introspection.json.get("data").is_none_or(Value::is_null));

    let typo = app.graphql(None, "{ mee { id } }", json!({})).await;
    assert!(!typo.body.contains("Did you mean"), "{}", typo.body);

    let page = app
        .request("GET", "/graphql", &[("Accept", "text/html")], None)
        .await;
    assert!(!page.content_type.starts_with("text/html"), "{page:?}");

    let metrics = app.request("GET", "/metrics", &[], None).await;
    assert_eq!(metrics.status, 404, "{metrics:?}");

    let login = app
        .graphql(
            None,
            "mutation { login(email: \"nobody@example.com\", password: \"wrong password here\") { accessToken } }",
            json!({}),
        )
        .await;
    assert_eq!(login.header("cache-control"), Some("no-store"));
    db.finish().await;

    let db = TestDb::sqlite().await;
    let open = spawn_app_with(
        &db.url,
        &[("APP_ENV", "production"), ("GRAPHQL_INTROSPECTION", "true")],
    )
    .await;
    let introspection = open
        .graphql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(
        introspection.json["data"]["__schema"]["queryType"]["name"], "Query",
        "{}",
        introspection.body
    );
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_need_their_token_or_their_own_address() {
    let db = TestDb::sqlite().await;
    let token = "a metrics token of some length";
    let app = spawn_app_with(
        &db.url,
        &[("APP_ENV", "production"), ("METRICS_TOKEN", token)],
    )
    .await;
    let refused = app.request("GET", "/metrics", &[], None).await;
    assert_eq!(refused.status, 401);
    let wrong = app
        .request(
            "GET",
            "/metrics",
            &[("Authorization", "Bearer not the token")],
            None,
        )
        .await;
    assert_eq!(wrong.status, 401);
    let bearer = format!("Bearer {token}");
    let allowed = app
        .request(
            "GET",
            "/metrics",
            &[("Authorization", bearer.as_str())],
            None,
        )
        .await;
    assert_eq!(allowed.status, 200);
    assert!(allowed.body.contains("http_requests"), "{}", allowed.body);
    db.finish().await;
}
