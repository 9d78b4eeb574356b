-- Structural invariants: roles, RLS coverage, FK indexes, definer hygiene.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(12);

SELECT ok(NOT rolsuper AND NOT rolbypassrls AND NOT rolcreaterole, 'supportdesk is an ordinary owner') FROM pg_roles WHERE rolname = 'supportdesk';
SELECT ok(rolcanlogin AND NOT rolsuper AND NOT rolbypassrls AND NOT rolinherit AND NOT rolcreaterole, 'supportdesk_app: login, nosuperuser, nobypassrls, noinherit')
  FROM pg_roles WHERE rolname = 'supportdesk_app';
SELECT is_empty($$SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
                 WHERE r.rolname = 'supportdesk_app'$$, 'supportdesk_app owns nothing');
SELECT is_empty($$SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT c.relrowsecurity$$,
                'every table in public has row-level security enabled');
SELECT is_empty($$SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'public' AND c.relkind = 'r' AND pg_get_userbyid(c.relowner) <> 'supportdesk'$$,
                'every table is owned by supportdesk');
-- Every foreign key is covered by an index whose leading columns are the FK columns.
SELECT is_empty($$
  SELECT con.conrelid::regclass || ' ' || con.conname
  FROM pg_constraint con
  WHERE con.contype = 'f' AND con.connamespace = 'public'::regnamespace
    AND NOT EXISTS (
      SELECT FROM pg_index i
      WHERE i.indrelid = con.conrelid
        AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(con.conkey)] @> con.conkey
        AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(con.conkey)] <@ con.conkey)$$,
  'every foreign key has an index');
SELECT is_empty($$SELECT p.proname FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef
                 AND NOT coalesce(p.proconfig, '{}') @> ARRAY['search_path=public, pg_temp']$$,
                'every SECURITY DEFINER function pins search_path');
SELECT is_empty($$SELECT p.proname FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef
                 AND pg_get_userbyid(p.proowner) = 'supportdesk' AND has_function_privilege('public', p.oid, 'EXECUTE')$$,
                'no SECURITY DEFINER function is executable by PUBLIC');
SELECT ok(has_function_privilege('supportdesk_app', 'submission_verify(bytea)', 'EXECUTE'), 'app may execute submission_verify');
SELECT ok(NOT has_function_privilege('supportdesk_app', 'next_ticket_number(text, timestamptz)', 'EXECUTE'), 'app may not draw ticket numbers directly');
SELECT ok(NOT has_table_privilege('supportdesk_app', 'ticket_activity', 'UPDATE')
          AND NOT has_table_privilege('supportdesk_app', 'ticket_activity', 'DELETE')
          AND NOT has_table_privilege('supportdesk_app', 'ticket_activity', 'INSERT'), 'app has no write privilege on ticket_activity');
SELECT is((SELECT count(*) FROM organizations WHERE is_platform), 1::bigint, 'exactly one platform organization');

SELECT * FROM finish();
ROLLBACK;
