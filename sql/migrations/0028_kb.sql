-- 0028_kb.sql: the knowledge base (seed 001 kb_categories, kb_articles,
-- kb_article_versions, kb_article_feedback) with an owning organization.
--
-- organization_id NULL means the platform's own help center: its staff are
-- the platform staff (users.platform_role). Published articles and every
-- category are public, anonymous readers included; drafts and archived
-- articles, their versions and the feedback are seen by the owning
-- organization's staff only. The counters (views, votes, deflection) are
-- written only through the definer functions at the end, so a reader can
-- count without being able to edit.

-- Who edits rows owned by org: its staff, or platform staff for the
-- platform's (NULL) rows. Called as `(SELECT kb_staff_org_ids())` in the
-- policies below so it is evaluated once per statement.
CREATE FUNCTION kb_is_editor(p_org uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT CASE WHEN p_org IS NULL THEN app_is_platform_staff()
              ELSE p_org = ANY (app_staff_org_ids()) END
$$;
REVOKE EXECUTE ON FUNCTION kb_is_editor(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kb_is_editor(uuid) TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- Categories: nest by parent_id, within one owner. The slug is global
-- because /kb/{category} names a category without its organization.
-- ---------------------------------------------------------------------------
CREATE TABLE kb_categories (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid REFERENCES organizations ON DELETE CASCADE,
  parent_id       uuid REFERENCES kb_categories ON DELETE RESTRICT,
  slug            text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'),
  name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 120),
  description     text CHECK (length(description) <= 1000),
  sort_order      integer NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX kb_categories_parent_idx ON kb_categories (parent_id);
CREATE INDEX kb_categories_org_idx ON kb_categories (organization_id);
CREATE TRIGGER kb_categories_updated_at BEFORE UPDATE ON kb_categories
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- A parent belongs to the same owner, and no category is its own ancestor.
-- Definer rights: the walk must see the whole chain whatever the caller
-- may read (every category is public anyway).
CREATE FUNCTION kb_categories_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_org uuid;
  v_cycle boolean;
BEGIN
  IF NEW.parent_id IS NULL THEN
    RETURN NEW;
  END IF;
  SELECT organization_id INTO v_org FROM kb_categories WHERE id = NEW.parent_id;
  IF NOT FOUND OR v_org IS DISTINCT FROM NEW.organization_id THEN
    RAISE EXCEPTION 'kb category parent belongs to another owner' USING ERRCODE = '23514';
  END IF;
  WITH RECURSIVE up(id, parent_id, depth) AS (
    SELECT id, parent_id, 1 FROM kb_categories WHERE id = NEW.parent_id
    UNION ALL
    SELECT c.id, c.parent_id, up.depth + 1 FROM kb_categories c JOIN up ON c.id = up.parent_id
    WHERE up.depth < 64
  )
  SELECT bool_or(id = NEW.id) OR max(depth) >= 8 INTO v_cycle FROM up;
  IF v_cycle THEN
    RAISE EXCEPTION 'kb categories nest at most 8 deep and never in a cycle' USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END;
$$;
REVOKE EXECUTE ON FUNCTION kb_categories_guard() FROM PUBLIC;
CREATE TRIGGER kb_categories_guard BEFORE INSERT OR UPDATE OF parent_id, organization_id ON kb_categories
  FOR EACH ROW EXECUTE FUNCTION kb_categories_guard();

-- ---------------------------------------------------------------------------
-- Articles. content is the current Markdown and content_html its rendering
-- by the workers' sanitising renderer (src/core/markdown.c), stored so a
-- view never renders. The counters are the definer functions' only.
-- ---------------------------------------------------------------------------
CREATE TABLE kb_articles (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id      uuid REFERENCES organizations ON DELETE CASCADE,
  category_id          uuid REFERENCES kb_categories ON DELETE RESTRICT,
  slug                 text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,78}[a-z0-9])?$'),
  title                text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
  content              text NOT NULL CHECK (length(content) <= 100000),
  content_html         text NOT NULL DEFAULT '' CHECK (length(content_html) <= 1000000),
  author_id            uuid NOT NULL REFERENCES users,
  status               text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
  metadata             jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
  version_count        integer NOT NULL DEFAULT 0,
  view_count           bigint NOT NULL DEFAULT 0,
  helpful_count        integer NOT NULL DEFAULT 0,
  unhelpful_count      integer NOT NULL DEFAULT 0,
  -- Deflection: opened from the /submit suggestions, and of those, how
  -- many went on to submit anyway (from the same browser).
  suggest_open_count   integer NOT NULL DEFAULT 0,
  suggest_submit_count integer NOT NULL DEFAULT 0,
  search               tsvector GENERATED ALWAYS AS (
                         setweight(to_tsvector('english', title), 'A')
                         || setweight(to_tsvector('english', content), 'B')) STORED,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  published_at         timestamptz,
  CHECK (status <> 'published' OR published_at IS NOT NULL)
);
CREATE INDEX kb_articles_search_idx ON kb_articles USING gin (search);
CREATE INDEX kb_articles_category_idx ON kb_articles (category_id, published_at DESC);
CREATE INDEX kb_articles_author_idx ON kb_articles (author_id);
CREATE INDEX kb_articles_org_updated_idx ON kb_articles (organization_id, updated_at DESC, id DESC);
CREATE INDEX kb_articles_helpful_idx ON kb_articles (helpful_count DESC, id) WHERE status = 'published';
CREATE INDEX kb_articles_published_idx ON kb_articles (published_at DESC, id DESC) WHERE status = 'published';
-- Only edits move updated_at (it is the staff list's order and part of the
-- public ETag); the readers' counters do not.
CREATE TRIGGER kb_articles_updated_at
  BEFORE UPDATE OF category_id, slug, title, content, content_html, status, metadata ON kb_articles
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The category is the article's owner's; published_at is set on the first
-- publication (and kept through archive and re-publication).
CREATE FUNCTION kb_articles_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_org uuid;
BEGIN
  IF NEW.category_id IS NOT NULL THEN
    SELECT organization_id INTO v_org FROM kb_categories WHERE id = NEW.category_id;
    IF NOT FOUND OR v_org IS DISTINCT FROM NEW.organization_id THEN
      RAISE EXCEPTION 'kb article category belongs to another owner' USING ERRCODE = '23514';
    END IF;
  END IF;
  IF NEW.status = 'published' AND NEW.published_at IS NULL THEN
    NEW.published_at := now();
  END IF;
  RETURN NEW;
END;
$$;
REVOKE EXECUTE ON FUNCTION kb_articles_guard() FROM PUBLIC;
CREATE TRIGGER kb_articles_guard BEFORE INSERT OR UPDATE ON kb_articles
  FOR EACH ROW EXECUTE FUNCTION kb_articles_guard();

-- ---------------------------------------------------------------------------
-- Versions: every save is a row with its author; never changed afterwards.
-- organization_id and status follow the article (copied by the trigger)
-- so the policy needs no join.
-- ---------------------------------------------------------------------------
CREATE TABLE kb_article_versions (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  article_id      uuid NOT NULL REFERENCES kb_articles ON DELETE CASCADE,
  organization_id uuid REFERENCES organizations ON DELETE CASCADE,
  version_no      integer NOT NULL CHECK (version_no > 0),
  title           text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
  content         text NOT NULL CHECK (length(content) <= 100000),
  content_html    text NOT NULL CHECK (length(content_html) <= 1000000),
  changed_by      uuid NOT NULL REFERENCES users,
  restored_from   integer,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (article_id, version_no)
);
CREATE INDEX kb_article_versions_org_idx ON kb_article_versions (organization_id);
CREATE INDEX kb_article_versions_changed_by_idx ON kb_article_versions (changed_by);

CREATE FUNCTION kb_article_versions_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    RAISE EXCEPTION 'kb article versions are append-only' USING ERRCODE = '42501';
  END IF;
  SELECT organization_id INTO NEW.organization_id FROM kb_articles WHERE id = NEW.article_id;
  RETURN NEW;
END;
$$;
REVOKE EXECUTE ON FUNCTION kb_article_versions_guard() FROM PUBLIC;
CREATE TRIGGER kb_article_versions_guard BEFORE INSERT OR UPDATE ON kb_article_versions
  FOR EACH ROW EXECUTE FUNCTION kb_article_versions_guard();

-- ---------------------------------------------------------------------------
-- Feedback: one per signed-in user or per anonymous browser (the hash of a
-- signed cookie token), never both on one row.
-- ---------------------------------------------------------------------------
CREATE TABLE kb_article_feedback (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  article_id      uuid NOT NULL REFERENCES kb_articles ON DELETE CASCADE,
  organization_id uuid REFERENCES organizations ON DELETE CASCADE,
  user_id         uuid REFERENCES users ON DELETE CASCADE,
  anon_token_hash bytea CHECK (length(anon_token_hash) = 32),
  helpful         boolean NOT NULL,
  comment         text CHECK (length(comment) <= 2000),
  created_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (num_nonnulls(user_id, anon_token_hash) = 1)
);
CREATE UNIQUE INDEX kb_article_feedback_user_uq ON kb_article_feedback (article_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX kb_article_feedback_anon_uq ON kb_article_feedback (article_id, anon_token_hash)
  WHERE anon_token_hash IS NOT NULL;
CREATE INDEX kb_article_feedback_org_idx ON kb_article_feedback (organization_id);
CREATE INDEX kb_article_feedback_user_idx ON kb_article_feedback (user_id);
CREATE INDEX kb_article_feedback_article_idx ON kb_article_feedback (article_id, created_at DESC, id DESC);

-- ---------------------------------------------------------------------------
-- Row-level security.
-- ---------------------------------------------------------------------------
ALTER TABLE kb_categories ENABLE ROW LEVEL SECURITY;
ALTER TABLE kb_articles ENABLE ROW LEVEL SECURITY;
ALTER TABLE kb_article_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE kb_article_feedback ENABLE ROW LEVEL SECURITY;

CREATE POLICY kb_categories_select ON kb_categories FOR SELECT TO supportdesk_app USING (true);
CREATE POLICY kb_categories_staff_write ON kb_categories FOR ALL TO supportdesk_app
  USING ((organization_id IS NULL AND (SELECT app_is_platform_staff()))
         OR organization_id = ANY ((SELECT app_staff_org_ids())::uuid[]))
  WITH CHECK ((organization_id IS NULL AND (SELECT app_is_platform_staff()))
              OR organization_id = ANY ((SELECT app_staff_org_ids())::uuid[]));

CREATE POLICY kb_articles_select_published ON kb_articles FOR SELECT TO supportdesk_app
  USING (status = 'published');
CREATE POLICY kb_articles_select_staff ON kb_articles FOR SELECT TO supportdesk_app
  USING ((organization_id IS NULL AND (SELECT app_is_platform_staff()))
         OR organization_id = ANY ((SELECT app_staff_org_ids())::uuid[]));
CREATE POLICY kb_articles_staff_insert ON kb_articles FOR INSERT TO supportdesk_app
  WITH CHECK (author_id = (SELECT app_user_id())
              AND ((organization_id IS NULL AND (SELECT app_is_platform_staff()))
                   OR organization_id = ANY ((SELECT app_staff_org_ids())::uuid[])));
CREATE POLICY kb_articles_staff_update ON kb_articles FOR UPDATE TO supportdesk_app
  USING ((organization_id IS NULL AND (SELECT app_is_platform_staff()))
         OR organization_id = ANY ((SELECT app_staff_org_ids())::uuid[]))
  WITH CHECK ((organization_id IS NULL AND (SELECT app_is_platform_staff()))
              OR organization_id = ANY ((SELECT app_staff_org_ids())::uuid[]));
CREATE POLICY kb_articles_staff_delete ON kb_articles FOR DELETE TO supportdesk_app
  USING ((organization_id IS NULL AND (SELECT app_is_platform_staff()))
         OR organization_id = ANY ((SELECT app_staff_org_ids())::uuid[]));

-- Versions are the editors' working history: staff only, even of a
-- published article (the public reads the article row).
CREATE POLICY kb_article_versions_select ON kb_article_versions FOR SELECT TO supportdesk_app
  USING ((organization_id IS NULL AND (SELECT app_is_platform_staff()))
         OR organization_id = ANY ((SELECT app_staff_org_ids())::uuid[]));
CREATE POLICY kb_article_versions_insert ON kb_article_versions FOR INSERT TO supportdesk_app
  WITH CHECK (changed_by = (SELECT app_user_id())
              AND EXISTS (SELECT 1 FROM kb_articles a WHERE a.id = article_id
                          AND kb_is_editor(a.organization_id)));

CREATE POLICY kb_article_feedback_select ON kb_article_feedback FOR SELECT TO supportdesk_app
  USING ((organization_id IS NULL AND (SELECT app_is_platform_staff()))
         OR organization_id = ANY ((SELECT app_staff_org_ids())::uuid[]));

GRANT SELECT ON kb_categories, kb_articles, kb_article_versions, kb_article_feedback TO supportdesk_app;
GRANT INSERT (organization_id, parent_id, slug, name, description, sort_order),
      UPDATE (parent_id, slug, name, description, sort_order), DELETE ON kb_categories TO supportdesk_app;
GRANT INSERT (organization_id, category_id, slug, title, content, content_html, author_id, status, metadata),
      UPDATE (category_id, slug, title, content, content_html, status, metadata, version_count),
      DELETE ON kb_articles TO supportdesk_app;
GRANT INSERT (article_id, version_no, title, content, content_html, changed_by, restored_from)
  ON kb_article_versions TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- A save: the next version row (with its author) and the article's current
-- text in one step. Invoker rights: row-level security decides who saves.
-- The article row is locked, so two editors saving at once get versions n
-- and n+1, never the same number. Returns the new version number, or NULL
-- when the article is not the caller's to edit.
-- ---------------------------------------------------------------------------
CREATE FUNCTION kb_article_save(p_article uuid, p_title text, p_content text, p_html text,
                                p_restored_from integer)
RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  v_no integer;
BEGIN
  SELECT version_count + 1 INTO v_no FROM kb_articles
  WHERE id = p_article AND kb_is_editor(organization_id) FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  INSERT INTO kb_article_versions (article_id, version_no, title, content, content_html, changed_by, restored_from)
  VALUES (p_article, v_no, p_title, p_content, p_html, app_user_id(), p_restored_from);
  UPDATE kb_articles SET title = p_title, content = p_content, content_html = p_html, version_count = v_no
  WHERE id = p_article;
  RETURN v_no;
END;
$$;
REVOKE EXECUTE ON FUNCTION kb_article_save(uuid, text, text, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kb_article_save(uuid, text, text, text, integer) TO supportdesk_app;

-- A category is deleted when nothing uses it (no article, no child);
-- otherwise the answer says why. outcome: deleted | has_articles |
-- has_children | not_found (also: not the caller's).
CREATE FUNCTION kb_category_delete(p_category uuid) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_org uuid;
BEGIN
  SELECT organization_id INTO v_org FROM kb_categories WHERE id = p_category FOR UPDATE;
  IF NOT FOUND OR NOT kb_is_editor(v_org) THEN
    RETURN 'not_found';
  END IF;
  IF EXISTS (SELECT 1 FROM kb_articles WHERE category_id = p_category) THEN
    RETURN 'has_articles';
  END IF;
  IF EXISTS (SELECT 1 FROM kb_categories WHERE parent_id = p_category) THEN
    RETURN 'has_children';
  END IF;
  DELETE FROM kb_categories WHERE id = p_category;
  RETURN 'deleted';
END;
$$;
REVOKE EXECUTE ON FUNCTION kb_category_delete(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kb_category_delete(uuid) TO supportdesk_app;

-- ---------------------------------------------------------------------------
-- Readers' counters. Definer rights: a reader counts on a published
-- article without any write privilege on it.
-- ---------------------------------------------------------------------------

-- One vote per user (the acting one) or per anonymous browser (p_anon, the
-- hash of its token; ignored when signed in). outcome: recorded |
-- duplicate | not_found (no such published article) | invalid.
CREATE FUNCTION kb_feedback_record(p_article uuid, p_helpful boolean, p_comment text, p_anon bytea)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_user uuid := app_user_id();
  v_org uuid;
  v_id uuid;
BEGIN
  IF p_helpful IS NULL OR (v_user IS NULL AND (p_anon IS NULL OR length(p_anon) <> 32))
     OR length(p_comment) > 2000 THEN
    RETURN 'invalid';
  END IF;
  SELECT organization_id INTO v_org FROM kb_articles WHERE id = p_article AND status = 'published';
  IF NOT FOUND THEN
    RETURN 'not_found';
  END IF;
  IF v_user IS NOT NULL THEN
    INSERT INTO kb_article_feedback (article_id, organization_id, user_id, helpful, comment)
    VALUES (p_article, v_org, v_user, p_helpful, nullif(btrim(p_comment), ''))
    ON CONFLICT (article_id, user_id) WHERE user_id IS NOT NULL DO NOTHING
    RETURNING id INTO v_id;
  ELSE
    INSERT INTO kb_article_feedback (article_id, organization_id, anon_token_hash, helpful, comment)
    VALUES (p_article, v_org, p_anon, p_helpful, nullif(btrim(p_comment), ''))
    ON CONFLICT (article_id, anon_token_hash) WHERE anon_token_hash IS NOT NULL DO NOTHING
    RETURNING id INTO v_id;
  END IF;
  IF v_id IS NULL THEN
    RETURN 'duplicate';
  END IF;
  UPDATE kb_articles SET helpful_count = helpful_count + (CASE WHEN p_helpful THEN 1 ELSE 0 END),
                         unhelpful_count = unhelpful_count + (CASE WHEN p_helpful THEN 0 ELSE 1 END)
  WHERE id = p_article;
  RETURN 'recorded';
END;
$$;
REVOKE EXECUTE ON FUNCTION kb_feedback_record(uuid, boolean, text, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kb_feedback_record(uuid, boolean, text, bytea) TO supportdesk_app;

-- Views counted elsewhere (Redis) and added here in one batch by the
-- scheduler; unpublished or missing articles are skipped.
CREATE FUNCTION kb_views_add(p_articles uuid[], p_counts bigint[]) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_n integer;
BEGIN
  UPDATE kb_articles a SET view_count = a.view_count + v.n
  FROM (SELECT id, sum(n) AS n FROM unnest(p_articles, p_counts) AS u(id, n)
        WHERE n > 0 GROUP BY id) v
  WHERE a.id = v.id AND a.status = 'published';
  GET DIAGNOSTICS v_n = ROW_COUNT;
  RETURN v_n;
END;
$$;
REVOKE EXECUTE ON FUNCTION kb_views_add(uuid[], bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kb_views_add(uuid[], bigint[]) TO supportdesk_app;

-- Deflection: p_event 'open' (a suggestion on /submit was opened) or
-- 'submit' (that browser then submitted anyway). Returns whether counted.
CREATE FUNCTION kb_deflection_count(p_article uuid, p_event text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF p_event = 'open' THEN
    UPDATE kb_articles SET suggest_open_count = suggest_open_count + 1
    WHERE id = p_article AND status = 'published';
  ELSIF p_event = 'submit' THEN
    UPDATE kb_articles SET suggest_submit_count = least(suggest_submit_count + 1, suggest_open_count)
    WHERE id = p_article AND status = 'published';
  ELSE
    RETURN false;
  END IF;
  RETURN FOUND;
END;
$$;
REVOKE EXECUTE ON FUNCTION kb_deflection_count(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kb_deflection_count(uuid, text) TO supportdesk_app;

-- The owners whose published articles the help center lists, with their
-- names (anonymous readers may not read organizations): active
-- organizations with at least one published article. The platform is the
-- row with a NULL id.
CREATE FUNCTION kb_publishers() RETURNS TABLE (id uuid, name text, slug text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT o.id, o.name, o.slug::text FROM organizations o
  WHERE o.is_active AND NOT o.is_platform
    AND EXISTS (SELECT 1 FROM kb_articles a WHERE a.organization_id = o.id AND a.status = 'published')
  ORDER BY o.name, o.id
$$;
REVOKE EXECUTE ON FUNCTION kb_publishers() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kb_publishers() TO supportdesk_app;

-- The name an article shows for its owner: an active organization that
-- publishes; NULL for the platform, an inactive or a non-publishing one.
CREATE FUNCTION kb_owner_name(p_org uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT o.name FROM organizations o
  WHERE o.id = p_org AND o.is_active AND NOT o.is_platform
    AND EXISTS (SELECT 1 FROM kb_articles a WHERE a.organization_id = o.id AND a.status = 'published')
$$;
REVOKE EXECUTE ON FUNCTION kb_owner_name(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kb_owner_name(uuid) TO supportdesk_app;
