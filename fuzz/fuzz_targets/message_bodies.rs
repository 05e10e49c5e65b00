//! The decoders of what an envelope carries once it is authenticated: the
//! message, a hello, and each body (check-in, receipt, leave, ended, reply,
//! sharing notice, goal), followed by the checks the receiver then makes. A paired
//! peer (or a modified app) controls every byte of these.
//!
//! Input: one byte choosing the decoder, then the bytes to decode.
//!
//! Checked: what decodes re-encodes to something that decodes to the same
//! value (the therapist stores received check-ins re-encoded, so a value
//! that does not survive this would break its dashboard later); a reply's
//! text passes `check_reply_text` only within its rules, and passing is
//! stable; a hello's MAC holds only for the right secret and the exact MAC;
//! a card passes its check only if its id is its key's; a goal that decodes
//! holds every rule a client's app applies (each wording trimmed, 1 to 200
//! characters, no control character; at most 20 earlier wordings), and
//! what the therapist stores of it reads back unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rapport_core::DeviceId;
use rapport_core::envelope::{Hello, Message};
use rapport_core::model::{MAX_EARLIER_TEXTS, check_goal_text};
use rapport_core::sync::{
    CheckInBody, EndedBody, GoalBody, GoalUpdate, LeaveBody, REPLY_MAX_CHARS, ReceiptBody,
    ReplyBody, SharingBody, check_reply_text,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The pairing secret of the vectors' invite.
const PAIRING_SECRET: [u8; 32] = [0x5a; 32];

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    match which % 9 {
        0 => {
            if let Ok(body) = CheckInBody::from_bytes(bytes) {
                let encoded = body.to_bytes().expect("a decoded check-in encodes");
                assert_eq!(CheckInBody::from_bytes(&encoded).as_ref(), Ok(&body));
                // What the therapist seals in `received` is postcard too.
                assert_eq!(postcard::to_allocvec(&body).ok(), Some(encoded));
            }
        }
        1 => {
            round_trip::<ReceiptBody>(bytes);
        }
        2 => {
            round_trip::<LeaveBody>(bytes);
        }
        3 => {
            round_trip::<EndedBody>(bytes);
        }
        4 => {
            if let Some(reply) = round_trip::<ReplyBody>(bytes) {
                reply_rules(&reply.text);
            }
        }
        5 => {
            round_trip::<SharingBody>(bytes);
        }
        6 => {
            if let Ok(hello) = Hello::from_bytes(bytes) {
                let again = Hello::from_bytes(&hello.to_bytes()).expect("a hello re-encodes");
                assert!(again == hello, "a hello survives re-encoding");
                hello_rules(&hello);
            }
        }
        7 => {
            round_trip::<Message>(bytes);
        }
        _ => {
            if let Ok(update) = GoalUpdate::from_bytes(bytes) {
                let encoded = update.to_bytes().expect("a decoded goal encodes");
                assert_eq!(GoalUpdate::from_bytes(&encoded).as_ref(), Ok(&update));
                if let GoalUpdate::Shared(body) = &update {
                    goal_rules(body);
                    // What the therapist seals in `goals` is postcard too.
                    round_trip::<GoalBody>(&postcard::to_allocvec(body).expect("encodes"));
                }
            }
        }
    }
});

/// What a therapist accepts of a goal: what the client's app would let
/// through, and no more.
fn goal_rules(body: &GoalBody) {
    for text in std::iter::once(&body.text).chain(body.earlier_texts.iter().map(|w| &w.text)) {
        assert_eq!(check_goal_text(text).as_ref(), Ok(text), "{text:?}");
    }
    assert!(body.earlier_texts.len() <= MAX_EARLIER_TEXTS);
}

/// Decodes `bytes` as the receiver does (postcard) and checks the value
/// survives being encoded again.
fn round_trip<T>(bytes: &[u8]) -> Option<T>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let value: T = postcard::from_bytes(bytes).ok()?;
    let encoded = postcard::to_allocvec(&value).expect("a decoded value encodes");
    let again: T = postcard::from_bytes(&encoded).expect("a re-encoded value decodes");
    assert_eq!(again, value);
    Some(value)
}

/// What a client keeps of a reply: trimmed, not empty, at most
/// `REPLY_MAX_CHARS` characters, no control character but line breaks.
fn reply_rules(text: &str) {
    let Ok(kept) = check_reply_text(text) else {
        return;
    };
    assert!(!kept.is_empty());
    assert_eq!(kept, kept.trim());
    assert!(kept.chars().count() <= REPLY_MAX_CHARS);
    assert!(!kept.chars().any(|c| c.is_control() && c != '\n'));
    assert_eq!(check_reply_text(&kept).ok(), Some(kept.clone()), "stable");
}

/// What a therapist checks of a hello before pairing.
fn hello_rules(hello: &Hello) {
    if hello.card.check().is_ok() {
        assert_eq!(
            DeviceId::for_key(&hello.card.verifying_key),
            hello.card.device_id
        );
    }
    if hello.verify_mac(&PAIRING_SECRET).is_ok() {
        // Only the vectors' own hello gets here (a MAC cannot be guessed);
        // it must hold for that secret and that MAC only.
        let mut other_secret = PAIRING_SECRET;
        other_secret[31] ^= 1;
        assert!(hello.verify_mac(&other_secret).is_err());
        for i in 0..hello.mac.len() {
            let mut altered = hello.clone();
            altered.mac[i] ^= 0x80;
            assert!(altered.verify_mac(&PAIRING_SECRET).is_err());
        }
    }
}
