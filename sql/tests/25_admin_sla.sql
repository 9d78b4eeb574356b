-- SLA policies as org admins shape them (0025): nobody changes another
-- organization's, an agent reads but changes none, the due times of open
-- tickets follow a saved policy without bumping their version or activity,
-- SLA events are not sent again, writes are audited, and removing a policy
-- that tickets were measured by deactivates it. Negative cases first.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(45);
:tap_grants

\set sp_y1 '''65000000-0000-4000-8000-000000000001'''
\set sp_x1 '''65000000-0000-4000-8000-000000000002'''
\set tx_done '''30000000-0000-4000-8000-0000000000f1'''

:as_super
INSERT INTO sla_policies (id, organization_id, priority, display_name, first_response_minutes, resolution_minutes,
                          use_business_hours)
VALUES (:sp_y1, :y_org, 'low', 'Globex low', 100, 1000, false);
-- tx1 (acme, high) as if it was last touched two days ago, so that a stamp
-- written now would show.
SET LOCAL session_replication_role = replica;
UPDATE tickets SET updated_at = now() - interval '2 days', last_activity_at = now() - interval '2 days'
WHERE id = :tx1;
SET LOCAL session_replication_role = origin;
CREATE TEMP TABLE before_tx1 AS
  SELECT version, updated_at, last_activity_at, sla_first_response_due, sla_resolution_due, sla_policy_id
  FROM tickets WHERE id = :tx1;
GRANT SELECT ON before_tx1 TO supportdesk_app;

-- ---- an org admin never changes another organization's ----
:as_xa
SELECT throws_ok($$INSERT INTO sla_policies (organization_id, priority, display_name, first_response_minutes, resolution_minutes)
                   VALUES ('10000000-0000-4000-8000-00000000000b', 'high', 'Mine', 1, 2)$$,
                 '42501', NULL, 'acme admin cannot create a globex policy');
SELECT is_empty($$UPDATE sla_policies SET first_response_minutes = 1 WHERE id = '65000000-0000-4000-8000-000000000001' RETURNING 1$$,
                'acme admin cannot change a globex policy');
SELECT is_empty($$DELETE FROM sla_policies WHERE id = '65000000-0000-4000-8000-000000000001' RETURNING 1$$,
                'acme admin cannot delete a globex policy');
SELECT is(admin_sla_policy_delete(:y_org, :sp_y1), 'forbidden', 'nor through the removal function');
SELECT is(admin_sla_policy_delete(:x_org, :sp_y1), 'not_found', 'a globex policy named under acme is not found');
SELECT is(sla_policy_recompute(:y_org, 'low'), -1, 'acme admin cannot recompute globex tickets');
SELECT is_empty($$SELECT 1 FROM sla_policies WHERE organization_id = '10000000-0000-4000-8000-00000000000b'$$,
                'acme admin does not even read globex policies');
SELECT is_empty($$UPDATE sla_policies SET first_response_minutes = 1 WHERE organization_id IS NULL RETURNING 1$$,
                'acme admin cannot change the global defaults');

-- ---- agents read their organization's, change none ----
:as_super
INSERT INTO sla_policies (id, organization_id, priority, display_name, first_response_minutes, resolution_minutes,
                          use_business_hours)
VALUES (:sp_x1, :x_org, 'urgent', 'Acme urgent', 10, 100, false);
:as_xg
SELECT is((SELECT count(*) FROM sla_policies WHERE organization_id = :x_org), 1::bigint, 'acme agent reads acme''s policy');
SELECT throws_ok($$INSERT INTO sla_policies (organization_id, priority, display_name, first_response_minutes, resolution_minutes)
                   VALUES ('10000000-0000-4000-8000-00000000000a', 'high', 'Agent''s', 1, 2)$$,
                 '42501', NULL, 'acme agent cannot create a policy');
SELECT is_empty($$UPDATE sla_policies SET resolution_minutes = 5 WHERE organization_id = '10000000-0000-4000-8000-00000000000a' RETURNING 1$$,
                'acme agent cannot change one');
SELECT is(admin_sla_policy_delete(:x_org, :sp_x1), 'forbidden', 'acme agent cannot remove one');
SELECT is(sla_policy_recompute(:x_org, 'high'), -1, 'acme agent cannot recompute');
:as_yg
SELECT is((SELECT count(*) FROM sla_policies WHERE organization_id = :x_org), 0::bigint, 'a globex agent reads no acme policy');
:as_ca
SELECT is((SELECT count(*) FROM sla_policies WHERE organization_id IS NOT NULL), 0::bigint, 'a customer reads no organization''s policy');
SELECT is((SELECT count(*) FROM sla_policies WHERE organization_id IS NULL), 4::bigint, 'but the global defaults, as before');
SELECT is(sla_policy_recompute(:x_org, 'high'), -1, 'a customer cannot recompute');

-- ---- the application cannot write due times, nor skip a version bump ----
:as_xa
SELECT throws_ok($$UPDATE tickets SET sla_resolution_due = now() WHERE id = '30000000-0000-4000-8000-000000000001'$$,
                 '42501', NULL, 'the application role cannot write a due time');
SET LOCAL supportdesk.sla_recompute = 'on';
UPDATE tickets SET title = 'Alice at Acme!' WHERE id = :tx1;
SELECT is((SELECT version FROM tickets WHERE id = :tx1), (SELECT version + 1 FROM before_tx1),
          'the recompute setting set by hand does not keep a real change from bumping the version');
SET LOCAL supportdesk.sla_recompute = '';
:as_super
SET LOCAL session_replication_role = replica;
UPDATE tickets SET title = 'Alice at Acme', version = (SELECT version FROM before_tx1),
                   updated_at = (SELECT updated_at FROM before_tx1), last_activity_at = (SELECT last_activity_at FROM before_tx1)
WHERE id = :tx1;
SET LOCAL session_replication_role = origin;

-- ---- saving a policy moves the due times of open tickets, quietly ----
-- A resolved acme high ticket, measured by the global policy.
INSERT INTO tickets (id, requester_id, routing_type, assigned_org_id, organization_id, title, description, priority, status)
VALUES (:tx_done, :ca, 'organization', :x_org, :x_org, 'Done at Acme', 'fixed', 'high', 'resolved');
-- A breach already sent on tx1.
INSERT INTO sla_events (ticket_id, kind, due_at) VALUES (:tx1, 'first_response_breach', now());
CREATE TEMP TABLE before_done AS SELECT sla_resolution_due, version FROM tickets WHERE id = :tx_done;
GRANT SELECT ON before_done TO supportdesk_app;

:as_xa
INSERT INTO sla_policies (organization_id, priority, display_name, first_response_minutes, resolution_minutes,
                          use_business_hours, time_zone)
VALUES (:x_org, 'high', 'Acme high', 30, 600, false, 'Europe/Paris');
SELECT is(sla_policy_recompute(:x_org, 'high'), 1, 'one open acme high ticket recomputed');
SELECT is((SELECT p.display_name FROM tickets t JOIN sla_policies p ON p.id = t.sla_policy_id WHERE t.id = :tx1),
          'Acme high', 'it is measured by the new policy');
SELECT is((SELECT sla_resolution_due FROM tickets WHERE id = :tx1),
          (SELECT created_at + interval '600 minutes' FROM tickets WHERE id = :tx1), 'its resolution due time moved');
SELECT is((SELECT sla_first_response_due FROM tickets WHERE id = :tx1),
          (SELECT created_at + interval '30 minutes' FROM tickets WHERE id = :tx1), 'its first response due time moved');
SELECT isnt((SELECT sla_resolution_due FROM tickets WHERE id = :tx1), (SELECT sla_resolution_due FROM before_tx1),
            'and differs from before');
SELECT is((SELECT version FROM tickets WHERE id = :tx1), (SELECT version FROM before_tx1), 'its version is unchanged');
SELECT is((SELECT updated_at FROM tickets WHERE id = :tx1), (SELECT updated_at FROM before_tx1), 'its updated_at is unchanged');
SELECT is((SELECT last_activity_at FROM tickets WHERE id = :tx1), (SELECT last_activity_at FROM before_tx1),
          'its last activity is unchanged');
SELECT is(current_setting('supportdesk.sla_recompute', true), '', 'the recompute setting is reset afterwards');
SELECT is((SELECT sla_resolution_due FROM tickets WHERE id = :tx_done), (SELECT sla_resolution_due FROM before_done),
          'a resolved ticket keeps its due time');
SELECT is(sla_policy_recompute(:x_org, 'high'), 0, 'a second recompute changes nothing');

UPDATE sla_policies SET resolution_minutes = 900, warning_threshold_percent = 50 WHERE organization_id = :x_org AND priority = 'high';
SELECT is(sla_policy_recompute(:x_org, 'high'), 1, 'an edit recomputes again');
SELECT is((SELECT sla_resolution_due FROM tickets WHERE id = :tx1),
          (SELECT created_at + interval '900 minutes' FROM tickets WHERE id = :tx1), 'to the edited target');
SELECT is((SELECT version FROM tickets WHERE id = :tx1), (SELECT version FROM before_tx1), 'still the same version');
:as_super
SELECT is((SELECT count(*) FROM sla_events WHERE ticket_id = :tx1), 1::bigint, 'the breach sent stays the one row');
SELECT is((SELECT count(*) FROM ticket_messages WHERE ticket_id = :tx1 AND message_type = 'escalation'), 0::bigint,
          'and no escalation message was written by the recompute');
SELECT is((SELECT count(*) FROM ticket_activity WHERE ticket_id = :tx1 AND created_at = now()), 0::bigint,
          'nor any activity row');

-- A real change after a recompute bumps the version as always.
:as_xa
UPDATE tickets SET status = 'in_progress' WHERE id = :tx1;
SELECT is((SELECT version FROM tickets WHERE id = :tx1), (SELECT version + 1 FROM before_tx1),
          'a status change afterwards bumps the version');

-- ---- writes are audited, with the actor ----
SELECT is((SELECT count(*) FROM config_audit WHERE entity = 'sla_policy' AND action = 'insert'
           AND actor_id = :xa AND organization_id = :x_org AND after->>'display_name' = 'Acme high'), 1::bigint,
          'a new policy leaves an audit row by its admin');
SELECT is((SELECT count(*) FROM config_audit WHERE entity = 'sla_policy' AND action = 'update'
           AND actor_id = :xa AND (after->>'resolution_minutes')::int = 900), 1::bigint, 'an edit too');

-- ---- removing ----
:as_super
INSERT INTO tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description, priority, status)
VALUES (:ca, 'organization', :x_org, :x_org, 'Closed under Acme high', 'done', 'high', 'closed');
:as_xa
SELECT is(admin_sla_policy_delete(:x_org, (SELECT id FROM sla_policies WHERE organization_id = :x_org AND priority = 'high')),
          'deactivated', 'a policy a resolved ticket was measured by is deactivated');
SELECT ok(EXISTS (SELECT FROM tickets t JOIN sla_policies p ON p.id = t.sla_policy_id
                  WHERE t.id = :tx1 AND p.organization_id IS NULL AND p.priority = 'high'),
          'its open ticket falls back to the global default');
SELECT is((SELECT is_active FROM sla_policies WHERE organization_id = :x_org AND priority = 'high'), false,
          'and the policy is kept, inactive');
SELECT is(admin_sla_policy_delete(:x_org, :sp_x1), 'deleted', 'a policy no ticket names is deleted');
SELECT is((SELECT count(*) FROM config_audit WHERE entity = 'sla_policy' AND action = 'delete'
           AND entity_id = '65000000-0000-4000-8000-000000000002'), 1::bigint, 'the deletion is audited');

-- ---- time zones are PostgreSQL's ----
SELECT ok(sla_time_zone_valid('Europe/Paris') AND NOT sla_time_zone_valid('Mars/Olympus_Mons'),
          'a real time zone is valid, a made-up one is not');

SELECT * FROM finish();
ROLLBACK;
