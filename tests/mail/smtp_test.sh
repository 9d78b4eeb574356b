#!/usr/bin/env bash
# smtp_test.sh: `supportdesk mailer` against a real SMTP server (tests/mail/smtp_sink.py)
# and the file transport, on a running stack (scripts/stack.sh up).
#
# Environment: the stack's (APP_DATABASE_URL, DATABASE_URL = owner; read from
# $VAR_DIR/stack.env when APP_DATABASE_URL is unset), SUPPORTDESK_BIN (default
# build/supportdesk; must understand `mailer` and `mailer --once`),
# SMTP_TEST_PYTHON (default /usr/bin/python3, which has python3-aiosmtpd).
#
# outbox_claim cannot be filtered, so the mailers started here deliver every
# due row of the database, and any other mailer connected to it would take
# ours: run this with the stack's own mailer off (SUPPORTDESK_MAILER=0) and
# not concurrently with tests that read MAIL_DIR. The test checks for that.
#
# Prints TAP-ish lines and ends with "smtp: N passed, M failed".
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN_ARG=${SUPPORTDESK_BIN-}
if [ -z "${APP_DATABASE_URL-}" ]; then
  env_file=${VAR_DIR:-$REPO/var}/stack.env
  [ -f "$env_file" ] || { echo "smtp_test: no APP_DATABASE_URL and no $env_file (scripts/stack.sh up)" >&2; echo "smtp: 0 passed, 1 failed"; exit 1; }
  set -a; . "$env_file"; set +a
fi
BIN=${BIN_ARG:-${SUPPORTDESK_BIN:-$REPO/build/supportdesk}}
case $BIN in /*) ;; *) BIN=$REPO/$BIN ;; esac
PY=${SMTP_TEST_PYTHON:-/usr/bin/python3}
OWNER_URL=$DATABASE_URL
APP_URL=$APP_DATABASE_URL

PASS=0 FAIL=0 N=0
pass() { N=$((N + 1)); PASS=$((PASS + 1)); echo "ok $N - $*"; }
fail() { N=$((N + 1)); FAIL=$((FAIL + 1)); echo "not ok $N - $*"; }
check() { local d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }
finish() {
  echo "smtp: $PASS passed, $FAIL failed"
  [ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]
  exit $?
}
# Python checks print "ok - ..." / "not ok - ..."; count them here.
tally() {
  local line
  while IFS= read -r line; do
    case $line in
      "ok - "*) pass "${line#ok - }" ;;
      "not ok - "*) fail "${line#not ok - }" ;;
      *) echo "# $line" ;;
    esac
  done
}

WORK=$(mktemp -d /tmp/smtp_test.XXXXXX)
SINK_PID= LOOP_PID=
cleanup() {
  [ -n "$LOOP_PID" ] && kill "$LOOP_PID" 2>/dev/null
  [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
  # SMTP_TEST_KEEP=1 keeps the messages and logs for a post-mortem.
  if [ -n "${SMTP_TEST_KEEP-}" ]; then echo "# kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

psql_app() { psql -X -q -At -v ON_ERROR_STOP=1 "$APP_URL" "$@"; }
psql_owner() { psql -X -q -At -v ON_ERROR_STOP=1 "$OWNER_URL" "$@"; }

# ------------------------------------------------------------------ preconditions
[ -x "$BIN" ] || { fail "binary $BIN exists"; finish; }
"$PY" -c 'import aiosmtpd' 2>/dev/null || { fail "$PY can import aiosmtpd (apt install python3-aiosmtpd)"; finish; }
others=$(psql_owner -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'supportdesk-mailer'") \
  || { fail "owner connection to PostgreSQL"; finish; }
if [ "$others" != 0 ]; then
  fail "no other mailer is connected (found $others; run the stack with SUPPORTDESK_MAILER=0)"
  finish
fi

# ------------------------------------------------------------------ SMTP sink
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SINK=$WORK/sink
mkdir -p "$SINK"
"$PY" "$REPO/tests/mail/smtp_sink.py" "$PORT" "$SINK" > "$WORK/sink.out" 2> "$WORK/sink.err" &
SINK_PID=$!
for _ in $(seq 50); do grep -q ready "$WORK/sink.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$WORK/sink.out" || { fail "smtp sink started"; cat "$WORK/sink.err" >&2; finish; }

TAG=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')

# Fixtures: written once by Python as JSON (for the checks) and as SQL (for
# psql), so that CR/LF and non-ASCII reach outbox_enqueue byte for byte.
"$PY" - "$TAG" "$WORK" <<'PY'
import json, sys
tag, work = sys.argv[1], sys.argv[2]
long_line = "A long line with = signs and trailing spaces   " + "0123456789" * 12
rows = [
    {"key": "utf8", "to": "utf8-%s@example.test" % tag, "to_name": "Zoë Ångström",
     "subject": "Ticket TKT-2024-01-00042 — réponse reçue ✓ et un sujet assez long pour être plié %s" % tag,
     "text": "Bonjour Zoë,\n\n" + long_line + "\nligne avec espace final \n.\n-- \nSupportdesk\n",
     "html": "<p>Bonjour Zo&euml;, café ✓</p>\n<p>" + "x=y " * 30 + "</p>\n"},
    {"key": "inject", "to": "inject-%s@example.test" % tag,
     "to_name": "Eve\r\nBcc: victim-%s@evil.test" % tag,
     "subject": "hi\r\nBcc: victim-%s@evil.test\nX-Injected: yes\r\n\r\nbody?" % tag,
     "text": "plain body\n", "html": None},
    {"key": "reject", "to": "reject-%s@example.test" % tag, "to_name": None,
     "subject": "to be rejected %s" % tag, "text": "nobody home\n", "html": None},
    {"key": "badaddr", "to": "bad<x>@%s.example.test" % tag, "to_name": None,
     "subject": "bad address %s" % tag, "text": "never sent\n", "html": None},
]
def lit(v):
    return "NULL" if v is None else "'" + v.replace("'", "''") + "'"
with open(work + "/fixtures.json", "w") as f:
    json.dump(rows, f)
with open(work + "/enqueue.sql", "w") as f:
    for r in rows:
        f.write("SELECT outbox_enqueue(p_to => %s, p_subject => %s, p_text => %s, p_html => %s, "
                "p_to_name => %s);\n" % (lit(r["to"]), lit(r["subject"]), lit(r["text"]),
                                         lit(r["html"]), lit(r["to_name"])))
PY
mapfile -t IDS < <(psql_app -f "$WORK/enqueue.sql")
check "app role enqueues 4 rows through outbox_enqueue" [ "${#IDS[@]}" -eq 4 ]
[ "${#IDS[@]}" -eq 4 ] || finish
printf '%s\n' "${IDS[@]}" > "$WORK/ids"
id_list="'${IDS[0]}','${IDS[1]}','${IDS[2]}','${IDS[3]}'"

# ------------------------------------------------------------------ mailer --once over SMTP
smtp_env=(env DATABASE_URL="$APP_URL" SUPPORTDESK_MAIL_TRANSPORT=smtp
  SUPPORTDESK_SMTP_URL="smtp://127.0.0.1:$PORT" SUPPORTDESK_SMTP_TLS=off
  SUPPORTDESK_MAIL_FROM="Supportdesk Test <desk-$TAG@example.test>" BASE_URL="https://desk.example.test")
"${smtp_env[@]}" "$BIN" mailer --once > "$WORK/once.out" 2> "$WORK/once.err"
rc=$?
check "mailer --once exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed 's/^/# /' "$WORK/once.err"

psql_owner -F $'\t' -c "SELECT id, status, attempts, coalesce(last_error, '') FROM outbox WHERE id IN ($id_list)" \
  > "$WORK/state.tsv"
has_perm=$(psql_owner -c "SELECT to_regprocedure('outbox_mark_failed(uuid,text,boolean)') IS NOT NULL")

tally < <("$PY" - "$WORK" "$SINK" "$TAG" "$has_perm" <<'PY'
import email, email.policy, glob, json, sys
work, sink, tag, has_perm = sys.argv[1:5]
rows = json.load(open(work + "/fixtures.json"))
ids = open(work + "/ids").read().split()
for r, i in zip(rows, ids):
    r["id"] = i
state = {}
for line in open(work + "/state.tsv"):
    i, status, attempts, err = line.rstrip("\n").split("\t", 3)
    state[i] = (status, int(attempts), err)

def ok(cond, desc):
    print(("ok - " if cond else "not ok - ") + desc)

# What arrived, by envelope recipient.
arrived = {}
for path in sorted(glob.glob(sink + "/*.eml")):
    meta = json.load(open(path[:-4] + ".json"))
    raw = open(path, "rb").read()
    for rcpt in meta["rcpt_tos"]:
        arrived[rcpt.lower()] = (meta, raw)

def crlf_only(raw):
    return b"\r" not in raw.replace(b"\r\n", b"") and b"\n" not in raw.replace(b"\r\n", b"")

for r in rows:
    key, i = r["key"], r["id"]
    st = state.get(i, ("missing", 0, ""))
    if key in ("utf8", "inject"):
        ok(st[0] == "sent", "%s: row marked sent (status %s)" % (key, st[0]))
        got = arrived.get(r["to"].lower())
        ok(got is not None, "%s: message arrived at the SMTP sink" % key)
        if not got:
            continue
        meta, raw = got
        ok(meta["mail_from"] == "desk-%s@example.test" % tag, "%s: envelope sender is the bare mail_from address" % key)
        ok(meta["rcpt_tos"] == [r["to"]], "%s: exactly one envelope recipient" % key)
        ok(crlf_only(raw), "%s: CRLF line endings only" % key)
        head = raw.split(b"\r\n\r\n", 1)[0]
        ok(all(b < 0x80 for b in head), "%s: headers are 7-bit" % key)
        ok(all(len(l) <= 78 for l in head.split(b"\r\n")), "%s: header lines <= 78" % key)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        ok(msg.defects == [] and all(p.defects == [] for p in msg.walk()), "%s: parses without defects" % key)
        names = [k.lower() for k in msg.keys()]
        ok(sorted(names) == sorted(["date", "from", "to", "subject", "message-id", "mime-version",
                                    "auto-submitted", "x-auto-response-suppress", "content-type"]),
           "%s: exactly the expected headers (%s)" % (key, ",".join(names)))
        ok("bcc" not in names and "x-injected" not in names, "%s: no injected Bcc/X-Injected header" % key)
        ok(msg["Message-ID"] == "<%s@desk.example.test>" % i, "%s: Message-ID <id@host of BASE_URL>" % key)
        ok(msg["Auto-Submitted"] == "auto-generated", "%s: Auto-Submitted: auto-generated" % key)
        ok(msg.get_content_type() == "multipart/alternative", "%s: multipart/alternative" % key)
        def clean(s):
            # what the mailer does to a header value: controls become spaces, ends trimmed
            return "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in (s or "")).strip()
        ok(str(msg["Subject"]) == clean(r["subject"]), "%s: Subject decodes to the enqueued one (controls as spaces)" % key)
        to = msg["To"].addresses
        ok(len(to) == 1 and to[0].addr_spec == r["to"] and to[0].display_name == clean(r["to_name"]),
           "%s: To has the display name and address (%r)" % (key, str(msg["To"])))
        ok(msg["From"].addresses[0].display_name == "Supportdesk Test", "%s: From display name" % key)
        # The bodies travel with CRLF line ends; Python keeps them in get_content.
        text = msg.get_body(("plain",))
        ok(text is not None and text["Content-Transfer-Encoding"] == "quoted-printable"
           and text.get_content().replace("\r\n", "\n") == r["text"], "%s: text/plain decodes to the enqueued body" % key)
        html = msg.get_body(("html",))
        if r["html"]:
            ok(html is not None and html.get_content().replace("\r\n", "\n") == r["html"],
               "%s: text/html decodes to the enqueued body" % key)
        else:
            ok(html is None, "%s: no text/html part when none was enqueued" % key)
    elif key == "reject":
        ok(r["to"].lower() not in arrived, "reject: nothing delivered for the 550 recipient")
        ok("550" in st[2], "reject: last_error mentions 550 (%r)" % st[2])
        ok(st[0] == "failed", "reject: 5xx is permanent: status failed (%s)" % st[0])
    elif key == "badaddr":
        ok(r["to"].lower() not in arrived, "badaddr: nothing delivered for an invalid address")
        ok("invalid recipient address" in st[2], "badaddr: last_error says invalid recipient address (%r)" % st[2])
victims = [k for k in arrived if "victim" in k or "evil" in k]
ok(victims == [], "no message went to an injected recipient")
PY
)

# A temporary failure (451) is retried with back-off; after
# outbox_max_attempts the row is failed for good and stays visible.
max=$(psql_owner -c "SELECT (setting('outbox_max_attempts'))::int")
temp_id=$(psql_app -c "SELECT outbox_enqueue('tempfail-$TAG@example.test', 'tempfail $TAG', 'later')")
"${smtp_env[@]}" "$BIN" mailer --once > /dev/null 2>> "$WORK/once.err"
first=$(psql_owner -F '|' -c "SELECT status, attempts, next_attempt_at > now(), last_error LIKE '%451%' FROM outbox WHERE id = '$temp_id'")
check "tempfail: a 451 leaves the row pending for a later retry ($first)" [ "$first" = "pending|1|t|t" ]
psql_owner -c "UPDATE outbox SET attempts = $max - 1, next_attempt_at = now() WHERE id = '$temp_id' AND status = 'pending'"
"${smtp_env[@]}" "$BIN" mailer --once > /dev/null 2>> "$WORK/once.err"
final=$(psql_owner -F '|' -c "SELECT status, attempts, last_error LIKE '%451%' FROM outbox WHERE id = '$temp_id'")
check "tempfail: after outbox_max_attempts the row is failed, last_error kept ($final)" [ "$final" = "failed|$max|t" ]

# ------------------------------------------------------------------ the loop: NOTIFY wakes it, SIGTERM stops it
"${smtp_env[@]}" "$BIN" mailer > "$WORK/loop.out" 2> "$WORK/loop.err" &
LOOP_PID=$!
sleep 1 # connected and idle in ppoll
loop_id=$(psql_app -c "SELECT outbox_enqueue('loop-$TAG@example.test', 'loop $TAG', 'woken by NOTIFY')")
t0=$(date +%s%N)
status=
for _ in $(seq 40); do
  status=$(psql_owner -c "SELECT status FROM outbox WHERE id = '$loop_id'")
  [ "$status" = sent ] && break
  sleep 0.1
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "loop: a new row is sent within 4 s, before the 5 s poll (${ms} ms)" [ "$status" = sent ]
# Connection loss: the mailer reconnects (and LISTENs again) on its own.
if [ -n "${SUPERUSER_DATABASE_URL-}" ]; then
  psql -X -q -At "$SUPERUSER_DATABASE_URL" \
    -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'supportdesk-mailer'" > /dev/null
  sleep 0.5
  loop_id=$(psql_app -c "SELECT outbox_enqueue('reconnect-$TAG@example.test', 'reconnect $TAG', 'after a lost connection')")
  status=
  for _ in $(seq 100); do
    status=$(psql_owner -c "SELECT status FROM outbox WHERE id = '$loop_id'")
    [ "$status" = sent ] && break
    sleep 0.1
  done
  check "loop: after its backend is terminated the mailer reconnects and sends" [ "$status" = sent ]
  check "loop: the log says reconnected" grep -q 'postgresql reconnected' "$WORK/loop.err"
else
  echo "# no SUPERUSER_DATABASE_URL: connection-loss check skipped"
fi
kill -TERM "$LOOP_PID"
rc=124
for _ in $(seq 50); do
  if ! kill -0 "$LOOP_PID" 2>/dev/null; then wait "$LOOP_PID"; rc=$?; break; fi
  sleep 0.1
done
LOOP_PID=
check "loop: SIGTERM stops the mailer with exit 0 (rc $rc)" [ "$rc" -eq 0 ]
check "loop: logs say stopped" grep -q 'mailer stopped' "$WORK/loop.err"

# ------------------------------------------------------------------ file transport
file_id=$(psql_app -c "SELECT outbox_enqueue('file-$TAG@example.test', 'fichier é $TAG', E'file body\n', '<b>file</b>', p_to_name => 'File Person')")
MAILDIR=$WORK/maildir/nested # created by the mailer
env DATABASE_URL="$APP_URL" SUPPORTDESK_MAIL_TRANSPORT=file MAIL_DIR="$MAILDIR" \
  BASE_URL="https://desk.example.test" "$BIN" mailer --once > /dev/null 2>> "$WORK/once.err"
eml=$(ls "$MAILDIR"/*-"$file_id".eml 2>/dev/null | head -1)
check "file: MAIL_DIR created and <UTC stamp>-<id>.eml written" test -n "$eml"
if [ -n "$eml" ]; then
  check "file: name is YYYYMMDDTHHMMSSZ-<id>.eml" bash -c "[[ \$(basename '$eml') =~ ^[0-9]{8}T[0-9]{6}Z-$file_id\.eml$ ]]"
  check "file: mode 0644" [ "$(stat -c %a "$eml")" = 644 ]
  check "file: no .tmp left behind" [ -z "$(ls -A "$MAILDIR" | grep '\.tmp$')" ]
  tally < <("$PY" - "$eml" "$file_id" <<'PY'
import email, email.policy, sys
raw = open(sys.argv[1], "rb").read()
msg = email.message_from_bytes(raw, policy=email.policy.default)
def ok(c, d): print(("ok - " if c else "not ok - ") + d)
ok(msg.defects == [], "file: .eml parses")
ok(msg["Message-ID"] == "<%s@desk.example.test>" % sys.argv[2], "file: Message-ID")
ok(str(msg["Subject"]).startswith("fichier é "), "file: Subject decoded")
def body(m, kind):
    part = m.get_body((kind,))
    return part.get_content().replace("\r\n", "\n") if part is not None else None
ok(body(msg, "plain") == "file body\n", "file: text body")
ok(body(msg, "html") == "<b>file</b>", "file: html body")
PY
)
fi
check "file: row marked sent" [ "$(psql_owner -c "SELECT status FROM outbox WHERE id = '$file_id'")" = sent ]

finish
