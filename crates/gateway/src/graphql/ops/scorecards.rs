//! Scorecards: saving drafts, submitting and amending.

use async_graphql::{Context, ID, InputObject, Object};
use domain::scorecard;

use crate::graphql::context::{actor, db};
use crate::graphql::enums::Recommendation;
use crate::graphql::error::GqlResultExt;
use crate::graphql::ids;
use crate::graphql::types::Scorecard;

/// A rating of one question of the round.
#[derive(InputObject)]
pub struct QuestionRatingInput {
    /// The bank question, as listed in the round.
    pub question_id: ID,
    /// 1 to 4, per the rubric.
    pub rating: i32,
    /// What the candidate said.
    #[graphql(default)]
    pub notes: String,
}

/// A rating of one focus competency.
#[derive(InputObject)]
pub struct CompetencyRatingInput {
    /// The competency.
    pub competency_id: ID,
    /// 1 to 4.
    pub rating: i32,
}

/// A scorecard as the interviewer fills it in.
#[derive(InputObject)]
pub struct ScorecardInput {
    /// Ratings of the round's questions.
    #[graphql(default)]
    pub question_ratings: Vec<QuestionRatingInput>,
    /// Ratings of the round's focus competencies.
    #[graphql(default)]
    pub competency_ratings: Vec<CompetencyRatingInput>,
    /// The overall call; required to submit.
    pub recommendation: Option<Recommendation>,
    /// Summary; required to submit.
    #[graphql(default)]
    pub summary: String,
}

impl ScorecardInput {
    fn to_domain(&self) -> async_graphql::Result<scorecard::ScorecardInput> {
        let mut question_ratings = Vec::with_capacity(self.question_ratings.len());
        for (i, r) in self.question_ratings.iter().enumerate() {
            question_ratings.push(scorecard::QuestionRatingInput {
                question_id: ids::parse(
                    &format!("questionRatings[{i}].questionId"),
                    &r.question_id,
                )?,
                rating: i64::from(r.rating),
                notes: r.notes.clone(),
            });
        }
        let mut competency_ratings = Vec::with_capacity(self.competency_ratings.len());
        for (i, r) in self.competency_ratings.iter().enumerate() {
            competency_ratings.push(scorecard::CompetencyRatingInput {
                competency_id: ids::parse(
                    &format!("competencyRatings[{i}].competencyId"),
                    &r.competency_id,
                )?,
                rating: i64::from(r.rating),
            });
        }
        Ok(scorecard::ScorecardInput {
            question_ratings,
            competency_ratings,
            recommendation: self.recommendation.map(Into::into),
            summary: self.summary.clone(),
        })
    }
}

/// Writing scorecards.
#[derive(Default)]
pub struct ScorecardMutation;

/// Writing scorecards.
#[Object]
impl ScorecardMutation {
    /// Saves your draft scorecard for a round you interview in (partial
    /// ratings allowed). Only you see drafts.
    async fn save_scorecard(
        &self,
        ctx: &Context<'_>,
        round_id: ID,
        input: ScorecardInput,
    ) -> async_graphql::Result<Scorecard> {
        let actor = actor(ctx)?;
        let round_id = ids::parse("roundId", &round_id)?;
        scorecard::save_draft(db(ctx), &actor, round_id, input.to_domain()?)
            .await
            .gql()
            .map(Scorecard::from)
    }

    /// Submits your scorecard: every question and focus competency rated, a
    /// recommendation and a summary. Submitted scorecards change only
    /// through `amendScorecard`.
    /// Subscribers of `scorecardSubmitted` who may see it receive it.
    async fn submit_scorecard(
        &self,
        ctx: &Context<'_>,
        round_id: ID,
        input: ScorecardInput,
    ) -> async_graphql::Result<Scorecard> {
        let actor = actor(ctx)?;
        let round_id = ids::parse("roundId", &round_id)?;
        let card = scorecard::submit(db(ctx), &actor, round_id, input.to_domain()?)
            .await
            .gql()?;
        Ok(Scorecard::from(card))
    }

    /// Amends your submitted scorecard for a round: the new content must be
    /// complete, as when submitting, and `reason` (required) says why. The
    /// replaced content stays readable in `revisions`, and `revision` goes
    /// up by one. Subscribers of `scorecardSubmitted` who may see it receive
    /// it again, so live dashboards show the new content.
    async fn amend_scorecard(
        &self,
        ctx: &Context<'_>,
        round_id: ID,
        input: ScorecardInput,
        reason: String,
    ) -> async_graphql::Result<Scorecard> {
        let actor = actor(ctx)?;
        let round_id = ids::parse("roundId", &round_id)?;
        let card = scorecard::amend(db(ctx), &actor, round_id, input.to_domain()?, reason)
            .await
            .gql()?;
        Ok(Scorecard::from(card))
    }
}
