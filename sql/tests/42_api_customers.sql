-- 0042: customers through the API and service users kept out of the lists
-- of people. Negative cases first: nobody but a key with tickets:write
-- creates a customer, a reserved or malformed address is refused, another
-- organization's staff see none of them, the application cannot clear
-- is_service; then the customers made and found, and auto-assign, the
-- assignee choices and the assignee check skipping the service users.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(29);

:as_xg
SELECT is((SELECT status FROM api_customer_create('carol@t.example', 'Carol')), 'not_allowed',
          'an agent (no key) may not create a customer');
:as_anon
SELECT is((SELECT status FROM api_customer_create('carol@t.example', 'Carol')), 'not_allowed', 'nor may a visitor');
SELECT is((SELECT count(*)::int FROM organization_customers), 0, 'a visitor sees no organization''s customers');

:as_xa
SELECT key_id AS rkey FROM api_key_create(:x_org, 'reader', ARRAY['tickets:read', 'customers:read'], sha256('r')) \gset
SELECT key_id AS wkey FROM api_key_create(:x_org, 'writer', ARRAY['tickets:write'], sha256('w')) \gset
:as_super
SELECT service_user_id AS rsvc FROM api_keys WHERE id = :'rkey' \gset
SELECT service_user_id AS wsvc FROM api_keys WHERE id = :'wkey' \gset
SELECT key_id AS ykey FROM api_key_create_operator('globex-t', 'globex', ARRAY['tickets:write'], sha256('y')) \gset
SELECT service_user_id AS ysvc FROM api_keys WHERE id = :'ykey' \gset
SELECT is((SELECT count(*)::int FROM users WHERE id IN (:'rsvc', :'wsvc', :'ysvc') AND is_service), 3,
          'a key''s service user is marked as such');
SELECT is((SELECT count(*)::int FROM users WHERE is_service), 3, 'and nobody else is');

:as_xg
SELECT throws_ok(format('UPDATE users SET is_service = false WHERE id = %L', :xg), '42501', NULL,
                 'the application may not write is_service');

-- As the reader key's service user: no tickets:write.
:as_anon
SELECT set_config('app.user_id', :'rsvc', true);
SELECT is((SELECT status FROM api_customer_create('carol@t.example', 'Carol')), 'not_allowed',
          'a key without tickets:write may not create a customer');
SELECT set_config('app.user_id', :'wsvc', true);
SELECT is((SELECT status FROM api_customer_create('someone@api.invalid', NULL)), 'invalid_email',
          'the service users'' domain is no customer''s');
SELECT is((SELECT status FROM api_customer_create('no-at-sign', NULL)), 'invalid_email', 'nor is a malformed address');
SELECT is((SELECT status FROM api_customer_create('alice@t.example', NULL)), 'exists',
          'the requester of a ticket of the organization is its customer already');
SELECT is((SELECT customer_id FROM api_customer_create('ALICE@t.example', NULL)), :ca::uuid,
          'found whatever the case of the address, with their id');
SELECT is((SELECT status FROM api_customer_create('carol@t.example', 'Carol')), 'created', 'a new address is created');
SELECT customer_id AS carol FROM api_customer_create('Carol@T.example', 'Other name') \gset
SELECT is((SELECT status FROM api_customer_create('carol@t.example', 'Carol')), 'exists', 'and exists afterwards');
:as_super
SELECT is((SELECT name FROM users WHERE id = :'carol'), 'Carol', 'the second call changed nothing');

:as_yg
SELECT is((SELECT count(*)::int FROM users WHERE email = 'carol@t.example'), 0,
          'another organization''s staff do not see the customer');
SELECT is((SELECT count(*)::int FROM organization_customers), 0, 'nor its record');
:as_ca
SELECT is((SELECT count(*)::int FROM organization_customers), 0, 'a customer sees no organization''s customers');
:as_xg
SELECT is((SELECT count(*)::int FROM users WHERE email = 'carol@t.example'), 1, 'the organization''s staff see her');
:as_anon
SELECT set_config('app.user_id', :'ysvc', true);
SELECT is((SELECT status FROM api_customer_create('carol@t.example', NULL)), 'created',
          'for another organization she is new: nothing says she exists elsewhere');

-- Service users are nobody to assign.
:as_xg
SELECT ok(NOT EXISTS (SELECT FROM desk_agents(false, :x_org) WHERE id IN (:'rsvc', :'wsvc')),
          'the assignee choices leave the service users out');
SELECT ok(EXISTS (SELECT FROM desk_agents(false, :x_org) WHERE id = :xg), 'and keep the people');
SELECT ok(NOT desk_assignee_allowed(:tx1, :'wsvc'), 'a service user may not be given a ticket');
SELECT ok(desk_assignee_allowed(:tx1, :xg), 'an agent may');
:as_super
SELECT is(staff_notify(:'wsvc', :tx1, 'new_ticket', 'New', 'c'), NULL, 'a service user is notified of nothing');
SELECT ok(staff_notify(:xg, :tx1, 'new_ticket', 'New', 'c') IS NOT NULL, 'an agent is');
SELECT ok(NOT EXISTS (SELECT FROM sla_escalation_recipients((SELECT t FROM tickets t WHERE t.id = :tx1), 'agent') r
                      WHERE r IN (:'rsvc', :'wsvc'))
          AND EXISTS (SELECT FROM sla_escalation_recipients((SELECT t FROM tickets t WHERE t.id = :tx1), 'agent') r
                      WHERE r = :xg),
          'escalations to the agents skip the service users');
UPDATE users SET away_since = now() WHERE id IN (:xa, :xg);
SELECT is(auto_assign_pick(:x_org, NULL, NULL), NULL, 'auto-assign picks no service user, even with nobody else');
UPDATE organization_settings SET auto_assign_enabled = true WHERE organization_id = :x_org;
INSERT INTO tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description)
VALUES (:ca, 'organization', :x_org, :x_org, 'Nobody to take it', 'only keys are free') RETURNING id AS lone \gset
SELECT is((SELECT assignee_id FROM tickets WHERE id = :'lone'), NULL, 'a new ticket stays unassigned then');
UPDATE users SET away_since = NULL WHERE id = :xg;
SELECT is(auto_assign_pick(:x_org, NULL, NULL), :xg::uuid, 'and goes to the person who is back');
SELECT * FROM finish();
ROLLBACK;
