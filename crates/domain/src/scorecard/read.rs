//! Reading scorecards under the blind-feedback rule.
//!
//! - Everyone sees their own scorecards, drafts included.
//! - Nobody sees another person's draft.
//! - Hiring managers, admins and viewers see every submitted scorecard.
//! - An interviewer sees colleagues' submitted scorecards for a candidate
//!   only after submitting their own for that candidate.

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::actor::{Actor, Permission};
use crate::entity::{
    round_question, scorecard, scorecard_competency_rating, scorecard_question_rating, user,
};
use crate::error::{Error, Result};
use crate::owned;
use crate::query::{prefixed, prefixed_required, select_prefixed};
use crate::types::{Recommendation, ScorecardStatus};
use crate::user::Profile;
use chrono::{DateTime, Utc};

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

/// The scorecards of the given candidates that the actor may see, oldest
/// first (the same read as [`visible_with_details`], so both apply the one
/// SQL form of the blind rule).
pub async fn visible_for_candidates<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    candidate_ids: &[Uuid],
) -> Result<Vec<scorecard::Model>> {
    let cards = visible_with_details(db, actor, ScorecardsOf::Candidates(candidate_ids), false);
    Ok(cards.await?.into_iter().map(|c| c.card).collect())
}

/// The scorecards of the given rounds that the actor may see, oldest first.
pub async fn visible_for_rounds<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    round_ids: &[Uuid],
) -> Result<Vec<scorecard::Model>> {
    let cards = visible_with_details(db, actor, ScorecardsOf::Rounds(round_ids), false);
    Ok(cards.await?.into_iter().map(|c| c.card).collect())
}

/// One scorecard, when the actor may see it; hidden ones are `NotFound`.
pub async fn get<C: ConnectionTrait>(db: &C, actor: &Actor, id: Uuid) -> Result<scorecard::Model> {
    let found = scorecard::Entity::find_by_id(id).one(db).await?;
    let cards = visible(db, actor, found.into_iter().collect()).await?;
    cards.into_iter().next().ok_or(Error::NotFound {
        entity: "scorecard",
    })
}

/// A question rating with the bank question it rates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RatedQuestion {
    /// The bank question of the rated round question.
    pub question_id: Uuid,
    /// The rating and notes.
    pub rating: scorecard_question_rating::Model,
}

/// Question ratings of those of the given scorecards the actor may see,
/// each with its bank question, per scorecard in the round's question order.
pub async fn question_ratings_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    scorecard_ids: &[Uuid],
) -> Result<Vec<RatedQuestion>> {
    let mut query = Query::select();
    select_prefixed::<scorecard_question_rating::Entity>(&mut query, "x_");
    query
        .expr_as(
            Expr::col((round_question::Entity, round_question::Column::QuestionId)),
            Alias::new("question_id"),
        )
        .from(scorecard_question_rating::Entity)
        .inner_join(
            round_question::Entity,
            Expr::col((round_question::Entity, round_question::Column::Id)).equals((
                scorecard_question_rating::Entity,
                scorecard_question_rating::Column::RoundQuestionId,
            )),
        )
        .and_where(
            Expr::col((
                scorecard_question_rating::Entity,
                scorecard_question_rating::Column::ScorecardId,
            ))
            .in_subquery(owned::visible_scorecards(actor, scorecard_ids)),
        )
        .order_by(
            (
                scorecard_question_rating::Entity,
                scorecard_question_rating::Column::ScorecardId,
            ),
            Order::Asc,
        )
        .order_by(
            (round_question::Entity, round_question::Column::Position),
            Order::Asc,
        );
    let rows = db.query_all(&query).await?;
    rows.iter()
        .map(|row| {
            Ok(RatedQuestion {
                question_id: row.try_get("", "question_id")?,
                rating: prefixed_required::<scorecard_question_rating::Entity>(row, "x_")?,
            })
        })
        .collect()
}

/// Whose scorecards [`visible_with_details`] reads.
#[derive(Clone, Copy, Debug)]
pub enum ScorecardsOf<'a> {
    /// Of these rounds.
    Rounds(&'a [Uuid]),
    /// Of these candidates.
    Candidates(&'a [Uuid]),
}

/// A scorecard with what a listing shows beside it.
#[derive(Clone, Debug, PartialEq)]
pub struct DetailedScorecard {
    /// The scorecard.
    pub card: scorecard::Model,
    /// Its interviewer (of the same organization).
    pub interviewer: Option<user::Model>,
    /// Its question ratings in the round's question order, when asked for.
    pub ratings: Option<Vec<RatedQuestion>>,
}

/// The scorecards the actor may see of some rounds or candidates, oldest
/// first, each with its interviewer and, if `with_ratings`, its question
/// ratings: one statement whatever their number (the blind-feedback rule
/// is part of it, [`crate::owned::scorecard_visible`]).
pub async fn visible_with_details<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    of: ScorecardsOf<'_>,
    with_ratings: bool,
) -> Result<Vec<DetailedScorecard>> {
    let card = |c: scorecard::Column| Expr::col((scorecard::Entity, c));
    let mut query = Query::select();
    select_prefixed::<scorecard::Entity>(&mut query, "s_");
    select_prefixed::<user::Entity>(&mut query, "u_");
    query.from(scorecard::Entity).left_join(
        user::Entity,
        Expr::col((user::Entity, user::Column::Id))
            .equals((scorecard::Entity, scorecard::Column::InterviewerId))
            .and(
                Expr::col((user::Entity, user::Column::OrganizationId))
                    .equals((scorecard::Entity, scorecard::Column::OrganizationId)),
            ),
    );
    if with_ratings {
        select_prefixed::<scorecard_question_rating::Entity>(&mut query, "x_");
        query
            .expr_as(
                Expr::col((round_question::Entity, round_question::Column::QuestionId)),
                Alias::new("x_question_id"),
            )
            .left_join(
                scorecard_question_rating::Entity,
                Expr::col((
                    scorecard_question_rating::Entity,
                    scorecard_question_rating::Column::ScorecardId,
                ))
                .equals((scorecard::Entity, scorecard::Column::Id)),
            )
            .left_join(
                round_question::Entity,
                Expr::col((round_question::Entity, round_question::Column::Id)).equals((
                    scorecard_question_rating::Entity,
                    scorecard_question_rating::Column::RoundQuestionId,
                )),
            );
    }
    let parents = match of {
        ScorecardsOf::Rounds(ids) => card(scorecard::Column::RoundId).is_in(ids.iter().copied()),
        ScorecardsOf::Candidates(ids) => {
            card(scorecard::Column::CandidateId).is_in(ids.iter().copied())
        }
    };
    query
        .and_where(parents)
        .and_where(owned::scorecard_visible(actor))
        .order_by((scorecard::Entity, scorecard::Column::Id), Order::Asc);
    if with_ratings {
        query.order_by(
            (round_question::Entity, round_question::Column::Position),
            Order::Asc,
        );
    }
    let rows = db.query_all(&query).await?;
    let mut cards: Vec<DetailedScorecard> = Vec::new();
    for row in &rows {
        let id: Uuid = row.try_get("s_", "id")?;
        if cards.last().is_none_or(|c| c.card.id != id) {
            cards.push(DetailedScorecard {
                card: prefixed_required::<scorecard::Entity>(row, "s_")?,
                interviewer: prefixed::<user::Entity>(row, "u_")?,
                ratings: with_ratings.then(Vec::new),
            });
        }
        if !with_ratings {
            continue;
        }
        let question_id: Option<Uuid> = row.try_get("x_", "question_id")?;
        let rating = prefixed::<scorecard_question_rating::Entity>(row, "x_")?;
        if let (Some(question_id), Some(rating), Some(ratings)) = (
            question_id,
            rating,
            cards.last_mut().and_then(|c| c.ratings.as_mut()),
        ) {
            ratings.push(RatedQuestion {
                question_id,
                rating,
            });
        }
    }
    Ok(cards)
}

/// What a listing of scorecards reads beside each card.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListingParts {
    /// The summary (long text: read only when shown).
    pub summary: bool,
    /// The interviewer's profile.
    pub interviewer: bool,
    /// The question ratings.
    pub ratings: bool,
    /// The notes of each question rating (long text).
    pub notes: bool,
}

/// A scorecard as a listing shows it: its fields, and what
/// [`ListingParts`] asked for (`None`: not asked for).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedScorecard {
    /// The scorecard.
    pub id: Uuid,
    /// The round it assesses.
    pub round_id: Uuid,
    /// The candidate it assesses.
    pub candidate_id: Uuid,
    /// Who wrote it.
    pub interviewer_id: Uuid,
    /// Draft or submitted.
    pub status: ScorecardStatus,
    /// The overall call.
    pub recommendation: Option<Recommendation>,
    /// Number of the content shown.
    pub revision: i32,
    /// When it was last saved.
    pub updated_at: DateTime<Utc>,
    /// When it was first submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Its summary.
    pub summary: Option<String>,
    /// Its interviewer (of the same organization).
    pub interviewer: Option<Profile>,
    /// Its question ratings in the round's question order.
    pub ratings: Option<Vec<ListedRating>>,
}

/// A question rating as a listing shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedRating {
    /// The bank question of the rated round question.
    pub question_id: Uuid,
    /// 1 to 4.
    pub rating: i16,
    /// What the candidate said, when asked for.
    pub notes: Option<String>,
    /// The rated question's place in its round, when the caller gave the
    /// round's questions (else 0; the ratings are in this order anyway).
    pub position: i32,
}

/// The scorecards the actor may see of some rounds or candidates, oldest
/// first, with the `parts` a listing shows: one statement whatever their
/// number, under the same blind rule as [`visible_with_details`]
/// ([`crate::owned::scorecard_visible`]).
///
/// `questions`, when the caller has read them, are every question of the
/// scorecards' rounds: ratings then take their bank question and order from
/// them instead of joining `round_questions` once per rating.
pub async fn visible_listing<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    of: ScorecardsOf<'_>,
    parts: ListingParts,
    questions: Option<&[round_question::Model]>,
) -> Result<Vec<ListedScorecard>> {
    let parents = match of {
        ScorecardsOf::Rounds(ids) | ScorecardsOf::Candidates(ids) if ids.is_empty() => {
            return Ok(Vec::new());
        }
        ScorecardsOf::Rounds(ids) => {
            Expr::col((scorecard::Entity, scorecard::Column::RoundId)).is_in(ids.iter().copied())
        }
        ScorecardsOf::Candidates(ids) => {
            Expr::col((scorecard::Entity, scorecard::Column::CandidateId))
                .is_in(ids.iter().copied())
        }
    };
    let mut query = Query::select();
    for column in LISTED {
        query.expr(Expr::col((scorecard::Entity, column)));
    }
    if parts.summary {
        query.expr(Expr::col((scorecard::Entity, scorecard::Column::Summary)));
    }
    query.from(scorecard::Entity);
    let interviewer_at = LISTED.len() + usize::from(parts.summary);
    if parts.interviewer {
        for column in Profile::COLUMNS {
            query.expr(Expr::col((user::Entity, column)));
        }
        query.left_join(
            user::Entity,
            Expr::col((user::Entity, user::Column::Id))
                .equals((scorecard::Entity, scorecard::Column::InterviewerId))
                .and(
                    Expr::col((user::Entity, user::Column::OrganizationId))
                        .equals((scorecard::Entity, scorecard::Column::OrganizationId)),
                ),
        );
    }
    let ratings_at = interviewer_at
        + if parts.interviewer {
            Profile::COLUMNS.len()
        } else {
            0
        };
    // Bank question and position of each round question, when given.
    let known: Option<HashMap<Uuid, (Uuid, i32)>> = questions.map(|questions| {
        questions
            .iter()
            .map(|q| (q.id, (q.question_id, q.position)))
            .collect()
    });
    if parts.ratings {
        let rated = if known.is_some() {
            Expr::col((
                scorecard_question_rating::Entity,
                scorecard_question_rating::Column::RoundQuestionId,
            ))
        } else {
            Expr::col((round_question::Entity, round_question::Column::QuestionId))
        };
        query.expr(rated).expr(Expr::col((
            scorecard_question_rating::Entity,
            scorecard_question_rating::Column::Rating,
        )));
        if parts.notes {
            query.expr(Expr::col((
                scorecard_question_rating::Entity,
                scorecard_question_rating::Column::Notes,
            )));
        }
        query.left_join(
            scorecard_question_rating::Entity,
            Expr::col((
                scorecard_question_rating::Entity,
                scorecard_question_rating::Column::ScorecardId,
            ))
            .equals((scorecard::Entity, scorecard::Column::Id)),
        );
        if known.is_none() {
            query.left_join(
                round_question::Entity,
                Expr::col((round_question::Entity, round_question::Column::Id)).equals((
                    scorecard_question_rating::Entity,
                    scorecard_question_rating::Column::RoundQuestionId,
                )),
            );
        }
    }
    query
        .and_where(parents)
        .and_where(owned::scorecard_visible(actor))
        .order_by((scorecard::Entity, scorecard::Column::Id), Order::Asc);
    if parts.ratings && known.is_none() {
        query.order_by(
            (round_question::Entity, round_question::Column::Position),
            Order::Asc,
        );
    }
    let rows = db.query_all(&query).await?;
    let mut cards: Vec<ListedScorecard> = Vec::new();
    for row in &rows {
        let id: Uuid = row.try_get_by_index(0)?;
        if cards.last().is_none_or(|c| c.id != id) {
            cards.push(ListedScorecard {
                id,
                round_id: row.try_get_by_index(1)?,
                candidate_id: row.try_get_by_index(2)?,
                interviewer_id: row.try_get_by_index(3)?,
                status: row.try_get_by_index(4)?,
                recommendation: row.try_get_by_index(5)?,
                revision: row.try_get_by_index(6)?,
                updated_at: row.try_get_by_index(7)?,
                submitted_at: row.try_get_by_index(8)?,
                summary: if parts.summary {
                    Some(row.try_get_by_index(LISTED.len())?)
                } else {
                    None
                },
                interviewer: if parts.interviewer {
                    Profile::read(row, interviewer_at)?
                } else {
                    None
                },
                ratings: parts.ratings.then(Vec::new),
            });
        }
        if !parts.ratings {
            continue;
        }
        let rated: Option<Uuid> = row.try_get_by_index(ratings_at)?;
        let (question_id, position) = match (&known, rated) {
            (_, None) => (None, 0),
            (None, Some(question_id)) => (Some(question_id), 0),
            (Some(known), Some(round_question)) => {
                let (question_id, position) =
                    known.get(&round_question).copied().ok_or(Error::Internal(
                        "a rating's round question was not among the given ones".to_owned(),
                    ))?;
                (Some(question_id), position)
            }
        };
        let rating: Option<i16> = row.try_get_by_index(ratings_at + 1)?;
        let notes: Option<String> = if parts.notes {
            row.try_get_by_index(ratings_at + 2)?
        } else {
            None
        };
        if let (Some(question_id), Some(rating), Some(ratings)) = (
            question_id,
            rating,
            cards.last_mut().and_then(|c| c.ratings.as_mut()),
        ) {
            ratings.push(ListedRating {
                question_id,
                rating,
                notes,
                position,
            });
        }
    }
    if known.is_some() {
        for card in &mut cards {
            if let Some(ratings) = &mut card.ratings {
                ratings.sort_by_key(|r| r.position);
            }
        }
    }
    Ok(cards)
}

/// The columns of `scorecards` every [`visible_listing`] row starts with,
/// in the order it reads them.
const LISTED: [scorecard::Column; 9] = [
    scorecard::Column::Id,
    scorecard::Column::RoundId,
    scorecard::Column::CandidateId,
    scorecard::Column::InterviewerId,
    scorecard::Column::Status,
    scorecard::Column::Recommendation,
    scorecard::Column::Revision,
    scorecard::Column::UpdatedAt,
    scorecard::Column::SubmittedAt,
];

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
