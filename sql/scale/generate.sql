-- sql/scale/generate.sql: fill the database with N realistic tickets for
-- load and plan testing.
--
--   psql -v n=1000000 -f sql/scale/generate.sql        (as a superuser)
--
-- Shape: 50 provisioned organizations (1 admin + 4 agents each), N/10
-- customers, N tickets over the last 24 months (90% routed to an
-- organization, 5% hybrid, 5% internal; ~12% still open), ~10 messages per
-- ticket (1 in 5 an internal note), one 'created' audit row per ticket.
--
-- Speed: set-based INSERT ... SELECT over generate_series, with triggers and
-- FK checks off (session_replication_role = replica, superuser only) and the
-- secondary indexes of the big tables dropped during the load and rebuilt
-- after. Everything the triggers would have maintained is computed here:
-- numbers (per-month counters advanced past them), SLA targets from
-- sla_policies, first response/resolution timestamps and minutes,
-- last_activity_at, the queue counts. Rerunnable: each run adds another batch (orgs and users
-- are reused by slug/email).
\set ON_ERROR_STOP on
\if :{?n}
\else
  \set n 100000
\endif
\timing on
SET client_min_messages = warning;
SET session_replication_role = replica;
SET maintenance_work_mem = '1GB';
SET work_mem = '256MB';
SET synchronous_commit = off;

\echo generating :n tickets
BEGIN;

-- Organizations with settings, 1 admin + 4 agents each.
INSERT INTO organizations (id, name, slug)
SELECT gen_random_uuid(), 'Scale Org ' || g, 'scale-org-' || g FROM generate_series(1, 50) g
ON CONFLICT (slug) DO NOTHING;
INSERT INTO organization_settings (organization_id, is_provisioned, provisioned_at)
SELECT id, true, now() FROM organizations WHERE slug LIKE 'scale-org-%'
ON CONFLICT (organization_id) DO NOTHING;
INSERT INTO users (email, name, email_verified_at)
SELECT 'staff' || k || '@' || o.slug || '.example', 'Staff ' || k || ' of ' || o.name, now()
FROM organizations o, generate_series(1, 5) k WHERE o.slug LIKE 'scale-org-%'
ON CONFLICT (email) DO NOTHING;
INSERT INTO memberships (user_id, organization_id, role)
SELECT u.id, o.id, CASE WHEN u.email LIKE 'staff1@%' THEN 'admin' ELSE 'agent' END
FROM organizations o JOIN users u ON u.email LIKE 'staff_@' || o.slug || '.example'
WHERE o.slug LIKE 'scale-org-%'
ON CONFLICT (user_id, organization_id) DO NOTHING;

-- Customers: N/10.
INSERT INTO users (email, name, email_verified_at, created_at)
SELECT 'customer' || g || '@scale.example', 'Customer ' || g, now(), now() - interval '900 days'
FROM generate_series(1, greatest(:n / 10, 1)) g
ON CONFLICT (email) DO NOTHING;

-- Lookup arrays, materialized once.
CREATE TEMP TABLE s_orgs AS
  SELECT row_number() OVER (ORDER BY slug) - 1 AS k, id,
         (SELECT array_agg(m.user_id ORDER BY m.user_id) FROM memberships m WHERE m.organization_id = o.id) AS staff
  FROM organizations o WHERE slug LIKE 'scale-org-%';
CREATE TEMP TABLE s_customers AS
  SELECT row_number() OVER (ORDER BY email) - 1 AS k, id FROM users WHERE email LIKE 'customer%@scale.example';
CREATE UNIQUE INDEX ON s_customers (k);
CREATE TEMP TABLE s_types AS
  SELECT row_number() OVER (ORDER BY name) - 1 AS k, id, category_id FROM request_types WHERE organization_id IS NULL;
CREATE TEMP TABLE s_platform_staff AS
  SELECT array_agg(id) AS ids FROM users WHERE platform_role IS NOT NULL;
ANALYZE s_orgs, s_customers, s_types;

-- Drop the secondary indexes of the three big tables; rebuilt at the end.
CREATE TEMP TABLE s_indexes AS
  SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
  FROM pg_index i
  WHERE i.indrelid IN ('tickets'::regclass, 'ticket_messages'::regclass, 'ticket_activity'::regclass)
    AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid);
SELECT format('DROP INDEX %s', name) FROM s_indexes \gexec

-- Tickets. Each row is derived from its ordinal g with cheap hashing so the
-- distribution is stable run to run.
CREATE TEMP TABLE s_tickets AS
WITH base AS (
  SELECT g,
         -- created_at: uniform over 730 days, back from now
         now() - make_interval(secs => ((hashint8(g) & 2147483647) % (730 * 86400))) AS created_at,
         (hashint8(g * 7) & 2147483647) % 100 AS r_route,
         (hashint8(g * 11) & 2147483647) % 1000 AS r_status,
         (hashint8(g * 13) & 2147483647) % 100 AS r_prio,
         (hashint8(g * 17) & 2147483647) % 50 AS org_k,
         (hashint8(g * 19) & 2147483647) % greatest(:n / 10, 1) AS cust_k,
         (hashint8(g * 23) & 2147483647) % 4 AS type_k,
         (hashint8(g * 29) & 2147483647) % 10000 AS r_minutes
  FROM generate_series(1, :n) g
)
SELECT b.g, gen_random_uuid() AS id, b.created_at,
       CASE WHEN b.r_route < 90 THEN 'organization' WHEN b.r_route < 95 THEN 'hybrid' ELSE 'internal' END AS routing_type,
       CASE WHEN b.r_route < 95 THEN o.id END AS assigned_org_id,
       o.staff,
       c.id AS requester_id,
       t.id AS request_type_id, t.category_id,
       -- recent tickets are mostly open, old ones mostly closed
       CASE WHEN b.created_at > now() - interval '30 days' THEN
              (ARRAY['new','open','in_progress','waiting_customer','waiting_internal','resolved','closed','open','new','in_progress'])[1 + b.r_status % 10]
            WHEN b.r_status < 60 THEN
              (ARRAY['new','open','in_progress','waiting_customer','waiting_internal'])[1 + b.r_status % 5]
            WHEN b.r_status < 980 THEN (ARRAY['resolved','closed','closed'])[1 + b.r_status % 3]
            ELSE 'cancelled' END AS status,
       CASE WHEN b.r_prio < 10 THEN 'low' WHEN b.r_prio < 70 THEN 'normal' WHEN b.r_prio < 93 THEN 'high' ELSE 'urgent' END AS priority,
       b.r_minutes,
       to_char(b.created_at AT TIME ZONE 'UTC', 'YYYY-MM') AS period
FROM base b
JOIN s_orgs o ON o.k = b.org_k
JOIN s_customers c ON c.k = b.cust_k
JOIN s_types t ON t.k = b.type_k;

-- Numbers: continue each month's counter (global default prefix).
CREATE TEMP TABLE s_prefix AS SELECT coalesce(setting('ticket_number_prefix') #>> '{}', 'TKT') AS prefix;
CREATE TEMP TABLE s_numbered AS
SELECT s.*, p.prefix,
       coalesce(c.last_value, 0) + row_number() OVER (PARTITION BY s.period ORDER BY s.created_at, s.g) AS seq
FROM s_tickets s CROSS JOIN s_prefix p
LEFT JOIN ticket_number_counters c ON c.prefix = p.prefix AND c.period = s.period;

INSERT INTO ticket_number_counters (prefix, period, last_value)
SELECT prefix, period, max(seq) FROM s_numbered GROUP BY prefix, period
ON CONFLICT (prefix, period) DO UPDATE SET last_value = greatest(ticket_number_counters.last_value, excluded.last_value);

INSERT INTO tickets (id, number, requester_id, organization_id, routing_type, assigned_org_id, assignee_id, assigned_at,
                     title, description, request_type_id, category_id, status, priority, source, tags, custom_fields,
                     sla_policy_id, sla_first_response_due, sla_resolution_due, sla_paused_at,
                     first_response_at, resolved_at, closed_at, response_minutes, resolution_minutes,
                     last_activity_at, created_at, updated_at)
SELECT s.id,
       s.prefix || '-' || s.period || '-' || lpad(s.seq::text, greatest(5, length(s.seq::text)), '0'),
       s.requester_id, s.assigned_org_id, s.routing_type, s.assigned_org_id,
       CASE WHEN s.status <> 'new' AND s.routing_type <> 'internal' THEN s.staff[1 + s.g % cardinality(s.staff)] END,
       CASE WHEN s.status <> 'new' AND s.routing_type <> 'internal' THEN s.created_at + interval '5 minutes' END,
       (ARRAY['Cannot sign in', 'Invoice is wrong', 'Page loads slowly', 'Refund request', 'Event schedule question',
              'Password reset not arriving', 'Export fails', 'Feature idea: dark mode'])[1 + s.g % 8] || ' #' || s.g,
       'Customer report ' || s.g || '. ' ||
       (ARRAY['The page shows an error after login.', 'I was charged twice this month.',
              'Since yesterday everything is slow.', 'Please cancel my order and refund.',
              'When does the event start on Saturday?', 'The reset email never arrives.'])[1 + s.g % 6],
       s.request_type_id, s.category_id, s.status, s.priority,
       (ARRAY['web','email','portal','api','phone','chat','widget'])[1 + s.g % 7],
       CASE WHEN s.g % 5 = 0 THEN ARRAY['vip'] WHEN s.g % 7 = 0 THEN ARRAY['billing','refund'] ELSE '{}' END,
       CASE WHEN s.g % 3 = 0 THEN jsonb_build_object('product_area', (ARRAY['web','email','mobile'])[1 + s.g % 3]) ELSE '{}' END,
       p.id,
       sla_add_minutes(s.created_at, p.first_response_minutes, p.use_business_hours, p.business_hours, p.time_zone),
       sla_add_minutes(s.created_at, p.resolution_minutes, p.use_business_hours, p.business_hours, p.time_zone),
       CASE WHEN s.status = 'waiting_customer' THEN s.created_at + interval '2 hours' END,
       fr.first_response_at,
       rs.resolved_at,
       CASE WHEN s.status = 'closed' THEN rs.resolved_at + interval '1 day' END,
       (extract(epoch FROM fr.first_response_at - s.created_at) / 60)::int,
       (extract(epoch FROM rs.resolved_at - s.created_at) / 60)::int,
       greatest(s.created_at, fr.first_response_at, rs.resolved_at),
       s.created_at,
       greatest(s.created_at, fr.first_response_at, rs.resolved_at)
FROM s_numbered s
JOIN sla_policies p ON p.organization_id IS NULL AND p.priority = s.priority
CROSS JOIN LATERAL (SELECT CASE WHEN s.status <> 'new' THEN s.created_at + make_interval(mins => 5 + s.r_minutes % 600) END
                    AS first_response_at) fr
CROSS JOIN LATERAL (SELECT CASE WHEN s.status IN ('resolved', 'closed')
                                THEN s.created_at + make_interval(mins => 700 + s.r_minutes * 2) END AS resolved_at) rs;

-- Audit: the 'created' row of every ticket.
INSERT INTO ticket_activity (ticket_id, actor_id, activity_type, description, new_value, is_internal, created_at)
SELECT s.id, s.requester_id, 'created', 'Ticket created', 'new', false, s.created_at FROM s_numbered s;

-- Messages: 6..14 per ticket (about 10), alternating customer and staff,
-- every 5th staff message an internal note.
INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, message_type, created_at, updated_at)
SELECT s.id,
       CASE WHEN m % 2 = 1 THEN s.requester_id
            WHEN s.routing_type = 'internal' THEN (SELECT ids[1] FROM s_platform_staff)
            ELSE s.staff[1 + (s.g + m) % cardinality(s.staff)] END,
       CASE WHEN m % 2 = 1 THEN
              (ARRAY['Any update on this?', 'Here is the screenshot you asked for.', 'It happened again this morning.',
                     'Thanks, that fixed it.', 'I still cannot log in.'])[1 + (s.g + m) % 5]
            ELSE (ARRAY['Thanks for reaching out, we are looking into it.', 'Could you send us a screenshot?',
                        'We have escalated this to the billing team.', 'The fix is deployed, please try again.',
                        'Checked logs: timeout on the export worker.'])[1 + (s.g + m) % 5] END
       || ' (' || s.number_hint || ')',
       m % 2 = 0 AND m % 10 = 0,
       CASE WHEN m % 2 = 0 AND m % 10 = 0 THEN 'note' ELSE 'reply' END,
       s.created_at + make_interval(mins => m * 37),
       s.created_at + make_interval(mins => m * 37)
FROM (SELECT n.*, n.g::text AS number_hint FROM s_numbered n) s
CROSS JOIN LATERAL generate_series(1, 6 + (s.g % 9)::int) m;

-- Rebuild the dropped indexes.
SELECT def FROM s_indexes \gexec

-- /desk's queue counts, which the tickets' trigger keeps (0045).
SELECT queue_counts_rebuild();

COMMIT;
RESET session_replication_role;
ANALYZE organizations, users, memberships, tickets, ticket_messages, ticket_activity, ticket_number_counters;
SELECT (SELECT count(*) FROM tickets) AS tickets, (SELECT count(*) FROM ticket_messages) AS messages,
       (SELECT count(*) FROM users) AS users;
