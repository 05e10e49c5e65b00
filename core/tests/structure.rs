//! The house rule "lower rooms never import higher ones", kept by a test: no
//! file of core reaches, through the `crate::` and `super::` paths it names,
//! back to itself. A circle once ran through fourteen files because
//! `error.rs` reached up into `sync` for two types.
//!
//! A path is resolved to the file of its longest module prefix
//! (`crate::sync::transport::Fetched` → `sync/transport.rs`,
//! `crate::sync::Role` → `sync/mod.rs`); `mod x;` and re-exports in a
//! `mod.rs` are how a room shows its inside, not a dependency, and tests
//! inside a file (`#[cfg(test)] mod …`) may use anything.

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
