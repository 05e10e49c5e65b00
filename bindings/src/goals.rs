//! The client's goals as the app sees them: plain records with ids as text
//! (UUIDs) and instants as the platform's own time type. The rules (one to
//! three active, one line of words, ratings 0 to 10) are the core's; this
//! module only carries them across.

use std::time::SystemTime;

use rapport_core::insights as core_insights;
use rapport_core::model::GoalRatings;
use uuid::Uuid;

use crate::error::RapportError;

/// One of the client's goals, on the client's device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Goal {
    /// Stable id (a UUID).
    pub id: String,
    /// The goal in the client's own words, as it reads now.
    pub text: String,
    /// Sent to the therapist, or kept on this device.
    pub shared: bool,
    /// Set together with the therapist in a session, or alone.
    pub set_in_session: bool,
    /// When the goal was set.
    pub created_at: SystemTime,
    /// When it last changed.
    pub updated_at: SystemTime,
    /// When it was archived; unset while active.
    pub archived_at: Option<SystemTime>,
    /// Starts at 1 and grows with every change.
    pub version: u32,
    /// Earlier wordings, oldest first.
    pub earlier_texts: Vec<GoalWording>,
}

/// An earlier wording of a goal, and when it was in use.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GoalWording {
    /// What the goal said.
    pub text: String,
    /// When this wording was set.
    pub set_at: SystemTime,
    /// When it was replaced.
    pub replaced_at: SystemTime,
}

/// "How close am I" to one goal, 0 to 10, given with a check-in.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GoalRating {
    /// The goal's id (from `Goal.id`).
    pub goal_id: String,
    /// 0 (not at all) to 10 (there).
    pub rating: u8,
}

/// One rating of a shared goal, on the therapist's device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GoalRatingPoint {
    /// The client's id for the check-in it came with.
    pub record_id: String,
    /// The session it is about, `YYYY-MM-DD`.
    pub session_date: String,
    /// "How close am I", 0 to 10.
    pub rating: u8,
}

/// One goal a client shares, with its ratings (therapist side).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GoalProgress {
    /// The client's id for the goal.
    pub goal_id: String,
    /// The goal in the client's own words, as it reads now.
    pub text: String,
    /// Earlier wordings, oldest first.
    pub earlier_texts: Vec<GoalWording>,
    /// Set together in a session, or by the client alone.
    pub set_in_session: bool,
    /// When the client set it.
    pub set_at: SystemTime,
    /// When the client archived it; unset while they work on it.
    pub archived_at: Option<SystemTime>,
    /// Its latest ratings by session, oldest first (the chart).
    pub series: Vec<GoalRatingPoint>,
    /// How many times it was rated in all.
    pub total_ratings: u32,
    /// Its first rating; unset before any.
    pub first: Option<u8>,
    /// Its latest rating.
    pub latest: Option<u8>,
    /// `latest - first`: the change since the goal was set.
    pub change_since_set: Option<i16>,
}

/// The core's limits on goals, for screens to draw from (the 0 to
/// `rating_max` cells, "up to three goals") instead of a copy of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct GoalLimits {
    /// The most goals a client works on at once.
    pub max_active: u32,
    /// The longest goal, counted as `note_length` counts.
    pub max_chars: u32,
    /// The top of "how close am I"; the bottom is 0.
    pub rating_max: u8,
}

/// The core's limits on goals (they do not change while the app runs).
#[uniffi::export]
pub fn goal_limits() -> GoalLimits {
    let saturate = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    GoalLimits {
        max_active: saturate(rapport_core::model::MAX_ACTIVE_GOALS),
        max_chars: saturate(rapport_core::model::GOAL_MAX_CHARS),
        rating_max: rapport_core::model::GOAL_RATING_MAX,
    }
}

/// Reads a goal id.
pub(crate) fn parse_goal_id(text: &str) -> Result<Uuid, RapportError> {
    Uuid::parse_str(text.trim()).map_err(|_| RapportError::GoalNotFound {
        reason: format!("{text:?} is not a goal id: refresh the list of goals and pick again"),
    })
}

/// Reads a check-in's goal ratings; the core checks their range and which
/// goals may be rated. A goal rated twice keeps its last rating.
pub(crate) fn parse_goal_ratings(ratings: Vec<GoalRating>) -> Result<GoalRatings, RapportError> {
    ratings
        .into_iter()
        .map(|r| {
            let id =
                Uuid::parse_str(r.goal_id.trim()).map_err(|_| RapportError::InvalidCheckIn {
                    field: Some("goal_ratings".to_owned()),
                    reason: format!(
                        "{:?} is not a goal id: rate only the goals the app lists",
                        r.goal_id
                    ),
                })?;
            Ok((id, r.rating))
        })
        .collect()
}

/// A check-in's goal ratings, in goal id order.
pub(crate) fn goal_ratings_out(ratings: GoalRatings) -> Vec<GoalRating> {
    ratings
        .into_iter()
        .map(|(id, rating)| GoalRating {
            goal_id: id.to_string(),
            rating,
        })
        .collect()
}

impl From<rapport_core::model::GoalWording> for GoalWording {
    fn from(w: rapport_core::model::GoalWording) -> Self {
        GoalWording {
            text: w.text,
            set_at: w.set_at.into(),
            replaced_at: w.replaced_at.into(),
        }
    }
}

impl From<rapport_core::model::Goal> for Goal {
    fn from(g: rapport_core::model::Goal) -> Self {
        Goal {
            id: g.id.to_string(),
            text: g.text,
            shared: g.shared,
            set_in_session: g.set_in_session,
            created_at: g.created_at.into(),
            updated_at: g.updated_at.into(),
            archived_at: g.archived_at.map(Into::into),
            version: g.version,
            earlier_texts: g.earlier_texts.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<core_insights::GoalProgress> for GoalProgress {
    fn from(g: core_insights::GoalProgress) -> Self {
        GoalProgress {
            goal_id: g.goal_id.to_string(),
            text: g.text,
            earlier_texts: g.earlier_texts.into_iter().map(Into::into).collect(),
            set_in_session: g.set_in_session,
            set_at: g.set_at.into(),
            archived_at: g.archived_at.map(Into::into),
            series: g
                .series
                .into_iter()
                .map(|p| GoalRatingPoint {
                    record_id: p.record_id.to_string(),
                    session_date: p.session_date.to_string(),
                    rating: p.rating,
                })
                .collect(),
            total_ratings: g.total_ratings,
            first: g.first,
            latest: g.latest,
            change_since_set: g.change_since_set,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limits_are_the_cores() {
        let limits = goal_limits();
        assert_eq!(limits.max_active, 3);
        assert_eq!(limits.max_chars, 200);
        assert_eq!(limits.rating_max, 10);
    }

    #[test]
    fn a_malformed_goal_id_is_a_goal_not_found() {
        assert!(matches!(
            parse_goal_id("nope"),
            Err(RapportError::GoalNotFound { .. })
        ));
    }

    #[test]
    fn a_malformed_rated_goal_id_points_at_goal_ratings() {
        let bad = vec![GoalRating {
            goal_id: "nope".into(),
            rating: 3,
        }];
        match parse_goal_ratings(bad) {
            Err(RapportError::InvalidCheckIn { field, .. }) => {
                assert_eq!(field.as_deref(), Some("goal_ratings"))
            }
            other => panic!("unexpected {other:?}"),
        }
        let id = Uuid::from_u128(7);
        let good = vec![GoalRating {
            goal_id: id.to_string(),
            rating: 10,
        }];
        let parsed = parse_goal_ratings(good).unwrap();
        assert_eq!(parsed[&id], 10);
        assert_eq!(goal_ratings_out(parsed)[0].goal_id, id.to_string());
    }
}
