//! End to end, exactly as people would run it: a real relay process on a
//! loopback port, a therapist and three clients each in their own home,
//! driven through the `rapport` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

mod common;

use common::{
    BIN, Relay, ago, all_files, contains, json_of, ok, rapport, rapport_with, start_relay,
};

struct Practice {
    dir: tempfile::TempDir,
    relay: Relay,
    therapist: PathBuf,
    clients: Vec<PathBuf>,
}

const LABELS: [&str; 3] = ["Label-Alpha-7q", "Label-Beta-7q", "Label-Gamma-7q"];

fn practice() -> Practice {
    let dir = tempfile::tempdir().unwrap();
    let relay = start_relay(&dir.path().join("relay.db"));
    let therapist = dir.path().join("therapist");
    ok(
        &therapist,
        &[
            "therapist",
            "init",
            "--relay",
            &relay.url,
            "--name",
            "Dr. Test",
        ],
    );
    let mut clients = Vec::new();
    for (i, label) in LABELS.iter().enumerate() {
        let out = ok(&therapist, &["therapist", "invite", "--label", label]);
        let uri = out
            .lines()
            .find(|l| l.starts_with("rapport:invite/"))
            .expect("the invite on its own line")
            .to_owned();
        assert!(!uri.contains(label));
        let home = dir.path().join(format!("client{i}"));
        ok(&home, &["client", "join", &uri, "--accept-consent", "2"]);
        clients.push(home);
    }
    let out = ok(&therapist, &["sync"]);
    assert!(out.contains("paired"), "{out}");
    Practice {
        dir,
        relay,
        therapist,
        clients,
    }
}

#[test]
fn three_clients_reach_their_therapist_and_learn_they_were_seen() {
    let p = practice();
    let mut expected = Vec::new();
    for (i, home) in p.clients.iter().enumerate() {
        let shared = format!("Marker-shared-{i}-zq");
        let private = format!("Marker-private-{i}-zq");
        ok(
            home,
            &[
                "client",
                "checkin",
                "--heard",
                "2",
                "--hopeful",
                &(i + 1).to_string(),
                "--note",
                &shared,
                "--session-date",
                ago(11),
            ],
        );
        ok(
            home,
            &[
                "client",
                "checkin",
                "--heard",
                "4",
                "--hopeful",
                "4",
                "--worked-on",
                "5",
                "--fit",
                "3",
                "--note",
                &private,
                "--private-note",
                "--session-date",
                ago(9),
            ],
        );
        let out = ok(home, &["sync"]);
        assert!(out.contains("sent 2"), "{out}");
        expected.push(json!({
            "label": LABELS[i],
            "checkins": [
                {"session_date": ago(11), "answers": {"heard": 2, "hopeful": i + 1}, "note": shared, "seen": false},
                {"session_date": ago(9), "answers": {"fit": 3, "heard": 4, "hopeful": 4, "worked_on": 5}, "note": null, "seen": false},
            ],
        }));
    }
    ok(&p.therapist, &["sync"]);
    let dashboard = json_of(&p.therapist, &["therapist", "dashboard", "--json"]);
    // What the clients sent, exactly (the insights are checked below).
    let sent: Vec<Value> = dashboard["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            json!({
                "label": c["label"],
                "checkins": c["checkins"].as_array().unwrap().iter().map(|r| json!({
                    "session_date": r["session_date"], "answers": r["answers"],
                    "note": r["note"], "seen": r["seen"],
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    assert_eq!(sent, expected);
    // Every first session had heard 2, the next 4/4: a difficult first
    // session for each, which resolved itself when they came back.
    for client in dashboard["clients"].as_array().unwrap() {
        assert!(client["flags"].as_array().unwrap().is_empty(), "{client}");
        assert!(client["trend"].is_string());
    }
    let history = json_of(&p.therapist, &["therapist", "flags", "--json", "--all"]);
    let resolved: Vec<&Value> = history["flags"].as_array().unwrap().iter().collect();
    assert_eq!(resolved.len(), 3, "{history}");
    for flag in resolved {
        assert_eq!(flag["kind"], "difficult_first_session");
        assert_eq!(flag["open"], false);
        assert_eq!(flag["resolution"]["kind"], "came_back");
        assert!(
            flag["resolution"]["text"]
                .as_str()
                .unwrap()
                .starts_with("Resolved by the check-in of"),
            "{flag}"
        );
        assert!(flag["reasons"][0]["rule"] == "low_first_session", "{flag}");
    }
    // The private notes never reach the therapist, not even decrypted.
    let text = dashboard.to_string();
    assert!(!text.contains("Marker-private"), "{text}");

    ok(&p.therapist, &["therapist", "ack", "--all"]);
    ok(&p.therapist, &["sync"]);
    for home in &p.clients {
        ok(home, &["sync"]);
        let history = json_of(home, &["client", "history", "--json"]);
        let checkins = history["checkins"].as_array().unwrap();
        assert_eq!(checkins.len(), 2);
        assert!(checkins.iter().all(|c| c["seen"] == true), "{history}");
        assert!(ok(home, &["client", "history"]).contains("seen by your therapist"));
    }
    let dashboard = json_of(&p.therapist, &["therapist", "dashboard", "--json"]);
    assert!(dashboard["clients"][0]["checkins"][0]["seen"] == true);

    // No marker note and no label is readable anywhere: relay, therapist, clients.
    let mut files = all_files(p.dir.path());
    files.retain(|(path, _)| !path.ends_with("kit.age"));
    assert!(files.iter().any(|(p, _)| p.ends_with("relay.db")));
    for (path, bytes) in &files {
        for (i, label) in LABELS.iter().enumerate() {
            for needle in [
                format!("Marker-shared-{i}-zq"),
                format!("Marker-private-{i}-zq"),
                label.to_string(),
            ] {
                assert!(
                    !contains(bytes, &needle),
                    "{needle} in plaintext in {}",
                    path.display()
                );
            }
        }
    }
    drop(p.relay);
}

#[test]
fn hostile_input_is_quarantined_or_refused() {
    let p = practice();
    // The therapist's post token, as any client holds it, taken from a fresh invite.
    let out = ok(&p.therapist, &["therapist", "invite", "--label", "spare"]);
    let uri = out
        .lines()
        .find(|l| l.starts_with("rapport:invite/"))
        .unwrap();
    let invite: rapport_core::Invite = uri.parse().unwrap();
    let post = |token: &str, body: Vec<u8>| {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        agent
            .post(&format!(
                "{}/v1/mailboxes/{}/messages",
                p.relay.url, invite.mailbox_id
            ))
            .header("Authorization", &format!("Bearer {token}"))
            .send(&body[..])
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(
        post(
            &invite.post_token,
            (0..2000).map(|i| (i * 31 % 251) as u8).collect()
        ),
        201
    );
    let out = ok(&p.therapist, &["sync"]);
    assert!(out.contains("quarantined 1"), "{out}");
    // Over the size limit: 413. A well-formed token the relay never issued: 403;
    // something that is not a token at all: 401.
    let forged = "A".repeat(invite.post_token.len());
    assert_eq!(post(&invite.post_token, vec![0u8; 64 * 1024 + 1]), 413);
    assert_eq!(post(&forged, b"x".to_vec()), 403);
    assert_eq!(post("not a token", b"x".to_vec()), 401);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let read = agent
        .get(&format!(
            "{}/v1/mailboxes/{}/messages?after=0",
            p.relay.url, invite.mailbox_id
        ))
        .header("Authorization", &format!("Bearer {forged}"))
        .call()
        .unwrap();
    assert_eq!(read.status().as_u16(), 403);
    // A token minted and revoked on a mailbox of our own is refused afterwards.
    let mut created = agent
        .post(&format!("{}/v1/mailboxes", p.relay.url))
        .send(&[][..])
        .unwrap();
    let mailbox: Value =
        serde_json::from_str(&created.body_mut().read_to_string().unwrap()).unwrap();
    let (id, read_token) = (
        mailbox["mailbox_id"].as_str().unwrap(),
        mailbox["read_token"].as_str().unwrap(),
    );
    let mut minted = agent
        .post(&format!("{}/v1/mailboxes/{id}/post-tokens", p.relay.url))
        .header("Authorization", &format!("Bearer {read_token}"))
        .send(&[][..])
        .unwrap();
    let token: Value = serde_json::from_str(&minted.body_mut().read_to_string().unwrap()).unwrap();
    let revoke = agent
        .delete(&format!(
            "{}/v1/mailboxes/{id}/post-tokens/{}",
            p.relay.url,
            token["token_id"].as_str().unwrap()
        ))
        .header("Authorization", &format!("Bearer {read_token}"))
        .call()
        .unwrap();
    assert_eq!(revoke.status().as_u16(), 204);
    let refused = agent
        .post(&format!("{}/v1/mailboxes/{id}/messages", p.relay.url))
        .header(
            "Authorization",
            &format!("Bearer {}", token["post_token"].as_str().unwrap()),
        )
        .send(&b"hello"[..])
        .unwrap();
    assert_eq!(refused.status().as_u16(), 403);
}

#[test]
fn a_restored_therapist_home_shows_the_same_dashboard() {
    let p = practice();
    for (i, home) in p.clients.iter().enumerate() {
        ok(
            home,
            &[
                "client",
                "checkin",
                "--heard",
                &(i + 2).to_string(),
                "--hopeful",
                "3",
                "--note",
                "fine",
                "--session-date",
                ago(10),
            ],
        );
        ok(home, &["sync"]);
    }
    ok(&p.therapist, &["sync"]);
    ok(&p.therapist, &["therapist", "ack", "--all"]);
    let original = json_of(&p.therapist, &["therapist", "dashboard", "--json"]);
    let kit = p.dir.path().join("kit.age");
    // An old file at that path, readable by everyone: the kit must not
    // inherit its permissions.
    std::fs::write(&kit, b"old").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&kit, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    ok(
        &p.therapist,
        &["therapist", "recovery-kit", "--out", kit.to_str().unwrap()],
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&kit).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the kit kept mode {mode:o}");
    }

    let wrong_home = p.dir.path().join("wrong");
    let out = rapport_with(
        &wrong_home,
        &["therapist", "restore", "--kit", kit.to_str().unwrap()],
        "not the passphrase",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong passphrase"));

    let restored = p.dir.path().join("restored");
    ok(
        &restored,
        &["therapist", "restore", "--kit", kit.to_str().unwrap()],
    );
    ok(&restored, &["sync"]);
    assert_eq!(
        json_of(&restored, &["therapist", "dashboard", "--json"]),
        original
    );
}

#[test]
fn a_client_killed_mid_sync_loses_and_duplicates_nothing() {
    let p = practice();
    let home = &p.clients[0];
    const N: usize = 60;
    for i in 0..N {
        ok(
            home,
            &[
                "client",
                "checkin",
                "--heard",
                &(1 + i % 5).to_string(),
                "--hopeful",
                "3",
                "--session-date",
                ago(9),
            ],
        );
    }
    // Kill syncs at a few different moments, then let one finish.
    for delay_ms in [5u64, 25, 60, 120] {
        let mut child = Command::new(BIN)
            .arg("--home")
            .arg(home)
            .arg("sync")
            .env("RAPPORT_PASSPHRASE", "correct horse battery")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
    }
    ok(home, &["sync"]);
    ok(&p.therapist, &["sync"]);
    let dashboard = json_of(&p.therapist, &["therapist", "dashboard", "--json"]);
    let mine = dashboard["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["label"] == LABELS[0])
        .unwrap();
    assert_eq!(mine["checkins"].as_array().unwrap().len(), N);
    let history = json_of(home, &["client", "history", "--json"]);
    assert_eq!(history["checkins"].as_array().unwrap().len(), N);
}

/// Issue 8 end to end: a support request prints crisis lines for the locale
/// and reaches the therapist as an alert; export, pause and resume; an erase
/// leaves no trace in either home; a revoked client is told.
#[test]
fn support_requests_rights_and_revocation_work_through_the_real_binary() {
    let p = practice();
    let (asker, eraser, revoked) = (&p.clients[0], &p.clients[1], &p.clients[2]);

    // Crisis lines for the locale given, from the bundled data.
    let out = ok(
        asker,
        &[
            "client",
            "checkin",
            "--heard",
            "3",
            "--hopeful",
            "2",
            "--need-support",
            "--locale",
            "en-GB",
            "--note",
            "Marker-support-zq",
            "--session-date",
            ago(11),
        ],
    );
    let uk = rapport_core::safety::resources_for_locale("en-GB");
    assert_eq!(uk.region.as_deref(), Some("GB"));
    assert!(out.contains(&uk.lines[0].contact), "{out}");
    assert!(out.contains(&uk.emergency_number), "{out}");
    assert!(out.contains("real time"), "{out}");
    // The lowest hope rating shows them too; a middling one does not.
    let low = ok(
        asker,
        &[
            "client",
            "checkin",
            "--heard",
            "4",
            "--hopeful",
            "1",
            "--locale",
            "de-DE",
            "--session-date",
            ago(10),
        ],
    );
    let de = rapport_core::safety::resources_for_locale("de-DE");
    assert!(low.contains(&de.lines[0].contact), "{low}");
    let calm = ok(
        asker,
        &[
            "client",
            "checkin",
            "--heard",
            "4",
            "--hopeful",
            "3",
            "--locale",
            "en-GB",
            "--session-date",
            ago(9),
        ],
    );
    assert!(!calm.contains(&uk.lines[0].contact), "{calm}");
    ok(asker, &["sync"]);
    ok(&p.therapist, &["sync"]);
    let flags = json_of(&p.therapist, &["therapist", "flags", "--json"]);
    let first = &flags["flags"][0];
    assert_eq!(first["kind"], "support_requested", "{flags}");
    assert_eq!(first["severity"], "urgent");
    assert_eq!(first["client"], LABELS[0]);
    assert_eq!(first["reasons"][0]["rule"], "support_requested");
    let id = first["id"].as_str().unwrap().to_owned();
    ok(&p.therapist, &["therapist", "discussed", "--flag", &id]);
    let open = json_of(&p.therapist, &["therapist", "flags", "--json"]);
    assert!(!open.to_string().contains(&id));
    let all = json_of(&p.therapist, &["therapist", "flags", "--json", "--all"]);
    assert!(all.to_string().contains(&id));

    // Export: everything, private notes included, owner-readable only.
    ok(
        eraser,
        &[
            "client",
            "checkin",
            "--heard",
            "5",
            "--hopeful",
            "4",
            "--note",
            "Marker-erase-private-zq",
            "--private-note",
            "--session-date",
            ago(12),
        ],
    );
    ok(
        eraser,
        &[
            "client",
            "checkin",
            "--heard",
            "2",
            "--hopeful",
            "2",
            "--note",
            "Marker-erase-shared-zq",
            "--session-date",
            ago(11),
        ],
    );
    let export = p.dir.path().join("export.csv");
    ok(
        eraser,
        &[
            "client",
            "export",
            "--out",
            export.to_str().unwrap(),
            "--csv",
        ],
    );
    let csv = std::fs::read_to_string(&export).unwrap();
    assert!(
        csv.starts_with("id,session_date,instrument,heard,hopeful"),
        "{csv}"
    );
    assert!(csv.contains("Marker-erase-private-zq") && csv.contains("Marker-erase-shared-zq"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&export).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "export readable by others: {mode:o}");
    }
    std::fs::remove_file(&export).unwrap();

    // Pause: nothing leaves until resumed.
    ok(eraser, &["client", "pause"]);
    let paused = ok(eraser, &["sync"]);
    assert!(
        paused.contains("sharing paused") && paused.contains("sent 0"),
        "{paused}"
    );
    ok(eraser, &["client", "resume"]);
    assert!(ok(eraser, &["sync"]).contains("sent 2"));
    ok(&p.therapist, &["sync"]);
    let label_of = |dashboard: &Value, label: &str| -> Value {
        dashboard["clients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["label"] == label)
            .cloned()
            .unwrap()
    };
    let before = json_of(&p.therapist, &["therapist", "dashboard", "--json"]);
    assert_eq!(
        label_of(&before, LABELS[1])["checkins"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Erase: the client's home is emptied, and after the therapist's sync
    // nothing of that client's check-ins is left there either.
    let erased = ok(eraser, &["client", "erase", "--yes"]);
    assert!(erased.contains("nothing of yours is left"), "{erased}");
    let leftovers: Vec<_> = all_files(eraser)
        .into_iter()
        .filter(|(_, bytes)| !bytes.is_empty())
        .collect();
    assert!(
        leftovers.is_empty(),
        "{:?}",
        leftovers.iter().map(|l| &l.0).collect::<Vec<_>>()
    );
    ok(&p.therapist, &["sync"]);
    let after = json_of(&p.therapist, &["therapist", "dashboard", "--json"]);
    let gone = label_of(&after, LABELS[1]);
    assert_eq!(gone["status"], "erased", "{gone}");
    assert!(gone["checkins"].as_array().unwrap().is_empty());
    assert!(gone["flags"].as_array().unwrap().is_empty());
    assert!(!after.to_string().contains("Marker-erase"));

    // Revoke: the client is told on its next sync and keeps its check-ins.
    ok(
        revoked,
        &[
            "client",
            "checkin",
            "--heard",
            "4",
            "--hopeful",
            "4",
            "--session-date",
            ago(11),
        ],
    );
    ok(revoked, &["sync"]);
    ok(&p.therapist, &["sync"]);
    ok(&p.therapist, &["therapist", "revoke", "--label", LABELS[2]]);
    let told = ok(revoked, &["sync"]);
    assert!(told.contains("your therapist ended sharing"), "{told}");
    let history = json_of(revoked, &["client", "history", "--json"]);
    assert_eq!(history["checkins"].as_array().unwrap().len(), 1);
    let after = json_of(&p.therapist, &["therapist", "dashboard", "--json"]);
    assert_eq!(label_of(&after, LABELS[2])["status"], "revoked");

    // Nothing private reached the therapist's home or the relay, even as text
    // inside a decrypted view; and no marker is readable in any file.
    for (path, bytes) in all_files(p.dir.path()) {
        for needle in [
            "Marker-support-zq",
            "Marker-erase-private-zq",
            "Marker-erase-shared-zq",
        ] {
            assert!(!contains(&bytes, needle), "{needle} in {}", path.display());
        }
    }
    drop(p.relay);
}

/// The golden hour, through the real binary and relay: a client whose first
/// check-in is heard 3 / hopeful 2 and who then stays silent shows, in the
/// brief for eleven days later, an open high-severity flag for not coming
/// back; a client who dipped and recovered has no open flag.
#[test]
fn the_brief_shows_who_has_not_come_back_and_not_who_recovered() {
    let p = practice();
    let today = chrono::Utc::now().date_naive();
    let first = today - chrono::Days::new(3);
    let checkin = |home: &Path, heard: u8, hopeful: u8, date: chrono::NaiveDate| {
        ok(
            home,
            &[
                "client",
                "checkin",
                "--heard",
                &heard.to_string(),
                "--hopeful",
                &hopeful.to_string(),
                "--session-date",
                &date.to_string(),
            ],
        );
    };
    checkin(&p.clients[0], 3, 2, first);
    let weeks = [(4, 4), (4, 4), (4, 4), (4, 4), (2, 2), (4, 4)];
    for (i, (heard, hopeful)) in weeks.into_iter().enumerate() {
        let date = today - chrono::Days::new(1 + 7 * (weeks.len() - 1 - i) as u64);
        checkin(&p.clients[1], heard, hopeful, date);
    }
    for home in &p.clients[..2] {
        ok(home, &["sync"]);
    }
    ok(&p.therapist, &["sync"]);

    let card = |brief: &Value, label: &str| -> Value {
        brief["cards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["label"] == label)
            .cloned()
            .unwrap_or_else(|| panic!("no card for {label}: {brief}"))
    };
    let day = |n: u64| (first + chrono::Days::new(n)).to_string();
    // Within ten days: reach out before the next session, not yet escalated.
    let early = json_of(
        &p.therapist,
        &["therapist", "brief", "--date", &day(10), "--json"],
    );
    assert_eq!(early["basis"], "active_clients");
    let waiting = card(&early, LABELS[0]);
    assert_eq!(waiting["flags"][0]["kind"], "difficult_first_session");
    assert_eq!(waiting["flags"][0]["severity"], "medium", "{waiting}");
    // Eleven days of silence: high, and it says why.
    let brief = json_of(
        &p.therapist,
        &["therapist", "brief", "--date", &day(11), "--json"],
    );
    let silent = card(&brief, LABELS[0]);
    let flag = &silent["flags"][0];
    assert_eq!(flag["kind"], "difficult_first_session", "{silent}");
    assert_eq!(flag["severity"], "high");
    assert_eq!(flag["escalated"], true);
    assert!(
        flag["headline"]
            .as_str()
            .unwrap()
            .starts_with("Has not come back since a difficult first session"),
        "{flag}"
    );
    assert_eq!(silent["flags"].as_array().unwrap().len(), 1, "{silent}");
    assert_eq!(silent["checkins"][0]["answers"]["hopeful"], 2);
    assert!(!silent["opening"]["text"].as_str().unwrap().is_empty());
    // The client who dipped and recovered: nothing open, the dip in history.
    let recovered = card(&brief, LABELS[1]);
    assert!(
        recovered["flags"].as_array().unwrap().is_empty(),
        "{recovered}"
    );
    assert_eq!(brief["cards"][0]["label"], LABELS[0], "most in need first");
    let history = json_of(&p.therapist, &["therapist", "flags", "--json", "--all"]);
    assert!(
        history["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| { f["client"] == LABELS[1] && f["kind"] == "concern" && f["open"] == false }),
        "{history}"
    );
    // The text brief reads the same story, its flags' sentences in German
    // when asked (the terminal's own frame is English).
    let text = ok(
        &p.therapist,
        &["therapist", "brief", "--date", &day(11), "--locale", "de"],
    );
    assert!(
        text.contains("Hat sich seit einer schwierigen ersten Sitzung"),
        "{text}"
    );
    assert!(!text.contains("Has not come back"), "{text}");
    // Core's error names no command; the CLI adds where to look.
    let unknown = rapport(
        &p.therapist,
        &["therapist", "discussed", "--flag", "000000000000"],
    );
    assert!(!unknown.status.success());
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(err.contains("no flag has the id"), "{err}");
    assert!(
        err.contains("hint: `rapport therapist flags --all`"),
        "{err}"
    );
}

#[test]
fn a_reply_reaches_the_client_under_its_check_in_and_closes_when_they_check_in_again() {
    let p = practice();
    let client = &p.clients[0];
    let today = chrono::Local::now().date_naive();
    let last_week = (today - chrono::Days::new(7)).to_string();
    for hopeful in ["2", "4"] {
        ok(
            client,
            &[
                "client",
                "checkin",
                "--heard",
                "3",
                "--hopeful",
                hopeful,
                "--session-date",
                &last_week,
            ],
        );
    }
    ok(client, &["sync"]);
    ok(&p.therapist, &["sync"]);
    let ids_of = |dashboard: &Value| -> Vec<(String, Value)> {
        dashboard["clients"][0]["checkins"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["id"].as_str().unwrap().to_owned(), c.clone()))
            .collect()
    };
    let before = ids_of(&json_of(
        &p.therapist,
        &["therapist", "dashboard", "--json"],
    ));
    assert_eq!(before.len(), 2);
    assert!(before.iter().all(|(_, c)| c["reply"].is_null()));
    let answered = before
        .iter()
        .find(|(_, c)| c["answers"]["hopeful"] == 2)
        .map(|(id, _)| id.clone())
        .unwrap();

    let text = "Marker-reply-zq: thank you for telling me.\nLet's start there next time.";
    let out = ok(
        &p.therapist,
        &["therapist", "reply", "--checkin", &answered, "--text", text],
    );
    assert!(out.contains(LABELS[0]) && out.contains("next"), "{out}");
    let after = ids_of(&json_of(
        &p.therapist,
        &["therapist", "dashboard", "--json"],
    ));
    for (id, c) in &after {
        if *id == answered {
            assert_eq!(c["reply"]["text"], text);
            assert_eq!(c["reply"]["editable"], true);
            assert_eq!(c["reply"]["version"], 1);
        } else {
            assert!(c["reply"].is_null(), "{c}");
        }
    }

    assert!(ok(&p.therapist, &["sync"]).contains("sent 1"));
    let out = ok(client, &["sync"]);
    assert!(out.contains("replies from your therapist 1"), "{out}");
    let history = json_of(client, &["client", "history", "--json"]);
    let checkins = history["checkins"].as_array().unwrap();
    assert_eq!(checkins.len(), 2);
    for c in checkins {
        if c["id"] == answered.as_str() {
            assert_eq!(c["reply"]["text"], text);
            assert!(c["reply"]["written_at"].as_str().unwrap().starts_with('2'));
            let statement = c["reply"]["not_monitored"].as_str().unwrap();
            assert!(statement.contains("real time"), "{statement}");
        } else {
            assert!(c["reply"].is_null(), "{c}");
        }
    }
    let table = ok(client, &["client", "history"]);
    assert!(table.contains("Your therapist replied"), "{table}");
    assert!(
        table.contains("      Let's start there next time."),
        "{table}"
    );
    // Nobody else got it.
    let other = json_of(&p.clients[1], &["client", "history", "--json"]);
    assert!(!other.to_string().contains("Marker-reply"));

    // The client checks in for this week's session: the old reply closes.
    ok(
        client,
        &[
            "client",
            "checkin",
            "--heard",
            "4",
            "--hopeful",
            "4",
            "--session-date",
            &today.to_string(),
        ],
    );
    ok(client, &["sync"]);
    ok(&p.therapist, &["sync"]);
    let refused = rapport(
        &p.therapist,
        &[
            "therapist",
            "reply",
            "--checkin",
            &answered,
            "--text",
            "One more thing",
        ],
    );
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("has checked in since"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
    let unknown = rapport(
        &p.therapist,
        &[
            "therapist",
            "reply",
            "--checkin",
            &uuid::Uuid::nil().to_string(),
            "--text",
            "hi",
        ],
    );
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no check-in with id"));

    // The reply is readable nowhere at rest: relay, therapist, clients.
    for (path, bytes) in all_files(p.dir.path()) {
        assert!(
            !contains(&bytes, "Marker-reply"),
            "the reply in plaintext in {}",
            path.display()
        );
    }
    drop(p.relay);
}

/// The core's one relay-address rule, as the command line reports it: a
/// typed code, and nothing set up.
#[test]
fn a_relay_address_rapport_will_not_use_is_refused_with_its_code() {
    let dir = tempfile::tempdir().unwrap();
    for (url, code) in [
        ("http://relay.example.org", "plain_http"),
        ("http://127.0.0.1.attacker.example", "plain_http"),
        ("ftp://relay.example.org", "scheme"),
        ("relay.example.org", "not_a_url"),
        ("https://me:pw@relay.example.org", "credentials"),
    ] {
        let home = dir.path().join("t");
        let out = rapport(
            &home,
            &["therapist", "init", "--relay", url, "--name", "Dr. R"],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{url} was accepted");
        assert!(stderr.contains(&format!("code: {code}")), "{url}: {stderr}");
        let status = rapport(&home, &["sync"]);
        assert!(
            String::from_utf8_lossy(&status.stderr).contains("code: no_account"),
            "{url}: something was set up"
        );
    }
}

/// What a client typed cannot drive the therapist's terminal: escape
/// sequences (colours, OSC 8 links hiding their target, a retitled window)
/// and bidirectional overrides are shown as codes in text output, kept
/// exactly in JSON.
#[test]
fn a_note_with_terminal_escapes_is_shown_defused() {
    let p = practice();
    let note =
        "fine\u{1b}[2J\u{1b}]8;;https://evil.example\u{7}click\u{1b}]8;;\u{7} \u{202e}txt.exe";
    ok(
        &p.clients[0],
        &[
            "client",
            "checkin",
            "--heard",
            "4",
            "--hopeful",
            "4",
            "--note",
            note,
        ],
    );
    ok(&p.clients[0], &["sync"]);
    ok(&p.therapist, &["sync"]);
    let table = ok(&p.therapist, &["therapist", "dashboard"]);
    for raw in ['\u{1b}', '\u{7}', '\u{202e}'] {
        assert!(
            !table.contains(raw),
            "{raw:?} reached the terminal: {table:?}"
        );
    }
    assert!(table.contains("\\u{1b}]8;;https://evil.example"), "{table}");
    let json = json_of(&p.therapist, &["therapist", "dashboard", "--json"]);
    assert!(
        json.to_string().contains("\\u001b]8;;https://evil.example"),
        "{json}"
    );
    let history = ok(&p.clients[0], &["client", "history"]);
    assert!(!history.contains('\u{1b}'), "{history:?}");
}

/// A stray `RAPPORT_SCRYPT_WORK_FACTOR` cannot weaken a real home: a factor
/// below the default needs `RAPPORT_TEST_WEAK_KEYS=1` too.
#[test]
fn a_weak_work_factor_is_refused_unless_a_test_asks_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("t");
    let out = Command::new(BIN)
        .arg("--home")
        .arg(&home)
        .args([
            "therapist",
            "init",
            "--relay",
            "https://relay.example.org",
            "--name",
            "Dr. R",
        ])
        .env("RAPPORT_PASSPHRASE", "correct horse battery")
        .env("RAPPORT_SCRYPT_WORK_FACTOR", "4")
        .env_remove("RAPPORT_TEST_WEAK_KEYS")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a weak factor was accepted");
    assert!(stderr.contains("weaker keys than the default"), "{stderr}");
    assert!(!home.join("rapport.db").exists(), "a home was made anyway");
}
