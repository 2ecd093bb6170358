//! GraphQL calls for the end-to-end tests, over the helpers' HTTP client:
//! a caller with or without a token, answers read apart into data or a
//! refusal, and sign-up and sign-in.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::support::world::PASSWORD;

/// Someone calling the API: where it listens, and their access token.
#[derive(Clone)]
pub struct Gql {
    app: Arc<TestApp>,
    token: Option<String>,
}

impl std::fmt::Debug for Gql {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gql")
            .field("address", &self.app.address)
            .field("signed_in", &self.token.is_some())
            .finish()
    }
}

/// A call the API refused: its single error, read apart.
#[derive(Debug)]
pub struct Refusal {
    /// `extensions.code`.
    pub code: String,
    /// The message for a person.
    pub message: String,
    /// `extensions.problems` as `(field, message)` pairs (empty when absent).
    pub problems: Vec<(String, String)>,
    /// The response's `data` (`null` when absent).
    pub data: Value,
}

impl Refusal {
    /// The fields named by `extensions.problems`, in order.
    pub fn fields(&self) -> Vec<&str> {
        self.problems
            .iter()
            .map(|(field, _)| field.as_str())
            .collect()
    }
}

/// A user signed in through `signUp` or `login`.
#[derive(Clone, Debug)]
pub struct Signed {
    /// Calls made as this user.
    pub gql: Gql,
    /// The user's id.
    pub id: String,
}

impl Gql {
    /// An anonymous caller of `app`.
    pub fn new(app: TestApp) -> Gql {
        Gql {
            app: Arc::new(app),
            token: None,
        }
    }

    /// The access token this caller sends, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The same service, called with `token` as `Authorization: Bearer`.
    pub fn signed_in(&self, token: &str) -> Gql {
        Gql {
            app: self.app.clone(),
            token: Some(token.to_owned()),
        }
    }

    /// Runs one operation and returns the whole JSON body; panics unless the
    /// answer is `200` with a JSON body.
    pub async fn send(&self, query: &str, variables: Value) -> Value {
        let response = self
            .app
            .graphql(self.token.as_deref(), query, variables)
            .await;
        assert_eq!(
            response.status, 200,
            "POST /graphql answered {}: {}",
            response.status, response.body
        );
        assert!(
            response.json.is_object(),
            "POST /graphql: body is not a JSON object: {:?}",
            response.body
        );
        response.json
    }

    /// Runs one operation and returns the body as sent; panics unless `200`.
    pub async fn raw(&self, query: &str, variables: Value) -> String {
        let response = self
            .app
            .graphql(self.token.as_deref(), query, variables)
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        response.body
    }

    /// How many operations the service ran from their compiled plans
    /// (`graphql_compiled_operations_total` of `/metrics`).
    pub async fn compiled_operations(&self) -> u64 {
        let response = self.app.request("GET", "/metrics", &[], None).await;
        assert_eq!(response.status, 200, "GET /metrics: {}", response.body);
        response
            .body
            .lines()
            .find_map(|line| line.strip_prefix("graphql_compiled_operations_total "))
            .and_then(|value| value.trim().parse().ok())
            .expect("the compiled operations counter")
    }

    /// Runs one operation and returns the HTTP answer, whatever its status.
    pub async fn send_raw(&self, query: &str, variables: Value) -> crate::helpers::Response {
        self.app
            .graphql(self.token.as_deref(), query, variables)
            .await
    }

    /// Runs an operation that must succeed and returns its `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.send(query, variables).await;
        assert!(
            body.get("errors").is_none(),
            "expected success, got errors {:#}\nfor {query}",
            body["errors"]
        );
        body["data"].clone()
    }

    /// Runs an operation that must fail with exactly one error.
    pub async fn refusal(&self, query: &str, variables: Value) -> Refusal {
        let body = self.send(query, variables).await;
        let errors = body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("expected an error, got {body:#}\nfor {query}"));
        assert_eq!(errors.len(), 1, "expected one error, got {errors:#?}");
        let error = &errors[0];
        let problems = error["extensions"]["problems"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|p| {
                        (
                            p["field"].as_str().unwrap_or_default().to_owned(),
                            p["message"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Refusal {
            code: error["extensions"]["code"]
                .as_str()
                .unwrap_or_else(|| panic!("error without extensions.code: {error:#}"))
                .to_owned(),
            message: error["message"].as_str().unwrap_or_default().to_owned(),
            problems,
            data: body.get("data").cloned().unwrap_or(Value::Null),
        }
    }

    /// Creates organization `name` through `signUp` and signs its
    /// administrator in (the email is unique per call).
    pub async fn sign_up(&self, name: &str) -> Signed {
        let email = unique_email("admin", name);
        let data = self
            .data(
                "mutation($input: SignUpInput!) { signUp(input: $input) { accessToken user { id role } } }",
                json!({"input": {
                    "organizationName": name,
                    "email": email,
                    "password": PASSWORD,
                    "displayName": format!("{name} admin"),
                }}),
            )
            .await;
        assert_eq!(data["signUp"]["user"]["role"], "ADMIN");
        self.signed(&data["signUp"])
    }

    /// Signs in through `login` with the test password.
    pub async fn login(&self, email: &str) -> Signed {
        let data = self
            .data(
                "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken user { id } } }",
                json!({"email": email, "password": PASSWORD}),
            )
            .await;
        self.signed(&data["login"])
    }

    fn signed(&self, payload: &Value) -> Signed {
        let token = payload["accessToken"].as_str().expect("an access token");
        Signed {
            gql: self.signed_in(token),
            id: text(&payload["user"]["id"]),
        }
    }
}

/// An email no other test uses, such as `who.<uuid>@org.example.com`.
pub fn unique_email(who: &str, organization: &str) -> String {
    let slug = |text: &str| text.to_lowercase().replace(' ', "-");
    format!(
        "{}.{}@{}.example.com",
        slug(who),
        uuid::Uuid::now_v7().simple(),
        slug(organization)
    )
}

/// A JSON string as an owned `String`; panics on anything else.
pub fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("expected a string, got {value}"))
        .to_owned()
}

/// The `id` of each element of a JSON list.
pub fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("expected a list, got {list}"))
        .iter()
        .map(|item| text(&item["id"]))
        .collect()
}
