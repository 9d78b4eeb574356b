-- The knowledge base (0028): drafts and archived articles, versions and
-- feedback are seen by the owning organization's staff only; writes are
-- theirs; versions are append-only; one vote per user and per anonymous
-- browser; counters move only through the definer functions. Negative
-- cases first.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(56);
:tap_grants

\set kc_x    '''71000000-0000-4000-8000-000000000001'''
\set kc_x2   '''71000000-0000-4000-8000-000000000002'''
\set kc_y    '''71000000-0000-4000-8000-000000000003'''
\set kc_p    '''71000000-0000-4000-8000-000000000004'''
\set ka_pub  '''72000000-0000-4000-8000-000000000001'''
\set ka_dra  '''72000000-0000-4000-8000-000000000002'''
\set ka_arc  '''72000000-0000-4000-8000-000000000003'''
\set ka_y    '''72000000-0000-4000-8000-000000000004'''
\set ka_pd   '''72000000-0000-4000-8000-000000000005'''
\set anon1   '''\\x0101010101010101010101010101010101010101010101010101010101010101'''
\set anon2   '''\\x0202020202020202020202020202020202020202020202020202020202020202'''

:as_super
INSERT INTO kb_categories (id, organization_id, slug, name) VALUES
  (:kc_x, :x_org, 'acme-printing', 'Printing'), (:kc_x2, :x_org, 'acme-toner', 'Toner'),
  (:kc_y, :y_org, 'globex-billing', 'Billing'), (:kc_p, NULL, 'platform-accounts', 'Accounts');
INSERT INTO kb_articles (id, organization_id, category_id, slug, title, content, author_id, status) VALUES
  (:ka_pub, :x_org, :kc_x, 'printer-on-fire', 'Printer on fire', 'Unplug the *printer*.', :xg, 'published'),
  (:ka_dra, :x_org, :kc_x, 'secret-draft', 'SECRET draft', 'not yet', :xg, 'draft'),
  (:ka_arc, :x_org, NULL, 'old-article', 'Archived one', 'gone', :xg, 'archived'),
  (:ka_y, :y_org, :kc_y, 'globex-refunds', 'Refunds', 'Ask billing', :yg, 'draft'),
  (:ka_pd, NULL, :kc_p, 'platform-draft', 'Platform draft', 'soon', :pg, 'draft');
INSERT INTO kb_article_versions (article_id, version_no, title, content, content_html, changed_by) VALUES
  (:ka_dra, 1, 'SECRET draft', 'not yet', '<p>not yet</p>', :xg),
  (:ka_pub, 1, 'Printer on fire', 'Unplug the *printer*.', '<p>Unplug</p>', :xg);
UPDATE kb_articles SET version_count = 1 WHERE id IN (:ka_dra, :ka_pub);
INSERT INTO kb_article_feedback (article_id, organization_id, user_id, helpful, comment) VALUES
  (:ka_pub, :x_org, :cb, false, 'SECRET comment');

-- ---- drafts and archived rows: invisible to customers, anonymous, other orgs ----
:as_anon
SELECT is((SELECT array_agg(slug ORDER BY slug) FROM kb_articles), ARRAY['printer-on-fire'],
          'anonymous reads only the published article');
SELECT is_empty($$SELECT 1 FROM kb_article_versions$$, 'anonymous reads no versions');
SELECT is_empty($$SELECT 1 FROM kb_article_feedback$$, 'anonymous reads no feedback');
SELECT is((SELECT count(*) FROM kb_categories), 4::bigint, 'categories are public');
SELECT is(kb_owner_name(:x_org), 'Acme', 'anonymous reads the name of an organization that publishes');
SELECT is(kb_owner_name(:y_org), NULL, 'but not of one with drafts only');
:as_unset
SELECT is((SELECT array_agg(slug) FROM kb_articles), ARRAY['printer-on-fire'], 'with app.user_id unset, only published too');
:as_ca
SELECT is((SELECT array_agg(slug) FROM kb_articles), ARRAY['printer-on-fire'], 'a customer reads only the published article');
SELECT is_empty($$SELECT 1 FROM kb_article_versions$$, 'a customer reads no versions');
SELECT is_empty($$SELECT 1 FROM kb_article_feedback$$, 'a customer reads no feedback, not even others''');
:as_cb
SELECT is_empty($$SELECT 1 FROM kb_article_feedback$$, 'a customer does not read back its own feedback row either');
:as_yg
SELECT is((SELECT array_agg(slug ORDER BY slug) FROM kb_articles), ARRAY['globex-refunds', 'printer-on-fire'],
          'globex staff read their draft and acme''s published article, not acme''s drafts');
SELECT is_empty($$SELECT 1 FROM kb_article_versions WHERE article_id = '72000000-0000-4000-8000-000000000002'$$,
                'globex staff read no acme versions');
SELECT is_empty($$SELECT 1 FROM kb_article_feedback$$, 'globex staff read no acme feedback');
SELECT is_empty($$SELECT 1 FROM kb_articles WHERE organization_id IS NULL$$, 'an organization''s staff do not read platform drafts');

-- ---- writes: only the owner's staff ----
SELECT is_empty($$UPDATE kb_articles SET title = 'pwned' WHERE id = '72000000-0000-4000-8000-000000000001' RETURNING 1$$,
                'globex staff cannot edit acme''s published article');
SELECT is_empty($$DELETE FROM kb_articles WHERE id = '72000000-0000-4000-8000-000000000001' RETURNING 1$$,
                'globex staff cannot delete acme''s article');
SELECT throws_ok($$INSERT INTO kb_articles (organization_id, slug, title, content, author_id)
                   VALUES ('10000000-0000-4000-8000-00000000000a', 'mole', 'Mole', 'x', '20000000-0000-4000-8000-0000000000c1')$$,
                 '42501', NULL, 'globex staff cannot write an article for acme');
SELECT throws_ok($$INSERT INTO kb_article_versions (article_id, version_no, title, content, content_html, changed_by)
                   VALUES ('72000000-0000-4000-8000-000000000001', 9, 'x', 'x', 'x', '20000000-0000-4000-8000-0000000000c1')$$,
                 '42501', NULL, 'globex staff cannot add a version to acme''s article');
SELECT is(kb_article_save(:ka_pub, 'pwned', 'pwned', 'pwned', NULL), NULL, 'kb_article_save refuses another organization''s article');
SELECT is_empty($$UPDATE kb_categories SET name = 'pwned' WHERE id = '71000000-0000-4000-8000-000000000001' RETURNING 1$$,
                'globex staff cannot rename an acme category');
SELECT is(kb_category_delete(:kc_x2), 'not_found', 'globex staff cannot delete an acme category');
SELECT throws_ok($$INSERT INTO kb_categories (organization_id, slug, name) VALUES (NULL, 'plat-mole', 'Mole')$$,
                 '42501', NULL, 'organization staff cannot write platform categories');
:as_ca
SELECT throws_ok($$INSERT INTO kb_articles (organization_id, slug, title, content, author_id)
                   VALUES ('10000000-0000-4000-8000-00000000000a', 'cust', 'C', 'x', '20000000-0000-4000-8000-0000000000d1')$$,
                 '42501', NULL, 'a customer cannot write an article');
SELECT is_empty($$UPDATE kb_articles SET status = 'archived' RETURNING 1$$, 'a customer cannot archive the published article');
SELECT throws_ok($$UPDATE kb_articles SET view_count = 1000000$$, '42501', NULL, 'nobody sets the counters directly');
:as_anon
SELECT throws_ok($$INSERT INTO kb_article_feedback (article_id, anon_token_hash, helpful)
                   VALUES ('72000000-0000-4000-8000-000000000001', '\x0101010101010101010101010101010101010101010101010101010101010101', true)$$,
                 '42501', NULL, 'feedback is written only through kb_feedback_record');
:as_xg
SELECT throws_ok($$INSERT INTO kb_articles (organization_id, slug, title, content, author_id)
                   VALUES ('10000000-0000-4000-8000-00000000000a', 'imposter', 'I', 'x', '20000000-0000-4000-8000-0000000000b1')$$,
                 '42501', NULL, 'an article''s author is the acting user');
SELECT throws_ok($$UPDATE kb_articles SET category_id = '71000000-0000-4000-8000-000000000003' WHERE id = '72000000-0000-4000-8000-000000000002'$$,
                 '23514', NULL, 'an article cannot go into another organization''s category');
SELECT throws_ok($$UPDATE kb_categories SET parent_id = '71000000-0000-4000-8000-000000000002' WHERE id = '71000000-0000-4000-8000-000000000002'$$,
                 '23514', NULL, 'a category is not its own parent');

-- ---- versions are append-only ----
SELECT throws_ok($$UPDATE kb_article_versions SET content = 'rewritten'$$, '42501', NULL, 'staff cannot rewrite a version');
SELECT throws_ok($$DELETE FROM kb_article_versions$$, '42501', NULL, 'staff cannot delete a version');
:as_owner
SELECT throws_ok($$UPDATE kb_article_versions SET content = 'rewritten'$$, '42501', NULL, 'even the owner role cannot rewrite a version');

-- ---- the owner's staff: see and write everything of theirs ----
:as_xg
SELECT is((SELECT array_agg(slug ORDER BY slug) FROM kb_articles),
          ARRAY['old-article', 'printer-on-fire', 'secret-draft'], 'acme staff read their drafts and archived articles');
SELECT is((SELECT count(*) FROM kb_article_feedback), 1::bigint, 'acme staff read their article''s feedback');
SELECT is(kb_article_save(:ka_dra, 'Draft v2', 'now *ready*', '<p>now <em>ready</em></p>', NULL), 2, 'a save is version 2');
SELECT is(kb_article_save(:ka_dra, 'Draft v3', 'again', '<p>again</p>', 1), 3, 'a restore is a new version 3');
SELECT is((SELECT array_agg(changed_by::text || ':' || coalesce(restored_from, 0) ORDER BY version_no) FROM kb_article_versions
           WHERE article_id = :ka_dra),
          ARRAY['20000000-0000-4000-8000-0000000000b2:0', '20000000-0000-4000-8000-0000000000b2:0', '20000000-0000-4000-8000-0000000000b2:1'],
          'each version has its author, and the restore names its source');
SELECT is((SELECT title || '/' || content_html || '/' || version_count FROM kb_articles WHERE id = :ka_dra),
          'Draft v3/<p>again</p>/3', 'the article holds the latest save');
SELECT lives_ok($$UPDATE kb_articles SET status = 'published' WHERE id = '72000000-0000-4000-8000-000000000002'$$, 'acme staff publish');
SELECT isnt((SELECT published_at FROM kb_articles WHERE id = :ka_dra), NULL, 'publishing sets published_at');
SELECT is(kb_category_delete(:kc_x), 'has_articles', 'a category with articles is refused');
SELECT lives_ok($$UPDATE kb_categories SET parent_id = '71000000-0000-4000-8000-000000000001' WHERE id = '71000000-0000-4000-8000-000000000002'$$,
                'acme staff nest toner under printing');
SELECT throws_ok($$UPDATE kb_categories SET parent_id = '71000000-0000-4000-8000-000000000002' WHERE id = '71000000-0000-4000-8000-000000000001'$$,
                 '23514', NULL, 'a nesting cycle is refused');
SELECT is(kb_category_delete(:kc_x2), 'deleted', 'an unused category is deleted');
:as_pg
SELECT is((SELECT count(*) FROM kb_articles WHERE organization_id IS NULL), 1::bigint, 'platform staff read the platform draft');

-- ---- the search vector ----
:as_anon
SELECT is((SELECT slug FROM kb_articles WHERE search @@ websearch_to_tsquery('english', 'printers')), 'printer-on-fire',
          'the generated tsvector finds the published article by a stemmed word');

-- ---- feedback: one per user, one per anonymous browser ----
:as_ca
SELECT is(kb_feedback_record(:ka_arc, true, NULL, NULL), 'not_found', 'no vote on an archived article');
SELECT is(kb_feedback_record(:ka_pub, true, 'It worked', NULL), 'recorded', 'alice votes');
SELECT is(kb_feedback_record(:ka_pub, false, 'changed my mind', NULL), 'duplicate', 'alice cannot vote twice');
:as_anon
SELECT is(kb_feedback_record(:ka_pub, true, NULL, NULL), 'invalid', 'an anonymous vote needs a browser token');
SELECT is(kb_feedback_record(:ka_pub, true, NULL, :anon1), 'recorded', 'an anonymous browser votes');
SELECT is(kb_feedback_record(:ka_pub, false, NULL, :anon1), 'duplicate', 'the same browser cannot vote twice');
SELECT is(kb_feedback_record(:ka_pub, false, NULL, :anon2), 'recorded', 'another browser votes');
SELECT is(kb_views_add(ARRAY[:ka_pub, :ka_dra, :ka_arc]::uuid[], ARRAY[3, 2, 5]::bigint[]), 2,
          'views are added to published articles only');
:as_super
SELECT is((SELECT helpful_count || '/' || unhelpful_count || '/' || view_count FROM kb_articles WHERE id = :ka_pub),
          '2/1/3', 'counters: 2 helpful (alice, browser 1), 1 not (browser 2), 3 views');

SELECT * FROM finish();
ROLLBACK;
