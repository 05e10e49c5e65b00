//! `rapport-sqlcipher-peer`: SQLCipher doing what rapport-bench's plain
//! SQLite baselines do, so that each round of a store scenario can time
//! Rapport, plain SQLite and SQLCipher one after the other.
//!
//! rapport-bench spawns this binary and speaks one JSON object per line on
//! stdin; each request gets one JSON line back on stdout, `{"error": ...}`
//! when it failed. The pragmas, schema, queries and rows all come from
//! rapport-bench, so the three stores cannot drift apart.
//!
//! - `{"op": "create", "path", "key_hex", "pragmas", "schema"}`: a new keyed
//!   database, kept open for the requests that follow.
//! - `{"op": "insert_each", "sql", "rows"}`: each row in its own `IMMEDIATE`
//!   transaction, committed (with the pragmas' fsync) → `{"us_per_row"}`.
//! - `{"op": "load", "sql", "rows"}`: all rows in one transaction (setup).
//! - `{"op": "list", "sql", "fresh"}`: select every row, reading every column;
//!   `fresh` opens (and keys) a new connection first, inside the timing, as a
//!   phone app does after a restart → `{"us", "rows"}`.
//!
//! A row is `[id_hex, instrument_id, instrument_version, session_date,
//! answers, note_or_null]`; its timestamps are taken at insert, as the plain
//! baseline does. The key is a raw 256-bit key (`x'…'`), as Rapport's data
//! key is: no passphrase derivation to time.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, TransactionBehavior, params};
use serde_json::{Value, json};

struct Db {
    path: PathBuf,
    key_hex: String,
    pragmas: String,
    conn: Connection,
}

fn main() {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    let mut db: Option<Db> = None;
    for line in stdin.lock().lines() {
        let answer = match line {
            Ok(line) => match serde_json::from_str::<Value>(&line) {
                Ok(request) => handle(&mut db, &request).unwrap_or_else(|e| json!({"error": e})),
                Err(e) => json!({"error": format!("not JSON: {e}")}),
            },
            Err(e) => json!({"error": format!("stdin: {e}")}),
        };
        if writeln!(stdout, "{answer}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return;
        }
    }
}

fn field<'a>(request: &'a Value, name: &str) -> Result<&'a str, String> {
    request[name]
        .as_str()
        .ok_or_else(|| format!("missing string field {name:?}"))
}

fn rows(request: &Value) -> Result<&Vec<Value>, String> {
    request["rows"]
        .as_array()
        .ok_or_else(|| "missing array field \"rows\"".to_owned())
}

fn handle(db: &mut Option<Db>, request: &Value) -> Result<Value, String> {
    match field(request, "op")? {
        "create" => {
            let path = PathBuf::from(field(request, "path")?);
            let key_hex = field(request, "key_hex")?.to_owned();
            let pragmas = field(request, "pragmas")?.to_owned();
            let conn = open(&path, &key_hex, &pragmas)?;
            conn.execute_batch(field(request, "schema")?)
                .map_err(|e| e.to_string())?;
            let cipher: String = conn
                .query_row("PRAGMA cipher_version", [], |r| r.get(0))
                .map_err(|e| format!("not SQLCipher: {e}"))?;
            *db = Some(Db {
                path,
                key_hex,
                pragmas,
                conn,
            });
            Ok(json!({"cipher_version": cipher}))
        }
        "insert_each" => {
            let db = db.as_mut().ok_or("no database: send \"create\" first")?;
            let sql = field(request, "sql")?;
            let rows = rows(request)?;
            let start = Instant::now();
            for row in rows {
                let tx = db
                    .conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(|e| e.to_string())?;
                insert(&tx, sql, row)?;
                tx.commit().map_err(|e| e.to_string())?;
            }
            let us = start.elapsed().as_secs_f64() * 1e6;
            Ok(json!({"us_per_row": us / rows.len().max(1) as f64}))
        }
        "load" => {
            let db = db.as_mut().ok_or("no database: send \"create\" first")?;
            let sql = field(request, "sql")?;
            let tx = db.conn.transaction().map_err(|e| e.to_string())?;
            for row in rows(request)? {
                insert(&tx, sql, row)?;
            }
            tx.commit().map_err(|e| e.to_string())?;
            Ok(json!({"ok": true}))
        }
        "list" => {
            let db = db.as_ref().ok_or("no database: send \"create\" first")?;
            let sql = field(request, "sql")?;
            let start = Instant::now();
            let count = if request["fresh"].as_bool().unwrap_or(false) {
                list(&open(&db.path, &db.key_hex, &db.pragmas)?, sql)?
            } else {
                list(&db.conn, sql)?
            };
            let us = start.elapsed().as_secs_f64() * 1e6;
            Ok(json!({"us": us, "rows": count}))
        }
        other => Err(format!("unknown op {other:?}")),
    }
}

fn open(path: &PathBuf, key_hex: &str, pragmas: &str) -> Result<Connection, String> {
    let conn = Connection::open(path).map_err(|e| e.to_string())?;
    // The key must be the first statement on the connection.
    conn.execute_batch(&format!("PRAGMA key = \"x'{key_hex}'\";"))
        .map_err(|e| e.to_string())?;
    conn.execute_batch(pragmas).map_err(|e| e.to_string())?;
    Ok(conn)
}

fn insert(conn: &Connection, sql: &str, row: &Value) -> Result<(), String> {
    let text = |i: usize| {
        row[i]
            .as_str()
            .ok_or_else(|| format!("row field {i} is not text"))
    };
    let id = hex(text(0)?)?;
    let version = row[2].as_i64().ok_or("row field 2 is not a number")?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_millis() as i64;
    conn.prepare_cached(sql)
        .map_err(|e| e.to_string())?
        .execute(params![
            id,
            text(1)?,
            version,
            text(3)?,
            now,
            text(4)?,
            row[5].as_str()
        ])
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// Reads every column of every row into owned values, as the plain
/// baseline does.
fn list(conn: &Connection, sql: &str) -> Result<usize, String> {
    let mut stmt = conn.prepare_cached(sql).map_err(|e| e.to_string())?;
    let columns = stmt.column_count();
    let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
    let mut count = 0;
    let mut bytes = 0usize;
    while let Some(row) = rows.next().map_err(|e| e.to_string())? {
        for i in 0..columns {
            bytes += match row.get_ref(i).map_err(|e| e.to_string())? {
                rusqlite::types::ValueRef::Text(t) => std::str::from_utf8(t)
                    .map_err(|e| e.to_string())?
                    .to_owned()
                    .len(),
                rusqlite::types::ValueRef::Blob(b) => b.to_vec().len(),
                _ => 8,
            };
        }
        count += 1;
    }
    std::hint::black_box(bytes);
    Ok(count)
}

fn hex(text: &str) -> Result<Vec<u8>, String> {
    if !text.len().is_multiple_of(2) {
        return Err(format!("odd-length hex {text:?}"));
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}
