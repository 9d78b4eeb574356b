#!/usr/bin/env bash
# mail_in_test.sh: `supportdesk mail-in` over the corpus in tests/mail/in/
# and a whole email conversation, on a running stack (like smtp_test.sh).
#
# Every message of the corpus is fed on stdin as an MTA's pipe would, and
# the test checks what SPEC 3 "Email channel" says it becomes: a ticket
# (source 'email', the customer found or created), a reply on the ticket,
# or nothing, and the exit code the MTA acts on. The conversation: an
# agent's reply queues a notice, `mailer --once` writes it to MAIL_DIR, the
# customer's reply is built from that file's real Reply-To and Message-ID,
# fed back, lands on the ticket, and the agent's next reply is threaded.
#
# The corpus uses @@TAG@@ in its addresses and Message-IDs, replaced by a
# fresh tag per run, so that a kept stack can run it again.
#
# Like smtp_test.sh, `mailer --once` delivers every due row: run it with no
# other mailer on the database. Ends with "mail-in: N passed, M failed".
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN_ARG=${SUPPORTDESK_BIN-}
if [ -z "${APP_DATABASE_URL-}" ]; then
  env_file=${VAR_DIR:-$REPO/var}/stack.env
  [ -f "$env_file" ] || { echo "mail_in_test: no APP_DATABASE_URL and no $env_file" >&2; echo "mail-in: 0 passed, 1 failed"; exit 1; }
  set -a; . "$env_file"; set +a
fi
BIN=${BIN_ARG:-${SUPPORTDESK_BIN:-$REPO/build/supportdesk}}
case $BIN in /*) ;; *) BIN=$REPO/$BIN ;; esac
OWNER_URL=$DATABASE_URL
APP_URL=$APP_DATABASE_URL
CORPUS=$REPO/tests/mail/in

PASS=0 FAIL=0 N=0
pass() { N=$((N + 1)); PASS=$((PASS + 1)); echo "ok $N - $*"; }
fail() { N=$((N + 1)); FAIL=$((FAIL + 1)); echo "not ok $N - $*"; }
check() { local d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }
eq() { local d=$1 want=$2 got=$3; if [ "$got" = "$want" ]; then pass "$d"; else fail "$d (want '$want', got '$got')"; fi; }
psql_owner() { psql -X -q -At -v ON_ERROR_STOP=1 "$OWNER_URL" "$@"; }

WORK=$(mktemp -d /tmp/mail_in_test.XXXXXX)
cleanup() { if [ -n "${MAIL_IN_TEST_KEEP-}" ]; then echo "# kept $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT

TAG=$(od -An -N5 -tx1 /dev/urandom | tr -d ' \n')
HELP="help-$TAG@mail.test"
OTHER="other-$TAG@mail.test"
CUST="cust-$TAG@example.test"
MAILDIR=$WORK/maildir
BASE=https://desk.example.test
export DATABASE_URL=$APP_URL BASE_URL=$BASE SUPPORTDESK_MAIL_TRANSPORT=file MAIL_DIR=$MAILDIR
# The corpus sends several messages from one address within a second.
export SUPPORTDESK_RATE_MAIL_IN_SENDER=${SUPPORTDESK_RATE_MAIL_IN_SENDER:-1000/3600}

# feed FILE [--recipient ADDR]...: the message with @@TAG@@ (and @@NUMBER@@)
# filled in; the exit code in $rc, stderr in $WORK/last.err.
feed() {
  local f=$1; shift
  sed -e "s/@@TAG@@/$TAG/g" -e "s/@@NUMBER@@/${NUMBER-}/g" "$f" > "$WORK/in.eml"
  "$BIN" mail-in "$@" < "$WORK/in.eml" > /dev/null 2> "$WORK/last.err"
  rc=$?
}
# feed_raw [--recipient ADDR]...: $WORK/in.eml as it is (no pipe into it:
# rc must be set in this shell).
feed_raw() { "$BIN" mail-in "$@" < "$WORK/in.eml" > /dev/null 2> "$WORK/last.err"; rc=$?; }
tickets_of() { psql_owner -c "SELECT count(*) FROM tickets t JOIN users u ON u.id = t.requester_id WHERE u.email = '$1'"; }
ticket_of() { psql_owner -c "SELECT $2 FROM tickets t JOIN users u ON u.id = t.requester_id WHERE u.email = '$1' ORDER BY t.created_at LIMIT 1"; }

# ------------------------------------------------------------------ setup: two organizations, an agent
psql_owner <<SQL >/dev/null
INSERT INTO organizations (name, slug) VALUES ('Mail $TAG', 'mail-$TAG'), ('Other $TAG', 'other-$TAG');
INSERT INTO organization_settings (organization_id, is_provisioned, provisioned_at, support_email)
  SELECT id, true, now(), CASE slug WHEN 'mail-$TAG' THEN '$HELP' ELSE '$OTHER' END
  FROM organizations WHERE slug IN ('mail-$TAG', 'other-$TAG');
INSERT INTO request_types (organization_id, name, default_routing, allowed_roles, sort_order)
  SELECT id, 'Email', 'organization', ARRAY['anonymous', 'customer'], 0 FROM organizations
  WHERE slug IN ('mail-$TAG', 'other-$TAG');
INSERT INTO users (email, name, email_verified_at) VALUES ('agent-$TAG@mail.test', 'Agnes Agent', now());
INSERT INTO memberships (user_id, organization_id, role)
  SELECT u.id, o.id, 'agent' FROM users u, organizations o WHERE u.email = 'agent-$TAG@mail.test' AND o.slug = 'mail-$TAG';
SQL
AGENT=$(psql_owner -c "SELECT id FROM users WHERE email = 'agent-$TAG@mail.test'")
ORG=$(psql_owner -c "SELECT id FROM organizations WHERE slug = 'mail-$TAG'")

# ------------------------------------------------------------------ new tickets
feed "$CORPUS/plain.eml"
eq "plain: exit 0" 0 "$rc"
eq "plain: one ticket for the new customer" 1 "$(tickets_of "$CUST")"
eq "plain: source email, title from the subject, routed to the organization" \
  "email|Printer on floor 3 prints blank pages|$ORG" "$(ticket_of "$CUST" "source || '|' || title || '|' || assigned_org_id")"
desc=$(ticket_of "$CUST" description)
check "plain: the body kept, the signature cut" bash -c '[[ "$1" == *"only prints blank pages"* && "$1" != *"Accounting, ACME"* ]]' _ "$desc"
eq "plain: the SLA of a web ticket applies" true "$(ticket_of "$CUST" "(sla_first_response_due IS NOT NULL OR NOT EXISTS (SELECT FROM sla_policies))::text")"
eq "plain: the customer's name from From" "Carla Customer" "$(psql_owner -c "SELECT name FROM users WHERE email = '$CUST'")"
eq "plain: the original kept as original.eml" "original.eml text/plain" \
  "$(ticket_of "$CUST" "(SELECT string_agg(file_name || ' ' || content_type, ',') FROM attachments a WHERE a.ticket_id = t.id)")"
NUMBER=$(ticket_of "$CUST" number)
TICKET=$(ticket_of "$CUST" t.id)

feed "$CORPUS/plain.eml"
eq "plain again: exit 0 (taken)" 0 "$rc"
feed "$CORPUS/duplicate.eml"
eq "duplicate (same Message-ID, other bytes): exit 0" 0 "$rc"
eq "duplicates: still one ticket" 1 "$(tickets_of "$CUST")"
check "duplicate: logged as such" grep -q "outcome=duplicate" "$WORK/last.err"

feed "$CORPUS/html_only.eml"
eq "html only: exit 0" 0 "$rc"
desc=$(ticket_of "html-$TAG@example.test" description)
check "html only: stored as text without markup or script" bash -c '[[ "$1" == *"the VPN drops every hour & I have to log in again."* && "$1" != *"<"* && "$1" != *"alert"* ]]' _ "$desc"

feed "$CORPUS/multipart_attachments.eml"
eq "multipart: exit 0" 0 "$rc"
eq "multipart: the text/plain alternative is the body" "The invoice attached charges us twice. Screenshot inline." \
  "$(ticket_of "multi-$TAG@example.test" description)"
eq "multipart: the PDF and the inline image attached (sniffed), the .exe refused, the original kept" \
  "inline-1.png image/png,invoice-2026-117.pdf application/pdf,original.eml text/plain" \
  "$(ticket_of "multi-$TAG@example.test" "(SELECT string_agg(file_name || ' ' || content_type, ',' ORDER BY file_name) FROM attachments a WHERE a.ticket_id = t.id)")"

feed "$CORPUS/qp_latin1.eml"
eq "ISO-8859-1 quoted-printable: exit 0" 0 "$rc"
eq "ISO-8859-1: the subject decoded" "Drucker im Büro Köln" "$(ticket_of "latin-$TAG@example.test" title)"
check "ISO-8859-1: the body in UTF-8" bash -c '[[ "$1" == "Grüße aus Köln,"* ]]' _ "$(ticket_of "latin-$TAG@example.test" description)"
eq "ISO-8859-1: the name decoded" "Jörg Kölsch" "$(psql_owner -c "SELECT name FROM users WHERE email = 'latin-$TAG@example.test'")"

feed "$CORPUS/base64_utf8.eml"
eq "UTF-8 base64: exit 0" 0 "$rc"
eq "UTF-8: the subject decoded" "Écran noir après la mise ✓" "$(ticket_of "utf-$TAG@example.test" title)"
eq "UTF-8: the body decoded" "Bonjour, l’écran reste noir après la mise à jour. Merci ! ✓" "$(ticket_of "utf-$TAG@example.test" description)"

feed "$CORPUS/outlook_quote.eml"
eq "Outlook quoting: exit 0" 0 "$rc"
eq "Outlook quoting: the forwarded block cut" "Please give Tom access to the shared drive, see below.

Olga" "$(ticket_of "outlook-$TAG@example.test" description)"

feed "$CORPUS/gmail_quote.eml"
eq "Gmail quoting: exit 0 (a foreign In-Reply-To opens a ticket)" 0 "$rc"
eq "Gmail quoting: the quote cut" "My laptop battery lasts 20 minutes now. Can it be replaced?" "$(ticket_of "gmail-$TAG@example.test" description)"

# ------------------------------------------------------------------ nothing, on purpose or refused
before=$(psql_owner -c "SELECT count(*) FROM tickets")
outbox_before=$(psql_owner -c "SELECT count(*) FROM outbox")
feed "$CORPUS/auto_reply.eml"
eq "auto-reply: exit 0" 0 "$rc"
check "auto-reply: logged as ignored" grep -q "outcome=ignored" "$WORK/last.err"
feed "$CORPUS/bounce.eml"
eq "bounce from MAILER-DAEMON: exit 0" 0 "$rc"
check "bounce: logged as ignored" grep -q "outcome=ignored" "$WORK/last.err"
feed "$CORPUS/plain.eml" --sender ""
eq "empty envelope sender: exit 0" 0 "$rc"
eq "auto-reply and bounces: no ticket" "$before" "$(psql_owner -c "SELECT count(*) FROM tickets")"
eq "auto-reply and bounces: no mail queued" "$outbox_before" "$(psql_owner -c "SELECT count(*) FROM outbox")"
eq "auto-reply: no message on the customer's ticket" 0 "$(psql_owner -c "SELECT count(*) FROM ticket_messages WHERE ticket_id = '$TICKET'")"

feed "$CORPUS/forged_reply.eml"
eq "forged reply (a Message-ID of our shape that does not verify): exit 77" 77 "$rc"
check "forged: logged" grep -q "outcome=forged" "$WORK/last.err"
eq "forged: nothing created" "$before" "$(psql_owner -c "SELECT count(*) FROM tickets")"

feed "$CORPUS/unknown_address.eml"
eq "unknown address: exit 67" 67 "$rc"

feed "$CORPUS/subject_number_only.eml"
eq "subject number only: exit 0" 0 "$rc"
eq "subject number only: nothing added to the ticket it names" 0 "$(psql_owner -c "SELECT count(*) FROM ticket_messages WHERE ticket_id = '$TICKET'")"
eq "subject number only: a new ticket of its sender instead" 1 "$(tickets_of "mallory-$TAG@example.test")"

printf 'no header at all\r\n' > "$WORK/in.eml"; feed_raw
eq "not a message: exit 68" 68 "$rc"
SUPPORTDESK_MAIL_IN_MAX_BYTES=1024 feed "$CORPUS/multipart_attachments.eml"
eq "over SUPPORTDESK_MAIL_IN_MAX_BYTES: exit 68" 68 "$rc"
DATABASE_URL="postgresql:///nope?host=/nonexistent&user=nobody" feed "$CORPUS/outlook_quote.eml"
eq "PostgreSQL unreachable: exit 75 (the MTA retries)" 75 "$rc"
SUPPORTDESK_RATE_MAIL_IN_SENDER=1/3600 feed "$CORPUS/unknown_address.eml"
SUPPORTDESK_RATE_MAIL_IN_SENDER=1/3600 feed "$CORPUS/unknown_address.eml"
eq "over the per-sender rate limit: exit 75" 75 "$rc"

# ------------------------------------------------------------------ a conversation by email
agent_reply() {
  psql -X -q -At -v ON_ERROR_STOP=1 "$APP_URL" -c "BEGIN; SET LOCAL app.user_id = '$AGENT';
    SELECT status FROM desk_ticket_post('$TICKET', NULL, E'$1', false); COMMIT;" | grep -v '^$' | head -1
}
eq "agent replies on the desk" ok "$(agent_reply 'Please try the other tray.')"
"$BIN" mailer --once > /dev/null 2>> "$WORK/mailer.err"
notice=$(grep -l "^To: .*$CUST" "$MAILDIR"/*.eml 2>/dev/null | head -1)
check "the customer's notice written to MAIL_DIR" test -n "$notice"
hdr() { tr -d '\r' < "$1" | awk -v h="$2" 'index(tolower($0), tolower(h) ": ") == 1 {sub(/^[^:]*: */, ""); print; exit}'; }
mid=$(hdr "$notice" Message-ID | tr -d '<>')
replyto=$(hdr "$notice" Reply-To | tr -d '<>')
subject=$(hdr "$notice" Subject)
check "notice: a signed Message-ID (sd.<ticket>.<message>.<mac>)" bash -c "[[ '$mid' == sd.$TICKET.* ]]"
check "notice: Reply-To on the support address with a token" bash -c "[[ '$replyto' =~ ^help-$TAG\+r[a-z2-7]{42}@mail\.test\$ ]]"
check "notice: the ticket number in the subject" bash -c "[[ '$subject' == *'[$NUMBER]'* ]]"

reply() { # reply FROM TO IN-REPLY-TO ID BODY
  printf 'From: %s\r\nTo: %s\r\nSubject: Re: %s\r\nMessage-ID: <%s>\r\n%bContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n\r\nOn Tue, 1 Dec 2026 at 10:00, Desk <desk@desk.example.test> wrote:\r\n> Please try the other tray.\r\n' \
    "$1" "$2" "$subject" "$4" "${3:+In-Reply-To: <$3>\r\nReferences: <$3>\r\n}" "$5"
}
reply "Carla <$CUST>" "$replyto" "$mid" "r1-$TAG@mail.example.test" "The other tray works, thanks." > "$WORK/in.eml"; feed_raw --recipient "$replyto"
eq "customer's emailed reply: exit 0" 0 "$rc"
eq "customer's reply on the ticket, quote cut, by the customer, with its Message-ID" \
  "The other tray works, thanks.|true|r1-$TAG@mail.example.test|false" \
  "$(psql_owner -c "SELECT m.body || '|' || (m.author_id = t.requester_id)::text || '|' || m.email_message_id || '|' || m.is_internal::text FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.ticket_id = '$TICKET' AND m.email_message_id IS NOT NULL")"

reply "Carla <$CUST>" "$HELP" "$mid" "r2-$TAG@mail.example.test" "And by Message-ID alone." > "$WORK/in.eml"; feed_raw
eq "reply threaded by In-Reply-To alone: exit 0" 0 "$rc"
eq "reply by Message-ID: on the ticket" 1 "$(psql_owner -c "SELECT count(*) FROM ticket_messages WHERE ticket_id = '$TICKET' AND email_message_id = 'r2-$TAG@mail.example.test'")"

msgs=$(psql_owner -c "SELECT count(*) FROM ticket_messages WHERE ticket_id = '$TICKET'")
reply "Mallory <mallory-$TAG@example.test>" "$replyto" "$mid" "f1-$TAG@evil.example.test" "Forged through the token." > "$WORK/in.eml"; feed_raw --recipient "$replyto"
eq "another sender with the customer's token and Message-ID: exit 77" 77 "$rc"
other_rcpt=${replyto/help-$TAG/other-$TAG}
reply "Carla <$CUST>" "$other_rcpt" "" "f2-$TAG@mail.example.test" "Token on another organization's address." > "$WORK/in.eml"; feed_raw --recipient "$other_rcpt"
eq "the token on another organization's support address: exit 77" 77 "$rc"
tampered="${replyto:0:20}$( [ "${replyto:20:1}" = a ] && echo b || echo a )${replyto:21}"
reply "Carla <$CUST>" "$tampered" "" "f3-$TAG@mail.example.test" "Tampered token." > "$WORK/in.eml"; feed_raw --recipient "$tampered"
eq "a tampered token: exit 77" 77 "$rc"
eq "forged replies: nothing added to the ticket" "$msgs" "$(psql_owner -c "SELECT count(*) FROM ticket_messages WHERE ticket_id = '$TICKET'")"

reply "Carla <$CUST>" "$replyto" "$mid" "r1-$TAG@mail.example.test" "The other tray works, thanks." > "$WORK/in.eml"; feed_raw --recipient "$replyto"
eq "the same reply delivered twice: exit 0" 0 "$rc"
eq "the same reply delivered twice: stored once" 1 "$(psql_owner -c "SELECT count(*) FROM ticket_messages WHERE email_message_id = 'r1-$TAG@mail.example.test'")"

rm -f "$MAILDIR"/*.eml
eq "agent replies again" ok "$(agent_reply 'Glad it works.')"
"$BIN" mailer --once > /dev/null 2>> "$WORK/mailer.err"
second=$(grep -l "^To: .*$CUST" "$MAILDIR"/*.eml 2>/dev/null | head -1)
check "the second notice written" test -n "$second"
if [ -n "$second" ]; then
  eq "second notice: In-Reply-To our previous notice to this customer" "<$mid>" "$(hdr "$second" In-Reply-To)"
  check "second notice: References holds it" bash -c "tr -d '\r' < '$second' | grep -q '<$mid>'"
  check "second notice: its own Message-ID" bash -c "[[ '$(hdr "$second" Message-ID)' != '<$mid>' ]]"
fi

# ------------------------------------------------------------------ counters
counts=$(psql_owner -c "SELECT string_agg(outcome, ',' ORDER BY outcome) FROM mail_in_counts() WHERE messages > 0")
for o in created replied duplicate ignored forged unknown_address malformed too_large rate_limited; do
  check "counted: $o" bash -c "[[ ',$counts,' == *',$o,'* ]]"
done

echo "mail-in: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]
