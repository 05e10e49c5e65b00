//! Group commit: one thread owns the only writing connection. Handlers queue
//! their writes and wait; the thread takes whatever is queued (up to
//! [`MAX_BATCH`]), applies it in one transaction, commits once (one fsync
//! for the whole batch), and only then answers each handler.
//!
//! With synchronous=FULL every acknowledged post is on disk, yet the cost of
//! the fsync is shared by every post that arrived while the previous one was
//! running, so throughput grows with load instead of being capped at one
//! post per fsync.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

use super::access::{Capability, authorize, unavailable};
use crate::capability::{MailboxId, TokenHash, TokenId};
use crate::storage::{Quota, StorageError};

/// Most writes committed together. Large enough that a busy relay commits
/// rarely; small enough that one transaction stays short.
const MAX_BATCH: usize = 256;

/// Writes waiting for the thread before handlers have to wait to queue.
const QUEUE_DEPTH: usize = 4096;

/// One write, with everything needed to authorize it.
#[derive(Debug)]
pub enum Write {
    /// A new mailbox and its read token.
    CreateMailbox {
        mailbox: MailboxId,
        read_token: TokenHash,
    },
    /// A new post token.
    AddPostToken {
        mailbox: MailboxId,
        read_token: TokenHash,
        token_id: TokenId,
        post_token: TokenHash,
    },
    /// Revoke a post token.
    RevokePostToken {
        mailbox: MailboxId,
        read_token: TokenHash,
        token_id: TokenId,
    },
    /// Store a message.
    Append {
        mailbox: MailboxId,
        post_token: TokenHash,
        body: Vec<u8>,
        quota: Quota,
    },
    /// Delete messages up to a sequence number.
    Prune {
        mailbox: MailboxId,
        read_token: TokenHash,
        through: u64,
    },
}

/// What a write returns: the new sequence number for `Append`, the number
/// deleted for `Prune`, 0 otherwise.
type Reply = oneshot::Sender<Result<u64, StorageError>>;

enum Command {
    Write(Write, Reply),
    Close(oneshot::Sender<Result<(), StorageError>>),
}

fn shutting_down() -> StorageError {
    StorageError::Unavailable {
        detail: "the relay is shutting down".into(),
    }
}

/// The handle handlers use to reach the writing thread.
///
/// The thread is not joined: it answers `close` as the very last thing it
/// does, after the connection is closed, which is all a caller needs.
pub struct Writer {
    queue: mpsc::Sender<Command>,
}

impl Writer {
    /// Starts the thread that owns `conn`.
    pub fn start(conn: Connection) -> std::io::Result<Writer> {
        let (queue, commands) = mpsc::channel(QUEUE_DEPTH);
        std::thread::Builder::new()
            .name("relay-writer".into())
            .spawn(move || run(conn, commands))?;
        Ok(Writer { queue })
    }

    /// Queues `write` and waits until it is committed (or refused).
    pub async fn submit(&self, write: Write) -> Result<u64, StorageError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Command::Write(write, reply))
            .await
            .map_err(|_| shutting_down())?;
        answer.await.map_err(|_| shutting_down())?
    }

    /// Commits everything queued so far, closes the connection and stops
    /// the thread. Later writes are refused.
    pub async fn close(&self) -> Result<(), StorageError> {
        let (reply, answer) = oneshot::channel();
        if self.queue.send(Command::Close(reply)).await.is_err() {
            // Already closed by an earlier call.
            return Ok(());
        }
        answer.await.map_err(|_| shutting_down())?
    }
}

fn run(conn: Connection, mut commands: mpsc::Receiver<Command>) {
    let mut conn = conn;
    let mut batch: Vec<(Write, Reply)> = Vec::with_capacity(MAX_BATCH);
    let mut closers = Vec::new();
    while let Some(first) = commands.blocking_recv() {
        let mut next = Some(first);
        while let Some(command) = next.take() {
            match command {
                Command::Write(write, reply) => batch.push((write, reply)),
                Command::Close(reply) => {
                    // Stop accepting; what is already queued still gets
                    // committed before the loop ends.
                    commands.close();
                    closers.push(reply);
                }
            }
            if batch.len() < MAX_BATCH {
                next = commands.try_recv().ok();
            }
        }
        if !batch.is_empty() {
            commit_batch(&mut conn, &mut batch);
        }
    }
    let closed = conn.close().map_err(|(_, e)| unavailable(e));
    for reply in closers {
        let _ = reply.send(closed.clone());
    }
}

fn commit_batch(conn: &mut Connection, batch: &mut Vec<(Write, Reply)>) {
    let now = Utc::now();
    let results = match apply_together(conn, batch, now) {
        Ok(results) => results,
        Err(error) => {
            // A database error (not a refusal) rolled the whole batch back.
            // Retry each write in a transaction of its own, so one write
            // that cannot be stored does not sink the others.
            tracing::warn!(%error, "a batch of writes failed; retrying them one by one");
            batch
                .iter()
                .map(|(write, _)| apply_alone(conn, write, now))
                .collect()
        }
    };
    for ((_, reply), result) in batch.drain(..).zip(results) {
        // The handler may have gone (client disconnected); the write stays.
        let _ = reply.send(result);
    }
}

/// Applies every write of the batch in one transaction and commits it (one
/// fsync). Refusals are per write; any database error fails the batch.
fn apply_together(
    conn: &mut Connection,
    batch: &[(Write, Reply)],
    now: DateTime<Utc>,
) -> Result<Vec<Result<u64, StorageError>>, StorageError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(unavailable)?;
    let mut results = Vec::with_capacity(batch.len());
    for (write, _) in batch {
        match apply(&tx, write, now) {
            Err(error @ StorageError::Unavailable { .. }) => return Err(error),
            result => results.push(result),
        }
    }
    tx.commit().map_err(unavailable)?;
    Ok(results)
}

fn apply_alone(
    conn: &mut Connection,
    write: &Write,
    now: DateTime<Utc>,
) -> Result<u64, StorageError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(unavailable)?;
    let result = apply(&tx, write, now)?;
    tx.commit().map_err(unavailable)?;
    Ok(result)
}

/// Applies one write inside the caller's transaction.
///
/// Every refusal (`Forbidden`, `MailboxFull`, ...) is decided before
/// anything is written, so a refused write leaves no trace and the batch's
/// transaction can carry on without a savepoint per write.
fn apply(conn: &Connection, write: &Write, now: DateTime<Utc>) -> Result<u64, StorageError> {
    match write {
        Write::CreateMailbox {
            mailbox,
            read_token,
        } => {
            conn.prepare_cached("INSERT INTO mailboxes (id) VALUES (?1)")
                .and_then(|mut s| s.execute([mailbox.as_str()]))
                .map_err(unavailable)?;
            let key = conn.last_insert_rowid();
            conn.prepare_cached("INSERT INTO tokens (hash, mailbox, kind) VALUES (?1, ?2, 'read')")
                .and_then(|mut s| s.execute((read_token.as_bytes().as_slice(), key)))
                .map_err(unavailable)?;
            Ok(0)
        }
        Write::AddPostToken {
            mailbox,
            read_token,
            token_id,
            post_token,
        } => {
            let found = authorize(conn, mailbox, read_token, Capability::Read)?;
            conn.prepare_cached(
                "INSERT INTO tokens (hash, mailbox, kind, token_id) VALUES (?1, ?2, 'post', ?3)",
            )
            .and_then(|mut s| {
                s.execute((
                    post_token.as_bytes().as_slice(),
                    found.key,
                    token_id.as_str(),
                ))
            })
            .map_err(unavailable)?;
            Ok(0)
        }
        Write::RevokePostToken {
            mailbox,
            read_token,
            token_id,
        } => {
            let found = authorize(conn, mailbox, read_token, Capability::Read)?;
            let changed = conn
                .prepare_cached(
                    "UPDATE tokens SET revoked = 1
                     WHERE mailbox = ?1 AND token_id = ?2 AND kind = 'post'",
                )
                .and_then(|mut s| s.execute((found.key, token_id.as_str())))
                .map_err(unavailable)?;
            if changed == 0 {
                return Err(StorageError::NoSuchPostToken);
            }
            Ok(0)
        }
        Write::Append {
            mailbox,
            post_token,
            body,
            quota,
        } => {
            let found = authorize(conn, mailbox, post_token, Capability::Post)?;
            let size = body.len() as u64;
            let count = u64::try_from(found.message_count).unwrap_or(u64::MAX);
            let bytes = u64::try_from(found.byte_count).unwrap_or(u64::MAX);
            if count.saturating_add(1) > quota.messages || bytes.saturating_add(size) > quota.bytes
            {
                return Err(StorageError::MailboxFull);
            }
            let seq = found
                .last_seq
                .checked_add(1)
                .ok_or(StorageError::MailboxFull)?;
            conn.prepare_cached(
                "INSERT INTO messages (mailbox, seq, received_at, size, body)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut s| {
                s.execute((
                    found.key,
                    seq,
                    now.timestamp_micros(),
                    body.len() as i64,
                    body.as_slice(),
                ))
            })
            .map_err(unavailable)?;
            conn.prepare_cached(
                "UPDATE mailboxes
                 SET last_seq = ?2, message_count = message_count + 1,
                     byte_count = byte_count + ?3
                 WHERE key = ?1",
            )
            .and_then(|mut s| s.execute((found.key, seq, body.len() as i64)))
            .map_err(unavailable)?;
            Ok(seq as u64)
        }
        Write::Prune {
            mailbox,
            read_token,
            through,
        } => {
            let found = authorize(conn, mailbox, read_token, Capability::Read)?;
            // Sequence numbers live in SQLite's signed 64-bit integers.
            let through = i64::try_from(*through).unwrap_or(i64::MAX);
            let (count, bytes): (i64, i64) = conn
                .prepare_cached(
                    "SELECT count(*), coalesce(sum(size), 0) FROM messages
                     WHERE mailbox = ?1 AND seq <= ?2",
                )
                .and_then(|mut s| s.query_row((found.key, through), |r| Ok((r.get(0)?, r.get(1)?))))
                .map_err(unavailable)?;
            if count > 0 {
                conn.prepare_cached("DELETE FROM messages WHERE mailbox = ?1 AND seq <= ?2")
                    .and_then(|mut s| s.execute((found.key, through)))
                    .map_err(unavailable)?;
                conn.prepare_cached(
                    "UPDATE mailboxes
                     SET message_count = message_count - ?2, byte_count = byte_count - ?3
                     WHERE key = ?1",
                )
                .and_then(|mut s| s.execute((found.key, count, bytes)))
                .map_err(unavailable)?;
            }
            Ok(count as u64)
        }
    }
}
