//! Checking a token against a mailbox, inside whatever transaction the
//! operation runs in.

use rusqlite::{Connection, OptionalExtension};

use crate::capability::{MailboxId, TokenHash};
use crate::storage::StorageError;

/// Which capability an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Read, prune, mint and revoke post tokens.
    Read,
    /// Post messages.
    Post,
}

impl Capability {
    fn as_sql(self) -> &'static str {
        match self {
            Capability::Read => "read",
            Capability::Post => "post",
        }
    }
}

/// A mailbox the caller may use, as it stands in this transaction.
#[derive(Debug, Clone, Copy)]
pub struct Mailbox {
    /// Internal key the other tables use.
    pub key: i64,
    /// Highest sequence number ever given out.
    pub last_seq: i64,
    /// Messages held now.
    pub message_count: i64,
    /// Bytes of messages held now.
    pub byte_count: i64,
}

/// Whatever went wrong in SQLite, as storage reports it.
pub fn unavailable(error: rusqlite::Error) -> StorageError {
    StorageError::Unavailable {
        detail: error.to_string(),
    }
}

/// Finds the mailbox and checks that `token` grants `needed` on it.
pub fn authorize(
    conn: &Connection,
    mailbox: &MailboxId,
    token: &TokenHash,
    needed: Capability,
) -> Result<Mailbox, StorageError> {
    let mut statement = conn
        .prepare_cached(
            "SELECT m.key, m.last_seq, m.message_count, m.byte_count,
                    t.mailbox, t.kind, t.revoked
             FROM mailboxes m LEFT JOIN tokens t ON t.hash = ?2
             WHERE m.id = ?1",
        )
        .map_err(unavailable)?;
    let row = statement
        .query_row((mailbox.as_str(), token.as_bytes().as_slice()), |row| {
            Ok((
                Mailbox {
                    key: row.get(0)?,
                    last_seq: row.get(1)?,
                    message_count: row.get(2)?,
                    byte_count: row.get(3)?,
                },
                row.get::<_, Option<i64>>(4)?,
                row.get::<_, Option<String>>(5)?,
                row.get::<_, Option<bool>>(6)?,
            ))
        })
        .optional()
        .map_err(unavailable)?;
    let Some((found, token_mailbox, kind, revoked)) = row else {
        return Err(StorageError::NoSuchMailbox);
    };
    if token_mailbox != Some(found.key) || kind.as_deref() != Some(needed.as_sql()) {
        return Err(StorageError::Forbidden);
    }
    if revoked == Some(true) {
        return Err(StorageError::TokenRevoked);
    }
    Ok(found)
}
