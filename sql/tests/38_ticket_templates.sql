-- Ticket templates and recurring tickets (0038): an admin of another
-- organization never sees or edits a template, customers see none, agents
-- read their organization's, admins manage them; the next occurrence of
-- daily, weekly and monthly schedules (DST, day 31); the job creates one
-- ticket per occurrence, through the ticket triggers, catches up with one
-- ticket after downtime, and makes none for an occurrence already run.
-- Negative cases first.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(54);
:tap_grants

\set ya      '''20000000-0000-4000-8000-0000000000c9'''
\set xtpl    '''64000000-0000-4000-8000-000000000001'''
\set ytpl    '''64000000-0000-4000-8000-000000000002'''
\set xtype   '''65000000-0000-4000-8000-000000000001'''
\set xteam   '''66000000-0000-4000-8000-000000000001'''
\set as_ya   'RESET ROLE; SET LOCAL ROLE supportdesk_app; SET LOCAL app.user_id = ''20000000-0000-4000-8000-0000000000c9'';'

:as_super
SET LOCAL timezone = 'UTC';
INSERT INTO users (id, email, name, email_verified_at) VALUES (:ya, 'ya@t.example', 'Globex Admin', now());
INSERT INTO memberships (user_id, organization_id, role) VALUES (:ya, :y_org, 'admin');
INSERT INTO request_types (id, organization_id, name, default_routing) VALUES (:xtype, :x_org, 'Acme checks', 'organization');
INSERT INTO teams (id, organization_id, name) VALUES (:xteam, :x_org, 'Acme ops');
INSERT INTO ticket_templates (id, organization_id, name, title, description, requester_id, team_id, request_type_id,
                              priority, schedule, weekdays, month_day, run_time, time_zone)
VALUES (:xtpl, :x_org, 'Weekly backup check', 'Check the backups', 'Look at last night''s run.', :xa, :xteam, :xtype,
        'high', 'weekly', '{1,4}', NULL, '09:00', 'Europe/Paris'),
       (:ytpl, :y_org, 'Globex monthly', 'Invoices', 'Send them.', :yg, NULL, NULL, 'normal', 'monthly', '{}', 1, '08:00', 'UTC');

-- ---- another organization's admin, customers, strangers ----
:as_ya
SELECT is_empty($$SELECT 1 FROM ticket_templates WHERE id = '64000000-0000-4000-8000-000000000001'$$,
                'a globex admin does not see an acme template');
SELECT is_empty($$UPDATE ticket_templates SET title = 'pwned' WHERE id = '64000000-0000-4000-8000-000000000001' RETURNING 1$$,
                'a globex admin cannot change an acme template');
SELECT is_empty($$DELETE FROM ticket_templates WHERE id = '64000000-0000-4000-8000-000000000001' RETURNING 1$$,
                'a globex admin cannot delete an acme template');
SELECT throws_ok($$INSERT INTO ticket_templates (organization_id, name, title, description, requester_id)
                   VALUES ('10000000-0000-4000-8000-00000000000a', 'Ours', 't', 'd', '20000000-0000-4000-8000-0000000000c9')$$,
                 '42501', NULL, 'a globex admin cannot create an acme template');
SELECT is(ticket_template_use(:xtpl), NULL, 'a globex admin cannot use an acme template');
SELECT is_empty($$SELECT 1 FROM ticket_template_runs r JOIN ticket_templates t ON t.id = r.template_id
                  WHERE t.organization_id = '10000000-0000-4000-8000-00000000000a'$$,
                'a globex admin sees no acme runs');
:as_ca
SELECT is_empty('SELECT 1 FROM ticket_templates', 'a customer sees no template');
SELECT is(ticket_template_use(:xtpl), NULL, 'a customer cannot use a template');
:as_anon
SELECT is_empty('SELECT 1 FROM ticket_templates', 'nobody signed in sees no template');
SELECT is(ticket_template_use(:xtpl), NULL, 'nobody signed in can use a template');
:as_yg
SELECT is_empty($$SELECT 1 FROM ticket_templates WHERE organization_id = '10000000-0000-4000-8000-00000000000a'$$,
                'a globex agent sees no acme template');
:as_xg
SELECT is_empty($$UPDATE ticket_templates SET title = 'agent edit' WHERE id = '64000000-0000-4000-8000-000000000001' RETURNING 1$$,
                'an acme agent cannot change a template');
SELECT is_empty($$DELETE FROM ticket_templates WHERE id = '64000000-0000-4000-8000-000000000001' RETURNING 1$$,
                'an acme agent cannot delete a template');
SELECT throws_ok($$INSERT INTO ticket_templates (organization_id, name, title, description, requester_id)
                   VALUES ('10000000-0000-4000-8000-00000000000a', 'Agent', 't', 'd', '20000000-0000-4000-8000-0000000000b2')$$,
                 '42501', NULL, 'an acme agent cannot create a template');
SELECT throws_ok($$SELECT ticket_template_create_ticket('64000000-0000-4000-8000-000000000001', 'web')$$,
                 '42501', NULL, 'the application cannot call the internal ticket maker');
SELECT throws_ok('SELECT ticket_templates_run_due(10)', '42501', NULL, 'the job refuses an acting user');
SELECT throws_ok($$INSERT INTO ticket_template_runs (template_id, occurrence) VALUES ('64000000-0000-4000-8000-000000000001', now())$$,
                 '42501', NULL, 'the application cannot write a run');
SELECT is(has_function_privilege('public', 'ticket_template_use(uuid)', 'execute'), false, 'PUBLIC may not execute ticket_template_use');
SELECT is(has_function_privilege('public', 'ticket_templates_run_due(integer)', 'execute'), false, 'PUBLIC may not execute the job');

-- ---- the organization's staff ----
SELECT results_eq($$SELECT name FROM ticket_templates$$, ARRAY['Weekly backup check'], 'an acme agent reads acme templates only');
:as_xa
SELECT isnt_empty($$UPDATE ticket_templates SET title = 'Check the backups now' WHERE id = '64000000-0000-4000-8000-000000000001' RETURNING 1$$,
                  'an acme admin changes an acme template');
SELECT throws_ok($$INSERT INTO ticket_templates (organization_id, name, title, description, requester_id)
                   VALUES ('10000000-0000-4000-8000-00000000000a', 'Weekly backup check', 't', 'd', '20000000-0000-4000-8000-0000000000b1')$$,
                 '23505', NULL, 'names are unique in an organization');
SELECT throws_ok($$INSERT INTO ticket_templates (organization_id, name, title, description, requester_id, time_zone)
                   VALUES ('10000000-0000-4000-8000-00000000000a', 'Bad zone', 't', 'd', '20000000-0000-4000-8000-0000000000b1', 'Mars/Olympus')$$,
                 '23514', NULL, 'an unknown time zone is refused');
SELECT throws_ok($$INSERT INTO ticket_templates (organization_id, name, title, description, requester_id, schedule)
                   VALUES ('10000000-0000-4000-8000-00000000000a', 'No days', 't', 'd', '20000000-0000-4000-8000-0000000000b1', 'weekly')$$,
                 '23514', NULL, 'a weekly schedule needs days');
SELECT isnt_empty($$SELECT 1 FROM config_audit WHERE entity = 'ticket_template' AND entity_id = '64000000-0000-4000-8000-000000000001'
                    AND action = 'update' AND actor_id = '20000000-0000-4000-8000-0000000000b1'$$,
                  'the change is in the configuration audit');

-- ---- next occurrences ----
SELECT is(ticket_template_next_after('daily', '{}', NULL, '09:00', 'Europe/Paris', '2026-03-28 08:00Z'),
          '2026-03-28 08:00Z'::timestamptz + interval '1 day' - interval '1 hour',
          'daily 09:00 Paris across the spring DST change is 07:00 UTC the next day');
SELECT is(ticket_template_next_after('daily', '{}', NULL, '09:00', 'Europe/Paris', '2026-03-28 07:59Z'),
          '2026-03-28 08:00Z'::timestamptz, 'daily: later the same day when the time has not come');
SELECT is(ticket_template_next_after('daily', '{}', NULL, '09:00', 'Europe/Paris', '2026-10-24 07:00Z'),
          '2026-10-25 08:00Z'::timestamptz, 'daily 09:00 Paris on the autumn DST change is 08:00 UTC');
SELECT is(ticket_template_next_after('daily', '{}', NULL, '02:30', 'Europe/Paris', '2026-03-28 12:00Z'),
          '2026-03-29 01:30Z'::timestamptz, 'a slot in the DST gap comes at the same wall time before the change (03:30 summer time)');
SELECT is(ticket_template_next_after('weekly', '{1,3}', NULL, '09:00', 'America/New_York', '2026-12-01 20:00Z'),
          '2026-12-02 14:00Z'::timestamptz, 'weekly Monday and Wednesday: Tuesday afternoon gives Wednesday');
SELECT is(ticket_template_next_after('weekly', '{1,3}', NULL, '09:00', 'America/New_York', '2026-12-02 14:00Z'),
          '2026-12-07 14:00Z'::timestamptz, 'weekly: after Wednesday comes Monday');
SELECT is(ticket_template_next_after('weekly', '{7}', NULL, '23:30', 'Pacific/Auckland', '2026-12-01 00:00Z'),
          '2026-12-06 10:30Z'::timestamptz, 'weekly on Sunday in a zone ahead of UTC');
SELECT is(ticket_template_next_after('monthly', '{}', 31::smallint, '09:00', 'UTC', '2027-02-01 00:00Z'),
          '2027-02-28 09:00Z'::timestamptz, 'monthly on day 31 is February''s last day');
SELECT is(ticket_template_next_after('monthly', '{}', 31::smallint, '09:00', 'UTC', '2028-02-01 00:00Z'),
          '2028-02-29 09:00Z'::timestamptz, 'monthly on day 31 in a leap February is the 29th');
SELECT is(ticket_template_next_after('monthly', '{}', 31::smallint, '09:00', 'UTC', '2027-04-30 09:00Z'),
          '2027-05-31 09:00Z'::timestamptz, 'monthly on day 31: after April 30 comes May 31');
SELECT is(ticket_template_next_after('monthly', '{}', 15::smallint, '09:00', 'UTC', '2027-01-15 09:00Z'),
          '2027-02-15 09:00Z'::timestamptz, 'monthly on the 15th');
SELECT is(ticket_template_latest_at('monthly', '{}', 31::smallint, '09:00', 'UTC', '2027-03-15 00:00Z'),
          '2027-02-28 09:00Z'::timestamptz, 'the latest monthly slot at or before a time');
SELECT is(ticket_template_next_after('none', '{}', NULL, '09:00', 'UTC', now()), NULL, 'no schedule has no next run');

-- ---- the job ----
:as_super
-- A slot that has just passed (Monday or Thursday 09:00 Paris): put the
-- template's next run there, as if the scheduler had been running.
UPDATE ticket_templates SET next_run_at = ticket_template_latest_at(schedule, weekdays, month_day, run_time, time_zone, now())
WHERE id = :xtpl;
:as_owner
SELECT is(ticket_templates_run_due(100), 1, 'the job creates one ticket for the due template');
SELECT is(ticket_templates_run_due(100), 0, 'running it again creates none');
:as_super
SELECT is((SELECT count(*)::int FROM tickets WHERE channel_metadata->>'template_id' = '64000000-0000-4000-8000-000000000001'),
          1, 'one ticket from the template');
SELECT results_eq($$SELECT source, priority, assigned_org_id::text, team_id::text, request_type_id::text, requester_id::text, title
                    FROM tickets WHERE channel_metadata->>'template_id' = '64000000-0000-4000-8000-000000000001'$$,
                  $$VALUES ('recurring', 'high', '10000000-0000-4000-8000-00000000000a', '66000000-0000-4000-8000-000000000001',
                            '65000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-0000000000b1', 'Check the backups now')$$,
                  'the ticket has what the template says, source recurring');
SELECT ok((SELECT number ~ '^ACME-' AND sla_resolution_due IS NOT NULL FROM tickets
           WHERE channel_metadata->>'template_id' = '64000000-0000-4000-8000-000000000001'),
          'the ticket got its number and SLA through the ticket triggers');
SELECT results_eq($$SELECT a.activity_type, a.new_value FROM ticket_activity a JOIN tickets t ON t.id = a.ticket_id
                    WHERE t.channel_metadata->>'template_id' = '64000000-0000-4000-8000-000000000001' ORDER BY a.created_at$$,
                  $$VALUES ('created'::text, 'new'::text), ('from_template', 'Weekly backup check')$$,
                  'its activity: created, then the entry naming the template');
SELECT ok((SELECT next_run_at > now() FROM ticket_templates WHERE id = :xtpl), 'next_run_at moved past now');
SELECT is((SELECT slots FROM ticket_template_runs WHERE template_id = :xtpl), 1, 'the run is recorded for one slot');

-- After downtime: three weeks of missed slots make one ticket, for the
-- latest, and the run records that it stood for them all.
-- (In UTC, so that a DST change in those weeks does not move the slots.)
UPDATE ticket_templates SET time_zone = 'UTC' WHERE id = :xtpl;
UPDATE ticket_templates SET next_run_at = ticket_template_latest_at(schedule, weekdays, month_day, run_time, time_zone, now()) - interval '21 days'
WHERE id = :xtpl;
DELETE FROM ticket_template_runs WHERE template_id = :xtpl;
:as_owner
SELECT is(ticket_templates_run_due(100), 1, 'after downtime the job creates one ticket, not a flood');
:as_super
SELECT is((SELECT count(*)::int FROM tickets WHERE channel_metadata->>'template_id' = '64000000-0000-4000-8000-000000000001'),
          2, 'one more ticket for all the missed slots');
SELECT results_eq($$SELECT slots, occurrence = ticket_template_latest_at('weekly', '{1,4}', NULL, '09:00', 'UTC', now()),
                           first_missed IS NOT NULL FROM ticket_template_runs WHERE template_id = '64000000-0000-4000-8000-000000000001'$$,
                  $$VALUES (7, true, true)$$, 'the run is for the latest slot and records the seven it stood for');

-- An occurrence another scheduler already ran: no ticket.
UPDATE ticket_templates SET next_run_at = ticket_template_latest_at(schedule, weekdays, month_day, run_time, time_zone, now())
WHERE id = :xtpl;
:as_owner
SELECT is(ticket_templates_run_due(100), 0, 'an occurrence with a run row makes no second ticket');
SELECT ok((SELECT next_run_at > now() FROM ticket_templates WHERE id = :xtpl), 'and next_run_at still moves on');

-- An inactive template is not run.
:as_super
UPDATE ticket_templates SET is_active = false WHERE id = :ytpl;
SELECT is((SELECT next_run_at FROM ticket_templates WHERE id = :ytpl), NULL, 'a deactivated template has no next run');

-- ---- new from template ----
:as_xg
SELECT matches(ticket_template_use(:xtpl), '^ACME-', 'an acme agent creates a ticket from an acme template');
SELECT results_eq($$SELECT source, count(*)::int FROM tickets WHERE channel_metadata->>'template_id' = '64000000-0000-4000-8000-000000000001' GROUP BY source ORDER BY source$$,
                  $$VALUES ('recurring'::text, 2), ('template', 1)$$, 'used from the desk its source is template');

SELECT * FROM finish();
ROLLBACK;
