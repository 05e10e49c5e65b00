//! Client: a join whose hello the relay has not acknowledged yet.
//!
//! A retried join sends the very same hello again: the mailbox made for it
//! and its sequence number. A fresh attempt each time would leave a hole in
//! the numbering (an attempt the relay refused) or, when the first attempt
//! was stored after all, pair the therapist with a mailbox nobody reads.
//! The mailbox's read token is a secret, so the whole attempt is sealed.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use super::{Store, open_value, seal_value};
use crate::crypto::RowCipher;
use crate::error::Error;

const TABLE: &str = "pending_join";
const ROW: &[u8] = b"pending_join";

/// One join attempt, kept until its hello is acknowledged.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct PendingJoin {
    /// The invite answered.
    pub invite_id: [u8; 16],
    /// The mailbox made for this pairing.
    pub mailbox_id: String,
    /// Reads it.
    pub read_token: String,
    /// The id of the token given to the therapist to post there.
    pub token_id: String,
    /// The sealed hello.
    pub envelope: Vec<u8>,
}

impl Store {
    /// The attempt waiting to join with the invite `invite_id`, if any.
    pub(crate) fn pending_join(&self, invite_id: &[u8; 16]) -> Result<Option<PendingJoin>, Error> {
        let sealed: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT sealed FROM pending_join WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let attempt: PendingJoin = open_value(&self.cipher, TABLE, ROW, &sealed)?;
        Ok((attempt.invite_id == *invite_id).then_some(attempt))
    }
}

/// Keeps `attempt` (in place of any other), inside the transaction that
/// took its sequence number.
pub(crate) fn save_pending_join(
    tx: &Transaction<'_>,
    cipher: &RowCipher,
    attempt: &PendingJoin,
) -> Result<(), Error> {
    let sealed = seal_value(cipher, TABLE, ROW, attempt)?;
    tx.execute(
        "INSERT INTO pending_join (id, sealed) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET sealed = ?1",
        params![sealed],
    )?;
    Ok(())
}

/// The join went through: nothing waits any more.
pub(crate) fn clear_pending_join(tx: &Transaction<'_>) -> Result<(), Error> {
    tx.execute("DELETE FROM pending_join", [])?;
    Ok(())
}
