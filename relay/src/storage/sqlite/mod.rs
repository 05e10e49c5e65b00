//! The embedded default storage: one SQLite file, one writing thread with
//! group commit, and a few reading connections for fetches.

mod access;
mod schema;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::DateTime;
use rusqlite::Connection;

use self::access::{Capability, authorize, unavailable};
use self::writer::{Write, Writer};
use crate::capability::{MailboxId, TokenHash, TokenId};
use crate::error::RelayError;
use crate::storage::{
    MessagePage, Quota, RelayStorage, StorageError, StorageFuture, StoredMessage,
};

/// Reading connections kept open between fetches. More may be opened under
/// load; the extra ones are closed after use.
const IDLE_READERS: usize = 4;

/// A page stops growing once its bodies reach this size, so a fetch of 500
/// large envelopes cannot build a response of tens of megabytes.
const PAGE_BYTES: usize = 4 * 1024 * 1024;

/// Relay storage in one SQLite file (WAL, synchronous=FULL).
pub struct SqliteStorage {
    writer: Writer,
    readers: Arc<ReadPool>,
}

impl SqliteStorage {
    /// Opens the relay database at `path`, creating it if it does not
    /// exist. Refuses a file that is not a relay database, or one written by
    /// a newer relay.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStorage, RelayError> {
        let path = path.as_ref();
        let conn = schema::open_writer(path)?;
        let readers = ReadPool {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
        };
        // Open one reader now so a problem shows at start, not on a fetch.
        let reader = schema::open_reader(path).map_err(|e| RelayError::Database {
            path: path.to_owned(),
            detail: e.to_string(),
        })?;
        readers.put_back(reader);
        let writer = Writer::start(conn).map_err(|e| RelayError::Database {
            path: path.to_owned(),
            detail: format!("could not start the writing thread: {e}"),
        })?;
        Ok(SqliteStorage {
            writer,
            readers: Arc::new(readers),
        })
    }

    fn write(&self, write: Write) -> StorageFuture<'_, u64> {
        Box::pin(self.writer.submit(write))
    }
}

/// Reading connections. Fetches run on tokio's blocking threads, each with a
/// connection of its own, so a slow fetch never holds up a post.
struct ReadPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl ReadPool {
    fn take(&self) -> Result<Connection, StorageError> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match idle {
            Some(conn) => Ok(conn),
            None => schema::open_reader(&self.path).map_err(unavailable),
        }
    }

    fn put_back(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
    }

    /// Runs `read` on a pooled connection, on a blocking thread.
    async fn run<T: Send + 'static>(
        self: Arc<Self>,
        read: impl FnOnce(&mut Connection) -> Result<T, StorageError> + Send + 'static,
    ) -> Result<T, StorageError> {
        tokio::task::spawn_blocking(move || {
            let mut conn = self.take()?;
            let result = read(&mut conn);
            self.put_back(conn);
            result
        })
        .await
        .map_err(|e| StorageError::Unavailable {
            detail: format!("a fetch was interrupted: {e}"),
        })?
    }
}

fn fetch(
    conn: &mut Connection,
    mailbox: &MailboxId,
    read_token: &TokenHash,
    after: u64,
    limit: u32,
) -> Result<MessagePage, StorageError> {
    // One read transaction: the token check and the page see the same
    // snapshot.
    let tx = conn.transaction().map_err(unavailable)?;
    let found = authorize(&tx, mailbox, read_token, Capability::Read)?;
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let mut statement = tx
        .prepare_cached(
            "SELECT seq, received_at, body FROM messages
             WHERE mailbox = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )
        .map_err(unavailable)?;
    // One more than asked for tells whether more follow.
    let rows = statement
        .query_map((found.key, after, i64::from(limit) + 1), |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, Vec<u8>>(2)?,
            ))
        })
        .map_err(unavailable)?;
    let mut messages = Vec::new();
    let mut page_bytes = 0;
    let mut more = false;
    for row in rows {
        let (seq, received_at, body) = row.map_err(unavailable)?;
        if messages.len() == limit as usize || page_bytes >= PAGE_BYTES {
            more = true;
            break;
        }
        page_bytes += body.len();
        messages.push(StoredMessage {
            seq: seq as u64,
            received_at: DateTime::from_timestamp_micros(received_at).unwrap_or_default(),
            body,
        });
    }
    Ok(MessagePage { messages, more })
}

impl RelayStorage for SqliteStorage {
    fn create_mailbox(&self, mailbox: MailboxId, read_token: TokenHash) -> StorageFuture<'_, ()> {
        let write = self.write(Write::CreateMailbox {
            mailbox,
            read_token,
        });
        Box::pin(async move { write.await.map(|_| ()) })
    }

    fn add_post_token(
        &self,
        mailbox: MailboxId,
        read_token: TokenHash,
        token_id: TokenId,
        post_token: TokenHash,
    ) -> StorageFuture<'_, ()> {
        let write = self.write(Write::AddPostToken {
            mailbox,
            read_token,
            token_id,
            post_token,
        });
        Box::pin(async move { write.await.map(|_| ()) })
    }

    fn revoke_post_token(
        &self,
        mailbox: MailboxId,
        read_token: TokenHash,
        token_id: TokenId,
    ) -> StorageFuture<'_, ()> {
        let write = self.write(Write::RevokePostToken {
            mailbox,
            read_token,
            token_id,
        });
        Box::pin(async move { write.await.map(|_| ()) })
    }

    fn append(
        &self,
        mailbox: MailboxId,
        post_token: TokenHash,
        body: Vec<u8>,
        quota: Quota,
    ) -> StorageFuture<'_, u64> {
        self.write(Write::Append {
            mailbox,
            post_token,
            body,
            quota,
        })
    }

    fn fetch(
        &self,
        mailbox: MailboxId,
        read_token: TokenHash,
        after: u64,
        limit: u32,
    ) -> StorageFuture<'_, MessagePage> {
        let readers = Arc::clone(&self.readers);
        Box::pin(readers.run(move |conn| fetch(conn, &mailbox, &read_token, after, limit)))
    }

    fn prune(
        &self,
        mailbox: MailboxId,
        read_token: TokenHash,
        through: u64,
    ) -> StorageFuture<'_, u64> {
        self.write(Write::Prune {
            mailbox,
            read_token,
            through,
        })
    }

    fn close(&self) -> StorageFuture<'_, ()> {
        Box::pin(async move {
            self.writer.close().await?;
            self.readers
                .idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
            Ok(())
        })
    }
}
