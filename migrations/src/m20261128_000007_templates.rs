//! Plan templates: a plan's shape (rounds with kind, title and time box, focus
//! competencies, and questions with allotted minutes) saved under a name so a
//! hiring manager can start a new candidate's plan from it. Interviewers and
//! schedules are not part of a template; questions are stored without a
//! version and pinned to the current one when a plan is made from it.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_tenancy::{Organizations, Users};
use crate::m20261128_000002_question_bank::{Competencies, Questions};
use crate::support::{create_indexes, drop_tables, fk, index, link_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
pub enum PlanTemplates {
    Table,
    Id,
    OrganizationId,
    Name,
    CreatedBy,
    CreatedAt,
}

/// Competencies a plan made from the template must cover (plan level).
#[derive(DeriveIden, Clone)]
pub enum TemplateCompetencies {
    Table,
    TemplateId,
    CompetencyId,
}

#[derive(DeriveIden, Clone)]
pub enum TemplateRounds {
    Table,
    Id,
    TemplateId,
    Position,
    Kind,
    Title,
    DurationMinutes,
}

#[derive(DeriveIden, Clone)]
pub enum TemplateRoundCompetencies {
    Table,
    TemplateRoundId,
    CompetencyId,
}

#[derive(DeriveIden, Clone)]
pub enum TemplateRoundQuestions {
    Table,
    Id,
    TemplateId,
    TemplateRoundId,
    QuestionId,
    Position,
    Minutes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PlanTemplates::Table)
                    .col(pk_uuid(PlanTemplates::Id))
                    .col(uuid(PlanTemplates::OrganizationId))
                    .col(string_len(PlanTemplates::Name, 200))
                    .col(uuid_null(PlanTemplates::CreatedBy))
                    .col(timestamp_with_time_zone(PlanTemplates::CreatedAt))
                    .foreign_key(&mut fk(
                        PlanTemplates::Table,
                        PlanTemplates::OrganizationId,
                        Organizations::Table,
                        true,
                    ))
                    .foreign_key(
                        &mut fk(
                            PlanTemplates::Table,
                            PlanTemplates::CreatedBy,
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
            .create_table(link_table(
                TemplateCompetencies::Table,
                (TemplateCompetencies::TemplateId, PlanTemplates::Table),
                (TemplateCompetencies::CompetencyId, Competencies::Table),
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TemplateRounds::Table)
                    .col(pk_uuid(TemplateRounds::Id))
                    .col(uuid(TemplateRounds::TemplateId))
                    .col(integer(TemplateRounds::Position))
                    .col(string_len(TemplateRounds::Kind, 24))
                    .col(string_len(TemplateRounds::Title, 200))
                    .col(integer(TemplateRounds::DurationMinutes))
                    .foreign_key(&mut fk(
                        TemplateRounds::Table,
                        TemplateRounds::TemplateId,
                        PlanTemplates::Table,
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(link_table(
                TemplateRoundCompetencies::Table,
                (
                    TemplateRoundCompetencies::TemplateRoundId,
                    TemplateRounds::Table,
                ),
                (TemplateRoundCompetencies::CompetencyId, Competencies::Table),
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TemplateRoundQuestions::Table)
                    .col(pk_uuid(TemplateRoundQuestions::Id))
                    .col(uuid(TemplateRoundQuestions::TemplateId))
                    .col(uuid(TemplateRoundQuestions::TemplateRoundId))
                    .col(uuid(TemplateRoundQuestions::QuestionId))
                    .col(integer(TemplateRoundQuestions::Position))
                    .col(integer(TemplateRoundQuestions::Minutes))
                    .foreign_key(&mut fk(
                        TemplateRoundQuestions::Table,
                        TemplateRoundQuestions::TemplateId,
                        PlanTemplates::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        TemplateRoundQuestions::Table,
                        TemplateRoundQuestions::TemplateRoundId,
                        TemplateRounds::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        TemplateRoundQuestions::Table,
                        TemplateRoundQuestions::QuestionId,
                        Questions::Table,
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                // Templates are picked by name: one name per organization.
                index(
                    PlanTemplates::Table,
                    &[PlanTemplates::OrganizationId, PlanTemplates::Name],
                    true,
                ),
                index(PlanTemplates::Table, &[PlanTemplates::CreatedBy], false),
                index(
                    TemplateCompetencies::Table,
                    &[TemplateCompetencies::CompetencyId],
                    false,
                ),
                index(
                    TemplateRounds::Table,
                    &[TemplateRounds::TemplateId, TemplateRounds::Position],
                    false,
                ),
                index(
                    TemplateRoundCompetencies::Table,
                    &[TemplateRoundCompetencies::CompetencyId],
                    false,
                ),
                // As in a plan, a question appears at most once per template.
                index(
                    TemplateRoundQuestions::Table,
                    &[
                        TemplateRoundQuestions::TemplateId,
                        TemplateRoundQuestions::QuestionId,
                    ],
                    true,
                ),
                index(
                    TemplateRoundQuestions::Table,
                    &[
                        TemplateRoundQuestions::TemplateRoundId,
                        TemplateRoundQuestions::Position,
                    ],
                    false,
                ),
                index(
                    TemplateRoundQuestions::Table,
                    &[TemplateRoundQuestions::QuestionId],
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
                TemplateRoundQuestions::Table.into_iden(),
                TemplateRoundCompetencies::Table.into_iden(),
                TemplateRounds::Table.into_iden(),
                TemplateCompetencies::Table.into_iden(),
                PlanTemplates::Table.into_iden(),
            ],
        )
        .await
    }
}
