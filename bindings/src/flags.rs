//! The therapist's flags, mirroring `rapport_core::insights`' `Flag`: one
//! per concern, each with the reasons behind it and its history. Dates a
//! person sees are `YYYY-MM-DD`; instants are `SystemTime`.

use std::time::SystemTime;

use rapport_core::insights as core;

/// What a flag is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
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
    /// together may help.
    ReviewSuggested,
    /// Session ratings stay high but the shared goals have not moved.
    GoalsStuck,
}

/// How urgently a flag asks for attention; the library orders by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
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

/// The rule behind one reason of a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Rule {
    /// The client pressed "I need support now".
    SupportRequested,
    /// The first session was rated low.
    LowFirstSession,
    /// Since a difficult check-in, no check-in and no recorded session.
    NoReturn,
    /// An item changed for the worse since the first session, by at least
    /// the instrument's reliable change.
    ReliableDeterioration,
    /// An item fell sharply from the previous session.
    Drop,
    /// An item fell below the client's usual range.
    BelowUsualRange,
    /// An item was rated at or below its threshold.
    LowScore,
    /// No change for the better over several sessions.
    Plateau,
    /// No check-in for a recorded session, or for too long.
    MissingCheckin,
    /// Session and goal ratings high and steady for a while.
    ReviewSuggested,
    /// Session ratings high, goals not moving.
    GoalsStuck,
}

/// One reason a flag carries: a rule, the check-in it is about, and one
/// sentence with the plain numbers.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Reason {
    /// Stable id; pass it to `acknowledge_reason`.
    pub id: String,
    /// The rule.
    pub rule: Rule,
    /// Its stable name (`low_first_session`, ...).
    pub rule_id: String,
    /// The session it is about, `YYYY-MM-DD`, when there is one.
    pub session_date: Option<String>,
    /// One sentence naming the numbers, in the language asked for.
    pub text: String,
    /// The reliable change index behind a reliable deterioration: a figure
    /// for the details, not a verdict.
    pub rci: Option<f64>,
    /// When the therapist acknowledged this reason; unset until then.
    pub acknowledged_at: Option<SystemTime>,
}

/// What happened to a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
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
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FlagEvent {
    /// The day it happened, `YYYY-MM-DD`.
    pub on: String,
    /// What happened.
    pub kind: FlagEventKind,
    /// A sentence for the history, in the language asked for.
    pub text: String,
}

/// How a flag ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
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
    /// What opened it no longer holds (a review, stuck goals).
    NoLongerHolds,
}

/// A flag's end.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Resolution {
    /// How.
    pub kind: ResolutionKind,
    /// The day, `YYYY-MM-DD`.
    pub on: String,
    /// A sentence saying how, for a person, in the language asked for.
    pub text: String,
}

/// One concern about one client.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Flag {
    /// Stable id; pass it to `mark_discussed`.
    pub id: String,
    /// The therapist's label for the client.
    pub client_label: String,
    /// The client's device id.
    pub client_device_id: String,
    /// What it is about.
    pub kind: FlagKind,
    /// Its stable name (`difficult_first_session`, ...).
    pub kind_id: String,
    /// How urgent it is now.
    pub severity: Severity,
    /// Whether silence made it more urgent than its kind alone.
    pub escalated: bool,
    /// One sentence: what happened and, where it helps, what to do; in the
    /// language asked for (the `locale` of `flags`, `insights`, `brief`, ...).
    pub headline: String,
    /// The session that opened it, `YYYY-MM-DD`.
    pub opened_on: String,
    /// The latest session (or day) that added to it, `YYYY-MM-DD`.
    pub updated_on: String,
    /// How it ended; unset while open.
    pub resolution: Option<Resolution>,
    /// The reasons of its latest check-ins, oldest first.
    pub reasons: Vec<Reason>,
    /// Reasons of earlier check-ins not listed in `reasons` (they are in
    /// the events).
    pub earlier_reasons: u32,
    /// Its history, oldest first.
    pub events: Vec<FlagEvent>,
}

impl From<core::Severity> for Severity {
    fn from(s: core::Severity) -> Self {
        match s {
            core::Severity::Urgent => Severity::Urgent,
            core::Severity::High => Severity::High,
            core::Severity::Medium => Severity::Medium,
            core::Severity::Low => Severity::Low,
        }
    }
}

impl From<core::FlagKind> for FlagKind {
    fn from(k: core::FlagKind) -> Self {
        match k {
            core::FlagKind::SupportRequested => FlagKind::SupportRequested,
            core::FlagKind::DifficultFirstSession => FlagKind::DifficultFirstSession,
            core::FlagKind::Concern => FlagKind::Concern,
            core::FlagKind::StalledTherapy => FlagKind::StalledTherapy,
            core::FlagKind::MissingCheckin => FlagKind::MissingCheckin,
            core::FlagKind::ReviewSuggested => FlagKind::ReviewSuggested,
            core::FlagKind::GoalsStuck => FlagKind::GoalsStuck,
        }
    }
}

impl From<core::Rule> for Rule {
    fn from(r: core::Rule) -> Self {
        match r {
            core::Rule::SupportRequested => Rule::SupportRequested,
            core::Rule::LowFirstSession => Rule::LowFirstSession,
            core::Rule::NoReturn => Rule::NoReturn,
            core::Rule::ReliableDeterioration => Rule::ReliableDeterioration,
            core::Rule::Drop => Rule::Drop,
            core::Rule::BelowUsualRange => Rule::BelowUsualRange,
            core::Rule::LowScore => Rule::LowScore,
            core::Rule::Plateau => Rule::Plateau,
            core::Rule::MissingCheckin => Rule::MissingCheckin,
            core::Rule::ReviewSuggested => Rule::ReviewSuggested,
            core::Rule::GoalsStuck => Rule::GoalsStuck,
        }
    }
}

impl Reason {
    /// `r`, its sentence told in the best of Rapport's languages for `locale`.
    pub(crate) fn told(r: core::Reason, locale: &str) -> Self {
        Reason {
            id: r.id,
            rule: r.rule.into(),
            rule_id: r.rule.id().to_owned(),
            session_date: r.session_date.map(|d| d.to_string()),
            text: r.text.render(locale),
            rci: r.rci,
            acknowledged_at: r.acknowledged_at.map(Into::into),
        }
    }
}

impl FlagEvent {
    fn told(e: core::FlagEvent, locale: &str) -> Self {
        FlagEvent {
            on: e.on.to_string(),
            kind: match e.kind {
                core::FlagEventKind::Opened => FlagEventKind::Opened,
                core::FlagEventKind::Updated => FlagEventKind::Updated,
                core::FlagEventKind::Escalated => FlagEventKind::Escalated,
                core::FlagEventKind::Resolved => FlagEventKind::Resolved,
                core::FlagEventKind::Discussed => FlagEventKind::Discussed,
                core::FlagEventKind::Withdrawn => FlagEventKind::Withdrawn,
            },
            text: e.text.render(locale),
        }
    }
}

impl Resolution {
    fn told(r: core::Resolution, locale: &str) -> Self {
        Resolution {
            kind: match r.kind {
                core::ResolutionKind::BackInRange => ResolutionKind::BackInRange,
                core::ResolutionKind::CameBack => ResolutionKind::CameBack,
                core::ResolutionKind::Improved => ResolutionKind::Improved,
                core::ResolutionKind::CheckedIn => ResolutionKind::CheckedIn,
                core::ResolutionKind::Discussed => ResolutionKind::Discussed,
                core::ResolutionKind::Withdrawn => ResolutionKind::Withdrawn,
                core::ResolutionKind::NoLongerHolds => ResolutionKind::NoLongerHolds,
            },
            on: r.on.to_string(),
            text: r.text.render(locale),
        }
    }
}

impl Flag {
    /// `f`, its sentences told in the best of Rapport's languages for
    /// `locale` (a tag such as `de-AT`; English when none fits).
    pub(crate) fn told(f: core::Flag, locale: &str) -> Self {
        Flag {
            id: f.id,
            client_label: f.client_label,
            client_device_id: f.client.to_string(),
            kind: f.kind.into(),
            kind_id: f.kind.id().to_owned(),
            severity: f.severity.into(),
            escalated: f.escalated,
            headline: f.headline.render(locale),
            opened_on: f.opened_on.to_string(),
            updated_on: f.updated_on.to_string(),
            resolution: f.resolution.map(|r| Resolution::told(r, locale)),
            reasons: f
                .reasons
                .into_iter()
                .map(|r| Reason::told(r, locale))
                .collect(),
            earlier_reasons: f.earlier_reasons,
            events: f
                .events
                .into_iter()
                .map(|e| FlagEvent::told(e, locale))
                .collect(),
        }
    }
}
