//! Amendments of submitted scorecards: each amendment keeps the content it
//! replaced as a numbered revision, with who amended it, when and why.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_tenancy::Users;
use crate::m20261128_000005_scorecards::Scorecards;
use crate::support::{create_indexes, drop_tables, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One replaced version of a scorecard's content. The ratings are snapshots
/// (JSON lists) rather than rows: they record what was said, and never
/// change or join again.
#[derive(DeriveIden, Clone)]
pub enum ScorecardRevisions {
    Table,
    Id,
    ScorecardId,
    Revision,
    Recommendation,
    Summary,
    QuestionRatings,
    CompetencyRatings,
    Reason,
    AmendedBy,
    AmendedAt,
    SubmittedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ScorecardRevisions::Table)
                    .col(pk_uuid(ScorecardRevisions::Id))
                    .col(uuid(ScorecardRevisions::ScorecardId))
                    .col(integer(ScorecardRevisions::Revision))
                    .col(string_len_null(ScorecardRevisions::Recommendation, 16))
                    .col(text(ScorecardRevisions::Summary))
                    .col(json(ScorecardRevisions::QuestionRatings))
                    .col(json(ScorecardRevisions::CompetencyRatings))
                    .col(text(ScorecardRevisions::Reason))
                    .col(uuid(ScorecardRevisions::AmendedBy))
                    .col(timestamp_with_time_zone(ScorecardRevisions::AmendedAt))
                    .col(timestamp_with_time_zone(ScorecardRevisions::SubmittedAt))
                    .foreign_key(&mut fk(
                        ScorecardRevisions::Table,
                        ScorecardRevisions::ScorecardId,
                        Scorecards::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        ScorecardRevisions::Table,
                        ScorecardRevisions::AmendedBy,
                        Users::Table,
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                // A revision number is taken once per scorecard.
                index(
                    ScorecardRevisions::Table,
                    &[
                        ScorecardRevisions::ScorecardId,
                        ScorecardRevisions::Revision,
                    ],
                    true,
                ),
                index(
                    ScorecardRevisions::Table,
                    &[ScorecardRevisions::AmendedBy],
                    false,
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, vec![ScorecardRevisions::Table]).await
    }
}
