//! Flags over a real store and the in-memory relay, with a manual clock:
//! the golden-hour escalation after a difficult first session, a dip that
//! resolves itself, marks that close flags and survive a recomputation, a
//! flag whose check-in is deleted staying in history, and the brief.

mod common;

use chrono::{Days, NaiveDate};
use common::*;
use rapport_core::insights::{BriefBasis, FlagKind, ResolutionKind, Severity};
use rapport_core::sync::MemoryTransport;

fn at(clock: &ManualClockRef, date: NaiveDate) {
    clock.set(date.and_hms_opt(20, 0, 0).unwrap().and_utc());
}

type ManualClockRef = std::sync::Arc<rapport_core::ManualClock>;

#[test]
fn a_difficult_first_session_escalates_after_ten_silent_days() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["F.S."]);
    at(&p.clock, day(2));
    p.clients[0].record(on(day(2), draft(3, 2, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();

    let open = |p: &Practice| p.therapist.flags(false).unwrap();
    at(&p.clock, day(12)); // ten days: not yet
    let flags = open(&p);
    assert_eq!(flags.len(), 1, "{flags:#?}");
    assert_eq!(flags[0].kind, FlagKind::DifficultFirstSession);
    assert_eq!(flags[0].severity, Severity::Medium);
    assert!(!flags[0].escalated);
    assert!(
        flags[0]
            .headline
            .render("en")
            .ends_with("reach out before the next session.")
    );

    at(&p.clock, day(13)); // eleven days: escalated, one flag, no separate missing one
    let flags = open(&p);
    assert_eq!(flags.len(), 1, "{flags:#?}");
    assert_eq!(flags[0].severity, Severity::High);
    assert!(flags[0].escalated);
    assert!(
        flags[0]
            .headline
            .render("en")
            .starts_with("Has not come back since a difficult first session on 2 Nov 2026"),
        "{}",
        flags[0].headline.render("en")
    );
    assert_eq!(flags[0].reasons.last().unwrap().rule.id(), "no_return");
    at(&p.clock, day(20));
    assert_eq!(open(&p).len(), 1, "still one story after 18 days");

    // A session the therapist recorded means the client came back.
    at(&p.clock, day(13));
    p.therapist.record_session("F.S.", day(9)).unwrap();
    let flags = open(&p);
    assert_eq!(flags[0].severity, Severity::Medium);
    assert!(!flags[0].escalated);
}

#[test]
fn the_escalation_threshold_is_a_setting() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["F.S."]);
    at(&p.clock, day(2));
    p.clients[0].record(on(day(2), draft(2, 3, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    let mut rules = p.therapist.flag_rules().unwrap();
    rules.set("escalate_after_days", "5").unwrap();
    p.therapist.set_flag_rules(&rules).unwrap();
    at(&p.clock, day(7));
    assert!(!p.therapist.flags(false).unwrap()[0].escalated);
    at(&p.clock, day(8));
    assert!(p.therapist.flags(false).unwrap()[0].escalated);
}

#[test]
fn a_dip_resolves_itself_and_stays_in_history() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["D.R."]);
    for (i, (heard, hopeful)) in [(4, 4), (4, 4), (4, 4), (4, 4), (2, 2)]
        .into_iter()
        .enumerate()
    {
        let date = day(1) + Days::new(4 * i as u64);
        at(&p.clock, date);
        p.clients[0]
            .record(on(date, draft(heard, hopeful, None)))
            .unwrap();
    }
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    let flags = p.therapist.flags(false).unwrap();
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].kind, FlagKind::Concern);
    let id = flags[0].id.clone();

    at(&p.clock, day(21));
    p.clients[0].record(on(day(21), draft(4, 4, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    assert!(p.therapist.flags(false).unwrap().is_empty());
    let history = p.therapist.flags(true).unwrap();
    let resolved = history.iter().find(|f| f.id == id).unwrap();
    let resolution = resolved.resolution.as_ref().unwrap();
    assert_eq!(resolution.kind, ResolutionKind::BackInRange);
    assert_eq!(resolution.on, day(21));
    assert!(
        resolution
            .text
            .render("en")
            .contains("Resolved by the check-in of 21 Nov 2026")
    );
}

#[test]
fn a_flag_whose_checkin_was_deleted_is_withdrawn_not_lost() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["W.D."]);
    at(&p.clock, day(2));
    let checkin = p.clients[0].record(on(day(2), draft(1, 1, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    let id = p.therapist.flags(false).unwrap()[0].id.clone();
    at(&p.clock, day(3));
    p.clients[0].delete(checkin.id).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    assert!(p.therapist.flags(false).unwrap().iter().all(|f| f.id != id));
    let history = p.therapist.flags(true).unwrap();
    let withdrawn = history
        .iter()
        .find(|f| f.id == id)
        .expect("kept in history");
    assert_eq!(
        withdrawn.resolution.as_ref().unwrap().kind,
        ResolutionKind::Withdrawn
    );
}

#[test]
fn marks_close_flags_and_last_across_recomputation_and_rule_changes() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["M.K.", "Other"]);
    at(&p.clock, day(2));
    for client in &mut p.clients {
        client.record(on(day(2), draft(2, 2, None))).unwrap();
        client.sync(&relay).unwrap();
    }
    p.therapist.sync(&relay).unwrap();
    assert_eq!(p.therapist.flags(false).unwrap().len(), 2);
    assert_eq!(p.therapist.mark_all_discussed(Some("M.K.")).unwrap(), 1);
    let open = p.therapist.flags(false).unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].client_label, "Other");
    // Changing a rule recomputes every flag; the mark still holds.
    let mut rules = p.therapist.flag_rules().unwrap();
    rules.set("drop_by_at_least", "3").unwrap();
    p.therapist.set_flag_rules(&rules).unwrap();
    assert_eq!(p.therapist.flags(false).unwrap().len(), 1);
    // Marking again is harmless.
    let id = p.therapist.flags(true).unwrap()[1].id.clone();
    assert!(!p.therapist.mark_discussed(&id).unwrap().is_open());
}

#[test]
fn the_brief_covers_the_days_sessions_or_every_active_client() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A", "B", "C"]);
    at(&p.clock, day(2));
    let notes = ["Marker-brief-a", "Marker-brief-b", "Marker-brief-c"];
    for (client, note) in p.clients.iter_mut().zip(notes) {
        client.record(on(day(2), draft(4, 4, Some(note)))).unwrap();
        client.sync(&relay).unwrap();
    }
    p.therapist.sync(&relay).unwrap();
    let none = p.therapist.brief(day(9), None, "en").unwrap();
    assert_eq!(none.basis, BriefBasis::ActiveClients);
    assert_eq!(none.cards.len(), 3);

    p.therapist.record_session("B", day(9)).unwrap();
    let brief = p.therapist.brief(day(9), None, "fr-CA").unwrap();
    assert_eq!(brief.basis, BriefBasis::RecordedSessions);
    assert_eq!(brief.cards.len(), 1);
    let card = &brief.cards[0];
    assert_eq!(card.label, "B");
    assert!(card.session_on_day);
    assert_eq!(card.checkins.len(), 1);
    assert_eq!(card.checkins[0].note.as_deref(), Some("Marker-brief-b"));
    assert_eq!(card.opening.locale, "fr");
    assert_eq!(card.usual.len(), 2);
    assert_eq!(
        card.usual[0].1.sessions, 0,
        "one check-in: the default range"
    );
    // One client only.
    let one = p.therapist.brief(day(9), Some("C"), "en").unwrap();
    assert_eq!(one.cards.len(), 1);
    assert_eq!(one.cards[0].label, "C");
}

#[test]
fn a_paused_client_shows_as_paused_and_is_never_counted_missing() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["P.Z."]);
    at(&p.clock, day(2));
    p.clients[0].record(on(day(2), draft(4, 4, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    at(&p.clock, day(5));
    p.clients[0].pause_sharing().unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    at(&p.clock, day(28));
    let client = &p.therapist.insights().unwrap()[0];
    assert!(client.paused_since.is_some());
    assert!(client.flags.is_empty(), "{:#?}", client.flags);
    // Resumed: the silence counts again.
    p.clients[0].resume_sharing(false).unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    let client = &p.therapist.insights().unwrap()[0];
    assert!(client.paused_since.is_none());
    assert_eq!(client.flags[0].kind, FlagKind::MissingCheckin);
}

#[test]
fn a_mark_covers_what_had_arrived_and_a_later_checkin_is_news() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["S.D."]);
    // The session on the 9th went badly; its check-in arrives before the
    // therapist marks the flag discussed that evening: it stays closed.
    for (d, heard) in [(2, 4), (9, 2)] {
        at(&p.clock, day(d));
        p.clients[0]
            .record(on(day(d), draft(heard, 4, None)))
            .unwrap();
    }
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    p.clock.set(day(9).and_hms_opt(21, 0, 0).unwrap().and_utc());
    assert_eq!(p.therapist.mark_all_discussed(None).unwrap(), 1);
    assert!(p.therapist.flags(false).unwrap().is_empty());
    // An edit of that same day's check-in, arriving after the mark, is news.
    let id = p.clients[0].history(None, 10).unwrap().checkins[0].id;
    p.clock.set(day(9).and_hms_opt(22, 0, 0).unwrap().and_utc());
    p.clients[0]
        .edit(id, on(day(9), draft(1, 4, None)))
        .unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    let open = p.therapist.flags(false).unwrap();
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(open[0].opened_on, day(9));
}

/// A client whose app moved from edition 1 to edition 2 mid-therapy: the
/// therapist's figures, chart, flags and brief compare like with like.
#[test]
fn after_the_new_edition_hope_is_compared_only_with_hope_as_it_is_now_asked() {
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["E.D."]);
    let checkins = [
        (draft_v1(4, 4, None), 1),
        (draft_v1(4, 4, None), 5),
        (draft_v1(4, 4, None), 9),
        (draft_v1(4, 4, None), 13),
        // v2: "Right now I feel hopeful…" — a 3 is some hope, not a fall
        // from "more hopeful" 4; heard, reworded only, keeps its history.
        (draft(2, 3, None), 17),
    ];
    for (d, date) in checkins {
        at(&p.clock, day(date));
        p.clients[0].record(on(day(date), d)).unwrap();
    }
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();

    let client = &p.therapist.insights().unwrap()[0];
    let item = |id: &str| client.items.iter().find(|i| i.item == id).unwrap();
    assert_eq!((item("heard").first, item("heard").latest), (4, 2));
    assert!(item("heard").reliable);
    assert_eq!((item("hopeful").first, item("hopeful").latest), (3, 3));
    assert_eq!(item("hopeful").change, 0);
    // The chart draws heard across both editions and hope from v2 only.
    let hopeful: Vec<_> = client
        .sessions
        .iter()
        .map(|s| s.answers.get("hopeful").copied())
        .collect();
    assert_eq!(hopeful, [None, None, None, None, Some(3)]);
    assert!(
        client
            .sessions
            .iter()
            .all(|s| s.answers.contains_key("heard"))
    );
    // One concern, about heard only: no drop, no usual range and no
    // deterioration of hope measured against v1's answers.
    assert_eq!(client.flags.len(), 1, "{:#?}", client.flags);
    let flag = &client.flags[0];
    assert!(
        flag.reasons
            .iter()
            .all(|r| !r.text.render("en").contains("opeful")),
        "{:#?}",
        flag.reasons
    );
    assert!(
        flag.headline.render("en").starts_with("Heard fell to 2"),
        "{}",
        flag.headline.render("en")
    );
    // The brief's usual range of hope starts again with v2.
    let brief = p.therapist.brief(day(18), None, "en").unwrap();
    let usual = &brief.cards[0].usual;
    let heard = usual.iter().find(|(item, _)| item == "heard").unwrap();
    let hope = usual.iter().find(|(item, _)| item == "hopeful").unwrap();
    assert_eq!(heard.1.sessions, 5);
    assert_eq!(hope.1.sessions, 0, "one v2 answer: the default range");
}
