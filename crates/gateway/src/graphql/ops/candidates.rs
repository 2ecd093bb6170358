//! Candidates: listing, adding, editing and moving between stages.

use async_graphql::{Context, ID, InputObject, Object};
use domain::candidate;

use super::{Listing, listing, page_request};
use crate::graphql::context::{actor, db};
use crate::graphql::enums::{CandidateStage, Level};
use crate::graphql::error::GqlResultExt;
use crate::graphql::ids;
use crate::graphql::tree::{CandidatePage, Rendered};
use crate::graphql::types::{Candidate, Organization};

/// Which candidates to list; every field narrows the result.
#[derive(InputObject, Default)]
pub struct CandidateFilter {
    /// Candidates in any of these stages.
    pub stages: Option<Vec<CandidateStage>>,
    /// Candidates for this position title (case-insensitive, exact).
    pub position: Option<String>,
    /// Candidates targeted at this level.
    pub level: Option<Level>,
    /// Case-insensitive text in the name or email.
    pub search: Option<String>,
}

/// A candidate's details.
#[derive(InputObject)]
pub struct CandidateInput {
    /// Full name.
    pub name: String,
    /// Email, unique in the organization.
    pub email: String,
    /// The role applied for.
    pub position_title: String,
    /// The level hired for.
    pub target_level: Level,
}

impl From<CandidateInput> for candidate::CandidateInput {
    fn from(input: CandidateInput) -> Self {
        candidate::CandidateInput {
            name: input.name,
            email: input.email,
            position_title: input.position_title,
            target_level: input.target_level.into(),
        }
    }
}

/// Reading candidates.
#[derive(Default)]
pub struct CandidateQuery;

/// Reading candidates.
#[Object]
impl CandidateQuery {
    /// Candidates, filtered and paged (oldest first).
    async fn candidates(
        &self,
        ctx: &Context<'_>,
        filter: Option<CandidateFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Rendered<Listing<Candidate>>> {
        let actor = actor(ctx)?;
        let filter = filter.unwrap_or_default();
        let filter = candidate::CandidateFilter {
            stages: filter
                .stages
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            position: filter.position,
            level: filter.level.map(Into::into),
            search: filter.search,
        };
        let has_after = after.is_some();
        let request = page_request(ctx, first, after)?;
        if let Some((page, audited)) = CandidatePage::compile(ctx) {
            let value = page
                .read(db(ctx), &actor, &filter, request, has_after, &audited)
                .await?;
            return Ok(Rendered::value(value));
        }
        let page = candidate::list(db(ctx), &actor, &filter, request)
            .await
            .gql()?;
        Ok(Rendered::Objects(listing(
            page,
            has_after,
            |c| c.id,
            Candidate,
        )))
    }

    /// One candidate; an unknown id is null with a NOT_FOUND error.
    async fn candidate(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<Candidate>> {
        let actor = actor(ctx)?;
        let found = candidate::get(db(ctx), &actor, ids::parse("id", &id)?)
            .await
            .gql()?;
        Ok(Some(Candidate(found)))
    }
}

/// Changing candidates.
#[derive(Default)]
pub struct CandidateMutation;

/// Changing candidates.
#[Object]
impl CandidateMutation {
    /// Adds a candidate at stage APPLIED.
    async fn create_candidate(
        &self,
        ctx: &Context<'_>,
        input: CandidateInput,
    ) -> async_graphql::Result<Candidate> {
        let actor = actor(ctx)?;
        candidate::create(db(ctx), &actor, input.into())
            .await
            .gql()
            .map(Candidate)
    }

    /// Changes a candidate's details (not the stage).
    async fn update_candidate(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: CandidateInput,
    ) -> async_graphql::Result<Candidate> {
        let actor = actor(ctx)?;
        let id = ids::parse("id", &id)?;
        candidate::update(db(ctx), &actor, id, input.into())
            .await
            .gql()
            .map(Candidate)
    }

    /// Moves a candidate: one step forward (APPLIED → SCREENING →
    /// INTERVIEWING → OFFER → HIRED), or to REJECTED or WITHDRAWN from any
    /// open stage.
    async fn move_candidate(
        &self,
        ctx: &Context<'_>,
        id: ID,
        stage: CandidateStage,
    ) -> async_graphql::Result<Candidate> {
        let actor = actor(ctx)?;
        let id = ids::parse("id", &id)?;
        candidate::move_stage(db(ctx), &actor, id, stage.into())
            .await
            .gql()
            .map(Candidate)
    }

    /// Erases a candidate's personal data (hiring managers and
    /// administrators): name, email, scorecard summaries and notes become
    /// a tombstone, in one step. Ratings, recommendations, stages and dates
    /// stay, so every report keeps its figures. Who erased and why is kept.
    async fn erase_candidate(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> async_graphql::Result<Candidate> {
        let actor = actor(ctx)?;
        let id = ids::parse("id", &id)?;
        candidate::erase(db(ctx), &actor, id, &reason)
            .await
            .gql()
            .map(Candidate)
    }

    /// Everything held about a candidate as one JSON document, for a
    /// subject-access request (hiring managers and administrators).
    async fn export_candidate_data(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<String> {
        let actor = actor(ctx)?;
        let id = ids::parse("id", &id)?;
        let document = candidate::export(db(ctx), &actor, id).await.gql()?;
        serde_json::to_string_pretty(&document).map_err(|err| {
            tracing::error!(error = %err, "writing a candidate export failed");
            crate::graphql::error::internal()
        })
    }

    /// Sets the organization's retention rule (administrators only):
    /// candidates closed as REJECTED or WITHDRAWN more than `days` ago are
    /// erased by a background task; null keeps them until erased by hand.
    async fn set_candidate_retention(
        &self,
        ctx: &Context<'_>,
        days: Option<i32>,
    ) -> async_graphql::Result<Organization> {
        let actor = actor(ctx)?;
        domain::organization::set_retention(db(ctx), &actor, days)
            .await
            .gql()
            .map(Organization)
    }
}
