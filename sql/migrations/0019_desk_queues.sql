-- 0019: the support desk's queues (GET /desk), bulk actions and the spam view.
--
--   * desk_sla_state(): a ticket's SLA state as the queues show it and the
--     "sla" queue selects it ('breached', 'at_risk', 'ok', 'paused' or
--     NULL when no clock runs);
--   * indexes for the queues at scale, each keyed by the routing
--     organization (the desk's scope) and the queue's sort;
--   * spam: marking and clearing is_spam leaves an audit row (the existing
--     tickets_audit trigger does not look at is_spam);
--   * "delete" of a spam ticket: ticket_activity is append-only and its
--     rows reference the ticket, so a ticket with history is never removed.
--     desk_spam_delete() cancels it, stamps deleted_at/deleted_by and
--     writes a 'deleted' audit row; a RESTRICTIVE policy then hides it from
--     the application role everywhere (queues, workspace, portal, search,
--     attachments and activity, whose policies look the ticket up). The
--     owner still sees it, for audit.
--
-- Queue counts are not kept here: the desk counts each queue with LIMIT
-- 1000 (shown "999+"), which costs at most 1000 index entries per queue
-- and stays exact for the SLA queue, whose membership changes with the
-- clock and which no trigger could keep.

-- ---------------------------------------------------------------------------
-- Audit vocabulary. Migrations add activity types through
-- ticket_activity_types_add(), which rebuilds the check constraint from its
-- current values plus the new ones, so that each migration's values survive
-- the next one's. Here: spam marked and cleared, deleted.
-- ---------------------------------------------------------------------------
CREATE FUNCTION ticket_activity_types_add(p_types text[]) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  v_name text;
  v_def  text;
  v_vals text[];
BEGIN
  SELECT c.conname, pg_get_constraintdef(c.oid) INTO v_name, v_def
  FROM pg_constraint c
  WHERE c.conrelid = 'ticket_activity'::regclass AND c.contype = 'c'
    AND pg_get_constraintdef(c.oid) LIKE '%activity_type%';
  SELECT array_agg(DISTINCT v ORDER BY v) INTO v_vals
  FROM (SELECT m[1] AS v FROM regexp_matches(v_def, '''([a-z_]+)''', 'g') m
        UNION SELECT unnest(p_types)) x;
  EXECUTE format('ALTER TABLE ticket_activity DROP CONSTRAINT %I', v_name);
  -- Written as quoted literals (not an array literal), so that the next
  -- call reads them back with the same pattern as 0003's IN list.
  EXECUTE format('ALTER TABLE ticket_activity ADD CONSTRAINT %I CHECK (activity_type IN (%s))',
                 v_name, (SELECT string_agg(quote_literal(v), ', ') FROM unnest(v_vals) v));
END;
$$;
REVOKE EXECUTE ON FUNCTION ticket_activity_types_add(text[]) FROM PUBLIC;

SELECT ticket_activity_types_add(ARRAY['spam_marked', 'spam_cleared', 'deleted']);

-- ---------------------------------------------------------------------------
-- Deleted spam: kept for the audit trail, invisible to the application.
-- ---------------------------------------------------------------------------
ALTER TABLE tickets ADD COLUMN deleted_at timestamptz;
ALTER TABLE tickets ADD COLUMN deleted_by uuid REFERENCES users (id);
CREATE INDEX tickets_deleted_by_idx ON tickets (deleted_by) WHERE deleted_by IS NOT NULL;
ALTER TABLE tickets ADD CONSTRAINT tickets_deleted_only_spam CHECK (deleted_at IS NULL OR is_spam);

CREATE POLICY tickets_not_deleted ON tickets AS RESTRICTIVE FOR ALL TO supportdesk_app
  USING (deleted_at IS NULL) WITH CHECK (deleted_at IS NULL);

-- is_spam is granted for UPDATE; a deleted ticket must stay spam.
CREATE FUNCTION tickets_spam_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NEW.is_spam THEN
    PERFORM ticket_activity_log(NEW.id, 'spam_marked', 'Marked as spam', true, 'is_spam', 'false', 'true');
  ELSE
    PERFORM ticket_activity_log(NEW.id, 'spam_cleared', 'Marked as not spam', true, 'is_spam', 'true', 'false');
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER tickets_spam_audit AFTER UPDATE OF is_spam ON tickets
  FOR EACH ROW WHEN (OLD.is_spam IS DISTINCT FROM NEW.is_spam)
  EXECUTE FUNCTION tickets_spam_audit();

-- Deletes (see above) the spam ticket `p_number` for the acting user, who
-- must be staff of it (platform staff, or active staff of the routing
-- organization). Answers 'ok', 'not_found' (unknown, deleted already, or
-- not theirs: one answer) or 'not_spam'.
CREATE FUNCTION desk_spam_delete(p_number text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t tickets;
BEGIN
  SELECT * INTO t FROM tickets WHERE number = p_number AND deleted_at IS NULL FOR UPDATE;
  IF NOT FOUND OR app_user_id() IS NULL OR NOT is_ticket_staff(app_user_id(), t) THEN
    RETURN 'not_found';
  END IF;
  IF NOT t.is_spam THEN
    RETURN 'not_spam';
  END IF;
  UPDATE tickets SET status = 'cancelled', deleted_at = now(), deleted_by = app_user_id() WHERE id = t.id;
  PERFORM ticket_activity_log(t.id, 'deleted', 'Spam deleted', true, 'deleted_at', NULL, now()::text);
  RETURN 'ok';
END;
$$;
REVOKE EXECUTE ON FUNCTION desk_spam_delete(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION desk_spam_delete(text) TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- SLA state, as the queues show it. A clock runs while the ticket is
-- active and not waiting on the customer (new, open, in_progress,
-- waiting_internal) and its target is not met yet (first_response_at,
-- resolved_at). A running clock is
--   'breached' once now >= its due time;
--   'at_risk'  once the policy's warning_threshold_percent of the span from
--              creation to the due time has passed (wall-clock: the due
--              time already counts business hours and pauses; 75 when the
--              ticket has no policy);
--   'ok'       before that.
-- The first response clock is looked at first (it is due sooner); the
-- worse of the two wins. 'paused': waiting on the customer with a clock
-- not met. NULL: no clock (no policy, or both targets met, or done).
-- ---------------------------------------------------------------------------
CREATE FUNCTION desk_sla_state(p_status text, p_paused_at timestamptz, p_created_at timestamptz,
                               p_first_response_at timestamptz, p_first_response_due timestamptz,
                               p_resolved_at timestamptz, p_resolution_due timestamptz,
                               p_warning_percent integer, p_now timestamptz)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN p_status = 'waiting_customer'
         AND ((p_first_response_at IS NULL AND p_first_response_due IS NOT NULL)
              OR (p_resolved_at IS NULL AND p_resolution_due IS NOT NULL)) THEN 'paused'
    WHEN p_status NOT IN ('new', 'open', 'in_progress', 'waiting_internal') OR p_paused_at IS NOT NULL THEN NULL
    WHEN (p_first_response_at IS NULL AND p_first_response_due <= p_now)
         OR (p_resolved_at IS NULL AND p_resolution_due <= p_now) THEN 'breached'
    WHEN (p_first_response_at IS NULL AND p_first_response_due IS NOT NULL
          AND extract(epoch FROM p_now - p_created_at)
              >= extract(epoch FROM p_first_response_due - p_created_at) * coalesce(p_warning_percent, 75) / 100.0)
         OR (p_resolved_at IS NULL AND p_resolution_due IS NOT NULL
          AND extract(epoch FROM p_now - p_created_at)
              >= extract(epoch FROM p_resolution_due - p_created_at) * coalesce(p_warning_percent, 75) / 100.0)
      THEN 'at_risk'
    WHEN (p_first_response_at IS NULL AND p_first_response_due IS NOT NULL)
         OR (p_resolved_at IS NULL AND p_resolution_due IS NOT NULL) THEN 'ok'
  END
$$;
GRANT EXECUTE ON FUNCTION desk_sla_state(text, timestamptz, timestamptz, timestamptz, timestamptz, timestamptz,
                                         timestamptz, integer, timestamptz) TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- What a queue row shows and searches beyond the ticket itself. Under the
-- users and ticket_messages policies these cost a policy check per row
-- that dwarfs the queue (users' policies look for the user's messages; a
-- message's policy looks its ticket up again), so each is a SECURITY
-- DEFINER function that checks, once per ticket, what the tickets staff
-- policies allow: platform staff, or active staff of the organization the
-- ticket is routed to (not internal), and never a deleted ticket. A
-- customer, even the requester, gets nothing (internal notes stay hidden).
-- ---------------------------------------------------------------------------

-- Requester and assignee of each of the tickets, by name (the address when
-- nameless).
CREATE FUNCTION desk_ticket_people(p_tickets uuid[])
RETURNS TABLE (ticket_id uuid, requester text, assignee text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT t.id, coalesce(nullif(btrim(r.name), ''), r.email::text), coalesce(nullif(btrim(a.name), ''), a.email::text)
  FROM tickets t
  JOIN users r ON r.id = t.requester_id
  LEFT JOIN users a ON a.id = t.assignee_id
  WHERE t.id = ANY (p_tickets) AND t.deleted_at IS NULL
    AND ((SELECT app_is_platform_staff())
         OR (t.routing_type <> 'internal' AND t.assigned_org_id = ANY ((SELECT app_staff_org_ids())::uuid[])))
$$;
REVOKE EXECUTE ON FUNCTION desk_ticket_people(uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION desk_ticket_people(uuid[]) TO supportdesk_app;

-- Whether a message of the ticket (internal notes too) matches p_q.
CREATE FUNCTION desk_messages_match(p_ticket uuid, p_q tsquery) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM tickets t
                 WHERE t.id = p_ticket AND t.deleted_at IS NULL
                   AND (app_is_platform_staff()
                        OR (t.routing_type <> 'internal' AND t.assigned_org_id = ANY (app_staff_org_ids())))
                   AND EXISTS (SELECT 1 FROM ticket_messages m WHERE m.ticket_id = t.id AND m.search @@ p_q))
$$;
REVOKE EXECUTE ON FUNCTION desk_messages_match(uuid, tsquery) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION desk_messages_match(uuid, tsquery) TO supportdesk_app;

-- The users with address p_email (any case) who requested a ticket the
-- acting user works: the requester search of a queue.
CREATE FUNCTION desk_requester_ids(p_email text) RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce(array_agg(u.id), '{}')
  FROM users u
  WHERE u.email = p_email::citext
    AND EXISTS (SELECT 1 FROM tickets t WHERE t.requester_id = u.id AND t.deleted_at IS NULL
                AND ((SELECT app_is_platform_staff())
                     OR (t.routing_type <> 'internal' AND t.assigned_org_id = ANY ((SELECT app_staff_org_ids())::uuid[]))))
$$;
REVOKE EXECUTE ON FUNCTION desk_requester_ids(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION desk_requester_ids(text) TO supportdesk_app;

-- The staff who may be assigned the tickets of the desk's scope, for its
-- selects: active members of the organizations the acting user works (or
-- of p_org among them; platform staff: any organization, or all with
-- p_all), and active platform staff for platform staff. At most 500.
CREATE FUNCTION desk_agents(p_all boolean, p_org uuid) RETURNS TABLE (id uuid, label text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT x.id, x.label FROM (
    SELECT u.id, coalesce(nullif(btrim(u.name), ''), u.email::text) AS label
    FROM memberships m JOIN users u ON u.id = m.user_id
    WHERE m.is_active AND u.is_active
      AND CASE WHEN (SELECT app_is_platform_staff()) THEN p_all OR m.organization_id = p_org
               ELSE m.organization_id = ANY ((SELECT app_staff_org_ids())::uuid[])
                    AND (p_org IS NULL OR m.organization_id = p_org) END
    UNION
    SELECT u.id, coalesce(nullif(btrim(u.name), ''), u.email::text)
    FROM users u
    WHERE u.platform_role IS NOT NULL AND u.is_active AND (SELECT app_is_platform_staff())
  ) x
  ORDER BY x.label, x.id
  LIMIT 500
$$;
REVOKE EXECUTE ON FUNCTION desk_agents(boolean, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION desk_agents(boolean, uuid) TO supportdesk_app;
CREATE INDEX users_platform_staff_idx ON users (id) WHERE platform_role IS NOT NULL;

-- ---------------------------------------------------------------------------
-- Queue indexes. Every desk query is scoped to the routing organization
-- of the agent (assigned_org_id = one organization, or ANY (theirs)), so
-- each index leads with assigned_org_id, then the queue's sort key and id
-- (the keyset). INCLUDE carries what the row-level security policies and
-- the queue conditions read (routing_type, requester_id, deleted_at, ...),
-- so that a queue's capped count is an index-only scan: up to 1000 index
-- entries and no heap page.
-- ---------------------------------------------------------------------------

-- mine, unassigned, open, waiting by last activity (the default sort): a
-- range scan of the organization's active tickets, newest first, 50 rows.
CREATE INDEX tickets_desk_active_activity_idx ON tickets (assigned_org_id, last_activity_at DESC, id DESC)
  INCLUDE (status, assignee_id, routing_type, requester_id, deleted_at)
  WHERE status IN ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal') AND NOT is_spam;
-- mine: the agent's own active tickets of the organization, newest first.
CREATE INDEX tickets_desk_assignee_activity_idx ON tickets (assignee_id, assigned_org_id, last_activity_at DESC, id DESC)
  INCLUDE (routing_type, requester_id, deleted_at)
  WHERE status IN ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal') AND NOT is_spam;
-- sla: the organization's tickets whose resolution clock runs (a running
-- first response clock implies a running resolution clock), by due time,
-- with every column desk_sla_state() reads.
CREATE INDEX tickets_desk_sla_idx ON tickets (assigned_org_id, sla_resolution_due)
  INCLUDE (status, sla_paused_at, created_at, first_response_at, sla_first_response_due, resolved_at,
           sla_policy_id, routing_type, requester_id, deleted_at)
  WHERE resolved_at IS NULL AND sla_paused_at IS NULL AND NOT is_spam
    AND status IN ('new', 'open', 'in_progress', 'waiting_internal');
-- resolved (resolved, closed, cancelled) by last activity.
CREATE INDEX tickets_desk_done_activity_idx ON tickets (assigned_org_id, last_activity_at DESC, id DESC)
  INCLUDE (status, routing_type, requester_id, deleted_at)
  WHERE status IN ('resolved', 'closed', 'cancelled') AND NOT is_spam;
-- The platform's view of everything (no organization filter), by last
-- activity: platform staff's default queues.
CREATE INDEX tickets_desk_all_active_activity_idx ON tickets (last_activity_at DESC, id DESC)
  WHERE status IN ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal') AND NOT is_spam;
