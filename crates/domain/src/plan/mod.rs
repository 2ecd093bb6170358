//! Interview plans: a candidate's ordered rounds of questions, with
//! interviewers and focus competencies, checked before publishing.
//!
//! Only drafts are edited; publishing runs every check of docs/domain.md §2 and
//! reports all problems together.

mod autofill;
mod lifecycle;
mod listing;
mod publish;
mod questions;
mod rounds;
mod template;

pub use autofill::{AutofillOptions, Eligible, autofill, default_categories, default_levels, pick};
pub use lifecycle::{cancel, complete};
pub use listing::{OwnedRounds, PinnedQuestion, PinnedText, pinned_questions};
pub use publish::{PlanSnapshot, RoundSnapshot, SnapshotQuestion, publish, publish_problems};
pub use questions::{add_question, remove_question, reorder_questions};
pub use rounds::{RoundInput, TraineeSeat, add_round, remove_round, reorder_rounds, update_round};
pub use template::{
    FromTemplateInput, TEMPLATE_NAME_MAX, TemplateContents, TemplateRound, create_from_template,
    save_as_template, template, templates,
};

use std::collections::HashSet;

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use crate::actor::{Actor, Permission};
use crate::entity::{
    candidate, competency, interview_plan, plan_competency, question, question_version, round,
    round_competency, round_interviewer, round_question,
};
use crate::error::{Error, Problem, Result};
use crate::owned;
use crate::query::{prefixed, prefixed_required, select_prefixed};
use crate::types::{PlanStatus, Text};
use crate::validate;

/// What a new plan needs.
#[derive(Clone, Debug)]
pub struct PlanInput {
    /// The candidate the plan is for.
    pub candidate_id: Uuid,
    /// A title such as "Senior backend loop".
    pub title: String,
    /// Competencies the plan as a whole must cover through its rounds.
    pub focus_competency_ids: Vec<Uuid>,
}

/// Creates a draft plan for a candidate of the actor's organization.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: PlanInput,
) -> Result<interview_plan::Model> {
    actor.require(Permission::ManagePlans)?;
    let found = candidate::Entity::find_by_id(input.candidate_id)
        .one(db)
        .await?;
    let candidate = actor.own(found, |c| c.organization_id, "candidate")?;
    validate! {
        let title = Text::parse("title", &input.title, 200);
        let competencies = check_known(
            "focusCompetencyIds",
            &input.focus_competency_ids,
            &known_competencies(db, actor, &input.focus_competency_ids).await?,
            "competency",
        );
    }
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let plan = interview_plan::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(actor.organization_id),
        candidate_id: Set(candidate.id),
        title: Set(title.into_inner()),
        status: Set(PlanStatus::Draft),
        created_at: Set(now),
        updated_at: Set(now),
        published_at: Set(None),
    }
    .insert(&txn)
    .await?;
    if !competencies.is_empty() {
        plan_competency::Entity::insert_many(competencies.into_iter().map(|competency_id| {
            plan_competency::ActiveModel {
                plan_id: Set(plan.id),
                competency_id: Set(competency_id),
            }
        }))
        .exec(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(plan)
}

/// A plan of the actor's organization.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
) -> Result<interview_plan::Model> {
    let found = interview_plan::Entity::find_by_id(id).one(db).await?;
    actor.own(found, |p| p.organization_id, "interview plan")
}

/// Plans of the given candidates (of the actor's organization), oldest first.
pub async fn of_candidates<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    candidate_ids: &[Uuid],
) -> Result<Vec<interview_plan::Model>> {
    Ok(interview_plan::Entity::find()
        .filter(interview_plan::Column::OrganizationId.eq(actor.organization_id))
        .filter(interview_plan::Column::CandidateId.is_in(candidate_ids.to_vec()))
        .order_by_asc(interview_plan::Column::Id)
        .all(db)
        .await?)
}

/// Plans of the actor's organization with the given ids.
pub async fn by_ids<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<Vec<interview_plan::Model>> {
    crate::query::owned_by_ids::<_, interview_plan::Entity>(
        db,
        actor,
        ids,
        interview_plan::Column::Id,
        interview_plan::Column::OrganizationId,
    )
    .await
}

/// Rounds with the given ids, of plans of the actor's organization.
pub async fn rounds_by_ids<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<Vec<round::Model>> {
    Ok(round::Entity::find()
        .filter(round::Column::Id.in_subquery(owned::rounds(actor, ids)))
        .all(db)
        .await?)
}

/// Rounds of the given plans (of the actor's organization), in plan order
/// then position.
pub async fn rounds_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    plan_ids: &[Uuid],
) -> Result<Vec<round::Model>> {
    Ok(round::Entity::find()
        .filter(round::Column::PlanId.in_subquery(owned::plans(actor, plan_ids)))
        .order_by_asc(round::Column::PlanId)
        .order_by_asc(round::Column::Position)
        .all(db)
        .await?)
}

/// Questions of the given rounds (of the actor's organization), in round
/// order then position.
pub async fn questions_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    round_ids: &[Uuid],
) -> Result<Vec<round_question::Model>> {
    Ok(round_question::Entity::find()
        .filter(round_question::Column::RoundId.in_subquery(owned::rounds(actor, round_ids)))
        .order_by_asc(round_question::Column::RoundId)
        .order_by_asc(round_question::Column::Position)
        .all(db)
        .await?)
}

/// Plans of the given candidates (of the actor's organization), oldest
/// first, each with its rounds in order: one statement, for readers that
/// show both.
pub async fn of_candidates_with_rounds<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    candidate_ids: &[Uuid],
) -> Result<Vec<(interview_plan::Model, Vec<round::Model>)>> {
    let mut query = Query::select();
    select_prefixed::<interview_plan::Entity>(&mut query, "p_");
    select_prefixed::<round::Entity>(&mut query, "r_");
    query
        .from(interview_plan::Entity)
        .left_join(
            round::Entity,
            Expr::col((round::Entity, round::Column::PlanId))
                .equals((interview_plan::Entity, interview_plan::Column::Id)),
        )
        .and_where(
            Expr::col((
                interview_plan::Entity,
                interview_plan::Column::OrganizationId,
            ))
            .eq(actor.organization_id),
        )
        .and_where(
            Expr::col((interview_plan::Entity, interview_plan::Column::CandidateId))
                .is_in(candidate_ids.iter().copied()),
        )
        .order_by(
            (interview_plan::Entity, interview_plan::Column::Id),
            Order::Asc,
        )
        .order_by((round::Entity, round::Column::Position), Order::Asc);
    let rows = db.query_all(&query).await?;
    let mut plans: Vec<(interview_plan::Model, Vec<round::Model>)> = Vec::new();
    for row in &rows {
        let id: Uuid = row.try_get("p_", "id")?;
        if plans.last().is_none_or(|(plan, _)| plan.id != id) {
            plans.push((
                prefixed_required::<interview_plan::Entity>(row, "p_")?,
                Vec::new(),
            ));
        }
        if let (Some(round), Some((_, rounds))) =
            (prefixed::<round::Entity>(row, "r_")?, plans.last_mut())
        {
            rounds.push(round);
        }
    }
    Ok(plans)
}

/// Questions of the given rounds (of the actor's organization), in round
/// order then position, each with the version it pins: one statement.
pub async fn questions_with_versions<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    round_ids: &[Uuid],
) -> Result<Vec<(round_question::Model, question_version::Model)>> {
    let mut query = Query::select();
    select_prefixed::<round_question::Entity>(&mut query, "q_");
    select_prefixed::<question_version::Entity>(&mut query, "v_");
    // Joins rather than `IN (subquery)`: PostgreSQL then reaches each
    // round's plan by its key instead of hashing every plan of the
    // organization, which made this read grow with the organization.
    query
        .from(round_question::Entity)
        .inner_join(
            round::Entity,
            Expr::col((round::Entity, round::Column::Id))
                .equals((round_question::Entity, round_question::Column::RoundId)),
        )
        .inner_join(
            interview_plan::Entity,
            Expr::col((interview_plan::Entity, interview_plan::Column::Id))
                .equals((round::Entity, round::Column::PlanId)),
        )
        .inner_join(
            question_version::Entity,
            Expr::col((question_version::Entity, question_version::Column::Id)).equals((
                round_question::Entity,
                round_question::Column::QuestionVersionId,
            )),
        )
        .inner_join(
            question::Entity,
            Expr::col((question::Entity, question::Column::Id)).equals((
                question_version::Entity,
                question_version::Column::QuestionId,
            )),
        )
        .and_where(
            Expr::col((round_question::Entity, round_question::Column::RoundId))
                .is_in(round_ids.iter().copied()),
        )
        .and_where(
            Expr::col((
                interview_plan::Entity,
                interview_plan::Column::OrganizationId,
            ))
            .eq(actor.organization_id),
        )
        .and_where(
            Expr::col((question::Entity, question::Column::OrganizationId))
                .eq(actor.organization_id),
        )
        .order_by(
            (round_question::Entity, round_question::Column::RoundId),
            Order::Asc,
        )
        .order_by(
            (round_question::Entity, round_question::Column::Position),
            Order::Asc,
        );
    let rows = db.query_all(&query).await?;
    rows.iter()
        .map(|row| {
            Ok((
                prefixed_required::<round_question::Entity>(row, "q_")?,
                prefixed_required::<question_version::Entity>(row, "v_")?,
            ))
        })
        .collect()
}

/// Interviewer assignments of the given rounds (of the actor's organization).
pub async fn interviewers_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    round_ids: &[Uuid],
) -> Result<Vec<round_interviewer::Model>> {
    Ok(round_interviewer::Entity::find()
        .filter(round_interviewer::Column::RoundId.in_subquery(owned::rounds(actor, round_ids)))
        .all(db)
        .await?)
}

/// Interview-limit overrides recorded on the given rounds (of the actor's
/// organization).
pub async fn limit_overrides_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    round_ids: &[Uuid],
) -> Result<Vec<crate::entity::limit_override::Model>> {
    use crate::entity::limit_override;
    Ok(limit_override::Entity::find()
        .filter(limit_override::Column::RoundId.in_subquery(owned::rounds(actor, round_ids)))
        .all(db)
        .await?)
}

/// Focus competencies of the given rounds (of the actor's organization).
pub async fn competencies_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    round_ids: &[Uuid],
) -> Result<Vec<round_competency::Model>> {
    Ok(round_competency::Entity::find()
        .filter(round_competency::Column::RoundId.in_subquery(owned::rounds(actor, round_ids)))
        .all(db)
        .await?)
}

/// Plan-level focus competencies of the given plans (of the actor's
/// organization).
pub async fn plan_competencies_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    plan_ids: &[Uuid],
) -> Result<Vec<plan_competency::Model>> {
    Ok(plan_competency::Entity::find()
        .filter(plan_competency::Column::PlanId.in_subquery(owned::plans(actor, plan_ids)))
        .all(db)
        .await?)
}

/// The plan a round belongs to, both of the actor's organization.
pub(crate) async fn round_and_plan<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    round_id: Uuid,
) -> Result<(round::Model, interview_plan::Model)> {
    let round = round::Entity::find_by_id(round_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound { entity: "round" })?;
    let plan = get(db, actor, round.plan_id)
        .await
        .map_err(|_| Error::NotFound { entity: "round" })?;
    Ok((round, plan))
}

/// `Ok` when the plan is still a draft; structure is frozen once published.
pub(crate) fn require_draft(plan: &interview_plan::Model) -> Result<()> {
    if plan.status == PlanStatus::Draft {
        Ok(())
    } else {
        Err(Error::Conflict(format!(
            "plan \"{}\" is {}; only DRAFT plans can be edited",
            plan.title, plan.status
        )))
    }
}

/// Users of the actor's organization among `ids` who may interview (any
/// role but viewer).
pub(crate) async fn known_interviewers<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<HashSet<Uuid>> {
    use crate::entity::user;
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::OrganizationId.eq(actor.organization_id))
        .filter(user::Column::Id.is_in(ids.to_vec()))
        .filter(user::Column::Role.ne(crate::types::Role::Viewer))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

/// Which of `ids` are competencies of the actor's organization.
pub(crate) async fn known_competencies<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<HashSet<Uuid>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(competency::Entity::find()
        .filter(competency::Column::OrganizationId.eq(actor.organization_id))
        .filter(competency::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect())
}

/// `ids` without repeats when every one is in `known`; otherwise a problem
/// per unknown id naming its position in `field` (`what` says what it should be).
pub(crate) fn check_known(
    field: &str,
    ids: &[Uuid],
    known: &HashSet<Uuid>,
    what: &str,
) -> Result<Vec<Uuid>, Vec<Problem>> {
    let problems: Vec<Problem> = ids
        .iter()
        .enumerate()
        .filter(|(_, id)| !known.contains(id))
        .map(|(i, _)| {
            Problem::new(
                format!("{field}[{i}]"),
                format!("no such {what} in your organization"),
            )
        })
        .collect();
    let mut unique = Vec::with_capacity(ids.len());
    for id in ids {
        if !unique.contains(id) {
            unique.push(*id);
        }
    }
    if problems.is_empty() {
        Ok(unique)
    } else {
        Err(problems)
    }
}

/// Rounds of published or completed plans that the actor interviews in,
/// soonest first (unscheduled last).
pub async fn rounds_assigned_to<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
) -> Result<Vec<round::Model>> {
    use sea_orm::QuerySelect;
    let assigned: Vec<Uuid> = round_interviewer::Entity::find()
        .filter(round_interviewer::Column::UserId.eq(actor.user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|link| link.round_id)
        .collect();
    if assigned.is_empty() {
        return Ok(Vec::new());
    }
    let rounds = round::Entity::find()
        .filter(round::Column::Id.is_in(assigned))
        .all(db)
        .await?;
    let plan_ids: Vec<Uuid> = rounds.iter().map(|r| r.plan_id).collect();
    let live: HashSet<Uuid> = interview_plan::Entity::find()
        .filter(interview_plan::Column::Id.is_in(plan_ids))
        .filter(interview_plan::Column::OrganizationId.eq(actor.organization_id))
        .filter(
            interview_plan::Column::Status.is_in([PlanStatus::Published, PlanStatus::Completed]),
        )
        .select_only()
        .column(interview_plan::Column::Id)
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut rounds: Vec<round::Model> = rounds
        .into_iter()
        .filter(|r| live.contains(&r.plan_id))
        .collect();
    rounds.sort_by_key(|r| (r.scheduled_at.is_none(), r.scheduled_at, r.position));
    Ok(rounds)
}
