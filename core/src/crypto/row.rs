//! Sealing of sensitive columns.
//!
//! Each sealed value carries a random nonce and is bound through associated
//! data to the table, the row id, the record version and any cleartext
//! columns that give it meaning. A value copied into another row, rolled back
//! to an older version, or paired with an edited cleartext column therefore
//! fails to open instead of being shown as if it belonged there.
//!
//! Layout of a sealed value: `format (1 byte) || nonce || ciphertext+tag`.
//!
//! - format 1 (until schema v9): XChaCha20-Poly1305 under the data key,
//!   192-bit random nonce. Still opened; no longer written.
//! - format 2: AES-256-GCM-SIV under a subkey of the data key, 96-bit random
//!   nonce. Phones and PCs have AES and carry-less multiply in hardware, so
//!   opening a row costs a fraction of format 1 (history lists thousands),
//!   and GCM-SIV stays safe if a nonce ever repeats: a repeat shows only
//!   that two values sealed for the same address under it are equal
//!   (RFC 8452). Every format-1 check-in is re-sealed when the store opens.

use aes_gcm_siv::Aes256GcmSiv;
use chacha20poly1305::aead::{Aead, AeadInPlace, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::data_key::DataKey;
use super::fill_random;
use crate::error::KeyError;

/// The legacy format: XChaCha20-Poly1305.
const FORMAT_V1: u8 = 1;
/// The current format: AES-256-GCM-SIV.
const FORMAT_V2: u8 = 2;
const NONCE_LEN_V1: usize = 24;
const NONCE_LEN_V2: usize = 12;
const TAG_LEN: usize = 16;
const DOMAIN_V1: &[u8] = b"rapport.row.v1";
const DOMAIN_V2: &[u8] = b"rapport.row.v2";
/// Names the format-2 subkey: HMAC-SHA256(data key, this).
const SUBKEY_V2: &[u8] = b"rapport.row.v2 aes-256-gcm-siv key";

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
    /// The associated data for a value sealed in the format whose domain
    /// string is `domain`.
    fn associated_data(&self, domain: &[u8]) -> Vec<u8> {
        let mut ad = Vec::new();
        self.write_associated_data(domain, &mut ad);
        ad
    }

    /// Replaces what `ad` holds with [`RowAddress::associated_data`], reusing
    /// its allocation.
    fn write_associated_data(&self, domain: &[u8], ad: &mut Vec<u8>) {
        ad.clear();
        ad.reserve(domain.len() + 16 + self.table.len() + self.row_id.len() + self.bound.len());
        ad.extend_from_slice(domain);
        // Length prefixes keep the encoding unambiguous: no two addresses
        // produce the same bytes.
        for part in [self.table.as_bytes(), self.row_id, self.bound] {
            ad.extend_from_slice(&(part.len() as u32).to_be_bytes());
            ad.extend_from_slice(part);
        }
        ad.extend_from_slice(&self.version.to_be_bytes());
    }
}

/// Buffers a listing reuses from one row to the next, so opening a row
/// allocates nothing of its own once the first is open.
#[derive(Default)]
pub struct OpenBuffers {
    associated_data: Vec<u8>,
    plaintext: Vec<u8>,
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
    /// Format 2, for everything sealed now.
    aead: Aes256GcmSiv,
    /// Format 1, for rows sealed before schema v9 (read only).
    legacy: XChaCha20Poly1305,
}

impl std::fmt::Debug for RowCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RowCipher(..)")
    }
}

impl RowCipher {
    /// A cipher using `key`.
    pub fn new(key: &DataKey) -> RowCipher {
        // A subkey rather than the data key itself, so no key is ever used
        // with two algorithms. The data key is uniformly random, so HMAC
        // alone is a sound key derivation here.
        // HMAC pads a key shorter than SHA-256's 64-byte block with zeros;
        // padding it here makes the construction infallible.
        let mut padded = Zeroizing::new([0u8; 64]);
        padded[..32].copy_from_slice(key.as_bytes());
        let mut mac = <Hmac<Sha256> as hmac::digest::KeyInit>::new((&*padded).into());
        mac.update(SUBKEY_V2);
        let subkey = Zeroizing::new(<[u8; 32]>::from(mac.finalize().into_bytes()));
        RowCipher {
            aead: Aes256GcmSiv::new((&*subkey).into()),
            legacy: XChaCha20Poly1305::new(key.as_bytes().into()),
        }
    }

    /// Encrypts `plaintext` for the row at `address` (format 2).
    pub fn seal(&self, address: &RowAddress<'_>, plaintext: &[u8]) -> Result<Vec<u8>, KeyError> {
        let mut nonce = [0u8; NONCE_LEN_V2];
        fill_random(&mut nonce)?;
        let ad = address.associated_data(DOMAIN_V2);
        let mut out = Vec::with_capacity(1 + NONCE_LEN_V2 + plaintext.len() + TAG_LEN);
        out.push(FORMAT_V2);
        out.extend_from_slice(&nonce);
        let ciphertext = self
            .aead
            .encrypt(
                (&nonce).into(),
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

    /// Decrypts a value sealed for the row at `address`, in either format.
    pub fn open(&self, address: &RowAddress<'_>, sealed: &[u8]) -> Result<Vec<u8>, RowOpenError> {
        let mut buffers = OpenBuffers::default();
        self.open_in(address, sealed, &mut buffers)?;
        Ok(std::mem::take(&mut buffers.plaintext))
    }

    /// [`RowCipher::open`] into `buffers`, which a listing keeps from one
    /// row to the next: the plaintext it returns lives there until the next
    /// call.
    pub fn open_in<'b>(
        &self,
        address: &RowAddress<'_>,
        sealed: &[u8],
        buffers: &'b mut OpenBuffers,
    ) -> Result<&'b [u8], RowOpenError> {
        let OpenBuffers {
            associated_data: ad,
            plaintext,
        } = buffers;
        let result = match sealed.split_first() {
            Some((&FORMAT_V2, rest)) if rest.len() >= NONCE_LEN_V2 + TAG_LEN => {
                let (nonce, ciphertext) = rest.split_at(NONCE_LEN_V2);
                address.write_associated_data(DOMAIN_V2, ad);
                plaintext.clear();
                plaintext.extend_from_slice(ciphertext);
                self.aead.decrypt_in_place(nonce.into(), ad, plaintext)
            }
            Some((&FORMAT_V1, rest)) if rest.len() >= NONCE_LEN_V1 + TAG_LEN => {
                let (nonce, ciphertext) = rest.split_at(NONCE_LEN_V1);
                address.write_associated_data(DOMAIN_V1, ad);
                plaintext.clear();
                plaintext.extend_from_slice(ciphertext);
                self.legacy
                    .decrypt_in_place(XNonce::from_slice(nonce), ad, plaintext)
            }
            _ => return Err(RowOpenError::Malformed),
        };
        match result {
            Ok(()) => Ok(plaintext),
            Err(_) => {
                // Nothing of a value that failed to open stays behind.
                plaintext.clear();
                Err(RowOpenError::Tampered)
            }
        }
    }

    /// Whether `sealed` is in a format older than the one [`RowCipher::seal`]
    /// writes (and should be re-sealed).
    pub fn is_legacy(sealed: &[u8]) -> bool {
        sealed.first() == Some(&FORMAT_V1)
    }

    /// Seals `plaintext` for `address` in the legacy format 1, as stores
    /// before schema v9 did: for tests of the re-sealing migration only.
    #[cfg(test)]
    pub(crate) fn seal_legacy(
        &self,
        address: &RowAddress<'_>,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, KeyError> {
        let mut nonce = [0u8; NONCE_LEN_V1];
        fill_random(&mut nonce)?;
        let mut out = vec![FORMAT_V1];
        out.extend_from_slice(&nonce);
        let ciphertext = self
            .legacy
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &address.associated_data(DOMAIN_V1),
                },
            )
            .map_err(|_| KeyError::Damaged {
                detail: "value too large to seal".into(),
            })?;
        out.extend_from_slice(&ciphertext);
        Ok(out)
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
    fn values_are_sealed_in_format_2_and_legacy_values_still_open_bound_alike() {
        let cipher = RowCipher::new(&DataKey::generate());
        let here = address(b"row-1", 1, b"2026-11-23");
        let sealed = cipher.seal(&here, b"x").unwrap();
        assert_eq!(sealed[0], FORMAT_V2);
        assert!(!RowCipher::is_legacy(&sealed));
        let legacy = cipher.seal_legacy(&here, b"x").unwrap();
        assert!(RowCipher::is_legacy(&legacy));
        assert_eq!(cipher.open(&here, &legacy).unwrap(), b"x");
        for wrong in [
            address(b"row-2", 1, b"2026-11-23"),
            address(b"row-1", 2, b"2026-11-23"),
            address(b"row-1", 1, b"2026-11-24"),
        ] {
            assert_eq!(cipher.open(&wrong, &legacy), Err(RowOpenError::Tampered));
        }
        // Relabelling a value as the other format does not open it.
        let mut relabelled = sealed.clone();
        relabelled[0] = FORMAT_V1;
        assert!(cipher.open(&here, &relabelled).is_err());
    }

    #[test]
    fn buffers_reused_across_rows_open_each_as_if_alone() {
        let cipher = RowCipher::new(&DataKey::generate());
        let long = vec![b'x'; 300];
        let rows: [(&[u8], &[u8]); 3] = [(b"row-1", &long), (b"row-2", b"short"), (b"row-3", b"")];
        let sealed: Vec<_> = rows
            .iter()
            .map(|(id, text)| cipher.seal(&address(id, 1, b"d"), text).unwrap())
            .collect();
        let legacy = cipher
            .seal_legacy(&address(b"row-4", 1, b"d"), b"old")
            .unwrap();
        let mut buffers = OpenBuffers::default();
        for ((id, text), sealed) in rows.iter().zip(&sealed) {
            let opened = cipher.open_in(&address(id, 1, b"d"), sealed, &mut buffers);
            assert_eq!(opened.unwrap(), *text);
        }
        // A value that fails leaves nothing of itself, and the next opens.
        assert_eq!(
            cipher.open_in(&address(b"row-2", 1, b"d"), &sealed[0], &mut buffers),
            Err(RowOpenError::Tampered)
        );
        assert!(buffers.plaintext.is_empty());
        let opened = cipher.open_in(&address(b"row-4", 1, b"d"), &legacy, &mut buffers);
        assert_eq!(opened.unwrap(), b"old");
        let opened = cipher.open_in(&address(b"row-2", 1, b"d"), &sealed[1], &mut buffers);
        assert_eq!(opened.unwrap(), b"short");
    }

    #[test]
    fn the_format_2_key_is_not_the_data_key() {
        // A value sealed with AES-256-GCM-SIV under the data key itself must
        // not open: format 2 uses a subkey.
        let key = DataKey::generate();
        let cipher = RowCipher::new(&key);
        let here = address(b"row-1", 1, b"");
        let direct = Aes256GcmSiv::new(key.as_bytes().into());
        let nonce = [5u8; NONCE_LEN_V2];
        let mut sealed = vec![FORMAT_V2];
        sealed.extend_from_slice(&nonce);
        sealed.extend(
            direct
                .encrypt(
                    (&nonce).into(),
                    Payload {
                        msg: b"x",
                        aad: &here.associated_data(DOMAIN_V2),
                    },
                )
                .unwrap(),
        );
        assert_eq!(cipher.open(&here, &sealed), Err(RowOpenError::Tampered));
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
