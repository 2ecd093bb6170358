//! The plan composer: filling a round from the bank in one step, and plan
//! templates to start new plans from (`createInterviewPlan` takes a
//! `templateId`); the template types are in `graphql::types::template`.

use async_graphql::{Context, ID, InputObject, Object};
use domain::plan;

use crate::graphql::context::{actor, db};
use crate::graphql::enums::Level;
use crate::graphql::error::GqlResultExt;
use crate::graphql::ids;
use crate::graphql::types::{PlanTemplate, Round};

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
