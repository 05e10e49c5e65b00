//! Secrets never show in `Debug` output (a log line, a panic message, a test
//! failure): tokens, pairing secrets, MACs, names and labels are redacted in
//! every type that holds them.

mod common;

use rapport_core::sync::{MemoryTransport, Transport};

fn assert_hides(what: &str, debug: String, secrets: &[&str]) {
    assert!(debug.contains("<redacted>"), "{what}: {debug}");
    for secret in secrets {
        assert!(!debug.contains(secret), "{what} shows {secret:?}: {debug}");
    }
}

#[test]
fn debug_output_shows_that_a_secret_is_there_never_what_it_is() {
    let relay = MemoryTransport::new();
    let mut p = common::practice(&relay, &["K.L."]);
    let account = p.therapist.account().unwrap().unwrap();
    assert_hides(
        "Account",
        format!("{account:?}"),
        &[&account.read_token, "Dr. Example"],
    );

    let invite = p
        .therapist
        .invite_client(&relay, "M.N.", chrono::Duration::days(7))
        .unwrap();
    let secret_hex: String = invite
        .pairing_secret
        .iter()
        .map(|b| format!("{b}"))
        .collect();
    let debug = format!("{invite:?}");
    assert_hides("Invite", debug.clone(), &[&invite.post_token, "M.N."]);
    assert!(
        !debug.contains(&format!("{:?}", invite.pairing_secret)),
        "{debug}"
    );
    assert!(!secret_hex.is_empty());

    let (peer, _) = p.therapist.peers().unwrap().into_iter().next().unwrap();
    assert_hides("Peer", format!("{peer:?}"), &[&peer.post_token, "K.L."]);

    let creds = relay.create_mailbox().unwrap();
    assert_hides(
        "MailboxCredentials",
        format!("{creds:?}"),
        &[&creds.read_token],
    );
    let token = relay
        .mint_post_token(&creds.mailbox_id, &creds.read_token)
        .unwrap();
    assert_hides("PostToken", format!("{token:?}"), &[&token.post_token]);
    p.clients.clear();
}
