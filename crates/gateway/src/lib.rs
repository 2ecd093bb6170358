//! The `interview-planner` service around the domain: configuration from the
//! environment, the HTTP server and its routes, and the operator's command
//! line. The binary in `main.rs` only calls [`cli::main`].

pub mod auth;
pub mod bench;
pub mod cli;
pub mod config;
pub mod connections;
pub mod events;
pub mod graphql;
pub mod metrics;
pub mod routes;
pub mod startup;
pub mod telemetry;

pub use config::Settings;
pub use startup::Application;
