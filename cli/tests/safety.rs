//! Safety, consent and what is shared, through the real binary and a real
//! relay process (issue 18): the crisis country a client chose decides the
//! lines they see whatever the locale; a client asked to accept a new
//! consent text keeps every check-in; nothing made while not paired goes to
//! a new therapist unless the client says so.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

use common::{BIN, Relay, ok, start_relay};

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

/// A relay process and one therapist home.
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
    for (lang, day) in [("en_US.UTF-8", "2026-11-20"), ("de_DE.UTF-8", "2026-11-21")] {
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
            "2026-11-22",
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
            "2026-11-23",
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
            "2026-11-24",
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
