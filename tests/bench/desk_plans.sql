-- tests/bench/desk_plans.sql: EXPLAIN (ANALYZE, BUFFERS) of the queue
-- statements of GET /desk as the application role with row-level security,
-- for the agent :email of one organization: the seven counts (six kept by
-- the tickets' trigger, 0045, and the SLA queue's capped one; q_counts_org
-- of src/model/queue.c, "== counts", planned once) and the list by last
-- activity (q_list[QUEUE_SORT_UPDATED][desc]) for the mine queue, the open
-- queue, a filtered one (priority urgent), and searched ones (a common word
-- of the generated messages and a word in none). The statements are copies
-- of the ones in src/model/queue.c: keep them alike. The first pages of
-- mine and open with no filter are q_list_plain's, planned once per
-- connection; the other lists are planned per call, as the desk plans them
-- (queue_plan_per_call). Run by scripts/bench.sh:
--
--   psql -v email=staff2@scale-org-30.example -f tests/bench/desk_plans.sql
\set ON_ERROR_STOP on
SELECT u.id AS plan_user_id, m.organization_id AS plan_org FROM users u JOIN memberships m ON m.user_id = u.id
WHERE u.email = :'email' AND m.is_active LIMIT 1 \gset
BEGIN;
SET LOCAL ROLE supportdesk_app;
SELECT set_config('app.user_id', :'plan_user_id', true) \g /dev/null
SELECT set_config('plan_cache_mode', 'force_custom_plan', true) \g /dev/null
PREPARE desk_counts(uuid, int) AS
  select coalesce(sum(c.n) filter (where c.queue = 1 and c.assignee_id = (select app_user_id())), 0), coalesce(sum(c.n) filter (where c.queue = 1 and c.assignee_id is null), 0), coalesce(sum(c.n) filter (where c.queue = 1), 0), coalesce(sum(c.n) filter (where c.queue = 2), 0), (select count(*) from (select 1 from tickets t left join sla_policies p on p.id = t.sla_policy_id where (t.routing_type <> 'internal' and t.assigned_org_id = $1::uuid) and not t.is_spam and t.status in ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal') and (t.resolved_at is null and t.sla_paused_at is null and t.status in ('new', 'open', 'in_progress', 'waiting_internal') and desk_sla_state(t.status, t.sla_paused_at, t.created_at, t.first_response_at, t.sla_first_response_due, t.resolved_at, t.sla_resolution_due, p.warning_threshold_percent, now()) in ('at_risk', 'breached')) limit $2) x), coalesce(sum(c.n) filter (where c.queue = 3), 0), coalesce(sum(c.n) filter (where c.queue = 4), 0) from ticket_queue_counts c where c.organization_id = $1::uuid;
PREPARE desk_list(boolean, uuid, text[], boolean, boolean, uuid, boolean, text, uuid, uuid, uuid, text, text, text, text, int, bigint, uuid) AS
  with ids as materialized (select t.id, (extract(epoch from t.last_activity_at) * 1000000)::bigint as k1, 0::bigint as k2 from tickets t where ($1::boolean or (t.routing_type <> 'internal' and case when $2::uuid is null then t.assigned_org_id = any ((select app_staff_org_ids())::uuid[]) else t.assigned_org_id = $2::uuid end)) and t.status = any ($3::text[]) and t.is_spam = $4::boolean and (not $5::boolean or t.assignee_id is null) and ($6::uuid is null or t.assignee_id = $6::uuid) and (not $7::boolean or (t.resolved_at is null and t.sla_paused_at is null and t.status in ('new', 'open', 'in_progress', 'waiting_internal') and desk_sla_state(t.status, t.sla_paused_at, t.created_at, t.first_response_at, t.sla_first_response_due, t.resolved_at, t.sla_resolution_due, (select p.warning_threshold_percent from sla_policies p where p.id = t.sla_policy_id), now()) in ('at_risk', 'breached'))) and ($8::text is null or t.priority = $8::text) and ($9::uuid is null or t.team_id = $9::uuid) and ($10::uuid is null or t.category_id = $10::uuid) and ($11::uuid is null or t.request_type_id = $11::uuid) and ($12::text is null or t.tags @> array[$12::text]) and ($13::text is null or t.search @@ portal_tsquery($13::text) or desk_messages_match(t.id, portal_tsquery($13::text))) and ($14::text is null or t.number = $14::text) and ($15::text is null or t.requester_id = any (desk_requester_ids($15::text))) and ($17::bigint is null or (t.last_activity_at, t.id) < ((timestamptz 'epoch' + $17::bigint * interval '1 microsecond'), $18::uuid)) order by t.last_activity_at desc, t.id desc limit $16), page as materialized (select t.id, t.number, t.title, t.status, t.priority, t.assignee_id, t.team_id, t.assigned_org_id, t.routing_type, t.sla_policy_id, t.sla_paused_at, t.created_at, t.first_response_at, t.sla_first_response_due, t.resolved_at, t.sla_resolution_due, t.last_activity_at, t.is_spam, ids.k1, ids.k2 from ids join tickets t on t.id = ids.id) select t.id, t.number, t.title, t.status, t.priority, pe.requester, t.assignee_id, pe.assignee, tm.name, o.name, desk_sla_state(t.status, t.sla_paused_at, t.created_at, t.first_response_at, t.sla_first_response_due, t.resolved_at, t.sla_resolution_due, p.warning_threshold_percent, now()), nullif(extract(epoch from coalesce(case when t.status in ('new', 'open', 'in_progress', 'waiting_internal') and t.sla_paused_at is null then coalesce(case when t.first_response_at is null then t.sla_first_response_due end, case when t.resolved_at is null then t.sla_resolution_due end) end, timestamptz '9999-12-31 00:00:00+00'))::bigint, 253402214400), extract(epoch from t.last_activity_at)::bigint, t.is_spam, t.k1, t.k2 from page t left join desk_ticket_people((select array_agg(id) from page)) pe on pe.ticket_id = t.id left join teams tm on tm.id = t.team_id left join organizations o on o.id = t.assigned_org_id and t.routing_type <> 'internal' left join sla_policies p on p.id = t.sla_policy_id order by t.k1 desc, t.k2 desc, t.id desc;
PREPARE desk_plain_mine(uuid, int, uuid) AS
  with page as materialized (select t.id, t.number, t.title, t.status, t.priority, t.assignee_id, t.team_id, t.assigned_org_id, t.routing_type, t.sla_policy_id, t.sla_paused_at, t.created_at, t.first_response_at, t.sla_first_response_due, t.resolved_at, t.sla_resolution_due, t.last_activity_at, t.is_spam, (extract(epoch from t.last_activity_at) * 1000000)::bigint as k1, 0::bigint as k2 from tickets t where t.routing_type <> 'internal' and t.assigned_org_id = $1::uuid and not t.is_spam and t.status in ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal') and t.assignee_id = $3::uuid order by t.last_activity_at desc, t.id desc limit $2) select t.id, t.number, t.title, t.status, t.priority, pe.requester, t.assignee_id, pe.assignee, tm.name, o.name, desk_sla_state(t.status, t.sla_paused_at, t.created_at, t.first_response_at, t.sla_first_response_due, t.resolved_at, t.sla_resolution_due, p.warning_threshold_percent, now()), nullif(extract(epoch from coalesce(case when t.status in ('new', 'open', 'in_progress', 'waiting_internal') and t.sla_paused_at is null then coalesce(case when t.first_response_at is null then t.sla_first_response_due end, case when t.resolved_at is null then t.sla_resolution_due end) end, timestamptz '9999-12-31 00:00:00+00'))::bigint, 253402214400), extract(epoch from t.last_activity_at)::bigint, t.is_spam, t.k1, t.k2 from page t left join desk_ticket_people((select array_agg(id) from page)) pe on pe.ticket_id = t.id left join teams tm on tm.id = t.team_id left join organizations o on o.id = t.assigned_org_id and t.routing_type <> 'internal' left join sla_policies p on p.id = t.sla_policy_id order by t.k1 desc, t.k2 desc, t.id desc;
PREPARE desk_plain_open(uuid, int) AS
  with page as materialized (select t.id, t.number, t.title, t.status, t.priority, t.assignee_id, t.team_id, t.assigned_org_id, t.routing_type, t.sla_policy_id, t.sla_paused_at, t.created_at, t.first_response_at, t.sla_first_response_due, t.resolved_at, t.sla_resolution_due, t.last_activity_at, t.is_spam, (extract(epoch from t.last_activity_at) * 1000000)::bigint as k1, 0::bigint as k2 from tickets t where t.routing_type <> 'internal' and t.assigned_org_id = $1::uuid and not t.is_spam and t.status in ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal') order by t.last_activity_at desc, t.id desc limit $2) select t.id, t.number, t.title, t.status, t.priority, pe.requester, t.assignee_id, pe.assignee, tm.name, o.name, desk_sla_state(t.status, t.sla_paused_at, t.created_at, t.first_response_at, t.sla_first_response_due, t.resolved_at, t.sla_resolution_due, p.warning_threshold_percent, now()), nullif(extract(epoch from coalesce(case when t.status in ('new', 'open', 'in_progress', 'waiting_internal') and t.sla_paused_at is null then coalesce(case when t.first_response_at is null then t.sla_first_response_due end, case when t.resolved_at is null then t.sla_resolution_due end) end, timestamptz '9999-12-31 00:00:00+00'))::bigint, 253402214400), extract(epoch from t.last_activity_at)::bigint, t.is_spam, t.k1, t.k2 from page t left join desk_ticket_people((select array_agg(id) from page)) pe on pe.ticket_id = t.id left join teams tm on tm.id = t.team_id left join organizations o on o.id = t.assigned_org_id and t.routing_type <> 'internal' left join sla_policies p on p.id = t.sla_policy_id order by t.k1 desc, t.k2 desc, t.id desc;
\set active '{new,open,in_progress,waiting_customer,waiting_internal}'
\o /dev/null
SELECT set_config('plan_cache_mode', 'force_generic_plan', true) \g /dev/null
EXECUTE desk_counts(:'plan_org', 1000);
SELECT set_config('plan_cache_mode', 'force_custom_plan', true) \g /dev/null
EXECUTE desk_list(false, :'plan_org', :'active', false, false, NULL, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 51, NULL, NULL);
\o
\echo '== counts (6 kept, the SLA queue capped at 1000; one plan per connection)'
SELECT set_config('plan_cache_mode', 'force_generic_plan', true) \g /dev/null
EXPLAIN (ANALYZE, BUFFERS) EXECUTE desk_counts(:'plan_org', 1000);
SELECT set_config('plan_cache_mode', 'force_custom_plan', true) \g /dev/null
\echo '== first page of mine (q_list_plain, one plan per connection)'
SELECT set_config('plan_cache_mode', 'force_generic_plan', true) \g /dev/null
\o /dev/null
EXECUTE desk_plain_mine(:'plan_org', 51, :'plan_user_id');
\o
EXPLAIN (ANALYZE, BUFFERS) EXECUTE desk_plain_mine(:'plan_org', 51, :'plan_user_id');
\echo '== first page of open (q_list_plain, one plan per connection)'
\o /dev/null
EXECUTE desk_plain_open(:'plan_org', 51);
\o
EXPLAIN (ANALYZE, BUFFERS) EXECUTE desk_plain_open(:'plan_org', 51);
SELECT set_config('plan_cache_mode', 'force_custom_plan', true) \g /dev/null
\echo '== list mine'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE desk_list(false, :'plan_org', :'active', false, false, :'plan_user_id', false, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 51, NULL, NULL);
\echo '== list open'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE desk_list(false, :'plan_org', :'active', false, false, NULL, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 51, NULL, NULL);
\echo '== list open priority=urgent'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE desk_list(false, :'plan_org', :'active', false, false, NULL, false, 'urgent', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 51, NULL, NULL);
\echo '== list open q=screenshot (common)'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE desk_list(false, :'plan_org', :'active', false, false, NULL, false, NULL, NULL, NULL, NULL, NULL, 'screenshot', NULL, NULL, 51, NULL, NULL);
\echo '== list open q=zeppelin (in no ticket)'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE desk_list(false, :'plan_org', :'active', false, false, NULL, false, NULL, NULL, NULL, NULL, NULL, 'zeppelin', NULL, NULL, 51, NULL, NULL);
ROLLBACK;
