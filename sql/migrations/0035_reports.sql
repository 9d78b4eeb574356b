-- 0035_reports.sql: the numbers behind /desk/reports, kept in a summary
-- table so that no report scans the tickets (1,000,000 of them at scale).
--
-- report_daily holds, per routing organization x creation day (UTC) x
-- priority x team x assignee x source x category x request type, what the
-- tickets created that day amount to now: how many, how many still open,
-- resolved, first response and resolution met or breached, the sums and
-- counts of response and resolution minutes, and the ratings 1..5. A report
-- is a GROUP BY over the rows of its date range.
--
-- Maintenance without hot rows: a trigger on tickets (and on sla_events,
-- which records a breach of a clock still running) appends what a change
-- takes from and adds to the summary to report_delta, an append-only log:
-- concurrent writers never wait for each other there. The scheduler's
-- 'reports' job folds the log into report_daily in bounded batches under
-- its advisory lock (sched_job_begin), so one folder runs at a time; the
-- pages say when it last ran. Numbers are as of that run.
--
-- Organization: a ticket counts for the organization whose staff work it
-- (assigned_org_id, routing 'organization' or 'hybrid'); internal tickets
-- (org_id NULL) are the platform staff's, as in the tickets' policies.

CREATE TABLE report_daily (
  org_id            uuid,
  day               date NOT NULL,
  priority          text NOT NULL,
  team_id           uuid,
  assignee_id       uuid,
  source            text NOT NULL,
  category_id       uuid,
  request_type_id   uuid,
  created           integer NOT NULL DEFAULT 0,
  open              integer NOT NULL DEFAULT 0,
  resolved          integer NOT NULL DEFAULT 0,
  fr_met            integer NOT NULL DEFAULT 0,
  fr_breached       integer NOT NULL DEFAULT 0,
  res_met           integer NOT NULL DEFAULT 0,
  res_breached      integer NOT NULL DEFAULT 0,
  fr_minutes        bigint  NOT NULL DEFAULT 0,
  fr_count          integer NOT NULL DEFAULT 0,
  res_minutes       bigint  NOT NULL DEFAULT 0,
  res_count         integer NOT NULL DEFAULT 0,
  rating_1          integer NOT NULL DEFAULT 0,
  rating_2          integer NOT NULL DEFAULT 0,
  rating_3          integer NOT NULL DEFAULT 0,
  rating_4          integer NOT NULL DEFAULT 0,
  rating_5          integer NOT NULL DEFAULT 0,
  CONSTRAINT report_daily_key UNIQUE NULLS NOT DISTINCT
    (org_id, day, priority, team_id, assignee_id, source, category_id, request_type_id)
);
-- The reports read a date range of one or a few organizations; internal
-- rows (platform staff) under the NULL key.
CREATE INDEX report_daily_day_idx ON report_daily (day, org_id);
CREATE INDEX report_daily_org_day_idx ON report_daily (org_id, day) WHERE org_id IS NOT NULL;
COMMENT ON TABLE report_daily IS
  'Ticket figures per org x creation day x dimensions (0035), folded from report_delta by the scheduler''s reports job';

-- The log of changes still to fold: same columns, signed counts.
CREATE TABLE report_delta (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  LIKE report_daily
);
COMMENT ON TABLE report_delta IS
  'What ticket changes add to and take from report_daily, appended by triggers, folded by report_fold() (0035)';

ALTER TABLE report_daily ENABLE ROW LEVEL SECURITY;
ALTER TABLE report_delta ENABLE ROW LEVEL SECURITY;
-- Staff of an organization read its rows; platform staff read all (they
-- see every ticket). Customers and anonymous requests read nothing. Nobody
-- writes through the application role: only the definer functions below.
CREATE POLICY report_daily_select_staff ON report_daily FOR SELECT TO supportdesk_app
  USING ((select app_is_platform_staff())
         OR (org_id IS NOT NULL AND org_id = ANY ((select app_staff_org_ids())::uuid[])));
GRANT SELECT ON report_daily TO supportdesk_app;
-- report_delta: no policy, no grant (the triggers and the job are definers).

-- One ticket's contribution, sign 1 or -1. p_fr_event / p_res_event: a
-- breach event exists for that clock (the clock ran out before an answer).
CREATE FUNCTION report_delta_add(t tickets, p_sign integer, p_fr_event boolean, p_res_event boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_done boolean := t.resolved_at IS NOT NULL AND t.status IN ('resolved', 'closed');  -- never NULL
BEGIN
  IF t.deleted_at IS NOT NULL OR t.is_spam THEN
    RETURN;   -- deleted and spam tickets count nowhere
  END IF;
  INSERT INTO report_delta (org_id, day, priority, team_id, assignee_id, source, category_id, request_type_id,
                            created, open, resolved, fr_met, fr_breached, res_met, res_breached,
                            fr_minutes, fr_count, res_minutes, res_count,
                            rating_1, rating_2, rating_3, rating_4, rating_5)
  VALUES (CASE WHEN t.routing_type <> 'internal' THEN t.assigned_org_id END,
          (t.created_at AT TIME ZONE 'UTC')::date, t.priority, t.team_id, t.assignee_id, t.source,
          t.category_id, t.request_type_id,
          p_sign,
          p_sign * (t.status NOT IN ('resolved', 'closed', 'cancelled'))::int,
          p_sign * v_done::int,
          p_sign * coalesce(t.sla_first_response_due IS NOT NULL AND t.first_response_at IS NOT NULL
                            AND t.first_response_at <= t.sla_first_response_due AND NOT p_fr_event, false)::int,
          p_sign * coalesce(t.sla_first_response_due IS NOT NULL
                            AND (coalesce(t.first_response_at > t.sla_first_response_due, false) OR p_fr_event),
                            false)::int,
          p_sign * coalesce(t.sla_resolution_due IS NOT NULL AND v_done
                            AND t.resolved_at <= t.sla_resolution_due AND NOT p_res_event, false)::int,
          p_sign * coalesce(t.sla_resolution_due IS NOT NULL
                            AND ((v_done AND t.resolved_at > t.sla_resolution_due) OR p_res_event), false)::int,
          p_sign * coalesce(t.response_minutes, 0), p_sign * (t.response_minutes IS NOT NULL)::int,
          p_sign * coalesce(t.resolution_minutes, 0), p_sign * (t.resolution_minutes IS NOT NULL)::int,
          p_sign * coalesce(t.satisfaction_rating = 1, false)::int, p_sign * coalesce(t.satisfaction_rating = 2, false)::int,
          p_sign * coalesce(t.satisfaction_rating = 3, false)::int, p_sign * coalesce(t.satisfaction_rating = 4, false)::int,
          p_sign * coalesce(t.satisfaction_rating = 5, false)::int);
END;
$$;
REVOKE EXECUTE ON FUNCTION report_delta_add(tickets, integer, boolean, boolean) FROM PUBLIC;

CREATE FUNCTION report_has_event(p_ticket uuid, p_kind text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT FROM sla_events e WHERE e.ticket_id = p_ticket AND e.kind = p_kind)
$$;
REVOKE EXECUTE ON FUNCTION report_has_event(uuid, text) FROM PUBLIC;

CREATE FUNCTION tickets_report_delta() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_id uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
  v_fr boolean := TG_OP <> 'INSERT' AND report_has_event(v_id, 'first_response_breach');
  v_res boolean := TG_OP <> 'INSERT' AND report_has_event(v_id, 'resolution_breach');
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM report_delta_add(OLD, -1, v_fr, v_res);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM report_delta_add(NEW, 1, v_fr, v_res);
  END IF;
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION tickets_report_delta() FROM PUBLIC;

CREATE TRIGGER tickets_report_insert AFTER INSERT ON tickets
  FOR EACH ROW EXECUTE FUNCTION tickets_report_delta();
CREATE TRIGGER tickets_report_delete AFTER DELETE ON tickets
  FOR EACH ROW EXECUTE FUNCTION tickets_report_delta();
-- Only changes that move a figure: not every activity stamp.
CREATE TRIGGER tickets_report_update AFTER UPDATE ON tickets
  FOR EACH ROW WHEN (
    (OLD.routing_type, OLD.assigned_org_id, OLD.created_at, OLD.priority, OLD.team_id, OLD.assignee_id,
     OLD.source, OLD.category_id, OLD.request_type_id, OLD.status, OLD.resolved_at, OLD.first_response_at,
     OLD.sla_first_response_due, OLD.sla_resolution_due, OLD.response_minutes, OLD.resolution_minutes,
     OLD.satisfaction_rating, OLD.is_spam, OLD.deleted_at)
    IS DISTINCT FROM
    (NEW.routing_type, NEW.assigned_org_id, NEW.created_at, NEW.priority, NEW.team_id, NEW.assignee_id,
     NEW.source, NEW.category_id, NEW.request_type_id, NEW.status, NEW.resolved_at, NEW.first_response_at,
     NEW.sla_first_response_due, NEW.sla_resolution_due, NEW.response_minutes, NEW.resolution_minutes,
     NEW.satisfaction_rating, NEW.is_spam, NEW.deleted_at))
  EXECUTE FUNCTION tickets_report_delta();

-- A breach event turns a running clock into a breach: the ticket's row
-- without the event out, with it in.
CREATE FUNCTION sla_events_report_delta() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t tickets;
  v_fr boolean;
  v_res boolean;
BEGIN
  IF NEW.kind NOT LIKE '%breach' THEN
    RETURN NULL;
  END IF;
  SELECT * INTO t FROM tickets WHERE id = NEW.ticket_id;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  v_fr := report_has_event(t.id, 'first_response_breach');
  v_res := report_has_event(t.id, 'resolution_breach');
  PERFORM report_delta_add(t, -1, v_fr AND NEW.kind <> 'first_response_breach',
                           v_res AND NEW.kind <> 'resolution_breach');
  PERFORM report_delta_add(t, 1, v_fr, v_res);
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION sla_events_report_delta() FROM PUBLIC;
CREATE TRIGGER sla_events_report AFTER INSERT ON sla_events
  FOR EACH ROW EXECUTE FUNCTION sla_events_report_delta();

-- The job's step: folds up to p_limit log rows into report_daily. Returns
-- how many it folded (< p_limit: the log is empty). Only the scheduler
-- (no acting user), which holds the job's advisory lock.
CREATE FUNCTION report_fold(p_limit integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_n integer;
BEGIN
  IF app_user_id() IS NOT NULL THEN
    RAISE EXCEPTION 'scheduler jobs run without an acting user' USING ERRCODE = 'insufficient_privilege';
  END IF;
  WITH taken AS (
    DELETE FROM report_delta
     WHERE id IN (SELECT id FROM report_delta ORDER BY id LIMIT greatest(p_limit, 1))
    RETURNING *
  ), folded AS (
    INSERT INTO report_daily AS r
    SELECT org_id, day, priority, team_id, assignee_id, source, category_id, request_type_id,
           sum(created), sum(open), sum(resolved), sum(fr_met), sum(fr_breached), sum(res_met), sum(res_breached),
           sum(fr_minutes), sum(fr_count), sum(res_minutes), sum(res_count),
           sum(rating_1), sum(rating_2), sum(rating_3), sum(rating_4), sum(rating_5)
      FROM taken
     GROUP BY org_id, day, priority, team_id, assignee_id, source, category_id, request_type_id
    ON CONFLICT ON CONSTRAINT report_daily_key DO UPDATE SET
      created = r.created + excluded.created, open = r.open + excluded.open,
      resolved = r.resolved + excluded.resolved,
      fr_met = r.fr_met + excluded.fr_met, fr_breached = r.fr_breached + excluded.fr_breached,
      res_met = r.res_met + excluded.res_met, res_breached = r.res_breached + excluded.res_breached,
      fr_minutes = r.fr_minutes + excluded.fr_minutes, fr_count = r.fr_count + excluded.fr_count,
      res_minutes = r.res_minutes + excluded.res_minutes, res_count = r.res_count + excluded.res_count,
      rating_1 = r.rating_1 + excluded.rating_1, rating_2 = r.rating_2 + excluded.rating_2,
      rating_3 = r.rating_3 + excluded.rating_3, rating_4 = r.rating_4 + excluded.rating_4,
      rating_5 = r.rating_5 + excluded.rating_5
    RETURNING 1
  )
  SELECT count(*) INTO v_n FROM taken;
  -- A combination whose tickets all moved elsewhere stays as a row of
  -- zeros: it adds nothing to any sum, and a later ticket may reuse it.
  RETURN v_n;
END;
$$;
REVOKE EXECUTE ON FUNCTION report_fold(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_fold(integer) TO supportdesk_app;

-- When the numbers were last brought up to date (the job's last finish),
-- and whether changes are still waiting in the log.
CREATE FUNCTION report_freshness(OUT folded_at timestamptz, OUT pending boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT (SELECT last_finished_at FROM scheduler_runs WHERE job = 'reports'),
         EXISTS (SELECT FROM report_delta)
$$;
REVOKE EXECUTE ON FUNCTION report_freshness() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_freshness() TO supportdesk_app;

-- Recent comments with a rating, newest first, per routing organization.
CREATE INDEX tickets_org_rated_comment_idx ON tickets (assigned_org_id, satisfaction_submitted_at DESC, id DESC)
  WHERE satisfaction_comment IS NOT NULL AND deleted_at IS NULL;

-- The tickets already there, once.
INSERT INTO report_daily
SELECT CASE WHEN t.routing_type <> 'internal' THEN t.assigned_org_id END,
       (t.created_at AT TIME ZONE 'UTC')::date, t.priority, t.team_id, t.assignee_id, t.source,
       t.category_id, t.request_type_id,
       count(*),
       count(*) FILTER (WHERE t.status NOT IN ('resolved', 'closed', 'cancelled')),
       count(*) FILTER (WHERE t.resolved_at IS NOT NULL AND t.status IN ('resolved', 'closed')),
       count(*) FILTER (WHERE t.sla_first_response_due IS NOT NULL AND t.first_response_at <= t.sla_first_response_due
                          AND e_fr.ticket_id IS NULL),
       count(*) FILTER (WHERE t.sla_first_response_due IS NOT NULL
                          AND (t.first_response_at > t.sla_first_response_due OR e_fr.ticket_id IS NOT NULL)),
       count(*) FILTER (WHERE t.sla_resolution_due IS NOT NULL AND t.resolved_at IS NOT NULL
                          AND t.status IN ('resolved', 'closed') AND t.resolved_at <= t.sla_resolution_due
                          AND e_res.ticket_id IS NULL),
       count(*) FILTER (WHERE t.sla_resolution_due IS NOT NULL
                          AND ((t.resolved_at IS NOT NULL AND t.status IN ('resolved', 'closed')
                                AND t.resolved_at > t.sla_resolution_due) OR e_res.ticket_id IS NOT NULL)),
       coalesce(sum(t.response_minutes), 0), count(t.response_minutes),
       coalesce(sum(t.resolution_minutes), 0), count(t.resolution_minutes),
       count(*) FILTER (WHERE t.satisfaction_rating = 1), count(*) FILTER (WHERE t.satisfaction_rating = 2),
       count(*) FILTER (WHERE t.satisfaction_rating = 3), count(*) FILTER (WHERE t.satisfaction_rating = 4),
       count(*) FILTER (WHERE t.satisfaction_rating = 5)
  FROM tickets t
  LEFT JOIN sla_events e_fr ON e_fr.ticket_id = t.id AND e_fr.kind = 'first_response_breach'
  LEFT JOIN sla_events e_res ON e_res.ticket_id = t.id AND e_res.kind = 'resolution_breach'
 WHERE t.deleted_at IS NULL AND NOT t.is_spam
 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
ANALYZE report_daily;
-- As of now: the pages' "Figures as of" until the job first runs.
INSERT INTO scheduler_runs (job, last_finished_at, last_result)
VALUES ('reports', now(), '{"backfilled": true}')
ON CONFLICT (job) DO NOTHING;
