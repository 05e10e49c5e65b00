//! The row format: stores sealed with XChaCha20-Poly1305 (format 1, every
//! committed fixture) open, and their check-ins are re-sealed in the current
//! format (AES-256-GCM-SIV, format 2) once, keeping their content.

mod common;

use common::{fixture, fixture_key, open};
use rusqlite::Connection;

/// The format byte of every live check-in's sealed column, and of the key check.
fn formats(path: &std::path::Path) -> (Vec<u8>, u8) {
    let conn = Connection::open(path).unwrap();
    let checkins = conn
        .prepare("SELECT sealed FROM checkins WHERE sealed IS NOT NULL ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .unwrap()
        .map(|s| s.unwrap()[0])
        .collect();
    let key_check = conn
        .query_row("SELECT key_check FROM keyring WHERE id = 1", [], |r| {
            r.get::<_, Vec<u8>>(0)
        })
        .unwrap()[0];
    (checkins, key_check)
}

#[test]
fn a_store_of_the_old_format_is_resealed_once_and_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture(dir.path(), "schema-v8-client.db");
    let (before, key_check) = formats(&path);
    assert!(!before.is_empty(), "the fixture has live check-ins");
    assert!(
        before.iter().all(|&f| f == 1) && key_check == 1,
        "the fixture is of the old format: {before:?} {key_check}"
    );

    let first = open(&path, fixture_key()).history(None, 100).unwrap();
    assert_eq!(first.checkins.len(), before.len());
    let (after, key_check) = formats(&path);
    assert!(
        after.iter().all(|&f| f == 2) && key_check == 2,
        "re-sealed in the new format: {after:?} {key_check}"
    );

    // Opening again reads the re-sealed rows: the same check-ins.
    let again = open(&path, fixture_key()).history(None, 100).unwrap();
    assert_eq!(again, first);
}
