-- The stage report (0043): the open-now function answers nobody but the
-- stage's organization's staff and platform admins (negative cases first),
-- a move names the organization working the ticket, and the moves index
-- holds a ticket's moves onto stages and nothing else.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(12);
:tap_grants

\set wf_x  '''43000000-0000-4000-8000-000000000001'''
\set st_a  '''43000000-0000-4000-8000-0000000000a1'''
\set st_b  '''43000000-0000-4000-8000-0000000000a2'''

:as_super
INSERT INTO workflows (id, organization_id, name) VALUES (:wf_x, :x_org, 'Acme flow');
INSERT INTO workflow_stages (id, workflow_id, name, is_start, position) VALUES (:st_a, :wf_x, 'Intake', true, 0);
INSERT INTO workflow_stages (id, workflow_id, name, position) VALUES (:st_b, :wf_x, 'Work', 1);
-- tx1 was made before the workflow: it follows it from now on.
UPDATE tickets SET workflow_id = :wf_x WHERE id = :tx1;
:as_xg
UPDATE tickets SET current_stage_id = :st_a WHERE id = :tx1;
UPDATE tickets SET current_stage_id = :st_b WHERE id = :tx1;
UPDATE tickets SET priority = 'low' WHERE id = :tx1;
:as_anon
SELECT workflow_views_refresh();

-- ---- nobody else reads the stage's open tickets ----
:as_yg
SELECT is_empty($$SELECT 1 FROM workflow_stage_open_now(NULL) WHERE stage_id = '43000000-0000-4000-8000-0000000000a2'$$,
                'another organization''s agent reads nothing of acme''s stages');
SELECT is_empty($$SELECT 1 FROM workflow_stage_open_now('10000000-0000-4000-8000-00000000000a')$$,
                'not even when naming acme');
:as_ca
SELECT is_empty($$SELECT 1 FROM workflow_stage_open_now(NULL)$$, 'a customer reads nothing');
:as_pg
SELECT is_empty($$SELECT 1 FROM workflow_stage_open_now(NULL) WHERE stage_id = '43000000-0000-4000-8000-0000000000a2'$$,
                'a platform agent, who reads no organization''s workflows, reads none either');
:as_unset
SELECT is_empty($$SELECT 1 FROM workflow_stage_open_now(NULL)$$, 'nor does a connection with no acting user set');

-- ---- the organization's staff and platform admins do ----
:as_xg
SELECT is((SELECT open_count FROM workflow_stage_open_now(NULL) WHERE stage_id = :st_b), 1::bigint,
          'the acme agent reads the open ticket on Work');
SELECT is((SELECT count(*) FROM workflow_stage_open_now(:x_org) WHERE stage_id IN (:st_a, :st_b)), 2::bigint,
          'and both acme stages when naming acme');
SELECT is_empty($$SELECT 1 FROM workflow_stage_open_now('10000000-0000-4000-8000-00000000000b')$$,
                'and nothing when naming globex');
:as_pa
SELECT is((SELECT open_count FROM workflow_stage_open_now(NULL) WHERE stage_id = :st_b), 1::bigint,
          'a platform admin reads it');

-- ---- the moves: what the report reads, and its index ----
:as_xg
SELECT is((SELECT array_agg(workflow_stage_id ORDER BY seq) FROM ticket_history
           WHERE ticket_id = :tx1 AND changes ? 'stage_id'
             AND (workflow_stage_id IS NOT NULL OR NOT changes ? 'created')),
          ARRAY[:st_a, :st_b]::uuid[], 'the two moves are the ticket''s rows of the index''s predicate, not the priority change');
:as_super
SELECT is((SELECT array_agg(organization_id::text ORDER BY seq) FROM ticket_history WHERE ticket_id = :tx1),
          ARRAY[NULL, '10000000-0000-4000-8000-00000000000a', '10000000-0000-4000-8000-00000000000a', NULL],
          'each move names acme; the creation on no stage and the priority change name nobody');
SELECT ok(pg_get_indexdef('ticket_history_stage_moves_idx'::regclass) LIKE '%WHERE ((changes ? ''stage_id''::text)%',
          'the moves index is partial, over the moves');

SELECT * FROM finish();
ROLLBACK;
