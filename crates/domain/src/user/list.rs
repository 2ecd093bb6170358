//! The organization's users as a page, filtered by role, status and text.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::actor::Actor;
use crate::entity::user;
use crate::error::Result;
use crate::page::{Page, PageRequest};
use crate::query::{check_filter_text, contains_text, keyset_page};
use crate::types::Role;

/// Which users to list; every field narrows the result.
#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    /// Users of this role.
    pub role: Option<Role>,
    /// Active (`true`) or deactivated (`false`) users only.
    pub active: Option<bool>,
    /// Case-insensitive text to find in the name or email.
    pub search: Option<String>,
}

/// A page of the actor's organization's users matching `filter`, oldest
/// first; any role may list them (interviewers are picked from it).
pub async fn page<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &UserFilter,
    page: PageRequest,
) -> Result<Page<user::Model>> {
    if let Some(problem) = check_filter_text("filter.search", filter.search.as_deref()) {
        return Err(problem.into());
    }
    let mut query =
        user::Entity::find().filter(user::Column::OrganizationId.eq(actor.organization_id));
    if let Some(role) = filter.role {
        query = query.filter(user::Column::Role.eq(role));
    }
    if let Some(active) = filter.active {
        query = query.filter(user::Column::Active.eq(active));
    }
    if let Some(search) = contains_text(
        &[user::Column::DisplayName, user::Column::Email],
        filter.search.as_deref(),
    ) {
        query = query.filter(search);
    }
    keyset_page(db, query, user::Column::Id, page).await
}
