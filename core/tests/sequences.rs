//! Sequence numbers per paired device, kept for good and sealed (issue 16):
//! no false gaps from a busy therapist, a client who re-joins is heard, a
//! changed number does not open, the numbers of a schema-6 database carry
//! over, and a receipt once numbered is posted whatever comes after.

mod common;

use chrono::Duration;
use common::*;
use std::sync::atomic::{AtomicBool, Ordering};

use rapport_core::sync::{
    FetchPage, MailboxCredentials, MemoryTransport, PostToken, RelayCode, Transport, TransportError,
};
use rapport_core::{Error, Store, StoreError};

fn invite_uri(p: &mut Practice, relay: &MemoryTransport, label: &str) -> rapport_core::Invite {
    p.therapist
        .invite_client(relay, label, Duration::days(7))
        .unwrap()
}

#[test]
fn each_client_sees_its_own_numbers_without_gaps_from_a_busy_therapist() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B.", "C.D."]);
    for d in [2, 9, 16] {
        for client in &mut p.clients {
            client.record(on(day(d), draft(3, 4, None))).unwrap();
        }
    }
    for client in &mut p.clients {
        client.sync(&relay).unwrap();
    }
    // Receipts to both clients, interleaved.
    p.therapist.sync(&relay).unwrap();
    p.therapist.acknowledge_all().unwrap();
    p.therapist.sync(&relay).unwrap();
    for client in &mut p.clients {
        let report = client.sync(&relay).unwrap();
        assert_eq!(report.receipts_applied, 3, "{report}");
        assert!(report.gaps.is_empty(), "false gap: {report}");
    }
}

/// A relay that refuses the first post it is given (a full mailbox), and
/// carries everything else.
struct RefusesOnce<'a> {
    relay: &'a MemoryTransport,
    refused: AtomicBool,
}

impl<'a> RefusesOnce<'a> {
    fn new(relay: &'a MemoryTransport) -> RefusesOnce<'a> {
        RefusesOnce {
            relay,
            refused: AtomicBool::new(false),
        }
    }
}

impl Transport for RefusesOnce<'_> {
    fn create_mailbox(&self) -> Result<MailboxCredentials, TransportError> {
        self.relay.create_mailbox()
    }
    fn mint_post_token(&self, mailbox: &str, read: &str) -> Result<PostToken, TransportError> {
        self.relay.mint_post_token(mailbox, read)
    }
    fn revoke_post_token(&self, mailbox: &str, read: &str, id: &str) -> Result<(), TransportError> {
        self.relay.revoke_post_token(mailbox, read, id)
    }
    fn post(&self, mailbox: &str, token: &str, envelope: &[u8]) -> Result<u64, TransportError> {
        if self.refused.swap(true, Ordering::SeqCst) {
            return self.relay.post(mailbox, token, envelope);
        }
        Err(TransportError::Refused {
            status: 507,
            code: RelayCode::MailboxFull,
            detail: "test: the mailbox is full".into(),
        })
    }
    fn fetch(
        &self,
        mailbox: &str,
        read: &str,
        after: u64,
        limit: u32,
    ) -> Result<FetchPage, TransportError> {
        self.relay.fetch(mailbox, read, after, limit)
    }
    fn prune(&self, mailbox: &str, read: &str, through: u64) -> Result<u64, TransportError> {
        self.relay.prune(mailbox, read, through)
    }
}

/// Found by the hostile-relay model: a receipt takes its number before it
/// is posted; if the relay refuses it and a newer version of the check-in
/// arrives before the next try, the number must still go, or the client
/// waits for it for ever.
#[test]
fn a_numbered_receipt_still_goes_when_a_newer_version_arrives_first() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B."]);
    let c = p.clients[0].record(on(day(2), draft(3, 4, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    p.therapist.acknowledge_all().unwrap();
    // The receipt of version 1 takes number 1; the relay refuses it.
    let report = p.therapist.sync(&RefusesOnce::new(&relay)).unwrap();
    assert_eq!(report.sent, 0, "{report}");
    // The client edits; the therapist's next sync is refused again before
    // it fetches version 2.
    p.clients[0]
        .edit(c.id, on(day(2), draft(5, 5, None)))
        .unwrap();
    p.clients[0].sync(&relay).unwrap();
    let report = p.therapist.sync(&RefusesOnce::new(&relay)).unwrap();
    assert_eq!((report.sent, report.received), (0, 1), "{report}");
    p.therapist.acknowledge_all().unwrap();
    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!(
        report.sent, 2,
        "version 1's receipt, then version 2's: {report}"
    );
    let report = p.clients[0].sync(&relay).unwrap();
    assert!(report.gaps.is_empty(), "false gap: {report}");
    let seen = p.clients[0].all_checkins().unwrap();
    assert_eq!((seen[0].version, seen[0].seen_at.is_some()), (2, true));
}

/// The same for a pause notice: numbered, refused, then replaced by a
/// resume before the next try. Both go, in order; the therapist waits for
/// nothing and ends up with the resume.
#[test]
fn a_numbered_pause_notice_still_goes_when_a_resume_replaces_it() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B."]);
    let device = p.clients[0].device_identity().unwrap().device_id();
    p.clients[0].record(on(day(2), draft(3, 4, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.clients[0].pause_sharing().unwrap();
    let refused = p.clients[0].sync(&RefusesOnce::new(&relay));
    assert!(matches!(refused, Err(Error::Transport(_))), "{refused:?}");
    p.clients[0].resume_sharing(false).unwrap();
    let report = p.clients[0].sync(&relay).unwrap();
    assert!(report.sharing_notice_sent, "{report}");
    let report = p.therapist.sync(&relay).unwrap();
    assert!(report.gaps.is_empty(), "false gap: {report}");
    assert_eq!(p.therapist.client_paused_since(&device).unwrap(), None);
}

/// A leave posts a pause notice already numbered before the leave itself.
#[test]
fn a_leave_takes_a_numbered_pause_notice_with_it() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B."]);
    p.clients[0].pause_sharing().unwrap();
    let refused = p.clients[0].sync(&RefusesOnce::new(&relay));
    assert!(matches!(refused, Err(Error::Transport(_))), "{refused:?}");
    p.clients[0].leave_therapist(&relay).unwrap();
    let report = p.therapist.sync(&relay).unwrap();
    assert!(report.gaps.is_empty(), "false gap: {report}");
    assert_eq!(report.left.len(), 1, "{report}");
}

/// And for replies: a version numbered and refused still goes when the
/// therapist rewrites it, or when the client deletes the check-in it
/// answers, before the next try.
#[test]
fn a_numbered_reply_still_goes_when_rewritten_or_its_check_in_deleted() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B."]);
    let kept = p.clients[0].record(on(day(2), draft(3, 4, None))).unwrap();
    let deleted = p.clients[0].record(on(day(1), draft(2, 2, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    p.therapist
        .reply_to_checkin(kept.id, "first words")
        .unwrap();
    let report = p.therapist.sync(&RefusesOnce::new(&relay)).unwrap();
    assert_eq!(report.sent, 0, "{report}");
    p.therapist
        .reply_to_checkin(kept.id, "better words")
        .unwrap();
    p.therapist.sync(&relay).unwrap();
    let report = p.clients[0].sync(&relay).unwrap();
    assert!(
        report.gaps.is_empty(),
        "false gap after a rewrite: {report}"
    );
    let reply = p.clients[0].reply_for(kept.id).unwrap().unwrap();
    assert_eq!((reply.text.as_str(), reply.version), ("better words", 2));

    // Numbered and refused; then the client deletes the check-in, and the
    // therapist learns it in a sync whose posts are refused again.
    let reply = p.therapist.reply_to_checkin(deleted.id, "about that day");
    // An older session's check-in: the newer one closed it for replies.
    assert!(matches!(reply, Err(Error::ReplyClosed)), "{reply:?}");
    let newest = p.clients[0].record(on(day(9), draft(4, 4, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    p.therapist
        .reply_to_checkin(newest.id, "see you soon")
        .unwrap();
    let report = p.therapist.sync(&RefusesOnce::new(&relay)).unwrap();
    assert_eq!(report.sent, 0, "{report}");
    p.clients[0].delete(newest.id).unwrap();
    p.clients[0].sync(&relay).unwrap();
    let report = p.therapist.sync(&RefusesOnce::new(&relay)).unwrap();
    assert_eq!((report.sent, report.received), (0, 1), "{report}");
    p.therapist.sync(&relay).unwrap();
    let report = p.clients[0].sync(&relay).unwrap();
    assert!(report.gaps.is_empty(), "false gap after a delete: {report}");
    assert!(p.clients[0].reply_for(newest.id).unwrap().is_none());
}

#[test]
fn a_client_who_leaves_and_joins_the_same_therapist_again_is_heard() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B."]);
    p.clients[0].record(on(day(2), draft(3, 3, None))).unwrap();
    p.clients[0].record(on(day(9), draft(3, 4, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    p.clients[0].leave_therapist(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();

    let invite = invite_uri(&mut p, &relay, "A.B. again");
    p.clients[0]
        .client_join(
            &relay,
            &invite.to_uri(),
            rapport_core::model::Consent::CURRENT_VERSION,
        )
        .unwrap();
    p.clients[0].record(on(day(16), draft(5, 5, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!(report.paired, ["A.B. again"], "{report}");
    assert_eq!(report.duplicates, 0, "{report}");
    assert!(report.quarantined.is_empty(), "{report}");
    let dashboard = p.therapist.dashboard().unwrap();
    assert_eq!(dashboard.len(), 1);
    let dates: Vec<_> = dashboard[0]
        .checkins
        .iter()
        .map(|c| c.body.session_date)
        .collect();
    assert!(dates.contains(&day(16)), "{dates:?}");
    // The pairing is live again: a receipt reaches the client.
    p.therapist.acknowledge_all().unwrap();
    p.therapist.sync(&relay).unwrap();
    let report = p.clients[0].sync(&relay).unwrap();
    assert!(report.receipts_applied >= 1, "{report}");
    assert!(report.gaps.is_empty(), "{report}");
}

#[test]
fn a_changed_sequence_row_does_not_open() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B.", "C.D."]);
    for client in &mut p.clients {
        client.record(on(day(2), draft(3, 3, None))).unwrap();
        client.sync(&relay).unwrap();
    }
    p.therapist.sync(&relay).unwrap();
    let path = p.therapist.path().to_owned();
    drop(std::mem::replace(
        &mut p.therapist,
        Store::open_with(
            p.dir.path().join("other.db"),
            passphrase("x"),
            options(p.clock.clone()),
        )
        .unwrap(),
    ));
    // Swap the two clients' sealed numbers: each is bound to its device.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let rows: Vec<(String, Vec<u8>)> = conn
            .prepare("SELECT device_id, sealed FROM sequences ORDER BY device_id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(rows.len() >= 2, "{rows:?}");
        conn.execute(
            "UPDATE sequences SET sealed = ?2 WHERE device_id = ?1",
            rusqlite::params![rows[0].0, rows[1].1],
        )
        .unwrap();
    }
    let therapist = open(&path, passphrase("t"));
    let err = therapist.known_senders().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Store(StoreError::Tampered {
                table: "sequences",
                ..
            })
        ),
        "{err:?}"
    );
}

#[test]
fn the_schema_v6_fixtures_keep_their_numbers_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let copy = |name: &str| fixture(dir.path(), name);
    let therapist_path = copy("schema-v6-therapist.db");
    let client_path = copy("schema-v6-client.db");
    let mut therapist = open(&therapist_path, fixture_key());
    let mut client = open(&client_path, fixture_key());
    let client_id = client.device_identity().unwrap().device_id();
    let known = therapist.known_sender(&client_id).unwrap().unwrap();
    assert_eq!(
        known.last_seq, 5,
        "the fixture accepted 1..=5 from its client"
    );
    let therapist_id = therapist.device_identity().unwrap().device_id();
    assert_eq!(
        client
            .known_sender(&therapist_id)
            .unwrap()
            .unwrap()
            .last_seq,
        1
    );
    drop(therapist);
    drop(client);
    // Nothing is left in cleartext.
    for path in [&therapist_path, &client_path] {
        let conn = rusqlite::Connection::open(path).unwrap();
        let (seen, last, next): (i64, i64, i64) = conn
            .query_row(
                "SELECT (SELECT count(*) FROM peer_seen),
                        (SELECT coalesce(max(last_seq), 0) FROM peers),
                        (SELECT next_seq FROM account)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((seen, last, next), (0, 0, 1), "{}", path.display());
    }
}

#[test]
fn the_schema_v8_fixtures_keep_a_numbered_receipt_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let copy = |name: &str| fixture(dir.path(), name);
    let therapist_path = copy("schema-v8-therapist.db");
    let client_path = copy("schema-v8-client.db");
    let reserved = |path: &std::path::Path| -> (i64, i64, i64) {
        rusqlite::Connection::open(path)
            .unwrap()
            .query_row(
                "SELECT (SELECT user_version FROM pragma_user_version),
                        receipt_seq, version FROM received WHERE receipt_seq IS NOT NULL",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
    };
    // The fixture's relay refused the first receipt after it was numbered.
    let (version, seq, record_version) = reserved(&therapist_path);
    assert_eq!(version, 8);
    let therapist = open(&therapist_path, fixture_key());
    let client = open(&client_path, fixture_key());
    let dashboard = therapist.dashboard().unwrap();
    assert_eq!(dashboard[0].checkins.len(), 2);
    assert_eq!(client.all_checkins().unwrap().len(), 2);
    assert_eq!(client.goals().unwrap().len(), 1);
    drop(therapist);
    drop(client);
    let conn = rusqlite::Connection::open(&therapist_path).unwrap();
    let due: Vec<(i64, i64)> = conn
        .prepare("SELECT seq, version FROM receipts_due")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(due, [(seq, record_version)], "the numbered receipt waits");
    let (unnumbered, reserved): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM received WHERE receipt_sent = 0),
                    (SELECT count(*) FROM received WHERE receipt_seq IS NOT NULL)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    // The other acknowledged check-in's receipt is numbered on the next sync.
    assert_eq!((unnumbered, reserved), (1, 0));
}

#[test]
fn a_therapist_restored_from_a_kit_revokes_the_clients_relay_token() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &[]);
    let invite = invite_uri(&mut p, &relay, "A.B.");
    let mut client = Store::open_with(
        p.dir.path().join("c.db"),
        passphrase("c"),
        options(p.clock.clone()),
    )
    .unwrap();
    client
        .client_join(
            &relay,
            &invite.to_uri(),
            rapport_core::model::Consent::CURRENT_VERSION,
        )
        .unwrap();
    p.therapist.sync(&relay).unwrap();
    let kit_words = rapport_core::Passphrase::new("kit words").with_work_factor(TEST_WORK_FACTOR);
    let kit = p.therapist.recovery_kit(&kit_words).unwrap();
    let mut restored = Store::restore_from_kit(
        p.dir.path().join("restored.db"),
        passphrase("new"),
        options(p.clock.clone()),
        &kit,
        &kit_words,
    )
    .unwrap();
    restored.sync(&relay).unwrap();
    // The invite's token still posts before the revoke.
    relay
        .post(&invite.mailbox_id, &invite.post_token, b"probe")
        .unwrap();
    restored.revoke_client(&relay, "A.B.").unwrap();
    let err = relay
        .post(&invite.mailbox_id, &invite.post_token, b"probe")
        .unwrap_err();
    assert!(
        matches!(
            err,
            rapport_core::sync::TransportError::Refused { status: 403, .. }
        ),
        "{err:?}"
    );
}
