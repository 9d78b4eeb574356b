-- tests/bench/scale_customer.sql: make the benchmark's customer hold
-- exactly :tickets tickets in a database filled by sql/scale/generate.sql
-- (which gives each of its customers about ten), for GET /my/tickets at
-- scale. Run by scripts/bench.sh as the superuser:
--
--   psql -v email=alice@customer.example -v tickets=50 -f tests/bench/scale_customer.sql
--
-- Tickets of the generator's customers are handed over to :email, three in
-- five from the statuses of the "open" tab (so that its first page is full
-- and has a next page), with triggers off (session_replication_role, as the
-- generator loads), so that nothing is audited or mailed. Idempotent: a
-- customer who holds :tickets already is left alone. It never takes
-- tickets away.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET session_replication_role = replica;
BEGIN;
SELECT id AS bench_user_id FROM users WHERE email = :'email' \gset
SELECT greatest(:tickets - count(*), 0) AS bench_need,
       greatest(:tickets - count(*), 0) * 3 / 5 AS bench_need_open
FROM tickets WHERE requester_id = :'bench_user_id' \gset
WITH scale_customers AS (
  SELECT id FROM users WHERE email LIKE 'customer%@scale.example'
), pick AS (
  (SELECT t.id FROM tickets t JOIN scale_customers c ON c.id = t.requester_id
   WHERE t.status IN ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal')
   LIMIT :bench_need_open)
  UNION ALL
  (SELECT t.id FROM tickets t JOIN scale_customers c ON c.id = t.requester_id
   WHERE t.status IN ('resolved', 'closed', 'cancelled')
   LIMIT :bench_need - :bench_need_open)
)
UPDATE tickets t SET requester_id = :'bench_user_id' FROM pick WHERE t.id = pick.id;
COMMIT;
SELECT count(*) AS tickets, count(*) FILTER (WHERE status IN ('new', 'open', 'in_progress', 'waiting_customer',
       'waiting_internal')) AS open
FROM tickets WHERE requester_id = :'bench_user_id';
