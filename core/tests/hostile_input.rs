//! Property tests: whatever bytes arrive, the invite parser and the envelope
//! opener answer with a typed error (or the genuine content), never a panic.

use std::sync::OnceLock;

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use rapport_core::envelope::{self, KnownSender, Message, MessageKind};
use rapport_core::{DeviceIdentity, Invite};

struct Fixture {
    therapist: DeviceIdentity,
    client: DeviceIdentity,
    invite: Invite,
    uri: String,
    envelope: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let therapist = DeviceIdentity::generate().unwrap();
        let client = DeviceIdentity::generate().unwrap();
        let invite = Invite {
            relay_url: "https://relay.example.org".into(),
            mailbox_id: "mbx-t".into(),
            post_token: "tok".into(),
            therapist: therapist.card(),
            pairing_secret: [7; 32],
            expires_at: Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap(),
        };
        let message = Message {
            kind: MessageKind::CheckIn,
            sender: client.device_id(),
            seq: 1,
            record_id: uuid::Uuid::from_u128(1),
            record_version: 1,
            sent_at: Utc::now(),
            body: vec![1, 2, 3],
        };
        let envelope =
            envelope::seal(&client, message, "mbx-t", &therapist.card().age_recipient).unwrap();
        Fixture {
            uri: invite.to_uri(),
            therapist,
            client,
            invite,
            envelope,
        }
    })
}

fn open(bytes: &[u8]) -> Result<envelope::Opened, rapport_core::QuarantineReason> {
    let f = fixture();
    let card = f.client.card();
    envelope::open(bytes, &f.therapist, "mbx-t", &|id| {
        (*id == card.device_id).then(|| KnownSender::new(card.clone(), 0))
    })
}

fn now() -> chrono::DateTime<Utc> {
    Utc::now() - Duration::days(1)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_text_is_never_an_invite(text in ".{0,300}") {
        prop_assert!(Invite::parse(&text, now()).is_err());
        let prefixed = format!("rapport:invite/{text}");
        prop_assert!(Invite::parse(&prefixed, now()).is_err());
    }

    #[test]
    fn a_mutated_invite_is_refused_or_unchanged(
        pos in any::<prop::sample::Index>(),
        replacement in proptest::char::range('-', 'z'),
        cut in any::<prop::sample::Index>(),
        mode in 0u8..3,
    ) {
        let f = fixture();
        let uri = &f.uri;
        let mutated = match mode {
            0 => {
                let i = pos.index(uri.len());
                let mut s = uri.clone();
                s.replace_range(i..i + 1, &replacement.to_string());
                s
            }
            1 => uri[..cut.index(uri.len())].to_string(),
            _ => {
                let i = pos.index(uri.len());
                format!("{}{}{}", &uri[..i], replacement, &uri[i..])
            }
        };
        match Invite::parse(&mutated, now()) {
            Ok(parsed) => prop_assert_eq!(&parsed, &f.invite),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn random_bytes_never_open(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        prop_assert!(open(&bytes).is_err());
        let mut with_magic = b"age-encryption.org/v1\n".to_vec();
        with_magic.extend_from_slice(&bytes);
        prop_assert!(open(&with_magic).is_err());
    }

    #[test]
    fn a_mutated_envelope_never_opens(
        pos in any::<prop::sample::Index>(),
        xor in 1u8..=255,
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let f = fixture();
        let mut bytes = f.envelope.clone();
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        } else {
            let i = pos.index(bytes.len());
            bytes[i] ^= xor;
        }
        let result = open(&bytes);
        prop_assert!(result.is_err(), "a damaged envelope opened");
        prop_assert!(!result.unwrap_err().code().is_empty());
    }
}

#[test]
fn the_unmutated_fixtures_are_accepted() {
    let f = fixture();
    assert_eq!(Invite::parse(&f.uri, now()).unwrap(), f.invite);
    assert_eq!(open(&f.envelope).unwrap().message.body, vec![1, 2, 3]);
}
