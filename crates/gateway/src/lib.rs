//! The `interview-planner` service around the domain: configuration from the
//! environment, the HTTP server and its routes, the GraphQL schema. The
//! binary (the root package) builds an [`Application`] and runs it.

pub mod audit;
pub mod auth;
pub mod config;
pub mod connections;
pub mod events;
pub mod graphql;
pub mod metrics;
pub mod request_id;
pub mod routes;
pub mod startup;
pub mod telemetry;
pub mod webhooks;

pub use config::Settings;
pub use startup::Application;
