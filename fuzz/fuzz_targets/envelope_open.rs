//! The envelope opener, on whatever bytes a relay delivers: size, the age
//! header's precheck, age itself, then every check after decryption.
//!
//! Input: one byte of setup, then the envelope. The setup says who opens it
//! (the vectors' therapist or client), whether the other party is paired and
//! its last accepted sequence number, and from which mailbox it was fetched.
//!
//! Checked: nothing opens but what a genuine envelope of the vectors holds
//! (a mutation may still open if it only touched what age does not
//! authenticate, such as a grease stanza, but it cannot change the message),
//! and it opens as from the device that signed it; a refusal has a stable
//! code.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rapport_core::envelope::{self, KnownSender};
use rapport_fuzz::{Parties, parties};

const CODES: &[&str] = &[
    "too_large",
    "bad_header",
    "too_many_stanzas",
    "scrypt_stanza",
    "decryption_failed",
    "malformed",
    "unknown_sender",
    "bad_signature",
    "wrong_mailbox",
    "wrong_recipient",
    "replayed",
];

fuzz_target!(|data: &[u8]| {
    let Some((&setup, envelope)) = data.split_first() else {
        return;
    };
    let parties = parties();
    let therapist = setup & 1 == 0;
    let paired = setup & 2 == 0;
    let mailbox = match (setup >> 2) & 3 {
        0 => Parties::mailbox_of(therapist),
        1 => Parties::mailbox_of(!therapist),
        2 => "mbx-other",
        _ => "",
    };
    let last_seq = u64::from(setup >> 4);
    let me = parties.opener(therapist);
    let known = paired.then(|| KnownSender::new(parties.opener(!therapist).card(), last_seq));
    let senders = |id: &rapport_core::DeviceId| known.clone().filter(|k| k.card.device_id == *id);

    match envelope::open(envelope, me, mailbox, &senders) {
        Ok(opened) => {
            assert!(
                parties.genuine.contains(&opened.message),
                "only a genuine message opens: {:?}",
                opened.message
            );
            assert_eq!(opened.sender.device_id, opened.message.sender);
            if let Some(gap) = opened.gap {
                assert_eq!(gap.expected, last_seq + 1);
                assert!(gap.received > gap.expected);
            }
        }
        Err(reason) => {
            assert!(CODES.contains(&reason.code()), "{reason:?}");
            assert!(!reason.to_string().is_empty());
        }
    }
});
