//! Probes for orchestrators: `/healthz` says the process is up, `/readyz`
//! says it can serve requests because the database answers.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use sea_orm::DatabaseConnection;
use serde::Serialize;

/// How long `/readyz` waits for the database before calling it unavailable,
/// so a hung database fails the probe instead of hanging it.
const PING_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Serialize)]
struct Status {
    status: &'static str,
}

/// `GET /healthz`: 200 `{"status":"ok"}` whenever the process answers.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Status { status: "ok" })
}

/// `GET /readyz`: 200 `{"status":"ready"}` when the database answers within
/// [`PING_TIMEOUT`], else 503 `{"status":"unavailable"}`.
pub async fn readyz(db: web::Data<DatabaseConnection>) -> HttpResponse {
    let answered = tokio::time::timeout(PING_TIMEOUT, domain::db::ping(&db)).await;
    if answered == Ok(true) {
        HttpResponse::Ok().json(Status { status: "ready" })
    } else {
        tracing::warn!(
            timed_out = answered.is_err(),
            "readiness probe: database unavailable"
        );
        HttpResponse::ServiceUnavailable().json(Status {
            status: "unavailable",
        })
    }
}
