//! Nothing old goes to a new therapist unasked (issue 18): check-ins made
//! while not paired, during a pause, or left unsent when a pairing ended
//! are held on the phone, offered (count and dates) when joining or
//! resuming, and sent only if the client chooses; kept ones, their edits
//! and their deletions never reach that therapist.

mod common;

use chrono::Duration;
use common::{day, draft, on, options, passphrase, practice};
use rapport_core::Store;
use rapport_core::model::Consent;
use rapport_core::store::HeldCheckIns;
use rapport_core::sync::{JoinChoices, MemoryTransport, Transport};

/// Another therapist, on the same relay.
fn therapist(p: &common::Practice, relay: &dyn Transport, name: &str) -> Store {
    let mut t = Store::open_with(
        p.dir.path().join(format!("{name}.db")),
        passphrase(name),
        options(p.clock.clone()),
    )
    .unwrap();
    t.therapist_init(relay, "https://relay.example.org", &format!("Dr. {name}"))
        .unwrap();
    t
}

fn join(
    client: &mut Store,
    therapist: &mut Store,
    relay: &dyn Transport,
    share_held: bool,
) -> rapport_core::sync::JoinOutcome {
    let invite = therapist
        .invite_client(relay, "C.", Duration::days(7))
        .unwrap();
    let outcome = client
        .client_join_with(
            relay,
            &invite.to_uri(),
            &JoinChoices {
                consent_version: Consent::CURRENT_VERSION,
                share_held,
                ..JoinChoices::default()
            },
        )
        .unwrap();
    therapist.sync(relay).unwrap();
    outcome
}

/// The shared notes a therapist holds, oldest session first.
fn notes(therapist: &mut Store, relay: &dyn Transport) -> Vec<String> {
    therapist.sync(relay).unwrap();
    therapist
        .dashboard()
        .unwrap()
        .iter()
        .flat_map(|c| c.checkins.iter())
        .map(|c| c.body.shared_note.clone().unwrap_or_default())
        .collect()
}

fn held(count: u32, first: u32, last: u32) -> HeldCheckIns {
    HeldCheckIns {
        count,
        first_session: Some(day(first)),
        last_session: Some(day(last)),
    }
}

/// A client who shared one check-in with A, left A, and recorded two more.
fn left_and_recorded_two(relay: &MemoryTransport) -> common::Practice {
    let mut p = practice(relay, &["C."]);
    p.clients[0]
        .record(on(day(2), draft(3, 3, Some("for A"))))
        .unwrap();
    p.clients[0].sync(relay).unwrap();
    assert_eq!(notes(&mut p.therapist, relay), ["for A"]);
    p.clients[0].leave_therapist(relay).unwrap();
    assert_eq!(
        p.clients[0].held_checkins().unwrap(),
        HeldCheckIns::default()
    );
    p.clients[0]
        .record(on(day(9), draft(2, 2, Some("between one"))))
        .unwrap();
    p.clients[0]
        .record(on(day(16), draft(2, 3, Some("between two"))))
        .unwrap();
    assert_eq!(p.clients[0].held_checkins().unwrap(), held(2, 9, 16));
    p
}

#[test]
fn by_default_a_new_therapist_gets_nothing_made_before_joining() {
    let relay = MemoryTransport::new();
    let mut p = left_and_recorded_two(&relay);
    let mut b = therapist(&p, &relay, "B");
    let joined = join(&mut p.clients[0], &mut b, &relay, false);
    assert_eq!(joined.held, held(2, 9, 16));
    assert!(!joined.shared_held);
    assert!(p.clients[0].pending_outbox(100).unwrap().is_empty());

    p.clients[0]
        .record(on(day(23), draft(4, 4, Some("for B"))))
        .unwrap();
    assert_eq!(p.clients[0].sync(&relay).unwrap().sent, 1);
    assert_eq!(notes(&mut b, &relay), ["for B"]);

    // Still on the phone, and still the client's to see.
    let mine: Vec<_> = p.clients[0]
        .all_checkins()
        .unwrap()
        .into_iter()
        .map(|c| c.note.unwrap().text)
        .collect();
    assert_eq!(mine, ["for B", "between two", "between one", "for A"]);

    // Editing or deleting a kept check-in tells B nothing either.
    let kept: Vec<_> = p.clients[0]
        .all_checkins()
        .unwrap()
        .into_iter()
        .filter(|c| c.note.as_ref().unwrap().text != "for B")
        .collect();
    p.clients[0]
        .edit(kept[0].id, on(day(16), draft(1, 1, Some("edited later"))))
        .unwrap();
    p.clients[0].delete(kept[1].id).unwrap();
    assert!(p.clients[0].pending_outbox(100).unwrap().is_empty());
    assert_eq!(p.clients[0].sync(&relay).unwrap().sent, 0);
    assert_eq!(notes(&mut b, &relay), ["for B"]);
    // A, who was left, is not reached either.
    assert_eq!(notes(&mut p.therapist, &relay), ["for A"]);
}

#[test]
fn shared_at_joining_they_go_to_the_new_therapist_and_nothing_older() {
    let relay = MemoryTransport::new();
    let mut p = left_and_recorded_two(&relay);
    let mut b = therapist(&p, &relay, "B");
    let joined = join(&mut p.clients[0], &mut b, &relay, true);
    assert_eq!(joined.held, held(2, 9, 16));
    assert!(joined.shared_held);
    assert_eq!(
        p.clients[0].held_checkins().unwrap(),
        HeldCheckIns::default()
    );
    assert_eq!(p.clients[0].sync(&relay).unwrap().sent, 2);
    assert_eq!(notes(&mut b, &relay), ["between one", "between two"]);
}

#[test]
fn kept_at_one_join_they_are_offered_again_at_the_next() {
    let relay = MemoryTransport::new();
    let mut p = left_and_recorded_two(&relay);
    let mut b = therapist(&p, &relay, "B");
    join(&mut p.clients[0], &mut b, &relay, false);
    assert_eq!(
        p.clients[0].held_checkins().unwrap(),
        HeldCheckIns::default(),
        "nothing to offer B again"
    );
    p.clients[0].leave_therapist(&relay).unwrap();
    assert_eq!(p.clients[0].held_checkins().unwrap(), held(2, 9, 16));
    let mut c = therapist(&p, &relay, "C");
    assert_eq!(join(&mut p.clients[0], &mut c, &relay, true).held.count, 2);
    p.clients[0].sync(&relay).unwrap();
    assert_eq!(notes(&mut c, &relay), ["between one", "between two"]);
    assert!(notes(&mut b, &relay).is_empty());
}

#[test]
fn a_first_join_offers_what_was_recorded_before_it() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &[]);
    let mut client = common::open(&p.dir.path().join("new.db"), passphrase("n"));
    client
        .record(on(day(20), draft(3, 3, Some("before joining"))))
        .unwrap();
    assert_eq!(client.held_checkins().unwrap(), held(1, 20, 20));
    let joined = join(&mut client, &mut p.therapist, &relay, false);
    assert_eq!(joined.held.count, 1);
    client.sync(&relay).unwrap();
    assert!(notes(&mut p.therapist, &relay).is_empty());
}

#[test]
fn resuming_offers_what_was_held_back_and_keeps_it_by_default() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["C."]);
    p.clients[0]
        .record(on(day(2), draft(4, 4, Some("before the pause"))))
        .unwrap();
    p.clients[0].pause_sharing().unwrap();
    p.clients[0]
        .record(on(day(9), draft(2, 2, Some("during the pause"))))
        .unwrap();
    assert_eq!(p.clients[0].held_checkins().unwrap(), held(1, 9, 9));
    p.clients[0].sync(&relay).unwrap();

    let kept = p.clients[0].resume_sharing(false).unwrap();
    assert_eq!(kept, held(1, 9, 9));
    assert_eq!(
        p.clients[0].held_checkins().unwrap(),
        HeldCheckIns::default()
    );
    p.clients[0]
        .record(on(day(16), draft(4, 4, Some("after the pause"))))
        .unwrap();
    p.clients[0].sync(&relay).unwrap();
    assert_eq!(
        notes(&mut p.therapist, &relay),
        ["before the pause", "after the pause"]
    );
    // A later edit of the kept one stays on the phone too.
    let during = p.clients[0]
        .all_checkins()
        .unwrap()
        .into_iter()
        .find(|c| c.session_date == day(9))
        .unwrap();
    p.clients[0]
        .edit(during.id, on(day(9), draft(3, 3, Some("during, edited"))))
        .unwrap();
    assert_eq!(p.clients[0].sync(&relay).unwrap().sent, 0);

    // Never received by anyone: offered to the next therapist.
    p.clients[0].leave_therapist(&relay).unwrap();
    assert_eq!(p.clients[0].held_checkins().unwrap(), held(1, 9, 9));
}

#[test]
fn check_ins_left_unsent_when_a_pairing_ends_are_held_for_the_next() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["C."]);
    p.clients[0]
        .record(on(day(2), draft(4, 4, Some("never synced"))))
        .unwrap();
    p.clients[0].leave_therapist(&relay).unwrap();
    assert_eq!(p.clients[0].held_checkins().unwrap(), held(1, 2, 2));
    let mut b = therapist(&p, &relay, "B");
    join(&mut p.clients[0], &mut b, &relay, true);
    p.clients[0].sync(&relay).unwrap();
    assert_eq!(notes(&mut b, &relay), ["never synced"]);
    assert!(notes(&mut p.therapist, &relay).is_empty());
}

#[test]
fn after_the_therapist_ends_the_pairing_new_check_ins_are_held() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["C."]);
    p.therapist.revoke_client(&relay, "C.").unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.clients[0]
        .record(on(day(9), draft(3, 3, Some("after the end"))))
        .unwrap();
    assert_eq!(p.clients[0].held_checkins().unwrap(), held(1, 9, 9));
    p.clients[0].leave_therapist(&relay).unwrap();
    let mut b = therapist(&p, &relay, "B");
    let joined = join(&mut p.clients[0], &mut b, &relay, false);
    assert_eq!(joined.held.count, 1);
    p.clients[0].sync(&relay).unwrap();
    assert!(notes(&mut b, &relay).is_empty());
}

#[test]
fn erasing_everything_forgets_what_was_held() {
    let relay = MemoryTransport::new();
    let mut p = left_and_recorded_two(&relay);
    assert!(p.clients[0].erase_everything().unwrap());
    assert_eq!(
        p.clients[0].held_checkins().unwrap(),
        HeldCheckIns::default()
    );
}
