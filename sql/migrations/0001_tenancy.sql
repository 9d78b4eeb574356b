-- 0001_tenancy.sql: organizations, users, memberships, teams, settings, and
-- the request-context helpers that every row-level security policy uses.
--
-- Runs as the owner `supportdesk` inside one transaction opened by the runner.
-- Extensions (citext) are created by sql/bootstrap.sql, which needs a superuser.

-- Functions are private by default: supportdesk_app gets EXECUTE only on what
-- is granted explicitly (0005). Global default privileges (not IN SCHEMA),
-- because per-schema defaults cannot revoke the built-in PUBLIC grant.
ALTER DEFAULT PRIVILEGES FOR ROLE supportdesk REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Generic triggers
-- ---------------------------------------------------------------------------

-- updated_at is maintained by the database so that no code path can forget it.
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

-- ---------------------------------------------------------------------------
-- Organizations: the tenants. Exactly one is the platform itself.
-- ---------------------------------------------------------------------------

CREATE TABLE organizations (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  slug        citext NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'),
  is_platform boolean NOT NULL DEFAULT false,
  is_active   boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE organizations IS 'Tenants. One row is_platform (the operator); the rest become desks once provisioned.';
-- Only one platform organization may exist (seed 004 is_default, made unique).
CREATE UNIQUE INDEX organizations_one_platform ON organizations (is_platform) WHERE is_platform;
CREATE INDEX organizations_name_idx ON organizations (name);
CREATE TRIGGER organizations_updated_at BEFORE UPDATE ON organizations
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------
-- Users: customers, staff and platform staff are all rows here.
-- ---------------------------------------------------------------------------

CREATE TABLE users (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email                  citext NOT NULL UNIQUE
                         CHECK (length(email) <= 254 AND email ~ '^[^@\s]+@[^@\s]+$'),
  name                   text CHECK (length(name) <= 200),
  -- libsodium crypto_pwhash_str output; NULL for accounts that only use email links.
  password_hash          text CHECK (password_hash IS NULL OR password_hash LIKE '$argon2%'),
  email_verified_at      timestamptz,
  platform_role          text CHECK (platform_role IN ('agent', 'admin')),
  preferred_language     text NOT NULL DEFAULT 'en' CHECK (preferred_language ~ '^[a-z]{2}(-[A-Z]{2})?$'),
  avatar_url             text CHECK (avatar_url ~ '^https?://'),               -- seed 001
  communication_channels text[] NOT NULL DEFAULT '{}'                          -- seed 003
                         CHECK (communication_channels <@ ARRAY['email','web','portal','chat','phone','widget','api']),
  is_active              boolean NOT NULL DEFAULT true,
  last_seen_at           timestamptz,
  preferences            jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(preferences) = 'object'),
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN users.password_hash IS 'crypto_pwhash_str() string computed in C; never readable by supportdesk_app (column privilege).';
CREATE INDEX users_platform_role_idx ON users (platform_role) WHERE platform_role IS NOT NULL;
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------
-- Teams (seed 001 "departments") and memberships.
-- ---------------------------------------------------------------------------

CREATE TABLE teams (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
  description     text,
  is_active       boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, name),
  -- Target of composite foreign keys that keep a team inside its organization.
  UNIQUE (id, organization_id)
);
CREATE TRIGGER teams_updated_at BEFORE UPDATE ON teams
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE memberships (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  role            text NOT NULL CHECK (role IN ('agent', 'admin')),
  is_active       boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, organization_id),
  UNIQUE (id, organization_id)
);
-- (user_id, organization_id) unique already indexes user_id; organization_id needs its own.
CREATE INDEX memberships_organization_idx ON memberships (organization_id, role);
CREATE TRIGGER memberships_updated_at BEFORE UPDATE ON memberships
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- A member belongs to any number of teams of the same organization. The
-- composite foreign keys make a cross-organization team membership impossible.
CREATE TABLE membership_teams (
  membership_id   uuid NOT NULL,
  team_id         uuid NOT NULL,
  organization_id uuid NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (membership_id, team_id),
  FOREIGN KEY (membership_id, organization_id) REFERENCES memberships (id, organization_id) ON DELETE CASCADE,
  FOREIGN KEY (team_id, organization_id) REFERENCES teams (id, organization_id) ON DELETE CASCADE
);
CREATE INDEX membership_teams_team_idx ON membership_teams (team_id, organization_id);
CREATE INDEX membership_teams_membership_org_idx ON membership_teams (membership_id, organization_id);

-- ---------------------------------------------------------------------------
-- Organization settings (seed 000 support_organization_settings).
-- ---------------------------------------------------------------------------

CREATE TABLE organization_settings (
  organization_id             uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
  -- Provisioning: only platform admins may change these (trigger below).
  is_provisioned              boolean NOT NULL DEFAULT false,
  provisioned_at              timestamptz,
  provisioned_by              uuid REFERENCES users (id) ON DELETE SET NULL,
  -- The team new tickets land in (seed 000 support_team_user_ids became teams + memberships).
  default_team_id             uuid,
  auto_assign_enabled         boolean NOT NULL DEFAULT false,
  email_notifications_enabled boolean NOT NULL DEFAULT true,
  -- Branding shown to customers whose ticket is routed here.
  support_email               citext CHECK (support_email ~ '^[^@\s]+@[^@\s]+$'),
  support_phone               text CHECK (length(support_phone) <= 50),
  custom_message              text CHECK (length(custom_message) <= 2000),
  -- Ticket number prefix for tickets routed here; NULL = the global default.
  ticket_prefix               text CHECK (ticket_prefix ~ '^[A-Z][A-Z0-9]{1,9}$'),
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now(),
  CHECK (NOT is_provisioned OR provisioned_at IS NOT NULL),
  FOREIGN KEY (default_team_id, organization_id) REFERENCES teams (id, organization_id)
);
CREATE INDEX organization_settings_default_team_idx ON organization_settings (default_team_id, organization_id);
CREATE INDEX organization_settings_provisioned_by_idx ON organization_settings (provisioned_by);
CREATE TRIGGER organization_settings_updated_at BEFORE UPDATE ON organization_settings
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------
-- System settings: global, typed by key. Platform admins write them.
-- ---------------------------------------------------------------------------

CREATE TABLE system_settings (
  key         text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_.]*$'),
  value       jsonb NOT NULL,
  description text,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER system_settings_updated_at BEFORE UPDATE ON system_settings
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

INSERT INTO system_settings (key, value, description) VALUES
  ('ticket_number_prefix', '"TKT"', 'Default prefix of {PREFIX}-{YYYY}-{MM}-{NNNNN} ticket numbers'),
  ('attachment_max_bytes', '26214400', 'Largest attachment accepted (25 MiB)'),
  ('attachment_max_per_message', '10', 'Most attachments on one message or submission'),
  ('attachment_allowed_types', '["image/png","image/jpeg","image/gif","image/webp","application/pdf","text/plain","text/csv","application/zip","application/json","application/vnd.openxmlformats-officedocument.wordprocessingml.document","application/vnd.openxmlformats-officedocument.spreadsheetml.sheet","application/msword","application/vnd.ms-excel"]',
   'Content types accepted after sniffing the bytes in C'),
  ('submission_ttl_minutes', '60', 'Lifetime of an email verification token'),
  ('submission_max_attempts', '5', 'Failed or repeated consumption attempts before a submission locks'),
  ('outbox_max_attempts', '8', 'Delivery attempts before an outbox row is marked failed'),
  ('spam_threshold', '0.70', 'spam_score at or above which a ticket is flagged is_spam');

-- Typed reader; STABLE so a statement reads one value.
CREATE FUNCTION setting(p_key text) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT value FROM system_settings WHERE key = p_key
$$;

-- ---------------------------------------------------------------------------
-- The platform organization (SPEC: created by the first migration).
-- ---------------------------------------------------------------------------

INSERT INTO organizations (name, slug, is_platform) VALUES ('Platform Support', 'platform', true);
INSERT INTO organization_settings (organization_id, is_provisioned, provisioned_at)
  SELECT id, true, now() FROM organizations WHERE is_platform;

-- ---------------------------------------------------------------------------
-- Request context helpers.
--
-- Every request sets app.user_id with set_config(..., true) (transaction
-- scoped). Policies call these helpers as `(select fn())` so the planner turns
-- them into InitPlans evaluated once per statement rather than per row, and
-- array-returning helpers let a policy compare a column with `= ANY(...)`,
-- which keeps ordinary btree indexes usable.
--
-- The membership/users readers are SECURITY DEFINER: they read tables whose
-- own policies call these helpers, and definer rights (owner, not subject to
-- RLS) break that recursion. search_path is pinned against hijacking.
-- ---------------------------------------------------------------------------

-- The acting user, or NULL when unset/empty (anonymous or system context).
CREATE FUNCTION app_user_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nullif(current_setting('app.user_id', true), '')::uuid
$$;

CREATE FUNCTION app_ip() RETURNS inet
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nullif(current_setting('app.ip', true), '')::inet
$$;

CREATE FUNCTION app_request_id() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nullif(current_setting('app.request_id', true), '')
$$;

-- 'agent' | 'admin' | NULL for the acting user (inactive users count as none).
CREATE FUNCTION app_platform_role() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT u.platform_role FROM users u WHERE u.id = app_user_id() AND u.is_active
$$;

CREATE FUNCTION app_is_platform_staff() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce(app_platform_role() IS NOT NULL, false)
$$;

CREATE FUNCTION app_is_platform_admin() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce(app_platform_role() = 'admin', false)
$$;

-- Organizations in which the acting user is active staff (agent or admin) of
-- an active organization. Never NULL: an empty array matches nothing.
CREATE FUNCTION app_staff_org_ids() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce(array_agg(m.organization_id), '{}')
  FROM memberships m
  JOIN organizations o ON o.id = m.organization_id AND o.is_active
  JOIN users u ON u.id = m.user_id AND u.is_active
  WHERE m.user_id = app_user_id() AND m.is_active
$$;

CREATE FUNCTION app_admin_org_ids() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT coalesce(array_agg(m.organization_id), '{}')
  FROM memberships m
  JOIN organizations o ON o.id = m.organization_id AND o.is_active
  JOIN users u ON u.id = m.user_id AND u.is_active
  WHERE m.user_id = app_user_id() AND m.is_active AND m.role = 'admin'
$$;

-- Scalar conveniences for the C code and for small config tables.
CREATE FUNCTION app_is_org_member(p_org uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p_org = ANY (app_staff_org_ids())
$$;

CREATE FUNCTION app_is_org_admin(p_org uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT p_org = ANY (app_admin_org_ids())
$$;

-- Provisioning columns of organization_settings are the platform admins'.
-- Org admins may edit the rest of their own settings row.
CREATE FUNCTION organization_settings_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF current_user = 'supportdesk_app' AND NOT app_is_platform_admin() AND (
       TG_OP = 'INSERT'
       OR NEW.is_provisioned IS DISTINCT FROM OLD.is_provisioned
       OR NEW.provisioned_at IS DISTINCT FROM OLD.provisioned_at
       OR NEW.provisioned_by IS DISTINCT FROM OLD.provisioned_by
       OR NEW.organization_id IS DISTINCT FROM OLD.organization_id) THEN
    RAISE EXCEPTION 'only platform admins may provision organizations'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.is_provisioned AND NEW.provisioned_at IS NULL THEN
    NEW.provisioned_at := now();
    NEW.provisioned_by := coalesce(NEW.provisioned_by, app_user_id());
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER organization_settings_guard BEFORE INSERT OR UPDATE ON organization_settings
  FOR EACH ROW EXECUTE FUNCTION organization_settings_guard();
