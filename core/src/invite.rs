//! Invites: how a therapist hands a client everything needed to reach them.
//!
//! An invite travels as a `rapport:invite/...` URI or a QR code of it. It
//! carries the relay, the therapist's mailbox and a post-only token, the
//! therapist's public keys, a single-use pairing secret and an expiry; never
//! the client's name (the therapist keeps their label locally).
//!
//! Wire format, base64url without padding after the prefix:
//! `version (1) || body length (2, big endian) || body (postcard) || checksum (8)`
//! where the checksum is the first 8 bytes of SHA-256 over everything before
//! it. The length lets a cut-off URI be told apart from an altered one.

use std::str::FromStr;

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::InviteError;
use crate::identity::DeviceCard;

mod validity;
pub use validity::{
    DEFAULT_VALIDITY_DAYS, MAX_VALIDITY_DAYS, check_validity, default_validity, validity_days,
};

/// URI prefix of an invite.
pub const INVITE_PREFIX: &str = "rapport:invite/";
/// Invite format version this code writes and reads.
pub const INVITE_VERSION: u8 = 1;
const CHECKSUM_LEN: usize = 8;
/// Decodes what a cut-off link leaves: a last character whose spare bits are
/// not zero is accepted, so the length check can say "truncated".
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);
/// Longest invite accepted, so a hostile QR code cannot make us allocate much.
const MAX_INVITE_BYTES: usize = 2048;

/// Everything a client needs to pair with a therapist.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    /// Base URL of the relay, `https://...` (or `http://` on loopback).
    pub relay_url: String,
    /// The therapist's mailbox on that relay.
    pub mailbox_id: String,
    /// A token that may post to that mailbox, and nothing else.
    pub post_token: String,
    /// The therapist's device card: where to encrypt to, and whose signatures to trust.
    pub therapist: DeviceCard,
    /// Single-use secret proving, in the client's hello, that they hold this invite.
    pub pairing_secret: [u8; 32],
    /// After this instant the invite is refused.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for Invite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invite")
            .field("relay_url", &self.relay_url)
            .field("mailbox_id", &self.mailbox_id)
            .field("post_token", &crate::crypto::REDACTED)
            .field("therapist", &self.therapist)
            .field("pairing_secret", &crate::crypto::REDACTED)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl Invite {
    /// Identifies the invite without revealing its secret: the therapist finds
    /// the invite a hello answers by this.
    pub fn invite_id(&self) -> [u8; 16] {
        invite_id(&self.pairing_secret)
    }

    /// The `rapport:invite/...` URI.
    pub fn to_uri(&self) -> String {
        // Serialising strings and byte arrays into a Vec cannot fail.
        let body = postcard::to_allocvec(self).unwrap_or_default();
        let mut bytes = Vec::with_capacity(3 + body.len() + CHECKSUM_LEN);
        bytes.push(INVITE_VERSION);
        bytes.extend_from_slice(&(body.len() as u16).to_be_bytes());
        bytes.extend_from_slice(&body);
        let checksum = Sha256::digest(&bytes);
        bytes.extend_from_slice(&checksum[..CHECKSUM_LEN]);
        format!("{INVITE_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Parses an invite URI strictly, and refuses it if it expired before `now`.
    pub fn parse(uri: &str, now: DateTime<Utc>) -> Result<Invite, InviteError> {
        let invite = Invite::parse_ignoring_expiry(uri)?;
        if invite.expires_at <= now {
            return Err(InviteError::Expired {
                expired_at: invite.expires_at,
            });
        }
        Ok(invite)
    }

    /// Parses an invite URI strictly, without looking at the clock.
    pub fn parse_ignoring_expiry(uri: &str) -> Result<Invite, InviteError> {
        let uri = uri.trim();
        let encoded = uri
            .strip_prefix(INVITE_PREFIX)
            .ok_or(InviteError::NotAnInvite)?;
        if encoded.len() > MAX_INVITE_BYTES * 4 / 3 + 4 {
            return Err(InviteError::Malformed {
                detail: "far too long to be an invite".into(),
            });
        }
        if !encoded.is_ascii() {
            return Err(InviteError::Malformed {
                detail: "an invite contains only letters, digits, '-' and '_'".into(),
            });
        }
        // A link cut after a character that carries fewer than 8 bits decodes
        // to whole bytes once that character is dropped.
        let whole = if encoded.len() % 4 == 1 {
            &encoded[..encoded.len() - 1]
        } else {
            encoded
        };
        let bytes = LENIENT.decode(whole).map_err(|e| InviteError::Malformed {
            detail: format!("not valid base64url: {e}"),
        })?;
        let Some(&version) = bytes.first() else {
            return Err(InviteError::Truncated {
                expected: 3,
                found: 0,
            });
        };
        if version != INVITE_VERSION {
            // Only an invite framed as ours (checksum over everything before
            // it) is a newer version; anything else is damage or not an
            // invite at all, and "update the app" would send a person the
            // wrong way.
            let framed = bytes.len() > 3 + CHECKSUM_LEN && {
                let (signed, checksum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
                Sha256::digest(signed)[..CHECKSUM_LEN] == *checksum
            };
            if version > INVITE_VERSION && framed {
                return Err(InviteError::UnsupportedVersion {
                    found: version,
                    supported: INVITE_VERSION,
                });
            }
            return Err(InviteError::Malformed {
                detail: "this is not a whole Rapport invite: it may be cut off or mistyped".into(),
            });
        }
        if bytes.len() < 3 {
            return Err(InviteError::Truncated {
                expected: 3,
                found: bytes.len(),
            });
        }
        let body_len = usize::from(u16::from_be_bytes([bytes[1], bytes[2]]));
        let expected = 3 + body_len + CHECKSUM_LEN;
        if bytes.len() < expected {
            return Err(InviteError::Truncated {
                expected,
                found: bytes.len(),
            });
        }
        if bytes.len() > expected {
            return Err(InviteError::Altered);
        }
        let (signed, checksum) = bytes.split_at(3 + body_len);
        if Sha256::digest(signed)[..CHECKSUM_LEN] != *checksum {
            return Err(InviteError::Altered);
        }
        let invite: Invite =
            postcard::from_bytes(&signed[3..]).map_err(|e| InviteError::Malformed {
                detail: format!("invite fields: {e}"),
            })?;
        invite.check_fields()?;
        Ok(invite)
    }

    fn check_fields(&self) -> Result<(), InviteError> {
        let bad = |detail: String| InviteError::Malformed { detail };
        crate::relay_url::RelayUrl::parse(&self.relay_url)
            .map_err(|e| bad(format!("relay address: {e}")))?;
        if self.mailbox_id.is_empty() || self.post_token.is_empty() {
            return Err(bad("mailbox id and post token must not be empty".into()));
        }
        self.therapist
            .check()
            .map_err(|e| bad(format!("therapist card: {e}")))?;
        Ok(())
    }

    /// The URI as a QR code in SVG, for screens and print.
    pub fn to_qr_svg(&self) -> Result<String, InviteError> {
        let code = self.qr()?;
        Ok(code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .build())
    }

    /// The URI as a QR code drawn with Unicode half blocks, for a terminal.
    pub fn to_qr_terminal(&self) -> Result<String, InviteError> {
        let code = self.qr()?;
        Ok(code
            .render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .quiet_zone(true)
            .build())
    }

    fn qr(&self) -> Result<qrcode::QrCode, InviteError> {
        qrcode::QrCode::with_error_correction_level(self.to_uri(), qrcode::EcLevel::M).map_err(
            |e| InviteError::Malformed {
                detail: format!("cannot draw as a QR code: {e}"),
            },
        )
    }
}

impl FromStr for Invite {
    type Err = InviteError;
    /// Parses without checking expiry; use [`Invite::parse`] to check it.
    fn from_str(s: &str) -> Result<Invite, InviteError> {
        Invite::parse_ignoring_expiry(s)
    }
}

/// The public id of the invite with this pairing secret.
pub fn invite_id(pairing_secret: &[u8; 32]) -> [u8; 16] {
    let digest = Sha256::new()
        .chain_update(b"rapport.invite-id.v1")
        .chain_update(pairing_secret)
        .finalize();
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::DeviceIdentity;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
    }

    fn invite() -> Invite {
        Invite {
            relay_url: "https://relay.example.org".into(),
            mailbox_id: "mbx_3f9a".into(),
            post_token: "post_7d1c55".into(),
            therapist: DeviceIdentity::generate().unwrap().card(),
            pairing_secret: [9; 32],
            expires_at: now() + Duration::days(7),
        }
    }

    #[test]
    fn round_trip_through_the_uri() {
        let i = invite();
        let uri = i.to_uri();
        assert!(uri.starts_with("rapport:invite/"));
        assert_eq!(Invite::parse(&uri, now()).unwrap(), i);
        assert_eq!(Invite::parse(&format!("  {uri}\n"), now()).unwrap(), i);
    }

    #[test]
    fn each_kind_of_damage_has_its_own_error() {
        let uri = invite().to_uri();
        assert_eq!(
            Invite::parse("https://example.org", now()),
            Err(InviteError::NotAnInvite)
        );
        let cut = &uri[..uri.len() - 20];
        assert!(matches!(
            Invite::parse(cut, now()),
            Err(InviteError::Truncated { .. })
        ));
        // Change one character in the middle of the body.
        let mut altered = uri.clone().into_bytes();
        let mid = INVITE_PREFIX.len() + 40;
        altered[mid] = if altered[mid] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            Invite::parse(std::str::from_utf8(&altered).unwrap(), now()),
            Err(InviteError::Altered)
        );
        assert!(matches!(
            Invite::parse(&format!("{uri}!!"), now()),
            Err(InviteError::Malformed { .. })
        ));
        assert!(matches!(
            Invite::parse(&uri, now() + Duration::days(8)),
            Err(InviteError::Expired { .. })
        ));
    }

    #[test]
    fn garbage_is_malformed_not_a_future_version() {
        for garbage in [
            "rapport:invite/abc",
            "rapport:invite/AAAA",
            "rapport:invite/aGVsbG8gd29ybGQ",
        ] {
            assert!(
                matches!(
                    Invite::parse(garbage, now()),
                    Err(InviteError::Malformed { .. } | InviteError::Truncated { .. })
                ),
                "{garbage}: {:?}",
                Invite::parse(garbage, now())
            );
        }
    }

    #[test]
    fn a_future_version_is_named_as_such() {
        let uri = invite().to_uri();
        let mut bytes = URL_SAFE_NO_PAD.decode(&uri[INVITE_PREFIX.len()..]).unwrap();
        bytes[0] = 2;
        let signed = bytes.len() - CHECKSUM_LEN;
        let checksum = Sha256::digest(&bytes[..signed]);
        bytes[signed..].copy_from_slice(&checksum[..CHECKSUM_LEN]);
        let v2 = format!("{INVITE_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
        assert_eq!(
            Invite::parse(&v2, now()),
            Err(InviteError::UnsupportedVersion {
                found: 2,
                supported: 1
            })
        );
    }

    #[test]
    fn plain_http_is_refused_except_on_loopback() {
        let mut i = invite();
        i.relay_url = "http://relay.example.org".into();
        assert!(matches!(
            Invite::parse(&i.to_uri(), now()),
            Err(InviteError::Malformed { .. })
        ));
        i.relay_url = "http://127.0.0.1:8080".into();
        assert!(Invite::parse(&i.to_uri(), now()).is_ok());
    }

    #[test]
    fn qr_codes_render_for_screens_and_terminals() {
        let i = invite();
        let svg = i.to_qr_svg().unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
        let term = i.to_qr_terminal().unwrap();
        assert!(term.lines().count() > 20);
        assert!(term.contains('█') || term.contains('▀') || term.contains('▄'));
    }
}
