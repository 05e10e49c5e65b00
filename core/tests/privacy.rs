//! What an attacker holding the database files can and cannot learn or change.

mod common;

use common::*;
use rapport_core::{Error, KeySource, MemorySecretStore, Note, NoteVisibility, StoreError};
use std::sync::Arc;

/// Unique strings no real file would contain by chance.
fn marker(i: usize) -> String {
    format!("MARKER-q7Zx-{i:04}-secret")
}

#[test]
fn no_answer_or_note_is_readable_in_the_database_or_wal() {
    for keys in [
        passphrase("pw"),
        KeySource::SecretStore(Arc::new(MemorySecretStore::new())),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("client.db");
        let mut store = open(&path, keys.clone());
        let mut ids = Vec::new();
        for i in 0..40 {
            let mut d = draft(1 + (i % 5) as u8, 5 - (i % 5) as u8, Some(&marker(i)));
            d.answers.insert("worked_on".into(), 3);
            d.answers.insert("fit".into(), 2);
            if i % 2 == 0 {
                d.note = Some(Note {
                    text: marker(i),
                    visibility: NoteVisibility::Private,
                });
            }
            ids.push(store.record(d).unwrap().id);
        }
        // Edits and deletes too: old versions must not linger in plaintext.
        for (i, id) in ids.iter().enumerate().take(10) {
            store
                .edit(*id, draft(2, 2, Some(&marker(100 + i))))
                .unwrap();
        }
        for id in ids.iter().skip(30) {
            store.delete(*id).unwrap();
        }

        // While the store is open, the WAL holds the recent pages.
        let open_files = all_bytes(dir.path());
        assert!(
            open_files.iter().any(|(name, _)| name.ends_with("-wal")),
            "expected a WAL file while open: {:?}",
            open_files.iter().map(|(n, _)| n).collect::<Vec<_>>()
        );
        drop(store);
        let closed_files = all_bytes(dir.path());

        // Item ids would appear next to every rating if answers were stored
        // in the clear; the markers are the notes.
        let mut needles: Vec<String> = (0..40).map(marker).collect();
        needles.extend((100..110).map(marker));
        needles.extend(["heard", "hopeful", "worked_on", "MARKER-q7Zx"].map(String::from));
        for (name, bytes) in open_files.iter().chain(&closed_files) {
            assert!(!bytes.is_empty() || name.ends_with("-shm") || name.ends_with("-wal"));
            for needle in &needles {
                assert!(
                    !contains(bytes, needle.as_bytes()),
                    "{needle:?} found in plaintext in {name}"
                );
            }
        }
        // The test would notice plaintext: the markers are real content.
        let store = open(&path, keys);
        let texts: Vec<_> = store
            .history(None, 100)
            .unwrap()
            .checkins
            .into_iter()
            .filter_map(|c| c.note.map(|n| n.text))
            .collect();
        assert!(texts.contains(&marker(100)) && texts.contains(&marker(29)));
    }
}

/// Runs `sql` on the raw file, as someone with the file but not the key could.
fn tamper(path: &std::path::Path, sql: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(sql).unwrap();
}

#[test]
fn swapping_the_ciphertext_of_two_rows_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let (good, bad) = {
        let mut store = open(&path, passphrase("pw"));
        (
            store.record(draft(5, 5, Some("went well"))).unwrap(),
            store.record(draft(1, 1, Some("went badly"))).unwrap(),
        )
    };
    tamper(
        &path,
        &format!(
            "CREATE TEMP TABLE saved AS SELECT id, sealed FROM checkins;
             UPDATE checkins SET sealed = (SELECT sealed FROM saved WHERE id = x'{b}')
                 WHERE id = x'{g}';
             UPDATE checkins SET sealed = (SELECT sealed FROM saved WHERE id = x'{g}')
                 WHERE id = x'{b}';",
            g = good.id.simple(),
            b = bad.id.simple()
        ),
    );
    let store = open(&path, passphrase("pw"));
    for id in [good.id, bad.id] {
        match store.get(id).unwrap_err() {
            Error::Store(StoreError::Tampered { table, row }) => {
                assert_eq!((table, row), ("checkins", id.to_string()));
            }
            other => panic!("expected Tampered, got {other:?}"),
        }
    }
    assert!(matches!(
        store.history(None, 10).unwrap_err(),
        Error::Store(StoreError::Tampered { .. })
    ));
}

#[test]
fn rolling_a_row_back_to_an_older_version_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let id = {
        let mut store = open(&path, passphrase("pw"));
        let c = store.record(draft(1, 1, None)).unwrap();
        store.edit(c.id, draft(4, 4, None)).unwrap();
        c.id
    };
    tamper(&path, "UPDATE checkins SET version = 1");
    assert!(matches!(
        open(&path, passphrase("pw")).get(id).unwrap_err(),
        Error::Store(StoreError::Tampered { .. })
    ));
}

#[test]
fn moving_a_checkin_to_another_session_date_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let id = open(&path, passphrase("pw"))
        .record(draft(2, 2, None))
        .unwrap()
        .id;
    tamper(&path, "UPDATE checkins SET session_date = '2026-11-01'");
    assert!(matches!(
        open(&path, passphrase("pw")).get(id).unwrap_err(),
        Error::Store(StoreError::Tampered { .. })
    ));
}

#[test]
fn a_swapped_key_row_is_detected_as_the_wrong_key() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.db");
    let b = dir.path().join("b.db");
    drop(open(&a, passphrase("pw")));
    drop(open(&b, passphrase("pw")));
    // Same passphrase, but b's wrapped key planted into a.
    let wrapped: Vec<u8> = rusqlite::Connection::open(&b)
        .unwrap()
        .query_row("SELECT wrapped_key FROM keyring", [], |r| r.get(0))
        .unwrap();
    let conn = rusqlite::Connection::open(&a).unwrap();
    conn.execute("UPDATE keyring SET wrapped_key = ?1", [wrapped])
        .unwrap();
    drop(conn);
    assert!(matches!(
        rapport_core::Store::open(&a, passphrase("pw")).unwrap_err(),
        Error::Key(rapport_core::KeyError::WrongKey)
    ));
}
