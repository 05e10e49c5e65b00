//! Creating and unlocking a database's data key.
//!
//! The `keyring` row says how the key is kept. A sealed constant (`key_check`)
//! proves on every open that the key is the right one, so a wrong keystore
//! entry is reported at once rather than as a "tampered" first row later.

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use uuid::Uuid;

use super::schema::classify;
use crate::crypto::{DataKey, KeySource, RowAddress, RowCipher};
use crate::error::{Error, KeyError};

pub(super) const KEY_CHECK: &[u8] = b"rapport key check v1";
const METHOD_PASSPHRASE: &str = "passphrase";
const METHOD_SECRET_STORE: &str = "secret_store";

pub(super) struct Unlocked {
    pub key: DataKey,
    pub cipher: RowCipher,
    pub database_id: Uuid,
    /// The key check is still in the legacy row format: the store's rows
    /// have not been re-sealed in the current format yet.
    pub legacy_rows: bool,
}

/// The keystore entry name for a database: one entry per database, so several
/// stores (a therapist testing a client app, say) never share a key.
pub fn secret_name(database_id: Uuid) -> String {
    format!("rapport.data-key.{database_id}")
}

pub(super) fn check_address(database_id: &Uuid) -> RowAddress<'_> {
    RowAddress {
        table: "keyring",
        row_id: b"1",
        version: 1,
        bound: database_id.as_bytes(),
    }
}

/// Unlocks the data key of the database behind `conn`, creating one if the
/// database is new: `given` when there is one (a therapist restoring from a
/// recovery kit keeps the old key, so the rows of a checkpoint open), a
/// fresh random key otherwise.
pub(super) fn unlock(
    conn: &mut Connection,
    keys: &KeySource,
    now: DateTime<Utc>,
    path: &Path,
    given: Option<DataKey>,
) -> Result<Unlocked, Error> {
    let row = conn
        .query_row(
            "SELECT k.method, k.wrapped_key, k.secret_name, k.key_check, m.value
             FROM keyring k, meta m WHERE k.id = 1 AND m.name = 'database_id'",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<Vec<u8>>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                    r.get::<_, String>(4)?,
                ))
            },
        )
        .optional()
        .map_err(|e| classify(e, path))?;
    let Some((method, wrapped, name, key_check, database_id)) = row else {
        return create(conn, keys, now, path, given);
    };
    let database_id = Uuid::parse_str(&database_id).map_err(|e| KeyError::Damaged {
        detail: format!("database id: {e}"),
    })?;

    let key = match (method.as_str(), keys) {
        (METHOD_PASSPHRASE, KeySource::Passphrase(passphrase)) => {
            let wrapped = wrapped.ok_or_else(|| KeyError::Damaged {
                detail: "the wrapped key is missing".into(),
            })?;
            DataKey::unwrap_with_passphrase(&wrapped, passphrase)?
        }
        (METHOD_SECRET_STORE, KeySource::SecretStore(store)) => {
            let name = name.ok_or_else(|| KeyError::Damaged {
                detail: "the keystore entry name is missing".into(),
            })?;
            let secret = store
                .get(&name)
                .map_err(|e| KeyError::SecretStore { reason: e.reason })?;
            let secret = secret.ok_or(KeyError::MissingKey { name })?;
            DataKey::from_bytes(&zeroize::Zeroizing::new(secret))?
        }
        (METHOD_PASSPHRASE, _) => {
            return Err(KeyError::KeySourceMismatch {
                expected: "a passphrase",
            }
            .into());
        }
        _ => {
            return Err(KeyError::KeySourceMismatch {
                expected: "the device keystore",
            }
            .into());
        }
    };
    let cipher = RowCipher::new(&key);
    match cipher.open(&check_address(&database_id), &key_check) {
        Ok(check) if check == KEY_CHECK => Ok(Unlocked {
            key,
            cipher,
            database_id,
            legacy_rows: RowCipher::is_legacy(&key_check),
        }),
        // The passphrase path already proved the passphrase; a failure here
        // means the key row itself was swapped or damaged.
        _ => Err(KeyError::WrongKey.into()),
    }
}

fn create(
    conn: &mut Connection,
    keys: &KeySource,
    now: DateTime<Utc>,
    path: &Path,
    given: Option<DataKey>,
) -> Result<Unlocked, Error> {
    let database_id = Uuid::now_v7();
    let key = match given {
        Some(key) => key,
        None => DataKey::try_generate()?,
    };
    let cipher = RowCipher::new(&key);
    let key_check = cipher.seal(&check_address(&database_id), KEY_CHECK)?;

    let (method, wrapped, name) = match keys {
        KeySource::Passphrase(passphrase) => {
            if passphrase.is_empty() {
                return Err(KeyError::EmptyPassphrase.into());
            }
            let wrapped = key.wrap_with_passphrase(passphrase)?;
            (METHOD_PASSPHRASE, Some(wrapped), None)
        }
        KeySource::SecretStore(store) => {
            let name = secret_name(database_id);
            // Into the keystore first: a crash before the commit below leaves
            // an unused keystore entry, never a database without its key.
            store
                .put(&name, key.as_bytes())
                .map_err(|e| KeyError::SecretStore { reason: e.reason })?;
            (METHOD_SECRET_STORE, None, Some(name))
        }
    };

    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| classify(e, path))?;
    tx.execute(
        "INSERT INTO meta (name, value) VALUES ('database_id', ?1)",
        params![database_id.to_string()],
    )?;
    tx.execute(
        "INSERT INTO keyring (id, method, wrapped_key, secret_name, key_check, created_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5)",
        params![method, wrapped, name, key_check, now.timestamp_millis()],
    )?;
    tx.commit()?;
    Ok(Unlocked {
        key,
        cipher,
        database_id,
        legacy_rows: false,
    })
}
