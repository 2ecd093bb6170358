//! Creating, editing, retiring and reading questions.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::{QuestionInput, ValidQuestion};
use crate::actor::{Actor, Permission};
use crate::entity::{category, question, question_tag, question_version};
use crate::error::{Error, Result};
use crate::event::{self, EventType, NewEvent};
use crate::types::QuestionStatus;

/// A question of the actor's organization (current version).
pub async fn get<C: ConnectionTrait>(db: &C, actor: &Actor, id: Uuid) -> Result<question::Model> {
    let found = question::Entity::find_by_id(id).one(db).await?;
    actor.own(found, |q| q.organization_id, "question")
}

/// A pinned version of a question of the actor's organization.
pub async fn version<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    version_id: Uuid,
) -> Result<question_version::Model> {
    let found = question_version::Entity::find_by_id(version_id)
        .one(db)
        .await?;
    let version = found.ok_or(Error::NotFound {
        entity: "question version",
    })?;
    get(db, actor, version.question_id).await?;
    Ok(version)
}

async fn check_category<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    category_id: Uuid,
) -> Result<()> {
    let found = category::Entity::find_by_id(category_id).one(db).await?;
    match found {
        Some(c) if c.organization_id == actor.organization_id => Ok(()),
        _ => Err(Error::invalid(
            "categoryId",
            "no such category in your organization",
        )),
    }
}

/// Adds a question to the bank as version 1.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: QuestionInput,
) -> Result<question::Model> {
    actor.require(Permission::ManageBank)?;
    let valid = input.validate()?;
    check_category(db, actor, valid.category_id()).await?;
    let rows = valid.rows(
        actor.organization_id,
        Uuid::now_v7(),
        1,
        Some(actor.user_id),
        Utc::now(),
    );
    let txn = crate::db::begin_write(db).await?;
    let created = rows.question.insert(&txn).await?;
    rows.version.insert(&txn).await?;
    if !rows.tags.is_empty() {
        question_tag::Entity::insert_many(rows.tags)
            .exec(&txn)
            .await?;
    }
    let (id, category) = (created.id, created.category_id);
    record_event(&txn, actor, EventType::QuestionCreated, id, category, 1).await?;
    event::commit(txn).await?;
    Ok(created)
}

/// Records `kind` for question `id` (in `category_id`) at `version`.
pub(super) async fn record_event<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    kind: EventType,
    id: Uuid,
    category_id: Uuid,
    version: i32,
) -> Result<()> {
    let data = json!({"questionId": id, "version": version, "categoryId": category_id});
    event::record_by(txn, actor, NewEvent::new(kind, id, data)).await?;
    Ok(())
}

/// Edits a question by writing version `expected_version + 1`. Refuses with
/// a conflict when the question has moved past `expected_version`, so two
/// editors never overwrite each other. Plans keep their pinned version.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    expected_version: i32,
    input: QuestionInput,
) -> Result<question::Model> {
    actor.require(Permission::ManageBank)?;
    let current = get(db, actor, id).await?;
    let valid = input.validate()?;
    check_category(db, actor, valid.category_id()).await?;
    if current.version != expected_version {
        return Err(stale(expected_version, current.version));
    }
    let txn = crate::db::begin_write(db).await?;
    write_version(&txn, actor, &current, &valid, Utc::now()).await?;
    let (version, category) = (current.version + 1, valid.category_id());
    record_event(
        &txn,
        actor,
        EventType::QuestionUpdated,
        id,
        category,
        version,
    )
    .await?;
    event::commit(txn).await?;
    get(db, actor, id).await
}

/// Writes `valid` as the next version of `current` (inside the caller's
/// transaction): a new pinned version, the question's current content and
/// its tags. Refused as a conflict when someone moved the question past
/// `current.version` meanwhile.
pub(crate) async fn write_version<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    current: &question::Model,
    valid: &ValidQuestion,
    now: chrono::DateTime<Utc>,
) -> Result<()> {
    let id = current.id;
    let expected_version = current.version;
    let rows = valid.rows(
        actor.organization_id,
        id,
        expected_version + 1,
        Some(actor.user_id),
        now,
    );
    rows.version.insert(txn).await?;
    let mut update = rows.question;
    update.created_at = sea_orm::ActiveValue::NotSet;
    update.status = Set(current.status);
    // Guarded by the version so a concurrent edit cannot slip in between.
    let result = question::Entity::update_many()
        .set(update)
        .filter(question::Column::Id.eq(id))
        .filter(question::Column::Version.eq(expected_version))
        .exec(txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(Error::Conflict(format!(
            "question was edited by someone else while you were editing version {expected_version}; reload it and apply your change again"
        )));
    }
    question_tag::Entity::delete_many()
        .filter(question_tag::Column::QuestionId.eq(id))
        .exec(txn)
        .await?;
    if !rows.tags.is_empty() {
        question_tag::Entity::insert_many(rows.tags)
            .exec(txn)
            .await?;
    }
    Ok(())
}

fn stale(expected: i32, current: i32) -> Error {
    Error::Conflict(format!(
        "expectedVersion is {expected} but the question is at version {current}; reload it and apply your change again"
    ))
}

/// Retires a question: it stays readable (and in plans that use it) but can
/// no longer be added to a plan.
pub async fn retire<
    C: ConnectionTrait + TransactionTrait<Transaction = sea_orm::DatabaseTransaction>,
>(
    db: &C,
    actor: &Actor,
    id: Uuid,
) -> Result<question::Model> {
    actor.require(Permission::ManageBank)?;
    let current = get(db, actor, id).await?;
    if current.status == QuestionStatus::Retired {
        return Ok(current);
    }
    let txn = crate::db::begin_write(db).await?;
    let retired = question::Entity::update_many()
        .col_expr(
            question::Column::Status,
            Expr::value(QuestionStatus::Retired.as_str()),
        )
        .col_expr(question::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(question::Column::Id.eq(id))
        .filter(question::Column::Status.ne(QuestionStatus::Retired))
        .exec(&txn)
        .await?;
    if retired.rows_affected == 1 {
        let (version, category) = (current.version, current.category_id);
        record_event(
            &txn,
            actor,
            EventType::QuestionRetired,
            id,
            category,
            version,
        )
        .await?;
    }
    event::commit(txn).await?;
    get(db, actor, id).await
}
