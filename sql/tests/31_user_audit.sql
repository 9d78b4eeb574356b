-- 0031: platform role and account changes audited, and nothing else of a
-- user: never the password hash. Negative cases first.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(7);

:as_super
UPDATE users SET name = 'Renamed', password_hash = NULL, preferred_language = 'fr' WHERE id = :xg;
SELECT is_empty($$SELECT 1 FROM config_audit WHERE entity = 'user'$$, 'a new name or password leaves no audit row');
SELECT is_empty($$SELECT 1 FROM config_audit WHERE before::text LIKE '%password%' OR after::text LIKE '%password%'$$,
                'no audit row holds anything of a password');

:as_pa
SELECT is((SELECT outcome FROM platform_user_set_role('xg@t.example', 'agent')), 'done', 'the platform admin makes xg a platform agent');
:as_super
SELECT is((SELECT before::text || ' ' || after::text FROM config_audit WHERE entity = 'user' AND entity_id = :xg::text),
          '{"email": "xg@t.example", "is_active": true, "platform_role": null} {"email": "xg@t.example", "is_active": true, "platform_role": "agent"}',
          'the role change is audited: the address, the role and the state, before and after');
SELECT is((SELECT actor_id FROM config_audit WHERE entity = 'user' AND entity_id = :xg::text), :pa::uuid,
          'with the platform admin as the actor');
:as_owner
UPDATE users SET is_active = false WHERE id = :yg;
:as_super
SELECT is((SELECT count(*)::int FROM config_audit WHERE entity = 'user' AND entity_id = :yg::text AND actor_id IS NULL
           AND after->>'is_active' = 'false'), 1, 'a deactivation by the owner (the command line) is audited, no actor');
:as_pa
SELECT is((SELECT count(*)::int FROM config_audit WHERE entity = 'user'), 2, 'platform admins read the user rows');

SELECT * FROM finish();
ROLLBACK;
