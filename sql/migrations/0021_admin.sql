-- 0021_admin.sql: the organization admin pages (teams, members, settings)
-- and the configuration audit log their writes leave behind.
--
-- config_audit is written by triggers on the configuration tables, never by
-- the application, so every path (the pages, the command line, a migration,
-- psql as the owner) leaves the same trace. It is append-only like
-- ticket_activity: nobody updates or deletes a row, not even the owner.

-- ---------------------------------------------------------------------------
-- The request's client address: the connection sets app.client_ip (db.c);
-- app_ip() read a name nobody sets, so ticket_activity never had it.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION app_ip() RETURNS inet
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nullif(coalesce(nullif(current_setting('app.client_ip', true), ''),
                         current_setting('app.ip', true)), '')::inet
$$;

-- ---------------------------------------------------------------------------
-- config_audit
-- ---------------------------------------------------------------------------
CREATE TABLE config_audit (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- No foreign keys: the log outlives what it describes (a deleted team, a
  -- deleted organization's cascade still writes its rows here).
  organization_id uuid,                 -- NULL: global configuration
  actor_id        uuid,                 -- app.user_id; NULL: the owner role (migrations, command line)
  entity          text NOT NULL CHECK (entity IN ('organization', 'organization_settings', 'team',
                                                  'membership', 'membership_team')),
  entity_id       text NOT NULL CHECK (length(entity_id) <= 200),
  action          text NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
  before          jsonb,
  after           jsonb,
  request_id      text,
  ip_address      inet,
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  CHECK ((action = 'insert') = (before IS NULL) AND (action = 'delete') = (after IS NULL))
);
COMMENT ON TABLE config_audit IS 'Who changed which configuration row, before and after. Append-only; written by triggers.';
-- The admin page reads an organization's log newest first, by keyset.
CREATE INDEX config_audit_org_idx ON config_audit (organization_id, created_at DESC, id DESC);
CREATE INDEX config_audit_actor_idx ON config_audit (actor_id);
CREATE INDEX config_audit_created_idx ON config_audit (created_at DESC, id DESC);

CREATE FUNCTION config_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'config_audit is append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER config_audit_no_update BEFORE UPDATE OR DELETE ON config_audit
  FOR EACH ROW EXECUTE FUNCTION config_audit_append_only();
CREATE TRIGGER config_audit_no_truncate BEFORE TRUNCATE ON config_audit
  FOR EACH STATEMENT EXECUTE FUNCTION config_audit_append_only();

-- One row per changed configuration row. Definer rights: the application
-- role may read its organization's log but never write it directly. An
-- UPDATE that changes nothing but updated_at leaves no row.
CREATE FUNCTION config_audit_record() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_old jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  v_new jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  v_row jsonb;
  v_entity text;
  v_id text;
  v_org uuid;
BEGIN
  IF TG_OP = 'UPDATE' AND (v_old - 'updated_at') = (v_new - 'updated_at') THEN
    RETURN NULL;
  END IF;
  v_row := coalesce(v_new, v_old);
  CASE TG_TABLE_NAME
    WHEN 'organizations' THEN
      v_entity := 'organization'; v_id := v_row->>'id'; v_org := (v_row->>'id')::uuid;
    WHEN 'organization_settings' THEN
      v_entity := 'organization_settings'; v_id := v_row->>'organization_id';
    WHEN 'teams' THEN
      v_entity := 'team'; v_id := v_row->>'id';
    WHEN 'memberships' THEN
      v_entity := 'membership'; v_id := v_row->>'id';
    WHEN 'membership_teams' THEN
      v_entity := 'membership_team'; v_id := (v_row->>'membership_id') || '/' || (v_row->>'team_id');
  END CASE;
  v_org := coalesce(v_org, (v_row->>'organization_id')::uuid);
  INSERT INTO config_audit (organization_id, actor_id, entity, entity_id, action, before, after,
                            request_id, ip_address)
  VALUES (v_org, app_user_id(), v_entity, v_id, lower(TG_OP), v_old, v_new, app_request_id(), app_ip());
  RETURN NULL;
END;
$$;

CREATE TRIGGER organizations_config_audit AFTER INSERT OR UPDATE OR DELETE ON organizations
  FOR EACH ROW EXECUTE FUNCTION config_audit_record();
CREATE TRIGGER organization_settings_config_audit AFTER INSERT OR UPDATE OR DELETE ON organization_settings
  FOR EACH ROW EXECUTE FUNCTION config_audit_record();
CREATE TRIGGER teams_config_audit AFTER INSERT OR UPDATE OR DELETE ON teams
  FOR EACH ROW EXECUTE FUNCTION config_audit_record();
CREATE TRIGGER memberships_config_audit AFTER INSERT OR UPDATE OR DELETE ON memberships
  FOR EACH ROW EXECUTE FUNCTION config_audit_record();
CREATE TRIGGER membership_teams_config_audit AFTER INSERT OR UPDATE OR DELETE ON membership_teams
  FOR EACH ROW EXECUTE FUNCTION config_audit_record();

ALTER TABLE config_audit ENABLE ROW LEVEL SECURITY;
-- Org admins read their organizations' rows, platform admins every row.
-- No INSERT, UPDATE or DELETE policy or grant: the triggers write it.
CREATE POLICY config_audit_select ON config_audit FOR SELECT TO supportdesk_app
  USING (organization_id = ANY ((select app_admin_org_ids())::uuid[]) OR (select app_is_platform_admin()));
GRANT SELECT ON config_audit TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- Members
-- ---------------------------------------------------------------------------

-- An org admin (or a platform admin) invites someone by address: the
-- account is made when it is new (its address is proved when they use the
-- emailed link), and a membership with the role, or an inactive one
-- revived. Definer rights: the application role may not create users.
-- outcome: invited | reactivated | already_member | user_inactive |
-- invalid | forbidden | not_found.
CREATE FUNCTION admin_member_invite(p_org uuid, p_email citext, p_name text, p_role text)
RETURNS TABLE (outcome text, user_id uuid, user_created boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_user uuid;
  v_active boolean;
  v_member uuid;
  v_member_active boolean;
  v_created boolean := false;
BEGIN
  IF NOT (app_is_org_admin(p_org) OR app_is_platform_admin()) THEN
    RETURN QUERY SELECT 'forbidden'::text, NULL::uuid, false; RETURN;
  END IF;
  IF NOT EXISTS (SELECT FROM organizations o WHERE o.id = p_org) THEN
    RETURN QUERY SELECT 'not_found'::text, NULL::uuid, false; RETURN;
  END IF;
  IF p_role IS NULL OR p_role NOT IN ('agent', 'admin') OR p_email IS NULL
     OR btrim(p_email) !~ '^[^@\s]+@[^@\s]+$' OR length(p_email) > 254 OR length(p_name) > 200 THEN
    RETURN QUERY SELECT 'invalid'::text, NULL::uuid, false; RETURN;
  END IF;
  SELECT u.id, u.is_active INTO v_user, v_active FROM users u WHERE u.email = btrim(p_email)::citext FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO users (email, name) VALUES (btrim(p_email), nullif(btrim(p_name), ''))
    ON CONFLICT (email) DO NOTHING
    RETURNING id INTO v_user;
    IF v_user IS NULL THEN -- made by someone else a moment ago
      SELECT u.id, u.is_active INTO v_user, v_active FROM users u WHERE u.email = btrim(p_email)::citext FOR UPDATE;
    ELSE
      v_active := true;
      v_created := true;
    END IF;
  END IF;
  IF NOT v_active THEN
    RETURN QUERY SELECT 'user_inactive'::text, v_user, false; RETURN;
  END IF;
  IF NOT v_created THEN
    UPDATE users u SET name = coalesce(u.name, nullif(btrim(p_name), '')) WHERE u.id = v_user;
  END IF;
  SELECT m.id, m.is_active INTO v_member, v_member_active
  FROM memberships m WHERE m.user_id = v_user AND m.organization_id = p_org FOR UPDATE;
  IF FOUND AND v_member_active THEN
    RETURN QUERY SELECT 'already_member'::text, v_user, false; RETURN;
  ELSIF FOUND THEN
    UPDATE memberships SET is_active = true, role = p_role WHERE id = v_member;
    RETURN QUERY SELECT 'reactivated'::text, v_user, v_created; RETURN;
  END IF;
  INSERT INTO memberships (user_id, organization_id, role) VALUES (v_user, p_org, p_role);
  RETURN QUERY SELECT 'invited'::text, v_user, v_created;
END;
$$;

-- Changes a member's role or active flag. Invoker rights: row-level
-- security is the guard, and this adds what a policy cannot say: an active
-- organization keeps at least one active admin (a last admin cannot demote
-- or deactivate themselves, nor anyone else them), and a deactivated
-- member's open tickets of the organization go back to its queue.
-- outcome: ok | unchanged | last_admin | not_found | invalid | forbidden.
CREATE FUNCTION admin_membership_set(p_org uuid, p_membership uuid, p_role text, p_active boolean)
RETURNS TABLE (outcome text, user_id uuid, unassigned bigint)
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_user uuid;
  v_role text;
  v_active boolean;
  v_others bigint;
  v_unassigned bigint := 0;
BEGIN
  IF NOT (app_is_org_admin(p_org) OR app_is_platform_admin()) THEN
    RETURN QUERY SELECT 'forbidden'::text, NULL::uuid, 0::bigint; RETURN;
  END IF;
  IF p_role IS NULL OR p_role NOT IN ('agent', 'admin') OR p_active IS NULL THEN
    RETURN QUERY SELECT 'invalid'::text, NULL::uuid, 0::bigint; RETURN;
  END IF;
  -- Every admin row of the organization locked, in one order: two admins
  -- demoting each other at once cannot both pass the count below.
  PERFORM 1 FROM memberships m
  WHERE m.organization_id = p_org AND m.role = 'admin' AND m.is_active
  ORDER BY m.id FOR UPDATE;
  SELECT m.user_id, m.role, m.is_active INTO v_user, v_role, v_active
  FROM memberships m WHERE m.id = p_membership AND m.organization_id = p_org FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_found'::text, NULL::uuid, 0::bigint; RETURN;
  END IF;
  IF v_role = p_role AND v_active = p_active THEN
    RETURN QUERY SELECT 'unchanged'::text, v_user, 0::bigint; RETURN;
  END IF;
  IF v_role = 'admin' AND v_active AND NOT (p_role = 'admin' AND p_active) THEN
    SELECT count(*) INTO v_others
    FROM memberships m JOIN users u ON u.id = m.user_id AND u.is_active
    WHERE m.organization_id = p_org AND m.role = 'admin' AND m.is_active AND m.id <> p_membership;
    IF v_others = 0 THEN
      RETURN QUERY SELECT 'last_admin'::text, v_user, 0::bigint; RETURN;
    END IF;
  END IF;
  UPDATE memberships SET role = p_role, is_active = p_active WHERE id = p_membership;
  IF v_active AND NOT p_active THEN
    WITH u AS (
      UPDATE tickets t SET assignee_id = NULL
      WHERE t.assignee_id = v_user AND t.assigned_org_id = p_org AND t.routing_type <> 'internal'
        AND t.status IN ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal')
      RETURNING 1)
    SELECT count(*) INTO v_unassigned FROM u;
  END IF;
  RETURN QUERY SELECT 'ok'::text, v_user, v_unassigned;
END;
$$;

GRANT EXECUTE ON FUNCTION admin_member_invite(uuid, citext, text, text),
                          admin_membership_set(uuid, uuid, text, boolean)
  TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- The command line's organizations (`supportdesk org add|provision`). For
-- the owner role only: no grant to the application role.
-- ---------------------------------------------------------------------------

-- A new organization with its settings row (not yet provisioned).
-- outcome: created | slug_taken | invalid.
CREATE FUNCTION org_create(p_name text, p_slug citext, p_prefix text)
RETURNS TABLE (outcome text, organization_id uuid)
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_org uuid;
BEGIN
  IF p_name IS NULL OR length(btrim(p_name)) NOT BETWEEN 1 AND 200
     OR p_slug IS NULL OR p_slug !~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'
     OR (p_prefix IS NOT NULL AND p_prefix !~ '^[A-Z][A-Z0-9]{1,9}$') THEN
    RETURN QUERY SELECT 'invalid'::text, NULL::uuid; RETURN;
  END IF;
  INSERT INTO organizations (name, slug) VALUES (btrim(p_name), p_slug)
  ON CONFLICT (slug) DO NOTHING RETURNING id INTO v_org;
  IF v_org IS NULL THEN
    RETURN QUERY SELECT 'slug_taken'::text, NULL::uuid; RETURN;
  END IF;
  INSERT INTO organization_settings (organization_id, ticket_prefix) VALUES (v_org, p_prefix);
  RETURN QUERY SELECT 'created'::text, v_org;
END;
$$;

-- Provisions the organization with slug p_slug and makes p_email its
-- admin: the account is made when new, an existing membership becomes an
-- active admin one. outcome: provisioned | no_org | user_inactive | invalid.
CREATE FUNCTION org_provision(p_slug citext, p_email citext, p_name text)
RETURNS TABLE (outcome text, organization_id uuid, user_id uuid, user_created boolean)
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_org uuid;
  v_user uuid;
  v_active boolean;
  v_created boolean := false;
BEGIN
  IF p_email IS NULL OR btrim(p_email) !~ '^[^@\s]+@[^@\s]+$' OR length(p_email) > 254
     OR length(p_name) > 200 THEN
    RETURN QUERY SELECT 'invalid'::text, NULL::uuid, NULL::uuid, false; RETURN;
  END IF;
  SELECT o.id INTO v_org FROM organizations o WHERE o.slug = p_slug AND NOT o.is_platform FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_org'::text, NULL::uuid, NULL::uuid, false; RETURN;
  END IF;
  SELECT u.id, u.is_active INTO v_user, v_active FROM users u WHERE u.email = btrim(p_email)::citext FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO users (email, name) VALUES (btrim(p_email), nullif(btrim(p_name), '')) RETURNING id INTO v_user;
    v_active := true;
    v_created := true;
  END IF;
  IF NOT v_active THEN
    RETURN QUERY SELECT 'user_inactive'::text, v_org, v_user, false; RETURN;
  END IF;
  INSERT INTO memberships AS m (user_id, organization_id, role) VALUES (v_user, v_org, 'admin')
  ON CONFLICT (user_id, organization_id)
  DO UPDATE SET role = 'admin', is_active = true;
  INSERT INTO organization_settings AS s (organization_id, is_provisioned, provisioned_at)
  VALUES (v_org, true, now())
  ON CONFLICT (organization_id)
  DO UPDATE SET is_provisioned = true, provisioned_at = coalesce(s.provisioned_at, now());
  UPDATE organizations SET is_active = true WHERE id = v_org AND NOT is_active;
  RETURN QUERY SELECT 'provisioned'::text, v_org, v_user, v_created;
END;
$$;
