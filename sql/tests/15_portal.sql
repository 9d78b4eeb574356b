-- The customer portal (0015): replies, close/reopen within the window,
-- rating once, a ticket's frontend fields, search, guest access. Negative
-- cases first: alice never reads or writes bob's ticket, messages,
-- attachments or rating, and no customer ever sees an internal note.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(72);
:tap_grants

-- Blobs written as the attachment API would have (complete, chunk_count set).
:as_super
INSERT INTO attachment_blobs (sha256, data, size_bytes) VALUES
  (sha256('alice file'::bytea), 'alice file'::bytea, 10),
  (sha256('bob file'::bytea), 'bob file'::bytea, 8);
-- An incomplete blob (being written): never attachable.
INSERT INTO attachment_blobs (sha256, size_bytes) VALUES (sha256('half'::bytea), 4);

-- ---------------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------------
SELECT ok(has_function_privilege('supportdesk_app', 'customer_ticket_reply(uuid, text, jsonb, text)', 'EXECUTE')
          AND has_function_privilege('supportdesk_app', 'ticket_frontend_fields(uuid)', 'EXECUTE')
          AND has_function_privilege('supportdesk_app', 'portal_tsquery(text)', 'EXECUTE')
          AND has_function_privilege('supportdesk_app', 'track_request(citext, text, inet)', 'EXECUTE')
          AND has_function_privilege('supportdesk_app', 'customer_reopen_until(timestamptz)', 'EXECUTE'),
          'app may execute the portal functions');
SELECT ok(NOT has_function_privilege('public', 'customer_ticket_reply(uuid, text, jsonb, text)', 'EXECUTE')
          AND NOT has_function_privilege('public', 'track_request(citext, text, inet)', 'EXECUTE')
          AND NOT has_function_privilege('supportdesk_app', 'track_requests_purge(interval)', 'EXECUTE'),
          'PUBLIC may not; the purge is the scheduler''s');
SELECT ok(NOT has_table_privilege('supportdesk_app', 'track_requests', 'SELECT')
          AND NOT has_table_privilege('supportdesk_app', 'track_requests', 'INSERT')
          AND (SELECT relrowsecurity FROM pg_class WHERE oid = 'track_requests'::regclass),
          'track_requests: no privilege for the app, RLS on');
SELECT is_empty($$SELECT 1 FROM pg_proc WHERE proname = 'ticket_frontend_fields' AND prosecdef$$,
                'ticket_frontend_fields is SECURITY INVOKER: the caller''s row-level security applies');
SELECT has_index('tickets', 'tickets_requester_activity_idx', ARRAY['requester_id', 'last_activity_at', 'id'],
                 'a customer''s tickets by last activity');
SELECT is(setting('reopen_window_days'), '14'::jsonb, 'reopen window defaults to 14 days');

-- bob's ticket ty1 is resolved, with a public reply of his carrying a file.
UPDATE tickets SET status = 'resolved' WHERE id = :ty1;
UPDATE tickets SET status = 'open' WHERE id = :tx2;
:as_cb
SELECT is((SELECT status FROM customer_ticket_reply(:tx2, 'bob private words', jsonb_build_array(jsonb_build_object(
             'sha256', encode(sha256('bob file'::bytea), 'hex'), 'file_name', 'bob.txt',
             'content_type', 'text/plain', 'size_bytes', 8)))),
          'ok', 'bob replies on his own ticket with a file');

-- ---------------------------------------------------------------------------
-- Negative: alice and bob's tickets
-- ---------------------------------------------------------------------------
:as_ca
SELECT is((SELECT status FROM customer_ticket_reply(:tx2, 'alice intrudes')), 'not_found', 'alice cannot reply on bob''s ticket');
SELECT is((SELECT status FROM customer_ticket_reply(:ty1, 'alice intrudes')), 'not_found', 'not on his resolved one either');
SELECT is(customer_ticket_rate(:ty1, 1, 'bad'), 'not_found', 'alice cannot rate bob''s ticket');
SELECT is(customer_ticket_reopen(:ty1), 'not_found', 'alice cannot reopen bob''s ticket');
SELECT is(customer_ticket_close(:tx2), 'not_found', 'alice cannot close bob''s ticket');
SELECT is_empty($$SELECT 1 FROM ticket_frontend_fields('30000000-0000-4000-8000-000000000002')$$,
                'alice reads no custom field of bob''s ticket');
SELECT is_empty($$SELECT 1 FROM ticket_messages m WHERE m.search @@ portal_tsquery('private')$$,
                'alice''s search never finds bob''s messages');
SELECT is_empty($$SELECT 1 FROM tickets t WHERE t.search @@ portal_tsquery('refund')$$,
                'nor his tickets');
SELECT is_empty($$SELECT 1 FROM attachments WHERE file_name = 'bob.txt'$$, 'nor his attachments');
SELECT is((SELECT count(*) FROM attachment_blobs WHERE sha256 = sha256('bob file'::bytea)), 0::bigint,
          'nor their bytes');
:as_anon
SELECT is((SELECT status FROM customer_ticket_reply(:tx1, 'anonymous intrudes')), 'not_found', 'anonymous cannot reply');
SELECT is(customer_ticket_reopen(:ty1), 'not_found', 'anonymous cannot reopen');
SELECT is(customer_ticket_rate(:ty1, 5), 'not_found', 'anonymous cannot rate');
:as_super
SELECT is((SELECT count(*) FROM ticket_messages WHERE body LIKE '%intrudes'), 0::bigint, 'no refused reply was stored');
SELECT is((SELECT satisfaction_rating FROM tickets WHERE id = :ty1), NULL, 'bob''s ticket is unrated');
SELECT is((SELECT status FROM tickets WHERE id = :ty1), 'resolved', 'and still resolved');

-- ---------------------------------------------------------------------------
-- Negative: internal notes
-- ---------------------------------------------------------------------------
:as_ca
SELECT is_empty($$SELECT 1 FROM ticket_messages m WHERE m.search @@ portal_tsquery('secret')$$,
                'alice''s search never matches an internal note on her own ticket');
SELECT is_empty($$SELECT 1 FROM tickets t WHERE EXISTS (SELECT FROM ticket_messages m WHERE m.ticket_id = t.id
                  AND m.search @@ portal_tsquery('SECRET acme'))$$,
                'not through her tickets either');
SELECT ok(EXISTS (SELECT FROM ticket_messages m WHERE m.search @@ portal_tsquery('on it')),
          'a public staff reply is found');
:as_cb
SELECT is_empty($$SELECT 1 FROM ticket_messages m WHERE m.search @@ portal_tsquery('globex')$$,
                'bob never matches the internal note on his own ticket');

-- ---------------------------------------------------------------------------
-- Replies
-- ---------------------------------------------------------------------------
:as_ca
SELECT is((SELECT status FROM customer_ticket_reply(:tx1, E'  \n\t ')), 'empty', 'a blank reply is refused');
SELECT is((SELECT status FROM customer_ticket_reply(:tx1, repeat('x', 65537))), 'too_long', 'over 64 Ki characters');
SELECT is((SELECT status FROM customer_ticket_reply(:tx1, 'with a ghost file', jsonb_build_array(jsonb_build_object(
             'sha256', repeat('ab', 32), 'file_name', 'x.txt', 'content_type', 'text/plain', 'size_bytes', 3)))),
          'invalid_attachments', 'a reference to no stored blob is refused');
SELECT is((SELECT status FROM customer_ticket_reply(:tx1, 'half a file', jsonb_build_array(jsonb_build_object(
             'sha256', encode(sha256('half'::bytea), 'hex'), 'file_name', 'h.txt', 'content_type', 'text/plain', 'size_bytes', 4)))),
          'invalid_attachments', 'a blob still being written is refused');
SELECT is((SELECT status FROM customer_ticket_reply(:tx1, 'disguised', jsonb_build_array(jsonb_build_object(
             'sha256', encode(sha256('alice file'::bytea), 'hex'), 'file_name', 'a.exe', 'content_type', 'application/x-msdownload', 'size_bytes', 10)))),
          'invalid_attachments', 'a type outside the allow-list is refused');
SELECT is((SELECT status FROM customer_ticket_reply(:tx1, 'eleven files', (SELECT jsonb_agg(jsonb_build_object(
             'sha256', encode(sha256('alice file'::bytea), 'hex'), 'file_name', 'a' || i || '.txt', 'content_type', 'text/plain', 'size_bytes', 10))
             FROM generate_series(1, 11) i))),
          'too_many_attachments', 'more files than attachment_max_per_message');
:as_super
SELECT is((SELECT count(*) FROM ticket_messages WHERE ticket_id = :tx1 AND author_id = :ca), 1::bigint,
          'no refused reply was stored (only the fixture''s)');

UPDATE tickets SET status = 'waiting_customer' WHERE id = :tx1;
:as_ca
SELECT is((SELECT status FROM customer_ticket_reply(:tx1, E'Here is the file.\nSecond line', jsonb_build_array(jsonb_build_object(
             'sha256', encode(sha256('alice file'::bytea), 'hex'), 'file_name', 'alice.txt',
             'content_type', 'text/plain', 'size_bytes', 10)))),
          'ok', 'alice replies to her waiting ticket with a file');
SELECT results_eq($$SELECT author_id, is_internal, message_type, body FROM ticket_messages WHERE body LIKE 'Here is the file.%'$$,
                  $$VALUES ('20000000-0000-4000-8000-0000000000d1'::uuid, false, 'reply', E'Here is the file.\nSecond line')$$,
                  'the reply is hers, public, and kept as typed');
SELECT is((SELECT status FROM tickets WHERE id = :tx1), 'open', 'a reply to waiting_customer moves the ticket back to open');
SELECT is((SELECT a.file_name FROM attachments a JOIN ticket_messages m ON m.id = a.message_id
           WHERE m.body LIKE 'Here is the file.%'), 'alice.txt', 'the file hangs off her message');
SELECT ok(EXISTS (SELECT FROM ticket_activity WHERE ticket_id = :tx1 AND activity_type = 'status_changed'
                  AND old_value = 'waiting_customer' AND new_value = 'open' AND actor_id = :ca),
          'the audit log records the change, by her');
:as_cb
SELECT is_empty($$SELECT 1 FROM attachments WHERE file_name = 'alice.txt'$$, 'bob never sees her file');
SELECT is_empty($$SELECT 1 FROM ticket_messages WHERE body LIKE 'Here is the file.%'$$, 'nor her reply');

-- Sent twice with its form's token: one message.
:as_ca
SELECT is((SELECT status FROM customer_ticket_reply(:tx1, 'double click', '[]', 'idem-key-reply-0000000000000000000000000001')),
          'ok', 'a reply with its form''s token');
SELECT is((SELECT status FROM customer_ticket_reply(:tx1, 'double click', '[]', 'idem-key-reply-0000000000000000000000000001')),
          'duplicate', 'the same token again answers duplicate');
SELECT is((SELECT count(*) FROM ticket_messages WHERE body = 'double click'), 1::bigint, 'and makes one message');
:as_cb
SELECT is((SELECT status FROM customer_ticket_reply(:tx1, 'bob replays', '[]', 'idem-key-reply-0000000000000000000000000001')),
          'not_found', 'someone else''s token names nothing for another customer');
:as_super
UPDATE tickets SET status = 'cancelled' WHERE id = :ti1;
:as_ca
SELECT is((SELECT status FROM customer_ticket_reply(:ti1, 'too late')), 'invalid_state', 'no reply on a cancelled ticket');

-- ---------------------------------------------------------------------------
-- Rating, once, when resolved or closed
-- ---------------------------------------------------------------------------
SELECT is(customer_ticket_rate(:tx1, 5, 'great'), 'invalid_state', 'an open ticket cannot be rated');
:as_super
UPDATE tickets SET status = 'resolved' WHERE id = :tx1;
:as_ca
SELECT is((SELECT status FROM customer_ticket_reply(:tx1, 'after resolve')), 'invalid_state', 'a resolved ticket takes no reply: reopen it');
SELECT is(customer_ticket_rate(:tx1, 0), 'invalid', 'ratings are 1 to 5');
SELECT is(customer_ticket_rate(:tx1, 4, repeat('c', 4001)), 'invalid', 'a comment is at most 4000 characters');
SELECT is(customer_ticket_rate(:tx1, 4, '  Quick and kind  '), 'ok', 'alice rates her resolved ticket');
SELECT is(customer_ticket_rate(:tx1, 1, 'changed my mind'), 'already_rated', 'only once');
:as_super
SELECT results_eq($$SELECT satisfaction_rating::int, satisfaction_comment, satisfaction_submitted_at IS NOT NULL FROM tickets WHERE id = '30000000-0000-4000-8000-000000000001'$$,
                  $$VALUES (4, 'Quick and kind', true)$$, 'the first rating stays');

-- ---------------------------------------------------------------------------
-- Reopen within the window
-- ---------------------------------------------------------------------------
:as_ca
SELECT ok(customer_reopen_until(now()) BETWEEN now() + interval '14 days' - interval '1 second'
                                          AND now() + interval '14 days' + interval '1 second',
          'the window is reopen_window_days long');
SELECT is(customer_ticket_reopen(:tx1), 'ok', 'a ticket resolved just now reopens');
SELECT is(customer_ticket_reopen(:tx1), 'invalid_state', 'an open ticket does not');
:as_super
SELECT is((SELECT reopened_count FROM tickets WHERE id = :tx1), 1, 'reopening counts');
UPDATE tickets SET status = 'closed' WHERE id = :tx1;
UPDATE tickets SET resolved_at = now() - interval '20 days', closed_at = now() - interval '15 days' WHERE id = :tx1;
:as_ca
SELECT is(customer_ticket_reopen(:tx1), 'window_passed', 'closed 15 days ago: past the window');
:as_super
UPDATE tickets SET closed_at = now() - interval '13 days' WHERE id = :tx1;
:as_ca
SELECT is(customer_ticket_reopen(:tx1), 'ok', 'the window counts from the last close (resolved 20 days ago)');
:as_super
UPDATE tickets SET status = 'resolved' WHERE id = :tx1;
UPDATE tickets SET resolved_at = now() - interval '20 days' WHERE id = :tx1;
UPDATE system_settings SET value = '30' WHERE key = 'reopen_window_days';
:as_ca
SELECT is(customer_ticket_reopen(:tx1), 'ok', 'the window is configurable (30 days)');

-- ---------------------------------------------------------------------------
-- Custom fields the requester may see
-- ---------------------------------------------------------------------------
:as_super
INSERT INTO tickets (id, requester_id, title, description, request_type_id, custom_fields) VALUES
  ('30000000-0000-4000-8000-0000000000f1', :ca, 'Fields', 'with fields',
   (SELECT id FROM request_types WHERE name = 'Technical issue' AND organization_id IS NULL),
   '{"product_area": "mobile", "triage_notes": "staff only words", "contact_consent": true,
     "steps_to_reproduce": "1. open", "screenshot": ["a.png", "b.png"], "order_reference": "INV-1"}');
:as_ca
SELECT set_eq($$SELECT field_key, value FROM ticket_frontend_fields('30000000-0000-4000-8000-0000000000f1')$$,
              $$VALUES ('product_area', 'Mobile app'), ('contact_consent', 'true'), ('steps_to_reproduce', '1. open'),
                       ('screenshot', 'a.png, b.png')$$,
              'frontend fields of the type, option labels resolved; never a backend-only or another type''s field');
:as_cb
SELECT is_empty($$SELECT 1 FROM ticket_frontend_fields('30000000-0000-4000-8000-0000000000f1')$$,
                'another customer gets none');

-- ---------------------------------------------------------------------------
-- Search words
-- ---------------------------------------------------------------------------
SELECT ok(to_tsvector('simple', 'Printer invoice') @@ portal_tsquery('print INV'), 'every word as a prefix, any case');
SELECT ok(NOT to_tsvector('simple', 'Printer') @@ portal_tsquery('print invoice'), 'all words must match');
SELECT is(portal_tsquery('!!! ...'), NULL, 'no word, no query');
SELECT lives_ok($$SELECT portal_tsquery(E'it''s \\ a:* & | ! <-> (b''c')$$, 'tsquery syntax in the input is only text');

-- ---------------------------------------------------------------------------
-- Guest access
-- ---------------------------------------------------------------------------
:as_anon
SELECT is((SELECT user_id FROM track_request('ALICE@t.example', (SELECT number FROM tickets WHERE false) , '192.0.2.1')), NULL,
          'no number, no match');
:as_super
\set tx1_number '(SELECT number FROM tickets WHERE id = ''30000000-0000-4000-8000-000000000001'')'
CREATE TEMP TABLE track_numbers AS SELECT :tx1_number AS n;
GRANT SELECT ON track_numbers TO supportdesk_app;
:as_anon
SELECT results_eq($$SELECT user_id, email::text FROM track_request('ALICE@t.example', lower((SELECT n FROM track_numbers)), '192.0.2.1')$$,
                  $$VALUES ('20000000-0000-4000-8000-0000000000d1'::uuid, 'alice@t.example')$$,
                  'the right pair, in any case, names the requester');
SELECT is_empty($$SELECT 1 FROM track_request('bob@t.example', (SELECT n FROM track_numbers), '192.0.2.1')$$,
                'another customer''s address does not match');
SELECT is_empty($$SELECT 1 FROM track_request('nobody@nowhere.example', (SELECT n FROM track_numbers), '192.0.2.1')$$,
                'an unknown address does not match');
:as_super
UPDATE users SET is_active = false WHERE id = :ca;
:as_anon
SELECT is_empty($$SELECT 1 FROM track_request('alice@t.example', (SELECT n FROM track_numbers), '192.0.2.1')$$,
                'an inactive account gets nothing');
:as_super
SELECT results_eq($$SELECT count(*), count(ticket_id) FROM track_requests WHERE ip_address = '192.0.2.1'$$,
                  $$VALUES (5::bigint, 1::bigint)$$, 'every attempt is recorded; only the match names its ticket');

SELECT * FROM finish();
ROLLBACK;
