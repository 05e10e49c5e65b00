//! The questionnaire as the app draws it: every text in every locale, plus
//! the locale the core picked for the one the app asked for.

use std::collections::HashMap;

use crate::checkin::InstrumentRef;

/// A questionnaire: items rated on a scale, plus an optional note.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Instrument {
    /// Which instrument and edition this is (put it in the check-in draft).
    pub reference: InstrumentRef,
    /// The best available locale for the one asked for: an exact match, the
    /// same language (`de-AT` → `de`), or `default_locale`. Every text map
    /// below has this key.
    pub locale: String,
    /// Locale used when the asked one is not available.
    pub default_locale: String,
    /// Every locale the wording is available in.
    pub locales: Vec<String>,
    /// Short title, by locale.
    pub title: HashMap<String, String>,
    /// The items, in the order they are shown.
    pub items: Vec<InstrumentItem>,
    /// The invitation to write a note, by locale.
    pub note_prompt: HashMap<String, String>,
    /// Longest note accepted, in characters.
    pub note_max_chars: u32,
}

/// One rated statement.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct InstrumentItem {
    /// Identifier used as the key in a check-in's answers (`heard`, ...).
    pub id: String,
    /// Whether a check-in must answer it.
    pub required: bool,
    /// The statement the client rates, by locale.
    pub prompt: HashMap<String, String>,
    /// Lowest rating.
    pub scale_min: u8,
    /// Highest rating.
    pub scale_max: u8,
    /// By locale, one label per point from `scale_min` to `scale_max`.
    pub scale_labels: HashMap<String, Vec<String>>,
}

impl Instrument {
    /// The core's instrument, with `wanted` resolved to an available locale.
    pub(crate) fn from_core(i: &rapport_core::Instrument, wanted: &str) -> Instrument {
        Instrument {
            reference: i.reference.clone().into(),
            locale: i.resolve_locale(wanted).to_owned(),
            default_locale: i.default_locale.clone(),
            locales: i.locales.clone(),
            title: i.title.clone().into_iter().collect(),
            items: i
                .items
                .iter()
                .map(|item| InstrumentItem {
                    id: item.id.clone(),
                    required: item.required,
                    prompt: item.prompt.clone().into_iter().collect(),
                    scale_min: item.scale.min,
                    scale_max: item.scale.max,
                    scale_labels: item.scale.labels.clone().into_iter().collect(),
                })
                .collect(),
            note_prompt: i.note.prompt.clone().into_iter().collect(),
            note_max_chars: u32::try_from(i.note.max_chars).unwrap_or(u32::MAX),
        }
    }
}
