//! Listing candidates with filters and cursor pagination.

use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};

use crate::actor::Actor;
use crate::entity::candidate;
use crate::error::Result;
use crate::page::{Page, PageRequest};
use crate::query::{check_filter_text, check_filter_values, contains_text, keyset_page};
use crate::types::{Level, Stage};

/// Which candidates to list; every field narrows the result.
#[derive(Clone, Debug, Default)]
pub struct CandidateFilter {
    /// Candidates in any of these stages (all stages when empty).
    pub stages: Vec<Stage>,
    /// Candidates for this position title, ignoring case.
    pub position: Option<String>,
    /// Candidates targeted at this level.
    pub level: Option<Level>,
    /// Case-insensitive text to find in the name or email.
    pub search: Option<String>,
}

impl CandidateFilter {
    /// Every problem of the filter: text too long, too many values.
    pub fn check(&self) -> Result<()> {
        let problems: Vec<_> = [
            check_filter_text("filter.search", self.search.as_deref()),
            check_filter_text("filter.position", self.position.as_deref()),
            check_filter_values("filter.stages", self.stages.len()),
        ]
        .into_iter()
        .flatten()
        .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.into())
        }
    }

    /// The filtered query over the actor's organization, once the filter
    /// passes [`CandidateFilter::check`].
    pub fn query(&self, actor: &Actor) -> Result<Select<candidate::Entity>> {
        self.check()?;
        let mut query = candidate::Entity::find()
            .filter(candidate::Column::OrganizationId.eq(actor.organization_id));
        if !self.stages.is_empty() {
            query = query.filter(candidate::Column::Stage.is_in(self.stages.clone()));
        }
        if let Some(level) = self.level {
            query = query.filter(candidate::Column::TargetLevel.eq(level));
        }
        if let Some(position) = non_blank(&self.position) {
            query = query.filter(
                Expr::expr(Func::lower(Expr::col(candidate::Column::PositionTitle)))
                    .eq(position.to_lowercase()),
            );
        }
        if let Some(search) = contains_text(
            &[candidate::Column::Name, candidate::Column::Email],
            self.search.as_deref(),
        ) {
            query = query.filter(search);
        }
        Ok(query)
    }
}

fn non_blank(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A page of the actor's candidates matching `filter`, oldest first; any
/// role of the organization may list them.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &CandidateFilter,
    page: PageRequest,
) -> Result<Page<candidate::Model>> {
    keyset_page(db, filter.query(actor)?, candidate::Column::Id, page).await
}
