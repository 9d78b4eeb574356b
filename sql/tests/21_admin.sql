-- Organization administration: config_audit (append-only, written by
-- triggers, read by the right admins), the invite and membership functions
-- and the policies the admin pages rely on. Negative cases first.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(67);
:tap_grants

\set xa_m '(SELECT id FROM memberships WHERE user_id = ''20000000-0000-4000-8000-0000000000b1'')'
\set xg_m '(SELECT id FROM memberships WHERE user_id = ''20000000-0000-4000-8000-0000000000b2'')'
\set yg_m '(SELECT id FROM memberships WHERE user_id = ''20000000-0000-4000-8000-0000000000c1'')'

:as_super
INSERT INTO teams (id, organization_id, name) VALUES
  ('61000000-0000-4000-8000-000000000001', :x_org, 'Acme L1'),
  ('61000000-0000-4000-8000-000000000002', :y_org, 'Globex L1');
INSERT INTO membership_teams (membership_id, team_id, organization_id)
  SELECT m.id, '61000000-0000-4000-8000-000000000002', :y_org FROM memberships m WHERE m.user_id = :yg;
UPDATE tickets SET assignee_id = :xg WHERE id IN (:tx1, :tx2);
UPDATE tickets SET assignee_id = :yg WHERE id = :ty1;

-- ---- config_audit is append-only, for everyone ----
SELECT ok((SELECT count(*) FROM config_audit WHERE entity = 'team' AND organization_id = :y_org) = 1,
          'the superuser''s own team insert is audited too');
:as_xa
SELECT throws_ok($$INSERT INTO config_audit (entity, entity_id, action, after) VALUES ('team', 'x', 'insert', '{}')$$,
                 '42501', NULL, 'the app role cannot write config_audit');
SELECT throws_ok($$UPDATE config_audit SET after = '{}'$$, '42501', NULL, 'the app role cannot update config_audit');
SELECT throws_ok($$DELETE FROM config_audit$$, '42501', NULL, 'the app role cannot delete config_audit');
:as_owner
SELECT throws_ok($$UPDATE config_audit SET after = '{}'$$, '42501', NULL, 'not even the owner updates config_audit');
SELECT throws_ok($$DELETE FROM config_audit$$, '42501', NULL, 'not even the owner deletes config_audit');
SELECT throws_ok($$TRUNCATE config_audit$$, '42501', NULL, 'not even the owner truncates config_audit');
:as_super
SELECT throws_ok($$DELETE FROM config_audit$$, '42501', NULL, 'the trigger stops a superuser too');

-- ---- an org admin never changes another organization ----
:as_xa
SELECT throws_ok($$INSERT INTO teams (organization_id, name) VALUES ('10000000-0000-4000-8000-00000000000b', 'Ours now')$$,
                 '42501', NULL, 'acme admin cannot create a globex team');
SELECT is_empty($$UPDATE teams SET name = 'pwned' WHERE id = '61000000-0000-4000-8000-000000000002' RETURNING 1$$,
                'acme admin cannot rename a globex team');
SELECT is_empty($$UPDATE teams SET is_active = false WHERE organization_id = '10000000-0000-4000-8000-00000000000b' RETURNING 1$$,
                'acme admin cannot deactivate globex teams');
SELECT is_empty($$DELETE FROM membership_teams WHERE organization_id = '10000000-0000-4000-8000-00000000000b' RETURNING 1$$,
                'acme admin cannot take anyone off a globex team');
SELECT is_empty($$UPDATE memberships SET role = 'admin' WHERE organization_id = '10000000-0000-4000-8000-00000000000b' RETURNING 1$$,
                'acme admin cannot change globex members directly');
SELECT is((SELECT outcome FROM admin_membership_set(:y_org, :yg_m, 'agent', false)), 'forbidden',
          'acme admin cannot deactivate a globex member through the function');
SELECT is((SELECT outcome FROM admin_member_invite(:y_org, 'mole@t.example', 'Mole', 'admin')), 'forbidden',
          'acme admin cannot invite into globex');
SELECT is_empty($$UPDATE organization_settings SET support_phone = '0' WHERE organization_id = '10000000-0000-4000-8000-00000000000b' RETURNING 1$$,
                'acme admin cannot change globex settings');
SELECT is((SELECT count(*) FROM config_audit WHERE organization_id = :y_org), 0::bigint,
          'acme admin reads none of globex''s audit rows');
:as_super
SELECT is((SELECT count(*) FROM users WHERE email = 'mole@t.example'), 0::bigint, 'the refused invite made no account');
SELECT is((SELECT is_active FROM memberships WHERE user_id = :yg), true, 'the globex agent is still active');
SELECT is((SELECT name FROM teams WHERE id = '61000000-0000-4000-8000-000000000002'), 'Globex L1', 'the globex team kept its name');

-- ---- an agent writes no configuration, reads no audit ----
:as_xg
SELECT throws_ok($$INSERT INTO teams (organization_id, name) VALUES ('10000000-0000-4000-8000-00000000000a', 'Agents rule')$$,
                 '42501', NULL, 'acme agent cannot create teams');
SELECT is_empty($$UPDATE teams SET name = 'x' WHERE organization_id = '10000000-0000-4000-8000-00000000000a' RETURNING 1$$,
                'acme agent cannot rename teams');
SELECT throws_ok($$INSERT INTO membership_teams (membership_id, team_id, organization_id)
                   SELECT id, '61000000-0000-4000-8000-000000000001', organization_id FROM memberships WHERE user_id = '20000000-0000-4000-8000-0000000000b2'$$,
                 '42501', NULL, 'acme agent cannot put themselves on a team');
SELECT is_empty($$UPDATE memberships SET role = 'admin' WHERE user_id = '20000000-0000-4000-8000-0000000000b2' RETURNING 1$$,
                'acme agent cannot make themselves admin');
SELECT is((SELECT outcome FROM admin_membership_set(:x_org, :xg_m, 'admin', true)), 'forbidden',
          'acme agent cannot promote themselves through the function');
SELECT is((SELECT outcome FROM admin_member_invite(:x_org, 'friend@t.example', NULL, 'agent')), 'forbidden',
          'acme agent cannot invite');
SELECT is_empty($$UPDATE organization_settings SET auto_assign_enabled = true WHERE organization_id = '10000000-0000-4000-8000-00000000000a' RETURNING 1$$,
                'acme agent cannot change settings');
SELECT is((SELECT count(*) FROM config_audit), 0::bigint, 'acme agent reads no audit rows');
:as_ca
SELECT is((SELECT count(*) FROM config_audit), 0::bigint, 'a customer reads no audit rows');
SELECT is((SELECT outcome FROM admin_member_invite(:x_org, 'friend@t.example', NULL, 'agent')), 'forbidden',
          'a customer cannot invite');
:as_anon
SELECT is((SELECT count(*) FROM config_audit), 0::bigint, 'anonymous reads no audit rows');

-- ---- the last admin stays ----
:as_xa
SELECT is((SELECT outcome FROM admin_membership_set(:x_org, :xa_m, 'agent', true)), 'last_admin',
          'the last acme admin cannot demote themselves');
SELECT is((SELECT outcome FROM admin_membership_set(:x_org, :xa_m, 'admin', false)), 'last_admin',
          'the last acme admin cannot deactivate themselves');
:as_pa
SELECT is((SELECT outcome FROM admin_membership_set(:x_org, :xa_m, 'agent', false)), 'last_admin',
          'nor can a platform admin take the last admin away');
:as_super
SELECT is((SELECT role || '/' || is_active FROM memberships WHERE user_id = :xa), 'admin/true', 'acme admin unchanged');

-- ---- what an org admin does, and the trace it leaves ----
:as_xa
SET LOCAL app.request_id = 'rid-admin-1';
SET LOCAL app.client_ip = '192.0.2.7';
SELECT lives_ok($$INSERT INTO teams (id, organization_id, name) VALUES ('61000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-00000000000a', 'Acme L2')$$,
                'acme admin creates a team');
SELECT results_eq($$SELECT actor_id::text, action, after->>'name', request_id, host(ip_address) FROM config_audit WHERE entity_id = '61000000-0000-4000-8000-000000000003'$$,
                  $$VALUES ('20000000-0000-4000-8000-0000000000b1', 'insert', 'Acme L2', 'rid-admin-1', '192.0.2.7')$$,
                  'the insert is audited with who, what, the request and the address');
SELECT results_eq($$UPDATE teams SET name = 'Acme Second Line' WHERE id = '61000000-0000-4000-8000-000000000003' RETURNING name$$,
                  ARRAY['Acme Second Line'], 'acme admin renames it');
SELECT results_eq($$SELECT before->>'name', after->>'name' FROM config_audit WHERE entity_id = '61000000-0000-4000-8000-000000000003' AND action = 'update'$$,
                  $$VALUES ('Acme L2', 'Acme Second Line')$$, 'the rename is audited before and after');
UPDATE teams SET name = 'Acme Second Line' WHERE id = '61000000-0000-4000-8000-000000000003';
SELECT is((SELECT count(*) FROM config_audit WHERE entity_id = '61000000-0000-4000-8000-000000000003'), 2::bigint,
          'an update that changes nothing leaves no row');
SELECT lives_ok($$INSERT INTO membership_teams (membership_id, team_id, organization_id)
                  SELECT id, '61000000-0000-4000-8000-000000000003', organization_id FROM memberships WHERE user_id = '20000000-0000-4000-8000-0000000000b2'$$,
                'acme admin puts the agent on the team');
SELECT is((SELECT count(*) FROM config_audit WHERE entity = 'membership_team' AND organization_id = :x_org AND action = 'insert'), 1::bigint,
          'team membership is audited');
SELECT lives_ok($$UPDATE organization_settings SET support_phone = '+1 555 0100', ticket_prefix = 'ACX' WHERE organization_id = '10000000-0000-4000-8000-00000000000a'$$,
                'acme admin changes settings');
SELECT results_eq($$SELECT before->>'ticket_prefix', after->>'ticket_prefix', after->>'support_phone' FROM config_audit WHERE entity = 'organization_settings' AND organization_id = '10000000-0000-4000-8000-00000000000a' AND action = 'update'$$,
                  $$VALUES ('ACME', 'ACX', '+1 555 0100')$$, 'the settings change is audited before and after');
SELECT ok((SELECT count(*) FROM config_audit WHERE organization_id = :x_org) >= 4, 'acme admin reads acme''s audit rows');

-- Invitations.
SELECT results_eq($$SELECT outcome, user_created FROM admin_member_invite('10000000-0000-4000-8000-00000000000a', 'New.Agent@t.example', 'New Agent', 'agent')$$,
                  $$VALUES ('invited', true)$$, 'acme admin invites a new address: account and membership made');
SELECT is((SELECT outcome FROM admin_member_invite(:x_org, 'new.agent@t.example', NULL, 'agent')), 'already_member',
          'inviting the same address again (any case) says so');
SELECT is((SELECT outcome FROM admin_member_invite(:x_org, 'not an address', NULL, 'agent')), 'invalid', 'a malformed address is invalid');
SELECT is((SELECT outcome FROM admin_member_invite(:x_org, 'x@t.example', NULL, 'owner')), 'invalid', 'an unknown role is invalid');
SELECT results_eq($$SELECT outcome, user_created FROM admin_member_invite('10000000-0000-4000-8000-00000000000a', 'alice@t.example', NULL, 'admin')$$,
                  $$VALUES ('invited', false)$$, 'an existing customer becomes an acme admin');
SELECT is((SELECT count(*) FROM config_audit WHERE entity = 'membership' AND action = 'insert' AND actor_id = :xa), 2::bigint,
          'both memberships are audited as the inviter''s');

-- With a second admin, the first may step down; deactivating ends the work.
SELECT is((SELECT outcome FROM admin_membership_set(:x_org, :xa_m, 'agent', true)), 'ok', 'with another admin, acme admin steps down');
:as_ca
SELECT results_eq($$SELECT outcome, unassigned FROM admin_membership_set('10000000-0000-4000-8000-00000000000a', (SELECT id FROM memberships WHERE user_id = '20000000-0000-4000-8000-0000000000b2'), 'agent', false)$$,
                  $$VALUES ('ok', 2::bigint)$$, 'the new admin deactivates the agent: both open acme tickets unassigned');
:as_super
SELECT is((SELECT count(*) FROM tickets WHERE assignee_id = :xg), 0::bigint, 'the deactivated agent holds no ticket');
SELECT is((SELECT assignee_id FROM tickets WHERE id = :ty1), :yg::uuid, 'globex''s ticket was not touched');
SELECT ok((SELECT count(*) FROM ticket_activity WHERE ticket_id = :tx1 AND activity_type = 'unassigned') = 1, 'the unassignment is in the ticket''s activity');
:as_xg
SELECT is(cardinality(app_staff_org_ids()), 0, 'the deactivated agent is staff nowhere');
:as_ca
SELECT is((SELECT outcome FROM admin_membership_set(:x_org, :xg_m, 'agent', false)), 'unchanged', 'deactivating twice changes nothing');

-- ---- the command line's functions: the owner only ----
:as_pa
SELECT throws_ok($$SELECT org_create('Evil', 'evil', NULL)$$, '42501', NULL, 'the app role cannot call org_create, not even a platform admin');
SELECT throws_ok($$SELECT org_provision('acme-t', 'pa@t.example', NULL)$$, '42501', NULL, 'the app role cannot call org_provision');
SELECT is((SELECT count(*) FROM config_audit WHERE organization_id = :y_org), 5::bigint, 'a platform admin reads every organization''s audit rows (the fixtures'' five)');
:as_owner
SELECT is((SELECT outcome FROM org_create('Initech', 'initech', 'INI')), 'created', 'the owner creates an organization');
SELECT is((SELECT outcome FROM org_create('Initech again', 'initech', NULL)), 'slug_taken', 'a taken slug is refused');
SELECT is((SELECT outcome FROM org_create('Bad prefix', 'bad-prefix', 'in')), 'invalid', 'a prefix outside the ticket number pattern is refused');
SELECT results_eq($$SELECT outcome, user_created FROM org_provision('initech', 'boss@initech.example', 'Boss')$$,
                  $$VALUES ('provisioned', true)$$, 'the owner provisions it with a new admin');
SELECT results_eq($$SELECT s.is_provisioned, m.role, m.is_active FROM organizations o JOIN organization_settings s ON s.organization_id = o.id
                    JOIN memberships m ON m.organization_id = o.id JOIN users u ON u.id = m.user_id
                    WHERE o.slug = 'initech' AND u.email = 'boss@initech.example'$$,
                  $$VALUES (true, 'admin', true)$$, 'provisioned, with an active admin');
SELECT ok((SELECT count(*) FROM config_audit a JOIN organizations o ON o.id = a.organization_id
           WHERE o.slug = 'initech' AND a.actor_id IS NULL) >= 4, 'the owner''s writes are audited, without an actor');

:as_super
SELECT * FROM finish();
ROLLBACK;
