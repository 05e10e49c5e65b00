#!/usr/bin/env bash
# The therapist's HTML report as a person sees it, from a fresh machine:
#   1. installs headless Chromium (Debian's chromium) when it is missing,
#   2. builds the rapport CLI (release: the same build the demo uses),
#   3. makes reports the way a user would:
#        - "practice": a therapist and five clients driven through the CLI
#          against a real relay on a loopback port, ending in
#          `therapist report` (this tests the command on its own);
#        - "demo": `rapport demo --out DIR`, when this build has the demo,
#   4. renders each in Chromium and checks it (check_report.py: screenshot,
#      rendered DOM, no scripts, no network, no console errors), after proving
#      on deliberately bad pages that those checks can fail.
# The screenshot of the demo's report (else the practice's) is left at
# target/browser/report.png. Exits non-zero if anything fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
out="$root/target/browser"
bin="${CARGO_TARGET_DIR:-$root/target}/release/rapport"
mkdir -p "$out"

step() { printf '\n== browser: %s (%ss) ==\n' "$*" "$SECONDS"; }

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

# ---------------------------------------------------------------- tools
step "tools"
for tool in cargo python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is required but not installed" >&2; exit 1; }
done
chromium="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$chromium" ]; then
  echo "chromium is missing; installing Debian's chromium"
  apt_install chromium
  chromium="$(command -v chromium)"
fi
"$chromium" --version 2>/dev/null || true

step "build (cargo build --release --bin rapport)"
cargo build --release --quiet --bin rapport

# ---------------------------------------------------------------- practice
# Every file here is throwaway test data; the passphrase is not a secret.
export RAPPORT_PASSPHRASE="browser test passphrase"
export RAPPORT_SCRYPT_WORK_FACTOR=4 RAPPORT_TEST_WEAK_KEYS=1
# check_report.py reads the English report; the report's language follows the
# locale (cli/src/report/texts.rs), so the locale must not choose another one.
export LC_ALL=C.UTF-8
unset RAPPORT_KIT_PASSPHRASE RAPPORT_HOME

practice="$out/practice"
rm -rf "$practice"
mkdir -p "$practice"
relay_pid=""
stop_relay() { if [ -n "$relay_pid" ]; then kill "$relay_pid" 2>/dev/null || true; wait "$relay_pid" 2>/dev/null || true; fi; }
trap stop_relay EXIT

step "practice: a relay, a therapist and five clients, through the CLI"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
relay="http://127.0.0.1:$port"
"$bin" relay serve --db "$practice/relay.db" --listen "127.0.0.1:$port" >"$practice/relay.log" 2>&1 &
relay_pid=$!
python3 - "$relay/v1/health" <<'EOF'
import sys, time, urllib.request
deadline = time.monotonic() + 20
while True:
    try:
        urllib.request.urlopen(sys.argv[1], timeout=2)
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("the relay did not start: see target/browser/practice/relay.log")
        time.sleep(0.1)
EOF

rapport() { local home="$1"; shift; "$bin" --home "$practice/$home" "$@"; }
ago() { date -u -d "$1 days ago" +%F; }
checkin() { local home="$1"; shift; rapport "$home" client checkin "$@" >/dev/null; }

# The name and two labels carry HTML, so the report must escape them.
rapport therapist therapist init --relay "$relay" --name 'Dr. Ana Ruiz & <Team>' >/dev/null
labels=("R.M." 'J.K. & <co>' "S.T." "P.Q." "L.W.")
for i in "${!labels[@]}"; do
  uri="$(rapport therapist therapist invite --label "${labels[$i]}" 2>/dev/null | grep '^rapport:invite/')"
  rapport "client$i" client join "$uri" --accept-consent 2 >/dev/null
done
rapport therapist sync >/dev/null

# R.M.: six weekly sessions, getting better; notes on some.
heard=(2 3 3 4 4 5) hopeful=(1 2 2 3 4 4)
for s in 0 1 2 3 4 5; do
  note=()
  case $s in
    0) note=(--note "First session. Felt rushed, and not sure this is for me.") ;;
    3) note=(--note "We found the thread <finally> & I want to keep going.") ;;
    5) note=(--note "Lighter this week. The homework helped.") ;;
  esac
  checkin client0 --heard "${heard[$s]}" --hopeful "${hopeful[$s]}" "${note[@]}" \
    --session-date "$(ago $((42 - 7 * s)))"
done
# J.K.: three sessions, then a hard one with a request for support.
checkin client1 --heard 4 --hopeful 4 --session-date "$(ago 21)"
checkin client1 --heard 4 --hopeful 3 --note "Work is a lot right now." --session-date "$(ago 14)"
checkin client1 --heard 3 --hopeful 1 --need-support --locale en-GB \
  --note 'Hard week. I said "no" & meant it, <b>finally</b>.' --session-date "$(ago 7)"
# S.T.: one check-in so far. P.Q.: joined, none yet.
checkin client2 --heard 3 --hopeful 3 --worked-on 4 --note "Good to start." --session-date "$(ago 3)"
# L.W.: two sessions, then left (what they shared stays with the therapist).
checkin client4 --heard 3 --hopeful 2 --session-date "$(ago 20)"
checkin client4 --heard 3 --hopeful 3 --note "Moving away; thank you." --session-date "$(ago 13)"
for home in client0 client1 client2 client3 client4; do rapport "$home" sync >/dev/null; done
rapport client4 client leave >/dev/null
rapport therapist sync >/dev/null

rapport therapist therapist report --out "$practice/report.html"
rapport therapist therapist dashboard --json >"$practice/dashboard.json"
stop_relay
relay_pid=""

reports=()
if "$bin" demo --help >/dev/null 2>&1; then
  step "demo (rapport demo --out target/browser/demo)"
  rm -rf "$out/demo"
  "$bin" demo --out "$out/demo" >"$out/demo.log" 2>&1 || { cat "$out/demo.log" >&2; exit 1; }
  reports+=(--report practice "$practice/report.html" "$practice/dashboard.json" "$out/practice.png")
  reports+=(--report demo "$out/demo/report.html" "$out/demo/dashboard.json" "$out/report.png")
else
  echo "this build has no \`rapport demo\` yet: checking the practice's report only"
  reports+=(--report practice "$practice/report.html" "$practice/dashboard.json" "$out/report.png")
fi

step "render in headless Chromium and check"
python3 tests/browser/check_report.py --chromium "$chromium" --work "$out/chromium" "${reports[@]}"

# ---------------------------------------------------------------- the app
# `rapport therapist app` on the demo's therapist home, driven by Playwright
# (PyPI, with Debian's Chromium), QR codes read back with zxing-cpp (PyPI),
# accessibility checked with axe-core (npm). Screenshots go to
# target/browser/app/ (docs/ holds the committed ones).
if [ -d "$out/demo/therapist" ]; then
  step "the therapist's app in headless Chromium (check_app.py)"
  tools="$out/tools"
  venv="$tools/venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  py="$venv/bin/python"
  if ! "$py" -c "import playwright, zxingcpp, PIL" 2>/dev/null; then
    "$py" -m pip install --disable-pip-version-check -q \
      "playwright>=1.50,<2" "zxing-cpp>=2.3,<4" "pillow>=10,<14" </dev/null
  fi
  axe="$tools/npm/node_modules/axe-core/axe.min.js"
  if [ ! -f "$axe" ]; then
    command -v npm >/dev/null 2>&1 || apt_install npm
    npm install --prefix "$tools/npm" --no-audit --no-fund --loglevel=error "axe-core@4.14.1" </dev/null
  fi
  "$py" tests/browser/check_app.py --chromium "$chromium" --rapport "$bin" \
    --demo "$out/demo" --demo-log "$out/demo.log" --axe "$axe" --shots "$out/app"
fi
step "done"
