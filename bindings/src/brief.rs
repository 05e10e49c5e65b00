//! The brief before a day's sessions, mirroring `rapport_core::insights`'
//! `Brief`: one card per client, by need, each with what came in since the
//! last session, the client's usual range, open flags and an opening line.

use std::collections::HashMap;
use std::time::SystemTime;

use rapport_core::insights as core;

use crate::flags::Flag;
use crate::goals::GoalProgress;
use crate::insights::ClientStatus;

/// Which clients a brief covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BriefBasis {
    /// The clients with a session recorded on the day.
    RecordedSessions,
    /// No session is recorded on the day: every active client.
    ActiveClients,
}

/// A check-in as a card lists it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BriefCheckIn {
    /// The client's id for it.
    pub record_id: String,
    /// The session it is about, `YYYY-MM-DD`.
    pub session_date: String,
    /// Ratings by item id.
    pub ratings: HashMap<String, u8>,
    /// The note, when the client shared it.
    pub note: Option<String>,
    /// The client asked for support with it.
    pub support_requested: bool,
    /// The therapist acknowledged it.
    pub seen: bool,
}

/// Where one item's ratings usually lie for one client.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct UsualRange {
    /// The item id (`heard`, `hopeful`, ...).
    pub item: String,
    /// Lowest usual rating.
    pub low: u8,
    /// The median rating (may be a half point).
    pub median: f32,
    /// Highest usual rating.
    pub high: u8,
    /// How many check-ins it was taken from; 0 for the instrument's default.
    pub sessions: u32,
}

/// An item of the latest check-in outside the client's usual range.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OutsideRange {
    /// The item id.
    pub item: String,
    /// The rating given.
    pub rating: u8,
    /// Above the range (`true`) or below it (`false`).
    pub above: bool,
    /// The range it was judged against (from the check-ins before it).
    pub range: UsualRange,
    /// The words to show, in the brief's language, as part of a sentence
    /// ("hopeful 2, below the usual 3–5 ...").
    pub text: String,
}

/// A suggested opening line for the session.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Opening {
    /// The phrasing's id in the library's data (`concern.1`).
    pub id: String,
    /// The version of the set of phrasings.
    pub version: u32,
    /// The language it is in (the best match for the locale asked).
    pub locale: String,
    /// The line.
    pub text: String,
}

/// One client's card in the brief.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BriefCard {
    /// The therapist's label for the client.
    pub label: String,
    /// The client's device id.
    pub device_id: String,
    /// Sharing, or how it ended.
    pub status: ClientStatus,
    /// When the client paused sharing, while paused.
    pub paused_since: Option<SystemTime>,
    /// A session with the client is recorded on the brief's day.
    pub session_on_day: bool,
    /// The latest session recorded before the day, `YYYY-MM-DD`.
    pub last_session: Option<String>,
    /// Check-ins since the last session, oldest first.
    pub checkins: Vec<BriefCheckIn>,
    /// The client's usual range per required item.
    pub usual: Vec<UsualRange>,
    /// What of the latest check-in lies outside it.
    pub outside: Vec<OutsideRange>,
    /// Open flags, by need, with their reasons.
    pub flags: Vec<Flag>,
    /// One suggested opening line.
    pub opening: Opening,
    /// The goals the client shares, with their ratings.
    pub goals: Vec<GoalProgress>,
    /// One calm line about goals that moved or stayed, when any did, in the
    /// brief's language.
    pub goal_line: Option<String>,
}

/// The brief for one day.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Brief {
    /// The day it prepares, `YYYY-MM-DD`.
    pub date: String,
    /// Which clients it covers.
    pub basis: BriefBasis,
    /// One card per client, by need (show them in this order).
    pub cards: Vec<BriefCard>,
}

fn usual_range(item: String, r: core::UsualRange) -> UsualRange {
    UsualRange {
        item,
        low: r.low,
        median: r.median,
        high: r.high,
        sessions: r.sessions,
    }
}

impl BriefCard {
    fn told(c: core::BriefCard, locale: &str) -> Self {
        BriefCard {
            label: c.label,
            device_id: c.device_id.to_string(),
            status: c.status.into(),
            paused_since: c.paused_since.map(Into::into),
            session_on_day: c.session_on_day,
            last_session: c.last_session.map(|d| d.to_string()),
            checkins: c
                .checkins
                .into_iter()
                .map(|k| BriefCheckIn {
                    record_id: k.record_id.to_string(),
                    session_date: k.session_date.to_string(),
                    ratings: k.answers.into_iter().collect(),
                    note: k.note,
                    support_requested: k.support_requested,
                    seen: k.seen,
                })
                .collect(),
            usual: c
                .usual
                .into_iter()
                .map(|(item, r)| usual_range(item, r))
                .collect(),
            outside: c
                .outside
                .into_iter()
                .map(|o| OutsideRange {
                    range: usual_range(o.item.clone(), o.range),
                    item: o.item,
                    rating: o.rating,
                    above: o.above,
                    text: o.text.render_part(locale),
                })
                .collect(),
            flags: c.flags.into_iter().map(|f| Flag::told(f, locale)).collect(),
            opening: Opening {
                id: c.opening.id,
                version: c.opening.version,
                locale: c.opening.locale,
                text: c.opening.text,
            },
            goals: c.goals.into_iter().map(Into::into).collect(),
            goal_line: c.goal_line.map(|l| l.render(locale)),
        }
    }
}

impl Brief {
    /// `b`, its sentences told in the best of Rapport's languages for
    /// `locale`.
    pub(crate) fn told(b: core::Brief, locale: &str) -> Self {
        Brief {
            date: b.date.to_string(),
            basis: match b.basis {
                core::BriefBasis::RecordedSessions => BriefBasis::RecordedSessions,
                core::BriefBasis::ActiveClients => BriefBasis::ActiveClients,
            },
            cards: b
                .cards
                .into_iter()
                .map(|c| BriefCard::told(c, locale))
                .collect(),
        }
    }
}
