//! A replaced version of a submitted scorecard, kept when it is amended.

use sea_orm::entity::prelude::*;

use crate::types::*;

/// A row of `scorecard_revisions`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scorecard_revisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub scorecard_id: Uuid,
    pub revision: i32,
    pub recommendation: Option<Recommendation>,
    pub summary: String,
    pub question_ratings: Json,
    pub competency_ratings: Json,
    pub reason: String,
    pub amended_by: Uuid,
    pub amended_at: DateTimeUtc,
    pub submitted_at: DateTimeUtc,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
