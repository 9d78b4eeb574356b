#!/usr/bin/env bash
# imap_test.sh: `supportdesk mail-in --imap` against a real IMAP server
# (Debian's dovecot-imapd) on loopback, on a running stack (like
# mail_in_test.sh).
#
# The test writes a throwaway dovecot configuration into a temp dir:
# 127.0.0.1 on a free port, plaintext (SUPPORTDESK_IMAP_PLAINTEXT=1, allowed
# for loopback only), one user from a static passwd-file, a maildir under
# the temp dir. As root the mail is owned by the `dovecot` user (dovecot
# refuses uid 0 for mail and for its login processes); as another user
# everything runs as that user and its group (dovecot's sockets too).
# Messages are delivered by writing files into Maildir/new, as an MDA does;
# \Seen is read back from the maildir file names (":2,S"), which dovecot
# renames as flags change.
#
# Checks: a temporary failure (PostgreSQL unreachable) leaves every message
# unseen; then a new-ticket message becomes a ticket of the organization its
# mailbox serves (SUPPORTDESK_IMAP_MAILBOXES), a second mailbox without an
# address routes by the headers, a forged reply opens nothing, and all are
# \Seen; a second poll takes nothing; a message over
# SUPPORTDESK_MAIL_IN_MAX_BYTES is refused and marked; SUPPORTDESK_IMAP_MOVE_TO
# moves; the counters of /metrics count IMAP messages; the polling loop
# takes a message and stops on SIGTERM; a wrong password is a temporary
# failure; plaintext to a host that is not loopback is refused.
#
# Ends with "imap: N passed, M failed".
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN_ARG=${SUPPORTDESK_BIN-}
if [ -z "${APP_DATABASE_URL-}" ]; then
  env_file=${VAR_DIR:-$REPO/var}/stack.env
  [ -f "$env_file" ] || { echo "imap_test: no APP_DATABASE_URL and no $env_file" >&2; echo "imap: 0 passed, 1 failed"; exit 1; }
  set -a; . "$env_file"; set +a
fi
BIN=${BIN_ARG:-${SUPPORTDESK_BIN:-$REPO/build/supportdesk}}
case $BIN in /*) ;; *) BIN=$REPO/$BIN ;; esac
OWNER_URL=$DATABASE_URL
APP_URL=$APP_DATABASE_URL
CORPUS=$REPO/tests/mail/in
DOVECOT=${DOVECOT:-/usr/sbin/dovecot}

PASS=0 FAIL=0 N=0
pass() { N=$((N + 1)); PASS=$((PASS + 1)); echo "ok $N - $*"; }
fail() { N=$((N + 1)); FAIL=$((FAIL + 1)); echo "not ok $N - $*"; }
check() { local d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }
eq() { local d=$1 want=$2 got=$3; if [ "$got" = "$want" ]; then pass "$d"; else fail "$d (want '$want', got '$got')"; fi; }
finish() { echo "imap: $PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]; exit $?; }
psql_owner() { psql -X -q -At -v ON_ERROR_STOP=1 "$OWNER_URL" "$@"; }

WORK=$(mktemp -d /tmp/imap_test.XXXXXX)
DOVECOT_PID= LOOP_PID=
cleanup() {
  [ -n "$LOOP_PID" ] && kill "$LOOP_PID" 2>/dev/null && wait "$LOOP_PID" 2>/dev/null
  if [ -n "$DOVECOT_PID" ] && kill "$DOVECOT_PID" 2>/dev/null; then
    wait "$DOVECOT_PID" 2>/dev/null
  fi
  if [ -n "${IMAP_TEST_KEEP-}" ]; then echo "# kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

[ -x "$BIN" ] || { fail "binary $BIN exists"; finish; }
[ -x "$DOVECOT" ] || { fail "$DOVECOT exists (apt install dovecot-imapd; scripts/deps.sh has it)"; finish; }

# ------------------------------------------------------------------ dovecot on loopback
if [ "$(id -u)" = 0 ]; then
  MAIL_USER=dovecot LOGIN_USER=dovenull INTERNAL_USER=dovecot INTERNAL_GROUP=dovecot
  id dovenull >/dev/null 2>&1 || LOGIN_USER=dovecot
else
  MAIL_USER=$(id -un) LOGIN_USER=$(id -un) INTERNAL_USER=$(id -un) INTERNAL_GROUP=$(id -gn)
fi
MAIL_UID=$(id -u "$MAIL_USER") MAIL_GID=$(id -g "$MAIL_USER")
chmod 0711 "$WORK"
MD=$WORK/home/Maildir
mkdir -p "$WORK/run" "$WORK/state" "$MD"/{cur,new,tmp} "$MD"/.Other/{cur,new,tmp} "$MD"/.Done/{cur,new,tmp}
[ "$(id -u)" = 0 ] && chown -R "$MAIL_UID:$MAIL_GID" "$WORK/home"
IMAP_USER=desk-test IMAP_PASSWORD="pw-$RANDOM-$RANDOM"
printf '%s:{PLAIN}%s:%s:%s::%s::\n' "$IMAP_USER" "$IMAP_PASSWORD" "$MAIL_UID" "$MAIL_GID" "$WORK/home" > "$WORK/passwd"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$WORK/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $WORK/run
state_dir = $WORK/state
instance_name = sd-imap-test-$PORT
log_path = $WORK/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$MD
default_internal_user = $INTERNAL_USER
default_internal_group = $INTERNAL_GROUP
default_login_user = $LOGIN_USER
first_valid_uid = $MAIL_UID
last_valid_uid = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $WORK/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u $WORK/passwd
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
CONF
"$DOVECOT" -F -c "$WORK/dovecot.conf" > "$WORK/dovecot.out" 2>&1 &
DOVECOT_PID=$!
URL=imap://127.0.0.1:$PORT
imap_curl() { curl -s -m 10 -u "$IMAP_USER:$IMAP_PASSWORD" "$@"; }
ready=0 deadline=$((SECONDS + 60))
while [ $SECONDS -lt $deadline ] && kill -0 "$DOVECOT_PID" 2>/dev/null; do
  if imap_curl "$URL/" > /dev/null 2>&1; then ready=1; break; fi
  sleep 0.2
done
if [ "$ready" != 1 ]; then
  fail "dovecot answers on 127.0.0.1:$PORT within 60 s"
  sed 's/^/# /' "$WORK/dovecot.out" "$WORK/dovecot.log" 2>/dev/null | tail -20
  finish
fi
pass "dovecot answers on 127.0.0.1:$PORT"

# ------------------------------------------------------------------ the desk: two organizations
TAG=$(od -An -N5 -tx1 /dev/urandom | tr -d ' \n')
HELP="help-$TAG@mail.test"
OTHER="other-$TAG@mail.test"
BASE=https://desk.example.test
psql_owner <<SQL >/dev/null
INSERT INTO organizations (name, slug) VALUES ('Imap $TAG', 'imap-$TAG'), ('Imap other $TAG', 'imapo-$TAG');
INSERT INTO organization_settings (organization_id, is_provisioned, provisioned_at, support_email)
  SELECT id, true, now(), CASE slug WHEN 'imap-$TAG' THEN '$HELP' ELSE '$OTHER' END
  FROM organizations WHERE slug IN ('imap-$TAG', 'imapo-$TAG');
INSERT INTO request_types (organization_id, name, default_routing, allowed_roles, sort_order)
  SELECT id, 'Email', 'organization', ARRAY['anonymous', 'customer'], 0 FROM organizations
  WHERE slug IN ('imap-$TAG', 'imapo-$TAG');
SQL
ORG=$(psql_owner -c "SELECT id FROM organizations WHERE slug = 'imap-$TAG'")
ORG2=$(psql_owner -c "SELECT id FROM organizations WHERE slug = 'imapo-$TAG'")

export DATABASE_URL=$APP_URL BASE_URL=$BASE SUPPORTDESK_MAIL_TRANSPORT=file MAIL_DIR=$WORK/outmail
export SUPPORTDESK_RATE_MAIL_IN_SENDER=1000/3600
export SUPPORTDESK_IMAP_URL=$URL SUPPORTDESK_IMAP_USER=$IMAP_USER SUPPORTDESK_IMAP_PASSWORD=$IMAP_PASSWORD
export SUPPORTDESK_IMAP_PLAINTEXT=1 SUPPORTDESK_IMAP_TIMEOUT=20
# INBOX serves the first organization's address; Other has no address: its
# messages are routed by their headers, as on stdin.
export SUPPORTDESK_IMAP_MAILBOXES="INBOX=$HELP, Other"

tickets_of() { psql_owner -c "SELECT count(*) FROM tickets t JOIN users u ON u.id = t.requester_id WHERE u.email = '$1'"; }
org_of() { psql_owner -c "SELECT t.assigned_org_id FROM tickets t JOIN users u ON u.id = t.requester_id WHERE u.email = '$1' ORDER BY t.created_at LIMIT 1"; }
counter() { psql_owner -c "SELECT coalesce((SELECT messages FROM mail_in_counts() WHERE outcome = '$1'), 0)"; }

# deliver DIR NAME: stdin into the maildir folder DIR, as an MDA does (tmp, then new).
NDELIV=0
deliver() {
  NDELIV=$((NDELIV + 1))
  local f="$NDELIV.$TAG.$2"
  cat > "$1/tmp/$f"
  [ "$(id -u)" = 0 ] && chown "$MAIL_UID:$MAIL_GID" "$1/tmp/$f"
  mv "$1/tmp/$f" "$1/new/$f"
}
# flags_of DIR MESSAGE-ID: "seen", "unseen", or "missing".
flags_of() {
  local f
  f=$(grep -l -F "Message-ID: <$2>" "$1"/new/* "$1"/cur/* 2>/dev/null | head -1)
  if [ -z "$f" ]; then echo missing
  elif [[ "$f" == */cur/*:2,*S* ]]; then echo seen
  else echo unseen; fi
}
# poll [VAR=VALUE]...: one `mail-in --imap --once`; exit code in $rc, stderr in $WORK/last.err.
poll() { env "$@" "$BIN" mail-in --imap --once > /dev/null 2> "$WORK/last.err"; rc=$?; }

message() { # message FROM TO SUBJECT ID BODY
  printf 'From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Tue, 01 Dec 2026 09:00:00 +0000\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n' "$@"
}

CUST="imapcust-$TAG@example.test"
CUST2="imapcust2-$TAG@example.test"
# Addressed to a list the desk does not know: only the mailbox's address routes it.
message "Ida Imap <$CUST>" "team-list-$TAG@lists.example.test" "Scanner offline" "new1-$TAG@example.test" "The scanner is offline." | deliver "$MD" new1
message "Otto Other <$CUST2>" "$OTHER" "Badge reader" "other1-$TAG@example.test" "My badge does not open the door." | deliver "$MD/.Other" other1
sed -e "s/@@TAG@@/$TAG/g" "$CORPUS/forged_reply.eml" | deliver "$MD" forged
FORGED_ID="forged-$TAG@evil.example.test"

created0=$(counter created) forged0=$(counter forged)

# ------------------------------------------------------------------ a temporary failure leaves them unseen
poll DATABASE_URL="postgresql:///nope?host=/nonexistent&user=nobody" SUPPORTDESK_CONNECT_TIMEOUT=1
eq "PostgreSQL unreachable: exit 75" 75 "$rc"
check "PostgreSQL unreachable: logged as temporary, left" bash -c "grep -q 'outcome=temporary' '$WORK/last.err' && grep -q 'then=left' '$WORK/last.err'"
eq "PostgreSQL unreachable: the new-ticket message still unseen" unseen "$(flags_of "$MD" "new1-$TAG@example.test")"
eq "PostgreSQL unreachable: the other mailbox's message still unseen" unseen "$(flags_of "$MD/.Other" "other1-$TAG@example.test")"
eq "PostgreSQL unreachable: the forged one still unseen" unseen "$(flags_of "$MD" "$FORGED_ID")"
eq "PostgreSQL unreachable: no ticket" 0 "$(tickets_of "$CUST")"

# ------------------------------------------------------------------ the poll that takes them
poll
eq "poll: exit 0" 0 "$rc"
eq "new-ticket message: one ticket" 1 "$(tickets_of "$CUST")"
eq "new-ticket message: in the organization INBOX serves" "$ORG" "$(org_of "$CUST")"
eq "new-ticket message: source email, title from the subject" "email|Scanner offline" \
  "$(psql_owner -c "SELECT t.source || '|' || t.title FROM tickets t JOIN users u ON u.id = t.requester_id WHERE u.email = '$CUST'")"
eq "new-ticket message: \\Seen" seen "$(flags_of "$MD" "new1-$TAG@example.test")"
eq "mailbox without an address: routed by its To header" "$ORG2" "$(org_of "$CUST2")"
eq "mailbox without an address: \\Seen" seen "$(flags_of "$MD/.Other" "other1-$TAG@example.test")"
check "forged reply: logged as forged" grep -q "outcome=forged" "$WORK/last.err"
eq "forged reply: \\Seen (refused for good)" seen "$(flags_of "$MD" "$FORGED_ID")"
eq "forged reply: no ticket for its sender" 0 "$(tickets_of "mallory-$TAG@example.test")"
eq "counted: created +2" $((created0 + 2)) "$(counter created)"
eq "counted: forged +1" $((forged0 + 1)) "$(counter forged)"

poll
eq "second poll: exit 0" 0 "$rc"
check "second poll: nothing taken" grep -q "done=0 left=0" "$WORK/last.err"
eq "second poll: still one ticket" 1 "$(tickets_of "$CUST")"

# ------------------------------------------------------------------ too large: refused and marked
BIG="imapbig-$TAG@example.test"
{ message "Bea Big <$BIG>" "$HELP" "A big one" "big1-$TAG@example.test" "$(head -c 4000 /dev/zero | tr '\0' 'x' | fold -w 70)"; } | deliver "$MD" big1
too0=$(counter too_large)
poll SUPPORTDESK_MAIL_IN_MAX_BYTES=1024
eq "over SUPPORTDESK_MAIL_IN_MAX_BYTES: exit 0 (refused for good)" 0 "$rc"
check "too large: logged" grep -q "outcome=too_large" "$WORK/last.err"
eq "too large: \\Seen, so it does not come back" seen "$(flags_of "$MD" "big1-$TAG@example.test")"
eq "too large: no ticket" 0 "$(tickets_of "$BIG")"
eq "counted: too_large +1" $((too0 + 1)) "$(counter too_large)"

# ------------------------------------------------------------------ a rate limit is temporary
CUST3="imapcust3-$TAG@example.test"
message "Rita Rate <$CUST3>" "$HELP" "First" "rate1-$TAG@example.test" "one" | deliver "$MD" rate1
message "Rita Rate <$CUST3>" "$HELP" "Second" "rate2-$TAG@example.test" "two" | deliver "$MD" rate2
rated0=$(counter rate_limited)
poll SUPPORTDESK_RATE_MAIL_IN_SENDER=1/3600
eq "over the per-sender rate limit: exit 75" 75 "$rc"
eq "counted: rate_limited +1" $((rated0 + 1)) "$(counter rate_limited)"
# The server numbers the two in the order it found the files: either may be first.
f1=$(flags_of "$MD" "rate1-$TAG@example.test") f2=$(flags_of "$MD" "rate2-$TAG@example.test")
eq "rate limit: one message taken and \\Seen, the other left unseen" "seen unseen" "$(printf '%s\n' "$f1" "$f2" | sort | tr '\n' ' ' | sed 's/ $//')"
eq "rate limit: one ticket so far" 1 "$(tickets_of "$CUST3")"
LEFT=rate2; [ "$f1" = unseen ] && LEFT=rate1

# ------------------------------------------------------------------ SUPPORTDESK_IMAP_MOVE_TO
poll SUPPORTDESK_IMAP_MOVE_TO=Done
eq "MOVE_TO: exit 0" 0 "$rc"
eq "MOVE_TO: the message left for later is taken now" 2 "$(tickets_of "$CUST3")"
eq "MOVE_TO: gone from INBOX" missing "$(flags_of "$MD" "$LEFT-$TAG@example.test")"
check "MOVE_TO: in Done" bash -c "grep -q -F 'Message-ID: <$LEFT-$TAG@example.test>' '$MD'/.Done/cur/* '$MD'/.Done/new/* 2>/dev/null"
check "MOVE_TO: logged as moved" grep -q "then=moved" "$WORK/last.err"

# ------------------------------------------------------------------ the loop: takes, then stops on SIGTERM
CUST4="imapcust4-$TAG@example.test"
SUPPORTDESK_IMAP_INTERVAL=1 "$BIN" mail-in --imap > /dev/null 2> "$WORK/loop.err" &
LOOP_PID=$!
message "Lou Loop <$CUST4>" "$HELP" "Loop" "loop1-$TAG@example.test" "taken by the loop" | deliver "$MD" loop1
deadline=$((SECONDS + 60))
while [ $SECONDS -lt $deadline ] && [ "$(tickets_of "$CUST4")" != 1 ]; do sleep 0.2; done
eq "loop: the message delivered while it runs becomes a ticket" 1 "$(tickets_of "$CUST4")"
deadline=$((SECONDS + 30))
while [ $SECONDS -lt $deadline ] && [ "$(flags_of "$MD" "loop1-$TAG@example.test")" != seen ]; do sleep 0.2; done
eq "loop: and is \\Seen" seen "$(flags_of "$MD" "loop1-$TAG@example.test")"
kill -TERM "$LOOP_PID"
deadline=$((SECONDS + 30))
while [ $SECONDS -lt $deadline ] && kill -0 "$LOOP_PID" 2>/dev/null; do sleep 0.1; done
if kill -0 "$LOOP_PID" 2>/dev/null; then
  fail "loop: stops within 30 s of SIGTERM"
else
  wait "$LOOP_PID"; lrc=$?; LOOP_PID=
  eq "loop: exit 0 after SIGTERM" 0 "$lrc"
  check "loop: logged its stop" grep -q "mail-in imap stopped" "$WORK/loop.err"
fi

# ------------------------------------------------------------------ bad settings and a bad login
poll SUPPORTDESK_IMAP_PASSWORD=wrong
eq "a wrong password: exit 75 (the next poll tries again)" 75 "$rc"
check "a wrong password: logged" grep -q "imap unreachable" "$WORK/last.err"
poll SUPPORTDESK_IMAP_URL=imap://192.0.2.1:$PORT
eq "plaintext to a host that is not loopback: exit 78" 78 "$rc"
poll SUPPORTDESK_IMAP_MAILBOXES="INBOX=not-an-address"
eq "a mailbox with a bad address: exit 78" 78 "$rc"
poll SUPPORTDESK_IMAP_URL=https://127.0.0.1:$PORT
eq "a URL that is not imap(s): exit 78" 78 "$rc"
"$BIN" mail-in --imap --recipient "$HELP" > /dev/null 2>&1; rc=$?
eq "--imap with --recipient: exit 64" 64 "$rc"

finish
