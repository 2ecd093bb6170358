//! Logging through `tracing`, to standard error so standard output stays
//! free for command results; and, when an OTLP endpoint is configured,
//! traces of requests, data-loader batches and SQL statements exported to
//! it.
//!
//! The export is a second layer beside the log layer, with its own filter:
//! spans of this service and of sea-orm's statements are traced whatever
//! `RUST_LOG` says, and without an endpoint no span is recorded beyond
//! what the logs need.

use std::io::IsTerminal;
use std::sync::OnceLock;

use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::filter::dynamic_filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{LogFormat, LogSettings, TraceExport};

/// Logging could not be started.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// `RUST_LOG` did not parse (normally caught by the config module).
    #[error("RUST_LOG is not a log filter: {0}")]
    Filter(#[from] tracing_subscriber::filter::ParseError),
    /// A global subscriber was already installed.
    #[error("could not install the logger: {0}")]
    Install(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The OTLP exporter could not be built.
    #[error("could not start the trace exporter for {endpoint}: {source}")]
    Exporter {
        /// Where spans would have gone.
        endpoint: String,
        /// Why the exporter refused.
        #[source]
        source: opentelemetry_otlp::ExporterBuildError,
    },
}

/// The trace pipeline, kept so [`shutdown`] can send what is still queued.
static TRACER: OnceLock<SdkTracerProvider> = OnceLock::new();

/// Installs the process-wide logger (and trace export) described by `log`.
pub fn init(log: &LogSettings) -> Result<(), TelemetryError> {
    let filter = EnvFilter::try_new(&log.filter)?;
    let logs = match log.format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .with_filter(filter)
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_writer(std::io::stderr)
            .with_filter(filter)
            .boxed(),
    };
    let traces = log.traces.as_ref().map(trace_layer).transpose()?;
    tracing_subscriber::registry()
        .with(logs)
        .with(traces)
        .try_init()
        .map_err(|err| TelemetryError::Install(err.into()))?;
    if let Some(export) = &log.traces {
        tracing::info!(
            endpoint = %export.endpoint,
            service = %export.service_name,
            "exporting traces over OTLP/HTTP"
        );
    }
    Ok(())
}

/// The layer that turns spans into OpenTelemetry spans for `export`.
fn trace_layer<S>(export: &TraceExport) -> Result<impl Layer<S>, TelemetryError>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(export.endpoint.clone())
        .build()
        .map_err(|source| TelemetryError::Exporter {
            endpoint: export.endpoint.clone(),
            source,
        })?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name(export.service_name.clone())
                .build(),
        )
        .build();
    let tracer = provider.tracer("interview-planner");
    // A second `init` (tests) keeps the first pipeline; its layer is then
    // refused by `try_init` anyway.
    let _ = TRACER.set(provider);
    Ok(tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_filter(dynamic_filter_fn(traced)))
}

/// What the trace layer records: this service's spans and events at info
/// and above, and sea-orm's statement spans when they belong to one of
/// them (a request, a batch, a background job). Statements outside any
/// span (migrations, the demo's inserts) would each be a trace of one
/// span, thousands of them.
fn traced<S>(meta: &tracing::Metadata<'_>, cx: &tracing_subscriber::layer::Context<'_, S>) -> bool
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    let target = meta.target();
    let ours = ["gateway", "domain"].iter().any(|crate_name| {
        target
            .strip_prefix(crate_name)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    });
    if ours {
        return *meta.level() <= tracing::Level::INFO;
    }
    target.starts_with("sea_orm") && meta.is_span() && cx.lookup_current().is_some()
}

/// Sends the spans still queued and stops the exporter; call once the
/// server has stopped. Without trace export it does nothing.
pub fn shutdown() {
    if let Some(provider) = TRACER.get()
        && let Err(err) = provider.shutdown()
    {
        tracing::warn!(error = %err, "sending the last traces failed");
    }
}

/// Makes `span` a child of the trace named by the request's W3C
/// `traceparent` (and `tracestate`) headers, if it has valid ones. Without
/// trace export this does nothing.
pub fn continue_trace(span: &tracing::Span, headers: &actix_web::http::header::HeaderMap) {
    if TRACER.get().is_none() || !headers.contains_key("traceparent") {
        return;
    }
    let parent = TraceContextPropagator::new().extract(&Headers(headers));
    // Fails only when the trace layer is not installed.
    let _ = span.set_parent(parent);
}

/// Request headers as a propagation carrier.
struct Headers<'a>(&'a actix_web::http::header::HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|name| name.as_str()).collect()
    }
}
