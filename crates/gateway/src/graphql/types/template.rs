//! Plan templates: a plan's shape saved under a name, to start new plans
//! from (`createInterviewPlan` takes a `templateId`).

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use domain::entity::template_round_question;
use domain::plan::{self, TemplateContents};

use super::{Competency, Question, User};
use crate::graphql::context::loader;
use crate::graphql::enums::RoundKind;
use crate::graphql::error::internal;
use crate::graphql::ids::id;
use crate::graphql::loaders::{CompetencyById, QuestionById, UserById};

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
