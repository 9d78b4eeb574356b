-- 0039: time tracking. Staff record the minutes they spend on a ticket,
-- with each reply or note or on their own, billable or not; the workspace
-- shows the ticket's totals and an organization may require an entry with
-- every reply.
--
-- Who sees what: the staff of the organization working the ticket (and
-- platform staff) read every entry on it; customers never see one. Staff add
-- entries only as themselves, on tickets they work; an entry is changed or
-- removed by its author or an admin of its organization.

CREATE TABLE time_entries (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The organization working the ticket when the entry was made (NULL: the
  -- platform's internal routing). Set by the trigger below, never by the
  -- caller, so the reports by organization cannot be steered.
  organization_id uuid REFERENCES organizations(id) ON DELETE CASCADE,
  ticket_id       uuid NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  message_id      uuid REFERENCES ticket_messages(id) ON DELETE SET NULL,
  user_id         uuid NOT NULL REFERENCES users(id),
  minutes         integer NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
  billable        boolean NOT NULL DEFAULT true,
  note            text CHECK (length(note) <= 500),
  work_date       date NOT NULL DEFAULT current_date,
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- A reply or note carries at most one entry: a resent form adds none.
  CONSTRAINT time_entries_one_per_message UNIQUE (message_id)
);
CREATE INDEX time_entries_ticket_idx ON time_entries (ticket_id, created_at);
CREATE INDEX time_entries_org_date_idx ON time_entries (organization_id, work_date);
CREATE INDEX time_entries_user_date_idx ON time_entries (user_id, work_date);

ALTER TABLE organization_settings
  ADD COLUMN require_time_on_reply boolean NOT NULL DEFAULT false;

CREATE FUNCTION time_entries_before_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  SELECT CASE WHEN t.routing_type <> 'internal' THEN t.assigned_org_id END
    INTO NEW.organization_id FROM tickets t WHERE t.id = NEW.ticket_id;
  IF NEW.message_id IS NOT NULL AND NOT EXISTS (
       SELECT FROM ticket_messages m WHERE m.id = NEW.message_id AND m.ticket_id = NEW.ticket_id) THEN
    RAISE EXCEPTION 'time entry message % is not on ticket %', NEW.message_id, NEW.ticket_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  NEW.created_at := now();
  RETURN NEW;
END;
$$;
REVOKE EXECUTE ON FUNCTION time_entries_before_insert() FROM PUBLIC;
CREATE TRIGGER time_entries_before_insert BEFORE INSERT ON time_entries
  FOR EACH ROW EXECUTE FUNCTION time_entries_before_insert();

ALTER TABLE time_entries ENABLE ROW LEVEL SECURITY;

CREATE POLICY time_entries_select_staff ON time_entries FOR SELECT TO supportdesk_app
  USING ((select app_is_platform_staff())
         OR organization_id = ANY ((select app_staff_org_ids())::uuid[]));
CREATE POLICY time_entries_insert_staff ON time_entries FOR INSERT TO supportdesk_app
  WITH CHECK (user_id = (select app_user_id())
              AND ((select app_is_platform_staff())
                   OR EXISTS (SELECT FROM tickets t WHERE t.id = time_entries.ticket_id
                              AND t.routing_type <> 'internal'
                              AND t.assigned_org_id = ANY ((select app_staff_org_ids())::uuid[]))));
CREATE POLICY time_entries_update_own ON time_entries FOR UPDATE TO supportdesk_app
  USING (user_id = (select app_user_id()) OR organization_id = ANY ((select app_admin_org_ids())::uuid[]))
  WITH CHECK (user_id = (select app_user_id()) OR organization_id = ANY ((select app_admin_org_ids())::uuid[]));
CREATE POLICY time_entries_delete_own ON time_entries FOR DELETE TO supportdesk_app
  USING (user_id = (select app_user_id()) OR organization_id = ANY ((select app_admin_org_ids())::uuid[]));

GRANT SELECT, DELETE ON time_entries TO supportdesk_app;
GRANT INSERT (ticket_id, message_id, user_id, minutes, billable, note, work_date) ON time_entries TO supportdesk_app;
GRANT UPDATE (minutes, billable, note, work_date) ON time_entries TO supportdesk_app;
