//! Who erased a candidate's personal data, when and why.

use sea_orm::entity::prelude::*;

/// A row of `candidate_erasures`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "candidate_erasures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub candidate_id: Uuid,
    /// The user who erased; `None` for the retention rule.
    pub erased_by: Option<Uuid>,
    pub reason: String,
    pub erased_at: DateTimeUtc,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
