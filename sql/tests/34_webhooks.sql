-- 0034: webhooks and their deliveries. Negative cases first: another
-- organization's admin, agents, customers and visitors neither see nor
-- change an organization's webhooks or deliveries, nor send its test
-- event; then a change writes exactly one delivery per matching active
-- subscription, in its own transaction, and the mailer's functions claim,
-- retry and fail them as the email outbox does.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(38);
:tap_grants

\set ya '''20000000-0000-4000-8000-0000000000c9'''
\set as_ya 'RESET ROLE; SET LOCAL ROLE supportdesk_app; SET LOCAL app.user_id = ''20000000-0000-4000-8000-0000000000c9'';'
\set wx1 '''50000000-0000-4000-8000-000000000001'''
\set wx2 '''50000000-0000-4000-8000-000000000002'''
\set wx3 '''50000000-0000-4000-8000-000000000003'''
\set wy1 '''50000000-0000-4000-8000-000000000004'''
INSERT INTO users (id, email, name, email_verified_at) VALUES (:ya, 'ya@t.example', 'Globex Admin', now());
INSERT INTO memberships (user_id, organization_id, role) VALUES (:ya, :y_org, 'admin');

-- X: one hook for everything, one for messages only, one inactive; Y: one.
INSERT INTO webhooks (id, organization_id, url, events, secret_sealed, is_active) VALUES
  (:wx1, :x_org, 'https://hooks.acme.example/all',
   ARRAY['ticket.created', 'ticket.updated', 'message.added', 'sla.breached'], 'sealed-x1', true),
  (:wx2, :x_org, 'https://hooks.acme.example/messages', ARRAY['message.added'], 'sealed-x2', true),
  (:wx3, :x_org, 'https://hooks.acme.example/off', ARRAY['ticket.updated'], 'sealed-x3', false),
  (:wy1, :y_org, 'https://hooks.globex.example/', ARRAY['ticket.updated'], 'sealed-y1', true);

-- ---- who sees and changes what ----
:as_ya
SELECT is((SELECT count(*) FROM webhooks WHERE organization_id = :x_org), 0::bigint,
          'another organization''s admin sees none of its webhooks');
SELECT is((SELECT count(*) FROM webhooks), 1::bigint, 'but their own');
UPDATE webhooks SET url = 'https://evil.example/' WHERE id = :wx1;
DELETE FROM webhooks WHERE id = :wx2;
SELECT throws_ok($$INSERT INTO webhooks (organization_id, url, events, secret_sealed)
                   VALUES ('10000000-0000-4000-8000-00000000000a', 'https://evil.example/', '{ticket.created}', 's')$$,
                 '42501', NULL, 'nor creates one for it');
SELECT is(webhook_send_test(:x_org, :wx1), NULL, 'nor sends its test event');
SELECT is(webhook_send_test(:y_org, :wx1), NULL, 'even naming their own organization');
:as_xg
SELECT is((SELECT count(*) FROM webhooks), 0::bigint, 'an agent sees no webhooks');
SELECT is(webhook_send_test(:x_org, :wx1), NULL, 'nor sends a test event');
UPDATE webhooks SET is_active = false WHERE id = :wx1;
:as_ca
SELECT is((SELECT count(*) FROM webhooks), 0::bigint, 'a customer sees no webhooks');
:as_anon
SELECT is((SELECT count(*) FROM webhooks), 0::bigint, 'a visitor sees none');
:as_super
SELECT is((SELECT url || ' ' || is_active FROM webhooks WHERE id = :wx1), 'https://hooks.acme.example/all true',
          'the refused updates changed nothing');
SELECT is((SELECT count(*) FROM webhooks WHERE organization_id = :x_org), 3::bigint, 'and deleted nothing');

SELECT ok((SELECT bool_and(NOT (coalesce(after, '{}') ? 'secret_sealed') AND NOT (coalesce(before, '{}') ? 'secret_sealed'))
           FROM config_audit WHERE entity = 'webhook') IS NOT FALSE, 'the audit never holds the sealed secret');

-- ---- what a row may hold ----
SELECT throws_ok($$INSERT INTO webhooks (organization_id, url, events, secret_sealed)
                   VALUES ('10000000-0000-4000-8000-00000000000a', 'ftp://x.example/', '{ticket.created}', 's')$$,
                 '23514', NULL, 'only http and https URLs');
SELECT throws_ok($$INSERT INTO webhooks (organization_id, url, events, secret_sealed)
                   VALUES ('10000000-0000-4000-8000-00000000000a', 'https://x.example/', '{ticket.deleted}', 's')$$,
                 '23514', NULL, 'only the known events');
SELECT throws_ok($$INSERT INTO webhooks (organization_id, url, events, secret_sealed)
                   VALUES ('10000000-0000-4000-8000-00000000000a', 'https://x.example/', '{}', 's')$$,
                 '23514', NULL, 'at least one event');

-- ---- deliveries are the organization's admins' to read, nobody's to write ----
:as_xa
SELECT isnt(webhook_send_test(:x_org, :wx1), NULL, 'the admin sends a test event');
SELECT is((SELECT count(*) FROM webhook_deliveries WHERE event = 'ping'), 1::bigint, 'and sees its delivery');
SELECT throws_ok($$UPDATE webhook_deliveries SET status = 'delivered'$$, '42501', NULL,
                 'but cannot change deliveries');
:as_ya
SELECT is((SELECT count(*) FROM webhook_deliveries), 0::bigint, 'another organization''s admin sees no delivery of it');
:as_xg
SELECT is((SELECT count(*) FROM webhook_deliveries), 0::bigint, 'nor does an agent');
:as_super
DELETE FROM webhook_deliveries;

-- ---- a change writes one delivery per matching active subscription ----
:as_xg
UPDATE tickets SET status = 'in_progress' WHERE id = :tx1;
:as_super
SELECT is((SELECT count(*) FROM webhook_deliveries), 1::bigint,
          'a ticket update: one delivery (the inactive and the messages-only hooks get none)');
SELECT is((SELECT webhook_id::text || ' ' || event FROM webhook_deliveries),
          '50000000-0000-4000-8000-000000000001 ticket.updated', 'to the subscription for everything');
SELECT is((SELECT payload->'data'->'changes'->'status' FROM webhook_deliveries),
          '{"to": "in_progress", "from": "new"}'::jsonb, 'naming the changed field');
SELECT ok((SELECT payload->>'id' = id::text AND payload->'data'->'ticket'->>'number' LIKE 'ACME-%'
                  AND payload->'organization'->>'slug' = 'acme-t' FROM webhook_deliveries),
          'the payload carries its id, the ticket number and the organization');
DELETE FROM webhook_deliveries;

UPDATE tickets SET sla_first_response_due = now() + interval '1 hour' WHERE id = :tx1;
SELECT is((SELECT count(*) FROM webhook_deliveries), 0::bigint, 'a change of SLA columns alone is no event');

:as_xg
INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, message_type)
VALUES (:tx1, :xg, 'hook note', true, 'note');
:as_super
SELECT is((SELECT count(*) FROM webhook_deliveries WHERE event = 'message.added'), 2::bigint,
          'a message: one delivery for each of the two hooks that want it');
SELECT is((SELECT DISTINCT payload->'data'->'message'->>'is_internal' FROM webhook_deliveries), 'true',
          'a note says it is internal');
DELETE FROM webhook_deliveries;

INSERT INTO tickets (requester_id, routing_type, assigned_org_id, organization_id, title, description)
VALUES (:ca, 'organization', :x_org, :x_org, 'Hook me', 'new one');
SELECT is((SELECT count(*) FROM webhook_deliveries WHERE event = 'ticket.created'), 1::bigint,
          'a new ticket: one ticket.created');
DELETE FROM webhook_deliveries;

UPDATE tickets SET status = 'open' WHERE id = :ti1;
SELECT is((SELECT count(*) FROM webhook_deliveries), 0::bigint, 'an internal ticket reaches no organization''s hooks');

INSERT INTO sla_events (ticket_id, kind, due_at) VALUES (:tx1, 'first_response_warning', now());
SELECT is((SELECT count(*) FROM webhook_deliveries), 0::bigint, 'an SLA warning is not a breach');
INSERT INTO sla_events (ticket_id, kind, due_at) VALUES (:tx1, 'first_response_breach', now());
SELECT is((SELECT payload->'data'->'sla'->>'clock' FROM webhook_deliveries WHERE event = 'sla.breached'),
          'first_response', 'an SLA breach: one sla.breached');
SELECT is((SELECT count(*) FROM webhook_deliveries), 1::bigint, 'and nothing else');

-- ---- the mailer's side ----
UPDATE system_settings SET value = '2' WHERE key = 'webhook_max_attempts';
UPDATE system_settings SET value = '0' WHERE key = 'webhook_backoff_seconds';
:as_anon
SELECT is((SELECT count(*) FROM webhook_claim(10, interval '1 minute')), 1::bigint, 'the mailer claims the due delivery');
SELECT is((SELECT count(*) FROM webhook_claim(10, interval '1 minute')), 0::bigint, 'once');
SELECT is((SELECT count(*) FROM webhook_mark_failed(gen_random_uuid(), 500, 'x', false)), 0::bigint,
          'marking a delivery that is not being sent changes nothing');
:as_super
SELECT id AS d1 FROM webhook_deliveries \gset
:as_anon
SELECT is((SELECT status FROM webhook_mark_failed(:'d1', 500, 'HTTP 500', false)), 'pending', 'a failure is retried');
SELECT is((SELECT count(*) FROM webhook_claim(10, interval '1 minute')), 1::bigint, 'after the backoff');
SELECT is((SELECT status FROM webhook_mark_failed(:'d1', 500, 'HTTP 500', false)), 'failed',
          'and fails for good after the last attempt');

SELECT * FROM finish();
ROLLBACK;
