//! Organizations: the tenants. Nothing crosses them.

use sea_orm::entity::prelude::*;

/// A row of `organizations`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTimeUtc,
    /// Days after which candidates closed as rejected or withdrawn are
    /// erased; `None` keeps them.
    pub retention_days: Option<i32>,
    /// Interviews a user may have per day / per week, unless overridden.
    pub daily_interview_limit: Option<i32>,
    pub weekly_interview_limit: Option<i32>,
    /// Hours after a round's end its feedback is due.
    pub feedback_due_hours: i32,
    /// Whether interviewers must be qualified members of a matching pool.
    pub require_qualification: bool,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
