-- The platform admin (0027): only platform admins write system settings,
-- create, provision and deactivate organizations, and change platform roles
-- or accounts; org admins and agents change none of it; the platform keeps
-- its own organization and its last platform admin; system settings are
-- audited in config_audit, which stays append-only. Negative cases first.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(49);
:tap_grants

-- ---- org admins, agents, customers and visitors write no system setting ----
:as_xa
SELECT is_empty($$UPDATE system_settings SET value = '"PWN"' WHERE key = 'ticket_number_prefix' RETURNING 1$$,
                'an org admin cannot change a system setting');
SELECT throws_ok($$INSERT INTO system_settings (key, value) VALUES ('rate.login_ip.limit', '1')$$,
                 '42501', NULL, 'an org admin cannot add a system setting');
SELECT is_empty($$DELETE FROM system_settings WHERE key = 'reopen_window_days' RETURNING 1$$,
                'an org admin cannot delete a system setting');
:as_xg
SELECT is_empty($$UPDATE system_settings SET value = '1' WHERE key = 'attachment_max_bytes' RETURNING 1$$,
                'an agent cannot change a system setting');
:as_pg
SELECT is_empty($$UPDATE system_settings SET value = '1' WHERE key = 'attachment_max_bytes' RETURNING 1$$,
                'a platform agent cannot change a system setting');
SELECT throws_ok($$INSERT INTO system_settings (key, value) VALUES ('session.idle_s', '60')$$,
                 '42501', NULL, 'a platform agent cannot add a system setting');
:as_anon
SELECT is_empty($$SELECT 1 FROM system_settings$$, 'a visitor does not read the table');
SELECT is((SELECT count(*) FROM system_settings_runtime()), 0::bigint,
          'a visitor reads the run-time limits (none stored yet)');

-- ---- nor create, provision or deactivate organizations ----
:as_xa
SELECT is((SELECT outcome FROM platform_org_create('Mole', 'mole-t', NULL)), 'forbidden',
          'an org admin cannot create an organization');
SELECT is((SELECT outcome FROM platform_org_provision('dormant-t', 'mole@t.example', NULL)), 'forbidden',
          'an org admin cannot provision an organization');
SELECT is((SELECT outcome FROM platform_org_set_active(:y_org, false)), 'forbidden',
          'an org admin cannot deactivate another organization');
SELECT is((SELECT outcome FROM platform_org_set_active(:x_org, false)), 'forbidden',
          'an org admin cannot deactivate their own organization either');
SELECT throws_ok($$SELECT * FROM org_create('Mole', 'mole-t', NULL)$$, '42501', NULL,
                 'the owner-only org_create is closed to the application role');
SELECT throws_ok($$SELECT * FROM org_provision('dormant-t', 'mole@t.example', NULL)$$, '42501', NULL,
                 'the owner-only org_provision is closed to the application role');
SELECT is_empty($$UPDATE organizations SET is_active = false WHERE id = '10000000-0000-4000-8000-00000000000b' RETURNING 1$$,
                'an org admin cannot deactivate another organization by UPDATE');
:as_pg
SELECT is((SELECT outcome FROM platform_org_create('Mole', 'mole-t', NULL)), 'forbidden',
          'a platform agent cannot create an organization');
SELECT is((SELECT outcome FROM platform_org_set_active(:y_org, false)), 'forbidden',
          'a platform agent cannot deactivate an organization');
:as_xg
SELECT is((SELECT outcome FROM platform_org_set_active(:x_org, false)), 'forbidden',
          'an agent cannot deactivate their organization');

-- ---- nor change platform roles or accounts ----
:as_xa
SELECT is((SELECT outcome FROM platform_user_set_role('xa@t.example', 'admin')), 'forbidden',
          'an org admin cannot make themselves a platform admin');
SELECT is((SELECT outcome FROM platform_user_set_active('pa@t.example', false)), 'forbidden',
          'an org admin cannot deactivate a platform admin');
:as_pg
SELECT is((SELECT outcome FROM platform_user_set_role('pg@t.example', 'admin')), 'forbidden',
          'a platform agent cannot promote themselves');
:as_super
SELECT is((SELECT count(*) FROM organizations WHERE slug = 'mole-t'), 0::bigint, 'no organization was made');
SELECT is((SELECT count(*) FROM organizations WHERE id IN (:x_org, :y_org) AND is_active), 2::bigint,
          'both organizations are still active');
SELECT is((SELECT platform_role FROM users WHERE id = :xa), NULL, 'the org admin has no platform role');
SELECT is((SELECT count(*) FROM system_settings WHERE key LIKE 'rate.%' OR key LIKE 'session.%'), 0::bigint,
          'no run-time limit was stored');

-- ---- the platform keeps its organization and its last admin ----
:as_pa
SELECT is((SELECT outcome FROM platform_org_set_active((SELECT id FROM organizations WHERE is_platform), false)),
          'platform', 'the platform organization is never deactivated');
SELECT is((SELECT outcome FROM platform_user_set_role('pa@t.example', 'agent')), 'last_admin',
          'the last platform admin cannot drop their admin role');
SELECT is((SELECT outcome FROM platform_user_set_role('pa@t.example', NULL)), 'last_admin',
          'nor drop every platform role');
SELECT is((SELECT outcome FROM platform_user_set_active('pa@t.example', false)), 'last_admin',
          'nor deactivate themselves');
SELECT is((SELECT outcome FROM platform_user_set_role('pa@t.example', 'nonsense')), 'invalid',
          'an unknown platform role is refused');
SELECT is((SELECT outcome FROM platform_user_set_role('ghost@t.example', 'agent')), 'no_user',
          'an unknown address is not found');

-- ---- what a platform admin may do ----
SELECT is((SELECT outcome FROM platform_org_create('Initech', 'initech-t', 'INI')), 'created',
          'a platform admin creates an organization');
SELECT is((SELECT outcome FROM platform_org_create('Initech again', 'initech-t', NULL)), 'slug_taken',
          'a slug is taken once');
SELECT is((SELECT outcome FROM platform_org_create('Bad', 'Bad Slug', NULL)), 'invalid', 'a bad slug is refused');
SELECT is((SELECT outcome FROM platform_org_provision('initech-t', 'boss@initech.example', 'Bill')), 'provisioned',
          'a platform admin provisions it with a first admin');
SELECT is((SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id
           WHERE u.email = 'boss@initech.example'), 'admin', 'the invitee is its admin');
SELECT is((SELECT staff FROM platform_org_set_active(:x_org, false)), ARRAY[:xa, :xg]::uuid[],
          'deactivating returns the staff whose sessions end');
SELECT is((SELECT count(*) FROM submit_form_request_types('anonymous') WHERE organization_id = :x_org), 0::bigint,
          'its request types leave the public form');
SELECT is((SELECT outcome FROM platform_org_set_active(:x_org, false)), 'unchanged', 'twice changes nothing');
SELECT is((SELECT outcome FROM platform_user_set_role('pg@t.example', 'admin')), 'done',
          'a platform admin promotes another');
SELECT is((SELECT outcome FROM platform_user_set_role('pa@t.example', NULL)), 'done',
          'with another admin, the first may step down');
:as_pg
SELECT lives_ok($$INSERT INTO system_settings (key, value) VALUES ('rate.login_ip.limit', '3')$$,
                'a platform admin stores a run-time limit');
SELECT throws_ok($$UPDATE system_settings SET value = '"no"' WHERE key = 'ticket_number_prefix'$$, '23514', NULL,
                 'a malformed prefix is refused');
SELECT throws_ok($$INSERT INTO system_settings (key, value) VALUES ('session.idle_s', '0')$$, '23514', NULL,
                 'a limit must be positive');
:as_anon
SELECT is((SELECT value FROM system_settings_runtime() WHERE key = 'rate.login_ip.limit'), '3',
          'the workers read it without signing in');

-- ---- audited, and the audit stays append-only ----
:as_super
SELECT is((SELECT count(*) FROM config_audit WHERE entity = 'system_setting' AND entity_id = 'rate.login_ip.limit'
           AND action = 'insert' AND organization_id IS NULL AND actor_id = :pg), 1::bigint,
          'the setting is audited with its key and its author');
:as_xa
SELECT is_empty($$SELECT 1 FROM config_audit WHERE entity = 'system_setting'$$,
                'an org admin does not read the global audit rows');
:as_pg
SELECT throws_ok($$DELETE FROM config_audit WHERE entity = 'system_setting'$$, '42501', NULL,
                 'even a platform admin cannot delete audit rows');

SELECT ok((SELECT pg_get_constraintdef(c.oid) ~ 'rate_limit_block' AND pg_get_constraintdef(c.oid) ~ 'system_setting'
            FROM pg_constraint c WHERE c.conrelid = 'config_audit'::regclass AND c.conname = 'config_audit_entity_check'),
          'the entity check keeps the entities of the other migrations beside system_setting');

SELECT * FROM finish();
ROLLBACK;
