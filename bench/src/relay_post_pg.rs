//! `relay_post_pg`: durable posts per second through two relay *processes*
//! sharing one PostgreSQL database, against the do-nothing axum endpoint of
//! `relay_post` and against the SQLite relay measured in the same run.
//!
//! The relays are this very executable started again in child mode
//! ([`serve_child_if_asked`]), each with its own connection pool; the load
//! generator and the two baselines stay in this process. The [`CONNECTIONS`]
//! keep-alive connections are split evenly between the two relays, so every
//! round posts to one mailbox through both processes at once and the
//! database has to hand out one sequence number at a time across them.
//!
//! Rounds rotate PostgreSQL, do-nothing, SQLite; the reported figures are
//! the median of each (the ratio is PostgreSQL vs do-nothing, per pair of
//! neighbouring rounds, median), p99 is over every request of a target.
//! `--check` enforces the ratio, and the floor of
//! [`MIN_POSTS_PER_S`] posts/s when the run's do-nothing baseline shows a
//! quiet machine (`floor_judged`, [`QUIET_BASELINE_POSTS_PER_S`]): the
//! database, both relays and the load generator share this machine's 2
//! cores, so a busy machine says nothing about the floor. With posts stored
//! set-wise (relay schema version 2) the quiet machine did 12,300 to 14,300
//! posts/s (2026-12-01; 3,700 to 7,100 before), well clear of the floor.
//!
//! Needs a PostgreSQL server: `RAPPORT_TEST_POSTGRES` (a superuser URL;
//! tests/pg.sh starts a throwaway one) — a new database is created in it.
//! Without one the scenario says it is skipped, except under CI=true.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::relay_post::{
    BODY_BYTES, CONNECTIONS, ROUND_TIME, ROUNDS, Round, Target, WARM_UP_TIME, loopback, p99_ms,
    random_bodies, round, set_up_mailbox, spawn_noop,
};

/// Set in a child: the database URL it serves.
const CHILD_ENV: &str = "RAPPORT_BENCH_RELAY_DATABASE";
/// Where the server for the benchmark is (as for the relay's tests).
const POSTGRES_ENV: &str = "RAPPORT_TEST_POSTGRES";
/// The floor for two processes over PostgreSQL on this machine
/// (enforced on a quiet machine; see the module's documentation).
pub const MIN_POSTS_PER_S: f64 = 5000.0;
/// The floor is a figure for this machine when nothing else runs on it; the
/// do-nothing endpoint measured in the same run says whether that is so
/// (about 49,000 posts/s on the quiet 2-core machine, half that or less
/// while other builds run).
const QUIET_BASELINE_POSTS_PER_S: f64 = 40_000.0;
/// Relay processes.
const PROCESSES: usize = 2;
/// PostgreSQL connections per relay process.
const POOL_SIZE: usize = 16;

/// Limits out of the way: this measures the post path, not the limiter.
fn bench_limits() -> rapport_relay::Limits {
    rapport_relay::Limits {
        rate_per_second: 1e9,
        burst: u32::MAX,
        mailbox_quota_messages: u64::MAX,
        mailbox_quota_bytes: u64::MAX,
        ..rapport_relay::Limits::default()
    }
}

/// In a child started by this scenario: serves a relay over the database in
/// [`CHILD_ENV`], prints its address on stdout, and exits when stdin closes
/// (so a child never outlives the benchmark). `None` in any other process.
pub fn serve_child_if_asked() -> Option<std::process::ExitCode> {
    let url = std::env::var(CHILD_ENV).ok()?;
    let served = tokio::runtime::Runtime::new()
        .map_err(|e| e.to_string())
        .and_then(|rt| {
            rt.block_on(async {
                let storage = rapport_relay::PostgresStorage::connect(&url, POOL_SIZE)
                    .await
                    .map_err(|e| e.to_string())?;
                let relay =
                    rapport_relay::spawn_with(Arc::new(storage), loopback(), bench_limits())
                        .await
                        .map_err(|e| e.to_string())?;
                println!("{}", relay.addr);
                // Until the parent closes our stdin (or dies).
                let _ = tokio::task::spawn_blocking(|| {
                    let mut sink = Vec::new();
                    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
                })
                .await;
                relay.shutdown().await.map_err(|e| e.to_string())
            })
        });
    Some(match served {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("relay child: {e}");
            std::process::ExitCode::FAILURE
        }
    })
}

/// Runs the scenario (about 15 s).
pub fn relay_post_pg() -> Result<Vec<Value>, String> {
    let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            return Err(format!(
                "{POSTGRES_ENV} is not set under CI=true; run the benchmark through tests/pg.sh"
            ));
        }
        return Ok(vec![json!({
            "bench": "relay_post_pg",
            "skipped": format!("no PostgreSQL: {POSTGRES_ENV} is not set (tests/pg.sh sets it)"),
        })]);
    };
    let exe = std::env::current_exe().map_err(|e| format!("where am I? {e}"))?;
    if !exe
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("rapport-bench"))
    {
        return Ok(vec![json!({
            "bench": "relay_post_pg",
            "skipped": "it starts relay processes from rapport-bench: run `cargo run --release -p rapport-bench -- relay_post_pg`",
        })]);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("could not start tokio: {e}"))?;
    runtime.block_on(async {
        let url = create_database(&admin_url).await?;
        let mut children = Vec::new();
        let mut addrs = Vec::new();
        for _ in 0..PROCESSES {
            let (child, addr) = start_child(&exe, &url)?;
            children.push(ChildRelay(child));
            addrs.push(addr);
        }
        let result = measure(&addrs).await;
        drop(children);
        result
    })
}

/// A child relay; closing its stdin (on drop) stops it, and it is waited for.
struct ChildRelay(Child);

impl Drop for ChildRelay {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_child(exe: &std::path::Path, url: &str) -> Result<(Child, SocketAddr), String> {
    let mut child = Command::new(exe)
        .env(CHILD_ENV, url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("could not start a relay process: {e}"))?;
    let mut line = String::new();
    let stdout = child
        .stdout
        .take()
        .ok_or("no stdout from the relay process")?;
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
        .map_err(|e| format!("the relay process said nothing: {e}"))?;
    match line.trim().parse() {
        Ok(addr) => Ok((child, addr)),
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(format!(
                "the relay process did not start (it said {line:?})"
            ))
        }
    }
}

async fn create_database(admin_url: &str) -> Result<String, String> {
    let (client, connection) = tokio_postgres::connect(admin_url, tokio_postgres::NoTls)
        .await
        .map_err(|e| format!("PostgreSQL at {POSTGRES_ENV}: {e}"))?;
    tokio::spawn(connection);
    let name = format!(
        "rapport_bench_{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros())
    );
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .map_err(|e| format!("could not create the benchmark's database: {e}"))?;
    let (base, _) = admin_url
        .rsplit_once('/')
        .ok_or("RAPPORT_TEST_POSTGRES must be a postgres://.../DATABASE URL")?;
    Ok(format!("{base}/{name}"))
}

async fn measure(pg_addrs: &[SocketAddr]) -> Result<Vec<Value>, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
    let sqlite = rapport_relay::spawn(rapport_relay::RelayConfig {
        db_path: dir.path().join("relay.db"),
        listen: loopback(),
        metrics_listen: None,
        limits: bench_limits(),
    })
    .await
    .map_err(|e| format!("SQLite relay did not start: {e}"))?;
    let (noop_addr, noop_stop, noop_task) = spawn_noop().await?;

    let result = measure_targets(pg_addrs, sqlite.addr, noop_addr).await;

    let _ = noop_stop.send(());
    let _ = noop_task.await;
    sqlite
        .shutdown()
        .await
        .map_err(|e| format!("SQLite relay did not stop cleanly: {e}"))?;
    result
}

async fn target_on(addrs: &[SocketAddr]) -> Result<Target, String> {
    let (mailbox_id, post_token) = set_up_mailbox(addrs[0]).await?;
    Ok(Target {
        addrs: addrs.to_vec(),
        path: format!("/v1/mailboxes/{mailbox_id}/messages"),
        authorization: format!("Bearer {post_token}"),
    })
}

async fn measure_targets(
    pg_addrs: &[SocketAddr],
    sqlite_addr: SocketAddr,
    noop_addr: SocketAddr,
) -> Result<Vec<Value>, String> {
    let pg = target_on(pg_addrs).await?;
    let sqlite = target_on(&[sqlite_addr]).await?;
    let noop = Target {
        addrs: vec![noop_addr],
        path: pg.path.clone(),
        authorization: pg.authorization.clone(),
    };
    let bodies = Arc::new(random_bodies(CONNECTIONS * 4));

    let mut pg_posts = round(&pg, WARM_UP_TIME, &bodies).await?.requests;
    round(&noop, WARM_UP_TIME, &bodies).await?;
    round(&sqlite, WARM_UP_TIME, &bodies).await?;
    let (mut pg_rounds, mut noop_rounds, mut sqlite_rounds) = (Vec::new(), Vec::new(), Vec::new());
    let mut max_seq = 0;
    for _ in 0..ROUNDS {
        let measured = round(&pg, ROUND_TIME, &bodies).await?;
        pg_posts += measured.requests;
        max_seq = max_seq.max(measured.max_seq);
        pg_rounds.push(measured);
        noop_rounds.push(round(&noop, ROUND_TIME, &bodies).await?);
        sqlite_rounds.push(round(&sqlite, ROUND_TIME, &bodies).await?);
    }
    // Both processes numbered into one mailbox: one number per post.
    if max_seq != pg_posts as u64 {
        return Err(format!(
            "the PostgreSQL relays acknowledged {pg_posts} posts but the last sequence number is {max_seq}"
        ));
    }
    let rate = |r: &Round| r.requests as f64 / r.elapsed.as_secs_f64();
    if pg_rounds
        .iter()
        .chain(&noop_rounds)
        .chain(&sqlite_rounds)
        .any(|r| r.requests == 0)
    {
        return Err("a round finished without a single post; the machine is overloaded".into());
    }
    let mut pairs: Vec<(f64, f64)> = pg_rounds
        .iter()
        .zip(&noop_rounds)
        .map(|(pg, noop)| (rate(pg), rate(noop)))
        .collect();
    pairs.sort_by(|a, b| (a.1 / a.0).total_cmp(&(b.1 / b.0)));
    let (pg_rate, noop_rate) = pairs[pairs.len() / 2];
    let sqlite_rate = crate::median(sqlite_rounds.iter().map(rate).collect());
    let (pg_p99, pg_total) = p99_ms(&mut pg_rounds);
    let (noop_p99, noop_total) = p99_ms(&mut noop_rounds);
    let (sqlite_p99, sqlite_total) = p99_ms(&mut sqlite_rounds);
    let quiet = noop_rate >= QUIET_BASELINE_POSTS_PER_S;
    let over: Vec<String> = (quiet && pg_rate < MIN_POSTS_PER_S)
        .then(|| {
            format!(
                "relay_post_pg: {pg_rate:.0} posts/s on a quiet machine \
                 (do-nothing {noop_rate:.0}/s), under the floor of {MIN_POSTS_PER_S:.0}"
            )
        })
        .into_iter()
        .collect();
    Ok(vec![crate::report(
        "relay_post_pg",
        1e6 / pg_rate,
        "noop_axum_endpoint",
        1e6 / noop_rate,
        json!({
            "posts_per_s": pg_rate.round(),
            "baseline_posts_per_s": noop_rate.round(),
            "sqlite_posts_per_s": sqlite_rate.round(),
            "vs_sqlite": crate::round(pg_rate / sqlite_rate),
            "p99_ms": crate::round(pg_p99),
            "baseline_p99_ms": crate::round(noop_p99),
            "sqlite_p99_ms": crate::round(sqlite_p99),
            "posts": pg_total,
            "baseline_posts": noop_total,
            "sqlite_posts": sqlite_total,
            "processes": PROCESSES,
            "pool_size": POOL_SIZE,
            "connections": CONNECTIONS,
            "body_bytes": BODY_BYTES,
            "floor_posts_per_s": MIN_POSTS_PER_S,
            "floor_judged": quiet,
            "floor_met": pg_rate >= MIN_POSTS_PER_S,
            "over": over,
        }),
    )])
}
