//! Safety information shown around check-ins: Rapport is not a crisis service,
//! so the app must always be able to say so and point to real help, offline,
//! in the client's language, with numbers someone has checked at their source.

mod contacts;
pub mod crisis;
mod notice;
mod texts;

pub use contacts::{DialableNumber, dial_string, sms_uri, tel_uri};
pub use crisis::{
    ContactKind, CrisisCountry, CrisisLine, CrisisResources, DATA_VERSION, check_country,
    countries, country_for_locale, resources_for, resources_for_locale,
};
pub use notice::{RecordOutcome, SafetyNotice, SafetyReason, notice_for};
pub use texts::{CheckInTexts, checkin_texts};
