//! The rules core owns, as the command line shows them: the same refusals,
//! with the same stable codes, that Python and Kotlin get as typed errors.
//! A real relay process on a loopback port, homes driven through the binary.

use std::path::Path;

mod common;

use common::{ok, rapport, start_relay};

/// Runs a command that must fail; returns its stable code and its stderr.
fn refused(home: &Path, args: &[&str]) -> (String, String) {
    let out = rapport(home, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "rapport {args:?} succeeded: {stderr}"
    );
    let code = stderr
        .lines()
        .find_map(|l| l.strip_prefix("code: "))
        .unwrap_or_else(|| panic!("no code in {stderr}"))
        .to_owned();
    (code, stderr)
}

#[test]
fn invite_validity_names_and_roles_are_refused_with_the_cores_codes() {
    let dir = tempfile::tempdir().unwrap();
    let relay = start_relay(&dir.path().join("relay.db"));
    let therapist = dir.path().join("therapist");

    // The therapist's name: empty, or with a control character, is refused
    // before anything reaches the relay.
    let (code, stderr) = refused(
        &therapist,
        &["therapist", "init", "--relay", &relay.url, "--name", "   "],
    );
    assert_eq!(code, "name_empty", "{stderr}");
    assert!(stderr.contains("your name is empty"), "{stderr}");
    let (code, _) = refused(
        &therapist,
        &[
            "therapist",
            "init",
            "--relay",
            &relay.url,
            "--name",
            "Dr.\u{1b}[2J",
        ],
    );
    assert_eq!(code, "name_control_character");
    ok(
        &therapist,
        &[
            "therapist",
            "init",
            "--relay",
            &relay.url,
            "--name",
            " Dr. Test ",
        ],
    );

    // Invite validity: zero or negative days, or more than 366.
    for days in ["-3", "0"] {
        let (code, stderr) = refused(
            &therapist,
            &[
                "therapist",
                "invite",
                "--label",
                "A.B.",
                "--valid-days",
                days,
            ],
        );
        assert_eq!(code, "validity_not_positive", "{days}: {stderr}");
    }
    let (code, stderr) = refused(
        &therapist,
        &[
            "therapist",
            "invite",
            "--label",
            "A.B.",
            "--valid-days",
            "367",
        ],
    );
    assert_eq!(code, "validity_too_long", "{stderr}");
    assert!(stderr.contains("at most 366 days"), "{stderr}");
    let (code, _) = refused(
        &therapist,
        &[
            "therapist",
            "invite",
            "--label",
            "A.B.",
            "--valid-days=99999999999999",
        ],
    );
    assert_eq!(code, "validity_too_long");

    // The client's label: too long, or with a control character.
    let (code, stderr) = refused(
        &therapist,
        &["therapist", "invite", "--label", &"x".repeat(41)],
    );
    assert_eq!(code, "name_too_long", "{stderr}");
    assert!(
        stderr.contains("the client's label is 41 characters"),
        "{stderr}"
    );
    let (code, _) = refused(&therapist, &["therapist", "invite", "--label", "A\tB"]);
    assert_eq!(code, "name_control_character");

    // A year and a day is the longest accepted.
    let out = ok(
        &therapist,
        &[
            "therapist",
            "invite",
            "--label",
            " C.D. ",
            "--valid-days",
            "366",
        ],
    );
    let uri = out
        .lines()
        .find(|l| l.starts_with("rapport:invite/"))
        .expect("the invite on its own line")
        .to_owned();

    // Opening a home as the other role: a client's home makes no report.
    let client = dir.path().join("client");
    ok(&client, &["client", "join", &uri, "--accept-consent", "2"]);
    let out_file = dir.path().join("report.html");
    let (code, stderr) = refused(
        &client,
        &["therapist", "report", "--out", out_file.to_str().unwrap()],
    );
    assert_eq!(code, "wrong_role", "{stderr}");
    assert!(!out_file.exists());
    // A home not set up at all says so.
    let (code, _) = refused(
        &dir.path().join("empty"),
        &["therapist", "report", "--out", out_file.to_str().unwrap()],
    );
    assert_eq!(code, "no_account");
    // The label was stored trimmed.
    ok(&therapist, &["sync"]);
    assert!(ok(&therapist, &["therapist", "dashboard"]).contains("C.D."));
}
