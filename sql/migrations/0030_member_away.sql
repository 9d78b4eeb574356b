-- 0030_member_away.sql: an organization's admin marks a member away (or
-- available again), as the member does on /account: auto-assign passes an
-- away member over. Away belongs to the person (users.away_since, 0018),
-- so it holds on every desk they work. The change is audited as a change
-- of the membership, with only what changed (never the user's row, which
-- holds the password hash).
CREATE FUNCTION admin_member_set_away(p_org uuid, p_membership uuid, p_away boolean) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_user uuid;
  v_was  boolean;
BEGIN
  IF p_org IS NULL OR p_membership IS NULL OR p_away IS NULL
     OR NOT (app_is_org_admin(p_org) OR app_is_platform_admin()) THEN
    RETURN 'not_found';
  END IF;
  SELECT u.id, u.away_since IS NOT NULL INTO v_user, v_was
    FROM memberships m JOIN users u ON u.id = m.user_id
   WHERE m.id = p_membership AND m.organization_id = p_org
     FOR UPDATE OF u;
  IF NOT FOUND THEN
    RETURN 'not_found';
  END IF;
  IF v_was = p_away THEN
    RETURN 'unchanged';
  END IF;
  UPDATE users SET away_since = CASE WHEN p_away THEN now() END WHERE id = v_user;
  INSERT INTO config_audit (organization_id, actor_id, entity, entity_id, action, before, after, request_id, ip_address)
  VALUES (p_org, app_user_id(), 'membership', p_membership::text, 'update',
          jsonb_build_object('away', v_was), jsonb_build_object('away', p_away), app_request_id(), app_ip());
  RETURN 'ok';
END;
$$;
REVOKE EXECUTE ON FUNCTION admin_member_set_away(uuid, uuid, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION admin_member_set_away(uuid, uuid, boolean) TO supportdesk_app;
