//! Counted sign-in events kept in the database, so that every gateway on
//! one PostgreSQL database counts the same failures and a restart forgets
//! none. Keys are opaque text made by the gateway's throttle (a hashed
//! email or an address, with the operation).

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::entity::throttle_event;
use crate::error::Result;

/// The times of the newest `limit` events of `key` since `since`, newest
/// first.
pub async fn recent<C: ConnectionTrait>(
    db: &C,
    key: &str,
    since: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<DateTime<Utc>>> {
    Ok(throttle_event::Entity::find()
        .filter(throttle_event::Column::Key.eq(key))
        .filter(throttle_event::Column::At.gt(since))
        .order_by_desc(throttle_event::Column::At)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|event| event.at)
        .collect())
}

/// Records one event at `at` for each of `keys`.
pub async fn record<C: ConnectionTrait>(db: &C, keys: &[String], at: DateTime<Utc>) -> Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let rows = keys.iter().map(|key| throttle_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        key: Set(key.clone()),
        at: Set(at),
    });
    throttle_event::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

/// Forgets every event of `key` (a successful sign-in forgets its email's
/// failures).
pub async fn forget<C: ConnectionTrait>(db: &C, key: &str) -> Result<()> {
    throttle_event::Entity::delete_many()
        .filter(throttle_event::Column::Key.eq(key))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes the events older than `before`, which no window counts any more.
pub async fn prune<C: ConnectionTrait>(db: &C, before: DateTime<Utc>) -> Result<u64> {
    Ok(throttle_event::Entity::delete_many()
        .filter(throttle_event::Column::At.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}
