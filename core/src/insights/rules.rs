//! The rules behind flags, their severities and their thresholds.
//!
//! A rule no longer raises anything on its own: it is a *reason*, with a
//! stable id, that a flag carries (see `flags.rs`). The thresholds are the
//! therapist's to change; the defaults suit the bundled 5-point check-in.

use serde::{Deserialize, Serialize};

pub use crate::error::RuleSettingError;

/// Why a flag was opened, updated or escalated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The client pressed "I need support now".
    SupportRequested,
    /// The first session was rated low: the first hour matters most.
    LowFirstSession,
    /// Since a difficult check-in, no check-in and no recorded session.
    NoReturn,
    /// An item changed for the worse since the first session, by at least
    /// the instrument's reliable change (the RCI is a figure, not a verdict).
    ReliableDeterioration,
    /// An item fell sharply from the client's own previous session.
    Drop,
    /// An item fell below the client's usual range.
    BelowUsualRange,
    /// An item was rated at or below its threshold.
    LowScore,
    /// No change for the better over several sessions: the therapy may be
    /// fossilising.
    Plateau,
    /// No check-in for a session the therapist recorded, or for too long.
    MissingCheckin,
    /// Session ratings and every shared goal's ratings have been high and
    /// steady for a while: a review together may help.
    ReviewSuggested,
    /// Session ratings stay high, but no shared goal has moved for a while.
    GoalsStuck,
}

impl Rule {
    /// Every rule, in the order reasons are listed.
    pub const ALL: [Rule; 11] = [
        Rule::SupportRequested,
        Rule::LowFirstSession,
        Rule::NoReturn,
        Rule::ReliableDeterioration,
        Rule::Drop,
        Rule::BelowUsualRange,
        Rule::LowScore,
        Rule::Plateau,
        Rule::MissingCheckin,
        Rule::ReviewSuggested,
        Rule::GoalsStuck,
    ];

    /// The rule's stable id (`low_first_session`, ...).
    pub fn id(self) -> &'static str {
        match self {
            Rule::SupportRequested => "support_requested",
            Rule::LowFirstSession => "low_first_session",
            Rule::NoReturn => "no_return",
            Rule::ReliableDeterioration => "reliable_deterioration",
            Rule::Drop => "drop",
            Rule::BelowUsualRange => "below_usual_range",
            Rule::LowScore => "low_score",
            Rule::Plateau => "plateau",
            Rule::MissingCheckin => "missing_checkin",
            Rule::ReviewSuggested => "review_suggested",
            Rule::GoalsStuck => "goals_stuck",
        }
    }
}

/// How urgently a flag asks for the therapist's attention. Sorts most
/// urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The client asked for support.
    Urgent,
    /// Reach out before the next session.
    High,
    /// Worth raising in the next session.
    Medium,
    /// For the record.
    Low,
}

impl Severity {
    /// The word, as shown and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Urgent => "urgent",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// Thresholds of the rules. Unknown names in stored settings (a setting an
/// older version had) are ignored, so settings survive upgrades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FlagRules {
    /// `low_score`: an item rated at or below this (default 2, "a little").
    pub low_score_at_or_below: u8,
    /// `low_first_session`: a required item of the first check-in at or
    /// below this (default 3: clients rate sessions near the top, so a 3
    /// after a first session already speaks).
    pub first_session_at_or_below: u8,
    /// `drop`: an item fell by at least this from the previous session (default 2).
    pub drop_by_at_least: u8,
    /// `plateau`: sessions without a change for the better (default 6).
    pub plateau_sessions: u32,
    /// `plateau`: not raised while every required item is at or above this
    /// (default 4): a client doing well is not stuck.
    pub plateau_unless_at_or_above: u8,
    /// `missing_checkin`: days since the latest check-in (or the pairing)
    /// after which one is missing (default 14: a week's cadence plus a week).
    pub missing_after_days: u32,
    /// `missing_checkin`: days after a session the therapist recorded before
    /// its check-in counts as missing (default 2).
    pub missing_session_grace_days: u32,
    /// `no_return`: days of silence (no check-in, no recorded session) after
    /// a difficult check-in before its flag escalates to high (default 10).
    pub escalate_after_days: u32,
    /// The usual range: how many of the client's latest check-ins it is
    /// taken from (default 8; at least 4 are needed, see `usual.rs`).
    pub usual_range_sessions: u32,
    /// `review_suggested`: sessions over which ratings must have been high
    /// and steady (default 4).
    pub review_sessions: u32,
    /// `review_suggested` and `goals_stuck`: every required item at or
    /// above this counts as high (default 4 on the 5-point items).
    pub review_at_or_above: u8,
    /// `review_suggested`: every shared goal's ratings at or above this
    /// (default 7 of 10).
    pub review_goal_at_or_above: u8,
    /// `goals_stuck`: sessions of high session ratings over which no shared
    /// goal moved (default 6).
    pub stuck_sessions: u32,
    /// `goals_stuck`: a goal moved when its ratings over those sessions
    /// span at least this (default 2: a spread of 1 is no move).
    pub goal_moved_by: u8,
}

impl Default for FlagRules {
    fn default() -> Self {
        FlagRules {
            low_score_at_or_below: 2,
            first_session_at_or_below: 3,
            drop_by_at_least: 2,
            plateau_sessions: 6,
            plateau_unless_at_or_above: 4,
            missing_after_days: 14,
            missing_session_grace_days: 2,
            escalate_after_days: 10,
            usual_range_sessions: 8,
            review_sessions: 4,
            review_at_or_above: 4,
            review_goal_at_or_above: 7,
            stuck_sessions: 6,
            goal_moved_by: 2,
        }
    }
}

/// (name, largest value, what it does): the settings, in display order.
const SETTINGS: [(&str, u64, &str); 14] = [
    (
        "low_score_at_or_below",
        10,
        "low_score: an item rated at or below this",
    ),
    (
        "first_session_at_or_below",
        10,
        "low_first_session: a required item of the first check-in at or below this",
    ),
    (
        "drop_by_at_least",
        10,
        "drop: an item fell by at least this from the previous session",
    ),
    (
        "plateau_sessions",
        100,
        "plateau: sessions without a change for the better",
    ),
    (
        "plateau_unless_at_or_above",
        10,
        "plateau: not raised while every required item is at or above this",
    ),
    (
        "missing_after_days",
        365,
        "missing_checkin: days without a check-in",
    ),
    (
        "missing_session_grace_days",
        60,
        "missing_checkin: days after a recorded session",
    ),
    (
        "escalate_after_days",
        90,
        "no_return: days of silence after a difficult check-in before it escalates",
    ),
    (
        "usual_range_sessions",
        52,
        "usual range: latest check-ins it is taken from (at least 4)",
    ),
    (
        "review_sessions",
        52,
        "review_suggested: sessions of high, steady ratings (at least 2)",
    ),
    (
        "review_at_or_above",
        10,
        "review_suggested, goals_stuck: every required item at or above this is high",
    ),
    (
        "review_goal_at_or_above",
        10,
        "review_suggested: every shared goal rated at or above this",
    ),
    (
        "stuck_sessions",
        100,
        "goals_stuck: sessions of high ratings with no goal moving (at least 2)",
    ),
    (
        "goal_moved_by",
        10,
        "goals_stuck: a goal moved when its ratings span at least this",
    ),
];

impl FlagRules {
    /// Sets one threshold by name.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), RuleSettingError> {
        let (_, max, _) = SETTINGS
            .iter()
            .find(|(n, _, _)| *n == name)
            .ok_or_else(|| RuleSettingError::Unknown { name: name.into() })?;
        let min = match name {
            "usual_range_sessions" => 4,
            "review_sessions" | "stuck_sessions" => 2,
            _ => 1,
        };
        let v = match value.trim().parse::<u64>() {
            Ok(v) if (min..=*max).contains(&v) => v,
            _ => {
                return Err(RuleSettingError::OutOfRange {
                    name: name.into(),
                    min,
                    max: *max,
                });
            }
        };
        // In range, so the narrowing casts below cannot truncate.
        match name {
            "low_score_at_or_below" => self.low_score_at_or_below = v as u8,
            "first_session_at_or_below" => self.first_session_at_or_below = v as u8,
            "drop_by_at_least" => self.drop_by_at_least = v as u8,
            "plateau_sessions" => self.plateau_sessions = v as u32,
            "plateau_unless_at_or_above" => self.plateau_unless_at_or_above = v as u8,
            "missing_after_days" => self.missing_after_days = v as u32,
            "missing_session_grace_days" => self.missing_session_grace_days = v as u32,
            "escalate_after_days" => self.escalate_after_days = v as u32,
            "usual_range_sessions" => self.usual_range_sessions = v as u32,
            "review_sessions" => self.review_sessions = v as u32,
            "review_at_or_above" => self.review_at_or_above = v as u8,
            "review_goal_at_or_above" => self.review_goal_at_or_above = v as u8,
            "stuck_sessions" => self.stuck_sessions = v as u32,
            _ => self.goal_moved_by = v as u8,
        }
        Ok(())
    }

    /// Every setting with its value, in a fixed order, for display.
    pub fn entries(&self) -> Vec<(&'static str, u64, &'static str)> {
        let values: [u64; 14] = [
            self.low_score_at_or_below.into(),
            self.first_session_at_or_below.into(),
            self.drop_by_at_least.into(),
            self.plateau_sessions.into(),
            self.plateau_unless_at_or_above.into(),
            self.missing_after_days.into(),
            self.missing_session_grace_days.into(),
            self.escalate_after_days.into(),
            self.usual_range_sessions.into(),
            self.review_sessions.into(),
            self.review_at_or_above.into(),
            self.review_goal_at_or_above.into(),
            self.stuck_sessions.into(),
            self.goal_moved_by.into(),
        ];
        SETTINGS
            .iter()
            .zip(values)
            .map(|(&(name, _, what), v)| (name, v, what))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_by_name_and_range() {
        let mut rules = FlagRules::default();
        rules.set("drop_by_at_least", "3").unwrap();
        assert_eq!(rules.drop_by_at_least, 3);
        rules.set("escalate_after_days", "7").unwrap();
        assert_eq!(rules.escalate_after_days, 7);
        assert!(matches!(
            rules.set("drop_by_at_least", "0"),
            Err(RuleSettingError::OutOfRange { max: 10, .. })
        ));
        assert!(rules.set("drop_by_at_least", "x").is_err());
        assert_eq!(
            rules
                .set("usual_range_sessions", "3")
                .unwrap_err()
                .to_string(),
            "usual_range_sessions takes a whole number from 4 to 52"
        );
        assert!(matches!(
            rules.set("no_such_rule", "1"),
            Err(RuleSettingError::Unknown { .. })
        ));
        assert_eq!(rules.entries().len(), 14);
        rules.set("review_sessions", "5").unwrap();
        rules.set("goal_moved_by", "3").unwrap();
        assert_eq!((rules.review_sessions, rules.goal_moved_by), (5, 3));
        assert!(rules.set("stuck_sessions", "1").is_err());
        assert!(rules.set("review_goal_at_or_above", "11").is_err());
        assert_eq!(rules.entries()[2], ("drop_by_at_least", 3, SETTINGS[2].2));
    }

    #[test]
    fn settings_of_an_older_version_still_load() {
        // v5 stored `low_first_session_at_or_below`; it is ignored now.
        let old = r#"{"low_score_at_or_below":3,"low_first_session_at_or_below":2,
                      "drop_by_at_least":3,"plateau_sessions":6}"#;
        let rules: FlagRules = serde_json::from_str(old).unwrap();
        assert_eq!(rules.low_score_at_or_below, 3);
        assert_eq!(rules.drop_by_at_least, 3);
        assert_eq!(rules.first_session_at_or_below, 3);
        assert_eq!(rules.escalate_after_days, 10);
        // Settings added later take their defaults.
        assert_eq!((rules.review_sessions, rules.stuck_sessions), (4, 6));
    }
}
