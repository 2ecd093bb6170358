//! Documents parsed once, and operations compiled once.
//!
//! The text of a document is parsed the first time it is seen and kept
//! (the last [`CAPACITY`] texts of at most [`LONGEST`] bytes), so a
//! dashboard that sends the same query every few seconds is parsed once.
//! When an operation of such a document has run through async-graphql
//! without any error (so it parsed and validated against the schema) and
//! every root field is one this service answers whole (`candidates` and
//! `candidateReport` with selections `graphql::tree` writes, and
//! `__typename`), its plan is kept beside it. Later requests of the same
//! operation run the plan: no parse, no validation (its variables are
//! coerced here instead, and anything unexpected, including an error of
//! the domain, falls back to async-graphql for the exact answer), no
//! future per field. The answer and its audit entries are the ones
//! async-graphql would give: `tests/api/pages.rs` compares them.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType,
};
use async_graphql::{Name, Positioned, Response, Value, Variables};
use domain::Actor;
use domain::candidate::CandidateFilter;
use domain::page::PageRequest;
use lru::LruCache;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::tree::report::{ReportField, report};
use super::tree::shape::{AstField, Node, Shape};
use super::tree::{AnswerAudited, CandidatePage};

/// Document texts kept.
pub const CAPACITY: usize = 256;
/// Longest document text kept, in bytes (longer ones are parsed each time).
pub const LONGEST: usize = 16 * 1024;

/// Parsed documents by their text.
pub struct Documents {
    known: Mutex<LruCache<Arc<str>, Arc<Known>>>,
}

impl Default for Documents {
    fn default() -> Self {
        Documents {
            known: Mutex::new(LruCache::new(
                NonZeroUsize::new(CAPACITY).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }
}

/// A parsed document and the plans learnt of its operations.
pub struct Known {
    /// The document.
    pub document: ExecutableDocument,
    /// Each operation (by the name a request selects it with) once it ran
    /// without error: its plan, or `None` when it cannot be compiled.
    plans: Mutex<Vec<Learnt>>,
}

impl Documents {
    /// The parsed document of `query`, parsed now unless kept; `None` when
    /// it does not parse.
    pub fn get(&self, query: &str) -> Option<Arc<Known>> {
        if query.len() <= LONGEST
            && let Ok(mut known) = self.known.lock()
            && let Some(found) = known.get(query)
        {
            return Some(found.clone());
        }
        let document = async_graphql::parser::parse_query(query).ok()?;
        let known = Arc::new(Known {
            document,
            plans: Mutex::new(Vec::new()),
        });
        if query.len() <= LONGEST
            && let Ok(mut cache) = self.known.lock()
        {
            cache.put(Arc::from(query), known.clone());
        }
        Some(known)
    }
}

impl Known {
    /// The plan of the operation named `operation` (or the only one), if
    /// it was learnt and compiles.
    pub fn plan(&self, operation: Option<&str>) -> Option<Arc<Plan>> {
        let plans = self.plans.lock().ok()?;
        plans
            .iter()
            .find(|(name, _)| name.as_deref() == operation)
            .and_then(|(_, plan)| plan.clone())
    }

    /// Notes that the operation `operation` ran without any error:
    /// compiles its plan, once.
    pub fn ran_cleanly(&self, operation: Option<&str>) {
        let Ok(mut plans) = self.plans.lock() else {
            return;
        };
        if plans.iter().any(|(name, _)| name.as_deref() == operation) {
            return;
        }
        let plan = Plan::compile(&self.document, operation).map(Arc::new);
        plans.push((operation.map(str::to_owned), plan));
    }
}

/// An operation's name and its plan, if it compiles.
type Learnt = (Option<String>, Option<Arc<Plan>>);

/// An argument of a root field: absent, written in the document, or a
/// variable (with the default its definition gives).
#[derive(Clone, Debug)]
enum Argument {
    Absent,
    Literal(Value),
    Variable(Name, Option<Value>),
}

impl Argument {
    /// The argument's value in a request with `variables` (`Null` when
    /// absent or not given).
    fn value(&self, variables: &Variables) -> Value {
        match self {
            Argument::Absent => Value::Null,
            Argument::Literal(value) => value.clone(),
            Argument::Variable(name, default) => variables
                .get(name)
                .cloned()
                .or_else(|| default.clone())
                .unwrap_or(Value::Null),
        }
    }
}

/// A root field of a compiled operation.
enum Root {
    Typename,
    Candidates {
        page: CandidatePage,
        counts: bool,
        first: Argument,
        after: Argument,
    },
    Report {
        shape: Shape<ReportField>,
        candidate_id: Argument,
    },
}

/// A query whose every root field this service answers whole.
pub struct Plan {
    roots: Vec<(Name, Root)>,
}

/// The operation a request selects: the one named, or the only one.
fn selected<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a Positioned<OperationDefinition>> {
    match (&document.operations, name) {
        (DocumentOperations::Single(op), None) => Some(op),
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

impl Plan {
    /// The plan of operation `name` of `document`, when it is a query
    /// without directives whose every root field is answered whole.
    fn compile(document: &ExecutableDocument, name: Option<&str>) -> Option<Plan> {
        let operation = &selected(document, name)?.node;
        if operation.ty != OperationType::Query || !operation.directives.is_empty() {
            return None;
        }
        let defaults = |variable: &Name| {
            operation
                .variable_definitions
                .iter()
                .find(|d| d.node.name.node == *variable)
                .and_then(|d| d.node.default_value().cloned())
        };
        let argument = |field: &AstField<'_>, name: &str| -> Option<Argument> {
            let Some((_, value)) = field.field.arguments.iter().find(|(n, _)| n.node == name)
            else {
                return Some(Argument::Absent);
            };
            Some(match &value.node {
                async_graphql_value::Value::Variable(variable) => {
                    Argument::Variable(variable.clone(), defaults(variable))
                }
                literal => Argument::Literal(literal.clone().into_const()?),
            })
        };
        let fields = AstField::of_set(&operation.selection_set.node, &document.fragments)?;
        let mut roots: Vec<(Name, Root)> = Vec::new();
        for field in fields {
            if !field.field.directives.is_empty() {
                return None;
            }
            let key = Name::new(field.alias().unwrap_or(field.name()));
            // A key selected twice merges its selections: left to
            // async-graphql.
            if roots.iter().any(|(k, _)| *k == key) {
                return None;
            }
            let known = |allowed: &[&str]| {
                field
                    .field
                    .arguments
                    .iter()
                    .all(|(n, _)| allowed.contains(&n.node.as_str()))
            };
            let root = match field.name() {
                "__typename" => Root::Typename,
                "candidates" if known(&["first", "after"]) => {
                    let shape = Shape::of_fields(field.children()?)?;
                    let counts =
                        shape.any(|f| matches!(f, super::tree::shape::PageField::TotalCount));
                    Root::Candidates {
                        page: CandidatePage::from_shape(shape),
                        counts,
                        first: argument(&field, "first")?,
                        after: argument(&field, "after")?,
                    }
                }
                "candidateReport" if known(&["candidateId"]) => Root::Report {
                    shape: Shape::of_fields(field.children()?)?,
                    candidate_id: argument(&field, "candidateId")?,
                },
                _ => return None,
            };
            roots.push((key, root));
        }
        Some(Plan { roots })
    }

    /// Whether the plan can check the caller's session itself: it reads
    /// one `candidateReport` (beside any `__typename`), whose statement
    /// checks the session too (see [`Plan::run`]).
    pub fn checks_session(&self) -> bool {
        let mut reports = 0;
        for (_, root) in &self.roots {
            match root {
                Root::Typename => {}
                Root::Report { .. } => reports += 1,
                Root::Candidates { .. } => return false,
            }
        }
        reports == 1
    }

    /// Runs the plan for `actor` with `variables`, and the actor it ran
    /// for; `None` when the answer is not a plain success (a variable of
    /// another type, a refusal, a failure): async-graphql then answers,
    /// with its exact errors.
    ///
    /// With `session`, `actor` is only what an access token claims: the
    /// plan (one that [`Plan::checks_session`]) checks the session in the
    /// report's statement and runs for the user as stored; `None` as well
    /// when the session has ended, for the full path to refuse it.
    pub async fn run(
        &self,
        db: &DatabaseConnection,
        actor: &Actor,
        session: Option<Uuid>,
        variables: &Variables,
        audited: &AnswerAudited,
    ) -> Option<(Actor, Response)> {
        let mut actor = *actor;
        let mut unchecked = session;
        let mut data = IndexMap::with_capacity(self.roots.len());
        for (key, root) in &self.roots {
            let value = match root {
                Root::Typename => Value::String("Query".to_owned()),
                Root::Candidates { .. } if unchecked.is_some() => return None,
                Root::Candidates {
                    page,
                    counts,
                    first,
                    after,
                } => {
                    let first = match first.value(variables) {
                        Value::Null => None,
                        Value::Number(n) => Some(i32::try_from(n.as_i64()?).ok()?),
                        _ => return None,
                    };
                    let (after, has_after) = match after.value(variables) {
                        Value::Null => (None, false),
                        Value::String(cursor) => (Some(Uuid::parse_str(&cursor).ok()?), true),
                        _ => return None,
                    };
                    let request = PageRequest::new(first.map(i64::from), after)
                        .ok()?
                        .counting(*counts);
                    page.read(
                        db,
                        &actor,
                        &CandidateFilter::default(),
                        request,
                        has_after,
                        audited,
                    )
                    .await
                    .ok()?
                }
                Root::Report {
                    shape,
                    candidate_id,
                } => {
                    let id = match candidate_id.value(variables) {
                        Value::String(id) => Uuid::parse_str(&id).ok()?,
                        _ => return None,
                    };
                    let found = match unchecked.take() {
                        Some(session) => {
                            let (checked, found) = domain::report::candidate_report_in_session(
                                db, &actor, session, id,
                            )
                            .await
                            .ok()?
                            .ok()?;
                            actor = checked;
                            found
                        }
                        None => domain::report::candidate_report(db, &actor, id)
                            .await
                            .ok()?,
                    };
                    report(&found, shape).ok()?
                }
            };
            data.insert(key.clone(), value);
        }
        // A session no statement checked never answers.
        if unchecked.is_some() {
            return None;
        }
        Some((actor, Response::new(Value::Object(data))))
    }
}
