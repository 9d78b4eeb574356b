-- 0017_plpgsql_hot_functions.sql: the same functions, cheaper to call.
--
-- A LANGUAGE sql function that PostgreSQL cannot inline (every SECURITY
-- DEFINER one, and any with a FROM clause) is parsed, analysed and planned
-- again at every call: nothing is cached across calls. A full public
-- submission called about thirty of them (setting() alone six times, the
-- row-level security helpers once per statement on every policy-protected
-- table, the audit log once per row), and profiling put about half of
-- PostgreSQL's CPU time per submission in fmgr_sql. PL/pgSQL prepares each
-- statement once per connection and reuses the plan.
--
-- Each function below keeps its signature, volatility, SECURITY DEFINER,
-- search_path, grants and result (a single-row SELECT that finds nothing
-- still returns NULL); only the language changes. One claim changes its
-- plan, not its meaning: outbox_claim (see there).

-- ---------------------------------------------------------------------------
-- 0001: settings and the request-context helpers of every policy
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION setting(p_key text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN (SELECT value FROM system_settings WHERE key = p_key);
END;
$$;

CREATE OR REPLACE FUNCTION app_platform_role() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN (SELECT u.platform_role FROM users u WHERE u.id = app_user_id() AND u.is_active);
END;
$$;

CREATE OR REPLACE FUNCTION app_is_platform_staff() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN coalesce(app_platform_role() IS NOT NULL, false);
END;
$$;

CREATE OR REPLACE FUNCTION app_is_platform_admin() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN coalesce(app_platform_role() = 'admin', false);
END;
$$;

CREATE OR REPLACE FUNCTION app_staff_org_ids() RETURNS uuid[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN (SELECT coalesce(array_agg(m.organization_id), '{}')
          FROM memberships m
          JOIN organizations o ON o.id = m.organization_id AND o.is_active
          JOIN users u ON u.id = m.user_id AND u.is_active
          WHERE m.user_id = app_user_id() AND m.is_active);
END;
$$;

CREATE OR REPLACE FUNCTION app_admin_org_ids() RETURNS uuid[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN (SELECT coalesce(array_agg(m.organization_id), '{}')
          FROM memberships m
          JOIN organizations o ON o.id = m.organization_id AND o.is_active
          JOIN users u ON u.id = m.user_id AND u.is_active
          WHERE m.user_id = app_user_id() AND m.is_active AND m.role = 'admin');
END;
$$;

CREATE OR REPLACE FUNCTION app_is_org_member(p_org uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN p_org = ANY (app_staff_org_ids());
END;
$$;

CREATE OR REPLACE FUNCTION app_is_org_admin(p_org uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN p_org = ANY (app_admin_org_ids());
END;
$$;

-- ---------------------------------------------------------------------------
-- 0003: the SLA policy of a ticket, the audit log, staff of a ticket
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION sla_policy_for(p_routing text, p_assigned_org uuid, p_priority text) RETURNS sla_policies
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v sla_policies;
BEGIN
  SELECT p.* INTO v
  FROM sla_policies p
  WHERE p.priority = p_priority AND p.is_active
    AND (p.organization_id IS NULL
         OR p.organization_id = CASE WHEN p_routing = 'internal'
                                     THEN (SELECT id FROM organizations WHERE is_platform)
                                     ELSE p_assigned_org END)
  ORDER BY p.organization_id NULLS LAST
  LIMIT 1;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  RETURN v;
END;
$$;

CREATE OR REPLACE FUNCTION ticket_activity_log(p_ticket uuid, p_type text, p_description text, p_internal boolean,
                                               p_field text DEFAULT NULL, p_old text DEFAULT NULL,
                                               p_new text DEFAULT NULL, p_metadata jsonb DEFAULT '{}') RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO ticket_activity (ticket_id, actor_id, activity_type, description, field_changed,
                               old_value, new_value, is_internal, ip_address, request_id, metadata)
  VALUES (p_ticket, app_user_id(), p_type, p_description, p_field, p_old, p_new, p_internal,
          app_ip(), app_request_id(), coalesce(p_metadata, '{}'));
END;
$$;

CREATE OR REPLACE FUNCTION is_ticket_staff(p_user uuid, p_ticket tickets) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN EXISTS (SELECT FROM users u WHERE u.id = p_user AND u.is_active AND u.platform_role IS NOT NULL)
      OR (p_ticket.routing_type <> 'internal' AND EXISTS (
            SELECT FROM memberships m
            WHERE m.user_id = p_user AND m.organization_id = p_ticket.assigned_org_id AND m.is_active));
END;
$$;

-- ---------------------------------------------------------------------------
-- 0006: customers, sign-in lookup, the public submission
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION customer_find_or_create(p_email citext, p_name text DEFAULT NULL) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_id uuid;
BEGIN
  INSERT INTO users AS u (email, name)
  VALUES (btrim(p_email), nullif(btrim(p_name), ''))
  ON CONFLICT (email) DO UPDATE SET name = coalesce(u.name, excluded.name)
  RETURNING u.id INTO v_id;
  RETURN v_id;
END;
$$;

CREATE OR REPLACE FUNCTION user_mark_email_verified(p_user uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = p_user;
END;
$$;

CREATE OR REPLACE FUNCTION auth_login_lookup(p_email citext)
RETURNS TABLE (user_id uuid, password_hash text, is_active boolean, email_verified boolean,
               platform_role text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN QUERY
  SELECT u.id, u.password_hash, u.is_active, u.email_verified_at IS NOT NULL, u.platform_role
  FROM users u WHERE u.email = p_email;
END;
$$;

CREATE OR REPLACE FUNCTION request_type_check(p_request_type uuid, p_role text, p_event uuid) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN (
    SELECT CASE
      WHEN rt.id IS NULL OR NOT rt.is_active OR (o.id IS NOT NULL AND NOT o.is_active) THEN 'invalid_request_type'
      WHEN NOT (p_role = ANY (rt.allowed_roles)) THEN 'request_type_not_allowed'
      WHEN rt.requires_event AND p_event IS NULL THEN 'event_required'
      WHEN p_event IS NOT NULL AND NOT EXISTS (
             SELECT FROM events e WHERE e.id = p_event AND e.is_active
               AND (rt.organization_id IS NULL OR e.organization_id = rt.organization_id)) THEN 'invalid_event'
    END
    FROM (SELECT 1) one
    LEFT JOIN request_types rt ON rt.id = p_request_type
    LEFT JOIN organizations o ON o.id = rt.organization_id);
END;
$$;

CREATE OR REPLACE FUNCTION submission_peek(p_token_hash bytea) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN coalesce((
    SELECT CASE WHEN s.used_at IS NOT NULL THEN 'used'
                WHEN s.attempts >= (setting('submission_max_attempts'))::int THEN 'locked'
                WHEN s.expires_at <= now() THEN 'expired'
                ELSE 'valid' END
    FROM submissions s WHERE s.token_hash = p_token_hash), 'unknown');
END;
$$;

-- ---------------------------------------------------------------------------
-- The outbox: the mailer claims one row at a time, then marks it sent.
--
-- The claim used to find due rows with one OR over both partial indexes,
-- which PostgreSQL answers with a bitmap scan: a bitmap scan never marks
-- index entries whose rows are dead, and every row the mailer has sent
-- leaves a dead entry in outbox_pending_idx until VACUUM. Under a burst each
-- claim revisited every row sent since the last VACUUM (1.5 ms per claim
-- after 2,000 emails). Two ordered index scans instead, which mark dead
-- entries as they pass them so that the next claim skips them: first the
-- expired leases (a mailer died mid-delivery; they are the longest overdue),
-- then pending rows by due time, up to p_limit in all. The rows leased and
-- what is done to them are the same as before.
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION outbox_claim(p_limit integer DEFAULT 20, p_lease interval DEFAULT '5 minutes')
RETURNS SETOF outbox
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_limit integer := greatest(p_limit, 0);
  v_n     integer;
BEGIN
  RETURN QUERY
  WITH due AS (
    SELECT id FROM outbox
    WHERE status = 'sending' AND locked_until < now()
    ORDER BY locked_until
    LIMIT v_limit
    FOR UPDATE SKIP LOCKED)
  UPDATE outbox o SET status = 'sending', attempts = o.attempts + 1, locked_until = now() + p_lease
  FROM due WHERE o.id = due.id
  RETURNING o.*;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  IF v_n < v_limit THEN
    RETURN QUERY
    WITH due AS (
      SELECT id FROM outbox
      WHERE status = 'pending' AND next_attempt_at <= now()
      ORDER BY next_attempt_at
      LIMIT v_limit - v_n
      FOR UPDATE SKIP LOCKED)
    UPDATE outbox o SET status = 'sending', attempts = o.attempts + 1, locked_until = now() + p_lease
    FROM due WHERE o.id = due.id
    RETURNING o.*;
  END IF;
END;
$$;

CREATE OR REPLACE FUNCTION outbox_mark_sent(p_id uuid) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_done boolean;
BEGIN
  UPDATE outbox SET status = 'sent', sent_at = now(), locked_until = NULL, last_error = NULL,
                    body_text = '', body_html = NULL, template_data = '{}', sealed = false
  WHERE id = p_id AND status = 'sending'
  RETURNING true INTO v_done;
  RETURN v_done;
END;
$$;

-- ---------------------------------------------------------------------------
-- 0015: the portal's search words (every GET /my/tickets calls it, twice)
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION portal_tsquery(p_q text) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  RETURN (
    SELECT nullif(string_agg('''' || replace(replace(w, '\', '\\'), '''', '''''') || ''':*', ' & '), '')::tsquery
    FROM (SELECT w FROM unnest(tsvector_to_array(to_tsvector('simple', left(coalesce(p_q, ''), 500)))) w
          ORDER BY length(w) DESC, w LIMIT 8) words);
END;
$$;

-- ---------------------------------------------------------------------------
-- POST /verify/{token}: fewer statements for the same rows.
--
-- A confirmed submission wrote the submission row twice (the attempt, then
-- used_at and the ticket) and the customer's row twice (find or create,
-- then email_verified_at), and every such UPDATE pays for the table's CHECK
-- constraints, its indexes and its updated_at trigger. Now the attempt is
-- counted by the same UPDATE that consumes the token, and the customer is
-- found or created already verified in one upsert; each refusal still
-- counts its attempt on its own, as before. The rows end as they did:
-- attempts + 1, used_at, ticket_id; the name filled only when empty,
-- email_verified_at set only when unset.
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION submission_verify(p_token_hash bytea,
  OUT status text, OUT ticket_id uuid, OUT ticket_number text, OUT user_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  s submissions;
  t tickets;
  r jsonb;
BEGIN
  SELECT * INTO s FROM submissions WHERE token_hash = p_token_hash FOR UPDATE;
  IF NOT FOUND THEN
    status := 'unknown';
    RETURN;
  END IF;
  IF s.used_at IS NOT NULL THEN
    UPDATE submissions SET attempts = attempts + 1 WHERE id = s.id;
    SELECT 'used', tk.id, tk.number, tk.requester_id INTO status, ticket_id, ticket_number, user_id
    FROM tickets tk WHERE tk.id = s.ticket_id;
    RETURN;
  END IF;
  IF s.attempts >= (setting('submission_max_attempts'))::int THEN
    UPDATE submissions SET attempts = attempts + 1 WHERE id = s.id;
    status := 'locked';
    RETURN;
  END IF;
  IF s.expires_at <= now() THEN
    UPDATE submissions SET attempts = attempts + 1 WHERE id = s.id;
    status := 'expired';
    RETURN;
  END IF;
  status := request_type_check(s.request_type_id, 'anonymous', s.event_id);
  IF status IS NOT NULL THEN
    UPDATE submissions SET attempts = attempts + 1 WHERE id = s.id;
    RETURN;
  END IF;

  -- customer_find_or_create() and user_mark_email_verified() in one.
  INSERT INTO users AS u (email, name, email_verified_at)
  VALUES (btrim(s.email), nullif(btrim(s.name), ''), now())
  ON CONFLICT (email) DO UPDATE SET name = coalesce(u.name, excluded.name),
                                    email_verified_at = coalesce(u.email_verified_at, now())
  RETURNING u.id INTO user_id;
  t := ticket_insert_from_request(user_id, s.request_type_id, s.title, s.description, s.form_data, s.event_id,
                                  'web', s.ip_address, s.user_agent, s.spam_score, s.captcha_verified, s.id, NULL);
  FOR r IN SELECT value FROM jsonb_array_elements(s.attachment_refs) LOOP
    INSERT INTO attachments (ticket_id, file_name, content_type, size_bytes, sha256, uploaded_by)
    VALUES (t.id, r->>'file_name', r->>'content_type', (r->>'size_bytes')::bigint,
            decode(r->>'sha256', 'hex'), user_id);
  END LOOP;
  UPDATE submissions SET attempts = attempts + 1, used_at = now(), ticket_id = t.id WHERE id = s.id;
  status := 'created';
  ticket_id := t.id;
  ticket_number := t.number;
END;
$$;
