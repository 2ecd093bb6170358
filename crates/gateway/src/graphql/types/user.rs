//! Users.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use domain::entity::user;

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
}
