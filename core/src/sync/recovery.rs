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

use super::{Account, Role};
use crate::crypto::{KeySource, Passphrase};
use crate::error::{Error, KeyError};
use crate::identity::DeviceIdentity;
use crate::store::account::{restore_sequence, save_account};
use crate::store::inbox::{Acknowledged, restore_ack};
use crate::store::{Peer, Store, StoreOptions, insert_peer, replace_identity, seal_value};

const KIT_FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Kit {
    format: u32,
    age_secret: String,
    signing_seed: [u8; 32],
    account: Account,
    next_seq: u64,
    data_key: [u8; 32],
    peers: Vec<Peer>,
    acked: Vec<Acknowledged>,
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
        let next_seq = self.next_seq()?;
        let acked = self.acknowledged()?;
        let kit = Kit {
            format: KIT_FORMAT,
            age_secret: age_secret.to_string(),
            signing_seed: *seed,
            account,
            next_seq: next_seq.max(1) as u64,
            data_key: *self.data_key.as_bytes(),
            peers: self.peers()?.into_iter().map(|(p, _)| p).collect(),
            acked,
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
        if kit.format != KIT_FORMAT {
            return Err(KeyError::Damaged {
                detail: format!(
                    "recovery kit format {} is not supported; update the app",
                    kit.format
                ),
            }
            .into());
        }
        let identity = DeviceIdentity::from_parts(&kit.age_secret, &kit.signing_seed)?;
        let mut store = Store::open_with(path, keys, options)?;
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
        restore_sequence(&tx, kit.next_seq)?;
        for peer in &kit.peers {
            insert_peer(&tx, cipher, peer)?;
        }
        for ack in &kit.acked {
            restore_ack(&tx, ack)?;
        }
        tx.commit()?;
        Ok(store)
    }
}
