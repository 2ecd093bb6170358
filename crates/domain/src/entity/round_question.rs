//! Questions of a round, pinned to the version that was current when added.

use sea_orm::entity::prelude::*;

/// A row of `round_questions`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "round_questions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub round_id: Uuid,
    pub plan_id: Uuid,
    pub question_id: Uuid,
    pub question_version_id: Uuid,
    pub position: i32,
    pub minutes: i32,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
