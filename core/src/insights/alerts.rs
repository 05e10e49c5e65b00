//! Alert rules: each alert has a stable id, a severity and one sentence that
//! names the numbers that raised it.
//!
//! Alerts are events: a check-in raises them, and they stay open until the
//! therapist acknowledges them (acknowledged alerts stay in history). Rules on
//! the series are evaluated check-in by check-in, each seeing only the
//! sessions up to it, so recomputing a client's series gives the same alerts
//! with the same ids — and an alert disappears only when the check-in that
//! raised it was edited or deleted by the client.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{RELIABLE_CHANGE, SessionPoint};
use crate::identity::DeviceId;
use crate::model::Instrument;

/// What raised an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertRule {
    /// The client pressed "I need support now".
    SupportRequested,
    /// The first session was rated low: the first hour matters most.
    LowFirstSession,
    /// An item changed for the worse, reliably, since the first session.
    ReliableDeterioration,
    /// An item fell sharply from the client's own previous session.
    Drop,
    /// An item was rated at or below its threshold.
    LowScore,
    /// No check-in for a session the therapist recorded, or for too long.
    MissingCheckin,
    /// No reliable improvement over several sessions: the therapy may be
    /// fossilising.
    Plateau,
}

impl AlertRule {
    /// Every rule, most severe first.
    pub const ALL: [AlertRule; 7] = [
        AlertRule::SupportRequested,
        AlertRule::LowFirstSession,
        AlertRule::ReliableDeterioration,
        AlertRule::Drop,
        AlertRule::LowScore,
        AlertRule::Plateau,
        AlertRule::MissingCheckin,
    ];

    /// The rule's stable id (`low_first_session`, ...).
    pub fn id(self) -> &'static str {
        match self {
            AlertRule::SupportRequested => "support_requested",
            AlertRule::LowFirstSession => "low_first_session",
            AlertRule::ReliableDeterioration => "reliable_deterioration",
            AlertRule::Drop => "drop",
            AlertRule::LowScore => "low_score",
            AlertRule::MissingCheckin => "missing_checkin",
            AlertRule::Plateau => "plateau",
        }
    }

    /// How urgently the therapist should look.
    pub fn severity(self) -> Severity {
        match self {
            AlertRule::SupportRequested => Severity::Urgent,
            AlertRule::LowFirstSession | AlertRule::ReliableDeterioration => Severity::High,
            AlertRule::Drop | AlertRule::LowScore | AlertRule::Plateau => Severity::Medium,
            AlertRule::MissingCheckin => Severity::Low,
        }
    }
}

/// How urgently an alert asks for the therapist's attention. Sorts most
/// urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The client asked for support.
    Urgent,
    /// Look before the next session.
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

/// One alert about one client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable id (12 hex digits), the same every time it is computed; what
    /// `therapist ack --alert ID` takes.
    pub id: String,
    /// The therapist's label for the client.
    pub client_label: String,
    /// The client's device (labels need not be unique).
    pub client: DeviceId,
    /// The rule that raised it.
    pub rule: AlertRule,
    /// How urgent it is.
    pub severity: Severity,
    /// One sentence naming the numbers.
    pub reason: String,
    /// The session it is about, when there is one.
    pub session_date: Option<NaiveDate>,
    /// When the therapist acknowledged it; `None` while open.
    pub acknowledged_at: Option<DateTime<Utc>>,
}

/// Thresholds of the rules. The defaults suit the bundled 5-point check-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertRules {
    /// `low_score`: an item rated at or below this (default 2, "a little").
    pub low_score_at_or_below: u8,
    /// `low_first_session`: an item of the first check-in at or below this (default 2).
    pub low_first_session_at_or_below: u8,
    /// `drop`: an item fell by at least this from the previous session (default 2).
    pub drop_by_at_least: u8,
    /// `plateau`: sessions without reliable improvement (default 6).
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
}

impl Default for AlertRules {
    fn default() -> Self {
        AlertRules {
            low_score_at_or_below: 2,
            low_first_session_at_or_below: 2,
            drop_by_at_least: 2,
            plateau_sessions: 6,
            plateau_unless_at_or_above: 4,
            missing_after_days: 14,
            missing_session_grace_days: 2,
        }
    }
}

impl AlertRules {
    /// Sets one threshold by name (as `therapist rules --set NAME=VALUE` does).
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let number = |max: u64| -> Result<u64, String> {
            match value.trim().parse::<u64>() {
                Ok(v) if (1..=max).contains(&v) => Ok(v),
                _ => Err(format!("{name} takes a whole number from 1 to {max}")),
            }
        };
        match name {
            "low_score_at_or_below" => self.low_score_at_or_below = number(10)? as u8,
            "low_first_session_at_or_below" => {
                self.low_first_session_at_or_below = number(10)? as u8
            }
            "drop_by_at_least" => self.drop_by_at_least = number(10)? as u8,
            "plateau_sessions" => self.plateau_sessions = number(100)? as u32,
            "plateau_unless_at_or_above" => self.plateau_unless_at_or_above = number(10)? as u8,
            "missing_after_days" => self.missing_after_days = number(365)? as u32,
            "missing_session_grace_days" => self.missing_session_grace_days = number(60)? as u32,
            _ => {
                return Err(format!(
                    "no rule setting called {name:?}; see `rapport therapist rules`"
                ));
            }
        }
        Ok(())
    }

    /// Every setting with its value, in a fixed order, for display.
    pub fn entries(&self) -> Vec<(&'static str, u64, &'static str)> {
        vec![
            (
                "low_score_at_or_below",
                self.low_score_at_or_below.into(),
                "low_score: an item rated at or below this",
            ),
            (
                "low_first_session_at_or_below",
                self.low_first_session_at_or_below.into(),
                "low_first_session: an item of the first check-in at or below this",
            ),
            (
                "drop_by_at_least",
                self.drop_by_at_least.into(),
                "drop: an item fell by at least this from the previous session",
            ),
            (
                "plateau_sessions",
                self.plateau_sessions.into(),
                "plateau: sessions without reliable improvement",
            ),
            (
                "plateau_unless_at_or_above",
                self.plateau_unless_at_or_above.into(),
                "plateau: not raised while every required item is at or above this",
            ),
            (
                "missing_after_days",
                self.missing_after_days.into(),
                "missing_checkin: days without a check-in",
            ),
            (
                "missing_session_grace_days",
                self.missing_session_grace_days.into(),
                "missing_checkin: days after a recorded session",
            ),
        ]
    }
}

/// The alert id: a hash of who, which rule and what about, so it is stable
/// across recomputation and devices restored from a recovery kit.
fn alert_id(sender: &DeviceId, rule: AlertRule, subject: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(b"rapport.alert.v1\0");
    hash.update(sender.0);
    hash.update(rule.id().as_bytes());
    hash.update([0]);
    hash.update(subject.as_bytes());
    hash.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// "5 Oct 2026": written by hand because chrono's strftime parses its
/// pattern on every call, and a long series formats thousands of dates.
fn day(date: NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {} {}",
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

/// `x` with two decimals ("2.58"), without pulling float formatting (and
/// its tables) into the phone library for one number.
fn hundredths(x: f64) -> String {
    let h = (x * 100.0).round() as i64;
    format!("{}.{:02}", h / 100, h % 100)
}

fn item_name(id: &str) -> String {
    id.replace('_', " ")
}

/// "heard 1 and hopeful 2".
fn listing(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

struct Raise<'a> {
    sender: &'a DeviceId,
    out: Vec<Alert>,
}

impl Raise<'_> {
    fn push(&mut self, rule: AlertRule, subject: &str, date: Option<NaiveDate>, reason: String) {
        self.out.push(Alert {
            id: alert_id(self.sender, rule, subject),
            client_label: String::new(),
            client: *self.sender,
            rule,
            severity: rule.severity(),
            reason,
            session_date: date,
            acknowledged_at: None,
        });
    }
}

/// Alerts raised by the series itself (everything but `missing_checkin`).
pub(super) fn series_alerts(
    sender: &DeviceId,
    points: &[SessionPoint],
    instrument: &Instrument,
    rules: &AlertRules,
) -> Vec<Alert> {
    let mut raise = Raise {
        sender,
        out: Vec::new(),
    };
    let rci = |item: &str, from: u8, to: u8| -> f64 {
        instrument
            .item(item)
            .and_then(|spec| spec.reliable_change)
            .map(|rc| rc.index(f64::from(to) - f64::from(from)))
            .unwrap_or(0.0)
    };
    let required: Vec<&str> = instrument
        .items
        .iter()
        .filter(|i| i.required)
        .map(|i| i.id.as_str())
        .collect();
    // Episodes: a rule that describes a state (low, deteriorated, stuck)
    // alerts when the state begins, not at every session it lasts.
    let mut low_before: Vec<&str> = Vec::new();
    let mut deterioration_armed: std::collections::HashMap<&str, bool> = Default::default();
    let mut plateau_at: Option<usize> = None;
    for (i, point) in points.iter().enumerate() {
        let subject = point.record_id.to_string();
        let date = point.session_date;
        let ratings = |pick: &dyn Fn(&str, u8) -> bool| -> Vec<String> {
            point
                .answers
                .iter()
                .filter(|(item, v)| pick(item, **v))
                .map(|(item, v)| format!("{} {v}", item_name(item)))
                .collect()
        };

        if point.support_requested {
            let all = ratings(&|_, _| true);
            raise.push(
                AlertRule::SupportRequested,
                &subject,
                Some(date),
                format!(
                    "Asked for support with the check-in for the session on {} ({}). The app \
                     showed them crisis resources; nobody watches check-ins in real time.",
                    day(date),
                    listing(&all)
                ),
            );
        }

        let low_now: Vec<&str> = point
            .answers
            .iter()
            .filter(|(_, v)| **v <= rules.low_score_at_or_below)
            .map(|(item, _)| item.as_str())
            .collect();
        let was_low = std::mem::replace(&mut low_before, low_now.clone());
        if i == 0 {
            let low = ratings(&|_, v| v <= rules.low_first_session_at_or_below);
            if !low.is_empty() {
                raise.push(
                    AlertRule::LowFirstSession,
                    &subject,
                    Some(date),
                    format!(
                        "The first session, on {}, was rated low: {} (at or below {}). The \
                         first session matters most: consider raising it at the start of the \
                         next one.",
                        day(date),
                        listing(&low),
                        rules.low_first_session_at_or_below
                    ),
                );
            }
            continue;
        }

        // Items that went low at this session (not those low already).
        let low = ratings(&|item, v| v <= rules.low_score_at_or_below && !was_low.contains(&item));
        if !low.is_empty() {
            raise.push(
                AlertRule::LowScore,
                &subject,
                Some(date),
                format!(
                    "Rated {} for the session on {} (at or below {}).",
                    listing(&low),
                    day(date),
                    rules.low_score_at_or_below
                ),
            );
        }

        let previous = &points[i - 1];
        let drops: Vec<String> = point
            .answers
            .iter()
            .filter_map(|(item, &now)| {
                let &before = previous.answers.get(item)?;
                (before >= now && before - now >= rules.drop_by_at_least).then(|| {
                    format!(
                        "{} fell from {before} to {now} (−{})",
                        item_name(item),
                        before - now
                    )
                })
            })
            .collect();
        if !drops.is_empty() {
            raise.push(
                AlertRule::Drop,
                &subject,
                Some(date),
                format!(
                    "{} between the sessions on {} and {}.",
                    capitalise(&listing(&drops)),
                    day(previous.session_date),
                    day(date)
                ),
            );
        }

        // Reliable deterioration since the first session: raised when it is
        // crossed, and again only after the item came back to where it started.
        let first_rating = |item: &str| points[..i].iter().find_map(|p| p.answers.get(item));
        let crossings: Vec<String> = point
            .answers
            .iter()
            .filter_map(|(item, &to)| {
                let &from = first_rating(item)?;
                let armed = deterioration_armed.entry(item.as_str()).or_insert(true);
                if to >= from {
                    *armed = true;
                }
                let index = rci(item, from, to);
                if index >= -RELIABLE_CHANGE || !*armed {
                    return None;
                }
                *armed = false;
                Some(format!(
                    "{} fell from {from} at the first session to {to} (change −{}, RCI −{}, \
                     beyond −{})",
                    item_name(item),
                    from - to,
                    hundredths(index.abs()),
                    hundredths(RELIABLE_CHANGE)
                ))
            })
            .collect();
        if !crossings.is_empty() {
            raise.push(
                AlertRule::ReliableDeterioration,
                &subject,
                Some(date),
                format!(
                    "{} on {}: a reliable deterioration, unlikely to be noise.",
                    capitalise(&listing(&crossings)),
                    day(date)
                ),
            );
        }

        // Plateau: raised once per stall; a reliable improvement on some
        // required item since the last plateau alert re-arms it.
        let window = rules.plateau_sessions.max(2) as usize;
        let plateau_armed = match plateau_at {
            None => true,
            Some(at) => required.iter().any(|item| {
                match (points[at].answers.get(*item), point.answers.get(*item)) {
                    (Some(&then), Some(&now)) => rci(item, then, now) > RELIABLE_CHANGE,
                    _ => false,
                }
            }),
        };
        if plateau_armed && plateau_at.is_some() {
            plateau_at = None;
        }
        if i + 1 >= window && plateau_at.is_none() {
            let start = &points[i + 1 - window];
            let moves: Vec<(String, f64, u8)> = required
                .iter()
                .filter_map(|item| {
                    let &from = start.answers.get(*item)?;
                    let &to = point.answers.get(*item)?;
                    Some((
                        format!("{} {from} → {to}", item_name(item)),
                        rci(item, from, to),
                        to,
                    ))
                })
                .collect();
            // Reliably better is progress; reliably worse is not a plateau
            // but a deterioration, which has its own alert.
            let improved = moves.iter().any(|(_, index, _)| *index > RELIABLE_CHANGE);
            let worse = moves.iter().any(|(_, index, _)| *index < -RELIABLE_CHANGE);
            let doing_well = !moves.is_empty()
                && moves
                    .iter()
                    .all(|(_, _, to)| *to >= rules.plateau_unless_at_or_above);
            if !moves.is_empty() && !improved && !worse && !doing_well {
                let parts: Vec<String> = moves.into_iter().map(|(text, _, _)| text).collect();
                raise.push(
                    AlertRule::Plateau,
                    &subject,
                    Some(date),
                    format!(
                        "No reliable improvement over the last {window} sessions ({} to {}: {}). \
                         The therapy may have stalled: consider reviewing the plan together.",
                        day(start.session_date),
                        day(date),
                        listing(&parts)
                    ),
                );
                plateau_at = Some(i);
            }
        }
    }
    raise.out
}

/// `missing_checkin` alerts, which depend on today's date: sessions the
/// therapist recorded without a check-in after the grace period, and a
/// silence longer than the expected cadence.
pub(super) fn missing_alerts(
    sender: &DeviceId,
    points: &[SessionPoint],
    recorded_sessions: &[NaiveDate],
    paired_on: NaiveDate,
    today: NaiveDate,
    rules: &AlertRules,
) -> Vec<Alert> {
    let mut raise = Raise {
        sender,
        out: Vec::new(),
    };
    let grace = chrono::Days::new(rules.missing_session_grace_days.into());
    // `points` may be only the latest sessions: a recorded session before
    // the first of them cannot be judged from them (and is long past).
    let earliest = points.first().map(|p| p.session_date);
    for &session in recorded_sessions {
        if earliest.is_some_and(|first| session < first) {
            continue;
        }
        let answered = points
            .iter()
            .any(|p| p.session_date >= session && p.session_date <= session + grace);
        if !answered && today > session + grace {
            raise.push(
                AlertRule::MissingCheckin,
                &format!("session:{session}"),
                Some(session),
                format!(
                    "No check-in for the session you recorded on {} ({} days ago).",
                    day(session),
                    (today - session).num_days()
                ),
            );
        }
    }
    let (since, what) = match points.iter().map(|p| p.session_date).max() {
        Some(latest) => (latest, "the latest check-in"),
        None => (paired_on, "pairing"),
    };
    let silent = (today - since).num_days();
    if silent > i64::from(rules.missing_after_days) {
        raise.push(
            AlertRule::MissingCheckin,
            &format!("since:{since}"),
            None,
            format!(
                "No check-in for {silent} days, since {what} on {} (expected at least every {} \
                 days).",
                day(since),
                rules.missing_after_days
            ),
        );
    }
    raise.out
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::series;
    use super::*;
    use crate::model::Instruments;

    fn instrument() -> Instrument {
        Instruments::bundled()
            .unwrap()
            .latest("session-checkin")
            .unwrap()
            .clone()
    }

    fn sender() -> DeviceId {
        DeviceId([7; 16])
    }

    fn rules_of(ratings: &[(u8, u8)]) -> Vec<AlertRule> {
        rules_with(ratings, &AlertRules::default())
    }

    fn rules_with(ratings: &[(u8, u8)], rules: &AlertRules) -> Vec<AlertRule> {
        series_alerts(&sender(), &series(ratings), &instrument(), rules)
            .into_iter()
            .map(|a| a.rule)
            .collect()
    }

    fn count(ratings: &[(u8, u8)], rule: AlertRule) -> usize {
        rules_of(ratings).into_iter().filter(|r| *r == rule).count()
    }

    #[test]
    fn a_first_checkin_of_one_and_one_is_a_low_first_session() {
        let alerts = series_alerts(
            &sender(),
            &series(&[(1, 1)]),
            &instrument(),
            &Default::default(),
        );
        assert_eq!(alerts.len(), 1);
        let alert = &alerts[0];
        assert_eq!(alert.rule, AlertRule::LowFirstSession);
        assert_eq!(alert.severity, Severity::High);
        assert!(
            alert.reason.contains("heard 1 and hopeful 1"),
            "{}",
            alert.reason
        );
        assert!(alert.reason.contains("7 Sep 2026"), "{}", alert.reason);
        assert_eq!(alert.id.len(), 12);
    }

    #[test]
    fn low_first_session_at_below_and_above_its_threshold() {
        // Default threshold 2: at (2) and below (1) raise it, above (3) does not.
        assert_eq!(count(&[(2, 4)], AlertRule::LowFirstSession), 1);
        assert_eq!(count(&[(4, 1)], AlertRule::LowFirstSession), 1);
        assert_eq!(count(&[(3, 3)], AlertRule::LowFirstSession), 0);
        // Only the first session: a low second session is a low score instead.
        assert_eq!(count(&[(4, 4), (1, 1)], AlertRule::LowFirstSession), 0);
    }

    #[test]
    fn low_score_at_below_and_above_its_threshold() {
        assert_eq!(count(&[(4, 4), (4, 2)], AlertRule::LowScore), 1);
        assert_eq!(count(&[(4, 4), (1, 4)], AlertRule::LowScore), 1);
        assert_eq!(count(&[(4, 4), (3, 3)], AlertRule::LowScore), 0);
        // Raised when an item goes low, not again while it stays low.
        assert_eq!(
            count(&[(4, 4), (4, 2), (4, 2), (4, 1)], AlertRule::LowScore),
            1
        );
        assert_eq!(
            count(&[(4, 4), (4, 2), (4, 3), (4, 2)], AlertRule::LowScore),
            2
        );
        assert_eq!(count(&[(4, 4), (4, 2), (2, 2)], AlertRule::LowScore), 2);
        // A stricter setting moves the line.
        let strict = AlertRules {
            low_score_at_or_below: 3,
            ..Default::default()
        };
        assert!(rules_with(&[(4, 4), (3, 4)], &strict).contains(&AlertRule::LowScore));
        let alerts = series_alerts(
            &sender(),
            &series(&[(4, 4), (4, 2)]),
            &instrument(),
            &Default::default(),
        );
        let low = alerts
            .iter()
            .find(|a| a.rule == AlertRule::LowScore)
            .unwrap();
        assert_eq!(
            low.reason,
            "Rated hopeful 2 for the session on 14 Sep 2026 (at or below 2)."
        );
    }

    #[test]
    fn drop_at_below_and_above_its_threshold() {
        assert_eq!(count(&[(5, 5), (5, 3)], AlertRule::Drop), 1); // fell by 2: at
        assert_eq!(count(&[(5, 5), (2, 5)], AlertRule::Drop), 1); // fell by 3: beyond
        assert_eq!(count(&[(5, 5), (4, 4)], AlertRule::Drop), 0); // fell by 1: below
        assert_eq!(count(&[(3, 3), (5, 5)], AlertRule::Drop), 0); // rose
        let alerts = series_alerts(
            &sender(),
            &series(&[(5, 5), (5, 3)]),
            &instrument(),
            &Default::default(),
        );
        let drop = alerts.iter().find(|a| a.rule == AlertRule::Drop).unwrap();
        assert_eq!(
            drop.reason,
            "Hopeful fell from 5 to 3 (−2) between the sessions on 7 Sep 2026 and 14 Sep 2026."
        );
    }

    #[test]
    fn reliable_deterioration_at_below_and_above_the_index() {
        // From the first session: −2 gives RCI −2.58 (reliable), −1 gives −1.29 (not).
        assert_eq!(
            count(&[(4, 4), (4, 3), (4, 2)], AlertRule::ReliableDeterioration),
            1
        );
        assert_eq!(
            count(&[(4, 4), (4, 3), (4, 3)], AlertRule::ReliableDeterioration),
            0
        );
        // Raised once when crossed, not again while it persists, again after recovering.
        assert_eq!(
            count(
                &[(4, 4), (4, 2), (4, 2), (4, 1)],
                AlertRule::ReliableDeterioration
            ),
            1
        );
        assert_eq!(
            count(
                &[(4, 4), (4, 2), (4, 4), (4, 2)],
                AlertRule::ReliableDeterioration
            ),
            2
        );
        let alerts = series_alerts(
            &sender(),
            &series(&[(4, 4), (4, 2)]),
            &instrument(),
            &Default::default(),
        );
        let det = alerts
            .iter()
            .find(|a| a.rule == AlertRule::ReliableDeterioration)
            .unwrap();
        assert!(det.reason.contains("RCI −2.58"), "{}", det.reason);
        assert_eq!(det.severity, Severity::High);
    }

    #[test]
    fn plateau_at_below_and_above_its_session_count() {
        let flat = [(3, 3); 6];
        assert_eq!(count(&flat, AlertRule::Plateau), 1); // 6 sessions: at
        assert_eq!(count(&flat[..5], AlertRule::Plateau), 0); // 5: below
        assert_eq!(count(&[(3, 3); 11], AlertRule::Plateau), 1); // not every session
        assert_eq!(count(&[(3, 3); 24], AlertRule::Plateau), 1); // one stall, one alert
        // A reliable improvement re-arms it; stalling again raises it again.
        let mut twice = vec![(3, 3); 6];
        twice.extend([(3, 5); 6]);
        assert_eq!(count(&twice, AlertRule::Plateau), 2);
        // Reliable improvement inside the window: not a plateau.
        assert_eq!(
            count(
                &[(3, 2), (3, 2), (3, 3), (3, 3), (3, 4), (3, 4)],
                AlertRule::Plateau
            ),
            0
        );
        // Getting reliably worse is a deterioration, not a plateau.
        assert_eq!(
            count(
                &[(4, 4), (4, 4), (4, 4), (4, 3), (3, 3), (3, 2)],
                AlertRule::Plateau
            ),
            0
        );
        // Doing well (every required item at or above 4) is not being stuck.
        assert_eq!(count(&[(4, 4); 6], AlertRule::Plateau), 0);
        assert_eq!(count(&[(4, 3); 6], AlertRule::Plateau), 1);
        let alerts = series_alerts(
            &sender(),
            &series(&flat),
            &instrument(),
            &Default::default(),
        );
        let plateau = alerts
            .iter()
            .find(|a| a.rule == AlertRule::Plateau)
            .unwrap();
        assert!(
            plateau.reason.contains("last 6 sessions"),
            "{}",
            plateau.reason
        );
        assert!(plateau.reason.contains("reviewing the plan together"));
    }

    #[test]
    fn support_requested_is_urgent_and_names_the_ratings() {
        let mut points = series(&[(4, 4), (2, 1)]);
        points[1].support_requested = true;
        let alerts = series_alerts(&sender(), &points, &instrument(), &Default::default());
        let support = alerts
            .iter()
            .find(|a| a.rule == AlertRule::SupportRequested)
            .unwrap();
        assert_eq!(support.severity, Severity::Urgent);
        assert!(
            support.reason.contains("heard 2 and hopeful 1"),
            "{}",
            support.reason
        );
        assert!(
            support
                .reason
                .contains("nobody watches check-ins in real time")
        );
        let no_request = series_alerts(
            &sender(),
            &series(&[(4, 4), (2, 1)]),
            &instrument(),
            &Default::default(),
        );
        assert!(
            no_request
                .iter()
                .all(|a| a.rule != AlertRule::SupportRequested)
        );
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = series_alerts(
            &sender(),
            &series(&[(1, 1), (1, 1)]),
            &instrument(),
            &Default::default(),
        );
        let b = series_alerts(
            &sender(),
            &series(&[(1, 1), (1, 1)]),
            &instrument(),
            &Default::default(),
        );
        assert_eq!(a, b);
        let ids: std::collections::HashSet<_> = a.iter().map(|x| &x.id).collect();
        assert_eq!(ids.len(), a.len());
        let other = series_alerts(
            &DeviceId([8; 16]),
            &series(&[(1, 1)]),
            &instrument(),
            &Default::default(),
        );
        assert_ne!(other[0].id, a[0].id);
    }

    #[test]
    fn missing_checkin_for_a_recorded_session_and_for_silence() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
        let points = series(&[(4, 4)]); // one check-in, 7 Sep 2026
        let rules = AlertRules::default();
        // A recorded session answered within the grace period: nothing.
        let mut answered = series(&[(4, 4)]);
        answered[0].session_date = d(10);
        assert!(missing_alerts(&sender(), &answered, &[d(9)], d(1), d(20), &rules).is_empty());
        // Unanswered: missing after the grace period (2 days), not before.
        let recorded = [d(16)];
        assert!(missing_alerts(&sender(), &answered, &recorded, d(1), d(18), &rules).is_empty());
        let late = missing_alerts(&sender(), &answered, &recorded, d(1), d(19), &rules);
        assert_eq!(late.len(), 1);
        assert!(late[0].reason.contains("16 Nov 2026"), "{}", late[0].reason);
        assert_eq!(late[0].severity, Severity::Low);
        // Silence: 14 days after the latest check-in is at, 15 beyond.
        let latest = NaiveDate::from_ymd_opt(2026, 9, 7).unwrap();
        let at = latest + chrono::Days::new(14);
        assert!(missing_alerts(&sender(), &points, &[], d(1), at, &rules).is_empty());
        let beyond = missing_alerts(
            &sender(),
            &points,
            &[],
            d(1),
            at + chrono::Days::new(1),
            &rules,
        );
        assert_eq!(beyond.len(), 1);
        assert!(
            beyond[0].reason.contains("No check-in for 15 days"),
            "{}",
            beyond[0].reason
        );
        // Never checked in: counted from pairing.
        let never = missing_alerts(&sender(), &[], &[], d(1), d(20), &rules);
        assert!(
            never[0].reason.contains("since pairing"),
            "{}",
            never[0].reason
        );
    }

    #[test]
    fn settings_are_checked_by_name_and_range() {
        let mut rules = AlertRules::default();
        rules.set("drop_by_at_least", "3").unwrap();
        assert_eq!(rules.drop_by_at_least, 3);
        assert!(rules.set("drop_by_at_least", "0").is_err());
        assert!(rules.set("drop_by_at_least", "x").is_err());
        assert!(
            rules
                .set("no_such_rule", "1")
                .unwrap_err()
                .contains("no rule setting")
        );
        assert_eq!(rules.entries().len(), 7);
    }
}
