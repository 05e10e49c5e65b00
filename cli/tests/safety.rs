//! Safety, consent and what is shared, through the real binary and a real
//! relay process (issue 18): the crisis country a client chose decides the
//! lines they see whatever the locale; a client asked to accept a new
//! consent text keeps every check-in; nothing made while not paired goes to
//! a new therapist unless the client says so.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

use common::{BIN, Relay, ago, all_files, contains, json_of, ok, start_relay};

/// `rapport` in `home` with `LANG` set to `lang` (and no `LC_*` that would
/// win over it), as a person's shell would run it.
fn rapport_lang(home: &Path, args: &[&str], lang: &str) -> Output {
    Command::new(BIN)
        .arg("--home")
        .arg(home)
        .args(args)
        .env("RAPPORT_PASSPHRASE", "correct horse battery")
        .env("RAPPORT_SCRYPT_WORK_FACTOR", "8")
        .env("RAPPORT_TEST_WEAK_KEYS", "1")
        .env_remove("RAPPORT_KIT_PASSPHRASE")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", lang)
        .output()
        .unwrap()
}

fn ok_lang(home: &Path, args: &[&str], lang: &str) -> String {
    let out = rapport_lang(home, args, lang);
    assert!(
        out.status.success(),
        "rapport {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A relay process and the homes of the people using it.
struct Office {
    dir: tempfile::TempDir,
    relay: Relay,
}

impl Office {
    fn open() -> Office {
        let dir = tempfile::tempdir().unwrap();
        let relay = start_relay(&dir.path().join("relay.db"));
        Office { dir, relay }
    }

    fn home(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A therapist set up in their own home.
    fn therapist(&self, name: &str) -> PathBuf {
        let home = self.home(name);
        ok(
            &home,
            &[
                "therapist",
                "init",
                "--relay",
                &self.relay.url,
                "--name",
                &format!("Dr. {name}"),
            ],
        );
        home
    }

    /// A fresh invite from `therapist` for a client labelled `label`.
    fn invite(&self, therapist: &Path, label: &str) -> String {
        let out = ok(therapist, &["therapist", "invite", "--label", label]);
        out.lines()
            .find(|l| l.starts_with("rapport:invite/"))
            .expect("the invite on its own line")
            .to_owned()
    }
}

fn consent_version() -> String {
    rapport_core::model::Consent::CURRENT_VERSION.to_string()
}

#[test]
fn a_client_who_chose_ireland_sees_irish_lines_whatever_the_locale() {
    let office = Office::open();
    let therapist = office.therapist("T");
    let uri = office.invite(&therapist, "Client-IE");
    let client = office.home("client");
    let joined = ok_lang(
        &client,
        &[
            "client",
            "join",
            &uri,
            "--accept-consent",
            &consent_version(),
            "--country",
            "IE",
        ],
        "en_US.UTF-8",
    );
    assert!(joined.contains("Crisis lines: Ireland (IE)"), "{joined}");
    let ireland = rapport_core::safety::resources_for(Some("IE"), "en");
    let us = rapport_core::safety::resources_for(Some("US"), "en");
    for (lang, day) in [("en_US.UTF-8", ago(11)), ("de_DE.UTF-8", ago(10))] {
        let out = ok_lang(
            &client,
            &[
                "client",
                "checkin",
                "--heard",
                "3",
                "--hopeful",
                "2",
                "--need-support",
                "--session-date",
                day,
            ],
            lang,
        );
        for line in &ireland.lines {
            assert!(out.contains(&line.contact), "{lang}: {out}");
        }
        assert!(out.contains("999") && out.contains("112"), "{lang}: {out}");
        assert!(out.contains("the country you chose"), "{lang}: {out}");
        for line in &us.lines {
            assert!(!out.contains(&line.contact), "{lang}: US line shown: {out}");
        }
    }
    // The statement follows the language; the lines do not.
    let de = ok_lang(
        &client,
        &[
            "client",
            "checkin",
            "--heard",
            "3",
            "--hopeful",
            "3",
            "--need-support",
            "--session-date",
            ago(9),
        ],
        "de_DE.UTF-8",
    );
    assert!(de.contains("Echtzeit"), "{de}");

    // Changed later: the next sheet is for the new country.
    ok(&client, &["client", "country", "FR"]);
    let fr = ok_lang(
        &client,
        &[
            "client",
            "checkin",
            "--heard",
            "3",
            "--hopeful",
            "3",
            "--need-support",
            "--session-date",
            ago(8),
        ],
        "en_US.UTF-8",
    );
    assert!(fr.contains("3114") && fr.contains("15 (SAMU"), "{fr}");
    // A country without checked lines: two numbers to dial, and which is which.
    ok(&client, &["client", "country", "pt"]);
    let pt = ok_lang(
        &client,
        &[
            "client",
            "checkin",
            "--heard",
            "3",
            "--hopeful",
            "3",
            "--need-support",
            "--session-date",
            ago(7),
        ],
        "en_IE.UTF-8",
    );
    assert!(
        pt.contains("112 (Every EU country), 911 (United States and Canada)"),
        "{pt}"
    );
    assert!(!pt.contains("116 123"), "never the locale's lines: {pt}");
    let refused = rapport_lang(&client, &["client", "country", "Ireland"], "en_US.UTF-8");
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("code: invalid_country"), "{stderr}");
    drop(office.relay);
}

/// The notes of the check-ins `therapist` holds, as its dashboard shows them
/// once decrypted, for every client in the order of their labels (the
/// dashboard's own order is by need, which moves as the calendar does).
fn therapist_notes(therapist: &Path) -> Vec<String> {
    ok(therapist, &["sync"]);
    let dashboard = json_of(therapist, &["therapist", "dashboard", "--json"]);
    let mut clients = dashboard["clients"].as_array().unwrap().clone();
    clients.sort_by_key(|c| c["label"].as_str().unwrap_or_default().to_owned());
    clients
        .iter()
        .flat_map(|c| c["checkins"].as_array().unwrap().clone())
        .map(|c| c["note"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn checkin(home: &Path, day: &str, note: &str) -> String {
    ok(
        home,
        &[
            "client",
            "checkin",
            "--heard",
            "4",
            "--hopeful",
            "4",
            "--note",
            note,
            "--session-date",
            day,
        ],
    )
}

#[test]
fn re_consenting_to_version_2_keeps_every_check_in() {
    let office = Office::open();
    let therapist = office.therapist("T");
    let uri = office.invite(&therapist, "Client-Consent");
    let client = office.home("client");
    ok(
        &client,
        &[
            "client",
            "join",
            &uri,
            "--accept-consent",
            &consent_version(),
        ],
    );
    ok(&therapist, &["sync"]);
    checkin(&client, ago(29), "Consent-first-zq");
    checkin(&client, ago(22), "Consent-second-zq");
    assert!(ok(&client, &["sync"]).contains("sent 2"));
    checkin(&client, ago(15), "Consent-waiting-zq");
    // This home accepted version 1, as every client who joined before
    // version 2 did: the version is a cleartext column of the account row.
    rusqlite::Connection::open(client.join("rapport.db"))
        .unwrap()
        .execute("UPDATE account SET consent_version = 1 WHERE id = 1", [])
        .unwrap();

    // The next check-in waits for the new text, and says how to go on.
    let refused = common::rapport(
        &client,
        &[
            "client",
            "checkin",
            "--heard",
            "5",
            "--hopeful",
            "5",
            "--session-date",
            ago(8),
        ],
    );
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("code: consent_outdated"), "{stderr}");
    assert!(
        stderr.contains("rapport client consent --accept 2"),
        "{stderr}"
    );
    assert!(
        stderr.contains("everything you recorded is kept"),
        "{stderr}"
    );
    let history = json_of(&client, &["client", "history", "--json"]);
    assert_eq!(history["checkins"].as_array().unwrap().len(), 3);

    let text = ok(&client, &["client", "consent"]);
    assert!(text.contains("Consent, version 2"), "{text}");
    assert!(text.contains("nobody can promise"), "{text}");
    let accepted = ok(&client, &["client", "consent", "--accept", "2"]);
    assert!(
        accepted.contains("you had accepted version 1"),
        "{accepted}"
    );
    assert!(
        accepted.contains("Your 3 check-in(s) and the 1 change(s) waiting to be sent are kept"),
        "{accepted}"
    );

    // Every check-in is still there; the waiting one goes with the next.
    checkin(&client, ago(8), "Consent-after-zq");
    let history = json_of(&client, &["client", "history", "--json"]);
    assert_eq!(history["checkins"].as_array().unwrap().len(), 4);
    let synced = ok_lang(&client, &["sync"], "en_GB.UTF-8");
    assert!(synced.contains("sent 2"), "{synced}");
    // "Sent. Thank you." comes with the sentence that nobody reads along.
    assert!(
        synced.contains("Sent. Thank you. Nobody watches check-ins in real time"),
        "{synced}"
    );
    assert_eq!(
        therapist_notes(&therapist),
        [
            "Consent-first-zq",
            "Consent-second-zq",
            "Consent-waiting-zq",
            "Consent-after-zq"
        ]
    );
    drop(office.relay);
}

/// A client of therapist A who leaves A and records two check-ins with
/// `markers` as their notes.
fn left_a_and_recorded(office: &Office, a: &Path, name: &str, markers: [&str; 2]) -> PathBuf {
    let client = office.home(name);
    let uri = office.invite(a, &format!("{name}-at-A"));
    ok(
        &client,
        &[
            "client",
            "join",
            &uri,
            "--accept-consent",
            &consent_version(),
        ],
    );
    ok(a, &["sync"]);
    checkin(&client, ago(29), &format!("{name}-for-A-zq"));
    ok(&client, &["sync"]);
    let left = ok(&client, &["client", "leave"]);
    assert!(left.contains("You left your therapist"), "{left}");
    let first = checkin(&client, ago(22), markers[0]);
    assert!(first.contains("you have no therapist now"), "{first}");
    checkin(&client, ago(15), markers[1]);
    client
}

#[test]
fn nothing_made_after_leaving_reaches_the_next_therapist_unless_shared() {
    let office = Office::open();
    let a = office.therapist("A");
    let b = office.therapist("B");
    let kept = ["Held-kept-one-zq", "Held-kept-two-zq"];
    let shared = ["Held-shared-one-zq", "Held-shared-two-zq"];

    // (a) Joining B without sharing: B never gets them.
    let keeper = left_a_and_recorded(&office, &a, "keeper", kept);
    let uri = office.invite(&b, "keeper-at-B");
    let joined = ok(
        &keeper,
        &[
            "client",
            "join",
            &uri,
            "--accept-consent",
            &consent_version(),
        ],
    );
    assert!(
        joined.contains(&format!(
            "2 check-ins (sessions {} to {}) no therapist had received stay on this device",
            ago(22),
            ago(15)
        )),
        "{joined}"
    );
    checkin(&keeper, ago(8), "keeper-for-B-zq");
    assert!(ok(&keeper, &["sync"]).contains("sent 1"));
    // Still the client's own.
    let history = ok(&keeper, &["client", "history"]);
    for marker in kept {
        assert!(history.contains(marker), "{history}");
    }

    // (b) Joining B and sharing: B gets both, and nothing from A's time.
    let sharer = left_a_and_recorded(&office, &a, "sharer", shared);
    let uri = office.invite(&b, "sharer-at-B");
    let joined = ok(
        &sharer,
        &[
            "client",
            "join",
            &uri,
            "--accept-consent",
            &consent_version(),
            "--share-earlier",
        ],
    );
    assert!(
        joined.contains(&format!(
            "2 check-ins (sessions {} to {}) no therapist had received go to this therapist",
            ago(22),
            ago(15)
        )),
        "{joined}"
    );
    assert!(ok(&sharer, &["sync"]).contains("sent 2"));

    let at_b = therapist_notes(&b);
    assert_eq!(
        at_b,
        [
            "keeper-for-B-zq",
            "Held-shared-one-zq",
            "Held-shared-two-zq"
        ],
        "B's decrypted dashboard"
    );
    let at_a = therapist_notes(&a);
    assert_eq!(at_a, ["keeper-for-A-zq", "sharer-for-A-zq"]);

    // Not a byte of the kept notes in B's home or the relay's database,
    // nor in B's decrypted dashboard JSON.
    let dashboard = ok(&b, &["therapist", "dashboard", "--json"]);
    let mut files = all_files(&b);
    files.extend(
        all_files(office.dir.path())
            .into_iter()
            .filter(|(path, _)| {
                path.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("relay.db"))
            }),
    );
    assert!(files.iter().any(|(p, _)| p.ends_with("relay.db")));
    assert!(files.iter().any(|(p, _)| p.ends_with("rapport.db")));
    for marker in kept {
        assert!(!dashboard.contains(marker), "{marker} in B's dashboard");
        for (path, bytes) in &files {
            assert!(!contains(bytes, marker), "{marker} in {}", path.display());
        }
    }
    drop(office.relay);
}

#[test]
fn resuming_keeps_what_was_held_back_unless_asked_to_send_it() {
    let office = Office::open();
    let therapist = office.therapist("T");
    let uri = office.invite(&therapist, "Pauser");
    let client = office.home("client");
    ok(
        &client,
        &[
            "client",
            "join",
            &uri,
            "--accept-consent",
            &consent_version(),
        ],
    );
    ok(&therapist, &["sync"]);
    ok(&client, &["client", "pause"]);
    let during = checkin(&client, ago(22), "Paused-kept-zq");
    assert!(during.contains("when you resume you choose"), "{during}");
    let resumed = ok(&client, &["client", "resume"]);
    assert!(
        resumed.contains(&format!(
            "1 check-in (session {}) held back during the pause stay on this device",
            ago(22)
        )),
        "{resumed}"
    );
    checkin(&client, ago(15), "After-pause-zq");
    ok(&client, &["sync"]);
    assert_eq!(therapist_notes(&therapist), ["After-pause-zq"]);

    ok(&client, &["client", "pause"]);
    checkin(&client, ago(8), "Paused-sent-zq");
    let resumed = ok(&client, &["client", "resume", "--send-held"]);
    assert!(
        resumed.contains(&format!(
            "1 check-in (session {}) held back during the pause go too",
            ago(8)
        )),
        "{resumed}"
    );
    ok(&client, &["sync"]);
    assert_eq!(
        therapist_notes(&therapist),
        ["After-pause-zq", "Paused-sent-zq"]
    );
    drop(office.relay);
}
