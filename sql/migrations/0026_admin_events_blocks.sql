-- 0026_admin_events_blocks.sql: events as the organization admin pages
-- shape them (their writes already audited by 0024's trigger), and the
-- record of a lifted rate-limit block in config_audit.

-- ---------------------------------------------------------------------------
-- Removing an event: deleted when no ticket or pending submission names it,
-- deactivated otherwise (the foreign keys would refuse the delete, and the
-- tickets keep their event and its name). Definer rights for the look at
-- tickets, which an org admin may not all see; the admin check is the
-- function's own. outcome: deleted | deactivated | forbidden | not_found.
-- ---------------------------------------------------------------------------
CREATE FUNCTION admin_event_remove(p_org uuid, p_event uuid) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NOT (app_is_org_admin(p_org) OR app_is_platform_admin()) THEN
    RETURN 'forbidden';
  END IF;
  PERFORM 1 FROM events WHERE id = p_event AND organization_id = p_org FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 'not_found';
  END IF;
  IF EXISTS (SELECT FROM tickets WHERE event_id = p_event)
     OR EXISTS (SELECT FROM submissions WHERE event_id = p_event) THEN
    UPDATE events SET is_active = false WHERE id = p_event;
    RETURN 'deactivated';
  END IF;
  DELETE FROM events WHERE id = p_event;
  RETURN 'deleted';
END;
$$;
REVOKE EXECUTE ON FUNCTION admin_event_remove(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION admin_event_remove(uuid, uuid) TO supportdesk_app;

-- The admin page shows how many tickets name an event (capped); the index
-- that 0003 made is partial on event_id, which is what this needs.

-- ---------------------------------------------------------------------------
-- Rate-limit blocks live in Redis, not in a table: no trigger sees a lift.
-- The lift is written here by the page, through a definer function that
-- checks the caller administers the organization (config_audit has no
-- INSERT grant or policy: only definer code writes it).
-- ---------------------------------------------------------------------------
-- The entity list is extended, not restated: migrations made beside this
-- one (other admin sections) add their own entities to the same check, and
-- a restated list would drop theirs.
DO $$
DECLARE
  v_entities text[];
BEGIN
  SELECT array_agg(DISTINCT m[1] ORDER BY m[1]) INTO v_entities
  FROM pg_constraint c,
       regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''::text', 'g') AS m
  WHERE c.conrelid = 'config_audit'::regclass AND c.conname = 'config_audit_entity_check';
  IF v_entities IS NULL OR NOT v_entities @> ARRAY['organization', 'event'] THEN
    RAISE EXCEPTION 'config_audit_entity_check is not as 0024 left it: %', v_entities;
  END IF;
  IF NOT 'rate_limit_block' = ANY (v_entities) THEN
    v_entities := v_entities || 'rate_limit_block'::text;
  END IF;
  ALTER TABLE config_audit DROP CONSTRAINT config_audit_entity_check;
  EXECUTE format('ALTER TABLE config_audit ADD CONSTRAINT config_audit_entity_check CHECK (entity = ANY (%L::text[]))',
                 v_entities);
END;
$$;

-- p_key: the counter's Redis key (sd:rl:<action>:<hash>: no address in
-- clear); p_before: what the page showed (action, counted, hits, seconds
-- left, and the person when the organization knows them). A lift is a
-- 'delete' of the block: before set, after NULL. Returns the audit row's
-- id, or NULL when the caller may not lift blocks for the organization.
CREATE FUNCTION admin_rate_limit_lift_record(p_org uuid, p_key text, p_before jsonb) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_id uuid;
BEGIN
  IF p_org IS NULL OR NOT (app_is_org_admin(p_org) OR app_is_platform_admin()) THEN
    RETURN NULL;
  END IF;
  IF p_key IS NULL OR p_key !~ '^sd:rl:[a-z_]{1,40}:[0-9a-f]{32}$' OR jsonb_typeof(p_before) <> 'object' THEN
    RAISE EXCEPTION 'not a rate-limit key' USING ERRCODE = 'check_violation';
  END IF;
  INSERT INTO config_audit (organization_id, actor_id, entity, entity_id, action, before, after,
                            request_id, ip_address)
  VALUES (p_org, app_user_id(), 'rate_limit_block', p_key, 'delete', p_before, NULL,
          app_request_id(), app_ip())
  RETURNING id INTO v_id;
  RETURN v_id;
END;
$$;
REVOKE EXECUTE ON FUNCTION admin_rate_limit_lift_record(uuid, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION admin_rate_limit_lift_record(uuid, text, jsonb) TO supportdesk_app;
