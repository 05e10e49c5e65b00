//! The client's rights over the pairing, and the therapist's way to end it:
//! pause sharing, leave, erase everything, revoke.
//!
//! - Pausing keeps new check-ins on the phone (queued) until sharing resumes;
//!   the therapist is told that sharing paused (and resumed), so the silence
//!   is not read as a client who stopped checking in.
//! - Leaving tells the therapist, revokes the therapist's token for this
//!   client's mailbox, and forgets the pairing; check-ins stay on the phone.
//! - Erasing deletes every check-in's content at once and queues tombstones;
//!   the next sync delivers them with an "erase" leave, then wipes this
//!   database. The therapist deletes everything it held of the client.
//! - Revoking (therapist) tells the client, revokes the client's post token,
//!   and marks the pairing ended; the client learns it on its next sync.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::messages::{EndedBody, LeaveBody};
use super::send::the_therapist;
use super::{Role, SyncReport, Transport, TransportError};
use crate::envelope::{self, Message, MessageKind};
use crate::error::Error;
use crate::identity::DeviceIdentity;
use crate::store::account::take_seq;
use crate::store::{Peer, Store};

/// Where a client's pairing stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// Sharing with the therapist (possibly paused).
    Active {
        /// New check-ins stay on the phone until resumed.
        paused: bool,
    },
    /// Erasing: content is gone, tombstones wait for the next sync.
    Erasing,
    /// The therapist ended the pairing.
    Revoked {
        /// When the client learnt it.
        at: DateTime<Utc>,
    },
}

/// Every table holding data; a wipe empties them all but the key.
const WIPED_TABLES: &[&str] = &[
    "outbox",
    "checkins",
    "peer_seen",
    "peers",
    "invites",
    "account",
    "quarantine",
    "received",
    "replies",
    "restored_acks",
    "client_insights",
    "alert_acks",
    "flag_marks",
    "sessions",
    "device_identity",
];

impl Store {
    /// Where this client's pairing stands (`None` before joining).
    pub fn membership(&self) -> Result<Option<Membership>, Error> {
        let row: Option<(bool, Option<String>, Option<i64>)> = self
            .conn
            .query_row(
                "SELECT sharing_paused, ended, ended_at FROM account WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        Ok(row.map(|(paused, ended, at)| match ended.as_deref() {
            Some("erasing") => Membership::Erasing,
            Some(_) => Membership::Revoked {
                at: at
                    .and_then(DateTime::from_timestamp_millis)
                    .unwrap_or_default(),
            },
            None => Membership::Active { paused },
        }))
    }

    /// Keeps new check-ins on this device until [`Store::resume_sharing`].
    /// The therapist learns that sharing is paused (not why) on the next sync.
    pub fn pause_sharing(&mut self) -> Result<(), Error> {
        self.set_paused(true)
    }

    /// Sends what was kept back on the next sync, and everything after it;
    /// the therapist learns first that sharing resumed.
    pub fn resume_sharing(&mut self) -> Result<(), Error> {
        self.set_paused(false)
    }

    fn set_paused(&mut self, paused: bool) -> Result<(), Error> {
        self.require_account(Role::Client)?;
        self.require_active()?;
        // The therapist is told on the next sync, even while paused.
        super::sharing::queue_notice(&self.conn, paused, self.options.clock.now())
    }

    fn require_active(&self) -> Result<(), Error> {
        match self.membership()? {
            Some(Membership::Erasing) => Err(Error::SharingEnded {
                how: "erasing".into(),
            }),
            Some(Membership::Revoked { .. }) => Err(Error::SharingEnded {
                how: "revoked".into(),
            }),
            _ => Ok(()),
        }
    }

    /// Leaves the therapist: tells them (what was shared stays with them),
    /// revokes their token for this client's mailbox, and forgets the
    /// pairing. Check-ins stay here; joining another therapist is possible
    /// afterwards. Nothing changes if the relay cannot be reached.
    pub fn leave_therapist(&mut self, transport: &dyn Transport) -> Result<(), Error> {
        self.require_account(Role::Client)?;
        if !matches!(self.membership()?, Some(Membership::Revoked { .. })) {
            self.send_leave(transport, false)?;
        }
        self.forget_pairing()
    }

    /// Erases everything: every check-in's content now (tombstones queued for
    /// the therapist), then, on the next sync, the tombstones and an erase
    /// request go out and this database is wiped. Without a therapist the
    /// wipe happens at once. Returns whether the wipe is complete.
    pub fn erase_everything(&mut self) -> Result<bool, Error> {
        let live: Vec<uuid::Uuid> = self
            .conn
            .prepare("SELECT id FROM checkins WHERE deleted_at IS NULL")?
            .query_map([], |r| r.get::<_, Vec<u8>>(0))?
            .filter_map(|r| r.ok().and_then(|b| uuid::Uuid::from_slice(&b).ok()))
            .collect();
        for id in live {
            self.delete(id)?;
        }
        match self.membership()? {
            Some(Membership::Active { .. }) | Some(Membership::Erasing) => {
                self.conn.execute(
                    "UPDATE account SET ended = 'erasing', sharing_paused = 0 WHERE id = 1",
                    [],
                )?;
                Ok(false)
            }
            _ => {
                self.wipe()?;
                Ok(true)
            }
        }
    }

    /// The last step of an erase, during sync once the tombstones are out.
    pub(super) fn finish_erase(
        &mut self,
        transport: &dyn Transport,
        report: &mut SyncReport,
    ) -> Result<(), Error> {
        self.send_leave(transport, true)?;
        self.wipe()?;
        report.erased = true;
        Ok(())
    }

    fn send_leave(&mut self, transport: &dyn Transport, erase: bool) -> Result<(), Error> {
        let me = self.device_identity()?;
        let therapist = the_therapist(self)?;
        let at = self.options.clock.now();
        let body = postcard::to_allocvec(&LeaveBody { erase, at }).unwrap_or_default();
        post_now(self, transport, &me, &therapist, MessageKind::Leave, body)?;
        // Stop the therapist posting here; a v4 pairing did not keep the id.
        let account = self.require_account(Role::Client)?;
        if let Some(token_id) = self.peer_token_id()? {
            match transport.revoke_post_token(&account.mailbox_id, &account.read_token, &token_id) {
                Ok(()) | Err(TransportError::Refused { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn forget_pairing(&mut self) -> Result<(), Error> {
        let tx = self.conn.transaction()?;
        for table in ["outbox", "peer_seen", "peers", "account"] {
            tx.execute(&format!("DELETE FROM {table}"), [])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Empties every table but the key, then shrinks the file so freed pages
    /// (already zeroed by secure_delete) and the WAL are gone too.
    pub fn wipe(&mut self) -> Result<(), Error> {
        let tx = self.conn.transaction()?;
        for table in WIPED_TABLES {
            tx.execute(&format!("DELETE FROM {table}"), [])?;
        }
        tx.commit()?;
        self.conn
            .execute_batch("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(())
    }

    /// Therapist: ends the pairing with the client labelled `label`. The
    /// client is told (on its next sync) and its post token is revoked, so
    /// nothing more arrives from it; what it shared stays here.
    pub fn revoke_client(&mut self, transport: &dyn Transport, label: &str) -> Result<(), Error> {
        let account = self.require_account(Role::Therapist)?;
        let client = self.client_by_label(label)?;
        let device = client.card.device_id.to_string();
        let already: Option<i64> = self
            .conn
            .query_row(
                "SELECT ended_at FROM peers WHERE device_id = ?1",
                params![device],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        if already.is_none() {
            let me = self.device_identity()?;
            let at = self.options.clock.now();
            let body = postcard::to_allocvec(&EndedBody { at }).unwrap_or_default();
            match post_now(self, transport, &me, &client, MessageKind::Ended, body) {
                // The client left already and revoked our token: nothing to tell.
                Ok(()) | Err(Error::Transport(TransportError::Refused { status: 403, .. })) => {}
                Err(e) => return Err(e),
            }
            self.conn.execute(
                "UPDATE peers SET ended_at = ?2, ended_reason = 'revoked' WHERE device_id = ?1",
                params![device, at.timestamp_millis()],
            )?;
        }
        revoke_ended_tokens(self, transport, &account)?;
        Ok(())
    }
}

/// Seals and posts one message right away (not through the outbox).
fn post_now(
    store: &mut Store,
    transport: &dyn Transport,
    me: &DeviceIdentity,
    to: &Peer,
    kind: MessageKind,
    body: Vec<u8>,
) -> Result<(), Error> {
    let tx = store.conn.transaction()?;
    let seq = take_seq(&tx)?;
    tx.commit()?;
    let message = Message {
        kind,
        sender: me.device_id(),
        seq,
        record_id: uuid::Uuid::now_v7(),
        record_version: 1,
        sent_at: store.options.clock.now(),
        body,
    };
    let sealed = envelope::seal(me, message, &to.mailbox_id, &to.card.age_recipient)?;
    transport.post(&to.mailbox_id, &to.post_token, &sealed)?;
    Ok(())
}

/// Therapist: revokes the relay tokens of every ended pairing not revoked
/// yet. A failure is retried on the next sync.
pub(super) fn revoke_ended_tokens(
    store: &mut Store,
    transport: &dyn Transport,
    account: &super::Account,
) -> Result<(), Error> {
    let pending: Vec<(String, Option<String>)> = store
        .conn
        .prepare(
            "SELECT p.device_id, i.token_id FROM peers p LEFT JOIN invites i USING (invite_id)
             WHERE p.ended_at IS NOT NULL AND p.token_revoked = 0",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (device, token_id) in pending {
        if let Some(token_id) = token_id {
            match transport.revoke_post_token(&account.mailbox_id, &account.read_token, &token_id) {
                Ok(()) | Err(TransportError::Refused { .. }) => {}
                Err(TransportError::Unreachable { .. })
                | Err(TransportError::RateLimited { .. }) => {
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
        }
        store.conn.execute(
            "UPDATE peers SET token_revoked = 1 WHERE device_id = ?1",
            params![device],
        )?;
    }
    Ok(())
}

/// Therapist, inside the apply transaction: a client left or erased.
pub(super) fn apply_leave(
    tx: &rusqlite::Transaction<'_>,
    sender: &crate::identity::DeviceId,
    leave: &LeaveBody,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let device = sender.to_string();
    let reason = if leave.erase { "erased" } else { "left" };
    tx.execute(
        "UPDATE peers SET ended_at = ?2, ended_reason = ?3 WHERE device_id = ?1",
        params![device, now.timestamp_millis(), reason],
    )?;
    if leave.erase {
        for table in [
            "received",
            "replies",
            "restored_acks",
            "client_insights",
            "alert_acks",
            "flag_marks",
            "sessions",
        ] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE sender = ?1"),
                params![device],
            )?;
        }
    }
    Ok(())
}

/// Client, inside the apply transaction: the therapist ended the pairing.
pub(super) fn apply_ended(
    tx: &rusqlite::Transaction<'_>,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let changed = tx.execute(
        "UPDATE account SET ended = 'revoked', ended_at = ?1, sharing_paused = 0
         WHERE id = 1 AND ended IS NULL",
        params![now.timestamp_millis()],
    )?;
    tx.execute("DELETE FROM outbox", [])?;
    Ok(changed > 0)
}
