//! What only the PostgreSQL backend has to get right: its schema's
//! migrations and refusals, starting several processes at once, durable
//! settings, and keeping tokens out of the database. Skipped (saying so)
//! without a server, except under CI=true; tests/pg.sh provides one.

mod common;

use std::sync::Arc;

use common::{Api, Backend, InProcess};
use rapport_relay::{Limits, PostgresStorage, RelayError};

async fn client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

/// A relay over a new PostgreSQL database (its URL), with a mailbox and a
/// post token; `None` without a server (see `Backend::postgres`).
async fn relay_with_a_poster() -> Option<(String, InProcess, common::Mailbox, common::PostToken)> {
    let backend = Backend::postgres().await?;
    let url = backend.postgres_url().unwrap().to_owned();
    let relay = InProcess::on(backend, Limits::default()).await;
    let mailbox = relay.create_mailbox().await;
    let poster = relay.mint(&mailbox).await;
    Some((url, relay, mailbox, poster))
}

#[tokio::test]
async fn several_processes_starting_together_on_a_new_database_all_start() {
    let Some(backend) = Backend::postgres().await else {
        return;
    };
    let url = backend.postgres_url().unwrap().to_owned();
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { PostgresStorage::connect(&url, 2).await })
        })
        .collect();
    for start in starts {
        start.await.unwrap().unwrap();
    }
    let version: i32 = client(&url)
        .await
        .query_one("SELECT version FROM relay_schema", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(version, rapport_relay::POSTGRES_SCHEMA_VERSION);
}

#[tokio::test]
async fn a_schema_from_a_newer_relay_is_refused() {
    let Some(backend) = Backend::postgres().await else {
        return;
    };
    let url = backend.postgres_url().unwrap();
    drop(PostgresStorage::connect(url, 1).await.unwrap());
    client(url)
        .await
        .execute("UPDATE relay_schema SET version = version + 1", &[])
        .await
        .unwrap();
    let error = PostgresStorage::connect(url, 1).await.unwrap_err();
    assert!(
        matches!(
            error,
            RelayError::NewerPostgresSchema { found, supported, .. } if found == supported + 1
        ),
        "{error}"
    );
    assert!(error.to_string().contains("upgrade"), "{error}");
}

/// A database at schema version 1 (batches appended post by post) is
/// upgraded in place by the next start: the batch function is replaced and
/// the numbering, messages and tokens carry on.
#[tokio::test]
async fn a_version_1_schema_is_upgraded_in_place() {
    let Some((url, relay, mailbox, poster)) = relay_with_a_poster().await else {
        return;
    };
    assert_eq!(relay.post_ok(&mailbox, &poster.token, b"one").await, 1);
    assert_eq!(relay.post_ok(&mailbox, &poster.token, b"two").await, 2);
    // Back to version 1, with a batch function that is not version 2's.
    let owner = client(&url).await;
    owner
        .batch_execute(
            "UPDATE relay_schema SET version = 1;
             CREATE OR REPLACE FUNCTION relay_append_batch(
                 p_mailboxes text[], p_tokens bytea[], p_bodies bytea[],
                 p_max_messages bigint[], p_max_bytes bigint[]
             ) RETURNS TABLE (ord integer, refusal smallint, seq bigint)
             LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'version 1'; END $$;",
        )
        .await
        .unwrap();

    let relay = InProcess::on(relay.backend, Limits::default()).await;
    let version: i32 = owner
        .query_one("SELECT version FROM relay_schema", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(version, rapport_relay::POSTGRES_SCHEMA_VERSION);
    let source: String = owner
        .query_one(
            "SELECT prosrc FROM pg_proc WHERE proname = 'relay_append_batch'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(!source.contains("version 1"), "not replaced: {source}");
    assert_eq!(relay.post_ok(&mailbox, &poster.token, b"three").await, 3);
    let (fetched, more) = relay.fetch_ok(&mailbox, "after=0").await;
    assert!(!more);
    assert_eq!(
        fetched,
        [
            (1, b"one".to_vec()),
            (2, b"two".to_vec()),
            (3, b"three".to_vec())
        ]
    );
}

#[tokio::test]
async fn a_database_of_another_program_is_refused_and_left_alone() {
    let Some(backend) = Backend::postgres().await else {
        return;
    };
    let url = backend.postgres_url().unwrap();
    let other = client(url).await;
    other
        .batch_execute("CREATE TABLE patients (name text); INSERT INTO patients VALUES ('x')")
        .await
        .unwrap();
    let error = PostgresStorage::connect(url, 1).await.unwrap_err();
    assert!(
        matches!(error, RelayError::NotARelayPostgresDatabase { .. }),
        "{error}"
    );
    let tables: i64 = other
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 1, "the relay created tables in a foreign database");
}

#[tokio::test]
async fn a_server_that_would_not_keep_commits_is_refused() {
    let Some(backend) = Backend::postgres().await else {
        return;
    };
    let url = format!(
        "{} options='-c synchronous_commit=off'",
        backend.postgres_url().unwrap()
    );
    let error = PostgresStorage::connect(&url, 1).await.unwrap_err();
    assert!(
        matches!(&error, RelayError::NotDurable { setting, .. } if setting == "synchronous_commit"),
        "{error}"
    );
}

#[tokio::test]
async fn a_bad_url_or_an_unreachable_server_is_a_clear_error_without_the_password() {
    let error = PostgresStorage::connect("postgres://relay:hunter2@127.0.0.1:notaport/x", 1)
        .await
        .unwrap_err();
    assert!(
        matches!(error, RelayError::InvalidDatabaseUrl { .. }),
        "{error}"
    );
    // Nothing listens on port 1.
    let error = PostgresStorage::connect("postgres://relay:hunter2@127.0.0.1:1/rapport", 1)
        .await
        .unwrap_err();
    assert!(matches!(error, RelayError::Postgres { .. }), "{error}");
    assert!(error.to_string().contains("127.0.0.1:1/rapport"), "{error}");
    assert!(error.to_string().contains("refused"), "says why: {error}");
    assert!(!error.to_string().contains("hunter2"), "{error}");
}

#[tokio::test]
async fn no_token_is_stored_in_the_database() {
    let Some(backend) = Backend::postgres().await else {
        return;
    };
    let url = backend.postgres_url().unwrap().to_owned();
    let relay = InProcess::on(backend, Limits::default()).await;
    let mut secrets = Vec::new();
    for _ in 0..3 {
        let mailbox = relay.create_mailbox().await;
        let poster = relay.mint(&mailbox).await;
        relay.post_ok(&mailbox, &poster.token, b"ciphertext").await;
        secrets.push(mailbox.read_token);
        secrets.push(poster.token);
    }
    // Every row of every table, as text (bytea as hex).
    let dump: String = client(&url)
        .await
        .query_one(
            "SELECT string_agg(t::text, ' ') FROM (
                 SELECT row_to_json(m)::text AS t FROM mailboxes m
                 UNION ALL SELECT row_to_json(k)::text FROM tokens k
                 UNION ALL SELECT row_to_json(x)::text FROM messages x) rows",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(
        dump.contains(&hex(b"ciphertext")),
        "the dump is not readable"
    );
    for secret in secrets {
        use base64::Engine as _;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&secret)
            .unwrap();
        assert!(!dump.contains(&secret), "a token is in the database");
        assert!(!dump.contains(&hex(&raw)), "a token is in the database");
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Two relays (as two processes would) over one database, posting to the
/// same mailbox through HTTP: every number once, in order, from either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_relays_over_one_database_share_the_numbering() {
    let Some(backend) = Backend::postgres().await else {
        return;
    };
    let limits = Limits {
        rate_per_second: 1e6,
        burst: 1_000_000,
        ..Limits::default()
    };
    let mut relays = Vec::new();
    for _ in 0..2 {
        let storage = backend.open().await;
        let relay = rapport_relay::spawn_with(
            storage,
            "127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap(),
            limits.clone(),
        )
        .await
        .unwrap();
        relays.push(relay);
    }
    let apis: Vec<_> = relays
        .iter()
        .map(|r| Arc::new(common::OverTcp::new(r.addr)))
        .collect();
    let mailbox = apis[0].create_mailbox().await;
    let poster = apis[1].mint(&mailbox).await;
    let mut handles = Vec::new();
    for t in 0..16 {
        let (api, mailbox, token) = (
            Arc::clone(&apis[t % 2]),
            mailbox.clone(),
            poster.token.clone(),
        );
        handles.push(tokio::spawn(async move {
            let mut seqs = Vec::new();
            for i in 0..20 {
                seqs.push(
                    api.post_ok(&mailbox, &token, format!("{t}/{i}").as_bytes())
                        .await,
                );
            }
            seqs
        }));
    }
    let mut seqs = Vec::new();
    for handle in handles {
        seqs.extend(handle.await.unwrap());
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=320).collect::<Vec<u64>>());
    let (fetched, more) = apis[1].fetch_ok(&mailbox, "after=0&limit=500").await;
    assert!(!more);
    assert_eq!(fetched.iter().map(|m| m.0).collect::<Vec<_>>(), seqs);
    for relay in relays {
        relay.shutdown().await.unwrap();
    }
}

/// The race the row lock is for, made certain: a revocation commits while
/// a post waits for the mailbox; the post must then see it and be refused.
/// (The revocation is done by hand here, the way `relay_revoke_post_token`
/// does it: lock the mailbox's row, revoke, commit.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_waiting_for_its_mailbox_sees_a_revocation_committed_meanwhile() {
    let Some((url, relay, mailbox, poster)) = relay_with_a_poster().await else {
        return;
    };
    relay.post_ok(&mailbox, &poster.token, b"before").await;

    let mut owner = client(&url).await;
    let revocation = owner.transaction().await.unwrap();
    revocation
        .execute(
            "SELECT 1 FROM mailboxes WHERE id = $1 FOR UPDATE",
            &[&mailbox.id],
        )
        .await
        .unwrap();
    let waiting = tokio::spawn({
        let router = relay.router.clone();
        let (id, token) = (mailbox.id.clone(), poster.token.clone());
        async move {
            let relay = InProcess {
                router,
                backend: Backend::sqlite(),
            };
            let mailbox = common::Mailbox {
                id,
                read_token: String::new(),
            };
            relay.post(&mailbox, &token, b"raced").await
        }
    });
    // Until the post is blocked on the mailbox's row.
    let watcher = client(&url).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let waiting_locks: i64 = watcher
            .query_one("SELECT count(*) FROM pg_locks WHERE NOT granted", &[])
            .await
            .unwrap()
            .get(0);
        if waiting_locks > 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the post never waited"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    revocation
        .execute(
            "UPDATE tokens SET revoked = true WHERE token_id = $1",
            &[&poster.id],
        )
        .await
        .unwrap();
    revocation.commit().await.unwrap();

    let answer = waiting.await.unwrap();
    answer.assert_error(axum::http::StatusCode::FORBIDDEN, "token_revoked");
    let (messages, _) = relay.fetch_ok(&mailbox, "after=0").await;
    assert_eq!(messages, vec![(1, b"before".to_vec())]);
}
