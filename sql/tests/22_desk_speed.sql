-- 0022: the desk's helper functions in PL/pgSQL. What they return, and to
-- whom, is tested in 19_desk_queues.sql (which runs against the current
-- definitions); here that the change of language kept what guards them:
-- PUBLIC may not run them, the app may, each is SECURITY DEFINER with its
-- search_path. Negative cases first.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(4);

SELECT ok(NOT has_function_privilege('public', 'desk_ticket_people(uuid[])', 'EXECUTE')
          AND NOT has_function_privilege('public', 'desk_requester_ids(text)', 'EXECUTE')
          AND NOT has_function_privilege('public', 'desk_agents(boolean, uuid)', 'EXECUTE'),
          'PUBLIC may still not run desk_ticket_people, desk_requester_ids, desk_agents');
SELECT ok(has_function_privilege('supportdesk_app', 'desk_ticket_people(uuid[])', 'EXECUTE')
          AND has_function_privilege('supportdesk_app', 'desk_requester_ids(text)', 'EXECUTE')
          AND has_function_privilege('supportdesk_app', 'desk_agents(boolean, uuid)', 'EXECUTE'),
          'the app may still run them');
SELECT is((SELECT count(*)::int FROM pg_proc
           WHERE proname IN ('desk_ticket_people', 'desk_requester_ids', 'desk_agents')
             AND prosecdef AND proconfig::text LIKE '%search_path=public, pg_temp%' AND provolatile = 's'),
          3, 'each is still STABLE SECURITY DEFINER with its search_path');
SELECT is((SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
           WHERE p.proname IN ('desk_ticket_people', 'desk_requester_ids', 'desk_agents') AND l.lanname = 'plpgsql'),
          ARRAY['desk_agents', 'desk_requester_ids', 'desk_ticket_people'], 'each is PL/pgSQL (its plans cached)');

SELECT * FROM finish();
ROLLBACK;
