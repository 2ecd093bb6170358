//! Test databases: a fresh, migrated database per test, on SQLite or on
//! PostgreSQL, and the `both_databases!` macro that runs a test on each.
//!
//! PostgreSQL tests use `IP_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). Each test binary migrates
//! one template database once and copies it per test with
//! `CREATE DATABASE … TEMPLATE …`, which takes milliseconds. When PostgreSQL
//! cannot be reached the test fails; outside CI, `IP_TEST_SKIP_POSTGRES=1`
//! skips PostgreSQL tests and says so on stderr.

#![allow(dead_code)]

pub mod receiver;
pub mod world;

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use domain::db;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend};
use tokio::sync::OnceCell;
use uuid::Uuid;

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A temporary SQLite file.
    Sqlite,
    /// A fresh database on the local PostgreSQL server.
    Postgres,
}

/// A fresh, migrated database that is removed when the test ends.
pub struct TestDb {
    /// Connection pool to the database.
    pub db: DatabaseConnection,
    /// Which backend it is.
    pub backend: Backend,
    /// The URL it was opened with.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Database { admin_url: String, name: String },
}

fn postgres_admin_url() -> String {
    std::env::var("IP_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn with_database(url: &str, name: &str) -> String {
    let base = url.rsplit_once('/').map_or(url, |(base, _)| base);
    format!("{base}/{name}")
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

async fn postgres_template(admin_url: &str) -> String {
    TEMPLATE
        .get_or_init(|| async {
            let admin = Database::connect(admin_url).await.unwrap_or_else(|err| {
                panic!(
                    "PostgreSQL at {admin_url} is unreachable ({err}). Start it, or point \
                     IP_TEST_POSTGRES_URL at a server where this user may create databases. \
                     Outside CI, IP_TEST_SKIP_POSTGRES=1 skips the PostgreSQL tests."
                )
            });
            drop_stale_databases(&admin).await;
            let name = format!("ipt_{}_tpl_{}", now_secs(), Uuid::now_v7().simple());
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create template database");
            let template = db::connect(&with_database(admin_url, &name), 2)
                .await
                .expect("connect to template database");
            db::migrate(&template)
                .await
                .expect("migrate template database");
            template.close().await.expect("close template database");
            name
        })
        .await
        .clone()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Drops test databases left by runs that ended more than two hours ago (a
/// panicking test cannot drop its own).
async fn drop_stale_databases(admin: &DatabaseConnection) {
    let rows = admin
        .query_all_raw(sea_orm::Statement::from_string(
            DbBackend::Postgres,
            "SELECT datname FROM pg_database WHERE datname LIKE 'ipt\\_%'",
        ))
        .await
        .unwrap_or_default();
    let horizon = now_secs().saturating_sub(2 * 3600);
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "datname") else {
            continue;
        };
        let created: u64 = name
            .split('_')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(u64::MAX);
        if created < horizon {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}

impl TestDb {
    /// A fresh SQLite database in a temporary file.
    pub async fn sqlite() -> TestDb {
        let path = std::env::temp_dir().join(format!("ipt-{}.db", Uuid::now_v7().simple()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let db = db::connect(&url, 4)
            .await
            .expect("open SQLite test database");
        db::migrate(&db)
            .await
            .expect("migrate SQLite test database");
        TestDb {
            db,
            backend: Backend::Sqlite,
            url,
            cleanup: Cleanup::File(path),
        }
    }

    /// A fresh PostgreSQL database copied from the migrated template, or
    /// `None` when the developer asked to skip PostgreSQL outside CI.
    pub async fn postgres() -> Option<TestDb> {
        if std::env::var("IP_TEST_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
            assert!(
                std::env::var("CI").is_err(),
                "IP_TEST_SKIP_POSTGRES is refused in CI: PostgreSQL tests must run there"
            );
            eprintln!("SKIPPED on PostgreSQL (IP_TEST_SKIP_POSTGRES=1)");
            return None;
        }
        let admin_url = postgres_admin_url();
        let template = postgres_template(&admin_url).await;
        let name = format!("ipt_{}_{}", now_secs(), Uuid::now_v7().simple());
        let admin = Database::connect(&admin_url)
            .await
            .expect("connect to PostgreSQL");
        admin
            .execute_unprepared(&format!(
                "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
            ))
            .await
            .expect("copy the template database");
        admin.close().await.ok();
        let url = with_database(&admin_url, &name);
        let db = db::connect(&url, 4)
            .await
            .expect("connect to the test database");
        Some(TestDb {
            db,
            backend: Backend::Postgres,
            url,
            cleanup: Cleanup::Database { admin_url, name },
        })
    }

    /// Closes the pool and removes the database.
    pub async fn finish(self) {
        let _ = self.db.close().await;
        match self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Database { admin_url, name } => {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                    let _ = admin.close().await;
                }
            }
        }
    }
}

/// Runs each listed `async fn name(db: &TestDb)` twice, as `name::sqlite`
/// and `name::postgres`, each on a fresh database.
#[macro_export]
macro_rules! both_databases {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let db = $crate::support::TestDb::sqlite().await;
                    super::$name(&db).await;
                    db.finish().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(db) = $crate::support::TestDb::postgres().await {
                        super::$name(&db).await;
                        db.finish().await;
                    }
                }
            }
        )+
    };
}
