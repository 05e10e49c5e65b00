//! Property test: any sequence of records, edits, deletes and reopenings leaves
//! the store agreeing with a plain in-memory model of what the client did.

mod common;

use std::collections::BTreeMap;

use chrono::Days;
use common::*;
use proptest::prelude::*;
use rapport_core::{CheckInRecord, Error, OutboxKind, ValidationError};
use uuid::Uuid;

#[derive(Debug, Clone)]
enum Op {
    Record {
        heard: u8,
        hopeful: u8,
        days_ago: u8,
        note: bool,
    },
    Edit {
        pick: usize,
        heard: u8,
        hopeful: u8,
    },
    Delete {
        pick: usize,
    },
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    // Ratings from 0 to 6 include out-of-range ones, which must change nothing.
    prop_oneof![
        4 => (0u8..=6, 0u8..=6, 0u8..30, any::<bool>())
            .prop_map(|(heard, hopeful, days_ago, note)| Op::Record { heard, hopeful, days_ago, note }),
        2 => (any::<usize>(), 0u8..=6, 0u8..=6)
            .prop_map(|(pick, heard, hopeful)| Op::Edit { pick, heard, hopeful }),
        1 => any::<usize>().prop_map(|pick| Op::Delete { pick }),
        1 => Just(Op::Reopen),
    ]
}

#[derive(Debug, Clone, PartialEq)]
struct Expected {
    heard: u8,
    hopeful: u8,
    note: Option<String>,
    version: u32,
    deleted: bool,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn the_store_matches_a_model_of_what_the_client_did(ops in prop::collection::vec(op(), 1..24)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let mut store = open(&path, passphrase("pw"));
        let mut model: BTreeMap<Uuid, Expected> = BTreeMap::new();
        let mut order: Vec<Uuid> = Vec::new();
        let mut queued = Vec::new();
        let valid = |r: u8| (1..=5).contains(&r);

        for (i, op) in ops.into_iter().enumerate() {
            match op {
                Op::Record { heard, hopeful, days_ago, note } => {
                    let note = note.then(|| format!("note {i}"));
                    let d = on(today() - Days::new(days_ago.into()), draft(heard, hopeful, note.as_deref()));
                    match store.record(d) {
                        Ok(c) => {
                            prop_assert!(valid(heard) && valid(hopeful));
                            model.insert(c.id, Expected { heard, hopeful, note, version: 1, deleted: false });
                            order.push(c.id);
                            queued.push((c.id, 1, OutboxKind::CheckIn));
                        }
                        Err(Error::Validation(ValidationError::RatingOutOfRange { .. })) => {
                            prop_assert!(!(valid(heard) && valid(hopeful)));
                        }
                        Err(e) => prop_assert!(false, "unexpected error {e}"),
                    }
                }
                Op::Edit { pick, heard, hopeful } if !order.is_empty() => {
                    let id = order[pick % order.len()];
                    let expected = model.get_mut(&id).unwrap();
                    match store.edit(id, draft(heard, hopeful, None)) {
                        Ok(c) => {
                            prop_assert!(!expected.deleted && valid(heard) && valid(hopeful));
                            *expected = Expected { heard, hopeful, note: None, version: expected.version + 1, deleted: false };
                            prop_assert_eq!(c.version, expected.version);
                            queued.push((id, expected.version, OutboxKind::CheckIn));
                        }
                        Err(Error::Store(rapport_core::StoreError::CheckInDeleted { .. })) => prop_assert!(expected.deleted),
                        Err(Error::Validation(_)) => prop_assert!(!(valid(heard) && valid(hopeful))),
                        Err(e) => prop_assert!(false, "unexpected error {e}"),
                    }
                }
                Op::Delete { pick } if !order.is_empty() => {
                    let id = order[pick % order.len()];
                    let expected = model.get_mut(&id).unwrap();
                    let tombstone = store.delete(id).unwrap();
                    if !expected.deleted {
                        expected.deleted = true;
                        expected.version += 1;
                        queued.push((id, expected.version, OutboxKind::Tombstone));
                    }
                    prop_assert_eq!(tombstone.version, expected.version);
                }
                Op::Reopen => {
                    drop(store);
                    store = open(&path, passphrase("pw"));
                }
                _ => {}
            }
        }

        // Every record reads back as the model says.
        for (id, expected) in &model {
            match store.get(*id).unwrap() {
                Some(CheckInRecord::Live(c)) => {
                    prop_assert!(!expected.deleted);
                    prop_assert_eq!(
                        (c.answers["heard"], c.answers["hopeful"], c.note.map(|n| n.text), c.version),
                        (expected.heard, expected.hopeful, expected.note.clone(), expected.version)
                    );
                }
                Some(CheckInRecord::Deleted(t)) => {
                    prop_assert!(expected.deleted);
                    prop_assert_eq!(t.version, expected.version);
                }
                None => prop_assert!(false, "record {} vanished", id),
            }
        }
        // History (paged by 3) lists exactly the live ones.
        let mut listed = Vec::new();
        let mut cursor = None;
        loop {
            let page = store.history(cursor.as_ref(), 3).unwrap();
            listed.extend(page.checkins.iter().map(|c| c.id));
            match page.next { Some(n) => cursor = Some(n), None => break }
        }
        listed.sort();
        let live: Vec<Uuid> = model.iter().filter(|(_, e)| !e.deleted).map(|(id, _)| *id).collect();
        prop_assert_eq!(listed, live);
        // The outbox holds every successful change, in order, and nothing else.
        let outbox: Vec<_> = store.pending_outbox(1000).unwrap().into_iter()
            .map(|e| (e.record_id, e.record_version, e.kind)).collect();
        prop_assert_eq!(outbox, queued);
    }
}
