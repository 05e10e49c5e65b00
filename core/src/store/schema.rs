//! The database schema and its migrations.
//!
//! `PRAGMA user_version` holds the schema version. Opening a database runs
//! every migration from its version up to [`LATEST_VERSION`] in one
//! transaction, so a crash mid-upgrade leaves the old schema intact. A file
//! from a newer app is refused before anything is written to it.
//!
//! Rule for changing the schema: never edit a released migration; append one.
//! `core/tests/fixtures/` keeps a database of every released version, and the
//! tests upgrade each of them (v1; v4 to v7 as a synced therapist and client
//! pair).
//! Before adding a migration, write fixtures of the current version with the
//! current code.

use std::path::Path;

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use crate::error::StoreError;

/// Marks a SQLite file as Rapport's (`PRAGMA application_id`, "RPRT").
pub const APPLICATION_ID: i32 = 0x5250_5254;

/// Schema version this code writes.
pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

/// How every connection is set up. Public so benchmarks can give their
/// baseline exactly the same settings.
///
/// - WAL: readers never block the writer, and a commit is one append.
/// - synchronous=FULL: a check-in the client saw saved survives power loss.
/// - secure_delete: freed pages are zeroed, so erased ciphertext is gone too.
/// - temp_store=MEMORY: sorts never spill to temporary files.
pub const CONNECTION_PRAGMAS: &str = "PRAGMA journal_mode = WAL;
     PRAGMA synchronous = FULL;
     PRAGMA foreign_keys = ON;
     PRAGMA secure_delete = ON;
     PRAGMA temp_store = MEMORY;
     PRAGMA busy_timeout = 5000;";

/// `MIGRATIONS[n]` upgrades a database from version `n` to `n + 1`.
const MIGRATIONS: &[&str] = &[
    // 0 → 1: the first released schema.
    "
    CREATE TABLE meta (
        name  TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;

    -- How the data key is kept. One row: a database has one data key.
    CREATE TABLE keyring (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        method      TEXT NOT NULL CHECK (method IN ('passphrase', 'secret_store')),
        wrapped_key BLOB,   -- age (scrypt) file holding the key, for 'passphrase'
        secret_name TEXT,   -- keystore entry holding the key, for 'secret_store'
        key_check   BLOB NOT NULL, -- a sealed constant: proves the key is the right one
        created_at  INTEGER NOT NULL
    );

    -- Answers and notes live only inside `sealed`; the other columns are the
    -- cleartext needed to sort, page and sync (see SECURITY.md).
    CREATE TABLE checkins (
        id                 BLOB PRIMARY KEY CHECK (length(id) = 16),
        instrument_id      TEXT NOT NULL,
        instrument_version INTEGER NOT NULL,
        session_date       TEXT NOT NULL,       -- YYYY-MM-DD, the client's calendar
        version            INTEGER NOT NULL CHECK (version >= 1),
        created_at         INTEGER NOT NULL,    -- ms since the Unix epoch, UTC
        updated_at         INTEGER NOT NULL,
        deleted_at         INTEGER,             -- set for tombstones
        sealed             BLOB,                -- NULL for tombstones
        CHECK ((deleted_at IS NULL) = (sealed IS NOT NULL))
    );

    -- Changes waiting to be sent, in order. Holds no content: the sync engine
    -- reads the current row when it seals an envelope.
    CREATE TABLE outbox (
        seq            INTEGER PRIMARY KEY AUTOINCREMENT,
        record_id      BLOB NOT NULL REFERENCES checkins (id) ON DELETE CASCADE,
        record_version INTEGER NOT NULL,
        kind           TEXT NOT NULL CHECK (kind IN ('checkin', 'tombstone')),
        queued_at      INTEGER NOT NULL
    );
    ",
    // 1 → 2: retry bookkeeping for the sync engine, and an index so history
    // pages stay fast however many check-ins a client has.
    "
    ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE outbox ADD COLUMN last_attempt_at INTEGER;
    CREATE INDEX checkins_by_session ON checkins (session_date DESC, id DESC)
        WHERE deleted_at IS NULL;
    ",
    // 2 → 3: this device's identity, the invites a therapist made, and the
    // devices paired through them. Keys, pairing secrets, labels, tokens and
    // cards live only inside `sealed`.
    "
    CREATE TABLE device_identity (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        device_id  TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        sealed     BLOB NOT NULL
    );
    CREATE TABLE invites (
        invite_id  BLOB PRIMARY KEY CHECK (length(invite_id) = 16),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at    INTEGER,
        sealed     BLOB NOT NULL
    );
    CREATE TABLE peers (
        device_id  TEXT PRIMARY KEY,
        invite_id  BLOB REFERENCES invites (invite_id),
        paired_at  INTEGER NOT NULL,
        last_seq   INTEGER NOT NULL DEFAULT 0,
        sealed     BLOB NOT NULL
    );
    ",
    // 3 → 4: sync. The account on the relay (sealed: relay URL, mailbox,
    // read token), the sender sequence, prepared envelopes kept with their
    // outbox entry so a retry re-sends the very same bytes, the fetch cursor,
    // quarantine, out-of-order sequence numbers, what a therapist received,
    // and the receipts a client got.
    "
    CREATE TABLE account (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        role       TEXT NOT NULL CHECK (role IN ('client', 'therapist')),
        created_at INTEGER NOT NULL,
        next_seq   INTEGER NOT NULL DEFAULT 1,
        cursor     INTEGER NOT NULL DEFAULT 0,
        sealed     BLOB NOT NULL
    );
    ALTER TABLE outbox ADD COLUMN envelope BLOB;
    ALTER TABLE outbox ADD COLUMN envelope_seq INTEGER;
    CREATE TABLE quarantine (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        server_seq  INTEGER NOT NULL,
        reason      TEXT NOT NULL,
        detail      TEXT NOT NULL,
        size        INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        envelope    BLOB NOT NULL
    );
    CREATE TABLE peer_seen (
        device_id TEXT NOT NULL,
        seq       INTEGER NOT NULL,
        PRIMARY KEY (device_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE received (
        sender       TEXT NOT NULL,
        record_id    BLOB NOT NULL,
        version      INTEGER NOT NULL,
        session_date TEXT,
        received_at  INTEGER NOT NULL,
        acked_at     INTEGER,
        receipt_seq  INTEGER,
        receipt_sent INTEGER NOT NULL DEFAULT 0,
        sealed       BLOB,
        PRIMARY KEY (sender, record_id)
    ) WITHOUT ROWID;
    -- Acknowledgements carried over by a recovery kit, matched to check-ins
    -- as the restored device re-fetches them.
    CREATE TABLE restored_acks (
        sender    TEXT NOT NULL,
        record_id BLOB NOT NULL,
        version   INTEGER NOT NULL,
        acked_at  INTEGER NOT NULL,
        PRIMARY KEY (sender, record_id)
    ) WITHOUT ROWID;
    ALTER TABLE checkins ADD COLUMN seen_at INTEGER;
    ALTER TABLE checkins ADD COLUMN seen_version INTEGER;
    ",
    // 4 → 5: insights, alerts and the client's rights.
    // - account: sharing paused; how the relationship ended (left, erasing,
    //   revoked by the therapist); the consent version accepted; the id of
    //   the post token a client gave its therapist (to revoke it on leaving).
    // - invites/peers: the id of each client's post token (to revoke it), and
    //   how and when a pairing ended.
    // - client_insights: the therapist's per-client summary (series, trend,
    //   alerts), sealed, recomputed only for clients a sync touched (`dirty`).
    //   Every existing client starts dirty so the first read computes it.
    // - alert_acks: acknowledged alerts, kept as history (sealed).
    // - sessions: sessions the therapist recorded, for `missing_checkin`.
    "
    ALTER TABLE account ADD COLUMN sharing_paused INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE account ADD COLUMN ended TEXT
        CHECK (ended IN ('erasing', 'revoked'));
    ALTER TABLE account ADD COLUMN ended_at INTEGER;
    ALTER TABLE account ADD COLUMN consent_version INTEGER;
    ALTER TABLE account ADD COLUMN peer_token_id TEXT;
    ALTER TABLE invites ADD COLUMN token_id TEXT;
    ALTER TABLE peers ADD COLUMN ended_at INTEGER;
    ALTER TABLE peers ADD COLUMN ended_reason TEXT
        CHECK (ended_reason IN ('left', 'erased', 'revoked'));
    ALTER TABLE peers ADD COLUMN token_revoked INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE client_insights (
        sender     TEXT PRIMARY KEY,
        dirty      INTEGER NOT NULL DEFAULT 1,
        updated_at INTEGER,
        sealed     BLOB
    ) WITHOUT ROWID;
    INSERT INTO client_insights (sender)
        SELECT device_id FROM peers WHERE EXISTS (SELECT 1 FROM account WHERE role = 'therapist');
    CREATE TABLE alert_acks (
        id       TEXT PRIMARY KEY,
        sender   TEXT NOT NULL,
        acked_at INTEGER NOT NULL,
        sealed   BLOB NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX alert_acks_by_sender ON alert_acks (sender);
    CREATE TABLE sessions (
        sender       TEXT NOT NULL,
        session_date TEXT NOT NULL,
        recorded_at  INTEGER NOT NULL,
        PRIMARY KEY (sender, session_date)
    ) WITHOUT ROWID;
    -- The dashboard's unseen counts and the receipts still to send, without
    -- reading every received row (and its ciphertext).
    CREATE INDEX received_unseen ON received (sender)
        WHERE acked_at IS NULL AND sealed IS NOT NULL;
    CREATE INDEX received_receipts_due ON received (sender)
        WHERE acked_at IS NOT NULL AND receipt_sent = 0;
    ",
    // 5 → 6: flags, replies and paused sharing (issue 14).
    // - flag_marks: flags the therapist marked discussed (the flag id is a
    //   hash; the mark says nothing but when). Every summary is recomputed,
    //   since summaries now carry flags instead of alerts.
    // - client_insights.history: a client's resolved flags, sealed apart
    //   from the summary so the dashboard decodes only what is open.
    // - replies: the therapist's one short reply per check-in. On the
    //   therapist's device: the reply written to a client's check-in, its
    //   version, the sequence number reserved for sending that version and
    //   whether it went out. On the client's device: the reply received.
    //   The text lives only inside `sealed`.
    // - peers.paused_at: the therapist's copy of a client's paused sharing,
    //   so no check-in is counted missing while the client holds them back;
    //   peers.sharing_seq: the sequence number of the pause or resume last
    //   applied, so a notice the relay delivers late changes nothing.
    // - account.sharing_notice: a client's pause or resume still to be told
    //   to the therapist (NULL when told), when it happened, and the
    //   sequence number reserved for it.
    "
    CREATE TABLE flag_marks (
        id        TEXT PRIMARY KEY,
        sender    TEXT NOT NULL,
        marked_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX flag_marks_by_sender ON flag_marks (sender);
    ALTER TABLE client_insights ADD COLUMN history BLOB;
    CREATE TABLE replies (
        sender     TEXT NOT NULL,
        record_id  BLOB NOT NULL CHECK (length(record_id) = 16),
        version    INTEGER NOT NULL CHECK (version >= 1),
        updated_at INTEGER NOT NULL,
        reply_seq  INTEGER,
        sent       INTEGER NOT NULL DEFAULT 0,
        sealed     BLOB NOT NULL,
        PRIMARY KEY (sender, record_id)
    ) WITHOUT ROWID;
    CREATE INDEX replies_due ON replies (sender) WHERE sent = 0;
    ALTER TABLE peers ADD COLUMN paused_at INTEGER;
    ALTER TABLE peers ADD COLUMN sharing_seq INTEGER;
    ALTER TABLE account ADD COLUMN sharing_notice TEXT
        CHECK (sharing_notice IN ('paused', 'resumed'));
    ALTER TABLE account ADD COLUMN sharing_notice_at INTEGER;
    ALTER TABLE account ADD COLUMN sharing_notice_seq INTEGER;
    UPDATE client_insights SET dirty = 1;
    ",
    // 6 → 7: sequence numbers per paired device, sealed (issue 16). The
    // cleartext ones (account.next_seq, peers.last_seq, peer_seen) are moved
    // in by `sequences::adopt_cleartext` when the store is unlocked, and
    // cleared; nothing reads them afterwards.
    "
    CREATE TABLE sequences (
        device_id TEXT PRIMARY KEY,
        sealed    BLOB NOT NULL   -- next number to send, what was accepted
    ) WITHOUT ROWID;
    -- The relay token an invite carried, kept with the pairing (and in the
    -- recovery kit) so revoking works on a restored device too.
    ALTER TABLE peers ADD COLUMN token_id TEXT;
    UPDATE peers SET token_id =
        (SELECT token_id FROM invites WHERE invites.invite_id = peers.invite_id);
    -- Therapist restored from a kit: the next sync looks for a checkpoint.
    ALTER TABLE account ADD COLUMN restoring INTEGER NOT NULL DEFAULT 0;
    -- The relay deleted this device's mailbox through this sequence number.
    ALTER TABLE account ADD COLUMN pruned_through INTEGER NOT NULL DEFAULT 0;
    -- Something only this device knows changed (a check-in read, a reply,
    -- a flag discussed, a session, an invite, a rule): a therapist posts a
    -- checkpoint on its next sync, so a restore loses none of it.
    ALTER TABLE account ADD COLUMN checkpoint_due INTEGER NOT NULL DEFAULT 0;
    CREATE TRIGGER checkpoint_due_alert_acks_insert AFTER INSERT ON alert_acks
        BEGIN UPDATE account SET checkpoint_due = 1; END;
    CREATE TRIGGER checkpoint_due_alert_acks_delete AFTER DELETE ON alert_acks
        BEGIN UPDATE account SET checkpoint_due = 1; END;
    CREATE TRIGGER checkpoint_due_flag_marks_insert AFTER INSERT ON flag_marks
        BEGIN UPDATE account SET checkpoint_due = 1; END;
    CREATE TRIGGER checkpoint_due_flag_marks_update AFTER UPDATE ON flag_marks
        BEGIN UPDATE account SET checkpoint_due = 1; END;
    CREATE TRIGGER checkpoint_due_flag_marks_delete AFTER DELETE ON flag_marks
        BEGIN UPDATE account SET checkpoint_due = 1; END;
    CREATE TRIGGER checkpoint_due_sessions_insert AFTER INSERT ON sessions
        BEGIN UPDATE account SET checkpoint_due = 1; END;
    CREATE TRIGGER checkpoint_due_sessions_update AFTER UPDATE ON sessions
        BEGIN UPDATE account SET checkpoint_due = 1; END;
    CREATE TRIGGER checkpoint_due_sessions_delete AFTER DELETE ON sessions
        BEGIN UPDATE account SET checkpoint_due = 1; END;
    CREATE TRIGGER checkpoint_due_replies_insert AFTER INSERT ON replies
        BEGIN UPDATE account SET checkpoint_due = 1; END;
    CREATE TRIGGER checkpoint_due_replies_update AFTER UPDATE ON replies
        BEGIN UPDATE account SET checkpoint_due = 1; END;
    CREATE TRIGGER checkpoint_due_replies_delete AFTER DELETE ON replies
        BEGIN UPDATE account SET checkpoint_due = 1; END;
    CREATE TRIGGER checkpoint_due_invites_insert AFTER INSERT ON invites
        BEGIN UPDATE account SET checkpoint_due = 1; END;
    CREATE TRIGGER checkpoint_due_invites_update AFTER UPDATE ON invites
        BEGIN UPDATE account SET checkpoint_due = 1; END;
    CREATE TRIGGER checkpoint_due_invites_delete AFTER DELETE ON invites
        BEGIN UPDATE account SET checkpoint_due = 1; END;
    CREATE TRIGGER checkpoint_due_meta_insert AFTER INSERT ON meta
        BEGIN UPDATE account SET checkpoint_due = 1; END;
    CREATE TRIGGER checkpoint_due_meta_update AFTER UPDATE ON meta
        BEGIN UPDATE account SET checkpoint_due = 1; END;
    CREATE TRIGGER checkpoint_due_received_ack AFTER UPDATE OF acked_at ON received
        BEGIN UPDATE account SET checkpoint_due = 1; END;
    -- Client: a join whose hello the relay has not acknowledged (the
    -- mailbox made for it, the sealed hello), sent again as it is by a
    -- retry (`store/joining.rs`).
    CREATE TABLE pending_join (
        id     INTEGER PRIMARY KEY CHECK (id = 1),
        sealed BLOB NOT NULL
    );
    ",
    // 7 → 8: the client's goals (issue 17).
    // - goals: on a client, its own goals (`sender` is ''); on a therapist,
    //   the goals each client shared (`sender` is the client's device), and
    //   what a client withdrew (`sealed` NULL), so no late copy comes back.
    //   The words, sharing, dates and earlier wordings live only inside
    //   `sealed`.
    // - outbox: rebuilt without its reference to `checkins`, since an entry
    //   may now be a goal, and with `goal` among its kinds. The sequence
    //   AUTOINCREMENT handed out last is carried over.
    // - client_insights.goals: a client's shared goals with their ratings,
    //   sealed apart from the summary (whose layout stays as it was). Every
    //   summary is recomputed, which fills it and adds the readiness flags.
    "
    CREATE TABLE goals (
        sender     TEXT NOT NULL,
        id         BLOB NOT NULL CHECK (length(id) = 16),
        version    INTEGER NOT NULL CHECK (version >= 1),
        updated_at INTEGER NOT NULL,
        sealed     BLOB,
        PRIMARY KEY (sender, id)
    ) WITHOUT ROWID;
    CREATE TABLE outbox_v8 (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        record_id       BLOB NOT NULL CHECK (length(record_id) = 16),
        record_version  INTEGER NOT NULL,
        kind            TEXT NOT NULL CHECK (kind IN ('checkin', 'tombstone', 'goal')),
        queued_at       INTEGER NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        last_attempt_at INTEGER,
        envelope        BLOB,
        envelope_seq    INTEGER
    );
    INSERT INTO outbox_v8 (seq, record_id, record_version, kind, queued_at, attempts,
                           last_attempt_at, envelope, envelope_seq)
        SELECT seq, record_id, record_version, kind, queued_at, attempts, last_attempt_at,
               envelope, envelope_seq
        FROM outbox;
    DELETE FROM sqlite_sequence WHERE name = 'outbox_v8';
    INSERT INTO sqlite_sequence (name, seq)
        SELECT 'outbox_v8', seq FROM sqlite_sequence WHERE name = 'outbox';
    DROP TABLE outbox;
    ALTER TABLE outbox_v8 RENAME TO outbox;
    ALTER TABLE client_insights ADD COLUMN goals BLOB;
    UPDATE client_insights SET dirty = 1;
    ",
    // 8 → 9: receipts, sharing notices and replies numbered and not yet
    // posted (issue 16). A receipt
    // takes its sequence number before it is posted, so a retry after a lost
    // answer is the same message; once taken, the number must reach the
    // client or it waits for it forever (a false gap). It used to live on
    // the `received` row, which a newer version of the check-in reset. Now
    // the numbered receipt is a row of its own until the relay takes it, and
    // `received.receipt_sent` means "numbered"; `receipt_seq` is unused.
    "
    CREATE TABLE receipts_due (
        sender    TEXT NOT NULL,
        seq       INTEGER NOT NULL,
        record_id BLOB NOT NULL,
        version   INTEGER NOT NULL,
        seen_at   INTEGER NOT NULL,
        PRIMARY KEY (sender, seq)
    ) WITHOUT ROWID;
    INSERT INTO receipts_due (sender, seq, record_id, version, seen_at)
        SELECT sender, receipt_seq, record_id, version, acked_at FROM received
        WHERE receipt_seq IS NOT NULL AND receipt_sent = 0 AND acked_at IS NOT NULL;
    UPDATE received SET receipt_seq = NULL, receipt_sent = 1
        WHERE receipt_seq IS NOT NULL AND receipt_sent = 0 AND acked_at IS NOT NULL;
    -- Client: a pause or resume notice numbered and not yet taken by the
    -- relay, when a newer decision replaced it in `account`: it still goes,
    -- under its number, before the newer one (which the therapist applies
    -- last, being numbered higher).
    CREATE TABLE notices_due (
        seq    INTEGER PRIMARY KEY,
        paused INTEGER NOT NULL,
        at     INTEGER NOT NULL
    );
    -- Therapist: a reply version numbered and not yet taken by the relay
    -- when it was rewritten, or when the client deleted the check-in it
    -- answers: it still goes under its number (the client keeps only the
    -- newest version, and no reply to a check-in it deleted).
    CREATE TABLE replaced_replies (
        sender    TEXT NOT NULL,
        seq       INTEGER NOT NULL,
        record_id BLOB NOT NULL,
        version   INTEGER NOT NULL,
        sealed    BLOB NOT NULL,
        PRIMARY KEY (sender, seq)
    ) WITHOUT ROWID;
    ",
    // 9 → 10: the dashboard's unseen counts from indexes alone (issue 21).
    // `received_unseen` named `sealed`, which it does not hold, so SQLite
    // looked up every unacknowledged row in the table (ciphertext and all:
    // most of a warm dashboard of 100,000 unread check-ins). Counted now
    // as the unacknowledged rows (a covering index) less the deletions
    // among them (few, and found through their own index).
    "
    DROP INDEX received_unseen;
    CREATE INDEX received_unacked ON received (sender, acked_at)
        WHERE acked_at IS NULL;
    CREATE INDEX received_tombstones ON received (sender)
        WHERE sealed IS NULL;
    ",
    // 10 → 11: summaries of format 3, whose flags keep their sentences in
    // no language (a phrase and its values) so each reader is told them in
    // their own. Every client is recomputed; the flags a format-2 summary
    // kept (withdrawn, resolved) are carried over with their English words
    // (`insights/packed.rs`).
    "
    UPDATE client_insights SET dirty = 1;
    ",
];

/// Opens (creating if needed) the database at `path`, refuses files that are
/// not Rapport's or are newer than this code, sets the connection up and
/// migrates it to `target_version`.
pub(crate) fn open(path: &Path, target_version: i64) -> Result<Connection, StoreError> {
    check_file_header(path)?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| classify(e, path))?;

    // Read-only checks first: a refused file must not be touched, and even
    // switching the journal mode writes to the header.
    let (app_id, version, objects) = conn
        .query_row(
            "SELECT (SELECT application_id FROM pragma_application_id),
                    (SELECT user_version FROM pragma_user_version),
                    (SELECT count(*) FROM sqlite_schema)",
            [],
            |row| {
                Ok((
                    row.get::<_, i32>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            },
        )
        .map_err(|e| classify(e, path))?;
    let fresh = app_id == 0 && version == 0 && objects == 0;
    if !fresh && app_id != APPLICATION_ID {
        return Err(not_ours(path));
    }
    if version > LATEST_VERSION {
        return Err(StoreError::NewerDatabase {
            found: version,
            supported: LATEST_VERSION,
        });
    }

    conn.execute_batch(CONNECTION_PRAGMAS)
        .map_err(|e| classify(e, path))?;

    migrate(conn, version, target_version, path)
}

fn migrate(
    mut conn: Connection,
    from: i64,
    to: i64,
    path: &Path,
) -> Result<Connection, StoreError> {
    if from >= to {
        return Ok(conn);
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| classify(e, path))?;
    for step in from..to {
        let sql = MIGRATIONS[step as usize];
        tx.execute_batch(sql).map_err(|e| classify(e, path))?;
    }
    tx.execute_batch(&format!(
        "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {to};"
    ))
    .map_err(|e| classify(e, path))?;
    tx.commit().map_err(|e| classify(e, path))?;
    Ok(conn)
}

/// A SQLite file starts with these 16 bytes; anything else is not a database
/// at all, and saying so beats SQLite's "file is not a database" later.
fn check_file_header(path: &Path) -> Result<(), StoreError> {
    use std::io::Read;
    let mut header = [0u8; 16];
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(StoreError::Io {
                path: path.display().to_string(),
                detail: e.to_string(),
            });
        }
    };
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(StoreError::Io {
                    path: path.display().to_string(),
                    detail: e.to_string(),
                });
            }
        }
    }
    match read {
        0 => Ok(()), // an empty file: SQLite treats it as a new database
        16 if &header == b"SQLite format 3\0" => Ok(()),
        _ => Err(not_ours(path)),
    }
}

fn not_ours(path: &Path) -> StoreError {
    StoreError::NotARapportDatabase {
        path: path.display().to_string(),
    }
}

/// Turns SQLite's view of a bad file into ours.
pub(crate) fn classify(e: rusqlite::Error, path: &Path) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => not_ours(path),
        _ => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unseen_counts_never_read_the_received_rows() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(&dir.path().join("t.db"), LATEST_VERSION).unwrap();
        let plan = |sql: &str| -> String {
            conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map([], |r| r.get::<_, String>(3))
                .unwrap()
                .map(Result::unwrap)
                .collect::<Vec<_>>()
                .join("; ")
        };
        let unacked = plan(super::super::inbox::UNACKED_COUNTS);
        assert!(
            unacked.contains("COVERING INDEX received_unacked"),
            "{unacked}"
        );
        let deletions = plan(super::super::inbox::UNACKED_DELETIONS);
        assert!(
            deletions.contains("INDEX received_tombstones"),
            "{deletions}"
        );
    }

    #[test]
    fn every_migration_applies_on_top_of_the_previous_ones() {
        let dir = tempfile::tempdir().unwrap();
        for target in 1..=LATEST_VERSION {
            let path = dir.path().join(format!("v{target}.db"));
            let conn = open(&path, target).unwrap();
            let version: i64 = conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .unwrap();
            assert_eq!(version, target);
            drop(conn);
            // And from there forward to the latest.
            let conn = open(&path, LATEST_VERSION).unwrap();
            let version: i64 = conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .unwrap();
            assert_eq!(version, LATEST_VERSION);
        }
    }

    #[test]
    fn the_outbox_rebuilt_at_version_8_keeps_its_entries_and_never_reuses_a_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v7.db");
        let conn = open(&path, 7).unwrap();
        conn.execute_batch(
            "INSERT INTO checkins (id, instrument_id, instrument_version, session_date, version,
                                   created_at, updated_at, sealed)
             VALUES (zeroblob(16), 'session-checkin', 1, '2026-11-23', 1, 0, 0, x'00');
             INSERT INTO outbox (record_id, record_version, kind, queued_at)
             VALUES (zeroblob(16), 1, 'checkin', 0), (zeroblob(16), 1, 'checkin', 0),
                    (zeroblob(16), 1, 'checkin', 0);
             DELETE FROM outbox WHERE seq > 1;",
        )
        .unwrap();
        drop(conn);
        let conn = open(&path, 8).unwrap();
        let kept: Vec<(i64, String)> = conn
            .prepare("SELECT seq, kind FROM outbox")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(kept, [(1, "checkin".to_owned())]);
        // Numbers 2 and 3 were handed out before: the next is 4.
        conn.execute(
            "INSERT INTO outbox (record_id, record_version, kind, queued_at)
             VALUES (randomblob(16), 1, 'goal', 0)",
            [],
        )
        .unwrap();
        assert_eq!(conn.last_insert_rowid(), 4);
        // An entry no longer needs a check-in behind it, but stays 16 bytes.
        assert!(
            conn.execute(
                "INSERT INTO outbox (record_id, record_version, kind, queued_at)
                 VALUES (x'00', 1, 'goal', 0)",
                [],
            )
            .is_err()
        );
    }
}
