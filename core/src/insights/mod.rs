//! What a therapist sees per client: the series of ratings by session, the
//! change since the first session with its reliable change index, a trend
//! word, the goals the client shares with their ratings, and **flags** — one
//! per concern, each with its reasons — ordered by need now, and the brief
//! before a day's sessions.
//!
//! Nothing here diagnoses or scores risk: the numbers are the client's own
//! ratings of how a session felt, and every reason says which numbers gave
//! it so the therapist can judge for themselves.
//!
//! The analysis is a pure function of a client's series ([`analyse`],
//! `flags::series_flags`); the therapist's store keeps the result sealed per
//! client and recomputes it only for the clients a sync touched (see
//! `summary.rs`). What depends on today's date is applied at read time
//! (`timed.rs`).
//!
//! Ratings are compared over time only when they answer the same question:
//! every figure here takes an item's answers from editions comparable with
//! the one being judged ([`Instruments::comparable`]), so a v1 `hopeful`
//! ("I leave feeling more hopeful") is never set beside a v2 one ("Right now
//! I feel hopeful that things can get better").

mod brief;
mod flags;
mod goals;
mod need;
mod packed;
mod readiness;
mod rules;
mod sentences;
mod summary;
mod timed;
mod usual;
mod words;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::identity::DeviceId;
use crate::model::{Answered, Answers, InstrumentRef, Instruments};
use crate::sync::ReceivedCheckIn;

pub use brief::{Brief, BriefBasis, BriefCard, BriefCheckIn, Opening, OutsideRange};
pub use flags::{
    Flag, FlagEvent, FlagEventKind, FlagKind, MAX_REASONS, Reason, Resolution, ResolutionKind,
};
pub use goals::{GoalProgress, GoalRatingPoint, goal_line};
#[cfg(feature = "fuzzing")]
pub(crate) use goals::{open_progress, progress_address, progress_plaintext};
pub use need::{by_need, need_step, order_clients, sort_flags};
#[cfg(feature = "fuzzing")]
pub(crate) use packed::{
    PackedSummary, Summary, history_address, open_packed, packed_plaintext, summary_address,
};
pub use rules::{FlagRules, Rule, RuleSettingError, Severity};
pub use sentences::{Arg, Sentence};
pub use summary::ClientStatus;
pub use usual::{MIN_SESSIONS, UsualRange};

/// How many of the latest sessions [`ClientInsights::sessions`] carries: a
/// year of weekly sessions. A dashboard of hundreds of clients never draws
/// more at once, and decoding whole histories made it slow.
pub const CHART_SESSIONS: usize = 52;

/// The reliable change index threshold (Jacobson & Truax). For a single
/// 1–5 item it is a figure for the details, not a verdict: reasons give the
/// plain numbers.
pub const RELIABLE_CHANGE: f64 = 1.96;

/// One check-in as a point of the series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionPoint {
    /// The client's id for the check-in.
    pub record_id: Uuid,
    /// The session it is about.
    pub session_date: NaiveDate,
    /// Ratings by item id. In [`ClientInsights::sessions`], only the ratings
    /// that may be compared with the client's newest answer to the item
    /// ([`Instruments::comparable_run`]): a chart never joins answers to two
    /// different questions into one line.
    pub answers: Answers,
    /// The client asked for support with it.
    pub support_requested: bool,
}

/// A point of a series with the edition its check-in answered: what the
/// analysis reads (the stored summary keeps only the points, already
/// trimmed to what may be compared).
pub(crate) struct EditionPoint<'a> {
    pub point: &'a SessionPoint,
    pub edition: &'a InstrumentRef,
}

impl Answered for EditionPoint<'_> {
    fn edition(&self) -> &InstrumentRef {
        self.edition
    }

    fn answers(&self) -> &Answers {
        &self.point.answers
    }
}

/// `points` with their editions (the same order; a point without one is
/// taken as answering `fallback`).
pub(crate) fn with_editions<'a>(
    points: &'a [SessionPoint],
    editions: &'a [InstrumentRef],
    fallback: &'a InstrumentRef,
) -> Vec<EditionPoint<'a>> {
    points
        .iter()
        .enumerate()
        .map(|(i, point)| EditionPoint {
            point,
            edition: editions.get(i).unwrap_or(fallback),
        })
        .collect()
}

/// The latest `latest` points of `series` (oldest first) without the
/// ratings that may not be compared with the newest answer to their item:
/// what a chart may draw as one line per item. A point keeps its date and
/// support request even when none of its ratings stay.
pub(crate) fn comparable_points(
    series: &[EditionPoint<'_>],
    instruments: &Instruments,
    latest: usize,
) -> Vec<SessionPoint> {
    let mut items: Vec<&String> = series.iter().flat_map(|p| p.point.answers.keys()).collect();
    items.sort_unstable();
    items.dedup();
    let references: Vec<(&String, &InstrumentRef)> = items
        .into_iter()
        .filter_map(|item| Some((item, instruments.reference_edition(item, series)?)))
        .collect();
    series[series.len().saturating_sub(latest)..]
        .iter()
        .map(|p| {
            let mut point = p.point.clone();
            point.answers.retain(|item, _| {
                references
                    .iter()
                    .find(|(id, _)| *id == item)
                    .is_none_or(|(_, reference)| instruments.comparable(item, reference, p.edition))
            });
            point
        })
        .collect()
}

/// A therapist's received check-ins (oldest first) as the points of a
/// chart, as [`ClientInsights::sessions`] holds them: each rating that may
/// not be compared with the client's newest answer to its item left out.
pub fn chart_points(checkins: &[ReceivedCheckIn], instruments: &Instruments) -> Vec<SessionPoint> {
    let points: Vec<SessionPoint> = checkins
        .iter()
        .map(|c| SessionPoint {
            record_id: c.record_id,
            session_date: c.body.session_date,
            answers: c.body.answers.clone(),
            support_requested: c.body.support_requested,
        })
        .collect();
    let series: Vec<EditionPoint<'_>> = points
        .iter()
        .zip(checkins)
        .map(|(point, c)| EditionPoint {
            point,
            edition: &c.body.instrument,
        })
        .collect();
    comparable_points(&series, instruments, usize::MAX)
}

/// How one item moved since the first session whose answer to it may be
/// compared with the latest (the first session, unless the question changed
/// since: see [`Instruments::comparable_run`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemInsight {
    /// The item (`heard`, `hopeful`, ...).
    pub item: String,
    /// Its first rating that may be compared with the latest.
    pub first: u8,
    /// Its latest rating.
    pub latest: u8,
    /// `latest - first`.
    pub change: i16,
    /// Reliable change index of `change`; 0 when the instrument declares no
    /// reliability for the item.
    pub rci: f64,
    /// `|rci| > 1.96`.
    pub reliable: bool,
}

/// A word a therapist understands at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    /// Some item changed reliably for the better since the first session, none for the worse.
    Improving,
    /// No reliable change either way.
    Steady,
    /// Some item changed reliably for the worse since the first session.
    Worsening,
    /// Fewer than two check-ins.
    NotEnoughData,
}

impl Trend {
    /// The word, as shown and as in the JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Improving => "improving",
            Trend::Steady => "steady",
            Trend::Worsening => "worsening",
            Trend::NotEnoughData => "not enough data",
        }
    }
}

impl std::fmt::Display for Trend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything the therapist's dashboard shows for one client.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientInsights {
    /// The therapist's label for the client.
    pub label: String,
    /// The client's device.
    pub device_id: DeviceId,
    /// Whether the client is still sharing, or how the pairing ended.
    pub status: ClientStatus,
    /// The latest [`CHART_SESSIONS`] check-ins, oldest first: what a chart
    /// draws. Figures, trend and flags come from the whole series.
    pub sessions: Vec<SessionPoint>,
    /// How many check-ins the client has in all.
    pub total_sessions: u32,
    /// Per item: first, latest, change, RCI.
    pub items: Vec<ItemInsight>,
    /// The trend word.
    pub trend: Trend,
    /// Open flags, by need (see [`sort_flags`]).
    pub flags: Vec<Flag>,
    /// When the client paused sharing, while paused: no check-in is
    /// counted missing meanwhile.
    pub paused_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Check-ins the therapist has not acknowledged.
    pub unseen: u32,
    /// The goals the client shares, each with its ratings (active ones
    /// first). Nothing of a private goal is ever here.
    pub goals: Vec<GoalProgress>,
}

impl ClientInsights {
    /// The latest check-in's ratings, if any.
    pub fn latest(&self) -> Option<&Answers> {
        self.sessions.last().map(|p| &p.answers)
    }
}

/// The per-item figures and the trend of a series (oldest first). The
/// items are those of the edition the newest check-in answered; each is
/// measured over its [comparable run](Instruments::comparable_run), with the
/// reliable change that edition declares.
pub fn analyse<T: Answered>(series: &[T], instruments: &Instruments) -> (Vec<ItemInsight>, Trend) {
    let newest = series
        .last()
        .and_then(|answered| instruments.get(answered.edition()));
    let mut items = Vec::new();
    for spec in newest.map(|i| i.items.as_slice()).unwrap_or_default() {
        let ratings = instruments.comparable_ratings(&spec.id, series);
        let (Some(&first), Some(&latest)) = (ratings.first(), ratings.last()) else {
            continue;
        };
        let declared = instruments
            .reference_edition(&spec.id, series)
            .and_then(|edition| instruments.get(edition)?.item(&spec.id))
            .unwrap_or(spec);
        let change = i16::from(latest) - i16::from(first);
        let rci = declared
            .reliable_change
            .map(|rc| rc.index(f64::from(change)))
            .unwrap_or(0.0);
        items.push(ItemInsight {
            item: spec.id.clone(),
            first,
            latest,
            change,
            rci,
            reliable: rci.abs() > RELIABLE_CHANGE,
        });
    }
    let trend = if series.len() < 2 {
        Trend::NotEnoughData
    } else if items.iter().any(|i| i.reliable && i.change < 0) {
        Trend::Worsening
    } else if items.iter().any(|i| i.reliable && i.change > 0) {
        Trend::Improving
    } else {
        Trend::Steady
    };
    (items, trend)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edition(version: u32) -> InstrumentRef {
        InstrumentRef {
            id: "session-checkin".into(),
            version,
        }
    }

    /// `analyse` of `points`, each answering the edition of the same index
    /// in `editions` (the current one when there is none).
    fn analysed_on(
        points: &[SessionPoint],
        editions: &[InstrumentRef],
    ) -> (Vec<ItemInsight>, Trend) {
        let all = Instruments::bundled().unwrap();
        let current = all.current().unwrap().reference.clone();
        analyse(&with_editions(points, editions, &current), &all)
    }

    fn analysed(points: &[SessionPoint]) -> (Vec<ItemInsight>, Trend) {
        analysed_on(points, &[])
    }

    pub(super) fn series(ratings: &[(u8, u8)]) -> Vec<SessionPoint> {
        let start = NaiveDate::from_ymd_opt(2026, 9, 7).unwrap();
        ratings
            .iter()
            .enumerate()
            .map(|(i, &(heard, hopeful))| SessionPoint {
                record_id: Uuid::from_u128(i as u128 + 1),
                session_date: start + chrono::Days::new(7 * i as u64),
                answers: [("heard".into(), heard), ("hopeful".into(), hopeful)].into(),
                support_requested: false,
            })
            .collect()
    }

    #[test]
    fn rci_matches_a_worked_example() {
        // Declared for every bundled item: sd 1.0, r 0.7. The standard error of
        // a difference is 1.0 × √2 × √0.3 = 0.774 597; a change of 2 points
        // gives RCI 2 / 0.774 597 = 2.582 — reliable; 1 point gives 1.291 — not.
        let (items, _) = analysed(&series(&[(3, 2), (4, 4)]));
        let hopeful = items.iter().find(|i| i.item == "hopeful").unwrap();
        assert_eq!((hopeful.first, hopeful.latest, hopeful.change), (2, 4, 2));
        assert!((hopeful.rci - 2.581_989).abs() < 1e-5, "{}", hopeful.rci);
        assert!(hopeful.reliable);
        let heard = items.iter().find(|i| i.item == "heard").unwrap();
        assert!((heard.rci - 1.290_994).abs() < 1e-5, "{}", heard.rci);
        assert!(!heard.reliable);
    }

    #[test]
    fn the_trend_word_follows_reliable_change() {
        assert_eq!(analysed(&series(&[])).1, Trend::NotEnoughData);
        assert_eq!(analysed(&series(&[(1, 1)])).1, Trend::NotEnoughData);
        assert_eq!(
            analysed(&series(&[(2, 2), (3, 3), (4, 4)])).1,
            Trend::Improving
        );
        assert_eq!(
            analysed(&series(&[(3, 3), (4, 2), (3, 4)])).1,
            Trend::Steady
        );
        assert_eq!(
            analysed(&series(&[(4, 4), (4, 3), (4, 2)])).1,
            Trend::Worsening
        );
        // Better on one item but reliably worse on another is worsening.
        assert_eq!(analysed(&series(&[(2, 4), (4, 2)])).1, Trend::Worsening);
    }

    #[test]
    fn items_never_rated_are_left_out() {
        let (items, _) = analysed(&series(&[(3, 3)]));
        let ids: Vec<_> = items.iter().map(|i| i.item.as_str()).collect();
        assert_eq!(ids, ["heard", "hopeful"]);
    }

    #[test]
    fn figures_across_editions_compare_like_with_like() {
        // Two v1 check-ins, then two v2 ones: heard continues v1, hope does not.
        let points = series(&[(2, 1), (3, 2), (4, 4), (5, 3)]);
        let editions = [edition(1), edition(1), edition(2), edition(2)];
        let (items, trend) = analysed_on(&points, &editions);
        let heard = items.iter().find(|i| i.item == "heard").unwrap();
        assert_eq!((heard.first, heard.latest, heard.change), (2, 5, 3));
        assert!(heard.reliable);
        let hopeful = items.iter().find(|i| i.item == "hopeful").unwrap();
        // From the first v2 answer, not from v1's 1 (which would read +2,
        // a reliable improvement the client never reported).
        assert_eq!((hopeful.first, hopeful.latest, hopeful.change), (4, 3, -1));
        assert!(!hopeful.reliable);
        assert_eq!(trend, Trend::Improving);
        // A history of v1 only is read as before.
        let (items, _) = analysed_on(&points, &[edition(1), edition(1), edition(1), edition(1)]);
        let hopeful = items.iter().find(|i| i.item == "hopeful").unwrap();
        assert_eq!((hopeful.first, hopeful.latest), (1, 3));
    }

    #[test]
    fn a_chart_keeps_only_ratings_comparable_with_the_newest() {
        let all = Instruments::bundled().unwrap();
        let points = series(&[(2, 1), (3, 2), (4, 4)]);
        let editions = [edition(1), edition(1), edition(2)];
        let current = edition(2);
        let chart = comparable_points(&with_editions(&points, &editions, &current), &all, 9);
        let hopeful: Vec<_> = chart.iter().map(|p| p.answers.get("hopeful")).collect();
        assert_eq!(hopeful, [None, None, Some(&4)]);
        let heard: Vec<_> = chart.iter().map(|p| p.answers["heard"]).collect();
        assert_eq!(heard, [2, 3, 4]);
        assert_eq!(chart.len(), 3, "every session keeps its place on the chart");
        // Only the latest are drawn, judged against the whole series.
        let tail = comparable_points(&with_editions(&points, &editions, &current), &all, 2);
        assert_eq!(tail, chart[1..]);
        // All v1: nothing is left out.
        let v1 = [edition(1), edition(1), edition(1)];
        assert_eq!(
            comparable_points(&with_editions(&points, &v1, &current), &all, 9),
            points
        );
    }
}
