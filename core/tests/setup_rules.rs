//! The rules of setting up, as a store applies them: the therapist's name
//! and each client's label are checked, and an invite's validity bounded,
//! before the relay is asked for anything; a store opens as one role only.

mod common;

use chrono::Duration;
use common::{open, passphrase};
use rapport_core::sync::{MemoryTransport, Role};
use rapport_core::{Clock, Error, InviteError, NameError, NameField};

#[test]
fn a_name_or_label_that_cannot_be_shown_is_refused_and_nothing_is_set_up() {
    let dir = tempfile::tempdir().unwrap();
    let relay = MemoryTransport::new();
    let mut therapist = open(&dir.path().join("t.db"), passphrase("t"));
    match therapist.therapist_init(&relay, "https://relay.example.org", " \t ") {
        Err(Error::Name(NameError::Empty { field })) => {
            assert_eq!(field, NameField::TherapistName)
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(therapist.account().unwrap(), None);
    let account = therapist
        .therapist_init(&relay, "https://relay.example.org", "  Dr. Example ")
        .unwrap();
    assert_eq!(account.name, "Dr. Example");

    let week = Duration::days(7);
    for (label, code) in [
        ("", "name_empty"),
        ("A\u{1b}[2JB", "name_control_character"),
        (&*"x".repeat(41), "name_too_long"),
    ] {
        match therapist.invite_client(&relay, label, week) {
            Err(Error::Name(e)) => {
                assert_eq!((e.code(), e.field()), (code, NameField::ClientLabel))
            }
            other => panic!("{label:?}: unexpected {other:?}"),
        }
    }
    let invite = therapist.invite_client(&relay, " J.D. ", week).unwrap();
    assert!(!invite.to_uri().contains("J.D."));
}

#[test]
fn an_invite_lives_for_some_time_but_not_more_than_a_year_and_a_day() {
    let dir = tempfile::tempdir().unwrap();
    let relay = MemoryTransport::new();
    let mut therapist = open(&dir.path().join("t.db"), passphrase("t"));
    therapist
        .therapist_init(&relay, "https://relay.example.org", "Dr. Example")
        .unwrap();
    for not_positive in [Duration::zero(), Duration::days(-3)] {
        assert!(matches!(
            therapist.invite_client(&relay, "A.B.", not_positive),
            Err(Error::Invite(InviteError::ValidityNotPositive))
        ));
    }
    assert!(matches!(
        therapist.invite_client(&relay, "A.B.", Duration::days(367)),
        Err(Error::Invite(InviteError::ValidityTooLong {
            max_days: 366
        }))
    ));
    // The store's own path to an invite applies the same bound.
    assert!(matches!(
        therapist.create_invite("https://r", "m", "t", "A.B.", Duration::MAX),
        Err(Error::Invite(InviteError::ValidityTooLong { .. }))
    ));
    let invite = therapist
        .invite_client(&relay, "A.B.", Duration::days(366))
        .unwrap();
    assert_eq!(
        invite.expires_at - common::clock().now(),
        Duration::days(366)
    );
}

#[test]
fn a_store_opens_as_one_role_only() {
    let dir = tempfile::tempdir().unwrap();
    let relay = MemoryTransport::new();
    let mut therapist = open(&dir.path().join("t.db"), passphrase("t"));
    assert_eq!(therapist.expect_role(Role::Client).unwrap(), None);
    assert!(matches!(
        therapist.require_account(Role::Therapist),
        Err(Error::NoAccount)
    ));
    therapist
        .therapist_init(&relay, "https://relay.example.org", "Dr. Example")
        .unwrap();
    assert!(therapist.expect_role(Role::Therapist).unwrap().is_some());
    match therapist.expect_role(Role::Client) {
        Err(e @ Error::WrongRole { .. }) => {
            assert_eq!(e.code(), "wrong_role");
            assert!(
                e.to_string()
                    .contains("set up as a therapist; that is something a client does"),
                "{e}"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}
