//! Reading invites and opening single envelopes outside a store: what an app
//! needs to preview an invite before joining, and what every binding's tests
//! use to check the shared vectors in `tests/vectors/` against the very same
//! parser and opener the core uses.

use std::time::SystemTime;

use rapport_core::envelope;
use rapport_core::identity::{key_from_hex, to_hex};
use rapport_core::{DeviceId, DeviceIdentity, Invite};

use crate::error::RapportError;

/// What an invite says, without its pairing secret.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct InviteInfo {
    /// The relay's base URL (build the `Transport` for it before joining).
    pub relay_url: String,
    /// The therapist's mailbox on that relay.
    pub mailbox_id: String,
    /// The post-only token for that mailbox.
    pub post_token: String,
    /// The therapist's device id (32 hex digits).
    pub therapist_device_id: String,
    /// The therapist's `age1...` recipient.
    pub therapist_age_recipient: String,
    /// After this instant the invite is refused.
    pub expires_at: SystemTime,
}

/// A device's secret keys, as test vectors and recovery tools write them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeviceSecrets {
    /// The `AGE-SECRET-KEY-1...` string.
    pub age_secret: String,
    /// The 32-byte Ed25519 seed, as 64 hex digits.
    pub signing_seed_hex: String,
}

/// A device's public keys.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeviceCard {
    /// 32 hex digits, derived from the signing key.
    pub device_id: String,
    /// Where to encrypt to: an `age1...` recipient.
    pub age_recipient: String,
    /// The Ed25519 verifying key, as 64 hex digits.
    pub verifying_key_hex: String,
}

/// A sender the opener has paired with.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PairedSender {
    /// Its public keys.
    pub card: DeviceCard,
    /// Every sequence number up to this one was accepted (0: none yet).
    pub last_seq: u64,
}

/// What a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MessageKind {
    /// A client answering an invite.
    Hello,
    /// A new or edited check-in.
    CheckIn,
    /// A deleted check-in.
    Tombstone,
    /// The therapist saw a check-in.
    Receipt,
    /// The client left (or erased everything).
    Leave,
    /// The therapist ended the pairing.
    Ended,
    /// The therapist's reply to a check-in.
    Reply,
    /// The client paused or resumed sharing.
    Sharing,
    /// A part of a therapist's checkpoint, sent to itself.
    Checkpoint,
    /// A goal the client shares, or its withdrawal.
    Goal,
}

/// Sequence numbers that never arrived from a sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct SequenceGap {
    /// The number that was expected next.
    pub expected: u64,
    /// The number that arrived.
    pub received: u64,
}

/// An envelope that passed every check.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OpenedEnvelope {
    /// What the body is.
    pub kind: MessageKind,
    /// The sending device id.
    pub sender: String,
    /// The sender's sequence number.
    pub seq: u64,
    /// The record concerned (for a hello, the invite's id).
    pub record_id: String,
    /// The record's version.
    pub record_version: u32,
    /// When the sender sealed it.
    pub sent_at: SystemTime,
    /// Kind-specific content (still encoded).
    pub body: Vec<u8>,
    /// Set when sequence numbers were skipped.
    pub gap: Option<SequenceGap>,
}

/// Parses a `rapport:invite/...` link strictly, as of `now`. Fails with
/// `InvalidInvite` whose `code` is `InviteError::code` (`not_an_invite`,
/// `truncated`, `altered`, `unsupported_version`, `expired`, `malformed`).
#[uniffi::export]
pub fn parse_invite(uri: String, now: SystemTime) -> Result<InviteInfo, RapportError> {
    let invite = Invite::parse(&uri, now.into())?;
    Ok(InviteInfo {
        relay_url: invite.relay_url,
        mailbox_id: invite.mailbox_id,
        post_token: invite.post_token,
        therapist_device_id: invite.therapist.device_id.to_string(),
        therapist_age_recipient: invite.therapist.age_recipient,
        expires_at: invite.expires_at.into(),
    })
}

/// The public card of the device with these secret keys.
#[uniffi::export]
pub fn device_card(secrets: DeviceSecrets) -> Result<DeviceCard, RapportError> {
    let card = identity(&secrets)?.card();
    Ok(DeviceCard {
        device_id: card.device_id.to_string(),
        age_recipient: card.age_recipient,
        verifying_key_hex: to_hex(&card.verifying_key),
    })
}

/// Opens one envelope fetched from `mailbox` as the device `opener`, with
/// `sender` paired (or nothing paired): every check sync makes, in the same
/// order. Fails with `EnvelopeRefused` whose `code` is
/// `QuarantineReason::code` (`bad_signature`, `replayed`, ...).
#[uniffi::export]
pub fn open_envelope(
    envelope: Vec<u8>,
    opener: DeviceSecrets,
    mailbox: String,
    sender: Option<PairedSender>,
) -> Result<OpenedEnvelope, RapportError> {
    let me = identity(&opener)?;
    let known = sender
        .map(|s| Ok::<_, RapportError>(envelope::KnownSender::new(card(&s.card)?, s.last_seq)))
        .transpose()?;
    let lookup = |id: &DeviceId| known.clone().filter(|k| k.card.device_id == *id);
    let opened = envelope::open(&envelope, &me, &mailbox, &lookup)?;
    let m = opened.message;
    Ok(OpenedEnvelope {
        kind: match m.kind {
            envelope::MessageKind::Hello => MessageKind::Hello,
            envelope::MessageKind::CheckIn => MessageKind::CheckIn,
            envelope::MessageKind::Tombstone => MessageKind::Tombstone,
            envelope::MessageKind::Receipt => MessageKind::Receipt,
            envelope::MessageKind::Leave => MessageKind::Leave,
            envelope::MessageKind::Ended => MessageKind::Ended,
            envelope::MessageKind::Reply => MessageKind::Reply,
            envelope::MessageKind::Sharing => MessageKind::Sharing,
            envelope::MessageKind::Checkpoint => MessageKind::Checkpoint,
            envelope::MessageKind::Goal => MessageKind::Goal,
        },
        sender: m.sender.to_string(),
        seq: m.seq,
        record_id: m.record_id.to_string(),
        record_version: m.record_version,
        sent_at: m.sent_at.into(),
        body: m.body,
        gap: opened.gap.map(|g| SequenceGap {
            expected: g.expected,
            received: g.received,
        }),
    })
}

fn identity(secrets: &DeviceSecrets) -> Result<DeviceIdentity, RapportError> {
    let seed = key_from_hex(&secrets.signing_seed_hex, "signing seed")?;
    Ok(DeviceIdentity::from_parts(&secrets.age_secret, &seed)?)
}

fn card(card: &DeviceCard) -> Result<rapport_core::DeviceCard, RapportError> {
    Ok(rapport_core::DeviceCard {
        device_id: card.device_id.parse()?,
        age_recipient: card.age_recipient.clone(),
        verifying_key: key_from_hex(&card.verifying_key_hex, "verifying key")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_that_is_not_hex_is_key_unavailable_naming_the_key() {
        let secrets = DeviceSecrets {
            age_secret: String::new(),
            signing_seed_hex: "abc".into(),
        };
        match device_card(secrets) {
            Err(RapportError::KeyUnavailable { reason }) => {
                assert!(
                    reason.contains("signing seed must be 64 hex digits"),
                    "{reason}"
                )
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_card_derived_from_secrets_opens_what_they_seal() {
        let a = DeviceIdentity::generate().unwrap();
        let (age, seed) = a.secret_parts();
        let secrets = DeviceSecrets {
            age_secret: age.to_string(),
            signing_seed_hex: to_hex(&seed[..]),
        };
        let card = device_card(secrets.clone()).unwrap();
        assert_eq!(card.device_id, a.device_id().to_string());
        let message = envelope::Message {
            kind: envelope::MessageKind::Receipt,
            sender: a.device_id(),
            seq: 1,
            record_id: uuid::Uuid::nil(),
            record_version: 1,
            sent_at: chrono::Utc::now(),
            body: b"seen".to_vec(),
        };
        let sealed = envelope::seal(&a, message, "mbx", &card.age_recipient).unwrap();
        let paired = PairedSender { card, last_seq: 0 };
        let opened =
            open_envelope(sealed.clone(), secrets.clone(), "mbx".into(), Some(paired)).unwrap();
        assert_eq!(opened.body, b"seen");
        match open_envelope(sealed, secrets, "mbx".into(), None) {
            Err(RapportError::EnvelopeRefused { code, .. }) => assert_eq!(code, "unknown_sender"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
