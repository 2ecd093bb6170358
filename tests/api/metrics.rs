//! docs/domain.md §3: `GET /metrics` exposes the service to Prometheus: requests by
//! route, GraphQL operations by type and outcome, and the database pool.

use serde_json::json;

use crate::both_databases;
use crate::helpers::{Response, TestApp, spawn_app};
use crate::support::TestDb;

/// The value of the sample `name{labels…}` in a text exposition, where
/// `labels` are some of its labels; `None` when no sample matches.
fn sample(body: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    body.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .find(|(series, _)| {
            let (series_name, series_labels) = series.split_once('{').unwrap_or((series, ""));
            series_name == name
                && labels
                    .iter()
                    .all(|(key, value)| series_labels.contains(&format!("{key}=\"{value}\"")))
        })
        .and_then(|(_, value)| value.parse().ok())
}

async fn scrape(app: &TestApp) -> Response {
    let response = app.request("GET", "/metrics", &[], None).await;
    assert_eq!(response.status, 200, "GET /metrics: {}", response.body);
    response
}

async fn metrics_count_requests_by_route_and_graphql_operations_by_outcome(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let typename = app.graphql(None, "{ __typename }", json!({})).await;
    assert_eq!(typename.json, json!({"data": {"__typename": "Query"}}));
    let failing = app.graphql(None, "{ noSuchField }", json!({})).await;
    assert!(!failing.error_codes().is_empty(), "{}", failing.body);
    assert_eq!(app.get("/healthz").await.status, 200);

    let response = scrape(&app).await;
    let body = &response.body;
    assert_eq!(
        response.media_type(),
        "text/plain",
        "{}",
        response.content_type
    );
    let graphql_posts = sample(
        body,
        "http_requests_total",
        &[("method", "POST"), ("route", "/graphql"), ("status", "200")],
    );
    assert!(
        graphql_posts >= Some(2.0),
        "POST /graphql count in:\n{body}"
    );
    let healthz = sample(
        body,
        "http_requests_total",
        &[("method", "GET"), ("route", "/healthz"), ("status", "200")],
    );
    assert!(healthz >= Some(1.0), "GET /healthz count in:\n{body}");
    let timed = sample(
        body,
        "http_request_duration_seconds_count",
        &[("method", "GET"), ("route", "/healthz")],
    );
    assert!(timed >= Some(1.0), "GET /healthz latency in:\n{body}");

    let ok = [("operation_type", "query"), ("outcome", "ok")];
    assert!(
        sample(body, "graphql_operations_total", &ok) >= Some(1.0),
        "{body}"
    );
    let error = [("operation_type", "query"), ("outcome", "error")];
    assert!(
        sample(body, "graphql_operations_total", &error) >= Some(1.0),
        "{body}"
    );

    let idle = sample(body, "db_pool_connections", &[("state", "idle")]);
    let in_use = sample(body, "db_pool_connections", &[("state", "in_use")]);
    let (Some(idle), Some(in_use)) = (idle, in_use) else {
        panic!("pool gauges missing in:\n{body}");
    };
    assert!(idle >= 0.0 && in_use >= 0.0, "{body}");
    assert!(
        idle + in_use >= 1.0,
        "the migrated pool holds a connection:\n{body}"
    );
    let started = sample(body, "process_start_time_seconds", &[]);
    assert!(started > Some(1.7e9), "process start in:\n{body}");
}

async fn paths_that_match_no_route_share_one_unmatched_series(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    for path in ["/no-such-page-1", "/no-such-page-2"] {
        assert_eq!(app.request("GET", path, &[], None).await.status, 404);
    }

    let body = scrape(&app).await.body;
    let unmatched = sample(
        body.as_str(),
        "http_requests_total",
        &[("route", "unmatched"), ("status", "404")],
    );
    assert!(unmatched >= Some(2.0), "unmatched count in:\n{body}");
    assert!(
        !body.contains("no-such-page"),
        "a raw path became a label:\n{body}"
    );
}

async fn scrapers_that_ask_for_openmetrics_get_openmetrics_text(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    // Families with no series yet are left out, so there is one to show.
    assert_eq!(app.get("/healthz").await.status, 200);
    let accept = "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.2";
    let response = app
        .request("GET", "/metrics", &[("Accept", accept)], None)
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.media_type(), "application/openmetrics-text");
    let body = &response.body;
    assert!(body.ends_with("# EOF\n"), "{body}");
    assert!(
        body.contains("# UNIT http_request_duration_seconds seconds"),
        "{body}"
    );
}

both_databases!(
    metrics_count_requests_by_route_and_graphql_operations_by_outcome,
    paths_that_match_no_route_share_one_unmatched_series,
    scrapers_that_ask_for_openmetrics_get_openmetrics_text,
);
