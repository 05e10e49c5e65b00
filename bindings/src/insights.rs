//! The therapist's insights per client, mirroring `rapport_core::insights`
//! (flags are in `flags.rs`, the brief in `brief.rs`).

use std::collections::HashMap;
use std::time::SystemTime;

use rapport_core::insights as core;

use crate::flags::Flag;
use crate::goals::GoalProgress;

/// A word a therapist understands at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Trend {
    /// Some item changed reliably for the better since the first session.
    Improving,
    /// No reliable change.
    Steady,
    /// Some item changed reliably for the worse.
    Worsening,
    /// Fewer than two check-ins.
    NotEnoughData,
}

/// One check-in as a point of the chart.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SessionPoint {
    /// `YYYY-MM-DD`.
    pub session_date: String,
    /// Ratings by item id: only those that may be compared with the client's
    /// newest answer to the item (an answer to a question since asked
    /// differently is left out), so a line never joins two questions.
    pub ratings: HashMap<String, u8>,
    /// The client asked for support with it.
    pub support_requested: bool,
}

/// How one item moved since the first session (or, for a question asked
/// in new words since, since its first answer in those words).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ItemInsight {
    /// The item id.
    pub item: String,
    /// First rating that may be compared with the latest.
    pub first: u8,
    /// Latest rating.
    pub latest: u8,
    /// `latest - first`.
    pub change: i32,
    /// Reliable change index.
    pub rci: f64,
    /// `|rci| > 1.96`.
    pub reliable: bool,
}

/// Whether a client is still sharing, or how the pairing ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ClientStatus {
    /// Paired and sharing.
    Active,
    /// The client left (what they shared stays).
    Left {
        /// When.
        at: SystemTime,
    },
    /// The client erased everything.
    Erased {
        /// When.
        at: SystemTime,
    },
    /// The therapist ended the pairing.
    Revoked {
        /// When.
        at: SystemTime,
    },
}

/// One client on the therapist's dashboard.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ClientInsights {
    /// The therapist's label.
    pub label: String,
    /// The client's device id.
    pub device_id: String,
    /// Sharing, or how it ended.
    pub status: ClientStatus,
    /// The latest 52 check-ins, oldest first (the chart).
    pub sessions: Vec<SessionPoint>,
    /// How many check-ins in all.
    pub total_sessions: u32,
    /// Per item: first, latest, change, RCI.
    pub items: Vec<ItemInsight>,
    /// The trend word.
    pub trend: Trend,
    /// Open flags, by need (the library's order: show them as they come).
    pub flags: Vec<Flag>,
    /// When the client paused sharing, while paused: no check-in counts as
    /// missing meanwhile.
    pub paused_since: Option<SystemTime>,
    /// Check-ins not acknowledged yet.
    pub unseen: u32,
    /// The goals the client shares, with their ratings: active ones in the
    /// order they were set, then archived ones.
    pub goals: Vec<GoalProgress>,
}

impl From<core::ClientStatus> for ClientStatus {
    fn from(s: core::ClientStatus) -> Self {
        match s {
            core::ClientStatus::Active => ClientStatus::Active,
            core::ClientStatus::Left(at) => ClientStatus::Left { at: at.into() },
            core::ClientStatus::Erased(at) => ClientStatus::Erased { at: at.into() },
            core::ClientStatus::Revoked(at) => ClientStatus::Revoked { at: at.into() },
        }
    }
}

impl ClientInsights {
    /// `c`, its flags' sentences told in the best of Rapport's languages
    /// for `locale`.
    pub(crate) fn told(c: core::ClientInsights, locale: &str) -> Self {
        ClientInsights {
            label: c.label,
            device_id: c.device_id.to_string(),
            status: c.status.into(),
            sessions: c
                .sessions
                .into_iter()
                .map(|p| SessionPoint {
                    session_date: p.session_date.to_string(),
                    ratings: p.answers.into_iter().collect(),
                    support_requested: p.support_requested,
                })
                .collect(),
            items: c
                .items
                .into_iter()
                .map(|i| ItemInsight {
                    item: i.item,
                    first: i.first,
                    latest: i.latest,
                    change: i.change.into(),
                    rci: i.rci,
                    reliable: i.reliable,
                })
                .collect(),
            total_sessions: c.total_sessions,
            trend: match c.trend {
                core::Trend::Improving => Trend::Improving,
                core::Trend::Steady => Trend::Steady,
                core::Trend::Worsening => Trend::Worsening,
                core::Trend::NotEnoughData => Trend::NotEnoughData,
            },
            flags: c.flags.into_iter().map(|f| Flag::told(f, locale)).collect(),
            paused_since: c.paused_since.map(Into::into),
            unseen: c.unseen,
            goals: c.goals.into_iter().map(Into::into).collect(),
        }
    }
}
