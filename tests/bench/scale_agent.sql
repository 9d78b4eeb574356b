-- tests/bench/scale_agent.sql: the benchmark's agent at scale, in a
-- database filled by sql/scale/generate.sql (whose staff have no password):
-- the first agent (by address) of the busiest organization (the most
-- tickets routed to it), a person and not an API key's service user
-- (api-key-...@api.invalid would sort first, and signs in nowhere: 0046),
-- gets the password hash :hash, and the ticket of
-- that organization the workspace bench opens is one with exactly 10
-- messages (the generator gives each 6 to 14), still open. Run by
-- scripts/bench.sh as the superuser:
--
--   psql -v hash="$(supportdesk passwd-hash <<<PASSWORD)" -f tests/bench/scale_agent.sql
--
-- Prints one line "agent EMAIL ticket NUMBER". Idempotent.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SELECT assigned_org_id AS bench_org FROM tickets
WHERE routing_type <> 'internal' AND assigned_org_id IS NOT NULL
GROUP BY assigned_org_id ORDER BY count(*) DESC, assigned_org_id LIMIT 1 \gset
SELECT u.id AS bench_agent_id, u.email AS bench_agent_email
FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.organization_id = :'bench_org' AND m.role = 'agent' AND m.is_active AND u.is_active AND NOT u.is_service
ORDER BY u.email LIMIT 1 \gset
UPDATE users SET password_hash = :'hash' WHERE id = :'bench_agent_id' AND password_hash IS DISTINCT FROM :'hash';
SELECT t.number AS bench_ticket FROM tickets t
WHERE t.assigned_org_id = :'bench_org' AND t.routing_type <> 'internal' AND NOT t.is_spam AND t.deleted_at IS NULL
  AND t.status IN ('open', 'in_progress')
  AND (SELECT count(*) FROM ticket_messages m WHERE m.ticket_id = t.id) = 10
ORDER BY t.last_activity_at DESC LIMIT 1 \gset
\echo agent :bench_agent_email ticket :bench_ticket
