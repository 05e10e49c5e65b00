//! Where mailboxes live. Handlers only know [`RelayStorage`]; `sqlite` is the
//! embedded default (one process), `postgres` lets several relay processes
//! share one database.

pub mod postgres;
pub mod sqlite;

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};

use crate::capability::{MailboxId, TokenHash, TokenId};

/// What every storage operation returns: a boxed future, so the trait stays
/// object-safe (`Arc<dyn RelayStorage>`) without an extra macro crate.
pub type StorageFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StorageError>> + Send + 'a>>;

/// How much one mailbox may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Most messages.
    pub messages: u64,
    /// Most bytes of message bodies.
    pub bytes: u64,
}

/// One message as stored: the relay's sequence number, when it arrived, and
/// the ciphertext. Nothing else is kept about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// The mailbox's sequence number for this message.
    pub seq: u64,
    /// When the relay stored it.
    pub received_at: DateTime<Utc>,
    /// The ciphertext, exactly as posted.
    pub body: Vec<u8>,
}

/// One page of a mailbox, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessagePage {
    /// Messages in ascending `seq`.
    pub messages: Vec<StoredMessage>,
    /// Whether more messages follow the last one returned.
    pub more: bool,
}

/// Why storage refused or failed an operation. The refusals are checked
/// atomically with the operation itself, so a post racing a revocation can
/// never slip in after the revocation was acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// The mailbox does not exist.
    #[error("there is no such mailbox")]
    NoSuchMailbox,
    /// The token is unknown, belongs to another mailbox, or is of the wrong
    /// kind (a post token used to read, or a read token used to post).
    #[error("this token does not allow that on this mailbox")]
    Forbidden,
    /// The post token was revoked by the mailbox's owner.
    #[error("this post token was revoked")]
    TokenRevoked,
    /// No post token of this mailbox has that id.
    #[error("this mailbox has no post token with that id")]
    NoSuchPostToken,
    /// Storing the message would exceed the mailbox's quota.
    #[error("the mailbox is full")]
    MailboxFull,
    /// The backend failed (disk, database, shutting down). Nothing was
    /// acknowledged, so the caller may retry.
    #[error("storage is unavailable: {detail}")]
    Unavailable {
        /// What failed, for the operator's log. Holds no tokens or bodies.
        detail: String,
    },
}

/// A relay's storage.
///
/// Every operation that takes a token checks, in the same transaction as the
/// operation, that the mailbox exists ([`StorageError::NoSuchMailbox`]) and
/// that the token is a live token of the right kind for that mailbox
/// ([`StorageError::Forbidden`], [`StorageError::TokenRevoked`]). Tokens
/// arrive only as hashes; storage never sees one in the clear.
///
/// A successful write must be durable before its future resolves: the
/// client deletes its copy as soon as the relay acknowledges a post.
pub trait RelayStorage: Send + Sync + 'static {
    /// Creates an empty mailbox readable with `read_token`.
    fn create_mailbox(&self, mailbox: MailboxId, read_token: TokenHash) -> StorageFuture<'_, ()>;

    /// Adds a post token to a mailbox, with the owner's read token.
    fn add_post_token(
        &self,
        mailbox: MailboxId,
        read_token: TokenHash,
        token_id: TokenId,
        post_token: TokenHash,
    ) -> StorageFuture<'_, ()>;

    /// Revokes a post token for good. Revoking it again succeeds.
    fn revoke_post_token(
        &self,
        mailbox: MailboxId,
        read_token: TokenHash,
        token_id: TokenId,
    ) -> StorageFuture<'_, ()>;

    /// Stores a message under the mailbox's next sequence number and returns
    /// it. Sequence numbers start at 1, only grow, and are never reused, even
    /// after pruning.
    fn append(
        &self,
        mailbox: MailboxId,
        post_token: TokenHash,
        body: Vec<u8>,
        quota: Quota,
    ) -> StorageFuture<'_, u64>;

    /// Messages with a sequence number above `after`, at most `limit` of
    /// them, oldest first. A backend may return fewer (with `more` set) to
    /// keep a page's size reasonable.
    fn fetch(
        &self,
        mailbox: MailboxId,
        read_token: TokenHash,
        after: u64,
        limit: u32,
    ) -> StorageFuture<'_, MessagePage>;

    /// Deletes messages with a sequence number up to `through`; returns how
    /// many were deleted.
    fn prune(
        &self,
        mailbox: MailboxId,
        read_token: TokenHash,
        through: u64,
    ) -> StorageFuture<'_, u64>;

    /// Finishes every write already accepted, makes it durable, and refuses
    /// further writes. Called once the server has stopped taking requests.
    fn close(&self) -> StorageFuture<'_, ()>;
}
