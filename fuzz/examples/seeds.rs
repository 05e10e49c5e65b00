//! Writes the seed corpora in `fuzz/seeds/<target>/` from the shared test
//! vectors (`tests/vectors/`) and the formats they exercise, so each target
//! starts from inputs that reach deep (a valid invite, envelopes that open,
//! well-formed bodies and rows, every answer of the relay-answers table,
//! a day of relay requests) instead of from nothing.
//!
//! The seeds are committed; run this again only when a format changes:
//! `cd fuzz && cargo run --example seeds` (a normal build: no nightly, no
//! sanitizer).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{NaiveDate, TimeZone, Utc};
use rapport_core::envelope::{Hello, Message, MessageKind};
use rapport_core::insights::{Flag, Reason, Rule};
use rapport_core::insights::{FlagEvent, FlagEventKind, FlagKind, ItemInsight, Severity, Trend};
use rapport_core::insights::{GoalProgress, GoalRatingPoint};
use rapport_core::sync::{
    Account, CheckInBody, EndedBody, GoalBody, GoalUpdate, LeaveBody, ReceiptBody, ReplyBody, Role,
    SharingBody,
};
use rapport_core::{Answers, DeviceIdentity, GoalWording, InstrumentRef, Invite, Peer};
use rapport_fuzz::{Parties, RELAY_ANSWERS, VECTORS, parties};
use serde::Serialize;
use serde_json::Value;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let vectors: Value = serde_json::from_str(VECTORS).expect("the vectors are JSON");
    let mut seeds = Seeds::default();
    invite(&mut seeds, &vectors);
    envelope_open(&mut seeds, &vectors);
    envelope_plaintext(&mut seeds);
    message_bodies(&mut seeds);
    sealed_rows(&mut seeds);
    relay_answer(&mut seeds);
    relay_request(&mut seeds);
    seeds.write(&root);
}

/// Seeds by target, then by name.
#[derive(Default)]
struct Seeds(BTreeMap<&'static str, BTreeMap<String, Vec<u8>>>);

impl Seeds {
    fn add(&mut self, target: &'static str, name: impl Into<String>, bytes: Vec<u8>) {
        let previous = self.0.entry(target).or_default().insert(name.into(), bytes);
        assert!(previous.is_none(), "two seeds of {target} share a name");
    }

    /// Replaces each target's directory with its seeds.
    fn write(&self, root: &Path) {
        for (target, seeds) in &self.0 {
            let dir = root.join(target);
            if dir.exists() {
                fs::remove_dir_all(&dir).expect("the old seeds go");
            }
            fs::create_dir_all(&dir).expect("a seed directory");
            for (name, bytes) in seeds {
                fs::write(dir.join(name), bytes).expect("a seed");
            }
            println!("{target}: {} seeds", seeds.len());
        }
    }
}

fn postcard<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_allocvec(value).expect("encodes")
}

fn with<T: AsRef<[u8]>>(first: u8, rest: T) -> Vec<u8> {
    let mut out = vec![first];
    out.extend_from_slice(rest.as_ref());
    out
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, day).unwrap()
}

fn invite(seeds: &mut Seeds, vectors: &Value) {
    for case in vectors["invites"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let uri = case["uri"].as_str().unwrap();
        seeds.add("invite", format!("text-{name}"), with(0, uri));
        let encoded = uri.trim().strip_prefix("rapport:invite/").unwrap_or("");
        if let Ok(raw) = URL_SAFE_NO_PAD.decode(encoded) {
            seeds.add("invite", format!("raw-{name}"), with(1, &raw));
            if name == "valid" {
                seeds.add("invite", "body-valid", with(2, &raw[3..raw.len() - 8]));
            }
        }
    }
    // A relay on loopback over plain http: the other branch of the URL rule.
    let valid = vectors["invites"][0]["uri"].as_str().unwrap();
    let mut invite: Invite = valid.parse().unwrap();
    invite.relay_url = "http://127.0.0.1:8080".into();
    let uri = invite.to_uri();
    let raw = URL_SAFE_NO_PAD
        .decode(&uri["rapport:invite/".len()..])
        .unwrap();
    seeds.add("invite", "body-loopback", with(2, &raw[3..raw.len() - 8]));
}

fn envelope_open(seeds: &mut Seeds, vectors: &Value) {
    for case in vectors["envelopes"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        if name == "over_64_kib" {
            // Its only point is its size; a seed that large slows every run.
            continue;
        }
        let mut envelope = STANDARD
            .decode(case["envelope_b64"].as_str().unwrap())
            .unwrap();
        // A thousand stanzas are refused at the fifth: a few kilobytes show it.
        envelope.truncate(4096);
        let therapist = case["opener"] == "therapist";
        let mailbox = case["mailbox"].as_str().unwrap();
        let mailbox_choice = if mailbox == Parties::mailbox_of(therapist) {
            0
        } else if mailbox == Parties::mailbox_of(!therapist) {
            1
        } else {
            2
        };
        let last_seq = case["sender_last_seq"].as_u64().unwrap().min(15) as u8;
        let setup = u8::from(!therapist)
            | (u8::from(!case["sender_known"].as_bool().unwrap()) << 1)
            | (mailbox_choice << 2)
            | (last_seq << 4);
        seeds.add("envelope_open", name, with(setup, &envelope));
    }
}

/// What a signature covers: see `fuzz_targets/envelope_plaintext.rs`.
fn signed_bytes(mailbox: &str, recipient: &str, message: &[u8]) -> Vec<u8> {
    let mut out = b"rapport.envelope.v1".to_vec();
    for part in [mailbox, recipient] {
        out.extend_from_slice(&(part.len() as u32).to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out.extend_from_slice(message);
    out
}

fn sealed(signer: &DeviceIdentity, message: &[u8], mailbox: &str, to: &DeviceIdentity) -> Vec<u8> {
    let recipient = to.age_recipient();
    let signature = signer.sign(&signed_bytes(mailbox, recipient, message));
    postcard(&(1u8, mailbox, recipient, message, &signature[..]))
}

fn hello(from: &DeviceIdentity) -> Message {
    let parties = parties();
    let invite = Invite {
        relay_url: "https://relay.example.org".into(),
        mailbox_id: "mbx-therapist".into(),
        post_token: "post-token-for-therapist".into(),
        therapist: parties.therapist.card(),
        pairing_secret: [0x5a; 32],
        expires_at: now() + chrono::Duration::days(7),
    };
    Message {
        kind: MessageKind::Hello,
        sender: from.device_id(),
        seq: 1,
        record_id: uuid::Uuid::from_bytes(invite.invite_id()),
        record_version: 1,
        sent_at: now(),
        body: Hello::new(&invite, from, "mbx-client", "post-token-for-client").to_bytes(),
    }
}

fn envelope_plaintext(seeds: &mut Seeds) {
    let parties = parties();
    let (therapist, client) = (&parties.therapist, &parties.client);
    for (i, message) in parties.genuine.iter().enumerate() {
        let (signer, opener) = if message.sender == client.device_id() {
            (client, therapist)
        } else {
            (therapist, client)
        };
        let opened_by_therapist = opener.device_id() == therapist.device_id();
        let encoded = postcard(message);
        let mailbox = Parties::mailbox_of(opened_by_therapist);
        let setup = u8::from(!opened_by_therapist);
        seeds.add(
            "envelope_plaintext",
            format!("whole-{i}-{:?}", message.kind),
            with(setup, sealed(signer, &encoded, mailbox, opener)),
        );
        // Signed by the target with the other party's key.
        seeds.add(
            "envelope_plaintext",
            format!("signed-{i}-{:?}", message.kind),
            with(setup | (1 << 2), &encoded),
        );
    }
    // A stranger's hello, signed by the stranger: what a therapist pairs with.
    let stranger = hello(&parties.stranger);
    seeds.add(
        "envelope_plaintext",
        "stranger-hello",
        with(2 << 2, postcard(&stranger)),
    );
    seeds.add(
        "envelope_plaintext",
        "stranger-hello-unpaired",
        with(2 | (2 << 2), postcard(&stranger)),
    );
}

fn checkin_body() -> CheckInBody {
    CheckInBody {
        instrument: InstrumentRef {
            id: "session-checkin".into(),
            version: 1,
        },
        session_date: date(23),
        answers: answers(4, 2),
        shared_note: Some("the part about my sister helped".into()),
        created_at: now(),
        updated_at: now(),
        support_requested: true,
        goal_ratings: [(GOAL, 6)].into(),
    }
}

/// The goal of the goal seeds.
const GOAL: uuid::Uuid = uuid::Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0017);

fn goal_body() -> GoalBody {
    GoalBody {
        text: "Walk to the shop on my own".into(),
        text_set_at: now(),
        set_in_session: true,
        created_at: now(),
        updated_at: now(),
        archived_at: None,
        earlier_texts: vec![GoalWording {
            text: "Go out more".into(),
            set_at: now(),
            replaced_at: now(),
        }],
    }
}

fn answers(heard: u8, hopeful: u8) -> Answers {
    [("heard".to_owned(), heard), ("hopeful".to_owned(), hopeful)].into()
}

fn message_bodies(seeds: &mut Seeds) {
    let body = checkin_body();
    seeds.add(
        "message_bodies",
        "checkin",
        with(0, body.to_bytes().unwrap()),
    );
    // The first layout, without `support_requested`.
    let v1 = postcard(&(
        &body.instrument,
        body.session_date,
        &body.answers,
        &body.shared_note,
        body.created_at,
        body.updated_at,
    ));
    seeds.add("message_bodies", "checkin-v1", with(0, v1));
    // The second layout, without goal ratings.
    let v2 = postcard(&(
        &body.instrument,
        body.session_date,
        &body.answers,
        &body.shared_note,
        body.created_at,
        body.updated_at,
        body.support_requested,
    ));
    seeds.add("message_bodies", "checkin-v2", with(0, v2));
    seeds.add(
        "message_bodies",
        "goal",
        with(8, GoalUpdate::Shared(goal_body()).to_bytes().unwrap()),
    );
    seeds.add(
        "message_bodies",
        "goal-withdrawn",
        with(8, GoalUpdate::Withdrawn.to_bytes().unwrap()),
    );
    seeds.add(
        "message_bodies",
        "receipt",
        with(1, postcard(&ReceiptBody { seen_at: now() })),
    );
    let leave = LeaveBody {
        erase: true,
        at: now(),
    };
    seeds.add("message_bodies", "leave", with(2, postcard(&leave)));
    seeds.add(
        "message_bodies",
        "ended",
        with(3, postcard(&EndedBody { at: now() })),
    );
    let reply = ReplyBody {
        text: "Thank you for saying so.\nLet's start there next week.".into(),
        written_at: now(),
    };
    seeds.add("message_bodies", "reply", with(4, postcard(&reply)));
    let sharing = SharingBody {
        paused: true,
        at: now(),
    };
    seeds.add("message_bodies", "sharing", with(5, postcard(&sharing)));
    let hello = hello(&parties().client);
    seeds.add("message_bodies", "hello", with(6, &hello.body));
    for (i, message) in parties().genuine.iter().enumerate() {
        seeds.add(
            "message_bodies",
            format!("message-{i}"),
            with(7, postcard(message)),
        );
    }
}

fn flag() -> Flag {
    let client = parties().client.device_id();
    Flag {
        id: "0123456789ab".into(),
        client,
        client_label: String::new(),
        kind: FlagKind::Concern,
        severity: Severity::High,
        escalated: false,
        headline: "Felt less heard than usual.".into(),
        opened_on: date(16),
        updated_on: date(23),
        resolution: None,
        reasons: vec![Reason {
            id: "ba9876543210".into(),
            rule: Rule::LowScore,
            session_date: Some(date(23)),
            text: "Heard 2 of 5.".into(),
            rci: Some(-2.1),
            acknowledged_at: None,
        }],
        earlier_reasons: 0,
        events: vec![FlagEvent {
            on: date(16),
            kind: FlagEventKind::Opened,
            text: "Opened by the check-in of 16 Nov 2026.".into(),
        }],
    }
}

fn sealed_rows(seeds: &mut Seeds) {
    use rapport_core::fuzzing::SealedRow;
    let parties = parties();
    let index = |row: SealedRow| SealedRow::ALL.iter().position(|r| *r == row).unwrap() as u8;
    let mut add = |row: SealedRow, name: &str, plaintext: Vec<u8>| {
        seeds.add("sealed_rows", name, with(index(row), plaintext));
    };
    let secret = parties.client.to_secret_bytes().unwrap().to_vec();
    add(
        SealedRow::DeviceIdentity,
        "device-identity",
        postcard(&secret),
    );
    let peer = Peer {
        card: parties.client.card(),
        label: "R. K.".into(),
        mailbox_id: "mbx-client".into(),
        post_token: "post-token-for-client".into(),
        paired_at: now(),
    };
    add(SealedRow::Peer, "peer", postcard(&peer));
    add(
        SealedRow::InviteSecret,
        "invite-secret",
        postcard(&([0x5a_u8; 32], "R. K.")),
    );
    let account = Account {
        role: Role::Therapist,
        relay_url: "https://relay.example.org".into(),
        mailbox_id: "mbx-therapist".into(),
        read_token: "read-token".into(),
        name: "Dr. Amal Haddad".into(),
    };
    add(SealedRow::Account, "account", postcard(&account));
    let answers = answers(4, 2);
    let v2 = with(
        2,
        postcard(&(&answers, Some(("a private note", false)), true)),
    );
    add(SealedRow::CheckIn, "checkin", v2);
    let v1 = with(1, postcard(&(&answers, Some(("shared", true)))));
    add(SealedRow::CheckIn, "checkin-v1", v1);
    let goal_ratings: std::collections::BTreeMap<uuid::Uuid, u8> = [(GOAL, 6)].into();
    let v3 = with(
        3,
        postcard(&(&answers, None::<(&str, bool)>, false, &goal_ratings)),
    );
    add(SealedRow::CheckIn, "checkin-v3", v3);
    add(SealedRow::Received, "received", postcard(&checkin_body()));
    let reply = ReplyBody {
        text: "Thank you.".into(),
        written_at: now(),
    };
    add(SealedRow::Reply, "reply", postcard(&reply));
    // The packed summary's layout (insights/packed.rs), field by field.
    let item = ItemInsight {
        item: "heard".into(),
        first: 4,
        latest: 2,
        change: -2,
        rci: -2.1,
        reliable: true,
    };
    let points = vec![
        ([1u8; 16], 739_570i32, vec![4u8, 4], false),
        ([2u8; 16], 739_577i32, vec![2u8, 0], true),
    ];
    let summary = (
        2u32,
        vec!["heard", "hopeful"],
        points,
        vec![item],
        Trend::Worsening,
        vec![flag()],
    );
    add(SealedRow::Summary, "summary", with(2, postcard(&summary)));
    add(SealedRow::Summary, "summary-old-format", with(1, [0u8; 4]));
    add(
        SealedRow::FlagHistory,
        "history",
        with(2, postcard(&vec![flag()])),
    );
    // A client's own goal (store/goals.rs): layout 0, then its fields.
    let millis = now().timestamp_millis();
    let own = (
        "Walk to the shop on my own",
        millis,
        true,
        false,
        millis,
        millis,
        None::<i64>,
        vec![("Go out more", millis, millis)],
    );
    add(SealedRow::Goal, "goal", with(0, postcard(&own)));
    add(
        SealedRow::HeldGoal,
        "held-goal",
        with(1, postcard(&goal_body())),
    );
    let progress = GoalProgress {
        goal_id: GOAL,
        version: 2,
        text: "Walk to the shop on my own".into(),
        text_set_at: now(),
        earlier_texts: Vec::new(),
        set_in_session: true,
        set_at: now(),
        archived_at: None,
        series: vec![GoalRatingPoint {
            record_id: uuid::Uuid::from_u128(1),
            session_date: date(23),
            rating: 6,
        }],
        total_ratings: 1,
        first: Some(6),
        latest: Some(6),
        change_since_set: Some(0),
    };
    add(
        SealedRow::GoalProgress,
        "goal-progress",
        with(1, postcard(&vec![progress])),
    );
}

fn relay_answer(seeds: &mut Seeds) {
    let table: Value = serde_json::from_str(RELAY_ANSWERS).expect("JSON");
    let calls = [
        "create_mailbox",
        "mint_post_token",
        "revoke_post_token",
        "post",
        "fetch",
    ];
    for (i, case) in table["cases"].as_array().unwrap().iter().enumerate() {
        let call = calls
            .iter()
            .position(|c| case["call"] == *c)
            .expect("a known call") as u8;
        let answer = &case["answer"];
        let status = answer["status"].as_u64().unwrap_or(0) as u16;
        let mut bytes = vec![call];
        bytes.extend_from_slice(&status.to_be_bytes());
        let headers = answer["headers"].as_object().cloned().unwrap_or_default();
        bytes.push(headers.len() as u8);
        for (name, value) in &headers {
            for text in [name.as_str(), value.as_str().unwrap()] {
                bytes.push(text.len() as u8);
                bytes.extend_from_slice(text.as_bytes());
            }
        }
        match answer["body_hex"].as_str() {
            Some(hex) => bytes.extend(
                (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()),
            ),
            None => bytes.extend_from_slice(answer["body"].as_str().unwrap_or("").as_bytes()),
        }
        seeds.add("relay_answer", format!("case-{i:02}"), bytes);
    }
    seeds.add("relay_answer", "health", vec![5, 0, 200, 0, b'{', b'}']);
}

fn relay_request(seeds: &mut Seeds) {
    let table: Value = serde_json::from_str(RELAY_ANSWERS).expect("JSON");
    // Each call of the answers table, as the device sends it to this relay.
    for case in table["cases"].as_array().unwrap() {
        let Some(request) = case.get("request") else {
            continue;
        };
        let path = request["url"]
            .as_str()
            .unwrap()
            .trim_start_matches("https://relay.example.org/base")
            .replace("mbx%2F1", "{mailbox}")
            .replace("tid-1", "{token}");
        let auth = match request["authorization"].as_str() {
            Some(a) => format!(
                "authorization: {}\n",
                a.replace("read-1", "{read}").replace("post-1", "{post}")
            ),
            None => String::new(),
        };
        let text = format!(
            "{} {path}\n{auth}\n{}",
            request["method"].as_str().unwrap(),
            request["body"].as_str().unwrap()
        );
        let name = format!("call-{}", case["call"].as_str().unwrap());
        seeds.add("relay_request", name, with(0, text));
    }
    // A day of a mailbox: post, read, prune, a second mailbox and token,
    // revoke, then the revoked token tries again; with generous and with
    // tight limits, and as from a peer.
    let day = [
        "POST /v1/mailboxes/{mailbox}/messages\nauthorization: Bearer {post}\n\nenvelope one",
        "POST /v1/mailboxes/{mailbox}/messages\nauthorization: Bearer {post}\n\nenvelope two",
        "GET /v1/mailboxes/{mailbox}/messages?after=0&limit=1\nauthorization: Bearer {read}\n",
        "DELETE /v1/mailboxes/{mailbox}/messages?through=1\nauthorization: Bearer {read}\n",
        "GET /v1/mailboxes/{mailbox}/messages\nauthorization: Bearer {read}\n",
        "DELETE /v1/mailboxes/{mailbox}/post-tokens/{token}\nauthorization: Bearer {read}\n",
    ]
    .join("\n=====\n");
    seeds.add("relay_request", "day", with(0, &day));
    seeds.add("relay_request", "day-tight", with(0b0100_0101, &day));
    let second = [
        "POST /v1/mailboxes\nx-peer: 7\n\n{}",
        "POST /v1/mailboxes/{mailbox2}/post-tokens\nauthorization: Bearer {read2}\nx-peer: 7\n",
        "POST /v1/mailboxes/{mailbox2}/messages\nauthorization: Bearer {post2}\n\nhello",
        "GET /v1/mailboxes/{mailbox2}/messages?after=0\nauthorization: bearer  {read2} \n",
        "DELETE /v1/mailboxes/{mailbox2}/post-tokens/{token2}\nauthorization: Bearer {read2}\n",
        "POST /v1/mailboxes/{mailbox2}/messages\nauthorization: Bearer {post2}\n\nagain",
    ]
    .join("\n=====\n");
    seeds.add("relay_request", "second-mailbox", with(0, &second));
    let wrong = [
        "POST /v1/mailboxes/{mailbox}/messages\nauthorization: Bearer {read}\n\nread token posts",
        "GET /v1/mailboxes/{mailbox}/messages\nauthorization: Bearer {post}\n",
        "GET /v1/health\n",
        "PUT /v1/mailboxes/{mailbox}/messages\nx-peer: 1\n",
        "HEAD /v1/mailboxes/{mailbox}/messages?after=x\nauthorization: Bearer {read}\n",
        "GET /v2/nothing\nx-peer: 1\n",
    ]
    .join("\n=====\n");
    seeds.add("relay_request", "refusals", with(0, &wrong));
    let big = format!(
        "POST /v1/mailboxes/{{mailbox}}/messages\nauthorization: Bearer {{post}}\n\n{}",
        "x".repeat(100)
    );
    seeds.add("relay_request", "too-large", with(0b0000_0010, &big));
}
