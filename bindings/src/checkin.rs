//! Check-ins as the app sees them: plain records with ids and dates as text
//! (`YYYY-MM-DD` for session dates, which are days in the client's calendar,
//! not instants) and instants as the platform's own time type.

use std::collections::HashMap;
use std::time::SystemTime;

use chrono::NaiveDate;
use uuid::Uuid;

use crate::error::RapportError;
use crate::goals::{GoalRating, goal_ratings_out, parse_goal_ratings};

/// Names an exact instrument edition.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct InstrumentRef {
    /// Stable identifier, such as `session-checkin`.
    pub id: String,
    /// Edition; wording changes produce a new version.
    pub version: u32,
}

/// Who may read a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum NoteVisibility {
    /// Sent to the therapist with the check-in.
    Shared,
    /// Never leaves the client's device.
    Private,
}

/// A free-text note attached to a check-in.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Note {
    /// What the client wrote.
    pub text: String,
    /// Whether the therapist may see it.
    pub visibility: NoteVisibility,
}

/// What the client submits after a session.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckInDraft {
    /// The instrument edition answered (from `instrument().reference`).
    pub instrument: InstrumentRef,
    /// The day of the session, `YYYY-MM-DD`, in the client's own calendar.
    pub session_date: String,
    /// Ratings by item id, such as `{"heard": 4, "hopeful": 3}`.
    pub answers: HashMap<String, u8>,
    /// An optional note.
    #[uniffi(default = None)]
    pub note: Option<Note>,
    /// "I need support now": the therapist gets an urgent flag with the
    /// check-in, and recording returns crisis resources.
    #[uniffi(default = false)]
    pub support_requested: bool,
    /// "How close am I" to each active goal the client chose to rate
    /// (optional, 0 to 10).
    #[uniffi(default = [])]
    pub goal_ratings: Vec<GoalRating>,
}

/// A stored check-in.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CheckIn {
    /// Stable id (a UUID).
    pub id: String,
    /// The instrument edition answered.
    pub instrument: InstrumentRef,
    /// The day of the session, `YYYY-MM-DD`.
    pub session_date: String,
    /// Ratings by item id.
    pub answers: HashMap<String, u8>,
    /// The note, if any (blank notes are dropped).
    pub note: Option<Note>,
    /// The client asked for support with it.
    pub support_requested: bool,
    /// "How close am I" per rated goal, in goal id order.
    pub goal_ratings: Vec<GoalRating>,
    /// When it was first recorded.
    pub created_at: SystemTime,
    /// When it last changed.
    pub updated_at: SystemTime,
    /// Starts at 1 and grows with every edit.
    pub version: u32,
    /// When the therapist acknowledged this version; unset until then.
    pub seen_at: Option<SystemTime>,
    /// The therapist's reply to it. Only `ClientApp::history` fills it in;
    /// every other method returning a `CheckIn` leaves it unset.
    pub reply: Option<Reply>,
}

/// The therapist's short reply to one check-in (at most 280 characters).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Reply {
    /// Id of the check-in it answers.
    pub record_id: String,
    /// What the therapist wrote.
    pub text: String,
    /// 1 for the first version, one more for each rewrite.
    pub version: u32,
    /// When this version was written.
    pub written_at: SystemTime,
    /// Therapist: whether it can still be rewritten (the client has not
    /// checked in since). Always false on the client's device.
    pub editable: bool,
}

/// What remains of a deleted check-in.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Tombstone {
    /// Id of the deleted check-in.
    pub id: String,
    /// Version of the deletion.
    pub version: u32,
    /// When it was deleted.
    pub deleted_at: SystemTime,
}

/// A check-in as the store holds it: live, or deleted.
// Crosses the FFI by value (uniffi lowers enums field by field), so boxing
// the larger variant would save nothing on the other side.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum CheckInRecord {
    /// A check-in that can be shown and edited.
    Live {
        /// The check-in.
        checkin: CheckIn,
    },
    /// A deleted check-in.
    Deleted {
        /// What remains of it.
        tombstone: Tombstone,
    },
}

/// Where the next history page starts (from the previous page's `next`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryCursor {
    /// Session date of the last check-in on the previous page.
    pub session_date: String,
    /// Its id.
    pub id: String,
}

/// One page of history, newest session first.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryPage {
    /// The check-ins on this page.
    pub checkins: Vec<CheckIn>,
    /// Where the next page starts; unset on the last page.
    pub next: Option<HistoryCursor>,
}

/// What a change waiting to be sent does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OutboxKind {
    /// A new or edited check-in.
    CheckIn,
    /// A deletion.
    Tombstone,
    /// A goal the client shares changed (or was made private).
    Goal,
}

/// A change waiting for the next sync.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OutboxEntry {
    /// The check-in changed.
    pub record_id: String,
    /// Its version after the change.
    pub record_version: u32,
    /// What changed.
    pub kind: OutboxKind,
    /// When the change was made.
    pub queued_at: SystemTime,
    /// How many times sending it has been tried.
    pub attempts: u32,
}

/// Reads a session date given as `YYYY-MM-DD`.
pub(crate) fn parse_session_date(text: &str) -> Result<NaiveDate, RapportError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| RapportError::InvalidCheckIn {
        field: Some("session_date".to_owned()),
        reason: format!("the session date {text:?} is not a date: give it as YYYY-MM-DD"),
    })
}

/// Reads a check-in id.
pub(crate) fn parse_checkin_id(text: &str) -> Result<Uuid, RapportError> {
    Uuid::parse_str(text.trim()).map_err(|_| RapportError::CheckInNotFound {
        reason: format!("{text:?} is not a check-in id"),
    })
}

impl From<InstrumentRef> for rapport_core::InstrumentRef {
    fn from(r: InstrumentRef) -> Self {
        rapport_core::InstrumentRef {
            id: r.id,
            version: r.version,
        }
    }
}

impl From<rapport_core::InstrumentRef> for InstrumentRef {
    fn from(r: rapport_core::InstrumentRef) -> Self {
        InstrumentRef {
            id: r.id,
            version: r.version,
        }
    }
}

impl From<rapport_core::NoteVisibility> for NoteVisibility {
    fn from(v: rapport_core::NoteVisibility) -> Self {
        match v {
            rapport_core::NoteVisibility::Shared => NoteVisibility::Shared,
            rapport_core::NoteVisibility::Private => NoteVisibility::Private,
        }
    }
}

impl From<NoteVisibility> for rapport_core::NoteVisibility {
    fn from(v: NoteVisibility) -> Self {
        match v {
            NoteVisibility::Shared => rapport_core::NoteVisibility::Shared,
            NoteVisibility::Private => rapport_core::NoteVisibility::Private,
        }
    }
}

impl TryFrom<CheckInDraft> for rapport_core::CheckInDraft {
    type Error = RapportError;

    fn try_from(d: CheckInDraft) -> Result<Self, RapportError> {
        Ok(rapport_core::CheckInDraft {
            instrument: d.instrument.into(),
            session_date: parse_session_date(&d.session_date)?,
            answers: d.answers.into_iter().collect(),
            note: d.note.map(|n| rapport_core::Note {
                text: n.text,
                visibility: n.visibility.into(),
            }),
            support_requested: d.support_requested,
            goal_ratings: parse_goal_ratings(d.goal_ratings)?,
        })
    }
}

impl From<rapport_core::CheckIn> for CheckIn {
    fn from(c: rapport_core::CheckIn) -> Self {
        CheckIn {
            id: c.id.to_string(),
            instrument: c.instrument.into(),
            session_date: c.session_date.to_string(),
            answers: c.answers.into_iter().collect(),
            note: c.note.map(|n| Note {
                text: n.text,
                visibility: n.visibility.into(),
            }),
            support_requested: c.support_requested,
            goal_ratings: goal_ratings_out(c.goal_ratings),
            created_at: c.created_at.into(),
            updated_at: c.updated_at.into(),
            version: c.version,
            seen_at: c.seen_at.map(Into::into),
            reply: None,
        }
    }
}

impl From<rapport_core::sync::Reply> for Reply {
    fn from(r: rapport_core::sync::Reply) -> Self {
        Reply {
            record_id: r.record_id.to_string(),
            text: r.text,
            version: r.version,
            written_at: r.written_at.into(),
            editable: r.editable,
        }
    }
}

impl From<rapport_core::Tombstone> for Tombstone {
    fn from(t: rapport_core::Tombstone) -> Self {
        Tombstone {
            id: t.id.to_string(),
            version: t.version,
            deleted_at: t.deleted_at.into(),
        }
    }
}

impl From<rapport_core::CheckInRecord> for CheckInRecord {
    fn from(r: rapport_core::CheckInRecord) -> Self {
        match r {
            rapport_core::CheckInRecord::Live(c) => CheckInRecord::Live { checkin: c.into() },
            rapport_core::CheckInRecord::Deleted(t) => CheckInRecord::Deleted {
                tombstone: t.into(),
            },
        }
    }
}

impl From<rapport_core::HistoryCursor> for HistoryCursor {
    fn from(c: rapport_core::HistoryCursor) -> Self {
        HistoryCursor {
            session_date: c.session_date.to_string(),
            id: c.id.to_string(),
        }
    }
}

impl TryFrom<HistoryCursor> for rapport_core::HistoryCursor {
    type Error = RapportError;

    fn try_from(c: HistoryCursor) -> Result<Self, RapportError> {
        Ok(rapport_core::HistoryCursor {
            session_date: parse_session_date(&c.session_date)?,
            id: parse_checkin_id(&c.id)?,
        })
    }
}

impl From<rapport_core::HistoryPage> for HistoryPage {
    fn from(p: rapport_core::HistoryPage) -> Self {
        HistoryPage {
            checkins: p.checkins.into_iter().map(Into::into).collect(),
            next: p.next.map(Into::into),
        }
    }
}

impl From<rapport_core::OutboxEntry> for OutboxEntry {
    fn from(e: rapport_core::OutboxEntry) -> Self {
        OutboxEntry {
            record_id: e.record_id.to_string(),
            record_version: e.record_version,
            kind: match e.kind {
                rapport_core::OutboxKind::CheckIn => OutboxKind::CheckIn,
                rapport_core::OutboxKind::Tombstone => OutboxKind::Tombstone,
                rapport_core::OutboxKind::Goal => OutboxKind::Goal,
            },
            queued_at: e.queued_at.into(),
            attempts: e.attempts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_date_that_is_not_a_date_points_at_the_date_field() {
        match parse_session_date("23/11/2026") {
            Err(RapportError::InvalidCheckIn { field, .. }) => {
                assert_eq!(field.as_deref(), Some("session_date"))
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(
            parse_session_date("2026-11-23").unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
    }

    #[test]
    fn a_malformed_id_is_reported_as_not_found() {
        assert!(matches!(
            parse_checkin_id("nope"),
            Err(RapportError::CheckInNotFound { .. })
        ));
    }
}
