//! Opaque ids: UUIDs as strings. A malformed id names its argument.

use async_graphql::ID;
use uuid::Uuid;

use super::error::bad_input;
use domain::Problem;

/// Parses `id` (argument or input field `field`).
pub fn parse(field: &str, id: &ID) -> async_graphql::Result<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| {
        bad_input(&[Problem::new(
            field,
            format!("`{}` is not a valid id", id.as_str()),
        )])
    })
}

/// Parses a list of ids, naming each bad one by position.
pub fn parse_all(field: &str, ids: &[ID]) -> async_graphql::Result<Vec<Uuid>> {
    let mut problems = Vec::new();
    let mut parsed = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        match Uuid::parse_str(id.as_str()) {
            Ok(uuid) => parsed.push(uuid),
            Err(_) => problems.push(Problem::new(
                format!("{field}[{i}]"),
                format!("`{}` is not a valid id", id.as_str()),
            )),
        }
    }
    if problems.is_empty() {
        Ok(parsed)
    } else {
        Err(bad_input(&problems))
    }
}

/// The id of a record as clients see it.
pub fn id(uuid: Uuid) -> ID {
    ID(uuid.to_string())
}
