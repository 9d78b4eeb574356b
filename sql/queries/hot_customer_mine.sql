-- hot_customer_mine.sql: the customer portal's "my tickets", newest first,
-- 50 rows. Runs as supportdesk_app after set_config('app.user_id', <customer>, true);
-- the requester is the acting user, so no parameter is needed.
-- Served by tickets_requester_created_idx (requester_id, created_at DESC, id DESC).
SELECT t.id, t.number, t.title, t.status, t.priority, t.last_activity_at, t.created_at
FROM tickets t
WHERE t.requester_id = (SELECT app_user_id())
ORDER BY t.created_at DESC, t.id DESC
LIMIT 50;
