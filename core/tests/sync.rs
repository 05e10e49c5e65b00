//! Sync between a therapist and clients through an in-memory relay.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Days, Duration};
use common::*;
use proptest::prelude::*;
use rapport_core::model::Consent;
use rapport_core::sync::{Faults, MemoryTransport, Transport};
use rapport_core::{ManualClock, Note, NoteVisibility, QuarantineKind, Store};

struct Practice {
    _dir: tempfile::TempDir,
    _clock: Arc<ManualClock>,
    therapist: Store,
    clients: Vec<Store>,
}

fn practice(relay: &dyn Transport, labels: &[&str]) -> Practice {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut therapist = Store::open_with(
        dir.path().join("t.db"),
        passphrase("t"),
        options(clock.clone()),
    )
    .unwrap();
    therapist
        .therapist_init(relay, "https://relay.example.org", "Dr. Example")
        .unwrap();
    let mut clients = Vec::new();
    for (i, label) in labels.iter().enumerate() {
        let invite = therapist
            .invite_client(relay, label, Duration::days(7))
            .unwrap();
        let mut client = Store::open_with(
            dir.path().join(format!("c{i}.db")),
            passphrase("c"),
            options(clock.clone()),
        )
        .unwrap();
        client
            .client_join(relay, &invite.to_uri(), Consent::CURRENT_VERSION)
            .unwrap();
        clients.push(client);
    }
    Practice {
        _dir: dir,
        _clock: clock,
        therapist,
        clients,
    }
}

/// What the therapist shows for each label: (session date, heard, hopeful, note, seen).
type View = BTreeMap<String, Vec<(String, u8, u8, Option<String>, bool)>>;

fn therapist_view(therapist: &Store) -> View {
    therapist
        .dashboard()
        .unwrap()
        .into_iter()
        .map(|c| {
            let mut rows: Vec<_> = c
                .checkins
                .into_iter()
                .map(|r| {
                    (
                        r.body.session_date.to_string(),
                        r.body.answers["heard"],
                        r.body.answers["hopeful"],
                        r.body.shared_note,
                        r.seen,
                    )
                })
                .collect();
            rows.sort();
            (c.label, rows)
        })
        .collect()
}

#[test]
fn three_clients_pair_send_and_learn_they_were_seen() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B.", "C.D.", "E.F."]);
    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!(report.paired, vec!["A.B.", "C.D.", "E.F."]);

    for (i, client) in p.clients.iter_mut().enumerate() {
        let mut d = draft(1 + i as u8, 2 + i as u8, Some(&format!("shared note {i}")));
        client.record(d.clone()).unwrap();
        d.session_date = today() - Days::new(7);
        d.note = Some(Note {
            text: format!("private thought {i}"),
            visibility: NoteVisibility::Private,
        });
        client.record(d).unwrap();
        let report = client.sync(&relay).unwrap();
        assert_eq!(report.sent, 2, "{report}");
    }
    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!((report.received, report.applied), (6, 6), "{report}");
    assert!(report.quarantined.is_empty() && report.gaps.is_empty());

    let view = therapist_view(&p.therapist);
    assert_eq!(view.len(), 3);
    let ab = &view["A.B."];
    assert_eq!(ab.len(), 2);
    assert_eq!(
        ab[1],
        (
            today().to_string(),
            1,
            2,
            Some("shared note 0".into()),
            false
        )
    );
    // The private note never left the phone.
    assert_eq!(ab[0].3, None);

    assert_eq!(p.therapist.acknowledge_all().unwrap(), 6);
    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!(report.sent, 6);
    for client in &mut p.clients {
        let report = client.sync(&relay).unwrap();
        assert_eq!(report.receipts_applied, 2, "{report}");
        let history = client.history(None, 10).unwrap().checkins;
        assert!(history.iter().all(|c| c.seen_at.is_some()));
    }
    // An edit is a new version: not seen until acknowledged again.
    let first = p.clients[0].history(None, 1).unwrap().checkins[0].clone();
    p.clients[0].edit(first.id, draft(5, 5, None)).unwrap();
    assert!(
        p.clients[0].history(None, 1).unwrap().checkins[0]
            .seen_at
            .is_none()
    );
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    let view = therapist_view(&p.therapist);
    assert_eq!(view["A.B."][1], (today().to_string(), 5, 5, None, false));
}

#[test]
fn deletes_reach_the_therapist_and_stale_versions_never_win() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["X"]);
    p.therapist.sync(&relay).unwrap();
    let c = &mut p.clients[0];
    let a = c.record(draft(2, 2, None)).unwrap();
    let b = c
        .record(on(today() - Days::new(1), draft(3, 3, None)))
        .unwrap();
    c.edit(a.id, draft(4, 4, None)).unwrap();
    c.delete(b.id).unwrap();
    let report = c.sync(&relay).unwrap();
    // Only the latest state of each record goes out: a v2 and b's tombstone;
    // a v1 and b v1 were replaced before they were ever sent.
    assert_eq!((report.sent, report.superseded), (2, 2), "{report}");
    p.therapist.sync(&relay).unwrap();
    assert_eq!(
        therapist_view(&p.therapist)["X"],
        vec![(today().to_string(), 4, 4, None, false)]
    );
    // The deletion is not a check-in waiting to be read.
    let unseen = |t: &Store| t.insights().unwrap()[0].unseen;
    assert_eq!(unseen(&p.therapist), 1);
    assert_eq!(p.therapist.acknowledge_all().unwrap(), 1);
    assert_eq!(unseen(&p.therapist), 0);
}

#[test]
fn random_bytes_posted_with_a_valid_token_are_quarantined_not_applied() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["Q"]);
    let account = p.therapist.account().unwrap().unwrap();
    relay.inject(
        &account.mailbox_id,
        b"age-encryption.org/v1\n-> X25519 junk\n".to_vec(),
    );
    relay.inject(&account.mailbox_id, vec![0xde; 500]);
    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!(report.paired, vec!["Q"]);
    let kinds: Vec<_> = report.quarantined.iter().map(|q| q.reason).collect();
    assert_eq!(
        kinds,
        [QuarantineKind::BadHeader, QuarantineKind::BadHeader],
        "{report}"
    );
    // A second sync does not see them again (the cursor moved with the apply).
    let again = p.therapist.sync(&relay).unwrap();
    assert_eq!((again.received, again.quarantined.len()), (0, 0));
}

#[test]
fn a_failed_post_keeps_the_checkin_queued_and_a_lost_answer_does_not_duplicate_it() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["R"]);
    p.therapist.sync(&relay).unwrap();
    p.clients[0].record(draft(3, 4, None)).unwrap();
    // Every post is stored, but its answer is lost.
    relay.set_faults(Faults {
        fail_after_store: 1.0,
        ..Faults::default()
    });
    assert!(p.clients[0].sync(&relay).is_err());
    assert_eq!(p.clients[0].pending_outbox(10).unwrap().len(), 1);
    // Later the answer gets through: the very same envelope goes again.
    relay.set_faults(Faults::default());
    let report = p.clients[0].sync(&relay).unwrap();
    assert_eq!(report.sent, 1);
    assert!(p.clients[0].pending_outbox(10).unwrap().is_empty());
    // The therapist applies it once and counts the copy as a duplicate.
    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!(
        (report.received, report.applied, report.duplicates),
        (2, 1, 1),
        "{report}"
    );
    assert!(report.quarantined.is_empty() && report.gaps.is_empty());
}

#[derive(Debug, Clone)]
enum Op {
    Record(u8, u8, u8),
    Edit(usize, u8, u8),
    Delete(usize),
    ClientSync,
    TherapistSync,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1u8..=5, 1u8..=5, 0u8..20).prop_map(|(h, o, d)| Op::Record(h, o, d)),
        2 => (any::<usize>(), 1u8..=5, 1u8..=5).prop_map(|(i, h, o)| Op::Edit(i, h, o)),
        1 => any::<usize>().prop_map(Op::Delete),
        2 => Just(Op::ClientSync),
        1 => Just(Op::TherapistSync),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Duplicated, delayed (reordered) and failed posts, retried, with edits
    /// and deletes in between: the therapist always ends with the client's
    /// final state.
    #[test]
    fn the_therapist_converges_to_the_clients_final_state(
        ops in prop::collection::vec(op(), 1..30),
        seed in any::<u64>(),
        fail in 0.0f64..0.4,
        duplicate in 0.0f64..0.4,
        delay in 0.0f64..0.4,
    ) {
        // Pairing goes through cleanly; the faults hit everything after it.
        let relay = MemoryTransport::with_faults(Faults::default(), seed);
        let mut p = practice(&relay, &["P"]);
        p.therapist.sync(&relay).unwrap();
        relay.set_faults(Faults { fail_before_store: fail / 2.0, fail_after_store: fail / 2.0, duplicate, delay });
        let mut ids = Vec::new();
        for op in ops {
            let c = &mut p.clients[0];
            match op {
                Op::Record(h, o, d) => ids.push(c.record(on(today() - Days::new(d.into()), draft(h, o, None))).unwrap().id),
                Op::Edit(i, h, o) if !ids.is_empty() => { let _ = c.edit(ids[i % ids.len()], draft(h, o, None)); }
                Op::Delete(i) if !ids.is_empty() => { c.delete(ids[i % ids.len()]).unwrap(); }
                Op::ClientSync => { let _ = c.sync(&relay); }
                Op::TherapistSync => { let _ = p.therapist.sync(&relay); }
                _ => {}
            }
        }
        // Retry until everything is through, then let the relay catch up.
        for _ in 0..200 {
            if p.clients[0].sync(&relay).is_ok() && p.clients[0].pending_outbox(1).unwrap().is_empty() {
                break;
            }
        }
        prop_assert!(p.clients[0].pending_outbox(1).unwrap().is_empty(), "outbox never drained");
        relay.flush_delayed();
        let mut report = None;
        for _ in 0..50 {
            if let Ok(r) = p.therapist.sync(&relay) { report = Some(r); break; }
        }
        let report = report.expect("therapist sync");
        prop_assert!(report.quarantined.is_empty(), "{}", report);

        let mut expected: Vec<_> = p.clients[0].history(None, 1000).unwrap().checkins.into_iter()
            .map(|c| (c.session_date.to_string(), c.answers["heard"], c.answers["hopeful"], None, false))
            .collect();
        expected.sort();
        let view = therapist_view(&p.therapist);
        prop_assert_eq!(view.get("P").cloned().unwrap_or_default(), expected);
    }
}

#[test]
fn a_home_restored_from_a_recovery_kit_shows_the_same_dashboard_after_one_sync() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B.", "C.D."]);
    p.therapist.sync(&relay).unwrap();
    for client in &mut p.clients {
        client.record(draft(2, 3, Some("shared"))).unwrap();
        client.sync(&relay).unwrap();
    }
    p.therapist.sync(&relay).unwrap();
    p.therapist.acknowledge_all().unwrap();
    p.therapist.sync(&relay).unwrap();
    p.clients[1]
        .record(on(today() - Days::new(2), draft(4, 4, None)))
        .unwrap();
    p.clients[1].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();

    let kit_passphrase =
        rapport_core::Passphrase::new("kit words").with_work_factor(TEST_WORK_FACTOR);
    let kit = p.therapist.recovery_kit(&kit_passphrase).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let wrong =
        rapport_core::Passphrase::new("not the kit words").with_work_factor(TEST_WORK_FACTOR);
    let err = Store::restore_from_kit(
        dir.path().join("new.db"),
        passphrase("new"),
        options(clock()),
        &kit,
        &wrong,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            rapport_core::Error::Key(rapport_core::KeyError::WrongPassphrase)
        ),
        "{err:?}"
    );

    let mut restored = Store::restore_from_kit(
        dir.path().join("new.db"),
        passphrase("new"),
        options(clock()),
        &kit,
        &kit_passphrase,
    )
    .unwrap();
    let report = restored.sync(&relay).unwrap();
    assert!(report.quarantined.is_empty(), "{report}");
    assert_eq!(therapist_view(&restored), therapist_view(&p.therapist));
    // The restored device carries on: a new check-in arrives, a receipt goes out
    // and the client accepts it (no replay of the old sequence numbers).
    p.clients[0]
        .record(on(today() - Days::new(1), draft(5, 5, None)))
        .unwrap();
    p.clients[0].sync(&relay).unwrap();
    restored.sync(&relay).unwrap();
    restored.acknowledge_all().unwrap();
    restored.sync(&relay).unwrap();
    let report = p.clients[0].sync(&relay).unwrap();
    assert_eq!(report.receipts_applied, 1, "{report}");
    assert!(
        report.quarantined.is_empty() && report.duplicates == 0,
        "{report}"
    );
}
