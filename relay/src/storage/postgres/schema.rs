//! The relay's schema in PostgreSQL and its migrations.
//!
//! `relay_schema` holds one row: which program owns the schema and its
//! version. Migrations run forward in one transaction under an advisory
//! lock, so several relay processes started together against a new
//! database create the schema once; a database whose version is newer than
//! this code is refused before anything is written.
//!
//! Every write is a PL/pgSQL function that first locks the mailbox's row
//! (`FOR UPDATE`) and only then reads the token. Two things follow, with any
//! number of relay processes:
//! - writes to one mailbox are serialized, so sequence numbers are handed out
//!   one at a time from `mailboxes.last_seq` and only grow;
//! - the token is read after the lock is held (a volatile function takes a
//!   fresh snapshot per statement under READ COMMITTED), and a revocation
//!   holds the same lock, so a post cannot be stored after a revocation of
//!   its token was acknowledged.
//!
//! One function call is also one round trip and one implicit transaction:
//! the refusal checks, the quota and the write commit together. Posts are
//! stored in batches (`relay_append_batch`, see `appender`): a mailbox's row
//! stays locked until the commit's WAL flush, so one post per transaction
//! would cap a busy mailbox at one post per flush. A batch is checked
//! set-wise (one lock, one token read, one UPDATE and one INSERT per mailbox
//! in it), so the lock is held for little more than that flush.
//!
//! Rule for changing the schema: never edit a released migration; append one.

use tokio_postgres::Client;

use crate::error::RelayError;

/// Who owns a schema with a `relay_schema` table.
pub const APPLICATION: &str = "rapport-relay";

/// Schema version this code writes.
pub const LATEST_VERSION: i32 = MIGRATIONS.len() as i32;

/// Held while migrating, so concurrent starts migrate once ("RPRL").
const MIGRATION_LOCK: i64 = 0x5250_524C;

/// What a write function answers in its `refusal` column; 0 is success.
/// The numbers are written out in the SQL below too.
pub mod refusal {
    /// Done.
    pub const NONE: i16 = 0;
    /// No mailbox has that id.
    pub const NO_SUCH_MAILBOX: i16 = 1;
    /// The token does not grant that on that mailbox.
    pub const FORBIDDEN: i16 = 2;
    /// The post token was revoked.
    pub const TOKEN_REVOKED: i16 = 3;
    /// The quota would be exceeded.
    pub const MAILBOX_FULL: i16 = 4;
    /// No post token with that id.
    pub const NO_SUCH_POST_TOKEN: i16 = 5;
}

/// `MIGRATIONS[n]` upgrades a schema from version `n` to `n + 1`.
const MIGRATIONS: &[&str] = &[
    r#"
    -- A mailbox. `key` is the compact internal handle the other tables use;
    -- `id` is the public, random name. The counters keep quota checks O(1);
    -- `last_seq` survives pruning so sequence numbers are never reused.
    CREATE TABLE mailboxes (
        key           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id            text NOT NULL UNIQUE,
        last_seq      bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
        message_count bigint NOT NULL DEFAULT 0 CHECK (message_count >= 0),
        byte_count    bigint NOT NULL DEFAULT 0 CHECK (byte_count >= 0)
    );

    -- Capabilities, by the SHA-256 of the token: the tokens themselves are
    -- never stored. Revoked post tokens stay, so their holders learn why.
    CREATE TABLE tokens (
        hash     bytea PRIMARY KEY CHECK (length(hash) = 32),
        mailbox  bigint NOT NULL REFERENCES mailboxes (key) ON DELETE CASCADE,
        kind     text NOT NULL CHECK (kind IN ('read', 'post')),
        token_id text,
        revoked  boolean NOT NULL DEFAULT false,
        CHECK ((kind = 'post') = (token_id IS NOT NULL))
    );
    CREATE UNIQUE INDEX tokens_by_id ON tokens (mailbox, token_id) WHERE token_id IS NOT NULL;

    -- Messages: the mailbox, the sequence number, when it arrived, its size
    -- and the ciphertext. Nothing else. Ciphertext does not compress, so
    -- PostgreSQL is told not to try.
    CREATE TABLE messages (
        mailbox     bigint NOT NULL REFERENCES mailboxes (key) ON DELETE CASCADE,
        seq         bigint NOT NULL CHECK (seq > 0),
        received_at timestamptz NOT NULL,
        size        integer NOT NULL CHECK (size = length(body)),
        body        bytea NOT NULL,
        PRIMARY KEY (mailbox, seq)
    );
    ALTER TABLE messages ALTER COLUMN body SET STORAGE EXTERNAL;

    -- Locks the mailbox's row, then checks the token against it (refusal 0,
    -- 1 no such mailbox, 2 forbidden, 3 revoked).
    CREATE FUNCTION relay_authorize(
        p_mailbox text, p_token bytea, p_kind text,
        OUT refusal smallint, OUT mailbox_key bigint,
        OUT message_count bigint, OUT byte_count bigint
    ) LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
        t record;
    BEGIN
        SELECT m.key, m.message_count, m.byte_count
            INTO mailbox_key, message_count, byte_count
            FROM mailboxes m WHERE m.id = p_mailbox FOR UPDATE;
        IF NOT FOUND THEN
            refusal := 1;
            RETURN;
        END IF;
        -- A new snapshot: sees any revocation committed before the lock.
        SELECT tk.mailbox, tk.kind, tk.revoked INTO t FROM tokens tk WHERE tk.hash = p_token;
        IF NOT FOUND OR t.mailbox <> mailbox_key OR t.kind <> p_kind THEN
            refusal := 2;
        ELSIF t.revoked THEN
            refusal := 3;
        ELSE
            refusal := 0;
        END IF;
    END $$;

    -- Stores a message under the next sequence number (refusal 4: full).
    CREATE FUNCTION relay_append(
        p_mailbox text, p_token bytea, p_body bytea,
        p_max_messages bigint, p_max_bytes bigint,
        OUT refusal smallint, OUT seq bigint
    ) LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
        a record;
        body_size bigint := length(p_body);
    BEGIN
        SELECT * INTO a FROM relay_authorize(p_mailbox, p_token, 'post');
        IF a.refusal <> 0 THEN
            refusal := a.refusal;
            RETURN;
        END IF;
        IF a.message_count >= p_max_messages OR a.byte_count + body_size > p_max_bytes THEN
            refusal := 4;
            RETURN;
        END IF;
        UPDATE mailboxes m
            SET last_seq = m.last_seq + 1,
                message_count = m.message_count + 1,
                byte_count = m.byte_count + body_size
            WHERE m.key = a.mailbox_key
            RETURNING m.last_seq INTO seq;
        INSERT INTO messages (mailbox, seq, received_at, size, body)
            VALUES (a.mailbox_key, seq, clock_timestamp(), body_size, p_body);
        refusal := 0;
    END $$;

    -- Stores a batch of messages in one transaction (one WAL flush for all
    -- of them): `relay_append` for each, in the order given, each with its
    -- own refusal. Callers sort a batch by mailbox, so two batches lock
    -- mailboxes in the same order and cannot deadlock.
    CREATE FUNCTION relay_append_batch(
        p_mailboxes text[], p_tokens bytea[], p_bodies bytea[],
        p_max_messages bigint[], p_max_bytes bigint[]
    ) RETURNS TABLE (ord integer, refusal smallint, seq bigint)
    LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
        r record;
    BEGIN
        FOR i IN 1 .. coalesce(array_length(p_mailboxes, 1), 0) LOOP
            SELECT * INTO r FROM relay_append(
                p_mailboxes[i], p_tokens[i], p_bodies[i], p_max_messages[i], p_max_bytes[i]);
            ord := i;
            refusal := r.refusal;
            seq := r.seq;
            RETURN NEXT;
        END LOOP;
    END $$;

    -- Adds a post token, with the mailbox's read token.
    CREATE FUNCTION relay_add_post_token(
        p_mailbox text, p_read_token bytea, p_token_id text, p_post_token bytea,
        OUT refusal smallint
    ) LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
        a record;
    BEGIN
        SELECT * INTO a FROM relay_authorize(p_mailbox, p_read_token, 'read');
        refusal := a.refusal;
        IF refusal = 0 THEN
            INSERT INTO tokens (hash, mailbox, kind, token_id)
                VALUES (p_post_token, a.mailbox_key, 'post', p_token_id);
        END IF;
    END $$;

    -- Revokes a post token (refusal 5: no post token with that id).
    CREATE FUNCTION relay_revoke_post_token(
        p_mailbox text, p_read_token bytea, p_token_id text,
        OUT refusal smallint
    ) LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
        a record;
    BEGIN
        SELECT * INTO a FROM relay_authorize(p_mailbox, p_read_token, 'read');
        refusal := a.refusal;
        IF refusal = 0 THEN
            UPDATE tokens SET revoked = true
                WHERE mailbox = a.mailbox_key AND token_id = p_token_id AND kind = 'post';
            IF NOT FOUND THEN
                refusal := 5;
            END IF;
        END IF;
    END $$;

    -- Deletes messages up to `p_through`; `pruned` is how many.
    CREATE FUNCTION relay_prune(
        p_mailbox text, p_read_token bytea, p_through bigint,
        OUT refusal smallint, OUT pruned bigint
    ) LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
        a record;
        freed bigint;
    BEGIN
        pruned := 0;
        SELECT * INTO a FROM relay_authorize(p_mailbox, p_read_token, 'read');
        refusal := a.refusal;
        IF refusal <> 0 THEN
            RETURN;
        END IF;
        WITH gone AS (
            DELETE FROM messages WHERE mailbox = a.mailbox_key AND seq <= p_through
            RETURNING size
        )
        SELECT count(*), coalesce(sum(size), 0) INTO pruned, freed FROM gone;
        IF pruned > 0 THEN
            UPDATE mailboxes
                SET message_count = message_count - pruned, byte_count = byte_count - freed
                WHERE key = a.mailbox_key;
        END IF;
    END $$;
"#,
    r#"
    -- Stores a batch set-wise. Per mailbox in the batch (callers sort by
    -- mailbox): its row is locked and the batch's tokens for it read once,
    -- then each post is checked in order in memory (token, revocation,
    -- quota, exactly as relay_append does), and the accepted ones are
    -- written with one UPDATE and one INSERT. Version 1 ran relay_append,
    -- three statements, for every post while the mailbox stayed locked.
    CREATE OR REPLACE FUNCTION relay_append_batch(
        p_mailboxes text[], p_tokens bytea[], p_bodies bytea[],
        p_max_messages bigint[], p_max_bytes bigint[]
    ) RETURNS TABLE (ord integer, refusal smallint, seq bigint)
    LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
        n integer := coalesce(array_length(p_mailboxes, 1), 0);
        refusals smallint[] := array_fill(0::smallint, ARRAY[n]);
        seqs bigint[] := array_fill(NULL::bigint, ARRAY[n]);
        arrived timestamptz := clock_timestamp();
        lo integer := 1;
        hi integer;
        mb record;
        known_hashes bytea[];
        known_owners bigint[];
        known_kinds text[];
        known_revoked boolean[];
        t integer;
        body_size bigint;
        any_stored boolean;
    BEGIN
        WHILE lo <= n LOOP
            hi := lo;
            WHILE hi < n AND p_mailboxes[hi + 1] = p_mailboxes[lo] LOOP
                hi := hi + 1;
            END LOOP;
            SELECT m.key, m.last_seq, m.message_count, m.byte_count INTO mb
                FROM mailboxes m WHERE m.id = p_mailboxes[lo] FOR UPDATE;
            IF NOT FOUND THEN
                FOR i IN lo .. hi LOOP
                    refusals[i] := 1;
                END LOOP;
            ELSE
                -- A new snapshot: sees any revocation committed before the lock.
                SELECT array_agg(tk.hash), array_agg(tk.mailbox),
                       array_agg(tk.kind), array_agg(tk.revoked)
                    INTO known_hashes, known_owners, known_kinds, known_revoked
                    FROM tokens tk WHERE tk.hash = ANY (p_tokens[lo:hi]);
                any_stored := false;
                FOR i IN lo .. hi LOOP
                    t := array_position(known_hashes, p_tokens[i]);
                    body_size := length(p_bodies[i]);
                    IF t IS NULL OR known_owners[t] <> mb.key OR known_kinds[t] <> 'post' THEN
                        refusals[i] := 2;
                    ELSIF known_revoked[t] THEN
                        refusals[i] := 3;
                    ELSIF mb.message_count >= p_max_messages[i]
                          OR mb.byte_count + body_size > p_max_bytes[i] THEN
                        refusals[i] := 4;
                    ELSE
                        mb.last_seq := mb.last_seq + 1;
                        mb.message_count := mb.message_count + 1;
                        mb.byte_count := mb.byte_count + body_size;
                        seqs[i] := mb.last_seq;
                        any_stored := true;
                    END IF;
                END LOOP;
                IF any_stored THEN
                    UPDATE mailboxes m
                        SET last_seq = mb.last_seq,
                            message_count = mb.message_count,
                            byte_count = mb.byte_count
                        WHERE m.key = mb.key;
                    INSERT INTO messages (mailbox, seq, received_at, size, body)
                        SELECT mb.key, u.s, arrived, length(u.b), u.b
                        FROM unnest(seqs[lo:hi], p_bodies[lo:hi]) AS u (s, b)
                        WHERE u.s IS NOT NULL;
                END IF;
            END IF;
            lo := hi + 1;
        END LOOP;
        RETURN QUERY
            SELECT g.i, refusals[g.i], seqs[g.i] FROM generate_series(1, n) AS g (i);
    END $$;
"#,
];

/// Brings the schema in the connection's current schema (`search_path`) up
/// to date, or refuses: a schema of another program, or one written by a
/// newer relay. `database` names it in errors.
pub async fn migrate(client: &mut Client, database: &str) -> Result<(), RelayError> {
    let fail = |e: tokio_postgres::Error| RelayError::Postgres {
        database: database.to_owned(),
        detail: super::describe(&e),
    };
    let refuse = |reason: &str| RelayError::NotARelayPostgresDatabase {
        database: database.to_owned(),
        reason: reason.to_owned(),
    };
    let tx = client.transaction().await.map_err(fail)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(fail)?;
    let marked: bool = tx
        .query_one(
            "SELECT to_regclass(quote_ident(current_schema()) || '.relay_schema') IS NOT NULL",
            &[],
        )
        .await
        .map_err(fail)?
        .get(0);
    let version = if marked {
        let row = tx
            .query_opt("SELECT application, version FROM relay_schema", &[])
            .await
            .map_err(|_| refuse("its table relay_schema belongs to another program"))?
            .ok_or_else(|| refuse("its table relay_schema is empty"))?;
        let application: String = row
            .try_get(0)
            .map_err(|_| refuse("its table relay_schema belongs to another program"))?;
        if application != APPLICATION {
            return Err(refuse(&format!("its schema belongs to {application:?}")));
        }
        row.try_get::<_, i32>(1)
            .map_err(|_| refuse("its table relay_schema belongs to another program"))?
    } else {
        let tables: i64 = tx
            .query_one(
                "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()",
                &[],
            )
            .await
            .map_err(fail)?
            .get(0);
        if tables > 0 {
            return Err(refuse("its schema already holds tables of another program"));
        }
        tx.batch_execute(
            "CREATE TABLE relay_schema (
                 one         boolean PRIMARY KEY DEFAULT true CHECK (one),
                 application text NOT NULL,
                 version     integer NOT NULL
             )",
        )
        .await
        .map_err(fail)?;
        tx.execute(
            "INSERT INTO relay_schema (application, version) VALUES ($1, 0)",
            &[&APPLICATION],
        )
        .await
        .map_err(fail)?;
        0
    };
    if version > LATEST_VERSION {
        return Err(RelayError::NewerPostgresSchema {
            database: database.to_owned(),
            found: version,
            supported: LATEST_VERSION,
        });
    }
    for migration in MIGRATIONS
        .iter()
        .skip(usize::try_from(version).unwrap_or(0))
    {
        tx.batch_execute(migration).await.map_err(fail)?;
    }
    tx.execute("UPDATE relay_schema SET version = $1", &[&LATEST_VERSION])
        .await
        .map_err(fail)?;
    tx.commit().await.map_err(fail)
}
