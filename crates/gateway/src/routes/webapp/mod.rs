//! The web app and GraphiQL, served from files inside the binary.
//!
//! - `GET /` and the app's own pages (`/rounds/…`, `/candidates/…`, see
//!   [`APP_PAGES`]) answer the app's `index.html`; the app routes in the
//!   browser. Other paths stay 404.
//! - `GET /assets/<version>/<path>` answers a file; `<version>` is a hash of
//!   every embedded file, so the URLs change with each build and browsers
//!   keep them for a year. Another version is 404.
//! - GraphiQL's page is answered by `GET /graphql` for a browser
//!   ([`graphiql_page`]).
//!
//! Every page carries a Content-Security-Policy that allows scripts, styles
//! and fonts from this origin only (plus the one inline import map, by its
//! hash) and connections to this origin and its WebSocket: nothing loads
//! from anywhere else, and an injected inline script does not run.

mod assets;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use base64ct::{Base64, Encoding};
use sha2::{Digest, Sha256};

pub use assets::WebAssets;

/// First path segments of the app's pages (its client-side routes).
pub const APP_PAGES: &[&str] = &[
    "signin",
    "rounds",
    "candidates",
    "plans",
    "dashboard",
    "admin",
];

/// Registers `/`, the app's pages and `/assets/…`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(app_page))
        .route("/assets/{version}/{path:.*}", web::get().to(asset));
    for page in APP_PAGES {
        cfg.route(&format!("/{page}"), web::get().to(app_page))
            .route(&format!("/{page}/{{rest:.*}}"), web::get().to(app_page));
    }
}

/// `GET /assets/<version>/<path>`.
async fn asset(path: web::Path<(String, String)>, assets: web::Data<WebAssets>) -> HttpResponse {
    let (version, file) = path.into_inner();
    if version != assets.version() {
        return not_found();
    }
    match assets.read(&file) {
        Some(bytes) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, assets::content_type(&file)))
            .insert_header((header::CACHE_CONTROL, assets.cache_control()))
            .insert_header(NOSNIFF)
            .body(bytes.into_owned()),
        None => not_found(),
    }
}

/// The app's `index.html`, for `/` and every page under it.
async fn app_page(request: HttpRequest, assets: web::Data<WebAssets>) -> HttpResponse {
    page(&request, &assets, "app/index.html", Page::App)
}

/// GraphiQL's page (assets embedded, subscriptions over this origin's
/// WebSocket).
pub fn graphiql_page(request: &HttpRequest, assets: &WebAssets) -> HttpResponse {
    page(request, assets, "graphiql/index.html", Page::Graphiql)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Page {
    App,
    Graphiql,
}

const NOSNIFF: (header::HeaderName, HeaderValue) = (
    header::X_CONTENT_TYPE_OPTIONS,
    HeaderValue::from_static("nosniff"),
);

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
        .insert_header(NOSNIFF)
        .body("not found")
}

/// The HTML template `file` with `%ASSETS%` replaced by this build's asset
/// URL prefix, with its security headers. Pages are revalidated on every
/// load (`no-cache`): they name the versioned assets.
fn page(request: &HttpRequest, assets: &WebAssets, file: &str, kind: Page) -> HttpResponse {
    let Some(template) = assets.read(file) else {
        tracing::error!(file, "a web page's template is missing");
        return not_found();
    };
    let prefix = format!("/assets/{}", assets.version());
    let html = String::from_utf8_lossy(&template).replace("%ASSETS%", &prefix);
    let policy = content_security_policy(request, &inline_script_hashes(&html), kind);
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, policy))
        .insert_header(NOSNIFF)
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .body(html)
}

/// `'sha256-…'` of each `<script type="importmap">` body: an import map
/// must be inline, and a hash allows exactly that one and nothing else.
fn inline_script_hashes(html: &str) -> Vec<String> {
    const OPEN: &str = "<script type=\"importmap\">";
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(OPEN) {
        let body = &rest[start + OPEN.len()..];
        let Some(end) = body.find("</script>") else {
            break;
        };
        let digest = Sha256::digest(&body.as_bytes()[..end]);
        hashes.push(format!("'sha256-{}'", Base64::encode_string(&digest)));
        rest = &body[end..];
    }
    hashes
}

/// The policy of a page: everything from this origin only; connections to
/// this origin and its WebSocket (`ws://` and `wss://` of the `Host` the
/// browser used, so it holds behind a TLS proxy too). GraphiQL's editor
/// sets inline styles and its CSS carries its fonts as `data:` URLs.
fn content_security_policy(request: &HttpRequest, script_hashes: &[String], kind: Page) -> String {
    let mut connect = String::from("'self'");
    if let Some(host) = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| is_host(host))
    {
        connect.push_str(&format!(" ws://{host} wss://{host}"));
    }
    let mut script = String::from("'self'");
    for hash in script_hashes {
        script.push(' ');
        script.push_str(hash);
    }
    let (style, font) = match kind {
        Page::App => ("'self'", "'self'"),
        Page::Graphiql => ("'self' 'unsafe-inline'", "'self' data:"),
    };
    format!(
        "default-src 'none'; script-src {script}; style-src {style}; font-src {font}; \
         img-src 'self' data:; connect-src {connect}; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// Whether a `Host` header is a plain host and port, safe to put in a policy.
fn is_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_import_map_is_allowed_by_its_hash_only() {
        let html = "<script type=\"importmap\">{\"imports\":{}}</script><script src=x></script>";
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        let expected = Base64::encode_string(&Sha256::digest(b"{\"imports\":{}}"));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
    }

    #[test]
    fn a_host_with_policy_syntax_is_left_out() {
        assert!(is_host("127.0.0.1:8080"));
        assert!(is_host("[::1]:8080"));
        assert!(!is_host("evil.example; script-src *"));
        assert!(!is_host(""));
    }
}
