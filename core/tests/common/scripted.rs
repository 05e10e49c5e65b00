//! A relay that does, post by post, what a test tells it to: the faults of
//! `hostile_relay.rs`, one at a time, for tests that pin one of them down.

use std::collections::VecDeque;
use std::sync::Mutex;

use rapport_core::sync::{
    FetchPage, MailboxCredentials, MemoryTransport, PostToken, RelayCode, Transport, TransportError,
};

/// What the relay does with one post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Stores it.
    Pass,
    /// Acknowledges it and publishes it only on [`Scripted::release`].
    Hold,
    /// Fails before storing it.
    DropBeforeStore,
    /// Stores it and loses the answer.
    LoseAnswer,
    /// Says the post token was revoked (whether it was or not).
    RefuseRevoked,
}

/// A faithful in-memory relay that takes its next posts from a script
/// (and passes them once the script runs out).
pub struct Scripted<'a> {
    pub inner: &'a MemoryTransport,
    script: Mutex<VecDeque<Step>>,
    held: Mutex<Vec<(String, Vec<u8>)>>,
}

impl<'a> Scripted<'a> {
    pub fn new(inner: &'a MemoryTransport) -> Scripted<'a> {
        Scripted {
            inner,
            script: Mutex::new(VecDeque::new()),
            held: Mutex::new(Vec::new()),
        }
    }

    /// What the next posts meet, in order.
    pub fn then(&self, steps: &[Step]) {
        self.script.lock().unwrap().extend(steps);
    }

    /// Publishes what was held, in the order it was posted. It was
    /// acknowledged when posted, so a revocation since does not stop it.
    pub fn release(&self) {
        for (mailbox, body) in self.held.lock().unwrap().drain(..) {
            self.inner.inject(&mailbox, body).unwrap();
        }
    }
}

impl Transport for Scripted<'_> {
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
        let step = self
            .script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Step::Pass);
        match step {
            Step::Pass => self.inner.post(m, token, envelope),
            Step::Hold => {
                self.held
                    .lock()
                    .unwrap()
                    .push((m.to_owned(), envelope.to_vec()));
                Ok(u64::MAX / 2)
            }
            Step::DropBeforeStore => Err(TransportError::Unreachable {
                detail: "scripted relay: dropped before storing".into(),
            }),
            Step::LoseAnswer => {
                self.inner.post(m, token, envelope)?;
                Err(TransportError::Unreachable {
                    detail: "scripted relay: stored, answer lost".into(),
                })
            }
            Step::RefuseRevoked => Err(TransportError::Refused {
                status: 403,
                code: RelayCode::TokenRevoked,
                detail: "scripted relay: token_revoked".into(),
            }),
        }
    }
    fn fetch(&self, m: &str, r: &str, after: u64, limit: u32) -> Result<FetchPage, TransportError> {
        self.inner.fetch(m, r, after, limit)
    }
    fn prune(&self, m: &str, r: &str, through: u64) -> Result<u64, TransportError> {
        self.inner.prune(m, r, through)
    }
}
