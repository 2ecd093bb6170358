//! The outbox: every change of state, written in the transaction that made
//! it, numbered per organization in commit order.

use sea_orm::entity::prelude::*;

/// A row of `events`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    /// Position in the organization's history: 1, 2, 3… in commit order.
    pub seq: i64,
    pub event_type: String,
    pub occurred_at: DateTimeUtc,
    /// Who caused it; `None` for the service itself (retention, webhooks).
    pub actor_id: Option<Uuid>,
    /// The record it is about.
    pub subject_id: Uuid,
    /// The candidate it concerns, if any (for per-candidate replay).
    pub candidate_id: Option<Uuid>,
    /// A small JSON object of ids and states; never secrets or notes.
    pub data: String,
    /// When the dispatcher handed it to the webhook deliveries.
    pub dispatched_at: Option<DateTimeUtc>,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
