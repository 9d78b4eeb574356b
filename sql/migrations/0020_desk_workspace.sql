-- 0020_desk_workspace.sql: what the ticket workspace (/desk/tickets/{number})
-- needs from the database:
--   * tickets.version, bumped by every UPDATE (whatever makes it: a post, a
--     message trigger, the scheduler), so that a form loaded at version N and
--     posted after someone else changed the ticket is refused: optimistic
--     concurrency with `UPDATE ... WHERE id = $1 AND version = $2`;
--   * the audit rows 0003's trigger does not write: request type, custom
--     fields, merges;
--   * desk_ticket_post(): a staff reply or internal note with its files and
--     (for a reply) the next status, checked against the version, in one
--     call;
--   * desk_ticket_merge(): messages and attachments move to the target, the
--     merged ticket is closed with a link, both logs record it;
--   * ticket_mention_notify(): an @mention in a note notifies a colleague of
--     the ticket's own organization, and nobody else.

-- ---------------------------------------------------------------------------
-- Version
-- ---------------------------------------------------------------------------
-- A constant default: PostgreSQL 11+ adds the column without rewriting the
-- table, which matters at a million tickets.
ALTER TABLE tickets ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version > 0);
COMMENT ON COLUMN tickets.version IS
  'Bumped by every UPDATE (trigger); forms carry the version they were loaded at and a post against a newer one is refused.';

-- Runs after tickets_before_write (triggers fire in name order), whatever
-- the caller wrote: the application role has no UPDATE grant on the column
-- anyway.
CREATE FUNCTION tickets_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.version := OLD.version + 1;
  RETURN NEW;
END;
$$;
CREATE TRIGGER tickets_version_bump BEFORE UPDATE ON tickets
  FOR EACH ROW EXECUTE FUNCTION tickets_version_bump();

-- ---------------------------------------------------------------------------
-- Audit: the activity types the workspace adds (0019's
-- ticket_activity_types_add keeps the others').
-- ---------------------------------------------------------------------------
SELECT ticket_activity_types_add(ARRAY['merged', 'request_type_changed', 'custom_field_changed']);

-- What 0003's tickets_audit leaves out: the request type, and each custom
-- field whose value changed (one row per key, the values as text).
CREATE FUNCTION tickets_audit_workspace() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_key text;
BEGIN
  IF NEW.request_type_id IS DISTINCT FROM OLD.request_type_id THEN
    PERFORM ticket_activity_log(NEW.id, 'request_type_changed', 'Request type changed', true,
                                'request_type_id', OLD.request_type_id::text, NEW.request_type_id::text);
  END IF;
  IF NEW.custom_fields IS DISTINCT FROM OLD.custom_fields THEN
    FOR v_key IN
      SELECT k FROM (SELECT jsonb_object_keys(NEW.custom_fields) k
                     UNION SELECT jsonb_object_keys(OLD.custom_fields)) keys
      WHERE NEW.custom_fields -> k IS DISTINCT FROM OLD.custom_fields -> k
      ORDER BY k
    LOOP
      PERFORM ticket_activity_log(NEW.id, 'custom_field_changed', 'Field changed: ' || v_key, true,
                                  'cf:' || v_key, left(OLD.custom_fields ->> v_key, 500),
                                  left(NEW.custom_fields ->> v_key, 500));
    END LOOP;
  END IF;
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION tickets_audit_workspace() FROM PUBLIC;
CREATE TRIGGER tickets_audit_workspace AFTER UPDATE OF request_type_id, custom_fields ON tickets
  FOR EACH ROW EXECUTE FUNCTION tickets_audit_workspace();

-- ---------------------------------------------------------------------------
-- Messages may change ticket only inside desk_ticket_merge() (which sets
-- supportdesk.merging for its own transaction). The application role has
-- no UPDATE grant on ticket_id either; this keeps the owner honest too.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION ticket_messages_before_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    -- A message stays on its ticket, with its author and time; edits are stamped.
    NEW.id := OLD.id;
    IF coalesce(current_setting('supportdesk.merging', true), '') <> 'on' THEN
      NEW.ticket_id := OLD.ticket_id;
    END IF;
    NEW.author_id := OLD.author_id;
    NEW.created_at := OLD.created_at;
    NEW.updated_at := now();
    IF NEW.body IS DISTINCT FROM OLD.body THEN
      NEW.edited_at := now();
      NEW.edited_by := app_user_id();
    END IF;
  ELSIF NEW.message_type = 'note' THEN
    NEW.is_internal := true;
  END IF;
  RETURN NEW;
END;
$$;

-- ---------------------------------------------------------------------------
-- "The same organization" for merges and mentions is the routing
-- organization (0018's ticket_routing_org: the platform's for internal
-- routing), and who counts as its staff is 0018's ticket_staff_member.
-- ---------------------------------------------------------------------------

-- For the workspace's update: whether p_user may be the assignee of
-- p_ticket, asked by someone who works the ticket (anyone else learns
-- nothing: false).
CREATE FUNCTION desk_assignee_allowed(p_ticket uuid, p_user uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t tickets;
BEGIN
  SELECT * INTO t FROM tickets WHERE id = p_ticket;
  IF NOT FOUND OR app_user_id() IS NULL OR NOT is_ticket_staff(app_user_id(), t) THEN
    RETURN false;
  END IF;
  RETURN ticket_staff_member(p_user, t);
END;
$$;

-- ---------------------------------------------------------------------------
-- A staff reply or internal note.
-- status: 'ok' | 'duplicate' (the same idempotency key: message_id is the
--   first one's) | 'not_found' (not a ticket the caller works) | 'stale'
--   (p_version is not the ticket's version: nothing written) | 'empty' |
--   'too_long' | 'invalid_status' | 'invalid_attachments' |
--   'too_many_attachments'
-- p_version NULL skips the check (a note is added whatever changed).
-- p_next_status (replies only; NULL keeps it) is set after the message, so
-- the requester's notice carries both (0016).
-- ---------------------------------------------------------------------------
CREATE FUNCTION desk_ticket_post(p_ticket uuid, p_version integer, p_body text, p_internal boolean,
  p_attachment_refs jsonb DEFAULT '[]', p_next_status text DEFAULT NULL, p_idempotency_key text DEFAULT NULL,
  OUT status text, OUT message_id uuid, OUT version integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_user uuid := app_user_id();
  v_refs jsonb := coalesce(p_attachment_refs, '[]');
  v_body text := btrim(coalesce(p_body, ''), E' \t\r\n');
  t      tickets;
BEGIN
  SELECT * INTO t FROM tickets WHERE id = p_ticket FOR UPDATE;
  IF v_user IS NULL OR NOT FOUND OR NOT is_ticket_staff(v_user, t) THEN
    status := 'not_found';
    RETURN;
  END IF;
  version := t.version;
  IF p_idempotency_key IS NOT NULL THEN
    SELECT 'duplicate', m.id INTO status, message_id FROM ticket_messages m
    WHERE m.ticket_id = t.id AND m.author_id = v_user AND m.metadata->>'idempotency_key' = p_idempotency_key;
    IF FOUND THEN
      RETURN;
    END IF;
  END IF;
  IF p_version IS NOT NULL AND p_version <> t.version THEN
    status := 'stale';
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
  IF p_next_status IS NOT NULL AND (p_internal OR p_next_status NOT IN
     ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal', 'resolved', 'closed', 'cancelled')) THEN
    status := 'invalid_status';
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
  VALUES (t.id, v_user, v_body, p_internal, CASE WHEN p_internal THEN 'note' ELSE 'reply' END,
          CASE WHEN p_idempotency_key IS NULL THEN '{}'::jsonb
               ELSE jsonb_build_object('idempotency_key', left(p_idempotency_key, 100)) END)
  RETURNING id INTO message_id;
  INSERT INTO attachments (ticket_id, message_id, file_name, content_type, size_bytes, sha256, uploaded_by)
  SELECT t.id, message_id, r->>'file_name', r->>'content_type', (r->>'size_bytes')::bigint,
         decode(r->>'sha256', 'hex'), v_user
  FROM jsonb_array_elements(v_refs) WITH ORDINALITY AS e(r, n)
  ORDER BY n;
  IF p_next_status IS NOT NULL THEN
    UPDATE tickets SET status = p_next_status WHERE id = t.id AND tickets.status <> p_next_status;
  END IF;
  SELECT tickets.version INTO version FROM tickets WHERE id = t.id;
  status := 'ok';
END;
$$;

-- ---------------------------------------------------------------------------
-- Merge p_source into the ticket numbered p_target.
-- status: 'ok' | 'not_found' (the source is not a ticket the caller works)
--   | 'target_not_found' (unknown, or not one the caller works: one answer)
--   | 'same_ticket' | 'other_organization' (worked by another organization)
--   | 'already_merged' (the source was merged before) | 'target_merged'
--   (the target itself was merged into another).
-- Messages and attachments move to the target. When the two requesters
-- differ, what moves becomes internal, so that neither customer reads the
-- other's conversation. The source's own text becomes a system message on
-- the target (its submission's files attached to it); the source is closed
-- with a public "merged into" message, and metadata.merged_into.
-- ---------------------------------------------------------------------------
CREATE FUNCTION desk_ticket_merge(p_source uuid, p_target text, OUT status text, OUT target_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_user uuid := app_user_id();
  s      tickets;
  d      tickets;
  v_hide boolean;
  v_msg  uuid;
BEGIN
  SELECT * INTO s FROM tickets WHERE id = p_source;
  IF v_user IS NULL OR NOT FOUND OR NOT is_ticket_staff(v_user, s) THEN
    status := 'not_found';
    RETURN;
  END IF;
  SELECT * INTO d FROM tickets WHERE number = upper(btrim(coalesce(p_target, '')));
  IF NOT FOUND OR NOT is_ticket_staff(v_user, d) THEN
    status := 'target_not_found';
    RETURN;
  END IF;
  IF d.id = s.id THEN
    status := 'same_ticket';
    RETURN;
  END IF;
  -- Both rows locked, in id order so that two opposite merges cannot deadlock.
  PERFORM 1 FROM tickets WHERE id IN (s.id, d.id) ORDER BY id FOR UPDATE;
  SELECT * INTO s FROM tickets WHERE id = s.id;
  SELECT * INTO d FROM tickets WHERE id = d.id;
  IF ticket_routing_org(s.routing_type, s.assigned_org_id) IS DISTINCT FROM ticket_routing_org(d.routing_type, d.assigned_org_id) THEN
    status := 'other_organization';
    RETURN;
  END IF;
  IF s.metadata ? 'merged_into' THEN
    status := 'already_merged';
    RETURN;
  END IF;
  IF d.metadata ? 'merged_into' THEN
    status := 'target_merged';
    RETURN;
  END IF;
  v_hide := s.requester_id IS DISTINCT FROM d.requester_id;

  PERFORM set_config('supportdesk.merging', 'on', true);
  UPDATE ticket_messages SET ticket_id = d.id, is_internal = is_internal OR v_hide WHERE ticket_id = s.id;
  PERFORM set_config('supportdesk.merging', '', true);
  UPDATE attachments SET ticket_id = d.id WHERE ticket_id = s.id AND message_id IS NOT NULL;

  INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, message_type, metadata)
  VALUES (d.id, NULL,
          left('Merged from ' || s.number || ': ' || s.title || E'\n\n' || s.description, 65536),
          v_hide, 'system', jsonb_build_object('merged_from', s.number, 'merged_from_id', s.id))
  RETURNING id INTO v_msg;
  UPDATE attachments SET ticket_id = d.id, message_id = v_msg WHERE ticket_id = s.id AND message_id IS NULL;
  UPDATE ticket_messages SET has_attachments = true
  WHERE id = v_msg AND EXISTS (SELECT FROM attachments a WHERE a.message_id = v_msg);

  INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, message_type, metadata)
  VALUES (s.id, NULL, 'This request was merged into ' || d.number || '.', false, 'system',
          jsonb_build_object('merged_into', d.number, 'merged_into_id', d.id));
  UPDATE tickets SET status = 'closed',
                     metadata = metadata || jsonb_build_object('merged_into', d.number, 'merged_into_id', d.id)
  WHERE id = s.id;
  UPDATE tickets SET last_activity_at = now() WHERE id = d.id;

  PERFORM ticket_activity_log(s.id, 'merged', 'Merged into ' || d.number, false, 'merged_into', NULL, d.number,
                              jsonb_build_object('ticket_id', d.id));
  PERFORM ticket_activity_log(d.id, 'merged', 'Merged from ' || s.number, true, 'merged_from', NULL, s.number,
                              jsonb_build_object('ticket_id', s.id));
  status := 'ok';
  target_id := d.id;
END;
$$;

-- @mentions: 0018's ticket_mention_notify(ticket, user[, note]) decides and
-- notifies (in-app, and by email per preference).

REVOKE EXECUTE ON FUNCTION desk_assignee_allowed(uuid, uuid), desk_ticket_post(uuid, integer, text, boolean, jsonb, text, text),
  desk_ticket_merge(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION desk_assignee_allowed(uuid, uuid), desk_ticket_post(uuid, integer, text, boolean, jsonb, text, text),
  desk_ticket_merge(uuid, text) TO supportdesk_app;
GRANT EXECUTE ON FUNCTION canned_response_use(uuid) TO supportdesk_app;

-- The workspace reads a ticket's canned responses by shortcut prefix.
CREATE INDEX canned_responses_shortcut_idx ON canned_responses (ltrim(shortcut, '/') text_pattern_ops)
  WHERE is_active AND shortcut IS NOT NULL;

-- The requester panel's feedback history: their rated tickets, newest first.
CREATE INDEX tickets_requester_rated_idx ON tickets (requester_id, satisfaction_submitted_at DESC, id DESC)
  WHERE satisfaction_rating IS NOT NULL;

-- ---------------------------------------------------------------------------
-- The public form's fields, planned once per connection (as 0017 does for
-- the role functions every policy calls): a SECURITY DEFINER SQL function
-- is never inlined and is parsed and planned again on every call.
-- ---------------------------------------------------------------------------
-- submit_form_fields (0006): the workspace lists them on every load, the
-- public form on every show. Unchanged but for the language.
CREATE OR REPLACE FUNCTION submit_form_fields(p_request_type uuid, p_role text DEFAULT 'anonymous',
                                              p_backend boolean DEFAULT false)
RETURNS TABLE (id uuid, field_key text, label text, description text, field_type text, is_required boolean,
               default_value text, placeholder text, options jsonb, validation_rules jsonb, sort_order integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN QUERY
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
  ORDER BY f.sort_order, f.label;
END;
$$;
