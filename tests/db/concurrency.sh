#!/bin/sh
# tests/db/concurrency.sh: ticket numbering under concurrency.
# 8 parallel psql sessions, each inserting 500 tickets one transaction at a
# time as supportdesk_app (RLS on, platform-admin context), all in the same
# month and on the same counter row. Asserts 4000 distinct numbers, a dense
# 1..4000 sequence, and no error. Fixtures are committed (the sessions must
# see them) and removed afterwards.
#
# env: PGHOST PGPORT PGDATABASE; superuser as PGUSER (default postgres).
# Prints TAP: "ok N - ..." lines, exit status non-zero on failure.
set -u
SESSIONS=${SESSIONS:-8}
PER=${PER:-500}
SU=${PGUSER:-postgres}
ORG=10000000-0000-4000-8000-0000000c0c0c
ADMIN=20000000-0000-4000-8000-0000000c0c0a
CUST=20000000-0000-4000-8000-0000000c0c0b
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

psu() { psql -X -q -tA -U "$SU" -v ON_ERROR_STOP=1 "$@"; }

cleanup() {
  # Superuser in replica mode: the only way past the append-only audit trigger.
  psu <<SQL
SET session_replication_role = replica;
DELETE FROM ticket_activity    WHERE ticket_id IN (SELECT id FROM tickets WHERE assigned_org_id = '$ORG');
DELETE FROM ticket_assignments WHERE ticket_id IN (SELECT id FROM tickets WHERE assigned_org_id = '$ORG');
DELETE FROM tickets WHERE assigned_org_id = '$ORG';
DELETE FROM ticket_number_counters WHERE prefix = 'CONCTEST';
DELETE FROM organization_settings WHERE organization_id = '$ORG';
DELETE FROM organizations WHERE id = '$ORG';
DELETE FROM users WHERE id IN ('$ADMIN', '$CUST');
SQL
}

cleanup >/dev/null 2>&1
psu <<SQL || { echo "not ok 1 - fixtures"; exit 1; }
INSERT INTO organizations (id, name, slug) VALUES ('$ORG', 'Concurrency test', 'concurrency-test');
INSERT INTO organization_settings (organization_id, is_provisioned, provisioned_at, ticket_prefix)
  VALUES ('$ORG', true, now(), 'CONCTEST');
INSERT INTO users (id, email, platform_role) VALUES ('$ADMIN', 'conc-admin@t.example', 'admin'),
                                                    ('$CUST', 'conc-cust@t.example', NULL);
SQL

i=1
while [ "$i" -le "$SESSIONS" ]; do
  (
    echo "SET ROLE supportdesk_app;"
    echo "SELECT set_config('app.user_id', '$ADMIN', false);"
    n=1
    while [ "$n" -le "$PER" ]; do
      # autocommit: one transaction per ticket, so sessions interleave on the counter row
      echo "INSERT INTO tickets (requester_id, routing_type, assigned_org_id, title, description, source) VALUES ('$CUST', 'organization', '$ORG', 'load $i/$n', 'concurrency test', 'api');"
      n=$((n + 1))
    done
  ) > "$tmp/s$i.sql"
  i=$((i + 1))
done

start=$(date +%s)
i=1
while [ "$i" -le "$SESSIONS" ]; do
  psql -X -q -U "$SU" -v ON_ERROR_STOP=1 -f "$tmp/s$i.sql" >"$tmp/s$i.out" 2>"$tmp/s$i.err" &
  pids="${pids:-} $!"
  i=$((i + 1))
done
fail=0
for pid in $pids; do wait "$pid" || fail=1; done
end=$(date +%s)

errors=$(cat "$tmp"/s*.err | grep -c ERROR)
total=$((SESSIONS * PER))
res=$(psu -c "SELECT count(*), count(DISTINCT number),
                     count(*) FILTER (WHERE number !~ '^CONCTEST-[0-9]{4}-[0-9]{2}-[0-9]{5}\$'),
                     coalesce(max(split_part(number, '-', 4)::int), 0)
              FROM tickets WHERE assigned_org_id = '$ORG'")
rows=$(echo "$res" | cut -d'|' -f1); distinct=$(echo "$res" | cut -d'|' -f2)
badfmt=$(echo "$res" | cut -d'|' -f3); maxn=$(echo "$res" | cut -d'|' -f4)

status=0
echo "1..4"
if [ "$fail" -eq 0 ] && [ "$errors" -eq 0 ]; then echo "ok 1 - $SESSIONS sessions x $PER inserts finished without error in $((end - start))s"
else echo "not ok 1 - sessions reported errors:"; cat "$tmp"/s*.err | head -5 | sed 's/^/# /'; status=1; fi
if [ "$rows" = "$total" ] && [ "$distinct" = "$total" ]; then echo "ok 2 - $distinct distinct ticket numbers for $rows tickets"
else echo "not ok 2 - $rows tickets, $distinct distinct numbers (want $total)"; status=1; fi
if [ "$badfmt" = "0" ]; then echo "ok 3 - every number matches CONCTEST-YYYY-MM-NNNNN"
else echo "not ok 3 - $badfmt numbers malformed"; status=1; fi
if [ "$maxn" = "$total" ]; then echo "ok 4 - counter is dense: highest number is $maxn"
else echo "not ok 4 - highest number $maxn (want $total)"; status=1; fi

cleanup >/dev/null 2>&1 || { echo "# cleanup failed"; status=1; }
exit $status
