#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL 15 beside it: `initdb` into a
# new temporary directory as the unprivileged `postgres` user, a free port on
# 127.0.0.1, the unix socket in that directory too. The command sees
#   RAPPORT_TEST_POSTGRES=postgres://postgres@127.0.0.1:PORT/postgres
# (a superuser URL: the relay's tests create one database per test with it).
# The server is stopped and its directory removed when the command ends,
# whether it passed, failed or was interrupted; the command's exit status is
# this script's.
#
# Usage: tests/pg.sh COMMAND [ARG...]
#        tests/pg.sh cargo test -p rapport-relay
#        PG_BIN=/usr/lib/postgresql/15/bin (default) picks the server.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: tests/pg.sh COMMAND [ARG...]" >&2
  exit 2
fi

pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$pg_bin/initdb" ]; then
  echo "PostgreSQL 15 is not installed ($pg_bin/initdb is missing): apt-get install postgresql-15" >&2
  exit 1
fi

# initdb refuses to run as root; the server runs as this user.
pg_user=postgres
if [ "$(id -u)" = 0 ]; then
  if ! id "$pg_user" >/dev/null 2>&1; then
    echo "running as root needs an unprivileged '$pg_user' user to run PostgreSQL" >&2
    exit 1
  fi
  as_pg() { runuser -u "$pg_user" -- "$@"; }
else
  as_pg() { "$@"; }
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/rapport-pg.XXXXXX")
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown "$pg_user" "$dir"
data="$dir/data"

# Called by the EXIT trap only, which shellcheck cannot see.
# shellcheck disable=SC2317
stop() {
  if [ -f "$data/postmaster.pid" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free port: ask the kernel for one, then hand it to PostgreSQL.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

as_pg "$pg_bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-instructions >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
# fsync stays on: the relay's promise is "durable before acknowledged", and
# the benchmark must pay for it like a real server does.
cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
shared_buffers = 128MB
EOF
if ! as_pg "$pg_bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start >/dev/null; then
  cat "$dir/server.log" >&2
  exit 1
fi

export RAPPORT_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)" >&2
status=0
"$@" || status=$?
exit "$status"
