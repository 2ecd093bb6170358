//! Questions of a template round with their allotted minutes; unpinned, a
//! plan made from the template pins each to its version current then.

use sea_orm::entity::prelude::*;

/// A row of `template_round_questions`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "template_round_questions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub template_id: Uuid,
    pub template_round_id: Uuid,
    pub question_id: Uuid,
    pub position: i32,
    pub minutes: i32,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
