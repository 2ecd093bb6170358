//! Tags of a question's current version, one row per tag, for filtering.

use sea_orm::entity::prelude::*;

/// A row of `question_tags`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "question_tags")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub question_id: Uuid,
    pub organization_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub tag: String,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
