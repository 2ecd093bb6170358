//! Each stage a candidate entered and when (kept for time-in-stage reports).

use sea_orm::entity::prelude::*;

use crate::types::*;

/// A row of `candidate_stage_changes`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "candidate_stage_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub organization_id: Uuid,
    pub from_stage: Option<Stage>,
    pub to_stage: Stage,
    pub changed_by: Option<Uuid>,
    pub changed_at: DateTimeUtc,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
