//! The sending half: a client's outbox, a therapist's receipts.

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::messages::{CheckInBody, ReceiptBody};
use super::{SyncReport, Transport};
use crate::envelope::{self, Message, MessageKind};
use crate::error::{Error, StoreError};
use crate::identity::DeviceIdentity;
use crate::model::CheckInRecord;
use crate::store::{OutboxKind, Peer, Store};

const OUTBOX_PAGE: u32 = 100;

/// (sender, record id, version, acknowledged at, reserved sequence number)
type PendingReceipt = (String, Vec<u8>, u32, i64, Option<i64>);

/// Takes the next sender sequence number, inside the caller's transaction.
pub(super) fn take_seq(tx: &rusqlite::Transaction<'_>) -> Result<u64, Error> {
    let seq: i64 = tx.query_row("SELECT next_seq FROM account WHERE id = 1", [], |r| {
        r.get(0)
    })?;
    tx.execute(
        "UPDATE account SET next_seq = next_seq + 1 WHERE id = 1",
        [],
    )?;
    Ok(seq.max(1) as u64)
}

/// A client's one paired device: its therapist.
pub(super) fn the_therapist(store: &Store) -> Result<Peer, Error> {
    store
        .peers()?
        .into_iter()
        .map(|(peer, _)| peer)
        .next()
        .ok_or(Error::NoAccount)
}

/// Posts the outbox in order, stopping at the first failure so order holds.
pub(super) fn drain_outbox(
    store: &mut Store,
    transport: &dyn Transport,
    me: &DeviceIdentity,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(&SyncReport),
) -> Result<(), Error> {
    let therapist = the_therapist(store)?;
    loop {
        let entries = store.pending_outbox(OUTBOX_PAGE)?;
        if entries.is_empty() {
            return Ok(());
        }
        for entry in entries {
            let prepared: Option<Vec<u8>> = store
                .conn
                .query_row(
                    "SELECT envelope FROM outbox WHERE seq = ?1",
                    params![entry.seq],
                    |r| r.get(0),
                )
                .optional()?
                .flatten();
            let envelope = match prepared {
                Some(envelope) => envelope,
                None => match prepare(store, me, &therapist, &entry)? {
                    Some(envelope) => envelope,
                    None => {
                        report.superseded += 1;
                        continue;
                    }
                },
            };
            let now = store.options.clock.now().timestamp_millis();
            match transport.post(&therapist.mailbox_id, &therapist.post_token, &envelope) {
                Ok(_) => {
                    store
                        .conn
                        .execute("DELETE FROM outbox WHERE seq = ?1", params![entry.seq])?;
                    report.sent += 1;
                }
                Err(e) => {
                    store.conn.execute(
                        "UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ?2
                         WHERE seq = ?1",
                        params![entry.seq, now],
                    )?;
                    return Err(e.into());
                }
            }
        }
        progress(report);
    }
}

/// Seals the envelope for an outbox entry and stores it with the entry, or
/// drops the entry when a newer version of its record has replaced it.
fn prepare(
    store: &mut Store,
    me: &DeviceIdentity,
    therapist: &Peer,
    entry: &crate::store::OutboxEntry,
) -> Result<Option<Vec<u8>>, Error> {
    let record = store.get(entry.record_id)?;
    let body = match (entry.kind, record) {
        (OutboxKind::CheckIn, Some(CheckInRecord::Live(c)))
            if c.version == entry.record_version =>
        {
            CheckInBody::from_checkin(&c).to_bytes().map_err(|detail| {
                StoreError::UnreadableRecord {
                    table: "checkins",
                    row: c.id.to_string(),
                    detail,
                }
            })?
        }
        (OutboxKind::Tombstone, Some(CheckInRecord::Deleted(t)))
            if t.version == entry.record_version =>
        {
            Vec::new()
        }
        _ => {
            store
                .conn
                .execute("DELETE FROM outbox WHERE seq = ?1", params![entry.seq])?;
            return Ok(None);
        }
    };
    let now = store.options.clock.now();
    let tx = store
        .conn
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    let seq = take_seq(&tx)?;
    let message = Message {
        kind: match entry.kind {
            OutboxKind::CheckIn => MessageKind::CheckIn,
            OutboxKind::Tombstone => MessageKind::Tombstone,
        },
        sender: me.device_id(),
        seq,
        record_id: entry.record_id,
        record_version: entry.record_version,
        sent_at: now,
        body,
    };
    let sealed = envelope::seal(
        me,
        message,
        &therapist.mailbox_id,
        &therapist.card.age_recipient,
    )?;
    tx.execute(
        "UPDATE outbox SET envelope = ?2, envelope_seq = ?3 WHERE seq = ?1",
        params![entry.seq, sealed, seq as i64],
    )?;
    tx.commit()?;
    Ok(Some(sealed))
}

/// The therapist's clients whose pairing has not ended: the ones a receipt
/// or a reply can still go to.
pub(super) fn live_peers(store: &Store) -> Result<Vec<Peer>, Error> {
    let ended: std::collections::HashSet<String> = store
        .conn
        .prepare_cached("SELECT device_id FROM peers WHERE ended_at IS NOT NULL")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(store
        .peers()?
        .into_iter()
        .map(|(peer, _)| peer)
        .filter(|p| !ended.contains(&p.card.device_id.to_string()))
        .collect())
}

/// Sends a receipt for every acknowledged check-in not yet confirmed sent.
pub(super) fn send_receipts(
    store: &mut Store,
    transport: &dyn Transport,
    me: &DeviceIdentity,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(&SyncReport),
) -> Result<(), Error> {
    let peers = live_peers(store)?;
    loop {
        let pending: Vec<PendingReceipt> = {
            let mut stmt = store.conn.prepare_cached(
                "SELECT sender, record_id, version, acked_at, receipt_seq FROM received
                 WHERE acked_at IS NOT NULL AND receipt_sent = 0 LIMIT 100",
            )?;
            stmt.query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<_, _>>()?
        };
        if pending.is_empty() {
            return Ok(());
        }
        for (sender, record_id, version, acked_at, receipt_seq) in pending {
            let Some(peer) = peers
                .iter()
                .find(|p| p.card.device_id.to_string() == sender)
            else {
                // The client left or was removed; nothing to tell.
                store.conn.execute(
                    "UPDATE received SET receipt_sent = 1 WHERE sender = ?1 AND record_id = ?2",
                    params![sender, record_id],
                )?;
                continue;
            };
            // The sequence number is reserved once, so a retry after a lost
            // answer is recognised by the client as the same message.
            let seq = match receipt_seq {
                Some(seq) => seq.max(1) as u64,
                None => {
                    let tx = store.conn.transaction()?;
                    let seq = take_seq(&tx)?;
                    tx.execute(
                        "UPDATE received SET receipt_seq = ?3 WHERE sender = ?1 AND record_id = ?2",
                        params![sender, record_id, seq as i64],
                    )?;
                    tx.commit()?;
                    seq
                }
            };
            let seen_at = chrono::DateTime::from_timestamp_millis(acked_at).unwrap_or_default();
            let body = postcard::to_allocvec(&ReceiptBody { seen_at }).unwrap_or_default();
            let message = Message {
                kind: MessageKind::Receipt,
                sender: me.device_id(),
                seq,
                record_id: uuid::Uuid::from_slice(&record_id).unwrap_or_default(),
                record_version: version,
                sent_at: store.options.clock.now(),
                body,
            };
            let sealed = envelope::seal(me, message, &peer.mailbox_id, &peer.card.age_recipient)?;
            transport.post(&peer.mailbox_id, &peer.post_token, &sealed)?;
            store.conn.execute(
                "UPDATE received SET receipt_sent = 1 WHERE sender = ?1 AND record_id = ?2",
                params![sender, record_id],
            )?;
            report.sent += 1;
        }
        progress(report);
    }
}
