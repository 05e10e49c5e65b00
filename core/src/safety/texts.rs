//! The texts a client reads around a check-in wherever a reply could be
//! expected ("tell my therapist I asked for support", "Sent. Thank you.",
//! "Seen by your therapist"), each carrying the sentence that nobody watches
//! check-ins in real time, in four languages, from one bundled file
//! (`resources/checkin-texts.v1.json`).
//!
//! They used to live in each app's own strings, in English only, without
//! the sentence. Here they are written once and every front end takes them
//! as they are; a file in which any text lacks the sentence is refused
//! whole, and a test fails on it.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::model::resolve_locale;

const BUNDLED: &str = include_str!("../../resources/checkin-texts.v1.json");

/// What is left when the file is unusable (English; never expected, a test
/// keeps the file loading).
const BUILTIN: Texts = Texts {
    not_monitored: "Nobody watches check-ins in real time.",
    support_toggle: "Tell my therapist I asked for support. Nobody watches check-ins in real time.",
    support_toggle_hint: "Your therapist sees it with this check-in once their device syncs; it \
        alerts nobody now. Nobody watches check-ins in real time.",
    sent: "Sent. Thank you. Nobody watches check-ins in real time: if you need help now, call a \
        crisis line or your emergency number.",
    seen: "Seen by your therapist. Nobody watches check-ins in real time.",
};

/// The texts around a check-in, in one language. Show each as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckInTexts {
    /// The language shown (`en`, `de`, `fr`, `es`).
    pub locale: String,
    /// The sentence itself ("Nobody watches check-ins in real time."), for
    /// any other place a reply could be expected.
    pub not_monitored: String,
    /// The visible label of the "tell my therapist I asked for support"
    /// switch.
    pub support_toggle: String,
    /// Its longer description for VoiceOver and TalkBack: when the
    /// therapist sees it, and that it alerts nobody now.
    pub support_toggle_hint: String,
    /// The confirmation once a check-in was sent ("Sent. Thank you. ...").
    pub sent: String,
    /// The label of a check-in the therapist has seen.
    pub seen: String,
}

/// The texts for `locale` (`de-AT` → German), English when its language is
/// not one Rapport has. Bundled; never fails, never panics.
pub fn checkin_texts(locale: &str) -> CheckInTexts {
    match bundled() {
        Some(file) => {
            let available: Vec<String> = file.texts.keys().cloned().collect();
            let language = resolve_locale(&available, "en", locale);
            match file.texts.get(language) {
                Some(texts) => texts.in_language(language),
                None => BUILTIN.in_language("en"),
            }
        }
        None => BUILTIN.in_language("en"),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextsFile {
    version: u32,
    note: String,
    texts: BTreeMap<String, Texts<String>>,
}

/// One language's texts, as the file spells them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Texts<S = &'static str> {
    not_monitored: S,
    support_toggle: S,
    support_toggle_hint: S,
    sent: S,
    seen: S,
}

impl<S: AsRef<str>> Texts<S> {
    fn in_language(&self, language: &str) -> CheckInTexts {
        CheckInTexts {
            locale: language.to_owned(),
            not_monitored: self.not_monitored.as_ref().to_owned(),
            support_toggle: self.support_toggle.as_ref().to_owned(),
            support_toggle_hint: self.support_toggle_hint.as_ref().to_owned(),
            sent: self.sent.as_ref().to_owned(),
            seen: self.seen.as_ref().to_owned(),
        }
    }

    /// Every text a client reads where a reply could be expected.
    fn where_a_reply_could_be_expected(&self) -> [(&'static str, &str); 4] {
        [
            ("support_toggle", self.support_toggle.as_ref()),
            ("support_toggle_hint", self.support_toggle_hint.as_ref()),
            ("sent", self.sent.as_ref()),
            ("seen", self.seen.as_ref()),
        ]
    }
}

/// The sentence without its closing full stop, so a text may go on after it
/// ("... in real time: if you need help now ...").
fn sentence_words(sentence: &str) -> &str {
    sentence.trim().trim_end_matches('.')
}

fn bundled() -> Option<&'static TextsFile> {
    static FILE: OnceLock<Option<TextsFile>> = OnceLock::new();
    FILE.get_or_init(|| load(BUNDLED).ok()).as_ref()
}

/// Parses the file and refuses it whole when a language is missing or any
/// text lacks its language's "not monitored" sentence.
fn load(text: &str) -> Result<TextsFile, String> {
    let file: TextsFile = serde_json::from_str(text).map_err(|e| format!("parse: {e}"))?;
    if file.version != 1 || file.note.trim().is_empty() {
        return Err("not edition 1, or no note".to_owned());
    }
    for language in ["en", "de", "fr", "es"] {
        let texts = file
            .texts
            .get(language)
            .ok_or_else(|| format!("no {language} texts"))?;
        let sentence = sentence_words(&texts.not_monitored);
        if sentence.is_empty() {
            return Err(format!("{language}: no not_monitored sentence"));
        }
        for (name, text) in texts.where_a_reply_could_be_expected() {
            if !text.contains(sentence) {
                return Err(format!("{language}.{name} lacks {sentence:?}"));
            }
        }
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_file_loads() {
        assert!(load(BUNDLED).is_ok(), "{:?}", load(BUNDLED).err());
        assert!(bundled().is_some());
    }

    /// The check the issue asks for: every text where a reply could be
    /// expected says, in its own language, that nobody watches in real time.
    #[test]
    fn every_text_says_nobody_watches_in_real_time_in_every_language() {
        let json: serde_json::Value = serde_json::from_str(BUNDLED).expect("JSON");
        for (language, says) in [
            ("en", "real time"),
            ("de", "Echtzeit"),
            ("fr", "temps réel"),
            ("es", "tiempo real"),
        ] {
            let texts = &json["texts"][language];
            let sentence = sentence_words(texts["not_monitored"].as_str().expect("sentence"));
            assert!(sentence.contains(says), "{language}: {sentence}");
            for name in ["support_toggle", "support_toggle_hint", "sent", "seen"] {
                let text = texts[name].as_str().unwrap_or_default();
                assert!(text.contains(sentence), "{language}.{name}: {text:?}");
            }
            let shown = checkin_texts(language);
            assert_eq!(shown.locale, language);
            for text in [
                &shown.support_toggle,
                &shown.support_toggle_hint,
                &shown.sent,
                &shown.seen,
            ] {
                assert!(
                    text.contains(sentence_words(&shown.not_monitored)),
                    "{language}: {text}"
                );
            }
        }
    }

    #[test]
    fn a_file_missing_the_sentence_anywhere_is_refused() {
        for (from, to) in [
            (
                "\"seen\": \"Visto por su terapeuta. Nadie revisa los registros en tiempo real.\"",
                "\"seen\": \"Visto por su terapeuta.\"",
            ),
            (
                "\"sent\": \"Gesendet. Danke. Niemand verfolgt",
                "\"sent\": \"Gesendet. Danke. Niemand liest",
            ),
            ("\"fr\": {", "\"pt\": {"),
        ] {
            assert!(
                BUNDLED.contains(from),
                "test edit {from:?} no longer applies"
            );
            assert!(load(&BUNDLED.replacen(from, to, 1)).is_err(), "{to}");
        }
    }

    #[test]
    fn the_language_follows_the_locale() {
        assert_eq!(checkin_texts("de-AT").locale, "de");
        assert_eq!(checkin_texts("fr_CA.UTF-8").locale, "fr");
        assert_eq!(checkin_texts("pt-BR").locale, "en");
        assert!(checkin_texts("es").sent.starts_with("Enviado. Gracias."));
        assert!(
            checkin_texts("en")
                .seen
                .starts_with("Seen by your therapist.")
        );
        assert_eq!(BUILTIN.in_language("en"), checkin_texts("en"));
    }
}
