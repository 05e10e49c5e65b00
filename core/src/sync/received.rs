//! Where a therapist keeps what a client sent: the table and the row id each
//! sealed check-in is bound to. Apart from `apply.rs` so reading (the
//! dashboard, replies) does not depend on the code that writes.

use crate::crypto::RowAddress;
use crate::identity::DeviceId;

/// The table received check-ins live in.
pub(crate) const RECEIVED: &str = "received";

/// Where a received check-in's content is sealed: bound to sender, record and version.
pub(crate) fn received_row_id(sender: &DeviceId, record_id: &uuid::Uuid) -> Vec<u8> {
    let mut id = sender.0.to_vec();
    id.extend_from_slice(record_id.as_bytes());
    id
}

/// Where the content of version `version` of a received check-in is sealed
/// (`row_id` from [`received_row_id`]).
pub(crate) fn received_address(row_id: &[u8], version: u32) -> RowAddress<'_> {
    RowAddress {
        table: RECEIVED,
        row_id,
        version,
        bound: &[],
    }
}
