//! The platform keystore, as the core sees it.
//!
//! Apps implement [`SecretStore`] over the Keychain (iOS) or a key held in the
//! Android Keystore, so no key material ever sits in an ordinary file. The
//! bindings expose it as a foreign trait.

use std::collections::HashMap;
use std::sync::Mutex;

/// A keystore failure, in the platform's own words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct SecretStoreError {
    /// What the platform reported.
    pub reason: String,
}

/// Named secrets kept by the platform.
pub trait SecretStore: Send + Sync {
    /// The secret stored under `name`, or `None` when there is none.
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, SecretStoreError>;
    /// Stores `secret` under `name`, replacing any previous one.
    fn put(&self, name: &str, secret: &[u8]) -> Result<(), SecretStoreError>;
    /// Forgets the secret under `name`; forgetting a missing one succeeds.
    fn delete(&self, name: &str) -> Result<(), SecretStoreError>;
}

/// A keystore that lives only as long as the process: for tests, benchmarks,
/// and tools that unlock with a passphrase but want the same interface.
#[derive(Debug, Default)]
pub struct MemorySecretStore {
    secrets: Mutex<HashMap<String, Vec<u8>>>,
}

impl MemorySecretStore {
    /// An empty keystore.
    pub fn new() -> MemorySecretStore {
        MemorySecretStore::default()
    }

    fn secrets(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<u8>>> {
        // A poisoned lock only means another thread panicked mid-insert of a
        // whole value; the map itself is still consistent.
        self.secrets.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SecretStore for MemorySecretStore {
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, SecretStoreError> {
        Ok(self.secrets().get(name).cloned())
    }

    fn put(&self, name: &str, secret: &[u8]) -> Result<(), SecretStoreError> {
        self.secrets().insert(name.to_owned(), secret.to_vec());
        Ok(())
    }

    fn delete(&self, name: &str) -> Result<(), SecretStoreError> {
        self.secrets().remove(name);
        Ok(())
    }
}
