-- 0033_api_keys.sql: keys for the REST API (/api/v1/).
--
-- A key belongs to one organization and acts as its own service user: a
-- users row (no password, an address under .invalid that no mail reaches)
-- with an agent membership of the organization. The API sets app.user_id to
-- that user, so row-level security answers every API call exactly as it
-- answers the desk for an agent of the organization; the key's scopes
-- narrow what the C handlers let it try. Revoking a key deactivates the
-- user and the membership as well, so even a worker that looked the key up
-- a moment before sees nothing (app_access() ignores inactive users).
--
-- The key is shown once: "sdk_<id without hyphens>_<secret>". Only the
-- SHA-256 of the secret is stored (computed in C with libsodium);
-- the id finds the row and the hashes are compared with sodium_memcmp.

CREATE TABLE api_keys (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  service_user_id uuid NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
  name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
  scopes          text[] NOT NULL CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY[
                    'tickets:read', 'tickets:write', 'messages:write', 'customers:read', 'admin:read']),
  secret_hash     bytea NOT NULL CHECK (length(secret_hash) = 32),
  expires_at      timestamptz,
  ip_allow        cidr[] NOT NULL DEFAULT '{}' CHECK (cardinality(ip_allow) <= 20),
  created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  revoked_at      timestamptz,
  last_used_at    timestamptz
);
COMMENT ON TABLE api_keys IS 'REST API keys; secret_hash is the SHA-256 of the secret, never readable by supportdesk_app.';
CREATE INDEX api_keys_org_idx ON api_keys (organization_id, created_at DESC, id DESC);
CREATE INDEX api_keys_created_by_idx ON api_keys (created_by);

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
-- Admins of the organization (and platform admins) see its keys; writes
-- only through the functions below.
CREATE POLICY api_keys_select_admin ON api_keys FOR SELECT TO supportdesk_app
  USING (organization_id = ANY ((select app_admin_org_ids())::uuid[]) OR (select app_is_platform_admin()));
GRANT SELECT (id, organization_id, service_user_id, name, scopes, expires_at, ip_allow, created_by, created_at,
              revoked_at, last_used_at) ON api_keys TO supportdesk_app;

-- Stored responses of POSTs sent with an Idempotency-Key, per key, for a day.
CREATE TABLE api_idempotency (
  key_id       uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  idem_key     text NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 200),
  request_hash bytea NOT NULL CHECK (length(request_hash) = 32),
  status       integer NOT NULL CHECK (status BETWEEN 200 AND 599),
  location     text,
  body         text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key_id, idem_key)
);
ALTER TABLE api_idempotency ENABLE ROW LEVEL SECURITY;
-- Only the key's own service user, through the functions below (no policy:
-- nothing is readable directly).

SELECT config_audit_entity_allow('api_key');

-- Whether the acting user is the service user of an active key, and which.
CREATE FUNCTION api_key_current() RETURNS api_keys
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  k api_keys;
BEGIN
  SELECT * INTO k FROM api_keys
   WHERE service_user_id = app_user_id() AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now());
  RETURN k;
END;
$$;
REVOKE EXECUTE ON FUNCTION api_key_current() FROM PUBLIC;

-- Inserts a key with its service user, audited. status 'ok' | 'invalid'.
-- Called by the two functions below, never by the application itself.
CREATE FUNCTION api_key_insert(p_org uuid, p_name text, p_scopes text[], p_secret_hash bytea,
  p_expires_at timestamptz, p_ip_allow cidr[], OUT status text, OUT key_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_user uuid;
  v_actor uuid := app_user_id();
BEGIN
  IF p_name IS NULL OR length(btrim(p_name)) NOT BETWEEN 1 AND 100 OR p_scopes IS NULL OR cardinality(p_scopes) = 0
     OR NOT p_scopes <@ ARRAY['tickets:read', 'tickets:write', 'messages:write', 'customers:read', 'admin:read']
     OR p_secret_hash IS NULL OR length(p_secret_hash) <> 32 OR (p_expires_at IS NOT NULL AND p_expires_at <= now())
     OR cardinality(coalesce(p_ip_allow, '{}')) > 20 THEN
    status := 'invalid';
    RETURN;
  END IF;
  key_id := gen_random_uuid();
  INSERT INTO users (email, name, email_verified_at)
  VALUES ('api-key-' || key_id || '@api.invalid', left('API: ' || btrim(p_name), 200), now())
  RETURNING id INTO v_user;
  INSERT INTO memberships (user_id, organization_id, role) VALUES (v_user, p_org, 'agent');
  INSERT INTO api_keys (id, organization_id, service_user_id, name, scopes, secret_hash, expires_at, ip_allow, created_by)
  VALUES (key_id, p_org, v_user, btrim(p_name), (SELECT array_agg(DISTINCT s ORDER BY s) FROM unnest(p_scopes) s),
          p_secret_hash, p_expires_at, coalesce(p_ip_allow, '{}'), v_actor);
  INSERT INTO config_audit (organization_id, actor_id, entity, entity_id, action, before, after, request_id, ip_address)
  VALUES (p_org, v_actor, 'api_key', key_id::text, 'insert', NULL,
          jsonb_build_object('name', btrim(p_name), 'scopes', to_jsonb(p_scopes), 'expires_at', p_expires_at,
                             'ip_allow', to_jsonb(coalesce(p_ip_allow, '{}')::text[])),
          app_request_id(), app_ip());
  status := 'ok';
END;
$$;
REVOKE EXECUTE ON FUNCTION api_key_insert(uuid, text, text[], bytea, timestamptz, cidr[]) FROM PUBLIC;

-- The admin page: for an admin of p_org (or a platform admin).
-- status 'ok' | 'not_found' (no such organization, or not the acting
-- user's) | 'invalid'.
CREATE FUNCTION api_key_create(p_org uuid, p_name text, p_scopes text[], p_secret_hash bytea,
  p_expires_at timestamptz DEFAULT NULL, p_ip_allow cidr[] DEFAULT '{}',
  OUT status text, OUT key_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF p_org IS NULL OR NOT EXISTS (SELECT FROM organizations WHERE id = p_org AND is_active AND NOT is_platform)
     OR NOT (app_is_org_admin(p_org) OR app_is_platform_admin()) THEN
    status := 'not_found';
    RETURN;
  END IF;
  SELECT i.status, i.key_id INTO status, key_id
    FROM api_key_insert(p_org, p_name, p_scopes, p_secret_hash, p_expires_at, p_ip_allow) i;
END;
$$;
REVOKE EXECUTE ON FUNCTION api_key_create(uuid, text, text[], bytea, timestamptz, cidr[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api_key_create(uuid, text, text[], bytea, timestamptz, cidr[]) TO supportdesk_app;

-- `supportdesk api-key add`: the operator, as the owner role (never
-- granted to supportdesk_app), by the organization's slug.
-- status 'ok' | 'no_org' | 'invalid'.
CREATE FUNCTION api_key_create_operator(p_slug citext, p_name text, p_scopes text[], p_secret_hash bytea,
  p_expires_at timestamptz DEFAULT NULL, OUT status text, OUT key_id uuid, OUT organization_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  SELECT o.id INTO organization_id FROM organizations o WHERE o.slug = p_slug AND o.is_active AND NOT o.is_platform;
  IF NOT FOUND THEN
    status := 'no_org';
    RETURN;
  END IF;
  SELECT i.status, i.key_id INTO status, key_id
    FROM api_key_insert(organization_id, p_name, p_scopes, p_secret_hash, p_expires_at, '{}') i;
END;
$$;
REVOKE EXECUTE ON FUNCTION api_key_create_operator(citext, text, text[], bytea, timestamptz) FROM PUBLIC;

-- 'ok' | 'unchanged' (revoked already) | 'not_found'.
CREATE FUNCTION api_key_revoke(p_org uuid, p_key uuid) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  k api_keys;
BEGIN
  IF p_org IS NULL OR p_key IS NULL OR NOT (app_is_org_admin(p_org) OR app_is_platform_admin()) THEN
    RETURN 'not_found';
  END IF;
  SELECT * INTO k FROM api_keys WHERE id = p_key AND organization_id = p_org FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 'not_found';
  END IF;
  IF k.revoked_at IS NOT NULL THEN
    RETURN 'unchanged';
  END IF;
  UPDATE api_keys SET revoked_at = now() WHERE id = p_key;
  UPDATE memberships SET is_active = false WHERE user_id = k.service_user_id;
  UPDATE users SET is_active = false WHERE id = k.service_user_id;
  INSERT INTO config_audit (organization_id, actor_id, entity, entity_id, action, before, after, request_id, ip_address)
  VALUES (p_org, app_user_id(), 'api_key', p_key::text, 'update',
          jsonb_build_object('name', k.name, 'revoked', false), jsonb_build_object('name', k.name, 'revoked', true),
          app_request_id(), app_ip());
  RETURN 'ok';
END;
$$;
REVOKE EXECUTE ON FUNCTION api_key_revoke(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api_key_revoke(uuid, uuid) TO supportdesk_app;

-- What a request's key needs, by id, for anyone (the request is not yet
-- anybody): the hash to compare in C and what the key may do. No row for an
-- unknown, revoked or expired key, or one of an inactive organization.
CREATE FUNCTION api_key_auth(p_key uuid, p_ip inet DEFAULT NULL)
RETURNS TABLE (secret_hash bytea, service_user_id uuid, organization_id uuid, scopes text[], ip_ok boolean,
               last_used_recent boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN QUERY
  SELECT k.secret_hash, k.service_user_id, k.organization_id, k.scopes,
         cardinality(k.ip_allow) = 0 OR coalesce(p_ip <<= ANY (k.ip_allow), false),
         coalesce(k.last_used_at > now() - interval '1 minute', false)
    FROM api_keys k JOIN organizations o ON o.id = k.organization_id AND o.is_active
   WHERE k.id = p_key AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now());
END;
$$;
REVOKE EXECUTE ON FUNCTION api_key_auth(uuid, inet) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api_key_auth(uuid, inet) TO supportdesk_app;

-- last_used_at, written at most once a minute per key (the C side asks
-- only when api_key_auth said it is older), by the key's own user.
CREATE FUNCTION api_key_touch() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE api_keys SET last_used_at = now()
   WHERE service_user_id = app_user_id() AND (last_used_at IS NULL OR last_used_at <= now() - interval '1 minute');
END;
$$;
REVOKE EXECUTE ON FUNCTION api_key_touch() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api_key_touch() TO supportdesk_app;

-- ---- idempotency ----
-- The stored answer of the acting key for p_idem: no row when none (or
-- older than a day).
CREATE FUNCTION api_idempotency_get(p_idem text)
RETURNS TABLE (request_hash bytea, status integer, location text, body text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  k api_keys := api_key_current();
BEGIN
  IF k.id IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY SELECT i.request_hash, i.status, i.location, i.body FROM api_idempotency i
   WHERE i.key_id = k.id AND i.idem_key = p_idem AND i.created_at > now() - interval '1 day';
END;
$$;
REVOKE EXECUTE ON FUNCTION api_idempotency_get(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api_idempotency_get(text) TO supportdesk_app;

CREATE FUNCTION api_idempotency_put(p_idem text, p_hash bytea, p_status integer, p_location text, p_body text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  k api_keys := api_key_current();
BEGIN
  IF k.id IS NULL THEN
    RETURN false;
  END IF;
  INSERT INTO api_idempotency AS i (key_id, idem_key, request_hash, status, location, body)
  VALUES (k.id, p_idem, p_hash, p_status, p_location, p_body)
  ON CONFLICT (key_id, idem_key) DO UPDATE
    SET request_hash = excluded.request_hash, status = excluded.status, location = excluded.location,
        body = excluded.body, created_at = now()
    WHERE i.created_at <= now() - interval '1 day';
  RETURN true;
END;
$$;
REVOKE EXECUTE ON FUNCTION api_idempotency_put(text, bytea, integer, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api_idempotency_put(text, bytea, integer, text, text) TO supportdesk_app;

-- ---- tickets created through the API ----
-- For the acting key, with scope tickets:write: the requester found or
-- created by address, the request type the organization's own (a global
-- type routes elsewhere, out of the key's sight). status 'created' |
-- 'not_allowed' | 'invalid_email' | request_type_check() codes.
CREATE FUNCTION api_ticket_create(p_email citext, p_name text, p_request_type uuid, p_title text,
  p_description text, p_custom_fields jsonb DEFAULT '{}', p_event uuid DEFAULT NULL, p_ip inet DEFAULT NULL,
  p_user_agent text DEFAULT NULL,
  OUT status text, OUT ticket_id uuid, OUT ticket_number text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  k api_keys := api_key_current();
  v_user uuid;
  t tickets;
BEGIN
  IF k.id IS NULL OR NOT ('tickets:write' = ANY (k.scopes)) THEN
    status := 'not_allowed';
    RETURN;
  END IF;
  IF NOT EXISTS (SELECT FROM request_types rt WHERE rt.id = p_request_type AND rt.organization_id = k.organization_id
                   AND rt.default_routing <> 'internal') THEN
    status := 'invalid_request_type';
    RETURN;
  END IF;
  status := request_type_check(p_request_type, 'customer', p_event);
  IF status IS NOT NULL THEN
    RETURN;
  END IF;
  IF p_email IS NULL OR length(p_email) > 254 OR p_email !~ '^[^@\s]+@[^@\s]+$' OR p_email ~* '@api\.invalid$' THEN
    status := 'invalid_email';
    RETURN;
  END IF;
  v_user := customer_find_or_create(p_email, p_name);
  t := ticket_insert_from_request(v_user, p_request_type, p_title, p_description, p_custom_fields, p_event,
                                  'api', p_ip, p_user_agent, NULL, false, NULL, NULL);
  status := 'created';
  ticket_id := t.id;
  ticket_number := t.number;
END;
$$;
REVOKE EXECUTE ON FUNCTION api_ticket_create(citext, text, uuid, text, text, jsonb, uuid, inet, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api_ticket_create(citext, text, uuid, text, text, jsonb, uuid, inet, text) TO supportdesk_app;
