//! The bundled crisis file (`resources/crisis.v2.json`): its format, and the
//! checks that reject a defective file whole, so a screen never shows a
//! half-checked number.
//!
//! Edition 2 of the format lists the emergency numbers of a country (France
//! has 112 and 15), each with its own source, and a fallback of dialable
//! numbers with a sentence, in four languages, saying which applies where.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;

use super::super::contacts::{DialableNumber, dial_string, sms_uri, tel_uri};
use super::{ContactKind, CrisisLine};
use crate::model::resolve_locale;

/// The validated contents of a crisis file.
#[derive(Debug)]
pub(super) struct Dataset {
    pub(super) version: u32,
    pub(super) countries: BTreeMap<String, Country>,
    /// Numbers to dial when no country with checked lines is known.
    pub(super) fallback: Vec<EmergencyEntry>,
    /// Which fallback number applies where.
    pub(super) which_applies: Localised,
    /// "Rapport is not a crisis service ...".
    pub(super) statements: Localised,
}

/// One country's checked data.
#[derive(Debug)]
pub(super) struct Country {
    /// As the country calls itself ("Deutschland").
    pub(super) name: String,
    /// Its emergency numbers, the first the one to dial when only one fits.
    pub(super) emergency: Vec<EmergencyEntry>,
    pub(super) lines: Vec<CrisisLine>,
}

/// An emergency number, with what it is for when a country has several.
#[derive(Debug)]
pub(super) struct EmergencyEntry {
    number: String,
    label: Option<Localised>,
}

impl EmergencyEntry {
    /// The number ready to dial, labelled in `language`.
    pub(super) fn dialable(&self, language: &str) -> Option<DialableNumber> {
        let number = DialableNumber::new(&self.number)?;
        Some(match &self.label {
            Some(label) => number.with_label(label.for_language(language)),
            None => number,
        })
    }
}

/// A text in each language Rapport bundles.
#[derive(Debug)]
pub(super) struct Localised {
    pub(super) en: String,
    pub(super) de: String,
    pub(super) fr: String,
    pub(super) es: String,
}

impl Localised {
    /// The text in `language`, chosen by the one locale resolver
    /// ([`resolve_locale`]); English when we have no text in it.
    pub(super) fn for_language(&self, language: &str) -> &str {
        let languages = ["en", "de", "fr", "es"].map(String::from);
        match resolve_locale(&languages, "en", language) {
            "de" => &self.de,
            "fr" => &self.fr,
            "es" => &self.es,
            _ => &self.en,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: u32,
    verified_on: NaiveDate,
    note: String,
    not_verified: Vec<RawNotVerified>,
    countries: BTreeMap<String, RawCountry>,
    fallback: RawFallback,
    statements: RawLocalised,
}

/// A line that could not be checked at its source, and what was done.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotVerified {
    country: String,
    line: String,
    decision: RawDecision,
    why: String,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum RawDecision {
    #[serde(rename = "left out")]
    LeftOut,
    Kept,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCountry {
    name: String,
    emergency: Vec<RawEmergency>,
    lines: Vec<RawLine>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEmergency {
    number: String,
    label: Option<RawLocalised>,
    source_url: String,
    verified_on: NaiveDate,
    verified_by: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLine {
    name: String,
    kind: RawKind,
    contact: String,
    dial: String,
    text_body: Option<String>,
    hours: String,
    always_open: bool,
    languages: Vec<String>,
    source_url: String,
    verified_on: NaiveDate,
    verified_by: String,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum RawKind {
    Phone,
    Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFallback {
    emergency: Vec<RawFallbackNumber>,
    which_applies: RawLocalised,
    advice: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFallbackNumber {
    number: String,
    label: RawLocalised,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLocalised {
    en: String,
    de: String,
    fr: String,
    es: String,
}

/// Parses and validates a crisis file. Any defect rejects the whole file: the
/// caller then shows emergency advice only, never half-checked numbers.
pub(super) fn load(text: &str) -> Result<Dataset, String> {
    let raw: RawFile = serde_json::from_str(text).map_err(|e| format!("parse: {e}"))?;
    require_text("note", &raw.note)?;
    if raw.countries.is_empty() {
        return Err("no countries".to_owned());
    }
    let mut countries = BTreeMap::new();
    for (code, country) in raw.countries {
        let country = validate_country(&code, country, raw.verified_on)?;
        countries.insert(code, country);
    }
    // What could not be checked is said, with why; a line kept anyway must
    // belong to a country the file has.
    for (i, gap) in raw.not_verified.iter().enumerate() {
        let at = format!("not_verified[{i}]");
        require_country_code(&format!("{at}.country"), &gap.country)?;
        require_text(&format!("{at}.line"), &gap.line)?;
        require_text(&format!("{at}.why"), &gap.why)?;
        if gap.decision == RawDecision::Kept && !countries.contains_key(&gap.country) {
            return Err(format!("{at} keeps a line of a country the file has not"));
        }
    }

    if raw.fallback.emergency.is_empty() {
        return Err("fallback.emergency is empty".to_owned());
    }
    let mut fallback = Vec::with_capacity(raw.fallback.emergency.len());
    for (i, entry) in raw.fallback.emergency.into_iter().enumerate() {
        let at = format!("fallback.emergency[{i}]");
        require_digits(&format!("{at}.number"), &entry.number)?;
        fallback.push(EmergencyEntry {
            number: entry.number,
            label: Some(localised(&format!("{at}.label"), entry.label)?),
        });
    }
    require_text("fallback.advice", &raw.fallback.advice)?;

    Ok(Dataset {
        version: raw.version,
        countries,
        fallback,
        which_applies: localised("fallback.which_applies", raw.fallback.which_applies)?,
        statements: localised("statements", raw.statements)?,
    })
}

fn validate_country(
    code: &str,
    raw: RawCountry,
    file_verified_on: NaiveDate,
) -> Result<Country, String> {
    require_country_code(&format!("country code {code:?}"), code)?;
    require_text(&format!("{code}.name"), &raw.name)?;
    if raw.emergency.is_empty() {
        return Err(format!("{code} has no emergency number"));
    }
    let mut emergency = Vec::with_capacity(raw.emergency.len());
    for (i, entry) in raw.emergency.into_iter().enumerate() {
        let at = format!("{code}.emergency[{i}]");
        require_digits(&format!("{at}.number"), &entry.number)?;
        if !entry.source_url.starts_with("https://") && !entry.source_url.starts_with("http://") {
            return Err(format!("{at}.source_url is not a web address"));
        }
        require_text(&format!("{at}.verified_by"), &entry.verified_by)?;
        if entry.verified_on > file_verified_on {
            return Err(format!("{at}.verified_on is after the file's verified_on"));
        }
        emergency.push(EmergencyEntry {
            number: entry.number,
            label: entry
                .label
                .map(|label| localised(&format!("{at}.label"), label))
                .transpose()?,
        });
    }
    if raw.lines.is_empty() {
        return Err(format!("{code} has no lines"));
    }
    let mut lines = Vec::with_capacity(raw.lines.len());
    for (i, line) in raw.lines.into_iter().enumerate() {
        lines.push(validate_line(
            &format!("{code}.lines[{i}]"),
            line,
            file_verified_on,
        )?);
    }
    Ok(Country {
        name: raw.name,
        emergency,
        lines,
    })
}

fn validate_line(
    at: &str,
    raw: RawLine,
    file_verified_on: NaiveDate,
) -> Result<CrisisLine, String> {
    require_text(&format!("{at}.name"), &raw.name)?;
    require_text(&format!("{at}.contact"), &raw.contact)?;
    require_digits(&format!("{at}.dial"), &raw.dial)?;
    require_text(&format!("{at}.hours"), &raw.hours)?;
    require_text(&format!("{at}.verified_by"), &raw.verified_by)?;
    if !raw.source_url.starts_with("https://") {
        return Err(format!("{at}.source_url is not https"));
    }
    if raw.verified_on > file_verified_on {
        return Err(format!("{at}.verified_on is after the file's verified_on"));
    }
    match (raw.kind, raw.text_body.as_deref()) {
        (RawKind::Phone, Some(_)) => return Err(format!("{at}: a phone line has a text_body")),
        (RawKind::Text, Some(body)) => require_text(&format!("{at}.text_body"), body)?,
        _ => {}
    }
    for language in &raw.languages {
        let well_formed = !language.is_empty()
            && language
                .split('-')
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric()));
        if !well_formed {
            return Err(format!("{at}.languages has {language:?}"));
        }
    }

    let uri = match raw.kind {
        RawKind::Phone => tel_uri(&raw.dial),
        RawKind::Text => sms_uri(&raw.dial, raw.text_body.as_deref()),
    };
    Ok(CrisisLine {
        name: raw.name,
        kind: match raw.kind {
            RawKind::Phone => ContactKind::Phone,
            RawKind::Text => ContactKind::Text,
        },
        contact: raw.contact,
        dial: raw.dial,
        uri,
        text_body: raw.text_body,
        hours: raw.hours,
        always_open: raw.always_open,
        languages: raw.languages,
        source_url: raw.source_url,
        verified_on: raw.verified_on,
    })
}

fn localised(at: &str, raw: RawLocalised) -> Result<Localised, String> {
    for (language, text) in [
        ("en", &raw.en),
        ("de", &raw.de),
        ("fr", &raw.fr),
        ("es", &raw.es),
    ] {
        require_text(&format!("{at}.{language}"), text)?;
    }
    Ok(Localised {
        en: raw.en,
        de: raw.de,
        fr: raw.fr,
        es: raw.es,
    })
}

fn require_country_code(what: &str, code: &str) -> Result<(), String> {
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(format!("{what} is not ISO 3166 alpha-2"))
    }
}

fn require_text(what: &str, value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Err(format!("{what} is empty"))
    } else {
        Ok(())
    }
}

/// Digits only, as the file must spell a number to dial (no spaces, no
/// `+`): the screen's spelling lives in `contact`.
fn require_digits(what: &str, value: &str) -> Result<(), String> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{what} {value:?} is not digits only"));
    }
    dial_string(value)
        .map(|_| ())
        .ok_or_else(|| format!("{what} {value:?} is not dialable"))
}
