-- Workflows (0036): the tables' constraints and policies (negative cases
-- first), the start stage at creation, a move's hooks once per move, the
-- history chain, and the views' definer functions.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(54);
:tap_grants

\set wf_x  '''36000000-0000-4000-8000-000000000001'''
\set wf_y  '''36000000-0000-4000-8000-000000000002'''
\set st_a  '''36000000-0000-4000-8000-0000000000a1'''
\set st_b  '''36000000-0000-4000-8000-0000000000a2'''
\set st_c  '''36000000-0000-4000-8000-0000000000a3'''
\set st_o  '''36000000-0000-4000-8000-0000000000a4'''
\set st_y  '''36000000-0000-4000-8000-0000000000b1'''
\set rt_x  '''36000000-0000-4000-8000-0000000000c1'''

:as_super
INSERT INTO workflows (id, organization_id, name) VALUES (:wf_y, :y_org, 'Globex flow');
INSERT INTO workflow_stages (id, workflow_id, name, is_start) VALUES (:st_y, :wf_y, 'Globex start', true);

-- ---- another organization's workflows: not read, not changed ----
:as_xa
SELECT is_empty($$SELECT 1 FROM workflows WHERE id = '36000000-0000-4000-8000-000000000002'$$,
                'an acme admin reads no globex workflow');
SELECT is_empty($$SELECT 1 FROM workflow_stages WHERE id = '36000000-0000-4000-8000-0000000000b1'$$,
                'nor its stages');
SELECT is_empty($$UPDATE workflows SET name = 'Mine' WHERE id = '36000000-0000-4000-8000-000000000002' RETURNING 1$$,
                'an acme admin cannot rename a globex workflow');
SELECT is_empty($$DELETE FROM workflow_stages WHERE id = '36000000-0000-4000-8000-0000000000b1' RETURNING 1$$,
                'nor remove its stage');
SELECT throws_ok($$INSERT INTO workflows (organization_id, name) VALUES ('10000000-0000-4000-8000-00000000000b', 'Sneaky')$$,
                 '42501', NULL, 'nor create a workflow for globex');
SELECT throws_ok($$INSERT INTO workflow_stages (workflow_id, name) VALUES ('36000000-0000-4000-8000-000000000002', 'Sneaky')$$,
                 '42501', NULL, 'nor add a stage to a globex workflow');
:as_ca
SELECT is_empty($$SELECT 1 FROM workflows$$, 'a customer reads no workflow');
SELECT throws_ok($$INSERT INTO workflows (organization_id, name) VALUES ('10000000-0000-4000-8000-00000000000a', 'Mine')$$,
                 '42501', NULL, 'a customer cannot create one');
SELECT is_empty($$UPDATE tickets SET current_stage_id = NULL WHERE id = '30000000-0000-4000-8000-000000000001' RETURNING 1$$,
                'a customer cannot move a ticket''s stage');
:as_yg
SELECT is_empty($$SELECT 1 FROM workflow_stage_stats_for('36000000-0000-4000-8000-000000000001')$$,
                'a globex agent gets no acme stage statistics');

-- ---- constraints ----
:as_super
INSERT INTO workflows (id, organization_id, name) VALUES (:wf_x, :x_org, 'Acme flow');
INSERT INTO workflow_stages (id, workflow_id, name, is_start) VALUES (:st_a, :wf_x, 'Triage', true);
INSERT INTO workflow_stages (id, workflow_id, name, is_end) VALUES (:st_c, :wf_x, 'Done', true);
INSERT INTO workflow_stages (id, workflow_id, name, is_other) VALUES (:st_o, :wf_x, 'Parked', true);
INSERT INTO workflow_stages (id, workflow_id, name, position) VALUES (:st_b, :wf_x, 'Working', 1);
:as_xa
SELECT lives_ok($$INSERT INTO workflows (organization_id, name) VALUES ('10000000-0000-4000-8000-00000000000a', 'Acme second')$$,
                'an acme admin creates a workflow');
SELECT throws_ok($$INSERT INTO workflow_stages (workflow_id, name, is_start) VALUES ('36000000-0000-4000-8000-000000000001', 'Second start', true)$$,
                 '23505', NULL, 'a second start stage is refused');
SELECT throws_ok($$INSERT INTO workflow_stages (workflow_id, name, is_end) VALUES ('36000000-0000-4000-8000-000000000001', 'Second end', true)$$,
                 '23505', NULL, 'a second end stage is refused');
SELECT throws_ok($$INSERT INTO workflow_stages (workflow_id, name, is_other) VALUES ('36000000-0000-4000-8000-000000000001', 'Second other', true)$$,
                 '23505', NULL, 'a second other stage is refused');
SELECT throws_ok($$INSERT INTO workflow_stages (workflow_id, name, is_start, is_end) VALUES ('36000000-0000-4000-8000-000000000001', 'Both', true, true)$$,
                 '23514', NULL, 'a stage is not both start and end');
SELECT throws_ok($$INSERT INTO workflow_stage_hooks (stage_id, hook_type, config) VALUES ('36000000-0000-4000-8000-0000000000a1', 'notification', '{"target_type": "specific_user", "message": "hi"}')$$,
                 '23514', NULL, 'a specific-user hook without its user is refused');
SELECT throws_ok($$INSERT INTO workflow_stage_hooks (stage_id, hook_type, config) VALUES ('36000000-0000-4000-8000-0000000000a1', 'notification', '{"target_type": "role", "message": "hi"}')$$,
                 '23514', NULL, 'a role hook without its role is refused');
SELECT throws_ok($$INSERT INTO workflow_stage_hooks (stage_id, hook_type, config) VALUES ('36000000-0000-4000-8000-0000000000a1', 'notification', '{"target_type": "org_admins"}')$$,
                 '23514', NULL, 'a hook without a message is refused');
SELECT throws_ok($$INSERT INTO workflow_stage_hooks (stage_id, hook_type, config) VALUES ('36000000-0000-4000-8000-0000000000a1', 'notification', '{"target_type": "everyone", "message": "hi"}')$$,
                 '23514', NULL, 'an unknown target is refused');
:as_super
SELECT throws_ok($$UPDATE workflow_stages SET next_stage_id = id WHERE id = '36000000-0000-4000-8000-0000000000a1'$$,
                 '23514', NULL, 'a stage is not its own next (no_self_reference)');
SELECT throws_ok($$UPDATE workflow_stages SET next_stage_id = '36000000-0000-4000-8000-0000000000b1' WHERE id = '36000000-0000-4000-8000-0000000000a1'$$,
                 '23503', NULL, 'nor links to a stage of another workflow');

-- ---- links follow the order; other stands apart ----
:as_xg
SELECT is((SELECT next_stage_id FROM workflow_stages WHERE id = :st_a), :st_b::uuid, 'the links follow the order: start -> working');
SELECT is((SELECT next_stage_id FROM workflow_stages WHERE id = :st_b), :st_c::uuid, 'working -> end');
SELECT is((SELECT prev_stage_id FROM workflow_stages WHERE id = :st_c), :st_b::uuid, 'end <- working');
SELECT ok((SELECT next_stage_id IS NULL AND prev_stage_id IS NULL FROM workflow_stages WHERE id = :st_o), 'other has no links');
SELECT lives_ok($$INSERT INTO workflow_stages (workflow_id, name, position) VALUES ('36000000-0000-4000-8000-000000000001', 'Agent step', 2)$$,
                'an agent adds a stage');
SELECT is((SELECT s.name FROM workflow_stages s JOIN workflow_stages e ON e.prev_stage_id = s.id WHERE e.id = :st_c),
          'Agent step', 'it goes before the end');
INSERT INTO workflow_stage_hooks (stage_id, hook_type, config) VALUES
  (:st_b, 'notification', jsonb_build_object('target_type', 'specific_user', 'target_user_id', :xa::text, 'message', 'Look at it')),
  (:st_b, 'notification', '{"target_type": "org_admins", "message": "Admins too"}'),
  (:st_b, 'notification', '{"target_type": "ticket_creator", "message": "We work on it"}');
:as_xa
SELECT is((SELECT count(*) FROM config_audit WHERE entity IN ('workflow', 'workflow_stage', 'workflow_stage_hook')
           AND organization_id = :x_org), 10::bigint, 'every workflow, stage and hook write is audited once (2 + 5 + 3)');

-- ---- a new ticket starts on its workflow's start stage ----
:as_super
INSERT INTO request_types (id, organization_id, name, default_routing, workflow_id)
VALUES (:rt_x, :x_org, 'Flowed', 'organization', :wf_x);
INSERT INTO tickets (id, requester_id, routing_type, assigned_org_id, organization_id, title, description, request_type_id)
VALUES ('36000000-0000-4000-8000-0000000000d1', :ca, 'organization', :x_org, :x_org, 'Flowed ticket', 'first text', :rt_x);
SELECT is((SELECT current_stage_id FROM tickets WHERE id = '36000000-0000-4000-8000-0000000000d1'), :st_a::uuid,
          'a ticket of the type is on the start stage');
SELECT is((SELECT workflow_id FROM tickets WHERE id = :tx1), NULL, 'a ticket from before stays off any workflow');
SELECT is((SELECT count(*) FROM ticket_history WHERE ticket_id = '36000000-0000-4000-8000-0000000000d1'), 1::bigint,
          'creation writes the first history entry');
:as_xg
SELECT throws_ok($$UPDATE tickets SET current_stage_id = '36000000-0000-4000-8000-0000000000b1' WHERE id = '36000000-0000-4000-8000-0000000000d1'$$,
                 '23514', NULL, 'a stage of another workflow is refused');

-- ---- a move runs the hooks once ----
UPDATE tickets SET current_stage_id = :st_b WHERE id = '36000000-0000-4000-8000-0000000000d1';
:as_super
SELECT is((SELECT count(*) FROM notifications WHERE user_id = :xa AND type = 'staff.workflow'), 2::bigint,
          'the admin, target of two hooks (as the user, as an admin), is notified once by each');
SELECT is((SELECT array_agg(content ORDER BY content) FROM notifications WHERE user_id = :xa AND type = 'staff.workflow'),
          ARRAY['Admins too', 'Look at it'], 'with each hook''s message');
SELECT is((SELECT count(*) FROM notifications WHERE user_id = :ca AND type = 'workflow.stage'), 1::bigint,
          'the requester gets the in-app notice');
SELECT is((SELECT count(*) FROM notifications WHERE user_id = :xg), 0::bigint, 'the agent, no target, gets nothing');
SELECT is((SELECT count(*) FROM outbox WHERE user_id = :xa AND template = 'staff_workflow'), 2::bigint,
          'and an email per notice is queued (the admin''s preference allows it)');
:as_xg
UPDATE tickets SET priority = 'urgent' WHERE id = '36000000-0000-4000-8000-0000000000d1';
:as_super
SELECT is((SELECT count(*) FROM notifications WHERE user_id = :xa AND type = 'staff.workflow'), 2::bigint,
          'another change that is no move fires no hook');

-- ---- the history chain ----
SELECT is((SELECT count(*) FROM ticket_history WHERE ticket_id = '36000000-0000-4000-8000-0000000000d1'), 3::bigint,
          'create, move, priority: three entries');
SELECT is((SELECT latest_history_id FROM tickets WHERE id = '36000000-0000-4000-8000-0000000000d1'),
          (SELECT id FROM ticket_history WHERE ticket_id = '36000000-0000-4000-8000-0000000000d1' ORDER BY seq DESC LIMIT 1),
          'the ticket points at its latest entry');
SELECT is((SELECT count(*) FROM ticket_history h JOIN ticket_history p ON p.id = h.previous_history_id
           WHERE h.ticket_id = '36000000-0000-4000-8000-0000000000d1'), 2::bigint, 'each later entry links to the previous one');
SELECT is((SELECT changes FROM ticket_history WHERE ticket_id = '36000000-0000-4000-8000-0000000000d1' ORDER BY seq DESC LIMIT 1),
          '{"priority": "urgent"}'::jsonb, 'an entry says what it changed');
SELECT is((SELECT changes->>'stage' FROM ticket_history WHERE ticket_id = '36000000-0000-4000-8000-0000000000d1' ORDER BY seq DESC LIMIT 1 OFFSET 1),
          'Working', 'the move''s entry names the stage');
-- tx1 as a ticket from before the migration: no entry yet.
:as_super
DELETE FROM ticket_history WHERE ticket_id = :tx1;
SET LOCAL session_replication_role = replica;
UPDATE tickets SET latest_history_id = NULL WHERE id = :tx1;
SET LOCAL session_replication_role = origin;
:as_xg
UPDATE tickets SET status = 'open' WHERE id = :tx1;
SELECT is((SELECT count(*) FROM ticket_history WHERE ticket_id = :tx1), 0::bigint, 'a change of an untracked field writes none');
UPDATE tickets SET title = 'Alice at Acme (edited)' WHERE id = :tx1;
SELECT is((SELECT array_agg(changes ORDER BY seq) FROM ticket_history WHERE ticket_id = :tx1),
          ARRAY['{"baseline": true}', '{"title": "Alice at Acme (edited)"}']::jsonb[],
          'an older ticket''s first change writes its baseline first');
:as_yg
SELECT is_empty($$SELECT 1 FROM ticket_history WHERE ticket_id = '30000000-0000-4000-8000-000000000001'$$,
                'another organization''s agent reads none of it');
:as_ca
SELECT is_empty($$SELECT 1 FROM ticket_history$$, 'nor does the requester');

-- ---- the views: only through the functions, refreshed by the scheduler ----
:as_xg
SELECT throws_ok($$SELECT 1 FROM agent_tickets$$, '42501', NULL, 'the application role cannot read the view itself');
SELECT throws_ok($$SELECT workflow_views_refresh()$$, '42501', NULL, 'nor refresh it as a user');
:as_anon
SELECT lives_ok($$SELECT workflow_views_refresh()$$, 'the scheduler refreshes both views');
:as_xg
SELECT is((SELECT ticket_count FROM workflow_stage_stats_for(:wf_x) WHERE stage_id = :st_b), 1::bigint,
          'the acme agent reads acme''s stage statistics');
:as_yg
SELECT is_empty($$SELECT 1 FROM workflow_stage_stats_for('36000000-0000-4000-8000-000000000001')$$,
                'a globex agent still reads none of them');
:as_xg
SELECT ok((SELECT count(*) FROM agent_tickets_for(:x_org, NULL, NULL, 500) WHERE title = 'Flowed ticket') = 1,
          'the acme agent reads acme''s tickets in agent_tickets');
:as_yg
SELECT is_empty($$SELECT 1 FROM agent_tickets_for('10000000-0000-4000-8000-00000000000a', NULL, NULL, 500)$$,
                'a globex agent reads none of acme''s');

SELECT * FROM finish();
ROLLBACK;
