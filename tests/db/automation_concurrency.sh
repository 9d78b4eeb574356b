#!/bin/sh
# tests/db/automation_concurrency.sh: a time rule fires exactly once per
# ticket and window under two concurrent schedulers, even past the job's
# advisory lock (which would normally keep the second one out): the firing's
# unique key is what guarantees it.
#
# Two sessions A and B each open a transaction and run automation_time_run()
# over the same 20 due tickets. A barrier (an advisory lock held by a third
# session) keeps A from committing until B is seen waiting on A's firing rows;
# then A commits and B finds every firing taken. No timing assumption: the
# barrier is released only once pg_locks shows both sessions where they must
# be (polled, with a generous deadline).
#
# env: PGHOST PGPORT PGDATABASE; superuser as PGUSER (default postgres).
# Prints TAP lines; exit status non-zero on failure.
set -u
SU=${PGUSER:-postgres}
ORG=10000000-0000-4000-8000-0000000a0a0a
CUST=20000000-0000-4000-8000-0000000a0a0b
RULE=65000000-0000-4000-8000-0000000a0a0c
BARRIER=373737
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

psu() { psql -X -q -tA -U "$SU" -v ON_ERROR_STOP=1 "$@"; }

cleanup() {
  psu <<SQL
SET session_replication_role = replica;
DELETE FROM automation_time_firings WHERE rule_id = '$RULE';
DELETE FROM automation_time_rules WHERE organization_id = '$ORG';
DELETE FROM outbox WHERE ticket_id IN (SELECT id FROM tickets WHERE assigned_org_id = '$ORG');
DELETE FROM ticket_activity WHERE ticket_id IN (SELECT id FROM tickets WHERE assigned_org_id = '$ORG');
DELETE FROM ticket_assignments WHERE ticket_id IN (SELECT id FROM tickets WHERE assigned_org_id = '$ORG');
DELETE FROM tickets WHERE assigned_org_id = '$ORG';
DELETE FROM ticket_number_counters WHERE prefix = 'AUTOCONC';
DELETE FROM config_audit WHERE organization_id = '$ORG';
DELETE FROM organization_settings WHERE organization_id = '$ORG';
DELETE FROM organizations WHERE id = '$ORG';
DELETE FROM users WHERE id = '$CUST';
SQL
}

cleanup >/dev/null 2>&1
psu <<SQL || { echo "not ok 1 - fixtures"; exit 1; }
INSERT INTO organizations (id, name, slug) VALUES ('$ORG', 'Automation concurrency', 'automation-conc');
INSERT INTO organization_settings (organization_id, is_provisioned, provisioned_at, ticket_prefix)
  VALUES ('$ORG', true, now(), 'AUTOCONC');
INSERT INTO users (id, email) VALUES ('$CUST', 'auto-conc@t.example');
INSERT INTO tickets (requester_id, routing_type, assigned_org_id, title, description, status, created_at)
SELECT '$CUST', 'organization', '$ORG', 'due ' || g, 'waiting', 'waiting_customer', now() - interval '10 minutes'
FROM generate_series(1, 20) g;
INSERT INTO automation_time_rules (id, organization_id, name, time_event, minutes, conditions, actions)
VALUES ('$RULE', '$ORG', 'Remind', 'created', 1, '[{"field": "status", "op": "is", "value": "waiting_customer"}]',
        '[{"type": "email_requester", "value": "Still there?"}]');
SQL

# The barrier: held until both schedulers are in place.
psu >"$tmp/barrier.out" 2>&1 <<SQL &
SELECT pg_advisory_lock($BARRIER);
DO \$\$
DECLARE v_deadline timestamptz := clock_timestamp() + interval '120 seconds';
BEGIN
  LOOP
    -- A waits on the barrier, B waits on A's transaction (its firing rows).
    -- pg_locks, not pg_stat_activity: the latter is a snapshot per transaction.
    EXIT WHEN (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $BARRIER AND NOT granted) = 1
          AND (SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted) >= 1;
    IF clock_timestamp() > v_deadline THEN
      RAISE EXCEPTION 'the two schedulers never met at the barrier';
    END IF;
    PERFORM pg_sleep(0.05);
  END LOOP;
END
\$\$;
SELECT pg_advisory_unlock($BARRIER);
SQL
barrier=$!

# Wait (polling, generous deadline) until the barrier is held before A starts.
n=0
until [ "$(psu -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $BARRIER AND granted")" = 1 ]; do
  n=$((n + 1)); [ "$n" -gt 1200 ] && { echo "not ok 1 - the barrier was never taken"; cleanup >/dev/null 2>&1; exit 1; }
  sleep 0.1
done

psu >"$tmp/a.out" 2>&1 <<SQL &
BEGIN;
SELECT 'A', automation_time_run(1000);
SELECT pg_advisory_xact_lock_shared($BARRIER);
COMMIT;
SQL
a=$!
# B starts once A holds its firings (A is at the barrier).
n=0
until [ "$(psu -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $BARRIER AND NOT granted")" = 1 ]; do
  n=$((n + 1)); [ "$n" -gt 1200 ] && break
  sleep 0.1
done
psu >"$tmp/b.out" 2>&1 <<SQL &
BEGIN;
SELECT 'B', automation_time_run(1000);
COMMIT;
SQL
b=$!
fail=0
wait "$a" || fail=1
wait "$b" || fail=1
wait "$barrier" || fail=1

status=0
echo "1..3"
if [ "$fail" -eq 0 ]; then echo "ok 1 - two concurrent schedulers ran without error"
else echo "not ok 1 - a session failed:"; cat "$tmp"/*.out | head -5 | sed 's/^/# /'; status=1; fi
firings=$(psu -c "SELECT count(*) FROM automation_time_firings WHERE rule_id = '$RULE'")
mails=$(psu -c "SELECT count(*) FROM outbox WHERE template = 'automation_email' AND ticket_id IN (SELECT id FROM tickets WHERE assigned_org_id = '$ORG')")
sum=$(sed -n "s/^[AB]|//p" "$tmp/a.out" "$tmp/b.out" | awk "{ s += \$1 } END { print s + 0 }")
if [ "$firings" = 20 ] && [ "$mails" = 20 ]; then echo "ok 2 - each of the 20 tickets fired once (20 firings, 20 reminders)"
else echo "not ok 2 - $firings firings, $mails reminders (want 20 and 20)"; status=1; fi
if [ "$sum" = 20 ]; then echo "ok 3 - the two runs together report 20 firings"
else echo "not ok 3 - the runs report $sum firings (want 20)"; status=1; fi

cleanup >/dev/null 2>&1 || { echo "# cleanup failed"; status=1; }
exit $status
