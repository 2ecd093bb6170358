//! The audit log: who did or read what, when, from where, with what
//! outcome.

use sea_orm::entity::prelude::*;

/// A row of `audit_entries`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `None` for an anonymous caller (sign-in, sign-up).
    pub organization_id: Option<Uuid>,
    /// The user (or API key) that asked; `None` when nobody was signed in.
    pub actor_id: Option<Uuid>,
    /// The GraphQL field: `submitScorecard`, `candidateReport`…
    pub operation: String,
    /// `MUTATION` or `READ`.
    pub kind: String,
    /// `OK` or the error code answered.
    pub outcome: String,
    pub client_ip: String,
    pub request_id: String,
    pub at: DateTimeUtc,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
