-- 0043: the stage statistics report (/desk/reports/stages). Its flow over a
-- date range is read from ticket_history (0036), whose rows with a
-- 'stage_id' key are the moves: a ticket created on a stage, or moved to
-- one. The partial index holds only those rows, by time, so a 90-day range
-- reads the range's moves and no other history. Creations on no stage
-- (tickets of no workflow, nearly all of them) stay out of it.
CREATE INDEX ticket_history_stage_moves_idx ON ticket_history (changed_at, ticket_id)
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
