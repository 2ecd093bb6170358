//! The audit extension: every root mutation field, and every field that
//! returns scorecards or a candidate report, becomes an audit entry with
//! the caller, the client's address, the request id, the ids in its
//! arguments and in its result, and its outcome (`OK` or the error code).
//!
//! It sits in the schema, so requests over HTTP and over WebSocket are
//! audited alike. Mutations are written before the response is sent;
//! reads are queued (see `crate::audit`).

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextPrepareRequest, NextResolve,
    ResolveInfo,
};
use async_graphql::{Name, Request, Response, ServerError, ServerResult, Value, Variables};
use domain::audit::{Kind, NewEntry};
use uuid::Uuid;

use super::context::{ApiState, Caller};
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
/// object of a list), and of the objects one level inside it.
fn ids_in_result(value: &Value, found: &mut Vec<Uuid>, depth: usize) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match item {
                    Value::String(text) if SUBJECT_KEYS.contains(&key.as_str()) => {
                        found.extend(Uuid::parse_str(text).ok());
                    }
                    Value::Object(_) | Value::List(_) if depth < 2 => {
                        ids_in_result(item, found, depth + 1);
                    }
                    _ => {}
                }
            }
        }
        Value::List(items) => {
            for item in items.iter().take(500) {
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

impl Recorder {
    fn entries(&self, ctx: &ExtensionContext<'_>, pending: Vec<Pending>) -> Vec<NewEntry> {
        let actor = ctx.data_opt::<Caller>().and_then(|c| c.0);
        let client = ctx
            .data_opt::<ClientIp>()
            .map_or_else(|| ClientIp::UNKNOWN.0.to_string(), |ip| ip.0.to_string());
        let request_id = ctx
            .data_opt::<RequestId>()
            .map(|id| id.0.clone())
            .unwrap_or_default();
        let now = chrono::Utc::now();
        pending
            .into_iter()
            .map(|p| NewEntry {
                organization_id: actor.map(|a| a.organization_id),
                actor_id: actor.map(|a| a.user_id),
                operation: p.operation,
                kind: p.kind,
                outcome: p.outcome,
                client_ip: client.clone(),
                request_id: request_id.clone(),
                at: now,
                subjects: p.subjects,
            })
            .collect()
    }

    fn send(&self, ctx: &ExtensionContext<'_>, pending: Vec<Pending>) -> Option<Vec<NewEntry>> {
        let state = ctx.data_opt::<ApiState>()?;
        let (mutations, reads): (Vec<_>, Vec<_>) =
            pending.into_iter().partition(|p| p.kind == Kind::Mutation);
        if !reads.is_empty() {
            state.audit.reads(self.entries(ctx, coalesce(reads)));
        }
        (!mutations.is_empty()).then(|| self.entries(ctx, mutations))
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
            && let Some(state) = ctx.data_opt::<ApiState>()
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
        let kind = if info.parent_type == "Mutation" {
            Kind::Mutation
        } else if SENSITIVE.contains(&named(info.return_type)) {
            Kind::Read
        } else {
            return next.run(ctx, info).await;
        };
        let operation = info.name.to_owned();
        let mut subjects = Vec::new();
        if let Ok(variables) = self.variables.lock() {
            for (_, argument) in &info.field.arguments {
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
        }
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
            && let Some(state) = ctx.data_opt::<ApiState>()
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
}
