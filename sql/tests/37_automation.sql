-- Automation (0037): triggers, time rules and macros. An org admin never
-- sees or edits another organization's rules, agents read none of the
-- triggers and time rules and write no shared macro; then the engine:
-- conditions, actions, the loop guard, time rules once per window, macros.
-- Negative cases first.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(50);
:tap_grants

\set xtr   '''65000000-0000-4000-8000-000000000001'''
\set ytr   '''65000000-0000-4000-8000-000000000002'''
\set ytime '''65000000-0000-4000-8000-000000000003'''
\set xmac  '''65000000-0000-4000-8000-000000000004'''
\set ymac  '''65000000-0000-4000-8000-000000000005'''
\set xteam '''65000000-0000-4000-8000-000000000006'''
\set tnew  '''65000000-0000-4000-8000-000000000007'''
\set told  '''65000000-0000-4000-8000-000000000008'''

:as_super
INSERT INTO teams (id, organization_id, name) VALUES (:xteam, :x_org, 'Billing');
INSERT INTO automation_triggers (id, organization_id, name, actions) VALUES
  (:ytr, :y_org, 'Globex rule', '[{"type": "priority", "value": "urgent"}]');
INSERT INTO automation_time_rules (id, organization_id, name, time_event, minutes, actions) VALUES
  (:ytime, :y_org, 'Globex time', 'created', 60, '[{"type": "status", "value": "closed"}]');
INSERT INTO macros (id, organization_id, name, actions) VALUES
  (:ymac, :y_org, 'Globex macro', '[{"type": "status", "value": "closed"}]');

-- ---- an org admin never sees or edits another organization's rules ----
:as_xa
SELECT throws_ok($$INSERT INTO automation_triggers (organization_id, name, actions) VALUES ('10000000-0000-4000-8000-00000000000b', 'x', '[{"type": "priority", "value": "low"}]')$$,
                 '42501', NULL, 'acme admin cannot create a globex trigger');
SELECT is((SELECT count(*) FROM automation_triggers WHERE organization_id = :y_org), 0::bigint, 'acme admin sees no globex trigger');
SELECT is_empty($$UPDATE automation_triggers SET name = 'pwned' WHERE id = '65000000-0000-4000-8000-000000000002' RETURNING 1$$,
                'acme admin cannot change a globex trigger');
SELECT is_empty($$DELETE FROM automation_triggers WHERE id = '65000000-0000-4000-8000-000000000002' RETURNING 1$$,
                'acme admin cannot delete a globex trigger');
SELECT is((SELECT count(*) FROM automation_time_rules), 0::bigint, 'acme admin sees no globex time rule');
SELECT is_empty($$UPDATE automation_time_rules SET minutes = 1 WHERE id = '65000000-0000-4000-8000-000000000003' RETURNING 1$$,
                'acme admin cannot change a globex time rule');
SELECT throws_ok($$INSERT INTO automation_time_rules (organization_id, name, time_event, minutes, actions) VALUES ('10000000-0000-4000-8000-00000000000b', 'x', 'created', 1, '[{"type": "priority", "value": "low"}]')$$,
                 '42501', NULL, 'acme admin cannot create a globex time rule');
SELECT is((SELECT count(*) FROM macros WHERE organization_id = :y_org), 0::bigint, 'acme admin sees no globex macro');
SELECT is_empty($$UPDATE macros SET name = 'pwned' WHERE id = '65000000-0000-4000-8000-000000000005' RETURNING 1$$,
                'acme admin cannot change a globex macro');
SELECT is((SELECT count(*) FROM config_audit WHERE entity IN ('trigger', 'time_rule', 'macro') AND organization_id = :y_org),
          0::bigint, 'acme admin reads none of globex''s automation audit rows');

-- ---- agents: no triggers or time rules at all; shared macros read-only ----
:as_xa
INSERT INTO automation_triggers (id, organization_id, name, position, conditions, actions) VALUES
  (:xtr, :x_org, 'Billing route', 1, '[{"field": "title", "op": "contains", "value": "invoice"}]',
   '[{"type": "team", "value": "65000000-0000-4000-8000-000000000006"}, {"type": "add_tag", "value": "billing"},
     {"type": "priority", "value": "high"}]');
INSERT INTO macros (id, organization_id, name, actions, reply) VALUES
  (:xmac, :x_org, 'Ask for details', '[{"type": "status", "value": "waiting_customer"}]',
   'Hello {{requester.name}}, about {{ticket.number}}: more details please. {{agent.name}}');
:as_xg
SELECT is((SELECT count(*) FROM automation_triggers), 0::bigint, 'an acme agent reads no trigger');
SELECT throws_ok($$INSERT INTO automation_triggers (organization_id, name, actions) VALUES ('10000000-0000-4000-8000-00000000000a', 'x', '[{"type": "priority", "value": "low"}]')$$,
                 '42501', NULL, 'an acme agent cannot create a trigger');
SELECT is_empty($$UPDATE automation_triggers SET is_active = false RETURNING 1$$, 'an acme agent cannot switch a trigger off');
SELECT throws_ok($$INSERT INTO automation_time_rules (organization_id, name, time_event, minutes, actions) VALUES ('10000000-0000-4000-8000-00000000000a', 'x', 'created', 1, '[{"type": "priority", "value": "low"}]')$$,
                 '42501', NULL, 'an acme agent cannot create a time rule');
SELECT is((SELECT count(*) FROM macros), 1::bigint, 'an acme agent reads the shared acme macro only');
SELECT throws_ok($$INSERT INTO macros (organization_id, name, reply) VALUES ('10000000-0000-4000-8000-00000000000a', 'x', 'y')$$,
                 '42501', NULL, 'an acme agent cannot create a shared macro');
SELECT is_empty($$UPDATE macros SET name = 'pwned' RETURNING 1$$, 'an acme agent cannot change a shared macro');
SELECT throws_ok($$UPDATE macros SET usage_count = 99$$, '42501', NULL, 'the use counter is not writable');
SELECT lives_ok($$INSERT INTO macros (organization_id, owner_id, name, reply) VALUES ('10000000-0000-4000-8000-00000000000a', '20000000-0000-4000-8000-0000000000b2', 'Mine', 'hi')$$,
                'an acme agent creates a personal macro');
:as_xa
SELECT is((SELECT count(*) FROM macros WHERE owner_id IS NOT NULL), 0::bigint, 'a personal macro is its owner''s alone');
:as_yg
SELECT is(macro_apply(:xmac, :tx1), 'not_found', 'a globex agent cannot apply a macro to an acme ticket');
:as_xg
SELECT is(macro_apply(:ymac, :tx1), 'no_macro', 'an acme agent cannot apply a globex macro');
SELECT throws_ok('SELECT automation_time_run(10)', '42501', NULL, 'the time rules run without an acting user only');
:as_super
SELECT ok(NOT EXISTS (SELECT FROM pg_proc p, aclexplode(p.proacl) a
                      WHERE p.proname IN ('automation_run', 'automation_apply', 'automation_time_run', 'macro_apply')
                        AND a.grantee = 0), 'the engine''s functions are not executable by PUBLIC');
SELECT throws_ok($$INSERT INTO automation_triggers (organization_id, name, conditions, actions) VALUES ('10000000-0000-4000-8000-00000000000a', 'x', '[{"field": "nope", "op": "is", "value": "1"}]', '[{"type": "priority", "value": "low"}]')$$,
                 '23514', NULL, 'an unknown condition field is refused');
SELECT throws_ok($$INSERT INTO automation_triggers (organization_id, name, actions) VALUES ('10000000-0000-4000-8000-00000000000a', 'x', '[{"type": "priority", "value": "extreme"}]')$$,
                 '23514', NULL, 'an action value outside its set is refused');

-- ---- the engine: created, by any writer ----
:as_super
INSERT INTO tickets (id, requester_id, routing_type, assigned_org_id, organization_id, title, description)
VALUES (:tnew, :ca, 'organization', :x_org, :x_org, 'Wrong INVOICE total', 'please fix');
:as_super
SELECT is((SELECT team_id FROM tickets WHERE id = :tnew), :xteam::uuid, 'the trigger routed the ticket to Billing');
SELECT is((SELECT tags FROM tickets WHERE id = :tnew), '{billing}'::text[], 'and tagged it');
SELECT is((SELECT priority FROM tickets WHERE id = :tnew), 'high', 'and raised its priority');
SELECT is((SELECT description FROM ticket_activity WHERE ticket_id = :tnew AND activity_type = 'automation'),
          'Trigger: Billing route', 'the activity log names the trigger');
SELECT is((SELECT actor_id FROM ticket_activity WHERE ticket_id = :tnew AND activity_type = 'automation'), NULL::uuid,
          'the automation acts as the system');
SELECT is((SELECT count(*) FROM ticket_activity WHERE ticket_id = :tx2 AND activity_type = 'automation'), 0::bigint,
          'a ticket that matches nothing is left alone');
SELECT is((SELECT actor_id::text || '/' || action FROM config_audit WHERE entity = 'trigger' AND entity_id = :xtr),
          '20000000-0000-4000-8000-0000000000b1/insert', 'the trigger''s creation is audited');

-- ---- any, message events, the requester's domain ----
INSERT INTO automation_triggers (organization_id, name, position, match_all, events, conditions, actions) VALUES
  (:x_org, 'Customer says urgent', 2, false, '{message}',
   '[{"field": "message", "op": "contains", "value": "urgent"}, {"field": "message", "op": "contains", "value": "asap"}]',
   '[{"type": "priority", "value": "urgent"}, {"type": "add_tag", "value": "rush"}]'),
  (:x_org, 'Staff domain', 3, true, '{message}',
   '[{"field": "message_from", "op": "is", "value": "customer"}, {"field": "requester_domain", "op": "is", "value": "t.example"}]',
   '[{"type": "add_tag", "value": "from-t"}]');
:as_cb
INSERT INTO ticket_messages (ticket_id, author_id, body) VALUES (:tx2, :cb, 'Please, ASAP!');
:as_super
SELECT is((SELECT priority FROM tickets WHERE id = :tx2), 'urgent', 'any of the conditions: the customer''s message raised the priority');
SELECT is((SELECT tags FROM tickets WHERE id = :tx2), '{rush,from-t}'::text[], 'both message triggers ran, in order');

-- ---- the loop guard ----
INSERT INTO automation_triggers (organization_id, name, position, events, actions) VALUES
  (:x_org, 'Ping', 4, '{updated,message}', '[{"type": "note", "value": "ping {{ticket.number}}"}, {"type": "remove_tag", "value": "rush"}]');
-- A later transaction, as far as the engine knows (the fixtures' tickets
-- were created in this one, so their updates would count as the creation).
SELECT set_config('app.automation_created', '', true) AS c, set_config('app.automation_fired', '', true) AS f \gset reset_
:as_xg
UPDATE tickets SET priority = 'low' WHERE id = :tx2;
:as_super
SELECT is((SELECT count(*) FROM ticket_activity WHERE ticket_id = :tx2 AND description = 'Trigger: Ping'), 1::bigint,
          'a trigger whose actions re-satisfy it runs once per change');
SELECT is((SELECT count(*) FROM ticket_messages WHERE ticket_id = :tx2 AND body LIKE 'ping ACME-%'), 1::bigint,
          'one note, its placeholder filled in');
SELECT is((SELECT tags FROM tickets WHERE id = :tx2), '{from-t}'::text[], 'its tag removal applied');

-- ---- time rules: once per rule, ticket and window ----
INSERT INTO tickets (id, requester_id, routing_type, assigned_org_id, organization_id, title, description, status, created_at)
VALUES (:told, :cb, 'organization', :x_org, :x_org, 'Old one', 'waiting', 'waiting_customer', now() - interval '5 minutes');
INSERT INTO automation_time_rules (organization_id, name, time_event, minutes, conditions, actions) VALUES
  (:x_org, 'Remind after 1 min', 'created', 1, '[{"field": "status", "op": "is", "value": "waiting_customer"}]',
   '[{"type": "email_requester", "value": "Still there, {{requester.name}}?"}]'),
  (:x_org, 'Close after a week', 'created', 10080, '[]', '[{"type": "status", "value": "closed"}]');
:as_unset
SELECT is(automation_time_run(100), 1, 'the due rule fires for the waiting ticket only');
SELECT is(automation_time_run(100), 0, 'and not a second time');
:as_super
SELECT is((SELECT count(*) FROM outbox WHERE ticket_id = :told AND template = 'automation_email'), 1::bigint, 'one reminder queued');
SELECT is((SELECT template_data->>'body' FROM outbox WHERE ticket_id = :told AND template = 'automation_email'),
          'Still there, Bob?', 'its text filled in');
SELECT is((SELECT status FROM tickets WHERE id = :told), 'waiting_customer', 'the week-long rule has not fired');
SELECT is((SELECT description FROM ticket_activity WHERE ticket_id = :told AND activity_type = 'automation'),
          'Time rule: Remind after 1 min', 'the activity log names the time rule');

-- ---- macros ----
:as_xg
SELECT is(macro_apply(:xmac, :tx1), 'ok', 'the agent applies the shared macro');
:as_super
SELECT is((SELECT status FROM tickets WHERE id = :tx1), 'waiting_customer', 'its action applied');
SELECT is((SELECT body FROM ticket_messages WHERE ticket_id = :tx1 AND author_id = :xg AND body LIKE 'Hello %'),
          'Hello Alice, about ' || (SELECT number FROM tickets WHERE id = :tx1) || ': more details please. Acme Agent',
          'its reply posted as the agent, placeholders filled in');
SELECT is((SELECT usage_count FROM macros WHERE id = :xmac), 1, 'the use is counted');
SELECT is((SELECT actor_id FROM ticket_activity WHERE ticket_id = :tx1 AND description = 'Macro: Ask for details'), :xg::uuid,
          'the activity log names the macro and its agent');

-- ---- validation ----
SELECT is(automation_problems(:x_org, '[{"field": "cf:gone_field", "op": "is", "value": "1"}]', '[]'),
          ARRAY['Condition on a custom field that no longer exists: gone_field'], 'a condition on a missing field is reported');

SELECT * FROM finish();
ROLLBACK;
