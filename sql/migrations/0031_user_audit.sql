-- 0031_user_audit.sql: a change of a user's platform role or of whether
-- the account is active (the platform admin's /admin/users, the command
-- line's `user set-role` and `user deactivate`) is a configuration change
-- and leaves a config_audit row (entity 'user', no organization: platform
-- admins read it). Only those two and the address are copied: never the
-- whole row, which holds the password hash. A user's other changes (name,
-- language, a new password, being away) leave none.

-- The entity check extended as 0026 and 0027 do, once, in one function the
-- next migrations call: it reads the list whichever form PostgreSQL prints
-- it in and adds the entity when missing.
CREATE FUNCTION config_audit_entity_allow(p_entity text) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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
  IF p_entity = ANY (v_entities) THEN
    RETURN;
  END IF;
  ALTER TABLE config_audit DROP CONSTRAINT config_audit_entity_check;
  EXECUTE format('ALTER TABLE config_audit ADD CONSTRAINT config_audit_entity_check CHECK (entity = ANY (%L::text[]))',
                 v_entities || p_entity);
END;
$$;
REVOKE EXECUTE ON FUNCTION config_audit_entity_allow(text) FROM PUBLIC;

SELECT config_audit_entity_allow('user');

CREATE FUNCTION users_config_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF OLD.platform_role IS DISTINCT FROM NEW.platform_role OR OLD.is_active IS DISTINCT FROM NEW.is_active THEN
    INSERT INTO config_audit (organization_id, actor_id, entity, entity_id, action, before, after, request_id, ip_address)
    VALUES (NULL, app_user_id(), 'user', NEW.id::text, 'update',
            jsonb_build_object('email', OLD.email, 'platform_role', OLD.platform_role, 'is_active', OLD.is_active),
            jsonb_build_object('email', NEW.email, 'platform_role', NEW.platform_role, 'is_active', NEW.is_active),
            app_request_id(), app_ip());
  END IF;
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION users_config_audit() FROM PUBLIC;

CREATE TRIGGER users_config_audit AFTER UPDATE OF platform_role, is_active ON users
  FOR EACH ROW EXECUTE FUNCTION users_config_audit();
