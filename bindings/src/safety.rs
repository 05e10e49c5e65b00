//! Crisis resources, the safety notice a check-in can return, and the
//! consent text: records mirroring `rapport_core::safety` and
//! `rapport_core::model::Consent`.

use rapport_core::safety as core;

use crate::checkin::CheckIn;

/// How a crisis line is reached: a call or a text (its `uri` is the link).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CrisisContactKind {
    /// Call `dial`.
    Phone,
    /// Text `text_body` (if any) to `dial`.
    Text,
}

/// One crisis line, as checked at the service's own page.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CrisisLine {
    /// The service's name.
    pub name: String,
    /// Phone or text.
    pub kind: CrisisContactKind,
    /// As a person reads it ("116 123", "Text SHOUT to 85258").
    pub contact: String,
    /// The digits dialled.
    pub dial: String,
    /// The link to open: `tel:` for a call, `sms:` (with `?body=` when the
    /// service asks for a keyword) for a text. Show it as the line's button;
    /// build no link of your own.
    pub uri: String,
    /// The keyword to text, if the service asks for one.
    pub text_body: Option<String>,
    /// Opening hours, in plain words.
    pub hours: String,
    /// Open around the clock.
    pub always_open: bool,
    /// The service's own page the number was read on.
    pub source_url: String,
    /// When it was checked there, `YYYY-MM-DD`.
    pub verified_on: String,
}

/// An emergency number with the link that dials it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DialableNumber {
    /// As the data prints it (`112`).
    pub shown: String,
    /// What is dialled.
    pub dial: String,
    /// The `tel:` link that starts the call.
    pub uri: String,
    /// What it is for or where it applies ("SAMU: medical emergency",
    /// "Every EU country"), in the client's language; show it beside the
    /// number. Unset for a country's one emergency number.
    pub label: Option<String>,
}

/// Where to find help now, for one locale: bundled, works offline.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CrisisResources {
    /// The locale asked for, as given.
    pub locale: String,
    /// The country the lines are for (`GB`); unset for the fallback.
    pub region: Option<String>,
    /// The country the client chose, when it decided what is shown (one
    /// without checked lines gives the fallback); unset when the country
    /// came from the locale.
    pub chosen_country: Option<String>,
    /// No country could be chosen: emergency advice only.
    pub is_fallback: bool,
    /// The first of `emergency_numbers` as text (`999`), for plain text;
    /// a screen shows the list.
    pub emergency_number: String,
    /// Each emergency number ready to dial, one button each with its label:
    /// 999 and 112 for Ireland, 112 and 15 (SAMU) for France, 112 and 911
    /// for the fallback (never one call to 112911).
    pub emergency_numbers: Vec<DialableNumber>,
    /// For the fallback, which number applies where, in the locale's
    /// language: show it under the numbers.
    pub emergency_note: Option<String>,
    /// Crisis lines; empty for the fallback.
    pub lines: Vec<CrisisLine>,
    /// "Rapport is not a crisis service; nobody watches check-ins in real
    /// time", in the locale's language. Show it with the lines.
    pub not_monitored: String,
    /// Edition of the bundled data.
    pub data_version: u32,
}

/// Why a safety notice is shown.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SafetyReason {
    /// The client pressed "I need support now".
    SupportRequested,
    /// A rating at or below the instrument's point (hopeful at its lowest).
    LowHope {
        /// The item.
        item: String,
        /// The rating.
        rating: u8,
    },
}

/// Shown straight after recording: show `resources` as a sheet.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SafetyNotice {
    /// Why.
    pub reason: SafetyReason,
    /// Where to find help now.
    pub resources: CrisisResources,
}

/// What recording a check-in gave back.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecordOutcome {
    /// The stored check-in.
    pub checkin: CheckIn,
    /// Crisis resources to show now, when the check-in calls for them.
    pub safety: Option<SafetyNotice>,
}

/// The consent text joining asks the client to accept.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Consent {
    /// Pass this to `join` once the client accepted.
    pub version: u32,
    /// The language shown.
    pub locale: String,
    /// Paragraphs and "- " bullet lines.
    pub text: String,
}

/// The texts a client reads around a check-in wherever a reply could be
/// expected, each already carrying "nobody watches check-ins in real time"
/// in the same language: show them as they are, instead of strings of the
/// app's own.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckInTexts {
    /// The language shown (`en`, `de`, `fr`, `es`).
    pub locale: String,
    /// The sentence alone, for any other place a reply could be expected.
    pub not_monitored: String,
    /// The visible label of the "tell my therapist I asked for support"
    /// switch.
    pub support_toggle: String,
    /// Its description for VoiceOver and TalkBack.
    pub support_toggle_hint: String,
    /// The confirmation once a check-in was sent.
    pub sent: String,
    /// The label of a check-in the therapist has seen.
    pub seen: String,
}

/// The texts around a check-in for `locale` (`de-AT` → German; English for
/// a language Rapport does not have).
#[uniffi::export]
pub fn checkin_texts(locale: String) -> CheckInTexts {
    let t = core::checkin_texts(&locale);
    CheckInTexts {
        locale: t.locale,
        not_monitored: t.not_monitored,
        support_toggle: t.support_toggle,
        support_toggle_hint: t.support_toggle_hint,
        sent: t.sent,
        seen: t.seen,
    }
}

/// Where the client stands with the consent text.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsentStatus {
    /// The version accepted; unset before joining.
    pub accepted: Option<u32>,
    /// The version this app asks for.
    pub current: u32,
    /// Show `consent()` and ask the client to accept it before the next
    /// check-in (`accept_consent`): the text changed since they accepted it.
    pub must_accept: bool,
}

impl From<rapport_core::model::ConsentStatus> for ConsentStatus {
    fn from(c: rapport_core::model::ConsentStatus) -> Self {
        ConsentStatus {
            accepted: c.accepted,
            current: c.current,
            must_accept: c.must_accept,
        }
    }
}

/// A country with checked crisis lines, for a picker.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CrisisCountry {
    /// ISO 3166 alpha-2 code (`IE`).
    pub code: String,
    /// As the country calls itself in the data (`Ireland`, `Deutschland`).
    pub name: String,
}

/// Crisis resources for `locale` (such as `en-GB`, `fr_CA`), for an "I need
/// support now" button: bundled, offline, no network request. A client's
/// own choice of country is not known here: use `ClientApp.crisis_resources`
/// on a client's screens.
#[uniffi::export]
pub fn crisis_resources(locale: String) -> CrisisResources {
    core::resources_for_locale(&locale).into()
}

/// Crisis resources for the chosen `country` (`IE`; unset: the locale's
/// region), in `locale`'s language. A country without checked lines gives
/// the fallback numbers, never the region's lines.
#[uniffi::export]
pub fn crisis_resources_for(country: Option<String>, locale: String) -> CrisisResources {
    core::resources_for(country.as_deref(), &locale).into()
}

/// The countries with checked crisis lines, for a picker (any other
/// two-letter code may be chosen too; it shows the fallback numbers).
#[uniffi::export]
pub fn crisis_countries() -> Vec<CrisisCountry> {
    core::countries()
        .into_iter()
        .map(|c| CrisisCountry {
            code: c.code,
            name: c.name,
        })
        .collect()
}

/// The country a picker pre-selects: the region of `locale` (`en_IE` →
/// `IE`), unset when the locale names none.
#[uniffi::export]
pub fn crisis_country_for_locale(locale: String) -> Option<String> {
    core::country_for_locale(&locale)
}

impl From<core::CrisisResources> for CrisisResources {
    fn from(r: core::CrisisResources) -> Self {
        CrisisResources {
            locale: r.locale,
            region: r.region,
            chosen_country: r.chosen_country,
            is_fallback: r.is_fallback,
            emergency_number: r.emergency_number,
            emergency_numbers: r
                .emergency_numbers
                .into_iter()
                .map(|n| DialableNumber {
                    shown: n.shown,
                    dial: n.dial,
                    uri: n.tel_uri,
                    label: n.label,
                })
                .collect(),
            emergency_note: r.emergency_note,
            lines: r
                .lines
                .into_iter()
                .map(|l| CrisisLine {
                    name: l.name,
                    kind: match l.kind {
                        core::ContactKind::Phone => CrisisContactKind::Phone,
                        core::ContactKind::Text => CrisisContactKind::Text,
                    },
                    contact: l.contact,
                    dial: l.dial,
                    uri: l.uri,
                    text_body: l.text_body,
                    hours: l.hours,
                    always_open: l.always_open,
                    source_url: l.source_url,
                    verified_on: l.verified_on.to_string(),
                })
                .collect(),
            not_monitored: r.not_monitored,
            data_version: r.data_version,
        }
    }
}

impl From<core::RecordOutcome> for RecordOutcome {
    fn from(o: core::RecordOutcome) -> Self {
        RecordOutcome {
            checkin: o.checkin.into(),
            safety: o.safety.map(|n| SafetyNotice {
                reason: match n.reason {
                    core::SafetyReason::SupportRequested => SafetyReason::SupportRequested,
                    core::SafetyReason::LowRating { item, rating } => {
                        SafetyReason::LowHope { item, rating }
                    }
                },
                resources: n.resources.into(),
            }),
        }
    }
}

impl From<rapport_core::model::Consent> for Consent {
    fn from(c: rapport_core::model::Consent) -> Self {
        Consent {
            version: c.version,
            locale: c.locale,
            text: c.text,
        }
    }
}
