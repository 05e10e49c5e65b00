//! The check-in form as a screen draws it: an instrument in one language,
//! and what a half-filled form still needs.
//!
//! The apps used to build this from the instrument themselves, and counted
//! the note three different ways; now the screen asks here what to draw and
//! whether send may be on, and the answer is the one the core applies when
//! the check-in is recorded ([`super::CheckInDraft::validate`]).

use super::checkin::{Answers, note_length};
use super::instrument::{Instrument, InstrumentRef, Instruments};
use crate::error::ValidationError;

/// What the check-in screen shows, in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInForm {
    /// The edition the form is for: put it in the draft.
    pub instrument: InstrumentRef,
    /// The language the texts are in (the best available for the one asked).
    pub locale: String,
    /// Short title above the items.
    pub title: String,
    /// The rated statements, in the order they are shown.
    pub items: Vec<FormItem>,
    /// The invitation to write a note.
    pub note_prompt: String,
    /// Longest note accepted, counted by [`note_length`].
    pub note_max_chars: usize,
}

/// One rated statement on the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormItem {
    /// The key of its answer (`heard`, `hopeful`, ...).
    pub id: String,
    /// The statement, in the form's language.
    pub prompt: String,
    /// Must be answered before the check-in can be sent.
    pub required: bool,
    /// The points to tap, lowest first.
    pub scale: Vec<ScalePoint>,
}

/// One point of an item's scale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalePoint {
    /// The rating it records.
    pub value: u8,
    /// Its words ("Not at all" ... "Completely").
    pub label: String,
}

/// What a partly filled form still needs, for the send button and the hint
/// beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormProgress {
    /// Required items not answered yet, in form order.
    pub missing: Vec<String>,
    /// The note's length as the limit counts it ([`note_length`]).
    pub note_length: usize,
    /// The note is over the limit.
    pub note_too_long: bool,
    /// Nothing is missing and the note fits: send may be on.
    pub ready: bool,
}

impl CheckInForm {
    /// The form of `instrument` in the best available language for `locale`.
    pub fn new(instrument: &Instrument, locale: &str) -> CheckInForm {
        let locale = instrument.resolve_locale(locale).to_owned();
        let text = |texts: &super::Localized| texts.get(&locale).cloned().unwrap_or_default();
        CheckInForm {
            instrument: instrument.reference.clone(),
            title: text(&instrument.title),
            items: instrument
                .items
                .iter()
                .map(|item| {
                    let labels = item.scale.labels.get(&locale);
                    FormItem {
                        id: item.id.clone(),
                        prompt: text(&item.prompt),
                        required: item.required,
                        scale: (item.scale.min..=item.scale.max)
                            .enumerate()
                            .map(|(i, value)| ScalePoint {
                                value,
                                label: labels
                                    .and_then(|l| l.get(i))
                                    .cloned()
                                    .unwrap_or_else(|| value.to_string()),
                            })
                            .collect(),
                    }
                })
                .collect(),
            note_prompt: text(&instrument.note.prompt),
            note_max_chars: instrument.note.max_chars,
            locale,
        }
    }

    /// The form of `edition` in the best available language for `locale`:
    /// how to show a stored check-in with the words its client rated, which
    /// are the words of the edition it answered, not today's. Fails with
    /// [`ValidationError::UnknownInstrument`] for an edition this app does
    /// not have.
    pub fn of_edition(
        instruments: &Instruments,
        edition: &InstrumentRef,
        locale: &str,
    ) -> Result<CheckInForm, ValidationError> {
        instruments
            .get(edition)
            .map(|instrument| CheckInForm::new(instrument, locale))
            .ok_or_else(|| ValidationError::UnknownInstrument {
                instrument: edition.clone(),
            })
    }

    /// What the form still needs with `answers` given and `note` typed.
    pub fn progress(&self, answers: &Answers, note: &str) -> FormProgress {
        let missing: Vec<String> = self
            .items
            .iter()
            .filter(|item| item.required && !answers.contains_key(&item.id))
            .map(|item| item.id.clone())
            .collect();
        let note_length = note_length(note);
        let note_too_long = note_length > self.note_max_chars;
        FormProgress {
            ready: missing.is_empty() && !note_too_long,
            missing,
            note_length,
            note_too_long,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Instruments;

    fn form(locale: &str) -> CheckInForm {
        let instruments = Instruments::bundled().unwrap();
        CheckInForm::new(instruments.current().unwrap(), locale)
    }

    #[test]
    fn the_form_has_the_items_in_order_with_their_scales_in_the_language_asked() {
        let en = form("en-GB");
        assert_eq!(en.locale, "en");
        let ids: Vec<_> = en.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["heard", "hopeful", "worked_on", "fit"]);
        let required: Vec<_> = en.items.iter().map(|i| i.required).collect();
        assert_eq!(required, [true, true, false, false]);
        assert_eq!(en.instrument.version, 2);
        assert_eq!(en.items[0].prompt, "Today I felt listened to");
        assert_eq!(
            en.items[1].prompt,
            "Right now I feel hopeful that things can get better"
        );
        let points: Vec<_> = en.items[0].scale.iter().map(|p| p.value).collect();
        assert_eq!(points, [1, 2, 3, 4, 5]);
        assert_eq!(en.items[0].scale[0].label, "Not at all");
        assert_eq!(en.items[0].scale[4].label, "Completely");
        assert!(!en.title.is_empty() && !en.note_prompt.is_empty());
        assert_eq!(en.note_max_chars, 2000);

        let de = form("de_AT.UTF-8");
        assert_eq!(de.locale, "de");
        assert_eq!(
            de.items[0].prompt,
            "Heute hatte ich das Gefühl, dass mir zugehört wurde"
        );
    }

    #[test]
    fn an_earlier_edition_keeps_its_own_words() {
        let instruments = Instruments::bundled().unwrap();
        let v1 = InstrumentRef {
            id: "session-checkin".into(),
            version: 1,
        };
        let form = CheckInForm::of_edition(&instruments, &v1, "fr").unwrap();
        assert_eq!(form.instrument, v1);
        assert_eq!(form.items[1].prompt, "Je repars avec plus d'espoir");
        let en = CheckInForm::of_edition(&instruments, &v1, "en").unwrap();
        assert_eq!(en.items[0].prompt, "I felt heard and understood");
        let unknown = InstrumentRef { version: 9, ..v1 };
        assert!(matches!(
            CheckInForm::of_edition(&instruments, &unknown, "en"),
            Err(ValidationError::UnknownInstrument { .. })
        ));
    }

    #[test]
    fn progress_names_the_required_items_missing_and_the_note_over_the_limit() {
        let form = form("en");
        let empty = form.progress(&Answers::new(), "");
        assert_eq!(empty.missing, ["heard", "hopeful"]);
        assert!(!empty.ready);

        let mut answers: Answers = [("heard".to_owned(), 4)].into();
        answers.insert("fit".into(), 2);
        let one = form.progress(&answers, "");
        assert_eq!(one.missing, ["hopeful"]);
        assert!(!one.ready);

        answers.insert("hopeful".into(), 3);
        let both = form.progress(&answers, "  ");
        assert!(both.missing.is_empty() && both.ready);
        assert_eq!(both.note_length, 0);

        let full = "\u{1F600}".repeat(form.note_max_chars);
        let at_limit = form.progress(&answers, &format!("\n{full} "));
        assert_eq!(at_limit.note_length, form.note_max_chars);
        assert!(at_limit.ready && !at_limit.note_too_long);

        let over = form.progress(&answers, &format!("{full}!"));
        assert!(over.note_too_long && !over.ready);
        assert_eq!(over.note_length, form.note_max_chars + 1);
    }
}
