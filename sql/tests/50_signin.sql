-- Sign-in: auth_signin_check() and auth_password_rehash() (0013), and what
-- the application role may not do with password hashes. Negative cases first.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(35);
:tap_grants

\set old_hash '''$argon2id$v=19$m=8,t=1,p=1$b2xkc2FsdA$b2xkaGFzaA'''
\set new_hash '''$argon2id$v=19$m=65536,t=2,p=1$bmV3c2FsdA$bmV3aGFzaA'''
\set inactive '''20000000-0000-4000-8000-0000000000e1'''
\set lapsed   '''20000000-0000-4000-8000-0000000000e2'''
\set closed   '''20000000-0000-4000-8000-0000000000e3'''
\set w_org    '''10000000-0000-4000-8000-00000000000d'''

:as_super
UPDATE users SET password_hash = :old_hash WHERE id IN (:ca, :cb);
-- A deactivated customer; a member whose membership lapsed; a member of a
-- closed organization.
INSERT INTO users (id, email, name, is_active, password_hash) VALUES
  (:inactive, 'gone@t.example', 'Gone', false, :old_hash),
  (:lapsed, 'lapsed@t.example', 'Lapsed', true, NULL),
  (:closed, 'closed@t.example', 'Closed', true, NULL);
INSERT INTO organizations (id, name, slug, is_active) VALUES (:w_org, 'Wound up', 'wound-up-t', false);
INSERT INTO memberships (user_id, organization_id, role, is_active) VALUES
  (:lapsed, :x_org, 'agent', false), (:closed, :w_org, 'admin', true);

-- ---- what nobody may do ----
SELECT ok(NOT has_function_privilege('public', 'auth_signin_check(boolean)', 'execute'),
          'PUBLIC may not run auth_signin_check');
SELECT ok(NOT has_function_privilege('public', 'auth_password_rehash(text, text)', 'execute'),
          'PUBLIC may not run auth_password_rehash');
SELECT ok(NOT has_column_privilege('supportdesk_app', 'users', 'password_hash', 'SELECT'),
          'the application role cannot read password_hash');
SELECT ok(NOT has_column_privilege('supportdesk_app', 'users', 'password_hash', 'UPDATE'),
          'the application role cannot write password_hash');

:as_anon
SELECT throws_ok($$SELECT password_hash FROM users$$, '42501', NULL, 'anonymous: reading password hashes is refused');
SELECT results_eq($$SELECT may_sign_in, is_staff FROM auth_signin_check()$$, $$VALUES (false, false)$$,
                  'anonymous: nobody to sign in');
SELECT is(auth_password_rehash(:old_hash, :new_hash), false, 'anonymous: no hash to upgrade');
:as_unset
SELECT results_eq($$SELECT may_sign_in FROM auth_signin_check(true)$$, ARRAY[false], 'no app.user_id at all: nobody');

:as_ca
SELECT throws_ok($$UPDATE users SET password_hash = 'x' WHERE id = app_user_id()$$, '42501', NULL,
                 'a customer cannot write her own hash directly');
SELECT throws_ok($$SELECT password_hash FROM users WHERE id = app_user_id()$$, '42501', NULL,
                 'a customer cannot read her own hash');
SELECT is(auth_password_rehash('$argon2id$v=19$m=8,t=1,p=1$c29tZQ$b3RoZXI', :new_hash), false,
          'rehash refused when the stored hash is not the one verified');
SELECT is(auth_password_rehash(:old_hash, '$argon2i$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA'), false,
          'rehash refused for anything but argon2id');
SELECT is(auth_password_rehash(:old_hash, NULL), false, 'rehash refused without a new hash');
SELECT is(auth_password_rehash(NULL, :new_hash), false, 'rehash refused without the old hash');
:as_super
SELECT is((SELECT password_hash FROM users WHERE id = :ca), :old_hash, 'refused rehashes changed nothing');

-- Deactivated: not signed in, nothing upgraded, the address not verified.
RESET ROLE; SET LOCAL ROLE supportdesk_app; SET LOCAL app.user_id = '20000000-0000-4000-8000-0000000000e1';
SELECT results_eq($$SELECT may_sign_in, is_staff FROM auth_signin_check(true)$$, $$VALUES (false, false)$$,
                  'a deactivated account may not sign in');
SELECT is(auth_password_rehash(:old_hash, :new_hash), false, 'a deactivated account gets no new hash');
:as_super
SELECT is((SELECT email_verified_at FROM users WHERE id = :inactive), NULL, 'a deactivated address is not marked verified');
SELECT is((SELECT password_hash FROM users WHERE id = :inactive), :old_hash, 'nor its hash changed');

-- A user id that names nobody.
RESET ROLE; SET LOCAL ROLE supportdesk_app; SET LOCAL app.user_id = '20000000-0000-4000-8000-0000000000ff';
SELECT results_eq($$SELECT may_sign_in FROM auth_signin_check()$$, ARRAY[false], 'an unknown user id signs nobody in');

-- Lapsed membership and closed organization: signed in as customers.
RESET ROLE; SET LOCAL ROLE supportdesk_app; SET LOCAL app.user_id = '20000000-0000-4000-8000-0000000000e2';
SELECT results_eq($$SELECT may_sign_in, is_staff FROM auth_signin_check()$$, $$VALUES (true, false)$$,
                  'an inactive membership is not staff');
RESET ROLE; SET LOCAL ROLE supportdesk_app; SET LOCAL app.user_id = '20000000-0000-4000-8000-0000000000e3';
SELECT results_eq($$SELECT may_sign_in, is_staff FROM auth_signin_check()$$, $$VALUES (true, false)$$,
                  'a membership of an inactive organization is not staff');

-- ---- what works ----
:as_ca
SELECT results_eq($$SELECT may_sign_in, is_staff FROM auth_signin_check()$$, $$VALUES (true, false)$$,
                  'a customer signs in, home is the customer portal');
SELECT is(auth_password_rehash(:old_hash, :new_hash), true, 'her weaker hash is upgraded');
SELECT is(auth_password_rehash(:old_hash, :new_hash), false, 'a second upgrade finds the old hash gone');
:as_super
SELECT is((SELECT password_hash FROM users WHERE id = :ca), :new_hash, 'the new hash is stored');
SELECT is((SELECT password_hash FROM users WHERE id = :cb), :old_hash, 'bob''s identical hash is untouched');
:as_xa
SELECT results_eq($$SELECT may_sign_in, is_staff FROM auth_signin_check()$$, $$VALUES (true, true)$$,
                  'an organization admin is staff');
:as_xg
SELECT results_eq($$SELECT may_sign_in, is_staff FROM auth_signin_check()$$, $$VALUES (true, true)$$,
                  'an organization agent is staff');
:as_pa
SELECT results_eq($$SELECT may_sign_in, is_staff FROM auth_signin_check()$$, $$VALUES (true, true)$$,
                  'a platform admin is staff');
:as_pg
SELECT results_eq($$SELECT may_sign_in, is_staff FROM auth_signin_check()$$, $$VALUES (true, true)$$,
                  'a platform agent is staff');

-- A link proves the address.
:as_nb
SELECT results_eq($$SELECT may_sign_in FROM auth_signin_check(false)$$, ARRAY[true], 'nobody signs in');
:as_super
SELECT is((SELECT email_verified_at FROM users WHERE id = :nb), NULL, 'without a link the address stays unverified');
:as_nb
SELECT results_eq($$SELECT may_sign_in FROM auth_signin_check(true)$$, ARRAY[true], 'nobody signs in by a link');
:as_super
SELECT isnt((SELECT email_verified_at FROM users WHERE id = :nb), NULL, 'and the link marked the address verified');

:as_super
SELECT * FROM finish();
ROLLBACK;
