//! A client's own settings, kept in `meta` rows sealed like every other
//! sensitive value (the row's name is the only cleartext): for now the
//! crisis country, which outlives any one pairing and goes with an erase.
//!
//! They live here rather than in the sealed account because a client has
//! them before joining and keeps them after leaving, when the account row
//! is gone.

use rusqlite::{OptionalExtension, Transaction, params};

use super::{Store, open_value, seal_value};
use crate::crypto::RowCipher;
use crate::error::Error;
use crate::safety::crisis::{CrisisResources, check_country, resources_for};

/// Prefix of every client-setting row in `meta`; an erase deletes them all.
pub(crate) const CLIENT_PREFIX: &str = "client.";

/// The crisis country the client chose (sealed ISO 3166 alpha-2 code).
const CRISIS_COUNTRY: &str = "client.crisis_country";

impl Store {
    /// The crisis country the client chose (`IE`), if any. The crisis sheet
    /// uses it over the phone's region ([`Store::crisis_resources`]).
    pub fn crisis_country(&self) -> Result<Option<String>, Error> {
        read_sealed(&self.conn, &self.cipher, CRISIS_COUNTRY)
    }

    /// Chooses the crisis country (`IE`, `ie`; `UK` is kept as `GB`), or
    /// forgets the choice with `None` so the phone's region decides again.
    /// Any two-letter code is kept, including one the bundled data has no
    /// lines for (the sheet then shows the emergency numbers that apply
    /// almost anywhere); anything else is refused with
    /// [`Error::InvalidCountry`]. Returns the code kept.
    pub fn set_crisis_country(&mut self, country: Option<&str>) -> Result<Option<String>, Error> {
        let country = country.map(check_country).transpose()?;
        let tx = self.conn.transaction()?;
        save_crisis_country(&tx, &self.cipher, country.as_deref())?;
        tx.commit()?;
        Ok(country)
    }

    /// The crisis resources to show this client now: for the country they
    /// chose, else for `locale`'s region (such as `en-IE`), in `locale`'s
    /// language. Bundled and offline, like
    /// [`crate::safety::resources_for`].
    pub fn crisis_resources(&self, locale: &str) -> Result<CrisisResources, Error> {
        Ok(resources_for(self.crisis_country()?.as_deref(), locale))
    }
}

/// Keeps (or, with `None`, forgets) the crisis country, inside the caller's
/// transaction (joining keeps the one chosen there with the pairing).
pub(crate) fn save_crisis_country(
    tx: &Transaction<'_>,
    cipher: &RowCipher,
    country: Option<&str>,
) -> Result<(), Error> {
    write_sealed(tx, cipher, CRISIS_COUNTRY, country)
}

/// The sealed value of the `meta` row `name`, if there is one.
pub(crate) fn read_sealed<T: serde::de::DeserializeOwned>(
    conn: &rusqlite::Connection,
    cipher: &RowCipher,
    name: &'static str,
) -> Result<Option<T>, Error> {
    let sealed: Option<Vec<u8>> = conn
        .query_row(
            "SELECT value FROM meta WHERE name = ?1",
            params![name],
            |r| r.get(0),
        )
        .optional()?;
    sealed
        .map(|s| open_value(cipher, "meta", name.as_bytes(), &s))
        .transpose()
}

/// Seals `value` into the `meta` row `name`; `None` deletes the row.
pub(crate) fn write_sealed<T: serde::Serialize + ?Sized>(
    tx: &Transaction<'_>,
    cipher: &RowCipher,
    name: &'static str,
    value: Option<&T>,
) -> Result<(), Error> {
    match value {
        Some(value) => {
            let sealed = seal_value(cipher, "meta", name.as_bytes(), &value)?;
            tx.execute(
                "INSERT INTO meta (name, value) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET value = ?2",
                params![name, sealed],
            )?;
        }
        None => {
            tx.execute("DELETE FROM meta WHERE name = ?1", params![name])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::crypto::{KeySource, Passphrase};
    use crate::{Error, Store};

    fn store(dir: &std::path::Path) -> Store {
        Store::open(
            dir.join("c.db"),
            KeySource::Passphrase(Passphrase::new("p").with_work_factor(1)),
        )
        .unwrap()
    }

    #[test]
    fn the_chosen_country_is_kept_sealed_and_decides_the_sheet() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store(dir.path());
        assert_eq!(store.crisis_country().unwrap(), None);
        assert_eq!(
            store
                .crisis_resources("en_US.UTF-8")
                .unwrap()
                .region
                .as_deref(),
            Some("US"),
            "no choice: the region"
        );
        assert_eq!(
            store.set_crisis_country(Some(" ie ")).unwrap().as_deref(),
            Some("IE")
        );
        let sheet = store.crisis_resources("en_US.UTF-8").unwrap();
        assert_eq!(sheet.region.as_deref(), Some("IE"));
        assert_eq!(sheet.chosen_country.as_deref(), Some("IE"));
        // Sealed: the row holds ciphertext, not the code.
        let value: Vec<u8> = store
            .conn
            .query_row(
                "SELECT value FROM meta WHERE name = 'client.crisis_country'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(value.len() > 16, "{value:?}");
        assert_ne!(&value[..], b"IE");
        drop(store);

        let mut store = self::store(dir.path());
        assert_eq!(store.crisis_country().unwrap().as_deref(), Some("IE"));
        let err = store.set_crisis_country(Some("Ireland")).unwrap_err();
        assert!(matches!(err, Error::InvalidCountry { .. }), "{err:?}");
        assert_eq!(store.crisis_country().unwrap().as_deref(), Some("IE"));
        store.set_crisis_country(None).unwrap();
        assert_eq!(store.crisis_country().unwrap(), None);
    }

    #[test]
    fn erasing_everything_forgets_the_country() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store(dir.path());
        store.set_crisis_country(Some("FR")).unwrap();
        assert!(store.erase_everything().unwrap());
        assert_eq!(store.crisis_country().unwrap(), None);
    }
}
