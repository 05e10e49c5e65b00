//! Sealing of sensitive columns with XChaCha20-Poly1305.
//!
//! Each sealed value carries a random 192-bit nonce (large enough that random
//! nonces never collide in practice, so no counter has to survive crashes or
//! restores) and is bound through associated data to the table, the row id,
//! the record version and any cleartext columns that give it meaning. A value
//! copied into another row, rolled back to an older version, or paired with an
//! edited cleartext column therefore fails to open instead of being shown as
//! if it belonged there.
//!
//! Layout of a sealed value: `format (1 byte) || nonce (24) || ciphertext+tag`.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use super::data_key::DataKey;
use super::fill_random;
use crate::error::KeyError;

const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const DOMAIN: &[u8] = b"rapport.row.v1";

/// Where a sealed value lives; all of it is authenticated.
#[derive(Debug, Clone, Copy)]
pub struct RowAddress<'a> {
    /// Table name.
    pub table: &'a str,
    /// The row's primary key bytes.
    pub row_id: &'a [u8],
    /// The record version the value was written for.
    pub version: u32,
    /// Cleartext columns of the same row that must not change independently
    /// (for example the session date), already encoded by the caller.
    pub bound: &'a [u8],
}

impl RowAddress<'_> {
    fn associated_data(&self) -> Vec<u8> {
        let mut ad = Vec::with_capacity(
            DOMAIN.len() + 12 + self.table.len() + self.row_id.len() + self.bound.len(),
        );
        ad.extend_from_slice(DOMAIN);
        // Length prefixes keep the encoding unambiguous: no two addresses
        // produce the same bytes.
        for part in [self.table.as_bytes(), self.row_id, self.bound] {
            ad.extend_from_slice(&(part.len() as u32).to_be_bytes());
            ad.extend_from_slice(part);
        }
        ad.extend_from_slice(&self.version.to_be_bytes());
        ad
    }
}

/// Why a sealed value did not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowOpenError {
    /// Too short, or an unknown format byte.
    Malformed,
    /// Authentication failed: wrong key, altered bytes or wrong address.
    Tampered,
}

/// Seals and opens column values under the database's data key.
pub struct RowCipher {
    aead: XChaCha20Poly1305,
}

impl std::fmt::Debug for RowCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RowCipher(..)")
    }
}

impl RowCipher {
    /// A cipher using `key`.
    pub fn new(key: &DataKey) -> RowCipher {
        RowCipher {
            aead: XChaCha20Poly1305::new(key.as_bytes().into()),
        }
    }

    /// Encrypts `plaintext` for the row at `address`.
    pub fn seal(&self, address: &RowAddress<'_>, plaintext: &[u8]) -> Result<Vec<u8>, KeyError> {
        let mut nonce = [0u8; NONCE_LEN];
        fill_random(&mut nonce)?;
        let ad = address.associated_data();
        let mut out = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + TAG_LEN);
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce);
        let ciphertext = self
            .aead
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &ad,
                },
            )
            .map_err(|_| KeyError::Damaged {
                detail: "value too large to seal".into(),
            })?;
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }

    /// Decrypts a value sealed for the row at `address`.
    pub fn open(&self, address: &RowAddress<'_>, sealed: &[u8]) -> Result<Vec<u8>, RowOpenError> {
        if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != FORMAT_V1 {
            return Err(RowOpenError::Malformed);
        }
        let (nonce, ciphertext) = sealed[1..].split_at(NONCE_LEN);
        self.aead
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &address.associated_data(),
                },
            )
            .map_err(|_| RowOpenError::Tampered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address<'a>(row_id: &'a [u8], version: u32, bound: &'a [u8]) -> RowAddress<'a> {
        RowAddress {
            table: "checkins",
            row_id,
            version,
            bound,
        }
    }

    #[test]
    fn round_trip() {
        let cipher = RowCipher::new(&DataKey::generate());
        let sealed = cipher
            .seal(&address(b"row-1", 1, b"2026-11-23"), b"heard=4")
            .unwrap();
        assert_eq!(
            cipher
                .open(&address(b"row-1", 1, b"2026-11-23"), &sealed)
                .unwrap(),
            b"heard=4"
        );
    }

    #[test]
    fn the_same_value_seals_differently_each_time() {
        let cipher = RowCipher::new(&DataKey::generate());
        let a = address(b"row-1", 1, b"");
        assert_ne!(
            cipher.seal(&a, b"same").unwrap(),
            cipher.seal(&a, b"same").unwrap()
        );
    }

    #[test]
    fn a_value_moved_to_another_row_version_or_context_does_not_open() {
        let cipher = RowCipher::new(&DataKey::generate());
        let sealed = cipher
            .seal(&address(b"row-1", 1, b"2026-11-23"), b"x")
            .unwrap();
        for wrong in [
            address(b"row-2", 1, b"2026-11-23"),
            address(b"row-1", 2, b"2026-11-23"),
            address(b"row-1", 1, b"2026-11-24"),
            RowAddress {
                table: "outbox",
                ..address(b"row-1", 1, b"2026-11-23")
            },
        ] {
            assert_eq!(cipher.open(&wrong, &sealed), Err(RowOpenError::Tampered));
        }
    }

    #[test]
    fn ambiguous_boundaries_do_not_collide() {
        let cipher = RowCipher::new(&DataKey::generate());
        let sealed = cipher.seal(&address(b"ab", 1, b"c"), b"x").unwrap();
        assert_eq!(
            cipher.open(&address(b"a", 1, b"bc"), &sealed),
            Err(RowOpenError::Tampered)
        );
    }

    #[test]
    fn another_key_or_flipped_bit_does_not_open_and_short_input_is_malformed() {
        let cipher = RowCipher::new(&DataKey::generate());
        let a = address(b"row-1", 1, b"");
        let mut sealed = cipher.seal(&a, b"x").unwrap();
        let other = RowCipher::new(&DataKey::generate());
        assert_eq!(other.open(&a, &sealed), Err(RowOpenError::Tampered));
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert_eq!(cipher.open(&a, &sealed), Err(RowOpenError::Tampered));
        assert_eq!(cipher.open(&a, &sealed[..20]), Err(RowOpenError::Malformed));
        sealed[0] = 9;
        assert_eq!(cipher.open(&a, &sealed), Err(RowOpenError::Malformed));
    }
}
