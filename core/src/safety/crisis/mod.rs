//! Crisis resources: the emergency numbers and the crisis lines to show a
//! client, for the country they chose, or else the one their device locale
//! names.
//!
//! Rapport is not a crisis service. Neither the app nor the therapist watches
//! check-ins as they arrive, so wherever the app touches distress (a low
//! "hopeful" rating, the help screen) it must say so plainly and point to
//! services that answer now. Those numbers are data, not code: they live in
//! `resources/crisis.v2.json`, a versioned file in which every line records the
//! page it was read on, when, and what was checked. The file is compiled in so
//! the numbers are there offline, on first launch, with no network request
//! that could reveal that someone is looking for help.
//!
//! Which country: the client's own choice comes first ([`resources_for`]):
//! a phone set to the United States in Dublin must still show Irish lines.
//! Without a choice, only an explicit region in the locale (`en-GB`,
//! `fr_CA.UTF-8`) selects one; a bare language (`de`) never does, because
//! German is spoken in several countries and a wrong crisis number is worse
//! than general emergency advice. Anything we cannot place, and a chosen
//! country the file has no checked lines for, gets the fallback: 112 and 911,
//! each its own button, with a sentence saying which applies where. The
//! words (statement, labels, that sentence) follow the locale's language
//! whenever we have it, and are English otherwise.
//!
//! Nothing here panics. If the bundled file ever failed to parse or validate,
//! every call returns a minimal built-in fallback (emergency services only,
//! English words) rather than partial or unchecked data; a test makes sure
//! the shipped file never takes that path.

mod data;
mod locale;

use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::Serialize;

use super::contacts::DialableNumber;
use crate::error::Error;
use data::{Dataset, load};
use locale::{canonical_region, parse_locale};

/// Edition of the bundled crisis file (its `version` field). Reported in every
/// [`CrisisResources`] so a screen, a log or a support request can tell which
/// checked set of numbers a person was shown; a test keeps it equal to the file.
pub const DATA_VERSION: u32 = 2;

/// The bundled, reviewed crisis data, compiled in so it works offline.
const BUNDLED: &str = include_str!("../../../resources/crisis.v2.json");

/// `data_version` of the built-in fallback, which carries no file data at all.
const BUILTIN_DATA_VERSION: u32 = 0;

/// Emergency numbers of the built-in fallback, with where each applies:
/// never a country-specific crisis line.
const BUILTIN_EMERGENCY: [(&str, &str); 2] = [
    ("112", "Every EU country"),
    ("911", "United States and Canada"),
];

/// Which built-in number applies where (English only: it must not depend on
/// anything that could have failed to load).
const BUILTIN_WHICH_APPLIES: &str = "112 works in every EU country; in the United States and \
    Canada, call 911. Anywhere else, call the emergency number of the country you are in, or go \
    to the nearest emergency department.";

/// Statement of the built-in fallback (English only, for the same reason).
const BUILTIN_STATEMENT: &str = "Rapport is not a crisis service: neither the app nor your \
    therapist watches your check-ins in real time, so no one will see what you enter here \
    straight away. If you are in danger now or might act on thoughts of harming yourself, \
    call your local emergency number or go to the nearest emergency department.";

/// How a crisis line is reached, so the app builds the right link (`tel:` or
/// `sms:`) and the right words ("Call" or "Text").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    /// A voice call to [`CrisisLine::dial`].
    Phone,
    /// A text message to the short code in [`CrisisLine::dial`], starting with
    /// [`CrisisLine::text_body`] when the service asks for a keyword.
    Text,
}

/// One crisis service, as read on its own published page. The provenance
/// fields travel with the number so that anyone looking at it can check it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrisisLine {
    /// Name of the service, as it calls itself.
    pub name: String,
    /// Call or text.
    pub kind: ContactKind,
    /// The number as a person reads it ("116 123", "Text SHOUT to 85258").
    pub contact: String,
    /// Digits only, for a `tel:` or `sms:` link ("116123", "85258").
    pub dial: String,
    /// The link that starts the call (`tel:116123`) or opens the text with
    /// its keyword filled in (`sms:85258?body=SHOUT`): show it as a button.
    pub uri: String,
    /// Keyword to start a text conversation with, if the service asks for one;
    /// `None` for calls and for text lines that accept any first message.
    pub text_body: Option<String>,
    /// Opening hours in plain English ("24 hours, every day").
    pub hours: String,
    /// Whether the service says it is open around the clock, every day, so the
    /// app can tell someone at 3 a.m. whether anyone will answer.
    pub always_open: bool,
    /// BCP 47 codes of the languages the service says it answers in; empty
    /// when its page does not say.
    pub languages: Vec<String>,
    /// The service's own page the number was read on.
    pub source_url: String,
    /// When the number was last checked at that page.
    pub verified_on: NaiveDate,
}

/// Everything the app shows when pointing someone to help: what to call in an
/// emergency, which crisis lines answer where they are, and the reminder that
/// Rapport itself is not watching.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrisisResources {
    /// The locale that was asked for, exactly as given, for logs and support.
    pub locale: String,
    /// ISO 3166 country code the lines are for ("GB"); `None` for the fallback.
    pub region: Option<String>,
    /// The country the client chose, when it decided what is shown (even one
    /// this data has no lines for, which then gives the fallback); `None`
    /// when the country came from the locale.
    pub chosen_country: Option<String>,
    /// True when no country with checked lines was found, so only emergency
    /// numbers are given.
    pub is_fallback: bool,
    /// The first of [`CrisisResources::emergency_numbers`] as text ("999",
    /// "112"), for plain-text output; a screen shows the list.
    pub emergency_number: String,
    /// Every emergency number ready to dial, one button each, the first the
    /// one to dial when only one fits: 999 and 112 for Ireland, 112 and 15
    /// (SAMU) for France, 112 and 911 for the fallback, each labelled.
    pub emergency_numbers: Vec<DialableNumber>,
    /// For the fallback, which number applies where, in the locale's
    /// language; `None` for a country.
    pub emergency_note: Option<String>,
    /// Crisis lines for the country; empty for the fallback.
    pub lines: Vec<CrisisLine>,
    /// That Rapport is not a crisis service and nobody watches check-ins in
    /// real time, and what to do if in danger now; in the locale's language
    /// (`de`, `fr`, `es`), English otherwise.
    pub not_monitored: String,
    /// Edition of the data shown ([`DATA_VERSION`] for the bundled file; `0`
    /// when the built-in fallback had to be used).
    pub data_version: u32,
}

/// A country the bundled data has checked crisis lines for, to offer in a
/// picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrisisCountry {
    /// ISO 3166 alpha-2 code ("IE").
    pub code: String,
    /// As the country calls itself in the data ("Ireland", "Deutschland").
    pub name: String,
}

/// The crisis resources to show for a device locale such as `en-GB`,
/// `fr_CA.UTF-8` or `de_DE@euro`, when the client has chosen no country.
///
/// Only the locale's region selects a country; a language alone, an unknown
/// region or unreadable input gives the fallback (emergency numbers, no
/// lines), with the words in the locale's language where we have it. Never
/// fails and never panics, so it is safe to call from any screen, any time.
pub fn resources_for_locale(locale: &str) -> CrisisResources {
    resolve(bundled(), None, locale)
}

/// The crisis resources for the country the client chose (`IE`, `ie`,
/// `UK`), or for the locale's region when `country` is `None`; the words
/// follow `locale`'s language either way. A chosen country always wins over
/// the region; one the data has no lines for (or that is not a country code)
/// gives the fallback, never the region's lines. Never fails, never panics.
pub fn resources_for(country: Option<&str>, locale: &str) -> CrisisResources {
    resolve(bundled(), country, locale)
}

/// The countries with checked crisis lines, by code, for a picker; a front
/// end may also let the client choose any other country (which shows the
/// fallback numbers).
pub fn countries() -> Vec<CrisisCountry> {
    bundled()
        .map(|data| {
            data.countries
                .iter()
                .map(|(code, country)| CrisisCountry {
                    code: code.clone(),
                    name: country.name.clone(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The country to pre-select in a picker: the region of `locale`
/// (`en_IE.UTF-8` → `IE`, `en-UK` → `GB`), or `None` when the locale names
/// no country (`de`, `es-419`).
pub fn country_for_locale(locale: &str) -> Option<String> {
    parse_locale(locale)
        .region
        .filter(|region| region.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// `country` as a crisis country is kept: an ISO 3166 alpha-2 code in upper
/// case (`ie` → `IE`; the common `UK` → `GB`). Refused with
/// [`Error::InvalidCountry`] when it is not two letters.
pub fn check_country(country: &str) -> Result<String, Error> {
    let code = country.trim();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(canonical_region(&code.to_ascii_uppercase()))
    } else {
        Err(Error::InvalidCountry {
            given: country.to_owned(),
        })
    }
}

/// The bundled data, parsed and validated once; `None` if it ever failed.
fn bundled() -> Option<&'static Dataset> {
    static DATA: OnceLock<Option<Dataset>> = OnceLock::new();
    DATA.get_or_init(|| load(BUNDLED).ok()).as_ref()
}

/// Picks the resources for the chosen `country`, or `locale`'s region, from
/// `data`; the built-in fallback when there is no data.
fn resolve(data: Option<&Dataset>, country: Option<&str>, locale: &str) -> CrisisResources {
    let Some(data) = data else {
        return builtin_fallback(locale, country);
    };
    let parsed = parse_locale(locale);
    let language = parsed.language.as_deref().unwrap_or_default();
    let chosen_country = country.map(|c| check_country(c).unwrap_or_else(|_| c.trim().to_owned()));
    let wanted = match &chosen_country {
        Some(chosen) => Some(chosen.as_str()),
        None => parsed.region.as_deref(),
    };
    let not_monitored = data.statements.for_language(language).to_owned();
    match wanted.and_then(|code| data.countries.get_key_value(code)) {
        Some((code, country)) => {
            let emergency_numbers: Vec<DialableNumber> = country
                .emergency
                .iter()
                .filter_map(|entry| entry.dialable(language))
                .collect();
            CrisisResources {
                locale: locale.to_owned(),
                region: Some(code.clone()),
                chosen_country,
                is_fallback: false,
                emergency_number: first_shown(&emergency_numbers),
                emergency_numbers,
                emergency_note: None,
                lines: country.lines.clone(),
                not_monitored,
                data_version: data.version,
            }
        }
        None => {
            let emergency_numbers: Vec<DialableNumber> = data
                .fallback
                .iter()
                .filter_map(|entry| entry.dialable(language))
                .collect();
            CrisisResources {
                locale: locale.to_owned(),
                region: None,
                chosen_country,
                is_fallback: true,
                emergency_number: first_shown(&emergency_numbers),
                emergency_numbers,
                emergency_note: Some(data.which_applies.for_language(language).to_owned()),
                lines: Vec::new(),
                not_monitored,
                data_version: data.version,
            }
        }
    }
}

fn first_shown(numbers: &[DialableNumber]) -> String {
    numbers.first().map(|n| n.shown.clone()).unwrap_or_default()
}

/// Emergency services only, in English: what is left when the data is unusable.
fn builtin_fallback(locale: &str, country: Option<&str>) -> CrisisResources {
    let emergency_numbers: Vec<DialableNumber> = BUILTIN_EMERGENCY
        .iter()
        .filter_map(|(number, label)| Some(DialableNumber::new(number)?.with_label(label)))
        .collect();
    CrisisResources {
        locale: locale.to_owned(),
        region: None,
        chosen_country: country.map(|c| check_country(c).unwrap_or_else(|_| c.trim().to_owned())),
        is_fallback: true,
        emergency_number: first_shown(&emergency_numbers),
        emergency_numbers,
        emergency_note: Some(BUILTIN_WHICH_APPLIES.to_owned()),
        lines: Vec::new(),
        not_monitored: BUILTIN_STATEMENT.to_owned(),
        data_version: BUILTIN_DATA_VERSION,
    }
}

#[cfg(test)]
mod tests;
