//! Records about pairing and sync: accounts, invites, what a sync did, and
//! the therapist's dashboard.

use std::collections::HashMap;
use std::time::SystemTime;

use crate::checkin::{InstrumentRef, Reply};

/// Which side of the therapy a device is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Role {
    /// Records check-ins and sends them to one therapist.
    Client,
    /// Receives check-ins and acknowledges them.
    Therapist,
}

/// This device's place on the relay, without its secret read token.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Account {
    /// Client or therapist.
    pub role: Role,
    /// The relay's base URL (build the `Transport` for it).
    pub relay_url: String,
    /// This device's own mailbox.
    pub mailbox_id: String,
    /// The therapist's own name; empty for clients.
    pub name: String,
}

/// Check-ins held on the device, as the client is told before choosing
/// whether they go to the therapist.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HeldCheckIns {
    /// How many.
    pub count: u32,
    /// The earliest session date among them, `YYYY-MM-DD`; unset when none.
    pub first_session: Option<String>,
    /// The latest session date among them, `YYYY-MM-DD`; unset when none.
    pub last_session: Option<String>,
}

impl From<rapport_core::store::HeldCheckIns> for HeldCheckIns {
    fn from(h: rapport_core::store::HeldCheckIns) -> Self {
        HeldCheckIns {
            count: h.count,
            first_session: h.first_session.map(|d| d.to_string()),
            last_session: h.last_session.map(|d| d.to_string()),
        }
    }
}

/// Where a client's pairing stands.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Membership {
    /// Not joined to a therapist (or left).
    NotJoined,
    /// Sharing with the therapist.
    Active {
        /// New check-ins stay on the phone until sharing resumes.
        paused: bool,
    },
    /// Erasing: the next sync tells the therapist, then wipes this database.
    Erasing,
    /// The therapist ended the pairing.
    Revoked {
        /// When this device learnt it.
        at: SystemTime,
    },
}

impl From<Option<rapport_core::sync::Membership>> for Membership {
    fn from(m: Option<rapport_core::sync::Membership>) -> Self {
        use rapport_core::sync::Membership as M;
        match m {
            None => Membership::NotJoined,
            Some(M::Active { paused }) => Membership::Active { paused },
            Some(M::Erasing) => Membership::Erasing,
            Some(M::Revoked { at }) => Membership::Revoked { at: at.into() },
        }
    }
}

/// A device paired with this one.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PairedDevice {
    /// Its device id (32 hex digits).
    pub device_id: String,
    /// What this device calls it (the therapist's label for a client,
    /// `therapist` on a client). Never leaves this device.
    pub label: String,
    /// When the pairing was made.
    pub paired_at: SystemTime,
}

/// A fresh single-use invite for one client.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CreatedInvite {
    /// The `rapport:invite/...` link. Show it as a QR code with the
    /// platform's own generator (Core Image's `CIQRCodeGenerator` on iOS, a
    /// QR library on Android): the phone library carries no QR encoder.
    pub uri: String,
    /// After this the invite is refused.
    pub expires_at: SystemTime,
}

/// An envelope that was refused during sync, and why.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuarantinedEnvelope {
    /// The relay's sequence number of the envelope.
    pub server_seq: u64,
    /// A stable code (`QuarantineReason::code`, or `pairing_refused`).
    pub code: String,
    /// A sentence for a person.
    pub detail: String,
}

/// Sequence numbers from a sender that have not arrived (yet): a relay may be
/// dropping messages.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SenderGap {
    /// The sender's device id.
    pub sender: String,
    /// First missing number.
    pub first_missing: u64,
    /// Last missing number.
    pub last_missing: u64,
}

/// What one sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    /// Envelopes posted (check-ins, tombstones, receipts).
    pub sent: u32,
    /// Outbox entries skipped because a newer version replaced them.
    pub superseded: u32,
    /// Envelopes fetched.
    pub received: u32,
    /// Envelopes that changed something.
    pub applied: u32,
    /// Envelopes already applied (retries, replays, older versions).
    pub duplicates: u32,
    /// Therapist: envelopes kept back because their sender was not paired
    /// yet (its hello came late), applied now that it is.
    pub recovered: u32,
    /// Therapist: envelopes of a client who erased their data, dropped
    /// unread (an erase stays an erase).
    pub dropped_after_erase: u32,
    /// Refused envelopes.
    pub quarantined: Vec<QuarantinedEnvelope>,
    /// Missing sequence numbers after this sync.
    pub gaps: Vec<SenderGap>,
    /// Labels of clients paired during this sync.
    pub paired: Vec<String>,
    /// "Seen" receipts applied to the client's check-ins.
    pub receipts_applied: u32,
    /// Therapist: clients whose check-ins this sync changed (their insights
    /// are recomputed on the next read).
    pub insights_to_refresh: u32,
    /// Client: sharing is paused, so nothing was sent.
    pub paused: bool,
    /// Client: the therapist ended the pairing (learnt in this sync).
    pub ended_by_therapist: bool,
    /// Client: the relay refused this device's post token without any word
    /// from the therapist: nothing ended, check-ins wait on this device.
    pub token_refused: bool,
    /// Client: the erase finished; the database is now empty.
    pub erased: bool,
    /// Therapist: device ids of clients who left or erased in this sync.
    pub left: Vec<String>,
    /// Messages the relay deleted from this device's mailbox once applied.
    pub pruned: u64,
    /// Therapist: checkpoints of its own data posted to itself before pruning.
    pub checkpoints: u32,
    /// Therapist restored from a recovery kit: the relay sequence number of
    /// the checkpoint put back (`None` when none was found or needed).
    pub restored_as_of: Option<u64>,
    /// The whole report in one line, for a log.
    pub summary: String,
}

/// A check-in as the therapist holds it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReceivedCheckIn {
    /// The client's id for it.
    pub record_id: String,
    /// Its version.
    pub version: u32,
    /// The instrument edition answered.
    pub instrument: InstrumentRef,
    /// The day of the session, `YYYY-MM-DD`.
    pub session_date: String,
    /// Ratings by item id.
    pub answers: HashMap<String, u8>,
    /// The note, only when the client chose to share it.
    pub shared_note: Option<String>,
    /// When the client first recorded it.
    pub created_at: SystemTime,
    /// When the client last changed it.
    pub updated_at: SystemTime,
    /// The client asked for support with it.
    pub support_requested: bool,
    /// Whether the therapist acknowledged this version.
    pub seen: bool,
    /// The therapist's reply to it, if one was written.
    pub reply: Option<Reply>,
}

/// One client, as the therapist sees them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ClientCheckIns {
    /// The therapist's label for the client (never left this device).
    pub label: String,
    /// The client's device id.
    pub device_id: String,
    /// Their check-ins, oldest session first.
    pub checkins: Vec<ReceivedCheckIn>,
}

impl From<rapport_core::sync::Role> for Role {
    fn from(r: rapport_core::sync::Role) -> Self {
        match r {
            rapport_core::sync::Role::Client => Role::Client,
            rapport_core::sync::Role::Therapist => Role::Therapist,
        }
    }
}

impl From<rapport_core::sync::Account> for Account {
    fn from(a: rapport_core::sync::Account) -> Self {
        Account {
            role: a.role.into(),
            relay_url: a.relay_url,
            mailbox_id: a.mailbox_id,
            name: a.name,
        }
    }
}

impl From<rapport_core::Peer> for PairedDevice {
    fn from(p: rapport_core::Peer) -> Self {
        PairedDevice {
            device_id: p.card.device_id.to_string(),
            label: p.label,
            paired_at: p.paired_at.into(),
        }
    }
}

impl From<rapport_core::sync::SyncReport> for SyncReport {
    fn from(r: rapport_core::sync::SyncReport) -> Self {
        SyncReport {
            summary: r.to_string(),
            sent: r.sent,
            superseded: r.superseded,
            received: r.received,
            applied: r.applied,
            duplicates: r.duplicates,
            recovered: r.recovered,
            dropped_after_erase: r.dropped_after_erase,
            quarantined: r
                .quarantined
                .into_iter()
                .map(|q| QuarantinedEnvelope {
                    server_seq: q.server_seq,
                    code: q.reason.code().into(),
                    detail: q.detail,
                })
                .collect(),
            gaps: r
                .gaps
                .into_iter()
                .map(|g| SenderGap {
                    sender: g.sender.to_string(),
                    first_missing: g.first_missing,
                    last_missing: g.last_missing,
                })
                .collect(),
            paired: r.paired,
            receipts_applied: r.receipts_applied,
            insights_to_refresh: r.insights_to_refresh,
            paused: r.paused,
            ended_by_therapist: r.ended_by_therapist,
            token_refused: r.token_refused,
            erased: r.erased,
            left: r.left.iter().map(ToString::to_string).collect(),
            pruned: r.pruned,
            checkpoints: r.checkpoints,
            restored_as_of: r.restored_as_of,
        }
    }
}

impl From<rapport_core::sync::ClientCheckIns> for ClientCheckIns {
    fn from(c: rapport_core::sync::ClientCheckIns) -> Self {
        ClientCheckIns {
            label: c.label,
            device_id: c.device_id.to_string(),
            checkins: c
                .checkins
                .into_iter()
                .map(|r| ReceivedCheckIn {
                    record_id: r.record_id.to_string(),
                    version: r.version,
                    instrument: r.body.instrument.into(),
                    session_date: r.body.session_date.to_string(),
                    answers: r.body.answers.into_iter().collect(),
                    shared_note: r.body.shared_note,
                    created_at: r.body.created_at.into(),
                    updated_at: r.body.updated_at.into(),
                    support_requested: r.body.support_requested,
                    seen: r.seen,
                    reply: r.reply.map(Into::into),
                })
                .collect(),
        }
    }
}
