//! The shape the code must keep, checked on its text: the gateway reads and
//! writes only through the domain, the code cites rules from the
//! repository's own documents, and `ARCHITECTURE.md` names what exists.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, recursively, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// `file:line: text` for each line of the files under `dir` containing one
/// of `patterns`.
fn lines_naming(dir: &Path, patterns: &[&str]) -> Vec<String> {
    let mut hits = Vec::new();
    for file in rust_files(dir) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for (number, line) in text.lines().enumerate() {
            if patterns.iter().any(|p| line.contains(p)) {
                let shown = file.strip_prefix(root()).unwrap_or(&file).display();
                hits.push(format!("{shown}:{}: {}", number + 1, line.trim()));
            }
        }
    }
    hits
}

/// What a sea-orm query of an entity (or a raw statement) looks like.
const DATABASE_ACCESS: &[&str] = &[
    "Entity::find",
    "::find_by_id",
    "Entity::insert",
    "Entity::update",
    "Entity::delete",
    "ActiveModel {",
    "query_all",
    "query_one",
    "execute_unprepared",
    "Statement::from",
];

#[test]
fn the_gateway_reads_and_writes_only_through_the_domain() {
    let hits = lines_naming(&root().join("crates/gateway/src"), DATABASE_ACCESS);
    assert!(
        hits.is_empty(),
        "crates/gateway must call domain functions that take the actor, not query \
         the database itself:\n{}",
        hits.join("\n")
    );
}

#[test]
fn the_check_finds_a_query_when_there_is_one() {
    let dir = std::env::temp_dir().join(format!("ip-arch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    std::fs::write(
        dir.join("sneaky.rs"),
        "let rows = user::Entity::find().all(db).await?;\n",
    )
    .expect("write");
    let hits = lines_naming(&dir, DATABASE_ACCESS);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(hits.len(), 1, "{hits:?}");
}

#[test]
fn code_cites_rules_from_the_repository_not_from_documents_outside_it() {
    let mut hits = Vec::new();
    for dir in ["crates", "tests", "migrations", "src"] {
        hits.extend(lines_naming(&root().join(dir), &["SPEC §", "SPEC.md"]));
    }
    hits.retain(|hit| !hit.contains("tests/architecture.rs"));
    assert!(
        hits.is_empty(),
        "cite docs/domain.md (or another document in the repository) instead:\n{}",
        hits.join("\n")
    );
}

#[test]
fn every_path_architecture_md_names_exists() {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let mut missing = Vec::new();
    let mut named = 0;
    for span in text.split('`').skip(1).step_by(2) {
        let looks_like_path = (span.starts_with("crates/")
            || span.starts_with("tests/")
            || span.starts_with("src/")
            || span.starts_with("migrations/")
            || span.starts_with("docs/")
            || span.starts_with("data/"))
            && !span.contains(' ')
            && !span.contains('*');
        if looks_like_path {
            named += 1;
            if !root().join(span.trim_end_matches('/')).exists() {
                missing.push(span.to_owned());
            }
        }
    }
    assert!(named > 20, "ARCHITECTURE.md names only {named} paths");
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist: {missing:?}"
    );
    let lines = text.lines().count();
    assert!(
        lines <= 250,
        "ARCHITECTURE.md has {lines} lines; keep it under 250"
    );
}
