//! Check-ins held on the phone, and the ones the current therapist is never
//! sent: nothing old goes to a new therapist unasked (issue 18).
//!
//! Two sealed sets of check-in ids live in `meta` rows (`settings.rs`); the
//! held set one row per check-in (`client.held.ID`), so recording one while
//! not paired is one insert, not a rewrite of every id held so far:
//!
//! - **held**: check-ins no therapist has received: recorded while not
//!   paired (before a first join, after leaving, after the therapist ended
//!   the pairing), while sharing was paused, or left unsent when a pairing
//!   ended. They stay held until the client shares them.
//! - **kept**: check-ins the current therapist is never sent, with their
//!   later edits and deletions: everything from before this pairing that
//!   the client did not share when joining, and what was held back during a
//!   pause that the client kept when resuming. Forgotten with the pairing.
//!   One exception: deleting a check-in this therapist received in an
//!   earlier pairing (and still holds) sends its deletion
//!   ([`deletion_is_sent`]).
//!
//! Joining ([`settle_at_join`]) offers the held check-ins (count and session
//! dates): shared, they go to this therapist; kept (the default), they stay
//! on the phone, visible to the client and in the export, and stay held for
//! a later choice. Resuming ([`settle_at_resume`]) offers what was held back
//! during the pause the same way. The outbox never sends a kept check-in,
//! whatever queued it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::Store;
use super::outbox::{OutboxKind, queue};
use super::pairing::{open_value, seal_value};
use super::settings::{read_sealed, write_sealed};
use crate::crypto::RowCipher;
use crate::error::Error;

/// Check-ins no therapist has received: one sealed row each, named this
/// followed by the check-in's id.
const HELD_PREFIX: &str = "client.held.";

/// Just past every name starting with [`HELD_PREFIX`] ('/' follows '.').
const HELD_END: &str = "client.held/";

/// The held set as one sealed row, as the first build of this kept it: read
/// with the rows, and removed when the set is next written.
const HELD: &str = "client.held_checkins";

/// Check-ins the current therapist is never sent.
const KEPT: &str = "client.kept_from_therapist";

/// What each earlier therapist received, by its device: a pairing that
/// ends adds its therapist's share ([`settle_at_end`]); an erase after
/// joining that therapist again deletes those there too
/// ([`Store::release_known_for_erase`]).
const SHARED_WITH: &str = "client.shared_with";

/// Check-in ids by therapist device id.
type SharedWith = BTreeMap<String, BTreeSet<[u8; 16]>>;

/// Check-ins held on the phone, as a client is told of them before
/// choosing: how many, and the session dates they span.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeldCheckIns {
    /// How many.
    pub count: u32,
    /// The earliest session date among them; `None` when there are none.
    pub first_session: Option<NaiveDate>,
    /// The latest session date among them; `None` when there are none.
    pub last_session: Option<NaiveDate>,
}

impl HeldCheckIns {
    /// Whether there is nothing to choose about.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

impl Store {
    /// The check-ins held on this phone that the current therapist (or, not
    /// paired, the next one) has not received and may be offered: when
    /// joining (the join's `share_held` choice) or resuming
    /// ([`Store::resume_sharing`]).
    pub fn held_checkins(&self) -> Result<HeldCheckIns, Error> {
        let offered = offered(&self.conn, &self.cipher)?;
        summarise(&self.conn, &offered)
    }
}

impl Store {
    /// Every check-in never to be sent to the current therapist (for the
    /// sync engine, which drops whatever waits of them).
    pub(crate) fn kept_from_therapist(&self) -> Result<BTreeSet<Uuid>, Error> {
        kept_ids(&self.conn, &self.cipher)
    }

    /// Client erasing, before its check-ins are deleted: those kept from the
    /// current therapist that it received in an earlier pairing are kept no
    /// longer, so their deletions go to it with every other (also of those
    /// already deleted here, whose deletion was kept from it). The erase's
    /// last message deletes everything of this client at the therapist
    /// anyway; this is for when a relay keeps that one message from it.
    pub(crate) fn release_known_for_erase(&mut self) -> Result<(), Error> {
        let now = self.options.clock.now();
        let tx = self.conn.transaction()?;
        let Some(therapist) = current_therapist(&tx)? else {
            return Ok(());
        };
        let shared: SharedWith = read_sealed(&tx, &self.cipher, SHARED_WITH)?.unwrap_or_default();
        let Some(known) = shared.get(&therapist) else {
            return Ok(());
        };
        let mut kept = read_ids(&tx, &self.cipher, KEPT)?;
        let released: Vec<Uuid> = kept
            .iter()
            .filter(|id| known.contains(id.as_bytes()))
            .copied()
            .collect();
        if released.is_empty() {
            return Ok(());
        }
        let mut deleted = tx.prepare_cached(
            "SELECT version FROM checkins WHERE id = ?1 AND deleted_at IS NOT NULL",
        )?;
        for id in &released {
            kept.remove(id);
            let version: Option<u32> = deleted
                .query_row(params![id.as_bytes()], |r| r.get(0))
                .optional()?;
            if let Some(version) = version {
                queue(&tx, *id, version, OutboxKind::Tombstone, now)?;
            }
        }
        drop(deleted);
        write_ids(&tx, &self.cipher, KEPT, &kept)?;
        tx.commit()?;
        Ok(())
    }

    /// Client resuming: [`settle_at_resume`] in a transaction of its own.
    pub(crate) fn settle_resume(&mut self, send: bool) -> Result<HeldCheckIns, Error> {
        let now = self.options.clock.now();
        let tx = self.conn.transaction()?;
        let held = settle_at_resume(&tx, &self.cipher, send, now)?;
        tx.commit()?;
        Ok(held)
    }
}

/// Client, inside the transaction that records check-in `id`: held when it
/// is not shared at once (not paired, paused, or the pairing ended).
pub(crate) fn hold_if_not_sharing(
    tx: &Transaction<'_>,
    cipher: &RowCipher,
    id: Uuid,
) -> Result<(), Error> {
    // Cached: every check-in recorded asks.
    let sharing: Option<bool> = tx
        .prepare_cached(
            "SELECT role = 'client' AND ended IS NULL AND sharing_paused = 0
             FROM account WHERE id = 1",
        )?
        .query_row([], |r| r.get(0))
        .optional()?;
    if sharing != Some(true) {
        hold(tx, cipher, id)?;
    }
    Ok(())
}

/// Holds check-in `id`: its own sealed row, bound to its name.
fn hold(tx: &Transaction<'_>, cipher: &RowCipher, id: Uuid) -> Result<(), Error> {
    let name = format!("{HELD_PREFIX}{}", id.simple());
    let sealed = seal_value(cipher, "meta", name.as_bytes(), id.as_bytes())?;
    tx.prepare_cached(
        "INSERT INTO meta (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = ?2",
    )?
    .execute(params![name, sealed])?;
    Ok(())
}

/// Every held check-in.
fn read_held(conn: &Connection, cipher: &RowCipher) -> Result<BTreeSet<Uuid>, Error> {
    let mut held = read_ids(conn, cipher, HELD)?;
    let mut rows =
        conn.prepare_cached("SELECT name, value FROM meta WHERE name >= ?1 AND name < ?2")?;
    let rows = rows.query_map(params![HELD_PREFIX, HELD_END], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    for row in rows {
        let (name, sealed) = row?;
        let id: [u8; 16] = open_value(cipher, "meta", name.as_bytes(), &sealed)?;
        held.insert(Uuid::from_bytes(id));
    }
    Ok(held)
}

/// Makes `ids` the held set.
fn write_held(tx: &Transaction<'_>, cipher: &RowCipher, ids: &BTreeSet<Uuid>) -> Result<(), Error> {
    write_ids(tx, cipher, HELD, &BTreeSet::new())?;
    tx.execute(
        "DELETE FROM meta WHERE name >= ?1 AND name < ?2",
        params![HELD_PREFIX, HELD_END],
    )?;
    for id in ids {
        hold(tx, cipher, *id)?;
    }
    Ok(())
}

/// Whether check-in `id` is never to be sent to the current therapist.
pub(crate) fn is_kept(conn: &Connection, cipher: &RowCipher, id: Uuid) -> Result<bool, Error> {
    Ok(read_ids(conn, cipher, KEPT)?.contains(&id))
}

/// Client, inside the transaction that deletes check-in `id`: whether its
/// tombstone goes to the current therapist. Not when the check-in is kept
/// from it (a tombstone would tell of a check-in it never had), unless it
/// received the check-in in an earlier pairing: it still holds it, so the
/// check-in is kept no longer and its deletion goes as any other.
pub(crate) fn deletion_is_sent(
    tx: &Transaction<'_>,
    cipher: &RowCipher,
    id: Uuid,
) -> Result<bool, Error> {
    let mut kept = read_ids(tx, cipher, KEPT)?;
    if !kept.contains(&id) {
        return Ok(true);
    }
    let Some(therapist) = current_therapist(tx)? else {
        return Ok(false);
    };
    let shared: SharedWith = read_sealed(tx, cipher, SHARED_WITH)?.unwrap_or_default();
    if !shared
        .get(&therapist)
        .is_some_and(|received| received.contains(id.as_bytes()))
    {
        return Ok(false);
    }
    kept.remove(&id);
    write_ids(tx, cipher, KEPT, &kept)?;
    Ok(true)
}

/// Every check-in never to be sent to the current therapist.
fn kept_ids(conn: &Connection, cipher: &RowCipher) -> Result<BTreeSet<Uuid>, Error> {
    read_ids(conn, cipher, KEPT)
}

/// Client joining, inside the transaction that keeps the pairing: the held
/// check-ins (returned) go to this therapist when `share`, and stay held
/// otherwise; every other check-in this phone has, live or deleted, is
/// never sent to this therapist, nor are its later edits.
pub(crate) fn settle_at_join(
    tx: &Transaction<'_>,
    cipher: &RowCipher,
    share: bool,
    now: DateTime<Utc>,
) -> Result<HeldCheckIns, Error> {
    let offered = offered(tx, cipher)?;
    let summary = summarise(tx, &offered)?;
    let mut kept = all_ids(tx)?;
    if share {
        let mut held = read_held(tx, cipher)?;
        for id in &offered {
            kept.remove(id);
            held.remove(id);
        }
        write_held(tx, cipher, &held)?;
        ensure_queued(tx, &offered, now)?;
    }
    drop_queued(tx, &kept)?;
    write_ids(tx, cipher, KEPT, &kept)?;
    Ok(summary)
}

/// Client resuming, inside its transaction: what was held back during the
/// pause (returned) is sent when `send`, and kept from this therapist
/// otherwise (it stays held, for a later therapist to be offered).
pub(crate) fn settle_at_resume(
    tx: &Transaction<'_>,
    cipher: &RowCipher,
    send: bool,
    now: DateTime<Utc>,
) -> Result<HeldCheckIns, Error> {
    let offered = offered(tx, cipher)?;
    let summary = summarise(tx, &offered)?;
    if send {
        let mut held = read_held(tx, cipher)?;
        held.retain(|id| !offered.contains(id));
        write_held(tx, cipher, &held)?;
        ensure_queued(tx, &offered, now)?;
    } else {
        let mut kept = read_ids(tx, cipher, KEPT)?;
        kept.extend(offered.iter().copied());
        drop_queued(tx, &offered)?;
        write_ids(tx, cipher, KEPT, &kept)?;
    }
    Ok(summary)
}

/// Client, when a pairing ends, before its outbox is emptied and its
/// therapist forgotten: what never reached the therapist is held
/// ([`hold_unsent`]), and what did (everything neither held nor kept from
/// it) is remembered as that therapist's, for an erase after joining it
/// again ([`Store::release_known_for_erase`]).
pub(crate) fn settle_at_end(tx: &Transaction<'_>, cipher: &RowCipher) -> Result<(), Error> {
    hold_unsent(tx, cipher)?;
    let Some(therapist) = current_therapist(tx)? else {
        return Ok(());
    };
    let mut not_received = read_held(tx, cipher)?;
    not_received.extend(read_ids(tx, cipher, KEPT)?);
    let mut shared: SharedWith = read_sealed(tx, cipher, SHARED_WITH)?.unwrap_or_default();
    shared.entry(therapist).or_default().extend(
        all_ids(tx)?
            .difference(&not_received)
            .map(|id| *id.as_bytes()),
    );
    write_sealed(tx, cipher, SHARED_WITH, Some(&shared))
}

/// Client: the device id of the therapist it is (or was last) paired with.
fn current_therapist(conn: &Connection) -> Result<Option<String>, Error> {
    Ok(conn
        .query_row("SELECT device_id FROM peers LIMIT 1", [], |r| r.get(0))
        .optional()?)
}

/// Client, when a pairing ends, before its outbox is emptied: check-ins
/// queued and never sealed for anyone (their first version still waiting)
/// reached no therapist, so they are held for the next one to be offered.
fn hold_unsent(tx: &Transaction<'_>, cipher: &RowCipher) -> Result<(), Error> {
    let unsent: Vec<Vec<u8>> = tx
        .prepare(
            "SELECT DISTINCT o.record_id FROM outbox o JOIN checkins c ON c.id = o.record_id
             WHERE o.kind = 'checkin' AND o.record_version = 1 AND o.envelope IS NULL
               AND c.deleted_at IS NULL",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if unsent.is_empty() {
        return Ok(());
    }
    let mut held = read_held(tx, cipher)?;
    held.extend(unsent.iter().filter_map(|b| Uuid::from_slice(b).ok()));
    write_held(tx, cipher, &held)
}

/// Client leaving, inside its transaction: the pairing the kept set was for
/// is gone.
pub(crate) fn forget_kept(tx: &Transaction<'_>, cipher: &RowCipher) -> Result<(), Error> {
    write_sealed::<Vec<[u8; 16]>>(tx, cipher, KEPT, None)
}

/// The live held check-ins not kept from the current therapist: what a join
/// or a resume offers.
fn offered(conn: &Connection, cipher: &RowCipher) -> Result<BTreeSet<Uuid>, Error> {
    let kept = read_ids(conn, cipher, KEPT)?;
    let mut offered = BTreeSet::new();
    let mut live =
        conn.prepare_cached("SELECT 1 FROM checkins WHERE id = ?1 AND deleted_at IS NULL")?;
    for id in read_held(conn, cipher)? {
        if !kept.contains(&id) && live.exists(params![id.as_bytes()])? {
            offered.insert(id);
        }
    }
    Ok(offered)
}

fn summarise(conn: &Connection, ids: &BTreeSet<Uuid>) -> Result<HeldCheckIns, Error> {
    let mut summary = HeldCheckIns::default();
    let mut date = conn.prepare_cached("SELECT session_date FROM checkins WHERE id = ?1")?;
    for id in ids {
        let Some(text) = date
            .query_row(params![id.as_bytes()], |r| r.get::<_, String>(0))
            .optional()?
        else {
            continue;
        };
        summary.count += 1;
        if let Ok(day) = NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            summary.first_session = Some(summary.first_session.map_or(day, |d| d.min(day)));
            summary.last_session = Some(summary.last_session.map_or(day, |d| d.max(day)));
        }
    }
    Ok(summary)
}

/// Every check-in this phone has, live or deleted.
fn all_ids(conn: &Connection) -> Result<BTreeSet<Uuid>, Error> {
    Ok(conn
        .prepare("SELECT id FROM checkins")?
        .query_map([], |r| r.get::<_, Vec<u8>>(0))?
        .filter_map(|r| r.ok().and_then(|b| Uuid::from_slice(&b).ok()))
        .collect())
}

/// Queues the current version of each check-in that has nothing waiting to
/// be sent (its entry went when an earlier pairing ended).
fn ensure_queued(
    tx: &Transaction<'_>,
    ids: &BTreeSet<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    for id in ids {
        let waiting = tx
            .prepare_cached("SELECT 1 FROM outbox WHERE record_id = ?1")?
            .exists(params![id.as_bytes()])?;
        if waiting {
            continue;
        }
        let version: Option<u32> = tx
            .query_row(
                "SELECT version FROM checkins WHERE id = ?1 AND deleted_at IS NULL",
                params![id.as_bytes()],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(version) = version {
            queue(tx, *id, version, OutboxKind::CheckIn, now)?;
        }
    }
    Ok(())
}

/// Drops whatever waits to be sent of these check-ins.
fn drop_queued(tx: &Transaction<'_>, ids: &BTreeSet<Uuid>) -> Result<(), Error> {
    let mut delete = tx.prepare_cached("DELETE FROM outbox WHERE record_id = ?1")?;
    for id in ids {
        delete.execute(params![id.as_bytes()])?;
    }
    Ok(())
}

fn read_ids(
    conn: &Connection,
    cipher: &RowCipher,
    name: &'static str,
) -> Result<BTreeSet<Uuid>, Error> {
    let ids: Option<Vec<[u8; 16]>> = read_sealed(conn, cipher, name)?;
    Ok(ids
        .unwrap_or_default()
        .into_iter()
        .map(Uuid::from_bytes)
        .collect())
}

fn write_ids(
    tx: &Transaction<'_>,
    cipher: &RowCipher,
    name: &'static str,
    ids: &BTreeSet<Uuid>,
) -> Result<(), Error> {
    let bytes: Vec<[u8; 16]> = ids.iter().map(|id| *id.as_bytes()).collect();
    if bytes.is_empty() {
        write_sealed::<Vec<[u8; 16]>>(tx, cipher, name, None)
    } else {
        write_sealed(tx, cipher, name, Some(&bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{KeySource, Passphrase};
    use crate::model::{CheckInDraft, Instruments};

    fn record(store: &mut Store) -> Uuid {
        let instruments = Instruments::bundled().unwrap();
        let instrument = instruments.current().unwrap().reference.clone();
        store
            .record(CheckInDraft {
                instrument,
                session_date: Utc::now().date_naive(),
                answers: [("heard".into(), 4), ("hopeful".into(), 4)].into(),
                note: None,
                support_requested: false,
                goal_ratings: Default::default(),
            })
            .unwrap()
            .id
    }

    #[test]
    fn each_held_check_in_is_its_own_sealed_row_and_the_first_form_is_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(
            dir.path().join("c.db"),
            KeySource::Passphrase(Passphrase::new("p").with_work_factor(1)),
        )
        .unwrap();
        let ids: Vec<Uuid> = (0..3).map(|_| record(&mut store)).collect();
        assert_eq!(store.held_checkins().unwrap().count, 3);
        let rows: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM meta WHERE name >= ?1 AND name < ?2",
                params![HELD_PREFIX, HELD_END],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rows, 3, "one row per check-in, not one rewritten set");

        // The set as the first build kept it, one row, is read with the rows.
        let tx = store.conn.transaction().unwrap();
        let name = format!("{HELD_PREFIX}{}", ids[0].simple());
        tx.execute("DELETE FROM meta WHERE name = ?1", params![name])
            .unwrap();
        write_ids(&tx, &store.cipher, HELD, &BTreeSet::from([ids[0]])).unwrap();
        tx.commit().unwrap();
        assert_eq!(store.held_checkins().unwrap().count, 3);

        // A row's sealed value under another id's name does not open.
        let value = |n: &str, store: &Store| -> Vec<u8> {
            store
                .conn
                .query_row("SELECT value FROM meta WHERE name = ?1", params![n], |r| {
                    r.get(0)
                })
                .unwrap()
        };
        let (a, b) = (
            format!("{HELD_PREFIX}{}", ids[1].simple()),
            format!("{HELD_PREFIX}{}", ids[2].simple()),
        );
        let b_value = value(&b, &store);
        store
            .conn
            .execute(
                "UPDATE meta SET value = ?2 WHERE name = ?1",
                params![a, b_value],
            )
            .unwrap();
        assert!(store.held_checkins().is_err());
    }
}
