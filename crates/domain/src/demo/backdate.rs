//! Moving the demo's timestamps into the past: services stamp "now", but the
//! reports need weeks of history.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::entity::{candidate, candidate_stage_change, scorecard};
use crate::error::Result;

/// When each recorded event really happened in the demo's story.
#[derive(Default)]
pub(super) struct Timeline {
    stages: HashMap<Uuid, Vec<DateTime<Utc>>>,
    submissions: Vec<(Uuid, DateTime<Utc>)>,
}

impl Timeline {
    /// The candidate's next stage change (the first is the application).
    pub fn stage(&mut self, candidate_id: Uuid, at: DateTime<Utc>) {
        self.stages.entry(candidate_id).or_default().push(at);
    }

    /// When a scorecard was submitted.
    pub fn submitted(&mut self, scorecard_id: Uuid, at: DateTime<Utc>) {
        self.submissions.push((scorecard_id, at));
    }

    /// Writes the story's times over the services' "now".
    pub async fn apply(&self, db: &DatabaseConnection) -> Result<()> {
        for (candidate_id, times) in &self.stages {
            let changes = candidate_stage_change::Entity::find()
                .filter(candidate_stage_change::Column::CandidateId.eq(*candidate_id))
                .order_by_asc(candidate_stage_change::Column::ChangedAt)
                .order_by_asc(candidate_stage_change::Column::Id)
                .all(db)
                .await?;
            for (change, at) in changes.iter().zip(times) {
                candidate_stage_change::Entity::update_many()
                    .col_expr(candidate_stage_change::Column::ChangedAt, Expr::value(*at))
                    .filter(candidate_stage_change::Column::Id.eq(change.id))
                    .exec(db)
                    .await?;
            }
            if let (Some(first), Some(last)) =
                (times.first(), times.get(changes.len().saturating_sub(1)))
            {
                candidate::Entity::update_many()
                    .col_expr(candidate::Column::CreatedAt, Expr::value(*first))
                    .col_expr(candidate::Column::UpdatedAt, Expr::value(*last))
                    .filter(candidate::Column::Id.eq(*candidate_id))
                    .exec(db)
                    .await?;
            }
        }
        for (id, at) in &self.submissions {
            scorecard::Entity::update_many()
                .col_expr(scorecard::Column::SubmittedAt, Expr::value(*at))
                .col_expr(scorecard::Column::UpdatedAt, Expr::value(*at))
                .filter(scorecard::Column::Id.eq(*id))
                .exec(db)
                .await?;
        }
        Ok(())
    }
}
