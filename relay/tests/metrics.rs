//! `/metrics`, as the operator's Prometheus scrapes it: served on its own
//! address (never the public one), counting requests by route template and
//! status, latencies, accepted messages and storage failures, and naming no
//! mailbox, token or post token.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::{Method, StatusCode};
use common::{Api, Call, InProcess, OverTcp, config};
use rapport_relay::{Limits, RelayMetrics, SqliteStorage, router_with_metrics, spawn};

const MESSAGES: &str = "/v1/mailboxes/{mailbox_id}/messages";

/// The samples of a scrape: `name{labels}` to value (comments left out).
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (key, value) = line.rsplit_once(' ').unwrap();
            (key.to_owned(), value.parse().unwrap())
        })
        .collect()
}

fn requests(method: &str, route: &str, status: u16) -> String {
    format!(
        r#"rapport_relay_requests_total{{method="{method}",route="{route}",status="{status}"}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_counts_requests_by_route_and_status_and_names_no_one() {
    let dir = tempfile::tempdir().unwrap();
    let relay = spawn(rapport_relay::RelayConfig {
        metrics_listen: Some("127.0.0.1:0".parse().unwrap()),
        ..config(&dir.path().join("relay.db"), Limits::default())
    })
    .await
    .unwrap();
    let api = OverTcp::new(relay.addr);
    let mailbox = api.create_mailbox().await;
    let poster = api.mint(&mailbox).await;
    for body in [&b"one"[..], b"two", b"three"] {
        let call = Call::new(
            Method::POST,
            format!("/v1/mailboxes/{}/messages", mailbox.id),
        )
        .bearer(&poster.token)
        .body(body);
        assert_eq!(api.send(call).await.status, StatusCode::CREATED);
    }
    api.fetch_ok(&mailbox, "after=0").await;
    // Refused: a post token cannot read; and a path that is no route.
    api.fetch(&mailbox, &poster.token, "after=0").await;
    let unknown = api
        .send(Call::new(Method::GET, format!("/v1/{}", mailbox.id)))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // Not on the public address.
    let public = api.send(Call::new(Method::GET, "/metrics")).await;
    assert_eq!(public.status, StatusCode::NOT_FOUND);

    let scraper = OverTcp::new(relay.metrics_addr.unwrap());
    let scrape = scraper.send(Call::new(Method::GET, "/metrics")).await;
    assert_eq!(scrape.status, StatusCode::OK);
    assert!(
        scrape.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = String::from_utf8(scrape.body.to_vec()).unwrap();
    relay.shutdown().await.unwrap();

    let found = samples(&text);
    let value = |key: &str| {
        *found
            .get(key)
            .unwrap_or_else(|| panic!("no {key} in the scrape:\n{text}"))
    };
    assert_eq!(value(&requests("POST", MESSAGES, 201)), 3.0);
    assert_eq!(value(&requests("GET", MESSAGES, 200)), 1.0);
    assert_eq!(value(&requests("GET", MESSAGES, 403)), 1.0);
    assert_eq!(value(&requests("POST", "/v1/mailboxes", 201)), 1.0);
    assert_eq!(
        value(&requests("GET", "unmatched", 404)),
        2.0,
        "the unknown path and /metrics"
    );
    assert_eq!(value("rapport_relay_messages_stored_total"), 3.0);
    assert_eq!(
        value("rapport_relay_stored_message_bytes_total"),
        (3 + 3 + 5) as f64
    );
    assert_eq!(value("rapport_relay_storage_errors_total"), 0.0);
    assert_eq!(
        value(&format!(
            r#"rapport_relay_request_duration_seconds_count{{method="POST",route="{MESSAGES}"}}"#
        )),
        3.0
    );

    for (what, secret) in [
        ("mailbox id", mailbox.id.as_str()),
        ("read token", mailbox.read_token.as_str()),
        ("post token", poster.token.as_str()),
        ("post token id", poster.id.as_str()),
    ] {
        assert!(
            !text.contains(secret),
            "the scrape holds the {what}:\n{text}"
        );
    }
}

#[tokio::test]
async fn a_storage_failure_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let storage = Arc::new(SqliteStorage::open(dir.path().join("relay.db")).unwrap());
    let metrics = Arc::new(RelayMetrics::new());
    let relay = InProcess {
        router: router_with_metrics(storage.clone(), Limits::default(), metrics.clone()),
        backend: common::Backend::sqlite(),
    };
    let mailbox = relay.create_mailbox().await;
    let poster = relay.mint(&mailbox).await;
    rapport_relay::RelayStorage::close(storage.as_ref())
        .await
        .unwrap();
    let refused = relay
        .send(
            Call::new(
                Method::POST,
                format!("/v1/mailboxes/{}/messages", mailbox.id),
            )
            .bearer(&poster.token)
            .body(&b"late"[..]),
        )
        .await;
    refused.assert_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");

    let found = samples(&metrics.render().unwrap());
    assert_eq!(found["rapport_relay_storage_errors_total"], 1.0);
    assert_eq!(found["rapport_relay_messages_stored_total"], 0.0);
    assert_eq!(found[&requests("POST", MESSAGES, 503)], 1.0);
}
