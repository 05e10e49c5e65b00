//! "How close am I": the goal ratings a check-in carries, and their limits.
//!
//! Apart from `goals.rs` so a check-in can be checked without knowing what a
//! goal is: which goals a check-in may rate is for the store to say.

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::error::ValidationError;

/// The most goals a client works on at once: enough to say what matters,
/// few enough to rate in a few taps after a session.
pub const MAX_ACTIVE_GOALS: usize = 3;

/// The top of "how close am I": 0 is "not at all", 10 "I am there".
pub const GOAL_RATING_MAX: u8 = 10;

/// Goal ratings of one check-in, by goal id.
pub type GoalRatings = BTreeMap<Uuid, u8>;

/// Checks the goal ratings of a check-in on their own: each 0 to
/// [`GOAL_RATING_MAX`], and no more of them than a client can have active
/// goals.
pub fn check_goal_ratings(ratings: &GoalRatings) -> Result<(), ValidationError> {
    if ratings.len() > MAX_ACTIVE_GOALS {
        return Err(ValidationError::TooManyGoalRatings {
            given: ratings.len(),
            max: MAX_ACTIVE_GOALS,
        });
    }
    match ratings.iter().find(|(_, v)| **v > GOAL_RATING_MAX) {
        Some((goal, &value)) => Err(ValidationError::GoalRatingOutOfRange {
            goal: *goal,
            value,
            max: GOAL_RATING_MAX,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_zero_to_ten_and_at_most_three() {
        let a = Uuid::from_u128(1);
        assert!(check_goal_ratings(&[(a, 0)].into()).is_ok());
        assert!(check_goal_ratings(&[(a, 10)].into()).is_ok());
        assert_eq!(
            check_goal_ratings(&[(a, 11)].into()),
            Err(ValidationError::GoalRatingOutOfRange {
                goal: a,
                value: 11,
                max: 10
            })
        );
        let four: GoalRatings = (1..=4).map(|i| (Uuid::from_u128(i), 5)).collect();
        let err = check_goal_ratings(&four).unwrap_err();
        assert_eq!(
            err,
            ValidationError::TooManyGoalRatings { given: 4, max: 3 }
        );
        assert_eq!(err.field(), "goal_ratings");
    }
}
