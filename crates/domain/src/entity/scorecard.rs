//! Scorecards: one per round and interviewer.

use sea_orm::entity::prelude::*;

use crate::types::*;

/// A row of `scorecards`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scorecards")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub round_id: Uuid,
    pub interviewer_id: Uuid,
    pub candidate_id: Uuid,
    pub status: ScorecardStatus,
    pub recommendation: Option<Recommendation>,
    pub summary: String,
    pub revision: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    /// Written by a trainee shadowing the round: kept and visible, never
    /// counted in decisions or statistics.
    pub trainee: bool,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
