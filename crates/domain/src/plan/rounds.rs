//! Adding, changing, removing and ordering the rounds of a draft plan.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use super::{
    check_known, get, known_competencies, known_interviewers, require_draft, round_and_plan,
};
use crate::actor::{Actor, Permission};
use crate::entity::{limit_override, round, round_competency, round_interviewer};
use crate::error::{Error, Problem, Result};
use crate::panel::{self, Seat};
use crate::types::{Minutes, PanelRole, RoundKind, Text};
use crate::validate;

/// A round as a client describes it.
#[derive(Clone, Debug)]
pub struct RoundInput {
    /// What kind of conversation it is.
    pub kind: RoundKind,
    /// Title shown to the panel.
    pub title: String,
    /// Time box in minutes (1–480).
    pub duration_minutes: i64,
    /// When it starts, if scheduled.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Users who interview in this round (not viewers).
    pub interviewer_ids: Vec<Uuid>,
    /// Competencies this round rates.
    pub focus_competency_ids: Vec<Uuid>,
    /// Trainees on the panel, each shadowing or reverse shadowing; their
    /// scorecards never count in decisions or statistics.
    pub trainees: Vec<TraineeSeat>,
    /// When feedback is due, if not the organization's default (its
    /// `feedbackDueHours` after the round ends).
    pub feedback_due_at: Option<DateTime<Utc>>,
    /// Assign interviewers beyond their interview limits (recorded with
    /// who overrode).
    pub override_limits: bool,
}

/// A trainee placed on a round.
#[derive(Clone, Copy, Debug)]
pub struct TraineeSeat {
    /// The trainee.
    pub user_id: Uuid,
    /// `SHADOW` or `REVERSE_SHADOW`.
    pub role: PanelRole,
}

/// The round's checked fields.
struct ValidRound {
    title: Text,
    duration: Minutes,
    competencies: Vec<Uuid>,
    seats: Vec<Seat>,
}

impl ValidRound {
    fn ends_at(&self, input: &RoundInput) -> Option<DateTime<Utc>> {
        input
            .scheduled_at
            .map(|at| at + chrono::Duration::minutes(i64::from(self.duration.get())))
    }
}

/// Trainee seats: known users, shadow roles only, nobody twice on the panel.
fn check_trainees(
    input: &RoundInput,
    known: &HashSet<Uuid>,
) -> std::result::Result<Vec<Seat>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut seats = Vec::new();
    for (i, trainee) in input.trainees.iter().enumerate() {
        let field = format!("trainees[{i}]");
        if trainee.role == PanelRole::Interviewer {
            problems.push(Problem::new(
                format!("{field}.role"),
                "a trainee SHADOWs or REVERSE_SHADOWs; list interviewers in interviewerIds",
            ));
        } else if !known.contains(&trainee.user_id) {
            problems.push(Problem::new(
                format!("{field}.userId"),
                "no such interviewer in your organization",
            ));
        } else if input.interviewer_ids.contains(&trainee.user_id)
            || input.trainees[..i]
                .iter()
                .any(|t| t.user_id == trainee.user_id)
        {
            problems.push(Problem::new(
                format!("{field}.userId"),
                "is already on this round's panel; each person sits once",
            ));
        } else {
            seats.push(Seat {
                user_id: trainee.user_id,
                role: trainee.role,
                field: format!("{field}.userId"),
            });
        }
    }
    if problems.is_empty() {
        Ok(seats)
    } else {
        Err(problems)
    }
}

fn check_due(input: &RoundInput, duration: i64) -> std::result::Result<(), Problem> {
    // The time box is checked beside this (1–480 minutes): an out-of-range
    // one has no end to compare with, and must not overflow the arithmetic.
    let ends = input.scheduled_at.and_then(|at| {
        chrono::Duration::try_minutes(duration).and_then(|d| at.checked_add_signed(d))
    });
    match (input.feedback_due_at, ends) {
        (Some(due), Some(ends)) if due <= ends => Err(Problem::new(
            "feedbackDueAt",
            "must be after the round ends (its start plus time box)",
        )),
        _ => Ok(()),
    }
}

async fn validate_round<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    input: &RoundInput,
) -> Result<ValidRound> {
    let mut everyone = input.interviewer_ids.clone();
    everyone.extend(input.trainees.iter().map(|t| t.user_id));
    let known = known_interviewers(db, actor, &everyone).await?;
    let competencies = known_competencies(db, actor, &input.focus_competency_ids).await?;
    validate! {
        let title = Text::parse("title", &input.title, 200);
        let duration = Minutes::parse("durationMinutes", input.duration_minutes);
        let interviewers = check_known("interviewerIds", &input.interviewer_ids, &known, "interviewer");
        let competencies = check_known("focusCompetencyIds", &input.focus_competency_ids, &competencies, "competency");
        let trainees = check_trainees(input, &known);
        let _due = check_due(input, input.duration_minutes);
    }
    let mut seats: Vec<Seat> = interviewers
        .iter()
        .map(|&user_id| Seat {
            user_id,
            role: PanelRole::Interviewer,
            field: format!(
                "interviewerIds[{}]",
                input
                    .interviewer_ids
                    .iter()
                    .position(|&id| id == user_id)
                    .unwrap_or(0)
            ),
        })
        .collect();
    seats.extend(trainees);
    Ok(ValidRound {
        title,
        duration,
        competencies,
        seats,
    })
}

async fn replace_links<C: ConnectionTrait>(
    db: &C,
    round_id: Uuid,
    valid: &ValidRound,
) -> Result<()> {
    round_interviewer::Entity::delete_many()
        .filter(round_interviewer::Column::RoundId.eq(round_id))
        .exec(db)
        .await?;
    limit_override::Entity::delete_many()
        .filter(limit_override::Column::RoundId.eq(round_id))
        .filter(limit_override::Column::UserId.is_not_in(valid.seats.iter().map(|s| s.user_id)))
        .exec(db)
        .await?;
    round_competency::Entity::delete_many()
        .filter(round_competency::Column::RoundId.eq(round_id))
        .exec(db)
        .await?;
    if !valid.seats.is_empty() {
        round_interviewer::Entity::insert_many(valid.seats.iter().map(|seat| {
            round_interviewer::ActiveModel {
                round_id: Set(round_id),
                user_id: Set(seat.user_id),
                role: Set(seat.role),
            }
        }))
        .exec(db)
        .await?;
    }
    if !valid.competencies.is_empty() {
        round_competency::Entity::insert_many(valid.competencies.iter().map(|&competency_id| {
            round_competency::ActiveModel {
                round_id: Set(round_id),
                competency_id: Set(competency_id),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// The panel checks an assignment itself makes (trainee levels, interview
/// limits; see [`panel::assignment_problems`]): every problem is refused
/// together, and the limits an override sets aside are returned to record.
async fn check_panel(
    db: &DatabaseConnection,
    actor: &Actor,
    plan_id: Uuid,
    round_id: Uuid,
    input: &RoundInput,
    valid: &ValidRound,
) -> Result<Vec<(Uuid, String)>> {
    let assignment = panel::Assignment {
        round_id,
        plan_id,
        kind: input.kind,
        focus: &valid.competencies,
        scheduled_at: input.scheduled_at,
        seats: &valid.seats,
        override_limits: input.override_limits,
    };
    let (problems, overrides) = panel::assignment_problems(db, actor, &assignment).await?;
    if problems.is_empty() {
        Ok(overrides)
    } else {
        Err(Error::Invalid(problems))
    }
}

/// Appends a round to a draft plan.
pub async fn add_round(
    db: &DatabaseConnection,
    actor: &Actor,
    plan_id: Uuid,
    input: RoundInput,
) -> Result<round::Model> {
    actor.require(Permission::ManagePlans)?;
    let plan = get(db, actor, plan_id).await?;
    require_draft(&plan)?;
    let valid = validate_round(db, actor, &input).await?;
    let id = Uuid::now_v7();
    let overrides = check_panel(db, actor, plan.id, id, &input, &valid).await?;
    let txn = crate::db::begin_write(db).await?;
    let last = round::Entity::find()
        .filter(round::Column::PlanId.eq(plan.id))
        .order_by_desc(round::Column::Position)
        .one(&txn)
        .await?;
    let created = round::ActiveModel {
        id: Set(id),
        plan_id: Set(plan.id),
        position: Set(last.map_or(0, |r| r.position + 1)),
        kind: Set(input.kind),
        title: Set(valid.title.as_str().to_owned()),
        duration_minutes: Set(valid.duration.get()),
        scheduled_at: Set(input.scheduled_at),
        created_at: Set(Utc::now()),
        ends_at: Set(valid.ends_at(&input)),
        feedback_due_at: Set(input.feedback_due_at),
    }
    .insert(&txn)
    .await?;
    replace_links(&txn, created.id, &valid).await?;
    panel::record_overrides(&txn, actor, created.id, &overrides).await?;
    txn.commit().await?;
    Ok(created)
}

/// Replaces a round's fields, interviewers and focus competencies.
pub async fn update_round(
    db: &DatabaseConnection,
    actor: &Actor,
    round_id: Uuid,
    input: RoundInput,
) -> Result<round::Model> {
    actor.require(Permission::ManagePlans)?;
    let (existing, plan) = round_and_plan(db, actor, round_id).await?;
    require_draft(&plan)?;
    let valid = validate_round(db, actor, &input).await?;
    let overrides = check_panel(db, actor, plan.id, round_id, &input, &valid).await?;
    let txn = crate::db::begin_write(db).await?;
    let mut active: round::ActiveModel = existing.into();
    active.kind = Set(input.kind);
    active.title = Set(valid.title.as_str().to_owned());
    active.duration_minutes = Set(valid.duration.get());
    active.scheduled_at = Set(input.scheduled_at);
    active.ends_at = Set(valid.ends_at(&input));
    active.feedback_due_at = Set(input.feedback_due_at);
    let updated = active.update(&txn).await?;
    replace_links(&txn, round_id, &valid).await?;
    panel::record_overrides(&txn, actor, round_id, &overrides).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Removes a round (and its questions) from a draft plan.
pub async fn remove_round(db: &DatabaseConnection, actor: &Actor, round_id: Uuid) -> Result<()> {
    actor.require(Permission::ManagePlans)?;
    let (existing, plan) = round_and_plan(db, actor, round_id).await?;
    require_draft(&plan)?;
    round::Entity::delete_by_id(existing.id).exec(db).await?;
    Ok(())
}

/// Puts a draft plan's rounds in the order given; `round_ids` must list each
/// round of the plan exactly once.
pub async fn reorder_rounds(
    db: &DatabaseConnection,
    actor: &Actor,
    plan_id: Uuid,
    round_ids: &[Uuid],
) -> Result<Vec<round::Model>> {
    actor.require(Permission::ManagePlans)?;
    let plan = get(db, actor, plan_id).await?;
    require_draft(&plan)?;
    let current = super::rounds_of(db, actor, &[plan.id]).await?;
    check_permutation(
        "roundIds",
        round_ids,
        current.iter().map(|r| r.id),
        "round of this plan",
    )?;
    let txn = crate::db::begin_write(db).await?;
    for (position, id) in (0..).zip(round_ids) {
        round::Entity::update_many()
            .col_expr(round::Column::Position, Expr::value(position))
            .filter(round::Column::Id.eq(*id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    super::rounds_of(db, actor, &[plan.id]).await
}

/// `Ok` when `given` holds every id of `expected` exactly once.
pub(crate) fn check_permutation(
    field: &str,
    given: &[Uuid],
    expected: impl Iterator<Item = Uuid>,
    what: &str,
) -> Result<()> {
    let mut expected: Vec<Uuid> = expected.collect();
    let mut sorted = given.to_vec();
    expected.sort();
    sorted.sort();
    if sorted == expected {
        return Ok(());
    }
    let mut problems = Vec::new();
    for (i, id) in given.iter().enumerate() {
        if !expected.contains(id) {
            problems.push(Problem::new(
                format!("{field}[{i}]"),
                format!("not a {what}"),
            ));
        } else if given[..i].contains(id) {
            problems.push(Problem::new(format!("{field}[{i}]"), "listed twice"));
        }
    }
    let missing = expected.iter().filter(|id| !given.contains(id)).count();
    if missing > 0 {
        problems.push(Problem::new(
            field,
            format!("leaves out {missing} of them; list every {what} once"),
        ));
    }
    Err(Error::Invalid(problems))
}
