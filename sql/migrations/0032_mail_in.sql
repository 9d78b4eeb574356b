-- 0032: the email channel (SPEC 3 "Email channel").
--
-- Outbound, the mailer asks outbox_thread() what a notice about a ticket
-- threads to: the ticket, the routing organization's support address (the
-- Reply-To), whether the recipient is staff, and the recipient's previous
-- mail about the ticket (In-Reply-To/References are rebuilt from those rows'
-- ids, signed in C: no Message-ID is stored for outbound mail).
--
-- Inbound, `supportdesk mail-in` verifies the signatures in C (the key is the
-- server secret's) and then calls one of two SECURITY DEFINER functions that
-- check the sender against the ticket themselves:
--   mail_in_reply()   a reply on a ticket whose token or Message-ID verified
--   mail_in_ticket()  a new ticket at an organization's support address
-- Each message's outcome is counted in mail_in_counters for /metrics (the
-- web workers and mail-in are separate processes; the database is the one
-- place both reach).

-- One organization per support address: inbound mail is routed by it.
CREATE UNIQUE INDEX organization_settings_support_email_idx ON organization_settings (support_email)
  WHERE support_email IS NOT NULL;

-- ---------------------------------------------------------------------------
-- Outbound threading.
-- ---------------------------------------------------------------------------
CREATE FUNCTION outbox_thread(p_id uuid,
  OUT ticket_id uuid, OUT ticket_number text, OUT support_email text, OUT recipient_is_staff boolean,
  OUT previous uuid[])
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  o outbox;
  t tickets;
  v_user uuid;
BEGIN
  SELECT * INTO o FROM outbox WHERE id = p_id;
  IF NOT FOUND OR o.ticket_id IS NULL THEN
    RETURN;
  END IF;
  SELECT * INTO t FROM tickets WHERE id = o.ticket_id;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  ticket_id := t.id;
  ticket_number := t.number;
  SELECT s.support_email::text INTO support_email FROM organization_settings s
  WHERE s.organization_id = coalesce(t.assigned_org_id, t.organization_id);
  v_user := coalesce(o.user_id, (SELECT u.id FROM users u WHERE u.email = o.to_email));
  recipient_is_staff := v_user IS NOT NULL AND v_user IS DISTINCT FROM t.requester_id AND is_ticket_staff(v_user, t);
  -- The ten latest earlier mails to this address about this ticket, oldest
  -- first (outbox_thread_idx). Purged rows (outbox_retention_days) drop out.
  SELECT coalesce(array_agg(p.id ORDER BY p.created_at, p.id), '{}') INTO previous
  FROM (SELECT x.id, x.created_at FROM outbox x
        WHERE x.ticket_id = o.ticket_id AND x.to_email = o.to_email AND x.id <> o.id
          AND (x.created_at, x.id) < (o.created_at, o.id) AND x.status <> 'failed'
        ORDER BY x.created_at DESC, x.id DESC LIMIT 10) p;
END;
$$;
CREATE INDEX outbox_thread_idx ON outbox (ticket_id, to_email, created_at) WHERE ticket_id IS NOT NULL;
REVOKE EXECUTE ON FUNCTION outbox_thread(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outbox_thread(uuid) TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- Counters by outcome, for /metrics. No row per message: one row per outcome.
-- ---------------------------------------------------------------------------
CREATE TABLE mail_in_counters (
  outcome    text PRIMARY KEY CHECK (outcome IN ('created', 'replied', 'duplicate', 'ignored', 'refused',
                                                 'forged', 'rate_limited', 'too_large', 'malformed',
                                                 'unknown_address', 'temporary')),
  messages   bigint NOT NULL DEFAULT 0 CHECK (messages >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE mail_in_counters ENABLE ROW LEVEL SECURITY;
-- No policy and no grant: only the two SECURITY DEFINER functions below (the
-- owner's) read or write it.

CREATE FUNCTION mail_in_count(p_outcome text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  INSERT INTO mail_in_counters AS c (outcome, messages) VALUES (p_outcome, 1)
  ON CONFLICT (outcome) DO UPDATE SET messages = c.messages + 1, updated_at = now()
$$;
REVOKE EXECUTE ON FUNCTION mail_in_count(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mail_in_count(text) TO supportdesk_app;

CREATE FUNCTION mail_in_counts() RETURNS TABLE (outcome text, messages bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT c.outcome, c.messages FROM mail_in_counters c ORDER BY c.outcome
$$;
REVOKE EXECUTE ON FUNCTION mail_in_counts() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mail_in_counts() TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- Was this Message-ID taken in already (as a reply, or as a new ticket)?
-- ---------------------------------------------------------------------------
CREATE FUNCTION mail_in_seen(p_message_id text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p_message_id IS NOT NULL AND (
    EXISTS (SELECT FROM ticket_messages m WHERE m.email_message_id = p_message_id)
    OR EXISTS (SELECT FROM tickets t WHERE t.idempotency_key = 'email:' || encode(sha256(convert_to(p_message_id, 'UTF8')), 'hex')))
$$;
REVOKE EXECUTE ON FUNCTION mail_in_seen(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mail_in_seen(text) TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- A reply by email on p_ticket, whose signature C verified for p_sender.
-- The sender must (still) be the requester or staff of the ticket; p_to, the
-- address it was sent to, must not be another organization's support
-- address. The reply then goes through the portal's or the desk's own
-- function as that user, so the same checks, triggers and notices apply.
-- status: 'ok' | 'duplicate' | 'not_found' | 'forged' (sender is neither) |
--   'wrong_organization' | 'note_forbidden' (a customer on the note address)
--   | what customer_ticket_reply / desk_ticket_post answer ('invalid_state',
--   'empty', 'too_long', 'invalid_attachments', 'too_many_attachments').
-- ---------------------------------------------------------------------------
CREATE FUNCTION mail_in_reply(p_ticket uuid, p_sender citext, p_to citext, p_body text, p_refs jsonb,
  p_message_id text, p_note boolean, OUT status text, OUT message_id uuid, OUT ticket_number text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t      tickets;
  v_user uuid;
  v_org  uuid;
  v_staff boolean;
  v_version integer;
  prev   text := current_setting('app.user_id', true);
BEGIN
  IF mail_in_seen(p_message_id) THEN
    status := 'duplicate';
    RETURN;
  END IF;
  SELECT * INTO t FROM tickets WHERE id = p_ticket;
  IF NOT FOUND THEN
    status := 'not_found';
    RETURN;
  END IF;
  ticket_number := t.number;
  SELECT u.id INTO v_user FROM users u WHERE u.email = p_sender AND u.is_active;
  v_staff := v_user IS NOT NULL AND is_ticket_staff(v_user, t);
  IF v_user IS NULL OR (v_user IS DISTINCT FROM t.requester_id AND NOT v_staff) THEN
    status := 'forged';
    RETURN;
  END IF;
  SELECT s.organization_id INTO v_org FROM organization_settings s WHERE s.support_email = p_to;
  IF v_org IS NOT NULL AND v_org IS DISTINCT FROM coalesce(t.assigned_org_id, t.organization_id) THEN
    status := 'wrong_organization';
    RETURN;
  END IF;
  IF p_note AND NOT v_staff THEN
    status := 'note_forbidden';
    RETURN;
  END IF;
  PERFORM set_config('app.user_id', v_user::text, true);
  IF v_staff AND v_user IS DISTINCT FROM t.requester_id THEN
    SELECT r.status, r.message_id, r.version INTO status, message_id, v_version
    FROM desk_ticket_post(t.id, NULL, p_body, coalesce(p_note, false), coalesce(p_refs, '[]')) r;
  ELSE
    SELECT r.status, r.message_id INTO status, message_id
    FROM customer_ticket_reply(t.id, p_body, coalesce(p_refs, '[]')) r;
  END IF;
  IF status = 'ok' THEN
    UPDATE ticket_messages SET email_message_id = p_message_id WHERE id = message_id;
  END IF;
  PERFORM set_config('app.user_id', coalesce(prev, ''), true);
END;
$$;
REVOKE EXECUTE ON FUNCTION mail_in_reply(uuid, citext, citext, text, jsonb, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mail_in_reply(uuid, citext, citext, text, jsonb, text, boolean) TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- A new ticket from an email to an organization's support address: the
-- customer is found or created by address, the ticket made by the same
-- ticket_insert_from_request as a web ticket (so routing, team, SLA and
-- auto-assign are a web ticket's), with source 'email', under the
-- organization's first active request type open to anonymous submitters.
-- status: 'created' | 'duplicate' | 'unknown_address' | 'no_request_type' |
--   'sender_inactive' | 'empty' | 'too_long' | 'invalid_attachments' |
--   'too_many_attachments'
-- ---------------------------------------------------------------------------
CREATE FUNCTION mail_in_ticket(p_to citext, p_sender citext, p_name text, p_subject text, p_body text,
  p_refs jsonb, p_message_id text, OUT status text, OUT ticket_id uuid, OUT ticket_number text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_org  uuid;
  v_rt   uuid;
  v_user uuid;
  v_refs jsonb := coalesce(p_refs, '[]');
  v_body text := btrim(coalesce(p_body, ''), E' \t\r\n');
  v_title text := left(btrim(regexp_replace(coalesce(p_subject, ''), '[[:cntrl:]]+', ' ', 'g')), 200);
  t      tickets;
BEGIN
  IF mail_in_seen(p_message_id) THEN
    status := 'duplicate';
    RETURN;
  END IF;
  SELECT s.organization_id INTO v_org FROM organization_settings s
  JOIN organizations o ON o.id = s.organization_id AND o.is_active
  WHERE s.support_email = p_to;
  IF v_org IS NULL THEN
    status := 'unknown_address';
    RETURN;
  END IF;
  SELECT rt.id INTO v_rt FROM request_types rt
  WHERE rt.organization_id = v_org AND rt.is_active AND NOT rt.requires_event AND 'anonymous' = ANY (rt.allowed_roles)
  ORDER BY rt.sort_order, rt.name, rt.id LIMIT 1;
  IF v_rt IS NULL THEN
    status := 'no_request_type';
    RETURN;
  END IF;
  IF v_body = '' THEN
    v_body := '(no text)';
  END IF;
  IF length(v_body) > 65536 THEN
    status := 'too_long';
    RETURN;
  END IF;
  IF v_title = '' THEN
    v_title := '(no subject)';
  END IF;
  IF jsonb_typeof(v_refs) <> 'array' THEN
    status := 'invalid_attachments';
    RETURN;
  END IF;
  IF jsonb_array_length(v_refs) > (setting('attachment_max_per_message'))::int THEN
    status := 'too_many_attachments';
    RETURN;
  END IF;
  IF EXISTS (SELECT FROM jsonb_array_elements(v_refs) r
             WHERE jsonb_typeof(r) <> 'object'
                OR coalesce(r->>'sha256', '') !~ '^[0-9a-f]{64}$'
                OR coalesce(r->>'size_bytes', '') !~ '^[1-9][0-9]{0,17}$'
                OR NOT (setting('attachment_allowed_types') ? coalesce(r->>'content_type', ''))
                OR coalesce(length(r->>'file_name'), 0) NOT BETWEEN 1 AND 255
                OR NOT EXISTS (SELECT FROM attachment_blobs b
                               WHERE b.sha256 = decode(r->>'sha256', 'hex')
                                 AND (b.data IS NOT NULL OR b.chunk_count IS NOT NULL)
                                 AND b.size_bytes = (r->>'size_bytes')::bigint)) THEN
    status := 'invalid_attachments';
    RETURN;
  END IF;
  v_user := customer_find_or_create(p_sender, p_name);
  IF NOT EXISTS (SELECT FROM users u WHERE u.id = v_user AND u.is_active) THEN
    status := 'sender_inactive';
    RETURN;
  END IF;
  t := ticket_insert_from_request(v_user, v_rt, v_title, v_body, '{}', NULL, 'email', NULL, NULL, 0, false, NULL,
         'email:' || encode(sha256(convert_to(p_message_id, 'UTF8')), 'hex'));
  INSERT INTO attachments (ticket_id, message_id, file_name, content_type, size_bytes, sha256, uploaded_by)
  SELECT t.id, NULL, r->>'file_name', r->>'content_type', (r->>'size_bytes')::bigint,
         decode(r->>'sha256', 'hex'), v_user
  FROM jsonb_array_elements(v_refs) WITH ORDINALITY AS e(r, n)
  ORDER BY n;
  status := 'created';
  ticket_id := t.id;
  ticket_number := t.number;
END;
$$;
REVOKE EXECUTE ON FUNCTION mail_in_ticket(citext, citext, text, text, text, jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mail_in_ticket(citext, citext, text, text, text, jsonb, text) TO supportdesk_app;
