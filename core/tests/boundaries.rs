//! What stays out of where, kept by tests that read the sources:
//! - core matches no relay error code as text (they are `RelayCode`s, read
//!   once from the relay's JSON in `sync/http.rs`);
//! - core's error sentences name no command-line command or flag (every
//!   front end shows them; the CLI adds its own hints);
//! - the iOS and Android libraries map no HTTP status (the core reads every
//!   answer; the apps only make the call).
//!
//! Each check is a function over text, shown to catch what it looks for.

use std::path::{Path, PathBuf};

use rapport_core::sync::RelayCode;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every file under `dir` ending in one of `extensions`, with its text.
fn files(dir: &Path, extensions: &[&str]) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if extensions
                .iter()
                .any(|e| path.extension().is_some_and(|x| x == *e))
            {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    assert!(!out.is_empty(), "no sources under {}", dir.display());
    out
}

/// Lines where a relay code is compared or matched as a string.
fn code_matches(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for code in RelayCode::ALL {
        let quoted = format!("\"{}\"", code.as_str());
        for pattern in [
            format!("== {quoted}"),
            format!("{quoted} =="),
            format!("Some({quoted})"),
            format!("{quoted} =>"),
            format!("{quoted} |"),
        ] {
            found.extend(
                text.lines()
                    .filter(|l| l.contains(&pattern))
                    .map(|l| l.trim().to_owned()),
            );
        }
    }
    found
}

/// The text of every `#[error(...)]` attribute.
fn error_texts(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("#[error(") {
        let after = &rest[start + 8..];
        let end = after.find(")]").unwrap_or(after.len());
        out.push(after[..end].to_owned());
        rest = &after[end..];
    }
    out
}

/// Whether a sentence names a command or a flag of the command line.
fn names_a_command(sentence: &str) -> bool {
    let flag = sentence.match_indices(" --").any(|(i, _)| {
        sentence[i + 3..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase())
    });
    flag || sentence.contains("`rapport")
        || sentence.contains("rapport therapist")
        || sentence.contains("rapport client")
}

/// Code lines (comments left out) that hold an HTTP status number next to a
/// status: `status == 429`, `responseCode >= 400`, `case 200..<300`.
fn status_mapping(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("//") && !l.starts_with('*') && !l.starts_with("/*"))
        .filter(|l| {
            let lower = l.to_ascii_lowercase();
            let about_status = ["status", "responsecode", "case "]
                .iter()
                .any(|w| lower.contains(w));
            let has_status_number = l
                .split(|c: char| !c.is_ascii_digit())
                .filter(|n| n.len() == 3)
                .filter_map(|n| n.parse::<u16>().ok())
                .any(|n| (100..600).contains(&n));
            about_status && has_status_number
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn core_matches_no_relay_code_as_text() {
    let mut found = Vec::new();
    for (path, text) in files(&root().join("core/src"), &["rs"]) {
        found.extend(
            code_matches(&text)
                .into_iter()
                .map(|l| format!("{}: {l}", path.display())),
        );
    }
    assert!(
        found.is_empty(),
        "relay codes matched as text:\n{}",
        found.join("\n")
    );
}

#[test]
fn core_error_sentences_name_no_command_or_flag() {
    let mut found = Vec::new();
    for (path, text) in files(&root().join("core/src"), &["rs"]) {
        for sentence in error_texts(&text) {
            if names_a_command(&sentence) {
                found.push(format!("{}: {sentence}", path.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "error text for a terminal:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_phone_libraries_map_no_http_status() {
    let mut found = Vec::new();
    for dir in ["ios/Sources", "android/rapport/src"] {
        for (path, text) in files(&root().join(dir), &["swift", "kt"]) {
            found.extend(
                status_mapping(&text)
                    .into_iter()
                    .map(|l| format!("{}: {l}", path.display())),
            );
        }
    }
    assert!(
        found.is_empty(),
        "status mapping in an app:\n{}",
        found.join("\n")
    );
}

#[test]
fn each_check_catches_what_it_looks_for() {
    assert_eq!(
        code_matches("if code == \"token_revoked\" {\n    \"forbidden\" => x,\n}").len(),
        2
    );
    assert!(code_matches("code: RelayCode::TokenRevoked").is_empty());
    let texts = error_texts("#[error(\"run `rapport therapist init` first\")]\n#[error(\"fine\")]");
    assert_eq!(texts.len(), 2);
    assert!(names_a_command(&texts[0]) && !names_a_command(&texts[1]));
    assert!(names_a_command("pass --accept-consent 1"));
    assert!(!names_a_command("between 1 -- 5"));
    for line in [
        "case 200..<300:",
        "if (status >= 400) errorStream",
        "connection.responseCode == 429",
    ] {
        assert_eq!(status_mapping(line), [line], "{line}");
    }
    for line in [
        "// a 429 is handed back",
        "setKeySize(256)",
        "HttpResponse(status.toUShort(), headers, body)",
    ] {
        assert!(status_mapping(line).is_empty(), "{line}");
    }
}
