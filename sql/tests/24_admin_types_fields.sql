-- Request types and custom fields as org admins shape them (0024): nobody
-- changes another organization's, an agent changes none, patterns must
-- compile, writes are audited, and removing what tickets use deactivates
-- it. Negative cases first.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(45);
:tap_grants

\set rt_x1 '''62000000-0000-4000-8000-000000000001'''
\set rt_x2 '''62000000-0000-4000-8000-000000000002'''
\set rt_x3 '''62000000-0000-4000-8000-000000000003'''
\set rt_y1 '''62000000-0000-4000-8000-000000000004'''
\set fd_x1 '''63000000-0000-4000-8000-000000000001'''
\set fd_x2 '''63000000-0000-4000-8000-000000000002'''
\set fd_y1 '''63000000-0000-4000-8000-000000000003'''

:as_super
INSERT INTO request_types (id, organization_id, name, sort_order) VALUES
  (:rt_x1, :x_org, 'Acme one', 0), (:rt_x2, :x_org, 'Acme two', 0), (:rt_x3, :x_org, 'Acme three', 0),
  (:rt_y1, :y_org, 'Globex one', 0);
INSERT INTO field_definitions (id, organization_id, field_key, label, field_type) VALUES
  (:fd_x1, :x_org, 'acme_order', 'Order', 'text'),
  (:fd_x2, :x_org, 'acme_unused', 'Unused', 'text'),
  (:fd_y1, :y_org, 'globex_serial', 'Serial', 'text');
INSERT INTO field_visibility_rules (field_definition_id, request_type_ids) VALUES (:fd_x2, ARRAY[:rt_x3]::uuid[]);
UPDATE tickets SET request_type_id = :rt_x1, custom_fields = '{"acme_order": "A-1"}' WHERE id = :tx1;

-- ---- an org admin never changes another organization's ----
:as_xa
SELECT throws_ok($$INSERT INTO request_types (organization_id, name) VALUES ('10000000-0000-4000-8000-00000000000b', 'Ours')$$,
                 '42501', NULL, 'acme admin cannot create a globex request type');
SELECT is_empty($$UPDATE request_types SET name = 'pwned' WHERE id = '62000000-0000-4000-8000-000000000004' RETURNING 1$$,
                'acme admin cannot rename a globex type');
SELECT is_empty($$DELETE FROM request_types WHERE id = '62000000-0000-4000-8000-000000000004' RETURNING 1$$,
                'acme admin cannot delete a globex type');
SELECT is(admin_request_type_move(:y_org, :rt_y1, true), 'not_found', 'acme admin cannot reorder globex types');
SELECT is(admin_request_type_remove(:y_org, :rt_y1), 'forbidden', 'acme admin cannot remove a globex type');
SELECT throws_ok($$INSERT INTO field_definitions (organization_id, field_key, label, field_type)
                   VALUES ('10000000-0000-4000-8000-00000000000b', 'mole', 'Mole', 'text')$$,
                 '42501', NULL, 'acme admin cannot create a globex field');
SELECT is_empty($$UPDATE field_definitions SET validation_rules = '{"pattern": "x"}' WHERE id = '63000000-0000-4000-8000-000000000003' RETURNING 1$$,
                'acme admin cannot change a globex field');
SELECT is(admin_field_remove(:y_org, :fd_y1), 'forbidden', 'acme admin cannot remove a globex field');
SELECT throws_ok($$INSERT INTO field_visibility_rules (field_definition_id, user_roles)
                   VALUES ('63000000-0000-4000-8000-000000000003', ARRAY['admin'])$$,
                 '42501', NULL, 'acme admin cannot add a rule to a globex field');
SELECT is(admin_field_remove(:x_org, :fd_y1), 'not_found', 'a globex field named under acme is not found');
SELECT is(admin_request_type_remove(:x_org, :rt_y1), 'not_found', 'a globex type named under acme is not found');
:as_super
SELECT is((SELECT name FROM request_types WHERE id = :rt_y1), 'Globex one', 'the globex type is untouched');
SELECT is((SELECT count(*) FROM field_definitions WHERE id = :fd_y1 AND is_active), 1::bigint, 'the globex field is untouched');

-- ---- an agent changes none ----
:as_xg
SELECT throws_ok($$INSERT INTO request_types (organization_id, name) VALUES ('10000000-0000-4000-8000-00000000000a', 'Agents')$$,
                 '42501', NULL, 'acme agent cannot create types');
SELECT is_empty($$UPDATE request_types SET is_active = false WHERE organization_id = '10000000-0000-4000-8000-00000000000a' RETURNING 1$$,
                'acme agent cannot deactivate types');
SELECT is(admin_request_type_move(:x_org, :rt_x2, true), 'not_found', 'acme agent cannot reorder types');
SELECT is(admin_request_type_remove(:x_org, :rt_x2), 'forbidden', 'acme agent cannot remove types');
SELECT throws_ok($$INSERT INTO field_definitions (organization_id, field_key, label, field_type)
                   VALUES ('10000000-0000-4000-8000-00000000000a', 'agentfield', 'A', 'text')$$,
                 '42501', NULL, 'acme agent cannot create fields');
SELECT is_empty($$UPDATE field_definitions SET is_required = true WHERE organization_id = '10000000-0000-4000-8000-00000000000a' RETURNING 1$$,
                'acme agent cannot change fields');
SELECT is_empty($$DELETE FROM field_visibility_rules RETURNING 1$$, 'acme agent cannot delete visibility rules');
SELECT is(admin_field_remove(:x_org, :fd_x2), 'forbidden', 'acme agent cannot remove fields');
SELECT is((SELECT count(*) FROM config_audit), 0::bigint, 'acme agent reads no audit rows');
:as_ca
SELECT is(admin_request_type_remove(:x_org, :rt_x2), 'forbidden', 'a customer cannot remove types');

-- ---- patterns must compile ----
:as_xa
SELECT is(regex_compiles('^[A-Z]{2}[0-9]{6}$'), true, 'a good pattern compiles');
SELECT is(regex_compiles('(unclosed'), false, 'an unclosed group does not');
SELECT is(regex_compiles('[z-a]'), false, 'a reversed range does not');
SELECT throws_ok($$UPDATE field_definitions SET validation_rules = '{"pattern": "(oops"}' WHERE id = '63000000-0000-4000-8000-000000000001'$$,
                 '23514', NULL, 'a broken pattern is refused by the table too');
SELECT lives_ok($$UPDATE field_definitions SET validation_rules = '{"pattern": "^A-[0-9]+$"}' WHERE id = '63000000-0000-4000-8000-000000000001'$$,
                'a good pattern is saved');

-- ---- writes are audited, with the actor ----
INSERT INTO request_types (organization_id, name) VALUES (:x_org, 'Audited');
SELECT is((SELECT count(*) FROM config_audit WHERE entity = 'request_type' AND action = 'insert'
           AND actor_id = :xa AND organization_id = :x_org AND after->>'name' = 'Audited'), 1::bigint,
          'a new type leaves an audit row by its admin');
SELECT is((SELECT count(*) FROM config_audit WHERE entity = 'field_definition' AND action = 'update'
           AND entity_id = '63000000-0000-4000-8000-000000000001' AND actor_id = :xa), 1::bigint,
          'a field change leaves an audit row');
INSERT INTO field_visibility_rules (field_definition_id, user_roles) VALUES (:fd_x1, ARRAY['customer']);
SELECT is((SELECT organization_id FROM config_audit WHERE entity = 'field_visibility_rule' AND action = 'insert'
           AND actor_id = :xa), :x_org::uuid, 'a rule''s audit row carries its field''s organization');
SELECT is((SELECT count(*) FROM config_audit WHERE organization_id = :y_org), 0::bigint,
          'acme admin reads none of globex''s audit rows');

-- ---- the order ----
SELECT is(admin_request_type_move(:x_org, :rt_x1, true), 'edge', 'the first type cannot go up');
-- All at sort order 0, so by name: one, three, two.
SELECT is(admin_request_type_move(:x_org, :rt_x3, true), 'ok', 'the second goes up');
SELECT is((SELECT array_agg(name ORDER BY sort_order, name) FROM request_types WHERE organization_id = :x_org
           AND name LIKE 'Acme %'), ARRAY['Acme three', 'Acme one', 'Acme two'],
          'equal sort orders are renumbered and the type moved one place');
SELECT is(admin_request_type_move(:x_org, :rt_x3, false), 'ok', 'and back down');
SELECT is((SELECT array_agg(name ORDER BY sort_order, name) FROM request_types WHERE organization_id = :x_org
           AND name LIKE 'Acme %'), ARRAY['Acme one', 'Acme three', 'Acme two'], 'the order is as before');

-- ---- removing deactivates what tickets use ----
SELECT is(admin_request_type_remove(:x_org, :rt_x1), 'deactivated', 'a type a ticket uses is deactivated');
SELECT is((SELECT is_active FROM request_types WHERE id = :rt_x1), false, 'and kept');
SELECT is(admin_request_type_remove(:x_org, :rt_x3), 'deleted', 'an unused type is deleted');
SELECT is((SELECT count(*) FROM field_visibility_rules WHERE field_definition_id = :fd_x2), 0::bigint,
          'a rule that named only the deleted type goes with it');
SELECT is(admin_field_remove(:x_org, :fd_x1), 'deactivated', 'a field a ticket has a value for is deactivated');
SELECT is((SELECT is_active FROM field_definitions WHERE id = :fd_x1), false, 'and kept');
SELECT is(admin_field_remove(:x_org, :fd_x2), 'deleted', 'an unused field is deleted');
:as_super
SELECT is((SELECT count(*) FROM config_audit WHERE entity = 'field_definition' AND action = 'delete'
           AND entity_id = '63000000-0000-4000-8000-000000000002'), 1::bigint, 'the deletion is audited');

SELECT * FROM finish();
ROLLBACK;
