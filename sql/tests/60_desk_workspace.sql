-- The workspace's database side (0020): refusals first. A foreign
-- organization's agent cannot merge into or out of, mention on, or read
-- the notes of another organization's ticket; customers never see notes or
-- escalations; then the version, the post, the merge and the mention.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(24);
:tap_grants

:as_super
INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, message_type)
VALUES (:tx1, NULL, 'SLA breached', true, 'escalation');

-- Refusals
:as_yg
SELECT is((SELECT status FROM desk_ticket_merge(:ty1, (SELECT number FROM tickets WHERE id = :tx1))), 'target_not_found',
          'Globex''s agent cannot merge into an Acme ticket');
SELECT is((SELECT status FROM desk_ticket_merge(:tx1, (SELECT number FROM tickets WHERE id = :ty1))), 'not_found',
          'nor merge an Acme ticket out');
SELECT ok(NOT ticket_mention_notify(:tx1, :xa), 'nor mention anyone on an Acme ticket');
SELECT is((SELECT count(*) FROM ticket_messages WHERE ticket_id = :tx1), 0::bigint, 'nor read its notes (nor anything)');
SELECT is((SELECT status FROM desk_ticket_post(:tx1, NULL, 'hi', true)), 'not_found', 'nor add a note to it');
SELECT ok(NOT desk_assignee_allowed(:tx1, :yg), 'nor learn whether someone may be its assignee');
:as_xg
SELECT ok(NOT ticket_mention_notify(:tx1, :yg), 'Acme''s agent cannot mention Globex''s agent on an Acme ticket');
SELECT ok(NOT ticket_mention_notify(:tx1, :ca), 'nor a customer');
SELECT ok(NOT ticket_mention_notify(:tx1, :xg), 'nor themselves');
SELECT ok(NOT desk_assignee_allowed(:tx1, :yg), 'Globex''s agent may not be given an Acme ticket');
SELECT is((SELECT status FROM desk_ticket_merge(:tx1, (SELECT number FROM tickets WHERE id = :tx1))), 'same_ticket',
          'a ticket is not merged into itself');
SELECT is((SELECT status FROM desk_ticket_merge(:tx1, (SELECT number FROM tickets WHERE id = :ty1))), 'target_not_found',
          'a target in another organization is not found');
:as_pg
SELECT is((SELECT status FROM desk_ticket_merge(:tx1, (SELECT number FROM tickets WHERE id = :ty1))), 'other_organization',
          'platform staff see both, and still may not merge across organizations');
:as_ca
SELECT is((SELECT count(*) FROM ticket_messages WHERE ticket_id = :tx1 AND is_internal), 0::bigint,
          'the customer never sees notes or escalations');
SELECT is((SELECT status FROM desk_ticket_post(:tx1, NULL, 'hi', false)), 'not_found', 'nor posts as staff');

-- Version and post
:as_xg
SELECT is((SELECT status FROM desk_ticket_post(:tx1, 1, 'stale', false)), 'stale', 'a post against an old version is refused');
SELECT is((SELECT status FROM desk_ticket_post(:tx1, (SELECT version FROM tickets WHERE id = :tx1), 'Fixed it', false, '[]',
                                               'resolved')), 'ok', 'a reply at the current version is taken');
SELECT is((SELECT status FROM tickets WHERE id = :tx1), 'resolved', 'with its next status');
SELECT ok((SELECT version > 1 FROM tickets WHERE id = :tx1), 'every update bumps the version');
WITH u AS (UPDATE tickets SET priority = 'low' WHERE id = :tx1 AND version = 1 RETURNING 1)
SELECT is((SELECT count(*) FROM u), 0::bigint, 'an UPDATE at an old version changes nothing');

-- Mention
SELECT ok(ticket_mention_notify(:tx1, :xa), 'an Acme colleague is notified');
:as_super
SELECT is((SELECT link FROM notifications WHERE user_id = :xa AND type = 'staff.mention'),
          '/desk/tickets/' || (SELECT number FROM tickets WHERE id = :tx1), 'the notification links to the workspace');

-- Merge
:as_xg
SELECT is((SELECT status FROM desk_ticket_merge(:tx2, (SELECT number FROM tickets WHERE id = :tx1))), 'ok',
          'Acme''s agent merges one Acme ticket into another');
:as_super
SELECT ok((SELECT status = 'closed' AND metadata ? 'merged_into' FROM tickets WHERE id = :tx2)
          AND EXISTS (SELECT FROM ticket_activity WHERE ticket_id = :tx1 AND activity_type = 'merged')
          AND EXISTS (SELECT FROM ticket_activity WHERE ticket_id = :tx2 AND activity_type = 'merged'),
          'the merged ticket is closed with a link and both logs record it');
SELECT * FROM finish();
ROLLBACK;
