-- 0018_sched.sql: the staff side's automatic parts, all derived in the
-- database so that every path that changes a ticket (the desk, the API,
-- inbound email, the scheduler) gets them in the same transaction:
--
--   * agents marking themselves away (users.away_since) and what a staff
--     member watches (users.preferences->'watch');
--   * holidays in SLA policies, and raising the priority on a breach;
--   * auto-assign: a new or unassigned ticket goes to the least loaded
--     available agent of its routing organization (and team), serialized per
--     organization so that concurrent tickets never pile on one agent;
--   * staff notifications, in-app (notifications) and by email (outbox, one
--     generic path from the in-app row), for: a new ticket in a queue they
--     watch, assigned to them, a customer reply on their ticket, an @mention
--     in a note, an SLA warning or breach;
--   * the scheduler's jobs: SLA escalations (sla_events, one per ticket and
--     kind, never twice), the purges, and the bookkeeping of which job ran
--     when (scheduler_runs), each job under its own advisory lock.
--
-- The scheduler connects as the application role, like the mailer: the job
-- functions below are SECURITY DEFINER, act only on work that is due, are
-- idempotent, and refuse a transaction that names an acting user (a signed-
-- in request), so granting them to supportdesk_app lets nobody do more than
-- the scheduler itself would.

-- ---------------------------------------------------------------------------
-- Away, and what staff watch
-- ---------------------------------------------------------------------------

-- A person is away, not a membership: away from one desk is away from all.
ALTER TABLE users ADD COLUMN away_since timestamptz;
COMMENT ON COLUMN users.away_since IS
  'Set while a staff member marked themselves away (/account): auto-assign passes them over. NULL: available.';
GRANT SELECT (away_since) ON users TO supportdesk_app;

COMMENT ON COLUMN users.preferences IS
  'Per-user settings (jsonb object). "notify": {event: boolean}: which events email the user, an absent key means true; '
  'customer events reply, waiting, resolved, closed (0014); staff events new_ticket, assigned, customer_reply, mention, '
  'sla_warning, sla_breach (0018). "watch": "teams" (default) | "all" | "none": which new tickets notify a staff member (0018).';

-- Whether the acting user is staff anywhere (platform or an organization).
CREATE FUNCTION app_is_staff() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT app_is_platform_staff() OR cardinality(app_staff_org_ids()) > 0
$$;

-- The staff events and the customer events a user may choose to be emailed
-- about (the keys of preferences->'notify').
CREATE FUNCTION account_staff_events() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY['new_ticket', 'assigned', 'customer_reply', 'mention', 'sla_warning', 'sla_breach']
$$;

-- 0014's account_update, with the staff events allowed for staff only.
CREATE OR REPLACE FUNCTION account_update(p_name text, p_language text, p_channels text[], p_notify jsonb) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_name text := nullif(btrim(p_name), '');
  v_offered constant text[] := ARRAY['email', 'portal', 'chat', 'phone'];
  v_keys text[] := ARRAY['reply', 'waiting', 'resolved', 'closed'];
  v_key text;
BEGIN
  IF app_user_id() IS NULL THEN
    RETURN 'forbidden';
  END IF;
  IF v_name IS NOT NULL AND (length(v_name) > 200 OR v_name ~ '[[:cntrl:]]') THEN
    RETURN 'invalid_name';
  END IF;
  IF p_language IS NULL OR NOT (p_language = ANY (account_languages())) THEN
    RETURN 'invalid_language';
  END IF;
  IF p_channels IS NULL OR array_position(p_channels, NULL) IS NOT NULL
     OR NOT (p_channels <@ v_offered) THEN
    RETURN 'invalid_channels';
  END IF;
  IF p_notify IS NULL OR jsonb_typeof(p_notify) <> 'object' THEN
    RETURN 'invalid_notify';
  END IF;
  IF app_is_staff() THEN
    v_keys := v_keys || account_staff_events();
  END IF;
  FOR v_key IN SELECT jsonb_object_keys(p_notify) LOOP
    IF NOT (v_key = ANY (v_keys)) OR jsonb_typeof(p_notify -> v_key) <> 'boolean' THEN
      RETURN 'invalid_notify';
    END IF;
  END LOOP;
  UPDATE users SET
    name = v_name,
    preferred_language = p_language,
    communication_channels = ARRAY(
      SELECT DISTINCT c FROM unnest(array_cat(
        ARRAY(SELECT x FROM unnest(communication_channels) x WHERE x <> ALL (v_offered)), p_channels)) c
      ORDER BY c),
    preferences = jsonb_set(preferences, '{notify}', p_notify, true)
  WHERE id = app_user_id() AND is_active;
  RETURN CASE WHEN FOUND THEN 'ok' ELSE 'not_found' END;
END;
$$;

-- The acting staff member's availability and watch: 'ok', 'forbidden'
-- (anonymous), 'not_staff', 'invalid_watch' or 'not_found'. Away since the
-- first time it was set (saving the form again keeps the time).
CREATE FUNCTION account_staff_update(p_away boolean, p_watch text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF app_user_id() IS NULL THEN
    RETURN 'forbidden';
  END IF;
  IF NOT app_is_staff() THEN
    RETURN 'not_staff';
  END IF;
  IF p_away IS NULL OR p_watch IS NULL OR p_watch NOT IN ('teams', 'all', 'none') THEN
    RETURN 'invalid_watch';
  END IF;
  UPDATE users SET
    away_since = CASE WHEN p_away THEN coalesce(away_since, now()) END,
    preferences = jsonb_set(preferences, '{watch}', to_jsonb(p_watch), true)
  WHERE id = app_user_id() AND is_active;
  RETURN CASE WHEN FOUND THEN 'ok' ELSE 'not_found' END;
END;
$$;

-- ---------------------------------------------------------------------------
-- SLA policies: holidays, and whether a breach raises the priority.
-- ---------------------------------------------------------------------------

-- Holidays are local dates (in the policy's time zone) on which the desk is
-- closed all day. They count only with business hours: a 24/7 policy
-- (use_business_hours false) runs through them.
ALTER TABLE sla_policies
  ADD COLUMN holidays date[] NOT NULL DEFAULT '{}'
    CHECK (array_position(holidays, NULL) IS NULL AND cardinality(holidays) <= 1000),
  ADD COLUMN raise_priority_on_breach boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN sla_policies.holidays IS 'Local dates closed all day (business hours only)';
COMMENT ON COLUMN sla_policies.raise_priority_on_breach IS
  'A breach (first response or resolution) raises the ticket one priority step (low, normal, high, urgent)';

-- 0002's arithmetic with holidays; the five-argument forms stay (no holidays).
CREATE FUNCTION sla_add_minutes(p_start timestamptz, p_minutes integer, p_use_bh boolean,
                                p_hours jsonb, p_tz text, p_holidays date[]) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  days      constant text[] := ARRAY['monday','tuesday','wednesday','thursday','friday','saturday','sunday'];
  remaining interval := make_interval(mins => p_minutes);
  day0      date;
  d         date;
  h         jsonb;
  opens     timestamptz;
  closes    timestamptz;
BEGIN
  IF p_start IS NULL OR p_minutes IS NULL THEN
    RETURN NULL;
  END IF;
  IF NOT p_use_bh OR p_hours = '{}' THEN
    RETURN p_start + remaining;
  END IF;
  day0 := (p_start AT TIME ZONE p_tz)::date;
  FOR i IN 0 .. 1100 LOOP
    d := day0 + i;
    h := p_hours -> days[extract(isodow FROM d)::int];
    CONTINUE WHEN h IS NULL OR d = ANY (coalesce(p_holidays, '{}'));
    opens := (d + (h->>'start')::interval) AT TIME ZONE p_tz;
    closes := (d + (h->>'end')::interval) AT TIME ZONE p_tz;
    CONTINUE WHEN closes <= p_start;
    opens := greatest(opens, p_start);
    IF closes - opens >= remaining THEN
      RETURN opens + remaining;
    END IF;
    remaining := remaining - (closes - opens);
  END LOOP;
  RETURN p_start + make_interval(mins => p_minutes);  -- degenerate calendar: fall back
END;
$$;

CREATE FUNCTION sla_minutes_between(p_from timestamptz, p_to timestamptz, p_use_bh boolean,
                                    p_hours jsonb, p_tz text, p_holidays date[]) RETURNS integer
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  days   constant text[] := ARRAY['monday','tuesday','wednesday','thursday','friday','saturday','sunday'];
  total  interval := '0';
  d      date;
  h      jsonb;
  opens  timestamptz;
  closes timestamptz;
BEGIN
  IF p_from IS NULL OR p_to IS NULL OR p_to <= p_from THEN
    RETURN 0;
  END IF;
  IF NOT p_use_bh OR p_hours = '{}' THEN
    RETURN (extract(epoch FROM p_to - p_from) / 60)::integer;
  END IF;
  d := (p_from AT TIME ZONE p_tz)::date;
  WHILE d <= (p_to AT TIME ZONE p_tz)::date LOOP
    h := p_hours -> days[extract(isodow FROM d)::int];
    IF h IS NOT NULL AND NOT (d = ANY (coalesce(p_holidays, '{}'))) THEN
      opens := (d + (h->>'start')::interval) AT TIME ZONE p_tz;
      closes := (d + (h->>'end')::interval) AT TIME ZONE p_tz;
      IF closes > p_from AND opens < p_to THEN
        total := total + (least(closes, p_to) - greatest(opens, p_from));
      END IF;
    END IF;
    d := d + 1;
  END LOOP;
  RETURN (extract(epoch FROM total) / 60)::integer;
END;
$$;

-- 0003's due dates, now with the policy's holidays.
CREATE OR REPLACE FUNCTION tickets_apply_sla(t tickets, p sla_policies) RETURNS tickets
LANGUAGE plpgsql STABLE AS $$
BEGIN
  t.sla_policy_id := p.id;
  IF p.id IS NULL THEN
    t.sla_first_response_due := NULL;
    t.sla_resolution_due := NULL;
  ELSE
    t.sla_first_response_due := sla_add_minutes(t.created_at, p.first_response_minutes + t.sla_paused_minutes,
                                                p.use_business_hours, p.business_hours, p.time_zone, p.holidays);
    t.sla_resolution_due := sla_add_minutes(t.created_at, p.resolution_minutes + t.sla_paused_minutes,
                                            p.use_business_hours, p.business_hours, p.time_zone, p.holidays);
  END IF;
  RETURN t;
END;
$$;

-- 0003's ticket BEFORE trigger, unchanged but for one line: the minutes a
-- ticket spent waiting on the customer leave out the policy's holidays too.
CREATE OR REPLACE FUNCTION tickets_before_write() RETURNS trigger
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
                                   v_policy.business_hours, v_policy.time_zone, v_policy.holidays) END;
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

-- ---------------------------------------------------------------------------
-- Who works a ticket
-- ---------------------------------------------------------------------------

-- The organization whose staff work a ticket: the assigned organization, or
-- the platform organization for internal routing.
CREATE FUNCTION ticket_routing_org(p_routing text, p_assigned_org uuid) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT CASE WHEN p_routing = 'internal' THEN (SELECT id FROM organizations WHERE is_platform)
              ELSE p_assigned_org END
$$;

-- Whether p_user is active staff for the ticket: active platform staff, or an
-- active member of the active routing organization (organization or hybrid
-- routing). Stricter than 0003's is_ticket_staff (which serves the message
-- triggers): the user and the organization must be active too.
CREATE FUNCTION ticket_staff_member(p_user uuid, p_ticket tickets) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT FROM users u WHERE u.id = p_user AND u.is_active AND u.platform_role IS NOT NULL)
      OR (p_ticket.routing_type <> 'internal' AND EXISTS (
            SELECT FROM memberships m
            JOIN users u ON u.id = m.user_id AND u.is_active
            JOIN organizations o ON o.id = m.organization_id AND o.is_active
            WHERE m.user_id = p_user AND m.organization_id = p_ticket.assigned_org_id AND m.is_active))
$$;

-- ---------------------------------------------------------------------------
-- Auto-assign
--
-- When the routing organization's settings have auto_assign_enabled, a new
-- ticket without an assignee, and a ticket that loses its assignee (or
-- moves to another organization or team without one, or is found not to be
-- spam), goes to the organization's active member (for the platform
-- organization also any active platform staff, when the ticket has no team)
-- who is not away, is in the ticket's team when it has one, and has the
-- fewest open tickets (new, open, in_progress,
-- waiting_customer, waiting_internal, anywhere); ties go to whoever was last
-- given a ticket longest ago (ticket_assignments), then by user id. A ticket
-- unassigned by someone never goes straight back to them. When nobody
-- qualifies, it stays unassigned.
--
-- Race-free: every pick for an organization takes a transaction-scoped
-- advisory lock on that organization first, and counts with a fresh
-- snapshot after it (READ COMMITTED: each statement of a VOLATILE function
-- sees what committed before it began), so a second concurrent ticket waits
-- for the first to commit and then sees its assignment. The lock is held to
-- the end of the creating transaction, which serializes ticket creation per
-- organization only while auto-assign is on.
--
-- The assignment is its own UPDATE, made with no acting user and the reason
-- 'auto-assign': tickets_audit records it in ticket_activity and
-- ticket_assignments with the system (NULL) as actor.
-- ---------------------------------------------------------------------------

-- "Given a ticket least recently" reads the newest assignment per user.
DROP INDEX ticket_assignments_to_user_idx;
CREATE INDEX ticket_assignments_to_user_idx ON ticket_assignments (assigned_to_user_id, assigned_at DESC);

CREATE FUNCTION auto_assign_pick(p_org uuid, p_team uuid, p_exclude uuid) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH candidates AS (
    SELECT m.user_id
    FROM memberships m
    JOIN users u ON u.id = m.user_id AND u.is_active AND u.away_since IS NULL
    JOIN organizations o ON o.id = m.organization_id AND o.is_active
    WHERE m.organization_id = p_org AND m.is_active
      AND (p_team IS NULL OR EXISTS (SELECT FROM membership_teams mt
                                     WHERE mt.membership_id = m.id AND mt.team_id = p_team))
    UNION
    -- Platform staff work the platform organization's tickets (internal
    -- routing) by their platform role, with or without a membership.
    SELECT u.id
    FROM users u JOIN organizations o ON o.id = p_org AND o.is_platform
    WHERE p_team IS NULL AND u.is_active AND u.away_since IS NULL AND u.platform_role IS NOT NULL)
  SELECT c.user_id
  FROM candidates c
  WHERE c.user_id IS DISTINCT FROM p_exclude
  ORDER BY (SELECT count(*) FROM tickets t
            WHERE t.assignee_id = c.user_id
              AND t.status IN ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal')),
           (SELECT a.assigned_at FROM ticket_assignments a
            WHERE a.assigned_to_user_id = c.user_id ORDER BY a.assigned_at DESC LIMIT 1) NULLS FIRST,
           c.user_id
  LIMIT 1
$$;

CREATE FUNCTION tickets_auto_assign() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t        tickets;
  v_org    uuid;
  v_user   uuid;
  v_prev   text;
  v_reason text;
BEGIN
  -- The row as it is now (an earlier trigger may have changed it).
  SELECT * INTO t FROM tickets WHERE id = NEW.id;
  IF NOT FOUND OR t.assignee_id IS NOT NULL OR t.is_spam
     OR t.status NOT IN ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal') THEN
    RETURN NULL;
  END IF;
  v_org := ticket_routing_org(t.routing_type, t.assigned_org_id);
  IF v_org IS NULL OR NOT EXISTS (SELECT FROM organization_settings s
                                  WHERE s.organization_id = v_org AND s.auto_assign_enabled) THEN
    RETURN NULL;
  END IF;
  -- Key space 21317 ('SE'): auto-assign, one key per organization.
  PERFORM pg_advisory_xact_lock(21317, hashtext(v_org::text));
  v_user := auto_assign_pick(v_org, t.team_id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.assignee_id END);
  IF v_user IS NULL THEN
    RETURN NULL;
  END IF;
  v_prev := current_setting('app.user_id', true);
  v_reason := current_setting('app.assignment_reason', true);
  PERFORM set_config('app.user_id', '', true);
  PERFORM set_config('app.assignment_reason', 'auto-assign', true);
  UPDATE tickets SET assignee_id = v_user WHERE id = t.id AND assignee_id IS NULL;
  PERFORM set_config('app.user_id', coalesce(v_prev, ''), true);
  PERFORM set_config('app.assignment_reason', coalesce(v_reason, ''), true);
  RETURN NULL;
END;
$$;
-- AFTER triggers fire in name order: tickets_audit ('created') comes first.
CREATE TRIGGER tickets_auto_assign AFTER INSERT ON tickets
  FOR EACH ROW WHEN (NEW.assignee_id IS NULL AND NOT NEW.is_spam)
  EXECUTE FUNCTION tickets_auto_assign();
CREATE TRIGGER tickets_auto_assign_again AFTER UPDATE OF assignee_id, assigned_org_id, routing_type, team_id, is_spam
  ON tickets
  FOR EACH ROW WHEN (NEW.assignee_id IS NULL AND NOT NEW.is_spam
                     AND (OLD.assignee_id IS NOT NULL
                          OR NEW.assigned_org_id IS DISTINCT FROM OLD.assigned_org_id
                          OR NEW.routing_type IS DISTINCT FROM OLD.routing_type
                          OR NEW.team_id IS DISTINCT FROM OLD.team_id
                          OR OLD.is_spam))
  EXECUTE FUNCTION tickets_auto_assign();

-- ---------------------------------------------------------------------------
-- Staff notifications
--
-- In-app first: staff_notify() writes a notifications row (type
-- 'staff.<event>', link /desk/tickets/{number}) for active staff of the
-- ticket only. Email second, by one generic path: a trigger on notifications
-- queues an outbox row (template staff_<event>, rendered by the mailer from
-- templates/email/staff_<event>_*) when the user's preference
-- preferences->'notify'->'<event>' is not false and the routing
-- organization has email_notifications_enabled. Events:
--   new_ticket      a ticket arrives in a queue the member watches:
--                   preferences->'watch' 'teams' (default: the ticket's team
--                   is one of theirs, membership_teams), 'all' (every new
--                   ticket of their organizations; for platform staff also
--                   every new internal ticket), 'none'
--   assigned        a ticket is assigned to them by someone else (or
--                   auto-assign), not when they took it themselves
--   customer_reply  the requester replied in public on a ticket assigned to them
--   mention         ticket_mention_notify() from a note (the workspace)
--   sla_warning     the scheduler: a clock entered its warning threshold
--   sla_breach      the scheduler: a clock passed its due time
-- Nobody is notified of what they did themselves; spam notifies nobody.
-- In-app rows expire after 90 days (notifications_purge, the scheduler).
-- ---------------------------------------------------------------------------

CREATE FUNCTION staff_notify(p_user uuid, p_ticket uuid, p_event text, p_title text, p_content text,
                             p_data jsonb DEFAULT '{}') RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t tickets;
BEGIN
  IF p_user IS NULL OR NOT (p_event = ANY (account_staff_events())) THEN
    RETURN NULL;
  END IF;
  SELECT * INTO t FROM tickets WHERE id = p_ticket;
  IF NOT FOUND OR t.is_spam OR NOT ticket_staff_member(p_user, t) THEN
    RETURN NULL;
  END IF;
  RETURN notification_add(p_user, 'staff.' || p_event, p_title, p_content, '/desk/tickets/' || t.number,
                          jsonb_build_object('ticket_id', t.id, 'number', t.number, 'ticket_title', t.title,
                                             'org', ticket_routing_org(t.routing_type, t.assigned_org_id))
                            || coalesce(p_data, '{}'),
                          now() + interval '90 days');
END;
$$;

-- The generic email path of staff notifications.
CREATE FUNCTION notifications_staff_email() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  u       users;
  v_event text := substr(NEW.type, length('staff.') + 1);
BEGIN
  IF NOT (v_event = ANY (account_staff_events())) THEN
    RETURN NULL;
  END IF;
  SELECT * INTO u FROM users WHERE id = NEW.user_id;
  IF NOT FOUND OR NOT u.is_active OR coalesce(u.preferences -> 'notify' ->> v_event, 'true') = 'false' THEN
    RETURN NULL;
  END IF;
  IF EXISTS (SELECT FROM organization_settings s
             WHERE s.organization_id = (NEW.metadata ->> 'org')::uuid AND NOT s.email_notifications_enabled) THEN
    RETURN NULL;
  END IF;
  INSERT INTO outbox (to_email, to_name, template, template_data, ticket_id, user_id, dedupe_key)
  VALUES (u.email, u.name, 'staff_' || v_event,
          NEW.metadata - 'org' - 'ticket_id'
            || jsonb_build_object('name', coalesce(u.name, ''), 'notice', NEW.title,
                                  'content', coalesce(NEW.content, ''), 'link', NEW.link),
          (NEW.metadata ->> 'ticket_id')::uuid, u.id, 'notification:' || NEW.id)
  ON CONFLICT (dedupe_key) DO NOTHING;
  RETURN NULL;
END;
$$;
CREATE TRIGGER notifications_staff_email AFTER INSERT ON notifications
  FOR EACH ROW WHEN (NEW.type LIKE 'staff.%')
  EXECUTE FUNCTION notifications_staff_email();

-- A user's display name for a notice (never their address).
CREATE FUNCTION staff_display_name(p_user uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce((SELECT nullif(btrim(name), '') FROM users WHERE id = p_user), 'Someone')
$$;

-- new_ticket: the watchers of the routing organization. Runs after
-- tickets_auto_assign (name order), so the assignee it picked, who hears
-- of it as 'assigned', is left out here.
CREATE FUNCTION tickets_staff_new() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t       tickets;
  v_org   uuid;
  v_user  uuid;
BEGIN
  SELECT * INTO t FROM tickets WHERE id = NEW.id;
  IF NOT FOUND OR t.is_spam THEN
    RETURN NULL;
  END IF;
  v_org := ticket_routing_org(t.routing_type, t.assigned_org_id);
  FOR v_user IN
    SELECT w.user_id FROM (
      SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id AND u.is_active
      WHERE m.organization_id = v_org AND m.is_active
        AND CASE coalesce(u.preferences ->> 'watch', 'teams')
              WHEN 'all' THEN true
              WHEN 'teams' THEN t.team_id IS NOT NULL
                                AND EXISTS (SELECT FROM membership_teams mt
                                            WHERE mt.membership_id = m.id AND mt.team_id = t.team_id)
              ELSE false END
      UNION
      -- Internal routing: platform staff who watch everything, member or not.
      SELECT u.id FROM users u
      WHERE t.routing_type = 'internal' AND u.is_active AND u.platform_role IS NOT NULL
        AND u.preferences ->> 'watch' = 'all') w
    WHERE w.user_id IS DISTINCT FROM app_user_id() AND w.user_id IS DISTINCT FROM t.assignee_id
    ORDER BY w.user_id
  LOOP
    PERFORM staff_notify(v_user, t.id, 'new_ticket', 'New ticket ' || t.number || ': ' || t.title,
                         left(t.description, 500), jsonb_build_object('source', t.source));
  END LOOP;
  RETURN NULL;
END;
$$;
CREATE TRIGGER tickets_staff_new AFTER INSERT ON tickets
  FOR EACH ROW WHEN (NOT NEW.is_spam)
  EXECUTE FUNCTION tickets_staff_new();

-- assigned: to someone other than the one who did it.
CREATE FUNCTION tickets_staff_assigned() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_by uuid := app_user_id();
BEGIN
  IF NEW.assignee_id IS NOT DISTINCT FROM v_by THEN
    RETURN NULL;
  END IF;
  PERFORM staff_notify(NEW.assignee_id, NEW.id, 'assigned', 'Assigned to you: ' || NEW.number || ' ' || NEW.title,
                       CASE WHEN v_by IS NULL THEN 'Assigned automatically.'
                            ELSE 'Assigned by ' || staff_display_name(v_by) || '.' END,
                       jsonb_build_object('by', CASE WHEN v_by IS NULL THEN 'auto-assign' ELSE staff_display_name(v_by) END));
  RETURN NULL;
END;
$$;
CREATE TRIGGER tickets_staff_assigned AFTER INSERT ON tickets
  FOR EACH ROW WHEN (NEW.assignee_id IS NOT NULL AND NOT NEW.is_spam)
  EXECUTE FUNCTION tickets_staff_assigned();
CREATE TRIGGER tickets_staff_reassigned AFTER UPDATE OF assignee_id ON tickets
  FOR EACH ROW WHEN (NEW.assignee_id IS NOT NULL AND NEW.assignee_id IS DISTINCT FROM OLD.assignee_id
                     AND NOT NEW.is_spam)
  EXECUTE FUNCTION tickets_staff_assigned();

-- customer_reply: the requester's public reply, to the ticket's assignee.
CREATE FUNCTION ticket_messages_staff_reply() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t tickets;
BEGIN
  SELECT * INTO t FROM tickets WHERE id = NEW.ticket_id;
  IF NOT FOUND OR NEW.author_id IS DISTINCT FROM t.requester_id OR t.assignee_id IS NULL
     OR t.assignee_id = NEW.author_id THEN
    RETURN NULL;
  END IF;
  PERFORM staff_notify(t.assignee_id, t.id, 'customer_reply', 'Customer reply on ' || t.number || ': ' || t.title,
                       left(NEW.body, 500),
                       jsonb_build_object('author', coalesce(nullif(btrim((SELECT name FROM users WHERE id = NEW.author_id)), ''),
                                                             'The requester'),
                                          'excerpt', left(NEW.body, 4000), 'truncated', length(NEW.body) > 4000,
                                          'message_id', NEW.id));
  RETURN NULL;
END;
$$;
CREATE TRIGGER ticket_messages_staff_reply AFTER INSERT ON ticket_messages
  FOR EACH ROW WHEN (NOT NEW.is_internal AND NEW.message_type = 'reply' AND NEW.author_id IS NOT NULL)
  EXECUTE FUNCTION ticket_messages_staff_reply();

-- mention: the workspace calls this for each colleague named in a note, in
-- the transaction that adds the note. The acting user must be staff of the
-- ticket; the mentioned user must be active staff of the ticket (its
-- routing organization, or platform staff), and not the author. Anything
-- else is refused silently (false), so that the answer says nothing about
-- who exists elsewhere. The excerpt is the note p_message (an internal
-- message of the author's on this ticket), or without it the author's
-- latest internal note on the ticket in this transaction. One notification
-- per user, ticket and transaction.
CREATE FUNCTION ticket_mention_notify(p_ticket uuid, p_user uuid, p_message uuid DEFAULT NULL) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t       tickets;
  v_by    uuid := app_user_id();
  v_note  ticket_messages;
BEGIN
  IF v_by IS NULL OR p_user IS NULL OR p_user = v_by THEN
    RETURN false;
  END IF;
  SELECT * INTO t FROM tickets WHERE id = p_ticket;
  IF NOT FOUND OR NOT ticket_staff_member(v_by, t) OR NOT ticket_staff_member(p_user, t) THEN
    RETURN false;
  END IF;
  IF EXISTS (SELECT FROM notifications n
             WHERE n.user_id = p_user AND n.type = 'staff.mention' AND n.created_at = now()
               AND n.metadata ->> 'ticket_id' = t.id::text) THEN
    RETURN true;
  END IF;
  SELECT * INTO v_note FROM ticket_messages m
  WHERE m.ticket_id = t.id AND m.author_id = v_by AND m.is_internal
    AND CASE WHEN p_message IS NULL THEN m.created_at = now() ELSE m.id = p_message END
  ORDER BY m.created_at DESC, m.id DESC LIMIT 1;
  RETURN staff_notify(p_user, t.id, 'mention',
                      staff_display_name(v_by) || ' mentioned you on ' || t.number || ': ' || t.title,
                      left(v_note.body, 500),
                      jsonb_build_object('author', staff_display_name(v_by),
                                         'excerpt', coalesce(left(v_note.body, 4000), ''),
                                         'truncated', coalesce(length(v_note.body) > 4000, false))) IS NOT NULL;
END;
$$;

-- ---------------------------------------------------------------------------
-- SLA escalations
--
-- An event is a clock (first_response, resolution) entering its warning
-- threshold or passing its due time. Each happens at most once per ticket
-- (the primary key), whatever the number of schedulers, retries or due-date
-- changes afterwards. Each writes one internal 'escalation' message (whose
-- trigger logs 'escalated' in ticket_activity), notifies the ticket's
-- assignee and the policy's escalate_to_role, and a breach raises the
-- priority one step when the policy says so. A breach implies its warning:
-- a clock found already past due (the scheduler was down) gets both.
--
-- The warning instant is created_at + warning_threshold_percent of the
-- target + the minutes paused, in the policy's working time; the breach is
-- the due date the ticket triggers keep. Paused clocks (waiting_customer)
-- raise nothing.
-- ---------------------------------------------------------------------------

CREATE TABLE sla_events (
  ticket_id  uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
  kind       text NOT NULL CHECK (kind IN ('first_response_warning', 'first_response_breach',
                                           'resolution_warning', 'resolution_breach')),
  due_at     timestamptz NOT NULL,                   -- the due date the event was measured against
  message_id uuid REFERENCES ticket_messages (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (ticket_id, kind)                      -- never twice; also the ticket_id FK index
);
CREATE INDEX sla_events_message_idx ON sla_events (message_id) WHERE message_id IS NOT NULL;
COMMENT ON TABLE sla_events IS
  'SLA warnings and breaches, one per ticket and kind (0018); written only by the scheduler''s sla_escalate_batch()';

ALTER TABLE sla_events ENABLE ROW LEVEL SECURITY;
-- Staff of the ticket only (like internal notes); never the requester.
CREATE POLICY sla_events_select_staff ON sla_events FOR SELECT TO supportdesk_app
  USING ((select app_is_platform_staff())
         OR EXISTS (SELECT FROM tickets t WHERE t.id = sla_events.ticket_id
                    AND t.routing_type <> 'internal' AND t.assigned_org_id = ANY ((select app_staff_org_ids())::uuid[])));
GRANT SELECT ON sla_events TO supportdesk_app;

-- The latest due date a clock can have and already be in its warning
-- window: now + the largest (100 - warning %) of a target, in each policy's
-- working time. The scan stops there.
CREATE FUNCTION sla_warning_horizon(p_clock text) RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT greatest(now(), max(sla_add_minutes(now(),
           ceil(CASE WHEN p_clock = 'first_response' THEN p.first_response_minutes ELSE p.resolution_minutes END
                * (100 - p.warning_threshold_percent) / 100.0)::int,
           p.use_business_hours, p.business_hours, p.time_zone, p.holidays)))
  FROM sla_policies p
$$;

-- The next priority up.
CREATE FUNCTION priority_raised(p text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE p WHEN 'low' THEN 'normal' WHEN 'normal' THEN 'high' ELSE 'urgent' END
$$;

-- Who hears of an escalation: the assignee, and the members of the role
-- the policy escalates to. 'agent': the routing organization's staff
-- (agents and admins); 'admin': its admins; for internal routing these are
-- the platform staff and platform admins. 'platform_agent': platform staff;
-- 'platform_admin': platform admins.
CREATE FUNCTION sla_escalation_recipients(t tickets, p_role text) RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT t.assignee_id WHERE t.assignee_id IS NOT NULL
  UNION
  SELECT m.user_id FROM memberships m
  WHERE t.routing_type <> 'internal' AND m.organization_id = t.assigned_org_id AND m.is_active
    AND (p_role = 'agent' OR (p_role = 'admin' AND m.role = 'admin'))
  UNION
  SELECT u.id FROM users u
  WHERE u.is_active AND u.platform_role IS NOT NULL
    AND (p_role = 'platform_agent' OR (p_role = 'platform_admin' AND u.platform_role = 'admin')
         OR (t.routing_type = 'internal' AND (p_role = 'agent' OR (p_role = 'admin' AND u.platform_role = 'admin'))))
$$;

-- One event: the row, the message, the notifications, the priority. 1 when
-- it was new, 0 when it had happened already.
CREATE FUNCTION sla_event_fire(t tickets, p sla_policies, p_clock text, p_kind text, p_due timestamptz) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_breach boolean := p_kind LIKE '%breach';
  v_what   text := CASE p_clock WHEN 'first_response' THEN 'first response' ELSE 'resolution' END;
  v_when   text := to_char(p_due AT TIME ZONE p.time_zone, 'YYYY-MM-DD HH24:MI') || ' ' || p.time_zone;
  v_body   text;
  v_msg    uuid;
  v_user   uuid;
BEGIN
  INSERT INTO sla_events (ticket_id, kind, due_at) VALUES (t.id, p_kind, p_due)
  ON CONFLICT (ticket_id, kind) DO NOTHING;
  IF NOT FOUND THEN
    RETURN 0;
  END IF;
  v_body := CASE WHEN v_breach
    THEN 'SLA breached: the ' || v_what || ' was due at ' || v_when || ' (' || p.display_name || ' policy).'
    ELSE 'SLA warning: ' || p.warning_threshold_percent || '% of the ' || v_what || ' time is used; it is due at '
         || v_when || ' (' || p.display_name || ' policy).' END;
  INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, message_type, metadata)
  VALUES (t.id, NULL, v_body, true, 'escalation',
          jsonb_build_object('sla_event', p_kind, 'due_at', p_due, 'policy_id', p.id))
  RETURNING id INTO v_msg;
  UPDATE sla_events SET message_id = v_msg WHERE ticket_id = t.id AND kind = p_kind;
  FOR v_user IN SELECT r FROM sla_escalation_recipients(t, p.escalate_to_role) r ORDER BY r LOOP
    PERFORM staff_notify(v_user, t.id, CASE WHEN v_breach THEN 'sla_breach' ELSE 'sla_warning' END,
                         CASE WHEN v_breach THEN 'SLA breached on ' ELSE 'SLA warning on ' END
                           || t.number || ': ' || t.title,
                         v_body,
                         jsonb_build_object('clock', v_what, 'due', v_when, 'kind', p_kind));
  END LOOP;
  IF v_breach AND p.raise_priority_on_breach THEN
    UPDATE tickets SET priority = priority_raised(priority) WHERE id = t.id AND priority <> 'urgent';
  END IF;
  RETURN 1;
END;
$$;

-- Checks one ticket's clock and fires what is due: the number of events.
-- The ticket is locked (SKIP LOCKED: one a request holds now is looked at
-- on the next run) and its state checked again under the lock.
CREATE FUNCTION sla_check_ticket(p_ticket uuid, p_clock text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t        tickets;
  p        sla_policies;
  v_due    timestamptz;
  v_target integer;
  v_warn   timestamptz;
  v_n      integer := 0;
BEGIN
  SELECT * INTO t FROM tickets WHERE id = p_ticket FOR UPDATE SKIP LOCKED;
  IF NOT FOUND OR t.sla_paused_at IS NOT NULL OR t.is_spam
     OR t.status NOT IN ('new', 'open', 'in_progress', 'waiting_internal') THEN
    RETURN 0;
  END IF;
  IF p_clock = 'first_response' THEN
    IF t.first_response_at IS NOT NULL THEN RETURN 0; END IF;
    v_due := t.sla_first_response_due;
  ELSE
    IF t.resolved_at IS NOT NULL THEN RETURN 0; END IF;
    v_due := t.sla_resolution_due;
  END IF;
  SELECT * INTO p FROM sla_policies WHERE id = t.sla_policy_id;
  IF v_due IS NULL OR NOT FOUND THEN
    RETURN 0;
  END IF;
  v_target := CASE p_clock WHEN 'first_response' THEN p.first_response_minutes ELSE p.resolution_minutes END;
  IF p.warning_threshold_percent < 100 THEN
    v_warn := sla_add_minutes(t.created_at, ceil(v_target * p.warning_threshold_percent / 100.0)::int + t.sla_paused_minutes,
                              p.use_business_hours, p.business_hours, p.time_zone, p.holidays);
    IF v_warn <= now() OR v_due <= now() THEN
      v_n := v_n + sla_event_fire(t, p, p_clock, p_clock || '_warning', v_due);
    END IF;
  END IF;
  IF v_due <= now() THEN
    v_n := v_n + sla_event_fire(t, p, p_clock, p_clock || '_breach', v_due);
  END IF;
  RETURN v_n;
END;
$$;

-- The scheduler's SLA job, one bounded batch: the running clocks of
-- p_clock ('first_response' or 'resolution') due up to the warning horizon,
-- in (due, id) order after the cursor (NULLs: from the start), over the
-- partial indexes tickets_sla_first_response_idx / tickets_sla_resolution_idx,
-- leaving out the clocks whose breach is recorded already (so a backlog of
-- old breaches never keeps a run from the new ones). The caller passes
-- last_due/last_id back until scanned < p_limit.
CREATE FUNCTION sla_escalate_batch(p_clock text, p_after_due timestamptz, p_after_id uuid, p_limit integer,
                                   OUT scanned integer, OUT events integer,
                                   OUT last_due timestamptz, OUT last_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_horizon timestamptz;
  r         record;
BEGIN
  IF app_user_id() IS NOT NULL THEN
    RAISE EXCEPTION 'scheduler jobs run without an acting user' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_clock NOT IN ('first_response', 'resolution') OR p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 10000 THEN
    RAISE EXCEPTION 'sla_escalate_batch: bad arguments' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  scanned := 0;
  events := 0;
  last_due := p_after_due;
  last_id := p_after_id;
  v_horizon := sla_warning_horizon(p_clock);
  IF p_clock = 'first_response' THEN
    FOR r IN
      SELECT t.id, t.sla_first_response_due AS due FROM tickets t
      WHERE t.first_response_at IS NULL AND t.sla_paused_at IS NULL
        AND t.status IN ('new', 'open', 'in_progress', 'waiting_internal')
        AND t.sla_first_response_due <= v_horizon
        -- Breached and escalated: nothing more can happen on this clock.
        AND NOT EXISTS (SELECT FROM sla_events e WHERE e.ticket_id = t.id AND e.kind = 'first_response_breach')
        AND (p_after_due IS NULL OR t.sla_first_response_due > p_after_due
             OR (t.sla_first_response_due = p_after_due AND t.id > p_after_id))
      ORDER BY t.sla_first_response_due, t.id
      LIMIT p_limit
    LOOP
      scanned := scanned + 1;
      last_due := r.due;
      last_id := r.id;
      events := events + sla_check_ticket(r.id, p_clock);
    END LOOP;
  ELSE
    FOR r IN
      SELECT t.id, t.sla_resolution_due AS due FROM tickets t
      WHERE t.resolved_at IS NULL AND t.sla_paused_at IS NULL
        AND t.status IN ('new', 'open', 'in_progress', 'waiting_internal')
        AND t.sla_resolution_due <= v_horizon
        -- Breached and escalated: nothing more can happen on this clock.
        AND NOT EXISTS (SELECT FROM sla_events e WHERE e.ticket_id = t.id AND e.kind = 'resolution_breach')
        AND (p_after_due IS NULL OR t.sla_resolution_due > p_after_due
             OR (t.sla_resolution_due = p_after_due AND t.id > p_after_id))
      ORDER BY t.sla_resolution_due, t.id
      LIMIT p_limit
    LOOP
      scanned := scanned + 1;
      last_due := r.due;
      last_id := r.id;
      events := events + sla_check_ticket(r.id, p_clock);
    END LOOP;
  END IF;
END;
$$;

-- ---------------------------------------------------------------------------
-- Scheduler bookkeeping: one row per job. sched_job_begin takes the job's
-- advisory lock (pg_try_advisory_xact_lock: a second scheduler on the same
-- database skips the job rather than wait) and says whether it is due
-- (p_min_gap_s since the last start, on any node); the job then runs in the
-- same transaction, and sched_job_end records its result. A failed job rolls
-- back its start too, so the next tick retries it.
-- ---------------------------------------------------------------------------

CREATE TABLE scheduler_runs (
  job              text PRIMARY KEY CHECK (job ~ '^[a-z][a-z0-9_]{0,39}$'),
  last_started_at  timestamptz,
  last_finished_at timestamptz,
  runs             bigint NOT NULL DEFAULT 0,
  state            jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(state) = 'object'),   -- a job's cursor
  last_result      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(last_result) = 'object')
);
-- No policy and no grant: only the functions below touch it.
ALTER TABLE scheduler_runs ENABLE ROW LEVEL SECURITY;

-- NULL: skip (another scheduler holds the job, or it ran less than
-- p_min_gap_s ago); else the job's saved state ('{}' at first).
CREATE FUNCTION sched_job_begin(p_job text, p_min_gap_s integer DEFAULT 0) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  r scheduler_runs;
BEGIN
  IF app_user_id() IS NOT NULL THEN
    RAISE EXCEPTION 'scheduler jobs run without an acting user' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- Key space 21316 ('SD'): scheduler jobs, one key per job name.
  IF NOT pg_try_advisory_xact_lock(21316, hashtext(p_job)) THEN
    RETURN NULL;
  END IF;
  INSERT INTO scheduler_runs (job) VALUES (p_job) ON CONFLICT (job) DO NOTHING;
  SELECT * INTO r FROM scheduler_runs WHERE job = p_job;
  IF r.last_started_at IS NOT NULL
     AND r.last_started_at > now() - make_interval(secs => greatest(coalesce(p_min_gap_s, 0), 0)) THEN
    RETURN NULL;
  END IF;
  UPDATE scheduler_runs SET last_started_at = now(), runs = runs + 1 WHERE job = p_job;
  RETURN r.state;
END;
$$;

CREATE FUNCTION sched_job_end(p_job text, p_state jsonb, p_result jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF app_user_id() IS NOT NULL THEN
    RAISE EXCEPTION 'scheduler jobs run without an acting user' USING ERRCODE = 'insufficient_privilege';
  END IF;
  UPDATE scheduler_runs SET last_finished_at = clock_timestamp(),
                            state = coalesce(p_state, state), last_result = coalesce(p_result, '{}')
  WHERE job = p_job;
END;
$$;

-- Blob garbage collection in bounded batches: 0008's rule (no attachment,
-- no live submission, not created or reused within p_older_than), at most
-- p_limit blobs (their chunks cascade); blobs being written or reused now
-- are locked by their writer and skipped.
CREATE FUNCTION attachment_blobs_gc_batch(p_limit integer, p_older_than interval DEFAULT '1 day') RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH doomed AS (
    SELECT b.sha256 FROM attachment_blobs b
    WHERE greatest(b.created_at, b.last_used_at) < now() - p_older_than
      AND NOT EXISTS (SELECT FROM attachments a WHERE a.sha256 = b.sha256)
      AND NOT EXISTS (SELECT FROM submissions s, jsonb_array_elements(s.attachment_refs) r
                      WHERE s.used_at IS NULL AND s.expires_at > now()
                        AND r->>'sha256' = encode(b.sha256, 'hex'))
    LIMIT p_limit
    FOR UPDATE SKIP LOCKED),
  gone AS (DELETE FROM attachment_blobs b USING doomed d WHERE b.sha256 = d.sha256 RETURNING 1)
  SELECT count(*) FROM gone
$$;

-- The purges, with their fixed arguments (a caller cannot widen them):
-- 'submissions' (unconsumed, a day past expiry), 'notifications' (expired),
-- 'track_requests' (30 days), 'blobs' (a batch of 1000 unreferenced blobs).
-- The outbox is purged by the mailer (outbox_purge, hourly), not here.
CREATE FUNCTION sched_purge(p_what text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF app_user_id() IS NOT NULL THEN
    RAISE EXCEPTION 'scheduler jobs run without an acting user' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN CASE p_what
    WHEN 'submissions' THEN submissions_purge()
    WHEN 'notifications' THEN notifications_purge()
    WHEN 'track_requests' THEN track_requests_purge()
    WHEN 'blobs' THEN attachment_blobs_gc_batch(1000)
  END;
END;
$$;

-- ---------------------------------------------------------------------------
-- EXECUTE: PUBLIC has none (0001's default privileges); the app role gets the
-- account functions, the mention, and the scheduler's entry points. Every
-- trigger function and helper above stays the owner's.
-- ---------------------------------------------------------------------------
REVOKE EXECUTE ON FUNCTION
  app_is_staff(), account_staff_update(boolean, text), ticket_routing_org(text, uuid),
  ticket_staff_member(uuid, tickets), auto_assign_pick(uuid, uuid, uuid), staff_notify(uuid, uuid, text, text, text, jsonb),
  staff_display_name(uuid), ticket_mention_notify(uuid, uuid, uuid), sla_warning_horizon(text),
  sla_escalation_recipients(tickets, text), sla_event_fire(tickets, sla_policies, text, text, timestamptz),
  sla_check_ticket(uuid, text), sla_escalate_batch(text, timestamptz, uuid, integer),
  sched_job_begin(text, integer), sched_job_end(text, jsonb, jsonb),
  attachment_blobs_gc_batch(integer, interval), sched_purge(text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  app_is_staff(),
  account_staff_events(),
  account_update(text, text, text[], jsonb),
  account_staff_update(boolean, text),
  ticket_mention_notify(uuid, uuid, uuid),
  sla_add_minutes(timestamptz, integer, boolean, jsonb, text, date[]),
  sla_minutes_between(timestamptz, timestamptz, boolean, jsonb, text, date[]),
  sla_escalate_batch(text, timestamptz, uuid, integer),
  sched_job_begin(text, integer),
  sched_job_end(text, jsonb, jsonb),
  sched_purge(text)
TO supportdesk_app;
