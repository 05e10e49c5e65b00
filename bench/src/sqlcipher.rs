//! SQLCipher as a peer: the encrypted store most mobile apps pick, timed in
//! the same rounds as Rapport and plain SQLite.
//!
//! SQLCipher is its own build of `libsqlite3-sys`, and a workspace may link
//! only one, so it runs in a small crate of its own (`bench/sqlcipher-peer`,
//! outside the workspace) that this module spawns and drives over
//! stdin/stdout. The schema, pragmas, queries and rows all come from here, so
//! the stores cannot drift apart. The peer is looked for beside this binary
//! (tests/run.sh builds both into one target directory), then in the peer's
//! own target directory; `RAPPORT_SQLCIPHER_PEER` names another.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

/// The peer binary's file name.
const PEER: &str = "rapport-sqlcipher-peer";

/// How to build the peer, for the message when it is missing.
pub const BUILD_HINT: &str = "build it with `cargo build --release --manifest-path \
                              bench/sqlcipher-peer/Cargo.toml --target-dir target` \
                              (needs OpenSSL headers: libssl-dev)";

/// A running SQLCipher peer holding one keyed database.
pub struct SqlCipher {
    child: Child,
    to: ChildStdin,
    from: BufReader<ChildStdout>,
    /// `PRAGMA cipher_version`, for the report.
    pub version: String,
}

/// One row as the peer takes it: id, instrument id and version, session
/// date, answers as JSON, note.
pub fn row(
    id: &[u8],
    instrument_id: &str,
    instrument_version: u32,
    session_date: &str,
    answers: &str,
    note: Option<&str>,
) -> Value {
    let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
    json!([
        id,
        instrument_id,
        instrument_version,
        session_date,
        answers,
        note
    ])
}

fn peer_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("RAPPORT_SQLCIPHER_PEER") {
        return Some(PathBuf::from(path));
    }
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(PEER)));
    let own = Path::new(env!("CARGO_MANIFEST_DIR")).join("sqlcipher-peer/target/release");
    beside
        .into_iter()
        .chain([own.join(PEER)])
        .find(|p| p.is_file())
}

impl SqlCipher {
    /// Starts the peer and creates a database at `path` keyed with a random
    /// raw 256-bit key, with `pragmas` and `schema`. `Err` says why not (the
    /// peer missing among them).
    pub fn create(path: &Path, pragmas: &str, schema: &str) -> Result<SqlCipher, String> {
        let binary =
            peer_path().ok_or_else(|| format!("the SQLCipher peer is missing: {BUILD_HINT}"))?;
        let mut child = Command::new(&binary)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", binary.display()))?;
        let (Some(to), Some(from)) = (child.stdin.take(), child.stdout.take()) else {
            return Err("the SQLCipher peer has no pipes".into());
        };
        let mut key = [0u8; 32];
        getrandom::getrandom(&mut key).map_err(|e| e.to_string())?;
        let key_hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        let mut peer = SqlCipher {
            child,
            to,
            from: BufReader::new(from),
            version: String::new(),
        };
        let answer = peer.ask(&json!({
            "op": "create",
            "path": path.to_str().ok_or("a temporary path that is not UTF-8")?,
            "key_hex": key_hex,
            "pragmas": pragmas,
            "schema": schema,
        }))?;
        peer.version = answer["cipher_version"].as_str().unwrap_or("").to_owned();
        Ok(peer)
    }

    /// Sends one request and reads its answer.
    fn ask(&mut self, request: &Value) -> Result<Value, String> {
        writeln!(self.to, "{request}")
            .and_then(|()| self.to.flush())
            .map_err(|e| format!("writing to the SQLCipher peer: {e}"))?;
        let mut line = String::new();
        self.from
            .read_line(&mut line)
            .map_err(|e| format!("reading from the SQLCipher peer: {e}"))?;
        let answer: Value = serde_json::from_str(&line)
            .map_err(|e| format!("the SQLCipher peer said {line:?}: {e}"))?;
        match answer["error"].as_str() {
            Some(e) => Err(format!("SQLCipher peer: {e}")),
            None => Ok(answer),
        }
    }

    /// Inserts `rows` with `sql`, each in its own committed transaction;
    /// microseconds per row.
    pub fn insert_each(&mut self, sql: &str, rows: &[Value]) -> Result<f64, String> {
        let answer = self.ask(&json!({"op": "insert_each", "sql": sql, "rows": rows}))?;
        answer["us_per_row"]
            .as_f64()
            .ok_or_else(|| format!("no us_per_row in {answer}"))
    }

    /// Inserts `rows` with `sql` in one transaction (setup, not timed).
    pub fn load(&mut self, sql: &str, rows: &[Value]) -> Result<(), String> {
        self.ask(&json!({"op": "load", "sql": sql, "rows": rows}))
            .map(drop)
    }

    /// Lists every row of `sql` (on a fresh keyed connection when `fresh`);
    /// microseconds and the number of rows.
    pub fn list(&mut self, sql: &str, fresh: bool) -> Result<(f64, usize), String> {
        let answer = self.ask(&json!({"op": "list", "sql": sql, "fresh": fresh}))?;
        match (answer["us"].as_f64(), answer["rows"].as_u64()) {
            (Some(us), Some(rows)) => Ok((us, rows as usize)),
            _ => Err(format!("no us/rows in {answer}")),
        }
    }
}

impl Drop for SqlCipher {
    fn drop(&mut self) {
        // Its database is in a temporary directory about to go; wait so
        // that no zombie is left.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
