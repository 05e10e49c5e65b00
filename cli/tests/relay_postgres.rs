//! `rapport relay serve --database postgres://...`: three relay processes
//! over one PostgreSQL database, clients posting to and fetching from any of
//! them, one killed with SIGKILL in the middle of the load. Afterwards every
//! acknowledged post is there exactly once, in order in its mailbox.
//!
//! Needs a PostgreSQL server: tests/pg.sh starts one and sets
//! RAPPORT_TEST_POSTGRES. Without it the test says it is skipped, except
//! under CI=true, where it fails.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

/// A relay process that is killed when dropped.
struct RelayProcess {
    child: Child,
    url: String,
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A database of its own on the test server, by URL; `None` (after saying
/// why) when there is no server and this is not CI.
fn test_database() -> Option<String> {
    let Ok(admin) = std::env::var("RAPPORT_TEST_POSTGRES") else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "RAPPORT_TEST_POSTGRES is not set under CI=true: run the tests through tests/pg.sh"
            );
        }
        // Straight to stderr: the test harness would swallow eprintln!.
        let _ = writeln!(
            std::io::stderr(),
            "skipped: no PostgreSQL (RAPPORT_TEST_POSTGRES is not set; tests/pg.sh sets it)"
        );
        return None;
    };
    let mut random = [0u8; 8];
    getrandom::getrandom(&mut random).unwrap();
    let name: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let name = format!("rapport_cli_{name}");
    let psql = std::env::var("PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into());
    let status = Command::new(format!("{psql}/psql"))
        .args([&admin, "-q", "-c", &format!("CREATE DATABASE {name}")])
        .status()
        .expect("psql (PostgreSQL's client) is needed to create the test database");
    assert!(status.success());
    let (base, _) = admin.rsplit_once('/').unwrap();
    Some(format!("{base}/{name}"))
}

fn start(database: &str) -> RelayProcess {
    let port = common::free_port();
    let mut child = Command::new(common::BIN)
        .args(["relay", "serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--pool-size", "4"])
        // From the environment, as an operator would pass a password.
        .env("RAPPORT_RELAY_DATABASE", database)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if ureq::get(&format!("{url}/v1/health")).call().is_ok() {
            return RelayProcess { child, url };
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the relay exited at start: {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the relay did not start");
}

fn new_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// Sends a request; the JSON answer and its status, or `None` when the
/// relay could not be reached (or died while answering).
fn call(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    token: Option<&str>,
    body: &[u8],
) -> Option<(u16, Value)> {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let mut response = if method == "GET" {
        let mut request = agent.get(url);
        if let Some(bearer) = &bearer {
            request = request.header("Authorization", bearer);
        }
        request.call().ok()?
    } else {
        let mut request = agent.post(url);
        if let Some(bearer) = &bearer {
            request = request.header("Authorization", bearer);
        }
        request.send(body).ok()?
    };
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().ok()?;
    Some((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

#[derive(Clone)]
struct Mailbox {
    id: String,
    read_token: String,
}

/// Every message of a mailbox, fetched page by page from `url`.
fn fetch_all(agent: &ureq::Agent, url: &str, mailbox: &Mailbox) -> Vec<(u64, Vec<u8>)> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let (status, page) = call(
            agent,
            "GET",
            &format!(
                "{url}/v1/mailboxes/{}/messages?after={after}&limit=500",
                mailbox.id
            ),
            Some(&mailbox.read_token),
            b"",
        )
        .expect("a surviving relay stopped answering");
        assert_eq!(status, 200, "{page}");
        for message in page["messages"].as_array().unwrap() {
            let seq = message["seq"].as_u64().unwrap();
            let body = base64::engine::general_purpose::STANDARD
                .decode(message["body"].as_str().unwrap())
                .unwrap();
            all.push((seq, body));
            after = seq;
        }
        if !page["more"].as_bool().unwrap() {
            return all;
        }
    }
}

#[test]
fn three_relay_processes_over_one_database_lose_nothing_when_one_is_killed() {
    let Some(database) = test_database() else {
        return;
    };
    let mut relays: Vec<RelayProcess> = (0..3).map(|_| start(&database)).collect();
    let urls: Arc<Vec<String>> = Arc::new(relays.iter().map(|r| r.url.clone()).collect());
    let agent = new_agent();

    // Six mailboxes, each made on one relay with post tokens minted on the
    // others: they all share one database.
    let mut posters = Vec::new();
    let mut mailboxes = Vec::new();
    for m in 0..6 {
        let (status, created) = call(
            &agent,
            "POST",
            &format!("{}/v1/mailboxes", urls[m % 3]),
            None,
            b"",
        )
        .unwrap();
        assert_eq!(status, 201, "{created}");
        let mailbox = Mailbox {
            id: created["mailbox_id"].as_str().unwrap().to_owned(),
            read_token: created["read_token"].as_str().unwrap().to_owned(),
        };
        for p in 1..=2 {
            let (status, minted) = call(
                &agent,
                "POST",
                &format!(
                    "{}/v1/mailboxes/{}/post-tokens",
                    urls[(m + p) % 3],
                    mailbox.id
                ),
                Some(&mailbox.read_token),
                b"",
            )
            .unwrap();
            assert_eq!(status, 201, "{minted}");
            posters.push((m, minted["post_token"].as_str().unwrap().to_owned()));
        }
        mailboxes.push(mailbox);
    }

    // Twelve senders, each going round the three relays; a post whose relay
    // cannot be reached is not acknowledged and is not retried (a retry of
    // the same envelope is a duplicate the receiver drops, which would blur
    // "exactly once" here), the sender just moves on to the next relay.
    let per_sender = 150;
    let acknowledged = Arc::new(Mutex::new(Vec::<(usize, u64, Vec<u8>)>::new()));
    let sent = Arc::new(AtomicUsize::new(0));
    let unanswered = Arc::new(AtomicUsize::new(0));
    let mut senders = Vec::new();
    for (s, (m, token)) in posters.into_iter().enumerate() {
        let (mailbox_id, urls) = (mailboxes[m].id.clone(), Arc::clone(&urls));
        let (acknowledged, sent, unanswered) = (
            Arc::clone(&acknowledged),
            Arc::clone(&sent),
            Arc::clone(&unanswered),
        );
        senders.push(std::thread::spawn(move || {
            let agent = new_agent();
            for i in 0..per_sender {
                let body = format!("sender {s} envelope {i}").into_bytes();
                let url = &urls[(s + i) % 3];
                let answer = call(
                    &agent,
                    "POST",
                    &format!("{url}/v1/mailboxes/{mailbox_id}/messages"),
                    Some(&token),
                    &body,
                );
                sent.fetch_add(1, Ordering::Relaxed);
                match answer {
                    Some((201, json)) => {
                        let seq = json["seq"].as_u64().unwrap();
                        acknowledged.lock().unwrap().push((m, seq, body));
                    }
                    Some((status, json)) => panic!("post answered {status}: {json}"),
                    None => {
                        unanswered.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    // Owners read while the posts arrive, from any relay: what they see is
    // always in order.
    let reader = {
        let (mailboxes, urls, sent) = (mailboxes.clone(), Arc::clone(&urls), Arc::clone(&sent));
        std::thread::spawn(move || {
            let agent = new_agent();
            let mut round = 0;
            while sent.load(Ordering::Relaxed) < 12 * per_sender {
                for mailbox in &mailboxes {
                    // Relay 0 and 1 stay up; relay 2 is the one killed.
                    let seqs: Vec<u64> = fetch_all(&agent, &urls[round % 2], mailbox)
                        .into_iter()
                        .map(|m| m.0)
                        .collect();
                    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
                }
                round += 1;
            }
            round
        })
    };

    // Mid-load: SIGKILL, no chance to finish anything in flight.
    while sent.load(Ordering::Relaxed) < 12 * per_sender / 3 {
        std::thread::sleep(Duration::from_millis(5));
    }
    relays[2].child.kill().unwrap();
    relays[2].child.wait().unwrap();
    let killed_at = sent.load(Ordering::Relaxed);

    for sender in senders {
        sender.join().unwrap();
    }
    let reads = reader.join().unwrap();
    let acknowledged = acknowledged.lock().unwrap().clone();
    let unanswered = unanswered.load(Ordering::Relaxed);
    assert!(
        killed_at < 12 * per_sender && unanswered > 0,
        "the kill did not land mid-load (at {killed_at}, {unanswered} unanswered)"
    );
    assert!(reads > 0);
    assert_eq!(acknowledged.len() + unanswered, 12 * per_sender);

    for (m, mailbox) in mailboxes.iter().enumerate() {
        let on_0 = fetch_all(&agent, &urls[0], mailbox);
        let on_1 = fetch_all(&agent, &urls[1], mailbox);
        assert_eq!(on_0, on_1, "two relays disagree about mailbox {m}");
        let seqs: Vec<u64> = on_0.iter().map(|(seq, _)| *seq).collect();
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "not in order: {seqs:?}"
        );
        // No envelope stored twice (not even one whose answer was lost).
        let bodies: BTreeSet<&Vec<u8>> = on_0.iter().map(|(_, body)| body).collect();
        assert_eq!(bodies.len(), on_0.len(), "an envelope is stored twice");
        let stored: BTreeMap<u64, &Vec<u8>> = on_0.iter().map(|(seq, body)| (*seq, body)).collect();
        for (_, seq, body) in acknowledged.iter().filter(|(am, _, _)| *am == m) {
            assert_eq!(
                stored.get(seq),
                Some(&body),
                "acknowledged post {seq} of mailbox {m} is missing or different"
            );
        }
    }
}
