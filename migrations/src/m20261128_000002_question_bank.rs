//! The question bank: categories, competencies, questions with their version
//! history and tags.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_tenancy::{Organizations, Users};
use crate::support::{create_indexes, drop_tables, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
pub enum Categories {
    Table,
    Id,
    OrganizationId,
    Name,
    Description,
    Position,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
pub enum Competencies {
    Table,
    Id,
    OrganizationId,
    Name,
    Description,
    Position,
    CreatedAt,
}

/// The current version of each question, denormalised for filtering.
#[derive(DeriveIden, Clone)]
pub enum Questions {
    Table,
    Id,
    OrganizationId,
    CategoryId,
    CurrentVersionId,
    Version,
    Status,
    Level,
    Prompt,
    Guidance,
    Rubric1,
    Rubric2,
    Rubric3,
    Rubric4,
    Minutes,
    CreatedAt,
    UpdatedAt,
}

/// Every version a question ever had; plans and scorecards point here.
#[derive(DeriveIden, Clone)]
pub enum QuestionVersions {
    Table,
    Id,
    QuestionId,
    Version,
    CategoryId,
    Level,
    Prompt,
    Guidance,
    Rubric1,
    Rubric2,
    Rubric3,
    Rubric4,
    Tags,
    Minutes,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
pub enum QuestionTags {
    Table,
    QuestionId,
    OrganizationId,
    Tag,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, id, org, name, description, position, created) in [
            (
                Categories::Table.into_iden(),
                Categories::Id.into_iden(),
                Categories::OrganizationId.into_iden(),
                Categories::Name.into_iden(),
                Categories::Description.into_iden(),
                Categories::Position.into_iden(),
                Categories::CreatedAt.into_iden(),
            ),
            (
                Competencies::Table.into_iden(),
                Competencies::Id.into_iden(),
                Competencies::OrganizationId.into_iden(),
                Competencies::Name.into_iden(),
                Competencies::Description.into_iden(),
                Competencies::Position.into_iden(),
                Competencies::CreatedAt.into_iden(),
            ),
        ] {
            manager
                .create_table(
                    Table::create()
                        .table(table.clone())
                        .col(pk_uuid(id))
                        .col(uuid(org.clone()))
                        .col(string_len(name.clone(), 100))
                        .col(text(description))
                        .col(integer(position))
                        .col(timestamp_with_time_zone(created))
                        .foreign_key(&mut fk(
                            table.clone(),
                            org.clone(),
                            Organizations::Table,
                            true,
                        ))
                        .to_owned(),
                )
                .await?;
            manager
                .create_index(index(table, &[org, name], true))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Questions::Table)
                    .col(pk_uuid(Questions::Id))
                    .col(uuid(Questions::OrganizationId))
                    .col(uuid(Questions::CategoryId))
                    .col(uuid(Questions::CurrentVersionId))
                    .col(integer(Questions::Version))
                    .col(string_len(Questions::Status, 16))
                    .col(string_len(Questions::Level, 16))
                    .col(text(Questions::Prompt))
                    .col(text(Questions::Guidance))
                    .col(text(Questions::Rubric1))
                    .col(text(Questions::Rubric2))
                    .col(text(Questions::Rubric3))
                    .col(text(Questions::Rubric4))
                    .col(integer(Questions::Minutes))
                    .col(timestamp_with_time_zone(Questions::CreatedAt))
                    .col(timestamp_with_time_zone(Questions::UpdatedAt))
                    .foreign_key(&mut fk(
                        Questions::Table,
                        Questions::OrganizationId,
                        Organizations::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        Questions::Table,
                        Questions::CategoryId,
                        Categories::Table,
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(QuestionVersions::Table)
                    .col(pk_uuid(QuestionVersions::Id))
                    .col(uuid(QuestionVersions::QuestionId))
                    .col(integer(QuestionVersions::Version))
                    .col(uuid(QuestionVersions::CategoryId))
                    .col(string_len(QuestionVersions::Level, 16))
                    .col(text(QuestionVersions::Prompt))
                    .col(text(QuestionVersions::Guidance))
                    .col(text(QuestionVersions::Rubric1))
                    .col(text(QuestionVersions::Rubric2))
                    .col(text(QuestionVersions::Rubric3))
                    .col(text(QuestionVersions::Rubric4))
                    .col(json(QuestionVersions::Tags))
                    .col(integer(QuestionVersions::Minutes))
                    .col(uuid_null(QuestionVersions::CreatedBy))
                    .col(timestamp_with_time_zone(QuestionVersions::CreatedAt))
                    .foreign_key(&mut fk(
                        QuestionVersions::Table,
                        QuestionVersions::QuestionId,
                        Questions::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        QuestionVersions::Table,
                        QuestionVersions::CategoryId,
                        Categories::Table,
                        false,
                    ))
                    .foreign_key(
                        &mut fk(
                            QuestionVersions::Table,
                            QuestionVersions::CreatedBy,
                            Users::Table,
                            false,
                        )
                        .on_delete(ForeignKeyAction::SetNull)
                        .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(QuestionTags::Table)
                    .col(uuid(QuestionTags::QuestionId))
                    .col(uuid(QuestionTags::OrganizationId))
                    .col(string_len(QuestionTags::Tag, 40))
                    .primary_key(
                        Index::create()
                            .col(QuestionTags::QuestionId)
                            .col(QuestionTags::Tag),
                    )
                    .foreign_key(&mut fk(
                        QuestionTags::Table,
                        QuestionTags::QuestionId,
                        Questions::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        QuestionTags::Table,
                        QuestionTags::OrganizationId,
                        Organizations::Table,
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index(
                    Questions::Table,
                    &[Questions::OrganizationId, Questions::Status],
                    false,
                ),
                index(
                    Questions::Table,
                    &[Questions::OrganizationId, Questions::Level],
                    false,
                ),
                index(Questions::Table, &[Questions::CategoryId], false),
                index(
                    QuestionVersions::Table,
                    &[QuestionVersions::QuestionId, QuestionVersions::Version],
                    true,
                ),
                index(
                    QuestionVersions::Table,
                    &[QuestionVersions::CategoryId],
                    false,
                ),
                index(
                    QuestionVersions::Table,
                    &[QuestionVersions::CreatedBy],
                    false,
                ),
                index(
                    QuestionTags::Table,
                    &[QuestionTags::OrganizationId, QuestionTags::Tag],
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
                QuestionTags::Table.into_iden(),
                QuestionVersions::Table.into_iden(),
                Questions::Table.into_iden(),
                Competencies::Table.into_iden(),
                Categories::Table.into_iden(),
            ],
        )
        .await
    }
}
