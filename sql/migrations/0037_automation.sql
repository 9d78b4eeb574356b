-- 0037_automation.sql: automation without code (issue 14 parts 1-3).
--
--   automation_triggers     act on a change (created, updated, message) in
--                           the same transaction, by any channel: the engine
--                           is AFTER triggers on tickets and ticket_messages,
--                           so the web form, the desk, the portal, the email
--                           channel and the API all run it without calling it.
--   automation_time_rules   act from the scheduler on minutes since an event
--                           (created, last customer reply, status change) or
--                           before the resolution SLA is due; once per rule,
--                           ticket and window (automation_time_firings).
--   macros                  a named set of the same actions plus an optional
--                           reply, applied by an agent (workspace or bulk).
--
-- Conditions and actions are JSON arrays validated here (a CHECK through
-- automation_conditions_valid / automation_actions_valid), so no writer can
-- store a shape the engine does not know:
--   condition {"field": f, "op": "is"|"is_not"|"contains"|"not_contains", "value": v}
--     f: status, priority, request_type, category, team, assignee (uuid or
--        "none"), tags, source, requester_domain, message_from (customer,
--        staff, system), title, description, message, text (title,
--        description and message), cf:<field_key>
--   action {"type": t, "value": v}
--     t: status, priority, team (uuid or "none"), assignee (uuid, "none" or
--        "auto"), add_tag, remove_tag, field ("key=value"), note (text),
--        email_requester (text), email_role (text; "role" agent|admin),
--        notify (text; "role" assignee|agent|admin)
--   Texts take {{ticket.number}}, {{ticket.title}} and {{requester.name}}.
--
-- Access (RLS): an organization's admins (and platform admins) read and
-- write its triggers and time rules; agents neither read nor write them
-- (what the automation does shows in each ticket's activity log). Macros:
-- the shared ones are the admins' to write and every staff member's of the
-- organization to read and apply; a personal macro is its owner's alone.
--
-- Loop guard: one rule runs at most once on one ticket per transaction
-- (one request, one scheduler pass): app.automation_fired holds the
-- "ticket:rule" pairs that ran. Actions run as the system (no acting user)
-- and may change what other rules see: those not yet run are evaluated on
-- the new state, ordered by position; depth is capped at 8.

SELECT ticket_activity_types_add(ARRAY['automation']);
SELECT config_audit_entity_allow('trigger');
SELECT config_audit_entity_allow('time_rule');
SELECT config_audit_entity_allow('macro');

-- ---------------------------------------------------------------------------
-- Validation of the JSON shapes
-- ---------------------------------------------------------------------------
CREATE FUNCTION automation_condition_fields() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY['status', 'priority', 'request_type', 'category', 'team', 'assignee', 'tags', 'source',
               'requester_domain', 'message_from', 'title', 'description', 'message', 'text']
$$;

CREATE FUNCTION automation_action_types() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY['status', 'priority', 'team', 'assignee', 'add_tag', 'remove_tag', 'field', 'note',
               'email_requester', 'email_role', 'notify']
$$;

CREATE FUNCTION automation_conditions_valid(p jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT jsonb_typeof(p) = 'array' AND jsonb_array_length(p) <= 20 AND NOT EXISTS (
    SELECT FROM jsonb_array_elements(p) c
    WHERE jsonb_typeof(c) <> 'object'
       OR NOT (coalesce(c->>'field', '') = ANY (automation_condition_fields())
               OR coalesce(c->>'field', '') ~ '^cf:[a-z][a-z0-9_]{0,62}$')
       OR coalesce(c->>'op', '') NOT IN ('is', 'is_not', 'contains', 'not_contains')
       OR jsonb_typeof(c->'value') IS DISTINCT FROM 'string'
       OR length(c->>'value') > 500)
$$;

CREATE FUNCTION automation_actions_valid(p jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT jsonb_typeof(p) = 'array' AND jsonb_array_length(p) <= 20 AND NOT EXISTS (
    SELECT FROM jsonb_array_elements(p) a
    WHERE jsonb_typeof(a) <> 'object'
       OR NOT (coalesce(a->>'type', '') = ANY (automation_action_types()))
       OR jsonb_typeof(a->'value') IS DISTINCT FROM 'string'
       OR length(a->>'value') > 4000
       OR (a->>'type' = 'status' AND a->>'value' NOT IN
             ('new', 'open', 'in_progress', 'waiting_customer', 'waiting_internal', 'resolved', 'closed', 'cancelled'))
       OR (a->>'type' = 'priority' AND a->>'value' NOT IN ('low', 'normal', 'high', 'urgent'))
       OR (a->>'type' IN ('team') AND a->>'value' !~ '^(none|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$')
       OR (a->>'type' IN ('assignee') AND a->>'value' !~ '^(none|auto|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$')
       OR (a->>'type' IN ('add_tag', 'remove_tag') AND (length(a->>'value') NOT BETWEEN 1 AND 50))
       OR (a->>'type' = 'field' AND a->>'value' !~ '^[a-z][a-z0-9_]{0,62}=')
       OR (a->>'type' IN ('note', 'email_requester', 'email_role', 'notify') AND btrim(a->>'value') = '')
       OR (a->>'type' = 'email_role' AND coalesce(a->>'role', '') NOT IN ('agent', 'admin'))
       OR (a->>'type' = 'notify' AND coalesce(a->>'role', '') NOT IN ('assignee', 'agent', 'admin')))
$$;

-- The CHECKs run them as the writer.
GRANT EXECUTE ON FUNCTION automation_condition_fields(), automation_action_types(),
  automation_conditions_valid(jsonb), automation_actions_valid(jsonb) TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------
CREATE TABLE automation_triggers (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  position        integer NOT NULL DEFAULT 0,
  is_active       boolean NOT NULL DEFAULT true,
  match_all       boolean NOT NULL DEFAULT true,         -- false: any condition
  events          text[] NOT NULL DEFAULT '{created}'
                  CHECK (cardinality(events) BETWEEN 1 AND 3 AND events <@ ARRAY['created', 'updated', 'message']),
  conditions      jsonb NOT NULL DEFAULT '[]' CHECK (automation_conditions_valid(conditions)),
  actions         jsonb NOT NULL DEFAULT '[]' CHECK (automation_actions_valid(actions) AND jsonb_array_length(actions) >= 1),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX automation_triggers_org_idx ON automation_triggers (organization_id, position, id);
CREATE TRIGGER automation_triggers_updated_at BEFORE UPDATE ON automation_triggers
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER automation_triggers_config_audit AFTER INSERT OR UPDATE OR DELETE ON automation_triggers
  FOR EACH ROW EXECUTE FUNCTION config_audit_record('trigger');

CREATE TABLE automation_time_rules (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  position        integer NOT NULL DEFAULT 0,
  is_active       boolean NOT NULL DEFAULT true,
  match_all       boolean NOT NULL DEFAULT true,
  -- since: minutes after the event; sla_due: minutes (or less) before the
  -- resolution is due.
  time_event      text NOT NULL CHECK (time_event IN ('created', 'customer_reply', 'status_change', 'sla_due')),
  minutes         integer NOT NULL CHECK (minutes BETWEEN 0 AND 525600),
  conditions      jsonb NOT NULL DEFAULT '[]' CHECK (automation_conditions_valid(conditions)),
  actions         jsonb NOT NULL DEFAULT '[]' CHECK (automation_actions_valid(actions) AND jsonb_array_length(actions) >= 1),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX automation_time_rules_org_idx ON automation_time_rules (organization_id, position, id);
CREATE TRIGGER automation_time_rules_updated_at BEFORE UPDATE ON automation_time_rules
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER automation_time_rules_config_audit AFTER INSERT OR UPDATE OR DELETE ON automation_time_rules
  FOR EACH ROW EXECUTE FUNCTION config_audit_record('time_rule');

-- One row per rule, ticket and window (the event's time): the unique key is
-- what makes a firing happen once, whichever scheduler gets there.
CREATE TABLE automation_time_firings (
  rule_id    uuid NOT NULL REFERENCES automation_time_rules (id) ON DELETE CASCADE,
  ticket_id  uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
  anchor     timestamptz NOT NULL,
  fired_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (rule_id, ticket_id, anchor)
);
CREATE INDEX automation_time_firings_ticket_idx ON automation_time_firings (ticket_id);

CREATE TABLE macros (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  owner_id        uuid REFERENCES users (id) ON DELETE CASCADE,   -- NULL: shared
  name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  position        integer NOT NULL DEFAULT 0,
  is_active       boolean NOT NULL DEFAULT true,
  actions         jsonb NOT NULL DEFAULT '[]' CHECK (automation_actions_valid(actions)),
  reply           text NOT NULL DEFAULT '' CHECK (length(reply) <= 65536),
  usage_count     integer NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
  last_used_at    timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (jsonb_array_length(actions) >= 1 OR btrim(reply) <> '')
);
CREATE INDEX macros_org_idx ON macros (organization_id, position, id);
CREATE INDEX macros_owner_idx ON macros (owner_id) WHERE owner_id IS NOT NULL;
CREATE TRIGGER macros_updated_at BEFORE UPDATE ON macros
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER macros_config_audit AFTER INSERT OR UPDATE OR DELETE ON macros
  FOR EACH ROW EXECUTE FUNCTION config_audit_record('macro', 'usage_count', 'last_used_at');

-- ---------------------------------------------------------------------------
-- Row-level security
-- ---------------------------------------------------------------------------
ALTER TABLE automation_triggers ENABLE ROW LEVEL SECURITY;
CREATE POLICY automation_triggers_admin ON automation_triggers FOR ALL TO supportdesk_app
  USING (app_is_org_admin(organization_id) OR (select app_is_platform_admin()))
  WITH CHECK (app_is_org_admin(organization_id) OR (select app_is_platform_admin()));
GRANT SELECT, INSERT, UPDATE, DELETE ON automation_triggers TO supportdesk_app;

ALTER TABLE automation_time_rules ENABLE ROW LEVEL SECURITY;
CREATE POLICY automation_time_rules_admin ON automation_time_rules FOR ALL TO supportdesk_app
  USING (app_is_org_admin(organization_id) OR (select app_is_platform_admin()))
  WITH CHECK (app_is_org_admin(organization_id) OR (select app_is_platform_admin()));
GRANT SELECT, INSERT, UPDATE, DELETE ON automation_time_rules TO supportdesk_app;

-- No policy and no grant: only the scheduler's function writes it.
ALTER TABLE automation_time_firings ENABLE ROW LEVEL SECURITY;

ALTER TABLE macros ENABLE ROW LEVEL SECURITY;
CREATE POLICY macros_select ON macros FOR SELECT TO supportdesk_app
  USING (CASE WHEN owner_id IS NULL
              THEN organization_id = ANY ((select app_staff_org_ids())::uuid[])
                   OR app_is_org_admin(organization_id) OR (select app_is_platform_staff())
              ELSE owner_id = (select app_user_id()) END);
CREATE POLICY macros_write ON macros FOR ALL TO supportdesk_app
  USING (CASE WHEN owner_id IS NULL THEN app_is_org_admin(organization_id) OR (select app_is_platform_admin())
              ELSE owner_id = (select app_user_id()) END)
  WITH CHECK (CASE WHEN owner_id IS NULL THEN app_is_org_admin(organization_id) OR (select app_is_platform_admin())
                   ELSE owner_id = (select app_user_id())
                        AND (organization_id = ANY ((select app_staff_org_ids())::uuid[])
                             OR app_is_org_admin(organization_id) OR (select app_is_platform_staff())) END);
GRANT SELECT, INSERT, DELETE ON macros TO supportdesk_app;
-- The use counter is macro_apply's (owner rights), not a writer's.
GRANT UPDATE (name, position, is_active, actions, reply, owner_id) ON macros TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- The engine
-- ---------------------------------------------------------------------------

-- One text placeholder pass (plain text: every text is escaped where shown).
CREATE FUNCTION automation_text(t tickets, p_text text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT replace(replace(replace(p_text,
           '{{ticket.number}}', t.number),
           '{{ticket.title}}', t.title),
           '{{requester.name}}', coalesce((SELECT nullif(btrim(u.name), '') FROM users u WHERE u.id = t.requester_id), 'there'))
$$;
REVOKE EXECUTE ON FUNCTION automation_text(tickets, text) FROM PUBLIC;

-- Whether one condition holds for the ticket (and the message, when the
-- change is one).
-- Called for every condition of every rule on every change: invoker rights
-- and no SET clause (each would cost a GUC save and restore per call); only
-- the definer functions below call it, with their search_path.
CREATE FUNCTION automation_condition_holds(t tickets, c jsonb, m ticket_messages) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_field text := c->>'field';
  v_op    text := c->>'op';
  v_want  text := lower(coalesce(c->>'value', ''));
  v_have  text;
  v_hit   boolean;
BEGIN
  IF v_field = 'tags' THEN
    v_hit := EXISTS (SELECT FROM unnest(t.tags) g
                     WHERE CASE WHEN v_op IN ('is', 'is_not') THEN lower(g) = v_want
                                ELSE strpos(lower(g), v_want) > 0 END);
    RETURN CASE WHEN v_op IN ('is', 'contains') THEN v_hit ELSE NOT v_hit END;
  END IF;
  v_have := CASE v_field
    WHEN 'status' THEN t.status
    WHEN 'priority' THEN t.priority
    WHEN 'source' THEN t.source
    WHEN 'request_type' THEN coalesce(t.request_type_id::text, 'none')
    WHEN 'category' THEN coalesce(t.category_id::text, 'none')
    WHEN 'team' THEN coalesce(t.team_id::text, 'none')
    WHEN 'assignee' THEN coalesce(t.assignee_id::text, 'none')
    WHEN 'requester_domain' THEN (SELECT split_part(u.email, '@', 2) FROM users u WHERE u.id = t.requester_id)
    WHEN 'message_from' THEN CASE WHEN m.id IS NULL THEN ''
                                  WHEN m.author_id IS NULL THEN 'system'
                                  WHEN m.author_id = t.requester_id THEN 'customer'
                                  ELSE 'staff' END
    WHEN 'title' THEN t.title
    WHEN 'description' THEN t.description
    WHEN 'message' THEN coalesce(m.body, '')
    WHEN 'text' THEN t.title || E'\n' || t.description || E'\n' || coalesce(m.body, '')
    ELSE CASE WHEN v_field LIKE 'cf:%' THEN coalesce(t.custom_fields->>substr(v_field, 4), '') END
  END;
  v_have := lower(coalesce(v_have, ''));
  RETURN CASE v_op
    WHEN 'is' THEN v_have = v_want
    WHEN 'is_not' THEN v_have <> v_want
    WHEN 'contains' THEN strpos(v_have, v_want) > 0
    WHEN 'not_contains' THEN strpos(v_have, v_want) = 0
  END;
END;
$$;
REVOKE EXECUTE ON FUNCTION automation_condition_holds(tickets, jsonb, ticket_messages) FROM PUBLIC;

-- ALL (every condition; none: true) or ANY (one at least; none: true).
CREATE FUNCTION automation_matches(t tickets, p_all boolean, p_conditions jsonb, m ticket_messages) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
  c jsonb;
  v_any boolean := false;
BEGIN
  IF jsonb_array_length(p_conditions) = 0 THEN
    RETURN true;
  END IF;
  FOR c IN SELECT e FROM jsonb_array_elements(p_conditions) e LOOP
    IF automation_condition_holds(t, c, m) THEN
      IF NOT p_all THEN
        RETURN true;
      END IF;
      v_any := true;
    ELSIF p_all THEN
      RETURN false;
    END IF;
  END LOOP;
  RETURN v_any;
END;
$$;
REVOKE EXECUTE ON FUNCTION automation_matches(tickets, boolean, jsonb, ticket_messages) FROM PUBLIC;

-- The actions on the ticket, and one activity row naming the rule
-- ("Trigger: name", "Time rule: name", "Macro: name"). p_as_system: run
-- with no acting user (triggers and time rules); a macro runs as its agent.
-- An action naming what is not the organization's (a team, an assignee who
-- does not work the ticket) is skipped. Returns the activity text.
CREATE FUNCTION automation_apply(p_ticket uuid, p_actions jsonb, p_kind text, p_name text, p_rule uuid,
                                 p_as_system boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t        tickets;
  a        jsonb;
  v_org    uuid;
  v_type   text;
  v_val    text;
  v_status text;
  v_prio   text;
  v_team   uuid;
  v_assign uuid;
  v_tags   text[];
  v_cf     jsonb;
  v_auto   boolean := false;
  v_prev   text := current_setting('app.user_id', true);
  v_reason text := current_setting('app.assignment_reason', true);
  v_u      uuid;
BEGIN
  SELECT * INTO t FROM tickets WHERE id = p_ticket;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  v_org := ticket_routing_org(t.routing_type, t.assigned_org_id);
  v_status := t.status; v_prio := t.priority; v_team := t.team_id; v_assign := t.assignee_id;
  v_tags := t.tags; v_cf := t.custom_fields;
  IF p_as_system THEN
    PERFORM set_config('app.user_id', '', true);
  END IF;
  PERFORM set_config('app.assignment_reason', left(lower(p_kind) || ': ' || p_name, 200), true);
  PERFORM ticket_activity_log(t.id, 'automation', p_kind || ': ' || p_name, true, 'automation', NULL, p_name,
                              jsonb_build_object('kind', p_kind, 'rule_id', p_rule));
  FOR a IN SELECT e FROM jsonb_array_elements(p_actions) e LOOP
    v_type := a->>'type'; v_val := a->>'value';
    CASE v_type
      WHEN 'status' THEN v_status := v_val;
      WHEN 'priority' THEN v_prio := v_val;
      WHEN 'team' THEN
        IF v_val = 'none' THEN v_team := NULL;
        ELSIF EXISTS (SELECT FROM teams WHERE id = v_val::uuid AND organization_id = v_org AND is_active) THEN
          v_team := v_val::uuid;
        END IF;
      WHEN 'assignee' THEN
        IF v_val = 'none' THEN v_assign := NULL; v_auto := false;
        ELSIF v_val = 'auto' THEN v_auto := true;
        ELSIF ticket_staff_member(v_val::uuid, t) THEN v_assign := v_val::uuid; v_auto := false;
        END IF;
      WHEN 'add_tag' THEN
        IF NOT (lower(btrim(v_val)) = ANY (v_tags)) AND cardinality(v_tags) < 50 THEN
          v_tags := v_tags || lower(btrim(v_val));
        END IF;
      WHEN 'remove_tag' THEN v_tags := array_remove(v_tags, lower(btrim(v_val)));
      WHEN 'field' THEN
        v_cf := v_cf || jsonb_build_object(split_part(v_val, '=', 1), substr(v_val, strpos(v_val, '=') + 1));
      ELSE NULL;   -- messages and notices below, once the ticket has its new state
    END CASE;
  END LOOP;
  IF v_auto THEN
    PERFORM pg_advisory_xact_lock(21317, hashtext(v_org::text));
    v_assign := coalesce(auto_assign_pick(v_org, v_team, NULL), v_assign);
  END IF;
  IF (v_status, v_prio, v_team, v_assign, v_tags, v_cf)
     IS DISTINCT FROM (t.status, t.priority, t.team_id, t.assignee_id, t.tags, t.custom_fields) THEN
    UPDATE tickets SET status = v_status, priority = v_prio, team_id = v_team, assignee_id = v_assign,
                       tags = v_tags, custom_fields = v_cf
    WHERE id = t.id;
    SELECT * INTO t FROM tickets WHERE id = p_ticket;
  END IF;
  FOR a IN SELECT e FROM jsonb_array_elements(p_actions) e LOOP
    v_type := a->>'type'; v_val := automation_text(t, a->>'value');
    CASE v_type
      WHEN 'note' THEN
        INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, message_type, metadata)
        VALUES (t.id, NULL, left(v_val, 65536), true, 'note', jsonb_build_object('automation', p_name));
      WHEN 'email_requester' THEN
        INSERT INTO outbox (to_email, to_name, template, template_data, ticket_id, user_id)
        SELECT u.email, u.name, 'automation_email',
               jsonb_build_object('number', t.number, 'title', t.title, 'status', t.status,
                                  'name', coalesce(u.name, ''), 'body', v_val),
               t.id, u.id
        FROM users u WHERE u.id = t.requester_id AND u.is_active AND u.email IS NOT NULL AND NOT t.is_spam;
      WHEN 'email_role' THEN
        INSERT INTO outbox (to_email, to_name, template, template_data, ticket_id, user_id)
        SELECT u.email, u.name, 'automation_email',
               jsonb_build_object('number', t.number, 'title', t.title, 'status', t.status,
                                  'name', coalesce(u.name, ''), 'body', v_val,
                                  'link', '/desk/tickets/' || t.number),
               t.id, u.id
        FROM users u
        WHERE u.id IN (SELECT sla_escalation_recipients(t, a->>'role')) AND u.is_active AND u.email IS NOT NULL
          AND NOT t.is_spam;
      WHEN 'notify' THEN
        FOR v_u IN SELECT r FROM sla_escalation_recipients(t, CASE WHEN a->>'role' = 'assignee' THEN 'none' ELSE a->>'role' END) r
                   WHERE a->>'role' <> 'assignee' OR r = t.assignee_id LOOP
          PERFORM notification_add(v_u, 'automation', left(p_kind || ': ' || p_name, 200), left(v_val, 2000),
                                   '/desk/tickets/' || t.number,
                                   jsonb_build_object('ticket_id', t.id, 'number', t.number), now() + interval '90 days');
        END LOOP;
      ELSE NULL;
    END CASE;
  END LOOP;
  PERFORM set_config('app.user_id', coalesce(v_prev, ''), true);
  PERFORM set_config('app.assignment_reason', coalesce(v_reason, ''), true);
END;
$$;
REVOKE EXECUTE ON FUNCTION automation_apply(uuid, jsonb, text, text, uuid, boolean) FROM PUBLIC;

-- Runs the organization's active triggers for one change of a ticket, in
-- order. Returns how many ran.
CREATE FUNCTION automation_run(p_ticket uuid, p_event text, p_message uuid) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t       tickets;
  m       ticket_messages;
  r       automation_triggers;
  v_org   uuid;
  v_key   text;
  v_depth integer := coalesce(nullif(current_setting('app.automation_depth', true), ''), '0')::integer;
  v_ran   integer := 0;
BEGIN
  IF v_depth >= 8 THEN
    RETURN 0;
  END IF;
  SELECT * INTO t FROM tickets WHERE id = p_ticket;
  IF NOT FOUND OR t.is_spam THEN
    RETURN 0;
  END IF;
  v_org := ticket_routing_org(t.routing_type, t.assigned_org_id);
  IF p_message IS NOT NULL THEN
    SELECT * INTO m FROM ticket_messages WHERE id = p_message;
  END IF;
  FOR r IN SELECT * FROM automation_triggers
           WHERE organization_id = v_org AND is_active AND p_event = ANY (events)
           ORDER BY position, id LOOP
    v_key := ',' || t.id || ':' || r.id || ',';
    IF strpos(coalesce(current_setting('app.automation_fired', true), ''), v_key) > 0 THEN
      CONTINUE;
    END IF;
    -- The ticket as the previous rules left it (re-read only after one ran).
    IF v_ran > 0 THEN
      SELECT * INTO t FROM tickets WHERE id = p_ticket;
    END IF;
    IF automation_matches(t, r.match_all, r.conditions, m) THEN
      PERFORM set_config('app.automation_fired', coalesce(current_setting('app.automation_fired', true), '') || v_key, true);
      PERFORM set_config('app.automation_depth', (v_depth + 1)::text, true);
      PERFORM automation_apply(t.id, r.actions, 'Trigger', r.name, r.id, true);
      PERFORM set_config('app.automation_depth', v_depth::text, true);
      v_ran := v_ran + 1;
    END IF;
  END LOOP;
  RETURN v_ran;
END;
$$;
REVOKE EXECUTE ON FUNCTION automation_run(uuid, text, uuid) FROM PUBLIC;

-- A ticket created in this transaction stays "created" for the updates that
-- follow in it (auto-assign, the submission's own second statement): the
-- created triggers not yet run see its final state, the updated ones wait
-- for a later change.
CREATE FUNCTION tickets_automation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_created boolean;
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM set_config('app.automation_created',
                       right(coalesce(current_setting('app.automation_created', true), ''), 3700) || ',' || NEW.id || ',', true);
    v_created := true;
  ELSE
    v_created := strpos(coalesce(current_setting('app.automation_created', true), ''), ',' || NEW.id || ',') > 0;
  END IF;
  PERFORM automation_run(NEW.id, CASE WHEN v_created THEN 'created' ELSE 'updated' END, NULL);
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION tickets_automation() FROM PUBLIC;

-- Named to fire after tickets_audit (the 'created' row comes first) and
-- before tickets_auto_assign: a trigger routing to a team is assigned
-- within it.
CREATE TRIGGER tickets_aut_rules AFTER INSERT ON tickets
  FOR EACH ROW WHEN (NOT NEW.is_spam)
  EXECUTE FUNCTION tickets_automation();
CREATE TRIGGER tickets_aut_rules_update AFTER UPDATE ON tickets
  FOR EACH ROW WHEN (NOT NEW.is_spam AND (
    OLD.status IS DISTINCT FROM NEW.status OR OLD.priority IS DISTINCT FROM NEW.priority
    OR OLD.team_id IS DISTINCT FROM NEW.team_id OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id
    OR OLD.category_id IS DISTINCT FROM NEW.category_id OR OLD.request_type_id IS DISTINCT FROM NEW.request_type_id
    OR OLD.tags IS DISTINCT FROM NEW.tags OR OLD.custom_fields IS DISTINCT FROM NEW.custom_fields
    OR OLD.title IS DISTINCT FROM NEW.title OR OLD.description IS DISTINCT FROM NEW.description
    OR OLD.is_spam))
  EXECUTE FUNCTION tickets_automation();

CREATE FUNCTION ticket_messages_automation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM automation_run(NEW.ticket_id, 'message', NEW.id);
  RETURN NULL;
END;
$$;
REVOKE EXECUTE ON FUNCTION ticket_messages_automation() FROM PUBLIC;
-- Replies and notes by people (and the automation's own notes); the
-- system's status and escalation messages are not conversation.
CREATE TRIGGER ticket_messages_automation AFTER INSERT ON ticket_messages
  FOR EACH ROW WHEN (NEW.message_type IN ('reply', 'note'))
  EXECUTE FUNCTION ticket_messages_automation();

-- ---------------------------------------------------------------------------
-- Time rules: the scheduler's pass (sched_job_begin holds the job's lock;
-- the firing's unique key makes it once even without it). At most p_limit
-- firings per call. Returns how many fired.
-- ---------------------------------------------------------------------------
CREATE FUNCTION automation_time_anchor(t tickets, p_event text) RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT CASE p_event
    WHEN 'created' THEN t.created_at
    WHEN 'customer_reply' THEN (SELECT max(m.created_at) FROM ticket_messages m
                                WHERE m.ticket_id = t.id AND m.author_id = t.requester_id AND NOT m.is_internal)
    WHEN 'status_change' THEN coalesce((SELECT max(a.created_at) FROM ticket_activity a
                                        WHERE a.ticket_id = t.id
                                          AND a.activity_type IN ('status_changed', 'resolved', 'closed', 'reopened')),
                                       t.created_at)
    WHEN 'sla_due' THEN CASE WHEN t.resolved_at IS NULL THEN t.sla_resolution_due END
  END
$$;
REVOKE EXECUTE ON FUNCTION automation_time_anchor(tickets, text) FROM PUBLIC;

CREATE FUNCTION automation_time_run(p_limit integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  r        automation_time_rules;
  t        tickets;
  v_anchor timestamptz;
  v_fired  integer := 0;
  v_platform uuid := (SELECT id FROM organizations WHERE is_platform);
  v_none   ticket_messages;
BEGIN
  IF app_user_id() IS NOT NULL THEN
    RAISE EXCEPTION 'scheduler jobs run without an acting user' USING ERRCODE = 'insufficient_privilege';
  END IF;
  FOR r IN SELECT * FROM automation_time_rules WHERE is_active ORDER BY organization_id, position, id LOOP
    FOR t IN SELECT * FROM tickets tk
             WHERE NOT tk.is_spam AND tk.status NOT IN ('closed', 'cancelled')
               AND CASE WHEN r.organization_id = v_platform THEN tk.routing_type = 'internal'
                        ELSE tk.routing_type <> 'internal' AND tk.assigned_org_id = r.organization_id END
             ORDER BY tk.created_at, tk.id LOOP
      EXIT WHEN v_fired >= p_limit;
      v_anchor := automation_time_anchor(t, r.time_event);
      CONTINUE WHEN v_anchor IS NULL;
      CONTINUE WHEN CASE WHEN r.time_event = 'sla_due' THEN now() < v_anchor - make_interval(mins => r.minutes)
                         ELSE now() < v_anchor + make_interval(mins => r.minutes) END;
      CONTINUE WHEN NOT automation_matches(t, r.match_all, r.conditions, v_none);
      INSERT INTO automation_time_firings (rule_id, ticket_id, anchor) VALUES (r.id, t.id, v_anchor)
      ON CONFLICT DO NOTHING;
      CONTINUE WHEN NOT FOUND;
      PERFORM automation_apply(t.id, r.actions, 'Time rule', r.name, r.id, true);
      v_fired := v_fired + 1;
    END LOOP;
  END LOOP;
  RETURN v_fired;
END;
$$;
REVOKE EXECUTE ON FUNCTION automation_time_run(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION automation_time_run(integer) TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- Macros
-- ---------------------------------------------------------------------------

-- Applies a macro the caller may use to a ticket they work: the actions as
-- the agent, then the reply (placeholders as the canned responses':
-- {{ticket.number}}, {{requester.name}}, {{agent.name}}) through
-- desk_ticket_post, the workspace's reply path; the use counted.
-- 'ok' | 'not_found' (the ticket) | 'no_macro' | 'reply_failed'.
CREATE FUNCTION macro_apply(p_macro uuid, p_ticket uuid) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_user uuid := app_user_id();
  t      tickets;
  mc     macros;
  v_org  uuid;
  v_body text;
  v_post record;
BEGIN
  SELECT * INTO t FROM tickets WHERE id = p_ticket;
  IF v_user IS NULL OR NOT FOUND OR NOT ticket_staff_member(v_user, t) THEN
    RETURN 'not_found';
  END IF;
  v_org := ticket_routing_org(t.routing_type, t.assigned_org_id);
  SELECT * INTO mc FROM macros
  WHERE id = p_macro AND organization_id = v_org AND is_active AND (owner_id IS NULL OR owner_id = v_user);
  IF NOT FOUND THEN
    RETURN 'no_macro';
  END IF;
  IF jsonb_array_length(mc.actions) > 0 THEN
    PERFORM automation_apply(t.id, mc.actions, 'Macro', mc.name, mc.id, false);
  ELSE
    PERFORM ticket_activity_log(t.id, 'automation', 'Macro: ' || mc.name, true, 'automation', NULL, mc.name,
                                jsonb_build_object('kind', 'Macro', 'rule_id', mc.id));
  END IF;
  IF btrim(mc.reply) <> '' THEN
    SELECT * INTO t FROM tickets WHERE id = p_ticket;
    v_body := replace(automation_text(t, mc.reply), '{{agent.name}}',
                      coalesce((SELECT nullif(btrim(u.name), '') FROM users u WHERE u.id = v_user), ''));
    SELECT * INTO v_post FROM desk_ticket_post(t.id, NULL, v_body, false);
    IF v_post.status <> 'ok' THEN
      RETURN 'reply_failed';
    END IF;
  END IF;
  UPDATE macros SET usage_count = usage_count + 1, last_used_at = now() WHERE id = mc.id;
  RETURN 'ok';
END;
$$;
REVOKE EXECUTE ON FUNCTION macro_apply(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION macro_apply(uuid, uuid) TO supportdesk_app;

-- For the admin pages: what a rule names that no longer exists (a custom
-- field, a team, an assignee), one line each; empty when nothing.
CREATE FUNCTION automation_problems(p_org uuid, p_conditions jsonb, p_actions jsonb) RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce(array_agg(p ORDER BY p), '{}') FROM (
    SELECT DISTINCT 'Condition on a custom field that no longer exists: ' || substr(c->>'field', 4) AS p
    FROM jsonb_array_elements(coalesce(p_conditions, '[]')) c
    WHERE c->>'field' LIKE 'cf:%' AND NOT EXISTS (
      SELECT FROM field_definitions f WHERE f.field_key = substr(c->>'field', 4) AND f.is_active
        AND (f.organization_id IS NULL OR f.organization_id = p_org))
    UNION
    SELECT DISTINCT 'Action sets a custom field that no longer exists: ' || split_part(a->>'value', '=', 1)
    FROM jsonb_array_elements(coalesce(p_actions, '[]')) a
    WHERE a->>'type' = 'field' AND NOT EXISTS (
      SELECT FROM field_definitions f WHERE f.field_key = split_part(a->>'value', '=', 1) AND f.is_active
        AND (f.organization_id IS NULL OR f.organization_id = p_org))
    UNION
    SELECT DISTINCT 'A team that no longer exists or is inactive: ' || (x->>'value')
    FROM (SELECT a AS x FROM jsonb_array_elements(coalesce(p_actions, '[]')) a WHERE a->>'type' = 'team'
          UNION ALL
          SELECT c FROM jsonb_array_elements(coalesce(p_conditions, '[]')) c WHERE c->>'field' = 'team') s
    WHERE x->>'value' ~ '^[0-9a-f-]{36}$' AND NOT EXISTS (
      SELECT FROM teams tm WHERE tm.id = (x->>'value')::uuid AND tm.organization_id = p_org AND tm.is_active)
    UNION
    SELECT DISTINCT 'An assignee who is no longer an active member: ' || (a->>'value')
    FROM jsonb_array_elements(coalesce(p_actions, '[]')) a
    WHERE a->>'type' = 'assignee' AND a->>'value' ~ '^[0-9a-f-]{36}$' AND NOT EXISTS (
      SELECT FROM memberships m WHERE m.user_id = (a->>'value')::uuid AND m.organization_id = p_org AND m.is_active)
      AND NOT EXISTS (SELECT FROM users u JOIN organizations o ON o.id = p_org AND o.is_platform
                      WHERE u.id = (a->>'value')::uuid AND u.is_active AND u.platform_role IS NOT NULL)
  ) q
$$;
REVOKE EXECUTE ON FUNCTION automation_problems(uuid, jsonb, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION automation_problems(uuid, jsonb, jsonb) TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- The admin forms name teams, categories and request types by name and
-- people by address; the rules keep ids (a rename does not break them).
-- automation_resolve turns a form's items (conditions: "field", actions:
-- "type") into ids, marking what it cannot find with "error"; automation_names
-- is its inverse for showing a rule. Both answer NULL to a caller who is not
-- staff of the organization. Definer rights: an admin may not read every
-- member's user row.
-- ---------------------------------------------------------------------------
CREATE FUNCTION automation_ref_kind(p_item jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN coalesce(p_item->>'field', p_item->>'type') IN ('team', 'category', 'request_type', 'assignee')
              THEN coalesce(p_item->>'field', p_item->>'type') END
$$;

CREATE FUNCTION automation_resolve(p_org uuid, p_items jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  e     jsonb;
  v_out jsonb := '[]';
  v_val text;
  v_id  uuid;
  v_platform boolean := EXISTS (SELECT FROM organizations WHERE id = p_org AND is_platform);
BEGIN
  IF NOT (app_is_org_member(p_org) OR app_is_org_admin(p_org) OR (app_is_platform_staff() AND v_platform)
          OR app_is_platform_admin()) THEN
    RETURN NULL;
  END IF;
  FOR e IN SELECT x FROM jsonb_array_elements(coalesce(p_items, '[]')) x LOOP
    v_val := btrim(coalesce(e->>'value', ''));
    IF automation_ref_kind(e) IS NULL OR lower(v_val) IN ('none', 'auto')
       OR v_val ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
      v_out := v_out || jsonb_build_array(CASE WHEN lower(v_val) IN ('none', 'auto')
                                               THEN jsonb_set(e, '{value}', to_jsonb(lower(v_val))) ELSE e END);
      CONTINUE;
    END IF;
    v_id := CASE automation_ref_kind(e)
      WHEN 'team' THEN (SELECT id FROM teams WHERE organization_id = p_org AND lower(name) = lower(v_val) LIMIT 1)
      WHEN 'category' THEN (SELECT id FROM categories WHERE (organization_id = p_org OR organization_id IS NULL)
                              AND lower(name) = lower(v_val) ORDER BY organization_id NULLS LAST LIMIT 1)
      WHEN 'request_type' THEN (SELECT id FROM request_types WHERE (organization_id = p_org OR organization_id IS NULL)
                                  AND lower(name) = lower(v_val) ORDER BY organization_id NULLS LAST LIMIT 1)
      WHEN 'assignee' THEN (SELECT u.id FROM users u
                            WHERE lower(u.email) = lower(v_val) AND u.is_active
                              AND (EXISTS (SELECT FROM memberships m WHERE m.user_id = u.id
                                           AND m.organization_id = p_org AND m.is_active)
                                   OR (v_platform AND u.platform_role IS NOT NULL)) LIMIT 1)
    END;
    IF v_id IS NULL THEN
      v_out := v_out || jsonb_build_array(e || jsonb_build_object('error', true));
    ELSE
      v_out := v_out || jsonb_build_array(jsonb_set(e, '{value}', to_jsonb(v_id::text)));
    END IF;
  END LOOP;
  RETURN v_out;
END;
$$;
REVOKE EXECUTE ON FUNCTION automation_resolve(uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION automation_resolve(uuid, jsonb) TO supportdesk_app;

CREATE FUNCTION automation_names(p_org uuid, p_items jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  e     jsonb;
  v_out jsonb := '[]';
  v_name text;
BEGIN
  IF NOT (app_is_org_member(p_org) OR app_is_org_admin(p_org) OR app_is_platform_staff() OR app_is_platform_admin()) THEN
    RETURN NULL;
  END IF;
  FOR e IN SELECT x FROM jsonb_array_elements(coalesce(p_items, '[]')) x LOOP
    v_name := NULL;
    IF automation_ref_kind(e) IS NOT NULL AND e->>'value' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
      v_name := CASE automation_ref_kind(e)
        WHEN 'team' THEN (SELECT name FROM teams WHERE id = (e->>'value')::uuid AND organization_id = p_org)
        WHEN 'category' THEN (SELECT name FROM categories WHERE id = (e->>'value')::uuid
                                AND (organization_id = p_org OR organization_id IS NULL))
        WHEN 'request_type' THEN (SELECT name FROM request_types WHERE id = (e->>'value')::uuid
                                    AND (organization_id = p_org OR organization_id IS NULL))
        WHEN 'assignee' THEN (SELECT u.email::text FROM users u WHERE u.id = (e->>'value')::uuid)
      END;
    END IF;
    v_out := v_out || jsonb_build_array(CASE WHEN v_name IS NULL THEN e ELSE jsonb_set(e, '{value}', to_jsonb(v_name)) END);
  END LOOP;
  RETURN v_out;
END;
$$;
REVOKE EXECUTE ON FUNCTION automation_names(uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION automation_names(uuid, jsonb) TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- The admin pages' reads and writes of the three kinds ('trigger', 'time',
-- 'macro'), with the caller's rights: row-level security decides.
-- ---------------------------------------------------------------------------
CREATE FUNCTION automation_rule_list(p_kind text, p_org uuid, p_id uuid DEFAULT NULL)
RETURNS TABLE (id uuid, name text, "position" integer, is_active boolean, match_all boolean, events text,
               time_event text, minutes integer, reply text, personal boolean, usage_count integer,
               conditions jsonb, actions jsonb, problems text)
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
  IF p_kind = 'trigger' THEN
    RETURN QUERY SELECT r.id, r.name, r.position, r.is_active, r.match_all, array_to_string(r.events, ','),
                        ''::text, 0, ''::text, false, 0,
                        automation_names(p_org, r.conditions), automation_names(p_org, r.actions),
                        array_to_string(automation_problems(p_org, r.conditions, r.actions), E'\n')
                 FROM automation_triggers r
                 WHERE r.organization_id = p_org AND (p_id IS NULL OR r.id = p_id)
                 ORDER BY r.position, r.id LIMIT 500;
  ELSIF p_kind = 'time' THEN
    RETURN QUERY SELECT r.id, r.name, r.position, r.is_active, r.match_all, ''::text,
                        r.time_event, r.minutes, ''::text, false, 0,
                        automation_names(p_org, r.conditions), automation_names(p_org, r.actions),
                        array_to_string(automation_problems(p_org, r.conditions, r.actions), E'\n')
                 FROM automation_time_rules r
                 WHERE r.organization_id = p_org AND (p_id IS NULL OR r.id = p_id)
                 ORDER BY r.position, r.id LIMIT 500;
  ELSIF p_kind = 'macro' THEN
    RETURN QUERY SELECT r.id, r.name, r.position, r.is_active, true, ''::text, ''::text, 0, r.reply,
                        r.owner_id IS NOT NULL, r.usage_count,
                        '[]'::jsonb, automation_names(p_org, r.actions),
                        array_to_string(automation_problems(p_org, '[]', r.actions), E'\n')
                 FROM macros r
                 WHERE r.organization_id = p_org AND (p_id IS NULL OR r.id = p_id)
                 ORDER BY r.owner_id IS NOT NULL, r.position, r.name, r.id LIMIT 500;
  END IF;
END;
$$;
GRANT EXECUTE ON FUNCTION automation_rule_list(text, uuid, uuid) TO supportdesk_app;

-- status: 'saved' | 'not_found' | 'unresolved' (bad: the names not found)
--   | 'invalid' (a value outside its set).
CREATE FUNCTION automation_rule_save(p_kind text, p_org uuid, p_id uuid, p jsonb,
                                     OUT status text, OUT id uuid, OUT bad text)
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  v_cond jsonb := automation_resolve(p_org, coalesce(p->'conditions', '[]'));
  v_act  jsonb := automation_resolve(p_org, coalesce(p->'actions', '[]'));
  v_events text[] := ARRAY(SELECT jsonb_array_elements_text(coalesce(p->'events', '[]')));
  v_pos  integer;
BEGIN
  IF v_cond IS NULL OR v_act IS NULL THEN
    status := 'not_found';
    RETURN;
  END IF;
  SELECT string_agg(e->>'value', ', ') INTO bad
  FROM jsonb_array_elements(v_cond || v_act) e WHERE e ? 'error';
  IF bad IS NOT NULL THEN
    status := 'unresolved';
    RETURN;
  END IF;
  BEGIN
    IF p_kind = 'trigger' THEN
      IF p_id IS NULL THEN
        SELECT coalesce(max(t.position), 0) + 1 INTO v_pos FROM automation_triggers t WHERE t.organization_id = p_org;
        INSERT INTO automation_triggers (organization_id, name, position, is_active, match_all, events, conditions, actions)
        VALUES (p_org, p->>'name', v_pos, (p->>'is_active')::boolean, (p->>'match_all')::boolean, v_events, v_cond, v_act)
        RETURNING automation_triggers.id INTO id;
      ELSE
        UPDATE automation_triggers t SET name = p->>'name', is_active = (p->>'is_active')::boolean,
               match_all = (p->>'match_all')::boolean, events = v_events, conditions = v_cond, actions = v_act
        WHERE t.id = p_id AND t.organization_id = p_org RETURNING t.id INTO id;
      END IF;
    ELSIF p_kind = 'time' THEN
      IF p_id IS NULL THEN
        SELECT coalesce(max(t.position), 0) + 1 INTO v_pos FROM automation_time_rules t WHERE t.organization_id = p_org;
        INSERT INTO automation_time_rules (organization_id, name, position, is_active, match_all, time_event, minutes,
                                           conditions, actions)
        VALUES (p_org, p->>'name', v_pos, (p->>'is_active')::boolean, (p->>'match_all')::boolean, p->>'time_event',
                (p->>'minutes')::integer, v_cond, v_act)
        RETURNING automation_time_rules.id INTO id;
      ELSE
        UPDATE automation_time_rules t SET name = p->>'name', is_active = (p->>'is_active')::boolean,
               match_all = (p->>'match_all')::boolean, time_event = p->>'time_event',
               minutes = (p->>'minutes')::integer, conditions = v_cond, actions = v_act
        WHERE t.id = p_id AND t.organization_id = p_org RETURNING t.id INTO id;
      END IF;
    ELSIF p_kind = 'macro' THEN
      IF p_id IS NULL THEN
        SELECT coalesce(max(t.position), 0) + 1 INTO v_pos FROM macros t WHERE t.organization_id = p_org;
        INSERT INTO macros (organization_id, owner_id, name, position, is_active, actions, reply)
        VALUES (p_org, CASE WHEN (p->>'personal')::boolean THEN app_user_id() END, p->>'name', v_pos,
                (p->>'is_active')::boolean, v_act, coalesce(p->>'reply', ''))
        RETURNING macros.id INTO id;
      ELSE
        UPDATE macros t SET name = p->>'name', is_active = (p->>'is_active')::boolean, actions = v_act,
               reply = coalesce(p->>'reply', '')
        WHERE t.id = p_id AND t.organization_id = p_org RETURNING t.id INTO id;
      END IF;
    END IF;
  EXCEPTION WHEN check_violation OR invalid_text_representation OR not_null_violation THEN
    status := 'invalid';
    id := NULL;
    RETURN;
  END;
  status := CASE WHEN id IS NULL THEN 'not_found' ELSE 'saved' END;
END;
$$;
GRANT EXECUTE ON FUNCTION automation_rule_save(text, uuid, uuid, jsonb) TO supportdesk_app;

-- p_op: 'delete' | 'activate' | 'deactivate' | 'up' | 'down'. true when done.
CREATE FUNCTION automation_rule_op(p_kind text, p_org uuid, p_id uuid, p_op text) RETURNS boolean
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  v_pos   integer;
  v_other uuid;
  v_opos  integer;
  v_table text := CASE p_kind WHEN 'trigger' THEN 'automation_triggers' WHEN 'time' THEN 'automation_time_rules'
                              WHEN 'macro' THEN 'macros' END;
  v_n     integer;
BEGIN
  IF v_table IS NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('SELECT position FROM %I WHERE id = $1 AND organization_id = $2 FOR UPDATE', v_table)
    INTO v_pos USING p_id, p_org;
  IF v_pos IS NULL THEN
    RETURN false;
  END IF;
  IF p_op = 'delete' THEN
    EXECUTE format('DELETE FROM %I WHERE id = $1 AND organization_id = $2', v_table) USING p_id, p_org;
  ELSIF p_op IN ('activate', 'deactivate') THEN
    EXECUTE format('UPDATE %I SET is_active = $3 WHERE id = $1 AND organization_id = $2', v_table)
      USING p_id, p_org, p_op = 'activate';
  ELSIF p_op IN ('up', 'down') THEN
    EXECUTE format('SELECT id, position FROM %I WHERE organization_id = $1 AND id <> $2 AND '
                   || CASE WHEN p_op = 'up' THEN '(position, id) < ($3, $2) ORDER BY position DESC, id DESC'
                           ELSE '(position, id) > ($3, $2) ORDER BY position, id' END || ' LIMIT 1 FOR UPDATE', v_table)
      INTO v_other, v_opos USING p_org, p_id, v_pos;
    IF v_other IS NULL THEN
      RETURN true;   -- already first (last)
    END IF;
    IF v_opos = v_pos THEN
      v_opos := v_pos + CASE WHEN p_op = 'up' THEN -1 ELSE 1 END;
    END IF;
    EXECUTE format('UPDATE %I SET position = $2 WHERE id = $1', v_table) USING p_id, v_opos;
    EXECUTE format('UPDATE %I SET position = $2 WHERE id = $1', v_table) USING v_other, v_pos;
  ELSE
    RETURN false;
  END IF;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  RETURN v_n > 0;
END;
$$;
GRANT EXECUTE ON FUNCTION automation_rule_op(text, uuid, uuid, text) TO supportdesk_app;

-- What macro_apply would do, for the preview: the macro's name, its actions
-- (names for ids) and its reply with the placeholders filled in. No row when
-- the caller may not apply it to the ticket.
CREATE FUNCTION macro_preview(p_macro uuid, p_ticket uuid)
RETURNS TABLE (name text, actions jsonb, reply text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_user uuid := app_user_id();
  t      tickets;
  mc     macros;
  v_org  uuid;
BEGIN
  SELECT * INTO t FROM tickets WHERE id = p_ticket;
  IF v_user IS NULL OR NOT FOUND OR NOT ticket_staff_member(v_user, t) THEN
    RETURN;
  END IF;
  v_org := ticket_routing_org(t.routing_type, t.assigned_org_id);
  SELECT * INTO mc FROM macros m
  WHERE m.id = p_macro AND m.organization_id = v_org AND m.is_active AND (m.owner_id IS NULL OR m.owner_id = v_user);
  IF NOT FOUND THEN
    RETURN;
  END IF;
  name := mc.name;
  actions := automation_names(v_org, mc.actions);
  reply := replace(automation_text(t, mc.reply), '{{agent.name}}',
                   coalesce((SELECT nullif(btrim(u.name), '') FROM users u WHERE u.id = v_user), ''));
  RETURN NEXT;
END;
$$;
REVOKE EXECUTE ON FUNCTION macro_preview(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION macro_preview(uuid, uuid) TO supportdesk_app;
