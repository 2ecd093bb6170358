//! Candidates.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::entity::candidate;

use super::{InterviewPlan, Scorecard, children};
use crate::graphql::enums::{CandidateStage, Level};
use crate::graphql::ids::id;
use crate::graphql::loaders::{
    PlansOf, PlansWithRoundsOf, RatedScorecardsOfCandidate, ScorecardsOfCandidate, StageHistoryOf,
};

/// Someone in the hiring process.
pub struct Candidate(pub candidate::Model);

/// A stage the candidate entered.
#[derive(SimpleObject)]
pub struct StageChange {
    /// Stage before (none for the first).
    pub from: Option<CandidateStage>,
    /// Stage entered.
    pub to: CandidateStage,
    /// When.
    pub changed_at: DateTime<Utc>,
}

/// Someone in the hiring process.
#[Object]
impl Candidate {
    /// Opaque id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Full name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Email, unique in the organization.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// The role applied for.
    async fn position_title(&self) -> &str {
        &self.0.position_title
    }
    /// The level hired for.
    async fn target_level(&self) -> Level {
        self.0.target_level.into()
    }
    /// Current stage.
    async fn stage(&self) -> CandidateStage {
        self.0.stage.into()
    }
    /// The stages `moveCandidate` accepts from the current one, in stage
    /// order: the next step forward, REJECTED and WITHDRAWN; none once closed.
    async fn next_stages(&self) -> Vec<CandidateStage> {
        self.0.stage.moves().into_iter().map(Into::into).collect()
    }
    /// When the candidate was added.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the candidate's personal data was erased (name and email are
    /// then a tombstone), if it was.
    async fn erased_at(&self) -> Option<DateTime<Utc>> {
        self.0.erased_at
    }
    /// When the candidate was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Interview plans, oldest first.
    async fn plans(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<InterviewPlan>> {
        // Rounds asked for below: read them with the plans, one statement.
        if ctx.look_ahead().field("rounds").exists() {
            return Ok(children(ctx, PlansWithRoundsOf(self.0.id))
                .await?
                .into_iter()
                .map(|(plan, rounds)| InterviewPlan(plan, Some(rounds)))
                .collect());
        }
        Ok(children(ctx, PlansOf(self.0.id))
            .await?
            .into_iter()
            .map(InterviewPlan::from)
            .collect())
    }
    /// Scorecards the caller may see (blind-feedback rule).
    async fn scorecards(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Scorecard>> {
        let cards = if ctx.look_ahead().field("questionRatings").exists() {
            children(ctx, RatedScorecardsOfCandidate(self.0.id)).await?
        } else {
            children(ctx, ScorecardsOfCandidate(self.0.id)).await?
        };
        Ok(cards.into_iter().map(Scorecard::from).collect())
    }
    /// Every stage entered, oldest first.
    async fn stage_history(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<StageChange>> {
        let history = children(ctx, StageHistoryOf(self.0.id)).await?;
        Ok(history
            .into_iter()
            .map(|change| StageChange {
                from: change.from_stage.map(Into::into),
                to: change.to_stage.into(),
                changed_at: change.changed_at,
            })
            .collect())
    }
}
