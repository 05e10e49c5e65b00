//! Whatever a stranger sends, the relay answers with a 4xx in its JSON error
//! shape: never a panic, a 5xx, or plain text.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{Api, Call, InProcess};

/// Asserts a client error in the API's JSON shape, and returns its code.
fn assert_json_4xx(answer: &common::Answer, what: &str) -> String {
    assert!(
        answer.status.is_client_error(),
        "{what}: got {} {:?}",
        answer.status,
        String::from_utf8_lossy(&answer.body)
    );
    assert!(
        answer.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "{what}: not JSON"
    );
    let json = answer.json();
    assert!(
        json["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{what}: {json}"
    );
    json["error"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn malformed_queries_are_400() {
    let relay = InProcess::new();
    let mailbox = relay.create_mailbox().await;
    for query in [
        "after=-1",
        "after=abc",
        "after=99999999999999999999999999",
        "limit=abc",
        "limit=-5",
        "limit=0",
        "limit=1.5",
        "after=1&after=2",
        "after=%ff%fe",
    ] {
        let answer = relay.fetch(&mailbox, &mailbox.read_token, query).await;
        assert_eq!(assert_json_4xx(&answer, query), "bad_request", "{query}");
    }
    for query in ["", "through=", "through=-1", "through=x", "through=1e3"] {
        let answer = relay
            .send(
                Call::new(
                    Method::DELETE,
                    format!("/v1/mailboxes/{}/messages?{query}", mailbox.id),
                )
                .bearer(&mailbox.read_token),
            )
            .await;
        assert_eq!(assert_json_4xx(&answer, query), "bad_request", "{query}");
    }
}

#[tokio::test]
async fn huge_but_valid_numbers_are_handled() {
    let relay = InProcess::new();
    let mailbox = relay.create_mailbox().await;
    let poster = relay.mint(&mailbox).await;
    relay.post_ok(&mailbox, &poster.token, b"x").await;
    let max = u64::MAX;
    let (page, more) = relay
        .fetch_ok(&mailbox, &format!("after={max}&limit={max}"))
        .await;
    assert!(page.is_empty() && !more);
    let (page, _) = relay
        .fetch_ok(&mailbox, &format!("after=0&limit={max}"))
        .await;
    assert_eq!(page.len(), 1);
    let pruned = relay
        .send(
            Call::new(
                Method::DELETE,
                format!("/v1/mailboxes/{}/messages?through={max}", mailbox.id),
            )
            .bearer(&mailbox.read_token),
        )
        .await;
    assert_eq!(pruned.json()["pruned"], 1);
}

#[tokio::test]
async fn strange_mailbox_and_token_ids_are_404() {
    let relay = InProcess::new();
    let mailbox = relay.create_mailbox().await;
    for id in [
        "..",
        "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e",
        "%00",
        "AAAAAAAAAAAAAAAAAAAAAA%00",
        "%ff%fe",
        "'%20OR%201=1--",
        &"A".repeat(5000),
    ] {
        let answer = relay
            .send(
                Call::new(Method::GET, format!("/v1/mailboxes/{id}/messages?after=0"))
                    .bearer(&mailbox.read_token),
            )
            .await;
        assert_eq!(assert_json_4xx(&answer, id), "no_such_mailbox", "{id}");
        let answer = relay
            .send(
                Call::new(
                    Method::DELETE,
                    format!("/v1/mailboxes/{}/post-tokens/{id}", mailbox.id),
                )
                .bearer(&mailbox.read_token),
            )
            .await;
        assert_eq!(assert_json_4xx(&answer, id), "no_such_token", "{id}");
    }
    // Paths that leave the API entirely.
    for path in [
        "/v1/mailboxes/../../etc/passwd",
        "/v1/../v1/health/x",
        "/",
        "/v2/health",
    ] {
        let answer = relay.send(Call::new(Method::GET, path)).await;
        assert_json_4xx(&answer, path);
    }
}

#[tokio::test]
async fn random_bytes_in_authorization_are_401() {
    let relay = InProcess::new();
    let mailbox = relay.create_mailbox().await;
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for round in 0..200 {
        let len = (round % 90) + 1;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // Header values cannot hold control characters (or DEL).
                match (seed % 223) as u8 + 32 {
                    127 => b'~',
                    byte => byte,
                }
            })
            .collect();
        for value in [bytes.clone(), [b"Bearer ".as_slice(), &bytes].concat()] {
            let request = Request::builder()
                .method(Method::GET)
                .uri(format!("/v1/mailboxes/{}/messages", mailbox.id))
                .header(header::AUTHORIZATION, value.as_slice())
                .body(Body::empty())
                .unwrap();
            let answer = relay.raw(request).await;
            assert_eq!(
                assert_json_4xx(&answer, &format!("{value:?}")),
                "unauthorized",
                "{value:?}"
            );
        }
    }
}

#[tokio::test]
async fn garbage_bodies_where_none_is_expected_are_400() {
    let relay = InProcess::new();
    for body in [
        b"{not json".as_slice(),
        b"[1,2,3]",
        b"\xff\xfe\x00garbage",
        b"null",
    ] {
        let answer = relay
            .send(Call::new(Method::POST, "/v1/mailboxes").body(body))
            .await;
        assert_eq!(
            assert_json_4xx(&answer, &format!("{body:?}")),
            "bad_request"
        );
    }
    // An empty JSON object is tolerated.
    let answer = relay
        .send(Call::new(Method::POST, "/v1/mailboxes").body("{}"))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED);
}

#[tokio::test]
async fn json_garbage_as_a_message_is_just_opaque_bytes() {
    let relay = InProcess::new();
    let mailbox = relay.create_mailbox().await;
    let poster = relay.mint(&mailbox).await;
    let body = b"{\"seq\": 999, \"<script>\": null";
    assert_eq!(relay.post_ok(&mailbox, &poster.token, body).await, 1);
    let (page, _) = relay.fetch_ok(&mailbox, "after=0").await;
    assert_eq!(page, vec![(1, body.to_vec())]);
}

#[tokio::test]
async fn an_empty_message_is_400() {
    let relay = InProcess::new();
    let mailbox = relay.create_mailbox().await;
    let poster = relay.mint(&mailbox).await;
    let answer = relay.post(&mailbox, &poster.token, b"").await;
    answer.assert_error(StatusCode::BAD_REQUEST, "bad_request");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_json() {
    let relay = InProcess::new();
    relay
        .send(Call::new(Method::GET, "/v1/nothing-here"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    relay
        .send(Call::new(Method::PUT, "/v1/health"))
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    relay
        .send(Call::new(Method::GET, "/v1/mailboxes"))
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[tokio::test]
async fn a_body_that_claims_to_be_huge_is_refused_without_reading_it() {
    let relay = InProcess::new();
    let mailbox = relay.create_mailbox().await;
    let poster = relay.mint(&mailbox).await;
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/v1/mailboxes/{}/messages", mailbox.id))
        .header(header::AUTHORIZATION, format!("Bearer {}", poster.token))
        .header(header::CONTENT_LENGTH, "10000000000")
        .body(Body::from(vec![0u8; 70_000]))
        .unwrap();
    relay
        .raw(request)
        .await
        .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
}
