//! What a sender sees when it hits one of the relay's limits.

#[macro_use]
mod common;

use axum::http::{StatusCode, header};
use common::{Api, Backend, InProcess};
use rapport_relay::Limits;

async fn a_body_over_64_kib_is_refused_with_413_and_nothing_is_stored(backend: Backend) {
    let relay = InProcess::on(backend, Limits::default()).await;
    let mailbox = relay.create_mailbox().await;
    let poster = relay.mint(&mailbox).await;
    let answer = relay
        .post(&mailbox, &poster.token, &vec![0xAB; 64 * 1024 + 1])
        .await;
    answer.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    // Exactly at the limit is fine, and gets the first sequence number.
    assert_eq!(
        relay
            .post_ok(&mailbox, &poster.token, &vec![0xAB; 64 * 1024])
            .await,
        1
    );
}

async fn bursting_past_the_rate_limit_gives_429_with_retry_after(backend: Backend) {
    let relay = InProcess::on(
        backend,
        Limits {
            rate_per_second: 0.5,
            burst: 3,
            ..Limits::default()
        },
    )
    .await;
    let mailbox = relay.create_mailbox().await;
    let poster = relay.mint(&mailbox).await;
    for _ in 0..3 {
        relay.post_ok(&mailbox, &poster.token, b"x").await;
    }
    let answer = relay.post(&mailbox, &poster.token, b"x").await;
    answer.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let retry_after: u64 = answer.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");

    // The limit is per token: the owner can still read.
    let (messages, _) = relay.fetch_ok(&mailbox, "after=0").await;
    assert_eq!(messages.len(), 3);
}

async fn a_full_mailbox_refuses_posts_with_507_until_pruned(backend: Backend) {
    let relay = InProcess::on(
        backend,
        Limits {
            mailbox_quota_messages: 2,
            ..Limits::default()
        },
    )
    .await;
    let mailbox = relay.create_mailbox().await;
    let poster = relay.mint(&mailbox).await;
    relay.post_ok(&mailbox, &poster.token, b"one").await;
    relay.post_ok(&mailbox, &poster.token, b"two").await;
    relay
        .post(&mailbox, &poster.token, b"three")
        .await
        .assert_error(StatusCode::INSUFFICIENT_STORAGE, "mailbox_full");

    let prune = relay
        .send(
            common::Call::new(
                axum::http::Method::DELETE,
                format!("/v1/mailboxes/{}/messages?through=1", mailbox.id),
            )
            .bearer(&mailbox.read_token),
        )
        .await;
    assert_eq!(prune.status, StatusCode::OK);
    assert_eq!(relay.post_ok(&mailbox, &poster.token, b"three").await, 3);
}

async fn the_byte_quota_counts_message_sizes(backend: Backend) {
    let relay = InProcess::on(
        backend,
        Limits {
            mailbox_quota_bytes: 1000,
            ..Limits::default()
        },
    )
    .await;
    let mailbox = relay.create_mailbox().await;
    let poster = relay.mint(&mailbox).await;
    relay.post_ok(&mailbox, &poster.token, &[1; 600]).await;
    relay
        .post(&mailbox, &poster.token, &[2; 401])
        .await
        .assert_error(StatusCode::INSUFFICIENT_STORAGE, "mailbox_full");
    assert_eq!(relay.post_ok(&mailbox, &poster.token, &[3; 400]).await, 2);
}

on_every_backend!(
    a_body_over_64_kib_is_refused_with_413_and_nothing_is_stored,
    bursting_past_the_rate_limit_gives_429_with_retry_after,
    a_full_mailbox_refuses_posts_with_507_until_pruned,
    the_byte_quota_counts_message_sizes,
);
