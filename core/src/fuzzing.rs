//! Entry points for the fuzz targets in `fuzz/`, compiled only with the
//! `fuzzing` cargo feature (which no app, binding or tool enables).
//!
//! They reach decoders the way the core reaches them: what age decrypts
//! from an envelope (anyone holding a device's public key can make it
//! decrypt anything), and what the store unseals from each sealed column.
//! Thin wrappers only; every rule stays where it lives.

use uuid::Uuid;

use crate::crypto::{RowAddress, RowCipher};
use crate::envelope::{KnownSender, Opened};
use crate::error::{Error, QuarantineReason, StoreError};
use crate::identity::{DeviceId, DeviceIdentity};
use crate::insights::{
    Flag, PackedSummary, Summary, history_address, open_progress, progress_address,
    progress_plaintext, summary_address,
};
use crate::store::checkins::content_address;
use crate::store::goals::{OWN, goal_address, goal_plaintext, goal_row_id, open_goal};
use crate::store::{Account, InviteSecret, Peer, checkin_bound, codec, open_value};
use crate::sync::{
    held_goal_plaintext, open_held_goal, open_received, open_reply, received_address,
    received_row_id, reply_address,
};

/// Every check [`crate::envelope::open_authenticated`] makes once age has
/// decrypted an envelope to `plaintext`: decoding, the sender's signature,
/// the binding to `mailbox` and to `me`.
pub fn open_plaintext(
    plaintext: &[u8],
    me: &DeviceIdentity,
    mailbox: &str,
    senders: &dyn Fn(&DeviceId) -> Option<KnownSender>,
) -> Result<(Opened, Option<KnownSender>), QuarantineReason> {
    crate::envelope::verify_plaintext(plaintext, me.age_recipient(), mailbox, senders)
}

/// A sealed column the store reads back. Each is used at one fixed row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedRow {
    /// `device_identity`: this device's secret keys.
    DeviceIdentity,
    /// `peers`: a paired device.
    Peer,
    /// `invites`: an invite's pairing secret and the client's label.
    InviteSecret,
    /// `account`: this device's place on the relay.
    Account,
    /// `checkins`: a client's answers, note and support request.
    CheckIn,
    /// `received`: a check-in as the therapist holds it.
    Received,
    /// `replies`: a therapist's reply to a check-in.
    Reply,
    /// `client_insights`: a client's packed summary.
    Summary,
    /// `client_insights.history`: a client's resolved flags.
    FlagHistory,
    /// `goals`: one of a client's own goals.
    Goal,
    /// `goals`: a goal a therapist holds of a client.
    HeldGoal,
    /// `client_insights.goals`: a client's goals with their ratings.
    GoalProgress,
}

impl SealedRow {
    /// Every kind, for a fuzz target to pick from.
    pub const ALL: [SealedRow; 12] = [
        SealedRow::DeviceIdentity,
        SealedRow::Peer,
        SealedRow::InviteSecret,
        SealedRow::Account,
        SealedRow::CheckIn,
        SealedRow::Received,
        SealedRow::Reply,
        SealedRow::Summary,
        SealedRow::FlagHistory,
        SealedRow::Goal,
        SealedRow::HeldGoal,
        SealedRow::GoalProgress,
    ];
}

/// The device the fixed rows belong to or came from.
const DEVICE: DeviceId = DeviceId([0x5a; 16]);
/// The record the fixed check-in, received, reply and goal rows are about.
const RECORD: Uuid = Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0001);
/// Their version.
const VERSION: u32 = 3;
/// The invite the fixed invite row is for.
const INVITE_ID: [u8; 16] = [0x17; 16];

/// The cleartext columns of the fixed check-in row.
fn checkin_row_bound() -> Vec<u8> {
    checkin_bound("session-checkin", 1, "2026-11-23")
}

/// Calls `f` with the address the store seals a row of kind `row` at.
fn with_address<T>(row: SealedRow, f: impl FnOnce(&RowAddress<'_>) -> T) -> T {
    let device = DEVICE.to_string();
    let received = received_row_id(&DEVICE, &RECORD);
    let own_goal = goal_row_id(OWN, &RECORD);
    let held_goal = goal_row_id(&device, &RECORD);
    let bound = checkin_row_bound();
    let address = match row {
        SealedRow::DeviceIdentity => {
            crate::store::value_address("device_identity", device.as_bytes())
        }
        SealedRow::Peer => crate::store::value_address("peers", device.as_bytes()),
        SealedRow::InviteSecret => crate::store::value_address("invites", &INVITE_ID),
        SealedRow::Account => {
            crate::store::value_address("account", crate::store::account::ACCOUNT_ROW)
        }
        SealedRow::CheckIn => content_address(RECORD.as_bytes(), VERSION, &bound),
        SealedRow::Received => received_address(&received, VERSION),
        SealedRow::Reply => reply_address(&received, VERSION),
        SealedRow::Summary => summary_address(&device),
        SealedRow::FlagHistory => history_address(&device),
        SealedRow::Goal => goal_address(&own_goal, VERSION),
        SealedRow::HeldGoal => goal_address(&held_goal, VERSION),
        SealedRow::GoalProgress => progress_address(&device),
    };
    f(&address)
}

/// Seals `plaintext` where the store keeps a row of kind `row`.
pub fn seal_row(row: SealedRow, cipher: &RowCipher, plaintext: &[u8]) -> Result<Vec<u8>, Error> {
    with_address(row, |address| Ok(cipher.seal(address, plaintext)?))
}

/// Opens and decodes `sealed` as the store reads a row of kind `row`, then
/// encodes what it read as the store writes it: the plaintext the store
/// would seal for that value. `None` when the store passes over the row (a
/// summary or goal progress of another format, which it recomputes
/// instead).
pub fn open_row(
    row: SealedRow,
    cipher: &RowCipher,
    sealed: &[u8],
) -> Result<Option<Vec<u8>>, Error> {
    let device = DEVICE.to_string();
    let plaintext = match row {
        SealedRow::DeviceIdentity => {
            let secret: Vec<u8> = open_value(cipher, "device_identity", device.as_bytes(), sealed)?;
            let identity = DeviceIdentity::from_secret_bytes(&secret)?;
            encode(&*identity.to_secret_bytes()?)?
        }
        SealedRow::Peer => encode(&open_value::<Peer>(
            cipher,
            "peers",
            device.as_bytes(),
            sealed,
        )?)?,
        SealedRow::InviteSecret => encode(&open_value::<InviteSecret>(
            cipher, "invites", &INVITE_ID, sealed,
        )?)?,
        SealedRow::Account => encode(&open_value::<Account>(
            cipher,
            "account",
            crate::store::account::ACCOUNT_ROW,
            sealed,
        )?)?,
        SealedRow::CheckIn => {
            let bound = checkin_row_bound();
            let plaintext = cipher
                .open(&content_address(RECORD.as_bytes(), VERSION, &bound), sealed)
                .map_err(|e| unreadable(format!("{e:?}")))?;
            let content = codec::decode(&plaintext).map_err(unreadable)?;
            codec::encode(
                &content.answers,
                content.note.as_ref(),
                content.support_requested,
                &content.goal_ratings,
            )
            .map_err(unreadable)?
        }
        SealedRow::Received => encode(&open_received(cipher, &DEVICE, &RECORD, VERSION, sealed)?)?,
        SealedRow::Reply => encode(&open_reply(cipher, &DEVICE, &RECORD, VERSION, sealed)?)?,
        SealedRow::Summary => {
            let address = summary_address(&device);
            let Some(packed) =
                crate::insights::open_packed::<PackedSummary>(cipher, &address, sealed)?
            else {
                return Ok(None);
            };
            crate::insights::packed_plaintext(&address, &Summary::unpack(packed).pack())?.to_vec()
        }
        SealedRow::FlagHistory => {
            let address = history_address(&device);
            let Some(flags) = crate::insights::open_packed::<Vec<Flag>>(cipher, &address, sealed)?
            else {
                return Ok(None);
            };
            crate::insights::packed_plaintext(&address, &flags)?.to_vec()
        }
        SealedRow::Goal => goal_plaintext(&open_goal(cipher, RECORD, VERSION, sealed)?)?.to_vec(),
        SealedRow::HeldGoal => {
            held_goal_plaintext(&open_held_goal(cipher, &DEVICE, &RECORD, VERSION, sealed)?)?
                .to_vec()
        }
        SealedRow::GoalProgress => {
            let mut opened = open_progress(cipher, vec![(device.clone(), sealed.to_vec())])?;
            let Some(goals) = opened.remove(&device) else {
                return Ok(None);
            };
            progress_plaintext(&goals)?.to_vec()
        }
    };
    Ok(Some(plaintext))
}

fn unreadable(detail: String) -> Error {
    StoreError::UnreadableRecord {
        table: "fuzzing",
        row: String::new(),
        detail,
    }
    .into()
}

/// What the store writes for `value` (postcard).
fn encode<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    postcard::to_allocvec(value).map_err(|e| unreadable(e.to_string()))
}
