//! Report outputs for dashboards (docs/domain.md §4). Figures are computed
//! by `domain::report`; see its documentation for each definition. Floats are
//! returned at full precision: clients round for display.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use domain::entity::{category, competency, user};
use domain::report;
use uuid::Uuid;

use super::{Candidate, Category, Competency, Question, User};
use crate::graphql::context::loader;
use crate::graphql::enums::{CandidateStage, PlanStatus, Recommendation, RoundKind};
use crate::graphql::error::internal;
use crate::graphql::ids::id;
use crate::graphql::loaders::{CategoryById, CompetencyById, UserById};

/// A user of the caller's organization referenced by a report.
async fn user(ctx: &Context<'_>, user_id: Uuid) -> async_graphql::Result<User> {
    match loader(ctx)?.load_one(UserById(user_id)).await? {
        Some(found) => Ok(User(found)),
        None => {
            tracing::error!(%user_id, "a user referenced by a report is missing");
            Err(internal())
        }
    }
}

/// Where one candidate's panel stands.
pub struct CandidateReport(pub report::CandidateReport);

/// Where one candidate's panel stands.
#[Object]
impl CandidateReport {
    /// The candidate.
    async fn candidate(&self) -> Candidate {
        Candidate(self.0.candidate.clone())
    }
    /// Rounds of the candidate's plans that are not cancelled, in plan then
    /// round order (draft plans included).
    async fn rounds(&self) -> Vec<RoundReport> {
        let users = &self.0.referenced.users;
        self.0
            .rounds
            .iter()
            .map(|round| {
                let records = round
                    .interviewers
                    .iter()
                    .map(|call| users.get(&call.user_id).cloned())
                    .collect();
                RoundReport(round.clone(), records)
            })
            .collect()
    }
    /// Mean question rating per category (of the question version the round
    /// pinned), over submitted scorecards, in bank order.
    async fn category_means(&self) -> Vec<CategoryMean> {
        self.0
            .categories
            .iter()
            .map(|mean| {
                let record = self.0.referenced.categories.get(&mean.id).cloned();
                CategoryMean(mean.clone(), record)
            })
            .collect()
    }
    /// Mean rating per competency over submitted scorecards, in bank order.
    async fn competency_means(&self) -> Vec<CompetencyMean> {
        self.0
            .competencies
            .iter()
            .map(|mean| {
                let record = self.0.referenced.competencies.get(&mean.id).cloned();
                CompetencyMean(mean.clone(), record)
            })
            .collect()
    }
    /// Submitted scorecards.
    async fn submitted_scorecards(&self) -> u64 {
        self.0.submitted_scorecards
    }
    /// Panel agreement: population standard deviation of the recommendation
    /// scores (STRONG_NO = 1 … STRONG_YES = 4) of every submitted scorecard.
    /// 0 is full agreement, 1.5 an even split between the extremes; null
    /// before the first submitted scorecard.
    async fn agreement(&self) -> Option<f64> {
        self.0.agreement
    }
    /// True when the candidate has rounds in published or completed plans
    /// and every interviewer assigned to them has submitted.
    async fn decision_ready(&self) -> bool {
        self.0.decision_ready
    }
}

/// One round of a candidate's plans and its interviewers' calls, with each
/// interviewer's record as the report read it.
pub struct RoundReport(report::RoundReport, Vec<Option<user::Model>>);

/// One round of a candidate's plans and its interviewers' calls.
#[Object]
impl RoundReport {
    /// The round's id.
    async fn round_id(&self) -> ID {
        id(self.0.round_id)
    }
    /// The plan's id.
    async fn plan_id(&self) -> ID {
        id(self.0.plan_id)
    }
    /// Status of the plan.
    async fn plan_status(&self) -> PlanStatus {
        self.0.plan_status.into()
    }
    /// Title of the round.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Kind of round.
    async fn kind(&self) -> RoundKind {
        self.0.kind.into()
    }
    /// When the round starts, if scheduled.
    async fn scheduled_at(&self) -> Option<DateTime<Utc>> {
        self.0.scheduled_at
    }
    /// Each assigned interviewer, by display name, with their call.
    async fn interviewers(&self) -> Vec<InterviewerRecommendation> {
        self.0
            .interviewers
            .iter()
            .cloned()
            .zip(self.1.iter().cloned())
            .map(|(call, record)| InterviewerRecommendation(call, record))
            .collect()
    }
    /// Highest minus lowest recommendation score (1–4) submitted for the
    /// round: 0 when the panel agrees; null before any submission.
    async fn spread(&self) -> Option<i64> {
        self.0.spread
    }
}

/// One assigned interviewer's call on a round, with their record when the
/// report read it.
pub struct InterviewerRecommendation(report::InterviewerCall, Option<user::Model>);

/// One assigned interviewer's call on a round.
#[Object]
impl InterviewerRecommendation {
    /// The interviewer.
    async fn interviewer(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        match &self.1 {
            Some(record) => Ok(User(record.clone())),
            None => user(ctx, self.0.user_id).await,
        }
    }
    /// Their recommendation; null until their scorecard is submitted.
    async fn recommendation(&self) -> Option<Recommendation> {
        self.0.recommendation.map(Into::into)
    }
    /// Whether their scorecard is submitted.
    async fn submitted(&self) -> bool {
        self.0.submitted
    }
}

/// Mean question rating of one category.
pub struct CategoryMean(report::MeanRating, Option<category::Model>);

/// Mean question rating of one category.
#[Object]
impl CategoryMean {
    /// The category.
    async fn category(&self, ctx: &Context<'_>) -> async_graphql::Result<Category> {
        if let Some(record) = &self.1 {
            return Ok(Category(record.clone()));
        }
        loader(ctx)?
            .load_one(CategoryById(self.0.id))
            .await?
            .map(Category)
            .ok_or_else(internal)
    }
    /// Mean rating, 1–4, full precision.
    async fn mean_rating(&self) -> f64 {
        self.0.mean
    }
    /// How many ratings the mean is over.
    async fn ratings(&self) -> u64 {
        self.0.ratings
    }
}

/// Mean rating of one competency.
pub struct CompetencyMean(report::MeanRating, Option<competency::Model>);

/// Mean rating of one competency.
#[Object]
impl CompetencyMean {
    /// The competency.
    async fn competency(&self, ctx: &Context<'_>) -> async_graphql::Result<Competency> {
        if let Some(record) = &self.1 {
            return Ok(Competency(record.clone()));
        }
        loader(ctx)?
            .load_one(CompetencyById(self.0.id))
            .await?
            .map(Competency)
            .ok_or_else(internal)
    }
    /// Mean rating, 1–4, full precision.
    async fn mean_rating(&self) -> f64 {
        self.0.mean
    }
    /// How many ratings the mean is over.
    async fn ratings(&self) -> u64 {
        self.0.ratings
    }
}

/// Candidates per stage and per position.
pub struct PipelineReport(pub report::PipelineReport);

/// Candidates per stage and per position.
#[Object]
impl PipelineReport {
    /// Every candidate of the organization.
    async fn total_candidates(&self) -> u64 {
        self.0.total_candidates
    }
    /// Every stage in process order, zeros included.
    async fn stages(&self) -> Vec<PipelineStage> {
        self.0.stages.iter().cloned().map(PipelineStage).collect()
    }
    /// Every position title candidates applied for, alphabetically (titles
    /// are compared exactly).
    async fn positions(&self) -> Vec<PipelinePosition> {
        self.0
            .positions
            .iter()
            .cloned()
            .map(PipelinePosition)
            .collect()
    }
}

/// One stage of the pipeline.
pub struct PipelineStage(report::StageFigures);

/// One stage of the pipeline.
#[Object]
impl PipelineStage {
    /// The stage.
    async fn stage(&self) -> CandidateStage {
        self.0.stage.into()
    }
    /// Candidates in it now.
    async fn candidates(&self) -> u64 {
        self.0.candidates
    }
    /// Median days of completed stays (entering the stage until the
    /// candidate's next stage change); null before the first completed
    /// stay, so always null for HIRED, REJECTED and WITHDRAWN.
    async fn median_days(&self) -> Option<f64> {
        self.0.median_days
    }
    /// How many completed stays the median is over.
    async fn completed_stays(&self) -> u64 {
        self.0.completed_stays
    }
}

/// Candidates for one position title.
pub struct PipelinePosition(report::PositionFigures);

/// Candidates for one position title.
#[Object]
impl PipelinePosition {
    /// The position title.
    async fn position_title(&self) -> &str {
        &self.0.position_title
    }
    /// Candidates for it, all stages.
    async fn candidates(&self) -> u64 {
        self.0.candidates
    }
    /// Candidates for it per stage, every stage in process order.
    async fn stages(&self) -> Vec<StageCount> {
        self.0.stages.iter().copied().map(StageCount).collect()
    }
}

/// How many candidates are in one stage.
pub struct StageCount(report::StageCount);

/// How many candidates are in one stage.
#[Object]
impl StageCount {
    /// The stage.
    async fn stage(&self) -> CandidateStage {
        self.0.stage.into()
    }
    /// Candidates in it now.
    async fn candidates(&self) -> u64 {
        self.0.candidates
    }
}

/// Figures of one question, over its ratings in submitted scorecards.
pub struct QuestionStats(pub report::QuestionStats);

/// Figures of one question, over its ratings in submitted scorecards.
#[Object]
impl QuestionStats {
    /// The question.
    async fn question(&self) -> Question {
        Question(self.0.question.clone())
    }
    /// How many times it was rated in a submitted scorecard.
    async fn times_asked(&self) -> u64 {
        self.0.times_asked
    }
    /// Mean rating, 1–4; null when never asked.
    async fn mean_rating(&self) -> Option<f64> {
        self.0.mean_rating
    }
    /// Population standard deviation of its ratings; 0 for one rating,
    /// null when never asked.
    async fn std_dev(&self) -> Option<f64> {
        self.0.std_dev
    }
    /// Mean rating given to candidates now HIRED minus mean given to
    /// candidates now REJECTED; null while either group has no rating.
    async fn discrimination(&self) -> Option<f64> {
        self.0.discrimination
    }
    /// When it was last rated in a submitted scorecard.
    async fn last_asked_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_asked_at
    }
}

/// How one interviewer rates compared with their peers.
pub struct InterviewerCalibration(pub report::InterviewerCalibration);

/// How one interviewer rates compared with their peers.
#[Object]
impl InterviewerCalibration {
    /// The interviewer.
    async fn interviewer(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        user(ctx, self.0.user_id).await
    }
    /// Scorecards they submitted.
    async fn scorecards_submitted(&self) -> u64 {
        self.0.scorecards_submitted
    }
    /// Mean of their question ratings; null if they rated no question.
    async fn mean_rating(&self) -> Option<f64> {
        self.0.mean_rating
    }
    /// Leniency z-score: (their mean − mean of interviewer means) /
    /// population standard deviation of interviewer means. Positive rates
    /// softer than peers. Null with fewer than two interviewers or when all
    /// means are equal.
    async fn leniency(&self) -> Option<f64> {
        self.0.leniency
    }
    /// Median hours from the round's scheduled start to submission, over
    /// their scorecards of scheduled rounds; null when none.
    async fn median_hours_to_submit(&self) -> Option<f64> {
        self.0.median_hours_to_submit
    }
}
