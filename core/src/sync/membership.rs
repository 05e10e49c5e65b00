//! The client's rights over the pairing, and the therapist's way to end it:
//! pause sharing, leave, erase everything, revoke.
//!
//! - Pausing keeps new check-ins on the phone (held) until sharing resumes,
//!   when the client chooses whether to send them or keep them; the
//!   therapist is told that sharing paused (and resumed), so the silence is
//!   not read as a client who stopped checking in.
//! - Leaving tells the therapist, revokes the therapist's token for this
//!   client's mailbox, and forgets the pairing; check-ins stay on the phone.
//! - Erasing deletes every check-in's content and every goal at once and
//!   queues tombstones; the next sync delivers them with an "erase" leave,
//!   then wipes this database. The therapist deletes everything it held of
//!   the client, goals too.
//! - Revoking (therapist) tells the client, revokes the client's post token,
//!   and marks the pairing ended; the client learns it on its next sync.

use chrono::{DateTime, Utc};
use rusqlite::TransactionBehavior;

use super::messages::{EndedBody, LeaveBody};
use super::send::the_therapist;
use super::sharing::send_numbered;
use super::{Role, SyncReport, Transport, TransportError};
use crate::envelope::{self, Message, MessageKind};
use crate::error::{Error, SharingEndedBy};
use crate::identity::DeviceIdentity;
use crate::store::Membership;
use crate::store::holding::settle_at_end;
use crate::store::membership::{end_by_therapist, end_pairing, erase_client};
use crate::store::outbox::clear_outbox;
use crate::store::sequences::leave_seq;
use crate::store::{HeldCheckIns, Peer, Store};

impl Store {
    /// Keeps new check-ins on this device until [`Store::resume_sharing`].
    /// The therapist learns that sharing is paused (not why) on the next sync.
    pub fn pause_sharing(&mut self) -> Result<(), Error> {
        self.set_paused(true)
    }

    /// Shares new check-ins again from the next sync on; the therapist
    /// learns first that sharing resumed. What was held back during the
    /// pause ([`Store::held_checkins`], returned) is sent too when
    /// `send_held`, and otherwise stays on this phone, never sent to this
    /// therapist (still offered to a later one).
    pub fn resume_sharing(&mut self, send_held: bool) -> Result<HeldCheckIns, Error> {
        self.require_account(Role::Client)?;
        self.require_active()?;
        let held = self.settle_resume(send_held)?;
        self.set_paused(false)?;
        Ok(held)
    }

    fn set_paused(&mut self, paused: bool) -> Result<(), Error> {
        self.require_account(Role::Client)?;
        self.require_active()?;
        // The therapist is told on the next sync, even while paused.
        let now = self.options.clock.now();
        self.queue_sharing_notice(paused, now)
    }

    fn require_active(&self) -> Result<(), Error> {
        match self.membership()? {
            Some(Membership::Erasing) => Err(Error::SharingEnded {
                how: SharingEndedBy::Erasing,
            }),
            Some(Membership::Revoked { .. }) => Err(Error::SharingEnded {
                how: SharingEndedBy::Revoked,
            }),
            _ => Ok(()),
        }
    }

    /// Leaves the therapist: tells them (what was shared stays with them),
    /// revokes their token for this client's mailbox, and forgets the
    /// pairing. Check-ins stay here; joining another therapist is possible
    /// afterwards. If the relay cannot be reached the pairing stays, and a
    /// retry sends the same leave; until then, sync numbers nothing new for
    /// the therapist (`send::leaving`). If the relay refuses this client's
    /// token, the leave goes on here: the therapist has it already (its answer
    /// was lost) or can no longer be reached through this relay.
    pub fn leave_therapist(&mut self, transport: &dyn Transport) -> Result<(), Error> {
        self.require_account(Role::Client)?;
        if !matches!(self.membership()?, Some(Membership::Revoked { .. })) {
            self.send_leave(transport, false)?;
        }
        self.forget_pairing()
    }

    /// Erases everything: every check-in's content and every goal now
    /// (tombstones queued for the therapist), then, on the next sync, the tombstones and an erase
    /// request go out and this database is wiped. Without a therapist the
    /// wipe happens at once. Returns whether the wipe is complete.
    pub fn erase_everything(&mut self) -> Result<bool, Error> {
        self.release_known_for_erase()?;
        self.delete_every_checkin()?;
        self.delete_every_goal()?;
        match self.membership()? {
            Some(Membership::Active { .. }) | Some(Membership::Erasing) => {
                self.mark_erasing()?;
                Ok(false)
            }
            _ => {
                self.wipe()?;
                Ok(true)
            }
        }
    }

    /// Deletes every live check-in (tombstones queued for the therapist).
    pub(super) fn delete_every_checkin(&mut self) -> Result<(), Error> {
        for id in self.live_checkin_ids()? {
            self.delete(id)?;
        }
        Ok(())
    }

    /// The last step of an erase, during sync once the tombstones are out.
    pub(super) fn finish_erase(
        &mut self,
        transport: &dyn Transport,
        report: &mut SyncReport,
    ) -> Result<(), Error> {
        self.send_leave(transport, true)?;
        self.prune_everything(transport);
        self.wipe()?;
        report.erased = true;
        Ok(())
    }

    /// Erasing: asks the relay to delete what waits in this client's own
    /// mailbox (receipts, replies). Best effort: the wipe that follows takes
    /// the keys that could read any of it.
    pub(super) fn prune_everything(&mut self, transport: &dyn Transport) {
        if let Ok(account) = self.require_account(Role::Client) {
            let _ = transport.prune(
                &account.mailbox_id,
                &account.read_token,
                crate::envelope::MAX_SEQ,
            );
        }
    }

    /// Tells the therapist: first what was sealed for them already (each
    /// has its sequence number and may be on the relay: the leave leaves no
    /// hole in the numbering), then the leave, with a number reserved once
    /// so a retried leave is the same message. Changes not sealed yet are
    /// forgotten with the pairing.
    fn send_leave(&mut self, transport: &dyn Transport, erase: bool) -> Result<(), Error> {
        let me = self.device_identity()?;
        let therapist = the_therapist(self)?;
        let at = self.options.clock.now();
        let body = postcard::to_allocvec(&LeaveBody { erase, at }).unwrap_or_default();
        let told = send_numbered(self, transport, &me, &therapist).and_then(|()| {
            let (tx, cipher) = self.begin_with_cipher(TransactionBehavior::Immediate)?;
            let seq = leave_seq(&tx, cipher, &therapist.card.device_id, erase)?;
            tx.commit()?;
            post_numbered(
                self,
                transport,
                &me,
                &therapist,
                MessageKind::Leave,
                seq,
                body,
            )
        });
        match told {
            Ok(()) => {}
            // The token is dead: the therapist ended the pairing, or has
            // this leave already (its answer was lost), or the relay says
            // so. Nothing reaches the therapist with it any more; leaving
            // goes on here rather than never.
            Err(Error::Transport(TransportError::Refused {
                status: 403 | 404, ..
            })) => {}
            Err(e) => return Err(e),
        }
        // Stop the therapist posting here; a v4 pairing did not keep the id.
        let account = self.require_account(Role::Client)?;
        if let Some(token_id) = self.peer_token_id()? {
            match transport.revoke_post_token(&account.mailbox_id, &account.read_token, &token_id) {
                Ok(()) | Err(TransportError::Refused { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Therapist: ends the pairing with the client labelled `label`. The
    /// client is told (on its next sync) and its post token is revoked, so
    /// nothing more arrives from it; what it shared stays here.
    pub fn revoke_client(&mut self, transport: &dyn Transport, label: &str) -> Result<(), Error> {
        let account = self.require_account(Role::Therapist)?;
        let client = self.client_by_label(label)?;
        let device = client.card.device_id.to_string();
        if self.pairing_ended_at(&device)?.is_none() {
            let me = self.device_identity()?;
            let at = self.options.clock.now();
            let body = postcard::to_allocvec(&EndedBody { at }).unwrap_or_default();
            // Numbered once, like a leave: a retry is the same message.
            let (tx, cipher) = self.begin_with_cipher(TransactionBehavior::Immediate)?;
            let seq = leave_seq(&tx, cipher, &client.card.device_id, false)?;
            tx.commit()?;
            let told = post_numbered(self, transport, &me, &client, MessageKind::Ended, seq, body);
            match told {
                // The client left already and revoked our token: nothing to tell.
                Ok(()) | Err(Error::Transport(TransportError::Refused { status: 403, .. })) => {}
                Err(e) => return Err(e),
            }
            self.end_pairing(&device, at, "revoked")?;
        }
        revoke_ended_tokens(self, transport, &account)?;
        Ok(())
    }
}

/// Seals and posts one message numbered `seq` right away.
fn post_numbered(
    store: &mut Store,
    transport: &dyn Transport,
    me: &DeviceIdentity,
    to: &Peer,
    kind: MessageKind,
    seq: u64,
    body: Vec<u8>,
) -> Result<(), Error> {
    let message = Message {
        kind,
        sender: me.device_id(),
        seq,
        record_id: uuid::Uuid::now_v7(),
        record_version: 1,
        sent_at: store.options.clock.now(),
        body,
    };
    let sealed = envelope::seal(me, message, &to.mailbox_id, &to.card.age_recipient)?;
    transport.post(&to.mailbox_id, &to.post_token, &sealed)?;
    Ok(())
}

/// Therapist: revokes the relay tokens of every ended pairing not revoked
/// yet. A failure is retried on the next sync.
pub(super) fn revoke_ended_tokens(
    store: &mut Store,
    transport: &dyn Transport,
    account: &super::Account,
) -> Result<(), Error> {
    for (device, token_id) in store.tokens_to_revoke()? {
        if let Some(token_id) = token_id {
            match transport.revoke_post_token(&account.mailbox_id, &account.read_token, &token_id) {
                Ok(()) | Err(TransportError::Refused { .. }) => {}
                Err(TransportError::Unreachable { .. })
                | Err(TransportError::RateLimited { .. }) => {
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
        }
        store.mark_token_revoked(&device)?;
    }
    Ok(())
}

/// Therapist, inside the apply transaction: a client left or erased.
pub(super) fn apply_leave(
    tx: &rusqlite::Transaction<'_>,
    sender: &crate::identity::DeviceId,
    leave: &LeaveBody,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let device = sender.to_string();
    let reason = if leave.erase { "erased" } else { "left" };
    end_pairing(tx, &device, now, reason)?;
    if leave.erase {
        erase_client(tx, &device)?;
    }
    Ok(())
}

/// Client, inside the apply transaction: the therapist ended the pairing.
pub(super) fn apply_ended(
    tx: &rusqlite::Transaction<'_>,
    cipher: &crate::crypto::RowCipher,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let changed = end_by_therapist(tx, now)?;
    // Nothing waiting can be sent any more; what never reached the
    // therapist is held for the next one to be offered.
    settle_at_end(tx, cipher)?;
    clear_outbox(tx)?;
    Ok(changed)
}
