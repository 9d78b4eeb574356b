#!/usr/bin/env bash
# tests/browser/run.sh: the browser test of the public submission flow.
#
# scripts/test.sh's `browser` layer runs it with the stack's env exported
# (BASE_URL, MAIL_DIR, DATABASE_URL = the owner), BROWSER_ARTIFACTS and
# CHROMIUM, while `supportdesk serve` runs. It installs playwright-core and
# axe-core from the lockfile (no browser is downloaded: the test drives the
# system's chromium), makes sure an upcoming event exists for the "Event
# inquiry" type, and runs every *.test.mjs (one per area, in order; BROWSER_TESTS="a.test.mjs ..."
# runs only those) with node's test runner. Exits
# non-zero when a test fails.
#
# Node: package.json's engines.node is >=18.19, the first 18.x whose test
# runner takes --test-concurrency (--test-reporter came in 18.15);
# playwright-core 1.61 is the last release that runs on Node 18 (1.62 and
# later need 20). Debian 12's nodejs 18.20 and npm 9.2 are enough.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")" || exit 1

: "${BASE_URL:?BASE_URL is not set (load the stack env)}"
: "${MAIL_DIR:?MAIL_DIR is not set (load the stack env)}"
export CHROMIUM=${CHROMIUM:-$(command -v chromium || echo /usr/bin/chromium)}
export BROWSER_ARTIFACTS=${BROWSER_ARTIFACTS:-$(cd ../.. && pwd)/build/browser-artifacts}
[ -x "$CHROMIUM" ] || { echo "browser: chromium not found (CHROMIUM=$CHROMIUM)"; echo "browser: 0 passed, 1 failed"; exit 1; }
# node must meet the engines of package.json and package-lock.json before npm
# ci (which only warns about them).
# shellcheck source=../../scripts/lib.sh
. ../../scripts/lib.sh
problem=$(node_problem)
[ -z "$problem" ] || { echo "browser: $problem"; echo "browser: 0 passed, 1 failed"; exit 1; }
command -v npm >/dev/null || { echo "browser: npm not installed (Debian: apt-get install npm; NodeSource's nodejs bundles it)"; echo "browser: 0 passed, 1 failed"; exit 1; }

# Only the npm registry may appear in the lockfile, and every package must
# say where it comes from (npm's omit-lockfile-registry-resolved drops the
# URLs, and then this check would pass on nothing).
if [ -f package-lock.json ]; then
  bad=$(grep -oE '"resolved": *"[^"]*"' package-lock.json | grep -vE '"https://registry\.npmjs\.org/' || true)
  if [ -n "$bad" ]; then
    echo "browser: package-lock.json resolves outside the npm registry:"; echo "$bad"
    echo "browser: 0 passed, 1 failed"; exit 1
  fi
  npkg=$(grep -cE '^ *"node_modules/[^"]+": *\{' package-lock.json)
  nres=$(grep -cE '"resolved": *"https://registry\.npmjs\.org/' package-lock.json)
  if [ "$npkg" != "$nres" ]; then
    echo "browser: package-lock.json has $npkg packages but $nres registry URLs (regenerate it: npm install --package-lock-only --omit-lockfile-registry-resolved=false)"
    echo "browser: 0 passed, 1 failed"; exit 1
  fi
fi

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PLAYWRIGHT_BROWSERS_PATH=0 npm_config_update_notifier=false
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error || { echo "browser: npm ci failed"; echo "browser: 0 passed, 1 failed"; exit 1; }
else
  npm install --no-audit --no-fund --loglevel=error || { echo "browser: npm install failed"; echo "browser: 0 passed, 1 failed"; exit 1; }
fi

# The "Event inquiry" type needs an upcoming event; the throwaway stack has
# no demo data. DATABASE_URL is the owner's URL from stack.env.
if [ -n "${DATABASE_URL:-}" ] && command -v psql >/dev/null; then
  psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -qAt -c "
    INSERT INTO events (name, starts_at, ends_at, location)
    SELECT 'Browser test conference', now() + interval '30 days', now() + interval '31 days', 'Hall A'
    WHERE NOT EXISTS (SELECT FROM events WHERE is_active AND starts_at > now() + interval '1 day')" \
    || echo "browser: could not insert an upcoming event (the event test will fail)"
else
  echo "browser: DATABASE_URL or psql missing: no event inserted"
fi

mkdir -p "$BROWSER_ARTIFACTS"
t0=$SECONDS
node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
     --test-reporter=tap --test-reporter-destination="$BROWSER_ARTIFACTS/results.tap" ${BROWSER_TESTS:-*.test.mjs}
rc=$?
pass=$(grep -cE '^ *ok [0-9]+ ' "$BROWSER_ARTIFACTS/results.tap" 2>/dev/null); pass=${pass:-0}
fail=$(grep -cE '^ *not ok [0-9]+ ' "$BROWSER_ARTIFACTS/results.tap" 2>/dev/null); fail=${fail:-0}
# Suites (describe) are counted by TAP too; count the leaf tests from the summary.
p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$BROWSER_ARTIFACTS/results.tap" | tail -1)
f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$BROWSER_ARTIFACTS/results.tap" | tail -1)
[ -n "$p" ] && pass=$p
[ -n "$f" ] && fail=$f
[ "$rc" != 0 ] && [ "$fail" = 0 ] && fail=1
echo "browser: screenshots in $BROWSER_ARTIFACTS ($((SECONDS - t0)) s)"
echo "browser: $pass passed, $fail failed"
exit "$rc"
