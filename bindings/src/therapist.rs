//! The therapist's app object: set up on a relay, invite clients, sync, read
//! the dashboard, acknowledge check-ins, keep a recovery kit.

use std::sync::Arc;
use std::time::Duration;

use rapport_core::sync::Role as CoreRole;
use rapport_core::{Store, StoreOptions};

use crate::app::{SharedStore, keystore_key, passphrase, passphrase_key};
use crate::brief::Brief;
use crate::checkin::{InstrumentRef, Reply, parse_checkin_id};
use crate::error::RapportError;
use crate::flags::{Flag, Reason};
use crate::foreign::{HttpClient, SecretStore};
use crate::form::CheckInForm;
use crate::insights::ClientInsights;
use crate::instrument::Instrument;
use crate::sync::{Account, ClientCheckIns, CreatedInvite, PairedDevice, SyncReport};

/// A therapist's encrypted database on this device. Calls are safe from any
/// thread; they take turns on the database.
#[derive(uniffi::Object)]
pub struct TherapistApp {
    store: SharedStore,
}

#[uniffi::export]
impl TherapistApp {
    /// Opens the database at `path` (creating it and its key if missing),
    /// unlocked with a passphrase. Leave `scrypt_work_factor` unset except in
    /// tests. Fails with `WrongPassphrase`, or `WrongSetup` if the database
    /// belongs to a client.
    #[uniffi::constructor(default(scrypt_work_factor = None))]
    pub fn open_with_passphrase(
        path: String,
        passphrase: String,
        scrypt_work_factor: Option<u8>,
    ) -> Result<Arc<TherapistApp>, RapportError> {
        let keys = passphrase_key(passphrase, scrypt_work_factor);
        Ok(Arc::new(TherapistApp {
            store: SharedStore::open(&path, keys, CoreRole::Therapist)?,
        }))
    }

    /// Opens the database at `path` (creating it if missing), its data key
    /// kept in the platform keystore.
    #[uniffi::constructor]
    pub fn open_with_secret_store(
        path: String,
        secret_store: Arc<dyn SecretStore>,
    ) -> Result<Arc<TherapistApp>, RapportError> {
        Ok(Arc::new(TherapistApp {
            store: SharedStore::open(&path, keystore_key(secret_store), CoreRole::Therapist)?,
        }))
    }

    /// Builds a new database at `path`, locked with `passphrase`, from a
    /// recovery kit. Sync afterwards to fetch the history from the relay.
    #[uniffi::constructor(default(scrypt_work_factor = None))]
    pub fn restore_with_passphrase(
        path: String,
        passphrase: String,
        kit: Vec<u8>,
        kit_passphrase: String,
        scrypt_work_factor: Option<u8>,
    ) -> Result<Arc<TherapistApp>, RapportError> {
        let keys = passphrase_key(passphrase, scrypt_work_factor);
        restore(path, keys, kit, kit_passphrase)
    }

    /// Builds a new database at `path`, its key in the platform keystore,
    /// from a recovery kit. Sync afterwards to fetch the history.
    #[uniffi::constructor]
    pub fn restore_with_secret_store(
        path: String,
        secret_store: Arc<dyn SecretStore>,
        kit: Vec<u8>,
        kit_passphrase: String,
    ) -> Result<Arc<TherapistApp>, RapportError> {
        restore(path, keystore_key(secret_store), kit, kit_passphrase)
    }

    /// Sets this device up as a therapist on the relay at `relay_url`
    /// (creates its mailbox there through `http`). Fails with
    /// `InvalidRelayUrl` before anything is sent when Rapport would not use
    /// that address; `name` is what clients see: `InvalidName` (field
    /// `name`) before anything is sent when it is empty, too long or holds a
    /// control character.
    pub async fn set_up(
        &self,
        http: Arc<dyn HttpClient>,
        relay_url: String,
        name: String,
    ) -> Result<Account, RapportError> {
        let account = self
            .store
            .with_relay(
                "set-up",
                http,
                Some(relay_url.clone()),
                move |store, relay| store.therapist_init(relay, &relay_url, &name),
            )
            .await?;
        Ok(account.into())
    }

    /// This device's account, once set up.
    pub fn account(&self) -> Result<Option<Account>, RapportError> {
        self.store.account()
    }

    /// Creates a single-use invite for one client, valid for `valid_for`
    /// (`invite_validity()` gives the default, used when unset, and the
    /// maximum). `label` (initials, say) stays on this device. Before
    /// anything is sent: `InvalidName` (field `label`) for a label that is
    /// empty, too long or holds a control character; `InvalidInvite` with
    /// code `validity_too_long` or `validity_not_positive`.
    #[uniffi::method(default(valid_for = None))]
    pub async fn invite_client(
        &self,
        http: Arc<dyn HttpClient>,
        label: String,
        valid_for: Option<Duration>,
    ) -> Result<CreatedInvite, RapportError> {
        // Longer than chrono can hold is simply too long.
        let valid_for = valid_for.map_or_else(rapport_core::invite::default_validity, |d| {
            chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
        });
        let invite = self
            .store
            .with_relay("invite", http, None, move |store, relay| {
                store.invite_client(relay, &label, valid_for)
            })
            .await?;
        Ok(CreatedInvite {
            uri: invite.to_uri(),
            expires_at: invite.expires_at.into(),
        })
    }

    /// Every paired client, in pairing order.
    pub fn clients(&self) -> Result<Vec<PairedDevice>, RapportError> {
        Ok(self
            .store
            .lock()
            .peers()?
            .into_iter()
            .map(|(peer, _)| peer.into())
            .collect())
    }

    /// Every paired client with their check-ins.
    pub fn dashboard(&self) -> Result<Vec<ClientCheckIns>, RapportError> {
        Ok(self
            .store
            .lock()
            .dashboard()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Every client with the chart's series, change since the first session,
    /// trend and open flags, by need (show them in this order). Fast:
    /// summaries are kept up to date by sync. The flags' sentences are told
    /// in the best of Rapport's languages for `locale` (the device's, such
    /// as `de-AT`).
    #[uniffi::method(default(locale = "en"))]
    pub fn insights(&self, locale: String) -> Result<Vec<ClientInsights>, RapportError> {
        Ok(self
            .store
            .lock()
            .insights()?
            .into_iter()
            .map(|c| ClientInsights::told(c, &locale))
            .collect())
    }

    /// Open flags of every client, by need (show them in this order); with
    /// `include_resolved`, the resolved ones after them, most recently
    /// resolved first. Their sentences in the best language for `locale`.
    #[uniffi::method(default(include_resolved = false, locale = "en"))]
    pub fn flags(&self, include_resolved: bool, locale: String) -> Result<Vec<Flag>, RapportError> {
        Ok(self
            .store
            .lock()
            .flags(include_resolved)?
            .into_iter()
            .map(|f| Flag::told(f, &locale))
            .collect())
    }

    /// Marks a flag discussed: it resolves and stays in history. `NotFound`
    /// for an unknown id. The flag's sentences in the best language for
    /// `locale`.
    #[uniffi::method(default(locale = "en"))]
    pub fn mark_discussed(&self, id: String, locale: String) -> Result<Flag, RapportError> {
        Ok(Flag::told(self.store.lock().mark_discussed(&id)?, &locale))
    }

    /// Marks every open flag discussed, or only those of the client
    /// labelled `label`; returns how many.
    #[uniffi::method(default(label = None))]
    pub fn mark_all_discussed(&self, label: Option<String>) -> Result<u32, RapportError> {
        Ok(self.store.lock().mark_all_discussed(label.as_deref())?)
    }

    /// Acknowledges one reason of an open flag; the flag stays open.
    /// `NotFound` for an unknown id. Its sentence in the best language for
    /// `locale`.
    #[uniffi::method(default(locale = "en"))]
    pub fn acknowledge_reason(&self, id: String, locale: String) -> Result<Reason, RapportError> {
        Ok(Reason::told(
            self.store.lock().acknowledge_reason(&id)?,
            &locale,
        ))
    }

    /// The brief for `date` (`YYYY-MM-DD`): a card per client with a session
    /// recorded that day, or per active client when none is, by need.
    /// `label` narrows it to one client; `locale` picks the language of its
    /// sentences and opening lines.
    pub fn brief(
        &self,
        date: String,
        label: Option<String>,
        locale: String,
    ) -> Result<Brief, RapportError> {
        let date = crate::checkin::parse_session_date(&date)?;
        Ok(self
            .store
            .lock()
            .brief(date, label.as_deref(), &locale)
            .map(|b| Brief::told(b, &locale))?)
    }

    /// Records that a session with `label` took place on `session_date`
    /// (`YYYY-MM-DD`), so a missing check-in for it raises a flag.
    pub fn record_session(&self, label: String, session_date: String) -> Result<(), RapportError> {
        let date = crate::checkin::parse_session_date(&session_date)?;
        Ok(self.store.lock().record_session(&label, date)?)
    }

    /// Ends the pairing with `label`: the client is told on its next sync and
    /// its post token is revoked; what it shared stays here.
    pub async fn revoke_client(
        &self,
        label: String,
        http: Arc<dyn HttpClient>,
    ) -> Result<(), RapportError> {
        self.store
            .with_relay("revoke", http, None, move |store, relay| {
                store.revoke_client(relay, &label)
            })
            .await?;
        Ok(())
    }

    /// Acknowledges every check-in not yet acknowledged; clients see "seen"
    /// after the therapist's next sync and then their own. Returns how many.
    pub fn acknowledge_all(&self) -> Result<u32, RapportError> {
        Ok(self.store.lock().acknowledge_all()?)
    }

    /// Writes (or rewrites) the reply, at most 280 characters, to the
    /// check-in `record_id`; the client gets it on the next sync. Fails with
    /// `InvalidCheckIn` (field `reply`) when the text is empty, too long or
    /// holds control characters, or once the client has checked in again;
    /// `CheckInNotFound` for an unknown check-in.
    pub fn reply_to_checkin(&self, record_id: String, text: String) -> Result<Reply, RapportError> {
        let record_id = parse_checkin_id(&record_id)?;
        Ok(self.store.lock().reply_to_checkin(record_id, &text)?.into())
    }

    /// The session check-in questionnaire (to label the dashboard), with
    /// `locale` resolved to the best available one.
    pub fn instrument(&self, locale: String) -> Result<Instrument, RapportError> {
        self.store.instrument(&locale)
    }

    /// The form of `instrument`, the edition a received check-in answered,
    /// in the best available language for `locale`: label a check-in with
    /// the words its client rated, not today's. Fails with `InvalidCheckIn`
    /// (field `instrument`) for an edition this app does not have.
    pub fn checkin_form_of(
        &self,
        instrument: InstrumentRef,
        locale: String,
    ) -> Result<CheckInForm, RapportError> {
        self.store.checkin_form_of(instrument, &locale)
    }

    /// Sends "seen" receipts, fetches and applies clients' hellos and
    /// check-ins. Runs in the background; `http` is called from there.
    pub async fn sync(&self, http: Arc<dyn HttpClient>) -> Result<SyncReport, RapportError> {
        let report = self
            .store
            .with_relay("sync", http, None, |store, relay| store.sync(relay))
            .await?;
        Ok(report.into())
    }

    /// The recovery kit: identity, relay tokens, paired clients and data key,
    /// encrypted with `passphrase`. Keep it apart from this device.
    #[uniffi::method(default(scrypt_work_factor = None))]
    pub fn recovery_kit(
        &self,
        passphrase: String,
        scrypt_work_factor: Option<u8>,
    ) -> Result<Vec<u8>, RapportError> {
        let passphrase = crate::app::passphrase(passphrase, scrypt_work_factor);
        Ok(self.store.lock().recovery_kit(&passphrase)?)
    }

    /// A random id naming this database; its keystore entry is
    /// `rapport.data-key.<database id>`.
    pub fn database_id(&self) -> String {
        self.store.database_id()
    }
}

fn restore(
    path: String,
    keys: rapport_core::KeySource,
    kit: Vec<u8>,
    kit_passphrase: String,
) -> Result<Arc<TherapistApp>, RapportError> {
    let store = Store::restore_from_kit(
        path,
        keys,
        StoreOptions::standard()?,
        &kit,
        &passphrase(kit_passphrase, None),
    )?;
    Ok(Arc::new(TherapistApp {
        store: SharedStore::checked(store, CoreRole::Therapist)?,
    }))
}
