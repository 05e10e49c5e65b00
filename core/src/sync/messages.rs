//! Bodies of the messages inside envelopes (postcard-encoded).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Answers, CheckIn, InstrumentRef, NoteVisibility};

/// A check-in as the therapist receives it. A private note is never in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInBody {
    /// The instrument edition answered.
    pub instrument: InstrumentRef,
    /// The day of the session.
    pub session_date: NaiveDate,
    /// Ratings by item id.
    pub answers: Answers,
    /// The note, only when the client chose to share it.
    pub shared_note: Option<String>,
    /// When the client first recorded it.
    pub created_at: DateTime<Utc>,
    /// When the client last changed it.
    pub updated_at: DateTime<Utc>,
    /// The client asked for support with this check-in. Added after the
    /// first envelope format: bodies without it decode as `false`.
    pub support_requested: bool,
}

/// The first layout of [`CheckInBody`], still accepted from older clients
/// (and in stored rows written before the field existed).
#[derive(Deserialize)]
struct CheckInBodyV1 {
    instrument: InstrumentRef,
    session_date: NaiveDate,
    answers: Answers,
    shared_note: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl CheckInBody {
    /// Checks a received body as the client's app checked it when it was
    /// recorded: a known instrument and items, every rating in range, the
    /// required items there, the note within its length. Anyone holding
    /// the therapist's public card can send one, so nothing is assumed.
    /// The dates are the client's to say and are not judged here.
    pub(crate) fn check(&self, instruments: &crate::model::Instruments) -> Result<(), String> {
        let draft = crate::model::CheckInDraft {
            instrument: self.instrument.clone(),
            session_date: self.session_date,
            answers: self.answers.clone(),
            note: self.shared_note.clone().map(|text| crate::model::Note {
                text,
                visibility: crate::model::NoteVisibility::Shared,
            }),
            support_requested: self.support_requested,
        };
        let noon = self
            .session_date
            .and_hms_opt(12, 0, 0)
            .unwrap_or_default()
            .and_utc();
        draft
            .validate(instruments, noon)
            .map(|_| ())
            .map_err(|e| format!("the check-in does not hold: {e}"))
    }

    /// What of `checkin` may leave the client's device.
    pub fn from_checkin(checkin: &CheckIn) -> CheckInBody {
        CheckInBody {
            instrument: checkin.instrument.clone(),
            session_date: checkin.session_date,
            answers: checkin.answers.clone(),
            shared_note: checkin
                .note
                .as_ref()
                .filter(|n| n.visibility == NoteVisibility::Shared)
                .map(|n| n.text.clone()),
            created_at: checkin.created_at,
            updated_at: checkin.updated_at,
            support_requested: checkin.support_requested,
        }
    }

    /// Encodes for an envelope body.
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        postcard::to_allocvec(self).map_err(|e| e.to_string())
    }

    /// Decodes an envelope body: the current layout, or the first one.
    ///
    /// postcard is not self-describing, so the layouts are told apart by
    /// whether the bytes hold exactly one of them: the current layout must
    /// consume every byte, the first one too.
    pub fn from_bytes(bytes: &[u8]) -> Result<CheckInBody, String> {
        match postcard::take_from_bytes::<CheckInBody>(bytes) {
            Ok((body, [])) => Ok(body),
            current => match postcard::take_from_bytes::<CheckInBodyV1>(bytes) {
                Ok((v1, [])) => Ok(CheckInBody {
                    instrument: v1.instrument,
                    session_date: v1.session_date,
                    answers: v1.answers,
                    shared_note: v1.shared_note,
                    created_at: v1.created_at,
                    updated_at: v1.updated_at,
                    support_requested: false,
                }),
                _ => Err(match current {
                    Ok(_) => "trailing bytes after the check-in".into(),
                    Err(e) => e.to_string(),
                }),
            },
        }
    }
}

impl crate::model::Answered for CheckInBody {
    fn edition(&self) -> &InstrumentRef {
        &self.instrument
    }

    fn answers(&self) -> &Answers {
        &self.answers
    }
}

/// "Your therapist has seen this check-in."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptBody {
    /// When the therapist acknowledged it.
    pub seen_at: DateTime<Utc>,
}

/// "I am leaving" (and, with `erase`, "delete everything of mine").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaveBody {
    /// Whether the therapist must delete every check-in of this client.
    pub erase: bool,
    /// When the client decided.
    pub at: DateTime<Utc>,
}

/// "Your therapist ended sharing."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndedBody {
    /// When the therapist ended it.
    pub at: DateTime<Utc>,
}

/// The therapist's reply to one check-in. The message's `record_id` names the
/// check-in; its `record_version` is the reply's own version (1, 2, … as the
/// therapist edits it), so the client keeps only the newest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyBody {
    /// What the therapist wrote (at most [`super::REPLY_MAX_CHARS`] characters).
    pub text: String,
    /// When the therapist wrote this version.
    pub written_at: DateTime<Utc>,
}

/// "I paused sharing" or "I share again": the therapist stops expecting
/// check-ins while the client holds them back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharingBody {
    /// Paused (`true`) or resumed (`false`).
    pub paused: bool,
    /// When the client paused or resumed.
    pub at: DateTime<Utc>,
}
