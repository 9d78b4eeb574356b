-- The account (profile through account_update, the password flag) and
-- in-app notifications: row-level security, grants, notification_add,
-- the purge. Negative cases first: alice never reads or changes bob's.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(64);
:tap_grants

\set na1 '''50000000-0000-4000-8000-000000000001'''
\set na2 '''50000000-0000-4000-8000-000000000002'''
\set nb1 '''50000000-0000-4000-8000-000000000003'''
\set nx1 '''50000000-0000-4000-8000-000000000004'''

-- Notifications made as the owner, the way the system makes them.
:as_owner
SELECT isnt(notification_add(:ca, 'reply', 'Reply on your request', 'We are on it', '/my/tickets/T-1', '{"ticket":"T-1"}'),
            NULL, 'the owner adds a notification and gets its id');
:as_super
UPDATE notifications SET id = :na1 WHERE user_id = :ca;
INSERT INTO notifications (id, user_id, type, title, created_at) VALUES
  (:na2, :ca, 'status', 'Alice older', now() - interval '1 hour'),
  (:nb1, :cb, 'reply', 'Bob private', now()),
  (:nx1, :ca, 'status', 'Alice expired', now() - interval '2 days');
UPDATE notifications SET expires_at = now() - interval '1 day' WHERE id = :nx1;

-- ---- negative: nobody but the owner of a row, and no context at all ----
:as_unset
SELECT is((SELECT count(*) FROM notifications), 0::bigint, 'no app.user_id: no notifications');
:as_anon
SELECT is((SELECT count(*) FROM notifications), 0::bigint, 'anonymous: no notifications');
SELECT results_eq($$UPDATE notifications SET read = true RETURNING 1$$, 'SELECT 1 WHERE false',
                  'anonymous marks nothing read');

:as_ca
SELECT is((SELECT count(*) FROM notifications WHERE user_id = :cb), 0::bigint, 'alice never sees bob''s notifications');
SELECT is((SELECT count(*) FROM notifications WHERE id = :nb1), 0::bigint, 'alice cannot fetch bob''s notification by id');
SELECT results_eq($$UPDATE notifications SET read = true WHERE id = '50000000-0000-4000-8000-000000000003' RETURNING 1$$,
                  'SELECT 1 WHERE false', 'alice cannot mark bob''s notification read');
SELECT throws_ok($$UPDATE notifications SET user_id = '20000000-0000-4000-8000-0000000000d1' WHERE id = '50000000-0000-4000-8000-000000000001'$$,
                 '42501', NULL, 'alice cannot move a notification (user_id is not writable)');
SELECT throws_ok($$UPDATE notifications SET title = 'x' WHERE id = '50000000-0000-4000-8000-000000000001'$$,
                 '42501', NULL, 'alice cannot rewrite a notification''s title');
SELECT throws_ok($$UPDATE notifications SET link = 'https://evil.example/' WHERE id = '50000000-0000-4000-8000-000000000001'$$,
                 '42501', NULL, 'alice cannot change a link');
SELECT throws_ok($$INSERT INTO notifications (user_id, type, title) VALUES ('20000000-0000-4000-8000-0000000000d2', 'x', 'spam')$$,
                 '42501', NULL, 'alice cannot insert a notification for bob');
SELECT throws_ok($$INSERT INTO notifications (user_id, type, title) VALUES ('20000000-0000-4000-8000-0000000000d1', 'x', 'self')$$,
                 '42501', NULL, 'alice cannot insert a notification for herself either');
SELECT throws_ok($$DELETE FROM notifications WHERE id = '50000000-0000-4000-8000-000000000001'$$,
                 '42501', NULL, 'nobody deletes notifications through the app');
SELECT throws_ok($$SELECT notification_add('20000000-0000-4000-8000-0000000000d2', 'x', 'phish', NULL, '/x')$$,
                 '42501', NULL, 'the app role cannot call notification_add');
SELECT throws_ok($$SELECT notifications_purge()$$, '42501', NULL, 'the app role cannot call notifications_purge');
:as_super
SELECT is((SELECT read FROM notifications WHERE id = :nb1), false, 'bob''s notification is still unread');

-- Staff and platform admins do not read other people's notifications.
:as_pa
SELECT is((SELECT count(*) FROM notifications), 0::bigint, 'a platform admin sees nobody''s notifications');
:as_xa
SELECT is((SELECT count(*) FROM notifications), 0::bigint, 'an org admin sees nobody''s notifications');

-- ---- positive: alice's own ----
:as_ca
SELECT set_eq('SELECT id FROM notifications', ARRAY[:na1, :na2, :nx1]::uuid[], 'alice sees exactly her own (the expired one too, at the row level)');
SELECT results_eq($$UPDATE notifications SET read = true WHERE id = '50000000-0000-4000-8000-000000000001' RETURNING read_at IS NOT NULL$$,
                  'SELECT true', 'alice marks her own read; read_at is set with it');
SELECT lives_ok($$UPDATE notifications SET read = false WHERE id = '50000000-0000-4000-8000-000000000001'$$, 'and unread again');
SELECT is((SELECT read_at FROM notifications WHERE id = :na1), NULL, 'unread clears read_at');
:as_cb
SELECT set_eq('SELECT id FROM notifications', ARRAY[:nb1]::uuid[], 'bob sees exactly his own');

-- ---- notification_add and the table's checks ----
:as_owner
SELECT is(notification_add('20000000-0000-4000-8000-0000000000ff', 'x', 'nobody'), NULL, 'no row for an unknown user');
SELECT throws_ok($$SELECT notification_add('20000000-0000-4000-8000-0000000000d1', 'x', 'bad', NULL, '//evil.example/')$$,
                 '23514', NULL, 'a link to another host (//) is refused');
SELECT throws_ok($$SELECT notification_add('20000000-0000-4000-8000-0000000000d1', 'x', 'bad', NULL, '/\evil.example/')$$,
                 '23514', NULL, 'a link to another host (/\) is refused');
SELECT throws_ok($$SELECT notification_add('20000000-0000-4000-8000-0000000000d1', 'x', 'bad', NULL, 'https://evil.example/')$$,
                 '23514', NULL, 'an absolute URL is refused');
SELECT throws_ok($$SELECT notification_add('20000000-0000-4000-8000-0000000000d1', 'x', 'bad', NULL, 'javascript:alert(1)')$$,
                 '23514', NULL, 'a javascript: link is refused');
SELECT throws_ok($$SELECT notification_add('20000000-0000-4000-8000-0000000000d1', 'x', 'bad', NULL, E'/a\nb')$$,
                 '23514', NULL, 'a link with a newline is refused');
SELECT throws_ok($$SELECT notification_add('20000000-0000-4000-8000-0000000000d1', 'Bad Type', 'x')$$,
                 '23514', NULL, 'a type outside [a-z0-9_.] is refused');
SELECT isnt(notification_add(:ca, 'reply', repeat('t', 500), repeat('c', 5000), '/my/tickets/T-1?x=1#m'), NULL,
            'a long title and content are cut, not refused; a path with a query is fine');
SELECT is((SELECT length(title) || '/' || length(content) FROM notifications WHERE user_id = :ca AND title LIKE 'ttt%'),
          '200/2000', 'cut to 200 and 2000 characters');
SELECT isnt(notification_add(:ca, 'reply', 'Root link', NULL, '/'), NULL, 'the site root is a valid link');
UPDATE users SET is_active = false WHERE id = :nb;
SELECT is(notification_add(:nb, 'x', 'inactive'), NULL, 'no row for an inactive user');

-- The way others use it: a trigger or function that runs with owner rights,
-- called by the application role.
:as_owner
CREATE FUNCTION t_notify_as_system(p_user uuid) RETURNS uuid
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT notification_add(p_user, 'status', 'From a definer function', NULL, '/my/tickets')
$$;
GRANT EXECUTE ON FUNCTION t_notify_as_system(uuid) TO supportdesk_app;
:as_ca
SELECT isnt(t_notify_as_system(:cb), NULL, 'a SECURITY DEFINER function called by the app adds a notification');
:as_cb
SELECT is((SELECT count(*) FROM notifications WHERE title = 'From a definer function'), 1::bigint, 'and bob sees it');
:as_owner

-- ---- the purge ----
-- (Other tests' expired rows may be in the database too: count them first.)
CREATE TEMP TABLE t_before AS
  SELECT (SELECT count(*) FROM notifications WHERE expires_at < now()) AS expired,
         (SELECT count(*) FROM notifications WHERE expires_at IS NULL OR expires_at >= now()) AS live;
SELECT is(notifications_purge(), (SELECT expired FROM t_before), 'the purge deletes every expired notification');
SELECT is((SELECT count(*) FROM notifications WHERE id = :nx1), 0::bigint, 'alice''s expired one is gone');
SELECT is((SELECT count(*) FROM notifications), (SELECT live FROM t_before), 'nothing unexpired is deleted');
SELECT is(notifications_purge(), 0::bigint, 'a second purge finds nothing');

-- ---- the account: profile through account_update ----
:as_anon
SELECT is(account_update('X', 'en', '{}', '{}'), 'forbidden', 'anonymous cannot update a profile');
SELECT is(account_has_password(), false, 'anonymous has no password');
:as_ca
SELECT is(account_update('Alice A', 'xx', '{email}', '{}'), 'invalid_language', 'an unknown language is refused');
SELECT is(account_update('Alice A', 'en', '{email,fax}', '{}'), 'invalid_channels', 'an unknown channel is refused');
SELECT is(account_update('Alice A', 'en', '{email,api}', '{}'), 'invalid_channels', 'a channel the page does not offer is refused');
SELECT is(account_update('Alice A', 'en', '{email}', '{"reply":"yes"}'), 'invalid_notify', 'a preference that is not a boolean is refused');
SELECT is(account_update('Alice A', 'en', '{email}', '{"spam":true}'), 'invalid_notify', 'an unknown event is refused');
SELECT is(account_update(E'Alice\nA', 'en', '{email}', '{}'), 'invalid_name', 'a name with a newline is refused');
:as_super
SELECT is((SELECT name FROM users WHERE id = :ca), 'Alice', 'refused updates wrote nothing');
UPDATE users SET communication_channels = '{widget}', preferences = '{"theme":"dark"}' WHERE id = :ca;
:as_ca
SELECT is(account_update('  Alice A  ', 'de', '{phone,email,email}', '{"reply":true,"waiting":false,"resolved":true,"closed":false}'),
          'ok', 'alice saves her profile');
:as_super
SELECT is((SELECT name || '|' || preferred_language || '|' || array_to_string(communication_channels, ',') FROM users WHERE id = :ca),
          'Alice A|de|email,phone,widget', 'name trimmed; language; channels deduplicated, the system''s widget kept');
SELECT is((SELECT preferences FROM users WHERE id = :ca),
          '{"theme":"dark","notify":{"reply":true,"waiting":false,"resolved":true,"closed":false}}'::jsonb,
          'notify written under preferences, the rest kept');
SELECT is((SELECT coalesce(preferences->'notify'->>'waiting', 'true') <> 'false' FROM users WHERE id = :ca), false,
          'the documented reading: waiting is off');
SELECT is((SELECT coalesce(preferences->'notify'->>'reply', 'true') <> 'false' FROM users WHERE id = :cb), true,
          'the documented reading: absent means on');
SELECT is((SELECT name FROM users WHERE id = :cb), 'Bob', 'account_update never touched bob');
:as_ca
SELECT is(account_update('', 'en', '{}', '{}'), 'ok', 'an empty name clears it');
:as_super
SELECT is((SELECT name FROM users WHERE id = :ca), NULL, 'the name is cleared');

-- Direct writes: only one's own row, only the profile columns.
:as_ca
SELECT results_eq($$UPDATE users SET name = 'hacked' WHERE id = '20000000-0000-4000-8000-0000000000d2' RETURNING 1$$,
                  'SELECT 1 WHERE false', 'alice cannot update bob''s profile');
SELECT throws_ok($$UPDATE users SET email = 'x@y.example' WHERE id = '20000000-0000-4000-8000-0000000000d1'$$,
                 '42501', NULL, 'alice cannot change her email directly');
SELECT throws_ok($$UPDATE users SET platform_role = 'admin' WHERE id = '20000000-0000-4000-8000-0000000000d1'$$,
                 '42501', NULL, 'alice cannot make herself platform admin');
SELECT throws_ok($$SELECT password_hash FROM users WHERE id = '20000000-0000-4000-8000-0000000000d1'$$,
                 '42501', NULL, 'alice cannot read her password hash');

-- The password flag.
SELECT is(account_has_password(), false, 'alice has no password yet');
SELECT is(app_user_set_password('$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g'), true, 'alice sets a password hash');
SELECT is(account_has_password(), true, 'now she has one');

SELECT * FROM finish();
ROLLBACK;
