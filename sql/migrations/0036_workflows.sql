-- 0036_workflows.sql: workflows (seed 004). An organization defines
-- workflows made of stages (one start, one end, an optional "other" apart
-- from the line; next/previous links); a request type may name the
-- workflow its tickets follow, else the organization's first active one.
-- A ticket is put on its workflow's start stage when it is created
-- (trigger: every creation path); moving it to a stage runs the stage's
-- active hooks in the same transaction (trigger: once per move, whatever
-- makes it). Every change of a ticket's title, description, priority,
-- assignee or stage writes a ticket_history row linked to the previous one.
-- The seed's materialized views agent_tickets and workflow_stage_stats are
-- refreshed by the scheduler and read only through definer functions that
-- filter by the caller's organizations (row-level security does not apply
-- to materialized views).
--
-- Names follow this schema (organizations, users, memberships): the seed's
-- profiles.role 'admin'/'agent' are memberships.role here; "org members"
-- are the organization's staff (customers are no members).

-- ---------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------
CREATE TABLE workflows (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  description     text CHECK (length(description) <= 2000),
  is_active       boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, name)
);
-- The unique key serves the organization's list and its foreign key; the
-- partial one "the organization's first active workflow" at ticket creation.
CREATE INDEX workflows_active_idx ON workflows (organization_id, created_at, id) WHERE is_active;
CREATE TRIGGER workflows_updated_at BEFORE UPDATE ON workflows
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE workflow_stages (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workflow_id   uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
  name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  description   text CHECK (length(description) <= 2000),
  is_start      boolean NOT NULL DEFAULT false,
  is_end        boolean NOT NULL DEFAULT false,
  is_other      boolean NOT NULL DEFAULT false,
  -- Order of the stages between start and end (the admin page's up/down);
  -- next/previous are derived from it by workflow_stages_relink().
  position      integer NOT NULL DEFAULT 0,
  next_stage_id uuid,
  prev_stage_id uuid,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT no_self_reference CHECK (id <> next_stage_id AND id <> prev_stage_id),
  CONSTRAINT workflow_stages_workflow_id_id_key UNIQUE (workflow_id, id),
  -- A stage is one of start, end, other, or a stage in between.
  CONSTRAINT workflow_stages_one_kind CHECK (is_start::int + is_end::int + is_other::int <= 1),
  -- The links stay inside the workflow (composite keys), and a removed
  -- stage's neighbours lose the link until the relink sets the new one.
  FOREIGN KEY (workflow_id, next_stage_id) REFERENCES workflow_stages (workflow_id, id) ON DELETE SET NULL (next_stage_id),
  FOREIGN KEY (workflow_id, prev_stage_id) REFERENCES workflow_stages (workflow_id, id) ON DELETE SET NULL (prev_stage_id)
);
CREATE UNIQUE INDEX unique_start_per_workflow ON workflow_stages (workflow_id) WHERE is_start = true;
CREATE UNIQUE INDEX unique_end_per_workflow ON workflow_stages (workflow_id) WHERE is_end = true;
CREATE UNIQUE INDEX unique_other_per_workflow ON workflow_stages (workflow_id) WHERE is_other = true;
CREATE INDEX workflow_stages_next_idx ON workflow_stages (workflow_id, next_stage_id) WHERE next_stage_id IS NOT NULL;
CREATE INDEX workflow_stages_prev_idx ON workflow_stages (workflow_id, prev_stage_id) WHERE prev_stage_id IS NOT NULL;

CREATE TABLE workflow_stage_hooks (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  stage_id   uuid NOT NULL REFERENCES workflow_stages (id) ON DELETE CASCADE,
  hook_type  text NOT NULL CHECK (hook_type IN ('notification')),
  config     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
  is_active  boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- The seed's constraint, with this schema's roles and a bounded message.
  CONSTRAINT valid_hook_config CHECK (
    hook_type <> 'notification' OR (
      config ? 'target_type' AND
      config->>'target_type' = ANY (ARRAY['specific_user', 'role', 'ticket_creator', 'org_admins']) AND
      ((config->>'target_type' = 'specific_user' AND config ? 'target_user_id') OR
       (config->>'target_type' = 'role' AND coalesce(config->>'target_role', '') = ANY (ARRAY['agent', 'admin'])) OR
       config->>'target_type' = ANY (ARRAY['ticket_creator', 'org_admins'])) AND
      config ? 'message' AND length(btrim(config->>'message')) BETWEEN 1 AND 2000
    )
  )
);
CREATE INDEX workflow_stage_hooks_stage_idx ON workflow_stage_hooks (stage_id);

-- A request type may name its workflow.
ALTER TABLE request_types ADD COLUMN workflow_id uuid REFERENCES workflows (id) ON DELETE SET NULL;
CREATE INDEX request_types_workflow_idx ON request_types (workflow_id) WHERE workflow_id IS NOT NULL;

-- The ticket's workflow and stage. Nullable columns without a default: no
-- table rewrite at a million tickets; tickets created before stay off any
-- workflow. Written only by triggers and the stage move (the application
-- role may write current_stage_id alone; the triggers check it).
ALTER TABLE tickets ADD COLUMN workflow_id uuid REFERENCES workflows (id) ON DELETE SET NULL,
                    ADD COLUMN current_stage_id uuid REFERENCES workflow_stages (id),
                    ADD COLUMN stage_entered_at timestamptz,
                    ADD COLUMN latest_history_id uuid;
CREATE INDEX tickets_workflow_idx ON tickets (workflow_id) WHERE workflow_id IS NOT NULL;
CREATE INDEX tickets_stage_idx ON tickets (current_stage_id) WHERE current_stage_id IS NOT NULL;
GRANT UPDATE (current_stage_id) ON tickets TO supportdesk_app;

-- The history (seed 004). A snapshot of the five tracked fields per entry,
-- except the description, which is kept only in the entries that changed
-- it (a description is up to 64 KiB: copying it on every priority change
-- would make the trigger expensive); the state at an entry takes the
-- description of the latest entry at or before it that has one. stage_name
-- is copied so that the history reads the same after a stage is removed
-- (hence no foreign key on workflow_stage_id). seq orders the entries of
-- one transaction, which share changed_at.
CREATE TABLE ticket_history (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq                 bigint GENERATED ALWAYS AS IDENTITY,
  ticket_id           uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
  title               text NOT NULL,
  description         text,
  priority            text NOT NULL,
  assignee_id         uuid,
  workflow_stage_id   uuid,
  stage_name          text,
  changed_by          uuid REFERENCES users (id) ON DELETE SET NULL,
  changed_at          timestamptz NOT NULL DEFAULT now(),
  previous_history_id uuid REFERENCES ticket_history (id) ON DELETE CASCADE,
  changes             jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'object'),
  -- A chain: each entry has at most one successor (and the index serves
  -- the self foreign key).
  CONSTRAINT ticket_history_one_successor UNIQUE (previous_history_id)
);
CREATE INDEX ticket_history_ticket_idx ON ticket_history (ticket_id, seq DESC);
CREATE INDEX ticket_history_changed_by_idx ON ticket_history (changed_by) WHERE changed_by IS NOT NULL;
COMMENT ON TABLE ticket_history IS
  'Versioned ticket state (seed 004), one row per change of title, description, priority, assignee or stage; written by triggers only.';

-- ---------------------------------------------------------------------------
-- Row-level security: the organization's staff read; its admins and agents
-- manage (seed 004); platform admins too. Customers see nothing.
-- ---------------------------------------------------------------------------
ALTER TABLE workflows ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow_stages ENABLE ROW LEVEL SECURITY;
ALTER TABLE workflow_stage_hooks ENABLE ROW LEVEL SECURITY;
ALTER TABLE ticket_history ENABLE ROW LEVEL SECURITY;

CREATE POLICY workflows_select ON workflows FOR SELECT TO supportdesk_app
  USING (organization_id = ANY ((select app_staff_org_ids())::uuid[]) OR (select app_is_platform_admin()));
CREATE POLICY workflows_manage ON workflows FOR ALL TO supportdesk_app
  USING (organization_id = ANY ((select app_staff_org_ids())::uuid[]) OR (select app_is_platform_admin()))
  WITH CHECK (organization_id = ANY ((select app_staff_org_ids())::uuid[]) OR (select app_is_platform_admin()));

CREATE POLICY workflow_stages_select ON workflow_stages FOR SELECT TO supportdesk_app
  USING (EXISTS (SELECT FROM workflows w WHERE w.id = workflow_stages.workflow_id));
CREATE POLICY workflow_stages_manage ON workflow_stages FOR ALL TO supportdesk_app
  USING (EXISTS (SELECT FROM workflows w WHERE w.id = workflow_stages.workflow_id))
  WITH CHECK (EXISTS (SELECT FROM workflows w WHERE w.id = workflow_stages.workflow_id));

CREATE POLICY workflow_stage_hooks_select ON workflow_stage_hooks FOR SELECT TO supportdesk_app
  USING (EXISTS (SELECT FROM workflow_stages s WHERE s.id = workflow_stage_hooks.stage_id));
CREATE POLICY workflow_stage_hooks_manage ON workflow_stage_hooks FOR ALL TO supportdesk_app
  USING (EXISTS (SELECT FROM workflow_stages s WHERE s.id = workflow_stage_hooks.stage_id))
  WITH CHECK (EXISTS (SELECT FROM workflow_stages s WHERE s.id = workflow_stage_hooks.stage_id));

-- The history is the staff's: the requester sees the ticket, not who was
-- assigned when.
CREATE POLICY ticket_history_select_staff ON ticket_history FOR SELECT TO supportdesk_app
  USING (EXISTS (SELECT FROM tickets t WHERE t.id = ticket_history.ticket_id
                 AND ((select app_is_platform_staff())
                      OR (t.routing_type <> 'internal' AND t.assigned_org_id = ANY ((select app_staff_org_ids())::uuid[])))));

GRANT SELECT, DELETE ON workflows, workflow_stages, workflow_stage_hooks TO supportdesk_app;
GRANT INSERT (organization_id, name, description, is_active), UPDATE (name, description, is_active)
  ON workflows TO supportdesk_app;
GRANT INSERT (workflow_id, name, description, is_start, is_end, is_other, position),
      UPDATE (name, description, is_start, is_end, is_other, position)
  ON workflow_stages TO supportdesk_app;
GRANT INSERT (stage_id, hook_type, config, is_active), UPDATE (config, is_active)
  ON workflow_stage_hooks TO supportdesk_app;
GRANT SELECT ON ticket_history TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- Next and previous, derived from the order: start, the stages in between by
-- position, end; "other" stands apart with no links. Runs after every change
-- of a stage's kind or position (trigger), as the owner: the application
-- role cannot write the links itself.
-- ---------------------------------------------------------------------------
CREATE FUNCTION workflow_stages_relink(p_workflow uuid) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH o AS (
    SELECT id, is_other,
           CASE WHEN NOT is_other THEN lag(id) OVER w END AS prev,
           CASE WHEN NOT is_other THEN lead(id) OVER w END AS next
    FROM workflow_stages WHERE workflow_id = p_workflow
    WINDOW w AS (PARTITION BY is_other ORDER BY is_start DESC, is_end, position, created_at, id))
  UPDATE workflow_stages s SET next_stage_id = o.next, prev_stage_id = o.prev
  FROM o
  WHERE s.id = o.id AND (s.next_stage_id IS DISTINCT FROM o.next OR s.prev_stage_id IS DISTINCT FROM o.prev);
$$;
REVOKE EXECUTE ON FUNCTION workflow_stages_relink(uuid) FROM PUBLIC;

CREATE FUNCTION workflow_stages_after_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM workflow_stages_relink(CASE WHEN TG_OP = 'DELETE' THEN OLD.workflow_id ELSE NEW.workflow_id END);
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION workflow_stages_after_change() FROM PUBLIC;
CREATE TRIGGER workflow_stages_relink AFTER INSERT OR DELETE OR UPDATE OF is_start, is_end, is_other, position
  ON workflow_stages FOR EACH ROW EXECUTE FUNCTION workflow_stages_after_change();

-- ---------------------------------------------------------------------------
-- Configuration audit: one row per changed workflow, stage or hook, under
-- the workflow's organization. The relink's link updates are left out (they
-- follow from a change already recorded).
-- ---------------------------------------------------------------------------
SELECT config_audit_entity_allow('workflow');
SELECT config_audit_entity_allow('workflow_stage');
SELECT config_audit_entity_allow('workflow_stage_hook');

CREATE FUNCTION workflows_config_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_old jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  v_new jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  v_row jsonb := coalesce(v_new, v_old);
  v_entity text;
  v_org uuid;
BEGIN
  IF TG_OP = 'UPDATE' AND (v_old - 'updated_at' - 'next_stage_id' - 'prev_stage_id')
                        = (v_new - 'updated_at' - 'next_stage_id' - 'prev_stage_id') THEN
    RETURN NULL;
  END IF;
  CASE TG_TABLE_NAME
    WHEN 'workflows' THEN
      v_entity := 'workflow'; v_org := (v_row->>'organization_id')::uuid;
    WHEN 'workflow_stages' THEN
      v_entity := 'workflow_stage';
      SELECT w.organization_id INTO v_org FROM workflows w WHERE w.id = (v_row->>'workflow_id')::uuid;
    ELSE
      v_entity := 'workflow_stage_hook';
      SELECT w.organization_id INTO v_org FROM workflow_stages s JOIN workflows w ON w.id = s.workflow_id
      WHERE s.id = (v_row->>'stage_id')::uuid;
  END CASE;
  IF v_org IS NULL THEN
    RETURN NULL; -- the workflow itself is being removed: its own row records it
  END IF;
  INSERT INTO config_audit (organization_id, actor_id, entity, entity_id, action, before, after, request_id, ip_address)
  VALUES (v_org, app_user_id(), v_entity, v_row->>'id', lower(TG_OP), v_old, v_new, app_request_id(), app_ip());
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION workflows_config_audit() FROM PUBLIC;
CREATE TRIGGER workflows_config_audit AFTER INSERT OR UPDATE OR DELETE ON workflows
  FOR EACH ROW EXECUTE FUNCTION workflows_config_audit();
CREATE TRIGGER workflow_stages_config_audit AFTER INSERT OR UPDATE OR DELETE ON workflow_stages
  FOR EACH ROW EXECUTE FUNCTION workflows_config_audit();
CREATE TRIGGER workflow_stage_hooks_config_audit AFTER INSERT OR UPDATE OR DELETE ON workflow_stage_hooks
  FOR EACH ROW EXECUTE FUNCTION workflows_config_audit();

-- ---------------------------------------------------------------------------
-- Tickets: the workflow at creation, the stage check, the history id.
-- ---------------------------------------------------------------------------

-- The workflow a new ticket follows: its request type's (when active and of
-- the ticket's routing organization), else that organization's first
-- active one; NULL when there is none.
CREATE FUNCTION ticket_workflow_for(p_routing text, p_assigned_org uuid, p_request_type uuid) RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_org uuid := ticket_routing_org(p_routing, p_assigned_org);
  v_id uuid;
BEGIN
  IF v_org IS NULL THEN
    RETURN NULL;
  END IF;
  IF p_request_type IS NOT NULL THEN
    SELECT w.id INTO v_id FROM request_types rt JOIN workflows w ON w.id = rt.workflow_id
    WHERE rt.id = p_request_type AND w.organization_id = v_org AND w.is_active;
    IF v_id IS NOT NULL THEN
      RETURN v_id;
    END IF;
  END IF;
  SELECT w.id INTO v_id FROM workflows w WHERE w.organization_id = v_org AND w.is_active
  ORDER BY w.created_at, w.id LIMIT 1;
  RETURN v_id;
END;
$$;
REVOKE EXECUTE ON FUNCTION ticket_workflow_for(text, uuid, uuid) FROM PUBLIC;

-- BEFORE INSERT, and BEFORE UPDATE of the tracked columns: sets the start
-- stage, refuses a stage of another workflow, stamps stage_entered_at, and
-- gives the row a new latest_history_id when a tracked field changed (the
-- AFTER trigger writes the entry under that id: no second UPDATE).
CREATE FUNCTION tickets_workflow_before() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_wf uuid;
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.workflow_id := ticket_workflow_for(NEW.routing_type, NEW.assigned_org_id, NEW.request_type_id);
    NEW.current_stage_id := (SELECT s.id FROM workflow_stages s WHERE s.workflow_id = NEW.workflow_id AND s.is_start);
    NEW.stage_entered_at := CASE WHEN NEW.current_stage_id IS NOT NULL THEN now() END;
    NEW.latest_history_id := gen_random_uuid();
    RETURN NEW;
  END IF;
  IF NEW.current_stage_id IS DISTINCT FROM OLD.current_stage_id THEN
    IF NEW.current_stage_id IS NOT NULL THEN
      SELECT s.workflow_id INTO v_wf FROM workflow_stages s WHERE s.id = NEW.current_stage_id;
      IF v_wf IS DISTINCT FROM NEW.workflow_id THEN
        RAISE EXCEPTION 'stage % is not a stage of the ticket''s workflow', NEW.current_stage_id
          USING ERRCODE = 'check_violation';
      END IF;
    END IF;
    NEW.stage_entered_at := CASE WHEN NEW.current_stage_id IS NOT NULL THEN now() END;
  END IF;
  IF NEW.title IS DISTINCT FROM OLD.title OR NEW.description IS DISTINCT FROM OLD.description
     OR NEW.priority IS DISTINCT FROM OLD.priority OR NEW.assignee_id IS DISTINCT FROM OLD.assignee_id
     OR NEW.current_stage_id IS DISTINCT FROM OLD.current_stage_id THEN
    NEW.latest_history_id := gen_random_uuid();
  ELSE
    NEW.latest_history_id := OLD.latest_history_id;
  END IF;
  RETURN NEW;
END;
$$;
REVOKE EXECUTE ON FUNCTION tickets_workflow_before() FROM PUBLIC;
CREATE TRIGGER tickets_workflow_before_insert BEFORE INSERT ON tickets
  FOR EACH ROW EXECUTE FUNCTION tickets_workflow_before();
CREATE TRIGGER tickets_workflow_before_update
  BEFORE UPDATE OF title, description, priority, assignee_id, current_stage_id ON tickets
  FOR EACH ROW EXECUTE FUNCTION tickets_workflow_before();

-- AFTER: the history entry under NEW.latest_history_id. A ticket created
-- before this migration has no entry: its first change writes a baseline
-- entry of how it was (changes {"baseline": true}) before the change's own,
-- so no backfill of old tickets is needed.
CREATE FUNCTION tickets_history_write() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_prev uuid;
  v_changes jsonb := '{}';
  v_stage_name text;
BEGIN
  IF NEW.current_stage_id IS NOT NULL THEN
    SELECT s.name INTO v_stage_name FROM workflow_stages s WHERE s.id = NEW.current_stage_id;
  END IF;
  IF TG_OP = 'INSERT' THEN
    v_changes := jsonb_build_object('created', true, 'title', NEW.title, 'description', true,
                                    'priority', NEW.priority, 'assignee_id', NEW.assignee_id,
                                    'stage_id', NEW.current_stage_id, 'stage', v_stage_name);
  ELSE
    v_prev := OLD.latest_history_id;
    IF v_prev IS NULL THEN
      v_prev := gen_random_uuid();
      INSERT INTO ticket_history (id, ticket_id, title, description, priority, assignee_id, workflow_stage_id,
                                  stage_name, changed_by, changed_at, changes)
      VALUES (v_prev, OLD.id, OLD.title, OLD.description, OLD.priority, OLD.assignee_id, OLD.current_stage_id,
              (SELECT s.name FROM workflow_stages s WHERE s.id = OLD.current_stage_id), NULL, OLD.updated_at,
              '{"baseline": true}');
    END IF;
    IF NEW.title IS DISTINCT FROM OLD.title THEN
      v_changes := v_changes || jsonb_build_object('title', NEW.title);
    END IF;
    IF NEW.description IS DISTINCT FROM OLD.description THEN
      v_changes := v_changes || jsonb_build_object('description', true);
    END IF;
    IF NEW.priority IS DISTINCT FROM OLD.priority THEN
      v_changes := v_changes || jsonb_build_object('priority', NEW.priority);
    END IF;
    IF NEW.assignee_id IS DISTINCT FROM OLD.assignee_id THEN
      v_changes := v_changes || jsonb_build_object('assignee_id', NEW.assignee_id);
    END IF;
    IF NEW.current_stage_id IS DISTINCT FROM OLD.current_stage_id THEN
      v_changes := v_changes || jsonb_build_object('stage_id', NEW.current_stage_id, 'stage', v_stage_name);
    END IF;
  END IF;
  INSERT INTO ticket_history (id, ticket_id, title, description, priority, assignee_id, workflow_stage_id,
                              stage_name, changed_by, previous_history_id, changes)
  VALUES (NEW.latest_history_id, NEW.id, NEW.title,
          CASE WHEN TG_OP = 'INSERT' OR v_changes ? 'description' OR OLD.latest_history_id IS NULL
               THEN NEW.description END,
          NEW.priority, NEW.assignee_id, NEW.current_stage_id, v_stage_name, app_user_id(), v_prev, v_changes);
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION tickets_history_write() FROM PUBLIC;
-- Named to fire before every other AFTER INSERT trigger (they fire in name
-- order): auto-assign (0018) updates the new ticket from its own trigger,
-- and that update's entry links to this one, which must exist by then.
CREATE TRIGGER tickets_a_history_insert AFTER INSERT ON tickets
  FOR EACH ROW EXECUTE FUNCTION tickets_history_write();
-- First too, for the same reason: auto-assign's second pick (0018) updates
-- the ticket from its own AFTER UPDATE trigger.
CREATE TRIGGER tickets_a_history_update AFTER UPDATE OF title, description, priority, assignee_id, current_stage_id ON tickets
  FOR EACH ROW WHEN (NEW.latest_history_id IS DISTINCT FROM OLD.latest_history_id)
  EXECUTE FUNCTION tickets_history_write();

-- ---------------------------------------------------------------------------
-- Hooks: a move to a stage runs its active hooks, once per move (AFTER
-- UPDATE trigger: the move and its notices commit or roll back together).
-- Staff targets hear of it through staff_notify() (in-app, and email per
-- their preference 'workflow'); a requester who is not staff gets the
-- in-app notice with a link to the portal's ticket.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION account_staff_events() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY['new_ticket', 'assigned', 'customer_reply', 'mention', 'sla_warning', 'sla_breach', 'workflow']
$$;

CREATE FUNCTION workflow_hooks_run() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  h workflow_stage_hooks;
  v_stage text;
  v_org uuid := ticket_routing_org(NEW.routing_type, NEW.assigned_org_id);
  v_title text;
  v_user uuid;
BEGIN
  SELECT s.name INTO v_stage FROM workflow_stages s WHERE s.id = NEW.current_stage_id;
  v_title := 'Stage “' || v_stage || '”: ' || NEW.number || ' ' || NEW.title;
  FOR h IN SELECT * FROM workflow_stage_hooks
           WHERE stage_id = NEW.current_stage_id AND is_active AND hook_type = 'notification'
           ORDER BY created_at, id LOOP
    FOR v_user IN
      SELECT DISTINCT u FROM (
        SELECT (h.config->>'target_user_id')::uuid AS u
        WHERE h.config->>'target_type' = 'specific_user'
          AND h.config->>'target_user_id' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        UNION ALL
        SELECT NEW.requester_id WHERE h.config->>'target_type' = 'ticket_creator'
        UNION ALL
        SELECT m.user_id FROM memberships m
        WHERE m.organization_id = v_org AND m.is_active
          AND ((h.config->>'target_type' = 'role' AND m.role = h.config->>'target_role')
               OR (h.config->>'target_type' = 'org_admins' AND m.role = 'admin'))) t
      WHERE u IS NOT NULL ORDER BY 1
    LOOP
      IF ticket_staff_member(v_user, NEW) THEN
        PERFORM staff_notify(v_user, NEW.id, 'workflow', v_title, h.config->>'message',
                             jsonb_build_object('stage', v_stage, 'hook_id', h.id));
      ELSIF v_user = NEW.requester_id AND NOT NEW.is_spam THEN
        PERFORM notification_add(v_user, 'workflow.stage', v_title, h.config->>'message',
                                 '/my/tickets/' || NEW.number,
                                 jsonb_build_object('ticket_id', NEW.id, 'stage', v_stage, 'hook_id', h.id),
                                 now() + interval '90 days');
      END IF;
    END LOOP;
  END LOOP;
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION workflow_hooks_run() FROM PUBLIC;
CREATE TRIGGER tickets_workflow_hooks AFTER UPDATE OF current_stage_id ON tickets
  FOR EACH ROW WHEN (NEW.current_stage_id IS NOT NULL AND NEW.current_stage_id IS DISTINCT FROM OLD.current_stage_id)
  EXECUTE FUNCTION workflow_hooks_run();

-- ---------------------------------------------------------------------------
-- Materialized views (seed 004), refreshed concurrently by the scheduler
-- (job 'workflow_views'). The application role has no privilege on them:
-- the functions below read them for the caller's organizations only.
-- ---------------------------------------------------------------------------
CREATE MATERIALIZED VIEW agent_tickets AS
SELECT t.id, t.number,
       CASE WHEN t.routing_type = 'internal' THEN (SELECT id FROM organizations WHERE is_platform)
            ELSE t.assigned_org_id END AS organization_id,
       t.title, t.priority, t.status, ws.name AS stage_name, u.name AS assignee_name,
       t.created_at, t.updated_at,
       coalesce(m.public_count, 0) AS public_message_count,
       coalesce(m.internal_count, 0) AS internal_message_count,
       now() AS refreshed_at
FROM tickets t
LEFT JOIN workflow_stages ws ON ws.id = t.current_stage_id
LEFT JOIN users u ON u.id = t.assignee_id
LEFT JOIN (SELECT ticket_id, count(*) FILTER (WHERE NOT is_internal) AS public_count,
                  count(*) FILTER (WHERE is_internal) AS internal_count
           FROM ticket_messages GROUP BY ticket_id) m ON m.ticket_id = t.id;
CREATE UNIQUE INDEX agent_tickets_id_idx ON agent_tickets (id);
CREATE INDEX agent_tickets_org_idx ON agent_tickets (organization_id, updated_at DESC, id DESC);

CREATE MATERIALIZED VIEW workflow_stage_stats AS
SELECT ws.id AS stage_id, ws.workflow_id, w.organization_id, ws.name AS stage_name,
       count(t.id) AS ticket_count,
       count(t.id) FILTER (WHERE t.status NOT IN ('resolved', 'closed', 'cancelled')) AS open_count,
       avg(extract(epoch FROM now() - t.stage_entered_at))
         FILTER (WHERE t.status NOT IN ('resolved', 'closed', 'cancelled')) AS avg_seconds_in_stage,
       now() AS refreshed_at
FROM workflow_stages ws
JOIN workflows w ON w.id = ws.workflow_id
LEFT JOIN tickets t ON t.current_stage_id = ws.id
GROUP BY ws.id, ws.workflow_id, w.organization_id, ws.name;
CREATE UNIQUE INDEX workflow_stage_stats_id_idx ON workflow_stage_stats (stage_id);
CREATE INDEX workflow_stage_stats_workflow_idx ON workflow_stage_stats (workflow_id);

REVOKE ALL ON agent_tickets, workflow_stage_stats FROM PUBLIC;

-- The scheduler's refresh (no acting user, as sched_job_begin demands).
CREATE FUNCTION workflow_views_refresh() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF app_user_id() IS NOT NULL THEN
    RAISE EXCEPTION 'scheduler jobs run without an acting user' USING ERRCODE = 'insufficient_privilege';
  END IF;
  REFRESH MATERIALIZED VIEW CONCURRENTLY agent_tickets;
  REFRESH MATERIALIZED VIEW CONCURRENTLY workflow_stage_stats;
END;
$$;
REVOKE EXECUTE ON FUNCTION workflow_views_refresh() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION workflow_views_refresh() TO supportdesk_app;

-- A workflow's stage statistics, for its organization's staff (and
-- platform admins); nothing for anyone else.
CREATE FUNCTION workflow_stage_stats_for(p_workflow uuid)
RETURNS TABLE (stage_id uuid, stage_name text, ticket_count bigint, open_count bigint,
               avg_seconds_in_stage double precision, refreshed_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT s.stage_id, s.stage_name, s.ticket_count, s.open_count, s.avg_seconds_in_stage::double precision,
         s.refreshed_at
  FROM workflow_stage_stats s
  WHERE s.workflow_id = p_workflow
    AND (s.organization_id = ANY (app_staff_org_ids()) OR app_is_platform_admin())
$$;
REVOKE EXECUTE ON FUNCTION workflow_stage_stats_for(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION workflow_stage_stats_for(uuid) TO supportdesk_app;

-- One organization's rows of agent_tickets, newest activity first, keyset
-- after (updated_at, id); empty unless the caller is its staff.
CREATE FUNCTION agent_tickets_for(p_org uuid, p_after_updated timestamptz, p_after_id uuid, p_limit integer)
RETURNS SETOF agent_tickets
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT a.* FROM agent_tickets a
  WHERE a.organization_id = p_org
    AND (p_org = ANY (app_staff_org_ids()) OR app_is_platform_admin())
    AND (p_after_updated IS NULL OR (a.updated_at, a.id) < (p_after_updated, p_after_id))
  ORDER BY a.updated_at DESC, a.id DESC
  LIMIT least(greatest(coalesce(p_limit, 50), 1), 500)
$$;
REVOKE EXECUTE ON FUNCTION agent_tickets_for(uuid, timestamptz, uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION agent_tickets_for(uuid, timestamptz, uuid, integer) TO supportdesk_app;
