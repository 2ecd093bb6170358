//! The web app and GraphiQL, served from the binary: pages with a strict
//! Content-Security-Policy, assets with their media types under versioned
//! URLs, 404 for anything else, and GraphiQL without any other origin.

use crate::helpers::{Response, TestApp, spawn_app, spawn_app_with};
use crate::support::TestDb;

const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

async fn page(app: &TestApp, path: &str) -> Response {
    app.request("GET", path, &[("Accept", BROWSER_ACCEPT)], None)
        .await
}

/// Every `src="…"` and `href="…"` of an HTML page.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(start) = rest.find(attribute) {
            let value = &rest[start + attribute.len()..];
            let end = value.find('"').unwrap_or(value.len());
            found.push(value[..end].to_owned());
            rest = &value[end..];
        }
    }
    found
}

fn directive<'a>(policy: &'a str, name: &str) -> &'a str {
    policy
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with(name))
        .unwrap_or_else(|| panic!("no {name} in {policy}"))
}

fn assert_strict_policy(response: &Response, app: &TestApp) {
    let policy = response
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("no Content-Security-Policy: {response:?}"));
    assert_eq!(directive(policy, "default-src"), "default-src 'none'");
    let script = directive(policy, "script-src");
    assert!(script.starts_with("script-src 'self'"), "{policy}");
    assert!(
        !script.contains("unsafe-inline")
            && !script.contains("unsafe-eval")
            && !script.contains('*'),
        "scripts only from this origin: {policy}"
    );
    assert_eq!(
        directive(policy, "connect-src"),
        format!("connect-src 'self' ws://{0} wss://{0}", app.address),
        "the API and its WebSocket only"
    );
    assert_eq!(
        directive(policy, "frame-ancestors"),
        "frame-ancestors 'none'"
    );
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_is_served_at_the_root_and_its_pages_with_a_strict_policy() {
    let db = TestDb::sqlite().await;
    let app = spawn_app(&db.url).await;
    for path in [
        "/",
        "/signin",
        "/rounds/0190c0de-0000-7000-8000-000000000000",
        "/dashboard/candidates/x",
    ] {
        let response = page(&app, path).await;
        assert_eq!(response.status, 200, "{path}: {response:?}");
        assert_eq!(response.content_type, "text/html; charset=utf-8", "{path}");
        assert!(
            response.body.contains("<div id=\"app\">"),
            "{path}: {}",
            response.body
        );
        assert_eq!(response.header("cache-control"), Some("no-cache"), "{path}");
        assert_strict_policy(&response, &app);
        let script = directive(
            response.header("content-security-policy").unwrap(),
            "script-src",
        );
        assert_eq!(
            script.matches("'sha256-").count(),
            1,
            "exactly the import map is allowed inline: {script}"
        );
    }
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_have_their_media_type_and_are_cached_under_their_version() {
    let db = TestDb::sqlite().await;
    let app = spawn_app(&db.url).await;
    let index = page(&app, "/").await;
    let assets = references(&index.body);
    let script = assets
        .iter()
        .find(|a| a.ends_with("/app/main.js"))
        .unwrap_or_else(|| panic!("no main.js in {assets:?}"));
    let style = assets
        .iter()
        .find(|a| a.ends_with("/app/app.css"))
        .unwrap_or_else(|| panic!("no app.css in {assets:?}"));
    for (path, media) in [
        (script.as_str(), "text/javascript; charset=utf-8"),
        (style.as_str(), "text/css; charset=utf-8"),
    ] {
        assert!(path.starts_with("/assets/"), "{path}");
        let response = app.request("GET", path, &[], None).await;
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.content_type, media, "{path}");
        assert_eq!(
            response.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{path}: the URL carries the content's hash"
        );
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    }
    let vendored = script.replace("/app/main.js", "/vendor/preact@10.29.8/LICENSE");
    let licence = app.request("GET", &vendored, &[], None).await;
    assert_eq!(
        licence.status, 200,
        "the licence ships beside the vendored file"
    );
    assert_eq!(licence.content_type, "text/plain; charset=utf-8");
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_assets_other_versions_and_other_paths_are_404() {
    let db = TestDb::sqlite().await;
    let app = spawn_app(&db.url).await;
    let index = page(&app, "/").await;
    let script = references(&index.body)
        .into_iter()
        .find(|a| a.ends_with("/app/main.js"))
        .expect("main.js is referenced");
    let prefix = script.trim_end_matches("app/main.js");
    for path in [
        format!("{prefix}app/no-such-file.js"),
        format!("{prefix}../../Cargo.toml"),
        format!("{prefix}%2e%2e/%2e%2e/Cargo.toml"),
        format!("{prefix}.hidden"),
        "/assets/000000000000/app/main.js".to_owned(),
        "/assets/dev/app/main.js".to_owned(),
        "/no-such-page".to_owned(),
    ] {
        let response = app
            .request("GET", &path, &[("Accept", BROWSER_ACCEPT)], None)
            .await;
        assert_eq!(response.status, 404, "{path}: {response:?}");
    }
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_references_only_assets_of_this_origin() {
    let db = TestDb::sqlite().await;
    let app = spawn_app(&db.url).await;
    let response = page(&app, "/graphql").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.media_type(), "text/html");
    assert_strict_policy(&response, &app);
    let found = references(&response.body);
    assert!(found.len() >= 5, "GraphiQL's scripts and styles: {found:?}");
    assert!(
        !response.body.contains("//unpkg") && !response.body.contains("https://"),
        "no other origin in the page: {}",
        response.body
    );
    for asset in &found {
        assert!(
            asset.starts_with("/assets/"),
            "{asset} is not an embedded asset"
        );
        let answer = app.request("GET", asset, &[], None).await;
        assert_eq!(answer.status, 200, "{asset}");
    }
    assert!(
        found
            .iter()
            .any(|a| a.contains("graphiql@3.8.3/graphiql.min.js")),
        "the pinned GraphiQL: {found:?}"
    );
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ip_web_dir_serves_the_source_folder_uncached() {
    let db = TestDb::sqlite().await;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/crates/gateway/web");
    let app = spawn_app_with(&db.url, &[("IP_WEB_DIR", dir)]).await;
    let index = page(&app, "/").await;
    assert!(
        index.body.contains("/assets/dev/app/main.js"),
        "{}",
        index.body
    );
    let script = app
        .request("GET", "/assets/dev/app/main.js", &[], None)
        .await;
    assert_eq!(script.status, 200);
    assert_eq!(script.header("cache-control"), Some("no-cache"));
    db.finish().await;
}

#[test]
fn ip_web_dir_must_be_the_web_folder() {
    let problems = gateway::Settings::from_lookup(|name| {
        (name == "IP_WEB_DIR").then(|| "/definitely/not/here".to_owned())
    })
    .expect_err("a folder without app/index.html is refused");
    assert!(problems.to_string().contains("IP_WEB_DIR"), "{problems}");
}
