-- The outbox keeps no working link: the application role cannot read it,
-- a delivered row and a row that failed for good lose their bodies, a row
-- waiting for a retry keeps its (sealed) body, and old rows are purged.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(16);
:tap_grants

-- Refusals first.
:as_anon
SELECT throws_ok($$SELECT body_text FROM outbox$$, '42501', NULL, 'the application role cannot read outbox bodies');
SELECT throws_ok($$UPDATE outbox SET body_text = ''$$, '42501', NULL, 'nor write them');
SELECT throws_ok($$DELETE FROM outbox$$, '42501', NULL, 'nor delete rows');
SELECT is(to_regprocedure('outbox_mark_failed(uuid,text)'), NULL, 'the mark_failed that never scrubbed is gone');

-- Sealed rows are stored as given (the application seals before enqueueing).
SELECT isnt(outbox_enqueue('sent@t.example', 'Confirm', 'sealed-sent', 'sealed-sent-html', p_sealed => true), NULL,
            'enqueue a sealed row');
SELECT isnt(outbox_enqueue('retry@t.example', 'Confirm', 'sealed-retry', NULL, p_sealed => true), NULL, 'and another');
SELECT isnt(outbox_enqueue('dead@t.example', 'Confirm', 'sealed-dead', 'sealed-dead-html', p_sealed => true), NULL,
            'and a third');
SELECT is((SELECT count(*) FROM outbox_claim(10) WHERE sealed), 3::bigint, 'claim hands the mailer the sealed rows');

:as_super
SELECT ok(outbox_mark_sent((SELECT id FROM outbox WHERE to_email = 'sent@t.example')), 'a delivery');
SELECT is(outbox_mark_failed((SELECT id FROM outbox WHERE to_email = 'retry@t.example'), 'smtp 451', false), 'pending',
          'a temporary failure schedules a retry');
SELECT results_eq($$SELECT body_text, sealed FROM outbox WHERE to_email = 'retry@t.example'$$,
                  $$VALUES ('sealed-retry'::text, true)$$, 'a row waiting for its retry keeps its sealed body');
SELECT is(outbox_mark_failed((SELECT id FROM outbox WHERE to_email = 'dead@t.example'), 'smtp 550', true),
          'failed', 'a permanent failure');
SELECT results_eq($$SELECT status, body_text, body_html, sealed, subject FROM outbox
                    WHERE to_email IN ('sent@t.example', 'dead@t.example') ORDER BY to_email$$,
                  $$VALUES ('failed'::text, ''::text, NULL::text, false, 'Confirm'::text),
                           ('sent', '', NULL, false, 'Confirm')$$,
                  'sent and failed rows keep recipient and subject, never the body');
SELECT is(outbox_mark_failed((SELECT id FROM outbox WHERE to_email = 'retry@t.example'), 'x', true), NULL,
          'mark_failed ignores a row that is not leased (and scrubs nothing)');

ALTER TABLE outbox DISABLE TRIGGER outbox_updated_at; -- (rolled back with the test)
UPDATE outbox SET updated_at = now() - interval '31 days' WHERE to_email IN ('sent@t.example', 'retry@t.example');
SELECT is(outbox_purge(), 1::bigint, 'purge deletes the sent row past the retention');
SELECT is((SELECT count(*) FROM outbox WHERE to_email = 'retry@t.example' AND body_text = 'sealed-retry'), 1::bigint,
          'and keeps the one still pending, body and all');
SELECT * FROM finish();
ROLLBACK;
