#!/usr/bin/env python3
# tests/bench/reports_plans.py: EXPLAIN ANALYZE of each statement of the
# reports (src/model/report.c, taken from the preprocessed source, so the
# plans are of exactly what the pages run), as a user under row-level
# security, on the stack's database. Usage, from the repository:
#
#   tests/bench/reports_plans.py FROM TO ORG|NULL USER_ID | psql -X -q -h ... -U postgres -d supportdesk
#
# e.g. a 90-day range as a platform agent (ORG NULL: every organization)
# or as an agent of one organization (ORG its id, as the pages pass it).
import re
import subprocess
import sys

frm, to, org, user = sys.argv[1:5]
pp = subprocess.run(['gcc', '-E', '-P', '-Isrc', 'src/model/report.c'], capture_output=True, text=True,
                    check=True).stdout
stmts = {}
for name, body in re.findall(r'static const db_stmt (q_\w+) = \{ "\w+",(.*?)\};', pp, re.S):
    stmts[name] = ''.join(re.findall(r'"((?:[^"\\]|\\.)*)"', body)).replace('\\"', '"')


def lit(v):
    return 'NULL' if v == 'NULL' else "'" + v + "'"


print('BEGIN;')
print('SET LOCAL ROLE supportdesk_app;')
print('SET LOCAL plan_cache_mode = force_custom_plan;')
print(f"SELECT set_config('app.user_id', {lit(user)}, true) \\g /dev/null")
for n in ['q_sla', 'q_agents', 'q_volume', 'q_csat', 'q_comments']:
    args = [lit(frm), lit(to), lit(org), 'NULL', 'NULL', '20'][:6 if n == 'q_comments' else 5]
    print(f'PREPARE {n} AS {stmts[n]};')
    print(f'\\echo ===== {n}')
    print(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE {n}({', '.join(args)});")
print('ROLLBACK;')
