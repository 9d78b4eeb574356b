-- 0046: an API key's service user signs in nowhere. Negative cases first:
-- given a password hash (as a benchmark once gave one), it is found by no
-- sign-in lookup in any case of its address, signs in with no link or
-- token, gets no password stored or upgraded, is matched by no guest
-- access and invited into no organization; then the people are still
-- found and signed in, and the key itself still works (api_key_auth, and
-- the staff access row-level security gives its user).
BEGIN;
\ir lib/fixtures.psql
SELECT plan(29);
:tap_grants

\set hash     '''$argon2id$v=19$m=8,t=1,p=1$b2xkc2FsdA$b2xkaGFzaA'''
\set new_hash '''$argon2id$v=19$m=65536,t=2,p=1$bmV3c2FsdA$bmV3aGFzaA'''

:as_xa
SELECT key_id AS xkey FROM api_key_create(:x_org, 'bench bot', ARRAY['tickets:read', 'tickets:write'], sha256('x')) \gset
:as_super
SELECT key_id AS ykey FROM api_key_create_operator('globex-t', 'globex bot', ARRAY['tickets:read'], sha256('y')) \gset
SELECT u.id AS svc, u.email AS svc_email FROM api_keys k JOIN users u ON u.id = k.service_user_id
WHERE k.id = :'xkey' \gset
SELECT u.email AS ysvc_email FROM api_keys k JOIN users u ON u.id = k.service_user_id WHERE k.id = :'ykey' \gset
UPDATE users SET password_hash = :hash WHERE id IN (:'svc', :ca);
-- A ticket of the service user's own (nothing makes one today; guest
-- access must not lead to it if something ever does).
INSERT INTO tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description)
VALUES (:'svc', 'organization', :x_org, :x_org, 'Made by the bot', 'for itself') RETURNING number AS svc_ticket \gset
SELECT number AS tx1_number FROM tickets WHERE id = :tx1 \gset
SELECT count(*) AS tracked_before FROM track_requests \gset

-- ---- what a service user gets: nothing ----
:as_anon
SELECT is_empty(format('SELECT 1 FROM auth_login_lookup(%L)', :'svc_email'),
                'the password lookup finds no service user, password hash or not');
SELECT is_empty(format('SELECT 1 FROM auth_login_lookup(%L)', upper(:'svc_email')),
                'nor in another case of its address');
SELECT is_empty(format('SELECT 1 FROM track_request(%L, %L, %L)', :'svc_email', :'svc_ticket', '192.0.2.9'),
                'guest access finds no ticket of a service user');
:as_super
SELECT is((SELECT count(*)::int FROM track_requests), :tracked_before + 1, 'and the attempt is recorded as any other');

:as_anon
SELECT set_config('app.user_id', :'svc', true);
SELECT results_eq($$SELECT may_sign_in, is_staff FROM auth_signin_check()$$, $$VALUES (false, false)$$,
                  'a service user may not sign in (a link or token issued before is worth nothing)');
SELECT is((app_access())[5], 'true', 'the access of a service user says so (what ends a session of one)');
SELECT set_config('app.access_cache', '', true);
SELECT set_config('app.user_id', '20000000-0000-4000-8000-0000000000b2', true);
SELECT is((app_access())[5], 'false', 'and a person''s says not');
SELECT set_config('app.access_cache', '', true);
SELECT set_config('app.user_id', :'svc', true);
SELECT results_eq($$SELECT may_sign_in, is_staff FROM auth_signin_check(true)$$, $$VALUES (false, false)$$,
                  'not even with its address proved');
SELECT is(app_user_set_password(:new_hash), false, 'a reset link redeemed for one stores no password');
SELECT is(auth_password_rehash(:hash, :new_hash), false, 'nor is its hash upgraded');
SELECT ok(exists (SELECT FROM users u WHERE u.id = app_user_id() AND u.is_service),
          'it reads its own is_service (the dispatcher ends a session of one on it)');
:as_super
SELECT is((SELECT password_hash FROM users WHERE id = :'svc'), :hash, 'its hash is unchanged');

:as_xa
SELECT is((SELECT outcome FROM admin_member_invite(:x_org, :'ysvc_email', NULL, 'agent')), 'invalid',
          'another organization''s key is invited nowhere');
SELECT is((SELECT outcome FROM admin_member_invite(:x_org, :'svc_email', NULL, 'admin')), 'invalid',
          'nor is the organization''s own key (no invitation link, no admin role)');
:as_super
SELECT is((SELECT count(*)::int FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = :'ysvc_email'), 1,
          'the other key''s user is a member of its own organization only');
SELECT is((SELECT role FROM memberships WHERE user_id = :'svc'), 'agent', 'and this one stays an agent');

-- ---- people, and the key itself, as before ----
:as_anon
SELECT results_eq($$SELECT user_id, password_hash FROM auth_login_lookup('ALICE@t.example')$$,
                  $$VALUES ('20000000-0000-4000-8000-0000000000d1'::uuid,
                            '$argon2id$v=19$m=8,t=1,p=1$b2xkc2FsdA$b2xkaGFzaA'::text)$$,
                  'a person is found with her hash');
SELECT results_eq(format('SELECT user_id FROM track_request(%L, %L, %L)', 'alice@t.example', :'tx1_number', '192.0.2.9'),
                  $$VALUES ('20000000-0000-4000-8000-0000000000d1'::uuid)$$,
                  'guest access still leads a person to her ticket');
SELECT is((SELECT service_user_id FROM api_key_auth(:'xkey')), :'svc'::uuid,
          'the key still authenticates as its service user');
:as_ca
SELECT results_eq($$SELECT may_sign_in, is_staff FROM auth_signin_check()$$, $$VALUES (true, false)$$,
                  'a customer signs in');
SELECT is(auth_password_rehash(:hash, :new_hash), true, 'her hash is upgraded');
SELECT is(app_user_set_password(:hash), true, 'and she may choose a password');
SELECT ok(NOT exists (SELECT FROM users u WHERE u.id = app_user_id() AND u.is_service), 'she is no service user');
:as_xg
SELECT results_eq($$SELECT may_sign_in, is_staff FROM auth_signin_check()$$, $$VALUES (true, true)$$,
                  'an agent signs in to the desk');
:as_anon
SELECT set_config('app.user_id', :'svc', true);
SELECT ok(:x_org::uuid = ANY (app_staff_org_ids()), 'the key''s user is still its organization''s staff for the API');
SELECT is((SELECT count(*)::int FROM tickets WHERE id = :tx1), 1, 'and sees its tickets');
:as_xa
SELECT is((SELECT outcome FROM admin_member_invite(:x_org, 'new.agent@t.example', 'New Agent', 'agent')), 'invited',
          'a person is invited');
SELECT is((SELECT outcome FROM admin_member_invite(:x_org, 'xg@t.example', NULL, 'agent')), 'already_member',
          'a member is one already');
:as_super
SELECT is((SELECT password_hash FROM users WHERE id = :ca), :hash, 'her chosen hash is stored');
SELECT * FROM finish();
ROLLBACK;
