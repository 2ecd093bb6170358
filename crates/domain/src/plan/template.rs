//! Plan templates: a plan's shape saved under a name, and new plans started
//! from it.
//!
//! A template keeps the rounds (kind, title, time box, order), their focus
//! competencies and questions (with allotted minutes, in order), and the
//! plan-level focus competencies. It keeps neither interviewers nor
//! schedules (people and dates change), nor question versions: a plan made
//! from a template pins each question to its version current at that time.
//!
//! A question retired since the template was saved is left out of the new
//! plan, which is still created: retired questions cannot be added to plans,
//! so copying one would only build a plan that cannot be published. A
//! question the candidate was asked in an earlier plan is copied, and
//! publishing names it, because that depends on the candidate, not on the
//! template.

use std::collections::{HashMap, HashSet};

use chrono::{SubsecRound, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::{
    check_known, competencies_of, get, known_competencies, plan_competencies_of, questions_of,
    rounds_of,
};
use crate::actor::{Actor, Permission};
use crate::entity::{
    candidate, interview_plan, plan_competency, plan_template, question, round, round_competency,
    round_question, template_competency, template_round, template_round_competency,
    template_round_question,
};
use crate::error::{Error, Result, conflict_on_unique};
use crate::types::{PlanStatus, QuestionStatus, Text};
use crate::validate;

/// Longest template name accepted.
pub const TEMPLATE_NAME_MAX: usize = 200;

/// A template with everything it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateContents {
    /// The template itself.
    pub template: plan_template::Model,
    /// Competencies a plan made from it must cover.
    pub focus_competency_ids: Vec<Uuid>,
    /// Its rounds, in order.
    pub rounds: Vec<TemplateRound>,
}

/// A round of a template with its competencies and questions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateRound {
    /// The round's kind, title, time box and position.
    pub round: template_round::Model,
    /// Competencies the round rates.
    pub focus_competency_ids: Vec<Uuid>,
    /// Its questions with allotted minutes, in order.
    pub questions: Vec<template_round_question::Model>,
}

/// What a plan started from a template needs.
#[derive(Clone, Debug)]
pub struct FromTemplateInput {
    /// The candidate the plan is for.
    pub candidate_id: Uuid,
    /// The template to copy.
    pub template_id: Uuid,
    /// The plan's title; the template's name when absent.
    pub title: Option<String>,
    /// Plan-level competencies to cover besides the template's.
    pub focus_competency_ids: Vec<Uuid>,
}

/// Saves the shape of a plan of the actor's organization as template `name`
/// (unique in the organization; a taken name is a conflict).
pub async fn save_as_template(
    db: &DatabaseConnection,
    actor: &Actor,
    plan_id: Uuid,
    name: &str,
) -> Result<TemplateContents> {
    actor.require(Permission::ManagePlans)?;
    let plan = get(db, actor, plan_id).await?;
    let name = Text::parse("name", name, TEMPLATE_NAME_MAX)?;
    let rounds = rounds_of(db, actor, &[plan.id]).await?;
    let round_ids: Vec<Uuid> = rounds.iter().map(|r| r.id).collect();
    let questions = questions_of(db, actor, &round_ids).await?;
    let round_competencies = competencies_of(db, actor, &round_ids).await?;
    let template = plan_template::Model {
        id: Uuid::now_v7(),
        organization_id: actor.organization_id,
        name: name.into_inner(),
        created_by: Some(actor.user_id),
        // Microseconds, as both databases store them, so what is returned
        // equals what is read back later.
        created_at: Utc::now().trunc_subsecs(6),
    };
    let contents = TemplateContents {
        focus_competency_ids: plan_competencies_of(db, actor, &[plan.id])
            .await?
            .into_iter()
            .map(|c| c.competency_id)
            .collect(),
        rounds: (0..)
            .zip(&rounds)
            .map(|(position, r)| {
                let id = Uuid::now_v7();
                TemplateRound {
                    round: template_round::Model {
                        id,
                        template_id: template.id,
                        position,
                        kind: r.kind,
                        title: r.title.clone(),
                        duration_minutes: r.duration_minutes,
                    },
                    focus_competency_ids: round_competencies
                        .iter()
                        .filter(|c| c.round_id == r.id)
                        .map(|c| c.competency_id)
                        .collect(),
                    questions: (0..)
                        .zip(questions.iter().filter(|q| q.round_id == r.id))
                        .map(|(position, q)| template_round_question::Model {
                            id: Uuid::now_v7(),
                            template_id: template.id,
                            template_round_id: id,
                            question_id: q.question_id,
                            position,
                            minutes: q.minutes,
                        })
                        .collect(),
                }
            })
            .collect(),
        template,
    };
    store(db, &contents).await?;
    Ok(contents)
}

/// Writes a new template and its contents in one transaction.
async fn store(db: &DatabaseConnection, contents: &TemplateContents) -> Result<()> {
    let template = &contents.template;
    let txn = crate::db::begin_write(db).await?;
    template
        .clone()
        .into_active_model()
        .reset_all()
        .insert(&txn)
        .await
        .map_err(conflict_on_unique(format!(
            "a template named \"{}\" already exists; choose another name",
            template.name
        )))?;
    let links: Vec<_> = contents
        .focus_competency_ids
        .iter()
        .map(|&competency_id| template_competency::ActiveModel {
            template_id: Set(template.id),
            competency_id: Set(competency_id),
        })
        .collect();
    if !links.is_empty() {
        template_competency::Entity::insert_many(links)
            .exec(&txn)
            .await?;
    }
    let rounds = &contents.rounds;
    if !rounds.is_empty() {
        template_round::Entity::insert_many(
            rounds
                .iter()
                .map(|r| r.round.clone().into_active_model().reset_all()),
        )
        .exec(&txn)
        .await?;
    }
    let links: Vec<_> = rounds
        .iter()
        .flat_map(|r| {
            r.focus_competency_ids.iter().map(|&competency_id| {
                template_round_competency::ActiveModel {
                    template_round_id: Set(r.round.id),
                    competency_id: Set(competency_id),
                }
            })
        })
        .collect();
    if !links.is_empty() {
        template_round_competency::Entity::insert_many(links)
            .exec(&txn)
            .await?;
    }
    let questions: Vec<_> = rounds
        .iter()
        .flat_map(|r| &r.questions)
        .map(|q| q.clone().into_active_model().reset_all())
        .collect();
    if !questions.is_empty() {
        template_round_question::Entity::insert_many(questions)
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Every template of the actor's organization, by name.
pub async fn templates<C: ConnectionTrait>(db: &C, actor: &Actor) -> Result<Vec<TemplateContents>> {
    let found = plan_template::Entity::find()
        .filter(plan_template::Column::OrganizationId.eq(actor.organization_id))
        .order_by_asc(plan_template::Column::Name)
        .all(db)
        .await?;
    contents_of(db, found).await
}

/// One template of the actor's organization.
pub async fn template<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
) -> Result<TemplateContents> {
    let found = plan_template::Entity::find_by_id(id).one(db).await?;
    let template = actor.own(found, |t| t.organization_id, "plan template")?;
    contents_of(db, vec![template])
        .await?
        .pop()
        .ok_or(Error::NotFound {
            entity: "plan template",
        })
}

/// The contents of `templates`, in four queries whatever their number.
async fn contents_of<C: ConnectionTrait>(
    db: &C,
    templates: Vec<plan_template::Model>,
) -> Result<Vec<TemplateContents>> {
    if templates.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = templates.iter().map(|t| t.id).collect();
    let competencies = template_competency::Entity::find()
        .filter(template_competency::Column::TemplateId.is_in(ids.clone()))
        .all(db)
        .await?;
    let rounds = template_round::Entity::find()
        .filter(template_round::Column::TemplateId.is_in(ids.clone()))
        .order_by_asc(template_round::Column::Position)
        .all(db)
        .await?;
    let round_competencies = template_round_competency::Entity::find()
        .filter(
            template_round_competency::Column::TemplateRoundId
                .is_in(rounds.iter().map(|r| r.id).collect::<Vec<_>>()),
        )
        .all(db)
        .await?;
    let questions = template_round_question::Entity::find()
        .filter(template_round_question::Column::TemplateId.is_in(ids))
        .order_by_asc(template_round_question::Column::Position)
        .all(db)
        .await?;
    Ok(templates
        .into_iter()
        .map(|template| TemplateContents {
            focus_competency_ids: competencies
                .iter()
                .filter(|c| c.template_id == template.id)
                .map(|c| c.competency_id)
                .collect(),
            rounds: rounds
                .iter()
                .filter(|r| r.template_id == template.id)
                .map(|r| TemplateRound {
                    round: r.clone(),
                    focus_competency_ids: round_competencies
                        .iter()
                        .filter(|c| c.template_round_id == r.id)
                        .map(|c| c.competency_id)
                        .collect(),
                    questions: questions
                        .iter()
                        .filter(|q| q.template_round_id == r.id)
                        .cloned()
                        .collect(),
                })
                .collect(),
            template,
        })
        .collect())
}

/// Creates a draft plan for a candidate from a template of the actor's
/// organization: its rounds, kinds, time boxes, focus competencies and
/// questions (pinned to their current versions; retired ones left out).
/// Interviewers are assigned afterwards.
pub async fn create_from_template(
    db: &DatabaseConnection,
    actor: &Actor,
    input: FromTemplateInput,
) -> Result<interview_plan::Model> {
    actor.require(Permission::ManagePlans)?;
    let found = candidate::Entity::find_by_id(input.candidate_id)
        .one(db)
        .await?;
    let candidate = actor.own(found, |c| c.organization_id, "candidate")?;
    let contents = template(db, actor, input.template_id).await?;
    let known = known_competencies(db, actor, &input.focus_competency_ids).await?;
    validate! {
        let title = Text::parse(
            "title",
            input.title.as_deref().unwrap_or(&contents.template.name),
            200,
        );
        let extra = check_known("focusCompetencyIds", &input.focus_competency_ids, &known, "competency");
    }
    let question_ids: Vec<Uuid> = contents
        .rounds
        .iter()
        .flat_map(|r| r.questions.iter().map(|q| q.question_id))
        .collect();
    let current: HashMap<Uuid, Uuid> = question::Entity::find()
        .filter(question::Column::OrganizationId.eq(actor.organization_id))
        .filter(question::Column::Id.is_in(question_ids))
        .filter(question::Column::Status.eq(QuestionStatus::Active))
        .all(db)
        .await?
        .into_iter()
        .map(|q| (q.id, q.current_version_id))
        .collect();
    let now = Utc::now();
    let plan = interview_plan::Model {
        id: Uuid::now_v7(),
        organization_id: actor.organization_id,
        candidate_id: candidate.id,
        title: title.into_inner(),
        status: PlanStatus::Draft,
        created_at: now,
        updated_at: now,
        published_at: None,
    };
    let mut focus: Vec<Uuid> = contents.focus_competency_ids.clone();
    let mut seen: HashSet<Uuid> = focus.iter().copied().collect();
    focus.extend(extra.into_iter().filter(|id| seen.insert(*id)));
    let rounds: Vec<(Uuid, &TemplateRound)> = contents
        .rounds
        .iter()
        .map(|r| (Uuid::now_v7(), r))
        .collect();

    let txn = crate::db::begin_write(db).await?;
    let created = plan.into_active_model().reset_all().insert(&txn).await?;
    if !focus.is_empty() {
        plan_competency::Entity::insert_many(focus.into_iter().map(|competency_id| {
            plan_competency::ActiveModel {
                plan_id: Set(created.id),
                competency_id: Set(competency_id),
            }
        }))
        .exec(&txn)
        .await?;
    }
    if !rounds.is_empty() {
        round::Entity::insert_many(rounds.iter().map(|(id, r)| round::ActiveModel {
            id: Set(*id),
            plan_id: Set(created.id),
            position: Set(r.round.position),
            kind: Set(r.round.kind),
            title: Set(r.round.title.clone()),
            duration_minutes: Set(r.round.duration_minutes),
            scheduled_at: Set(None),
            created_at: Set(now),
            ends_at: Set(None),
            feedback_due_at: Set(None),
        }))
        .exec(&txn)
        .await?;
    }
    let links: Vec<_> = rounds
        .iter()
        .flat_map(|(id, r)| {
            r.focus_competency_ids
                .iter()
                .map(|&competency_id| round_competency::ActiveModel {
                    round_id: Set(*id),
                    competency_id: Set(competency_id),
                })
        })
        .collect();
    if !links.is_empty() {
        round_competency::Entity::insert_many(links)
            .exec(&txn)
            .await?;
    }
    let questions: Vec<_> = rounds
        .iter()
        .flat_map(|(id, r)| {
            let kept = r.questions.iter().filter_map(|q| {
                current
                    .get(&q.question_id)
                    .map(|version_id| (q, *version_id))
            });
            (0..)
                .zip(kept)
                .map(|(position, (q, version_id))| round_question::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    round_id: Set(*id),
                    plan_id: Set(created.id),
                    question_id: Set(q.question_id),
                    question_version_id: Set(version_id),
                    position: Set(position),
                    minutes: Set(q.minutes),
                })
        })
        .collect();
    if !questions.is_empty() {
        round_question::Entity::insert_many(questions)
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(created)
}
