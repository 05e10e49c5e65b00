//! What age decrypts an envelope to. Anyone with a device's public key can
//! make it decrypt anything, so everything after decryption is fuzzed
//! directly (`rapport_core::fuzzing::open_plaintext`): the envelope's own
//! layout, the message, a stranger's hello and the card in it, the
//! signature, and the binding to mailbox and recipient.
//!
//! Input: one byte of setup, then either the whole plaintext, or a message
//! the target signs itself (with the other party's key, a stranger's, or
//! the opener's own) and wraps for a chosen mailbox and recipient: without
//! that, no mutation would ever carry a valid signature and the checks after
//! it would go untested.
//!
//! Checked: whatever opens is bound to this mailbox and this device, signed
//! (checked again here, from the format) by the key of the device it names,
//! that device being the paired one or a stranger's own hello; the message
//! survives re-encoding; a refusal has a stable code.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rapport_core::envelope::{Hello, Message, MessageKind};
use rapport_core::{DeviceId, fuzzing};
use rapport_fuzz::{Parties, parties};

/// The plaintext's layout, written from the format (see core/tests/vectors.rs):
/// format, mailbox, recipient, the encoded message, its signature.
type SealedV1 = (u8, String, String, Vec<u8>, Vec<u8>);

const CODES: &[&str] = &[
    "malformed",
    "unknown_sender",
    "bad_signature",
    "wrong_mailbox",
    "wrong_recipient",
];

fuzz_target!(|data: &[u8]| {
    let Some((&setup, rest)) = data.split_first() else {
        return;
    };
    let parties = parties();
    let therapist = setup & 1 == 0;
    let paired = setup & 2 == 0;
    let me = parties.opener(therapist);
    let other = parties.opener(!therapist);
    let mailbox = Parties::mailbox_of(therapist);
    let plaintext = match (setup >> 2) & 3 {
        0 => rest.to_vec(),
        signer => {
            let signer = match signer {
                1 => other,
                2 => &parties.stranger,
                _ => me,
            };
            let to_mailbox = match (setup >> 4) & 3 {
                0 | 1 => mailbox,
                2 => Parties::mailbox_of(!therapist),
                _ => "",
            };
            let recipient = match setup >> 6 {
                0 | 1 => me.age_recipient(),
                2 => other.age_recipient(),
                _ => "age1",
            };
            let signature = signer.sign(&signed_bytes(to_mailbox, recipient, rest));
            let sealed: SealedV1 = (
                1,
                to_mailbox.into(),
                recipient.into(),
                rest.to_vec(),
                signature.to_vec(),
            );
            postcard::to_allocvec(&sealed).expect("encodes")
        }
    };
    let known = paired.then(|| parties.peer_of(therapist));
    let senders = |id: &DeviceId| known.clone().filter(|k| k.card.device_id == *id);

    match fuzzing::open_plaintext(&plaintext, me, mailbox, &senders) {
        Ok((opened, returned)) => {
            let (format, to_mailbox, recipient, message, signature): SealedV1 =
                postcard::from_bytes(&plaintext).expect("what opened decodes");
            assert_eq!(format, 1);
            assert_eq!(to_mailbox, mailbox, "bound to this mailbox");
            assert_eq!(recipient, me.age_recipient(), "bound to this device");
            let signature: [u8; 64] = signature.try_into().expect("a 64-byte signature");
            assert!(
                opened
                    .sender
                    .verifies(&signed_bytes(&to_mailbox, &recipient, &message), &signature),
                "signed by the device it opened as"
            );
            assert_eq!(
                DeviceId::for_key(&opened.sender.verifying_key),
                opened.message.sender,
                "the sender is who the key says"
            );
            let decoded: Message = postcard::from_bytes(&message).expect("the message decodes");
            assert_eq!(decoded, opened.message);
            match returned {
                Some(known) => assert_eq!(known.card, opened.sender, "the paired device"),
                None => {
                    assert_eq!(opened.message.kind, MessageKind::Hello, "only a hello");
                    let hello = Hello::from_bytes(&opened.message.body).expect("its hello");
                    assert_eq!(hello.card, opened.sender, "signed by the card it carries");
                    assert_ne!(
                        Some(opened.sender.device_id),
                        known.as_ref().map(|k| k.card.device_id)
                    );
                }
            }
            let again: Message =
                postcard::from_bytes(&postcard::to_allocvec(&opened.message).expect("encodes"))
                    .expect("re-encoded message decodes");
            assert_eq!(again, opened.message);
            assert!(
                opened.gap.is_none(),
                "the sequence is the caller's to check"
            );
        }
        Err(reason) => {
            assert!(CODES.contains(&reason.code()), "{reason:?}");
            assert!(!reason.to_string().is_empty());
        }
    }
});

/// What a signature covers (see core/tests/vectors.rs): a context string, the
/// mailbox and the recipient, each with its length, then the message.
fn signed_bytes(mailbox: &str, recipient: &str, message: &[u8]) -> Vec<u8> {
    let mut out = b"rapport.envelope.v1".to_vec();
    for part in [mailbox, recipient] {
        out.extend_from_slice(&(part.len() as u32).to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out.extend_from_slice(message);
    out
}
