//! Counted sign-in events (failures, sign-ups), by keyed subject, shared by
//! every gateway on one database.

use sea_orm::entity::prelude::*;

/// A row of `throttle_events`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "throttle_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// What was counted: a hashed email or an address, with its operation.
    pub key: String,
    pub at: DateTimeUtc,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
