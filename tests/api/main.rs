//! The service through HTTP, end to end: the real server on a free port, on
//! SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod accounts;
mod amendments;
mod audit;
mod client;
mod deployment;
mod health;
mod helpers;
mod http;
mod isolation;
mod journeys;
mod limits;
mod live;
mod metrics;
mod order;
mod pages;
mod panels;
mod statements;
mod throttle;
mod tokens;
mod web;
mod webhooks;
mod ws;
