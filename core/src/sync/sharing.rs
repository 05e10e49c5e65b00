//! A client's paused sharing, told to the therapist. Pausing holds back
//! check-ins, not this notice: without it the therapist would read the
//! silence as a client who stopped checking in.
//!
//! The client keeps one notice waiting (the latest decision, with when it
//! was made); the next sync posts it, paused or not, and forgets it once the
//! relay has it. The therapist keeps the client's pause in `peers.paused_at`,
//! which the insights read.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::SyncReport;
use super::messages::SharingBody;
use super::send::the_therapist;
use super::transport::Transport;
use crate::envelope::{self, Message, MessageKind};
use crate::error::{Error, KeyError};
use crate::identity::{DeviceId, DeviceIdentity};
use crate::store::Store;
use crate::store::account::take_seq;

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
}

/// Client, when pausing or resuming: replaces any notice still waiting (the
/// therapist only needs the latest decision). A sequence number reserved for
/// the old one is dropped, since the relay may hold that message already.
pub(super) fn queue_notice(
    conn: &rusqlite::Connection,
    paused: bool,
    at: DateTime<Utc>,
) -> Result<(), Error> {
    conn.execute(
        "UPDATE account SET sharing_paused = ?1, sharing_notice = ?2, sharing_notice_at = ?3,
             sharing_notice_seq = NULL
         WHERE id = 1",
        params![
            paused,
            if paused { "paused" } else { "resumed" },
            at.timestamp_millis()
        ],
    )?;
    Ok(())
}

/// Client, during sync: posts the waiting notice, if any.
pub(super) fn send_notice(
    store: &mut Store,
    transport: &dyn Transport,
    me: &DeviceIdentity,
    report: &mut SyncReport,
) -> Result<(), Error> {
    let waiting: Option<(String, Option<i64>, Option<i64>)> = store
        .conn
        .query_row(
            "SELECT sharing_notice, sharing_notice_at, sharing_notice_seq FROM account
             WHERE id = 1 AND sharing_notice IS NOT NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((notice, at, reserved)) = waiting else {
        return Ok(());
    };
    let therapist = the_therapist(store)?;
    let now = store.options.clock.now();
    // Reserved once, so a retry after a lost answer is the same message to
    // the therapist, not a second one.
    let seq = match reserved {
        Some(seq) => seq.max(1) as u64,
        None => {
            let tx = store.conn.transaction()?;
            let seq = take_seq(&tx)?;
            tx.execute(
                "UPDATE account SET sharing_notice_seq = ?1 WHERE id = 1",
                params![seq as i64],
            )?;
            tx.commit()?;
            seq
        }
    };
    let body = SharingBody {
        paused: notice == "paused",
        at: at.and_then(DateTime::from_timestamp_millis).unwrap_or(now),
    };
    let body = postcard::to_allocvec(&body).map_err(|e| KeyError::Damaged {
        detail: format!("encoding a sharing notice: {e}"),
    })?;
    let message = Message {
        kind: MessageKind::Sharing,
        sender: me.device_id(),
        seq,
        record_id: uuid::Uuid::now_v7(),
        record_version: 1,
        sent_at: now,
        body,
    };
    let sealed = envelope::seal(
        me,
        message,
        &therapist.mailbox_id,
        &therapist.card.age_recipient,
    )?;
    transport.post(&therapist.mailbox_id, &therapist.post_token, &sealed)?;
    // Only this notice is cleared: a pause or resume made meanwhile waits.
    store.conn.execute(
        "UPDATE account SET sharing_notice = NULL, sharing_notice_at = NULL,
             sharing_notice_seq = NULL
         WHERE id = 1 AND sharing_notice_seq = ?1",
        params![seq as i64],
    )?;
    report.sharing_notice_sent = true;
    Ok(())
}

/// Therapist, inside the apply transaction: records the client's pause or
/// resume unless a later one was applied already. `Ok(Err(_))` says why the
/// body is malformed (the envelope is then quarantined).
pub(super) fn apply_notice(
    tx: &rusqlite::Transaction<'_>,
    sender: &DeviceId,
    message: &Message,
) -> Result<Result<bool, String>, Error> {
    let body = match postcard::from_bytes::<SharingBody>(&message.body) {
        Ok(body) => body,
        Err(e) => return Ok(Err(format!("sharing notice: {e}"))),
    };
    let changed = tx.execute(
        "UPDATE peers SET paused_at = ?2, sharing_seq = ?3
         WHERE device_id = ?1 AND (sharing_seq IS NULL OR sharing_seq < ?3)",
        params![
            sender.to_string(),
            body.paused.then(|| body.at.timestamp_millis()),
            message.seq as i64
        ],
    )? > 0;
    if changed {
        // Whether check-ins are missing depends on it.
        crate::insights::mark_dirty(tx, sender)?;
    }
    Ok(Ok(changed))
}
