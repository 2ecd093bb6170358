//! GraphQL output types. Each wraps a domain model and loads related
//! records through the request's batch loader.

mod bank;
mod candidate;
mod integration;
mod panel;
mod plan;
mod report;
mod scorecard;
mod template;
mod user;

pub use bank::{Category, Competency, Question, QuestionVersion};
pub use candidate::{Candidate, StageChange};
pub use integration::{
    AuditEntry, Event, EventCursor, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookSecret,
};
pub use panel::{
    Exclusion, InterviewerLoad, InterviewerPool, LimitOverride, OverdueScorecard, PanelSeat,
    PanelSuggestion, PoolMember, PoolMembership, Suggestion,
};
pub use plan::{InterviewPlan, Round, RoundQuestion};
pub use report::{CandidateReport, InterviewerCalibration, PipelineReport, QuestionStats};
pub use scorecard::{Scorecard, ScorecardRevision};
pub use template::PlanTemplate;
pub use user::{ApiKey, Organization, User};

use async_graphql::Context;
use async_graphql::dataloader::Loader;

use super::context::loader;
use super::error::Code;
use super::loaders::DbLoader;

/// Loads one record that must exist (it is referenced by a foreign key).
async fn required<K>(
    ctx: &Context<'_>,
    key: K,
) -> async_graphql::Result<<DbLoader as Loader<K>>::Value>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + std::fmt::Debug + 'static,
    DbLoader: Loader<K, Error = async_graphql::Error>,
{
    loader(ctx)?.load_one(key.clone()).await?.ok_or_else(|| {
        tracing::error!(?key, "a referenced record is missing");
        Code::Internal.error("internal error; it has been logged, please try again later")
    })
}

/// Loads the children of a parent (empty when there are none).
async fn children<K>(
    ctx: &Context<'_>,
    key: K,
) -> async_graphql::Result<<DbLoader as Loader<K>>::Value>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    DbLoader: Loader<K, Error = async_graphql::Error>,
    <DbLoader as Loader<K>>::Value: Default,
{
    Ok(loader(ctx)?.load_one(key).await?.unwrap_or_default())
}
