//! One event (or ping) to send to one endpoint, until it succeeds or its
//! attempts run out.

use sea_orm::entity::prelude::*;

/// A row of `webhook_deliveries`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub endpoint_id: Uuid,
    /// The event sent; `None` for a ping.
    pub event_id: Option<Uuid>,
    /// `PENDING`, `SUCCEEDED` or `FAILED` (attempts exhausted).
    pub status: String,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the next attempt is due; while an attempt runs, the end of its
    /// lease (after which another worker may take it over).
    pub next_attempt_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
