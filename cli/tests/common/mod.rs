//! What the command line's end-to-end suites share: a real relay process on a
//! free loopback port, the `rapport` binary run in a home, and a proxy to put
//! between them that delays, reorders and replays posts (`proxy`).
#![allow(dead_code)]

pub mod proxy;

use std::net::TcpListener;
use std::path::Path;
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
