-- 0022: GET /desk at scale. The helper functions of the queues (0019) are
-- SECURITY DEFINER LANGUAGE sql, which PostgreSQL never inlines: each call
-- is parsed, analysed and planned again (as 0017 found for the portal's).
-- desk_ticket_people() runs once per queue page, desk_agents() once per
-- queue page for its select. PL/pgSQL prepares each statement once per
-- connection and reuses the plan. desk_messages_match(), called once per
-- candidate ticket of a word search, stays LANGUAGE sql: as PL/pgSQL it
-- measured slower at a million tickets (2.4 to 3.6 s instead of 0.23 to
-- 0.8 s for an open queue of 1,762 tickets searched for a word in none).
--
-- Each function keeps its signature, volatility, SECURITY DEFINER,
-- search_path, grants (CREATE OR REPLACE keeps them) and result; only the
-- language changes.

CREATE OR REPLACE FUNCTION desk_ticket_people(p_tickets uuid[])
RETURNS TABLE (ticket_id uuid, requester text, assignee text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN QUERY
  SELECT t.id, coalesce(nullif(btrim(r.name), ''), r.email::text), coalesce(nullif(btrim(a.name), ''), a.email::text)
  FROM tickets t
  JOIN users r ON r.id = t.requester_id
  LEFT JOIN users a ON a.id = t.assignee_id
  WHERE t.id = ANY (p_tickets) AND t.deleted_at IS NULL
    AND ((SELECT app_is_platform_staff())
         OR (t.routing_type <> 'internal' AND t.assigned_org_id = ANY ((SELECT app_staff_org_ids())::uuid[])));
END;
$$;

CREATE OR REPLACE FUNCTION desk_requester_ids(p_email text) RETURNS uuid[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN (
    SELECT coalesce(array_agg(u.id), '{}')
    FROM users u
    WHERE u.email = p_email::citext
      AND EXISTS (SELECT 1 FROM tickets t WHERE t.requester_id = u.id AND t.deleted_at IS NULL
                  AND ((SELECT app_is_platform_staff())
                       OR (t.routing_type <> 'internal' AND t.assigned_org_id = ANY ((SELECT app_staff_org_ids())::uuid[])))));
END;
$$;

CREATE OR REPLACE FUNCTION desk_agents(p_all boolean, p_org uuid) RETURNS TABLE (id uuid, label text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN QUERY
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
  LIMIT 500;
END;
$$;
