//! Cursor pagination shared by every list service.

use uuid::Uuid;

/// Largest page a client may ask for.
pub const MAX_PAGE: u64 = 100;
/// Page size when the client gives none.
pub const DEFAULT_PAGE: u64 = 20;

/// Which page to read: up to `first` items after the item with id `after`.
#[derive(Clone, Copy, Debug)]
pub struct PageRequest {
    /// How many items, 1 to [`MAX_PAGE`].
    pub first: u64,
    /// Id of the last item of the previous page.
    pub after: Option<Uuid>,
    /// Whether to count every matching item ([`Page::total_count`]): a
    /// statement over the whole list, so callers that do not show the total
    /// skip it.
    pub count: bool,
}

impl PageRequest {
    /// Checks the page size: 1 to 100, 20 when absent.
    pub fn new(first: Option<i64>, after: Option<Uuid>) -> Result<Self, crate::error::Problem> {
        let first = match first {
            None => DEFAULT_PAGE,
            Some(n) if (1..=MAX_PAGE as i64).contains(&n) => n as u64,
            Some(n) => {
                return Err(crate::error::Problem::new(
                    "first",
                    format!("must be between 1 and {MAX_PAGE}, got {n}"),
                ));
            }
        };
        Ok(PageRequest {
            first,
            after,
            count: true,
        })
    }

    /// The same page, counting the total only if `count`.
    pub fn counting(self, count: bool) -> Self {
        PageRequest { count, ..self }
    }
}

/// One page of a list, with what a Relay connection needs.
#[derive(Clone, Debug)]
pub struct Page<T> {
    /// The items, in list order, each with its cursor id.
    pub items: Vec<T>,
    /// Whether more items follow.
    pub has_next_page: bool,
    /// How many items match in all pages; 0 when the request did not ask
    /// for the count ([`PageRequest::count`]).
    pub total_count: u64,
}

impl<T> Page<T> {
    /// Builds a page from `first + 1` fetched rows: the extra row only tells
    /// that a next page exists.
    pub fn from_rows(mut rows: Vec<T>, first: u64, total_count: u64) -> Self {
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(first as usize);
        Page {
            items: rows,
            has_next_page,
            total_count,
        }
    }
}
