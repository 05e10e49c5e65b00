//! Safety information shown around check-ins: Rapport is not a crisis service,
//! so the app must always be able to say so and point to real help, offline,
//! in the client's language, with numbers someone has checked at their source.

pub mod crisis;
mod notice;

pub use crisis::{ContactKind, CrisisLine, CrisisResources, DATA_VERSION, resources_for_locale};
pub use notice::{RecordOutcome, SafetyNotice, SafetyReason, notice_for};
