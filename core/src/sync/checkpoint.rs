//! Keeping the relay small, and a lost therapist device restorable.
//!
//! Each side prunes its mailbox once it has durably applied what it holds:
//! a client after every sync; a therapist after a sync in which something
//! only it knows changed (a check-in read, a reply, a flag discussed, a
//! session, an invite, a rule), after every [`CHECKPOINT_EVERY`] messages,
//! and at once after a client erased (so that client's ciphertext leaves
//! the relay). Before a therapist prunes, it posts a **checkpoint**
//! to its own mailbox: a copy of its database (every row still sealed with
//! the data key), encrypted to its own key and signed like any envelope,
//! in parts that fit the relay's size limit. A device restored from the
//! recovery kit reads the newest complete checkpoint, then the messages
//! after it.
//!
//! What a hostile relay can do here: withhold the newest checkpoint (a
//! restore then shows an older state, missing what was pruned after it), or
//! lie that it pruned. It cannot forge or alter a checkpoint: parts must be
//! signed by this device, and the whole must match its digest.

use std::collections::{BTreeMap, HashMap};

use rusqlite::TransactionBehavior;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Account, FETCH_PAGE, SyncReport, Transport};
use crate::envelope::{self, KnownSender, Message, MessageKind, Opened};
use crate::error::Error;
use crate::identity::{DeviceId, DeviceIdentity};
use crate::store::Store;
use crate::store::sequences::take_seqs;

/// A therapist checkpoints and prunes once this many relay messages came
/// in since it last did (a practice of 25 weekly clients: every two months
/// or so). The relay's default quota is 10,000.
pub const CHECKPOINT_EVERY: u64 = 200;

/// Bytes of the database in one part: well inside the 64 KiB envelope.
const PART_BYTES: usize = 48 * 1024;

/// Most parts one checkpoint may have (192 MiB of database).
const MAX_PARTS: u32 = 4096;
/// Parts each core seals before a window of them is posted.
const PARTS_SEALED_AT_ONCE: usize = 4;

/// Most bytes of checkpoint parts a restore holds while it looks for the
/// newest complete one.
const MAX_HELD_BYTES: usize = 256 << 20;

/// One part of a checkpoint, the body of a [`MessageKind::Checkpoint`].
#[derive(Serialize, Deserialize)]
pub(crate) struct CheckpointPart {
    /// Which checkpoint.
    pub id: [u8; 16],
    /// This part's place, from 0.
    pub index: u32,
    /// How many parts the checkpoint has.
    pub count: u32,
    /// The relay sequence number the copy was taken at: everything up to
    /// it is in the copy, fetching resumes after it.
    pub as_of: u64,
    /// SHA-256 of the whole copy.
    pub digest: [u8; 32],
    /// Length of the whole copy: every part is [`PART_BYTES`] long (the
    /// last one padded), so a restore can pass over smaller envelopes
    /// without opening them.
    pub total_len: u64,
    /// This part's bytes (as bytes, as `Message::body` is).
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
}

/// Client, after applying: deletes what it fetched from its own mailbox.
pub(super) fn prune_applied(
    store: &mut Store,
    transport: &dyn Transport,
    account: &Account,
    report: &mut SyncReport,
) -> Result<(), Error> {
    let cursor = store.fetch_cursor()?.max(0) as u64;
    if cursor <= store.pruned_through()? {
        return Ok(());
    }
    report.pruned += transport.prune(&account.mailbox_id, &account.read_token, cursor)?;
    store.set_pruned_through(cursor)
}

/// Therapist, at the end of a sync: a checkpoint and a prune when enough
/// came in since the last one, or at once when `now` (a client erased).
pub(super) fn checkpoint_and_prune(
    store: &mut Store,
    transport: &dyn Transport,
    me: &DeviceIdentity,
    account: &Account,
    report: &mut SyncReport,
    now: bool,
) -> Result<(), Error> {
    let cursor = store.fetch_cursor()?.max(0) as u64;
    let pruned = store.pruned_through()?;
    let due = store.checkpoint_due()?;
    if !(now || due || cursor >= pruned.saturating_add(CHECKPOINT_EVERY)) {
        return Ok(());
    }
    // The copy is taken before anything is posted: a change made while the
    // parts go out marks the next checkpoint due again.
    let as_of = post_checkpoint(store, transport, me, account)?;
    report.checkpoints += 1;
    if as_of > pruned {
        report.pruned += transport.prune(&account.mailbox_id, &account.read_token, as_of)?;
    }
    store.checkpoint_done(as_of)
}

/// Posts a copy of this database to this device's own mailbox; returns the
/// relay sequence number the copy was taken at.
fn post_checkpoint(
    store: &mut Store,
    transport: &dyn Transport,
    me: &DeviceIdentity,
    account: &Account,
) -> Result<u64, Error> {
    let (bytes, as_of) = store.snapshot()?;
    let digest: [u8; 32] = Sha256::digest(&bytes).into();
    let id = *uuid::Uuid::now_v7().as_bytes();
    let total_len = bytes.len() as u64;
    let parts: Vec<&[u8]> = bytes.chunks(PART_BYTES).collect();
    let count = parts.len() as u32;
    // A token of its own for the moment it takes: nothing to keep.
    let token = transport.mint_post_token(&account.mailbox_id, &account.read_token)?;
    let recipient = me.card().age_recipient;
    // Every part's number in one transaction (one write to disk, not one
    // per part).
    let (tx, cipher) = store.begin_with_cipher(TransactionBehavior::Immediate)?;
    let first_seq = take_seqs(&tx, cipher, &me.device_id(), u64::from(count))?;
    tx.commit()?;
    let sent_at = store.options.clock.now();
    let seal_part = |index: usize, part: &&[u8]| -> Result<Vec<u8>, Error> {
        let body = postcard::to_allocvec(&CheckpointPart {
            id,
            index: index as u32,
            count,
            as_of,
            digest,
            total_len,
            bytes: padded(part),
        })
        .map_err(|e| crate::error::KeyError::Damaged {
            detail: format!("encoding a checkpoint: {e}"),
        })?;
        let message = Message {
            kind: MessageKind::Checkpoint,
            sender: me.device_id(),
            seq: first_seq + index as u64,
            record_id: uuid::Uuid::from_bytes(id),
            record_version: index as u32 + 1,
            sent_at,
            body,
        };
        Ok(envelope::seal(
            me,
            message,
            &account.mailbox_id,
            &recipient,
        )?)
    };
    // Sealing (signing and encrypting 48 KiB) is most of a checkpoint's
    // time: a few parts at a time are sealed on every core, then posted in
    // order, so memory holds a window of parts, not a second copy.
    let window = PARTS_SEALED_AT_ONCE * super::parallel::threads();
    let posted = parts
        .chunks(window)
        .enumerate()
        .try_for_each(|(w, in_window)| {
            let first = w * window;
            let sealed =
                super::parallel::map_in_order(in_window, 1, |i, part| seal_part(first + i, part))
                    // A crashed thread: sealed again here, one after the other.
                    .unwrap_or_else(|| {
                        in_window
                            .iter()
                            .enumerate()
                            .map(|(i, part)| seal_part(first + i, part))
                            .collect()
                    });
            sealed.into_iter().try_for_each(|envelope| {
                transport.post(&account.mailbox_id, &token.post_token, &envelope?)?;
                Ok::<(), Error>(())
            })
        });
    // Best effort: an unrevoked token only lets this device post to itself.
    let _ = transport.revoke_post_token(&account.mailbox_id, &account.read_token, &token.token_id);
    posted?;
    Ok(as_of)
}

/// A part's bytes, zero-padded to [`PART_BYTES`].
fn padded(part: &[u8]) -> Vec<u8> {
    let mut out = part.to_vec();
    out.resize(PART_BYTES, 0);
    out
}

/// The parts of one checkpoint found so far.
struct Assembly {
    as_of: u64,
    count: u32,
    digest: [u8; 32],
    total_len: u64,
    parts: BTreeMap<u32, Vec<u8>>,
}

/// Therapist restored from a kit, first thing on its first sync: reads the
/// whole mailbox for its own checkpoints and puts the newest complete one
/// back; fetching then resumes after it. Without one, the whole mailbox is
/// applied as it stands.
pub(super) fn restore_newest(
    store: &mut Store,
    transport: &dyn Transport,
    me: &DeviceIdentity,
    account: &Account,
    report: &mut SyncReport,
) -> Result<(), Error> {
    let mine = me.card();
    let lookup = |id: &DeviceId| (*id == mine.device_id).then(|| KnownSender::new(mine.clone(), 0));
    let mut found: HashMap<[u8; 16], Assembly> = HashMap::new();
    let mut held = 0usize;
    let mut after = 0u64;
    loop {
        let page = transport.fetch(&account.mailbox_id, &account.read_token, after, FETCH_PAGE)?;
        let Some(last) = page.messages.last().map(|m| m.seq) else {
            break;
        };
        // Parts are the only envelopes this large; the others (check-ins,
        // hellos) are not opened twice.
        for fetched in page.messages.iter().filter(|m| m.body.len() > PART_BYTES) {
            let Ok((opened, _)) =
                envelope::open_authenticated(&fetched.body, me, &account.mailbox_id, &lookup)
            else {
                continue;
            };
            if let Some(part) = own_part(&opened, &mine.device_id) {
                if held + part.bytes.len() > MAX_HELD_BYTES {
                    continue;
                }
                let assembly = found.entry(part.id).or_insert_with(|| Assembly {
                    as_of: part.as_of,
                    count: part.count,
                    digest: part.digest,
                    total_len: part.total_len,
                    parts: BTreeMap::new(),
                });
                if (
                    assembly.as_of,
                    assembly.count,
                    assembly.digest,
                    assembly.total_len,
                ) == (part.as_of, part.count, part.digest, part.total_len)
                    && !assembly.parts.contains_key(&part.index)
                {
                    held += part.bytes.len();
                    assembly.parts.insert(part.index, part.bytes);
                }
            }
        }
        // A relay numbering backwards would loop for ever.
        if !page.more || last <= after {
            break;
        }
        after = last;
    }
    let newest = found
        .into_values()
        .filter(|a| a.parts.len() == a.count as usize)
        .filter_map(|a| {
            let mut bytes: Vec<u8> = a.parts.into_values().flatten().collect();
            bytes.truncate(usize::try_from(a.total_len).ok()?);
            let digest: [u8; 32] = Sha256::digest(&bytes).into();
            (digest == a.digest).then_some((a.as_of, bytes))
        })
        .max_by_key(|(as_of, _)| *as_of);
    match newest {
        Some((as_of, bytes)) => {
            store.import_snapshot(&bytes)?;
            report.restored_as_of = Some(as_of);
            Ok(())
        }
        None => store.finish_restoring(),
    }
}

/// A well-formed checkpoint part this device sent itself.
fn own_part(opened: &Opened, me: &DeviceId) -> Option<CheckpointPart> {
    let message = &opened.message;
    if message.kind != MessageKind::Checkpoint || message.sender != *me {
        return None;
    }
    let part: CheckpointPart = postcard::from_bytes(&message.body).ok()?;
    let fits = part.total_len <= u64::from(part.count) * PART_BYTES as u64
        && part.bytes.len() == PART_BYTES;
    (part.count > 0 && part.count <= MAX_PARTS && part.index < part.count && fits).then_some(part)
}
