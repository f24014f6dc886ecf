#!/usr/bin/env bash
# A throwaway PostgreSQL server for the store's tests: a fresh cluster in a temporary folder,
# listening on 127.0.0.1 only, trusted local logins, fsync off (nothing in it is worth keeping).
#
#   bash scripts/postgres.sh run CMD...   # starts it, runs CMD with KIT_TEST_PG_URL set, stops it
#                                         # when CMD ends, fails or is interrupted (`make test` uses this)
#   source scripts/postgres.sh            # starts it, exports KIT_TEST_PG_URL, defines kit_pg_stop
#   kit_pg_stop                           # stops it and deletes the folder
#
#   bash scripts/postgres.sh              # starts it and prints the export line and the stop command
#   bash scripts/postgres.sh stop DIR
#
# KIT_PG_PORT chooses the first port to try (default 55432; the next free one up to +20 is used).
# Needs Debian's postgresql (scripts/test-deps.sh installs it). As root, the cluster belongs
# to the `postgres` user, because initdb refuses to run as root.

kit_pg_main() {
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
    echo "postgres.sh: no PostgreSQL server binaries in /usr/lib/postgresql/*/bin:" \
      "apt-get install -y postgresql (or run scripts/test-deps.sh)" >&2
    return 1
  fi

  local dir as_owner=()
  dir=$(mktemp -d "${TMPDIR:-/tmp}/kit-pg.XXXXXX")
  export KIT_PG_DIR=$dir KIT_PG_BIN=$bindir  # from here on kit_pg_stop cleans up, also after a failed start
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres: "$dir"
    as_owner=(runuser -u postgres --)
  fi

  local port=${KIT_PG_PORT:-55432} last
  last=$((port + 20))
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1))
    if ((port > last)); then
      echo "postgres.sh: no free port between ${KIT_PG_PORT:-55432} and $last" >&2
      return 1
    fi
  done

  local fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  "${as_owner[@]}" "$bindir/initdb" --pgdata="$dir/data" --username=postgres --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    return 1
  }
  "${as_owner[@]}" "$bindir/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --wait --silent \
    -o "-c port=$port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c max_connections=200 $fast" \
    start || {
    cat "$dir/server.log" >&2
    return 1
  }
  "${as_owner[@]}" "$bindir/createdb" --host="$dir" --port="$port" --username=postgres kit_test

  export KIT_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/kit_test"
  echo "postgres.sh: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on port $port;" \
    "KIT_TEST_PG_URL=$KIT_TEST_PG_URL" >&2
}

kit_pg_stop() {
  : "${KIT_PG_BIN:=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
  [[ -n "${KIT_PG_DIR:-}" && -d "$KIT_PG_DIR" && "$(basename "$KIT_PG_DIR")" == kit-pg.* ]] || return 0
  local as_owner=()
  [[ $(id -u) -eq 0 ]] && as_owner=(runuser -u postgres --)
  if [[ -f "$KIT_PG_DIR/data/postmaster.pid" ]]; then
    "${as_owner[@]}" "$KIT_PG_BIN/pg_ctl" --pgdata="$KIT_PG_DIR/data" --wait --silent --mode=fast stop || true
  fi
  rm -rf "$KIT_PG_DIR"
  unset KIT_PG_DIR KIT_TEST_PG_URL
}

if [[ "${BASH_SOURCE[0]}" == "$0" && "${1:-}" == "stop" ]]; then
  KIT_PG_DIR=${2:?usage: bash scripts/postgres.sh stop DIR}
  kit_pg_stop
elif [[ "${BASH_SOURCE[0]}" == "$0" && "${1:-}" == "run" ]]; then
  shift
  (($#)) || { echo "usage: bash scripts/postgres.sh run CMD..." >&2; exit 2; }
  # Stopped on every way out: CMD's end or failure, a failed start, Ctrl-C, a kill by make or CI.
  trap kit_pg_stop EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  kit_pg_main || exit 1
  "$@"
elif [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  kit_pg_main
  echo "export KIT_TEST_PG_URL='$KIT_TEST_PG_URL'"
  echo "# stop it with: bash $0 stop $KIT_PG_DIR"
else
  kit_pg_main
fi
