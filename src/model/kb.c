/* kb.c: SQL of the knowledge base (see kb.h). */
#include "model/kb.h"

#include <stdio.h>
#include <string.h>

#include "core/str.h"

bool kb_slug_valid(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (const char *p = s; *p; p++) {
		bool word = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9');
		if (!word && !(*p == '-' && p[1] != '-'))
			return false;
	}
	return true;
}

static const char *opt_dup(arena *a, const db_result *res, int row, int col)
{
	return db_is_null(res, row, col) ? NULL : db_get_dup(a, res, row, col);
}

static const char *lim(arena *a, int max)
{
	return arena_sprintf(a, "%d", max);
}

/* ---- owners ---- */

static const db_stmt q_publishers = { "kb_publishers", "select id, name, slug from kb_publishers()" };
static const db_stmt q_editor_owners = { "kb_editor_owners",
	"select null::uuid, 'Help center'::text, o.slug::text, 0 as k from organizations o "
	" where o.is_platform and (select app_is_platform_staff()) "
	"union all "
	"select o.id, o.name, o.slug::text, 1 from organizations o where o.id = any ((select app_staff_org_ids())::uuid[]) "
	"  and not o.is_platform "
	"order by 4, 2, 3" };

static int owners(db_tx *tx, const db_stmt *s, kb_owner **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	db_result *res = db_tx_exec(tx, s, 0, NULL);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	kb_owner *v = arena_calloc(tx->a, rows + 1, sizeof *v);
	for (size_t i = 0; i < rows; i++) {
		v[i].id = opt_dup(tx->a, res, (int)i, 0);
		v[i].name = db_get_dup(tx->a, res, (int)i, 1);
		v[i].slug = db_get_dup(tx->a, res, (int)i, 2);
	}
	*out = v;
	*n = rows;
	return 0;
}

int kb_publishers(db_tx *tx, kb_owner **out, size_t *n)
{
	return owners(tx, &q_publishers, out, n);
}

int kb_editor_owners(db_tx *tx, kb_owner **out, size_t *n)
{
	return owners(tx, &q_editor_owners, out, n);
}

/* ---- categories ---- */

/* $owner matches the platform (NULL) or one organization. */
#define OWNER_IS(col, p) "(" col " = " p "::uuid or (" p "::uuid is null and " col " is null))"

#define CAT_COLS(count_where) \
	"c.id, c.organization_id, c.parent_id, c.slug, c.name, coalesce(c.description, ''), " \
	"(select count(*) from (select 1 from kb_articles a where a.category_id = c.id " count_where " limit 1000) u), " \
	"(select count(*) from kb_categories k where k.parent_id = c.id)"

static void category_row(arena *a, const db_result *res, int r, kb_category *c)
{
	c->id = db_get_dup(a, res, r, 0);
	c->owner_id = opt_dup(a, res, r, 1);
	c->parent_id = opt_dup(a, res, r, 2);
	c->slug = db_get_dup(a, res, r, 3);
	c->name = db_get_dup(a, res, r, 4);
	c->description = db_get_dup(a, res, r, 5);
	c->articles = (long)db_get_int(res, r, 6, 0);
	c->children = (long)db_get_int(res, r, 7, 0);
}

static int categories(db_tx *tx, const db_stmt *s, int np, const char *const *p, bool depth, kb_category **out,
    size_t *n)
{
	*out = NULL;
	*n = 0;
	db_result *res = db_tx_exec(tx, s, np, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	kb_category *v = arena_calloc(tx->a, rows + 1, sizeof *v);
	for (size_t i = 0; i < rows; i++) {
		category_row(tx->a, res, (int)i, &v[i]);
		if (depth)
			v[i].depth = (int)db_get_int(res, (int)i, 8, 0);
	}
	*out = v;
	*n = rows;
	return 0;
}

static const db_stmt q_cat_slug = { "kb_category_by_slug",
	"select " CAT_COLS("and a.status = 'published'") " from kb_categories c where c.slug = $1" };

int kb_category_by_slug(db_tx *tx, const char *slug, kb_category *out)
{
	memset(out, 0, sizeof *out);
	const char *p[1] = { slug };
	db_result *res = db_tx_exec(tx, &q_cat_slug, 1, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	category_row(tx->a, res, 0, out);
	return 1;
}

static const db_stmt q_cat_path = { "kb_category_path",
	"with recursive up(id, depth) as (select $1::uuid, 0 union all "
	"  select c.parent_id, up.depth + 1 from kb_categories c join up on c.id = up.id "
	"  where c.parent_id is not null and up.depth < 16) "
	"select " CAT_COLS("and a.status = 'published'") " from up join kb_categories c on c.id = up.id "
	"order by up.depth desc" };

int kb_category_path(db_tx *tx, const char *id, kb_category **out, size_t *n)
{
	const char *p[1] = { id };
	return categories(tx, &q_cat_path, 1, p, false, out, n);
}

static const db_stmt q_cat_children = { "kb_category_children",
	"select " CAT_COLS("and a.status = 'published'") " from kb_categories c "
	"where ((c.parent_id = $1::uuid) or ($1::uuid is null and c.parent_id is null "
	"       and (not $2::boolean or " OWNER_IS("c.organization_id", "$3") "))) "
	"order by c.sort_order, c.name, c.id limit 200" };

int kb_category_children(db_tx *tx, const char *parent_id, bool filter_owner, const char *owner_id,
    kb_category **out, size_t *n)
{
	const char *p[3] = { parent_id, filter_owner ? "true" : "false", owner_id };
	return categories(tx, &q_cat_children, 3, p, false, out, n);
}

static const db_stmt q_cat_tree = { "kb_category_tree",
	"with recursive t(id, path, depth) as ("
	"  select c.id, array[c.name || c.id::text], 0 from kb_categories c "
	"   where c.parent_id is null and " OWNER_IS("c.organization_id", "$1") " "
	"  union all "
	"  select c.id, t.path || (c.name || c.id::text), t.depth + 1 from kb_categories c join t on c.parent_id = t.id "
	"   where t.depth < 16) "
	"select " CAT_COLS("") ", t.depth from t join kb_categories c on c.id = t.id order by t.path limit 500" };

int kb_category_tree(db_tx *tx, const char *owner_id, kb_category **out, size_t *n)
{
	const char *p[1] = { owner_id };
	return categories(tx, &q_cat_tree, 1, p, true, out, n);
}

static const db_stmt q_cat_get = { "kb_category_get",
	"select " CAT_COLS("") " from kb_categories c where c.id = $1::uuid and kb_is_editor(c.organization_id)" };

int kb_category_get(db_tx *tx, const char *id, kb_category *out)
{
	memset(out, 0, sizeof *out);
	if (!id || !str_is_uuid(str_from_cstr(id)))
		return 0;
	const char *p[1] = { id };
	db_result *res = db_tx_exec(tx, &q_cat_get, 1, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	category_row(tx->a, res, 0, out);
	return 1;
}

/* The parent must be the owner's (the trigger says so too, but a failed
 * statement would end the transaction): checked first, so a bad parent is
 * an answer, not a failure. Cycles are refused the same way. */
static const db_stmt q_cat_parent_ok = { "kb_category_parent_ok",
	"with recursive up(id, depth) as (select $2::uuid, 1 union all "
	"  select c.parent_id, up.depth + 1 from kb_categories c join up on c.id = up.id "
	"  where c.parent_id is not null and up.depth < 16) "
	"select exists (select 1 from kb_categories p where p.id = $2::uuid and " OWNER_IS("p.organization_id", "$1") ") "
	"   and not exists (select 1 from up where up.id = $3::uuid) and (select max(depth) from up) < 8" };
static const db_stmt q_cat_create = { "kb_category_create",
	"insert into kb_categories (organization_id, parent_id, slug, name, description) "
	"values ($1::uuid, $2::uuid, $3, $4, nullif($5, '')) on conflict (slug) do nothing returning id" };
static const db_stmt q_cat_update = { "kb_category_update",
	"with taken as (select 1 from kb_categories where slug = $3 and id <> $6::uuid), "
	"u as (update kb_categories set parent_id = $2::uuid, slug = $3, name = $4, description = nullif($5, '') "
	"      where id = $6::uuid and " OWNER_IS("organization_id", "$1") " and not exists (select 1 from taken) returning 1) "
	"select exists (select 1 from u)" };

int kb_category_save(db_tx *tx, const char *owner_id, const char *id, const char *parent_id, const char *slug,
    const char *name, const char *description, const char **new_id, bool *bad_parent)
{
	*bad_parent = false;
	if (new_id)
		*new_id = NULL;
	if (parent_id) {
		const char *pp[3] = { owner_id, parent_id, id };
		db_result *res = db_tx_exec(tx, &q_cat_parent_ok, 3, pp);
		if (!res)
			return -1;
		if (!db_get_bool(res, 0, 0)) {
			*bad_parent = true;
			return 0;
		}
	}
	if (!id) {
		const char *p[5] = { owner_id, parent_id, slug, name, description };
		db_result *res = db_tx_exec(tx, &q_cat_create, 5, p);
		if (!res)
			return -1;
		if (db_rows(res) != 1)
			return 0;
		*new_id = db_get_dup(tx->a, res, 0, 0);
		return 1;
	}
	const char *p[6] = { owner_id, parent_id, slug, name, description, id };
	db_result *res = db_tx_exec(tx, &q_cat_update, 6, p);
	if (!res)
		return -1;
	return db_get_bool(res, 0, 0) ? 1 : 0;
}

static const db_stmt q_cat_delete = { "kb_category_delete", "select kb_category_delete($1::uuid)" };

const char *kb_category_delete(db_tx *tx, const char *id)
{
	if (!id || !str_is_uuid(str_from_cstr(id)))
		return "not_found";
	const char *p[1] = { id };
	db_result *res = db_tx_exec(tx, &q_cat_delete, 1, p);
	if (!res || db_rows(res) != 1)
		return NULL;
	return db_get_dup(tx->a, res, 0, 0);
}

/* ---- articles ---- */

#define ART_COLS(content) \
	"a.id, a.organization_id, coalesce(kb_owner_name(a.organization_id), ''), " \
	"a.category_id, a.slug, a.title, " content ", a.content_html, a.status, a.version_count, a.view_count, " \
	"a.helpful_count, a.unhelpful_count, a.suggest_open_count, a.suggest_submit_count, " \
	"extract(epoch from a.updated_at)::bigint, coalesce(extract(epoch from a.published_at)::bigint, 0), " \
	"(extract(epoch from a.updated_at) * 1000000)::bigint"

static void article_row(arena *ar, const db_result *res, int r, kb_article *a)
{
	a->id = db_get_dup(ar, res, r, 0);
	a->owner_id = opt_dup(ar, res, r, 1);
	a->owner_name = db_get_dup(ar, res, r, 2);
	a->category_id = opt_dup(ar, res, r, 3);
	a->slug = db_get_dup(ar, res, r, 4);
	a->title = db_get_dup(ar, res, r, 5);
	a->content = db_get_dup(ar, res, r, 6);
	a->content_html = db_get_dup(ar, res, r, 7);
	a->status = db_get_dup(ar, res, r, 8);
	a->version_count = (long)db_get_int(res, r, 9, 0);
	a->views = db_get_int(res, r, 10, 0);
	a->helpful = db_get_int(res, r, 11, 0);
	a->unhelpful = db_get_int(res, r, 12, 0);
	a->suggest_opens = db_get_int(res, r, 13, 0);
	a->suggest_submits = db_get_int(res, r, 14, 0);
	a->updated_at = db_get_int(res, r, 15, 0);
	a->published_at = db_get_int(res, r, 16, 0);
	a->updated_us = db_get_int(res, r, 17, 0);
	a->author_name = "";
}

static int articles(db_tx *tx, const db_stmt *s, int np, const char *const *p, kb_article **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	db_result *res = db_tx_exec(tx, s, np, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	kb_article *v = arena_calloc(tx->a, rows + 1, sizeof *v);
	for (size_t i = 0; i < rows; i++)
		article_row(tx->a, res, (int)i, &v[i]);
	*out = v;
	*n = rows;
	return 0;
}

static const db_stmt q_art_slug = { "kb_article_by_slug",
	"select " ART_COLS("''") " from kb_articles a where a.slug = $1" };

int kb_article_by_slug(db_tx *tx, const char *slug, kb_article *out)
{
	memset(out, 0, sizeof *out);
	const char *p[1] = { slug };
	db_result *res = db_tx_exec(tx, &q_art_slug, 1, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	article_row(tx->a, res, 0, out);
	return 1;
}

static const db_stmt q_art_list_recent = { "kb_article_list_recent",
	"select " ART_COLS("''") " from kb_articles a where a.status = 'published' "
	"and ($1::uuid is null or a.category_id = $1::uuid) "
	"and (not $2::boolean or " OWNER_IS("a.organization_id", "$3") ") "
	"order by a.published_at desc, a.id desc limit $4::int" };
static const db_stmt q_art_list_helpful = { "kb_article_list_helpful",
	"select " ART_COLS("''") " from kb_articles a where a.status = 'published' "
	"and ($1::uuid is null or a.category_id = $1::uuid) "
	"and (not $2::boolean or " OWNER_IS("a.organization_id", "$3") ") and a.helpful_count > 0 "
	"order by a.helpful_count desc, a.id limit $4::int" };

int kb_article_list(db_tx *tx, const char *category_id, bool filter_owner, const char *owner_id, kb_order order,
    int max, kb_article **out, size_t *n)
{
	const char *p[4] = { category_id, filter_owner ? "true" : "false", owner_id, lim(tx->a, max) };
	return articles(tx, order == KB_ORDER_HELPFUL ? &q_art_list_helpful : &q_art_list_recent, 4, p, out, n);
}

/* ---- search ---- */

/* The headline's matches are set between chr(1) and chr(2), bytes the
 * stored text cannot hold (the forms refuse control characters; the
 * translate() strips any that came another way), and cut into pieces here:
 * the text stays text all the way to the template. */
static const db_stmt q_search = { "kb_search",
	"with q as (select websearch_to_tsquery('english', $1) as q) "
	"select " ART_COLS("''") ", "
	"  ts_headline('english', translate(a.title || ' — ' || a.content, chr(1) || chr(2), ''), q.q, "
	"              'StartSel=' || chr(1) || ', StopSel=' || chr(2) || ', MaxWords=35, MinWords=15, MaxFragments=2, "
	"FragmentDelimiter=\" … \"') "
	"from kb_articles a, q where a.status = 'published' and a.search @@ q.q "
	"order by ts_rank_cd(a.search, q.q) desc, a.id limit $2::int" };

static void headline_pieces(arena *a, const char *h, kb_hit *hit)
{
	size_t cap = 1;
	for (const char *p = h; *p; p++)
		if (*p == 1 || *p == 2)
			cap++;
	hit->pieces = arena_calloc(a, cap, sizeof *hit->pieces);
	hit->npieces = 0;
	bool match = false;
	const char *start = h;
	for (const char *p = h;; p++) {
		if (*p == 1 || *p == 2 || *p == '\0') {
			if (p > start)
				hit->pieces[hit->npieces++] = (kb_piece){ arena_strndup(a, start, (size_t)(p - start)), match };
			if (*p == '\0')
				break;
			match = *p == 1;
			start = p + 1;
		}
	}
}

int kb_search(db_tx *tx, const char *q, int max, kb_hit **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	const char *p[2] = { q, lim(tx->a, max) };
	db_result *res = db_tx_exec(tx, &q_search, 2, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	kb_hit *v = arena_calloc(tx->a, rows + 1, sizeof *v);
	for (size_t i = 0; i < rows; i++) {
		article_row(tx->a, res, (int)i, &v[i].article);
		headline_pieces(tx->a, db_get_dup(tx->a, res, (int)i, 18), &v[i]);
	}
	*out = v;
	*n = rows;
	return 0;
}

/* Titles weigh most (setweight A): a typed title finds its article. A
 * title is not a query: any of its words may match (OR of its stemmed
 * lexemes, quoted), and more matches rank higher. */
#define SUGGEST_Q \
	"q as (select to_tsquery('simple', (select string_agg(quote_literal(l), ' | ') " \
	"      from unnest(tsvector_to_array(to_tsvector('english', $1))) l)) as q)"

static const db_stmt q_suggest_rows = { "kb_suggest_rows",
	"with " SUGGEST_Q " "
	"select a.title, a.slug from kb_articles a, q where a.status = 'published' and a.search @@ q.q "
	"order by ts_rank_cd(a.search, q.q) desc, a.id limit 5" };

int kb_suggest(db_tx *tx, const char *q, kb_article **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	const char *p[1] = { q };
	db_result *res = db_tx_exec(tx, &q_suggest_rows, 1, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	kb_article *v = arena_calloc(tx->a, rows + 1, sizeof *v);
	for (size_t i = 0; i < rows; i++) {
		v[i].title = db_get_dup(tx->a, res, (int)i, 0);
		v[i].slug = db_get_dup(tx->a, res, (int)i, 1);
	}
	*out = v;
	*n = rows;
	return 0;
}

/* ---- staff ---- */

static const db_stmt q_desk_list = { "kb_desk_list",
	"select " ART_COLS("''") " from kb_articles a "
	"where " OWNER_IS("a.organization_id", "$1") " "
	"and ($2::text is null or a.status = $2) "
	"and ($4::uuid is null or (a.updated_at, a.id) < (timestamptz 'epoch' + $3::bigint * interval '1 microsecond', $4::uuid)) "
	"order by a.updated_at desc, a.id desc limit $5::int" };

int kb_desk_list(db_tx *tx, const char *owner_id, const char *status, long long after_us, const char *after_id,
    int max, kb_article **out, size_t *n)
{
	const char *p[5] = { owner_id, status, arena_sprintf(tx->a, "%lld", after_us), after_id, lim(tx->a, max) };
	return articles(tx, &q_desk_list, 5, p, out, n);
}

static const db_stmt q_desk_article = { "kb_desk_article",
	"select " ART_COLS("a.content") ", coalesce(nullif(btrim(u.name), ''), u.email::text, '') "
	"from kb_articles a left join users u on u.id = a.author_id "
	"where a.id = $1::uuid and kb_is_editor(a.organization_id)" };

int kb_desk_article(db_tx *tx, const char *id, kb_article *out)
{
	memset(out, 0, sizeof *out);
	if (!id || !str_is_uuid(str_from_cstr(id)))
		return 0;
	const char *p[1] = { id };
	db_result *res = db_tx_exec(tx, &q_desk_article, 1, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	article_row(tx->a, res, 0, out);
	out->author_name = db_get_dup(tx->a, res, 0, 18);
	return 1;
}

static const db_stmt q_art_create = { "kb_article_create",
	"insert into kb_articles (organization_id, category_id, slug, title, content, content_html, author_id) "
	"values ($1::uuid, $2::uuid, $3, $4, $5, $6, (select app_user_id())) on conflict (slug) do nothing returning id" };
static const db_stmt q_art_save = { "kb_article_save",
	"select kb_article_save($1::uuid, $2, $3, $4, nullif($5::int, 0))" };
static const db_stmt q_art_meta = { "kb_article_meta",
	"with taken as (select 1 from kb_articles where slug = $3 and id <> $1::uuid), "
	"u as (update kb_articles set category_id = $2::uuid, slug = $3 where id = $1::uuid "
	"      and not exists (select 1 from taken) returning 1) "
	"select exists (select 1 from u)" };

int kb_article_create(db_tx *tx, const char *owner_id, const kb_article_input *in, const char **id)
{
	*id = NULL;
	const char *p[6] = { owner_id, in->category_id, in->slug, in->title, in->content, in->content_html };
	db_result *res = db_tx_exec(tx, &q_art_create, 6, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	*id = db_get_dup(tx->a, res, 0, 0);
	const char *s[5] = { *id, in->title, in->content, in->content_html, "0" };
	res = db_tx_exec(tx, &q_art_save, 5, s);
	if (!res || db_rows(res) != 1 || db_is_null(res, 0, 0))
		return -1;
	return 1;
}

int kb_article_update(db_tx *tx, const char *id, const kb_article_input *in, int restored_from, int *version)
{
	*version = 0;
	const char *m[3] = { id, in->category_id, in->slug };
	db_result *res = db_tx_exec(tx, &q_art_meta, 3, m);
	if (!res)
		return -1;
	if (!db_get_bool(res, 0, 0))
		return 0;
	const char *s[5] = { id, in->title, in->content, in->content_html, arena_sprintf(tx->a, "%d", restored_from) };
	res = db_tx_exec(tx, &q_art_save, 5, s);
	if (!res || db_rows(res) != 1 || db_is_null(res, 0, 0))
		return -1;
	*version = (int)db_get_int(res, 0, 0, 0);
	return 1;
}

static const db_stmt q_art_status = { "kb_article_status",
	"update kb_articles set status = $2 where id = $1::uuid and kb_is_editor(organization_id) returning 1" };

int kb_article_set_status(db_tx *tx, const char *id, const char *status)
{
	const char *p[2] = { id, status };
	db_result *res = db_tx_exec(tx, &q_art_status, 2, p);
	if (!res)
		return -1;
	return db_rows(res) == 1 ? 1 : 0;
}

#define VERSION_COLS(content) \
	"v.version_no, v.title, " content ", coalesce(nullif(btrim(u.name), ''), u.email::text, ''), " \
	"extract(epoch from v.created_at)::bigint, coalesce(v.restored_from, 0)"

static void version_row(arena *a, const db_result *res, int r, kb_version *v)
{
	v->no = (int)db_get_int(res, r, 0, 0);
	v->title = db_get_dup(a, res, r, 1);
	v->content = db_get_dup(a, res, r, 2);
	v->author_name = db_get_dup(a, res, r, 3);
	v->created_at = db_get_int(res, r, 4, 0);
	v->restored_from = (int)db_get_int(res, r, 5, 0);
}

static const db_stmt q_versions = { "kb_versions",
	"select " VERSION_COLS("''") " from kb_article_versions v left join users u on u.id = v.changed_by "
	"where v.article_id = $1::uuid order by v.version_no desc limit $2::int" };
static const db_stmt q_version = { "kb_version",
	"select " VERSION_COLS("v.content") " from kb_article_versions v left join users u on u.id = v.changed_by "
	"where v.article_id = $1::uuid and v.version_no = $2::int" };

int kb_versions(db_tx *tx, const char *article_id, int max, kb_version **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	const char *p[2] = { article_id, lim(tx->a, max) };
	db_result *res = db_tx_exec(tx, &q_versions, 2, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	kb_version *v = arena_calloc(tx->a, rows + 1, sizeof *v);
	for (size_t i = 0; i < rows; i++)
		version_row(tx->a, res, (int)i, &v[i]);
	*out = v;
	*n = rows;
	return 0;
}

int kb_version_get(db_tx *tx, const char *article_id, int no, kb_version *out)
{
	memset(out, 0, sizeof *out);
	const char *p[2] = { article_id, arena_sprintf(tx->a, "%d", no) };
	db_result *res = db_tx_exec(tx, &q_version, 2, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	version_row(tx->a, res, 0, out);
	return 1;
}

/* ---- feedback and counters ---- */

static const db_stmt q_comments = { "kb_feedback_comments",
	"select helpful, comment, extract(epoch from created_at)::bigint from kb_article_feedback "
	"where article_id = $1::uuid and comment is not null order by created_at desc, id desc limit $2::int" };

int kb_feedback_comments(db_tx *tx, const char *article_id, int max, kb_feedback **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	const char *p[2] = { article_id, lim(tx->a, max) };
	db_result *res = db_tx_exec(tx, &q_comments, 2, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	kb_feedback *v = arena_calloc(tx->a, rows + 1, sizeof *v);
	for (size_t i = 0; i < rows; i++) {
		v[i].helpful = db_get_bool(res, (int)i, 0);
		v[i].comment = db_get_dup(tx->a, res, (int)i, 1);
		v[i].created_at = db_get_int(res, (int)i, 2, 0);
	}
	*out = v;
	*n = rows;
	return 0;
}

static const db_stmt q_feedback = { "kb_feedback_record",
	"select kb_feedback_record($1::uuid, $2::boolean, nullif($3, ''), decode(nullif($4, ''), 'hex'))" };

const char *kb_feedback_record(db_tx *tx, const char *article_id, bool helpful, const char *comment,
    const unsigned char anon_hash[32])
{
	char hex[65] = "";
	if (anon_hash)
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", anon_hash[i]);
	const char *p[4] = { article_id, helpful ? "true" : "false", comment ? comment : "", hex };
	db_result *res = db_tx_exec(tx, &q_feedback, 4, p);
	if (!res || db_rows(res) != 1)
		return NULL;
	return db_get_dup(tx->a, res, 0, 0);
}

static const db_stmt q_view = { "kb_view_count", "select kb_views_add(array[$1::uuid], array[1::bigint])" };

int kb_view_count(db_tx *tx, const char *article_id)
{
	const char *p[1] = { article_id };
	return db_tx_exec(tx, &q_view, 1, p) ? 0 : -1;
}

static const db_stmt q_views_add = { "kb_views_add", "select kb_views_add($1::uuid[], $2::bigint[])" };

int kb_views_add(db_tx *tx, char *const *ids, const long long *counts, size_t n, long long *updated)
{
	*updated = 0;
	if (n == 0)
		return 0;
	/* Array literals of uuids and integers: nothing in them needs quoting. */
	size_t cap = n * 40 + 3, capc = n * 21 + 3;
	char *a = arena_alloc(tx->a, cap), *c = arena_alloc(tx->a, capc);
	size_t ia = 0, ic = 0;
	a[ia++] = '{';
	c[ic++] = '{';
	for (size_t i = 0; i < n; i++) {
		if (!str_is_uuid(str_from_cstr(ids[i])))
			continue;
		ia += (size_t)snprintf(a + ia, cap - ia, "%s%s", ia > 1 ? "," : "", ids[i]);
		ic += (size_t)snprintf(c + ic, capc - ic, "%s%lld", ic > 1 ? "," : "", counts[i]);
	}
	snprintf(a + ia, cap - ia, "}");
	snprintf(c + ic, capc - ic, "}");
	const char *p[2] = { a, c };
	db_result *res = db_tx_exec(tx, &q_views_add, 2, p);
	if (!res)
		return -1;
	*updated = db_get_int(res, 0, 0, 0);
	return 0;
}

static const db_stmt q_deflection = { "kb_deflection_count", "select kb_deflection_count($1::uuid, $2)" };

int kb_deflection_count(db_tx *tx, const char *article_id, const char *event)
{
	const char *p[2] = { article_id, event };
	return db_tx_exec(tx, &q_deflection, 2, p) ? 0 : -1;
}
