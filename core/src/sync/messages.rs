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
}

impl CheckInBody {
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
        }
    }

    /// Encodes for an envelope body.
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        postcard::to_allocvec(self).map_err(|e| e.to_string())
    }

    /// Decodes an envelope body.
    pub fn from_bytes(bytes: &[u8]) -> Result<CheckInBody, String> {
        postcard::from_bytes(bytes).map_err(|e| e.to_string())
    }
}

/// "Your therapist has seen this check-in."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptBody {
    /// When the therapist acknowledged it.
    pub seen_at: DateTime<Utc>,
}
