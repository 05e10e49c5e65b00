//! `rapport-bench`: runs the benchmark scenarios (see the library's docs) and
//! prints one JSON line per measurement.

use std::process::ExitCode;

use rapport_bench::{SCENARIOS, run, select};

fn main() -> ExitCode {
    // relay_post_pg runs its relay processes from this executable.
    if let Some(code) = rapport_bench::serve_child_if_asked() {
        return code;
    }
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args
        .iter()
        .any(|a| a == "-h" || a == "--help" || a == "--list")
    {
        println!("usage: rapport-bench [--check] [SCENARIO...]\n\nscenarios:");
        for s in SCENARIOS {
            println!("  {:<22} (ratio limit {:.1}) {}", s.name, s.limit, s.about);
        }
        return ExitCode::SUCCESS;
    }
    let check = args.iter().any(|a| a == "--check");
    args.retain(|a| a != "--check");
    let chosen = match select(&args) {
        Ok(chosen) => chosen,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let outcome = run(&chosen, &mut |_, line| println!("{line}"));
    for failure in &outcome.failed {
        eprintln!("{failure}");
    }
    if check && !outcome.over.is_empty() {
        eprintln!("over the limit: {}", outcome.over.join("; "));
    }
    if !outcome.failed.is_empty() || (check && !outcome.over.is_empty()) {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
