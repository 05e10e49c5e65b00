//! What the two app objects share: opening the encrypted store with a
//! passphrase or the platform keystore, guarding it with a lock, and running
//! network work in the background.

use std::sync::{Arc, Mutex, MutexGuard};

use rapport_core::crypto::DEFAULT_WORK_FACTOR;
use rapport_core::sync::{RelayClient, RelayUrl};
use rapport_core::{KeySource, Passphrase, Store, StoreOptions};

use crate::background::run_in_background;
use crate::checkin::InstrumentRef;
use crate::error::RapportError;
use crate::foreign::{ForeignHttpClient, ForeignSecretStore, HttpClient, SecretStore};
use crate::form::CheckInForm;
use crate::instrument::Instrument;
use crate::sync::Account;

/// A passphrase with the scrypt work factor to wrap new keys with. Apps leave
/// the work factor unset (about a second on a phone); tests lower it.
pub(crate) fn passphrase(text: String, scrypt_work_factor: Option<u8>) -> Passphrase {
    Passphrase::new(text).with_work_factor(scrypt_work_factor.unwrap_or(DEFAULT_WORK_FACTOR))
}

/// A data key wrapped with a passphrase, as the core wants it.
pub(crate) fn passphrase_key(text: String, scrypt_work_factor: Option<u8>) -> KeySource {
    KeySource::Passphrase(passphrase(text, scrypt_work_factor))
}

/// A data key kept in the app's keystore, as the core wants it.
pub(crate) fn keystore_key(secret_store: Arc<dyn SecretStore>) -> KeySource {
    KeySource::SecretStore(Arc::new(ForeignSecretStore(secret_store)))
}

/// An open store shared by an app object and its background work.
pub(crate) struct SharedStore(Arc<Mutex<Store>>);

impl SharedStore {
    /// Opens (or creates) the store at `path`, refusing one set up for the
    /// other role so a client app never runs on a therapist's database.
    pub(crate) fn open(
        path: &str,
        keys: KeySource,
        role: rapport_core::sync::Role,
    ) -> Result<SharedStore, RapportError> {
        let store = Store::open_with(path, keys, StoreOptions::standard()?)?;
        SharedStore::checked(store, role)
    }

    /// Wraps a store that was just opened or restored, as `role`.
    pub(crate) fn checked(
        store: Store,
        role: rapport_core::sync::Role,
    ) -> Result<SharedStore, RapportError> {
        store.expect_role(role)?;
        Ok(SharedStore(Arc::new(Mutex::new(store))))
    }

    /// The store, for one quick call on the caller's thread.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Store> {
        // A panic while the lock was held cannot leave the database half
        // written (every change is one SQLite transaction, rolled back when
        // dropped), so the store is still usable.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `job` with the store and the relay, reached through the app's
    /// HTTP client, on a background thread: everything that talks to the
    /// relay. `relay_url` names the relay; `None` is the account's.
    pub(crate) async fn with_relay<T, F>(
        &self,
        name: &str,
        http: Arc<dyn HttpClient>,
        relay_url: Option<String>,
        job: F,
    ) -> Result<T, RapportError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store, &RelayClient<ForeignHttpClient>) -> Result<T, rapport_core::Error>
            + Send
            + 'static,
    {
        let store = self.0.clone();
        run_in_background(name, move || {
            let mut store = store.lock().unwrap_or_else(|e| e.into_inner());
            let http = ForeignHttpClient(http);
            let relay = match relay_url {
                Some(url) => RelayClient::new(
                    RelayUrl::parse(&url).map_err(rapport_core::Error::from)?,
                    http,
                ),
                None => store.relay_client(http)?,
            };
            Ok(job(&mut store, &relay)?)
        })
        .await
    }

    /// This device's account, once set up.
    pub(crate) fn account(&self) -> Result<Option<Account>, RapportError> {
        Ok(self.lock().account()?.map(Into::into))
    }

    /// The current edition of the session check-in, texts in every locale,
    /// with `locale` resolved to the best available one.
    pub(crate) fn instrument(&self, locale: &str) -> Result<Instrument, RapportError> {
        let store = self.lock();
        Ok(Instrument::from_core(current(store.instruments())?, locale))
    }

    /// The current check-in form in the best available language for `locale`.
    pub(crate) fn checkin_form(&self, locale: &str) -> Result<CheckInForm, RapportError> {
        let store = self.lock();
        let instrument = current(store.instruments())?;
        Ok(rapport_core::model::CheckInForm::new(instrument, locale).into())
    }

    /// The form of the edition a stored check-in answered, in the best
    /// available language for `locale`.
    pub(crate) fn checkin_form_of(
        &self,
        edition: InstrumentRef,
        locale: &str,
    ) -> Result<CheckInForm, RapportError> {
        let store = self.lock();
        Ok(rapport_core::model::CheckInForm::of_edition(
            store.instruments(),
            &edition.into(),
            locale,
        )
        .map_err(rapport_core::Error::from)?
        .into())
    }

    /// The id of the database (and of its keystore entry).
    pub(crate) fn database_id(&self) -> String {
        self.lock().database_id().to_string()
    }
}

/// The current instrument of `instruments`, or the error for an app built
/// without it.
pub(crate) fn current(
    instruments: &rapport_core::Instruments,
) -> Result<&rapport_core::Instrument, RapportError> {
    instruments.current().ok_or_else(|| RapportError::Storage {
        reason: format!(
            "the {} questionnaire is missing from this app: reinstall it",
            rapport_core::model::CURRENT_INSTRUMENT
        ),
    })
}
