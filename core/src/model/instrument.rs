//! Instruments: the versioned, localised questionnaires a client answers.
//!
//! An instrument is data, not code: it is read from a JSON file so that wording
//! can be reviewed, translated and versioned without touching logic. Every
//! check-in records the exact instrument id and version it answered, so changing
//! a prompt means publishing a new version, never editing an old one.
//!
//! The bundled "session check-in" is written in our own words. Never copy the
//! text of published, copyrighted instruments (SRS, ORS, WAI and the like).
//!
//! An item keeps its id across editions (the id is the key answers are
//! stored under; the wording belongs to the edition). Whether an earlier
//! edition's answers to an item may be compared with a later one's is
//! declared by the later edition (`continues`) and decided in one place,
//! `comparable.rs`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::error::InstrumentError;

/// Text in several languages, keyed by locale tag (`en`, `de`, `pt-BR`, ...).
pub type Localized = BTreeMap<String, String>;

/// The bundled instrument files, compiled in so the app works offline from the
/// first launch.
/// Oldest first: an edition that continues an earlier one is checked against it.
const BUNDLED: &[&str] = &[
    include_str!("../../instruments/session-checkin.v1.json"),
    include_str!("../../instruments/session-checkin.v2.json"),
];

/// The id of the questionnaire new check-ins answer, the session check-in.
/// Its newest edition ([`Instruments::current`]) is the one every front end
/// records against and labels its screens with; no front end names it itself.
pub const CURRENT_INSTRUMENT: &str = "session-checkin";

/// Names an exact instrument edition, as stored with every check-in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InstrumentRef {
    /// Stable identifier, such as `session-checkin`.
    pub id: String,
    /// Edition; wording changes produce a new version.
    pub version: u32,
}

impl std::fmt::Display for InstrumentRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} v{}", self.id, self.version)
    }
}

/// A questionnaire: items to rate on a scale plus an optional free-text note.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Instrument {
    /// Which instrument and edition this is.
    pub reference: InstrumentRef,
    /// Locale used when the client's locale is not available.
    pub default_locale: String,
    /// Every locale the wording is available in.
    pub locales: Vec<String>,
    /// Short title shown above the items.
    pub title: Localized,
    /// The items, in the order they are shown.
    pub items: Vec<ItemSpec>,
    /// Rules for the optional note.
    pub note: NoteSpec,
    /// Where the items' reliable-change figures come from.
    pub reliable_change_basis: Option<String>,
}

/// One rated statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemSpec {
    /// Stable identifier used in stored answers (`heard`, `hopeful`, ...).
    pub id: String,
    /// Whether a check-in must answer this item.
    pub required: bool,
    /// The statement the client rates.
    pub prompt: Localized,
    /// The scale the rating is given on.
    pub scale: Scale,
    /// What a reliable change looks like on this item, for the reliable
    /// change index; `None` when the instrument declares nothing (then no
    /// change on it is called reliable).
    pub reliable_change: Option<ReliableChange>,
    /// A rating at or below this shows the crisis resources right after the
    /// check-in is recorded (for "hopeful": 1 in v1, 2 in v2).
    pub offer_resources_at_or_below: Option<u8>,
    /// The earlier editions of this instrument whose answers to this item
    /// measure the same thing, so trends may join them (the wording was
    /// made clearer, the question stayed). Empty when the item asks
    /// something new, even under an old id: then its answers are never
    /// compared with earlier ones. See [`Instruments::comparable`].
    pub continues: Vec<u32>,
}

/// The spread and reliability of an item's ratings, declared by the
/// instrument so the reliable change index (Jacobson & Truax) can be computed:
/// `RCI = Δ / (sd · √2 · √(1 − r))`, with `|RCI| > 1.96` as the threshold. For
/// a single 1–5 item with provisional sd and r it is a figure to read beside
/// the plain numbers, not a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReliableChange {
    /// Standard deviation of the item's ratings.
    pub sd: f64,
    /// Test-retest reliability of the item, between 0 and 1.
    pub r: f64,
}

impl ReliableChange {
    /// The reliable change index of a change `delta` (later minus earlier).
    pub fn index(&self, delta: f64) -> f64 {
        delta / (self.sd * std::f64::consts::SQRT_2 * (1.0 - self.r).sqrt())
    }
}

/// An integer rating scale with a label for every point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scale {
    /// Lowest rating.
    pub min: u8,
    /// Highest rating.
    pub max: u8,
    /// For each locale, one label per point from `min` to `max`.
    pub labels: BTreeMap<String, Vec<String>>,
}

/// Rules for the optional free-text note.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoteSpec {
    /// Longest note accepted, in characters.
    pub max_chars: usize,
    /// The invitation to write a note.
    pub prompt: Localized,
}

impl Instrument {
    /// Reads and checks an instrument definition in Rapport's JSON format.
    ///
    /// The definition is checked thoroughly (every text present in every
    /// locale, one label per scale point, unique item ids) because a gap would
    /// otherwise show up as a blank button in front of a client.
    pub fn from_json(json: &str) -> Result<Instrument, InstrumentError> {
        let file: InstrumentFile =
            serde_json::from_str(json).map_err(|e| InstrumentError::Unreadable {
                detail: e.to_string(),
            })?;
        file.into_instrument()
    }

    /// The item with this id, if the instrument has it.
    pub fn item(&self, id: &str) -> Option<&ItemSpec> {
        self.items.iter().find(|item| item.id == id)
    }

    /// The best available locale for `wanted`: an exact match, then the same
    /// language (`de-AT` → `de`), then the instrument's default.
    pub fn resolve_locale(&self, wanted: &str) -> &str {
        resolve_locale(&self.locales, &self.default_locale, wanted)
    }
}

/// The best of `available` for `wanted`: an exact match, then the same
/// language (`de-AT` → `de`), then `default`. `wanted` may be a BCP 47 tag
/// (`pt-BR`) or a POSIX locale (`de_AT.UTF-8`, `de_DE@euro`), in any case,
/// with spaces around it. Every localised text Rapport bundles
/// (instruments, opening lines, consent, the crisis sheet's statement) is
/// chosen this way, so one device locale picks the same language everywhere.
pub fn resolve_locale<'a>(available: &'a [String], default: &'a str, wanted: &str) -> &'a str {
    let wanted = normalise_locale(wanted);
    let language = wanted.split('-').next().unwrap_or_default();
    available
        .iter()
        .find(|l| normalise_locale(l) == wanted)
        .or_else(|| available.iter().find(|l| normalise_locale(l) == language))
        .map(String::as_str)
        .unwrap_or(default)
}

/// `de_AT.UTF-8@euro` → `de-at`: lower case, `-` between subtags, no
/// codeset or modifier.
fn normalise_locale(locale: &str) -> String {
    let tag = locale.trim().split(['.', '@']).next().unwrap_or_default();
    tag.replace('_', "-").to_ascii_lowercase()
}

impl ItemSpec {
    /// The prompt in the best available locale.
    pub fn prompt_in<'a>(&'a self, instrument: &'a Instrument, locale: &str) -> &'a str {
        let locale = instrument.resolve_locale(locale);
        self.prompt
            .get(locale)
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// Whether `value` is a point on this item's scale.
    pub fn accepts(&self, value: u8) -> bool {
        (self.scale.min..=self.scale.max).contains(&value)
    }
}

/// Every instrument the app knows, by id and version.
#[derive(Debug, Clone, Default)]
pub struct Instruments {
    by_ref: BTreeMap<InstrumentRef, Instrument>,
}

impl Instruments {
    /// The instruments shipped with Rapport.
    pub fn bundled() -> Result<Instruments, InstrumentError> {
        let mut instruments = Instruments::default();
        for json in BUNDLED {
            instruments.add(Instrument::from_json(json)?)?;
        }
        Ok(instruments)
    }

    /// Adds an instrument; an edition that is already known is refused so a
    /// published version can never silently change. Editions are added
    /// oldest first: an item that `continues` an earlier edition is checked
    /// against it, which must be known already.
    pub fn add(&mut self, instrument: Instrument) -> Result<(), InstrumentError> {
        let key = instrument.reference.clone();
        if self.by_ref.contains_key(&key) {
            return Err(InstrumentError::DuplicateEdition { instrument: key });
        }
        self.check_continues(&instrument)?;
        self.by_ref.insert(key, instrument);
        Ok(())
    }

    /// The exact edition, if known.
    pub fn get(&self, reference: &InstrumentRef) -> Option<&Instrument> {
        self.by_ref.get(reference)
    }

    /// The newest edition of [`CURRENT_INSTRUMENT`]: what new check-ins
    /// answer. `None` only if the app was built without it.
    pub fn current(&self) -> Option<&Instrument> {
        self.latest(CURRENT_INSTRUMENT)
    }

    /// The newest edition of `id`, the one new check-ins should use.
    pub fn latest(&self, id: &str) -> Option<&Instrument> {
        self.by_ref
            .range(
                InstrumentRef {
                    id: id.to_owned(),
                    version: 0,
                }..,
            )
            .take_while(|(key, _)| key.id == id)
            .map(|(_, instrument)| instrument)
            .last()
    }

    /// All known editions, ordered by id then version.
    pub fn iter(&self) -> impl Iterator<Item = &Instrument> {
        self.by_ref.values()
    }
}

/// The on-disk shape of an instrument; label sets are shared by name so the
/// same five labels are translated once, not once per item.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InstrumentFile {
    id: String,
    version: u32,
    default_locale: String,
    locales: Vec<String>,
    title: Localized,
    note: NoteFile,
    items: Vec<ItemFile>,
    #[serde(default)]
    reliable_change_basis: Option<String>,
    #[serde(default)]
    label_sets: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteFile {
    max_chars: usize,
    prompt: Localized,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemFile {
    id: String,
    required: bool,
    prompt: Localized,
    scale: ScaleFile,
    #[serde(default)]
    reliable_change: Option<ReliableChange>,
    #[serde(default)]
    offer_resources_at_or_below: Option<u8>,
    #[serde(default)]
    continues: Vec<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScaleFile {
    min: u8,
    max: u8,
    labels: LabelsFile,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum LabelsFile {
    Named(String),
    Inline(BTreeMap<String, Vec<String>>),
}

impl InstrumentFile {
    fn into_instrument(self) -> Result<Instrument, InstrumentError> {
        let invalid = |detail: String| InstrumentError::Invalid {
            id: self.id.clone(),
            detail,
        };
        if self.id.is_empty() || !self.id.chars().all(is_id_char) {
            return Err(invalid(format!(
                "instrument id {:?} must be lowercase letters, digits, '-' or '_'",
                self.id
            )));
        }
        if self.version == 0 {
            return Err(invalid("version must be 1 or more".into()));
        }
        if self.locales.is_empty() {
            return Err(invalid("no locales listed".into()));
        }
        if !self.locales.contains(&self.default_locale) {
            return Err(invalid(format!(
                "default locale {:?} is not among the listed locales",
                self.default_locale
            )));
        }
        if self.items.is_empty() {
            return Err(invalid("an instrument needs at least one item".into()));
        }
        if self.note.max_chars == 0 {
            return Err(invalid("note.max_chars must be 1 or more".into()));
        }
        let locales = &self.locales;
        let complete = |what: &str, text: &Localized| -> Result<(), InstrumentError> {
            for locale in locales {
                if text.get(locale).is_none_or(|t| t.trim().is_empty()) {
                    return Err(invalid(format!("{what} has no text for locale {locale:?}")));
                }
            }
            Ok(())
        };
        complete("title", &self.title)?;
        complete("note prompt", &self.note.prompt)?;

        let mut seen = BTreeSet::new();
        let mut items = Vec::with_capacity(self.items.len());
        for item in &self.items {
            if item.id.is_empty() || !item.id.chars().all(is_id_char) {
                return Err(invalid(format!(
                    "item id {:?} must be lowercase letters, digits, '-' or '_'",
                    item.id
                )));
            }
            if !seen.insert(item.id.as_str()) {
                return Err(invalid(format!("item id {:?} appears twice", item.id)));
            }
            complete(&format!("item {:?} prompt", item.id), &item.prompt)?;
            let scale = &item.scale;
            if scale.min >= scale.max {
                return Err(invalid(format!(
                    "item {:?}: scale min {} must be below max {}",
                    item.id, scale.min, scale.max
                )));
            }
            let labels = match &scale.labels {
                LabelsFile::Inline(labels) => labels.clone(),
                LabelsFile::Named(name) => self.label_sets.get(name).cloned().ok_or_else(|| {
                    invalid(format!(
                        "item {:?} uses label set {name:?}, which is not defined",
                        item.id
                    ))
                })?,
            };
            let points = usize::from(scale.max - scale.min) + 1;
            for locale in locales {
                match labels.get(locale) {
                    Some(l) if l.len() == points && l.iter().all(|t| !t.trim().is_empty()) => {}
                    _ => {
                        return Err(invalid(format!(
                            "item {:?} needs {points} non-empty scale labels for locale {locale:?}",
                            item.id
                        )));
                    }
                }
            }
            if let Some(rc) = item.reliable_change
                && !(rc.sd > 0.0 && rc.sd.is_finite() && rc.r >= 0.0 && rc.r < 1.0)
            {
                return Err(invalid(format!(
                    "item {:?}: reliable_change needs sd > 0 and 0 <= r < 1",
                    item.id
                )));
            }
            if let Some(at) = item.offer_resources_at_or_below
                && !(scale.min..=scale.max).contains(&at)
            {
                return Err(invalid(format!(
                    "item {:?}: offer_resources_at_or_below {at} is not on the scale",
                    item.id
                )));
            }
            let mut continued = BTreeSet::new();
            for &earlier in &item.continues {
                if earlier == 0 || earlier >= self.version {
                    return Err(invalid(format!(
                        "item {:?}: continues {earlier}, which is not an earlier version",
                        item.id
                    )));
                }
                if !continued.insert(earlier) {
                    return Err(invalid(format!(
                        "item {:?}: continues {earlier} twice",
                        item.id
                    )));
                }
            }
            items.push(ItemSpec {
                id: item.id.clone(),
                required: item.required,
                prompt: item.prompt.clone(),
                scale: Scale {
                    min: scale.min,
                    max: scale.max,
                    labels,
                },
                reliable_change: item.reliable_change,
                offer_resources_at_or_below: item.offer_resources_at_or_below,
                continues: item.continues.clone(),
            });
        }
        if !items.iter().any(|item| item.required) {
            return Err(invalid(
                "at least one item must be required, or an empty check-in would be valid".into(),
            ));
        }

        Ok(Instrument {
            reference: InstrumentRef {
                id: self.id,
                version: self.version,
            },
            default_locale: self.default_locale,
            locales: self.locales,
            title: self.title,
            items,
            note: NoteSpec {
                max_chars: self.note.max_chars,
                prompt: self.note.prompt,
            },
            reliable_change_basis: self.reliable_change_basis,
        })
    }
}

fn is_id_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled_checkin() -> Instrument {
        Instruments::bundled()
            .unwrap()
            .latest("session-checkin")
            .unwrap()
            .clone()
    }

    #[test]
    fn bundled_session_checkin_has_the_two_required_items_and_two_optional_ones() {
        let instrument = bundled_checkin();
        assert_eq!(instrument.reference.version, 2);
        let required: Vec<_> = instrument
            .items
            .iter()
            .filter(|i| i.required)
            .map(|i| i.id.as_str())
            .collect();
        assert_eq!(required, ["heard", "hopeful"]);
        assert!(!instrument.item("worked_on").unwrap().required);
        assert!(!instrument.item("fit").unwrap().required);
        let prompt = |id: &str| instrument.item(id).unwrap().prompt_in(&instrument, "en");
        assert_eq!(prompt("heard"), "Today I felt listened to");
        assert_eq!(
            prompt("hopeful"),
            "Right now I feel hopeful that things can get better"
        );
        assert_eq!(
            prompt("worked_on"),
            "Today we worked on what I want to change"
        );
        assert_eq!(prompt("fit"), "This way of working makes sense to me");
        let heard = instrument.item("heard").unwrap();
        assert_eq!((heard.scale.min, heard.scale.max), (1, 5));
    }

    #[test]
    fn bundled_session_checkin_is_translated() {
        let instrument = bundled_checkin();
        assert!(instrument.locales.len() >= 2);
        let heard = instrument.item("heard").unwrap();
        assert_eq!(
            heard.prompt_in(&instrument, "de-AT"),
            "Heute hatte ich das Gefühl, dass mir zugehört wurde"
        );
        assert_eq!(
            heard.prompt_in(&instrument, "fr-CA"),
            "Aujourd'hui, j'ai eu le sentiment qu'on m'écoutait"
        );
        assert_eq!(
            heard.prompt_in(&instrument, "es-MX"),
            "Hoy sentí que me escuchaban"
        );
        // An unknown locale falls back to the default rather than a blank.
        assert_eq!(
            heard.prompt_in(&instrument, "xx"),
            "Today I felt listened to"
        );
        assert_eq!(heard.scale.labels["fr"].len(), 5);
    }

    #[test]
    fn v2_prompts_are_whole_sentences_for_anyone() {
        // No gender-split participles (écouté·e, escuchado/a, compris(e)):
        // a sentence every client can read as written to them.
        for item in &bundled_checkin().items {
            for (locale, prompt) in &item.prompt {
                assert!(
                    !prompt.contains(['·', '/', '(']),
                    "{} in {locale}: {prompt}",
                    item.id
                );
            }
        }
    }

    #[test]
    fn v1_stays_installed_with_its_own_words_and_its_own_crisis_point() {
        let instruments = Instruments::bundled().unwrap();
        let v1 = instruments
            .get(&InstrumentRef {
                id: CURRENT_INSTRUMENT.into(),
                version: 1,
            })
            .unwrap();
        let hopeful = v1.item("hopeful").unwrap();
        assert_eq!(hopeful.prompt_in(v1, "en"), "I leave feeling more hopeful");
        assert_eq!(hopeful.offer_resources_at_or_below, Some(1));
        assert!(hopeful.continues.is_empty());
        let v2 = instruments.current().unwrap();
        let hopeful = v2.item("hopeful").unwrap();
        // Hope is now a state: "a little" of it is low hope.
        assert_eq!(hopeful.offer_resources_at_or_below, Some(2));
        assert!(
            hopeful.continues.is_empty(),
            "a state does not continue a change"
        );
        for id in ["heard", "worked_on", "fit"] {
            assert_eq!(v2.item(id).unwrap().continues, [1], "{id}");
            assert_eq!(v2.item(id).unwrap().offer_resources_at_or_below, None);
        }
    }

    #[test]
    fn latest_picks_the_newest_edition() {
        let mut instruments = Instruments::bundled().unwrap();
        let mut v3 = bundled_checkin();
        v3.reference.version = 3;
        instruments.add(v3).unwrap();
        assert_eq!(
            instruments
                .latest("session-checkin")
                .unwrap()
                .reference
                .version,
            3
        );
        assert!(instruments.latest("unknown").is_none());
    }

    #[test]
    fn a_published_edition_cannot_be_replaced() {
        let mut instruments = Instruments::bundled().unwrap();
        let err = instruments.add(bundled_checkin()).unwrap_err();
        assert!(matches!(err, InstrumentError::DuplicateEdition { .. }));
    }

    #[test]
    fn definitions_with_gaps_are_refused_with_the_gap_named() {
        // v1's file, so its wording is what the replacements below find.
        let good = BUNDLED[0];
        let cases = [
            (
                good.replace(
                    r#""es": "Me sentí escuchado/a y comprendido/a""#,
                    r#""es": """#,
                ),
                "locale \"es\"",
            ),
            (
                good.replace(r#""id": "fit""#, r#""id": "heard""#),
                "appears twice",
            ),
            (
                good.replace(r#""Nada", "Un poco", "#, ""),
                "needs 5 non-empty scale labels",
            ),
            (
                good.replace(r#""default_locale": "en""#, r#""default_locale": "it""#),
                "default locale",
            ),
            (
                good.replace(r#""labels": "agreement" }"#, r#""labels": "missing" }"#),
                "not defined",
            ),
            (
                good.replace(r#""version": 1"#, r#""version": 0"#),
                "version",
            ),
        ];
        for (json, expected) in cases {
            let err = Instrument::from_json(&json).unwrap_err();
            assert!(
                err.to_string().contains(expected),
                "expected {expected:?} in {err}"
            );
        }
        assert!(matches!(
            Instrument::from_json("{").unwrap_err(),
            InstrumentError::Unreadable { .. }
        ));
    }

    #[test]
    fn the_current_instrument_is_the_newest_session_check_in() {
        let mut instruments = Instruments::bundled().unwrap();
        let current = instruments.current().unwrap();
        assert_eq!(current.reference.id, CURRENT_INSTRUMENT);
        assert_eq!(current.reference.version, 2);
        let mut v3 = bundled_checkin();
        v3.reference.version = 3;
        instruments.add(v3).unwrap();
        assert_eq!(instruments.current().unwrap().reference.version, 3);
    }

    #[test]
    fn one_locale_resolver_reads_tags_and_posix_locales_alike() {
        let available: Vec<String> = ["en", "de", "fr", "pt-BR"].map(String::from).into();
        let pick = |wanted| resolve_locale(&available, "en", wanted);
        assert_eq!(pick("de"), "de");
        assert_eq!(pick("de-AT"), "de");
        assert_eq!(pick("de_AT.UTF-8"), "de");
        assert_eq!(pick("de_DE@euro"), "de");
        assert_eq!(pick(" FR-ca "), "fr");
        assert_eq!(pick("pt_BR"), "pt-BR");
        assert_eq!(pick("pt-br"), "pt-BR");
        // A language without its region where only a regional text exists,
        // or no language at all, gets the default rather than a guess.
        assert_eq!(pick("pt-PT"), "en");
        assert_eq!(pick("C.UTF-8"), "en");
        assert_eq!(pick(""), "en");
        assert_eq!(pick("zz"), "en");
    }
}
