//! A client's paused sharing, told to the therapist. Pausing holds back
//! check-ins, not this notice: without it the therapist would read the
//! silence as a client who stopped checking in.
//!
//! The client keeps one notice waiting (the latest decision, with when it
//! was made); the next sync posts it, paused or not, and forgets it once the
//! relay has it. A notice replaced after it took its number still goes first,
//! under that number (`notices_due`), so the therapist never waits for it. The therapist keeps the client's pause in `peers.paused_at`,
//! which the insights read.

use chrono::DateTime;
use rusqlite::TransactionBehavior;

use super::SyncReport;
use super::messages::SharingBody;
use super::send::{send_sealed, the_therapist};
use super::transport::Transport;
use crate::envelope::{self, Message, MessageKind};
use crate::error::{Error, KeyError};
use crate::identity::{DeviceId, DeviceIdentity};
use crate::store::insights::mark_dirty;
use crate::store::sequences::take_seq;
use crate::store::sharing::{record_client_pause, set_notice_seq};
use crate::store::{Peer, Store};

/// Client, during sync: posts the notices replaced after they were numbered
/// (oldest first), then the waiting one, if any.
pub(super) fn send_notice(
    store: &mut Store,
    transport: &dyn Transport,
    me: &DeviceIdentity,
    report: &mut SyncReport,
) -> Result<(), Error> {
    let now = store.options.clock.now();
    report.sharing_notice_sent |= send_replaced_notices(store, transport, me)?;
    let Some((notice, at, reserved)) = store.waiting_notice()? else {
        return Ok(());
    };
    // Numbered once, so a retry after a lost answer is the same message to
    // the therapist, not a second one.
    let seq = match reserved {
        Some(seq) => seq.max(1) as u64,
        None => {
            let therapist = the_therapist(store)?;
            let (tx, cipher) = store.begin_with_cipher(TransactionBehavior::Deferred)?;
            let seq = take_seq(&tx, cipher, &therapist.card.device_id)?;
            set_notice_seq(&tx, seq)?;
            tx.commit()?;
            seq
        }
    };
    let body = SharingBody {
        paused: notice == "paused",
        at: at.and_then(DateTime::from_timestamp_millis).unwrap_or(now),
    };
    post_notice(store, transport, me, seq, body)?;
    // Only this notice is cleared: a pause or resume made meanwhile waits.
    store.clear_sent_notice(seq)?;
    report.sharing_notice_sent = true;
    Ok(())
}

/// Client: posts the notices replaced after they were numbered, oldest
/// first; returns whether there were any.
fn send_replaced_notices(
    store: &mut Store,
    transport: &dyn Transport,
    me: &DeviceIdentity,
) -> Result<bool, Error> {
    let now = store.options.clock.now();
    let replaced = store.replaced_notices()?;
    for &(seq, paused, at) in &replaced {
        let at = DateTime::from_timestamp_millis(at).unwrap_or(now);
        post_notice(store, transport, me, seq, SharingBody { paused, at })?;
        store.replaced_notice_sent(seq)?;
    }
    Ok(!replaced.is_empty())
}

/// Leaving: posts what has a number already, in order (the outbox entries
/// sealed already, then the notices numbered already) and numbers nothing
/// new (see `Store::leave_therapist` and `send::leaving`).
pub(super) fn send_numbered(
    store: &mut Store,
    transport: &dyn Transport,
    me: &DeviceIdentity,
    therapist: &Peer,
) -> Result<(), Error> {
    send_sealed(store, transport, therapist)?;
    send_numbered_notices(store, transport, me)
}

/// Client, leaving: posts every notice that already has its number (the
/// therapist would wait for it), and numbers no new one.
pub(super) fn send_numbered_notices(
    store: &mut Store,
    transport: &dyn Transport,
    me: &DeviceIdentity,
) -> Result<(), Error> {
    send_replaced_notices(store, transport, me)?;
    if let Some((notice, at, Some(seq))) = store.waiting_notice()? {
        let seq = seq.max(1) as u64;
        let now = store.options.clock.now();
        let body = SharingBody {
            paused: notice == "paused",
            at: at.and_then(DateTime::from_timestamp_millis).unwrap_or(now),
        };
        post_notice(store, transport, me, seq, body)?;
        store.clear_sent_notice(seq)?;
    }
    Ok(())
}

/// Seals a notice under its number and posts it to the therapist.
fn post_notice(
    store: &Store,
    transport: &dyn Transport,
    me: &DeviceIdentity,
    seq: u64,
    body: SharingBody,
) -> Result<(), Error> {
    let therapist = the_therapist(store)?;
    let body = postcard::to_allocvec(&body).map_err(|e| KeyError::Damaged {
        detail: format!("encoding a sharing notice: {e}"),
    })?;
    let message = Message {
        kind: MessageKind::Sharing,
        sender: me.device_id(),
        seq,
        record_id: uuid::Uuid::now_v7(),
        record_version: 1,
        sent_at: store.options.clock.now(),
        body,
    };
    let sealed = envelope::seal(
        me,
        message,
        &therapist.mailbox_id,
        &therapist.card.age_recipient,
    )?;
    transport.post(&therapist.mailbox_id, &therapist.post_token, &sealed)?;
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
    let changed = record_client_pause(
        tx,
        sender,
        body.paused.then(|| body.at.timestamp_millis()),
        message.seq,
    )?;
    if changed {
        // Whether check-ins are missing depends on it.
        mark_dirty(tx, sender)?;
    }
    Ok(Ok(changed))
}
