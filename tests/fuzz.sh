#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo fuzz, libFuzzer): builds every target in
# fuzz/ once, then runs each for SECONDS (or, with RUNS=N, for N executions)
# from its committed seeds (fuzz/seeds/TARGET) plus what earlier runs found
# (fuzz/corpus/TARGET, not committed). Prints executions and executions per
# second per target; exits non-zero on any crash, leak or timeout, naming
# the input that reproduces it.
#
# Usage: tests/fuzz.sh SECONDS             e.g. tests/fuzz.sh 60
#        RUNS=10000000 tests/fuzz.sh 0     a fixed number of executions
#        RUNS=10000000 tests/fuzz.sh 3600  that many, or an hour if it comes first
#        TARGETS="invite relay_request"    only these targets
#        FUZZ_BUILD=quick                  a debug build without AddressSanitizer:
#                                          a third of the build time, for CI's brief
#                                          run (panics and overflows are still caught;
#                                          memory errors need the default build)
#        FUZZ_BUILD=lean                   optimised, with overflow checks and debug
#                                          assertions, without AddressSanitizer: two
#                                          to four times the executions per second,
#                                          for long runs (our crates have no unsafe
#                                          code; SQLite's C is what ASan would watch)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-}
if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
  echo "usage: tests/fuzz.sh SECONDS (RUNS=N for a fixed number of executions)" >&2
  exit 2
fi
runs=${RUNS:-}
if [ -n "$runs" ] && ! [[ "$runs" =~ ^[0-9]+$ ]]; then
  echo "RUNS must be a whole number, not '$runs'" >&2
  exit 2
fi
case "${FUZZ_BUILD:-full}" in
  full) build=() profile=release ;;
  quick) build=(--dev --sanitizer none) profile=debug ;;
  lean)
    build=(--release --sanitizer none --debug-assertions) profile=release
    # Its own directory, so it does not overwrite the default build.
    export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/fuzz/target-lean}
    ;;
  *)
    echo "FUZZ_BUILD is full (the default), quick or lean, not '${FUZZ_BUILD}'" >&2
    exit 2
    ;;
esac

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is not installed: install Rust (https://rustup.rs) and run this again" >&2
  exit 1
fi
# libFuzzer and the sanitizers need a nightly compiler.
nightly=$(rustup toolchain list 2>/dev/null | awk '/^nightly/ {print $1; exit}')
if [ -z "$nightly" ]; then
  echo "no nightly Rust toolchain; installing one (minimal profile)"
  rustup toolchain install nightly --profile minimal
  nightly=nightly
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo fuzz is missing; installing it"
  cargo install cargo-fuzz --locked
fi

targets=${TARGETS:-$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^rapport-fuzz$')}

started=$(date +%s)
echo "building the fuzz targets (cargo +$nightly fuzz build ${build[*]})"
(cd fuzz && cargo "+$nightly" fuzz build "${build[@]}")
echo "built in $(($(date +%s) - started)) s"
bin="${CARGO_TARGET_DIR:-$PWD/fuzz/target}/x86_64-unknown-linux-gnu/$profile"

if [ -n "$runs" ] && [ "$seconds" -gt 0 ]; then
  limit=(-runs="$runs" -max_total_time="$seconds")
  echo "running each target for $runs executions, or $seconds s if that comes first"
elif [ -n "$runs" ]; then
  limit=(-runs="$runs")
  echo "running each target for $runs executions"
else
  limit=(-max_total_time="$seconds")
  echo "running each target for $seconds s"
fi

failed=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT
printf '\n%-20s %12s %8s %8s %8s\n' target executions seconds "exec/s" corpus
for target in $targets; do
  mkdir -p "fuzz/corpus/$target" "fuzz/seeds/$target" "fuzz/artifacts/$target"
  began=$(date +%s%N)
  status=0
  # The binary cargo fuzz run would start, with the same corpus and
  # artifact places. A single input that takes 25 s counts as a hang.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_odr_violation=0} "$bin/$target" \
    "${limit[@]}" -timeout=25 -print_final_stats=1 \
    -artifact_prefix="fuzz/artifacts/$target/" \
    "fuzz/corpus/$target" "fuzz/seeds/$target" >"$log" 2>&1 || status=$?
  took=$(awk -v a="$began" -v b="$(date +%s%N)" 'BEGIN { printf "%.0f", (b - a) / 1e9 }')
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  corpus=$(find "fuzz/corpus/$target" -type f | wc -l)
  printf '%-20s %12s %8s %8s %8s\n' "$target" "${executions:-?}" "$took" "${rate:-?}" "$corpus"
  if [ "$status" != 0 ] || grep -qE '^==[0-9]+== ?ERROR|^SUMMARY: |deadly signal' "$log"; then
    failed+=("$target")
    echo "---- $target failed (exit $status); the end of its log:" >&2
    tail -n 40 "$log" >&2
    reproducer=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    if [ -n "$reproducer" ]; then
      echo "---- reproduce: (cd fuzz && cargo +$nightly fuzz run $target ${reproducer#fuzz/})" >&2
    fi
  fi
done

# One line in the shape tests/run.sh adds up: targets, not executions.
count=$(echo "$targets" | wc -w)
echo "fuzz targets: $((count - ${#failed[@]})) passed, ${#failed[@]} failed"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found a crash, leak or timeout in: ${failed[*]}" >&2
  exit 1
fi
