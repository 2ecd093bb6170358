//! The audit log (issue 10): every mutation of the schema writes an entry
//! (the test walks the schema's mutation list, so a new mutation without
//! one fails it), reads of scorecards and candidate reports write one, and
//! administrators read them through `auditLog`.

use std::time::Duration;

use domain::entity::audit_entry;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::both_databases;
use crate::client::{Gql, text};
use crate::helpers::spawn_app;
use crate::support::TestDb;

const SCHEMA: &str = "{ __schema {
    mutationType { fields { name type { ...Ref } args { name defaultValue type { ...Ref } } } }
    types { name kind enumValues { name } inputFields { name defaultValue type { ...Ref } } }
} }
fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// A literal of the type `reference` names, made of placeholders that are
/// valid for the type (so the field runs) but name nothing that exists.
fn literal(reference: &Value, types: &[Value]) -> String {
    match reference["kind"].as_str().unwrap_or_default() {
        "NON_NULL" => literal(&reference["ofType"], types),
        "LIST" => "[]".to_owned(),
        "ENUM" => {
            let name = reference["name"].as_str().unwrap_or_default();
            let found = types.iter().find(|t| t["name"] == name).expect("enum type");
            text(&found["enumValues"][0]["name"])
        }
        "INPUT_OBJECT" => {
            let name = reference["name"].as_str().unwrap_or_default();
            let found = types
                .iter()
                .find(|t| t["name"] == name)
                .expect("input type");
            let fields: Vec<String> = found["inputFields"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|f| f["type"]["kind"] == "NON_NULL" && f["defaultValue"].is_null())
                .map(|f| format!("{}: {}", text(&f["name"]), literal(&f["type"], types)))
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
        _ => match reference["name"].as_str().unwrap_or_default() {
            "ID" => format!("\"{}\"", uuid::Uuid::now_v7()),
            "Int" => "1".to_owned(),
            "Float" => "1.5".to_owned(),
            "Boolean" => "false".to_owned(),
            "DateTime" => "\"2030-01-01T00:00:00Z\"".to_owned(),
            "EventCursor" => "\"0\"".to_owned(),
            _ => "\"x\"".to_owned(),
        },
    }
}

/// The named type at the bottom of `reference`.
fn named(reference: &Value) -> &Value {
    if reference["name"].is_string() {
        reference
    } else {
        named(&reference["ofType"])
    }
}

/// Calls every mutation of the schema once (with placeholder arguments, as
/// an administrator) and expects an audit entry for each, with the
/// caller, the address, the request id and the outcome.
async fn every_mutation_of_the_schema_writes_an_audit_entry(db: &TestDb) {
    let gql = Gql::new(spawn_app(&db.url).await);
    let admin = gql.sign_up("Audited").await;
    let schema = admin.gql.data(SCHEMA, json!({})).await;
    let types = schema["__schema"]["types"]
        .as_array()
        .expect("types")
        .clone();
    let mut fields = schema["__schema"]["mutationType"]["fields"]
        .as_array()
        .expect("mutations")
        .clone();
    // Signing out ends the session the walk runs in: last.
    fields.sort_by_key(|f| f["name"] == "logout");
    assert!(fields.len() > 40, "{} mutations", fields.len());
    for field in &fields {
        let name = text(&field["name"]);
        let args: Vec<String> = field["args"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| a["type"]["kind"] == "NON_NULL" && a["defaultValue"].is_null())
            .map(|a| format!("{}: {}", text(&a["name"]), literal(&a["type"], &types)))
            .collect();
        let arguments = if args.is_empty() {
            String::new()
        } else {
            format!("({})", args.join(", "))
        };
        let selection = match named(&field["type"])["kind"].as_str() {
            Some("OBJECT" | "INTERFACE" | "UNION") => " { __typename }",
            _ => "",
        };
        let document = format!("mutation {{ {name}{arguments}{selection} }}");
        let response = admin.gql.send(&document, json!({})).await;
        let before_execution = response["errors"]
            .as_array()
            .is_some_and(|errors| errors.iter().any(|e| e["path"].is_null()));
        assert!(
            !before_execution,
            "{document} did not run (a placeholder is wrong): {response}"
        );
    }
    for field in &fields {
        let name = text(&field["name"]);
        let entries = audit_entry::Entity::find()
            .filter(audit_entry::Column::Operation.eq(name.as_str()))
            .all(&db.db)
            .await
            .expect("read the audit log");
        // The walk's own call is the latest (`signUp` and `login` also ran
        // anonymously before it).
        let entry = entries
            .iter()
            .max_by_key(|e| e.id)
            .unwrap_or_else(|| panic!("mutation {name} wrote no audit entry"));
        assert_eq!(entry.kind, "MUTATION", "{name}");
        assert_eq!(entry.client_ip, "127.0.0.1", "{name}");
        assert!(!entry.request_id.is_empty(), "{name}");
        assert!(!entry.outcome.is_empty(), "{name}");
        assert_eq!(
            entry.actor_id.map(|id| id.to_string()).as_deref(),
            Some(admin.id.as_str()),
            "{name}"
        );
    }
}

/// A successful mutation names its subjects; a refused one its code; a read
/// of a candidate report is audited with the candidate; administrators
/// filter the log, others may not read it.
async fn administrators_read_who_did_and_read_what(db: &TestDb) {
    let gql = Gql::new(spawn_app(&db.url).await);
    let admin = gql.sign_up("Read log").await;
    let created = admin
        .gql
        .data(
            "mutation { createCandidate(input: {name: \"Ada\", email: \"ada@example.com\", positionTitle: \"Engineer\", targetLevel: MID}) { id } }",
            json!({}),
        )
        .await;
    let candidate = text(&created["createCandidate"]["id"]);
    admin
        .gql
        .send(
            "mutation($id: ID!) { moveCandidate(id: $id, stage: HIRED) { id } }",
            json!({"id": candidate}),
        )
        .await;
    admin
        .gql
        .data(
            "query($id: ID!) { candidateReport(candidateId: $id) { decisionReady } }",
            json!({"id": candidate}),
        )
        .await;
    let query = "query($filter: AuditFilter) { auditLog(filter: $filter, first: 10) {
        totalCount edges { node { operation kind outcome actorId subjectIds clientIp requestId } } } }";
    let mut read = Value::Null;
    for _ in 0..50 {
        let log = admin
            .gql
            .data(query, json!({"filter": {"subjectId": candidate}}))
            .await;
        if log["auditLog"]["totalCount"] == 3 {
            read = log;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let nodes: Vec<&Value> = read["auditLog"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("three entries for the candidate: {read}"))
        .iter()
        .map(|e| &e["node"])
        .collect();
    let summary: Vec<(String, String, String)> = nodes
        .iter()
        .map(|n| (text(&n["operation"]), text(&n["kind"]), text(&n["outcome"])))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("candidateReport".into(), "READ".into(), "OK".into()),
            (
                "moveCandidate".into(),
                "MUTATION".into(),
                "BAD_USER_INPUT".into()
            ),
            ("createCandidate".into(), "MUTATION".into(), "OK".into()),
        ],
        "newest first"
    );
    assert_eq!(nodes[2]["actorId"], admin.id.as_str());
    let by_operation = admin
        .gql
        .data(query, json!({"filter": {"operation": "createCandidate"}}))
        .await;
    assert_eq!(by_operation["auditLog"]["totalCount"], 1);

    let email = format!("viewer.{}@example.com", uuid::Uuid::now_v7().simple());
    admin
        .gql
        .data(
            "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
            json!({"input": {"email": email, "displayName": "Vi", "role": "VIEWER",
                "password": crate::helpers::PASSWORD}}),
        )
        .await;
    let viewer = gql.login(&email).await;
    let refused = viewer.gql.refusal(query, json!({})).await;
    assert_eq!(refused.code, "FORBIDDEN");
}

/// `/metrics` reports dropped and failed audit entries (zero here).
async fn metrics_count_dropped_audit_entries(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let metrics = app.request("GET", "/metrics", &[], None).await.body;
    assert!(
        metrics.contains("audit_entries_dropped_total 0"),
        "{metrics}"
    );
    assert!(
        metrics.contains("audit_write_failures_total 0"),
        "{metrics}"
    );
}

both_databases!(
    every_mutation_of_the_schema_writes_an_audit_entry,
    administrators_read_who_did_and_read_what,
    metrics_count_dropped_audit_entries,
);
