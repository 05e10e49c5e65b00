//! The relay's lifecycle (issue 16): each side prunes what it applied, a
//! therapist checkpoints itself first, and a device restored from the kit
//! after a year of pruning shows the identical practice.

mod common;

use chrono::{Days, Duration};
use common::*;
use rapport_core::sync::{CHECKPOINT_EVERY, MemoryTransport};
use rapport_core::{Passphrase, Store};

/// Far below what a year leaves in a therapist's mailbox unpruned (25
/// clients × 52 weeks of check-ins), far above what pruning leaves.
const QUOTA: usize = 600;

#[test]
fn a_simulated_year_never_fills_a_mailbox_and_a_restore_after_pruning_shows_the_same_practice() {
    let relay = MemoryTransport::new();
    relay.set_quota(QUOTA);
    let labels: Vec<String> = (0..25).map(|i| format!("C{i:02}")).collect();
    let label_refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    let mut p = practice(&relay, &label_refs);
    // The kit is made once, the day the practice starts, as a careful
    // therapist would: everything after it comes from checkpoints.
    let kit_words = Passphrase::new("kit words").with_work_factor(TEST_WORK_FACTOR);
    let kit = p.therapist.recovery_kit(&kit_words).unwrap();

    let start = today();
    let mut checkpoints = 0;
    let mut pruned = 0;
    for week in 0..52u64 {
        let date = start + Days::new(7 * week);
        p.clock
            .set(date.and_hms_opt(19, 0, 0).unwrap().and_utc() + Duration::hours(1));
        for (i, client) in p.clients.iter_mut().enumerate() {
            let heard = 1 + ((week as usize + i) % 5) as u8;
            let hopeful = 1 + ((week as usize * 3 + i) % 5) as u8;
            let note = (week % 4 == i as u64 % 4).then_some("a shared line");
            client
                .record(on(date, draft(heard, hopeful, note)))
                .unwrap();
            let report = client.sync(&relay).unwrap();
            pruned += report.pruned;
        }
        let report = p.therapist.sync(&relay).unwrap();
        assert!(report.quarantined.is_empty(), "week {week}: {report}");
        assert!(report.gaps.is_empty(), "week {week}: {report}");
        checkpoints += report.checkpoints;
        p.therapist.acknowledge_all().unwrap();
        // A reply to one client a week.
        let client = &p.therapist.dashboard().unwrap()[week as usize % 25];
        let newest = client.checkins.last().unwrap().record_id;
        p.therapist
            .reply_to_checkin(newest, "thank you for this")
            .unwrap();
        let report = p.therapist.sync(&relay).unwrap();
        checkpoints += report.checkpoints;
        for client in &mut p.clients {
            let report = client.sync(&relay).unwrap();
            assert!(report.gaps.is_empty(), "week {week}: {report}");
            pruned += report.pruned;
        }
    }
    assert!(
        relay.most_held() < QUOTA,
        "a mailbox held {} envelopes",
        relay.most_held()
    );
    assert!(
        relay.most_held() as u64 <= 2 * CHECKPOINT_EVERY,
        "{}",
        relay.most_held()
    );
    assert!(checkpoints >= 5, "{checkpoints} checkpoints in a year");
    assert!(pruned > 0, "the clients pruned nothing");
    for client in &p.clients {
        let history = client.history(None, 100).unwrap().checkins;
        assert_eq!(history.len(), 52);
        assert!(history.iter().all(|c| c.seen_at.is_some()));
    }

    // The therapist's device is lost; a new one is restored from the kit.
    let mut restored = Store::restore_from_kit(
        p.dir.path().join("restored.db"),
        passphrase("new device"),
        options(p.clock.clone()),
        &kit,
        &kit_words,
    )
    .unwrap();
    let report = restored.sync(&relay).unwrap();
    assert!(report.restored_as_of.is_some(), "{report}");
    assert!(report.quarantined.is_empty(), "{report}");
    same_dashboard(&restored, &p.therapist);
    assert_eq!(
        restored.flags(true).unwrap(),
        p.therapist.flags(true).unwrap()
    );
    assert_eq!(
        restored.insights().unwrap(),
        p.therapist.insights().unwrap()
    );
    assert_eq!(restored.replies().unwrap(), p.therapist.replies().unwrap());

    // And carries on: a new check-in arrives and its receipt is accepted.
    let date = start + Days::new(7 * 52);
    p.clock
        .set(date.and_hms_opt(19, 0, 0).unwrap().and_utc() + Duration::hours(1));
    p.clients[3].record(on(date, draft(4, 4, None))).unwrap();
    p.clients[3].sync(&relay).unwrap();
    restored.sync(&relay).unwrap();
    restored.acknowledge_all().unwrap();
    restored.sync(&relay).unwrap();
    let report = p.clients[3].sync(&relay).unwrap();
    assert_eq!(report.receipts_applied, 1, "{report}");
    assert!(report.gaps.is_empty(), "{report}");
}

#[test]
fn an_erase_prunes_the_clients_messages_on_both_sides() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B.", "C.D."]);
    for client in &mut p.clients {
        client
            .record(on(day(2), draft(3, 3, Some("mine"))))
            .unwrap();
        client.sync(&relay).unwrap();
    }
    p.therapist.sync(&relay).unwrap();
    p.therapist.acknowledge_all().unwrap();
    p.therapist.sync(&relay).unwrap();
    let therapist_mailbox = p.therapist.account().unwrap().unwrap().mailbox_id;
    let client_mailbox = p.clients[0].account().unwrap().unwrap().mailbox_id;
    assert!(relay.held_in(&client_mailbox) > 0);

    p.clients[0].erase_everything().unwrap();
    let report = p.clients[0].sync(&relay).unwrap();
    assert!(report.erased);
    assert_eq!(
        relay.held_in(&client_mailbox),
        0,
        "the client's own mailbox"
    );
    let before = relay.held_in(&therapist_mailbox);
    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!(report.checkpoints, 1, "{report}");
    assert!(report.pruned > 0, "{report}");
    // What is left is the checkpoint itself (and nothing of the client).
    assert!(relay.held_in(&therapist_mailbox) < before + report.pruned as usize);
    let dashboard = p.therapist.dashboard().unwrap();
    let erased = dashboard.iter().find(|c| c.label == "A.B.").unwrap();
    assert!(erased.checkins.is_empty());
}

#[test]
fn a_checkpoint_signed_by_someone_else_is_not_restored() {
    // Anyone with an invite knows the therapist's public key and can post to
    // its mailbox; a forged checkpoint must not become the therapist's state.
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B."]);
    let kit_words = Passphrase::new("kit words").with_work_factor(TEST_WORK_FACTOR);
    let kit = p.therapist.recovery_kit(&kit_words).unwrap();
    p.clients[0].record(on(day(2), draft(3, 3, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    // The client (a known sender) posts a checkpoint that claims to come
    // from the therapist's own device, signed with the client's key.
    let me = p.clients[0].device_identity().unwrap();
    let therapist_card = p.therapist.device_identity().unwrap().card();
    let expected = p.therapist.sync(&relay).unwrap();
    assert_eq!(expected.checkpoints, 0, "{expected}");
    let mailbox = p.therapist.account().unwrap().unwrap().mailbox_id;
    let forged = rapport_core::envelope::seal(
        &me,
        rapport_core::envelope::Message {
            kind: rapport_core::envelope::MessageKind::Checkpoint,
            sender: therapist_card.device_id,
            seq: 1000,
            record_id: uuid::Uuid::now_v7(),
            record_version: 1,
            sent_at: rapport_core::Clock::now(&*p.clock),
            body: vec![0; 64],
        },
        &mailbox,
        &therapist_card.age_recipient,
    )
    .unwrap();
    relay.inject(&mailbox, forged);
    let mut restored = Store::restore_from_kit(
        p.dir.path().join("restored.db"),
        passphrase("new"),
        options(p.clock.clone()),
        &kit,
        &kit_words,
    )
    .unwrap();
    let report = restored.sync(&relay).unwrap();
    // The therapist's own checkpoint (posted on the sync after pairing) is
    // the one put back; the forged part was refused (quarantined), not
    // taken for a part of it.
    assert!(report.restored_as_of.is_some(), "{report}");
    assert_eq!(report.quarantined.len(), 1, "{report}");
    same_dashboard(&restored, &p.therapist);
}

/// The two dashboards are equal; on a difference, says where (a whole
/// practice's dashboard is too long to read in a failure message).
fn same_dashboard(restored: &Store, original: &Store) {
    let (a, b) = (restored.dashboard().unwrap(), original.dashboard().unwrap());
    assert_eq!(a.len(), b.len(), "clients");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.label, y.label);
        assert_eq!(
            x.checkins.len(),
            y.checkins.len(),
            "check-ins of {}",
            x.label
        );
        for (c, d) in x.checkins.iter().zip(&y.checkins) {
            assert_eq!(c, d, "a check-in of {}", x.label);
        }
        assert_eq!(x, y);
    }
}
