-- 0003_tickets.sql: tickets and everything hanging off them: numbering,
-- messages, attachments (+ deduplicated blobs), assignment history, the
-- append-only audit log, and the triggers that keep SLA and activity fields
-- correct no matter which code path changes a ticket.

-- ---------------------------------------------------------------------------
-- Ticket numbers: {PREFIX}-{YYYY}-{MM}-{NNNNN}
--
-- One counter row per (prefix, month). INSERT ... ON CONFLICT DO UPDATE ...
-- RETURNING takes a row lock, so concurrent creators queue on that row and
-- each gets the next value; no COUNT(*)+1 race (seed 000), no gaps from
-- rolled-back sequences leaking into the visible number either... except that
-- a rolled-back transaction also rolls back its increment, so numbers stay dense.
-- ---------------------------------------------------------------------------

CREATE TABLE ticket_number_counters (
  prefix     text NOT NULL CHECK (prefix ~ '^[A-Z][A-Z0-9]{1,9}$'),
  period     text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),  -- YYYY-MM, UTC
  last_value integer NOT NULL CHECK (last_value > 0),
  PRIMARY KEY (prefix, period)
);

CREATE FUNCTION next_ticket_number(p_prefix text, p_at timestamptz) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_period text := to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM');
  v_n      integer;
BEGIN
  INSERT INTO ticket_number_counters AS c (prefix, period, last_value)
  VALUES (p_prefix, v_period, 1)
  ON CONFLICT (prefix, period) DO UPDATE SET last_value = c.last_value + 1
  RETURNING c.last_value INTO v_n;
  -- Five digits, growing (never truncating) past 99999.
  RETURN p_prefix || '-' || v_period || '-' || lpad(v_n::text, greatest(5, length(v_n::text)), '0');
END;
$$;
REVOKE EXECUTE ON FUNCTION next_ticket_number(text, timestamptz) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Tickets
-- ---------------------------------------------------------------------------

CREATE TABLE tickets (
  id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number                    text NOT NULL UNIQUE
                            CHECK (number ~ '^[A-Z][A-Z0-9]{1,9}-[0-9]{4}-[0-9]{2}-[0-9]{5,}$'),

  -- identity and routing
  requester_id              uuid NOT NULL REFERENCES users (id),
  organization_id           uuid REFERENCES organizations (id),   -- the organization the request concerns
  routing_type              text NOT NULL DEFAULT 'internal' CHECK (routing_type IN ('internal', 'organization', 'hybrid')),
  assigned_org_id           uuid REFERENCES organizations (id),   -- whose staff work it (organization|hybrid)
  assignee_id               uuid REFERENCES users (id),
  assigned_at               timestamptz,
  team_id                   uuid REFERENCES teams (id),

  -- content
  title                     text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 500),
  description               text NOT NULL CHECK (length(description) BETWEEN 1 AND 65536),
  request_type_id           uuid REFERENCES request_types (id),
  category_id               uuid REFERENCES categories (id),
  event_id                  uuid REFERENCES events (id),

  -- state
  status                    text NOT NULL DEFAULT 'new' CHECK (status IN
                              ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal',
                               'resolved', 'closed', 'cancelled')),
  priority                  text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  due_date                  timestamptz,                          -- manual due date (seed 001)

  -- origin
  source                    text NOT NULL DEFAULT 'web' CHECK (source IN
                              ('web', 'email', 'api', 'portal', 'chat', 'phone', 'widget')),
  ip_address                inet,
  user_agent                text CHECK (length(user_agent) <= 1024),
  channel_metadata          jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(channel_metadata) = 'object'),
  submission_id             uuid UNIQUE,                          -- FK added with submissions (0004)

  -- data
  custom_fields             jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom_fields) = 'object'),
  tags                      text[] NOT NULL DEFAULT '{}' CHECK (array_position(tags, NULL) IS NULL),
  metadata                  jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),

  -- SLA (maintained by triggers; supportdesk_app cannot write these columns)
  sla_policy_id             uuid REFERENCES sla_policies (id) ON DELETE SET NULL,
  sla_first_response_due    timestamptz,
  sla_resolution_due        timestamptz,
  sla_paused_at             timestamptz,                          -- set while waiting_customer
  sla_paused_minutes        integer NOT NULL DEFAULT 0 CHECK (sla_paused_minutes >= 0),
  first_response_at         timestamptz,
  resolved_at               timestamptz,
  closed_at                 timestamptz,
  response_minutes          integer CHECK (response_minutes >= 0),
  resolution_minutes        integer CHECK (resolution_minutes >= 0),
  reopened_count            integer NOT NULL DEFAULT 0 CHECK (reopened_count >= 0),

  -- satisfaction
  satisfaction_rating       smallint CHECK (satisfaction_rating BETWEEN 1 AND 5),
  satisfaction_comment      text CHECK (length(satisfaction_comment) <= 4000),
  satisfaction_submitted_at timestamptz,

  -- spam
  spam_score                numeric(3,2) CHECK (spam_score BETWEEN 0 AND 1),
  is_spam                   boolean NOT NULL DEFAULT false,
  captcha_verified          boolean NOT NULL DEFAULT false,

  -- activity
  last_activity_at          timestamptz NOT NULL DEFAULT now(),
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),

  -- search: title weighs more than description. 'simple' config: tickets come in
  -- many languages and stemming one of them would hurt the others.
  search                    tsvector GENERATED ALWAYS AS (
                              setweight(to_tsvector('simple', coalesce(title, '')), 'A') ||
                              setweight(to_tsvector('simple', left(coalesce(description, ''), 100000)), 'B')
                            ) STORED,

  CONSTRAINT tickets_routing_org CHECK (routing_type = 'internal' OR assigned_org_id IS NOT NULL),
  CONSTRAINT tickets_rating_when_done CHECK (satisfaction_rating IS NULL OR satisfaction_submitted_at IS NOT NULL),
  CONSTRAINT tickets_paused_only_waiting CHECK (sla_paused_at IS NULL OR status = 'waiting_customer')
);

-- Foreign keys (every one indexed; partial where the column is mostly NULL).
CREATE INDEX tickets_organization_idx   ON tickets (organization_id) WHERE organization_id IS NOT NULL;
CREATE INDEX tickets_assignee_idx       ON tickets (assignee_id, status) WHERE assignee_id IS NOT NULL;
CREATE INDEX tickets_team_idx           ON tickets (team_id, status) WHERE team_id IS NOT NULL;
CREATE INDEX tickets_request_type_idx   ON tickets (request_type_id);
CREATE INDEX tickets_category_idx       ON tickets (category_id) WHERE category_id IS NOT NULL;
CREATE INDEX tickets_event_idx          ON tickets (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX tickets_sla_policy_idx     ON tickets (sla_policy_id);

-- Customer portal "my tickets", newest first: also the requester FK index.
CREATE INDEX tickets_requester_created_idx ON tickets (requester_id, created_at DESC, id DESC);

-- Support queues. The hot one is "open tickets of my organization, newest
-- first": a partial index on the open statuses keyed by the routing
-- organization serves it with an index-only range scan + LIMIT. It also
-- serves the assigned_org_id foreign key for open tickets; the full index
-- below covers the rest (and the resolved/closed queues).
CREATE INDEX tickets_org_open_created_idx ON tickets (assigned_org_id, created_at DESC, id DESC)
  WHERE status IN ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal') AND NOT is_spam;
CREATE INDEX tickets_org_status_created_idx ON tickets (assigned_org_id, status, created_at DESC);
CREATE INDEX tickets_org_priority_idx ON tickets (assigned_org_id, priority, created_at DESC)
  WHERE status IN ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal');
-- Unassigned queue.
CREATE INDEX tickets_org_unassigned_idx ON tickets (assigned_org_id, created_at DESC)
  WHERE assignee_id IS NULL AND status IN ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal');
-- Platform (internal routing) queue: assigned_org_id may be NULL there.
CREATE INDEX tickets_internal_open_idx ON tickets (created_at DESC)
  WHERE routing_type IN ('internal', 'hybrid')
    AND status IN ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal') AND NOT is_spam;
CREATE INDEX tickets_spam_idx ON tickets (assigned_org_id, created_at DESC) WHERE is_spam;
-- SLA at risk / breached: only tickets whose clock is running.
CREATE INDEX tickets_sla_first_response_idx ON tickets (sla_first_response_due)
  WHERE first_response_at IS NULL AND sla_paused_at IS NULL
    AND status IN ('new', 'open', 'in_progress', 'waiting_internal');
CREATE INDEX tickets_sla_resolution_idx ON tickets (sla_resolution_due)
  WHERE resolved_at IS NULL AND sla_paused_at IS NULL
    AND status IN ('new', 'open', 'in_progress', 'waiting_internal');
CREATE INDEX tickets_last_activity_idx ON tickets (assigned_org_id, last_activity_at DESC);
CREATE INDEX tickets_tags_idx ON tickets USING gin (tags);
CREATE INDEX tickets_search_idx ON tickets USING gin (search);

-- ---------------------------------------------------------------------------
-- Messages
-- ---------------------------------------------------------------------------

CREATE TABLE ticket_messages (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  ticket_id        uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
  author_id        uuid REFERENCES users (id),                 -- NULL: system
  body             text NOT NULL CHECK (length(body) BETWEEN 1 AND 65536),  -- plain text, rendered escaped
  is_internal      boolean NOT NULL DEFAULT false,
  message_type     text NOT NULL DEFAULT 'reply' CHECK (message_type IN
                     ('reply', 'note', 'status_change', 'assignment', 'escalation', 'system')),
  has_attachments  boolean NOT NULL DEFAULT false,
  email_message_id text CHECK (length(email_message_id) <= 998),  -- RFC 5322 Message-ID, for threading
  metadata         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  edited_at        timestamptz,
  edited_by        uuid REFERENCES users (id),
  search           tsvector GENERATED ALWAYS AS (to_tsvector('simple', left(body, 100000))) STORED,
  -- A note is always internal; escalations are staff-only too.
  CHECK (message_type NOT IN ('note', 'escalation') OR is_internal)
);
-- Conversation order; also the ticket_id FK index.
CREATE INDEX ticket_messages_ticket_created_idx ON ticket_messages (ticket_id, created_at, id);
CREATE INDEX ticket_messages_author_idx ON ticket_messages (author_id);
CREATE INDEX ticket_messages_edited_by_idx ON ticket_messages (edited_by) WHERE edited_by IS NOT NULL;
CREATE UNIQUE INDEX ticket_messages_email_message_id_idx ON ticket_messages (email_message_id)
  WHERE email_message_id IS NOT NULL;
CREATE INDEX ticket_messages_search_idx ON ticket_messages USING gin (search);

-- ---------------------------------------------------------------------------
-- Attachments: metadata rows + bytes deduplicated by sha256.
-- ---------------------------------------------------------------------------

CREATE TABLE attachment_blobs (
  sha256     bytea PRIMARY KEY CHECK (length(sha256) = 32),
  data       bytea NOT NULL,
  size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (size_bytes = length(data))
);
-- Bytes are already compressed formats most of the time; skip TOAST compression.
ALTER TABLE attachment_blobs ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE TABLE attachments (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  ticket_id     uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
  message_id    uuid REFERENCES ticket_messages (id) ON DELETE CASCADE,  -- NULL: attached at submission
  file_name     text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255 AND file_name !~ '[/\\\x01-\x1f]'),
  content_type  text NOT NULL CHECK (content_type ~ '^[a-z0-9.+-]+/[a-z0-9.+-]+$'),
  size_bytes    bigint NOT NULL CHECK (size_bytes > 0),
  sha256        bytea NOT NULL REFERENCES attachment_blobs (sha256),
  uploaded_by   uuid REFERENCES users (id),
  virus_scanned boolean NOT NULL DEFAULT false,
  scan_result   text CHECK (scan_result IN ('clean', 'infected', 'error')),
  metadata      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_ticket_idx ON attachments (ticket_id, created_at);
CREATE INDEX attachments_message_idx ON attachments (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX attachments_sha256_idx ON attachments (sha256);
CREATE INDEX attachments_uploaded_by_idx ON attachments (uploaded_by);

-- Size, count and content-type limits from system_settings (configurable).
-- The C code sniffs the real type from the bytes; this is the backstop.
CREATE FUNCTION attachments_enforce_limits() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_blob_size bigint;
BEGIN
  SELECT size_bytes INTO v_blob_size FROM attachment_blobs WHERE sha256 = NEW.sha256;
  IF v_blob_size IS DISTINCT FROM NEW.size_bytes THEN
    RAISE EXCEPTION 'attachment size % does not match its blob', NEW.size_bytes USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.size_bytes > (setting('attachment_max_bytes'))::bigint THEN
    RAISE EXCEPTION 'attachment too large (% bytes)', NEW.size_bytes USING ERRCODE = 'check_violation';
  END IF;
  IF NOT (setting('attachment_allowed_types') ? NEW.content_type) THEN
    RAISE EXCEPTION 'content type % not allowed', NEW.content_type USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.message_id IS NOT NULL THEN
    -- Serialize concurrent uploads to one message so the count cannot be raced.
    PERFORM 1 FROM ticket_messages WHERE id = NEW.message_id AND ticket_id = NEW.ticket_id FOR UPDATE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'message % is not on ticket %', NEW.message_id, NEW.ticket_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF (SELECT count(*) FROM attachments WHERE message_id = NEW.message_id)
       >= (setting('attachment_max_per_message'))::int THEN
      RAISE EXCEPTION 'too many attachments on message' USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER attachments_enforce_limits BEFORE INSERT ON attachments
  FOR EACH ROW EXECUTE FUNCTION attachments_enforce_limits();

-- ---------------------------------------------------------------------------
-- Assignment history (seed 000 support_ticket_assignments), written by trigger.
-- ---------------------------------------------------------------------------

CREATE TABLE ticket_assignments (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  ticket_id             uuid NOT NULL REFERENCES tickets (id),
  assigned_from_user_id uuid REFERENCES users (id),
  assigned_to_user_id   uuid REFERENCES users (id),
  assigned_from_org_id  uuid REFERENCES organizations (id),
  assigned_to_org_id    uuid REFERENCES organizations (id),
  assigned_to_team_id   uuid REFERENCES teams (id),
  assigned_by           uuid REFERENCES users (id),
  assignment_reason     text,
  assigned_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ticket_assignments_ticket_idx ON ticket_assignments (ticket_id, assigned_at DESC);
CREATE INDEX ticket_assignments_from_user_idx ON ticket_assignments (assigned_from_user_id);
CREATE INDEX ticket_assignments_to_user_idx ON ticket_assignments (assigned_to_user_id);
CREATE INDEX ticket_assignments_from_org_idx ON ticket_assignments (assigned_from_org_id);
CREATE INDEX ticket_assignments_to_org_idx ON ticket_assignments (assigned_to_org_id);
CREATE INDEX ticket_assignments_to_team_idx ON ticket_assignments (assigned_to_team_id);
CREATE INDEX ticket_assignments_by_idx ON ticket_assignments (assigned_by);
CREATE INDEX ticket_assignments_assigned_at_idx ON ticket_assignments (assigned_at DESC);

-- ---------------------------------------------------------------------------
-- Audit log (seed 002 ticket_activity_log). Append-only.
-- ---------------------------------------------------------------------------

CREATE TABLE ticket_activity (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- No ON DELETE CASCADE: a ticket with history cannot be deleted (cancel it).
  ticket_id     uuid NOT NULL REFERENCES tickets (id),
  actor_id      uuid REFERENCES users (id),   -- NULL: system / anonymous
  activity_type text NOT NULL CHECK (activity_type IN (
                  'created', 'status_changed', 'priority_changed', 'assigned', 'unassigned',
                  'category_changed', 'comment_added', 'note_added', 'resolved', 'closed',
                  'reopened', 'escalated', 'tag_added', 'tag_removed', 'attachment_added')),
  description   text NOT NULL,
  field_changed text,
  old_value     text,
  new_value     text,
  -- Internal activity (assignment, notes, tags...) is hidden from customers by RLS.
  is_internal   boolean NOT NULL,
  ip_address    inet,
  user_agent    text,
  request_id    text,
  metadata      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ticket_activity_ticket_idx ON ticket_activity (ticket_id, created_at);
CREATE INDEX ticket_activity_actor_idx ON ticket_activity (actor_id);
CREATE INDEX ticket_activity_type_idx ON ticket_activity (activity_type, created_at DESC);

-- Append-only, enforced for everyone but a superuser in replica mode (and
-- TRUNCATE too). Triggers fire for the owner, unlike RLS without FORCE.
CREATE FUNCTION ticket_activity_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ticket_activity is append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER ticket_activity_no_update BEFORE UPDATE OR DELETE ON ticket_activity
  FOR EACH ROW EXECUTE FUNCTION ticket_activity_append_only();
CREATE TRIGGER ticket_activity_no_truncate BEFORE TRUNCATE ON ticket_activity
  FOR EACH STATEMENT EXECUTE FUNCTION ticket_activity_append_only();

-- Writes one audit row with the request context (actor, ip, request id).
CREATE FUNCTION ticket_activity_log(p_ticket uuid, p_type text, p_description text, p_internal boolean,
                                    p_field text DEFAULT NULL, p_old text DEFAULT NULL, p_new text DEFAULT NULL,
                                    p_metadata jsonb DEFAULT '{}') RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  INSERT INTO ticket_activity (ticket_id, actor_id, activity_type, description, field_changed,
                               old_value, new_value, is_internal, ip_address, request_id, metadata)
  VALUES (p_ticket, app_user_id(), p_type, p_description, p_field, p_old, p_new, p_internal,
          app_ip(), app_request_id(), coalesce(p_metadata, '{}'))
$$;
REVOKE EXECUTE ON FUNCTION ticket_activity_log(uuid, text, text, boolean, text, text, text, jsonb) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- SLA helpers
-- ---------------------------------------------------------------------------

-- The policy for a ticket: the routing organization's own active policy for
-- that priority (the platform organization's for internal routing), else the
-- global default.
CREATE FUNCTION sla_policy_for(p_routing text, p_assigned_org uuid, p_priority text) RETURNS sla_policies
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p.*
  FROM sla_policies p
  WHERE p.priority = p_priority AND p.is_active
    AND (p.organization_id IS NULL
         OR p.organization_id = CASE WHEN p_routing = 'internal'
                                     THEN (SELECT id FROM organizations WHERE is_platform)
                                     ELSE p_assigned_org END)
  ORDER BY p.organization_id NULLS LAST
  LIMIT 1
$$;

-- Due dates = created_at + target + time spent paused, all in working minutes
-- of the policy. Recomputing from created_at (instead of shifting in place)
-- makes priority changes and pauses compose without drift.
CREATE FUNCTION tickets_apply_sla(t tickets, p sla_policies) RETURNS tickets
LANGUAGE plpgsql STABLE AS $$
BEGIN
  t.sla_policy_id := p.id;
  IF p.id IS NULL THEN
    t.sla_first_response_due := NULL;
    t.sla_resolution_due := NULL;
  ELSE
    t.sla_first_response_due := sla_add_minutes(t.created_at, p.first_response_minutes + t.sla_paused_minutes,
                                                p.use_business_hours, p.business_hours, p.time_zone);
    t.sla_resolution_due := sla_add_minutes(t.created_at, p.resolution_minutes + t.sla_paused_minutes,
                                            p.use_business_hours, p.business_hours, p.time_zone);
  END IF;
  RETURN t;
END;
$$;

-- ---------------------------------------------------------------------------
-- Ticket BEFORE triggers: number, SLA, lifecycle timestamps and metrics.
-- SECURITY DEFINER so that it may read counters and policies the app role
-- cannot touch; it only ever modifies NEW.
-- ---------------------------------------------------------------------------

CREATE FUNCTION tickets_before_write() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_policy  sla_policies;
  v_prefix  text;
  v_now     timestamptz := now();
  v_active  constant text[] := ARRAY['new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal'];
  v_recalc  boolean := false;
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.created_at := coalesce(NEW.created_at, v_now);
    IF NEW.number IS NULL THEN
      SELECT s.ticket_prefix INTO v_prefix
      FROM organization_settings s
      WHERE s.organization_id = NEW.assigned_org_id AND NEW.routing_type <> 'internal';
      v_prefix := coalesce(v_prefix, setting('ticket_number_prefix') #>> '{}', 'TKT');
      NEW.number := next_ticket_number(v_prefix, NEW.created_at);
    END IF;
    NEW.last_activity_at := greatest(NEW.created_at, coalesce(NEW.last_activity_at, NEW.created_at));
    NEW.updated_at := NEW.created_at;
    NEW.reopened_count := coalesce(NEW.reopened_count, 0);
    NEW.sla_paused_minutes := coalesce(NEW.sla_paused_minutes, 0);
    IF NEW.assignee_id IS NOT NULL THEN
      NEW.assigned_at := coalesce(NEW.assigned_at, NEW.created_at);
    END IF;
    IF NEW.status = 'waiting_customer' THEN
      NEW.sla_paused_at := coalesce(NEW.sla_paused_at, NEW.created_at);
    END IF;
    IF NEW.status IN ('resolved', 'closed') THEN
      NEW.resolved_at := coalesce(NEW.resolved_at, v_now);
    END IF;
    IF NEW.status = 'closed' THEN
      NEW.closed_at := coalesce(NEW.closed_at, v_now);
    END IF;
    IF NEW.spam_score IS NOT NULL AND NEW.spam_score >= (setting('spam_threshold') #>> '{}')::numeric THEN
      NEW.is_spam := true;
    END IF;
    v_recalc := true;
  ELSE
    -- Identity and derived columns are not for callers to rewrite.
    NEW.id := OLD.id;
    NEW.number := OLD.number;
    NEW.created_at := OLD.created_at;
    NEW.updated_at := v_now;
    NEW.last_activity_at := greatest(v_now, OLD.last_activity_at, NEW.last_activity_at);

    IF NEW.assignee_id IS DISTINCT FROM OLD.assignee_id THEN
      NEW.assigned_at := CASE WHEN NEW.assignee_id IS NULL THEN NULL ELSE v_now END;
    END IF;

    IF NEW.status IS DISTINCT FROM OLD.status THEN
      -- SLA pause: the clock stops while we wait for the customer.
      IF NEW.status = 'waiting_customer' THEN
        NEW.sla_paused_at := coalesce(OLD.sla_paused_at, v_now);
      ELSIF OLD.sla_paused_at IS NOT NULL THEN
        v_policy := sla_policy_for(NEW.routing_type, NEW.assigned_org_id, NEW.priority);
        NEW.sla_paused_minutes := OLD.sla_paused_minutes + CASE
          WHEN v_policy.id IS NULL THEN (extract(epoch FROM v_now - OLD.sla_paused_at) / 60)::int
          ELSE sla_minutes_between(OLD.sla_paused_at, v_now, v_policy.use_business_hours,
                                   v_policy.business_hours, v_policy.time_zone) END;
        NEW.sla_paused_at := NULL;
        v_recalc := true;
      END IF;

      IF NEW.status IN ('resolved', 'closed') AND OLD.status NOT IN ('resolved', 'closed') THEN
        NEW.resolved_at := coalesce(OLD.resolved_at, v_now);
      END IF;
      IF NEW.status = 'closed' THEN
        NEW.closed_at := coalesce(OLD.closed_at, v_now);
      END IF;
      -- Reopen: a resolved or closed ticket becomes active again.
      IF OLD.status IN ('resolved', 'closed') AND NEW.status = ANY (v_active) THEN
        NEW.reopened_count := OLD.reopened_count + 1;
        NEW.resolved_at := NULL;
        NEW.closed_at := NULL;
        NEW.resolution_minutes := NULL;
      END IF;
    END IF;

    IF NEW.priority IS DISTINCT FROM OLD.priority
       OR NEW.routing_type IS DISTINCT FROM OLD.routing_type
       OR NEW.assigned_org_id IS DISTINCT FROM OLD.assigned_org_id THEN
      v_recalc := true;
    END IF;
  END IF;

  IF v_recalc THEN
    v_policy := sla_policy_for(NEW.routing_type, NEW.assigned_org_id, NEW.priority);
    NEW := tickets_apply_sla(NEW, v_policy);
  END IF;

  -- Metrics (seed 002): wall-clock minutes from creation.
  IF NEW.first_response_at IS NOT NULL AND NEW.response_minutes IS NULL THEN
    NEW.response_minutes := greatest(0, (extract(epoch FROM NEW.first_response_at - NEW.created_at) / 60)::int);
  END IF;
  IF NEW.resolved_at IS NOT NULL AND NEW.resolution_minutes IS NULL THEN
    NEW.resolution_minutes := greatest(0, (extract(epoch FROM NEW.resolved_at - NEW.created_at) / 60)::int);
  END IF;
  IF NEW.satisfaction_rating IS NOT NULL AND NEW.satisfaction_submitted_at IS NULL THEN
    NEW.satisfaction_submitted_at := v_now;
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER tickets_before_write BEFORE INSERT OR UPDATE ON tickets
  FOR EACH ROW EXECUTE FUNCTION tickets_before_write();

-- ---------------------------------------------------------------------------
-- Ticket AFTER trigger: the audit log and the assignment history.
-- ---------------------------------------------------------------------------

CREATE FUNCTION tickets_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_tag text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM ticket_activity_log(NEW.id, 'created', 'Ticket ' || NEW.number || ' created', false,
                                NULL, NULL, NEW.status, jsonb_build_object('source', NEW.source));
    IF NEW.assignee_id IS NOT NULL OR NEW.assigned_org_id IS NOT NULL OR NEW.team_id IS NOT NULL THEN
      INSERT INTO ticket_assignments (ticket_id, assigned_to_user_id, assigned_to_org_id, assigned_to_team_id,
                                      assigned_by, assignment_reason, assigned_at)
      VALUES (NEW.id, NEW.assignee_id, NEW.assigned_org_id, NEW.team_id, app_user_id(), 'initial routing', NEW.created_at);
    END IF;
    IF NEW.assignee_id IS NOT NULL THEN
      PERFORM ticket_activity_log(NEW.id, 'assigned', 'Ticket assigned', true, 'assignee_id', NULL, NEW.assignee_id::text);
    END IF;
    RETURN NULL;
  END IF;

  IF NEW.status IS DISTINCT FROM OLD.status THEN
    PERFORM ticket_activity_log(NEW.id, 'status_changed',
                                'Status changed from ' || OLD.status || ' to ' || NEW.status, false,
                                'status', OLD.status, NEW.status);
    IF NEW.status = 'resolved' THEN
      PERFORM ticket_activity_log(NEW.id, 'resolved', 'Ticket resolved', false);
    ELSIF NEW.status = 'closed' THEN
      PERFORM ticket_activity_log(NEW.id, 'closed', 'Ticket closed', false);
    END IF;
    IF NEW.reopened_count > OLD.reopened_count THEN
      PERFORM ticket_activity_log(NEW.id, 'reopened', 'Ticket reopened', false,
                                  'reopened_count', OLD.reopened_count::text, NEW.reopened_count::text);
    END IF;
  END IF;

  IF NEW.priority IS DISTINCT FROM OLD.priority THEN
    PERFORM ticket_activity_log(NEW.id, 'priority_changed',
                                'Priority changed from ' || OLD.priority || ' to ' || NEW.priority, true,
                                'priority', OLD.priority, NEW.priority);
  END IF;

  IF NEW.category_id IS DISTINCT FROM OLD.category_id THEN
    PERFORM ticket_activity_log(NEW.id, 'category_changed', 'Category changed', true,
                                'category_id', OLD.category_id::text, NEW.category_id::text);
  END IF;

  IF NEW.assignee_id IS DISTINCT FROM OLD.assignee_id THEN
    IF NEW.assignee_id IS NULL THEN
      PERFORM ticket_activity_log(NEW.id, 'unassigned', 'Ticket unassigned', true,
                                  'assignee_id', OLD.assignee_id::text, NULL);
    ELSE
      PERFORM ticket_activity_log(NEW.id, 'assigned', 'Ticket assigned', true,
                                  'assignee_id', OLD.assignee_id::text, NEW.assignee_id::text);
    END IF;
  END IF;
  IF NEW.assigned_org_id IS DISTINCT FROM OLD.assigned_org_id THEN
    PERFORM ticket_activity_log(NEW.id, CASE WHEN NEW.assigned_org_id IS NULL THEN 'unassigned' ELSE 'assigned' END,
                                'Routing organization changed', true,
                                'assigned_org_id', OLD.assigned_org_id::text, NEW.assigned_org_id::text);
  END IF;
  IF NEW.team_id IS DISTINCT FROM OLD.team_id THEN
    PERFORM ticket_activity_log(NEW.id, CASE WHEN NEW.team_id IS NULL THEN 'unassigned' ELSE 'assigned' END,
                                'Team changed', true, 'team_id', OLD.team_id::text, NEW.team_id::text);
  END IF;
  IF NEW.assignee_id IS DISTINCT FROM OLD.assignee_id
     OR NEW.assigned_org_id IS DISTINCT FROM OLD.assigned_org_id
     OR NEW.team_id IS DISTINCT FROM OLD.team_id THEN
    INSERT INTO ticket_assignments (ticket_id, assigned_from_user_id, assigned_to_user_id, assigned_from_org_id,
                                    assigned_to_org_id, assigned_to_team_id, assigned_by, assignment_reason)
    VALUES (NEW.id, OLD.assignee_id, NEW.assignee_id, OLD.assigned_org_id, NEW.assigned_org_id, NEW.team_id,
            app_user_id(), nullif(current_setting('app.assignment_reason', true), ''));
  END IF;

  -- Tags: one row per tag added or removed.
  IF NEW.tags IS DISTINCT FROM OLD.tags THEN
    FOR v_tag IN SELECT DISTINCT unnest(NEW.tags) EXCEPT SELECT unnest(OLD.tags) LOOP
      PERFORM ticket_activity_log(NEW.id, 'tag_added', 'Tag added: ' || v_tag, true, 'tags', NULL, v_tag);
    END LOOP;
    FOR v_tag IN SELECT DISTINCT unnest(OLD.tags) EXCEPT SELECT unnest(NEW.tags) LOOP
      PERFORM ticket_activity_log(NEW.id, 'tag_removed', 'Tag removed: ' || v_tag, true, 'tags', v_tag, NULL);
    END LOOP;
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER tickets_audit AFTER INSERT OR UPDATE ON tickets
  FOR EACH ROW EXECUTE FUNCTION tickets_audit();

-- ---------------------------------------------------------------------------
-- Message triggers
-- ---------------------------------------------------------------------------

-- Who is staff for a ticket: platform staff, or active staff of the routing
-- organization when the routing lets organizations work it.
CREATE FUNCTION is_ticket_staff(p_user uuid, p_ticket tickets) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT FROM users u WHERE u.id = p_user AND u.is_active AND u.platform_role IS NOT NULL)
      OR (p_ticket.routing_type <> 'internal' AND EXISTS (
            SELECT FROM memberships m
            WHERE m.user_id = p_user AND m.organization_id = p_ticket.assigned_org_id AND m.is_active))
$$;
REVOKE EXECUTE ON FUNCTION is_ticket_staff(uuid, tickets) FROM PUBLIC;

CREATE FUNCTION ticket_messages_before_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    -- A message stays on its ticket, with its author and time; edits are stamped.
    NEW.id := OLD.id;
    NEW.ticket_id := OLD.ticket_id;
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
CREATE TRIGGER ticket_messages_before_write BEFORE INSERT OR UPDATE ON ticket_messages
  FOR EACH ROW EXECUTE FUNCTION ticket_messages_before_write();

-- After a message: last_activity_at, first_response_at (the first public reply
-- by staff), the audit row, and a customer reply ends waiting_customer.
-- SECURITY DEFINER: a customer's reply must bump these fields although the
-- customer may not UPDATE tickets.
CREATE FUNCTION ticket_messages_after_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t        tickets;
  v_staff  boolean;
BEGIN
  SELECT * INTO t FROM tickets WHERE id = NEW.ticket_id FOR UPDATE;
  v_staff := NEW.author_id IS NOT NULL AND NEW.author_id <> t.requester_id AND is_ticket_staff(NEW.author_id, t);

  UPDATE tickets SET
    last_activity_at = greatest(last_activity_at, NEW.created_at),
    first_response_at = CASE
      WHEN first_response_at IS NULL AND v_staff AND NOT NEW.is_internal AND NEW.message_type = 'reply'
      THEN NEW.created_at ELSE first_response_at END,
    status = CASE
      WHEN status = 'waiting_customer' AND NEW.author_id = t.requester_id AND NOT NEW.is_internal THEN 'open'
      ELSE status END
  WHERE id = NEW.ticket_id;

  IF NEW.message_type = 'escalation' THEN
    PERFORM ticket_activity_log(NEW.ticket_id, 'escalated', left(NEW.body, 200), true,
                                NULL, NULL, NULL, jsonb_build_object('message_id', NEW.id));
  ELSIF NEW.message_type IN ('reply', 'note') THEN
    PERFORM ticket_activity_log(NEW.ticket_id,
                                CASE WHEN NEW.is_internal THEN 'note_added' ELSE 'comment_added' END,
                                CASE WHEN NEW.is_internal THEN 'Internal note added' ELSE 'Reply added' END,
                                NEW.is_internal, NULL, NULL, NULL, jsonb_build_object('message_id', NEW.id));
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER ticket_messages_after_insert AFTER INSERT ON ticket_messages
  FOR EACH ROW EXECUTE FUNCTION ticket_messages_after_insert();

CREATE FUNCTION attachments_after_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_internal boolean := false;
BEGIN
  IF NEW.message_id IS NOT NULL THEN
    UPDATE ticket_messages SET has_attachments = true
    WHERE id = NEW.message_id AND NOT has_attachments
    RETURNING is_internal INTO v_internal;
    IF NOT FOUND THEN
      SELECT is_internal INTO v_internal FROM ticket_messages WHERE id = NEW.message_id;
    END IF;
  END IF;
  PERFORM ticket_activity_log(NEW.ticket_id, 'attachment_added', 'Attachment added: ' || NEW.file_name,
                              coalesce(v_internal, false), NULL, NULL, NEW.file_name,
                              jsonb_build_object('attachment_id', NEW.id));
  UPDATE tickets SET last_activity_at = greatest(last_activity_at, NEW.created_at) WHERE id = NEW.ticket_id;
  RETURN NULL;
END;
$$;
CREATE TRIGGER attachments_after_insert AFTER INSERT ON attachments
  FOR EACH ROW EXECUTE FUNCTION attachments_after_insert();
