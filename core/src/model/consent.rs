//! The consent text a client accepts when joining a therapist: versioned,
//! localised data, so a change of wording is a new version and the version
//! each client accepted is on record (in their account).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::instrument::resolve_locale;

const BUNDLED: &str = include_str!("../../consent/consent.v1.json");

/// The consent text in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// Which edition of the text this is.
    pub version: u32,
    /// The language shown (`en`, `de`, `fr`, `es`).
    pub locale: String,
    /// The text, as plain paragraphs and "- " bullet lines.
    pub text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsentFile {
    version: u32,
    default_locale: String,
    text: BTreeMap<String, String>,
}

fn bundled() -> Option<&'static ConsentFile> {
    static FILE: OnceLock<Option<ConsentFile>> = OnceLock::new();
    FILE.get_or_init(|| serde_json::from_str(BUNDLED).ok())
        .as_ref()
}

impl Consent {
    /// The version joining asks for. A test checks it matches the bundled file.
    pub const CURRENT_VERSION: u32 = 1;

    /// The current text in the language of `locale` (`de-AT` → `de`, chosen
    /// by [`resolve_locale`]), English when that language is not available.
    pub fn current(locale: &str) -> Consent {
        match bundled() {
            Some(file) => {
                let available: Vec<String> = file.text.keys().cloned().collect();
                let locale = resolve_locale(&available, &file.default_locale, locale);
                Consent {
                    version: file.version,
                    locale: locale.to_owned(),
                    text: file.text.get(locale).cloned().unwrap_or_default(),
                }
            }
            None => Consent {
                version: 0,
                locale: "en".into(),
                text: String::new(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_text_is_the_current_version_in_every_language() {
        for locale in ["en", "de-DE", "fr_CA", "es"] {
            let consent = Consent::current(locale);
            assert_eq!(consent.version, Consent::CURRENT_VERSION);
            assert!(consent.text.len() > 200, "{locale}");
        }
        assert_eq!(Consent::current("pt-BR").locale, "en");
        assert_eq!(Consent::current("de-AT").locale, "de");
        assert_eq!(Consent::current("fr_FR.UTF-8").locale, "fr");
        assert_eq!(Consent::current(" ES ").locale, "es");
    }

    #[test]
    fn it_says_what_is_shared_and_that_nobody_watches_in_real_time() {
        let text = Consent::current("en").text;
        assert!(text.contains("not a crisis service"));
        assert!(text.contains("private never leaves this phone"));
        assert!(text.contains("erase everything"));
    }
}
