-- 0046_service_users_no_signin.sql: an API key's service user (0033,
-- users.is_service of 0042) never signs in to the web portals.
--
-- A service user is no person: its key authenticates it on /api/v1/
-- (api_key_authenticate, untouched here), and nothing else may. Yet it is a
-- users row like any other, so a password hash given to one (a benchmark
-- once did) signed it in at POST /login as its organization's agent, and
-- the link, reset and guest-access flows issued it links. Each function
-- those flows ask is replaced below by its latest body with the service
-- user left out, so that every caller is covered at once and the
-- application answers exactly as for an address nobody has (the same page,
-- status and work: src/pages/login.c verifies against its dummy hash and
-- queues nothing):
--
-- - auth_login_lookup (0017): POST /login, POST /login/link and POST
--   /password/forgot find no account;
-- - auth_signin_check (0013): a link or reset token issued before signs
--   nobody in, and GET /login does not take a session of one as signed in;
-- - app_user_set_password (0006) and auth_password_rehash (0013): no
--   password is stored for one, so a reset link already sent is spent for
--   nothing (the "dead link" answer);
-- - track_request (0015): guest access finds no ticket of one;
-- - admin_member_invite (0021): an invitation (a link to choose a password)
--   is not sent to one, nor is one made a member of another organization
--   ('invalid', as for an address that cannot be invited).
-- A session made for one before this migration is ended by the dispatcher
-- (src/app/dispatch.c, from user_access_get's is_service).
--
-- CREATE OR REPLACE keeps each function's owner, grants and revokes.

-- 0017's auth_login_lookup.
CREATE OR REPLACE FUNCTION auth_login_lookup(p_email citext)
RETURNS TABLE (user_id uuid, password_hash text, is_active boolean, email_verified boolean,
               platform_role text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN QUERY
  SELECT u.id, u.password_hash, u.is_active, u.email_verified_at IS NOT NULL, u.platform_role
  FROM users u WHERE u.email = p_email AND NOT u.is_service;
END;
$$;

-- 0013's auth_signin_check.
CREATE OR REPLACE FUNCTION auth_signin_check(p_email_proved boolean DEFAULT false,
                                             OUT may_sign_in boolean, OUT is_staff boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  u users;
BEGIN
  may_sign_in := false;
  is_staff := false;
  IF app_user_id() IS NULL THEN
    RETURN;
  END IF;
  SELECT * INTO u FROM users WHERE id = app_user_id();
  IF NOT FOUND OR NOT u.is_active OR u.is_service THEN
    RETURN;
  END IF;
  IF coalesce(p_email_proved, false) THEN
    PERFORM user_mark_email_verified(u.id);
  END IF;
  may_sign_in := true;
  is_staff := u.platform_role IS NOT NULL OR cardinality(app_staff_org_ids()) > 0;
END;
$$;

-- 0006's app_user_set_password.
CREATE OR REPLACE FUNCTION app_user_set_password(p_hash text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF app_user_id() IS NULL OR p_hash IS NULL OR p_hash NOT LIKE '$argon2id$%' THEN
    RETURN false;
  END IF;
  UPDATE users SET password_hash = p_hash WHERE id = app_user_id() AND is_active AND NOT is_service;
  RETURN FOUND;
END;
$$;

-- 0013's auth_password_rehash.
CREATE OR REPLACE FUNCTION auth_password_rehash(p_old text, p_new text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF app_user_id() IS NULL OR p_old IS NULL OR p_new IS NULL OR p_new NOT LIKE '$argon2id$%' THEN
    RETURN false;
  END IF;
  UPDATE users SET password_hash = p_new
  WHERE id = app_user_id() AND is_active AND NOT is_service AND password_hash = p_old;
  RETURN FOUND;
END;
$$;

-- 0015's track_request: the attempt is recorded whatever it finds, as
-- before.
CREATE OR REPLACE FUNCTION track_request(p_email citext, p_number text, p_ip inet DEFAULT NULL)
RETURNS TABLE (ticket_id uuid, ticket_number text, user_id uuid, email citext, name text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_ticket uuid;
  v_number text;
  v_user   uuid;
  v_email  citext;
  v_name   text;
BEGIN
  SELECT t.id, t.number, u.id, u.email, u.name INTO v_ticket, v_number, v_user, v_email, v_name
  FROM tickets t JOIN users u ON u.id = t.requester_id
  WHERE t.number = upper(btrim(p_number)) AND u.email = btrim(p_email)::citext AND u.is_active
    AND NOT u.is_service;
  INSERT INTO track_requests (ticket_id, ip_address) VALUES (v_ticket, p_ip);
  IF v_ticket IS NOT NULL THEN
    ticket_id := v_ticket;
    ticket_number := v_number;
    user_id := v_user;
    email := v_email;
    name := v_name;
    RETURN NEXT;
  END IF;
END;
$$;

-- 0021's admin_member_invite, refusing a service user as 'invalid'.
CREATE OR REPLACE FUNCTION admin_member_invite(p_org uuid, p_email citext, p_name text, p_role text)
RETURNS TABLE (outcome text, user_id uuid, user_created boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_user uuid;
  v_active boolean;
  v_service boolean;
  v_member uuid;
  v_member_active boolean;
  v_created boolean := false;
BEGIN
  IF NOT (app_is_org_admin(p_org) OR app_is_platform_admin()) THEN
    RETURN QUERY SELECT 'forbidden'::text, NULL::uuid, false; RETURN;
  END IF;
  IF NOT EXISTS (SELECT FROM organizations o WHERE o.id = p_org) THEN
    RETURN QUERY SELECT 'not_found'::text, NULL::uuid, false; RETURN;
  END IF;
  IF p_role IS NULL OR p_role NOT IN ('agent', 'admin') OR p_email IS NULL
     OR btrim(p_email) !~ '^[^@\s]+@[^@\s]+$' OR length(p_email) > 254 OR length(p_name) > 200 THEN
    RETURN QUERY SELECT 'invalid'::text, NULL::uuid, false; RETURN;
  END IF;
  SELECT u.id, u.is_active, u.is_service INTO v_user, v_active, v_service
  FROM users u WHERE u.email = btrim(p_email)::citext FOR UPDATE;
  IF FOUND AND v_service THEN
    RETURN QUERY SELECT 'invalid'::text, NULL::uuid, false; RETURN;
  END IF;
  IF NOT FOUND THEN
    INSERT INTO users (email, name) VALUES (btrim(p_email), nullif(btrim(p_name), ''))
    ON CONFLICT (email) DO NOTHING
    RETURNING id INTO v_user;
    IF v_user IS NULL THEN -- made by someone else a moment ago
      SELECT u.id, u.is_active INTO v_user, v_active FROM users u WHERE u.email = btrim(p_email)::citext FOR UPDATE;
    ELSE
      v_active := true;
      v_created := true;
    END IF;
  END IF;
  IF NOT v_active THEN
    RETURN QUERY SELECT 'user_inactive'::text, v_user, false; RETURN;
  END IF;
  IF NOT v_created THEN
    UPDATE users u SET name = coalesce(u.name, nullif(btrim(p_name), '')) WHERE u.id = v_user;
  END IF;
  SELECT m.id, m.is_active INTO v_member, v_member_active
  FROM memberships m WHERE m.user_id = v_user AND m.organization_id = p_org FOR UPDATE;
  IF FOUND AND v_member_active THEN
    RETURN QUERY SELECT 'already_member'::text, v_user, false; RETURN;
  ELSIF FOUND THEN
    UPDATE memberships SET is_active = true, role = p_role WHERE id = v_member;
    RETURN QUERY SELECT 'reactivated'::text, v_user, v_created; RETURN;
  END IF;
  INSERT INTO memberships (user_id, organization_id, role) VALUES (v_user, p_org, p_role);
  RETURN QUERY SELECT 'invited'::text, v_user, v_created;
END;
$$;

-- The acting user's access (0029) also says whether they are a service
-- user (its fifth element, 'true' or 'false'), read from the row it
-- already reads: the page's access question (user_access in
-- src/model/user.c), which the dispatcher asks of every signed-in request,
-- then needs no look at users under their row-level security, whose
-- policies cost more to plan than the rest of the question.
CREATE OR REPLACE FUNCTION app_access() RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_uid text := coalesce(current_setting('app.user_id', true), '');
  v_cache text := current_setting('app.access_cache', true);
  v_user uuid := nullif(v_uid, '')::uuid;
  v_role text;
  v_service boolean;
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
  SELECT u.platform_role, u.is_service INTO v_role, v_service FROM users u WHERE u.id = v_user AND u.is_active;
  SELECT coalesce(array_agg(m.organization_id), '{}'),
         coalesce(array_agg(m.organization_id) FILTER (WHERE m.role = 'admin'), '{}')
    INTO v_staff, v_admin
    FROM memberships m
    JOIN organizations o ON o.id = m.organization_id AND o.is_active
    JOIN users u ON u.id = m.user_id AND u.is_active
   WHERE m.user_id = v_user AND m.is_active;
  v_out := ARRAY[v_uid, coalesce(v_role, ''), v_staff::text, v_admin::text, coalesce(v_service, false)::text];
  PERFORM set_config('app.access_cache', array_to_string(v_out, '|'), true);
  RETURN v_out;
END;
$$;
