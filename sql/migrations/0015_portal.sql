-- 0015_portal.sql: what the customer portal (/my/tickets, /track) needs.
--
--   * tickets_requester_activity_idx: a customer's tickets by last activity,
--     the portal list's order and keyset (requester_id, last_activity_at, id);
--   * reopen_window_days (system_settings) and customer_reopen_until():
--     a resolved or closed ticket may be reopened by its requester for that
--     many days, then the portal offers a new request instead;
--   * customer_ticket_reply(): a public reply with its attachments in one
--     call (a reply to waiting_customer moves the ticket back to open: the
--     message trigger of 0003 does it, in the same transaction), once per
--     idempotency key, so a form sent twice makes one message;
--   * customer_ticket_reopen() refuses after the window; customer_ticket_rate()
--     rates once;
--   * ticket_frontend_fields(): a ticket's custom fields its requester may see;
--   * portal_tsquery(): the portal search (every word, as a prefix);
--   * track_requests and track_request(): guest access (/track) checks an
--     email and ticket number pair and records every attempt, matched or not,
--     so that both answers cost the same work.

-- ---------------------------------------------------------------------------
-- The list: WHERE requester_id = me ORDER BY last_activity_at DESC, id DESC,
-- and the keyset (last_activity_at, id) < (cursor). It also serves the
-- requester foreign key; tickets_requester_created_idx (0003) stays for the
-- queries that sort by creation.
-- ---------------------------------------------------------------------------
CREATE INDEX tickets_requester_activity_idx ON tickets (requester_id, last_activity_at DESC, id DESC);

-- ---------------------------------------------------------------------------
-- Reopening
-- ---------------------------------------------------------------------------
INSERT INTO system_settings (key, value, description) VALUES
  ('reopen_window_days', '14', 'Days after a ticket was resolved or closed during which its requester may reopen it');

-- Until when a ticket done at p_done_at (its last resolve or close) may be
-- reopened by its requester. NULL when p_done_at is NULL.
CREATE FUNCTION customer_reopen_until(p_done_at timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p_done_at + make_interval(days => coalesce((setting('reopen_window_days'))::int, 14))
$$;

-- status: 'ok' | 'not_found' (not theirs) | 'invalid_state' (not resolved or
-- closed) | 'window_passed' (done more than reopen_window_days ago)
CREATE OR REPLACE FUNCTION customer_ticket_reopen(p_ticket uuid) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t tickets;
BEGIN
  SELECT * INTO t FROM tickets
  WHERE id = p_ticket AND requester_id = app_user_id() FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 'not_found';
  ELSIF t.status NOT IN ('resolved', 'closed') THEN
    RETURN 'invalid_state';
  ELSIF customer_reopen_until(greatest(t.resolved_at, t.closed_at)) < now() THEN
    RETURN 'window_passed';
  END IF;
  UPDATE tickets SET status = 'open' WHERE id = p_ticket;
  RETURN 'ok';
END;
$$;

-- ---------------------------------------------------------------------------
-- Rating: once a ticket is resolved or closed, once.
-- status: 'ok' | 'not_found' | 'invalid' (rating not 1-5, comment over 4000
-- characters) | 'invalid_state' (not resolved or closed) | 'already_rated'
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION customer_ticket_rate(p_ticket uuid, p_rating integer, p_comment text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t tickets;
BEGIN
  IF p_rating IS NULL OR p_rating NOT BETWEEN 1 AND 5 OR length(p_comment) > 4000 THEN
    RETURN 'invalid';
  END IF;
  SELECT * INTO t FROM tickets
  WHERE id = p_ticket AND requester_id = app_user_id() FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 'not_found';
  ELSIF t.status NOT IN ('resolved', 'closed') THEN
    RETURN 'invalid_state';
  ELSIF t.satisfaction_rating IS NOT NULL THEN
    RETURN 'already_rated';
  END IF;
  UPDATE tickets SET satisfaction_rating = p_rating, satisfaction_comment = nullif(btrim(p_comment), ''),
                     satisfaction_submitted_at = now()
  WHERE id = p_ticket;
  RETURN 'ok';
END;
$$;

-- ---------------------------------------------------------------------------
-- A customer's public reply, with the attachments already stored as blobs
-- (attachment_blob_begin/chunk/finish), in one call.
--   p_attachment_refs: [{"sha256","file_name","content_type","size_bytes"}]
--   p_idempotency_key: the form's one-time token (NULL: none); a reply sent
--   again with it (a double click, a retry after a network error) makes no
--   second message and answers 'duplicate' with the first one's id.
--   status: 'ok' (message_id set) | 'duplicate' (message_id set) | 'not_found'
--   (not theirs) | 'invalid_state' (resolved, closed or cancelled: reopen
--   first) | 'empty' | 'too_long' | 'invalid_attachments' | 'too_many_attachments'
-- The message trigger (0003) bumps last_activity_at, writes the audit row and
-- moves a waiting_customer ticket back to open.
-- ---------------------------------------------------------------------------
-- One message per key and ticket; the ticket's row lock below serialises two
-- replies sent at once, and the index is the backstop.
CREATE UNIQUE INDEX ticket_messages_idempotency_idx ON ticket_messages (ticket_id, (metadata->>'idempotency_key'))
  WHERE metadata ? 'idempotency_key';

CREATE FUNCTION customer_ticket_reply(p_ticket uuid, p_body text, p_attachment_refs jsonb DEFAULT '[]',
  p_idempotency_key text DEFAULT NULL, OUT status text, OUT message_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_user uuid := app_user_id();
  v_refs jsonb := coalesce(p_attachment_refs, '[]');
  v_body text := btrim(coalesce(p_body, ''), E' \t\r\n');
  t      tickets;
BEGIN
  SELECT * INTO t FROM tickets WHERE id = p_ticket AND requester_id = v_user FOR UPDATE;
  IF v_user IS NULL OR NOT FOUND THEN
    status := 'not_found';
    RETURN;
  END IF;
  IF p_idempotency_key IS NOT NULL THEN
    SELECT 'duplicate', m.id INTO status, message_id FROM ticket_messages m
    WHERE m.ticket_id = t.id AND m.author_id = v_user AND m.metadata->>'idempotency_key' = p_idempotency_key;
    IF FOUND THEN
      RETURN;
    END IF;
  END IF;
  IF t.status NOT IN ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal') THEN
    status := 'invalid_state';
    RETURN;
  END IF;
  IF v_body = '' THEN
    status := 'empty';
    RETURN;
  END IF;
  IF length(v_body) > 65536 THEN
    status := 'too_long';
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
  -- Every reference names a complete stored blob of that size and an allowed type.
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

  INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, message_type, metadata)
  VALUES (t.id, v_user, v_body, false, 'reply',
          CASE WHEN p_idempotency_key IS NULL THEN '{}'::jsonb
               ELSE jsonb_build_object('idempotency_key', left(p_idempotency_key, 100)) END)
  RETURNING id INTO message_id;
  INSERT INTO attachments (ticket_id, message_id, file_name, content_type, size_bytes, sha256, uploaded_by)
  SELECT t.id, message_id, r->>'file_name', r->>'content_type', (r->>'size_bytes')::bigint,
         decode(r->>'sha256', 'hex'), v_user
  FROM jsonb_array_elements(v_refs) WITH ORDINALITY AS e(r, n)
  ORDER BY n;
  status := 'ok';
END;
$$;

-- ---------------------------------------------------------------------------
-- A ticket's custom fields as its requester sees them: the fields whose
-- visibility rules show them on the frontend to a customer for the ticket's
-- request type (a field without rules shows everywhere; with rules, any
-- matching rule shows it: the rule of submit_form_fields, 0006), with a value
-- on the ticket. SECURITY INVOKER: the caller's row-level security decides
-- which ticket exists. Values are text: an option's label, an event's name,
-- file names joined by ", ", 'true'/'false' for a checkbox, else as stored.
-- Unlike the form, an inactive request type keeps its tickets' fields.
-- ---------------------------------------------------------------------------
CREATE FUNCTION ticket_frontend_fields(p_ticket uuid)
RETURNS TABLE (field_key text, label text, field_type text, value text)
LANGUAGE sql STABLE AS $$
  SELECT f.field_key, f.label, f.field_type,
         CASE f.field_type
           WHEN 'dropdown_static' THEN coalesce(
             (SELECT o->>'label' FROM jsonb_array_elements(f.options) o WHERE o->>'value' = v.val #>> '{}' LIMIT 1),
             v.val #>> '{}')
           WHEN 'dropdown_dynamic_event' THEN coalesce(
             (SELECT e.name FROM events e WHERE e.id::text = v.val #>> '{}'), v.val #>> '{}')
           WHEN 'file' THEN (SELECT string_agg(x, ', ')
                             FROM jsonb_array_elements_text(CASE jsonb_typeof(v.val) WHEN 'array' THEN v.val
                                                                 ELSE jsonb_build_array(v.val) END) x)
           WHEN 'checkbox' THEN CASE WHEN v.val = 'true'::jsonb OR v.val #>> '{}' IN ('true', 'on') THEN 'true'
                                     ELSE 'false' END
           ELSE v.val #>> '{}'
         END
  FROM tickets t
  LEFT JOIN request_types rt ON rt.id = t.request_type_id
  JOIN field_definitions f
    ON f.is_active AND (f.organization_id IS NULL OR f.organization_id = rt.organization_id)
  CROSS JOIN LATERAL (SELECT t.custom_fields -> f.field_key AS val) v
  WHERE t.id = p_ticket
    AND v.val IS NOT NULL AND v.val <> 'null'::jsonb AND v.val <> '""'::jsonb AND v.val <> '[]'::jsonb
    AND (NOT EXISTS (SELECT FROM field_visibility_rules r WHERE r.field_definition_id = f.id)
         OR EXISTS (SELECT FROM field_visibility_rules r
                    WHERE r.field_definition_id = f.id
                      AND (cardinality(r.request_type_ids) = 0 OR t.request_type_id = ANY (r.request_type_ids))
                      AND (cardinality(r.user_roles) = 0 OR 'customer' = ANY (r.user_roles))
                      AND r.show_on_frontend))
  ORDER BY f.sort_order, f.label
$$;

-- ---------------------------------------------------------------------------
-- Search: every word of p_q as a prefix ('print inv' finds "printer" and
-- "invoice"), at most 8 words; NULL when p_q holds no word. The words come
-- from the same parser as the search columns ('simple'), quoted as lexemes,
-- so nothing in p_q is read as tsquery syntax.
-- ---------------------------------------------------------------------------
CREATE FUNCTION portal_tsquery(p_q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT nullif(string_agg('''' || replace(replace(w, '\', '\\'), '''', '''''') || ''':*', ' & '), '')::tsquery
  FROM (SELECT w FROM unnest(tsvector_to_array(to_tsvector('simple', left(coalesce(p_q, ''), 500)))) w
        ORDER BY length(w) DESC, w LIMIT 8) words
$$;

-- ---------------------------------------------------------------------------
-- Guest access (/track): every attempt leaves a row, matched or not, so that
-- a match and a mismatch cost the same statements; a row names the ticket
-- only when the pair matched. No policy: only track_request() writes, and
-- only the owner reads (abuse review, the scheduler's purge).
-- ---------------------------------------------------------------------------
CREATE TABLE track_requests (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  ticket_id  uuid REFERENCES tickets (id) ON DELETE CASCADE,  -- NULL: no match
  ip_address inet,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX track_requests_ticket_idx ON track_requests (ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX track_requests_created_idx ON track_requests (created_at);
ALTER TABLE track_requests ENABLE ROW LEVEL SECURITY;

-- The requester of ticket p_number when their address is p_email (any case)
-- and their account is active: one row (ticket, user, email as stored, name),
-- else none. Records the attempt either way.
CREATE FUNCTION track_request(p_email citext, p_number text, p_ip inet DEFAULT NULL)
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
  WHERE t.number = upper(btrim(p_number)) AND u.email = btrim(p_email)::citext AND u.is_active;
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

-- Scheduler job: forget guest-access attempts after p_older_than.
CREATE FUNCTION track_requests_purge(p_older_than interval DEFAULT '30 days') RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH gone AS (DELETE FROM track_requests WHERE created_at < now() - p_older_than RETURNING 1)
  SELECT count(*) FROM gone
$$;

-- ---------------------------------------------------------------------------
-- EXECUTE for the application role (PUBLIC has none, see 0001);
-- track_requests_purge is the scheduler's (the owner).
-- ---------------------------------------------------------------------------
REVOKE EXECUTE ON FUNCTION track_requests_purge(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  customer_reopen_until(timestamptz),
  customer_ticket_reply(uuid, text, jsonb, text),
  ticket_frontend_fields(uuid),
  portal_tsquery(text),
  track_request(citext, text, inet)
TO supportdesk_app;
