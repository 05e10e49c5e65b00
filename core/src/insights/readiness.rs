//! Review and ending readiness: two calm flags that look at a client's
//! session ratings together with the goals they share.
//!
//! - `review_suggested`: over the last `review_sessions` check-ins (4 by
//!   default) every required item was high (`review_at_or_above`, 4) and
//!   steady (no fall of `drop_by_at_least`, 2, from one session to the
//!   next), and every goal the client shares and works on was rated high
//!   (`review_goal_at_or_above`, 7 of 10) and steady. A review together may
//!   help: space sessions out, plan a booster, or plan the ending.
//! - `goals_stuck`: over the last `stuck_sessions` check-ins (6) every
//!   required item was high, but no shared goal moved (its ratings spanned
//!   less than `goal_moved_by`, 2) and not every goal is high yet: a client
//!   comfortable in therapy but not moving. The plateau rule is silent
//!   here, since it never fires while ratings are high.
//!
//! Both need at least one shared goal with ratings: how a session felt
//! says little on its own about being ready to end, and a private goal is
//! not the therapist's to see. Neither diagnoses anything. Each is opened
//! by the check-in where its condition first holds, stays open while it
//! holds, and resolves itself (`no_longer_holds`) at the first check-in
//! where it does not — or when the therapist marks it discussed, after
//! which it opens again only once the condition has lapsed and returned.

use std::collections::HashMap;

use uuid::Uuid;

use super::SessionPoint;
use super::flags::{
    Flag, FlagEvent, FlagEventKind, FlagKind, Reason, ResolutionKind, SeriesInput, discussed_on,
    flag_id, is_news, opened_by, reason_id,
};
use super::goals::GoalProgress;
use super::rules::Rule;
use super::sentences::{Arg, Sentence};
use crate::model::InstrumentRef;

/// Every readiness flag of a series (open and resolved), oldest first.
/// `goals` are the client's shared goals with their whole series.
pub(crate) fn readiness_flags(input: &SeriesInput<'_>, goals: &[GoalProgress]) -> Vec<Flag> {
    let ratings: Vec<GoalRatings> = goals.iter().map(GoalRatings::of).collect();
    let mut flags = Vec::new();
    let mut review = Watch::new(FlagKind::ReviewSuggested, Rule::ReviewSuggested);
    let mut stuck = Watch::new(FlagKind::GoalsStuck, Rule::GoalsStuck);
    for (i, point) in input.points.iter().enumerate() {
        let judge = Judge {
            input,
            goals,
            ratings: &ratings,
            at: i,
        };
        review.step(input, &mut flags, point, judge.review());
        stuck.step(input, &mut flags, point, judge.stuck());
    }
    review.close_marked(input, &mut flags, None);
    stuck.close_marked(input, &mut flags, None);
    flags.sort_by_key(|f| f.opened_on);
    flags
}

/// One goal's ratings by check-in.
struct GoalRatings(HashMap<Uuid, u8>);

impl GoalRatings {
    fn of(goal: &GoalProgress) -> GoalRatings {
        GoalRatings(
            goal.series
                .iter()
                .map(|p| (p.record_id, p.rating))
                .collect(),
        )
    }
}

/// Whether a condition holds at a check-in: the reason and headline when
/// it does, or the words for its end when it does not.
enum Verdict {
    Holds {
        reason: Sentence,
        headline: Sentence,
    },
    Fails {
        ended: Sentence,
    },
}

/// The conditions, looked at for the check-in `at`.
struct Judge<'a, 'b> {
    input: &'b SeriesInput<'a>,
    goals: &'b [GoalProgress],
    ratings: &'b [GoalRatings],
    at: usize,
}

impl Judge<'_, '_> {
    /// The last `n` check-ins up to this one, if there are that many.
    fn window(&self, n: u32) -> Option<&[SessionPoint]> {
        let n = n.max(2) as usize;
        (self.at + 1 >= n).then(|| &self.input.points[self.at + 1 - n..=self.at])
    }

    fn required(&self) -> impl Iterator<Item = &str> {
        self.input
            .instrument
            .items
            .iter()
            .filter(|i| i.required)
            .map(|i| i.id.as_str())
    }

    /// The edition the check-in `index` answered.
    fn edition(&self, index: usize) -> &InstrumentRef {
        self.input
            .editions
            .get(index)
            .unwrap_or(&self.input.instrument.reference)
    }

    /// Every required item at or above the high mark in every check-in of
    /// `window`; with `steady`, no fall of `drop_by_at_least` between two
    /// of them either (only between answers that may be compared: like
    /// with like across editions). The items' ranges for the reason, when
    /// so.
    fn sessions_high(&self, window: &[SessionPoint], steady: bool) -> Option<Vec<Sentence>> {
        let rules = self.input.rules;
        let start = self.at + 1 - window.len();
        let mut parts = Vec::new();
        for item in self.required() {
            let values: Vec<u8> = window
                .iter()
                .map(|p| p.answers.get(item).copied())
                .collect::<Option<_>>()?;
            if values.iter().any(|v| *v < rules.review_at_or_above) {
                return None;
            }
            let fell = values.windows(2).enumerate().any(|(k, w)| {
                w[0] >= w[1]
                    && w[0] - w[1] >= rules.drop_by_at_least
                    && self.input.instruments.comparable(
                        item,
                        self.edition(start + k),
                        self.edition(start + k + 1),
                    )
            });
            if steady && fell {
                return None;
            }
            let (low, high) = low_high(&values);
            parts.push(Sentence::new(
                "rating",
                [
                    ("item", Arg::Item(item.to_owned())),
                    ("rating", Arg::Span(low, high)),
                ],
            ));
        }
        (!parts.is_empty()).then_some(parts)
    }

    /// The ratings within `window` of each goal the client shares and works
    /// on at this check-in (not archived by its session, rated by then).
    fn goal_ratings(&self, window: &[SessionPoint]) -> Vec<Vec<u8>> {
        let point = &self.input.points[self.at];
        let up_to = &self.input.points[..=self.at];
        self.goals
            .iter()
            .zip(self.ratings)
            .filter(|(goal, _)| {
                goal.archived_at
                    .is_none_or(|at| at.date_naive() > point.session_date)
            })
            .filter(|(_, rated)| up_to.iter().any(|p| rated.0.contains_key(&p.record_id)))
            .map(|(_, rated)| {
                window
                    .iter()
                    .filter_map(|p| rated.0.get(&p.record_id).copied())
                    .collect()
            })
            .collect()
    }

    fn review(&self) -> Verdict {
        let rules = self.input.rules;
        let n = rules.review_sessions.max(2);
        let ended = || Verdict::Fails {
            ended: Sentence::new("ended.review", []),
        };
        let Some(window) = self.window(n) else {
            return ended();
        };
        let Some(items) = self.sessions_high(window, true) else {
            return ended();
        };
        let goals = self.goal_ratings(window);
        let goals_high = !goals.is_empty()
            && goals.iter().all(|r| {
                !r.is_empty()
                    && r.iter().all(|v| *v >= rules.review_goal_at_or_above)
                    && !r
                        .windows(2)
                        .any(|w| w[0] >= w[1] && w[0] - w[1] >= rules.drop_by_at_least)
            });
        if !goals_high {
            return ended();
        }
        Verdict::Holds {
            reason: window_reason(
                "reason.review",
                window,
                items,
                &goals,
                rules.drop_by_at_least,
            ),
            headline: Sentence::new(
                "headline.review",
                [("sessions", Arg::count("sessions", window.len()))],
            ),
        }
    }

    fn stuck(&self) -> Verdict {
        let rules = self.input.rules;
        let n = rules.stuck_sessions.max(2);
        let ended = |why: &str| Verdict::Fails {
            ended: Sentence::new(why, []),
        };
        let Some(window) = self.window(n) else {
            return ended("ended.goals_moved_or_not_high");
        };
        let Some(items) = self.sessions_high(window, false) else {
            return ended("ended.not_high");
        };
        let goals = self.goal_ratings(window);
        if goals.is_empty() || goals.iter().any(|r| r.len() < 2) {
            return ended("ended.goals_moved_or_not_high");
        }
        let moved = goals.iter().any(|r| {
            let (low, high) = low_high(r);
            high - low >= rules.goal_moved_by
        });
        if moved {
            return ended("ended.goal_moved");
        }
        let all_there = goals.iter().all(|r| {
            r.last()
                .is_some_and(|v| *v >= rules.review_goal_at_or_above)
        });
        if all_there {
            return ended("ended.goals_high");
        }
        Verdict::Holds {
            reason: window_reason("reason.stuck", window, items, &goals, rules.goal_moved_by),
            headline: Sentence::new(
                "headline.stuck",
                [("sessions", Arg::count("sessions", window.len()))],
            ),
        }
    }
}

/// One readiness flag's course through the series.
struct Watch {
    kind: FlagKind,
    rule: Rule,
    /// The open flag, by index.
    open: Option<usize>,
    /// Whether the condition may open a flag (it lapsed since the last one
    /// ended, or none was opened yet).
    armed: bool,
}

impl Watch {
    fn new(kind: FlagKind, rule: Rule) -> Watch {
        Watch {
            kind,
            rule,
            open: None,
            armed: true,
        }
    }

    fn step(
        &mut self,
        input: &SeriesInput<'_>,
        flags: &mut Vec<Flag>,
        point: &SessionPoint,
        verdict: Verdict,
    ) {
        self.close_marked(input, flags, Some(point));
        match verdict {
            Verdict::Holds { reason, headline } => {
                if self.open.is_none() && self.armed {
                    flags.push(self.open_flag(input, point, reason, headline));
                    self.open = Some(flags.len() - 1);
                    self.armed = false;
                }
            }
            Verdict::Fails { ended } => {
                if let Some(index) = self.open.take() {
                    flags[index].resolve(
                        ResolutionKind::NoLongerHolds,
                        point.session_date,
                        Sentence::new(
                            "resolution.no_longer_holds",
                            [
                                ("date", Arg::Date(point.session_date)),
                                ("ended", Arg::part(ended)),
                            ],
                        ),
                    );
                }
                self.armed = true;
            }
        }
    }

    /// Closes the open flag when the therapist marked it discussed before
    /// `next` arrived (at the end of the series, `None`: any mark).
    fn close_marked(
        &mut self,
        input: &SeriesInput<'_>,
        flags: &mut [Flag],
        next: Option<&SessionPoint>,
    ) {
        let Some(index) = self.open else {
            return;
        };
        let flag = &mut flags[index];
        if let Some(at) = input.discussed.get(&flag.id)
            && next.is_none_or(|point| is_news(input, at, point))
        {
            let on = at.date_naive();
            flag.resolve(ResolutionKind::Discussed, on, discussed_on(on));
            self.open = None;
        }
    }

    fn open_flag(
        &self,
        input: &SeriesInput<'_>,
        point: &SessionPoint,
        reason: Sentence,
        headline: Sentence,
    ) -> Flag {
        // As for every flag: a check-in edited after its flag was discussed
        // opens one with another id.
        let mut subject = point.record_id.to_string();
        let mut id = flag_id(input.sender, self.kind, &subject);
        while let Some(at) = input.discussed.get(&id)
            && is_news(input, at, point)
        {
            subject = format!("{}@{}", point.record_id, at.timestamp_millis());
            id = flag_id(input.sender, self.kind, &subject);
        }
        Flag {
            id,
            client: *input.sender,
            client_label: String::new(),
            kind: self.kind,
            severity: self.kind.base_severity(),
            escalated: false,
            headline: headline.clone(),
            opened_on: point.session_date,
            updated_on: point.session_date,
            resolution: None,
            reasons: vec![Reason {
                id: reason_id(input.sender, self.rule, &point.record_id.to_string()),
                rule: self.rule,
                session_date: Some(point.session_date),
                text: reason,
                rci: None,
                acknowledged_at: None,
            }],
            earlier_reasons: 0,
            events: vec![FlagEvent {
                on: point.session_date,
                kind: FlagEventKind::Opened,
                text: opened_by(point.session_date, headline),
            }],
        }
    }
}

fn low_high(values: &[u8]) -> (u8, u8) {
    let low = values.iter().min().copied().unwrap_or(0);
    let high = values.iter().max().copied().unwrap_or(0);
    (low, high)
}

/// A review's or a stall's reason: the items' ranges over `window`, the
/// fall (or move) `by` that did not happen, and the goals' ratings.
fn window_reason(
    id: &str,
    window: &[SessionPoint],
    items: Vec<Sentence>,
    goals: &[Vec<u8>],
    by: u8,
) -> Sentence {
    let all: Vec<u8> = goals.iter().flatten().copied().collect();
    let (low, high) = low_high(&all);
    Sentence::new(
        id,
        [
            ("items", Arg::List(items)),
            ("sessions", Arg::count("sessions", window.len())),
            ("start", Arg::Date(window[0].session_date)),
            ("end", Arg::Date(window[window.len() - 1].session_date)),
            ("by", Arg::Number(i64::from(by))),
            ("goals", Arg::part(shared_goals(goals.len()))),
            ("range", Arg::Span(low, high)),
        ],
    )
}

/// "the shared goal", "both shared goals", "all three shared goals".
fn shared_goals(n: usize) -> Sentence {
    match n {
        1 => Sentence::new("goals.shared.one", []),
        2 => Sentence::new("goals.shared.two", []),
        3 => Sentence::new("goals.shared.three", []),
        n => Sentence::new("goals.shared.many", [("n", Arg::Number(n as i64))]),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use chrono::{DateTime, NaiveDate, TimeZone, Utc};

    use super::super::goals::GoalRatingPoint;
    use super::super::rules::{FlagRules, Severity};
    use super::*;
    use crate::identity::DeviceId;
    use crate::model::{Instrument, Instruments};

    fn instrument() -> Instrument {
        Instruments::bundled()
            .unwrap()
            .latest("session-checkin")
            .unwrap()
            .clone()
    }

    fn date(i: usize) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 9, 7).unwrap() + chrono::Days::new(7 * i as u64)
    }

    type Session = ((u8, u8), Vec<Option<u8>>);

    /// A session rated (heard, hopeful), with its goal ratings (one per
    /// goal, `None` for not rated).
    fn s(ratings: (u8, u8), goals: &[Option<u8>]) -> Session {
        (ratings, goals.to_vec())
    }

    fn series(sessions: &[Session]) -> (Vec<SessionPoint>, Vec<GoalProgress>) {
        let points: Vec<SessionPoint> = sessions
            .iter()
            .enumerate()
            .map(|(i, ((heard, hopeful), _))| SessionPoint {
                record_id: Uuid::from_u128(i as u128 + 1),
                session_date: date(i),
                answers: [("heard".into(), *heard), ("hopeful".into(), *hopeful)].into(),
                support_requested: false,
            })
            .collect();
        let goal_count = sessions.iter().map(|(_, g)| g.len()).max().unwrap_or(0);
        let set: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 9, 1, 12, 0, 0).unwrap();
        let goals = (0..goal_count)
            .map(|g| {
                let series: Vec<GoalRatingPoint> = sessions
                    .iter()
                    .enumerate()
                    .filter_map(|(i, (_, ratings))| {
                        ratings
                            .get(g)
                            .copied()
                            .flatten()
                            .map(|rating| GoalRatingPoint {
                                record_id: points[i].record_id,
                                session_date: points[i].session_date,
                                rating,
                            })
                    })
                    .collect();
                GoalProgress {
                    goal_id: Uuid::from_u128(100 + g as u128),
                    version: 1,
                    text: format!("goal {g}"),
                    text_set_at: set,
                    earlier_texts: Vec::new(),
                    set_in_session: false,
                    set_at: set,
                    archived_at: None,
                    total_ratings: series.len() as u32,
                    first: series.first().map(|p| p.rating),
                    latest: series.last().map(|p| p.rating),
                    change_since_set: None,
                    series,
                }
            })
            .collect();
        (points, goals)
    }

    fn flags_with(
        (points, goals): &(Vec<SessionPoint>, Vec<GoalProgress>),
        rules: &FlagRules,
        marks: &[(&str, DateTime<Utc>)],
    ) -> Vec<Flag> {
        let instruments = Instruments::bundled().unwrap();
        let instrument = instrument();
        let editions = vec![instrument.reference.clone(); points.len()];
        let discussed: HashMap<String, DateTime<Utc>> =
            marks.iter().map(|(id, at)| (id.to_string(), *at)).collect();
        readiness_flags(
            &SeriesInput {
                sender: &DeviceId([9; 16]),
                points,
                editions: &editions,
                notes: &HashMap::new(),
                instruments: &instruments,
                instrument: &instrument,
                rules,
                discussed: &discussed,
                received: &HashMap::new(),
            },
            goals,
        )
    }

    fn open_kinds(s: &(Vec<SessionPoint>, Vec<GoalProgress>), rules: &FlagRules) -> Vec<FlagKind> {
        flags_with(s, rules, &[])
            .into_iter()
            .filter(Flag::is_open)
            .map(|f| f.kind)
            .collect()
    }

    const HIGH: (u8, u8) = (5, 4);

    #[test]
    fn a_review_is_suggested_at_four_high_steady_sessions_and_not_below() {
        let rules = FlagRules::default();
        let at = series(&[
            s(HIGH, &[Some(7), Some(8)]),
            s(HIGH, &[Some(8), Some(8)]),
            s((4, 4), &[Some(8), Some(9)]),
            s(HIGH, &[Some(8), Some(9)]),
        ]);
        let flags = flags_with(&at, &rules, &[]);
        assert_eq!(flags.len(), 1, "{flags:#?}");
        let flag = &flags[0];
        assert_eq!(flag.kind, FlagKind::ReviewSuggested);
        assert_eq!(flag.severity, Severity::Low);
        assert_eq!(flag.opened_on, date(3));
        assert_eq!(
            flag.headline.render("en"),
            "Ratings have been high and steady for four sessions: a review together may help — \
             space sessions out, plan a booster, or plan the ending."
        );
        assert_eq!(flag.reasons[0].rule, Rule::ReviewSuggested);
        assert_eq!(
            flag.reasons[0].text.render("en"),
            "Heard 4–5 and hopeful 4 over the four sessions from 7 Sep 2026 to 28 Sep 2026, none \
             falling by 2 or more; both shared goals rated 7–9 of 10 and steady."
        );
        // Below: three sessions are not yet four.
        let below = series(&[
            s(HIGH, &[Some(7)]),
            s(HIGH, &[Some(8)]),
            s(HIGH, &[Some(8)]),
        ]);
        assert!(open_kinds(&below, &rules).is_empty());
        // Above: a fifth high session keeps the one flag open.
        let above = series(&[
            s(HIGH, &[Some(7)]),
            s(HIGH, &[Some(8)]),
            s(HIGH, &[Some(8)]),
            s(HIGH, &[Some(8)]),
            s(HIGH, &[Some(9)]),
        ]);
        let flags = flags_with(&above, &rules, &[]);
        assert_eq!(flags.len(), 1);
        assert!(flags[0].is_open());
        // A setting moves the line.
        let three = FlagRules {
            review_sessions: 3,
            ..rules
        };
        assert_eq!(open_kinds(&below, &three), [FlagKind::ReviewSuggested]);
    }

    #[test]
    fn a_review_needs_high_session_and_goal_ratings_that_do_not_fall() {
        let rules = FlagRules::default();
        // A required item under 4 in the window.
        let low_item = series(&[
            s(HIGH, &[Some(8)]),
            s((3, 5), &[Some(8)]),
            s(HIGH, &[Some(8)]),
            s(HIGH, &[Some(8)]),
        ]);
        assert!(open_kinds(&low_item, &rules).is_empty());
        // A goal at 6: below 7.
        let low_goal = series(&[
            s(HIGH, &[Some(8), Some(7)]),
            s(HIGH, &[Some(8), Some(6)]),
            s(HIGH, &[Some(8), Some(7)]),
            s(HIGH, &[Some(8), Some(7)]),
        ]);
        assert!(open_kinds(&low_goal, &rules).is_empty());
        // Exactly 7 is high enough.
        let at_seven = series(&vec![s(HIGH, &[Some(7)]); 4]);
        assert_eq!(open_kinds(&at_seven, &rules), [FlagKind::ReviewSuggested]);
        // A goal falling by 2 (9 → 7) is not steady, though still high.
        let falling = series(&[
            s(HIGH, &[Some(9)]),
            s(HIGH, &[Some(9)]),
            s(HIGH, &[Some(7)]),
            s(HIGH, &[Some(7)]),
        ]);
        assert!(open_kinds(&falling, &rules).is_empty());
        // A session item falling by 2 within the high band (6 is not on a
        // 5-point scale; 5 → 4 is a fall of 1 and steady).
        let rules_strict = FlagRules {
            review_at_or_above: 3,
            ..rules
        };
        let item_fall = series(&[
            s((5, 5), &[Some(8)]),
            s((5, 5), &[Some(8)]),
            s((5, 3), &[Some(8)]),
            s((5, 3), &[Some(8)]),
        ]);
        assert!(open_kinds(&item_fall, &rules_strict).is_empty());
        // No shared goal: session ratings alone suggest nothing.
        let no_goals = series(&vec![s(HIGH, &[]); 6]);
        assert!(open_kinds(&no_goals, &rules).is_empty());
        // A shared goal not rated in the window: nothing to judge it by.
        // A shared goal rated once, at the first session: the review holds
        // while that rating is in the window, and ends when it is not.
        let unrated = series(&[
            s(HIGH, &[Some(8), Some(8)]),
            s(HIGH, &[Some(8), None]),
            s(HIGH, &[Some(8), None]),
            s(HIGH, &[Some(8), None]),
            s(HIGH, &[Some(8), None]),
        ]);
        let flags = flags_with(&unrated, &rules, &[]);
        assert_eq!(flags.len(), 1);
        assert_eq!(flags[0].resolution.as_ref().unwrap().on, date(4));
    }

    #[test]
    fn a_review_resolves_itself_when_ratings_move_and_comes_back_later() {
        let rules = FlagRules::default();
        let mut sessions: Vec<Session> = vec![s(HIGH, &[Some(8)]); 4];
        sessions.push(s((3, 3), &[Some(8)]));
        sessions.extend(vec![s(HIGH, &[Some(8)]); 4]);
        let flags = flags_with(&series(&sessions), &rules, &[]);
        assert_eq!(flags.len(), 2, "{flags:#?}");
        let ended = flags[0].resolution.as_ref().unwrap();
        assert_eq!(ended.kind, ResolutionKind::NoLongerHolds);
        assert_eq!(ended.on, date(4));
        assert_eq!(
            ended.text.render("en"),
            "Resolved by the check-in of 5 Oct 2026: ratings are no longer all high and steady."
        );
        assert!(flags[1].is_open());
        assert_eq!(flags[1].opened_on, date(8));
        assert_ne!(flags[0].id, flags[1].id);
    }

    #[test]
    fn a_review_marked_discussed_stays_closed_while_nothing_changes() {
        let rules = FlagRules::default();
        let sessions = series(&vec![s(HIGH, &[Some(8)]); 6]);
        let open = flags_with(&sessions, &rules, &[]);
        let mark = date(4).and_hms_opt(12, 0, 0).unwrap().and_utc();
        let flags = flags_with(&sessions, &rules, &[(&open[0].id, mark)]);
        assert_eq!(flags.len(), 1);
        assert_eq!(
            flags[0].resolution.as_ref().unwrap().kind,
            ResolutionKind::Discussed
        );
    }

    #[test]
    fn goals_stuck_at_six_comfortable_sessions_and_not_below() {
        let rules = FlagRules::default();
        let stuck_six = series(&[
            s(HIGH, &[Some(3), Some(4)]),
            s(HIGH, &[Some(4), Some(4)]),
            s(HIGH, &[Some(3), Some(5)]),
            s(HIGH, &[Some(4), Some(4)]),
            s(HIGH, &[Some(3), Some(4)]),
            s(HIGH, &[Some(4), Some(5)]),
        ]);
        let flags = flags_with(&stuck_six, &rules, &[]);
        assert_eq!(flags.len(), 1, "{flags:#?}");
        let flag = &flags[0];
        assert_eq!(
            (flag.kind, flag.severity),
            (FlagKind::GoalsStuck, Severity::Low)
        );
        assert_eq!(
            flag.headline.render("en"),
            "Comfortable but stuck? Goals have not moved for six sessions: review the goals \
             together."
        );
        assert_eq!(
            flag.reasons[0].text.render("en"),
            "Heard 5 and hopeful 4 over the six sessions from 7 Sep 2026 to 12 Oct 2026, while no \
             shared goal moved by 2 or more (both shared goals rated 3–5 of 10)."
        );
        // Below: five sessions.
        assert!(open_kinds(&series(&vec![s(HIGH, &[Some(3)]); 5]), &rules).is_empty());
        // Above: a seventh keeps it open, one flag.
        let flags = flags_with(&series(&vec![s(HIGH, &[Some(3)]); 7]), &rules, &[]);
        assert_eq!(flags.len(), 1);
        assert!(flags[0].is_open());
        // The setting moves the line.
        let four = FlagRules {
            stuck_sessions: 4,
            ..rules
        };
        assert_eq!(
            open_kinds(&series(&vec![s(HIGH, &[Some(3)]); 4]), &four),
            [FlagKind::GoalsStuck]
        );
    }

    #[test]
    fn goals_that_moved_by_two_or_sessions_not_high_are_not_stuck() {
        let rules = FlagRules::default();
        // A spread of 2 (3 → 5) is a move; of 1 is not.
        let moved = series(&[
            s(HIGH, &[Some(3)]),
            s(HIGH, &[Some(3)]),
            s(HIGH, &[Some(4)]),
            s(HIGH, &[Some(4)]),
            s(HIGH, &[Some(5)]),
            s(HIGH, &[Some(5)]),
        ]);
        assert!(open_kinds(&moved, &rules).is_empty());
        let one_goal_moved = series(&[
            s(HIGH, &[Some(3), Some(2)]),
            s(HIGH, &[Some(3), Some(3)]),
            s(HIGH, &[Some(3), Some(4)]),
            s(HIGH, &[Some(3), Some(4)]),
            s(HIGH, &[Some(3), Some(5)]),
            s(HIGH, &[Some(3), Some(6)]),
        ]);
        assert!(open_kinds(&one_goal_moved, &rules).is_empty());
        // A session rated 3 is not comfortable: the plateau rule's ground.
        let mut sessions: Vec<Session> = vec![s(HIGH, &[Some(3)]); 6];
        sessions[2].0 = (3, 4);
        assert!(open_kinds(&series(&sessions), &rules).is_empty());
        // Goals high and steady are not stuck: that is a review.
        assert_eq!(
            open_kinds(&series(&vec![s(HIGH, &[Some(8)]); 6]), &rules),
            [FlagKind::ReviewSuggested]
        );
        // No shared goal, nothing to say.
        assert!(open_kinds(&series(&vec![s(HIGH, &[]); 8]), &rules).is_empty());
    }

    #[test]
    fn stuck_goals_resolve_when_a_goal_moves() {
        let rules = FlagRules::default();
        let mut sessions: Vec<Session> = vec![s(HIGH, &[Some(3)]); 6];
        sessions.push(s(HIGH, &[Some(6)]));
        let flags = flags_with(&series(&sessions), &rules, &[]);
        assert_eq!(flags.len(), 1);
        let ended = flags[0].resolution.as_ref().unwrap();
        assert_eq!(ended.kind, ResolutionKind::NoLongerHolds);
        assert_eq!(
            ended.text.render("en"),
            "Resolved by the check-in of 19 Oct 2026: a goal moved."
        );
    }

    #[test]
    fn a_fall_between_answers_to_different_questions_is_no_fall() {
        // v2's `hopeful` asks for a state, v1's for a change: 5 then 3 across
        // the two is not a fall. `heard` continues v1, so a fall there is.
        let rules = FlagRules {
            review_at_or_above: 3,
            ..FlagRules::default()
        };
        let instruments = Instruments::bundled().unwrap();
        let current = instrument();
        let v1 = InstrumentRef {
            id: current.reference.id.clone(),
            version: 1,
        };
        let editions = [
            v1.clone(),
            v1,
            current.reference.clone(),
            current.reference.clone(),
        ];
        let flags_for = |heard: [u8; 4]| {
            let (points, goals) = series(&[
                s((heard[0], 5), &[Some(8)]),
                s((heard[1], 5), &[Some(8)]),
                s((heard[2], 3), &[Some(8)]),
                s((heard[3], 3), &[Some(8)]),
            ]);
            readiness_flags(
                &SeriesInput {
                    sender: &DeviceId([9; 16]),
                    points: &points,
                    editions: &editions,
                    notes: &HashMap::new(),
                    instruments: &instruments,
                    instrument: &current,
                    rules: &rules,
                    discussed: &HashMap::new(),
                    received: &HashMap::new(),
                },
                &goals,
            )
        };
        assert_eq!(flags_for([5, 5, 5, 5]).len(), 1);
        assert!(flags_for([5, 5, 3, 3]).is_empty());
    }

    #[test]
    fn an_archived_goal_counts_no_more() {
        let rules = FlagRules::default();
        let (points, mut goals) = series(&vec![s(HIGH, &[Some(8), Some(2)]); 4]);
        assert!(open_kinds(&(points.clone(), goals.clone()), &rules).is_empty());
        // The low goal archived before the first session: only the other counts.
        goals[1].archived_at = Some(Utc.with_ymd_and_hms(2026, 9, 2, 12, 0, 0).unwrap());
        assert_eq!(
            open_kinds(&(points, goals), &rules),
            [FlagKind::ReviewSuggested]
        );
    }
}
