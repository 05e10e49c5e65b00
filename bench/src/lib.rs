//! Rapport's benchmarks. Each scenario measures our code and a baseline in the
//! same run, on the same machine and file system, and prints one JSON line:
//! `{"bench", "ours_us", "baseline", "baseline_us", "ratio", ...}`.
//!
//! Ratios, not absolute times, are what the targets are about: the machines
//! these run on are shared and noisy, and a ratio against work done moments
//! earlier cancels most of that noise. Rounds alternate between ours and the
//! baseline, and the median round is reported.
//!
//! Usage: `cargo run --release -p rapport-bench -- [--check] [SCENARIO...]`
//! (all when none is named), or `rapport bench [--json]`. With `--check`, a
//! ratio above the scenario's limit (the acceptance bound from its issue) is a
//! failure, and so is any sentence a scenario lists in its line's `over`
//! (bounds on counts, such as open flags per client).

mod cdylib_size;
mod dashboard;
mod relay_post;
mod relay_post_pg;
mod scenarios;
mod sqlcipher;

pub use relay_post_pg::serve_child_if_asked;
use serde_json::{Value, json};

/// One scenario: a name and how to run it.
pub struct Scenario {
    /// Its name, as given on the command line.
    pub name: &'static str,
    /// What it measures, against what.
    pub about: &'static str,
    /// Highest acceptable `ratio` (checked with `--check`).
    pub limit: f64,
    run: fn() -> Result<Vec<Value>, String>,
}

/// `brief_500`'s ratio limit: about twice the ratio measured on a shared
/// 2-core machine (5.08, 5.29 and 6.17 in three runs: 156 ms vs 31 ms,
/// 87 ms vs 16 ms, 85 ms vs 14 ms), so that load on the machine does not fail `--check` while a
/// brief that got much slower than the scan does. The ratio is higher than
/// the dashboard's because the brief reads every client's insights (to
/// order them by need) while its baseline scans only 30 check-ins each.
const BRIEF_LIMIT: f64 = 10.0;

/// `relay_post_pg`'s ratio limit against the do-nothing endpoint: about 2×
/// the 3.9 to 4.5 measured on the quiet 2-core machine once posts were
/// stored set-wise (12,300 to 14,300 posts/s; it was 9.1 to 10.3 before,
/// when the limit was 15). PostgreSQL's commit, in other processes, costs
/// more per post than SQLite's group commit in the relay's own. The
/// issue's floor of 5,000 posts/s is enforced separately, on a quiet
/// machine.
const RELAY_POST_PG_LIMIT: f64 = 8.0;

/// `open_envelope`'s ratio limit, issue 21's aim. Measured as the median of
/// 41 paired slices, it was 1.96 to 2.00 in four runs on the shared 2-core
/// machine whether one DH took 65 or 98 µs (ratios of medians taken apart
/// had ranged 2.05 to 2.29): one DH, one Ed25519 verification (about 0.6)
/// and age's header MAC, payload key and decryption (about 0.35).
const OPEN_ENVELOPE_LIMIT: f64 = 2.2;

/// Every scenario, in the order they run.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "record_checkin",
        about: "record one check-in durably vs a plain rusqlite insert of the same row",
        limit: 2.0,
        run: scenarios::record_checkin,
    },
    Scenario {
        name: "history_10k",
        about: "list 10,000 decrypted check-ins vs select + one AEAD open per row",
        limit: 2.0,
        run: scenarios::history_10k,
    },
    Scenario {
        name: "seal_envelope",
        about: "sign + age-encrypt one check-in envelope vs one raw X25519 DH",
        limit: 3.0,
        run: scenarios::seal_envelope,
    },
    Scenario {
        name: "open_envelope",
        about: "precheck + decrypt + verify + bind one envelope vs one raw X25519 DH (median of paired slices; limit: issue 21's 2.2)",
        limit: OPEN_ENVELOPE_LIMIT,
        run: scenarios::open_envelope,
    },
    Scenario {
        name: "therapist_ingest_10k",
        about: "fetch, open and apply 10,000 check-in envelopes, per envelope vs one X25519 DH",
        limit: 3.0,
        run: scenarios::therapist_ingest_10k,
    },
    Scenario {
        name: "dashboard_100k",
        about: "full dashboard (500 clients x 200 check-ins, trends, flags) vs a plain SQL scan; also <= 50 ms (reported), open flags per client median <= 1 and p95 <= 3",
        limit: 1.0,
        run: dashboard::dashboard_100k,
    },
    Scenario {
        name: "brief_500",
        about: "pre-session brief (500 clients x 30 check-ins, 60 sessions on the day) vs the dashboard's plain SQL scan",
        limit: BRIEF_LIMIT,
        run: dashboard::brief_500,
    },
    Scenario {
        name: "relay_post",
        about: "posts/s and p99 over loopback vs a do-nothing axum endpoint (ratio limit 4 = 0.25x)",
        limit: 4.0,
        run: relay_post::relay_post,
    },
    Scenario {
        name: "relay_post_pg",
        about: "posts/s and p99 through two relay processes over PostgreSQL vs a do-nothing axum endpoint and the SQLite relay; also >= 5,000 posts/s on a quiet machine",
        limit: RELAY_POST_PG_LIMIT,
        run: relay_post_pg::relay_post_pg,
    },
    Scenario {
        name: "cdylib_size",
        about: "stripped release size of the mobile library (rapport-ffi), against 4 MiB",
        limit: 1.0,
        run: cdylib_size::cdylib_size,
    },
];

/// What a run found.
pub struct Outcome {
    /// One JSON line per measurement, with the scenario's `limit` added.
    pub lines: Vec<Value>,
    /// Measurements over their limit, as sentences.
    pub over: Vec<String>,
    /// Scenarios that failed to run (or broke an absolute bound), with why.
    pub failed: Vec<String>,
}

/// The scenarios named (all when `names` is empty); `Err` names an unknown one.
pub fn select(names: &[String]) -> Result<Vec<&'static Scenario>, String> {
    if names.is_empty() {
        return Ok(SCENARIOS.iter().collect());
    }
    names
        .iter()
        .map(|name| {
            SCENARIOS
                .iter()
                .find(|s| s.name == name)
                .ok_or_else(|| format!("unknown scenario {name:?}; `--list` shows them"))
        })
        .collect()
}

/// Runs `scenarios` in order, handing each JSON line to `each` as it comes.
pub fn run(scenarios: &[&Scenario], each: &mut dyn FnMut(&Scenario, &Value)) -> Outcome {
    let mut outcome = Outcome {
        lines: Vec::new(),
        over: Vec::new(),
        failed: Vec::new(),
    };
    for scenario in scenarios {
        match (scenario.run)() {
            Ok(lines) => {
                for mut line in lines {
                    if let Some(fields) = line.as_object_mut() {
                        fields.insert("limit".into(), json!(scenario.limit));
                    }
                    each(scenario, &line);
                    if let Some(ratio) = line["ratio"].as_f64()
                        && ratio > scenario.limit
                    {
                        outcome.over.push(format!(
                            "{} ratio {ratio} > {}",
                            scenario.name, scenario.limit
                        ));
                    }
                    // Scenario-specific bounds (counts, not timings) it found broken.
                    if let Some(over) = line["over"].as_array() {
                        outcome
                            .over
                            .extend(over.iter().filter_map(|o| o.as_str()).map(str::to_owned));
                    }
                    outcome.lines.push(line);
                }
            }
            Err(e) => outcome.failed.push(format!("{}: {e}", scenario.name)),
        }
    }
    outcome
}

/// The JSON line every scenario prints, plus scenario-specific fields.
pub(crate) fn report(
    bench: &str,
    ours_us: f64,
    baseline: &str,
    baseline_us: f64,
    extra: Value,
) -> Value {
    let mut line = json!({
        "bench": bench,
        "ours_us": round(ours_us),
        "baseline": baseline,
        "baseline_us": round(baseline_us),
        "ratio": round(ours_us / baseline_us),
    });
    if let (Some(line), Value::Object(extra)) = (line.as_object_mut(), extra) {
        line.extend(extra);
    }
    line
}

/// Makes the median of each round's own ratio (timings taken back to back)
/// the ratio judged, with the ratio of medians [`report`] made beside it:
/// one DH here swings by half from one second to the next, and medians
/// taken apart can pair a fast second with a slow one.
pub(crate) fn judge_paired(line: &mut Value, ratios: Vec<f64>) {
    line["ratio_of_medians"] = line["ratio"].clone();
    line["ratio"] = json!(round(median(ratios)));
}

pub(crate) fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

pub(crate) fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The median (the upper one of an even count); `xs` must not be empty.
pub(crate) fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// [`median`], or NaN for no figures at all.
pub(crate) fn median_or_nan(xs: Vec<f64>) -> f64 {
    if xs.is_empty() { f64::NAN } else { median(xs) }
}

/// Peak resident memory of this process since the last reset, in bytes.
pub(crate) fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// CPU time this process has used, in seconds, on every thread (Linux:
/// `utime` + `stime` of `/proc/self/stat`, which include threads that have
/// ended). Resolution one clock tick (10 ms): fine for rounds of a second.
pub(crate) fn process_cpu_seconds() -> Option<f64> {
    /// The kernel reports these times in USER_HZ ticks, 100 a second.
    const TICKS_PER_SECOND: f64 = 100.0;
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; the fields after it do not.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some((user + system) as f64 / TICKS_PER_SECOND)
}

/// Starts a new peak-memory measurement (Linux: writing 5 to clear_refs
/// resets VmHWM to the current RSS).
pub(crate) fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
