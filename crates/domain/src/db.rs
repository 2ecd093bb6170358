//! Opening the database, bringing its schema up to date, and starting write
//! transactions that cannot fail on a lock upgrade.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

use crate::error::Result;

/// How the pool and each of its connections are set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
/// by the server even when the request that started it has given up.
pub async fn connect_with(url: &str, options: DbOptions) -> Result<DatabaseConnection> {
    let mut connect = ConnectOptions::new(url.to_owned());
    connect
        .max_connections(options.max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(options.acquire_timeout)
        .sqlx_logging(false);
    let busy_timeout = options.busy_timeout;
    connect.map_sqlx_sqlite_opts(move |sqlite| {
        sqlite
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(busy_timeout)
    });
    if let Some(timeout) = options.statement_timeout {
        let millis = timeout.as_millis().to_string();
        connect.map_sqlx_postgres_opts(move |postgres| {
            postgres.options([("statement_timeout", millis.as_str())])
        });
    }
    Ok(Database::connect(connect).await?)
}

/// Starts a transaction that will write.
///
/// On SQLite it takes the write lock at `BEGIN` (`BEGIN IMMEDIATE`): a
/// deferred transaction that reads first and writes later cannot wait for
/// the lock when another connection holds it (SQLite refuses the upgrade at
/// once with `SQLITE_BUSY` or `SQLITE_BUSY_SNAPSHOT` to avoid a deadlock),
/// whereas `BEGIN IMMEDIATE` waits up to the busy timeout. On PostgreSQL it
/// is a plain `BEGIN`.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
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
