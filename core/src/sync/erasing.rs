//! The rest of a client's erase, during sync once its tombstones went (or
//! were refused). Above `apply` and `membership`, which it uses.

use super::send::reserved_leave;
use super::{SyncReport, Transport, apply};
use crate::error::Error;
use crate::identity::DeviceIdentity;
use crate::store::Store;

impl Store {
    /// During sync, after the tombstones went (or were refused): the rest
    /// of an erase.
    ///
    /// The relay refusing this client's token ends nothing by itself (a
    /// relay can say it of any token), and wiping then would leave the
    /// therapist every check-in whose tombstone did not go. The erase goes
    /// on only
    /// - when the therapist ended the pairing (signed, fetched now): the
    ///   tombstones have nobody to go to; or
    /// - when a leave was sent before, its answer lost: the therapist may
    ///   have applied it and truly revoked the token. If it was this
    ///   erase's, every tombstone went before it, so those refused now are
    ///   of check-ins recorded since, which never left this device; if it
    ///   was a plain leave, what was shared stays with the therapist, as
    ///   after any leave.
    pub(super) fn go_on_erasing(
        &mut self,
        transport: &dyn Transport,
        me: &DeviceIdentity,
        account: &super::Account,
        token_refused: bool,
        report: &mut SyncReport,
        progress: &mut dyn FnMut(&SyncReport),
    ) -> Result<(), Error> {
        if !token_refused || self.leave_sent_before()? {
            return self.finish_erase(transport, report);
        }
        apply::fetch_and_apply(self, transport, me, account, report, progress)?;
        if report.ended_by_therapist {
            self.prune_everything(transport);
            self.wipe()?;
            report.erased = true;
        } else {
            report.token_refused = true;
        }
        Ok(())
    }

    /// Whether a leave (or an erase's) was sent before: its number is
    /// reserved.
    fn leave_sent_before(&self) -> Result<bool, Error> {
        Ok(reserved_leave(self)?.is_some())
    }
}
