//! The encrypted local store: the object an app holds.
//!
//! One SQLite file per installation. Answers and notes are sealed row by row
//! (see [`crate::crypto::RowCipher`]); the cleartext columns are listed in
//! SECURITY.md. Opening a store checks the file is Rapport's, upgrades its
//! schema, and unlocks the data key.
//!
//! Every SQL statement of the core is in this module, one file per kind of
//! data: `checkins` (a client's check-ins), `goals` (a client's goals, and
//! those a therapist received), `outbox` (what waits to be sent),
//! `account` (this device on the relay, sequence numbers, fetch cursor),
//! `pairing` (identity, invites, peers and what was accepted from them),
//! `membership` and `sharing` (how a pairing stands, pauses and ends),
//! `settings` (the client's own settings, such as the crisis country),
//! `holding` (check-ins held on the phone, and those kept from a therapist),
//! `inbox` (the therapist's received check-ins), `replies`, `insights`
//! (summaries, flag marks, acknowledgements, sessions), `keyring`, `schema`
//! and `export`. Sync and the insights decide what to write and when; where
//! several writes must land together they take a transaction from
//! [`Store::begin`] and pass it to the functions here.

pub(crate) mod account;
pub(crate) mod checkins;
pub(crate) mod codec;
mod export;
pub(crate) mod goals;
pub(crate) mod holding;
pub(crate) mod inbox;
pub(crate) mod insights;
pub(crate) mod joining;
mod keyring;
pub(crate) mod membership;
pub(crate) mod outbox;
mod pairing;
pub(crate) mod replies;
mod reseal;
mod schema;
pub(crate) mod sequences;
pub(crate) mod settings;
pub(crate) mod sharing;
mod snapshot;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, Transaction, TransactionBehavior};
use uuid::Uuid;

pub use account::Account;
pub use checkins::{HistoryCursor, HistoryPage, MAX_PAGE, checkin_bound, write_checkin_bound};
pub use export::EXPORT_FORMAT;
pub use holding::HeldCheckIns;
pub use keyring::secret_name as keystore_entry_name;
pub use membership::Membership;
pub use outbox::{OutboxEntry, OutboxKind};
pub use pairing::Peer;
#[cfg(feature = "fuzzing")]
pub(crate) use pairing::{InviteSecret, value_address};
pub(crate) use pairing::{accept_hello_in, insert_peer, open_value, replace_identity, seal_value};
pub use schema::{APPLICATION_ID, CONNECTION_PRAGMAS, LATEST_VERSION};

use crate::clock::{Clock, SystemClock};
use crate::crypto::{KeySource, RowCipher};
use crate::error::Error;
use crate::model::Instruments;

/// Settings for opening a store.
#[derive(Clone)]
pub struct StoreOptions {
    /// Instruments check-ins may be recorded against.
    pub instruments: Instruments,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
}

impl StoreOptions {
    /// The bundled instruments and the system clock.
    pub fn standard() -> Result<StoreOptions, Error> {
        Ok(StoreOptions {
            instruments: Instruments::bundled()?,
            clock: Arc::new(SystemClock),
        })
    }
}

/// A client's or therapist's local database, unlocked.
pub struct Store {
    /// Private to `store/`: every statement lives here, by feature. Others
    /// get a transaction from [`Store::begin`] to pass back to store's
    /// functions (`core/tests/structure.rs` checks they run none on it).
    conn: Connection,
    pub(crate) cipher: RowCipher,
    pub(crate) data_key: crate::crypto::DataKey,
    pub(crate) options: StoreOptions,
    path: PathBuf,
    database_id: Uuid,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("database_id", &self.database_id)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the store at `path`, creating it (and its data key) if the file
    /// does not exist yet.
    pub fn open(path: impl AsRef<Path>, keys: KeySource) -> Result<Store, Error> {
        Store::open_with(path, keys, StoreOptions::standard()?)
    }

    /// Like [`Store::open`], with explicit instruments and clock.
    pub fn open_with(
        path: impl AsRef<Path>,
        keys: KeySource,
        options: StoreOptions,
    ) -> Result<Store, Error> {
        Store::open_at_version(path.as_ref(), keys, options, schema::LATEST_VERSION, None)
    }

    /// Creates a new store whose data key is `key` (kept under `keys`), for
    /// a restore: the rows of the old device's checkpoint then open as they
    /// are. Refused when `path` already holds a database with another key.
    pub(crate) fn create_with_key(
        path: &Path,
        keys: KeySource,
        options: StoreOptions,
        key: crate::crypto::DataKey,
    ) -> Result<Store, Error> {
        let wanted = *key.as_bytes();
        let store = Store::open_at_version(path, keys, options, schema::LATEST_VERSION, Some(key))?;
        if *store.data_key.as_bytes() != wanted {
            return Err(crate::error::KeyError::Damaged {
                detail: "this home already has a key of its own; restore into a new, empty home"
                    .into(),
            }
            .into());
        }
        Ok(store)
    }

    fn open_at_version(
        path: &Path,
        keys: KeySource,
        options: StoreOptions,
        schema_version: i64,
        given_key: Option<crate::crypto::DataKey>,
    ) -> Result<Store, Error> {
        let mut conn = schema::open(path, schema_version)?;
        let unlocked = keyring::unlock(&mut conn, &keys, options.clock.now(), path, given_key)?;
        if unlocked.legacy_rows {
            reseal::reseal_legacy(&mut conn, &unlocked.cipher, &unlocked.database_id)?;
        }
        if schema_version >= 7 {
            sequences::adopt_cleartext(&mut conn, &unlocked.cipher)?;
        }
        snapshot::remove_leftover_copies(path);
        Ok(Store {
            conn,
            cipher: unlocked.cipher,
            data_key: unlocked.key,
            options,
            path: path.to_owned(),
            database_id: unlocked.database_id,
        })
    }

    /// Where the database file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The instruments this store validates against.
    pub fn instruments(&self) -> &Instruments {
        &self.options.instruments
    }

    /// A random id naming this database (and its keystore entry).
    pub fn database_id(&self) -> Uuid {
        self.database_id
    }

    /// Begins a transaction for a caller outside `store/` that needs several
    /// of the store's writes to land together or not at all (sync applying
    /// a page with its cursor, say). The caller passes it to the store's
    /// functions and commits it; dropping it rolls back. `Immediate` takes
    /// the write lock at once, for a read-then-write nobody may overtake.
    pub(crate) fn begin(
        &mut self,
        behavior: TransactionBehavior,
    ) -> Result<Transaction<'_>, Error> {
        Ok(self.conn.transaction_with_behavior(behavior)?)
    }

    /// [`Store::begin`], with the row cipher lent beside the transaction for
    /// callers that seal rows inside it: both borrow the store, so they
    /// cannot come from two calls.
    pub(crate) fn begin_with_cipher(
        &mut self,
        behavior: TransactionBehavior,
    ) -> Result<(Transaction<'_>, &RowCipher), Error> {
        Ok((self.conn.transaction_with_behavior(behavior)?, &self.cipher))
    }

    /// A deferred transaction on a shared borrow, for a reader that brings
    /// derived rows up to date before reading them (the insights). SQLite,
    /// not the borrow checker, refuses a second one on the same connection.
    pub(crate) fn begin_unchecked(&self) -> Result<Transaction<'_>, Error> {
        Ok(self.conn.unchecked_transaction()?)
    }
}

#[cfg(test)]
mod fixtures {
    //! Writes the databases kept under `core/tests/fixtures/`, one per released
    //! schema version. Run once when a version is released:
    //! `cargo test -p rapport-core write_fixture -- --ignored`.

    use super::*;
    use crate::crypto::Passphrase;
    use crate::model::{CheckInDraft, InstrumentRef, Note, NoteVisibility};
    use chrono::{NaiveDate, TimeZone, Utc};

    #[test]
    #[ignore = "writes a committed fixture; run by hand when a schema version is released"]
    fn write_fixture_v1() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("schema-v1.db");
        let _ = std::fs::remove_file(&path);
        let clock = Arc::new(crate::clock::ManualClock::new(
            Utc.with_ymd_and_hms(2026, 11, 2, 17, 0, 0).unwrap(),
        ));
        let options = StoreOptions {
            clock: clock.clone(),
            ..StoreOptions::standard().unwrap()
        };
        let keys =
            KeySource::Passphrase(Passphrase::new("fixture passphrase").with_work_factor(10));
        let mut store = Store::open_at_version(&path, keys, options, 1, None).unwrap();
        let instrument = InstrumentRef {
            id: "session-checkin".into(),
            version: 1,
        };
        let sessions = [
            (
                NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
                2,
                1,
                Some("first session, felt rushed"),
            ),
            (NaiveDate::from_ymd_opt(2026, 11, 9).unwrap(), 4, 3, None),
            (
                NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(),
                5,
                4,
                Some("we found the thread"),
            ),
        ];
        let mut ids = Vec::new();
        for (date, heard, hopeful, note) in sessions {
            clock.set(date.and_hms_opt(18, 0, 0).unwrap().and_utc());
            let checkin = store
                .record(CheckInDraft {
                    instrument: instrument.clone(),
                    session_date: date,
                    answers: [("heard".into(), heard), ("hopeful".into(), hopeful)].into(),
                    note: note.map(|text| Note {
                        text: text.into(),
                        visibility: NoteVisibility::Shared,
                    }),
                    support_requested: false,
                    goal_ratings: Default::default(),
                })
                .unwrap();
            ids.push(checkin.id);
        }
        // One edited and one deleted record, so upgrades see every row state.
        store
            .edit(
                ids[1],
                CheckInDraft {
                    instrument: instrument.clone(),
                    session_date: NaiveDate::from_ymd_opt(2026, 11, 9).unwrap(),
                    answers: [
                        ("heard".into(), 4),
                        ("hopeful".into(), 4),
                        ("fit".into(), 5),
                    ]
                    .into(),
                    note: None,
                    support_requested: false,
                    goal_ratings: Default::default(),
                },
            )
            .unwrap();
        let doomed = store
            .record(CheckInDraft {
                instrument,
                session_date: NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(),
                answers: [("heard".into(), 1), ("hopeful".into(), 1)].into(),
                note: None,
                support_requested: false,
                goal_ratings: Default::default(),
            })
            .unwrap();
        store.delete(doomed.id).unwrap();
        drop(store);
        assert!(!dir.join("schema-v1.db-wal").exists());
    }
}
