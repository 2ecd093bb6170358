//! Assembling a panel: interviewer pools and their members, limits and
//! settings, `suggestPanel`, `overdueScorecards` and `interviewerLoad`.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use domain::page::PageRequest;
use domain::panel::{self, OverdueCursor, OverdueFilter};
use uuid::Uuid;

use super::ConnectionTotals;
use crate::graphql::context::{actor, db};
use crate::graphql::enums::{PoolLevel, RoundKind};
use crate::graphql::error::{GqlResultExt, bad_input};
use crate::graphql::ids;
use crate::graphql::types::{
    InterviewerLoad, InterviewerPool, OverdueScorecard, PanelSuggestion, PoolMember,
};
use crate::graphql::types::{Organization, User};

/// A pool's fields.
#[derive(InputObject)]
pub struct InterviewerPoolInput {
    /// Name such as "System design — senior", unique in the organization.
    pub name: String,
    /// Round kinds it qualifies for; empty: any.
    #[graphql(default)]
    pub round_kinds: Vec<RoundKind>,
    /// Competencies it qualifies for; empty: any.
    #[graphql(default)]
    pub competency_ids: Vec<ID>,
    /// Shadow interviews a trainee needs (0–50).
    #[graphql(default)]
    pub required_shadows: i32,
    /// Reverse-shadow interviews a trainee needs (0–50).
    #[graphql(default)]
    pub required_reverse_shadows: i32,
    /// Trainees who meet the counts graduate by themselves.
    #[graphql(default)]
    pub auto_graduate: bool,
    /// Who may graduate trainees; empty: any ADMIN or HIRING_MANAGER.
    #[graphql(default)]
    pub approver_ids: Vec<ID>,
}

impl InterviewerPoolInput {
    fn to_domain(&self) -> async_graphql::Result<panel::PoolInput> {
        Ok(panel::PoolInput {
            name: self.name.clone(),
            round_kinds: self.round_kinds.iter().map(|&k| k.into()).collect(),
            competency_ids: ids::parse_all("competencyIds", &self.competency_ids)?,
            required_shadows: i64::from(self.required_shadows),
            required_reverse_shadows: i64::from(self.required_reverse_shadows),
            auto_graduate: self.auto_graduate,
            approver_ids: ids::parse_all("approverIds", &self.approver_ids)?,
        })
    }
}

/// The organization's panel settings.
#[derive(InputObject)]
pub struct PanelSettingsInput {
    /// Interviews a user may have per UTC day; null: no limit.
    pub daily_interview_limit: Option<i32>,
    /// Interviews a user may have per week (Monday 00:00 UTC onwards).
    pub weekly_interview_limit: Option<i32>,
    /// Hours after a round's end its feedback is due (1–720).
    #[graphql(default = 24)]
    pub feedback_due_hours: i32,
    /// Require every interviewer to be qualified for the round to publish.
    #[graphql(default)]
    pub require_qualification: bool,
}

/// Reading pools and panel load.
#[derive(Default)]
pub struct PanelQuery;

fn overdue_cursor(cursor: &OverdueCursor) -> String {
    format!("{}.{}", cursor.round_id, cursor.user_id)
}

fn parse_overdue_cursor(text: &str) -> async_graphql::Result<OverdueCursor> {
    let parsed = text.split_once('.').and_then(|(round, user)| {
        Some((Uuid::parse_str(round).ok()?, Uuid::parse_str(user).ok()?))
    });
    match parsed {
        Some((round_id, user_id)) => Ok(OverdueCursor { round_id, user_id }),
        None => Err(bad_input(&[domain::Problem::new(
            "after",
            "is not a cursor from this list; pass an edge's `cursor` or `pageInfo.endCursor`",
        )])),
    }
}

/// Reading pools and panel load.
#[Object]
impl PanelQuery {
    /// The organization's interviewer pools by name, with their members.
    async fn interviewer_pools(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<InterviewerPool>> {
        let actor = actor(ctx)?;
        let pools = panel::pools(db(ctx), &actor).await.gql()?;
        let ids: Vec<Uuid> = pools.iter().map(|p| p.pool.id).collect();
        let mut members = panel::members_of(db(ctx), &actor, &ids).await.gql()?;
        Ok(pools
            .into_iter()
            .map(|pool| {
                let (mine, rest) = members.drain(..).partition(|m| m.pool_id == pool.pool.id);
                members = rest;
                InterviewerPool {
                    pool,
                    members: mine,
                }
            })
            .collect())
    }

    /// Who should interview in a round: up to `size` (1–10) qualified,
    /// unpaused members of pools matching the round, leaving out anyone on
    /// the panel already, anyone who interviews the candidate in another
    /// round, anyone booked at an overlapping time and anyone at a limit;
    /// fewest interviews in the trailing four weeks first (then this week,
    /// then name). `withTrainee` adds one shadow or reverse-shadow trainee.
    /// For ADMIN and HIRING_MANAGER.
    async fn suggest_panel(
        &self,
        ctx: &Context<'_>,
        round_id: ID,
        #[graphql(default = 3)] size: i32,
        #[graphql(default)] with_trainee: bool,
    ) -> async_graphql::Result<PanelSuggestion> {
        let actor = actor(ctx)?;
        let round_id = ids::parse("roundId", &round_id)?;
        panel::suggest_panel(db(ctx), &actor, round_id, i64::from(size), with_trainee)
            .await
            .gql()
            .map(PanelSuggestion)
    }

    /// Assigned interviewers of published plans who have not submitted by
    /// the round's feedback due time (`feedbackDueAt`, else the
    /// organization's `feedbackDueHours` after the round ends), by round.
    /// Interviewers see only their own.
    async fn overdue_scorecards(
        &self,
        ctx: &Context<'_>,
        interviewer_id: Option<ID>,
        candidate_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, OverdueScorecard, ConnectionTotals>> {
        let actor = actor(ctx)?;
        let filter = OverdueFilter {
            interviewer_id: interviewer_id
                .map(|id| ids::parse("interviewerId", &id))
                .transpose()?,
            candidate_id: candidate_id
                .map(|id| ids::parse("candidateId", &id))
                .transpose()?,
        };
        let cursor = after.as_deref().map(parse_overdue_cursor).transpose()?;
        let page = PageRequest::new(first.map(i64::from), None).map_err(|p| bad_input(&[p]))?;
        let count = ctx.look_ahead().field("totalCount").exists();
        let found = panel::overdue(db(ctx), &actor, filter, page.first, cursor, count)
            .await
            .gql()?;
        let mut connection = Connection::with_additional_fields(
            cursor.is_some(),
            found.has_next_page,
            ConnectionTotals {
                total_count: found.total_count,
            },
        );
        connection.edges.extend(
            found
                .items
                .into_iter()
                .map(|item| Edge::new(overdue_cursor(&item.cursor()), OverdueScorecard(item))),
        );
        Ok(connection)
    }

    /// Per interviewer, by name: interviews this week and in the trailing
    /// four weeks, limits, pools and levels, and how punctual their
    /// feedback was over the last 90 days. Interviewers get only their own.
    async fn interviewer_load(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<InterviewerLoad>> {
        let actor = actor(ctx)?;
        let rows = panel::interviewer_load(db(ctx), &actor).await.gql()?;
        Ok(rows.into_iter().map(InterviewerLoad).collect())
    }
}

/// Managing pools, members, limits and panel settings.
#[derive(Default)]
pub struct PanelMutation;

/// The (pool, user) of a membership argument pair.
fn membership(pool_id: &ID, user_id: &ID) -> async_graphql::Result<(Uuid, Uuid)> {
    Ok((
        ids::parse("poolId", pool_id)?,
        ids::parse("userId", user_id)?,
    ))
}

async fn member(
    ctx: &Context<'_>,
    pool_id: Uuid,
    found: domain::entity::pool_member::Model,
) -> async_graphql::Result<PoolMember> {
    let actor = actor(ctx)?;
    let pool = panel::pool(db(ctx), &actor, pool_id).await.gql()?;
    Ok(PoolMember {
        member: found,
        pool,
    })
}

/// Managing pools, members, limits and panel settings.
#[Object]
impl PanelMutation {
    /// Creates an interviewer pool; ADMIN and HIRING_MANAGER.
    async fn create_interviewer_pool(
        &self,
        ctx: &Context<'_>,
        input: InterviewerPoolInput,
    ) -> async_graphql::Result<InterviewerPool> {
        let actor = actor(ctx)?;
        let pool = panel::create_pool(db(ctx), &actor, input.to_domain()?)
            .await
            .gql()?;
        Ok(InterviewerPool {
            pool,
            members: Vec::new(),
        })
    }

    /// Replaces a pool's fields; members and their progress stay.
    async fn update_interviewer_pool(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: InterviewerPoolInput,
    ) -> async_graphql::Result<InterviewerPool> {
        let actor = actor(ctx)?;
        let id = ids::parse("id", &id)?;
        let pool = panel::update_pool(db(ctx), &actor, id, input.to_domain()?)
            .await
            .gql()?;
        let members = panel::members_of(db(ctx), &actor, &[id]).await.gql()?;
        Ok(InterviewerPool { pool, members })
    }

    /// Deletes a pool and its memberships.
    async fn delete_interviewer_pool(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<bool> {
        let actor = actor(ctx)?;
        panel::delete_pool(db(ctx), &actor, ids::parse("id", &id)?)
            .await
            .gql()?;
        Ok(true)
    }

    /// Adds a user to a pool: QUALIFIED for someone who already
    /// interviews, a trainee level to start the training path.
    async fn add_pool_member(
        &self,
        ctx: &Context<'_>,
        pool_id: ID,
        user_id: ID,
        level: PoolLevel,
    ) -> async_graphql::Result<PoolMember> {
        let actor = actor(ctx)?;
        let (pool_id, user_id) = membership(&pool_id, &user_id)?;
        let found = panel::add_member(db(ctx), &actor, pool_id, user_id, level.into())
            .await
            .gql()?;
        member(ctx, pool_id, found).await
    }

    /// Removes a user from a pool, with their training progress there.
    async fn remove_pool_member(
        &self,
        ctx: &Context<'_>,
        pool_id: ID,
        user_id: ID,
    ) -> async_graphql::Result<bool> {
        let actor = actor(ctx)?;
        let (pool_id, user_id) = membership(&pool_id, &user_id)?;
        panel::remove_member(db(ctx), &actor, pool_id, user_id)
            .await
            .gql()?;
        Ok(true)
    }

    /// Pauses a member until `until` (RFC 3339, in the future), or until
    /// resumed when absent.
    async fn pause_pool_member(
        &self,
        ctx: &Context<'_>,
        pool_id: ID,
        user_id: ID,
        until: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<PoolMember> {
        let actor = actor(ctx)?;
        let (pool_id, user_id) = membership(&pool_id, &user_id)?;
        let found = panel::pause_member(db(ctx), &actor, pool_id, user_id, until)
            .await
            .gql()?;
        member(ctx, pool_id, found).await
    }

    /// Ends a member's pause.
    async fn resume_pool_member(
        &self,
        ctx: &Context<'_>,
        pool_id: ID,
        user_id: ID,
    ) -> async_graphql::Result<PoolMember> {
        let actor = actor(ctx)?;
        let (pool_id, user_id) = membership(&pool_id, &user_id)?;
        let found = panel::resume_member(db(ctx), &actor, pool_id, user_id)
            .await
            .gql()?;
        member(ctx, pool_id, found).await
    }

    /// Graduates a trainee to QUALIFIED once the training path's counts are
    /// met (CONFLICT before); only the pool's approvers may (FORBIDDEN).
    async fn graduate_pool_member(
        &self,
        ctx: &Context<'_>,
        pool_id: ID,
        user_id: ID,
    ) -> async_graphql::Result<PoolMember> {
        let actor = actor(ctx)?;
        let (pool_id, user_id) = membership(&pool_id, &user_id)?;
        let found = panel::graduate(db(ctx), &actor, pool_id, user_id)
            .await
            .gql()?;
        member(ctx, pool_id, found).await
    }

    /// Sets interview limits, feedback due hours and whether publishing
    /// requires qualified interviewers; ADMIN only.
    async fn set_panel_settings(
        &self,
        ctx: &Context<'_>,
        input: PanelSettingsInput,
    ) -> async_graphql::Result<Organization> {
        let actor = actor(ctx)?;
        let settings = panel::PanelSettings {
            daily_interview_limit: input.daily_interview_limit,
            weekly_interview_limit: input.weekly_interview_limit,
            feedback_due_hours: input.feedback_due_hours,
            require_qualification: input.require_qualification,
        };
        panel::set_panel_settings(db(ctx), &actor, settings)
            .await
            .gql()
            .map(Organization)
    }

    /// Sets a user's own interview limits (null: the organization's
    /// apply); ADMIN and HIRING_MANAGER.
    async fn set_interview_limits(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        daily: Option<i32>,
        weekly: Option<i32>,
    ) -> async_graphql::Result<User> {
        let actor = actor(ctx)?;
        let user_id = ids::parse("userId", &user_id)?;
        panel::set_interview_limits(db(ctx), &actor, user_id, daily, weekly)
            .await
            .gql()
            .map(User)
    }
}
