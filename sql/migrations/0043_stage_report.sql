-- 0043: the stage statistics report (/desk/reports/stages). Its flow over a
-- date range is read from ticket_history (0036), whose rows with a
-- 'stage_id' key are the moves: a ticket created on a stage, or moved to
-- one. A move row now names the organization that worked the ticket then
-- (NULL for internal tickets), and the partial index holds only the moves,
-- by organization and time, so one organization's 90 days read their own
-- moves and no other history: stages belong to an organization's
-- workflows, and the report is per organization. Creations on no stage
-- (tickets of no workflow, nearly all of them) stay out of it.
ALTER TABLE ticket_history ADD COLUMN organization_id uuid;
COMMENT ON COLUMN ticket_history.organization_id IS
  'On a move (a row of the moves index): the organization that worked the ticket then; for the stage report.';

CREATE FUNCTION ticket_history_move_org() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NEW.changes ? 'stage_id' AND (NEW.workflow_stage_id IS NOT NULL OR NOT NEW.changes ? 'created') THEN
    NEW.organization_id := (SELECT t.assigned_org_id FROM tickets t
                            WHERE t.id = NEW.ticket_id AND t.routing_type <> 'internal');
  END IF;
  RETURN NEW;
END;
$$;
REVOKE EXECUTE ON FUNCTION ticket_history_move_org() FROM PUBLIC;
CREATE TRIGGER ticket_history_move_org BEFORE INSERT ON ticket_history
  FOR EACH ROW EXECUTE FUNCTION ticket_history_move_org();

UPDATE ticket_history h SET organization_id = t.assigned_org_id
FROM tickets t
WHERE t.id = h.ticket_id AND h.changes ? 'stage_id' AND (h.workflow_stage_id IS NOT NULL OR NOT h.changes ? 'created')
  AND t.routing_type <> 'internal';

CREATE INDEX ticket_history_stage_moves_idx ON ticket_history (organization_id, changed_at)
  WHERE changes ? 'stage_id' AND (workflow_stage_id IS NOT NULL OR NOT changes ? 'created');

-- The open tickets on each stage now, from the snapshot the scheduler
-- refreshes (workflow_stage_stats, 0036): the stages of the caller's
-- organizations (every stage for platform admins, who read every
-- workflow), optionally of one organization; nothing for anyone else.
-- With the snapshot's time.
CREATE FUNCTION workflow_stage_open_now(p_org uuid)
RETURNS TABLE (stage_id uuid, open_count bigint, refreshed_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT s.stage_id, s.open_count, s.refreshed_at
  FROM workflow_stage_stats s
  WHERE (p_org IS NULL OR s.organization_id = p_org)
    AND (s.organization_id = ANY (app_staff_org_ids()) OR app_is_platform_admin())
$$;
REVOKE EXECUTE ON FUNCTION workflow_stage_open_now(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION workflow_stage_open_now(uuid) TO supportdesk_app;
