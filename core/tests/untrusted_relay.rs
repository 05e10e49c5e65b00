//! What a relay that merely delays can do, and must not: lose a client's
//! check-ins by delivering its hello late, or bring an erased client back
//! by delivering a check-in of theirs after the erase.

mod common;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use common::scripted::{Scripted, Step};
use common::{day, draft, on, practice};
use rapport_core::sync::{
    FetchPage, MailboxCredentials, MemoryTransport, PostToken, Transport, TransportError,
};
use rapport_core::{Store, model::Consent};

/// A relay that holds back the next post it is asked to hold, acknowledges
/// it, and publishes it only when told: the delay a real relay (or anyone
/// between) can impose on any one envelope.
struct Delaying<'a> {
    inner: &'a MemoryTransport,
    hold_next: AtomicBool,
    held: Mutex<Vec<(String, String, Vec<u8>)>>,
    /// The most envelopes a page holds (0: as many as asked).
    page_cap: AtomicU32,
}

impl<'a> Delaying<'a> {
    fn new(inner: &'a MemoryTransport) -> Delaying<'a> {
        Delaying {
            inner,
            hold_next: AtomicBool::new(false),
            held: Mutex::new(Vec::new()),
            page_cap: AtomicU32::new(0),
        }
    }

    /// Serves at most `n` envelopes a page from now on.
    fn serve_pages_of(&self, n: u32) {
        self.page_cap.store(n, Ordering::SeqCst);
    }

    fn hold_next_post(&self) {
        self.hold_next.store(true, Ordering::SeqCst);
    }

    /// Publishes what was held back. It was accepted (and acknowledged)
    /// when posted, so a revocation since does not stop it.
    fn release(&self) {
        for (mailbox, _token, body) in self.held.lock().unwrap().drain(..) {
            self.inner.inject(&mailbox, body).unwrap();
        }
    }
}

impl Transport for Delaying<'_> {
    fn create_mailbox(&self) -> Result<MailboxCredentials, TransportError> {
        self.inner.create_mailbox()
    }
    fn mint_post_token(&self, m: &str, r: &str) -> Result<PostToken, TransportError> {
        self.inner.mint_post_token(m, r)
    }
    fn revoke_post_token(&self, m: &str, r: &str, t: &str) -> Result<(), TransportError> {
        self.inner.revoke_post_token(m, r, t)
    }
    fn post(&self, m: &str, token: &str, envelope: &[u8]) -> Result<u64, TransportError> {
        if self.hold_next.swap(false, Ordering::SeqCst) {
            self.held
                .lock()
                .unwrap()
                .push((m.to_owned(), token.to_owned(), envelope.to_vec()));
            // Acknowledged: the sender believes it is on its way.
            return Ok(u64::MAX / 2);
        }
        self.inner.post(m, token, envelope)
    }
    fn fetch(&self, m: &str, r: &str, after: u64, limit: u32) -> Result<FetchPage, TransportError> {
        let limit = match self.page_cap.load(Ordering::SeqCst) {
            0 => limit,
            cap => limit.min(cap),
        };
        self.inner.fetch(m, r, after, limit)
    }
    fn prune(&self, m: &str, r: &str, through: u64) -> Result<u64, TransportError> {
        self.inner.prune(m, r, through)
    }
}

/// A client labelled `label` joins `p`'s therapist through `relay` (its
/// hello held back when `hold_hello`) and sends check-ins for three
/// sessions.
fn join_and_send_three(
    p: &mut common::Practice,
    relay: &Delaying<'_>,
    label: &str,
    hold_hello: bool,
) {
    let invite = p
        .therapist
        .invite_client(relay, label, chrono::Duration::days(7))
        .unwrap();
    let mut client = Store::open_with(
        p.dir.path().join(format!("{label}.db")),
        common::passphrase("c"),
        common::options(p.clock.clone()),
    )
    .unwrap();
    if hold_hello {
        relay.hold_next_post();
    }
    client
        .client_join(relay, &invite.to_uri(), Consent::CURRENT_VERSION)
        .unwrap();
    for d in [2, 9, 16] {
        client.record(on(day(d), draft(3, 3, None))).unwrap();
    }
    assert_eq!(client.sync(relay).unwrap().sent, 3);
}

#[test]
fn check_ins_that_arrive_before_the_hello_are_applied_once_it_comes() {
    let memory = MemoryTransport::new();
    let relay = Delaying::new(&memory);
    let mut p = practice(&relay, &[]);
    join_and_send_three(&mut p, &relay, "Late", true);
    // The check-ins reach the therapist first: nobody is paired to own them.
    let early = p.therapist.sync(&relay).unwrap();
    assert_eq!(early.quarantined.len(), 3, "{early}");
    assert!(p.therapist.dashboard().unwrap().is_empty());

    relay.release();
    let late = p.therapist.sync(&relay).unwrap();
    assert_eq!(late.paired, ["Late"], "{late}");
    assert_eq!(late.recovered, 3, "{late}");
    let dashboard = p.therapist.dashboard().unwrap();
    assert_eq!(dashboard.len(), 1);
    assert_eq!(dashboard[0].checkins.len(), 3, "all three arrived");
    assert!(p.therapist.sync(&relay).unwrap().gaps.is_empty());
}

#[test]
fn check_ins_on_the_pages_after_the_hello_are_applied() {
    // The therapist opens the next page while it applies one: a client's
    // check-ins opened before its hello was applied are opened again.
    let memory = MemoryTransport::new();
    let relay = Delaying::new(&memory);
    let mut p = practice(&relay, &[]);
    join_and_send_three(&mut p, &relay, "Paged", false);
    relay.serve_pages_of(1);
    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!(report.paired, ["Paged"], "{report}");
    assert!(report.quarantined.is_empty(), "{report}");
    assert_eq!((report.applied, report.recovered), (4, 0), "{report}");
    assert_eq!(p.therapist.dashboard().unwrap()[0].checkins.len(), 3);
}

#[test]
fn a_check_in_delivered_after_an_erase_does_not_bring_the_client_back() {
    let memory = MemoryTransport::new();
    let relay = Delaying::new(&memory);
    let mut p = practice(&relay, &["Gone", "Stays"]);
    p.clients[0]
        .record(on(day(2), draft(2, 2, Some("ERASED-LATE-MARKER"))))
        .unwrap();
    relay.hold_next_post();
    assert_eq!(p.clients[0].sync(&relay).unwrap().sent, 1);

    assert!(!p.clients[0].erase_everything().unwrap());
    assert!(p.clients[0].sync(&relay).unwrap().erased);
    p.therapist.sync(&relay).unwrap();
    let gone = |p: &common::Practice| {
        p.therapist
            .dashboard()
            .unwrap()
            .iter()
            .find(|c| c.label == "Gone")
            .map_or(0, |c| c.checkins.len())
    };
    assert_eq!(gone(&p), 0);

    // The relay now delivers the check-in it held back.
    relay.release();
    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!(report.dropped_after_erase, 1, "{report}");
    assert_eq!(report.applied, 0, "{report}");
    assert_eq!(gone(&p), 0, "the erased client came back");
    assert!(
        report.quarantined.is_empty(),
        "an erased client's ciphertext is not kept"
    );
    // Nor is the number it came with missed: nothing of theirs is read.
    assert!(report.gaps.is_empty(), "{report}");
}

#[test]
fn a_relay_that_says_the_token_is_revoked_cannot_cut_an_erase_short() {
    let memory = MemoryTransport::new();
    let relay = Scripted::new(&memory);
    let mut p = practice(&relay, &["Gone"]);
    p.clients[0]
        .record(on(day(2), draft(2, 2, Some("ERASE-ME"))))
        .unwrap();
    p.clients[0].sync(&relay).unwrap();
    p.therapist.sync(&relay).unwrap();
    assert!(!p.clients[0].erase_everything().unwrap());
    // The relay refuses the tombstone with a revocation nobody made.
    relay.then(&[Step::RefuseRevoked]);
    let report = p.clients[0].sync(&relay).unwrap();
    assert!(!report.erased && report.token_refused, "{report}");
    assert!(p.clients[0].sync(&relay).unwrap().erased);
    p.therapist.sync(&relay).unwrap();
    assert!(p.therapist.dashboard().unwrap()[0].checkins.is_empty());
}

#[test]
fn an_erase_after_a_leave_that_arrived_unanswered_is_not_stuck() {
    let memory = MemoryTransport::new();
    let relay = Scripted::new(&memory);
    let mut p = practice(&relay, &["Gone"]);
    p.clients[0].record(on(day(2), draft(2, 2, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    relay.then(&[Step::LoseAnswer]);
    assert!(p.clients[0].leave_therapist(&relay).is_err());
    // The therapist applies the leave and revokes the client's token; the
    // client, not knowing, erases: its tombstone is truly refused.
    assert_eq!(p.therapist.sync(&relay).unwrap().left.len(), 1);
    assert!(!p.clients[0].erase_everything().unwrap());
    assert!(p.clients[0].sync(&relay).unwrap().erased);
    assert!(p.clients[0].account().unwrap().is_none());
}

#[test]
fn a_check_in_recorded_while_an_erase_is_under_way_goes_with_it() {
    let memory = MemoryTransport::new();
    let relay = Scripted::new(&memory);
    let mut p = practice(&relay, &["Gone"]);
    p.clients[0].record(on(day(2), draft(2, 2, None))).unwrap();
    p.clients[0].sync(&relay).unwrap();
    assert!(!p.clients[0].erase_everything().unwrap());
    p.clients[0].record(on(day(3), draft(3, 3, None))).unwrap();
    // Two tombstones go; the erase itself is refused, and the client wipes
    // all the same (it cannot reach the therapist with that token).
    relay.then(&[Step::Pass, Step::Pass, Step::RefuseRevoked]);
    assert!(p.clients[0].sync(&relay).unwrap().erased);
    p.therapist.sync(&relay).unwrap();
    assert!(
        p.therapist.dashboard().unwrap()[0].checkins.is_empty(),
        "nothing the client wrote stays with the therapist"
    );
}

#[test]
fn the_quarantine_keeps_the_newest_thousand_envelopes_and_no_more() {
    let memory = MemoryTransport::new();
    let mut p = practice(&memory, &["A"]);
    let mailbox = p.therapist.account().unwrap().unwrap().mailbox_id;
    for n in 0..1010u32 {
        memory
            .inject(&mailbox, format!("not an envelope {n}").into_bytes())
            .unwrap();
    }
    let report = p.therapist.sync(&memory).unwrap();
    assert_eq!(report.quarantined.len(), 1010);
    let conn = rusqlite::Connection::open(p.dir.path().join("t.db")).unwrap();
    let (count, oldest): (i64, Vec<u8>) = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM quarantine), envelope FROM quarantine ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(count, 1000);
    assert_eq!(oldest, b"not an envelope 10");
}

#[test]
fn a_forged_sequence_number_past_i64_is_quarantined_and_no_gap_appears() {
    use rapport_core::Clock;
    use rapport_core::envelope::{self, Message, MessageKind};
    let memory = MemoryTransport::new();
    let mut p = practice(&memory, &["A"]);
    let client = p.clients[0].device_identity().unwrap();
    let account = p.therapist.account().unwrap().unwrap();
    let therapist = p.therapist.device_identity().unwrap().card();
    for seq in [1u64 << 63, u64::MAX] {
        let message = Message {
            kind: MessageKind::CheckIn,
            sender: client.device_id(),
            seq,
            record_id: uuid::Uuid::now_v7(),
            record_version: 1,
            sent_at: p.clock.now(),
            body: Vec::new(),
        };
        let sealed = envelope::seal(
            &client,
            message,
            &account.mailbox_id,
            &therapist.age_recipient,
        )
        .unwrap();
        memory.inject(&account.mailbox_id, sealed).unwrap();
    }
    let report = p.therapist.sync(&memory).unwrap();
    assert_eq!(report.quarantined.len(), 2, "{report}");
    assert!(report.gaps.is_empty(), "{:?}", report.gaps);
    // The client's own numbering carries on untouched.
    p.clients[0].record(on(day(3), draft(4, 4, None))).unwrap();
    p.clients[0].sync(&memory).unwrap();
    let report = p.therapist.sync(&memory).unwrap();
    assert_eq!(report.applied, 1, "{report}");
    assert!(report.gaps.is_empty(), "{:?}", report.gaps);
}

#[test]
fn a_hello_sent_in_time_pairs_however_late_the_therapist_reads_it() {
    let memory = MemoryTransport::new();
    let mut p = practice(&memory, &[]);
    let invite = p
        .therapist
        .invite_client(&memory, "OnTime", chrono::Duration::days(7))
        .unwrap();
    let mut client = Store::open_with(
        p.dir.path().join("ontime.db"),
        common::passphrase("c"),
        common::options(p.clock.clone()),
    )
    .unwrap();
    // The client joins on the invite's sixth day; the therapist syncs on
    // the tenth, after it expired.
    p.clock.advance(chrono::Duration::days(6));
    client
        .client_join(&memory, &invite.to_uri(), Consent::CURRENT_VERSION)
        .unwrap();
    p.clock.advance(chrono::Duration::days(4));
    let report = p.therapist.sync(&memory).unwrap();
    assert_eq!(report.paired, ["OnTime"], "{report}");

    // A hello read more than the grace after the invite ended is refused,
    // whatever time it claims.
    let late = p
        .therapist
        .invite_client(&memory, "TooLate", chrono::Duration::days(1))
        .unwrap();
    let mut other = Store::open_with(
        p.dir.path().join("toolate.db"),
        common::passphrase("c"),
        common::options(p.clock.clone()),
    )
    .unwrap();
    other
        .client_join(&memory, &late.to_uri(), Consent::CURRENT_VERSION)
        .unwrap();
    p.clock.advance(chrono::Duration::days(16));
    let report = p.therapist.sync(&memory).unwrap();
    assert!(report.paired.is_empty(), "{report}");
    assert_eq!(report.quarantined.len(), 1, "{report}");
}

#[test]
fn a_received_check_in_out_of_range_is_quarantined_not_shown() {
    // Anyone holding the therapist's card can seal a check-in; a paired
    // client's device could send one its app would never have let through.
    let relay = MemoryTransport::new();
    let mut p = practice(&relay, &["A.B."]);
    let me = p.clients[0].device_identity().unwrap();
    let therapist = p.therapist.device_identity().unwrap().card();
    let mailbox = p.therapist.account().unwrap().unwrap().mailbox_id;
    let now = rapport_core::Clock::now(&*p.clock);
    for (seq, heard, note) in [(2, 9u8, None), (3, 3, Some("x".repeat(5000)))] {
        let body = rapport_core::sync::CheckInBody {
            instrument: rapport_core::InstrumentRef {
                id: "session-checkin".into(),
                version: 1,
            },
            session_date: day(2),
            answers: [("heard".to_owned(), heard), ("hopeful".to_owned(), 3)].into(),
            shared_note: note,
            created_at: now,
            updated_at: now,
            support_requested: false,
            goal_ratings: Default::default(),
        };
        let sealed = rapport_core::envelope::seal(
            &me,
            rapport_core::envelope::Message {
                kind: rapport_core::envelope::MessageKind::CheckIn,
                sender: me.device_id(),
                seq,
                record_id: uuid::Uuid::now_v7(),
                record_version: 1,
                sent_at: now,
                body: body.to_bytes().unwrap(),
            },
            &mailbox,
            &therapist.age_recipient,
        )
        .unwrap();
        relay.inject(&mailbox, sealed).unwrap();
    }
    let report = p.therapist.sync(&relay).unwrap();
    assert_eq!(report.quarantined.len(), 2, "{report}");
    assert!(
        report
            .quarantined
            .iter()
            .all(|q| q.reason == rapport_core::QuarantineKind::Malformed),
        "{report}"
    );
    assert!(p.therapist.dashboard().unwrap()[0].checkins.is_empty());
}
