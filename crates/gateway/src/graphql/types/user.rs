//! Users.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use domain::entity::{api_key, organization, user};

use crate::graphql::enums::Role;
use crate::graphql::ids::id;

/// A person of the organization.
pub struct User(pub user::Model);

/// A person of the organization.
#[Object]
impl User {
    /// Opaque id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Sign-in email.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// Name shown to colleagues.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// What the user may do.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// When the user was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// False once deactivated: the user cannot sign in, but stays the
    /// author of their scorecards.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// When the user was deactivated, if they are.
    async fn deactivated_at(&self) -> Option<DateTime<Utc>> {
        self.0.deactivated_at
    }
    /// The user's own daily interview limit; null: the organization's.
    async fn daily_interview_limit(&self) -> Option<i32> {
        self.0.daily_interview_limit
    }
    /// The user's own weekly interview limit; null: the organization's.
    async fn weekly_interview_limit(&self) -> Option<i32> {
        self.0.weekly_interview_limit
    }
}

/// An organization: the tenant everything belongs to.
pub struct Organization(pub organization::Model);

/// An organization: the tenant everything belongs to.
#[Object]
impl Organization {
    /// Opaque id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Its name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Days after which candidates closed as REJECTED or WITHDRAWN are
    /// erased; null keeps them.
    async fn retention_days(&self) -> Option<i32> {
        self.0.retention_days
    }
    /// Interviews a user may have per UTC day, unless their own limit says
    /// otherwise; null: no limit.
    async fn daily_interview_limit(&self) -> Option<i32> {
        self.0.daily_interview_limit
    }
    /// Interviews a user may have per week (Monday 00:00 UTC onwards).
    async fn weekly_interview_limit(&self) -> Option<i32> {
        self.0.weekly_interview_limit
    }
    /// Hours after a round ends that its feedback is due, unless the round
    /// sets `feedbackDueAt`.
    async fn feedback_due_hours(&self) -> i32 {
        self.0.feedback_due_hours
    }
    /// Whether publishing requires every interviewer to be a QUALIFIED,
    /// unpaused member of a pool matching the round.
    async fn require_qualification(&self) -> bool {
        self.0.require_qualification
    }
}

/// An API key of the organization (its secret is never shown again).
pub struct ApiKey(pub api_key::Model);

/// An API key of the organization (its secret is never shown again).
#[Object]
impl ApiKey {
    /// Opaque id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// What it is for.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The role it acts with.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// The start of the key (`ipk_<prefix>_…`), to tell keys apart.
    async fn prefix(&self) -> String {
        format!("{}{}", domain::api_key::PREFIX, self.0.prefix)
    }
    /// When it was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it stops working, if ever.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    /// When it was revoked, if it was.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    /// When it was last used (noted at most once a minute).
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
}
