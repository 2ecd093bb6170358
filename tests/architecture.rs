//! The shape the code must keep, checked on its text: the gateway reads and
//! writes only through the domain.

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
