//! HTTP routes, one file per group. The GraphQL endpoint joins them here.

pub mod graphql;
pub mod graphql_ws;
mod health;
pub mod webapp;

use actix_web::{guard, web};

/// Which optional routes the main address serves.
#[derive(Clone, Copy, Debug)]
pub struct Routes {
    /// `GET /metrics` (off in production unless protected by a token, or
    /// when it has an address of its own).
    pub metrics: bool,
}

impl Routes {
    /// Registers every route of the service.
    pub fn configure(self, cfg: &mut web::ServiceConfig) {
        if self.metrics {
            cfg.route("/metrics", web::get().to(crate::metrics::scrape));
        }
        configure(cfg);
    }
}

/// Registers the routes every configuration serves.
fn configure(cfg: &mut web::ServiceConfig) {
    webapp::configure(cfg);
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/graphql", web::post().to(graphql::post))
        // Subscriptions: the WebSocket upgrade of `GET /graphql`, matched
        // before the plain GET that serves queries and GraphiQL.
        .route(
            "/graphql",
            web::get()
                .guard(guard::fn_guard(graphql_ws::is_upgrade))
                .to(graphql_ws::upgrade),
        )
        .route("/graphql", web::get().to(graphql::get));
}
