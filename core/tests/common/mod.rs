//! Helpers shared by the store's integration tests.
#![allow(dead_code)]

pub mod scripted;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use rapport_core::{
    CheckInDraft, InstrumentRef, KeySource, ManualClock, Note, NoteVisibility, Passphrase, Store,
    StoreOptions,
};

/// scrypt work factor for tests: fast, still a real age scrypt wrap.
pub const TEST_WORK_FACTOR: u8 = 4;

pub fn passphrase(p: &str) -> KeySource {
    KeySource::Passphrase(Passphrase::new(p).with_work_factor(TEST_WORK_FACTOR))
}

/// A copy of `tests/fixtures/{name}` in `dir`, to open without touching
/// the committed file.
pub fn fixture(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::copy(
        format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR")),
        &path,
    )
    .unwrap();
    path
}

/// The key of every committed fixture (`tests/fixtures/write_*.rs.txt`).
pub fn fixture_key() -> KeySource {
    KeySource::Passphrase(Passphrase::new("fixture passphrase").with_work_factor(10))
}

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 23, 19, 0, 0).unwrap(),
    ))
}

pub fn options(clock: Arc<ManualClock>) -> StoreOptions {
    StoreOptions {
        clock,
        ..StoreOptions::standard().unwrap()
    }
}

pub fn open(path: &Path, keys: KeySource) -> Store {
    Store::open_with(path, keys, options(clock())).unwrap()
}

/// The session check-in's `version`th edition.
pub fn edition(version: u32) -> InstrumentRef {
    InstrumentRef {
        id: "session-checkin".into(),
        version,
    }
}

/// A check-in on the current edition, as an app records one today.
pub fn draft(heard: u8, hopeful: u8, note: Option<&str>) -> CheckInDraft {
    static CURRENT: std::sync::OnceLock<InstrumentRef> = std::sync::OnceLock::new();
    let mut d = draft_v1(heard, hopeful, note);
    d.instrument = CURRENT
        .get_or_init(|| {
            let instruments = rapport_core::Instruments::bundled().unwrap();
            instruments.current().unwrap().reference.clone()
        })
        .clone();
    d
}

/// A check-in on edition 1, as an app recorded one before edition 2.
pub fn draft_v1(heard: u8, hopeful: u8, note: Option<&str>) -> CheckInDraft {
    CheckInDraft {
        instrument: edition(1),
        session_date: today(),
        answers: [("heard".to_owned(), heard), ("hopeful".to_owned(), hopeful)].into(),
        note: note.map(|text| Note {
            text: text.into(),
            visibility: NoteVisibility::Shared,
        }),
        support_requested: false,
        goal_ratings: Default::default(),
    }
}

pub fn on(date: NaiveDate, mut d: CheckInDraft) -> CheckInDraft {
    d.session_date = date;
    d
}

/// Every byte of every file in `dir` (database, WAL, shared memory, journals).
pub fn all_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read(entry.path()).unwrap(),
            )
        })
        .collect()
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A therapist and clients paired over `relay`, sharing one manual clock.
pub struct Practice {
    pub dir: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
    pub therapist: Store,
    pub clients: Vec<Store>,
}

/// A folder for a practice's databases: in memory (`/dev/shm`) where there
/// is one, since every commit is fsynced and a simulated year makes
/// thousands; the system's temporary folder otherwise.
pub fn scratch_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if let Some(dir) = shm
        .is_dir()
        .then(|| tempfile::tempdir_in(shm).ok())
        .flatten()
    {
        return dir;
    }
    tempfile::tempdir().unwrap()
}

pub fn practice(relay: &dyn rapport_core::sync::Transport, labels: &[&str]) -> Practice {
    let dir = scratch_dir();
    let clock = clock();
    let mut therapist = Store::open_with(
        dir.path().join("t.db"),
        passphrase("t"),
        options(clock.clone()),
    )
    .unwrap();
    therapist
        .therapist_init(relay, "https://relay.example.org", "Dr. Example")
        .unwrap();
    let mut clients = Vec::new();
    for (i, label) in labels.iter().enumerate() {
        let invite = therapist
            .invite_client(relay, label, chrono::Duration::days(7))
            .unwrap();
        let mut client = Store::open_with(
            dir.path().join(format!("c{i}.db")),
            passphrase("c"),
            options(clock.clone()),
        )
        .unwrap();
        client
            .client_join(
                relay,
                &invite.to_uri(),
                rapport_core::model::Consent::CURRENT_VERSION,
            )
            .unwrap();
        clients.push(client);
    }
    therapist.sync(relay).unwrap();
    Practice {
        dir,
        clock,
        therapist,
        clients,
    }
}

/// A day of November 2026, the month the tests live in.
pub fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}
