-- 0013_signin.sql: what signing in needs beyond auth_login_lookup() and
-- app_user_set_password() of 0006: the check made once a visitor has proved
-- who they are (a password, or a one-time link), and the upgrade of a
-- password hash made with weaker parameters.
--
-- Both act on the acting user (app.user_id) only, which the application
-- sets after the proof; neither returns a password hash. Sign-in and reset
-- links themselves live in Redis as hashes (src/kv/signin_link.c), so there
-- is no new table.

-- The acting user is about to be signed in. may_sign_in is false for an
-- unknown or deactivated account (the caller then answers as for a wrong
-- password or a dead link). is_staff says which portal is home: a platform
-- role, or an active membership of an active organization. With
-- p_email_proved (a link sent to the address was opened) the address is
-- marked verified, for active accounts only.
CREATE FUNCTION auth_signin_check(p_email_proved boolean DEFAULT false,
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
  IF NOT FOUND OR NOT u.is_active THEN
    RETURN;
  END IF;
  IF coalesce(p_email_proved, false) THEN
    PERFORM user_mark_email_verified(u.id);
  END IF;
  may_sign_in := true;
  is_staff := u.platform_role IS NOT NULL OR cardinality(app_staff_org_ids()) > 0;
END;
$$;

-- After a successful sign-in with a hash made under weaker parameters, the
-- application stores a new one. Only while the stored hash is still the one
-- it verified (p_old): a password changed in the meantime stays changed.
-- The acting user's own row only, active accounts only, argon2id only.
CREATE FUNCTION auth_password_rehash(p_old text, p_new text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF app_user_id() IS NULL OR p_old IS NULL OR p_new IS NULL OR p_new NOT LIKE '$argon2id$%' THEN
    RETURN false;
  END IF;
  UPDATE users SET password_hash = p_new
  WHERE id = app_user_id() AND is_active AND password_hash = p_old;
  RETURN FOUND;
END;
$$;

GRANT EXECUTE ON FUNCTION
  auth_signin_check(boolean),
  auth_password_rehash(text, text)
TO supportdesk_app;
