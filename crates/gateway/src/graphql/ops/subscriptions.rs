//! Live updates over WebSocket (see `docs/subscriptions.md`).

use async_graphql::{Context, ID, Subscription};
use domain::{Actor, Error, scorecard};
use futures_util::stream::{self, Stream};
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast::{self, error::RecvError};
use uuid::Uuid;

use crate::events::ScorecardSubmitted;
use crate::graphql::context::{actor, db};
use crate::graphql::error::{GqlResultExt, to_graphql};
use crate::graphql::ids;
use crate::graphql::types::Scorecard;

/// Scorecard events.
#[derive(Default)]
pub struct ScorecardSubscription;

#[Subscription]
impl ScorecardSubscription {
    /// Each scorecard of your organization as it is submitted, only for
    /// `candidateId` when given. The blind rule applies: an interviewer
    /// receives a colleague's scorecard for a candidate only once they have
    /// submitted their own for that candidate.
    async fn scorecard_submitted(
        &self,
        ctx: &Context<'_>,
        candidate_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Scorecard>>> {
        let actor = actor(ctx)?;
        let candidate_id = candidate_id
            .map(|id| ids::parse("candidateId", &id))
            .transpose()?;
        // Subscribe before any await, so nothing submitted from here on is missed.
        let events = crate::graphql::context::state(ctx).events.subscribe();
        let db = db(ctx).clone();
        if let Some(id) = candidate_id {
            domain::candidate::get(&db, &actor, id).await.gql()?;
        }
        let feed = Feed {
            events,
            db,
            actor,
            candidate_id,
        };
        Ok(stream::unfold(feed, |mut feed| async move {
            let next = feed.next().await?;
            Some((next, feed))
        }))
    }
}

/// One subscriber's view of the event bus.
struct Feed {
    events: broadcast::Receiver<ScorecardSubmitted>,
    db: DatabaseConnection,
    actor: Actor,
    candidate_id: Option<Uuid>,
}

impl Feed {
    /// The next scorecard this subscriber may see; `None` once the bus closed.
    async fn next(&mut self) -> Option<async_graphql::Result<Scorecard>> {
        loop {
            let event = match self.events.recv().await {
                Ok(event) => event,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(
                        missed,
                        user_id = %self.actor.user_id,
                        "a subscriber fell behind and skipped scorecard events"
                    );
                    continue;
                }
                Err(RecvError::Closed) => return None,
            };
            if event.organization_id != self.actor.organization_id
                || self.candidate_id.is_some_and(|id| id != event.candidate_id)
            {
                continue;
            }
            // The domain decides visibility: hidden (blind rule) is NotFound.
            match scorecard::get_as_event(&self.db, &self.actor, event.scorecard_id).await {
                Ok(card) => return Some(Ok(Scorecard(card))),
                Err(Error::NotFound { .. }) => continue,
                Err(other) => return Some(Err(to_graphql(other))),
            }
        }
    }
}
