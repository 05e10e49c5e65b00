//! The `account` row: this device's place on the relay (sealed), its role,
//! the sender sequence numbers it hands out and the fetch cursor.
//!
//! Where a client's pairing stands (paused, erasing, ended) lives in the same
//! row and is read in `membership.rs`; the waiting sharing notice in
//! `sharing.rs`.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use super::{Store, open_value, seal_value};
use crate::crypto::RowCipher;
use crate::error::Error;
use crate::model::{Consent, ConsentStatus};
use crate::role::Role;

/// Where the sealed account is bound: one row, always this id.
pub(crate) const ACCOUNT_ROW: &[u8] = b"account";

/// This device's place on the relay.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Client or therapist.
    pub role: Role,
    /// The relay's base URL.
    pub relay_url: String,
    /// This device's own mailbox.
    pub mailbox_id: String,
    /// The token that reads it.
    pub read_token: String,
    /// A name to show (the therapist's own name; empty for clients).
    pub name: String,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("role", &self.role)
            .field("relay_url", &self.relay_url)
            .field("mailbox_id", &self.mailbox_id)
            .field("read_token", &crate::crypto::REDACTED)
            .field("name", &crate::crypto::REDACTED)
            .finish()
    }
}

impl Store {
    /// This device's account, once it has one.
    pub fn account(&self) -> Result<Option<Account>, Error> {
        let sealed: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT sealed FROM account WHERE id = 1", [], |r| r.get(0))
            .optional()?;
        sealed
            .map(|s| open_value(&self.cipher, "account", ACCOUNT_ROW, &s))
            .transpose()
    }

    /// Whether the account row says therapist, without opening it.
    pub(crate) fn is_therapist(&self) -> Result<bool, Error> {
        let role: Option<String> = self
            .conn
            .query_row("SELECT role FROM account WHERE id = 1", [], |r| r.get(0))
            .optional()?;
        Ok(role.as_deref() == Some("therapist"))
    }

    /// The relay sequence number fetching resumes after.
    pub(crate) fn fetch_cursor(&self) -> Result<i64, Error> {
        Ok(self
            .conn
            .query_row("SELECT cursor FROM account WHERE id = 1", [], |r| r.get(0))?)
    }

    /// Client: the id of the token the therapist posts here with (`None`
    /// for a pairing made before it was kept).
    pub(crate) fn peer_token_id(&self) -> Result<Option<String>, Error> {
        Ok(self
            .conn
            .query_row("SELECT peer_token_id FROM account WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?
            .flatten())
    }
}

impl Store {
    /// Where this client stands with the consent text: the version they
    /// accepted, the current one, and whether they must accept it before
    /// the next check-in. A device that has not joined (or a therapist's)
    /// must accept nothing here.
    pub fn consent_status(&self) -> Result<ConsentStatus, Error> {
        let current = Consent::CURRENT_VERSION;
        let row: Option<(String, Option<u32>, Option<String>)> = self
            .conn
            .query_row(
                "SELECT role, consent_version, ended FROM account WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        Ok(match row {
            Some((role, accepted, ended)) if role == "client" => ConsentStatus {
                accepted,
                current,
                // Nothing is shared once the pairing ended: nothing to agree to.
                must_accept: ended.is_none() && accepted != Some(current),
            },
            _ => ConsentStatus {
                accepted: None,
                current,
                must_accept: false,
            },
        })
    }

    /// The client accepts consent `version` (after reading it,
    /// [`Consent::current`]); it must be the current one
    /// ([`Error::ConsentRequired`] otherwise). Only the version on record
    /// changes: every check-in, queued change and the pairing stay as they
    /// are.
    pub fn accept_consent(&mut self, version: u32) -> Result<ConsentStatus, Error> {
        self.require_account(Role::Client)?;
        let current = Consent::CURRENT_VERSION;
        if version != current {
            return Err(Error::ConsentRequired {
                current,
                given: version,
            });
        }
        self.conn.execute(
            "UPDATE account SET consent_version = ?1 WHERE id = 1",
            params![version],
        )?;
        self.consent_status()
    }
}

/// Client, before a check-in is recorded or changed, inside that
/// transaction: refused with [`Error::ConsentOutdated`] while the consent
/// accepted is older than the current one and sharing goes on. Before
/// joining nothing is shared, so nothing is asked.
pub(crate) fn require_current_consent(tx: &Transaction<'_>) -> Result<(), Error> {
    // Cached: every check-in recorded or edited asks.
    let row: Option<(String, Option<u32>, Option<String>)> = tx
        .prepare_cached("SELECT role, consent_version, ended FROM account WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let current = Consent::CURRENT_VERSION;
    match row {
        Some((role, accepted, None)) if role == "client" && accepted != Some(current) => {
            Err(Error::ConsentOutdated {
                current,
                accepted: accepted.unwrap_or(0),
            })
        }
        _ => Ok(()),
    }
}

/// Seals and writes the account, inside the caller's transaction.
pub(crate) fn save_account(
    tx: &Transaction<'_>,
    cipher: &RowCipher,
    account: &Account,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let sealed = seal_value(cipher, "account", ACCOUNT_ROW, account)?;
    let role = match account.role {
        Role::Client => "client",
        Role::Therapist => "therapist",
    };
    tx.execute(
        "INSERT INTO account (id, role, created_at, sealed) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET role = ?1, sealed = ?3",
        params![role, now.timestamp_millis(), sealed],
    )?;
    Ok(())
}

/// Client, joining, inside the caller's transaction: keeps the consent given
/// and the id of the therapist's token.
pub(crate) fn record_join(
    tx: &Transaction<'_>,
    consent_version: u32,
    peer_token_id: &str,
) -> Result<(), Error> {
    tx.execute(
        "UPDATE account SET consent_version = ?1, peer_token_id = ?2
         WHERE id = 1",
        params![consent_version, peer_token_id],
    )?;
    Ok(())
}

/// Restoring from a recovery kit, inside the caller's transaction: fetching
/// starts over.
pub(crate) fn restart_fetching(tx: &Transaction<'_>) -> Result<(), Error> {
    tx.execute("UPDATE account SET cursor = 0 WHERE id = 1", [])?;
    Ok(())
}

/// Restoring from a recovery kit, inside the caller's transaction: the next
/// sync looks for the newest checkpoint before anything else.
pub(crate) fn mark_restoring(tx: &Transaction<'_>) -> Result<(), Error> {
    tx.execute("UPDATE account SET restoring = 1 WHERE id = 1", [])?;
    Ok(())
}

/// Moves the fetch cursor, inside the transaction that applied the page up
/// to it: a crash between pages re-fetches at most one page.
pub(crate) fn set_cursor(tx: &Transaction<'_>, server_seq: u64) -> Result<(), Error> {
    tx.execute(
        "UPDATE account SET cursor = ?1 WHERE id = 1",
        params![server_seq as i64],
    )?;
    Ok(())
}
