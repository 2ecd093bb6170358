//! HTTP routes, one file per group. The GraphQL endpoint joins them here.

pub mod graphql;
pub mod graphql_ws;
mod health;

use actix_web::{guard, web};

/// Registers every route of the service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(crate::metrics::scrape))
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
