//! Pairing a client with a therapist through an invite and a hello envelope.

mod common;

use std::sync::Arc;

use chrono::Duration;
use common::*;
use rapport_core::envelope::{self, Hello, Message, MessageKind};
use rapport_core::{Error, Invite, InviteError, PairingError, Store};

struct Setup {
    _dir: tempfile::TempDir,
    therapist: Store,
    client: Store,
    clock: Arc<rapport_core::ManualClock>,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let therapist = Store::open_with(
        dir.path().join("t.db"),
        passphrase("t"),
        options(clock.clone()),
    )
    .unwrap();
    let client = Store::open_with(
        dir.path().join("c.db"),
        passphrase("c"),
        options(clock.clone()),
    )
    .unwrap();
    Setup {
        _dir: dir,
        therapist,
        client,
        clock,
    }
}

fn invite(s: &mut Setup, label: &str) -> String {
    s.therapist
        .create_invite(
            "https://relay.example.org",
            "mbx-therapist",
            "post-tok",
            label,
            Duration::days(7),
        )
        .unwrap()
        .to_uri()
}

/// The client's side: parse the invite, answer with a hello envelope.
fn hello_envelope(s: &mut Setup, uri: &str) -> Vec<u8> {
    let invite = Invite::parse(uri, s.clock.now()).unwrap();
    let me = s.client.device_identity().unwrap();
    let hello = Hello::new(&invite, &me, "mbx-client", "post-client");
    let message = Message {
        kind: MessageKind::Hello,
        sender: me.device_id(),
        seq: 1,
        record_id: uuid::Uuid::from_bytes(invite.invite_id()),
        record_version: 1,
        sent_at: s.clock.now(),
        body: hello.to_bytes(),
    };
    envelope::seal(
        &me,
        message,
        &invite.mailbox_id,
        &invite.therapist.age_recipient,
    )
    .unwrap()
}

fn receive_hello(s: &mut Setup, env: &[u8]) -> Result<rapport_core::Peer, Error> {
    let me = s.therapist.device_identity().unwrap();
    let therapist = &s.therapist;
    let opened = envelope::open(env, &me, "mbx-therapist", &|id| {
        therapist.known_sender(id).unwrap()
    })?;
    let hello = Hello::from_bytes(&opened.message.body).unwrap();
    s.therapist.accept_hello(&hello)
}

use rapport_core::Clock;

#[test]
fn a_client_pairs_once_and_the_label_stays_with_the_therapist() {
    let mut s = setup();
    let uri = invite(&mut s, "J.D.");
    assert!(!uri.contains("J.D."));
    let env = hello_envelope(&mut s, &uri);
    let peer = receive_hello(&mut s, &env).unwrap();
    assert_eq!(peer.label, "J.D.");
    assert_eq!(peer.card, s.client.device_identity().unwrap().card());
    assert_eq!(peer.mailbox_id, "mbx-client");
    let peers = s.therapist.peers().unwrap();
    assert_eq!(peers.len(), 1);

    // The same device's hello again (a join retried after a lost answer):
    // still one pairing, nothing changed. (Sync tells a replay from a newer
    // hello by its sequence number.)
    let again = receive_hello(&mut s, &env).unwrap();
    assert_eq!(again.card, peer.card);
    assert_eq!(s.therapist.peers().unwrap().len(), 1);

    // The same invite answered by a second device is refused.
    let dir = tempfile::tempdir().unwrap();
    s.client = Store::open_with(
        dir.path().join("other.db"),
        passphrase("o"),
        options(s.clock.clone()),
    )
    .unwrap();
    let other = hello_envelope(&mut s, &uri);
    let err = receive_hello(&mut s, &other).unwrap_err();
    assert!(
        matches!(err, Error::Pairing(PairingError::InviteAlreadyUsed)),
        "{err:?}"
    );
    assert_eq!(s.therapist.peers().unwrap().len(), 1);
}

#[test]
fn an_expired_invite_is_refused_by_client_and_therapist() {
    let mut s = setup();
    let uri = invite(&mut s, "A.B.");
    let env = hello_envelope(&mut s, &uri);
    s.clock.advance(Duration::days(8));
    assert!(matches!(
        Invite::parse(&uri, s.clock.now()),
        Err(InviteError::Expired { .. })
    ));
    assert!(matches!(
        receive_hello(&mut s, &env).unwrap_err(),
        Error::Pairing(PairingError::InviteExpired { .. })
    ));
}

#[test]
fn a_hello_with_a_wrong_mac_or_unknown_invite_is_refused() {
    let mut s = setup();
    let uri = invite(&mut s, "C.D.");
    let mut invite = Invite::parse(&uri, s.clock.now()).unwrap();
    let me = s.client.device_identity().unwrap();
    // Forged: right invite id, wrong secret.
    let real_id = invite.invite_id();
    invite.pairing_secret = [1; 32];
    let mut hello = Hello::new(&invite, &me, "mbx-client", "post-client");
    hello.invite_id = real_id;
    assert!(matches!(
        s.therapist.accept_hello(&hello).unwrap_err(),
        Error::Pairing(PairingError::BadMac)
    ));
    // An invite this therapist never made.
    let stranger = Hello::new(&invite, &me, "mbx-client", "post-client");
    assert!(matches!(
        s.therapist.accept_hello(&stranger).unwrap_err(),
        Error::Pairing(PairingError::UnknownInvite)
    ));
    // The real invite is still usable after those failures.
    let env = hello_envelope(&mut s, &uri);
    assert!(receive_hello(&mut s, &env).is_ok());
}

#[test]
fn identities_persist_and_secrets_labels_and_tokens_are_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let (card, uri) = {
        let mut store = open(&path, passphrase("t"));
        let card = store.device_identity().unwrap().card();
        let uri = store
            .create_invite(
                "https://relay.example.org",
                "mbx-LABELTEST",
                "post-SECRETTOKEN",
                "Label-Zq9-Initials",
                Duration::days(1),
            )
            .unwrap()
            .to_uri();
        (card, uri)
    };
    let mut store = open(&path, passphrase("t"));
    assert_eq!(store.device_identity().unwrap().card(), card);
    drop(store);
    assert!(uri.starts_with("rapport:invite/"));
    for (name, bytes) in all_bytes(dir.path()) {
        for needle in [
            "AGE-SECRET-KEY",
            "Label-Zq9-Initials",
            "post-SECRETTOKEN",
            "mbx-LABELTEST",
        ] {
            assert!(!contains(&bytes, needle.as_bytes()), "{needle} in {name}");
        }
    }
}

#[test]
fn an_invite_whose_expiry_or_use_was_changed_on_disk_is_refused() {
    let mut s = setup();
    let uri = invite(&mut s, "J.D.");
    let env = hello_envelope(&mut s, &uri);
    // Someone with the file (not the key) extends the invite by a year.
    let path = s.therapist.path().to_owned();
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute(
        "UPDATE invites SET expires_at = expires_at + 31536000000",
        [],
    )
    .unwrap();
    let err = receive_hello(&mut s, &env).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Store(rapport_core::StoreError::Tampered {
                table: "invites",
                ..
            })
        ),
        "{err:?}"
    );
    raw.execute(
        "UPDATE invites SET expires_at = expires_at - 31536000000",
        [],
    )
    .unwrap();
    receive_hello(&mut s, &env).unwrap();
    // Used now; making it unused again does not open it for a second device.
    raw.execute("UPDATE invites SET used_at = NULL", [])
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    s.client = Store::open_with(
        dir.path().join("other.db"),
        passphrase("o"),
        options(s.clock.clone()),
    )
    .unwrap();
    let other = hello_envelope(&mut s, &uri);
    let err = receive_hello(&mut s, &other).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Store(rapport_core::StoreError::Tampered {
                table: "invites",
                ..
            })
        ),
        "{err:?}"
    );
}
