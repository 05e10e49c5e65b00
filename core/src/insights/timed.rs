//! What today's date adds to a client's flags: a difficult check-in
//! followed by silence escalates, and a missing check-in is a flag of its
//! own. Applied when flags are read, on top of the stored summary.
//!
//! The golden hour: a client who leaves a difficult first session and does
//! not come back is the case Rapport exists for, so silence after it is
//! stronger than a missing check-in — it escalates that flag to high, and no
//! separate missing-check-in flag repeats the story.

use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::SessionPoint;
use super::flags::{Flag, FlagEvent, FlagEventKind, FlagKind, Reason, flag_id, reason_id};
use super::rules::{FlagRules, Rule, Severity};
use super::sentences::{Arg, Sentence};
use crate::identity::DeviceId;

/// Everything the timed rules read.
pub(crate) struct TimedInput<'a> {
    pub sender: &'a DeviceId,
    /// The latest check-ins (the summary's window), oldest first.
    pub points: &'a [SessionPoint],
    /// Sessions the therapist recorded with this client, oldest first.
    pub recorded: &'a [NaiveDate],
    pub paired_on: NaiveDate,
    pub today: NaiveDate,
    pub rules: &'a FlagRules,
    /// The client paused sharing: silence is expected.
    pub paused: bool,
    pub discussed: &'a HashMap<String, DateTime<Utc>>,
}

/// Escalates the open flag of the latest check-in after silence, and adds
/// the missing-check-in flag when one is due. `flags` are the client's open
/// flags.
pub(crate) fn apply_timed(flags: &mut Vec<Flag>, input: &TimedInput<'_>) {
    if input.paused {
        return;
    }
    let latest = input.points.last().map(|p| p.session_date);
    let escalated = latest.is_some_and(|latest| escalate(flags, input, latest));
    if !escalated {
        flags.extend(missing_flag(input, latest));
    }
}

/// Whether the client came back after `since`: a check-in or a session the
/// therapist recorded.
fn came_back(input: &TimedInput<'_>, since: NaiveDate) -> bool {
    input
        .recorded
        .iter()
        .any(|&s| s > since && s <= input.today)
}

fn escalate(flags: &mut [Flag], input: &TimedInput<'_>, latest: NaiveDate) -> bool {
    let after = input.rules.escalate_after_days;
    let silent = (input.today - latest).num_days();
    if silent <= i64::from(after) || came_back(input, latest) {
        return false;
    }
    let Some(flag) = flags.iter_mut().find(|f| {
        f.is_open()
            && f.updated_on == latest
            && matches!(f.kind, FlagKind::DifficultFirstSession | FlagKind::Concern)
    }) else {
        return false;
    };
    let since = latest + Days::new(u64::from(after) + 1);
    let first = flag.kind == FlagKind::DifficultFirstSession;
    let text = Sentence::new(
        if first {
            "reason.no_return.first_session"
        } else {
            "reason.no_return"
        },
        [
            ("date", Arg::Date(latest)),
            ("days", Arg::Count("days".into(), days(silent))),
        ],
    );
    flag.headline = if first {
        Sentence::new(
            "headline.no_return.first_session",
            [("why", Arg::sentence(text.clone()))],
        )
    } else {
        Sentence::new(
            "headline.no_return",
            [
                ("why", Arg::sentence(text.clone())),
                ("headline", Arg::sentence(flag.headline.clone())),
            ],
        )
    };
    flag.severity = flag.severity.min(Severity::High);
    flag.escalated = true;
    flag.events.push(FlagEvent {
        on: since,
        kind: FlagEventKind::Escalated,
        text: text.clone(),
    });
    flag.reasons.push(Reason {
        id: reason_id(input.sender, Rule::NoReturn, &format!("after:{latest}")),
        rule: Rule::NoReturn,
        session_date: Some(latest),
        text,
        rci: None,
        acknowledged_at: None,
    });
    true
}

/// The one missing-check-in flag due today, if any: every recorded session
/// since the latest check-in left unanswered past its grace days, and a
/// silence longer than the expected cadence.
fn missing_flag(input: &TimedInput<'_>, latest: Option<NaiveDate>) -> Option<Flag> {
    let rules = input.rules;
    let grace = Days::new(rules.missing_session_grace_days.into());
    let since = latest.unwrap_or(input.paired_on);
    let mut reasons = Vec::new();
    let mut opened: Option<NaiveDate> = None;
    // Each reason, and the same words as part of a headline that tells
    // several.
    let mut parts = Vec::new();
    for &session in input.recorded {
        let after_latest = latest.is_none_or(|l| session > l) && session >= input.paired_on;
        if !after_latest || input.today <= session + grace {
            continue;
        }
        opened = Some(opened.map_or(session, |o| o.min(session)));
        let args = [
            ("date", Arg::Date(session)),
            (
                "days",
                Arg::Count("days".into(), days((input.today - session).num_days())),
            ),
        ];
        parts.push(Sentence::new("missing.session", args.clone()));
        reasons.push(reason(
            input,
            &format!("session:{session}"),
            Some(session),
            Sentence::new("reason.missing.session", args),
        ));
    }
    let silent = (input.today - since).num_days();
    if silent > i64::from(rules.missing_after_days) {
        let what = if latest.is_some() {
            "since_checkin"
        } else {
            "since_pairing"
        };
        let due = since + Days::new(u64::from(rules.missing_after_days) + 1);
        opened = Some(opened.map_or(due, |o| o.min(due)));
        let args = [
            ("days", Arg::Count("days".into(), days(silent))),
            ("date", Arg::Date(since)),
            ("every", Arg::Count("days".into(), rules.missing_after_days)),
        ];
        parts.push(Sentence::new(&format!("missing.{what}"), args.clone()));
        reasons.push(reason(
            input,
            &format!("since:{since}"),
            None,
            Sentence::new(&format!("reason.missing.{what}"), args),
        ));
    }
    let opened = opened?;
    let id = flag_id(
        input.sender,
        FlagKind::MissingCheckin,
        &format!("after:{since}"),
    );
    // Discussed: quiet until the client checks in again (a new id then).
    if input.discussed.contains_key(&id) {
        return None;
    }
    let headline = match reasons.as_slice() {
        [one] => one.text.clone(),
        _ => Sentence::new(
            "headline.missing",
            [("date", Arg::Date(since)), ("reasons", Arg::List(parts))],
        ),
    };
    let flag = Flag {
        id,
        client: *input.sender,
        client_label: String::new(),
        kind: FlagKind::MissingCheckin,
        severity: FlagKind::MissingCheckin.base_severity(),
        escalated: false,
        headline: headline.clone(),
        opened_on: opened,
        updated_on: input.today.min(opened.max(since)),
        resolution: None,
        reasons,
        earlier_reasons: 0,
        events: vec![FlagEvent {
            on: opened,
            kind: FlagEventKind::Opened,
            text: headline,
        }],
    };
    Some(flag)
}

/// A count of days for a sentence (never negative).
fn days(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

fn reason(
    input: &TimedInput<'_>,
    subject: &str,
    session: Option<NaiveDate>,
    text: Sentence,
) -> Reason {
    Reason {
        id: reason_id(input.sender, Rule::MissingCheckin, subject),
        rule: Rule::MissingCheckin,
        session_date: session,
        text,
        rci: None,
        acknowledged_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::flags::{SeriesInput, series_flags};
    use super::super::tests::series;
    use super::*;
    use crate::model::Instruments;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, day).unwrap()
    }

    struct Case {
        points: Vec<SessionPoint>,
        recorded: Vec<NaiveDate>,
        paused: bool,
        discussed: HashMap<String, DateTime<Utc>>,
        rules: FlagRules,
    }

    impl Case {
        fn new(ratings: &[(u8, u8)], first: NaiveDate) -> Case {
            let mut points = series(ratings);
            for (i, p) in points.iter_mut().enumerate() {
                p.session_date = first + Days::new(7 * i as u64);
            }
            Case {
                points,
                recorded: Vec::new(),
                paused: false,
                discussed: HashMap::new(),
                rules: FlagRules::default(),
            }
        }

        fn on(&self, today: NaiveDate) -> Vec<Flag> {
            let sender = DeviceId([5; 16]);
            let instruments = Instruments::bundled().unwrap();
            let mut flags: Vec<Flag> = series_flags(&SeriesInput {
                sender: &sender,
                points: &self.points,
                editions: &[],
                notes: &HashMap::new(),
                instruments: &instruments,
                instrument: instruments.current().unwrap(),
                rules: &self.rules,
                discussed: &self.discussed,
                received: &HashMap::new(),
            })
            .into_iter()
            .filter(Flag::is_open)
            .collect();
            apply_timed(
                &mut flags,
                &TimedInput {
                    sender: &sender,
                    points: &self.points,
                    recorded: &self.recorded,
                    paired_on: d(1),
                    today,
                    rules: &self.rules,
                    paused: self.paused,
                    discussed: &self.discussed,
                },
            );
            flags
        }
    }

    fn kinds(flags: &[Flag]) -> Vec<FlagKind> {
        flags.iter().map(|f| f.kind).collect()
    }

    #[test]
    fn silence_is_missing_after_fourteen_days_not_before() {
        let case = Case::new(&[(4, 4)], d(2));
        assert!(case.on(d(16)).is_empty(), "14 days: at the cadence");
        let flags = case.on(d(17));
        assert_eq!(kinds(&flags), [FlagKind::MissingCheckin]);
        assert_eq!(flags[0].severity, Severity::Low);
        assert!(
            flags[0]
                .headline
                .render("en")
                .contains("No check-in for 15 days"),
            "{}",
            flags[0].headline.render("en")
        );
        // Never checked in: counted from pairing.
        let never = Case::new(&[], d(2));
        assert!(!never.on(d(20)).is_empty());
        assert!(
            never.on(d(20))[0]
                .headline
                .render("en")
                .contains("since pairing")
        );
    }

    #[test]
    fn a_recorded_session_without_a_checkin_is_missing_after_its_grace_days() {
        let mut case = Case::new(&[(4, 4)], d(2));
        case.recorded = vec![d(9)];
        assert!(case.on(d(11)).is_empty(), "two grace days");
        let flags = case.on(d(12));
        assert_eq!(kinds(&flags), [FlagKind::MissingCheckin]);
        assert!(flags[0].reasons[0].text.render("en").contains("9 Nov 2026"));
        // Two unanswered sessions and a long silence: still one flag.
        case.recorded = vec![d(9), d(16)];
        let flags = case.on(d(25));
        assert_eq!(kinds(&flags), [FlagKind::MissingCheckin]);
        assert_eq!(flags[0].reasons.len(), 3, "{:#?}", flags[0].reasons);
    }

    #[test]
    fn paused_sharing_raises_no_missing_checkin_and_no_escalation() {
        let mut case = Case::new(&[(3, 2)], d(2));
        case.recorded = vec![];
        case.paused = true;
        let flags = case.on(d(28));
        assert_eq!(kinds(&flags), [FlagKind::DifficultFirstSession]);
        assert!(!flags[0].escalated);
        case.paused = false;
        assert!(case.on(d(28))[0].escalated);
    }

    #[test]
    fn escalation_at_below_and_above_ten_days() {
        let case = Case::new(&[(4, 4), (4, 4), (4, 4), (4, 4), (1, 2)], d(1));
        let latest = case.points.last().unwrap().session_date;
        let at = case.on(latest + Days::new(10));
        assert_eq!(at[0].kind, FlagKind::Concern);
        assert!(!at[0].escalated);
        let after = case.on(latest + Days::new(11));
        assert_eq!(
            kinds(&after),
            [FlagKind::Concern],
            "no separate missing flag"
        );
        assert!(after[0].escalated);
        assert_eq!(after[0].severity, Severity::High);
        assert!(
            after[0]
                .headline
                .render("en")
                .starts_with("No check-in and no recorded session for 11 days")
        );
        assert_eq!(after[0].events.last().unwrap().on, latest + Days::new(11));
        // A flag raised earlier than the latest check-in is not the client going silent on it.
        let earlier = Case::new(&[(4, 4), (4, 4), (4, 4), (4, 4), (1, 2), (3, 3)], d(1));
        let latest = earlier.points.last().unwrap().session_date;
        let flags = earlier.on(latest + Days::new(12));
        assert!(flags.iter().all(|f| !f.escalated), "{flags:#?}");
    }

    #[test]
    fn a_discussed_silence_stays_quiet_until_the_next_checkin() {
        let mut case = Case::new(&[(4, 4)], d(2));
        let id = case.on(d(20))[0].id.clone();
        case.discussed
            .insert(id, d(20).and_hms_opt(9, 0, 0).unwrap().and_utc());
        assert!(case.on(d(25)).is_empty());
    }
}
