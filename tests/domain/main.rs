//! Domain rules of docs/domain.md §2, each tested on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod accounts;
mod amendments;
mod bank;
mod candidates;
mod composer;
mod concurrency;
mod demo;
mod erasure;
mod events;
mod migrations;
mod panels;
mod plans;
mod questions;
mod reports;
mod rollups;
mod scorecards;
mod sessions;
mod tenancy;
mod transfer;
mod validation;
