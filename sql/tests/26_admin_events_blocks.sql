-- Events as org admins shape them and rate-limit lifts in the audit log
-- (0026): nobody changes another organization's events, an agent changes
-- none, removing an event tickets name deactivates it, writes are
-- audited, and only an organization's admin (or a platform admin) records
-- a lift for it. Negative cases first.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(34);
:tap_grants

\set ev_x1 '''66000000-0000-4000-8000-000000000001'''
\set ev_x2 '''66000000-0000-4000-8000-000000000002'''
\set ev_y1 '''66000000-0000-4000-8000-000000000003'''
\set key   '''sd:rl:login_email:0123456789abcdef0123456789abcdef'''

:as_super
INSERT INTO events (id, organization_id, name, starts_at) VALUES
  (:ev_x1, :x_org, 'Acme finals', now() + interval '10 days'),
  (:ev_x2, :x_org, 'Acme unused', now() + interval '20 days'),
  (:ev_y1, :y_org, 'Globex expo', now() + interval '10 days');
UPDATE tickets SET event_id = :ev_x1 WHERE id = :tx1;

-- ---- an org admin never changes another organization's events ----
:as_xa
SELECT throws_ok($$INSERT INTO events (organization_id, name, starts_at) VALUES ('10000000-0000-4000-8000-00000000000b', 'Ours', now())$$,
                 '42501', NULL, 'acme admin cannot create a globex event');
SELECT is_empty($$UPDATE events SET name = 'pwned' WHERE id = '66000000-0000-4000-8000-000000000003' RETURNING 1$$,
                'acme admin cannot rename a globex event');
SELECT is_empty($$UPDATE events SET organization_id = '10000000-0000-4000-8000-00000000000a' WHERE id = '66000000-0000-4000-8000-000000000003' RETURNING 1$$,
                'acme admin cannot take a globex event');
SELECT throws_ok($$UPDATE events SET organization_id = '10000000-0000-4000-8000-00000000000b' WHERE id = '66000000-0000-4000-8000-000000000002'$$,
                 '42501', NULL, 'acme admin cannot give an event to globex');
SELECT is_empty($$DELETE FROM events WHERE id = '66000000-0000-4000-8000-000000000003' RETURNING 1$$,
                'acme admin cannot delete a globex event');
SELECT is(admin_event_remove(:y_org, :ev_y1), 'forbidden', 'acme admin cannot remove a globex event');
SELECT is(admin_event_remove(:x_org, :ev_y1), 'not_found', 'a globex event named under acme is not found');
SELECT throws_ok($$INSERT INTO events (organization_id, name, starts_at) VALUES (NULL, 'Global', now())$$,
                 '42501', NULL, 'acme admin cannot create a global event');
:as_super
SELECT is((SELECT name || '|' || is_active FROM events WHERE id = :ev_y1), 'Globex expo|true', 'the globex event is untouched');

-- ---- an agent, a customer, a visitor change none ----
:as_xg
SELECT throws_ok($$INSERT INTO events (organization_id, name, starts_at) VALUES ('10000000-0000-4000-8000-00000000000a', 'Agents', now())$$,
                 '42501', NULL, 'acme agent cannot create events');
SELECT is_empty($$UPDATE events SET is_active = false WHERE organization_id = '10000000-0000-4000-8000-00000000000a' RETURNING 1$$,
                'acme agent cannot deactivate events');
SELECT is_empty($$DELETE FROM events RETURNING 1$$, 'acme agent cannot delete events');
SELECT is(admin_event_remove(:x_org, :ev_x2), 'forbidden', 'acme agent cannot remove events');
SELECT is(admin_rate_limit_lift_record(:x_org, :key, '{"action": "login_email"}'), NULL, 'acme agent cannot record a lift');
:as_ca
SELECT is(admin_event_remove(:x_org, :ev_x2), 'forbidden', 'a customer cannot remove events');
SELECT is(admin_rate_limit_lift_record(:x_org, :key, '{"action": "login_email"}'), NULL, 'a customer cannot record a lift');
:as_anon
SELECT is(admin_event_remove(:x_org, :ev_x2), 'forbidden', 'a visitor cannot remove events');
:as_super
SELECT is((SELECT count(*) FROM events WHERE organization_id = :x_org AND is_active), 2::bigint, 'acme''s events are untouched');
SELECT is((SELECT count(*) FROM config_audit WHERE entity = 'rate_limit_block'), 0::bigint, 'no lift was recorded');

-- ---- lifts: only for an organization one administers ----
:as_xa
SELECT is(admin_rate_limit_lift_record(:y_org, :key, '{"action": "login_email"}'), NULL,
          'acme admin cannot record a lift for globex');
SELECT throws_ok($$SELECT admin_rate_limit_lift_record('10000000-0000-4000-8000-00000000000a', 'sd:ses:abc', '{}')$$,
                 '23514', NULL, 'a key that is not a rate-limit counter is refused');
SELECT throws_ok($$INSERT INTO config_audit (organization_id, entity, entity_id, action, before)
                   VALUES ('10000000-0000-4000-8000-00000000000a', 'rate_limit_block', 'x', 'delete', '{}')$$,
                 '42501', NULL, 'config_audit is not written directly');
SELECT isnt(admin_rate_limit_lift_record(:x_org, :key, '{"action": "login_email", "hits": 10}'), NULL,
            'acme admin records a lift for acme');
SELECT is((SELECT before->>'hits' FROM config_audit WHERE entity = 'rate_limit_block' AND entity_id = :key
           AND organization_id = :x_org AND actor_id = :xa AND action = 'delete' AND after IS NULL), '10',
          'the lift''s audit row: who, which counter, what it held');
:as_pa
SELECT isnt(admin_rate_limit_lift_record(:y_org, :key, '{"action": "login_email"}'), NULL,
            'a platform admin records a lift for any organization');
:as_super
SELECT throws_ok($$UPDATE config_audit SET before = '{}' WHERE entity = 'rate_limit_block'$$,
                 NULL, NULL, 'lift rows are append-only too');
SELECT ok((SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'config_audit_entity_check')
          ~ 'request_type.*event|event.*request_type', 'the entity check keeps the entities before 0026');

-- ---- removing deactivates what tickets use; writes are audited ----
:as_xa
SELECT is(admin_event_remove(:x_org, :ev_x1), 'deactivated', 'an event a ticket names is deactivated');
SELECT is((SELECT is_active FROM events WHERE id = :ev_x1), false, 'and kept');
SELECT is(admin_event_remove(:x_org, :ev_x2), 'deleted', 'an unused event is deleted');
SELECT is(admin_event_remove(:x_org, :ev_x2), 'not_found', 'and is gone');
INSERT INTO events (organization_id, name, starts_at) VALUES (:x_org, 'Audited', now() + interval '1 day');
SELECT is((SELECT count(*) FROM config_audit WHERE entity = 'event' AND action = 'insert' AND actor_id = :xa
           AND organization_id = :x_org AND after->>'name' = 'Audited'), 1::bigint, 'a new event leaves an audit row by its admin');
SELECT throws_ok($$INSERT INTO events (organization_id, name, starts_at, ends_at)
                   VALUES ('10000000-0000-4000-8000-00000000000a', 'Backwards', now(), now() - interval '1 hour')$$,
                 '23514', NULL, 'an end before the start is refused by the table too');
:as_super
SELECT is((SELECT count(*) FROM config_audit WHERE entity = 'event' AND action = 'delete'
           AND entity_id = '66000000-0000-4000-8000-000000000002'), 1::bigint, 'the deletion is audited');

SELECT * FROM finish();
ROLLBACK;
