//! Per candidate, the sums behind the candidate report's mean rating per
//! category and per competency, so the report reads a handful of rows
//! instead of joining every rating to its round question and pinned
//! question version (three quarters of the report statement's page reads
//! at 10,000 candidates). Filled from the existing data.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_tenancy::Organizations;
use crate::rollups;
use crate::support::{drop_tables, fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Per candidate and category (`CATEGORY`, of the question version a
/// round pinned) or competency (`COMPETENCY`): the ratings of its
/// submitted, non-trainee scorecards in plans that are not cancelled.
/// Rows with no rating left are removed.
#[derive(DeriveIden, Clone)]
pub enum RollupCandidateMeans {
    Table,
    OrganizationId,
    CandidateId,
    Kind,
    SectionId,
    Ratings,
    RatingSum,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use RollupCandidateMeans as M;
        // The key leads with the organization (every read names it) and
        // then the candidate: one report is one range of the key.
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(uuid(M::OrganizationId))
                    .col(uuid(M::CandidateId))
                    .col(string_len(M::Kind, 16))
                    .col(uuid(M::SectionId))
                    .col(big_integer(M::Ratings))
                    .col(big_integer(M::RatingSum))
                    .primary_key(
                        Index::create()
                            .col(M::OrganizationId)
                            .col(M::CandidateId)
                            .col(M::Kind)
                            .col(M::SectionId),
                    )
                    .foreign_key(&mut fk(
                        M::Table,
                        M::OrganizationId,
                        Organizations::Table,
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        rollups::fill_candidate_means(manager.get_connection(), None).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, vec![RollupCandidateMeans::Table.into_iden()]).await
    }
}
