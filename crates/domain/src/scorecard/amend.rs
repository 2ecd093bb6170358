//! Amending submitted scorecards (docs/domain.md §2): a submitted scorecard
//! never changes in place; its author amends it, keeping what it replaces.
//!
//! The scorecard always shows its latest content; each amendment first keeps
//! the content it replaces in `scorecard_revisions`, numbered, with who
//! amended it, when and why.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::read::{get, visible};
use super::write::{RoundContents, ScorecardInput, replace_ratings, round_contents, validate};
use crate::actor::Actor;
use crate::entity::{
    scorecard, scorecard_competency_rating, scorecard_question_rating, scorecard_revision,
};
use crate::error::{Error, Result, conflict_on_unique};
use crate::event::{self, EventType};
use crate::rollup::{Scope, Snapshot};
use crate::types::{PlanStatus, ScorecardStatus, Text};

/// Longest reason for an amendment accepted.
pub const REASON_MAX: usize = 2_000;

/// Plan states in which submitted scorecards may be amended: while the plan
/// runs, and after its last round, when late corrections still matter.
const AMENDABLE: &[PlanStatus] = &[PlanStatus::Published, PlanStatus::Completed];

/// A question rating as it stood in a replaced revision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevisedQuestionRating {
    /// The round's question row it rated.
    pub round_question_id: Uuid,
    /// The bank question.
    pub question_id: Uuid,
    /// 1 to 4.
    pub rating: i16,
    /// What the candidate said.
    pub notes: String,
}

/// A focus-competency rating as it stood in a replaced revision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevisedCompetencyRating {
    /// The competency.
    pub competency_id: Uuid,
    /// 1 to 4.
    pub rating: i16,
}

/// Amends the actor's submitted scorecard for a round: the new content must
/// be complete, exactly as when submitting, and `reason` says why. The
/// replaced content is kept as a revision; the scorecard's revision number
/// goes up by one and its submission time stays the original one.
pub async fn amend(
    db: &DatabaseConnection,
    actor: &Actor,
    round_id: Uuid,
    input: ScorecardInput,
    reason: String,
) -> Result<scorecard::Model> {
    let contents = round_contents(db, actor, round_id, AMENDABLE, "scorecards are amended").await?;
    let card = submitted_card(db, actor, &contents).await?;
    // Every problem at once: the content's and the reason's.
    let (valid, reason) = match (
        validate(&contents, &input, true),
        Text::parse("reason", &reason, REASON_MAX),
    ) {
        (Ok(valid), Ok(reason)) => (valid, reason),
        (Err(Error::Invalid(mut problems)), reason) => {
            problems.extend(reason.err());
            return Err(Error::Invalid(problems));
        }
        (Err(other), _) => return Err(other),
        (Ok(_), Err(problem)) => return Err(problem.into()),
    };
    let txn = crate::db::begin_write(db).await?;
    let scope = Scope::Scorecard {
        round_id: contents.round.id,
        interviewer_id: actor.user_id,
    };
    let rollups = Snapshot::take(&txn, actor.organization_id, scope).await?;
    let now = Utc::now();
    // Claiming the next revision number first makes a concurrent amendment
    // of the same revision fail here, before anything else is written.
    let claimed = scorecard::Entity::update_many()
        .set(scorecard::ActiveModel {
            recommendation: Set(valid.recommendation),
            summary: Set(valid.summary.clone()),
            revision: Set(card.revision + 1),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(scorecard::Column::Id.eq(card.id))
        .filter(scorecard::Column::Status.eq(ScorecardStatus::Submitted))
        .filter(scorecard::Column::Revision.eq(card.revision))
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(Error::Conflict(format!(
            "revision {} of this scorecard was amended by someone else meanwhile; reload it and amend again",
            card.revision
        )));
    }
    keep_revision(&txn, actor, &contents, &card, reason.into_inner(), now).await?;
    replace_ratings(&txn, card.id, &valid).await?;
    rollups.settle(&txn).await?;
    let amended = scorecard::Entity::find_by_id(card.id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound {
            entity: "scorecard",
        })?;
    super::write::record_event(&txn, actor, EventType::ScorecardAmended, &amended).await?;
    event::commit(txn).await?;
    Ok(amended)
}

/// The actor's submitted scorecard for the round; a draft or none at all is
/// a conflict (amending is for what was submitted).
async fn submitted_card(
    db: &DatabaseConnection,
    actor: &Actor,
    contents: &RoundContents,
) -> Result<scorecard::Model> {
    let card = scorecard::Entity::find()
        .filter(scorecard::Column::RoundId.eq(contents.round.id))
        .filter(scorecard::Column::InterviewerId.eq(actor.user_id))
        .one(db)
        .await?;
    match card {
        Some(card) if card.status == ScorecardStatus::Submitted => Ok(card),
        _ => Err(Error::Conflict(
            "your scorecard for this round is not submitted: submit it first; only submitted scorecards are amended"
                .into(),
        )),
    }
}

/// Writes `card`'s current content (as of its revision number) into
/// `scorecard_revisions`.
async fn keep_revision<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    contents: &RoundContents,
    card: &scorecard::Model,
    reason: String,
    now: DateTime<Utc>,
) -> Result<()> {
    let question_ratings = scorecard_question_rating::Entity::find()
        .filter(scorecard_question_rating::Column::ScorecardId.eq(card.id))
        .all(db)
        .await?;
    let question_ratings: Vec<RevisedQuestionRating> = contents
        .questions
        .iter()
        .filter_map(|q| {
            let rated = question_ratings
                .iter()
                .find(|r| r.round_question_id == q.id)?;
            Some(RevisedQuestionRating {
                round_question_id: q.id,
                question_id: q.question_id,
                rating: rated.rating,
                notes: rated.notes.clone(),
            })
        })
        .collect();
    let competency_ratings = scorecard_competency_rating::Entity::find()
        .filter(scorecard_competency_rating::Column::ScorecardId.eq(card.id))
        .all(db)
        .await?;
    let competency_ratings: Vec<RevisedCompetencyRating> = contents
        .competencies
        .iter()
        .filter_map(|id| {
            let rated = competency_ratings.iter().find(|r| r.competency_id == *id)?;
            Some(RevisedCompetencyRating {
                competency_id: *id,
                rating: rated.rating,
            })
        })
        .collect();
    // Revision 1 was submitted with the scorecard; each later one when the
    // amendment that made it was saved.
    let submitted_at = match card.submitted_at {
        Some(at) if card.revision <= 1 => at,
        _ => card.updated_at,
    };
    scorecard_revision::ActiveModel {
        id: Set(Uuid::now_v7()),
        scorecard_id: Set(card.id),
        revision: Set(card.revision),
        recommendation: Set(card.recommendation),
        summary: Set(card.summary.clone()),
        question_ratings: Set(snapshot(card, &question_ratings)?),
        competency_ratings: Set(snapshot(card, &competency_ratings)?),
        reason: Set(reason),
        amended_by: Set(actor.user_id),
        amended_at: Set(now),
        submitted_at: Set(submitted_at),
    }
    .insert(db)
    .await
    .map_err(conflict_on_unique(format!(
        "revision {} of this scorecard was amended by someone else meanwhile; reload it and amend again",
        card.revision
    )))?;
    Ok(())
}

fn snapshot<T: Serialize>(card: &scorecard::Model, ratings: &[T]) -> Result<serde_json::Value> {
    serde_json::to_value(ratings).map_err(|err| {
        Error::Internal(format!(
            "cannot record revision {} of scorecard {}: {err}",
            card.revision, card.id
        ))
    })
}

/// The replaced revisions of a scorecard, oldest first, for whoever may see
/// the scorecard; a hidden scorecard is `NotFound`.
pub async fn revisions<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    scorecard_id: Uuid,
) -> Result<Vec<scorecard_revision::Model>> {
    let card = get(db, actor, scorecard_id).await?;
    Ok(scorecard_revision::Entity::find()
        .filter(scorecard_revision::Column::ScorecardId.eq(card.id))
        .order_by_asc(scorecard_revision::Column::Revision)
        .all(db)
        .await?)
}

/// The replaced revisions of those of the given scorecards the actor may
/// see (what [`revisions`] reads, for many scorecards at once), oldest first.
pub async fn revisions_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    scorecard_ids: &[Uuid],
) -> Result<Vec<scorecard_revision::Model>> {
    let cards = scorecard::Entity::find()
        .filter(scorecard::Column::OrganizationId.eq(actor.organization_id))
        .filter(scorecard::Column::Id.is_in(scorecard_ids.to_vec()))
        .all(db)
        .await?;
    let seen: Vec<Uuid> = visible(db, actor, cards)
        .await?
        .into_iter()
        .map(|card| card.id)
        .collect();
    if seen.is_empty() {
        return Ok(Vec::new());
    }
    Ok(scorecard_revision::Entity::find()
        .filter(scorecard_revision::Column::ScorecardId.is_in(seen))
        .order_by_asc(scorecard_revision::Column::ScorecardId)
        .order_by_asc(scorecard_revision::Column::Revision)
        .all(db)
        .await?)
}

/// The question ratings a revision recorded, in round order.
pub fn revised_question_ratings(
    revision: &scorecard_revision::Model,
) -> Result<Vec<RevisedQuestionRating>> {
    read_snapshot(revision, &revision.question_ratings)
}

/// The competency ratings a revision recorded.
pub fn revised_competency_ratings(
    revision: &scorecard_revision::Model,
) -> Result<Vec<RevisedCompetencyRating>> {
    read_snapshot(revision, &revision.competency_ratings)
}

fn read_snapshot<T: for<'de> Deserialize<'de>>(
    revision: &scorecard_revision::Model,
    value: &serde_json::Value,
) -> Result<Vec<T>> {
    Vec::<T>::deserialize(value).map_err(|err| {
        Error::Internal(format!(
            "revision {} of scorecard {} has unreadable ratings: {err}",
            revision.revision, revision.scorecard_id
        ))
    })
}
