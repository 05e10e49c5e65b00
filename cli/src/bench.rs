//! `rapport bench [--json] [--check] [SCENARIO...]`: every benchmark scenario,
//! each against a baseline measured in the same run, as a table for people or
//! JSON lines for programs.

use rapport_bench::{SCENARIOS, Scenario, run, select};
use serde_json::Value;

use crate::Result;

/// Runs the scenarios and prints as they finish.
pub fn bench(json: bool, check: bool, names: &[String]) -> Result<()> {
    let chosen = select(names)?;
    if !json {
        println!(
            "Each scenario against a baseline measured moments before, on this machine \
             (ratio = ours / baseline; lower is better)."
        );
        println!(
            "\n{:<22} {:>12} {:>12}  {:>7} {:>6}  baseline",
            "scenario", "ours", "baseline", "ratio", "limit"
        );
    }
    let outcome = run(&chosen, &mut |scenario: &Scenario, line: &Value| {
        if json {
            println!("{line}");
        } else {
            println!("{}", table_row(scenario, line));
        }
    });
    for failure in &outcome.failed {
        eprintln!("failed: {failure}");
    }
    if !json && !outcome.over.is_empty() {
        eprintln!("over the limit: {}", outcome.over.join("; "));
    }
    if !outcome.failed.is_empty() || (check && !outcome.over.is_empty()) {
        return Err(format!(
            "{} scenario(s) failed, {} over their limit",
            outcome.failed.len(),
            outcome.over.len()
        )
        .into());
    }
    if !json {
        println!(
            "\n{} measurement(s); `rapport bench --json` prints every field. Scenarios: {}.",
            outcome.lines.len(),
            SCENARIOS
                .iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}

fn duration(us: Option<f64>) -> String {
    match us {
        Some(us) if us >= 1_000_000.0 => format!("{:.2} s", us / 1_000_000.0),
        Some(us) if us >= 1_000.0 => format!("{:.1} ms", us / 1_000.0),
        Some(us) => format!("{us:.0} µs"),
        None => "-".into(),
    }
}

fn table_row(scenario: &Scenario, line: &Value) -> String {
    let name = line["bench"].as_str().unwrap_or(scenario.name);
    let ratio = line["ratio"].as_f64();
    let verdict = match ratio {
        Some(r) if r > scenario.limit => "  OVER",
        _ => "",
    };
    format!(
        "{:<22} {:>12} {:>12}  {:>7} {:>6}  {}{verdict}",
        name,
        duration(line["ours_us"].as_f64()),
        duration(line["baseline_us"].as_f64()),
        ratio
            .map(|r| format!("{r:.2}"))
            .unwrap_or_else(|| "-".into()),
        format!("{:.1}", scenario.limit),
        line["baseline"].as_str().unwrap_or(""),
    )
}
