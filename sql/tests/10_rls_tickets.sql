-- Row-level security on tickets: every audience, positive and negative.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(27);
:tap_grants

-- No request context: nothing at all.
:as_unset
SELECT is((SELECT count(*) FROM tickets), 0::bigint, 'app.user_id unset: no tickets');
:as_anon
SELECT is((SELECT count(*) FROM tickets), 0::bigint, 'app.user_id empty: no tickets');
SELECT throws_ok($$INSERT INTO tickets (requester_id, title, description) VALUES ('20000000-0000-4000-8000-0000000000d1', 'x', 'y')$$,
                 '42501', NULL, 'anonymous cannot insert tickets');

-- Customer alice: her own tickets (tx1, ti1), never bob's.
:as_ca
SELECT set_eq('SELECT id FROM tickets', ARRAY[:tx1, :ti1]::uuid[], 'alice sees exactly her two tickets');
SELECT is_empty($$SELECT 1 FROM tickets WHERE requester_id = '20000000-0000-4000-8000-0000000000d2'$$, 'alice never sees bob''s tickets');
SELECT is((SELECT count(*) FROM tickets WHERE id = :ty1), 0::bigint, 'alice cannot fetch bob''s ticket by id');
SELECT throws_ok($$INSERT INTO tickets (requester_id, title, description) VALUES ('20000000-0000-4000-8000-0000000000d1', 'x', 'y')$$,
                 '42501', NULL, 'customers cannot insert tickets directly');
UPDATE tickets SET priority = 'urgent' WHERE id = :tx1;
:as_super
SELECT is((SELECT priority FROM tickets WHERE id = :tx1), 'high', 'customer UPDATE of her own ticket changes nothing (no update policy)');

-- Customer bob: tx2, ty1.
:as_cb
SELECT set_eq('SELECT id FROM tickets', ARRAY[:tx2, :ty1]::uuid[], 'bob sees exactly his two tickets');

-- A user with no tickets sees none.
:as_nb
SELECT is((SELECT count(*) FROM tickets), 0::bigint, 'a user without tickets or memberships sees none');

-- Org X agent: tickets routed to X (organization and hybrid), nothing of Y, no internal.
:as_xg
SELECT set_eq('SELECT id FROM tickets', ARRAY[:tx1, :tx2]::uuid[], 'acme agent sees acme-routed tickets');
SELECT is((SELECT count(*) FROM tickets WHERE id = :ty1), 0::bigint, 'acme agent never sees globex tickets');
SELECT is((SELECT count(*) FROM tickets WHERE id = :ti1), 0::bigint, 'acme agent never sees internal tickets');
SELECT lives_ok($$UPDATE tickets SET status = 'in_progress' WHERE id = '30000000-0000-4000-8000-000000000001'$$, 'acme agent updates an acme ticket');
SELECT results_eq($$UPDATE tickets SET status = 'in_progress' WHERE id = '30000000-0000-4000-8000-000000000003' RETURNING 1$$,
                  'SELECT 1 WHERE false', 'acme agent cannot update a globex ticket');
SELECT throws_ok($$UPDATE tickets SET assigned_org_id = '10000000-0000-4000-8000-00000000000b' WHERE id = '30000000-0000-4000-8000-000000000001'$$,
                 '42501', NULL, 'acme agent cannot route a ticket to another org');
SELECT throws_ok($$INSERT INTO tickets (requester_id, routing_type, assigned_org_id, title, description)
                   VALUES ('20000000-0000-4000-8000-0000000000d1', 'organization', '10000000-0000-4000-8000-00000000000b', 'x', 'y')$$,
                 '42501', NULL, 'acme agent cannot create a globex ticket');
SELECT lives_ok($$INSERT INTO tickets (requester_id, routing_type, assigned_org_id, title, description, source)
                  VALUES ('20000000-0000-4000-8000-0000000000d1', 'organization', '10000000-0000-4000-8000-00000000000a', 'phone call', 'y', 'phone')$$,
                'acme agent creates an acme ticket (phone)');
SELECT throws_ok($$UPDATE tickets SET number = 'X' WHERE id = '30000000-0000-4000-8000-000000000001'$$,
                 '42501', NULL, 'derived column number is not writable');
SELECT throws_ok($$DELETE FROM tickets WHERE id = '30000000-0000-4000-8000-000000000001'$$,
                 '42501', NULL, 'nobody deletes tickets through the app');

-- Org X admin: same tickets as agents.
:as_xa
SELECT is((SELECT count(*) FROM tickets WHERE id IN (:tx1, :tx2)), 2::bigint, 'acme admin sees acme tickets');
SELECT is((SELECT count(*) FROM tickets WHERE id IN (:ty1, :ti1)), 0::bigint, 'acme admin sees no globex/internal tickets');

-- Org Y agent.
:as_yg
SELECT set_eq('SELECT id FROM tickets', ARRAY[:ty1]::uuid[], 'globex agent sees only globex tickets');

-- Platform staff see everything.
:as_pg
SELECT is((SELECT count(*) FROM tickets WHERE id IN (:tx1, :tx2, :ty1, :ti1)), 4::bigint, 'platform agent sees all tickets');
:as_pa
SELECT is((SELECT count(*) FROM tickets WHERE id IN (:tx1, :tx2, :ty1, :ti1)), 4::bigint, 'platform admin sees all tickets');

-- A deactivated membership or organization loses access.
:as_super
UPDATE memberships SET is_active = false WHERE user_id = :xg;
:as_xg
SELECT is((SELECT count(*) FROM tickets), 0::bigint, 'inactive membership: no tickets');
:as_super
UPDATE memberships SET is_active = true WHERE user_id = :xg;
UPDATE organizations SET is_active = false WHERE id = :x_org;
:as_xg
SELECT is((SELECT count(*) FROM tickets), 0::bigint, 'inactive organization: its staff see no tickets');

:as_super
SELECT * FROM finish();
ROLLBACK;
