//! Goals the client owns (issue 17): set, reworded, archived, shared or
//! kept private on the phone; rated in check-ins; what the therapist sees of
//! them, and what they never see.

mod common;

use common::*;
use rapport_core::envelope::{Message, MessageKind};
use rapport_core::insights::FlagKind;
use rapport_core::model::{GoalDraft, MAX_ACTIVE_GOALS};
use rapport_core::sync::{GoalBody, GoalUpdate, MemoryTransport};
use rapport_core::{Error, GoalError, QuarantineKind, ValidationError};
use uuid::Uuid;

fn goal(text: &str, shared: bool) -> GoalDraft {
    GoalDraft {
        text: text.into(),
        shared,
        set_in_session: false,
    }
}

fn rated(
    date: chrono::NaiveDate,
    heard: u8,
    hopeful: u8,
    ratings: &[(Uuid, u8)],
) -> rapport_core::CheckInDraft {
    let mut d = on(date, draft(heard, hopeful, None));
    d.goal_ratings = ratings.iter().copied().collect();
    d
}

#[test]
fn a_client_sets_rewords_archives_and_shares_goals_within_the_limits() {
    let dir = tempfile::tempdir().unwrap();
    let mut client = open(&dir.path().join("c.db"), passphrase("c"));
    let a = client
        .add_goal(goal("  Walk to the shop alone ", true))
        .unwrap();
    assert_eq!((a.text.as_str(), a.version), ("Walk to the shop alone", 1));
    client.add_goal(goal("Sleep better", false)).unwrap();
    let c = client.add_goal(goal("Call my sister", true)).unwrap();
    let err = client.add_goal(goal("A fourth", true)).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Goal(GoalError::TooManyActive {
                max: MAX_ACTIVE_GOALS
            })
        ),
        "{err:?}"
    );
    assert_eq!(err.specific_code(), "too_many_goals");
    for bad in ["", &"x".repeat(201), "two\nlines"] {
        assert!(matches!(
            client.edit_goal(a.id, bad).unwrap_err(),
            Error::Goal(
                GoalError::EmptyText
                    | GoalError::TextTooLong { .. }
                    | GoalError::ControlCharacter { .. }
            )
        ));
    }
    let reworded = client.edit_goal(a.id, "Walk to the shop and back").unwrap();
    assert_eq!(reworded.version, 2);
    assert_eq!(reworded.earlier_texts[0].text, "Walk to the shop alone");
    // Archiving frees a place; the archived goal stays, read-only.
    let archived = client.archive_goal(c.id).unwrap();
    assert!(!archived.is_active());
    client.add_goal(goal("Cook twice a week", true)).unwrap();
    assert!(matches!(
        client.edit_goal(c.id, "Call my brother").unwrap_err(),
        Error::Goal(GoalError::Archived { .. })
    ));
    // Sharing stays the client's to change, archived or not.
    assert!(!client.set_goal_shared(c.id, false).unwrap().shared);
    let unknown = Uuid::now_v7();
    assert!(matches!(
        client.archive_goal(unknown).unwrap_err(),
        Error::Goal(GoalError::UnknownGoal { id }) if id == unknown
    ));
    let all = client.goals().unwrap();
    let texts: Vec<&str> = all.iter().map(|g| g.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Walk to the shop and back",
            "Sleep better",
            "Cook twice a week",
            "Call my sister"
        ]
    );
    assert_eq!(client.active_goals().unwrap().len(), 3);
    // Everything survives reopening, sealed.
    drop(client);
    let client = open(&dir.path().join("c.db"), passphrase("c"));
    assert_eq!(client.goals().unwrap(), all);
    let bytes = std::fs::read(dir.path().join("c.db")).unwrap();
    assert!(!contains(&bytes, b"Walk to the shop"));
}

#[test]
fn a_check_in_rates_only_active_goals_and_an_edit_may_keep_an_archived_ones_rating() {
    let dir = tempfile::tempdir().unwrap();
    let mut client = open(&dir.path().join("c.db"), passphrase("c"));
    let a = client.add_goal(goal("Walk to the shop", true)).unwrap();
    let b = client.add_goal(goal("Sleep better", false)).unwrap();
    let checkin = client
        .record(rated(day(16), 4, 4, &[(a.id, 3), (b.id, 6)]))
        .unwrap();
    assert_eq!(checkin.goal_ratings.len(), 2);
    let stored = client.history(None, 10).unwrap().checkins.remove(0);
    assert_eq!(stored.goal_ratings, checkin.goal_ratings);
    // Out of range, or a goal that is not one of this client's.
    let err = client
        .record(rated(day(23), 4, 4, &[(a.id, 11)]))
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Validation(ValidationError::GoalRatingOutOfRange { value: 11, .. })
    ));
    let stranger = Uuid::now_v7();
    assert!(matches!(
        client.record(rated(day(23), 4, 4, &[(stranger, 5)])).unwrap_err(),
        Error::Validation(ValidationError::GoalNotActive { goal }) if goal == stranger
    ));
    // An archived goal takes no new rating, but the check-in that rated it
    // can still be edited with it.
    client.archive_goal(a.id).unwrap();
    assert!(matches!(
        client
            .record(rated(day(23), 4, 4, &[(a.id, 5)]))
            .unwrap_err(),
        Error::Validation(ValidationError::GoalNotActive { .. })
    ));
    let edited = client
        .edit(checkin.id, rated(day(16), 5, 4, &[(a.id, 4), (b.id, 6)]))
        .unwrap();
    assert_eq!(edited.goal_ratings[&a.id], 4);
}

#[test]
fn shared_goals_reach_the_therapist_with_their_ratings_and_private_ones_never_leave() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B."]);
    let client = &mut p.clients[0];
    let shared = client
        .add_goal(GoalDraft {
            text: "Walk to the shop alone".into(),
            shared: true,
            set_in_session: true,
        })
        .unwrap();
    let private = client
        .add_goal(goal("PRIVATE-GOAL-MARKER-31c", false))
        .unwrap();
    for (d, walk, other) in [(2, 2, 7), (9, 4, 8), (16, 5, 8)] {
        client
            .record(rated(
                day(d),
                4,
                4,
                &[(shared.id, walk), (private.id, other)],
            ))
            .unwrap();
    }
    client.sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();

    let insights = p.therapist.insights().unwrap();
    let goals = &insights[0].goals;
    assert_eq!(goals.len(), 1, "{goals:#?}");
    let g = &goals[0];
    assert_eq!(
        (g.goal_id, g.text.as_str(), g.set_in_session),
        (shared.id, "Walk to the shop alone", true)
    );
    assert_eq!(
        g.series
            .iter()
            .map(|p| (p.session_date, p.rating))
            .collect::<Vec<_>>(),
        [(day(2), 2), (day(9), 4), (day(16), 5)]
    );
    assert_eq!(
        (g.first, g.latest, g.change_since_set),
        (Some(2), Some(5), Some(3))
    );
    // The check-ins carry the shared goal's rating, never the private one's.
    for checkin in &p.therapist.dashboard().unwrap()[0].checkins {
        assert_eq!(
            checkin.body.goal_ratings.keys().collect::<Vec<_>>(),
            [&shared.id]
        );
    }
    // The brief has a calm line about the goal that moved.
    let brief = p.therapist.brief(day(23), None, "en").unwrap();
    assert_eq!(
        brief.cards[0]
            .goal_line
            .as_ref()
            .map(|l| l.render("en"))
            .as_deref(),
        Some("Goals: ‘Walk to the shop alone’ 2 → 5 since it was set.")
    );
    // Neither goal is readable in any file of the therapist or client.
    for (name, bytes) in all_bytes(p.dir.path()) {
        for needle in ["Walk to the shop", "PRIVATE-GOAL-MARKER"] {
            assert!(!contains(&bytes, needle.as_bytes()), "{needle} in {name}");
        }
    }
}

#[test]
fn a_goal_made_private_is_withdrawn_with_its_ratings_and_can_be_shared_again() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B."]);
    let a = p.clients[0]
        .add_goal(goal("Walk to the shop", true))
        .unwrap();
    for d in [2, 9] {
        p.clients[0]
            .record(rated(day(d), 4, 4, &[(a.id, 3)]))
            .unwrap();
    }
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    assert_eq!(p.therapist.insights().unwrap()[0].goals.len(), 1);

    p.clients[0].set_goal_shared(a.id, false).unwrap();
    // Made private: a rating recorded now never leaves either.
    p.clients[0]
        .record(rated(day(16), 4, 4, &[(a.id, 4)]))
        .unwrap();
    p.clients[0].sync(&relay).unwrap();
    let report = p.therapist.sync(&relay).unwrap();
    assert!(report.quarantined.is_empty(), "{report}");
    assert!(p.therapist.insights().unwrap()[0].goals.is_empty());
    let dashboard = p.therapist.dashboard().unwrap();
    assert_eq!(dashboard[0].checkins.len(), 3);
    assert!(
        dashboard[0]
            .checkins
            .iter()
            .all(|c| c.body.goal_ratings.is_empty())
    );

    // Shared again: the goal is back, with the ratings sent from now on.
    p.clients[0].set_goal_shared(a.id, true).unwrap();
    p.clients[0]
        .record(rated(day(23), 5, 5, &[(a.id, 6)]))
        .unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    let goals = &p.therapist.insights().unwrap()[0].goals;
    assert_eq!(goals.len(), 1);
    assert_eq!(goals[0].series.len(), 1);
    assert_eq!(goals[0].latest, Some(6));
}

/// Seals `kind` with `body` as the client's device would, numbered `seq`,
/// and puts it in the therapist's mailbox.
fn inject(
    p: &mut Practice,
    relay: &MemoryTransport,
    seq: u64,
    kind: MessageKind,
    record_id: Uuid,
    record_version: u32,
    body: Vec<u8>,
) {
    let me = p.clients[0].device_identity().unwrap();
    let therapist = p.therapist.device_identity().unwrap().card();
    let mailbox = p.therapist.account().unwrap().unwrap().mailbox_id;
    let sealed = rapport_core::envelope::seal(
        &me,
        Message {
            kind,
            sender: me.device_id(),
            seq,
            record_id,
            record_version,
            sent_at: rapport_core::Clock::now(&*p.clock),
            body,
        },
        &mailbox,
        &therapist.age_recipient,
    )
    .unwrap();
    relay.inject(&mailbox, sealed).unwrap();
}

fn goal_body(p: &Practice, text: &str) -> GoalBody {
    let now = rapport_core::Clock::now(&*p.clock);
    GoalBody {
        text: text.into(),
        text_set_at: now,
        set_in_session: false,
        created_at: now,
        updated_at: now,
        archived_at: None,
        earlier_texts: Vec::new(),
    }
}

fn checkin_body(
    date: chrono::NaiveDate,
    ratings: &[(Uuid, u8)],
    p: &Practice,
) -> rapport_core::sync::CheckInBody {
    let now = rapport_core::Clock::now(&*p.clock);
    rapport_core::sync::CheckInBody {
        instrument: rapport_core::InstrumentRef {
            id: "session-checkin".into(),
            version: 1,
        },
        session_date: date,
        answers: [("heard".to_owned(), 4), ("hopeful".to_owned(), 4)].into(),
        shared_note: None,
        created_at: now,
        updated_at: now,
        support_requested: false,
        goal_ratings: ratings.iter().copied().collect(),
    }
}

#[test]
fn a_rating_that_comes_before_its_goal_is_kept_and_shown_once_the_goal_arrives() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B."]);
    let goal_id = Uuid::now_v7();
    let body = checkin_body(day(16), &[(goal_id, 4)], &p);
    inject(
        &mut p,
        &relay,
        10,
        MessageKind::CheckIn,
        Uuid::now_v7(),
        1,
        body.to_bytes().unwrap(),
    );
    p.therapist.sync(&relay).unwrap();
    assert!(p.therapist.insights().unwrap()[0].goals.is_empty());
    assert!(
        p.therapist.dashboard().unwrap()[0].checkins[0]
            .body
            .goal_ratings
            .is_empty()
    );
    let update = GoalUpdate::Shared(goal_body(&p, "Walk to the shop"));
    inject(
        &mut p,
        &relay,
        11,
        MessageKind::Goal,
        goal_id,
        1,
        update.to_bytes().unwrap(),
    );
    p.therapist.sync(&relay).unwrap();
    let goals = &p.therapist.insights().unwrap()[0].goals;
    assert_eq!(goals.len(), 1);
    assert_eq!(goals[0].latest, Some(4));
    assert_eq!(
        p.therapist.dashboard().unwrap()[0].checkins[0]
            .body
            .goal_ratings[&goal_id],
        4
    );
}

#[test]
fn a_late_copy_of_a_withdrawn_goal_does_not_bring_it_back() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B."]);
    let goal_id = Uuid::now_v7();
    inject(
        &mut p,
        &relay,
        20,
        MessageKind::Goal,
        goal_id,
        3,
        GoalUpdate::Withdrawn.to_bytes().unwrap(),
    );
    let late = GoalUpdate::Shared(goal_body(&p, "An older wording"));
    inject(
        &mut p,
        &relay,
        21,
        MessageKind::Goal,
        goal_id,
        2,
        late.to_bytes().unwrap(),
    );
    // A check-in rating the withdrawn goal keeps nothing of that rating.
    let body = checkin_body(day(16), &[(goal_id, 9)], &p);
    inject(
        &mut p,
        &relay,
        22,
        MessageKind::CheckIn,
        Uuid::now_v7(),
        1,
        body.to_bytes().unwrap(),
    );
    let report = p.therapist.sync(&relay).unwrap();
    assert!(report.quarantined.is_empty(), "{report}");
    assert!(p.therapist.insights().unwrap()[0].goals.is_empty());
    // Not even sealed: re-sharing with a newer version shows no old rating.
    let again = GoalUpdate::Shared(goal_body(&p, "Shared again"));
    inject(
        &mut p,
        &relay,
        23,
        MessageKind::Goal,
        goal_id,
        4,
        again.to_bytes().unwrap(),
    );
    p.therapist.sync(&relay).unwrap();
    let goals = &p.therapist.insights().unwrap()[0].goals;
    assert_eq!(goals[0].text, "Shared again");
    assert!(goals[0].series.is_empty());
}

#[test]
fn a_new_goal_ahead_of_the_archive_it_follows_is_held_until_the_archive_arrives() {
    // The client archived its first goal and then set a fourth; a relay
    // that reorders delivers the fourth first. Nothing is refused: the
    // archive, when it comes, leaves the three the client has.
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B."]);
    let ids: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
    for (i, id) in ids.iter().enumerate() {
        let body = GoalUpdate::Shared(goal_body(&p, &format!("goal {i}")));
        inject(
            &mut p,
            &relay,
            30 + i as u64,
            MessageKind::Goal,
            *id,
            1,
            body.to_bytes().unwrap(),
        );
    }
    let report = p.therapist.sync(&relay).unwrap();
    assert!(report.quarantined.is_empty(), "{report}");
    let active = |p: &Practice| {
        p.therapist.insights().unwrap()[0]
            .goals
            .iter()
            .filter(|g| g.archived_at.is_none())
            .count()
    };
    assert_eq!(active(&p), 4);

    let mut archived = goal_body(&p, "goal 0");
    archived.archived_at = Some(rapport_core::Clock::now(&*p.clock));
    inject(
        &mut p,
        &relay,
        34,
        MessageKind::Goal,
        ids[0],
        2,
        GoalUpdate::Shared(archived).to_bytes().unwrap(),
    );
    let report = p.therapist.sync(&relay).unwrap();
    assert!(report.quarantined.is_empty(), "{report}");
    assert_eq!(active(&p), 3);
}

#[test]
fn a_goal_no_app_would_send_is_quarantined() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B."]);
    for (seq, text) in [(40, " untrimmed ".to_string()), (41, "y".repeat(201))] {
        let body = GoalUpdate::Shared(goal_body(&p, &text));
        inject(
            &mut p,
            &relay,
            seq,
            MessageKind::Goal,
            Uuid::now_v7(),
            1,
            body.to_bytes().unwrap(),
        );
    }
    inject(
        &mut p,
        &relay,
        42,
        MessageKind::Goal,
        Uuid::now_v7(),
        1,
        vec![7, 7],
    );
    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!(report.quarantined.len(), 3, "{report}");
    assert!(
        report
            .quarantined
            .iter()
            .all(|q| q.reason == QuarantineKind::Malformed),
        "{report}"
    );
    assert!(p.therapist.insights().unwrap()[0].goals.is_empty());
}

#[test]
fn erasing_deletes_the_goals_on_both_sides() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B."]);
    let a = p.clients[0]
        .add_goal(goal("Walk to the shop", true))
        .unwrap();
    p.clients[0]
        .record(rated(day(16), 4, 4, &[(a.id, 5)]))
        .unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    assert_eq!(p.therapist.insights().unwrap()[0].goals.len(), 1);

    assert!(!p.clients[0].erase_everything().unwrap());
    assert!(p.clients[0].goals().unwrap().is_empty());
    assert!(p.clients[0].sync(&relay).unwrap().erased);
    p.therapist.sync(&relay).unwrap();
    assert!(p.therapist.insights().unwrap()[0].goals.is_empty());
    let path = p.therapist.path().to_owned();
    let rows: i64 = rusqlite::Connection::open(path)
        .unwrap()
        .query_row("SELECT count(*) FROM goals", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 0);
}

#[test]
fn a_client_who_joins_again_sends_the_goals_it_shares() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B."]);
    p.clients[0].leave_therapist(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    // Set while not sharing with anyone.
    p.clients[0]
        .add_goal(goal("Walk to the shop", true))
        .unwrap();
    p.clients[0]
        .add_goal(goal("Kept to myself", false))
        .unwrap();
    p.clients[0].sync(&relay).unwrap_err();
    let invite = p
        .therapist
        .invite_client(&relay, "A.B. again", chrono::Duration::days(7))
        .unwrap();
    p.clients[0]
        .client_join(
            &relay,
            &invite.to_uri(),
            rapport_core::model::Consent::CURRENT_VERSION,
        )
        .unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    let insights = p.therapist.insights().unwrap();
    let texts: Vec<&str> = insights
        .iter()
        .flat_map(|c| c.goals.iter().map(|g| g.text.as_str()))
        .collect();
    assert_eq!(texts, ["Walk to the shop"]);
}

#[test]
fn a_review_is_suggested_when_sessions_and_goals_are_high_and_steady() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B."]);
    let a = p.clients[0]
        .add_goal(goal("Walk to the shop", true))
        .unwrap();
    let b = p.clients[0].add_goal(goal("Sleep better", true)).unwrap();
    for (d, walk, sleep) in [(2, 7, 3), (9, 8, 3), (16, 8, 4), (23, 9, 3)] {
        p.clients[0]
            .record(rated(day(d), 5, 4, &[(a.id, walk), (b.id, sleep)]))
            .unwrap();
    }
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    // One goal low: no review.
    let kinds = |p: &Practice| -> Vec<FlagKind> {
        p.therapist
            .flags(false)
            .unwrap()
            .into_iter()
            .map(|f| f.kind)
            .collect()
    };
    assert!(!kinds(&p).contains(&FlagKind::ReviewSuggested));
    // The low goal made private: the therapist no longer holds it, and the
    // review rests on the goal still shared.
    p.clients[0].set_goal_shared(b.id, false).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    let flags = p.therapist.flags(false).unwrap();
    let review = flags
        .iter()
        .find(|f| f.kind == FlagKind::ReviewSuggested)
        .expect("a review suggestion");
    assert!(
        review
            .headline
            .render("en")
            .starts_with("Ratings have been high and steady for four sessions")
    );
    assert_eq!(review.reasons[0].rule.id(), "review_suggested");
    // Calm: it comes after anything that needs attention.
    assert_eq!(review.severity, rapport_core::insights::Severity::Low);
}

#[test]
fn the_schema_v7_fixtures_migrate_keep_their_check_ins_and_take_goals() {
    let dir = tempfile::tempdir().unwrap();
    let copy = |name: &str| fixture(dir.path(), name);
    let therapist_path = copy("schema-v7-therapist.db");
    let client_path = copy("schema-v7-client.db");
    let version = |path: &std::path::Path| -> i64 {
        rusqlite::Connection::open(path)
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(version(&client_path), 7);

    let mut client = open(&client_path, fixture_key());
    assert_eq!(version(&client_path), rapport_core::store::LATEST_VERSION);
    let history = client.history(None, 10).unwrap().checkins;
    let got: Vec<_> = history
        .iter()
        .map(|c| {
            (
                c.session_date,
                c.answers["heard"],
                c.note.as_ref().map(|n| n.text.as_str()),
                c.version,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (day(30), 5, None, 1),
            (day(23), 5, Some("edited v7 fixture note"), 2),
            (day(16), 2, Some("a hard week"), 1),
            (day(9), 4, Some("private v7 fixture note"), 1),
            (day(2), 3, Some("first session, felt rushed"), 1),
        ]
    );
    assert!(history.iter().all(|c| c.goal_ratings.is_empty()));
    assert!(history[2].support_requested);
    assert_eq!(history.iter().filter(|c| c.seen_at.is_some()).count(), 4);
    assert_eq!(client.replies().unwrap().len(), 1);
    // The check-in held back while paused still waits, in the rebuilt outbox.
    let outbox = client.pending_outbox(10).unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].kind, rapport_core::OutboxKind::CheckIn);
    // Goals work on the migrated home, and queue behind it (once the
    // client accepted the consent text that changed since the fixture).
    client
        .accept_consent(rapport_core::model::Consent::CURRENT_VERSION)
        .unwrap();
    let a = client.add_goal(goal("Walk to the shop", true)).unwrap();
    let recorded = client.record(rated(today(), 4, 4, &[(a.id, 6)])).unwrap();
    assert_eq!(recorded.goal_ratings[&a.id], 6);
    let kinds: Vec<_> = client
        .pending_outbox(10)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            rapport_core::OutboxKind::CheckIn,
            rapport_core::OutboxKind::Goal,
            rapport_core::OutboxKind::CheckIn
        ]
    );

    let therapist = open(&therapist_path, fixture_key());
    let dashboard = therapist.dashboard().unwrap();
    assert_eq!(dashboard[0].label, "R.K.");
    let notes: Vec<_> = dashboard[0]
        .checkins
        .iter()
        .map(|c| c.body.shared_note.as_deref())
        .collect();
    assert_eq!(
        notes,
        [
            Some("first session, felt rushed"),
            None,
            Some("a hard week"),
            Some("edited v7 fixture note")
        ]
    );
    assert!(dashboard[0].checkins[2].body.support_requested);
    let insights = therapist.insights().unwrap();
    assert_eq!(insights[0].sessions.len(), 4);
    assert!(insights[0].goals.is_empty());
    assert!(!therapist.flags(true).unwrap().is_empty());
    // The rules changed in the fixture are still the rules.
    assert_eq!(therapist.flag_rules().unwrap().drop_by_at_least, 3);
    let brief = therapist.brief(day(30), None, "en").unwrap();
    assert_eq!(brief.cards.len(), 1);
    assert_eq!(brief.cards[0].goal_line, None);
}

#[test]
fn a_therapist_sets_no_goals() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &[]);
    assert!(matches!(
        p.therapist.add_goal(goal("mine", true)).unwrap_err(),
        Error::WrongRole { .. }
    ));
}
