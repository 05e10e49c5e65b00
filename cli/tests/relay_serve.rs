//! `rapport relay serve` as an operator runs it: its settings from a TOML
//! file, the environment and flags (flag over environment over file over
//! default), and its log as JSON lines that hold no token and no id.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A relay process, killed when dropped, with its stderr in a file.
struct Serving {
    child: Child,
    url: String,
    stderr: PathBuf,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serving {
    /// Stops the relay the way systemd does (SIGTERM) and returns its log.
    fn stop(mut self) -> String {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.child.wait().unwrap();
        assert!(exit.success(), "{exit}");
        std::fs::read_to_string(&self.stderr).unwrap()
    }
}

/// Starts `rapport relay serve ARGS` with `env`, and waits until
/// `listen_port` answers `/v1/health`.
fn serve(dir: &Path, args: &[&str], env: &[(&str, &str)], listen_port: u16) -> Serving {
    let stderr = dir.join(format!("relay-{listen_port}.log"));
    let mut command = Command::new(common::BIN);
    command
        .args(["relay", "serve"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr).unwrap());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let url = format!("http://127.0.0.1:{listen_port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if ureq::get(&format!("{url}/v1/health")).call().is_ok() {
            return Serving { child, url, stderr };
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "the relay exited at start ({status}):\n{}",
                std::fs::read_to_string(&stderr).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the relay did not start");
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// `method url` with an optional bearer token and body: status and JSON.
fn call(method: &str, url: &str, token: Option<&str>, body: &[u8]) -> (u16, Value) {
    let agent = agent();
    let bearer = token.map(|t| format!("Bearer {t}"));
    let mut response = match method {
        "GET" => {
            let mut request = agent.get(url);
            if let Some(bearer) = &bearer {
                request = request.header("Authorization", bearer);
            }
            request.call().unwrap()
        }
        _ => {
            let mut request = agent.post(url);
            if let Some(bearer) = &bearer {
                request = request.header("Authorization", bearer);
            }
            request.send(body).unwrap()
        }
    };
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn text(value: &Value) -> String {
    value.as_str().unwrap().to_owned()
}

#[test]
fn json_logs_are_one_object_per_line_and_hold_no_token_or_id() {
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let db = dir.path().join("relay.db");
    let relay = serve(
        dir.path(),
        &[
            "--db",
            db.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--log-format",
            "json",
        ],
        &[],
        port,
    );
    let url = relay.url.clone();
    let (status, mailbox) = call("POST", &format!("{url}/v1/mailboxes"), None, b"");
    assert_eq!(status, 201);
    let (id, read) = (text(&mailbox["mailbox_id"]), text(&mailbox["read_token"]));
    let tokens = format!("{url}/v1/mailboxes/{id}/post-tokens");
    let (status, poster) = call("POST", &tokens, Some(&read), b"");
    assert_eq!(status, 201);
    let (post, post_id) = (text(&poster["post_token"]), text(&poster["token_id"]));
    let messages = format!("{url}/v1/mailboxes/{id}/messages");
    assert_eq!(call("POST", &messages, Some(&post), b"sealed").0, 201);
    // Refused: a post token cannot read.
    assert_eq!(call("GET", &messages, Some(&post), b"").0, 403);
    let log = relay.stop();

    let lines: Vec<Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let requests: Vec<&Value> = lines
        .iter()
        .filter(|l| l["message"] == "request" && l["route"] != "/v1/health")
        .collect();
    assert_eq!(requests.len(), 4, "{log}");
    let refused = requests
        .iter()
        .find(|l| l["status"] == 403)
        .unwrap_or_else(|| panic!("no 403 line:\n{log}"));
    assert_eq!(refused["level"], "INFO");
    assert_eq!(refused["method"], "GET");
    assert_eq!(refused["route"], "/v1/mailboxes/{mailbox_id}/messages");
    assert!(refused["micros"].is_u64(), "{refused}");
    assert!(
        lines.iter().any(|l| l["message"] == "relay stopped"),
        "{log}"
    );

    for (what, secret) in [
        ("read token", read.as_str()),
        ("post token", post.as_str()),
        ("post token id", post_id.as_str()),
        ("message", "sealed"),
    ] {
        assert!(!log.contains(secret), "the log holds the {what}:\n{log}");
    }
    // The mailbox id appears once, on the line that says it was created
    // (relay/README.md, "What it stores"); no request line names it.
    let naming: Vec<&Value> = lines
        .iter()
        .filter(|l| l.to_string().contains(&id))
        .collect();
    assert_eq!(naming.len(), 1, "{log}");
    assert_eq!(naming[0]["message"], "mailbox created");
}

/// How many mailboxes the relay at `url` lets one peer create before it
/// answers 429 (at most `most`).
fn mailboxes_created(url: &str, most: usize) -> usize {
    for created in 0..most {
        let (status, _) = call("POST", &format!("{url}/v1/mailboxes"), None, b"");
        if status == 429 {
            return created;
        }
        assert_eq!(status, 201);
    }
    most
}

#[test]
fn a_config_file_sets_listen_db_and_limits_and_the_environment_and_flags_override_it() {
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let db = dir.path().join("from-file.db");
    let config = dir.path().join("relay.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\n\
             db = {db:?}\n\
             # one every 10 hours after the burst: none more in this test\n\
             mailboxes-per-hour = 0.1\n\
             mailbox-burst = 2\n"
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();

    let relay = serve(dir.path(), &["--config", config], &[], port);
    assert_eq!(mailboxes_created(&relay.url, 10), 2, "the file's burst");
    relay.stop();
    assert!(db.exists(), "the file's database was not created");

    let from_env = [("RAPPORT_RELAY_MAILBOX_BURST", "1")];
    let relay = serve(dir.path(), &["--config", config], &from_env, port);
    assert_eq!(
        mailboxes_created(&relay.url, 10),
        1,
        "the environment's burst"
    );
    relay.stop();

    let relay = serve(
        dir.path(),
        &["--config", config, "--mailbox-burst", "3"],
        &from_env,
        port,
    );
    assert_eq!(mailboxes_created(&relay.url, 10), 3, "the flag's burst");
    relay.stop();
}

#[test]
fn an_unknown_key_in_the_config_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("relay.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:1\"\nmailbox-bust = 3\n").unwrap();
    let output = Command::new(common::BIN)
        .args(["relay", "serve", "--db", "relay.db", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown field `mailbox-bust`"), "{stderr}");
    assert!(stderr.contains(config.to_str().unwrap()), "{stderr}");
    assert!(stderr.contains("expected one of"), "{stderr}");
}
