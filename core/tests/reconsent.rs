//! A client who accepted an older consent text is asked again, once, before
//! the next check-in is recorded, and loses nothing meanwhile: every
//! check-in, every change waiting to be sent and the pairing stay.

mod common;

use common::{day, draft, fixture_key, on, passphrase, practice};
use rapport_core::model::{Consent, ConsentStatus};
use rapport_core::sync::MemoryTransport;
use rapport_core::{Error, Store};

/// Marks the client's account as having accepted `version`, as every client
/// who joined before the current text did.
fn accepted_before(store_path: &std::path::Path, version: Option<u32>) {
    let conn = rusqlite::Connection::open(store_path).unwrap();
    conn.execute(
        "UPDATE account SET consent_version = ?1 WHERE id = 1",
        [version],
    )
    .unwrap();
}

fn ids(store: &Store) -> Vec<uuid::Uuid> {
    let mut ids: Vec<_> = store
        .all_checkins()
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    ids.sort();
    ids
}

#[test]
fn the_current_text_is_version_2_and_a_new_client_accepts_it_by_joining() {
    assert_eq!(Consent::CURRENT_VERSION, 2);
    let relay = MemoryTransport::new();
    let p = practice(&relay, &["A."]);
    assert_eq!(
        p.clients[0].consent_status().unwrap(),
        ConsentStatus {
            accepted: Some(2),
            current: 2,
            must_accept: false
        }
    );
    // Before joining, nothing is shared and nothing is asked.
    let alone = common::open(&p.dir.path().join("alone.db"), passphrase("a"));
    assert!(!alone.consent_status().unwrap().must_accept);
}

#[test]
fn re_consenting_to_version_2_keeps_every_check_in_change_and_the_pairing() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A."]);
    let client_path = p.dir.path().join("c0.db");
    // Two check-ins reached the therapist, one waits to be sent.
    p.clients[0]
        .record(on(day(2), draft(3, 3, Some("sent one"))))
        .unwrap();
    p.clients[0]
        .record(on(day(9), draft(4, 3, Some("sent two"))))
        .unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    p.clients[0]
        .record(on(day(16), draft(4, 4, Some("waiting"))))
        .unwrap();
    let account = p.clients[0].account().unwrap();
    accepted_before(&client_path, Some(1));

    let before_ids = ids(&p.clients[0]);
    let before_outbox = p.clients[0].pending_outbox(100).unwrap();
    assert_eq!((before_ids.len(), before_outbox.len()), (3, 1));
    let status = p.clients[0].consent_status().unwrap();
    assert_eq!(
        status,
        ConsentStatus {
            accepted: Some(1),
            current: 2,
            must_accept: true
        }
    );

    // The next check-in waits for the new text; nothing is stored.
    let err = p.clients[0]
        .record(on(day(23), draft(5, 5, None)))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::ConsentOutdated {
                current: 2,
                accepted: 1
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), "consent_outdated");
    assert!(
        err.to_string().contains("everything you recorded is kept"),
        "{err}"
    );
    let err = p.clients[0]
        .edit(before_ids[0], on(day(2), draft(1, 1, None)))
        .unwrap_err();
    assert!(matches!(err, Error::ConsentOutdated { .. }), "{err:?}");
    assert_eq!(ids(&p.clients[0]), before_ids);
    assert_eq!(p.clients[0].pending_outbox(100).unwrap(), before_outbox);

    // Only the current version can be accepted.
    let err = p.clients[0].accept_consent(1).unwrap_err();
    assert!(
        matches!(
            err,
            Error::ConsentRequired {
                current: 2,
                given: 1
            }
        ),
        "{err:?}"
    );
    let status = p.clients[0].accept_consent(2).unwrap();
    assert_eq!(
        status,
        ConsentStatus {
            accepted: Some(2),
            current: 2,
            must_accept: false
        }
    );

    // Nothing was lost or changed by accepting.
    assert_eq!(ids(&p.clients[0]), before_ids);
    assert_eq!(p.clients[0].pending_outbox(100).unwrap(), before_outbox);
    assert_eq!(p.clients[0].account().unwrap(), account);

    // Check-ins are recorded again, and the waiting one goes with them.
    p.clients[0]
        .record(on(day(23), draft(5, 5, Some("after"))))
        .unwrap();
    assert_eq!(p.clients[0].sync(&relay).unwrap().sent, 2);
    p.therapist.sync(&relay).unwrap();
    let notes: Vec<_> = p.therapist.dashboard().unwrap()[0]
        .checkins
        .iter()
        .map(|c| c.body.shared_note.clone().unwrap_or_default())
        .collect();
    assert_eq!(notes, ["sent one", "sent two", "waiting", "after"]);
}

#[test]
fn a_pairing_from_before_versions_were_kept_is_asked_too() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A."]);
    accepted_before(&p.dir.path().join("c0.db"), None);
    let status = p.clients[0].consent_status().unwrap();
    assert!(status.must_accept && status.accepted.is_none());
    let err = p.clients[0].record(draft(3, 3, None)).unwrap_err();
    assert!(
        matches!(err, Error::ConsentOutdated { accepted: 0, .. }),
        "{err:?}"
    );
    p.clients[0].accept_consent(2).unwrap();
    p.clients[0].record(draft(3, 3, None)).unwrap();
}

#[test]
fn a_client_whose_pairing_ended_is_not_asked() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A."]);
    accepted_before(&p.dir.path().join("c0.db"), Some(1));
    p.therapist.revoke_client(&relay, "A.").unwrap();
    p.clients[0].sync(&relay).unwrap();
    assert!(!p.clients[0].consent_status().unwrap().must_accept);
    p.clients[0].record(draft(3, 3, None)).unwrap();
}

/// The released v6 client home (joined under consent 1, sharing paused, a
/// check-in held back) upgrades, is asked for version 2, and keeps it all.
#[test]
fn the_schema_v6_client_is_asked_again_and_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("client.db");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/schema-v6-client.db"
        ),
        &path,
    )
    .unwrap();
    let keys = fixture_key;
    let mut client = common::open(&path, keys());
    let before_ids = ids(&client);
    let before_outbox = client.pending_outbox(100).unwrap();
    let account = client.account().unwrap();
    let peers = client.peers().unwrap().len();
    assert_eq!(before_ids.len(), 5);
    assert_eq!(
        before_outbox.len(),
        1,
        "the check-in held back by the pause"
    );
    assert_eq!(
        client.consent_status().unwrap(),
        ConsentStatus {
            accepted: Some(1),
            current: 2,
            must_accept: true
        }
    );
    assert!(matches!(
        client.record(draft(4, 4, None)),
        Err(Error::ConsentOutdated { .. })
    ));
    client.accept_consent(2).unwrap();
    drop(client);

    let mut client = common::open(&path, keys());
    assert!(!client.consent_status().unwrap().must_accept, "asked once");
    assert_eq!(ids(&client), before_ids);
    assert_eq!(client.pending_outbox(100).unwrap(), before_outbox);
    assert_eq!(client.account().unwrap(), account);
    assert_eq!(client.peers().unwrap().len(), peers);
    client.record(draft(4, 4, None)).unwrap();
    assert_eq!(ids(&client).len(), 6);
}
