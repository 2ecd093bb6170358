//! Assignments made beyond an interview limit, and who allowed them.

use sea_orm::entity::prelude::*;

/// A row of `limit_overrides`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "limit_overrides")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub round_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub overridden_by: Uuid,
    /// The refusal the override set aside.
    pub reason: String,
    pub overridden_at: DateTimeUtc,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
