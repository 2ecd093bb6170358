//! Errors of the domain.
//!
//! Services return [`Error`]; the gateway maps each variant to one GraphQL
//! `extensions.code` in a single place. Validation collects every problem of
//! an input before refusing it, so a client can fix them all at once.

use std::fmt;

use sea_orm::DbErr;
use serde::Serialize;

/// One thing wrong with an input: which field, and what is allowed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Path of the field, e.g. `email` or `questionRatings[2].rating`.
    pub field: String,
    /// What was wrong and what is allowed.
    pub message: String,
}

impl Problem {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// What a domain service can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The record does not exist in the actor's organization. Records of other
    /// organizations are reported the same way, so ids leak nothing.
    #[error("{entity} not found")]
    NotFound {
        /// Kind of record, e.g. `question`.
        entity: &'static str,
    },
    /// The actor's role does not allow the action.
    #[error("your role ({role}) may not {action}")]
    Forbidden {
        /// What was attempted, e.g. `edit the question bank`.
        action: &'static str,
        /// The actor's role.
        role: crate::types::Role,
    },
    /// Email and password did not match a user. One message whatever was wrong.
    #[error("email or password is incorrect")]
    InvalidCredentials,
    /// The password was right but the account is deactivated.
    #[error("this account has been deactivated; ask an administrator of your organization")]
    Deactivated,
    /// The input is invalid; every problem found is listed.
    #[error("invalid input: {}", list(.0))]
    Invalid(Vec<Problem>),
    /// The request conflicts with the current state (stale version, duplicate,
    /// wrong lifecycle state).
    #[error("{0}")]
    Conflict(String),
    /// The database is busy: another write holds the lock longer than the
    /// busy timeout (SQLite), or every pooled connection stayed in use for
    /// the acquire timeout. Nothing was changed; the same request may be
    /// retried.
    #[error("the database is busy with other requests; nothing was changed, retry in a moment")]
    Busy,
    /// Too many passwords are being checked at this moment; nothing was
    /// done and the request may be retried in a second.
    #[error("too many sign-ins are being checked right now; retry in a second")]
    Overloaded,
    /// The database cancelled a statement that ran past the statement
    /// timeout (PostgreSQL). Nothing was changed.
    #[error("the request took too long in the database and was cancelled; nothing was changed")]
    TimedOut,
    /// The database failed; the cause is logged, never shown to clients.
    #[error("database error")]
    Database(DbErr),
    /// Something else failed unexpectedly; the cause is logged.
    #[error("internal error: {0}")]
    Internal(String),
}

fn list(problems: &[Problem]) -> String {
    join_problems(problems)
}

/// Problems (or anything displayed like them) as one line, `; `-separated:
/// how every layer lists several problems in a message.
pub fn join_problems<T: fmt::Display>(problems: &[T]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// A single-problem validation error.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid(vec![Problem::new(field, message)])
    }
}

impl From<DbErr> for Error {
    /// Sorts out the failures a client can retry (a busy database, a
    /// cancelled statement) from those that are ours to fix.
    fn from(err: DbErr) -> Self {
        match classify(&err) {
            Some(retryable) => retryable,
            None => Error::Database(err),
        }
    }
}

/// [`Error::Busy`] or [`Error::TimedOut`] when `err` is one of those.
fn classify(err: &DbErr) -> Option<Error> {
    use sea_orm::{ConnAcquireErr, RuntimeErr};
    let runtime = match err {
        DbErr::ConnectionAcquire(ConnAcquireErr::Timeout) => return Some(Error::Busy),
        DbErr::Exec(runtime) | DbErr::Query(runtime) | DbErr::Conn(runtime) => runtime,
        _ => return None,
    };
    let RuntimeErr::SqlxError(sqlx_err) = runtime else {
        return None;
    };
    match sqlx_err.as_ref() {
        sea_orm::sqlx::Error::PoolTimedOut => Some(Error::Busy),
        sea_orm::sqlx::Error::Database(db) => match db.code().as_deref() {
            // SQLITE_BUSY and its extended codes (…_RECOVERY 261,
            // …_SNAPSHOT 517, …_TIMEOUT 773), SQLITE_LOCKED (6).
            Some("5" | "6" | "261" | "517" | "773") => Some(Error::Busy),
            // PostgreSQL query_canceled: statement_timeout fired.
            Some("57014") => Some(Error::TimedOut),
            // PostgreSQL lock_not_available, serialization and deadlock
            // failures: another transaction won; retrying succeeds.
            Some("55P03" | "40001" | "40P01") => Some(Error::Busy),
            _ => None,
        },
        _ => None,
    }
}

impl From<Problem> for Error {
    fn from(problem: Problem) -> Self {
        Error::Invalid(vec![problem])
    }
}

impl From<Vec<Problem>> for Error {
    fn from(problems: Vec<Problem>) -> Self {
        Error::Invalid(problems)
    }
}

/// Result of a domain service.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Turns a unique-key violation into [`Error::Conflict`] with `message`; other
/// database errors pass through.
pub fn conflict_on_unique(message: impl Into<String>) -> impl FnOnce(DbErr) -> Error {
    move |err| match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Error::Conflict(message.into()),
        _ => Error::from(err),
    }
}

/// Whether `err` is a unique-key violation.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// Validates several fields at once and binds their values; when any is
/// invalid, returns [`Error::Invalid`] listing every problem from the
/// enclosing function.
///
/// ```ignore
/// validate! {
///     let name = Text::parse("name", &input.name, 200);
///     let email = Email::parse("email", &input.email);
/// }
/// ```
#[macro_export]
macro_rules! validate {
    ($(let $name:ident = $value:expr;)+) => {
        let ($($name,)+) = match ($($value,)+) {
            ($(Ok($name),)+) => ($($name,)+),
            results => {
                return Err($crate::error::Error::Invalid($crate::error::collect_problems(results)).into())
            }
        };
    };
}

/// Gathers the `Err` values of a tuple of validation results.
pub fn collect_problems<T: ProblemTuple>(results: T) -> Vec<Problem> {
    let mut problems = Vec::new();
    results.push_problems(&mut problems);
    problems
}

/// A tuple of `Result<_, Problem>` whose problems can be collected.
pub trait ProblemTuple {
    /// Appends every `Err` of the tuple, in order.
    fn push_problems(self, out: &mut Vec<Problem>);
}

/// Problems collected from a validation result: one from `Err(Problem)`,
/// several from `Err(Vec<Problem>)`.
pub trait IntoProblems {
    /// The problems of this result, if any.
    fn into_problems(self) -> Vec<Problem>;
}

impl IntoProblems for Problem {
    fn into_problems(self) -> Vec<Problem> {
        vec![self]
    }
}

impl IntoProblems for Vec<Problem> {
    fn into_problems(self) -> Vec<Problem> {
        self
    }
}

macro_rules! problem_tuple {
    ($($t:ident $e:ident),+) => {
        impl<$($t, $e: IntoProblems),+> ProblemTuple for ($(std::result::Result<$t, $e>,)+) {
            #[allow(non_snake_case)]
            fn push_problems(self, out: &mut Vec<Problem>) {
                let ($($t,)+) = self;
                $(if let Err(e) = $t { out.extend(e.into_problems()); })+
            }
        }
    };
}

problem_tuple!(A EA);
problem_tuple!(A EA, B EB);
problem_tuple!(A EA, B EB, C EC);
problem_tuple!(A EA, B EB, C EC, D ED);
problem_tuple!(A EA, B EB, C EC, D ED, E EE);
problem_tuple!(A EA, B EB, C EC, D ED, E EE, F EF);
problem_tuple!(A EA, B EB, C EC, D ED, E EE, F EF, G EG);
problem_tuple!(A EA, B EB, C EC, D ED, E EE, F EF, G EG, H EH);
problem_tuple!(A EA, B EB, C EC, D ED, E EE, F EF, G EG, H EH, I EI);
