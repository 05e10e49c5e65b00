//! Errors, in two levels: one rich enum per concern here, each message telling a
//! person what happened and what to do next, and [`Error`] gathering them for
//! callers that do not care which part of the core failed. The bindings map
//! [`Error`] onto a small, stable enum at the FFI edge.
//!
//! No variant carries a field named `message`: it clashes with
//! `Throwable.message` in the generated Kotlin.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::model::InstrumentRef;

/// Anything the core can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A check-in was refused; nothing was stored.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// An instrument definition is unusable.
    #[error(transparent)]
    Instrument(#[from] InstrumentError),
    /// The local database could not be opened, read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The data key could not be unlocked or protected.
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// Why a check-in was refused. Each variant names the offending item or value
/// so an app can point at the right control.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// The check-in names an instrument edition this app does not have.
    #[error("unknown questionnaire {instrument}: update the app, or answer the current one")]
    UnknownInstrument {
        /// The edition asked for.
        instrument: InstrumentRef,
    },
    /// An answer names an item the instrument does not have.
    #[error("\"{item}\" is not a question in {instrument}: remove that answer")]
    UnknownItem {
        /// The instrument answered.
        instrument: InstrumentRef,
        /// The unknown item id.
        item: String,
    },
    /// A rating is outside the item's scale.
    #[error("rating {value} for \"{item}\" is out of range: choose a value from {min} to {max}")]
    RatingOutOfRange {
        /// The item rated.
        item: String,
        /// The rating given.
        value: i64,
        /// Lowest allowed rating.
        min: u8,
        /// Highest allowed rating.
        max: u8,
    },
    /// A required item was not answered.
    #[error("\"{item}\" needs an answer before the check-in can be saved")]
    RequiredItemMissing {
        /// The unanswered item.
        item: String,
    },
    /// The note is longer than the instrument allows.
    #[error("the note is {chars} characters long; shorten it to {max} or fewer")]
    NoteTooLong {
        /// Length of the note given, in characters.
        chars: usize,
        /// Longest note accepted.
        max: usize,
    },
    /// The session date lies in the future.
    #[error("the session date {date} is in the future: pick the day the session took place")]
    SessionDateInFuture {
        /// The date given.
        date: NaiveDate,
    },
    /// The session date is too far in the past to be a real recent session.
    #[error(
        "the session date {date} is more than a year ago: pick the day the session took place \
         (on or after {earliest})"
    )]
    SessionDateTooOld {
        /// The date given.
        date: NaiveDate,
        /// Earliest date accepted today.
        earliest: NaiveDate,
    },
}

/// Why an instrument definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstrumentError {
    /// The file is not valid JSON of the expected shape.
    #[error("the instrument file could not be read: {detail}")]
    Unreadable {
        /// What the parser said.
        detail: String,
    },
    /// The file parses but the definition is incomplete or inconsistent.
    #[error("instrument {id:?} is invalid: {detail}")]
    Invalid {
        /// The instrument's id as written in the file.
        id: String,
        /// What is wrong, in plain words.
        detail: String,
    },
    /// The same id and version was added twice.
    #[error("{instrument} is already installed: publish changed wording as a new version instead")]
    DuplicateEdition {
        /// The edition added twice.
        instrument: InstrumentRef,
    },
}

/// Why the data key could not be unlocked, created or protected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The passphrase does not open this database.
    #[error("wrong passphrase: this database was locked with a different one; try again")]
    WrongPassphrase,
    /// A new database needs a passphrase that is not empty.
    #[error("choose a passphrase: an empty one would leave the database unprotected")]
    EmptyPassphrase,
    /// The key in the platform keystore does not open this database.
    #[error(
        "the key in the device keystore does not open this database; \
         restore the matching keystore entry or use a recovery kit"
    )]
    WrongKey,
    /// The platform keystore has no key for this database.
    #[error(
        "the device keystore has no key named {name:?} for this database \
         (was the app's data restored onto a new device?); use a recovery kit"
    )]
    MissingKey {
        /// Name the key was stored under.
        name: String,
    },
    /// The database was locked with another kind of key than the one offered.
    #[error("this database is locked with {expected}; open it with that instead")]
    KeySourceMismatch {
        /// What the database expects, in words.
        expected: &'static str,
    },
    /// The passphrase-wrapped key would take an unreasonable amount of work to
    /// unlock, which only a tampered file would ask for.
    #[error(
        "the stored key asks for scrypt work factor {required} (limit {limit}); \
         the file may have been tampered with"
    )]
    ExcessiveWork {
        /// Work factor in the file.
        required: u8,
        /// Highest work factor accepted.
        limit: u8,
    },
    /// The platform keystore refused an operation.
    #[error("the device keystore failed: {reason}")]
    SecretStore {
        /// What the keystore said.
        reason: String,
    },
    /// The operating system could not provide random numbers, so no new secret
    /// or nonce can be made safely.
    #[error("the device could not provide random numbers ({detail}); restart it and try again")]
    NoRandomness {
        /// What the OS reported.
        detail: String,
    },
    /// The wrapped key is damaged.
    #[error("the stored key is damaged ({detail}); restore from a backup or recovery kit")]
    Damaged {
        /// What is wrong.
        detail: String,
    },
}

/// Why the local database could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file exists but is not a Rapport database.
    #[error(
        "{path} is not a Rapport database; choose another location, \
         or move that file away if it is not needed"
    )]
    NotARapportDatabase {
        /// The file opened.
        path: String,
    },
    /// The file is a Rapport database but SQLite found it damaged.
    #[error("the database is damaged ({detail}); restore it from a backup or recovery kit")]
    Corrupt {
        /// What SQLite reported.
        detail: String,
    },
    /// The file was written by a newer version of Rapport.
    #[error(
        "this database was written by a newer Rapport (schema {found}, this app reads up to \
         {supported}); update the app. The file has not been changed"
    )]
    NewerDatabase {
        /// Schema version in the file.
        found: i64,
        /// Newest schema version this code knows.
        supported: i64,
    },
    /// A sealed row did not decrypt: it was altered, swapped or damaged.
    #[error(
        "a stored {table} record ({row}) failed its integrity check: it was altered or moved; \
         restore from a backup or re-sync"
    )]
    Tampered {
        /// Table of the record.
        table: &'static str,
        /// Its id.
        row: String,
    },
    /// A sealed row decrypted but its content could not be understood.
    #[error("a stored {table} record ({row}) could not be read: {detail}")]
    UnreadableRecord {
        /// Table of the record.
        table: &'static str,
        /// Its id.
        row: String,
        /// What is wrong.
        detail: String,
    },
    /// No check-in has this id.
    #[error("no check-in with id {id}; it may have been deleted on another device")]
    CheckInNotFound {
        /// The id asked for.
        id: Uuid,
    },
    /// The check-in was deleted and cannot be changed any more.
    #[error("check-in {id} was deleted; record a new one instead")]
    CheckInDeleted {
        /// The id asked for.
        id: Uuid,
    },
    /// The database could not be opened or used for a reason outside Rapport.
    #[error("database error: {detail}")]
    Sqlite {
        /// What SQLite reported.
        detail: String,
        /// SQLite's error code, when there is one.
        code: Option<i32>,
    },
    /// The file system refused.
    #[error("file error for {path}: {detail}")]
    Io {
        /// File concerned.
        path: String,
        /// What the OS reported.
        detail: String,
    },
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
                detail: e.to_string(),
            },
            code => StoreError::Sqlite {
                detail: e.to_string(),
                code: code.and(e.sqlite_error().map(|s| s.extended_code)),
            },
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Store(e.into())
    }
}
