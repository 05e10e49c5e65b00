//! Where a pairing stands and how it ends, on both sides: the client's
//! `account.ended` (erasing, revoked), the therapist's `peers.ended_at` with
//! its reason and whether the client's relay token was revoked, and what
//! leaving, erasing and wiping delete.
//!
//! When each happens (and what is told to whom) is `sync/membership.rs`.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::Store;
use super::holding::{forget_kept, settle_at_end};
use crate::error::Error;
use crate::identity::DeviceId;

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
    "notices_due",
    "checkins",
    "peer_seen",
    "sequences",
    "peers",
    "invites",
    "account",
    "quarantine",
    "received",
    "receipts_due",
    "replies",
    "replaced_replies",
    "restored_acks",
    "client_insights",
    "alert_acks",
    "flag_marks",
    "sessions",
    "device_identity",
    "pending_join",
    "goals",
];

/// What a therapist holds of one client, by sender: what erasing removes.
const CLIENT_TABLES: &[&str] = &[
    "received",
    "receipts_due",
    "replies",
    "replaced_replies",
    "restored_acks",
    "client_insights",
    "alert_acks",
    "flag_marks",
    "sessions",
    "goals",
];

/// (ended at, how it ended, paused at) of a paired client.
pub(crate) type PeerEnding = (Option<i64>, Option<String>, Option<i64>);

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

    /// Client: an erase has begun; its tombstones wait for the next sync.
    pub(crate) fn mark_erasing(&mut self) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE account SET ended = 'erasing', sharing_paused = 0 WHERE id = 1",
            [],
        )?;
        Ok(())
    }

    /// Client: forgets the pairing (the therapist, what waits for it, the
    /// account); check-ins stay, and those that never reached the therapist
    /// are held for the next one to be offered.
    pub(crate) fn forget_pairing(&mut self) -> Result<(), Error> {
        let tx = self.conn.transaction()?;
        settle_at_end(&tx, &self.cipher)?;
        forget_kept(&tx, &self.cipher)?;
        for table in ["outbox", "notices_due", "peer_seen", "peers", "account"] {
            tx.execute(&format!("DELETE FROM {table}"), [])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Empties every table but the key, deletes the client's settings in
    /// `meta`, then shrinks the file so freed pages (already zeroed by
    /// secure_delete) and the WAL are gone too.
    pub fn wipe(&mut self) -> Result<(), Error> {
        let tx = self.conn.transaction()?;
        for table in WIPED_TABLES {
            tx.execute(&format!("DELETE FROM {table}"), [])?;
        }
        // The client's own settings go too (`settings.rs`).
        tx.execute(
            "DELETE FROM meta WHERE name LIKE ?1 || '%'",
            [super::settings::CLIENT_PREFIX],
        )?;
        tx.commit()?;
        self.conn
            .execute_batch("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(())
    }

    /// Therapist: when the pairing with `device` ended, if it did.
    pub(crate) fn pairing_ended_at(&self, device: &str) -> Result<Option<i64>, Error> {
        Ok(self
            .conn
            .query_row(
                "SELECT ended_at FROM peers WHERE device_id = ?1",
                params![device],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// Therapist: [`end_pairing`] on this store.
    pub(crate) fn end_pairing(
        &mut self,
        device: &str,
        at: DateTime<Utc>,
        reason: &str,
    ) -> Result<(), Error> {
        end_pairing(&self.conn, device, at, reason)
    }

    /// Therapist: the devices of clients who erased their data. Nothing
    /// they sent is applied any more, whenever a relay delivers it.
    pub(crate) fn erased_devices(&self) -> Result<HashSet<DeviceId>, Error> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT device_id FROM peers WHERE ended_reason = 'erased'")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = HashSet::new();
        for row in rows {
            if let Ok(id) = row?.parse() {
                out.insert(id);
            }
        }
        Ok(out)
    }

    /// Therapist: the devices whose pairing ended.
    pub(crate) fn ended_devices(&self) -> Result<HashSet<String>, Error> {
        Ok(self
            .conn
            .prepare_cached("SELECT device_id FROM peers WHERE ended_at IS NOT NULL")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// Therapist: how each pairing stands, by device.
    pub(crate) fn peer_endings(
        &self,
    ) -> Result<std::collections::HashMap<String, PeerEnding>, Error> {
        Ok(self
            .conn
            .prepare_cached("SELECT device_id, ended_at, ended_reason, paused_at FROM peers")?
            .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))?
            .collect::<Result<_, _>>()?)
    }

    /// Therapist: ended pairings whose relay token is not revoked yet, with
    /// the id of the token the invite carried (`None` if it was not kept).
    pub(crate) fn tokens_to_revoke(&self) -> Result<Vec<(String, Option<String>)>, Error> {
        Ok(self
            .conn
            .prepare(
                "SELECT p.device_id, coalesce(p.token_id, i.token_id)
                 FROM peers p LEFT JOIN invites i USING (invite_id)
                 WHERE p.ended_at IS NOT NULL AND p.token_revoked = 0",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?)
    }

    /// Therapist: the relay token of an ended pairing is revoked.
    pub(crate) fn mark_token_revoked(&mut self, device: &str) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE peers SET token_revoked = 1 WHERE device_id = ?1",
            params![device],
        )?;
        Ok(())
    }
}

/// Therapist: how each client's pairing stands, for the recovery kit:
/// (device, relay token id, ended at, how it ended).
pub(crate) type PairingState = (String, Option<String>, Option<i64>, Option<String>);

impl Store {
    /// Therapist: every client's [`PairingState`].
    pub(crate) fn pairing_states(&self) -> Result<Vec<PairingState>, Error> {
        Ok(self
            .conn
            .prepare(
                "SELECT p.device_id, coalesce(p.token_id, i.token_id), p.ended_at, p.ended_reason
                 FROM peers p LEFT JOIN invites i USING (invite_id)",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?)
    }
}

/// Therapist restoring from a kit, inside the caller's transaction: puts a
/// client's [`PairingState`] back (the peer row exists already).
pub(crate) fn restore_pairing_state(
    tx: &Transaction<'_>,
    state: &PairingState,
) -> Result<(), Error> {
    let (device, token_id, ended_at, reason) = state;
    tx.execute(
        "UPDATE peers SET token_id = ?2, ended_at = ?3, ended_reason = ?4 WHERE device_id = ?1",
        params![device, token_id, ended_at, reason],
    )?;
    Ok(())
}

/// Therapist: the pairing with `device` ended at `at`, `reason` being
/// `revoked`, `left` or `erased`.
pub(crate) fn end_pairing(
    conn: &Connection,
    device: &str,
    at: DateTime<Utc>,
    reason: &str,
) -> Result<(), Error> {
    conn.execute(
        "UPDATE peers SET ended_at = ?2, ended_reason = ?3 WHERE device_id = ?1",
        params![device, at.timestamp_millis(), reason],
    )?;
    Ok(())
}

/// Therapist, inside the apply transaction: deletes everything held of a
/// client who erased their data.
pub(crate) fn erase_client(tx: &Transaction<'_>, device: &str) -> Result<(), Error> {
    for table in CLIENT_TABLES {
        tx.execute(
            &format!("DELETE FROM {table} WHERE sender = ?1"),
            params![device],
        )?;
    }
    Ok(())
}

/// Client, inside the apply transaction: the therapist ended the pairing.
/// Returns whether this is news (it had not ended already).
pub(crate) fn end_by_therapist(tx: &Transaction<'_>, at: DateTime<Utc>) -> Result<bool, Error> {
    let changed = tx.execute(
        "UPDATE account SET ended = 'revoked', ended_at = ?1, sharing_paused = 0
         WHERE id = 1 AND ended IS NULL",
        params![at.timestamp_millis()],
    )?;
    Ok(changed > 0)
}
