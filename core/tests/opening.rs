//! Opening a store: keys, foreign files, damage, newer files and upgrades.

mod common;

use std::sync::Arc;

use chrono::NaiveDate;
use common::*;
use rapport_core::store::{APPLICATION_ID, LATEST_VERSION};
use rapport_core::{
    CheckInRecord, Error, KeyError, KeySource, MemorySecretStore, SecretStore, Store, StoreError,
};

fn keystore() -> Arc<MemorySecretStore> {
    Arc::new(MemorySecretStore::new())
}

#[test]
fn a_wrong_passphrase_is_refused_clearly_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let id = open(&path, passphrase("right"))
        .record(draft(4, 4, None))
        .unwrap()
        .id;
    let err = Store::open(&path, passphrase("wrong")).unwrap_err();
    assert!(matches!(err, Error::Key(KeyError::WrongPassphrase)));
    assert!(err.to_string().contains("wrong passphrase"));
    // The data is still there for the right passphrase.
    assert!(open(&path, passphrase("right")).get(id).unwrap().is_some());
}

#[test]
fn an_empty_passphrase_is_refused_for_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let err = Store::open(dir.path().join("c.db"), passphrase("")).unwrap_err();
    assert!(matches!(err, Error::Key(KeyError::EmptyPassphrase)));
}

#[test]
fn a_keystore_database_opens_with_its_keystore_entry_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let keys = keystore();
    let id = open(&path, KeySource::SecretStore(keys.clone()))
        .record(draft(5, 5, None))
        .unwrap()
        .id;

    // Reopens with the same keystore.
    let store = open(&path, KeySource::SecretStore(keys.clone()));
    assert!(matches!(
        store.get(id).unwrap(),
        Some(CheckInRecord::Live(_))
    ));
    let name = format!("rapport.data-key.{}", store.database_id());
    drop(store);

    // A restored phone without the keystore entry gets a clear error.
    let err = Store::open(&path, KeySource::SecretStore(keystore())).unwrap_err();
    assert!(matches!(err, Error::Key(KeyError::MissingKey { name: n }) if n == name));

    // A different key under that name is detected, not misread.
    let other = keystore();
    other.put(&name, &[7u8; 32]).unwrap();
    let err = Store::open(&path, KeySource::SecretStore(other)).unwrap_err();
    assert!(matches!(err, Error::Key(KeyError::WrongKey)));

    // So is a passphrase offered to a keystore database.
    let err = Store::open(&path, passphrase("pw")).unwrap_err();
    assert!(matches!(
        err,
        Error::Key(KeyError::KeySourceMismatch {
            expected: "the device keystore"
        })
    ));
}

#[test]
fn a_keystore_offered_to_a_passphrase_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    drop(open(&path, passphrase("pw")));
    let err = Store::open(&path, KeySource::SecretStore(keystore())).unwrap_err();
    assert!(matches!(
        err,
        Error::Key(KeyError::KeySourceMismatch {
            expected: "a passphrase"
        })
    ));
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    let content = b"shopping list: milk, eggs, bread, and something long enough";
    std::fs::write(&path, content).unwrap();
    let err = Store::open(&path, passphrase("pw")).unwrap_err();
    assert!(
        matches!(err, Error::Store(StoreError::NotARapportDatabase { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("is not a Rapport database"));
    assert_eq!(std::fs::read(&path).unwrap(), content);
}

#[test]
fn another_applications_sqlite_database_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup');",
        )
        .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path, passphrase("pw")).unwrap_err();
    assert!(matches!(
        err,
        Error::Store(StoreError::NotARapportDatabase { .. })
    ));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_database_from_a_newer_app_is_refused_without_being_changed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    drop(open(&path, passphrase("pw")));
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!("PRAGMA user_version = {}", LATEST_VERSION + 1))
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path, passphrase("pw")).unwrap_err();
    match &err {
        Error::Store(StoreError::NewerDatabase { found, supported }) => {
            assert_eq!((*found, *supported), (LATEST_VERSION + 1, LATEST_VERSION));
        }
        other => panic!("expected NewerDatabase, got {other:?}"),
    }
    assert!(err.to_string().contains("update the app"));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_damaged_database_gives_a_typed_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    {
        let mut store = open(&path, passphrase("pw"));
        for i in 0..200 {
            store
                .record(draft(3, 3, Some(&format!("note {i} {}", "x".repeat(200)))))
                .unwrap();
        }
    }
    // Scribble over everything after the first page (the schema page survives,
    // so SQLite recognises the file and then finds its tables broken).
    let mut bytes = std::fs::read(&path).unwrap();
    let page_size = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
    for (i, b) in bytes.iter_mut().enumerate().skip(page_size) {
        *b = (i * 7 % 251) as u8;
    }
    std::fs::write(&path, &bytes).unwrap();

    let result = Store::open(&path, passphrase("pw")).and_then(|s| s.history(None, 500).map(drop));
    let err = result.unwrap_err();
    assert!(
        matches!(err, Error::Store(StoreError::Corrupt { .. })),
        "expected Corrupt, got {err:?}"
    );
    assert!(err.to_string().contains("damaged"));
}

#[test]
fn the_schema_v1_fixture_upgrades_and_keeps_every_checkin() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/schema-v1.db"),
        &path,
    )
    .unwrap();
    let version = |path: &std::path::Path| -> i64 {
        rusqlite::Connection::open(path)
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(version(&path), 1);

    let mut store = open(&path, passphrase("fixture passphrase"));
    let got: Vec<_> = store
        .history(None, 100)
        .unwrap()
        .checkins
        .into_iter()
        .map(|c| {
            (
                c.session_date,
                c.answers.into_iter().collect::<Vec<_>>(),
                c.note.map(|n| n.text),
                c.version,
            )
        })
        .collect();
    let date = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    let answers = |pairs: &[(&str, u8)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        got,
        vec![
            (
                date(16),
                answers(&[("heard", 5), ("hopeful", 4)]),
                Some("we found the thread".to_string()),
                1
            ),
            (
                date(9),
                answers(&[("fit", 5), ("heard", 4), ("hopeful", 4)]),
                None,
                2
            ),
            (
                date(2),
                answers(&[("heard", 2), ("hopeful", 1)]),
                Some("first session, felt rushed".to_string()),
                1
            ),
        ]
    );
    // They answered edition 1, and are shown with its words.
    let history = store.history(None, 100).unwrap().checkins;
    assert!(history.iter().all(|c| c.instrument.version == 1));
    let form = rapport_core::model::CheckInForm::of_edition(
        store.instruments(),
        &history[0].instrument,
        "en",
    )
    .unwrap();
    assert_eq!(form.items[1].prompt, "I leave feeling more hopeful");
    // The queued changes survive with their new retry bookkeeping.
    let outbox = store.pending_outbox(100).unwrap();
    assert_eq!(outbox.len(), 6);
    assert!(outbox.iter().all(|e| e.attempts == 0));
    // And the upgraded store works as a new one, new check-ins answering
    // the current edition beside the old ones.
    let new = store.record(draft(4, 4, None)).unwrap();
    assert_eq!(new.instrument.version, 2);
    assert_eq!(store.history(None, 100).unwrap().checkins.len(), 4);
    drop(store);
    assert_eq!(version(&path), LATEST_VERSION);
    let app_id: i32 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app_id, APPLICATION_ID);
}

#[test]
fn a_wrong_passphrase_on_the_v1_fixture_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/schema-v1.db"),
        &path,
    )
    .unwrap();
    let err = Store::open(&path, passphrase("not it")).unwrap_err();
    assert!(matches!(err, Error::Key(KeyError::WrongPassphrase)));
    assert_eq!(
        open(&path, passphrase("fixture passphrase"))
            .history(None, 10)
            .unwrap()
            .checkins
            .len(),
        3
    );
}

/// The released v4 homes (a therapist and a client who had synced, written by
/// the v4 code: see `fixtures/write_v4.rs.txt`) upgrade to the current schema
/// with everything readable, and the new features work on the old data.
#[test]
fn the_schema_v4_fixtures_upgrade_with_sync_state_and_gain_insights() {
    let dir = tempfile::tempdir().unwrap();
    let copy = |name: &str| fixture(dir.path(), name);
    let therapist_path = copy("schema-v4-therapist.db");
    let client_path = copy("schema-v4-client.db");
    let key = || passphrase("fixture passphrase");

    let therapist = open(&therapist_path, key());
    let account = therapist.account().unwrap().unwrap();
    assert_eq!(account.name, "Dr. Fixture");
    let dashboard = therapist.dashboard().unwrap();
    assert_eq!(dashboard.len(), 1);
    assert_eq!(dashboard[0].label, "R.K.");
    let notes: Vec<_> = dashboard[0]
        .checkins
        .iter()
        .map(|c| c.body.shared_note.clone())
        .collect();
    assert_eq!(
        notes,
        [Some("first session, felt rushed".into()), None, None]
    );
    assert!(dashboard[0].checkins.iter().all(|c| c.seen));
    // Insights are computed for clients paired before they existed.
    let insights = therapist.insights().unwrap();
    assert_eq!(insights[0].sessions.len(), 3);
    assert_eq!(insights[0].trend, rapport_core::insights::Trend::Improving);
    // A first session at 1 and 2, then 3/3 and 4/4: the difficult first
    // session was followed by a better one, so it resolved itself.
    assert!(insights[0].flags.is_empty(), "{:#?}", insights[0].flags);
    let history = therapist.flags(true).unwrap();
    assert_eq!(
        history[0].kind,
        rapport_core::insights::FlagKind::DifficultFirstSession
    );
    assert!(!history[0].is_open());

    let client = open(&client_path, key());
    let history = client.history(None, 10).unwrap().checkins;
    assert_eq!(history.len(), 4);
    assert_eq!(history.iter().filter(|c| c.seen_at.is_some()).count(), 3);
    assert!(history.iter().all(|c| !c.support_requested));
    assert!(history.iter().any(|c| c.note.as_ref().is_some_and(|n| {
        n.text == "private v4 fixture note" && n.visibility == rapport_core::NoteVisibility::Private
    })));
    assert_eq!(client.pending_outbox(10).unwrap().len(), 1);
    assert_eq!(
        client.account().unwrap().unwrap().relay_url,
        "https://relay.example.org"
    );
}
