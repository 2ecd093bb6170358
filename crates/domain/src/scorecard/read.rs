//! Reading scorecards under the blind-feedback rule.
//!
//! - Everyone sees their own scorecards, drafts included.
//! - Nobody sees another person's draft.
//! - Hiring managers, admins and viewers see every submitted scorecard.
//! - An interviewer sees colleagues' submitted scorecards for a candidate
//!   only after submitting their own for that candidate.

use std::collections::HashSet;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::actor::{Actor, Permission};
use crate::entity::{scorecard, scorecard_competency_rating, scorecard_question_rating};
use crate::error::{Error, Result};
use crate::owned;
use crate::types::ScorecardStatus;

/// Whether `actor` may see `card`, given the candidates for whom the actor
/// has submitted a scorecard of their own.
pub fn may_see(actor: &Actor, card: &scorecard::Model, submitted_for: &HashSet<Uuid>) -> bool {
    if card.organization_id != actor.organization_id {
        return false;
    }
    if card.interviewer_id == actor.user_id {
        return true;
    }
    if card.status != ScorecardStatus::Submitted {
        return false;
    }
    actor.role.allows(Permission::ReadAllScorecards) || submitted_for.contains(&card.candidate_id)
}

/// Candidates (among `candidate_ids`) for whom the actor has submitted a scorecard.
async fn submitted_for<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    candidate_ids: &[Uuid],
) -> Result<HashSet<Uuid>> {
    if actor.role.allows(Permission::ReadAllScorecards) {
        return Ok(HashSet::new());
    }
    Ok(scorecard::Entity::find()
        .filter(scorecard::Column::InterviewerId.eq(actor.user_id))
        .filter(scorecard::Column::Status.eq(ScorecardStatus::Submitted))
        .filter(scorecard::Column::CandidateId.is_in(candidate_ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|card| card.candidate_id)
        .collect())
}

/// The cards among `cards` that the actor may see.
pub(super) async fn visible<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    cards: Vec<scorecard::Model>,
) -> Result<Vec<scorecard::Model>> {
    let mut candidates: Vec<Uuid> = cards.iter().map(|c| c.candidate_id).collect();
    candidates.sort();
    candidates.dedup();
    let submitted = submitted_for(db, actor, &candidates).await?;
    Ok(cards
        .into_iter()
        .filter(|card| may_see(actor, card, &submitted))
        .collect())
}

/// The scorecards of the given candidates that the actor may see.
pub async fn visible_for_candidates<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    candidate_ids: &[Uuid],
) -> Result<Vec<scorecard::Model>> {
    let cards = scorecard::Entity::find()
        .filter(scorecard::Column::OrganizationId.eq(actor.organization_id))
        .filter(scorecard::Column::CandidateId.is_in(candidate_ids.to_vec()))
        .order_by_asc(scorecard::Column::Id)
        .all(db)
        .await?;
    visible(db, actor, cards).await
}

/// The scorecards of the given rounds that the actor may see.
pub async fn visible_for_rounds<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    round_ids: &[Uuid],
) -> Result<Vec<scorecard::Model>> {
    let cards = scorecard::Entity::find()
        .filter(scorecard::Column::OrganizationId.eq(actor.organization_id))
        .filter(scorecard::Column::RoundId.is_in(round_ids.to_vec()))
        .order_by_asc(scorecard::Column::Id)
        .all(db)
        .await?;
    visible(db, actor, cards).await
}

/// One scorecard, when the actor may see it; hidden ones are `NotFound`.
pub async fn get<C: ConnectionTrait>(db: &C, actor: &Actor, id: Uuid) -> Result<scorecard::Model> {
    let found = scorecard::Entity::find_by_id(id).one(db).await?;
    let cards = visible(db, actor, found.into_iter().collect()).await?;
    cards.into_iter().next().ok_or(Error::NotFound {
        entity: "scorecard",
    })
}

/// Question ratings of those of the given scorecards the actor may see.
pub async fn question_ratings_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    scorecard_ids: &[Uuid],
) -> Result<Vec<scorecard_question_rating::Model>> {
    Ok(scorecard_question_rating::Entity::find()
        .filter(
            scorecard_question_rating::Column::ScorecardId
                .in_subquery(owned::visible_scorecards(actor, scorecard_ids)),
        )
        .all(db)
        .await?)
}

/// Competency ratings of those of the given scorecards the actor may see.
pub async fn competency_ratings_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    scorecard_ids: &[Uuid],
) -> Result<Vec<scorecard_competency_rating::Model>> {
    Ok(scorecard_competency_rating::Entity::find()
        .filter(
            scorecard_competency_rating::Column::ScorecardId
                .in_subquery(owned::visible_scorecards(actor, scorecard_ids)),
        )
        .all(db)
        .await?)
}

/// A scorecard as a live event, for the subscriber `actor`: visible as
/// [`get`] decides, and, for an interviewer who sees colleagues' cards only
/// once they submitted their own, only when their own submission came
/// before this card was submitted or amended. A feed then never depends on
/// how late an event is delivered: cards written while the subscriber was
/// still blind stay out of the feed (they remain readable by query).
pub async fn get_as_event<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
) -> Result<scorecard::Model> {
    let card = get(db, actor, id).await?;
    if card.interviewer_id == actor.user_id || actor.role.allows(Permission::ReadAllScorecards) {
        return Ok(card);
    }
    let own = scorecard::Entity::find()
        .filter(scorecard::Column::InterviewerId.eq(actor.user_id))
        .filter(scorecard::Column::CandidateId.eq(card.candidate_id))
        .filter(scorecard::Column::Status.eq(ScorecardStatus::Submitted))
        .order_by_asc(scorecard::Column::SubmittedAt)
        .one(db)
        .await?;
    match own.and_then(|own| own.submitted_at) {
        Some(unlocked) if unlocked <= card.updated_at => Ok(card),
        _ => Err(Error::NotFound {
            entity: "scorecard",
        }),
    }
}
