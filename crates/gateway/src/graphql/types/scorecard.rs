//! Scorecards, their ratings and the revisions amendments replaced.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::entity::{scorecard, scorecard_revision};
use domain::scorecard as cards;

use super::{Candidate, Competency, Round, User, children, required};
use crate::graphql::context::loader;
use crate::graphql::enums::{Recommendation, ScorecardStatus};
use crate::graphql::error::{GqlResultExt, internal};
use crate::graphql::ids::id;
use crate::graphql::loaders::{
    CandidateById, CompetencyById, CompetencyRatingsOf, QuestionRatingsOf, QuestionsOf,
    RevisionsOf, RoundById, UserById,
};

/// One interviewer's assessment of one round; from a subscription, with
/// the number of the event it was delivered for.
pub struct Scorecard(pub scorecard::Model, pub Option<i64>);

impl From<scorecard::Model> for Scorecard {
    fn from(card: scorecard::Model) -> Self {
        Scorecard(card, None)
    }
}

/// A rating of one question of the round.
#[derive(SimpleObject)]
pub struct QuestionRating {
    /// The bank question.
    pub question_id: ID,
    /// 1 to 4, per the rubric.
    pub rating: i32,
    /// What the candidate said.
    pub notes: String,
}

/// A rating of one focus competency.
#[derive(SimpleObject)]
pub struct CompetencyRating {
    /// The competency.
    pub competency: Competency,
    /// 1 to 4.
    pub rating: i32,
}

/// One interviewer's assessment of one round.
#[Object]
impl Scorecard {
    /// Opaque id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Set on scorecards delivered by `scorecardSubmitted`: the position
    /// of that submission (or amendment) in the organization's event
    /// history. Pass the last one received as `after` when subscribing
    /// again to receive what was missed meanwhile. Null elsewhere.
    async fn event_cursor(&self) -> Option<super::EventCursor> {
        self.1.map(super::EventCursor)
    }
    /// The round it assesses.
    async fn round(&self, ctx: &Context<'_>) -> async_graphql::Result<Round> {
        required(ctx, RoundById(self.0.round_id)).await.map(Round)
    }
    /// Who wrote it.
    async fn interviewer(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        required(ctx, UserById(self.0.interviewer_id))
            .await
            .map(User)
    }
    /// The candidate assessed.
    async fn candidate(&self, ctx: &Context<'_>) -> async_graphql::Result<Candidate> {
        required(ctx, CandidateById(self.0.candidate_id))
            .await
            .map(Candidate)
    }
    /// Draft or submitted.
    async fn status(&self) -> ScorecardStatus {
        self.0.status.into()
    }
    /// The overall call (may be empty on drafts).
    async fn recommendation(&self) -> Option<Recommendation> {
        self.0.recommendation.map(Into::into)
    }
    /// Summary of the interview.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    /// Ratings of the round's questions, in round order.
    async fn question_ratings(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<QuestionRating>> {
        let ratings = children(ctx, QuestionRatingsOf(self.0.id)).await?;
        let questions = children(ctx, QuestionsOf(self.0.round_id)).await?;
        Ok(questions
            .iter()
            .filter_map(|q| {
                ratings
                    .iter()
                    .find(|r| r.round_question_id == q.id)
                    .map(|r| QuestionRating {
                        question_id: id(q.question_id),
                        rating: i32::from(r.rating),
                        notes: r.notes.clone(),
                    })
            })
            .collect())
    }
    /// Ratings of the round's focus competencies.
    async fn competency_ratings(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<CompetencyRating>> {
        let ratings = children(ctx, CompetencyRatingsOf(self.0.id)).await?;
        // One batch for all of this scorecard's competencies: awaiting them
        // one by one would cost a statement per rating.
        let competencies = loader(ctx)?
            .load_many(ratings.iter().map(|r| CompetencyById(r.competency_id)))
            .await?;
        let mut out = Vec::with_capacity(ratings.len());
        for rating in ratings {
            let key = CompetencyById(rating.competency_id);
            let competency = competencies.get(&key).cloned().ok_or_else(|| {
                tracing::error!(?key, "a referenced record is missing");
                internal()
            })?;
            out.push(CompetencyRating {
                competency: Competency(competency),
                rating: i32::from(rating.rating),
            });
        }
        out.sort_by_key(|r| r.competency.0.position);
        Ok(out)
    }
    /// When it was last saved.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// When it was first submitted (amendments keep this time).
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.submitted_at
    }
    /// Number of the content shown: 1 until the first amendment, then one
    /// more per amendment.
    async fn revision(&self) -> i32 {
        self.0.revision
    }
    /// The contents amendments replaced, oldest first (empty until the first
    /// amendment).
    async fn revisions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ScorecardRevision>> {
        Ok(children(ctx, RevisionsOf(self.0.id))
            .await?
            .into_iter()
            .map(ScorecardRevision)
            .collect())
    }
}

/// The content of a submitted scorecard as it stood before an amendment
/// replaced it, with who amended it, when and why.
pub struct ScorecardRevision(pub scorecard_revision::Model);

/// A focus-competency rating as it stood in a replaced revision.
#[derive(SimpleObject)]
pub struct RevisedCompetencyRating {
    /// The competency.
    pub competency_id: ID,
    /// 1 to 4.
    pub rating: i32,
}

/// The content of a submitted scorecard as it stood before an amendment
/// replaced it, with who amended it, when and why.
#[Object]
impl ScorecardRevision {
    /// Its number: 1 is the content first submitted.
    async fn revision(&self) -> i32 {
        self.0.revision
    }
    /// The overall call it made.
    async fn recommendation(&self) -> Option<Recommendation> {
        self.0.recommendation.map(Into::into)
    }
    /// Its summary.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    /// Why the amendment replaced it.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// Who amended it.
    async fn amended_by(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        required(ctx, UserById(self.0.amended_by)).await.map(User)
    }
    /// When it was replaced.
    async fn amended_at(&self) -> DateTime<Utc> {
        self.0.amended_at
    }
    /// When this content was submitted (first submission or earlier amendment).
    async fn submitted_at(&self) -> DateTime<Utc> {
        self.0.submitted_at
    }
    /// Its ratings of the round's questions, in round order.
    async fn question_ratings(&self) -> async_graphql::Result<Vec<QuestionRating>> {
        Ok(cards::revised_question_ratings(&self.0)
            .gql()?
            .into_iter()
            .map(|r| QuestionRating {
                question_id: id(r.question_id),
                rating: i32::from(r.rating),
                notes: r.notes,
            })
            .collect())
    }
    /// Its ratings of the round's focus competencies.
    async fn competency_ratings(&self) -> async_graphql::Result<Vec<RevisedCompetencyRating>> {
        Ok(cards::revised_competency_ratings(&self.0)
            .gql()?
            .into_iter()
            .map(|r| RevisedCompetencyRating {
                competency_id: id(r.competency_id),
                rating: i32::from(r.rating),
            })
            .collect())
    }
}
