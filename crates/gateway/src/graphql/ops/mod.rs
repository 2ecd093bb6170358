//! Root operations, one file per group, merged into the schema's roots.

pub mod auth;
pub mod bank;
pub mod candidates;
pub mod composer;
pub mod integrations;
pub mod panels;
pub mod plans;
pub mod reports;
pub mod scorecards;
pub mod subscriptions;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, OutputType, SimpleObject};
use domain::page::{Page, PageRequest};
use uuid::Uuid;

use super::error::bad_input;

/// Extra fields of every connection.
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct ConnectionTotals {
    /// How many items match, across all pages.
    pub total_count: u64,
}

/// A connection of `T` with `totalCount`.
pub type Listing<T> = Connection<String, T, ConnectionTotals>;

/// Reads `first`/`after` into a page request (bad values name the argument)
/// for the connection field of `ctx`, which counts every matching item only
/// when the query selects `totalCount`.
pub fn page_request(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<PageRequest> {
    let after = match after {
        None => None,
        Some(cursor) => Some(Uuid::parse_str(&cursor).map_err(|_| {
            bad_input(&[domain::Problem::new(
                "after",
                "is not a cursor from this list; pass an edge's `cursor` or `pageInfo.endCursor`",
            )])
        })?),
    };
    let count = ctx.look_ahead().field("totalCount").exists();
    PageRequest::new(first.map(i64::from), after)
        .map(|page| page.counting(count))
        .map_err(|p| bad_input(&[p]))
}

/// Builds a connection from a page, wrapping each model with `wrap`.
pub fn listing<M, T: OutputType>(
    page: Page<M>,
    after: bool,
    id: impl Fn(&M) -> Uuid,
    wrap: impl Fn(M) -> T,
) -> Listing<T> {
    let mut connection = Connection::with_additional_fields(
        after,
        page.has_next_page,
        ConnectionTotals {
            total_count: page.total_count,
        },
    );
    connection.edges.extend(
        page.items
            .into_iter()
            .map(|item| Edge::new(id(&item).to_string(), wrap(item))),
    );
    connection
}
