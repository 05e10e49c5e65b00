#!/usr/bin/env bash
# Runs every test Rapport has, from a fresh machine: formatting, lints, the
# Rust unit/integration/property tests, a brief fuzzing run, and the
# benchmarks' ratio checks.
# Installs what it needs when it is missing; CI runs exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Each step's heading says how long the run has taken so far, so a slow step
# shows in CI's log.
step() { printf '\n== %s (at %d s) ==\n' "$*" "$SECONDS"; }

# A CI run starts from a fresh clone and builds everything once: incremental
# caches would be written, never read, and cost gigabytes of disk.
if [ "${CI:-}" = true ]; then
  export CARGO_INCREMENTAL=0
fi

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else
    echo "need root to run: $*" >&2
    return 1
  fi
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y -q "$@" </dev/null; then
    echo "apt-get install failed; refreshing the package lists once and retrying" >&2
    as_root apt-get update -q </dev/null
    as_root apt-get install -y -q "$@" </dev/null
  fi
}

need_rust_tool() {
  if ! cargo "$1" --version >/dev/null 2>&1; then
    echo "cargo $1 is missing; installing the $2 component"
    rustup component add "$2"
  fi
}

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is not installed: install Rust (https://rustup.rs) and run this again" >&2
  exit 1
fi
need_rust_tool fmt rustfmt
need_rust_tool clippy clippy
# The reference age implementation: the vectors test decrypts every envelope
# that opens with it (a missing `age` fails that test under CI=true).
if ! command -v age >/dev/null 2>&1; then
  echo "age is missing; installing it from Debian"
  apt_install age
fi

# PostgreSQL 15: the relay's storage suite, its three-process test and the
# relay_post_pg benchmark run against a throwaway server (tests/pg.sh).
if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
  echo "PostgreSQL 15 is missing; installing it from Debian"
  apt_install postgresql-15
fi

step "formatting (cargo fmt --check)"
cargo fmt --all -- --check

step "lints (cargo clippy -D warnings)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "Rust tests (unit, integration, property; the relay's storage suite on SQLite and PostgreSQL)"
bash tests/pg.sh cargo test --workspace 2>&1 | tee "$log"

# The relay's /v1/openapi.json against a live relay process: the document
# is valid OpenAPI, and a bounded schema-driven fuzz run finds no 5xx and no
# answer the document does not describe.
step "relay API: OpenAPI validation and a bounded schemathesis run (tests/relay_api.sh)"
bash tests/relay_api.sh 2>&1 | tee -a "$log"

# Coverage-guided fuzzing, briefly: a quick build (debug, no sanitizer) and
# ten seconds per target. The long runs are in README.md ("Fuzzing").
step "fuzzing: every fuzz target for 10 s (tests/fuzz.sh)"
FUZZ_BUILD=quick bash tests/fuzz.sh 10 2>&1 | tee -a "$log"

step "bindings: Python, Kotlin and Swift against the real library"
bash tests/bindings.sh 2>&1 | tee -a "$log"
bash tests/mobile.sh 2>&1 | tee -a "$log"

step "browser: the therapist's HTML report in headless Chromium"
bash tests/browser/run.sh 2>&1 | tee -a "$log"

step "benchmarks: each ratio is against a baseline measured in the same run"
# SQLCipher, the peer the store scenarios compare with, is a crate outside the
# workspace (its own libsqlite3-sys) built against the system's OpenSSL, into
# the same target directory so rapport-bench finds it beside itself.
if [ ! -f /usr/include/openssl/evp.h ]; then
  echo "OpenSSL headers are missing (the SQLCipher peer needs them); installing libssl-dev"
  apt_install libssl-dev
fi
cargo build --release --quiet --manifest-path bench/sqlcipher-peer/Cargo.toml \
  --target-dir "${CARGO_TARGET_DIR:-target}"
# relay_post_pg runs over a throwaway PostgreSQL (tests/pg.sh).
bash tests/pg.sh cargo run --release --quiet -p rapport-bench -- --check

# What the run left on disk: CI runners are shared, and a full disk once
# failed a run halfway (README.md, "Disk and time").
step "disk: build directories this run left"
du -sh "${CARGO_TARGET_DIR:-target}" fuzz/target 2>/dev/null || true
df -h . | tail -n 1

# One closing line for the whole run: cargo's "test result:" lines, pytest's
# "N passed" summary and the Kotlin runner's "N passed, N failed".
awk '/^test result:/ || /passed/ && /(failed|in [0-9.]+s)/ {
       for (i = 2; i <= NF; i++) { w = $i; gsub(/[;,=]/, "", w); v = $(i-1); gsub(/[^0-9]/, "", v)
         if (w == "passed") p += v; if (w == "failed") f += v } }
     END { printf "\nAll tests: %d passed, %d failed\n", p, f }' "$log"
