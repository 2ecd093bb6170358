//! The one place where domain errors become GraphQL errors.
//!
//! Every error carries `extensions.code` (docs/domain.md §3). `BAD_USER_INPUT` lists
//! each problem in `extensions.problems`; `RATE_LIMITED` gives
//! `extensions.retryAfterSeconds`; `INTERNAL` shows a generic message and the
//! cause goes to the log.

use async_graphql::{Error as GqlError, ErrorExtensions, Value};
use domain::{Error, Problem};

/// The codes of docs/domain.md §3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// No valid access token.
    Unauthenticated,
    /// The role may not do this.
    Forbidden,
    /// No such record in the caller's organization.
    NotFound,
    /// The input is invalid; see `problems`.
    BadUserInput,
    /// The request conflicts with the current state.
    Conflict,
    /// Too many attempts; retry later.
    RateLimited,
    /// The request ran past its deadline and was cancelled; nothing of it
    /// was committed.
    Timeout,
    /// Something failed on our side.
    Internal,
}

impl Code {
    /// The value of `extensions.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::Forbidden => "FORBIDDEN",
            Code::NotFound => "NOT_FOUND",
            Code::BadUserInput => "BAD_USER_INPUT",
            Code::Conflict => "CONFLICT",
            Code::RateLimited => "RATE_LIMITED",
            Code::Timeout => "TIMEOUT",
            Code::Internal => "INTERNAL",
        }
    }

    /// A GraphQL error with this code and `message`.
    pub fn error(self, message: impl Into<String>) -> GqlError {
        GqlError::new(message).extend_with(|_, e| e.set("code", self.as_str()))
    }
}

/// A `BAD_USER_INPUT` error listing every problem.
pub fn bad_input(problems: &[Problem]) -> GqlError {
    let message = match problems {
        [one] => format!("{}: {}", one.field, one.message),
        many => format!(
            "{} problems with the input: {}",
            many.len(),
            domain::error::join_problems(many)
        ),
    };
    let list: Vec<Value> = problems
        .iter()
        .map(|p| {
            let mut entry = async_graphql::indexmap::IndexMap::new();
            entry.insert(
                async_graphql::Name::new("field"),
                Value::from(p.field.clone()),
            );
            entry.insert(
                async_graphql::Name::new("message"),
                Value::from(p.message.clone()),
            );
            Value::Object(entry)
        })
        .collect();
    GqlError::new(message).extend_with(move |_, e| {
        e.set("code", Code::BadUserInput.as_str());
        e.set("problems", Value::List(list.clone()));
    })
}

/// A `RATE_LIMITED` error: `message` should say when to retry, which
/// `extensions.retryAfterSeconds` gives for programs.
pub fn rate_limited(message: impl Into<String>, retry_after_seconds: u64) -> GqlError {
    GqlError::new(message).extend_with(move |_, e| {
        e.set("code", Code::RateLimited.as_str());
        e.set("retryAfterSeconds", retry_after_seconds);
    })
}

/// Maps a domain error to its GraphQL error, logging what clients must not see.
pub fn to_graphql(err: Error) -> GqlError {
    match err {
        Error::NotFound { entity } => Code::NotFound.error(format!("{entity} not found")),
        Error::Forbidden { .. } => Code::Forbidden.error(err.to_string()),
        Error::InvalidCredentials | Error::Deactivated => {
            Code::Unauthenticated.error(err.to_string())
        }
        Error::Invalid(problems) => bad_input(&problems),
        Error::Conflict(message) => Code::Conflict.error(message),
        Error::Busy => retryable(Code::Conflict.error(err.to_string())),
        Error::TimedOut => Code::Timeout.error(err.to_string()),
        Error::Overloaded => rate_limited(err.to_string(), 1),
        Error::Database(cause) => {
            tracing::error!(error = %cause, "database error while serving a request");
            internal()
        }
        Error::Internal(cause) => {
            tracing::error!(error = %cause, "internal error while serving a request");
            internal()
        }
    }
}

/// Marks `error` with `extensions.retryable: true`: the same request may
/// simply be sent again.
pub fn retryable(error: GqlError) -> GqlError {
    error.extend_with(|_, e| e.set("retryable", true))
}

/// The message every unexpected failure shows.
pub fn internal() -> GqlError {
    Code::Internal.error("internal error; it has been logged, please try again later")
}

/// `.gql()` on a domain result: the error mapped by [`to_graphql`].
pub trait GqlResultExt<T> {
    /// Converts the error to a GraphQL error with its code.
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> GqlResultExt<T> for domain::Result<T> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(to_graphql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extension(error: &GqlError, key: &str) -> Option<Value> {
        error.extensions.as_ref().and_then(|e| e.get(key).cloned())
    }

    #[test]
    fn a_busy_database_is_a_retryable_conflict_and_a_cancelled_statement_a_timeout() {
        let busy = to_graphql(Error::Busy);
        assert_eq!(extension(&busy, "code"), Some(Value::from("CONFLICT")));
        assert_eq!(extension(&busy, "retryable"), Some(Value::from(true)));
        assert!(busy.message.contains("retry"), "{}", busy.message);

        let timed_out = to_graphql(Error::TimedOut);
        assert_eq!(extension(&timed_out, "code"), Some(Value::from("TIMEOUT")));

        let stale = to_graphql(Error::Conflict("stale version".into()));
        assert_eq!(extension(&stale, "retryable"), None);
    }
}
