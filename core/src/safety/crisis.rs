//! Crisis resources: the emergency number and the crisis lines to show a client,
//! chosen from the device locale.
//!
//! Rapport is not a crisis service. Neither the app nor the therapist watches
//! check-ins as they arrive, so wherever the app touches distress (a low
//! "hopeful" rating, the help screen) it must say so plainly and point to
//! services that answer now. Those numbers are data, not code: they live in
//! `resources/crisis.v1.json`, a versioned file in which every line records the
//! page it was read on, when, and what was checked. The file is compiled in so
//! the numbers are there offline, on first launch, with no network request
//! that could reveal that someone is looking for help.
//!
//! Choosing a country is deliberately conservative. Only an explicit region in
//! the locale (`en-GB`, `fr_CA.UTF-8`) selects one; a bare language (`de`) never
//! does, because German is spoken in several countries and a wrong crisis
//! number is worse than general emergency advice. Anything we cannot place
//! gets the fallback: call the local emergency number or go to the nearest
//! emergency department. The "not monitored" statement follows the language
//! whenever we have it in that language, and is English otherwise.
//!
//! Nothing here panics. If the bundled file ever failed to parse or validate,
//! every call returns a minimal built-in fallback (emergency services only,
//! English statement) rather than partial or unchecked data; a test makes sure
//! the shipped file never takes that path.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::contacts::{DialableNumber, sms_uri, tel_uri};
use crate::model::resolve_locale;

/// Edition of the bundled crisis file (its `version` field). Reported in every
/// [`CrisisResources`] so a screen, a log or a support request can tell which
/// checked set of numbers a person was shown; a test keeps it equal to the file.
pub const DATA_VERSION: u32 = 1;

/// The bundled, reviewed crisis data, compiled in so it works offline.
const BUNDLED: &str = include_str!("../../resources/crisis.v1.json");

/// `data_version` of the built-in fallback, which carries no file data at all.
const BUILTIN_DATA_VERSION: u32 = 0;

/// Emergency advice of the built-in fallback: numbers that reach emergency
/// services in most of the world, never a country-specific crisis line.
const BUILTIN_EMERGENCY_NUMBER: &str = "112 / 911";

/// Statement of the built-in fallback (English only: it must not depend on
/// anything that could have failed to load).
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
    /// True when no country could be chosen, so only emergency advice is given.
    pub is_fallback: bool,
    /// The emergency number: digits for a country ("999"), or a short text such
    /// as "112 / 911" for the fallback.
    pub emergency_number: String,
    /// Each number in [`CrisisResources::emergency_number`] ready to dial,
    /// one button each: one for a country, 112 and 911 for the fallback.
    pub emergency_numbers: Vec<DialableNumber>,
    /// Crisis lines for the region; empty for the fallback.
    pub lines: Vec<CrisisLine>,
    /// That Rapport is not a crisis service and nobody watches check-ins in
    /// real time, and what to do if in danger now; in the locale's language
    /// (`de`, `fr`, `es`), English otherwise.
    pub not_monitored: String,
    /// Edition of the data shown ([`DATA_VERSION`] for the bundled file; `0`
    /// when the built-in fallback had to be used).
    pub data_version: u32,
}

/// The crisis resources to show for a device locale such as `en-GB`,
/// `fr_CA.UTF-8` or `de_DE@euro`.
///
/// Only the locale's region selects a country; a language alone, an unknown
/// region or unreadable input gives the fallback (emergency advice, no lines),
/// with the statement in the locale's language where we have it. Never fails
/// and never panics, so it is safe to call from any screen, any time.
pub fn resources_for_locale(locale: &str) -> CrisisResources {
    resolve(bundled(), locale)
}

/// The bundled data, parsed and validated once; `None` if it ever failed.
fn bundled() -> Option<&'static Dataset> {
    static DATA: OnceLock<Option<Dataset>> = OnceLock::new();
    DATA.get_or_init(|| load(BUNDLED).ok()).as_ref()
}

/// Picks the resources for `locale` from `data`, or the built-in fallback when
/// there is no data.
fn resolve(data: Option<&Dataset>, locale: &str) -> CrisisResources {
    let Some(data) = data else {
        return builtin_fallback(locale);
    };
    let parsed = parse_locale(locale);
    let not_monitored = data
        .statements
        .for_language(parsed.language.as_deref().unwrap_or_default());
    let country = parsed
        .region
        .as_deref()
        .and_then(|region| data.countries.get_key_value(region));
    match country {
        Some((code, country)) => CrisisResources {
            locale: locale.to_owned(),
            region: Some(code.clone()),
            is_fallback: false,
            emergency_number: country.emergency_number.clone(),
            emergency_numbers: country.emergency_numbers.clone(),
            lines: country.lines.clone(),
            not_monitored: not_monitored.to_owned(),
            data_version: data.version,
        },
        None => CrisisResources {
            locale: locale.to_owned(),
            region: None,
            is_fallback: true,
            emergency_number: data.fallback_emergency_number.clone(),
            emergency_numbers: data.fallback_emergency_numbers.clone(),
            lines: Vec::new(),
            not_monitored: not_monitored.to_owned(),
            data_version: data.version,
        },
    }
}

/// Emergency services only, in English: what is left when the data is unusable.
fn builtin_fallback(locale: &str) -> CrisisResources {
    CrisisResources {
        locale: locale.to_owned(),
        region: None,
        is_fallback: true,
        emergency_number: BUILTIN_EMERGENCY_NUMBER.to_owned(),
        emergency_numbers: DialableNumber::list(BUILTIN_EMERGENCY_NUMBER).unwrap_or_default(),
        lines: Vec::new(),
        not_monitored: BUILTIN_STATEMENT.to_owned(),
        data_version: BUILTIN_DATA_VERSION,
    }
}

// ---------------------------------------------------------------------------
// Locale parsing
// ---------------------------------------------------------------------------

/// The parts of a locale that matter here.
#[derive(Debug, Default, PartialEq, Eq)]
struct ParsedLocale {
    /// Lower-case primary language ("en"), if the locale starts with one.
    language: Option<String>,
    /// Upper-case ISO 3166 region ("GB") or UN M.49 area ("419"), if given.
    region: Option<String>,
}

/// Reads BCP 47 tags (`en-GB`, `zh-Hant-TW`) and POSIX locales
/// (`en_GB.UTF-8`, `de_DE@euro`) alike, ignoring case and whitespace.
///
/// Strict about shape: the first subtag must be a 2- or 3-letter language, and
/// the region is the first later subtag of 2 letters or 3 digits, before any
/// extension. Scripts and extended languages are skipped; anything else ends
/// the search, so garbage never turns into a country.
fn parse_locale(input: &str) -> ParsedLocale {
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    // POSIX: language[_territory][.codeset][@modifier]
    let tag = compact.split(['.', '@']).next().unwrap_or_default();
    let mut subtags = tag.split(['-', '_']);

    let language = match subtags.next() {
        Some(first) if (2..=3).contains(&first.len()) && is_ascii_alpha(first) => {
            first.to_ascii_lowercase()
        }
        _ => return ParsedLocale::default(),
    };

    let mut region = None;
    for subtag in subtags {
        if subtag.len() == 2 && is_ascii_alpha(subtag) {
            region = Some(canonical_region(&subtag.to_ascii_uppercase()));
            break;
        }
        if subtag.len() == 3 && subtag.bytes().all(|b| b.is_ascii_digit()) {
            region = Some(subtag.to_owned());
            break;
        }
        let skippable = (subtag.len() == 3 || subtag.len() == 4) && is_ascii_alpha(subtag);
        if !skippable {
            // An extension singleton, a variant or garbage: no region follows.
            break;
        }
    }

    ParsedLocale {
        language: Some(language),
        region,
    }
}

fn is_ascii_alpha(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphabetic())
}

/// Maps the one common non-ISO spelling we can place without guessing: "UK"
/// (reserved in ISO 3166 for the United Kingdom) is "GB".
fn canonical_region(region: &str) -> String {
    match region {
        "UK" => "GB".to_owned(),
        other => other.to_owned(),
    }
}

// ---------------------------------------------------------------------------
// Loading and validating the bundled file
// ---------------------------------------------------------------------------

/// The validated contents of a crisis file.
#[derive(Debug)]
struct Dataset {
    version: u32,
    countries: BTreeMap<String, Country>,
    fallback_emergency_number: String,
    fallback_emergency_numbers: Vec<DialableNumber>,
    statements: Statements,
}

#[derive(Debug)]
struct Country {
    emergency_number: String,
    emergency_numbers: Vec<DialableNumber>,
    lines: Vec<CrisisLine>,
}

#[derive(Debug)]
struct Statements {
    en: String,
    de: String,
    fr: String,
    es: String,
}

impl Statements {
    /// The statement in `language`, chosen by the one locale resolver
    /// ([`resolve_locale`]); English when we have no text in it.
    fn for_language(&self, language: &str) -> &str {
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
    countries: BTreeMap<String, RawCountry>,
    fallback: RawFallback,
    statements: RawStatements,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCountry {
    name: String,
    emergency_number: String,
    emergency_source_url: String,
    emergency_verified_by: String,
    lines: Vec<RawLine>,
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
    emergency_number: String,
    advice: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStatements {
    en: String,
    de: String,
    fr: String,
    es: String,
}

/// Parses and validates a crisis file. Any defect rejects the whole file: the
/// caller then shows emergency advice only, never half-checked numbers.
fn load(text: &str) -> Result<Dataset, String> {
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

    require_text("fallback.emergency_number", &raw.fallback.emergency_number)?;
    let fallback_emergency_numbers = DialableNumber::list(&raw.fallback.emergency_number)
        .ok_or("fallback.emergency_number is not a list of numbers")?;
    require_text("fallback.advice", &raw.fallback.advice)?;
    let statements = Statements {
        en: statement("en", raw.statements.en)?,
        de: statement("de", raw.statements.de)?,
        fr: statement("fr", raw.statements.fr)?,
        es: statement("es", raw.statements.es)?,
    };

    Ok(Dataset {
        version: raw.version,
        countries,
        fallback_emergency_number: raw.fallback.emergency_number,
        fallback_emergency_numbers,
        statements,
    })
}

fn validate_country(
    code: &str,
    raw: RawCountry,
    file_verified_on: NaiveDate,
) -> Result<Country, String> {
    if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!("country code {code:?} is not ISO 3166 alpha-2"));
    }
    require_text(&format!("{code}.name"), &raw.name)?;
    require_digits(&format!("{code}.emergency_number"), &raw.emergency_number)?;
    if !raw.emergency_source_url.starts_with("https://")
        && !raw.emergency_source_url.starts_with("http://")
    {
        return Err(format!("{code}.emergency_source_url is not a web address"));
    }
    require_text(
        &format!("{code}.emergency_verified_by"),
        &raw.emergency_verified_by,
    )?;
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
    let emergency_numbers = DialableNumber::new(&raw.emergency_number)
        .into_iter()
        .collect();
    Ok(Country {
        emergency_number: raw.emergency_number,
        emergency_numbers,
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

fn statement(language: &str, text: String) -> Result<String, String> {
    require_text(&format!("statements.{language}"), &text)?;
    Ok(text)
}

fn require_text(what: &str, value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Err(format!("{what} is empty"))
    } else {
        Ok(())
    }
}

fn require_digits(what: &str, value: &str) -> Result<(), String> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        Err(format!("{what} {value:?} is not digits only"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COUNTRIES: [(&str, &str); 8] = [
        ("US", "911"),
        ("GB", "999"),
        ("IE", "999"),
        ("CA", "911"),
        ("AU", "000"),
        ("DE", "112"),
        ("FR", "112"),
        ("ES", "112"),
    ];

    fn data() -> &'static Dataset {
        bundled().expect("the bundled crisis file loads")
    }

    fn assert_fallback(r: &CrisisResources, statement: &str) {
        assert!(r.is_fallback, "{:?} should be the fallback", r.locale);
        assert_eq!(r.region, None, "{:?}", r.locale);
        assert!(r.lines.is_empty(), "{:?}", r.locale);
        assert_eq!(r.emergency_number, "112 / 911", "{:?}", r.locale);
        assert_eq!(r.not_monitored, statement, "{:?}", r.locale);
        assert_eq!(r.data_version, DATA_VERSION, "{:?}", r.locale);
    }

    fn assert_country(locale: &str, region: &str) -> CrisisResources {
        let r = resources_for_locale(locale);
        assert!(!r.is_fallback, "{locale:?} should resolve to {region}");
        assert_eq!(r.region.as_deref(), Some(region), "{locale:?}");
        r
    }

    #[test]
    fn bundled_file_loads_and_is_not_the_builtin_fallback() {
        let loaded = load(BUNDLED).expect("bundled file is valid");
        assert_eq!(loaded.version, DATA_VERSION);
        assert_eq!(loaded.countries.len(), COUNTRIES.len());

        let r = resources_for_locale("en-GB");
        assert_ne!(r, builtin_fallback("en-GB"));
        assert_eq!(r.data_version, DATA_VERSION);
        assert_ne!(r.data_version, BUILTIN_DATA_VERSION);
        assert!(!r.is_fallback);
    }

    #[test]
    fn every_number_comes_ready_to_dial_and_every_line_with_its_link() {
        for (code, emergency) in COUNTRIES {
            let r = assert_country(&format!("en-{code}"), code);
            let numbers: Vec<_> = r.emergency_numbers.iter().map(|n| &n.tel_uri).collect();
            assert_eq!(numbers, [&format!("tel:{emergency}")], "{code}");
            for line in &r.lines {
                let expected = match line.kind {
                    ContactKind::Phone => format!("tel:{}", line.dial),
                    ContactKind::Text => match &line.text_body {
                        Some(body) => format!("sms:{}?body={body}", line.dial),
                        None => format!("sms:{}", line.dial),
                    },
                };
                assert_eq!(line.uri, expected, "{code} {}", line.name);
            }
        }
        let gb = resources_for_locale("en-GB");
        let uris: Vec<_> = gb.lines.iter().map(|l| l.uri.as_str()).collect();
        assert_eq!(uris, ["tel:116123", "sms:85258?body=SHOUT"]);
    }

    #[test]
    fn the_fallback_gives_each_emergency_number_its_own_button() {
        for r in [resources_for_locale("de"), builtin_fallback("de")] {
            let numbers: Vec<_> = r
                .emergency_numbers
                .iter()
                .map(|n| (n.shown.as_str(), n.tel_uri.as_str()))
                .collect();
            assert_eq!(numbers, [("112", "tel:112"), ("911", "tel:911")]);
        }
        let broken = BUNDLED.replace(
            r#""emergency_number": "112 / 911""#,
            r#""emergency_number": "112 or your local number""#,
        );
        assert!(load(&broken).unwrap_err().contains("not a list of numbers"));
    }

    #[test]
    fn data_version_is_the_file_version() {
        let json: serde_json::Value = serde_json::from_str(BUNDLED).expect("bundled file is JSON");
        assert_eq!(json["version"].as_u64(), Some(u64::from(DATA_VERSION)));
    }

    #[test]
    fn every_country_resolves_with_lines_and_its_emergency_number() {
        for (code, emergency) in COUNTRIES {
            let r = assert_country(&format!("en-{code}"), code);
            assert_eq!(r.emergency_number, emergency, "{code}");
            assert!(!r.lines.is_empty(), "{code} has no crisis line");
            assert!(r.lines.len() <= 3, "{code} lists more than three lines");
        }
    }

    #[test]
    fn every_line_is_sourced_and_dialable() {
        const NOT_A_SOURCE: [&str; 9] = [
            "wikipedia.",
            "wikimedia.",
            "wikimili.",
            "wikiwand.",
            "theinfolist.",
            "findahelpline.",
            "befrienders.",
            "suicide.org",
            "pastebin.",
        ];
        let earliest = NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date");
        let json: serde_json::Value = serde_json::from_str(BUNDLED).expect("bundled file is JSON");
        let file_verified_on: NaiveDate = json["verified_on"]
            .as_str()
            .and_then(|d| d.parse().ok())
            .expect("file verified_on");
        for (code, country) in &data().countries {
            for line in &country.lines {
                let at = format!("{code} {} ({})", line.name, line.contact);
                let rest = line
                    .source_url
                    .strip_prefix("https://")
                    .unwrap_or_else(|| panic!("{at}: source is not https"));
                let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
                assert!(host.contains('.'), "{at}: no host in {}", line.source_url);
                let host = host.to_ascii_lowercase();
                for bad in NOT_A_SOURCE {
                    assert!(
                        !host.contains(bad),
                        "{at}: {host} is not the service's page"
                    );
                }

                assert!(line.verified_on >= earliest, "{at}: stale verified_on");
                assert!(line.verified_on <= file_verified_on, "{at}");

                assert!(!line.dial.is_empty(), "{at}: nothing to dial");
                assert!(line.dial.bytes().all(|b| b.is_ascii_digit()), "{at}: dial");
                if line.kind == ContactKind::Phone {
                    assert_eq!(line.text_body, None, "{at}: a call has no text body");
                }
                for language in &line.languages {
                    assert!(
                        language.len() >= 2 && language.chars().all(|c| c.is_ascii_lowercase()),
                        "{at}: language {language:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn provenance_is_recorded_honestly() {
        let json: serde_json::Value = serde_json::from_str(BUNDLED).expect("bundled file is JSON");
        let countries = json["countries"].as_object().expect("countries");
        for (code, country) in countries {
            for line in country["lines"].as_array().expect("lines") {
                let by = line["verified_by"].as_str().expect("verified_by");
                assert!(by.contains("stored copy"), "{code}: {by}");
            }
            let by = country["emergency_verified_by"]
                .as_str()
                .expect("emergency");
            assert!(by.contains("stored copy"), "{code}: {by}");
        }
    }

    #[test]
    fn french_canadian_gets_canada_in_french() {
        let r = assert_country("fr-CA", "CA");
        assert_eq!(r.not_monitored, data().statements.fr);
        assert!(r.not_monitored.contains("thérapeute"));
        assert_eq!(r.emergency_number, "911");
        assert!(r.lines.iter().any(|l| l.dial == "988"));
    }

    #[test]
    fn posix_locales_work() {
        let r = assert_country("en_GB.UTF-8", "GB");
        assert_eq!(r.not_monitored, data().statements.en);
        assert_eq!(r.locale, "en_GB.UTF-8", "the locale is reported as given");

        let r = assert_country("de_DE@euro", "DE");
        assert_eq!(r.not_monitored, data().statements.de);
        assert_country("de_DE.UTF-8@euro", "DE");
        assert_country("en_IE.utf8", "IE");
    }

    #[test]
    fn common_tags_resolve() {
        for (locale, region) in [
            ("en-GB", "GB"),
            ("en-US", "US"),
            ("en-IE", "IE"),
            ("en-AU", "AU"),
            ("de-DE", "DE"),
            ("es-ES", "ES"),
            ("fr-FR", "FR"),
            ("en-CA", "CA"),
            ("de-Latn-DE", "DE"),
            ("en-GB-oxendict", "GB"),
        ] {
            assert_country(locale, region);
        }
        assert_eq!(
            resources_for_locale("es-ES").not_monitored,
            data().statements.es
        );
    }

    #[test]
    fn case_and_whitespace_do_not_matter() {
        for locale in [
            "en-gb",
            "EN-GB",
            "En_Gb",
            " en-GB ",
            "\ten_GB\n",
            "en - GB",
            "en-GB\u{a0}",
        ] {
            let r = assert_country(locale, "GB");
            assert_eq!(r.not_monitored, data().statements.en, "{locale:?}");
        }
        let r = assert_country(" DE_de ", "DE");
        assert_eq!(r.not_monitored, data().statements.de);
    }

    #[test]
    fn uk_is_read_as_gb() {
        assert_country("en-UK", "GB");
    }

    #[test]
    fn extra_subtags_never_invent_a_country() {
        assert_fallback(&resources_for_locale("zh-Hant-TW"), &data().statements.en);
        assert_fallback(&resources_for_locale("sr-Latn-RS"), &data().statements.en);
        assert_fallback(&resources_for_locale("es-419"), &data().statements.es);
        // An extension is not a region.
        assert_fallback(
            &resources_for_locale("en-u-rg-gbzzzz"),
            &data().statements.en,
        );
        assert_fallback(&resources_for_locale("de-x-gb"), &data().statements.de);
    }

    #[test]
    fn a_language_alone_gives_the_fallback_in_that_language() {
        assert_fallback(&resources_for_locale("de"), &data().statements.de);
        assert_fallback(&resources_for_locale("fr"), &data().statements.fr);
        assert_fallback(&resources_for_locale("es"), &data().statements.es);
        assert_fallback(&resources_for_locale("en"), &data().statements.en);
        assert_fallback(&resources_for_locale("pt"), &data().statements.en);
        // A region code alone is read as a language, not guessed as a country.
        assert_fallback(&resources_for_locale("GB"), &data().statements.en);
    }

    #[test]
    fn unknown_or_garbage_input_gives_the_english_fallback() {
        for locale in [
            "xx-ZZ",
            "",
            "🙂",
            "   ",
            "-",
            "_GB",
            "@euro",
            ".UTF-8",
            "12-34",
            "C",
            "POSIX",
            "e-GB",
            "engl-GB",
            "en-🙂",
            "🙂-GB",
            "en-G",
            "\0",
            "en_GB\u{301}",
        ] {
            let r = resources_for_locale(locale);
            assert_fallback(&r, &data().statements.en);
            assert_eq!(r.locale, locale);
        }
    }

    #[test]
    fn statements_say_not_monitored_and_claim_no_assessment() {
        let s = &data().statements;
        let english = s.en.to_lowercase();
        for word in ["risk", "score", "diagnos"] {
            assert!(
                !english.contains(word),
                "English statement mentions {word:?}"
            );
        }
        assert!(english.contains("not a crisis service"));
        assert!(english.contains("real time"));
        assert!(english.contains("emergency"));
        for (text, words) in [
            (&s.de, ["risiko", "diagnos", "echtzeit"]),
            (&s.fr, ["risque", "diagnos", "temps réel"]),
            (&s.es, ["riesgo", "diagnós", "tiempo real"]),
        ] {
            let lower = text.to_lowercase();
            assert!(!lower.contains(words[0]), "{text}");
            assert!(!lower.contains(words[1]), "{text}");
            assert!(lower.contains(words[2]), "{text} should say 'real time'");
        }
        for text in [&s.en, &s.de, &s.fr, &s.es] {
            assert_eq!(text.matches('.').count(), 2, "two sentences: {text}");
            assert!(text.ends_with('.'));
            assert!(text.starts_with("Rapport"));
        }
        // The formal address in each translation.
        assert!(s.de.contains("Sie ") && !s.de.contains(" du "));
        assert!(s.fr.contains("vous") && !s.fr.contains(" tu "));
        assert!(s.es.contains("usted") && s.es.contains("su terapeuta"));
    }

    #[test]
    fn builtin_fallback_is_emergency_only_in_english() {
        let builtin_statement = BUILTIN_STATEMENT.to_lowercase();
        for word in ["risk", "score", "diagnos"] {
            assert!(!builtin_statement.contains(word));
        }
        assert_eq!(
            BUILTIN_STATEMENT,
            data().statements.en,
            "keep both wordings equal"
        );

        let r = resolve(None, "de-DE");
        assert!(r.is_fallback);
        assert_eq!(r.region, None);
        assert!(r.lines.is_empty());
        assert_eq!(r.emergency_number, "112 / 911");
        assert_eq!(r.not_monitored, BUILTIN_STATEMENT);
        assert_eq!(r.data_version, BUILTIN_DATA_VERSION);
        assert_eq!(r.locale, "de-DE");
    }

    #[test]
    fn a_defective_file_is_rejected_whole() {
        assert!(load("").is_err());
        assert!(load("{").is_err());
        assert!(load("[]").is_err());
        for (from, to) in [
            ("\"dial\": \"116123\"", "\"dial\": \"116 123\""),
            ("\"dial\": \"85258\"", "\"dial\": \"+85258\""),
            (
                "\"emergency_number\": \"999\"",
                "\"emergency_number\": \"\"",
            ),
            ("https://988lifeline.org", "http://988lifeline.org"),
            ("\"kind\": \"phone\"", "\"kind\": \"fax\""),
            ("\"text_body\": \"SHOUT\"", "\"text_body\": \"\""),
            (
                "\"verified_on\": \"2026-11-23\",\n          \"verified_by\"",
                "\"verified_on\": \"2027-01-01\",\n          \"verified_by\"",
            ),
            ("\"GB\": {", "\"gb\": {"),
            ("\"es\": \"Rapport", "\"pt\": \"Rapport"),
            (
                "\"name\": \"Lifeline\"",
                "\"name\": \"Lifeline\", \"extra\": 1",
            ),
        ] {
            assert!(
                BUNDLED.contains(from),
                "test edit {from:?} no longer applies"
            );
            let edited = BUNDLED.replacen(from, to, 1);
            assert!(load(&edited).is_err(), "accepted a file with {to:?}");
        }
    }

    #[test]
    fn serialises_for_the_bindings() {
        assert_eq!(
            serde_json::to_value(ContactKind::Phone).expect("serialises"),
            serde_json::json!("phone")
        );
        assert_eq!(
            serde_json::to_value(ContactKind::Text).expect("serialises"),
            serde_json::json!("text")
        );
        let r = resources_for_locale("en-GB");
        let json = serde_json::to_value(&r).expect("serialises");
        assert_eq!(json["region"], "GB");
        assert_eq!(json["lines"][0]["verified_on"], "2026-11-23");
        assert_eq!(json["lines"][1]["kind"], "text");
        assert_eq!(json["lines"][1]["text_body"], "SHOUT");
    }

    #[test]
    fn parse_locale_reads_the_parts() {
        let p = parse_locale("zh-yue-HK");
        assert_eq!(p.language.as_deref(), Some("zh"));
        assert_eq!(p.region.as_deref(), Some("HK"));
        let p = parse_locale("es_419.UTF-8");
        assert_eq!(p.region.as_deref(), Some("419"));
        assert_eq!(parse_locale("🙂"), ParsedLocale::default());
    }
}
