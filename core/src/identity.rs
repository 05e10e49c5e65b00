//! Device identities: an age X25519 key to receive and an Ed25519 key to sign.
//!
//! age encrypts to a recipient but says nothing about who sent a file, so every
//! envelope is also signed; the device id is derived from the signing key so
//! a card cannot claim someone else's id.

mod unwrap;

use std::str::FromStr;

use age::secrecy::ExposeSecret;
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::crypto::fill_random;
use crate::error::KeyError;
use unwrap::Unwrapper;

/// A device's public id: the first 16 bytes of SHA-256 over a context string
/// and its Ed25519 verifying key, shown as 32 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DeviceId(pub [u8; 16]);

impl DeviceId {
    /// The id belonging to `verifying_key`.
    pub fn for_key(verifying_key: &[u8; 32]) -> DeviceId {
        let digest = Sha256::new()
            .chain_update(b"rapport.device-id.v1")
            .chain_update(verifying_key)
            .finalize();
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest[..16]);
        DeviceId(id)
    }
}

impl std::fmt::Display for DeviceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl FromStr for DeviceId {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<DeviceId, KeyError> {
        let bytes = decode_hex(s)
            .filter(|b| b.len() == 16)
            .ok_or_else(|| KeyError::Damaged {
                detail: format!("device id {s:?} is not 32 hex digits"),
            })?;
        let mut id = [0u8; 16];
        id.copy_from_slice(&bytes);
        Ok(DeviceId(id))
    }
}

/// A 32-byte key (an Ed25519 seed or verifying key) from the 64 hex digits
/// test vectors and recovery tools write; `what` names it in the error.
pub fn key_from_hex(text: &str, what: &'static str) -> Result<[u8; 32], KeyError> {
    decode_hex(text.trim())
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or(KeyError::NotHex { what, digits: 64 })
}

/// `bytes` as lower-case hex digits, as [`key_from_hex`] reads them.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The public half of a device identity, shared when pairing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCard {
    /// Derived from `verifying_key`.
    pub device_id: DeviceId,
    /// Where to encrypt to: an `age1...` X25519 recipient.
    pub age_recipient: String,
    /// Ed25519 key that signs everything the device sends.
    pub verifying_key: [u8; 32],
}

impl DeviceCard {
    /// Checks the card is self-consistent: the id matches the key, the key is
    /// a valid Ed25519 point and the recipient parses.
    pub fn check(&self) -> Result<(), String> {
        if DeviceId::for_key(&self.verifying_key) != self.device_id {
            return Err("device id does not match its signing key".into());
        }
        VerifyingKey::from_bytes(&self.verifying_key)
            .map_err(|_| "signing key is not a valid Ed25519 key".to_string())?;
        age::x25519::Recipient::from_str(&self.age_recipient)
            .map_err(|e| format!("age recipient: {e}"))?;
        Ok(())
    }

    /// Whether `signature` over `message` was made by this card's key.
    pub fn verifies(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        self.verifying_key()
            .is_some_and(|key| verifies_with(&key, message, signature))
    }

    /// The signing key as a curve point (decompressing it costs a fifth of
    /// a signature check: a sender's many envelopes share one); `None` when
    /// the card's bytes are not a valid key.
    pub(crate) fn verifying_key(&self) -> Option<VerifyingKey> {
        VerifyingKey::from_bytes(&self.verifying_key).ok()
    }
}

/// Whether `signature` over `message` was made by `key`.
pub(crate) fn verifies_with(key: &VerifyingKey, message: &[u8], signature: &[u8; 64]) -> bool {
    key.verify(message, &ed25519_dalek::Signature::from_bytes(signature))
        .is_ok()
}

impl DeviceCard {}

/// A device's secret keys. Created once per installation and kept sealed in
/// the store.
pub struct DeviceIdentity {
    age: age::x25519::Identity,
    /// The same key, for opening envelopes without deriving the public key
    /// every time (`identity/unwrap.rs`).
    unwrapper: Unwrapper,
    signing: SigningKey,
    /// Derived once: deriving the public keys costs a scalar multiplication
    /// each, and opening an envelope needs the recipient every time.
    card: DeviceCard,
}

impl std::fmt::Debug for DeviceIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeviceIdentity({})", self.device_id())
    }
}

#[derive(Serialize, Deserialize)]
struct SecretParts {
    age: String,
    signing_seed: [u8; 32],
}

impl DeviceIdentity {
    fn new(age: age::x25519::Identity, signing: SigningKey) -> Result<DeviceIdentity, KeyError> {
        let verifying_key = signing.verifying_key().to_bytes();
        let card = DeviceCard {
            device_id: DeviceId::for_key(&verifying_key),
            age_recipient: age.to_public().to_string(),
            verifying_key,
        };
        let unwrapper = Unwrapper::from_age_secret(age.to_string().expose_secret())
            .map_err(|detail| KeyError::Damaged { detail })?;
        Ok(DeviceIdentity {
            age,
            unwrapper,
            signing,
            card,
        })
    }

    /// A new random identity.
    pub fn generate() -> Result<DeviceIdentity, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        fill_random(seed.as_mut())?;
        DeviceIdentity::new(
            age::x25519::Identity::generate(),
            SigningKey::from_bytes(&seed),
        )
    }

    /// An identity from an `AGE-SECRET-KEY-1...` string and a 32-byte Ed25519
    /// seed (test vectors use fixed ones).
    pub fn from_parts(
        age_secret: &str,
        signing_seed: &[u8; 32],
    ) -> Result<DeviceIdentity, KeyError> {
        let age = age::x25519::Identity::from_str(age_secret).map_err(|e| KeyError::Damaged {
            detail: format!("age identity: {e}"),
        })?;
        DeviceIdentity::new(age, SigningKey::from_bytes(signing_seed))
    }

    /// The secret keys, encoded for sealing. Wiped when dropped.
    pub fn to_secret_bytes(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let parts = SecretParts {
            age: self.age.to_string().expose_secret().to_owned(),
            signing_seed: self.signing.to_bytes(),
        };
        let bytes = postcard::to_allocvec(&parts).map_err(|e| KeyError::Damaged {
            detail: e.to_string(),
        })?;
        let mut parts = parts;
        zeroize::Zeroize::zeroize(&mut parts.age);
        zeroize::Zeroize::zeroize(&mut parts.signing_seed);
        Ok(Zeroizing::new(bytes))
    }

    /// Reads what [`DeviceIdentity::to_secret_bytes`] wrote.
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<DeviceIdentity, KeyError> {
        let mut parts: SecretParts =
            postcard::from_bytes(bytes).map_err(|e| KeyError::Damaged {
                detail: format!("device identity: {e}"),
            })?;
        let identity = DeviceIdentity::from_parts(&parts.age, &parts.signing_seed);
        zeroize::Zeroize::zeroize(&mut parts.age);
        zeroize::Zeroize::zeroize(&mut parts.signing_seed);
        identity
    }

    /// The secret keys as an `AGE-SECRET-KEY-1...` string and the Ed25519
    /// seed, the inputs of [`DeviceIdentity::from_parts`]: for recovery kits
    /// and test vectors.
    pub fn secret_parts(&self) -> (Zeroizing<String>, Zeroizing<[u8; 32]>) {
        (
            Zeroizing::new(self.age.to_string().expose_secret().to_owned()),
            Zeroizing::new(self.signing.to_bytes()),
        )
    }

    /// The public card.
    pub fn card(&self) -> DeviceCard {
        self.card.clone()
    }

    /// This device's `age1...` recipient.
    pub fn age_recipient(&self) -> &str {
        &self.card.age_recipient
    }

    /// This device's id.
    pub fn device_id(&self) -> DeviceId {
        self.card.device_id
    }

    /// The key envelopes to this device are opened with, as age holds it.
    pub fn age_identity(&self) -> &age::x25519::Identity {
        &self.age
    }

    /// The same key as [`DeviceIdentity::age_identity`], faster at opening.
    pub(crate) fn unwrapper(&self) -> &Unwrapper {
        &self.unwrapper
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_is_consistent_and_verifies_its_own_signatures_only() {
        let me = DeviceIdentity::generate().unwrap();
        let other = DeviceIdentity::generate().unwrap();
        let card = me.card();
        card.check().unwrap();
        assert_eq!(card.device_id, me.device_id());
        let sig = me.sign(b"hello");
        assert!(card.verifies(b"hello", &sig));
        assert!(!card.verifies(b"hellO", &sig));
        assert!(!other.card().verifies(b"hello", &sig));
    }

    #[test]
    fn a_card_claiming_another_id_is_refused() {
        let mut card = DeviceIdentity::generate().unwrap().card();
        card.device_id = DeviceIdentity::generate().unwrap().device_id();
        assert!(card.check().unwrap_err().contains("does not match"));
    }

    #[test]
    fn keys_read_from_hex_round_trip_and_refuse_anything_else() {
        let key: [u8; 32] = std::array::from_fn(|i| (i * 8) as u8);
        let text = to_hex(&key);
        assert_eq!(text.len(), 64);
        assert_eq!(key_from_hex(&text, "signing seed"), Ok(key));
        assert_eq!(key_from_hex(&text.to_uppercase(), "signing seed"), Ok(key));
        let refused = KeyError::NotHex {
            what: "verifying key",
            digits: 64,
        };
        for bad in [&text[..62], "abc", "zz", "é0", &format!("{text}00")] {
            assert_eq!(key_from_hex(bad, "verifying key"), Err(refused.clone()));
        }
        assert!(
            refused
                .to_string()
                .contains("verifying key must be 64 hex digits")
        );
    }

    #[test]
    fn secrets_round_trip_and_ids_print_as_hex() {
        let me = DeviceIdentity::generate().unwrap();
        let back = DeviceIdentity::from_secret_bytes(&me.to_secret_bytes().unwrap()).unwrap();
        assert_eq!(back.card(), me.card());
        let text = me.device_id().to_string();
        assert_eq!(text.len(), 32);
        assert_eq!(text.parse::<DeviceId>().unwrap(), me.device_id());
        assert!("xyz".parse::<DeviceId>().is_err());
    }
}
