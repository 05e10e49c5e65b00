//! `rapport demo` as a person runs it, then the therapist's home it leaves
//! behind opened as the store: the stories the demo tells must be the ones
//! its flags tell.

use std::collections::BTreeSet;
use std::process::Command;

use rapport_core::insights::{Flag, FlagKind};
use rapport_core::{KeySource, Passphrase, Store, StoreOptions};

const BIN: &str = env!("CARGO_BIN_EXE_rapport");

/// The demo's homes use this scrypt cost (see `cli/src/demo.rs`).
const DEMO_WORK_FACTOR: u8 = 14;

fn kinds<'a>(flags: impl Iterator<Item = &'a Flag>) -> BTreeSet<&'static str> {
    flags.map(|f| f.kind.id()).collect()
}

#[test]
fn the_demo_stories_come_out_through_flags() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    // The report below is read in English, and its language follows the locale.
    let run = Command::new(BIN)
        .arg("demo")
        .arg("--out")
        .arg(&out)
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(out.join("report.html").exists() && out.join("dashboard.json").exists());

    let store = Store::open_with(
        out.join("therapist").join("rapport.db"),
        KeySource::Passphrase(
            Passphrase::new("demo therapist passphrase").with_work_factor(DEMO_WORK_FACTOR),
        ),
        StoreOptions::standard().unwrap(),
    )
    .unwrap();
    let all = store.flags(true).unwrap();
    let open = |label: &str| {
        kinds(
            all.iter()
                .filter(|f| f.client_label == label && f.is_open()),
        )
    };
    let resolved = |label: &str| {
        all.iter()
            .filter(|f| f.client_label == label && !f.is_open())
            .collect::<Vec<_>>()
    };

    // J.K.: a bad first session, raised by the therapist, then recovery.
    assert!(open("J.K.").is_empty(), "J.K. open: {:?}", open("J.K."));
    let jk = resolved("J.K.");
    assert_eq!(jk.len(), 1, "{jk:#?}");
    assert_eq!(jk[0].kind, FlagKind::DifficultFirstSession);
    let how = jk[0].resolution.as_ref().unwrap().text.render("en");
    assert!(how.starts_with("Resolved by the check-in of"), "{how}");

    // S.L.: worsening, then asks for support.
    assert_eq!(
        open("S.L."),
        BTreeSet::from(["concern", "support_requested"])
    );
    // A.P.: a plateau.
    assert_eq!(open("A.P."), BTreeSet::from(["stalled_therapy"]));

    // The insights agree with the flag list, and the report says the same.
    let insights = store.insights().unwrap();
    let jk = insights.iter().find(|c| c.label == "J.K.").unwrap();
    assert!(jk.flags.is_empty());
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("difficult_first_session"));
    assert!(report.contains("stalled_therapy"));

    // M.R.: the first weeks on edition 1. Heard continues across editions;
    // hope, asked as a change then and as a state now, is compared within
    // edition 2 only, and the report says why its line starts later.
    let mr = insights.iter().find(|c| c.label == "M.R.").unwrap();
    assert!(mr.sessions.iter().all(|s| s.answers.contains_key("heard")));
    assert!(!mr.sessions[0].answers.contains_key("hopeful"));
    assert!(mr.sessions.last().unwrap().answers.contains_key("hopeful"));
    assert!(
        report.contains("Hopeful is drawn from"),
        "the report explains the shorter hope line"
    );
    assert!(report.contains("I leave feeling more hopeful"));

    // E.B.: two goals set together in session, both shared; the choir one
    // moves, sleep holds; sessions high and steady lately: a review is
    // suggested, and nothing is stuck since a goal moved.
    assert_eq!(open("E.B."), BTreeSet::from(["review_suggested"]));
    let eb = insights.iter().find(|c| c.label == "E.B.").unwrap();
    let series = |text: &str| -> Vec<u8> {
        let goal = eb.goals.iter().find(|g| g.text == text).unwrap();
        assert!(goal.set_in_session && goal.archived_at.is_none());
        // Set at the first session, not on the day the demo ran.
        assert_eq!(
            goal.set_at.date_naive(),
            goal.series[0].session_date,
            "{goal:?}"
        );
        goal.series.iter().map(|p| p.rating).collect()
    };
    assert_eq!(series("Go back to the choir"), [2, 3, 4, 6, 7, 8, 8, 8]);
    assert_eq!(series("Sleep through the night"), [7; 8]);
    assert!(report.contains("review_suggested"));
    // The report has a chart per goal, each titled with the goal's words.
    assert_eq!(report.matches(r#"<svg class="goal-chart""#).count(), 2);
    assert!(report.contains("How close E.B. feels to “Go back to the choir”"));
    assert!(stdout.contains("  E.B.: review_suggested"), "{stdout}");

    // What the demo prints at its end: flags and the brief, no alerts.
    assert!(stdout.contains("Open flags:"), "{stdout}");
    assert!(
        stdout.contains("therapist app"),
        "the demo says how to open the app: {stdout}"
    );
    assert!(stdout.contains("  J.K.: none; 1 resolved"), "{stdout}");
    assert!(
        stdout.contains("The brief for the next session day"),
        "{stdout}"
    );
    assert!(
        stdout.contains("S.L. — support requested (urgent)"),
        "{stdout}"
    );
    assert!(!stdout.to_lowercase().contains("alert"), "{stdout}");
}
