//! Therapist: which pairing a client's hello or leave belongs to.
//!
//! A client that leaves and joins again keeps numbering its messages where
//! it was, and a relay may deliver any of them late. So the therapist keeps,
//! per client, the number of the hello that began the current pairing and
//! of the last leave (sealed with its other numbers, `store/sequences.rs`):
//!
//! - A hello older than either is a join attempt that a newer one replaced,
//!   or the hello of an earlier pairing: its mailbox and token are stale,
//!   and it pairs nothing.
//! - A leave older than the current pairing's hello ended an earlier
//!   pairing: it does not end this one. (An erase always counts: a client
//!   who erased never joins again with the same device.)
//! - A pause or resume older than it was about an earlier pairing: the
//!   current one began unpaused, and the notice changes nothing.
//!
//! Nothing here closes numbers that have not arrived: a relay may still be
//! holding any of them, and a number taken as seen would turn a late
//! check-in into a replay. The client sees to it that it leaves no holes
//! (a retried join or leave is sent again with its number).

use std::collections::HashMap;

use crate::crypto::RowCipher;
use crate::error::Error;
use crate::identity::DeviceId;
use crate::store::Store;
use crate::store::sequences::{PairingNumbers, save_pairing};

/// Every client's [`PairingNumbers`], as one page of messages changes them.
pub(super) struct Pairings(HashMap<String, PairingNumbers>);

impl Pairings {
    /// The numbers as stored.
    pub(super) fn load(store: &Store) -> Result<Pairings, Error> {
        Ok(Pairings(
            store
                .sequences()?
                .into_iter()
                .map(|(device, numbers)| (device, numbers.pairing))
                .collect(),
        ))
    }

    /// (the current pairing's hello, the last leave), `None` when unknown.
    fn numbers(&self, device: &DeviceId) -> (Option<u64>, Option<u64>) {
        let n = self.0.get(&device.to_string()).copied().unwrap_or_default();
        (
            (n.hello > 0).then_some(n.hello),
            (n.leave > 0).then_some(n.leave),
        )
    }

    /// Whether a hello numbered `seq` may begin a pairing: it is newer than
    /// the current pairing's hello and than the last leave.
    pub(super) fn may_pair(&self, device: &DeviceId, seq: u64) -> bool {
        let (hello, leave) = self.numbers(device);
        hello.is_none_or(|h| seq > h) && leave.is_none_or(|l| seq > l)
    }

    /// Whether a message numbered `seq` was sent in the current pairing (it
    /// is newer than the hello that began it): only such a leave ends it,
    /// and only such a pause or resume says whether it is paused.
    pub(super) fn in_current_pairing(&self, device: &DeviceId, seq: u64) -> bool {
        self.numbers(device).0.is_none_or(|h| seq > h)
    }

    /// A hello numbered `seq` began a pairing with `device`.
    pub(super) fn paired(
        &mut self,
        tx: &rusqlite::Transaction<'_>,
        cipher: &RowCipher,
        device: &DeviceId,
        seq: u64,
    ) -> Result<(), Error> {
        let (_, leave) = self.numbers(device);
        self.keep(tx, cipher, device, seq, leave.unwrap_or(0))
    }

    /// A leave numbered `seq` arrived (from this pairing or an earlier one).
    pub(super) fn left(
        &mut self,
        tx: &rusqlite::Transaction<'_>,
        cipher: &RowCipher,
        device: &DeviceId,
        seq: u64,
    ) -> Result<(), Error> {
        let (hello, leave) = self.numbers(device);
        let leave = leave.map_or(seq, |l| l.max(seq));
        self.keep(tx, cipher, device, hello.unwrap_or(0), leave)
    }

    fn keep(
        &mut self,
        tx: &rusqlite::Transaction<'_>,
        cipher: &RowCipher,
        device: &DeviceId,
        hello: u64,
        leave: u64,
    ) -> Result<(), Error> {
        let numbers = PairingNumbers { hello, leave };
        save_pairing(tx, cipher, device, numbers)?;
        self.0.insert(device.to_string(), numbers);
        Ok(())
    }
}
