-- hot_customer_mine.sql: the customer portal's "my tickets" (GET /my/tickets,
-- the "open" tab), by last activity, one page of 20 and one more row to know
-- whether there is a next page. Runs as supportdesk_app after
-- set_config('app.user_id', <customer>, true); the requester is the acting
-- user, so no parameter is needed. Served by tickets_requester_activity_idx
-- (requester_id, last_activity_at DESC, id DESC): a range scan of one
-- customer's tickets, stopped by the LIMIT. The next page adds
-- AND (t.last_activity_at, t.id) < (cursor) to the same scan.
SELECT t.id, t.number, t.title, t.status, t.last_activity_at
FROM tickets t
WHERE t.requester_id = (SELECT app_user_id())
  AND t.status = ANY ('{new,open,in_progress,waiting_customer,waiting_internal}'::text[])
ORDER BY t.last_activity_at DESC, t.id DESC
LIMIT 21;
