//! The consent text a client accepts when joining a therapist: versioned,
//! localised data, so a change of wording is a new version and the version
//! each client accepted is on record (in their account).
//!
//! Version 2 says what version 1 left out or promised wrongly: what the
//! relay sees and how long it keeps messages, that flags and trends are
//! computed, what pause, leave and erase do and what stays with the
//! therapist, and no promise that the therapist reads before the next
//! session. `consent/consent.v1.json` is kept as the record of what earlier
//! clients accepted. A client who accepted an older version is asked again
//! before the next check-in (`Store::consent_status`, `Store::accept_consent`);
//! nothing they recorded or queued is touched meanwhile.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::instrument::resolve_locale;

const BUNDLED: &str = include_str!("../../consent/consent.v2.json");

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
    /// The version joining (and recording, once joined) asks for. A test
    /// checks it matches the bundled file.
    pub const CURRENT_VERSION: u32 = 2;

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

/// Where a client stands with the consent text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentStatus {
    /// The version this client accepted; `None` before joining (or for a
    /// pairing made before versions were kept).
    pub accepted: Option<u32>,
    /// The version this app asks for ([`Consent::CURRENT_VERSION`]).
    pub current: u32,
    /// Whether the client must read and accept the current text before the
    /// next check-in is recorded: true for a joined client who accepted an
    /// older version. (Before joining, the text is accepted by joining.)
    pub must_accept: bool,
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
        assert!(text.contains("Nobody watches check-ins in real time"));
    }

    #[test]
    fn version_2_says_what_version_1_left_out_in_every_language() {
        // One phrase per point the issue found missing, in each language.
        let points: [(&str, [&str; 9]); 4] = [
            (
                "en",
                [
                    "encrypted on this phone",
                    "nobody can promise",
                    "exchange messages, when, and how large",
                    "until the device it is for has fetched and deleted it",
                    "raises flags",
                    "works out trends",
                    "only learns that sharing is paused",
                    "already received stays with them",
                    "cannot reach what your therapist copied",
                ],
            ),
            (
                "de",
                [
                    "verschlüsselt auf diesem Telefon",
                    "niemand kann versprechen",
                    "wann und wie groß",
                    "bis das Empfangsgerät sie abgerufen und gelöscht hat",
                    "zeigt Hinweise an",
                    "berechnet aus Ihren Bewertungen Verläufe",
                    "erfährt nur, dass das Teilen pausiert ist",
                    "bleibt bei Ihrer Therapeutin oder Ihrem Therapeuten",
                    "erreicht das Löschen nicht",
                ],
            ),
            (
                "fr",
                [
                    "stockés chiffrés sur ce téléphone",
                    "personne ne peut promettre",
                    "quand, et quelle est leur taille",
                    "jusqu'à ce que l'appareil destinataire l'ait récupéré et supprimé",
                    "signale des points d'attention",
                    "calcule des tendances",
                    "apprend seulement que le partage est en pause",
                    "déjà reçu reste sur son appareil",
                    "n'atteint pas ce que votre thérapeute a copié",
                ],
            ),
            (
                "es",
                [
                    "cifrados en este teléfono",
                    "nadie puede prometer",
                    "cuándo y de qué tamaño",
                    "hasta que el dispositivo destinatario lo ha recibido y borrado",
                    "muestra avisos",
                    "calcula tendencias",
                    "solo sabe que el envío está en pausa",
                    "ya recibió se queda en su dispositivo",
                    "no alcanza lo que su terapeuta haya copiado",
                ],
            ),
        ];
        for (locale, phrases) in points {
            let consent = Consent::current(locale);
            assert_eq!(consent.locale, locale);
            for phrase in phrases {
                assert!(consent.text.contains(phrase), "{locale}: {phrase:?}");
            }
        }
    }

    #[test]
    fn version_2_makes_none_of_version_1s_promises() {
        for (locale, promises) in [
            (
                "en",
                [
                    "reads check-ins before your next session",
                    "only ever holds unreadable ciphertext",
                ],
            ),
            (
                "de",
                [
                    "werden vor Ihrer nächsten Sitzung gelesen",
                    "speichert nur unlesbaren Geheimtext",
                ],
            ),
            (
                "fr",
                [
                    "lit vos retours avant votre prochaine séance",
                    "ne conserve que des données chiffrées illisibles",
                ],
            ),
            (
                "es",
                [
                    "lee las valoraciones antes de la siguiente sesión",
                    "solo guarda texto cifrado ilegible",
                ],
            ),
        ] {
            let text = Consent::current(locale).text;
            for promise in promises {
                assert!(!text.contains(promise), "{locale}: {promise:?}");
            }
        }
    }

    #[test]
    fn every_language_says_the_same_number_of_things_formally() {
        let bullets = |locale: &str| {
            Consent::current(locale)
                .text
                .lines()
                .filter(|l| l.starts_with("- "))
                .count()
        };
        for locale in ["de", "fr", "es"] {
            assert_eq!(bullets(locale), bullets("en"), "{locale}");
        }
        assert!(Consent::current("de").text.contains("Sie "));
        assert!(Consent::current("fr").text.contains("vous"));
        assert!(Consent::current("es").text.contains("usted"));
    }
}
