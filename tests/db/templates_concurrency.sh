#!/bin/sh
# tests/db/templates_concurrency.sh: recurring tickets exactly once under
# two schedulers. 100 weekly templates whose slot has just passed; two
# psql sessions as supportdesk_app (no acting user, as the scheduler runs)
# call ticket_templates_run_due() one template at a time, 150 times each,
# at once. Asserts no error, one ticket and one run per template, and every
# template's next run in the future. Fixtures are committed (the sessions
# must see them) and removed afterwards.
#
# env: PGHOST PGPORT PGDATABASE; superuser as PGUSER (default postgres).
# Prints TAP; exit status non-zero on failure.
set -u
TEMPLATES=${TEMPLATES:-100}
CALLS=${CALLS:-150}
SU=${PGUSER:-postgres}
ORG=10000000-0000-4000-8000-0000000c0d0c
ADMIN=20000000-0000-4000-8000-0000000c0d0a
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

psu() { psql -X -q -tA -U "$SU" -v ON_ERROR_STOP=1 "$@"; }

cleanup() {
  # Superuser in replica mode: the only way past the append-only audit triggers.
  psu <<SQL
SET session_replication_role = replica;
DELETE FROM ticket_template_runs WHERE template_id IN (SELECT id FROM ticket_templates WHERE organization_id = '$ORG');
DELETE FROM ticket_activity    WHERE ticket_id IN (SELECT id FROM tickets WHERE assigned_org_id = '$ORG');
DELETE FROM ticket_assignments WHERE ticket_id IN (SELECT id FROM tickets WHERE assigned_org_id = '$ORG');
DELETE FROM notifications WHERE user_id = '$ADMIN';
DELETE FROM outbox WHERE ticket_id IN (SELECT id FROM tickets WHERE assigned_org_id = '$ORG');
DELETE FROM tickets WHERE assigned_org_id = '$ORG';
DELETE FROM ticket_templates WHERE organization_id = '$ORG';
DELETE FROM config_audit WHERE organization_id = '$ORG';
DELETE FROM ticket_number_counters WHERE prefix = 'RECTEST';
DELETE FROM memberships WHERE organization_id = '$ORG';
DELETE FROM organization_settings WHERE organization_id = '$ORG';
DELETE FROM organizations WHERE id = '$ORG';
DELETE FROM users WHERE id = '$ADMIN';
SQL
}

cleanup >/dev/null 2>&1
psu <<SQL || { echo "not ok 1 - fixtures"; exit 1; }
INSERT INTO organizations (id, name, slug) VALUES ('$ORG', 'Recurring test', 'recurring-test');
INSERT INTO organization_settings (organization_id, is_provisioned, provisioned_at, ticket_prefix)
  VALUES ('$ORG', true, now(), 'RECTEST');
INSERT INTO users (id, email, name) VALUES ('$ADMIN', 'rec-admin@t.example', 'Recurring admin');
INSERT INTO memberships (user_id, organization_id, role) VALUES ('$ADMIN', '$ORG', 'admin');
INSERT INTO ticket_templates (organization_id, name, title, description, requester_id, schedule, weekdays, run_time, time_zone)
SELECT '$ORG', 'weekly ' || i, 'Weekly ' || i, 'recurring concurrency test', '$ADMIN', 'weekly',
       ARRAY[extract(isodow FROM (now() AT TIME ZONE 'UTC') - interval '1 minute')::smallint],
       ((now() AT TIME ZONE 'UTC') - interval '1 minute')::time, 'UTC'
FROM generate_series(1, $TEMPLATES) i;
-- The slot (a minute ago today) has just passed: due, as if the scheduler had been running.
UPDATE ticket_templates
SET next_run_at = ticket_template_latest_at(schedule, weekdays, month_day, run_time, time_zone, now())
WHERE organization_id = '$ORG';
SQL

for s in 1 2; do
  (
    echo "SET ROLE supportdesk_app;"
    n=1
    while [ "$n" -le "$CALLS" ]; do
      echo "SELECT ticket_templates_run_due(1);"
      n=$((n + 1))
    done
  ) > "$tmp/s$s.sql"
done

psql -X -q -tA -U "$SU" -v ON_ERROR_STOP=1 -f "$tmp/s1.sql" >"$tmp/s1.out" 2>"$tmp/s1.err" & p1=$!
psql -X -q -tA -U "$SU" -v ON_ERROR_STOP=1 -f "$tmp/s2.sql" >"$tmp/s2.out" 2>"$tmp/s2.err" & p2=$!
fail=0
wait "$p1" || fail=1
wait "$p2" || fail=1

errors=$(cat "$tmp"/s*.err | grep -c ERROR)
made=$(cat "$tmp"/s*.out | awk '{ s += $1 } END { print s + 0 }')
res=$(psu -c "SELECT (SELECT count(*) FROM tickets WHERE assigned_org_id = '$ORG'),
                     (SELECT count(DISTINCT channel_metadata->>'template_id') FROM tickets WHERE assigned_org_id = '$ORG'),
                     (SELECT count(*) FROM ticket_template_runs r JOIN ticket_templates t ON t.id = r.template_id
                      WHERE t.organization_id = '$ORG' AND r.ticket_id IS NOT NULL),
                     (SELECT count(*) FROM ticket_templates WHERE organization_id = '$ORG' AND next_run_at <= now())")
tickets=$(echo "$res" | cut -d'|' -f1); distinct=$(echo "$res" | cut -d'|' -f2)
runs=$(echo "$res" | cut -d'|' -f3); still_due=$(echo "$res" | cut -d'|' -f4)

status=0
echo "1..4"
if [ "$fail" -eq 0 ] && [ "$errors" -eq 0 ]; then echo "ok 1 - two sessions x $CALLS job runs finished without error"
else echo "not ok 1 - sessions reported errors:"; cat "$tmp"/s*.err | head -5 | sed 's/^/# /'; status=1; fi
if [ "$tickets" = "$TEMPLATES" ] && [ "$distinct" = "$TEMPLATES" ] && [ "$made" = "$TEMPLATES" ]; then
  echo "ok 2 - $tickets tickets for $TEMPLATES templates, one each (the runs said $made)"
else echo "not ok 2 - $tickets tickets, $distinct templates, the runs said $made (want $TEMPLATES)"; status=1; fi
if [ "$runs" = "$TEMPLATES" ]; then echo "ok 3 - one run row per template"
else echo "not ok 3 - $runs run rows (want $TEMPLATES)"; status=1; fi
if [ "$still_due" = "0" ]; then echo "ok 4 - every template's next run is in the future"
else echo "not ok 4 - $still_due templates still due"; status=1; fi

cleanup >/dev/null 2>&1 || { echo "# cleanup failed"; status=1; }
exit $status
