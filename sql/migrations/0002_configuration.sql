-- 0002_configuration.sql: categories, request types, custom fields and their
-- visibility rules, events, SLA policies (with business-hours arithmetic) and
-- canned responses. Global rows have organization_id NULL.

-- ---------------------------------------------------------------------------
-- Categories (seed 002 support_ticket_categories)
-- ---------------------------------------------------------------------------

CREATE TABLE categories (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,  -- NULL = global
  name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
  slug            text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
  description     text,
  color           text CHECK (color ~ '^#[0-9A-Fa-f]{6}$'),
  icon            text CHECK (length(icon) <= 50),
  is_active       boolean NOT NULL DEFAULT true,
  sort_order      integer NOT NULL DEFAULT 0,
  created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  -- NULLS NOT DISTINCT: two global categories may not share a slug either.
  CONSTRAINT categories_org_slug_key UNIQUE NULLS NOT DISTINCT (organization_id, slug)
);
CREATE INDEX categories_created_by_idx ON categories (created_by);
CREATE INDEX categories_active_idx ON categories (organization_id, sort_order) WHERE is_active;
CREATE TRIGGER categories_updated_at BEFORE UPDATE ON categories
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------
-- Request types (seed 000 support_request_types)
-- ---------------------------------------------------------------------------

CREATE TABLE request_types (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id  uuid REFERENCES organizations (id) ON DELETE CASCADE,  -- NULL = global
  name             text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  description      text,
  category_id      uuid REFERENCES categories (id) ON DELETE SET NULL,
  default_routing  text NOT NULL DEFAULT 'internal' CHECK (default_routing IN ('internal', 'organization', 'hybrid')),
  default_priority text NOT NULL DEFAULT 'normal' CHECK (default_priority IN ('low', 'normal', 'high', 'urgent')),
  is_active        boolean NOT NULL DEFAULT true,
  requires_event   boolean NOT NULL DEFAULT false,
  -- Who may file this type. Our roles replace the seed's CAE-specific ones.
  allowed_roles    text[] NOT NULL DEFAULT ARRAY['anonymous', 'customer', 'agent', 'admin']
                   CHECK (allowed_roles <@ ARRAY['anonymous', 'customer', 'agent', 'admin']),
  sort_order       integer NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  -- A global type cannot route to "the organization": there is none.
  CHECK (organization_id IS NOT NULL OR default_routing = 'internal')
);
CREATE INDEX request_types_org_idx ON request_types (organization_id, sort_order) WHERE is_active;
CREATE INDEX request_types_organization_id_idx ON request_types (organization_id);
CREATE INDEX request_types_category_idx ON request_types (category_id);
CREATE INDEX request_types_allowed_roles_idx ON request_types USING gin (allowed_roles);
CREATE TRIGGER request_types_updated_at BEFORE UPDATE ON request_types
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------
-- Custom fields (seed 000 support_field_definitions / _visibility_rules)
-- ---------------------------------------------------------------------------

CREATE TABLE field_definitions (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id  uuid REFERENCES organizations (id) ON DELETE CASCADE,  -- NULL = global
  -- Forms post it as cf_<field_key>; globally unique so a form never has two.
  field_key        text NOT NULL UNIQUE CHECK (field_key ~ '^[a-z][a-z0-9_]{0,62}$'),
  label            text NOT NULL CHECK (length(btrim(label)) BETWEEN 1 AND 200),
  description      text,
  field_type       text NOT NULL CHECK (field_type IN
                     ('text', 'textarea', 'date', 'dropdown_static', 'dropdown_dynamic_event', 'file', 'checkbox')),
  is_required      boolean NOT NULL DEFAULT false,
  default_value    text,
  placeholder      text,
  -- [{"value": "...", "label": "..."}] for dropdown_static.
  options          jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(options) = 'array'),
  -- {"min_length": n, "max_length": n, "pattern": "regex"}.
  validation_rules jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(validation_rules) = 'object'),
  sort_order       integer NOT NULL DEFAULT 0,
  is_active        boolean NOT NULL DEFAULT true,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (field_type <> 'dropdown_static' OR jsonb_array_length(options) > 0),
  CHECK (validation_rules - ARRAY['min_length', 'max_length', 'pattern', 'min_date', 'max_date', 'max_files'] = '{}'),
  CHECK (coalesce((validation_rules->>'min_length')::int, 0) >= 0
         AND coalesce((validation_rules->>'min_length')::int, 0)
             <= coalesce((validation_rules->>'max_length')::int, 2147483647))
);
CREATE INDEX field_definitions_organization_idx ON field_definitions (organization_id);
CREATE TRIGGER field_definitions_updated_at BEFORE UPDATE ON field_definitions
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE field_visibility_rules (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  field_definition_id   uuid NOT NULL REFERENCES field_definitions (id) ON DELETE CASCADE,
  -- All conditions must match; an empty array means "any".
  request_type_ids      uuid[] NOT NULL DEFAULT '{}',
  user_roles            text[] NOT NULL DEFAULT '{}'
                        CHECK (user_roles <@ ARRAY['anonymous', 'customer', 'agent', 'admin']),
  show_on_frontend      boolean NOT NULL DEFAULT true,
  show_on_backend       boolean NOT NULL DEFAULT true,
  additional_conditions jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(additional_conditions) = 'object'),
  created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX field_visibility_rules_field_idx ON field_visibility_rules (field_definition_id);
CREATE INDEX field_visibility_rules_types_idx ON field_visibility_rules USING gin (request_type_ids);

-- ---------------------------------------------------------------------------
-- Events (seed 000's optional event reference; feeds dropdown_dynamic_event)
-- ---------------------------------------------------------------------------

CREATE TABLE events (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
  name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  starts_at       timestamptz NOT NULL,
  ends_at         timestamptz CHECK (ends_at >= starts_at),
  location        text,
  is_active       boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_organization_idx ON events (organization_id, starts_at);
CREATE INDEX events_upcoming_idx ON events (starts_at) WHERE is_active;
CREATE TRIGGER events_updated_at BEFORE UPDATE ON events
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------
-- SLA policies (seed 002 support_sla_config), per organization and priority.
-- ---------------------------------------------------------------------------

CREATE TABLE sla_policies (
  id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id           uuid REFERENCES organizations (id) ON DELETE CASCADE,  -- NULL = global default
  priority                  text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  display_name              text NOT NULL,
  color                     text NOT NULL DEFAULT '#6B7280' CHECK (color ~ '^#[0-9A-Fa-f]{6}$'),
  first_response_minutes    integer NOT NULL CHECK (first_response_minutes > 0),
  resolution_minutes        integer NOT NULL CHECK (resolution_minutes > 0),
  warning_threshold_percent integer NOT NULL DEFAULT 75 CHECK (warning_threshold_percent BETWEEN 0 AND 100),
  escalate_to_role          text CHECK (escalate_to_role IN ('agent', 'admin', 'platform_agent', 'platform_admin')),
  use_business_hours        boolean NOT NULL DEFAULT true,
  -- {"monday": {"start": "09:00", "end": "17:00"}, ...}; a missing day is closed.
  business_hours            jsonb NOT NULL DEFAULT
    '{"monday":{"start":"09:00","end":"17:00"},"tuesday":{"start":"09:00","end":"17:00"},"wednesday":{"start":"09:00","end":"17:00"},"thursday":{"start":"09:00","end":"17:00"},"friday":{"start":"09:00","end":"17:00"}}'
    CHECK (jsonb_typeof(business_hours) = 'object'
           AND business_hours - ARRAY['monday','tuesday','wednesday','thursday','friday','saturday','sunday'] = '{}'),
  time_zone                 text NOT NULL DEFAULT 'UTC',
  is_active                 boolean NOT NULL DEFAULT true,
  sort_order                integer NOT NULL DEFAULT 0,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  CHECK (resolution_minutes >= first_response_minutes),
  CONSTRAINT sla_policies_org_priority_key UNIQUE NULLS NOT DISTINCT (organization_id, priority)
);
CREATE TRIGGER sla_policies_updated_at BEFORE UPDATE ON sla_policies
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Reject unknown time zones and malformed hours at write time, so the SLA
-- arithmetic in ticket triggers can never fail on bad configuration.
CREATE FUNCTION sla_policies_validate() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  d text;
  h jsonb;
BEGIN
  IF NOT EXISTS (SELECT FROM pg_timezone_names WHERE name = NEW.time_zone) THEN
    RAISE EXCEPTION 'unknown time zone %', NEW.time_zone USING ERRCODE = 'check_violation';
  END IF;
  FOR d, h IN SELECT key, value FROM jsonb_each(NEW.business_hours) LOOP
    IF NOT (h->>'start' ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
            AND h->>'end' ~ '^([01][0-9]|2[0-4]):[0-5][0-9]$'
            AND (h->>'start')::interval < (h->>'end')::interval) THEN
      RAISE EXCEPTION 'business_hours.% must be {"start":"HH:MM","end":"HH:MM"} with start < end', d
        USING ERRCODE = 'check_violation';
    END IF;
  END LOOP;
  IF NEW.use_business_hours AND NEW.business_hours = '{}' THEN
    RAISE EXCEPTION 'use_business_hours needs at least one open day' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER sla_policies_validate BEFORE INSERT OR UPDATE ON sla_policies
  FOR EACH ROW EXECUTE FUNCTION sla_policies_validate();

-- The open window [opens, closes) of local date p_day under p_hours, or no row
-- when that weekday is closed. STABLE, not IMMUTABLE: time zone rules change.
CREATE FUNCTION sla_day_window(p_day date, p_hours jsonb, p_tz text,
                               OUT opens timestamptz, OUT closes timestamptz)
LANGUAGE sql STABLE AS $$
  SELECT (p_day + (h->>'start')::interval) AT TIME ZONE p_tz,
         (p_day + (h->>'end')::interval) AT TIME ZONE p_tz
  FROM (SELECT p_hours -> rtrim(to_char(p_day, 'fmday')) AS h) s
  WHERE h IS NOT NULL
$$;

-- p_start + p_minutes of working time. Without business hours, wall-clock.
-- Walks day by day with plain expressions (no query per day: this runs in
-- ticket triggers and for every row of the scale generator); bounded to ~3
-- years of calendar so a policy with tiny windows cannot loop forever.
CREATE FUNCTION sla_add_minutes(p_start timestamptz, p_minutes integer, p_use_bh boolean,
                                p_hours jsonb, p_tz text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  days      constant text[] := ARRAY['monday','tuesday','wednesday','thursday','friday','saturday','sunday'];
  remaining interval := make_interval(mins => p_minutes);
  day0      date;
  d         date;
  h         jsonb;
  opens     timestamptz;
  closes    timestamptz;
BEGIN
  IF p_start IS NULL OR p_minutes IS NULL THEN
    RETURN NULL;
  END IF;
  IF NOT p_use_bh OR p_hours = '{}' THEN
    RETURN p_start + remaining;
  END IF;
  day0 := (p_start AT TIME ZONE p_tz)::date;
  FOR i IN 0 .. 1100 LOOP
    d := day0 + i;
    h := p_hours -> days[extract(isodow FROM d)::int];
    CONTINUE WHEN h IS NULL;
    opens := (d + (h->>'start')::interval) AT TIME ZONE p_tz;
    closes := (d + (h->>'end')::interval) AT TIME ZONE p_tz;
    CONTINUE WHEN closes <= p_start;
    opens := greatest(opens, p_start);
    IF closes - opens >= remaining THEN
      RETURN opens + remaining;
    END IF;
    remaining := remaining - (closes - opens);
  END LOOP;
  RETURN p_start + make_interval(mins => p_minutes);  -- degenerate calendar: fall back
END;
$$;

-- Working minutes between two instants (used to measure SLA pauses).
CREATE FUNCTION sla_minutes_between(p_from timestamptz, p_to timestamptz, p_use_bh boolean,
                                    p_hours jsonb, p_tz text) RETURNS integer
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  days   constant text[] := ARRAY['monday','tuesday','wednesday','thursday','friday','saturday','sunday'];
  total  interval := '0';
  d      date;
  h      jsonb;
  opens  timestamptz;
  closes timestamptz;
BEGIN
  IF p_from IS NULL OR p_to IS NULL OR p_to <= p_from THEN
    RETURN 0;
  END IF;
  IF NOT p_use_bh OR p_hours = '{}' THEN
    RETURN (extract(epoch FROM p_to - p_from) / 60)::integer;
  END IF;
  d := (p_from AT TIME ZONE p_tz)::date;
  WHILE d <= (p_to AT TIME ZONE p_tz)::date LOOP
    h := p_hours -> days[extract(isodow FROM d)::int];
    IF h IS NOT NULL THEN
      opens := (d + (h->>'start')::interval) AT TIME ZONE p_tz;
      closes := (d + (h->>'end')::interval) AT TIME ZONE p_tz;
      IF closes > p_from AND opens < p_to THEN
        total := total + (least(closes, p_to) - greatest(opens, p_from));
      END IF;
    END IF;
    d := d + 1;
  END LOOP;
  RETURN (extract(epoch FROM total) / 60)::integer;
END;
$$;

-- ---------------------------------------------------------------------------
-- Canned responses (seed 002 support_canned_responses)
-- ---------------------------------------------------------------------------

CREATE TABLE canned_responses (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,  -- NULL = global (platform)
  title           text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
  -- Inserted by typing /shortcut in the reply box.
  shortcut        text CHECK (shortcut ~ '^/?[a-z0-9][a-z0-9_-]{0,48}$'),
  content         text NOT NULL CHECK (length(content) <= 65536),
  category_id     uuid REFERENCES categories (id) ON DELETE SET NULL,
  tags            text[] NOT NULL DEFAULT '{}',
  is_public       boolean NOT NULL DEFAULT true,   -- false: only its creator (and admins) see it
  created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
  team_id         uuid REFERENCES teams (id) ON DELETE SET NULL,  -- limit to one team
  usage_count     integer NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
  last_used_at    timestamptz,
  is_active       boolean NOT NULL DEFAULT true,
  sort_order      integer NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT canned_responses_org_shortcut_key UNIQUE NULLS NOT DISTINCT (organization_id, shortcut)
);
CREATE INDEX canned_responses_category_idx ON canned_responses (category_id);
CREATE INDEX canned_responses_created_by_idx ON canned_responses (created_by);
CREATE INDEX canned_responses_team_idx ON canned_responses (team_id);
CREATE INDEX canned_responses_tags_idx ON canned_responses USING gin (tags);
CREATE INDEX canned_responses_active_idx ON canned_responses (organization_id, sort_order) WHERE is_active;
CREATE TRIGGER canned_responses_updated_at BEFORE UPDATE ON canned_responses
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
