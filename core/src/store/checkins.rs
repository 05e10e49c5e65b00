//! Recording, editing, deleting and listing check-ins.
//!
//! Every change writes the row and an outbox entry in one transaction, so the
//! sync engine can never miss a change nor send one that was rolled back.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};
use uuid::Uuid;

use super::account::require_current_consent;
use super::holding::{deletion_is_sent, hold_if_not_sharing, is_kept};
use super::outbox::{OutboxKind, queue};
use super::{Store, codec};
use crate::crypto::{OpenBuffers, RowAddress, RowCipher, RowOpenError};
use crate::error::{Error, StoreError};
use crate::model::{CheckIn, CheckInDraft, CheckInRecord, InstrumentRef, Tombstone};

/// The most check-ins one history page returns.
pub const MAX_PAGE: u32 = 1000;

const TABLE: &str = "checkins";
const DATE_FORMAT: &str = "%Y-%m-%d";

/// Where the next history page starts: just after this check-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryCursor {
    /// Session date of the last check-in on the previous page.
    pub session_date: NaiveDate,
    /// Its id (breaks ties between check-ins of the same day).
    pub id: Uuid,
}

/// One page of a client's history, newest session first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPage {
    /// The check-ins on this page.
    pub checkins: Vec<CheckIn>,
    /// Where the next page starts, or `None` on the last page.
    pub next: Option<HistoryCursor>,
}

/// The cleartext columns a check-in's sealed column is bound to, as stored
/// (session date as `YYYY-MM-DD`): moving the ciphertext to another instrument
/// or session date breaks it. Public so tools can open rows the same way.
pub fn checkin_bound(instrument_id: &str, instrument_version: u32, session_date: &str) -> Vec<u8> {
    let mut bound = Vec::new();
    write_checkin_bound(instrument_id, instrument_version, session_date, &mut bound);
    bound
}

/// Replaces what `bound` holds with [`checkin_bound`], reusing its
/// allocation (a listing builds one per row).
pub fn write_checkin_bound(
    instrument_id: &str,
    instrument_version: u32,
    session_date: &str,
    bound: &mut Vec<u8>,
) {
    use std::io::Write as _;
    bound.clear();
    bound.reserve(instrument_id.len() + session_date.len() + 12);
    bound.extend_from_slice(instrument_id.as_bytes());
    bound.push(0);
    // Writing into a Vec cannot fail.
    let _ = write!(bound, "{instrument_version}");
    bound.push(0);
    bound.extend_from_slice(session_date.as_bytes());
}

/// Where a check-in's content is sealed: its row id and version, and the
/// cleartext columns of [`checkin_bound`].
pub(crate) fn content_address<'a>(id: &'a [u8], version: u32, bound: &'a [u8]) -> RowAddress<'a> {
    RowAddress {
        table: TABLE,
        row_id: id,
        version,
        bound,
    }
}

impl Store {
    /// Validates and stores a new check-in, queueing it for sync; one made
    /// while not sharing (not paired, paused, or the pairing ended) is held
    /// on the phone until the client chooses to share it
    /// ([`Store::held_checkins`]). Goal ratings may rate only the client's
    /// active goals. A joined client who accepted an older consent text is
    /// refused ([`crate::Error::ConsentOutdated`]) until they accept the
    /// current one.
    pub fn record(&mut self, draft: CheckInDraft) -> Result<CheckIn, Error> {
        let now = self.options.clock.now();
        let draft = draft.validate(&self.options.instruments, now)?;
        if !draft.goal_ratings.is_empty() {
            self.check_rated_goals(&draft.goal_ratings, &Default::default())?;
        }
        let checkin = CheckIn {
            id: Uuid::now_v7(),
            instrument: draft.instrument,
            session_date: draft.session_date,
            answers: draft.answers,
            note: draft.note,
            support_requested: draft.support_requested,
            goal_ratings: draft.goal_ratings,
            created_at: now,
            updated_at: now,
            version: 1,
            seen_at: None,
        };
        let sealed = seal(&self.cipher, &checkin)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        require_current_consent(&tx)?;
        tx.prepare_cached(
            "INSERT INTO checkins (id, instrument_id, instrument_version, session_date, version,
                                   created_at, updated_at, sealed)
             VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5, ?6)",
        )?
        .execute(params![
            checkin.id.as_bytes(),
            checkin.instrument.id,
            checkin.instrument.version,
            date_text(checkin.session_date),
            now.timestamp_millis(),
            sealed,
        ])?;
        queue(&tx, checkin.id, 1, OutboxKind::CheckIn, now)?;
        hold_if_not_sharing(&tx, &self.cipher, checkin.id)?;
        tx.commit()?;
        Ok(checkin)
    }

    /// Replaces a check-in's content with `draft`, as a new version (refused
    /// like [`Store::record`] while the consent accepted is outdated). Goal
    /// ratings may rate the client's active goals, and those the check-in
    /// rated before (archived since, perhaps).
    pub fn edit(&mut self, id: Uuid, draft: CheckInDraft) -> Result<CheckIn, Error> {
        let now = self.options.clock.now();
        let draft = draft.validate(&self.options.instruments, now)?;
        if !draft.goal_ratings.is_empty() {
            let before = match self.get(id)? {
                Some(CheckInRecord::Live(before)) => before.goal_ratings,
                _ => Default::default(),
            };
            self.check_rated_goals(&draft.goal_ratings, &before)?;
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        require_current_consent(&tx)?;
        let (version, created_at) = live_version(&tx, id)?;
        let checkin = CheckIn {
            id,
            instrument: draft.instrument,
            session_date: draft.session_date,
            answers: draft.answers,
            note: draft.note,
            support_requested: draft.support_requested,
            goal_ratings: draft.goal_ratings,
            created_at,
            updated_at: now,
            version: version + 1,
            seen_at: None,
        };
        let sealed = seal(&self.cipher, &checkin)?;
        tx.prepare_cached(
            "UPDATE checkins SET instrument_id = ?2, instrument_version = ?3, session_date = ?4,
                                 version = ?5, updated_at = ?6, sealed = ?7
             WHERE id = ?1",
        )?
        .execute(params![
            id.as_bytes(),
            checkin.instrument.id,
            checkin.instrument.version,
            date_text(checkin.session_date),
            checkin.version,
            now.timestamp_millis(),
            sealed,
        ])?;
        // A check-in kept from this therapist stays kept, edits and all.
        if !is_kept(&tx, &self.cipher, id)? {
            queue(&tx, id, checkin.version, OutboxKind::CheckIn, now)?;
        }
        tx.commit()?;
        Ok(checkin)
    }

    /// Deletes a check-in: its content is erased (and, with secure delete,
    /// overwritten on disk) and a tombstone is queued so other devices delete
    /// their copy. Deleting a deleted check-in returns the existing tombstone.
    pub fn delete(&mut self, id: Uuid) -> Result<Tombstone, Error> {
        let now = self.options.clock.now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (version, _) = match live_version(&tx, id) {
            Ok(found) => found,
            Err(Error::Store(StoreError::CheckInDeleted { .. })) => {
                drop(tx);
                return match self.get(id)? {
                    Some(CheckInRecord::Deleted(tombstone)) => Ok(tombstone),
                    _ => Err(StoreError::CheckInNotFound { id }.into()),
                };
            }
            Err(e) => return Err(e),
        };
        let tombstone = Tombstone {
            id,
            version: version + 1,
            deleted_at: now,
        };
        tx.prepare_cached(
            "UPDATE checkins SET version = ?2, updated_at = ?3, deleted_at = ?3, sealed = NULL
             WHERE id = ?1",
        )?
        .execute(params![
            id.as_bytes(),
            tombstone.version,
            now.timestamp_millis()
        ])?;
        // The therapist's reply answered this check-in; it goes with it.
        tx.prepare_cached("DELETE FROM replies WHERE record_id = ?1")?
            .execute(params![id.as_bytes()])?;
        // Nothing to tell a therapist that never had it.
        if deletion_is_sent(&tx, &self.cipher, id)? {
            queue(&tx, id, tombstone.version, OutboxKind::Tombstone, now)?;
        }
        tx.commit()?;
        Ok(tombstone)
    }

    /// The check-in with this id, live or deleted, if the store has it.
    pub fn get(&self, id: Uuid) -> Result<Option<CheckInRecord>, Error> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS}, deleted_at FROM checkins WHERE id = ?1"
        ))?;
        let mut rows = stmt.query(params![id.as_bytes()])?;
        let Some(row) = rows.next()? else {
            return Ok(None);
        };
        let raw = RawCheckIn::from_row(row)?;
        match row.get::<_, Option<i64>>(10)? {
            Some(deleted_at) => Ok(Some(CheckInRecord::Deleted(Tombstone {
                id: raw.id()?,
                version: raw.version,
                deleted_at: raw.timestamp(deleted_at)?,
            }))),
            None => Ok(Some(CheckInRecord::Live(
                self.open_raw(&raw, &mut RowBuffers::default())?,
            ))),
        }
    }

    /// Check-ins newest session first, `limit` (at most [`MAX_PAGE`]) at a
    /// time, starting after `after` (from the previous page's `next`).
    pub fn history(&self, after: Option<&HistoryCursor>, limit: u32) -> Result<HistoryPage, Error> {
        let limit = limit.clamp(1, MAX_PAGE) as usize;
        // One more than asked for tells whether another page follows.
        let fetch = limit as i64 + 1;
        let (mut stmt, cursor_date);
        let mut rows = match after {
            None => {
                stmt = self.conn.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM checkins WHERE deleted_at IS NULL
                     ORDER BY session_date DESC, id DESC LIMIT ?1"
                ))?;
                stmt.query(params![fetch])?
            }
            Some(cursor) => {
                stmt = self.conn.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM checkins WHERE deleted_at IS NULL
                       AND (session_date, id) < (?1, ?2)
                     ORDER BY session_date DESC, id DESC LIMIT ?3"
                ))?;
                cursor_date = date_text(cursor.session_date);
                stmt.query(params![cursor_date, cursor.id.as_bytes(), fetch])?
            }
        };
        let mut checkins = Vec::with_capacity(limit);
        let mut more = false;
        let mut buffers = RowBuffers::default();
        while let Some(row) = rows.next()? {
            if checkins.len() == limit {
                more = true;
                break;
            }
            // Opened straight from SQLite's buffers: no copy of the row first.
            checkins.push(self.open_raw(&RawCheckIn::from_row(row)?, &mut buffers)?);
        }
        let next = if more {
            checkins.last().map(|last| HistoryCursor {
                session_date: last.session_date,
                id: last.id,
            })
        } else {
            None
        };
        Ok(HistoryPage { checkins, next })
    }

    /// The ids of every live check-in (an id that does not read as one is
    /// skipped, as is a row SQLite fails to read).
    pub(crate) fn live_checkin_ids(&self) -> Result<Vec<Uuid>, Error> {
        Ok(self
            .conn
            .prepare("SELECT id FROM checkins WHERE deleted_at IS NULL")?
            .query_map([], |r| r.get::<_, Vec<u8>>(0))?
            .filter_map(|r| r.ok().and_then(|b| Uuid::from_slice(&b).ok()))
            .collect())
    }

    fn open_raw(&self, raw: &RawCheckIn<'_>, buffers: &mut RowBuffers) -> Result<CheckIn, Error> {
        let id = raw.id()?;
        let unreadable = |detail: String| StoreError::UnreadableRecord {
            table: TABLE,
            row: id.to_string(),
            detail,
        };
        let session_date = parse_date(raw.session_date)
            .ok_or_else(|| unreadable(format!("session date {:?}", raw.session_date)))?;
        let RowBuffers { bound, open } = buffers;
        write_checkin_bound(
            raw.instrument_id,
            raw.instrument_version,
            raw.session_date,
            bound,
        );
        let sealed = raw
            .sealed
            .ok_or_else(|| unreadable("live check-in without content".into()))?;
        let address = content_address(raw.id, raw.version, bound);
        let plaintext = self
            .cipher
            .open_in(&address, sealed, open)
            .map_err(|e| match e {
                RowOpenError::Tampered => StoreError::Tampered {
                    table: TABLE,
                    row: id.to_string(),
                },
                RowOpenError::Malformed => unreadable("sealed value is malformed".into()),
            })?;
        let sealed = codec::decode(plaintext).map_err(unreadable)?;
        Ok(CheckIn {
            id,
            instrument: InstrumentRef {
                id: raw.instrument_id.to_owned(),
                version: raw.instrument_version,
            },
            session_date,
            answers: sealed.answers,
            note: sealed.note,
            support_requested: sealed.support_requested,
            goal_ratings: sealed.goal_ratings,
            created_at: raw.timestamp(raw.created_at)?,
            updated_at: raw.timestamp(raw.updated_at)?,
            version: raw.version,
            seen_at: match (raw.seen_at, raw.seen_version) {
                (Some(at), Some(v)) if v >= raw.version => Some(raw.timestamp(at)?),
                _ => None,
            },
        })
    }
}

fn seal(cipher: &RowCipher, checkin: &CheckIn) -> Result<Vec<u8>, Error> {
    let plaintext = codec::encode(
        &checkin.answers,
        checkin.note.as_ref(),
        checkin.support_requested,
        &checkin.goal_ratings,
    )
    .map_err(|detail| StoreError::UnreadableRecord {
        table: TABLE,
        row: checkin.id.to_string(),
        detail,
    })?;
    let bound = checkin_bound(
        &checkin.instrument.id,
        checkin.instrument.version,
        &date_text(checkin.session_date),
    );
    Ok(cipher.seal(
        &content_address(checkin.id.as_bytes(), checkin.version, &bound),
        &plaintext,
    )?)
}

const COLUMNS: &str = "id, instrument_id, instrument_version, session_date, version, \
                       created_at, updated_at, sealed, seen_at, seen_version";

/// What opening a check-in row needs besides the row, kept from one row of
/// a listing to the next.
#[derive(Default)]
struct RowBuffers {
    bound: Vec<u8>,
    open: OpenBuffers,
}

/// A check-in row as SQLite holds it, borrowed from the statement.
struct RawCheckIn<'r> {
    id: &'r [u8],
    instrument_id: &'r str,
    instrument_version: u32,
    session_date: &'r str,
    version: u32,
    created_at: i64,
    updated_at: i64,
    sealed: Option<&'r [u8]>,
    seen_at: Option<i64>,
    seen_version: Option<u32>,
}

impl<'r> RawCheckIn<'r> {
    fn from_row(row: &'r Row<'_>) -> rusqlite::Result<RawCheckIn<'r>> {
        Ok(RawCheckIn {
            id: row.get_ref(0)?.as_blob()?,
            instrument_id: row.get_ref(1)?.as_str()?,
            instrument_version: row.get(2)?,
            session_date: row.get_ref(3)?.as_str()?,
            version: row.get(4)?,
            created_at: row.get(5)?,
            updated_at: row.get(6)?,
            sealed: row.get_ref(7)?.as_blob_or_null()?,
            seen_at: row.get(8)?,
            seen_version: row.get(9)?,
        })
    }

    fn id(&self) -> Result<Uuid, StoreError> {
        Uuid::from_slice(self.id).map_err(|e| StoreError::UnreadableRecord {
            table: TABLE,
            row: format!("{:02x?}", self.id),
            detail: e.to_string(),
        })
    }

    fn timestamp(&self, millis: i64) -> Result<DateTime<Utc>, StoreError> {
        DateTime::from_timestamp_millis(millis).ok_or_else(|| StoreError::UnreadableRecord {
            table: TABLE,
            row: format!("{:02x?}", self.id),
            detail: format!("timestamp {millis} out of range"),
        })
    }
}

/// Parses the stored `YYYY-MM-DD`. chrono's format-driven parser costs more
/// than decrypting the row, and every history row needs this.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

fn date_text(date: NaiveDate) -> String {
    date.format(DATE_FORMAT).to_string()
}

/// The current version and creation time of a live check-in.
fn live_version(tx: &rusqlite::Transaction<'_>, id: Uuid) -> Result<(u32, DateTime<Utc>), Error> {
    let row: Option<(u32, i64, Option<i64>)> = tx
        .prepare_cached("SELECT version, created_at, deleted_at FROM checkins WHERE id = ?1")?
        .query_row(params![id.as_bytes()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    match row {
        None => Err(StoreError::CheckInNotFound { id }.into()),
        Some((_, _, Some(_))) => Err(StoreError::CheckInDeleted { id }.into()),
        Some((version, created_at, None)) => {
            let created_at = DateTime::from_timestamp_millis(created_at).ok_or_else(|| {
                StoreError::UnreadableRecord {
                    table: TABLE,
                    row: id.to_string(),
                    detail: format!("timestamp {created_at} out of range"),
                }
            })?;
            Ok((version, created_at))
        }
    }
}

/// Whether the check-in `id` is here and not deleted.
pub(crate) fn is_live(tx: &rusqlite::Transaction<'_>, id: &Uuid) -> Result<bool, Error> {
    Ok(tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM checkins WHERE id = ?1 AND deleted_at IS NULL)",
        params![id.as_bytes()],
        |r| r.get(0),
    )?)
}

/// Client, inside the apply transaction: the therapist saw `version` of a
/// check-in at `seen_at`. A receipt for an older version than one already
/// applied changes nothing. Returns how many check-ins changed (0 or 1).
pub(crate) fn mark_checkin_seen(
    tx: &rusqlite::Transaction<'_>,
    id: &Uuid,
    seen_at: DateTime<Utc>,
    version: u32,
) -> Result<usize, Error> {
    Ok(tx.execute(
        "UPDATE checkins SET seen_at = ?2, seen_version = ?3
         WHERE id = ?1 AND (seen_version IS NULL OR seen_version < ?3)",
        params![id.as_bytes(), seen_at.timestamp_millis(), version],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_dates_parse_and_malformed_ones_do_not() {
        assert_eq!(
            parse_date("2026-11-23"),
            NaiveDate::from_ymd_opt(2026, 11, 23)
        );
        assert_eq!(
            parse_date(&date_text(NaiveDate::from_ymd_opt(9, 1, 2).unwrap())),
            NaiveDate::from_ymd_opt(9, 1, 2)
        );
        for bad in [
            "2026-13-01",
            "2026-02-30",
            "2026/11/23",
            "2026-1-023",
            "",
            "२०२६-११-२३",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
