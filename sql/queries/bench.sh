#!/bin/sh
# sql/queries/bench.sh: EXPLAIN (ANALYZE, BUFFERS) and latency of the two hot
# queries as supportdesk_app with RLS on, against a database filled by
# sql/scale/generate.sql.
#
#   PGHOST=... PGPORT=... PGDATABASE=... sql/queries/bench.sh [runs]
#
# Picks the busiest scale organization's agent and the customer with the most
# tickets, prints both plans, then runs each query `runs` times (default 200)
# through pgbench (one transaction: BEGIN; set_config; query; COMMIT, i.e.
# what a request does) and prints the median and p95 latency in ms.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
runs=${1:-200}
SU=${PGUSER:-postgres}
pgbench=$(ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | tail -1)
q() { psql -X -qtA -U "$SU" -c "$1"; }

org=$(q "SELECT assigned_org_id FROM tickets WHERE assigned_org_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
# A person: an API key's service user is an agent of its organization too.
agent=$(q "SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
  WHERE m.organization_id = '$org' AND m.role = 'agent' AND NOT u.is_service LIMIT 1")
cust=$(q "SELECT requester_id FROM tickets GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
echo "org=$org agent=$agent customer=$cust"
echo "open tickets in org: $(q "SELECT count(*) FROM tickets WHERE assigned_org_id = '$org' AND status IN ('new','open','in_progress','waiting_customer','waiting_internal')")"
echo "customer's tickets:  $(q "SELECT count(*) FROM tickets WHERE requester_id = '$cust'")"

explain() {  # user file
  printf 'BEGIN;\nSET LOCAL ROLE supportdesk_app;\nSELECT set_config('"'"'app.user_id'"'"', '"'"'%s'"'"', true) \\g /dev/null\n' "$1"
  printf 'EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)\n'
  grep -v '^--' "$2" | sed "s/:'org_id'/'$org'/"
  printf 'ROLLBACK;\n'
}
for pair in "$agent:hot_agent_open.sql" "$cust:hot_customer_mine.sql"; do
  user=${pair%%:*}; file=${pair#*:}
  echo; echo "== $file (app.user_id=$user)"
  # run once to warm the cache, then show the plan of the second run
  explain "$user" "$here/$file" | psql -X -q -U "$SU" >/dev/null
  explain "$user" "$here/$file" | psql -X -q -U "$SU"
done

[ -n "$pgbench" ] || { echo "pgbench not found; skipping latency"; exit 0; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for pair in "$agent:hot_agent_open.sql" "$cust:hot_customer_mine.sql"; do
  user=${pair%%:*}; file=${pair#*:}
  { echo "BEGIN;"; echo "SELECT set_config('app.user_id', '$user', true);"
    grep -v '^--' "$here/$file" | sed "s/:'org_id'/'$org'/" | tr '\n' ' '; echo
    echo "COMMIT;"; } > "$tmp/script.sql"
  (cd "$tmp" && "$pgbench" -n -U supportdesk_app -M prepared -c 1 -t "$runs" -f script.sql -l --log-prefix=lat "$PGDATABASE" >/dev/null)
  # column 3 of the per-transaction log is the latency in microseconds
  cat "$tmp"/lat* | awk '{print $3}' | sort -n | awk -v f="$file" '{a[NR]=$1} END {
    printf "%-24s n=%d median=%.3f ms p95=%.3f ms (whole transaction: BEGIN, set_config, query, COMMIT)\n",
      f, NR, a[int((NR+1)/2)]/1000, a[int(NR*0.95)]/1000 }'
  rm -f "$tmp"/lat*
done
