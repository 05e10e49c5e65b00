//! The hello: a client's answer to an invite.
//!
//! It carries the client's device card, the client's own mailbox and a token
//! the therapist may post to it with, and an HMAC-SHA256 over all of that
//! keyed by the invite's pairing secret. Only someone holding the invite can
//! make a valid MAC, and the MAC covers the keys, so a relay cannot swap in
//! its own.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::PairingError;
use crate::identity::{DeviceCard, DeviceIdentity};
use crate::invite::Invite;

const CONTEXT: &[u8] = b"rapport.hello.v1";

/// A client's answer to an invite.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// Which invite this answers.
    pub invite_id: [u8; 16],
    /// The client's public keys.
    pub card: DeviceCard,
    /// The client's mailbox, where receipts go.
    pub mailbox_id: String,
    /// A token that lets the therapist post to that mailbox.
    pub post_token: String,
    /// HMAC-SHA256 over everything above, keyed by the pairing secret.
    pub mac: [u8; 32],
}

impl std::fmt::Debug for Hello {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hello")
            .field("card", &self.card)
            .field("mailbox_id", &self.mailbox_id)
            .field("post_token", &crate::crypto::REDACTED)
            .field("mac", &crate::crypto::REDACTED)
            .finish_non_exhaustive()
    }
}

impl Hello {
    /// The hello `identity` sends to answer `invite`.
    pub fn new(
        invite: &Invite,
        identity: &DeviceIdentity,
        mailbox_id: &str,
        post_token: &str,
    ) -> Hello {
        let mut hello = Hello {
            invite_id: invite.invite_id(),
            card: identity.card(),
            mailbox_id: mailbox_id.to_owned(),
            post_token: post_token.to_owned(),
            mac: [0; 32],
        };
        hello.mac = hello.compute_mac(&invite.pairing_secret);
        hello
    }

    fn mac_state(&self, pairing_secret: &[u8; 32]) -> Hmac<Sha256> {
        // HMAC zero-pads keys shorter than its 64-byte block, so padding the
        // 32-byte secret here is the same HMAC, through the infallible API.
        let mut key = [0u8; 64];
        key[..32].copy_from_slice(pairing_secret);
        let mut mac = <Hmac<Sha256> as hmac::digest::KeyInit>::new(&key.into());
        mac.update(CONTEXT);
        for part in [
            &self.invite_id[..],
            &self.card.device_id.0[..],
            self.card.age_recipient.as_bytes(),
            &self.card.verifying_key[..],
            self.mailbox_id.as_bytes(),
            self.post_token.as_bytes(),
        ] {
            mac.update(&(part.len() as u32).to_be_bytes());
            mac.update(part);
        }
        mac
    }

    fn compute_mac(&self, pairing_secret: &[u8; 32]) -> [u8; 32] {
        self.mac_state(pairing_secret)
            .finalize()
            .into_bytes()
            .into()
    }

    /// Checks, in constant time, that the MAC was made with `pairing_secret`.
    pub fn verify_mac(&self, pairing_secret: &[u8; 32]) -> Result<(), PairingError> {
        self.mac_state(pairing_secret)
            .verify_slice(&self.mac)
            .map_err(|_| PairingError::BadMac)
    }

    /// Encodes the hello as an envelope body.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Strings and fixed arrays always serialise.
        postcard::to_allocvec(self).unwrap_or_default()
    }

    /// Decodes an envelope body.
    pub fn from_bytes(bytes: &[u8]) -> Result<Hello, String> {
        postcard::from_bytes(bytes).map_err(|e| e.to_string())
    }
}
