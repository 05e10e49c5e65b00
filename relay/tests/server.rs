//! The relay as a running server: what survives a restart, what reaches the
//! disk, and what happens under concurrent load.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::http::StatusCode;
use common::{Api, OverTcp, config};
use rapport_relay::{Limits, RelayError, spawn};

#[tokio::test]
async fn sequence_numbers_continue_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("relay.db");

    let relay = spawn(config(&db, Limits::default())).await.unwrap();
    let api = OverTcp::new(relay.addr);
    let mailbox = api.create_mailbox().await;
    let poster = api.mint(&mailbox).await;
    assert_eq!(api.post_ok(&mailbox, &poster.token, b"one").await, 1);
    assert_eq!(api.post_ok(&mailbox, &poster.token, b"two").await, 2);
    // Pruning everything must not let numbers restart either.
    let pruned = api
        .send(
            common::Call::new(
                axum::http::Method::DELETE,
                format!("/v1/mailboxes/{}/messages?through=2", mailbox.id),
            )
            .bearer(&mailbox.read_token),
        )
        .await;
    assert_eq!(pruned.json()["pruned"], 2);
    relay.shutdown().await.unwrap();

    let relay = spawn(config(&db, Limits::default())).await.unwrap();
    let api = OverTcp::new(relay.addr);
    assert_eq!(api.post_ok(&mailbox, &poster.token, b"three").await, 3);
    let (messages, _) = api.fetch_ok(&mailbox, "after=0").await;
    assert_eq!(messages, vec![(3, b"three".to_vec())]);
    relay.shutdown().await.unwrap();
}

#[tokio::test]
async fn no_token_ever_reaches_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("relay.db");
    let relay = spawn(config(&db, Limits::default())).await.unwrap();
    let api = OverTcp::new(relay.addr);
    let mut secrets = Vec::new();
    for _ in 0..3 {
        let mailbox = api.create_mailbox().await;
        let poster = api.mint(&mailbox).await;
        api.post_ok(&mailbox, &poster.token, b"ciphertext").await;
        secrets.push(mailbox.read_token.clone());
        secrets.push(poster.token.clone());
    }

    // While running (data still in the WAL) and after shutdown (checkpointed).
    let scan = |when: &str| {
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            for secret in &secrets {
                let raw = base64::Engine::decode(
                    &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                    secret,
                )
                .unwrap();
                assert!(
                    !contains(&bytes, secret.as_bytes()) && !contains(&bytes, &raw),
                    "a token is in {} {when}",
                    path.display()
                );
            }
        }
    };
    scan("while running");
    relay.shutdown().await.unwrap();
    scan("after shutdown");
    assert!(contains(&std::fs::read(&db).unwrap(), b"ciphertext"));
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_posts_all_get_distinct_sequence_numbers_and_are_all_fetchable() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        rate_per_second: 1e6,
        burst: 1_000_000,
        ..Limits::default()
    };
    let relay = spawn(config(&dir.path().join("relay.db"), limits))
        .await
        .unwrap();
    let api = Arc::new(OverTcp::new(relay.addr));
    let mailbox = api.create_mailbox().await;
    let posters = [api.mint(&mailbox).await, api.mint(&mailbox).await];

    let (tasks, per_task) = (32, 25);
    let mut handles = Vec::new();
    for t in 0..tasks {
        let api = Arc::clone(&api);
        let mailbox = mailbox.clone();
        let token = posters[t % 2].token.clone();
        handles.push(tokio::spawn(async move {
            let mut seqs = Vec::new();
            for i in 0..per_task {
                let body = format!("task {t} message {i}");
                seqs.push((api.post_ok(&mailbox, &token, body.as_bytes()).await, body));
            }
            seqs
        }));
    }
    let mut posted = Vec::new();
    for handle in handles {
        posted.extend(handle.await.unwrap());
    }
    let total = tasks * per_task;
    let seqs: BTreeSet<u64> = posted.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs.len(), total, "a sequence number was given twice");
    assert_eq!(seqs, (1..=total as u64).collect());

    let mut fetched = Vec::new();
    let mut after = 0;
    loop {
        let (page, more) = api
            .fetch_ok(&mailbox, &format!("after={after}&limit=500"))
            .await;
        after = page.last().map_or(after, |m| m.0);
        fetched.extend(page);
        if !more {
            break;
        }
    }
    let mut expected: Vec<(u64, Vec<u8>)> = posted
        .into_iter()
        .map(|(seq, body)| (seq, body.into_bytes()))
        .collect();
    expected.sort();
    assert_eq!(fetched, expected);
    relay.shutdown().await.unwrap();
}

#[tokio::test]
async fn posts_in_flight_at_shutdown_are_answered_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("relay.db");
    let limits = Limits {
        rate_per_second: 1e6,
        burst: 1_000_000,
        ..Limits::default()
    };
    let relay = spawn(config(&db, limits.clone())).await.unwrap();
    let api = Arc::new(OverTcp::new(relay.addr));
    let mailbox = api.create_mailbox().await;
    let poster = api.mint(&mailbox).await;
    let mut handles = Vec::new();
    for i in 0..50u32 {
        let (api, mailbox, token) = (Arc::clone(&api), mailbox.clone(), poster.token.clone());
        handles.push(tokio::spawn(async move {
            let call = common::Call::new(
                axum::http::Method::POST,
                format!("/v1/mailboxes/{}/messages", mailbox.id),
            )
            .bearer(&token)
            .body(i.to_be_bytes());
            api.try_send(call).await.map(|answer| answer.status)
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    relay.shutdown().await.unwrap();
    // Every post either was acknowledged (and must be kept) or never got in.
    let mut acknowledged = 0;
    for handle in handles {
        if handle.await.unwrap() == Ok(StatusCode::CREATED) {
            acknowledged += 1;
        }
    }
    assert!(
        acknowledged > 0,
        "the test shut down before any post landed"
    );
    let relay = spawn(config(&db, limits)).await.unwrap();
    let api = OverTcp::new(relay.addr);
    let (messages, _) = api.fetch_ok(&mailbox, "after=0&limit=500").await;
    assert_eq!(messages.len(), acknowledged);
    relay.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_database_of_another_program_is_refused_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("not-relay.db");
    std::fs::write(&db, b"just some notes, not a database").unwrap();
    let error = spawn(config(&db, Limits::default())).await.unwrap_err();
    assert!(
        matches!(error, RelayError::NotARelayDatabase { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("--db"), "{error}");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        b"just some notes, not a database"
    );
}

#[tokio::test]
async fn a_busy_port_is_reported_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    let first = spawn(config(&dir.path().join("a.db"), Limits::default()))
        .await
        .unwrap();
    let mut taken = config(&dir.path().join("b.db"), Limits::default());
    taken.listen = first.addr;
    let error = spawn(taken).await.unwrap_err();
    assert!(matches!(error, RelayError::Bind { .. }), "{error}");
    assert!(error.to_string().contains("--listen"), "{error}");
    first.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_posts_committed_alongside_good_ones_do_not_disturb_them() {
    let dir = tempfile::tempdir().unwrap();
    // The 100 refused posts are failures of this one peer; with the default
    // failure burst of 100, whichever good post came after the last of them
    // would wait (a race the CI lost once). Batching is what this tests.
    let limits = Limits {
        rate_per_second: 1e6,
        burst: 1_000_000,
        failures_per_second: 1e6,
        failure_burst: 1_000_000,
        ..Limits::default()
    };
    let relay = spawn(config(&dir.path().join("relay.db"), limits))
        .await
        .unwrap();
    let api = Arc::new(OverTcp::new(relay.addr));
    let mailbox = api.create_mailbox().await;
    let good = api.mint(&mailbox).await;
    let revoked = api.mint(&mailbox).await;
    let revoke = api
        .send(
            common::Call::new(
                axum::http::Method::DELETE,
                format!("/v1/mailboxes/{}/post-tokens/{}", mailbox.id, revoked.id),
            )
            .bearer(&mailbox.read_token),
        )
        .await;
    assert_eq!(revoke.status, StatusCode::NO_CONTENT);

    // Interleaved, so the writer batches refusals with successes.
    let mut handles = Vec::new();
    for i in 0..200u32 {
        let api = Arc::clone(&api);
        let mailbox = mailbox.clone();
        let token = if i % 2 == 0 {
            good.token.clone()
        } else {
            revoked.token.clone()
        };
        handles.push(tokio::spawn(async move {
            let answer = api.post(&mailbox, &token, &i.to_be_bytes()).await;
            (i, answer.status, answer.json())
        }));
    }
    let mut seqs = BTreeSet::new();
    for handle in handles {
        let (i, status, json) = handle.await.unwrap();
        if i % 2 == 0 {
            assert_eq!(status, StatusCode::CREATED, "{json}");
            seqs.insert(json["seq"].as_u64().unwrap());
        } else {
            assert_eq!(status, StatusCode::FORBIDDEN, "{json}");
            assert_eq!(json["error"], "token_revoked");
        }
    }
    assert_eq!(seqs, (1..=100).collect());
    relay.shutdown().await.unwrap();
}

#[tokio::test]
async fn limits_that_let_nothing_through_are_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        burst: 0,
        ..Limits::default()
    };
    let error = spawn(config(&dir.path().join("relay.db"), limits))
        .await
        .unwrap_err();
    assert!(matches!(error, RelayError::InvalidLimits { .. }), "{error}");
}

/// Made-up tokens each get a fresh token bucket, so the peer pays for
/// failures: once its failure budget is spent, every request from it waits,
/// whatever token it shows; and mailbox creation, which needs no token, has
/// its own budget per peer.
#[tokio::test]
async fn made_up_tokens_and_mailbox_creation_are_limited_per_peer() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        failure_burst: 5,
        failures_per_second: 0.01,
        mailbox_burst: 3,
        mailboxes_per_hour: 1.0,
        ..Limits::default()
    };
    let relay = spawn(config(&dir.path().join("relay.db"), limits))
        .await
        .unwrap();
    let api = OverTcp::new(relay.addr);
    let mailbox = api.create_mailbox().await;
    let poster = api.mint(&mailbox).await;
    // Five made-up tokens, each new to the relay: each refused, each charged.
    for n in 0..5 {
        let made_up = format!("{n}{}", "A".repeat(42));
        let answer = api
            .send(
                common::Call::new(
                    axum::http::Method::POST,
                    format!("/v1/mailboxes/{}/messages", mailbox.id),
                )
                .bearer(&made_up)
                .body(b"x".to_vec()),
            )
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{n}");
    }
    // The budget is spent: even the real post token waits now, and the
    // answer says it is this address, not the token, that is too busy.
    let answer = api.post(&mailbox, &poster.token, b"real").await;
    answer.assert_error_saying(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "failed requests from this address",
    );
    assert!(answer.headers.contains_key("retry-after"));
    relay.shutdown().await.unwrap();

    let relay = spawn(config(&dir.path().join("relay2.db"), limits_for_creation()))
        .await
        .unwrap();
    let api = OverTcp::new(relay.addr);
    for _ in 0..3 {
        api.create_mailbox().await;
    }
    let answer = api
        .send(common::Call::new(axum::http::Method::POST, "/v1/mailboxes"))
        .await;
    answer.assert_error_saying(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "new mailboxes from this address",
    );
    relay.shutdown().await.unwrap();
}

fn limits_for_creation() -> Limits {
    Limits {
        mailbox_burst: 3,
        mailboxes_per_hour: 1.0,
        ..Limits::default()
    }
}
