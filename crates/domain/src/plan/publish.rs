//! Publishing a plan: every check of docs/domain.md §2, all problems reported together.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{competencies_of, get, interviewers_of, plan_competencies_of, questions_of, rounds_of};
use crate::actor::{Actor, Permission};
use crate::entity::{competency, interview_plan, question, question_version, round_question};
use crate::error::{Error, Problem, Result};
use crate::types::{PlanStatus, QuestionStatus};

/// Everything the publish checks look at, loaded once.
#[derive(Clone, Debug, Default)]
pub struct PlanSnapshot {
    /// Rounds in order.
    pub rounds: Vec<RoundSnapshot>,
    /// Competencies the plan must cover, with their names.
    pub focus_competencies: Vec<(Uuid, String)>,
    /// Questions the candidate was asked in earlier (published or completed) plans.
    pub asked_before: HashSet<Uuid>,
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
    problems
}

/// Loads what the checks need in a fixed number of queries.
async fn snapshot(
    db: &DatabaseConnection,
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
    let rounds = rounds
        .iter()
        .map(|r| RoundSnapshot {
            title: r.title.clone(),
            duration_minutes: r.duration_minutes,
            interviewer_count: interviewers.iter().filter(|i| i.round_id == r.id).count(),
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
    let problems = publish_problems(&snapshot(db, actor, &plan).await?);
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
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
