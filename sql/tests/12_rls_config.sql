-- Row-level security on tenancy and configuration tables.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(52);
:tap_grants

:as_super
INSERT INTO teams (id, organization_id, name) VALUES
  ('60000000-0000-4000-8000-000000000001', :x_org, 'Acme L1'),
  ('60000000-0000-4000-8000-000000000002', :y_org, 'Globex L1');
INSERT INTO membership_teams (membership_id, team_id, organization_id)
  SELECT m.id, '60000000-0000-4000-8000-000000000001', :x_org FROM memberships m WHERE m.user_id = :xg;
INSERT INTO canned_responses (organization_id, title, shortcut, content, is_public, created_by) VALUES
  (:x_org, 'Acme hello', 'hello', 'Hello from Acme', true, :xa),
  (:x_org, 'Acme private', 'mine', 'xa private', false, :xa),
  (:y_org, 'Globex hello', 'hello', 'Hello from Globex', true, :yg),
  (NULL,   'Global thanks', 'thanks', 'Thank you', true, :pa);
INSERT INTO request_types (organization_id, name, default_routing) VALUES (:y_org, 'Globex refunds', 'organization');
INSERT INTO events (organization_id, name, starts_at) VALUES (:y_org, 'Globex expo', now() + interval '10 days');
INSERT INTO submissions (email, request_type_id, title, description, token_hash)
  SELECT 'z@t.example', id, 't', 'd', sha256('tok'::bytea) FROM request_types WHERE name = 'General question';
SELECT outbox_enqueue('z@t.example', 'subj', 'body');

-- No context: no tenant or user rows, not even configuration.
:as_unset
SELECT is((SELECT count(*) FROM organizations), 0::bigint, 'unset: no organizations');
SELECT is((SELECT count(*) FROM users), 0::bigint, 'unset: no users');
SELECT is((SELECT count(*) FROM memberships), 0::bigint, 'unset: no memberships');
SELECT is((SELECT count(*) FROM organization_settings), 0::bigint, 'unset: no organization settings');
SELECT is((SELECT count(*) FROM request_types), 0::bigint, 'unset: no request types (the form uses submit_form_*)');
SELECT is((SELECT count(*) FROM categories), 0::bigint, 'unset: no categories');
SELECT is((SELECT count(*) FROM field_definitions) + (SELECT count(*) FROM field_visibility_rules), 0::bigint, 'unset: no fields or rules');
SELECT is((SELECT count(*) FROM sla_policies) + (SELECT count(*) FROM events) + (SELECT count(*) FROM system_settings), 0::bigint, 'unset: no SLA, events, settings');
SELECT is((SELECT count(*) FROM canned_responses) + (SELECT count(*) FROM teams) + (SELECT count(*) FROM membership_teams), 0::bigint, 'unset: no canned responses or teams');
SELECT ok((SELECT count(*) FROM submit_form_request_types('anonymous')) >= 4, 'anonymous still gets the submit form through its function');

-- Tables reserved to definer functions: not even SELECT.
SELECT throws_ok('SELECT 1 FROM submissions', '42501', NULL, 'app cannot read submissions');
SELECT throws_ok('SELECT 1 FROM outbox', '42501', NULL, 'app cannot read the outbox');
SELECT throws_ok('SELECT 1 FROM ticket_number_counters', '42501', NULL, 'app cannot read ticket counters');
:as_pa
SELECT throws_ok('SELECT 1 FROM outbox', '42501', NULL, 'not even a platform admin reads the outbox directly');

-- Users.
:as_ca
SELECT ok((SELECT count(*) FROM users WHERE id = :ca) = 1, 'alice sees herself');
SELECT is((SELECT count(*) FROM users WHERE id = :cb), 0::bigint, 'alice does not see bob');
SELECT ok((SELECT count(*) FROM users WHERE id = :xg) = 1, 'alice sees the agent who answered her');
SELECT is((SELECT count(*) FROM users WHERE id = :yg), 0::bigint, 'alice does not see unrelated staff');
SELECT throws_ok('SELECT password_hash FROM users', '42501', NULL, 'password_hash is not readable by the app');
SELECT throws_ok($$UPDATE users SET platform_role = 'admin' WHERE id = '20000000-0000-4000-8000-0000000000d1'$$, '42501', NULL, 'alice cannot make herself platform admin');
SELECT results_eq($$UPDATE users SET name = 'Alice B.' WHERE id = '20000000-0000-4000-8000-0000000000d1' RETURNING name$$, ARRAY['Alice B.'], 'alice renames herself');
SELECT results_eq($$UPDATE users SET name = 'hacked' WHERE id = '20000000-0000-4000-8000-0000000000d2' RETURNING name$$, 'SELECT NULL::text WHERE false', 'alice cannot rename bob');
:as_xg
SELECT ok((SELECT count(*) FROM users WHERE id IN (:ca, :cb)) = 2, 'acme agent sees requesters of acme tickets');
SELECT ok((SELECT count(*) FROM users WHERE id = :xa) = 1, 'acme agent sees acme colleagues');
SELECT is((SELECT count(*) FROM users WHERE id IN (:yg, :nb)), 0::bigint, 'acme agent sees neither globex staff nor strangers');

-- Organizations and settings.
:as_ca
SELECT ok((SELECT count(*) FROM organizations WHERE id = :x_org) = 1, 'signed-in users see active organizations');
SELECT throws_ok($$INSERT INTO organizations (name, slug) VALUES ('Evil', 'evil')$$, '42501', NULL, 'customers cannot create organizations');
SELECT is((SELECT count(*) FROM organization_settings WHERE organization_id = :z_org), 0::bigint, 'customers do not see unprovisioned settings');
:as_xa
SELECT results_eq($$UPDATE organization_settings SET custom_message = 'Hi' WHERE organization_id = '10000000-0000-4000-8000-00000000000a' RETURNING custom_message$$, ARRAY['Hi'], 'acme admin edits acme settings');
SELECT results_eq($$UPDATE organization_settings SET custom_message = 'Hi' WHERE organization_id = '10000000-0000-4000-8000-00000000000b' RETURNING 1$$, 'SELECT 1 WHERE false', 'acme admin cannot edit globex settings');
SELECT throws_ok($$UPDATE organization_settings SET is_provisioned = false WHERE organization_id = '10000000-0000-4000-8000-00000000000a'$$, '42501', NULL, 'org admins cannot (de)provision');
SELECT results_eq($$UPDATE organizations SET name = 'Acme!' WHERE id = '10000000-0000-4000-8000-00000000000a' RETURNING 1$$, 'SELECT 1 WHERE false', 'org admins cannot rename organizations');
:as_xg
SELECT results_eq($$UPDATE organization_settings SET custom_message = 'Hi' WHERE organization_id = '10000000-0000-4000-8000-00000000000a' RETURNING 1$$, 'SELECT 1 WHERE false', 'acme agents cannot edit settings');
:as_pa
SELECT lives_ok($$UPDATE organization_settings SET is_provisioned = true WHERE organization_id = '10000000-0000-4000-8000-00000000000c'$$, 'platform admin provisions an organization');
SELECT lives_ok($$INSERT INTO organizations (name, slug) VALUES ('Initech', 'initech')$$, 'platform admin creates organizations');

-- Memberships and teams.
:as_xg
SELECT is((SELECT count(*) FROM memberships WHERE organization_id = :y_org), 0::bigint, 'acme agent sees no globex memberships');
SELECT is((SELECT count(*) FROM teams WHERE organization_id = :y_org), 0::bigint, 'acme agent sees no globex teams');
SELECT throws_ok($$INSERT INTO memberships (user_id, organization_id, role) VALUES ('20000000-0000-4000-8000-0000000000d1', '10000000-0000-4000-8000-00000000000a', 'admin')$$, '42501', NULL, 'agents cannot add members');
:as_xa
SELECT lives_ok($$INSERT INTO memberships (user_id, organization_id, role) VALUES ('20000000-0000-4000-8000-0000000000d3', '10000000-0000-4000-8000-00000000000a', 'agent')$$, 'acme admin adds a member to acme');
SELECT throws_ok($$INSERT INTO memberships (user_id, organization_id, role) VALUES ('20000000-0000-4000-8000-0000000000b1', '10000000-0000-4000-8000-00000000000b', 'admin')$$, '42501', NULL, 'acme admin cannot join globex');
SELECT throws_ok($$INSERT INTO teams (organization_id, name) VALUES ('10000000-0000-4000-8000-00000000000b', 'mine now')$$, '42501', NULL, 'acme admin cannot create globex teams');
:as_ca
SELECT is((SELECT count(*) FROM memberships) + (SELECT count(*) FROM teams), 0::bigint, 'customers see no memberships or teams');

-- Configuration: readable when signed in, writable by the right admins only.
:as_ca
SELECT ok((SELECT count(*) FROM categories) >= 8 AND (SELECT count(*) FROM sla_policies) >= 4, 'signed-in users read categories and SLA policies');
SELECT throws_ok($$INSERT INTO categories (name, slug) VALUES ('x', 'x')$$, '42501', NULL, 'customers cannot write categories');
:as_xa
SELECT throws_ok($$INSERT INTO categories (name, slug) VALUES ('Global x', 'global-x')$$, '42501', NULL, 'org admins cannot write global categories');
SELECT lives_ok($$INSERT INTO categories (organization_id, name, slug) VALUES ('10000000-0000-4000-8000-00000000000a', 'Acme x', 'acme-x')$$, 'org admins write their org''s categories');
SELECT results_eq($$UPDATE request_types SET name = 'pwned' WHERE organization_id = '10000000-0000-4000-8000-00000000000b' RETURNING 1$$, 'SELECT 1 WHERE false', 'acme admin cannot edit globex request types');
SELECT results_eq($$DELETE FROM sla_policies WHERE organization_id IS NULL RETURNING 1$$, 'SELECT 1 WHERE false', 'org admins cannot delete global SLA policies');
SELECT results_eq($$DELETE FROM field_visibility_rules RETURNING 1$$, 'SELECT 1 WHERE false', 'org admins cannot delete global visibility rules');
:as_xg
SELECT throws_ok($$INSERT INTO events (organization_id, name, starts_at) VALUES ('10000000-0000-4000-8000-00000000000a', 'e', now())$$, '42501', NULL, 'agents cannot write events');
SELECT set_eq('SELECT title FROM canned_responses', ARRAY['Acme hello', 'Global thanks'], 'acme agent: acme public + global canned responses, not globex, not xa''s private');
:as_ca
SELECT is((SELECT count(*) FROM canned_responses), 0::bigint, 'customers see no canned responses');

:as_super
SELECT * FROM finish();
ROLLBACK;
