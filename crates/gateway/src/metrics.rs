//! Prometheus metrics, served on `GET /metrics`: HTTP requests and their
//! latency by route, GraphQL operations by type and outcome, the database
//! pool read at scrape time, and when the process started.
//!
//! Every label takes its value from a small set (route patterns rather than
//! paths, known methods, status codes), so no client can grow the number of
//! series.

use std::fmt;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType,
};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::encoding::{prometheus_text, text};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use sea_orm::{DatabaseConnection, DatabaseConnectionType};

/// `Content-Type` of the OpenMetrics text format, served to scrapers that ask
/// for it (Prometheus does).
const OPENMETRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Latency buckets in seconds: Prometheus' defaults, 5 ms to 10 s.
const LATENCY_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The `route` of a request that matched no route.
const UNMATCHED: &str = "unmatched";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation_type: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NamedOperationLabels {
    operation_name: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NameLabels {
    operation_name: String,
}

/// Distinct operation names given their own series; later names share
/// `other`, so clients cannot grow the number of series without bound.
const MAX_OPERATION_NAMES: usize = 100;
/// The label of an operation sent without a name.
const ANONYMOUS: &str = "anonymous";
/// The label shared by names beyond [`MAX_OPERATION_NAMES`] (and names
/// that are not plain GraphQL names).
const OTHER: &str = "other";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The service's metrics and the registry that encodes them.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    http_requests: Family<RequestLabels, Counter>,
    http_duration: HistogramFamily,
    graphql_operations: Family<OperationLabels, Counter>,
    compiled_operations: Counter,
    named_operations: Family<NamedOperationLabels, Counter>,
    named_duration: Family<NameLabels, Histogram, fn() -> Histogram>,
    names: std::sync::Mutex<std::collections::HashSet<String>>,
    audit: crate::audit::AuditCounters,
}

impl Metrics {
    /// The audit log's counters, registered here.
    pub fn audit_counters(&self) -> crate::audit::AuditCounters {
        self.audit.clone()
    }

    /// A registry with every metric of the service; the pool gauges read
    /// `db`'s pool on each scrape.
    pub fn new(db: &DatabaseConnection) -> Metrics {
        let mut registry = Registry::default();
        let http_requests = Family::<RequestLabels, Counter>::default();
        // Counters get `_total` appended by the encoder.
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, matched route and status",
            http_requests.clone(),
        );
        let http_duration: HistogramFamily =
            Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register_with_unit(
            "http_request_duration",
            "Time from receiving an HTTP request to sending its response head",
            Unit::Seconds,
            http_duration.clone(),
        );
        let graphql_operations = Family::<OperationLabels, Counter>::default();
        registry.register(
            "graphql_operations",
            "GraphQL operations executed, by operation type and outcome (error when the \
             response has any error)",
            graphql_operations.clone(),
        );
        let compiled_operations = Counter::default();
        registry.register(
            "graphql_compiled_operations",
            "GraphQL operations run from their compiled plan (parsed and validated when \
             they first ran) instead of field by field",
            compiled_operations.clone(),
        );
        let start_time = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        start_time.set(process_start_seconds());
        registry.register_with_unit(
            "process_start_time",
            "When the process started, in seconds since the Unix epoch",
            Unit::Seconds,
            start_time,
        );
        let named_operations = Family::<NamedOperationLabels, Counter>::default();
        registry.register(
            "graphql_named_operations",
            "GraphQL operations executed, by operation name (the first 100 names seen; \
             later ones count as `other`) and outcome",
            named_operations.clone(),
        );
        let named_duration: Family<NameLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register_with_unit(
            "graphql_operation_duration",
            "Time to run a GraphQL operation, by operation name",
            Unit::Seconds,
            named_duration.clone(),
        );
        let audit = crate::audit::AuditCounters::default();
        registry.register(
            "audit_entries_dropped",
            "Audit entries of reads dropped because the writer's queue was full",
            audit.dropped.clone(),
        );
        registry.register(
            "audit_write_failures",
            "Audit entries the database refused to store",
            audit.failed.clone(),
        );
        registry.register_collector(Box::new(PoolCollector { db: db.clone() }));
        registry.register_collector(Box::new(MemoryCollector));
        Metrics {
            registry,
            http_requests,
            http_duration,
            graphql_operations,
            compiled_operations,
            named_operations,
            named_duration,
            names: std::sync::Mutex::default(),
            audit,
        }
    }

    /// Counts one answered HTTP request and its latency. `route` is the
    /// matched pattern (`/graphql`), `None` when no route matched.
    pub fn observe_request(
        &self,
        method: &Method,
        route: Option<String>,
        status: u16,
        elapsed: Duration,
    ) {
        let method = method_label(method);
        let route = route.unwrap_or_else(|| UNMATCHED.to_owned());
        self.http_duration
            .get_or_create(&RouteLabels {
                method,
                route: route.clone(),
            })
            .observe(elapsed.as_secs_f64());
        self.http_requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status,
            })
            .inc();
    }

    /// Counts one executed GraphQL operation; `operation_type` comes from
    /// [`operation_label`].
    pub fn observe_operation(&self, operation_type: &'static str, ok: bool) {
        let outcome = if ok { "ok" } else { "error" };
        self.graphql_operations
            .get_or_create(&OperationLabels {
                operation_type,
                outcome,
            })
            .inc();
    }

    /// Counts an operation run from its compiled plan.
    pub fn observe_compiled(&self) {
        self.compiled_operations.inc();
    }

    /// Counts an operation by name with its duration.
    pub fn observe_named(&self, name: Option<&str>, took: Duration, ok: bool) {
        let label = self.name_label(name);
        let outcome = if ok { "ok" } else { "error" };
        self.named_operations
            .get_or_create(&NamedOperationLabels {
                operation_name: label.clone(),
                outcome,
            })
            .inc();
        self.named_duration
            .get_or_create(&NameLabels {
                operation_name: label,
            })
            .observe(took.as_secs_f64());
    }

    /// The label of operation name `name`: itself while fewer than
    /// [`MAX_OPERATION_NAMES`] names are known, else `other`.
    fn name_label(&self, name: Option<&str>) -> String {
        let Some(name) = name else {
            return ANONYMOUS.to_owned();
        };
        let plain =
            name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !plain {
            return OTHER.to_owned();
        }
        let Ok(mut names) = self.names.lock() else {
            return OTHER.to_owned();
        };
        if names.contains(name) {
            return name.to_owned();
        }
        if names.len() < MAX_OPERATION_NAMES {
            names.insert(name.to_owned());
            return name.to_owned();
        }
        OTHER.to_owned()
    }

    /// The metrics in OpenMetrics text, or in Prometheus text 0.0.4 when
    /// `openmetrics` is false; with the `Content-Type` of that format.
    pub fn encode(&self, openmetrics: bool) -> Result<(String, &'static str), fmt::Error> {
        let mut body = String::new();
        if openmetrics {
            text::encode(&mut body, &self.registry)?;
            Ok((body, OPENMETRICS_CONTENT_TYPE))
        } else {
            prometheus_text::encode(&mut body, &self.registry)?;
            Ok((body, prometheus_text::CONTENT_TYPE))
        }
    }
}

/// The type of the operation a request runs: the one named
/// `operation_name`, or the document's only operation; `None` when the
/// selection is ambiguous or names nothing.
pub fn selected_operation(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<OperationType> {
    selected(document, operation_name).map(|operation| operation.ty)
}

/// The operation of `document` that runs for `operation_name`: the named
/// one, or the only one when no name is given.
pub fn selected<'d>(
    document: &'d ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'d OperationDefinition> {
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), None) => Some(operation),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()
        }
        (operations, Some(wanted)) => operations
            .iter()
            .find(|(name, _)| name.is_some_and(|name| name.as_str() == wanted))
            .map(|(_, operation)| operation),
        (_, None) => None,
    };
    operation.map(|operation| &operation.node)
}

/// The `operation_type` label of an operation type (`unknown` when none).
pub fn operation_label(operation: Option<OperationType>) -> &'static str {
    match operation {
        Some(OperationType::Query) => "query",
        Some(OperationType::Mutation) => "mutation",
        Some(OperationType::Subscription) => "subscription",
        None => "unknown",
    }
}

/// Middleware: counts each request and its latency under the route pattern
/// it matched.
pub async fn record(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let metrics = request.app_data::<web::Data<Metrics>>().cloned();
    let method = request.method().clone();
    let started = Instant::now();
    let result = next.call(request).await;
    if let Some(metrics) = metrics {
        // The pattern is read after routing. An `Err` carries no request;
        // the handlers here turn their errors into responses, so it is rare.
        let (route, status) = match &result {
            Ok(response) => (response.request().match_pattern(), response.status()),
            Err(err) => (None, err.as_response_error().status_code()),
        };
        metrics.observe_request(&method, route, status.as_u16(), started.elapsed());
    }
    result
}

/// Who may scrape: anyone, or whoever presents `METRICS_TOKEN`.
#[derive(Clone, Default)]
pub struct MetricsAccess {
    token: Option<String>,
}

impl MetricsAccess {
    /// Access requiring `Authorization: Bearer <token>` when `token` is set.
    pub fn new(token: Option<String>) -> MetricsAccess {
        MetricsAccess { token }
    }

    /// Whether `request` may read the metrics.
    fn allows(&self, request: &HttpRequest) -> bool {
        let Some(expected) = &self.token else {
            return true;
        };
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(crate::auth::bearer)
            .unwrap_or_default();
        constant_time_eq(presented.as_bytes(), expected.as_bytes())
    }
}

/// Compares without returning early on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `GET /metrics`: OpenMetrics text when `Accept` asks for it, else the
/// Prometheus text format. With `METRICS_TOKEN` set, a request without that
/// bearer token is refused with 401.
pub async fn scrape(
    request: HttpRequest,
    metrics: web::Data<Metrics>,
    access: Option<web::Data<MetricsAccess>>,
) -> HttpResponse {
    if access.is_some_and(|access| !access.allows(&request)) {
        return HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\""))
            .content_type("text/plain; charset=utf-8")
            .body("send the metrics token: Authorization: Bearer <METRICS_TOKEN>\n");
    }
    let openmetrics = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/openmetrics-text"));
    match metrics.encode(openmetrics) {
        Ok((body, content_type)) => HttpResponse::Ok().content_type(content_type).body(body),
        Err(err) => {
            tracing::error!(error = %err, "encoding the metrics failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// The method as a label; methods outside the standard set share `other` so
/// that made-up methods add no series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// Seconds since the Unix epoch when the first registry was built, which
/// `serve` does as it starts.
fn process_start_seconds() -> f64 {
    static START: OnceLock<f64> = OnceLock::new();
    *START.get_or_init(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|since| since.as_secs_f64())
            .unwrap_or_default()
    })
}

/// Reads the database pool's connections on each scrape.
/// The process's resident memory, read from `/proc/self/statm` at scrape
/// time (Linux; nothing elsewhere).
#[derive(Debug)]
struct MemoryCollector;

/// Resident set size of this process in bytes, when the system says.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // The page size of every Linux platform the service runs on.
    Some(pages * 4096)
}

impl Collector for MemoryCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), fmt::Error> {
        let Some(bytes) = resident_bytes() else {
            return Ok(());
        };
        let gauge = ConstGauge::new(i64::try_from(bytes).unwrap_or(i64::MAX));
        let metric = encoder.encode_descriptor(
            "process_resident_memory",
            "Resident memory of the process",
            Some(&Unit::Bytes),
            gauge.metric_type(),
        )?;
        gauge.encode(metric)
    }
}

struct PoolCollector {
    db: DatabaseConnection,
}

impl fmt::Debug for PoolCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolCollector").finish_non_exhaustive()
    }
}

impl PoolCollector {
    /// `(open connections, idle connections)`; `None` for a connection that
    /// is not an sqlx pool.
    fn usage(&self) -> Option<(u32, usize)> {
        // Matched first: the pool getters panic on the other backend.
        match &self.db.inner {
            DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
                let pool = self.db.get_postgres_connection_pool();
                Some((pool.size(), pool.num_idle()))
            }
            DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
                let pool = self.db.get_sqlite_connection_pool();
                Some((pool.size(), pool.num_idle()))
            }
            _ => None,
        }
    }
}

impl Collector for PoolCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), fmt::Error> {
        let Some((size, idle)) = self.usage() else {
            return Ok(());
        };
        let idle = i64::try_from(idle).unwrap_or(i64::MAX);
        // Read separately, so `idle` may briefly exceed `size`.
        let in_use = i64::from(size).saturating_sub(idle).max(0);
        let mut metric = encoder.encode_descriptor(
            "db_pool_connections",
            "Database pool connections, idle or in use, at scrape time.",
            None,
            MetricType::Gauge,
        )?;
        for (state, value) in [("idle", idle), ("in_use", in_use)] {
            ConstGauge::new(value).encode(metric.encode_family(&PoolLabels { state })?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operation_type_is_that_of_the_selected_operation() {
        let operation_type = |query: &str, name: Option<&str>| {
            let operation = async_graphql::parser::parse_query(query)
                .ok()
                .and_then(|document| selected_operation(&document, name));
            operation_label(operation)
        };
        assert_eq!(operation_type("{ __typename }", None), "query");
        assert_eq!(operation_type("mutation M { logout }", None), "mutation");
        let two = "query A { a } subscription B { b }";
        assert_eq!(operation_type(two, Some("B")), "subscription");
        assert_eq!(operation_type(two, None), "unknown");
        assert_eq!(operation_type(two, Some("C")), "unknown");
        assert_eq!(operation_type("{ broken", None), "unknown");
    }

    #[test]
    fn made_up_methods_share_one_label() {
        let custom = Method::from_bytes(b"BREW").unwrap_or(Method::GET);
        assert_eq!(method_label(&custom), "other");
        assert_eq!(method_label(&Method::POST), "POST");
    }
}
