//! The relay database's schema, its migrations, and how connections are set
//! up.
//!
//! `PRAGMA application_id` marks the file as a relay database, so pointing
//! the relay at a Rapport app database (or anything else) is refused before
//! a byte is written. `PRAGMA user_version` holds the schema version;
//! migrations run forward in one transaction, and a file from a newer relay
//! is refused.
//!
//! Rule for changing the schema: never edit a released migration; append one.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use crate::error::RelayError;

/// Marks a SQLite file as a Rapport relay database ("RPRL").
pub const APPLICATION_ID: i32 = 0x5250_524C;

/// Schema version this code writes.
pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

/// Settings for the one connection that writes.
///
/// - WAL: fetches never wait for the writer, and a commit is one append.
/// - synchronous=FULL: a post the relay acknowledged survives power loss;
///   group commit (see `writer`) pays for the fsync once per batch.
/// - secure_delete: pruned ciphertext is overwritten, not just unlinked.
const WRITER_PRAGMAS: &str = "PRAGMA journal_mode = WAL;
     PRAGMA synchronous = FULL;
     PRAGMA foreign_keys = ON;
     PRAGMA secure_delete = ON;
     PRAGMA temp_store = MEMORY;
     PRAGMA busy_timeout = 5000;";

/// Settings for connections that only fetch.
const READER_PRAGMAS: &str = "PRAGMA query_only = ON;
     PRAGMA temp_store = MEMORY;
     PRAGMA busy_timeout = 5000;";

/// `MIGRATIONS[n]` upgrades a database from version `n` to `n + 1`.
const MIGRATIONS: &[&str] = &["
    -- A mailbox. `key` is the compact internal handle the other tables use;
    -- `id` is the public, random name. The counters keep quota checks O(1);
    -- `last_seq` survives pruning so sequence numbers are never reused.
    CREATE TABLE mailboxes (
        key           INTEGER PRIMARY KEY,
        id            TEXT NOT NULL UNIQUE,
        last_seq      INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
        message_count INTEGER NOT NULL DEFAULT 0 CHECK (message_count >= 0),
        byte_count    INTEGER NOT NULL DEFAULT 0 CHECK (byte_count >= 0)
    );

    -- Capabilities, by the SHA-256 of the token: the tokens themselves are
    -- never stored. Revoked post tokens stay, so their holders learn why.
    CREATE TABLE tokens (
        hash     BLOB PRIMARY KEY CHECK (length(hash) = 32),
        mailbox  INTEGER NOT NULL REFERENCES mailboxes (key) ON DELETE CASCADE,
        kind     TEXT NOT NULL CHECK (kind IN ('read', 'post')),
        token_id TEXT,
        revoked  INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
        CHECK ((kind = 'post') = (token_id IS NOT NULL))
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX tokens_by_id ON tokens (mailbox, token_id) WHERE token_id IS NOT NULL;

    -- Messages: the mailbox, the sequence number, when it arrived (Unix
    -- microseconds, UTC), its size and the ciphertext. Nothing else.
    CREATE TABLE messages (
        mailbox     INTEGER NOT NULL REFERENCES mailboxes (key) ON DELETE CASCADE,
        seq         INTEGER NOT NULL CHECK (seq > 0),
        received_at INTEGER NOT NULL,
        size        INTEGER NOT NULL CHECK (size = length(body)),
        body        BLOB NOT NULL,
        PRIMARY KEY (mailbox, seq)
    );
"];

fn database_error(path: &Path, error: &rusqlite::Error) -> RelayError {
    RelayError::Database {
        path: path.to_owned(),
        detail: error.to_string(),
    }
}

fn not_a_relay_database(path: &Path, reason: impl Into<String>) -> RelayError {
    RelayError::NotARelayDatabase {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

/// Opens (creating if need be) the writing connection: checks that the file
/// is a relay database, brings its schema up to date, and sets it up for
/// durable writes.
pub fn open_writer(path: &Path) -> Result<Connection, RelayError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn =
        Connection::open_with_flags(path, flags).map_err(|e| database_error(path, &e))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| database_error(path, &e))?;
    keep_plans(&conn).map_err(|e| database_error(path, &e))?;

    // Identify the file before changing anything about it (even its journal
    // mode): a foreign database must be left exactly as it was.
    let application_id = read_application_id(&conn, path)?;
    if application_id != 0 && application_id != APPLICATION_ID {
        return Err(not_a_relay_database(
            path,
            format!("its application_id is {application_id:#010x}"),
        ));
    }
    conn.execute_batch(WRITER_PRAGMAS)
        .map_err(|e| database_error(path, &e))?;
    migrate(&mut conn, path)?;
    Ok(conn)
}

/// Opens a connection for fetches. The writer must have opened the file
/// first.
pub fn open_reader(path: &Path) -> Result<Connection, rusqlite::Error> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    keep_plans(&conn)?;
    conn.execute_batch(READER_PRAGMAS)?;
    Ok(conn)
}

/// Turns on the query planner stability guarantee. Without it, the bundled
/// SQLite (built with STAT4) re-prepares a cached statement on every
/// execution whose parameters might change its plan, which for the
/// authorization query is every post; our queries have one sensible plan.
fn keep_plans(conn: &Connection) -> Result<(), rusqlite::Error> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .map(|_| ())
}

fn read_application_id(conn: &Connection, path: &Path) -> Result<i32, RelayError> {
    conn.query_row("PRAGMA application_id", [], |row| row.get(0))
        .map_err(|e| match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) => {
                not_a_relay_database(path, "it is not a SQLite database")
            }
            _ => database_error(path, &e),
        })
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<(), RelayError> {
    let fail = |e: rusqlite::Error| database_error(path, &e);
    // IMMEDIATE: two relays started on the same new file cannot both create
    // the schema.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(fail)?;
    let application_id: i32 = tx
        .query_row("PRAGMA application_id", [], |row| row.get(0))
        .map_err(fail)?;
    let version: i64 = tx
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(fail)?;
    if application_id == 0 {
        let objects: i64 = tx
            .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
            .map_err(fail)?;
        if objects > 0 {
            return Err(not_a_relay_database(
                path,
                "it already holds tables of another program",
            ));
        }
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(fail)?;
    }
    if version > LATEST_VERSION {
        return Err(RelayError::NewerSchema {
            path: PathBuf::from(path),
            found: version,
            supported: LATEST_VERSION,
        });
    }
    for migration in MIGRATIONS
        .iter()
        .skip(usize::try_from(version).unwrap_or(0))
    {
        tx.execute_batch(migration).map_err(fail)?;
    }
    tx.pragma_update(None, "user_version", LATEST_VERSION)
        .map_err(fail)?;
    tx.commit().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_gets_the_latest_schema_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relay.db");
        drop(open_writer(&path).unwrap());
        let conn = open_writer(&path).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, LATEST_VERSION);
    }

    #[test]
    fn another_programs_database_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        let other = Connection::open(&path).unwrap();
        other
            .execute_batch("PRAGMA application_id = 1380995668; CREATE TABLE t (x);")
            .unwrap();
        drop(other);
        let error = open_writer(&path).unwrap_err();
        assert!(
            matches!(error, RelayError::NotARelayDatabase { .. }),
            "{error}"
        );
        assert!(error.to_string().contains("--db"));
        let mode: String = Connection::open(&path)
            .unwrap()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete", "the foreign file was switched to WAL");
    }

    #[test]
    fn an_unmarked_database_with_tables_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plain.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE notes (x);")
            .unwrap();
        assert!(matches!(
            open_writer(&path),
            Err(RelayError::NotARelayDatabase { .. })
        ));
    }

    #[test]
    fn a_text_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "not a database at all, just some text ".repeat(100)).unwrap();
        assert!(matches!(
            open_writer(&path),
            Err(RelayError::NotARelayDatabase { .. })
        ));
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relay.db");
        let conn = open_writer(&path).unwrap();
        conn.pragma_update(None, "user_version", LATEST_VERSION + 1)
            .unwrap();
        drop(conn);
        assert!(matches!(
            open_writer(&path),
            Err(RelayError::NewerSchema { .. })
        ));
    }
}
