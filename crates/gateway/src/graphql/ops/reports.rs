//! Reading the reports for dashboards (docs/domain.md §4); their output
//! types are in `graphql::types::report`.

use async_graphql::{Context, ID, Object};
use domain::report;

use super::bank::QuestionFilter;
use super::{Listing, listing, page_request};
use crate::graphql::context::{actor, db};
use crate::graphql::error::GqlResultExt;
use crate::graphql::ids;
use crate::graphql::types::{
    CandidateReport, InterviewerCalibration, PipelineReport, QuestionStats,
};

/// Reading the reports; any signed-in role may (an interviewer reads a
/// candidate's report only after submitting their own scorecard for them).
#[derive(Default)]
pub struct ReportQuery;

/// Reading the reports; any signed-in role may (an interviewer reads a
/// candidate's report only after submitting their own scorecard for them).
/// Scorecards of trainees (SHADOW and REVERSE_SHADOW seats) never count in
/// any report figure, in `decisionReady` or in the panel's calls.
#[Object]
impl ReportQuery {
    /// Where one candidate's panel stands: each interviewer's call per
    /// round, mean ratings, agreement and whether the decision can be made.
    /// Only INTERVIEWER seats count: trainees' scorecards are left out of
    /// every figure and `decisionReady` does not wait for them (read them
    /// on `Round.scorecards`).
    async fn candidate_report(
        &self,
        ctx: &Context<'_>,
        candidate_id: ID,
    ) -> async_graphql::Result<CandidateReport> {
        let actor = actor(ctx)?;
        let id = ids::parse("candidateId", &candidate_id)?;
        report::candidate_report(db(ctx), &actor, id)
            .await
            .gql()
            .map(CandidateReport)
    }

    /// Candidates per stage and per position, and median days in each stage.
    async fn pipeline(&self, ctx: &Context<'_>) -> async_graphql::Result<PipelineReport> {
        let actor = actor(ctx)?;
        report::pipeline(db(ctx), &actor)
            .await
            .gql()
            .map(PipelineReport)
    }

    /// Per question of the bank (same filter and paging as `questions`):
    /// how often it is asked, how it is rated, how it separates hires from
    /// rejections. For ADMIN, HIRING_MANAGER and VIEWER: the figures sum up
    /// every submitted rating, which the blind rule keeps from interviewers
    /// (FORBIDDEN).
    async fn question_stats(
        &self,
        ctx: &Context<'_>,
        filter: Option<QuestionFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Listing<QuestionStats>> {
        let actor = actor(ctx)?;
        let filter = filter.unwrap_or_default().to_domain()?;
        let has_after = after.is_some();
        let page =
            report::question_stats(db(ctx), &actor, &filter, page_request(ctx, first, after)?)
                .await
                .gql()?;
        Ok(listing(page, has_after, |s| s.question.id, QuestionStats))
    }

    /// Every interviewer with a submitted scorecard, by display name: how
    /// they rate compared with their peers and how fast they submit. For
    /// ADMIN, HIRING_MANAGER and VIEWER (the blind rule keeps ratings from
    /// interviewers: FORBIDDEN).
    async fn interviewer_calibration(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<InterviewerCalibration>> {
        let actor = actor(ctx)?;
        let rows = report::interviewer_calibration(db(ctx), &actor)
            .await
            .gql()?;
        Ok(rows.into_iter().map(InterviewerCalibration).collect())
    }
}
