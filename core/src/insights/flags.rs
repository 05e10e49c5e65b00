//! Flags: one concern about one client, carrying every reason for it.
//!
//! Rules raised alerts one by one, and a therapist faced dozens per client
//! that told one story. A flag is opened by a check-in (or by its absence),
//! is *updated* while later check-ins keep giving reasons, and **resolves
//! itself** when a later check-in is back in the client's usual range — or
//! when the therapist marks it discussed. A support request stays open until
//! the therapist marks it.
//!
//! The flags of a series are a pure function of the series, the
//! therapist's marks and the thresholds ([`series_flags`]), evaluated check-in
//! by check-in so recomputation gives the same flags with the same ids. What
//! depends on today's date — escalation after silence, missing check-ins —
//! is applied at read time (`timed.rs`). Every flag keeps its events, and a
//! flag that stops being computed (its check-in was edited or deleted) is
//! kept as withdrawn by the summary, so nothing a therapist saw vanishes.
//!
//! Each check-in is judged against the earlier answers that may be compared
//! with it ([`Instruments::comparable`]): its own edition's, and those of
//! editions its edition continues. A v2 `hopeful` is never measured against
//! a v1 one; the first session keeps its rule whatever edition it answered.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::rules::{FlagRules, Rule, Severity};
use super::sentences::{Arg, Sentence};
use super::usual::UsualRange;
use super::{RELIABLE_CHANGE, SessionPoint};
use crate::identity::DeviceId;
use crate::model::{Instrument, InstrumentRef, Instruments};

/// What a flag is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// The client pressed "I need support now".
    SupportRequested,
    /// The first session was rated low: reach out before the next one.
    DifficultFirstSession,
    /// Check-ins fell low or out of the client's usual range.
    Concern,
    /// No change for the better over several sessions.
    StalledTherapy,
    /// A check-in is missing.
    MissingCheckin,
    /// Session and goal ratings have been high and steady: a review
    /// together may help (space sessions out, a booster, or the ending).
    ReviewSuggested,
    /// Session ratings stay high but the goals have not moved: review the
    /// goals together.
    GoalsStuck,
}

impl FlagKind {
    /// The stable id (`difficult_first_session`, ...).
    pub fn id(self) -> &'static str {
        match self {
            FlagKind::SupportRequested => "support_requested",
            FlagKind::DifficultFirstSession => "difficult_first_session",
            FlagKind::Concern => "concern",
            FlagKind::StalledTherapy => "stalled_therapy",
            FlagKind::MissingCheckin => "missing_checkin",
            FlagKind::ReviewSuggested => "review_suggested",
            FlagKind::GoalsStuck => "goals_stuck",
        }
    }

    /// How urgent the flag is before any escalation.
    pub fn base_severity(self) -> Severity {
        match self {
            FlagKind::SupportRequested => Severity::Urgent,
            FlagKind::DifficultFirstSession | FlagKind::Concern => Severity::Medium,
            FlagKind::StalledTherapy
            | FlagKind::MissingCheckin
            | FlagKind::ReviewSuggested
            | FlagKind::GoalsStuck => Severity::Low,
        }
    }
}

/// One reason a flag carries: a rule, the check-in it is about, and one
/// sentence with the plain numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Stable id (12 hex digits): what acknowledging one reason takes.
    pub id: String,
    /// The rule.
    pub rule: Rule,
    /// The session it is about, when there is one.
    pub session_date: Option<NaiveDate>,
    /// One sentence naming the numbers.
    pub text: Sentence,
    /// The reliable change index behind a `reliable_deterioration`, as a
    /// figure for the details (a single 1–5 item cannot carry a verdict).
    pub rci: Option<f64>,
    /// When the therapist acknowledged this reason on its own.
    pub acknowledged_at: Option<DateTime<Utc>>,
}

/// What happened to a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagEventKind {
    /// A check-in (or its absence) opened it.
    Opened,
    /// A later check-in added reasons.
    Updated,
    /// Silence made it more urgent.
    Escalated,
    /// It resolved itself.
    Resolved,
    /// The therapist marked it discussed.
    Discussed,
    /// The check-in behind it was changed or deleted by the client.
    Withdrawn,
}

/// One entry of a flag's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagEvent {
    /// The day it happened (a session's date, or the day of the mark).
    pub on: NaiveDate,
    /// What happened.
    pub kind: FlagEventKind,
    /// A sentence for the history.
    pub text: Sentence,
}

/// How a flag ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionKind {
    /// A later check-in was back in the client's usual range.
    BackInRange,
    /// After a difficult first session, a check-in that was not.
    CameBack,
    /// A change for the better ended a stall.
    Improved,
    /// A check-in arrived.
    CheckedIn,
    /// The therapist marked it discussed.
    Discussed,
    /// The check-in behind it was changed or deleted by the client.
    Withdrawn,
    /// What opened it no longer holds: ratings moved on (a review or stuck
    /// goals).
    NoLongerHolds,
}

/// A flag's end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// How.
    pub kind: ResolutionKind,
    /// When.
    pub on: NaiveDate,
    /// "Resolved by the check-in of 12 Oct 2026: back in the usual range."
    pub text: Sentence,
}

/// One concern about one client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    /// Stable id (12 hex digits): what `discussed --flag ID` takes.
    pub id: String,
    /// The client's device.
    pub client: DeviceId,
    /// The therapist's label for the client (filled when read).
    pub client_label: String,
    /// What it is about.
    pub kind: FlagKind,
    /// How urgent it is now.
    pub severity: Severity,
    /// Whether silence made it more urgent than its kind alone.
    pub escalated: bool,
    /// One sentence: what happened and, where it helps, what to do.
    pub headline: Sentence,
    /// The session that opened it.
    pub opened_on: NaiveDate,
    /// The latest session (or day) that added to it.
    pub updated_on: NaiveDate,
    /// How it ended; `None` while open.
    pub resolution: Option<Resolution>,
    /// The reasons of its latest check-ins (see [`MAX_REASONS`]), oldest first.
    pub reasons: Vec<Reason>,
    /// Reasons of earlier check-ins not kept in `reasons` (they are in the events).
    pub earlier_reasons: u32,
    /// Its history, oldest first.
    pub events: Vec<FlagEvent>,
}

/// The most reasons a flag keeps; a long-running concern keeps its history
/// in its events instead.
pub const MAX_REASONS: usize = 12;

impl Flag {
    /// Whether it still asks for attention.
    pub fn is_open(&self) -> bool {
        self.resolution.is_none()
    }

    pub(crate) fn resolve(&mut self, kind: ResolutionKind, on: NaiveDate, text: Sentence) {
        let event = match kind {
            ResolutionKind::Discussed => FlagEventKind::Discussed,
            ResolutionKind::Withdrawn => FlagEventKind::Withdrawn,
            _ => FlagEventKind::Resolved,
        };
        self.events.push(FlagEvent {
            on,
            kind: event,
            text: text.clone(),
        });
        self.resolution = Some(Resolution { kind, on, text });
    }

    fn add_reasons(&mut self, reasons: Vec<Reason>) {
        self.reasons.extend(reasons);
        if self.reasons.len() > MAX_REASONS {
            let drop = self.reasons.len() - MAX_REASONS;
            self.reasons.drain(..drop);
            self.earlier_reasons += drop as u32;
        }
    }
}

/// A stable 12-hex-digit id of `parts`, under a domain label.
pub(crate) fn stable_id(domain: &[u8], sender: &DeviceId, kind: &str, subject: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(domain);
    hash.update(sender.0);
    hash.update(kind.as_bytes());
    hash.update([0]);
    hash.update(subject.as_bytes());
    hash.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// "heard 4".
pub(crate) fn rating(item: &str, rating: u8) -> Sentence {
    Sentence::new(
        "rating",
        [
            ("item", Arg::Item(item.to_owned())),
            ("rating", Arg::rating(rating)),
        ],
    )
}

/// A flag's first event: "Opened by the check-in of 5 Oct 2026: …".
pub(crate) fn opened_by(date: NaiveDate, headline: Sentence) -> Sentence {
    Sentence::new(
        "event.opened",
        [
            ("date", Arg::Date(date)),
            ("headline", Arg::sentence(headline)),
        ],
    )
}

/// "Marked discussed on 5 Oct 2026."
pub(crate) fn discussed_on(date: NaiveDate) -> Sentence {
    Sentence::new("resolution.discussed", [("date", Arg::Date(date))])
}

/// A reason's id: the same as the alert it used to be, so acknowledgements
/// made before flags existed still match.
pub(crate) fn reason_id(sender: &DeviceId, rule: Rule, subject: &str) -> String {
    stable_id(b"rapport.alert.v1\0", sender, rule.id(), subject)
}

/// A flag's id.
pub(crate) fn flag_id(sender: &DeviceId, kind: FlagKind, subject: &str) -> String {
    stable_id(b"rapport.flag.v1\0", sender, kind.id(), subject)
}

/// Everything the series engine reads.
pub(crate) struct SeriesInput<'a> {
    pub sender: &'a DeviceId,
    /// Every live check-in, oldest session first.
    pub points: &'a [SessionPoint],
    /// The edition each point answered, in the same order (a point without
    /// one is taken as answering `instrument`).
    pub editions: &'a [InstrumentRef],
    /// Shared notes by check-in, quoted in reasons.
    pub notes: &'a HashMap<Uuid, String>,
    /// Every edition this app knows: what decides which answers compare.
    pub instruments: &'a Instruments,
    /// The current edition.
    pub instrument: &'a Instrument,
    pub rules: &'a FlagRules,
    /// Flags the therapist marked discussed, and when.
    pub discussed: &'a HashMap<String, DateTime<Utc>>,
    /// When the therapist's device received each check-in (its current
    /// version): a mark covers what had arrived when it was made.
    pub received: &'a HashMap<Uuid, DateTime<Utc>>,
}

/// An open flag of the series and what brings it back to rest.
struct Slot {
    index: usize,
    /// The check-in that opened it: a later answer counts as back only when
    /// it may be compared with this one's.
    opened_by: usize,
    /// Per item, the rating at or above which it is back (the usual range's
    /// low end when it opened; for a first session, above its threshold).
    back_at: Vec<(String, u8)>,
}

/// Every flag a series gives (open and resolved), oldest first.
pub(crate) fn series_flags(input: &SeriesInput<'_>) -> Vec<Flag> {
    let mut engine = Engine {
        input,
        flags: Vec::new(),
        concern: None,
        support: None,
        stalled: None,
        answered: HashMap::new(),
        runs: HashMap::new(),
        at: 0,
    };
    // Per item and the first session it is measured from (a new question
    // starts a new run, and is armed afresh).
    let mut deterioration_armed: HashMap<(String, NaiveDate), bool> = HashMap::new();
    let mut plateau_at: Option<usize> = None;
    for (i, point) in input.points.iter().enumerate() {
        engine.look_at(i);
        engine.apply_marks(Some(point));
        if point.support_requested {
            engine.support_request(point);
        }
        if i == 0 {
            engine.first_session(point);
        } else {
            let reasons = engine.concern_reasons(i, &mut deterioration_armed);
            engine.concern(i, reasons);
        }
        engine.plateau(i, &mut plateau_at);
        engine.remember(i);
    }
    engine.apply_marks(None);
    engine.flags
}

/// Whether `point` came after a mark made `at`: a check-in that arrived
/// after the mark is news, even about the same day's session; one without a
/// known arrival (never in a real store) is news when its session is after
/// the mark's day.
pub(super) fn is_news(input: &SeriesInput<'_>, at: &DateTime<Utc>, point: &SessionPoint) -> bool {
    match input.received.get(&point.record_id) {
        Some(received) => at < received,
        None => at.date_naive() < point.session_date,
    }
}

struct Engine<'a, 'b> {
    input: &'b SeriesInput<'a>,
    flags: Vec<Flag>,
    concern: Option<Slot>,
    support: Option<usize>,
    stalled: Option<usize>,
    /// Per item, every earlier answer: the check-in's index and the rating.
    answered: HashMap<String, Vec<(usize, u8)>>,
    /// Per edition a check-in answered, per item: the date of the first
    /// earlier answer that may be compared with that edition's, and every
    /// such rating, so each check-in costs the same however long the series.
    runs: HashMap<InstrumentRef, HashMap<String, (NaiveDate, Vec<u8>)>>,
    /// The check-in being looked at.
    at: usize,
}

impl Engine<'_, '_> {
    /// The edition check-in `i` answered.
    fn edition(&self, i: usize) -> &InstrumentRef {
        self.input
            .editions
            .get(i)
            .unwrap_or(&self.input.instrument.reference)
    }

    /// The definition of the edition check-in `i` answered.
    fn instrument_of(&self, i: usize) -> &Instrument {
        self.input
            .instruments
            .get(self.edition(i))
            .unwrap_or(self.input.instrument)
    }

    /// Whether the answers of check-ins `i` and `j` to `item` may be compared.
    fn comparable(&self, item: &str, i: usize, j: usize) -> bool {
        self.input
            .instruments
            .comparable(item, self.edition(i), self.edition(j))
    }

    /// Starts looking at check-in `i`: the earlier answers comparable with
    /// its edition are gathered once per edition.
    fn look_at(&mut self, i: usize) {
        self.at = i;
        let edition = self.edition(i).clone();
        if self.runs.contains_key(&edition) {
            return;
        }
        let mut run: HashMap<String, (NaiveDate, Vec<u8>)> = HashMap::new();
        for (item, answers) in &self.answered {
            for &(j, rating) in answers {
                if self.comparable(item, i, j) {
                    run.entry(item.clone())
                        .or_insert_with(|| (self.input.points[j].session_date, Vec::new()))
                        .1
                        .push(rating);
                }
            }
        }
        self.runs.insert(edition, run);
    }

    /// Adds check-in `i`'s answers to what later ones are judged against.
    fn remember(&mut self, i: usize) {
        let point = &self.input.points[i];
        let edition = self.edition(i).clone();
        for (item, &rating) in &point.answers {
            self.answered
                .entry(item.clone())
                .or_default()
                .push((i, rating));
            for (other, run) in &mut self.runs {
                if self.input.instruments.comparable(item, other, &edition) {
                    run.entry(item.clone())
                        .or_insert_with(|| (point.session_date, Vec::new()))
                        .1
                        .push(rating);
                }
            }
        }
    }

    /// The date of the first earlier answer to `item` comparable with the
    /// check-in being looked at, and every such rating, oldest first.
    fn run(&self, item: &str) -> Option<&(NaiveDate, Vec<u8>)> {
        self.runs.get(self.edition(self.at))?.get(item)
    }

    fn earlier(&self, item: &str) -> &[u8] {
        self.run(item).map_or(&[], |(_, r)| r.as_slice())
    }

    /// The required items of the edition check-in `i` answered.
    fn required(&self, i: usize) -> Vec<String> {
        self.instrument_of(i)
            .items
            .iter()
            .filter(|item| item.required)
            .map(|item| item.id.clone())
            .collect()
    }

    /// The reliable change index of `from` → `to` on `item`, as the edition
    /// check-in `i` answered declares it.
    fn rci(&self, i: usize, item: &str, from: u8, to: u8) -> f64 {
        self.instrument_of(i)
            .item(item)
            .and_then(|spec| spec.reliable_change)
            .map(|rc| rc.index(f64::from(to) - f64::from(from)))
            .unwrap_or(0.0)
    }

    fn reason(&self, rule: Rule, point: &SessionPoint, text: Sentence) -> Reason {
        Reason {
            id: reason_id(self.input.sender, rule, &point.record_id.to_string()),
            rule,
            session_date: Some(point.session_date),
            text,
            rci: None,
            acknowledged_at: None,
        }
    }

    fn open(
        &mut self,
        kind: FlagKind,
        point: &SessionPoint,
        headline: Sentence,
        reasons: Vec<Reason>,
    ) -> usize {
        // A check-in edited after its flag was discussed opens a new flag,
        // which must not carry the discussed one's id (nor its mark).
        let mut subject = point.record_id.to_string();
        let mut id = flag_id(self.input.sender, kind, &subject);
        while let Some(at) = self.input.discussed.get(&id)
            && is_news(self.input, at, point)
        {
            subject = format!("{}@{}", point.record_id, at.timestamp_millis());
            id = flag_id(self.input.sender, kind, &subject);
        }
        let mut flag = Flag {
            id,
            client: *self.input.sender,
            client_label: String::new(),
            kind,
            severity: kind.base_severity(),
            escalated: false,
            headline: headline.clone(),
            opened_on: point.session_date,
            updated_on: point.session_date,
            resolution: None,
            reasons: Vec::new(),
            earlier_reasons: 0,
            events: vec![FlagEvent {
                on: point.session_date,
                kind: FlagEventKind::Opened,
                text: opened_by(point.session_date, headline),
            }],
        };
        flag.add_reasons(reasons);
        self.flags.push(flag);
        self.flags.len() - 1
    }

    fn update(
        &mut self,
        index: usize,
        point: &SessionPoint,
        headline: Sentence,
        reasons: Vec<Reason>,
    ) {
        let flag = &mut self.flags[index];
        flag.updated_on = point.session_date;
        flag.events.push(FlagEvent {
            on: point.session_date,
            kind: FlagEventKind::Updated,
            text: Sentence::new(
                "event.updated",
                [
                    ("date", Arg::Date(point.session_date)),
                    ("headline", Arg::sentence(headline.clone())),
                ],
            ),
        });
        flag.headline = headline;
        flag.add_reasons(reasons);
    }

    /// Closes open flags the therapist marked discussed before
    /// `until` (every mark when `None`): a check-in about a later session
    /// (or the same day's, written after the talk) is news again.
    fn apply_marks(&mut self, next: Option<&SessionPoint>) {
        let discussed = self.input.discussed;
        let input = self.input;
        let news = |at: &DateTime<Utc>, point: &SessionPoint| is_news(input, at, point);
        let close = |index: usize, flags: &mut Vec<Flag>| -> bool {
            let flag = &mut flags[index];
            match discussed.get(&flag.id) {
                Some(at) if next.is_none_or(|point| news(at, point)) => {
                    let on = at.date_naive();
                    flag.resolve(ResolutionKind::Discussed, on, discussed_on(on));
                    true
                }
                _ => false,
            }
        };
        if let Some(slot) = &self.concern
            && close(slot.index, &mut self.flags)
        {
            self.concern = None;
        }
        for slot in [&mut self.support, &mut self.stalled] {
            if let Some(index) = *slot
                && close(index, &mut self.flags)
            {
                *slot = None;
            }
        }
    }

    fn ratings(&self, point: &SessionPoint, pick: impl Fn(&str, u8) -> bool) -> Vec<Sentence> {
        point
            .answers
            .iter()
            .filter(|(item, v)| pick(item, **v))
            .map(|(item, v)| rating(item, *v))
            .collect()
    }

    /// Every rating of `point`, as a list.
    fn all_ratings(&self, point: &SessionPoint) -> Arg {
        Arg::List(self.ratings(point, |_, _| true))
    }

    fn note_part(&self, point: &SessionPoint) -> Option<Sentence> {
        self.input
            .notes
            .get(&point.record_id)
            .map(|note| Sentence::new("note", [("note", Arg::Quote(note.clone()))]))
    }

    fn support_request(&mut self, point: &SessionPoint) {
        let date = point.session_date;
        let text = Sentence::new(
            "reason.support",
            [
                ("date", Arg::Date(date)),
                ("ratings", self.all_ratings(point)),
            ],
        );
        let reason = self.reason(Rule::SupportRequested, point, text);
        let headline = Sentence::new("headline.support", [("date", Arg::Date(date))]);
        match self.support {
            Some(index) => self.update(index, point, headline, vec![reason]),
            None => {
                self.support =
                    Some(self.open(FlagKind::SupportRequested, point, headline, vec![reason]))
            }
        }
    }

    /// The first check-in, on whatever edition it answered: its required
    /// items at or below the threshold make a difficult first session.
    fn first_session(&mut self, point: &SessionPoint) {
        let at = self.input.rules.first_session_at_or_below;
        let required = self.required(0);
        let low = self.ratings(point, |item, v| {
            v <= at && required.iter().any(|r| r == item)
        });
        if low.is_empty() {
            return;
        }
        let date = Arg::Date(point.session_date);
        let mut reasons = vec![self.reason(
            Rule::LowFirstSession,
            point,
            Sentence::new(
                "reason.first_session",
                [
                    ("date", date.clone()),
                    ("ratings", self.all_ratings(point)),
                    ("low", Arg::List(low)),
                    ("at", Arg::rating(at)),
                ],
            ),
        )];
        let low_score = self.input.rules.low_score_at_or_below;
        let very_low = self.ratings(point, |_, v| v <= low_score);
        if !very_low.is_empty() {
            reasons.push(self.reason(
                Rule::LowScore,
                point,
                Sentence::new(
                    "reason.low_ratings",
                    [
                        ("ratings", Arg::List(very_low)),
                        ("date", date.clone()),
                        ("at", Arg::rating(low_score)),
                    ],
                ),
            ));
        }
        let mut parts = vec![Sentence::new(
            "first_session",
            [("date", date), ("ratings", self.all_ratings(point))],
        )];
        parts.extend(self.note_part(point));
        let headline = Sentence::new("headline.first_session", [("parts", Arg::Parts(parts))]);
        let index = self.open(FlagKind::DifficultFirstSession, point, headline, reasons);
        let back_at = required.into_iter().map(|item| (item, at + 1)).collect();
        self.concern = Some(Slot {
            index,
            opened_by: 0,
            back_at,
        });
    }

    /// The reasons check-in `i` gives for a concern, and the headline that
    /// tells them in one sentence.
    fn concern_reasons(
        &self,
        i: usize,
        deterioration_armed: &mut HashMap<(String, NaiveDate), bool>,
    ) -> (Vec<Reason>, Vec<Sentence>) {
        let points = self.input.points;
        let point = &points[i];
        let previous = &points[i - 1];
        let rules = self.input.rules;
        let date = point.session_date;
        let mut reasons = Vec::new();
        let mut phrases = Vec::new();
        for spec in &self.instrument_of(i).items {
            let item = spec.id.as_str();
            let Some(&now) = point.answers.get(item) else {
                continue;
            };
            let name = || Arg::Item(item.to_owned());
            let history = self.earlier(item);
            let usual = UsualRange::of(history, rules.usual_range_sessions as usize, &spec.scale);
            let mut qualifiers = Vec::new();
            let mut fell = None;
            let mut deteriorated_since_first = false;

            if let Some(&before) = previous.answers.get(item)
                && self.comparable(item, i - 1, i)
                && before >= now
                && before - now >= rules.drop_by_at_least
            {
                fell = Some(before);
                reasons.push(self.reason(
                    Rule::Drop,
                    point,
                    Sentence::new(
                        "reason.drop",
                        [
                            ("item", name()),
                            ("before", Arg::rating(before)),
                            ("now", Arg::rating(now)),
                            ("by", Arg::Number(i64::from(before - now))),
                            ("previous", Arg::Date(previous.session_date)),
                            ("date", Arg::Date(date)),
                        ],
                    ),
                ));
            }
            let below = usual.sessions > 0 && usual.is_below(now);
            if below {
                qualifiers.push(Sentence::new("qualifier.below_usual", []));
                reasons.push(self.reason(
                    Rule::BelowUsualRange,
                    point,
                    Sentence::new(
                        "reason.below_usual",
                        [
                            ("item", name()),
                            ("now", Arg::rating(now)),
                            ("date", Arg::Date(date)),
                            ("usual", Arg::part(usual.describe())),
                        ],
                    ),
                ));
            }
            let low = now <= rules.low_score_at_or_below;
            if low {
                reasons.push(self.reason(
                    Rule::LowScore,
                    point,
                    Sentence::new(
                        "reason.low_rating",
                        [
                            ("item", name()),
                            ("now", Arg::rating(now)),
                            ("date", Arg::Date(date)),
                            ("at", Arg::rating(rules.low_score_at_or_below)),
                        ],
                    ),
                ));
            }
            // From the first session: opens a concern when crossed (a slow
            // slide gives no drop), and is told beside the item's other
            // reasons while it lasts.
            let first = self
                .run(item)
                .and_then(|(date, ratings)| Some((*date, *ratings.first()?)));
            if let Some((first_date, from)) = first {
                let armed = deterioration_armed
                    .entry((item.to_owned(), first_date))
                    .or_insert(true);
                let index = self.rci(i, item, from, now);
                let deteriorated = index < -RELIABLE_CHANGE;
                let crossing = deteriorated && *armed;
                if now >= from {
                    *armed = true;
                } else if deteriorated {
                    *armed = false;
                }
                if crossing || (deteriorated && (fell.is_some() || below || low)) {
                    deteriorated_since_first = true;
                    let by = Arg::Number(i64::from(from - now));
                    qualifiers.push(Sentence::new("qualifier.since_first", [("by", by.clone())]));
                    let mut reason = self.reason(
                        Rule::ReliableDeterioration,
                        point,
                        Sentence::new(
                            "reason.deterioration",
                            [
                                ("item", name()),
                                ("from", Arg::rating(from)),
                                ("first", Arg::Date(first_date)),
                                ("now", Arg::rating(now)),
                                ("date", Arg::Date(date)),
                                ("by", by),
                                ("rci", Arg::Hundredths((index * 100.0).round() as i64)),
                            ],
                        ),
                    );
                    reason.rci = Some(index);
                    reasons.push(reason);
                }
            }
            if !(fell.is_some() || below || low || deteriorated_since_first) {
                continue;
            }
            phrases.push(match fell {
                Some(before) => {
                    let mut details = vec![Sentence::new(
                        "minus",
                        [("by", Arg::Number(i64::from(before - now)))],
                    )];
                    details.extend(qualifiers);
                    let steady = history.iter().rev().take_while(|&&v| v == before).count();
                    let (item, now, before) = (name(), Arg::rating(now), Arg::rating(before));
                    let details = Arg::Commas(details);
                    if steady >= 2 {
                        let steady = Arg::count("sessions", steady);
                        Sentence::new(
                            "concern.fell_after_steady",
                            [
                                ("item", item),
                                ("now", now),
                                ("steady", steady),
                                ("before", before),
                                ("details", details),
                            ],
                        )
                    } else {
                        Sentence::new(
                            "concern.fell",
                            [
                                ("item", item),
                                ("before", before),
                                ("now", now),
                                ("details", details),
                            ],
                        )
                    }
                }
                None if qualifiers.is_empty() => rating(item, now),
                None => Sentence::new(
                    "concern.rating",
                    [
                        ("item", name()),
                        ("now", Arg::rating(now)),
                        ("details", Arg::Commas(qualifiers)),
                    ],
                ),
            });
        }
        (reasons, phrases)
    }

    fn concern(&mut self, i: usize, (reasons, phrases): (Vec<Reason>, Vec<Sentence>)) {
        let point = &self.input.points[i];
        if !reasons.is_empty() {
            let mut parts = phrases;
            parts.extend(self.note_part(point));
            let headline = Sentence::new("headline.concern", [("parts", Arg::Parts(parts))]);
            match &self.concern {
                Some(slot) => {
                    let index = slot.index;
                    self.update(index, point, headline, reasons);
                }
                None => {
                    let back_at = self.back_at(i);
                    let index = self.open(FlagKind::Concern, point, headline, reasons);
                    self.concern = Some(Slot {
                        index,
                        opened_by: i,
                        back_at,
                    });
                }
            }
            return;
        }
        let Some(slot) = &self.concern else {
            return;
        };
        // An answer to a question other than the one that opened the flag
        // says nothing about being back: only this check-in's having no
        // reason of its own does.
        let back = slot.back_at.iter().all(|(item, at)| {
            point
                .answers
                .get(item)
                .filter(|_| self.comparable(item, slot.opened_by, i))
                .is_none_or(|v| *v >= *at)
        });
        if back {
            let index = slot.index;
            let (kind, id) = if self.flags[index].kind == FlagKind::DifficultFirstSession {
                (ResolutionKind::CameBack, "resolution.came_back")
            } else {
                (ResolutionKind::BackInRange, "resolution.back_in_range")
            };
            let text = Sentence::new(
                id,
                [
                    ("date", Arg::Date(point.session_date)),
                    ("ratings", self.all_ratings(point)),
                ],
            );
            self.flags[index].resolve(kind, point.session_date, text);
            self.concern = None;
        }
    }

    /// Where each required item counts as back: the low end of its usual
    /// range before check-in `i`, the one being looked at.
    fn back_at(&self, i: usize) -> Vec<(String, u8)> {
        let window = self.input.rules.usual_range_sessions as usize;
        self.instrument_of(i)
            .items
            .iter()
            .filter(|spec| spec.required)
            .map(|spec| {
                let usual = UsualRange::of(self.earlier(&spec.id), window, &spec.scale);
                (
                    spec.id.clone(),
                    usual.low.max(self.input.rules.low_score_at_or_below + 1),
                )
            })
            .collect()
    }

    /// Plateau: opened once per stall; a change for the better on some
    /// required item since the stall began resolves it and re-arms the rule.
    fn plateau(&mut self, i: usize, plateau_at: &mut Option<usize>) {
        let points = self.input.points;
        let point = &points[i];
        let rules = self.input.rules;
        let required = self.required(i);
        let improved_since = |at: usize| {
            required.iter().any(|item| {
                match (points[at].answers.get(item), point.answers.get(item)) {
                    (Some(&then), Some(&now)) if self.comparable(item, at, i) => {
                        self.rci(i, item, then, now) > RELIABLE_CHANGE
                    }
                    _ => false,
                }
            })
        };
        if let Some(at) = *plateau_at {
            if !improved_since(at) {
                return;
            }
            *plateau_at = None;
            if let Some(index) = self.stalled.take() {
                let text = Sentence::new(
                    "resolution.improved",
                    [
                        ("date", Arg::Date(point.session_date)),
                        ("ratings", self.all_ratings(point)),
                    ],
                );
                self.flags[index].resolve(ResolutionKind::Improved, point.session_date, text);
            }
        }
        let window = rules.plateau_sessions.max(2) as usize;
        if i + 1 < window {
            return;
        }
        let start = &points[i + 1 - window];
        let mut moves = Vec::new();
        for item in &required {
            if let (Some(&from), Some(&to)) = (start.answers.get(item), point.answers.get(item))
                && self.comparable(item, i + 1 - window, i)
            {
                moves.push((
                    Sentence::new(
                        "move",
                        [
                            ("item", Arg::Item(item.clone())),
                            ("from", Arg::rating(from)),
                            ("to", Arg::rating(to)),
                        ],
                    ),
                    self.rci(i, item, from, to),
                    to,
                ));
            }
        }
        let improved = moves.iter().any(|(_, index, _)| *index > RELIABLE_CHANGE);
        let worse = moves.iter().any(|(_, index, _)| *index < -RELIABLE_CHANGE);
        let doing_well = !moves.is_empty()
            && moves
                .iter()
                .all(|(_, _, to)| *to >= rules.plateau_unless_at_or_above);
        if moves.is_empty() || improved || worse || doing_well {
            return;
        }
        let moves = Arg::List(moves.into_iter().map(|(text, _, _)| text).collect());
        let reason = self.reason(
            Rule::Plateau,
            point,
            Sentence::new(
                "reason.plateau",
                [
                    ("sessions", Arg::count("sessions", window)),
                    ("start", Arg::Date(start.session_date)),
                    ("date", Arg::Date(point.session_date)),
                    ("moves", moves.clone()),
                ],
            ),
        );
        let headline = Sentence::new(
            "headline.plateau",
            [
                ("sessions", Arg::count("sessions", window)),
                ("moves", moves),
            ],
        );
        *plateau_at = Some(i);
        if self.stalled.is_none() {
            self.stalled = Some(self.open(FlagKind::StalledTherapy, point, headline, vec![reason]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::series;
    use super::*;

    fn sender() -> DeviceId {
        DeviceId([7; 16])
    }

    fn flags_with(
        points: &[SessionPoint],
        rules: &FlagRules,
        marks: &[(&str, NaiveDate)],
    ) -> Vec<Flag> {
        flags_on(points, &[], rules, marks)
    }

    /// The flags of `points`, each answering the edition of the same index in
    /// `editions` (the current one when there is none).
    fn flags_on(
        points: &[SessionPoint],
        editions: &[InstrumentRef],
        rules: &FlagRules,
        marks: &[(&str, NaiveDate)],
    ) -> Vec<Flag> {
        let discussed = marks
            .iter()
            .map(|(id, d)| (id.to_string(), d.and_hms_opt(12, 0, 0).unwrap().and_utc()))
            .collect();
        let notes = points
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 5 == 4)
            .map(|(_, p)| (p.record_id, "work is getting on top of me".to_string()))
            .collect();
        let instruments = Instruments::bundled().unwrap();
        series_flags(&SeriesInput {
            sender: &sender(),
            points,
            editions,
            notes: &notes,
            instruments: &instruments,
            instrument: instruments.current().unwrap(),
            rules,
            discussed: &discussed,
            received: &HashMap::new(),
        })
    }

    /// `v1` check-ins on edition 1, then the rest on edition 2.
    fn v1_then_v2(v1: usize, all: usize) -> Vec<InstrumentRef> {
        (0..all)
            .map(|i| InstrumentRef {
                id: "session-checkin".into(),
                version: if i < v1 { 1 } else { 2 },
            })
            .collect()
    }

    fn flags_of(ratings: &[(u8, u8)]) -> Vec<Flag> {
        flags_with(&series(ratings), &FlagRules::default(), &[])
    }

    fn open_kinds(ratings: &[(u8, u8)], rules: &FlagRules) -> Vec<FlagKind> {
        flags_with(&series(ratings), rules, &[])
            .into_iter()
            .filter(Flag::is_open)
            .map(|f| f.kind)
            .collect()
    }

    fn rules_of(flag: &Flag) -> Vec<Rule> {
        let mut rules: Vec<Rule> = flag.reasons.iter().map(|r| r.rule).collect();
        rules.sort();
        rules.dedup();
        rules
    }

    /// No difficult-first-session flag and no stall, so the other rules
    /// can be looked at alone.
    fn calm_start() -> FlagRules {
        FlagRules {
            first_session_at_or_below: 1,
            plateau_sessions: 50,
            ..Default::default()
        }
    }

    /// Every sentence of a flag: headline, reasons, events, resolution.
    fn sentences_of(flag: &Flag) -> Vec<&Sentence> {
        let mut out = vec![&flag.headline];
        out.extend(flag.reasons.iter().map(|r| &r.text));
        out.extend(flag.events.iter().map(|e| &e.text));
        out.extend(flag.resolution.iter().map(|r| &r.text));
        out
    }

    /// A therapist reads every flag in their own language: each sentence of
    /// a first session, a support request, a concern (with a note, a steady
    /// run, a slide from the first session), its end and a stall is told in
    /// German, French and Spanish, with no phrase or placeholder left
    /// unfilled and no English sentence left over.
    #[test]
    fn every_flag_is_told_in_every_language() {
        let mut stories = vec![
            series(&[(2, 1), (4, 4)]),
            series(&[(4, 4), (4, 4), (4, 4), (4, 4), (2, 2), (4, 4)]),
            series(&[(5, 5), (4, 4), (4, 4), (3, 3), (3, 2), (5, 5)]),
            series(&[(3, 3); 6]),
        ];
        let mut support = series(&[(4, 4), (3, 4)]);
        support[1].support_requested = true;
        stories.push(support);
        let flags: Vec<Flag> = stories
            .iter()
            .flat_map(|points| flags_with(points, &FlagRules::default(), &[]))
            .collect();
        let kinds: std::collections::BTreeSet<FlagKind> = flags.iter().map(|f| f.kind).collect();
        assert_eq!(kinds.len(), 4, "{kinds:?}");
        let mut ids = std::collections::BTreeSet::new();
        for flag in &flags {
            for sentence in sentences_of(flag) {
                ids.extend(sentence.id());
                let english = sentence.render("en");
                for locale in ["en", "de", "fr", "es"] {
                    let told = sentence.render(locale);
                    assert!(
                        !told.contains('{') && !told.contains('['),
                        "{locale}: {told}"
                    );
                    if locale != "en" {
                        assert_ne!(told, english, "{locale} left in English");
                    }
                }
            }
        }
        assert!(ids.len() >= 12, "{ids:?}");
        let concern = flags.iter().find(|f| f.kind == FlagKind::Concern).unwrap();
        let de = concern.headline.render("de-DE");
        assert!(de.contains("„work is getting on top of me“"), "{de}");
    }

    #[test]
    fn one_story_is_one_flag_with_every_reason() {
        // The note is on the fifth check-in (see `flags_with`).
        let flags = flags_of(&[(4, 4), (4, 4), (4, 4), (4, 4), (2, 2)]);
        assert_eq!(flags.len(), 1, "{flags:#?}");
        let flag = &flags[0];
        assert_eq!(flag.kind, FlagKind::Concern);
        assert_eq!(flag.severity, Severity::Medium);
        assert!(flag.is_open());
        assert_eq!(
            rules_of(flag),
            [
                Rule::ReliableDeterioration,
                Rule::Drop,
                Rule::BelowUsualRange,
                Rule::LowScore
            ]
        );
        assert_eq!(
            flag.headline.render("en"),
            "Heard fell to 2 after four sessions at 4 (−2, below the client's usual range, −2 \
             since the first session); hopeful fell to 2 after four sessions at 4 (−2, below the \
             client's usual range, −2 since the first session); note: ‘work is getting on top of \
             me’."
        );
        // Plain numbers, no verdict a single item cannot carry.
        for reason in &flag.reasons {
            assert!(
                !reason.text.render("en").contains("noise"),
                "{}",
                reason.text.render("en")
            );
        }
        let det = flag
            .reasons
            .iter()
            .find(|r| r.rule == Rule::ReliableDeterioration)
            .unwrap();
        assert!((det.rci.unwrap() + 2.581_989).abs() < 1e-5);
        assert!(
            det.text.render("en").contains("RCI −2.58"),
            "{}",
            det.text.render("en")
        );
    }

    #[test]
    fn later_low_checkins_update_the_open_flag_instead_of_opening_more() {
        let flags = flags_of(&[(4, 4), (4, 4), (4, 4), (4, 4), (2, 2), (2, 1), (1, 2)]);
        assert_eq!(flags.len(), 1);
        let flag = &flags[0];
        assert_eq!(flag.opened_on, series(&[(0, 0); 5])[4].session_date);
        assert_eq!(flag.updated_on, series(&[(0, 0); 7])[6].session_date);
        let kinds: Vec<_> = flag.events.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                FlagEventKind::Opened,
                FlagEventKind::Updated,
                FlagEventKind::Updated
            ]
        );
    }

    #[test]
    fn a_concern_resolves_itself_when_back_in_the_usual_range() {
        let dates = series(&[(0, 0); 7]);
        let flags = flags_with(
            &series(&[(4, 4), (4, 4), (4, 4), (4, 4), (2, 2), (3, 3)]),
            &calm_start(),
            &[],
        );
        assert_eq!(flags.len(), 1, "{flags:#?}");
        let resolution = flags[0].resolution.as_ref().unwrap();
        assert_eq!(resolution.kind, ResolutionKind::BackInRange);
        assert_eq!(resolution.on, dates[5].session_date);
        assert!(
            resolution
                .text
                .render("en")
                .starts_with("Resolved by the check-in of 12 Oct 2026"),
            "{}",
            resolution.text.render("en")
        );
        assert_eq!(
            flags[0].events.last().unwrap().kind,
            FlagEventKind::Resolved
        );
        // Still low on one item: not back, and updated by the low rating.
        let still = flags_of(&[(4, 4), (4, 4), (4, 4), (4, 4), (2, 2), (4, 2)]);
        assert!(still[0].is_open());
        // Not low any more but below where it was usual: stays open, quietly.
        let steady_five = [(5, 5), (5, 5), (5, 5), (5, 5), (5, 3), (5, 4), (5, 3)];
        let rules = FlagRules {
            drop_by_at_least: 3,
            ..Default::default()
        };
        let flags = flags_with(&series(&steady_five[..6]), &rules, &[]);
        let flag = &flags[0];
        assert!(flag.resolution.is_some(), "4 is back in 4–5: {flag:#?}");
        // A dip and a recovery leave nothing open.
        assert!(
            open_kinds(
                &[(4, 4), (4, 4), (4, 4), (4, 4), (2, 2), (4, 4)],
                &calm_start()
            )
            .is_empty()
        );
    }

    #[test]
    fn low_score_at_below_and_above_its_threshold() {
        let calm = calm_start();
        // 3 → 2 is no drop (by 1) and the range is the default: only the low score.
        let at = flags_with(&series(&[(3, 3), (3, 2)]), &calm, &[]);
        assert_eq!(rules_of(&at[0]), [Rule::LowScore]);
        assert_eq!(
            at[0].reasons[0].text.render("en"),
            "Rated hopeful 2 for the session on 14 Sep 2026 (at or below 2)."
        );
        assert_eq!(open_kinds(&[(3, 3), (3, 1)], &calm), [FlagKind::Concern]);
        assert!(open_kinds(&[(3, 3), (3, 3)], &calm).is_empty());
        // A stricter setting moves the line.
        let strict = FlagRules {
            low_score_at_or_below: 3,
            ..calm
        };
        assert_eq!(open_kinds(&[(4, 4), (3, 4)], &strict), [FlagKind::Concern]);
    }

    #[test]
    fn drop_at_below_and_above_its_threshold() {
        let calm = calm_start();
        let at = flags_with(&series(&[(5, 5), (5, 3)]), &calm, &[]);
        assert!(rules_of(&at[0]).contains(&Rule::Drop));
        assert_eq!(
            at[0]
                .reasons
                .iter()
                .find(|r| r.rule == Rule::Drop)
                .unwrap()
                .text
                .render("en"),
            "Hopeful fell from 5 to 3 (−2) between the sessions on 7 Sep 2026 and 14 Sep 2026."
        );
        assert_eq!(open_kinds(&[(5, 5), (2, 5)], &calm), [FlagKind::Concern]);
        assert!(open_kinds(&[(5, 5), (4, 4)], &calm).is_empty());
        assert!(open_kinds(&[(3, 3), (5, 5)], &calm).is_empty());
    }

    #[test]
    fn below_the_usual_range_at_below_and_above() {
        let rules = FlagRules {
            drop_by_at_least: 3,
            ..calm_start()
        };
        // Usual 4–5 after four sessions at 5: 4 is in it, 3 below.
        assert!(open_kinds(&[(5, 5), (5, 5), (5, 5), (5, 5), (5, 4)], &rules).is_empty());
        let below = flags_with(
            &series(&[(5, 5), (5, 5), (5, 5), (5, 5), (5, 3)]),
            &rules,
            &[],
        );
        assert!(rules_of(&below[0]).contains(&Rule::BelowUsualRange));
        let reason = below[0]
            .reasons
            .iter()
            .find(|r| r.rule == Rule::BelowUsualRange)
            .unwrap();
        assert_eq!(
            reason.text.render("en"),
            "Hopeful 3 on 5 Oct 2026 is below the client's usual range (4–5 over the last four \
             sessions)."
        );
        // Too few check-ins for a range of the client's own: not a reason.
        let early = flags_with(&series(&[(5, 5), (5, 5), (5, 4)]), &rules, &[]);
        assert!(early.is_empty());
    }

    #[test]
    fn a_slow_slide_opens_one_concern_when_it_crosses_the_reliable_change() {
        let calm = calm_start();
        let slide = [(5, 5), (5, 5), (5, 4), (5, 4), (5, 4), (5, 3)];
        let flags = flags_with(&series(&slide), &calm, &[]);
        assert_eq!(flags.len(), 1, "{flags:#?}");
        assert_eq!(rules_of(&flags[0]), [Rule::ReliableDeterioration]);
        // −1 from the first is below the index: nothing.
        assert!(open_kinds(&slide[..5], &calm).is_empty());
        // Staying down does not raise it again.
        let mut longer = slide.to_vec();
        longer.extend([(5, 3), (5, 3)]);
        assert_eq!(flags_with(&series(&longer), &calm, &[]).len(), 1);
    }

    #[test]
    fn a_difficult_first_session_at_below_and_above_its_threshold() {
        let at = flags_of(&[(3, 4)]);
        assert_eq!(at.len(), 1);
        assert_eq!(at[0].kind, FlagKind::DifficultFirstSession);
        assert_eq!(at[0].severity, Severity::Medium);
        assert!(
            at[0]
                .headline
                .render("en")
                .ends_with("reach out before the next session."),
            "{}",
            at[0].headline.render("en")
        );
        assert_eq!(rules_of(&at[0]), [Rule::LowFirstSession]);
        let below = flags_of(&[(2, 1)]);
        assert_eq!(rules_of(&below[0]), [Rule::LowFirstSession, Rule::LowScore]);
        assert!(flags_of(&[(4, 4)]).is_empty());
        assert!(flags_of(&[(5, 4)]).is_empty());
        // Only the first session.
        assert!(
            !flags_of(&[(4, 4), (3, 3)])
                .iter()
                .any(|f| f.kind == FlagKind::DifficultFirstSession)
        );
    }

    #[test]
    fn a_difficult_first_session_resolves_when_the_client_comes_back_better() {
        let flags = flags_of(&[(3, 2), (4, 4)]);
        assert_eq!(flags.len(), 1);
        assert_eq!(
            flags[0].resolution.as_ref().unwrap().kind,
            ResolutionKind::CameBack
        );
        // Back but still at 3: the concern stays with the same flag.
        let flags = flags_of(&[(3, 2), (3, 4)]);
        assert_eq!(flags.len(), 1);
        assert!(flags[0].is_open());
        // Worse at the second session: one story, the same flag, updated.
        let flags = flags_of(&[(3, 2), (1, 1)]);
        assert_eq!(flags.len(), 1);
        assert_eq!(flags[0].kind, FlagKind::DifficultFirstSession);
        assert_eq!(flags[0].events.len(), 2);
    }

    #[test]
    fn a_support_request_stays_open_until_discussed() {
        let mut points = series(&[(4, 4), (2, 1), (4, 4), (5, 5), (2, 2)]);
        points[1].support_requested = true;
        points[4].support_requested = true;
        let flags = flags_with(&points, &calm_start(), &[]);
        let support: Vec<&Flag> = flags
            .iter()
            .filter(|f| f.kind == FlagKind::SupportRequested)
            .collect();
        assert_eq!(support.len(), 1, "a second request updates the open one");
        assert_eq!(support[0].severity, Severity::Urgent);
        assert!(support[0].is_open());
        assert_eq!(support[0].reasons.len(), 2);
        assert!(
            support[0].reasons[0]
                .text
                .render("en")
                .contains("nobody watches check-ins in real time")
        );
        // Discussed between the two requests: the second opens a new one.
        let id = support[0].id.clone();
        let flags = flags_with(&points, &calm_start(), &[(&id, points[2].session_date)]);
        let support: Vec<&Flag> = flags
            .iter()
            .filter(|f| f.kind == FlagKind::SupportRequested)
            .collect();
        assert_eq!(support.len(), 2);
        assert_eq!(
            support[0].resolution.as_ref().unwrap().kind,
            ResolutionKind::Discussed
        );
        assert!(support[1].is_open());
        assert_ne!(support[0].id, support[1].id);
    }

    #[test]
    fn marking_discussed_resolves_and_later_checkins_are_news_again() {
        let ratings = [(4, 4), (4, 4), (4, 4), (4, 4), (2, 2), (2, 2)];
        let points = series(&ratings);
        let open = flags_with(&points, &calm_start(), &[]);
        assert_eq!(open.len(), 1);
        let marked = flags_with(
            &points[..5],
            &calm_start(),
            &[(&open[0].id, points[4].session_date)],
        );
        assert_eq!(
            marked[0].resolution.as_ref().unwrap().kind,
            ResolutionKind::Discussed
        );
        let after = flags_with(
            &points,
            &calm_start(),
            &[(&open[0].id, points[4].session_date)],
        );
        assert_eq!(after.len(), 2);
        assert!(!after[0].is_open() && after[1].is_open());
    }

    #[test]
    fn a_stall_is_one_flag_that_resolves_with_a_change_for_the_better() {
        let rules = FlagRules {
            first_session_at_or_below: 1,
            ..Default::default()
        };
        let of = |ratings: &[(u8, u8)]| flags_with(&series(ratings), &rules, &[]);
        let flat = [(3, 3); 6];
        assert_eq!(open_kinds(&flat, &rules), [FlagKind::StalledTherapy]);
        assert!(open_kinds(&flat[..5], &rules).is_empty());
        assert_eq!(of(&[(3, 3); 24]).len(), 1);
        let mut better = vec![(3, 3); 6];
        better.push((3, 5));
        let flags = of(&better);
        assert_eq!(flags.len(), 1);
        assert_eq!(
            flags[0].resolution.as_ref().unwrap().kind,
            ResolutionKind::Improved
        );
        // Doing well is not being stuck.
        assert!(of(&[(4, 4); 6]).is_empty());
        assert_eq!(of(&[(4, 3); 6])[0].kind, FlagKind::StalledTherapy);
        assert!(
            of(&flat)[0]
                .headline
                .render("en")
                .contains("reviewing the plan together")
        );
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = flags_of(&[(1, 1), (4, 4), (4, 4), (4, 4), (4, 4), (1, 1)]);
        let b = flags_of(&[(1, 1), (4, 4), (4, 4), (4, 4), (4, 4), (1, 1)]);
        assert_eq!(a, b);
        let ids: std::collections::HashSet<_> = a.iter().map(|f| &f.id).collect();
        assert_eq!(ids.len(), a.len());
        assert!(a.iter().all(|f| f.id.len() == 12));
    }

    #[test]
    fn two_hundred_noisy_sessions_leave_at_most_one_open_concern() {
        let mut state = 17u64;
        let ratings: Vec<(u8, u8)> = (0..200)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let a = 2 + ((state >> 33) % 4) as u8;
                let b = 2 + ((state >> 40) % 4) as u8;
                (a, b)
            })
            .collect();
        let flags = flags_of(&ratings);
        let open: Vec<_> = flags.iter().filter(|f| f.is_open()).collect();
        assert!(open.len() <= 2, "{open:#?}");
        assert!(
            open.iter()
                .filter(|f| matches!(f.kind, FlagKind::Concern | FlagKind::DifficultFirstSession))
                .count()
                <= 1
        );
        assert!(flags.iter().all(|f| f.reasons.len() <= MAX_REASONS));
    }

    #[test]
    fn a_new_question_is_not_measured_against_the_old_one() {
        let ratings = [(4, 4), (4, 4), (4, 4), (4, 4), (4, 2)];
        // All on one edition: hope fell, is below its usual range and
        // deteriorated since the first session.
        let same = flags_with(&series(&ratings), &calm_start(), &[]);
        assert_eq!(
            rules_of(&same[0]),
            [
                Rule::ReliableDeterioration,
                Rule::Drop,
                Rule::BelowUsualRange,
                Rule::LowScore
            ]
        );
        // The 2 answers v2's "right now I feel hopeful", the 4s v1's "I
        // leave feeling more hopeful": only the low score is a reason.
        let across = flags_on(&series(&ratings), &v1_then_v2(4, 5), &calm_start(), &[]);
        assert_eq!(across.len(), 1, "{across:#?}");
        assert_eq!(rules_of(&across[0]), [Rule::LowScore]);
        assert_eq!(
            across[0].headline.render("en"),
            "Hopeful 2; note: ‘work is getting on top of me’."
        );
        // Two v2 check-ins in, the second is compared with the first.
        let ratings = [(4, 4), (4, 4), (4, 4), (4, 5), (4, 3)];
        let later = flags_on(&series(&ratings), &v1_then_v2(3, 5), &calm_start(), &[]);
        assert_eq!(
            rules_of(&later[0]),
            [Rule::ReliableDeterioration, Rule::Drop]
        );
    }

    #[test]
    fn a_clearer_wording_of_the_same_question_keeps_its_history() {
        // heard continues v1 in v2: the fall from four sessions at 4 counts.
        let ratings = [(4, 4), (4, 4), (4, 4), (4, 4), (2, 4)];
        let flags = flags_on(&series(&ratings), &v1_then_v2(4, 5), &calm_start(), &[]);
        assert_eq!(
            rules_of(&flags[0]),
            [
                Rule::ReliableDeterioration,
                Rule::Drop,
                Rule::BelowUsualRange,
                Rule::LowScore
            ]
        );
        assert!(
            flags[0]
                .headline
                .render("en")
                .starts_with("Heard fell to 2 after four sessions at 4")
        );
    }

    #[test]
    fn the_first_session_counts_whatever_edition_it_answered() {
        // A difficult first session on v1, then a better one on v2: the
        // client came back (heard compares; v1's hope says nothing of v2's).
        let flags = flags_on(
            &series(&[(3, 1), (4, 4)]),
            &v1_then_v2(1, 2),
            &FlagRules::default(),
            &[],
        );
        assert_eq!(flags.len(), 1);
        assert_eq!(flags[0].kind, FlagKind::DifficultFirstSession);
        assert_eq!(rules_of(&flags[0]), [Rule::LowFirstSession, Rule::LowScore]);
        assert_eq!(
            flags[0].resolution.as_ref().unwrap().kind,
            ResolutionKind::CameBack
        );
        // On v2 from the start: the same rule.
        let v2 = flags_on(
            &series(&[(3, 2)]),
            &v1_then_v2(0, 1),
            &FlagRules::default(),
            &[],
        );
        assert_eq!(v2[0].kind, FlagKind::DifficultFirstSession);
    }

    #[test]
    fn a_stall_across_editions_is_told_by_what_compares() {
        let rules = FlagRules {
            first_session_at_or_below: 1,
            ..Default::default()
        };
        let flags = flags_on(&series(&[(3, 3); 6]), &v1_then_v2(3, 6), &rules, &[]);
        assert_eq!(flags.len(), 1);
        assert_eq!(flags[0].kind, FlagKind::StalledTherapy);
        let reason = &flags[0].reasons[0].text.render("en");
        assert!(reason.contains("heard 3 → 3"), "{reason}");
        assert!(!reason.contains("hopeful"), "{reason}");
    }

    #[test]
    fn a_v1_only_history_gives_the_flags_it_always_gave() {
        let ratings = [(4, 4), (4, 4), (4, 4), (4, 4), (2, 2), (2, 1), (1, 2)];
        assert_eq!(
            flags_on(
                &series(&ratings),
                &v1_then_v2(7, 7),
                &FlagRules::default(),
                &[]
            ),
            flags_of(&ratings)
        );
    }
}
