-- Triggers: numbering, updated_at, SLA targets/pauses, first response, metrics,
-- reopen, last activity, audit rows, assignment history, attachment limits, outbox NOTIFY.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(33);
:tap_grants

-- Numbering: org prefix ACME for acme-routed, default TKT otherwise; per month.
:as_super
SELECT matches((SELECT number FROM tickets WHERE id = :tx1), '^ACME-[0-9]{4}-[0-9]{2}-[0-9]{5}$', 'org prefix from organization_settings');
SELECT matches((SELECT number FROM tickets WHERE id = :ti1), '^TKT-[0-9]{4}-[0-9]{2}-[0-9]{5}$', 'default prefix TKT');
INSERT INTO tickets (id, requester_id, title, description, created_at) VALUES
  ('30000000-0000-4000-8000-0000000000f1', :ca, 'old', 'd', '2031-02-10 10:00Z'),
  ('30000000-0000-4000-8000-0000000000f2', :ca, 'old', 'd', '2031-02-11 10:00Z'),
  ('30000000-0000-4000-8000-0000000000f3', :ca, 'old', 'd', '2031-03-01 10:00Z');
SELECT results_eq($$SELECT number FROM tickets WHERE id::text LIKE '30000000-0000-4000-8000-0000000000f%' ORDER BY created_at$$,
                  ARRAY['TKT-2031-02-00001', 'TKT-2031-02-00002', 'TKT-2031-03-00001'], 'counter per month, zero-padded');
UPDATE ticket_number_counters SET last_value = 99999 WHERE prefix = 'TKT' AND period = '2031-03';
INSERT INTO tickets (id, requester_id, title, description, created_at) VALUES ('30000000-0000-4000-8000-0000000000f4', :ca, 'big', 'd', '2031-03-02 10:00Z');
SELECT is((SELECT number FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000f4'), 'TKT-2031-03-100000', 'numbers grow past five digits instead of truncating');
SELECT throws_ok($$INSERT INTO tickets (requester_id, title, description, number) VALUES ('20000000-0000-4000-8000-0000000000d1', 'x', 'y', (SELECT number FROM tickets WHERE id = '30000000-0000-4000-8000-000000000001'))$$,
                 '23505', NULL, 'numbers are unique');

-- SLA at insert: global normal policy, Mon-Fri 09:00-17:00 UTC, 240/1440 minutes.
-- Friday 16:00 + 240 working minutes = Monday 12:00; + 1440 = 3 business days later.
INSERT INTO tickets (id, requester_id, title, description, priority, created_at) VALUES
  ('30000000-0000-4000-8000-0000000000e1', :ca, 'sla', 'd', 'normal', '2030-01-04 16:00Z');  -- a Friday
SELECT is((SELECT sla_first_response_due FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000e1'), '2030-01-07 12:00Z'::timestamptz,
          'first response due skips the weekend (business hours)');
SELECT is((SELECT sla_resolution_due FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000e1'), '2030-01-09 16:00Z'::timestamptz,
          'resolution due = 24 working hours later');
SELECT is((SELECT p.priority FROM tickets t JOIN sla_policies p ON p.id = t.sla_policy_id WHERE t.id = '30000000-0000-4000-8000-0000000000e1'), 'normal', 'sla_policy_id recorded');
-- Priority change recomputes from created_at.
UPDATE tickets SET priority = 'urgent' WHERE id = '30000000-0000-4000-8000-0000000000e1';
SELECT is((SELECT sla_first_response_due FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000e1'), '2030-01-04 16:15Z'::timestamptz,
          'priority change recomputes the first response target');
-- Org-specific policy wins over the global one.
INSERT INTO sla_policies (organization_id, priority, display_name, first_response_minutes, resolution_minutes, use_business_hours)
  VALUES (:x_org, 'low', 'Acme low', 10, 20, false);
INSERT INTO tickets (id, requester_id, routing_type, assigned_org_id, title, description, priority, created_at) VALUES
  ('30000000-0000-4000-8000-0000000000e2', :ca, 'organization', :x_org, 'x', 'd', 'low', '2030-01-05 03:00Z');
SELECT is((SELECT sla_first_response_due FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000e2'), '2030-01-05 03:10Z'::timestamptz,
          'organization policy (24x7) overrides the global one');

-- Pause: waiting_customer stops the clock; resuming shifts due dates by the paused working time.
UPDATE tickets SET status = 'waiting_customer' WHERE id = '30000000-0000-4000-8000-0000000000e2';
SELECT isnt((SELECT sla_paused_at FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000e2'), NULL, 'waiting_customer sets sla_paused_at');
UPDATE tickets SET sla_paused_at = now() - interval '90 minutes' WHERE id = '30000000-0000-4000-8000-0000000000e2';  -- pretend 90 min passed
UPDATE tickets SET status = 'open' WHERE id = '30000000-0000-4000-8000-0000000000e2';
SELECT results_eq($$SELECT sla_paused_at IS NULL, sla_paused_minutes, sla_first_response_due FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000e2'$$,
                  $$VALUES (true, 90, '2030-01-05 04:40Z'::timestamptz)$$, 'resume records 90 paused minutes and shifts the due date');
SELECT throws_ok($$UPDATE tickets SET sla_paused_at = now() WHERE id = '30000000-0000-4000-8000-0000000000e2'$$, '23514', NULL,
                 'a running ticket cannot carry a pause mark');

-- first_response_at: not set by a note or by the customer; set by the first public staff reply.
INSERT INTO tickets (id, requester_id, routing_type, assigned_org_id, title, description, created_at) VALUES
  ('30000000-0000-4000-8000-0000000000e3', :ca, 'organization', :x_org, 'fr', 'd', now() - interval '30 minutes');
INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, message_type) VALUES ('30000000-0000-4000-8000-0000000000e3', :xg, 'n', true, 'note');
INSERT INTO ticket_messages (ticket_id, author_id, body) VALUES ('30000000-0000-4000-8000-0000000000e3', :ca, 'hello?');
SELECT is((SELECT first_response_at FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000e3'), NULL, 'notes and customer replies are not a first response');
INSERT INTO ticket_messages (ticket_id, author_id, body) VALUES ('30000000-0000-4000-8000-0000000000e3', :xg, 'answer');
SELECT results_eq($$SELECT first_response_at = now(), response_minutes FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000e3'$$,
                  $$VALUES (true, 30)$$, 'first public staff reply sets first_response_at and response_minutes');
INSERT INTO ticket_messages (ticket_id, author_id, body, created_at) VALUES ('30000000-0000-4000-8000-0000000000e3', :xa, 'again', now() + interval '1 hour');
SELECT is((SELECT first_response_at FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000e3'), now(), 'later replies keep the first response time');
SELECT is((SELECT last_activity_at FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000e3'), now() + interval '1 hour', 'messages move last_activity_at');
-- A customer reply ends waiting_customer.
UPDATE tickets SET status = 'waiting_customer' WHERE id = '30000000-0000-4000-8000-0000000000e3';
INSERT INTO ticket_messages (ticket_id, author_id, body) VALUES ('30000000-0000-4000-8000-0000000000e3', :ca, 'here you go');
SELECT is((SELECT status FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000e3'), 'open', 'customer reply resumes a waiting ticket');

-- Resolution, metrics, reopen.
UPDATE tickets SET status = 'resolved' WHERE id = '30000000-0000-4000-8000-0000000000e3';
SELECT results_eq($$SELECT resolved_at = now(), resolution_minutes FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000e3'$$,
                  $$VALUES (true, 30)$$, 'resolving sets resolved_at and resolution_minutes');
UPDATE tickets SET status = 'open' WHERE id = '30000000-0000-4000-8000-0000000000e3';
SELECT results_eq($$SELECT reopened_count, resolved_at IS NULL FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000e3'$$,
                  $$VALUES (1, true)$$, 'reopening increments reopened_count and clears resolved_at');
UPDATE tickets SET status = 'closed' WHERE id = '30000000-0000-4000-8000-0000000000e3';
UPDATE tickets SET status = 'in_progress' WHERE id = '30000000-0000-4000-8000-0000000000e3';
SELECT is((SELECT reopened_count FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000e3'), 2, 'reopening a closed ticket counts too');
UPDATE tickets SET status = 'waiting_internal' WHERE id = '30000000-0000-4000-8000-0000000000e3';
SELECT is((SELECT reopened_count FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000e3'), 2, 'moving between active statuses is not a reopen');

-- updated_at.
UPDATE tickets SET updated_at = '2000-01-01' WHERE id = :tx1;
SELECT is((SELECT updated_at FROM tickets WHERE id = :tx1), now(), 'tickets.updated_at is maintained');
UPDATE categories SET updated_at = '2000-01-01', sort_order = 99 WHERE slug = 'billing';
SELECT is((SELECT updated_at FROM categories WHERE slug = 'billing'), now(), 'config tables maintain updated_at too');

-- Audit rows with actor, for every audited change (as an acme agent).
:as_xg
SET LOCAL app.ip = '192.0.2.7';
UPDATE tickets SET status = 'in_progress', priority = 'urgent', assignee_id = :xg, team_id = NULL,
                   category_id = (SELECT id FROM categories WHERE slug = 'security' AND organization_id IS NULL),
                   tags = '{printer,fire}'
WHERE id = :tx2;
UPDATE tickets SET tags = '{printer}', assignee_id = NULL WHERE id = :tx2;
UPDATE tickets SET status = 'resolved' WHERE id = :tx2;
UPDATE tickets SET status = 'open' WHERE id = :tx2;
UPDATE tickets SET status = 'closed' WHERE id = :tx2;
INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, message_type) VALUES (:tx2, :xg, 'escalating', true, 'escalation');
:as_super
SELECT set_eq($$SELECT DISTINCT activity_type FROM ticket_activity WHERE ticket_id = '30000000-0000-4000-8000-000000000002'$$,
              ARRAY['created', 'status_changed', 'priority_changed', 'assigned', 'unassigned', 'category_changed',
                    'tag_added', 'tag_removed', 'resolved', 'reopened', 'closed', 'escalated'],
              'every audited change wrote its activity type');
SELECT is((SELECT count(*) FROM ticket_activity WHERE ticket_id = :tx2 AND activity_type <> 'created' AND (actor_id IS DISTINCT FROM :xg::uuid OR ip_address <> '192.0.2.7')),
          0::bigint, 'audit rows carry the actor and ip from the request context');
SELECT set_eq($$SELECT DISTINCT activity_type FROM ticket_activity WHERE ticket_id = '30000000-0000-4000-8000-000000000001'$$,
              ARRAY['created', 'comment_added', 'note_added'], 'messages write comment_added / note_added');
SELECT is((SELECT count(*) FROM ticket_assignments WHERE ticket_id = :tx2), 3::bigint, 'assignment history: initial routing, assign, unassign');

-- Attachments: activity, has_attachments, limits.
INSERT INTO attachment_blobs (sha256, data, size_bytes) VALUES (sha256('abc'::bytea), 'abc'::bytea, 3);
INSERT INTO attachments (ticket_id, message_id, file_name, content_type, size_bytes, sha256) VALUES (:tx1, :mx_pub, 'a.txt', 'text/plain', 3, sha256('abc'::bytea));
SELECT ok((SELECT has_attachments FROM ticket_messages WHERE id = :mx_pub) AND EXISTS (SELECT FROM ticket_activity WHERE ticket_id = :tx1 AND activity_type = 'attachment_added'),
          'attachment marks its message and is audited');
SELECT throws_ok($$INSERT INTO attachments (ticket_id, file_name, content_type, size_bytes, sha256) VALUES ('30000000-0000-4000-8000-000000000001', 'a.exe', 'application/x-msdownload', 3, sha256('abc'::bytea))$$,
                 '23514', NULL, 'content types outside the allow-list are refused');
UPDATE system_settings SET value = '1' WHERE key = 'attachment_max_per_message';
SELECT throws_ok($$INSERT INTO attachments (ticket_id, message_id, file_name, content_type, size_bytes, sha256) VALUES ('30000000-0000-4000-8000-000000000001', '40000000-0000-4000-8000-000000000001', 'b.txt', 'text/plain', 3, sha256('abc'::bytea))$$,
                 '23514', NULL, 'attachments per message are limited (configurable)');
UPDATE system_settings SET value = '2' WHERE key = 'attachment_max_bytes';
SELECT throws_ok($$INSERT INTO attachments (ticket_id, file_name, content_type, size_bytes, sha256) VALUES ('30000000-0000-4000-8000-000000000001', 'c.txt', 'text/plain', 3, sha256('abc'::bytea))$$,
                 '23514', NULL, 'attachment size is limited (configurable)');

-- Outbox insert notifies channel "outbox" (queued until commit; visible via pg_notification_queue_usage is not
-- per-transaction, so check the trigger exists and fires without error).
SELECT lives_ok($$SELECT outbox_enqueue('n@t.example', 's', 'b')$$, 'outbox insert with NOTIFY trigger');

SELECT * FROM finish();
ROLLBACK;
