#!/bin/sh
# tests/db/setup.sh: create (or recreate with --fresh) a database, bootstrap it
# and apply every migration in order, as the `supportdesk migrate` runner will:
# one transaction per file, as the owner. Stand-in until the C runner exists;
# it does not record schema_migrations, so only use it on a fresh database.
#
# env: PGHOST PGPORT PGDATABASE (superuser reachable as PGUSER, default postgres)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
sql="$here/../../sql"
: "${PGDATABASE:?set PGDATABASE}"
su_user=${PGUSER:-postgres}

if [ "${1:-}" = "--fresh" ]; then
  psql -X -q -U "$su_user" -d postgres -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS \"$PGDATABASE\" WITH (FORCE)"
fi
if ! psql -X -qtA -U "$su_user" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$PGDATABASE'" | grep -q 1; then
  psql -X -q -U "$su_user" -d postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$PGDATABASE\""
fi
psql -X -q -U "$su_user" -d "$PGDATABASE" -v ON_ERROR_STOP=1 -v db="$PGDATABASE" -f "$sql/bootstrap.sql"
for f in "$sql"/migrations/[0-9][0-9][0-9][0-9]_*.sql; do
  echo "migrate: $(basename "$f")"
  psql -X -q -U supportdesk -d "$PGDATABASE" -1 -v ON_ERROR_STOP=1 -f "$f"
done
