//! Publishing a plan: every check of docs/domain.md §2, all problems reported together.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::{competencies_of, get, interviewers_of, plan_competencies_of, questions_of, rounds_of};
use crate::actor::{Actor, Permission};
use crate::entity::{
    competency, interview_plan, limit_override, question, question_version, round,
    round_competency, round_interviewer, round_question, user,
};
use crate::error::{Error, Problem, Result};
use crate::panel::{self, Limits, Qualifications, Window};
use crate::types::{PanelRole, PlanStatus, QuestionStatus};

/// Everything the publish checks look at, loaded once.
#[derive(Clone, Debug, Default)]
pub struct PlanSnapshot {
    /// Rounds in order.
    pub rounds: Vec<RoundSnapshot>,
    /// Competencies the plan must cover, with their names.
    pub focus_competencies: Vec<(Uuid, String)>,
    /// Questions the candidate was asked in earlier (published or completed) plans.
    pub asked_before: HashSet<Uuid>,
    /// Problems with the panels (qualification, trainees, overlaps, limits;
    /// see [`panel_problems`]), found while loading.
    pub panel: Vec<Problem>,
}

/// One round as the checks see it.
#[derive(Clone, Debug, Default)]
pub struct RoundSnapshot {
    /// Title, to name the round in messages.
    pub title: String,
    /// Time box.
    pub duration_minutes: i32,
    /// How many interviewers are assigned.
    pub interviewer_count: usize,
    /// Focus competencies of the round.
    pub competency_ids: Vec<Uuid>,
    /// Questions in order.
    pub questions: Vec<SnapshotQuestion>,
}

/// A question of a round as the checks see it.
#[derive(Clone, Debug)]
pub struct SnapshotQuestion {
    /// The bank question.
    pub question_id: Uuid,
    /// Its pinned prompt, to name it in messages.
    pub prompt: String,
    /// Allotted minutes.
    pub minutes: i32,
    /// Whether the bank question is retired now.
    pub retired: bool,
}

fn short(prompt: &str) -> String {
    let mut text: String = prompt.chars().take(60).collect();
    if prompt.chars().count() > 60 {
        text.push('…');
    }
    text
}

/// Every reason the plan cannot be published; empty when it can.
pub fn publish_problems(plan: &PlanSnapshot) -> Vec<Problem> {
    let mut problems = Vec::new();
    if plan.rounds.is_empty() {
        problems.push(Problem::new(
            "rounds",
            "the plan has no rounds; add at least one",
        ));
    }
    let mut seen: HashMap<Uuid, String> = HashMap::new();
    for (i, round) in plan.rounds.iter().enumerate() {
        let at = |field: &str| format!("rounds[{i}].{field}");
        if round.interviewer_count == 0 {
            problems.push(Problem::new(
                at("interviewerIds"),
                format!(
                    "round \"{}\" has no interviewer; assign at least one",
                    round.title
                ),
            ));
        }
        let allotted: i32 = round.questions.iter().map(|q| q.minutes).sum();
        if allotted > round.duration_minutes {
            problems.push(Problem::new(
                at("questions"),
                format!(
                    "round \"{}\" allots {allotted} minutes of questions in a {}-minute time box; remove questions or lengthen the round",
                    round.title, round.duration_minutes
                ),
            ));
        }
        for (j, q) in round.questions.iter().enumerate() {
            let field = format!("rounds[{i}].questions[{j}]");
            if let Some(earlier) = seen.insert(q.question_id, round.title.clone()) {
                problems.push(Problem::new(
                    field.clone(),
                    format!("\"{}\" is already asked in round \"{earlier}\"; a question appears once per plan", short(&q.prompt)),
                ));
            }
            if q.retired {
                problems.push(Problem::new(
                    field.clone(),
                    format!(
                        "\"{}\" has been retired; replace it with an active question",
                        short(&q.prompt)
                    ),
                ));
            }
            if plan.asked_before.contains(&q.question_id) {
                problems.push(Problem::new(
                    field,
                    format!(
                        "the candidate was already asked \"{}\" in an earlier plan",
                        short(&q.prompt)
                    ),
                ));
            }
        }
    }
    let covered: HashSet<Uuid> = plan
        .rounds
        .iter()
        .flat_map(|r| r.competency_ids.iter().copied())
        .collect();
    for (id, name) in &plan.focus_competencies {
        if !covered.contains(id) {
            problems.push(Problem::new(
                "focusCompetencyIds",
                format!("no round focuses on the plan's competency \"{name}\"; add it to a round's focus competencies"),
            ));
        }
    }
    problems.extend(plan.panel.iter().cloned());
    problems
}

/// What publishing checks of each round's panel, beyond having one:
/// - when the organization requires it, every interviewer is qualified for
///   the round (an unpaused `QUALIFIED` member of a matching pool);
/// - a trainee sits beside at least one qualified interviewer;
/// - nobody on the panel is booked into another round at an overlapping
///   time (rounds of published or completed plans, and of this plan);
/// - nobody goes beyond a daily or weekly interview limit, unless an
///   override was recorded when they were assigned.
///
/// A fixed number of statements, whatever the plan's size.
async fn panel_problems<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    plan: &interview_plan::Model,
    rounds: &[round::Model],
    seats: &[round_interviewer::Model],
    focus: &[round_competency::Model],
) -> Result<Vec<Problem>> {
    let mut problems = Vec::new();
    if seats.is_empty() {
        return Ok(problems);
    }
    let mut ids: Vec<Uuid> = seats.iter().map(|s| s.user_id).collect();
    ids.sort();
    ids.dedup();
    let organization = crate::organization::get(db, actor).await?;
    // Locks the panel's people (PostgreSQL; SQLite's write transaction
    // already excludes every other writer) so that two plans publishing
    // the same interviewer take turns: the second one's bookings below
    // then see the first one's rounds. In id order, so two publishers
    // cannot deadlock; `NO KEY UPDATE` leaves foreign-key checks on these
    // rows (new scorecards, assignments) free to go on.
    let users: HashMap<Uuid, user::Model> = user::Entity::find()
        .filter(user::Column::OrganizationId.eq(actor.organization_id))
        .filter(user::Column::Id.is_in(ids.clone()))
        .order_by_asc(user::Column::Id)
        .lock(LockType::NoKeyUpdate)
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let name = |id: &Uuid| {
        users
            .get(id)
            .map_or("an interviewer", |u| u.display_name.as_str())
    };
    let known = Qualifications::load(db, actor.organization_id, Some(&ids)).await?;
    let starts: Vec<DateTime<Utc>> = rounds.iter().filter_map(|r| r.scheduled_at).collect();
    let booked = match (starts.iter().min(), starts.iter().max()) {
        (Some(&first), Some(&last)) => {
            let span = Window::week(first).union(Window::week(last));
            panel::bookings(db, actor.organization_id, &ids, Some(plan.id), span, None).await?
        }
        _ => Vec::new(),
    };
    let overridden: HashSet<(Uuid, Uuid)> = limit_override::Entity::find()
        .filter(limit_override::Column::RoundId.is_in(rounds.iter().map(|r| r.id)))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.round_id, o.user_id))
        .collect();
    let now = Utc::now();
    for (i, round) in rounds.iter().enumerate() {
        let at = |field: &str| format!("rounds[{i}].{field}");
        let round_focus: Vec<Uuid> = focus
            .iter()
            .filter(|c| c.round_id == round.id)
            .map(|c| c.competency_id)
            .collect();
        let panel: Vec<&round_interviewer::Model> =
            seats.iter().filter(|s| s.round_id == round.id).collect();
        let qualified = |id: Uuid| known.qualified(id, round.kind, &round_focus, now);
        let interviewers: Vec<Uuid> = panel
            .iter()
            .filter(|s| s.role == PanelRole::Interviewer)
            .map(|s| s.user_id)
            .collect();
        if organization.require_qualification {
            for id in interviewers.iter().filter(|&&id| !qualified(id)) {
                problems.push(Problem::new(
                    at("interviewerIds"),
                    format!(
                        "{} is not qualified for round \"{}\" ({} rounds); your organization requires an unpaused QUALIFIED member of a matching pool",
                        name(id), round.title, round.kind
                    ),
                ));
            }
        }
        if !interviewers.iter().any(|&id| qualified(id)) {
            for trainee in panel.iter().filter(|s| s.role != PanelRole::Interviewer) {
                problems.push(Problem::new(
                    at("trainees"),
                    format!(
                        "trainee {} in round \"{}\" needs a qualified interviewer beside them",
                        name(&trainee.user_id),
                        round.title
                    ),
                ));
            }
        }
        let (Some(start), Some(end)) = (round.scheduled_at, round.ends_at) else {
            continue;
        };
        for seat in &panel {
            let field = if seat.role == PanelRole::Interviewer {
                at("interviewerIds")
            } else {
                at("trainees")
            };
            if let Some(clash) = booked.iter().find(|b| {
                b.user_id == seat.user_id && b.round_id != round.id && b.overlaps(start, end)
            }) {
                problems.push(Problem::new(
                    field.clone(),
                    format!(
                        "{} is booked into round \"{}\" and round \"{}\" at overlapping times",
                        name(&seat.user_id),
                        round.title,
                        clash.title
                    ),
                ));
            }
            let Some(person) = users.get(&seat.user_id) else {
                continue;
            };
            if overridden.contains(&(round.id, seat.user_id)) {
                continue;
            }
            for message in panel::over_limits(
                &booked,
                seat.user_id,
                &person.display_name,
                Limits::of(person, &organization),
                start,
                round.id,
            ) {
                problems.push(Problem::new(
                    field.clone(),
                    format!("{message}; reassign, or update the round with override: true"),
                ));
            }
        }
    }
    Ok(problems)
}

/// Loads what the checks need in a fixed number of queries.
async fn snapshot<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    plan: &interview_plan::Model,
) -> Result<PlanSnapshot> {
    let rounds = rounds_of(db, actor, &[plan.id]).await?;
    let round_ids: Vec<Uuid> = rounds.iter().map(|r| r.id).collect();
    let questions = questions_of(db, actor, &round_ids).await?;
    let interviewers = interviewers_of(db, actor, &round_ids).await?;
    let round_competencies = competencies_of(db, actor, &round_ids).await?;
    let question_ids: Vec<Uuid> = questions.iter().map(|q| q.question_id).collect();
    let version_ids: Vec<Uuid> = questions.iter().map(|q| q.question_version_id).collect();
    let retired: HashSet<Uuid> = question::Entity::find()
        .filter(question::Column::Id.is_in(question_ids))
        .filter(question::Column::Status.eq(QuestionStatus::Retired))
        .all(db)
        .await?
        .into_iter()
        .map(|q| q.id)
        .collect();
    let prompts: HashMap<Uuid, String> = question_version::Entity::find()
        .filter(question_version::Column::Id.is_in(version_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.id, v.prompt))
        .collect();
    let plan_competency_ids: Vec<Uuid> = plan_competencies_of(db, actor, &[plan.id])
        .await?
        .into_iter()
        .map(|pc| pc.competency_id)
        .collect();
    let focus_competencies = competency::Entity::find()
        .filter(competency::Column::Id.is_in(plan_competency_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let earlier_plans: Vec<Uuid> = interview_plan::Entity::find()
        .filter(interview_plan::Column::CandidateId.eq(plan.candidate_id))
        .filter(interview_plan::Column::Id.ne(plan.id))
        .filter(
            interview_plan::Column::Status.is_in([PlanStatus::Published, PlanStatus::Completed]),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let asked_before = if earlier_plans.is_empty() {
        HashSet::new()
    } else {
        round_question::Entity::find()
            .filter(round_question::Column::PlanId.is_in(earlier_plans))
            .all(db)
            .await?
            .into_iter()
            .map(|q| q.question_id)
            .collect()
    };
    let panel =
        panel_problems(db, actor, plan, &rounds, &interviewers, &round_competencies).await?;
    let rounds = rounds
        .iter()
        .map(|r| RoundSnapshot {
            title: r.title.clone(),
            duration_minutes: r.duration_minutes,
            interviewer_count: interviewers
                .iter()
                .filter(|i| i.round_id == r.id && i.role == PanelRole::Interviewer)
                .count(),
            competency_ids: round_competencies
                .iter()
                .filter(|c| c.round_id == r.id)
                .map(|c| c.competency_id)
                .collect(),
            questions: questions
                .iter()
                .filter(|q| q.round_id == r.id)
                .map(|q| SnapshotQuestion {
                    question_id: q.question_id,
                    prompt: prompts
                        .get(&q.question_version_id)
                        .cloned()
                        .unwrap_or_default(),
                    minutes: q.minutes,
                    retired: retired.contains(&q.question_id),
                })
                .collect(),
        })
        .collect();
    Ok(PlanSnapshot {
        rounds,
        focus_competencies,
        asked_before,
        panel,
    })
}

/// Publishes a draft plan when every check passes; otherwise refuses with
/// every problem found.
pub async fn publish(
    db: &DatabaseConnection,
    actor: &Actor,
    plan_id: Uuid,
) -> Result<interview_plan::Model> {
    actor.require(Permission::ManagePlans)?;
    let plan = get(db, actor, plan_id).await?;
    super::require_draft(&plan)?;
    // Checked inside the write: the panel checks count other published
    // plans' rounds, which a concurrent publish may be adding.
    let txn = crate::db::begin_write(db).await?;
    let problems = publish_problems(&snapshot(&txn, actor, &plan).await?);
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let now = Utc::now();
    let result = interview_plan::Entity::update_many()
        .col_expr(
            interview_plan::Column::Status,
            Expr::value(PlanStatus::Published.as_str()),
        )
        .col_expr(interview_plan::Column::PublishedAt, Expr::value(now))
        .col_expr(interview_plan::Column::UpdatedAt, Expr::value(now))
        .filter(interview_plan::Column::Id.eq(plan.id))
        .filter(interview_plan::Column::Status.eq(PlanStatus::Draft))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(Error::Conflict(
            "the plan changed while publishing; reload it and try again".into(),
        ));
    }
    super::lifecycle::record_status(&txn, actor, &plan, PlanStatus::Published).await?;
    crate::event::commit(txn).await?;
    get(db, actor, plan.id).await
}
