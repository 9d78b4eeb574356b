-- 0033: API keys. Negative cases first: an agent, another organization's
-- admin and a visitor create, revoke and see nothing; the application never
-- reads a key's hash; then the admin's key, its service user under RLS, the
-- idempotency store and api_ticket_create.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(22);

:as_xg
SELECT is((SELECT status FROM api_key_create(:x_org, 'agent key', ARRAY['tickets:read'], sha256('s1'))),
          'not_found', 'an agent may not create a key');
:as_yg
SELECT is((SELECT status FROM api_key_create(:x_org, 'foreign key', ARRAY['tickets:read'], sha256('s1'))),
          'not_found', 'another organization''s staff may not');
:as_anon
SELECT is((SELECT status FROM api_key_create(:x_org, 'anon key', ARRAY['tickets:read'], sha256('s1'))),
          'not_found', 'a visitor may not');
SELECT throws_ok($$SELECT * FROM api_key_create_operator('x', 'n', ARRAY['tickets:read'], sha256('s'))$$,
                 '42501', NULL, 'the operator''s function is not the application''s');
:as_xa
SELECT is((SELECT status FROM api_key_create(:x_org, 'bad scope', ARRAY['tickets:delete'], sha256('s1'))),
          'invalid', 'an unknown scope is refused');
SELECT is((SELECT status FROM api_key_create(:x_org, '  ', ARRAY['tickets:read'], sha256('s1'))),
          'invalid', 'a blank name is refused');
SELECT is((SELECT status FROM api_key_create(:x_org, 'short hash', ARRAY['tickets:read'], '\x00'::bytea)),
          'invalid', 'a hash of the wrong size is refused');
SELECT is((SELECT status FROM api_key_create(:x_org, 'expired', ARRAY['tickets:read'], sha256('s1'), now() - interval '1 hour')),
          'invalid', 'an expiry in the past is refused');
:as_super
SELECT is((SELECT count(*)::int FROM api_keys), 0, 'nothing was created by the refusals');

:as_xa
SELECT key_id AS xkey FROM api_key_create(:x_org, 'CRM sync', ARRAY['tickets:read', 'tickets:write'], sha256('secret-x')) \gset
SELECT ok(:'xkey' IS NOT NULL, 'an admin creates a key of their organization');
SELECT is((SELECT count(*)::int FROM api_keys), 1, 'and sees it');
SELECT throws_ok($$SELECT secret_hash FROM api_keys$$, '42501', NULL, 'but never its hash');
:as_yg
SELECT is((SELECT count(*)::int FROM api_keys), 0, 'staff of another organization see no key');
:as_xg
SELECT is((SELECT count(*)::int FROM api_keys), 0, 'an agent of the organization sees none either');
:as_anon
SELECT is((SELECT secret_hash FROM api_key_auth(:'xkey')), sha256('secret-x'), 'api_key_auth finds the hash by id');
SELECT is((SELECT api_key_revoke(:x_org, :'xkey')), 'not_found', 'a visitor may not revoke it');

:as_super
SELECT service_user_id AS xsvc FROM api_keys WHERE id = :'xkey' \gset
SELECT is((SELECT count(*)::int FROM config_audit WHERE entity = 'api_key' AND entity_id = :'xkey'
           AND NOT (after::text LIKE '%secret%')), 1, 'the creation is audited, without the hash');
SET LOCAL ROLE supportdesk_app;
SELECT set_config('app.user_id', :'xsvc', true);
SELECT ok((SELECT count(*) FROM tickets WHERE organization_id = :x_org) > 0
          AND (SELECT count(*) FROM tickets WHERE organization_id = :y_org) = 0,
          'the service user sees its organization''s tickets and no other''s');
SELECT ok(api_idempotency_put('k1', sha256('body'), 201, '/api/v1/tickets/X-1', '{}'), 'stores an answer');
SELECT is((SELECT status FROM api_idempotency_get('k1')), 201, 'and reads it back');
:as_xa
SELECT is((SELECT count(*)::int FROM api_idempotency_get('k1')), 0, 'nobody else reads it');
SELECT is((SELECT api_key_revoke(:x_org, :'xkey')), 'ok', 'the admin revokes the key');
SELECT * FROM finish();
ROLLBACK;
