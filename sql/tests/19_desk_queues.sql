-- The desk's queues (0019): the desk scope with RLS, deleting spam
-- (desk_spam_delete and the restrictive policy that hides deleted tickets),
-- the spam audit trigger, desk_sla_state() and the queue indexes.
-- Negative cases first: Globex's agent, a customer and anonymous count,
-- list and delete nothing of Acme's.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(59);
:tap_grants

\set tx1_number '(SELECT number FROM tickets WHERE id = ''30000000-0000-4000-8000-000000000001'')'
UPDATE tickets SET is_spam = true WHERE id = :tx1;
SELECT number AS tx1_no FROM tickets WHERE id = :tx1 \gset
SELECT number AS tx2_no FROM tickets WHERE id = :tx2 \gset
SELECT number AS ty1_no FROM tickets WHERE id = :ty1 \gset

-- What the desk's queries add to RLS: the agent's routing organizations.
\set desk_scope 't.routing_type <> ''internal'' AND t.assigned_org_id = ANY ((SELECT app_staff_org_ids())::uuid[])'

-- ---------------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------------
SELECT ok(has_function_privilege('supportdesk_app', 'desk_spam_delete(text)', 'EXECUTE')
          AND has_function_privilege('supportdesk_app',
                'desk_sla_state(text, timestamptz, timestamptz, timestamptz, timestamptz, timestamptz, timestamptz, integer, timestamptz)',
                'EXECUTE'),
          'app may execute the desk functions');
SELECT ok(NOT has_function_privilege('public', 'desk_spam_delete(text)', 'EXECUTE')
          AND NOT has_function_privilege('public', 'desk_ticket_people(uuid[])', 'EXECUTE')
          AND NOT has_function_privilege('public', 'desk_messages_match(uuid, tsquery)', 'EXECUTE')
          AND NOT has_function_privilege('public', 'desk_requester_ids(text)', 'EXECUTE')
          AND NOT has_function_privilege('public', 'desk_agents(boolean, uuid)', 'EXECUTE'),
          'PUBLIC may not run the SECURITY DEFINER desk functions');
SELECT ok(NOT has_column_privilege('supportdesk_app', 'tickets', 'deleted_at', 'UPDATE')
          AND NOT has_column_privilege('supportdesk_app', 'tickets', 'deleted_by', 'UPDATE'),
          'app may not write deleted_at or deleted_by');
SELECT is((SELECT prosecdef AND proconfig::text LIKE '%search_path%' FROM pg_proc WHERE proname = 'desk_spam_delete'),
          true, 'desk_spam_delete is SECURITY DEFINER with a search_path');
SELECT is((SELECT polpermissive FROM pg_policy WHERE polname = 'tickets_not_deleted'), false,
          'deleted tickets are hidden by a RESTRICTIVE policy');

-- ---------------------------------------------------------------------------
-- Negative: Globex's agent, a customer, anonymous
-- ---------------------------------------------------------------------------
:as_yg
SELECT is((SELECT count(*) FROM (SELECT 1 FROM tickets t WHERE :desk_scope AND t.assigned_org_id = :x_org LIMIT 1000) x),
          0::bigint, 'Globex agent: no Acme ticket in any desk count');
SELECT is((SELECT count(*) FROM (SELECT 1 FROM tickets t WHERE t.assigned_org_id = :x_org AND t.is_spam LIMIT 1000) x),
          0::bigint, 'Globex agent: not even with Acme as the organization filter (spam queue)');
SELECT is_empty($$SELECT 1 FROM tickets t WHERE t.search @@ portal_tsquery('printer')$$,
                'Globex agent: Acme tickets never match a search');
SELECT is_empty($$SELECT 1 FROM ticket_messages m WHERE m.search @@ portal_tsquery('SECRET acme')$$,
                'nor Acme''s internal notes');
SELECT is(desk_spam_delete(:'tx1_no'), 'not_found', 'Globex agent cannot delete Acme''s spam');
SELECT is((SELECT count(*) FROM tickets WHERE id = :tx1), 0::bigint, 'nor see it');
SELECT throws_ok($$UPDATE tickets SET deleted_at = now() WHERE id = '30000000-0000-4000-8000-000000000003'$$,
                 '42501', NULL, 'nobody in the app writes deleted_at directly, even on their own org''s ticket');
:as_ca
SELECT is((SELECT count(*) FROM (SELECT 1 FROM tickets t WHERE :desk_scope LIMIT 1000) x), 0::bigint,
          'customer: the desk scope holds nothing (no staff organization)');
SELECT is(desk_spam_delete(:'tx1_no'), 'not_found', 'the requester cannot delete their own ticket as spam');
SELECT is((SELECT count(*) FROM tickets WHERE id = :tx1 AND is_spam), 1::bigint, 'though they see it');
:as_anon
SELECT is(desk_spam_delete(:'tx1_no'), 'not_found', 'anonymous cannot delete');
:as_super
SELECT ok((SELECT deleted_at FROM tickets WHERE id = :tx1) IS NULL, 'nothing was deleted by the refusals');
SELECT is((SELECT count(*) FROM ticket_activity WHERE activity_type = 'deleted'), 0::bigint, 'and nothing audited');

-- The queue's helpers (SECURITY DEFINER) answer nothing outside the
-- policies: not Globex's agent about Acme, not the requester about the
-- internal notes of their own ticket.
:as_yg
SELECT is_empty($$SELECT 1 FROM desk_ticket_people(ARRAY['30000000-0000-4000-8000-000000000001'::uuid])$$,
                'Globex agent: no requester or assignee of Acme''s tickets');
SELECT is(desk_messages_match(:tx2, portal_tsquery('SECRET')), false, 'Globex agent: no message match on Acme''s');
SELECT is(desk_requester_ids('alice@t.example'), '{}'::uuid[], 'Globex agent: alice requested nothing of theirs');
SELECT is_empty($$SELECT 1 FROM desk_agents(false, '10000000-0000-4000-8000-00000000000a')$$,
                'Globex agent: no Acme staff to assign, even asking for Acme');
SELECT is((SELECT array_agg(id) FROM desk_agents(false, NULL)), ARRAY[:yg::uuid], 'only their own colleagues (themselves)');
:as_ca
SELECT is(desk_messages_match(:tx1, portal_tsquery('SECRET')), false,
          'the requester cannot probe the internal notes of her own ticket');
SELECT is_empty($$SELECT 1 FROM desk_ticket_people(ARRAY['30000000-0000-4000-8000-000000000004'::uuid])$$,
                'nor read people through it');
SELECT is_empty($$SELECT 1 FROM desk_agents(true, NULL)$$, 'a customer lists no staff');
:as_xg
SELECT is(desk_messages_match(:tx1, portal_tsquery('SECRET acme')), true, 'Acme agent: the internal note matches');
SELECT is((SELECT requester FROM desk_ticket_people(ARRAY[:tx1::uuid])), 'Alice', 'and the requester is named');
SELECT is(desk_requester_ids('ALICE@t.example'), ARRAY[:ca::uuid], 'and found by address, any case');
SELECT is((SELECT array_agg(id ORDER BY id) FROM desk_agents(false, NULL)), ARRAY[:xa::uuid, :xg::uuid],
          'Acme agent: Acme''s admin and agent may be assigned');
:as_pg
SELECT ok((SELECT count(*) FROM desk_agents(true, NULL) WHERE id IN (:xa, :yg, :pa, :pg)) = 4,
          'platform staff: every organization''s staff and the platform''s');

-- ---------------------------------------------------------------------------
-- Acme's agent
-- ---------------------------------------------------------------------------
:as_xg
SELECT is((SELECT count(*) FROM (SELECT 1 FROM tickets t WHERE :desk_scope LIMIT 1000) x), 2::bigint,
          'Acme agent: the desk scope holds Acme''s two tickets');
SELECT is((SELECT count(*) FROM (SELECT 1 FROM tickets t WHERE :desk_scope AND t.assigned_org_id = :y_org LIMIT 1000) x),
          0::bigint, 'and none of Globex''s with Globex as the filter');
SELECT is(desk_spam_delete(:'tx2_no'), 'not_spam', 'a ticket that is not spam is not deleted');
SELECT is(desk_spam_delete(:'ty1_no'), 'not_found', 'nor Globex''s');
SELECT is(desk_spam_delete('NOPE-2020-01-00001'), 'not_found', 'nor an unknown number');

-- Spam marked and cleared: audited with the actor.
UPDATE tickets SET is_spam = true WHERE id = :tx2;
UPDATE tickets SET is_spam = false WHERE id = :tx2;
:as_super
SELECT is((SELECT array_agg(activity_type || ':' || actor_id ORDER BY created_at) FROM ticket_activity
           WHERE ticket_id = :tx2 AND activity_type LIKE 'spam%'),
          ARRAY['spam_marked:' || :xg, 'spam_cleared:' || :xg], 'spam marked and cleared, by the Acme agent');
SELECT is((SELECT bool_and(is_internal) FROM ticket_activity WHERE ticket_id = :tx2 AND activity_type LIKE 'spam%'),
          true, 'as internal activity');
:as_ca
SELECT is_empty($$SELECT 1 FROM ticket_activity WHERE activity_type LIKE 'spam%'$$,
                'which the requester never sees');

:as_xg
SELECT is(desk_spam_delete(:'tx1_no'), 'ok', 'Acme agent deletes Acme''s spam');
SELECT is((SELECT count(*) FROM tickets WHERE id = :tx1), 0::bigint, 'it is gone for them');
SELECT is((SELECT count(*) FROM ticket_messages WHERE ticket_id = :tx1), 0::bigint, 'with its messages');
SELECT is((SELECT count(*) FROM ticket_activity WHERE ticket_id = :tx1), 0::bigint, 'and its activity');
SELECT is(desk_spam_delete(:'tx1_no'), 'not_found', 'deleting twice: not found');
SELECT is((SELECT count(*) FROM tickets WHERE number = :'tx1_no'), 0::bigint, 'and no bulk UPDATE can find it');
:as_pa
SELECT is((SELECT count(*) FROM tickets WHERE id = :tx1), 0::bigint, 'gone for platform staff too');
:as_ca
SELECT is((SELECT count(*) FROM tickets WHERE id = :tx1), 0::bigint, 'and for its requester');
:as_super
SELECT is((SELECT status || ' ' || (deleted_by = :xg)::text || ' ' || (deleted_at IS NOT NULL)::text
           FROM tickets WHERE id = :tx1), 'cancelled true true', 'kept for the owner: cancelled, who, when');
SELECT is((SELECT actor_id FROM ticket_activity WHERE ticket_id = :tx1 AND activity_type = 'deleted'), :xg::uuid,
          'the deletion is audited with the actor');
SELECT throws_ok($$UPDATE tickets SET deleted_at = now() WHERE id = '30000000-0000-4000-8000-000000000002'$$,
                 '23514', NULL, 'only spam is ever deleted');

-- The activity vocabulary kept its old values.
SELECT lives_ok($$INSERT INTO ticket_activity (ticket_id, activity_type, description, is_internal)
                  VALUES ('30000000-0000-4000-8000-000000000002', 'escalated', 'still allowed', true)$$,
                'older activity types still allowed');
SELECT throws_ok($$INSERT INTO ticket_activity (ticket_id, activity_type, description, is_internal)
                   VALUES ('30000000-0000-4000-8000-000000000002', 'bogus', 'no', true)$$,
                 '23514', NULL, 'unknown activity types still refused');

-- ---------------------------------------------------------------------------
-- desk_sla_state: created 08:00, first response due 10:40, resolution due
-- 18:00 (warning 75%: the first response is at risk from 10:00).
-- ---------------------------------------------------------------------------
SELECT is(desk_sla_state('open', NULL, '2030-01-01 08:00Z', NULL, '2030-01-01 10:40Z', NULL, '2030-01-01 18:00Z', 75,
                         '2030-01-01 09:59Z'), 'ok', 'ok before the warning point');
SELECT is(desk_sla_state('open', NULL, '2030-01-01 08:00Z', NULL, '2030-01-01 10:40Z', NULL, '2030-01-01 18:00Z', 75,
                         '2030-01-01 10:10Z'), 'at_risk', 'at risk from 75% of the span');
SELECT is(desk_sla_state('in_progress', NULL, '2030-01-01 08:00Z', NULL, '2030-01-01 10:40Z', NULL, '2030-01-01 18:00Z',
                         75, '2030-01-01 10:40Z'), 'breached', 'breached at the due time');
SELECT is(desk_sla_state('open', NULL, '2030-01-01 08:00Z', '2030-01-01 09:00Z', '2030-01-01 10:40Z', NULL,
                         '2030-01-01 18:00Z', 75, '2030-01-01 11:00Z'), 'ok',
          'a met first response no longer counts; resolution is on track');
SELECT is(desk_sla_state('waiting_customer', '2030-01-01 09:00Z', '2030-01-01 08:00Z', NULL, '2030-01-01 10:40Z', NULL,
                         '2030-01-01 18:00Z', 75, '2030-01-01 20:00Z'), 'paused', 'waiting on the customer: paused');
SELECT ok(desk_sla_state('resolved', NULL, '2030-01-01 08:00Z', '2030-01-01 09:00Z', '2030-01-01 10:40Z',
                         '2030-01-01 12:00Z', '2030-01-01 18:00Z', 75, '2030-01-02 00:00Z') IS NULL
          AND desk_sla_state('open', NULL, '2030-01-01 08:00Z', NULL, NULL, NULL, NULL, NULL, '2030-01-02 00:00Z') IS NULL,
          'no state when done, or without a policy');

-- ---------------------------------------------------------------------------
-- Indexes
-- ---------------------------------------------------------------------------
SELECT ok((SELECT count(*) FROM pg_indexes WHERE tablename = 'tickets' AND indexname IN
           ('tickets_desk_active_activity_idx', 'tickets_desk_assignee_activity_idx', 'tickets_desk_sla_idx',
            'tickets_desk_done_activity_idx', 'tickets_desk_all_active_activity_idx', 'tickets_deleted_by_idx')) = 6,
          'the queue indexes exist');

SELECT * FROM finish();
ROLLBACK;
