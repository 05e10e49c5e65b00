//! `relay_post`: durable posts per second through the real relay (HTTP,
//! token check, rate limit, quota, SQLite WAL with synchronous=FULL and
//! group commit) against a do-nothing axum endpoint that reads the same
//! POST and answers 201 `{"seq":0}`.
//!
//! Both servers run in this process, on one tokio runtime shared with the
//! load generator, so the baseline pays for the same HTTP stack, loopback
//! and client work; the ratio is what storing durably costs on top.
//!
//! Load: [`CONNECTIONS`] keep-alive HTTP/1.1 connections, each posting
//! ~400-byte bodies back to back. Rounds alternate between the relay and the
//! baseline; each round is bounded by time and by request count. A relay
//! round and the baseline round right after it form a pair (they saw the
//! same machine, so their ratio cancels most noise from neighbours); the
//! pair with the median ratio is reported. p99 latency is over every request
//! of a target.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::http::{Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rapport_relay::{Limits, RelayConfig};
use serde_json::{Value, json};
use tokio::net::TcpStream;

/// Concurrent keep-alive connections per round.
pub(crate) const CONNECTIONS: usize = 64;
/// Bytes per posted body (a sealed check-in envelope is about this size).
pub(crate) const BODY_BYTES: usize = 400;
/// Measured rounds per target; they alternate, so 2 × this many in all.
pub(crate) const ROUNDS: usize = 9;
/// Length of one measured round.
pub(crate) const ROUND_TIME: Duration = Duration::from_millis(500);
/// Length of the unmeasured warm-up round per target.
pub(crate) const WARM_UP_TIME: Duration = Duration::from_millis(250);
/// Most requests in one round, whatever the time (a hard cap on work).
pub(crate) const ROUND_MAX_REQUESTS: usize = 200_000;
/// Longest a single request may take before the bench gives up.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs the scenario (about 10 s).
pub fn relay_post() -> Result<Vec<Value>, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("could not start tokio: {e}"))?;
    runtime.block_on(run())
}

/// Where one target accepts posts: one or more servers, the connections
/// split evenly between them.
pub(crate) struct Target {
    pub(crate) addrs: Vec<SocketAddr>,
    pub(crate) path: String,
    pub(crate) authorization: String,
}

/// What one round measured.
pub(crate) struct Round {
    pub(crate) requests: usize,
    pub(crate) elapsed: Duration,
    pub(crate) latencies_us: Vec<u32>,
    pub(crate) max_seq: u64,
}

async fn run() -> Result<Vec<Value>, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
    // Limits out of the way: this measures the post path, not the limiter.
    let limits = Limits {
        rate_per_second: 1e9,
        burst: u32::MAX,
        mailbox_quota_messages: u64::MAX,
        mailbox_quota_bytes: u64::MAX,
        ..Limits::default()
    };
    let relay = rapport_relay::spawn(RelayConfig {
        db_path: dir.path().join("relay.db"),
        listen: loopback(),
        metrics_listen: None,
        limits,
    })
    .await
    .map_err(|e| format!("relay did not start: {e}"))?;
    let (noop_addr, noop_stop, noop_task) = spawn_noop().await?;

    let result = measure(relay.addr, noop_addr).await;

    let _ = noop_stop.send(());
    let _ = noop_task.await;
    relay
        .shutdown()
        .await
        .map_err(|e| format!("relay did not stop cleanly: {e}"))?;
    result
}

async fn measure(relay_addr: SocketAddr, noop_addr: SocketAddr) -> Result<Vec<Value>, String> {
    let (mailbox_id, post_token) = set_up_mailbox(relay_addr).await?;
    let path = format!("/v1/mailboxes/{mailbox_id}/messages");
    let authorization = format!("Bearer {post_token}");
    let relay = Target {
        addrs: vec![relay_addr],
        path: path.clone(),
        authorization: authorization.clone(),
    };
    let noop = Target {
        addrs: vec![noop_addr],
        path,
        authorization,
    };
    let bodies = Arc::new(random_bodies(CONNECTIONS * 4));

    let mut relay_posts = round(&relay, WARM_UP_TIME, &bodies).await?.requests;
    round(&noop, WARM_UP_TIME, &bodies).await?;

    let (mut relay_rounds, mut noop_rounds) = (Vec::new(), Vec::new());
    let mut max_seq = 0;
    for _ in 0..ROUNDS {
        let measured = round(&relay, ROUND_TIME, &bodies).await?;
        relay_posts += measured.requests;
        max_seq = max_seq.max(measured.max_seq);
        relay_rounds.push(measured);
        noop_rounds.push(round(&noop, ROUND_TIME, &bodies).await?);
    }
    // Every acknowledged post got its own number: the relay did real work.
    if max_seq != relay_posts as u64 {
        return Err(format!(
            "the relay acknowledged {relay_posts} posts but its last sequence number is {max_seq}"
        ));
    }

    if relay_rounds
        .iter()
        .chain(&noop_rounds)
        .any(|r| r.requests == 0)
    {
        return Err("a round finished without a single post; the machine is overloaded".into());
    }
    let rate = |r: &Round| r.requests as f64 / r.elapsed.as_secs_f64();
    let mut pairs: Vec<(f64, f64)> = relay_rounds
        .iter()
        .zip(&noop_rounds)
        .map(|(relay, noop)| (rate(relay), rate(noop)))
        .collect();
    pairs.sort_by(|a, b| (a.1 / a.0).total_cmp(&(b.1 / b.0)));
    let (relay_rate, noop_rate) = pairs[pairs.len() / 2];
    let (relay_p99, relay_total) = p99_ms(&mut relay_rounds);
    let (noop_p99, noop_total) = p99_ms(&mut noop_rounds);
    Ok(vec![crate::report(
        "relay_post",
        1e6 / relay_rate,
        "noop_axum_endpoint",
        1e6 / noop_rate,
        json!({
            "posts_per_s": relay_rate.round(),
            "baseline_posts_per_s": noop_rate.round(),
            "p99_ms": crate::round(relay_p99),
            "baseline_p99_ms": crate::round(noop_p99),
            "posts": relay_total,
            "baseline_posts": noop_total,
            "connections": CONNECTIONS,
            "body_bytes": BODY_BYTES,
        }),
    )])
}

/// p99 latency (ms) over every request of the rounds, and how many there
/// were.
pub(crate) fn p99_ms(rounds: &mut [Round]) -> (f64, usize) {
    let mut latencies: Vec<u32> = rounds
        .iter_mut()
        .flat_map(|r| std::mem::take(&mut r.latencies_us))
        .collect();
    latencies.sort_unstable();
    let p99 = latencies
        .get((latencies.len() * 99 / 100).min(latencies.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0);
    (f64::from(p99) / 1000.0, latencies.len())
}

/// One round: open [`CONNECTIONS`] connections spread over the target's
/// servers, then post on all of them until the time or the request cap
/// runs out.
pub(crate) async fn round(
    target: &Target,
    time: Duration,
    bodies: &Arc<Vec<Bytes>>,
) -> Result<Round, String> {
    let mut senders = Vec::with_capacity(CONNECTIONS);
    for c in 0..CONNECTIONS {
        senders.push(connect(target.addrs[c % target.addrs.len()]).await?);
    }
    let issued = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + time;
    let mut workers = Vec::with_capacity(CONNECTIONS);
    for (worker, mut sender) in senders.into_iter().enumerate() {
        let issued = Arc::clone(&issued);
        let bodies = Arc::clone(bodies);
        let path = target.path.clone();
        let authorization = target.authorization.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies_us = Vec::new();
            let mut max_seq = 0u64;
            let mut i = worker;
            while Instant::now() < deadline
                && issued.fetch_add(1, Ordering::Relaxed) < ROUND_MAX_REQUESTS
            {
                let body = bodies[i % bodies.len()].clone();
                i += 1;
                let sent = Instant::now();
                let seq = post(&mut sender, &path, &authorization, body).await?;
                latencies_us.push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
                max_seq = max_seq.max(seq);
            }
            Ok::<_, String>((latencies_us, max_seq))
        }));
    }
    let mut latencies_us = Vec::new();
    let mut max_seq = 0;
    for worker in workers {
        let (latencies, seq) = worker
            .await
            .map_err(|e| format!("a load task failed: {e}"))??;
        latencies_us.extend(latencies);
        max_seq = max_seq.max(seq);
    }
    Ok(Round {
        requests: latencies_us.len(),
        elapsed: started.elapsed(),
        latencies_us,
        max_seq,
    })
}

pub(crate) async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("could not connect to {addr}: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake with {addr} failed: {e}"))?;
    tokio::spawn(connection);
    Ok(sender)
}

/// Posts one body; returns the `seq` of the 201 answer.
pub(crate) async fn post(
    sender: &mut SendRequest<Full<Bytes>>,
    path: &str,
    authorization: &str,
    body: Bytes,
) -> Result<u64, String> {
    let request = Request::post(path)
        .header(header::HOST, "127.0.0.1")
        .header(header::AUTHORIZATION, authorization)
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Full::new(body))
        .map_err(|e| e.to_string())?;
    let exchange = async {
        sender
            .ready()
            .await
            .map_err(|e| format!("connection lost: {e}"))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("post failed: {e}"))?;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("answer cut off: {e}"))?
            .to_bytes();
        Ok::<_, String>((status, bytes))
    };
    let (status, bytes) = tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .map_err(|_| format!("a post took longer than {REQUEST_TIMEOUT:?}"))??;
    if status != StatusCode::CREATED {
        return Err(format!(
            "post answered {status}: {}",
            String::from_utf8_lossy(&bytes)
        ));
    }
    let answer: Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("post answer is not JSON: {e}"))?;
    answer["seq"]
        .as_u64()
        .ok_or_else(|| format!("post answer has no seq: {answer}"))
}

/// Creates a mailbox and a post token on the relay.
pub(crate) async fn set_up_mailbox(addr: SocketAddr) -> Result<(String, String), String> {
    let mut sender = connect(addr).await?;
    let created = call(&mut sender, "/v1/mailboxes", None).await?;
    let mailbox_id = string_field(&created, "mailbox_id")?;
    let read_token = string_field(&created, "read_token")?;
    let minted = call(
        &mut sender,
        &format!("/v1/mailboxes/{mailbox_id}/post-tokens"),
        Some(&read_token),
    )
    .await?;
    Ok((mailbox_id, string_field(&minted, "post_token")?))
}

async fn call(
    sender: &mut SendRequest<Full<Bytes>>,
    path: &str,
    bearer: Option<&str>,
) -> Result<Value, String> {
    let mut request = Request::post(path).header(header::HOST, "127.0.0.1");
    if let Some(token) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let request = request
        .body(Full::new(Bytes::new()))
        .map_err(|e| e.to_string())?;
    sender
        .ready()
        .await
        .map_err(|e| format!("connection lost: {e}"))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("{path} failed: {e}"))?;
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    if status != StatusCode::CREATED {
        return Err(format!(
            "{path} answered {status}: {}",
            String::from_utf8_lossy(&bytes)
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| format!("{path} answered non-JSON: {e}"))
}

fn string_field(value: &Value, name: &str) -> Result<String, String> {
    value[name]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("answer has no {name}: {value}"))
}

/// The baseline: accepts the same POST (reading the whole body) and answers
/// like the relay would, without doing anything.
pub(crate) async fn spawn_noop() -> Result<
    (
        SocketAddr,
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<()>,
    ),
    String,
> {
    use axum::serve::ListenerExt;

    async fn accept(_body: Bytes) -> (StatusCode, Json<Value>) {
        (StatusCode::CREATED, Json(json!({ "seq": 0 })))
    }
    let app = axum::Router::new().route(
        "/v1/mailboxes/{mailbox_id}/messages",
        axum::routing::post(accept),
    );
    let listener = tokio::net::TcpListener::bind(loopback())
        .await
        .map_err(|e| format!("baseline could not listen: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("baseline has no address: {e}"))?;
    // Same socket options as the relay, so only the handler differs.
    let listener = listener.tap_io(|stream| {
        let _ = stream.set_nodelay(true);
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    Ok((addr, stop, task))
}

pub(crate) fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// Bodies of [`BODY_BYTES`] pseudo-random bytes (incompressible, like
/// ciphertext), from a fixed seed so runs are comparable.
pub(crate) fn random_bodies(count: usize) -> Vec<Bytes> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    (0..count)
        .map(|_| {
            let body: Vec<u8> = (0..BODY_BYTES)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state >> 24) as u8
                })
                .collect();
            Bytes::from(body)
        })
        .collect()
}
