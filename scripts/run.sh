#!/usr/bin/env bash
# scripts/run.sh (make run): the desk on this machine, in the foreground.
#
# Installs missing packages (scripts/deps.sh), starts the local stack with
# demo data (scripts/stack.sh up, DEMO=1), prints where to sign in, then runs
# `build/supportdesk serve` until Ctrl-C, which stops supportdesk and then
# the stack. The data stays in $VAR_DIR (default var/): the next `make run`
# reuses it. The Makefile builds before calling this script.
#
# Environment: PORT (8080), PGPORT (5433), VAR_DIR (var), DEMO_PASSWORD,
# SUPPORTDESK_WORKERS, and KEEP_STACK=1 to leave the stack running on exit.
set -euo pipefail
LOG_TAG=run
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO"

"$REPO/scripts/deps.sh"

export VAR_DIR=${VAR_DIR:-$REPO/var}
export DEMO=1 STACK_MODE=dev
export DEMO_PASSWORD=${DEMO_PASSWORD:-demo-password-123}
bin=${SUPPORTDESK_BIN:-$REPO/build/supportdesk}
export SUPPORTDESK_BIN=$bin
[ -x "$bin" ] || die "$bin is not built: \`make run\` builds it (or run \`make all\`)"

stack=$REPO/scripts/stack.sh
app_pid=
stopping=0
cleanup() {
  local rc=$?
  [ "$stopping" = 1 ] && return
  stopping=1
  trap '' INT TERM HUP
  if [ -n "$app_pid" ] && kill -0 "$app_pid" 2>/dev/null; then
    info "stopping supportdesk (pid $app_pid)"
    stop_pid "$app_pid" supportdesk TERM 20
  fi
  if [ "${KEEP_STACK:-0}" = 1 ]; then
    info "KEEP_STACK=1: the stack keeps running (scripts/stack.sh down stops it)"
  else
    "$stack" down || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

"$stack" up
load_env "$VAR_DIR/stack.env"
# The app connects as the unprivileged role that RLS applies to; the owner
# URL in stack.env is for migrations.
export DATABASE_URL=$APP_DATABASE_URL
if pid_alive "$SUPPORTDESK_PIDFILE"; then
  trap - EXIT  # not ours, and the stack serves it: leave both alone
  die "supportdesk already runs for $VAR_DIR (pid $(pid_of "$SUPPORTDESK_PIDFILE")); stop that one first"
fi

demo_logins() {
  local demo=$REPO/sql/demo/demo.sql lines
  [ -f "$demo" ] || { echo "  (no demo data yet: sql/demo/demo.sql is not written)"; return; }
  # demo.sql lists its accounts in its header comment, one per line:
  #   --   EMAIL   ROLE...
  lines=$(sed -n 's/^--[[:space:]]\{2,\}\([^[:space:]]*@[^[:space:]]*[[:space:]].*\)$/\1/p' "$demo")
  if [ -z "$lines" ]; then
    lines=$(grep -oE '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}' "$demo" | awk '!seen[$0]++')
  fi
  if [ -n "$lines" ]; then printf '%s\n' "$lines" | sed 's/^/  /'; else echo "  (see sql/demo/demo.sql)"; fi
  echo "  password: $DEMO_PASSWORD"
}

cat <<EOF

  Supportdesk is starting on  $BASE_URL/
  Sign in at $BASE_URL/login with a demo account:
$(demo_logins)
  Mail written by the app:    $MAIL_DIR
  Data (kept between runs):   $VAR_DIR
  Logs: stderr below; $VAR_DIR/log/ for nginx, PostgreSQL and Redis.
  Ctrl-C stops supportdesk and the stack.

EOF

# Own session, so that Ctrl-C reaches only this script, which then asks
# supportdesk to drain (SIGTERM) before the stack goes down.
setsid "$bin" serve </dev/null &
app_pid=$!
set +e
wait "$app_pid"
rc=$?
set -e
app_pid=
info "supportdesk exited with status $rc"
exit "$rc"
