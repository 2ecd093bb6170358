//! Fitting real infrastructure: TLS to PostgreSQL, start-up messages that
//! say what is wrong with DATABASE_URL, CORS for allowed origins only, and
//! request ids that follow a request through the logs.

use gateway::config::DatabaseSettings;
use gateway::startup::open_database;

use crate::helpers::spawn_app_with;
use crate::support::TestDb;

/// The CA that signed the local PostgreSQL's certificate (Debian's
/// self-signed "snakeoil" certificate for `localhost`), or the one named by
/// `IP_TEST_POSTGRES_CA`.
fn server_ca() -> String {
    std::env::var("IP_TEST_POSTGRES_CA")
        .unwrap_or_else(|_| "/etc/ssl/certs/ssl-cert-snakeoil.pem".to_owned())
}

/// The test server's URL with host `localhost` (the certificate's name)
/// and `sslmode`, for database `name`.
fn tls_url(db: &TestDb, mode: &str) -> String {
    let url = db.url.replace("127.0.0.1", "localhost");
    format!("{url}?sslmode={mode}")
}

async fn open(url: &str, ca: Option<&str>) -> Result<sea_orm::DatabaseConnection, String> {
    let settings = DatabaseSettings::from_lookup(|name| match name {
        "DATABASE_URL" => Some(url.to_owned()),
        "DATABASE_CA_FILE" => ca.map(str::to_owned),
        _ => None,
    })
    .map_err(|err| err.to_string())?;
    open_database(&settings)
        .await
        .map_err(|err| err.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_over_tls_verifies_the_server_and_refuses_a_wrong_ca_clearly() {
    use sea_orm::{ConnectionTrait, Statement};

    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let ca = server_ca();
    assert!(
        std::path::Path::new(&ca).is_file(),
        "the local PostgreSQL's certificate authority {ca} is missing: PostgreSQL must run with \
         ssl = on (Debian's default uses ssl-cert-snakeoil); set IP_TEST_POSTGRES_CA otherwise"
    );
    let verified = open(&tls_url(&db, "verify-full"), Some(&ca))
        .await
        .expect("verify-full against the server's CA");
    let row = verified
        .query_one_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        ))
        .await
        .expect("pg_stat_ssl")
        .expect("a row");
    assert!(
        row.try_get::<bool>("", "ssl").expect("ssl"),
        "the connection uses TLS"
    );
    verified.close().await.ok();

    let wrong = open(
        &tls_url(&db, "verify-full"),
        Some("/etc/ssl/certs/ca-certificates.crt"),
    )
    .await
    .expect_err("a CA that did not sign the server's certificate");
    assert!(
        wrong.contains("DATABASE_URL") && wrong.contains("TLS certificate could not be verified"),
        "{wrong}"
    );
    assert!(!wrong.contains("password="), "{wrong}");
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_cannot_be_opened_is_explained_naming_database_url() {
    let refused = open("postgres://postgres:hunter2@127.0.0.1:1/none", None)
        .await
        .expect_err("nothing listens on port 1");
    assert!(refused.contains("connection refused"), "{refused}");
    assert!(refused.contains("DATABASE_URL"), "{refused}");
    assert!(
        !refused.contains("hunter2"),
        "the password is hidden: {refused}"
    );

    let unknown = open("postgres://postgres@no-such-host.invalid:5432/none", None)
        .await
        .expect_err("an unknown host");
    assert!(unknown.contains("host name is unknown"), "{unknown}");

    if let Some(db) = TestDb::postgres().await {
        let missing = db
            .url
            .rsplit_once('/')
            .map(|(base, _)| format!("{base}/ipt_missing_db"))
            .unwrap_or_default();
        let err = open(&missing, None).await.expect_err("no such database");
        assert!(err.contains("database does not exist"), "{err}");
        db.finish().await;
    }

    let path =
        std::env::temp_dir().join(format!("ipt-missing-{}.db", uuid::Uuid::now_v7().simple()));
    let err = open(&format!("sqlite://{}", path.display()), None)
        .await
        .expect_err("a SQLite file that does not exist, without mode=rwc");
    assert!(err.contains("?mode=rwc"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_answers_preflights_from_allowed_origins_only() {
    let db = TestDb::sqlite().await;
    let app = spawn_app_with(
        &db.url,
        &[("CORS_ALLOWED_ORIGINS", "https://dash.example.com")],
    )
    .await;
    let preflight = |origin: &'static str| {
        let app = &app;
        async move {
            app.request(
                "OPTIONS",
                "/graphql",
                &[
                    ("Origin", origin),
                    ("Access-Control-Request-Method", "POST"),
                    (
                        "Access-Control-Request-Headers",
                        "authorization, content-type",
                    ),
                ],
                None,
            )
            .await
        }
    };
    let allowed = preflight("https://dash.example.com").await;
    assert!(allowed.status < 300, "{allowed:?}");
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://dash.example.com")
    );
    assert_eq!(allowed.header("access-control-allow-credentials"), None);
    let other = preflight("https://evil.example.com").await;
    assert!(other.status >= 400, "{other:?}");
    assert_eq!(other.header("access-control-allow-origin"), None);
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_id_is_kept_from_the_caller_or_made_and_returned() {
    let db = TestDb::sqlite().await;
    let app = spawn_app_with(&db.url, &[]).await;
    let body = r#"{"query":"{ __typename }"}"#;
    let kept = app
        .request(
            "POST",
            "/graphql",
            &[
                ("Content-Type", "application/json"),
                ("X-Request-Id", "trace-42"),
            ],
            Some(body),
        )
        .await;
    assert_eq!(kept.header("x-request-id"), Some("trace-42"));
    let made = app
        .request(
            "POST",
            "/graphql",
            &[
                ("Content-Type", "application/json"),
                ("X-Request-Id", "not ok\tat all"),
            ],
            Some(body),
        )
        .await;
    let id = made.header("x-request-id").expect("an id");
    assert!(
        uuid::Uuid::parse_str(id).is_ok(),
        "a new id, not the forged one: {id}"
    );
    db.finish().await;
}
