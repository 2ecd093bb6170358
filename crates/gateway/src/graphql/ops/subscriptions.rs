//! Live updates over WebSocket (see `docs/subscriptions.md`), read from the
//! outbox after a cursor: a subscriber that reconnects with the last cursor
//! it received replays what it missed, then goes live. Wake-ups (local
//! commits, other gateways' notifications) only say "read again"; a poll
//! every few seconds covers a lost one.

use std::collections::VecDeque;
use std::time::Duration;

use async_graphql::{Context, ID, Subscription};
use domain::entity::event;
use domain::event::{EventQuery, EventType};
use domain::{Actor, Error, scorecard};
use futures_util::stream::{self, Stream};
use sea_orm::DatabaseConnection;
use tokio::sync::watch;
use uuid::Uuid;

use crate::graphql::context::{actor, db, state};
use crate::graphql::error::{GqlResultExt, to_graphql};
use crate::graphql::ids;
use crate::graphql::types::{Event, EventCursor, Scorecard};

/// Events read per query.
const PAGE: u64 = 100;
/// Longest wait without a wake-up before reading again.
const POLL: Duration = Duration::from_secs(3);

/// Live updates.
#[derive(Default)]
pub struct ScorecardSubscription;

#[Subscription]
impl ScorecardSubscription {
    /// Each scorecard of your organization as it is submitted or amended,
    /// only for `candidateId` when given. With `after` (a scorecard's
    /// `eventCursor`, or an event's `cursor`), first every submission
    /// since then, in order; without it, from now on. The blind rule
    /// applies: an interviewer receives a colleague's scorecard for a
    /// candidate only once they have submitted their own for that
    /// candidate.
    async fn scorecard_submitted(
        &self,
        ctx: &Context<'_>,
        candidate_id: Option<ID>,
        after: Option<EventCursor>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Scorecard>>> {
        let actor = actor(ctx)?;
        let candidate_id = candidate_id
            .map(|id| ids::parse("candidateId", &id))
            .transpose()?;
        let db = db(ctx).clone();
        if let Some(id) = candidate_id {
            domain::candidate::get(&db, &actor, id).await.gql()?;
        }
        let query = EventQuery {
            after: 0,
            types: vec![EventType::ScorecardSubmitted, EventType::ScorecardAmended],
            candidate_id,
            limit: PAGE,
        };
        let audit = state(ctx).audit.clone();
        let feed = Feed::start(db, actor, query, after, audit, true).await?;
        Ok(stream::unfold(feed, |mut feed| async move {
            loop {
                let event = match feed.next().await {
                    Ok(event) => event,
                    Err(err) => return Some((Err(to_graphql(err)), feed)),
                };
                let Some(id) = card_of(&event) else { continue };
                // The domain decides visibility: hidden (blind rule) is NotFound.
                match scorecard::get_as_event(&feed.db, &feed.actor, id).await {
                    Ok(card) => {
                        feed.audit_read("scorecardSubmitted", &card);
                        return Some((Ok(Scorecard::delivered(card, event.seq)), feed));
                    }
                    Err(Error::NotFound { .. }) => continue,
                    Err(other) => return Some((Err(to_graphql(other)), feed)),
                }
            }
        }))
    }

    /// Every event of your organization (only `types` when given), for
    /// administrators, hiring managers, viewers and API keys: with `after`,
    /// first every event since that cursor, in order; then live. Payloads
    /// carry ids and states only, never ratings or notes.
    async fn events(
        &self,
        ctx: &Context<'_>,
        types: Option<Vec<String>>,
        after: Option<EventCursor>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Event>>> {
        let actor = actor(ctx)?;
        actor.require(domain::Permission::ReadAllScorecards).gql()?;
        let types = EventType::parse_all("types", &types.unwrap_or_default()).gql()?;
        let query = EventQuery {
            after: 0,
            types,
            candidate_id: None,
            limit: PAGE,
        };
        let db = db(ctx).clone();
        let audit = state(ctx).audit.clone();
        let feed = Feed::start(db, actor, query, after, audit, false).await?;
        Ok(stream::unfold(feed, |mut feed| async move {
            match feed.next().await {
                Ok(event) => Some((Ok(Event(event)), feed)),
                Err(err) => Some((Err(to_graphql(err)), feed)),
            }
        }))
    }
}

/// The scorecard a submission or amendment event is about.
fn card_of(event: &event::Model) -> Option<Uuid> {
    serde_json::from_str::<serde_json::Value>(&event.data)
        .ok()?
        .get("scorecardId")?
        .as_str()
        .and_then(|id| Uuid::parse_str(id).ok())
}

/// One subscriber's position in the organization's history.
struct Feed {
    db: DatabaseConnection,
    actor: Actor,
    query: EventQuery,
    /// Scorecard submissions (for anyone) rather than the whole history
    /// (for roles that read every scorecard).
    submissions: bool,
    wakeups: watch::Receiver<u64>,
    queue: VecDeque<event::Model>,
    audit: crate::audit::AuditLog,
}

impl Feed {
    /// Starts after `after`, or after the latest event when absent.
    /// Listens for wake-ups before reading, so nothing committed in between
    /// is missed.
    async fn start(
        db: DatabaseConnection,
        actor: Actor,
        mut query: EventQuery,
        after: Option<EventCursor>,
        audit: crate::audit::AuditLog,
        submissions: bool,
    ) -> async_graphql::Result<Self> {
        let wakeups = domain::event::wakeups();
        query.after = match after {
            Some(cursor) => cursor.0,
            None => domain::event::latest(&db, &actor).await.gql()?,
        };
        Ok(Feed {
            db,
            actor,
            query,
            submissions,
            wakeups,
            queue: VecDeque::new(),
            audit,
        })
    }

    /// The next event, waiting for one if need be.
    async fn next(&mut self) -> Result<event::Model, Error> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                self.query.after = event.seq;
                return Ok(event);
            }
            // Marks the current wake-up as seen before reading, so one that
            // arrives during the read is not lost.
            self.wakeups.borrow_and_update();
            let page = if self.submissions {
                domain::event::submissions(&self.db, &self.actor, &self.query).await?
            } else {
                domain::event::history(&self.db, &self.actor, &self.query).await?
            };
            if page.is_empty() {
                tokio::select! {
                    _ = self.wakeups.changed() => {}
                    _ = tokio::time::sleep(POLL) => {}
                }
            }
            self.queue.extend(page);
        }
    }

    /// Audits the read of a scorecard delivered to this subscriber.
    fn audit_read(&self, operation: &str, card: &domain::entity::scorecard::Model) {
        self.audit.reads(vec![domain::audit::NewEntry {
            organization_id: Some(self.actor.organization_id),
            actor_id: Some(self.actor.user_id),
            operation: operation.to_owned(),
            kind: domain::audit::Kind::Read,
            outcome: "OK".to_owned(),
            client_ip: String::new(),
            request_id: String::new(),
            at: chrono::Utc::now(),
            subjects: vec![card.id, card.candidate_id, card.round_id],
        }]);
    }
}
