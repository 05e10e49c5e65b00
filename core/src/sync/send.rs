//! The sending half: a client's outbox (check-ins and goals), a therapist's
//! receipts.

use rusqlite::TransactionBehavior;

use super::messages::{CheckInBody, GoalBody, GoalUpdate, ReceiptBody};
use super::{SyncReport, Transport, TransportError};
use crate::envelope::{self, Message, MessageKind};
use crate::error::{Error, StoreError};
use crate::identity::DeviceIdentity;
use crate::model::CheckInRecord;
use crate::store::goals::current_goal;
use crate::store::inbox::{DueReceipt, number_receipt};
use crate::store::outbox::set_envelope;
use crate::store::sequences::take_seq;
use crate::store::{OutboxKind, Peer, Store};

const OUTBOX_PAGE: u32 = 100;

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
    let kept = store.kept_from_therapist()?;
    loop {
        let entries = store.pending_outbox(OUTBOX_PAGE)?;
        if entries.is_empty() {
            return Ok(());
        }
        for entry in entries {
            // Never sent to this therapist, whatever queued it.
            if kept.contains(&entry.record_id) {
                store.remove_outbox_entry(entry.seq)?;
                continue;
            }
            let envelope = match store.prepared_envelope(entry.seq)? {
                Some(envelope) => envelope,
                None => match prepare(store, me, &therapist, &entry)? {
                    Some(envelope) => envelope,
                    None => {
                        report.superseded += 1;
                        continue;
                    }
                },
            };
            let now = store.options.clock.now();
            match transport.post(&therapist.mailbox_id, &therapist.post_token, &envelope) {
                Ok(_) => {
                    store.remove_outbox_entry(entry.seq)?;
                    report.sent += 1;
                }
                Err(e) => {
                    store.record_send_attempt(entry.seq, now)?;
                    return Err(e.into());
                }
            }
        }
        progress(report);
    }
}

/// The number this client reserved for its leave (and whether it is an
/// erase's) while the relay has not acknowledged it.
pub(super) fn reserved_leave(store: &Store) -> Result<Option<(u64, bool)>, Error> {
    let therapist = the_therapist(store)?.card.device_id.to_string();
    Ok(store
        .sequences()?
        .get(&therapist)
        .and_then(|s| s.leave_reserved))
}

/// Whether this client asked to leave and its leave (not an erase's) has a
/// number the relay has not acknowledged: the pairing is ending. Nothing new
/// is numbered for it then: once the leave is through, a number taken after
/// it could never be posted (the therapist revokes the token), and the
/// therapist would wait for it as a gap for good.
pub(super) fn leaving(store: &Store) -> Result<bool, Error> {
    Ok(matches!(reserved_leave(store)?, Some((_, false))))
}

/// Leaving: posts the outbox entries sealed already, in order, and forgets
/// each once the relay has it (see `Store::leave_therapist`).
pub(super) fn send_sealed(
    store: &mut Store,
    transport: &dyn Transport,
    therapist: &Peer,
) -> Result<(), Error> {
    for entry in store.pending_outbox(u32::MAX)? {
        if let Some(envelope) = store.prepared_envelope(entry.seq)? {
            transport.post(&therapist.mailbox_id, &therapist.post_token, &envelope)?;
            store.remove_outbox_entry(entry.seq)?;
        }
    }
    Ok(())
}

/// Seals the envelope for an outbox entry and stores it with the entry, or
/// drops the entry when a newer version of its record has replaced it.
fn prepare(
    store: &mut Store,
    me: &DeviceIdentity,
    therapist: &Peer,
    entry: &crate::store::OutboxEntry,
) -> Result<Option<Vec<u8>>, Error> {
    let (body, record_version) = match entry.kind {
        OutboxKind::Goal => match goal_body(store, entry)? {
            Some(found) => found,
            None => {
                store.remove_outbox_entry(entry.seq)?;
                return Ok(None);
            }
        },
        OutboxKind::CheckIn | OutboxKind::Tombstone => {
            let body = match (entry.kind, store.get(entry.record_id)?) {
                (OutboxKind::CheckIn, Some(CheckInRecord::Live(c)))
                    if c.version == entry.record_version =>
                {
                    // Only the ratings of goals shared now leave the device.
                    let shared = if c.goal_ratings.is_empty() {
                        Default::default()
                    } else {
                        store.shared_goal_ids()?
                    };
                    CheckInBody::from_checkin(&c, &shared)
                        .to_bytes()
                        .map_err(|detail| StoreError::UnreadableRecord {
                            table: "checkins",
                            row: c.id.to_string(),
                            detail,
                        })?
                }
                (OutboxKind::Tombstone, Some(CheckInRecord::Deleted(t)))
                    if t.version == entry.record_version =>
                {
                    Vec::new()
                }
                _ => {
                    store.remove_outbox_entry(entry.seq)?;
                    return Ok(None);
                }
            };
            (body, entry.record_version)
        }
    };
    let now = store.options.clock.now();
    let (tx, cipher) = store.begin_with_cipher(TransactionBehavior::Immediate)?;
    let seq = take_seq(&tx, cipher, &therapist.card.device_id)?;
    let message = Message {
        kind: match entry.kind {
            OutboxKind::CheckIn => MessageKind::CheckIn,
            OutboxKind::Tombstone => MessageKind::Tombstone,
            OutboxKind::Goal => MessageKind::Goal,
        },
        sender: me.device_id(),
        seq,
        record_id: entry.record_id,
        record_version,
        sent_at: now,
        body,
    };
    let sealed = envelope::seal(
        me,
        message,
        &therapist.mailbox_id,
        &therapist.card.age_recipient,
    )?;
    set_envelope(&tx, entry.seq, &sealed, seq)?;
    tx.commit()?;
    Ok(Some(sealed))
}

/// What an outbox entry for a goal sends, with the version it goes as, or
/// `None` when it sends nothing: a later entry for the same goal waits (it
/// says all this one would), or the goal is gone. The goal goes as it
/// stands now: shared, the goal itself; private, its withdrawal. Edits made
/// while a goal is private queue nothing, so the version sent is the
/// goal's current one, not the entry's.
fn goal_body(
    store: &Store,
    entry: &crate::store::OutboxEntry,
) -> Result<Option<(Vec<u8>, u32)>, Error> {
    if store.later_entry_waits(entry.record_id, entry.seq)? {
        return Ok(None);
    }
    let Some(goal) = current_goal(store, entry.record_id)? else {
        return Ok(None);
    };
    let update = if goal.shared {
        GoalUpdate::Shared(GoalBody::from_goal(&goal))
    } else {
        GoalUpdate::Withdrawn
    };
    let body = update
        .to_bytes()
        .map_err(|detail| StoreError::UnreadableRecord {
            table: "goals",
            row: goal.id.to_string(),
            detail,
        })?;
    Ok(Some((body, goal.version)))
}

/// The therapist's clients whose pairing has not ended: the ones a receipt
/// or a reply can still go to.
pub(super) fn live_peers(store: &Store) -> Result<Vec<Peer>, Error> {
    let ended = store.ended_devices()?;
    Ok(store
        .peers()?
        .into_iter()
        .map(|(peer, _)| peer)
        .filter(|p| !ended.contains(&p.card.device_id.to_string()))
        .collect())
}

/// Clients whose mailbox refused a post in this sync.
///
/// A refusal is about one client's mailbox and token: the client left and
/// revoked the therapist's token (its leave may still be on its way), its
/// mailbox is full, or the relay says so without reason. None of that may
/// stop the therapist's sync, which must go on to fetch (the leave, say):
/// that client's messages wait for the next sync, the others go now.
#[derive(Default)]
pub(super) struct Refusals(std::collections::HashSet<String>);

impl Refusals {
    /// Whether `sender`'s mailbox refused a post in this sync.
    pub(super) fn contains(&self, sender: &str) -> bool {
        self.0.contains(sender)
    }

    /// Keeps a refusal of a post to `sender`'s mailbox; any other failure
    /// (the relay unreachable, say) ends the sync as before.
    pub(super) fn keep(
        &mut self,
        sender: &str,
        result: Result<u64, TransportError>,
    ) -> Result<bool, Error> {
        match result {
            Ok(_) => Ok(true),
            Err(TransportError::Refused { .. } | TransportError::RateLimited { .. }) => {
                self.0.insert(sender.to_owned());
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Numbers a receipt for every acknowledged check-in that has none, then
/// posts every numbered receipt the relay has not taken.
pub(super) fn send_receipts(
    store: &mut Store,
    transport: &dyn Transport,
    me: &DeviceIdentity,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(&SyncReport),
) -> Result<(), Error> {
    let peers = live_peers(store)?;
    number_receipts(store, &peers)?;
    let mut refused = Refusals::default();
    loop {
        let mut moved = false;
        for receipt in store.due_receipts()? {
            if refused.contains(&receipt.sender) {
                continue;
            }
            moved = true;
            let Some(peer) = peers
                .iter()
                .find(|p| p.card.device_id.to_string() == receipt.sender)
            else {
                // The client left or was removed; nothing to tell.
                store.receipt_posted(&receipt.sender, receipt.seq)?;
                continue;
            };
            let seen_at =
                chrono::DateTime::from_timestamp_millis(receipt.seen_at).unwrap_or_default();
            let body = postcard::to_allocvec(&ReceiptBody { seen_at }).unwrap_or_default();
            let message = Message {
                kind: MessageKind::Receipt,
                sender: me.device_id(),
                seq: receipt.seq,
                record_id: uuid::Uuid::from_slice(&receipt.record_id).unwrap_or_default(),
                record_version: receipt.version,
                sent_at: store.options.clock.now(),
                body,
            };
            let sealed = envelope::seal(me, message, &peer.mailbox_id, &peer.card.age_recipient)?;
            let posted = transport.post(&peer.mailbox_id, &peer.post_token, &sealed);
            if refused.keep(&receipt.sender, posted)? {
                store.receipt_posted(&receipt.sender, receipt.seq)?;
                report.sent += 1;
            }
        }
        // Done, or only refused clients' receipts left (they wait).
        if !moved {
            return Ok(());
        }
        progress(report);
    }
}

/// Gives every acknowledged check-in's receipt its sequence number, each in
/// the transaction that takes the number, so a retry after a lost answer is
/// the same message and no number is taken without a receipt to carry it.
fn number_receipts(store: &mut Store, peers: &[Peer]) -> Result<(), Error> {
    loop {
        let unnumbered = store.unnumbered_receipts()?;
        if unnumbered.is_empty() {
            return Ok(());
        }
        for (sender, record_id, version, acked_at) in unnumbered {
            let Some(peer) = peers
                .iter()
                .find(|p| p.card.device_id.to_string() == sender)
            else {
                // The client left or was removed; nothing to tell.
                store.mark_receipt_sent(&sender, &record_id)?;
                continue;
            };
            let (tx, cipher) = store.begin_with_cipher(TransactionBehavior::Deferred)?;
            let seq = take_seq(&tx, cipher, &peer.card.device_id)?;
            number_receipt(
                &tx,
                &DueReceipt {
                    sender,
                    seq,
                    record_id,
                    version,
                    seen_at: acked_at,
                },
            )?;
            tx.commit()?;
        }
    }
}
