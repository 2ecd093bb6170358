//! Assembling a panel: pools and members, panel seats, suggestions,
//! overdue scorecards and interviewer load.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use domain::entity::{limit_override, pool_member, user};
use domain::panel::{self, Pool};

use super::{Candidate, Competency, Round, User, required};
use crate::graphql::context::loader;
use crate::graphql::enums::{PanelRole, PoolLevel, RoundKind};
use crate::graphql::ids::id;
use crate::graphql::loaders::{CandidateById, CompetencyById, UserById};

/// Someone on a round's panel, with their part.
pub struct PanelSeat {
    /// Who.
    pub user: user::Model,
    /// Their part.
    pub role: domain::types::PanelRole,
}

/// Someone on a round's panel, with their part.
#[Object]
impl PanelSeat {
    /// Who.
    async fn user(&self) -> User {
        User(self.user.clone())
    }
    /// Their part: SHADOW or REVERSE_SHADOW for trainees.
    async fn role(&self) -> PanelRole {
        self.role.into()
    }
}

/// An interviewer assigned beyond an interview limit.
pub struct LimitOverride(pub limit_override::Model);

/// An interviewer assigned beyond an interview limit.
#[Object]
impl LimitOverride {
    /// The interviewer.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        required(ctx, UserById(self.0.user_id)).await.map(User)
    }
    /// Who set the limit aside.
    async fn overridden_by(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        required(ctx, UserById(self.0.overridden_by))
            .await
            .map(User)
    }
    /// The limit that was set aside, as the refusal said it.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// When.
    async fn overridden_at(&self) -> DateTime<Utc> {
        self.0.overridden_at
    }
}

/// A pool of interviewers qualified (or training) for some rounds.
pub struct InterviewerPool {
    /// The pool.
    pub pool: Pool,
    /// Its members.
    pub members: Vec<pool_member::Model>,
}

/// A pool of interviewers qualified, or training, for some rounds.
#[Object]
impl InterviewerPool {
    /// Opaque id.
    async fn id(&self) -> ID {
        id(self.pool.pool.id)
    }
    /// Name such as "System design — senior".
    async fn name(&self) -> &str {
        &self.pool.pool.name
    }
    /// Round kinds it qualifies for; empty: any.
    async fn round_kinds(&self) -> Vec<RoundKind> {
        self.pool.round_kinds.iter().map(|&k| k.into()).collect()
    }
    /// Competencies it qualifies for; empty: any. A pool matches a round
    /// when it qualifies for the round's kind and, if it names
    /// competencies, for one of the round's focus competencies.
    async fn competencies(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Competency>> {
        let mut found: Vec<Competency> = loader(ctx)?
            .load_many(self.pool.competency_ids.iter().map(|&c| CompetencyById(c)))
            .await?
            .into_values()
            .map(Competency)
            .collect();
        found.sort_by_key(|c| c.0.position);
        Ok(found)
    }
    /// Shadow interviews a trainee needs.
    async fn required_shadows(&self) -> i32 {
        self.pool.pool.required_shadows
    }
    /// Reverse-shadow interviews a trainee needs.
    async fn required_reverse_shadows(&self) -> i32 {
        self.pool.pool.required_reverse_shadows
    }
    /// Whether trainees graduate by themselves once the counts are met.
    async fn auto_graduate(&self) -> bool {
        self.pool.pool.auto_graduate
    }
    /// Who may graduate trainees; empty: any ADMIN or HIRING_MANAGER.
    async fn approvers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<User>> {
        let mut found: Vec<User> = loader(ctx)?
            .load_many(self.pool.approver_ids.iter().map(|&u| UserById(u)))
            .await?
            .into_values()
            .map(User)
            .collect();
        found.sort_by(|a, b| a.0.display_name.cmp(&b.0.display_name));
        Ok(found)
    }
    /// Members, in the order they joined.
    async fn members(&self) -> Vec<PoolMember> {
        self.members
            .iter()
            .map(|m| PoolMember {
                member: m.clone(),
                pool: self.pool.clone(),
            })
            .collect()
    }
}

/// A member of a pool, with their training progress.
pub struct PoolMember {
    /// The membership.
    pub member: pool_member::Model,
    /// Its pool.
    pub pool: Pool,
}

/// A member of a pool, with their training progress.
#[Object]
impl PoolMember {
    /// Who.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        required(ctx, UserById(self.member.user_id)).await.map(User)
    }
    /// The pool's name.
    async fn pool_name(&self) -> &str {
        &self.pool.pool.name
    }
    /// Their level.
    async fn level(&self) -> PoolLevel {
        self.member.level.into()
    }
    /// Whether they are paused now (not suggested, not counted as qualified).
    async fn paused(&self) -> bool {
        panel::is_paused(&self.member, Utc::now())
    }
    /// When the pause ends by itself; null with `paused`: until resumed.
    async fn paused_until(&self) -> Option<DateTime<Utc>> {
        self.member.paused_until
    }
    /// Shadow interviews done (submitted) in this pool.
    async fn shadows_done(&self) -> i32 {
        self.member.shadows_done
    }
    /// Reverse-shadow interviews done in this pool.
    async fn reverse_shadows_done(&self) -> i32 {
        self.member.reverse_shadows_done
    }
    /// Whether a trainee has done the training path and waits for an
    /// approver (`graduatePoolMember`).
    async fn eligible_to_graduate(&self) -> bool {
        self.member.level != domain::types::PoolLevel::Qualified
            && self.pool.path_done(&self.member)
    }
    /// When they graduated, if they did.
    async fn graduated_at(&self) -> Option<DateTime<Utc>> {
        self.member.graduated_at
    }
    /// Who graduated them; null for automatic graduation.
    async fn graduated_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.member.graduated_by {
            Some(by) => required(ctx, UserById(by)).await.map(|u| Some(User(u))),
            None => Ok(None),
        }
    }
    /// When they joined.
    async fn joined_at(&self) -> DateTime<Utc> {
        self.member.joined_at
    }
}

/// Who should interview in a round.
pub struct PanelSuggestion(pub panel::PanelSuggestion);

/// Who should interview in a round, ranked and explained.
#[Object]
impl PanelSuggestion {
    /// Qualified interviewers, best first (fewest interviews in the trailing
    /// four weeks, then this week, then name), then at most one trainee.
    async fn suggestions(&self) -> Vec<Suggestion> {
        self.0.suggestions.iter().cloned().map(Suggestion).collect()
    }
    /// Members of matching pools left out, each with the reason.
    async fn excluded(&self) -> Vec<Exclusion> {
        self.0.excluded.iter().cloned().map(Exclusion).collect()
    }
}

/// One suggested person.
pub struct Suggestion(pub panel::Suggestion);

/// One suggested person.
#[Object]
impl Suggestion {
    /// Who.
    async fn user(&self) -> User {
        User(self.0.user.clone())
    }
    /// The part they would play.
    async fn role(&self) -> PanelRole {
        self.0.role.into()
    }
    /// Matching pools they are in at that level.
    async fn pools(&self) -> &[String] {
        &self.0.pools
    }
    /// Interviews in the round's week (now's, when unscheduled).
    async fn interviews_this_week(&self) -> u32 {
        self.0.interviews_this_week
    }
    /// Interviews in the 28 days before now.
    async fn interviews_last_four_weeks(&self) -> u32 {
        self.0.interviews_last_four_weeks
    }
    /// Their weekly limit, if any.
    async fn weekly_limit(&self) -> Option<i32> {
        self.0.limits.weekly
    }
    /// Their daily limit, if any.
    async fn daily_limit(&self) -> Option<i32> {
        self.0.limits.daily
    }
    /// Why, for people: `qualified: …`, `load: 2 this week / limit 4`, ….
    async fn reasons(&self) -> &[String] {
        &self.0.reasons
    }
}

/// A member of a matching pool left out of a suggestion.
pub struct Exclusion(pub panel::Exclusion);

/// A member of a matching pool left out of a suggestion.
#[Object]
impl Exclusion {
    /// Who.
    async fn user(&self) -> User {
        User(self.0.user.clone())
    }
    /// Why: paused, already on the panel, already interviews the
    /// candidate, booked at an overlapping time, or at a limit.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
}

/// A scorecard owed past its due time.
pub struct OverdueScorecard(pub panel::Overdue);

/// A scorecard owed past its due time.
#[Object]
impl OverdueScorecard {
    /// The round.
    async fn round(&self) -> Round {
        Round(self.0.round.clone())
    }
    /// Who owes it.
    async fn interviewer(&self) -> User {
        User(self.0.interviewer.clone())
    }
    /// Their part on the panel.
    async fn role(&self) -> PanelRole {
        self.0.role.into()
    }
    /// The candidate.
    async fn candidate(&self, ctx: &Context<'_>) -> async_graphql::Result<Candidate> {
        required(ctx, CandidateById(self.0.candidate_id))
            .await
            .map(Candidate)
    }
    /// When it was due.
    async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }
    /// Hours past due, now.
    async fn hours_overdue(&self) -> f64 {
        (Utc::now() - self.0.due_at).num_seconds() as f64 / 3600.0
    }
    /// Whether a draft is saved.
    async fn has_draft(&self) -> bool {
        self.0.has_draft
    }
}

/// A pool membership as `interviewerLoad` lists it.
pub struct PoolMembership(pub String, pub domain::types::PoolLevel, pub bool);

/// A pool membership.
#[Object]
impl PoolMembership {
    /// The pool's name.
    async fn pool_name(&self) -> &str {
        &self.0
    }
    /// The level in it.
    async fn level(&self) -> PoolLevel {
        self.1.into()
    }
    /// Whether paused now.
    async fn paused(&self) -> bool {
        self.2
    }
}

/// One interviewer's load and punctuality.
pub struct InterviewerLoad(pub panel::InterviewerLoad);

/// One interviewer's load and punctuality.
#[Object]
impl InterviewerLoad {
    /// Who.
    async fn interviewer(&self) -> User {
        User(self.0.user.clone())
    }
    /// Interviews this week (Monday 00:00 UTC onwards).
    async fn interviews_this_week(&self) -> u32 {
        self.0.interviews_this_week
    }
    /// Interviews in the 28 days before now.
    async fn interviews_last_four_weeks(&self) -> u32 {
        self.0.interviews_last_four_weeks
    }
    /// Daily limit that applies (own, else the organization's).
    async fn daily_limit(&self) -> Option<i32> {
        self.0.limits.daily
    }
    /// Weekly limit that applies.
    async fn weekly_limit(&self) -> Option<i32> {
        self.0.limits.weekly
    }
    /// Pools and levels.
    async fn pools(&self) -> Vec<PoolMembership> {
        self.0
            .pools
            .iter()
            .map(|(name, level, paused)| PoolMembership(name.clone(), *level, *paused))
            .collect()
    }
    /// Scorecards that fell due in the last 90 days.
    async fn due_scorecards(&self) -> u32 {
        self.0.due_scorecards
    }
    /// Of those, submitted by their due time.
    async fn on_time(&self) -> u32 {
        self.0.on_time
    }
    /// `onTime / dueScorecards`; null when nothing fell due.
    async fn on_time_rate(&self) -> Option<f64> {
        self.0.on_time_rate
    }
    /// Median hours from due time to submission over the submitted ones
    /// (negative: early); null when none.
    async fn median_hours_late(&self) -> Option<f64> {
        self.0.median_hours_late
    }
    /// Of those that fell due, how many are still not submitted.
    async fn not_submitted(&self) -> u32 {
        self.0.not_submitted
    }
}
