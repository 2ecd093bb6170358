//! The files of the web app and GraphiQL: inside the binary, or read from a
//! folder at run time while developing (`IP_WEB_DIR`).

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/web_files.rs"));
}

/// Where the files come from, and the version that names them in URLs.
#[derive(Clone, Debug)]
pub struct WebAssets {
    source: Source,
    version: String,
}

#[derive(Clone, Debug)]
enum Source {
    /// `include_bytes!` of `crates/gateway/web` at build time.
    Embedded,
    /// A folder read on every request, so edits show without a rebuild.
    Folder(PathBuf),
}

impl WebAssets {
    /// The files built into the binary; their version is a hash of their
    /// content, so a new build gets new URLs and browsers may keep each
    /// file forever.
    pub fn embedded() -> Self {
        // Hashed once per process (about 4 MiB, mostly GraphiQL), not per
        // server built.
        static VERSION: OnceLock<String> = OnceLock::new();
        let version = VERSION.get_or_init(|| {
            let mut hash = Sha256::new();
            for (path, bytes) in embedded::FILES {
                hash.update((path.len() as u64).to_le_bytes());
                hash.update(path.as_bytes());
                hash.update((bytes.len() as u64).to_le_bytes());
                hash.update(bytes);
            }
            hash.finalize()
                .iter()
                .take(6)
                .map(|byte| format!("{byte:02x}"))
                .collect()
        });
        WebAssets {
            source: Source::Embedded,
            version: version.clone(),
        }
    }

    /// The files of `dir` (the `web` folder of the source tree), read on
    /// every request; version `dev`, never cached.
    pub fn folder(dir: PathBuf) -> Self {
        WebAssets {
            source: Source::Folder(dir),
            version: "dev".to_owned(),
        }
    }

    /// The segment of every asset URL: `/assets/<version>/…`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// `Cache-Control` of an asset: a year for content-hashed URLs, none
    /// for files read from a folder that may change at any moment.
    pub fn cache_control(&self) -> &'static str {
        match self.source {
            Source::Embedded => "public, max-age=31536000, immutable",
            Source::Folder(_) => "no-cache",
        }
    }

    /// The file at `path` (relative, `/`-separated), if there is one.
    /// Paths that climb out (`..`), absolute paths and hidden files are
    /// never found.
    pub fn read(&self, path: &str) -> Option<Cow<'static, [u8]>> {
        if !is_plain(path) {
            return None;
        }
        match &self.source {
            Source::Embedded => embedded::FILES
                .binary_search_by(|(name, _)| (*name).cmp(path))
                .ok()
                .map(|index| Cow::Borrowed(embedded::FILES[index].1)),
            Source::Folder(dir) => std::fs::read(dir.join(path)).ok().map(Cow::Owned),
        }
    }

    /// Every embedded path, sorted (for tests of the build).
    pub fn embedded_paths() -> impl Iterator<Item = &'static str> {
        embedded::FILES.iter().map(|(path, _)| *path)
    }
}

/// Whether `path` names a file below the root: relative, no `..`, no
/// empty or hidden segment, no backslash.
fn is_plain(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\\')
        && path
            .split('/')
            .all(|segment| !segment.is_empty() && !segment.starts_with('.'))
        && Path::new(path)
            .components()
            .all(|component| matches!(component, Component::Normal(_)))
}

/// The `Content-Type` of a file, by its extension.
pub fn content_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map_or("", |(_, ext)| ext);
    match extension {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "md" | "txt" => "text/plain; charset=utf-8",
        _ if path.ends_with("LICENSE") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_climb_out_or_hide_are_refused() {
        for path in [
            "",
            "../Cargo.toml",
            "app/../../Cargo.toml",
            "/etc/passwd",
            "app//main.js",
            ".git/config",
            "app\\main.js",
        ] {
            assert!(!is_plain(path), "{path:?} was accepted");
        }
        assert!(is_plain("vendor/preact@10.29.8/preact.module.js"));
    }

    #[test]
    fn every_embedded_file_is_found_by_its_path() {
        let assets = WebAssets::embedded();
        let paths: Vec<_> = WebAssets::embedded_paths().collect();
        assert!(paths.contains(&"app/index.html"), "{paths:?}");
        for path in paths {
            assert!(
                assets.read(path).is_some(),
                "{path} is listed but not found"
            );
        }
        assert_eq!(assets.version().len(), 12);
    }

    #[test]
    fn scripts_and_styles_have_their_media_types() {
        assert_eq!(
            content_type("app/main.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("app/app.css"), "text/css; charset=utf-8");
        assert_eq!(
            content_type("vendor/htm@3.1.1/LICENSE"),
            "text/plain; charset=utf-8"
        );
        assert_eq!(content_type("x.unknown"), "application/octet-stream");
    }
}
