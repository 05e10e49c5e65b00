//! The data key and the two ways it is kept: in the platform keystore, or
//! wrapped with a passphrase.
//!
//! Rows are never encrypted with a passphrase directly: one random data key
//! seals every row, and only that key is wrapped. Changing a passphrase or
//! moving to a keystore is then one small write, not a rewrite of every row.

use std::sync::Arc;

use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::fill_random;
use super::secret_store::SecretStore;
use crate::error::KeyError;

/// scrypt work factor (log2 N) used when none is chosen: about a second on a
/// current phone, which is what age itself targets for interactive use.
pub const DEFAULT_WORK_FACTOR: u8 = 18;

/// Highest work factor accepted when unwrapping: 2^20 asks scrypt for 1 GiB
/// of memory, already more than a phone gives an app. A wrapped key asking for
/// more could only come from a tampered file trying to hang or kill the app
/// (each step up doubles time and memory).
pub const MAX_WORK_FACTOR: u8 = 20;

/// The 256-bit key that seals every sensitive column. Wiped from memory when
/// dropped.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

impl DataKey {
    /// A fresh random key.
    pub fn try_generate() -> Result<DataKey, KeyError> {
        let mut key = Zeroizing::new([0u8; 32]);
        fill_random(key.as_mut())?;
        Ok(DataKey(key))
    }

    /// A fresh random key; for tests and tools where randomness cannot fail.
    #[cfg(test)]
    pub(crate) fn generate() -> DataKey {
        DataKey::try_generate().expect("random source")
    }

    /// A key from its 32 raw bytes (as kept in a keystore).
    pub fn from_bytes(bytes: &[u8]) -> Result<DataKey, KeyError> {
        let array: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Damaged {
            detail: format!("a data key is 32 bytes, found {}", bytes.len()),
        })?;
        Ok(DataKey(Zeroizing::new(array)))
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key encrypted to `passphrase` in the age format (scrypt recipient),
    /// so it can be opened with the reference `age` tool in an emergency.
    pub fn wrap_with_passphrase(&self, passphrase: &Passphrase) -> Result<Vec<u8>, KeyError> {
        passphrase.seal(self.as_bytes())
    }

    /// Opens a key wrapped by [`DataKey::wrap_with_passphrase`].
    pub fn unwrap_with_passphrase(
        wrapped: &[u8],
        passphrase: &Passphrase,
    ) -> Result<DataKey, KeyError> {
        DataKey::from_bytes(&passphrase.open(wrapped)?)
    }
}

/// A passphrase and the scrypt work factor to wrap keys with.
#[derive(Clone)]
pub struct Passphrase {
    secret: SecretString,
    work_factor: u8,
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Passphrase(.., work_factor: {})", self.work_factor)
    }
}

impl Passphrase {
    /// A passphrase with the default work factor.
    pub fn new(passphrase: impl Into<String>) -> Passphrase {
        Passphrase {
            secret: SecretString::from(passphrase.into()),
            work_factor: DEFAULT_WORK_FACTOR,
        }
    }

    /// Sets the scrypt work factor (log2 N, 1 to [`MAX_WORK_FACTOR`]) used when
    /// wrapping; tests use a small one so they stay fast. Out-of-range values
    /// are clamped.
    pub fn with_work_factor(mut self, work_factor: u8) -> Passphrase {
        self.work_factor = work_factor.clamp(1, MAX_WORK_FACTOR);
        self
    }

    /// Encrypts `plaintext` to this passphrase as a standard age file (scrypt
    /// recipient): data keys, recovery kits.
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, KeyError> {
        let mut recipient = age::scrypt::Recipient::new(self.secret.clone());
        recipient.set_work_factor(self.work_factor);
        age::encrypt(&recipient, plaintext).map_err(|e| KeyError::Damaged {
            detail: format!("could not encrypt with the passphrase: {e}"),
        })
    }

    /// Opens what [`Passphrase::seal`] produced; a wrong passphrase is
    /// [`KeyError::WrongPassphrase`], and a file demanding more than
    /// [`MAX_WORK_FACTOR`] is refused before any work is done.
    pub fn open(&self, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let mut identity = age::scrypt::Identity::new(self.secret.clone());
        identity.set_max_work_factor(MAX_WORK_FACTOR);
        match age::decrypt(&identity, sealed) {
            Ok(bytes) => Ok(Zeroizing::new(bytes)),
            Err(age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys) => {
                Err(KeyError::WrongPassphrase)
            }
            Err(age::DecryptError::ExcessiveWork { required, .. }) => {
                Err(KeyError::ExcessiveWork {
                    required,
                    limit: MAX_WORK_FACTOR,
                })
            }
            Err(e) => Err(KeyError::Damaged {
                detail: e.to_string(),
            }),
        }
    }

    /// Whether the passphrase is empty, which is refused for new databases.
    pub fn is_empty(&self) -> bool {
        self.secret.expose_secret().is_empty()
    }
}

/// Where the data key of a database is kept.
#[derive(Clone)]
pub enum KeySource {
    /// Wrapped with a passphrase (CLI, desktop, recovery kits).
    Passphrase(Passphrase),
    /// Held by the platform keystore (Keychain, Android Keystore).
    SecretStore(Arc<dyn SecretStore>),
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Passphrase(p) => f.debug_tuple("Passphrase").field(p).finish(),
            KeySource::SecretStore(_) => f.write_str("SecretStore(..)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick(p: &str) -> Passphrase {
        Passphrase::new(p).with_work_factor(4)
    }

    #[test]
    fn a_wrapped_key_opens_with_its_passphrase_only() {
        let key = DataKey::generate();
        let wrapped = key.wrap_with_passphrase(&quick("correct horse")).unwrap();
        let opened = DataKey::unwrap_with_passphrase(&wrapped, &quick("correct horse")).unwrap();
        assert_eq!(opened.as_bytes(), key.as_bytes());
        assert_eq!(
            DataKey::unwrap_with_passphrase(&wrapped, &quick("battery staple")).unwrap_err(),
            KeyError::WrongPassphrase
        );
    }

    #[test]
    fn the_wrapped_key_is_a_standard_age_file() {
        let wrapped = DataKey::generate()
            .wrap_with_passphrase(&quick("pw"))
            .unwrap();
        assert!(wrapped.starts_with(b"age-encryption.org/v1\n-> scrypt "));
    }

    #[test]
    fn a_wrapped_key_demanding_huge_work_is_refused_without_doing_it() {
        let wrapped = DataKey::generate()
            .wrap_with_passphrase(&quick("pw"))
            .map(|w| {
                // Rewrite the stanza's work factor argument to 30 (2^30 scrypt:
                // hours of work and 128 GiB of memory).
                let header_end = w.windows(4).position(|s| s == b"\n---").unwrap();
                let header = String::from_utf8(w[..header_end].to_vec()).unwrap();
                let mut out = header.replacen(" 4\n", " 30\n", 1).into_bytes();
                out.extend_from_slice(&w[header_end..]);
                out
            })
            .unwrap();
        let err = DataKey::unwrap_with_passphrase(&wrapped, &quick("pw")).unwrap_err();
        assert_eq!(
            err,
            KeyError::ExcessiveWork {
                required: 30,
                limit: MAX_WORK_FACTOR
            }
        );
    }

    #[test]
    fn a_work_factor_above_twenty_is_refused_when_opening() {
        // 2^21 would ask for 2 GiB: more than any phone gives an app.
        let wrapped = DataKey::generate()
            .wrap_with_passphrase(&quick("pw"))
            .map(|w| {
                let header_end = w.windows(4).position(|s| s == b"\n---").unwrap();
                let header = String::from_utf8(w[..header_end].to_vec()).unwrap();
                let mut out = header.replacen(" 4\n", " 21\n", 1).into_bytes();
                out.extend_from_slice(&w[header_end..]);
                out
            })
            .unwrap();
        assert_eq!(
            DataKey::unwrap_with_passphrase(&wrapped, &quick("pw")).unwrap_err(),
            KeyError::ExcessiveWork {
                required: 21,
                limit: 20
            }
        );
    }

    #[test]
    fn garbage_is_reported_as_damage_not_as_a_wrong_passphrase() {
        let err = DataKey::unwrap_with_passphrase(b"not an age file", &quick("pw")).unwrap_err();
        assert!(matches!(err, KeyError::Damaged { .. }));
    }
}
