//! The therapist's one short reply per check-in: written on the therapist's
//! device, sealed at rest on both sides, sent on the next sync, and kept by
//! the client beside the check-in it answers.
//!
//! A reply can be rewritten (each version replaces the last, on both sides)
//! until the client checks in again. After that the conversation has moved
//! on, and a reply changing under an old session would be read out of
//! context, so it is closed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::TransactionBehavior;
use uuid::Uuid;
use zeroize::Zeroizing;

use super::messages::ReplyBody;
use super::received::received_row_id;
use super::send::{Refusals, live_peers};
use super::{Role, SyncReport, Transport, TransportError};
use crate::crypto::{RowAddress, RowCipher, RowOpenError};
use crate::envelope::{self, Message, MessageKind};
use crate::error::{Error, StoreError};
use crate::identity::{DeviceId, DeviceIdentity};
use crate::store::checkins::is_live;
use crate::store::inbox::sender_of;
use crate::store::replies::{
    ReplyRow, held_reply_version, replace_reply, reply_still_open, reply_version, save_reply,
    set_reply_seq,
};
use crate::store::sequences::take_seq;
use crate::store::{Peer, Store};

/// Longest reply, in characters (Unicode scalar values, so an emoji counts
/// as one): a few sentences, readable at a glance on a phone, and too short
/// to turn a check-in app into a messaging channel nobody watches.
pub const REPLY_MAX_CHARS: usize = 280;

const REPLIES: &str = "replies";

/// Replies sent per round; also the most held in memory at once.
const SEND_PAGE: u32 = 100;

/// The therapist's reply to one check-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The check-in it answers.
    pub record_id: Uuid,
    /// What the therapist wrote.
    pub text: String,
    /// 1 for the first version, one more for each rewrite.
    pub version: u32,
    /// When this version was written.
    pub written_at: DateTime<Utc>,
    /// Therapist: whether it can still be rewritten (the client has not
    /// checked in since). Always `false` on the client's device.
    pub editable: bool,
}

/// Checks a reply as typed and returns it trimmed, or why it is refused.
/// Apps can call it as the therapist types; the core calls it again on
/// saving and on receiving.
pub fn check_reply_text(text: &str) -> Result<String, Error> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::EmptyReply);
    }
    let given = text.chars().count();
    if given > REPLY_MAX_CHARS {
        return Err(Error::ReplyTooLong {
            max: REPLY_MAX_CHARS,
            given,
        });
    }
    // Line breaks shape a reply; every other control character could only
    // garble or disguise what the client's screen shows.
    if let Some(index) = text.chars().position(|c| c.is_control() && c != '\n') {
        return Err(Error::ReplyControlCharacter {
            position: index + 1,
        });
    }
    Ok(text.to_owned())
}

impl Store {
    /// Therapist: writes (or rewrites) the reply to the check-in `record_id`.
    /// It goes to the client on the next sync. Refused once the client has
    /// checked in for a later session ([`Error::ReplyClosed`]).
    pub fn reply_to_checkin(&mut self, record_id: Uuid, text: &str) -> Result<Reply, Error> {
        self.require_account(Role::Therapist)?;
        let text = check_reply_text(text)?;
        let now = self.options.clock.now();
        let (tx, cipher) = self.begin_with_cipher(TransactionBehavior::Immediate)?;
        let Some(sender) = sender_of(&tx, &record_id)? else {
            return Err(StoreError::CheckInNotFound { id: record_id }.into());
        };
        if !reply_still_open(&tx, &sender, &record_id)? {
            return Err(Error::ReplyClosed);
        }
        let version = reply_version(&tx, &sender, &record_id)?.map_or(1, |v| v.saturating_add(1));
        let device: DeviceId = sender.parse()?;
        let body = ReplyBody {
            text,
            written_at: now,
        };
        let sealed = seal_reply(cipher, &device, &record_id, version, &body)?;
        save_reply(&tx, &sender, &record_id, version, now, &sealed)?;
        tx.commit()?;
        Ok(Reply {
            record_id,
            text: body.text,
            version,
            written_at: now,
            editable: true,
        })
    }

    /// The reply to the check-in `record_id`, on either side, if there is one.
    pub fn reply_for(&self, record_id: Uuid) -> Result<Option<Reply>, Error> {
        let Some(row) = self.reply_row(&record_id)? else {
            return Ok(None);
        };
        let mut reply = self.open_reply_row(&row.sender, record_id, row.version, &row.sealed)?;
        reply.editable = self.is_therapist()? && self.reply_still_open(&row.sender, &record_id)?;
        Ok(Some(reply))
    }

    /// Every reply this device holds, by the check-in each answers: what a
    /// client's history screen shows under each check-in.
    pub fn replies(&self) -> Result<HashMap<Uuid, Reply>, Error> {
        let therapist = self.is_therapist()?;
        let rows = self.reply_rows()?;
        let mut replies = HashMap::with_capacity(rows.len());
        for ReplyRow {
            sender,
            record_id,
            version,
            sealed,
        } in rows
        {
            let record_id = parse_record_id(&record_id)?;
            let mut reply = self.open_reply_row(&sender, record_id, version, &sealed)?;
            reply.editable = therapist && self.reply_still_open(&sender, &record_id)?;
            replies.insert(record_id, reply);
        }
        Ok(replies)
    }

    /// Therapist: the replies to one client's check-ins, with `editable`
    /// left `false` for the caller to set (the dashboard knows which
    /// check-in is the client's latest without asking SQLite again).
    pub(super) fn replies_from(&self, sender: &DeviceId) -> Result<HashMap<Uuid, Reply>, Error> {
        let sender_text = sender.to_string();
        let mut replies = HashMap::new();
        for row in self.reply_rows_from(&sender_text)? {
            let record_id = parse_record_id(&row.record_id)?;
            let reply = self.open_reply_row(&sender_text, record_id, row.version, &row.sealed)?;
            replies.insert(record_id, reply);
        }
        Ok(replies)
    }

    fn open_reply_row(
        &self,
        sender: &str,
        record_id: Uuid,
        version: u32,
        sealed: &[u8],
    ) -> Result<Reply, Error> {
        let device: DeviceId = sender.parse()?;
        let body = open_reply(&self.cipher, &device, &record_id, version, sealed)?;
        Ok(Reply {
            record_id,
            text: body.text,
            version,
            written_at: body.written_at,
            editable: false,
        })
    }
}

fn parse_record_id(bytes: &[u8]) -> Result<Uuid, Error> {
    Uuid::from_slice(bytes).map_err(|e| {
        StoreError::UnreadableRecord {
            table: REPLIES,
            row: String::new(),
            detail: e.to_string(),
        }
        .into()
    })
}

/// Where a reply is sealed: bound to its sender (the therapist on a client's
/// device, the client on a therapist's), the check-in and the version, so a
/// reply cannot be moved under another check-in or rolled back.
pub(crate) fn reply_address<'a>(row_id: &'a [u8], version: u32) -> RowAddress<'a> {
    RowAddress {
        table: REPLIES,
        row_id,
        version,
        bound: &[],
    }
}

fn seal_reply(
    cipher: &RowCipher,
    sender: &DeviceId,
    record_id: &Uuid,
    version: u32,
    body: &ReplyBody,
) -> Result<Vec<u8>, Error> {
    let plaintext =
        Zeroizing::new(
            postcard::to_allocvec(body).map_err(|e| StoreError::UnreadableRecord {
                table: REPLIES,
                row: record_id.to_string(),
                detail: e.to_string(),
            })?,
        );
    let row_id = received_row_id(sender, record_id);
    Ok(cipher.seal(&reply_address(&row_id, version), &plaintext)?)
}

pub(crate) fn open_reply(
    cipher: &RowCipher,
    sender: &DeviceId,
    record_id: &Uuid,
    version: u32,
    sealed: &[u8],
) -> Result<ReplyBody, Error> {
    let row_id = received_row_id(sender, record_id);
    let unreadable = |detail: String| StoreError::UnreadableRecord {
        table: REPLIES,
        row: record_id.to_string(),
        detail,
    };
    let plaintext = Zeroizing::new(
        cipher
            .open(&reply_address(&row_id, version), sealed)
            .map_err(|e| match e {
                RowOpenError::Tampered => StoreError::Tampered {
                    table: REPLIES,
                    row: record_id.to_string(),
                },
                RowOpenError::Malformed => unreadable("sealed value is malformed".into()),
            })?,
    );
    Ok(postcard::from_bytes(&plaintext).map_err(|e| unreadable(e.to_string()))?)
}

/// Therapist: posts every reply version replaced after it was numbered,
/// then every reply version not yet sent, numbering each once. A reply to a
/// client whose pairing ended is dropped: there is nobody to tell.
pub(super) fn send_replies(
    store: &mut Store,
    transport: &dyn Transport,
    me: &DeviceIdentity,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(&SyncReport),
) -> Result<(), Error> {
    let peers = live_peers(store)?;
    let mut refused = Refusals::default();
    loop {
        let replaced = store.replaced_replies(SEND_PAGE)?;
        let mut moved = false;
        for (sender, record_id, version, seq, sealed) in replaced {
            if refused.contains(&sender) {
                continue;
            }
            moved = true;
            let Some(peer) = peers
                .iter()
                .find(|p| p.card.device_id.to_string() == sender)
            else {
                store.replaced_reply_sent(&sender, seq)?;
                continue;
            };
            let reply = Numbered {
                record_id: &record_id,
                version,
                seq,
                sealed: &sealed,
            };
            let posted = post_reply(store, transport, me, peer, reply)?;
            if refused.keep(&sender, posted)? {
                store.replaced_reply_sent(&sender, seq)?;
                report.sent += 1;
            }
        }
        if !moved {
            break;
        }
        progress(report);
    }
    loop {
        let pending = store.pending_replies(SEND_PAGE)?;
        let mut moved = false;
        for (sender, record_id, version, reply_seq, sealed) in pending {
            if refused.contains(&sender) {
                continue;
            }
            moved = true;
            let Some(peer) = peers
                .iter()
                .find(|p| p.card.device_id.to_string() == sender)
            else {
                store.mark_reply_sent(&sender, &record_id, version)?;
                continue;
            };
            // Numbered once per version, so a retry after a lost answer is
            // recognised by the client as the same message.
            let seq = match reply_seq {
                Some(seq) => seq.max(1) as u64,
                None => {
                    let (tx, cipher) = store.begin_with_cipher(TransactionBehavior::Deferred)?;
                    let seq = take_seq(&tx, cipher, &peer.card.device_id)?;
                    set_reply_seq(&tx, &sender, &record_id, version, seq)?;
                    tx.commit()?;
                    seq
                }
            };
            let reply = Numbered {
                record_id: &record_id,
                version,
                seq,
                sealed: &sealed,
            };
            let posted = post_reply(store, transport, me, peer, reply)?;
            if refused.keep(&sender, posted)? {
                store.mark_reply_sent(&sender, &record_id, version)?;
                report.sent += 1;
            }
        }
        // Done, or only refused clients' replies left (they wait).
        if !moved {
            return Ok(());
        }
        progress(report);
    }
}

/// One reply version as held at rest, with the number it goes under.
struct Numbered<'a> {
    record_id: &'a [u8],
    version: u32,
    seq: u64,
    sealed: &'a [u8],
}

/// Opens a numbered reply version and posts it to its client. The relay's
/// answer is the caller's to judge.
fn post_reply(
    store: &Store,
    transport: &dyn Transport,
    me: &DeviceIdentity,
    peer: &Peer,
    reply: Numbered<'_>,
) -> Result<Result<u64, TransportError>, Error> {
    let Numbered {
        record_id,
        version,
        seq,
        sealed,
    } = reply;
    let record_id = parse_record_id(record_id)?;
    let body = open_reply(
        &store.cipher,
        &peer.card.device_id,
        &record_id,
        version,
        sealed,
    )?;
    let body =
        Zeroizing::new(
            postcard::to_allocvec(&body).map_err(|e| StoreError::UnreadableRecord {
                table: REPLIES,
                row: record_id.to_string(),
                detail: e.to_string(),
            })?,
        );
    let message = Message {
        kind: MessageKind::Reply,
        sender: me.device_id(),
        seq,
        record_id,
        record_version: version,
        sent_at: store.options.clock.now(),
        body: body.to_vec(),
    };
    let sealed = envelope::seal(me, message, &peer.mailbox_id, &peer.card.age_recipient)?;
    Ok(transport.post(&peer.mailbox_id, &peer.post_token, &sealed))
}

/// Client, inside the apply transaction: keeps a received reply if it is
/// newer than the one held and its check-in is still here. `Ok(Err(_))` says
/// why the body is malformed (the envelope is then quarantined).
pub(super) fn apply_reply(
    tx: &rusqlite::Transaction<'_>,
    cipher: &RowCipher,
    sender: &DeviceId,
    message: &Message,
) -> Result<Result<bool, String>, Error> {
    let body = match postcard::from_bytes::<ReplyBody>(&message.body) {
        Ok(body) => body,
        Err(e) => return Ok(Err(format!("reply: {e}"))),
    };
    // The same rule as for writing: a modified or hostile therapist app
    // cannot put more on the client's screen than the real one could.
    let text = match check_reply_text(&body.text) {
        Ok(text) => text,
        Err(e) => return Ok(Err(format!("reply: {e}"))),
    };
    if message.record_version == 0 {
        return Ok(Err("reply: version 0".into()));
    }
    let record_id = message.record_id;
    let live = is_live(tx, &record_id)?;
    let held = held_reply_version(tx, &record_id)?;
    if !live || held.is_some_and(|v| v >= message.record_version) {
        return Ok(Ok(false));
    }
    let body = ReplyBody {
        text,
        written_at: body.written_at,
    };
    let sealed = seal_reply(cipher, sender, &record_id, message.record_version, &body)?;
    // One reply per check-in on the client, whoever sent an older one.
    replace_reply(
        tx,
        &sender.to_string(),
        &record_id,
        message.record_version,
        body.written_at,
        &sealed,
    )?;
    Ok(Ok(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_is_trimmed_and_counted_in_characters() {
        assert_eq!(check_reply_text("  Thank you.\n").unwrap(), "Thank you.");
        let emoji = "🌱".repeat(REPLY_MAX_CHARS);
        assert!(emoji.len() > REPLY_MAX_CHARS, "more bytes than characters");
        assert_eq!(check_reply_text(&emoji).unwrap(), emoji);
        let over = format!("{emoji}🌱");
        assert!(matches!(
            check_reply_text(&over),
            Err(Error::ReplyTooLong {
                max: 280,
                given: 281
            })
        ));
    }

    #[test]
    fn an_empty_reply_or_one_with_control_characters_is_refused() {
        assert!(matches!(check_reply_text(" \n\t "), Err(Error::EmptyReply)));
        assert!(matches!(
            check_reply_text("ok\u{1b}[2J"),
            Err(Error::ReplyControlCharacter { position: 3 })
        ));
        assert!(matches!(
            check_reply_text("a\tb"),
            Err(Error::ReplyControlCharacter { position: 2 })
        ));
        assert_eq!(
            check_reply_text("line one\nline two").unwrap(),
            "line one\nline two"
        );
    }

    #[test]
    fn reply_errors_have_stable_codes() {
        assert_eq!(Error::EmptyReply.code(), "empty_reply");
        assert_eq!(Error::ReplyClosed.code(), "reply_closed");
        assert_eq!(
            Error::ReplyTooLong { max: 1, given: 2 }.code(),
            "reply_too_long"
        );
    }
}
