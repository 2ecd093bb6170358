//! Rounds of a plan template, in order.

use sea_orm::entity::prelude::*;

use crate::types::*;

/// A row of `template_rounds`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "template_rounds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub template_id: Uuid,
    pub position: i32,
    pub kind: RoundKind,
    pub title: String,
    pub duration_minutes: i32,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
