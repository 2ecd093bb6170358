//! HTTP routes, one file per group. The GraphQL endpoint joins them here.

pub mod graphql;
mod health;

use actix_web::web;

/// Registers every route of the service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/graphql", web::post().to(graphql::post))
        .route("/graphql", web::get().to(graphql::get));
}
