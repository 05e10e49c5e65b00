//! Sync: the outbox drained in order through a [`Transport`], the inbox
//! fetched in pages and applied idempotently, receipts flowing back.
//!
//! Guarantees, each tested:
//! - Nothing is lost: an outbox entry is deleted only after the relay
//!   acknowledged it, and its envelope (with its sequence number) is stored
//!   before the first attempt, so a retry re-sends the very same message.
//! - Nothing is applied twice or out of date: the receiver applies a record
//!   only when its version is newer than what it holds; replays are counted
//!   and ignored; tombstones win over older versions that arrive late.
//! - The fetch cursor advances in the same transaction as the apply, so a
//!   crash between pages re-fetches at most one page, which then applies as
//!   duplicates.
//! - Memory is bounded by the page size, however much is waiting.

mod apply;
mod checkpoint;
mod dashboard;
mod erasing;
mod goals;
pub mod http;
mod joining;
mod membership;
mod messages;
mod pairings;
mod parallel;
mod received;
mod recovery;
mod replies;
mod send;
mod sharing;
pub mod transport;

pub use checkpoint::CHECKPOINT_EVERY;

use rusqlite::TransactionBehavior;

pub use crate::relay_url::RelayUrl;
pub use crate::role::Role;
pub use crate::store::Account;
pub use crate::store::Membership;
pub(crate) use dashboard::open_received;
pub use dashboard::{ClientCheckIns, ReceivedCheckIn};
pub(crate) use goals::open_held_goals;
pub use http::{HttpClient, HttpFailure, HttpRequest, HttpResponse, Method, RelayClient};
pub use joining::{JoinChoices, JoinOutcome};
pub use messages::{
    CheckInBody, EndedBody, GoalBody, GoalUpdate, LeaveBody, ReceiptBody, ReplyBody, SharingBody,
};
pub use replies::{REPLY_MAX_CHARS, Reply, check_reply_text};
pub use transport::{
    Faults, FetchPage, Fetched, MailboxCredentials, MemoryTransport, PostToken, RelayCode,
    Transport, TransportError,
};
#[cfg(feature = "fuzzing")]
pub(crate) use {
    goals::{held_goal_plaintext, open_held_goal},
    received::{received_address, received_row_id},
    replies::{open_reply, reply_address},
};

use crate::envelope::{self, Hello, Message, MessageKind};
use crate::error::{Error, NameField, QuarantineKind};
use crate::identity::DeviceId;
use crate::invite::{Invite, check_validity};
use crate::model::check_name;
use crate::store::account::{record_join, save_account};
use crate::store::goals::queue_shared_goals;
use crate::store::holding::settle_at_join;
use crate::store::joining::{PendingJoin, clear_pending_join, save_pending_join};
use crate::store::sequences::{begin_pairing, take_seq};
use crate::store::settings::save_crisis_country;
use crate::store::{Peer, Store, insert_peer};

/// Envelopes fetched per page; also the most held in memory at once.
pub const FETCH_PAGE: u32 = 256;

/// An envelope that was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantined {
    /// The relay's sequence number of the envelope.
    pub server_seq: u64,
    /// Why, as a kind (its `code()` is what the quarantine table stores).
    pub reason: QuarantineKind,
    /// A sentence for a person.
    pub detail: String,
}

/// Sequence numbers from a sender that have not arrived (yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderGap {
    /// The sender.
    pub sender: DeviceId,
    /// First missing number.
    pub first_missing: u64,
    /// Last missing number.
    pub last_missing: u64,
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Envelopes posted (check-ins, tombstones, receipts, replies).
    pub sent: u32,
    /// Outbox entries skipped because a newer version replaced them.
    pub superseded: u32,
    /// Envelopes fetched.
    pub received: u32,
    /// Envelopes that changed something.
    pub applied: u32,
    /// Envelopes already applied (retries, replays, older versions).
    pub duplicates: u32,
    /// Therapist: envelopes quarantined earlier because their sender was not
    /// paired yet (a relay delivered the hello late), applied now that it is.
    pub recovered: u32,
    /// Therapist: envelopes from a client who erased their data, dropped
    /// unread: an erase stays an erase whatever the relay delivers later.
    pub dropped_after_erase: u32,
    /// Refused envelopes.
    pub quarantined: Vec<Quarantined>,
    /// Missing sequence numbers after this sync: a relay may be dropping messages.
    pub gaps: Vec<SenderGap>,
    /// Labels of clients paired during this sync.
    pub paired: Vec<String>,
    /// Receipts ("seen") applied to the client's check-ins.
    pub receipts_applied: u32,
    /// Client: replies from the therapist kept (new ones and rewrites).
    pub replies_received: u32,
    /// Therapist: clients whose check-ins this sync changed; their insights
    /// (and only theirs) are recomputed on the next read.
    pub insights_to_refresh: u32,
    /// Client: sharing is paused, so no check-in was sent.
    pub paused: bool,
    /// Client: the therapist was told that sharing paused or resumed. Not
    /// counted in `sent`, which stays about check-ins and what answers them.
    pub sharing_notice_sent: bool,
    /// Client: the therapist ended the pairing (learnt in this sync, from
    /// their signed message).
    pub ended_by_therapist: bool,
    /// Client: the relay refused this device's post token, with no word
    /// from the therapist: nothing was sent and nothing ended; check-ins
    /// wait on this device.
    pub token_refused: bool,
    /// Client: the erase finished; this database is now empty.
    pub erased: bool,
    /// Therapist: clients who left or erased their data in this sync.
    pub left: Vec<DeviceId>,
    /// Messages the relay deleted from this device's mailbox, once applied.
    pub pruned: u64,
    /// Therapist: checkpoints posted to its own mailbox before pruning.
    pub checkpoints: u32,
    /// Therapist restored from a kit: the relay sequence number of the
    /// checkpoint put back (what came after it was then applied).
    pub restored_as_of: Option<u64>,
}

impl std::fmt::Display for SyncReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "sent {}, received {}, applied {}, duplicates {}, quarantined {}",
            self.sent,
            self.received,
            self.applied,
            self.duplicates,
            self.quarantined.len()
        )?;
        if self.superseded > 0 {
            write!(f, ", superseded {}", self.superseded)?;
        }
        if !self.paired.is_empty() {
            write!(f, ", paired {}", self.paired.join(", "))?;
        }
        if self.receipts_applied > 0 {
            write!(f, ", seen receipts {}", self.receipts_applied)?;
        }
        if self.replies_received > 0 {
            write!(f, ", replies from your therapist {}", self.replies_received)?;
        }
        if self.sharing_notice_sent {
            write!(
                f,
                ", told your therapist sharing is {}",
                if self.paused { "paused" } else { "on again" }
            )?;
        }
        if self.paused {
            write!(f, ", sharing paused (no check-in sent)")?;
        }
        if self.ended_by_therapist {
            write!(f, ", your therapist ended sharing")?;
        }
        if self.erased {
            write!(f, ", erased: nothing of yours is left on this device")?;
        }
        if let Some(as_of) = self.restored_as_of {
            write!(f, ", restored from the checkpoint at {as_of}")?;
        }
        if self.checkpoints > 0 {
            write!(f, ", checkpoint posted")?;
        }
        if self.pruned > 0 {
            write!(f, ", pruned {} from the relay", self.pruned)?;
        }
        if !self.left.is_empty() {
            write!(f, ", clients left {}", self.left.len())?;
        }
        for gap in &self.gaps {
            write!(
                f,
                "; missing messages {}..={} from {}",
                gap.first_missing, gap.last_missing, gap.sender
            )?;
        }
        for q in &self.quarantined {
            write!(f, "; quarantined #{}: {}", q.server_seq, q.detail)?;
        }
        Ok(())
    }
}

impl Store {
    /// Opening this store as `role`: refused with [`Error::WrongRole`] when
    /// it is set up for the other role, so a client app never runs on a
    /// therapist's database (or the reverse). `None` while it is not set up
    /// yet, which is how every device starts.
    pub fn expect_role(&self, role: Role) -> Result<Option<Account>, Error> {
        match self.account()? {
            Some(account) if account.role != role => Err(Error::WrongRole {
                expected: role,
                actual: account.role,
            }),
            account => Ok(account),
        }
    }

    /// The relay this device's account uses, reached through `http`.
    pub fn relay_client<H: HttpClient>(&self, http: H) -> Result<RelayClient<H>, Error> {
        let account = self.account()?.ok_or(Error::NoAccount)?;
        Ok(RelayClient::new(RelayUrl::parse(&account.relay_url)?, http))
    }

    /// This store's account, which must be set up as `role`:
    /// [`Error::NoAccount`] before set-up, [`Error::WrongRole`] for the
    /// other role.
    pub fn require_account(&self, role: Role) -> Result<Account, Error> {
        self.expect_role(role)?.ok_or(Error::NoAccount)
    }

    /// Sets this device up as a therapist: creates its mailbox on the relay
    /// at `relay_url` (checked by [`RelayUrl::parse`] before anything else).
    /// `name` is what clients see, checked by [`crate::model::check_name`]
    /// before anything is sent.
    pub fn therapist_init(
        &mut self,
        transport: &dyn Transport,
        relay_url: &str,
        name: &str,
    ) -> Result<Account, Error> {
        let relay_url = RelayUrl::parse(relay_url)?;
        if let Some(existing) = self.account()? {
            return Err(Error::AlreadySetUp {
                role: existing.role,
            });
        }
        let name = check_name(NameField::TherapistName, name)?;
        self.device_identity()?;
        let mailbox = transport.create_mailbox()?;
        let account = Account {
            role: Role::Therapist,
            relay_url: relay_url.as_str().to_owned(),
            mailbox_id: mailbox.mailbox_id,
            read_token: mailbox.read_token,
            name,
        };
        let now = self.options.clock.now();
        let (tx, cipher) = self.begin_with_cipher(TransactionBehavior::Deferred)?;
        save_account(&tx, cipher, &account, now)?;
        tx.commit()?;
        Ok(account)
    }

    /// Creates an invite for one client, with a fresh post-only token for
    /// this therapist's mailbox. `label` stays on this device. The label
    /// ([`crate::model::check_name`]) and `valid_for`
    /// ([`crate::invite::check_validity`]; [`crate::invite::default_validity`]
    /// when the therapist does not say) are checked before the relay is
    /// asked for anything.
    pub fn invite_client(
        &mut self,
        transport: &dyn Transport,
        label: &str,
        valid_for: chrono::Duration,
    ) -> Result<Invite, Error> {
        let account = self.require_account(Role::Therapist)?;
        check_name(NameField::ClientLabel, label)?;
        check_validity(valid_for)?;
        let token = transport.mint_post_token(&account.mailbox_id, &account.read_token)?;
        let invite = self.create_invite(
            &account.relay_url,
            &account.mailbox_id,
            &token.post_token,
            label,
            valid_for,
        )?;
        // Kept so revoking the client (or its leaving) can revoke the token.
        self.set_invite_token(&invite.invite_id(), &token.token_id)?;
        Ok(invite)
    }

    /// Joins a therapist by invite with nothing chosen but consent
    /// `consent_version`: [`Store::client_join_with`] and
    /// [`JoinChoices::accepting`].
    pub fn client_join(
        &mut self,
        transport: &dyn Transport,
        uri: &str,
        consent_version: u32,
    ) -> Result<Peer, Error> {
        let choices = JoinChoices::accepting(consent_version);
        Ok(self.client_join_with(transport, uri, &choices)?.therapist)
    }

    /// Joins a therapist by invite: creates this client's mailbox, gives the
    /// therapist a token to post receipts to it, and sends the hello; keeps
    /// the client's [`JoinChoices`] with the pairing. Of the check-ins this
    /// phone has, only the held ones the client chose to share
    /// ([`JoinChoices::share_held`]) and those made from now on go to this
    /// therapist. The consent version
    /// must be the current one ([`crate::model::Consent`]) and a crisis
    /// country a country code; both are checked before anything is sent.
    pub fn client_join_with(
        &mut self,
        transport: &dyn Transport,
        uri: &str,
        choices: &JoinChoices,
    ) -> Result<JoinOutcome, Error> {
        let consent_version = choices.consent_version;
        let current = crate::model::Consent::CURRENT_VERSION;
        if consent_version != current {
            return Err(Error::ConsentRequired {
                current,
                given: consent_version,
            });
        }
        let crisis_country = choices
            .crisis_country
            .as_deref()
            .map(crate::safety::check_country)
            .transpose()?;
        if let Some(existing) = self.account()? {
            return Err(Error::AlreadySetUp {
                role: existing.role,
            });
        }
        let now = self.options.clock.now();
        let invite = Invite::parse(uri, now)?;
        let me = self.device_identity()?;
        let attempt = match self.pending_join(&invite.invite_id())? {
            // A retry: the very same hello (`store/joining.rs`).
            Some(attempt) => attempt,
            None => {
                let mailbox = transport.create_mailbox()?;
                let token = transport.mint_post_token(&mailbox.mailbox_id, &mailbox.read_token)?;
                let hello = Hello::new(&invite, &me, &mailbox.mailbox_id, &token.post_token);
                // Numbering carries on from an earlier pairing with this
                // therapist, whose watermark for this device survived the
                // leave.
                let (tx, cipher) = self.begin_with_cipher(TransactionBehavior::Immediate)?;
                let seq = take_seq(&tx, cipher, &invite.therapist.device_id)?;
                let message = Message {
                    kind: MessageKind::Hello,
                    sender: me.device_id(),
                    seq,
                    record_id: uuid::Uuid::from_bytes(invite.invite_id()),
                    record_version: 1,
                    sent_at: now,
                    body: hello.to_bytes(),
                };
                let attempt = PendingJoin {
                    invite_id: invite.invite_id(),
                    mailbox_id: mailbox.mailbox_id,
                    read_token: mailbox.read_token,
                    token_id: token.token_id,
                    envelope: envelope::seal(
                        &me,
                        message,
                        &invite.mailbox_id,
                        &invite.therapist.age_recipient,
                    )?,
                };
                save_pending_join(&tx, cipher, &attempt)?;
                tx.commit()?;
                attempt
            }
        };
        transport.post(&invite.mailbox_id, &invite.post_token, &attempt.envelope)?;
        let account = Account {
            role: Role::Client,
            relay_url: invite.relay_url.clone(),
            mailbox_id: attempt.mailbox_id,
            read_token: attempt.read_token,
            name: String::new(),
        };
        let therapist = Peer {
            card: invite.therapist.clone(),
            label: "therapist".into(),
            mailbox_id: invite.mailbox_id.clone(),
            post_token: invite.post_token.clone(),
            paired_at: now,
        };
        let (tx, cipher) = self.begin_with_cipher(TransactionBehavior::Deferred)?;
        save_account(&tx, cipher, &account, now)?;
        record_join(&tx, consent_version, &attempt.token_id)?;
        insert_peer(&tx, cipher, &therapist)?;
        begin_pairing(&tx, cipher, &invite.therapist.device_id)?;
        queue_shared_goals(&tx, cipher, now)?;
        clear_pending_join(&tx)?;
        if let Some(country) = &crisis_country {
            save_crisis_country(&tx, cipher, Some(country))?;
        }
        // Nothing made before this pairing goes to this therapist unless
        // the client chose to share what was held.
        let held = settle_at_join(&tx, cipher, choices.share_held, now)?;
        tx.commit()?;
        Ok(JoinOutcome {
            therapist,
            crisis_country: self.crisis_country()?,
            held,
            shared_held: choices.share_held,
        })
    }

    /// Sends what is waiting and applies what arrived.
    pub fn sync(&mut self, transport: &dyn Transport) -> Result<SyncReport, Error> {
        self.sync_with_progress(transport, &mut |_| {})
    }

    /// Like [`Store::sync`], calling `progress` with the running report after
    /// every page, for a progress bar.
    pub fn sync_with_progress(
        &mut self,
        transport: &dyn Transport,
        progress: &mut dyn FnMut(&SyncReport),
    ) -> Result<SyncReport, Error> {
        let account = self.account()?.ok_or(Error::NoAccount)?;
        let me = self.device_identity()?;
        let mut report = SyncReport::default();
        let membership = self.membership()?;
        if membership == Some(Membership::Erasing) {
            // Check-ins recorded since the erase began go the same way, so
            // the therapist is sent a tombstone for every one of them before
            // the erase itself (which a relay may refuse to carry). Goals
            // set since are deleted too.
            self.delete_every_checkin()?;
            self.delete_every_goal()?;
        }
        // The relay refusing our post token means the therapist revoked it.
        let sent = match (account.role, membership) {
            (Role::Client, Some(Membership::Revoked { .. })) => Ok(()),
            (Role::Client, Some(Membership::Active { .. })) if send::leaving(self)? => {
                // Asked to leave, the leave not through yet: what is numbered
                // goes (as leaving again would send it), nothing new is
                // numbered; check-ins recorded meanwhile wait, and are held
                // for the next pairing once the leave is through.
                let therapist = send::the_therapist(self)?;
                sharing::send_numbered(self, transport, &me, &therapist)
            }
            (Role::Client, _) => {
                // A pause or resume is told first, even while paused: pausing
                // holds back check-ins, not the news that they are held back.
                sharing::send_notice(self, transport, &me, &mut report).and_then(|()| {
                    if membership == Some(Membership::Active { paused: true }) {
                        report.paused = true;
                        Ok(())
                    } else {
                        send::drain_outbox(self, transport, &me, &mut report, progress)
                    }
                })
            }
            (Role::Therapist, _) => {
                send::send_receipts(self, transport, &me, &mut report, progress)?;
                replies::send_replies(self, transport, &me, &mut report, progress)
            }
        };
        let token_revoked = match sent {
            Err(Error::Transport(TransportError::Refused {
                code: RelayCode::TokenRevoked,
                ..
            })) if account.role == Role::Client => true,
            other => {
                other?;
                false
            }
        };
        if membership == Some(Membership::Erasing) {
            self.go_on_erasing(
                transport,
                &me,
                &account,
                token_revoked,
                &mut report,
                progress,
            )?;
            return Ok(report);
        }
        if account.role == Role::Therapist && self.is_restoring()? {
            checkpoint::restore_newest(self, transport, &me, &account, &mut report)?;
        }
        let erased_before = self.erased_devices()?.len();
        apply::fetch_and_apply(self, transport, &me, &account, &mut report, progress)?;
        report.gaps = apply::gaps(self)?;
        match account.role {
            Role::Client => checkpoint::prune_applied(self, transport, &account, &mut report)?,
            Role::Therapist => {
                // After an erase, the client's ciphertext leaves the relay now.
                let erased_now = self.erased_devices()?.len() > erased_before;
                checkpoint::checkpoint_and_prune(
                    self,
                    transport,
                    &me,
                    &account,
                    &mut report,
                    erased_now,
                )?;
            }
        }
        match account.role {
            // The relay's word alone ends nothing: a relay can say
            // `token_revoked` of any token. A therapist who ends the
            // pairing says so in a signed message, applied above; until
            // then check-ins wait here, and the app can say the relay
            // refuses to carry them.
            Role::Client if token_revoked && !report.ended_by_therapist => {
                report.token_refused = true;
            }
            Role::Client => {}
            Role::Therapist => {
                membership::revoke_ended_tokens(self, transport, &account)?;
                // Insights of the clients this sync changed are recomputed
                // on the next read, not here: a background sync does not
                // pay for a dashboard nobody is looking at yet.
            }
        }
        Ok(report)
    }
}
