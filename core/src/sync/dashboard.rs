//! The therapist's view: every client by label with their check-ins.
//! Acknowledging them is `Store::acknowledge_all` (`store/inbox.rs`);
//! receipts go back on the next sync.

use uuid::Uuid;

use super::messages::CheckInBody;
use super::received::{RECEIVED, received_address, received_row_id};
use super::replies::Reply;
use crate::crypto::RowOpenError;
use crate::error::{Error, StoreError};
use crate::identity::DeviceId;
use crate::store::Store;

/// A check-in as the therapist holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedCheckIn {
    /// The client's id for it.
    pub record_id: Uuid,
    /// Its version.
    pub version: u32,
    /// What the client shared.
    pub body: CheckInBody,
    /// Whether the therapist acknowledged this version.
    pub seen: bool,
    /// The therapist's reply to it, if one was written.
    pub reply: Option<Reply>,
}

impl crate::model::Answered for ReceivedCheckIn {
    fn edition(&self) -> &crate::model::InstrumentRef {
        &self.body.instrument
    }

    fn answers(&self) -> &crate::model::Answers {
        &self.body.answers
    }
}

/// One client, as the therapist sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCheckIns {
    /// The therapist's label for the client (never left this device).
    pub label: String,
    /// The client's device.
    pub device_id: DeviceId,
    /// Their check-ins, oldest session first.
    pub checkins: Vec<ReceivedCheckIn>,
}

impl Store {
    /// Every paired client with their live check-ins, in pairing order. A
    /// check-in's goal ratings are those of goals the client shares (a
    /// rating that came before its goal shows once the goal is here).
    pub fn dashboard(&self) -> Result<Vec<ClientCheckIns>, Error> {
        let mut clients = Vec::new();
        for (peer, _) in self.peers()? {
            let device_id = peer.card.device_id;
            let shared: std::collections::HashSet<Uuid> = self
                .held_goals(&device_id)?
                .into_iter()
                .filter(|g| g.sealed.is_some())
                .map(|g| g.id)
                .collect();
            let rows = self.received_checkins(&device_id)?;
            let mut replies = self.replies_from(&device_id)?;
            let mut checkins = Vec::new();
            for row in rows {
                let record_id =
                    Uuid::from_slice(&row.record_id).map_err(|e| unreadable(e.to_string()))?;
                let mut body = open_received(
                    &self.cipher,
                    &device_id,
                    &record_id,
                    row.version,
                    &row.sealed,
                )?;
                body.goal_ratings.retain(|goal, _| shared.contains(goal));
                checkins.push(ReceivedCheckIn {
                    record_id,
                    version: row.version,
                    body,
                    seen: row.acked,
                    reply: replies.remove(&record_id),
                });
            }
            // A reply stays open until the client checks in for a later
            // session: the check-ins are in session order, so only those on
            // the latest session date qualify.
            if let Some(latest) = checkins.last().map(|c| c.body.session_date) {
                for checkin in &mut checkins {
                    if let Some(reply) = &mut checkin.reply {
                        reply.editable = checkin.body.session_date == latest;
                    }
                }
            }
            clients.push(ClientCheckIns {
                label: peer.label,
                device_id,
                checkins,
            });
        }
        Ok(clients)
    }
}

/// Opens what a therapist holds of one check-in.
pub(crate) fn open_received(
    cipher: &crate::crypto::RowCipher,
    sender: &DeviceId,
    record_id: &Uuid,
    version: u32,
    sealed: &[u8],
) -> Result<CheckInBody, Error> {
    let row_id = received_row_id(sender, record_id);
    let plaintext = cipher
        .open(&received_address(&row_id, version), sealed)
        .map_err(|e| match e {
            RowOpenError::Tampered => StoreError::Tampered {
                table: RECEIVED,
                row: record_id.to_string(),
            },
            RowOpenError::Malformed => unreadable("sealed value is malformed".into()),
        })?;
    Ok(CheckInBody::from_bytes(&plaintext).map_err(unreadable)?)
}

fn unreadable(detail: String) -> StoreError {
    StoreError::UnreadableRecord {
        table: RECEIVED,
        row: String::new(),
        detail,
    }
}
