//! Candidates and the stage they are in.

use sea_orm::entity::prelude::*;

use crate::types::*;

/// A row of `candidates`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "candidates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub email: String,
    pub position_title: String,
    pub target_level: Level,
    pub stage: Stage,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// When the candidate's personal data was erased, if it was.
    pub erased_at: Option<DateTimeUtc>,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
