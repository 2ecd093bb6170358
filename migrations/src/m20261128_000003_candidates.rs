//! Candidates and the history of their stage changes (for time-in-stage reports).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_tenancy::{Organizations, Users};
use crate::support::{create_indexes, drop_tables, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
pub enum Candidates {
    Table,
    Id,
    OrganizationId,
    Name,
    Email,
    PositionTitle,
    TargetLevel,
    Stage,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
pub enum CandidateStageChanges {
    Table,
    Id,
    CandidateId,
    OrganizationId,
    FromStage,
    ToStage,
    ChangedBy,
    ChangedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Candidates::Table)
                    .col(pk_uuid(Candidates::Id))
                    .col(uuid(Candidates::OrganizationId))
                    .col(string_len(Candidates::Name, 200))
                    .col(string_len(Candidates::Email, 254))
                    .col(string_len(Candidates::PositionTitle, 200))
                    .col(string_len(Candidates::TargetLevel, 16))
                    .col(string_len(Candidates::Stage, 16))
                    .col(timestamp_with_time_zone(Candidates::CreatedAt))
                    .col(timestamp_with_time_zone(Candidates::UpdatedAt))
                    .foreign_key(&mut fk(
                        Candidates::Table,
                        Candidates::OrganizationId,
                        Organizations::Table,
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CandidateStageChanges::Table)
                    .col(pk_uuid(CandidateStageChanges::Id))
                    .col(uuid(CandidateStageChanges::CandidateId))
                    .col(uuid(CandidateStageChanges::OrganizationId))
                    .col(string_len_null(CandidateStageChanges::FromStage, 16))
                    .col(string_len(CandidateStageChanges::ToStage, 16))
                    .col(uuid_null(CandidateStageChanges::ChangedBy))
                    .col(timestamp_with_time_zone(CandidateStageChanges::ChangedAt))
                    .foreign_key(&mut fk(
                        CandidateStageChanges::Table,
                        CandidateStageChanges::CandidateId,
                        Candidates::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        CandidateStageChanges::Table,
                        CandidateStageChanges::OrganizationId,
                        Organizations::Table,
                        true,
                    ))
                    .foreign_key(
                        &mut fk(
                            CandidateStageChanges::Table,
                            CandidateStageChanges::ChangedBy,
                            Users::Table,
                            false,
                        )
                        .on_delete(ForeignKeyAction::SetNull)
                        .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index(
                    Candidates::Table,
                    &[Candidates::OrganizationId, Candidates::Email],
                    true,
                ),
                index(
                    Candidates::Table,
                    &[Candidates::OrganizationId, Candidates::Stage],
                    false,
                ),
                index(
                    Candidates::Table,
                    &[Candidates::OrganizationId, Candidates::PositionTitle],
                    false,
                ),
                index(
                    CandidateStageChanges::Table,
                    &[CandidateStageChanges::CandidateId],
                    false,
                ),
                index(
                    CandidateStageChanges::Table,
                    &[
                        CandidateStageChanges::OrganizationId,
                        CandidateStageChanges::ToStage,
                    ],
                    false,
                ),
                index(
                    CandidateStageChanges::Table,
                    &[CandidateStageChanges::ChangedBy],
                    false,
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                CandidateStageChanges::Table.into_iden(),
                Candidates::Table.into_iden(),
            ],
        )
        .await
    }
}
