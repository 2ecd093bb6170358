//! Saving and submitting scorecards.

use std::collections::HashSet;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::actor::{Actor, Permission};
use crate::entity::{
    round, round_interviewer, round_question, scorecard, scorecard_competency_rating,
    scorecard_question_rating,
};
use crate::error::{Error, Problem, Result};
use crate::event::{self, EventType, NewEvent};
use crate::plan;
use crate::rollup::{Scope, Snapshot};
use crate::types::{PanelRole, PlanStatus, Rating, Recommendation, ScorecardStatus, Text};

/// Longest notes or summary accepted.
pub const NOTES_MAX: usize = 10_000;

/// A rating of one question of the round.
#[derive(Clone, Debug)]
pub struct QuestionRatingInput {
    /// The bank question (as listed in the round).
    pub question_id: Uuid,
    /// 1 to 4, per the question's rubric.
    pub rating: i64,
    /// What the candidate said.
    pub notes: String,
}

/// A rating of one focus competency of the round.
#[derive(Clone, Debug)]
pub struct CompetencyRatingInput {
    /// The competency.
    pub competency_id: Uuid,
    /// 1 to 4.
    pub rating: i64,
}

/// A scorecard as the interviewer fills it in.
#[derive(Clone, Debug, Default)]
pub struct ScorecardInput {
    /// Ratings of the round's questions.
    pub question_ratings: Vec<QuestionRatingInput>,
    /// Ratings of the round's focus competencies.
    pub competency_ratings: Vec<CompetencyRatingInput>,
    /// The overall call; required to submit.
    pub recommendation: Option<Recommendation>,
    /// Summary of the interview; required to submit.
    pub summary: String,
}

/// Checked scorecard content, keyed to round rows.
pub(super) struct ValidScorecard {
    /// (round question id, rating, notes) per rated question.
    pub(super) question_ratings: Vec<(Uuid, Rating, String)>,
    /// (competency id, rating) per rated competency.
    pub(super) competency_ratings: Vec<(Uuid, Rating)>,
    pub(super) recommendation: Option<Recommendation>,
    pub(super) summary: String,
}

/// What a scorecard of this round may rate.
pub(super) struct RoundContents {
    pub(super) round: round::Model,
    pub(super) candidate_id: Uuid,
    /// The round's questions, in round order.
    pub(super) questions: Vec<round_question::Model>,
    /// The round's focus competencies.
    pub(super) competencies: Vec<Uuid>,
    /// The actor's part on the round's panel.
    pub(super) role: PanelRole,
}

/// Plan states in which scorecards are saved and submitted.
const ACCEPTING: &[PlanStatus] = &[PlanStatus::Published];

/// The round an assigned interviewer writes a scorecard for, refused unless
/// its plan is in one of the `open` states (`doing` names the action in
/// that refusal).
pub(super) async fn round_contents(
    db: &DatabaseConnection,
    actor: &Actor,
    round_id: Uuid,
    open: &[PlanStatus],
    doing: &str,
) -> Result<RoundContents> {
    actor.require(Permission::SubmitScorecards)?;
    let (round, plan) = plan::round_and_plan(db, actor, round_id).await?;
    let assigned = round_interviewer::Entity::find()
        .filter(round_interviewer::Column::RoundId.eq(round.id))
        .filter(round_interviewer::Column::UserId.eq(actor.user_id))
        .one(db)
        .await?;
    let Some(assigned) = assigned else {
        return Err(Error::Forbidden {
            action: "submit a scorecard for a round you are not assigned to",
            role: actor.role,
        });
    };
    if !open.contains(&plan.status) {
        let states: Vec<String> = open.iter().map(ToString::to_string).collect();
        return Err(Error::Conflict(format!(
            "plan \"{}\" is {}; {doing} only while it is {}",
            plan.title,
            plan.status,
            states.join(" or ")
        )));
    }
    let questions = plan::questions_of(db, actor, &[round.id]).await?;
    let competencies = plan::competencies_of(db, actor, &[round.id])
        .await?
        .into_iter()
        .map(|c| c.competency_id)
        .collect();
    Ok(RoundContents {
        round,
        candidate_id: plan.candidate_id,
        questions,
        competencies,
        role: assigned.role,
    })
}

/// Checks `input` against the round; `complete` demands everything a
/// submitted scorecard needs. Every problem is listed.
pub(super) fn validate(
    contents: &RoundContents,
    input: &ScorecardInput,
    complete: bool,
) -> Result<ValidScorecard> {
    let mut problems = Vec::new();
    let mut question_ratings = Vec::new();
    let mut rated_questions = HashSet::new();
    for (i, r) in input.question_ratings.iter().enumerate() {
        let field = |name: &str| format!("questionRatings[{i}].{name}");
        let round_question = contents
            .questions
            .iter()
            .find(|q| q.question_id == r.question_id);
        let rating = Rating::parse(&field("rating"), r.rating);
        let notes = Text::parse_optional(&field("notes"), &r.notes, NOTES_MAX);
        match round_question {
            None => problems.push(Problem::new(
                field("questionId"),
                "this question is not part of the round",
            )),
            Some(q) if !rated_questions.insert(q.question_id) => {
                problems.push(Problem::new(
                    field("questionId"),
                    "this question is rated twice",
                ));
            }
            Some(_) => {}
        }
        match (round_question, rating, notes) {
            (Some(q), Ok(rating), Ok(notes)) => {
                question_ratings.push((q.id, rating, notes.into_inner()))
            }
            (_, rating, notes) => {
                problems.extend(rating.err());
                problems.extend(notes.err());
            }
        }
    }
    let mut competency_ratings = Vec::new();
    let mut rated_competencies = HashSet::new();
    for (i, r) in input.competency_ratings.iter().enumerate() {
        let field = |name: &str| format!("competencyRatings[{i}].{name}");
        if !contents.competencies.contains(&r.competency_id) {
            problems.push(Problem::new(
                field("competencyId"),
                "this competency is not a focus of the round",
            ));
        } else if !rated_competencies.insert(r.competency_id) {
            problems.push(Problem::new(
                field("competencyId"),
                "this competency is rated twice",
            ));
        }
        match Rating::parse(&field("rating"), r.rating) {
            Ok(rating) => competency_ratings.push((r.competency_id, rating)),
            Err(problem) => problems.push(problem),
        }
    }
    let summary = Text::parse_optional("summary", &input.summary, NOTES_MAX);
    if complete {
        let unrated = contents
            .questions
            .iter()
            .filter(|q| !rated_questions.contains(&q.question_id))
            .count();
        if unrated > 0 {
            problems.push(Problem::new(
                "questionRatings",
                format!("{unrated} question(s) of the round are not rated; rate every question to submit"),
            ));
        }
        let unrated = contents
            .competencies
            .iter()
            .filter(|c| !rated_competencies.contains(c))
            .count();
        if unrated > 0 {
            problems.push(Problem::new(
                "competencyRatings",
                format!("{unrated} focus competency(ies) are not rated; rate every focus competency to submit"),
            ));
        }
        if input.recommendation.is_none() {
            problems.push(Problem::new(
                "recommendation",
                "choose STRONG_NO, NO, YES or STRONG_YES to submit",
            ));
        }
        if input.summary.trim().is_empty() {
            problems.push(Problem::new("summary", "write a summary to submit"));
        }
    }
    match summary {
        Ok(summary) if problems.is_empty() => Ok(ValidScorecard {
            question_ratings,
            competency_ratings,
            recommendation: input.recommendation,
            summary: summary.into_inner(),
        }),
        summary => {
            problems.extend(summary.err());
            Err(Error::Invalid(problems))
        }
    }
}

/// Saves the actor's draft scorecard for a round (creating it the first
/// time). Ratings may be partial. Refused once submitted.
pub async fn save_draft(
    db: &DatabaseConnection,
    actor: &Actor,
    round_id: Uuid,
    input: ScorecardInput,
) -> Result<scorecard::Model> {
    store(db, actor, round_id, input, ScorecardStatus::Draft).await
}

/// Submits the actor's scorecard for a round: every question and focus
/// competency rated, a recommendation and a summary. A submitted scorecard
/// changes only through [`super::amend`], which keeps what it replaces.
pub async fn submit(
    db: &DatabaseConnection,
    actor: &Actor,
    round_id: Uuid,
    input: ScorecardInput,
) -> Result<scorecard::Model> {
    store(db, actor, round_id, input, ScorecardStatus::Submitted).await
}

async fn store(
    db: &DatabaseConnection,
    actor: &Actor,
    round_id: Uuid,
    input: ScorecardInput,
    status: ScorecardStatus,
) -> Result<scorecard::Model> {
    let contents =
        round_contents(db, actor, round_id, ACCEPTING, "scorecards are accepted").await?;
    let valid = validate(&contents, &input, status == ScorecardStatus::Submitted)?;
    let txn = crate::db::begin_write(db).await?;
    let scope = Scope::Scorecard {
        round_id: contents.round.id,
        interviewer_id: actor.user_id,
    };
    let rollups = Snapshot::take(&txn, actor.organization_id, scope).await?;
    let existing = scorecard::Entity::find()
        .filter(scorecard::Column::RoundId.eq(contents.round.id))
        .filter(scorecard::Column::InterviewerId.eq(actor.user_id))
        .one(&txn)
        .await?;
    let now = Utc::now();
    let submitted_at = (status == ScorecardStatus::Submitted).then_some(now);
    let saved = match existing {
        Some(card) if card.status == ScorecardStatus::Submitted => {
            return Err(Error::Conflict(
                "this scorecard was already submitted; submitted scorecards cannot be changed"
                    .into(),
            ));
        }
        Some(card) => {
            let mut active: scorecard::ActiveModel = card.into();
            active.status = Set(status);
            active.recommendation = Set(valid.recommendation);
            active.summary = Set(valid.summary.clone());
            active.updated_at = Set(now);
            active.submitted_at = Set(submitted_at);
            active.update(&txn).await?
        }
        None => scorecard::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.organization_id),
            round_id: Set(contents.round.id),
            interviewer_id: Set(actor.user_id),
            candidate_id: Set(contents.candidate_id),
            status: Set(status),
            recommendation: Set(valid.recommendation),
            summary: Set(valid.summary.clone()),
            revision: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            submitted_at: Set(submitted_at),
            trainee: Set(contents.role != PanelRole::Interviewer),
        }
        .insert(&txn)
        .await
        .map_err(crate::error::conflict_on_unique(
            "this scorecard is being saved by another request; try again",
        ))?,
    };
    replace_ratings(&txn, saved.id, &valid).await?;
    rollups.settle(&txn).await?;
    if status == ScorecardStatus::Submitted {
        record_event(&txn, actor, EventType::ScorecardSubmitted, &saved).await?;
        crate::panel::record_training(
            &txn,
            actor.organization_id,
            &contents.round,
            actor.user_id,
            contents.role,
        )
        .await?;
    }
    event::commit(txn).await?;
    Ok(saved)
}

/// Records that `card` was submitted or amended: ids and the revision only,
/// never ratings, notes or the recommendation (a webhook or subscriber must
/// not learn what the blind rule hides).
pub(super) async fn record_event<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    kind: EventType,
    card: &scorecard::Model,
) -> Result<()> {
    let data = json!({
        "scorecardId": card.id,
        "roundId": card.round_id,
        "candidateId": card.candidate_id,
        "interviewerId": card.interviewer_id,
        "revision": card.revision,
    });
    let new = NewEvent::new(kind, card.id, data).about_candidate(card.candidate_id);
    event::record_by(txn, actor, new).await?;
    Ok(())
}

/// Replaces the ratings of a scorecard with `valid`'s.
pub(super) async fn replace_ratings<C: ConnectionTrait>(
    db: &C,
    scorecard_id: Uuid,
    valid: &ValidScorecard,
) -> Result<()> {
    scorecard_question_rating::Entity::delete_many()
        .filter(scorecard_question_rating::Column::ScorecardId.eq(scorecard_id))
        .exec(db)
        .await?;
    scorecard_competency_rating::Entity::delete_many()
        .filter(scorecard_competency_rating::Column::ScorecardId.eq(scorecard_id))
        .exec(db)
        .await?;
    if !valid.question_ratings.is_empty() {
        scorecard_question_rating::Entity::insert_many(valid.question_ratings.iter().map(
            |(id, rating, notes)| scorecard_question_rating::ActiveModel {
                scorecard_id: Set(scorecard_id),
                round_question_id: Set(*id),
                rating: Set(i16::from(rating.get())),
                notes: Set(notes.clone()),
            },
        ))
        .exec(db)
        .await?;
    }
    if !valid.competency_ratings.is_empty() {
        scorecard_competency_rating::Entity::insert_many(valid.competency_ratings.iter().map(
            |(id, rating)| scorecard_competency_rating::ActiveModel {
                scorecard_id: Set(scorecard_id),
                competency_id: Set(*id),
                rating: Set(i16::from(rating.get())),
            },
        ))
        .exec(db)
        .await?;
    }
    Ok(())
}
