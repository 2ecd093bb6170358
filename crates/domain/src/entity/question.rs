//! Questions of the bank as they are now (their current version).

use sea_orm::entity::prelude::*;

use crate::types::*;

/// A row of `questions`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "questions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub category_id: Uuid,
    pub current_version_id: Uuid,
    pub version: i32,
    pub status: QuestionStatus,
    pub level: Level,
    pub prompt: String,
    pub guidance: String,
    pub rubric1: String,
    pub rubric2: String,
    pub rubric3: String,
    pub rubric4: String,
    pub minutes: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
