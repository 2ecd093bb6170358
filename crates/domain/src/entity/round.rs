//! Rounds of a plan, in order.

use sea_orm::entity::prelude::*;

use crate::types::*;

/// A row of `rounds`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rounds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub position: i32,
    pub kind: RoundKind,
    pub title: String,
    pub duration_minutes: i32,
    pub scheduled_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// Start plus time box, when scheduled.
    pub ends_at: Option<DateTimeUtc>,
    /// Feedback due time set for this round; `None`: the organization's
    /// default after the end.
    pub feedback_due_at: Option<DateTimeUtc>,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
