//! Rapport's bindings for Swift, Kotlin and Python (uniffi): type mapping and
//! thin wrappers over `rapport-core`, no logic of their own.
//!
//! An app holds a [`ClientApp`] or a [`TherapistApp`], each an encrypted
//! database unlocked with a passphrase or through the platform keystore
//! ([`SecretStore`], implemented by the app). Everything that talks to the
//! relay goes through the app's own HTTP client ([`HttpClient`]) and is async
//! in the foreign language: the blocking core work runs on a background
//! thread and the foreign executor awaits it, so the library links no async
//! runtime and no HTTP or TLS stack. Every failure is one [`RapportError`].
//!
//! Generate the foreign sources with `bindings/generate.sh`.

mod app;
mod background;
mod brief;
mod checkin;
mod client;
mod error;
mod flags;
mod foreign;
mod form;
mod goals;
mod insights;
mod instrument;
mod relay;
mod rules;
mod safety;
mod sync;
mod therapist;
mod vectors;

pub use brief::{Brief, BriefBasis, BriefCard, BriefCheckIn, Opening, OutsideRange, UsualRange};
pub use checkin::{
    CheckIn, CheckInDraft, CheckInRecord, HistoryCursor, HistoryPage, InstrumentRef, Note,
    NoteVisibility, OutboxEntry, OutboxKind, Tombstone,
};
pub use client::ClientApp;
pub use error::RapportError;
pub use flags::{
    Flag, FlagEvent, FlagEventKind, FlagKind, Reason, Resolution, ResolutionKind, Rule, Severity,
};
pub use foreign::{HttpClient, HttpError, HttpHeader, HttpRequest, HttpResponse, SecretStore};
pub use form::{CheckInForm, FormItem, FormProgress, ScalePoint, checkin_progress, note_length};
pub use goals::{
    Goal, GoalLimits, GoalProgress, GoalRating, GoalRatingPoint, GoalWording, goal_limits,
};
pub use insights::{ClientInsights, ClientStatus, ItemInsight, SessionPoint, Trend};
pub use instrument::{Instrument, InstrumentItem};
pub use relay::{FetchPage, FetchedEnvelope, MailboxCredentials, PostToken, RelayConnection};
pub use rules::{
    InviteValidity, check_client_label, check_therapist_name, current_instrument, invite_validity,
};
pub use safety::{
    CheckInTexts, Consent, ConsentStatus, CrisisContactKind, CrisisCountry, CrisisLine,
    CrisisResources, DialableNumber, RecordOutcome, SafetyNotice, SafetyReason, checkin_texts,
    crisis_countries, crisis_country_for_locale, crisis_resources, crisis_resources_for,
};
pub use sync::{
    Account, ClientCheckIns, CreatedInvite, HeldCheckIns, Membership, PairedDevice,
    QuarantinedEnvelope, ReceivedCheckIn, Role, SenderGap, SyncReport,
};
pub use therapist::TherapistApp;
pub use vectors::{
    DeviceCard, DeviceSecrets, InviteInfo, MessageKind, OpenedEnvelope, PairedSender, SequenceGap,
    device_card, open_envelope, parse_invite,
};

uniffi::setup_scaffolding!();

/// FOR TESTS ONLY: panics inside the library, so foreign test suites can show
/// that a Rust panic reaches them as an ordinary exception (Swift/Kotlin
/// `InternalException`, Python `InternalError`) and the process lives on.
/// Exists only with the `test-panic` feature, which tests/bindings.sh
/// enables and no release build does.
#[cfg(feature = "test-panic")]
#[uniffi::export]
pub fn debug_panic_for_tests() {
    panic!("debug_panic_for_tests: a deliberate panic inside rapport-ffi");
}
