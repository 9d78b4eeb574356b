-- 0010: what the public form needs in one round trip, and a new verification
-- link for an expired one.

-- The whole form for a role: every request type it may file, in order, with
-- its frontend fields and the events a dynamic dropdown offers. Workers cache
-- the document for a few seconds, so /submit costs no query most of the time.
CREATE FUNCTION submit_form_document(p_role text DEFAULT 'anonymous') RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object(
           'id', rt.id,
           'name', rt.name,
           'description', rt.description,
           'requires_event', rt.requires_event,
           'fields', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                               'key', f.field_key, 'label', f.label, 'description', f.description,
                               'type', f.field_type, 'required', f.is_required,
                               'default', f.default_value, 'placeholder', f.placeholder,
                               'options', f.options, 'rules', f.validation_rules)
                             ORDER BY f.sort_order, f.label), '[]'::jsonb)
                      FROM submit_form_fields(rt.id, p_role, false) f),
           'events', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                               'id', e.id, 'name', e.name,
                               'starts_on', to_char(e.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
                               'location', e.location)
                             ORDER BY e.starts_at), '[]'::jsonb)
                      FROM submit_form_events(rt.id) e
                      WHERE e.starts_at >= now()))
         ORDER BY rt.sort_order, rt.name), '[]'::jsonb)
  FROM submit_form_request_types(p_role) rt
$$;

-- "Send me a new link" for an expired verification link: the old token dies,
-- the new one gets a fresh lifetime and attempt count. Only an expired,
-- unused, unlocked submission is renewed; the new link goes to the address
-- that was given, so nothing is revealed to whoever holds the old link.
-- status: 'renewed' | 'used' | 'locked' | 'valid' (not expired yet) | 'unknown'
CREATE FUNCTION submission_renew(p_old_hash bytea, p_new_hash bytea,
  OUT status text, OUT email citext, OUT name text, OUT title text, OUT expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  s submissions;
BEGIN
  IF p_new_hash IS NULL OR length(p_new_hash) <> 32 THEN
    status := 'unknown';
    RETURN;
  END IF;
  SELECT * INTO s FROM submissions WHERE token_hash = p_old_hash FOR UPDATE;
  IF NOT FOUND THEN
    status := 'unknown';
  ELSIF s.used_at IS NOT NULL THEN
    status := 'used';
  ELSIF s.attempts >= (setting('submission_max_attempts'))::int THEN
    status := 'locked';
  ELSIF s.expires_at > now() THEN
    status := 'valid';
  ELSE
    UPDATE submissions AS u
       SET token_hash = p_new_hash, attempts = 0,
           expires_at = now() + make_interval(mins => (setting('submission_ttl_minutes'))::int)
     WHERE u.id = s.id
    RETURNING 'renewed', u.email, u.name, u.title, u.expires_at
      INTO status, email, name, title, expires_at;
  END IF;
END;
$$;

REVOKE EXECUTE ON FUNCTION submit_form_document(text), submission_renew(bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION submit_form_document(text), submission_renew(bytea, bytea) TO supportdesk_app;
