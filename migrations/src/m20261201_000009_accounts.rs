//! People's data from start to end: users that can be deactivated, API keys
//! for dashboards, sign-in failures shared by every gateway, candidate
//! erasure and the organization's retention rule.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_tenancy::{Organizations, Users};
use crate::m20261128_000003_candidates::Candidates;
use crate::support::{create_indexes, drop_tables, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum UserColumns {
    Active,
    DeactivatedAt,
}

#[derive(DeriveIden, Clone)]
enum OrganizationColumns {
    RetentionDays,
}

#[derive(DeriveIden, Clone)]
enum CandidateColumns {
    ErasedAt,
}

#[derive(DeriveIden, Clone)]
pub enum ApiKeys {
    Table,
    Id,
    OrganizationId,
    CreatedBy,
    Name,
    Role,
    Prefix,
    SecretHash,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    LastUsedAt,
}

#[derive(DeriveIden, Clone)]
pub enum ThrottleEvents {
    Table,
    Id,
    Key,
    At,
}

#[derive(DeriveIden, Clone)]
pub enum CandidateErasures {
    Table,
    Id,
    OrganizationId,
    CandidateId,
    ErasedBy,
    Reason,
    ErasedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(boolean(UserColumns::Active).default(true))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(timestamp_with_time_zone_null(UserColumns::DeactivatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Organizations::Table)
                    .add_column(integer_null(OrganizationColumns::RetentionDays))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Candidates::Table)
                    .add_column(timestamp_with_time_zone_null(CandidateColumns::ErasedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(pk_uuid(ApiKeys::Id))
                    .col(uuid(ApiKeys::OrganizationId))
                    .col(uuid(ApiKeys::CreatedBy))
                    .col(string_len(ApiKeys::Name, 100))
                    .col(string_len(ApiKeys::Role, 24))
                    .col(string_len(ApiKeys::Prefix, 16))
                    .col(string_len(ApiKeys::SecretHash, 64))
                    .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                    .foreign_key(&mut fk(
                        ApiKeys::Table,
                        ApiKeys::OrganizationId,
                        Organizations::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        ApiKeys::Table,
                        ApiKeys::CreatedBy,
                        Users::Table,
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ThrottleEvents::Table)
                    .col(pk_uuid(ThrottleEvents::Id))
                    .col(string_len(ThrottleEvents::Key, 80))
                    .col(timestamp_with_time_zone(ThrottleEvents::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CandidateErasures::Table)
                    .col(pk_uuid(CandidateErasures::Id))
                    .col(uuid(CandidateErasures::OrganizationId))
                    .col(uuid(CandidateErasures::CandidateId))
                    .col(uuid_null(CandidateErasures::ErasedBy))
                    .col(string_len(CandidateErasures::Reason, 1000))
                    .col(timestamp_with_time_zone(CandidateErasures::ErasedAt))
                    .foreign_key(&mut fk(
                        CandidateErasures::Table,
                        CandidateErasures::OrganizationId,
                        Organizations::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        CandidateErasures::Table,
                        CandidateErasures::CandidateId,
                        Candidates::Table,
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index(ApiKeys::Table, &[ApiKeys::Prefix], true),
                index(ApiKeys::Table, &[ApiKeys::OrganizationId], false),
                index(
                    ThrottleEvents::Table,
                    &[ThrottleEvents::Key, ThrottleEvents::At],
                    false,
                ),
                index(ThrottleEvents::Table, &[ThrottleEvents::At], false),
                index(
                    CandidateErasures::Table,
                    &[CandidateErasures::CandidateId],
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
                CandidateErasures::Table.into_iden(),
                ThrottleEvents::Table.into_iden(),
                ApiKeys::Table.into_iden(),
            ],
        )
        .await?;
        for (table, column) in [
            (
                Candidates::Table.into_iden(),
                CandidateColumns::ErasedAt.into_iden(),
            ),
            (
                Organizations::Table.into_iden(),
                OrganizationColumns::RetentionDays.into_iden(),
            ),
            (
                Users::Table.into_iden(),
                UserColumns::DeactivatedAt.into_iden(),
            ),
            (Users::Table.into_iden(), UserColumns::Active.into_iden()),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
