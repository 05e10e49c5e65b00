//! The `replies` table: the therapist's one reply per check-in, sealed, on
//! both sides, with (on the therapist's side) whether each version went out
//! and the sequence number reserved for it.
//!
//! Sealing and opening a reply, and the rules of what may be written or kept,
//! are `sync/replies.rs`; here are the rows.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::Store;
use crate::error::Error;

/// A reply as stored: still sealed.
#[derive(Debug, Clone)]
pub(crate) struct ReplyRow {
    /// The device it is bound to: the client on a therapist's device, the
    /// therapist on a client's.
    pub sender: String,
    /// The check-in it answers (16 bytes, unchecked).
    pub record_id: Vec<u8>,
    /// 1 for the first version, one more for each rewrite.
    pub version: u32,
    /// The sealed body.
    pub sealed: Vec<u8>,
}

fn reply_row(r: &Row<'_>) -> rusqlite::Result<ReplyRow> {
    Ok(ReplyRow {
        sender: r.get(0)?,
        record_id: r.get(1)?,
        version: r.get(2)?,
        sealed: r.get(3)?,
    })
}

/// (client, check-in, version, reserved sequence number, sealed text)
pub(crate) type PendingReply = (String, Vec<u8>, u32, Option<i64>, Vec<u8>);
/// (sender, record id, version, sequence number, sealed) of a reply version
/// replaced after it was numbered.
pub(crate) type NumberedReply = (String, Vec<u8>, u32, u64, Vec<u8>);

impl Store {
    /// The reply to the check-in `record_id`, the oldest should there be two.
    pub(crate) fn reply_row(&self, record_id: &uuid::Uuid) -> Result<Option<ReplyRow>, Error> {
        Ok(self
            .conn
            .query_row(
                "SELECT sender, record_id, version, sealed FROM replies WHERE record_id = ?1
                 ORDER BY updated_at LIMIT 1",
                params![record_id.as_bytes()],
                reply_row,
            )
            .optional()?)
    }

    /// Every reply this device holds.
    pub(crate) fn reply_rows(&self) -> Result<Vec<ReplyRow>, Error> {
        Ok(self
            .conn
            .prepare("SELECT sender, record_id, version, sealed FROM replies")?
            .query_map([], reply_row)?
            .collect::<Result<_, _>>()?)
    }

    /// Therapist: the replies to one client's check-ins.
    pub(crate) fn reply_rows_from(&self, sender: &str) -> Result<Vec<ReplyRow>, Error> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT sender, record_id, version, sealed FROM replies WHERE sender = ?1",
        )?;
        let rows = stmt.query_map(params![sender], reply_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Therapist: [`reply_still_open`] on this store.
    pub(crate) fn reply_still_open(
        &self,
        sender: &str,
        record_id: &uuid::Uuid,
    ) -> Result<bool, Error> {
        reply_still_open(&self.conn, sender, record_id)
    }

    /// Therapist: reply versions not yet confirmed sent, `limit` at a time.
    pub(crate) fn pending_replies(&self, limit: u32) -> Result<Vec<PendingReply>, Error> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT sender, record_id, version, reply_seq, sealed FROM replies
                 WHERE sent = 0 LIMIT ?1",
            )?
            .query_map(params![limit], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<_, _>>()?)
    }

    /// Therapist: reply versions replaced after they were numbered and not
    /// yet taken by the relay, `limit` at a time, each client's in order.
    pub(crate) fn replaced_replies(&self, limit: u32) -> Result<Vec<NumberedReply>, Error> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT sender, record_id, version, seq, sealed FROM replaced_replies
                 ORDER BY sender, seq LIMIT ?1",
            )?
            .query_map(params![limit], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get::<_, i64>(3)?.max(1) as u64,
                    r.get(4)?,
                ))
            })?
            .collect::<Result<_, _>>()?)
    }

    /// Therapist: the relay took the replaced reply numbered `seq` (or there
    /// is nobody left to take it to).
    pub(crate) fn replaced_reply_sent(&mut self, sender: &str, seq: u64) -> Result<(), Error> {
        self.conn.execute(
            "DELETE FROM replaced_replies WHERE sender = ?1 AND seq = ?2",
            params![sender, seq as i64],
        )?;
        Ok(())
    }

    /// Therapist: this version of a reply went out (or has nobody to go to).
    pub(crate) fn mark_reply_sent(
        &mut self,
        sender: &str,
        record_id: &[u8],
        version: u32,
    ) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE replies SET sent = 1
             WHERE sender = ?1 AND record_id = ?2 AND version = ?3",
            params![sender, record_id, version],
        )?;
        Ok(())
    }
}

/// Therapist: whether a reply to this check-in can still be written. The
/// rule, in SQL so it reads no check-in: the therapist still holds it live,
/// and no live one from the same client is about a later session.
pub(crate) fn reply_still_open(
    conn: &Connection,
    sender: &str,
    record_id: &uuid::Uuid,
) -> Result<bool, Error> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM received r
             WHERE r.sender = ?1 AND r.record_id = ?2 AND r.sealed IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM received later
                   WHERE later.sender = ?1 AND later.sealed IS NOT NULL
                     AND later.session_date > r.session_date))",
        params![sender, record_id.as_bytes()],
        |r| r.get(0),
    )?)
}

/// Therapist: the version of the reply to a client's check-in, if written.
pub(crate) fn reply_version(
    tx: &Transaction<'_>,
    sender: &str,
    record_id: &uuid::Uuid,
) -> Result<Option<u32>, Error> {
    Ok(tx
        .query_row(
            "SELECT version FROM replies WHERE sender = ?1 AND record_id = ?2",
            params![sender, record_id.as_bytes()],
            |r| r.get::<_, u32>(0),
        )
        .optional()?)
}

/// Therapist, inside the writing transaction: keeps a new version of a
/// reply. A new version is a new message: its sequence number is reserved
/// when it is first sent. An older version already numbered still goes.
pub(crate) fn save_reply(
    tx: &Transaction<'_>,
    sender: &str,
    record_id: &uuid::Uuid,
    version: u32,
    written_at: DateTime<Utc>,
    sealed: &[u8],
) -> Result<(), Error> {
    keep_numbered(tx, sender, record_id)?;
    tx.execute(
        "INSERT INTO replies (sender, record_id, version, updated_at, reply_seq, sent, sealed)
         VALUES (?1, ?2, ?3, ?4, NULL, 0, ?5)
         ON CONFLICT (sender, record_id) DO UPDATE SET
             version = ?3, updated_at = ?4, reply_seq = NULL, sent = 0, sealed = ?5",
        params![
            sender,
            record_id.as_bytes(),
            version,
            written_at.timestamp_millis(),
            sealed
        ],
    )?;
    Ok(())
}

/// Therapist: keeps the sequence number reserved for a reply version,
/// inside the transaction that took it.
pub(crate) fn set_reply_seq(
    tx: &Transaction<'_>,
    sender: &str,
    record_id: &[u8],
    version: u32,
    seq: u64,
) -> Result<(), Error> {
    tx.execute(
        "UPDATE replies SET reply_seq = ?4
         WHERE sender = ?1 AND record_id = ?2 AND version = ?3",
        params![sender, record_id, version, seq as i64],
    )?;
    Ok(())
}

/// Client: the version of the reply held for a check-in, from whoever.
pub(crate) fn held_reply_version(
    tx: &Transaction<'_>,
    record_id: &uuid::Uuid,
) -> Result<Option<u32>, Error> {
    Ok(tx
        .query_row(
            "SELECT version FROM replies WHERE record_id = ?1",
            params![record_id.as_bytes()],
            |r| r.get(0),
        )
        .optional()?)
}

/// Client, inside the apply transaction: keeps a received reply in place of
/// any held for the check-in (one reply per check-in, whoever sent an older
/// one), as already sent.
pub(crate) fn replace_reply(
    tx: &Transaction<'_>,
    sender: &str,
    record_id: &uuid::Uuid,
    version: u32,
    written_at: DateTime<Utc>,
    sealed: &[u8],
) -> Result<(), Error> {
    tx.execute(
        "DELETE FROM replies WHERE record_id = ?1",
        params![record_id.as_bytes()],
    )?;
    tx.execute(
        "INSERT INTO replies (sender, record_id, version, updated_at, sent, sealed)
         VALUES (?1, ?2, ?3, ?4, 1, ?5)",
        params![
            sender,
            record_id.as_bytes(),
            version,
            written_at.timestamp_millis(),
            sealed
        ],
    )?;
    Ok(())
}

/// Therapist, inside the apply transaction: the client deleted the check-in,
/// so a reply to it has nothing left to answer.
pub(crate) fn delete_reply_to(
    tx: &Transaction<'_>,
    sender: &str,
    record_id: &uuid::Uuid,
) -> Result<(), Error> {
    keep_numbered(tx, sender, record_id)?;
    tx.execute(
        "DELETE FROM replies WHERE sender = ?1 AND record_id = ?2",
        params![sender, record_id.as_bytes()],
    )?;
    Ok(())
}

/// Therapist, inside the transaction about to rewrite or delete a reply:
/// a version numbered and not yet taken by the relay is kept aside, to go
/// under its number all the same (the client would wait for it for ever).
fn keep_numbered(tx: &Transaction<'_>, sender: &str, record_id: &uuid::Uuid) -> Result<(), Error> {
    tx.execute(
        "INSERT OR IGNORE INTO replaced_replies (sender, seq, record_id, version, sealed)
         SELECT sender, reply_seq, record_id, version, sealed FROM replies
         WHERE sender = ?1 AND record_id = ?2 AND reply_seq IS NOT NULL AND sent = 0",
        params![sender, record_id.as_bytes()],
    )?;
    Ok(())
}
