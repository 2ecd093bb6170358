//! Domain of interview-planner: the question bank, candidates, interview
//! plans and scorecards, with the rules of docs/domain.md §2.
//!
//! Every service takes a database connection and an [`actor::Actor`]; tenancy
//! and permissions are checked in the services, once, so no client can skip
//! them. Nothing here knows about HTTP or GraphQL.

pub mod actor;
pub mod api_key;
pub mod audit;
pub mod bank;
pub mod candidate;
pub mod db;
pub mod entity;
pub mod error;
pub mod event;
pub mod organization;
mod owned;
pub mod page;
pub mod panel;
pub mod password;
pub mod plan;
pub mod query;
pub mod question;
pub mod report;
pub mod rollup;
pub mod scorecard;
pub mod session;
pub mod throttle;
pub mod types;
pub mod user;
pub mod webhook;

pub use actor::{Actor, Permission};
pub use error::{Error, Problem, Result};
