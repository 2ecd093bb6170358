//! The plan composer: filling a round from the bank in one step, and plan
//! templates to start new plans from (`createInterviewPlan` takes a
//! `templateId`). Template types live here with the operations that return
//! them.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use domain::entity::template_round_question;
use domain::plan::{self, TemplateContents};

use crate::graphql::context::{actor, db, loader};
use crate::graphql::enums::{Level, RoundKind};
use crate::graphql::error::{GqlResultExt, internal};
use crate::graphql::ids::{self, id};
use crate::graphql::loaders::{CompetencyById, QuestionById, UserById};
use crate::graphql::types::{Competency, Question, Round, User};

/// How `autofillRound` chooses; every field is optional.
#[derive(InputObject, Default)]
pub struct AutofillOptions {
    /// Categories to draw from. Absent or empty: the round kind's defaults,
    /// by name (RECRUITER_SCREEN and BEHAVIORAL: Behavioral and Hiring;
    /// TECHNICAL_SCREEN: Core Fundamentals, APIs and REST, Databases;
    /// LIVE_CODING: Node.js, Python, Java, Core Fundamentals; TAKE_HOME: Core
    /// Fundamentals, APIs and REST; SYSTEM_DESIGN: System Design, Databases;
    /// HIRING_MANAGER: Behavioral and Hiring, System Design). Categories
    /// the organization renamed or deleted are skipped.
    pub category_ids: Option<Vec<ID>>,
    /// The only level to draw from. Absent: the candidate's target level,
    /// then one level below for what is left.
    pub level: Option<Level>,
    /// Only questions carrying at least one of these tags.
    pub tags: Option<Vec<String>>,
    /// Seed of the tie-break between equally good questions: the same data
    /// and seed always fill a round the same way. Default 0.
    pub seed: Option<i32>,
}

impl AutofillOptions {
    fn to_domain(&self) -> async_graphql::Result<plan::AutofillOptions> {
        Ok(plan::AutofillOptions {
            category_ids: ids::parse_all(
                "options.categoryIds",
                self.category_ids.as_deref().unwrap_or_default(),
            )?,
            level: self.level.map(Into::into),
            tags: self.tags.clone().unwrap_or_default(),
            seed: self.seed.map_or(0, i64::from),
        })
    }
}

/// Reading plan templates.
#[derive(Default)]
pub struct ComposerQuery;

/// Reading plan templates.
#[Object]
impl ComposerQuery {
    /// Plan templates of the organization, by name.
    async fn plan_templates(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PlanTemplate>> {
        let actor = actor(ctx)?;
        let found = plan::templates(db(ctx), &actor).await.gql()?;
        Ok(found.into_iter().map(PlanTemplate).collect())
    }

    /// One plan template; an unknown id is null with a NOT_FOUND error.
    async fn plan_template(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<PlanTemplate>> {
        let actor = actor(ctx)?;
        let found = plan::template(db(ctx), &actor, ids::parse("id", &id)?)
            .await
            .gql()?;
        Ok(Some(PlanTemplate(found)))
    }
}

/// Composing plans.
#[derive(Default)]
pub struct ComposerMutation;

/// Composing plans.
#[Object]
impl ComposerMutation {
    /// Fills a round of a draft plan with ACTIVE bank questions that suit its
    /// kind and the candidate's level, none already in the plan or asked of
    /// the candidate before, preferring questions asked less often and that
    /// separate hired from rejected candidates best, within the round's
    /// remaining time box. When nothing fits, BAD_USER_INPUT says why.
    async fn autofill_round(
        &self,
        ctx: &Context<'_>,
        round_id: ID,
        options: Option<AutofillOptions>,
    ) -> async_graphql::Result<Round> {
        let actor = actor(ctx)?;
        let round_id = ids::parse("roundId", &round_id)?;
        let options = options.unwrap_or_default().to_domain()?;
        plan::autofill(db(ctx), &actor, round_id, options)
            .await
            .gql()
            .map(Round)
    }

    /// Saves a plan's rounds, focus competencies and questions as a template
    /// named `name` (unique in the organization). Interviewers are not saved.
    async fn save_as_template(
        &self,
        ctx: &Context<'_>,
        plan_id: ID,
        name: String,
    ) -> async_graphql::Result<PlanTemplate> {
        let actor = actor(ctx)?;
        let plan_id = ids::parse("planId", &plan_id)?;
        plan::save_as_template(db(ctx), &actor, plan_id, &name)
            .await
            .gql()
            .map(PlanTemplate)
    }
}

/// Competencies by id, in display order.
async fn competencies(
    ctx: &Context<'_>,
    ids: &[uuid::Uuid],
) -> async_graphql::Result<Vec<Competency>> {
    let mut list: Vec<Competency> = loader(ctx)?
        .load_many(ids.iter().map(|&id| CompetencyById(id)))
        .await?
        .into_values()
        .map(Competency)
        .collect();
    list.sort_by_key(|c| c.0.position);
    Ok(list)
}

/// A plan's shape saved under a name, to start new plans from.
pub struct PlanTemplate(pub TemplateContents);

/// A plan's shape saved under a name, to start new plans from.
#[Object]
impl PlanTemplate {
    /// Opaque id; pass it as `templateId` to `createInterviewPlan`.
    async fn id(&self) -> ID {
        id(self.0.template.id)
    }
    /// Name, unique in the organization.
    async fn name(&self) -> &str {
        &self.0.template.name
    }
    /// Who saved it (null once that user is gone).
    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(user_id) = self.0.template.created_by else {
            return Ok(None);
        };
        Ok(loader(ctx)?.load_one(UserById(user_id)).await?.map(User))
    }
    /// When it was saved.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.template.created_at
    }
    /// Competencies a plan made from it must cover through its rounds.
    async fn focus_competencies(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Competency>> {
        competencies(ctx, &self.0.focus_competency_ids).await
    }
    /// Rounds in order.
    async fn rounds(&self) -> Vec<TemplateRound<'_>> {
        self.0.rounds.iter().map(TemplateRound).collect()
    }
}

/// A round of a template: no interviewers and no schedule.
pub struct TemplateRound<'a>(&'a plan::TemplateRound);

/// A round of a template: no interviewers and no schedule.
#[Object]
impl TemplateRound<'_> {
    /// Position in the template, from 0.
    async fn position(&self) -> i32 {
        self.0.round.position
    }
    /// Kind of conversation.
    async fn kind(&self) -> RoundKind {
        self.0.round.kind.into()
    }
    /// Title shown to the panel.
    async fn title(&self) -> &str {
        &self.0.round.title
    }
    /// Time box in minutes.
    async fn duration_minutes(&self) -> i32 {
        self.0.round.duration_minutes
    }
    /// Competencies the round rates.
    async fn focus_competencies(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Competency>> {
        competencies(ctx, &self.0.focus_competency_ids).await
    }
    /// Questions in order with their allotted minutes.
    async fn questions(&self) -> Vec<TemplateQuestion<'_>> {
        self.0.questions.iter().map(TemplateQuestion).collect()
    }
}

/// A question of a template round; a plan made from the template pins the
/// question's version current at that time.
pub struct TemplateQuestion<'a>(&'a template_round_question::Model);

/// A question of a template round; a plan made from the template pins the
/// question's version current at that time.
#[Object]
impl TemplateQuestion<'_> {
    /// Position in the round, from 0.
    async fn position(&self) -> i32 {
        self.0.position
    }
    /// Minutes allotted.
    async fn minutes(&self) -> i32 {
        self.0.minutes
    }
    /// The bank question as it is now.
    async fn question(&self, ctx: &Context<'_>) -> async_graphql::Result<Question> {
        match loader(ctx)?
            .load_one(QuestionById(self.0.question_id))
            .await?
        {
            Some(question) => Ok(Question(question)),
            None => {
                tracing::error!(question_id = %self.0.question_id, "a template's question is missing");
                Err(internal())
            }
        }
    }
}
