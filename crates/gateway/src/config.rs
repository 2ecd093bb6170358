//! Settings from environment variables. This is the only module that reads
//! them: everything else receives a [`Settings`] (or one of its parts).
//!
//! Every variable is optional except `JWT_SECRET` in production. A value that
//! is present but wrong stops start-up with a message naming the variable
//! and saying what is allowed; all such problems are reported together.
//! Empty values count as unset.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tracing_subscriber::EnvFilter;

use crate::graphql::limits::QueryLimits;

/// Database used when `DATABASE_URL` is unset: a file in the working
/// directory, created on first use.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://interview-planner.db?mode=rwc";
/// Address the server listens on when `BIND` is unset.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// Log filter used when `RUST_LOG` is unset.
pub const DEFAULT_LOG_FILTER: &str = "info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn";
/// Shortest `JWT_SECRET` accepted in production.
pub const MIN_JWT_SECRET_BYTES: usize = 32;
/// Largest `DATABASE_MAX_CONNECTIONS` accepted.
pub const MAX_DATABASE_CONNECTIONS: u32 = 1000;

/// Everything `serve` needs.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `APP_ENV`: how strict start-up is about secrets.
    pub environment: Environment,
    /// `BIND`: address and port to listen on (port 0 picks a free one).
    pub bind: SocketAddr,
    /// `DATABASE_URL` and `DATABASE_MAX_CONNECTIONS`.
    pub database: DatabaseSettings,
    /// `RUST_LOG` and `LOG_FORMAT`.
    pub log: LogSettings,
    /// `JWT_SECRET`: key that signs access tokens.
    pub jwt_secret: JwtSecret,
    /// `TRUST_PROXY_HEADERS`: whether the client's address (for sign-in
    /// throttling) comes from `X-Forwarded-For` rather than the connection.
    /// Only safe behind a proxy that appends to that header.
    pub trust_proxy_headers: bool,
    /// What `/graphql` exposes and how much one request may cost.
    pub graphql: GraphqlSettings,
    /// Time limits and connection caps of the HTTP server.
    pub http: HttpSettings,
    /// Who may read `/metrics`, and where.
    pub metrics: MetricsSettings,
    /// How many passwords are hashed at once.
    pub passwords: PasswordSettings,
    /// `SIGNUP`: whether anyone may create an organization with `signUp`.
    pub sign_up_open: bool,
    /// `CORS_ALLOWED_ORIGINS`: web origins allowed to call the API from a
    /// browser (exact `scheme://host[:port]`); empty allows none.
    pub cors_origins: Vec<String>,
    /// Where webhook deliveries may go.
    pub webhooks: WebhookSettings,
    /// `AUDIT_RETENTION_DAYS`: how long audit entries are kept (365).
    pub audit_retention_days: u32,
    /// `IP_WEB_DIR`: a folder the web app's files are read from on every
    /// request instead of the copy inside the binary (for working on the
    /// app without rebuilding); `None` serves the embedded files.
    pub web_dir: Option<PathBuf>,
}

/// Where webhook deliveries may go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WebhookSettings {
    /// `WEBHOOK_ALLOW_PRIVATE`: whether endpoints may be on loopback,
    /// private, link-local or other non-public addresses (off; turn on only
    /// for tests and closed networks).
    pub allow_private: bool,
    /// Whether endpoint URLs must be `https` (in production).
    pub require_https: bool,
}

/// `/graphql`'s surface and per-request limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GraphqlSettings {
    /// `GRAPHQL_MAX_*`: what one request may cost.
    pub limits: QueryLimits,
    /// `GRAPHQL_INTROSPECTION`: whether `__schema`/`__type` answer
    /// (default: on in development, off in production).
    pub introspection: bool,
    /// `GRAPHIQL`: whether a browser's `GET /graphql` opens GraphiQL
    /// (default: on in development, off in production).
    pub graphiql: bool,
    /// Whether errors suggest field names: only in development.
    pub suggestions: bool,
    /// `REQUEST_TIMEOUT_SECONDS`: longest a GraphQL request may run before
    /// it is ended with a `TIMEOUT` error.
    pub request_timeout: Duration,
}

/// Time limits and caps that keep slow or idle clients from holding
/// connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpSettings {
    /// `HTTP_HEADER_TIMEOUT_SECONDS`: time to send the request headers.
    pub header_timeout: Duration,
    /// `HTTP_BODY_TIMEOUT_SECONDS`: time to send the whole request body.
    pub body_timeout: Duration,
    /// `HTTP_KEEP_ALIVE_SECONDS`: how long an idle kept-alive connection stays.
    pub keep_alive: Duration,
    /// `WS_INIT_TIMEOUT_SECONDS`: time a WebSocket has to send `connection_init`.
    pub ws_init_timeout: Duration,
    /// `MAX_CONNECTIONS_PER_CLIENT`: open connections one client address
    /// may hold (0: no cap).
    pub max_connections_per_client: usize,
    /// `HTTP_WORKERS`: threads serving HTTP (0: four per core).
    pub workers: usize,
}

/// `METRICS_TOKEN` and `METRICS_BIND`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricsSettings {
    /// Bearer token `/metrics` requires, if any.
    pub token: Option<String>,
    /// A separate address serving only `/metrics`, if any.
    pub bind: Option<SocketAddr>,
    /// Whether `/metrics` is served on the main address: in development
    /// always; in production only with a token (or not at all when it has
    /// its own address).
    pub on_main_address: bool,
}

/// `PASSWORD_HASH_CONCURRENCY`, `PASSWORD_HASH_QUEUE`, `PASSWORD_HASH_NICE`
/// and `PASSWORD_HASH_SHARE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordSettings {
    /// Passwords hashed or verified at once.
    pub concurrency: usize,
    /// Further requests that may wait for a turn; beyond, `RATE_LIMITED`.
    pub queue: usize,
    /// How much lower the hashing threads are scheduled (0–19).
    pub nice: i32,
    /// Percent of a core each hashing thread keeps to over time (1–100).
    pub share: u32,
}

/// `APP_ENV`: where the service runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    /// A developer's machine: a missing `JWT_SECRET` is replaced by a random
    /// one for the life of the process.
    Development,
    /// Real users: `JWT_SECRET` of at least 32 bytes is required.
    Production,
}

impl Environment {
    /// The value as written in `APP_ENV`.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Development => "development",
            Environment::Production => "production",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which database server `DATABASE_URL` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatabaseKind {
    /// A local SQLite file (the default).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl DatabaseKind {
    /// Lower-case name for logs and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            DatabaseKind::Sqlite => "sqlite",
            DatabaseKind::Postgres => "postgres",
        }
    }
}

impl fmt::Display for DatabaseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the data lives and how many connections to keep.
#[derive(Clone)]
pub struct DatabaseSettings {
    url: String,
    /// Which server the URL names.
    pub kind: DatabaseKind,
    /// `DATABASE_MAX_CONNECTIONS`: size of the connection pool.
    pub max_connections: u32,
    /// `DATABASE_STATEMENT_TIMEOUT_SECONDS` (PostgreSQL): longest one
    /// statement may run before the server cancels it.
    pub statement_timeout: Duration,
    /// `SQLITE_BUSY_TIMEOUT_MS` (SQLite): longest a write waits for the lock.
    pub busy_timeout: Duration,
    /// `DATABASE_CA_FILE` (PostgreSQL): the CA to verify the server with.
    pub ca_file: Option<std::path::PathBuf>,
}

impl DatabaseSettings {
    /// The URL to connect with; it may hold a password, so never log it:
    /// log [`DatabaseSettings::redacted_url`] instead.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The URL without password or query parameters, safe for logs.
    pub fn redacted_url(&self) -> String {
        match self.kind {
            DatabaseKind::Sqlite => self.url.clone(),
            DatabaseKind::Postgres => redact_postgres_url(&self.url),
        }
    }

    /// The pool and connection options for the domain.
    pub fn options(&self) -> domain::db::DbOptions {
        domain::db::DbOptions {
            max_connections: self.max_connections,
            busy_timeout: self.busy_timeout,
            statement_timeout: Some(self.statement_timeout),
            ca_file: self.ca_file.clone(),
            ..domain::db::DbOptions::default()
        }
    }

    /// The options for work an operator starts and watches (migrations,
    /// `generate`, `rollups rebuild`, retention): those of
    /// [`DatabaseSettings::options`] without the statement timeout, which
    /// bounds what a request may run; rebuilding a large organization's
    /// rollups is one statement over its whole history.
    pub fn batch_options(&self) -> domain::db::DbOptions {
        domain::db::DbOptions {
            statement_timeout: None,
            ..self.options()
        }
    }

    /// Reads `DATABASE_URL` and `DATABASE_MAX_CONNECTIONS` from the process.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(process_var)
    }

    /// Reads `DATABASE_URL` and `DATABASE_MAX_CONNECTIONS` through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut reader = Reader::new(lookup);
        let database = reader.database();
        reader.finish(database)
    }
}

impl fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &self.redacted_url())
            .field("kind", &self.kind)
            .field("max_connections", &self.max_connections)
            .field("statement_timeout", &self.statement_timeout)
            .field("busy_timeout", &self.busy_timeout)
            .finish()
    }
}

/// How the process logs.
#[derive(Clone, Debug)]
pub struct LogSettings {
    /// `RUST_LOG`: a `tracing` filter, already checked to parse.
    pub filter: String,
    /// `LOG_FORMAT`: human-readable text or one JSON object per line.
    pub format: LogFormat,
    /// Where traces go over OTLP/HTTP, if anywhere.
    pub traces: Option<TraceExport>,
}

/// `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
/// and `OTEL_SERVICE_NAME`: spans are sent as OTLP protobuf over HTTP.
/// Headers such as an API key come from `OTEL_EXPORTER_OTLP_HEADERS`, which
/// the exporter reads itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceExport {
    /// Full URL the spans are posted to, e.g. `http://collector:4318/v1/traces`.
    pub endpoint: String,
    /// `service.name` of every span (default `interview-planner`).
    pub service_name: String,
}

impl LogSettings {
    /// Reads `RUST_LOG` and `LOG_FORMAT` from the process.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(process_var)
    }

    /// Reads `RUST_LOG` and `LOG_FORMAT` through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut reader = Reader::new(lookup);
        let log = reader.log();
        reader.finish(log)
    }
}

/// `LOG_FORMAT`: shape of log lines (always written to standard error).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// One readable line per event, coloured on a terminal.
    Text,
    /// One JSON object per event, for log collectors.
    Json,
}

/// The key that signs access tokens. Its bytes never appear in `Debug`.
#[derive(Clone)]
pub struct JwtSecret {
    bytes: Vec<u8>,
    /// Whether it came from `JWT_SECRET` or was made up for this process.
    pub source: SecretSource,
}

impl JwtSecret {
    /// The key, for signing and verifying tokens.
    pub fn expose(&self) -> &[u8] {
        &self.bytes
    }

    /// True when the key is shorter than [`MIN_JWT_SECRET_BYTES`] (only
    /// allowed in development).
    pub fn is_weak(&self) -> bool {
        self.bytes.len() < MIN_JWT_SECRET_BYTES
    }
}

impl fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtSecret")
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .field("source", &self.source)
            .finish()
    }
}

/// Where the JWT secret came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretSource {
    /// Set in `JWT_SECRET`.
    Configured,
    /// Random, made at start-up because `JWT_SECRET` was unset in
    /// development: tokens stop working when the process stops.
    Generated,
}

/// One variable with a value that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    /// Name of the environment variable.
    pub variable: &'static str,
    /// What was wrong and what is allowed.
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.message)
    }
}

/// Start-up refused because of the configuration; lists every problem.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {}", list(.problems))]
pub struct ConfigError {
    /// Each variable that was wrong, in the order they were read.
    pub problems: Vec<ConfigProblem>,
}

fn list(problems: &[ConfigProblem]) -> String {
    domain::error::join_problems(problems)
}

impl Settings {
    /// Reads every setting from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(process_var)
    }

    /// Reads every setting through `lookup` (a variable's value, if set), so
    /// tests can pass a map instead of touching the real environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut reader = Reader::new(lookup);
        let environment = reader.environment();
        let bind = reader.bind();
        let database = reader.database();
        let log = reader.log();
        let jwt_secret = reader.jwt_secret(environment);
        let trust_proxy_headers = reader.trust_proxy_headers();
        let graphql = reader.graphql(environment);
        let http = reader.http();
        let metrics = reader.metrics(environment);
        let passwords = reader.passwords();
        let sign_up_open = reader.sign_up(environment);
        let cors_origins = reader.cors_origins();
        let webhooks = WebhookSettings {
            allow_private: reader.flag("WEBHOOK_ALLOW_PRIVATE", false),
            require_https: environment == Environment::Production,
        };
        let audit_retention_days = reader.number(
            "AUDIT_RETENTION_DAYS",
            u64::from(domain::audit::DEFAULT_RETENTION_DAYS),
            1..=36_500,
        ) as u32;
        let web_dir = reader.web_dir();
        reader.finish(Settings {
            environment,
            bind,
            database,
            log,
            jwt_secret,
            trust_proxy_headers,
            graphql,
            http,
            metrics,
            passwords,
            sign_up_open,
            cors_origins,
            webhooks,
            audit_retention_days,
            web_dir,
        })
    }
}

fn process_var(name: &str) -> Option<String> {
    std::env::var_os(name).map(|value| value.to_string_lossy().into_owned())
}

/// Reads variables and collects every problem instead of stopping at the
/// first; an invalid value is replaced by its default so reading goes on.
struct Reader<F> {
    lookup: F,
    problems: Vec<ConfigProblem>,
}

impl<F: Fn(&str) -> Option<String>> Reader<F> {
    fn new(lookup: F) -> Self {
        Reader {
            lookup,
            problems: Vec::new(),
        }
    }

    fn get(&self, variable: &str) -> Option<String> {
        (self.lookup)(variable)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    fn problem(&mut self, variable: &'static str, message: impl Into<String>) {
        self.problems.push(ConfigProblem {
            variable,
            message: message.into(),
        });
    }

    fn finish<T>(self, value: T) -> Result<T, ConfigError> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            Err(ConfigError {
                problems: self.problems,
            })
        }
    }

    fn environment(&mut self) -> Environment {
        match self
            .get("APP_ENV")
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                self.problem(
                    "APP_ENV",
                    format!("`{other}` is not one of development, production"),
                );
                Environment::Development
            }
        }
    }

    fn bind(&mut self) -> SocketAddr {
        let default = SocketAddr::from(([127, 0, 0, 1], 8080));
        let Some(value) = self.get("BIND") else {
            return default;
        };
        value.parse().unwrap_or_else(|_| {
            self.problem(
                "BIND",
                format!(
                    "`{value}` is not an IP address with a port; use e.g. {DEFAULT_BIND}, \
                     0.0.0.0:8080 or [::]:8080 (port 0 picks a free port)"
                ),
            );
            default
        })
    }

    fn database(&mut self) -> DatabaseSettings {
        let url = self
            .get("DATABASE_URL")
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let kind = match database_kind(&url) {
            Ok(kind) => kind,
            Err(message) => {
                self.problem("DATABASE_URL", message);
                DatabaseKind::Sqlite
            }
        };
        let default_connections = match kind {
            DatabaseKind::Sqlite => 5,
            DatabaseKind::Postgres => 10,
        };
        let max_connections = match self.get("DATABASE_MAX_CONNECTIONS") {
            None => default_connections,
            Some(value) => match value.parse::<u32>() {
                Ok(n) if (1..=MAX_DATABASE_CONNECTIONS).contains(&n) => n,
                _ => {
                    self.problem(
                        "DATABASE_MAX_CONNECTIONS",
                        format!(
                            "`{value}` is not a whole number from 1 to \
                             {MAX_DATABASE_CONNECTIONS}"
                        ),
                    );
                    default_connections
                }
            },
        };
        let statement_timeout =
            Duration::from_secs(self.number("DATABASE_STATEMENT_TIMEOUT_SECONDS", 5, 1..=3600));
        let busy_timeout =
            Duration::from_millis(self.number("SQLITE_BUSY_TIMEOUT_MS", 5000, 1..=600_000));
        let ca_file = self.get("DATABASE_CA_FILE").and_then(|path| {
            let path = std::path::PathBuf::from(path);
            if path.is_file() {
                Some(path)
            } else {
                self.problem(
                    "DATABASE_CA_FILE",
                    format!("`{}` is not a readable file", path.display()),
                );
                None
            }
        });
        DatabaseSettings {
            url,
            kind,
            max_connections,
            statement_timeout,
            busy_timeout,
            ca_file,
        }
    }

    /// A whole number from `range`, or `default` when unset.
    fn number(
        &mut self,
        variable: &'static str,
        default: u64,
        range: std::ops::RangeInclusive<u64>,
    ) -> u64 {
        let Some(value) = self.get(variable) else {
            return default;
        };
        match value.replace('_', "").parse::<u64>() {
            Ok(n) if range.contains(&n) => n,
            _ => {
                self.problem(
                    variable,
                    format!(
                        "`{value}` is not a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                );
                default
            }
        }
    }

    /// `true` or `false`, or `default` when unset.
    fn flag(&mut self, variable: &'static str, default: bool) -> bool {
        match self
            .get(variable)
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None => default,
            Some("true") => true,
            Some("false") => false,
            Some(other) => {
                self.problem(variable, format!("`{other}` is not one of true, false"));
                default
            }
        }
    }

    fn graphql(&mut self, environment: Environment) -> GraphqlSettings {
        let development = environment == Environment::Development;
        let defaults = QueryLimits::default();
        let limits = QueryLimits {
            tokens: self.number(
                "GRAPHQL_MAX_TOKENS",
                defaults.tokens as u64,
                100..=1_000_000,
            ) as usize,
            depth: self.number("GRAPHQL_MAX_DEPTH", defaults.depth, 2..=100),
            aliases: self.number("GRAPHQL_MAX_ALIASES", defaults.aliases, 0..=10_000),
            root_fields: self.number("GRAPHQL_MAX_ROOT_FIELDS", defaults.root_fields, 1..=10_000),
            fields: self.number("GRAPHQL_MAX_FIELDS", defaults.fields, 10..=1_000_000),
            cost: self.number("GRAPHQL_MAX_COST", defaults.cost, 1..=100_000_000),
            anonymous_cost: self.number(
                "GRAPHQL_MAX_COST_ANONYMOUS",
                defaults.anonymous_cost,
                1..=100_000_000,
            ),
            introspection_cost: self.number(
                "GRAPHQL_MAX_INTROSPECTION_COST",
                defaults.introspection_cost,
                1..=100_000_000,
            ),
        };
        GraphqlSettings {
            limits,
            introspection: self.flag("GRAPHQL_INTROSPECTION", development),
            graphiql: self.flag("GRAPHIQL", development),
            suggestions: development,
            request_timeout: Duration::from_secs(self.number(
                "REQUEST_TIMEOUT_SECONDS",
                10,
                1..=3600,
            )),
        }
    }

    fn http(&mut self) -> HttpSettings {
        let seconds = |reader: &mut Self, variable, default| {
            Duration::from_secs(reader.number(variable, default, 1..=3600))
        };
        HttpSettings {
            header_timeout: seconds(self, "HTTP_HEADER_TIMEOUT_SECONDS", 5),
            body_timeout: seconds(self, "HTTP_BODY_TIMEOUT_SECONDS", 10),
            keep_alive: seconds(self, "HTTP_KEEP_ALIVE_SECONDS", 15),
            ws_init_timeout: seconds(self, "WS_INIT_TIMEOUT_SECONDS", 10),
            max_connections_per_client: self.number(
                "MAX_CONNECTIONS_PER_CLIENT",
                256,
                0..=1_000_000,
            ) as usize,
            workers: self.number("HTTP_WORKERS", 0, 0..=256) as usize,
        }
    }

    fn metrics(&mut self, environment: Environment) -> MetricsSettings {
        let token = self.get("METRICS_TOKEN");
        if let Some(token) = &token
            && token.len() < 16
        {
            self.problem(
                "METRICS_TOKEN",
                format!(
                    "must be at least 16 characters (it has {}); e.g. `openssl rand -hex 24`",
                    token.len()
                ),
            );
        }
        let bind = self
            .get("METRICS_BIND")
            .and_then(|value| match value.parse() {
                Ok(address) => Some(address),
                Err(_) => {
                    self.problem(
                        "METRICS_BIND",
                        format!("`{value}` is not an IP address with a port, e.g. 127.0.0.1:9090"),
                    );
                    None
                }
            });
        let on_main_address =
            bind.is_none() && (environment == Environment::Development || token.is_some());
        MetricsSettings {
            token,
            bind,
            on_main_address,
        }
    }

    fn sign_up(&mut self, environment: Environment) -> bool {
        match self
            .get("SIGNUP")
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None => environment == Environment::Development,
            Some("open") => true,
            Some("closed") => false,
            Some(other) => {
                self.problem("SIGNUP", format!("`{other}` is not one of open, closed"));
                environment == Environment::Development
            }
        }
    }

    fn cors_origins(&mut self) -> Vec<String> {
        let Some(value) = self.get("CORS_ALLOWED_ORIGINS") else {
            return Vec::new();
        };
        let mut origins = Vec::new();
        for origin in value.split(',').map(str::trim).filter(|o| !o.is_empty()) {
            let well_formed = (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin.ends_with('/')
                && origin.split("://").nth(1).is_some_and(|rest| {
                    !rest.is_empty() && !rest.contains('/') && !rest.contains('*')
                });
            if well_formed {
                origins.push(origin.to_owned());
            } else {
                self.problem(
                    "CORS_ALLOWED_ORIGINS",
                    format!(
                        "`{origin}` is not an origin: write scheme://host[:port] exactly, \
                         e.g. https://dash.example.com, separated by commas (no path, no `*`)"
                    ),
                );
            }
        }
        origins
    }

    fn web_dir(&mut self) -> Option<PathBuf> {
        let dir = PathBuf::from(self.get("IP_WEB_DIR")?);
        if dir.join("app").join("index.html").is_file() {
            Some(dir)
        } else {
            self.problem(
                "IP_WEB_DIR",
                format!(
                    "`{}` has no app/index.html: point it at the web folder of the source \
                     tree (crates/gateway/web), or unset it to serve the files in the binary",
                    dir.display()
                ),
            );
            None
        }
    }

    fn passwords(&mut self) -> PasswordSettings {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        // One core fewer than the machine has, so sign-ins never take every
        // core from the queries beside them.
        let default = cores.saturating_sub(1).max(1) as u64;
        PasswordSettings {
            concurrency: self.number("PASSWORD_HASH_CONCURRENCY", default, 1..=256) as usize,
            queue: self.number("PASSWORD_HASH_QUEUE", 32, 0..=100_000) as usize,
            nice: self.number(
                "PASSWORD_HASH_NICE",
                domain::password::DEFAULT_NICE as u64,
                0..=19,
            ) as i32,
            share: self.number(
                "PASSWORD_HASH_SHARE",
                u64::from(domain::password::DEFAULT_SHARE),
                1..=100,
            ) as u32,
        }
    }

    fn log(&mut self) -> LogSettings {
        let filter = match self.get("RUST_LOG") {
            None => DEFAULT_LOG_FILTER.to_owned(),
            Some(value) => match EnvFilter::try_new(&value) {
                Ok(_) => value,
                Err(err) => {
                    self.problem(
                        "RUST_LOG",
                        format!(
                            "`{value}` is not a log filter ({err}); use a level such as \
                             info or debug, optionally with targets: info,gateway=debug"
                        ),
                    );
                    DEFAULT_LOG_FILTER.to_owned()
                }
            },
        };
        let format = match self
            .get("LOG_FORMAT")
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                self.problem("LOG_FORMAT", format!("`{other}` is not one of text, json"));
                LogFormat::Text
            }
        };
        let traces = self.trace_export();
        LogSettings {
            filter,
            format,
            traces,
        }
    }

    fn trace_export(&mut self) -> Option<TraceExport> {
        // As the OpenTelemetry specification says: the per-signal variable
        // is the URL itself, the general one is a base that gets `/v1/traces`.
        let (variable, endpoint) = match (
            self.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
            self.get("OTEL_EXPORTER_OTLP_ENDPOINT"),
        ) {
            (Some(url), _) => ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", url),
            (None, Some(base)) => (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("{}/v1/traces", base.trim_end_matches('/')),
            ),
            (None, None) => return None,
        };
        let host = endpoint
            .strip_prefix("http://")
            .or_else(|| endpoint.strip_prefix("https://"))
            .and_then(|rest| rest.split('/').next())
            .filter(|host| !host.is_empty() && !host.contains(char::is_whitespace));
        if host.is_none() {
            self.problem(
                variable,
                format!(
                    "`{endpoint}` is not an http:// or https:// URL of an OTLP/HTTP \
                     collector, e.g. http://localhost:4318"
                ),
            );
            return None;
        }
        let service_name = self
            .get("OTEL_SERVICE_NAME")
            .unwrap_or_else(|| "interview-planner".to_owned());
        Some(TraceExport {
            endpoint,
            service_name,
        })
    }

    fn trust_proxy_headers(&mut self) -> bool {
        match self
            .get("TRUST_PROXY_HEADERS")
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                self.problem(
                    "TRUST_PROXY_HEADERS",
                    format!(
                        "`{other}` is not one of true, false (true only behind a proxy \
                         that appends the client's address to X-Forwarded-For)"
                    ),
                );
                false
            }
        }
    }

    fn jwt_secret(&mut self, environment: Environment) -> JwtSecret {
        let configured = self.get("JWT_SECRET");
        match (configured, environment) {
            (Some(secret), Environment::Production) if secret.len() < MIN_JWT_SECRET_BYTES => {
                self.problem(
                    "JWT_SECRET",
                    format!(
                        "must be at least {MIN_JWT_SECRET_BYTES} bytes when APP_ENV=production \
                         (it has {}); generate one with `openssl rand -base64 48`",
                        secret.len()
                    ),
                );
                JwtSecret {
                    bytes: Vec::new(),
                    source: SecretSource::Configured,
                }
            }
            (Some(secret), _) => JwtSecret {
                bytes: secret.into_bytes(),
                source: SecretSource::Configured,
            },
            (None, Environment::Production) => {
                self.problem(
                    "JWT_SECRET",
                    format!(
                        "is required when APP_ENV=production: at least \
                         {MIN_JWT_SECRET_BYTES} bytes of random text, e.g. from \
                         `openssl rand -base64 48`"
                    ),
                );
                JwtSecret {
                    bytes: Vec::new(),
                    source: SecretSource::Configured,
                }
            }
            (None, Environment::Development) => {
                let mut bytes = vec![0; MIN_JWT_SECRET_BYTES];
                if let Err(err) = getrandom::fill(&mut bytes) {
                    self.problem(
                        "JWT_SECRET",
                        format!(
                            "is unset and no random secret could be made ({err}); \
                             set JWT_SECRET"
                        ),
                    );
                }
                JwtSecret {
                    bytes,
                    source: SecretSource::Generated,
                }
            }
        }
    }
}

/// The kind of database `url` names, or why it is refused. The message shows
/// only the URL's scheme: the rest may hold a password.
fn database_kind(url: &str) -> Result<DatabaseKind, String> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("sqlite:") {
        Ok(DatabaseKind::Sqlite)
    } else if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        Ok(DatabaseKind::Postgres)
    } else {
        let got = match url.split_once(':') {
            Some((scheme, _)) if !scheme.is_empty() && scheme.len() <= 20 => {
                format!("the scheme `{scheme}:`")
            }
            _ => "a value without a scheme".to_owned(),
        };
        Err(format!(
            "must start with sqlite: (e.g. {DEFAULT_DATABASE_URL}) or postgres:// \
             (e.g. postgres://user:password@localhost:5432/interview_planner); got {got}"
        ))
    }
}

/// `postgres://user:secret@host:5432/db?password=x` → `postgres://user@host:5432/db`.
fn redact_postgres_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<unreadable URL>".to_owned();
    };
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{user}@{host}")
        }
        None => authority.to_owned(),
    };
    format!("{scheme}://{host}/{path}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    fn problems(vars: &[(&str, &str)]) -> Vec<ConfigProblem> {
        match settings(vars) {
            Ok(settings) => panic!("expected a refusal, got {settings:?}"),
            Err(err) => err.problems,
        }
    }

    fn variables(problems: &[ConfigProblem]) -> Vec<&'static str> {
        problems.iter().map(|p| p.variable).collect()
    }

    const STRONG: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn nothing_set_means_sqlite_in_the_working_directory_on_localhost_8080() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.environment, Environment::Development);
        assert_eq!(s.bind.to_string(), DEFAULT_BIND);
        assert_eq!(s.database.url(), DEFAULT_DATABASE_URL);
        assert_eq!(s.database.kind, DatabaseKind::Sqlite);
        assert_eq!(s.database.max_connections, 5);
        assert_eq!(s.log.filter, DEFAULT_LOG_FILTER);
        assert_eq!(s.log.format, LogFormat::Text);
        assert!(!s.trust_proxy_headers);
    }

    #[test]
    fn trust_proxy_headers_is_true_or_false_and_off_by_default() {
        let s = settings(&[("TRUST_PROXY_HEADERS", "true")]).unwrap();
        assert!(s.trust_proxy_headers);
        let s = settings(&[("TRUST_PROXY_HEADERS", " TRUE ")]).unwrap();
        assert!(s.trust_proxy_headers);
        let s = settings(&[("TRUST_PROXY_HEADERS", "False")]).unwrap();
        assert!(!s.trust_proxy_headers);
        let s = settings(&[("TRUST_PROXY_HEADERS", "")]).unwrap();
        assert!(!s.trust_proxy_headers);
        for bad in ["yes", "1", "on"] {
            let found = problems(&[("TRUST_PROXY_HEADERS", bad)]);
            assert_eq!(variables(&found), ["TRUST_PROXY_HEADERS"], "{bad}");
            assert!(found[0].message.contains("true, false"), "{bad}");
        }
    }

    #[test]
    fn development_without_a_jwt_secret_gets_a_random_one_per_process() {
        let first = settings(&[]).unwrap().jwt_secret;
        let second = settings(&[]).unwrap().jwt_secret;
        assert_eq!(first.source, SecretSource::Generated);
        assert!(!first.is_weak());
        assert_ne!(first.expose(), second.expose());
    }

    #[test]
    fn a_postgres_url_switches_to_postgresql_with_a_larger_pool() {
        for url in ["postgres://u:p@db:5432/ip", "postgresql://u@db/ip"] {
            let s = settings(&[("DATABASE_URL", url)]).unwrap();
            assert_eq!(s.database.kind, DatabaseKind::Postgres);
            assert_eq!(s.database.max_connections, 10);
            assert_eq!(s.database.url(), url);
        }
    }

    #[test]
    fn any_other_database_url_is_refused_without_echoing_it() {
        let found = problems(&[("DATABASE_URL", "mysql://root:hunter2@db/ip")]);
        assert_eq!(variables(&found), ["DATABASE_URL"]);
        assert!(found[0].message.contains("sqlite:"), "{}", found[0].message);
        assert!(found[0].message.contains("postgres://"));
        assert!(found[0].message.contains("`mysql:`"));
        assert!(!found[0].message.contains("hunter2"));
        let found = problems(&[("DATABASE_URL", "interview.db")]);
        assert_eq!(variables(&found), ["DATABASE_URL"]);
    }

    #[test]
    fn logs_show_postgres_urls_without_password_or_parameters() {
        let s = settings(&[(
            "DATABASE_URL",
            "postgres://app:s3cret@db.internal:5432/ip?sslmode=require&password=x",
        )])
        .unwrap();
        assert_eq!(
            s.database.redacted_url(),
            "postgres://app@db.internal:5432/ip"
        );
        assert!(!format!("{s:?}").contains("s3cret"));
        let s = settings(&[("DATABASE_URL", "postgres://localhost/ip")]).unwrap();
        assert_eq!(s.database.redacted_url(), "postgres://localhost/ip");
    }

    #[test]
    fn bind_takes_an_ip_and_port_and_refuses_anything_else() {
        let s = settings(&[("BIND", "0.0.0.0:0")]).unwrap();
        assert_eq!(s.bind.to_string(), "0.0.0.0:0");
        let s = settings(&[("BIND", "[::1]:9000")]).unwrap();
        assert_eq!(s.bind.port(), 9000);
        for bad in ["8080", "localhost:8080", "127.0.0.1:99999"] {
            let found = problems(&[("BIND", bad)]);
            assert_eq!(variables(&found), ["BIND"], "{bad}");
            assert!(found[0].message.contains("127.0.0.1:8080"));
        }
    }

    #[test]
    fn the_pool_size_is_a_whole_number_from_1_to_1000() {
        let s = settings(&[("DATABASE_MAX_CONNECTIONS", "3")]).unwrap();
        assert_eq!(s.database.max_connections, 3);
        for bad in ["0", "-1", "ten", "1001"] {
            let found = problems(&[("DATABASE_MAX_CONNECTIONS", bad)]);
            assert_eq!(variables(&found), ["DATABASE_MAX_CONNECTIONS"], "{bad}");
            assert!(found[0].message.contains("1 to 1000"));
        }
    }

    #[test]
    fn hashing_keeps_to_a_quarter_of_a_core_unless_told_otherwise() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.passwords.share, domain::password::DEFAULT_SHARE);
        let s = settings(&[("PASSWORD_HASH_SHARE", "100")]).unwrap();
        assert_eq!(s.passwords.share, 100);
        for bad in ["0", "101", "half"] {
            let found = problems(&[("PASSWORD_HASH_SHARE", bad)]);
            assert_eq!(variables(&found), ["PASSWORD_HASH_SHARE"], "{bad}");
            assert!(found[0].message.contains("1 to 100"));
        }
    }

    #[test]
    fn http_workers_default_to_zero_meaning_four_per_core() {
        assert_eq!(settings(&[]).unwrap().http.workers, 0);
        assert_eq!(settings(&[("HTTP_WORKERS", "3")]).unwrap().http.workers, 3);
        let found = problems(&[("HTTP_WORKERS", "257")]);
        assert_eq!(variables(&found), ["HTTP_WORKERS"]);
    }

    #[test]
    fn app_env_is_development_or_production() {
        let s = settings(&[("APP_ENV", "Production"), ("JWT_SECRET", STRONG)]).unwrap();
        assert_eq!(s.environment, Environment::Production);
        let found = problems(&[("APP_ENV", "staging")]);
        assert_eq!(variables(&found), ["APP_ENV"]);
        assert!(found[0].message.contains("development, production"));
    }

    #[test]
    fn production_requires_a_jwt_secret_of_at_least_32_bytes() {
        let found = problems(&[("APP_ENV", "production")]);
        assert_eq!(variables(&found), ["JWT_SECRET"]);
        assert!(found[0].message.contains("required"));

        let found = problems(&[("APP_ENV", "production"), ("JWT_SECRET", "too-short")]);
        assert_eq!(variables(&found), ["JWT_SECRET"]);
        assert!(found[0].message.contains("at least 32 bytes"));
        assert!(!found[0].message.contains("too-short"));

        let s = settings(&[("APP_ENV", "production"), ("JWT_SECRET", STRONG)]).unwrap();
        assert_eq!(s.jwt_secret.expose(), STRONG.as_bytes());
        assert_eq!(s.jwt_secret.source, SecretSource::Configured);
        assert!(!format!("{s:?}").contains(STRONG));
    }

    #[test]
    fn development_accepts_a_short_jwt_secret_but_flags_it_weak() {
        let s = settings(&[("JWT_SECRET", "dev")]).unwrap();
        assert!(s.jwt_secret.is_weak());
    }

    #[test]
    fn log_filter_and_format_are_checked() {
        let s = settings(&[("RUST_LOG", "debug,sqlx=warn"), ("LOG_FORMAT", "JSON")]).unwrap();
        assert_eq!(s.log.filter, "debug,sqlx=warn");
        assert_eq!(s.log.format, LogFormat::Json);
        let found = problems(&[("RUST_LOG", "gateway=loud"), ("LOG_FORMAT", "xml")]);
        assert_eq!(variables(&found), ["RUST_LOG", "LOG_FORMAT"]);
        assert!(found[1].message.contains("text, json"));
    }

    #[test]
    fn trace_export_follows_the_opentelemetry_variables() {
        assert_eq!(settings(&[]).unwrap().log.traces, None);
        let base = settings(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")]).unwrap();
        assert_eq!(
            base.log.traces,
            Some(TraceExport {
                endpoint: "http://collector:4318/v1/traces".to_owned(),
                service_name: "interview-planner".to_owned(),
            })
        );
        // The per-signal URL is used as it is and wins over the base.
        let exact = settings(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://ignored:4318"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "https://otel.example.com/ingest",
            ),
            ("OTEL_SERVICE_NAME", "planner-eu"),
        ])
        .unwrap();
        assert_eq!(
            exact.log.traces,
            Some(TraceExport {
                endpoint: "https://otel.example.com/ingest".to_owned(),
                service_name: "planner-eu".to_owned(),
            })
        );
        for bad in ["collector:4318", "grpc://collector:4317", "http://"] {
            let found = problems(&[("OTEL_EXPORTER_OTLP_ENDPOINT", bad)]);
            assert_eq!(variables(&found), ["OTEL_EXPORTER_OTLP_ENDPOINT"], "{bad}");
            assert!(
                found[0].message.contains("OTLP/HTTP"),
                "{}",
                found[0].message
            );
        }
    }

    #[test]
    fn every_problem_is_reported_at_once_and_empty_values_count_as_unset() {
        let found = problems(&[
            ("APP_ENV", "production"),
            ("BIND", "nowhere"),
            ("DATABASE_URL", "redis://x"),
            ("DATABASE_MAX_CONNECTIONS", "many"),
        ]);
        assert_eq!(
            variables(&found),
            [
                "BIND",
                "DATABASE_URL",
                "DATABASE_MAX_CONNECTIONS",
                "JWT_SECRET"
            ]
        );
        let message = ConfigError { problems: found }.to_string();
        assert!(
            message.starts_with("invalid configuration: BIND: "),
            "{message}"
        );

        let s = settings(&[("DATABASE_URL", ""), ("BIND", "  ")]).unwrap();
        assert_eq!(s.database.url(), DEFAULT_DATABASE_URL);
        assert_eq!(s.bind.to_string(), DEFAULT_BIND);
    }

    #[test]
    fn database_and_log_settings_read_alone_ignore_other_variables() {
        let lookup = |name: &str| match name {
            "APP_ENV" => Some("production".to_owned()),
            "DATABASE_URL" => Some("postgres://localhost/ip".to_owned()),
            _ => None,
        };
        let database = DatabaseSettings::from_lookup(lookup).unwrap();
        assert_eq!(database.kind, DatabaseKind::Postgres);
        assert!(LogSettings::from_lookup(lookup).is_ok());
    }
}
