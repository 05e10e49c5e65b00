//! The therapist's inbox: check-ins received from clients (`received`), what
//! was acknowledged and whether its receipt was numbered, receipts numbered
//! and waiting for the relay (`receipts_due`), acknowledgements
//! restored from a recovery kit (`restored_acks`), and envelopes refused on
//! arrival (`quarantine`).
//!
//! Rows come back sealed: what a check-in body is, and how it is opened, is
//! sync's business (`sync/dashboard.rs`).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::Store;
use crate::error::Error;
use crate::identity::DeviceId;

/// A received check-in as stored: still sealed.
#[derive(Debug, Clone)]
pub(crate) struct HeldCheckIn {
    /// The client's id for it (16 bytes, unchecked).
    pub record_id: Vec<u8>,
    /// The version held.
    pub version: u32,
    /// The sealed body.
    pub sealed: Vec<u8>,
    /// Whether the therapist acknowledged this version.
    pub acked: bool,
    /// When this version arrived (milliseconds).
    pub received_at: i64,
}

/// Unacknowledged rows per client, from the `received_unacked` index alone.
pub(crate) const UNACKED_COUNTS: &str =
    "SELECT sender, count(*) FROM received WHERE acked_at IS NULL GROUP BY sender";
/// Unacknowledged deletions per client, through `received_tombstones`.
pub(crate) const UNACKED_DELETIONS: &str = "SELECT sender, count(*) FROM received
     WHERE sealed IS NULL AND acked_at IS NULL GROUP BY sender";
const HELD_COLUMNS: &str = "record_id, version, sealed, acked_at IS NOT NULL, received_at";

fn held(r: &Row<'_>) -> rusqlite::Result<HeldCheckIn> {
    Ok(HeldCheckIn {
        record_id: r.get(0)?,
        version: r.get(1)?,
        sealed: r.get(2)?,
        acked: r.get(3)?,
        received_at: r.get(4)?,
    })
}

/// (sender, record id, version, acknowledged at): a receipt to number.
pub(crate) type UnnumberedReceipt = (String, Vec<u8>, u32, i64);

/// A receipt with its sequence number, waiting for the relay to take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DueReceipt {
    pub sender: String,
    pub seq: u64,
    pub record_id: Vec<u8>,
    pub version: u32,
    pub seen_at: i64,
}

/// (sender, record id, version, acknowledged at), as a recovery kit keeps it.
pub(crate) type Acknowledged = (String, Vec<u8>, u32, i64);

impl Store {
    /// A client's live check-ins, oldest session first.
    pub(crate) fn received_checkins(&self, sender: &DeviceId) -> Result<Vec<HeldCheckIn>, Error> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {HELD_COLUMNS} FROM received
             WHERE sender = ?1 AND sealed IS NOT NULL ORDER BY session_date, record_id"
        ))?;
        let rows = stmt.query_map(params![sender.to_string()], held)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A client's live check-ins about sessions from `since` to `until`: the
    /// latest `limit` of them, newest first.
    pub(crate) fn received_between(
        &self,
        sender: &DeviceId,
        since: NaiveDate,
        until: NaiveDate,
        limit: usize,
    ) -> Result<Vec<HeldCheckIn>, Error> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {HELD_COLUMNS} FROM received
             WHERE sender = ?1 AND sealed IS NOT NULL AND session_date >= ?2 AND session_date <= ?3
             ORDER BY session_date DESC, record_id DESC LIMIT ?4"
        ))?;
        let rows = stmt.query_map(
            params![
                sender.to_string(),
                since.to_string(),
                until.to_string(),
                limit as i64
            ],
            held,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many live check-ins of each client wait to be acknowledged:
    /// the unacknowledged rows less the deletions among them, each counted
    /// from its index alone (schema 10).
    pub(crate) fn unseen_counts(&self) -> Result<HashMap<String, u32>, Error> {
        let count = |sql: &str| -> Result<Vec<(String, u32)>, Error> {
            Ok(self
                .conn
                .prepare_cached(sql)?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?)
        };
        let mut unseen: HashMap<String, u32> = count(UNACKED_COUNTS)?.into_iter().collect();
        for (sender, deleted) in count(UNACKED_DELETIONS)? {
            if let Some(n) = unseen.get_mut(&sender) {
                *n = n.saturating_sub(deleted);
            }
        }
        unseen.retain(|_, n| *n > 0);
        Ok(unseen)
    }

    /// Acknowledges every check-in not yet acknowledged; returns how many.
    pub fn acknowledge_all(&mut self) -> Result<u32, Error> {
        let now = self.options.clock.now().timestamp_millis();
        let n = self.conn.execute(
            "UPDATE received SET acked_at = ?1 WHERE acked_at IS NULL AND sealed IS NOT NULL",
            params![now],
        )?;
        Ok(n as u32)
    }

    /// Every acknowledged check-in version, for a recovery kit.
    pub(crate) fn acknowledged(&self) -> Result<Vec<Acknowledged>, Error> {
        let mut stmt = self.conn.prepare(
            "SELECT sender, record_id, version, acked_at FROM received WHERE acked_at IS NOT NULL",
        )?;
        Ok(stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<Vec<_>, _>>()?)
    }

    /// Acknowledged check-ins whose receipt has no sequence number yet, a
    /// page at a time. Not those of a client whose pairing ended: their
    /// receipts wait, and go if the client joins again (the check-in was seen
    /// all the same).
    pub(crate) fn unnumbered_receipts(&self) -> Result<Vec<UnnumberedReceipt>, Error> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT sender, record_id, version, acked_at FROM received
             WHERE acked_at IS NOT NULL AND receipt_sent = 0
               AND sender NOT IN (SELECT device_id FROM peers WHERE ended_at IS NOT NULL)
             LIMIT 100",
        )?;
        Ok(stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?)
    }

    /// A check-in's receipt needs none: its client left or was removed.
    pub(crate) fn mark_receipt_sent(
        &mut self,
        sender: &str,
        record_id: &[u8],
    ) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE received SET receipt_sent = 1 WHERE sender = ?1 AND record_id = ?2",
            params![sender, record_id],
        )?;
        Ok(())
    }

    /// Numbered receipts the relay has not taken yet, in each client's
    /// order, a page at a time; not those of a client whose pairing ended.
    pub(crate) fn due_receipts(&self) -> Result<Vec<DueReceipt>, Error> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT sender, seq, record_id, version, seen_at FROM receipts_due
             WHERE sender NOT IN (SELECT device_id FROM peers WHERE ended_at IS NOT NULL)
             ORDER BY sender, seq LIMIT 100",
        )?;
        Ok(stmt
            .query_map([], |r| {
                Ok(DueReceipt {
                    sender: r.get(0)?,
                    seq: r.get::<_, i64>(1)?.max(1) as u64,
                    record_id: r.get(2)?,
                    version: r.get(3)?,
                    seen_at: r.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?)
    }

    /// The relay took a numbered receipt (or there is nobody left to take it
    /// to).
    pub(crate) fn receipt_posted(&mut self, sender: &str, seq: u64) -> Result<(), Error> {
        self.conn.execute(
            "DELETE FROM receipts_due WHERE sender = ?1 AND seq = ?2",
            params![sender, seq as i64],
        )?;
        Ok(())
    }
}

/// Gives a check-in's receipt its sequence number, inside the transaction
/// that took it: from now on it is posted whatever becomes of the check-in
/// (a newer version, a deletion), so the client never waits for a number
/// that does not come.
pub(crate) fn number_receipt(tx: &Transaction<'_>, receipt: &DueReceipt) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO receipts_due (sender, seq, record_id, version, seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            receipt.sender,
            receipt.seq as i64,
            receipt.record_id,
            receipt.version,
            receipt.seen_at
        ],
    )?;
    tx.execute(
        "UPDATE received SET receipt_sent = 1 WHERE sender = ?1 AND record_id = ?2",
        params![receipt.sender, receipt.record_id],
    )?;
    Ok(())
}

/// A client's live check-ins, inside the apply transaction.
pub(crate) fn received_in(tx: &Transaction<'_>, sender: &str) -> Result<Vec<HeldCheckIn>, Error> {
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {HELD_COLUMNS} FROM received WHERE sender = ?1 AND sealed IS NOT NULL"
    ))?;
    let rows = stmt.query_map(params![sender], held)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Replaces what is held of one version of a check-in with `sealed`, the
/// same check-in less something the client took back (a withdrawn goal's
/// rating), inside the apply transaction. Its version, acknowledgement and
/// receipt stay as they were.
pub(crate) fn reseal_received(
    tx: &Transaction<'_>,
    sender: &str,
    record_id: &uuid::Uuid,
    version: u32,
    sealed: &[u8],
) -> Result<(), Error> {
    tx.execute(
        "UPDATE received SET sealed = ?4
         WHERE sender = ?1 AND record_id = ?2 AND version = ?3 AND sealed IS NOT NULL",
        params![sender, record_id.as_bytes(), version, sealed],
    )?;
    Ok(())
}

/// Therapist, inside the transaction that paired `sender` again: every
/// receipt and reply goes again, numbered afresh, to the new mailbox.
/// Those posted to the old one may never have been read there, and
/// applying one twice changes nothing.
pub(crate) fn send_again_to_new_mailbox(tx: &Transaction<'_>, sender: &str) -> Result<(), Error> {
    tx.execute(
        "UPDATE received SET receipt_seq = NULL, receipt_sent = 0
         WHERE sender = ?1 AND acked_at IS NOT NULL",
        params![sender],
    )?;
    for table in ["receipts_due", "replaced_replies"] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE sender = ?1"),
            params![sender],
        )?;
    }
    tx.execute(
        "UPDATE replies SET reply_seq = NULL, sent = 0 WHERE sender = ?1",
        params![sender],
    )?;
    Ok(())
}

/// Who sent the live check-in `record_id`. Record ids are random UUIDs
/// chosen by each client; the oldest holder wins should two clients ever use
/// the same one.
pub(crate) fn sender_of(
    tx: &Transaction<'_>,
    record_id: &uuid::Uuid,
) -> Result<Option<String>, Error> {
    Ok(tx
        .query_row(
            "SELECT sender FROM received WHERE record_id = ?1 AND sealed IS NOT NULL
             ORDER BY received_at LIMIT 1",
            params![record_id.as_bytes()],
            |r| r.get(0),
        )
        .optional()?)
}

/// The version held of a client's check-in, live or deleted.
pub(crate) fn received_version(
    tx: &Transaction<'_>,
    sender: &str,
    record_id: &uuid::Uuid,
) -> Result<Option<u32>, Error> {
    Ok(tx
        .prepare_cached("SELECT version FROM received WHERE sender = ?1 AND record_id = ?2")?
        .query_row(params![sender, record_id.as_bytes()], |r| r.get(0))
        .optional()?)
}

/// Writes a new version of a client's check-in (`sealed` and its session
/// date), or its deletion (both `None`), inside the apply transaction. A new
/// version has not been seen yet: its acknowledgement starts over. A receipt
/// of the old version already numbered still goes (`receipts_due`).
pub(crate) fn upsert_received(
    tx: &Transaction<'_>,
    sender: &str,
    record_id: &uuid::Uuid,
    version: u32,
    session_date: Option<String>,
    sealed: Option<Vec<u8>>,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    tx.prepare_cached(
        "INSERT INTO received (sender, record_id, version, session_date, received_at, sealed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (sender, record_id) DO UPDATE SET
             version = ?3, session_date = ?4, received_at = ?5, sealed = ?6,
             acked_at = NULL, receipt_sent = 0",
    )?
    .execute(params![
        sender,
        record_id.as_bytes(),
        version,
        session_date,
        now.timestamp_millis(),
        sealed
    ])?;
    Ok(())
}

/// A device restored from a recovery kit remembers what was acknowledged:
/// applies a restored acknowledgement of exactly this version, if any,
/// inside the apply transaction.
pub(crate) fn apply_restored_ack(
    tx: &Transaction<'_>,
    sender: &str,
    record_id: &uuid::Uuid,
    version: u32,
) -> Result<(), Error> {
    tx.prepare_cached(
        "UPDATE received SET acked_at = (SELECT acked_at FROM restored_acks a
                 WHERE a.sender = received.sender AND a.record_id = received.record_id),
             receipt_sent = 1
         WHERE sender = ?1 AND record_id = ?2 AND EXISTS (SELECT 1 FROM restored_acks a
             WHERE a.sender = ?1 AND a.record_id = ?2 AND a.version = ?3)",
    )?
    .execute(params![sender, record_id.as_bytes(), version])?;
    Ok(())
}

/// Keeps an acknowledgement from a recovery kit until its check-in arrives
/// again, inside the restoring transaction.
pub(crate) fn restore_ack(tx: &Transaction<'_>, ack: &Acknowledged) -> Result<(), Error> {
    let (sender, record_id, version, acked_at) = ack;
    tx.execute(
        "INSERT OR REPLACE INTO restored_acks (sender, record_id, version, acked_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![sender, record_id, version, acked_at],
    )?;
    Ok(())
}

/// The most envelopes kept in quarantine; the oldest go first. At 64 KiB
/// each, about 64 MiB at worst.
pub(crate) const QUARANTINE_CAP: i64 = 1000;

impl Store {
    /// Quarantined envelopes kept for `reason` (one a later message can
    /// cure, such as a sender not paired yet), oldest first, with their row
    /// ids: at most `limit`.
    pub(crate) fn quarantined_for(
        &self,
        reason: &str,
        limit: u32,
    ) -> Result<Vec<(i64, u64, Vec<u8>)>, Error> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, server_seq, envelope FROM quarantine WHERE reason = ?1
             ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![reason, limit], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?.max(0) as u64,
                r.get(2)?,
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Takes envelopes out of quarantine (to be looked at again in the same
/// transaction).
pub(crate) fn release_quarantined(tx: &Transaction<'_>, ids: &[i64]) -> Result<(), Error> {
    let mut stmt = tx.prepare_cached("DELETE FROM quarantine WHERE id = ?1")?;
    for id in ids {
        stmt.execute(params![id])?;
    }
    Ok(())
}

/// Keeps a refused envelope, and why, inside the apply transaction (the
/// cursor moves past it all the same). The quarantine is bounded by
/// [`QUARANTINE_CAP`].
pub(crate) fn quarantine(
    tx: &Transaction<'_>,
    server_seq: u64,
    reason: &str,
    detail: &str,
    envelope: &[u8],
    now: DateTime<Utc>,
) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO quarantine (server_seq, reason, detail, size, received_at, envelope)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            server_seq as i64,
            reason,
            detail,
            envelope.len() as i64,
            now.timestamp_millis(),
            envelope
        ],
    )?;
    tx.execute(
        "DELETE FROM quarantine WHERE id <= (SELECT id FROM quarantine ORDER BY id DESC
         LIMIT 1 OFFSET ?1)",
        params![QUARANTINE_CAP],
    )?;
    Ok(())
}
