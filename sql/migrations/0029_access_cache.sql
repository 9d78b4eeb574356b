-- 0029_access_cache.sql: who the acting user is, computed once per
-- transaction instead of once per row-level security check.
--
-- Every policy asks app_staff_org_ids(), app_admin_org_ids() or
-- app_platform_role() through an InitPlan, once per table a statement
-- reads: a queue page of the desk asked about twenty times, each a join
-- of memberships, organizations and users (0.25 ms apiece on a loaded
-- machine, a fifth of the page's database time). The three answers are now
-- computed together by app_access() on the first question of a
-- transaction and kept in the transaction-local setting app.access_cache
-- ("user id|platform role|{staff orgs}|{admin orgs}"), which the next
-- questions read.
--
-- Kept correct by:
-- - the key: the cache names the user it is for; after SET app.user_id to
--   someone else (the tests switch users inside one transaction) it is
--   computed again;
-- - invalidation: any write to memberships, organizations or users in the
--   transaction (statement triggers below, TRUNCATE too) empties it, so a
--   membership granted or an organization deactivated counts at once;
-- - its lifetime: set with is_local, it ends with the transaction (and a
--   rolled-back savepoint rolls it back with the writes it reflected).
-- The cache is no new trust: whoever can set app.access_cache can set
-- app.user_id to any user, which is how the application asserts who acts.

CREATE FUNCTION app_access() RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_uid text := coalesce(current_setting('app.user_id', true), '');
  v_cache text := current_setting('app.access_cache', true);
  v_user uuid := nullif(v_uid, '')::uuid;
  v_role text;
  v_staff uuid[];
  v_admin uuid[];
  v_out text[];
BEGIN
  IF v_cache IS NOT NULL AND v_cache <> '' THEN
    v_out := string_to_array(v_cache, '|');
    IF v_out[1] = v_uid THEN
      RETURN v_out;
    END IF;
  END IF;
  SELECT u.platform_role INTO v_role FROM users u WHERE u.id = v_user AND u.is_active;
  SELECT coalesce(array_agg(m.organization_id), '{}'),
         coalesce(array_agg(m.organization_id) FILTER (WHERE m.role = 'admin'), '{}')
    INTO v_staff, v_admin
    FROM memberships m
    JOIN organizations o ON o.id = m.organization_id AND o.is_active
    JOIN users u ON u.id = m.user_id AND u.is_active
   WHERE m.user_id = v_user AND m.is_active;
  v_out := ARRAY[v_uid, coalesce(v_role, ''), v_staff::text, v_admin::text];
  PERFORM set_config('app.access_cache', array_to_string(v_out, '|'), true);
  RETURN v_out;
END;
$$;
REVOKE EXECUTE ON FUNCTION app_access() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_access() TO supportdesk_app;

-- 'agent' | 'admin' | NULL for the acting user (inactive users count as none).
CREATE OR REPLACE FUNCTION app_platform_role() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN nullif((app_access())[2], '');
END;
$$;

-- Organizations in which the acting user is active staff (agent or admin) of
-- an active organization. Never NULL: an empty array matches nothing.
CREATE OR REPLACE FUNCTION app_staff_org_ids() RETURNS uuid[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN (app_access())[3]::uuid[];
END;
$$;

CREATE OR REPLACE FUNCTION app_admin_org_ids() RETURNS uuid[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN (app_access())[4]::uuid[];
END;
$$;

-- A write that may change anyone's access empties the cache.
CREATE FUNCTION app_access_forget() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM set_config('app.access_cache', '', true);
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION app_access_forget() FROM PUBLIC;

CREATE TRIGGER memberships_access_forget AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON memberships
  FOR EACH STATEMENT EXECUTE FUNCTION app_access_forget();
CREATE TRIGGER organizations_access_forget AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organizations
  FOR EACH STATEMENT EXECUTE FUNCTION app_access_forget();
CREATE TRIGGER users_access_forget AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION app_access_forget();
