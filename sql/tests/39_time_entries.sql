-- 0039: time entries. Negative cases first: a customer, another
-- organization's agent and a visitor neither read nor add an entry; an
-- agent adds none in a colleague's name, none for a message of another
-- ticket, and removes none of a colleague's; the organization is the
-- ticket's, whatever the caller. Then the staff's own entries, one per
-- message, an admin's removal, and the setting.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(17);

-- A first entry, made as the organization's agent, for the refusals to hide.
:as_xg
INSERT INTO time_entries (ticket_id, message_id, user_id, minutes, billable, note)
  VALUES (:tx1, :mx_pub, :xg, 25, true, 'diagnosis');

:as_ca
SELECT is((SELECT count(*)::int FROM time_entries), 0, 'the requester sees no time entry on their ticket');
SELECT throws_ok($$INSERT INTO time_entries (ticket_id, user_id, minutes) VALUES ('30000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-0000000000d1', 5)$$,
                 '42501', NULL, 'nor adds one');
:as_yg
SELECT is((SELECT count(*)::int FROM time_entries), 0, 'another organization''s agent sees none');
SELECT throws_ok($$INSERT INTO time_entries (ticket_id, user_id, minutes) VALUES ('30000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-0000000000c1', 5)$$,
                 '42501', NULL, 'nor adds one on a ticket of Acme');
SELECT is_empty($$DELETE FROM time_entries RETURNING 1$$, 'nor removes one');
:as_anon
SELECT is((SELECT count(*)::int FROM time_entries), 0, 'a visitor sees none');
:as_xg
SELECT throws_ok($$INSERT INTO time_entries (ticket_id, user_id, minutes) VALUES ('30000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-0000000000b1', 5)$$,
                 '42501', NULL, 'an agent adds none in a colleague''s name');
SELECT throws_ok($$INSERT INTO time_entries (ticket_id, message_id, user_id, minutes) VALUES ('30000000-0000-4000-8000-000000000001', '40000000-0000-4000-8000-000000000004', '20000000-0000-4000-8000-0000000000b2', 5)$$,
                 '23503', NULL, 'nor one for a message of another ticket');
SELECT throws_ok($$INSERT INTO time_entries (ticket_id, user_id, minutes) VALUES ('30000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-0000000000b2', 0)$$,
                 '23514', NULL, 'nor one of no minutes');
SELECT throws_ok($$INSERT INTO time_entries (ticket_id, message_id, user_id, minutes) VALUES ('30000000-0000-4000-8000-000000000001', '40000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-0000000000b2', 5)$$,
                 '23505', NULL, 'a message carries one entry');
:as_super
SELECT is((SELECT organization_id FROM time_entries WHERE note = 'diagnosis'), :x_org::uuid,
          'the entry belongs to the organization working the ticket');
INSERT INTO time_entries (ticket_id, user_id, minutes, billable) VALUES (:tx1, :xa, 10, false);

:as_xg
SELECT is((SELECT sum(minutes)::int FROM time_entries WHERE ticket_id = :tx1), 35, 'the agent reads every entry of the ticket');
SELECT is_empty($$DELETE FROM time_entries WHERE user_id = '20000000-0000-4000-8000-0000000000b1' RETURNING 1$$,
                'but removes none of a colleague''s');
SELECT is((SELECT count(*)::int FROM time_entries WHERE user_id = :xa), 1, 'the colleague''s entry stays');
:as_pg
SELECT is((SELECT count(*)::int FROM time_entries), 2, 'platform staff read them');
:as_xa
SELECT isnt_empty($$DELETE FROM time_entries WHERE user_id = '20000000-0000-4000-8000-0000000000b2' RETURNING 1$$,
                  'an admin of the organization removes an agent''s entry');
:as_super
SELECT is((SELECT require_time_on_reply FROM organization_settings WHERE organization_id = :x_org), false,
          'no organization requires time by default');

SELECT * FROM finish();
ROLLBACK;
