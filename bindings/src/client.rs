//! The client's app object: join a therapist, check in after each session,
//! see and change the history, sync.

use std::sync::Arc;

use rapport_core::sync::Role as CoreRole;

use crate::app::{SharedStore, keystore_key, passphrase_key};
use crate::checkin::{
    CheckIn, CheckInDraft, CheckInRecord, HistoryCursor, HistoryPage, InstrumentRef, OutboxEntry,
    Tombstone, parse_checkin_id,
};
use crate::error::RapportError;
use crate::foreign::{HttpClient, SecretStore};
use crate::form::CheckInForm;
use crate::goals::{Goal, parse_goal_id};
use crate::instrument::Instrument;
use crate::safety::{Consent, ConsentStatus, CrisisResources, RecordOutcome};
use crate::sync::{Account, HeldCheckIns, Membership, PairedDevice, SyncReport};

/// A client's encrypted database on this device. Calls are safe from any
/// thread; they take turns on the database.
#[derive(uniffi::Object)]
pub struct ClientApp {
    store: SharedStore,
}

#[uniffi::export]
impl ClientApp {
    /// Opens the database at `path` (creating it and its key if missing),
    /// unlocked with a passphrase. Leave `scrypt_work_factor` unset except in
    /// tests. Fails with `WrongPassphrase`, or `WrongSetup` if the database
    /// belongs to a therapist.
    #[uniffi::constructor(default(scrypt_work_factor = None))]
    pub fn open_with_passphrase(
        path: String,
        passphrase: String,
        scrypt_work_factor: Option<u8>,
    ) -> Result<Arc<ClientApp>, RapportError> {
        let keys = passphrase_key(passphrase, scrypt_work_factor);
        Ok(Arc::new(ClientApp {
            store: SharedStore::open(&path, keys, CoreRole::Client)?,
        }))
    }

    /// Opens the database at `path` (creating it if missing), its data key
    /// kept in the platform keystore. Fails with `KeyUnavailable` when the
    /// keystore has no key for an existing database.
    #[uniffi::constructor]
    pub fn open_with_secret_store(
        path: String,
        secret_store: Arc<dyn SecretStore>,
    ) -> Result<Arc<ClientApp>, RapportError> {
        Ok(Arc::new(ClientApp {
            store: SharedStore::open(&path, keystore_key(secret_store), CoreRole::Client)?,
        }))
    }

    /// Joins a therapist with their `rapport:invite/...` link: creates this
    /// client's mailbox on the relay and sends the hello. Check-ins reach the
    /// therapist from the next sync on. Fails with `InvalidInvite` (with the
    /// damage's code) before anything is sent.
    /// `consent_version` is the version of [`ClientApp::consent`] the client
    /// accepted (`ConsentRequired` otherwise). `crisis_country` (`IE`) is
    /// the country whose crisis lines the client sees: pre-select
    /// `crisis_country_for_locale`, one tap to change; unset keeps an
    /// earlier choice (`NotFound` if it is not a country code).
    /// `share_held`: whether the check-ins held on this device
    /// (`held_checkins`: show how many and their dates first) go to this
    /// therapist; the default keeps them here, never sent to them.
    #[uniffi::method(default(crisis_country = None, share_held = false))]
    pub async fn join(
        &self,
        http: Arc<dyn HttpClient>,
        invite_uri: String,
        consent_version: u32,
        crisis_country: Option<String>,
        share_held: bool,
    ) -> Result<PairedDevice, RapportError> {
        let relay_url = rapport_core::Invite::parse_ignoring_expiry(&invite_uri)?.relay_url;
        let choices = rapport_core::sync::JoinChoices {
            consent_version,
            crisis_country,
            share_held,
        };
        let joined = self
            .store
            .with_relay("join", http, Some(relay_url), move |store, relay| {
                store.client_join_with(relay, &invite_uri, &choices)
            })
            .await?;
        Ok(joined.therapist.into())
    }

    /// The country whose crisis lines this client chose (`IE`), if any.
    pub fn crisis_country(&self) -> Result<Option<String>, RapportError> {
        Ok(self.store.lock().crisis_country()?)
    }

    /// Chooses the crisis country (`IE`), or, unset, lets the phone's
    /// region decide again. Returns the code kept (`UK` is kept as `GB`);
    /// `NotFound` when it is not a two-letter code.
    pub fn set_crisis_country(
        &self,
        country: Option<String>,
    ) -> Result<Option<String>, RapportError> {
        Ok(self.store.lock().set_crisis_country(country.as_deref())?)
    }

    /// The crisis resources to show this client now, for an "I need
    /// support now" button: for the chosen country, else `locale`'s region,
    /// in `locale`'s language. Bundled and offline.
    pub fn crisis_resources(&self, locale: String) -> Result<CrisisResources, RapportError> {
        Ok(self.store.lock().crisis_resources(&locale)?.into())
    }

    /// The consent text to show before joining (or when `consent_status`
    /// says it must be accepted again), in the language of `locale`.
    pub fn consent(&self, locale: String) -> Consent {
        rapport_core::model::Consent::current(&locale).into()
    }

    /// Whether the client must accept the current consent text before the
    /// next check-in: true after an update changed the text they accepted.
    /// Check on opening the check-in screen.
    pub fn consent_status(&self) -> Result<ConsentStatus, RapportError> {
        Ok(self.store.lock().consent_status()?.into())
    }

    /// The client accepted consent `version` (`ConsentRequired` unless it is
    /// the current one). Every check-in, waiting change and the pairing
    /// stay as they are.
    pub fn accept_consent(&self, version: u32) -> Result<ConsentStatus, RapportError> {
        Ok(self.store.lock().accept_consent(version)?.into())
    }

    /// Where the pairing stands: not joined, active (paused or not),
    /// erasing, or ended by the therapist.
    pub fn membership(&self) -> Result<Membership, RapportError> {
        Ok(self.store.lock().membership()?.into())
    }

    /// Keeps new check-ins on this device until `resume_sharing`.
    pub fn pause_sharing(&self) -> Result<(), RapportError> {
        Ok(self.store.lock().pause_sharing()?)
    }

    /// Shares new check-ins again. What was held back during the pause
    /// (`held_checkins`: ask first) is sent too when `send_held`; by
    /// default it stays on this device, never sent to this therapist.
    /// Returns what was held back.
    #[uniffi::method(default(send_held = false))]
    pub fn resume_sharing(&self, send_held: bool) -> Result<HeldCheckIns, RapportError> {
        Ok(self.store.lock().resume_sharing(send_held)?.into())
    }

    /// The check-ins on this device no therapist has received that joining
    /// (`share_held`) or resuming (`send_held`) would offer: how many, and
    /// the session dates they span. Ask before either.
    pub fn held_checkins(&self) -> Result<HeldCheckIns, RapportError> {
        Ok(self.store.lock().held_checkins()?.into())
    }

    /// Everything this device holds of the client, as JSON (private notes
    /// included). Plaintext: the app decides, with the client, where it goes.
    pub fn export_json(&self) -> Result<String, RapportError> {
        Ok(self.store.lock().export_json()?)
    }

    /// Every check-in as CSV, one row each.
    pub fn export_csv(&self) -> Result<String, RapportError> {
        Ok(self.store.lock().export_csv()?)
    }

    /// Erases every check-in now and queues the therapist's deletion; the
    /// next `sync` delivers it and wipes this database (its report says
    /// `erased`). Returns true when already wiped (never joined).
    pub fn erase_everything(&self) -> Result<bool, RapportError> {
        Ok(self.store.lock().erase_everything()?)
    }

    /// Leaves the therapist: they are told, keep what was shared, and can no
    /// longer post here. Check-ins stay on this device.
    pub async fn leave_therapist(&self, http: Arc<dyn HttpClient>) -> Result<(), RapportError> {
        self.store
            .with_relay("leave", http, None, |store, relay| {
                store.leave_therapist(relay)
            })
            .await?;
        Ok(())
    }

    /// This device's account, once joined.
    pub fn account(&self) -> Result<Option<Account>, RapportError> {
        self.store.account()
    }

    /// The session check-in questionnaire, with `locale` (such as `de-AT`)
    /// resolved to the best available one.
    pub fn instrument(&self, locale: String) -> Result<Instrument, RapportError> {
        self.store.instrument(&locale)
    }

    /// The check-in form to draw, in the best available language for
    /// `locale`: items in order with their scales, the note's prompt and
    /// limit. Ask `checkin_progress` what a partly filled one still needs.
    pub fn checkin_form(&self, locale: String) -> Result<CheckInForm, RapportError> {
        self.store.checkin_form(&locale)
    }

    /// The form of `instrument`, the edition a stored check-in answered (its
    /// `instrument` field), in the best available language for `locale`:
    /// show a check-in from the history with these words, which are the
    /// ones its client rated, not today's. Fails with `InvalidCheckIn`
    /// (field `instrument`) for an edition this app does not have.
    pub fn checkin_form_of(
        &self,
        instrument: InstrumentRef,
        locale: String,
    ) -> Result<CheckInForm, RapportError> {
        self.store.checkin_form_of(instrument, &locale)
    }

    /// Validates and stores a check-in; it is sent on the next sync. Fails
    /// with `InvalidCheckIn` naming the field at fault, storing nothing, or
    /// `ConsentRequired` while a changed consent text waits to be accepted.
    /// When the client asked for support or rated hope at or below the point
    /// the answered edition names (2, "a little", in the current one), the
    /// outcome carries crisis resources for the chosen crisis country, else
    /// `locale`'s region (such as `en-GB`): show them at once, with their
    /// "not monitored" statement.
    pub fn record_checkin(
        &self,
        draft: CheckInDraft,
        locale: String,
    ) -> Result<RecordOutcome, RapportError> {
        let draft = draft.try_into()?;
        Ok(self.store.lock().record_checkin(draft, &locale)?.into())
    }

    /// Replaces a check-in's content, as a new version.
    pub fn edit_checkin(&self, id: String, draft: CheckInDraft) -> Result<CheckIn, RapportError> {
        let id = parse_checkin_id(&id)?;
        let draft = draft.try_into()?;
        Ok(self.store.lock().edit(id, draft)?.into())
    }

    /// Deletes a check-in here and, from the next sync, on the therapist's
    /// device.
    pub fn delete_checkin(&self, id: String) -> Result<Tombstone, RapportError> {
        let id = parse_checkin_id(&id)?;
        Ok(self.store.lock().delete(id)?.into())
    }

    /// The check-in with this id, live or deleted; nothing if unknown.
    pub fn checkin(&self, id: String) -> Result<Option<CheckInRecord>, RapportError> {
        let id = parse_checkin_id(&id)?;
        Ok(self.store.lock().get(id)?.map(Into::into))
    }

    /// Check-ins, newest session first, `limit` (at most 1000) at a time,
    /// starting after `after` (the previous page's `next`), each with the
    /// therapist's reply to it when there is one.
    #[uniffi::method(default(after = None, limit = 100))]
    pub fn history(
        &self,
        after: Option<HistoryCursor>,
        limit: u32,
    ) -> Result<HistoryPage, RapportError> {
        let after = after.map(TryInto::try_into).transpose()?;
        let store = self.store.lock();
        let page = store.history(after.as_ref(), limit)?;
        let mut replies = store.replies()?;
        Ok(HistoryPage {
            checkins: page
                .checkins
                .into_iter()
                .map(|c| {
                    let reply = replies.remove(&c.id).map(Into::into);
                    CheckIn { reply, ..c.into() }
                })
                .collect(),
            next: page.next.map(Into::into),
        })
    }

    /// Changes waiting for the next sync, oldest first.
    #[uniffi::method(default(limit = 100))]
    pub fn pending_outbox(&self, limit: u32) -> Result<Vec<OutboxEntry>, RapportError> {
        Ok(self
            .store
            .lock()
            .pending_outbox(limit)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Every goal: the active ones in the order they were set, then the
    /// archived ones, most recently archived first.
    pub fn goals(&self) -> Result<Vec<Goal>, RapportError> {
        Ok(self
            .store
            .lock()
            .goals()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The goals the client works on now (at most three), in the order they
    /// were set: the ones a check-in may rate.
    pub fn active_goals(&self) -> Result<Vec<Goal>, RapportError> {
        Ok(self
            .store
            .lock()
            .active_goals()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Sets a new goal in the client's words, shared with the therapist or
    /// kept on this device. Fails with `InvalidGoal` (code `too_many_goals`
    /// when three are active already, or what is wrong with the words).
    pub fn add_goal(
        &self,
        text: String,
        shared: bool,
        set_in_session: bool,
    ) -> Result<Goal, RapportError> {
        let draft = rapport_core::GoalDraft {
            text,
            shared,
            set_in_session,
        };
        Ok(self.store.lock().add_goal(draft)?.into())
    }

    /// Rewords an active goal; the earlier wording is kept. Fails with
    /// `GoalNotFound`, or `InvalidGoal` (`goal_archived`, or the words).
    pub fn edit_goal(&self, id: String, text: String) -> Result<Goal, RapportError> {
        let id = parse_goal_id(&id)?;
        Ok(self.store.lock().edit_goal(id, &text)?.into())
    }

    /// Shares a goal with the therapist, or keeps it on this device from now
    /// on (a goal made private is withdrawn from the therapist's device).
    pub fn set_goal_shared(&self, id: String, shared: bool) -> Result<Goal, RapportError> {
        let id = parse_goal_id(&id)?;
        Ok(self.store.lock().set_goal_shared(id, shared)?.into())
    }

    /// Archives a goal: it stays, read-only, with its ratings, and frees its
    /// place for a new one.
    pub fn archive_goal(&self, id: String) -> Result<Goal, RapportError> {
        let id = parse_goal_id(&id)?;
        Ok(self.store.lock().archive_goal(id)?.into())
    }

    /// Sends waiting check-ins and applies the therapist's "seen" receipts.
    /// Runs in the background; `http` is called from there.
    pub async fn sync(&self, http: Arc<dyn HttpClient>) -> Result<SyncReport, RapportError> {
        let report = self
            .store
            .with_relay("sync", http, None, |store, relay| store.sync(relay))
            .await?;
        Ok(report.into())
    }

    /// A random id naming this database; its keystore entry is
    /// `rapport.data-key.<database id>`.
    pub fn database_id(&self) -> String {
        self.store.database_id()
    }
}
