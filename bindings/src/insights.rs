//! The therapist's insights and alerts, mirroring `rapport_core::insights`.

use std::collections::HashMap;
use std::time::SystemTime;

use rapport_core::insights as core;

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

/// What raised an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AlertRule {
    /// The client asked for support.
    SupportRequested,
    /// The first session was rated low.
    LowFirstSession,
    /// A reliable deterioration since the first session.
    ReliableDeterioration,
    /// A sharp fall from the previous session.
    Drop,
    /// A rating at or below its threshold.
    LowScore,
    /// No check-in when one was expected.
    MissingCheckin,
    /// No reliable improvement over several sessions.
    Plateau,
}

/// How urgently an alert asks for attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AlertSeverity {
    /// The client asked for support.
    Urgent,
    /// Look before the next session.
    High,
    /// Worth raising in the next session.
    Medium,
    /// For the record.
    Low,
}

/// One alert about one client.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Alert {
    /// Stable id; pass it to `acknowledge_alert`.
    pub id: String,
    /// The therapist's label for the client.
    pub client_label: String,
    /// The client's device id.
    pub client_device_id: String,
    /// The rule.
    pub rule: AlertRule,
    /// Its stable name (`low_first_session`, ...).
    pub rule_id: String,
    /// How urgent.
    pub severity: AlertSeverity,
    /// One sentence naming the numbers.
    pub reason: String,
    /// The session it is about, `YYYY-MM-DD`, when there is one.
    pub session_date: Option<String>,
    /// When acknowledged; unset while open.
    pub acknowledged_at: Option<SystemTime>,
}

/// One check-in as a point of the chart.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SessionPoint {
    /// `YYYY-MM-DD`.
    pub session_date: String,
    /// Ratings by item id.
    pub ratings: HashMap<String, u8>,
    /// The client asked for support with it.
    pub support_requested: bool,
}

/// How one item moved since the first session.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ItemInsight {
    /// The item id.
    pub item: String,
    /// First rating.
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
    /// Open alerts, most urgent first.
    pub open_alerts: Vec<Alert>,
    /// Check-ins not acknowledged yet.
    pub unseen: u32,
}

impl From<core::Alert> for Alert {
    fn from(a: core::Alert) -> Self {
        Alert {
            rule_id: a.rule.id().to_owned(),
            rule: match a.rule {
                core::AlertRule::SupportRequested => AlertRule::SupportRequested,
                core::AlertRule::LowFirstSession => AlertRule::LowFirstSession,
                core::AlertRule::ReliableDeterioration => AlertRule::ReliableDeterioration,
                core::AlertRule::Drop => AlertRule::Drop,
                core::AlertRule::LowScore => AlertRule::LowScore,
                core::AlertRule::MissingCheckin => AlertRule::MissingCheckin,
                core::AlertRule::Plateau => AlertRule::Plateau,
            },
            severity: match a.severity {
                core::Severity::Urgent => AlertSeverity::Urgent,
                core::Severity::High => AlertSeverity::High,
                core::Severity::Medium => AlertSeverity::Medium,
                core::Severity::Low => AlertSeverity::Low,
            },
            id: a.id,
            client_label: a.client_label,
            client_device_id: a.client.to_string(),
            reason: a.reason,
            session_date: a.session_date.map(|d| d.to_string()),
            acknowledged_at: a.acknowledged_at.map(Into::into),
        }
    }
}

impl From<core::ClientInsights> for ClientInsights {
    fn from(c: core::ClientInsights) -> Self {
        ClientInsights {
            label: c.label,
            device_id: c.device_id.to_string(),
            status: match c.status {
                core::ClientStatus::Active => ClientStatus::Active,
                core::ClientStatus::Left(at) => ClientStatus::Left { at: at.into() },
                core::ClientStatus::Erased(at) => ClientStatus::Erased { at: at.into() },
                core::ClientStatus::Revoked(at) => ClientStatus::Revoked { at: at.into() },
            },
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
            open_alerts: c.open_alerts.into_iter().map(Into::into).collect(),
            unseen: c.unseen,
        }
    }
}
