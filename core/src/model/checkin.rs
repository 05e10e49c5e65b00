//! Check-ins: what a client says about one session, and the rules a check-in
//! must meet before it is stored.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::goal_ratings::{GoalRatings, check_goal_ratings};
use super::instrument::{InstrumentRef, Instruments};
use crate::error::ValidationError;

/// How far back a session date may lie. A check-in is meant to be given right
/// after a session; a date older than this is almost certainly a slip of the
/// date picker, and would silently distort the therapist's trend.
pub const MAX_SESSION_AGE_DAYS: u64 = 366;

/// The length of a note, the one way Rapport counts it: Unicode scalar
/// values (Rust `char`s, Kotlin code points, Swift `unicodeScalars`) of the
/// text with white space trimmed from both ends (Unicode `White_Space`, as
/// [`str::trim`]). Not UTF-16 units, which count an emoji twice, and not
/// grapheme clusters, whose boundaries change with the Unicode version a
/// phone ships: a note that fits on one device must fit on every other.
/// The instrument's `max_chars` and every screen's counter use this.
pub fn note_length(text: &str) -> usize {
    text.trim().chars().count()
}

/// Ratings by item id, such as `{"heard": 4, "hopeful": 3}`.
pub type Answers = BTreeMap<String, u8>;

/// Who may read a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteVisibility {
    /// Sent to the therapist with the check-in.
    Shared,
    /// Never leaves the client's device.
    Private,
}

/// A free-text note attached to a check-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// What the client wrote, trimmed.
    pub text: String,
    /// Whether the therapist may see it.
    pub visibility: NoteVisibility,
}

/// What the client submits: everything except identity and bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInDraft {
    /// The instrument edition answered.
    pub instrument: InstrumentRef,
    /// The day of the session, in the client's own calendar.
    pub session_date: NaiveDate,
    /// Ratings given, by item id.
    pub answers: Answers,
    /// An optional note.
    pub note: Option<Note>,
    /// The client pressed "I need support now". Sent to the therapist with the
    /// check-in (an alert of the highest severity there) and shows the crisis
    /// resources on the client's device straight away.
    #[serde(default)]
    pub support_requested: bool,
    /// "How close am I" per goal, 0 to 10, by goal id: only the client's
    /// active goals (the store checks which those are). Ratings of private
    /// goals never leave the device.
    #[serde(default)]
    pub goal_ratings: GoalRatings,
}

/// A stored check-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckIn {
    /// Stable id (UUID v7, so ids sort by creation time).
    pub id: Uuid,
    /// The instrument edition answered.
    pub instrument: InstrumentRef,
    /// The day of the session, in the client's own calendar.
    pub session_date: NaiveDate,
    /// Ratings, by item id.
    pub answers: Answers,
    /// An optional note (blank notes are dropped).
    pub note: Option<Note>,
    /// The client asked for support with this check-in.
    #[serde(default)]
    pub support_requested: bool,
    /// "How close am I" per goal, 0 to 10, by goal id.
    #[serde(default)]
    pub goal_ratings: GoalRatings,
    /// When the check-in was first recorded.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Starts at 1 and grows with every edit, so devices can tell which copy is newer.
    pub version: u32,
    /// When the therapist acknowledged this version, as their receipt says;
    /// `None` until then (and again after an edit, until they see the new one).
    pub seen_at: Option<DateTime<Utc>>,
}

/// What remains of a deleted check-in: enough for other devices to delete
/// their copy, nothing of what it said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    /// Id of the deleted check-in.
    pub id: Uuid,
    /// Version of the deletion (one more than the last live version).
    pub version: u32,
    /// When it was deleted.
    pub deleted_at: DateTime<Utc>,
}

/// A check-in as the store holds it: live, or deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckInRecord {
    /// A check-in that can be shown and edited.
    Live(CheckIn),
    /// A deleted check-in.
    Deleted(Tombstone),
}

impl CheckInDraft {
    /// Checks the draft against its instrument and today's date, and returns it
    /// normalised (note trimmed, blank note dropped). Goal ratings are checked
    /// on their own (0 to 10, no more than a client's active goals); which
    /// goals they may rate is checked by the store, which knows them.
    ///
    /// `now` is the current instant; the session date may be up to one day past
    /// today's UTC date, because a client east of Greenwich is already living in
    /// tomorrow.
    pub fn validate(
        mut self,
        instruments: &Instruments,
        now: DateTime<Utc>,
    ) -> Result<CheckInDraft, ValidationError> {
        let instrument = instruments.get(&self.instrument).ok_or_else(|| {
            ValidationError::UnknownInstrument {
                instrument: self.instrument.clone(),
            }
        })?;

        for (item_id, &value) in &self.answers {
            let item = instrument
                .item(item_id)
                .ok_or_else(|| ValidationError::UnknownItem {
                    instrument: self.instrument.clone(),
                    item: item_id.clone(),
                })?;
            if !item.accepts(value) {
                return Err(ValidationError::RatingOutOfRange {
                    item: item_id.clone(),
                    value: i64::from(value),
                    min: item.scale.min,
                    max: item.scale.max,
                });
            }
        }
        check_goal_ratings(&self.goal_ratings)?;
        if let Some(missing) = instrument
            .items
            .iter()
            .find(|item| item.required && !self.answers.contains_key(&item.id))
        {
            return Err(ValidationError::RequiredItemMissing {
                item: missing.id.clone(),
            });
        }

        if let Some(note) = self.note.take() {
            let text = note.text.trim();
            let chars = note_length(text);
            if chars > instrument.note.max_chars {
                return Err(ValidationError::NoteTooLong {
                    chars,
                    max: instrument.note.max_chars,
                });
            }
            if chars > 0 {
                self.note = Some(Note {
                    text: text.to_owned(),
                    visibility: note.visibility,
                });
            }
        }

        let today = now.date_naive();
        let latest = today + Days::new(1);
        if self.session_date > latest {
            return Err(ValidationError::SessionDateInFuture {
                date: self.session_date,
            });
        }
        let earliest = today - Days::new(MAX_SESSION_AGE_DAYS);
        if self.session_date < earliest {
            return Err(ValidationError::SessionDateTooOld {
                date: self.session_date,
                earliest,
            });
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 18, 30, 0).unwrap()
    }

    fn draft() -> CheckInDraft {
        CheckInDraft {
            instrument: InstrumentRef {
                id: "session-checkin".into(),
                version: 1,
            },
            session_date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            answers: [("heard".to_owned(), 4), ("hopeful".to_owned(), 2)].into(),
            note: None,
            support_requested: false,
            goal_ratings: GoalRatings::new(),
        }
    }

    fn check(d: CheckInDraft) -> Result<CheckInDraft, ValidationError> {
        d.validate(&Instruments::bundled().unwrap(), now())
    }

    #[test]
    fn a_two_tap_checkin_is_valid() {
        assert_eq!(check(draft()).unwrap(), draft());
    }

    #[test]
    fn optional_items_and_a_note_are_accepted() {
        let mut d = draft();
        d.answers.insert("worked_on".into(), 5);
        d.answers.insert("fit".into(), 1);
        d.note = Some(Note {
            text: "  We talked about my sister.\n".into(),
            visibility: NoteVisibility::Private,
        });
        let ok = check(d).unwrap();
        assert_eq!(ok.note.unwrap().text, "We talked about my sister.");
    }

    #[test]
    fn a_blank_note_is_dropped_rather_than_stored() {
        let mut d = draft();
        d.note = Some(Note {
            text: " \n\t ".into(),
            visibility: NoteVisibility::Shared,
        });
        assert_eq!(check(d).unwrap().note, None);
    }

    #[test]
    fn unknown_instrument_is_refused() {
        let mut d = draft();
        d.instrument.version = 9;
        let err = check(d).unwrap_err();
        assert!(matches!(err, ValidationError::UnknownInstrument { .. }));
        assert!(err.to_string().contains("session-checkin v9"));
    }

    #[test]
    fn unknown_item_is_refused_by_name() {
        let mut d = draft();
        d.answers.insert("mood".into(), 3);
        assert_eq!(
            check(d).unwrap_err(),
            ValidationError::UnknownItem {
                instrument: draft().instrument,
                item: "mood".into()
            }
        );
    }

    #[test]
    fn ratings_outside_the_scale_are_refused_at_both_ends() {
        for bad in [0, 6, 255] {
            let mut d = draft();
            d.answers.insert("hopeful".into(), bad);
            let err = check(d).unwrap_err();
            assert_eq!(
                err,
                ValidationError::RatingOutOfRange {
                    item: "hopeful".into(),
                    value: i64::from(bad),
                    min: 1,
                    max: 5
                }
            );
            assert!(err.to_string().contains("choose a value from 1 to 5"));
        }
        for edge in [1, 5] {
            let mut d = draft();
            d.answers.insert("hopeful".into(), edge);
            assert!(check(d).is_ok());
        }
    }

    #[test]
    fn each_required_item_must_be_answered() {
        for item in ["heard", "hopeful"] {
            let mut d = draft();
            d.answers.remove(item);
            assert_eq!(
                check(d).unwrap_err(),
                ValidationError::RequiredItemMissing { item: item.into() }
            );
        }
    }

    #[test]
    fn a_note_over_the_limit_is_refused_and_one_at_it_accepted() {
        let mut d = draft();
        d.note = Some(Note {
            text: "é".repeat(2000),
            visibility: NoteVisibility::Shared,
        });
        assert!(check(d.clone()).is_ok());
        d.note.as_mut().unwrap().text.push('x');
        assert_eq!(
            check(d).unwrap_err(),
            ValidationError::NoteTooLong {
                chars: 2001,
                max: 2000
            }
        );
    }

    #[test]
    fn a_note_is_as_long_as_its_scalar_values_without_the_white_space_around_it() {
        assert_eq!(note_length("  fine \n"), 4);
        // An emoji outside the BMP is one (two UTF-16 units); "e" with a
        // combining accent is two (one grapheme); a flag is two.
        assert_eq!(note_length("\u{1F600}"), 1);
        assert_eq!(note_length("e\u{301}"), 2);
        assert_eq!(note_length("\u{1F1EC}\u{1F1E7}"), 2);
        // A no-break space is white space too, at either end.
        assert_eq!(note_length("\u{a0}ok\u{3000}"), 2);
        // The limit counts the same way: 2000 emoji fit, 2001 do not.
        let mut d = draft();
        d.note = Some(Note {
            text: format!(" {} ", "\u{1F600}".repeat(2000)),
            visibility: NoteVisibility::Private,
        });
        assert!(check(d.clone()).is_ok());
        d.note.as_mut().unwrap().text = format!(" {}", "\u{1F600}".repeat(2001));
        assert!(matches!(
            check(d).unwrap_err(),
            ValidationError::NoteTooLong { chars: 2001, .. }
        ));
    }

    #[test]
    fn a_refused_check_in_names_the_control_to_point_at() {
        let mut d = draft();
        d.answers.insert("hopeful".into(), 9);
        assert_eq!(check(d).unwrap_err().field(), "hopeful");
        let mut d = draft();
        d.answers.insert("mood".into(), 3);
        assert_eq!(check(d).unwrap_err().field(), "mood");
        let mut d = draft();
        d.answers.remove("heard");
        assert_eq!(check(d).unwrap_err().field(), "heard");
        let mut d = draft();
        d.note = Some(Note {
            text: "x".repeat(2001),
            visibility: NoteVisibility::Shared,
        });
        assert_eq!(check(d).unwrap_err().field(), "note");
        let mut d = draft();
        d.session_date = now().date_naive() + Days::new(5);
        assert_eq!(check(d).unwrap_err().field(), "session_date");
        let mut d = draft();
        d.instrument.version = 9;
        assert_eq!(check(d).unwrap_err().field(), "instrument");
    }

    #[test]
    fn goal_ratings_are_checked_with_the_check_in() {
        let goal = uuid::Uuid::from_u128(7);
        let mut d = draft();
        d.goal_ratings.insert(goal, 10);
        assert_eq!(check(d.clone()).unwrap().goal_ratings[&goal], 10);
        d.goal_ratings.insert(goal, 11);
        let err = check(d).unwrap_err();
        assert_eq!(err.field(), "goal_ratings");
        assert!(err.to_string().contains("from 0 to 10"), "{err}");
    }

    #[test]
    fn implausible_session_dates_are_refused() {
        let today = now().date_naive();
        let mut d = draft();
        d.session_date = today + Days::new(1);
        assert!(
            check(d.clone()).is_ok(),
            "tomorrow in UTC is today in Auckland"
        );
        d.session_date = today + Days::new(2);
        assert!(matches!(
            check(d.clone()).unwrap_err(),
            ValidationError::SessionDateInFuture { .. }
        ));
        d.session_date = today - Days::new(MAX_SESSION_AGE_DAYS);
        assert!(check(d.clone()).is_ok());
        d.session_date = today - Days::new(MAX_SESSION_AGE_DAYS + 1);
        assert!(matches!(
            check(d).unwrap_err(),
            ValidationError::SessionDateTooOld { .. }
        ));
    }
}
