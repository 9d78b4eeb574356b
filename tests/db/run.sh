#!/bin/sh
# tests/db/run.sh: the database test suite.
#
#   PGHOST=... PGPORT=... PGDATABASE=... tests/db/run.sh
#
# Assumes sql/bootstrap.sql and every migration were applied to PGDATABASE
# (tests/db/setup.sh --fresh does both). Connects as the superuser PGUSER
# (default postgres); the tests switch to supportdesk / supportdesk_app with
# SET LOCAL ROLE inside their own transaction and roll back.
#
# Runs every sql/tests/*.sql with pg_prove (psql + TAP parsing when pg_prove is
# missing), then tests/db/concurrency.sh. Prints one line per file; the last
# line is exactly "pgtap: N passed, M failed" (assertions). Exit 1 on failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tests="$here/../../sql/tests"
: "${PGDATABASE:?set PGDATABASE}"
export PGUSER="${PGUSER:-postgres}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

passed=0
failed=0
status=0

# tally FILE-LABEL EXIT-CODE: count TAP lines in $out, add missing planned tests as failures.
tally() {
  ok=$(grep -c '^ok ' "$out")
  nok=$(grep -c '^not ok ' "$out")
  plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$out" | head -1)
  ran=$((ok + nok))
  if [ -n "$plan" ] && [ "$ran" -lt "$plan" ]; then nok=$((nok + plan - ran)); fi
  if [ "$2" -ne 0 ] && [ "$nok" -eq 0 ]; then nok=1; fi   # died before any assertion failed
  passed=$((passed + ok))
  failed=$((failed + nok))
  if [ "$nok" -eq 0 ]; then
    printf '%-40s ok     (%d assertions)\n' "$1" "$ok"
  else
    printf '%-40s FAILED (%d passed, %d failed)\n' "$1" "$ok" "$nok"
    grep -E '^(not ok|#)|ERROR' "$out" | head -20 | sed 's/^/    /'
    status=1
  fi
}

for f in "$tests"/*.sql; do
  if command -v pg_prove >/dev/null 2>&1; then
    # --verbose echoes the raw TAP; the file's own lines start at column 0.
    pg_prove --verbose --dbname "$PGDATABASE" "$f" >"$out" 2>&1
    rc=$?
  else
    psql -X -q -tA --pset pager=off -v ON_ERROR_STOP=1 -f "$f" >"$out" 2>&1
    rc=$?
  fi
  tally "$(basename "$f")" "$rc"
done

"$here/concurrency.sh" >"$out" 2>&1
tally "concurrency.sh" "$?"

# automation (0037): time rules fire once under two concurrent schedulers
"$here/automation_concurrency.sh" >"$out" 2>&1
tally "automation_concurrency.sh" "$?"
# recurring tickets (0038): exactly once under two schedulers
"$here/templates_concurrency.sh" >"$out" 2>&1
tally "templates_concurrency.sh" "$?"

echo "pgtap: $passed passed, $failed failed"
exit $status
