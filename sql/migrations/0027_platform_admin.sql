-- 0027_platform_admin.sql: the platform admin pages (/admin): organizations
-- created, provisioned and deactivated from the browser, platform roles and
-- accounts, the system settings the workers read at run time, all audited.
--
-- The command line's owner-only functions (org_create, org_provision in
-- 0021) stay as they are; the platform admin reaches them through the
-- SECURITY DEFINER functions here, which check app_is_platform_admin() first.

-- ---------------------------------------------------------------------------
-- config_audit: system settings are audited too (organization_id NULL:
-- global configuration, which only platform admins read).
-- ---------------------------------------------------------------------------
-- The entity list is extended, not restated (as 0026 does): migrations
-- made beside this one add their own entities to the same check, and a
-- restated list would drop theirs. The check reads either as 0024 wrote it
-- (ARRAY['a'::text, ...]) or as 0026 rewrites it ('{a,...}'::text[]).
DO $$
DECLARE
  v_def text;
  v_entities text[];
BEGIN
  SELECT pg_get_constraintdef(c.oid) INTO v_def FROM pg_constraint c
  WHERE c.conrelid = 'config_audit'::regclass AND c.conname = 'config_audit_entity_check';
  IF v_def ~ '''\{[a-z_,]*\}''::text\[\]' THEN
    v_entities := (regexp_match(v_def, '''(\{[a-z_,]*\})''::text\[\]'))[1]::text[];
  ELSE
    SELECT array_agg(DISTINCT m[1] ORDER BY m[1]) INTO v_entities
    FROM regexp_matches(v_def, '''([a-z_]+)''::text', 'g') AS m;
  END IF;
  IF v_entities IS NULL OR NOT v_entities @> ARRAY['organization', 'event'] THEN
    RAISE EXCEPTION 'config_audit_entity_check is not as 0024 left it: %', v_entities;
  END IF;
  IF NOT 'system_setting' = ANY (v_entities) THEN
    v_entities := v_entities || 'system_setting'::text;
  END IF;
  ALTER TABLE config_audit DROP CONSTRAINT config_audit_entity_check;
  EXECUTE format('ALTER TABLE config_audit ADD CONSTRAINT config_audit_entity_check CHECK (entity = ANY (%L::text[]))',
                 v_entities);
END;
$$;

-- config_audit_record(entity, ...) takes the entity id from the row's id:
-- a system setting's id is its key.
ALTER TABLE system_settings ADD COLUMN id text GENERATED ALWAYS AS (key) STORED;

CREATE TRIGGER system_settings_config_audit AFTER INSERT OR UPDATE OR DELETE ON system_settings
  FOR EACH ROW EXECUTE FUNCTION config_audit_record('system_setting', 'description');

-- The values the code reads must have the shape it expects: a platform
-- admin's mistake must not become a 500 in every worker. The pages check
-- the same with messages by the fields; this is the last line.
CREATE FUNCTION system_settings_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF NEW.key = 'ticket_number_prefix' THEN
    IF jsonb_typeof(NEW.value) <> 'string' OR NEW.value #>> '{}' !~ '^[A-Z][A-Z0-9]{1,9}$' THEN
      RAISE EXCEPTION 'ticket_number_prefix must be 2 to 10 capital letters and digits' USING ERRCODE = '23514';
    END IF;
  ELSIF NEW.key LIKE 'rate.%' OR NEW.key LIKE 'session.%' OR NEW.key IN
        ('attachment_max_bytes', 'attachment_max_per_message', 'reopen_window_days') THEN
    IF jsonb_typeof(NEW.value) <> 'number' OR (NEW.value #>> '{}') !~ '^[0-9]{1,10}$'
       OR (NEW.value #>> '{}')::bigint < 1 THEN
      RAISE EXCEPTION '% must be a positive whole number', NEW.key USING ERRCODE = '23514';
    END IF;
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER system_settings_check BEFORE INSERT OR UPDATE ON system_settings
  FOR EACH ROW EXECUTE FUNCTION system_settings_check();

-- The run-time limits every worker applies over its environment defaults
-- (rate limits, session timeouts), for any request, signed in or not (the
-- table's own policy lets only signed-in users read it).
CREATE FUNCTION system_settings_runtime() RETURNS TABLE (key text, value text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN QUERY SELECT s.key, s.value #>> '{}' FROM system_settings s
               WHERE s.key LIKE 'rate.%' OR s.key LIKE 'session.%';
END;
$$;
REVOKE EXECUTE ON FUNCTION system_settings_runtime() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION system_settings_runtime() TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- Organizations
-- ---------------------------------------------------------------------------

-- org_create (0021) for a platform admin. outcome: created | slug_taken |
-- invalid | forbidden.
CREATE FUNCTION platform_org_create(p_name text, p_slug citext, p_prefix text)
RETURNS TABLE (outcome text, organization_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NOT app_is_platform_admin() THEN
    RETURN QUERY SELECT 'forbidden'::text, NULL::uuid; RETURN;
  END IF;
  RETURN QUERY SELECT * FROM org_create(p_name, p_slug, p_prefix);
END;
$$;

-- org_provision (0021) for a platform admin. outcome: provisioned | no_org
-- | user_inactive | invalid | forbidden.
CREATE FUNCTION platform_org_provision(p_slug citext, p_email citext, p_name text)
RETURNS TABLE (outcome text, organization_id uuid, user_id uuid, user_created boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NOT app_is_platform_admin() THEN
    RETURN QUERY SELECT 'forbidden'::text, NULL::uuid, NULL::uuid, false; RETURN;
  END IF;
  RETURN QUERY SELECT * FROM org_provision(p_slug, p_email, p_name);
END;
$$;

-- Deactivates or reactivates an organization. Its request types leave the
-- public form (submit_form_request_types reads organizations.is_active) and
-- its staff lose the desk (app_staff_org_ids counts active organizations
-- only); staff are the members whose sessions the caller ends. The
-- platform's own organization is never deactivated. outcome: done |
-- unchanged | no_org | platform | forbidden.
CREATE FUNCTION platform_org_set_active(p_org uuid, p_active boolean)
RETURNS TABLE (outcome text, staff uuid[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  o organizations;
BEGIN
  IF NOT app_is_platform_admin() THEN
    RETURN QUERY SELECT 'forbidden'::text, '{}'::uuid[]; RETURN;
  END IF;
  SELECT * INTO o FROM organizations WHERE id = p_org FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_org'::text, '{}'::uuid[]; RETURN;
  END IF;
  IF o.is_platform AND NOT p_active THEN
    RETURN QUERY SELECT 'platform'::text, '{}'::uuid[]; RETURN;
  END IF;
  IF o.is_active = p_active THEN
    RETURN QUERY SELECT 'unchanged'::text, '{}'::uuid[]; RETURN;
  END IF;
  UPDATE organizations SET is_active = p_active WHERE id = p_org;
  RETURN QUERY SELECT 'done'::text,
    coalesce((SELECT array_agg(m.user_id) FROM memberships m WHERE m.organization_id = p_org AND m.is_active),
             '{}'::uuid[]);
END;
$$;

-- ---------------------------------------------------------------------------
-- Users: platform role and the account's active flag. The platform keeps
-- one active platform admin at least: the last one may not demote or
-- deactivate themselves (nor be demoted by anyone: there is nobody else).
-- ---------------------------------------------------------------------------

-- Whether changing p_user to (p_role, p_active) would leave no active
-- platform admin. Locks the admins' rows so two admins demoting each other
-- at once cannot both pass.
CREATE FUNCTION platform_would_lose_last_admin(p_user uuid, p_role text, p_active boolean) RETURNS boolean
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF p_role = 'admin' AND p_active THEN
    RETURN false;
  END IF;
  PERFORM 1 FROM users u WHERE u.platform_role = 'admin' AND u.is_active ORDER BY u.id FOR UPDATE;
  RETURN EXISTS (SELECT FROM users u WHERE u.id = p_user AND u.platform_role = 'admin' AND u.is_active)
         AND NOT EXISTS (SELECT FROM users u WHERE u.platform_role = 'admin' AND u.is_active AND u.id <> p_user);
END;
$$;
REVOKE EXECUTE ON FUNCTION platform_would_lose_last_admin(uuid, text, boolean) FROM PUBLIC;

-- p_role: admin | agent | NULL (none). outcome: done | no_user |
-- last_admin | invalid | forbidden.
CREATE FUNCTION platform_user_set_role(p_email citext, p_role text)
RETURNS TABLE (outcome text, user_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  u users;
BEGIN
  IF NOT app_is_platform_admin() THEN
    RETURN QUERY SELECT 'forbidden'::text, NULL::uuid; RETURN;
  END IF;
  IF p_role IS NOT NULL AND p_role NOT IN ('admin', 'agent') THEN
    RETURN QUERY SELECT 'invalid'::text, NULL::uuid; RETURN;
  END IF;
  SELECT * INTO u FROM users WHERE email = p_email FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_user'::text, NULL::uuid; RETURN;
  END IF;
  IF platform_would_lose_last_admin(u.id, p_role, u.is_active) THEN
    RETURN QUERY SELECT 'last_admin'::text, u.id; RETURN;
  END IF;
  UPDATE users SET platform_role = p_role WHERE id = u.id;
  RETURN QUERY SELECT 'done'::text, u.id;
END;
$$;

-- outcome: done | no_user | last_admin | forbidden; was_active before.
CREATE FUNCTION platform_user_set_active(p_email citext, p_active boolean)
RETURNS TABLE (outcome text, user_id uuid, was_active boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  u users;
BEGIN
  IF NOT app_is_platform_admin() THEN
    RETURN QUERY SELECT 'forbidden'::text, NULL::uuid, false; RETURN;
  END IF;
  SELECT * INTO u FROM users WHERE email = p_email FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_user'::text, NULL::uuid, false; RETURN;
  END IF;
  IF platform_would_lose_last_admin(u.id, u.platform_role, p_active) THEN
    RETURN QUERY SELECT 'last_admin'::text, u.id, u.is_active; RETURN;
  END IF;
  UPDATE users SET is_active = p_active WHERE id = u.id AND is_active <> p_active;
  RETURN QUERY SELECT 'done'::text, u.id, u.is_active;
END;
$$;

REVOKE EXECUTE ON FUNCTION platform_org_create(text, citext, text),
                           platform_org_provision(citext, citext, text),
                           platform_org_set_active(uuid, boolean),
                           platform_user_set_role(citext, text),
                           platform_user_set_active(citext, boolean)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform_org_create(text, citext, text),
                          platform_org_provision(citext, citext, text),
                          platform_org_set_active(uuid, boolean),
                          platform_user_set_role(citext, text),
                          platform_user_set_active(citext, boolean)
  TO supportdesk_app;

-- 0021 meant org_create and org_provision for the owner role only: make it
-- so (the application role reaches them through the functions above).
REVOKE EXECUTE ON FUNCTION org_create(text, citext, text), org_provision(citext, citext, text) FROM PUBLIC;
