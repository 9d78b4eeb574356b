-- 0035: the reports' summary. Refusals first: customers, anonymous
-- requests and another organization's staff read no row of report_daily,
-- nobody writes it or reads the change log through the application role,
-- and the fold refuses a signed-in user. Then the rollup: folded, the
-- summary of an organization equals the same sums computed from its
-- tickets, after a change of priority, a rating, a breach event, spam and
-- a deletion too.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(25);
:tap_grants

-- What the summary must say, computed from the tickets (as the superuser).
CREATE TEMP VIEW truth AS
  SELECT CASE WHEN t.routing_type <> 'internal' THEN t.assigned_org_id END AS org_id, t.priority,
         count(*) AS created,
         count(*) FILTER (WHERE t.status IN ('resolved', 'closed') AND t.resolved_at IS NOT NULL) AS resolved,
         count(*) FILTER (WHERE t.satisfaction_rating = 5) AS rating_5,
         count(*) FILTER (WHERE EXISTS (SELECT FROM sla_events e WHERE e.ticket_id = t.id
                                        AND e.kind = 'first_response_breach')
                            OR t.first_response_at > t.sla_first_response_due) AS fr_breached
  FROM tickets t WHERE t.deleted_at IS NULL AND NOT t.is_spam
  GROUP BY 1, 2;
GRANT SELECT ON truth TO supportdesk_app, supportdesk;
\set same_x 'SELECT org_id, priority, sum(created), sum(resolved), sum(rating_5), sum(fr_breached) FROM report_daily WHERE org_id = ''10000000-0000-4000-8000-00000000000a'' GROUP BY 1, 2 HAVING sum(created) <> 0 ORDER BY 2'
\set truth_x 'SELECT org_id, priority, created, resolved, rating_5, fr_breached FROM truth WHERE org_id = ''10000000-0000-4000-8000-00000000000a'' ORDER BY 2'

:as_owner
SELECT ok(report_fold(1000000) >= 4, 'the fixture''s tickets are folded');
SELECT is((SELECT count(*) FROM report_delta), 0::bigint, 'the log is empty after the fold');

-- ---- nobody reads what is not theirs ----
:as_ca
SELECT is_empty('SELECT 1 FROM report_daily', 'a customer reads no summary row');
:as_nb
SELECT is_empty('SELECT 1 FROM report_daily', 'nor a user with no tickets');
:as_anon
SELECT is_empty('SELECT 1 FROM report_daily', 'nor an anonymous request');
:as_unset
SELECT is_empty('SELECT 1 FROM report_daily', 'nor a request without a user setting');
:as_yg
SELECT is_empty('SELECT 1 FROM report_daily WHERE org_id IS DISTINCT FROM ''10000000-0000-4000-8000-00000000000b''',
                'a globex agent reads only globex rows');
:as_xg
SELECT is_empty('SELECT 1 FROM report_daily WHERE org_id IS NULL', 'an org agent reads no internal row');
SELECT throws_ok('INSERT INTO report_daily (day, priority, source, created) VALUES (current_date, ''low'', ''web'', 1)',
                 '42501', NULL, 'the application cannot add to the summary');
SELECT throws_ok('UPDATE report_daily SET created = created + 1', '42501', NULL, 'nor change it');
SELECT throws_ok('DELETE FROM report_daily', '42501', NULL, 'nor delete from it');
SELECT throws_ok('SELECT 1 FROM report_delta', '42501', NULL, 'nor read the change log');
SELECT throws_ok('SELECT report_fold(10)', '42501', NULL, 'a signed-in user cannot fold');
SELECT throws_ok($$SELECT report_delta_add(t, 1, false, false) FROM tickets t LIMIT 1$$, '42501', NULL,
                 'nor write the log by hand');

-- ---- staff read theirs; the rollup equals the tickets ----
SELECT results_eq(:'same_x', :'truth_x', 'the acme agent reads acme''s figures, equal to its tickets');
:as_pg
SELECT ok((SELECT sum(created) FROM report_daily WHERE org_id IS NULL) >= 1, 'platform staff read the internal tickets');
SELECT ok((SELECT count(DISTINCT org_id) FROM report_daily) >= 2, 'and every organization''s');
SELECT ok((SELECT folded_at IS NULL OR folded_at <= now() FROM report_freshness()), 'the freshness is readable');

-- A change of priority, a resolution with a rating, a breach event.
:as_super
UPDATE tickets SET priority = 'urgent' WHERE id = :tx2;
UPDATE tickets SET status = 'resolved', resolved_at = now(), satisfaction_rating = 5,
                   satisfaction_submitted_at = now() WHERE id = :tx1;
INSERT INTO sla_events (ticket_id, kind, due_at) VALUES (:tx1, 'first_response_breach', now() - interval '1 minute')
  ON CONFLICT DO NOTHING;
SELECT ok((SELECT count(*) FROM report_delta) >= 2, 'the changes are logged, not yet folded');
:as_owner
SELECT ok(report_fold(2) = 2, 'a fold takes a bounded batch');
SELECT ok(report_fold(1000000) >= 1, 'and the next the rest');
:as_xg
SELECT results_eq(:'same_x', :'truth_x', 'after a new priority, a rating and a breach, still equal');
SELECT is((SELECT sum(rating_5) FROM report_daily WHERE org_id = :x_org), 1::bigint, 'the rating counts once');

-- Spam and deletion count nowhere.
:as_super
UPDATE tickets SET is_spam = true WHERE id = :tx2;
:as_owner
SELECT ok(report_fold(1000000) >= 1, 'the spam change is folded');
:as_xg
SELECT results_eq(:'same_x', :'truth_x', 'spam is taken out');

SELECT * FROM finish();
ROLLBACK;
