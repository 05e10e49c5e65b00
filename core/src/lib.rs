//! Rapport's core: everything that matters, with no FFI, network stack or UI.
//!
//! A client records a [`CheckIn`] after each therapy session: how heard and how
//! hopeful they felt, on an [`Instrument`] that is versioned, localised data,
//! and "how close am I" for each of up to three [`Goal`]s in their own words.
//! The [`Store`] keeps check-ins in SQLite with every answer and note sealed
//! under a random data key, itself held by the platform keystore
//! ([`SecretStore`]) or wrapped with a passphrase.
//!
//! The bindings crate exposes this to Swift, Kotlin and Python; the core knows
//! nothing of them.

pub mod clock;
pub mod crypto;
pub mod envelope;
pub mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod identity;
pub mod insights;
pub mod invite;
pub mod model;
pub mod relay_url;
pub mod role;
pub mod safety;
pub mod store;
pub mod sync;

pub use clock::{Clock, ManualClock, SystemClock};
pub use crypto::{
    DataKey, KeySource, MemorySecretStore, Passphrase, SecretStore, SecretStoreError,
};
pub use error::{
    Error, GoalError, InstrumentError, InviteError, KeyError, NameError, NameField, PairingError,
    QuarantineKind, QuarantineReason, SharingEndedBy, StoreError, ValidationError,
};
pub use identity::{DeviceCard, DeviceId, DeviceIdentity};
pub use invite::Invite;
pub use model::{
    Answers, CheckIn, CheckInDraft, CheckInRecord, Goal, GoalDraft, GoalRatings, GoalWording,
    Instrument, InstrumentRef, Instruments, Note, NoteVisibility, Tombstone,
};
pub use store::{HistoryCursor, HistoryPage, OutboxEntry, OutboxKind, Peer, Store, StoreOptions};
