//! The invite parser: whatever a QR code or a pasted link holds.
//!
//! The first byte chooses how the rest is read, so the fuzzer reaches every
//! layer: (0) the text as pasted; (1) raw bytes, base64url-encoded behind the
//! prefix, for the framing (version, length, checksum); (2) an invite body,
//! framed with a correct length and checksum, for the fields themselves (no
//! mutation would ever get past a SHA-256 checksum by chance).
//!
//! Checked: an invite that parses is exactly what its own URI parses to; the
//! expiry check agrees with the field; every refusal has a stable code and
//! a sentence for a person.

#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use rapport_core::Invite;
use rapport_core::invite::{INVITE_PREFIX, INVITE_VERSION};
use sha2::{Digest, Sha256};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let uri = match mode % 3 {
        0 => match std::str::from_utf8(rest) {
            Ok(text) => text.to_owned(),
            Err(_) => return,
        },
        1 => format!("{INVITE_PREFIX}{}", URL_SAFE_NO_PAD.encode(rest)),
        _ => framed(rest),
    };
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    match Invite::parse_ignoring_expiry(&uri) {
        Ok(invite) => {
            let again = Invite::parse_ignoring_expiry(&invite.to_uri())
                .expect("an invite's own URI parses");
            assert_eq!(again, invite, "an invite survives its own URI");
            let checked = Invite::parse(&uri, now);
            if invite.expires_at > now {
                assert_eq!(checked.as_ref(), Ok(&invite));
            } else {
                assert_eq!(checked.map_err(|e| e.code()), Err("expired"));
            }
        }
        Err(error) => {
            assert!(
                matches!(
                    error.code(),
                    "not_an_invite" | "truncated" | "altered" | "unsupported_version" | "malformed"
                ),
                "{error:?}"
            );
            assert!(!error.to_string().is_empty());
            // Refused without the clock, refused with it, for the same reason.
            assert_eq!(
                Invite::parse(&uri, now).map_err(|e| e.code()),
                Err(error.code())
            );
        }
    }
});

/// `body` behind a correct version, length and checksum, as `to_uri` frames it.
fn framed(body: &[u8]) -> String {
    let body = &body[..body.len().min(usize::from(u16::MAX))];
    let mut bytes = vec![INVITE_VERSION];
    bytes.extend_from_slice(&(body.len() as u16).to_be_bytes());
    bytes.extend_from_slice(body);
    let checksum = Sha256::digest(&bytes);
    bytes.extend_from_slice(&checksum[..8]);
    format!("{INVITE_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}
