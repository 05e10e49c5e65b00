//! Sequence numbers, one line per device this one ever paired with, kept for
//! good (leaving and re-joining the same therapist carries on from them):
//! the next number this device sends to that one, and what it accepted from
//! it. Numbering per device means a client sees no false gaps from messages
//! its therapist sent to others, and learns nothing of them.
//!
//! A client's numbers carry on across leave and re-join: the therapist has
//! one mailbox for all of a client's pairings. The therapist's numbers to a
//! client start over with each pairing, which brings a new client mailbox:
//! what went to the old one is out of the client's reach, and could not be
//! replayed into the new one (envelopes are bound to their mailbox).
//!
//! The numbers are sealed, bound to the device's row: a changed number
//! (a watermark wound back so a replay passes, say) does not open.
//! Leaving, a therapist's revoke and an erase's end of pairing keep these
//! rows; only a wipe (which also replaces this device's identity) empties
//! them.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::{Store, open_value, seal_value};
use crate::crypto::RowCipher;
use crate::envelope::MAX_SEQ;
use crate::error::{Error, StoreError};
use crate::identity::DeviceId;

const TABLE: &str = "sequences";

/// Most numbers kept above the contiguous watermark. Past it the oldest gap
/// is given up on (reported once as a gap, then closed), so a relay that
/// drops one message cannot make this row grow for ever.
pub(crate) const MAX_SEEN_ABOVE: usize = 4096;

/// The sequence numbers exchanged with one device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Sequences {
    /// The next number this device sends to that one (0 or 1: none sent).
    pub next_send: u64,
    /// Every number up to this one was accepted from it (0: none yet).
    pub last_seen: u64,
    /// Numbers above `last_seen` accepted out of order, ascending.
    pub seen_above: Vec<u64>,
    /// Therapist: the number of the hello that began the current pairing
    /// with this client, and of its last leave (0: none known). See
    /// `sync/pairings.rs`.
    pub pairing: PairingNumbers,
    /// The number taken for the message that ends the pairing (a client's
    /// leave, and whether it is an erase's; a therapist's revoke), while the
    /// relay has not acknowledged it: every attempt sends it again.
    pub leave_reserved: Option<(u64, bool)>,
}

/// The numbers of the hello that began a pairing and of the last leave.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PairingNumbers {
    /// The current pairing's hello (0: not known).
    pub hello: u64,
    /// The last leave (0: none).
    pub leave: u64,
}

/// The numbers exchanged with `device` (all zero for a device never seen).
pub(crate) fn load(
    conn: &Connection,
    cipher: &RowCipher,
    device: &DeviceId,
) -> Result<Sequences, Error> {
    let id = device.to_string();
    let sealed: Option<Vec<u8>> = conn
        .prepare_cached("SELECT sealed FROM sequences WHERE device_id = ?1")?
        .query_row(params![id], |r| r.get(0))
        .optional()?;
    match sealed {
        Some(sealed) => open_value(cipher, TABLE, id.as_bytes(), &sealed),
        None => Ok(Sequences::default()),
    }
}

impl Store {
    /// Every device's numbers, by device id.
    pub(crate) fn sequences(&self) -> Result<HashMap<String, Sequences>, Error> {
        load_all(&self.conn, &self.cipher)
    }
}

/// Every device's numbers, by device id.
pub(crate) fn load_all(
    conn: &Connection,
    cipher: &RowCipher,
) -> Result<HashMap<String, Sequences>, Error> {
    let mut stmt = conn.prepare_cached("SELECT device_id, sealed FROM sequences")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    let mut out = HashMap::new();
    for row in rows {
        let (id, sealed) = row?;
        let value = open_value(cipher, TABLE, id.as_bytes(), &sealed)?;
        out.insert(id, value);
    }
    Ok(out)
}

fn save(
    conn: &Connection,
    cipher: &RowCipher,
    device: &str,
    value: &Sequences,
) -> Result<(), Error> {
    let sealed = seal_value(cipher, TABLE, device.as_bytes(), value)?;
    conn.prepare_cached(
        "INSERT INTO sequences (device_id, sealed) VALUES (?1, ?2)
         ON CONFLICT (device_id) DO UPDATE SET sealed = ?2",
    )?
    .execute(params![device, sealed])?;
    Ok(())
}

/// Takes the next number for a message to `device`, inside the caller's
/// transaction (so it is reserved together with whatever records it).
pub(crate) fn take_seq(
    conn: &Connection,
    cipher: &RowCipher,
    device: &DeviceId,
) -> Result<u64, Error> {
    take_seqs(conn, cipher, device, 1)
}

/// Takes the next `count` numbers for messages to `device` (one
/// transaction for many messages); returns the first. Numbers taken and
/// not used are skipped, never given out again.
pub(crate) fn take_seqs(
    conn: &Connection,
    cipher: &RowCipher,
    device: &DeviceId,
    count: u64,
) -> Result<u64, Error> {
    let mut value = load(conn, cipher, device)?;
    let first = value.next_send.max(1);
    let next = first.saturating_add(count);
    if next > MAX_SEQ {
        return Err(StoreError::UnreadableRecord {
            table: TABLE,
            row: device.to_string(),
            detail: "the sequence numbers to this device are used up".into(),
        }
        .into());
    }
    value.next_send = next;
    save(conn, cipher, &device.to_string(), &value)?;
    Ok(first)
}

/// Therapist, inside the apply transaction: keeps the [`PairingNumbers`]
/// of `device`.
pub(crate) fn save_pairing(
    conn: &Connection,
    cipher: &RowCipher,
    device: &DeviceId,
    pairing: PairingNumbers,
) -> Result<(), Error> {
    let mut value = load(conn, cipher, device)?;
    value.pairing = pairing;
    save(conn, cipher, &device.to_string(), &value)
}

/// The number of the message that ends the pairing with `device` (a
/// client's leave, `erase`: an erase's; a therapist's revoke): the one
/// reserved by an attempt the relay did not acknowledge, or a new one,
/// reserved now. A leave of the other kind gets a number of its own (an
/// erase is not a duplicate of a plain leave).
pub(crate) fn leave_seq(
    conn: &Connection,
    cipher: &RowCipher,
    device: &DeviceId,
    erase: bool,
) -> Result<u64, Error> {
    if let Some((seq, kind)) = load(conn, cipher, device)?.leave_reserved
        && kind == erase
    {
        return Ok(seq);
    }
    let seq = take_seq(conn, cipher, device)?;
    let mut value = load(conn, cipher, device)?;
    value.leave_reserved = Some((seq, erase));
    save(conn, cipher, &device.to_string(), &value)?;
    Ok(seq)
}

/// Therapist, inside the transaction that paired `device` again: messages
/// to it are numbered from 1 again. Numbering towards a client is per
/// mailbox, and a client joining again reads a new one (where nothing old
/// can be replayed: envelopes are bound to their mailbox), so numbers sent
/// to the old mailbox are not missed by the client ([`begin_pairing`]).
pub(crate) fn restart_sending(
    conn: &Connection,
    cipher: &RowCipher,
    device: &DeviceId,
) -> Result<(), Error> {
    let mut value = load(conn, cipher, device)?;
    value.next_send = 1;
    value.leave_reserved = None;
    save(conn, cipher, &device.to_string(), &value)
}

/// Client, inside the transaction that joined `device` (again): a new
/// pairing. No leave is waiting any more, and numbers from the therapist
/// are counted from nothing, as it numbers messages to this new mailbox
/// from 1 ([`restart_sending`]). What this device sends carries on.
pub(crate) fn begin_pairing(
    conn: &Connection,
    cipher: &RowCipher,
    device: &DeviceId,
) -> Result<(), Error> {
    let mut value = load(conn, cipher, device)?;
    value.last_seen = 0;
    value.seen_above.clear();
    value.leave_reserved = None;
    save(conn, cipher, &device.to_string(), &value)
}

/// Keeps what was accepted from `device`, inside the transaction that
/// applied it: every number up to `last_seen`, and the ones above it in
/// `seen_above` (so a gap is known and a replay refused).
pub(crate) fn save_watermark(
    conn: &Connection,
    cipher: &RowCipher,
    device: &DeviceId,
    last_seen: u64,
    seen_above: &[u64],
) -> Result<(), Error> {
    let mut value = load(conn, cipher, device)?;
    let mut above: Vec<u64> = seen_above.to_vec();
    above.sort_unstable();
    above.dedup();
    let mut last = last_seen;
    if above.len() > MAX_SEEN_ABOVE {
        // Skip past the oldest gap: what it missed is reported already.
        last = above[above.len() - MAX_SEEN_ABOVE - 1];
        above.retain(|s| *s > last);
    }
    while above.first() == Some(&(last + 1)) {
        above.remove(0);
        last += 1;
    }
    value.last_seen = last;
    value.seen_above = above;
    save(conn, cipher, &device.to_string(), &value)
}

/// Sets the numbers exchanged with `device` outright (a restore).
pub(crate) fn restore(
    conn: &Connection,
    cipher: &RowCipher,
    device: &DeviceId,
    value: &Sequences,
) -> Result<(), Error> {
    save(conn, cipher, &device.to_string(), value)
}

/// Moves sequence numbers kept in cleartext by schema 6 (one counter in
/// `account.next_seq`, watermarks in `peers.last_seq` and `peer_seen`) into
/// sealed rows, then clears the old columns so nothing reads them again.
/// Runs when a store opens; does nothing when there is nothing to move.
pub(crate) fn adopt_cleartext(conn: &mut Connection, cipher: &RowCipher) -> Result<(), Error> {
    let pending: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM peers WHERE last_seq <> 0)
             OR EXISTS (SELECT 1 FROM peer_seen)
             OR EXISTS (SELECT 1 FROM account WHERE next_seq > 1)",
        [],
        |r| r.get(0),
    )?;
    if !pending {
        return Ok(());
    }
    let tx = conn.transaction()?;
    let next_send: i64 = tx
        .query_row("SELECT next_seq FROM account WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?
        .unwrap_or(1);
    let peers: Vec<(String, i64)> = tx
        .prepare("SELECT device_id, last_seq FROM peers")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (device, last_seq) in peers {
        let seen_above: Vec<u64> = tx
            .prepare("SELECT seq FROM peer_seen WHERE device_id = ?1 ORDER BY seq")?
            .query_map(params![device], |r| r.get::<_, i64>(0))?
            .map(|s| s.map(|s| s.max(0) as u64))
            .collect::<Result<_, _>>()?;
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM sequences WHERE device_id = ?1)",
            params![device],
            |r| r.get(0),
        )?;
        if !exists {
            let value = Sequences {
                next_send: next_send.max(1) as u64,
                last_seen: last_seq.max(0) as u64,
                seen_above,
                ..Sequences::default()
            };
            save(&tx, cipher, &device, &value)?;
        }
    }
    tx.execute_batch(
        "UPDATE peers SET last_seq = 0; DELETE FROM peer_seen; UPDATE account SET next_seq = 1;",
    )?;
    tx.commit()?;
    Ok(())
}
