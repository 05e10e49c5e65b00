//! How sync reaches the relay: the relay's API as a trait, implemented over
//! HTTP by [`super::RelayClient`] (with the app's own HTTP client) and in
//! memory by [`MemoryTransport`], for tests and benchmarks, which can lose,
//! duplicate and delay messages on purpose.

use std::collections::HashMap;
use std::sync::Mutex;

pub use crate::error::{RelayCode, TransportError};

/// A new mailbox and the token that reads it.
#[derive(Clone, PartialEq, Eq)]
pub struct MailboxCredentials {
    /// The mailbox id.
    pub mailbox_id: String,
    /// Reads, prunes, and mints post tokens. Never leaves the device except in a recovery kit.
    pub read_token: String,
}

impl std::fmt::Debug for MailboxCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailboxCredentials")
            .field("mailbox_id", &self.mailbox_id)
            .field("read_token", &crate::crypto::REDACTED)
            .finish()
    }
}

/// A token that may post to one mailbox.
#[derive(Clone, PartialEq, Eq)]
pub struct PostToken {
    /// Names the token for revocation.
    pub token_id: String,
    /// The token itself.
    pub post_token: String,
}

impl std::fmt::Debug for PostToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostToken")
            .field("token_id", &self.token_id)
            .field("post_token", &crate::crypto::REDACTED)
            .finish()
    }
}

/// One stored envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The relay's sequence number in the mailbox.
    pub seq: u64,
    /// The envelope.
    pub body: Vec<u8>,
}

/// One page of a mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FetchPage {
    /// Envelopes in ascending `seq`.
    pub messages: Vec<Fetched>,
    /// Whether more are waiting after these.
    pub more: bool,
}

/// The relay's API (DESIGN.md section 6), as sync needs it.
pub trait Transport: Send + Sync {
    /// Creates a mailbox.
    fn create_mailbox(&self) -> Result<MailboxCredentials, TransportError>;
    /// Mints a post-only token for a mailbox.
    fn mint_post_token(
        &self,
        mailbox_id: &str,
        read_token: &str,
    ) -> Result<PostToken, TransportError>;
    /// Revokes a post token.
    fn revoke_post_token(
        &self,
        mailbox_id: &str,
        read_token: &str,
        token_id: &str,
    ) -> Result<(), TransportError>;
    /// Posts an envelope; returns the relay's sequence number for it.
    fn post(
        &self,
        mailbox_id: &str,
        post_token: &str,
        envelope: &[u8],
    ) -> Result<u64, TransportError>;
    /// Envelopes with a sequence number above `after`, at most `limit`.
    fn fetch(
        &self,
        mailbox_id: &str,
        read_token: &str,
        after: u64,
        limit: u32,
    ) -> Result<FetchPage, TransportError>;
    /// Deletes the envelopes numbered up to and including `through`;
    /// returns how many went.
    fn prune(
        &self,
        mailbox_id: &str,
        read_token: &str,
        through: u64,
    ) -> Result<u64, TransportError>;
}

/// Faults the in-memory relay injects, each a probability from 0 to 1.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    /// A post fails before the relay stores it.
    pub fail_before_store: f64,
    /// A post is stored but its answer is lost (the sender will retry).
    pub fail_after_store: f64,
    /// A post is stored twice.
    pub duplicate: f64,
    /// A post is held back and published after later ones.
    pub delay: f64,
}

#[derive(Default)]
struct Mailbox {
    read_token: String,
    post_tokens: HashMap<String, (String, bool)>,
    messages: Vec<Fetched>,
    next_seq: u64,
    delayed: Vec<Vec<u8>>,
}

impl Mailbox {
    fn publish(&mut self, body: Vec<u8>) -> u64 {
        self.next_seq += 1;
        self.messages.push(Fetched {
            seq: self.next_seq,
            body,
        });
        self.next_seq
    }
}

#[derive(Default)]
struct MemoryState {
    mailboxes: HashMap<String, Mailbox>,
    counter: u64,
    rng: u64,
    faults: Faults,
    /// Most messages one mailbox may hold (the relay's quota), if any.
    quota: Option<usize>,
    /// Most messages any mailbox held at once.
    most_held: usize,
}

impl MemoryState {
    fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        // xorshift64*: deterministic per seed, good enough to pick faults.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let x = self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (x >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    /// The mailbox, if `read_token` is its owner's; the relay's 404 and 403 otherwise.
    fn owned_mailbox(
        &mut self,
        mailbox_id: &str,
        read_token: &str,
    ) -> Result<&mut Mailbox, TransportError> {
        let mailbox = self
            .mailboxes
            .get_mut(mailbox_id)
            .ok_or_else(|| refused(404, RelayCode::NoSuchMailbox))?;
        if mailbox.read_token != read_token {
            return Err(refused(403, RelayCode::Forbidden));
        }
        Ok(mailbox)
    }

    fn id(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}-{}", self.counter)
    }
}

/// A relay in memory, faithful to the HTTP relay's rules (separate read and
/// post capabilities, revocation, per-mailbox sequence numbers).
#[derive(Default)]
pub struct MemoryTransport {
    state: Mutex<MemoryState>,
}

impl MemoryTransport {
    /// A relay that never fails.
    pub fn new() -> MemoryTransport {
        MemoryTransport::default()
    }

    /// A relay that injects `faults`, chosen by a generator seeded with `seed`.
    pub fn with_faults(faults: Faults, seed: u64) -> MemoryTransport {
        MemoryTransport {
            state: Mutex::new(MemoryState {
                rng: seed | 1,
                faults,
                ..MemoryState::default()
            }),
        }
    }

    /// Changes the faults from now on.
    pub fn set_faults(&self, faults: Faults) {
        self.lock().faults = faults;
    }

    /// Publishes every held-back envelope (the delayed replica catching up).
    pub fn flush_delayed(&self) {
        let mut state = self.lock();
        for mailbox in state.mailboxes.values_mut() {
            for body in std::mem::take(&mut mailbox.delayed) {
                mailbox.publish(body);
            }
        }
    }

    /// Stores `body` in `mailbox_id` as if a valid post token had sent it
    /// (for tests of hostile input).
    pub fn inject(&self, mailbox_id: &str, body: Vec<u8>) -> Option<u64> {
        let mut state = self.lock();
        state.mailboxes.get_mut(mailbox_id).map(|m| m.publish(body))
    }

    /// Total envelopes stored, across mailboxes.
    pub fn stored(&self) -> usize {
        self.lock()
            .mailboxes
            .values()
            .map(|m| m.messages.len())
            .sum()
    }

    /// Refuses posts (507, `mailbox_full`) to a mailbox holding `messages`.
    pub fn set_quota(&self, messages: usize) {
        self.lock().quota = Some(messages);
    }

    /// The most envelopes any one mailbox held at once.
    pub fn most_held(&self) -> usize {
        self.lock().most_held
    }

    /// Envelopes stored in one mailbox now.
    pub fn held_in(&self, mailbox_id: &str) -> usize {
        self.lock()
            .mailboxes
            .get(mailbox_id)
            .map_or(0, |m| m.messages.len())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn refused(status: u16, code: RelayCode) -> TransportError {
    TransportError::Refused {
        status,
        code,
        detail: format!("in-memory relay: {code}"),
    }
}

impl Transport for MemoryTransport {
    fn create_mailbox(&self) -> Result<MailboxCredentials, TransportError> {
        let mut state = self.lock();
        let mailbox_id = state.id("mbx");
        let read_token = state.id("read");
        state.mailboxes.insert(
            mailbox_id.clone(),
            Mailbox {
                read_token: read_token.clone(),
                ..Mailbox::default()
            },
        );
        Ok(MailboxCredentials {
            mailbox_id,
            read_token,
        })
    }

    fn mint_post_token(
        &self,
        mailbox_id: &str,
        read_token: &str,
    ) -> Result<PostToken, TransportError> {
        let mut state = self.lock();
        let token_id = state.id("tid");
        let post_token = state.id("post");
        let mailbox = state.owned_mailbox(mailbox_id, read_token)?;
        mailbox
            .post_tokens
            .insert(post_token.clone(), (token_id.clone(), false));
        Ok(PostToken {
            token_id,
            post_token,
        })
    }

    fn revoke_post_token(
        &self,
        mailbox_id: &str,
        read_token: &str,
        token_id: &str,
    ) -> Result<(), TransportError> {
        let mut state = self.lock();
        let mailbox = state.owned_mailbox(mailbox_id, read_token)?;
        for (id, revoked) in mailbox.post_tokens.values_mut() {
            if id == token_id {
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
        let mut state = self.lock();
        let faults = state.faults;
        if state.chance(faults.fail_before_store) {
            return Err(TransportError::Unreachable {
                detail: "injected failure before storing".into(),
            });
        }
        let (fail_after, duplicate, delay) = (
            state.chance(faults.fail_after_store),
            state.chance(faults.duplicate),
            state.chance(faults.delay),
        );
        let quota = state.quota;
        let mailbox = state
            .mailboxes
            .get_mut(mailbox_id)
            .ok_or_else(|| refused(404, RelayCode::NoSuchMailbox))?;
        match mailbox.post_tokens.get(post_token) {
            None => return Err(refused(403, RelayCode::Forbidden)),
            Some((_, true)) => return Err(refused(403, RelayCode::TokenRevoked)),
            Some(_) => {}
        }
        if envelope.len() > crate::envelope::MAX_ENVELOPE_BYTES {
            return Err(refused(413, RelayCode::TooLarge));
        }
        if quota.is_some_and(|q| mailbox.messages.len() + mailbox.delayed.len() >= q) {
            return Err(refused(507, RelayCode::MailboxFull));
        }
        let seq = if delay {
            mailbox.delayed.push(envelope.to_vec());
            mailbox.next_seq
        } else {
            // Anything held back is published after this one: reordered.
            let seq = mailbox.publish(envelope.to_vec());
            if !mailbox.delayed.is_empty() && !duplicate {
                for body in std::mem::take(&mut mailbox.delayed) {
                    mailbox.publish(body);
                }
            }
            seq
        };
        if duplicate {
            mailbox.publish(envelope.to_vec());
        }
        let held = mailbox.messages.len();
        state.most_held = state.most_held.max(held);
        if fail_after {
            return Err(TransportError::Unreachable {
                detail: "injected failure after storing".into(),
            });
        }
        Ok(seq)
    }

    fn fetch(
        &self,
        mailbox_id: &str,
        read_token: &str,
        after: u64,
        limit: u32,
    ) -> Result<FetchPage, TransportError> {
        let mut state = self.lock();
        let mailbox = state.owned_mailbox(mailbox_id, read_token)?;
        let start = mailbox.messages.partition_point(|m| m.seq <= after);
        let end = (start + limit.max(1) as usize).min(mailbox.messages.len());
        Ok(FetchPage {
            messages: mailbox.messages[start..end].to_vec(),
            more: end < mailbox.messages.len(),
        })
    }

    fn prune(
        &self,
        mailbox_id: &str,
        read_token: &str,
        through: u64,
    ) -> Result<u64, TransportError> {
        let mut state = self.lock();
        let mailbox = state.owned_mailbox(mailbox_id, read_token)?;
        let before = mailbox.messages.len();
        mailbox.messages.retain(|m| m.seq > through);
        Ok((before - mailbox.messages.len()) as u64)
    }
}
