//! The client's usual range: the one definition every flag and the brief
//! use.
//!
//! A single 1–5 rating moves a point from one week to the next for no
//! reason a therapist could act on, so "unusual" is judged against the
//! client's own recent ratings, not against a population: the median and
//! middle spread (lower to upper quartile) of the item over the client's
//! latest check-ins (at most `usual_range_sessions`, at least
//! [`MIN_SESSIONS`]), widened to at least one point either side of the
//! median. Until there are enough check-ins, the instrument's scale gives
//! the default: clients rate sessions near the top, so the top three points
//! with the second highest as the median.

use serde::{Deserialize, Serialize};

use super::sentences::{Arg, Sentence};
use crate::model::Scale;

/// Fewer check-ins than this give no usual range of the client's own.
pub const MIN_SESSIONS: usize = 4;

/// Where an item's ratings usually lie for one client.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct UsualRange {
    /// Lowest usual rating.
    pub low: u8,
    /// The median rating (may be a half point).
    pub median: f32,
    /// Highest usual rating.
    pub high: u8,
    /// How many check-ins it was taken from; 0 for the instrument's default.
    pub sessions: u32,
}

impl UsualRange {
    /// The range of `ratings` (oldest first; only the latest `window` count),
    /// or the scale's default when there are fewer than [`MIN_SESSIONS`].
    pub fn of(ratings: &[u8], window: usize, scale: &Scale) -> UsualRange {
        let recent = &ratings[ratings.len().saturating_sub(window.max(MIN_SESSIONS))..];
        if recent.len() < MIN_SESSIONS {
            return UsualRange::default_for(scale);
        }
        let mut sorted = recent.to_vec();
        sorted.sort_unstable();
        let n = sorted.len();
        let median = if n % 2 == 1 {
            f32::from(sorted[n / 2])
        } else {
            (f32::from(sorted[n / 2 - 1]) + f32::from(sorted[n / 2])) / 2.0
        };
        // Quartiles by nearest rank: ratings are whole points.
        let q1 = sorted[(n - 1) / 4];
        let q3 = sorted[(3 * (n - 1)).div_ceil(4)];
        let floor = (median.floor() as u8).saturating_sub(1).max(scale.min);
        let ceil = (median.ceil() as u8).saturating_add(1).min(scale.max);
        UsualRange {
            low: q1.min(floor),
            median,
            high: q3.max(ceil),
            sessions: n as u32,
        }
    }

    /// The default before a client has enough check-ins.
    pub fn default_for(scale: &Scale) -> UsualRange {
        let median = scale.max.saturating_sub(1).max(scale.min);
        UsualRange {
            low: scale.max.saturating_sub(2).max(scale.min),
            median: f32::from(median),
            high: scale.max,
            sessions: 0,
        }
    }

    /// Whether `rating` lies below the range.
    pub fn is_below(&self, rating: u8) -> bool {
        rating < self.low
    }

    /// Whether `rating` lies within (or above) the range.
    pub fn holds(&self, rating: u8) -> bool {
        rating >= self.low
    }

    /// "4–5 over the last four sessions" (or "…, the default until there
    /// are 4 check-ins" when it is not the client's own).
    pub fn describe(&self) -> Sentence {
        let range = Arg::Span(self.low, self.high);
        if self.sessions == 0 {
            Sentence::new(
                "usual.default",
                [("range", range), ("n", Arg::Number(MIN_SESSIONS as i64))],
            )
        } else {
            Sentence::new(
                "usual.range",
                [
                    ("range", range),
                    ("sessions", Arg::count("sessions", self.sessions as usize)),
                ],
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scale() -> Scale {
        crate::model::Instruments::bundled()
            .unwrap()
            .latest("session-checkin")
            .unwrap()
            .items[0]
            .scale
            .clone()
    }

    #[test]
    fn too_few_checkins_give_the_instruments_default() {
        let r = UsualRange::of(&[2, 2, 2], 8, &scale());
        assert_eq!((r.low, r.median, r.high, r.sessions), (3, 4.0, 5, 0));
        assert!(r.describe().render("en").contains("default"));
    }

    #[test]
    fn a_steady_client_has_a_range_one_point_either_side() {
        let r = UsualRange::of(&[4, 4, 4, 4], 8, &scale());
        assert_eq!((r.low, r.median, r.high, r.sessions), (3, 4.0, 5, 4));
        assert!(r.is_below(2) && r.holds(3));
        let top = UsualRange::of(&[5; 6], 8, &scale());
        assert_eq!((top.low, top.high), (4, 5));
        assert!(top.is_below(3));
    }

    #[test]
    fn the_middle_spread_of_a_noisy_client_widens_it() {
        let r = UsualRange::of(&[2, 5, 3, 5, 4, 2, 5, 4], 8, &scale());
        // Sorted 2 2 3 4 4 5 5 5: median 4, q1 2, q3 5.
        assert_eq!((r.low, r.median, r.high), (2, 4.0, 5));
    }

    #[test]
    fn only_the_latest_window_counts() {
        let mut ratings = vec![1; 20];
        ratings.extend([5, 5, 5, 5]);
        let r = UsualRange::of(&ratings, 4, &scale());
        assert_eq!((r.low, r.median, r.sessions), (4, 5.0, 4));
        let wide = UsualRange::of(&ratings, 8, &scale());
        assert_eq!((wide.low, wide.median), (1, 3.0));
    }
}
