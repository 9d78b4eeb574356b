-- 0044: the stage report's moves without looking a ticket up twice.
--
-- Writing: 0043 named a move's organization from a BEFORE INSERT trigger on
-- ticket_history that fetched the ticket again, though the only writer of
-- ticket_history, tickets_history_write() (0036, an AFTER trigger on
-- tickets), holds the ticket row as NEW. The writer now sets it itself, from
-- NEW: the ticket as the change left it, which is the row 0043's lookup
-- found (the same statement's ticket), so a move names the organization
-- working the ticket then, and an internal ticket's names none. Its body is
-- 0036's but for v_org. The baseline entry (a ticket older than 0036, on its
-- first change) is no move and names nobody, as before.
--
-- Reading: the report joined tickets for its filters while row-level
-- security on ticket_history fetched the same ticket again for every move.
-- report_stage_moves() checks once that the caller reads the organization's
-- workflows (workflow_stage_open_now's check, 0043) and then reads the moves
-- by (organization_id, changed_at) with one join to tickets, which carries
-- what the policies checked per row: the ticket is not deleted, and the
-- caller is platform staff or staff of the organization working it now
-- (ticket_history_select_staff, 0036); with the report's own conditions.
CREATE OR REPLACE FUNCTION tickets_history_write() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_prev uuid;
  v_changes jsonb := '{}';
  v_stage_name text;
  v_org uuid;
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
  -- A move (a row of ticket_history_stage_moves_idx, 0043: this repeats
  -- its predicate) names the organization working the ticket.
  IF v_changes ? 'stage_id' AND (NEW.current_stage_id IS NOT NULL OR NOT v_changes ? 'created')
     AND NEW.routing_type <> 'internal' THEN
    v_org := NEW.assigned_org_id;
  END IF;
  INSERT INTO ticket_history (id, ticket_id, title, description, priority, assignee_id, workflow_stage_id,
                              stage_name, changed_by, previous_history_id, changes, organization_id)
  VALUES (NEW.latest_history_id, NEW.id, NEW.title,
          CASE WHEN TG_OP = 'INSERT' OR v_changes ? 'description' OR OLD.latest_history_id IS NULL
               THEN NEW.description END,
          NEW.priority, NEW.assignee_id, NEW.current_stage_id, v_stage_name, app_user_id(), v_prev, v_changes,
          v_org);
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION tickets_history_write() FROM PUBLIC;

DROP TRIGGER ticket_history_move_org ON ticket_history;
DROP FUNCTION ticket_history_move_org();

-- The moves of organization p_org from p_since on, each with the time of
-- the ticket's next move among them (NULL: none yet), for the stage report;
-- p_team and p_agent narrow them to tickets of the team or assignee.
-- Nothing unless the caller is staff of p_org or a platform admin, who are
-- those who read its workflows and stages. The bounds are plain parameters:
-- no row-level security here, so nothing needs to be leakproof for the
-- index to take them.
CREATE FUNCTION report_stage_moves(p_org uuid, p_since timestamptz, p_team uuid, p_agent uuid)
RETURNS TABLE (stage_id uuid, entered timestamptz, left_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_orgs uuid[] := app_staff_org_ids();
  v_platform boolean := app_is_platform_staff();
BEGIN
  IF p_org IS NULL OR NOT (p_org = ANY (v_orgs) OR app_is_platform_admin()) THEN
    RETURN;
  END IF;
  RETURN QUERY
  SELECT h.workflow_stage_id, h.changed_at,
         lead(h.changed_at) OVER (PARTITION BY h.ticket_id ORDER BY h.seq)
  FROM ticket_history h JOIN tickets t ON t.id = h.ticket_id
  WHERE h.changes ? 'stage_id' AND (h.workflow_stage_id IS NOT NULL OR NOT h.changes ? 'created')
    AND h.organization_id = p_org AND h.changed_at >= p_since
    AND t.deleted_at IS NULL AND NOT t.is_spam
    AND (v_platform OR (t.routing_type <> 'internal' AND t.assigned_org_id = ANY (v_orgs)))
    AND (p_team IS NULL OR t.team_id = p_team) AND (p_agent IS NULL OR t.assignee_id = p_agent);
END;
$$;
REVOKE EXECUTE ON FUNCTION report_stage_moves(uuid, timestamptz, uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_stage_moves(uuid, timestamptz, uuid, uuid) TO supportdesk_app;
