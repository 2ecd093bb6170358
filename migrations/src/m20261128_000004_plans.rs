//! Interview plans, their rounds, and what each round contains: interviewers,
//! focus competencies and questions pinned to a question version.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_tenancy::{Organizations, Users};
use crate::m20261128_000002_question_bank::{Competencies, QuestionVersions, Questions};
use crate::m20261128_000003_candidates::Candidates;
use crate::support::{create_indexes, drop_tables, fk, index, link_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
pub enum InterviewPlans {
    Table,
    Id,
    OrganizationId,
    CandidateId,
    Title,
    Status,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
}

#[derive(DeriveIden, Clone)]
pub enum PlanCompetencies {
    Table,
    PlanId,
    CompetencyId,
}

#[derive(DeriveIden, Clone)]
pub enum Rounds {
    Table,
    Id,
    PlanId,
    Position,
    Kind,
    Title,
    DurationMinutes,
    ScheduledAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
pub enum RoundInterviewers {
    Table,
    RoundId,
    UserId,
}

#[derive(DeriveIden, Clone)]
pub enum RoundCompetencies {
    Table,
    RoundId,
    CompetencyId,
}

#[derive(DeriveIden, Clone)]
pub enum RoundQuestions {
    Table,
    Id,
    RoundId,
    PlanId,
    QuestionId,
    QuestionVersionId,
    Position,
    Minutes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InterviewPlans::Table)
                    .col(pk_uuid(InterviewPlans::Id))
                    .col(uuid(InterviewPlans::OrganizationId))
                    .col(uuid(InterviewPlans::CandidateId))
                    .col(string_len(InterviewPlans::Title, 200))
                    .col(string_len(InterviewPlans::Status, 16))
                    .col(timestamp_with_time_zone(InterviewPlans::CreatedAt))
                    .col(timestamp_with_time_zone(InterviewPlans::UpdatedAt))
                    .col(timestamp_with_time_zone_null(InterviewPlans::PublishedAt))
                    .foreign_key(&mut fk(
                        InterviewPlans::Table,
                        InterviewPlans::OrganizationId,
                        Organizations::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        InterviewPlans::Table,
                        InterviewPlans::CandidateId,
                        Candidates::Table,
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(link_table(
                PlanCompetencies::Table,
                (PlanCompetencies::PlanId, InterviewPlans::Table),
                (PlanCompetencies::CompetencyId, Competencies::Table),
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Rounds::Table)
                    .col(pk_uuid(Rounds::Id))
                    .col(uuid(Rounds::PlanId))
                    .col(integer(Rounds::Position))
                    .col(string_len(Rounds::Kind, 24))
                    .col(string_len(Rounds::Title, 200))
                    .col(integer(Rounds::DurationMinutes))
                    .col(timestamp_with_time_zone_null(Rounds::ScheduledAt))
                    .col(timestamp_with_time_zone(Rounds::CreatedAt))
                    .foreign_key(&mut fk(
                        Rounds::Table,
                        Rounds::PlanId,
                        InterviewPlans::Table,
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(link_table(
                RoundInterviewers::Table,
                (RoundInterviewers::RoundId, Rounds::Table),
                (RoundInterviewers::UserId, Users::Table),
            ))
            .await?;
        manager
            .create_table(link_table(
                RoundCompetencies::Table,
                (RoundCompetencies::RoundId, Rounds::Table),
                (RoundCompetencies::CompetencyId, Competencies::Table),
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RoundQuestions::Table)
                    .col(pk_uuid(RoundQuestions::Id))
                    .col(uuid(RoundQuestions::RoundId))
                    .col(uuid(RoundQuestions::PlanId))
                    .col(uuid(RoundQuestions::QuestionId))
                    .col(uuid(RoundQuestions::QuestionVersionId))
                    .col(integer(RoundQuestions::Position))
                    .col(integer(RoundQuestions::Minutes))
                    .foreign_key(&mut fk(
                        RoundQuestions::Table,
                        RoundQuestions::RoundId,
                        Rounds::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        RoundQuestions::Table,
                        RoundQuestions::PlanId,
                        InterviewPlans::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        RoundQuestions::Table,
                        RoundQuestions::QuestionId,
                        Questions::Table,
                        false,
                    ))
                    .foreign_key(&mut fk(
                        RoundQuestions::Table,
                        RoundQuestions::QuestionVersionId,
                        QuestionVersions::Table,
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index(InterviewPlans::Table, &[InterviewPlans::CandidateId], false),
                index(
                    InterviewPlans::Table,
                    &[InterviewPlans::OrganizationId, InterviewPlans::Status],
                    false,
                ),
                index(
                    PlanCompetencies::Table,
                    &[PlanCompetencies::CompetencyId],
                    false,
                ),
                index(Rounds::Table, &[Rounds::PlanId, Rounds::Position], false),
                index(
                    RoundInterviewers::Table,
                    &[RoundInterviewers::UserId],
                    false,
                ),
                index(
                    RoundCompetencies::Table,
                    &[RoundCompetencies::CompetencyId],
                    false,
                ),
                // A question appears at most once in a plan, whatever the round.
                index(
                    RoundQuestions::Table,
                    &[RoundQuestions::PlanId, RoundQuestions::QuestionId],
                    true,
                ),
                index(
                    RoundQuestions::Table,
                    &[RoundQuestions::RoundId, RoundQuestions::Position],
                    false,
                ),
                index(RoundQuestions::Table, &[RoundQuestions::QuestionId], false),
                index(
                    RoundQuestions::Table,
                    &[RoundQuestions::QuestionVersionId],
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
                RoundQuestions::Table.into_iden(),
                RoundCompetencies::Table.into_iden(),
                RoundInterviewers::Table.into_iden(),
                Rounds::Table.into_iden(),
                PlanCompetencies::Table.into_iden(),
                InterviewPlans::Table.into_iden(),
            ],
        )
        .await
    }
}
