//! `spawn_app`: the service built as `serve` builds it, on port 0 and a test
//! database, with a minimal HTTP client for its answers.
//!
//! The client is deliberately dependency-free: one HTTP/1.1 request per
//! `std` TCP connection with `Connection: close`, so the tests see exactly
//! the bytes the server sends (status, headers, body) and nothing rewrites
//! them on the way.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use gateway::{Application, Settings};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

/// The `JWT_SECRET` of every test app (48 bytes), so tests can forge tokens
/// exactly as the service would sign them.
pub const TEST_JWT_SECRET: &[u8; 48] = b"test-only JWT secret, 48 bytes, never in prod!!!";

/// A password that satisfies the rules (at least 12 characters).
pub const PASSWORD: &str = "correct horse battery staple";

/// A running service.
pub struct TestApp {
    /// Where it listens.
    pub address: SocketAddr,
    /// The service's own database pool (closing it makes the service unready).
    pub db: DatabaseConnection,
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// `content-type` header, lower-cased ("" when absent).
    pub content_type: String,
    /// Every header, names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body as sent (chunked transfer decoded).
    pub body: String,
    /// The body parsed as JSON; `Value::Null` when it is not JSON.
    pub json: Value,
}

impl Response {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The media type of the body without parameters (`application/json`
    /// for `application/json; charset=utf-8`).
    pub fn media_type(&self) -> &str {
        self.content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
    }

    /// The `extensions.code` of each GraphQL error, in order.
    pub fn error_codes(&self) -> Vec<&str> {
        self.json["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["extensions"]["code"].as_str().unwrap_or("<no code>"))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The message of the first GraphQL error.
    pub fn first_error_message(&self) -> &str {
        self.json["errors"][0]["message"].as_str().unwrap_or("")
    }
}

/// Tokens of a signed-in session, as `signUp`, `login` and
/// `refreshSession` return them.
#[derive(Clone, Debug)]
pub struct Session {
    /// `Authorization: Bearer` value.
    pub access_token: String,
    /// Single-use token for `refreshSession` and `logout`.
    pub refresh_token: String,
    /// The signed-in user's id.
    pub user_id: String,
    /// The email signed in with.
    pub email: String,
}

/// Builds and starts the service on `database_url`, listening on a free port.
pub async fn spawn_app(database_url: &str) -> TestApp {
    spawn_app_with(database_url, &[]).await
}

/// The settings of a test app on `database_url`, with `variables` set as
/// if they were in the environment (they win over the test defaults).
pub fn test_settings(database_url: &str, variables: &[(&str, &str)]) -> Settings {
    let url = database_url.to_owned();
    let given: Vec<(String, String)> = variables
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Settings::from_lookup(|name| {
        if let Some((_, value)) = given.iter().find(|(k, _)| k == name) {
            return Some(value.clone());
        }
        match name {
            "DATABASE_URL" => Some(url.clone()),
            "BIND" => Some("127.0.0.1:0".to_owned()),
            "DATABASE_MAX_CONNECTIONS" => Some("2".to_owned()),
            // Tests sign in all the time: no rest between hashes (every
            // app of a test binary shares the first app's hashing gate).
            "PASSWORD_HASH_SHARE" => Some("100".to_owned()),
            "JWT_SECRET" => Some(
                std::str::from_utf8(TEST_JWT_SECRET)
                    .expect("the test secret is text")
                    .to_owned(),
            ),
            _ => None,
        }
    })
    .expect("test settings are valid")
}

/// Like [`spawn_app`], with `variables` set as if in the environment.
pub async fn spawn_app_with(database_url: &str, variables: &[(&str, &str)]) -> TestApp {
    let settings = test_settings(database_url, variables);
    let app = Application::build(settings)
        .await
        .expect("the application builds");
    let address = app.address();
    let db = app.database().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp { address, db }
}

impl TestApp {
    /// `GET path`; panics unless the answer is JSON (the probes always are).
    pub async fn get(&self, path: &str) -> Response {
        let response = self.request("GET", path, &[], None).await;
        assert!(
            serde_json::from_str::<Value>(&response.body).is_ok(),
            "GET {path}: body is not JSON: {:?}",
            response.body
        );
        response
    }

    /// Sends one request: `headers` verbatim (add `Content-Type` yourself),
    /// plus `Host`, `Connection: close` and, with a body, `Content-Length`.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Response {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.address
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(body) = body {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut raw_request = head.into_bytes();
        raw_request.extend_from_slice(body.unwrap_or("").as_bytes());

        let address = self.address;
        let raw = tokio::task::spawn_blocking(move || exchange(address, &raw_request))
            .await
            .expect("request task")
            .unwrap_or_else(|err| panic!("{method} {path}: HTTP exchange failed: {err}"));
        parse_response(&raw).unwrap_or_else(|why| panic!("{method} {path}: {why}"))
    }

    /// `POST /graphql` with `{query, variables}` as `application/json`,
    /// signed in with `token` when given.
    pub async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Response {
        let body = json!({"query": query, "variables": variables}).to_string();
        let authorization = token.map(|token| format!("Bearer {token}"));
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(value) = &authorization {
            headers.push(("Authorization", value.as_str()));
        }
        self.request("POST", "/graphql", &headers, Some(&body))
            .await
    }

    /// Signs up a new organization with a unique admin email and returns
    /// its session; panics with the response unless it succeeds.
    pub async fn sign_up(&self) -> Session {
        let tag = uuid::Uuid::now_v7().simple().to_string();
        let email = format!("admin.{tag}@example.com");
        let response = self
            .graphql(
                None,
                "mutation($input: SignUpInput!) { signUp(input: $input) { \
                   accessToken refreshToken user { id } } }",
                json!({"input": {
                    "organizationName": format!("Org {tag}"),
                    "email": email,
                    "password": PASSWORD,
                    "displayName": "Ada Admin",
                }}),
            )
            .await;
        session_of(&response, "signUp", &email)
    }

    /// `login(email, password)` as it answers.
    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.graphql(
            None,
            "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { \
               accessToken refreshToken user { id } } }",
            json!({"email": email, "password": password}),
        )
        .await
    }

    /// `refreshSession(refreshToken)` as it answers.
    pub async fn refresh_session(&self, refresh_token: &str) -> Response {
        self.graphql(
            None,
            "mutation($token: String!) { refreshSession(refreshToken: $token) { \
               accessToken refreshToken user { id } } }",
            json!({"token": refresh_token}),
        )
        .await
    }
}

/// The session in a successful `field` (signUp, login, refreshSession)
/// answer for `email`; panics with the response otherwise.
pub fn session_of(response: &Response, field: &str, email: &str) -> Session {
    assert_eq!(response.status, 200, "{field}: {response:?}");
    let payload = &response.json["data"][field];
    let text = |key: &str| {
        payload[key]
            .as_str()
            .unwrap_or_else(|| panic!("{field}.{key} missing: {}", response.body))
            .to_owned()
    };
    Session {
        access_token: text("accessToken"),
        refresh_token: text("refreshToken"),
        user_id: payload["user"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{field}.user.id missing: {}", response.body))
            .to_owned(),
        email: email.to_owned(),
    }
}

/// `value` percent-encoded for a URL query component.
pub fn url_encode(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// Writes one request on a fresh connection and reads until the server
/// closes it (it does after answering, as asked by `Connection: close`).
fn exchange(address: SocketAddr, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(15)))?;
    stream.write_all(request)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    Ok(raw)
}

fn parse_response(raw: &[u8]) -> Result<Response, String> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("not an HTTP response: {:?}", String::from_utf8_lossy(raw)))?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|e| format!("head not UTF-8: {e}"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("no status line in {head:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    if chunked {
        body = dechunk(&body)?;
    }
    let body = String::from_utf8(body).map_err(|e| format!("body not UTF-8: {e}"))?;
    let content_type = headers
        .iter()
        .find(|(n, _)| n == "content-type")
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_default();
    let json = serde_json::from_str(&body).unwrap_or(Value::Null);
    Ok(Response {
        status,
        content_type,
        headers,
        body,
        json,
    })
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("truncated chunk size")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).map_err(|e| e.to_string())?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|e| format!("bad chunk size {size_text:?}: {e}"))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        let chunk = rest.get(..size).ok_or("truncated chunk")?;
        body.extend_from_slice(chunk);
        rest = rest.get(size + 2..).ok_or("truncated chunk end")?;
    }
}
