//! A therapist's side of the client's goals: applying what a client shares
//! or withdraws, and opening what is held.
//!
//! The newest version wins, as for check-ins: a goal older than what is held
//! (shared or withdrawn) changes nothing, so a copy a relay delivers late
//! cannot bring a withdrawn goal back. A withdrawal deletes the goal's
//! words and every rating of it held in the client's check-ins; a rating
//! that arrives later for a withdrawn goal is dropped on arrival. A rating
//! of a goal not held yet is kept: the goal may still be on its way.

use std::borrow::Cow;
use std::collections::HashSet;

use uuid::Uuid;

use super::messages::{CheckInBody, GoalBody, GoalUpdate};
use super::received::{received_address, received_row_id};
use crate::crypto::{RowCipher, RowOpenError};
use crate::envelope::Message;
use crate::error::{Error, StoreError};
use crate::identity::DeviceId;
use crate::store::goals::{
    GOALS, HeldGoal, goal_address, goal_row_id, held_goal_version, held_goals_in, upsert_held_goal,
};
use crate::store::inbox::{received_in, reseal_received};

/// The layout of a held goal's plaintext: this byte, then the [`GoalBody`]
/// (postcard).
const HELD_FORMAT: u8 = 1;

/// What a therapist seals for a goal it holds: the layout byte, then the
/// goal.
pub(crate) fn held_goal_plaintext(body: &GoalBody) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
    let mut plaintext = zeroize::Zeroizing::new(vec![HELD_FORMAT]);
    plaintext.extend(
        postcard::to_allocvec(body).map_err(|e| StoreError::UnreadableRecord {
            table: GOALS,
            row: String::new(),
            detail: e.to_string(),
        })?,
    );
    Ok(plaintext)
}

/// Seals a received goal where the therapist keeps it.
fn seal_goal(
    cipher: &RowCipher,
    sender: &str,
    id: &Uuid,
    version: u32,
    body: &GoalBody,
) -> Result<Vec<u8>, Error> {
    let row = goal_row_id(sender, id);
    Ok(cipher.seal(&goal_address(&row, version), &held_goal_plaintext(body)?)?)
}

/// Opens a goal a therapist holds of `sender`.
pub(crate) fn open_held_goal(
    cipher: &RowCipher,
    sender: &DeviceId,
    id: &Uuid,
    version: u32,
    sealed: &[u8],
) -> Result<GoalBody, Error> {
    let row = goal_row_id(&sender.to_string(), id);
    let unreadable = |detail: String| StoreError::UnreadableRecord {
        table: GOALS,
        row: id.to_string(),
        detail,
    };
    let plaintext =
        zeroize::Zeroizing::new(cipher.open(&goal_address(&row, version), sealed).map_err(
            |e| match e {
                RowOpenError::Tampered => StoreError::Tampered {
                    table: GOALS,
                    row: id.to_string(),
                },
                RowOpenError::Malformed => unreadable("sealed value is malformed".into()),
            },
        )?);
    match plaintext.split_first() {
        Some((&HELD_FORMAT, body)) => {
            Ok(postcard::from_bytes(body).map_err(|e| unreadable(e.to_string()))?)
        }
        _ => Err(unreadable("unknown layout".into()).into()),
    }
}

/// The goals a therapist holds of a client, opened: (id, version, goal).
/// Withdrawn ones are left out.
pub(crate) fn open_held_goals(
    cipher: &RowCipher,
    sender: &DeviceId,
    held: Vec<HeldGoal>,
) -> Result<Vec<(Uuid, u32, GoalBody)>, Error> {
    let mut out = Vec::with_capacity(held.len());
    for goal in held {
        if let Some(sealed) = &goal.sealed {
            let body = open_held_goal(cipher, sender, &goal.id, goal.version, sealed)?;
            out.push((goal.id, goal.version, body));
        }
    }
    Ok(out)
}

/// Therapist, inside the apply transaction: a client's goal, or its
/// withdrawal. `Ok(Err(detail))` refuses the message (it is quarantined):
/// a body that does not hold. `Ok(Ok(changed))` otherwise.
pub(super) fn apply_goal(
    tx: &rusqlite::Transaction<'_>,
    cipher: &RowCipher,
    sender: &DeviceId,
    message: &Message,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Result<bool, String>, Error> {
    let update = match GoalUpdate::from_bytes(&message.body) {
        Ok(update) => update,
        Err(detail) => return Ok(Err(detail)),
    };
    let sender_text = sender.to_string();
    let id = message.record_id;
    let version = message.record_version;
    if held_goal_version(tx, &sender_text, &id)?.is_some_and(|held| held >= version) {
        return Ok(Ok(false));
    }
    match update {
        GoalUpdate::Shared(body) => {
            // No limit on active goals here: the client's app keeps three,
            // and a relay that reorders can deliver a new goal before the
            // archive of the one it replaced. Refusing it would lose it for
            // good; held, it is right again when the archive arrives.
            let sealed = seal_goal(cipher, &sender_text, &id, version, &body)?;
            upsert_held_goal(tx, &sender_text, &id, version, Some(&sealed), now)?;
        }
        GoalUpdate::Withdrawn => {
            upsert_held_goal(tx, &sender_text, &id, version, None, now)?;
            forget_ratings(tx, cipher, sender, &id)?;
        }
    }
    Ok(Ok(true))
}

/// Deletes every rating of the goal `goal` from what the therapist holds of
/// `sender`'s check-ins. The check-ins keep their versions: nothing else of
/// them changed.
fn forget_ratings(
    tx: &rusqlite::Transaction<'_>,
    cipher: &RowCipher,
    sender: &DeviceId,
    goal: &Uuid,
) -> Result<(), Error> {
    let sender_text = sender.to_string();
    for row in received_in(tx, &sender_text)? {
        let record_id = Uuid::from_slice(&row.record_id).map_err(|_| StoreError::Tampered {
            table: "received",
            row: sender_text.clone(),
        })?;
        let mut body = super::open_received(cipher, sender, &record_id, row.version, &row.sealed)?;
        if body.goal_ratings.remove(goal).is_none() {
            continue;
        }
        let sealed = seal_received(cipher, sender, &record_id, row.version, &body)?;
        reseal_received(tx, &sender_text, &record_id, row.version, &sealed)?;
    }
    Ok(())
}

/// Seals what a therapist keeps of one check-in.
pub(super) fn seal_received(
    cipher: &RowCipher,
    sender: &DeviceId,
    record_id: &Uuid,
    version: u32,
    body: &CheckInBody,
) -> Result<Vec<u8>, Error> {
    let plaintext = zeroize::Zeroizing::new(body.to_bytes().map_err(|detail| {
        StoreError::UnreadableRecord {
            table: "received",
            row: record_id.to_string(),
            detail,
        }
    })?);
    let row_id = received_row_id(sender, record_id);
    Ok(cipher.seal(&received_address(&row_id, version), &plaintext)?)
}

/// Therapist, inside the apply transaction: `body`, a check-in arriving from
/// `sender`, less its ratings of goals the client withdrew (those are not
/// kept). Unchanged, and not copied, when it rates none of them.
pub(super) fn without_withdrawn_ratings<'a>(
    tx: &rusqlite::Transaction<'_>,
    sender: &DeviceId,
    body: &'a CheckInBody,
) -> Result<Cow<'a, CheckInBody>, Error> {
    if body.goal_ratings.is_empty() {
        return Ok(Cow::Borrowed(body));
    }
    let withdrawn: HashSet<Uuid> = held_goals_in(tx, &sender.to_string())?
        .into_iter()
        .filter(|g| g.sealed.is_none())
        .map(|g| g.id)
        .collect();
    if !body.goal_ratings.keys().any(|g| withdrawn.contains(g)) {
        return Ok(Cow::Borrowed(body));
    }
    let mut kept = body.clone();
    kept.goal_ratings.retain(|g, _| !withdrawn.contains(g));
    Ok(Cow::Owned(kept))
}
