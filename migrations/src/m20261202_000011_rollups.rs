//! Maintained aggregates for the dashboard reports (rollups), so a report
//! reads a bounded number of rows whatever the organization's history:
//! candidates per (position, stage); per stage the completed stays with a
//! median cursor; per question the sums its statistics are made of; per
//! interviewer their scorecards, rating sums and hours-to-submit samples
//! with a median cursor. Filled from the existing data, so an upgraded
//! database reports what it reported before.
//!
//! A median cursor is the sample at rank ⌊(n+1)/2⌋ in (`val`,
//! `sample_id`) order of its group's `n` samples; the median is its value
//! (n odd) or the mean of it and the next sample's (n even).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_tenancy::Organizations;
use crate::rollups;
use crate::support::{drop_tables, fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Candidates per position title and stage (rows with none are removed).
#[derive(DeriveIden, Clone)]
pub enum RollupPipelinePositions {
    Table,
    OrganizationId,
    PositionTitle,
    Stage,
    Candidates,
}

/// Completed stays per stage, with the median cursor.
#[derive(DeriveIden, Clone)]
pub enum RollupStageStays {
    Table,
    OrganizationId,
    Stage,
    Stays,
    MedianVal,
    MedianId,
}

/// One completed stay: the stage change that started it, and its days.
#[derive(DeriveIden, Clone)]
pub enum RollupStaySamples {
    Table,
    OrganizationId,
    Stage,
    Val,
    SampleId,
}

/// Per question, sums over its ratings in submitted scorecards.
#[derive(DeriveIden, Clone)]
pub enum RollupQuestionFigures {
    Table,
    OrganizationId,
    QuestionId,
    TimesAsked,
    RatingSum,
    RatingSquares,
    HiredRatings,
    HiredSum,
    RejectedRatings,
    RejectedSum,
    LastAskedAt,
}

/// Per interviewer with a submitted scorecard: counts, rating sums and the
/// hours-to-submit median cursor.
#[derive(DeriveIden, Clone)]
pub enum RollupInterviewers {
    Table,
    OrganizationId,
    InterviewerId,
    Cards,
    Ratings,
    RatingSum,
    HoursSamples,
    HoursMedianVal,
    HoursMedianId,
}

/// One submitted scorecard's hours from its round's start to submission.
#[derive(DeriveIden, Clone)]
pub enum RollupSubmitHours {
    Table,
    OrganizationId,
    InterviewerId,
    Val,
    SampleId,
}

fn org_fk<T: IntoIden + Clone + 'static, C: IntoIden + Clone + 'static>(
    table: T,
    column: C,
) -> ForeignKeyCreateStatement {
    fk(table, column, Organizations::Table, true)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use RollupInterviewers as I;
        use RollupPipelinePositions as P;
        use RollupQuestionFigures as Q;
        use RollupStageStays as S;
        use RollupStaySamples as SS;
        use RollupSubmitHours as H;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(uuid(P::OrganizationId))
                    .col(string_len(P::PositionTitle, 200))
                    .col(string_len(P::Stage, 16))
                    .col(big_integer(P::Candidates))
                    .primary_key(
                        Index::create()
                            .col(P::OrganizationId)
                            .col(P::PositionTitle)
                            .col(P::Stage),
                    )
                    .foreign_key(&mut org_fk(P::Table, P::OrganizationId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(uuid(S::OrganizationId))
                    .col(string_len(S::Stage, 16))
                    .col(big_integer(S::Stays).default(0))
                    .col(double_null(S::MedianVal))
                    .col(uuid_null(S::MedianId))
                    .primary_key(Index::create().col(S::OrganizationId).col(S::Stage))
                    .foreign_key(&mut org_fk(S::Table, S::OrganizationId))
                    .to_owned(),
            )
            .await?;
        // The primary key is the (group, val, id) order the median cursor
        // steps through, one indexed lookup per step.
        manager
            .create_table(
                Table::create()
                    .table(SS::Table)
                    .col(uuid(SS::OrganizationId))
                    .col(string_len(SS::Stage, 16))
                    .col(double(SS::Val))
                    .col(uuid(SS::SampleId))
                    .primary_key(
                        Index::create()
                            .col(SS::OrganizationId)
                            .col(SS::Stage)
                            .col(SS::Val)
                            .col(SS::SampleId),
                    )
                    .foreign_key(&mut org_fk(SS::Table, SS::OrganizationId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Q::Table)
                    .col(uuid(Q::OrganizationId))
                    .col(uuid(Q::QuestionId))
                    .col(big_integer(Q::TimesAsked))
                    .col(big_integer(Q::RatingSum))
                    .col(big_integer(Q::RatingSquares))
                    .col(big_integer(Q::HiredRatings))
                    .col(big_integer(Q::HiredSum))
                    .col(big_integer(Q::RejectedRatings))
                    .col(big_integer(Q::RejectedSum))
                    .col(timestamp_with_time_zone_null(Q::LastAskedAt))
                    .primary_key(Index::create().col(Q::OrganizationId).col(Q::QuestionId))
                    .foreign_key(&mut org_fk(Q::Table, Q::OrganizationId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(uuid(I::OrganizationId))
                    .col(uuid(I::InterviewerId))
                    .col(big_integer(I::Cards).default(0))
                    .col(big_integer(I::Ratings).default(0))
                    .col(big_integer(I::RatingSum).default(0))
                    .col(big_integer(I::HoursSamples).default(0))
                    .col(double_null(I::HoursMedianVal))
                    .col(uuid_null(I::HoursMedianId))
                    .primary_key(Index::create().col(I::OrganizationId).col(I::InterviewerId))
                    .foreign_key(&mut org_fk(I::Table, I::OrganizationId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(H::Table)
                    .col(uuid(H::OrganizationId))
                    .col(uuid(H::InterviewerId))
                    .col(double(H::Val))
                    .col(uuid(H::SampleId))
                    .primary_key(
                        Index::create()
                            .col(H::OrganizationId)
                            .col(H::InterviewerId)
                            .col(H::Val)
                            .col(H::SampleId),
                    )
                    .foreign_key(&mut org_fk(H::Table, H::OrganizationId))
                    .to_owned(),
            )
            .await?;
        rollups::fill_dashboards(manager.get_connection(), None, false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                RollupSubmitHours::Table.into_iden(),
                RollupInterviewers::Table.into_iden(),
                RollupQuestionFigures::Table.into_iden(),
                RollupStaySamples::Table.into_iden(),
                RollupStageStays::Table.into_iden(),
                RollupPipelinePositions::Table.into_iden(),
            ],
        )
        .await
    }
}
