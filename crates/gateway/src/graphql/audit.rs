//! The audit extension: every root mutation field, and every field that
//! returns scorecards or a candidate report, becomes an audit entry with
//! the caller, the client's address, the request id, the ids in its
//! arguments and in its result, and its outcome (`OK` or the error code).
//!
//! Operations over WebSocket are audited by this extension, which sits in
//! their schema and sees each field resolve; operations over HTTP by
//! [`record`], from the document and the response, after they ran (their
//! schema has no extensions, see `graphql::build_http`). Both make the same
//! entries. Mutations are written before the response is sent; reads are
//! queued (see `crate::audit`).

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextPrepareRequest, NextResolve,
    ResolveInfo,
};
use async_graphql::parser::types::{
    ExecutableDocument, Field, OperationType, Selection, SelectionSet,
};
use async_graphql::{
    Name, PathSegment, Request, Response, ServerError, ServerResult, Value, Variables,
};
use domain::Actor;
use domain::audit::{Kind, NewEntry};
use uuid::Uuid;

use super::context::{ApiState, Caller};
use super::limits::model::{FieldInfo, Model};
use crate::audit::AuditLog;
use crate::auth::throttle::ClientIp;
use crate::request_id::RequestId;

/// The named types whose reads are audited.
const SENSITIVE: [&str; 4] = [
    "Scorecard",
    "ScorecardRevision",
    "CandidateReport",
    "ScorecardConnection",
];
/// Keys of a result object whose values name its subjects.
const SUBJECT_KEYS: [&str; 5] = ["id", "candidateId", "roundId", "interviewerId", "planId"];
/// Keys of a result object whose values are never subjects: the category
/// or competency a mean or a rating is of is the bank's taxonomy, the same
/// for every candidate; an entry names the people and records it read
/// (candidate, plan, rounds), and a report would otherwise carry two
/// taxonomy ids for every one of those.
const NOT_SUBJECTS: [&str; 2] = ["category", "competency"];
/// Items of a list looked at for subjects.
pub const LIST_ITEMS: usize = 500;

/// Whether a result's field under response key `key` names a subject
/// (when its value is an id).
pub fn is_subject_key(key: &str) -> bool {
    SUBJECT_KEYS.contains(&key)
}

/// A read of a sensitive field inside a value written whole (see
/// `graphql::tree`), which the walk of the answer cannot look into: its
/// writer notes the field and the subjects it showed, as [`record`] would
/// have found them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedRead {
    /// The field's name.
    pub operation: &'static str,
    /// The ids it showed.
    pub subjects: Vec<Uuid>,
}

/// Adds the audit extension to a schema.
pub struct Audit;

impl ExtensionFactory for Audit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Recorder::default())
    }
}

#[derive(Default)]
struct Recorder {
    variables: Mutex<Variables>,
    pending: Mutex<Vec<Pending>>,
    /// Inside `execute` (a query or mutation); otherwise a subscription
    /// event, whose reads are sent at once.
    executing: std::sync::atomic::AtomicBool,
}

struct Pending {
    operation: String,
    kind: Kind,
    outcome: String,
    subjects: Vec<Uuid>,
}

/// The type `return_type` names, without list and non-null marks.
fn named(return_type: &str) -> &str {
    return_type.trim_matches(|c| matches!(c, '[' | ']' | '!'))
}

/// What an entry for a field records: a change for a root mutation field,
/// a read for a field of a sensitive type, else nothing.
fn audited(root_mutation: bool, type_name: &str) -> Option<Kind> {
    if root_mutation {
        Some(Kind::Mutation)
    } else {
        SENSITIVE.contains(&type_name).then_some(Kind::Read)
    }
}

/// Every id (a UUID string) in an argument's value.
fn ids_in_arguments(value: &Value, found: &mut Vec<Uuid>, depth: usize) {
    if depth > 4 {
        return;
    }
    match value {
        Value::String(text) => found.extend(Uuid::parse_str(text).ok()),
        Value::List(items) => {
            for item in items.iter().take(200) {
                ids_in_arguments(item, found, depth + 1);
            }
        }
        Value::Object(map) => {
            for item in map.values() {
                ids_in_arguments(item, found, depth + 1);
            }
        }
        _ => {}
    }
}

/// The subject ids of a result: the id-like keys of the object (or of each
/// object of a list), and of the objects one level inside it, except the
/// bank's taxonomy it names ([`NOT_SUBJECTS`]).
fn ids_in_result(value: &Value, found: &mut Vec<Uuid>, depth: usize) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match item {
                    Value::String(text) if SUBJECT_KEYS.contains(&key.as_str()) => {
                        found.extend(Uuid::parse_str(text).ok());
                    }
                    _ if NOT_SUBJECTS.contains(&key.as_str()) => {}
                    Value::Object(_) | Value::List(_) if depth < 2 => {
                        ids_in_result(item, found, depth + 1);
                    }
                    _ => {}
                }
            }
        }
        Value::List(items) => {
            for item in items.iter().take(LIST_ITEMS) {
                ids_in_result(item, found, depth);
            }
        }
        _ => {}
    }
}

/// One entry per read field name and outcome of a request, naming every
/// subject its occurrences returned: a page that lists the scorecards of
/// sixty rounds is one read of `scorecards`, not sixty.
fn coalesce(reads: Vec<Pending>) -> Vec<Pending> {
    let mut merged: Vec<Pending> = Vec::new();
    for read in reads {
        match merged
            .iter_mut()
            .find(|m| m.operation == read.operation && m.outcome == read.outcome)
        {
            Some(entry) => {
                for subject in read.subjects {
                    if !entry.subjects.contains(&subject) {
                        entry.subjects.push(subject);
                    }
                }
            }
            None => merged.push(read),
        }
    }
    merged
}

fn code_of(error: &ServerError) -> String {
    error
        .extensions
        .as_ref()
        .and_then(|x| x.get("code"))
        .map_or_else(
            || "ERROR".to_owned(),
            |code| code.to_string().trim_matches('"').to_owned(),
        )
}

/// Who made a request and from where, as its entries record it.
#[derive(Clone, Copy, Debug)]
pub struct Origin<'a> {
    /// The caller, when signed in.
    pub actor: Option<Actor>,
    /// The client's network address.
    pub client: ClientIp,
    /// The request's id.
    pub request_id: &'a str,
}

fn entries(origin: Origin<'_>, pending: Vec<Pending>) -> Vec<NewEntry> {
    let client = origin.client.0.to_string();
    let now = chrono::Utc::now();
    pending
        .into_iter()
        .map(|p| NewEntry {
            organization_id: origin.actor.map(|a| a.organization_id),
            actor_id: origin.actor.map(|a| a.user_id),
            operation: p.operation,
            kind: p.kind,
            outcome: p.outcome,
            client_ip: client.clone(),
            request_id: origin.request_id.to_owned(),
            at: now,
            subjects: p.subjects,
        })
        .collect()
}

/// Queues the reads of `pending` (coalesced) and returns the entries of
/// its mutations, which the caller writes before answering.
fn send(audit: &AuditLog, origin: Origin<'_>, pending: Vec<Pending>) -> Option<Vec<NewEntry>> {
    let (mutations, reads): (Vec<_>, Vec<_>) =
        pending.into_iter().partition(|p| p.kind == Kind::Mutation);
    if !reads.is_empty() {
        audit.reads(entries(origin, coalesce(reads)));
    }
    (!mutations.is_empty()).then(|| entries(origin, mutations))
}

impl Recorder {
    fn send(&self, ctx: &ExtensionContext<'_>, pending: Vec<Pending>) -> Option<Vec<NewEntry>> {
        let state = ctx.data_opt::<Arc<ApiState>>()?;
        let origin = Origin {
            actor: ctx.data_opt::<Caller>().and_then(|c| c.0),
            client: ctx
                .data_opt::<ClientIp>()
                .copied()
                .unwrap_or(ClientIp::UNKNOWN),
            request_id: ctx.data_opt::<RequestId>().map_or("", |id| id.0.as_str()),
        };
        send(&state.audit, origin, pending)
    }
}

/// The ids in the arguments of `field`, its variables substituted.
fn argument_ids(field: &Field, variables: &Variables) -> Vec<Uuid> {
    let mut subjects = Vec::new();
    for (_, argument) in &field.arguments {
        let value = argument
            .node
            .clone()
            .into_const_with(|name: Name| {
                Ok::<_, std::convert::Infallible>(
                    variables.get(&name).cloned().unwrap_or(Value::Null),
                )
            })
            .unwrap_or(Value::Null);
        ids_in_arguments(&value, &mut subjects, 0);
    }
    subjects
}

/// Audits an operation that ran over HTTP, from its document and its
/// response, with the entries the extension makes field by field on the
/// WebSocket schema: one per root mutation field that ran (written before
/// this returns) and one per read of a sensitive type, with the ids of the
/// arguments and the result and the outcome (`OK`, or the code of the
/// error that ended the field). A field ended by an error is the one the
/// error's path leads through to where its value became null.
///
/// `rendered` are the reads inside values written whole; they count when
/// the answer has data (a failure that nulled it showed nothing).
#[allow(clippy::too_many_arguments)]
pub async fn record(
    audit: &AuditLog,
    model: &Model,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
    response: &Response,
    rendered: Vec<RenderedRead>,
    origin: Origin<'_>,
) {
    let mut pending = pending_of(model, document, operation_name, variables, response);
    if response.data != Value::Null {
        pending.extend(rendered.into_iter().map(|read| Pending {
            operation: read.operation.to_owned(),
            kind: Kind::Read,
            outcome: "OK".to_owned(),
            subjects: read.subjects,
        }));
    }
    if let Some(mutations) = send(audit, origin, pending) {
        audit.mutations(mutations).await;
    }
}

/// The entries [`record`] makes, before coalescing.
fn pending_of(
    model: &Model,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
    response: &Response,
) -> Vec<Pending> {
    let Some(operation) = crate::metrics::selected(document, operation_name) else {
        return Vec::new();
    };
    let mutation = match operation.ty {
        OperationType::Query => false,
        OperationType::Mutation => true,
        OperationType::Subscription => return Vec::new(),
    };
    let root = &model.roots[usize::from(mutation)];
    let mut walk = Walk {
        model,
        document,
        variables,
        errors: &response.errors,
        pending: Vec::new(),
        reach: Vec::new(),
    };
    let top = [&operation.selection_set.node];
    if mutation && response.data == Value::Null {
        // A root field that failed on a non-null type nulls the whole
        // answer; those before it in the document ran and committed.
        let failed = |key: &str| {
            response
                .errors
                .iter()
                .any(|e| matches!(e.path.first(), Some(PathSegment::Field(k)) if k == key))
        };
        for (key, group) in walk.grouped(&top) {
            if failed(key) {
                break;
            }
            walk.pending.push(Pending {
                operation: group[0].name.node.to_string(),
                kind: Kind::Mutation,
                outcome: "OK".to_owned(),
                subjects: argument_ids(group[0], variables),
            });
        }
    }
    let mut path = Vec::new();
    let fields = walk.fields(root, &top);
    walk.object(&fields, &response.data, &mut path, mutation);
    for error in &response.errors {
        walk.failure(root, &top, &response.data, error, mutation);
    }
    walk.pending
}

/// The audit's walk over a document and the answer it got.
struct Walk<'a> {
    model: &'a Model,
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    errors: &'a [ServerError],
    pending: Vec<Pending>,
    /// Types already known to hold (or not) an audited field.
    reach: Vec<(&'a str, bool)>,
}

/// The fields of one response key, with what the schema says of them.
struct Group<'a> {
    key: &'a str,
    fields: Vec<&'a Field>,
    info: &'a FieldInfo,
}

/// Fragments nest no deeper than this in the audit's walk (the limits
/// refuse a document with a fragment cycle before it runs).
const FRAGMENT_DEPTH: usize = 32;

impl<'a> Walk<'a> {
    /// The fields `sets` select, fragments spread, grouped by response key
    /// in document order.
    fn grouped(&self, sets: &[&'a SelectionSet]) -> Vec<(&'a str, Vec<&'a Field>)> {
        let mut groups: Vec<(&'a str, Vec<&'a Field>)> = Vec::new();
        for set in sets {
            self.collect(set, &mut groups, 0);
        }
        groups
    }

    fn collect(
        &self,
        set: &'a SelectionSet,
        groups: &mut Vec<(&'a str, Vec<&'a Field>)>,
        depth: usize,
    ) {
        if depth > FRAGMENT_DEPTH {
            return;
        }
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let key = field.node.response_key().node.as_str();
                    match groups.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, group)) => group.push(&field.node),
                        None => groups.push((key, vec![&field.node])),
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) =
                        self.document.fragments.get(&spread.node.fragment_name.node)
                    {
                        self.collect(&fragment.node.selection_set.node, groups, depth + 1);
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.collect(&inline.node.selection_set.node, groups, depth + 1);
                }
            }
        }
    }

    /// Whether an error ended the field at `path`.
    fn failed(&self, path: &[PathSegment]) -> bool {
        self.errors.iter().any(|e| e.path.starts_with(path))
    }

    /// Whether a value of `type_name` can hold an audited field: the walk
    /// does not look inside what cannot (a round's questions, a rating).
    fn reaches(&mut self, type_name: &'a str) -> bool {
        if let Some((_, known)) = self.reach.iter().find(|(t, _)| *t == type_name) {
            return *known;
        }
        let known = self.model.reaches(type_name, &SENSITIVE);
        self.reach.push((type_name, known));
        known
    }

    /// The groups of `sets` with what the schema says of each field of
    /// `type_name` (fields it does not know are left out).
    fn fields(&self, type_name: &str, sets: &[&'a SelectionSet]) -> Vec<Group<'a>> {
        self.grouped(sets)
            .into_iter()
            .filter_map(|(key, fields)| {
                let info = self.model.field(type_name, fields[0].name.node.as_str())?;
                Some(Group { key, fields, info })
            })
            .collect()
    }

    /// Records the fields of `value` (an object whose fields are `groups`)
    /// that returned a value, then looks inside them.
    fn object(
        &mut self,
        groups: &[Group<'a>],
        value: &Value,
        path: &mut Vec<PathSegment>,
        mutation: bool,
    ) {
        let Value::Object(map) = value else {
            return;
        };
        for group in groups {
            let Some(value) = map.get(group.key) else {
                continue;
            };
            let kind = audited(mutation, &group.info.type_name);
            let nested = matches!(value, Value::Object(_) | Value::List(_))
                && self.reaches(&group.info.type_name);
            if kind.is_none() && !nested {
                continue;
            }
            path.push(PathSegment::Field(group.key.to_owned()));
            if let Some(kind) = kind
                && !(*value == Value::Null && self.failed(path))
            {
                let field = group.fields[0];
                let mut subjects = argument_ids(field, self.variables);
                ids_in_result(value, &mut subjects, 0);
                self.pending.push(Pending {
                    operation: field.name.node.to_string(),
                    kind,
                    outcome: "OK".to_owned(),
                    subjects,
                });
            }
            if nested {
                let inner: Vec<&'a SelectionSet> =
                    group.fields.iter().map(|f| &f.selection_set.node).collect();
                let fields = self.fields(&group.info.type_name, &inner);
                self.inside(&fields, value, path);
            }
            path.pop();
        }
    }

    /// Walks `value`, an object or a list of objects whose fields are
    /// `groups`.
    fn inside(&mut self, groups: &[Group<'a>], value: &Value, path: &mut Vec<PathSegment>) {
        match value {
            Value::Object(_) => self.object(groups, value, path, false),
            Value::List(items) => {
                for (index, item) in items.iter().enumerate() {
                    path.push(PathSegment::Index(index));
                    self.inside(groups, item, path);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    /// Records, with the code of `error`, every audited field its path
    /// leads through from where the answer became null: the error ended
    /// each of them.
    fn failure(
        &mut self,
        root: &str,
        top: &[&'a SelectionSet],
        data: &Value,
        error: &ServerError,
        mutation: bool,
    ) {
        let code = code_of(error);
        let mut type_name = root.to_owned();
        let mut sets: Vec<&'a SelectionSet> = top.to_vec();
        let mut value = Some(data);
        let mut ended = *data == Value::Null;
        for (depth, segment) in error.path.iter().enumerate() {
            match segment {
                PathSegment::Index(index) => {
                    value = match value {
                        Some(Value::List(items)) => items.get(*index),
                        _ => None,
                    };
                }
                PathSegment::Field(key) => {
                    let Some((_, group)) = self
                        .grouped(&sets)
                        .into_iter()
                        .find(|(k, _)| *k == key.as_str())
                    else {
                        return;
                    };
                    let field = group[0];
                    let Some(info) = self.model.field(&type_name, field.name.node.as_str()) else {
                        return;
                    };
                    value = match value {
                        Some(Value::Object(map)) => map.get(key.as_str()),
                        _ => None,
                    };
                    ended |= matches!(value, None | Some(Value::Null));
                    let kind = audited(mutation && depth == 0, &info.type_name);
                    if ended && let Some(kind) = kind {
                        self.pending.push(Pending {
                            operation: field.name.node.to_string(),
                            kind,
                            outcome: code.clone(),
                            subjects: argument_ids(field, self.variables),
                        });
                    }
                    type_name.clone_from(&info.type_name);
                    sets = group.iter().map(|f| &f.selection_set.node).collect();
                }
            }
            if !ended && matches!(value, None | Some(Value::Null)) {
                ended = true;
            }
        }
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for Recorder {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if let Ok(mut variables) = self.variables.lock() {
            *variables = request.variables.clone();
        }
        next.run(ctx, request).await
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        self.executing
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let response = next.run(ctx, operation_name).await;
        let pending = self
            .pending
            .lock()
            .map(|mut p| std::mem::take(&mut *p))
            .unwrap_or_default();
        if let Some(mutations) = self.send(ctx, pending)
            && let Some(state) = ctx.data_opt::<Arc<ApiState>>()
        {
            state.audit.mutations(mutations).await;
        }
        response
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let Some(kind) = audited(info.parent_type == "Mutation", named(info.return_type)) else {
            return next.run(ctx, info).await;
        };
        let operation = info.name.to_owned();
        let mut subjects = match self.variables.lock() {
            Ok(variables) => argument_ids(info.field, &variables),
            Err(_) => Vec::new(),
        };
        let result = next.run(ctx, info).await;
        let outcome = match &result {
            Ok(value) => {
                if let Some(value) = value {
                    ids_in_result(value, &mut subjects, 0);
                }
                "OK".to_owned()
            }
            Err(error) => code_of(error),
        };
        let pending = Pending {
            operation,
            kind,
            outcome,
            subjects,
        };
        if self.executing.load(std::sync::atomic::Ordering::Relaxed) {
            if let Ok(mut all) = self.pending.lock() {
                all.push(pending);
            }
        } else if let Some(mutations) = self.send(ctx, vec![pending])
            && let Some(state) = ctx.data_opt::<Arc<ApiState>>()
        {
            state.audit.mutations(mutations).await;
        }
        result
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    /// What the HTTP audit records for `query` answered with `data` and
    /// errors at `failures` (path, code): (operation, kind, outcome,
    /// subjects) after coalescing.
    fn recorded(
        query: &str,
        data: serde_json::Value,
        failures: &[(serde_json::Value, &str)],
    ) -> Vec<(String, &'static str, String, Vec<Uuid>)> {
        let model = Model::from_sdl(&crate::graphql::sdl()).unwrap();
        let document = async_graphql::parser::parse_query(query).unwrap();
        let mut response = Response::new(Value::from_json(data).unwrap());
        for (path, code) in failures {
            let mut error = ServerError::new("refused", None);
            error.path = serde_json::from_value(path.clone()).unwrap();
            let mut extensions = async_graphql::ErrorExtensionValues::default();
            extensions.set("code", *code);
            error.extensions = Some(extensions);
            response.errors.push(error);
        }
        let (mutations, reads): (Vec<_>, Vec<_>) =
            pending_of(&model, &document, None, &Variables::default(), &response)
                .into_iter()
                .partition(|p| p.kind == Kind::Mutation);
        mutations
            .into_iter()
            .chain(coalesce(reads))
            .map(|p| (p.operation, p.kind.as_str(), p.outcome, p.subjects))
            .collect()
    }

    #[test]
    fn nested_reads_through_lists_aliases_and_fragments_are_one_entry() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let query = "fragment Cards on Round { cards: scorecards { id } }
            { candidates(first: 2) { edges { node { id plans { rounds { ...Cards
              ... on Round { cards: scorecards { recommendation } } } } } } } }";
        let data = serde_json::json!({"candidates": {"edges": [
            {"node": {"id": "x", "plans": [{"rounds": [
                {"cards": [{"id": a.to_string(), "recommendation": "YES"}]},
                {"cards": []}]}]}},
            {"node": {"id": "y", "plans": [{"rounds": [
                {"cards": [{"id": b.to_string(), "recommendation": "NO"},
                           {"id": c.to_string(), "recommendation": "NO"}]}]}]}}]}});
        assert_eq!(
            recorded(query, data, &[]),
            vec![(
                "scorecards".to_owned(),
                "READ",
                "OK".to_owned(),
                vec![a, b, c]
            )]
        );
        // One named operation, run without `operationName`.
        let named = recorded(
            "query Report { candidateReport(candidateId: \"x\") { decisionReady } }",
            serde_json::json!({"candidateReport": {"decisionReady": true}}),
            &[],
        );
        assert_eq!(
            named,
            vec![(
                "candidateReport".to_owned(),
                "READ",
                "OK".to_owned(),
                vec![]
            )]
        );
        // Nothing sensitive selected: nothing recorded.
        let plain = serde_json::json!({"candidates": {"edges": [{"node": {"id": "x"}}]}});
        assert!(recorded("{ candidates { edges { node { id } } } }", plain, &[]).is_empty());
    }

    #[test]
    fn a_refused_read_is_recorded_with_its_code_where_the_answer_became_null() {
        let refused = recorded(
            "{ candidateReport(candidateId: \"01a2380a-fef3-7426-8585-b05b42b7b93c\") { decisionReady } }",
            serde_json::Value::Null,
            &[(serde_json::json!(["candidateReport"]), "FORBIDDEN")],
        );
        let id = Uuid::parse_str("01a2380a-fef3-7426-8585-b05b42b7b93c").unwrap();
        assert_eq!(
            refused,
            vec![(
                "candidateReport".to_owned(),
                "READ",
                "FORBIDDEN".to_owned(),
                vec![id]
            )]
        );
        // An error inside a nullable field below a read does not end it.
        let card = Uuid::now_v7();
        let inner = recorded(
            "{ candidate(id: \"x\") { scorecards { id round { title } } } }",
            serde_json::json!({"candidate": {"scorecards": [{"id": card.to_string(), "round": null}]}}),
            &[(
                serde_json::json!(["candidate", "scorecards", 0, "round"]),
                "NOT_FOUND",
            )],
        );
        assert_eq!(
            inner,
            vec![("scorecards".to_owned(), "READ", "OK".to_owned(), vec![card])]
        );
        // A read ended by an error in a non-null field inside it nulls the
        // nearest nullable field: the read is recorded with that code.
        let nulled = recorded(
            "{ candidate(id: \"x\") { scorecards { id } } }",
            serde_json::json!({"candidate": null}),
            &[(serde_json::json!(["candidate", "scorecards"]), "INTERNAL")],
        );
        assert_eq!(
            nulled,
            vec![(
                "scorecards".to_owned(),
                "READ",
                "INTERNAL".to_owned(),
                vec![]
            )]
        );
    }

    #[test]
    fn mutations_before_a_failed_non_null_one_are_recorded_as_done() {
        let query = "mutation {
            first: createCandidate(input: {name: \"A\", email: \"a@x.org\", positionTitle: \"E\", targetLevel: MID}) { id }
            second: moveCandidate(id: \"01a2380a-fef3-7426-8585-b05b42b7b93c\", stage: HIRED) { id }
            third: createCandidate(input: {name: \"B\", email: \"b@x.org\", positionTitle: \"E\", targetLevel: MID}) { id } }";
        let found = recorded(
            query,
            serde_json::Value::Null,
            &[(serde_json::json!(["second"]), "BAD_USER_INPUT")],
        );
        let id = Uuid::parse_str("01a2380a-fef3-7426-8585-b05b42b7b93c").unwrap();
        assert_eq!(
            found,
            vec![
                (
                    "createCandidate".to_owned(),
                    "MUTATION",
                    "OK".to_owned(),
                    vec![]
                ),
                (
                    "moveCandidate".to_owned(),
                    "MUTATION",
                    "BAD_USER_INPUT".to_owned(),
                    vec![id]
                ),
            ],
            "the third never ran"
        );
        let created = Uuid::now_v7();
        let done = recorded(
            "mutation { createCandidate(input: {name: \"A\", email: \"a@x.org\", positionTitle: \"E\", targetLevel: MID}) { id } }",
            serde_json::json!({"createCandidate": {"id": created.to_string()}}),
            &[],
        );
        assert_eq!(
            done,
            vec![(
                "createCandidate".to_owned(),
                "MUTATION",
                "OK".to_owned(),
                vec![created]
            )]
        );
    }

    #[test]
    fn reads_of_one_field_in_one_request_are_one_entry() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let read = |operation: &str, outcome: &str, subjects: Vec<Uuid>| Pending {
            operation: operation.into(),
            kind: Kind::Read,
            outcome: outcome.into(),
            subjects,
        };
        let merged = coalesce(vec![
            read("scorecards", "OK", vec![a, b]),
            read("scorecards", "OK", vec![b, c]),
            read("candidateReport", "OK", vec![a]),
            read("scorecards", "FORBIDDEN", vec![]),
        ]);
        let summary: Vec<(&str, &str, &[Uuid])> = merged
            .iter()
            .map(|p| {
                (
                    p.operation.as_str(),
                    p.outcome.as_str(),
                    p.subjects.as_slice(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("scorecards", "OK", &[a, b, c][..]),
                ("candidateReport", "OK", &[a][..]),
                ("scorecards", "FORBIDDEN", &[][..]),
            ]
        );
    }

    #[test]
    fn list_and_non_null_marks_are_stripped_from_a_type() {
        assert_eq!(named("[Scorecard!]!"), "Scorecard");
        assert_eq!(named("CandidateReport!"), "CandidateReport");
    }

    #[test]
    fn ids_are_found_in_arguments_and_one_level_into_results() {
        let id = Uuid::now_v7();
        let other = Uuid::now_v7();
        let mut found = Vec::new();
        let args = Value::from_json(
            serde_json::json!({"input": {"roundId": id.to_string(), "notes": "x"}}),
        )
        .unwrap_or(Value::Null);
        ids_in_arguments(&args, &mut found, 0);
        assert_eq!(found, vec![id]);
        let mut found = Vec::new();
        let result = Value::from_json(serde_json::json!({
            "id": other.to_string(),
            "summary": id.to_string(),
            "round": {"id": id.to_string()},
        }))
        .unwrap_or(Value::Null);
        ids_in_result(&result, &mut found, 0);
        found.sort();
        let mut expected = vec![other, id];
        expected.sort();
        assert_eq!(found, expected, "a summary is not an id key");
    }

    #[test]
    fn the_taxonomy_a_report_names_is_not_a_subject() {
        let (candidate, round, category, competency) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let report = Value::from_json(serde_json::json!({
            "candidate": {"id": candidate.to_string()},
            "rounds": [{"roundId": round.to_string()}],
            "categoryMeans": [{"category": {"id": category.to_string()}, "meanRating": 3.0}],
            "competencyMeans": [{"competency": {"id": competency.to_string()}}],
        }))
        .unwrap_or(Value::Null);
        let mut found = Vec::new();
        ids_in_result(&report, &mut found, 0);
        assert_eq!(found, vec![candidate, round]);
    }
}
