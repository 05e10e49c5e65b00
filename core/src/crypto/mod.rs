//! Cryptography for data at rest: the data key, how it is wrapped, and the
//! per-row sealing that binds each ciphertext to its place in the database.

mod data_key;
mod row;
mod secret_store;

pub use data_key::{DEFAULT_WORK_FACTOR, DataKey, KeySource, MAX_WORK_FACTOR, Passphrase};
pub use row::{RowAddress, RowCipher, RowOpenError};
pub use secret_store::{MemorySecretStore, SecretStore, SecretStoreError};

pub(crate) use row::fill_random;
