//! Goals the client owns: one to three at a time, in the client's own words,
//! each shared with the therapist or kept on the phone, and rated "how close
//! am I" from 0 to 10 in a check-in (one tap, in the style of goal-based
//! outcome ratings).
//!
//! The rules live here, once, so every front end refuses the same input with
//! the same error: a goal is one line of 1 to [`GOAL_MAX_CHARS`] characters
//! (counted as [`super::note_length`] counts a note); at most
//! [`MAX_ACTIVE_GOALS`] are active; an archived goal stays as it was, with
//! its ratings, and frees its place; every change makes a new version, and
//! the earlier wordings are kept so the therapist can see how a goal was put
//! before. Sharing can change at any time, archived or not: it is the
//! client's to decide.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::checkin::note_length;
use super::goal_ratings::MAX_ACTIVE_GOALS;
use crate::error::GoalError;

/// Longest goal accepted, in characters: a sentence, not a plan.
pub const GOAL_MAX_CHARS: usize = 200;

/// How many earlier wordings a goal keeps (the oldest go first). Enough to
/// see how a goal was put over a long therapy; few enough that a goal always
/// fits in one envelope.
pub const MAX_EARLIER_TEXTS: usize = 20;

/// Checks a goal as typed and returns it trimmed, or why it is refused. Apps
/// may call it on every keystroke; setting and editing a goal call it again,
/// and so does a therapist's device for every goal it receives.
pub fn check_goal_text(text: &str) -> Result<String, GoalError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(GoalError::EmptyText);
    }
    let given = note_length(text);
    if given > GOAL_MAX_CHARS {
        return Err(GoalError::TextTooLong {
            max: GOAL_MAX_CHARS,
            given,
        });
    }
    if let Some(index) = text.chars().position(char::is_control) {
        return Err(GoalError::ControlCharacter {
            position: index + 1,
        });
    }
    Ok(text.to_owned())
}

/// What the client sets: the words, and who may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalDraft {
    /// The goal in the client's own words.
    pub text: String,
    /// Sent to the therapist (`true`), or kept on this device.
    pub shared: bool,
    /// Set together with the therapist in a session (`true`), or alone.
    pub set_in_session: bool,
}

/// An earlier wording of a goal, and when it was in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalWording {
    /// What the goal said.
    pub text: String,
    /// When this wording was set.
    pub set_at: DateTime<Utc>,
    /// When it was replaced.
    pub replaced_at: DateTime<Utc>,
}

/// One of the client's goals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    /// Stable id (UUID v7).
    pub id: Uuid,
    /// The goal in the client's own words, as it reads now.
    pub text: String,
    /// When the current wording was set.
    pub text_set_at: DateTime<Utc>,
    /// Sent to the therapist, or kept on this device.
    pub shared: bool,
    /// Set together with the therapist in a session, or alone.
    pub set_in_session: bool,
    /// When the goal was set.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was archived; `None` while active.
    pub archived_at: Option<DateTime<Utc>>,
    /// Starts at 1 and grows with every change, so devices can tell which
    /// copy is newer.
    pub version: u32,
    /// Earlier wordings, oldest first (at most [`MAX_EARLIER_TEXTS`]).
    pub earlier_texts: Vec<GoalWording>,
}

impl Goal {
    /// A new goal from `draft`, when the client has `active` goals already.
    pub fn new(draft: GoalDraft, active: usize, now: DateTime<Utc>) -> Result<Goal, GoalError> {
        let text = check_goal_text(&draft.text)?;
        if active >= MAX_ACTIVE_GOALS {
            return Err(GoalError::TooManyActive {
                max: MAX_ACTIVE_GOALS,
            });
        }
        Ok(Goal {
            id: Uuid::now_v7(),
            text,
            text_set_at: now,
            shared: draft.shared,
            set_in_session: draft.set_in_session,
            created_at: now,
            updated_at: now,
            archived_at: None,
            version: 1,
            earlier_texts: Vec::new(),
        })
    }

    /// Whether the goal is one the client works on now.
    pub fn is_active(&self) -> bool {
        self.archived_at.is_none()
    }

    /// Rewords the goal, keeping the wording it replaces. Returns whether
    /// anything changed (the same words change nothing).
    pub fn reword(&mut self, text: &str, now: DateTime<Utc>) -> Result<bool, GoalError> {
        if !self.is_active() {
            return Err(GoalError::Archived { id: self.id });
        }
        let text = check_goal_text(text)?;
        if text == self.text {
            return Ok(false);
        }
        let before = std::mem::replace(&mut self.text, text);
        self.earlier_texts.push(GoalWording {
            text: before,
            set_at: self.text_set_at,
            replaced_at: now,
        });
        if self.earlier_texts.len() > MAX_EARLIER_TEXTS {
            let over = self.earlier_texts.len() - MAX_EARLIER_TEXTS;
            self.earlier_texts.drain(..over);
        }
        self.text_set_at = now;
        self.touch(now);
        Ok(true)
    }

    /// Shares the goal with the therapist, or keeps it on this device from
    /// now on. Allowed on an archived goal too. Returns whether anything
    /// changed.
    pub fn set_shared(&mut self, shared: bool, now: DateTime<Utc>) -> bool {
        if self.shared == shared {
            return false;
        }
        self.shared = shared;
        self.touch(now);
        true
    }

    /// Archives the goal: it stays, read-only, with its ratings, and frees
    /// its place. Returns whether anything changed (archiving twice does
    /// nothing).
    pub fn archive(&mut self, now: DateTime<Utc>) -> bool {
        if !self.is_active() {
            return false;
        }
        self.archived_at = Some(now);
        self.touch(now);
        true
    }

    fn touch(&mut self, now: DateTime<Utc>) {
        self.updated_at = now;
        self.version += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 18, 30, 0).unwrap()
    }

    fn draft(text: &str) -> GoalDraft {
        GoalDraft {
            text: text.into(),
            shared: true,
            set_in_session: false,
        }
    }

    #[test]
    fn a_goal_is_trimmed_and_starts_at_version_one() {
        let goal = Goal::new(draft("  Walk to the shop on my own \n"), 0, now()).unwrap();
        assert_eq!(goal.text, "Walk to the shop on my own");
        assert_eq!((goal.version, goal.created_at), (1, now()));
        assert!(goal.is_active() && goal.shared && goal.earlier_texts.is_empty());
    }

    #[test]
    fn empty_long_and_control_texts_are_refused_and_the_limit_is_counted_like_a_note() {
        for blank in ["", "  ", "\n\t"] {
            assert_eq!(check_goal_text(blank), Err(GoalError::EmptyText));
        }
        let at_limit = "\u{1F600}".repeat(GOAL_MAX_CHARS);
        assert!(check_goal_text(&format!(" {at_limit} ")).is_ok());
        assert_eq!(
            check_goal_text(&format!("{at_limit}x")),
            Err(GoalError::TextTooLong {
                max: GOAL_MAX_CHARS,
                given: GOAL_MAX_CHARS + 1
            })
        );
        assert_eq!(
            check_goal_text("Sleep\nbetter"),
            Err(GoalError::ControlCharacter { position: 6 })
        );
        assert_eq!(
            check_goal_text("a\u{1b}[2Jb").unwrap_err().code(),
            "goal_control_character"
        );
    }

    #[test]
    fn at_most_three_goals_are_active() {
        assert!(Goal::new(draft("one more"), MAX_ACTIVE_GOALS - 1, now()).is_ok());
        let err = Goal::new(draft("one too many"), MAX_ACTIVE_GOALS, now()).unwrap_err();
        assert_eq!(
            err,
            GoalError::TooManyActive {
                max: MAX_ACTIVE_GOALS
            }
        );
        assert!(err.to_string().contains("archive one"));
        // A bad text is refused for what it is, whatever the count.
        assert_eq!(
            Goal::new(draft(" "), MAX_ACTIVE_GOALS, now()),
            Err(GoalError::EmptyText)
        );
    }

    #[test]
    fn rewording_keeps_the_earlier_wording_with_its_dates_and_a_new_version() {
        let mut goal = Goal::new(draft("Sleep better"), 0, now()).unwrap();
        let later = now() + Duration::days(14);
        assert!(goal.reword("Sleep seven hours most nights", later).unwrap());
        assert_eq!(goal.text, "Sleep seven hours most nights");
        assert_eq!((goal.version, goal.updated_at), (2, later));
        assert_eq!(goal.created_at, now());
        assert_eq!(
            goal.earlier_texts,
            [GoalWording {
                text: "Sleep better".into(),
                set_at: now(),
                replaced_at: later
            }]
        );
        // The same words again change nothing.
        assert!(
            !goal
                .reword(" Sleep seven hours most nights ", later)
                .unwrap()
        );
        assert_eq!(goal.version, 2);
        // A refused wording leaves the goal as it was.
        assert!(goal.reword("", later).is_err());
        assert_eq!(goal.version, 2);
    }

    #[test]
    fn only_the_latest_earlier_wordings_are_kept() {
        let mut goal = Goal::new(draft("wording 0"), 0, now()).unwrap();
        for i in 1..=MAX_EARLIER_TEXTS + 5 {
            goal.reword(&format!("wording {i}"), now() + Duration::hours(i as i64))
                .unwrap();
        }
        assert_eq!(goal.earlier_texts.len(), MAX_EARLIER_TEXTS);
        assert_eq!(goal.earlier_texts[0].text, "wording 5");
        assert_eq!(goal.version, 1 + MAX_EARLIER_TEXTS as u32 + 5);
    }

    #[test]
    fn an_archived_goal_stays_as_it_was_but_its_sharing_can_change() {
        let mut goal = Goal::new(draft("Call my sister"), 0, now()).unwrap();
        assert!(goal.archive(now()));
        assert!(!goal.is_active());
        assert_eq!(goal.version, 2);
        assert!(!goal.archive(now()), "archiving twice does nothing");
        assert_eq!(
            goal.reword("Call my brother", now()),
            Err(GoalError::Archived { id: goal.id })
        );
        assert!(goal.set_shared(false, now()));
        assert_eq!((goal.shared, goal.version), (false, 3));
        assert!(!goal.set_shared(false, now()));
    }
}
