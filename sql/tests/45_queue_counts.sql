-- /desk's kept queue counts (0045): nobody but the organization's staff and
-- platform staff reads an organization's counts, and nobody writes them but
-- the tickets' trigger and the fold (negative cases first); the sums follow
-- every change that moves a ticket between queues, and no other change;
-- the fold keeps every sum and leaves one row per key.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(21);
:tap_grants

-- Acme's sum of queue q.
CREATE TEMP VIEW acme_counts AS
  SELECT queue, sum(n) AS n FROM ticket_queue_counts
  WHERE organization_id = '10000000-0000-4000-8000-00000000000a' GROUP BY queue;
GRANT SELECT ON acme_counts TO supportdesk_app;

-- ---- nobody else reads them ----
:as_yg
SELECT is_empty($$SELECT 1 FROM ticket_queue_counts WHERE organization_id = '10000000-0000-4000-8000-00000000000a'$$,
                'another organization''s agent reads none of acme''s counts');
:as_ca
SELECT is_empty($$SELECT 1 FROM ticket_queue_counts$$, 'a customer reads no counts');
:as_unset
SELECT is_empty($$SELECT 1 FROM ticket_queue_counts$$, 'nor does a connection with no acting user set');

-- ---- nobody writes them ----
:as_xa
SELECT throws_ok($$INSERT INTO ticket_queue_counts (organization_id, queue, n) VALUES ('10000000-0000-4000-8000-00000000000a', 1, 1000)$$,
                 '42501', NULL, 'an admin of acme cannot add to its counts');
SELECT throws_ok($$UPDATE ticket_queue_counts SET n = n + 1$$, '42501', NULL, 'nor change them');
SELECT throws_ok($$DELETE FROM ticket_queue_counts$$, '42501', NULL, 'nor remove them');
SELECT throws_ok($$SELECT queue_counts_rebuild()$$, '42501', NULL, 'nor rebuild them');
SELECT throws_ok($$SELECT 1 FROM ticket_queue_counts_expected$$, '42501', NULL,
                 'nor read the counts from every organization''s tickets past row-level security');
SELECT throws_ok($$SELECT 1 FROM queue_counts_drift()$$, '42501', NULL, 'nor ask for their drift');

-- ---- the organization's staff and platform staff read them ----
:as_xg
SELECT is((SELECT n FROM acme_counts WHERE queue = 1),
          (SELECT count(*) FROM tickets WHERE assigned_org_id = :x_org AND routing_type <> 'internal'
             AND status IN ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal') AND NOT is_spam)::numeric,
          'the acme agent reads acme''s open count, what row-level security lets them count');
:as_pg
SELECT ok((SELECT count(*) FROM ticket_queue_counts WHERE organization_id = :x_org) > 0, 'a platform agent reads it');
:as_super
SELECT is_empty($$SELECT * FROM queue_counts_drift()$$, 'every kept sum is the tickets'' own count');

-- ---- the trigger ----
:as_xg
CREATE TEMP TABLE before_rows AS SELECT count(*) AS n FROM ticket_queue_counts;
UPDATE tickets SET priority = 'low', title = 'Renamed' WHERE id = :tx1;
SELECT is((SELECT count(*) FROM ticket_queue_counts), (SELECT n FROM before_rows),
          'a change that moves the ticket between no queues writes nothing');
UPDATE tickets SET status = 'resolved' WHERE id = :tx1;
UPDATE tickets SET assignee_id = :xg, status = 'waiting_customer' WHERE id = :tx2;
SELECT is(ARRAY(SELECT n FROM acme_counts ORDER BY queue),
          ARRAY(SELECT count(*)::numeric FROM (VALUES (1), (2), (3), (4)) v (q)
                JOIN tickets t ON t.assigned_org_id = :x_org AND t.routing_type <> 'internal'
                 AND v.q = ANY (ticket_queue_set(t.assigned_org_id, t.routing_type, t.deleted_at, t.status, t.is_spam))
                GROUP BY v.q ORDER BY v.q),
          'resolving one and assigning another to wait moves acme''s sums');
SELECT is((SELECT sum(n) FROM ticket_queue_counts WHERE organization_id = :x_org AND queue = 2 AND assignee_id = :xg), 1::numeric,
          'the waiting ticket counts for its assignee');
UPDATE tickets SET is_spam = true WHERE id = :tx2;
SELECT is((SELECT sum(n) FROM ticket_queue_counts WHERE organization_id = :x_org AND queue IN (1, 2) AND assignee_id = :xg),
          0::numeric, 'marked spam, it leaves the open and waiting queues');
:as_super
UPDATE tickets SET assigned_org_id = :y_org, organization_id = :y_org WHERE id = :tx1;
UPDATE tickets SET is_spam = true, deleted_at = now() WHERE id = :ty1;
SELECT is_empty($$SELECT * FROM queue_counts_drift()$$, 'moved to another organization, deleted or not: still no drift');

-- ---- the fold ----
-- The rows of an organization deleted with triggers off (so not cascaded),
-- as the concurrency scripts clean up, are dropped instead of refolded.
:as_super
SET LOCAL session_replication_role = replica;
INSERT INTO ticket_queue_counts (organization_id, queue, n) VALUES ('45000000-0000-4000-8000-0000000000ff', 1, 2),
  ('45000000-0000-4000-8000-0000000000ff', 1, 3);
SET LOCAL session_replication_role = origin;
:as_xg
SELECT ok(queue_counts_fold() >= 0, 'staff may run the fold, which folds rows away');
:as_super
SELECT is_empty($$SELECT * FROM queue_counts_drift()$$, 'the fold keeps every sum');
SELECT is_empty($$SELECT 1 FROM ticket_queue_counts GROUP BY organization_id, queue, assignee_id HAVING count(*) > 1 OR sum(n) = 0$$,
                'and leaves one row per key, none of them zero');
SELECT is_empty($$SELECT 1 FROM ticket_queue_counts WHERE organization_id = '45000000-0000-4000-8000-0000000000ff'$$,
                'and none of an organization that is gone');

SELECT * FROM finish();
ROLLBACK;
