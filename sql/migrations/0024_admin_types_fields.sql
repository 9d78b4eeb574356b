-- 0024_admin_types_fields.sql: request types and custom fields as the
-- organization admin pages shape them: their writes audited in
-- config_audit, field patterns that must compile, the order of the types,
-- and "remove" that deactivates what tickets still use.

-- ---------------------------------------------------------------------------
-- config_audit: the new entities and their triggers.
-- ---------------------------------------------------------------------------
ALTER TABLE config_audit DROP CONSTRAINT config_audit_entity_check;
ALTER TABLE config_audit ADD CONSTRAINT config_audit_entity_check CHECK (entity IN (
  'organization', 'organization_settings', 'team', 'membership', 'membership_team',
  'category', 'canned_response',
  'request_type', 'field_definition', 'field_visibility_rule', 'event'));

-- As in 0023 (trigger arguments: the entity, then the columns whose
-- changes alone are not worth a row), with one more table without an
-- organization_id: a visibility rule belongs to its field's organization.
CREATE OR REPLACE FUNCTION config_audit_record() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_old jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  v_new jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  v_ignored text[] := ARRAY['updated_at'] || coalesce(TG_ARGV[1:], '{}');
  v_row jsonb;
  v_entity text;
  v_id text;
  v_org uuid;
BEGIN
  IF TG_OP = 'UPDATE' AND (v_old - v_ignored) = (v_new - v_ignored) THEN
    RETURN NULL;
  END IF;
  v_row := coalesce(v_new, v_old);
  IF TG_NARGS > 0 THEN
    v_entity := TG_ARGV[0]; v_id := v_row->>'id';
  ELSE
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
      WHEN 'field_visibility_rules' THEN
        v_entity := 'field_visibility_rule'; v_id := v_row->>'id';
        SELECT f.organization_id INTO v_org FROM field_definitions f
        WHERE f.id = (v_row->>'field_definition_id')::uuid;
    END CASE;
  END IF;
  v_org := coalesce(v_org, (v_row->>'organization_id')::uuid);
  INSERT INTO config_audit (organization_id, actor_id, entity, entity_id, action, before, after,
                            request_id, ip_address)
  VALUES (v_org, app_user_id(), v_entity, v_id, lower(TG_OP), v_old, v_new, app_request_id(), app_ip());
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION config_audit_record() FROM PUBLIC;

CREATE TRIGGER request_types_config_audit AFTER INSERT OR UPDATE OR DELETE ON request_types
  FOR EACH ROW EXECUTE FUNCTION config_audit_record('request_type');
CREATE TRIGGER field_definitions_config_audit AFTER INSERT OR UPDATE OR DELETE ON field_definitions
  FOR EACH ROW EXECUTE FUNCTION config_audit_record('field_definition');
-- A rule deleted by its field's cascade finds no field any more: the
-- BEFORE DELETE of the field is gone by then, so the row says NULL
-- organization; the field's own delete row carries the organization.
CREATE TRIGGER field_visibility_rules_config_audit AFTER INSERT OR UPDATE OR DELETE ON field_visibility_rules
  FOR EACH ROW EXECUTE FUNCTION config_audit_record();
CREATE TRIGGER events_config_audit AFTER INSERT OR UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION config_audit_record('event');

-- ---------------------------------------------------------------------------
-- Field patterns: checked when saved, so a visitor never meets a broken one.
-- ---------------------------------------------------------------------------
-- Whether p compiles as a PostgreSQL regular expression (the workers also
-- check POSIX extended syntax, which is what validates a visitor's input).
CREATE FUNCTION regex_compiles(p text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM '' ~ p;
  RETURN true;
EXCEPTION WHEN invalid_regular_expression THEN
  RETURN false;
END;
$$;
REVOKE EXECUTE ON FUNCTION regex_compiles(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION regex_compiles(text) TO supportdesk_app;

-- Old rows are not rechecked (NOT VALID): a broken one would stop the
-- migration; a save of that field meets the check.
ALTER TABLE field_definitions ADD CONSTRAINT field_definitions_pattern_compiles
  CHECK (validation_rules->>'pattern' IS NULL
         OR (length(validation_rules->>'pattern') <= 500 AND regex_compiles(validation_rules->>'pattern')))
  NOT VALID;

-- ---------------------------------------------------------------------------
-- The order of an organization's request types: one step up or down.
-- Invoker rights: row-level security decides which types may move. The
-- types are renumbered 10, 20, ... first, so equal sort orders (the
-- default 0) still move one place. outcome: ok | edge | not_found.
-- ---------------------------------------------------------------------------
CREATE FUNCTION admin_request_type_move(p_org uuid, p_type uuid, p_up boolean)
RETURNS text
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  v_ids uuid[];
  v_pos int;
  v_other int;
BEGIN
  -- Locked in one order: two admins reordering at once wait for each other.
  SELECT array_agg(id ORDER BY sort_order, name, id) INTO v_ids
  FROM (SELECT id, sort_order, name FROM request_types WHERE organization_id = p_org
        ORDER BY id FOR UPDATE) t;
  v_pos := array_position(v_ids, p_type);
  IF v_pos IS NULL THEN
    RETURN 'not_found';
  END IF;
  v_other := CASE WHEN p_up THEN v_pos - 1 ELSE v_pos + 1 END;
  IF v_other < 1 OR v_other > cardinality(v_ids) THEN
    RETURN 'edge';
  END IF;
  v_ids[v_pos] := v_ids[v_other];
  v_ids[v_other] := p_type;
  UPDATE request_types rt SET sort_order = o.n * 10
  FROM unnest(v_ids) WITH ORDINALITY AS o(id, n)
  WHERE rt.id = o.id AND rt.sort_order IS DISTINCT FROM o.n * 10;
  RETURN 'ok';
END;
$$;

-- ---------------------------------------------------------------------------
-- Removing a type or a field: deleted when no ticket or pending submission
-- uses it, deactivated otherwise (its tickets keep their values and their
-- meaning). Definer rights for the look at tickets, which an org admin may
-- not all see (internal ones); the admin check is the function's own.
-- outcome: deleted | deactivated | forbidden | not_found.
-- ---------------------------------------------------------------------------
CREATE FUNCTION admin_request_type_remove(p_org uuid, p_type uuid) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NOT (app_is_org_admin(p_org) OR app_is_platform_admin()) THEN
    RETURN 'forbidden';
  END IF;
  PERFORM 1 FROM request_types WHERE id = p_type AND organization_id = p_org FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 'not_found';
  END IF;
  IF EXISTS (SELECT FROM tickets WHERE request_type_id = p_type)
     OR EXISTS (SELECT FROM submissions WHERE request_type_id = p_type) THEN
    UPDATE request_types SET is_active = false WHERE id = p_type;
    RETURN 'deactivated';
  END IF;
  -- Rules naming the type lose it; a rule left naming no type would mean
  -- "every type", so it goes too.
  DELETE FROM field_visibility_rules WHERE request_type_ids = ARRAY[p_type];
  UPDATE field_visibility_rules SET request_type_ids = array_remove(request_type_ids, p_type)
  WHERE p_type = ANY (request_type_ids);
  DELETE FROM request_types WHERE id = p_type;
  RETURN 'deleted';
END;
$$;

-- A field is used when a ticket or a pending submission holds a value for
-- its key. The scan of tickets is by the GIN-less jsonb key test: removing
-- a field is rare, and a wrong "unused" would lose data, so no shortcut.
CREATE FUNCTION admin_field_remove(p_org uuid, p_field uuid) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_key text;
BEGIN
  IF NOT (app_is_org_admin(p_org) OR app_is_platform_admin()) THEN
    RETURN 'forbidden';
  END IF;
  SELECT field_key INTO v_key FROM field_definitions WHERE id = p_field AND organization_id = p_org FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 'not_found';
  END IF;
  IF EXISTS (SELECT FROM tickets WHERE custom_fields ? v_key)
     OR EXISTS (SELECT FROM submissions WHERE form_data ? v_key) THEN
    UPDATE field_definitions SET is_active = false WHERE id = p_field;
    RETURN 'deactivated';
  END IF;
  DELETE FROM field_definitions WHERE id = p_field;
  RETURN 'deleted';
END;
$$;

REVOKE EXECUTE ON FUNCTION admin_request_type_move(uuid, uuid, boolean),
                           admin_request_type_remove(uuid, uuid),
                           admin_field_remove(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION admin_request_type_move(uuid, uuid, boolean),
                          admin_request_type_remove(uuid, uuid),
                          admin_field_remove(uuid, uuid) TO supportdesk_app;
