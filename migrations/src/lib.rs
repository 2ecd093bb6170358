//! Database schema of interview-planner.
//!
//! Every migration is written with sea-query's schema builder so the same files
//! run on SQLite (the embedded default) and PostgreSQL (production), up and down.
//! Foreign keys are declared inside `CREATE TABLE` because SQLite cannot add
//! them afterwards.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_tenancy;
mod m20261128_000002_question_bank;
mod m20261128_000003_candidates;
mod m20261128_000004_plans;
mod m20261128_000005_scorecards;
mod m20261128_000006_sessions;
mod m20261128_000007_templates;
mod m20261128_000008_scorecard_revisions;
mod m20261201_000009_accounts;
mod m20261202_000010_events;
mod m20261202_000011_rollups;
mod m20261202_000012_foreign_key_indexes;
mod m20261202_000013_panels;
mod m20261204_000014_audit_subjects;
mod m20261204_000015_keyset_indexes;
mod m20261204_000016_candidate_means;
pub mod rollups;
mod support;

/// The ordered list of migrations; `Migrator::up(db, None)` brings a database to
/// the current schema.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_tenancy::Migration),
            Box::new(m20261128_000002_question_bank::Migration),
            Box::new(m20261128_000003_candidates::Migration),
            Box::new(m20261128_000004_plans::Migration),
            Box::new(m20261128_000005_scorecards::Migration),
            Box::new(m20261128_000006_sessions::Migration),
            Box::new(m20261128_000007_templates::Migration),
            Box::new(m20261128_000008_scorecard_revisions::Migration),
            Box::new(m20261201_000009_accounts::Migration),
            Box::new(m20261202_000010_events::Migration),
            Box::new(m20261202_000011_rollups::Migration),
            Box::new(m20261202_000012_foreign_key_indexes::Migration),
            Box::new(m20261202_000013_panels::Migration),
            Box::new(m20261204_000014_audit_subjects::Migration),
            Box::new(m20261204_000015_keyset_indexes::Migration),
            Box::new(m20261204_000016_candidate_means::Migration),
        ]
    }
}
