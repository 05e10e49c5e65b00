//! Issue 16 end to end: what a relay that merely delays, reorders or replays
//! posts can do, and must not. A real relay process sits behind a proxy
//! (`common::proxy`) that acknowledges the posts it is told to hold and
//! delivers them when the test says; the therapist is set up with the
//! proxy's address, so the invites carry it and every device goes through
//! it. Everything is driven through the `rapport` binary.
//!
//! `core/tests/untrusted_relay.rs` checks the same in process; these show the
//! shipped binary and relay behave so.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

mod common;

use common::proxy::Proxy;
use common::{Relay, ago, ok, start_relay};

/// Dropped in this order: the proxy, the relay it forwards to, then the
/// folder of every home and the relay's database.
struct Practice {
    proxy: Proxy,
    _relay: Relay,
    therapist: PathBuf,
    dir: tempfile::TempDir,
}

/// A therapist set up on the proxy's address; nobody invited yet.
fn practice() -> Practice {
    let dir = tempfile::tempdir().unwrap();
    let relay = start_relay(&dir.path().join("relay.db"));
    let proxy = Proxy::start(&relay.url);
    let therapist = dir.path().join("therapist");
    ok(
        &therapist,
        &[
            "therapist",
            "init",
            "--relay",
            &proxy.url,
            "--name",
            "Dr. Test",
        ],
    );
    Practice {
        proxy,
        _relay: relay,
        therapist,
        dir,
    }
}

/// The session check-in, as `client checkin` records it.
struct CheckIn {
    date: &'static str,
    heard: u8,
    hopeful: u8,
    note: &'static str,
}

impl CheckIn {
    /// What the therapist's dashboard shows of it.
    fn shown(&self) -> Value {
        json!({
            "session_date": self.date,
            "answers": {"heard": self.heard, "hopeful": self.hopeful},
            "note": self.note,
        })
    }
}

impl Practice {
    /// A new invite for `label`: its link, and the invite itself.
    fn invite(&self, label: &str) -> (String, rapport_core::Invite) {
        let out = ok(&self.therapist, &["therapist", "invite", "--label", label]);
        let uri = out
            .lines()
            .find(|l| l.starts_with("rapport:invite/"))
            .expect("the invite on its own line")
            .to_owned();
        let invite: rapport_core::Invite = uri.parse().unwrap();
        assert!(
            invite.relay_url.starts_with(&self.proxy.url),
            "the invite must lead through the proxy: {}",
            invite.relay_url
        );
        (uri, invite)
    }

    fn join(&self, label: &str, uri: &str) -> PathBuf {
        let home = self.dir.path().join(label);
        ok(&home, &["client", "join", uri, "--accept-consent", "2"]);
        home
    }

    /// A client invited, joined and paired, with nothing held on the way;
    /// and the therapist's mailbox, where it posts.
    fn paired(&self, label: &str) -> (PathBuf, String) {
        let (uri, invite) = self.invite(label);
        let home = self.join(label, &uri);
        let out = ok(&self.therapist, &["sync"]);
        assert!(out.contains(&format!("paired {label}")), "{out}");
        (home, invite.mailbox_id)
    }

    fn sync(&self) -> String {
        ok(&self.therapist, &["sync"])
    }

    fn dashboard(&self) -> Value {
        serde_json::from_str(&ok(&self.therapist, &["therapist", "dashboard", "--json"])).unwrap()
    }

    /// The client labelled `label` on the dashboard, if it is there.
    fn client(&self, label: &str) -> Option<Value> {
        self.dashboard()["clients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["label"] == label)
            .cloned()
    }
}

fn record(home: &Path, c: &CheckIn) {
    ok(
        home,
        &[
            "client",
            "checkin",
            "--heard",
            &c.heard.to_string(),
            "--hopeful",
            &c.hopeful.to_string(),
            "--note",
            c.note,
            "--session-date",
            c.date,
        ],
    );
}

/// A client's check-ins as the dashboard shows them, without the ids.
fn shown(client: &Value) -> Vec<Value> {
    client["checkins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            json!({
                "session_date": c["session_date"],
                "answers": c["answers"],
                "note": c["note"],
            })
        })
        .collect()
}

/// Four weekly sessions; the last went badly.
fn weeks() -> [CheckIn; 4] {
    [
        CheckIn {
            date: ago(29),
            heard: 2,
            hopeful: 3,
            note: "Marker-week-1-zq",
        },
        CheckIn {
            date: ago(22),
            heard: 3,
            hopeful: 4,
            note: "Marker-week-2-zq",
        },
        CheckIn {
            date: ago(15),
            heard: 5,
            hopeful: 4,
            note: "Marker-week-3-zq",
        },
        CheckIn {
            date: ago(8),
            heard: 2,
            hopeful: 1,
            note: "Marker-week-4-zq",
        },
    ]
}

/// The hello is held while the client checks in three times: the check-ins
/// reach the therapist before anyone is paired to own them, and are
/// quarantined. Once the hello arrives, all three are on the dashboard.
#[test]
fn check_ins_that_arrive_before_a_late_hello_all_reach_the_dashboard() {
    let p = practice();
    let (uri, invite) = p.invite("Late");
    // Joining posts one message, the hello; the rest of the join (the
    // client's own mailbox and a token for it) is not a post to this one.
    p.proxy.hold_posts_to(&invite.mailbox_id, 1);
    let client = p.join("Late", &uri);
    assert_eq!(p.proxy.held(), 1, "the hello is held");
    for week in &weeks()[..3] {
        record(&client, week);
    }
    let out = ok(&client, &["sync"]);
    assert!(out.contains("sent 3"), "{out}");

    let early = p.sync();
    assert!(early.contains("quarantined 3"), "{early}");
    assert!(p.client("Late").is_none(), "{}", p.dashboard());

    for hello in p.proxy.take_held() {
        assert_eq!(p.proxy.deliver(&hello), 201);
    }
    let late = p.sync();
    assert!(late.contains("paired Late"), "{late}");
    let client_row = p.client("Late").expect("paired by the late hello");
    let arrived = shown(&client_row);
    assert_eq!(
        arrived.len(),
        3,
        "{} of 3 check-ins on the dashboard after the late hello: {client_row}",
        arrived.len()
    );
    assert_eq!(
        arrived,
        weeks()[..3].iter().map(CheckIn::shown).collect::<Vec<_>>()
    );
    let again = p.sync();
    assert!(again.contains("quarantined 0"), "{again}");
    assert!(!again.contains("missing messages"), "{again}");

    // Nothing is waiting on the client, and it learns all three were seen.
    let out = ok(&client, &["sync"]);
    assert!(out.contains("sent 0"), "{out}");
    ok(&p.therapist, &["therapist", "ack", "--all"]);
    p.sync();
    let out = ok(&client, &["sync"]);
    assert!(out.contains("seen receipts 3"), "{out}");
    let history: Value =
        serde_json::from_str(&ok(&client, &["client", "history", "--json"])).unwrap();
    let checkins = history["checkins"].as_array().unwrap();
    assert_eq!(checkins.len(), 3);
    assert!(checkins.iter().all(|c| c["seen"] == true), "{history}");
}

/// Everything the therapist can read of the practice, as text: the
/// dashboard, every flag, and the offline report.
fn everything_the_therapist_shows(p: &Practice) -> String {
    let report = p.dir.path().join("report.html");
    ok(
        &p.therapist,
        &["therapist", "report", "--out", report.to_str().unwrap()],
    );
    [
        p.dashboard().to_string(),
        ok(&p.therapist, &["therapist", "flags", "--json", "--all"]),
        std::fs::read_to_string(&report).unwrap(),
    ]
    .join("\n")
}

/// The client is paired, with one check-in on the dashboard, and its next
/// check-in is on its way (held by the proxy); then it erases.
fn erase_with_a_check_in_held(p: &Practice) -> common::proxy::HeldPost {
    let (client, mailbox) = p.paired("Gone");
    record(&client, &weeks()[0]);
    ok(&client, &["sync"]);
    p.sync();
    assert_eq!(shown(&p.client("Gone").unwrap()).len(), 1);

    p.proxy.hold_posts_to(&mailbox, 1);
    record(&client, &weeks()[1]);
    let out = ok(&client, &["sync"]);
    assert!(out.contains("sent 1"), "{out}");
    let erased = ok(&client, &["client", "erase", "--yes"]);
    assert!(erased.contains("nothing of yours is left"), "{erased}");
    let mut held = p.proxy.take_held();
    assert_eq!(held.len(), 1);
    held.remove(0)
}

/// What the dashboard shows of the erased client: `(status, check-ins)`.
fn erased_client(p: &Practice) -> (Value, usize) {
    let gone = p.client("Gone").expect("the erased client is listed");
    (gone["status"].clone(), shown(&gone).len())
}

/// The order: the therapist has synced the erase when the relay
/// delivers a check-in the client sent before erasing. The client stays
/// erased, and none of what it sent is anywhere the therapist can look.
#[test]
fn a_check_in_delivered_after_the_therapist_synced_an_erase_does_not_bring_the_client_back() {
    let p = practice();
    let late = erase_with_a_check_in_held(&p);
    p.sync();
    assert_eq!(erased_client(&p), (json!("erased"), 0));

    // The relay behind the proxy refuses the post now: the therapist's sync
    // revoked the client's token. A relay that took the post when it was
    // sent stores it all the same; a token for another invite stands in.
    assert_eq!(p.proxy.deliver(&late), 403);
    let (_, spare) = p.invite("Spare");
    assert_eq!(p.proxy.deliver_with_token(&late, &spare.post_token), 201);
    let out = p.sync();
    let (status, checkins) = erased_client(&p);
    assert_eq!(
        (&status, checkins),
        (&json!("erased"), 0),
        "the erased client reappears with {checkins} check-in(s), status {status}"
    );
    // Read, and neither applied nor kept in quarantine.
    assert!(
        out.contains("received 1, applied 0, duplicates 0, quarantined 0"),
        "{out}"
    );
    let shown = everything_the_therapist_shows(&p);
    for week in &weeks()[..2] {
        assert!(!shown.contains(week.note), "{} is still shown", week.note);
    }
}

/// The other order, where even an honest relay accepts the late post: it
/// arrives between the client's erase and the therapist's next sync, which
/// reads the erase and the check-in after it in one go.
#[test]
fn a_check_in_delivered_after_the_erase_in_the_same_sync_does_not_bring_the_client_back() {
    let p = practice();
    let late = erase_with_a_check_in_held(&p);
    assert_eq!(p.proxy.deliver(&late), 201);
    let out = p.sync();
    assert!(out.contains("quarantined 0"), "{out}");
    let (status, checkins) = erased_client(&p);
    assert_eq!(
        (&status, checkins),
        (&json!("erased"), 0),
        "the erased client reappears with {checkins} check-in(s), status {status}"
    );
    let shown = everything_the_therapist_shows(&p);
    for week in &weeks()[..2] {
        assert!(!shown.contains(week.note), "{} is still shown", week.note);
    }
}

/// A dashboard entry without what differs between two clients with the same
/// story (label, ids), for comparing them.
fn story(client: &Value) -> Value {
    match client {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !["label", "client", "id", "checkin"].contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), story(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(story).collect()),
        other => other.clone(),
    }
}

/// Two clients with the same four sessions: one's posts arrive in order,
/// the other's are held and delivered last first. The therapist ends up
/// with the same dashboard for both; a gap is reported only while it is
/// real, and none is left once everything is in.
#[test]
fn check_ins_delivered_in_reverse_order_give_the_same_dashboard_and_no_gap() {
    let p = practice();
    let (in_order, mailbox) = p.paired("InOrder");
    let (reversed, _) = p.paired("Reversed");
    for (home, hold) in [(&in_order, false), (&reversed, true)] {
        if hold {
            p.proxy.hold_posts_to(&mailbox, weeks().len());
        }
        for week in &weeks() {
            record(home, week);
        }
        let out = ok(home, &["sync"]);
        assert!(out.contains("sent 4"), "{out}");
    }
    let mut held = p.proxy.take_held();
    assert_eq!(held.len(), 4);
    held.reverse();

    // Only the last check-in has arrived: the three before it are missing.
    assert_eq!(p.proxy.deliver(&held[0]), 201);
    let partial = p.sync();
    assert!(partial.contains("missing messages"), "{partial}");
    for post in &held[1..] {
        assert_eq!(p.proxy.deliver(post), 201);
    }
    let out = p.sync();
    assert!(!out.contains("missing messages"), "{out}");
    assert!(out.contains("applied 3"), "{out}");

    let (a, b) = (p.client("InOrder").unwrap(), p.client("Reversed").unwrap());
    let sessions: Vec<Value> = weeks().iter().map(CheckIn::shown).collect();
    assert_eq!(shown(&a), sessions);
    assert_eq!(shown(&b), sessions);
    assert_eq!(story(&a), story(&b));
    // The drop in the last session is noticed for both alike.
    assert_eq!(a["flags"][0]["kind"], "concern", "{a}");
}

/// One check-in post delivered three times, twice at once and once after the
/// therapist read it: it is shown once.
#[test]
fn a_replayed_check_in_is_shown_once() {
    let p = practice();
    let (client, mailbox) = p.paired("Replayed");
    p.proxy.hold_posts_to(&mailbox, 1);
    record(&client, &weeks()[0]);
    ok(&client, &["sync"]);
    let post = p.proxy.take_held().remove(0);
    assert_eq!(p.proxy.deliver(&post), 201);
    assert_eq!(p.proxy.deliver(&post), 201);
    let out = p.sync();
    assert!(out.contains("applied 1, duplicates 1"), "{out}");
    assert_eq!(p.proxy.deliver(&post), 201);
    let out = p.sync();
    assert!(out.contains("applied 0, duplicates 1"), "{out}");
    assert_eq!(shown(&p.client("Replayed").unwrap()), [weeks()[0].shown()]);
}
