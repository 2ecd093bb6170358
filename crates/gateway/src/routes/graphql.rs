//! `/graphql` per the GraphQL-over-HTTP specification.
//!
//! - `POST` with `Content-Type: application/json` runs any operation; `GET`
//!   with URL parameters runs queries only (mutations get 405).
//! - The response is `application/graphql-response+json` or
//!   `application/json`, as `Accept` asks (`application/json` when absent).
//! - A request that is not well formed (bad JSON, unknown or mistyped
//!   parameters, a batch array) is 400. A document that fails to parse or
//!   validate, or variables that do not coerce, is 400 without `data` under
//!   `application/graphql-response+json`, and 200 under `application/json`.
//! - `Authorization: Bearer <token>` identifies the caller; a bad token is 401.
//! - The client's address (for sign-in throttling) is the connection's peer,
//!   or with `TRUST_PROXY_HEADERS=true` the last `X-Forwarded-For` entry.
//! - `GET` from a browser (Accept `text/html`, no query) opens GraphiQL
//!   (embedded, see [`super::webapp`]).
//! - `GET` with `Upgrade: websocket` is served by [`super::graphql_ws`]
//!   (subscriptions).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{ConnectionType, StatusCode};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use async_graphql::parser::types::OperationType;
use async_graphql::{ServerError, Value, Variables};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Map, json};
use tokio::sync::watch;
use tracing::Instrument;

use crate::auth::throttle::ClientIp;
use crate::auth::{AccessToken, AuthError, JwtKeys};
use crate::graphql::compiled::Plan;
use crate::graphql::context::Caller;
use crate::graphql::error::Code;
use crate::graphql::limits::{self, Limits, QueryLimits};
use crate::graphql::ops::auth::SessionId;
use crate::graphql::{self, ApiSchema, audit, order};
use crate::metrics::{self, Metrics};

/// Largest request body accepted (question imports can be long).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// What the GraphQL endpoint needs.
#[derive(Clone)]
pub struct GraphqlEndpoint {
    /// The executable schema of HTTP requests (no extensions: this handler
    /// prices and audits each one).
    pub schema: ApiSchema,
    /// The schema of WebSocket connections, which prices and audits in its
    /// extensions.
    pub ws_schema: ApiSchema,
    /// Where audit entries are written.
    pub audit: crate::audit::AuditLog,
    /// Keys to verify access tokens.
    pub keys: Arc<JwtKeys>,
    /// Where executed operations are counted.
    pub metrics: web::Data<Metrics>,
    /// `TRUST_PROXY_HEADERS`: take the client's address from
    /// `X-Forwarded-For` instead of the connection.
    pub trust_proxy_headers: bool,
    /// The per-request limits, checked here before anything else runs.
    pub limits: Limits,
    /// `GRAPHIQL`: whether a browser's `GET /graphql` opens GraphiQL.
    pub graphiql: bool,
    /// `REQUEST_TIMEOUT_SECONDS`: how long one operation may run.
    pub request_timeout: Duration,
    /// `HTTP_BODY_TIMEOUT_SECONDS`: how long the client may take to send
    /// the request body.
    pub body_timeout: Duration,
    /// `WS_INIT_TIMEOUT_SECONDS`: how long a WebSocket may wait before its
    /// `connection_init`.
    pub ws_init_timeout: Duration,
    /// Becomes `true` when the server starts shutting down.
    pub shutdown: watch::Receiver<bool>,
    /// Documents parsed once, with their compiled operations.
    pub documents: Arc<graphql::compiled::Documents>,
}

/// The two response media types of the specification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MediaType {
    GraphqlResponseJson,
    Json,
}

impl MediaType {
    fn content_type(self) -> &'static str {
        match self {
            MediaType::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        }
    }
}

/// Picks the response type from `Accept`: the first acceptable range in the
/// client's order of preference; `None` when nothing acceptable is listed.
fn negotiate(request: &HttpRequest) -> Option<MediaType> {
    let Some(accept) = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return Some(MediaType::Json);
    };
    let mut ranges: Vec<(f32, usize, Option<MediaType>)> = Vec::new();
    for (index, range) in accept.split(',').enumerate() {
        let mut parts = range.split(';');
        let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let media = match essence.as_str() {
            "application/graphql-response+json" => Some(MediaType::GraphqlResponseJson),
            "application/json" | "application/*" | "*/*" => Some(MediaType::Json),
            _ => None,
        };
        if quality > 0.0 {
            ranges.push((quality, index, media));
        }
    }
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges.into_iter().find_map(|(_, _, media)| media)
}

/// The request parameters of the specification; anything else is refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    query: String,
    #[serde(rename = "operationName", default)]
    operation_name: Option<String>,
    #[serde(default)]
    variables: Option<Map<String, serde_json::Value>>,
    #[serde(default)]
    extensions: Option<Map<String, serde_json::Value>>,
}

/// Every `/graphql` answer may carry tokens or private data: no cache
/// (browser, proxy or CDN) may keep it.
const NO_STORE: (header::HeaderName, HeaderValue) =
    (header::CACHE_CONTROL, HeaderValue::from_static("no-store"));

/// A response refused before any GraphQL processing.
fn refuse(status: StatusCode, media: MediaType, code: Code, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, media.content_type()))
        .insert_header(NO_STORE)
        .body(
            json!({"errors": [{"message": message, "extensions": {"code": code.as_str()}}]})
                .to_string(),
        )
}

fn not_acceptable() -> HttpResponse {
    HttpResponse::NotAcceptable()
        .insert_header((header::CONTENT_TYPE, "application/json; charset=utf-8"))
        .body(
            json!({"errors": [{"message": "Accept must allow application/graphql-response+json or application/json",
                "extensions": {"code": Code::BadUserInput.as_str()}}]})
            .to_string(),
        )
}

/// The caller named by `Authorization`, or the response refusing it. With
/// `lenient` (an operation that only signs in or refreshes), a token that
/// does not hold is ignored and the request runs without one: clients with
/// fixed headers send their expired token along with `refreshSession`.
async fn caller(
    request: &HttpRequest,
    endpoint: &GraphqlEndpoint,
    db: &sea_orm::DatabaseConnection,
    media: MediaType,
    lenient: bool,
) -> Result<(Caller, Option<SessionId>), Box<HttpResponse>> {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return Ok((Caller(None), None));
    };
    let unauthorized = |message: &str| {
        let mut response = refuse(
            StatusCode::UNAUTHORIZED,
            media,
            Code::Unauthenticated,
            message,
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
        Box::new(response)
    };
    let token = value.to_str().ok().and_then(crate::auth::bearer);
    let Some(token) = token else {
        if lenient {
            return Ok((Caller(None), None));
        }
        return Err(unauthorized(
            "Authorization must be `Bearer <accessToken>` or `Bearer ipk_…` (an API key)",
        ));
    };
    match crate::auth::authenticate(&endpoint.keys, db, token).await {
        Ok(found) => Ok((Caller(Some(found.actor)), found.session_id.map(SessionId))),
        Err(AuthError::Database(err)) => {
            tracing::error!(error = %err, "checking credentials failed");
            Err(Box::new(refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                media,
                Code::Internal,
                "could not check the credentials; please try again",
            )))
        }
        Err(_) if lenient => Ok((Caller(None), None)),
        Err(err @ AuthError::Expired) => Err(unauthorized(&format!(
            "{err}; call refreshSession or sign in again"
        ))),
        Err(AuthError::Invalid { reason }) => {
            tracing::info!(reason, "refused an access token");
            Err(unauthorized("access token invalid; sign in again"))
        }
        Err(err) => {
            tracing::info!(reason = %err, "refused a credential");
            Err(unauthorized(&err.to_string()))
        }
    }
}

/// The verified access token of a request whose compiled plan checks the
/// session itself, with that plan; `None` sends the request the full way
/// (no plan yet, another plan, an API key, or a token that does not hold,
/// which the full path refuses with its reason).
fn claimed(
    request: &HttpRequest,
    endpoint: &GraphqlEndpoint,
    prepared: &Prepared,
) -> Option<(AccessToken, Arc<Plan>)> {
    let plan = prepared
        .document
        .as_ref()?
        .plan(prepared.operation_name.as_deref())
        .filter(|plan| plan.checks_session())?;
    let value = request.headers().get(header::AUTHORIZATION)?;
    let token = crate::auth::bearer(value.to_str().ok()?)?;
    if token.starts_with(domain::api_key::PREFIX) {
        return None;
    }
    let access = endpoint.keys.verify_access(token).ok()?;
    Some((access, plan))
}

/// Whether the operation `prepared` runs only signs in, refreshes or signs
/// out (the calls a stale `Authorization` header must not block).
fn only_signs_in(prepared: &Prepared) -> bool {
    use async_graphql::parser::types::Selection;
    let Some(known) = &prepared.document else {
        return false;
    };
    let Some(operation) = metrics::selected(&known.document, prepared.operation_name.as_deref())
    else {
        return false;
    };
    operation.ty == OperationType::Mutation
        && operation.selection_set.node.items.iter().all(|item| {
            matches!(&item.node, Selection::Field(field)
                if matches!(field.node.name.node.as_str(),
                    "login" | "signUp" | "refreshSession" | "logout"))
        })
}

/// The caller's network address: the last `X-Forwarded-For` entry (the one
/// the trusted proxy appended; earlier ones are the client's to forge) when
/// `trust_proxy_headers`, else the connection's peer.
pub(crate) fn client_ip(request: &HttpRequest, trust_proxy_headers: bool) -> ClientIp {
    let forwarded = || {
        let last = request
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .next_back()?
            .trim();
        // `203.0.113.5`, `[2001:db8::5]` or, from some proxies, with a port.
        let bare = last.trim_start_matches('[').trim_end_matches(']');
        bare.parse::<IpAddr>()
            .ok()
            .or_else(|| last.parse::<SocketAddr>().ok().map(|a| a.ip()))
    };
    trust_proxy_headers
        .then(forwarded)
        .flatten()
        .or_else(|| request.peer_addr().map(|peer| peer.ip()))
        .map_or(ClientIp::UNKNOWN, ClientIp)
}

fn to_variables(map: Option<Map<String, serde_json::Value>>) -> Variables {
    Variables::from_json(serde_json::Value::Object(map.unwrap_or_default()))
}

/// The GraphQL request of `params`, parsed once here (or taken from the
/// documents already parsed; the schema reuses the parse), with the type
/// of the operation it selects. A document too long or too deeply nested
/// to parse safely is left unparsed: the schema's limits refuse it before
/// parsing.
fn graphql_request(
    params: Params,
    limits: &QueryLimits,
    documents: &graphql::compiled::Documents,
) -> Prepared {
    let known = limits
        .check_text(&params.query)
        .is_ok()
        .then(|| documents.get(&params.query))
        .flatten();
    let mut request =
        async_graphql::Request::new(params.query).variables(to_variables(params.variables));
    if let Some(name) = &params.operation_name {
        request = request.operation_name(name.clone());
    }
    if let Some(extensions) = params.extensions {
        for (key, value) in extensions {
            if let Ok(value) = Value::from_json(value) {
                request.extensions.insert(key, value);
            }
        }
    }
    let operation = known.as_ref().and_then(|known| {
        metrics::selected_operation(&known.document, params.operation_name.as_deref())
    });
    Prepared {
        request,
        operation,
        document: known,
        operation_name: params.operation_name,
    }
}

/// A request ready to run, with what the response needs of its document.
struct Prepared {
    request: async_graphql::Request,
    /// The type of the operation it selects, when it parsed.
    operation: Option<OperationType>,
    /// The parsed document (to write the response in its field order) and
    /// its compiled operations.
    document: Option<Arc<graphql::compiled::Known>>,
    operation_name: Option<String>,
}

/// Who a request speaks for.
enum Credential {
    /// Checked against the database already (or nobody signed in).
    Checked(Caller, Option<SessionId>),
    /// A verified access token whose session is not checked yet: the
    /// compiled plan checks it in its own statement (see
    /// [`Plan::checks_session`]), with that plan.
    Claimed(AccessToken, Arc<Plan>),
}

impl Credential {
    /// The actor it names (as claimed, for [`Credential::Claimed`]: the
    /// same user and organization as the one checked).
    fn actor(&self) -> Option<domain::Actor> {
        match self {
            Credential::Checked(caller, _) => caller.0,
            Credential::Claimed(access, _) => Some(access.actor),
        }
    }
}

/// Runs one request, shapes the response for `media`, and writes the
/// request's log line and metrics: one structured line per request with its
/// id, operation, duration, status, error codes and who asked (never
/// tokens, passwords or variables). A [`Credential::Claimed`] request that
/// its plan cannot answer whole comes back untouched, for the full path.
async fn execute(
    endpoint: &GraphqlEndpoint,
    db: &sea_orm::DatabaseConnection,
    credential: Credential,
    client: ClientIp,
    prepared: Prepared,
    media: MediaType,
    request_id: &str,
) -> Result<HttpResponse, Prepared> {
    let started = std::time::Instant::now();
    let name = operation_name(&prepared);
    let operation_type = metrics::operation_label(prepared.operation);
    let actor = credential.actor();
    let (response, codes) = respond(
        endpoint, db, credential, client, prepared, media, request_id,
    )
    .await?;
    let took = started.elapsed();
    endpoint
        .metrics
        .observe_named(name.as_deref(), took, codes.is_empty());
    tracing::info!(
        target: "request",
        request_id,
        operation_name = name.as_deref().unwrap_or(""),
        operation_type,
        duration_ms = took.as_secs_f64() * 1000.0,
        status = response.status().as_u16(),
        error_codes = ?codes,
        user_id = ?actor.map(|a| a.user_id),
        organization_id = ?actor.map(|a| a.organization_id),
        "graphql request"
    );
    Ok(response)
}

/// The codes of `errors`, for the request's log line.
fn codes_of(errors: &[ServerError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .map_or_else(
                    || "NONE".to_owned(),
                    |code| code.to_string().trim_matches('"').to_owned(),
                )
        })
        .collect()
}

/// Runs one request and shapes the response for `media`, with the codes of
/// its errors; a [`Credential::Claimed`] request its plan cannot answer
/// whole (refused, failed, or its session ended) comes back untouched.
async fn respond(
    endpoint: &GraphqlEndpoint,
    db: &sea_orm::DatabaseConnection,
    credential: Credential,
    client: ClientIp,
    prepared: Prepared,
    media: MediaType,
    request_id: &str,
) -> Result<(HttpResponse, Vec<String>), Prepared> {
    let signed_in = credential.actor().is_some();
    // Priced here, on the parse the handler already has; a document that
    // did not parse is refused with the reason (too long or too deep to
    // parse safely, or not GraphQL).
    let refused = match &prepared.document {
        Some(known) => endpoint
            .limits
            .check(&known.document, &prepared.request.variables, signed_in)
            .err()
            .map(limits::server_error),
        None => Some(unparsed(&endpoint.limits, &prepared.request.query)),
    };
    let rendered = graphql::tree::AnswerAudited::default();
    // A claimed session is checked by the plan's statement; a refusal, a
    // failure or an ended session leaves the answer to the full path,
    // which checks the session first.
    let (caller, session, answered) = match credential {
        Credential::Checked(caller, session) => (caller, session, None),
        Credential::Claimed(access, plan) => {
            if refused.is_some() {
                return Err(prepared);
            }
            let running = plan.run(
                db,
                &access.actor,
                Some(access.session_id),
                &prepared.request.variables,
                &rendered,
            );
            match tokio::time::timeout(endpoint.request_timeout, running).await {
                Ok(Some((actor, response))) => (
                    Caller(Some(actor)),
                    Some(SessionId(access.session_id)),
                    Some(response),
                ),
                Ok(None) => return Err(prepared),
                Err(_) => return Ok(past_deadline(endpoint, prepared.operation, media)),
            }
        }
    };
    let Prepared {
        request,
        operation,
        document,
        operation_name,
    } = prepared;
    let operation_type = metrics::operation_label(operation);
    let mut request = request;
    if let Some(refused) = refused {
        endpoint.metrics.observe_operation(operation_type, false);
        let errors = [refused];
        let status = match media {
            MediaType::GraphqlResponseJson => StatusCode::BAD_REQUEST,
            MediaType::Json => StatusCode::OK,
        };
        let response = HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, media.content_type()))
            .insert_header(NO_STORE)
            .body(json!({"errors": errors_json(&errors)}).to_string());
        return Ok((response, codes_of(&errors)));
    }
    if let Some(session) = session {
        request = request.data(session);
    }
    let variables = request.variables.clone();
    let compiled = match (&document, caller.0, &answered) {
        (Some(known), Some(actor), None) => known
            .plan(operation_name.as_deref())
            .map(|plan| (plan, actor)),
        _ => None,
    };
    let running = async {
        if let Some(response) = answered {
            endpoint.metrics.observe_compiled();
            return response;
        }
        if let Some((plan, actor)) = compiled
            && let Some((_, response)) = plan.run(db, &actor, None, &variables, &rendered).await
        {
            endpoint.metrics.observe_compiled();
            return response;
        }
        if let Some(known) = &document {
            request.set_parsed_query(known.document.clone());
        }
        request = request
            .data(crate::request_id::RequestId(request_id.to_owned()))
            .data(rendered.clone());
        let response = endpoint
            .schema
            .execute(graphql::prepare(request, db, caller, client))
            .await;
        if response.errors.is_empty()
            && let Some(known) = &document
        {
            known.ran_cleanly(operation_name.as_deref());
        }
        response
    };
    // Dropping the execution on the deadline drops its database futures,
    // which gives their connections back; a statement still running on
    // PostgreSQL is ended by its statement_timeout.
    let Ok(mut response) = tokio::time::timeout(endpoint.request_timeout, running).await else {
        return Ok(past_deadline(endpoint, operation, media));
    };
    endpoint
        .metrics
        .observe_operation(operation_type, response.errors.is_empty());
    for error in &mut response.errors {
        // Parse, validation and coercion errors come from async-graphql
        // without a code; they are the client's to fix.
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", Code::BadUserInput.as_str());
        }
    }
    if let Some(known) = &document {
        let origin = audit::Origin {
            actor: caller.0,
            client,
            request_id,
        };
        audit::record(
            &endpoint.audit,
            endpoint.limits.model(),
            &known.document,
            operation_name.as_deref(),
            &variables,
            &response,
            rendered.take(),
            origin,
        )
        .await;
    }
    // Errors without a path happened before execution: parsing, validation,
    // variable coercion. Those responses carry no data.
    let before_execution = response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    // Written in the order the query selects its fields (see
    // `graphql::order`).
    let body = if before_execution {
        serde_json::to_vec(&json!({"errors": errors_json(&response.errors)}))
    } else {
        order::response_json(
            &response,
            document.as_deref().map(|known| &known.document),
            operation_name.as_deref(),
        )
    }
    .unwrap_or_else(|err| {
        tracing::error!(error = %err, "serializing a GraphQL response failed");
        json!({"errors": [{"message": "internal error", "extensions": {"code": Code::Internal.as_str()}}]})
            .to_string()
            .into_bytes()
    });
    let status = if before_execution && media == MediaType::GraphqlResponseJson {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let codes = codes_of(&response.errors);
    let response = HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, media.content_type()))
        .insert_header(NO_STORE)
        .body(body);
    Ok((response, codes))
}

/// The answer, metrics and log of an operation cancelled at its deadline.
fn past_deadline(
    endpoint: &GraphqlEndpoint,
    operation: Option<OperationType>,
    media: MediaType,
) -> (HttpResponse, Vec<String>) {
    let operation_type = metrics::operation_label(operation);
    endpoint.metrics.observe_operation(operation_type, false);
    tracing::warn!(
        operation = operation_type,
        timeout_seconds = endpoint.request_timeout.as_secs(),
        "a request ran past its deadline and was cancelled"
    );
    (
        timed_out(endpoint.request_timeout, media),
        vec![Code::Timeout.as_str().to_owned()],
    )
}

/// Why a document that [`graphql_request`] could not parse is refused:
/// the limits' reason when it is too long or too deeply nested to parse
/// safely, else the parser's.
fn unparsed(limits: &Limits, query: &str) -> ServerError {
    if let Err(refused) = limits.limits().check_text(query) {
        return limits::server_error(refused);
    }
    let message = match async_graphql::parser::parse_query(query) {
        Err(err) => err.to_string(),
        Ok(_) => "the document could not be parsed".to_owned(),
    };
    limits::server_error(Code::BadUserInput.error(message))
}

/// The answer to an operation cancelled at its deadline.
fn timed_out(after: Duration, media: MediaType) -> HttpResponse {
    let body = json!({"errors": [{
        "message": format!(
            "the request took longer than {} seconds and was cancelled; nothing it started \
             was committed unless the error says otherwise. Ask for less (smaller pages, \
             fewer reports) or retry later",
            after.as_secs()
        ),
        "extensions": {"code": Code::Timeout.as_str()}}], "data": null});
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, media.content_type()))
        .insert_header(NO_STORE)
        .body(body.to_string())
}

/// Why a request body could not be read.
enum BodyError {
    /// Larger than [`MAX_BODY_BYTES`].
    TooLarge,
    /// Not sent within the body timeout.
    TooSlow,
    /// The connection failed while sending.
    Broken,
}

/// Reads the whole body within `timeout`, refusing more than
/// [`MAX_BODY_BYTES`] as soon as it is announced or arrives.
async fn read_body(
    request: &HttpRequest,
    mut payload: web::Payload,
    timeout: Duration,
) -> Result<web::Bytes, BodyError> {
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|length| length > MAX_BODY_BYTES) {
        return Err(BodyError::TooLarge);
    }
    let reading = async {
        let mut body = web::BytesMut::with_capacity(announced.unwrap_or(1024).min(64 * 1024));
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| BodyError::Broken)?;
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(BodyError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    tokio::time::timeout(timeout, reading)
        .await
        .unwrap_or(Err(BodyError::TooSlow))
}

fn errors_json(errors: &[ServerError]) -> serde_json::Value {
    serde_json::to_value(errors).unwrap_or_else(|_| json!([]))
}

/// `POST /graphql`.
pub async fn post(
    request: HttpRequest,
    payload: web::Payload,
    endpoint: web::Data<GraphqlEndpoint>,
    db: web::Data<sea_orm::DatabaseConnection>,
) -> HttpResponse {
    let Some(media) = negotiate(&request) else {
        return not_acceptable();
    };
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut parts = content_type.split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let charset_ok = parts.all(
        |p| match p.trim().to_ascii_lowercase().strip_prefix("charset=") {
            Some(charset) => charset.trim_matches('"') == "utf-8",
            None => true,
        },
    );
    if essence != "application/json" || !charset_ok {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            Code::BadUserInput,
            "send the request as Content-Type: application/json (UTF-8)",
        );
    }
    let body = match read_body(&request, payload, endpoint.body_timeout).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            let mut response = refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                media,
                Code::BadUserInput,
                "request body is larger than 4 MiB",
            );
            response
                .head_mut()
                .set_connection_type(ConnectionType::Close);
            return response;
        }
        Err(BodyError::TooSlow) => {
            let mut response = refuse(
                StatusCode::REQUEST_TIMEOUT,
                media,
                Code::BadUserInput,
                &format!(
                    "the request body was not sent within {} seconds (HTTP_BODY_TIMEOUT_SECONDS)",
                    endpoint.body_timeout.as_secs()
                ),
            );
            response
                .head_mut()
                .set_connection_type(ConnectionType::Close);
            return response;
        }
        Err(BodyError::Broken) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                media,
                Code::BadUserInput,
                "the request body could not be read",
            );
        }
    };
    let params: Params = match serde_json::from_slice::<serde_json::Value>(&body) {
        Err(err) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                media,
                Code::BadUserInput,
                &format!("request body is not valid JSON: {err}"),
            );
        }
        Ok(serde_json::Value::Array(_)) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                media,
                Code::BadUserInput,
                "batched requests are not supported; send one operation per request",
            );
        }
        Ok(value) => match serde_json::from_value(value) {
            Ok(params) => params,
            Err(err) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    media,
                    Code::BadUserInput,
                    &format!(
                        "invalid request parameters: {err}; expected {{query, operationName?, variables?, extensions?}}"
                    ),
                );
            }
        },
    };
    let prepared = graphql_request(params, endpoint.limits.limits(), &endpoint.documents);
    let lenient = only_signs_in(&prepared);
    run(&request, &endpoint, &db, prepared, media, lenient).await
}

/// Authenticates and runs a request that passed the transport checks,
/// inside the request's span (which continues the caller's trace).
async fn run(
    request: &HttpRequest,
    endpoint: &GraphqlEndpoint,
    db: &sea_orm::DatabaseConnection,
    prepared: Prepared,
    media: MediaType,
    lenient: bool,
) -> HttpResponse {
    let request_id = request
        .extensions()
        .get::<crate::request_id::RequestId>()
        .map(|id| id.0.clone())
        .unwrap_or_default();
    let span = request_span(&prepared, &request_id);
    crate::telemetry::continue_trace(&span, request.headers());
    let work = async {
        let client = client_ip(request, endpoint.trust_proxy_headers);
        let answer = async |credential, prepared| {
            execute(
                endpoint,
                db,
                credential,
                client,
                prepared,
                media,
                &request_id,
            )
            .await
        };
        // A compiled operation that checks the session in its own
        // statement runs on the token's claims: one round trip for the
        // session and the answer. Anything else it meets goes the full way.
        let prepared = match claimed(request, endpoint, &prepared) {
            Some((access, plan)) => match answer(Credential::Claimed(access, plan), prepared).await
            {
                Ok(response) => return response,
                Err(prepared) => prepared,
            },
            None => prepared,
        };
        let credential = match caller(request, endpoint, db, media, lenient).await {
            Ok((caller, session)) => Credential::Checked(caller, session),
            Err(response) => return *response,
        };
        // Only a claimed credential comes back unanswered.
        answer(credential, prepared).await.unwrap_or_else(|_| {
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                media,
                Code::Internal,
                "internal error",
            )
        })
    };
    let response = work.instrument(span.clone()).await;
    span.record("http.response.status_code", response.status().as_u16());
    if response.status().is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
    response
}

/// The span of one GraphQL request, named as OpenTelemetry's conventions
/// name GraphQL server spans: `query Dashboard`, or the bare type.
fn request_span(prepared: &Prepared, request_id: &str) -> tracing::Span {
    let operation_type = metrics::operation_label(prepared.operation);
    let name = operation_name(prepared);
    let span_name = match &name {
        Some(name) => format!("{operation_type} {name}"),
        None => operation_type.to_owned(),
    };
    tracing::info_span!(
        "graphql",
        otel.name = %span_name,
        otel.kind = "server",
        otel.status_code = tracing::field::Empty,
        graphql.operation.type = operation_type,
        graphql.operation.name = name.as_deref().unwrap_or(""),
        http.response.status_code = tracing::field::Empty,
        request_id,
    )
}

/// The operation's name: the one asked for, else that of the document's
/// only operation.
fn operation_name(prepared: &Prepared) -> Option<String> {
    prepared.operation_name.clone().or_else(|| {
        prepared
            .document
            .as_ref()
            .and_then(|known| match &known.document.operations {
                async_graphql::parser::types::DocumentOperations::Multiple(ops)
                    if ops.len() == 1 =>
                {
                    ops.keys().next().map(ToString::to_string)
                }
                _ => None,
            })
    })
}

/// `GET /graphql`: queries from URL parameters, or GraphiQL for a browser.
pub async fn get(
    request: HttpRequest,
    query: web::Query<Vec<(String, String)>>,
    endpoint: web::Data<GraphqlEndpoint>,
    db: web::Data<sea_orm::DatabaseConnection>,
    assets: web::Data<super::webapp::WebAssets>,
) -> HttpResponse {
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let pairs = query.into_inner();
    if wants_html && endpoint.graphiql && !pairs.iter().any(|(k, _)| k == "query") {
        return super::webapp::graphiql_page(&request, &assets);
    }
    let Some(media) = negotiate(&request) else {
        return not_acceptable();
    };
    let mut object = Map::new();
    for (key, value) in pairs {
        let parsed = match key.as_str() {
            "variables" | "extensions" => match serde_json::from_str::<serde_json::Value>(&value) {
                Ok(json) => json,
                Err(err) => {
                    return refuse(
                        StatusCode::BAD_REQUEST,
                        media,
                        Code::BadUserInput,
                        &format!("`{key}` is not valid JSON: {err}"),
                    );
                }
            },
            _ => serde_json::Value::String(value),
        };
        if object.insert(key.clone(), parsed).is_some() {
            return refuse(
                StatusCode::BAD_REQUEST,
                media,
                Code::BadUserInput,
                &format!("`{key}` is given twice"),
            );
        }
    }
    let params: Params = match serde_json::from_value(serde_json::Value::Object(object)) {
        Ok(params) => params,
        Err(err) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                media,
                Code::BadUserInput,
                &format!(
                    "invalid request parameters: {err}; expected query, operationName, variables, extensions"
                ),
            );
        }
    };
    let prepared = graphql_request(params, endpoint.limits.limits(), &endpoint.documents);
    if prepared
        .operation
        .is_some_and(|operation| operation != OperationType::Query)
    {
        let mut response = refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            media,
            Code::BadUserInput,
            "only queries may be sent with GET; send mutations with POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    run(&request, &endpoint, &db, prepared, media, false).await
}
