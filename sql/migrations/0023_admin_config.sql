-- 0023_admin_config.sql: categories and canned responses edited from the
-- organization admin pages (/desk/admin/categories, /desk/admin/canned).
--
-- Their writes are audited in config_audit by the same trigger as 0021's
-- tables. The trigger learns a generic form: a table's trigger may pass
-- its entity name and the columns whose changes alone are not worth a row
-- (canned responses count their uses: a use is not a configuration change).

ALTER TABLE config_audit DROP CONSTRAINT config_audit_entity_check;
ALTER TABLE config_audit ADD CONSTRAINT config_audit_entity_check
  CHECK (entity IN ('organization', 'organization_settings', 'team', 'membership', 'membership_team',
                    'category', 'canned_response'));

-- As 0021's, plus: with trigger arguments (entity, ignored columns...), the
-- entity is TG_ARGV[0] and the entity id the row's id.
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
    END CASE;
  END IF;
  v_org := coalesce(v_org, (v_row->>'organization_id')::uuid);
  INSERT INTO config_audit (organization_id, actor_id, entity, entity_id, action, before, after,
                            request_id, ip_address)
  VALUES (v_org, app_user_id(), v_entity, v_id, lower(TG_OP), v_old, v_new, app_request_id(), app_ip());
  RETURN NULL;
END;
$$;

CREATE TRIGGER categories_config_audit AFTER INSERT OR UPDATE OR DELETE ON categories
  FOR EACH ROW EXECUTE FUNCTION config_audit_record('category');
CREATE TRIGGER canned_responses_config_audit AFTER INSERT OR UPDATE OR DELETE ON canned_responses
  FOR EACH ROW EXECUTE FUNCTION config_audit_record('canned_response', 'usage_count', 'last_used_at');

-- ---------------------------------------------------------------------------
-- Categories: removing one that tickets name deactivates it instead (the
-- tickets keep their category; a deactivated one is offered for no new
-- ticket). Definer rights because the tickets naming a category need not be
-- visible to its organization's admin (a ticket routed elsewhere), and the
-- foreign key would otherwise fail the statement. The row lock orders it
-- against a ticket being filed with the category at the same moment (the
-- foreign key check takes a KEY SHARE lock on the same row).
-- outcome: deleted | deactivated | not_found | forbidden.
-- ---------------------------------------------------------------------------
CREATE FUNCTION admin_category_delete(p_org uuid, p_category uuid)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF p_org IS NULL OR NOT (app_is_org_admin(p_org) OR app_is_platform_admin()) THEN
    RETURN 'forbidden';
  END IF;
  PERFORM 1 FROM categories c WHERE c.id = p_category AND c.organization_id = p_org FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 'not_found';
  END IF;
  IF EXISTS (SELECT FROM tickets t WHERE t.category_id = p_category) THEN
    UPDATE categories SET is_active = false WHERE id = p_category AND is_active;
    RETURN 'deactivated';
  END IF;
  DELETE FROM categories WHERE id = p_category;
  RETURN 'deleted';
END;
$$;
REVOKE EXECUTE ON FUNCTION admin_category_delete(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION admin_category_delete(uuid, uuid) TO supportdesk_app;
