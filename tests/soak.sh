#!/usr/bin/env bash
# A long mixed load on one real relay process (not part of CI): senders post
# to 8 mailboxes, their owners fetch and prune what they read, for MINUTES
# minutes. Every minute it prints one line: posts, fetches and prunes done,
# errors, p99 latency of each, and the relay's resident memory (RSS) and
# open files, so a leak or a slow drift shows as a trend.
#
# Usage: tests/soak.sh MINUTES              the relay on SQLite
#        tests/pg.sh tests/soak.sh MINUTES  the relay on PostgreSQL
#                                           (uses RAPPORT_TEST_POSTGRES)
# The load stays under the default per-token rate limit (20/s): 16 senders
# at about 8 posts/s each, 8 owners fetching and pruning every second.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=${1:-}
if ! [[ "$minutes" =~ ^[0-9]+$ ]] || [ "$minutes" -lt 1 ]; then
  echo "usage: tests/soak.sh MINUTES (run it through tests/pg.sh for PostgreSQL)" >&2
  exit 2
fi

cargo build --release --quiet --bin rapport
bin="${CARGO_TARGET_DIR:-target}/release/rapport"
dir=$(mktemp -d "${TMPDIR:-/tmp}/rapport-soak.XXXXXX")
relay_pid=
cleanup() {
  if [ -n "$relay_pid" ]; then kill "$relay_pid" 2>/dev/null || true; wait "$relay_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if [ -n "${RAPPORT_TEST_POSTGRES:-}" ]; then
  name="rapport_soak_$(date +%s)"
  "${PG_BIN:-/usr/lib/postgresql/15/bin}/psql" "$RAPPORT_TEST_POSTGRES" -q -c "CREATE DATABASE $name"
  RAPPORT_RELAY_DATABASE="${RAPPORT_TEST_POSTGRES%/*}/$name" \
    "$bin" relay serve --listen "127.0.0.1:$port" 2>"$dir/relay.log" &
  storage=postgres
else
  "$bin" relay serve --db "$dir/relay.db" --listen "127.0.0.1:$port" 2>"$dir/relay.log" &
  storage=sqlite
fi
relay_pid=$!
echo "relay on $storage, pid $relay_pid, port $port, for $minutes min" >&2

python3 - "$port" "$relay_pid" "$minutes" <<'PY'
import json, sys, threading, time, urllib.error, urllib.request

port, pid, minutes = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
base = f"http://127.0.0.1:{port}"

def call(method, path, token=None, body=None):
    request = urllib.request.Request(base + path, data=body, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            payload = answer.read()
            status = answer.status
    except urllib.error.HTTPError as refused:
        payload, status = refused.read(), refused.code
    return status, payload, time.monotonic() - started

deadline = time.monotonic() + 30
while True:
    try:
        if call("GET", "/v1/health")[0] == 200:
            break
    except OSError:
        pass
    if time.monotonic() > deadline:
        sys.exit("the relay did not start")
    time.sleep(0.1)

mailboxes = []
for _ in range(8):
    status, payload, _ = call("POST", "/v1/mailboxes")
    assert status == 201, payload
    created = json.loads(payload)
    tokens = []
    for _ in range(2):
        status, payload, _ = call("POST", f"/v1/mailboxes/{created['mailbox_id']}/post-tokens", created["read_token"])
        assert status == 201, payload
        tokens.append(json.loads(payload)["post_token"])
    mailboxes.append((created["mailbox_id"], created["read_token"], tokens))

lock = threading.Lock()
window = {"post": [], "fetch": [], "prune": []}
errors = {"count": 0}
stop = threading.Event()

def record(kind, status, ok, seconds):
    with lock:
        window[kind].append(seconds)
        if status != ok:
            errors["count"] += 1

def sender(mailbox_id, token, n):
    i = 0
    body = bytes((n * 7 + k) % 256 for k in range(400))
    while not stop.is_set():
        status, _, seconds = call("POST", f"/v1/mailboxes/{mailbox_id}/messages", token, body + i.to_bytes(8, "big"))
        record("post", status, 201, seconds)
        i += 1
        time.sleep(0.12)

def owner(mailbox_id, read_token):
    after = 0
    while not stop.is_set():
        status, payload, seconds = call("GET", f"/v1/mailboxes/{mailbox_id}/messages?after={after}&limit=500", read_token)
        record("fetch", status, 200, seconds)
        if status == 200:
            messages = json.loads(payload)["messages"]
            if messages:
                after = messages[-1]["seq"]
                status, _, seconds = call("DELETE", f"/v1/mailboxes/{mailbox_id}/messages?through={after}", read_token)
                record("prune", status, 200, seconds)
        time.sleep(1.0)

threads = []
for n, (mailbox_id, read_token, tokens) in enumerate(mailboxes):
    threads.append(threading.Thread(target=owner, args=(mailbox_id, read_token), daemon=True))
    for k, token in enumerate(tokens):
        threads.append(threading.Thread(target=sender, args=(mailbox_id, token, 2 * n + k), daemon=True))
for thread in threads:
    thread.start()

def p99_ms(seconds):
    if not seconds:
        return 0.0
    seconds = sorted(seconds)
    return 1000 * seconds[min(len(seconds) - 1, len(seconds) * 99 // 100)]

def rss_kib():
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

def open_files():
    import os
    return len(os.listdir(f"/proc/{pid}/fd"))

print("minute posts fetches prunes errors post_p99_ms fetch_p99_ms prune_p99_ms rss_kib open_files", flush=True)
failed = False
for minute in range(1, minutes + 1):
    time.sleep(60)
    with lock:
        done = {kind: list(latencies) for kind, latencies in window.items()}
        for latencies in window.values():
            latencies.clear()
        error_count, errors["count"] = errors["count"], 0
    failed = failed or error_count > 0
    print(minute, len(done["post"]), len(done["fetch"]), len(done["prune"]), error_count,
          f"{p99_ms(done['post']):.1f}", f"{p99_ms(done['fetch']):.1f}", f"{p99_ms(done['prune']):.1f}",
          rss_kib(), open_files(), flush=True)
stop.set()
sys.exit(1 if failed else 0)
PY
