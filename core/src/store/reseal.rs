//! Re-sealing rows written in the legacy row format (XChaCha20-Poly1305,
//! format 1) in the current one (AES-256-GCM-SIV, format 2), once, when a
//! store from before the change is first opened.
//!
//! The key check is the marker: it is re-sealed in the same transaction as
//! the check-ins, so a store whose key check is current has nothing left to
//! do, and opening it costs no scan. Check-ins are what a history lists by
//! the thousand; rows of other tables still open in format 1 and are written
//! in format 2 the next time they change.

use rusqlite::{Connection, TransactionBehavior, params};
use uuid::Uuid;

use super::checkins::{checkin_bound, content_address};
use super::keyring::{KEY_CHECK, check_address};
use crate::crypto::RowCipher;
use crate::error::Error;

/// A check-in row as re-sealing reads it: id, instrument id and version,
/// session date, version, sealed value.
type SealedRow = (Vec<u8>, String, u32, String, u32, Vec<u8>);

/// Re-seals every legacy check-in and then the key check, in one
/// transaction; returns how many check-ins it re-sealed. A legacy check-in
/// that does not open (tampered) is left as it is, so that reading it still
/// reports the tampering.
pub(crate) fn reseal_legacy(
    conn: &mut Connection,
    cipher: &RowCipher,
    database_id: &Uuid,
) -> Result<usize, Error> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let legacy: Vec<SealedRow> = tx
        .prepare(
            "SELECT id, instrument_id, instrument_version, session_date, version, sealed
             FROM checkins WHERE sealed IS NOT NULL AND substr(sealed, 1, 1) = x'01'",
        )?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut resealed = 0;
    for (id, instrument_id, instrument_version, session_date, version, sealed) in legacy {
        let bound = checkin_bound(&instrument_id, instrument_version, &session_date);
        let address = content_address(&id, version, &bound);
        let Ok(plaintext) = cipher.open(&address, &sealed) else {
            continue;
        };
        let plaintext = zeroize::Zeroizing::new(plaintext);
        tx.prepare_cached("UPDATE checkins SET sealed = ?2 WHERE id = ?1 AND version = ?3")?
            .execute(params![id, cipher.seal(&address, &plaintext)?, version])?;
        resealed += 1;
    }
    tx.execute(
        "UPDATE keyring SET key_check = ?1 WHERE id = 1",
        params![cipher.seal(&check_address(database_id), KEY_CHECK)?],
    )?;
    tx.commit()?;
    Ok(resealed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{KeySource, MemorySecretStore};
    use crate::model::{CheckInDraft, InstrumentRef, Note, NoteVisibility};
    use crate::store::Store;
    use crate::{Error, StoreError};
    use chrono::NaiveDate;
    use std::sync::Arc;

    fn draft(day: u32, note: &str) -> CheckInDraft {
        CheckInDraft {
            instrument: InstrumentRef {
                id: "session-checkin".into(),
                version: 1,
            },
            session_date: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
            answers: [("heard".into(), 4), ("hopeful".into(), 2)].into(),
            note: Some(Note {
                text: note.into(),
                visibility: NoteVisibility::Shared,
            }),
            support_requested: false,
            goal_ratings: Default::default(),
        }
    }

    /// Rewrites every check-in and the key check of `store` in the legacy
    /// format, as a store from before format 2 holds them.
    fn make_legacy(store: &mut Store) {
        let rows: Vec<SealedRow> = store
            .conn
            .prepare(
                "SELECT id, instrument_id, instrument_version, session_date, version, sealed
                 FROM checkins",
            )
            .unwrap()
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for (id, instrument, instrument_version, date, version, sealed) in rows {
            let bound = checkin_bound(&instrument, instrument_version, &date);
            let address = content_address(&id, version, &bound);
            let plaintext = store.cipher.open(&address, &sealed).unwrap();
            let legacy = store.cipher.seal_legacy(&address, &plaintext).unwrap();
            store
                .conn
                .execute(
                    "UPDATE checkins SET sealed = ?2 WHERE id = ?1",
                    params![id, legacy],
                )
                .unwrap();
        }
        let check = store
            .cipher
            .seal_legacy(&check_address(&store.database_id), KEY_CHECK)
            .unwrap();
        store
            .conn
            .execute("UPDATE keyring SET key_check = ?1", params![check])
            .unwrap();
    }

    fn format_bytes(store: &Store) -> Vec<u8> {
        store
            .conn
            .prepare("SELECT sealed FROM checkins ORDER BY session_date")
            .unwrap()
            .query_map([], |r| r.get::<_, Vec<u8>>(0))
            .unwrap()
            .map(|s| s.unwrap()[0])
            .collect()
    }

    #[test]
    fn legacy_checkins_are_resealed_on_open_and_a_tampered_one_stays_tampered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let keys = Arc::new(MemorySecretStore::new());
        let mut store = Store::open(&path, KeySource::SecretStore(keys.clone())).unwrap();
        let kept = store.record(draft(2, "kept")).unwrap();
        let swapped = store.record(draft(9, "swapped")).unwrap();
        store.record(draft(16, "other")).unwrap();
        make_legacy(&mut store);
        assert_eq!(format_bytes(&store), [1, 1, 1]);
        // An attacker moves the third row's legacy ciphertext into the second.
        store
            .conn
            .execute(
                "UPDATE checkins SET sealed = (SELECT sealed FROM checkins
                   WHERE session_date = '2026-11-16') WHERE session_date = '2026-11-09'",
                [],
            )
            .unwrap();
        drop(store);

        let store = Store::open(&path, KeySource::SecretStore(keys.clone())).unwrap();
        // The moved value did not open, so it was not re-sealed (which would
        // have laundered it): it still reads as tampered.
        assert_eq!(format_bytes(&store), [2, 1, 2]);
        assert!(matches!(
            store.get(swapped.id),
            Err(Error::Store(StoreError::Tampered { .. }))
        ));
        match store.get(kept.id).unwrap() {
            Some(crate::model::CheckInRecord::Live(checkin)) => {
                assert_eq!((checkin.answers, checkin.note), (kept.answers, kept.note))
            }
            other => panic!("{other:?}"),
        }
        // The key check is current now, marking the store as done.
        let key_check: Vec<u8> = store
            .conn
            .query_row("SELECT key_check FROM keyring", [], |r| r.get(0))
            .unwrap();
        assert_eq!(key_check[0], 2);
    }
}
