-- SECURITY DEFINER API: submissions, verification, customers, customer actions, outbox.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(51);
:tap_grants

:as_super
INSERT INTO attachment_blobs (sha256, data, size_bytes) VALUES (sha256('%PDF-1.4'::bytea), '%PDF-1.4'::bytea, 8);
INSERT INTO events (id, name, starts_at) VALUES ('70000000-0000-4000-8000-000000000001', 'Spring meet', now() + interval '20 days');

-- Everything below runs as the anonymous application role.
:as_anon
SELECT set_has($$SELECT name FROM submit_form_request_types('anonymous')$$, $$VALUES ('General question'), ('Technical issue'), ('Event inquiry')$$,
               'anonymous sees the global request types');
SELECT set_eq($$SELECT field_type FROM submit_form_fields((SELECT id FROM submit_form_request_types() WHERE name = 'Technical issue'))$$,
              ARRAY['textarea', 'date', 'dropdown_static', 'file', 'checkbox'], 'technical issue fields (frontend)');
SELECT set_eq($$SELECT field_key FROM submit_form_fields((SELECT id FROM submit_form_request_types() WHERE name = 'Event inquiry'))$$,
              ARRAY['event_ref', 'contact_consent'], 'event inquiry shows the dynamic event dropdown');
SELECT ok('text' = ANY (ARRAY(SELECT field_type FROM submit_form_fields((SELECT id FROM submit_form_request_types() WHERE name = 'Billing question')))),
          'billing shows the text field');
SELECT ok('triage_notes' = ANY (ARRAY(SELECT field_key FROM submit_form_fields((SELECT id FROM submit_form_request_types() WHERE name = 'Billing question'), 'agent', true))),
          'backend-only field visible to staff in the backend');
SELECT ok(NOT 'triage_notes' = ANY (ARRAY(SELECT field_key FROM submit_form_fields((SELECT id FROM submit_form_request_types() WHERE name = 'Billing question'), 'anonymous', false))),
          'backend-only field hidden from the public form');
SELECT ok(NOT 'contact_consent' = ANY (ARRAY(SELECT field_key FROM submit_form_fields((SELECT id FROM submit_form_request_types() WHERE name = 'Billing question'), 'agent', true))),
          'frontend-only field hidden in the backend');
SELECT set_has($$SELECT name FROM submit_form_events((SELECT id FROM submit_form_request_types() WHERE name = 'Event inquiry'))$$,
               $$VALUES ('Spring meet')$$, 'events feed the dynamic dropdown');

-- submission_create
SELECT results_eq($$SELECT status FROM submission_create('New.Person@t.example', 'New Person',
                     (SELECT id FROM submit_form_request_types() WHERE name = 'Technical issue'), 'It broke', 'Details',
                     '{"product_area": "web"}', jsonb_build_array(jsonb_build_object('sha256', encode(sha256('%PDF-1.4'::bytea), 'hex'),
                       'file_name', 'log.pdf', 'content_type', 'application/pdf', 'size_bytes', 8)),
                     sha256('token-1'::bytea), '198.51.100.1', 'curl', 'idem-key-000000000001')$$,
                  ARRAY['created'], 'submission_create stores a submission');
SELECT results_eq($$SELECT status FROM submission_create('New.Person@t.example', 'New Person',
                     (SELECT id FROM submit_form_request_types() WHERE name = 'Technical issue'), 'It broke', 'Details',
                     '{}', '[]', sha256('token-1b'::bytea), '198.51.100.1', 'curl', 'idem-key-000000000001')$$,
                  ARRAY['duplicate'], 'same idempotency key: no second submission');
SELECT results_eq($$SELECT status FROM submission_create('x@t.example', NULL, (SELECT id FROM submit_form_request_types() WHERE name = 'Event inquiry'),
                     't', 'd', '{}', '[]', sha256('token-2'::bytea), NULL)$$, ARRAY['event_required'], 'event required by the type');
SELECT results_eq($$SELECT status FROM submission_create('x@t.example', NULL, gen_random_uuid(), 't', 'd', '{}', '[]', sha256('token-3'::bytea), NULL)$$,
                  ARRAY['invalid_request_type'], 'unknown request type');
SELECT results_eq($$SELECT status FROM submission_create('x@t.example', NULL, (SELECT id FROM submit_form_request_types() WHERE name = 'General question'),
                     't', 'd', '{}', '[{"sha256": "00", "file_name": "a", "content_type": "text/plain", "size_bytes": 1}]', sha256('token-4'::bytea), NULL)$$,
                  ARRAY['invalid_attachments'], 'attachment refs must point at stored blobs');
SELECT results_eq($$SELECT status FROM submission_create('x@t.example', NULL, (SELECT id FROM submit_form_request_types() WHERE name = 'General question'),
                     't', 'd', '{}', '[]', '\x00'::bytea, NULL)$$, ARRAY['invalid_token'], 'token hash must be 32 bytes');
:as_super
SELECT ok((SELECT expires_at BETWEEN now() + interval '59 minutes' AND now() + interval '61 minutes' FROM submissions WHERE token_hash = sha256('token-1'::bytea)),
          'submissions expire after one hour');
SELECT is((SELECT count(*) FROM submissions WHERE email = 'new.person@t.example'), 1::bigint, 'one submission stored, email as citext');
:as_anon

-- peek does not consume
SELECT is(submission_peek(sha256('token-1'::bytea)), 'valid', 'peek: valid');
SELECT is(submission_peek(sha256('nope'::bytea)), 'unknown', 'peek: unknown');

-- verify
SELECT results_eq($$SELECT status, ticket_number IS NOT NULL FROM submission_verify(sha256('token-1'::bytea))$$,
                  $$VALUES ('created', true)$$, 'verify creates the ticket');
SELECT results_eq($$SELECT status FROM submission_verify(sha256('token-1'::bytea))$$, ARRAY['used'], 'second use reports used');
SELECT is(submission_peek(sha256('token-1'::bytea)), 'used', 'peek: used');
SELECT results_eq($$SELECT status FROM submission_verify(sha256('nope'::bytea))$$, ARRAY['unknown'], 'unknown token');
SELECT is((SELECT count(*) FROM tickets), 0::bigint, 'anonymous still sees no tickets afterwards');
:as_super
SELECT results_eq($$SELECT t.title, t.status, t.routing_type, t.custom_fields->>'product_area', u.email_verified_at IS NOT NULL, t.sla_first_response_due IS NOT NULL
                    FROM tickets t JOIN users u ON u.id = t.requester_id WHERE u.email = 'new.person@t.example'$$,
                  $$VALUES ('It broke', 'new', 'internal', 'web', true, true)$$, 'ticket from submission: fields, routing, verified customer, SLA');
SELECT is((SELECT count(*) FROM attachments a JOIN tickets t ON t.id = a.ticket_id JOIN users u ON u.id = t.requester_id WHERE u.email = 'new.person@t.example'),
          1::bigint, 'submission attachments became attachment rows');
SELECT ok(EXISTS (SELECT FROM ticket_activity a JOIN tickets t ON t.id = a.ticket_id JOIN users u ON u.id = t.requester_id
                  WHERE u.email = 'new.person@t.example' AND a.activity_type = 'created' AND a.actor_id = u.id),
          'created activity is attributed to the new customer');
-- expired and locked
INSERT INTO submissions (email, request_type_id, title, description, token_hash, expires_at)
  SELECT 'late@t.example', id, 't', 'd', sha256('token-exp'::bytea), now() - interval '1 second' FROM request_types WHERE name = 'General question';
INSERT INTO submissions (email, request_type_id, title, description, token_hash, attempts)
  SELECT 'lock@t.example', id, 't', 'd', sha256('token-lock'::bytea), 5 FROM request_types WHERE name = 'General question';
:as_anon
SELECT results_eq($$SELECT status FROM submission_verify(sha256('token-exp'::bytea))$$, ARRAY['expired'], 'expired token');
SELECT results_eq($$SELECT status FROM submission_verify(sha256('token-lock'::bytea))$$, ARRAY['locked'], 'too many attempts');
:as_super
SELECT is((SELECT attempts FROM submissions WHERE token_hash = sha256('token-exp'::bytea)), 1, 'attempts are counted even on failure');

-- customers by email
:as_anon
SELECT is(customer_find_or_create('ALICE@t.example', 'Other name'), :ca::uuid, 'find_or_create finds by case-insensitive email');
SELECT isnt(customer_find_or_create('fresh@t.example', 'Fresh'), NULL, 'find_or_create creates');

-- signed-in customers
:as_nb
SELECT results_eq($$SELECT status FROM ticket_create_for_customer((SELECT id FROM submit_form_request_types('customer') WHERE name = 'General question'), 't', 'd')$$,
                  ARRAY['email_not_verified'], 'unverified customers must verify first');
:as_anon
SELECT results_eq($$SELECT status FROM ticket_create_for_customer((SELECT id FROM submit_form_request_types('customer') WHERE name = 'General question'), 't', 'd')$$,
                  ARRAY['not_signed_in'], 'anonymous cannot use the signed-in path');
:as_ca
SELECT results_eq($$SELECT status FROM ticket_create_for_customer((SELECT id FROM request_types WHERE name = 'General question'), 'Portal ticket', 'd', '{}', NULL, 'portal', NULL, NULL, 'idem-key-portal-0001')$$,
                  ARRAY['created'], 'verified customer creates a ticket at once');
SELECT results_eq($$SELECT status FROM ticket_create_for_customer((SELECT id FROM request_types WHERE name = 'General question'), 'Portal ticket', 'd', '{}', NULL, 'portal', NULL, NULL, 'idem-key-portal-0001')$$,
                  ARRAY['duplicate'], 'retried POST returns the first ticket');
SELECT is((SELECT count(*) FROM tickets WHERE title = 'Portal ticket'), 1::bigint, 'she sees exactly one such ticket');

-- customer actions
SELECT is(customer_ticket_close(:ty1), 'not_found', 'alice cannot close bob''s ticket');
SELECT is(customer_ticket_rate(:tx1, 5), 'invalid_state', 'rating needs a resolved ticket');
SELECT is(customer_ticket_close(:tx1), 'ok', 'alice closes her ticket');
SELECT is(customer_ticket_rate(:tx1, 4, 'fine'), 'ok', 'alice rates it');
SELECT is(customer_ticket_reopen(:tx1), 'ok', 'alice reopens it');

-- outbox
:as_anon
SELECT isnt(outbox_enqueue('to@t.example', 'Verify', 'Click', NULL, NULL, '{}', NULL, NULL, 'verify:1'), NULL, 'enqueue returns an id');
SELECT is(outbox_enqueue('to@t.example', 'Verify', 'Click', NULL, NULL, '{}', NULL, NULL, 'verify:1'),
          outbox_enqueue('to@t.example', 'Verify', 'Click', NULL, NULL, '{}', NULL, NULL, 'verify:1'), 'dedupe key suppresses duplicates');
SELECT results_eq($$SELECT status, attempts FROM outbox_claim(10) WHERE to_email = 'to@t.example'$$, $$VALUES ('sending', 1)$$, 'claim leases pending mail');
SELECT is(outbox_mark_sent((SELECT id FROM outbox_enqueue('to@t.example', 'Verify', 'Click', NULL, NULL, '{}', NULL, NULL, 'verify:1') AS id)),
          true, 'mark_sent completes a leased row');
SELECT isnt(outbox_enqueue('fail@t.example', 'S', 'B'), NULL, 'enqueue another');
SELECT is((SELECT count(*) FROM outbox_claim(10)), 1::bigint, 'claim takes only due pending rows');
SELECT is(outbox_mark_failed((SELECT outbox_enqueue('fail@t.example', 'S', 'B', NULL, NULL, '{}', NULL, NULL, NULL)) , 'x', false), NULL,
          'mark_failed ignores rows that are not leased');
:as_super
SELECT is((SELECT status FROM outbox WHERE to_email = 'to@t.example'), 'sent', 'sent row has sent_at/status');
SELECT is(outbox_mark_failed((SELECT id FROM outbox WHERE to_email = 'fail@t.example' AND status = 'sending'), 'smtp 451', false), 'pending',
          'a failure schedules a retry');
SELECT ok((SELECT next_attempt_at > now() AND last_error = 'smtp 451' FROM outbox WHERE to_email = 'fail@t.example' AND attempts = 1),
          'retry is backed off and the error kept');
:as_super
SELECT * FROM finish();
ROLLBACK;
