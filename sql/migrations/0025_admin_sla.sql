-- 0025_admin_sla.sql: SLA policies as the organization admin page
-- (/desk/admin/sla) shapes them: their writes audited in config_audit, read
-- only by the staff they concern, and saving one recomputes the due times of
-- the organization's open tickets under it, in the same transaction, without
-- the ticket looking changed to anyone working on it.

-- ---------------------------------------------------------------------------
-- config_audit: the new entity and its trigger (0024's config_audit_record()).
-- ---------------------------------------------------------------------------
ALTER TABLE config_audit DROP CONSTRAINT config_audit_entity_check;
ALTER TABLE config_audit ADD CONSTRAINT config_audit_entity_check CHECK (entity IN (
  'organization', 'organization_settings', 'team', 'membership', 'membership_team',
  'category', 'canned_response',
  'request_type', 'field_definition', 'field_visibility_rule', 'event',
  'sla_policy'));

CREATE TRIGGER sla_policies_config_audit AFTER INSERT OR UPDATE OR DELETE ON sla_policies
  FOR EACH ROW EXECUTE FUNCTION config_audit_record('sla_policy');

-- ---------------------------------------------------------------------------
-- Who reads a policy: 0005 let anyone signed in read every organization's.
-- Now: the global defaults for anyone signed in (as before); an
-- organization's own for its staff (agents read, admins write: 0005's
-- sla_policies_admin_write stays) and for platform staff. Another
-- organization's staff and customers see none of them.
-- ---------------------------------------------------------------------------
DROP POLICY sla_policies_select ON sla_policies;
CREATE POLICY sla_policies_select ON sla_policies FOR SELECT TO supportdesk_app
  USING ((select app_user_id()) IS NOT NULL
         AND (organization_id IS NULL
              OR (select app_is_platform_staff())
              OR organization_id = ANY ((select app_staff_org_ids())::uuid[])));

-- ---------------------------------------------------------------------------
-- A quiet update: recomputing due times is not a change of the ticket.
--
-- 0020's tickets_version_bump bumps tickets.version on every UPDATE, and
-- 0003's tickets_before_write stamps updated_at and last_activity_at. A
-- policy change that moves the due dates of a thousand open tickets must do
-- neither: every agent with one of them open would get a false 409 on their
-- draft, and the queues sorted by activity would reshuffle.
--
-- The trigger cannot tell a recompute from the row alone: a new customer
-- message also changes nothing but stamps (last_activity_at), and it must
-- bump the version. So two conditions, both needed:
--   * the transaction-local setting supportdesk.sla_recompute is 'on', which
--     only sla_policy_recompute() below sets, around its own UPDATE, and
--     resets before it returns;
--   * the row differs from OLD in the SLA columns alone (and the stamps the
--     earlier trigger wrote), so that even with the setting on, an UPDATE of
--     anything else (a status, a priority, an assignee) bumps as always.
-- Then the stamps are put back and the version stays. The application role
-- could set the setting itself, but it has no UPDATE grant on the SLA
-- columns (0005), so the most it can do is an UPDATE that changes nothing.
-- tickets_version_bump fires after tickets_before_write (name order), so it
-- sees, and undoes, the stamps.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION tickets_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  -- search is a generated column: NULL in NEW before the row is stored.
  v_quiet constant text[] := ARRAY['sla_policy_id', 'sla_first_response_due', 'sla_resolution_due',
                                   'updated_at', 'last_activity_at', 'version', 'search'];
BEGIN
  IF coalesce(current_setting('supportdesk.sla_recompute', true), '') = 'on'
     AND (to_jsonb(OLD) - v_quiet) = (to_jsonb(NEW) - v_quiet) THEN
    NEW.updated_at := OLD.updated_at;
    NEW.last_activity_at := OLD.last_activity_at;
    NEW.version := OLD.version;
    RETURN NEW;
  END IF;
  NEW.version := OLD.version + 1;
  RETURN NEW;
END;
$$;

-- ---------------------------------------------------------------------------
-- Recomputing the due times of the open tickets under one (organization,
-- priority): the policy the ticket triggers would choose now (0003's
-- sla_policy_for: the organization's active policy, else the global
-- default), applied by 0018's tickets_apply_sla (created_at + target + the
-- minutes paused, in the policy's working time and holidays). Only rows
-- whose values change are written.
--
-- Open: new, open, in_progress, waiting_customer, waiting_internal; resolved,
-- closed and cancelled tickets keep the due times they were measured by.
-- SLA events already recorded (0018's sla_events, one per ticket and kind)
-- are not touched, so a warning or breach is never sent twice; a clock
-- moved into the past fires its events on the scheduler's next run.
--
-- Definer rights, because the application role may not write the SLA
-- columns (0005: triggers own them); the admin check is the function's own.
-- The caller must administer the organization (or be a platform admin); the
-- internal tickets are the platform organization's. Returns the tickets
-- changed, or -1 when the caller may not.
-- ---------------------------------------------------------------------------
CREATE FUNCTION sla_policy_recompute(p_org uuid, p_priority text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_platform boolean;
  v_policy   sla_policies;
  v_n        integer;
BEGIN
  IF p_org IS NULL OR NOT (app_is_org_admin(p_org) OR app_is_platform_admin()) THEN
    RETURN -1;
  END IF;
  SELECT is_platform INTO v_platform FROM organizations WHERE id = p_org;
  IF NOT FOUND THEN
    RETURN -1;
  END IF;
  v_policy := sla_policy_for(CASE WHEN v_platform THEN 'internal' ELSE 'organization' END, p_org, p_priority);
  PERFORM set_config('supportdesk.sla_recompute', 'on', true);
  UPDATE tickets t
  SET (sla_policy_id, sla_first_response_due, sla_resolution_due) =
      (SELECT a.sla_policy_id, a.sla_first_response_due, a.sla_resolution_due FROM tickets_apply_sla(t, v_policy) a)
  WHERE t.priority = p_priority
    AND t.status IN ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal')
    AND CASE WHEN v_platform THEN t.routing_type = 'internal'
             ELSE t.routing_type <> 'internal' AND t.assigned_org_id = p_org END
    AND (SELECT (a.sla_policy_id, a.sla_first_response_due, a.sla_resolution_due)
                IS DISTINCT FROM (t.sla_policy_id, t.sla_first_response_due, t.sla_resolution_due)
         FROM tickets_apply_sla(t, v_policy) a);
  GET DIAGNOSTICS v_n = ROW_COUNT;
  PERFORM set_config('supportdesk.sla_recompute', '', true);
  RETURN v_n;
END;
$$;
REVOKE EXECUTE ON FUNCTION sla_policy_recompute(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sla_policy_recompute(uuid, text) TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- Removing a policy: its open tickets move to what applies without it (the
-- global default), then it is deleted when no ticket names it any more, and
-- deactivated otherwise (resolved and closed tickets keep the policy they
-- were measured by; deleting it would also make the foreign key's SET NULL
-- rewrite those tickets, version and activity included).
-- outcome: deleted | deactivated | not_found | forbidden.
-- ---------------------------------------------------------------------------
CREATE FUNCTION admin_sla_policy_delete(p_org uuid, p_policy uuid) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_priority text;
BEGIN
  IF p_org IS NULL OR NOT (app_is_org_admin(p_org) OR app_is_platform_admin()) THEN
    RETURN 'forbidden';
  END IF;
  SELECT priority INTO v_priority FROM sla_policies
  WHERE id = p_policy AND organization_id = p_org FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 'not_found';
  END IF;
  UPDATE sla_policies SET is_active = false WHERE id = p_policy AND is_active;
  PERFORM sla_policy_recompute(p_org, v_priority);
  IF EXISTS (SELECT FROM tickets WHERE sla_policy_id = p_policy) THEN
    RETURN 'deactivated';
  END IF;
  DELETE FROM sla_policies WHERE id = p_policy;
  RETURN 'deleted';
END;
$$;
REVOKE EXECUTE ON FUNCTION admin_sla_policy_delete(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION admin_sla_policy_delete(uuid, uuid) TO supportdesk_app;

-- The admin page offers the names PostgreSQL knows (the table's own check,
-- 0002's sla_policies_validate, asks the same view).
CREATE FUNCTION sla_time_zone_valid(p_tz text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (SELECT FROM pg_timezone_names WHERE name = p_tz)
$$;
REVOKE EXECUTE ON FUNCTION sla_time_zone_valid(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sla_time_zone_valid(text) TO supportdesk_app;
