//! Paused sharing, on both sides: the client's one waiting notice (the
//! latest decision, with when it was made and the sequence number reserved
//! for it) in the `account` row, and the therapist's record of the client's
//! pause in `peers.paused_at`, which the insights read.
//!
//! When a notice is sent, and what it says, is `sync/sharing.rs`.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::Store;
use crate::error::Error;
use crate::identity::DeviceId;

/// (paused or resumed, decided at, reserved sequence number)
pub(crate) type WaitingNotice = (String, Option<i64>, Option<i64>);

impl Store {
    /// Therapist: since when the client on `device` has paused sharing, or
    /// `None` while they share (or before they ever paused).
    pub fn client_paused_since(&self, device: &DeviceId) -> Result<Option<DateTime<Utc>>, Error> {
        let at: Option<i64> = self
            .conn
            .query_row(
                "SELECT paused_at FROM peers WHERE device_id = ?1",
                params![device.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        Ok(at.and_then(DateTime::from_timestamp_millis))
    }

    /// Client, when pausing or resuming: replaces any notice still waiting
    /// (the therapist only needs the latest decision). One already numbered
    /// still goes under its number (`notices_due`): the relay may hold it
    /// already, or not, and the therapist would otherwise wait for that
    /// number for ever.
    pub(crate) fn queue_sharing_notice(
        &mut self,
        paused: bool,
        at: DateTime<Utc>,
    ) -> Result<(), Error> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT OR REPLACE INTO notices_due (seq, paused, at)
             SELECT sharing_notice_seq, sharing_notice = 'paused', sharing_notice_at
             FROM account
             WHERE id = 1 AND sharing_notice IS NOT NULL AND sharing_notice_seq IS NOT NULL",
            [],
        )?;
        tx.execute(
            "UPDATE account SET sharing_paused = ?1, sharing_notice = ?2, sharing_notice_at = ?3,
                 sharing_notice_seq = NULL
             WHERE id = 1",
            params![
                paused,
                if paused { "paused" } else { "resumed" },
                at.timestamp_millis()
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Client: notices numbered and replaced by a newer decision, not yet
    /// taken by the relay, oldest first: (number, paused, at).
    pub(crate) fn replaced_notices(&self) -> Result<Vec<(u64, bool, i64)>, Error> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, paused, at FROM notices_due ORDER BY seq")?;
        Ok(stmt
            .query_map([], |r| {
                Ok((r.get::<_, i64>(0)?.max(1) as u64, r.get(1)?, r.get(2)?))
            })?
            .collect::<Result<_, _>>()?)
    }

    /// Client: the relay took the replaced notice numbered `seq`.
    pub(crate) fn replaced_notice_sent(&mut self, seq: u64) -> Result<(), Error> {
        self.conn.execute(
            "DELETE FROM notices_due WHERE seq = ?1",
            params![seq as i64],
        )?;
        Ok(())
    }

    /// Client: the notice waiting to be sent, if any.
    pub(crate) fn waiting_notice(&self) -> Result<Option<WaitingNotice>, Error> {
        Ok(self
            .conn
            .query_row(
                "SELECT sharing_notice, sharing_notice_at, sharing_notice_seq FROM account
                 WHERE id = 1 AND sharing_notice IS NOT NULL",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?)
    }

    /// Client: the relay has the notice sent as `seq`. Only that one is
    /// cleared: a pause or resume made meanwhile waits.
    pub(crate) fn clear_sent_notice(&mut self, seq: u64) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE account SET sharing_notice = NULL, sharing_notice_at = NULL,
                 sharing_notice_seq = NULL
             WHERE id = 1 AND sharing_notice_seq = ?1",
            params![seq as i64],
        )?;
        Ok(())
    }
}

/// Client: keeps the sequence number reserved for the waiting notice,
/// inside the transaction that took it.
pub(crate) fn set_notice_seq(tx: &Transaction<'_>, seq: u64) -> Result<(), Error> {
    tx.execute(
        "UPDATE account SET sharing_notice_seq = ?1 WHERE id = 1",
        params![seq as i64],
    )?;
    Ok(())
}

/// Therapist, inside the apply transaction: the client paused sharing at
/// `paused_at` (or resumed, `None`) in the message numbered `seq`, unless a
/// later one was applied already. Returns whether anything changed.
pub(crate) fn record_client_pause(
    tx: &Transaction<'_>,
    sender: &DeviceId,
    paused_at: Option<i64>,
    seq: u64,
) -> Result<bool, Error> {
    Ok(tx.execute(
        "UPDATE peers SET paused_at = ?2, sharing_seq = ?3
         WHERE device_id = ?1 AND (sharing_seq IS NULL OR sharing_seq < ?3)",
        params![sender.to_string(), paused_at, seq as i64],
    )? > 0)
}
