//! The receiving half: fetch a page, open it (in parallel: decryption and
//! signature checks are the expensive part), then apply it in order in one
//! transaction together with the new cursor.

use std::collections::HashMap;

use rusqlite::TransactionBehavior;

use super::goals::{apply_goal, seal_received, without_withdrawn_ratings};
use super::membership::{apply_ended, apply_leave};
use super::messages::{CheckInBody, EndedBody, LeaveBody, ReceiptBody};
use super::pairings::Pairings;
use super::parallel;
use super::replies::apply_reply;
use super::sharing::apply_notice;
use super::{Account, FETCH_PAGE, Quarantined, Role, SenderGap, SyncReport, Transport};
use crate::crypto::RowCipher;
use crate::envelope::{self, Hello, KnownSender, MessageKind, Opened};
use crate::error::{Error, PairingError, QuarantineKind, QuarantineReason};
use crate::identity::{DeviceId, DeviceIdentity};
use crate::store::account::set_cursor;
use crate::store::checkins::mark_checkin_seen;
use crate::store::inbox;
use crate::store::insights::mark_dirty;
use crate::store::replies::delete_reply_to;
use crate::store::sequences::{restart_sending, save_watermark};
use crate::store::{Store, accept_hello_in};

type OpenResult = Result<(Opened, Option<KnownSender>), QuarantineReason>;

/// Where a page comes from.
enum Source {
    /// The relay, next after the cursor.
    Relay,
    /// The quarantine (these row ids), looked at again after a pairing: a
    /// relay that delivers a client's hello after its first check-ins must
    /// not lose them. The cursor stays where it is.
    Quarantine(Vec<i64>),
}

/// How many quarantined envelopes one pass looks at again.
const REEXAMINE_PAGE: u32 = 200;

pub(super) fn fetch_and_apply(
    store: &mut Store,
    transport: &dyn Transport,
    me: &DeviceIdentity,
    account: &Account,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(&SyncReport),
) -> Result<(), Error> {
    let mut changed = std::collections::HashSet::new();
    let result = fetch_pages(
        store,
        transport,
        me,
        account,
        report,
        progress,
        &mut changed,
    );
    report.insights_to_refresh = changed.len() as u32;
    result
}

/// Pages are applied one after another, each in its own transaction; the
/// next page is fetched before one is applied, and opened on the other
/// cores while it is, then on this one too (opening is most of the work).
fn fetch_pages(
    store: &mut Store,
    transport: &dyn Transport,
    me: &DeviceIdentity,
    account: &Account,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(&SyncReport),
    changed: &mut std::collections::HashSet<DeviceId>,
) -> Result<(), Error> {
    let fetch =
        |after: u64| transport.fetch(&account.mailbox_id, &account.read_token, after, FETCH_PAGE);
    let mut page = fetch(store.fetch_cursor()?.max(0) as u64)?;
    // The senders as the store has them before the page is applied (read
    // once per page: each is a peer row opened and a key decompressed).
    let mut known = senders(store, me)?;
    let mut opened_with = known.clone();
    let mut opened = open_all(&page.messages, me, &account.mailbox_id, &opened_with);
    loop {
        let Some(last) = page.messages.last().map(|m| m.seq) else {
            return Ok(());
        };
        // Applying the page moves the cursor to its last envelope.
        let next = if page.more { Some(fetch(last)?) } else { None };
        let apply = || {
            apply_opened(
                store,
                me,
                account,
                Page {
                    messages: &page.messages,
                    opened,
                    opened_with: &opened_with,
                    source: Source::Relay,
                },
                known.clone(),
                report,
                changed,
            )
        };
        // The next page is opened while this one is applied: this thread
        // applies, then helps open.
        let (paired, next_opened) = match &next {
            Some(next) => {
                let (paired, opened) =
                    open_all_beside(&next.messages, me, &account.mailbox_id, &known, apply);
                (paired, Some(opened))
            }
            None => (apply(), None),
        };
        if paired? {
            reexamine_unknown_senders(store, me, account, report, changed)?;
        }
        progress(report);
        match (next, next_opened) {
            (Some(next), Some(next_opened)) => {
                page = next;
                opened_with = std::mem::replace(&mut known, senders(store, me)?);
                opened = next_opened;
            }
            _ => return Ok(()),
        }
    }
}

/// After a pairing: the envelopes quarantined because their sender was not
/// paired yet, applied now if the new pairing covers them (the others go
/// back into quarantine, where they wait for a pairing to come).
fn reexamine_unknown_senders(
    store: &mut Store,
    me: &DeviceIdentity,
    account: &Account,
    report: &mut SyncReport,
    changed: &mut std::collections::HashSet<DeviceId>,
) -> Result<(), Error> {
    let kind = QuarantineKind::UnknownSender.code();
    let mut after = 0i64;
    loop {
        let rows: Vec<_> = store
            .quarantined_for(kind, REEXAMINE_PAGE)?
            .into_iter()
            .filter(|(id, _, _)| *id > after)
            .collect();
        let Some(&(last, _, _)) = rows.last() else {
            return Ok(());
        };
        after = last;
        let ids = rows.iter().map(|(id, _, _)| *id).collect();
        let messages: Vec<super::Fetched> = rows
            .into_iter()
            .map(|(_, seq, body)| super::Fetched { seq, body })
            .collect();
        let before = report.applied;
        let still = report.quarantined.len();
        apply_page(
            store,
            me,
            account,
            &messages,
            Source::Quarantine(ids),
            report,
            changed,
        )?;
        report.recovered += report.applied - before;
        // What went back into quarantine was reported when it first came.
        report.quarantined.truncate(still);
        if messages.len() < REEXAMINE_PAGE as usize {
            return Ok(());
        }
    }
}

/// Opens every envelope of a page on the available cores; a result per
/// envelope, in order, or none at all if an opener crashed (the page is then
/// opened again as it is applied).
fn open_all(
    messages: &[super::Fetched],
    me: &DeviceIdentity,
    mailbox: &str,
    senders: &HashMap<DeviceId, KnownSender>,
) -> Vec<OpenResult> {
    open_all_beside(messages, me, mailbox, senders, || ()).1
}

/// [`open_all`] while this thread does `own` first, then helps open.
fn open_all_beside<O>(
    messages: &[super::Fetched],
    me: &DeviceIdentity,
    mailbox: &str,
    senders: &HashMap<DeviceId, KnownSender>,
    own: impl FnOnce() -> O,
) -> (O, Vec<OpenResult>) {
    /// Envelopes an opener takes at a time (about half a millisecond).
    const TAKE: usize = 4;
    let lookup = |id: &DeviceId| senders.get(id).cloned();
    let open_one = |m: &super::Fetched| envelope::open_authenticated(&m.body, me, mailbox, &lookup);
    if parallel::threads() < 2 || messages.len() < 16 {
        let own = own();
        return (own, messages.iter().map(open_one).collect());
    }
    let (own, opened) = parallel::map_in_order_beside(messages, TAKE, |_, m| open_one(m), own);
    (own, opened.unwrap_or_default())
}

/// The senders an envelope may come from: the paired devices, and this one
/// (its own checkpoints come back in its mailbox: opened, so they are not
/// taken for a stranger's, and passed over).
fn senders(store: &Store, me: &DeviceIdentity) -> Result<HashMap<DeviceId, KnownSender>, Error> {
    let mut known = store.known_senders()?;
    known.insert(me.device_id(), KnownSender::new(me.card(), 0));
    Ok(known)
}

/// A page of envelopes and what opening them gave.
struct Page<'a> {
    messages: &'a [super::Fetched],
    /// One result per message (fewer if an opener crashed).
    opened: Vec<OpenResult>,
    /// The senders known when it was opened (maybe before the page ahead
    /// of it paired a client).
    opened_with: &'a HashMap<DeviceId, KnownSender>,
    source: Source,
}

/// Opens and applies one page in one transaction; returns whether a client
/// paired in it.
fn apply_page(
    store: &mut Store,
    me: &DeviceIdentity,
    account: &Account,
    messages: &[super::Fetched],
    source: Source,
    report: &mut SyncReport,
    changed: &mut std::collections::HashSet<DeviceId>,
) -> Result<bool, Error> {
    let known = senders(store, me)?;
    let opened = open_all(messages, me, &account.mailbox_id, &known);
    let page = Page {
        messages,
        opened,
        opened_with: &known,
        source,
    };
    apply_opened(store, me, account, page, known.clone(), report, changed)
}

/// Applies one opened page in one transaction; returns whether a client
/// paired in it (then the quarantine is worth another look). `known` is
/// [`senders`] as the store has them now.
fn apply_opened(
    store: &mut Store,
    me: &DeviceIdentity,
    account: &Account,
    page: Page<'_>,
    mut known: HashMap<DeviceId, KnownSender>,
    report: &mut SyncReport,
    changed: &mut std::collections::HashSet<DeviceId>,
) -> Result<bool, Error> {
    let Page {
        messages,
        mut opened,
        opened_with,
        source,
    } = page;
    let me_id = me.device_id();
    // Opened before a client paired: its envelopes came out as from an
    // unknown sender, and are opened again.
    let mut reopen_unknown = known.keys().any(|id| !opened_with.contains_key(id));
    let mut paired_here = false;
    let mut erased = store.erased_devices()?;
    let mut pairings = Pairings::load(store)?;
    if opened.len() != messages.len() {
        // A crashed opener thread: open the page again, one by one.
        opened = messages
            .iter()
            .map(|m| {
                envelope::open_authenticated(&m.body, me, &account.mailbox_id, &|id| {
                    known.get(id).cloned()
                })
            })
            .collect();
    }
    let now = store.options.clock.now();
    let instruments = store.options.instruments.clone();
    let (tx, cipher) = store.begin_with_cipher(TransactionBehavior::Immediate)?;
    if let Source::Quarantine(ids) = &source {
        inbox::release_quarantined(&tx, ids)?;
    }
    let mut touched: Vec<DeviceId> = Vec::new();
    // Clients whose check-ins changed: their insights are recomputed.
    let mut changed_senders: Vec<DeviceId> = Vec::new();
    for (fetched, result) in messages.iter().zip(opened) {
        if matches!(source, Source::Relay) {
            report.received += 1;
        }
        let result = match result {
            // A client's hello and first check-ins can share a page, or
            // its hello came in the page applied while this one was opened.
            Err(QuarantineReason::UnknownSender { .. }) if reopen_unknown => {
                envelope::open_authenticated(&fetched.body, me, &account.mailbox_id, &|id| {
                    known.get(id).cloned()
                })
            }
            other => other,
        };
        let quarantine = |reason: QuarantineKind, detail: String| -> Result<Quarantined, Error> {
            inbox::quarantine(&tx, fetched.seq, reason.code(), &detail, &fetched.body, now)?;
            Ok(Quarantined {
                server_seq: fetched.seq,
                reason,
                detail,
            })
        };
        let opened = match result {
            Ok((opened, _)) => opened,
            Err(reason) => {
                report
                    .quarantined
                    .push(quarantine(reason.kind(), reason.to_string())?);
                continue;
            }
        };
        let message = &opened.message;
        let sender = message.sender;
        if sender == me_id {
            if account.role == Role::Therapist && message.kind == MessageKind::Checkpoint {
                // Its own copy, not news: not counted as received.
                if matches!(source, Source::Relay) {
                    report.received -= 1;
                }
            } else {
                report.quarantined.push(quarantine(
                    QuarantineKind::Malformed,
                    format!("a {:?} message from this device to itself", message.kind),
                )?);
            }
            continue;
        }
        // A client who erased: nothing of theirs is applied (or kept) again,
        // however late a relay delivers it.
        if erased.contains(&sender) {
            report.dropped_after_erase += 1;
            continue;
        }

        // Pairing: a hello from a device this therapist does not know yet,
        // or from one that left and joins again (its numbers carry on, so a
        // hello already taken is a replay, and one older than the pairing
        // is stale: `pairings.rs`).
        let mut paired_now = false;
        if message.kind == MessageKind::Hello
            && known
                .get(&sender)
                .is_none_or(|state| state.check_sequence(message.seq).is_ok())
            && pairings.may_pair(&sender, message.seq)
        {
            if account.role != Role::Therapist {
                report.quarantined.push(quarantine(
                    QuarantineKind::Malformed,
                    "a hello arrived at a client's mailbox".into(),
                )?);
                continue;
            }
            let accepted = Hello::from_bytes(&message.body)
                .map_err(|detail| Error::Envelope(QuarantineReason::Malformed { detail }))
                .and_then(|hello| accept_hello_in(&tx, cipher, &hello, message.sent_at, now));
            match accepted {
                Ok(peer) => {
                    if known.contains_key(&sender) {
                        // A device joining again (or retrying its join)
                        // names a new mailbox: what went to the old one is
                        // out of its reach, so numbering to it starts over
                        // and receipts and replies go again.
                        restart_sending(&tx, cipher, &sender)?;
                        inbox::send_again_to_new_mailbox(&tx, &sender.to_string())?;
                    }
                    known
                        .entry(sender)
                        .or_insert_with(|| KnownSender::new(peer.card.clone(), 0));
                    pairings.paired(&tx, cipher, &sender, message.seq)?;
                    report.paired.push(peer.label);
                    paired_here = true;
                    reopen_unknown = true;
                    paired_now = true;
                }
                // A device restored from a kit reads its clients' hellos
                // again without the invites they answered: the pairing is
                // known already.
                Err(Error::Pairing(PairingError::UnknownInvite)) if known.contains_key(&sender) => {
                    pairings.paired(&tx, cipher, &sender, message.seq)?;
                    paired_now = true;
                }
                Err(e) => {
                    report
                        .quarantined
                        .push(quarantine(QuarantineKind::PairingRefused, e.to_string())?);
                    continue;
                }
            }
        }

        let Some(state) = known.get_mut(&sender) else {
            report.quarantined.push(quarantine(
                QuarantineKind::UnknownSender,
                format!("envelope from unknown device {sender}"),
            )?);
            continue;
        };
        match state.check_sequence(message.seq) {
            Ok(_) => {
                mark_seen(state, message.seq);
                if !touched.contains(&sender) {
                    touched.push(sender);
                }
            }
            Err(QuarantineReason::Replayed { .. }) => {
                // Already accepted: a retried post or a replay. Applying is
                // idempotent, so there is nothing to do.
                report.duplicates += 1;
                continue;
            }
            Err(reason) => {
                report
                    .quarantined
                    .push(quarantine(reason.kind(), reason.to_string())?);
                continue;
            }
        }

        let changed = match (account.role, message.kind) {
            // A stale hello (see `pairings.rs`) changes nothing.
            (_, MessageKind::Hello) => paired_now,
            (Role::Therapist, MessageKind::CheckIn) => match CheckInBody::from_bytes(&message.body)
                .and_then(|body| body.check(&instruments).map(|()| body))
            {
                Ok(body) => upsert_received(&tx, cipher, &sender, message, Some(&body), now)?,
                Err(detail) => {
                    report
                        .quarantined
                        .push(quarantine(QuarantineKind::Malformed, detail)?);
                    continue;
                }
            },
            (Role::Therapist, MessageKind::Tombstone) => {
                upsert_received(&tx, cipher, &sender, message, None, now)?
            }
            (Role::Therapist, MessageKind::Goal) => {
                match apply_goal(&tx, cipher, &sender, message, now)? {
                    Ok(changed) => changed,
                    Err(detail) => {
                        report
                            .quarantined
                            .push(quarantine(QuarantineKind::Malformed, detail)?);
                        continue;
                    }
                }
            }
            (Role::Client, MessageKind::Receipt) => {
                match postcard::from_bytes::<ReceiptBody>(&message.body) {
                    Ok(receipt) => {
                        let n = mark_checkin_seen(
                            &tx,
                            &message.record_id,
                            receipt.seen_at,
                            message.record_version,
                        )?;
                        report.receipts_applied += n as u32;
                        n > 0
                    }
                    Err(e) => {
                        report
                            .quarantined
                            .push(quarantine(QuarantineKind::Malformed, e.to_string())?);
                        continue;
                    }
                }
            }
            (Role::Client, MessageKind::Reply) => {
                match apply_reply(&tx, cipher, &sender, message)? {
                    Ok(kept) => {
                        report.replies_received += u32::from(kept);
                        kept
                    }
                    Err(detail) => {
                        report
                            .quarantined
                            .push(quarantine(QuarantineKind::Malformed, detail)?);
                        continue;
                    }
                }
            }
            // One of an earlier pairing, delivered late (`pairings.rs`).
            (Role::Therapist, MessageKind::Sharing)
                if !pairings.in_current_pairing(&sender, message.seq) =>
            {
                false
            }
            (Role::Therapist, MessageKind::Sharing) => match apply_notice(&tx, &sender, message)? {
                Ok(changed) => changed,
                Err(detail) => {
                    report
                        .quarantined
                        .push(quarantine(QuarantineKind::Malformed, detail)?);
                    continue;
                }
            },
            (Role::Therapist, MessageKind::Leave) => {
                match postcard::from_bytes::<LeaveBody>(&message.body) {
                    Ok(leave) => {
                        let ends = leave.erase || pairings.in_current_pairing(&sender, message.seq);
                        pairings.left(&tx, cipher, &sender, message.seq)?;
                        if ends {
                            apply_leave(&tx, &sender, &leave, now)?;
                            if leave.erase {
                                erased.insert(sender);
                            }
                            report.left.push(sender);
                        }
                        // Otherwise it ended an earlier pairing: the client
                        // has joined again since.
                        ends
                    }
                    Err(e) => {
                        report
                            .quarantined
                            .push(quarantine(QuarantineKind::Malformed, e.to_string())?);
                        continue;
                    }
                }
            }
            (Role::Client, MessageKind::Ended) => {
                match postcard::from_bytes::<EndedBody>(&message.body) {
                    Ok(_) => {
                        let changed = apply_ended(&tx, cipher, now)?;
                        report.ended_by_therapist = true;
                        changed
                    }
                    Err(e) => {
                        report
                            .quarantined
                            .push(quarantine(QuarantineKind::Malformed, e.to_string())?);
                        continue;
                    }
                }
            }
            (role, kind) => {
                report.quarantined.push(quarantine(
                    QuarantineKind::Malformed,
                    format!("a {kind:?} message is not for a {role:?}"),
                )?);
                continue;
            }
        };
        if changed {
            if matches!(
                message.kind,
                MessageKind::CheckIn | MessageKind::Tombstone | MessageKind::Goal
            ) && !changed_senders.contains(&sender)
            {
                changed_senders.push(sender);
            }
            report.applied += 1;
        } else {
            report.duplicates += 1;
        }
    }
    for sender in &changed_senders {
        mark_dirty(&tx, sender)?;
    }
    changed.extend(changed_senders);
    for id in touched {
        if let Some(state) = known.get(&id) {
            save_watermark(&tx, cipher, &id, state.last_seq, &state.seen_above)?;
        }
    }
    if let (Source::Relay, Some(last)) = (&source, messages.last()) {
        set_cursor(&tx, last.seq)?;
    }
    tx.commit()?;
    Ok(paired_here)
}

/// Records `seq` as accepted, advancing the contiguous watermark.
fn mark_seen(state: &mut KnownSender, seq: u64) {
    if seq == state.last_seq + 1 {
        state.last_seq = seq;
        state.seen_above.sort_unstable();
        while let Some(pos) = state
            .seen_above
            .iter()
            .position(|s| *s == state.last_seq + 1)
        {
            state.seen_above.swap_remove(pos);
            state.last_seq += 1;
        }
    } else {
        state.seen_above.push(seq);
    }
}

/// Applies a check-in (`body`) or tombstone (`None`) if it is newer than what
/// the therapist holds. Returns whether anything changed.
fn upsert_received(
    tx: &rusqlite::Transaction<'_>,
    cipher: &RowCipher,
    sender: &DeviceId,
    message: &envelope::Message,
    body: Option<&CheckInBody>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, Error> {
    let sender_text = sender.to_string();
    let existing = inbox::received_version(tx, &sender_text, &message.record_id)?;
    if existing.is_some_and(|v| v >= message.record_version) {
        return Ok(false);
    }
    let (session_date, sealed) = match body {
        Some(body) => {
            let body = without_withdrawn_ratings(tx, sender, body)?;
            let sealed = seal_received(
                cipher,
                sender,
                &message.record_id,
                message.record_version,
                &body,
            )?;
            (Some(body.session_date.to_string()), Some(sealed))
        }
        None => (None, None),
    };
    inbox::upsert_received(
        tx,
        &sender_text,
        &message.record_id,
        message.record_version,
        session_date,
        sealed,
        now,
    )?;
    if body.is_none() {
        // The client deleted the check-in: a reply to it has nothing left to
        // answer, and the client would drop it anyway.
        delete_reply_to(tx, &sender_text, &message.record_id)?;
    }
    // A device restored from a recovery kit remembers what was acknowledged.
    inbox::apply_restored_ack(tx, &sender_text, &message.record_id, message.record_version)?;
    Ok(true)
}

/// Sequence numbers still missing from each sender. Not from a client who
/// erased: nothing of theirs is read any more, however late it comes.
pub(super) fn gaps(store: &Store) -> Result<Vec<SenderGap>, Error> {
    let erased = store.erased_devices()?;
    let mut gaps: Vec<SenderGap> = store
        .known_senders()?
        .into_values()
        .filter(|known| !erased.contains(&known.card.device_id))
        .filter_map(|known| {
            let lowest = *known.seen_above.iter().min()?;
            let first_missing = known.last_seq.saturating_add(1);
            // Whatever a damaged row says, a gap is never upside down.
            (lowest > first_missing).then(|| SenderGap {
                sender: known.card.device_id,
                first_missing,
                last_missing: lowest - 1,
            })
        })
        .collect();
    gaps.sort_by_key(|g| g.sender);
    Ok(gaps)
}
