//! Integrations: the event history, webhook endpoints and their deliveries
//! (administrators), and the audit log (administrators).

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use domain::event::{EventQuery, EventType};
use domain::webhook::{self, EndpointInput};

use super::{Listing, listing, page_request};
use crate::graphql::context::{actor, db, state};
use crate::graphql::error::{GqlResultExt, bad_input};
use crate::graphql::ids;
use crate::graphql::types::{
    AuditEntry, Event, EventCursor, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookSecret,
};

/// What an endpoint is set to.
#[derive(InputObject)]
pub struct WebhookEndpointInput {
    /// Where deliveries are POSTed: `https://…` (`http://` outside
    /// production). Loopback, private, link-local and other non-public
    /// addresses are refused unless the operator set
    /// `WEBHOOK_ALLOW_PRIVATE=true`.
    pub url: String,
    /// The event types to send (`scorecard.submitted`…); empty or absent
    /// sends every type.
    #[graphql(default)]
    pub event_types: Vec<String>,
    /// What it is for.
    #[graphql(default)]
    pub description: String,
    /// Whether deliveries are made.
    #[graphql(default = true)]
    pub enabled: bool,
}

/// Which audit entries to list; every field narrows the result.
#[derive(InputObject, Default)]
pub struct AuditFilter {
    /// Entries of this user or API key.
    pub actor_id: Option<ID>,
    /// Entries concerning this record (a candidate, scorecard, round…).
    pub subject_id: Option<ID>,
    /// Entries of this operation (the GraphQL field, e.g. `submitScorecard`).
    pub operation: Option<String>,
    /// At or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Before this time.
    pub to: Option<DateTime<Utc>>,
}

/// Integrations' reads.
#[derive(Default)]
pub struct IntegrationQuery;

#[Object]
impl IntegrationQuery {
    /// The organization's events after `after` (from the start when
    /// absent), oldest first, at most `first` (1 to 500, default 100); only
    /// `types` when given. For roles that read every scorecard.
    async fn events(
        &self,
        ctx: &Context<'_>,
        after: Option<EventCursor>,
        types: Option<Vec<String>>,
        #[graphql(default = 100)] first: i32,
    ) -> async_graphql::Result<Vec<Event>> {
        let actor = actor(ctx)?;
        let types = EventType::parse_all("types", &types.unwrap_or_default()).gql()?;
        let query = EventQuery {
            after: after.map_or(0, |c| c.0),
            types,
            candidate_id: None,
            limit: u64::try_from(first.clamp(1, 500)).unwrap_or(100),
        };
        let events = domain::event::history(db(ctx), &actor, &query)
            .await
            .gql()?;
        Ok(events.into_iter().map(Event).collect())
    }

    /// The organization's webhook endpoints (administrators).
    async fn webhook_endpoints(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<WebhookEndpoint>> {
        let actor = actor(ctx)?;
        let endpoints = webhook::list(db(ctx), &actor).await.gql()?;
        Ok(endpoints.into_iter().map(WebhookEndpoint).collect())
    }

    /// One webhook endpoint (administrators).
    async fn webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookEndpoint> {
        let actor = actor(ctx)?;
        webhook::get(db(ctx), &actor, ids::parse("id", &id)?)
            .await
            .gql()
            .map(WebhookEndpoint)
    }

    /// The audit log, newest first (administrators): every mutation and
    /// every read of scorecards or candidate reports, kept for
    /// `AUDIT_RETENTION_DAYS` (365 by default).
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Listing<AuditEntry>> {
        let actor = actor(ctx)?;
        let filter = filter.unwrap_or_default();
        let parse = |field: &'static str, value: Option<ID>| {
            value.map(|v| ids::parse(field, &v)).transpose()
        };
        let filter = domain::audit::AuditFilter {
            actor_id: parse("filter.actorId", filter.actor_id)?,
            subject_id: parse("filter.subjectId", filter.subject_id)?,
            operation: filter.operation,
            from: filter.from,
            to: filter.to,
        };
        let has_after = after.is_some();
        let page = domain::audit::page(db(ctx), &actor, &filter, page_request(ctx, first, after)?)
            .await
            .gql()?;
        Ok(listing(page, has_after, |e| e.entry.id, AuditEntry))
    }
}

/// Integrations' changes.
#[derive(Default)]
pub struct IntegrationMutation;

/// Checks `url` against the gateway's delivery policy, resolving its host
/// now so a name that only reaches private addresses is refused at once
/// (it is checked again at every connection).
async fn allowed_url(ctx: &Context<'_>, url: &str) -> async_graphql::Result<()> {
    let policy = state(ctx).webhooks.policy();
    let refuse = |message: String| bad_input(&[domain::Problem::new("input.url", message)]);
    let parsed = crate::webhooks::net::check_url(url.trim(), policy).map_err(refuse)?;
    if let (false, Some(url::Host::Domain(host))) = (policy.allow_private, parsed.host()) {
        crate::webhooks::net::check_name(host)
            .await
            .map_err(refuse)?;
    }
    Ok(())
}

impl WebhookEndpointInput {
    fn into_domain(self) -> EndpointInput {
        EndpointInput {
            url: self.url,
            description: self.description,
            event_types: self.event_types,
            enabled: self.enabled,
        }
    }
}

#[Object]
impl IntegrationMutation {
    /// Registers a webhook endpoint (administrators). The answer carries its
    /// secret, shown this once: deliveries are signed with it as Standard
    /// Webhooks (see the README's Webhooks section).
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        input: WebhookEndpointInput,
    ) -> async_graphql::Result<WebhookSecret> {
        let actor = actor(ctx)?;
        actor.require(domain::Permission::ManageUsers).gql()?;
        allowed_url(ctx, &input.url).await?;
        let (endpoint, secret) = webhook::create(db(ctx), &actor, input.into_domain())
            .await
            .gql()?;
        Ok(WebhookSecret {
            endpoint: WebhookEndpoint(endpoint),
            secret,
        })
    }

    /// Changes an endpoint (administrators). Enabling a disabled endpoint
    /// clears the reason it was disabled for.
    async fn update_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: WebhookEndpointInput,
    ) -> async_graphql::Result<WebhookEndpoint> {
        let actor = actor(ctx)?;
        let id = ids::parse("id", &id)?;
        actor.require(domain::Permission::ManageUsers).gql()?;
        allowed_url(ctx, &input.url).await?;
        webhook::update(db(ctx), &actor, id, input.into_domain())
            .await
            .gql()
            .map(WebhookEndpoint)
    }

    /// Deletes an endpoint with its deliveries and their log
    /// (administrators); returns its id.
    async fn delete_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ID> {
        let actor = actor(ctx)?;
        webhook::delete(db(ctx), &actor, ids::parse("id", &id)?)
            .await
            .gql()
            .map(ids::id)
    }

    /// Gives an endpoint a new secret, shown this once (administrators).
    /// For 24 hours deliveries carry a signature with the old secret too,
    /// so the receiver can switch without losing any.
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookSecret> {
        let actor = actor(ctx)?;
        let (endpoint, secret) = webhook::rotate_secret(db(ctx), &actor, ids::parse("id", &id)?)
            .await
            .gql()?;
        Ok(WebhookSecret {
            endpoint: WebhookEndpoint(endpoint),
            secret,
        })
    }

    /// Sends an event to an endpoint again, with a fresh set of attempts
    /// (administrators). The receiver sees the same `webhook-id` as before.
    async fn redeliver_event(
        &self,
        ctx: &Context<'_>,
        endpoint_id: ID,
        event_id: ID,
    ) -> async_graphql::Result<WebhookDelivery> {
        let actor = actor(ctx)?;
        webhook::delivery::redeliver(
            db(ctx),
            &actor,
            ids::parse("endpointId", &endpoint_id)?,
            ids::parse("eventId", &event_id)?,
        )
        .await
        .gql()
        .map(WebhookDelivery)
    }

    /// Sends a `webhook.ping` to an endpoint now and answers with the
    /// attempt (administrators): a check of the URL, the receiver and its
    /// signature verification. Not retried.
    async fn ping_webhook(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookAttempt> {
        let actor = actor(ctx)?;
        let due = webhook::delivery::ping(db(ctx), &actor, ids::parse("id", &id)?)
            .await
            .gql()?;
        state(ctx)
            .webhooks
            .deliver(&due, Utc::now(), false)
            .await
            .map(WebhookAttempt)
            .ok_or_else(|| {
                crate::graphql::error::Code::Internal
                    .error("the ping was sent but its attempt could not be recorded; try again")
            })
    }
}
