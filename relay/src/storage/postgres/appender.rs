//! Group commit for posts, as the SQLite writer does it: handlers queue
//! their posts; one task per relay process takes whatever is queued (up to
//! [`MAX_BATCH`]) and stores it with one call of `relay_append_batch`, one
//! transaction, one WAL flush; only after the commit is each handler
//! answered.
//!
//! Why: `relay_append` holds its mailbox's row lock until the commit has
//! been flushed, so posts to one busy mailbox, one per transaction, would
//! wait for each other's flush (a few hundred per second on an ordinary
//! disk). In a batch they share it. Several processes each batching still
//! hand out one sequence number at a time: each batch takes the mailbox's
//! lock in turn. Batches are sorted by mailbox id so two batches always lock
//! mailboxes in the same order and cannot deadlock.

use deadpool_postgres::Pool;
use tokio::sync::{mpsc, oneshot};

use super::{db_unavailable, refused, to_i64, unavailable};
use crate::capability::{MailboxId, TokenHash};
use crate::storage::{Quota, StorageError};

/// Most posts in one transaction.
const MAX_BATCH: usize = 256;

/// Posts waiting before handlers have to wait to queue.
const QUEUE_DEPTH: usize = 4096;

/// One post, with everything needed to authorize it.
pub struct Post {
    pub mailbox: MailboxId,
    pub token: TokenHash,
    pub body: Vec<u8>,
    pub quota: Quota,
}

type Reply = oneshot::Sender<Result<u64, StorageError>>;

enum Command {
    Post(Post, Reply),
    Close(oneshot::Sender<()>),
}

fn shutting_down() -> StorageError {
    StorageError::Unavailable {
        detail: "the relay is shutting down".into(),
    }
}

/// The handle handlers use to reach the batching task.
pub struct Appender {
    queue: mpsc::Sender<Command>,
}

impl Appender {
    /// Starts the task on the current tokio runtime.
    pub fn start(pool: Pool) -> Appender {
        let (queue, commands) = mpsc::channel(QUEUE_DEPTH);
        tokio::spawn(run(pool, commands));
        Appender { queue }
    }

    /// Queues `post` and waits until it is committed (or refused).
    pub async fn submit(&self, post: Post) -> Result<u64, StorageError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Command::Post(post, reply))
            .await
            .map_err(|_| shutting_down())?;
        answer.await.map_err(|_| shutting_down())?
    }

    /// Commits every post queued so far; later posts are refused.
    pub async fn close(&self) {
        let (reply, answer) = oneshot::channel();
        if self.queue.send(Command::Close(reply)).await.is_ok() {
            let _ = answer.await;
        }
    }
}

async fn run(pool: Pool, mut commands: mpsc::Receiver<Command>) {
    let mut batch: Vec<(Post, Reply)> = Vec::with_capacity(MAX_BATCH);
    let mut closers = Vec::new();
    while let Some(first) = commands.recv().await {
        let mut next = Some(first);
        while let Some(command) = next.take() {
            match command {
                Command::Post(post, reply) => batch.push((post, reply)),
                Command::Close(reply) => {
                    // What is already queued still gets committed.
                    commands.close();
                    closers.push(reply);
                }
            }
            if batch.len() < MAX_BATCH {
                next = commands.try_recv().ok();
            }
        }
        if !batch.is_empty() {
            commit(&pool, &mut batch).await;
        }
    }
    for reply in closers {
        let _ = reply.send(());
    }
}

async fn commit(pool: &Pool, batch: &mut Vec<(Post, Reply)>) {
    // Lock order: by mailbox id; a stable sort keeps each mailbox's posts in
    // the order they arrived.
    batch.sort_by(|a, b| a.0.mailbox.as_str().cmp(b.0.mailbox.as_str()));
    let results = match store_together(pool, batch).await {
        Ok(results) => results,
        Err(error) => {
            // A database error (not a refusal) rolled the batch back. Try
            // each post in a transaction of its own, so one post that
            // cannot be stored does not sink the others.
            tracing::warn!(%error, "a batch of posts failed; retrying them one by one");
            let mut results = Vec::with_capacity(batch.len());
            for (post, _) in batch.iter() {
                results.push(store_alone(pool, post).await);
            }
            results
        }
    };
    for ((_, reply), result) in batch.drain(..).zip(results) {
        // The handler may have gone (client disconnected); the post stays.
        let _ = reply.send(result);
    }
}

async fn store_together(
    pool: &Pool,
    batch: &[(Post, Reply)],
) -> Result<Vec<Result<u64, StorageError>>, StorageError> {
    let client = pool.get().await.map_err(unavailable)?;
    let statement = client
        .prepare_cached(
            "SELECT ord, refusal, seq FROM relay_append_batch($1, $2, $3, $4, $5) ORDER BY ord",
        )
        .await
        .map_err(db_unavailable)?;
    let mailboxes: Vec<&str> = batch.iter().map(|(p, _)| p.mailbox.as_str()).collect();
    let tokens: Vec<&[u8]> = batch
        .iter()
        .map(|(p, _)| p.token.as_bytes().as_slice())
        .collect();
    let bodies: Vec<&[u8]> = batch.iter().map(|(p, _)| p.body.as_slice()).collect();
    let max_messages: Vec<i64> = batch
        .iter()
        .map(|(p, _)| to_i64(p.quota.messages))
        .collect();
    let max_bytes: Vec<i64> = batch.iter().map(|(p, _)| to_i64(p.quota.bytes)).collect();
    let rows = client
        .query(
            &statement,
            &[&mailboxes, &tokens, &bodies, &max_messages, &max_bytes],
        )
        .await
        .map_err(db_unavailable)?;
    if rows.len() != batch.len() {
        return Err(unavailable(format!(
            "{} answers for a batch of {}",
            rows.len(),
            batch.len()
        )));
    }
    rows.iter().map(outcome).collect()
}

/// A row `(…, refusal, seq)` as the post's result; `Err` only when the row
/// itself cannot be read.
fn outcome(row: &tokio_postgres::Row) -> Result<Result<u64, StorageError>, StorageError> {
    let refusal: i16 = row.try_get("refusal").map_err(db_unavailable)?;
    let seq: Option<i64> = row.try_get("seq").map_err(db_unavailable)?;
    Ok(refused(refusal).and_then(|()| {
        seq.and_then(|s| u64::try_from(s).ok())
            .ok_or_else(|| unavailable("a stored post came back without a sequence number"))
    }))
}

async fn store_alone(pool: &Pool, post: &Post) -> Result<u64, StorageError> {
    let client = pool.get().await.map_err(unavailable)?;
    let statement = client
        .prepare_cached("SELECT refusal, seq FROM relay_append($1, $2, $3, $4, $5)")
        .await
        .map_err(db_unavailable)?;
    let row = client
        .query_one(
            &statement,
            &[
                &post.mailbox.as_str(),
                &post.token.as_bytes().as_slice(),
                &post.body,
                &to_i64(post.quota.messages),
                &to_i64(post.quota.bytes),
            ],
        )
        .await
        .map_err(db_unavailable)?;
    outcome(&row)?
}
