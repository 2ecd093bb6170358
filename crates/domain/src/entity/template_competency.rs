//! Competencies a plan made from a template must cover (plan level).

use sea_orm::entity::prelude::*;

/// A row of `template_competencies`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "template_competencies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub template_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub competency_id: Uuid,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
