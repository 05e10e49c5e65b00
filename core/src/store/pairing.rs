//! This device's identity, the invites a therapist made, and paired devices.
//!
//! All secrets (identity keys, pairing secrets), and everything that could
//! name a client (the therapist's label, mailbox ids, tokens), are sealed.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::Store;
use crate::crypto::{RowAddress, RowCipher, RowOpenError, fill_random};
use crate::envelope::{Hello, KnownSender};
use crate::error::{Error, InviteError, KeyError, NameField, PairingError, StoreError};
use crate::identity::{DeviceCard, DeviceId, DeviceIdentity};
use crate::invite::{Invite, MAX_VALIDITY_DAYS, check_validity};
use crate::model::check_name;

/// A device paired with this one.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peer {
    /// Its public keys.
    pub card: DeviceCard,
    /// What the therapist calls this client (initials, say). Local only.
    pub label: String,
    /// The peer's mailbox on the relay.
    pub mailbox_id: String,
    /// A token allowing posts to that mailbox.
    pub post_token: String,
    /// When the pairing was accepted.
    pub paired_at: DateTime<Utc>,
}

impl std::fmt::Debug for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peer")
            .field("card", &self.card)
            .field("label", &crate::crypto::REDACTED)
            .field("mailbox_id", &self.mailbox_id)
            .field("post_token", &crate::crypto::REDACTED)
            .field("paired_at", &self.paired_at)
            .finish()
    }
}

/// What an invite row keeps sealed: the secret the client's hello proves it
/// holds, and the therapist's label for the client.
#[derive(Serialize, Deserialize)]
pub(crate) struct InviteSecret {
    pairing_secret: [u8; 32],
    label: String,
}

pub(crate) fn seal_value<T: Serialize>(
    cipher: &RowCipher,
    table: &'static str,
    row_id: &[u8],
    value: &T,
) -> Result<Vec<u8>, Error> {
    seal_bound(cipher, table, row_id, 1, &[], value)
}

/// [`seal_value`], bound to `version` and to cleartext columns of the same
/// row (`bound`, encoded by the caller): changing any of them alone makes
/// the row fail to open.
pub(crate) fn seal_bound<T: Serialize>(
    cipher: &RowCipher,
    table: &'static str,
    row_id: &[u8],
    version: u32,
    bound: &[u8],
    value: &T,
) -> Result<Vec<u8>, Error> {
    let plaintext = zeroize::Zeroizing::new(postcard::to_allocvec(value).map_err(|e| {
        StoreError::UnreadableRecord {
            table,
            row: String::from_utf8_lossy(row_id).into_owned(),
            detail: e.to_string(),
        }
    })?);
    let address = RowAddress {
        table,
        row_id,
        version,
        bound,
    };
    Ok(cipher.seal(&address, &plaintext)?)
}

/// Where [`seal_value`] seals: one version per row, nothing bound besides
/// the table and the row id.
#[cfg(feature = "fuzzing")]
pub(crate) fn value_address<'a>(table: &'a str, row_id: &'a [u8]) -> RowAddress<'a> {
    RowAddress {
        table,
        row_id,
        version: 1,
        bound: &[],
    }
}

pub(crate) fn open_value<T: DeserializeOwned>(
    cipher: &RowCipher,
    table: &'static str,
    row_id: &[u8],
    sealed: &[u8],
) -> Result<T, Error> {
    open_bound(cipher, table, row_id, 1, &[], sealed)
}

/// Opens what [`seal_bound`] sealed.
pub(crate) fn open_bound<T: DeserializeOwned>(
    cipher: &RowCipher,
    table: &'static str,
    row_id: &[u8],
    version: u32,
    bound: &[u8],
    sealed: &[u8],
) -> Result<T, Error> {
    let row = || format!("{:02x?}", row_id);
    let address = RowAddress {
        table,
        row_id,
        version,
        bound,
    };
    let plaintext =
        zeroize::Zeroizing::new(cipher.open(&address, sealed).map_err(|e| match e {
            RowOpenError::Tampered => StoreError::Tampered { table, row: row() },
            RowOpenError::Malformed => StoreError::UnreadableRecord {
                table,
                row: row(),
                detail: "sealed value is malformed".into(),
            },
        })?);
    Ok(
        postcard::from_bytes(&plaintext).map_err(|e| StoreError::UnreadableRecord {
            table,
            row: row(),
            detail: e.to_string(),
        })?,
    )
}

/// An invite's secret is sealed (version [`INVITE_ROW_VERSION`]) bound to
/// when it expires and when it was used, so neither can be changed alone:
/// not extended, and not made unused again for a second device.
const INVITE_ROW_VERSION: u32 = 2;

fn invite_bound(expires_at: i64, used_at: Option<i64>) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&expires_at.to_be_bytes());
    out[8..].copy_from_slice(&used_at.unwrap_or(0).to_be_bytes());
    out
}

impl Store {
    /// This device's identity, created the first time it is asked for.
    pub fn device_identity(&mut self) -> Result<DeviceIdentity, Error> {
        let existing: Option<(String, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT device_id, sealed FROM device_identity WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((device_id, sealed)) = existing {
            let secret: zeroize::Zeroizing<Vec<u8>> = open_value::<Vec<u8>>(
                &self.cipher,
                "device_identity",
                device_id.as_bytes(),
                &sealed,
            )
            .map(zeroize::Zeroizing::new)?;
            let identity = DeviceIdentity::from_secret_bytes(&secret)?;
            if identity.device_id().to_string() != device_id {
                return Err(StoreError::Tampered {
                    table: "device_identity",
                    row: device_id,
                }
                .into());
            }
            return Ok(identity);
        }
        let identity = DeviceIdentity::generate()?;
        let device_id = identity.device_id().to_string();
        let secret = identity.to_secret_bytes()?;
        let sealed = seal_value(
            &self.cipher,
            "device_identity",
            device_id.as_bytes(),
            &*secret,
        )?;
        self.conn.execute(
            "INSERT INTO device_identity (id, device_id, created_at, sealed) VALUES (1, ?1, ?2, ?3)",
            params![device_id, self.options.clock.now().timestamp_millis(), sealed],
        )?;
        Ok(identity)
    }

    /// Creates a single-use invite for one client. `label` (what the therapist
    /// calls the client) stays on this device; the invite does not carry it.
    /// Refused when `valid_for` is not positive or too long
    /// ([`crate::invite::check_validity`]).
    pub fn create_invite(
        &mut self,
        relay_url: &str,
        mailbox_id: &str,
        post_token: &str,
        label: &str,
        valid_for: Duration,
    ) -> Result<Invite, Error> {
        let label = check_name(NameField::ClientLabel, label)?;
        let therapist = self.device_identity()?.card();
        let now = self.options.clock.now();
        let mut pairing_secret = [0u8; 32];
        fill_random(&mut pairing_secret)?;
        let invite = Invite {
            relay_url: relay_url.to_owned(),
            mailbox_id: mailbox_id.to_owned(),
            post_token: post_token.to_owned(),
            therapist,
            pairing_secret,
            expires_at: now.checked_add_signed(check_validity(valid_for)?).ok_or(
                InviteError::ValidityTooLong {
                    max_days: MAX_VALIDITY_DAYS,
                },
            )?,
        };
        let invite_id = invite.invite_id();
        let sealed = seal_bound(
            &self.cipher,
            "invites",
            &invite_id,
            INVITE_ROW_VERSION,
            &invite_bound(invite.expires_at.timestamp_millis(), None),
            &InviteSecret {
                pairing_secret,
                label,
            },
        )?;
        self.conn.execute(
            "INSERT INTO invites (invite_id, created_at, expires_at, sealed) VALUES (?1, ?2, ?3, ?4)",
            params![
                &invite_id[..],
                now.timestamp_millis(),
                invite.expires_at.timestamp_millis(),
                sealed
            ],
        )?;
        Ok(invite)
    }

    /// Therapist: keeps the id of the relay token an invite carries, so
    /// revoking the client (or its leaving) can revoke the token.
    pub(crate) fn set_invite_token(
        &mut self,
        invite_id: &[u8; 16],
        token_id: &str,
    ) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE invites SET token_id = ?2 WHERE invite_id = ?1",
            params![invite_id.as_slice(), token_id],
        )?;
        Ok(())
    }

    /// Accepts a client's hello: the invite must be this device's, unused and
    /// unexpired, and the hello's MAC must prove the client holds it. The
    /// invite is then used up and the client's device becomes a peer.
    pub fn accept_hello(&mut self, hello: &Hello) -> Result<Peer, Error> {
        let now = self.options.clock.now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let peer = accept_hello_in(&tx, &self.cipher, hello, now, now)?;
        tx.commit()?;
        Ok(peer)
    }

    /// Records a device this one paired with from the other side (a client
    /// storing its therapist after sending a hello).
    pub fn add_peer(&mut self, peer: &Peer) -> Result<(), Error> {
        peer.card
            .check()
            .map_err(|detail| KeyError::Damaged { detail })?;
        let device_id = peer.card.device_id.to_string();
        let sealed = seal_value(&self.cipher, "peers", device_id.as_bytes(), peer)?;
        self.conn.execute(
            "INSERT INTO peers (device_id, paired_at, sealed) VALUES (?1, ?2, ?3)
             ON CONFLICT (device_id) DO UPDATE SET paired_at = ?2, sealed = ?3",
            params![device_id, peer.paired_at.timestamp_millis(), sealed],
        )?;
        Ok(())
    }

    /// Every paired device, with the highest sequence number accepted from it.
    pub fn peers(&self) -> Result<Vec<(Peer, u64)>, Error> {
        let sequences = super::sequences::load_all(&self.conn, &self.cipher)?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT device_id, sealed FROM peers ORDER BY paired_at, rowid")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        let mut peers = Vec::new();
        for row in rows {
            let (device_id, sealed) = row?;
            let peer: Peer = open_value(&self.cipher, "peers", device_id.as_bytes(), &sealed)?;
            if peer.card.device_id.to_string() != device_id {
                return Err(StoreError::Tampered {
                    table: "peers",
                    row: device_id,
                }
                .into());
            }
            let last_seen = sequences.get(&device_id).map_or(0, |s| s.last_seen);
            peers.push((peer, last_seen));
        }
        Ok(peers)
    }

    /// Every paired sender, as the envelope opener needs them.
    pub fn known_senders(&self) -> Result<std::collections::HashMap<DeviceId, KnownSender>, Error> {
        let sequences = super::sequences::load_all(&self.conn, &self.cipher)?;
        Ok(self
            .peers()?
            .into_iter()
            .map(|(peer, _)| {
                let id = peer.card.device_id;
                let seen = sequences.get(&id.to_string()).cloned().unwrap_or_default();
                let mut known = KnownSender::new(peer.card, seen.last_seen);
                known.seen_above = seen.seen_above;
                (id, known)
            })
            .collect())
    }

    /// A paired sender, as the envelope opener needs it.
    pub fn known_sender(&self, id: &DeviceId) -> Result<Option<KnownSender>, Error> {
        Ok(self.known_senders()?.remove(id))
    }
}

/// An invite as stored: expires at, used at, sealed secret, relay token id.
type InviteRow = (i64, Option<i64>, Vec<u8>, Option<String>);

/// How long after an invite expired a hello that was sent in time is still
/// taken: a relay may hold it, a therapist may not sync for days. Past this,
/// a leaked invite is of no use even to someone who backdates a hello.
pub const HELLO_GRACE: chrono::Duration = chrono::Duration::days(14);

/// Accepts a hello inside the caller's transaction (sync applies a whole page
/// of envelopes in one). Expiry is judged by when the client says (signed)
/// it sent the hello, `sent_at`, not by when this device got round to
/// reading it, within [`HELLO_GRACE`] after the invite's end.
pub(crate) fn accept_hello_in(
    tx: &rusqlite::Transaction<'_>,
    cipher: &RowCipher,
    hello: &Hello,
    sent_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Peer, Error> {
    let row: Option<InviteRow> = tx
        .query_row(
            "SELECT expires_at, used_at, sealed, token_id FROM invites WHERE invite_id = ?1",
            params![&hello.invite_id[..]],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let (expires_millis, used_at, sealed, token_id) = row.ok_or(PairingError::UnknownInvite)?;
    let device_id = hello.card.device_id.to_string();
    if used_at.is_some() {
        // The same device again (a join retried after a lost answer, whose
        // later hello names a new mailbox) takes the newer hello; the
        // sequence number already told newer from older. Anyone else is
        // refused.
        let used_by: Option<String> = tx
            .query_row(
                "SELECT device_id FROM peers WHERE invite_id = ?1",
                params![&hello.invite_id[..]],
                |r| r.get(0),
            )
            .optional()?;
        if used_by.as_deref() != Some(device_id.as_str()) {
            return Err(PairingError::InviteAlreadyUsed.into());
        }
    }
    // Opened first: a changed expiry or use is refused as tampering.
    let secret: InviteSecret = open_bound(
        cipher,
        "invites",
        &hello.invite_id,
        INVITE_ROW_VERSION,
        &invite_bound(expires_millis, used_at),
        &sealed,
    )
    .or_else(|e| {
        // Invites made before schema 7 were sealed unbound.
        open_value(cipher, "invites", &hello.invite_id, &sealed).map_err(|_| e)
    })?;
    let expires_at = DateTime::from_timestamp_millis(expires_millis).unwrap_or_default();
    if expires_at <= sent_at.min(now) || expires_at + HELLO_GRACE <= now {
        return Err(PairingError::InviteExpired {
            expired_at: expires_at,
        }
        .into());
    }
    hello.verify_mac(&secret.pairing_secret)?;
    hello
        .card
        .check()
        .map_err(|detail| PairingError::BadCard { detail })?;
    let peer = Peer {
        card: hello.card.clone(),
        label: secret.label.clone(),
        mailbox_id: hello.mailbox_id.clone(),
        post_token: hello.post_token.clone(),
        paired_at: now,
    };
    let sealed_peer = seal_value(cipher, "peers", device_id.as_bytes(), &peer)?;
    let used = used_at.unwrap_or(now.timestamp_millis());
    let resealed = seal_bound(
        cipher,
        "invites",
        &hello.invite_id,
        INVITE_ROW_VERSION,
        &invite_bound(expires_millis, Some(used)),
        &secret,
    )?;
    tx.execute(
        "UPDATE invites SET used_at = ?2, sealed = ?3 WHERE invite_id = ?1",
        params![&hello.invite_id[..], used, resealed],
    )?;
    // A device that left and joins again starts a new pairing: it is not
    // ended any more. Its sequence numbers carry on (`sequences`).
    tx.execute(
        "INSERT INTO peers (device_id, invite_id, paired_at, sealed, token_id)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (device_id) DO UPDATE SET invite_id = ?2, paired_at = ?3, sealed = ?4,
             token_id = ?5, ended_at = NULL, ended_reason = NULL, token_revoked = 0,
             paused_at = NULL",
        params![
            device_id,
            &hello.invite_id[..],
            now.timestamp_millis(),
            sealed_peer,
            token_id
        ],
    )?;
    Ok(peer)
}

/// Replaces this device's identity with one restored from a recovery kit
/// (`sealed` as [`Store::device_identity`] seals it), inside the caller's
/// transaction.
pub(crate) fn replace_identity(
    tx: &rusqlite::Transaction<'_>,
    device_id: &str,
    sealed: &[u8],
    now: DateTime<Utc>,
) -> Result<(), Error> {
    tx.execute("DELETE FROM device_identity", [])?;
    tx.execute(
        "INSERT INTO device_identity (id, device_id, created_at, sealed) VALUES (1, ?1, ?2, ?3)",
        params![device_id, now.timestamp_millis(), sealed],
    )?;
    Ok(())
}

/// Stores a peer inside the caller's transaction.
pub(crate) fn insert_peer(
    tx: &rusqlite::Transaction<'_>,
    cipher: &RowCipher,
    peer: &Peer,
) -> Result<(), Error> {
    peer.card
        .check()
        .map_err(|detail| KeyError::Damaged { detail })?;
    let device_id = peer.card.device_id.to_string();
    let sealed = seal_value(cipher, "peers", device_id.as_bytes(), peer)?;
    tx.execute(
        "INSERT INTO peers (device_id, paired_at, sealed) VALUES (?1, ?2, ?3)
         ON CONFLICT (device_id) DO UPDATE SET paired_at = ?2, sealed = ?3",
        params![device_id, peer.paired_at.timestamp_millis(), sealed],
    )?;
    Ok(())
}
