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
//! (all when none is named). With `--check`, exits non-zero when a ratio is
//! above the scenario's limit, the acceptance bound from its issue.

mod cdylib_size;
mod relay_post;
mod scenarios;

use std::process::ExitCode;

use serde_json::{Value, json};

/// One scenario: a name and how to run it.
struct Scenario {
    name: &'static str,
    about: &'static str,
    /// Highest acceptable `ratio` (checked with `--check`).
    limit: f64,
    run: fn() -> Result<Vec<Value>, String>,
}

const SCENARIOS: &[Scenario] = &[
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
        about: "precheck + decrypt + verify + bind one envelope vs one raw X25519 DH",
        limit: 3.0,
        run: scenarios::open_envelope,
    },
    Scenario {
        name: "therapist_ingest_10k",
        about: "fetch, open and apply 10,000 check-in envelopes, per envelope vs one X25519 DH",
        limit: 3.0,
        run: scenarios::therapist_ingest_10k,
    },
    Scenario {
        name: "relay_post",
        about: "posts/s and p99 over loopback vs a do-nothing axum endpoint (ratio limit 4 = 0.25x)",
        limit: 4.0,
        run: relay_post::relay_post,
    },
    Scenario {
        name: "cdylib_size",
        about: "stripped release size of the mobile library (rapport-ffi), against 3 MiB",
        limit: 1.0,
        run: cdylib_size::cdylib_size,
    },
];

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args
        .iter()
        .any(|a| a == "-h" || a == "--help" || a == "--list")
    {
        println!("usage: rapport-bench [--check] [SCENARIO...]\n\nscenarios:");
        for s in SCENARIOS {
            println!("  {:<16} (ratio limit {:.1}) {}", s.name, s.limit, s.about);
        }
        return ExitCode::SUCCESS;
    }
    let check = args.iter().any(|a| a == "--check");
    args.retain(|a| a != "--check");
    let chosen: Vec<&Scenario> = if args.is_empty() {
        SCENARIOS.iter().collect()
    } else {
        let mut chosen = Vec::new();
        for arg in &args {
            match SCENARIOS.iter().find(|s| s.name == arg) {
                Some(s) => chosen.push(s),
                None => {
                    eprintln!("unknown scenario {arg:?}; `rapport-bench --list` shows them");
                    return ExitCode::from(2);
                }
            }
        }
        chosen
    };
    let mut over = Vec::new();
    for scenario in chosen {
        match (scenario.run)() {
            Ok(lines) => {
                for mut line in lines {
                    if let Some(fields) = line.as_object_mut() {
                        fields.insert("limit".into(), json!(scenario.limit));
                    }
                    println!("{line}");
                    match line["ratio"].as_f64() {
                        Some(ratio) if ratio > scenario.limit => {
                            over.push(format!(
                                "{} ratio {ratio} > {}",
                                scenario.name, scenario.limit
                            ));
                        }
                        _ => {}
                    }
                }
            }
            Err(e) => {
                eprintln!("{}: {e}", scenario.name);
                return ExitCode::FAILURE;
            }
        }
    }
    if check && !over.is_empty() {
        eprintln!("over the limit: {}", over.join("; "));
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
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

pub(crate) fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
