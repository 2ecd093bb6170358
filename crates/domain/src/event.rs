//! The outbox: every change of state is recorded as an event in the same
//! transaction as the change, so an event exists exactly when its change
//! was committed, whatever happens to the process afterwards.
//!
//! Events are numbered per organization (`seq` 1, 2, 3…) by a counter row
//! that each writing transaction increments: the row lock makes a second
//! writer of the same organization wait until the first commits, so the
//! numbers follow commit order and a reader that has seen `seq = n` has
//! seen everything before it. That is what makes a cursor resumable.
//!
//! After a commit, [`commit`] wakes this process's readers (the webhook
//! dispatcher, live subscriptions); on PostgreSQL the transaction also
//! sends an empty `NOTIFY` on [`CHANNEL`] that reaches every gateway on
//! commit. Both are wake-ups only: readers always read the table.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use serde_json::{Value, json};
use tokio::sync::watch;
use uuid::Uuid;

use crate::actor::{Actor, Permission};
use crate::entity::event;
use crate::error::{Error, Result};

/// The PostgreSQL channel a committed event wakes every gateway on.
pub const CHANNEL: &str = "ip_events";

/// Longest page of events read at once.
pub const MAX_PAGE: u64 = 500;

/// What happened. The names are the `type` of webhook payloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// A candidate was added (at `APPLIED`).
    CandidateCreated,
    /// A candidate moved between stages.
    CandidateStageChanged,
    /// A candidate's personal data was erased.
    CandidateErased,
    /// A plan passed its checks and was published.
    PlanPublished,
    /// A plan was marked completed.
    PlanCompleted,
    /// A plan was cancelled.
    PlanCancelled,
    /// An interviewer submitted a scorecard.
    ScorecardSubmitted,
    /// A submitted scorecard was amended.
    ScorecardAmended,
    /// A question was added to the bank.
    QuestionCreated,
    /// A question got a new version.
    QuestionUpdated,
    /// A question was retired.
    QuestionRetired,
    /// A user was created.
    UserCreated,
    /// A user was deactivated.
    UserDeactivated,
    /// A deactivated user was reactivated.
    UserReactivated,
    /// The service disabled a webhook endpoint that kept failing.
    WebhookEndpointDisabled,
}

impl EventType {
    /// Every type, in a stable order.
    pub const ALL: [EventType; 15] = [
        EventType::CandidateCreated,
        EventType::CandidateStageChanged,
        EventType::CandidateErased,
        EventType::PlanPublished,
        EventType::PlanCompleted,
        EventType::PlanCancelled,
        EventType::ScorecardSubmitted,
        EventType::ScorecardAmended,
        EventType::QuestionCreated,
        EventType::QuestionUpdated,
        EventType::QuestionRetired,
        EventType::UserCreated,
        EventType::UserDeactivated,
        EventType::UserReactivated,
        EventType::WebhookEndpointDisabled,
    ];

    /// The dotted name: `scorecard.submitted`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::CandidateCreated => "candidate.created",
            EventType::CandidateStageChanged => "candidate.stage_changed",
            EventType::CandidateErased => "candidate.erased",
            EventType::PlanPublished => "plan.published",
            EventType::PlanCompleted => "plan.completed",
            EventType::PlanCancelled => "plan.cancelled",
            EventType::ScorecardSubmitted => "scorecard.submitted",
            EventType::ScorecardAmended => "scorecard.amended",
            EventType::QuestionCreated => "question.created",
            EventType::QuestionUpdated => "question.updated",
            EventType::QuestionRetired => "question.retired",
            EventType::UserCreated => "user.created",
            EventType::UserDeactivated => "user.deactivated",
            EventType::UserReactivated => "user.reactivated",
            EventType::WebhookEndpointDisabled => "webhook.endpoint_disabled",
        }
    }

    /// The type named `name`, if there is one.
    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// Parses every name of `field`, naming the first unknown one.
    pub fn parse_all(field: &'static str, names: &[String]) -> Result<Vec<EventType>> {
        names
            .iter()
            .map(|name| {
                EventType::parse(name).ok_or_else(|| {
                    Error::invalid(
                        field,
                        format!(
                            "unknown event type \"{}\"; the types are {}",
                            name.chars().take(60).collect::<String>(),
                            EventType::ALL.map(EventType::as_str).join(", ")
                        ),
                    )
                })
            })
            .collect()
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event about to be recorded.
#[derive(Clone, Debug)]
pub struct NewEvent {
    /// What happened.
    pub kind: EventType,
    /// The record it is about.
    pub subject_id: Uuid,
    /// The candidate it concerns, if any.
    pub candidate_id: Option<Uuid>,
    /// Ids and states only: never secrets, notes or summaries.
    pub data: Value,
}

impl NewEvent {
    /// An event about `subject_id` with `data`.
    pub fn new(kind: EventType, subject_id: Uuid, data: Value) -> Self {
        NewEvent {
            kind,
            subject_id,
            candidate_id: None,
            data,
        }
    }

    /// The same event, concerning `candidate_id`.
    pub fn about_candidate(mut self, candidate_id: Uuid) -> Self {
        self.candidate_id = Some(candidate_id);
        self
    }
}

/// Records `event` for `organization_id` inside `txn` (the transaction of
/// the change), caused by `actor_id`; returns it with its number. Callers
/// finish with [`commit`].
pub async fn record<C: ConnectionTrait>(
    txn: &C,
    organization_id: Uuid,
    actor_id: Option<Uuid>,
    event: NewEvent,
) -> Result<event::Model> {
    record_at(txn, organization_id, actor_id, event, Utc::now()).await
}

/// [`record`] at a given time.
pub async fn record_at<C: ConnectionTrait>(
    txn: &C,
    organization_id: Uuid,
    actor_id: Option<Uuid>,
    event: NewEvent,
    now: DateTime<Utc>,
) -> Result<event::Model> {
    let seq = next_seq(txn, organization_id).await?;
    let mut data = event.data;
    if let Value::Object(map) = &mut data {
        map.entry("organizationId")
            .or_insert_with(|| json!(organization_id));
    }
    let saved = event::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        seq: Set(seq),
        event_type: Set(event.kind.as_str().to_owned()),
        occurred_at: Set(now),
        actor_id: Set(actor_id),
        subject_id: Set(event.subject_id),
        candidate_id: Set(event.candidate_id),
        data: Set(data.to_string()),
        dispatched_at: Set(None),
    }
    .insert(txn)
    .await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        // Delivered to every listener when (and only if) the transaction
        // commits.
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, '')",
            [CHANNEL.into()],
        ))
        .await?;
    }
    Ok(saved)
}

/// Records `event` caused by `actor`.
pub async fn record_by<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    event: NewEvent,
) -> Result<event::Model> {
    record(txn, actor.organization_id, Some(actor.user_id), event).await
}

/// The organization's next event number, taken under the counter row's
/// lock (held until the transaction ends).
async fn next_seq<C: ConnectionTrait>(txn: &C, organization_id: Uuid) -> Result<i64> {
    let table = Alias::new("event_sequences");
    let last = Alias::new("last_seq");
    let organization = Alias::new("organization_id");
    let statement = Query::insert()
        .into_table(table.clone())
        .columns([organization.clone(), last.clone()])
        .values_panic([organization_id.into(), 1i64.into()])
        .on_conflict(
            OnConflict::column(organization)
                .value(last.clone(), Expr::col((table, last.clone())).add(1))
                .to_owned(),
        )
        .returning_col(last)
        .to_owned();
    let backend = txn.get_database_backend();
    let row = txn
        .query_one_raw(backend.build(&statement))
        .await?
        .ok_or_else(|| Error::Conflict("could not number an event; try again".into()))?;
    Ok(row.try_get::<i64>("", "last_seq")?)
}

/// Commits `txn` and wakes this process's event readers.
pub async fn commit(txn: DatabaseTransaction) -> Result<()> {
    txn.commit().await?;
    wake();
    Ok(())
}

fn wakeup() -> &'static watch::Sender<u64> {
    static WAKEUP: OnceLock<watch::Sender<u64>> = OnceLock::new();
    WAKEUP.get_or_init(|| watch::channel(0).0)
}

/// Tells this process's event readers that new events may be committed
/// (called after a commit here, and by the gateway when another gateway's
/// notification arrives).
pub fn wake() {
    wakeup().send_modify(|n| *n = n.wrapping_add(1));
}

/// A receiver that changes whenever [`wake`] is called.
pub fn wakeups() -> watch::Receiver<u64> {
    wakeup().subscribe()
}

/// What a reader of the history asks for.
#[derive(Clone, Debug, Default)]
pub struct EventQuery {
    /// Only events numbered after this (0: from the start).
    pub after: i64,
    /// Only these types (empty: every type).
    pub types: Vec<EventType>,
    /// Only events concerning this candidate.
    pub candidate_id: Option<Uuid>,
    /// At most this many (capped at [`MAX_PAGE`]).
    pub limit: u64,
}

/// The organization's events after a cursor, oldest first, for roles that
/// read every scorecard (administrators, hiring managers, viewers and the
/// API keys of dashboards): payloads carry ids and states only, never
/// ratings, so nothing in them is blind.
pub async fn history<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    query: &EventQuery,
) -> Result<Vec<event::Model>> {
    actor.require(Permission::ReadAllScorecards)?;
    page(db, actor, query).await
}

/// The scorecard submissions and amendments (only those concerning
/// `query.candidate_id` when set) after `query.after`, for anyone of the
/// organization: callers show each scorecard only as the reader may see it
/// (the blind rule is the scorecard read's). `query.types` is ignored.
pub async fn submissions<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    query: &EventQuery,
) -> Result<Vec<event::Model>> {
    let query = EventQuery {
        types: vec![EventType::ScorecardSubmitted, EventType::ScorecardAmended],
        ..query.clone()
    };
    page(db, actor, &query).await
}

async fn page<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    query: &EventQuery,
) -> Result<Vec<event::Model>> {
    let mut select = event::Entity::find()
        .filter(event::Column::OrganizationId.eq(actor.organization_id))
        .filter(event::Column::Seq.gt(query.after))
        .order_by_asc(event::Column::Seq)
        .limit(query.limit.clamp(1, MAX_PAGE));
    if !query.types.is_empty() {
        select = select.filter(
            event::Column::EventType.is_in(query.types.iter().map(|t| t.as_str().to_owned())),
        );
    }
    if let Some(candidate) = query.candidate_id {
        select = select.filter(event::Column::CandidateId.eq(candidate));
    }
    Ok(select.all(db).await?)
}

/// The number of the organization's latest event (0 when there is none):
/// where a subscription that does not replay starts.
pub async fn latest<C: ConnectionTrait>(db: &C, actor: &Actor) -> Result<i64> {
    let latest = event::Entity::find()
        .filter(event::Column::OrganizationId.eq(actor.organization_id))
        .order_by_desc(event::Column::Seq)
        .one(db)
        .await?;
    Ok(latest.map_or(0, |e| e.seq))
}

/// The event `id` of the actor's organization.
pub async fn get<C: ConnectionTrait>(db: &C, actor: &Actor, id: Uuid) -> Result<event::Model> {
    let found = event::Entity::find_by_id(id).one(db).await?;
    actor.own(found, |e| e.organization_id, "event")
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_type_parses_back_from_its_name() {
        for kind in EventType::ALL {
            assert_eq!(EventType::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(EventType::parse("scorecard.deleted"), None);
    }

    #[test]
    fn an_unknown_type_is_refused_naming_the_field_and_the_known_types() {
        let err = EventType::parse_all("types", &["plan.published".into(), "nope".into()])
            .expect_err("unknown");
        let text = format!("{err:?}");
        assert!(text.contains("types"), "{text}");
        assert!(text.contains("scorecard.submitted"), "{text}");
    }
}
