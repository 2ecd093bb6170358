//! Every change an event: the transactional outbox (`events`, numbered per
//! organization by `event_sequences`), webhook endpoints with their
//! deliveries and attempts, and the audit log of who did what.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_tenancy::Organizations;
use crate::support::{create_indexes, drop_tables, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
pub enum EventSequences {
    Table,
    OrganizationId,
    LastSeq,
}

#[derive(DeriveIden, Clone)]
pub enum Events {
    Table,
    Id,
    OrganizationId,
    Seq,
    EventType,
    OccurredAt,
    ActorId,
    SubjectId,
    CandidateId,
    Data,
    DispatchedAt,
}

#[derive(DeriveIden, Clone)]
pub enum WebhookEndpoints {
    Table,
    Id,
    OrganizationId,
    Url,
    Description,
    EventTypes,
    Enabled,
    Secret,
    PreviousSecret,
    PreviousSecretUntil,
    FailingSince,
    DisabledReason,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
pub enum WebhookDeliveries {
    Table,
    Id,
    OrganizationId,
    EndpointId,
    EventId,
    Status,
    Attempts,
    NextAttemptAt,
    CreatedAt,
    CompletedAt,
}

#[derive(DeriveIden, Clone)]
pub enum WebhookAttempts {
    Table,
    Id,
    DeliveryId,
    EndpointId,
    Attempt,
    StartedAt,
    DurationMs,
    StatusCode,
    Error,
    ResponseExcerpt,
}

#[derive(DeriveIden, Clone)]
pub enum AuditEntries {
    Table,
    Id,
    OrganizationId,
    ActorId,
    Operation,
    Kind,
    Outcome,
    ClientIp,
    RequestId,
    At,
}

#[derive(DeriveIden, Clone)]
pub enum AuditSubjects {
    Table,
    EntryId,
    SubjectId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EventSequences::Table)
                    .col(pk_uuid(EventSequences::OrganizationId))
                    .col(big_integer(EventSequences::LastSeq))
                    .foreign_key(&mut fk(
                        EventSequences::Table,
                        EventSequences::OrganizationId,
                        Organizations::Table,
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(pk_uuid(Events::Id))
                    .col(uuid(Events::OrganizationId))
                    .col(big_integer(Events::Seq))
                    .col(string_len(Events::EventType, 48))
                    .col(timestamp_with_time_zone(Events::OccurredAt))
                    .col(uuid_null(Events::ActorId))
                    .col(uuid(Events::SubjectId))
                    .col(uuid_null(Events::CandidateId))
                    .col(text(Events::Data))
                    .col(timestamp_with_time_zone_null(Events::DispatchedAt))
                    .foreign_key(&mut fk(
                        Events::Table,
                        Events::OrganizationId,
                        Organizations::Table,
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookEndpoints::Table)
                    .col(pk_uuid(WebhookEndpoints::Id))
                    .col(uuid(WebhookEndpoints::OrganizationId))
                    .col(string_len(WebhookEndpoints::Url, 2000))
                    .col(string_len(WebhookEndpoints::Description, 500))
                    .col(text(WebhookEndpoints::EventTypes))
                    .col(boolean(WebhookEndpoints::Enabled))
                    .col(string_len(WebhookEndpoints::Secret, 80))
                    .col(string_len_null(WebhookEndpoints::PreviousSecret, 80))
                    .col(timestamp_with_time_zone_null(
                        WebhookEndpoints::PreviousSecretUntil,
                    ))
                    .col(timestamp_with_time_zone_null(
                        WebhookEndpoints::FailingSince,
                    ))
                    .col(string_len_null(WebhookEndpoints::DisabledReason, 500))
                    .col(uuid_null(WebhookEndpoints::CreatedBy))
                    .col(timestamp_with_time_zone(WebhookEndpoints::CreatedAt))
                    .col(timestamp_with_time_zone(WebhookEndpoints::UpdatedAt))
                    .foreign_key(&mut fk(
                        WebhookEndpoints::Table,
                        WebhookEndpoints::OrganizationId,
                        Organizations::Table,
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(pk_uuid(WebhookDeliveries::Id))
                    .col(uuid(WebhookDeliveries::OrganizationId))
                    .col(uuid(WebhookDeliveries::EndpointId))
                    .col(uuid_null(WebhookDeliveries::EventId))
                    .col(string_len(WebhookDeliveries::Status, 16))
                    .col(integer(WebhookDeliveries::Attempts))
                    .col(timestamp_with_time_zone(WebhookDeliveries::NextAttemptAt))
                    .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::CompletedAt,
                    ))
                    .foreign_key(&mut fk(
                        WebhookDeliveries::Table,
                        WebhookDeliveries::EndpointId,
                        WebhookEndpoints::Table,
                        true,
                    ))
                    .foreign_key(&mut fk(
                        WebhookDeliveries::Table,
                        WebhookDeliveries::EventId,
                        Events::Table,
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookAttempts::Table)
                    .col(pk_uuid(WebhookAttempts::Id))
                    .col(uuid(WebhookAttempts::DeliveryId))
                    .col(uuid(WebhookAttempts::EndpointId))
                    .col(integer(WebhookAttempts::Attempt))
                    .col(timestamp_with_time_zone(WebhookAttempts::StartedAt))
                    .col(integer(WebhookAttempts::DurationMs))
                    .col(integer_null(WebhookAttempts::StatusCode))
                    .col(string_len_null(WebhookAttempts::Error, 500))
                    .col(text(WebhookAttempts::ResponseExcerpt))
                    .foreign_key(&mut fk(
                        WebhookAttempts::Table,
                        WebhookAttempts::DeliveryId,
                        WebhookDeliveries::Table,
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditEntries::Table)
                    .col(pk_uuid(AuditEntries::Id))
                    .col(uuid_null(AuditEntries::OrganizationId))
                    .col(uuid_null(AuditEntries::ActorId))
                    .col(string_len(AuditEntries::Operation, 100))
                    .col(string_len(AuditEntries::Kind, 16))
                    .col(string_len(AuditEntries::Outcome, 32))
                    .col(string_len(AuditEntries::ClientIp, 64))
                    .col(string_len(AuditEntries::RequestId, 64))
                    .col(timestamp_with_time_zone(AuditEntries::At))
                    .foreign_key(&mut fk(
                        AuditEntries::Table,
                        AuditEntries::OrganizationId,
                        Organizations::Table,
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditSubjects::Table)
                    .col(uuid(AuditSubjects::EntryId))
                    .col(uuid(AuditSubjects::SubjectId))
                    .primary_key(
                        Index::create()
                            .col(AuditSubjects::EntryId)
                            .col(AuditSubjects::SubjectId),
                    )
                    .foreign_key(&mut fk(
                        AuditSubjects::Table,
                        AuditSubjects::EntryId,
                        AuditEntries::Table,
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index(Events::Table, &[Events::OrganizationId, Events::Seq], true),
                index(Events::Table, &[Events::DispatchedAt], false),
                index(Events::Table, &[Events::CandidateId, Events::Seq], false),
                index(
                    WebhookEndpoints::Table,
                    &[WebhookEndpoints::OrganizationId],
                    false,
                ),
                index(
                    WebhookDeliveries::Table,
                    &[WebhookDeliveries::Status, WebhookDeliveries::NextAttemptAt],
                    false,
                ),
                index(
                    WebhookDeliveries::Table,
                    &[WebhookDeliveries::EventId],
                    false,
                ),
                index(
                    WebhookAttempts::Table,
                    &[WebhookAttempts::EndpointId, WebhookAttempts::StartedAt],
                    false,
                ),
                index(
                    AuditEntries::Table,
                    &[AuditEntries::OrganizationId, AuditEntries::At],
                    false,
                ),
                index(AuditEntries::Table, &[AuditEntries::At], false),
                index(AuditSubjects::Table, &[AuditSubjects::SubjectId], false),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                AuditSubjects::Table.into_iden(),
                AuditEntries::Table.into_iden(),
                WebhookAttempts::Table.into_iden(),
                WebhookDeliveries::Table.into_iden(),
                WebhookEndpoints::Table.into_iden(),
                Events::Table.into_iden(),
                EventSequences::Table.into_iden(),
            ],
        )
        .await
    }
}
