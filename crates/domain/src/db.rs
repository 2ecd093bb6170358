//! Opening the database, bringing its schema up to date, and starting write
//! transactions that cannot fail on a lock upgrade.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

use crate::error::{Error, Result};

/// A pooled connection idle at least this long is checked (a round trip
/// with no statement) before it is handed out; one used more recently is
/// handed out as it is. Checking every checkout would add a round trip to
/// every statement of a busy service, where connections are idle for
/// microseconds; the ones a server restart, a proxy or a firewall has cut
/// are the ones that sat idle.
const CHECK_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// How the pool and each of its connections are set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbOptions {
    /// Most connections the pool opens.
    pub max_connections: u32,
    /// SQLite: how long a write waits for another connection's write lock
    /// before it is refused as busy (a retry-able `CONFLICT`).
    pub busy_timeout: Duration,
    /// PostgreSQL: longest a single statement may run before the server
    /// cancels it; `None` leaves the server's setting.
    pub statement_timeout: Option<Duration>,
    /// How long a request waits for a free pooled connection.
    pub acquire_timeout: Duration,
    /// PostgreSQL: the certificate authority that signed the server's
    /// certificate (with `sslmode=verify-ca` or `verify-full` in the URL).
    pub ca_file: Option<std::path::PathBuf>,
}

impl DbOptions {
    /// The defaults with a pool of `max_connections`.
    pub fn with_max_connections(max_connections: u32) -> Self {
        DbOptions {
            max_connections,
            ..DbOptions::default()
        }
    }
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            max_connections: 5,
            busy_timeout: Duration::from_secs(5),
            statement_timeout: Some(Duration::from_secs(10)),
            acquire_timeout: Duration::from_secs(10),
            ca_file: None,
        }
    }
}

/// Opens `url` (`sqlite://…?mode=rwc` or `postgres://…`) with a pool of
/// `max_connections` and the default [`DbOptions`].
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection> {
    connect_with(url, DbOptions::with_max_connections(max_connections)).await
}

/// Opens `url` with `options`.
///
/// Every SQLite connection of the pool (not just the first) gets WAL mode,
/// so readers never block the writer, foreign keys, and a busy timeout, so
/// a write waits for the lock instead of failing at once. Every PostgreSQL
/// connection gets `statement_timeout`, so a runaway statement is cancelled
/// by the server even when the request that started it has given up, and
/// TLS as the URL's `sslmode` asks, verified against `ca_file` if given.
pub async fn connect_with(url: &str, options: DbOptions) -> Result<DatabaseConnection> {
    let mut connect = ConnectOptions::new(url.to_owned());
    connect
        .max_connections(options.max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(options.acquire_timeout)
        .test_before_acquire_if_idle_for(CHECK_IF_IDLE_FOR)
        .sqlx_logging(false);
    let busy_timeout = options.busy_timeout;
    connect.map_sqlx_sqlite_opts(move |sqlite| {
        sqlite
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(busy_timeout)
    });
    let statement_timeout = options
        .statement_timeout
        .map(|timeout| timeout.as_millis().to_string());
    let ca_file = options.ca_file.clone();
    connect.map_sqlx_postgres_opts(move |mut postgres| {
        if let Some(millis) = &statement_timeout {
            postgres = postgres.options([("statement_timeout", millis.as_str())]);
        }
        if let Some(ca) = &ca_file {
            postgres = postgres.ssl_root_cert(ca);
        }
        postgres
    });
    probe(url, &options).await?;
    Ok(Database::connect(connect).await?)
}

/// Opens one connection outside any pool and closes it, so that a database
/// that cannot be reached is reported at once with the driver's own reason
/// (refused, unknown host, no such database, a certificate it cannot
/// verify) instead of as a pool that timed out waiting for connections.
async fn probe(url: &str, options: &DbOptions) -> Result<(), Error> {
    use sea_orm::sqlx::{ConnectOptions as _, Connection as _};

    let failed = |err: sea_orm::sqlx::Error| {
        Error::Database(DbErr::Conn(sea_orm::RuntimeErr::SqlxError(
            std::sync::Arc::new(err),
        )))
    };
    if url.starts_with("sqlite:") {
        let sqlite = url
            .parse::<sea_orm::sqlx::sqlite::SqliteConnectOptions>()
            .map_err(failed)?;
        sqlite
            .connect()
            .await
            .map_err(failed)?
            .close()
            .await
            .map_err(failed)
    } else {
        let mut postgres = url
            .parse::<sea_orm::sqlx::postgres::PgConnectOptions>()
            .map_err(failed)?;
        if let Some(ca) = &options.ca_file {
            postgres = postgres.ssl_root_cert(ca);
        }
        let connecting = postgres.connect();
        match tokio::time::timeout(Duration::from_secs(10), connecting).await {
            Ok(connection) => connection.map_err(failed)?.close().await.map_err(failed),
            Err(_) => Err(failed(sea_orm::sqlx::Error::PoolTimedOut)),
        }
    }
}

/// Starts a transaction that will write.
///
/// On SQLite it takes the write lock at `BEGIN` (`BEGIN IMMEDIATE`): a
/// deferred transaction that reads first and writes later cannot wait for
/// the lock when another connection holds it (SQLite refuses the upgrade at
/// once with `SQLITE_BUSY` or `SQLITE_BUSY_SNAPSHOT` to avoid a deadlock),
/// whereas `BEGIN IMMEDIATE` waits up to the busy timeout. On PostgreSQL it
/// is a plain `BEGIN`.
pub async fn begin_write<C: TransactionTrait<Transaction = DatabaseTransaction>>(
    db: &C,
) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Sends `payload` to the PostgreSQL listeners of `channel`
/// (`LISTEN/NOTIFY`); a no-op on SQLite, which has one process.
pub async fn notify(db: &DatabaseConnection, channel: &str, payload: &str) -> Result<()> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [channel.into(), payload.into()],
    ))
    .await?;
    Ok(())
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<()> {
    Migrator::up(db, None).await?;
    Ok(())
}

/// Whether the database answers a trivial query.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}
