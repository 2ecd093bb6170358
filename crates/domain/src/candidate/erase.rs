//! Candidates' personal data: erasure on request or by the organization's
//! retention rule, and the export a subject-access request asks for.
//!
//! Erasure replaces everything that identifies the person or was written
//! about them (name, email, scorecard summaries and notes, amendment
//! reasons) with a tombstone, in one transaction, and records who erased
//! and why. The ratings, recommendations, stages and dates stay, so every
//! report shows the same figures before and after.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::actor::{Actor, Permission};
use crate::entity::{
    candidate, candidate_erasure, candidate_stage_change, organization, scorecard,
    scorecard_question_rating, scorecard_revision,
};
use crate::error::{Error, Result};
use crate::event::{self, EventType, NewEvent};
use crate::types::{Stage, Text};

/// What an erased candidate is called from then on.
pub const ERASED_NAME: &str = "Erased candidate";
/// What replaces free text written about an erased candidate.
pub const ERASED_TEXT: &str = "[erased]";

/// Erases a candidate's personal data (hiring managers and administrators),
/// keeping the de-identified ratings. Refused when already erased.
pub async fn erase(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    reason: &str,
) -> Result<candidate::Model> {
    actor.require(Permission::ManageCandidates)?;
    let reason = Text::parse("reason", reason, 1000)?;
    let txn = crate::db::begin_write(db).await?;
    let current = locked(&txn, id).await?;
    let current = actor.own(current, |c| c.organization_id, "candidate")?;
    let erased = erase_in(&txn, &current, Some(actor.user_id), reason.as_str()).await?;
    event::commit(txn).await?;
    Ok(erased)
}

/// The erasure itself, inside the caller's transaction.
async fn erase_in<C: ConnectionTrait>(
    db: &C,
    current: &candidate::Model,
    by: Option<Uuid>,
    reason: &str,
) -> Result<candidate::Model> {
    if let Some(at) = current.erased_at {
        return Err(Error::Conflict(format!(
            "this candidate's personal data was already erased on {}",
            at.format("%Y-%m-%d")
        )));
    }
    let now = Utc::now();
    let mut active: candidate::ActiveModel = current.clone().into();
    active.name = Set(ERASED_NAME.to_owned());
    active.email = Set(format!("erased-{}@erased.invalid", current.id.simple()));
    active.erased_at = Set(Some(now));
    active.updated_at = Set(now);
    let erased = active.update(db).await?;

    let cards: Vec<Uuid> = scorecard::Entity::find()
        .filter(scorecard::Column::CandidateId.eq(current.id))
        .all(db)
        .await?
        .into_iter()
        .map(|card| card.id)
        .collect();
    if !cards.is_empty() {
        scorecard::Entity::update_many()
            .col_expr(scorecard::Column::Summary, Expr::value(ERASED_TEXT))
            .filter(scorecard::Column::Id.is_in(cards.clone()))
            .exec(db)
            .await?;
        scorecard_question_rating::Entity::update_many()
            .col_expr(
                scorecard_question_rating::Column::Notes,
                Expr::value(ERASED_TEXT),
            )
            .filter(scorecard_question_rating::Column::ScorecardId.is_in(cards.clone()))
            .exec(db)
            .await?;
        let revisions = scorecard_revision::Entity::find()
            .filter(scorecard_revision::Column::ScorecardId.is_in(cards))
            .all(db)
            .await?;
        for revision in revisions {
            let mut ratings = revision.question_ratings.clone();
            erase_notes(&mut ratings);
            let mut active: scorecard_revision::ActiveModel = revision.into();
            active.summary = Set(ERASED_TEXT.to_owned());
            active.reason = Set(ERASED_TEXT.to_owned());
            active.question_ratings = Set(ratings);
            active.update(db).await?;
        }
    }
    candidate_erasure::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(current.organization_id),
        candidate_id: Set(current.id),
        erased_by: Set(by),
        reason: Set(reason.to_owned()),
        erased_at: Set(now),
    }
    .insert(db)
    .await?;
    let data = json!({"candidateId": current.id, "retention": by.is_none()});
    let event =
        NewEvent::new(EventType::CandidateErased, current.id, data).about_candidate(current.id);
    event::record(db, current.organization_id, by, event).await?;
    Ok(erased)
}

/// The candidate `id`, locked for the rest of the transaction on
/// PostgreSQL (two erasures of one candidate wait for each other; SQLite's
/// write lock already serializes them).
async fn locked<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<candidate::Model>> {
    let query = candidate::Entity::find_by_id(id);
    let query = if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        sea_orm::QuerySelect::lock_exclusive(query)
    } else {
        query
    };
    Ok(query.one(db).await?)
}

/// Replaces every `notes` of a JSON document with the tombstone.
fn erase_notes(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(erase_notes),
        Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                if key == "notes" {
                    *field = Value::String(ERASED_TEXT.to_owned());
                } else {
                    erase_notes(field);
                }
            }
        }
        _ => {}
    }
}

/// Everything held about a candidate, as one JSON document (hiring
/// managers and administrators), for a subject-access request: the
/// candidate, every stage entered, the plans with their rounds and pinned
/// questions, every scorecard with its ratings, notes and revisions, and
/// the erasure record if there is one.
pub async fn export(db: &DatabaseConnection, actor: &Actor, id: Uuid) -> Result<Value> {
    actor.require(Permission::ManageCandidates)?;
    let found = super::get(db, actor, id).await?;
    let history = super::stage_history_of(db, actor, &[id]).await?;
    let plans = crate::plan::of_candidates(db, actor, &[id]).await?;
    let plan_ids: Vec<Uuid> = plans.iter().map(|p| p.id).collect();
    let rounds = crate::plan::rounds_of(db, actor, &plan_ids).await?;
    let round_ids: Vec<Uuid> = rounds.iter().map(|r| r.id).collect();
    let questions = crate::plan::questions_of(db, actor, &round_ids).await?;
    let version_ids: Vec<Uuid> = questions.iter().map(|q| q.question_version_id).collect();
    let versions = crate::question::versions_by_ids(db, actor, &version_ids).await?;
    let cards = crate::scorecard::visible_for_candidates(db, actor, &[id]).await?;
    let card_ids: Vec<Uuid> = cards.iter().map(|c| c.id).collect();
    let ratings = crate::scorecard::question_ratings_of(db, actor, &card_ids).await?;
    let competency_ratings = crate::scorecard::competency_ratings_of(db, actor, &card_ids).await?;
    let revisions = crate::scorecard::revisions_of(db, actor, &card_ids).await?;
    let erasure = candidate_erasure::Entity::find()
        .filter(candidate_erasure::Column::CandidateId.eq(id))
        .filter(candidate_erasure::Column::OrganizationId.eq(actor.organization_id))
        .one(db)
        .await?;
    let prompt = |version: Uuid| {
        versions
            .iter()
            .find(|v| v.id == version)
            .map(|v| v.prompt.clone())
    };
    Ok(json!({
        "exportedAt": Utc::now(),
        "candidate": {
            "id": found.id,
            "name": found.name,
            "email": found.email,
            "positionTitle": found.position_title,
            "targetLevel": found.target_level.as_str(),
            "stage": found.stage.as_str(),
            "createdAt": found.created_at,
            "updatedAt": found.updated_at,
            "erasedAt": found.erased_at,
        },
        "stageHistory": history.iter().map(|c| json!({
            "from": c.from_stage.map(Stage::as_str),
            "to": c.to_stage.as_str(),
            "changedAt": c.changed_at,
            "changedBy": c.changed_by,
        })).collect::<Vec<_>>(),
        "plans": plans.iter().map(|plan| json!({
            "id": plan.id,
            "title": plan.title,
            "status": plan.status.as_str(),
            "rounds": rounds.iter().filter(|r| r.plan_id == plan.id).map(|round| json!({
                "id": round.id,
                "kind": round.kind.as_str(),
                "title": round.title,
                "scheduledAt": round.scheduled_at,
                "questions": questions.iter().filter(|q| q.round_id == round.id).map(|q| json!({
                    "questionId": q.question_id,
                    "prompt": prompt(q.question_version_id),
                    "minutes": q.minutes,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "scorecards": cards.iter().map(|card| json!({
            "id": card.id,
            "roundId": card.round_id,
            "interviewerId": card.interviewer_id,
            "status": card.status.as_str(),
            "recommendation": card.recommendation.map(|r| r.as_str()),
            "summary": card.summary,
            "submittedAt": card.submitted_at,
            "questionRatings": ratings.iter().map(|r| &r.rating).filter(|r| r.scorecard_id == card.id).map(|r| json!({
                "roundQuestionId": r.round_question_id,
                "rating": r.rating,
                "notes": r.notes,
            })).collect::<Vec<_>>(),
            "competencyRatings": competency_ratings.iter().filter(|r| r.scorecard_id == card.id).map(|r| json!({
                "competencyId": r.competency_id,
                "rating": r.rating,
            })).collect::<Vec<_>>(),
            "revisions": revisions.iter().filter(|r| r.scorecard_id == card.id).map(|r| json!({
                "revision": r.revision,
                "recommendation": r.recommendation.map(|x| x.as_str()),
                "summary": r.summary,
                "questionRatings": r.question_ratings,
                "competencyRatings": r.competency_ratings,
                "reason": r.reason,
                "amendedAt": r.amended_at,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "erasure": erasure.map(|e| json!({
            "erasedAt": e.erased_at,
            "erasedBy": e.erased_by,
            "reason": e.reason,
        })),
    }))
}

/// A candidate the retention rule erases (or would erase).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    /// The organization.
    pub organization_id: Uuid,
    /// The candidate (with its data as it is before erasure).
    pub candidate: candidate::Model,
    /// When it entered the stage that closed it.
    pub closed_at: DateTime<Utc>,
}

/// The candidates every organization's retention rule erases at `now`:
/// those closed as REJECTED or WITHDRAWN more than the organization's
/// `retention_days` ago, not erased yet. Oldest closed first.
pub async fn due_for_retention<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> Result<Vec<Due>> {
    let organizations = organization::Entity::find()
        .filter(organization::Column::RetentionDays.is_not_null())
        .all(db)
        .await?;
    let mut due = Vec::new();
    for organization in organizations {
        let Some(days) = organization.retention_days else {
            continue;
        };
        let horizon = now - Duration::days(i64::from(days));
        let closed = candidate::Entity::find()
            .filter(candidate::Column::OrganizationId.eq(organization.id))
            .filter(candidate::Column::Stage.is_in([Stage::Rejected, Stage::Withdrawn]))
            .filter(candidate::Column::ErasedAt.is_null())
            .order_by_asc(candidate::Column::Id)
            .all(db)
            .await?;
        if closed.is_empty() {
            continue;
        }
        let ids: Vec<Uuid> = closed.iter().map(|c| c.id).collect();
        let changes = candidate_stage_change::Entity::find()
            .filter(candidate_stage_change::Column::CandidateId.is_in(ids))
            .filter(
                candidate_stage_change::Column::ToStage.is_in([Stage::Rejected, Stage::Withdrawn]),
            )
            .all(db)
            .await?;
        for candidate in closed {
            let closed_at = changes
                .iter()
                .filter(|c| c.candidate_id == candidate.id && c.to_stage == candidate.stage)
                .map(|c| c.changed_at)
                .max()
                .unwrap_or(candidate.updated_at);
            if closed_at < horizon {
                due.push(Due {
                    organization_id: organization.id,
                    candidate,
                    closed_at,
                });
            }
        }
    }
    due.sort_by_key(|d| d.closed_at);
    Ok(due)
}

/// Erases every candidate due under the retention rule at `now`, each in
/// its own transaction; returns those erased.
pub async fn apply_retention(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Vec<Due>> {
    let due = due_for_retention(db, now).await?;
    let mut erased = Vec::with_capacity(due.len());
    for item in due {
        let txn = crate::db::begin_write(db).await?;
        // Read again under the lock: someone may have erased it meanwhile.
        let Some(current) = locked(&txn, item.candidate.id).await? else {
            continue;
        };
        if current.erased_at.is_some() {
            continue;
        }
        erase_in(&txn, &current, None, "retention rule of the organization").await?;
        event::commit(txn).await?;
        erased.push(item);
    }
    Ok(erased)
}
