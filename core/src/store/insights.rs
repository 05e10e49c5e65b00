//! What the therapist's insights keep: the sealed per-client summaries,
//! their resolved-flag history and goal progress (`client_insights`, with
//! the `dirty` mark a sync or a flag mark sets), the flag thresholds
//! (`meta`), flags marked discussed (`flag_marks`), acknowledged reasons
//! (`alert_acks`) and the sessions the therapist recorded (`sessions`).
//!
//! What a summary holds, how it is sealed and when it is recomputed is
//! `insights/summary.rs`; here are the rows.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::Store;
use crate::error::Error;
use crate::identity::DeviceId;

/// The `meta` row holding the flag thresholds, as JSON.
pub(crate) const RULES_KEY: &str = "alert_rules";

/// A client's stored summary and resolved-flag history, both sealed.
pub(crate) type StoredSummary = (Option<Vec<u8>>, Option<Vec<u8>>);

impl Store {
    /// The flag thresholds as stored (JSON), if they were ever changed.
    pub(crate) fn flag_rules_json(&self) -> Result<Option<String>, Error> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE name = ?1",
                params![RULES_KEY],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Keeps new flag thresholds and, in the same transaction, marks every
    /// client's summary for recomputation under them.
    pub(crate) fn save_flag_rules_json(&mut self, json: &str) -> Result<(), Error> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO meta (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = ?2",
            params![RULES_KEY, json],
        )?;
        tx.execute("UPDATE client_insights SET dirty = 1", [])?;
        tx.commit()?;
        Ok(())
    }

    /// The clients whose summary waits to be recomputed.
    pub(crate) fn dirty_senders(&self) -> Result<Vec<String>, Error> {
        Ok(self
            .conn
            .prepare_cached("SELECT sender FROM client_insights WHERE dirty = 1")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// Every computed summary, sealed, by client.
    pub(crate) fn sealed_summaries(&self) -> Result<Vec<(String, Vec<u8>)>, Error> {
        Ok(self
            .conn
            .prepare_cached("SELECT sender, sealed FROM client_insights WHERE sealed IS NOT NULL")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?)
    }

    /// Every client's goal progress, sealed, by client (clients who share
    /// no goal have none).
    pub(crate) fn sealed_goal_progress(&self) -> Result<Vec<(String, Vec<u8>)>, Error> {
        Ok(self
            .conn
            .prepare_cached("SELECT sender, goals FROM client_insights WHERE goals IS NOT NULL")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?)
    }

    /// One client's summary and history, if a row exists.
    pub(crate) fn stored_summary(&self, sender: &str) -> Result<Option<StoredSummary>, Error> {
        Ok(self
            .conn
            .prepare_cached("SELECT sealed, history FROM client_insights WHERE sender = ?1")?
            .query_row(params![sender], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// Every resolved-flag history, sealed, by client.
    pub(crate) fn sealed_histories(&self) -> Result<Vec<(String, Vec<u8>)>, Error> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT sender, history FROM client_insights WHERE history IS NOT NULL",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?)
    }

    /// Flags marked discussed, with when (milliseconds): of one client, or
    /// of all.
    pub(crate) fn flag_marks(&self, sender: Option<&str>) -> Result<Vec<(String, i64)>, Error> {
        Ok(match sender {
            Some(sender) => self
                .conn
                .prepare_cached("SELECT id, marked_at FROM flag_marks WHERE sender = ?1")?
                .query_map(params![sender], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?,
            None => self
                .conn
                .prepare_cached("SELECT id, marked_at FROM flag_marks")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?,
        })
    }

    /// Acknowledged reasons, with when (milliseconds).
    pub(crate) fn reason_acks(&self) -> Result<Vec<(String, i64)>, Error> {
        Ok(self
            .conn
            .prepare_cached("SELECT id, acked_at FROM alert_acks")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?)
    }

    /// Keeps an acknowledged reason (`sealed` by the caller); one already
    /// kept stays as it was.
    pub(crate) fn save_reason_ack(
        &mut self,
        id: &str,
        sender: &DeviceId,
        at: DateTime<Utc>,
        sealed: &[u8],
    ) -> Result<(), Error> {
        self.conn.execute(
            "INSERT INTO alert_acks (id, sender, acked_at, sealed) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO NOTHING",
            params![id, sender.to_string(), at.timestamp_millis(), sealed],
        )?;
        Ok(())
    }

    /// Keeps a session the therapist recorded with a client; recording it
    /// twice changes nothing.
    pub(crate) fn save_session(
        &mut self,
        sender: &DeviceId,
        date: NaiveDate,
        at: DateTime<Utc>,
    ) -> Result<(), Error> {
        self.conn.execute(
            "INSERT INTO sessions (sender, session_date, recorded_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (sender, session_date) DO NOTHING",
            params![sender.to_string(), date.to_string(), at.timestamp_millis()],
        )?;
        Ok(())
    }

    /// Recorded sessions as (client, `YYYY-MM-DD`), oldest first.
    pub(crate) fn session_dates(&self) -> Result<Vec<(String, String)>, Error> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT sender, session_date FROM sessions ORDER BY session_date")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Marks a client's summary for recomputation, inside the transaction that
/// changed what it is computed from (a sync's apply, a flag mark), so a
/// crash in between only delays the recomputation to the next read.
pub(crate) fn mark_dirty(tx: &Transaction<'_>, sender: &DeviceId) -> Result<(), Error> {
    tx.prepare_cached(
        "INSERT INTO client_insights (sender, dirty) VALUES (?1, 1)
         ON CONFLICT (sender) DO UPDATE SET dirty = 1",
    )?
    .execute(params![sender.to_string()])?;
    Ok(())
}

/// Keeps a freshly computed summary and history and clears the client's
/// dirty mark, inside the refreshing transaction.
pub(crate) fn save_summary(
    tx: &Transaction<'_>,
    sender: &str,
    at: DateTime<Utc>,
    sealed: &[u8],
    history: &[u8],
) -> Result<(), Error> {
    tx.prepare_cached(
        "UPDATE client_insights SET dirty = 0, updated_at = ?2, sealed = ?3, history = ?4
         WHERE sender = ?1",
    )?
    .execute(params![sender, at.timestamp_millis(), sealed, history])?;
    Ok(())
}

/// Keeps a client's goal progress (`sealed` by the caller; `None` when they
/// share no goal), inside the refreshing transaction.
pub(crate) fn save_goal_progress(
    tx: &Transaction<'_>,
    sender: &str,
    sealed: Option<&[u8]>,
) -> Result<(), Error> {
    tx.prepare_cached("UPDATE client_insights SET goals = ?2 WHERE sender = ?1")?
        .execute(params![sender, sealed])?;
    Ok(())
}

/// Keeps a flag marked discussed (a mark already kept stays as it was),
/// inside the marking transaction.
pub(crate) fn save_flag_mark(
    tx: &Transaction<'_>,
    id: &str,
    sender: &DeviceId,
    at: DateTime<Utc>,
) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO flag_marks (id, sender, marked_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO NOTHING",
        params![id, sender.to_string(), at.timestamp_millis()],
    )?;
    Ok(())
}
