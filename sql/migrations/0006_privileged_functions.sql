-- 0006_privileged_functions.sql: the SECURITY DEFINER API for transitions the
-- application role may not perform with plain DML: anonymous submissions and
-- their verification, customer creation, customer ticket actions, login
-- lookups, blobs and the outbox.
--
-- Every function here:
--   * runs as the owner with search_path pinned to public, pg_temp;
--   * checks its own preconditions (the caller's identity from app.user_id,
--     expiry, single use, role);
--   * reports expected failures as a status code, not an exception, so the C
--     code can render a clear page; exceptions mean bugs or constraint
--     violations;
--   * is EXECUTE-able by supportdesk_app only (PUBLIC revoked by the default
--     privileges set in 0001, granted at the end of this file).

-- ---------------------------------------------------------------------------
-- Users
-- ---------------------------------------------------------------------------

-- Find or create a customer by email. Never downgrades or reveals anything;
-- fills the name only when it was empty.
CREATE FUNCTION customer_find_or_create(p_email citext, p_name text DEFAULT NULL) RETURNS uuid
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  INSERT INTO users AS u (email, name)
  VALUES (btrim(p_email), nullif(btrim(p_name), ''))
  ON CONFLICT (email) DO UPDATE SET name = coalesce(u.name, excluded.name)
  RETURNING u.id
$$;

-- Internal: mark an email verified (only called by functions that proved it).
CREATE FUNCTION user_mark_email_verified(p_user uuid) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = p_user
$$;

-- The acting user proved control of their email (e.g. via a login link the C
-- code verified): mark it verified.
CREATE FUNCTION app_user_confirm_email() RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF app_user_id() IS NULL THEN
    RETURN false;
  END IF;
  PERFORM user_mark_email_verified(app_user_id());
  RETURN true;
END;
$$;

-- Login: the one place the password hash leaves the database (for
-- crypto_pwhash_str_verify in C). Returns no row for an unknown email; the C
-- code must still spend the same time (dummy verify) to keep timing equal.
CREATE FUNCTION auth_login_lookup(p_email citext)
RETURNS TABLE (user_id uuid, password_hash text, is_active boolean, email_verified boolean,
               platform_role text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT id, password_hash, is_active, email_verified_at IS NOT NULL, platform_role
  FROM users WHERE email = p_email
$$;

-- Set the acting user's password hash (crypto_pwhash_str output from C).
CREATE FUNCTION app_user_set_password(p_hash text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF app_user_id() IS NULL OR p_hash IS NULL OR p_hash NOT LIKE '$argon2id$%' THEN
    RETURN false;
  END IF;
  UPDATE users SET password_hash = p_hash WHERE id = app_user_id() AND is_active;
  RETURN FOUND;
END;
$$;

-- Platform admins grant platform roles and (de)activate users: these columns
-- are not writable by the app role directly.
CREATE FUNCTION platform_user_update(p_user uuid, p_platform_role text, p_is_active boolean) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NOT app_is_platform_admin() THEN
    RETURN 'forbidden';
  END IF;
  IF p_platform_role IS NOT NULL AND p_platform_role NOT IN ('agent', 'admin') THEN
    RETURN 'invalid';
  END IF;
  IF p_user = app_user_id() AND (p_platform_role IS DISTINCT FROM 'admin' OR NOT p_is_active) THEN
    RETURN 'cannot_demote_self';
  END IF;
  UPDATE users SET platform_role = p_platform_role, is_active = p_is_active WHERE id = p_user;
  RETURN CASE WHEN FOUND THEN 'ok' ELSE 'not_found' END;
END;
$$;

-- ---------------------------------------------------------------------------
-- Blobs: store attachment bytes, deduplicated by sha256, verified here.
-- ---------------------------------------------------------------------------
CREATE FUNCTION attachment_blob_put(p_sha256 bytea, p_data bytea) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF p_sha256 IS NULL OR p_data IS NULL OR sha256(p_data) <> p_sha256 THEN
    RETURN 'hash_mismatch';
  END IF;
  IF length(p_data) > (setting('attachment_max_bytes'))::bigint THEN
    RETURN 'too_large';
  END IF;
  INSERT INTO attachment_blobs (sha256, data, size_bytes)
  VALUES (p_sha256, p_data, length(p_data))
  ON CONFLICT (sha256) DO NOTHING;
  RETURN 'ok';
END;
$$;

-- Scheduler job: delete blobs no attachment or live submission references.
CREATE FUNCTION attachment_blobs_gc(p_older_than interval DEFAULT '1 day') RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH gone AS (
    DELETE FROM attachment_blobs b
    WHERE b.created_at < now() - p_older_than
      AND NOT EXISTS (SELECT FROM attachments a WHERE a.sha256 = b.sha256)
      AND NOT EXISTS (SELECT FROM submissions s, jsonb_array_elements(s.attachment_refs) r
                      WHERE s.used_at IS NULL AND s.expires_at > now()
                        AND r->>'sha256' = encode(b.sha256, 'hex'))
    RETURNING 1)
  SELECT count(*) FROM gone
$$;

-- ---------------------------------------------------------------------------
-- Submit form (anonymous): the allowed request types, their fields, events.
-- ---------------------------------------------------------------------------

-- p_role: 'anonymous' | 'customer' | 'agent' | 'admin'.
CREATE FUNCTION submit_form_request_types(p_role text DEFAULT 'anonymous', p_org uuid DEFAULT NULL)
RETURNS TABLE (id uuid, organization_id uuid, name text, description text, category_id uuid,
               default_priority text, requires_event boolean, sort_order integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT rt.id, rt.organization_id, rt.name, rt.description, rt.category_id, rt.default_priority,
         rt.requires_event, rt.sort_order
  FROM request_types rt
  LEFT JOIN organizations o ON o.id = rt.organization_id
  WHERE rt.is_active AND p_role = ANY (rt.allowed_roles)
    AND (rt.organization_id IS NULL OR o.is_active)
    AND (p_org IS NULL OR rt.organization_id IS NULL OR rt.organization_id = p_org)
  ORDER BY rt.sort_order, rt.name
$$;

-- The fields shown for a request type to a role, frontend (the public and
-- customer forms) or backend (the staff workspace). A field with no rule is
-- shown everywhere; with rules, any matching rule shows it.
CREATE FUNCTION submit_form_fields(p_request_type uuid, p_role text DEFAULT 'anonymous',
                                   p_backend boolean DEFAULT false)
RETURNS TABLE (id uuid, field_key text, label text, description text, field_type text, is_required boolean,
               default_value text, placeholder text, options jsonb, validation_rules jsonb, sort_order integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT f.id, f.field_key, f.label, f.description, f.field_type, f.is_required, f.default_value,
         f.placeholder, f.options, f.validation_rules, f.sort_order
  FROM request_types rt
  JOIN field_definitions f
    ON f.is_active AND (f.organization_id IS NULL OR f.organization_id = rt.organization_id)
  WHERE rt.id = p_request_type AND rt.is_active
    AND (NOT EXISTS (SELECT FROM field_visibility_rules r WHERE r.field_definition_id = f.id)
         OR EXISTS (SELECT FROM field_visibility_rules r
                    WHERE r.field_definition_id = f.id
                      AND (cardinality(r.request_type_ids) = 0 OR p_request_type = ANY (r.request_type_ids))
                      AND (cardinality(r.user_roles) = 0 OR p_role = ANY (r.user_roles))
                      AND CASE WHEN p_backend THEN r.show_on_backend ELSE r.show_on_frontend END))
  ORDER BY f.sort_order, f.label
$$;

-- Options of dropdown_dynamic_event: upcoming active events of the type's
-- organization (all organizations' for a global type).
CREATE FUNCTION submit_form_events(p_request_type uuid)
RETURNS TABLE (id uuid, name text, starts_at timestamptz, location text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT e.id, e.name, e.starts_at, e.location
  FROM request_types rt
  JOIN events e ON e.is_active AND e.starts_at > now() - interval '30 days'
                AND (rt.organization_id IS NULL OR e.organization_id = rt.organization_id)
  WHERE rt.id = p_request_type
  ORDER BY e.starts_at
  LIMIT 200
$$;

-- ---------------------------------------------------------------------------
-- Ticket creation shared by the verified-submission and signed-in paths.
-- Routing, priority and category come from the request type; the team from
-- the routing organization's settings.
-- ---------------------------------------------------------------------------
CREATE FUNCTION ticket_insert_from_request(
  p_requester uuid, p_request_type uuid, p_title text, p_description text, p_custom_fields jsonb,
  p_event uuid, p_source text, p_ip inet, p_user_agent text, p_spam_score numeric,
  p_captcha boolean, p_submission uuid, p_idempotency_key text) RETURNS tickets
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  rt   request_types;
  t    tickets;
  prev text := current_setting('app.user_id', true);
BEGIN
  SELECT * INTO rt FROM request_types WHERE id = p_request_type;
  -- The audit row's actor is the requester, whoever is signed in (nobody, for
  -- a verification link). Restored below.
  PERFORM set_config('app.user_id', p_requester::text, true);
  INSERT INTO tickets (requester_id, organization_id, routing_type, assigned_org_id, team_id,
                       title, description, request_type_id, category_id, event_id, priority, status,
                       source, ip_address, user_agent, custom_fields, spam_score, captcha_verified,
                       submission_id, idempotency_key)
  VALUES (p_requester, rt.organization_id, rt.default_routing,
          CASE WHEN rt.default_routing <> 'internal' THEN rt.organization_id END,
          (SELECT s.default_team_id FROM organization_settings s
           WHERE s.organization_id = rt.organization_id AND rt.default_routing <> 'internal'),
          btrim(p_title), p_description, rt.id, rt.category_id, p_event, rt.default_priority, 'new',
          p_source, p_ip, p_user_agent, coalesce(p_custom_fields, '{}'), p_spam_score, coalesce(p_captcha, false),
          p_submission, p_idempotency_key)
  RETURNING * INTO t;
  PERFORM set_config('app.user_id', coalesce(prev, ''), true);
  RETURN t;
END;
$$;
REVOKE EXECUTE ON FUNCTION ticket_insert_from_request(uuid, uuid, text, text, jsonb, uuid, text, inet, text,
                                                     numeric, boolean, uuid, text) FROM PUBLIC;

-- Checks shared by both creation paths. NULL = fine, else a status code.
CREATE FUNCTION request_type_check(p_request_type uuid, p_role text, p_event uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
  LEFT JOIN organizations o ON o.id = rt.organization_id
$$;

-- ---------------------------------------------------------------------------
-- Public submission, step 1: store it with the token hash.
-- status: 'created' | 'duplicate' (same idempotency key; no new email needed)
--       | 'invalid_request_type' | 'request_type_not_allowed' | 'event_required'
--       | 'invalid_event' | 'invalid_token' | 'invalid_attachments' | 'too_many_attachments'
-- ---------------------------------------------------------------------------
CREATE FUNCTION submission_create(
  p_email citext, p_name text, p_request_type uuid, p_title text, p_description text,
  p_form_data jsonb, p_attachment_refs jsonb, p_token_hash bytea, p_ip inet,
  p_user_agent text DEFAULT NULL, p_idempotency_key text DEFAULT NULL, p_event uuid DEFAULT NULL,
  p_spam_score numeric DEFAULT NULL, p_captcha_verified boolean DEFAULT false,
  OUT status text, OUT submission_id uuid, OUT expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_refs jsonb := coalesce(p_attachment_refs, '[]');
BEGIN
  IF p_idempotency_key IS NOT NULL THEN
    SELECT 'duplicate', s.id, s.expires_at INTO status, submission_id, expires_at
    FROM submissions s WHERE s.idempotency_key = p_idempotency_key;
    IF FOUND THEN
      RETURN;
    END IF;
  END IF;
  IF p_token_hash IS NULL OR length(p_token_hash) <> 32 THEN
    status := 'invalid_token';
    RETURN;
  END IF;
  status := request_type_check(p_request_type, 'anonymous', p_event);
  IF status IS NOT NULL THEN
    RETURN;
  END IF;
  IF jsonb_typeof(v_refs) <> 'array' THEN
    status := 'invalid_attachments';
    RETURN;
  END IF;
  IF jsonb_array_length(v_refs) > (setting('attachment_max_per_message'))::int THEN
    status := 'too_many_attachments';
    RETURN;
  END IF;
  -- Every reference must name a stored blob of the declared size and an allowed type.
  IF EXISTS (SELECT FROM jsonb_array_elements(v_refs) r
             WHERE r->>'sha256' !~ '^[0-9a-f]{64}$'
                OR NOT (setting('attachment_allowed_types') ? (r->>'content_type'))
                OR coalesce(length(r->>'file_name'), 0) NOT BETWEEN 1 AND 255
                OR NOT EXISTS (SELECT FROM attachment_blobs b
                               WHERE b.sha256 = decode(r->>'sha256', 'hex')
                                 AND b.size_bytes = (r->>'size_bytes')::bigint)) THEN
    status := 'invalid_attachments';
    RETURN;
  END IF;

  INSERT INTO submissions AS s (email, name, request_type_id, title, description, event_id, form_data,
                                attachment_refs, token_hash, expires_at, ip_address, user_agent,
                                idempotency_key, spam_score, captcha_verified)
  VALUES (btrim(p_email), nullif(btrim(p_name), ''), p_request_type, btrim(p_title), p_description, p_event,
          coalesce(p_form_data, '{}'), v_refs, p_token_hash,
          now() + make_interval(mins => (setting('submission_ttl_minutes'))::int),
          p_ip, p_user_agent, p_idempotency_key, p_spam_score, coalesce(p_captcha_verified, false))
  RETURNING 'created', s.id, s.expires_at INTO status, submission_id, expires_at;
END;
$$;

-- GET /verify/{token}: what the page should say, without consuming anything
-- (mail scanners fetch links). 'valid' | 'used' | 'expired' | 'locked' | 'unknown'.
CREATE FUNCTION submission_peek(p_token_hash bytea) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce((
    SELECT CASE WHEN s.used_at IS NOT NULL THEN 'used'
                WHEN s.attempts >= (setting('submission_max_attempts'))::int THEN 'locked'
                WHEN s.expires_at <= now() THEN 'expired'
                ELSE 'valid' END
    FROM submissions s WHERE s.token_hash = p_token_hash), 'unknown')
$$;

-- ---------------------------------------------------------------------------
-- Public submission, step 2 (POST /verify/{token}): consume the token once and
-- create the ticket, finding or creating the customer by email.
--
-- status: 'created'  ticket made now (ticket_id/number/user_id set)
--         'used'     already consumed (ticket_id/number of that ticket set)
--         'expired'  past expires_at
--         'locked'   too many attempts
--         'unknown'  no such token
--         'invalid_request_type' | ... the type was disabled meanwhile
--
-- Concurrency: the submission row is locked FOR UPDATE, so a second consumer
-- waits, then sees used_at and gets 'used'; tickets.submission_id is UNIQUE as
-- a second line of defence. Attempts are counted and persisted (no exception,
-- so the runner's transaction commits the increment).
-- ---------------------------------------------------------------------------
CREATE FUNCTION submission_verify(p_token_hash bytea,
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
  UPDATE submissions SET attempts = attempts + 1 WHERE id = s.id;
  IF s.used_at IS NOT NULL THEN
    SELECT 'used', tk.id, tk.number, tk.requester_id INTO status, ticket_id, ticket_number, user_id
    FROM tickets tk WHERE tk.id = s.ticket_id;
    RETURN;
  END IF;
  IF s.attempts >= (setting('submission_max_attempts'))::int THEN
    status := 'locked';
    RETURN;
  END IF;
  IF s.expires_at <= now() THEN
    status := 'expired';
    RETURN;
  END IF;
  status := request_type_check(s.request_type_id, 'anonymous', s.event_id);
  IF status IS NOT NULL THEN
    RETURN;
  END IF;

  user_id := customer_find_or_create(s.email, s.name);
  PERFORM user_mark_email_verified(user_id);
  t := ticket_insert_from_request(user_id, s.request_type_id, s.title, s.description, s.form_data, s.event_id,
                                  'web', s.ip_address, s.user_agent, s.spam_score, s.captcha_verified, s.id, NULL);
  FOR r IN SELECT value FROM jsonb_array_elements(s.attachment_refs) LOOP
    INSERT INTO attachments (ticket_id, file_name, content_type, size_bytes, sha256, uploaded_by)
    VALUES (t.id, r->>'file_name', r->>'content_type', (r->>'size_bytes')::bigint,
            decode(r->>'sha256', 'hex'), user_id);
  END LOOP;
  UPDATE submissions SET used_at = now(), ticket_id = t.id WHERE id = s.id;
  status := 'created';
  ticket_id := t.id;
  ticket_number := t.number;
END;
$$;

-- Scheduler job: forget unconsumed submissions a day after they expired.
CREATE FUNCTION submissions_purge(p_grace interval DEFAULT '1 day') RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH gone AS (DELETE FROM submissions WHERE used_at IS NULL AND expires_at < now() - p_grace RETURNING 1)
  SELECT count(*) FROM gone
$$;

-- ---------------------------------------------------------------------------
-- Signed-in customer with a verified email: the ticket is created at once.
-- status: 'created' | 'duplicate' (same idempotency key: the first ticket)
--       | 'not_signed_in' | 'email_not_verified' | request_type_check codes
-- ---------------------------------------------------------------------------
CREATE FUNCTION ticket_create_for_customer(
  p_request_type uuid, p_title text, p_description text, p_custom_fields jsonb DEFAULT '{}',
  p_event uuid DEFAULT NULL, p_source text DEFAULT 'portal', p_ip inet DEFAULT NULL,
  p_user_agent text DEFAULT NULL, p_idempotency_key text DEFAULT NULL,
  OUT status text, OUT ticket_id uuid, OUT ticket_number text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_user uuid := app_user_id();
  u      users;
  t      tickets;
BEGIN
  SELECT * INTO u FROM users WHERE id = v_user;
  IF v_user IS NULL OR NOT FOUND OR NOT u.is_active THEN
    status := 'not_signed_in';
    RETURN;
  END IF;
  IF u.email_verified_at IS NULL THEN
    status := 'email_not_verified';
    RETURN;
  END IF;
  IF p_idempotency_key IS NOT NULL THEN
    SELECT 'duplicate', tk.id, tk.number INTO status, ticket_id, ticket_number
    FROM tickets tk WHERE tk.idempotency_key = p_idempotency_key AND tk.requester_id = v_user;
    IF FOUND THEN
      RETURN;
    END IF;
  END IF;
  status := request_type_check(p_request_type, 'customer', p_event);
  IF status IS NOT NULL THEN
    RETURN;
  END IF;
  t := ticket_insert_from_request(v_user, p_request_type, p_title, p_description, p_custom_fields, p_event,
                                  coalesce(p_source, 'portal'), p_ip, p_user_agent, NULL, false, NULL,
                                  p_idempotency_key);
  status := 'created';
  ticket_id := t.id;
  ticket_number := t.number;
END;
$$;

-- ---------------------------------------------------------------------------
-- Customer actions on their own ticket. Customers cannot UPDATE tickets
-- directly (no policy), so these are the only ways.
-- status: 'ok' | 'not_found' (not theirs: same answer as nonexistent) | 'invalid_state'
-- ---------------------------------------------------------------------------
CREATE FUNCTION customer_ticket_close(p_ticket uuid) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_status text;
BEGIN
  SELECT status INTO v_status FROM tickets
  WHERE id = p_ticket AND requester_id = app_user_id() FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 'not_found';
  ELSIF v_status IN ('closed', 'cancelled') THEN
    RETURN 'invalid_state';
  END IF;
  UPDATE tickets SET status = 'closed' WHERE id = p_ticket;
  RETURN 'ok';
END;
$$;

CREATE FUNCTION customer_ticket_reopen(p_ticket uuid) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_status text;
BEGIN
  SELECT status INTO v_status FROM tickets
  WHERE id = p_ticket AND requester_id = app_user_id() FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 'not_found';
  ELSIF v_status NOT IN ('resolved', 'closed') THEN
    RETURN 'invalid_state';
  END IF;
  UPDATE tickets SET status = 'open' WHERE id = p_ticket;
  RETURN 'ok';
END;
$$;

CREATE FUNCTION customer_ticket_rate(p_ticket uuid, p_rating integer, p_comment text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_status text;
BEGIN
  IF p_rating IS NULL OR p_rating NOT BETWEEN 1 AND 5 THEN
    RETURN 'invalid';
  END IF;
  SELECT status INTO v_status FROM tickets
  WHERE id = p_ticket AND requester_id = app_user_id() FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 'not_found';
  ELSIF v_status NOT IN ('resolved', 'closed') THEN
    RETURN 'invalid_state';
  END IF;
  UPDATE tickets SET satisfaction_rating = p_rating, satisfaction_comment = nullif(btrim(p_comment), ''),
                     satisfaction_submitted_at = now()
  WHERE id = p_ticket;
  RETURN 'ok';
END;
$$;

-- Staff used a canned response: bump its counters (agents may not UPDATE
-- shared responses). Returns false when the caller cannot see it.
CREATE FUNCTION canned_response_use(p_id uuid) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE canned_responses c SET usage_count = usage_count + 1, last_used_at = now()
  WHERE c.id = p_id AND c.is_active
    AND (app_is_platform_staff() OR c.organization_id = ANY (app_staff_org_ids())
         OR (c.organization_id IS NULL AND cardinality(app_staff_org_ids()) > 0));
  RETURN FOUND;
END;
$$;

-- ---------------------------------------------------------------------------
-- Outbox
-- ---------------------------------------------------------------------------

-- Enqueue one email in the caller's transaction. Either subject+text (and
-- optional html) or a template name + data. A repeated dedupe_key returns the
-- existing row instead of a second email.
CREATE FUNCTION outbox_enqueue(p_to citext, p_subject text, p_text text, p_html text DEFAULT NULL,
                               p_template text DEFAULT NULL, p_data jsonb DEFAULT '{}',
                               p_ticket uuid DEFAULT NULL, p_user uuid DEFAULT NULL,
                               p_dedupe_key text DEFAULT NULL, p_to_name text DEFAULT NULL) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_id uuid;
BEGIN
  INSERT INTO outbox (to_email, to_name, subject, body_text, body_html, template, template_data,
                      ticket_id, user_id, dedupe_key)
  VALUES (btrim(p_to), p_to_name, p_subject, p_text, p_html, p_template, coalesce(p_data, '{}'),
          p_ticket, p_user, p_dedupe_key)
  ON CONFLICT (dedupe_key) DO NOTHING
  RETURNING id INTO v_id;
  IF v_id IS NULL THEN
    SELECT id INTO v_id FROM outbox WHERE dedupe_key = p_dedupe_key;
  END IF;
  RETURN v_id;
END;
$$;

-- Mailer: lease up to p_limit due rows (pending, or sending with an expired
-- lease after a crash). SKIP LOCKED lets several mailers run side by side.
CREATE FUNCTION outbox_claim(p_limit integer DEFAULT 20, p_lease interval DEFAULT '5 minutes')
RETURNS SETOF outbox
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH due AS (
    SELECT id FROM outbox
    WHERE (status = 'pending' AND next_attempt_at <= now())
       OR (status = 'sending' AND locked_until < now())
    ORDER BY next_attempt_at
    LIMIT greatest(p_limit, 0)
    FOR UPDATE SKIP LOCKED)
  UPDATE outbox o SET status = 'sending', attempts = o.attempts + 1, locked_until = now() + p_lease
  FROM due WHERE o.id = due.id
  RETURNING o.*
$$;

CREATE FUNCTION outbox_mark_sent(p_id uuid) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  UPDATE outbox SET status = 'sent', sent_at = now(), locked_until = NULL, last_error = NULL
  WHERE id = p_id AND status = 'sending'
  RETURNING true
$$;

-- Failure: retry with exponential backoff (1 min, 2, 4 ... capped at 6 h)
-- until outbox_max_attempts, then 'failed' for good.
CREATE FUNCTION outbox_mark_failed(p_id uuid, p_error text) RETURNS text
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  UPDATE outbox SET
    status = CASE WHEN attempts >= (setting('outbox_max_attempts'))::int THEN 'failed' ELSE 'pending' END,
    next_attempt_at = now() + least(interval '6 hours', interval '1 minute' * power(2, greatest(attempts - 1, 0))),
    locked_until = NULL,
    last_error = left(p_error, 2000)
  WHERE id = p_id AND status = 'sending'
  RETURNING status
$$;

-- ---------------------------------------------------------------------------
-- EXECUTE for the application role (PUBLIC has none, see 0001).
-- ---------------------------------------------------------------------------
GRANT EXECUTE ON FUNCTION
  customer_find_or_create(citext, text),
  app_user_confirm_email(),
  auth_login_lookup(citext),
  app_user_set_password(text),
  platform_user_update(uuid, text, boolean),
  attachment_blob_put(bytea, bytea),
  submit_form_request_types(text, uuid),
  submit_form_fields(uuid, text, boolean),
  submit_form_events(uuid),
  submission_create(citext, text, uuid, text, text, jsonb, jsonb, bytea, inet, text, text, uuid, numeric, boolean),
  submission_peek(bytea),
  submission_verify(bytea),
  ticket_create_for_customer(uuid, text, text, jsonb, uuid, text, inet, text, text),
  customer_ticket_close(uuid),
  customer_ticket_reopen(uuid),
  customer_ticket_rate(uuid, integer, text),
  canned_response_use(uuid),
  outbox_enqueue(citext, text, text, text, text, jsonb, uuid, uuid, text, text),
  outbox_claim(integer, interval),
  outbox_mark_sent(uuid),
  outbox_mark_failed(uuid, text),
  -- read-only SLA arithmetic, handy for the desk's clocks
  sla_add_minutes(timestamptz, integer, boolean, jsonb, text),
  sla_minutes_between(timestamptz, timestamptz, boolean, jsonb, text),
  sla_day_window(date, jsonb, text)
TO supportdesk_app;
-- attachment_blobs_gc and submissions_purge are for the scheduler, which runs
-- as the owner.
