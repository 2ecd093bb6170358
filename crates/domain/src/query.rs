//! Query pieces shared by the list services: text search and keyset pages.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, LikeExpr, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic, Iterable,
    PaginatorTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect, Select,
};

use crate::error::{Problem, Result};
use crate::page::{Page, PageRequest};

/// Longest text a free-text filter (`search`, a position title, a tag)
/// accepts: longer text matches nothing real and costs the database work.
pub const FILTER_TEXT_MAX: usize = 200;
/// Most values a list filter (`tags`, `categoryIds`, `stages`) accepts.
pub const FILTER_VALUES_MAX: usize = 100;

/// A problem when the free-text filter `field` holds more than
/// [`FILTER_TEXT_MAX`] characters.
pub fn check_filter_text(field: &str, text: Option<&str>) -> Option<Problem> {
    let length = text?.chars().count();
    (length > FILTER_TEXT_MAX).then(|| {
        Problem::new(
            field,
            format!("at most {FILTER_TEXT_MAX} characters (got {length})"),
        )
    })
}

/// A problem when the list filter `field` holds more than
/// [`FILTER_VALUES_MAX`] values.
pub fn check_filter_values(field: &str, count: usize) -> Option<Problem> {
    (count > FILTER_VALUES_MAX).then(|| {
        Problem::new(
            field,
            format!("at most {FILTER_VALUES_MAX} values (got {count})"),
        )
    })
}

/// A condition true when any of `columns` contains `text`, ignoring case;
/// `%` and `_` in `text` match literally. `None` when `text` is blank.
pub fn contains_text<C: ColumnTrait>(columns: &[C], text: Option<&str>) -> Option<Condition> {
    let text = text.map(str::trim).filter(|t| !t.is_empty())?;
    let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
    Some(columns.iter().fold(Condition::any(), |any, column| {
        any.add(
            Expr::expr(Func::lower(Expr::col(*column)))
                .like(LikeExpr::new(pattern.clone()).escape('\\')),
        )
    }))
}

/// Escapes LIKE wildcards so user text matches literally.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The records of `E` with the given ids that belong to the actor's
/// organization (`organization` is the entity's organization column);
/// other organizations' ids are left out, as missing ones are.
pub(crate) async fn owned_by_ids<C, E>(
    db: &C,
    actor: &crate::actor::Actor,
    ids: &[uuid::Uuid],
    id: E::Column,
    organization: E::Column,
) -> Result<Vec<E::Model>>
where
    C: ConnectionTrait,
    E: EntityTrait,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(E::find()
        .filter(organization.eq(actor.organization_id))
        .filter(id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// One page of `query` ordered by `id` (time-ordered UUIDs, so oldest
/// first), with the total count: two statements whatever the page.
pub async fn keyset_page<C, E>(
    db: &C,
    query: Select<E>,
    id: E::Column,
    page: PageRequest,
) -> Result<Page<E::Model>>
where
    C: ConnectionTrait,
    E: EntityTrait,
    E::Model: Sync,
{
    let total = if page.count {
        query.clone().count(db).await?
    } else {
        0
    };
    let mut window = query.order_by_asc(id);
    if let Some(after) = page.after {
        window = window.filter(id.gt(after));
    }
    let rows = window.limit(page.first + 1).all(db).await?;
    Ok(Page::from_rows(rows, page.first, total))
}

/// Adds every column of `E`, read from its table, to `query` as
/// `{prefix}{column}`, so that one row of a join carries several records:
/// read each back with [`prefixed`].
pub(crate) fn select_prefixed<E: EntityTrait>(query: &mut SelectStatement, prefix: &str) {
    for column in E::Column::iter() {
        query.expr_as(
            Expr::col((E::default(), column)),
            Alias::new(format!("{prefix}{}", column.as_str())),
        );
    }
}

/// `alias.column AS {prefix}column` for every column of `E`: the raw-SQL
/// form of [`select_prefixed`], read back the same way.
pub(crate) fn columns<E: EntityTrait>(alias: &str, prefix: &str) -> String {
    E::Column::iter()
        .map(|c| format!("{alias}.{name} AS {prefix}{name}", name = c.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The record of `E` that [`select_prefixed`] put in `row` under `prefix`;
/// `None` when a left join found none (its key is NULL).
pub(crate) fn prefixed<E: EntityTrait>(row: &QueryResult, prefix: &str) -> Result<Option<E::Model>>
where
    E::Model: FromQueryResult,
{
    Ok(<Option<E::Model> as FromQueryResult>::from_query_result(
        row, prefix,
    )?)
}

/// The record of `E` that [`select_prefixed`] put in `row` under `prefix`,
/// from an inner join.
pub(crate) fn prefixed_required<E: EntityTrait>(row: &QueryResult, prefix: &str) -> Result<E::Model>
where
    E::Model: FromQueryResult,
{
    Ok(<E::Model as FromQueryResult>::from_query_result(
        row, prefix,
    )?)
}

#[cfg(test)]
mod tests {
    use super::escape_like;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like(r"50%_off\"), r"50\%\_off\\");
    }
}
