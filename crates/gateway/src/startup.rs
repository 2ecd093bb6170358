//! Building and running the HTTP server: open and migrate the database, bind
//! the listener, serve until SIGTERM or Ctrl-C, then drain and close.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::KeepAlive;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use crate::auth::JwtKeys;
use crate::auth::throttle::{Limits, Throttle};
use crate::config::{DatabaseSettings, SecretSource, Settings};
use crate::connections::ConnectionCap;
use crate::events::EventListener;
use crate::graphql::{self, Surface, ops::auth::SessionPolicy};
use crate::metrics::{self, Metrics, MetricsAccess};
use crate::routes::{Routes, graphql::GraphqlEndpoint, webapp::WebAssets};

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
    #[error("could not open the {kind} database {url} (DATABASE_URL): {}", connect_hint(.source, .url))]
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
    /// The GraphQL schema could not be assembled (a bug, not a setting).
    #[error("the GraphQL schema could not be built: {0}")]
    Schema(String),
    /// The webhook HTTP client could not be set up (TLS roots).
    #[error("{0}")]
    Webhooks(String),
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

/// What went wrong opening a database, for the operator: the likely cause in
/// words, then the driver's message.
fn connect_hint(err: &domain::Error, url: &str) -> String {
    let detail = describe(err);
    let lower = detail.to_lowercase();
    let hint = if lower.contains("connection refused") {
        "nothing accepts connections at that host and port (connection refused); is the \
         database server running, and are host and port right?"
            .to_owned()
    } else if lower.contains("failed to lookup address")
        || lower.contains("name or service not known")
        || lower.contains("nodename nor servname")
        || lower.contains("no such host")
    {
        "the host name is unknown (DNS lookup failed)".to_owned()
    } else if lower.contains("3d000")
        || (lower.contains("database") && lower.contains("does not exist"))
    {
        "the database does not exist; create it first (e.g. `createdb <name>`)".to_owned()
    } else if lower.contains("28p01") || lower.contains("password authentication failed") {
        "the server refused the user or password".to_owned()
    } else if lower.contains("certificate")
        || lower.contains("unknownissuer")
        || lower.contains("tls")
    {
        "the server's TLS certificate could not be verified: give the CA that signed it in \
         DATABASE_CA_FILE (or sslrootcert=… in the URL), and check the host name matches"
            .to_owned()
    } else if lower.contains("unable to open database file") || lower.contains("(code: 14)") {
        if url.contains("mode=rwc") {
            "the SQLite file cannot be created there: does the folder exist, and may this user \
             write to it?"
                .to_owned()
        } else {
            "the SQLite file does not exist; add `?mode=rwc` to DATABASE_URL to create it"
                .to_owned()
        }
    } else {
        return detail;
    };
    format!("{hint} ({detail})")
}

/// Opens the database of `settings` for serving requests and applies
/// pending migrations. Migrations are batch work: on PostgreSQL they run
/// on a connection of their own without the requests' statement timeout,
/// since one that fills rollups from a large history runs longer than any
/// request may.
pub async fn open_database(
    settings: &DatabaseSettings,
) -> Result<DatabaseConnection, StartupError> {
    if settings.kind == crate::config::DatabaseKind::Postgres {
        let options = domain::db::DbOptions {
            max_connections: 1,
            ..settings.batch_options()
        };
        let batch = connect(settings, options).await?;
        let migrated = domain::db::migrate(&batch).await;
        if let Err(err) = batch.close().await {
            tracing::warn!(error = %err, "closing the migration connection failed");
        }
        migrated.map_err(|source| StartupError::Migrate { source })?;
        return connect(settings, settings.options()).await;
    }
    let db = connect(settings, settings.options()).await?;
    domain::db::migrate(&db)
        .await
        .map_err(|source| StartupError::Migrate { source })?;
    Ok(db)
}

/// Opens the database of `settings` for a command an operator runs and
/// watches (`generate`, `rollups rebuild`, retention, …): no statement
/// timeout, pending migrations applied.
pub async fn open_database_for_batch(
    settings: &DatabaseSettings,
) -> Result<DatabaseConnection, StartupError> {
    let db = connect(settings, settings.batch_options()).await?;
    domain::db::migrate(&db)
        .await
        .map_err(|source| StartupError::Migrate { source })?;
    Ok(db)
}

/// A pool on the database of `settings` with `options`.
async fn connect(
    settings: &DatabaseSettings,
    options: domain::db::DbOptions,
) -> Result<DatabaseConnection, StartupError> {
    domain::db::connect_with(settings.url(), options)
        .await
        .map_err(|source| StartupError::Connect {
            kind: settings.kind.as_str(),
            url: settings.redacted_url(),
            source,
        })
}

/// A small pool of its own for background work (the webhook worker, the
/// audit writer, pruning): it never takes a request's connection, and a
/// request's statements are never mixed with it.
async fn open_background_pool(
    settings: &DatabaseSettings,
) -> Result<DatabaseConnection, StartupError> {
    let options = domain::db::DbOptions {
        max_connections: 2,
        ..settings.options()
    };
    connect(settings, options).await
}

/// The service, bound and ready to run.
pub struct Application {
    address: SocketAddr,
    metrics_address: Option<SocketAddr>,
    server: Server,
    metrics_server: Option<Server>,
    db: DatabaseConnection,
    events: EventListener,
    /// The background tasks' own pool.
    background: DatabaseConnection,
    /// Background tasks: retention, audit pruning and writing, webhooks.
    tasks: Vec<tokio::task::JoinHandle<()>>,
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
        if !domain::password::configure(domain::password::HashLimits {
            concurrency: settings.passwords.concurrency,
            queue: settings.passwords.queue,
            nice: settings.passwords.nice,
            share: settings.passwords.share,
        }) {
            tracing::debug!(
                limits = ?domain::password::limits(),
                "password hashing limits were already set in this process"
            );
        }
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
            sign_up_open: settings.sign_up_open,
        };
        // Other gateways' commits wake this one's event readers through
        // LISTEN/NOTIFY on PostgreSQL; on SQLite this process is the only
        // writer.
        let events = EventListener::start(&db).await;
        let metrics = web::Data::new(Metrics::new(&db));
        let sender =
            crate::webhooks::Sender::new(settings.webhooks).map_err(StartupError::Webhooks)?;
        let background = open_background_pool(&settings.database).await?;
        let webhooks = crate::webhooks::Worker::new(background.clone(), sender);
        let (audit, audit_writer) =
            crate::audit::AuditLog::start(background.clone(), metrics.audit_counters());
        let (stopping, shutdown) = watch::channel(false);
        let surface = Surface {
            limits: settings.graphql.limits,
            introspection: settings.graphql.introspection,
            suggestions: settings.graphql.suggestions,
        };
        let limits = graphql::limits(surface).map_err(StartupError::Schema)?;
        let state = graphql::ApiState {
            db: db.clone(),
            keys: keys.clone(),
            sessions,
            webhooks: webhooks.clone(),
            audit,
            // Counted in the database on PostgreSQL, where several gateways
            // share it; in this process on SQLite.
            throttle: match db.get_database_backend() {
                sea_orm::DbBackend::Postgres => Throttle::shared(Limits::default(), db.clone()),
                _ => Throttle::new(Limits::default()),
            },
        };
        let state = Arc::new(state);
        let audit = state.audit.clone();
        let schema = graphql::build_http(state.clone(), surface);
        let ws_schema = graphql::build(state, surface, limits.clone());
        let endpoint = web::Data::new(GraphqlEndpoint {
            schema,
            ws_schema,
            audit,
            keys: Arc::new(keys),
            metrics: metrics.clone(),
            trust_proxy_headers: settings.trust_proxy_headers,
            limits,
            graphiql: settings.graphql.graphiql,
            request_timeout: settings.graphql.request_timeout,
            body_timeout: settings.http.body_timeout,
            ws_init_timeout: settings.http.ws_init_timeout,
            shutdown,
            documents: Arc::new(crate::graphql::compiled::Documents::default()),
        });
        let access = web::Data::new(MetricsAccess::new(settings.metrics.token.clone()));
        let routes = Routes {
            metrics: settings.metrics.on_main_address,
        };
        let data = web::Data::new(db.clone());
        let cap = ConnectionCap::new(settings.http.max_connections_per_client);
        let (app_metrics, app_access) = (metrics.clone(), access.clone());
        let cors_origins = settings.cors_origins.clone();
        let assets = web::Data::new(match &settings.web_dir {
            Some(dir) => WebAssets::folder(dir.clone()),
            None => WebAssets::embedded(),
        });
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(cors(&cors_origins))
                .wrap(from_fn(crate::request_id::assign))
                .wrap(from_fn(metrics::record))
                .app_data(app_metrics.clone())
                .app_data(app_access.clone())
                .app_data(data.clone())
                .app_data(endpoint.clone())
                .app_data(assets.clone())
                .configure(|cfg| routes.configure(cfg))
        })
        .client_request_timeout(settings.http.header_timeout);
        server = server.workers(http_workers(settings.http.workers));
        let server = server
            .client_disconnect_timeout(Duration::from_secs(1))
            .keep_alive(KeepAlive::Timeout(settings.http.keep_alive))
            .on_connect(move |connection, extensions| cap.on_connect(connection, extensions))
            .listen(listener)
            .map_err(|source| StartupError::Bind {
                address: settings.bind,
                source,
            })?
            .shutdown_signal(stop_signal(stopping))
            .shutdown_timeout(SHUTDOWN_GRACE.as_secs())
            .run();
        let tasks = vec![
            tokio::spawn(retention_task(background.clone())),
            tokio::spawn(crate::audit::prune_task(
                background.clone(),
                settings.audit_retention_days,
            )),
            audit_writer,
            webhooks.start(),
        ];
        let (metrics_server, metrics_address) = match settings.metrics.bind {
            Some(bind) => {
                let (server, bound) = metrics_server(bind, metrics, access)?;
                (Some(server), Some(bound))
            }
            None => (None, None),
        };
        if !settings.metrics.on_main_address && metrics_address.is_none() {
            tracing::warn!(
                "GET /metrics is off: in production set METRICS_TOKEN (bearer token) or \
                 METRICS_BIND (a separate, private address)"
            );
        }
        tracing::info!(
            %address,
            metrics = ?metrics_address,
            database = %settings.database.kind,
            url = %settings.database.redacted_url(),
            environment = %settings.environment,
            trust_proxy_headers = settings.trust_proxy_headers,
            introspection = settings.graphql.introspection,
            graphiql = settings.graphql.graphiql,
            web_dir = ?settings.web_dir,
            "interview-planner listening"
        );
        Ok(Application {
            address,
            metrics_address,
            server,
            metrics_server,
            db,
            events,
            background,
            tasks,
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

    /// The address of the separate `/metrics` listener (`METRICS_BIND`).
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics_address
    }

    /// The service's database pool (shared: closing it closes the service's).
    pub fn database(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Serves until SIGTERM or Ctrl-C, lets in-flight requests finish, then
    /// stops listening for events and closes the database pool.
    pub async fn run_until_stopped(self) -> Result<(), StartupError> {
        let metrics = self.metrics_server.map(|server| {
            let handle = server.handle();
            actix_web::rt::spawn(server);
            handle
        });
        let served = self.server.await.map_err(StartupError::Server);
        for task in &self.tasks {
            task.abort();
        }
        if let Some(metrics) = metrics {
            metrics.stop(true).await;
        }
        self.events.stop();
        tracing::info!("server stopped; closing the database");
        let _ = self.background.close().await;
        if let Err(err) = self.db.close().await {
            tracing::warn!(error = %err, "closing the database failed");
        }
        served
    }
}

/// Cross-origin requests from `origins` (exact matches) to every route,
/// without credentials: the API authenticates with bearer tokens, never
/// cookies. With no origins, browsers get no CORS headers at all and keep
/// other sites' pages from reading the answers.
fn cors(origins: &[String]) -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST"])
        .allowed_headers([
            actix_web::http::header::AUTHORIZATION,
            actix_web::http::header::CONTENT_TYPE,
            actix_web::http::header::ACCEPT,
            actix_web::http::header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([actix_web::http::header::HeaderName::from_static(
            "x-request-id",
        )])
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// Threads serving HTTP: `configured`, or four per core. A request
/// alternates between its own work (parsing, writing the answer) and waits
/// on the database; with one thread per core, a thread writing one page
/// leaves the reads of its other requests waiting on connections the pool
/// has already handed out, and both the cores and the pool idle. Measured
/// on 2 cores (dashboard page, 32 clients, pool of 10): 2 threads 250
/// pages/s, 4 threads 277, 8 threads 278.
fn http_workers(configured: usize) -> usize {
    if configured > 0 {
        return configured;
    }
    4 * std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// How often the retention rule is applied.
const RETENTION_EVERY: Duration = Duration::from_secs(60 * 60);

/// Applies every organization's retention rule a minute after start, then
/// every hour,
/// logging what it erased (ids only: the rest is personal data).
async fn retention_task(db: DatabaseConnection) {
    // The first run a minute after start, out of the way of start-up.
    let first = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut every = tokio::time::interval_at(first, RETENTION_EVERY);
    loop {
        every.tick().await;
        match domain::candidate::apply_retention(&db, chrono::Utc::now()).await {
            Ok(erased) if erased.is_empty() => {}
            Ok(erased) => tracing::info!(
                count = erased.len(),
                candidates = ?erased.iter().map(|d| d.candidate.id).collect::<Vec<_>>(),
                "retention rule erased candidates"
            ),
            Err(err) => {
                tracing::warn!(error = %describe(&err), "applying the retention rule failed")
            }
        }
    }
}

/// A server answering only `GET /metrics` on `bind`.
fn metrics_server(
    bind: SocketAddr,
    metrics: web::Data<Metrics>,
    access: web::Data<MetricsAccess>,
) -> Result<(Server, SocketAddr), StartupError> {
    let listener = TcpListener::bind(bind).map_err(|source| StartupError::Bind {
        address: bind,
        source,
    })?;
    let bound = listener.local_addr().map_err(StartupError::Server)?;
    let server = HttpServer::new(move || {
        App::new()
            .app_data(metrics.clone())
            .app_data(access.clone())
            .route("/metrics", web::get().to(metrics::scrape))
    })
    .workers(1)
    .listen(listener)
    .map_err(|source| StartupError::Bind {
        address: bind,
        source,
    })?
    .disable_signals()
    .run();
    Ok((server, bound))
}

/// Resolves on the first SIGTERM or Ctrl-C (SIGINT); both stop gracefully.
/// Open WebSockets are told at once (`stopping`), so they close with 1001
/// instead of holding the shutdown for its whole grace period. The
/// handlers are installed by this call, before the start-up line is
/// logged, not when the future is first polled: a SIGTERM sent as soon as
/// that line appears would otherwise end the process with the signal's
/// default action instead of a graceful stop.
fn stop_signal(stopping: watch::Sender<bool>) -> impl Future<Output = ()> {
    let requested = stop_requested();
    async move {
        requested.await;
        let _ = stopping.send(true);
    }
}

#[cfg(unix)]
fn stop_requested() -> impl Future<Output = ()> {
    use tokio::signal::unix::{Signal, SignalKind, signal};

    fn listen(kind: SignalKind, name: &'static str) -> Option<Signal> {
        signal(kind)
            .inspect_err(|err| tracing::error!(error = %err, "cannot listen for {name}"))
            .ok()
    }
    async fn received(stream: Option<Signal>) {
        match stream {
            Some(mut stream) => {
                stream.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    }
    let interrupt = received(listen(SignalKind::interrupt(), "Ctrl-C"));
    let terminate = received(listen(SignalKind::terminate(), "SIGTERM"));
    async move {
        tokio::select! {
            () = interrupt => tracing::info!("Ctrl-C received; stopping gracefully"),
            () = terminate => tracing::info!("SIGTERM received; stopping gracefully"),
        }
    }
}

#[cfg(not(unix))]
fn stop_requested() -> impl Future<Output = ()> {
    async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
        tracing::info!("Ctrl-C received; stopping gracefully");
    }
}
