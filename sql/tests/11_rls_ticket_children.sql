-- Row-level security on messages, attachments, blobs, activity and assignment history.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(36);
:tap_grants

-- An attachment on the internal note and one on the public reply of tx1.
:as_super
INSERT INTO attachment_blobs (sha256, data, size_bytes) VALUES
  (sha256('public bytes'::bytea), 'public bytes'::bytea, 12),
  (sha256('secret bytes'::bytea), 'secret bytes'::bytea, 12);
INSERT INTO attachments (id, ticket_id, message_id, file_name, content_type, size_bytes, sha256, uploaded_by) VALUES
  ('50000000-0000-4000-8000-000000000001', :tx1, :mx_pub, 'invoice.pdf', 'application/pdf', 12, sha256('public bytes'::bytea), :xg),
  ('50000000-0000-4000-8000-000000000002', :tx1, :mx_int, 'secret.txt', 'text/plain', 12, sha256('secret bytes'::bytea), :xg);
UPDATE tickets SET assignee_id = :xg, priority = 'urgent', tags = '{vip}' WHERE id = :tx1;

-- Nobody without context.
:as_unset
SELECT is((SELECT count(*) FROM ticket_messages), 0::bigint, 'unset: no messages');
SELECT is((SELECT count(*) FROM attachments), 0::bigint, 'unset: no attachments');
SELECT is((SELECT count(*) FROM attachment_blobs), 0::bigint, 'unset: no blobs');
SELECT is((SELECT count(*) FROM ticket_activity), 0::bigint, 'unset: no activity');
SELECT is((SELECT count(*) FROM ticket_assignments), 0::bigint, 'unset: no assignment history');

-- Alice: public messages of her tickets only.
:as_ca
SELECT set_eq('SELECT id FROM ticket_messages', ARRAY[:mx_pub, :mx_cust]::uuid[], 'alice sees the public messages of her ticket');
SELECT is_empty('SELECT 1 FROM ticket_messages WHERE is_internal', 'alice never sees internal notes');
SELECT is_empty($$SELECT 1 FROM ticket_messages WHERE ticket_id = '30000000-0000-4000-8000-000000000003'$$, 'alice never sees bob''s messages');
SELECT set_eq('SELECT file_name FROM attachments', ARRAY['invoice.pdf'], 'alice sees only the attachment of a public message');
SELECT is((SELECT count(*) FROM attachment_blobs), 1::bigint, 'alice reads only the public blob');
SELECT is_empty('SELECT 1 FROM ticket_activity WHERE is_internal', 'alice sees no internal activity');
SELECT ok((SELECT count(*) FROM ticket_activity WHERE ticket_id = :tx1) > 0, 'alice sees public activity of her ticket');
SELECT is_empty($$SELECT 1 FROM ticket_activity WHERE ticket_id = '30000000-0000-4000-8000-000000000003'$$, 'alice sees no activity of bob''s tickets');
SELECT is((SELECT count(*) FROM ticket_assignments), 0::bigint, 'customers see no assignment history');
SELECT lives_ok($$INSERT INTO ticket_messages (ticket_id, author_id, body) VALUES ('30000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-0000000000d1', 'more info')$$,
                'alice replies on her ticket');
SELECT throws_ok($$INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, message_type) VALUES ('30000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-0000000000d1', 'x', true, 'note')$$,
                 '42501', NULL, 'alice cannot write internal notes');
SELECT throws_ok($$INSERT INTO ticket_messages (ticket_id, author_id, body) VALUES ('30000000-0000-4000-8000-000000000003', '20000000-0000-4000-8000-0000000000d1', 'x')$$,
                 '42501', NULL, 'alice cannot post on bob''s ticket');
SELECT throws_ok($$INSERT INTO ticket_messages (ticket_id, author_id, body) VALUES ('30000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-0000000000c1', 'x')$$,
                 '42501', NULL, 'alice cannot post as someone else');
SELECT throws_ok($$INSERT INTO ticket_activity (ticket_id, activity_type, description, is_internal) VALUES ('30000000-0000-4000-8000-000000000001', 'created', 'forged', false)$$,
                 '42501', NULL, 'nobody forges activity rows');
SELECT throws_ok($$INSERT INTO attachments (ticket_id, file_name, content_type, size_bytes, sha256, uploaded_by) VALUES ('30000000-0000-4000-8000-000000000003', 'a.pdf', 'application/pdf', 12, sha256('public bytes'::bytea), '20000000-0000-4000-8000-0000000000d1')$$,
                 '42501', NULL, 'alice cannot attach to bob''s ticket');

-- Bob cannot see alice's messages or attachments.
:as_cb
SELECT is_empty($$SELECT 1 FROM ticket_messages WHERE ticket_id = '30000000-0000-4000-8000-000000000001'$$, 'bob never sees alice''s messages');
SELECT is((SELECT count(*) FROM attachments), 0::bigint, 'bob sees no attachments of alice');
SELECT is_empty('SELECT 1 FROM ticket_messages WHERE is_internal', 'bob sees no internal notes on his own tickets either');

-- Acme agent: all messages of acme tickets including notes; nothing of globex.
:as_xg
SELECT ok((SELECT count(*) FROM ticket_messages WHERE id = :mx_int) = 1, 'acme agent sees acme internal notes');
SELECT is_empty($$SELECT 1 FROM ticket_messages WHERE ticket_id = '30000000-0000-4000-8000-000000000003'$$, 'acme agent never sees globex messages');
SELECT is((SELECT count(*) FROM attachments), 2::bigint, 'acme agent sees both attachments');
SELECT ok((SELECT count(*) FROM ticket_activity WHERE is_internal AND ticket_id = :tx1) > 0, 'acme agent sees internal activity');
SELECT is_empty($$SELECT 1 FROM ticket_activity WHERE ticket_id = '30000000-0000-4000-8000-000000000003'$$, 'acme agent sees no globex activity');
SELECT ok((SELECT count(*) FROM ticket_assignments WHERE ticket_id = :tx1) > 0, 'acme agent sees assignment history');
SELECT lives_ok($$INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, message_type) VALUES ('30000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-0000000000b2', 'note', true, 'note')$$,
                'acme agent writes an internal note');
SELECT throws_ok($$INSERT INTO ticket_messages (ticket_id, author_id, body) VALUES ('30000000-0000-4000-8000-000000000003', '20000000-0000-4000-8000-0000000000b2', 'x')$$,
                 '42501', NULL, 'acme agent cannot post on a globex ticket');
SELECT results_eq($$UPDATE ticket_messages SET body = 'edited' WHERE id = '40000000-0000-4000-8000-000000000003' RETURNING 1$$,
                  'SELECT 1 WHERE false', 'acme agent cannot edit alice''s message');
SELECT results_eq($$UPDATE ticket_messages SET body = 'edited' WHERE id = '40000000-0000-4000-8000-000000000001' RETURNING edited_by$$,
                  ARRAY[:xg::uuid], 'authors edit their own message; edited_by is stamped');

-- Globex agent: only globex.
:as_yg
SELECT set_eq('SELECT id FROM ticket_messages', ARRAY[:my_pub, :my_int]::uuid[], 'globex agent sees only globex messages');
SELECT is((SELECT count(*) FROM attachments), 0::bigint, 'globex agent sees no acme attachments');

-- Platform staff: everything.
:as_pg
SELECT ok((SELECT count(*) FROM ticket_messages WHERE is_internal) >= 2, 'platform agent sees every internal note');

:as_super
SELECT * FROM finish();
ROLLBACK;
