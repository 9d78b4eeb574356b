-- 0018: escalations, staff notifications, auto-assign, away, holidays and
-- the scheduler's functions. Refusals first: nobody but staff of the ticket
-- reads an escalation or an SLA event, nobody reads another's
-- notifications, the application role cannot reach the internals, and the
-- scheduler's entry points refuse a signed-in user.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(79);
:tap_grants

-- Acme: a one-minute policy for high (tx1 is high), 24/7, escalating to admins.
:as_super
INSERT INTO sla_policies (organization_id, priority, display_name, first_response_minutes, resolution_minutes,
                          warning_threshold_percent, escalate_to_role, use_business_hours, raise_priority_on_breach)
VALUES (:x_org, 'high', 'Acme high', 1, 1, 75, 'admin', false, false);
UPDATE tickets SET priority = 'normal' WHERE id = :tx1;   -- recomputes the clocks with the new policy on the way back
UPDATE tickets SET priority = 'high', assignee_id = :xg WHERE id = :tx1;
UPDATE tickets SET first_response_at = NULL WHERE id = :tx1;
-- Both clocks of tx1 due a minute ago.
UPDATE tickets SET sla_first_response_due = now() - interval '1 minute',
                   sla_resolution_due = now() - interval '1 minute' WHERE id = :tx1;
-- The database may hold other tickets (other suites'): the batches start
-- just before tx1's due dates.
\set from_fr '(SELECT sla_first_response_due - interval ''1 microsecond'' FROM tickets WHERE id = ''30000000-0000-4000-8000-000000000001'')'
\set from_res '(SELECT sla_resolution_due - interval ''1 microsecond'' FROM tickets WHERE id = ''30000000-0000-4000-8000-000000000001'')'
SELECT ok((SELECT events FROM sla_escalate_batch('first_response', :from_fr, NULL, 100)) >= 2, 'the batch found tx1''s first response');
SELECT ok((SELECT events FROM sla_escalate_batch('resolution', :from_res, NULL, 100)) >= 2, 'and its resolution');

-- ---- who reads escalations and SLA events ----
:as_ca
SELECT is((SELECT count(*) FROM ticket_messages WHERE ticket_id = :tx1 AND message_type = 'escalation'), 0::bigint,
          'the requester never reads an escalation message');
SELECT is((SELECT count(*) FROM sla_events), 0::bigint, 'the requester reads no SLA event');
SELECT is((SELECT count(*) FROM ticket_activity WHERE ticket_id = :tx1 AND activity_type = 'escalated'), 0::bigint,
          'nor the escalations in the activity log');
:as_yg
SELECT is((SELECT count(*) FROM ticket_messages WHERE message_type = 'escalation'), 0::bigint,
          'another organization''s agent reads no escalation of Acme''s');
SELECT is((SELECT count(*) FROM sla_events), 0::bigint, 'nor its SLA events');
:as_nb
SELECT is((SELECT count(*) FROM sla_events), 0::bigint, 'a user with no tickets reads no SLA event');
:as_anon
SELECT is((SELECT count(*) FROM sla_events), 0::bigint, 'anonymous reads no SLA event');

-- ---- nobody reads another's notifications ----
:as_yg
SELECT is((SELECT count(*) FROM notifications WHERE user_id <> :yg), 0::bigint,
          'an agent reads none of another''s notifications');
:as_ca
SELECT is((SELECT count(*) FROM notifications WHERE type LIKE 'staff.%'), 0::bigint,
          'a customer reads no staff notification');
:as_pa
SELECT is((SELECT count(*) FROM notifications WHERE user_id <> :pa), 0::bigint,
          'a platform admin reads none of another''s either');

-- ---- the internals are the owner's ----
:as_xa
SELECT throws_ok($$SELECT staff_notify('20000000-0000-4000-8000-0000000000b2', '30000000-0000-4000-8000-000000000001', 'mention', 'x', 'y')$$,
                 '42501', NULL, 'the app role cannot write a staff notification directly');
SELECT throws_ok($$SELECT sla_check_ticket('30000000-0000-4000-8000-000000000001', 'first_response')$$,
                 '42501', NULL, 'nor check a clock');
SELECT throws_ok($$SELECT auto_assign_pick('10000000-0000-4000-8000-00000000000a', NULL, NULL)$$,
                 '42501', NULL, 'nor pick an assignee');
SELECT throws_ok($$INSERT INTO sla_events (ticket_id, kind, due_at) VALUES ('30000000-0000-4000-8000-000000000001', 'resolution_breach', now())$$,
                 '42501', NULL, 'nor write an SLA event');
SELECT throws_ok($$SELECT count(*) FROM scheduler_runs$$, '42501', NULL, 'nor read the scheduler''s bookkeeping');
SELECT throws_ok($$SELECT * FROM sla_escalate_batch('first_response', NULL, NULL, 10)$$,
                 '42501', 'scheduler jobs run without an acting user', 'a signed-in user cannot run the SLA job');
SELECT throws_ok($$SELECT sched_job_begin('sla', 0)$$, '42501', 'scheduler jobs run without an acting user',
                 'nor take a job''s lock');
SELECT throws_ok($$SELECT sched_purge('submissions')$$, '42501', 'scheduler jobs run without an acting user',
                 'nor purge');

-- ---- staff settings are staff's ----
:as_ca
SELECT is(account_staff_update(true, 'all'), 'not_staff', 'a customer cannot mark themselves away');
SELECT is(account_update('Alice', 'en', '{}', '{"mention": true}'), 'invalid_notify',
          'nor choose staff notifications');
:as_anon
SELECT is(account_staff_update(true, 'all'), 'forbidden', 'anonymous neither');
:as_xg
SELECT is(account_staff_update(true, 'everything'), 'invalid_watch', 'an unknown watch is refused');
SELECT is(account_staff_update(true, 'all'), 'ok', 'staff mark themselves away and choose what they watch');
SELECT is(account_update('Acme Agent', 'en', '{}', '{"reply": true, "mention": false, "sla_breach": true}'), 'ok',
          'and their staff notifications');
:as_super
SELECT ok((SELECT away_since IS NOT NULL AND preferences->>'watch' = 'all' AND preferences->'notify'->'mention' = 'false'
           FROM users WHERE id = :xg), 'both are stored');
:as_xg
SELECT is(account_staff_update(false, 'teams'), 'ok', 'and come back');
:as_super
SELECT ok((SELECT away_since IS NULL FROM users WHERE id = :xg), 'no longer away');

-- ---- mentions: refused silently unless colleague to colleague ----
:as_yg
SELECT is(ticket_mention_notify(:tx1, :xa), false, 'an agent of another organization cannot mention on Acme''s ticket');
:as_xg
SELECT is(ticket_mention_notify(:tx1, :yg), false, 'nor can Acme''s agent mention another organization''s agent');
SELECT is(ticket_mention_notify(:tx1, :xg), false, 'nor themselves');
SELECT is(ticket_mention_notify(:tx1, :ca), false, 'nor a customer');
:as_ca
SELECT is(ticket_mention_notify(:tx1, :xa), false, 'a requester cannot mention anyone');
:as_super
SELECT is((SELECT count(*) FROM notifications WHERE type = 'staff.mention' AND user_id IN (:xa, :xg, :yg, :ca)), 0::bigint,
          'no refused mention wrote anything');
:as_super
INSERT INTO ticket_messages (id, ticket_id, author_id, body, message_type)
VALUES ('40000000-0000-4000-8000-0000000000f1', :tx1, :xg, '@admin can you look?', 'note');
:as_xg
SELECT is(ticket_mention_notify(:tx1, :xa, '40000000-0000-4000-8000-0000000000f1'), true, 'a colleague on the ticket is mentioned');
SELECT is(ticket_mention_notify(:tx1, :xa), true, 'twice in one note is once');
:as_xa
SELECT results_eq($$SELECT type, link, content FROM notifications WHERE type = 'staff.mention'$$,
                  $$SELECT 'staff.mention'::text, '/desk/tickets/' || number, '@admin can you look?'::text FROM tickets
                    WHERE id = '30000000-0000-4000-8000-000000000001'$$,
                  'the mentioned colleague reads it, linked to the desk''s workspace, with the note');
:as_super
SELECT is((SELECT count(*) FROM outbox WHERE user_id = :xa AND template = 'staff_mention'), 1::bigint,
          'and gets one email for it');

-- ---- SLA events: once, with the message, notices and the priority ----
SELECT is((SELECT array_agg(kind ORDER BY kind) FROM sla_events WHERE ticket_id = :tx1),
          ARRAY['first_response_breach', 'first_response_warning', 'resolution_breach', 'resolution_warning'],
          'both clocks past due: a warning and a breach each');
SELECT is((SELECT count(*) FROM ticket_messages WHERE ticket_id = :tx1 AND message_type = 'escalation'
           AND is_internal AND author_id IS NULL), 4::bigint, 'one internal system escalation message per event');
SELECT is((SELECT events FROM sla_escalate_batch('first_response', :from_fr, NULL, 100)), 0, 'running the job again finds nothing new');
SELECT is((SELECT events FROM sla_escalate_batch('resolution', :from_res, NULL, 100)), 0, 'on either clock');
SELECT is((SELECT count(*) FROM ticket_messages WHERE ticket_id = :tx1 AND message_type = 'escalation'), 4::bigint,
          'and writes nothing more');
SELECT is((SELECT priority FROM tickets WHERE id = :tx1), 'high', 'the priority stays when the policy does not raise it');
SELECT is((SELECT count(*) FROM notifications WHERE user_id = :xa AND type IN ('staff.sla_warning', 'staff.sla_breach')),
          4::bigint, 'the role the policy escalates to (admins) heard of each');
SELECT is((SELECT count(*) FROM notifications WHERE user_id = :xg AND type IN ('staff.sla_warning', 'staff.sla_breach')),
          4::bigint, 'so did the assignee');
SELECT is((SELECT count(*) FROM notifications WHERE user_id = :yg AND type LIKE 'staff.sla%'), 0::bigint,
          'nobody of another organization did');
:as_xg
SELECT is((SELECT count(*) FROM sla_events WHERE ticket_id = :tx1), 4::bigint, 'staff of the ticket read its SLA events');
SELECT is((SELECT count(*) FROM ticket_messages WHERE ticket_id = :tx1 AND message_type = 'escalation'), 4::bigint,
          'and its escalations');
:as_super

-- Waiting on the customer: paused, nothing fires.
UPDATE tickets SET status = 'waiting_customer' WHERE id = :tx2;
UPDATE tickets SET sla_first_response_due = now() - interval '1 day', sla_resolution_due = now() - interval '1 day'
WHERE id = :tx2;
SELECT is(sla_check_ticket(:tx2, 'first_response') + sla_check_ticket(:tx2, 'resolution'), 0,
          'a ticket waiting on the customer escalates nothing');
SELECT is((SELECT count(*) FROM sla_events WHERE ticket_id = :tx2), 0::bigint, 'no event for it');

-- A breach raises the priority when the policy says so (its clocks then
-- follow the new priority's policy).
UPDATE sla_policies SET raise_priority_on_breach = true WHERE organization_id = :x_org AND priority = 'high';
INSERT INTO tickets (id, requester_id, routing_type, assigned_org_id, organization_id, title, description, priority, created_at)
VALUES ('30000000-0000-4000-8000-0000000000a6', :ca, 'organization', :x_org, :x_org, 'Late', 'd', 'high', now() - interval '1 hour');
SELECT is(sla_check_ticket('30000000-0000-4000-8000-0000000000a6', 'first_response'), 2, 'an hour late: warning and breach');
SELECT is((SELECT priority FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000a6'), 'urgent', 'the breach raised the priority');
SELECT ok((SELECT actor_id IS NULL FROM ticket_activity WHERE ticket_id = '30000000-0000-4000-8000-0000000000a6'
           AND activity_type = 'priority_changed'), 'audited with the system as actor');

-- The job's lock and gap.
SELECT is(sched_job_begin('sla_test', 3600), '{}'::jsonb, 'a job never run is due');
SELECT is(sched_job_begin('sla_test', 3600), NULL, 'a job that started less than its gap ago is not');
SELECT is(sched_job_begin('sla_test', 0), '{}'::jsonb, 'a gap of 0 runs it again');

-- ---- holidays ----
SELECT is(sla_add_minutes('2026-12-24 16:00+00', 120, true,
                          '{"thursday":{"start":"09:00","end":"17:00"},"friday":{"start":"09:00","end":"17:00"},"monday":{"start":"09:00","end":"17:00"}}',
                          'UTC', '{2026-12-25}'),
          '2026-12-28 10:00+00'::timestamptz, 'a holiday is skipped like a closed day');
SELECT is(sla_minutes_between('2026-12-24 16:00+00', '2026-12-28 10:00+00', true,
                              '{"thursday":{"start":"09:00","end":"17:00"},"friday":{"start":"09:00","end":"17:00"},"monday":{"start":"09:00","end":"17:00"}}',
                              'UTC', '{2026-12-25}'),
          120, 'and counts no working minutes');
SELECT is(sla_add_minutes('2026-12-24 16:00+00', 120, false, '{}', 'UTC', '{2026-12-24}'),
          '2026-12-24 18:00+00'::timestamptz, 'a 24/7 policy runs through holidays');

-- ---- auto-assign ----
UPDATE organization_settings SET auto_assign_enabled = true WHERE organization_id = :x_org;
UPDATE tickets SET assignee_id = :xa WHERE id IN (:tx1, :tx2);  -- xa: 2 open, xg: 0
INSERT INTO tickets (id, requester_id, routing_type, assigned_org_id, organization_id, title, description)
VALUES ('30000000-0000-4000-8000-0000000000a1', :ca, 'organization', :x_org, :x_org, 'Auto one', 'd');
SELECT is((SELECT assignee_id FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000a1'), :xg::uuid,
          'a new ticket goes to the agent with the fewest open tickets');
SELECT ok((SELECT actor_id IS NULL FROM ticket_activity WHERE ticket_id = '30000000-0000-4000-8000-0000000000a1'
           AND activity_type = 'assigned'), 'audited with the system as actor');
UPDATE users SET away_since = now() WHERE id IN (:xa, :xg);
INSERT INTO tickets (id, requester_id, routing_type, assigned_org_id, organization_id, title, description)
VALUES ('30000000-0000-4000-8000-0000000000a2', :ca, 'organization', :x_org, :x_org, 'Auto two', 'd');
SELECT is((SELECT assignee_id FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000a2'), NULL,
          'nobody available: it stays unassigned');
UPDATE users SET away_since = NULL WHERE id IN (:xa, :xg);
INSERT INTO teams (id, organization_id, name) VALUES ('50000000-0000-4000-8000-000000000001', :x_org, 'Admins only');
INSERT INTO membership_teams (membership_id, team_id, organization_id)
SELECT id, '50000000-0000-4000-8000-000000000001', :x_org FROM memberships WHERE user_id = :xa;
INSERT INTO tickets (id, requester_id, routing_type, assigned_org_id, organization_id, title, description, team_id)
VALUES ('30000000-0000-4000-8000-0000000000a3', :ca, 'organization', :x_org, :x_org, 'Team ticket', 'd',
        '50000000-0000-4000-8000-000000000001');
SELECT is((SELECT assignee_id FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000a3'), :xa::uuid,
          'a ticket with a team goes to that team''s member even when others have fewer');
SELECT is((SELECT count(*) FROM notifications WHERE user_id = :xa AND type = 'staff.new_ticket'
           AND metadata->>'ticket_id' = '30000000-0000-4000-8000-0000000000a3'), 0::bigint,
          'its assignee hears of it as assigned, not also as new');
SELECT is((SELECT count(*) FROM notifications WHERE user_id = :xa AND type = 'staff.assigned'
           AND metadata->>'ticket_id' = '30000000-0000-4000-8000-0000000000a3'), 1::bigint,
          'assigned, once');

INSERT INTO tickets (id, requester_id, routing_type, assigned_org_id, organization_id, title, description, is_spam)
VALUES ('30000000-0000-4000-8000-0000000000a7', :ca, 'organization', :x_org, :x_org, 'Cheap pills', 'd', true);
SELECT is((SELECT assignee_id FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000a7'), NULL, 'spam is assigned to nobody');
UPDATE tickets SET is_spam = false WHERE id = '30000000-0000-4000-8000-0000000000a7';
SELECT isnt((SELECT assignee_id FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000a7'), NULL,
            'found not to be spam, it is assigned');
UPDATE organization_settings SET auto_assign_enabled = true WHERE organization_id = :p_org;
INSERT INTO tickets (id, requester_id, routing_type, title, description)
VALUES ('30000000-0000-4000-8000-0000000000a8', :ca, 'internal', 'For the platform', 'd');
SELECT ok((SELECT u.platform_role IS NOT NULL FROM tickets t JOIN users u ON u.id = t.assignee_id
           WHERE t.id = '30000000-0000-4000-8000-0000000000a8'),
          'an internal ticket goes to platform staff when the platform organization auto-assigns');
SELECT is((SELECT count(*) FROM notifications WHERE type = 'staff.assigned'
           AND metadata->>'ticket_id' = '30000000-0000-4000-8000-0000000000a8'), 1::bigint, 'who is told');

-- ---- new tickets in a watched queue ----
UPDATE organization_settings SET auto_assign_enabled = false WHERE organization_id = :x_org;
UPDATE users SET preferences = jsonb_set(preferences, '{watch}', '"all"') WHERE id = :xg;
INSERT INTO tickets (id, requester_id, routing_type, assigned_org_id, organization_id, title, description, team_id)
VALUES ('30000000-0000-4000-8000-0000000000a4', :ca, 'organization', :x_org, :x_org, 'Watched', 'd',
        '50000000-0000-4000-8000-000000000001');
SELECT is((SELECT array_agg(user_id ORDER BY user_id) FROM notifications WHERE type = 'staff.new_ticket'
           AND metadata->>'ticket_id' = '30000000-0000-4000-8000-0000000000a4'),
          ARRAY[:xa::uuid, :xg::uuid], 'a new ticket notifies its team (xa) and whoever watches all (xg)');
UPDATE organization_settings SET auto_assign_enabled = false WHERE organization_id = :p_org;
UPDATE users SET preferences = jsonb_set(preferences, '{watch}', '"all"') WHERE id = :pg;
INSERT INTO tickets (id, requester_id, routing_type, title, description)
VALUES ('30000000-0000-4000-8000-0000000000a9', :ca, 'internal', 'Platform, watched', 'd');
SELECT is((SELECT array_agg(user_id) FROM notifications WHERE type = 'staff.new_ticket'
           AND metadata->>'ticket_id' = '30000000-0000-4000-8000-0000000000a9' AND user_id IN (:pa, :pg)),
          ARRAY[:pg::uuid], 'a new internal ticket notifies the platform staff who watch all');
UPDATE users SET preferences = jsonb_set(preferences, '{watch}', '"none"') WHERE id IN (:xa, :xg);
INSERT INTO tickets (id, requester_id, routing_type, assigned_org_id, organization_id, title, description, team_id)
VALUES ('30000000-0000-4000-8000-0000000000a5', :ca, 'organization', :x_org, :x_org, 'Unwatched', 'd',
        '50000000-0000-4000-8000-000000000001');
SELECT is((SELECT count(*) FROM notifications WHERE metadata->>'ticket_id' = '30000000-0000-4000-8000-0000000000a5'),
          0::bigint, 'watch none: nobody');

-- ---- customer replies, and the email path ----
DELETE FROM outbox;
UPDATE tickets SET assignee_id = :xg WHERE id = '30000000-0000-4000-8000-0000000000a5';
UPDATE users SET preferences = jsonb_set(preferences, '{notify}', '{"customer_reply": false}') WHERE id = :xg;
INSERT INTO ticket_messages (ticket_id, author_id, body) VALUES ('30000000-0000-4000-8000-0000000000a5', :ca, 'Any news?');
SELECT is((SELECT count(*) FROM notifications WHERE user_id = :xg AND type = 'staff.customer_reply'), 1::bigint,
          'the customer''s reply notifies the assignee in-app');
SELECT is((SELECT count(*) FROM outbox WHERE user_id = :xg AND template = 'staff_customer_reply'), 0::bigint,
          'and not by email when they turned it off');
UPDATE users SET preferences = '{}' WHERE id = :xg;
INSERT INTO ticket_messages (ticket_id, author_id, body) VALUES ('30000000-0000-4000-8000-0000000000a5', :ca, 'Hello?');
SELECT results_eq($$SELECT to_email::text, template_data->>'author', template_data->>'excerpt', template_data->>'link'
                    FROM outbox WHERE template = 'staff_customer_reply'$$,
                  $$VALUES ('xg@t.example', 'Alice', 'Hello?', '/desk/tickets/' ||
                            (SELECT number FROM tickets WHERE id = '30000000-0000-4000-8000-0000000000a5'))$$,
                  'by email otherwise, rendered later from staff_customer_reply');
UPDATE organization_settings SET email_notifications_enabled = false WHERE organization_id = :x_org;
INSERT INTO ticket_messages (ticket_id, author_id, body) VALUES ('30000000-0000-4000-8000-0000000000a5', :ca, 'Still there?');
SELECT is((SELECT count(*) FROM outbox WHERE template = 'staff_customer_reply'), 1::bigint,
          'an organization with email notifications off sends none');
SET LOCAL app.user_id = '20000000-0000-4000-8000-0000000000b2';
UPDATE tickets SET assignee_id = :xg WHERE id = '30000000-0000-4000-8000-0000000000a4';
SET LOCAL app.user_id = '';
SELECT is((SELECT count(*) FROM notifications WHERE user_id = :xg AND type = 'staff.assigned'
           AND metadata->>'ticket_id' = '30000000-0000-4000-8000-0000000000a4'), 0::bigint,
          'taking a ticket yourself notifies nobody');

SELECT * FROM finish();
ROLLBACK;
