//! What the command line's end-to-end suites share: a real relay process on a
//! free loopback port, the `rapport` binary run in a home, and a proxy to put
//! between them that delays, reorders and replays posts (`proxy`).
#![allow(dead_code)]

pub mod proxy;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_rapport");

pub struct Relay {
    pub child: Child,
    pub url: String,
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn start_relay(db: &Path) -> Relay {
    let port = free_port();
    let mut child = Command::new(BIN)
        .args(["relay", "serve", "--db"])
        .arg(db)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if ureq::get(&format!("{url}/v1/health")).call().is_ok() {
            return Relay { child, url };
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the relay did not start");
}

/// A relay whose database is in `dir/relay`, a therapist called `name`
/// (home `dir/therapist`) and one client labelled `label` (home
/// `dir/client`) who joined through an invite, before either synced again.
pub struct Pair {
    pub relay: Relay,
    pub relay_dir: PathBuf,
    pub therapist: PathBuf,
    pub client: PathBuf,
}

pub fn pair(dir: &Path, name: &str, label: &str) -> Pair {
    let relay_dir = dir.join("relay");
    std::fs::create_dir_all(&relay_dir).unwrap();
    let relay = start_relay(&relay_dir.join("relay.db"));
    let therapist = dir.join("therapist");
    let client = dir.join("client");
    ok(
        &therapist,
        &["therapist", "init", "--relay", &relay.url, "--name", name],
    );
    let out = ok(&therapist, &["therapist", "invite", "--label", label]);
    let uri = out
        .lines()
        .find(|l| l.starts_with("rapport:invite/"))
        .unwrap()
        .to_owned();
    ok(&client, &["client", "join", &uri, "--accept-consent", "2"]);
    Pair {
        relay,
        relay_dir,
        therapist,
        client,
    }
}

pub fn rapport(home: &Path, args: &[&str]) -> Output {
    rapport_with(home, args, "correct horse battery")
}

pub fn rapport_with(home: &Path, args: &[&str], passphrase: &str) -> Output {
    Command::new(BIN)
        .arg("--home")
        .arg(home)
        .args(args)
        .env("RAPPORT_PASSPHRASE", passphrase)
        .env("RAPPORT_SCRYPT_WORK_FACTOR", "8")
        .env("RAPPORT_TEST_WEAK_KEYS", "1")
        .env_remove("RAPPORT_KIT_PASSPHRASE")
        .output()
        .unwrap()
}

pub fn ok(home: &Path, args: &[&str]) -> String {
    let out = rapport(home, args);
    assert!(
        out.status.success(),
        "rapport {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The JSON `rapport` prints for `args` in `home`.
pub fn json_of(home: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(home, args)).unwrap()
}

/// Every byte of every file under `dir`.
pub fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(all_files(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, bytes));
        }
    }
    out
}

/// Whether `needle` occurs in `hay`, byte for byte.
pub fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// A session date `days` before today, as the CLI takes it ("2026-11-20").
/// Tests date their check-ins relative to today: a fixed date would fall out
/// of the year a check-in may be dated within as the calendar moves on.
/// Leaked, so it stands wherever a `&'static str` argument did.
pub fn ago(days: u64) -> &'static str {
    let date = chrono::Utc::now().date_naive() - chrono::Days::new(days);
    Box::leak(date.to_string().into_boxed_str())
}
