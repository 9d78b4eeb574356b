-- tests/bench/my_tickets_plans.sql: EXPLAIN (ANALYZE, BUFFERS) of the two
-- statements of GET /my/tickets (the "open" tab, no search, first page) as
-- the application role with row-level security, for :email. The
-- statements are copies of q_list_all and q_count_all in src/model/ticket.c
-- (ticket_list_mine and ticket_count_mine without a search): keep them
-- alike. Prepared and run six times first, as a worker's prepared
-- statements are, so that the plan shown is the one PostgreSQL settles on
-- (custom or generic). Run by scripts/bench.sh:
--
--   psql -v email=alice@customer.example -f tests/bench/my_tickets_plans.sql
\set ON_ERROR_STOP on
SELECT id AS plan_user_id FROM users WHERE email = :'email' \gset
BEGIN;
SET LOCAL ROLE supportdesk_app;
SELECT set_config('app.user_id', :'plan_user_id', true) \g /dev/null
PREPARE my_list(text[], bigint, uuid, int) AS
  select t.number, t.title, t.status, extract(epoch from t.last_activity_at)::bigint,
         (extract(epoch from t.last_activity_at) * 1000000)::bigint, t.id
  from tickets t
  where t.requester_id = (select app_user_id()) and t.status = any ($1::text[])
    and ($2::bigint is null or (t.last_activity_at, t.id) <
         (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::uuid))
  order by t.last_activity_at desc, t.id desc limit $4;
PREPARE my_count(text[], text[], text[]) AS
  select count(*) filter (where t.status = any ($1::text[])),
         count(*) filter (where t.status = any ($2::text[])),
         count(*) filter (where t.status = any ($3::text[])), count(*)
  from tickets t where t.requester_id = (select app_user_id());
\set open '{new,open,in_progress,waiting_customer,waiting_internal}'
\set waiting '{waiting_customer}'
\set resolved '{resolved,closed,cancelled}'
\o /dev/null
EXECUTE my_list(:'open', NULL, NULL, 21);
EXECUTE my_list(:'open', NULL, NULL, 21);
EXECUTE my_list(:'open', NULL, NULL, 21);
EXECUTE my_list(:'open', NULL, NULL, 21);
EXECUTE my_list(:'open', NULL, NULL, 21);
EXECUTE my_list(:'open', NULL, NULL, 21);
EXECUTE my_count(:'open', :'waiting', :'resolved');
EXECUTE my_count(:'open', :'waiting', :'resolved');
EXECUTE my_count(:'open', :'waiting', :'resolved');
EXECUTE my_count(:'open', :'waiting', :'resolved');
EXECUTE my_count(:'open', :'waiting', :'resolved');
EXECUTE my_count(:'open', :'waiting', :'resolved');
\o
\echo == ticket_list_mine (the open tab, first page)
EXPLAIN (ANALYZE, BUFFERS) EXECUTE my_list(:'open', NULL, NULL, 21);
\echo == ticket_count_mine (the counts of the tabs)
EXPLAIN (ANALYZE, BUFFERS) EXECUTE my_count(:'open', :'waiting', :'resolved');
ROLLBACK;
