//! The check-in form as the screens draw it, and what a partly filled one
//! still needs: records mirroring `rapport_core::model::CheckInForm`. The
//! screens ask here, as the client taps and types, instead of counting and
//! checking themselves.

use std::collections::HashMap;

use rapport_core::model as core;

use crate::checkin::InstrumentRef;

/// What the check-in screen shows, in one language.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckInForm {
    /// The edition the form is for: put it in the draft.
    pub instrument: InstrumentRef,
    /// The language of the texts (the best available for the one asked).
    pub locale: String,
    /// Short title above the items.
    pub title: String,
    /// The rated statements, in the order to show them.
    pub items: Vec<FormItem>,
    /// The invitation to write a note.
    pub note_prompt: String,
    /// Longest note accepted, counted as [`note_length`] counts.
    pub note_max_chars: u32,
}

/// One rated statement on the form.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FormItem {
    /// The key of its answer (`heard`, `hopeful`, ...).
    pub id: String,
    /// The statement, in the form's language.
    pub prompt: String,
    /// Must be answered before sending.
    pub required: bool,
    /// The points to tap, lowest first.
    pub scale: Vec<ScalePoint>,
}

/// One point of a rating scale.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScalePoint {
    /// The rating it records.
    pub value: u8,
    /// Its words ("Not at all" ... "Completely").
    pub label: String,
}

/// What a partly filled form still needs.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FormProgress {
    /// Ids of the required items not answered yet, in form order.
    pub missing: Vec<String>,
    /// The note's length as the limit counts it.
    pub note_length: u32,
    /// The note is over the limit.
    pub note_too_long: bool,
    /// Nothing is missing and the note fits: send may be on.
    pub ready: bool,
}

/// What `form` still needs with `answers` tapped and `note` typed: call it
/// on every tap and keystroke (it touches no database).
#[uniffi::export]
pub fn checkin_progress(
    form: CheckInForm,
    answers: HashMap<String, u8>,
    note: String,
) -> FormProgress {
    let answers = answers.into_iter().collect();
    core::CheckInForm::from(form)
        .progress(&answers, &note)
        .into()
}

/// The length of a note as every limit counts it: Unicode scalar values
/// (Kotlin code points, Swift `unicodeScalars`) without the white space
/// around it. Show this beside the note field, not a count of your own.
#[uniffi::export]
pub fn note_length(text: String) -> u32 {
    saturate(core::note_length(&text))
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<core::CheckInForm> for CheckInForm {
    fn from(f: core::CheckInForm) -> Self {
        CheckInForm {
            instrument: f.instrument.into(),
            locale: f.locale,
            title: f.title,
            items: f
                .items
                .into_iter()
                .map(|item| FormItem {
                    id: item.id,
                    prompt: item.prompt,
                    required: item.required,
                    scale: item
                        .scale
                        .into_iter()
                        .map(|p| ScalePoint {
                            value: p.value,
                            label: p.label,
                        })
                        .collect(),
                })
                .collect(),
            note_prompt: f.note_prompt,
            note_max_chars: saturate(f.note_max_chars),
        }
    }
}

impl From<CheckInForm> for core::CheckInForm {
    fn from(f: CheckInForm) -> Self {
        core::CheckInForm {
            instrument: f.instrument.into(),
            locale: f.locale,
            title: f.title,
            items: f
                .items
                .into_iter()
                .map(|item| core::FormItem {
                    id: item.id,
                    prompt: item.prompt,
                    required: item.required,
                    scale: item
                        .scale
                        .into_iter()
                        .map(|p| core::ScalePoint {
                            value: p.value,
                            label: p.label,
                        })
                        .collect(),
                })
                .collect(),
            note_prompt: f.note_prompt,
            note_max_chars: f.note_max_chars as usize,
        }
    }
}

impl From<core::FormProgress> for FormProgress {
    fn from(p: core::FormProgress) -> Self {
        FormProgress {
            missing: p.missing,
            note_length: saturate(p.note_length),
            note_too_long: p.note_too_long,
            ready: p.ready,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> CheckInForm {
        let instruments = rapport_core::Instruments::bundled().unwrap();
        core::CheckInForm::new(instruments.current().unwrap(), "fr-CA").into()
    }

    #[test]
    fn the_form_crosses_the_edge_and_comes_back_unchanged() {
        let form = form();
        assert_eq!(form.locale, "fr");
        let back: core::CheckInForm = form.clone().into();
        assert_eq!(CheckInForm::from(back), form);
    }

    #[test]
    fn progress_and_note_length_are_the_core_rule() {
        let form = form();
        let answers = HashMap::from([("heard".to_owned(), 4)]);
        let progress = checkin_progress(form.clone(), answers, " \u{1F600}x ".into());
        assert_eq!(progress.missing, ["hopeful"]);
        assert_eq!(progress.note_length, 2);
        assert!(!progress.ready);
        assert_eq!(note_length(" \u{1F600}x ".into()), 2);
    }
}
