//! docs/domain.md §3: `/graphql` speaks GraphQL over HTTP
//! (https://graphql.github.io/graphql-over-http/draft/): media types chosen
//! by `Accept`, request errors as 4xx (or 200 under `application/json`),
//! GET for queries only, GraphiQL for browsers, and an `extensions.code` on
//! every error.

use serde_json::{Value, json};

use crate::both_databases;
use crate::helpers::{Response, TestApp, spawn_app, url_encode};
use crate::support::TestDb;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// The codes of docs/domain.md §3.
const CODES: [&str; 7] = [
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "CONFLICT",
    "RATE_LIMITED",
    "INTERNAL",
];

/// `POST /graphql` of `body` as `application/json`, with `accept` if given.
async fn post(app: &TestApp, accept: Option<&str>, body: &str) -> Response {
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(accept) = accept {
        headers.push(("Accept", accept));
    }
    app.request("POST", "/graphql", &headers, Some(body)).await
}

fn typename() -> String {
    json!({"query": "{ __typename }"}).to_string()
}

/// A request error: no `data` entry, every error coded `BAD_USER_INPUT`.
fn assert_request_error(response: &Response, what: &str) {
    assert!(
        response.json.get("data").is_none(),
        "{what}: a request error has no `data` entry: {}",
        response.body
    );
    let codes = response.error_codes();
    assert!(!codes.is_empty(), "{what}: no errors: {}", response.body);
    assert!(
        codes.iter().all(|code| *code == "BAD_USER_INPUT"),
        "{what}: codes {codes:?}"
    );
}

async fn a_post_of_typename_answers_200_in_application_json(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let response = post(&app, None, &typename()).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.media_type(), JSON);
    assert_eq!(response.json, json!({"data": {"__typename": "Query"}}));
}

async fn accept_graphql_response_json_is_answered_in_that_media_type(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let response = post(&app, Some(GRAPHQL_RESPONSE_JSON), &typename()).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.media_type(), GRAPHQL_RESPONSE_JSON);
    assert_eq!(response.json["data"]["__typename"], "Query");
}

async fn accept_of_anything_is_answered_in_application_json(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let response = post(&app, Some("*/*"), &typename()).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.media_type(), JSON);
}

async fn accept_of_only_text_plain_is_refused_with_406(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let response = post(&app, Some("text/plain"), &typename()).await;
    assert_eq!(response.status, 406, "{}", response.body);
    assert!(
        response.first_error_message().contains(JSON),
        "the refusal names what is acceptable: {}",
        response.body
    );
}

async fn an_unparseable_document_is_400_without_data_in_graphql_response_json(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let body = json!({"query": "{ __typename"}).to_string();
    let response = post(&app, Some(GRAPHQL_RESPONSE_JSON), &body).await;
    assert_eq!(response.status, 400, "{}", response.body);
    assert_eq!(response.media_type(), GRAPHQL_RESPONSE_JSON);
    assert_request_error(&response, "parse error");
}

async fn an_unparseable_document_is_200_with_bad_user_input_in_application_json(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let body = json!({"query": "{ __typename"}).to_string();
    let response = post(&app, Some(JSON), &body).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.media_type(), JSON);
    assert_request_error(&response, "parse error");
}

async fn an_invalid_document_is_400_without_data_in_graphql_response_json(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let body = json!({"query": "{ noSuchField }"}).to_string();
    let response = post(&app, Some(GRAPHQL_RESPONSE_JSON), &body).await;
    assert_eq!(response.status, 400, "{}", response.body);
    assert_eq!(response.media_type(), GRAPHQL_RESPONSE_JSON);
    assert_request_error(&response, "validation error");
    assert!(
        response.first_error_message().contains("noSuchField"),
        "the error names the unknown field: {}",
        response.body
    );
}

async fn an_invalid_document_is_200_with_bad_user_input_in_application_json(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let body = json!({"query": "{ noSuchField }"}).to_string();
    let response = post(&app, Some(JSON), &body).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.media_type(), JSON);
    assert_request_error(&response, "validation error");
}

async fn a_variable_that_does_not_coerce_is_a_request_error(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let body = json!({
        "query": "query($id: ID!) { question(id: $id) { id } }",
        "variables": {"id": null},
    })
    .to_string();
    let strict = post(&app, Some(GRAPHQL_RESPONSE_JSON), &body).await;
    assert_eq!(strict.status, 400, "{}", strict.body);
    assert_request_error(&strict, "coercion error (graphql-response+json)");
    let legacy = post(&app, Some(JSON), &body).await;
    assert_eq!(legacy.status, 200, "{}", legacy.body);
    assert_request_error(&legacy, "coercion error (json)");
}

async fn a_body_that_is_not_json_is_refused_with_400(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    for accept in [JSON, GRAPHQL_RESPONSE_JSON] {
        let response = post(&app, Some(accept), r#"{ "query": "{ __typename }""#).await;
        assert_eq!(response.status, 400, "{accept}: {}", response.body);
        assert_eq!(response.media_type(), accept);
        assert_request_error(&response, "malformed JSON");
    }
}

async fn a_batch_of_operations_is_refused_with_400(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let batch = json!([{"query": "{ __typename }"}, {"query": "{ __typename }"}]).to_string();
    let response = post(&app, None, &batch).await;
    assert_eq!(response.status, 400, "{}", response.body);
    assert_request_error(&response, "batch");
    assert!(
        response.first_error_message().contains("batch"),
        "the refusal says batches are not supported: {}",
        response.body
    );
}

async fn a_missing_or_misspelt_parameter_is_refused_with_400(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    for body in [
        json!({}),
        json!({"variables": {}}),
        json!({"qeury": "{ __typename }"}),
        json!({"query": "{ __typename }", "operation": "Q"}),
    ] {
        let response = post(&app, None, &body.to_string()).await;
        assert_eq!(response.status, 400, "{body}: {}", response.body);
        assert_request_error(&response, &body.to_string());
    }
}

async fn a_query_that_is_not_a_string_is_refused_with_400(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    for query in [
        json!(null),
        json!(1),
        json!(true),
        json!({}),
        json!(["{ __typename }"]),
    ] {
        let body = json!({"query": query}).to_string();
        let response = post(&app, None, &body).await;
        assert_eq!(response.status, 400, "{body}: {}", response.body);
        assert_request_error(&response, &body);
    }
}

async fn a_post_that_is_not_application_json_is_refused_with_415(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let without = app
        .request("POST", "/graphql", &[], Some(&typename()))
        .await;
    assert_eq!(without.status, 415, "no Content-Type: {}", without.body);
    assert_request_error(&without, "no Content-Type");
    let text = app
        .request(
            "POST",
            "/graphql",
            &[("Content-Type", "text/plain")],
            Some(&typename()),
        )
        .await;
    assert_eq!(text.status, 415, "text/plain: {}", text.body);
}

async fn a_get_with_the_query_in_the_url_answers_200(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let path = format!("/graphql?query={}", url_encode("{ __typename }"));
    let response = app.request("GET", &path, &[], None).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.media_type(), JSON);
    assert_eq!(response.json, json!({"data": {"__typename": "Query"}}));
}

async fn a_mutation_over_get_is_refused_with_405_allowing_post(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let path = format!("/graphql?query={}", url_encode("mutation { __typename }"));
    let response = app
        .request("GET", &path, &[("Accept", GRAPHQL_RESPONSE_JSON)], None)
        .await;
    assert_eq!(response.status, 405, "{}", response.body);
    assert_eq!(response.header("allow"), Some("POST"));
    assert_request_error(&response, "mutation over GET");
    // The same mutation over POST runs: GET is what is refused.
    let body = json!({"query": "mutation { __typename }"}).to_string();
    assert_eq!(post(&app, None, &body).await.status, 200);
}

async fn a_browser_get_without_a_query_opens_graphiql(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let response = app
        .request("GET", "/graphql", &[("Accept", browser_accept)], None)
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.media_type(), "text/html");
    assert!(
        response.body.to_lowercase().contains("graphiql"),
        "the page is GraphiQL: {}",
        &response.body[..response.body.len().min(300)]
    );
}

async fn every_error_answer_carries_an_extensions_code(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let get_mutation = format!("/graphql?query={}", url_encode("mutation { __typename }"));
    let answers = [
        ("406", post(&app, Some("text/plain"), &typename()).await),
        (
            "415",
            app.request("POST", "/graphql", &[], Some(&typename()))
                .await,
        ),
        ("bad JSON", post(&app, None, "{").await),
        ("batch", post(&app, None, "[]").await),
        ("missing query", post(&app, None, "{}").await),
        ("parse error", post(&app, None, r#"{"query":"{"}"#).await),
        (
            "validation error",
            post(&app, None, r#"{"query":"{ nope }"}"#).await,
        ),
        (
            "GET mutation",
            app.request("GET", &get_mutation, &[], None).await,
        ),
        (
            "signed out",
            app.graphql(None, "{ me { id } }", Value::Null).await,
        ),
        (
            "bad token",
            app.graphql(Some("garbage"), "{ __typename }", Value::Null)
                .await,
        ),
    ];
    for (what, response) in answers {
        let errors = response.json["errors"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(!errors.is_empty(), "{what}: no errors in {}", response.body);
        for error in errors {
            let code = error["extensions"]["code"].as_str().unwrap_or_default();
            assert!(CODES.contains(&code), "{what}: code {code:?} in {error}");
            let message = error["message"].as_str().unwrap_or_default();
            assert!(!message.is_empty(), "{what}: an empty message in {error}");
        }
    }
}

async fn me_without_a_token_is_200_with_an_unauthenticated_error(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let response = app.graphql(None, "{ me { id } }", Value::Null).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.error_codes(), ["UNAUTHENTICATED"]);
    assert_eq!(response.json["errors"][0]["path"], json!(["me"]));
    assert_eq!(response.json["data"], Value::Null, "`me` is non-null");
}

both_databases!(
    a_post_of_typename_answers_200_in_application_json,
    accept_graphql_response_json_is_answered_in_that_media_type,
    accept_of_anything_is_answered_in_application_json,
    accept_of_only_text_plain_is_refused_with_406,
    an_unparseable_document_is_400_without_data_in_graphql_response_json,
    an_unparseable_document_is_200_with_bad_user_input_in_application_json,
    an_invalid_document_is_400_without_data_in_graphql_response_json,
    an_invalid_document_is_200_with_bad_user_input_in_application_json,
    a_variable_that_does_not_coerce_is_a_request_error,
    a_body_that_is_not_json_is_refused_with_400,
    a_batch_of_operations_is_refused_with_400,
    a_missing_or_misspelt_parameter_is_refused_with_400,
    a_query_that_is_not_a_string_is_refused_with_400,
    a_post_that_is_not_application_json_is_refused_with_415,
    a_get_with_the_query_in_the_url_answers_200,
    a_mutation_over_get_is_refused_with_405_allowing_post,
    a_browser_get_without_a_query_opens_graphiql,
    every_error_answer_carries_an_extensions_code,
    me_without_a_token_is_200_with_an_unauthenticated_error,
);

/// The introspection query GraphiQL, graphql-js and most tools send to load
/// the schema (15 levels deep at its `ofType` chain).
const INTROSPECTION: &str = "query IntrospectionQuery { __schema { queryType { name } mutationType { name }
  subscriptionType { name } types { ...FullType } directives { name description locations
  args { ...InputValue } } } }
fragment FullType on __Type { kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef }
    isDeprecated deprecationReason }
  inputFields { ...InputValue } interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef } }
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }";

async fn the_introspection_query_of_graphiql_and_other_tools_is_answered(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let response = post(&app, None, &json!({"query": INTROSPECTION}).to_string()).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(response.json.get("errors").is_none(), "{}", response.body);
    let types = response.json["data"]["__schema"]["types"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        types.iter().any(|t| t["name"] == "InterviewPlan"),
        "the schema's types are listed"
    );
}

async fn fields_come_back_in_the_order_the_query_asked_for(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let query = json!({"query": "{ zeta: __typename alpha: __typename }"}).to_string();
    let response = post(&app, None, &query).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        response.body,
        r#"{"data":{"zeta":"Query","alpha":"Query"}}"#
    );
}

both_databases!(
    the_introspection_query_of_graphiql_and_other_tools_is_answered,
    fields_come_back_in_the_order_the_query_asked_for,
);
