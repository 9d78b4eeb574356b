/* kb.h: the knowledge base (0028): categories, articles and their
 * versions, feedback, search and the counters. Row-level security is the
 * guard: the public functions see published articles only (or, for staff,
 * their own drafts too, which the pages then refuse to show publicly), and
 * the staff functions find nothing of another owner.
 *
 * An owner is an organization id, or NULL for the platform's own help
 * center (edited by platform staff). */
#ifndef SD_MODEL_KB_H
#define SD_MODEL_KB_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"

#define KB_TITLE_MAX_CHARS 200
#define KB_SLUG_MAX_CHARS 80
#define KB_CONTENT_MAX_CHARS 50000
#define KB_CATEGORY_NAME_MAX_CHARS 120
#define KB_CATEGORY_DESCRIPTION_MAX_CHARS 1000
#define KB_COMMENT_MAX_CHARS 2000
#define KB_QUERY_MAX_CHARS 200
#define KB_SUGGESTIONS 5

/* Whether s fits the slug rule of both tables: lowercase letters and
 * digits in words joined by single hyphens, at most max bytes. */
bool kb_slug_valid(const char *s, size_t max);

typedef struct {
	const char *id;          /* NULL: the platform */
	const char *name;
	const char *slug;
} kb_owner;

/* Owners whose published articles the help center lists (not the
 * platform, which is the help center's own). 0 or -1. */
int kb_publishers(db_tx *tx, kb_owner **out, size_t *n);
/* The owners the acting user edits: the platform first for platform
 * staff, then their organizations by name. 0 or -1. */
int kb_editor_owners(db_tx *tx, kb_owner **out, size_t *n);

typedef struct {
	const char *id;
	const char *owner_id;    /* NULL: the platform */
	const char *parent_id;   /* NULL at the top */
	const char *slug;
	const char *name;
	const char *description; /* "" when none */
	long articles;           /* published ones (public lists) or all (staff), capped at 1000 */
	long children;
	int depth;               /* 0 at the top (staff list only) */
} kb_category;

/* 1 found (any owner), 0 not, -1. */
int kb_category_by_slug(db_tx *tx, const char *slug, kb_category *out);
/* The chain from the top down to id (id last). 0 or -1. */
int kb_category_path(db_tx *tx, const char *id, kb_category **out, size_t *n);
/* The subcategories of parent_id (NULL: top level of every owner, or of
 * owner_id when filter_owner), with their published article counts. */
int kb_category_children(db_tx *tx, const char *parent_id, bool filter_owner, const char *owner_id,
    kb_category **out, size_t *n);

/* Staff: the owner's categories as a tree in depth-first order, with all
 * their articles counted. */
int kb_category_tree(db_tx *tx, const char *owner_id, kb_category **out, size_t *n);
/* Staff: 1 found (one the acting user edits), 0 not, -1. */
int kb_category_get(db_tx *tx, const char *id, kb_category *out);
/* 1 saved (*id set on create), 0 the slug is taken, -1 (also a nesting the
 * table refuses: a cycle, another owner's parent, too deep: *bad_parent). */
int kb_category_save(db_tx *tx, const char *owner_id, const char *id, const char *parent_id, const char *slug,
    const char *name, const char *description, const char **new_id, bool *bad_parent);
/* "deleted", "has_articles", "has_children" or "not_found"; NULL on failure. */
const char *kb_category_delete(db_tx *tx, const char *id);

typedef struct {
	const char *id;
	const char *owner_id;      /* NULL: the platform */
	const char *owner_name;    /* the publisher's name, "" for the platform */
	const char *category_id;   /* NULL when none */
	const char *slug;
	const char *title;
	const char *content;       /* Markdown (staff pages only; "" in lists) */
	const char *content_html;  /* the sanitised rendering stored with the version */
	const char *status;        /* draft, published, archived */
	long version_count;
	long long views, helpful, unhelpful, suggest_opens, suggest_submits;
	long long updated_at, published_at; /* unix seconds; 0 when never published */
	long long updated_us;      /* microseconds: the keyset of the staff list, the ETag */
	const char *author_name;   /* staff pages only */
} kb_article;

/* The article by slug as the acting user may see it. 1, 0, -1. */
int kb_article_by_slug(db_tx *tx, const char *slug, kb_article *out);

typedef enum { KB_ORDER_RECENT, KB_ORDER_HELPFUL } kb_order;
/* Published articles: of a category (category_id), or of an owner
 * (filter_owner, owner_id NULL for the platform), or all; most recent or
 * most helpful first; at most max. Content is not loaded. */
int kb_article_list(db_tx *tx, const char *category_id, bool filter_owner, const char *owner_id, kb_order order,
    int max, kb_article **out, size_t *n);

/* A search result: the article and its headline in pieces, every other
 * piece a match (the page marks those; the text stays text). */
typedef struct {
	const char *text;
	bool match;
} kb_piece;
typedef struct {
	kb_article article;
	kb_piece *pieces;
	size_t npieces;
} kb_hit;
/* Published articles matching q (web search syntax), best first, at most
 * max. 0 or -1. */
int kb_search(db_tx *tx, const char *q, int max, kb_hit **out, size_t *n);
/* Up to KB_SUGGESTIONS published matches (title and slug set). 0 or -1. */
int kb_suggest(db_tx *tx, const char *q, kb_article **out, size_t *n);

/* Staff list: the owner's articles, last changed first, status one of
 * draft/published/archived or NULL for all, after the keyset (updated_us,
 * id) of the previous page's last row when after_id is set. owner_id is
 * one of kb_editor_owners' (anyone else would see only what is public). */
int kb_desk_list(db_tx *tx, const char *owner_id, const char *status, long long after_us, const char *after_id,
    int max, kb_article **out, size_t *n);
/* Staff: 1 found (one the acting user edits, with its content), 0, -1. */
int kb_desk_article(db_tx *tx, const char *id, kb_article *out);

typedef struct {
	const char *category_id;   /* NULL: none */
	const char *slug, *title, *content, *content_html;
} kb_article_input;
/* A new draft and its version 1. 1 created (*id), 0 the slug is taken, -1. */
int kb_article_create(db_tx *tx, const char *owner_id, const kb_article_input *in, const char **id);
/* A save: the category and slug, then a new version with the title and
 * text (restored_from > 0 names the version it restores). 1 saved, 0 the
 * slug is taken, -1. *version the new number. */
int kb_article_update(db_tx *tx, const char *id, const kb_article_input *in, int restored_from, int *version);
/* draft | published | archived. 1 changed, 0 not found, -1. */
int kb_article_set_status(db_tx *tx, const char *id, const char *status);

typedef struct {
	int no;
	const char *title;
	const char *content;       /* "" in the list */
	const char *author_name;
	long long created_at;
	int restored_from;         /* 0 when none */
} kb_version;
/* The article's versions, newest first, at most max. */
int kb_versions(db_tx *tx, const char *article_id, int max, kb_version **out, size_t *n);
/* One version with its content. 1, 0, -1. */
int kb_version_get(db_tx *tx, const char *article_id, int no, kb_version *out);

typedef struct {
	bool helpful;
	const char *comment;
	long long created_at;
} kb_feedback;
/* The article's feedback with a comment, newest first, at most max. */
int kb_feedback_comments(db_tx *tx, const char *article_id, int max, kb_feedback **out, size_t *n);

/* One vote: the acting user's, or the anonymous browser's (anon_hash, 32
 * bytes) when signed out. "recorded", "duplicate", "not_found", "invalid";
 * NULL on failure. */
const char *kb_feedback_record(db_tx *tx, const char *article_id, bool helpful, const char *comment,
    const unsigned char anon_hash[32]);

/* Counts a view of a published article in the database at once (the
 * pages count in Redis, kv/kb_views.h; this is their fallback). 0 or -1. */
int kb_view_count(db_tx *tx, const char *article_id);
/* Adds counts[i] views to ids[i] (uuids), n of them, published articles
 * only (the scheduler's flush). *updated the articles changed. 0 or -1. */
int kb_views_add(db_tx *tx, char *const *ids, const long long *counts, size_t n, long long *updated);
/* Deflection: "open" (a suggestion from /submit was opened) or "submit"
 * (that browser went on to submit). 0 or -1. */
int kb_deflection_count(db_tx *tx, const char *article_id, const char *event);

#endif
