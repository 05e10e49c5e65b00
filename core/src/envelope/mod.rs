//! Envelope v1: a signed message, age-encrypted to one device.
//!
//! Sealing: the [`Message`] is postcard-encoded; Ed25519 signs a context
//! string, the target mailbox, the recipient and those bytes; mailbox,
//! recipient, message and signature are then age-encrypted (binary, one X25519
//! recipient). age alone neither authenticates the sender nor binds the
//! ciphertext to a mailbox; the signature and the ids inside close both gaps.
//!
//! Opening checks, in order and each with its own [`QuarantineReason`]: size,
//! header shape (before age parses it), decryption, signature against the
//! paired sender, mailbox and recipient binding, and the sender's sequence.

mod header;
mod hello;

use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use header::{MAX_STANZAS, precheck};
pub use hello::Hello;

use crate::error::{KeyError, QuarantineReason};
use crate::identity::{DeviceCard, DeviceId, DeviceIdentity, verifies_with};

/// Largest envelope accepted (and produced).
pub const MAX_ENVELOPE_BYTES: usize = 64 * 1024;
const CONTEXT: &[u8] = b"rapport.envelope.v1";
const FORMAT_V1: u8 = 1;

/// What a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MessageKind {
    /// A client answering an invite (body: [`Hello`]).
    Hello,
    /// A new or edited check-in.
    CheckIn,
    /// A deleted check-in.
    Tombstone,
    /// The therapist saw a check-in.
    Receipt,
    /// The client stops sharing (body: `LeaveBody`); with `erase`, the
    /// therapist deletes everything it holds of that client.
    Leave,
    /// The therapist ended the pairing (body: `EndedBody`).
    Ended,
    // New kinds go last: postcard encodes a variant by its index, so moving
    // one would change the meaning of every envelope already sent.
    /// The therapist's short reply to one check-in (body: `ReplyBody`;
    /// `record_id` is the check-in's, `record_version` the reply's own).
    Reply,
    /// The client paused or resumed sharing (body: `SharingBody`).
    Sharing,
    /// One part of a therapist's checkpoint, sent to its own mailbox (body:
    /// `CheckpointChunk`).
    Checkpoint,
    /// A goal the client shares, as it now stands, or its withdrawal when
    /// the client made it private (body: `GoalUpdate`; `record_id` is the
    /// goal's, `record_version` its version).
    Goal,
}

/// The signed content of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// What the body is.
    pub kind: MessageKind,
    /// The sending device.
    pub sender: DeviceId,
    /// Per-sender counter, from 1: the receiver spots replays and gaps.
    pub seq: u64,
    /// The record concerned (for a hello, the invite's id as a UUID).
    pub record_id: Uuid,
    /// The record's version.
    pub record_version: u32,
    /// When the sender sealed it.
    pub sent_at: DateTime<Utc>,
    /// Kind-specific content. As bytes, not a sequence of `u8`: postcard
    /// writes both the same way (a length, then the bytes), but a sequence
    /// goes through serde one byte at a time.
    #[serde(with = "serde_bytes")]
    pub body: Vec<u8>,
}

/// What age encrypts: the binding, the message and its signature.
#[derive(Serialize, Deserialize)]
struct Sealed {
    format: u8,
    mailbox: String,
    recipient: String,
    #[serde(with = "serde_bytes")]
    message: Vec<u8>,
    #[serde(with = "serde_bytes")]
    signature: Vec<u8>,
}

/// What the receiver knows about a paired sender.
#[derive(Debug, Clone)]
pub struct KnownSender {
    /// Its card (signing key, recipient).
    pub card: DeviceCard,
    /// Every sequence number up to this one has been accepted (0: none yet).
    pub last_seq: u64,
    /// Numbers above `last_seq` accepted out of order (a relay may reorder).
    pub seen_above: Vec<u64>,
    /// `card`'s signing key, decompressed once for all its envelopes.
    key: Option<ed25519_dalek::VerifyingKey>,
}

impl KnownSender {
    /// A sender with nothing accepted above `last_seq`.
    pub fn new(card: DeviceCard, last_seq: u64) -> KnownSender {
        KnownSender {
            key: card.verifying_key(),
            card,
            last_seq,
            seen_above: Vec::new(),
        }
    }

    /// Refuses a sequence number already accepted; reports a gap when numbers
    /// below `seq` are still missing.
    pub fn check_sequence(&self, seq: u64) -> Result<Option<SequenceGap>, QuarantineReason> {
        // SQLite keeps integers signed: a number past i64::MAX would come
        // back negative. No sender counts that far; only a forger would.
        if seq == 0 || seq > MAX_SEQ {
            return Err(QuarantineReason::Malformed {
                detail: format!("sequence number {seq} is outside 1..={MAX_SEQ}"),
            });
        }
        if seq <= self.last_seq || self.seen_above.contains(&seq) {
            return Err(QuarantineReason::Replayed {
                sender: self.card.device_id.to_string(),
                seq,
            });
        }
        Ok((seq > self.last_seq + 1).then_some(SequenceGap {
            expected: self.last_seq + 1,
            received: seq,
        }))
    }
}

/// The largest sequence number accepted (what SQLite stores as itself).
pub const MAX_SEQ: u64 = i64::MAX as u64;

/// An envelope that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The message.
    pub message: Message,
    /// The sender's card (from the pairing, or from the hello itself).
    pub sender: DeviceCard,
    /// Set when sequence numbers were skipped: messages may have been lost.
    pub gap: Option<SequenceGap>,
}

/// Sequence numbers that never arrived from a sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SequenceGap {
    /// The number that was expected next.
    pub expected: u64,
    /// The number that arrived.
    pub received: u64,
}

fn signed_bytes(mailbox: &str, recipient: &str, message: &[u8]) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(CONTEXT.len() + 8 + mailbox.len() + recipient.len() + message.len());
    out.extend_from_slice(CONTEXT);
    for part in [mailbox.as_bytes(), recipient.as_bytes()] {
        out.extend_from_slice(&(part.len() as u32).to_be_bytes());
        out.extend_from_slice(part);
    }
    out.extend_from_slice(message);
    out
}

/// Signs `message` as `sender` and encrypts it to `recipient` for `mailbox`.
/// The message's `sender` field is set to the signing device.
pub fn seal(
    sender: &DeviceIdentity,
    mut message: Message,
    mailbox: &str,
    recipient: &str,
) -> Result<Vec<u8>, KeyError> {
    let age_recipient =
        age::x25519::Recipient::from_str(recipient).map_err(|e| KeyError::Damaged {
            detail: format!("recipient {recipient:?}: {e}"),
        })?;
    message.sender = sender.device_id();
    let encode_err = |e: postcard::Error| KeyError::Damaged {
        detail: format!("encoding a message: {e}"),
    };
    let message_bytes = postcard::to_allocvec(&message).map_err(encode_err)?;
    let signature = sender.sign(&signed_bytes(mailbox, recipient, &message_bytes));
    let plaintext = postcard::to_allocvec(&Sealed {
        format: FORMAT_V1,
        mailbox: mailbox.to_owned(),
        recipient: recipient.to_owned(),
        message: message_bytes,
        signature: signature.to_vec(),
    })
    .map_err(encode_err)?;
    let envelope = age::encrypt(&age_recipient, &plaintext).map_err(|e| KeyError::Damaged {
        detail: format!("encrypting an envelope: {e}"),
    })?;
    if envelope.len() > MAX_ENVELOPE_BYTES {
        return Err(KeyError::Damaged {
            detail: format!(
                "envelope of {} bytes is over the {MAX_ENVELOPE_BYTES}-byte limit",
                envelope.len()
            ),
        });
    }
    Ok(envelope)
}

/// Opens an envelope fetched from `mailbox` with this device's identity.
///
/// `senders` looks up a paired sender. A hello from an unknown device is
/// verified against the card it carries; whether that device may pair is for
/// the caller to decide (it must check the hello's MAC against the invite).
pub fn open(
    envelope: &[u8],
    me: &DeviceIdentity,
    mailbox: &str,
    senders: &dyn Fn(&DeviceId) -> Option<KnownSender>,
) -> Result<Opened, QuarantineReason> {
    let (mut opened, known) = open_authenticated(envelope, me, mailbox, senders)?;
    if let Some(known) = known {
        opened.gap = known.check_sequence(opened.message.seq)?;
    }
    Ok(opened)
}

/// Every check of [`open`] except the sequence number, which the caller then
/// checks with [`KnownSender::check_sequence`] (returned when the sender is
/// paired). This split lets a batch be decrypted and verified in parallel and
/// its sequence numbers checked in order.
pub fn open_authenticated(
    envelope: &[u8],
    me: &DeviceIdentity,
    mailbox: &str,
    senders: &dyn Fn(&DeviceId) -> Option<KnownSender>,
) -> Result<(Opened, Option<KnownSender>), QuarantineReason> {
    if envelope.len() > MAX_ENVELOPE_BYTES {
        return Err(QuarantineReason::TooLarge {
            size: envelope.len(),
            limit: MAX_ENVELOPE_BYTES,
        });
    }
    precheck(envelope)?;
    let plaintext = age::decrypt(me.unwrapper(), envelope).map_err(|e| match e {
        age::DecryptError::InvalidHeader | age::DecryptError::UnknownFormat => {
            QuarantineReason::BadHeader {
                detail: e.to_string(),
            }
        }
        _ => QuarantineReason::DecryptionFailed,
    })?;
    verify_plaintext(&plaintext, me.age_recipient(), mailbox, senders)
}

/// The checks of [`open_authenticated`] that follow decryption: what age
/// decrypted is decoded, its signature verified and its binding to
/// `mailbox` and this device (`my_recipient`) checked. Anyone holding this
/// device's public key can make age decrypt anything to here.
pub(crate) fn verify_plaintext(
    plaintext: &[u8],
    my_recipient: &str,
    mailbox: &str,
    senders: &dyn Fn(&DeviceId) -> Option<KnownSender>,
) -> Result<(Opened, Option<KnownSender>), QuarantineReason> {
    let malformed = |detail: String| QuarantineReason::Malformed { detail };
    let sealed: Sealed =
        postcard::from_bytes(plaintext).map_err(|e| malformed(format!("envelope: {e}")))?;
    if sealed.format != FORMAT_V1 {
        return Err(malformed(format!(
            "unknown envelope format {}",
            sealed.format
        )));
    }
    let message: Message =
        postcard::from_bytes(&sealed.message).map_err(|e| malformed(format!("message: {e}")))?;
    let signature: [u8; 64] = sealed
        .signature
        .as_slice()
        .try_into()
        .map_err(|_| malformed("signature is not 64 bytes".into()))?;

    let sender_text = message.sender.to_string();
    let known = senders(&message.sender);
    let card = match (&known, message.kind) {
        (Some(known), _) => known.card.clone(),
        (None, MessageKind::Hello) => {
            let hello =
                Hello::from_bytes(&message.body).map_err(|e| malformed(format!("hello: {e}")))?;
            if hello.card.device_id != message.sender {
                return Err(QuarantineReason::BadSignature {
                    sender: sender_text,
                });
            }
            hello
                .card
                .check()
                .map_err(|e| malformed(format!("hello card: {e}")))?;
            hello.card
        }
        (None, _) => {
            return Err(QuarantineReason::UnknownSender {
                sender: sender_text,
            });
        }
    };
    let signed = signed_bytes(&sealed.mailbox, &sealed.recipient, &sealed.message);
    let verified = match known.as_ref().and_then(|k| k.key.as_ref()) {
        Some(key) => verifies_with(key, &signed, &signature),
        None => card.verifies(&signed, &signature),
    };
    if !verified {
        return Err(QuarantineReason::BadSignature {
            sender: sender_text,
        });
    }
    if sealed.mailbox != mailbox {
        return Err(QuarantineReason::WrongMailbox {
            addressed_to: sealed.mailbox,
            arrived_in: mailbox.to_owned(),
        });
    }
    if sealed.recipient != my_recipient {
        return Err(QuarantineReason::WrongRecipient);
    }
    Ok((
        Opened {
            message,
            sender: card,
            gap: None,
        },
        known,
    ))
}

#[cfg(test)]
mod tests;
