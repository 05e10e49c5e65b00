//! The report's own words in the therapist's language.
//!
//! The words are data (`texts.json`, beside this file): one table per
//! language with the same keys, `{name}` placeholders, `_one`/`_other` pairs
//! for counted words, and the month abbreviations and date patterns a date is
//! written with. A test checks that every language has every English key
//! with the same placeholders, so a new key cannot be forgotten in one
//! language. Wording that comes from core (flag headlines, reasons, opening
//! lines, the instrument's statements and scale words) is not here: core
//! gives it, in its own languages.
//!
//! The language is chosen by `--lang`, else by the environment's locale
//! (`LC_ALL`, `LC_MESSAGES`, `LANG`, as the rest of the CLI reads it); a
//! language the report does not have falls back to English.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

/// The languages the report is written in; the first is the fallback.
pub const LANGUAGES: [&str; 4] = ["en", "de", "fr", "es"];

const BUNDLED: &str = include_str!("texts.json");

#[derive(Debug, Deserialize)]
struct TextsFile {
    languages: BTreeMap<String, Language>,
}

#[derive(Debug, Deserialize)]
struct Language {
    /// January to December, abbreviated as a date in this language writes them.
    months: [String; 12],
    texts: BTreeMap<String, String>,
}

fn bundled() -> Option<&'static TextsFile> {
    static FILE: OnceLock<Option<TextsFile>> = OnceLock::new();
    FILE.get_or_init(|| serde_json::from_str(BUNDLED).ok())
        .as_ref()
}

/// The report's words in one language.
#[derive(Debug, Clone, Copy)]
pub struct Texts {
    lang: &'static str,
}

impl Texts {
    /// English, the report's first language.
    pub fn english() -> Texts {
        Texts { lang: LANGUAGES[0] }
    }

    /// The language of a locale or language tag (`de`, `de-AT`,
    /// `fr_CA.UTF-8`); English for one the report does not have, or for
    /// `C`/`POSIX`/empty.
    pub fn for_locale(locale: &str) -> Texts {
        let language = locale
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        LANGUAGES
            .iter()
            .find(|l| **l == language)
            .map_or_else(Texts::english, |lang| Texts { lang })
    }

    /// The language shown (`en`, `de`, `fr`, `es`), for `<html lang>` and
    /// core's own localised wording.
    pub fn lang(&self) -> &'static str {
        self.lang
    }

    fn table(lang: &str) -> Option<&'static Language> {
        bundled()?.languages.get(lang)
    }

    /// The text of `key`: in this language, else in English, else the key
    /// itself (never a panic: a missing word must not cost the report).
    pub fn get(&self, key: &str) -> &'static str {
        [self.lang, LANGUAGES[0]]
            .iter()
            .find_map(|lang| Some(Texts::table(lang)?.texts.get(key)?.as_str()))
            // A marker, not a panic; the key tests below keep it off pages.
            .unwrap_or("[missing text]")
    }

    /// The text of `key` with each `{name}` replaced by its value.
    pub fn fill(&self, key: &str, values: &[(&str, &dyn std::fmt::Display)]) -> String {
        let mut out = self.get(key).to_owned();
        for (name, value) in values {
            out = out.replace(&format!("{{{name}}}"), &value.to_string());
        }
        out
    }

    /// `n` with its word: `key_one` or `key_other` by this language's rule
    /// (French counts 0 as one), `{n}` filled.
    pub fn count(&self, n: usize, key: &str) -> String {
        let one = match self.lang {
            "fr" => n <= 1,
            _ => n == 1,
        };
        let form = if one { "one" } else { "other" };
        self.fill(&format!("{key}_{form}"), &[("n", &n)])
    }

    fn month(&self, date: NaiveDate) -> &'static str {
        let index = date.month0() as usize;
        [self.lang, LANGUAGES[0]]
            .iter()
            .find_map(|lang| Some(Texts::table(lang)?.months.get(index)?.as_str()))
            .unwrap_or("")
    }

    /// "14 Dec 2026", "14. Dez. 2026", "14 déc. 2026", "14 dic 2026".
    pub fn date(&self, date: NaiveDate) -> String {
        self.fill(
            "date_long",
            &[
                ("day", &date.day()),
                ("month", &self.month(date)),
                ("year", &date.year()),
            ],
        )
    }

    /// "14 Dec", for dates within one year.
    pub fn day_and_month(&self, date: NaiveDate) -> String {
        self.fill(
            "date_day_month",
            &[("day", &date.day()), ("month", &self.month(date))],
        )
    }

    /// "Dec 2026", under a chart that spans years.
    pub fn month_and_year(&self, date: NaiveDate) -> String {
        self.fill(
            "date_month_year",
            &[("month", &self.month(date)), ("year", &date.year())],
        )
    }
}

/// The English table's sentences, cut at their placeholders, that are long
/// enough to be recognised on a page (12 characters or more): a German page
/// containing one has English left in it.
#[cfg(test)]
pub fn english_fragments() -> Vec<&'static str> {
    let Some(english) = Texts::table(LANGUAGES[0]) else {
        return Vec::new();
    };
    english
        .texts
        .values()
        .flat_map(|text| text.split(['{', '}']))
        .map(str::trim)
        .filter(|fragment| fragment.chars().count() >= 12)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn placeholders(text: &str) -> BTreeSet<&str> {
        text.split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect()
    }

    #[test]
    fn the_bundled_file_parses_and_has_every_language() {
        let file = bundled().expect("texts.json parses");
        for lang in LANGUAGES {
            assert!(file.languages.contains_key(lang), "no {lang} texts");
        }
        assert_eq!(
            file.languages.len(),
            LANGUAGES.len(),
            "a language the code does not list"
        );
    }

    /// Every language has every English key, no other, and the same
    /// placeholders in each: a missing word or a lost `{date}` fails here.
    #[test]
    fn every_language_has_every_key_with_the_same_placeholders() {
        let file = bundled().unwrap();
        let english = &file.languages["en"].texts;
        for lang in &LANGUAGES[1..] {
            let texts = &file.languages[*lang].texts;
            let missing: Vec<&String> =
                english.keys().filter(|k| !texts.contains_key(*k)).collect();
            let extra: Vec<&String> = texts.keys().filter(|k| !english.contains_key(*k)).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{lang}: missing {missing:?}, extra {extra:?}"
            );
            for (key, text) in english {
                assert_eq!(
                    placeholders(text),
                    placeholders(&texts[key]),
                    "{lang}.{key}: placeholders differ from English"
                );
                assert!(!texts[key].trim().is_empty(), "{lang}.{key} is empty");
            }
        }
    }

    #[test]
    fn a_locale_picks_its_language_and_anything_else_is_english() {
        assert_eq!(Texts::for_locale("de_DE.UTF-8").lang(), "de");
        assert_eq!(Texts::for_locale("fr-CA").lang(), "fr");
        assert_eq!(Texts::for_locale("es").lang(), "es");
        assert_eq!(Texts::for_locale("ES_mx").lang(), "es");
        assert_eq!(Texts::for_locale("pt-BR").lang(), "en");
        assert_eq!(Texts::for_locale("C.UTF-8").lang(), "en");
        assert_eq!(Texts::for_locale("").lang(), "en");
    }

    #[test]
    fn dates_are_written_the_way_each_language_writes_them() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 14).unwrap();
        assert_eq!(Texts::english().date(day), "14 Dec 2026");
        assert_eq!(Texts::for_locale("de").date(day), "14. Dez. 2026");
        assert_eq!(Texts::for_locale("fr").date(day), "14 déc. 2026");
        assert_eq!(Texts::for_locale("es").date(day), "14 dic 2026");
        let march = NaiveDate::from_ymd_opt(2027, 3, 2).unwrap();
        assert_eq!(Texts::for_locale("de").day_and_month(march), "2. März");
        assert_eq!(Texts::for_locale("fr").month_and_year(march), "mars 2027");
    }

    #[test]
    fn counted_words_follow_each_languages_rule() {
        let en = Texts::english();
        assert_eq!(en.count(1, "clients"), "1 client");
        assert_eq!(en.count(0, "clients"), "0 clients");
        let fr = Texts::for_locale("fr");
        assert_eq!(fr.count(0, "checkins"), "0 retour");
        assert_eq!(fr.count(2, "checkins"), "2 retours");
        assert_eq!(Texts::for_locale("de").count(3, "clients"), "3 Personen");
    }
}
