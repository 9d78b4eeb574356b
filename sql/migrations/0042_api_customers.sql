-- 0042_api_customers.sql: customers through the REST API, and the API's
-- service users kept out of the lists of people.
--
-- Customers. A customer is a users row; an organization's staff see the
-- requesters of its tickets (0005 users_select_requesters). A customer the
-- organization created through the API before any ticket is recorded in
-- organization_customers, and its staff see them too (a new users policy).
-- Nothing else changes for who sees whom: another organization's
-- customers stay invisible, so the API answers 404 for them.
--
-- Service users. 0033 gives every API key a users row with an agent
-- membership, so RLS treats the key as the organization's staff. Such a
-- user is no person: users.is_service marks it (set when its key is made,
-- and never by the application), and the lists of people leave it out:
-- auto-assign (auto_assign_pick), the assignee choices (desk_agents, and
-- desk_assignee_allowed, which the workspace's and the API's updates ask),
-- staff notifications (staff_notify, sla_escalation_recipients);
-- the C lists in src/model/ (the workspace's choices, @mentions, teams,
-- templates, workflows, reports, bulk assign) say "not u.is_service"
-- themselves.

-- ---------------------------------------------------------------------------
-- Service users
-- ---------------------------------------------------------------------------

ALTER TABLE users ADD COLUMN is_service boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN users.is_service IS 'The service user of an API key (0033): staff for RLS, but no person to list or assign.';
GRANT SELECT (is_service) ON users TO supportdesk_app;
UPDATE users u SET is_service = true FROM api_keys k WHERE k.service_user_id = u.id;

-- The key's row is inserted after its user (api_key_insert): mark the user.
CREATE FUNCTION api_keys_mark_service_user() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE users SET is_service = true WHERE id = NEW.service_user_id AND NOT is_service;
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION api_keys_mark_service_user() FROM PUBLIC;
CREATE TRIGGER api_keys_mark_service_user AFTER INSERT ON api_keys
  FOR EACH ROW EXECUTE FUNCTION api_keys_mark_service_user();

-- 0018's pick, with service users left out of the candidates.
CREATE OR REPLACE FUNCTION auto_assign_pick(p_org uuid, p_team uuid, p_exclude uuid) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH candidates AS (
    SELECT m.user_id
    FROM memberships m
    JOIN users u ON u.id = m.user_id AND u.is_active AND u.away_since IS NULL AND NOT u.is_service
    JOIN organizations o ON o.id = m.organization_id AND o.is_active
    WHERE m.organization_id = p_org AND m.is_active
      AND (p_team IS NULL OR EXISTS (SELECT FROM membership_teams mt
                                     WHERE mt.membership_id = m.id AND mt.team_id = p_team))
    UNION
    SELECT u.id
    FROM users u JOIN organizations o ON o.id = p_org AND o.is_platform
    WHERE p_team IS NULL AND u.is_active AND u.away_since IS NULL AND u.platform_role IS NOT NULL AND NOT u.is_service)
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

-- 0022's desk_agents (the queue filter's and bulk assign's choices).
CREATE OR REPLACE FUNCTION desk_agents(p_all boolean, p_org uuid) RETURNS TABLE (id uuid, label text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN QUERY
  SELECT x.id, x.label FROM (
    SELECT u.id, coalesce(nullif(btrim(u.name), ''), u.email::text) AS label
    FROM memberships m JOIN users u ON u.id = m.user_id
    WHERE m.is_active AND u.is_active AND NOT u.is_service
      AND CASE WHEN (SELECT app_is_platform_staff()) THEN p_all OR m.organization_id = p_org
               ELSE m.organization_id = ANY ((SELECT app_staff_org_ids())::uuid[])
                    AND (p_org IS NULL OR m.organization_id = p_org) END
    UNION
    SELECT u.id, coalesce(nullif(btrim(u.name), ''), u.email::text)
    FROM users u
    WHERE u.platform_role IS NOT NULL AND u.is_active AND NOT u.is_service AND (SELECT app_is_platform_staff())
  ) x
  ORDER BY x.label, x.id
  LIMIT 500;
END;
$$;

-- 0020's check: a service user is never an assignee.
CREATE OR REPLACE FUNCTION desk_assignee_allowed(p_ticket uuid, p_user uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t tickets;
BEGIN
  SELECT * INTO t FROM tickets WHERE id = p_ticket;
  IF NOT FOUND OR app_user_id() IS NULL OR NOT is_ticket_staff(app_user_id(), t) THEN
    RETURN false;
  END IF;
  RETURN ticket_staff_member(p_user, t) AND NOT EXISTS (SELECT FROM users WHERE id = p_user AND is_service);
END;
$$;

-- 0018's staff notifications: a service user reads none (and no mail to
-- its .invalid address is queued), whatever event or role addressed it.
CREATE OR REPLACE FUNCTION staff_notify(p_user uuid, p_ticket uuid, p_event text, p_title text, p_content text,
                                        p_data jsonb DEFAULT '{}') RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t tickets;
BEGIN
  IF p_user IS NULL OR NOT (p_event = ANY (account_staff_events()))
     OR EXISTS (SELECT FROM users WHERE id = p_user AND is_service) THEN
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

-- 0018's recipients of SLA escalations (and 0037's role notices).
CREATE OR REPLACE FUNCTION sla_escalation_recipients(t tickets, p_role text) RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT x.id FROM (
    SELECT t.assignee_id AS id WHERE t.assignee_id IS NOT NULL
    UNION
    SELECT m.user_id FROM memberships m
    WHERE t.routing_type <> 'internal' AND m.organization_id = t.assigned_org_id AND m.is_active
      AND (p_role = 'agent' OR (p_role = 'admin' AND m.role = 'admin'))
    UNION
    SELECT u.id FROM users u
    WHERE u.is_active AND u.platform_role IS NOT NULL
      AND (p_role = 'platform_agent' OR (p_role = 'platform_admin' AND u.platform_role = 'admin')
           OR (t.routing_type = 'internal' AND (p_role = 'agent' OR (p_role = 'admin' AND u.platform_role = 'admin'))))
  ) x
  WHERE NOT EXISTS (SELECT FROM users s WHERE s.id = x.id AND s.is_service)
$$;

-- ---------------------------------------------------------------------------
-- Customers an organization created through the API
-- ---------------------------------------------------------------------------

CREATE TABLE organization_customers (
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, user_id)
);
COMMENT ON TABLE organization_customers IS 'Customers an organization created (POST /api/v1/customers) before any ticket of theirs.';
-- The users policy below probes by user; the list reads by organization (the key).
CREATE INDEX organization_customers_user_idx ON organization_customers (user_id, organization_id);
CREATE INDEX organization_customers_created_by_idx ON organization_customers (created_by);

ALTER TABLE organization_customers ENABLE ROW LEVEL SECURITY;
-- The organization's staff read them; writes only through api_customer_create().
CREATE POLICY organization_customers_select_staff ON organization_customers FOR SELECT TO supportdesk_app
  USING (organization_id = ANY ((select app_staff_org_ids())::uuid[]) OR (select app_is_platform_staff()));
GRANT SELECT ON organization_customers TO supportdesk_app;

CREATE POLICY users_select_org_customers ON users FOR SELECT TO supportdesk_app
  USING (cardinality((select app_staff_org_ids())) > 0
         AND EXISTS (SELECT FROM organization_customers oc
                     WHERE oc.user_id = users.id AND oc.organization_id = ANY ((select app_staff_org_ids())::uuid[])));

-- The customer list of the API reads the requesters of an organization's
-- tickets in id order (keyset), an index range per page.
CREATE INDEX tickets_org_requester_idx ON tickets (assigned_org_id, requester_id)
  WHERE deleted_at IS NULL AND routing_type <> 'internal';

-- For the acting key, with scope tickets:write (which already finds or
-- creates requesters): the customer of p_email. status 'created' (new to
-- the organization: a new user, or one it did not see before, now its
-- customer), 'exists' (already a customer of the organization: customer_id is
-- theirs, nothing changed), 'not_allowed', 'invalid_email'. The address is
-- checked in C as every form checks one; the checks here are the table's
-- and the reserved service domain.
CREATE FUNCTION api_customer_create(p_email citext, p_name text, OUT status text, OUT customer_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  k api_keys := api_key_current();
BEGIN
  IF k.id IS NULL OR NOT ('tickets:write' = ANY (k.scopes)) THEN
    status := 'not_allowed';
    RETURN;
  END IF;
  IF p_email IS NULL OR length(p_email) > 254 OR p_email !~ '^[^@\s]+@[^@\s]+$' OR p_email ~* '@api\.invalid$'
     OR (p_name IS NOT NULL AND length(p_name) > 200) THEN
    status := 'invalid_email';
    RETURN;
  END IF;
  SELECT u.id INTO customer_id FROM users u WHERE u.email = btrim(p_email);
  IF customer_id IS NOT NULL AND (
       EXISTS (SELECT FROM organization_customers oc WHERE oc.organization_id = k.organization_id AND oc.user_id = customer_id)
       OR EXISTS (SELECT FROM tickets t WHERE t.requester_id = customer_id AND t.assigned_org_id = k.organization_id
                    AND t.routing_type <> 'internal' AND t.deleted_at IS NULL)) THEN
    status := 'exists';
    RETURN;
  END IF;
  IF customer_id IS NOT NULL AND EXISTS (SELECT FROM users u WHERE u.id = customer_id AND u.is_service) THEN
    customer_id := NULL;
    status := 'invalid_email';
    RETURN;
  END IF;
  customer_id := customer_find_or_create(p_email, p_name);
  INSERT INTO organization_customers AS oc (organization_id, user_id, created_by)
  VALUES (k.organization_id, customer_id, k.service_user_id)
  ON CONFLICT DO NOTHING;
  status := 'created';
END;
$$;
REVOKE EXECUTE ON FUNCTION api_customer_create(citext, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api_customer_create(citext, text) TO supportdesk_app;
