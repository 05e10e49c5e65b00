//! A therapist's whole database as bytes, for a checkpoint on the relay, and
//! putting such a copy back on a device restored from a recovery kit.
//!
//! The copy is the SQLite file itself (`VACUUM INTO`: compact, no freed
//! pages), so every row stays sealed with the data key; sync encrypts it
//! again, to this device's own key, before it leaves. A restored device
//! keeps the old data key (the kit carries it), so the rows open as they
//! are. The file a copy passes through sits beside the database for the
//! moment it takes, readable by this user only, and is removed at once.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use super::{Store, open_value, schema, sequences};
use crate::error::{Error, StoreError};

/// Tables a checkpoint does not bring back whole: how this device keeps its
/// key and which database it is are the new device's own (of `meta`, the
/// rules come back).
const NOT_RESTORED: &[&str] = &["keyring", "meta"];

/// A file beside the database, removed (with SQLite's companions) on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn beside(db: &Path) -> Result<Scratch, Error> {
        let name = format!(
            ".{}.checkpoint-{}",
            db.file_name().and_then(|n| n.to_str()).unwrap_or("rapport"),
            uuid::Uuid::now_v7()
        );
        let path = db.with_file_name(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&path).map_err(|e| io(&path, e))?;
        Ok(Scratch(path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = self.0.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(name));
        }
    }
}

/// A scratch copy older than this was left by a crash: none takes so long.
const LEFTOVER_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes the scratch copies a crash left beside the database at `db`
/// (a copy holds every row, sealed, and the wrapped key: nothing of it
/// should outlive the moment it is for). Copies younger than an hour may be
/// another process's checkpoint under way, and are left alone; so is a copy
/// that cannot be removed, as it would have been anyway.
pub(crate) fn remove_leftover_copies(db: &Path) {
    let Some(name) = db.file_name().and_then(|n| n.to_str()) else {
        return;
    };
    let prefix = format!(".{name}.checkpoint-");
    let dir = match db.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let leftovers = entries.flatten().filter(|entry| {
        entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(&prefix))
    });
    for entry in leftovers {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|at| at.elapsed().ok())
            .is_some_and(|age| age > LEFTOVER_AFTER);
        if old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn io(path: &Path, e: std::io::Error) -> Error {
    StoreError::Io {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
    .into()
}

impl Store {
    /// This database as bytes, with the fetch cursor it was taken at.
    pub(crate) fn snapshot(&self) -> Result<(Vec<u8>, u64), Error> {
        let cursor = self.fetch_cursor()?.max(0) as u64;
        let scratch = Scratch::beside(&self.path)?;
        let target = scratch.0.to_str().ok_or_else(|| StoreError::Io {
            path: scratch.0.display().to_string(),
            detail: "the path is not UTF-8".into(),
        })?;
        // The copy is read back and removed at once: nothing gains from
        // waiting for it to reach the disk. VACUUM INTO writes it with the
        // main database's `synchronous` level, put back straight after.
        let level: i64 = self
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))?;
        self.conn.execute_batch("PRAGMA synchronous = OFF")?;
        let copied = self.conn.execute("VACUUM INTO ?1", params![target]);
        self.conn
            .execute_batch(&format!("PRAGMA synchronous = {level}"))?;
        copied?;
        let bytes = std::fs::read(&scratch.0).map_err(|e| io(&scratch.0, e))?;
        Ok((bytes, cursor))
    }

    /// Replaces every table's rows (but the key's) with those of `bytes`, a
    /// [`Store::snapshot`] of a database sealed with this store's data key,
    /// upgrading it first if it is older. Insights are recomputed on the
    /// next read. What this device sends next to each client never goes
    /// below what it already had (the kit may be newer than the copy).
    pub(crate) fn import_snapshot(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let scratch = Scratch::beside(&self.path)?;
        std::fs::write(&scratch.0, bytes).map_err(|e| io(&scratch.0, e))?;
        {
            let mut copy = schema::open(&scratch.0, schema::LATEST_VERSION)?;
            sequences::adopt_cleartext(&mut copy, &self.cipher)?;
            check_key(&copy, self)?;
            copy.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")?;
        }
        let before = self.sequences()?;
        let target = scratch.0.to_str().ok_or_else(|| StoreError::Io {
            path: scratch.0.display().to_string(),
            detail: "the path is not UTF-8".into(),
        })?;
        self.conn
            .execute("ATTACH DATABASE ?1 AS checkpoint", params![target])?;
        let copied = copy_tables(&mut self.conn, &self.cipher, &before);
        self.conn.execute("DETACH DATABASE checkpoint", [])?;
        copied
    }
}

/// The copy's rows must open with this store's key: the sealed account is
/// the one row every therapist has.
fn check_key(copy: &Connection, store: &Store) -> Result<(), Error> {
    let sealed: Option<Vec<u8>> = copy
        .query_row("SELECT sealed FROM account WHERE id = 1", [], |r| r.get(0))
        .optional()?;
    let sealed = sealed.ok_or_else(|| StoreError::UnreadableRecord {
        table: "account",
        row: "checkpoint".into(),
        detail: "the checkpoint holds no account".into(),
    })?;
    open_value::<super::Account>(&store.cipher, "account", b"account", &sealed).map(|_| ())
}

fn copy_tables(
    conn: &mut Connection,
    cipher: &crate::crypto::RowCipher,
    before: &std::collections::HashMap<String, sequences::Sequences>,
) -> Result<(), Error> {
    let tx = conn.transaction()?;
    let tables: Vec<String> = tx
        .prepare(
            "SELECT name FROM main.sqlite_schema
             WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    tx.execute_batch("PRAGMA defer_foreign_keys = ON;")?;
    // What the kit says was read may be newer than the copy: kept aside,
    // put back and applied below.
    tx.execute_batch(
        "DROP TABLE IF EXISTS temp.kit_acks;
         CREATE TEMP TABLE kit_acks AS SELECT * FROM main.restored_acks;",
    )?;
    // The rules, not which database this is.
    tx.execute(
        "INSERT OR REPLACE INTO main.meta SELECT * FROM checkpoint.meta
         WHERE name <> 'database_id'",
        [],
    )?;
    for table in tables
        .iter()
        .filter(|t| !NOT_RESTORED.contains(&t.as_str()))
    {
        tx.execute(&format!("DELETE FROM main.\"{table}\""), [])?;
        tx.execute(
            &format!("INSERT INTO main.\"{table}\" SELECT * FROM checkpoint.\"{table}\""),
            [],
        )?;
    }
    tx.execute_batch(
        "INSERT OR REPLACE INTO main.restored_acks SELECT * FROM temp.kit_acks;
         UPDATE received SET
             acked_at = (SELECT a.acked_at FROM temp.kit_acks a
                 WHERE a.sender = received.sender AND a.record_id = received.record_id),
             receipt_sent = 1
         WHERE acked_at IS NULL AND EXISTS (SELECT 1 FROM temp.kit_acks a
             WHERE a.sender = received.sender AND a.record_id = received.record_id
               AND a.version = received.version);
         DROP TABLE temp.kit_acks;",
    )?;
    tx.execute("UPDATE client_insights SET dirty = 1", [])?;
    tx.execute("UPDATE account SET restoring = 0 WHERE id = 1", [])?;
    for (device, kept) in before {
        if let Ok(id) = device.parse() {
            let mut now = sequences::load(&tx, cipher, &id)?;
            if kept.next_send > now.next_send {
                now.next_send = kept.next_send;
                sequences::restore(&tx, cipher, &id, &now)?;
            }
        }
    }
    tx.commit()?;
    Ok(())
}

impl Store {
    /// Therapist restored from a kit, before its first checkpoint is back.
    pub(crate) fn is_restoring(&self) -> Result<bool, Error> {
        Ok(self
            .conn
            .query_row("SELECT restoring FROM account WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?
            .unwrap_or(false))
    }

    /// A restore found no checkpoint: it reads the whole mailbox instead.
    pub(crate) fn finish_restoring(&mut self) -> Result<(), Error> {
        self.conn
            .execute("UPDATE account SET restoring = 0 WHERE id = 1", [])?;
        Ok(())
    }

    /// The relay sequence number this device pruned its mailbox through.
    pub(crate) fn pruned_through(&self) -> Result<u64, Error> {
        let n: Option<i64> = self
            .conn
            .query_row("SELECT pruned_through FROM account WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(n.unwrap_or(0).max(0) as u64)
    }

    /// Whether something only this device knows changed since its last
    /// checkpoint (see the `checkpoint_due` triggers in the schema).
    pub(crate) fn checkpoint_due(&self) -> Result<bool, Error> {
        Ok(self
            .conn
            .query_row("SELECT checkpoint_due FROM account WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?
            .unwrap_or(false))
    }

    /// A checkpoint taken at `as_of` is on the relay, and the relay deleted
    /// this mailbox's messages through it.
    pub(crate) fn checkpoint_done(&mut self, as_of: u64) -> Result<(), Error> {
        self.conn
            .execute("UPDATE account SET checkpoint_due = 0 WHERE id = 1", [])?;
        self.set_pruned_through(as_of)
    }

    /// The relay deleted this mailbox's messages through `seq`.
    pub(crate) fn set_pruned_through(&mut self, seq: u64) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE account SET pruned_through = max(pruned_through, ?1) WHERE id = 1",
            params![seq.min(crate::envelope::MAX_SEQ) as i64],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;
    use crate::crypto::{KeySource, Passphrase};

    #[test]
    fn a_snapshot_leaves_the_database_as_durable_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(
            dir.path().join("t.db"),
            KeySource::Passphrase(Passphrase::new("p").with_work_factor(1)),
        )
        .unwrap();
        store
            .therapist_init(
                &crate::sync::MemoryTransport::new(),
                "https://relay.example.org",
                "T",
            )
            .unwrap();
        let level = |store: &Store| -> i64 {
            store
                .conn
                .query_row("PRAGMA synchronous", [], |r| r.get(0))
                .unwrap()
        };
        let before = level(&store);
        assert_ne!(before, 0, "the store syncs its own commits");
        let (bytes, _) = store.snapshot().unwrap();
        assert!(bytes.starts_with(b"SQLite format 3\0"));
        assert_eq!(level(&store), before);
        // Nothing of the copy stays beside the database.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.contains("checkpoint"))
            .collect();
        assert_eq!(names, Vec::<String>::new());
    }

    #[test]
    fn copies_a_crash_left_behind_are_removed_when_the_store_opens() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        let open = || {
            Store::open(
                &db,
                KeySource::Passphrase(Passphrase::new("p").with_work_factor(1)),
            )
            .unwrap()
        };
        drop(open());
        let file = |name: &str, age_s: u64| {
            let path = dir.path().join(name);
            let f = std::fs::File::create(&path).unwrap();
            let at = std::time::SystemTime::now() - std::time::Duration::from_secs(age_s);
            f.set_modified(at).unwrap();
            path
        };
        let left = file(".t.db.checkpoint-01a2", 2 * 3600);
        let journal = file(".t.db.checkpoint-01a2-journal", 2 * 3600);
        let under_way = file(".t.db.checkpoint-01b3", 60);
        let other_db = file(".u.db.checkpoint-01c4", 2 * 3600);
        drop(open());
        assert!(!left.exists() && !journal.exists(), "left by a crash");
        assert!(under_way.exists(), "another process's copy, under way");
        assert!(other_db.exists(), "another database's");
        assert!(db.exists());
    }
}
