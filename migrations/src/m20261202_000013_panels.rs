//! Assembling a panel: interviewer pools with qualification levels and a
//! training path, interview limits per organization and user, a role per
//! assigned interviewer (shadowing trainees), recorded limit overrides,
//! feedback due times, and the flag that keeps trainee scorecards out of
//! every decision and statistic.

use sea_orm_migration::sea_orm::prelude::{ChronoDateTimeUtc, Uuid};
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_tenancy::{Organizations, Users};
use crate::m20261128_000002_question_bank::Competencies;
use crate::m20261128_000004_plans::Rounds;
use crate::support::{create_indexes, drop_tables, fk, index, link_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum Added {
    DailyInterviewLimit,
    WeeklyInterviewLimit,
    FeedbackDueHours,
    RequireQualification,
    EndsAt,
    FeedbackDueAt,
    Role,
    Trainee,
}

#[derive(DeriveIden, Clone)]
pub enum InterviewerPools {
    Table,
    Id,
    OrganizationId,
    Name,
    RoundKinds,
    RequiredShadows,
    RequiredReverseShadows,
    AutoGraduate,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
pub enum PoolCompetencies {
    Table,
    PoolId,
    CompetencyId,
}

#[derive(DeriveIden, Clone)]
pub enum PoolApprovers {
    Table,
    PoolId,
    UserId,
}

#[derive(DeriveIden, Clone)]
pub enum PoolMembers {
    Table,
    PoolId,
    UserId,
    Level,
    Paused,
    PausedUntil,
    ShadowsDone,
    ReverseShadowsDone,
    GraduatedBy,
    GraduatedAt,
    JoinedAt,
}

#[derive(DeriveIden, Clone)]
pub enum LimitOverrides {
    Table,
    RoundId,
    UserId,
    OverriddenBy,
    Reason,
    OverriddenAt,
}

/// (table, column definition) of every column this migration adds; SQLite
/// adds one column per ALTER TABLE.
fn added_columns() -> Vec<(Alias, ColumnDef)> {
    let organizations = || Alias::new("organizations");
    vec![
        (organizations(), integer_null(Added::DailyInterviewLimit)),
        (organizations(), integer_null(Added::WeeklyInterviewLimit)),
        (
            organizations(),
            integer(Added::FeedbackDueHours).default(24).to_owned(),
        ),
        (
            organizations(),
            boolean(Added::RequireQualification)
                .default(false)
                .to_owned(),
        ),
        (
            Alias::new("users"),
            integer_null(Added::DailyInterviewLimit),
        ),
        (
            Alias::new("users"),
            integer_null(Added::WeeklyInterviewLimit),
        ),
        (
            Alias::new("rounds"),
            timestamp_with_time_zone_null(Added::EndsAt),
        ),
        (
            Alias::new("rounds"),
            timestamp_with_time_zone_null(Added::FeedbackDueAt),
        ),
        (
            Alias::new("round_interviewers"),
            string_len(Added::Role, 24)
                .default("INTERVIEWER")
                .to_owned(),
        ),
        (
            Alias::new("scorecards"),
            boolean(Added::Trainee).default(false).to_owned(),
        ),
    ]
}

fn tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table(InterviewerPools::Table)
            .col(uuid(InterviewerPools::Id).primary_key())
            .col(uuid(InterviewerPools::OrganizationId))
            .col(string_len(InterviewerPools::Name, 200))
            // Round kinds the pool qualifies for, comma-separated; empty: any.
            .col(string_len(InterviewerPools::RoundKinds, 400).default(""))
            .col(integer(InterviewerPools::RequiredShadows).default(0))
            .col(integer(InterviewerPools::RequiredReverseShadows).default(0))
            .col(boolean(InterviewerPools::AutoGraduate).default(false))
            .col(timestamp_with_time_zone(InterviewerPools::CreatedAt))
            .foreign_key(&mut fk(
                InterviewerPools::Table,
                InterviewerPools::OrganizationId,
                Organizations::Table,
                true,
            ))
            .to_owned(),
        link_table(
            PoolCompetencies::Table,
            (PoolCompetencies::PoolId, InterviewerPools::Table),
            (PoolCompetencies::CompetencyId, Competencies::Table),
        ),
        link_table(
            PoolApprovers::Table,
            (PoolApprovers::PoolId, InterviewerPools::Table),
            (PoolApprovers::UserId, Users::Table),
        ),
        Table::create()
            .table(PoolMembers::Table)
            .col(uuid(PoolMembers::PoolId))
            .col(uuid(PoolMembers::UserId))
            .col(string_len(PoolMembers::Level, 24))
            .col(boolean(PoolMembers::Paused).default(false))
            .col(timestamp_with_time_zone_null(PoolMembers::PausedUntil))
            .col(integer(PoolMembers::ShadowsDone).default(0))
            .col(integer(PoolMembers::ReverseShadowsDone).default(0))
            .col(uuid_null(PoolMembers::GraduatedBy))
            .col(timestamp_with_time_zone_null(PoolMembers::GraduatedAt))
            .col(timestamp_with_time_zone(PoolMembers::JoinedAt))
            .primary_key(
                Index::create()
                    .col(PoolMembers::PoolId)
                    .col(PoolMembers::UserId),
            )
            .foreign_key(&mut fk(
                PoolMembers::Table,
                PoolMembers::PoolId,
                InterviewerPools::Table,
                true,
            ))
            .foreign_key(&mut fk(
                PoolMembers::Table,
                PoolMembers::UserId,
                Users::Table,
                true,
            ))
            .foreign_key(&mut fk(
                PoolMembers::Table,
                PoolMembers::GraduatedBy,
                Users::Table,
                false,
            ))
            .to_owned(),
        Table::create()
            .table(LimitOverrides::Table)
            .col(uuid(LimitOverrides::RoundId))
            .col(uuid(LimitOverrides::UserId))
            .col(uuid(LimitOverrides::OverriddenBy))
            .col(string_len(LimitOverrides::Reason, 400))
            .col(timestamp_with_time_zone(LimitOverrides::OverriddenAt))
            .primary_key(
                Index::create()
                    .col(LimitOverrides::RoundId)
                    .col(LimitOverrides::UserId),
            )
            .foreign_key(&mut fk(
                LimitOverrides::Table,
                LimitOverrides::RoundId,
                Rounds::Table,
                true,
            ))
            .foreign_key(&mut fk(
                LimitOverrides::Table,
                LimitOverrides::UserId,
                Users::Table,
                true,
            ))
            .foreign_key(&mut fk(
                LimitOverrides::Table,
                LimitOverrides::OverriddenBy,
                Users::Table,
                false,
            ))
            .to_owned(),
    ]
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        index(
            InterviewerPools::Table,
            &[InterviewerPools::OrganizationId, InterviewerPools::Name],
            true,
        ),
        index(
            PoolCompetencies::Table,
            &[PoolCompetencies::CompetencyId],
            false,
        ),
        index(PoolApprovers::Table, &[PoolApprovers::UserId], false),
        index(PoolMembers::Table, &[PoolMembers::UserId], false),
        index(PoolMembers::Table, &[PoolMembers::GraduatedBy], false),
        index(LimitOverrides::Table, &[LimitOverrides::UserId], false),
        index(
            LimitOverrides::Table,
            &[LimitOverrides::OverriddenBy],
            false,
        ),
        // Load windows and overlaps: an interviewer's rounds by start.
        index(Rounds::Table, &[Alias::new("scheduled_at")], false),
    ]
}

/// Sets `rounds.ends_at` (start plus time box) of every scheduled round.
async fn fill_ends_at(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared(
            "UPDATE rounds SET ends_at = scheduled_at + duration_minutes * INTERVAL '1 minute' \
             WHERE scheduled_at IS NOT NULL",
        )
        .await?;
        return Ok(());
    }
    // SQLite keeps timestamps as RFC 3339 text: compute them here, in the
    // form the application writes.
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT id, scheduled_at, duration_minutes FROM rounds WHERE scheduled_at IS NOT NULL",
        ))
        .await?;
    for row in rows {
        let id: Uuid = row.try_get("", "id")?;
        let start: ChronoDateTimeUtc = row.try_get("", "scheduled_at")?;
        let minutes: i32 = row.try_get("", "duration_minutes")?;
        let ends = start + std::time::Duration::from_secs(60 * Ord::max(minutes, 0) as u64);
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "UPDATE rounds SET ends_at = $1 WHERE id = $2",
            [Value::from(ends), Value::from(id)],
        ))
        .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, mut column) in added_columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        for table in tables() {
            manager.create_table(table).await?;
        }
        create_indexes(manager, indexes()).await?;
        fill_ends_at(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_rounds_scheduled_at")
                    .table(Rounds::Table)
                    .to_owned(),
            )
            .await?;
        drop_tables(
            manager,
            vec![
                LimitOverrides::Table.into_iden(),
                PoolMembers::Table.into_iden(),
                PoolApprovers::Table.into_iden(),
                PoolCompetencies::Table.into_iden(),
                InterviewerPools::Table.into_iden(),
            ],
        )
        .await?;
        for (table, column) in added_columns().into_iter().rev() {
            let name = Alias::new(column.get_column_name());
            manager
                .alter_table(Table::alter().table(table).drop_column(name).to_owned())
                .await?;
        }
        Ok(())
    }
}
