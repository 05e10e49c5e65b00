//! What the therapist sees of a client's goals: each goal the client shares,
//! with its "how close am I" ratings by session, the first and the latest,
//! and the change since it was set. A goal the client keeps private, or
//! withdrew, is not here, nor are its ratings.
//!
//! Computed with the client's summary (`summary.rs`) from every check-in,
//! and kept with it; the brief's one line about goals is [`goal_line`].

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::sentences::{Arg, Sentence};
use crate::crypto::{RowAddress, RowCipher, RowOpenError};
use crate::error::{Error, StoreError};
use crate::model::{GoalRatings, GoalWording};
use crate::sync::GoalBody;

/// Where a client's goal progress is sealed (`client_insights.goals`).
const TABLE: &str = "client_insights.goals";

/// The layout of the sealed progress: this byte, then the list (postcard).
/// Another layout is never read, only recomputed.
const FORMAT: u8 = 1;

/// Where a client's goal progress is sealed.
pub(crate) fn progress_address(sender: &str) -> RowAddress<'_> {
    RowAddress {
        table: TABLE,
        row_id: sender.as_bytes(),
        version: 1,
        bound: &[],
    }
}

/// Seals a client's goal progress; `None` when they share no goal.
pub(super) fn seal_progress(
    cipher: &RowCipher,
    sender: &str,
    goals: &[GoalProgress],
) -> Result<Option<Vec<u8>>, Error> {
    if goals.is_empty() {
        return Ok(None);
    }
    let plaintext = progress_plaintext(goals)?;
    Ok(Some(cipher.seal(&progress_address(sender), &plaintext)?))
}

/// What [`seal_progress`] encrypts: the layout byte, then the list.
pub(crate) fn progress_plaintext(
    goals: &[GoalProgress],
) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
    let mut plaintext = zeroize::Zeroizing::new(vec![FORMAT]);
    plaintext.extend(
        postcard::to_allocvec(goals).map_err(|e| StoreError::UnreadableRecord {
            table: TABLE,
            row: String::new(),
            detail: e.to_string(),
        })?,
    );
    Ok(plaintext)
}

/// Opens every client's sealed goal progress, by client (one of another
/// layout is left out: it is recomputed, never read).
pub(crate) fn open_progress(
    cipher: &RowCipher,
    sealed: Vec<(String, Vec<u8>)>,
) -> Result<HashMap<String, Vec<GoalProgress>>, Error> {
    let mut out = HashMap::with_capacity(sealed.len());
    for (sender, bytes) in sealed {
        let plaintext =
            zeroize::Zeroizing::new(cipher.open(&progress_address(&sender), &bytes).map_err(
                |e| match e {
                    RowOpenError::Tampered => StoreError::Tampered {
                        table: TABLE,
                        row: sender.clone(),
                    },
                    RowOpenError::Malformed => StoreError::UnreadableRecord {
                        table: TABLE,
                        row: sender.clone(),
                        detail: "sealed value is malformed".into(),
                    },
                },
            )?);
        if let Some((&FORMAT, body)) = plaintext.split_first() {
            let goals = postcard::from_bytes(body).map_err(|e| StoreError::UnreadableRecord {
                table: TABLE,
                row: sender.clone(),
                detail: e.to_string(),
            })?;
            out.insert(sender, goals);
        }
    }
    Ok(out)
}

/// One rating of a goal: the check-in it came with and the session it is
/// about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalRatingPoint {
    /// The client's id for the check-in.
    pub record_id: Uuid,
    /// The session it is about.
    pub session_date: NaiveDate,
    /// "How close am I", 0 to 10.
    pub rating: u8,
}

/// One shared goal of a client, with its ratings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalProgress {
    /// The client's id for the goal.
    pub goal_id: Uuid,
    /// The version held (one more for every change the client made).
    pub version: u32,
    /// The goal in the client's own words, as it reads now.
    pub text: String,
    /// When the current wording was set.
    pub text_set_at: DateTime<Utc>,
    /// Earlier wordings, oldest first.
    pub earlier_texts: Vec<GoalWording>,
    /// Set together in a session, or by the client alone.
    pub set_in_session: bool,
    /// When the client set it.
    pub set_at: DateTime<Utc>,
    /// When the client archived it; `None` while they work on it.
    pub archived_at: Option<DateTime<Utc>>,
    /// Its ratings by session, oldest first: the latest
    /// [`super::CHART_SESSIONS`] of them (first, latest and change count
    /// them all).
    pub series: Vec<GoalRatingPoint>,
    /// How many times it was rated in all.
    pub total_ratings: u32,
    /// Its first rating, when it was set; `None` before any.
    pub first: Option<u8>,
    /// Its latest rating.
    pub latest: Option<u8>,
    /// `latest - first`: the change since the goal was set.
    pub change_since_set: Option<i16>,
}

impl GoalProgress {
    /// Whether the client works on it now.
    pub fn is_active(&self) -> bool {
        self.archived_at.is_none()
    }
}

/// The progress of each goal in `goals` (id, version, goal) over `ratings`
/// (every check-in's goal ratings, oldest session first): active goals in
/// the order they were set, then archived ones. Series are whole; the
/// summary cuts them to what a chart draws.
pub(crate) fn goal_progress(
    goals: Vec<(Uuid, u32, GoalBody)>,
    ratings: &[(Uuid, NaiveDate, GoalRatings)],
) -> Vec<GoalProgress> {
    let mut out: Vec<GoalProgress> = goals
        .into_iter()
        .map(|(goal_id, version, body)| {
            let series: Vec<GoalRatingPoint> = ratings
                .iter()
                .filter_map(|(record_id, session_date, rated)| {
                    rated.get(&goal_id).map(|&rating| GoalRatingPoint {
                        record_id: *record_id,
                        session_date: *session_date,
                        rating,
                    })
                })
                .collect();
            let first = series.first().map(|p| p.rating);
            let latest = series.last().map(|p| p.rating);
            GoalProgress {
                goal_id,
                version,
                text: body.text,
                text_set_at: body.text_set_at,
                earlier_texts: body.earlier_texts,
                set_in_session: body.set_in_session,
                set_at: body.created_at,
                archived_at: body.archived_at,
                total_ratings: series.len() as u32,
                change_since_set: first.zip(latest).map(|(f, l)| i16::from(l) - i16::from(f)),
                first,
                latest,
                series,
            }
        })
        .collect();
    out.sort_by_key(|g| (g.archived_at.is_some(), g.set_at, g.goal_id));
    out
}

/// One calm line for the brief, when a shared goal moved since it was set
/// (by `moved_by` or more) or has not moved over its latest `window`
/// ratings: "Goals: ‘walk to the shop’ 3 → 6 since it was set; ‘sleep
/// better’ has stayed at 4–5 over the last six ratings." `None` when
/// neither is so, or no goal is rated yet. Ratings up to `date` only.
pub fn goal_line(
    goals: &[GoalProgress],
    date: NaiveDate,
    window: usize,
    moved_by: u8,
) -> Option<Sentence> {
    let mut parts = Vec::new();
    for goal in goals.iter().filter(|g| g.is_active()) {
        let ratings: Vec<u8> = goal
            .series
            .iter()
            .filter(|p| p.session_date <= date)
            .map(|p| p.rating)
            .collect();
        let (Some(&first), Some(&latest)) = (ratings.first(), ratings.last()) else {
            continue;
        };
        let name = || Arg::Quote(goal.text.clone());
        if first.abs_diff(latest) >= moved_by {
            parts.push(Sentence::new(
                "goals.moved",
                [
                    ("goal", name()),
                    ("first", Arg::rating(first)),
                    ("latest", Arg::rating(latest)),
                ],
            ));
            continue;
        }
        let recent = &ratings[ratings.len().saturating_sub(window)..];
        if window >= 2 && recent.len() >= window {
            let low = recent.iter().min().copied().unwrap_or(latest);
            let high = recent.iter().max().copied().unwrap_or(latest);
            if high - low < moved_by {
                parts.push(Sentence::new(
                    "goals.stayed",
                    [
                        ("goal", name()),
                        ("range", Arg::Span(low, high)),
                        ("ratings", Arg::count("ratings", window)),
                    ],
                ));
            }
        }
    }
    (!parts.is_empty()).then(|| Sentence::new("goals.line", [("goals", Arg::List(parts))]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn body(text: &str, set: u32, archived: bool) -> GoalBody {
        let at = Utc.with_ymd_and_hms(2026, 9, set, 12, 0, 0).unwrap();
        GoalBody {
            text: text.into(),
            text_set_at: at,
            set_in_session: true,
            created_at: at,
            updated_at: at,
            archived_at: archived.then_some(at),
            earlier_texts: Vec::new(),
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, d).unwrap()
    }

    #[test]
    fn each_goal_has_its_series_first_latest_and_change_since_set() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        let unknown = Uuid::from_u128(9);
        let ratings = vec![
            (Uuid::from_u128(11), day(1), [(a, 3), (unknown, 1)].into()),
            (Uuid::from_u128(12), day(8), [(a, 5), (b, 6)].into()),
            (Uuid::from_u128(13), day(15), GoalRatings::new()),
            (Uuid::from_u128(14), day(22), [(a, 6), (b, 6)].into()),
        ];
        let progress = goal_progress(
            vec![
                (b, 1, body("sleep better", 2, false)),
                (a, 3, body("walk to the shop", 1, false)),
            ],
            &ratings,
        );
        assert_eq!(progress.len(), 2, "a goal not held is not shown");
        let walk = &progress[0];
        assert_eq!(walk.text, "walk to the shop", "in the order they were set");
        assert_eq!(
            walk.series.iter().map(|p| p.rating).collect::<Vec<_>>(),
            [3, 5, 6]
        );
        assert_eq!(walk.series[1].session_date, day(8));
        assert_eq!(
            (walk.first, walk.latest, walk.change_since_set),
            (Some(3), Some(6), Some(3))
        );
        let sleep = &progress[1];
        assert_eq!((sleep.total_ratings, sleep.change_since_set), (2, Some(0)));
        let never = goal_progress(vec![(b, 1, body("x", 2, false))], &[]);
        assert_eq!((never[0].first, never[0].change_since_set), (None, None));
    }

    #[test]
    fn archived_goals_come_after_the_active_ones() {
        let progress = goal_progress(
            vec![
                (Uuid::from_u128(1), 2, body("old", 1, true)),
                (Uuid::from_u128(2), 1, body("new", 5, false)),
            ],
            &[],
        );
        assert_eq!(progress[0].text, "new");
        assert!(!progress[1].is_active());
    }

    #[test]
    fn the_brief_line_names_goals_that_moved_or_stayed() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        let ratings: Vec<_> = (0..6u8)
            .map(|i| {
                (
                    Uuid::from_u128(10 + u128::from(i)),
                    day(1) + chrono::Days::new(7 * u64::from(i)),
                    [(a, 3 + i), (b, 4 + i % 2)].into(),
                )
            })
            .collect();
        let end = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        let progress = goal_progress(
            vec![
                (a, 1, body("walk to the shop", 1, false)),
                (b, 1, body("sleep better", 2, false)),
            ],
            &ratings,
        );
        assert_eq!(
            goal_line(&progress, end, 6, 2).unwrap().render("en"),
            "Goals: ‘walk to the shop’ 3 → 8 since it was set and ‘sleep better’ has stayed at \
             4–5 over the last six ratings."
        );
        // Up to a date: only what was rated by then.
        assert_eq!(goal_line(&progress, day(1), 6, 2), None);
        assert_eq!(
            goal_line(&progress, day(8), 6, 2),
            None,
            "one point, and too few ratings to say it stayed"
        );
        assert!(goal_line(&[], end, 6, 2).is_none());
        // Five ratings are too few to say a goal stayed over six.
        assert_eq!(goal_line(&progress[1..], day(29), 6, 2), None);
    }
}
