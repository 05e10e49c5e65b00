//! Cryptography for data at rest: the data key, how it is wrapped, and the
//! per-row sealing that binds each ciphertext to its place in the database.

mod data_key;
mod row;
mod secret_store;

pub use data_key::{DEFAULT_WORK_FACTOR, DataKey, KeySource, MAX_WORK_FACTOR, Passphrase};

/// What a secret shows in `Debug` output: that it is there, never what it is.
pub(crate) const REDACTED: &str = "<redacted>";
pub use row::{OpenBuffers, RowAddress, RowCipher, RowOpenError};
pub use secret_store::{MemorySecretStore, SecretStore, SecretStoreError};

/// Fills `buf` from the operating system's random source. Here rather than
/// in `row.rs` or `data_key.rs`, which both need it, so neither imports the
/// other for it.
pub(crate) fn fill_random(buf: &mut [u8]) -> Result<(), crate::error::KeyError> {
    getrandom::getrandom(buf).map_err(|e| crate::error::KeyError::NoRandomness {
        detail: e.to_string(),
    })
}
