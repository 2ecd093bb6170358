//! docs/domain.md §3: `GET /healthz` says the process is up; `GET /readyz` says
//! whether it can serve, which depends on the database.

use serde_json::json;

use crate::both_databases;
use crate::helpers::spawn_app;
use crate::support::TestDb;

async fn healthz_answers_ok_while_the_process_is_up(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.content_type, "application/json");
    assert_eq!(response.json, json!({"status": "ok"}));
}

async fn readyz_answers_ready_when_the_database_answers(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json, json!({"status": "ready"}));
}

async fn readyz_answers_503_unavailable_once_the_database_is_gone(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    assert_eq!(app.get("/readyz").await.status, 200);

    app.db.close_by_ref().await.expect("close the pool");

    let response = app.get("/readyz").await;
    assert_eq!(response.status, 503, "readyz after the database closed");
    assert_eq!(response.json, json!({"status": "unavailable"}));
    let health = app.get("/healthz").await;
    assert_eq!(health.status, 200, "the process is still up");
}

both_databases!(
    healthz_answers_ok_while_the_process_is_up,
    readyz_answers_ready_when_the_database_answers,
    readyz_answers_503_unavailable_once_the_database_is_gone,
);

/// docs/domain.md §5: migrations run at start-up, so `serve` works on an empty database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_migrates_an_empty_database_at_start_up() {
    use migration::{Migrator, MigratorTrait};

    let path = std::env::temp_dir().join(format!("ipt-api-{}.db", uuid::Uuid::now_v7().simple()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let app = spawn_app(&url).await;
    assert_eq!(app.get("/readyz").await.status, 200);
    let pending = Migrator::get_pending_migrations(&app.db)
        .await
        .expect("read applied migrations");
    assert!(
        pending.is_empty(),
        "{} migrations left pending",
        pending.len()
    );
    app.db.close_by_ref().await.ok();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
