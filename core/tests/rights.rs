//! Insights, flags and the client's rights, end to end over the in-memory
//! relay: support requests reach the therapist as flags, insights are
//! recomputed only for the clients a sync touched, and pausing, leaving,
//! erasing and revoking do what the client and therapist were told.

mod common;

use chrono::Duration;
use common::*;
use rapport_core::insights::{ClientStatus, FlagKind, Rule, Severity, Trend};
use rapport_core::sync::{Membership, MemoryTransport, Transport};
use rapport_core::{Error, Note, NoteVisibility, SharingEndedBy, Store};

fn kinds_of(therapist: &Store, label: &str) -> Vec<FlagKind> {
    therapist
        .insights()
        .unwrap()
        .into_iter()
        .find(|c| c.label == label)
        .unwrap()
        .flags
        .into_iter()
        .map(|f| f.kind)
        .collect()
}

#[test]
fn a_support_request_shows_resources_and_reaches_the_therapist_as_the_most_urgent_flag() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B."]);
    let mut d = on(day(16), draft(4, 4, None));
    p.clients[0].record(d.clone()).unwrap();
    d = on(day(23), draft(3, 2, Some("rough week")));
    d.support_requested = true;
    let outcome = p.clients[0].record_checkin(d, "en-IE").unwrap();
    let notice = outcome.safety.expect("resources are shown");
    assert_eq!(notice.resources.region.as_deref(), Some("IE"));
    assert!(!notice.resources.lines.is_empty());
    assert!(notice.resources.not_monitored.contains("real time"));

    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    let flags = p.therapist.flags(false).unwrap();
    assert_eq!(flags[0].kind, FlagKind::SupportRequested);
    assert_eq!(flags[0].severity, Severity::Urgent);
    assert_eq!(flags[0].client_label, "A.B.");
    assert_eq!(flags[0].reasons[0].rule, Rule::SupportRequested);
    assert!(
        flags[0].reasons[0]
            .text
            .render("en")
            .contains("23 Nov 2026"),
        "{}",
        flags[0].reasons[0].text.render("en")
    );

    // A reason can be acknowledged on its own; the flag stays open.
    let reason = flags[0].reasons[0].id.clone();
    let acked = p.therapist.acknowledge_reason(&reason).unwrap();
    assert!(acked.acknowledged_at.is_some());
    let again = p.therapist.flags(false).unwrap();
    assert_eq!(again[0].id, flags[0].id);
    assert!(again[0].reasons[0].acknowledged_at.is_some());

    // A support request stays open until discussed, then stays in history.
    let id = flags[0].id.clone();
    let discussed = p.therapist.mark_discussed(&id).unwrap();
    assert!(!discussed.is_open());
    assert!(p.therapist.flags(false).unwrap().iter().all(|f| f.id != id));
    let history = p.therapist.flags(true).unwrap();
    assert!(history.iter().any(|f| f.id == id && !f.is_open()));
    assert!(matches!(
        p.therapist.mark_discussed("000000000000"),
        Err(Error::UnknownFlag { .. })
    ));
    assert!(matches!(
        p.therapist.acknowledge_reason("000000000000"),
        Err(Error::UnknownReason { .. })
    ));
}

#[test]
fn a_sync_recomputes_insights_only_for_the_clients_it_touched() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A", "B", "C"]);
    for (i, client) in p.clients.iter_mut().enumerate() {
        client.record(on(day(2), draft(1, 1, None))).unwrap();
        client.record(on(day(9), draft(3, 3, None))).unwrap();
        client
            .record(on(day(16), draft(3 + (i as u8 % 2) * 2, 4, None)))
            .unwrap();
        client.sync(&relay).unwrap();
    }
    assert_eq!(p.therapist.sync(&relay).unwrap().insights_to_refresh, 3);
    p.clients[1].record(on(day(23), draft(5, 5, None))).unwrap();
    p.clients[1].sync(&relay).unwrap();
    assert_eq!(p.therapist.sync(&relay).unwrap().insights_to_refresh, 1);
    assert_eq!(p.therapist.sync(&relay).unwrap().insights_to_refresh, 0);

    let insights = p.therapist.insights().unwrap();
    let b = insights.iter().find(|c| c.label == "B").unwrap();
    assert_eq!(b.sessions.len(), 4);
    assert_eq!(b.trend, Trend::Improving);
    let hopeful = b.items.iter().find(|i| i.item == "hopeful").unwrap();
    assert_eq!((hopeful.first, hopeful.latest, hopeful.change), (1, 5, 4));
    assert!(hopeful.reliable);
    // A's first session was 1/1, then 3/3: still a difficult story.
    assert!(kinds_of(&p.therapist, "A").contains(&FlagKind::DifficultFirstSession));
    assert_eq!(b.unseen, 4);
}

#[test]
fn pausing_keeps_checkins_on_the_phone_until_resumed() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["P"]);
    p.clients[0].pause_sharing().unwrap();
    p.clients[0].record(on(day(20), draft(4, 4, None))).unwrap();
    let report = p.clients[0].sync(&relay).unwrap();
    assert!(report.paused);
    assert_eq!(report.sent, 0);
    p.therapist.sync(&relay).unwrap();
    assert!(p.therapist.insights().unwrap()[0].sessions.is_empty());

    // The client chooses to send what was held back (the default keeps it).
    let held = p.clients[0].resume_sharing(true).unwrap();
    assert_eq!(held.count, 1);
    assert_eq!(p.clients[0].sync(&relay).unwrap().sent, 1);
    p.therapist.sync(&relay).unwrap();
    assert_eq!(p.therapist.insights().unwrap()[0].sessions.len(), 1);
}

#[test]
fn the_therapist_learns_that_sharing_paused_and_resumed() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["P"]);
    let device = p.therapist.peers().unwrap()[0].0.card.device_id;
    assert_eq!(p.therapist.client_paused_since(&device).unwrap(), None);

    let paused_at = day(18).and_hms_opt(8, 30, 0).unwrap().and_utc();
    p.clock.set(paused_at);
    p.clients[0].pause_sharing().unwrap();
    p.clients[0].record(on(day(18), draft(2, 2, None))).unwrap();
    // Told at the next sync, a day later, with the time of the pause.
    p.clock.set(paused_at + Duration::days(1));
    let report = p.clients[0].sync(&relay).unwrap();
    assert!(report.paused && report.sharing_notice_sent, "{report}");
    assert_eq!(report.sent, 0, "the check-in is held back");
    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!(report.applied, 1, "{report}");
    assert_eq!(
        p.therapist.client_paused_since(&device).unwrap(),
        Some(paused_at)
    );
    assert!(p.therapist.dashboard().unwrap()[0].checkins.is_empty());
    // Told once.
    assert!(!p.clients[0].sync(&relay).unwrap().sharing_notice_sent);

    p.clients[0].resume_sharing(true).unwrap();
    let report = p.clients[0].sync(&relay).unwrap();
    assert!(report.sharing_notice_sent && !report.paused, "{report}");
    assert_eq!(report.sent, 1, "the held-back check-in goes out, as chosen");
    p.therapist.sync(&relay).unwrap();
    assert_eq!(p.therapist.client_paused_since(&device).unwrap(), None);
    assert_eq!(p.therapist.dashboard().unwrap()[0].checkins.len(), 1);
}

#[test]
fn a_late_pause_notice_does_not_undo_a_later_resume() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["P"]);
    let device = p.therapist.peers().unwrap()[0].0.card.device_id;
    // The relay holds the pause back and publishes it after the resume.
    p.clients[0].pause_sharing().unwrap();
    relay.set_faults(rapport_core::sync::Faults {
        delay: 1.0,
        ..Default::default()
    });
    p.clients[0].sync(&relay).unwrap();
    relay.set_faults(Default::default());
    p.clients[0].resume_sharing(false).unwrap();
    p.clients[0].sync(&relay).unwrap();
    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!((report.applied, report.duplicates), (1, 1), "{report}");
    assert_eq!(p.therapist.client_paused_since(&device).unwrap(), None);
}

#[test]
fn a_private_note_never_leaves_the_phone() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["N"]);
    let mut d = on(day(20), draft(4, 4, None));
    d.note = Some(Note {
        text: "PRIVATE-MARKER-7f3a only for me".into(),
        visibility: NoteVisibility::Private,
    });
    p.clients[0].record(d).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    let dashboard = p.therapist.dashboard().unwrap();
    assert_eq!(dashboard[0].checkins.len(), 1);
    assert_eq!(dashboard[0].checkins[0].body.shared_note, None);
    // The client still has it, in its export.
    assert!(
        p.clients[0]
            .export_json()
            .unwrap()
            .contains("PRIVATE-MARKER-7f3a")
    );
    assert!(
        p.clients[0]
            .export_csv()
            .unwrap()
            .contains("PRIVATE-MARKER-7f3a")
    );
}

#[test]
fn the_json_export_parses_and_gives_back_a_note_exactly_as_written() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["J"]);
    // Quotes, a backslash, line breaks, a tab, a bell, a NUL-free control
    // character, markup, accents and an emoji: all must survive as text.
    let tricky = "she said \"stop\" \\ then\nleft\r\n\tbell \u{7} \u{1f} </script> ünïcödé ✓ 🙂";
    let mut d = on(day(20), draft(4, 2, None));
    d.note = Some(Note {
        text: tricky.into(),
        visibility: NoteVisibility::Private,
    });
    let recorded = p.clients[0].record(d).unwrap();
    p.clients[0].record(on(day(13), draft(3, 3, None))).unwrap();

    let text = p.clients[0].export_json().unwrap();
    let export: serde_json::Value = serde_json::from_str(&text).expect("the export is JSON");
    assert_eq!(export["format"], "rapport-export/1");
    assert!(export["exported_at"].is_string());
    // The top-level fields, in the order a reader of the file sees them.
    let at = |key: &str| text.find(&format!("\"{key}\":")).unwrap();
    assert!(at("format") < at("exported_at") && at("exported_at") < at("account"));
    assert!(at("account") < at("checkins"));
    let account = &export["account"];
    assert_eq!(account["role"], "client");
    assert_eq!(account["sharing"], "active");
    assert!(account["relay_url"].is_string() && account["consent_version"].is_u64());

    let checkins = export["checkins"].as_array().unwrap();
    assert_eq!(checkins.len(), 2);
    let newest = &checkins[0];
    let mut keys: Vec<&str> = newest
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "answers",
            "created_at",
            "id",
            "instrument",
            "note",
            "seen_by_therapist_at",
            "session_date",
            "support_requested",
            "updated_at",
            "version"
        ]
    );
    assert_eq!(newest["id"], recorded.id.to_string());
    assert_eq!(newest["session_date"], "2026-11-20");
    assert_eq!(newest["instrument"]["id"], "session-checkin");
    assert_eq!(newest["instrument"]["version"], 2);
    assert_eq!(
        newest["answers"],
        serde_json::json!({"heard": 4, "hopeful": 2})
    );
    assert_eq!(newest["note"]["text"], tricky);
    assert_eq!(newest["note"]["visibility"], "private");
    assert_eq!(newest["support_requested"], false);
    assert_eq!(newest["version"], 1);
    assert!(newest["seen_by_therapist_at"].is_null());
    assert!(checkins[1]["note"].is_null());
    assert!(text.ends_with("}\n"));
}

#[test]
fn leaving_keeps_what_was_shared_with_the_therapist_and_the_checkins_on_the_phone() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["L"]);
    p.clients[0].record(on(day(20), draft(4, 4, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    let (therapist_peer, _) = p.clients[0].peers().unwrap().remove(0);
    p.clients[0].leave_therapist(&relay).unwrap();
    assert!(p.clients[0].account().unwrap().is_none());
    assert_eq!(p.clients[0].all_checkins().unwrap().len(), 1);

    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!(report.left.len(), 1);
    let insights = p.therapist.insights().unwrap();
    assert!(matches!(insights[0].status, ClientStatus::Left(_)));
    assert_eq!(insights[0].sessions.len(), 1);
    // The therapist revoked the client's post token on the relay.
    let refused = relay
        .post(&therapist_peer.mailbox_id, &therapist_peer.post_token, b"x")
        .unwrap_err();
    assert!(refused.to_string().contains("token_revoked"), "{refused}");
}

#[test]
fn an_erase_leaves_no_trace_of_the_clients_checkins_in_either_home() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["E", "Stays"]);
    for (i, d) in [2, 9, 16].into_iter().enumerate() {
        p.clients[0]
            .record(on(day(d), draft(2 + i as u8, 2, Some("ERASE-ME-MARKER"))))
            .unwrap();
    }
    p.clients[1].record(on(day(16), draft(4, 4, None))).unwrap();
    for c in &mut p.clients {
        c.sync(&relay).unwrap();
    }
    p.therapist.sync(&relay).unwrap();
    let flag = p.therapist.flags(false).unwrap()[0].id.clone();
    p.therapist.mark_discussed(&flag).unwrap();
    // The ciphertext the therapist holds of this client, to look for later.
    let therapist_db = p.dir.path().join("t.db");
    let client_db = p.dir.path().join("c0.db");
    let erased_id = p.clients[0]
        .device_identity()
        .unwrap()
        .device_id()
        .to_string();
    let sealed: Vec<Vec<u8>> = {
        let conn = rusqlite::Connection::open(&therapist_db).unwrap();
        let mut stmt = conn
            .prepare("SELECT sealed FROM received WHERE sealed IS NOT NULL AND sender = ?1")
            .unwrap();
        stmt.query_map([&erased_id], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(sealed.len(), 3);

    assert!(!p.clients[0].erase_everything().unwrap());
    assert!(p.clients[0].all_checkins().unwrap().is_empty());
    assert_eq!(
        p.clients[0].membership().unwrap(),
        Some(Membership::Erasing)
    );
    // While the erase is under way, sharing cannot be paused or resumed.
    assert!(matches!(
        p.clients[0].pause_sharing(),
        Err(Error::SharingEnded {
            how: SharingEndedBy::Erasing
        })
    ));
    let report = p.clients[0].sync(&relay).unwrap();
    assert!(report.erased, "{report}");
    assert!(p.clients[0].account().unwrap().is_none());
    p.therapist.sync(&relay).unwrap();

    let insights = p.therapist.insights().unwrap();
    let erased = insights.iter().find(|c| c.label == "E").unwrap();
    assert!(matches!(erased.status, ClientStatus::Erased(_)));
    assert!(erased.sessions.is_empty() && erased.flags.is_empty());
    assert!(p.therapist.dashboard().unwrap()[0].checkins.is_empty());
    assert!(
        p.therapist
            .flags(true)
            .unwrap()
            .iter()
            .all(|f| f.client_label != "E")
    );
    // The other client is untouched.
    assert_eq!(
        insights
            .iter()
            .find(|c| c.label == "Stays")
            .unwrap()
            .sessions
            .len(),
        1
    );

    // On disk: none of the erased ciphertext remains in the therapist's
    // files, and the client's database holds no check-in rows at all.
    let Practice {
        therapist, clients, ..
    } = p;
    drop(therapist);
    drop(clients);
    for (name, bytes) in all_bytes(p.dir.path()) {
        for blob in &sealed {
            assert!(
                !contains(&bytes, &blob[..32]),
                "erased ciphertext in {name}"
            );
        }
    }
    let conn = rusqlite::Connection::open(&client_db).unwrap();
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM checkins", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 0);
}

#[test]
fn a_revoked_client_is_told_on_its_next_sync_and_can_no_longer_post() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["R"]);
    p.clients[0].record(on(day(20), draft(4, 4, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    p.therapist.revoke_client(&relay, "R").unwrap();
    assert!(matches!(
        p.therapist.revoke_client(&relay, "nobody"),
        Err(Error::UnknownClient { .. })
    ));

    p.clients[0].record(on(day(21), draft(3, 3, None))).unwrap();
    let report = p.clients[0].sync(&relay).unwrap();
    assert!(report.ended_by_therapist, "{report}");
    assert!(matches!(
        p.clients[0].membership().unwrap(),
        Some(Membership::Revoked { .. })
    ));
    assert_eq!(p.clients[0].all_checkins().unwrap().len(), 2);
    let refused = p.clients[0].pause_sharing().unwrap_err();
    assert!(
        matches!(
            refused,
            Error::SharingEnded {
                how: SharingEndedBy::Revoked
            }
        ),
        "{refused:?}"
    );
    assert_eq!(
        refused.to_string(),
        "sharing with your therapist has ended (revoked); your check-ins stay on this device"
    );
    p.therapist.sync(&relay).unwrap();
    let insights = p.therapist.insights().unwrap();
    assert!(matches!(insights[0].status, ClientStatus::Revoked(_)));
    assert_eq!(insights[0].sessions.len(), 1);
    // Leaving after a revoke just forgets the pairing, so another therapist can be joined.
    p.clients[0].leave_therapist(&relay).unwrap();
    assert!(p.clients[0].account().unwrap().is_none());
    let _ = &p.clock;
}

#[test]
fn joining_needs_the_current_consent() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &[]);
    let invite = p
        .therapist
        .invite_client(&relay, "X", Duration::days(7))
        .unwrap();
    let mut client = Store::open_with(
        p.dir.path().join("x.db"),
        passphrase("x"),
        options(p.clock.clone()),
    )
    .unwrap();
    for given in [0, 1] {
        let err = client
            .client_join(&relay, &invite.to_uri(), given)
            .unwrap_err();
        assert!(
            matches!(err, Error::ConsentRequired { current: 2, given: g } if g == given),
            "{err:?}"
        );
    }
    assert!(client.account().unwrap().is_none());
}

#[test]
fn the_dashboard_carries_the_latest_year_of_sessions_and_figures_from_all() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["Long"]);
    let first = day(23) - chrono::Days::new(5 * 59);
    for i in 0..60u64 {
        let hopeful = if i == 0 { 1 } else { 4 };
        p.clients[0]
            .record(on(
                first + chrono::Days::new(5 * i),
                draft(4, hopeful, None),
            ))
            .unwrap();
    }
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    let long = &p.therapist.insights().unwrap()[0];
    assert_eq!(long.total_sessions, 60);
    assert_eq!(long.sessions.len(), rapport_core::insights::CHART_SESSIONS);
    assert_eq!(long.sessions.last().unwrap().session_date, day(23));
    // The change is still measured from the very first session.
    let hopeful = long.items.iter().find(|i| i.item == "hopeful").unwrap();
    assert_eq!((hopeful.first, hopeful.latest), (1, 4));
    assert!(
        p.therapist
            .flags(true)
            .unwrap()
            .iter()
            .any(|f| f.kind == FlagKind::DifficultFirstSession && f.opened_on == first)
    );
}

#[test]
fn a_client_who_leaves_before_their_receipt_goes_does_not_stop_the_therapists_sync() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["Leaves", "Stays"]);
    for client in &mut p.clients {
        client.record(on(day(20), draft(4, 4, None))).unwrap();
        client.sync(&relay).unwrap();
    }
    p.therapist.sync(&relay).unwrap();
    assert_eq!(p.therapist.acknowledge_all().unwrap(), 2);
    // The client leaves before the receipt goes out: the therapist's token
    // for its mailbox is revoked, and its leave waits to be fetched.
    p.clients[0].leave_therapist(&relay).unwrap();

    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!(report.left.len(), 1, "{report}");
    assert_eq!(report.sent, 1, "the other client's receipt went: {report}");
    assert_eq!(p.clients[1].sync(&relay).unwrap().receipts_applied, 1);
    let again = p.therapist.sync(&relay).unwrap();
    assert_eq!(
        again.sent, 0,
        "nothing left waiting for the client who left: {again}"
    );
}

#[test]
fn a_revoke_tried_again_after_a_failure_leaves_the_client_no_gap() {
    use common::scripted::{Scripted, Step};
    let memory = MemoryTransport::new();
    let relay = Scripted::new(&memory);
    let mut p = practice(&relay, &["R"]);
    relay.then(&[Step::DropBeforeStore]);
    assert!(p.therapist.revoke_client(&relay, "R").is_err());
    p.therapist.revoke_client(&relay, "R").unwrap();
    let report = p.clients[0].sync(&relay).unwrap();
    assert!(report.ended_by_therapist, "{report}");
    assert!(report.gaps.is_empty(), "{report}");
}
