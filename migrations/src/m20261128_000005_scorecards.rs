//! Scorecards: one per (round, interviewer), with a rating per question of the
//! round and per focus competency.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_tenancy::{Organizations, Users};
use crate::m20261128_000002_question_bank::Competencies;
use crate::m20261128_000003_candidates::Candidates;
use crate::m20261128_000004_plans::{RoundQuestions, Rounds};
use crate::support::{create_indexes, drop_tables, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
pub enum Scorecards {
    Table,
    Id,
    OrganizationId,
    RoundId,
    InterviewerId,
    CandidateId,
    Status,
    Recommendation,
    Summary,
    Revision,
    CreatedAt,
    UpdatedAt,
    SubmittedAt,
}

#[derive(DeriveIden, Clone)]
pub enum ScorecardQuestionRatings {
    Table,
    ScorecardId,
    RoundQuestionId,
    Rating,
    Notes,
}

#[derive(DeriveIden, Clone)]
pub enum ScorecardCompetencyRatings {
    Table,
    ScorecardId,
    CompetencyId,
    Rating,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Scorecards::Table)
                    .col(pk_uuid(Scorecards::Id))
                    .col(uuid(Scorecards::OrganizationId))
                    .col(uuid(Scorecards::RoundId))
                    .col(uuid(Scorecards::InterviewerId))
                    .col(uuid(Scorecards::CandidateId))
                    .col(string_len(Scorecards::Status, 16))
                    .col(string_len_null(Scorecards::Recommendation, 16))
                    .col(text(Scorecards::Summary))
                    .col(integer(Scorecards::Revision))
                    .col(timestamp_with_time_zone(Scorecards::CreatedAt))
                    .col(timestamp_with_time_zone(Scorecards::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Scorecards::SubmittedAt))
                    .foreign_key(&mut fk(
                        Scorecards::Table,
                        Scorecards::OrganizationId,
                        Organizations::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        Scorecards::Table,
                        Scorecards::RoundId,
                        Rounds::Table,
                        false,
                    ))
                    .foreign_key(&mut fk(
                        Scorecards::Table,
                        Scorecards::InterviewerId,
                        Users::Table,
                        false,
                    ))
                    .foreign_key(&mut fk(
                        Scorecards::Table,
                        Scorecards::CandidateId,
                        Candidates::Table,
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ScorecardQuestionRatings::Table)
                    .col(uuid(ScorecardQuestionRatings::ScorecardId))
                    .col(uuid(ScorecardQuestionRatings::RoundQuestionId))
                    .col(small_integer(ScorecardQuestionRatings::Rating))
                    .col(text(ScorecardQuestionRatings::Notes))
                    .primary_key(
                        Index::create()
                            .col(ScorecardQuestionRatings::ScorecardId)
                            .col(ScorecardQuestionRatings::RoundQuestionId),
                    )
                    .foreign_key(&mut fk(
                        ScorecardQuestionRatings::Table,
                        ScorecardQuestionRatings::ScorecardId,
                        Scorecards::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        ScorecardQuestionRatings::Table,
                        ScorecardQuestionRatings::RoundQuestionId,
                        RoundQuestions::Table,
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ScorecardCompetencyRatings::Table)
                    .col(uuid(ScorecardCompetencyRatings::ScorecardId))
                    .col(uuid(ScorecardCompetencyRatings::CompetencyId))
                    .col(small_integer(ScorecardCompetencyRatings::Rating))
                    .primary_key(
                        Index::create()
                            .col(ScorecardCompetencyRatings::ScorecardId)
                            .col(ScorecardCompetencyRatings::CompetencyId),
                    )
                    .foreign_key(&mut fk(
                        ScorecardCompetencyRatings::Table,
                        ScorecardCompetencyRatings::ScorecardId,
                        Scorecards::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        ScorecardCompetencyRatings::Table,
                        ScorecardCompetencyRatings::CompetencyId,
                        Competencies::Table,
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                // One scorecard per round and interviewer.
                index(
                    Scorecards::Table,
                    &[Scorecards::RoundId, Scorecards::InterviewerId],
                    true,
                ),
                index(Scorecards::Table, &[Scorecards::InterviewerId], false),
                index(Scorecards::Table, &[Scorecards::CandidateId], false),
                index(
                    Scorecards::Table,
                    &[Scorecards::OrganizationId, Scorecards::Status],
                    false,
                ),
                index(
                    ScorecardQuestionRatings::Table,
                    &[ScorecardQuestionRatings::RoundQuestionId],
                    false,
                ),
                index(
                    ScorecardCompetencyRatings::Table,
                    &[ScorecardCompetencyRatings::CompetencyId],
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
                ScorecardCompetencyRatings::Table.into_iden(),
                ScorecardQuestionRatings::Table.into_iden(),
                Scorecards::Table.into_iden(),
            ],
        )
        .await
    }
}
