-- The stage report's moves after 0044: the history writer names a move's
-- organization itself (the extra trigger of 0043 is gone), and
-- report_stage_moves() answers nobody but the organization's staff and
-- platform admins (negative cases first), with the moves the 0043
-- statement read under row-level security, whatever the filters.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(35);
:tap_grants

\set wf_x   '''44000000-0000-4000-8000-000000000001'''
\set st_a   '''44000000-0000-4000-8000-0000000000a1'''
\set st_b   '''44000000-0000-4000-8000-0000000000a2'''
\set team_x '''44000000-0000-4000-8000-0000000000b1'''
\set tn     '''44000000-0000-4000-8000-0000000000c1'''
-- The 0043 statement's moves of acme (its CTE m), read under row-level
-- security, with the team or agent filter appended: what the function must
-- answer the same.
\set old_moves 'SELECT h.workflow_stage_id, h.changed_at, lead(h.changed_at) OVER (PARTITION BY h.ticket_id ORDER BY h.seq) FROM ticket_history h JOIN tickets t ON t.id = h.ticket_id WHERE h.changes ? ''stage_id'' AND (h.workflow_stage_id IS NOT NULL OR NOT h.changes ? ''created'') AND h.organization_id = ''10000000-0000-4000-8000-00000000000a'' AND h.changed_at >= ''-infinity'' AND t.deleted_at IS NULL AND NOT t.is_spam'
\set new_moves 'SELECT * FROM report_stage_moves(''10000000-0000-4000-8000-00000000000a'', ''-infinity'', NULL, NULL)'

:as_super
INSERT INTO workflows (id, organization_id, name) VALUES (:wf_x, :x_org, 'Acme flow');
INSERT INTO workflow_stages (id, workflow_id, name, is_start, position) VALUES (:st_a, :wf_x, 'Intake', true, 0);
INSERT INTO workflow_stages (id, workflow_id, name, position) VALUES (:st_b, :wf_x, 'Work', 1);
INSERT INTO teams (id, organization_id, name) VALUES (:team_x, :x_org, 'Printers');
-- tx1, tx2 and ti1 were made before the workflow: they follow it from now
-- on. tx2 is as old as a ticket from before 0036: no history entry yet.
UPDATE tickets SET workflow_id = :wf_x WHERE id IN (:tx1, :tx2, :ti1);
UPDATE tickets SET latest_history_id = NULL WHERE id = :tx2;
DELETE FROM ticket_history WHERE ticket_id = :tx2;
-- tn is created on the workflow's start stage.
INSERT INTO tickets (id, requester_id, routing_type, assigned_org_id, organization_id, title, description, priority)
VALUES (:tn, :ca, 'organization', :x_org, :x_org, 'Created on a stage', 'toner', 'normal');
:as_xg
UPDATE tickets SET current_stage_id = :st_a WHERE id = :tx1;
UPDATE tickets SET current_stage_id = :st_b WHERE id = :tx1;
UPDATE tickets SET priority = 'low' WHERE id = :tx1;
UPDATE tickets SET current_stage_id = :st_a WHERE id = :tx2;
:as_pa
UPDATE tickets SET current_stage_id = :st_a WHERE id = :ti1;

-- ---- the extra trigger is gone ----
SELECT hasnt_trigger('ticket_history', 'ticket_history_move_org', 'ticket_history has no trigger of its own left');
SELECT hasnt_function('ticket_history_move_org', 'nor its function');

-- ---- nobody else reads the organization's moves ----
:as_super
SELECT ok(NOT has_function_privilege('public', 'report_stage_moves(uuid, timestamptz, uuid, uuid)', 'EXECUTE'),
          'PUBLIC may not call report_stage_moves');
SELECT ok((SELECT prosecdef AND 'search_path=public, pg_temp' = ANY (proconfig) FROM pg_proc
           WHERE oid = 'report_stage_moves(uuid, timestamptz, uuid, uuid)'::regprocedure),
          'it is SECURITY DEFINER with its search_path set');
:as_yg
SELECT is_empty(:'new_moves', 'another organization''s agent reads none of acme''s moves');
SELECT is_empty($$SELECT 1 FROM report_stage_moves('10000000-0000-4000-8000-00000000000a', '-infinity', NULL, '20000000-0000-4000-8000-0000000000b2')$$,
                'not even with acme''s agent as the filter');
:as_ca
SELECT is_empty(:'new_moves', 'a customer, requester of the tickets, reads none');
:as_pg
SELECT is_empty(:'new_moves', 'a platform agent, who reads no organization''s workflows, reads none either');
:as_unset
SELECT is_empty(:'new_moves', 'nor does a connection with no acting user set');
:as_anon
SELECT is_empty(:'new_moves', 'nor one whose acting user is empty');
:as_nb
SELECT is_empty(:'new_moves', 'nor a user of no organization');
:as_pa
SELECT is_empty($$SELECT 1 FROM report_stage_moves(NULL, '-infinity', NULL, NULL)$$,
                'no organization named: nothing, even for a platform admin');
:as_xg
SELECT is_empty($$SELECT 1 FROM report_stage_moves('10000000-0000-4000-8000-00000000000b', '-infinity', NULL, NULL)$$,
                'the acme agent reads nothing naming globex');

-- ---- a move names the organization working the ticket ----
:as_super
SELECT is((SELECT array_agg(organization_id::text ORDER BY seq) FROM ticket_history WHERE ticket_id = :tx1),
          ARRAY[NULL, '10000000-0000-4000-8000-00000000000a', '10000000-0000-4000-8000-00000000000a', NULL],
          'moves by UPDATE of tickets name acme; the creation on no stage and the priority change name nobody');
SELECT is((SELECT array_agg(coalesce(organization_id::text, changes::text) ORDER BY seq) FROM ticket_history WHERE ticket_id = :tx2),
          ARRAY['{"baseline": true}', '10000000-0000-4000-8000-00000000000a'],
          'a ticket older than the history: its baseline names nobody, its move names acme');
SELECT is((SELECT array_agg(organization_id::text || ' ' || (workflow_stage_id = :st_a)) FROM ticket_history WHERE ticket_id = :tn),
          ARRAY['10000000-0000-4000-8000-00000000000a true'], 'a creation on a stage is a move and names acme');
SELECT is((SELECT array_agg(coalesce(organization_id::text, 'none') ORDER BY seq) FROM ticket_history
           WHERE ticket_id = :ti1 AND changes ? 'stage_id' AND NOT changes ? 'created'),
          ARRAY['none'], 'an internal ticket''s move names no organization');
SELECT is((SELECT changed_by FROM ticket_history WHERE ticket_id = :tx1 AND workflow_stage_id = :st_b AND changes ? 'stage_id'),
          :xg::uuid, 'the writer still records who moved it');
SELECT is((SELECT count(*) FROM ticket_history WHERE ticket_id = :tx2 AND previous_history_id IS NOT NULL), 1::bigint,
          'and links the move to the baseline');

-- ---- the organization's staff and platform admins read the same as before ----
:as_xg
SELECT results_eq($$SELECT stage_id, left_at IS NULL FROM report_stage_moves('10000000-0000-4000-8000-00000000000a', '-infinity', NULL, NULL) ORDER BY 1, 2$$,
                  $$VALUES ('44000000-0000-4000-8000-0000000000a1'::uuid, false), ('44000000-0000-4000-8000-0000000000a1', true),
                           ('44000000-0000-4000-8000-0000000000a1', true), ('44000000-0000-4000-8000-0000000000a2', true)$$,
                  'the acme agent reads the four moves: tx1 left Intake for Work, tx2 and the new ticket are on Intake');
SELECT bag_eq(:'new_moves', :'old_moves', 'the same moves as the 0043 statement under row-level security');
:as_xa
SELECT bag_eq(:'new_moves', :'old_moves', 'for the acme admin too');
:as_pa
SELECT bag_eq(:'new_moves', :'old_moves', 'and for a platform admin');
SELECT is((SELECT count(*) FROM report_stage_moves(:x_org, '-infinity', NULL, NULL)), 4::bigint,
          'who reads the four (the internal ticket''s move is no organization''s)');

-- the filters
:as_super
UPDATE tickets SET team_id = :team_x WHERE id = :tx1;
:as_xg
UPDATE tickets SET assignee_id = :xg WHERE id = :tx2;
SELECT bag_eq($$SELECT * FROM report_stage_moves('10000000-0000-4000-8000-00000000000a', '-infinity', '44000000-0000-4000-8000-0000000000b1', NULL)$$,
              :'old_moves' || $$ AND t.team_id = '44000000-0000-4000-8000-0000000000b1'$$, 'a team narrows them as before');
SELECT is((SELECT count(*) FROM report_stage_moves(:x_org, '-infinity', :team_x, NULL)), 2::bigint,
          'to the team''s ticket''s two moves');
SELECT bag_eq($$SELECT * FROM report_stage_moves('10000000-0000-4000-8000-00000000000a', '-infinity', NULL, '20000000-0000-4000-8000-0000000000b2')$$,
              :'old_moves' || $$ AND t.assignee_id = '20000000-0000-4000-8000-0000000000b2'$$, 'an agent narrows them as before');
SELECT is((SELECT count(*) FROM report_stage_moves(:x_org, '-infinity', NULL, :xg)), 1::bigint,
          'to the move of the agent''s ticket');
SELECT is_empty($$SELECT 1 FROM report_stage_moves('10000000-0000-4000-8000-00000000000a', '-infinity', '44000000-0000-4000-8000-0000000000b1', '20000000-0000-4000-8000-0000000000b2')$$,
                'both: the team''s ticket is not the agent''s');

-- the range's start: tx1 moved two days ago
:as_super
UPDATE ticket_history SET changed_at = now() - interval '2 days' WHERE ticket_id = :tx1;
:as_xg
SELECT is((SELECT count(*) FROM report_stage_moves(:x_org, now() - interval '1 day', NULL, NULL)), 2::bigint,
          'moves before the start are left out');

-- spam, deleted, and a ticket since routed to globex
:as_super
UPDATE tickets SET is_spam = true WHERE id = :tx1;
UPDATE tickets SET is_spam = true, deleted_at = now() WHERE id = :tn;
:as_xg
SELECT bag_eq(:'new_moves', :'old_moves', 'spam and deleted tickets are left out as before');
SELECT is((SELECT count(*) FROM report_stage_moves(:x_org, '-infinity', NULL, NULL)), 1::bigint,
          'leaving tx2''s move');
:as_super
UPDATE tickets SET assigned_org_id = :y_org, organization_id = :y_org WHERE id = :tx2;
:as_xg
SELECT is_empty(:'new_moves', 'a ticket another organization works now: acme''s staff read its acme moves no more, as under row-level security');
:as_pa
SELECT bag_eq(:'new_moves', :'old_moves', 'a platform admin still does, as before');
SELECT is((SELECT count(*) FROM report_stage_moves(:x_org, '-infinity', NULL, NULL)), 1::bigint, 'that one move');

SELECT * FROM finish();
ROLLBACK;
