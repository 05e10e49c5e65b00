//! What a therapist's and a client's devices see using a mailbox: posting,
//! fetching, pruning, revoking, and who may do what.

#[macro_use]
mod common;

use axum::http::{Method, StatusCode, header};
use common::{Api, Backend, Call, InProcess};
use rapport_relay::Limits;

async fn health_says_ok(backend: Backend) {
    let relay = InProcess::on(backend, Limits::default()).await;
    let answer = relay.send(Call::new(Method::GET, "/v1/health")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json(), serde_json::json!({"status": "ok"}));
}

async fn posted_messages_are_fetched_in_order_and_pruned_on_request(backend: Backend) {
    let relay = InProcess::on(backend, Limits::default()).await;
    let mailbox = relay.create_mailbox().await;
    let poster = relay.mint(&mailbox).await;
    let bodies: [&[u8]; 3] = [b"first envelope", &[0, 1, 2, 255, 254], &[7; 1000]];
    for (i, body) in bodies.iter().enumerate() {
        assert_eq!(
            relay.post_ok(&mailbox, &poster.token, body).await,
            i as u64 + 1
        );
    }

    let (all, more) = relay.fetch_ok(&mailbox, "after=0").await;
    assert!(!more);
    assert_eq!(
        all,
        vec![
            (1, bodies[0].to_vec()),
            (2, bodies[1].to_vec()),
            (3, bodies[2].to_vec())
        ]
    );
    let (rest, _) = relay.fetch_ok(&mailbox, "after=2").await;
    assert_eq!(rest, vec![(3, bodies[2].to_vec())]);

    let pruned = relay
        .send(
            Call::new(
                Method::DELETE,
                format!("/v1/mailboxes/{}/messages?through=2", mailbox.id),
            )
            .bearer(&mailbox.read_token),
        )
        .await;
    assert_eq!(pruned.status, StatusCode::OK);
    assert_eq!(pruned.json(), serde_json::json!({"pruned": 2}));
    let (left, _) = relay.fetch_ok(&mailbox, "after=0").await;
    assert_eq!(left, vec![(3, bodies[2].to_vec())]);

    // Pruning never frees a sequence number for reuse.
    assert_eq!(relay.post_ok(&mailbox, &poster.token, b"fourth").await, 4);
}

async fn a_fetched_message_says_when_it_arrived_in_rfc3339_utc(backend: Backend) {
    let relay = InProcess::on(backend, Limits::default()).await;
    let mailbox = relay.create_mailbox().await;
    let poster = relay.mint(&mailbox).await;
    relay.post_ok(&mailbox, &poster.token, b"x").await;
    let json = relay
        .fetch(&mailbox, &mailbox.read_token, "after=0")
        .await
        .json();
    let received_at = json["messages"][0]["received_at"].as_str().unwrap();
    let parsed = chrono::DateTime::parse_from_rfc3339(received_at).unwrap();
    let age = chrono::Utc::now().signed_duration_since(parsed);
    assert!(age.num_seconds().abs() < 60, "{received_at}");
    assert!(received_at.ends_with('Z'), "{received_at}");
}

async fn a_fetch_returns_at_most_limit_and_says_more_are_waiting(backend: Backend) {
    let relay = InProcess::on(backend, Limits::default()).await;
    let mailbox = relay.create_mailbox().await;
    let poster = relay.mint(&mailbox).await;
    for i in 0..5u8 {
        relay.post_ok(&mailbox, &poster.token, &[i]).await;
    }
    let (page, more) = relay.fetch_ok(&mailbox, "after=0&limit=2").await;
    assert_eq!(page.iter().map(|m| m.0).collect::<Vec<_>>(), [1, 2]);
    assert!(more);
    let (page, more) = relay.fetch_ok(&mailbox, "after=2&limit=3").await;
    assert_eq!(page.iter().map(|m| m.0).collect::<Vec<_>>(), [3, 4, 5]);
    assert!(!more);
    // With no query at all: everything after 0, default limit.
    let (page, _) = relay.fetch_ok(&mailbox, "").await;
    assert_eq!(page.len(), 5);
}

async fn a_fetch_never_returns_more_than_the_relays_maximum(backend: Backend) {
    let relay = InProcess::on(
        backend,
        Limits {
            max_fetch_limit: 3,
            ..Default::default()
        },
    )
    .await;
    let mailbox = relay.create_mailbox().await;
    let poster = relay.mint(&mailbox).await;
    for i in 0..5u8 {
        relay.post_ok(&mailbox, &poster.token, &[i]).await;
    }
    let (page, more) = relay.fetch_ok(&mailbox, "after=0&limit=1000").await;
    assert_eq!(page.len(), 3);
    assert!(more);
}

async fn mailboxes_are_separate(backend: Backend) {
    let relay = InProcess::on(backend, Limits::default()).await;
    let a = relay.create_mailbox().await;
    let b = relay.create_mailbox().await;
    assert_ne!(a.id, b.id);
    let poster_a = relay.mint(&a).await;
    let poster_b = relay.mint(&b).await;
    assert_eq!(relay.post_ok(&a, &poster_a.token, b"to a").await, 1);
    assert_eq!(relay.post_ok(&b, &poster_b.token, b"to b").await, 1);
    let (in_b, _) = relay.fetch_ok(&b, "after=0").await;
    assert_eq!(in_b, vec![(1, b"to b".to_vec())]);
    // A's post token cannot post into B, and A's read token cannot read B.
    relay
        .post(&b, &poster_a.token, b"x")
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    relay
        .fetch(&b, &a.read_token, "after=0")
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
}

async fn a_revoked_post_token_is_refused_and_others_keep_working(backend: Backend) {
    let relay = InProcess::on(backend, Limits::default()).await;
    let mailbox = relay.create_mailbox().await;
    let revoked = relay.mint(&mailbox).await;
    let kept = relay.mint(&mailbox).await;
    relay.post_ok(&mailbox, &revoked.token, b"before").await;

    let revoke = || {
        Call::new(
            Method::DELETE,
            format!("/v1/mailboxes/{}/post-tokens/{}", mailbox.id, revoked.id),
        )
        .bearer(&mailbox.read_token)
    };
    let answer = relay.send(revoke()).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert!(answer.body.is_empty());

    let refused = relay.post(&mailbox, &revoked.token, b"after").await;
    refused.assert_error(StatusCode::FORBIDDEN, "token_revoked");
    assert_eq!(relay.post_ok(&mailbox, &kept.token, b"still fine").await, 2);
    // Revoking twice is fine; what was posted before revocation stays.
    assert_eq!(relay.send(revoke()).await.status, StatusCode::NO_CONTENT);
    let (messages, _) = relay.fetch_ok(&mailbox, "after=0").await;
    assert_eq!(messages.len(), 2);
}

async fn only_the_read_token_may_revoke_and_unknown_token_ids_are_404(backend: Backend) {
    let relay = InProcess::on(backend, Limits::default()).await;
    let mailbox = relay.create_mailbox().await;
    let poster = relay.mint(&mailbox).await;
    let uri = format!("/v1/mailboxes/{}/post-tokens/{}", mailbox.id, poster.id);
    relay
        .send(Call::new(Method::DELETE, &uri).bearer(&poster.token))
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    let unknown = format!(
        "/v1/mailboxes/{}/post-tokens/AAAAAAAAAAAAAAAAAAAAAA",
        mailbox.id
    );
    relay
        .send(Call::new(Method::DELETE, unknown).bearer(&mailbox.read_token))
        .await
        .assert_error(StatusCode::NOT_FOUND, "no_such_token");
    // The post token still works: the failed attempts changed nothing.
    relay.post_ok(&mailbox, &poster.token, b"x").await;
}

async fn a_post_token_cannot_read_and_a_read_token_cannot_post(backend: Backend) {
    let relay = InProcess::on(backend, Limits::default()).await;
    let mailbox = relay.create_mailbox().await;
    let poster = relay.mint(&mailbox).await;
    relay
        .post(&mailbox, &mailbox.read_token, b"x")
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    relay
        .fetch(&mailbox, &poster.token, "after=0")
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    // Nor prune, nor mint more post tokens.
    relay
        .send(
            Call::new(
                Method::DELETE,
                format!("/v1/mailboxes/{}/messages?through=9", mailbox.id),
            )
            .bearer(&poster.token),
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    relay
        .send(
            Call::new(
                Method::POST,
                format!("/v1/mailboxes/{}/post-tokens", mailbox.id),
            )
            .bearer(&poster.token),
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
}

async fn a_wrong_read_token_is_forbidden(backend: Backend) {
    let relay = InProcess::on(backend, Limits::default()).await;
    let mailbox = relay.create_mailbox().await;
    let stranger = relay.create_mailbox().await;
    relay
        .fetch(&mailbox, &stranger.read_token, "after=0")
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    // Well formed, but never issued.
    relay
        .fetch(
            &mailbox,
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "after=0",
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
}

async fn a_missing_token_is_unauthorized_and_says_how_to_authenticate(backend: Backend) {
    let relay = InProcess::on(backend, Limits::default()).await;
    let mailbox = relay.create_mailbox().await;
    let answer = relay
        .send(Call::new(
            Method::GET,
            format!("/v1/mailboxes/{}/messages", mailbox.id),
        ))
        .await;
    answer.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(answer.json()["detail"].as_str().unwrap().contains("Bearer"));
    assert_eq!(answer.headers[header::WWW_AUTHENTICATE], "Bearer");
    relay
        .send(
            Call::new(
                Method::POST,
                format!("/v1/mailboxes/{}/messages", mailbox.id),
            )
            .body("x"),
        )
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
}

async fn an_unknown_mailbox_is_404(backend: Backend) {
    let relay = InProcess::on(backend, Limits::default()).await;
    let mailbox = relay.create_mailbox().await;
    let missing = common::Mailbox {
        id: "AAAAAAAAAAAAAAAAAAAAAA".into(),
        read_token: mailbox.read_token.clone(),
    };
    relay
        .fetch(&missing, &mailbox.read_token, "after=0")
        .await
        .assert_error(StatusCode::NOT_FOUND, "no_such_mailbox");
}

async fn tokens_are_not_cached_by_intermediaries(backend: Backend) {
    let relay = InProcess::on(backend, Limits::default()).await;
    let answer = relay.send(Call::new(Method::POST, "/v1/mailboxes")).await;
    assert_eq!(answer.headers[header::CACHE_CONTROL], "no-store");
}

on_every_backend!(
    health_says_ok,
    posted_messages_are_fetched_in_order_and_pruned_on_request,
    a_fetched_message_says_when_it_arrived_in_rfc3339_utc,
    a_fetch_returns_at_most_limit_and_says_more_are_waiting,
    a_fetch_never_returns_more_than_the_relays_maximum,
    mailboxes_are_separate,
    a_revoked_post_token_is_refused_and_others_keep_working,
    only_the_read_token_may_revoke_and_unknown_token_ids_are_404,
    a_post_token_cannot_read_and_a_read_token_cannot_post,
    a_wrong_read_token_is_forbidden,
    a_missing_token_is_unauthorized_and_says_how_to_authenticate,
    an_unknown_mailbox_is_404,
    tokens_are_not_cached_by_intermediaries,
);
