//! Members of an interviewer pool, at a level, with their training progress.

use sea_orm::entity::prelude::*;

use crate::types::PoolLevel;

/// A row of `pool_members`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pool_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub pool_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub level: PoolLevel,
    pub paused: bool,
    /// When a pause ends by itself; `None` with `paused`: until resumed.
    pub paused_until: Option<DateTimeUtc>,
    pub shadows_done: i32,
    pub reverse_shadows_done: i32,
    pub graduated_by: Option<Uuid>,
    pub graduated_at: Option<DateTimeUtc>,
    pub joined_at: DateTimeUtc,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
