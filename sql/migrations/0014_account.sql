-- 0014_account.sql: the account page (profile, notification preferences,
-- password) and in-app notifications (seeds 001 and 004).
--
-- Profile columns already exist on users (0001): name, preferred_language,
-- communication_channels (seed 003, CHECKed against the allowed set) and
-- preferences. The application role may UPDATE its own row and only those
-- columns (0005: users_update_self and the column grants); the account page
-- goes through account_update() below, which checks every value and writes
-- the notification preferences without touching the rest of preferences.

-- ---------------------------------------------------------------------------
-- Notification preferences: which events email the customer.
--
-- Shape, inside users.preferences:
--   {"notify": {"reply": true, "waiting": true, "resolved": false, "closed": true}}
-- One JSON boolean per event:
--   reply     staff replied in public on one of their tickets
--   waiting   a ticket's status became waiting_customer
--   resolved  a ticket was resolved
--   closed    a ticket was closed
-- An absent object, an absent key or a JSON null means true (send). The
-- email notices read exactly
--   coalesce(preferences->'notify'->>'<event>', 'true') <> 'false'
-- and nothing else in preferences belongs to this feature.
-- ---------------------------------------------------------------------------

COMMENT ON COLUMN users.preferences IS
  'Per-user settings (jsonb object). "notify": {"reply"|"waiting"|"resolved"|"closed": boolean}: which events email the user; an absent key means true. See 0014_account.sql.';
COMMENT ON COLUMN users.communication_channels IS
  'Seed 003: the channels the customer wants to be reached by or uses (email, web, portal, chat, phone, widget, api). The account page offers email, portal, chat and phone.';

-- The languages the account page offers (the same list as src/pages/account.c).
CREATE FUNCTION account_languages() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY['en', 'de', 'fr', 'es', 'it', 'nl', 'pt', 'pl', 'sv']
$$;

-- The acting user's profile, checked value by value. Returns 'ok',
-- 'invalid_name', 'invalid_language', 'invalid_channels', 'invalid_notify',
-- 'forbidden' (anonymous) or 'not_found' (no such active user). Nothing is
-- written unless every value is valid. p_channels are the chosen ones of the
-- offered channels (email, portal, chat, phone). p_notify is an object of the four
-- events with JSON booleans; it replaces preferences->'notify' and leaves
-- every other key of preferences as it was.
CREATE FUNCTION account_update(p_name text, p_language text, p_channels text[], p_notify jsonb) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_name text := nullif(btrim(p_name), '');
  v_offered constant text[] := ARRAY['email', 'portal', 'chat', 'phone'];
  v_key text;
BEGIN
  IF app_user_id() IS NULL THEN
    RETURN 'forbidden';
  END IF;
  IF v_name IS NOT NULL AND (length(v_name) > 200 OR v_name ~ '[[:cntrl:]]') THEN
    RETURN 'invalid_name';
  END IF;
  IF p_language IS NULL OR NOT (p_language = ANY (account_languages())) THEN
    RETURN 'invalid_language';
  END IF;
  IF p_channels IS NULL OR array_position(p_channels, NULL) IS NOT NULL
     OR NOT (p_channels <@ v_offered) THEN
    RETURN 'invalid_channels';
  END IF;
  IF p_notify IS NULL OR jsonb_typeof(p_notify) <> 'object' THEN
    RETURN 'invalid_notify';
  END IF;
  FOR v_key IN SELECT jsonb_object_keys(p_notify) LOOP
    IF v_key NOT IN ('reply', 'waiting', 'resolved', 'closed') OR jsonb_typeof(p_notify -> v_key) <> 'boolean' THEN
      RETURN 'invalid_notify';
    END IF;
  END LOOP;
  -- Channels the page does not offer (recorded by the system: web, widget,
  -- api) stay as they are; the offered ones become what was chosen.
  UPDATE users SET
    name = v_name,
    preferred_language = p_language,
    communication_channels = ARRAY(
      SELECT DISTINCT c FROM unnest(array_cat(
        ARRAY(SELECT x FROM unnest(communication_channels) x WHERE x <> ALL (v_offered)), p_channels)) c
      ORDER BY c),
    preferences = jsonb_set(preferences, '{notify}', p_notify, true)
  WHERE id = app_user_id() AND is_active;
  RETURN CASE WHEN FOUND THEN 'ok' ELSE 'not_found' END;
END;
$$;

-- Whether the acting user has a password (password_hash itself is not
-- readable by the application role): the account page offers to change it,
-- or to set one by email.
CREATE FUNCTION account_has_password() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce((SELECT password_hash IS NOT NULL FROM users WHERE id = app_user_id() AND is_active), false)
$$;

-- ---------------------------------------------------------------------------
-- In-app notifications (seed 001 notifications, seed 004's link and
-- expires_at). A row per event for the user it concerns. Users read and mark
-- their own; only the system writes them, through notification_add().
-- ---------------------------------------------------------------------------

CREATE TABLE notifications (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  type       text NOT NULL CHECK (type ~ '^[a-z][a-z0-9_.]{0,63}$'),
  title      text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
  content    text CHECK (length(content) <= 2000),
  -- A path of this site, never another origin: "/x", not "//host" or "/\host".
  link       text CHECK (length(link) <= 2000 AND link ~ '^/([^/\\[:space:][:cntrl:]][^[:space:][:cntrl:]]*)?$'),
  read       boolean NOT NULL DEFAULT false,                            -- seed 001
  read_at    timestamptz,
  metadata   jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
  expires_at timestamptz,                                               -- seed 004; NULL: never
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT notifications_read_at CHECK (read = (read_at IS NOT NULL))
);
COMMENT ON TABLE notifications IS
  'In-app notifications (seeds 001, 004). Written only by notification_add() (owner rights); users see and mark read their own.';

-- The list (newest first, keyset on created_at, id), which also serves the
-- user_id foreign key; and the header's unread count.
CREATE INDEX notifications_user_created_idx ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_user_unread_idx ON notifications (user_id, created_at DESC) WHERE NOT read;
-- The purge.
CREATE INDEX notifications_expires_idx ON notifications (expires_at) WHERE expires_at IS NOT NULL;

-- Marking read keeps read and read_at together whichever the caller sets.
CREATE FUNCTION notifications_read_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.read AND NOT OLD.read THEN
    NEW.read_at := coalesce(NEW.read_at, now());
  ELSIF NOT NEW.read THEN
    NEW.read_at := NULL;
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER notifications_read_at BEFORE UPDATE ON notifications
  FOR EACH ROW EXECUTE FUNCTION notifications_read_at();

ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;

-- Each user sees and updates only their own rows; nobody else, staff and
-- platform admins included (a notification is personal, like a mailbox).
CREATE POLICY notifications_select_own ON notifications FOR SELECT TO supportdesk_app
  USING (user_id = (select app_user_id()));
CREATE POLICY notifications_update_own ON notifications FOR UPDATE TO supportdesk_app
  USING (user_id = (select app_user_id()))
  WITH CHECK (user_id = (select app_user_id()));

GRANT SELECT ON notifications TO supportdesk_app;
-- Only whether it was read: the rest of a row is the system's.
GRANT UPDATE (read, read_at) ON notifications TO supportdesk_app;
-- No INSERT or DELETE for the application role.

-- The one way in, for the system: triggers and functions that run as the
-- owner (SECURITY DEFINER), the scheduler. The application role cannot call
-- it (no EXECUTE), so no user can put a notification in another's list.
-- Titles and contents longer than the table allows are cut rather than
-- refused, so that a long ticket title never makes the change that
-- notifies fail; an unknown or inactive user gets nothing (NULL). A link
-- that is not a path of this site is refused (the CHECK): that is a bug in
-- the caller.
CREATE FUNCTION notification_add(p_user uuid, p_type text, p_title text, p_content text DEFAULT NULL,
                                 p_link text DEFAULT NULL, p_metadata jsonb DEFAULT '{}',
                                 p_expires timestamptz DEFAULT NULL) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_id uuid;
BEGIN
  IF NOT EXISTS (SELECT FROM users WHERE id = p_user AND is_active) THEN
    RETURN NULL;
  END IF;
  INSERT INTO notifications (user_id, type, title, content, link, metadata, expires_at)
  VALUES (p_user, p_type, left(btrim(p_title), 200), left(p_content, 2000), nullif(p_link, ''),
          coalesce(p_metadata, '{}'), p_expires)
  RETURNING id INTO v_id;
  RETURN v_id;
END;
$$;

-- For the scheduler: deletes notifications that expired more than p_grace
-- ago. Returns how many.
CREATE FUNCTION notifications_purge(p_grace interval DEFAULT '0') RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH gone AS (DELETE FROM notifications WHERE expires_at < now() - p_grace RETURNING 1)
  SELECT count(*) FROM gone
$$;

GRANT EXECUTE ON FUNCTION
  account_languages(),
  account_update(text, text, text[], jsonb),
  account_has_password()
TO supportdesk_app;
-- notification_add and notifications_purge: owner only (see above).
