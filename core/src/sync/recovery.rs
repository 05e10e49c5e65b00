//! The therapist's recovery kit: everything needed to rebuild a home on a new
//! device from the relay, age-encrypted with a passphrase.
//!
//! It holds the device identity, the relay account (mailbox and read token),
//! every paired client (card, label, mailbox, post token), the sender sequence
//! (so receipts from the new device are not mistaken for replays), what was
//! acknowledged, and the old database's data key (so a backup copy of the old
//! database file can still be opened). Check-ins are not in it: the relay keeps
//! every envelope until the therapist prunes, and a restored home fetches them
//! all again. Invites not yet answered when the kit was made must be re-issued.

use rusqlite::TransactionBehavior;
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use super::{Account, Role};
use crate::crypto::{DataKey, KeySource, Passphrase};
use crate::error::{Error, KeyError};
use crate::identity::{DeviceId, DeviceIdentity};
use crate::store::account::{mark_restoring, restart_fetching, save_account};
use crate::store::inbox::{Acknowledged, restore_ack};
use crate::store::membership::{PairingState, restore_pairing_state};
use crate::store::sequences::{self, Sequences};
use crate::store::{Peer, Store, StoreOptions, insert_peer, replace_identity, seal_value};

/// Format 2 numbers messages per client and keeps each pairing's relay
/// token and ending; format 1 (one counter) is still read.
const KIT_FORMAT: u32 = 2;

#[derive(Serialize, Deserialize)]
struct Kit {
    format: u32,
    age_secret: String,
    signing_seed: [u8; 32],
    account: Account,
    /// Format 1: the one counter every client's numbers came from.
    #[serde(default)]
    next_seq: u64,
    data_key: [u8; 32],
    peers: Vec<Peer>,
    acked: Vec<Acknowledged>,
    /// Format 2: each client's numbers, relay token and ending.
    #[serde(default)]
    clients: Vec<KitClient>,
}

#[derive(Serialize, Deserialize)]
struct KitClient {
    device_id: String,
    next_send: u64,
    token_id: Option<String>,
    ended_at: Option<i64>,
    ended_reason: Option<String>,
}

impl Drop for Kit {
    fn drop(&mut self) {
        self.age_secret.zeroize();
        self.signing_seed.zeroize();
        self.data_key.zeroize();
        self.account.read_token.zeroize();
        for peer in &mut self.peers {
            peer.post_token.zeroize();
        }
    }
}

impl Store {
    /// The recovery kit for this therapist, encrypted to `passphrase`.
    pub fn recovery_kit(&mut self, passphrase: &Passphrase) -> Result<Vec<u8>, Error> {
        let account = self.require_account(Role::Therapist)?;
        if passphrase.is_empty() {
            return Err(KeyError::EmptyPassphrase.into());
        }
        let identity = self.device_identity()?;
        let (age_secret, seed) = identity.secret_parts();
        let acked = self.acknowledged()?;
        let sequences = self.sequences()?;
        let clients = self
            .pairing_states()?
            .into_iter()
            .map(|(device_id, token_id, ended_at, ended_reason)| KitClient {
                next_send: sequences.get(&device_id).map_or(1, |s| s.next_send.max(1)),
                device_id,
                token_id,
                ended_at,
                ended_reason,
            })
            .collect();
        let kit = Kit {
            format: KIT_FORMAT,
            age_secret: age_secret.to_string(),
            signing_seed: *seed,
            account,
            next_seq: 0,
            data_key: *self.data_key.as_bytes(),
            peers: self.peers()?.into_iter().map(|(p, _)| p).collect(),
            acked,
            clients,
        };
        let json =
            zeroize::Zeroizing::new(serde_json::to_vec(&kit).map_err(|e| KeyError::Damaged {
                detail: format!("encoding the kit: {e}"),
            })?);
        Ok(passphrase.seal(&json)?)
    }

    /// Builds a new home at `path` (opened with `keys`) from a recovery kit.
    /// Sync afterwards to fetch the history again.
    pub fn restore_from_kit(
        path: impl AsRef<std::path::Path>,
        keys: KeySource,
        options: StoreOptions,
        kit: &[u8],
        kit_passphrase: &Passphrase,
    ) -> Result<Store, Error> {
        let plaintext = kit_passphrase.open(kit)?;
        let kit: Kit = serde_json::from_slice(&plaintext).map_err(|e| KeyError::Damaged {
            detail: format!("the recovery kit could not be read: {e}"),
        })?;
        if !(1..=KIT_FORMAT).contains(&kit.format) {
            return Err(KeyError::Damaged {
                detail: format!(
                    "recovery kit format {} is not supported; update the app",
                    kit.format
                ),
            }
            .into());
        }
        let identity = DeviceIdentity::from_parts(&kit.age_secret, &kit.signing_seed)?;
        let key = DataKey::from_bytes(&kit.data_key)?;
        let mut store = Store::create_with_key(path.as_ref(), keys, options, key)?;
        if let Some(existing) = store.account()? {
            return Err(Error::AlreadySetUp {
                role: existing.role,
            });
        }
        let now = store.options.clock.now();
        let device_id = identity.device_id().to_string();
        let secret = identity.to_secret_bytes()?;
        let sealed_identity = seal_value(
            &store.cipher,
            "device_identity",
            device_id.as_bytes(),
            &*secret,
        )?;
        let (tx, cipher) = store.begin_with_cipher(TransactionBehavior::Deferred)?;
        replace_identity(&tx, &device_id, &sealed_identity, now)?;
        save_account(&tx, cipher, &kit.account, now)?;
        restart_fetching(&tx)?;
        mark_restoring(&tx)?;
        for peer in &kit.peers {
            insert_peer(&tx, cipher, peer)?;
            let device = peer.card.device_id;
            let client = kit
                .clients
                .iter()
                .find(|c| c.device_id == device.to_string());
            // Format 1 had one counter for everyone: carrying on from it for
            // each client never reuses a number.
            let next_send = client.map_or(kit.next_seq.max(1), |c| c.next_send.max(1));
            restore_numbers(&tx, cipher, &device, next_send)?;
            if let Some(c) = client {
                let state: PairingState = (
                    c.device_id.clone(),
                    c.token_id.clone(),
                    c.ended_at,
                    c.ended_reason.clone(),
                );
                restore_pairing_state(&tx, &state)?;
            }
        }
        for ack in &kit.acked {
            restore_ack(&tx, ack)?;
        }
        tx.commit()?;
        Ok(store)
    }
}

/// What a restored device sends next to a client; what it accepted is
/// rebuilt from the relay (or a checkpoint).
fn restore_numbers(
    tx: &rusqlite::Transaction<'_>,
    cipher: &crate::crypto::RowCipher,
    device: &DeviceId,
    next_send: u64,
) -> Result<(), Error> {
    sequences::restore(
        tx,
        cipher,
        device,
        &Sequences {
            next_send,
            ..Sequences::default()
        },
    )
}
