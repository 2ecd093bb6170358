//! `spawn_app`: the service built as `serve` builds it, on port 0 and a test
//! database, with a minimal HTTP client for its answers.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use gateway::{Application, Settings};
use sea_orm::DatabaseConnection;

/// A running service.
pub struct TestApp {
    /// Where it listens.
    pub address: SocketAddr,
    /// The service's own database pool (closing it makes the service unready).
    pub db: DatabaseConnection,
}

/// An HTTP answer.
pub struct Response {
    /// Status code.
    pub status: u16,
    /// `content-type` header, lower-cased.
    pub content_type: String,
    /// Body as JSON.
    pub json: serde_json::Value,
}

/// Builds and starts the service on `database_url`, listening on a free port.
pub async fn spawn_app(database_url: &str) -> TestApp {
    let url = database_url.to_owned();
    let settings = Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Some(url.clone()),
        "BIND" => Some("127.0.0.1:0".to_owned()),
        "DATABASE_MAX_CONNECTIONS" => Some("2".to_owned()),
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

impl TestApp {
    /// `GET path`, answered as JSON.
    pub async fn get(&self, path: &str) -> Response {
        let address = self.address;
        let target = path.to_owned();
        let raw = tokio::task::spawn_blocking(move || http_get(address, &target))
            .await
            .expect("request task")
            .expect("HTTP request");
        let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP response");
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .expect("a status line");
        let content_type = head
            .lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
            .map(|(_, value)| value.trim().to_ascii_lowercase())
            .unwrap_or_default();
        let json = serde_json::from_str(body)
            .unwrap_or_else(|err| panic!("GET {path}: body is not JSON ({err}): {body:?}"));
        Response {
            status,
            content_type,
            json,
        }
    }
}

/// One HTTP/1.1 request on a fresh connection that the server closes after
/// answering, so reading to the end yields the whole response.
fn http_get(address: SocketAddr, path: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(15)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw)?;
    Ok(raw)
}
