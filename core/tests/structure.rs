//! Two house rules, kept by tests that read core's sources.
//!
//! "Lower rooms never import higher ones": no file of core reaches, through
//! the `crate::` and `super::` paths it names, back to itself. A circle once
//! ran through fourteen files because `error.rs` reached up into `sync` for
//! two types.
//!
//! A path is resolved to the file of its longest module prefix
//! (`crate::sync::transport::Fetched` → `sync/transport.rs`,
//! `crate::sync::Role` → `sync/mod.rs`); `mod x;` and re-exports in a
//! `mod.rs` are how a room shows its inside, not a dependency, and tests
//! inside a file (`#[cfg(test)] mod …`) may use anything.
//!
//! "A type's SQL belongs under `store/`, by feature": see
//! [`only_store_runs_sql`] for exactly what is allowed elsewhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn sources() -> BTreeMap<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                let text = std::fs::read_to_string(&path).unwrap();
                // Unit tests may import anything.
                let body = match text.find("#[cfg(test)]\nmod ") {
                    Some(i) => text[..i].to_owned(),
                    None => text,
                };
                out.insert(rel, body);
            }
        }
    }
    out
}

/// The file of the longest module prefix of `parts` that is a file.
fn resolve(files: &BTreeMap<String, String>, parts: &[&str]) -> Option<String> {
    (1..=parts.len()).rev().find_map(|n| {
        let base = parts[..n].join("/");
        [format!("{base}.rs"), format!("{base}/mod.rs")]
            .into_iter()
            .find(|candidate| files.contains_key(candidate))
    })
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every path after `prefix` (`crate::` or `super::`): its segments and,
/// for a `{…}` group, each member's segments after them.
fn paths_after<'a>(text: &'a str, prefix: &str) -> Vec<Vec<&'a str>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| is_ident(c) || c == ':') && prefix == "super::" {
            continue; // `super::super::` is walked from the first one
        }
        let mut segments = Vec::new();
        let mut s = rest;
        loop {
            let len = s.find(|c: char| !is_ident(c)).unwrap_or(s.len());
            if len == 0 {
                break;
            }
            segments.push(&s[..len]);
            s = &s[len..];
            match s.strip_prefix("::") {
                Some(next) => s = next,
                None => break,
            }
        }
        if let Some(group) = s.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for member in group.split(',') {
                let mut with = segments.clone();
                with.extend(member.trim().split("::").map(str::trim));
                out.push(with);
            }
        }
        out.push(segments);
    }
    out
}

fn dependencies(files: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, text) in files {
        let mut add = |parts: &[&str]| {
            if let Some(target) = resolve(files, parts)
                && &target != file
            {
                edges.entry(file.clone()).or_default().insert(target);
            }
        };
        for parts in paths_after(text, "crate::") {
            add(&parts);
        }
        // `super::` from `a/b.rs` is `a`; from `a/b/mod.rs` it is `a` too.
        let mut dir: Vec<&str> = file.split('/').collect();
        dir.pop();
        if file.ends_with("/mod.rs") {
            dir.pop();
        }
        for parts in paths_after(text, "super::") {
            let supers = parts.iter().take_while(|p| **p == "super").count();
            let mut base = dir.clone();
            base.truncate(base.len().saturating_sub(supers));
            base.extend(&parts[supers..]);
            if base.is_empty() {
                add(&["lib"]);
            } else {
                add(&base);
            }
        }
    }
    edges
}

/// Files that reach themselves, as one circle each (`a → b → a`).
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for start in edges.keys() {
        // Depth-first from `start`, looking for a way back.
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((at, path)) = stack.pop() {
            for next in edges.get(&at).into_iter().flatten() {
                if next == start {
                    let mut circle = path.clone();
                    circle.push(start.clone());
                    found.push(circle);
                } else if seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
        if !found.is_empty() {
            break;
        }
    }
    found
}

#[test]
fn no_file_of_core_imports_its_way_back_to_itself() {
    let files = sources();
    assert!(files.len() > 30, "found only {} files", files.len());
    let edges = dependencies(&files);
    let circles = circles(&edges);
    assert!(
        circles.is_empty(),
        "import circles in core (lower rooms must not import higher ones):\n{}",
        circles
            .iter()
            .map(|c| c.join(" → "))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_check_finds_a_circle_when_there_is_one() {
    // The same reading on a small made-up tree: error.rs reaching up into
    // sync, which uses errors, is a circle.
    let mut files = BTreeMap::new();
    files.insert(
        "lib.rs".to_owned(),
        "pub mod error; pub mod sync;".to_owned(),
    );
    files.insert(
        "error.rs".to_owned(),
        "pub enum Error { T(crate::sync::TransportError) }".to_owned(),
    );
    files.insert(
        "sync/mod.rs".to_owned(),
        "mod apply; use crate::error::Error; pub struct TransportError;".to_owned(),
    );
    files.insert(
        "sync/apply.rs".to_owned(),
        "use crate::error::Error; use super::TransportError;".to_owned(),
    );
    let edges = dependencies(&files);
    assert!(edges["sync/apply.rs"].contains("error.rs"));
    assert!(edges["sync/apply.rs"].contains("sync/mod.rs"));
    let found = circles(&edges);
    assert!(!found.is_empty(), "{edges:?}");
    // Without the upward import there is none.
    files.insert("error.rs".to_owned(), "pub enum Error { T }".to_owned());
    assert!(circles(&dependencies(&files)).is_empty());
    // A group import counts each member's module.
    files.insert(
        "error.rs".to_owned(),
        "use crate::{model::Ref, sync::apply::X};".to_owned(),
    );
    files.insert("model.rs".to_owned(), String::new());
    let edges = dependencies(&files);
    assert!(edges["error.rs"].contains("sync/apply.rs"), "{edges:?}");
    assert!(!circles(&edges).is_empty());
}

/// rusqlite calls that run SQL, or open a transaction or a connection.
const SQL_CALLS: &[&str] = &[
    "execute",
    "execute_batch",
    "prepare",
    "prepare_cached",
    "query_row",
    "query_map",
    "query_and_then",
    "transaction",
    "transaction_with_behavior",
    "unchecked_transaction",
    "savepoint",
    "pragma_update",
    "pragma_query",
    "new_unchecked",
];

/// Every line of `text` that runs SQL itself, as `(line number, line)`: a
/// method or path call of one of [`SQL_CALLS`] (`.execute(`, `::execute(`,
/// also when rustfmt put `.execute(` on a line of its own), a `params!`, or
/// `Connection::open`. Comment lines are skipped; a function merely named
/// like one (`fn prepare(`, `prepare(store, …)`) is not a call on a
/// connection.
fn sql_calls(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .filter(|(_, line)| {
            line.contains("params!")
                || line.contains("Connection::open")
                || SQL_CALLS.iter().any(|name| {
                    line.contains(&format!(".{name}(")) || line.contains(&format!("::{name}("))
                })
        })
        .map(|(at, line)| (at + 1, line.trim().to_owned()))
        .collect()
}

/// Outside `core/src/store/`, no file runs SQL or opens a transaction or a
/// connection itself: none calls `execute`, `execute_batch`, `prepare`,
/// `prepare_cached`, `query_row`, `query_map`, `transaction` (or
/// `transaction_with_behavior`, `unchecked_transaction`, `savepoint`), nor
/// uses `params!`. `Store`'s connection is private to `store/`, so the
/// compiler already keeps the others from reaching it; this keeps what they
/// may do with a transaction the store lends them.
///
/// Allowed elsewhere: taking a transaction from `Store::begin`,
/// `begin_with_cipher` or `begin_unchecked` where several of the store's
/// writes must land together (sync applying a page with its cursor),
/// passing it to `store/`'s functions, and `commit` (where a transaction
/// ends is the caller's decision; dropping it rolls back); naming rusqlite's
/// types (`Transaction`, `TransactionBehavior`) and converting its errors.
/// Tests inside a file (`#[cfg(test)] mod …`) may do anything.
#[test]
fn only_store_runs_sql() {
    let files = sources();
    assert!(files.keys().any(|f| f.starts_with("store/")));
    let found: Vec<String> = files
        .iter()
        .filter(|(file, _)| !file.starts_with("store/"))
        .flat_map(|(file, text)| {
            sql_calls(text)
                .into_iter()
                .map(move |(line, code)| format!("{file}:{line}: {code}"))
        })
        .collect();
    assert!(
        found.is_empty(),
        "SQL outside core/src/store/ (move it into the store module of its data, and call \
         that):\n{}",
        found.join("\n")
    );
}

/// The store is the room below sync and the insights: they call it, it
/// names nothing of theirs. A type both need lives in the store (`Account`,
/// `Membership`) or below; rows cross as plain data (sealed bytes, ids).
#[test]
fn the_store_imports_nothing_from_sync_or_the_insights() {
    let files = sources();
    let edges = dependencies(&files);
    let upward: Vec<String> = edges
        .iter()
        .filter(|(file, _)| file.starts_with("store/"))
        .flat_map(|(file, targets)| {
            targets
                .iter()
                .filter(|t| t.starts_with("sync/") || t.starts_with("insights/"))
                .map(move |t| format!("{file} → {t}"))
        })
        .collect();
    assert!(
        upward.is_empty(),
        "store/ reaches up:\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_check_finds_sql_where_there_is_some() {
    let sample = "fn drain(store: &mut Store) -> Result<(), Error> {
    let tx = store.begin(TransactionBehavior::Immediate)?;
    tx.execute(\"DELETE FROM outbox WHERE seq = ?1\", params![seq])?;
    let n: i64 = store
        .conn
        .query_row(\"SELECT count(*) FROM outbox\", [], |r| r.get(0))?;
    let other = store.conn.transaction()?;
    rusqlite::Connection::execute_batch(&conn, \"VACUUM\")?;
    tx.commit()?;
}";
    let lines: Vec<usize> = sql_calls(sample).into_iter().map(|(at, _)| at).collect();
    assert_eq!(lines, [3, 6, 7, 8], "{:?}", sql_calls(sample));
    // What stays allowed outside store/: naming a function like a call,
    // comments, passing and committing a lent transaction.
    let allowed = "// tx.execute(\"…\") is store's business
/// Seals an entry: `prepare(store, …)`, never `.prepare(`.
fn prepare(store: &mut Store) -> Result<(), Error> {
    let tx = store.begin(TransactionBehavior::Deferred)?;
    let seq = take_seq(&tx)?;
    set_envelope(&tx, 7, &sealed, seq)?;
    match prepare(store)? {}
    tx.commit()?;
}";
    assert!(sql_calls(allowed).is_empty(), "{:?}", sql_calls(allowed));
}
