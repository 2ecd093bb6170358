//! Listing the bank with filters and cursor pagination.

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Select,
};
use uuid::Uuid;

use crate::actor::Actor;
use crate::entity::{category, competency, question, question_tag, question_version};
use crate::error::Result;
use crate::owned;
use crate::page::{Page, PageRequest};
use crate::query::{
    check_filter_text, check_filter_values, contains_text, keyset_page, owned_by_ids,
};
use crate::types::{Level, QuestionStatus};

/// Which questions to list; every field narrows the result.
#[derive(Clone, Debug, Default)]
pub struct QuestionFilter {
    /// Questions in any of these categories.
    pub category_ids: Vec<Uuid>,
    /// Questions of this level.
    pub level: Option<Level>,
    /// Questions carrying any of these tags.
    pub tags: Vec<String>,
    /// Case-insensitive text to find in the prompt or guidance.
    pub search: Option<String>,
    /// Questions with this status.
    pub status: Option<QuestionStatus>,
}

impl QuestionFilter {
    /// Every problem of the filter: text too long, too many values.
    pub fn check(&self) -> Result<()> {
        let mut problems: Vec<_> = [
            check_filter_text("filter.search", self.search.as_deref()),
            check_filter_values("filter.tags", self.tags.len()),
            check_filter_values("filter.categoryIds", self.category_ids.len()),
        ]
        .into_iter()
        .flatten()
        .collect();
        for (index, tag) in self.tags.iter().enumerate() {
            problems.extend(check_filter_text(
                &format!("filter.tags[{index}]"),
                Some(tag),
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.into())
        }
    }

    /// The filtered query over the actor's organization, once the filter
    /// passes [`QuestionFilter::check`].
    pub fn query(&self, actor: &Actor) -> Result<Select<question::Entity>> {
        self.check()?;
        let mut query = question::Entity::find()
            .filter(question::Column::OrganizationId.eq(actor.organization_id));
        if !self.category_ids.is_empty() {
            query = query.filter(question::Column::CategoryId.is_in(self.category_ids.clone()));
        }
        if let Some(level) = self.level {
            query = query.filter(question::Column::Level.eq(level));
        }
        if let Some(status) = self.status {
            query = query.filter(question::Column::Status.eq(status));
        }
        if !self.tags.is_empty() {
            let tags: Vec<String> = self.tags.iter().map(|t| t.trim().to_lowercase()).collect();
            let tagged = question_tag::Entity::find()
                .select_only()
                .column(question_tag::Column::QuestionId)
                .filter(question_tag::Column::OrganizationId.eq(actor.organization_id))
                .filter(question_tag::Column::Tag.is_in(tags))
                .into_query();
            query = query.filter(question::Column::Id.in_subquery(tagged));
        }
        if let Some(search) = contains_text(
            &[question::Column::Prompt, question::Column::Guidance],
            self.search.as_deref(),
        ) {
            query = query.filter(search);
        }
        Ok(query)
    }
}

/// A page of the actor's questions matching `filter`, oldest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &QuestionFilter,
    page: PageRequest,
) -> Result<Page<question::Model>> {
    keyset_page(db, filter.query(actor)?, question::Column::Id, page).await
}

/// Current tags of each question in `ids` (of the actor's organization),
/// in one query.
pub async fn tags_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<String>>> {
    let mut tags: HashMap<Uuid, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(tags);
    }
    let rows = question_tag::Entity::find()
        .filter(question_tag::Column::OrganizationId.eq(actor.organization_id))
        .filter(question_tag::Column::QuestionId.is_in(ids.to_vec()))
        .order_by_asc(question_tag::Column::Tag)
        .all(db)
        .await?;
    for row in rows {
        tags.entry(row.question_id).or_default().push(row.tag);
    }
    Ok(tags)
}

/// Questions (current versions) of the actor's organization with the given ids.
pub async fn by_ids<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<Vec<question::Model>> {
    owned_by_ids::<_, question::Entity>(
        db,
        actor,
        ids,
        question::Column::Id,
        question::Column::OrganizationId,
    )
    .await
}

/// Categories of the actor's organization with the given ids.
pub async fn categories_by_ids<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<Vec<category::Model>> {
    owned_by_ids::<_, category::Entity>(
        db,
        actor,
        ids,
        category::Column::Id,
        category::Column::OrganizationId,
    )
    .await
}

/// Competencies of the actor's organization with the given ids.
pub async fn competencies_by_ids<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<Vec<competency::Model>> {
    owned_by_ids::<_, competency::Entity>(
        db,
        actor,
        ids,
        competency::Column::Id,
        competency::Column::OrganizationId,
    )
    .await
}

/// Question versions with the given ids, of questions of the actor's
/// organization (what plans and scorecards pin).
pub async fn versions_by_ids<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<Vec<question_version::Model>> {
    Ok(question_version::Entity::find()
        .filter(question_version::Column::Id.in_subquery(owned::versions(actor, ids)))
        .all(db)
        .await?)
}

/// Every version of the given questions (of the actor's organization),
/// oldest first.
pub async fn versions_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    question_ids: &[Uuid],
) -> Result<Vec<question_version::Model>> {
    Ok(question_version::Entity::find()
        .filter(
            question_version::Column::QuestionId.in_subquery(owned::questions(actor, question_ids)),
        )
        .order_by_asc(question_version::Column::QuestionId)
        .order_by_asc(question_version::Column::Version)
        .all(db)
        .await?)
}
