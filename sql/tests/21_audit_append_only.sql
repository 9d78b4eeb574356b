-- ticket_activity is append-only for everyone: app, owner (trigger), TRUNCATE.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(8);
:tap_grants

:as_pa
SELECT throws_ok('UPDATE ticket_activity SET description = $$x$$', '42501', NULL, 'app (even platform admin) cannot UPDATE activity');
SELECT throws_ok('DELETE FROM ticket_activity', '42501', NULL, 'app cannot DELETE activity');
SELECT throws_ok('TRUNCATE ticket_activity', '42501', NULL, 'app cannot TRUNCATE activity');
:as_owner
SELECT throws_ok('UPDATE ticket_activity SET description = $$x$$', '42501', 'ticket_activity is append-only (UPDATE refused)', 'owner UPDATE refused by trigger');
SELECT throws_ok('DELETE FROM ticket_activity', '42501', 'ticket_activity is append-only (DELETE refused)', 'owner DELETE refused by trigger');
SELECT throws_ok('TRUNCATE ticket_activity', '42501', 'ticket_activity is append-only (TRUNCATE refused)', 'owner TRUNCATE refused by trigger');
SELECT throws_ok($$DELETE FROM tickets WHERE id = '30000000-0000-4000-8000-000000000001'$$, '23503', NULL,
                 'a ticket with history cannot be deleted (no cascade into the audit log)');
:as_super
SELECT lives_ok($$INSERT INTO ticket_activity (ticket_id, activity_type, description, is_internal) VALUES ('30000000-0000-4000-8000-000000000001', 'escalated', 'manual', true)$$,
                'appending still works');
SELECT * FROM finish();
ROLLBACK;
