//! The client's outbox: changes waiting to be sent, in order.
//!
//! A change and its entry are written in one transaction (`checkins.rs`,
//! `goals.rs`).
//! Sync seals an entry's envelope once and keeps it here with its sequence
//! number, so a retry re-sends the very same message; the entry is deleted
//! only after the relay acknowledged it.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::Store;
use crate::error::{Error, StoreError};

/// What an outbox entry asks the sync engine to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxKind {
    /// A new or edited check-in.
    CheckIn,
    /// A deletion.
    Tombstone,
    /// A goal changed: sent as it now stands when shared, as a withdrawal
    /// when it was made private.
    Goal,
}

impl OutboxKind {
    fn as_str(self) -> &'static str {
        match self {
            OutboxKind::CheckIn => "checkin",
            OutboxKind::Tombstone => "tombstone",
            OutboxKind::Goal => "goal",
        }
    }
}

/// A change waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Position in the outbox; entries are sent in this order.
    pub seq: i64,
    /// The check-in (or goal) changed.
    pub record_id: Uuid,
    /// Its version after the change.
    pub record_version: u32,
    /// What changed.
    pub kind: OutboxKind,
    /// When the change was made.
    pub queued_at: DateTime<Utc>,
    /// How many times sending it has been tried.
    pub attempts: u32,
}

impl Store {
    /// Changes waiting to be sent, oldest first.
    pub fn pending_outbox(&self, limit: u32) -> Result<Vec<OutboxEntry>, Error> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, record_id, record_version, kind, queued_at, attempts
             FROM outbox ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![limit], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, Vec<u8>>(1)?,
                row.get::<_, u32>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, i64>(4)?,
                row.get::<_, u32>(5)?,
            ))
        })?;
        let mut entries = Vec::new();
        for row in rows {
            let (seq, id, record_version, kind, queued_at, attempts) = row?;
            let damaged = |detail: String| StoreError::UnreadableRecord {
                table: "outbox",
                row: seq.to_string(),
                detail,
            };
            entries.push(OutboxEntry {
                seq,
                record_id: Uuid::from_slice(&id).map_err(|e| damaged(e.to_string()))?,
                record_version,
                kind: match kind.as_str() {
                    "checkin" => OutboxKind::CheckIn,
                    "tombstone" => OutboxKind::Tombstone,
                    "goal" => OutboxKind::Goal,
                    other => return Err(damaged(format!("unknown kind {other:?}")).into()),
                },
                queued_at: DateTime::from_timestamp_millis(queued_at)
                    .ok_or_else(|| damaged(format!("timestamp {queued_at} out of range")))?,
                attempts,
            });
        }
        Ok(entries)
    }

    /// The envelope sealed for an entry before its first attempt, if any.
    pub(crate) fn prepared_envelope(&self, seq: i64) -> Result<Option<Vec<u8>>, Error> {
        Ok(self
            .conn
            .query_row(
                "SELECT envelope FROM outbox WHERE seq = ?1",
                params![seq],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// Forgets an entry: the relay acknowledged it, or a newer version of its
    /// record replaced it.
    pub(crate) fn remove_outbox_entry(&mut self, seq: i64) -> Result<(), Error> {
        self.conn
            .execute("DELETE FROM outbox WHERE seq = ?1", params![seq])?;
        Ok(())
    }

    /// Whether an entry for the same record waits after the entry `seq`: a
    /// later change of a goal says all an earlier one would.
    pub(crate) fn later_entry_waits(&self, record_id: Uuid, seq: i64) -> Result<bool, Error> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE record_id = ?1 AND seq > ?2)",
            params![record_id.as_bytes(), seq],
            |r| r.get(0),
        )?)
    }

    /// Counts a failed attempt to send an entry.
    pub(crate) fn record_send_attempt(&mut self, seq: i64, at: DateTime<Utc>) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ?2
             WHERE seq = ?1",
            params![seq, at.timestamp_millis()],
        )?;
        Ok(())
    }
}

/// Keeps the envelope sealed for an entry, with the sender sequence number it
/// carries, inside the transaction that took that number.
pub(crate) fn set_envelope(
    tx: &Transaction<'_>,
    seq: i64,
    envelope: &[u8],
    envelope_seq: u64,
) -> Result<(), Error> {
    tx.execute(
        "UPDATE outbox SET envelope = ?2, envelope_seq = ?3 WHERE seq = ?1",
        params![seq, envelope, envelope_seq as i64],
    )?;
    Ok(())
}

/// Client, inside the apply transaction that learnt the pairing ended:
/// drops every entry, since nothing waiting can be sent any more.
pub(crate) fn clear_outbox(tx: &Transaction<'_>) -> Result<(), Error> {
    tx.execute("DELETE FROM outbox", [])?;
    Ok(())
}

/// Queues a change for sync, inside the transaction that made it.
pub(super) fn queue(
    tx: &rusqlite::Transaction<'_>,
    id: Uuid,
    version: u32,
    kind: OutboxKind,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    tx.prepare_cached(
        "INSERT INTO outbox (record_id, record_version, kind, queued_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        id.as_bytes(),
        version,
        kind.as_str(),
        now.timestamp_millis()
    ])?;
    Ok(())
}
