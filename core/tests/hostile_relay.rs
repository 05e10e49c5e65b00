//! A relay that does everything a relay can do short of losing what it
//! acknowledged: it duplicates posts, holds them back and publishes them
//! later in another order, fails before storing, stores and loses the
//! answer, fakes refusals, reorders and replays pages, and copies envelopes
//! into other mailboxes. Against it, a model practice: two to four clients
//! recording, editing, deleting, syncing, pausing and resuming (sending
//! what the pause held back or keeping it), leaving, erasing and joining
//! again, a therapist syncing, acknowledging and replying, time passing.
//!
//! After a quiet spell (everything held published, faults off, everyone
//! synced a few times, what the relay cut short finished):
//! - the therapist holds each client's final state of what was shared
//!   (for a client who left, what it had when it left);
//! - a client who erased has nothing on the therapist's dashboard, nor a
//!   row in its database, whatever the relay delivered after the erase;
//! - no sync reports a gap;
//! - nothing stays in quarantine that a later message could cure (only
//!   what the relay misdelivered: copies into the wrong mailbox);
//! - every check-in the therapist holds shows as seen on the client's
//!   phone once acknowledged;
//! - nothing panics, and every error while the relay misbehaves is the
//!   relay's (`Error::Transport`).
//!
//! A client who joins again keeps on the phone what it made before the new
//! pairing (nothing old goes to a therapist unasked, and the model never
//! asks), and so does one that resumes without sending what it made while
//! paused: the therapist holds whatever version it had of those, or none
//! (`Client::kept`).
//!
//! Two things a relay can do are beyond any client, and the checks say
//! so where they apply: a change still waiting when its client left is
//! forgotten with the pairing (`Client::unsent`), and a leave or erase the
//! relay refuses with a revocation it made up goes on without reaching the
//! therapist (`Model::unclean`, `Model::erased_untold`). The relay never
//! drops an envelope it acknowledged: that is the one fault a receiver can
//! only report (as a gap), not survive.
//!
//! `PROPTEST_CASES=3000 cargo test -p rapport-core --test hostile_relay`
//! runs it longer.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use chrono::{Days, Duration};
use common::*;
use proptest::prelude::*;
use rapport_core::model::{CheckInRecord, Consent};
use rapport_core::sync::{
    FetchPage, MailboxCredentials, MemoryTransport, PostToken, RelayCode, SyncReport, Transport,
    TransportError,
};
use rapport_core::{DeviceId, Error, Note, NoteVisibility, QuarantineKind, Store, StoreError};
use uuid::Uuid;

// ---------------------------------------------------------------------------
// The relay

/// A refusal a relay can make up at any time.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    TokenRevoked,
    MailboxFull,
    RateLimited,
    Unavailable,
}

impl Refusal {
    fn error(self) -> TransportError {
        let refused = |status, code| TransportError::Refused {
            status,
            code,
            detail: format!("hostile relay: {code}"),
        };
        match self {
            Refusal::TokenRevoked => refused(403, RelayCode::TokenRevoked),
            Refusal::MailboxFull => refused(507, RelayCode::MailboxFull),
            Refusal::RateLimited => TransportError::RateLimited {
                retry_after_secs: 1,
            },
            Refusal::Unavailable => refused(503, RelayCode::Unavailable),
        }
    }
}

/// What the relay does with one post.
#[derive(Debug, Clone, Copy)]
enum OnPost {
    Deliver,
    /// Stored twice.
    Duplicate,
    /// Acknowledged, published only some steps later (released in the
    /// reverse order they were held, so held envelopes also swap places).
    Hold(u8),
    /// Fails before storing: the sender must retry.
    DropBeforeStore,
    /// Stored, but the answer is lost: the sender retries what arrived.
    LoseAnswer,
    /// Refused, whatever the token.
    Refuse(Refusal),
    /// Delivered, and a copy is stored in another mailbox too.
    CopyElsewhere(u8),
}

/// What the relay does with one fetch.
#[derive(Debug, Clone, Copy)]
enum OnFetch {
    Page,
    /// The page, last first.
    Reverse,
    /// The page rotated by this much.
    Rotate(u8),
    /// Up to this many envelopes fetched before, delivered again first.
    Replay(u8),
    Refuse(Refusal),
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    held: u32,
    duplicated: u32,
    dropped: u32,
    answers_lost: u32,
    refused: u32,
    revocations_faked: u32,
    copied: u32,
    reordered: u32,
    replayed: u32,
}

/// The relay's plan. Posts and fetches go through their lists in turn
/// (round and round): the same lists make the same run, and shrinking a
/// failure turns faults into plain deliveries.
#[derive(Default)]
struct Schedule {
    posts: Vec<OnPost>,
    fetches: Vec<OnFetch>,
    next_post: usize,
    next_fetch: usize,
    faulty: bool,
    /// The model's clock: one step per operation.
    step: u32,
    /// (release at step, mailbox, envelope), in the order they were held.
    held: Vec<(u32, String, Vec<u8>)>,
    /// Post token → (mailbox, token id, revoked): a held post is checked
    /// like one stored at once.
    tokens: HashMap<String, (String, String, bool)>,
    mailboxes: Vec<String>,
    tally: Tally,
}

impl Schedule {
    fn next_post(&mut self) -> OnPost {
        if !self.faulty || self.posts.is_empty() {
            return OnPost::Deliver;
        }
        let on = self.posts[self.next_post % self.posts.len()];
        self.next_post += 1;
        on
    }

    fn next_fetch(&mut self) -> OnFetch {
        if !self.faulty || self.fetches.is_empty() {
            return OnFetch::Page;
        }
        let on = self.fetches[self.next_fetch % self.fetches.len()];
        self.next_fetch += 1;
        on
    }
}

/// The hostile relay: a faithful [`MemoryTransport`] underneath, and a
/// schedule (from proptest) saying what to do with each post and fetch.
/// Every method not faulted is handed straight down.
struct Hostile {
    relay: MemoryTransport,
    schedule: Mutex<Schedule>,
}

impl Hostile {
    fn new(posts: Vec<OnPost>, fetches: Vec<OnFetch>) -> Hostile {
        Hostile {
            relay: MemoryTransport::new(),
            schedule: Mutex::new(Schedule {
                posts,
                fetches,
                ..Schedule::default()
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Schedule> {
        self.schedule.lock().unwrap()
    }

    fn set_faulty(&self, faulty: bool) {
        self.lock().faulty = faulty;
    }

    /// One step of the model: publishes what is due.
    fn step(&self) {
        let mut s = self.lock();
        s.step += 1;
        let now = s.step;
        let (due, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut s.held)
            .into_iter()
            .partition(|(at, _, _)| *at <= now);
        s.held = kept;
        drop(s);
        self.publish(due);
    }

    /// Faults off, everything held published.
    fn quiet(&self) {
        let mut s = self.lock();
        s.faulty = false;
        let due = std::mem::take(&mut s.held);
        drop(s);
        self.publish(due);
    }

    fn publish(&self, due: Vec<(u32, String, Vec<u8>)>) {
        for (_, mailbox, body) in due.into_iter().rev() {
            self.relay.inject(&mailbox, body).unwrap();
        }
    }

    fn revocations_faked(&self) -> u32 {
        self.lock().tally.revocations_faked
    }

    fn tally(&self) -> Tally {
        self.lock().tally
    }
}

impl Transport for Hostile {
    fn create_mailbox(&self) -> Result<MailboxCredentials, TransportError> {
        let created = self.relay.create_mailbox()?;
        self.lock().mailboxes.push(created.mailbox_id.clone());
        Ok(created)
    }

    fn mint_post_token(
        &self,
        mailbox_id: &str,
        read_token: &str,
    ) -> Result<PostToken, TransportError> {
        let token = self.relay.mint_post_token(mailbox_id, read_token)?;
        self.lock().tokens.insert(
            token.post_token.clone(),
            (mailbox_id.to_owned(), token.token_id.clone(), false),
        );
        Ok(token)
    }

    fn revoke_post_token(
        &self,
        mailbox_id: &str,
        read_token: &str,
        token_id: &str,
    ) -> Result<(), TransportError> {
        self.relay
            .revoke_post_token(mailbox_id, read_token, token_id)?;
        for (mailbox, id, revoked) in self.lock().tokens.values_mut() {
            if mailbox == mailbox_id && id == token_id {
                *revoked = true;
            }
        }
        Ok(())
    }

    fn post(
        &self,
        mailbox_id: &str,
        post_token: &str,
        envelope: &[u8],
    ) -> Result<u64, TransportError> {
        let mut s = self.lock();
        let on = s.next_post();
        let valid = s
            .tokens
            .get(post_token)
            .is_some_and(|(mailbox, _, revoked)| mailbox == mailbox_id && !revoked);
        match on {
            OnPost::Deliver => {
                drop(s);
                self.relay.post(mailbox_id, post_token, envelope)
            }
            OnPost::Duplicate => {
                s.tally.duplicated += 1;
                drop(s);
                let seq = self.relay.post(mailbox_id, post_token, envelope)?;
                self.relay.post(mailbox_id, post_token, envelope)?;
                Ok(seq)
            }
            OnPost::Hold(k) if valid => {
                s.tally.held += 1;
                let at = s.step + 1 + u32::from(k % 8);
                s.held.push((at, mailbox_id.to_owned(), envelope.to_vec()));
                // Acknowledged: the sender believes it is on its way.
                Ok(u64::MAX / 2)
            }
            OnPost::Hold(_) => {
                drop(s);
                self.relay.post(mailbox_id, post_token, envelope)
            }
            OnPost::DropBeforeStore => {
                s.tally.dropped += 1;
                Err(TransportError::Unreachable {
                    detail: "hostile relay: dropped before storing".into(),
                })
            }
            OnPost::LoseAnswer => {
                s.tally.answers_lost += 1;
                drop(s);
                self.relay.post(mailbox_id, post_token, envelope)?;
                Err(TransportError::Unreachable {
                    detail: "hostile relay: stored, answer lost".into(),
                })
            }
            OnPost::Refuse(refusal) => {
                s.tally.refused += 1;
                if matches!(refusal, Refusal::TokenRevoked) {
                    s.tally.revocations_faked += 1;
                }
                Err(refusal.error())
            }
            OnPost::CopyElsewhere(k) => {
                let others: Vec<String> = s
                    .mailboxes
                    .iter()
                    .filter(|m| *m != mailbox_id)
                    .cloned()
                    .collect();
                drop(s);
                let seq = self.relay.post(mailbox_id, post_token, envelope)?;
                if !others.is_empty() {
                    let target = &others[usize::from(k) % others.len()];
                    self.relay.inject(target, envelope.to_vec()).unwrap();
                    self.lock().tally.copied += 1;
                }
                Ok(seq)
            }
        }
    }

    fn fetch(
        &self,
        mailbox_id: &str,
        read_token: &str,
        after: u64,
        limit: u32,
    ) -> Result<FetchPage, TransportError> {
        let on = self.lock().next_fetch();
        let mut page = self.relay.fetch(mailbox_id, read_token, after, limit)?;
        match on {
            OnFetch::Page => {}
            OnFetch::Reverse => {
                page.messages.reverse();
                self.lock().tally.reordered += 1;
            }
            OnFetch::Rotate(k) => {
                if !page.messages.is_empty() {
                    let by = usize::from(k) % page.messages.len();
                    page.messages.rotate_left(by);
                }
                self.lock().tally.reordered += 1;
            }
            OnFetch::Replay(k) => {
                // The memory relay numbers each mailbox 1, 2, 3...: what
                // is left of the first `after` was fetched before.
                let before = self
                    .relay
                    .fetch(mailbox_id, read_token, 0, after.min(1000) as u32)?;
                let again: Vec<_> = before
                    .messages
                    .into_iter()
                    .filter(|m| m.seq <= after)
                    .rev()
                    .step_by(2)
                    .take(usize::from(k % 4) + 1)
                    .collect();
                if !again.is_empty() {
                    self.lock().tally.replayed += 1;
                }
                page.messages.splice(0..0, again);
            }
            OnFetch::Refuse(refusal) => {
                let mut s = self.lock();
                s.tally.refused += 1;
                return Err(refusal.error());
            }
        }
        Ok(page)
    }

    fn prune(
        &self,
        mailbox_id: &str,
        read_token: &str,
        through: u64,
    ) -> Result<u64, TransportError> {
        self.relay.prune(mailbox_id, read_token, through)
    }
}

// ---------------------------------------------------------------------------
// The practice

/// What a therapist should hold of one check-in: (version, session date,
/// heard, hopeful, shared note).
type Row = (u32, String, u8, u8, Option<String>);
/// A client's check-ins as the therapist should hold them, by record.
type Shared = BTreeMap<Uuid, Row>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    Paired,
    /// Left the therapist; may join again.
    Left,
    /// Erased; the wipe waits for the next sync.
    Erasing,
    /// Erased and wiped: a fresh store, which may join again as a new device.
    Wiped,
}

#[derive(Debug, Clone, Copy)]
enum NoteKind {
    None,
    Shared,
    Private,
}

#[derive(Debug, Clone)]
enum Act {
    Record {
        who: usize,
        heard: u8,
        hopeful: u8,
        days_ago: u8,
        note: NoteKind,
    },
    Edit {
        who: usize,
        pick: usize,
        heard: u8,
        hopeful: u8,
        note: NoteKind,
    },
    Delete {
        who: usize,
        pick: usize,
    },
    ClientSyncs(usize),
    TherapistSyncs,
    Acknowledge,
    Leave(usize),
    Erase(usize),
    Join(usize),
    TimePasses(u8),
    /// The therapist replies to (or rewrites the reply to) one of a
    /// client's check-ins.
    Reply {
        who: usize,
        pick: usize,
    },
    /// A client pauses sharing, or resumes, sending what was held back or
    /// keeping it from this therapist for good.
    Pause(usize),
    Resume {
        who: usize,
        send_held: bool,
    },
}

struct Client {
    store: Store,
    standing: Standing,
    /// The device the therapist knows this client by (changes after a wipe).
    device: DeviceId,
    /// An invite not used yet (a join that failed is tried again with it).
    invite: Option<String>,
    ids: Vec<Uuid>,
    /// Records whose latest change was still waiting when the client left:
    /// leaving forgets it, so the therapist may hold any earlier version
    /// (until the client changes the record again).
    unsent: BTreeSet<Uuid>,
    /// Records made before the current pairing: joining kept them on the
    /// phone, so their later changes never reach this therapist.
    kept: BTreeSet<Uuid>,
    /// Revocations the relay had faked when this client began erasing.
    faked_at_erase: u32,
    /// A leave was tried and failed: the client tries again later (it may
    /// have reached the therapist, whose answer was lost).
    leaving: bool,
    /// Sharing is paused.
    paused: bool,
    /// Records made while paused: resuming without sending them keeps
    /// them (and their later changes) from this therapist.
    made_while_paused: BTreeSet<Uuid>,
    /// Records a resume kept from the therapist: no version of them may
    /// ever reach it (the model never shares what is held).
    kept_at_resume: BTreeSet<Uuid>,
}

struct Model {
    relay: Hostile,
    clock: std::sync::Arc<rapport_core::ManualClock>,
    dir: tempfile::TempDir,
    therapist: Store,
    clients: Vec<Client>,
    invites: u32,
    /// Every version the clients ever made of each record (`None`: deleted).
    versions: HashMap<Uuid, BTreeMap<u32, Option<Row>>>,
    /// Devices that left cleanly, with what the therapist must keep of them.
    left: HashMap<DeviceId, (Shared, BTreeSet<Uuid>)>,
    /// Devices whose erase finished.
    erased: BTreeSet<DeviceId>,
    /// Of those, the ones whose erase the relay refused to carry (it said
    /// the token was revoked): every check-in's tombstone went before, so
    /// the therapist holds no content of theirs, but may not know they
    /// erased.
    erased_untold: BTreeSet<DeviceId>,
    /// Devices whose leave the relay refused to carry (it said the token
    /// was revoked, and the client left all the same), or that erased after
    /// a leave whose answer was lost: the therapist keeps what reached it
    /// before, may not know they left or erased, and the refused message's
    /// number is truly missing. Only the weaker checks hold for them.
    unclean: BTreeSet<DeviceId>,
    /// Operations run so far (numbers the notes, so each is its own).
    steps: usize,
}

fn note(kind: NoteKind, n: usize) -> Option<Note> {
    match kind {
        NoteKind::None => None,
        NoteKind::Shared => Some(Note {
            text: format!("shared {n}"),
            visibility: NoteVisibility::Shared,
        }),
        NoteKind::Private => Some(Note {
            text: format!("private {n}"),
            visibility: NoteVisibility::Private,
        }),
    }
}

fn row_of(c: &rapport_core::CheckIn) -> Row {
    (
        c.version,
        c.session_date.to_string(),
        c.answers["heard"],
        c.answers["hopeful"],
        c.note
            .as_ref()
            .filter(|n| n.visibility == NoteVisibility::Shared)
            .map(|n| n.text.clone()),
    )
}

/// A client's own live check-ins, as the therapist should hold them.
fn own_state(store: &Store) -> Shared {
    store
        .all_checkins()
        .unwrap()
        .iter()
        .map(|c| (c.id, row_of(c)))
        .collect()
}

/// What the therapist holds, by device.
fn therapist_view(therapist: &Store) -> BTreeMap<DeviceId, (String, Shared)> {
    therapist
        .dashboard()
        .unwrap()
        .into_iter()
        .map(|c| {
            let rows = c
                .checkins
                .into_iter()
                .map(|r| {
                    (
                        r.record_id,
                        (
                            r.version,
                            r.body.session_date.to_string(),
                            r.body.answers["heard"],
                            r.body.answers["hopeful"],
                            r.body.shared_note,
                        ),
                    )
                })
                .collect();
            (c.device_id, (c.label, rows))
        })
        .collect()
}

/// An error an operation may meet while the relay misbehaves: the relay's,
/// and nothing else.
fn expect_transport<T: std::fmt::Debug>(what: &str, result: &Result<T, Error>) {
    if let Err(e) = result {
        assert!(
            matches!(e, Error::Transport(_)),
            "{what}: an error that is not the relay's: {e:?}"
        );
    }
}

impl Model {
    fn new(clients: usize, posts: Vec<OnPost>, fetches: Vec<OnFetch>) -> Model {
        let relay = Hostile::new(posts, fetches);
        let labels: Vec<String> = (0..clients).map(|i| format!("c{i}-0")).collect();
        let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
        let p = practice(&relay, &labels);
        let clients = p
            .clients
            .into_iter()
            .map(|mut store| Client {
                device: store.device_identity().unwrap().device_id(),
                store,
                standing: Standing::Paired,
                invite: None,
                ids: Vec::new(),
                unsent: BTreeSet::new(),
                kept: BTreeSet::new(),
                faked_at_erase: 0,
                leaving: false,
                paused: false,
                made_while_paused: BTreeSet::new(),
                kept_at_resume: BTreeSet::new(),
            })
            .collect();
        relay.set_faulty(true);
        Model {
            relay,
            clock: p.clock,
            dir: p.dir,
            therapist: p.therapist,
            clients,
            invites: 0,
            versions: HashMap::new(),
            left: HashMap::new(),
            erased: BTreeSet::new(),
            erased_untold: BTreeSet::new(),
            unclean: BTreeSet::new(),
            steps: 0,
        }
    }

    fn remember(&mut self, id: Uuid, version: u32, row: Option<Row>) {
        self.versions.entry(id).or_default().insert(version, row);
    }

    fn run(&mut self, act: &Act) {
        let n = self.clients.len();
        self.relay.step();
        match *act {
            Act::Record {
                who,
                heard,
                hopeful,
                days_ago,
                note: kind,
            } => {
                let i = who % n;
                let draft = on(
                    today() - Days::new(days_ago.into()),
                    draft(heard, hopeful, None),
                );
                let draft = rapport_core::CheckInDraft {
                    note: note(kind, self.steps),
                    ..draft
                };
                let c = self.clients[i].store.record(draft).unwrap();
                if self.clients[i].paused {
                    self.clients[i].made_while_paused.insert(c.id);
                }
                self.clients[i].ids.push(c.id);
                self.clients[i].unsent.remove(&c.id);
                self.remember(c.id, c.version, Some(row_of(&c)));
            }
            Act::Edit {
                who,
                pick,
                heard,
                hopeful,
                note: kind,
            } => {
                let i = who % n;
                let Some(&id) = pick_one(&self.clients[i].ids, pick) else {
                    return;
                };
                let Some(CheckInRecord::Live(old)) = self.clients[i].store.get(id).unwrap() else {
                    return;
                };
                let mut d = draft(heard, hopeful, None);
                d.session_date = old.session_date;
                d.note = note(kind, self.steps);
                let c = self.clients[i].store.edit(id, d).unwrap();
                self.clients[i].unsent.remove(&c.id);
                self.remember(c.id, c.version, Some(row_of(&c)));
            }
            Act::Delete { who, pick } => {
                let i = who % n;
                let Some(&id) = pick_one(&self.clients[i].ids, pick) else {
                    return;
                };
                if !matches!(
                    self.clients[i].store.get(id).unwrap(),
                    Some(CheckInRecord::Live(_))
                ) {
                    return; // deleting again changes nothing
                }
                let t = self.clients[i].store.delete(id).unwrap();
                self.clients[i].unsent.remove(&t.id);
                self.remember(t.id, t.version, None);
            }
            Act::ClientSyncs(who) => {
                self.client_syncs(who % n);
            }
            Act::TherapistSyncs => {
                let result = self.therapist.sync(&self.relay);
                expect_transport("therapist sync", &result);
            }
            Act::Acknowledge => {
                self.therapist.acknowledge_all().unwrap();
            }
            Act::Leave(who) => self.leave(who % n),
            Act::Erase(who) => self.erase(who % n),
            Act::Join(who) => self.join(who % n),
            Act::Reply { who, pick } => {
                let i = who % n;
                let Some(&id) = pick_one(&self.clients[i].ids, pick) else {
                    return;
                };
                let text = format!("reply {}", self.steps);
                match self.therapist.reply_to_checkin(id, &text) {
                    Ok(_) | Err(Error::ReplyClosed) => {}
                    Err(Error::Store(StoreError::CheckInNotFound { .. })) => {}
                    Err(e) => panic!("reply: {e:?}"),
                }
            }
            Act::Pause(who) => {
                let client = &mut self.clients[who % n];
                if client.standing == Standing::Paired && !client.paused {
                    client.store.pause_sharing().unwrap();
                    client.paused = true;
                }
            }
            Act::Resume { who, send_held } => self.resume(who % n, send_held),
            Act::TimePasses(hours) => {
                self.clock
                    .advance(Duration::hours(i64::from(hours % 12) + 1));
            }
        }
        self.steps += 1;
    }

    fn client_syncs(&mut self, i: usize) -> Option<SyncReport> {
        let client = &mut self.clients[i];
        if !matches!(client.standing, Standing::Paired | Standing::Erasing) {
            return None;
        }
        let result = client.store.sync(&self.relay);
        expect_transport("client sync", &result);
        let report = result.ok()?;
        if report.erased {
            assert_eq!(client.standing, Standing::Erasing, "{report}");
            self.wiped(i);
        }
        assert!(!report.ended_by_therapist, "nobody revoked: {report}");
        Some(report)
    }

    fn leave(&mut self, i: usize) {
        if self.clients[i].standing != Standing::Paired {
            return;
        }
        let faked = self.relay.revocations_faked();
        let device = self.clients[i].device;
        for _ in 0..4 {
            let client = &mut self.clients[i];
            let waiting: Vec<Uuid> = client
                .store
                .pending_outbox(1000)
                .unwrap()
                .into_iter()
                .map(|e| e.record_id)
                .collect();
            let result = client.store.leave_therapist(&self.relay);
            expect_transport("leave", &result);
            if result.is_ok() {
                client.standing = Standing::Left;
                client.paused = false;
                client.made_while_paused.clear();
                client.leaving = false;
                client.unsent.extend(waiting);
                let not_told: BTreeSet<Uuid> = client.unsent.union(&client.kept).copied().collect();
                client.kept.clear();
                self.left
                    .insert(device, (own_state(&client.store), not_told));
                if self.relay.revocations_faked() != faked {
                    // The relay said the token was revoked; whatever went
                    // out before that is all the therapist will have.
                    self.unclean.insert(device);
                }
                return;
            }
        }
        self.clients[i].leaving = true;
    }

    /// A client's erase finished with this sync.
    fn wiped(&mut self, i: usize) {
        let client = &mut self.clients[i];
        if !self.unclean.contains(&client.device) {
            self.erased.insert(client.device);
        }
        if self.relay.revocations_faked() != client.faked_at_erase {
            self.erased_untold.insert(client.device);
        }
        client.standing = Standing::Wiped;
        client.paused = false;
        client.made_while_paused.clear();
        client.ids.clear();
        client.unsent.clear();
        client.kept.clear();
        client.leaving = false;
    }

    fn erase(&mut self, i: usize) {
        let faked = self.relay.revocations_faked();
        let client = &mut self.clients[i];
        match client.standing {
            Standing::Paired | Standing::Erasing => {
                if client.standing == Standing::Paired {
                    client.faked_at_erase = faked;
                }
                if client.leaving {
                    // The leave may have reached the therapist before the
                    // erase: then what was shared stays with them, as after
                    // any leave, and the erase cannot follow it there.
                    self.unclean.insert(client.device);
                }
                client.leaving = false;
                let wiped = client.store.erase_everything().unwrap();
                assert!(!wiped, "a paired client's erase waits for a sync");
                client.standing = Standing::Erasing;
                client.paused = false;
                client.made_while_paused.clear();
                self.client_syncs(i);
            }
            Standing::Left | Standing::Wiped => {
                assert!(client.store.erase_everything().unwrap());
                client.standing = Standing::Wiped;
                client.paused = false;
                client.made_while_paused.clear();
                client.ids.clear();
                client.unsent.clear();
                client.kept.clear();
                // An invite is single use: one a join attempt of the wiped
                // device may have used is no good to the fresh one.
                client.invite = None;
            }
        }
    }

    fn join(&mut self, i: usize) {
        if !matches!(self.clients[i].standing, Standing::Left | Standing::Wiped) {
            return;
        }
        for _ in 0..3 {
            if self.clients[i].invite.is_none() {
                self.invites += 1;
                let label = format!("c{i}-{}", self.invites);
                let invite = self
                    .therapist
                    .invite_client(&self.relay, &label, Duration::days(7))
                    .unwrap();
                self.clients[i].invite = Some(invite.to_uri());
            }
            let client = &mut self.clients[i];
            let uri = client.invite.clone().unwrap();
            match client
                .store
                .client_join(&self.relay, &uri, Consent::CURRENT_VERSION)
            {
                Ok(_) => {
                    client.invite = None;
                    client.standing = Standing::Paired;
                    // Everything made before stays on the phone.
                    client.kept = client.ids.iter().copied().collect();
                    client.device = client.store.device_identity().unwrap().device_id();
                    // Joined again: what it holds now is what the therapist should.
                    self.left.remove(&client.device);
                    return;
                }
                Err(Error::Transport(_)) => {}
                Err(Error::Invite(_)) => client.invite = None,
                Err(e) => panic!("join: {e:?}"),
            }
        }
    }

    /// A paused client resumes: what it recorded while paused goes to the
    /// therapist when `send_held`, and is kept from it otherwise.
    fn resume(&mut self, i: usize, send_held: bool) {
        let client = &mut self.clients[i];
        if client.standing == Standing::Paired && client.paused {
            client.store.resume_sharing(send_held).unwrap();
            client.paused = false;
            let made = std::mem::take(&mut client.made_while_paused);
            if !send_held {
                client.kept.extend(made.iter().copied());
                client.kept_at_resume.extend(made);
            }
        }
    }

    /// Everything held published, faults off, everyone synced until
    /// nothing moves; then one acknowledgement and its receipts. Returns
    /// the last report of the therapist and of each client still paired.
    fn quiet(&mut self) -> (SyncReport, Vec<Option<SyncReport>>) {
        self.relay.quiet();
        // Whoever paused resumes, sending what was held back.
        for i in 0..self.clients.len() {
            self.resume(i, true);
        }
        for _ in 0..3 {
            for i in 0..self.clients.len() {
                // What the relay cut short, the client finishes now.
                if self.clients[i].leaving && self.clients[i].standing == Standing::Paired {
                    self.leave(i);
                    assert_eq!(self.clients[i].standing, Standing::Left, "leave");
                }
                if self.clients[i].invite.is_some() {
                    self.join(i);
                    assert_eq!(self.clients[i].standing, Standing::Paired, "join");
                }
                if let Some(report) = self.client_syncs_quietly(i) {
                    assert!(!report.token_refused, "client {i}: {report}");
                }
            }
            self.therapist.sync(&self.relay).unwrap();
        }
        self.therapist.acknowledge_all().unwrap();
        self.therapist.sync(&self.relay).unwrap();
        for i in 0..self.clients.len() {
            self.client_syncs_quietly(i);
        }
        let therapist = self.therapist.sync(&self.relay).unwrap();
        let clients = (0..self.clients.len())
            .map(|i| self.client_syncs_quietly(i))
            .collect();
        (therapist, clients)
    }

    fn client_syncs_quietly(&mut self, i: usize) -> Option<SyncReport> {
        let client = &mut self.clients[i];
        if !matches!(client.standing, Standing::Paired | Standing::Erasing) {
            return None;
        }
        let report = client.store.sync(&self.relay).unwrap();
        if report.erased {
            self.wiped(i);
        }
        Some(report)
    }

    fn quarantine_reasons(&self, db: &str) -> BTreeMap<String, i64> {
        let conn = rusqlite::Connection::open(self.dir.path().join(db)).unwrap();
        let mut stmt = conn
            .prepare("SELECT reason, count(*) FROM quarantine GROUP BY reason")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn rows_held_of(&self, device: &DeviceId) -> i64 {
        let conn = rusqlite::Connection::open(self.dir.path().join("t.db")).unwrap();
        conn.query_row(
            "SELECT count(*) FROM received WHERE sender = ?1",
            [device.to_string()],
            |r| r.get(0),
        )
        .unwrap()
    }

    /// The invariants, after [`Model::quiet`].
    fn check(
        &self,
        therapist: &SyncReport,
        clients: &[Option<SyncReport>],
    ) -> Result<(), TestCaseError> {
        let view = therapist_view(&self.therapist);

        // Nothing a client kept when resuming reached the therapist.
        for (i, client) in self.clients.iter().enumerate() {
            for (device, (_, rows)) in &view {
                for id in &client.kept_at_resume {
                    prop_assert!(
                        !rows.contains_key(id),
                        "client {i}: {id}, kept when resuming, reached the therapist ({device})"
                    );
                }
            }
        }

        // Whatever the therapist holds is something a client made.
        for (device, (label, rows)) in &view {
            for (id, row) in rows {
                let made = self.versions.get(id).and_then(|v| v.get(&row.0));
                prop_assert!(
                    made == Some(&Some(row.clone())),
                    "{label} ({device}): the therapist holds {row:?} of {id}, never made"
                );
            }
        }

        // (a) Each client's final state, for what it shared.
        for (i, client) in self.clients.iter().enumerate() {
            if client.standing != Standing::Paired || self.unclean.contains(&client.device) {
                continue;
            }
            let held = view.get(&client.device).map(|(_, rows)| rows.clone());
            let not_told: BTreeSet<Uuid> = client.unsent.union(&client.kept).copied().collect();
            agrees(
                &held.unwrap_or_default(),
                &own_state(&client.store),
                &not_told,
            )
            .map_err(|e| TestCaseError::fail(format!("client {i} (paired): {e}")))?;
            prop_assert!(
                client.store.pending_outbox(1).unwrap().is_empty(),
                "client {i}: outbox not drained"
            );
        }
        for (device, (shared, unsent)) in &self.left {
            if self.unclean.contains(device) || self.erased.contains(device) {
                continue;
            }
            let held = view.get(device).map(|(_, rows)| rows.clone());
            agrees(&held.unwrap_or_default(), shared, unsent)
                .map_err(|e| TestCaseError::fail(format!("{device} (left): {e}")))?;
        }

        // (b) An erased client stays erased.
        for device in &self.erased {
            let rows = view.get(device).map_or(0, |(_, rows)| rows.len());
            prop_assert_eq!(rows, 0, "{} erased, yet on the dashboard", device);
            if !self.erased_untold.contains(device) {
                prop_assert_eq!(self.rows_held_of(device), 0, "{} erased, rows kept", device);
            }
        }

        // (c) No false gaps. A leave the relay refused is the one message
        // a client gives up on (it leaves, or wipes, all the same): its
        // number is truly missing, so gaps from that client are not false.
        let false_gaps: Vec<_> = therapist
            .gaps
            .iter()
            .filter(|g| {
                !self.unclean.contains(&g.sender) && !self.erased_untold.contains(&g.sender)
            })
            .collect();
        prop_assert!(false_gaps.is_empty(), "therapist: {}", therapist);
        for (i, report) in clients.iter().enumerate() {
            if let Some(report) = report {
                prop_assert!(report.gaps.is_empty(), "client {}: {}", i, report);
            }
        }

        // (d) Quarantine: only what no later message can cure (what the
        // relay misdelivered), never a sender waiting for its pairing.
        let misdelivered = [
            QuarantineKind::DecryptionFailed,
            QuarantineKind::WrongMailbox,
            QuarantineKind::WrongRecipient,
        ]
        .map(QuarantineKind::code);
        let curable = |reasons: &BTreeMap<String, i64>| {
            reasons
                .keys()
                .filter(|r| !misdelivered.contains(&r.as_str()))
                .cloned()
                .collect::<Vec<_>>()
        };
        let reasons = self.quarantine_reasons("t.db");
        prop_assert!(curable(&reasons).is_empty(), "therapist: {reasons:?}");
        for i in 0..self.clients.len() {
            let reasons = self.quarantine_reasons(&format!("c{i}.db"));
            prop_assert!(curable(&reasons).is_empty(), "client {i}: {reasons:?}");
        }

        // (e) Replies: a client holds the therapist's latest reply to each
        // of its check-ins the therapist was told of; and nobody is left
        // paused in the therapist's eyes after resuming.
        for (i, client) in self.clients.iter().enumerate() {
            if client.standing != Standing::Paired || self.unclean.contains(&client.device) {
                continue;
            }
            for c in client.store.all_checkins().unwrap() {
                if client.unsent.contains(&c.id) || client.kept.contains(&c.id) {
                    continue;
                }
                let wrote = self.therapist.reply_for(c.id).unwrap();
                let got = client.store.reply_for(c.id).unwrap();
                let version = |r: &Option<rapport_core::sync::Reply>| {
                    r.as_ref().map(|r| (r.text.clone(), r.version))
                };
                prop_assert_eq!(
                    version(&got),
                    version(&wrote),
                    "client {}: the reply to {}",
                    i,
                    c.id
                );
            }
            prop_assert_eq!(
                self.therapist.client_paused_since(&client.device).unwrap(),
                None,
                "client {} resumed",
                i
            );
        }

        // Every check-in the therapist holds was acknowledged above, and
        // shows as seen on the phone.
        for (i, client) in self.clients.iter().enumerate() {
            if client.standing != Standing::Paired || self.unclean.contains(&client.device) {
                continue;
            }
            for c in client.store.all_checkins().unwrap() {
                if client.unsent.contains(&c.id) || client.kept.contains(&c.id) {
                    continue; // the therapist never had this version
                }
                prop_assert!(
                    c.seen_at.is_some(),
                    "client {i}: {} v{} acknowledged but not seen",
                    c.id,
                    c.version
                );
            }
        }
        Ok(())
    }
}

/// The therapist holds exactly what the client has of every record, except
/// those it was not told of: whose last change was forgotten by a leave
/// (`unsent`), or that the pairing keeps on the phone (`kept`).
fn agrees(held: &Shared, own: &Shared, not_told: &BTreeSet<Uuid>) -> Result<(), String> {
    for id in held.keys().chain(own.keys()) {
        if !not_told.contains(id) && held.get(id) != own.get(id) {
            return Err(format!(
                "the therapist holds {:?} of {id}, the client {:?}",
                held.get(id),
                own.get(id)
            ));
        }
    }
    Ok(())
}

fn pick_one(ids: &[Uuid], pick: usize) -> Option<&Uuid> {
    (!ids.is_empty()).then(|| &ids[pick % ids.len()])
}

// ---------------------------------------------------------------------------
// Strategies

fn refusal() -> impl Strategy<Value = Refusal> {
    prop_oneof![
        2 => Just(Refusal::TokenRevoked),
        1 => Just(Refusal::MailboxFull),
        1 => Just(Refusal::RateLimited),
        1 => Just(Refusal::Unavailable),
    ]
}

fn on_post() -> impl Strategy<Value = OnPost> {
    prop_oneof![
        6 => Just(OnPost::Deliver),
        2 => Just(OnPost::Duplicate),
        3 => any::<u8>().prop_map(OnPost::Hold),
        2 => Just(OnPost::DropBeforeStore),
        2 => Just(OnPost::LoseAnswer),
        1 => refusal().prop_map(OnPost::Refuse),
        2 => any::<u8>().prop_map(OnPost::CopyElsewhere),
    ]
}

fn on_fetch() -> impl Strategy<Value = OnFetch> {
    prop_oneof![
        4 => Just(OnFetch::Page),
        2 => Just(OnFetch::Reverse),
        1 => any::<u8>().prop_map(OnFetch::Rotate),
        2 => any::<u8>().prop_map(OnFetch::Replay),
        1 => refusal().prop_map(OnFetch::Refuse),
    ]
}

fn note_kind() -> impl Strategy<Value = NoteKind> {
    prop_oneof![
        2 => Just(NoteKind::None),
        1 => Just(NoteKind::Shared),
        1 => Just(NoteKind::Private),
    ]
}

fn act() -> impl Strategy<Value = Act> {
    let who = 0usize..4;
    prop_oneof![
        5 => (who.clone(), 1u8..=5, 1u8..=5, 0u8..20, note_kind()).prop_map(
            |(who, heard, hopeful, days_ago, note)| Act::Record { who, heard, hopeful, days_ago, note }
        ),
        2 => (who.clone(), any::<usize>(), 1u8..=5, 1u8..=5, note_kind()).prop_map(
            |(who, pick, heard, hopeful, note)| Act::Edit { who, pick, heard, hopeful, note }
        ),
        1 => (who.clone(), any::<usize>()).prop_map(|(who, pick)| Act::Delete { who, pick }),
        4 => who.clone().prop_map(Act::ClientSyncs),
        3 => Just(Act::TherapistSyncs),
        1 => Just(Act::Acknowledge),
        1 => who.clone().prop_map(Act::Leave),
        1 => who.clone().prop_map(Act::Erase),
        2 => who.clone().prop_map(Act::Join),
        1 => any::<u8>().prop_map(Act::TimePasses),
        1 => (who.clone(), any::<usize>()).prop_map(|(who, pick)| Act::Reply { who, pick }),
        1 => who.clone().prop_map(Act::Pause),
        1 => (who, any::<bool>()).prop_map(|(who, send_held)| Act::Resume { who, send_held }),
    ]
}

/// 48 cases take about 10 s in a debug build; `PROPTEST_CASES` runs more
/// (3000 took about 10 CPU minutes).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(48)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// The therapist converges to every client's final state, whatever a
    /// relay does short of losing what it acknowledged.
    #[test]
    fn a_hostile_relay_cannot_make_the_therapist_and_clients_disagree(
        clients in 2usize..=4,
        acts in prop::collection::vec(act(), 1..=40),
        posts in prop::collection::vec(on_post(), 1..48),
        fetches in prop::collection::vec(on_fetch(), 1..24),
    ) {
        let mut model = Model::new(clients, posts, fetches);
        for act in &acts {
            model.run(act);
        }
        let (therapist, clients) = model.quiet();
        model.check(&therapist, &clients)?;
    }
}

#[test]
fn the_schedule_exercises_every_fault() {
    // One fixed schedule with every fault in it, so the property above is
    // known to reach them all even when proptest draws few of them.
    let posts = vec![
        OnPost::Deliver,
        OnPost::Duplicate,
        OnPost::Hold(3),
        OnPost::DropBeforeStore,
        OnPost::LoseAnswer,
        OnPost::Refuse(Refusal::TokenRevoked),
        OnPost::CopyElsewhere(0),
        OnPost::Hold(0),
        OnPost::CopyElsewhere(2),
        OnPost::Refuse(Refusal::RateLimited),
    ];
    let fetches = vec![
        OnFetch::Page,
        OnFetch::Reverse,
        OnFetch::Replay(2),
        OnFetch::Rotate(1),
        OnFetch::Refuse(Refusal::MailboxFull),
    ];
    let mut model = Model::new(3, posts, fetches);
    let mut acts = Vec::new();
    for round in 0..4usize {
        for who in 0..3 {
            acts.push(Act::Record {
                who,
                heard: 1 + (round + who) as u8 % 5,
                hopeful: 3,
                days_ago: (round * 3 + who) as u8,
                note: NoteKind::Shared,
            });
            acts.push(Act::ClientSyncs(who));
        }
        acts.push(Act::TherapistSyncs);
        acts.push(Act::Acknowledge);
        acts.push(Act::Reply {
            who: round % 3,
            pick: round,
        });
        acts.push(Act::TherapistSyncs);
        acts.push(if round % 2 == 0 {
            Act::Pause(round % 3)
        } else {
            Act::Resume {
                who: (round - 1) % 3,
                send_held: round % 4 == 1,
            }
        });
    }
    acts.extend([
        Act::Leave(0),
        Act::Erase(1),
        Act::Join(0),
        Act::Record {
            who: 0,
            heard: 5,
            hopeful: 5,
            days_ago: 0,
            note: NoteKind::None,
        },
        Act::ClientSyncs(0),
        Act::TherapistSyncs,
        Act::Join(1),
        Act::ClientSyncs(1),
        Act::TherapistSyncs,
    ]);
    for act in &acts {
        model.run(act);
    }
    let tally = model.relay.tally();
    let (therapist, clients) = model.quiet();
    model.check(&therapist, &clients).unwrap();
    assert!(
        tally.held > 0
            && tally.duplicated > 0
            && tally.dropped > 0
            && tally.answers_lost > 0
            && tally.revocations_faked > 0
            && tally.copied > 0
            && tally.reordered > 0
            && tally.replayed > 0,
        "{tally:?}"
    );
    // The copies in other mailboxes were refused there, not applied.
    let refused: i64 = (0..3)
        .map(|i| format!("c{i}.db"))
        .chain(["t.db".to_owned()])
        .flat_map(|db| model.quarantine_reasons(&db).into_values())
        .sum();
    assert!(refused > 0, "{tally:?}");
}
