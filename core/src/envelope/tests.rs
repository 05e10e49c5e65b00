use super::*;
use crate::invite::Invite;
use chrono::{Duration, TimeZone};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

fn message(kind: MessageKind, seq: u64) -> Message {
    Message {
        kind,
        sender: DeviceId([0; 16]),
        seq,
        record_id: Uuid::from_u128(42),
        record_version: 1,
        sent_at: now(),
        body: b"sealed check-in".to_vec(),
    }
}

struct Pair {
    client: DeviceIdentity,
    therapist: DeviceIdentity,
}

fn pair() -> Pair {
    Pair {
        client: DeviceIdentity::generate().unwrap(),
        therapist: DeviceIdentity::generate().unwrap(),
    }
}

fn known(card: DeviceCard, last_seq: u64) -> impl Fn(&DeviceId) -> Option<KnownSender> {
    move |id| (*id == card.device_id).then(|| KnownSender::new(card.clone(), last_seq))
}

#[test]
fn a_sealed_message_opens_for_its_recipient_in_its_mailbox() {
    let p = pair();
    let to = p.therapist.card().age_recipient;
    let env = seal(&p.client, message(MessageKind::CheckIn, 1), "mbx-t", &to).unwrap();
    let opened = open(&env, &p.therapist, "mbx-t", &known(p.client.card(), 0)).unwrap();
    assert_eq!(opened.message.sender, p.client.device_id());
    assert_eq!(opened.message.body, b"sealed check-in");
    assert_eq!(opened.gap, None);
}

#[test]
fn an_envelope_reposted_to_another_mailbox_is_refused() {
    let p = pair();
    let to = p.therapist.card().age_recipient;
    let env = seal(&p.client, message(MessageKind::CheckIn, 1), "mbx-a", &to).unwrap();
    assert_eq!(
        open(&env, &p.therapist, "mbx-b", &known(p.client.card(), 0)).unwrap_err(),
        QuarantineReason::WrongMailbox {
            addressed_to: "mbx-a".into(),
            arrived_in: "mbx-b".into()
        }
    );
}

#[test]
fn unknown_senders_forged_signatures_and_replays_are_refused() {
    let p = pair();
    let to = p.therapist.card().age_recipient;
    let env = seal(&p.client, message(MessageKind::CheckIn, 5), "m", &to).unwrap();
    assert!(matches!(
        open(&env, &p.therapist, "m", &|_| None).unwrap_err(),
        QuarantineReason::UnknownSender { .. }
    ));
    // Someone else's key registered under the client's id.
    let impostor = DeviceIdentity::generate().unwrap().card();
    let lookup = |_: &DeviceId| Some(KnownSender::new(impostor.clone(), 0));
    assert!(matches!(
        open(&env, &p.therapist, "m", &lookup).unwrap_err(),
        QuarantineReason::BadSignature { .. }
    ));
    assert!(matches!(
        open(&env, &p.therapist, "m", &known(p.client.card(), 5)).unwrap_err(),
        QuarantineReason::Replayed { seq: 5, .. }
    ));
    let opened = open(&env, &p.therapist, "m", &known(p.client.card(), 2)).unwrap();
    assert_eq!(
        opened.gap,
        Some(SequenceGap {
            expected: 3,
            received: 5
        })
    );
}

#[test]
fn another_device_cannot_decrypt() {
    let p = pair();
    let to = p.therapist.card().age_recipient;
    let env = seal(&p.client, message(MessageKind::CheckIn, 1), "m", &to).unwrap();
    let stranger = DeviceIdentity::generate().unwrap();
    assert_eq!(
        open(&env, &stranger, "m", &known(p.client.card(), 0)).unwrap_err(),
        QuarantineReason::DecryptionFailed
    );
}

#[test]
fn a_hello_from_an_unknown_device_opens_and_its_mac_proves_the_invite() {
    let p = pair();
    let invite = Invite {
        relay_url: "https://relay.example.org".into(),
        mailbox_id: "mbx-t".into(),
        post_token: "tok".into(),
        therapist: p.therapist.card(),
        pairing_secret: [3; 32],
        expires_at: now() + Duration::days(7),
    };
    let hello = Hello::new(&invite, &p.client, "mbx-c", "tok-c");
    let mut msg = message(MessageKind::Hello, 1);
    msg.body = hello.to_bytes();
    let env = seal(&p.client, msg, "mbx-t", &invite.therapist.age_recipient).unwrap();
    let opened = open(&env, &p.therapist, "mbx-t", &|_| None).unwrap();
    assert_eq!(opened.sender, p.client.card());
    let got = Hello::from_bytes(&opened.message.body).unwrap();
    assert_eq!(got.verify_mac(&invite.pairing_secret), Ok(()));
    assert_eq!(
        got.verify_mac(&[4; 32]),
        Err(crate::error::PairingError::BadMac)
    );
    let mut swapped = got.clone();
    swapped.post_token = "attacker".into();
    assert_eq!(
        swapped.verify_mac(&invite.pairing_secret),
        Err(crate::error::PairingError::BadMac)
    );
}

#[test]
fn oversized_and_garbage_envelopes_are_refused_before_decryption() {
    let p = pair();
    let big = vec![0u8; MAX_ENVELOPE_BYTES + 1];
    assert!(matches!(
        open(&big, &p.therapist, "m", &|_| None).unwrap_err(),
        QuarantineReason::TooLarge { .. }
    ));
    assert!(matches!(
        open(b"random bytes", &p.therapist, "m", &|_| None).unwrap_err(),
        QuarantineReason::BadHeader { .. }
    ));
}

#[test]
fn numbers_accepted_out_of_order_are_replays_too() {
    let card = DeviceIdentity::generate().unwrap().card();
    let mut known = KnownSender::new(card, 3);
    known.seen_above = vec![5];
    assert!(known.check_sequence(5).is_err());
    assert!(known.check_sequence(3).is_err());
    assert_eq!(known.check_sequence(4), Ok(None));
    assert_eq!(
        known.check_sequence(7),
        Ok(Some(SequenceGap {
            expected: 4,
            received: 7
        }))
    );
}

#[test]
fn message_kinds_keep_their_wire_index_as_kinds_are_added() {
    // Envelopes already on relays and in test vectors name their kind by
    // index: adding a kind anywhere but last would change what they mean.
    let kinds = [
        MessageKind::Hello,
        MessageKind::CheckIn,
        MessageKind::Tombstone,
        MessageKind::Receipt,
        MessageKind::Leave,
        MessageKind::Ended,
        MessageKind::Reply,
        MessageKind::Sharing,
        MessageKind::Checkpoint,
        MessageKind::Goal,
    ];
    for (index, kind) in kinds.iter().enumerate() {
        assert_eq!(postcard::to_allocvec(kind).unwrap(), vec![index as u8]);
    }
}

#[test]
fn a_hello_in_debug_output_shows_neither_its_token_nor_its_mac() {
    let p = pair();
    let invite = Invite {
        relay_url: "https://relay.example.org".into(),
        mailbox_id: "mbx-t".into(),
        post_token: "tok".into(),
        therapist: p.therapist.card(),
        pairing_secret: [3; 32],
        expires_at: now() + Duration::days(7),
    };
    let hello = Hello::new(&invite, &p.client, "mbx-c", "secret-post-token");
    let debug = format!("{hello:?}");
    assert!(!debug.contains("secret-post-token"), "{debug}");
    assert!(!debug.contains(&format!("{:?}", hello.mac)), "{debug}");
    assert!(
        debug.contains("<redacted>") && debug.contains("mbx-c"),
        "{debug}"
    );
}

#[test]
fn a_sequence_number_past_what_sqlite_stores_is_malformed_not_a_replay() {
    let p = pair();
    let known = KnownSender::new(p.client.card(), 5);
    for seq in [0, MAX_SEQ + 1, u64::MAX] {
        assert!(
            matches!(
                known.check_sequence(seq),
                Err(QuarantineReason::Malformed { .. })
            ),
            "{seq}"
        );
    }
    assert!(known.check_sequence(MAX_SEQ).is_ok());
    assert!(matches!(
        known.check_sequence(5),
        Err(QuarantineReason::Replayed { .. })
    ));
}

/// `Message::body` and the sealed message and signature are serialized as
/// bytes: postcard must write them exactly as it wrote the `Vec<u8>`
/// sequences before, or envelopes sealed by older apps (and their
/// signatures, over these bytes) would no longer agree with ours.
#[test]
fn bytes_fields_encode_as_the_sequences_they_were() {
    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct MessageAsSequence {
        kind: MessageKind,
        sender: DeviceId,
        seq: u64,
        record_id: Uuid,
        record_version: u32,
        sent_at: DateTime<Utc>,
        body: Vec<u8>,
    }
    #[derive(Serialize, Deserialize)]
    struct SealedAsSequence {
        format: u8,
        mailbox: String,
        recipient: String,
        message: Vec<u8>,
        signature: Vec<u8>,
    }
    // Lengths on both sides of each varint boundary, and a checkpoint part.
    for len in [0, 1, 127, 128, 300, 16_383, 16_384, 49_152 + 7] {
        let body: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
        let ours = Message {
            body: body.clone(),
            ..message(MessageKind::CheckIn, 3)
        };
        let before = MessageAsSequence {
            kind: ours.kind,
            sender: ours.sender,
            seq: ours.seq,
            record_id: ours.record_id,
            record_version: ours.record_version,
            sent_at: ours.sent_at,
            body: body.clone(),
        };
        let bytes = postcard::to_allocvec(&ours).unwrap();
        assert_eq!(bytes, postcard::to_allocvec(&before).unwrap(), "{len}");
        assert_eq!(postcard::from_bytes::<Message>(&bytes).unwrap(), ours);
        assert_eq!(
            postcard::from_bytes::<MessageAsSequence>(&bytes).unwrap(),
            before
        );

        let sealed = Sealed {
            format: FORMAT_V1,
            mailbox: "mbx".into(),
            recipient: "age1".into(),
            message: bytes.clone(),
            signature: vec![9; 64],
        };
        let sealed_bytes = postcard::to_allocvec(&sealed).unwrap();
        let as_sequence = SealedAsSequence {
            format: FORMAT_V1,
            mailbox: "mbx".into(),
            recipient: "age1".into(),
            message: bytes,
            signature: vec![9; 64],
        };
        assert_eq!(sealed_bytes, postcard::to_allocvec(&as_sequence).unwrap());
        let back: Sealed = postcard::from_bytes(&sealed_bytes).unwrap();
        assert_eq!(
            (back.message, back.signature),
            (sealed.message, sealed.signature)
        );
    }
}
