-- hot_agent_open.sql: the support portal's default queue: "open tickets of my
-- organization, newest first, 50 rows". Runs as supportdesk_app after
-- set_config('app.user_id', <agent>, true); RLS adds the org-staff check.
-- The C code binds $1 = the organization being viewed (psql: -v org_id=...).
-- Served by tickets_org_open_created_idx (partial on the open statuses).
SELECT t.id, t.number, t.title, t.status, t.priority, t.assignee_id, t.team_id,
       t.sla_first_response_due, t.sla_resolution_due, t.last_activity_at, t.created_at
FROM tickets t
WHERE t.assigned_org_id = :'org_id'
  AND t.status IN ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal')
  AND NOT t.is_spam
ORDER BY t.created_at DESC, t.id DESC
LIMIT 50;
