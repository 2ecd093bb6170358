//! Every version a question had; plans pin one of these.

use sea_orm::entity::prelude::*;

use crate::types::*;

/// A row of `question_versions`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "question_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub question_id: Uuid,
    pub version: i32,
    pub category_id: Uuid,
    pub level: Level,
    pub prompt: String,
    pub guidance: String,
    pub rubric1: String,
    pub rubric2: String,
    pub rubric3: String,
    pub rubric4: String,
    pub tags: Json,
    pub minutes: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
