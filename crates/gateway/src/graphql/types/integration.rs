//! What integrations see: events and their cursor, webhook endpoints with
//! their delivery log, and the audit log.

use async_graphql::{
    Enum, ID, InputValueError, InputValueResult, Object, Scalar, ScalarType, Value,
};
use chrono::{DateTime, Utc};
use domain::entity::{event, webhook_attempt, webhook_delivery, webhook_endpoint};

use crate::graphql::ids::id;

/// A position in the organization's event history: events are numbered
/// 1, 2, 3… in commit order. Sent and accepted as a string of digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventCursor(pub i64);

/// A position in the organization's event history (a string of digits).
#[Scalar]
impl ScalarType for EventCursor {
    fn parse(value: Value) -> InputValueResult<Self> {
        let text = match &value {
            Value::String(text) => text.clone(),
            Value::Number(n) => n.to_string(),
            _ => return Err(InputValueError::expected_type(value)),
        };
        match text.parse::<i64>() {
            Ok(n) if n >= 0 => Ok(EventCursor(n)),
            _ => Err(InputValueError::custom(
                "an EventCursor is a string of digits: an event's `cursor`, or \"0\" for the start",
            )),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// Where a delivery stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookDeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// The receiver answered 2xx.
    Succeeded,
    /// Every attempt failed.
    Failed,
}

/// What an audit entry records.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditEntryKind {
    /// A mutation.
    Mutation,
    /// A read of scorecards or a candidate report.
    Read,
}

/// Something that happened in the organization: a change, recorded in the
/// same transaction as the change.
pub struct Event(pub event::Model);

/// Something that happened in the organization.
#[Object]
impl Event {
    /// Opaque id (also the `webhook-id` of its deliveries, as `msg_<id>`).
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Its position in the organization's history; resume after it.
    async fn cursor(&self) -> EventCursor {
        EventCursor(self.0.seq)
    }
    /// `scorecard.submitted`, `candidate.stage_changed`…
    async fn r#type(&self) -> &str {
        &self.0.event_type
    }
    /// When it was committed.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// Who caused it (a user or an API key); null for the service itself.
    async fn actor_id(&self) -> Option<ID> {
        self.0.actor_id.map(id)
    }
    /// The record it is about.
    async fn subject_id(&self) -> ID {
        id(self.0.subject_id)
    }
    /// The candidate it concerns, if any.
    async fn candidate_id(&self) -> Option<ID> {
        self.0.candidate_id.map(id)
    }
    /// Ids and states as a JSON object (the `data` of its webhook):
    /// never ratings, notes or summaries.
    async fn data(&self) -> async_graphql::Json<serde_json::Value> {
        async_graphql::Json(serde_json::from_str(&self.0.data).unwrap_or_default())
    }
}

/// Where the organization's events are sent.
pub struct WebhookEndpoint(pub webhook_endpoint::Model);

/// Where the organization's events are sent, signed as Standard Webhooks.
#[Object]
impl WebhookEndpoint {
    /// Opaque id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Where deliveries are POSTed.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// What it is for.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// The event types sent; empty means every type.
    async fn event_types(&self) -> Vec<String> {
        domain::webhook::event_types(&self.0)
            .iter()
            .map(|t| t.as_str().to_owned())
            .collect()
    }
    /// Whether deliveries are made.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// Why the service disabled it (every delivery failing for 3 days).
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }
    /// Since when every attempt has failed; null while it answers.
    async fn failing_since(&self) -> Option<DateTime<Utc>> {
        self.0.failing_since
    }
    /// Until when the secret replaced by the last rotation still signs.
    async fn previous_secret_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0
            .previous_secret_until
            .filter(|until| *until > Utc::now())
    }
    /// When it was registered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The delivery log, newest attempt first (at most 200).
    async fn attempts(
        &self,
        ctx: &async_graphql::Context<'_>,
        #[graphql(default = 50)] first: i32,
    ) -> async_graphql::Result<Vec<WebhookAttempt>> {
        use crate::graphql::error::GqlResultExt;
        let actor = crate::graphql::context::actor(ctx)?;
        let db = crate::graphql::context::db(ctx);
        let limit = u64::try_from(first.clamp(1, 200)).unwrap_or(50);
        let attempts = domain::webhook::attempts(db, &actor, self.0.id, limit)
            .await
            .gql()?;
        Ok(attempts.into_iter().map(WebhookAttempt).collect())
    }
}

/// An endpoint just registered or rotated, with its secret.
pub struct WebhookSecret {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// `whsec_…`, shown this once.
    pub secret: String,
}

/// An endpoint with the secret it signs with, shown this once.
#[Object]
impl WebhookSecret {
    /// The endpoint.
    async fn endpoint(&self) -> &WebhookEndpoint {
        &self.endpoint
    }
    /// `whsec_…`: verify deliveries with it. Shown this once; keep it in
    /// the receiver's secret store.
    async fn secret(&self) -> &str {
        &self.secret
    }
}

/// One HTTP attempt of a delivery.
pub struct WebhookAttempt(pub webhook_attempt::Model);

/// One HTTP attempt of a delivery.
#[Object]
impl WebhookAttempt {
    /// Opaque id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The delivery it belongs to.
    async fn delivery_id(&self) -> ID {
        id(self.0.delivery_id)
    }
    /// 1 for the first attempt of the delivery.
    async fn attempt(&self) -> i32 {
        self.0.attempt
    }
    /// When it started.
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }
    /// How long until the answer or the failure.
    async fn duration_ms(&self) -> i32 {
        self.0.duration_ms
    }
    /// The HTTP status answered, if an answer came.
    async fn status_code(&self) -> Option<i32> {
        self.0.status_code
    }
    /// Whether the receiver took it (a 2xx answer).
    async fn succeeded(&self) -> bool {
        self.0.error.is_none() && self.0.status_code.is_some_and(|s| (200..300).contains(&s))
    }
    /// Why it failed, when it did.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// The first 1 KiB of the response body.
    async fn response_excerpt(&self) -> &str {
        &self.0.response_excerpt
    }
}

/// One event (or ping) on its way to one endpoint.
pub struct WebhookDelivery(pub webhook_delivery::Model);

/// One event (or ping) on its way to one endpoint.
#[Object]
impl WebhookDelivery {
    /// Opaque id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The endpoint.
    async fn endpoint_id(&self) -> ID {
        id(self.0.endpoint_id)
    }
    /// The event sent; null for a ping.
    async fn event_id(&self) -> Option<ID> {
        self.0.event_id.map(id)
    }
    /// Pending, succeeded, or failed after every attempt.
    async fn status(&self) -> WebhookDeliveryStatus {
        match self.0.status.as_str() {
            domain::webhook::delivery::SUCCEEDED => WebhookDeliveryStatus::Succeeded,
            domain::webhook::delivery::FAILED => WebhookDeliveryStatus::Failed,
            _ => WebhookDeliveryStatus::Pending,
        }
    }
    /// Attempts made so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// When the next attempt is due (while pending).
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.status == domain::webhook::delivery::PENDING).then_some(self.0.next_attempt_at)
    }
}

/// Who did or read what.
pub struct AuditEntry(pub domain::audit::Entry);

/// Who did or read what, when, from where, and how it ended.
#[Object]
impl AuditEntry {
    /// Opaque id.
    async fn id(&self) -> ID {
        id(self.0.entry.id)
    }
    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.entry.at
    }
    /// The user or API key that asked.
    async fn actor_id(&self) -> Option<ID> {
        self.0.entry.actor_id.map(id)
    }
    /// The GraphQL field: `submitScorecard`, `candidateReport`…
    async fn operation(&self) -> &str {
        &self.0.entry.operation
    }
    /// A mutation, or a read of scorecards or a candidate report.
    async fn kind(&self) -> AuditEntryKind {
        if self.0.entry.kind == domain::audit::Kind::Read.as_str() {
            AuditEntryKind::Read
        } else {
            AuditEntryKind::Mutation
        }
    }
    /// `OK` or the error code answered.
    async fn outcome(&self) -> &str {
        &self.0.entry.outcome
    }
    /// The client's address.
    async fn client_ip(&self) -> &str {
        &self.0.entry.client_ip
    }
    /// The request's id (its `x-request-id`).
    async fn request_id(&self) -> &str {
        &self.0.entry.request_id
    }
    /// The records it concerns (ids in its arguments and its result).
    async fn subject_ids(&self) -> Vec<ID> {
        self.0.subjects.iter().copied().map(id).collect()
    }
}
