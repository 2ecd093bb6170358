//! Interviewer pools: who is qualified, or training, for which rounds.

use sea_orm::entity::prelude::*;

/// A row of `interviewer_pools`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interviewer_pools")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    /// Round kinds the pool qualifies for, comma-separated; empty: any.
    pub round_kinds: String,
    pub required_shadows: i32,
    pub required_reverse_shadows: i32,
    pub auto_graduate: bool,
    pub created_at: DateTimeUtc,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
