-- Email notices to the requester come from the change itself (0016): a
-- public reply by someone else, a status that concerns them; never an
-- internal note, never what they did themselves, never against their
-- preferences; one email per ticket and transaction.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(14);
:tap_grants

:as_super
-- The fixtures' own replies queued notices; start from none.
DELETE FROM outbox;

-- Refusals first.
INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, message_type)
VALUES (:tx1, :xg, 'SECRET internal reasoning', true, 'note');
SELECT is((SELECT count(*) FROM outbox), 0::bigint, 'an internal note sends nothing');
INSERT INTO ticket_messages (ticket_id, author_id, body) VALUES (:tx1, :ca, 'Any news?');
SELECT is((SELECT count(*) FROM outbox), 0::bigint, 'the requester''s own reply sends them nothing');
INSERT INTO ticket_messages (ticket_id, author_id, body, message_type) VALUES (:tx1, NULL, 'Merged', 'system');
SELECT is((SELECT count(*) FROM outbox), 0::bigint, 'a system message sends nothing');
SET LOCAL app.user_id = '20000000-0000-4000-8000-0000000000d1'; -- alice closes her own ticket
UPDATE tickets SET status = 'closed' WHERE id = :tx1;
SELECT is((SELECT count(*) FROM outbox), 0::bigint, 'what the requester did themselves sends them nothing');
SET LOCAL app.user_id = '';
UPDATE users SET preferences = '{"notify": {"reply": false}}' WHERE id = :cb;
INSERT INTO ticket_messages (ticket_id, author_id, body) VALUES (:tx2, :xg, 'Try again now');
SELECT is((SELECT count(*) FROM outbox), 0::bigint, 'a reply notice the requester turned off is not sent');
UPDATE users SET is_active = false WHERE id = :ca;
INSERT INTO ticket_messages (ticket_id, author_id, body) VALUES (:ti1, :pg, 'To an inactive account');
SELECT is((SELECT count(*) FROM outbox), 0::bigint, 'an inactive requester gets nothing');
UPDATE users SET is_active = true WHERE id = :ca;
DELETE FROM outbox;

-- What is sent.
SET LOCAL app.user_id = '20000000-0000-4000-8000-0000000000b2'; -- Acme's agent
UPDATE tickets SET status = 'open' WHERE id = :tx1;
INSERT INTO ticket_messages (ticket_id, author_id, body) VALUES (:tx1, :xg, E'Replace the toner.\nThen restart it.');
SELECT results_eq($$SELECT to_email::text, template, template_data->>'author', template_data->>'excerpt', template_data->>'number'
                    FROM outbox WHERE ticket_id = '30000000-0000-4000-8000-000000000001'$$,
                  $$SELECT 'alice@t.example', 'notice_reply', 'Acme Agent', E'Replace the toner.\nThen restart it.', number
                    FROM tickets WHERE id = '30000000-0000-4000-8000-000000000001'$$,
                  'a staff reply queues one notice to the requester, rendered later from its template');
SELECT ok((SELECT subject IS NULL AND body_text IS NULL AND NOT sealed FROM outbox WHERE ticket_id = :tx1),
          'the notice holds data, not a body');
SELECT ok((SELECT template_data::text NOT LIKE '%xg@t.example%' FROM outbox WHERE ticket_id = :tx1),
          'staff are named, never shown by address');

SET LOCAL app.user_id = '20000000-0000-4000-8000-0000000000c1'; -- Globex's agent
UPDATE tickets SET status = 'waiting_customer' WHERE id = :ty1;
SELECT is((SELECT template FROM outbox WHERE ticket_id = :ty1), 'notice_waiting',
          'waiting for the customer is sent even with reply notices off');

SET LOCAL app.user_id = '20000000-0000-4000-8000-0000000000a2'; -- the platform's agent
INSERT INTO ticket_messages (ticket_id, author_id, body) VALUES (:ti1, :pg, 'Your account is unlocked.');
UPDATE tickets SET status = 'resolved' WHERE id = :ti1;
SELECT is((SELECT count(*) FROM outbox WHERE ticket_id = :ti1), 1::bigint, 'a reply and a resolution make one email');
SELECT results_eq($$SELECT template, template_data->>'excerpt', template_data->>'status' FROM outbox
                    WHERE ticket_id = '30000000-0000-4000-8000-000000000004'$$,
                  $$VALUES ('notice_resolved'::text, 'Your account is unlocked.'::text, 'resolved'::text)$$,
                  'the status names the template, the reply adds its text');

-- The mailer takes them like any other row.
SELECT is((SELECT count(*) FROM outbox_claim(10) WHERE template LIKE 'notice\_%'), 3::bigint, 'the mailer claims the notices');
SELECT ok(outbox_mark_sent((SELECT id FROM outbox WHERE ticket_id = :ti1)), 'and marks one sent');
SELECT * FROM finish();
ROLLBACK;
