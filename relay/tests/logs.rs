//! The operator's log, even at its most verbose, never holds a token, a
//! message body, an Authorization header or a peer's address.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{Request, StatusCode, header};
use common::{Api, OverTcp, config};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rapport_relay::{Limits, spawn};

/// Collects everything logged, from every thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_secret_or_identifying_is_logged_even_at_trace_level() {
    let captured = Captured::default();
    let sink = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .init();

    let dir = tempfile::tempdir().unwrap();
    let relay = spawn(config(&dir.path().join("relay.db"), Limits::default()))
        .await
        .unwrap();
    let api = OverTcp::new(relay.addr);
    let mailbox = api.create_mailbox().await;
    let poster = api.mint(&mailbox).await;

    // Post over a connection whose client port we know, to look for it.
    let stream = tokio::net::TcpStream::connect(relay.addr).await.unwrap();
    let client_port = stream.local_addr().unwrap().port();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let body = b"secret-ciphertext-bytes".to_vec();
    let request = Request::post(format!("/v1/mailboxes/{}/messages", mailbox.id))
        .header(header::HOST, "relay")
        .header(header::AUTHORIZATION, format!("Bearer {}", poster.token))
        .body(Full::new(Bytes::from(body.clone())))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.into_body().collect().await.unwrap();
    // A refused request is logged too; its token must not be.
    api.fetch(&mailbox, &poster.token, "after=0").await;
    api.fetch_ok(&mailbox, "after=0").await;
    drop(sender);
    relay.shutdown().await.unwrap();

    let log = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(log.contains("request"), "no request was logged:\n{log}");
    assert!(log.contains("/v1/mailboxes/{mailbox_id}/messages"), "{log}");
    for (what, secret) in [
        ("read token", mailbox.read_token.as_str()),
        ("post token", poster.token.as_str()),
        ("body", "secret-ciphertext-bytes"),
        ("body (base64)", "c2VjcmV0LWNpcGhlcnRleHQtYnl0ZXM"),
        ("authorization header", "Bearer"),
    ] {
        assert!(!log.contains(secret), "the log holds the {what}:\n{log}");
    }
    assert!(
        !log.contains(&format!(":{client_port}")),
        "the log holds the client's address:\n{log}"
    );
}
