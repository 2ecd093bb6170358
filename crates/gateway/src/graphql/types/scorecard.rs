//! Scorecards, their ratings and the revisions amendments replaced.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::entity::{scorecard, scorecard_revision, user};
use domain::scorecard::{self as cards, DetailedScorecard, RatedQuestion};

use super::{Candidate, Competency, Round, User, children, required};
use crate::graphql::context::loader;
use crate::graphql::enums::{Recommendation, ScorecardStatus};
use crate::graphql::error::{GqlResultExt, internal};
use crate::graphql::ids::id;
use crate::graphql::loaders::{
    CandidateById, CompetencyById, CompetencyRatingsOf, QuestionRatingsOf, RevisionsOf, RoundById,
    UserById,
};

/// One interviewer's assessment of one round, with what its loader read
/// beside it (the interviewer, the question ratings) and, from a
/// subscription, the number of the event it was delivered for.
pub struct Scorecard {
    card: scorecard::Model,
    cursor: Option<i64>,
    interviewer: Option<user::Model>,
    ratings: Option<Vec<RatedQuestion>>,
}

impl Scorecard {
    /// A scorecard delivered for the event numbered `seq`.
    pub fn delivered(card: scorecard::Model, seq: i64) -> Self {
        Scorecard {
            cursor: Some(seq),
            ..Scorecard::from(card)
        }
    }
}

impl From<scorecard::Model> for Scorecard {
    fn from(card: scorecard::Model) -> Self {
        Scorecard {
            card,
            cursor: None,
            interviewer: None,
            ratings: None,
        }
    }
}

impl From<DetailedScorecard> for Scorecard {
    fn from(loaded: DetailedScorecard) -> Self {
        Scorecard {
            card: loaded.card,
            cursor: None,
            interviewer: loaded.interviewer,
            ratings: loaded.ratings,
        }
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
        id(self.card.id)
    }
    /// Set on scorecards delivered by `scorecardSubmitted`: the position
    /// of that submission (or amendment) in the organization's event
    /// history. Pass the last one received as `after` when subscribing
    /// again to receive what was missed meanwhile. Null elsewhere.
    async fn event_cursor(&self) -> Option<super::EventCursor> {
        self.cursor.map(super::EventCursor)
    }
    /// The round it assesses.
    async fn round(&self, ctx: &Context<'_>) -> async_graphql::Result<Round> {
        required(ctx, RoundById(self.card.round_id))
            .await
            .map(Round)
    }
    /// Who wrote it.
    async fn interviewer(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        if let Some(user) = &self.interviewer {
            return Ok(User(user.clone()));
        }
        required(ctx, UserById(self.card.interviewer_id))
            .await
            .map(User)
    }
    /// The candidate assessed.
    async fn candidate(&self, ctx: &Context<'_>) -> async_graphql::Result<Candidate> {
        required(ctx, CandidateById(self.card.candidate_id))
            .await
            .map(Candidate)
    }
    /// Draft or submitted.
    async fn status(&self) -> ScorecardStatus {
        self.card.status.into()
    }
    /// The overall call (may be empty on drafts).
    async fn recommendation(&self) -> Option<Recommendation> {
        self.card.recommendation.map(Into::into)
    }
    /// Summary of the interview.
    async fn summary(&self) -> &str {
        &self.card.summary
    }
    /// Ratings of the round's questions, in round order.
    async fn question_ratings(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<QuestionRating>> {
        let loaded;
        let ratings = match &self.ratings {
            Some(ratings) => ratings,
            None => {
                loaded = children(ctx, QuestionRatingsOf(self.card.id)).await?;
                &loaded
            }
        };
        Ok(ratings
            .iter()
            .map(|r| QuestionRating {
                question_id: id(r.question_id),
                rating: i32::from(r.rating.rating),
                notes: r.rating.notes.clone(),
            })
            .collect())
    }
    /// Ratings of the round's focus competencies.
    async fn competency_ratings(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<CompetencyRating>> {
        let ratings = children(ctx, CompetencyRatingsOf(self.card.id)).await?;
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
        self.card.updated_at
    }
    /// When it was first submitted (amendments keep this time).
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.card.submitted_at
    }
    /// Number of the content shown: 1 until the first amendment, then one
    /// more per amendment.
    async fn revision(&self) -> i32 {
        self.card.revision
    }
    /// The contents amendments replaced, oldest first (empty until the first
    /// amendment).
    async fn revisions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ScorecardRevision>> {
        Ok(children(ctx, RevisionsOf(self.card.id))
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
