//! Adding, removing and ordering the questions of a round. A question is
//! pinned to the version current when it is added.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::rounds::check_permutation;
use super::{require_draft, round_and_plan};
use crate::actor::{Actor, Permission};
use crate::entity::{question, round, round_question};
use crate::error::{Error, Result, conflict_on_unique};
use crate::types::{Minutes, QuestionStatus};

/// Adds a bank question to the end of a round of a draft plan, allotting
/// `minutes` (the question's estimate when absent). Refuses retired
/// questions and questions already in the plan.
pub async fn add_question(
    db: &DatabaseConnection,
    actor: &Actor,
    round_id: Uuid,
    question_id: Uuid,
    minutes: Option<i64>,
) -> Result<round::Model> {
    actor.require(Permission::ManagePlans)?;
    let (round, plan) = round_and_plan(db, actor, round_id).await?;
    require_draft(&plan)?;
    let found = question::Entity::find_by_id(question_id).one(db).await?;
    let question = actor
        .own(found, |q| q.organization_id, "question")
        .map_err(|_| Error::invalid("questionId", "no such question in your organization"))?;
    if question.status == QuestionStatus::Retired {
        return Err(Error::invalid(
            "questionId",
            "this question is retired and cannot be added to plans; pick an active question",
        ));
    }
    let minutes = Minutes::parse("minutes", minutes.unwrap_or(i64::from(question.minutes)))?;
    let txn = crate::db::begin_write(db).await?;
    let last = round_question::Entity::find()
        .filter(round_question::Column::RoundId.eq(round.id))
        .order_by_desc(round_question::Column::Position)
        .one(&txn)
        .await?;
    round_question::ActiveModel {
        id: Set(Uuid::now_v7()),
        round_id: Set(round.id),
        plan_id: Set(plan.id),
        question_id: Set(question.id),
        question_version_id: Set(question.current_version_id),
        position: Set(last.map_or(0, |q| q.position + 1)),
        minutes: Set(minutes.get()),
    }
    .insert(&txn)
    .await
    .map_err(conflict_on_unique(
        "this question is already in the plan; a question appears at most once per plan",
    ))?;
    txn.commit().await?;
    Ok(round)
}

/// Removes a question from a round of a draft plan.
pub async fn remove_question(
    db: &DatabaseConnection,
    actor: &Actor,
    round_id: Uuid,
    question_id: Uuid,
) -> Result<round::Model> {
    actor.require(Permission::ManagePlans)?;
    let (round, plan) = round_and_plan(db, actor, round_id).await?;
    require_draft(&plan)?;
    let deleted = round_question::Entity::delete_many()
        .filter(round_question::Column::RoundId.eq(round.id))
        .filter(round_question::Column::QuestionId.eq(question_id))
        .exec(db)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(Error::invalid(
            "questionId",
            "this question is not in the round",
        ));
    }
    Ok(round)
}

/// Puts a round's questions in the order given (question ids, each once).
pub async fn reorder_questions(
    db: &DatabaseConnection,
    actor: &Actor,
    round_id: Uuid,
    question_ids: &[Uuid],
) -> Result<round::Model> {
    actor.require(Permission::ManagePlans)?;
    let (round, plan) = round_and_plan(db, actor, round_id).await?;
    require_draft(&plan)?;
    let current = super::questions_of(db, actor, &[round.id]).await?;
    check_permutation(
        "questionIds",
        question_ids,
        current.iter().map(|q| q.question_id),
        "question of this round",
    )?;
    let txn = crate::db::begin_write(db).await?;
    for (position, id) in (0..).zip(question_ids) {
        round_question::Entity::update_many()
            .col_expr(round_question::Column::Position, Expr::value(position))
            .filter(round_question::Column::RoundId.eq(round.id))
            .filter(round_question::Column::QuestionId.eq(*id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(round)
}
