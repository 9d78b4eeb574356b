-- 0030: an org admin marks a member away or available. Negative cases
-- first: an agent, another organization's admin, a membership of another
-- organization and a visitor change nothing.
BEGIN;
\ir lib/fixtures.psql
SELECT plan(9);

SELECT id AS xg_m FROM memberships WHERE user_id = :xg AND organization_id = :x_org \gset
SELECT id AS yg_m FROM memberships WHERE user_id = :yg AND organization_id = :y_org \gset

:as_xg
SELECT is(admin_member_set_away(:x_org, :'xg_m', true), 'not_found', 'an agent may not mark anyone away');
:as_yg
SELECT is(admin_member_set_away(:x_org, :'xg_m', true), 'not_found', 'another organization''s staff may not');
:as_xa
SELECT is(admin_member_set_away(:x_org, :'yg_m', true), 'not_found', 'an admin may not reach another organization''s member');
SELECT is(admin_member_set_away(:y_org, :'yg_m', true), 'not_found', 'nor name the other organization');
:as_anon
SELECT is(admin_member_set_away(:x_org, :'xg_m', true), 'not_found', 'a visitor may not');
:as_super
SELECT ok((SELECT away_since IS NULL FROM users WHERE id IN (:xg, :yg) LIMIT 1)
          AND (SELECT count(*) FROM users WHERE id IN (:xg, :yg) AND away_since IS NOT NULL) = 0,
          'nobody was marked away by the refusals');

:as_xa
SELECT is(admin_member_set_away(:x_org, :'xg_m', true), 'ok', 'the admin marks their agent away');
SELECT is(admin_member_set_away(:x_org, :'xg_m', true), 'unchanged', 'twice is no change');
:as_super
SELECT is((SELECT before::text || ' ' || after::text FROM config_audit
           WHERE entity = 'membership' AND entity_id = :'xg_m' AND after ? 'away'),
          '{"away": false} {"away": true}', 'audited with only what changed');

SELECT * FROM finish();
ROLLBACK;
