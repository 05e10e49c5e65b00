//! The therapist's short reply to a check-in, end to end over the in-memory
//! relay: it reaches the client beside the right check-in, rewrites replace
//! it, it closes once the client checks in again, it is never readable at
//! rest or on the relay, and a damaged one is quarantined.

mod common;

use chrono::NaiveDate;
use common::*;
use rapport_core::envelope::{self, Message, MessageKind};
use rapport_core::sync::{Faults, MemoryTransport, REPLY_MAX_CHARS, ReplyBody, Role, Transport};
use rapport_core::{Error, QuarantineKind, Store, StoreError};
use uuid::Uuid;

/// One therapist and one client, as `common::practice` pairs them.
fn practice(relay: &dyn Transport) -> Practice {
    common::practice(relay, &["R"])
}

/// The client checks in for `date`, and both sides sync.
fn check_in(p: &mut Practice, relay: &dyn Transport, date: NaiveDate) -> Uuid {
    let id = p.clients[0].record(on(date, draft(3, 3, None))).unwrap().id;
    p.clients[0].sync(relay).unwrap();
    p.therapist.sync(relay).unwrap();
    id
}

/// The therapist syncs, then the client.
fn deliver(p: &mut Practice, relay: &dyn Transport) -> u32 {
    p.therapist.sync(relay).unwrap();
    p.clients[0].sync(relay).unwrap().replies_received
}

#[test]
fn a_reply_reaches_the_client_under_the_check_in_it_answers() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay);
    let first = check_in(&mut p, &relay, day(16));
    let second = p.clients[0]
        .record(on(day(16), draft(4, 4, None)))
        .unwrap()
        .id;
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();

    let written = p
        .therapist
        .reply_to_checkin(
            first,
            "  Thank you for saying so. Let's start there next week.\n",
        )
        .unwrap();
    assert_eq!(
        written.text,
        "Thank you for saying so. Let's start there next week."
    );
    assert_eq!((written.version, written.editable), (1, true));
    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!(report.sent, 1, "{report}");

    let report = p.clients[0].sync(&relay).unwrap();
    assert_eq!(report.replies_received, 1, "{report}");
    let replies = p.clients[0].replies().unwrap();
    assert_eq!(replies.len(), 1);
    let got = &replies[&first];
    assert_eq!(got.text, written.text);
    assert_eq!((got.version, got.written_at), (1, written.written_at));
    assert!(
        !got.editable,
        "a client cannot change the therapist's reply"
    );
    assert_eq!(p.clients[0].reply_for(first).unwrap().as_ref(), Some(got));
    assert_eq!(p.clients[0].reply_for(second).unwrap(), None);

    // The therapist's dashboard carries it beside the same check-in.
    let dashboard = p.therapist.dashboard().unwrap();
    let checkins = &dashboard[0].checkins;
    let answered = checkins.iter().find(|c| c.record_id == first).unwrap();
    assert_eq!(answered.reply.as_ref().unwrap().text, written.text);
    assert!(answered.reply.as_ref().unwrap().editable);
    let other = checkins.iter().find(|c| c.record_id == second).unwrap();
    assert!(other.reply.is_none());

    // Syncing again sends and applies nothing more.
    assert_eq!(p.therapist.sync(&relay).unwrap().sent, 0);
    assert_eq!(p.clients[0].sync(&relay).unwrap().replies_received, 0);
}

#[test]
fn a_rewrite_replaces_the_reply_and_the_client_keeps_the_newest_even_out_of_order() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay);
    let id = check_in(&mut p, &relay, day(16));

    // Rewritten before any sync: only the last version goes out.
    p.therapist.reply_to_checkin(id, "first draft").unwrap();
    let v2 = p.therapist.reply_to_checkin(id, "second draft").unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(p.therapist.sync(&relay).unwrap().sent, 1);
    assert_eq!(p.clients[0].sync(&relay).unwrap().replies_received, 1);
    assert_eq!(
        p.clients[0].reply_for(id).unwrap().unwrap().text,
        "second draft"
    );

    // Version 3 is held back by the relay and published after version 4.
    p.therapist.reply_to_checkin(id, "third").unwrap();
    relay.set_faults(Faults {
        delay: 1.0,
        ..Faults::default()
    });
    p.therapist.sync(&relay).unwrap();
    relay.set_faults(Faults::default());
    p.therapist
        .reply_to_checkin(id, "fourth and final")
        .unwrap();
    p.therapist.sync(&relay).unwrap();
    let report = p.clients[0].sync(&relay).unwrap();
    assert_eq!(report.replies_received, 1, "{report}");
    assert_eq!(report.duplicates, 1, "the late version 3 changes nothing");
    let reply = p.clients[0].reply_for(id).unwrap().unwrap();
    assert_eq!(
        (reply.text.as_str(), reply.version),
        ("fourth and final", 4)
    );
    assert_eq!(p.clients[0].replies().unwrap().len(), 1);
    assert_eq!(
        p.therapist.reply_for(id).unwrap().unwrap().text,
        "fourth and final"
    );
}

#[test]
fn a_reply_is_at_most_280_characters_not_empty_and_without_control_characters() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay);
    let id = check_in(&mut p, &relay, day(16));

    let too_long = "a".repeat(REPLY_MAX_CHARS + 1);
    match p.therapist.reply_to_checkin(id, &too_long).unwrap_err() {
        Error::ReplyTooLong { max, given } => assert_eq!((max, given), (280, 281)),
        other => panic!("expected ReplyTooLong, got {other:?}"),
    }
    // Emoji take four bytes but count as one character each.
    let hearts = "💛".repeat(REPLY_MAX_CHARS);
    assert_eq!(
        p.therapist.reply_to_checkin(id, &hearts).unwrap().version,
        1
    );
    assert!(matches!(
        p.therapist
            .reply_to_checkin(id, &format!("{hearts}💛"))
            .unwrap_err(),
        Error::ReplyTooLong { given: 281, .. }
    ));
    let exactly = "b".repeat(REPLY_MAX_CHARS);
    assert_eq!(
        p.therapist.reply_to_checkin(id, &exactly).unwrap().version,
        2
    );

    for empty in ["", "   ", "\n\n"] {
        let e = p.therapist.reply_to_checkin(id, empty).unwrap_err();
        assert!(matches!(e, Error::EmptyReply), "{empty:?}: {e:?}");
        assert_eq!(e.code(), "empty_reply");
    }
    let e = p
        .therapist
        .reply_to_checkin(id, "see you \u{1b}[31mTuesday")
        .unwrap_err();
    assert!(
        matches!(e, Error::ReplyControlCharacter { position: 9 }),
        "{e:?}"
    );
    assert!(e.to_string().contains("line breaks are fine"), "{e}");
    // Refused replies changed nothing.
    assert_eq!(p.therapist.reply_for(id).unwrap().unwrap().text, exactly);
}

#[test]
fn a_reply_closes_once_the_client_checks_in_for_a_later_session() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay);
    let first = check_in(&mut p, &relay, day(9));
    p.therapist
        .reply_to_checkin(first, "Noted, thank you.")
        .unwrap();
    p.therapist
        .reply_to_checkin(first, "Noted, thanks.")
        .unwrap();

    p.clock
        .set(day(16).and_hms_opt(19, 0, 0).unwrap().and_utc());
    let next = check_in(&mut p, &relay, day(16));
    let e = p
        .therapist
        .reply_to_checkin(first, "One more thought")
        .unwrap_err();
    assert!(matches!(e, Error::ReplyClosed), "{e:?}");
    assert_eq!(e.code(), "reply_closed");
    assert!(e.to_string().contains("latest check-in"), "{e}");
    let closed = p.therapist.reply_for(first).unwrap().unwrap();
    assert_eq!(
        (closed.text.as_str(), closed.editable),
        ("Noted, thanks.", false)
    );
    let dashboard = p.therapist.dashboard().unwrap();
    let row = |id| {
        dashboard[0]
            .checkins
            .iter()
            .find(|c| c.record_id == id)
            .unwrap()
    };
    assert!(!row(first).reply.as_ref().unwrap().editable);
    // The reply written before it closed still goes out.
    assert_eq!(deliver(&mut p, &relay), 1);
    assert_eq!(
        p.clients[0].reply_for(first).unwrap().unwrap().text,
        "Noted, thanks."
    );

    // The latest check-in is open.
    assert!(
        p.therapist
            .reply_to_checkin(next, "Glad to hear it.")
            .unwrap()
            .editable
    );
    assert!(p.therapist.replies().unwrap()[&next].editable);
}

#[test]
fn only_a_therapist_replies_and_only_to_a_check_in_it_holds() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay);
    let id = check_in(&mut p, &relay, day(16));
    match p.clients[0].reply_to_checkin(id, "hello").unwrap_err() {
        Error::WrongRole { expected, actual } => {
            assert_eq!((expected, actual), (Role::Therapist, Role::Client));
        }
        other => panic!("expected WrongRole, got {other:?}"),
    }
    let unknown = Uuid::now_v7();
    let e = p.therapist.reply_to_checkin(unknown, "hello").unwrap_err();
    assert!(
        matches!(e, Error::Store(StoreError::CheckInNotFound { id }) if id == unknown),
        "{e:?}"
    );
    assert_eq!(e.code(), "checkin_not_found");
}

#[test]
fn deleting_a_check_in_takes_its_reply_on_both_sides() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay);
    let kept = check_in(&mut p, &relay, day(16));
    let doomed = p.clients[0]
        .record(on(day(16), draft(1, 1, None)))
        .unwrap()
        .id;
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    p.therapist.reply_to_checkin(kept, "kept reply").unwrap();
    p.therapist
        .reply_to_checkin(doomed, "doomed reply")
        .unwrap();
    assert_eq!(deliver(&mut p, &relay), 2);

    p.clients[0].delete(doomed).unwrap();
    assert_eq!(p.clients[0].replies().unwrap().len(), 1);
    assert_eq!(p.clients[0].reply_for(doomed).unwrap(), None);
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    assert_eq!(p.therapist.reply_for(doomed).unwrap(), None);
    assert!(matches!(
        p.therapist.reply_to_checkin(doomed, "again").unwrap_err(),
        Error::Store(StoreError::CheckInNotFound { .. })
    ));
    assert_eq!(
        p.therapist.reply_for(kept).unwrap().unwrap().text,
        "kept reply"
    );
}

#[test]
fn an_erase_removes_the_replies_from_both_homes() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay);
    let id = check_in(&mut p, &relay, day(16));
    p.therapist
        .reply_to_checkin(id, "a reply to erase")
        .unwrap();
    assert_eq!(deliver(&mut p, &relay), 1);

    assert!(!p.clients[0].erase_everything().unwrap());
    assert!(p.clients[0].replies().unwrap().is_empty());
    assert!(p.clients[0].sync(&relay).unwrap().erased);
    p.therapist.sync(&relay).unwrap();
    assert!(p.therapist.replies().unwrap().is_empty());
}

/// Every envelope the relay holds, in every mailbox these stores read.
fn relay_bytes(relay: &dyn Transport, stores: &[&Store]) -> Vec<Vec<u8>> {
    stores
        .iter()
        .flat_map(|store| {
            let account = store.account().unwrap().unwrap();
            relay
                .fetch(&account.mailbox_id, &account.read_token, 0, 1000)
                .unwrap()
                .messages
                .into_iter()
                .map(|m| m.body)
        })
        .collect()
}

#[test]
fn a_reply_is_never_readable_at_rest_or_on_the_relay() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay);
    let id = check_in(&mut p, &relay, day(16));
    let markers: Vec<String> = (0..3).map(|i| format!("REPLY-MARKER-k3Jw-{i}")).collect();
    for marker in &markers {
        p.therapist.reply_to_checkin(id, marker).unwrap();
        assert_eq!(deliver(&mut p, &relay), 1);
    }
    assert_eq!(
        p.clients[0].reply_for(id).unwrap().unwrap().text,
        markers[2]
    );

    let mut blobs: Vec<(String, Vec<u8>)> = all_bytes(p.dir.path());
    assert!(blobs.iter().any(|(name, _)| name.ends_with("-wal")));
    blobs.extend(
        relay_bytes(&relay, &[&p.therapist, &p.clients[0]])
            .into_iter()
            .map(|b| ("relay".to_owned(), b)),
    );
    let Practice {
        dir,
        therapist,
        clients,
        ..
    } = p;
    drop((therapist, clients));
    blobs.extend(all_bytes(dir.path()));
    for (name, bytes) in &blobs {
        assert!(
            !contains(bytes, b"REPLY-MARKER-k3Jw"),
            "a reply is readable in {name}"
        );
    }
}

#[test]
fn a_malformed_reply_is_quarantined_not_applied() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay);
    let id = check_in(&mut p, &relay, day(16));
    let therapist = p.therapist.device_identity().unwrap();
    let (client, _) = p.therapist.peers().unwrap().remove(0);
    let forge = |seq: u64, body: Vec<u8>| {
        let message = Message {
            kind: MessageKind::Reply,
            sender: therapist.device_id(),
            seq,
            record_id: id,
            record_version: 1,
            sent_at: chrono::Utc::now(),
            body,
        };
        envelope::seal(
            &therapist,
            message,
            &client.mailbox_id,
            &client.card.age_recipient,
        )
        .unwrap()
    };
    let bodies = [
        b"not a reply body".to_vec(),
        postcard::to_allocvec(&ReplyBody {
            text: "x".repeat(REPLY_MAX_CHARS + 1),
            written_at: chrono::Utc::now(),
        })
        .unwrap(),
        postcard::to_allocvec(&ReplyBody {
            text: "clear the screen \u{1b}[2J".into(),
            written_at: chrono::Utc::now(),
        })
        .unwrap(),
    ];
    for (i, body) in bodies.into_iter().enumerate() {
        relay.inject(&client.mailbox_id, forge(100 + i as u64, body));
    }
    let report = p.clients[0].sync(&relay).unwrap();
    assert_eq!(report.quarantined.len(), 3, "{report}");
    assert!(
        report
            .quarantined
            .iter()
            .all(|q| q.reason == QuarantineKind::Malformed)
    );
    assert_eq!(report.replies_received, 0);
    assert!(p.clients[0].replies().unwrap().is_empty());
}
