//! The sentences of flags and briefs, kept in no language: a phrase of
//! `resources/sentences.v1.json` with its arguments (dates, ratings, item
//! ids, a note), told in the reader's language only when read.
//!
//! A flag is computed once and kept sealed, but read by a therapist in
//! German today and by a colleague in French tomorrow; so what is kept is
//! the phrase and its facts, never the words. Each language's table has the
//! same phrases with the same `{placeholders}` (a test fails otherwise), its
//! own way of writing a date, a decimal, a quotation, a list and a count,
//! and its own names for the check-in's items. A phrase a table lacks is
//! told in English; one English lacks is shown as its id in brackets, never
//! a panic.
//!
//! Flags stored before there were sentences (summary format 2) kept their
//! English words: they are read as [`Sentence::Verbatim`] and shown as they
//! were.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::model::resolve_locale;

const BUNDLED: &str = include_str!("../../resources/sentences.v1.json");

/// One sentence (or part of one) in no language yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sentence {
    /// A phrase of the bundled table and the values of its placeholders.
    Phrase {
        /// The phrase's id (`reason.drop`).
        id: String,
        /// Each placeholder's name and value.
        args: Vec<(String, Arg)>,
    },
    /// Words kept as they were written, in English, before flags were
    /// told in every language.
    Verbatim(String),
}

/// The value of a placeholder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Arg {
    /// A whole number: "3", "−2".
    Number(i64),
    /// A figure with two decimals, in hundredths: "−2.58", "−2,58".
    Hundredths(i64),
    /// A rating or the range of several: "4", "4–5".
    Span(u8, u8),
    /// A date: "5 Oct 2026", "5. Okt. 2026".
    Date(NaiveDate),
    /// An item of the check-in by its id, named in the reader's language.
    Item(String),
    /// A count of a noun the table declares (`sessions`, `days`,
    /// `ratings`): "one session", "four sessions", "12 days".
    Count(String, u32),
    /// The client's own words (a note, a goal), quoted and cut to a
    /// sentence's length; never translated.
    Quote(String),
    /// A whole sentence inside another, with its capital letter.
    Sentence(Box<Sentence>),
    /// Part of a sentence, as it is.
    Part(Box<Sentence>),
    /// "a, b and c".
    List(Vec<Sentence>),
    /// "a, b".
    Commas(Vec<Sentence>),
    /// "a; b".
    Parts(Vec<Sentence>),
}

impl Sentence {
    /// The phrase `id` with `args`.
    pub fn new<const N: usize>(id: &str, args: [(&str, Arg); N]) -> Sentence {
        Sentence::Phrase {
            id: id.to_owned(),
            args: args
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
        }
    }

    /// The sentence in the best of Rapport's languages for `locale` (a tag
    /// such as `de-AT` or a POSIX locale), beginning with a capital letter
    /// (kept words are shown exactly as they were).
    pub fn render(&self, locale: &str) -> String {
        match self {
            Sentence::Phrase { .. } => capitalise(&self.render_part(locale)),
            Sentence::Verbatim(text) => text.clone(),
        }
    }

    /// Part of a sentence (an item outside its usual range, a usual range)
    /// in the best language for `locale`, as it stands in the middle of one.
    pub fn render_part(&self, locale: &str) -> String {
        let Some(table) = table() else {
            return self.fallback();
        };
        let mut out = String::new();
        self.tell(table, table.language(locale), &mut out);
        out
    }

    /// The phrase's id, or `None` for kept words.
    pub fn id(&self) -> Option<&str> {
        match self {
            Sentence::Phrase { id, .. } => Some(id),
            Sentence::Verbatim(_) => None,
        }
    }

    /// Without a table (it did not parse, which a test rules out): the
    /// kept words, or the id.
    fn fallback(&self) -> String {
        match self {
            Sentence::Phrase { id, .. } => format!("[{id}]"),
            Sentence::Verbatim(text) => text.clone(),
        }
    }

    fn tell(&self, table: &Table, language: &Language, out: &mut String) {
        let (id, args) = match self {
            Sentence::Verbatim(text) => {
                out.push_str(text);
                return;
            }
            Sentence::Phrase { id, args } => (id, args),
        };
        let Some(pieces) = language
            .phrases
            .get(id)
            .or_else(|| table.default().phrases.get(id))
        else {
            out.push('[');
            out.push_str(id);
            out.push(']');
            return;
        };
        fill(pieces, out, |name, out| {
            match args.iter().find(|(n, _)| n == name) {
                Some((_, value)) => value.tell(table, language, out),
                None => return false,
            }
            true
        });
    }
}

impl Arg {
    /// A sentence inside another.
    pub fn sentence(sentence: Sentence) -> Arg {
        Arg::Sentence(Box::new(sentence))
    }

    /// Part of a sentence.
    pub fn part(sentence: Sentence) -> Arg {
        Arg::Part(Box::new(sentence))
    }

    /// A rating.
    pub fn rating(rating: u8) -> Arg {
        Arg::Span(rating, rating)
    }

    /// A count of `noun`.
    pub fn count(noun: &str, n: usize) -> Arg {
        Arg::Count(noun.to_owned(), u32::try_from(n).unwrap_or(u32::MAX))
    }

    fn tell(&self, table: &Table, language: &Language, out: &mut String) {
        match self {
            Arg::Number(n) => push_number(*n, out),
            Arg::Hundredths(h) => {
                if *h < 0 {
                    out.push('−');
                }
                let h = h.unsigned_abs();
                out.push_str(&format!(
                    "{}{}{:02}",
                    h / 100,
                    language.words.decimal_separator,
                    h % 100
                ));
            }
            Arg::Span(low, high) if low == high => out.push_str(&low.to_string()),
            Arg::Span(low, high) => out.push_str(&format!("{low}–{high}")),
            Arg::Date(date) => language.date(*date, out),
            Arg::Item(id) => match language
                .words
                .items
                .get(id)
                .or_else(|| table.default().words.items.get(id))
            {
                Some(name) => out.push_str(name),
                None => out.push_str(&id.replace('_', " ")),
            },
            Arg::Count(noun, n) => language.count(table, noun, *n, out),
            Arg::Quote(text) => language.quote(text, out),
            Arg::Sentence(sentence) => {
                let mut inner = String::new();
                sentence.tell(table, language, &mut inner);
                out.push_str(&capitalise(&inner));
            }
            Arg::Part(sentence) => sentence.tell(table, language, out),
            Arg::List(parts) => join(parts, ", ", &language.words.and, table, language, out),
            Arg::Commas(parts) => join(parts, ", ", ", ", table, language, out),
            Arg::Parts(parts) => join(parts, "; ", "; ", table, language, out),
        }
    }
}

/// `parts` told one after another, `between` between them and `last`
/// before the last.
fn join(
    parts: &[Sentence],
    between: &str,
    last: &str,
    table: &Table,
    language: &Language,
    out: &mut String,
) {
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(if i + 1 == parts.len() { last } else { between });
        }
        part.tell(table, language, out);
    }
}

/// "3", "−2" (a minus sign, not a hyphen).
fn push_number(n: i64, out: &mut String) {
    if n < 0 {
        out.push('−');
    }
    out.push_str(&n.unsigned_abs().to_string());
}

/// The first letter in upper case.
pub(crate) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The bundled file as written.
#[derive(Deserialize)]
struct TableFile {
    default_locale: String,
    languages: HashMap<String, LanguageFile>,
}

#[derive(Deserialize)]
struct LanguageFile {
    /// January to December as a date writes them.
    months: [String; 12],
    /// `{day}`, `{month}`, `{year}`.
    date: String,
    decimal_separator: String,
    /// Between the last two of a list, with its spaces (" and ").
    and: String,
    /// Opening and closing quotation marks.
    quotes: [String; 2],
    /// Zero to ten in words, for counts written out.
    numbers: [String; 11],
    /// Per noun, its `one` and `other` forms; `{n}` is the count in
    /// figures, `{n_words}` in words up to ten.
    counts: HashMap<String, HashMap<String, String>>,
    /// Each item's name, as a sentence uses it.
    items: HashMap<String, String>,
    phrases: HashMap<String, String>,
}

/// The bundled file, its phrases cut at their placeholders once.
struct Table {
    default_locale: String,
    locales: Vec<String>,
    languages: HashMap<String, Language>,
}

/// A language of the file, its templates cut once (the file's own phrases
/// and counts left empty).
struct Language {
    code: String,
    words: LanguageFile,
    phrases: HashMap<String, Vec<Piece>>,
    date: Vec<Piece>,
    counts: HashMap<String, HashMap<String, Vec<Piece>>>,
}

enum Piece {
    Text(String),
    Slot(String),
}

/// `text` cut at its `{placeholders}`.
fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        if open > 0 {
            out.push(Piece::Text(rest[..open].to_owned()));
        }
        out.push(Piece::Slot(rest[open + 1..open + close].to_owned()));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest.to_owned()));
    }
    out
}

/// `pieces` written out, each placeholder by `value`, which says whether it
/// knew the name; one it did not stays `{name}`.
fn fill(pieces: &[Piece], out: &mut String, mut value: impl FnMut(&str, &mut String) -> bool) {
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Slot(name) => {
                if !value(name, out) {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
            }
        }
    }
}

fn table() -> Option<&'static Table> {
    static TABLE: OnceLock<Option<Table>> = OnceLock::new();
    TABLE.get_or_init(|| parse(BUNDLED).ok()).as_ref()
}

fn parse(text: &str) -> Result<Table, serde_json::Error> {
    let file: TableFile = serde_json::from_str(text)?;
    let mut locales: Vec<String> = file.languages.keys().cloned().collect();
    locales.sort();
    let languages = file
        .languages
        .into_iter()
        .map(|(code, mut words)| {
            let phrases = std::mem::take(&mut words.phrases)
                .into_iter()
                .map(|(id, text)| (id, pieces(&text)))
                .collect();
            let counts = std::mem::take(&mut words.counts)
                .into_iter()
                .map(|(noun, forms)| {
                    let forms = forms.into_iter().map(|(f, t)| (f, pieces(&t))).collect();
                    (noun, forms)
                })
                .collect();
            let language = Language {
                code: code.clone(),
                date: pieces(&words.date),
                words,
                phrases,
                counts,
            };
            (code, language)
        })
        .collect();
    Ok(Table {
        default_locale: file.default_locale,
        locales,
        languages,
    })
}

impl Table {
    fn default(&self) -> &Language {
        self.languages
            .get(&self.default_locale)
            .or_else(|| self.languages.values().next())
            .expect("the table has a language (a test checks every one)")
    }

    fn language(&self, locale: &str) -> &Language {
        let code = resolve_locale(&self.locales, &self.default_locale, locale);
        self.languages.get(code).unwrap_or_else(|| self.default())
    }
}

impl Language {
    fn date(&self, date: NaiveDate, out: &mut String) {
        fill(&self.date, out, |name, out| {
            match name {
                "day" => out.push_str(&date.day().to_string()),
                "month" => out.push_str(&self.words.months[date.month0() as usize]),
                "year" => out.push_str(&date.year().to_string()),
                _ => return false,
            }
            true
        });
    }

    fn count(&self, table: &Table, noun: &str, n: u32, out: &mut String) {
        let one = match self.code.as_str() {
            "fr" => n <= 1,
            _ => n == 1,
        };
        let form = if one { "one" } else { "other" };
        let Some(template) = self
            .counts
            .get(noun)
            .or_else(|| table.default().counts.get(noun))
            .and_then(|forms| forms.get(form))
        else {
            out.push_str(&format!("{n} [{noun}]"));
            return;
        };
        let figures = n.to_string();
        let words = self
            .words
            .numbers
            .get(n as usize)
            .map_or(figures.as_str(), String::as_str);
        fill(template, out, |name, out| {
            match name {
                "n" => out.push_str(&figures),
                "n_words" => out.push_str(words),
                _ => return false,
            }
            true
        });
    }

    /// The client's words on one line, quoted, cut on a character boundary.
    fn quote(&self, text: &str, out: &mut String) {
        const MAX: usize = 120;
        let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        out.push_str(&self.words.quotes[0]);
        if one_line.chars().count() <= MAX {
            out.push_str(&one_line);
        } else {
            let cut: String = one_line.chars().take(MAX - 1).collect();
            out.push_str(cut.trim_end());
            out.push('…');
        }
        out.push_str(&self.words.quotes[1]);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn file() -> TableFile {
        serde_json::from_str(BUNDLED).expect("sentences.v1.json parses")
    }

    fn placeholders(text: &str) -> BTreeSet<String> {
        pieces(text)
            .into_iter()
            .filter_map(|p| match p {
                Piece::Slot(name) => Some(name),
                Piece::Text(_) => None,
            })
            .collect()
    }

    /// Every language has every English phrase, count and item, no other,
    /// with the same placeholders: a forgotten phrase or a lost `{date}`
    /// fails here, not on a therapist's screen.
    #[test]
    fn every_language_has_every_phrase_with_the_same_placeholders() {
        let file = file();
        let english = &file.languages[&file.default_locale];
        assert!(
            file.languages.len() >= 4,
            "{:?}",
            file.languages.keys().collect::<Vec<_>>()
        );
        for (code, language) in &file.languages {
            let ids = |m: &HashMap<String, String>| m.keys().cloned().collect::<BTreeSet<_>>();
            assert_eq!(
                ids(&language.phrases),
                ids(&english.phrases),
                "{code}'s phrases"
            );
            assert_eq!(ids(&language.items), ids(&english.items), "{code}'s items");
            for (id, text) in &language.phrases {
                assert_eq!(
                    placeholders(text),
                    placeholders(&english.phrases[id]),
                    "{code} {id}: {text}"
                );
                assert!(!text.trim().is_empty(), "{code} {id}");
            }
            for (noun, forms) in &english.counts {
                for (form, text) in forms {
                    let theirs = language
                        .counts
                        .get(noun)
                        .and_then(|f| f.get(form))
                        .unwrap_or_else(|| panic!("{code} has no {noun} {form}"));
                    assert_eq!(placeholders(theirs), placeholders(text), "{code} {noun}");
                }
            }
            assert_eq!(placeholders(&language.date).len(), 3, "{code}'s date");
        }
    }

    #[test]
    fn a_sentence_is_told_in_each_language_with_its_own_dates_numbers_and_lists() {
        let date = NaiveDate::from_ymd_opt(2026, 10, 5).unwrap();
        let rating = |item: &str, v: u8| {
            Sentence::new(
                "rating",
                [("item", Arg::Item(item.into())), ("rating", Arg::rating(v))],
            )
        };
        let s = Sentence::new(
            "reason.support",
            [
                ("date", Arg::Date(date)),
                (
                    "ratings",
                    Arg::List(vec![rating("heard", 2), rating("hopeful", 1)]),
                ),
            ],
        );
        let en = s.render("en");
        assert!(en.contains("5 Oct 2026"), "{en}");
        assert!(en.contains("heard 2 and hopeful 1"), "{en}");
        let de = s.render("de-AT");
        assert!(de.contains("5. Okt. 2026"), "{de}");
        assert!(de.contains(" und "), "{de}");
        assert_ne!(de, en);
        assert_ne!(s.render("fr_FR.UTF-8"), en);
        assert_ne!(s.render("es"), en);
        assert_eq!(
            s.render("pt-BR"),
            en,
            "a language Rapport lacks gives English"
        );
        let figure = Sentence::new(
            "reason.deterioration",
            [
                ("item", Arg::Item("hopeful".into())),
                ("from", Arg::rating(5)),
                ("first", Arg::Date(date)),
                ("now", Arg::rating(2)),
                ("date", Arg::Date(date)),
                ("by", Arg::Number(3)),
                ("rci", Arg::Hundredths(-258)),
            ],
        );
        assert!(figure.render("en").contains("−2.58"));
        assert!(figure.render("de").contains("−2,58"));
        assert!(figure.render("en").starts_with("Hopeful"));
    }

    #[test]
    fn counts_quotes_and_unknown_ids_read_as_a_person_would_write_them() {
        let counted = |n| {
            Sentence::new(
                "usual.range",
                [
                    ("range", Arg::Span(3, 5)),
                    ("sessions", Arg::count("sessions", n)),
                ],
            )
            .render("en")
        };
        assert_eq!(counted(1), "3–5 over the last one session");
        assert_eq!(counted(4), "3–5 over the last four sessions");
        assert_eq!(counted(12), "3–5 over the last 12 sessions");
        let note =
            |text: &str| Sentence::new("note", [("note", Arg::Quote(text.into()))]).render("en");
        assert_eq!(
            note("work is\n getting on top of me"),
            "Note: ‘work is getting on top of me’"
        );
        let long = note(&"é".repeat(300));
        assert!(long.ends_with("…’"), "{long}");
        assert_eq!(long.chars().count(), "Note: ".len() + 122);
        assert_eq!(
            Sentence::new("no.such.phrase", []).render("de"),
            "[no.such.phrase]"
        );
        assert_eq!(
            Sentence::Verbatim("Kept as it was.".into()).render("fr"),
            "Kept as it was."
        );
        let item = Sentence::new(
            "rating",
            [
                ("item", Arg::Item("not_an_item".into())),
                ("rating", Arg::rating(3)),
            ],
        );
        assert_eq!(item.render("en"), "Not an item 3");
    }
}
