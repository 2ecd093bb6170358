//! Taking access away over HTTP: deactivation, role changes and logout
//! count on the very next request; API keys read, cannot write, and stop
//! when revoked; sign-in limits count failures only, across gateways.

use serde_json::{Value, json};

use crate::both_databases;
use crate::client::{Gql, Signed, unique_email};
use crate::helpers::{PASSWORD, spawn_app, spawn_app_with};
use crate::support::{Backend, TestDb};
use crate::ws::Subscriber;

const CREATE_USER: &str = "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }";
const CREATE_CANDIDATE: &str =
    "mutation($input: CandidateInput!) { createCandidate(input: $input) { id } }";
const LOGIN: &str = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken } }";

/// An organization with an admin and one more user of `role`, signed in.
async fn with_user(gql: &Gql, role: &str) -> (Signed, Signed, String) {
    let admin = gql.sign_up("Acme").await;
    let email = unique_email(role, "acme");
    admin
        .gql
        .data(
            CREATE_USER,
            json!({"input": {"email": email, "displayName": "Someone", "role": role,
                             "password": PASSWORD}}),
        )
        .await;
    let user = gql.login(&email).await;
    (admin, user, email)
}

/// Signs `email` in: calls made in that session, and its refresh token.
async fn session(gql: &Gql, email: &str) -> (Gql, String) {
    let tokens = gql.data(LOGIN, json!({"e": email, "p": PASSWORD})).await;
    let access = tokens["login"]["accessToken"].as_str().unwrap();
    let refresh = tokens["login"]["refreshToken"].as_str().unwrap();
    (gql.signed_in(access), refresh.to_owned())
}

fn candidate(n: u32) -> Value {
    json!({"input": {"name": format!("Candidate {n}"), "email": format!("c{n}.{}@example.com", uuid::Uuid::now_v7().simple()),
                     "positionTitle": "Engineer", "targetLevel": "MID"}})
}

async fn a_deactivated_users_tokens_are_refused_on_the_next_request(db: &TestDb) {
    let gql = Gql::new(spawn_app(&db.url).await);
    let (admin, user, email) = with_user(&gql, "HIRING_MANAGER").await;
    let (_, refresh) = session(&gql, &email).await;
    user.gql.data("{ me { id } }", json!({})).await;

    admin
        .gql
        .data(
            "mutation($id: ID!) { deactivateUser(id: $id) { active } }",
            json!({"id": user.id}),
        )
        .await;
    let refused = user.gql.send_raw("{ me { id } }", json!({})).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert!(refused.body.contains("deactivated"), "{}", refused.body);
    let again = gql
        .refusal(
            "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }",
            json!({"t": refresh}),
        )
        .await;
    assert_eq!(again.code, "UNAUTHENTICATED");
    let login = gql.refusal(LOGIN, json!({"e": email, "p": PASSWORD})).await;
    assert!(login.message.contains("deactivated"), "{}", login.message);

    // Still listed, as the author they were.
    let listed = admin
        .gql
        .data(
            "{ users(filter: {active: false}) { totalCount edges { node { id active } } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["users"]["totalCount"], 1);
    assert_eq!(listed["users"]["edges"][0]["node"]["id"], user.id.as_str());
}

async fn a_demoted_hiring_manager_is_forbidden_on_the_next_request(db: &TestDb) {
    let gql = Gql::new(spawn_app(&db.url).await);
    let (admin, manager, _) = with_user(&gql, "HIRING_MANAGER").await;
    manager.gql.data(CREATE_CANDIDATE, candidate(1)).await;
    admin
        .gql
        .data(
            "mutation($id: ID!) { updateUser(id: $id, input: {role: VIEWER}) { role } }",
            json!({"id": manager.id}),
        )
        .await;
    let refused = manager.gql.refusal(CREATE_CANDIDATE, candidate(2)).await;
    assert_eq!(refused.code, "FORBIDDEN", "{refused:?}");
}

/// A compiled `candidateReport` checks the session in its own statement
/// (see `statements.rs`): a role change, a deactivation and a logout count
/// on the very next request there too, with the same answers as the full
/// path.
async fn a_compiled_report_loses_access_on_the_next_request(db: &TestDb) {
    const REPORT: &str =
        "query($id: ID!) { candidateReport(candidateId: $id) { decisionReady candidate { id } } }";
    let gql = Gql::new(spawn_app(&db.url).await);
    let (admin, _, email) = with_user(&gql, "HIRING_MANAGER").await;
    let (manager, refresh) = session(&gql, &email).await;
    let me = manager.data("{ me { id } }", json!({})).await["me"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = manager.data(CREATE_CANDIDATE, candidate(1)).await;
    let id = json!({"id": created["createCandidate"]["id"]});
    let set_role = |role: &'static str| {
        let (admin, me) = (&admin, &me);
        async move {
            admin
                .gql
                .data(
                    "mutation($id: ID!, $role: Role!) { updateUser(id: $id, input: {role: $role}) { role } }",
                    json!({"id": me, "role": role}),
                )
                .await;
        }
    };
    // The first run teaches the plan; the second runs it.
    manager.data(REPORT, id.clone()).await;
    let before = gql.compiled_operations().await;
    let answered = manager.data(REPORT, id.clone()).await;
    assert_eq!(answered["candidateReport"]["candidate"]["id"], id["id"]);
    assert_eq!(gql.compiled_operations().await, before + 1, "the plan ran");

    // Demoted to interviewer, who has scored nobody: the blind rule of
    // the stored role, not the token's.
    set_role("INTERVIEWER").await;
    let blind = manager.refusal(REPORT, id.clone()).await;
    assert_eq!(blind.code, "FORBIDDEN", "{blind:?}");
    set_role("HIRING_MANAGER").await;
    let before = gql.compiled_operations().await;
    manager.data(REPORT, id.clone()).await;
    assert_eq!(
        gql.compiled_operations().await,
        before + 1,
        "the plan ran again"
    );

    // Signed out: the same token is refused as the full path refuses it.
    gql.data(
        "mutation($t: String!) { logout(refreshToken: $t) }",
        json!({"t": refresh}),
    )
    .await;
    let ended = manager.send_raw(REPORT, id.clone()).await;
    assert_eq!(ended.status, 401, "{}", ended.body);
    assert!(ended.body.contains("session has ended"), "{}", ended.body);

    // Deactivated, in a new session.
    let again = gql.login(&email).await;
    again.gql.data(REPORT, id.clone()).await;
    admin
        .gql
        .data(
            "mutation($id: ID!) { deactivateUser(id: $id) { active } }",
            json!({"id": me}),
        )
        .await;
    let before = gql.compiled_operations().await;
    let refused = again.gql.send_raw(REPORT, id.clone()).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert!(refused.body.contains("deactivated"), "{}", refused.body);
    assert_eq!(gql.compiled_operations().await, before, "no plan answered");
}

async fn the_last_admin_keeps_the_role_over_the_api(db: &TestDb) {
    let gql = Gql::new(spawn_app(&db.url).await);
    let admin = gql.sign_up("Solo").await;
    let refused = admin
        .gql
        .refusal(
            "mutation($id: ID!) { updateUser(id: $id, input: {role: VIEWER}) { role } }",
            json!({"id": admin.id}),
        )
        .await;
    assert_eq!(refused.code, "CONFLICT");
    assert!(
        refused.message.contains("last active administrator"),
        "{}",
        refused.message
    );
}

async fn logout_ends_the_access_token_too(db: &TestDb) {
    let gql = Gql::new(spawn_app(&db.url).await);
    let (_, _, email) = with_user(&gql, "INTERVIEWER").await;
    let (user, refresh) = session(&gql, &email).await;
    user.data("{ me { id } }", json!({})).await;
    let ended = gql
        .data(
            "mutation($t: String!) { logout(refreshToken: $t) }",
            json!({"t": refresh}),
        )
        .await;
    assert_eq!(ended["logout"], true);
    let refused = user.send_raw("{ me { id } }", json!({})).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
}

async fn an_api_key_reads_reports_cannot_mutate_and_stops_when_revoked(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let address = app.address;
    let gql = Gql::new(app);
    let admin = gql.sign_up("Keys").await;
    let created = admin
        .gql
        .data(
            "mutation { createApiKey(input: {name: \"Grafana\"}) { key apiKey { id role prefix } } }",
            json!({}),
        )
        .await;
    let key = created["createApiKey"]["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("ipk_"));
    assert_eq!(created["createApiKey"]["apiKey"]["role"], "VIEWER");
    let dashboard = gql.signed_in(&key);
    let report = dashboard
        .data("{ pipeline { totalCandidates } }", json!({}))
        .await;
    assert_eq!(report["pipeline"]["totalCandidates"], 0);
    let write = dashboard.refusal(CREATE_CANDIDATE, candidate(1)).await;
    assert_eq!(write.code, "FORBIDDEN");

    let subscriber = Subscriber::connect(address, json!({"accessToken": key})).await;
    assert!(subscriber.is_ok(), "a key opens a subscription");

    admin
        .gql
        .data(
            "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }",
            json!({"id": created["createApiKey"]["apiKey"]["id"]}),
        )
        .await;
    let refused = dashboard
        .send_raw("{ pipeline { totalCandidates } }", json!({}))
        .await;
    assert_eq!(refused.status, 401);
    assert!(refused.body.contains("revoked"), "{}", refused.body);
    let listed = admin
        .gql
        .data("{ apiKeys { name revokedAt lastUsedAt } }", json!({}))
        .await;
    assert!(listed["apiKeys"][0]["revokedAt"].is_string());
    assert!(listed["apiKeys"][0]["lastUsedAt"].is_string());
}

async fn twenty_correct_logins_at_once_all_succeed(db: &TestDb) {
    let gql = Gql::new(spawn_app(&db.url).await);
    let (_, _, email) = with_user(&gql, "VIEWER").await;
    let logins = (0..20).map(|_| {
        let gql = gql.clone();
        let email = email.clone();
        tokio::spawn(async move { gql.send(LOGIN, json!({"e": email, "p": PASSWORD})).await })
    });
    for login in logins {
        let body = login.await.expect("login task");
        assert!(body.get("errors").is_none(), "{body}");
    }
}

async fn five_wrong_passwords_lock_the_email_even_for_the_right_one(db: &TestDb) {
    let gql = Gql::new(spawn_app(&db.url).await);
    let (_, _, email) = with_user(&gql, "VIEWER").await;
    for _ in 0..5 {
        let wrong = gql
            .refusal(LOGIN, json!({"e": email, "p": "not the right password"}))
            .await;
        assert_eq!(wrong.code, "UNAUTHENTICATED");
    }
    let locked = gql.refusal(LOGIN, json!({"e": email, "p": PASSWORD})).await;
    assert_eq!(locked.code, "RATE_LIMITED");
}

async fn refreshing_with_a_stale_authorization_header_succeeds(db: &TestDb) {
    let gql = Gql::new(spawn_app(&db.url).await);
    let (_, _, email) = with_user(&gql, "VIEWER").await;
    let (_, refresh) = session(&gql, &email).await;
    let stale = gql.signed_in("expired.or.garbage");
    let refreshed = stale
        .data(
            "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }",
            json!({"t": refresh}),
        )
        .await;
    assert!(refreshed["refreshSession"]["accessToken"].is_string());
    let logged_in = stale.data(LOGIN, json!({"e": email, "p": PASSWORD})).await;
    assert!(logged_in["login"]["accessToken"].is_string());
    // Anything else with that header is refused as before.
    let refused = stale.send_raw("{ me { id } }", json!({})).await;
    assert_eq!(refused.status, 401);
}

async fn sign_up_closed_leaves_user_creation_to_administrators(db: &TestDb) {
    let gql = Gql::new(spawn_app_with(&db.url, &[("SIGNUP", "closed")]).await);
    let refused = gql
        .refusal(
            "mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }",
            json!({"input": {"organizationName": "Nope", "email": "nope@example.com",
                             "password": PASSWORD, "displayName": "Nope"}}),
        )
        .await;
    assert_eq!(refused.code, "FORBIDDEN");
    assert!(
        refused.message.contains("SIGNUP=closed"),
        "{}",
        refused.message
    );
}

both_databases!(
    a_deactivated_users_tokens_are_refused_on_the_next_request,
    a_demoted_hiring_manager_is_forbidden_on_the_next_request,
    a_compiled_report_loses_access_on_the_next_request,
    the_last_admin_keeps_the_role_over_the_api,
    logout_ends_the_access_token_too,
    an_api_key_reads_reports_cannot_mutate_and_stops_when_revoked,
    twenty_correct_logins_at_once_all_succeed,
    five_wrong_passwords_lock_the_email_even_for_the_right_one,
    refreshing_with_a_stale_authorization_header_succeeds,
    sign_up_closed_leaves_user_creation_to_administrators,
);

/// Two gateways on one PostgreSQL database count the same failures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gateways_on_postgres_share_the_failure_count() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    assert_eq!(db.backend, Backend::Postgres);
    let one = Gql::new(spawn_app(&db.url).await);
    let two = Gql::new(spawn_app(&db.url).await);
    let (_, _, email) = with_user(&one, "VIEWER").await;
    for gateway in [&one, &one, &one, &two, &two] {
        let wrong = gateway
            .refusal(LOGIN, json!({"e": email, "p": "not the right password"}))
            .await;
        assert_eq!(wrong.code, "UNAUTHENTICATED");
    }
    for gateway in [&one, &two] {
        let locked = gateway
            .refusal(LOGIN, json!({"e": email, "p": PASSWORD}))
            .await;
        assert_eq!(
            locked.code, "RATE_LIMITED",
            "five failures over two gateways"
        );
    }
    db.finish().await;
}
