//! Users of an organization, with their role and argon2id password hash.

use sea_orm::entity::prelude::*;

use crate::types::*;

/// A row of `users`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub created_at: DateTimeUtc,
    /// False once deactivated: the user can no longer sign in.
    pub active: bool,
    pub deactivated_at: Option<DateTimeUtc>,
    /// Own interview limits, in place of the organization's.
    pub daily_interview_limit: Option<i32>,
    pub weekly_interview_limit: Option<i32>,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
