//! Leaving and joining the same therapist again, over a relay that fails,
//! loses answers and delivers late: nothing gets lost, no number goes
//! missing, and nothing from an earlier pairing is taken for the current
//! one. Each test pins down a schedule the hostile-relay model
//! (`hostile_relay.rs`) found.

mod common;

use chrono::Duration;
use common::scripted::{Scripted, Step};
use common::{Practice, day, draft, on, practice};
use rapport_core::model::Consent;
use rapport_core::sync::{MemoryTransport, Transport};

fn join_again(p: &mut Practice, relay: &dyn Transport, client: usize, label: &str) {
    let invite = p
        .therapist
        .invite_client(relay, label, Duration::days(7))
        .unwrap();
    p.clients[client]
        .client_join(relay, &invite.to_uri(), Consent::CURRENT_VERSION)
        .unwrap();
}

/// Acknowledges everything and brings the receipts home: how many the
/// client applied.
fn acknowledge_and_deliver(p: &mut Practice, relay: &dyn Transport, client: usize) -> u32 {
    p.therapist.sync(relay).unwrap();
    p.therapist.acknowledge_all().unwrap();
    p.therapist.sync(relay).unwrap();
    let report = p.clients[client].sync(relay).unwrap();
    assert!(report.gaps.is_empty(), "{report}");
    report.receipts_applied
}

/// The client's leave is stored but its answer lost; the therapist applies
/// it and revokes the client's token: the relay now truly refuses it.
fn leave_arriving_unanswered(p: &mut Practice, relay: &Scripted<'_>) {
    relay.then(&[Step::LoseAnswer]);
    assert!(p.clients[0].leave_therapist(relay).is_err());
    assert_eq!(p.therapist.sync(relay).unwrap().left.len(), 1);
}

#[test]
fn a_leave_tried_again_after_a_failure_is_the_same_message() {
    let memory = MemoryTransport::new();
    let relay = Scripted::new(&memory);
    let mut p = practice(&relay, &["L"]);
    relay.then(&[Step::DropBeforeStore]);
    assert!(p.clients[0].leave_therapist(&relay).is_err());
    p.clients[0].leave_therapist(&relay).unwrap();
    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!(report.left.len(), 1, "{report}");
    assert!(report.gaps.is_empty(), "{report}");
}

#[test]
fn a_client_whose_leave_arrived_though_the_answer_was_lost_can_still_leave() {
    let memory = MemoryTransport::new();
    let relay = Scripted::new(&memory);
    let mut p = practice(&relay, &["L"]);
    leave_arriving_unanswered(&mut p, &relay);
    p.clients[0].leave_therapist(&relay).unwrap();
    assert!(p.clients[0].account().unwrap().is_none());
}

#[test]
fn leaving_first_sends_what_was_sealed_so_no_number_goes_missing() {
    let memory = MemoryTransport::new();
    let relay = Scripted::new(&memory);
    let mut p = practice(&relay, &["L"]);
    p.clients[0].record(on(day(20), draft(4, 4, None))).unwrap();
    // Sealed with its number, then not stored.
    relay.then(&[Step::DropBeforeStore]);
    assert!(p.clients[0].sync(&relay).is_err());
    p.clients[0].leave_therapist(&relay).unwrap();
    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!((report.applied, report.left.len()), (2, 1), "{report}");
    assert!(report.gaps.is_empty(), "{report}");
    assert_eq!(p.therapist.dashboard().unwrap()[0].checkins.len(), 1);
}

#[test]
fn a_join_tried_again_after_a_failure_sends_the_same_hello() {
    for step in [Step::DropBeforeStore, Step::LoseAnswer] {
        let memory = MemoryTransport::new();
        let relay = Scripted::new(&memory);
        let mut p = practice(&relay, &["L"]);
        p.clients[0].leave_therapist(&relay).unwrap();
        let invite = p
            .therapist
            .invite_client(&relay, "Again", Duration::days(7))
            .unwrap();
        relay.then(&[step]);
        let join = |p: &mut Practice| {
            p.clients[0].client_join(&relay, &invite.to_uri(), Consent::CURRENT_VERSION)
        };
        assert!(join(&mut p).is_err(), "{step:?}");
        join(&mut p).unwrap();
        p.clients[0].record(on(day(20), draft(4, 4, None))).unwrap();
        p.clients[0].sync(&relay).unwrap();
        let report = p.therapist.sync(&relay).unwrap();
        assert_eq!(report.paired, ["Again"], "{step:?}: {report}");
        assert!(report.gaps.is_empty(), "{step:?}: {report}");
        // The therapist writes to the mailbox the client reads.
        assert_eq!(acknowledge_and_deliver(&mut p, &relay, 0), 1, "{step:?}");
    }
}

#[test]
fn a_late_leave_from_an_earlier_pairing_does_not_end_the_next_one() {
    let memory = MemoryTransport::new();
    let relay = Scripted::new(&memory);
    let mut p = practice(&relay, &["L"]);
    relay.then(&[Step::Hold]);
    p.clients[0].leave_therapist(&relay).unwrap();
    join_again(&mut p, &relay, 0, "Again");
    assert_eq!(p.therapist.sync(&relay).unwrap().paired, ["Again"]);
    p.clients[0].record(on(day(20), draft(4, 4, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();

    relay.release();
    let report = p.therapist.sync(&relay).unwrap();
    assert!(report.left.is_empty(), "{report}");
    assert_eq!(acknowledge_and_deliver(&mut p, &relay, 0), 1);
}

#[test]
fn a_late_pause_from_an_earlier_pairing_does_not_pause_the_next_one() {
    let memory = MemoryTransport::new();
    let relay = Scripted::new(&memory);
    let mut p = practice(&relay, &["P"]);
    p.clients[0].pause_sharing().unwrap();
    relay.then(&[Step::Hold]);
    p.clients[0].sync(&relay).unwrap();
    p.clients[0].leave_therapist(&relay).unwrap();
    join_again(&mut p, &relay, 0, "Again");
    assert_eq!(p.therapist.sync(&relay).unwrap().paired, ["Again"]);

    relay.release();
    p.therapist.sync(&relay).unwrap();
    let device = p.clients[0].device_identity().unwrap().device_id();
    assert_eq!(p.therapist.client_paused_since(&device).unwrap(), None);
    assert_eq!(acknowledge_and_deliver(&mut p, &relay, 0), 0);
}

#[test]
fn a_late_hello_from_an_earlier_join_does_not_take_the_pairing_back() {
    let memory = MemoryTransport::new();
    let relay = Scripted::new(&memory);
    let mut p = practice(&relay, &["L"]);
    p.clients[0].leave_therapist(&relay).unwrap();
    // This hello names a mailbox the client gives up when it leaves again.
    relay.then(&[Step::Hold]);
    join_again(&mut p, &relay, 0, "Second");
    p.clients[0].leave_therapist(&relay).unwrap();
    join_again(&mut p, &relay, 0, "Third");
    p.clients[0].record(on(day(20), draft(4, 4, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    assert_eq!(p.therapist.sync(&relay).unwrap().paired, ["Third"]);

    relay.release();
    let report = p.therapist.sync(&relay).unwrap();
    assert!(report.paired.is_empty(), "{report}");
    assert_eq!(p.therapist.dashboard().unwrap()[0].label, "Third");
    assert_eq!(acknowledge_and_deliver(&mut p, &relay, 0), 1);
}

#[test]
fn what_went_to_the_old_mailbox_is_not_missed_after_joining_again() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["L"]);
    p.clients[0].record(on(day(13), draft(3, 3, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    p.therapist.acknowledge_all().unwrap();
    // The receipt goes to the mailbox the client is about to give up.
    assert_eq!(p.therapist.sync(&relay).unwrap().sent, 1);
    p.clients[0].leave_therapist(&relay).unwrap();
    join_again(&mut p, &relay, 0, "Again");
    p.clients[0].record(on(day(20), draft(4, 4, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    // The first receipt goes again, to the new mailbox.
    assert_eq!(acknowledge_and_deliver(&mut p, &relay, 0), 2);
    let checkins = p.clients[0].all_checkins().unwrap();
    assert!(checkins.iter().all(|c| c.seen_at.is_some()));
}

#[test]
fn a_check_in_read_while_its_client_was_away_shows_as_seen_when_they_return() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["L"]);
    p.clients[0].record(on(day(20), draft(4, 4, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.clients[0].leave_therapist(&relay).unwrap();
    assert_eq!(p.therapist.sync(&relay).unwrap().left.len(), 1);
    assert_eq!(p.therapist.acknowledge_all().unwrap(), 1);
    assert_eq!(p.therapist.sync(&relay).unwrap().sent, 0, "nobody to tell");

    join_again(&mut p, &relay, 0, "Again");
    p.therapist.sync(&relay).unwrap();
    assert_eq!(acknowledge_and_deliver(&mut p, &relay, 0), 1);
    let checkins = p.clients[0].all_checkins().unwrap();
    assert!(checkins[0].seen_at.is_some());
}

/// A client shares two check-ins, leaves (the therapist keeps them, as after
/// any leave), joins the same therapist again without sharing them anew,
/// deletes one of them, then erases. The relay stores the erase's
/// tombstones, drops its last message before storing it and then says the
/// token was revoked: the phone, unable to tell that from a therapist who
/// applied the erase, wipes itself. The tombstones alone must have taken
/// every check-in's content from the therapist, the earlier pairing's too.
#[test]
fn an_erase_after_joining_again_deletes_what_the_earlier_pairing_shared() {
    let memory = MemoryTransport::new();
    let relay = Scripted::new(&memory);
    let mut p = practice(&relay, &["L"]);
    p.clients[0].record(on(day(13), draft(3, 3, None))).unwrap();
    let deleted = p.clients[0].record(on(day(14), draft(2, 2, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.clients[0].leave_therapist(&relay).unwrap();
    assert_eq!(p.therapist.sync(&relay).unwrap().left.len(), 1);
    join_again(&mut p, &relay, 0, "Again");
    p.clients[0].record(on(day(20), draft(4, 4, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    assert_eq!(p.therapist.dashboard().unwrap()[0].checkins.len(), 3);

    p.clients[0].delete(deleted.id).unwrap();
    assert!(!p.clients[0].erase_everything().unwrap());
    let tombstones = p.clients[0].pending_outbox(10).unwrap().len();
    assert_eq!(tombstones, 3, "one for each check-in the therapist has");
    let mut script = vec![Step::Pass; tombstones];
    script.push(Step::DropBeforeStore);
    relay.then(&script);
    assert!(p.clients[0].sync(&relay).is_err());
    relay.then(&[Step::RefuseRevoked]);
    assert!(p.clients[0].sync(&relay).unwrap().erased);

    let report = p.therapist.sync(&relay).unwrap();
    assert!(report.left.is_empty(), "the erase itself never arrived");
    let dashboard = p.therapist.dashboard().unwrap();
    assert!(
        dashboard.iter().all(|c| c.checkins.is_empty()),
        "content left with the therapist: {:?}",
        dashboard[0].checkins
    );
}

/// A client shares a check-in, leaves (the therapist keeps it, as after any
/// leave), joins the same therapist again without sharing anew, and deletes
/// it: the therapist had it, so the deletion goes to it, as the client
/// expects. A check-in recorded while away, kept from the therapist, is
/// deleted without a word: a tombstone would tell of a check-in it never had.
#[test]
fn deleting_what_an_earlier_pairing_shared_deletes_it_at_the_therapist_too() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["L"]);
    let shared = p.clients[0].record(on(day(13), draft(3, 3, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.clients[0].leave_therapist(&relay).unwrap();
    assert_eq!(p.therapist.sync(&relay).unwrap().left.len(), 1);
    let away = p.clients[0].record(on(day(16), draft(2, 2, None))).unwrap();
    join_again(&mut p, &relay, 0, "Again");
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    let dates = |p: &Practice| -> Vec<_> {
        p.therapist.dashboard().unwrap()[0]
            .checkins
            .iter()
            .map(|c| c.body.session_date)
            .collect()
    };
    assert_eq!(dates(&p), [day(13)], "only what the earlier pairing shared");

    p.clients[0].delete(shared.id).unwrap();
    p.clients[0].delete(away.id).unwrap();
    let report = p.clients[0].sync(&relay).unwrap();
    assert_eq!(
        report.sent, 1,
        "one tombstone, for what the therapist had: {report}"
    );
    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!(report.applied, 1, "{report}");
    assert_eq!(
        dates(&p),
        [],
        "the deleted check-in stayed with the therapist"
    );
}

/// A leave arrives but its answer is lost, so the client still takes itself
/// for paired, and records a check-in. Numbered then, it could never be
/// posted (the therapist revoked the token when it applied the leave), and
/// the therapist would wait for that number as a gap for good once the
/// client joins again. While its leave is not through, a client numbers
/// nothing new: the check-in waits, and is held for the next pairing.
#[test]
fn a_check_in_recorded_while_leaving_takes_no_number_the_therapist_would_miss() {
    let memory = MemoryTransport::new();
    let relay = Scripted::new(&memory);
    let mut p = practice(&relay, &["L"]);
    leave_arriving_unanswered(&mut p, &relay);
    p.clients[0].record(on(day(20), draft(4, 4, None))).unwrap();
    let _ = p.clients[0].sync(&relay);
    p.clients[0].leave_therapist(&relay).unwrap();
    // Not lost either: held on the phone, to be offered when joining.
    assert_eq!(p.clients[0].held_checkins().unwrap().count, 1);
    join_again(&mut p, &relay, 0, "Again");
    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!(report.paired.len(), 1, "{report}");
    assert!(report.gaps.is_empty(), "{report}");
}
