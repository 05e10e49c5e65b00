//! The `goals` table: a client's own goals, and on a therapist's device the
//! goals each client shared.
//!
//! A client's goal row has `sender` '' and holds everything of the goal
//! inside `sealed` (words, sharing, dates, earlier wordings); its id and
//! version are the only cleartext. Every change writes the row and, when
//! the therapist should hear of it, an outbox entry in one transaction.
//!
//! A therapist's rows are keyed by the client's device and hold what sync
//! received, sealed by sync (`sync/goals.rs`); a withdrawn goal keeps its row
//! with `sealed` NULL, so an older copy a relay delivers late is refused.
//! Which goals a check-in may rate is decided here, where they are known.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Store;
use super::outbox::{OutboxKind, queue};
use super::pairing::open_bound;
use crate::crypto::{RowAddress, RowCipher};
use crate::error::{Error, GoalError, StoreError, ValidationError};
use crate::identity::DeviceId;
use crate::model::{Goal, GoalDraft, GoalRatings, GoalWording};
use crate::role::Role;

/// The table goals live in.
pub(crate) const GOALS: &str = "goals";

/// The `sender` of this client's own goals.
pub(crate) const OWN: &str = "";

/// Where a goal row is sealed: the owner (`''` for this device's own) and
/// the goal's id. The id is 16 bytes at the end, so no two owners' rows
/// share an address.
pub(crate) fn goal_row_id(sender: &str, id: &Uuid) -> Vec<u8> {
    let mut row = Vec::with_capacity(sender.len() + 17);
    row.extend_from_slice(sender.as_bytes());
    row.push(0);
    row.extend_from_slice(id.as_bytes());
    row
}

/// The address of version `version` of the goal row `row_id`.
pub(crate) fn goal_address(row_id: &[u8], version: u32) -> RowAddress<'_> {
    RowAddress {
        table: GOALS,
        row_id,
        version,
        bound: &[],
    }
}

/// What a client's own goal row seals. An enum, so postcard writes the
/// layout's number first and a later layout is a new variant.
#[derive(Serialize, Deserialize)]
enum StoredGoal {
    V1 {
        text: String,
        text_set_at: i64,
        shared: bool,
        set_in_session: bool,
        created_at: i64,
        updated_at: i64,
        archived_at: Option<i64>,
        /// (text, set at, replaced at), oldest first.
        earlier: Vec<(String, i64, i64)>,
    },
}

fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn time(ms: i64, id: &Uuid) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| StoreError::UnreadableRecord {
        table: GOALS,
        row: id.to_string(),
        detail: format!("timestamp {ms} out of range"),
    })
}

/// What a client's goal row seals for `goal` (postcard of [`StoredGoal`]).
pub(crate) fn goal_plaintext(goal: &Goal) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
    let stored = StoredGoal::V1 {
        text: goal.text.clone(),
        text_set_at: millis(goal.text_set_at),
        shared: goal.shared,
        set_in_session: goal.set_in_session,
        created_at: millis(goal.created_at),
        updated_at: millis(goal.updated_at),
        archived_at: goal.archived_at.map(millis),
        earlier: goal
            .earlier_texts
            .iter()
            .map(|w| (w.text.clone(), millis(w.set_at), millis(w.replaced_at)))
            .collect(),
    };
    Ok(zeroize::Zeroizing::new(
        postcard::to_allocvec(&stored).map_err(|e| StoreError::UnreadableRecord {
            table: GOALS,
            row: goal.id.to_string(),
            detail: e.to_string(),
        })?,
    ))
}

fn seal_goal(cipher: &RowCipher, goal: &Goal) -> Result<Vec<u8>, Error> {
    let row = goal_row_id(OWN, &goal.id);
    Ok(cipher.seal(&goal_address(&row, goal.version), &goal_plaintext(goal)?)?)
}

/// Opens version `version` of this client's goal `id`.
pub(crate) fn open_goal(
    cipher: &RowCipher,
    id: Uuid,
    version: u32,
    sealed: &[u8],
) -> Result<Goal, Error> {
    let row = goal_row_id(OWN, &id);
    let StoredGoal::V1 {
        text,
        text_set_at,
        shared,
        set_in_session,
        created_at,
        updated_at,
        archived_at,
        earlier,
    } = open_bound(cipher, GOALS, &row, version, &[], sealed)?;
    Ok(Goal {
        id,
        text,
        text_set_at: time(text_set_at, &id)?,
        shared,
        set_in_session,
        created_at: time(created_at, &id)?,
        updated_at: time(updated_at, &id)?,
        archived_at: archived_at.map(|ms| time(ms, &id)).transpose()?,
        version,
        earlier_texts: earlier
            .into_iter()
            .map(|(text, set_at, replaced_at)| {
                Ok(GoalWording {
                    text,
                    set_at: time(set_at, &id)?,
                    replaced_at: time(replaced_at, &id)?,
                })
            })
            .collect::<Result<_, StoreError>>()?,
    })
}

/// This client's own goals, as stored, in the order they were set.
fn own_goals(conn: &rusqlite::Connection, cipher: &RowCipher) -> Result<Vec<Goal>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, version, sealed FROM goals WHERE sender = ''
           AND sealed IS NOT NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, u32>(1)?,
            r.get::<_, Vec<u8>>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, version, sealed) = row?;
        let id = Uuid::from_slice(&id).map_err(|e| StoreError::UnreadableRecord {
            table: GOALS,
            row: format!("{id:02x?}"),
            detail: e.to_string(),
        })?;
        out.push(open_goal(cipher, id, version, &sealed)?);
    }
    // Ids are UUID v7: in the order the goals were set.
    Ok(out)
}

/// Writes a client's goal (a new one, or a new version) inside `tx`.
fn save_goal(tx: &Transaction<'_>, cipher: &RowCipher, goal: &Goal) -> Result<(), Error> {
    let sealed = seal_goal(cipher, goal)?;
    tx.prepare_cached(
        "INSERT INTO goals (sender, id, version, updated_at, sealed) VALUES ('', ?1, ?2, ?3, ?4)
         ON CONFLICT (sender, id) DO UPDATE SET version = ?2, updated_at = ?3, sealed = ?4",
    )?
    .execute(params![
        goal.id.as_bytes(),
        goal.version,
        millis(goal.updated_at),
        sealed
    ])?;
    Ok(())
}

impl Store {
    /// This client's goals: the active ones in the order they were set,
    /// then the archived ones, most recently archived first.
    pub fn goals(&self) -> Result<Vec<Goal>, Error> {
        let mut goals = own_goals(&self.conn, &self.cipher)?;
        goals.sort_by_key(|g| g.archived_at.map(std::cmp::Reverse));
        Ok(goals)
    }

    /// The goals the client works on now, in the order they were set: what a
    /// check-in may rate.
    pub fn active_goals(&self) -> Result<Vec<Goal>, Error> {
        let mut goals = own_goals(&self.conn, &self.cipher)?;
        goals.retain(Goal::is_active);
        Ok(goals)
    }

    /// The goal with this id.
    pub fn goal(&self, id: Uuid) -> Result<Goal, Error> {
        own_goals(&self.conn, &self.cipher)?
            .into_iter()
            .find(|g| g.id == id)
            .ok_or_else(|| GoalError::UnknownGoal { id }.into())
    }

    /// Sets a new goal, refused when the client has
    /// [`crate::model::MAX_ACTIVE_GOALS`] active ones already. A shared goal
    /// goes to the therapist on the next sync.
    pub fn add_goal(&mut self, draft: GoalDraft) -> Result<Goal, Error> {
        self.refuse_therapist()?;
        let now = self.options.clock.now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let active = own_goals(&tx, &self.cipher)?
            .iter()
            .filter(|g| g.is_active())
            .count();
        let goal = Goal::new(draft, active, now)?;
        save_goal(&tx, &self.cipher, &goal)?;
        if goal.shared {
            queue(&tx, goal.id, goal.version, OutboxKind::Goal, now)?;
        }
        tx.commit()?;
        Ok(goal)
    }

    /// Rewords an active goal; the earlier wording is kept with its dates.
    pub fn edit_goal(&mut self, id: Uuid, text: &str) -> Result<Goal, Error> {
        self.change_goal(id, |goal, now| goal.reword(text, now))
    }

    /// Shares a goal with the therapist (`true`) or keeps it on this device
    /// from now on (`false`), archived or not. A goal made private after it
    /// was shared is withdrawn: the therapist's device deletes it, and its
    /// ratings with it, on its next sync.
    pub fn set_goal_shared(&mut self, id: Uuid, shared: bool) -> Result<Goal, Error> {
        self.change_goal_sharing(id, shared)
    }

    /// Archives a goal: it stays, read-only, with its ratings, and its place
    /// is free for a new one.
    pub fn archive_goal(&mut self, id: Uuid) -> Result<Goal, Error> {
        self.change_goal(id, |goal, now| Ok(goal.archive(now)))
    }

    fn change_goal_sharing(&mut self, id: Uuid, shared: bool) -> Result<Goal, Error> {
        self.refuse_therapist()?;
        let now = self.options.clock.now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut goal = find(&tx, &self.cipher, id)?;
        if goal.set_shared(shared, now) {
            save_goal(&tx, &self.cipher, &goal)?;
            // Shared: the goal goes; made private: its withdrawal goes.
            queue(&tx, goal.id, goal.version, OutboxKind::Goal, now)?;
        }
        tx.commit()?;
        Ok(goal)
    }

    fn change_goal(
        &mut self,
        id: Uuid,
        change: impl FnOnce(&mut Goal, DateTime<Utc>) -> Result<bool, GoalError>,
    ) -> Result<Goal, Error> {
        self.refuse_therapist()?;
        let now = self.options.clock.now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut goal = find(&tx, &self.cipher, id)?;
        if change(&mut goal, now)? {
            save_goal(&tx, &self.cipher, &goal)?;
            if goal.shared {
                queue(&tx, goal.id, goal.version, OutboxKind::Goal, now)?;
            }
        }
        tx.commit()?;
        Ok(goal)
    }

    fn refuse_therapist(&self) -> Result<(), Error> {
        if self.is_therapist()? {
            return Err(Error::WrongRole {
                expected: Role::Client,
                actual: Role::Therapist,
            });
        }
        Ok(())
    }

    /// The ids of the goals shared with the therapist now (archived ones
    /// included): the only goals whose ratings leave this device.
    pub(crate) fn shared_goal_ids(&self) -> Result<BTreeSet<Uuid>, Error> {
        Ok(own_goals(&self.conn, &self.cipher)?
            .into_iter()
            .filter(|g| g.shared)
            .map(|g| g.id)
            .collect())
    }

    /// Checks that `ratings` rate only goals a check-in may rate: the
    /// active ones, and (when a check-in is edited) those its earlier
    /// version rated already, which may have been archived since.
    pub(crate) fn check_rated_goals(
        &self,
        ratings: &GoalRatings,
        rated_before: &GoalRatings,
    ) -> Result<(), Error> {
        if ratings.keys().all(|id| rated_before.contains_key(id)) {
            return Ok(());
        }
        let active: BTreeSet<Uuid> = self.active_goals()?.into_iter().map(|g| g.id).collect();
        match ratings
            .keys()
            .find(|id| !active.contains(id) && !rated_before.contains_key(id))
        {
            Some(goal) => Err(ValidationError::GoalNotActive { goal: *goal }.into()),
            None => Ok(()),
        }
    }

    /// Deletes every goal of this client (an erase): nothing of them stays.
    /// Entries waiting in the outbox for them are dropped when sync finds
    /// their goal gone; one sealed already goes as it is, before the erase.
    pub(crate) fn delete_every_goal(&mut self) -> Result<(), Error> {
        self.conn
            .execute("DELETE FROM goals WHERE sender = ''", [])?;
        Ok(())
    }

    /// Therapist: what it holds of one client's goals, still sealed.
    pub(crate) fn held_goals(&self, sender: &DeviceId) -> Result<Vec<HeldGoal>, Error> {
        held_goals(&self.conn, &sender.to_string())
    }
}

/// The goal `id` of this client, inside `tx`.
fn find(tx: &Transaction<'_>, cipher: &RowCipher, id: Uuid) -> Result<Goal, Error> {
    let row: Option<(u32, Option<Vec<u8>>)> = tx
        .prepare_cached("SELECT version, sealed FROM goals WHERE sender = '' AND id = ?1")?
        .query_row(params![id.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match row {
        Some((version, Some(sealed))) => open_goal(cipher, id, version, &sealed),
        _ => Err(GoalError::UnknownGoal { id }.into()),
    }
}

/// Client, inside the transaction that joins a therapist: every shared goal
/// goes to them on the next sync, unless one of its versions waits in the
/// outbox already. A therapist joined again (or a new one) learns the goals
/// the client works on, not only those changed from now on.
pub(crate) fn queue_shared_goals(
    tx: &Transaction<'_>,
    cipher: &RowCipher,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    for goal in own_goals(tx, cipher)?.into_iter().filter(|g| g.shared) {
        let waiting: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE record_id = ?1)",
            params![goal.id.as_bytes()],
            |r| r.get(0),
        )?;
        if !waiting {
            queue(tx, goal.id, goal.version, OutboxKind::Goal, now)?;
        }
    }
    Ok(())
}

/// Client: this goal as stored now (the current version), for sync to send;
/// `None` when it is gone (erased).
pub(crate) fn current_goal(store: &Store, id: Uuid) -> Result<Option<Goal>, Error> {
    match store.goal(id) {
        Ok(goal) => Ok(Some(goal)),
        Err(Error::Goal(GoalError::UnknownGoal { .. })) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A goal a therapist holds, as stored.
#[derive(Debug, Clone)]
pub(crate) struct HeldGoal {
    /// The client's id for it.
    pub id: Uuid,
    /// The version held.
    pub version: u32,
    /// The sealed goal; `None` once the client withdrew it.
    pub sealed: Option<Vec<u8>>,
}

fn held_goals(conn: &rusqlite::Connection, sender: &str) -> Result<Vec<HeldGoal>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, version, sealed FROM goals WHERE sender = ?1 AND sender <> '' ORDER BY id",
    )?;
    let rows = stmt.query_map(params![sender], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, u32>(1)?,
            r.get::<_, Option<Vec<u8>>>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, version, sealed) = row?;
        let id = Uuid::from_slice(&id).map_err(|_| StoreError::Tampered {
            table: GOALS,
            row: sender.to_owned(),
        })?;
        out.push(HeldGoal {
            id,
            version,
            sealed,
        });
    }
    Ok(out)
}

/// Therapist, inside the apply transaction: what it holds of one client's
/// goals.
pub(crate) fn held_goals_in(tx: &Transaction<'_>, sender: &str) -> Result<Vec<HeldGoal>, Error> {
    held_goals(tx, sender)
}

/// Therapist, inside the apply transaction: the version held of a client's
/// goal, shared or withdrawn.
pub(crate) fn held_goal_version(
    tx: &Transaction<'_>,
    sender: &str,
    id: &Uuid,
) -> Result<Option<u32>, Error> {
    Ok(tx
        .query_row(
            "SELECT version FROM goals WHERE sender = ?1 AND id = ?2",
            params![sender, id.as_bytes()],
            |r| r.get(0),
        )
        .optional()?)
}

/// Therapist, inside the apply transaction: keeps version `version` of a
/// client's goal (`sealed` by the caller), or its withdrawal (`None`).
pub(crate) fn upsert_held_goal(
    tx: &Transaction<'_>,
    sender: &str,
    id: &Uuid,
    version: u32,
    sealed: Option<&[u8]>,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO goals (sender, id, version, updated_at, sealed) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (sender, id) DO UPDATE SET version = ?3, updated_at = ?4, sealed = ?5",
        params![sender, id.as_bytes(), version, millis(now), sealed],
    )?;
    Ok(())
}
