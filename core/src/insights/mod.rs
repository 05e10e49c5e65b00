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

mod brief;
mod flags;
mod goals;
mod need;
mod packed;
mod readiness;
mod rules;
mod summary;
mod timed;
mod usual;
mod words;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::identity::DeviceId;
use crate::model::{Answers, Instrument};

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
    /// Ratings by item id.
    pub answers: Answers,
    /// The client asked for support with it.
    pub support_requested: bool,
}

/// How one item moved since the first session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemInsight {
    /// The item (`heard`, `hopeful`, ...).
    pub item: String,
    /// Its first rating.
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

/// The per-item figures and the trend of a series (oldest first).
pub fn analyse(points: &[SessionPoint], instrument: &Instrument) -> (Vec<ItemInsight>, Trend) {
    let mut items = Vec::new();
    for spec in &instrument.items {
        let mut ratings = points.iter().filter_map(|p| p.answers.get(&spec.id));
        let Some(&first) = ratings.next() else {
            continue;
        };
        let latest = ratings.next_back().copied().unwrap_or(first);
        let change = i16::from(latest) - i16::from(first);
        let rci = spec
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
    let trend = if points.len() < 2 {
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
    use crate::model::Instruments;

    fn instrument() -> Instrument {
        let all = Instruments::bundled().unwrap();
        all.latest("session-checkin").unwrap().clone()
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
        let (items, _) = analyse(&series(&[(3, 2), (4, 4)]), &instrument());
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
        let inst = instrument();
        assert_eq!(analyse(&series(&[]), &inst).1, Trend::NotEnoughData);
        assert_eq!(analyse(&series(&[(1, 1)]), &inst).1, Trend::NotEnoughData);
        assert_eq!(
            analyse(&series(&[(2, 2), (3, 3), (4, 4)]), &inst).1,
            Trend::Improving
        );
        assert_eq!(
            analyse(&series(&[(3, 3), (4, 2), (3, 4)]), &inst).1,
            Trend::Steady
        );
        assert_eq!(
            analyse(&series(&[(4, 4), (4, 3), (4, 2)]), &inst).1,
            Trend::Worsening
        );
        // Better on one item but reliably worse on another is worsening.
        assert_eq!(
            analyse(&series(&[(2, 4), (4, 2)]), &inst).1,
            Trend::Worsening
        );
    }

    #[test]
    fn items_never_rated_are_left_out() {
        let (items, _) = analyse(&series(&[(3, 3)]), &instrument());
        let ids: Vec<_> = items.iter().map(|i| i.item.as_str()).collect();
        assert_eq!(ids, ["heard", "hopeful"]);
    }
}
