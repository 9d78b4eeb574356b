-- 0038_ticket_templates.sql: ticket templates and recurring tickets.
--
-- A template (per organization, edited on /desk/admin/templates) holds what
-- a new ticket gets: title, description, request type, priority, team,
-- assignee, requester, custom fields. Its staff create a ticket from it in
-- the desk ("new from template", source 'template'); a schedule (daily,
-- weekly on ISO weekdays, monthly on a day, at a local time in a time zone)
-- makes the scheduler create one per occurrence (source 'recurring').
--
-- Exactly once per occurrence across schedulers: ticket_template_runs has
-- the primary key (template_id, occurrence); the job inserts the run ...
-- ON CONFLICT DO NOTHING and creates the ticket only when its row went in,
-- in the same transaction. After downtime the job creates one ticket, for
-- the latest missed slot, and the run row records how many slots it stood
-- for (never a flood of catch-up tickets).

-- ---------------------------------------------------------------------------
-- New values of the shared checks (rebuilt from their current lists, so
-- that another migration's additions survive).
-- ---------------------------------------------------------------------------
SELECT config_audit_entity_allow('ticket_template');
SELECT ticket_activity_types_add(ARRAY['from_template']);

DO $$
DECLARE
  v_name text;
  v_def  text;
  v_vals text[];
BEGIN
  SELECT c.conname, pg_get_constraintdef(c.oid) INTO v_name, v_def
  FROM pg_constraint c
  WHERE c.conrelid = 'tickets'::regclass AND c.contype = 'c' AND pg_get_constraintdef(c.oid) LIKE '%source%';
  SELECT array_agg(DISTINCT v ORDER BY v) INTO v_vals
  FROM (SELECT m[1] AS v FROM regexp_matches(v_def, '''([a-z_]+)''', 'g') m
        UNION SELECT unnest(ARRAY['recurring', 'template'])) x;
  EXECUTE format('ALTER TABLE tickets DROP CONSTRAINT %I', v_name);
  EXECUTE format('ALTER TABLE tickets ADD CONSTRAINT %I CHECK (source IN (%s))',
                 v_name, (SELECT string_agg(quote_literal(v), ', ') FROM unnest(v_vals) v));
END;
$$;

-- ---------------------------------------------------------------------------
-- The next occurrence of a schedule strictly after p_after, and the latest
-- one at or before p_at. Local dates in the zone, the time of day as a
-- local time: a slot in a DST gap (02:30 on the night clocks go forward)
-- is read by PostgreSQL as the same wall time before the change (so 03:30
-- summer time); monthly on day 31 (or 29, 30) is the month's last day when
-- the month is shorter. Every schedule has an occurrence within 62 days.
-- ---------------------------------------------------------------------------
CREATE FUNCTION ticket_template_day_matches(p_schedule text, p_weekdays smallint[], p_month_day smallint, p_day date)
RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = public, pg_temp AS $$
  SELECT CASE p_schedule
    WHEN 'daily' THEN true
    WHEN 'weekly' THEN extract(isodow FROM p_day)::smallint = ANY (p_weekdays)
    WHEN 'monthly' THEN extract(day FROM p_day)::int =
         least(p_month_day::int,
               extract(day FROM (date_trunc('month', p_day) + interval '1 month - 1 day'))::int)
    ELSE false END
$$;

CREATE FUNCTION ticket_template_next_after(p_schedule text, p_weekdays smallint[], p_month_day smallint,
                                           p_time time, p_tz text, p_after timestamptz) RETURNS timestamptz
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
DECLARE
  v_day date;
  v_at  timestamptz;
BEGIN
  IF p_schedule NOT IN ('daily', 'weekly', 'monthly') OR p_after IS NULL THEN
    RETURN NULL;
  END IF;
  v_day := (p_after AT TIME ZONE p_tz)::date;
  FOR i IN 0..63 LOOP
    IF ticket_template_day_matches(p_schedule, p_weekdays, p_month_day, v_day + i) THEN
      v_at := ((v_day + i) + p_time) AT TIME ZONE p_tz;
      IF v_at > p_after THEN
        RETURN v_at;
      END IF;
    END IF;
  END LOOP;
  RETURN NULL;
END;
$$;

CREATE FUNCTION ticket_template_latest_at(p_schedule text, p_weekdays smallint[], p_month_day smallint,
                                          p_time time, p_tz text, p_at timestamptz) RETURNS timestamptz
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
DECLARE
  v_day date;
  v_at  timestamptz;
BEGIN
  IF p_schedule NOT IN ('daily', 'weekly', 'monthly') OR p_at IS NULL THEN
    RETURN NULL;
  END IF;
  v_day := (p_at AT TIME ZONE p_tz)::date;
  FOR i IN 0..63 LOOP
    IF ticket_template_day_matches(p_schedule, p_weekdays, p_month_day, v_day - i) THEN
      v_at := ((v_day - i) + p_time) AT TIME ZONE p_tz;
      IF v_at <= p_at THEN
        RETURN v_at;
      END IF;
    END IF;
  END LOOP;
  RETURN NULL;
END;
$$;
GRANT EXECUTE ON FUNCTION ticket_template_day_matches(text, smallint[], smallint, date),
                          ticket_template_next_after(text, smallint[], smallint, time, text, timestamptz),
                          ticket_template_latest_at(text, smallint[], smallint, time, text, timestamptz)
  TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- Templates
-- ---------------------------------------------------------------------------
CREATE TABLE ticket_templates (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  title           text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 500),
  description     text NOT NULL CHECK (length(description) BETWEEN 1 AND 65536),
  request_type_id uuid REFERENCES request_types (id) ON DELETE SET NULL,
  priority        text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  team_id         uuid REFERENCES teams (id) ON DELETE SET NULL,
  assignee_id     uuid REFERENCES users (id) ON DELETE SET NULL,
  requester_id    uuid NOT NULL REFERENCES users (id),
  custom_fields   jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom_fields) = 'object'),
  is_active       boolean NOT NULL DEFAULT true,
  -- schedule
  schedule        text NOT NULL DEFAULT 'none' CHECK (schedule IN ('none', 'daily', 'weekly', 'monthly')),
  weekdays        smallint[] NOT NULL DEFAULT '{}'
                  CHECK (weekdays <@ ARRAY[1, 2, 3, 4, 5, 6, 7]::smallint[]),
  month_day       smallint CHECK (month_day BETWEEN 1 AND 31),
  run_time        time NOT NULL DEFAULT '09:00',
  time_zone       text NOT NULL DEFAULT 'UTC' CHECK (length(time_zone) BETWEEN 1 AND 64),
  next_run_at     timestamptz,          -- computed by the trigger below and by the job
  last_run_at     timestamptz,
  created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ticket_templates_name_unique UNIQUE (organization_id, name),
  CONSTRAINT ticket_templates_weekly_days CHECK (schedule <> 'weekly' OR cardinality(weekdays) > 0),
  CONSTRAINT ticket_templates_monthly_day CHECK (schedule <> 'monthly' OR month_day IS NOT NULL)
);
CREATE INDEX ticket_templates_request_type_idx ON ticket_templates (request_type_id) WHERE request_type_id IS NOT NULL;
CREATE INDEX ticket_templates_team_idx ON ticket_templates (team_id) WHERE team_id IS NOT NULL;
CREATE INDEX ticket_templates_assignee_idx ON ticket_templates (assignee_id) WHERE assignee_id IS NOT NULL;
CREATE INDEX ticket_templates_requester_idx ON ticket_templates (requester_id);
CREATE INDEX ticket_templates_created_by_idx ON ticket_templates (created_by) WHERE created_by IS NOT NULL;
-- The job's scan: due active scheduled templates.
CREATE INDEX ticket_templates_due_idx ON ticket_templates (next_run_at) WHERE is_active AND next_run_at IS NOT NULL;

-- The zone is checked here as the SLA policies' is (0025's
-- sla_time_zone_valid), and next_run_at follows the schedule whenever it
-- changes (or the template is switched back on).
CREATE FUNCTION ticket_templates_before_write() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) - ARRAY['next_run_at', 'last_run_at', 'updated_at'])
                          = (to_jsonb(NEW) - ARRAY['next_run_at', 'last_run_at', 'updated_at']) THEN
    RETURN NEW;   -- the job's bookkeeping: not an edit of the template
  END IF;
  NEW.updated_at := now();
  IF (TG_OP = 'INSERT' OR OLD.time_zone IS DISTINCT FROM NEW.time_zone)
     AND NOT EXISTS (SELECT FROM pg_timezone_names WHERE name = NEW.time_zone) THEN
    RAISE EXCEPTION 'unknown time zone %', NEW.time_zone USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.schedule <> 'weekly' THEN NEW.weekdays := '{}'; END IF;
  IF NEW.schedule <> 'monthly' THEN NEW.month_day := NULL; END IF;
  IF TG_OP = 'INSERT'
     OR (OLD.schedule, OLD.weekdays, OLD.month_day, OLD.run_time, OLD.time_zone, OLD.is_active)
        IS DISTINCT FROM (NEW.schedule, NEW.weekdays, NEW.month_day, NEW.run_time, NEW.time_zone, NEW.is_active) THEN
    NEW.next_run_at := CASE WHEN NEW.is_active THEN
      ticket_template_next_after(NEW.schedule, NEW.weekdays, NEW.month_day, NEW.run_time, NEW.time_zone, now()) END;
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER ticket_templates_before_write BEFORE INSERT OR UPDATE ON ticket_templates
  FOR EACH ROW EXECUTE FUNCTION ticket_templates_before_write();

CREATE TRIGGER ticket_templates_config_audit AFTER INSERT OR UPDATE OR DELETE ON ticket_templates
  FOR EACH ROW EXECUTE FUNCTION config_audit_record('ticket_template', 'next_run_at', 'last_run_at');

-- Agents of the organization read them; its admins (and platform admins)
-- manage them; customers and other organizations' staff see none.
ALTER TABLE ticket_templates ENABLE ROW LEVEL SECURITY;
CREATE POLICY ticket_templates_select ON ticket_templates FOR SELECT TO supportdesk_app
  USING ((select app_is_platform_admin()) OR organization_id = ANY ((select app_staff_org_ids())::uuid[]));
CREATE POLICY ticket_templates_admin_write ON ticket_templates FOR ALL TO supportdesk_app
  USING ((select app_is_platform_admin()) OR organization_id = ANY ((select app_admin_org_ids())::uuid[]))
  WITH CHECK ((select app_is_platform_admin()) OR organization_id = ANY ((select app_admin_org_ids())::uuid[]));
GRANT SELECT, DELETE ON ticket_templates TO supportdesk_app;
GRANT INSERT (organization_id, name, title, description, request_type_id, priority, team_id, assignee_id,
              requester_id, custom_fields, is_active, schedule, weekdays, month_day, run_time, time_zone, created_by),
      UPDATE (name, title, description, request_type_id, priority, team_id, assignee_id, requester_id,
              custom_fields, is_active, schedule, weekdays, month_day, run_time, time_zone)
  ON ticket_templates TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- Runs: one row per occurrence that made a ticket. Written by the job only.
-- ---------------------------------------------------------------------------
CREATE TABLE ticket_template_runs (
  template_id  uuid NOT NULL REFERENCES ticket_templates (id) ON DELETE CASCADE,
  occurrence   timestamptz NOT NULL,
  ticket_id    uuid REFERENCES tickets (id),
  slots        integer NOT NULL DEFAULT 1 CHECK (slots >= 1),   -- > 1: caught up after downtime
  first_missed timestamptz,                                      -- the earliest slot it stands for
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (template_id, occurrence)
);
CREATE INDEX ticket_template_runs_ticket_idx ON ticket_template_runs (ticket_id) WHERE ticket_id IS NOT NULL;
ALTER TABLE ticket_template_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY ticket_template_runs_select ON ticket_template_runs FOR SELECT TO supportdesk_app
  USING (EXISTS (SELECT FROM ticket_templates t WHERE t.id = template_id));
GRANT SELECT ON ticket_template_runs TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- A ticket from a template, through the same INSERT and triggers as every
-- ticket (number, SLA, auto-assign when no assignee, staff notices, the
-- 'created' activity), routed to the template's organization; then an
-- activity entry naming the template. Internal: callers below check who may.
-- The assignee is kept only while an active member of the organization.
-- ---------------------------------------------------------------------------
CREATE FUNCTION ticket_template_create_ticket(p_template uuid, p_source text) RETURNS tickets
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  tpl  ticket_templates;
  rt   request_types;
  t    tickets;
  prev text := current_setting('app.user_id', true);
BEGIN
  SELECT * INTO tpl FROM ticket_templates WHERE id = p_template;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  SELECT * INTO rt FROM request_types WHERE id = tpl.request_type_id AND is_active;
  -- The audit row's actor: the user who used it, or for the scheduler the
  -- requester (as ticket_insert_from_request does).
  IF nullif(prev, '') IS NULL THEN
    PERFORM set_config('app.user_id', tpl.requester_id::text, true);
  END IF;
  INSERT INTO tickets (requester_id, organization_id, routing_type, assigned_org_id, team_id, assignee_id,
                       title, description, request_type_id, category_id, priority, status, source,
                       custom_fields, channel_metadata)
  VALUES (tpl.requester_id, tpl.organization_id, 'organization', tpl.organization_id,
          coalesce((SELECT id FROM teams WHERE id = tpl.team_id AND organization_id = tpl.organization_id),
                   (SELECT s.default_team_id FROM organization_settings s WHERE s.organization_id = tpl.organization_id)),
          (SELECT m.user_id FROM memberships m
           WHERE m.user_id = tpl.assignee_id AND m.organization_id = tpl.organization_id AND m.is_active),
          btrim(tpl.title), tpl.description, rt.id, rt.category_id, tpl.priority, 'new', p_source,
          tpl.custom_fields, jsonb_build_object('template_id', tpl.id))
  RETURNING * INTO t;
  PERFORM ticket_activity_log(t.id, 'from_template', 'Created from the template “' || tpl.name || '”', true,
                              NULL, NULL, tpl.name, jsonb_build_object('template_id', tpl.id, 'source', p_source));
  PERFORM set_config('app.user_id', coalesce(prev, ''), true);
  RETURN t;
END;
$$;
REVOKE EXECUTE ON FUNCTION ticket_template_create_ticket(uuid, text) FROM PUBLIC;

-- "New from template" in the desk, and the admin's "run now": the
-- organization's staff use an active template, its admins any of theirs.
-- The ticket's number, or NULL when the caller may not (or no template).
CREATE FUNCTION ticket_template_use(p_template uuid) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  tpl ticket_templates;
  t   tickets;
BEGIN
  IF app_user_id() IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT * INTO tpl FROM ticket_templates WHERE id = p_template;
  IF NOT FOUND OR NOT (app_is_org_admin(tpl.organization_id) OR app_is_platform_admin()
                       OR (tpl.is_active AND tpl.organization_id = ANY (app_staff_org_ids()))) THEN
    RETURN NULL;
  END IF;
  t := ticket_template_create_ticket(tpl.id, 'template');
  RETURN t.number;
END;
$$;
REVOKE EXECUTE ON FUNCTION ticket_template_use(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ticket_template_use(uuid) TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- The scheduler's run: up to p_limit due templates (rows another scheduler
-- is working on are skipped, and the runs key settles any race left). For
-- each: the latest slot at or before now is the occurrence; its run row
-- goes in first and the ticket only when it did; next_run_at moves past
-- now. Returns the tickets created. Refuses an acting user, as
-- sched_job_begin does.
-- ---------------------------------------------------------------------------
CREATE FUNCTION ticket_templates_run_due(p_limit integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  tpl     ticket_templates;
  v_now   timestamptz := now();
  v_occ   timestamptz;
  v_slots integer;
  v_in    boolean;
  v_t     tickets;
  v_n     integer := 0;
BEGIN
  IF app_user_id() IS NOT NULL THEN
    RAISE EXCEPTION 'scheduler jobs run without an acting user' USING ERRCODE = 'insufficient_privilege';
  END IF;
  FOR tpl IN SELECT * FROM ticket_templates
             WHERE is_active AND next_run_at IS NOT NULL AND next_run_at <= v_now
             ORDER BY next_run_at, id
             LIMIT greatest(coalesce(p_limit, 100), 1)
             FOR UPDATE SKIP LOCKED LOOP
    v_occ := ticket_template_latest_at(tpl.schedule, tpl.weekdays, tpl.month_day, tpl.run_time, tpl.time_zone, v_now);
    IF v_occ IS NOT NULL AND v_occ >= tpl.next_run_at THEN
      -- The slots missed since next_run_at, counted up to a bound.
      v_slots := 1;
      DECLARE
        v_at timestamptz := tpl.next_run_at;
      BEGIN
        WHILE v_slots < 1000 LOOP
          v_at := ticket_template_next_after(tpl.schedule, tpl.weekdays, tpl.month_day, tpl.run_time,
                                             tpl.time_zone, v_at);
          EXIT WHEN v_at IS NULL OR v_at > v_occ;
          v_slots := v_slots + 1;
        END LOOP;
      END;
      INSERT INTO ticket_template_runs (template_id, occurrence, slots, first_missed)
      VALUES (tpl.id, v_occ, v_slots, CASE WHEN v_slots > 1 THEN tpl.next_run_at END)
      ON CONFLICT DO NOTHING
      RETURNING true INTO v_in;
      IF v_in THEN
        v_t := ticket_template_create_ticket(tpl.id, 'recurring');
        UPDATE ticket_template_runs SET ticket_id = v_t.id WHERE template_id = tpl.id AND occurrence = v_occ;
        v_n := v_n + 1;
      END IF;
      v_in := NULL;
    END IF;
    UPDATE ticket_templates
    SET next_run_at = ticket_template_next_after(schedule, weekdays, month_day, run_time, time_zone, v_now),
        last_run_at = coalesce(v_occ, last_run_at)
    WHERE id = tpl.id;
  END LOOP;
  RETURN v_n;
END;
$$;
REVOKE EXECUTE ON FUNCTION ticket_templates_run_due(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ticket_templates_run_due(integer) TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- The admin page's save: checks what the form cannot (the type, team and
-- assignee are the organization's, the name is free, the zone is known),
-- then writes as the caller (row-level security decides). The requester:
-- the address given, found or created as a customer; none given, the
-- template's current requester, else the admin saving it.
-- outcome: saved | not_found | bad_type | bad_team | bad_assignee |
-- name_taken | bad_time_zone.
-- ---------------------------------------------------------------------------
CREATE FUNCTION ticket_template_save(
  p_org uuid, p_id uuid, p_name text, p_title text, p_description text, p_type uuid, p_priority text,
  p_team uuid, p_assignee uuid, p_requester_email text, p_custom_fields jsonb, p_active boolean,
  p_schedule text, p_weekdays smallint[], p_month_day smallint, p_time time, p_tz text,
  OUT outcome text, OUT template_id uuid)
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  v_requester uuid;
BEGIN
  IF p_org IS NULL OR NOT (app_is_org_admin(p_org) OR app_is_platform_admin()) THEN
    outcome := 'not_found'; RETURN;
  END IF;
  IF p_id IS NOT NULL THEN
    SELECT t.requester_id INTO v_requester FROM ticket_templates t WHERE t.id = p_id AND t.organization_id = p_org;
    IF NOT FOUND THEN
      outcome := 'not_found'; RETURN;
    END IF;
  END IF;
  IF p_type IS NOT NULL AND NOT EXISTS (
       SELECT FROM request_types rt WHERE rt.id = p_type AND rt.is_active
         AND (rt.organization_id = p_org OR rt.organization_id IS NULL)) THEN
    outcome := 'bad_type'; RETURN;
  END IF;
  IF p_team IS NOT NULL AND NOT EXISTS (
       SELECT FROM teams tm WHERE tm.id = p_team AND tm.organization_id = p_org AND tm.is_active) THEN
    outcome := 'bad_team'; RETURN;
  END IF;
  IF p_assignee IS NOT NULL AND NOT EXISTS (
       SELECT FROM memberships m WHERE m.user_id = p_assignee AND m.organization_id = p_org AND m.is_active) THEN
    outcome := 'bad_assignee'; RETURN;
  END IF;
  IF EXISTS (SELECT FROM ticket_templates t WHERE t.organization_id = p_org AND t.name = btrim(p_name)
             AND t.id IS DISTINCT FROM p_id) THEN
    outcome := 'name_taken'; RETURN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_timezone_names WHERE name = p_tz) THEN
    outcome := 'bad_time_zone'; RETURN;
  END IF;
  IF nullif(btrim(p_requester_email), '') IS NOT NULL THEN
    v_requester := customer_find_or_create(btrim(p_requester_email)::citext);
  END IF;
  v_requester := coalesce(v_requester, app_user_id());
  BEGIN
    IF p_id IS NULL THEN
      INSERT INTO ticket_templates (organization_id, name, title, description, request_type_id, priority, team_id,
                                    assignee_id, requester_id, custom_fields, is_active, schedule, weekdays,
                                    month_day, run_time, time_zone, created_by)
      VALUES (p_org, btrim(p_name), btrim(p_title), p_description, p_type, p_priority, p_team, p_assignee,
              v_requester, coalesce(p_custom_fields, '{}'), p_active, p_schedule, coalesce(p_weekdays, '{}'),
              p_month_day, p_time, p_tz, app_user_id())
      RETURNING id INTO template_id;
    ELSE
      UPDATE ticket_templates t
      SET (name, title, description, request_type_id, priority, team_id, assignee_id, requester_id, custom_fields,
           is_active, schedule, weekdays, month_day, run_time, time_zone) =
          (btrim(p_name), btrim(p_title), p_description, p_type, p_priority, p_team, p_assignee, v_requester,
           coalesce(p_custom_fields, '{}'), p_active, p_schedule, coalesce(p_weekdays, '{}'), p_month_day, p_time, p_tz)
      WHERE t.id = p_id AND t.organization_id = p_org
      RETURNING t.id INTO template_id;
    END IF;
  EXCEPTION WHEN unique_violation THEN
    outcome := 'name_taken'; template_id := NULL; RETURN;   -- a concurrent save took the name
  END;
  outcome := CASE WHEN template_id IS NULL THEN 'not_found' ELSE 'saved' END;
END;
$$;
REVOKE EXECUTE ON FUNCTION ticket_template_save(uuid, uuid, text, text, text, uuid, text, uuid, uuid, text, jsonb,
                                                boolean, text, smallint[], smallint, time, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ticket_template_save(uuid, uuid, text, text, text, uuid, text, uuid, uuid, text, jsonb,
                                               boolean, text, smallint[], smallint, time, text) TO supportdesk_app;
