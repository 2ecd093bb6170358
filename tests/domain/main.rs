//! Domain rules of SPEC §2, each tested on SQLite and PostgreSQL.

#[path = "../support/mod.rs"]
mod support;

mod bank;
mod migrations;
mod questions;
