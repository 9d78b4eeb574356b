-- 0045: the queue counts of /desk, kept by a trigger instead of counted.
-- The seven counts of an organization's queues were each a scan of up to
-- 1,000 rows of a queue index under row-level security (9 ms a page at a
-- million tickets, half of the page's time in PostgreSQL), and they stopped
-- at "999+". Now every change of a ticket that moves it between queues adds
-- a row of deltas here, and a page sums its organization's rows: exact
-- counts, read in one index range.
--
-- Why rows of deltas and not one counter per queue: a counter row updated
-- by every ticket change of an organization would be a lock that all its
-- writers queue on until they commit (a submission holds it for its whole
-- transaction), and two transactions that change two tickets each could
-- deadlock on the counters. Inserting takes no lock anyone waits for. The
-- scheduler folds each key's rows into one (queue_counts_fold(), job
-- 'queue_counts'), so the rows a page sums stay a few per agent.
--
-- What counts: the tickets of /desk's organization scope, the same rows
-- row-level security gives the organization's staff (tickets_select_org_staff
-- and tickets_not_deleted): routed to the organization, not internal, not
-- deleted. Queue 1 holds the active ones (mine, unassigned and all open are
-- its rows by assignee), 2 the waiting ones (also in 1), 3 the resolved,
-- closed and cancelled, 4 spam (any status); 1 to 3 are never spam. The SLA
-- queue depends on the clock and stays a capped count.
CREATE TABLE ticket_queue_counts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  queue smallint NOT NULL CHECK (queue BETWEEN 1 AND 4),
  assignee_id uuid,
  n bigint NOT NULL
);
COMMENT ON TABLE ticket_queue_counts IS
  'Deltas of /desk''s queue counts per organization, queue and assignee; their sum is the count (0045).';
CREATE INDEX ticket_queue_counts_org_idx ON ticket_queue_counts (organization_id) INCLUDE (queue, assignee_id, n);

ALTER TABLE ticket_queue_counts ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON ticket_queue_counts TO supportdesk_app;
-- The organization's staff read its counts, platform staff every one; the
-- rows are written by the trigger and the fold (definer functions) only.
CREATE POLICY ticket_queue_counts_select ON ticket_queue_counts FOR SELECT TO supportdesk_app
  USING (organization_id = ANY ((select app_staff_org_ids())::uuid[]) OR (select app_is_platform_staff()));

-- The queues a ticket's state is in (none outside the scope).
CREATE FUNCTION ticket_queue_set(p_org uuid, p_routing text, p_deleted timestamptz, p_status text, p_spam boolean)
RETURNS smallint[] LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = public, pg_temp AS $$
  SELECT CASE
    WHEN p_org IS NULL OR p_routing = 'internal' OR p_deleted IS NOT NULL THEN '{}'::smallint[]
    WHEN p_spam THEN '{4}'::smallint[]
    WHEN p_status IN ('waiting_customer', 'waiting_internal') THEN '{1,2}'::smallint[]
    WHEN p_status IN ('new', 'open', 'in_progress') THEN '{1}'::smallint[]
    WHEN p_status IN ('resolved', 'closed', 'cancelled') THEN '{3}'::smallint[]
    ELSE '{}'::smallint[]
  END
$$;
GRANT EXECUTE ON FUNCTION ticket_queue_set(uuid, text, timestamptz, text, boolean) TO supportdesk_app;

CREATE FUNCTION tickets_queue_count() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  was smallint[] := '{}';
  now_in smallint[] := '{}';
BEGIN
  IF TG_OP <> 'INSERT' THEN
    was := ticket_queue_set(OLD.assigned_org_id, OLD.routing_type, OLD.deleted_at, OLD.status, OLD.is_spam);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    now_in := ticket_queue_set(NEW.assigned_org_id, NEW.routing_type, NEW.deleted_at, NEW.status, NEW.is_spam);
  END IF;
  IF TG_OP = 'UPDATE' AND was = now_in AND OLD.assigned_org_id IS NOT DISTINCT FROM NEW.assigned_org_id
     AND OLD.assignee_id IS NOT DISTINCT FROM NEW.assignee_id THEN
    RETURN NULL;
  END IF;
  INSERT INTO ticket_queue_counts (organization_id, queue, assignee_id, n)
  SELECT OLD.assigned_org_id, q, OLD.assignee_id, -1 FROM unnest(was) q
  UNION ALL
  SELECT NEW.assigned_org_id, q, NEW.assignee_id, 1 FROM unnest(now_in) q;
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION tickets_queue_count() FROM PUBLIC;
-- On every update, not "UPDATE OF" the columns: that would miss a column
-- that a BEFORE trigger changes and the statement does not name.
CREATE TRIGGER tickets_queue_count AFTER INSERT OR UPDATE OR DELETE ON tickets
  FOR EACH ROW EXECUTE FUNCTION tickets_queue_count();

-- Each key's rows summed into one, keys that sum to nothing dropped; a
-- delta committed while it runs is not in its snapshot and waits for the
-- next fold. Answers how many rows it folded away. Concurrent folds are
-- safe (a row is deleted, and so summed, by one of them only); the
-- scheduler runs one at a time anyway. Rows of an organization that is
-- gone (deleted with triggers off, so not cascaded) are dropped.
CREATE FUNCTION queue_counts_fold() RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH keyed AS (
    SELECT c.id, count(*) OVER w AS rows_of_key, sum(c.n) OVER w AS total, o.id IS NULL AS orphan
    FROM ticket_queue_counts c LEFT JOIN organizations o ON o.id = c.organization_id
    WINDOW w AS (PARTITION BY c.organization_id, c.queue, c.assignee_id)),
  gone AS (
    DELETE FROM ticket_queue_counts c USING keyed k
    WHERE c.id = k.id AND (k.rows_of_key > 1 OR k.total = 0 OR k.orphan)
    RETURNING c.organization_id, c.queue, c.assignee_id, c.n),
  kept AS (
    INSERT INTO ticket_queue_counts (organization_id, queue, assignee_id, n)
    SELECT g.organization_id, g.queue, g.assignee_id, sum(g.n) FROM gone g
    WHERE EXISTS (SELECT FROM organizations o WHERE o.id = g.organization_id)
    GROUP BY g.organization_id, g.queue, g.assignee_id HAVING sum(g.n) <> 0
    RETURNING 1)
  SELECT (SELECT count(*) FROM gone) - (SELECT count(*) FROM kept)
$$;
REVOKE EXECUTE ON FUNCTION queue_counts_fold() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION queue_counts_fold() TO supportdesk_app;

-- The counts from the tickets themselves, per organization, queue and
-- assignee: what the kept sums must be. Owner only.
CREATE VIEW ticket_queue_counts_expected AS
  SELECT t.assigned_org_id AS organization_id, q AS queue, t.assignee_id, count(*) AS n
  FROM tickets t
  CROSS JOIN LATERAL unnest(ticket_queue_set(t.assigned_org_id, t.routing_type, t.deleted_at, t.status, t.is_spam)) q
  GROUP BY t.assigned_org_id, q, t.assignee_id;
-- A view runs as its owner, past row-level security: never the app's.
REVOKE ALL ON ticket_queue_counts_expected FROM PUBLIC;

-- The counts rebuilt from the tickets: for this migration and for bulk
-- loads that run without triggers (sql/scale/generate.sql). Owner only.
CREATE FUNCTION queue_counts_rebuild() RETURNS bigint
LANGUAGE sql SET search_path = public, pg_temp AS $$
  DELETE FROM ticket_queue_counts;
  INSERT INTO ticket_queue_counts (organization_id, queue, assignee_id, n)
  SELECT organization_id, queue, assignee_id, n FROM ticket_queue_counts_expected;
  SELECT count(*) FROM ticket_queue_counts
$$;
REVOKE EXECUTE ON FUNCTION queue_counts_rebuild() FROM PUBLIC;

-- Where the kept sums and the tickets disagree (nothing, unless a bulk load
-- ran without triggers and without the rebuild): for tests and operators.
-- Owner only.
CREATE FUNCTION queue_counts_drift()
RETURNS TABLE (organization_id uuid, queue smallint, assignee_id uuid, kept numeric, counted bigint)
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT coalesce(k.organization_id, e.organization_id), coalesce(k.queue, e.queue),
         coalesce(k.assignee_id, e.assignee_id), k.n, e.n
  FROM (SELECT c.organization_id, c.queue, c.assignee_id, sum(c.n) AS n FROM ticket_queue_counts c
        GROUP BY 1, 2, 3 HAVING sum(c.n) <> 0) k
  FULL JOIN ticket_queue_counts_expected e
    ON e.organization_id = k.organization_id AND e.queue = k.queue
   AND coalesce(e.assignee_id, '00000000-0000-0000-0000-000000000000') = coalesce(k.assignee_id, '00000000-0000-0000-0000-000000000000')
  WHERE k.n IS DISTINCT FROM e.n
$$;
REVOKE EXECUTE ON FUNCTION queue_counts_drift() FROM PUBLIC;

SELECT queue_counts_rebuild();
