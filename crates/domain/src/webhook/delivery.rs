//! What is sent where, and when: the dispatcher turns committed events into
//! one delivery per matching endpoint; senders claim due deliveries, make
//! an attempt, and record it with the next attempt's time.
//!
//! Both steps claim rows inside a transaction, with `FOR UPDATE SKIP LOCKED`
//! on PostgreSQL, so any number of gateways share the work and no event is
//! turned into deliveries twice. A claimed delivery's `next_attempt_at` is
//! moved to the end of a lease: a gateway killed mid-attempt leaves it due
//! again when the lease ends, so nothing is lost (a receiver may then see
//! the same `webhook-id` twice, which Standard Webhooks receivers dedupe).
//!
//! Every function takes the time as `now`, so the retry schedule is tested
//! without sleeping.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, LockBehavior, LockType, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{event_types, get};
use crate::actor::Actor;
use crate::entity::{event, webhook_attempt, webhook_delivery, webhook_endpoint};
use crate::error::{Error, Result};
use crate::event::{EventType, NewEvent};

/// Waiting to be sent (again).
pub const PENDING: &str = "PENDING";
/// Answered with a 2xx.
pub const SUCCEEDED: &str = "SUCCEEDED";
/// Every attempt failed.
pub const FAILED: &str = "FAILED";

/// The wait after each failed attempt: attempt 1 is immediate, attempt 8
/// comes about 27.6 hours after it (more with jitter); then the delivery
/// fails. Each wait is lengthened by up to a tenth at random so that
/// receivers recovering from an outage are not hit by every retry at once.
pub const RETRY_AFTER: [Duration; 7] = [
    Duration::seconds(5),
    Duration::minutes(5),
    Duration::minutes(30),
    Duration::hours(2),
    Duration::hours(5),
    Duration::hours(10),
    Duration::hours(10),
];
/// Attempts of one delivery before it fails.
pub const MAX_ATTEMPTS: i32 = RETRY_AFTER.len() as i32 + 1;
/// An endpoint whose attempts have all failed for this long is disabled.
pub const DISABLE_AFTER: Duration = Duration::days(3);
/// Most bytes of a response kept in the log.
pub const EXCERPT_BYTES: usize = 1024;

/// A delivery claimed for an attempt, with what the attempt needs.
#[derive(Clone, Debug)]
pub struct Due {
    /// The delivery, as it was when claimed.
    pub delivery: webhook_delivery::Model,
    /// Where it goes.
    pub endpoint: webhook_endpoint::Model,
    /// What it carries; `None` for a ping.
    pub event: Option<event::Model>,
}

impl Due {
    /// The `webhook-id`: the same for every attempt of one event at one
    /// endpoint, so receivers can drop duplicates.
    pub fn message_id(&self) -> String {
        let id = self.event.as_ref().map_or(self.delivery.id, |e| e.id);
        format!("msg_{}", id.simple())
    }

    /// The JSON body: `{"type", "timestamp", "data"}` as Standard Webhooks
    /// recommends; `data` holds the event's ids and states with its number
    /// (`seq`) and id.
    pub fn body(&self) -> String {
        match &self.event {
            Some(event) => {
                let mut data: Value =
                    serde_json::from_str(&event.data).unwrap_or_else(|_| json!({}));
                if let Value::Object(map) = &mut data {
                    map.insert("eventId".into(), json!(event.id));
                    map.insert("seq".into(), json!(event.seq));
                }
                json!({
                    "type": event.event_type,
                    "timestamp": event.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    "data": data,
                })
            }
            None => json!({
                "type": "webhook.ping",
                "timestamp": self.delivery.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "data": {
                    "endpointId": self.endpoint.id,
                    "organizationId": self.endpoint.organization_id,
                },
            }),
        }
        .to_string()
    }
}

/// How one attempt went.
#[derive(Clone, Debug, Default)]
pub struct Attempt {
    /// When the request started.
    pub started_at: DateTime<Utc>,
    /// How long until the answer (or the failure).
    pub duration_ms: i32,
    /// The status answered, if an answer came.
    pub status_code: Option<u16>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// The start of the response body (cut to [`EXCERPT_BYTES`]).
    pub excerpt: String,
}

impl Attempt {
    /// Whether the receiver took it: a 2xx answer.
    pub fn succeeded(&self) -> bool {
        self.error.is_none() && self.status_code.is_some_and(|s| (200..300).contains(&s))
    }
}

/// The wait after failed attempt `attempt` (1-based), before jitter;
/// `None` once the attempts are spent.
pub fn retry_after(attempt: i32) -> Option<Duration> {
    usize::try_from(attempt - 1)
        .ok()
        .and_then(|i| RETRY_AFTER.get(i))
        .copied()
}

/// `base` lengthened by `fraction` (0 to 1) of a tenth.
pub fn with_jitter(base: Duration, fraction: f64) -> Duration {
    let extra = base.num_milliseconds() as f64 * 0.1 * fraction.clamp(0.0, 1.0);
    base + Duration::milliseconds(extra as i64)
}

fn random_fraction() -> f64 {
    let mut byte = [0u8; 2];
    match getrandom::fill(&mut byte) {
        Ok(()) => f64::from(u16::from_le_bytes(byte)) / f64::from(u16::MAX),
        Err(_) => 0.5,
    }
}

fn skip_locked<S: QuerySelect>(select: S, backend: DbBackend) -> S {
    if backend == DbBackend::Postgres {
        select.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
    } else {
        // SQLite: the writing transaction already holds the only write lock.
        select
    }
}

/// Turns up to `limit` committed, undispatched events into deliveries (one
/// per enabled endpoint of their organization that wants their type) and
/// marks them dispatched, all in one transaction; returns the events.
pub async fn dispatch(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<event::Model>> {
    // A read first: on SQLite a write transaction takes the one write lock,
    // which requests need, so it is only begun when there is work.
    let waiting = event::Entity::find()
        .filter(event::Column::DispatchedAt.is_null())
        .select_only()
        .column(event::Column::Id)
        .limit(1)
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    if waiting.is_none() {
        return Ok(Vec::new());
    }
    let txn = crate::db::begin_write(db).await?;
    let backend = txn.get_database_backend();
    let events = skip_locked(
        event::Entity::find()
            .filter(event::Column::DispatchedAt.is_null())
            .order_by_asc(event::Column::OccurredAt)
            .order_by_asc(event::Column::Seq)
            .limit(limit),
        backend,
    )
    .all(&txn)
    .await?;
    if events.is_empty() {
        txn.rollback().await?;
        return Ok(events);
    }
    let organizations: Vec<Uuid> = events.iter().map(|e| e.organization_id).collect();
    let mut endpoints: HashMap<Uuid, Vec<webhook_endpoint::Model>> = HashMap::new();
    for endpoint in webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::OrganizationId.is_in(organizations))
        .filter(webhook_endpoint::Column::Enabled.eq(true))
        .all(&txn)
        .await?
    {
        endpoints
            .entry(endpoint.organization_id)
            .or_default()
            .push(endpoint);
    }
    // Each endpoint's types parsed once, not once per event.
    let wanted: HashMap<Uuid, Vec<&'static str>> = endpoints
        .values()
        .flatten()
        .map(|e| (e.id, event_types(e).iter().map(|t| t.as_str()).collect()))
        .collect();
    let mut rows = Vec::new();
    for event in &events {
        for endpoint in endpoints.get(&event.organization_id).into_iter().flatten() {
            let types = &wanted[&endpoint.id];
            if types.is_empty() || types.contains(&event.event_type.as_str()) {
                rows.push(new_delivery(endpoint, Some(event.id), now));
            }
        }
    }
    for chunk in rows.chunks(100) {
        webhook_delivery::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    event::Entity::update_many()
        .col_expr(event::Column::DispatchedAt, Expr::value(now))
        .filter(event::Column::Id.is_in(events.iter().map(|e| e.id)))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(events)
}

fn new_delivery(
    endpoint: &webhook_endpoint::Model,
    event_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> webhook_delivery::ActiveModel {
    webhook_delivery::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(endpoint.organization_id),
        endpoint_id: Set(endpoint.id),
        event_id: Set(event_id),
        status: Set(PENDING.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        created_at: Set(now),
        completed_at: Set(None),
    }
}

/// The ids of enabled endpoints, as a subquery.
fn enabled_endpoints() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(webhook_endpoint::Column::Id)
        .from(webhook_endpoint::Entity)
        .and_where(webhook_endpoint::Column::Enabled.eq(true))
        .to_owned()
}

/// Claims up to `limit` deliveries due at `now` on enabled endpoints: each
/// is leased until `now + lease`, after which another sender may take it.
pub async fn claim_due(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> Result<Vec<Due>> {
    // As in `dispatch`: no write transaction unless something is due.
    let due = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Status.eq(PENDING))
        .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
        .filter(webhook_delivery::Column::EndpointId.in_subquery(enabled_endpoints()))
        .select_only()
        .column(webhook_delivery::Column::Id)
        .limit(1)
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    if due.is_none() {
        return Ok(Vec::new());
    }
    let txn = crate::db::begin_write(db).await?;
    let backend = txn.get_database_backend();
    let claimed = skip_locked(
        webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::Status.eq(PENDING))
            .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
            .filter(webhook_delivery::Column::EndpointId.in_subquery(enabled_endpoints()))
            .order_by_asc(webhook_delivery::Column::NextAttemptAt)
            .limit(limit),
        backend,
    )
    .all(&txn)
    .await?;
    if claimed.is_empty() {
        txn.rollback().await?;
        return Ok(Vec::new());
    }
    webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(now + lease),
        )
        .filter(webhook_delivery::Column::Id.is_in(claimed.iter().map(|d| d.id)))
        .exec(&txn)
        .await?;
    let due = with_targets(&txn, claimed).await?;
    txn.commit().await?;
    Ok(due)
}

async fn with_targets<C: ConnectionTrait>(
    db: &C,
    deliveries: Vec<webhook_delivery::Model>,
) -> Result<Vec<Due>> {
    let endpoints: HashMap<Uuid, webhook_endpoint::Model> = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::Id.is_in(deliveries.iter().map(|d| d.endpoint_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let events: HashMap<Uuid, event::Model> = event::Entity::find()
        .filter(event::Column::Id.is_in(deliveries.iter().filter_map(|d| d.event_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    Ok(deliveries
        .into_iter()
        .filter_map(|delivery| {
            let endpoint = endpoints.get(&delivery.endpoint_id)?.clone();
            let event = delivery.event_id.and_then(|id| events.get(&id).cloned());
            Some(Due {
                delivery,
                endpoint,
                event,
            })
        })
        .collect())
}

/// Records `attempt` of `due` and what follows: success ends the delivery
/// and the endpoint's failure streak; a failure schedules the next attempt
/// (or fails the delivery when `retry` is off or the attempts are spent),
/// and disables the endpoint once it has failed for [`DISABLE_AFTER`],
/// recording `webhook.endpoint_disabled`.
pub async fn finish(
    db: &DatabaseConnection,
    due: &Due,
    attempt: &Attempt,
    now: DateTime<Utc>,
    retry: bool,
) -> Result<webhook_attempt::Model> {
    let txn = crate::db::begin_write(db).await?;
    let number = due.delivery.attempts + 1;
    let logged = webhook_attempt::ActiveModel {
        id: Set(Uuid::now_v7()),
        delivery_id: Set(due.delivery.id),
        endpoint_id: Set(due.endpoint.id),
        attempt: Set(number),
        started_at: Set(attempt.started_at),
        duration_ms: Set(attempt.duration_ms),
        status_code: Set(attempt.status_code.map(i32::from)),
        error: Set(attempt
            .error
            .as_ref()
            .map(|e| e.chars().take(500).collect())),
        response_excerpt: Set(excerpt(&attempt.excerpt)),
    }
    .insert(&txn)
    .await?;
    let succeeded = attempt.succeeded();
    let next = (!succeeded && retry)
        .then(|| retry_after(number))
        .flatten()
        .map(|wait| now + with_jitter(wait, random_fraction()));
    let status = match (succeeded, next) {
        (true, _) => SUCCEEDED,
        (false, Some(_)) => PENDING,
        (false, None) => FAILED,
    };
    let mut update = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Status, Expr::value(status))
        .col_expr(webhook_delivery::Column::Attempts, Expr::value(number))
        .filter(webhook_delivery::Column::Id.eq(due.delivery.id))
        // A sender whose lease ran out does not overwrite the one that
        // took over.
        .filter(webhook_delivery::Column::Attempts.eq(due.delivery.attempts));
    update = match next {
        Some(at) => update.col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(at)),
        None => update.col_expr(webhook_delivery::Column::CompletedAt, Expr::value(now)),
    };
    update.exec(&txn).await?;
    track_failures(&txn, &due.endpoint, succeeded, attempt.started_at, now).await?;
    crate::event::commit(txn).await?;
    Ok(logged)
}

/// Ends or extends the endpoint's failure streak; disables it when the
/// streak has lasted [`DISABLE_AFTER`].
async fn track_failures<C: ConnectionTrait>(
    txn: &C,
    endpoint: &webhook_endpoint::Model,
    succeeded: bool,
    started_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    let current = webhook_endpoint::Entity::find_by_id(endpoint.id)
        .one(txn)
        .await?
        .ok_or(Error::NotFound {
            entity: "webhook endpoint",
        })?;
    if succeeded {
        if current.failing_since.is_some() {
            let mut active: webhook_endpoint::ActiveModel = current.into();
            active.failing_since = Set(None);
            active.update(txn).await?;
        }
        return Ok(());
    }
    let since = current.failing_since.unwrap_or(started_at);
    let disable = current.enabled && now - since >= DISABLE_AFTER;
    let mut active: webhook_endpoint::ActiveModel = current.clone().into();
    active.failing_since = Set(Some(since));
    if disable {
        let reason = format!(
            "every delivery failed for {} days (since {}); fix the receiver and enable the endpoint again",
            DISABLE_AFTER.num_days(),
            since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        active.enabled = Set(false);
        active.disabled_reason = Set(Some(reason.clone()));
        active.updated_at = Set(now);
        let data = json!({"endpointId": current.id, "url": current.url, "reason": reason});
        let new = NewEvent::new(EventType::WebhookEndpointDisabled, current.id, data);
        crate::event::record_at(txn, current.organization_id, None, new, now).await?;
    }
    active.update(txn).await?;
    Ok(())
}

/// `text` cut to at most [`EXCERPT_BYTES`] bytes at a character boundary.
pub fn excerpt(text: &str) -> String {
    if text.len() <= EXCERPT_BYTES {
        return text.to_owned();
    }
    let mut end = EXCERPT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// Queues event `event_id` again for endpoint `endpoint_id` (administrators
/// only): a new delivery with fresh attempts, due now.
pub async fn redeliver(
    db: &DatabaseConnection,
    actor: &Actor,
    endpoint_id: Uuid,
    event_id: Uuid,
) -> Result<webhook_delivery::Model> {
    let endpoint = get(db, actor, endpoint_id).await?;
    let event = crate::event::get(db, actor, event_id).await?;
    let saved = new_delivery(&endpoint, Some(event.id), Utc::now())
        .insert(db)
        .await?;
    crate::event::wake();
    Ok(saved)
}

/// A ping delivery for endpoint `endpoint_id`, claimed at once by the caller
/// (which sends it and records the one attempt with `retry` off).
pub async fn ping(db: &DatabaseConnection, actor: &Actor, endpoint_id: Uuid) -> Result<Due> {
    let endpoint = get(db, actor, endpoint_id).await?;
    let now = Utc::now();
    let mut row = new_delivery(&endpoint, None, now);
    // Leased to the caller: no sender picks it up meanwhile.
    row.next_attempt_at = Set(now + Duration::minutes(1));
    let delivery = row.insert(db).await?;
    Ok(Due {
        delivery,
        endpoint,
        event: None,
    })
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_retries_for_more_than_a_day_in_eight_attempts() {
        assert_eq!(MAX_ATTEMPTS, 8);
        let total: Duration = (1..MAX_ATTEMPTS).filter_map(retry_after).sum();
        assert!(total >= Duration::hours(24), "{total}");
        assert_eq!(retry_after(MAX_ATTEMPTS), None);
        assert_eq!(retry_after(1), Some(Duration::seconds(5)));
    }

    #[test]
    fn jitter_only_lengthens_a_wait_by_at_most_a_tenth() {
        let base = Duration::minutes(30);
        assert_eq!(with_jitter(base, 0.0), base);
        assert_eq!(with_jitter(base, 1.0), Duration::minutes(33));
        assert_eq!(with_jitter(base, 7.0), Duration::minutes(33));
    }

    #[test]
    fn an_excerpt_keeps_a_kibibyte_at_a_character_boundary() {
        let long = "é".repeat(1000);
        let cut = excerpt(&long);
        assert!(cut.len() <= EXCERPT_BYTES && cut.len() >= EXCERPT_BYTES - 1);
        assert_eq!(excerpt("short"), "short");
    }
}
