#!/usr/bin/env bash
# scripts/bench.sh (make bench): throughput through nginx, against nginx
# serving the same bytes as a static file, measured in the same run.
#
# Builds, brings up a throwaway stack with demo data in a temporary
# directory, starts `supportdesk serve`, warms up, and for each path in
# BENCH_PATHS saves the body of GET PATH as a file that nginx serves at
# /__bench/static[/NAME]. Then wrk runs against the page and against its
# static copy, one after the other, once per thread count in BENCH_THREADS
# (1 and 2: on 2 cores a second wrk thread takes a core nginx needs, which
# slows the static run more than the app's and flatters the ratio). It
# prints requests/s, p50 and p99 for both, the app's throughput as a % of
# the static file's, and the CPU time per request that each process group
# of this stack used during the run (tests/bench/stack_cpu.py: the
# supportdesk workers and mailer, PostgreSQL, nginx, Redis, found from this
# stack's pidfiles, and wrk), which other work on a shared machine disturbs
# less than requests/s. Then the memory of each supportdesk process (VmRSS,
# and PSS from smaps_rollup).
#
# Then full public submissions per second (tests/bench/submit_bench.py):
# BENCH_SUBMISSIONS forms fetched and their captchas solved beforehand, then
# POST /submit with BENCH_SUBMIT_CONCURRENCY in flight, then the emailed
# verification links confirmed (GET + POST /verify), with the CPU time per
# submission of each process group. serve runs with the submit and verify
# rate limits raised for it, and the captcha's difficulty at its minimum
# (SUPPORTDESK_CAPTCHA_MAX_NUMBER=1000): the server checks a solution with
# one hash whatever the difficulty, and only the untimed preparation gets
# faster.
#
# It never fails: it prints figures, or why there are none, and exits 0.
#
# Environment: BENCH_PATHS ("/ /submit"), BENCH_DURATION (10s), BENCH_THREADS
# ("1 2"), BENCH_SUBMISSIONS (1000, 0 to skip), BENCH_SUBMIT_CONCURRENCY (16),
# BENCH_CONNECTIONS (32), SUPPORTDESK_WORKERS (CPU count), NGINX_WORKERS
# (auto), SKIP_BUILD=1, SKIP_DEPS=1, KEEP=1 (keep the temporary directory).
set -uo pipefail
LOG_TAG=bench
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO" || exit 0

BENCH_PATHS=${BENCH_PATHS:-/ /submit}
BENCH_SUBMISSIONS=${BENCH_SUBMISSIONS:-1000}
BENCH_SUBMIT_CONCURRENCY=${BENCH_SUBMIT_CONCURRENCY:-16}
BENCH_DURATION=${BENCH_DURATION:-10s}
BENCH_THREADS=${BENCH_THREADS:-1 2}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-32}
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

teardown() {
  trap '' INT TERM HUP
  if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then
    stop_pid "$serve_pid" "supportdesk serve" TERM 20
  fi
  "$STACK" down >/dev/null 2>&1
  if [ "${KEEP:-0}" = 1 ]; then info "KEEP=1: kept $TMP"; else rm -rf "$TMP"; fi
  exit 0
}
trap teardown EXIT
trap 'exit 0' INT TERM HUP

"$STACK" up || { echo "bench: the stack did not start; no figures"; exit 0; }
load_env "$VAR_DIR/stack.env"
(
  export DATABASE_URL=$APP_DATABASE_URL
  # No scheduler: on `make seed-scale` data it would spend the runs
  # escalating the generated overdue tickets (SUPPORTDESK_SCHEDULER=1 to
  # measure with it).
  export SUPPORTDESK_SCHEDULER=${SUPPORTDESK_SCHEDULER:-0}
  # Every benchmark request comes from 127.0.0.1.
  export SUPPORTDESK_RATE_SUBMIT_IP=1000000/3600 SUPPORTDESK_RATE_SUBMIT_EMAIL=1000000/3600 \
         SUPPORTDESK_RATE_VERIFY_IP=1000000/600 SUPPORTDESK_CAPTCHA_MAX_NUMBER=1000
  exec setsid "$BIN" serve </dev/null >>"$TMP/serve.log" 2>&1
) &
serve_pid=$!
for _ in $(seq 1 100); do
  [ -S "$SUPPORTDESK_LISTEN" ] && break
  kill -0 "$serve_pid" 2>/dev/null || break
  sleep 0.1
done
if [ ! -S "$SUPPORTDESK_LISTEN" ]; then
  echo "bench: supportdesk serve did not start; its log:"; tail -n 30 "$TMP/serve.log"
  exit 0
fi

# ---------------------------------------------------------- static copies

mkdir -p "$VAR_DIR/bench"
conf=$VAR_DIR/nginx/conf.d/bench.conf
: >"$conf.tmp"
declare -A static_url
for p in $BENCH_PATHS; do
  if [ "$p" = / ]; then name=index; url=/__bench/static
  else name=$(printf '%s' "${p#/}" | tr -c 'A-Za-z0-9._-' '_'); url=/__bench/static/$name
  fi
  file=$VAR_DIR/bench/$name.html
  # Warm up: templates, prepared statements, caches, nginx's buffers.
  for _ in $(seq 1 50); do curl -s -o /dev/null "$BASE_URL$p"; done
  code=$(curl -s -o "$file" -w '%{http_code}' "$BASE_URL$p")
  if [ "$code" != 200 ]; then
    echo "bench: GET $p answered $code (figures for it are still printed)"
  fi
  static_url[$p]=$url
  cat >>"$conf.tmp" <<EOF
location = $url {
    alias $file;
    types { }
    default_type "text/html; charset=utf-8";
}
EOF
done
mv "$conf.tmp" "$conf"
"$STACK" nginx-reload >/dev/null 2>&1 || echo "bench: nginx reload failed"

# ------------------------------------------------------------------ wrk

# bench_one THREADS URL: "rps p50_us p99_us non2xx errors requests cpu..." from
# wrk, bench.lua and stack_cpu.py (the CPU ms each process group of this
# stack spent during the run: workers mailer postgres nginx redis wrk).
bench_one() {
  local out line cpu
  local cmd=(wrk -t"$1" -c"$BENCH_CONNECTIONS" -d"$BENCH_DURATION" --latency -s "$REPO/scripts/bench.lua" "$2")
  if [ -n "$CPU_TOOL" ]; then
    out=$(python3 "$CPU_TOOL" "$VAR_DIR" -- "${cmd[@]}" 2>&1)
  else
    out=$("${cmd[@]}" 2>&1)
  fi
  printf '%s\n' "$out" >>"$TMP/wrk.log"
  line=$(grep '^BENCH ' <<<"$out")
  if [ -z "$line" ]; then echo "- - - - - -"; return; fi
  kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
  cpu=$(grep '^CPU ms ' <<<"$out" | sed 's/^CPU ms //; s/[a-z]*=//g')
  echo "$(kv rps) $(kv p50_us) $(kv p99_us) $(kv non2xx) $(kv errors) $(kv requests) $cpu"
}

ms() { case $1 in -|'') echo - ;; *) awk -v u="$1" 'BEGIN { printf "%.2fms", u / 1000 }' ;; esac; }
# per_req MS REQUESTS: microseconds per request
per_req() { awk -v c="$1" -v n="$2" 'BEGIN { if (c == "" || n == "" || n == 0) print "-"; else printf "%.1f", 1000 * c / n }'; }

CPU_TOOL=
if command -v python3 >/dev/null; then CPU_TOOL=$REPO/tests/bench/stack_cpu.py; fi
cores=$(nproc 2>/dev/null || echo '?')
echo
echo "== bench: wrk -c$BENCH_CONNECTIONS -d$BENCH_DURATION with ${BENCH_THREADS// / and } threads, $cores cores," \
     "supportdesk workers ${SUPPORTDESK_WORKERS:-$cores}, nginx workers ${NGINX_WORKERS:-auto} =="
if [ -n "$CPU_TOOL" ]; then
  echo "   (CPU: microseconds per request that each process group of this stack used during the run, from"
  echo "    /proc/PID/stat: less disturbed by other work on the machine than req/s; wrk is the load generator)"
else
  echo "   (python3 missing: no CPU figures)"
fi
printf '%-10s %-10s %-4s %9s %8s %8s %6s | %7s %6s %8s %6s %6s | %6s\n' \
  path target wrk 'req/s' p50 p99 errors workers mailer postgres nginx redis wrk
row() { # path target threads rps p50 p99 non err requests cpu...
  local n=$9
  printf '%-10s %-10s %-4s %9s %8s %8s %6s | %7s %6s %8s %6s %6s | %6s\n' "$1" "$2" "-t$3" "$4" "$(ms "$5")" "$(ms "$6")" \
    "$((${7/-/0} + ${8/-/0}))" "$(per_req "${10:-}" "$n")" "$(per_req "${11:-}" "$n")" "$(per_req "${12:-}" "$n")" \
    "$(per_req "${13:-}" "$n")" "$(per_req "${14:-}" "$n")" "$(per_req "${15:-}" "$n")"
}
results=()
for p in $BENCH_PATHS; do
  for t in $BENCH_THREADS; do
    read -r -a a <<<"$(bench_one "$t" "$BASE_URL$p")"
    read -r -a s <<<"$(bench_one "$t" "$BASE_URL${static_url[$p]}")"
    row "$p" app "$t" "${a[@]}"
    row "" static "$t" "${s[@]}"
    ratio=$(awk -v a="${a[0]}" -v s="${s[0]}" 'BEGIN { if (a == "-" || s == "-" || s == 0) print "-"; else printf "%.1f%%", 100 * a / s }')
    printf '%-10s %-10s %-4s %9s\n' "" app/static "-t$t" "$ratio"
    results+=("$p -t$t $ratio")
  done
done

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
mailer_pid=$(sed -n 's/.*proc=master .*msg="mailer started" mailer_pid=\([0-9]*\).*/\1/p' "$TMP/serve.log" | tail -n 1)
for st in /proc/[0-9]*/stat; do
  pid=${st#/proc/}; pid=${pid%/stat}
  ppid=$(awk '{ sub(/.*\) /, ""); print $2 }' "$st" 2>/dev/null)
  if [ "$ppid" = "$master" ]; then
    if [ "$pid" = "$mailer_pid" ]; then mem_line "$pid" mailer; else mem_line "$pid" worker; fi
  fi
done

echo
for r in "${results[@]}"; do read -r rp rt rr <<<"$r"; echo "bench: $rp app/static $rr (wrk $rt)"; done
[ -n "${sub_rate:-}" ] && echo "bench: POST /submit ${sub_rate} submissions/s; submit+verify ${full_rate:--} full submissions/s"
[ -n "${full_cpu:-}" ] && echo "bench: CPU ms per full submission: $full_cpu"
if [ "${KEEP:-0}" = 1 ]; then echo "(raw wrk output: $TMP/wrk.log)"; fi
exit 0
