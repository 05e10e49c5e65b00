//! Core's sentences are for every front end: a phone shows them as they are,
//! so none may name a command of the CLI (`rapport client join`) or one of
//! its flags (`--accept-consent`). The CLI adds its own hints after them.
//!
//! Read from the source: every line of core outside its unit tests and its
//! comments, which is where every error text and every `detail` is written.

use std::path::Path;

fn source_lines() -> Vec<(String, usize, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let body = match text.find("#[cfg(test)]\nmod ") {
                    Some(i) => &text[..i],
                    None => &text[..],
                };
                let name = path.strip_prefix(&root).unwrap().display().to_string();
                for (i, line) in body.lines().enumerate() {
                    let code = line.trim_start();
                    if !code.starts_with("//") {
                        out.push((name.clone(), i + 1, line.to_owned()));
                    }
                }
            }
        }
    }
    out
}

/// What on a line would be a command of the CLI: `rapport` followed by one
/// of its commands, or a long flag (`--` and a letter).
fn names_a_command(line: &str) -> bool {
    const COMMANDS: [&str; 7] = [
        "rapport therapist",
        "rapport client",
        "rapport sync",
        "rapport relay",
        "rapport demo",
        "rapport bench",
        "rapport --",
    ];
    COMMANDS.iter().any(|c| line.contains(c))
        || line.match_indices("--").any(|(at, _)| {
            line[at + 2..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase())
                && !line[..at].ends_with('-')
        })
}

#[test]
fn no_error_text_in_core_names_a_command_or_flag_of_the_cli() {
    let lines = source_lines();
    assert!(lines.len() > 5000, "read only {} lines", lines.len());
    let offending: Vec<_> = lines
        .iter()
        .filter(|(_, _, line)| names_a_command(line))
        .map(|(file, n, line)| format!("{file}:{n}: {}", line.trim()))
        .collect();
    assert!(
        offending.is_empty(),
        "core text for people names the CLI (say what to do in words any front end can \
         show; the CLI adds its own hint):\n{}",
        offending.join("\n")
    );
}

#[test]
fn the_check_sees_commands_and_flags() {
    assert!(names_a_command(
        r#"#[error("run `rapport therapist init` first")]"#
    ));
    assert!(names_a_command(r#""pass --accept-consent 1 to join""#));
    assert!(!names_a_command(
        r#"#[error("read the consent and accept it to join")]"#
    ));
    assert!(!names_a_command(r#"b"--- abc\npayload""#));
    assert!(!names_a_command(
        r#"const PREFIX: &str = "rapport:invite/";"#
    ));
}
