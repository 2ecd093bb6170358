//! Interview plans: building, ordering and publishing.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use domain::{Problem, plan};

use crate::graphql::context::{actor, db};
use crate::graphql::enums::{PanelRole, RoundKind};
use crate::graphql::error::{GqlResultExt, bad_input};
use crate::graphql::ids;
use crate::graphql::types::{InterviewPlan, Round};

/// A new plan for a candidate.
#[derive(InputObject)]
pub struct CreatePlanInput {
    /// The candidate.
    pub candidate_id: ID,
    /// Title such as "Senior backend loop". Required unless `templateId`
    /// is given; then it defaults to the template's name.
    pub title: Option<String>,
    /// Competencies the plan as a whole must cover through its rounds (with
    /// a template: in addition to the template's).
    #[graphql(default)]
    pub focus_competency_ids: Vec<ID>,
    /// A plan template (`planTemplates`) whose rounds, kinds, time boxes,
    /// focus competencies and questions the new plan copies. Questions are
    /// pinned to their current versions; retired ones are left out.
    /// Interviewers are not copied: assign them before publishing.
    pub template_id: Option<ID>,
}

/// A round's fields.
#[derive(InputObject)]
pub struct RoundInput {
    /// Kind of conversation.
    pub kind: RoundKind,
    /// Title shown to the panel.
    pub title: String,
    /// Time box in minutes, 1–480.
    pub duration_minutes: i32,
    /// When it starts, if scheduled (RFC 3339).
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Users who interview (any role but VIEWER).
    #[graphql(default)]
    pub interviewer_ids: Vec<ID>,
    /// Competencies the round rates.
    #[graphql(default)]
    pub focus_competency_ids: Vec<ID>,
    /// Trainees on the panel, shadowing or reverse shadowing (each must
    /// train at that level in a pool matching the round). Their scorecards
    /// are kept and visible but never count in decisions or statistics.
    #[graphql(default)]
    pub trainees: Vec<TraineeInput>,
    /// When feedback is due, after the round ends; absent: the
    /// organization's `feedbackDueHours` after the end.
    pub feedback_due_at: Option<DateTime<Utc>>,
    /// Assign interviewers beyond their daily or weekly interview limit
    /// (refused otherwise); recorded on the round with who overrode.
    #[graphql(name = "override", default)]
    pub override_limits: bool,
}

/// A trainee on a round's panel.
#[derive(InputObject)]
pub struct TraineeInput {
    /// The trainee.
    pub user_id: ID,
    /// SHADOW or REVERSE_SHADOW.
    pub role: PanelRole,
}

impl RoundInput {
    fn to_domain(&self) -> async_graphql::Result<plan::RoundInput> {
        Ok(plan::RoundInput {
            kind: self.kind.into(),
            title: self.title.clone(),
            duration_minutes: i64::from(self.duration_minutes),
            scheduled_at: self.scheduled_at,
            interviewer_ids: ids::parse_all("interviewerIds", &self.interviewer_ids)?,
            focus_competency_ids: ids::parse_all("focusCompetencyIds", &self.focus_competency_ids)?,
            trainees: self
                .trainees
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    Ok(plan::TraineeSeat {
                        user_id: ids::parse(&format!("trainees[{i}].userId"), &t.user_id)?,
                        role: t.role.into(),
                    })
                })
                .collect::<async_graphql::Result<_>>()?,
            feedback_due_at: self.feedback_due_at,
            override_limits: self.override_limits,
        })
    }
}

/// Reading plans.
#[derive(Default)]
pub struct PlanQuery;

/// Reading plans.
#[Object]
impl PlanQuery {
    /// One plan with its rounds; an unknown id is null with a NOT_FOUND error.
    async fn interview_plan(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<InterviewPlan>> {
        let actor = actor(ctx)?;
        let found = plan::get(db(ctx), &actor, ids::parse("id", &id)?)
            .await
            .gql()?;
        Ok(Some(InterviewPlan::from(found)))
    }

    /// Rounds of published plans the caller interviews in, soonest first.
    async fn my_rounds(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Round>> {
        let actor = actor(ctx)?;
        let rounds = plan::rounds_assigned_to(db(ctx), &actor).await.gql()?;
        Ok(rounds.into_iter().map(Round).collect())
    }
}

/// Building plans.
#[derive(Default)]
pub struct PlanMutation;

/// Building plans.
#[Object]
impl PlanMutation {
    /// Starts a draft plan for a candidate, empty or copied from a template.
    async fn create_interview_plan(
        &self,
        ctx: &Context<'_>,
        input: CreatePlanInput,
    ) -> async_graphql::Result<InterviewPlan> {
        let actor = actor(ctx)?;
        let candidate_id = ids::parse("candidateId", &input.candidate_id)?;
        let focus_competency_ids =
            ids::parse_all("focusCompetencyIds", &input.focus_competency_ids)?;
        let created = match (input.template_id, input.title) {
            (Some(template_id), title) => {
                let input = plan::FromTemplateInput {
                    candidate_id,
                    template_id: ids::parse("templateId", &template_id)?,
                    title,
                    focus_competency_ids,
                };
                plan::create_from_template(db(ctx), &actor, input).await
            }
            (None, Some(title)) => {
                let input = plan::PlanInput {
                    candidate_id,
                    title,
                    focus_competency_ids,
                };
                plan::create(db(ctx), &actor, input).await
            }
            (None, None) => {
                return Err(bad_input(&[Problem::new(
                    "title",
                    "give the plan a title, or a templateId to take the template's name",
                )]));
            }
        };
        created.gql().map(InterviewPlan::from)
    }

    /// Appends a round to a draft plan.
    async fn add_round(
        &self,
        ctx: &Context<'_>,
        plan_id: ID,
        input: RoundInput,
    ) -> async_graphql::Result<Round> {
        let actor = actor(ctx)?;
        let plan_id = ids::parse("planId", &plan_id)?;
        plan::add_round(db(ctx), &actor, plan_id, input.to_domain()?)
            .await
            .gql()
            .map(Round)
    }

    /// Replaces a round's fields, interviewers and focus competencies.
    async fn update_round(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: RoundInput,
    ) -> async_graphql::Result<Round> {
        let actor = actor(ctx)?;
        let id = ids::parse("id", &id)?;
        plan::update_round(db(ctx), &actor, id, input.to_domain()?)
            .await
            .gql()
            .map(Round)
    }

    /// Removes a round and its questions from a draft plan.
    async fn remove_round(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let actor = actor(ctx)?;
        plan::remove_round(db(ctx), &actor, ids::parse("id", &id)?)
            .await
            .gql()?;
        Ok(true)
    }

    /// Puts a draft plan's rounds in this order (every round once).
    async fn reorder_rounds(
        &self,
        ctx: &Context<'_>,
        plan_id: ID,
        round_ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Round>> {
        let actor = actor(ctx)?;
        let plan_id = ids::parse("planId", &plan_id)?;
        let order = ids::parse_all("roundIds", &round_ids)?;
        let rounds = plan::reorder_rounds(db(ctx), &actor, plan_id, &order)
            .await
            .gql()?;
        Ok(rounds.into_iter().map(Round).collect())
    }

    /// Adds a bank question to a round, pinned to its current version, with
    /// `minutes` allotted (the question's estimate when absent).
    async fn add_question_to_round(
        &self,
        ctx: &Context<'_>,
        round_id: ID,
        question_id: ID,
        minutes: Option<i32>,
    ) -> async_graphql::Result<Round> {
        let actor = actor(ctx)?;
        let round_id = ids::parse("roundId", &round_id)?;
        let question_id = ids::parse("questionId", &question_id)?;
        plan::add_question(
            db(ctx),
            &actor,
            round_id,
            question_id,
            minutes.map(i64::from),
        )
        .await
        .gql()
        .map(Round)
    }

    /// Removes a question from a round.
    async fn remove_question_from_round(
        &self,
        ctx: &Context<'_>,
        round_id: ID,
        question_id: ID,
    ) -> async_graphql::Result<Round> {
        let actor = actor(ctx)?;
        let round_id = ids::parse("roundId", &round_id)?;
        let question_id = ids::parse("questionId", &question_id)?;
        plan::remove_question(db(ctx), &actor, round_id, question_id)
            .await
            .gql()
            .map(Round)
    }

    /// Puts a round's questions in this order (every question once).
    async fn reorder_round_questions(
        &self,
        ctx: &Context<'_>,
        round_id: ID,
        question_ids: Vec<ID>,
    ) -> async_graphql::Result<Round> {
        let actor = actor(ctx)?;
        let round_id = ids::parse("roundId", &round_id)?;
        let order = ids::parse_all("questionIds", &question_ids)?;
        plan::reorder_questions(db(ctx), &actor, round_id, &order)
            .await
            .gql()
            .map(Round)
    }

    /// Marks a published plan COMPLETED: no further scorecards are
    /// submitted (submitted ones can still be amended).
    async fn complete_interview_plan(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<InterviewPlan> {
        let actor = actor(ctx)?;
        plan::complete(db(ctx), &actor, ids::parse("id", &id)?)
            .await
            .gql()
            .map(InterviewPlan::from)
    }

    /// Cancels a draft or published plan; it stays readable.
    async fn cancel_interview_plan(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<InterviewPlan> {
        let actor = actor(ctx)?;
        plan::cancel(db(ctx), &actor, ids::parse("id", &id)?)
            .await
            .gql()
            .map(InterviewPlan::from)
    }

    /// Publishes a draft plan after checking it; a refusal lists every problem.
    async fn publish_interview_plan(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<InterviewPlan> {
        let actor = actor(ctx)?;
        plan::publish(db(ctx), &actor, ids::parse("id", &id)?)
            .await
            .gql()
            .map(InterviewPlan::from)
    }
}
