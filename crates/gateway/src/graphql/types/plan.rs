//! Interview plans, rounds and the questions of a round.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use domain::entity::{interview_plan, question_version, round, round_question};

use super::{
    Candidate, Competency, LimitOverride, PanelSeat, Question, QuestionVersion, Scorecard, User,
    children, required,
};
use crate::graphql::context::loader;
use crate::graphql::enums::{PlanStatus, RoundKind};
use crate::graphql::ids::id;
use crate::graphql::loaders::{
    CandidateById, CompetencyById, InterviewersOf, LimitOverridesOf, PlanById, PlanCompetenciesOf,
    QuestionById, QuestionsOf, RatedScorecardsOfRound, RoundCompetenciesOf, RoundsOf,
    ScorecardsOfRound, UserById,
};

/// A candidate's interview plan, with its rounds when they were read
/// with it.
pub struct InterviewPlan(pub interview_plan::Model, pub Option<Vec<round::Model>>);

impl From<interview_plan::Model> for InterviewPlan {
    fn from(plan: interview_plan::Model) -> Self {
        InterviewPlan(plan, None)
    }
}

/// A candidate's interview plan.
#[Object]
impl InterviewPlan {
    /// Opaque id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Title such as "Senior backend loop".
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Lifecycle status.
    async fn status(&self) -> PlanStatus {
        self.0.status.into()
    }
    /// The candidate it is for.
    async fn candidate(&self, ctx: &Context<'_>) -> async_graphql::Result<Candidate> {
        required(ctx, CandidateById(self.0.candidate_id))
            .await
            .map(Candidate)
    }
    /// Rounds in order.
    async fn rounds(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Round>> {
        let rounds = match &self.1 {
            Some(rounds) => rounds.clone(),
            None => children(ctx, RoundsOf(self.0.id)).await?,
        };
        Ok(rounds.into_iter().map(Round).collect())
    }
    /// Competencies the plan as a whole must cover through its rounds.
    async fn focus_competencies(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Competency>> {
        let links = children(ctx, PlanCompetenciesOf(self.0.id)).await?;
        let keys = links.iter().map(|l| CompetencyById(l.competency_id));
        Ok(loader(ctx)?
            .load_many(keys)
            .await?
            .into_values()
            .map(Competency)
            .collect())
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was published, if it was.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
}

/// A round of a plan.
pub struct Round(pub round::Model);

/// A round of a plan.
#[Object]
impl Round {
    /// Opaque id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The plan it belongs to.
    async fn plan(&self, ctx: &Context<'_>) -> async_graphql::Result<InterviewPlan> {
        required(ctx, PlanById(self.0.plan_id))
            .await
            .map(InterviewPlan::from)
    }
    /// Position in the plan, from 0.
    async fn position(&self) -> i32 {
        self.0.position
    }
    /// Kind of conversation.
    async fn kind(&self) -> RoundKind {
        self.0.kind.into()
    }
    /// Title shown to the panel.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Time box in minutes.
    async fn duration_minutes(&self) -> i32 {
        self.0.duration_minutes
    }
    /// When it starts, if scheduled.
    async fn scheduled_at(&self) -> Option<DateTime<Utc>> {
        self.0.scheduled_at
    }
    /// Minutes allotted to its questions.
    async fn allotted_minutes(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        Ok(children(ctx, QuestionsOf(self.0.id))
            .await?
            .iter()
            .map(|(q, _)| q.minutes)
            .sum())
    }
    /// When it ends (start plus time box), if scheduled.
    async fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.0.ends_at
    }
    /// When feedback is due, if set on this round; null: the
    /// organization's `feedbackDueHours` after `endsAt`.
    async fn feedback_due_at(&self) -> Option<DateTime<Utc>> {
        self.0.feedback_due_at
    }
    /// Trainees on the panel, by name, with their part. Their scorecards
    /// are kept and visible like others but never count in
    /// `candidateReport`, `decisionReady`, calibration or question stats.
    async fn trainees(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PanelSeat>> {
        let links = children(ctx, InterviewersOf(self.0.id)).await?;
        let trainees: Vec<_> = links
            .into_iter()
            .filter(|l| l.role != domain::types::PanelRole::Interviewer)
            .collect();
        let users = loader(ctx)?
            .load_many(trainees.iter().map(|l| UserById(l.user_id)))
            .await?;
        let mut seats: Vec<PanelSeat> = trainees
            .into_iter()
            .filter_map(|l| {
                users.get(&UserById(l.user_id)).map(|u| PanelSeat {
                    user: u.clone(),
                    role: l.role,
                })
            })
            .collect();
        seats.sort_by(|a, b| a.user.display_name.cmp(&b.user.display_name));
        Ok(seats)
    }
    /// Interviewers assigned beyond an interview limit, who allowed it and why.
    async fn limit_overrides(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<LimitOverride>> {
        Ok(children(ctx, LimitOverridesOf(self.0.id))
            .await?
            .into_iter()
            .map(LimitOverride)
            .collect())
    }
    /// Who interviews (trainees are listed in `trainees`).
    async fn interviewers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<User>> {
        let links = children(ctx, InterviewersOf(self.0.id)).await?;
        let mut users: Vec<User> = loader(ctx)?
            .load_many(
                links
                    .iter()
                    .filter(|l| l.role == domain::types::PanelRole::Interviewer)
                    .map(|l| UserById(l.user_id)),
            )
            .await?
            .into_values()
            .map(User)
            .collect();
        users.sort_by(|a, b| a.0.display_name.cmp(&b.0.display_name));
        Ok(users)
    }
    /// Competencies this round rates.
    async fn focus_competencies(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Competency>> {
        let links = children(ctx, RoundCompetenciesOf(self.0.id)).await?;
        let mut list: Vec<Competency> = loader(ctx)?
            .load_many(links.iter().map(|l| CompetencyById(l.competency_id)))
            .await?
            .into_values()
            .map(Competency)
            .collect();
        list.sort_by_key(|c| c.0.position);
        Ok(list)
    }
    /// Questions in order, each with the version pinned when it was added.
    async fn questions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RoundQuestion>> {
        Ok(children(ctx, QuestionsOf(self.0.id))
            .await?
            .into_iter()
            .map(|(question, version)| RoundQuestion(question, version))
            .collect())
    }
    /// Scorecards the caller may see (blind-feedback rule).
    async fn scorecards(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Scorecard>> {
        let cards = if ctx.look_ahead().field("questionRatings").exists() {
            children(ctx, RatedScorecardsOfRound(self.0.id)).await?
        } else {
            children(ctx, ScorecardsOfRound(self.0.id)).await?
        };
        Ok(cards.into_iter().map(Scorecard::from).collect())
    }
}

/// A question in a round with the version it pins.
pub struct RoundQuestion(pub round_question::Model, pub question_version::Model);

impl RoundQuestion {
    fn pinned(&self) -> &question_version::Model {
        &self.1
    }
}

/// A question in a round, pinned to a version.
#[Object]
impl RoundQuestion {
    /// Opaque id of the bank question.
    async fn question_id(&self) -> ID {
        id(self.0.question_id)
    }
    /// Position in the round, from 0.
    async fn position(&self) -> i32 {
        self.0.position
    }
    /// Minutes allotted in this round.
    async fn minutes(&self) -> i32 {
        self.0.minutes
    }
    /// The pinned version: what the interviewer asks and rates against.
    async fn version(&self) -> QuestionVersion {
        QuestionVersion(self.pinned().clone())
    }
    /// Prompt of the pinned version.
    async fn prompt(&self) -> &str {
        &self.pinned().prompt
    }
    /// Guidance of the pinned version.
    async fn guidance(&self) -> &str {
        &self.pinned().guidance
    }
    /// Rubric anchors 1–4 of the pinned version.
    async fn rubric(&self) -> Vec<&str> {
        let v = self.pinned();
        vec![&v.rubric1, &v.rubric2, &v.rubric3, &v.rubric4]
    }
    /// The bank question as it is now (may have newer versions).
    async fn question(&self, ctx: &Context<'_>) -> async_graphql::Result<Question> {
        required(ctx, QuestionById(self.0.question_id))
            .await
            .map(Question)
    }
}
