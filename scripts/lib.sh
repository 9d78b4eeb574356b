# scripts/lib.sh: shell functions shared by deps.sh, stack.sh, run.sh, test.sh
# and bench.sh. Source it; it defines functions and REPO, and runs nothing.
# shellcheck shell=bash

REPO=${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)}

say()  { printf '%s\n' "$*"; }
info() { printf '[%s] %s\n' "${LOG_TAG:-stack}" "$*" >&2; }
warn() { printf '[%s] warning: %s\n' "${LOG_TAG:-stack}" "$*" >&2; }
die()  { printf '[%s] error: %s\n' "${LOG_TAG:-stack}" "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# abspath PATH: an absolute path, without requiring that it exists.
abspath() {
  case $1 in
    /*) printf '%s\n' "$1" ;;
    *)  printf '%s/%s\n' "$(pwd -P)" "${1#./}" ;;
  esac
}

# pg_bindir: the PostgreSQL server binaries (Debian keeps them off PATH).
# PG_BINDIR overrides; 15 is preferred, then the newest installed.
pg_bindir() {
  if [ -n "${PG_BINDIR:-}" ]; then printf '%s\n' "$PG_BINDIR"; return; fi
  if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
    printf '%s\n' /usr/lib/postgresql/15/bin; return
  fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then printf '%s\n' "$d"; return; fi
  d=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
  [ -x "$d/initdb" ] || return 1
  printf '%s\n' "$d"
}

# pg_user: the OS user that owns and runs the PostgreSQL cluster. initdb
# refuses root, so root runs it as `postgres`; anyone else runs it as himself.
pg_os_user() {
  if is_root; then printf 'postgres\n'; else id -un; fi
}

# as_pg CMD...: run CMD as the cluster's OS user, from / so that a
# non-readable working directory makes no noise.
as_pg() {
  if is_root; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# can_user USER TEST-ARGS...: whether USER passes `test TEST-ARGS`.
can_user() {
  local u=$1; shift
  if is_root; then
    (cd / && runuser -u "$u" -- test "$@") 2>/dev/null
  else
    test "$@"
  fi
}

# pid_alive PIDFILE: the pid in PIDFILE names a running process.
pid_alive() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(head -n 1 "$1" 2>/dev/null | tr -dc 0-9)
  [ -n "$pid" ] && proc_alive "$pid"
}

pid_of() { head -n 1 "$1" 2>/dev/null | tr -dc 0-9; }

# proc_alive PID: PID runs (a zombie waiting for its reaper counts as gone).
proc_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local st
  st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
  [ "$st" != Z ]
}

# wait_gone PID SECONDS: wait until PID has exited; 1 if it is still there.
wait_gone() {
  local pid=$1 n=$(( ${2:-10} * 10 ))
  while proc_alive "$pid"; do
    n=$((n - 1)); [ "$n" -gt 0 ] || return 1
    sleep 0.1
  done
}

# stop_pid PID NAME [SIGNAL] [SECONDS]: signal, wait, then SIGKILL.
stop_pid() {
  local pid=$1 name=$2 sig=${3:-TERM} secs=${4:-15}
  [ -n "$pid" ] && proc_alive "$pid" || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" "$secs"; then
    warn "$name (pid $pid) did not stop after ${secs}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 5 || true
  fi
}

# load_env FILE: export every KEY=VALUE of FILE (as written by stack.sh).
load_env() {
  [ -f "$1" ] || die "$1 not found: run \`scripts/stack.sh up\` first"
  set -a
  # shellcheck disable=SC1090
  . "$1"
  set +a
}

# env_get FILE KEY: the value KEY has in FILE, without exporting anything.
env_get() {
  [ -f "$1" ] || return 0
  # shellcheck disable=SC1090
  ( set +u; . "$1" >/dev/null 2>&1; eval "printf '%s' \"\${$2-}\"" )
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now,
# in 18000-27999 (test and bench stacks; make run keeps 8080).
free_port() {
  local p i
  for i in $(seq 1 50); do
    p=$((18000 + RANDOM % 10000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      printf '%s\n' "$p"; return 0
    fi
  done
  return 1
}

# free_pgport: a port number for a PostgreSQL socket name, 40000-49999.
# No TCP is used; it only has to differ from other stacks sharing a socket
# directory (ours do not share one, but keep it distinct anyway).
free_pgport() { printf '%s\n' $((40000 + RANDOM % 10000)); }

# node_problem: prints nothing when `node` can run the browser test
# (tests/browser/), else one sentence: what is installed, what is needed and
# how to fix it. The minimum is the highest engines.node (">=X.Y") in
# package.json (the test runner's flags) and package-lock.json (each
# package's own, e.g. playwright-core's), so a lockfile that needs a newer
# node than package.json says is caught here too.
node_problem() {
  local need have fix
  need=$(cat "$REPO/tests/browser/package.json" "$REPO/tests/browser/package-lock.json" 2>/dev/null |
         sed -n 's/^ *"node": *">= *\([0-9][0-9.]*\)" *,\{0,1\} *$/\1/p' | sort -V | tail -n 1)
  if [ -z "$need" ]; then
    say 'tests/browser/package.json has no engines.node ">=X.Y"'; return
  fi
  if [ "$(printf '%s\n' "$need" 18.20.4 | sort -V | head -n 1)" = "$need" ]; then
    fix="Debian 12's nodejs (18.20) is enough (apt-get install nodejs npm), or put a newer node first on PATH"
  else
    fix="Debian 12's nodejs (18.20) is not; put a node >= $need first on PATH"
  fi
  if ! command -v node >/dev/null 2>&1; then
    say "node is not installed; the browser test needs node >= $need: $fix"; return
  fi
  have=$(node --version 2>/dev/null); have=${have#v}
  case $have in
    [0-9]*) ;;
    *) say "$(command -v node) does not run (node --version failed); the browser test needs node >= $need: $fix"; return ;;
  esac
  if [ "$(printf '%s\n' "$need" "$have" | sort -V | head -n 1)" != "$need" ]; then
    say "node $have is installed ($(command -v node)) but the browser test needs node >= $need (engines in tests/browser/package.json and package-lock.json): $fix"
  fi
}
