//! Recording, editing, deleting and paging check-ins, as an app sees it.

mod common;

use chrono::{Days, Duration};
use common::*;
use rapport_core::store::MAX_PAGE;
use rapport_core::{CheckInRecord, Error, OutboxKind, Store, StoreError, ValidationError};

#[test]
fn a_recorded_checkin_survives_closing_and_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("client.db");
    let recorded = {
        let mut store = open(&path, passphrase("pw"));
        store
            .record(draft(4, 2, Some("talked about work")))
            .unwrap()
    };
    let store = open(&path, passphrase("pw"));
    let page = store.history(None, 10).unwrap();
    assert_eq!(page.checkins, vec![recorded.clone()]);
    assert_eq!(page.next, None);
    assert_eq!(recorded.version, 1);
    assert_eq!(recorded.answers["heard"], 4);
    assert_eq!(recorded.note.unwrap().text, "talked about work");
}

#[test]
fn a_refused_checkin_stores_nothing_and_queues_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir.path().join("c.db"), passphrase("pw"));
    let err = store.record(draft(4, 9, None)).unwrap_err();
    assert!(matches!(
        err,
        Error::Validation(ValidationError::RatingOutOfRange { value: 9, .. })
    ));
    assert!(store.history(None, 10).unwrap().checkins.is_empty());
    assert!(store.pending_outbox(10).unwrap().is_empty());
}

#[test]
fn every_change_is_queued_for_sync_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir.path().join("c.db"), passphrase("pw"));
    let a = store.record(draft(3, 3, None)).unwrap();
    let b = store.record(draft(2, 2, None)).unwrap();
    let a2 = store
        .edit(a.id, draft(5, 4, Some("on reflection")))
        .unwrap();
    let gone = store.delete(b.id).unwrap();
    let queued: Vec<_> = store
        .pending_outbox(100)
        .unwrap()
        .into_iter()
        .map(|e| (e.record_id, e.record_version, e.kind, e.attempts))
        .collect();
    assert_eq!(
        queued,
        vec![
            (a.id, 1, OutboxKind::CheckIn, 0),
            (b.id, 1, OutboxKind::CheckIn, 0),
            (a.id, 2, OutboxKind::CheckIn, 0),
            (b.id, 2, OutboxKind::Tombstone, 0),
        ]
    );
    assert_eq!(a2.version, 2);
    assert_eq!(gone.version, 2);
}

#[test]
fn an_edit_is_a_new_version_that_keeps_the_creation_time() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut store = Store::open_with(
        dir.path().join("c.db"),
        passphrase("pw"),
        options(clock.clone()),
    )
    .unwrap();
    let original = store.record(draft(2, 1, Some("rough one"))).unwrap();
    clock.advance(Duration::hours(2));
    let edited = store.edit(original.id, draft(3, 2, None)).unwrap();
    assert_eq!(edited.created_at, original.created_at);
    assert_eq!(edited.updated_at, original.created_at + Duration::hours(2));
    assert_eq!(edited.version, 2);
    assert_eq!(edited.note, None);
    assert_eq!(
        store.get(original.id).unwrap(),
        Some(CheckInRecord::Live(edited))
    );
}

#[test]
fn an_invalid_edit_leaves_the_checkin_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir.path().join("c.db"), passphrase("pw"));
    let original = store.record(draft(4, 4, None)).unwrap();
    let mut bad = draft(4, 4, None);
    bad.answers.remove("hopeful");
    assert!(matches!(
        store.edit(original.id, bad).unwrap_err(),
        Error::Validation(ValidationError::RequiredItemMissing { .. })
    ));
    assert_eq!(
        store.get(original.id).unwrap(),
        Some(CheckInRecord::Live(original))
    );
    assert_eq!(store.pending_outbox(10).unwrap().len(), 1);
}

#[test]
fn a_deleted_checkin_leaves_history_and_cannot_be_edited() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir.path().join("c.db"), passphrase("pw"));
    let keep = store.record(draft(4, 4, None)).unwrap();
    let drop = store.record(draft(1, 1, Some("regret this"))).unwrap();
    let tombstone = store.delete(drop.id).unwrap();
    assert_eq!(store.history(None, 10).unwrap().checkins, vec![keep]);
    assert_eq!(
        store.get(drop.id).unwrap(),
        Some(CheckInRecord::Deleted(tombstone.clone()))
    );
    assert!(matches!(
        store.edit(drop.id, draft(2, 2, None)).unwrap_err(),
        Error::Store(StoreError::CheckInDeleted { .. })
    ));
    // Deleting twice is harmless and queues nothing new.
    assert_eq!(store.delete(drop.id).unwrap(), tombstone);
    assert_eq!(store.pending_outbox(10).unwrap().len(), 3);
}

#[test]
fn unknown_ids_are_reported_as_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir.path().join("c.db"), passphrase("pw"));
    let id = uuid::Uuid::now_v7();
    assert_eq!(store.get(id).unwrap(), None);
    for err in [
        store.edit(id, draft(3, 3, None)).unwrap_err(),
        store.delete(id).unwrap_err(),
    ] {
        assert!(matches!(
            err,
            Error::Store(StoreError::CheckInNotFound { id: missing }) if missing == id
        ));
    }
}

#[test]
fn history_pages_newest_session_first_without_gaps_or_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir.path().join("c.db"), passphrase("pw"));
    let mut recorded = Vec::new();
    // 25 sessions over 25 weeks, two check-ins on some days, recorded out of order.
    for week in (0..25u64).rev() {
        let date = today() - Days::new(7 * week);
        recorded.push(store.record(on(date, draft(3, 3, None))).unwrap());
        if week % 5 == 0 {
            recorded.push(store.record(on(date, draft(4, 4, None))).unwrap());
        }
    }
    recorded.sort_by_key(|c| std::cmp::Reverse((c.session_date, c.id)));

    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = store.history(cursor.as_ref(), 4).unwrap();
        assert!(page.checkins.len() <= 4);
        seen.extend(page.checkins);
        pages += 1;
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, recorded);
    assert_eq!(pages, recorded.len().div_ceil(4));
}

#[test]
fn a_page_size_beyond_the_maximum_is_capped() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir.path().join("c.db"), passphrase("pw"));
    for _ in 0..3 {
        store.record(draft(3, 3, None)).unwrap();
    }
    assert_eq!(store.history(None, 0).unwrap().checkins.len(), 1);
    assert_eq!(store.history(None, u32::MAX).unwrap().checkins.len(), 3);
    for _ in 0..MAX_PAGE {
        store.record(draft(3, 3, None)).unwrap();
    }
    let page = store.history(None, u32::MAX).unwrap();
    assert_eq!(page.checkins.len(), MAX_PAGE as usize);
    assert!(page.next.is_some());
}

#[test]
fn a_stored_check_in_is_shown_with_the_words_of_the_edition_it_answered() {
    use rapport_core::model::CheckInForm;
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir.path().join("c.db"), passphrase("pw"));
    let old = store
        .record(on(today() - Days::new(7), draft_v1(4, 1, None)))
        .unwrap();
    let new = store.record(draft(4, 3, None)).unwrap();
    assert_eq!((old.instrument.version, new.instrument.version), (1, 2));
    let words = |id| {
        let checkin = store
            .history(None, 10)
            .unwrap()
            .checkins
            .into_iter()
            .find(|c| c.id == id)
            .unwrap();
        let form = CheckInForm::of_edition(store.instruments(), &checkin.instrument, "en").unwrap();
        form.items
            .into_iter()
            .filter(|item| checkin.answers.contains_key(&item.id))
            .map(|item| item.prompt)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        words(old.id),
        [
            "I felt heard and understood",
            "I leave feeling more hopeful"
        ]
    );
    assert_eq!(
        words(new.id),
        [
            "Today I felt listened to",
            "Right now I feel hopeful that things can get better"
        ]
    );
}
