-- 0029: the acting user's access computed once per transaction
-- (app_access(), app.access_cache). Negative cases first: a cache never
-- outlives a change of user or a write that changes access, and never
-- grants what the tables do not.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(16);

-- A cache left for another user is not taken for this one.
:as_xg
SET LOCAL app.access_cache =
  '20000000-0000-4000-8000-0000000000c1||{10000000-0000-4000-8000-00000000000b}|{10000000-0000-4000-8000-00000000000b}';
SELECT is(app_staff_org_ids(), ARRAY[:x_org]::uuid[], 'a cache keyed to another user is ignored');
SELECT is((SELECT count(*)::int FROM tickets WHERE id = :ty1), 0, 'and grants nothing of theirs');

-- Switching users inside one transaction recomputes.
:as_yg
SELECT is(app_staff_org_ids(), ARRAY[:y_org]::uuid[], 'another user in the same transaction: their organizations');
:as_anon
SELECT is(app_staff_org_ids(), '{}'::uuid[], 'nobody signed in: none');
SELECT is(app_platform_role(), NULL, 'nobody signed in: no platform role');

-- Writes in the same transaction count at once.
:as_xg
SELECT is(app_staff_org_ids(), ARRAY[:x_org]::uuid[], 'the agent works for Acme');
:as_super
INSERT INTO memberships (user_id, organization_id, role) VALUES (:xg, :y_org, 'agent');
:as_xg
SELECT is((SELECT array_agg(o ORDER BY o) FROM unnest(app_staff_org_ids()) o), ARRAY[:x_org, :y_org]::uuid[],
          'a membership granted in the transaction counts at once');
SELECT is((SELECT count(*)::int FROM tickets WHERE id = :ty1), 1, 'and row-level security follows it');
:as_super
UPDATE organizations SET is_active = false WHERE id = :y_org;
:as_xg
SELECT is(app_staff_org_ids(), ARRAY[:x_org]::uuid[], 'an organization deactivated counts at once');
SELECT is((SELECT count(*)::int FROM tickets WHERE id = :ty1), 0, 'its tickets are gone from the agent');
:as_super
UPDATE memberships SET role = 'admin' WHERE user_id = :xg AND organization_id = :x_org;
:as_xg
SELECT is(app_admin_org_ids(), ARRAY[:x_org]::uuid[], 'a role changed to admin counts at once');
:as_super
UPDATE users SET platform_role = 'agent' WHERE id = :xg;
:as_xg
SELECT is(app_platform_role(), 'agent', 'a platform role granted counts at once');
SELECT ok(app_is_platform_staff(), 'app_is_platform_staff follows it');
:as_super
UPDATE users SET is_active = false WHERE id = :xg;
:as_xg
SELECT is(app_staff_org_ids(), '{}'::uuid[], 'a deactivated user has no organizations at once');
:as_super
DELETE FROM memberships WHERE user_id = :xa;
:as_xa
SELECT is(app_admin_org_ids(), '{}'::uuid[], 'a membership removed counts at once');

-- Guards of the function itself.
SELECT ok(NOT has_function_privilege('public', 'app_access()', 'EXECUTE')
          AND (SELECT prosecdef AND proconfig::text LIKE '%search_path=public, pg_temp%' FROM pg_proc
               WHERE proname = 'app_access'),
          'app_access: not for PUBLIC, SECURITY DEFINER with its search_path');

SELECT * FROM finish();
ROLLBACK;
