-- 0005_row_level_security.sql: who sees and changes what.
--
-- The application role supportdesk_app is subject to every policy below
-- (it owns nothing and lacks BYPASSRLS). The owner is not (no FORCE): the
-- SECURITY DEFINER functions and triggers run as the owner on purpose.
--
-- Notation used in every policy, each evaluated once per statement as an
-- InitPlan thanks to the (select ...) wrapper:
--   (select app_user_id())          the acting user, NULL when unset
--   (select app_is_platform_staff()) users.platform_role is agent or admin
--   (select app_is_platform_admin())
--   (select app_staff_org_ids())     uuid[] of orgs where the user is agent/admin
--   (select app_admin_org_ids())     uuid[] of orgs where the user is admin
-- `col = ANY ((select app_staff_org_ids())::uuid[])` compares a column with a constant
-- array, which btree indexes on that column can use, unlike a per-row
-- function call such as app_is_org_member(col).
--
-- Several PERMISSIVE policies on one table are ORed; one policy per audience
-- keeps each rule readable and testable on its own.

-- ---------------------------------------------------------------------------
-- Enable RLS on every table holding tenant or user data.
-- ---------------------------------------------------------------------------
ALTER TABLE organizations          ENABLE ROW LEVEL SECURITY;
ALTER TABLE organization_settings  ENABLE ROW LEVEL SECURITY;
ALTER TABLE users                  ENABLE ROW LEVEL SECURITY;
ALTER TABLE teams                  ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships            ENABLE ROW LEVEL SECURITY;
ALTER TABLE membership_teams       ENABLE ROW LEVEL SECURITY;
ALTER TABLE system_settings        ENABLE ROW LEVEL SECURITY;
ALTER TABLE categories             ENABLE ROW LEVEL SECURITY;
ALTER TABLE request_types          ENABLE ROW LEVEL SECURITY;
ALTER TABLE field_definitions      ENABLE ROW LEVEL SECURITY;
ALTER TABLE field_visibility_rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE events                 ENABLE ROW LEVEL SECURITY;
ALTER TABLE sla_policies           ENABLE ROW LEVEL SECURITY;
ALTER TABLE canned_responses       ENABLE ROW LEVEL SECURITY;
ALTER TABLE ticket_number_counters ENABLE ROW LEVEL SECURITY;  -- no policy: definer functions only
ALTER TABLE tickets                ENABLE ROW LEVEL SECURITY;
ALTER TABLE ticket_messages        ENABLE ROW LEVEL SECURITY;
ALTER TABLE attachment_blobs       ENABLE ROW LEVEL SECURITY;
ALTER TABLE attachments            ENABLE ROW LEVEL SECURITY;
ALTER TABLE ticket_assignments     ENABLE ROW LEVEL SECURITY;
ALTER TABLE ticket_activity        ENABLE ROW LEVEL SECURITY;
ALTER TABLE submissions            ENABLE ROW LEVEL SECURITY;  -- no policy: definer functions only
ALTER TABLE outbox                 ENABLE ROW LEVEL SECURITY;  -- no policy: definer functions only

-- ---------------------------------------------------------------------------
-- Organizations
-- ---------------------------------------------------------------------------
-- Signed-in users see active organizations (seed 004: authenticated users can
-- view organizations); staff also see their own inactive ones.
CREATE POLICY organizations_select ON organizations FOR SELECT TO supportdesk_app
  USING ((select app_user_id()) IS NOT NULL
         AND (is_active OR (select app_is_platform_staff()) OR id = ANY ((select app_staff_org_ids())::uuid[])));
-- Platform admins add, rename and deactivate organizations.
CREATE POLICY organizations_platform_admin_write ON organizations FOR ALL TO supportdesk_app
  USING ((select app_is_platform_admin())) WITH CHECK ((select app_is_platform_admin()));

-- ---------------------------------------------------------------------------
-- Organization settings: branding is shown to customers, so any signed-in
-- user reads provisioned desks; org admins edit their own (provisioning
-- columns guarded by trigger); platform admins everything.
-- ---------------------------------------------------------------------------
CREATE POLICY organization_settings_select ON organization_settings FOR SELECT TO supportdesk_app
  USING ((select app_user_id()) IS NOT NULL
         AND (is_provisioned OR (select app_is_platform_staff())
              OR organization_id = ANY ((select app_staff_org_ids())::uuid[])));
CREATE POLICY organization_settings_org_admin_update ON organization_settings FOR UPDATE TO supportdesk_app
  USING (organization_id = ANY ((select app_admin_org_ids())::uuid[]))
  WITH CHECK (organization_id = ANY ((select app_admin_org_ids())::uuid[]));
CREATE POLICY organization_settings_platform_admin_write ON organization_settings FOR ALL TO supportdesk_app
  USING ((select app_is_platform_admin())) WITH CHECK ((select app_is_platform_admin()));

-- ---------------------------------------------------------------------------
-- Users
-- ---------------------------------------------------------------------------
CREATE POLICY users_select_self ON users FOR SELECT TO supportdesk_app
  USING (id = (select app_user_id()));
CREATE POLICY users_select_platform_staff ON users FOR SELECT TO supportdesk_app
  USING ((select app_is_platform_staff()));
-- Staff see their colleagues...
CREATE POLICY users_select_colleagues ON users FOR SELECT TO supportdesk_app
  USING (EXISTS (SELECT FROM memberships m
                 WHERE m.user_id = users.id AND m.organization_id = ANY ((select app_staff_org_ids())::uuid[])));
-- ...and the requesters of tickets they may see (tickets' own RLS applies
-- inside this subquery, so "may see" is exactly the tickets policies).
CREATE POLICY users_select_requesters ON users FOR SELECT TO supportdesk_app
  USING (cardinality((select app_staff_org_ids())) > 0
         AND EXISTS (SELECT FROM tickets t WHERE t.requester_id = users.id));
-- Customers see the staff who answered or were assigned their tickets.
CREATE POLICY users_select_ticket_staff ON users FOR SELECT TO supportdesk_app
  USING (EXISTS (SELECT FROM tickets t
                 WHERE t.requester_id = (select app_user_id()) AND t.assignee_id = users.id)
         OR EXISTS (SELECT FROM ticket_messages m WHERE m.author_id = users.id));
-- Own profile (column grants limit which columns); platform admins any.
CREATE POLICY users_update_self ON users FOR UPDATE TO supportdesk_app
  USING (id = (select app_user_id()) OR (select app_is_platform_admin()))
  WITH CHECK (id = (select app_user_id()) OR (select app_is_platform_admin()));

-- ---------------------------------------------------------------------------
-- Memberships, teams, team membership
-- ---------------------------------------------------------------------------
CREATE POLICY memberships_select ON memberships FOR SELECT TO supportdesk_app
  USING (user_id = (select app_user_id())
         OR organization_id = ANY ((select app_staff_org_ids())::uuid[])
         OR (select app_is_platform_staff()));
CREATE POLICY memberships_admin_write ON memberships FOR ALL TO supportdesk_app
  USING (organization_id = ANY ((select app_admin_org_ids())::uuid[]) OR (select app_is_platform_admin()))
  WITH CHECK (organization_id = ANY ((select app_admin_org_ids())::uuid[]) OR (select app_is_platform_admin()));

CREATE POLICY teams_select ON teams FOR SELECT TO supportdesk_app
  USING (organization_id = ANY ((select app_staff_org_ids())::uuid[]) OR (select app_is_platform_staff()));
CREATE POLICY teams_admin_write ON teams FOR ALL TO supportdesk_app
  USING (organization_id = ANY ((select app_admin_org_ids())::uuid[]) OR (select app_is_platform_admin()))
  WITH CHECK (organization_id = ANY ((select app_admin_org_ids())::uuid[]) OR (select app_is_platform_admin()));

CREATE POLICY membership_teams_select ON membership_teams FOR SELECT TO supportdesk_app
  USING (organization_id = ANY ((select app_staff_org_ids())::uuid[]) OR (select app_is_platform_staff()));
CREATE POLICY membership_teams_admin_write ON membership_teams FOR ALL TO supportdesk_app
  USING (organization_id = ANY ((select app_admin_org_ids())::uuid[]) OR (select app_is_platform_admin()))
  WITH CHECK (organization_id = ANY ((select app_admin_org_ids())::uuid[]) OR (select app_is_platform_admin()));

-- ---------------------------------------------------------------------------
-- Global settings: readable when signed in, platform admins write.
-- ---------------------------------------------------------------------------
CREATE POLICY system_settings_select ON system_settings FOR SELECT TO supportdesk_app
  USING ((select app_user_id()) IS NOT NULL);
CREATE POLICY system_settings_platform_admin_write ON system_settings FOR ALL TO supportdesk_app
  USING ((select app_is_platform_admin())) WITH CHECK ((select app_is_platform_admin()));

-- ---------------------------------------------------------------------------
-- Configuration tables (seeds 000/002: readable by authenticated users,
-- editable by admins). Global rows (organization_id NULL) are the platform
-- admins'; an organization's rows are its admins' too. The anonymous submit
-- form reads them through submit_form_* functions instead.
-- ---------------------------------------------------------------------------
CREATE POLICY categories_select ON categories FOR SELECT TO supportdesk_app
  USING ((select app_user_id()) IS NOT NULL);
CREATE POLICY categories_admin_write ON categories FOR ALL TO supportdesk_app
  USING ((select app_is_platform_admin()) OR organization_id = ANY ((select app_admin_org_ids())::uuid[]))
  WITH CHECK ((select app_is_platform_admin()) OR organization_id = ANY ((select app_admin_org_ids())::uuid[]));

CREATE POLICY request_types_select ON request_types FOR SELECT TO supportdesk_app
  USING ((select app_user_id()) IS NOT NULL);
CREATE POLICY request_types_admin_write ON request_types FOR ALL TO supportdesk_app
  USING ((select app_is_platform_admin()) OR organization_id = ANY ((select app_admin_org_ids())::uuid[]))
  WITH CHECK ((select app_is_platform_admin()) OR organization_id = ANY ((select app_admin_org_ids())::uuid[]));

CREATE POLICY field_definitions_select ON field_definitions FOR SELECT TO supportdesk_app
  USING ((select app_user_id()) IS NOT NULL);
CREATE POLICY field_definitions_admin_write ON field_definitions FOR ALL TO supportdesk_app
  USING ((select app_is_platform_admin()) OR organization_id = ANY ((select app_admin_org_ids())::uuid[]))
  WITH CHECK ((select app_is_platform_admin()) OR organization_id = ANY ((select app_admin_org_ids())::uuid[]));

CREATE POLICY field_visibility_rules_select ON field_visibility_rules FOR SELECT TO supportdesk_app
  USING ((select app_user_id()) IS NOT NULL);
-- A rule belongs to its field's owner (field_definitions' RLS applies in the subquery
-- only for reading; the admin test is repeated explicitly).
CREATE POLICY field_visibility_rules_admin_write ON field_visibility_rules FOR ALL TO supportdesk_app
  USING (EXISTS (SELECT FROM field_definitions f WHERE f.id = field_definition_id
                 AND ((select app_is_platform_admin()) OR f.organization_id = ANY ((select app_admin_org_ids())::uuid[]))))
  WITH CHECK (EXISTS (SELECT FROM field_definitions f WHERE f.id = field_definition_id
                 AND ((select app_is_platform_admin()) OR f.organization_id = ANY ((select app_admin_org_ids())::uuid[]))));

CREATE POLICY events_select ON events FOR SELECT TO supportdesk_app
  USING ((select app_user_id()) IS NOT NULL);
CREATE POLICY events_admin_write ON events FOR ALL TO supportdesk_app
  USING ((select app_is_platform_admin()) OR organization_id = ANY ((select app_admin_org_ids())::uuid[]))
  WITH CHECK ((select app_is_platform_admin()) OR organization_id = ANY ((select app_admin_org_ids())::uuid[]));

CREATE POLICY sla_policies_select ON sla_policies FOR SELECT TO supportdesk_app
  USING ((select app_user_id()) IS NOT NULL);
CREATE POLICY sla_policies_admin_write ON sla_policies FOR ALL TO supportdesk_app
  USING ((select app_is_platform_admin()) OR organization_id = ANY ((select app_admin_org_ids())::uuid[]))
  WITH CHECK ((select app_is_platform_admin()) OR organization_id = ANY ((select app_admin_org_ids())::uuid[]));

-- Canned responses are staff-only: global ones for any staff, an org's for
-- its staff; private ones (is_public false) for their creator and admins.
CREATE POLICY canned_responses_select ON canned_responses FOR SELECT TO supportdesk_app
  USING (((select app_is_platform_staff())
          OR organization_id = ANY ((select app_staff_org_ids())::uuid[])
          OR (organization_id IS NULL AND cardinality((select app_staff_org_ids())) > 0))
         AND (is_public OR created_by = (select app_user_id()) OR (select app_is_platform_admin())
              OR organization_id = ANY ((select app_admin_org_ids())::uuid[])));
CREATE POLICY canned_responses_admin_write ON canned_responses FOR ALL TO supportdesk_app
  USING ((select app_is_platform_admin()) OR organization_id = ANY ((select app_admin_org_ids())::uuid[]))
  WITH CHECK ((select app_is_platform_admin()) OR organization_id = ANY ((select app_admin_org_ids())::uuid[]));
-- Agents keep private snippets of their own.
CREATE POLICY canned_responses_own_private ON canned_responses FOR ALL TO supportdesk_app
  USING (created_by = (select app_user_id()) AND NOT is_public
         AND ((select app_is_platform_staff()) OR organization_id = ANY ((select app_staff_org_ids())::uuid[])))
  WITH CHECK (created_by = (select app_user_id()) AND NOT is_public
         AND ((select app_is_platform_staff()) OR organization_id = ANY ((select app_staff_org_ids())::uuid[])));

-- ---------------------------------------------------------------------------
-- Tickets. Three audiences, three permissive policies:
--   requester: their own tickets;
--   org staff: tickets routed to their org (organization or hybrid);
--   platform staff: everything.
-- Customers create tickets through ticket_create_for_customer() /
-- submission_verify(), and close/reopen/rate through customer_ticket_*().
-- ---------------------------------------------------------------------------
CREATE POLICY tickets_select_requester ON tickets FOR SELECT TO supportdesk_app
  USING (requester_id = (select app_user_id()));
CREATE POLICY tickets_select_org_staff ON tickets FOR SELECT TO supportdesk_app
  USING (routing_type <> 'internal' AND assigned_org_id = ANY ((select app_staff_org_ids())::uuid[]));
CREATE POLICY tickets_select_platform_staff ON tickets FOR SELECT TO supportdesk_app
  USING ((select app_is_platform_staff()));

CREATE POLICY tickets_insert_staff ON tickets FOR INSERT TO supportdesk_app
  WITH CHECK ((select app_is_platform_staff())
              OR (routing_type <> 'internal' AND assigned_org_id = ANY ((select app_staff_org_ids())::uuid[])));
-- WITH CHECK = USING: org staff cannot route a ticket out of their reach
-- (moving it to another org is a platform-staff action).
CREATE POLICY tickets_update_staff ON tickets FOR UPDATE TO supportdesk_app
  USING ((select app_is_platform_staff())
         OR (routing_type <> 'internal' AND assigned_org_id = ANY ((select app_staff_org_ids())::uuid[])))
  WITH CHECK ((select app_is_platform_staff())
              OR (routing_type <> 'internal' AND assigned_org_id = ANY ((select app_staff_org_ids())::uuid[])));

-- ---------------------------------------------------------------------------
-- Messages: staff of the ticket see everything on it; the requester sees
-- public messages only. Internal notes never reach a customer row-wise.
-- ---------------------------------------------------------------------------
CREATE POLICY ticket_messages_select_staff ON ticket_messages FOR SELECT TO supportdesk_app
  USING ((select app_is_platform_staff())
         OR EXISTS (SELECT FROM tickets t WHERE t.id = ticket_messages.ticket_id
                    AND t.routing_type <> 'internal' AND t.assigned_org_id = ANY ((select app_staff_org_ids())::uuid[])));
CREATE POLICY ticket_messages_select_requester ON ticket_messages FOR SELECT TO supportdesk_app
  USING (NOT is_internal
         AND EXISTS (SELECT FROM tickets t WHERE t.id = ticket_messages.ticket_id
                     AND t.requester_id = (select app_user_id())));

CREATE POLICY ticket_messages_insert_staff ON ticket_messages FOR INSERT TO supportdesk_app
  WITH CHECK (author_id = (select app_user_id())
              AND ((select app_is_platform_staff())
                   OR EXISTS (SELECT FROM tickets t WHERE t.id = ticket_messages.ticket_id
                              AND t.routing_type <> 'internal'
                              AND t.assigned_org_id = ANY ((select app_staff_org_ids())::uuid[]))));
-- Customers reply in public on their own tickets, nothing else.
CREATE POLICY ticket_messages_insert_requester ON ticket_messages FOR INSERT TO supportdesk_app
  WITH CHECK (author_id = (select app_user_id()) AND NOT is_internal AND message_type = 'reply'
              AND EXISTS (SELECT FROM tickets t WHERE t.id = ticket_messages.ticket_id
                          AND t.requester_id = (select app_user_id()) AND t.status <> 'cancelled'));
-- Authors edit their own messages (only `body` is granted for UPDATE), as
-- long as they still may see them.
CREATE POLICY ticket_messages_update_author ON ticket_messages FOR UPDATE TO supportdesk_app
  USING (author_id = (select app_user_id()))
  WITH CHECK (author_id = (select app_user_id()));

-- ---------------------------------------------------------------------------
-- Attachments: visible when the ticket is visible and, if attached to a
-- message, that message is visible. The nested subqueries apply the tickets
-- and ticket_messages policies, so the internal-note rule carries over.
-- ---------------------------------------------------------------------------
CREATE POLICY attachments_select ON attachments FOR SELECT TO supportdesk_app
  USING (EXISTS (SELECT FROM tickets t WHERE t.id = attachments.ticket_id)
         AND (message_id IS NULL OR EXISTS (SELECT FROM ticket_messages m WHERE m.id = attachments.message_id)));
CREATE POLICY attachments_insert ON attachments FOR INSERT TO supportdesk_app
  WITH CHECK (uploaded_by = (select app_user_id())
              AND EXISTS (SELECT FROM tickets t WHERE t.id = attachments.ticket_id)
              AND (message_id IS NULL
                   OR EXISTS (SELECT FROM ticket_messages m WHERE m.id = attachments.message_id
                              AND m.author_id = (select app_user_id()))));

CREATE POLICY attachment_blobs_select ON attachment_blobs FOR SELECT TO supportdesk_app
  USING (EXISTS (SELECT FROM attachments a WHERE a.sha256 = attachment_blobs.sha256));

-- ---------------------------------------------------------------------------
-- Assignment history: staff only. Activity: staff all, requester public only.
-- Neither is writable by the app: triggers (as owner) write them.
-- ---------------------------------------------------------------------------
CREATE POLICY ticket_assignments_select_staff ON ticket_assignments FOR SELECT TO supportdesk_app
  USING ((select app_is_platform_staff())
         OR EXISTS (SELECT FROM tickets t WHERE t.id = ticket_assignments.ticket_id
                    AND t.routing_type <> 'internal' AND t.assigned_org_id = ANY ((select app_staff_org_ids())::uuid[])));

CREATE POLICY ticket_activity_select_staff ON ticket_activity FOR SELECT TO supportdesk_app
  USING ((select app_is_platform_staff())
         OR EXISTS (SELECT FROM tickets t WHERE t.id = ticket_activity.ticket_id
                    AND t.routing_type <> 'internal' AND t.assigned_org_id = ANY ((select app_staff_org_ids())::uuid[])));
CREATE POLICY ticket_activity_select_requester ON ticket_activity FOR SELECT TO supportdesk_app
  USING (NOT is_internal
         AND EXISTS (SELECT FROM tickets t WHERE t.id = ticket_activity.ticket_id
                     AND t.requester_id = (select app_user_id())));

-- ---------------------------------------------------------------------------
-- Table privileges for supportdesk_app. Policies decide rows; these decide
-- statements and columns. Derived columns (numbers, SLA, metrics) are not
-- writable at all: triggers own them.
-- ---------------------------------------------------------------------------
GRANT SELECT ON organizations, organization_settings, teams, memberships, membership_teams,
                system_settings, categories, request_types, field_definitions, field_visibility_rules,
                events, sla_policies, canned_responses, tickets, ticket_messages, attachments,
                attachment_blobs, ticket_assignments, ticket_activity
  TO supportdesk_app;

-- users: every column but password_hash (login goes through auth_login_lookup()).
GRANT SELECT (id, email, name, email_verified_at, platform_role, preferred_language, avatar_url,
              communication_channels, is_active, last_seen_at, preferences, created_at, updated_at)
  ON users TO supportdesk_app;
GRANT UPDATE (name, preferred_language, avatar_url, communication_channels, preferences, last_seen_at)
  ON users TO supportdesk_app;

GRANT INSERT (name, slug, is_active), UPDATE (name, slug, is_active) ON organizations TO supportdesk_app;
GRANT INSERT, UPDATE ON organization_settings TO supportdesk_app;
GRANT INSERT, UPDATE, DELETE ON teams, memberships, membership_teams, system_settings, categories,
                               request_types, field_definitions, field_visibility_rules, events,
                               sla_policies, canned_responses
  TO supportdesk_app;
-- usage counters go through canned_response_use().
REVOKE UPDATE ON canned_responses FROM supportdesk_app;
GRANT UPDATE (organization_id, title, shortcut, content, category_id, tags, is_public, team_id, is_active, sort_order)
  ON canned_responses TO supportdesk_app;

GRANT INSERT (requester_id, organization_id, routing_type, assigned_org_id, assignee_id, team_id,
              title, description, request_type_id, category_id, event_id, status, priority, due_date,
              source, ip_address, user_agent, channel_metadata, custom_fields, tags, metadata,
              spam_score, is_spam, captcha_verified, idempotency_key)
  ON tickets TO supportdesk_app;
GRANT UPDATE (organization_id, routing_type, assigned_org_id, assignee_id, team_id, title, description,
              request_type_id, category_id, event_id, status, priority, due_date, custom_fields, tags,
              metadata, is_spam)
  ON tickets TO supportdesk_app;

GRANT INSERT (ticket_id, author_id, body, is_internal, message_type, email_message_id, metadata)
  ON ticket_messages TO supportdesk_app;
GRANT UPDATE (body) ON ticket_messages TO supportdesk_app;

GRANT INSERT (ticket_id, message_id, file_name, content_type, size_bytes, sha256, uploaded_by, metadata)
  ON attachments TO supportdesk_app;
-- No grants at all on ticket_number_counters, submissions, outbox; no
-- UPDATE/DELETE on ticket_activity or ticket_assignments.

-- Helpers that policies and non-definer triggers call as the app role.
GRANT EXECUTE ON FUNCTION app_user_id(), app_ip(), app_request_id(), app_platform_role(),
                          app_is_platform_staff(), app_is_platform_admin(), app_staff_org_ids(),
                          app_admin_org_ids(), app_is_org_member(uuid), app_is_org_admin(uuid),
                          setting(text)
  TO supportdesk_app;
