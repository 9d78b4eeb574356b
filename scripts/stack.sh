#!/usr/bin/env bash
# scripts/stack.sh: the local stack (PostgreSQL, Redis, nginx) in one directory.
#
#   scripts/stack.sh up             create what is missing, start what is stopped
#   scripts/stack.sh down           stop supportdesk serve (if its pidfile says
#                                   it runs), nginx, Redis, PostgreSQL
#   scripts/stack.sh status         what runs, where
#   scripts/stack.sh env            print stack.env as `export` lines:
#                                   eval "$(scripts/stack.sh env)"
#   scripts/stack.sh seed-scale N   run sql/scale/*.sql as the superuser with -v n=N
#   scripts/stack.sh pg-start|pg-stop|pg-kill|redis-start|redis-stop|nginx-start|nginx-stop|nginx-reload
#                                   one piece at a time (the end-to-end tests
#                                   stop and start PostgreSQL and Redis)
#   scripts/stack.sh psql [ARGS]    psql as the superuser on the stack's database
#
# Environment (an explicit value wins over the one saved in $VAR_DIR/stack.env
# by the last `up`, which wins over the default):
#   VAR_DIR     where everything lives (default $REPO/var): pg/ run/ log/ mail/
#               nginx/ redis/ tmp/ (uploads being received), secret.key, stack.env
#   PORT        nginx on 127.0.0.1:PORT (default 8080)
#   PGPORT      names PostgreSQL's socket run/.s.PGSQL.PGPORT (default 5433;
#               PostgreSQL listens on no TCP port)
#   STACK_MODE  dev (default: Redis keeps an append-only file so sessions survive
#               a restart) or test (no fsync in PostgreSQL, no Redis persistence)
#   DEMO=1      load sql/demo/demo.sql (password DEMO_PASSWORD, default
#               demo-password-123) after migrating
#   SUPPORTDESK_BIN  the binary used for `migrate` and `passwd-hash`
#               (default $REPO/build/supportdesk)
#   NGINX_WORKERS (default auto), CLIENT_MAX_BODY_SIZE (default 70m),
#   STATIC_MAX_AGE (default 3600)
#
# No system service and nothing under /etc is touched. As root, PostgreSQL
# runs as the `postgres` OS user (initdb refuses root) and nginx's workers as
# www-data when that user can reach the files (see nginx/nginx.conf.in).
set -euo pipefail
LOG_TAG=stack
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VAR_DIR=$(abspath "${VAR_DIR:-$REPO/var}")
STACK_ENV=$VAR_DIR/stack.env
saved() { env_get "$STACK_ENV" "$1"; }

PORT=${PORT:-$(saved PORT)};             PORT=${PORT:-8080}
PGPORT=${PGPORT:-$(saved PGPORT)};       PGPORT=${PGPORT:-5433}
STACK_MODE=${STACK_MODE:-$(saved STACK_MODE)}; STACK_MODE=${STACK_MODE:-dev}
DEMO=${DEMO:-0}
DEMO_PASSWORD=${DEMO_PASSWORD:-demo-password-123}
SUPPORTDESK_BIN=${SUPPORTDESK_BIN:-$REPO/build/supportdesk}
NGINX_WORKERS=${NGINX_WORKERS:-auto}
CLIENT_MAX_BODY_SIZE=${CLIENT_MAX_BODY_SIZE:-70m}
STATIC_MAX_AGE=${STATIC_MAX_AGE:-3600}
DB_NAME=supportdesk

RUN_DIR=$VAR_DIR/run
LOG_DIR=$VAR_DIR/log
PGDATA=$VAR_DIR/pg
REDIS_DIR=$VAR_DIR/redis
NGINX_DIR=$VAR_DIR/nginx
MAIL_DIR=$VAR_DIR/mail
UPLOAD_DIR=$VAR_DIR/tmp
SECRET_FILE=$VAR_DIR/secret.key
REDIS_SOCK=$RUN_DIR/redis.sock
REDIS_PID=$RUN_DIR/redis.pid
NGINX_PID=$NGINX_DIR/nginx.pid
APP_SOCK=$RUN_DIR/supportdesk.sock
APP_PID=$RUN_DIR/supportdesk.pid

case $PORT in ''|*[!0-9]*) die "PORT must be a number (got '$PORT')" ;; esac
case $PGPORT in ''|*[!0-9]*) die "PGPORT must be a number (got '$PGPORT')" ;; esac
case $STACK_MODE in dev|test) ;; *) die "STACK_MODE must be dev or test (got '$STACK_MODE')" ;; esac

# A unix socket path holds at most 107 bytes.
sock_probe="$RUN_DIR/.s.PGSQL.$PGPORT.lock"
[ "${#sock_probe}" -le 107 ] || die "VAR_DIR is too long for unix socket paths ($sock_probe): use a shorter VAR_DIR"

PSQL_SU=(psql -X -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$PGPORT" -U postgres)
PSQL_OWNER=(psql -X -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$PGPORT" -U supportdesk -d "$DB_NAME")

urlenc() {
  local s=$1 out='' c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in [A-Za-z0-9/._~-]) out+=$c ;; *) out+=$(printf '%%%02X' "'$c") ;; esac
  done
  printf '%s' "$out"
}
db_url() { printf 'postgresql:///%s?host=%s&port=%s&user=%s' "$DB_NAME" "$(urlenc "$RUN_DIR")" "$PGPORT" "$1"; }

need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: run scripts/deps.sh (or make deps)"; }

# ---------------------------------------------------------------- directories

make_dirs() {
  mkdir -p "$VAR_DIR" "$RUN_DIR" "$LOG_DIR" "$MAIL_DIR" "$REDIS_DIR" \
           "$NGINX_DIR/tmp" "$NGINX_DIR/conf.d" "$UPLOAD_DIR"
  # Uploads being received (SUPPORTDESK_UPLOAD_DIR): only the app reads them.
  chmod 0700 "$UPLOAD_DIR"
  # mktemp -d makes 0700 directories: PostgreSQL (another OS user) and
  # nginx's workers must be able to traverse VAR_DIR.
  chmod 0755 "$VAR_DIR" "$LOG_DIR" "$NGINX_DIR"
  if is_root; then
    local d=$VAR_DIR
    while [ "$d" != / ]; do
      if ! can_user postgres -x "$d"; then
        die "the postgres OS user cannot enter $d: choose a VAR_DIR under /tmp or another world-traversable path"
      fi
      d=$(dirname "$d")
    done
    mkdir -p "$PGDATA"
    chown postgres: "$PGDATA" "$RUN_DIR"
    touch "$LOG_DIR/postgres.log"; chown postgres: "$LOG_DIR/postgres.log"
  else
    mkdir -p "$PGDATA"
  fi
  chmod 0700 "$PGDATA"
  chmod 0755 "$RUN_DIR"
}

make_secret() {
  [ -s "$SECRET_FILE" ] && return 0
  ( umask 077
    if command -v xxd >/dev/null 2>&1; then
      head -c 32 /dev/urandom | xxd -p -c 64 >"$SECRET_FILE.tmp"
    else
      head -c 32 /dev/urandom | od -An -tx1 -v | tr -d ' \n' >"$SECRET_FILE.tmp"
      echo >>"$SECRET_FILE.tmp"
    fi )
  chmod 0600 "$SECRET_FILE.tmp"
  mv "$SECRET_FILE.tmp" "$SECRET_FILE"
  info "created $SECRET_FILE"
}

# ----------------------------------------------------------------- PostgreSQL

PG_BIN=
pg_bin() { [ -n "$PG_BIN" ] || PG_BIN=$(pg_bindir) || die "PostgreSQL server binaries not found: run scripts/deps.sh"; }

pg_running() { pg_bin; [ -s "$PGDATA/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

pg_write_conf() {
  # Sized for the reference box (2 cores, 24 GB) running PostgreSQL, Redis,
  # nginx and the app together. Rewritten on every start, so edits here
  # reach existing clusters at their next start.
  local f=$PGDATA/supportdesk.conf preload=''
  if [ -f "$(dirname "$PG_BIN")/lib/pg_stat_statements.so" ]; then preload=pg_stat_statements; fi
  {
    echo "# Written by scripts/stack.sh on every start; edit the script, not this file."
    echo "listen_addresses = ''"
    echo "port = $PGPORT"
    echo "unix_socket_directories = '$RUN_DIR'"
    echo "unix_socket_permissions = 0777"
    echo "max_connections = 100"
    echo "shared_buffers = 1GB"
    echo "huge_pages = try"
    echo "effective_cache_size = 12GB"
    echo "work_mem = 16MB"
    echo "maintenance_work_mem = 512MB"
    echo "wal_buffers = 16MB"
    echo "min_wal_size = 256MB"
    echo "max_wal_size = 4GB"
    echo "checkpoint_timeout = 15min"
    echo "checkpoint_completion_target = 0.9"
    echo "random_page_cost = 1.1"
    echo "effective_io_concurrency = 200"
    echo "max_worker_processes = 4"
    echo "max_parallel_workers = 2"
    echo "max_parallel_workers_per_gather = 1"
    echo "max_parallel_maintenance_workers = 1"
    echo "# short OLTP queries: JIT compilation costs more than it saves"
    echo "jit = off"
    echo "timezone = 'UTC'"
    echo "log_timezone = 'UTC'"
    echo "log_line_prefix = '%m [%p] %q%u@%d '"
    echo "log_min_duration_statement = 250ms"
    echo "log_lock_waits = on"
    [ -n "$preload" ] && echo "shared_preload_libraries = '$preload'"
    if [ "$STACK_MODE" = test ]; then
      echo "# throwaway test stack: durability off"
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } >"$f.tmp"
  mv "$f.tmp" "$f"
  is_root && chown postgres: "$f"
  return 0
}

pg_init() {
  pg_bin
  [ -s "$PGDATA/PG_VERSION" ] && return 0
  info "initdb $PGDATA"
  local locale_opt=(--no-locale)
  locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$' && locale_opt=(--locale=C.UTF-8)
  as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres -A trust --auth-local=trust \
    -E UTF8 "${locale_opt[@]}" >"$LOG_DIR/initdb.log" 2>&1 ||
    { cat "$LOG_DIR/initdb.log" >&2; die "initdb failed"; }
  printf "\n# Supportdesk settings (scripts/stack.sh)\ninclude_if_exists = 'supportdesk.conf'\n" \
    | as_pg tee -a "$PGDATA/postgresql.conf" >/dev/null
}

pg_start() {
  pg_init
  if pg_running; then info "PostgreSQL already running ($RUN_DIR/.s.PGSQL.$PGPORT)"; return 0; fi
  pg_write_conf
  info "starting PostgreSQL (socket $RUN_DIR/.s.PGSQL.$PGPORT)"
  # 9>&-: the daemon must not inherit (and keep) the stack lock.
  if ! as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$LOG_DIR/postgres.log" -w -t 60 start >/dev/null 9>&-; then
    tail -n 30 "$LOG_DIR/postgres.log" >&2 || true
    die "PostgreSQL did not start (log: $LOG_DIR/postgres.log)"
  fi
}

# pg_stop [MODE]: fast by default; `immediate` (pg-kill) ends every backend
# at once without a shutdown checkpoint, as a crash or an OOM kill would.
pg_stop() {
  local mode=${1:-fast}
  pg_bin
  if ! pg_running; then info "PostgreSQL not running"; return 0; fi
  info "stopping PostgreSQL (-m $mode)"
  as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m "$mode" -w -t 60 stop >/dev/null ||
    die "PostgreSQL did not stop (log: $LOG_DIR/postgres.log)"
}

db_setup() {
  local exists
  exists=$("${PSQL_SU[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")
  if [ "$exists" != 1 ]; then
    info "creating database $DB_NAME"
    createdb -h "$RUN_DIR" -p "$PGPORT" -U postgres -E UTF8 -T template0 "$DB_NAME"
  fi
  if [ -f "$REPO/sql/bootstrap.sql" ]; then
    PGOPTIONS='-c client_min_messages=warning' \
      "${PSQL_SU[@]}" -d "$DB_NAME" -v db="$DB_NAME" -f "$REPO/sql/bootstrap.sql" >/dev/null ||
      die "sql/bootstrap.sql failed"
  else
    warn "SKIP bootstrap: sql/bootstrap.sql not written yet"
  fi
  if [ -x "$SUPPORTDESK_BIN" ]; then
    info "migrating"
    PGOPTIONS="-c client_min_messages=warning ${PGOPTIONS:-}" \
    DATABASE_URL=$(db_url supportdesk) SUPPORTDESK_MIGRATIONS=$REPO/sql/migrations \
      "$SUPPORTDESK_BIN" migrate || die "supportdesk migrate failed"
  else
    warn "SKIP migrate: $SUPPORTDESK_BIN not built yet"
  fi
  [ "$DEMO" = 1 ] && demo_load
  return 0
}

demo_load() {
  local demo=$REPO/sql/demo/demo.sql sum marker=$VAR_DIR/demo.loaded hash
  if [ ! -f "$demo" ]; then warn "SKIP demo data: sql/demo/demo.sql not written yet"; return 0; fi
  if [ ! -x "$SUPPORTDESK_BIN" ]; then warn "SKIP demo data: $SUPPORTDESK_BIN not built yet"; return 0; fi
  # Loaded once per version of demo.sql (it must be idempotent all the same).
  sum=$(sha256sum "$demo" | cut -c1-64)
  if [ -f "$marker" ] && [ "$(cat "$marker")" = "$sum" ]; then return 0; fi
  hash=$(printf '%s' "$DEMO_PASSWORD" | "$SUPPORTDESK_BIN" passwd-hash) || die "supportdesk passwd-hash failed"
  [ -n "$hash" ] || die "supportdesk passwd-hash printed nothing"
  info "loading demo data"
  "${PSQL_OWNER[@]}" -v demo_password_hash="$hash" -f "$demo" >/dev/null || die "sql/demo/demo.sql failed"
  printf '%s\n' "$sum" >"$marker"
}

seed_scale() {
  local n=${1:-}
  case $n in ''|*[!0-9]*) die "usage: scripts/stack.sh seed-scale N" ;; esac
  pg_running || die "PostgreSQL is not running: scripts/stack.sh up first"
  local files=() f
  for f in "$REPO"/sql/scale/*.sql; do [ -f "$f" ] && files+=("$f"); done
  if [ "${#files[@]}" -eq 0 ]; then warn "SKIP seed-scale: no sql/scale/*.sql yet"; return 0; fi
  for f in "${files[@]}"; do
    info "seed-scale $n: ${f#"$REPO"/}"
    local t0=$SECONDS
    # As the superuser: the generator turns triggers off for the bulk load
    # (session_replication_role), which only a superuser may.
    "${PSQL_SU[@]}" -d "$DB_NAME" -v n="$n" -v scale="$n" -f "$f" || die "${f#"$REPO"/} failed"
    info "  done in $((SECONDS - t0))s"
  done
  "${PSQL_SU[@]}" -d "$DB_NAME" -c 'ANALYZE' >/dev/null
}

# ---------------------------------------------------------------------- Redis

redis_running() { pid_alive "$REDIS_PID"; }

redis_ping() { redis-cli -s "$REDIS_SOCK" ping 2>/dev/null | grep -q PONG; }

redis_start() {
  need redis-server
  if redis_running; then info "Redis already running ($REDIS_SOCK)"; return 0; fi
  local persist='appendonly no'
  [ "$STACK_MODE" = dev ] && persist=$'appendonly yes\nappendfsync everysec'
  cat >"$REDIS_DIR/redis.conf" <<EOF
# Written by scripts/stack.sh on every start.
port 0
unixsocket $REDIS_SOCK
unixsocketperm 770
daemonize yes
pidfile $REDIS_PID
logfile $LOG_DIR/redis.log
dir $REDIS_DIR
save ""
$persist
EOF
  info "starting Redis ($REDIS_SOCK, mode $STACK_MODE)"
  rm -f "$REDIS_SOCK"
  redis-server "$REDIS_DIR/redis.conf" 9>&- || die "redis-server failed (log: $LOG_DIR/redis.log)"
  local i
  for i in $(seq 1 100); do redis_ping && return 0; sleep 0.1; done
  tail -n 20 "$LOG_DIR/redis.log" >&2 || true
  die "Redis did not answer on $REDIS_SOCK"
}

redis_stop() {
  if ! redis_running; then info "Redis not running"; rm -f "$REDIS_PID"; return 0; fi
  local pid; pid=$(pid_of "$REDIS_PID")
  info "stopping Redis"
  # SHUTDOWN flushes the append-only file (dev); test mode persists nothing.
  redis-cli -s "$REDIS_SOCK" shutdown >/dev/null 2>&1 || true
  wait_gone "$pid" 10 || stop_pid "$pid" redis TERM 10
  rm -f "$REDIS_PID"
}

# ---------------------------------------------------------------------- nginx

nginx_cmd() { nginx -p "$NGINX_DIR/" -c "$NGINX_DIR/nginx.conf" -e "$LOG_DIR/nginx-error.log" "$@"; }

nginx_running() { pid_alive "$NGINX_PID"; }

nginx_render() {
  need nginx
  local tpl=$REPO/nginx/nginx.conf.in user_line='' extra='' c
  [ -f "$tpl" ] || die "$tpl missing"
  if is_root; then
    if id www-data >/dev/null 2>&1 &&
       can_user www-data -r "$REPO/static/errors/502.html" &&
       can_user www-data -x "$RUN_DIR"; then
      user_line='user www-data www-data;'
    else
      # www-data cannot read the repository or reach the sockets (a repo
      # under /root, say): run the workers as root. Loopback-only dev nginx.
      user_line='user root root;'
      warn "www-data cannot reach $REPO/static or $RUN_DIR: nginx workers run as root"
    fi
  fi
  # scgi/uwsgi temp paths only when the modules are compiled in; otherwise
  # the directives are unknown.
  local v; v=$(nginx -V 2>&1)
  [[ $v == *without-http_scgi_module* ]] || extra+="    scgi_temp_path        $NGINX_DIR/tmp/scgi;"$'\n'
  [[ $v == *without-http_uwsgi_module* ]] || extra+="    uwsgi_temp_path       $NGINX_DIR/tmp/uwsgi;"$'\n'
  c=$(<"$tpl")
  # Quoted replacements: bash 5.2 would otherwise expand & in them.
  c=${c//@USER_LINE@/"$user_line"}
  c=${c//@WORKER_PROCESSES@/"$NGINX_WORKERS"}
  c=${c//@EXTRA_TEMP_PATHS@/"$extra"}
  c=${c//@CLIENT_MAX_BODY_SIZE@/"$CLIENT_MAX_BODY_SIZE"}
  c=${c//@STATIC_MAX_AGE@/"$STATIC_MAX_AGE"}
  c=${c//@PORT@/"$PORT"}
  c=${c//@VAR_DIR@/"$VAR_DIR"}
  c=${c//@RUN_DIR@/"$RUN_DIR"}
  c=${c//@REPO@/"$REPO"}
  if [[ $c == *@[A-Z_]*@* ]] && grep -qE '@[A-Z_]+@' <<<"$c"; then
    die "nginx.conf.in has unreplaced placeholders: $(grep -oE '@[A-Z_]+@' <<<"$c" | sort -u | tr '\n' ' ')"
  fi
  printf '%s\n' "$c" >"$NGINX_DIR/nginx.conf.tmp"
  mv "$NGINX_DIR/nginx.conf.tmp" "$NGINX_DIR/nginx.conf"
  if ! nginx_cmd -t -q 2>"$LOG_DIR/nginx-test.log"; then
    cat "$LOG_DIR/nginx-test.log" >&2
    die "nginx rejects $NGINX_DIR/nginx.conf"
  fi
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

nginx_start() {
  nginx_render
  if nginx_running; then
    info "nginx already running on 127.0.0.1:$PORT: reloading its configuration"
    nginx_cmd -s reload 9>&-
    return 0
  fi
  port_busy "$PORT" && die "127.0.0.1:$PORT is already in use: set PORT to a free port"
  info "starting nginx on http://127.0.0.1:$PORT"
  nginx_cmd 9>&- || die "nginx failed to start (log: $LOG_DIR/nginx-error.log)"
  local i
  for i in $(seq 1 50); do nginx_running && port_busy "$PORT" && return 0; sleep 0.1; done
  die "nginx did not come up on 127.0.0.1:$PORT (log: $LOG_DIR/nginx-error.log)"
}

nginx_reload() {
  nginx_running || die "nginx is not running"
  nginx_render
  nginx_cmd -s reload 9>&-
  # The new workers replace the old ones asynchronously; give them a moment.
  sleep 0.3
}

nginx_stop() {
  if ! nginx_running; then info "nginx not running"; return 0; fi
  info "stopping nginx"
  stop_pid "$(pid_of "$NGINX_PID")" nginx QUIT 10
  rm -f "$NGINX_PID"
}

# ----------------------------------------------------------------- app (serve)

app_stop() {
  pid_alive "$APP_PID" || return 0
  info "stopping supportdesk serve (pid $(pid_of "$APP_PID"))"
  stop_pid "$(pid_of "$APP_PID")" supportdesk TERM 20
  rm -f "$APP_PID"
}

# ------------------------------------------------------------------ stack.env

# envline K V [K V ...]: KEY=VALUE lines that both a shell (`.`) and
# systemd's EnvironmentFile read the same: bare when safe, else single-quoted.
envline() {
  local k v q="'"
  while [ $# -ge 2 ]; do
    k=$1 v=$2; shift 2
    if [[ $v =~ ^[A-Za-z0-9_./:@%+,=-]*$ ]]; then
      printf '%s=%s\n' "$k" "$v"
    else
      printf "%s='%s'\n" "$k" "${v//$q/$q\\$q$q}"
    fi
  done
}

write_env() {
  {
    echo "# Written by scripts/stack.sh up. Load with: set -a; . $STACK_ENV; set +a"
    envline \
      VAR_DIR "$VAR_DIR" \
      STACK_MODE "$STACK_MODE" \
      PORT "$PORT" \
      PGPORT "$PGPORT" \
      PGHOST "$RUN_DIR" \
      PGDATABASE "$DB_NAME" \
      DATABASE_URL "$(db_url supportdesk)" \
      APP_DATABASE_URL "$(db_url supportdesk_app)" \
      SUPERUSER_DATABASE_URL "$(db_url postgres)" \
      REDIS_URL "unix://$REDIS_SOCK" \
      BASE_URL "http://127.0.0.1:$PORT" \
      MAIL_DIR "$MAIL_DIR" \
      SUPPORTDESK_UPLOAD_DIR "$UPLOAD_DIR" \
      SUPPORTDESK_LISTEN "$APP_SOCK" \
      SUPPORTDESK_SOCKET_MODE 0666 \
      SUPPORTDESK_PIDFILE "$APP_PID" \
      SUPPORTDESK_SECRET_FILE "$SECRET_FILE" \
      SUPPORTDESK_TEMPLATES "$REPO/templates" \
      SUPPORTDESK_MIGRATIONS "$REPO/sql/migrations" \
      SUPPORTDESK_OPENAPI "$REPO/api/openapi.json" \
      SUPPORTDESK_BIN "$SUPPORTDESK_BIN" \
      SUPPORTDESK_STACK "$REPO/scripts/stack.sh"
  } >"$STACK_ENV.tmp"
  mv "$STACK_ENV.tmp" "$STACK_ENV"
}

# ------------------------------------------------------------------- commands

with_lock() {
  mkdir -p "$VAR_DIR"
  exec 9>"$VAR_DIR/.stack.lock"
  flock -w 120 9 || die "another scripts/stack.sh holds $VAR_DIR/.stack.lock"
}

cmd_up() {
  need psql; need redis-cli
  with_lock
  make_dirs
  make_secret
  write_env
  pg_start
  db_setup
  redis_start
  nginx_start
  write_env
  info "stack up: $VAR_DIR (http://127.0.0.1:$PORT, env in $STACK_ENV)"
}

cmd_down() {
  with_lock
  app_stop
  nginx_stop
  redis_stop
  pg_stop
}

cmd_status() {
  local s
  printf 'VAR_DIR     %s\n' "$VAR_DIR"
  if pg_running; then s="running (socket $RUN_DIR/.s.PGSQL.$PGPORT)"; else s=stopped; fi
  printf 'postgresql  %s\n' "$s"
  if redis_running; then s="running (pid $(pid_of "$REDIS_PID"), $REDIS_SOCK)"; else s=stopped; fi
  printf 'redis       %s\n' "$s"
  if nginx_running; then s="running (pid $(pid_of "$NGINX_PID"), http://127.0.0.1:$PORT)"; else s=stopped; fi
  printf 'nginx       %s\n' "$s"
  if pid_alive "$APP_PID"; then s="running (pid $(pid_of "$APP_PID"), $APP_SOCK)"; else s=stopped; fi
  printf 'supportdesk %s\n' "$s"
}

cmd_env() {
  [ -f "$STACK_ENV" ] || die "$STACK_ENV not found: run scripts/stack.sh up first"
  grep -v '^#' "$STACK_ENV" | sed 's/^/export /'
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
  up)           cmd_up ;;
  down)         cmd_down ;;
  status)       cmd_status ;;
  env)          cmd_env ;;
  seed-scale)   seed_scale "$@" ;;
  pg-start)     make_dirs; pg_start ;;
  pg-stop)      pg_stop ;;
  pg-kill)      pg_stop immediate ;;
  redis-start)  make_dirs; redis_start ;;
  redis-stop)   redis_stop ;;
  nginx-start)  make_dirs; nginx_start ;;
  nginx-stop)   nginx_stop ;;
  nginx-reload) nginx_reload ;;
  psql)         exec psql -X -h "$RUN_DIR" -p "$PGPORT" -U postgres -d "$DB_NAME" "$@" ;;
  *) sed -n '2,32p' "$0" >&2; exit 2 ;;
esac
