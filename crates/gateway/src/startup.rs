//! Building and running the HTTP server: open and migrate the database, bind
//! the listener, serve until SIGTERM or Ctrl-C, then drain and close.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use sea_orm::DatabaseConnection;

use crate::auth::JwtKeys;
use crate::auth::throttle::{Limits, Throttle};
use crate::config::{DatabaseSettings, SecretSource, Settings};
use crate::events::EventBus;
use crate::graphql::{self, ops::auth::SessionPolicy};
use crate::metrics::{self, Metrics};
use crate::routes::{self, graphql::GraphqlEndpoint};

/// `iss` of access tokens.
pub const TOKEN_ISSUER: &str = "interview-planner";
/// `aud` of access tokens.
pub const TOKEN_AUDIENCE: &str = "interview-planner-api";
/// Lifetime of an access token.
pub const ACCESS_TOKEN_MINUTES: i64 = 15;
/// Lifetime of a refresh token (each refresh issues a new one).
pub const REFRESH_TOKEN_DAYS: i64 = 30;

/// How long in-flight requests may take to finish after a stop signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Why the service could not start, or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database named by `DATABASE_URL` could not be opened.
    #[error("could not open the {kind} database {url} (DATABASE_URL): {}", describe(.source))]
    Connect {
        /// `sqlite` or `postgres`.
        kind: &'static str,
        /// The URL without its password.
        url: String,
        /// What the driver said.
        #[source]
        source: domain::Error,
    },
    /// Migrations failed.
    #[error("could not migrate the database: {}", describe(.source))]
    Migrate {
        /// What the migrator said.
        #[source]
        source: domain::Error,
    },
    /// The address in `BIND` could not be listened on.
    #[error("could not listen on {address} (BIND): {source}")]
    Bind {
        /// The address from `BIND`.
        address: SocketAddr,
        /// Why, e.g. address in use.
        #[source]
        source: std::io::Error,
    },
    /// The JWT secret cannot be used as a signing key.
    #[error("JWT_SECRET cannot be used as a signing key: {0}")]
    Keys(#[source] crate::auth::AuthError),
    /// The HTTP server failed while running.
    #[error("the HTTP server failed: {0}")]
    Server(#[source] std::io::Error),
}

/// A domain error with its database cause spelled out: operators need the
/// driver's message, which the domain keeps out of client-facing text.
pub fn describe(err: &domain::Error) -> String {
    match err {
        domain::Error::Database(cause) => format!("database error: {cause}"),
        other => other.to_string(),
    }
}

/// Opens the database of `settings` and applies pending migrations.
pub async fn open_database(
    settings: &DatabaseSettings,
) -> Result<DatabaseConnection, StartupError> {
    let db = domain::db::connect(settings.url(), settings.max_connections)
        .await
        .map_err(|source| StartupError::Connect {
            kind: settings.kind.as_str(),
            url: settings.redacted_url(),
            source,
        })?;
    domain::db::migrate(&db)
        .await
        .map_err(|source| StartupError::Migrate { source })?;
    Ok(db)
}

/// The service, bound and ready to run.
pub struct Application {
    address: SocketAddr,
    server: Server,
    db: DatabaseConnection,
    events: EventBus,
}

impl Application {
    /// Opens and migrates the database, then binds `settings.bind` (port 0
    /// picks a free port). Nothing is served until
    /// [`Application::run_until_stopped`].
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        match settings.jwt_secret.source {
            SecretSource::Generated => tracing::warn!(
                "JWT_SECRET is unset: using a random secret, so sessions end when this process \
                 stops (set JWT_SECRET, and APP_ENV=production for real use)"
            ),
            SecretSource::Configured if settings.jwt_secret.is_weak() => tracing::warn!(
                "JWT_SECRET is shorter than 32 bytes: accepted only because APP_ENV=development"
            ),
            SecretSource::Configured => {}
        }
        let db = open_database(&settings.database).await?;
        Self::build_with_database(settings, db).await
    }

    /// Like [`Application::build`] but on an already opened and migrated
    /// database (tests use this to observe the statements a request runs).
    pub async fn build_with_database(
        settings: Settings,
        db: DatabaseConnection,
    ) -> Result<Application, StartupError> {
        let listener = TcpListener::bind(settings.bind).map_err(|source| StartupError::Bind {
            address: settings.bind,
            source,
        })?;
        let address = listener.local_addr().map_err(StartupError::Server)?;
        let keys = JwtKeys::new(
            settings.jwt_secret.expose(),
            TOKEN_ISSUER,
            TOKEN_AUDIENCE,
            chrono::Duration::minutes(ACCESS_TOKEN_MINUTES),
        )
        .map_err(StartupError::Keys)?;
        let sessions = SessionPolicy {
            refresh_ttl: chrono::Duration::days(REFRESH_TOKEN_DAYS),
        };
        // Subscriptions hear of submissions through this bus: in-process on
        // SQLite, through LISTEN/NOTIFY across gateways on PostgreSQL.
        let events = EventBus::start(&db).await;
        let metrics = web::Data::new(Metrics::new(&db));
        let endpoint = web::Data::new(GraphqlEndpoint {
            schema: graphql::build(
                db.clone(),
                keys.clone(),
                sessions,
                events.clone(),
                Throttle::new(Limits::default()),
            ),
            keys: Arc::new(keys),
            metrics: metrics.clone(),
            trust_proxy_headers: settings.trust_proxy_headers,
        });
        let data = web::Data::new(db.clone());
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(metrics::record))
                .app_data(metrics.clone())
                .app_data(data.clone())
                .app_data(endpoint.clone())
                .app_data(web::PayloadConfig::new(routes::graphql::MAX_BODY_BYTES + 1))
                .configure(routes::configure)
        })
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            address: settings.bind,
            source,
        })?
        .shutdown_signal(stop_signal())
        .shutdown_timeout(SHUTDOWN_GRACE.as_secs())
        .run();
        tracing::info!(
            %address,
            database = %settings.database.kind,
            url = %settings.database.redacted_url(),
            environment = %settings.environment,
            trust_proxy_headers = settings.trust_proxy_headers,
            "interview-planner listening"
        );
        Ok(Application {
            address,
            server,
            db,
            events,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The address actually bound.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The service's database pool (shared: closing it closes the service's).
    pub fn database(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Serves until SIGTERM or Ctrl-C, lets in-flight requests finish, then
    /// stops listening for events and closes the database pool.
    pub async fn run_until_stopped(self) -> Result<(), StartupError> {
        let served = self.server.await.map_err(StartupError::Server);
        self.events.stop();
        tracing::info!("server stopped; closing the database");
        if let Err(err) = self.db.close().await {
            tracing::warn!(error = %err, "closing the database failed");
        }
        served
    }
}

/// Resolves on the first SIGTERM or Ctrl-C (SIGINT); both stop gracefully.
async fn stop_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received; stopping gracefully"),
        () = terminate => tracing::info!("SIGTERM received; stopping gracefully"),
    }
}
