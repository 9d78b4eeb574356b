-- 0032: the email channel's SQL. Negative cases first: a sender who is
-- neither requester nor staff, a customer on the note address, a token sent
-- to another organization's address, an unknown address, a duplicate
-- Message-ID, a table nobody reads directly; then a customer's and an
-- agent's replies, a new ticket like a web one, outbox threading, counters.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(29);
:tap_grants

:as_super
UPDATE organization_settings SET support_email = 'help@acme-t.example' WHERE organization_id = :x_org;
UPDATE organization_settings SET support_email = 'help@globex-t.example' WHERE organization_id = :y_org;
INSERT INTO request_types (organization_id, name, default_routing, allowed_roles, sort_order)
VALUES (:x_org, 'Email in', 'organization', ARRAY['anonymous', 'customer'], 0);

-- ---------------------------------------------------------------- refusals
:as_anon
SELECT is((SELECT status FROM mail_in_reply(:tx1, 'bob@t.example', 'help@acme-t.example', 'not mine', '[]', 'n1@x', false)),
          'forged', 'a customer who is not the requester cannot reply by email');
SELECT is((SELECT status FROM mail_in_reply(:tx1, 'yg@t.example', 'help@acme-t.example', 'wrong org', '[]', 'n2@x', false)),
          'forged', 'another organization''s agent cannot reply by email');
SELECT is((SELECT status FROM mail_in_reply(:tx1, 'stranger@t.example', NULL, 'who', '[]', 'n3@x', false)),
          'forged', 'an unknown sender cannot reply by email');
SELECT is((SELECT status FROM mail_in_reply(:tx1, 'alice@t.example', 'help@globex-t.example', 'wrong address', '[]', 'n4@x', false)),
          'wrong_organization', 'a reply sent to another organization''s support address is refused');
SELECT is((SELECT status FROM mail_in_reply(:tx1, 'alice@t.example', 'help@acme-t.example', 'sneaky', '[]', 'n5@x', true)),
          'note_forbidden', 'a customer cannot add an internal note by email');
SELECT is((SELECT status FROM mail_in_reply('30000000-0000-4000-8000-0000000000ff', 'alice@t.example', NULL, 'x', '[]', 'n6@x', false)),
          'not_found', 'an unknown ticket');
SELECT is((SELECT status FROM mail_in_ticket('nobody@acme-t.example', 'carl@t.example', 'Carl', 'Hi', 'body', '[]', 'n7@x')),
          'unknown_address', 'an address that is no organization''s support address opens nothing');
:as_super
SELECT is((SELECT count(*)::int FROM ticket_messages WHERE email_message_id LIKE 'n_@x'), 0, 'the refusals wrote no message');
SELECT is((SELECT count(*)::int FROM users WHERE email = 'carl@t.example'), 0, 'nor a customer');
:as_anon
SELECT throws_ok($$SELECT * FROM mail_in_counters$$, '42501', NULL, 'the application cannot read the counters directly');
SELECT throws_ok($$INSERT INTO mail_in_counters (outcome) VALUES ('created')$$, '42501', NULL, 'nor write them');
SELECT throws_ok($$SELECT mail_in_count('bogus')$$, '23514', NULL, 'an unknown outcome is refused');
:as_super
SELECT throws_ok($$UPDATE organization_settings SET support_email = 'help@acme-t.example' WHERE organization_id = '10000000-0000-4000-8000-00000000000b'$$,
                 '23505', NULL, 'two organizations cannot share a support address');

-- ---------------------------------------------------------------- replies
:as_anon
SELECT is((SELECT status FROM mail_in_reply(:tx1, 'Alice@T.example', 'help@acme-t.example', 'Thanks, fixed.', '[]', 'r1@mail.t', false)),
          'ok', 'the requester''s reply by email is added');
SELECT is((SELECT status FROM mail_in_reply(:tx1, 'alice@t.example', 'help@acme-t.example', 'Thanks, fixed.', '[]', 'r1@mail.t', false)),
          'duplicate', 'the same Message-ID twice is stored once');
SELECT is((SELECT status FROM mail_in_reply(:tx1, 'xg@t.example', NULL, 'Internal: check toner.', '[]', 'r2@mail.t', true)),
          'ok', 'staff add a note through the note address');
SELECT is((SELECT status FROM mail_in_reply(:tx1, 'xg@t.example', NULL, 'Public answer.', '[]', 'r3@mail.t', false)),
          'ok', 'staff reply in public by email');
:as_super
SELECT is((SELECT string_agg(message_type || ':' || is_internal::text || ':' || (author_id = :ca)::text, ',' ORDER BY email_message_id)
           FROM ticket_messages WHERE email_message_id IN ('r1@mail.t', 'r2@mail.t', 'r3@mail.t')),
          'reply:false:true,note:true:false,reply:false:false', 'each stored as what it is, by whom');
SELECT is((SELECT count(*)::int FROM outbox WHERE ticket_id = :tx1 AND template LIKE 'notice\_%'), 1,
          'the requester has one (merged) notice about the ticket');
:as_ca
SELECT is((SELECT count(*)::int FROM ticket_messages WHERE email_message_id = 'r2@mail.t'), 0, 'the requester cannot see the emailed note');

-- ---------------------------------------------------------------- new tickets
:as_anon
SELECT is((SELECT status FROM mail_in_ticket('HELP@acme-t.example', 'carl@t.example', 'Carl', 'Broken   screen', 'It flickers.', '[]', 'new1@mail.t')),
          'created', 'mail to the support address opens a ticket');
SELECT is((SELECT status FROM mail_in_ticket('help@acme-t.example', 'carl@t.example', 'Carl', 'Broken screen', 'It flickers.', '[]', 'new1@mail.t')),
          'duplicate', 'the same message again opens nothing');
:as_super
SELECT is((SELECT t.source || '|' || t.title || '|' || t.assigned_org_id::text || '|' || u.name
           FROM tickets t JOIN users u ON u.id = t.requester_id WHERE u.email = 'carl@t.example'),
          'email|Broken   screen|10000000-0000-4000-8000-00000000000a|Carl', 'source email, routed to the organization, the customer created');
SELECT ok(mail_in_seen('new1@mail.t') AND mail_in_seen('r1@mail.t') AND NOT mail_in_seen('never@mail.t'), 'mail_in_seen knows both kinds');

-- ---------------------------------------------------------------- outbox threading, counters
INSERT INTO outbox (id, to_email, template, ticket_id, user_id, created_at) VALUES
  ('50000000-0000-4000-8000-000000000001', 'alice@t.example', 'notice_reply', :tx1, :ca, now() - interval '2 minutes'),
  ('50000000-0000-4000-8000-000000000002', 'bob@t.example',   'notice_reply', :tx1, :cb, now() - interval '1 minute'),
  ('50000000-0000-4000-8000-000000000003', 'alice@t.example', 'notice_reply', :tx1, :ca, now() - interval '30 seconds'),
  ('50000000-0000-4000-8000-000000000004', 'xg@t.example',    'staff_customer_reply', :tx1, :xg, now());
:as_anon
SELECT is((SELECT ticket_number IS NOT NULL AND support_email = 'help@acme-t.example' AND NOT recipient_is_staff
                  AND previous = ARRAY['50000000-0000-4000-8000-000000000001']::uuid[]
           FROM outbox_thread('50000000-0000-4000-8000-000000000003')),
          true, 'a notice threads to the same recipient''s earlier mail only, with the support address');
SELECT is((SELECT recipient_is_staff FROM outbox_thread('50000000-0000-4000-8000-000000000004')), true, 'staff are told apart');
SELECT lives_ok($$SELECT mail_in_count('created')$$, 'the application counts an outcome');
SELECT lives_ok($$SELECT mail_in_count('created')$$, 'twice');
SELECT is((SELECT messages FROM mail_in_counts() WHERE outcome = 'created'), 2::bigint, 'outcomes are counted');

SELECT * FROM finish();
ROLLBACK;
