-- Categories and canned responses edited from the admin pages: an org
-- admin never changes another organization's, an agent never writes
-- shared ones, removing a category in use deactivates it, and every change
-- (but a canned response's use counter) lands in config_audit. Negative
-- cases first.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(38);
:tap_grants

\set xcat '''62000000-0000-4000-8000-000000000001'''
\set xcat2 '''62000000-0000-4000-8000-000000000002'''
\set ycat '''62000000-0000-4000-8000-000000000003'''
\set xcan '''63000000-0000-4000-8000-000000000001'''
\set ycan '''63000000-0000-4000-8000-000000000002'''

:as_super
INSERT INTO categories (id, organization_id, name, slug) VALUES
  (:xcat, :x_org, 'Acme billing', 'billing'),
  (:xcat2, :x_org, 'Acme spare', 'spare'),
  (:ycat, :y_org, 'Globex billing', 'billing');
INSERT INTO canned_responses (id, organization_id, title, shortcut, content) VALUES
  (:xcan, :x_org, 'Acme hello', 'hello', 'Hello {{requester.name}}'),
  (:ycan, :y_org, 'Globex hello', 'hello', 'Hello');
UPDATE tickets SET category_id = :xcat WHERE id = :tx1;

-- ---- an org admin never changes another organization's ----
:as_xa
SELECT throws_ok($$INSERT INTO categories (organization_id, name, slug) VALUES ('10000000-0000-4000-8000-00000000000b', 'Ours', 'ours')$$,
                 '42501', NULL, 'acme admin cannot create a globex category');
SELECT is_empty($$UPDATE categories SET name = 'pwned' WHERE id = '62000000-0000-4000-8000-000000000003' RETURNING 1$$,
                'acme admin cannot rename a globex category');
SELECT is_empty($$DELETE FROM categories WHERE id = '62000000-0000-4000-8000-000000000003' RETURNING 1$$,
                'acme admin cannot delete a globex category');
SELECT is(admin_category_delete(:y_org, :ycat), 'forbidden', 'acme admin cannot remove a globex category through the function');
SELECT is(admin_category_delete(:x_org, :ycat), 'not_found', 'a globex category named under acme is not found');
SELECT throws_ok($$INSERT INTO canned_responses (organization_id, title, content) VALUES ('10000000-0000-4000-8000-00000000000b', 'x', 'x')$$,
                 '42501', NULL, 'acme admin cannot create a globex canned response');
SELECT is_empty($$UPDATE canned_responses SET content = 'pwned' WHERE id = '63000000-0000-4000-8000-000000000002' RETURNING 1$$,
                'acme admin cannot change a globex canned response');
SELECT is_empty($$DELETE FROM canned_responses WHERE id = '63000000-0000-4000-8000-000000000002' RETURNING 1$$,
                'acme admin cannot delete a globex canned response');
SELECT is((SELECT count(*) FROM config_audit WHERE entity IN ('category', 'canned_response') AND organization_id = :y_org),
          0::bigint, 'acme admin reads none of globex''s category or canned audit rows');

-- ---- an agent cannot write them ----
:as_xg
SELECT throws_ok($$INSERT INTO categories (organization_id, name, slug) VALUES ('10000000-0000-4000-8000-00000000000a', 'Agent', 'agent')$$,
                 '42501', NULL, 'an acme agent cannot create an acme category');
SELECT is_empty($$UPDATE categories SET name = 'pwned' WHERE id = '62000000-0000-4000-8000-000000000001' RETURNING 1$$,
                'an acme agent cannot rename an acme category');
SELECT is(admin_category_delete(:x_org, :xcat2), 'forbidden', 'an acme agent cannot remove an acme category');
SELECT throws_ok($$INSERT INTO canned_responses (organization_id, title, content, is_public) VALUES ('10000000-0000-4000-8000-00000000000a', 'x', 'x', true)$$,
                 '42501', NULL, 'an acme agent cannot create a public acme canned response');
SELECT is_empty($$UPDATE canned_responses SET content = 'pwned' WHERE id = '63000000-0000-4000-8000-000000000001' RETURNING 1$$,
                'an acme agent cannot change a public acme canned response');
SELECT is_empty($$DELETE FROM canned_responses WHERE id = '63000000-0000-4000-8000-000000000001' RETURNING 1$$,
                'an acme agent cannot delete a public acme canned response');
SELECT is((SELECT count(*) FROM config_audit WHERE entity IN ('category', 'canned_response')), 0::bigint,
          'an agent reads no audit rows');
:as_cb
SELECT is(admin_category_delete(:x_org, :xcat2), 'forbidden', 'a customer cannot remove a category');
:as_anon
SELECT is(admin_category_delete(:x_org, :xcat2), 'forbidden', 'a visitor cannot remove a category');
:as_super
SELECT is((SELECT count(*) FROM categories WHERE id IN (:xcat, :xcat2, :ycat)), 3::bigint, 'every category is still there');
SELECT is((SELECT name FROM categories WHERE id = :ycat), 'Globex billing', 'the globex category kept its name');
SELECT is((SELECT content FROM canned_responses WHERE id = :ycan), 'Hello', 'the globex canned response kept its text');
SELECT is((SELECT content FROM canned_responses WHERE id = :xcan), 'Hello {{requester.name}}', 'the acme canned response kept its text');
SELECT ok(NOT EXISTS (SELECT FROM pg_proc p, aclexplode(p.proacl) a WHERE p.proname = 'admin_category_delete' AND a.grantee = 0),
          'admin_category_delete is not executable by PUBLIC');
SELECT ok((SELECT 'search_path=public, pg_temp' = ANY (proconfig) FROM pg_proc WHERE proname = 'admin_category_delete'),
          'admin_category_delete sets its search_path');

-- ---- what the admin may do, audited ----
:as_xa
SELECT lives_ok($$INSERT INTO categories (organization_id, name, slug, color) VALUES ('10000000-0000-4000-8000-00000000000a', 'Acme new', 'new', '#112233')$$,
                'acme admin creates an acme category');
SELECT is((SELECT actor_id::text || '/' || action FROM config_audit WHERE entity = 'category' AND after->>'slug' = 'new'),
          '20000000-0000-4000-8000-0000000000b1/insert', 'the creation is audited with its actor');
SELECT is(admin_category_delete(:x_org, :xcat), 'deactivated', 'a category tickets name is deactivated, not deleted');
:as_super
SELECT is((SELECT is_active FROM categories WHERE id = :xcat), false, 'the category in use is kept, inactive');
SELECT is((SELECT category_id FROM tickets WHERE id = :tx1), :xcat::uuid, 'its ticket keeps it');
:as_xa
SELECT is(admin_category_delete(:x_org, :xcat2), 'deleted', 'a category no ticket names is deleted');
SELECT is((SELECT count(*) FROM config_audit WHERE entity = 'category' AND entity_id = :xcat2 AND action = 'delete'), 1::bigint,
          'the deletion is audited');
SELECT is((SELECT before->>'is_active' || '>' || (after->>'is_active') FROM config_audit
           WHERE entity = 'category' AND entity_id = :xcat AND action = 'update'), 'true>false', 'the deactivation is audited');
SELECT throws_ok($$UPDATE canned_responses SET usage_count = 0 WHERE id = '63000000-0000-4000-8000-000000000001'$$,
                 '42501', NULL, 'the use counter is not the admin''s to write (column grant)');
SELECT lives_ok($$UPDATE canned_responses SET shortcut = 'hi', tags = '{greeting}' WHERE id = '63000000-0000-4000-8000-000000000001'$$,
                'acme admin edits an acme canned response');
SELECT is((SELECT before->>'shortcut' || '>' || (after->>'shortcut') FROM config_audit
           WHERE entity = 'canned_response' AND entity_id = :xcan AND action = 'update'), 'hello>hi', 'the edit is audited');
:as_xg
SELECT ok(canned_response_use(:xcan), 'the agent uses the response');
:as_super
SELECT is((SELECT string_agg(action, ',' ORDER BY created_at) FROM config_audit WHERE entity = 'canned_response' AND entity_id = :xcan),
          'insert,update', 'a use (the counter) leaves no audit row: the insert and the edit only');
SELECT is((SELECT usage_count FROM canned_responses WHERE id = :xcan), 1, 'the use was counted');

:as_super
SELECT * FROM finish();
ROLLBACK;
