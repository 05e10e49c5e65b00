//! Bodies of the messages inside envelopes (postcard-encoded).

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::{
    Answers, CheckIn, GoalRatings, GoalWording, InstrumentRef, MAX_EARLIER_TEXTS, NoteVisibility,
    check_goal_text,
};

/// A check-in as the therapist receives it. A private note is never in it,
/// nor the rating of a private goal.
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
    /// "How close am I" (0 to 10) per shared goal, by goal id. Added in the
    /// third layout: bodies without it decode as no goal rated. A rating of
    /// a goal the therapist does not hold (yet) is kept, and shown once the
    /// goal arrives.
    pub goal_ratings: GoalRatings,
}

/// The second layout of [`CheckInBody`] (before goals), still accepted from
/// older clients and in stored rows written before goals existed.
#[derive(Deserialize)]
struct CheckInBodyV2 {
    instrument: InstrumentRef,
    session_date: NaiveDate,
    answers: Answers,
    shared_note: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    support_requested: bool,
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
    /// required items there, the note within its length, goal ratings 0 to
    /// 10 and no more than a client's active goals. Anyone holding
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
            goal_ratings: self.goal_ratings.clone(),
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

    /// What of `checkin` may leave the client's device: its shared note,
    /// and the ratings of the goals in `shared_goals` (those the client
    /// shares now) only.
    pub fn from_checkin(checkin: &CheckIn, shared_goals: &BTreeSet<Uuid>) -> CheckInBody {
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
            goal_ratings: checkin
                .goal_ratings
                .iter()
                .filter(|(goal, _)| shared_goals.contains(goal))
                .map(|(goal, rating)| (*goal, *rating))
                .collect(),
        }
    }

    /// Encodes for an envelope body.
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        postcard::to_allocvec(self).map_err(|e| e.to_string())
    }

    /// Decodes an envelope body: the current layout, or an earlier one.
    ///
    /// postcard is not self-describing, so the layouts are told apart by
    /// whether the bytes hold exactly one of them: each layout must consume
    /// every byte. Each layout adds fields at the end of the one before, so
    /// bytes of one layout leave bytes over in (or run out before the end
    /// of) every other.
    pub fn from_bytes(bytes: &[u8]) -> Result<CheckInBody, String> {
        let current = match postcard::take_from_bytes::<CheckInBody>(bytes) {
            Ok((body, [])) => return Ok(body),
            other => other,
        };
        if let Ok((v2, [])) = postcard::take_from_bytes::<CheckInBodyV2>(bytes) {
            return Ok(CheckInBody {
                instrument: v2.instrument,
                session_date: v2.session_date,
                answers: v2.answers,
                shared_note: v2.shared_note,
                created_at: v2.created_at,
                updated_at: v2.updated_at,
                support_requested: v2.support_requested,
                goal_ratings: GoalRatings::new(),
            });
        }
        match postcard::take_from_bytes::<CheckInBodyV1>(bytes) {
            Ok((v1, [])) => Ok(CheckInBody {
                instrument: v1.instrument,
                session_date: v1.session_date,
                answers: v1.answers,
                shared_note: v1.shared_note,
                created_at: v1.created_at,
                updated_at: v1.updated_at,
                support_requested: false,
                goal_ratings: GoalRatings::new(),
            }),
            _ => Err(match current {
                Ok(_) => "trailing bytes after the check-in".into(),
                Err(e) => e.to_string(),
            }),
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

/// A goal as the therapist receives it. Only a goal the client shares is
/// ever sent; its id and version travel in the message (`record_id`,
/// `record_version`), as a check-in's do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalBody {
    /// The goal in the client's own words, as it reads now.
    pub text: String,
    /// When the current wording was set.
    pub text_set_at: DateTime<Utc>,
    /// Set together in a session, or by the client alone.
    pub set_in_session: bool,
    /// When the client set the goal.
    pub created_at: DateTime<Utc>,
    /// When the client last changed it.
    pub updated_at: DateTime<Utc>,
    /// When the client archived it; `None` while the client works on it.
    pub archived_at: Option<DateTime<Utc>>,
    /// Earlier wordings, oldest first, so the therapist sees how the goal
    /// was put before.
    pub earlier_texts: Vec<GoalWording>,
}

impl GoalBody {
    /// What of `goal` the therapist receives when the client shares it.
    pub fn from_goal(goal: &crate::model::Goal) -> GoalBody {
        GoalBody {
            text: goal.text.clone(),
            text_set_at: goal.text_set_at,
            set_in_session: goal.set_in_session,
            created_at: goal.created_at,
            updated_at: goal.updated_at,
            archived_at: goal.archived_at,
            earlier_texts: goal.earlier_texts.clone(),
        }
    }

    /// Checks a received goal as the client's app checked it: every wording
    /// one line of 1 to 200 characters, trimmed, and no more earlier
    /// wordings than a goal keeps. The dates are the client's to say.
    pub(crate) fn check(&self) -> Result<(), String> {
        let one = |text: &str| match check_goal_text(text) {
            Ok(kept) if kept == text => Ok(()),
            Ok(_) => Err("a goal's words arrived untrimmed".to_string()),
            Err(e) => Err(format!("the goal does not hold: {e}")),
        };
        one(&self.text)?;
        if self.earlier_texts.len() > MAX_EARLIER_TEXTS {
            return Err(format!(
                "a goal with {} earlier wordings (at most {MAX_EARLIER_TEXTS})",
                self.earlier_texts.len()
            ));
        }
        self.earlier_texts.iter().try_for_each(|w| one(&w.text))
    }
}

/// What a [`crate::envelope::MessageKind::Goal`] carries: the goal as it
/// stands, or word that the client no longer shares it. New variants go
/// last (postcard encodes a variant by its index).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum GoalUpdate {
    /// The client shares this goal (new, reworded, archived or shared again).
    Shared(GoalBody),
    /// The client made the goal private: the therapist deletes it and the
    /// ratings of it that it holds.
    Withdrawn,
}

impl GoalUpdate {
    /// Encodes for an envelope body.
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        postcard::to_allocvec(self).map_err(|e| e.to_string())
    }

    /// Decodes an envelope body, which must hold exactly one update and
    /// nothing after it, and checks a shared goal (see [`GoalBody`]'s
    /// checks). Anyone holding the therapist's public card can send one.
    pub fn from_bytes(bytes: &[u8]) -> Result<GoalUpdate, String> {
        let update = match postcard::take_from_bytes::<GoalUpdate>(bytes) {
            Ok((update, [])) => update,
            Ok(_) => return Err("trailing bytes after the goal".into()),
            Err(e) => return Err(format!("goal: {e}")),
        };
        if let GoalUpdate::Shared(body) = &update {
            body.check()?;
        }
        Ok(update)
    }
}
