-- 0034_webhooks.sql: an organization's webhooks (SPEC 3, "REST API and
-- webhooks") and their transactional outbox.
--
-- webhooks: one subscription per URL, the events it wants, a signing
--   secret and whether internal addresses may be reached (off unless an
--   admin ticks it). The secret has to be usable again (every delivery is
--   signed with it, HMAC-SHA-256), so it cannot be stored as a hash: the
--   application seals it (crypto_secretbox under a key derived from the
--   server secret, context "sdwebhk", base64url) and only the mailer opens
--   it. A dump of the database alone reveals no secret.
-- webhook_deliveries: one row per event and matching active subscription,
--   written by triggers in the transaction of the change itself (web,
--   email, API, scheduler: every path), with its payload ready to send.
--   The mailer claims them as it claims emails (SKIP LOCKED, a lease,
--   backoff, permanent failure after webhook_max_attempts), woken by the
--   same NOTIFY outbox.

INSERT INTO system_settings (key, value, description) VALUES
  ('webhook_max_attempts', '8', 'Deliveries of one webhook event tried before it is failed for good'),
  ('webhook_backoff_seconds', '30', 'First retry delay of a webhook delivery; doubled each attempt, at most 6 hours'),
  ('webhook_retention_days', '30', 'Days a delivered or failed webhook delivery is kept')
ON CONFLICT (key) DO NOTHING;

CREATE TABLE webhooks (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  url             text NOT NULL CHECK (length(url) BETWEEN 8 AND 2000 AND url ~* '^https?://[^\s]+$'),
  events          text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 4
                    AND events <@ ARRAY['ticket.created', 'ticket.updated', 'message.added', 'sla.breached']),
  secret_sealed   text NOT NULL CHECK (length(secret_sealed) BETWEEN 1 AND 500),
  is_active       boolean NOT NULL DEFAULT true,
  allow_internal  boolean NOT NULL DEFAULT false,
  created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_org_idx ON webhooks (organization_id, created_at, id);
CREATE INDEX webhooks_created_by_idx ON webhooks (created_by) WHERE created_by IS NOT NULL;
CREATE TRIGGER webhooks_updated_at BEFORE UPDATE ON webhooks
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE webhook_deliveries (
  id              uuid PRIMARY KEY,
  webhook_id      uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  event           text NOT NULL CHECK (event IN ('ticket.created', 'ticket.updated', 'message.added',
                                                 'sla.breached', 'ping')),
  payload         jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_until    timestamptz,
  response_code   integer CHECK (response_code BETWEEN 0 AND 999),
  last_error      text CHECK (length(last_error) <= 2000),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz,
  CHECK ((status = 'delivered') = (delivered_at IS NOT NULL)),
  CHECK (status <> 'sending' OR locked_until IS NOT NULL)
);
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_sending_idx ON webhook_deliveries (locked_until) WHERE status = 'sending';
-- The admin page's recent deliveries of one webhook; also the FK index.
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at DESC, id);
CREATE INDEX webhook_deliveries_org_idx ON webhook_deliveries (organization_id);
CREATE TRIGGER webhook_deliveries_updated_at BEFORE UPDATE ON webhook_deliveries
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
-- The mailer listens on outbox already: one wake-up for both queues.
CREATE TRIGGER webhook_deliveries_notify AFTER INSERT ON webhook_deliveries
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- ---------------------------------------------------------------------------
-- Row-level security: an organization's admins (and platform admins) only.
-- Agents and customers see none; deliveries are read-only to everyone (the
-- triggers and the mailer's functions write them).
-- ---------------------------------------------------------------------------
ALTER TABLE webhooks ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
CREATE POLICY webhooks_admin ON webhooks FOR ALL TO supportdesk_app
  USING ((select app_is_platform_admin()) OR organization_id = ANY ((select app_admin_org_ids())::uuid[]))
  WITH CHECK ((select app_is_platform_admin()) OR organization_id = ANY ((select app_admin_org_ids())::uuid[]));
CREATE POLICY webhook_deliveries_admin_select ON webhook_deliveries FOR SELECT TO supportdesk_app
  USING ((select app_is_platform_admin()) OR organization_id = ANY ((select app_admin_org_ids())::uuid[]));
GRANT SELECT, INSERT, UPDATE, DELETE ON webhooks TO supportdesk_app;
GRANT SELECT ON webhook_deliveries TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- Audit (config_audit): every write, but never the sealed secret: a
-- rotation shows as "secret_rotated": true.
-- ---------------------------------------------------------------------------
SELECT config_audit_entity_allow('webhook');

CREATE FUNCTION webhooks_config_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_old jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) - 'secret_sealed' - 'updated_at' END;
  v_new jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) - 'secret_sealed' - 'updated_at' END;
  v_row record;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.secret_sealed IS DISTINCT FROM NEW.secret_sealed THEN
      v_new := v_new || '{"secret_rotated": true}';
    ELSIF v_old = v_new THEN
      RETURN NULL;
    END IF;
  END IF;
  v_row := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  INSERT INTO config_audit (organization_id, actor_id, entity, entity_id, action, before, after, request_id, ip_address)
  VALUES (v_row.organization_id, app_user_id(), 'webhook', v_row.id::text, lower(TG_OP), v_old, v_new,
          app_request_id(), app_ip());
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION webhooks_config_audit() FROM PUBLIC;
CREATE TRIGGER webhooks_config_audit AFTER INSERT OR UPDATE OR DELETE ON webhooks
  FOR EACH ROW EXECUTE FUNCTION webhooks_config_audit();

-- ---------------------------------------------------------------------------
-- Enqueueing: one delivery per active subscription of p_org that wants
-- p_event, in the caller's transaction. The payload is complete here (its
-- id is the delivery's), so the mailer sends exactly the stored bytes.
-- Returns how many were written.
-- ---------------------------------------------------------------------------
CREATE FUNCTION webhook_enqueue(p_org uuid, p_event text, p_data jsonb) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_n integer := 0;
  v_org jsonb;
BEGIN
  IF p_org IS NULL OR NOT EXISTS (SELECT 1 FROM webhooks w WHERE w.organization_id = p_org AND w.is_active
                                  AND (p_event = ANY (w.events))) THEN
    RETURN 0;
  END IF;
  SELECT jsonb_build_object('id', o.id, 'slug', o.slug) INTO v_org FROM organizations o WHERE o.id = p_org;
  WITH ins AS (
    INSERT INTO webhook_deliveries (id, webhook_id, organization_id, event, payload)
    SELECT d.id, w.id, p_org, p_event,
           jsonb_build_object('id', d.id, 'event', p_event,
                              'time', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                              'organization', v_org, 'data', p_data)
    FROM webhooks w CROSS JOIN LATERAL (SELECT gen_random_uuid() AS id) d
    WHERE w.organization_id = p_org AND w.is_active AND p_event = ANY (w.events)
    RETURNING 1)
  SELECT count(*) INTO v_n FROM ins;
  RETURN v_n;
END;
$$;
REVOKE EXECUTE ON FUNCTION webhook_enqueue(uuid, text, jsonb) FROM PUBLIC;

-- Whose integration hears of a ticket: the organization whose staff work
-- it. Internal tickets (the platform's own) reach no organization's hooks.
CREATE FUNCTION webhook_ticket_org(p_routing text, p_assigned uuid) RETURNS uuid
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_routing <> 'internal' THEN p_assigned END
$$;

CREATE FUNCTION webhook_ticket_json(t tickets) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT jsonb_build_object('id', t.id, 'number', t.number, 'title', t.title, 'status', t.status,
                            'priority', t.priority, 'source', t.source, 'assignee_id', t.assignee_id,
                            'team_id', t.team_id, 'category_id', t.category_id,
                            'requester_id', t.requester_id, 'tags', to_jsonb(t.tags),
                            'created_at', t.created_at)
$$;

CREATE FUNCTION webhook_on_ticket() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_org uuid := webhook_ticket_org(NEW.routing_type, NEW.assigned_org_id);
  v_old jsonb;
  v_new jsonb;
  v_changed jsonb := '{}';
  k text;
BEGIN
  -- Most organizations have no webhook: a ticket update of theirs costs
  -- one index probe, no JSON.
  IF v_org IS NULL OR NOT EXISTS (SELECT 1 FROM webhooks w WHERE w.organization_id = v_org AND w.is_active) THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM webhook_enqueue(v_org, 'ticket.created', jsonb_build_object('ticket', webhook_ticket_json(NEW)));
    RETURN NULL;
  END IF;
  -- Only the fields a person changes: the SLA columns, counters and
  -- updated_at move on their own and would flood the receiver.
  v_old := to_jsonb(OLD);
  v_new := to_jsonb(NEW);
  FOREACH k IN ARRAY ARRAY['title', 'status', 'priority', 'assignee_id', 'team_id', 'category_id', 'tags',
                           'due_date', 'assigned_org_id', 'routing_type', 'request_type_id', 'custom_fields'] LOOP
    IF v_old->k IS DISTINCT FROM v_new->k THEN
      v_changed := v_changed || jsonb_build_object(k, jsonb_build_object('from', v_old->k, 'to', v_new->k));
    END IF;
  END LOOP;
  IF v_changed <> '{}' THEN
    PERFORM webhook_enqueue(v_org, 'ticket.updated',
                            jsonb_build_object('ticket', webhook_ticket_json(NEW), 'changes', v_changed));
  END IF;
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION webhook_on_ticket() FROM PUBLIC;
CREATE TRIGGER tickets_webhook AFTER INSERT OR UPDATE ON tickets
  FOR EACH ROW EXECUTE FUNCTION webhook_on_ticket();

-- Notes included: webhooks are the organization's own integrations; they
-- carry is_internal so the receiver can keep them from customers.
CREATE FUNCTION webhook_on_message() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t tickets;
  v_org uuid;
BEGIN
  SELECT * INTO t FROM tickets WHERE id = NEW.ticket_id;
  v_org := webhook_ticket_org(t.routing_type, t.assigned_org_id);
  IF v_org IS NOT NULL THEN
    PERFORM webhook_enqueue(v_org, 'message.added', jsonb_build_object(
      'ticket', jsonb_build_object('id', t.id, 'number', t.number),
      'message', jsonb_build_object('id', NEW.id, 'author_id', NEW.author_id, 'type', NEW.message_type,
                                    'is_internal', NEW.is_internal, 'body', NEW.body,
                                    'created_at', NEW.created_at)));
  END IF;
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION webhook_on_message() FROM PUBLIC;
CREATE TRIGGER ticket_messages_webhook AFTER INSERT ON ticket_messages
  FOR EACH ROW EXECUTE FUNCTION webhook_on_message();

CREATE FUNCTION webhook_on_sla_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t tickets;
  v_org uuid;
BEGIN
  IF NEW.kind NOT LIKE '%_breach' THEN
    RETURN NULL;
  END IF;
  SELECT * INTO t FROM tickets WHERE id = NEW.ticket_id;
  v_org := webhook_ticket_org(t.routing_type, t.assigned_org_id);
  IF v_org IS NOT NULL THEN
    PERFORM webhook_enqueue(v_org, 'sla.breached', jsonb_build_object(
      'ticket', jsonb_build_object('id', t.id, 'number', t.number, 'priority', t.priority),
      'sla', jsonb_build_object('clock', replace(NEW.kind, '_breach', ''), 'due_at', NEW.due_at)));
  END IF;
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION webhook_on_sla_event() FROM PUBLIC;
CREATE TRIGGER sla_events_webhook AFTER INSERT ON sla_events
  FOR EACH ROW EXECUTE FUNCTION webhook_on_sla_event();

-- The admin page's "send test event": one delivery of event "ping" to that
-- webhook (active or not), if the caller administers its organization.
-- Returns the delivery id, or NULL.
CREATE FUNCTION webhook_send_test(p_org uuid, p_webhook uuid) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_id uuid := gen_random_uuid();
  v_org jsonb;
BEGIN
  IF p_org IS NULL OR p_webhook IS NULL OR NOT (app_is_org_admin(p_org) OR app_is_platform_admin())
     OR NOT EXISTS (SELECT 1 FROM webhooks WHERE id = p_webhook AND organization_id = p_org) THEN
    RETURN NULL;
  END IF;
  SELECT jsonb_build_object('id', o.id, 'slug', o.slug) INTO v_org FROM organizations o WHERE o.id = p_org;
  INSERT INTO webhook_deliveries (id, webhook_id, organization_id, event, payload)
  VALUES (v_id, p_webhook, p_org, 'ping',
          jsonb_build_object('id', v_id, 'event', 'ping',
                             'time', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                             'organization', v_org, 'data', jsonb_build_object('webhook_id', p_webhook)));
  RETURN v_id;
END;
$$;
REVOKE EXECUTE ON FUNCTION webhook_send_test(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION webhook_send_test(uuid, uuid) TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- The mailer's side, the outbox's shape: claim due rows (SKIP LOCKED, a
-- lease), mark delivered or failed (backoff webhook_backoff_seconds *
-- 2^(attempts-1), at most 6 h; failed for good after webhook_max_attempts).
-- A delivery whose webhook was deactivated since is failed, not sent.
-- ---------------------------------------------------------------------------
CREATE FUNCTION webhook_claim(p_limit integer, p_lease interval)
RETURNS TABLE (id uuid, event text, body text, attempts integer, url text, secret_sealed text,
               allow_internal boolean, is_active boolean)
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH due AS (
    SELECT d.id FROM webhook_deliveries d
    WHERE (d.status = 'pending' AND d.next_attempt_at <= now())
       OR (d.status = 'sending' AND d.locked_until < now())
    ORDER BY d.next_attempt_at
    LIMIT greatest(p_limit, 0)
    FOR UPDATE SKIP LOCKED),
  claimed AS (
    UPDATE webhook_deliveries d SET status = 'sending', attempts = d.attempts + 1, locked_until = now() + p_lease
    FROM due WHERE d.id = due.id
    RETURNING d.id, d.event, d.payload, d.attempts, d.webhook_id)
  SELECT c.id, c.event, c.payload::text, c.attempts, w.url, w.secret_sealed, w.allow_internal,
         w.is_active OR c.event = 'ping'
  FROM claimed c JOIN webhooks w ON w.id = c.webhook_id
$$;

CREATE FUNCTION webhook_mark_delivered(p_id uuid, p_code integer) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), locked_until = NULL,
                                last_error = NULL, response_code = p_code
  WHERE id = p_id AND status = 'sending'
  RETURNING true
$$;

-- Returns the new status and the seconds until the next attempt (NULL
-- when failed for good), or no row when the delivery is no longer ours.
CREATE FUNCTION webhook_mark_failed(p_id uuid, p_code integer, p_error text, p_permanent boolean)
RETURNS TABLE (status text, retry_in_s double precision)
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH next AS (
    SELECT d.id, CASE WHEN p_permanent OR d.attempts >= (setting('webhook_max_attempts'))::int
                      THEN 'failed' ELSE 'pending' END AS status,
           least(interval '6 hours', make_interval(secs => (setting('webhook_backoff_seconds'))::float8
                                                          * power(2, greatest(d.attempts - 1, 0)))) AS delay
    FROM webhook_deliveries d WHERE d.id = p_id AND d.status = 'sending')
  UPDATE webhook_deliveries d SET
    status = next.status,
    next_attempt_at = now() + next.delay,
    locked_until = NULL,
    response_code = p_code,
    last_error = left(p_error, 2000)
  FROM next WHERE d.id = next.id
  RETURNING d.status, CASE WHEN d.status = 'pending' THEN extract(epoch FROM next.delay)::float8 END
$$;

CREATE FUNCTION webhook_purge(p_older interval DEFAULT NULL) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH gone AS (
    DELETE FROM webhook_deliveries
    WHERE status IN ('delivered', 'failed')
      AND updated_at < now() - coalesce(p_older, make_interval(days => (setting('webhook_retention_days'))::int))
    RETURNING 1)
  SELECT count(*) FROM gone
$$;

REVOKE EXECUTE ON FUNCTION
  webhook_ticket_org(text, uuid),
  webhook_ticket_json(tickets),
  webhook_claim(integer, interval),
  webhook_mark_delivered(uuid, integer),
  webhook_mark_failed(uuid, integer, text, boolean),
  webhook_purge(interval)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  webhook_claim(integer, interval),
  webhook_mark_delivered(uuid, integer),
  webhook_mark_failed(uuid, integer, text, boolean),
  webhook_purge(interval)
TO supportdesk_app;
