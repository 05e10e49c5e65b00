//! `rapport therapist report` in the therapist's language, through the real
//! binary and a real relay: `--lang de` gives a German page (its `lang`
//! attribute, headings, dates, and the instrument's German statements) with
//! no sentence of the report's English table left in it; without `--lang`
//! the locale decides (`LANG=fr_FR.UTF-8` gives French), and a language the
//! report does not have gives English.

use std::path::Path;
use std::process::Command;

use chrono::{Days, Utc};

mod common;

use common::{BIN, Pair, ok, pair};

/// The report's English sentences, cut at their placeholders: the same
/// fragments the unit test looks for, read from the data file itself.
fn english_fragments() -> Vec<String> {
    fragments_of("src/report/texts.json", "texts")
}

/// The English sentences of flags and briefs (core's), cut the same way.
fn english_flag_fragments() -> Vec<String> {
    fragments_of("../core/resources/sentences.v1.json", "phrases")
}

/// The English table `table` of the data file at `path` (from this crate),
/// cut at its placeholders into fragments of 12 characters or more.
fn fragments_of(path: &str, table: &str) -> Vec<String> {
    let file = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    let file: serde_json::Value = serde_json::from_str(&file).unwrap();
    file["languages"]["en"][table]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|text| {
            text.as_str()
                .unwrap()
                .split(['{', '}'])
                .map(|fragment| fragment.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|fragment| fragment.chars().count() >= 12)
        .collect()
}

/// The report of `home` written with `args` added and `LANG` set to `lang`
/// (and no other locale variable).
fn report(home: &Path, out: &Path, args: &[&str], lang: &str) -> String {
    let run = Command::new(BIN)
        .arg("--home")
        .arg(home)
        .args(["therapist", "report", "--out"])
        .arg(out)
        .args(args)
        .env("RAPPORT_PASSPHRASE", "correct horse battery")
        .env("RAPPORT_SCRYPT_WORK_FACTOR", "8")
        .env("RAPPORT_TEST_WEAK_KEYS", "1")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", lang)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::read_to_string(out).unwrap()
}

#[test]
fn the_report_is_written_in_the_therapists_language() {
    let dir = tempfile::tempdir().unwrap();
    let Pair {
        relay: _relay,
        therapist,
        client,
        ..
    } = pair(dir.path(), "Dr. Weber", "L.A.");
    for (days, heard, hopeful) in [(14, "2", "2"), (7, "4", "3")] {
        let date = (Utc::now().date_naive() - Days::new(days)).to_string();
        ok(
            &client,
            &[
                "client",
                "checkin",
                "--heard",
                heard,
                "--hopeful",
                hopeful,
                "--note",
                "Es war schwer",
                "--session-date",
                &date,
            ],
        );
    }
    ok(&client, &["sync"]);
    ok(&therapist, &["sync"]);

    let html = report(
        &therapist,
        &dir.path().join("de.html"),
        &["--lang", "de"],
        "en_GB.UTF-8",
    );
    assert!(html.contains("<html lang=\"de\">"), "{html}");
    for german in [
        "Rückmeldungen zu den Sitzungen — Dr. Weber",
        "<h3>Offene Hinweise</h3>",
        "<h3>Zugehört und Hoffnung, Sitzung für Sitzung</h3>",
        "<h3>Geteilte Notizen</h3>",
        "Rapport ist kein Krisendienst.",
        "Heute hatte ich das Gefühl, dass mir zugehört wurde",
        "2 Rückmeldungen",
    ] {
        assert!(html.contains(german), "no {german:?} in the German report");
    }
    let fragments = english_fragments();
    let flag_fragments = english_flag_fragments();
    let left: Vec<&String> = fragments
        .iter()
        .chain(&flag_fragments)
        .filter(|f| html.contains(f.as_str()))
        .collect();
    assert!(
        left.is_empty(),
        "English left in the German report: {left:?}"
    );

    // The same report in English has those sentences: the check above can fail.
    let english = report(
        &therapist,
        &dir.path().join("en.html"),
        &["--lang", "en"],
        "de_DE.UTF-8",
    );
    assert!(english.contains("<html lang=\"en\">"));
    assert!(
        fragments
            .iter()
            .filter(|f| english.contains(f.as_str()))
            .count()
            > 10
    );
    // And the flags' English sentences: the first session, resolved when
    // the client came back.
    assert!(
        flag_fragments.iter().any(|f| english.contains(f.as_str())),
        "no flag sentence in the English report"
    );

    // No --lang: the locale decides; a language the report lacks is English.
    let french = report(&therapist, &dir.path().join("fr.html"), &[], "fr_FR.UTF-8");
    assert!(french.contains("<html lang=\"fr\">"));
    assert!(french.contains("<h3>Signalements ouverts</h3>"));
    let portuguese = report(
        &therapist,
        &dir.path().join("pt.html"),
        &["--lang", "pt-BR"],
        "fr_FR.UTF-8",
    );
    assert!(portuguese.contains("<html lang=\"en\">"));
    assert!(portuguese.contains("<h3>Open flags</h3>"));
}
