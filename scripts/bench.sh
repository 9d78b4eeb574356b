#!/usr/bin/env bash
# scripts/bench.sh (make bench): throughput through nginx, against nginx
# serving the same bytes as a static file, measured in the same run.
#
# Builds, brings up a throwaway stack with demo data in a temporary
# directory, starts `supportdesk serve`, and benches pages with bench_pair:
# it warms PATH up, saves its body as a file that nginx serves at
# /__bench/static/NAME, and runs wrk against the page and against its static
# copy, one after the other, once per thread count in BENCH_THREADS (1 and
# 2: on 2 cores a second wrk thread takes a core nginx needs, which slows
# the static run more than the app's and flatters the ratio). It prints
# requests/s, p50 and p99 for both, the app's throughput as a % of the
# static file's, and the CPU time per request that each process group of
# this stack used during the run (tests/bench/stack_cpu.py: the supportdesk
# workers and mailer, PostgreSQL, nginx, Redis, found from this stack's
# pidfiles, and wrk), which other work on a shared machine disturbs less
# than requests/s. bench_pair takes a session cookie too (signin signs in
# through POST /login and returns one), so any page can be benched as any
# signed-in user, with row-level security as in production.
#
# Stages, in order:
#   1. each path of BENCH_PATHS, anonymous (a knowledge base article of the
#      demo data among them: its view is counted, a row update per request);
#   2. each path of BENCH_USER_PATHS signed in as BENCH_USER (the demo
#      customer, GET /my/tickets);
#   3. POST /login: every request a whole sign-in (argon2id), with
#      BENCH_LOGIN_CONNECTIONS in flight: sign-ins per second and the
#      workers' peak RSS (sampled every 10 ms, and VmHWM);
#   4. full public submissions (tests/bench/submit_bench.py):
#      BENCH_SUBMISSIONS forms fetched and their captchas solved beforehand,
#      then POST /submit with BENCH_SUBMIT_CONCURRENCY in flight, then the
#      emailed verification links confirmed (GET + POST /verify), with the
#      CPU time per submission of each process group; then the memory of
#      each supportdesk process (VmRSS, and PSS from smaps_rollup);
#   4b. messages in per second through `mail-in` on stdin: BENCH_MAIL_IN
#      new-ticket emails to the demo organization's support address, one
#      process each, BENCH_MAIL_IN_CONCURRENCY at a time (xargs -P):
#      messages/s and the p50 and p99 of one message;
#   5. at scale (BENCH_SCALE=1, the default): the throwaway stack stops and a
#      stack holding BENCH_SCALE_TICKETS tickets starts from
#      BENCH_SCALE_DIR (var/bench-scale), seeded by make seed-scale's
#      generator the first time (which takes a while and is printed) and
#      reused afterwards; BENCH_USER is made to hold
#      BENCH_SCALE_USER_TICKETS of them (tests/bench/scale_customer.sql),
#      the plans of GET /my/tickets are checked
#      (tests/bench/my_tickets_plans.sql), and bench_pair runs it signed in,
#      then once more with BENCH_SCALE_LATENCY_CONNECTIONS in flight;
#      before it (BENCH_DESK=1, the default), the support desk at scale as
#      the first agent of the busiest organization (bench_desk): the plans
#      of the queue statements and the counts' cost
#      (tests/bench/desk_plans.sql), then GET /desk, a filtered queue, a
#      queue searched for BENCH_DESK_COMMON_WORD (screenshot) and for
#      BENCH_DESK_RARE_WORD (zeppelin, in no ticket), and the workspace of
#      an open ticket with 10 messages (tests/bench/scale_agent.sql).
# serve runs with the submit, verify and sign-in rate limits raised (every
# request comes from 127.0.0.1), and the captcha's difficulty at its
# minimum (SUPPORTDESK_CAPTCHA_MAX_NUMBER=1000): the server checks a
# solution with one hash whatever the difficulty, and only the untimed
# preparation gets faster.
#
# It never fails: it prints figures, or why there are none, and exits 0.
#
# Environment (an empty list skips its stage): BENCH_PATHS ("/ /submit
# /kb/articles/pair-bluetooth-speaker"),
# BENCH_USER (alice@customer.example;
# empty: no signed-in stages), BENCH_PASSWORD (the demo password),
# BENCH_USER_PATHS ("/my/tickets"), BENCH_LOGIN_CONNECTIONS (4, 0 to skip),
# BENCH_DURATION (10s), BENCH_THREADS ("1 2"), BENCH_CONNECTIONS (32),
# BENCH_SUBMISSIONS (1000, 0 to skip), BENCH_SUBMIT_CONCURRENCY (16),
# BENCH_MAIL_IN (500 messages piped to `mail-in`, 0 to skip),
# BENCH_MAIL_IN_CONCURRENCY (2),
# BENCH_SCALE (1; 0 to skip), BENCH_SCALE_TICKETS (1000000),
# BENCH_SCALE_USER_TICKETS (50), BENCH_SCALE_LATENCY_CONNECTIONS (2: a
# third run of the page at scale, for its latency without queueing),
# BENCH_SCALE_DIR (var/bench-scale),
# SUPPORTDESK_WORKERS (CPU count), NGINX_WORKERS (auto), SKIP_BUILD=1,
# SKIP_DEPS=1, KEEP=1 (keep the temporary directory).
set -uo pipefail
LOG_TAG=bench
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO" || exit 0

BENCH_PATHS=${BENCH_PATHS-/ /submit /kb/articles/pair-bluetooth-speaker}
BENCH_USER=${BENCH_USER-alice@customer.example}
BENCH_PASSWORD=${BENCH_PASSWORD:-demo-password-123}
BENCH_USER_PATHS=${BENCH_USER_PATHS-/my/tickets}
BENCH_LOGIN_CONNECTIONS=${BENCH_LOGIN_CONNECTIONS:-4}
BENCH_SUBMISSIONS=${BENCH_SUBMISSIONS:-1000}
BENCH_SUBMIT_CONCURRENCY=${BENCH_SUBMIT_CONCURRENCY:-16}
BENCH_DURATION=${BENCH_DURATION:-10s}
BENCH_THREADS=${BENCH_THREADS:-1 2}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-32}
BENCH_SCALE=${BENCH_SCALE:-1}
BENCH_SCALE_TICKETS=${BENCH_SCALE_TICKETS:-1000000}
BENCH_SCALE_USER_TICKETS=${BENCH_SCALE_USER_TICKETS:-50}
BENCH_SCALE_LATENCY_CONNECTIONS=${BENCH_SCALE_LATENCY_CONNECTIONS:-2}
BENCH_DESK=${BENCH_DESK:-1}
BENCH_DESK_COMMON_WORD=${BENCH_DESK_COMMON_WORD:-screenshot}
BENCH_DESK_RARE_WORD=${BENCH_DESK_RARE_WORD:-zeppelin}
BENCH_SCALE_DIR=$(abspath "${BENCH_SCALE_DIR:-$REPO/var/bench-scale}")
BIN=${SUPPORTDESK_BIN:-$REPO/build/supportdesk}

if [ "${SKIP_DEPS:-0}" != 1 ]; then
  "$REPO/scripts/deps.sh" || { echo "bench: packages missing; no figures"; exit 0; }
fi
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  make -s -C "$REPO" all || { echo "bench: build failed; no figures"; exit 0; }
fi
[ -x "$BIN" ] || { echo "bench: $BIN not built; no figures"; exit 0; }
command -v wrk >/dev/null || { echo "bench: wrk not installed; no figures"; exit 0; }

TMP=$(mktemp -d /tmp/supportdesk-bench.XXXXXX) || exit 0
chmod 0755 "$TMP"
export VAR_DIR=$TMP/var
export PORT=${BENCH_PORT:-$(free_port)} PGPORT=${BENCH_PGPORT:-$(free_pgport)}
export STACK_MODE=test DEMO=1 SUPPORTDESK_BIN=$BIN
STACK=$REPO/scripts/stack.sh
serve_pid=
stacks_up=()

teardown() {
  trap '' INT TERM HUP
  serve_stop
  local d
  for d in "${stacks_up[@]}"; do VAR_DIR=$d "$STACK" down >/dev/null 2>&1; done
  if [ "${KEEP:-0}" = 1 ]; then info "KEEP=1: kept $TMP"; else rm -rf "$TMP"; fi
  exit 0
}
trap teardown EXIT
trap 'exit 0' INT TERM HUP

stacks_up+=("$VAR_DIR")
"$STACK" up || { echo "bench: the stack did not start; no figures"; exit 0; }
load_env "$VAR_DIR/stack.env"

# ------------------------------------------------------------- functions

# cookie_header JAR: the cookies of a curl cookie jar as one Cookie header
# value (HttpOnly ones are the lines curl prefixes with #HttpOnly_).
cookie_header() {
  awk -F'\t' 'NF == 7 && ($1 !~ /^#/ || $1 ~ /^#HttpOnly_/) { printf "%s%s=%s", n++ ? "; " : "", $6, $7 }' "$1"
}

# form_csrf FILE: the first _csrf value of a saved page.
form_csrf() { sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' "$1" | head -n 1; }

urlenc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

# signin EMAIL PASSWORD: signs in through POST /login of this stack (a real
# session in its Redis) and prints the Cookie header value that carries it;
# nothing when the sign-in failed.
signin() {
  local jar=$TMP/signin.$$.jar page=$TMP/signin.$$.html code
  rm -f "$jar"
  curl -s -c "$jar" -b "$jar" -o "$page" "$BASE_URL/login" || return 0
  code=$(curl -s -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' \
    --data "_csrf=$(urlenc "$(form_csrf "$page")")&email=$(urlenc "$1")&password=$(urlenc "$2")" "$BASE_URL/login")
  if [ "$code" != 303 ]; then echo "bench: signing in as $1 answered $code" >&2; return 0; fi
  cookie_header "$jar"
}

# static_copy NAME PATH [COOKIE]: warms PATH up, saves its body (as seen
# with COOKIE) as a file this stack's nginx serves at /__bench/static/NAME,
# and prints that URL.
static_copy() {
  local name=$1 path=$2 cookie=${3:-} file url conf code h=()
  [ -n "$cookie" ] && h=(-H "Cookie: $cookie")
  mkdir -p "$VAR_DIR/bench"
  file=$VAR_DIR/bench/$name.html url=/__bench/static/$name conf=$VAR_DIR/nginx/conf.d/bench-$name.conf
  # Warm up: templates, prepared statements, caches, nginx's buffers.
  for _ in $(seq 1 50); do curl -s -o /dev/null "${h[@]}" "$BASE_URL$path"; done
  code=$(curl -s -o "$file" -w '%{http_code}' "${h[@]}" "$BASE_URL$path")
  [ "$code" = 200 ] || echo "bench: GET $path answered $code (figures for it are still printed)" >&2
  cat >"$conf.tmp" <<EOF
location = $url {
    alias $file;
    types { }
    default_type "text/html; charset=utf-8";
}
EOF
  mv "$conf.tmp" "$conf"
  "$STACK" nginx-reload >/dev/null 2>&1 || echo "bench: nginx reload failed" >&2
  echo "$url"
}

# bench_one THREADS URL [COOKIE]: "rps p50_us p99_us non2xx errors requests
# cpu... [rss_peak_kb rss_hwm_kb]" from wrk, bench.lua and stack_cpu.py (the
# CPU ms each process group of this stack spent during the run: workers
# mailer postgres nginx redis wrk). BENCH_ONE_CONNECTIONS overrides -c and
# BENCH_ONE_RSS=1 adds the workers' peak memory (POST /login).
bench_one() {
  local out line cpu rss h=() tool=()
  [ -n "${3:-}" ] && h=(-H "Cookie: $3")
  # BENCH_ONE_HEADER: one more request header (the REST API's Authorization).
  [ -n "${BENCH_ONE_HEADER:-}" ] && h+=(-H "$BENCH_ONE_HEADER")
  local cmd=(wrk -t"$1" -c"${BENCH_ONE_CONNECTIONS:-$BENCH_CONNECTIONS}" -d"$BENCH_DURATION" --latency ${BENCH_ONE_TIMEOUT:+--timeout "$BENCH_ONE_TIMEOUT"}
             -s "$REPO/scripts/bench.lua" "${h[@]}" "$2")
  if [ -n "$CPU_TOOL" ]; then
    tool=(python3 "$CPU_TOOL")
    [ "${BENCH_ONE_RSS:-0}" = 1 ] && tool+=(--rss)
    out=$("${tool[@]}" "$VAR_DIR" -- "${cmd[@]}" 2>&1)
  else
    out=$("${cmd[@]}" 2>&1)
  fi
  printf '%s\n' "$out" >>"$TMP/wrk.log"
  line=$(grep '^BENCH ' <<<"$out")
  if [ -z "$line" ]; then echo "- - - - - -"; return; fi
  kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
  cpu=$(grep '^CPU ms ' <<<"$out" | sed 's/^CPU ms //; s/[a-z]*=//g')
  rss=$(grep '^RSS kB ' <<<"$out" | sed 's/^RSS kB //; s/[a-z]*=//g')
  echo "$(kv rps) $(kv p50_us) $(kv p99_us) $(kv non2xx) $(kv errors) $(kv requests) $cpu $rss"
}

ms() { case $1 in -|'') echo - ;; *) awk -v u="$1" 'BEGIN { printf "%.2fms", u / 1000 }' ;; esac; }
# per_req MS REQUESTS: microseconds per request
per_req() { awk -v c="$1" -v n="$2" 'BEGIN { if (c == "" || n == "" || n == 0) print "-"; else printf "%.1f", 1000 * c / n }'; }

CPU_TOOL=
if command -v python3 >/dev/null; then CPU_TOOL=$REPO/tests/bench/stack_cpu.py; fi
cores=$(nproc 2>/dev/null || echo '?')
FMT='%-16s %-10s %-4s %9s %8s %8s %6s | %7s %6s %8s %6s %6s | %6s\n'
bench_header() {
  echo
  echo "== $1: wrk -c$BENCH_CONNECTIONS -d$BENCH_DURATION with ${BENCH_THREADS// / and } threads, $cores cores," \
       "supportdesk workers ${SUPPORTDESK_WORKERS:-$cores}, nginx workers ${NGINX_WORKERS:-auto} =="
  if [ -n "$CPU_TOOL" ]; then
    echo "   (CPU: microseconds per request that each process group of this stack used during the run, from"
    echo "    /proc/PID/stat: less disturbed by other work on the machine than req/s; wrk is the load generator)"
  else
    echo "   (python3 missing: no CPU figures)"
  fi
  # shellcheck disable=SC2059
  printf "$FMT" path target wrk 'req/s' p50 p99 errors workers mailer postgres nginx redis wrk
}
row() { # path target threads rps p50 p99 non err requests cpu...
  local n=$9
  # shellcheck disable=SC2059
  printf "$FMT" "$1" "$2" "-t$3" "$4" "$(ms "$5")" "$(ms "$6")" \
    "$((${7/-/0} + ${8/-/0}))" "$(per_req "${10:-}" "$n")" "$(per_req "${11:-}" "$n")" "$(per_req "${12:-}" "$n")" \
    "$(per_req "${13:-}" "$n")" "$(per_req "${14:-}" "$n")" "$(per_req "${15:-}" "$n")"
}
results=()

# bench_pair LABEL PATH [COOKIE]: GET PATH of this stack (as the session in
# COOKIE, when given) against nginx serving the same bytes as a static file,
# once per thread count of BENCH_THREADS; prints both rows and the ratio.
# Any page and any signed-in user: the scale stage uses it for /my/tickets
# at a million tickets, and /desk as an agent can use it the same way.
bench_pair() {
  local label=$1 path=$2 cookie=${3:-} surl t ratio a s
  surl=$(static_copy "$(printf '%s' "$label" | tr -c 'A-Za-z0-9._-' '_')" "$path" "$cookie")
  for t in $BENCH_THREADS; do
    read -r -a a <<<"$(bench_one "$t" "$BASE_URL$path" "$cookie")"
    read -r -a s <<<"$(bench_one "$t" "$BASE_URL$surl" "$cookie")"
    row "$label" app "$t" "${a[@]}"
    row "" static "$t" "${s[@]}"
    ratio=$(awk -v a="${a[0]}" -v s="${s[0]}" 'BEGIN { if (a == "-" || s == "-" || s == 0) print "-"; else printf "%.1f%%", 100 * a / s }')
    printf '%-16s %-10s %-4s %9s\n' "" app/static "-t$t" "$ratio"
    results+=("$label app/static $ratio (wrk -t$t; app p50 $(ms "${a[1]}") p99 $(ms "${a[2]}"))")
  done
}

# bench_login EMAIL PASSWORD: POST /login with the same form again and
# again (an anonymous cookie and its form's CSRF token, which stay valid;
# the session each answer sets is not sent back), so that every request is
# a whole sign-in: argon2id verification, a new session in Redis, the
# sign-in's rows. Prints sign-ins per second and the workers' peak RSS.
bench_login() {
  local jar=$TMP/login.jar page=$TMP/login.html cookie body code a
  rm -f "$jar"
  curl -s -c "$jar" -o "$page" "$BASE_URL/login"
  cookie=$(cookie_header "$jar")
  body="_csrf=$(urlenc "$(form_csrf "$page")")&email=$(urlenc "$1")&password=$(urlenc "$2")"
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" --data "$body" "$BASE_URL/login")
  echo
  echo "== POST /login: wrk -t1 -c$BENCH_LOGIN_CONNECTIONS -d$BENCH_DURATION, every request a sign-in as $1 (argon2id) =="
  [ "$code" = 303 ] || echo "bench: the first sign-in answered $code, not 303 (figures are still printed)"
  read -r -a a <<<"$(BENCH_METHOD=POST BENCH_BODY=$body BENCH_ONE_CONNECTIONS=$BENCH_LOGIN_CONNECTIONS BENCH_ONE_RSS=1 BENCH_ONE_TIMEOUT=30s \
    bench_one 1 "$BASE_URL/login" "$cookie")"
  # shellcheck disable=SC2059
  printf "$FMT" path target wrk 'req/s' p50 p99 errors workers mailer postgres nginx redis wrk
  row "POST /login" app 1 "${a[@]}"
  local peak=${a[12]:-} hwm=${a[13]:-}
  echo "worker RSS during the sign-ins: peak ${peak:--} kB sampled every 10 ms (VmHWM ${hwm:--} kB)"
  login_line="POST /login ${a[0]} sign-ins/s (p50 $(ms "${a[1]}"), p99 $(ms "${a[2]}"), $((${a[3]/-/0} + ${a[4]/-/0})) errors); worker peak RSS ${peak:--} kB (VmHWM ${hwm:--} kB)"
}

# serve_start: supportdesk serve on the current stack, with the rate limits
# that every benchmark request from 127.0.0.1 would hit raised.
serve_start() {
  : >>"$VAR_DIR/serve.log"
  (
    export DATABASE_URL=$APP_DATABASE_URL
    # No scheduler: on `make seed-scale` data it would spend the runs
    # escalating the generated overdue tickets (SUPPORTDESK_SCHEDULER=1 to
    # measure with it).
    export SUPPORTDESK_SCHEDULER=${SUPPORTDESK_SCHEDULER:-0}
    export SUPPORTDESK_RATE_SUBMIT_IP=1000000/3600 SUPPORTDESK_RATE_SUBMIT_EMAIL=1000000/3600 \
           SUPPORTDESK_RATE_VERIFY_IP=1000000/600 SUPPORTDESK_CAPTCHA_MAX_NUMBER=1000 \
           SUPPORTDESK_RATE_LOGIN_IP=1000000/600 SUPPORTDESK_RATE_LOGIN_EMAIL=1000000/600 \
           SUPPORTDESK_RATE_API_KEY=1000000/60
    exec setsid "$BIN" serve </dev/null >>"$VAR_DIR/serve.log" 2>&1
  ) &
  serve_pid=$!
  for _ in $(seq 1 100); do
    [ -S "$SUPPORTDESK_LISTEN" ] && return 0
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench: supportdesk serve did not start; its log:"; tail -n 30 "$VAR_DIR/serve.log"
  return 1
}

serve_stop() {
  if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then
    stop_pid "$serve_pid" "supportdesk serve" TERM 20
  fi
  serve_pid=
}

# ------------------------------------------------------------------ pages

serve_start || exit 0
bench_header "pages"
for p in $BENCH_PATHS; do bench_pair "$p" "$p"; done
if [ -n "$BENCH_USER" ]; then
  user_cookie=$(signin "$BENCH_USER" "$BENCH_PASSWORD")
  if [ -n "$user_cookie" ]; then
    for p in $BENCH_USER_PATHS; do bench_pair "$p" "$p" "$user_cookie"; done
  fi
fi

# ---------------------------------------------------------------- sign-in

login_line=
if [ "$BENCH_LOGIN_CONNECTIONS" -gt 0 ] 2>/dev/null; then bench_login "$BENCH_USER" "$BENCH_PASSWORD"; fi

# ---------------------------------------------------------- submissions

if [ "$BENCH_SUBMISSIONS" -gt 0 ] 2>/dev/null; then
  echo
  echo "== full submissions: $BENCH_SUBMISSIONS, $BENCH_SUBMIT_CONCURRENCY in flight =="
  if command -v python3 >/dev/null; then
    BASE_URL=$BASE_URL MAIL_DIR=$MAIL_DIR VAR_DIR=$VAR_DIR timeout -k 5 $((120 + BENCH_SUBMISSIONS / 20)) \
      python3 "$REPO/tests/bench/submit_bench.py" "$BENCH_SUBMISSIONS" "$BENCH_SUBMIT_CONCURRENCY" 2>&1 |
      tee "$TMP/submit_bench.log"
    sub_rate=$(sed -n 's/.* \([0-9.]*\) submissions\/s .*/\1/p' "$TMP/submit_bench.log" | head -1)
    full_rate=$(sed -n 's/.*mail delay): \([0-9.]*\) per second/\1/p' "$TMP/submit_bench.log" | head -1)
    full_cpu=$(sed -n 's/.*CPU ms per full submission: *//p' "$TMP/submit_bench.log" | head -1)
  else
    echo "bench: python3 not installed; no submission figures"
  fi
fi

# automation (0037): the same full submissions with BENCH_TRIGGERS (50)
# active triggers in the organization the bench's type routes to, none of
# which matches (each is evaluated on every new ticket, in the submission's
# transaction); they are removed afterwards.
BENCH_TRIGGERS=${BENCH_TRIGGERS:-50}
if [ "$BENCH_SUBMISSIONS" -gt 0 ] 2>/dev/null && [ "$BENCH_TRIGGERS" -gt 0 ] 2>/dev/null && command -v python3 >/dev/null; then
  echo
  echo "== full submissions with $BENCH_TRIGGERS active triggers: $BENCH_SUBMISSIONS, $BENCH_SUBMIT_CONCURRENCY in flight =="
  if "$STACK" psql -q -v ON_ERROR_STOP=1 -c "INSERT INTO automation_triggers (organization_id, name, position, conditions, actions)
       SELECT o.org, 'bench trigger ' || g, g,
              jsonb_build_array(jsonb_build_object('field', 'title', 'op', 'contains', 'value', 'zeppelin-' || g),
                                jsonb_build_object('field', 'priority', 'op', 'is', 'value', 'urgent')),
              '[{\"type\": \"add_tag\", \"value\": \"bench\"}]'
       FROM (SELECT CASE WHEN rt.default_routing = 'internal' THEN (SELECT id FROM organizations WHERE is_platform)
                         ELSE rt.organization_id END AS org
             FROM request_types rt WHERE rt.name = 'General question' LIMIT 1) o, generate_series(1, $BENCH_TRIGGERS) g" \
       >/dev/null 2>&1; then
    BASE_URL=$BASE_URL MAIL_DIR=$MAIL_DIR VAR_DIR=$VAR_DIR timeout -k 5 $((120 + BENCH_SUBMISSIONS / 20)) \
      python3 "$REPO/tests/bench/submit_bench.py" "$BENCH_SUBMISSIONS" "$BENCH_SUBMIT_CONCURRENCY" 2>&1 |
      tee "$TMP/submit_bench_triggers.log"
    trig_rate=$(sed -n 's/.*mail delay): \([0-9.]*\) per second/\1/p' "$TMP/submit_bench_triggers.log" | head -1)
    "$STACK" psql -q -c "DELETE FROM automation_triggers WHERE name LIKE 'bench trigger %'" >/dev/null 2>&1
  else
    echo "bench: the triggers could not be made; no figure with triggers"
  fi
fi

# --------------------------------------------------------------- mail-in
# The email channel (issue 13): BENCH_MAIL_IN distinct new-ticket messages
# to the demo organization's support address, each piped to its own
# `supportdesk mail-in` as an MTA's pipe transport runs it (a process, a
# PostgreSQL connection and a transaction per message), with
# BENCH_MAIL_IN_CONCURRENCY at a time: messages/s over the whole batch, and
# the p50 and p99 of one message (process start to exit). The rate limits
# are raised: every message goes to one address.
BENCH_MAIL_IN=${BENCH_MAIL_IN:-500}
BENCH_MAIL_IN_CONCURRENCY=${BENCH_MAIL_IN_CONCURRENCY:-2}
mail_in_line=
if [ "$BENCH_MAIL_IN" -gt 0 ] 2>/dev/null; then
  echo
  echo "== mail-in on stdin: $BENCH_MAIL_IN new-ticket messages, $BENCH_MAIL_IN_CONCURRENCY at a time =="
  mail_to=$("$STACK" psql -q -At -c "SELECT support_email FROM organization_settings
      WHERE support_email IS NOT NULL ORDER BY support_email LIMIT 1" 2>/dev/null | head -n 1)
  if [ -z "$mail_to" ]; then
    echo "bench: no organization has a support address; no mail-in figures"
  else
    mail_dir=$TMP/mail-in mail_tag=$(date +%s)$$
    mkdir -p "$mail_dir"
    for i in $(seq 1 "$BENCH_MAIL_IN"); do
      printf 'From: Bench Sender %s <bench-%s-%s@mail-in.example>\r\nTo: %s\r\nSubject: Bench mail %s %s\r\nDate: Tue, 01 Dec 2026 09:00:00 +0000\r\nMessage-ID: <bench-%s-%s@mail-in.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe printer on floor %s prints blank pages.\r\n\r\n-- \r\nBench\r\n' \
        "$i" "$mail_tag" "$i" "$mail_to" "$mail_tag" "$i" "$mail_tag" "$i" "$i" > "$mail_dir/$i.eml"
    done
    t0=$(date +%s%N)
    find "$mail_dir" -name '*.eml' -print0 |
      DATABASE_URL=$APP_DATABASE_URL SUPPORTDESK_RATE_MAIL_IN_SENDER=1000000/3600 \
      SUPPORTDESK_RATE_MAIL_IN_ADDRESS=1000000/3600 MAIL_IN_ERR=$TMP/mail_in_bench.err \
      timeout -k 5 $((120 + BENCH_MAIL_IN / 5)) xargs -0 -P "$BENCH_MAIL_IN_CONCURRENCY" -n 1 bash -c \
        's=$(date +%s%N); "$0" mail-in < "$1" > /dev/null 2>> "$MAIL_IN_ERR"; rc=$?; e=$(date +%s%N); echo "$rc $(( (e - s) / 1000 ))"' \
        "$BIN" > "$TMP/mail_in_bench.times"
    t1=$(date +%s%N)
    taken=$(awk '$1 == 0' "$TMP/mail_in_bench.times" | wc -l)
    made=$("$STACK" psql -q -At -c "SELECT count(*) FROM tickets WHERE source = 'email' AND title LIKE 'Bench mail $mail_tag %'" 2>/dev/null)
    read -r mail_rate mail_p50 mail_p99 < <(sort -n -k2 "$TMP/mail_in_bench.times" | awk -v ns=$((t1 - t0)) '
      { t[NR] = $2 } END {
        if (NR == 0 || ns <= 0) { print "- - -"; exit }
        p50 = t[int((NR + 1) / 2)]; p99 = t[int(NR * 0.99) > 0 ? int(NR * 0.99) : 1]
        printf "%.1f %.1f %.1f\n", NR / (ns / 1e9), p50 / 1000, p99 / 1000 }')
    mail_in_line="mail-in on stdin: $mail_rate messages/s ($BENCH_MAIL_IN_CONCURRENCY at a time), p50 $mail_p50 ms, p99 $mail_p99 ms per message; $taken of $BENCH_MAIL_IN exited 0, ${made:--} tickets made"
    echo "$mail_in_line"
    if [ "$taken" != "$BENCH_MAIL_IN" ]; then
      echo "bench: mail-in's last log lines:"; tail -n 5 "$TMP/mail_in_bench.err" 2>/dev/null
    fi
  fi
fi

# --------------------------------------------------------------- memory

echo
echo "== supportdesk processes (after the run) =="
master=$(pid_of "$SUPPORTDESK_PIDFILE" 2>/dev/null)
[ -n "$master" ] || master=$serve_pid
printf '%-8s %-8s %10s %10s  %s\n' pid role VmRSS PSS command
mem_line() {
  local pid=$1 role=$2 rss pss cmd
  rss=$(awk '/^VmRSS:/ { print $2 " kB" }' "/proc/$pid/status" 2>/dev/null)
  pss=$(awk '/^Pss:/ { print $2 " kB" }' "/proc/$pid/smaps_rollup" 2>/dev/null)
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-60)
  printf '%-8s %-8s %10s %10s  %s\n' "$pid" "$role" "${rss:--}" "${pss:--}" "$cmd"
}
mem_line "$master" master
mailer_pid=$(sed -n 's/.*proc=master .*msg="mailer started" mailer_pid=\([0-9]*\).*/\1/p' "$VAR_DIR/serve.log" | tail -n 1)
for st in /proc/[0-9]*/stat; do
  pid=${st#/proc/}; pid=${pid%/stat}
  ppid=$(awk '{ sub(/.*\) /, ""); print $2 }' "$st" 2>/dev/null)
  if [ "$ppid" = "$master" ]; then
    if [ "$pid" = "$mailer_pid" ]; then mem_line "$pid" mailer; else mem_line "$pid" worker; fi
  fi
done

# ------------------------------------------------------------ at scale

# bench_desk: the support desk at scale, signed in as the first agent of
# the busiest organization (tests/bench/scale_agent.sql gives them the
# demo password and picks an open ticket of theirs with 10 messages): the
# plans of the queue statements (tests/bench/desk_plans.sql), the cost of
# the queue counts alone (the same statement timed in psql, as the app
# role), then bench_pair on GET /desk (the default queue, 50 rows), a
# filtered queue, a searched queue (a common word and a rare one) and the
# workspace, and the default queue once more with
# BENCH_SCALE_LATENCY_CONNECTIONS in flight.
bench_desk() {
  local hash line agent number n0 a
  hash=$(printf '%s' "$BENCH_PASSWORD" | "$BIN" passwd-hash) || { echo "bench: passwd-hash failed; no desk figures"; return; }
  line=$("$STACK" psql -q -v hash="$hash" -f "$REPO/tests/bench/scale_agent.sql" 2>&1 | grep '^agent ')
  agent=$(awk '{ print $2 }' <<<"$line") number=$(awk '{ print $4 }' <<<"$line")
  if [ -z "$agent" ] || [ -z "$number" ]; then echo "bench: tests/bench/scale_agent.sql found no agent or ticket: $line"; return; fi
  "$STACK" psql -q -v email="$agent" -f "$REPO/tests/bench/desk_plans.sql" >"$TMP/desk-plans.log" 2>&1
  echo "plans of GET /desk as $agent (EXPLAIN (ANALYZE, BUFFERS), $TMP/desk-plans.log):"
  grep -E '^== |Execution Time' "$TMP/desk-plans.log" | sed 's/ *Execution Time: / /' | paste -d' ' - - | sed 's/^/  /'
  desk_counts_line=$(awk '/^== counts/ { f = 1 } f && /Execution Time/ { sub(/.*Execution Time: */, ""); print; exit }' "$TMP/desk-plans.log")
  serve_start || return
  local cookie
  cookie=$(signin "$agent" "$BENCH_PASSWORD")
  if [ -n "$cookie" ]; then
    bench_header "GET /desk@1M, signed in as $agent (busiest organization)"
    n0=${#results[@]}
    bench_pair /desk /desk "$cookie"
    bench_pair /desk?filter "/desk?queue=open&priority=urgent" "$cookie"
    bench_pair /desk?q=common "/desk?queue=open&q=$BENCH_DESK_COMMON_WORD" "$cookie"
    bench_pair /desk?q=rare "/desk?queue=open&q=$BENCH_DESK_RARE_WORD" "$cookie"
    bench_pair /desk/tickets/N "/desk/tickets/$number" "$cookie"
    read -r -a a <<<"$(BENCH_ONE_CONNECTIONS=$BENCH_SCALE_LATENCY_CONNECTIONS bench_one 1 "$BASE_URL/desk" "$cookie")"
    row "" "app -c$BENCH_SCALE_LATENCY_CONNECTIONS" 1 "${a[@]}"
    results+=("/desk@1M with $BENCH_SCALE_LATENCY_CONNECTIONS in flight: ${a[0]} req/s, p50 $(ms "${a[1]}") p99 $(ms "${a[2]}")")
    results+=("/desk@1M queue counts alone (6 kept by a trigger and the SLA queue capped, EXPLAIN ANALYZE): ${desk_counts_line:--}")
    desk_line="${results[*]:$n0}"
  fi
  # REST API at 1M: a key of the agent's organization (as the operator makes
  # one; its service user is an agent there, so RLS works as for /desk).
  local org key rtype
  org=$("$STACK" psql -qAt -v ON_ERROR_STOP=1 -c "SELECT o.slug FROM organizations o JOIN memberships m ON m.organization_id = o.id
    JOIN users u ON u.id = m.user_id WHERE u.email = '$agent' AND m.is_active LIMIT 1" 2>/dev/null)
  key=$("$BIN" api-key add --org "$org" --name "bench $(date +%s)" --scope tickets:read --scope tickets:write 2>"$TMP/api-key.log")
  rtype=$("$STACK" psql -qAt -c "SELECT rt.id FROM request_types rt JOIN organizations o ON o.id = rt.organization_id
    WHERE o.slug = '$org' AND rt.is_active AND rt.default_routing <> 'internal' AND 'customer' = ANY (rt.allowed_roles)
    ORDER BY rt.sort_order LIMIT 1" 2>/dev/null)
  # make seed-scale's organizations have no request type of their own (the
  # global ones route to the platform): one for the bench, made once.
  [ -n "$rtype" ] || rtype=$("$STACK" psql -qAt -c "INSERT INTO request_types (organization_id, name, default_routing,
    allowed_roles) SELECT o.id, 'Bench request', 'organization', ARRAY['customer', 'agent', 'admin'] FROM organizations o
    WHERE o.slug = '$org' RETURNING id" 2>/dev/null | head -n 1)
  if [ -n "$key" ]; then
    bench_header "REST API@1M with a key of $org"
    for t in $BENCH_THREADS; do
      read -r -a a <<<"$(BENCH_ONE_HEADER="Authorization: Bearer $key" bench_one "$t" "$BASE_URL/api/v1/tickets?limit=50")"
      row "GET /api/v1/tickets?limit=50" app "$t" "${a[@]}"
      results+=("GET /api/v1/tickets?limit=50@1M: ${a[0]} req/s, p50 $(ms "${a[1]}") p99 $(ms "${a[2]}") (wrk -t$t; goal: 10000 req/s, p99 under 20 ms)")
    done
    if [ -n "$rtype" ]; then
      read -r -a a <<<"$(BENCH_ONE_HEADER="Authorization: Bearer $key" BENCH_METHOD=POST BENCH_CONTENT_TYPE=application/json \
        BENCH_BODY="{\"request_type\":\"$rtype\",\"title\":\"Bench ticket\",\"description\":\"Made by scripts/bench.sh.\",\"requester\":{\"email\":\"bench-api@example.com\"}}" \
        bench_one 1 "$BASE_URL/api/v1/tickets")"
      row "POST /api/v1/tickets" app 1 "${a[@]}"
      results+=("POST /api/v1/tickets@1M: ${a[0]} tickets/s, p50 $(ms "${a[1]}") p99 $(ms "${a[2]}"), ${a[3]:-0} answered 4xx/5xx (a type with required custom fields answers 422)")
    else
      echo "bench: no request type of $org for POST /api/v1/tickets"
    fi
  else
    echo "bench: api-key add failed for $org: $(cat "$TMP/api-key.log")"
  fi
  serve_stop
}

# A database of BENCH_SCALE_TICKETS tickets lives on in BENCH_SCALE_DIR
# (var/bench-scale): seeded by the first run, which prints how long that
# took, and reused by the next ones (`supportdesk migrate` brings it to the
# current schema on every start). A marker file says which size it holds;
# another size, or a directory without the marker (a seeding that was cut
# short), is seeded again from scratch.
scale_line=
if [ "$BENCH_SCALE" = 1 ]; then
  # The small stack's cores go to the big one.
  serve_stop
  "$STACK" down >/dev/null 2>&1
  scale_label=/my/tickets@$BENCH_SCALE_TICKETS
  [ "$BENCH_SCALE_TICKETS" = 1000000 ] && scale_label=/my/tickets@1M
  export VAR_DIR=$BENCH_SCALE_DIR PORT=$(free_port) PGPORT=$(free_pgport)
  marker=$VAR_DIR/bench-scale.seeded
  echo
  echo "== at scale: $BENCH_SCALE_TICKETS tickets in $VAR_DIR =="
  if [ -f "$marker" ] && [ "$(head -n 1 "$marker")" = "$BENCH_SCALE_TICKETS" ]; then
    echo "reusing it ($(sed -n 2p "$marker"))"
  elif [ -e "$VAR_DIR" ] && ! [ -f "$VAR_DIR/stack.env" ] && [ -n "$(ls -A "$VAR_DIR" 2>/dev/null)" ]; then
    echo "bench: $VAR_DIR is not a stack directory: not touching it; no figures at scale"
    BENCH_SCALE=0
  else
    if [ -e "$VAR_DIR" ]; then
      echo "its marker is missing or names another size: seeding it again from scratch"
      "$STACK" down >/dev/null 2>&1
      rm -rf "$VAR_DIR"
    fi
  fi
fi
if [ "$BENCH_SCALE" = 1 ]; then
  stacks_up+=("$VAR_DIR")
  if ! "$STACK" up >"$TMP/scale-up.log" 2>&1; then
    echo "bench: the scale stack did not start; no figures at scale:"; tail -n 20 "$TMP/scale-up.log"
  else
    load_env "$VAR_DIR/stack.env"
    if ! [ -f "$marker" ]; then
      echo "seeding $BENCH_SCALE_TICKETS tickets (sql/scale/generate.sql; log $TMP/seed.log) ..."
      t0=$SECONDS
      if "$STACK" seed-scale "$BENCH_SCALE_TICKETS" >"$TMP/seed.log" 2>&1; then
        printf '%s\nseeded in %ss on %s\n' "$BENCH_SCALE_TICKETS" "$((SECONDS - t0))" "$(date -u '+%Y-%m-%d %H:%M UTC')" >"$marker"
        echo "seeded in $((SECONDS - t0)) s (kept for the next runs)"
      else
        echo "bench: seeding failed after $((SECONDS - t0)) s:"; tail -n 20 "$TMP/seed.log"
      fi
    fi
    if [ -f "$marker" ] && [ "$BENCH_DESK" = 1 ]; then bench_desk; fi
    if [ -f "$marker" ] && [ -n "$BENCH_USER" ]; then
      "$STACK" psql -q -v ON_ERROR_STOP=1 -v email="$BENCH_USER" -v tickets="$BENCH_SCALE_USER_TICKETS" \
        -f "$REPO/tests/bench/scale_customer.sql" >"$TMP/scale-customer.log" 2>&1 ||
        { echo "bench: tests/bench/scale_customer.sql failed:"; cat "$TMP/scale-customer.log"; }
      echo "$BENCH_USER holds $(awk '/^ *[0-9]+ *\| *[0-9]+ *$/ { print $1 " tickets (" $3 " in the open tab)" }' "$TMP/scale-customer.log" | tail -n 1)"
      "$STACK" psql -q -v email="$BENCH_USER" -f "$REPO/tests/bench/my_tickets_plans.sql" >"$TMP/plans.log" 2>&1
      echo "plans of /my/tickets (EXPLAIN ANALYZE, $TMP/plans.log):" \
        "$(grep -E '^== |Execution Time' "$TMP/plans.log" | sed 's/^== //; s/ *Execution Time: / /' | paste -sd' ' -)"
      if serve_start; then
        scale_cookie=$(signin "$BENCH_USER" "$BENCH_PASSWORD")
        if [ -n "$scale_cookie" ]; then
          bench_header "$scale_label, signed in as $BENCH_USER"
          n0=${#results[@]}
          bench_pair "$scale_label" /my/tickets "$scale_cookie"
          # With 32 clients on 2 workers a request mostly waits its turn
          # (p99 is queueing); with BENCH_SCALE_LATENCY_CONNECTIONS in
          # flight it is the page's own time at this size.
          read -r -a a <<<"$(BENCH_ONE_CONNECTIONS=$BENCH_SCALE_LATENCY_CONNECTIONS bench_one 1 "$BASE_URL/my/tickets" "$scale_cookie")"
          row "" "app -c$BENCH_SCALE_LATENCY_CONNECTIONS" 1 "${a[@]}"
          results+=("$scale_label with $BENCH_SCALE_LATENCY_CONNECTIONS in flight: ${a[0]} req/s, p50 $(ms "${a[1]}") p99 $(ms "${a[2]}") (goal: p99 under 10 ms)")
          scale_line="${results[*]:$n0}"
        fi
        serve_stop
      fi
    fi
  fi
  "$STACK" down >/dev/null 2>&1
fi

echo
for r in "${results[@]}"; do echo "bench: $r"; done
[ -n "$login_line" ] && echo "bench: $login_line"
[ -n "${desk_line:-}" ] || [ "$BENCH_DESK" != 1 ] || echo "bench: no /desk figures at scale (see above)"
[ -n "${sub_rate:-}" ] && echo "bench: POST /submit ${sub_rate} submissions/s; submit+verify ${full_rate:--} full submissions/s"
[ -n "${trig_rate:-}" ] && echo "bench: full submissions/s with 0 triggers ${full_rate:--}, with $BENCH_TRIGGERS active triggers ${trig_rate}"
[ -n "${full_cpu:-}" ] && echo "bench: CPU ms per full submission: $full_cpu"
[ -n "${mail_in_line:-}" ] && echo "bench: $mail_in_line"
if [ "${KEEP:-0}" = 1 ]; then echo "(raw wrk output: $TMP/wrk.log)"; fi
exit 0
