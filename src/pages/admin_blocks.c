/* admin_blocks.c: the rate-limit blocks of an organization (GET
 * /desk/admin/blocks) and their lifting (POST /desk/admin/blocks/lift).
 * A block is a counter of src/kv/ratelimit.c at or over its limit: the
 * next attempt of that action by that subject is refused (429) until the
 * window ends. Lifting deletes the counter, so the next attempt counts
 * from one again; the lift is written to config_audit first (0026).
 *
 * Who sees which blocks. Redis keeps only a hash of what is counted (an
 * address, an email, a user id), never which organization an attempt was
 * about, so a block belongs to an organization through a person it knows:
 *   - an org admin sees, and may lift, the blocks counted by email or by
 *     user whose subject is one of the organization's members or one of
 *     the requesters of its latest tickets (rate_block_people, read under
 *     row-level security), each hash computed here and compared;
 *   - blocks counted by IP address or by verification token name nobody an
 *     organization knows: only a platform admin sees and lifts them, and a
 *     platform admin sees every block (those of people the organization
 *     does not know as "not known to this organization").
 * The POST checks the same rule again for the key it is given: a key
 * copied from elsewhere lifts nothing (404). */
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "model/rate_block.h"
#include "pages/admin.h"
#include "pages/pages.h"

/* Work per request: SCAN_ROUNDS SCAN calls of about SCAN_COUNT keys each
 * (a "look further" link goes on where it stopped), BLOCKS_SHOWN blocks,
 * and the people resolved: MEMBERS_READ members and the requesters of the
 * latest TICKETS_READ tickets. */
#define SCAN_ROUNDS 8
#define SCAN_COUNT 500
#define BLOCKS_SHOWN 200
#define MEMBERS_READ 1000
#define TICKETS_READ 2000

enum counted { BY_IP, BY_EMAIL, BY_USER, BY_EMAIL_OR_USER, BY_TOKEN };

static const char *const counted_names[] = { "ip", "email", "user", "email or user", "token" };
static const char *const counted_labels[] = { "IP address", "Email address", "User", "Email address or user",
	"Verification link" };

/* Every action src/pages counts, what it counts, and the limit it is
 * checked against (the same config entries the pages pass). An action
 * missing here is skipped by the scan: a new page_ratelimit() call adds
 * its line. */
static const struct {
	const char *action;
	const char *label;
	enum counted by;
	size_t rate; /* offset of the config_rate in config */
} actions[] = {
	{ "submit_ip", "Submitting a request", BY_IP, offsetof(config, rate_submit_ip) },
	{ "submit_email", "Submitting a request", BY_EMAIL, offsetof(config, rate_submit_email) },
	{ "submit_nojs_ip", "Submitting without scripts", BY_IP, offsetof(config, rate_submit_nojs_ip) },
	{ "submit_nojs_email", "Submitting without scripts", BY_EMAIL_OR_USER, offsetof(config, rate_submit_nojs_email) },
	{ "verify_ip", "Verifying an email address", BY_IP, offsetof(config, rate_verify_ip) },
	{ "verify_token", "Verifying an email address", BY_TOKEN, offsetof(config, rate_verify_token) },
	{ "challenge", "Captcha challenges", BY_IP, offsetof(config, rate_challenge_ip) },
	{ "login_ip", "Signing in", BY_IP, offsetof(config, rate_login_ip) },
	{ "login_email", "Signing in", BY_EMAIL, offsetof(config, rate_login_email) },
	{ "login_link_ip", "Opening sign-in links", BY_IP, offsetof(config, rate_login_link_ip) },
	{ "link_request_ip", "Asking for a sign-in or password link", BY_IP, offsetof(config, rate_login_link_ip) },
	{ "link_request_email", "Asking for a sign-in or password link", BY_EMAIL, offsetof(config, rate_login_link_email) },
	{ "reset_ip", "Choosing a new password from a link", BY_IP, offsetof(config, rate_login_link_ip) },
	{ "reply_user", "Replying to tickets", BY_USER, offsetof(config, rate_reply_user) },
	{ "password_user", "Changing the password", BY_USER, offsetof(config, rate_password_user) },
	{ "track_ip", "Guest access to a ticket", BY_IP, offsetof(config, rate_track_ip) },
	{ "track_email", "Guest access to a ticket", BY_EMAIL, offsetof(config, rate_track_email) },
};
#define NACTIONS (sizeof actions / sizeof *actions)

static const admin_notice notices[] = {
	{ "lifted", "The block is lifted: the next attempt is allowed." },
	{ "gone", "That block had ended already: there was nothing to lift." },
};

static void rules_of(req *r, ratelimit_rule rules[NACTIONS])
{
	for (size_t i = 0; i < NACTIONS; i++) {
		const config_rate *rate = (const config_rate *)((const char *)r->app->cfg + actions[i].rate);
		rules[i] = (ratelimit_rule){ actions[i].action, rate->limit };
	}
}

static int action_index(const char *action)
{
	for (size_t i = 0; i < NACTIONS; i++)
		if (strcmp(actions[i].action, action) == 0)
			return (int)i;
	return -1;
}

/* The organization's people with the hashes their counters carry. */
typedef struct {
	rate_block_person *people;
	size_t n;
	char (*email_hash)[RATELIMIT_HASH_HEX + 1];
	char (*user_hash)[RATELIMIT_HASH_HEX + 1];
} people_index;

static int people_load(req *r, const admin_ctx *ctx, people_index *ix)
{
	memset(ix, 0, sizeof *ix);
	if (rate_block_people(page_tx(r), ctx->org->id, MEMBERS_READ, TICKETS_READ, &ix->people, &ix->n) != 0)
		return page_db_failure(r);
	ix->email_hash = arena_calloc(r->a, ix->n + 1, sizeof *ix->email_hash);
	ix->user_hash = arena_calloc(r->a, ix->n + 1, sizeof *ix->user_hash);
	for (size_t i = 0; i < ix->n; i++) {
		/* The bucket the pages count an address under (login, links, submit, track). */
		const char *bucket = form_email_bucket(r->a, str_from_cstr(ix->people[i].email), r->app->cfg->email_strip_plus);
		ratelimit_subject_hash(str_from_cstr(bucket ? bucket : ix->people[i].email), ix->email_hash[i]);
		ratelimit_subject_hash(str_from_cstr(ix->people[i].user_id), ix->user_hash[i]);
	}
	return 0;
}

/* The person whose counter this is, or NULL. */
static const rate_block_person *person_of(const people_index *ix, enum counted by, const char *hash)
{
	for (size_t i = 0; i < ix->n; i++) {
		if ((by == BY_EMAIL || by == BY_EMAIL_OR_USER) && strcmp(ix->email_hash[i], hash) == 0)
			return &ix->people[i];
		if ((by == BY_USER || by == BY_EMAIL_OR_USER) && strcmp(ix->user_hash[i], hash) == 0)
			return &ix->people[i];
	}
	return NULL;
}

static bool platform_admin(req *r)
{
	const user_access *ua = page_access(r);
	return ua && ua->platform_admin;
}

/* ---- GET /desk/admin/blocks ---- */

int page_admin_blocks(req *r)
{
	admin_ctx ctx;
	int st = admin_begin(r, &ctx);
	if (st)
		return st;
	if (!ctx.org)
		return admin_choose(r, &ctx, ADMIN_BLOCKS);
	str cursor_s = req_query_get(r, "cursor");
	if (cursor_s.len > 20)
		return 400;
	for (size_t i = 0; i < cursor_s.len; i++)
		if (cursor_s.ptr[i] < '0' || cursor_s.ptr[i] > '9')
			return 400;
	const char *cursor = cursor_s.len ? str_dup(r->a, cursor_s) : "0";
	bool everything = platform_admin(r);
	people_index ix;
	if ((st = people_load(r, &ctx, &ix)))
		return st;
	ratelimit_rule rules[NACTIONS];
	rules_of(r, rules);
	ratelimit_block *blocks;
	size_t n;
	char *next;
	if (ratelimit_blocks_scan(r->app->kv, r->a, rules, NACTIONS, cursor, SCAN_ROUNDS, SCAN_COUNT, BLOCKS_SHOWN,
	        &blocks, &n, &next) != KV_OK)
		return 503;
	arena *a = r->a;
	tv *v = admin_view(r, &ctx, ADMIN_BLOCKS);
	admin_set_notice(r, v, notices, sizeof notices / sizeof *notices);
	tv *items = tv_list(a);
	size_t shown = 0;
	long long now = (long long)time(NULL);
	for (size_t i = 0; i < n; i++) {
		const ratelimit_block *b = &blocks[i];
		enum counted by = actions[b->rule].by;
		const rate_block_person *p = by == BY_IP || by == BY_TOKEN ? NULL : person_of(&ix, by, b->key.hash);
		if (!p && !everything)
			continue;
		tv *e = tv_object(a);
		char key[RATELIMIT_KEY_MAX];
		ratelimit_key_format(&b->key, key);
		tv_set_str(a, e, "key", key);
		tv_set_str(a, e, "action", actions[b->rule].label);
		tv_set_str(a, e, "action_key", actions[b->rule].action);
		tv_set_str(a, e, "counted", counted_labels[by]);
		if (p) {
			tv_set_str(a, e, "who", p->email);
			admin_set_opt(a, e, "who_name", p->name);
			tv_set_str(a, e, "who_role", p->member ? "member" : "requester");
		} else {
			tv_set_bool(a, e, "who", false);
			tv_set_str(a, e, "unknown",
			    by == BY_IP ? "An address (kept only as a hash)"
			    : by == BY_TOKEN ? "A verification link (kept only as a hash)"
			                      : "Not known to this organization");
		}
		tv_set_str(a, e, "hash_short", arena_strndup(a, b->key.hash, 8));
		tv_set_int(a, e, "hits", b->count);
		tv_set_int(a, e, "limit", rules[b->rule].limit);
		page_set_time(r, e, "until", now + b->ttl_s);
		tv_set_str(a, e, "left", str_duration_words(a, b->ttl_s));
		tv_push(a, items, e);
		shown++;
	}
	tv_set(a, v, "blocks", items);
	tv_set_bool(a, v, "has_blocks", shown > 0);
	tv_set_bool(a, v, "sees_everything", everything);
	tv_set_bool(a, v, "partial", strcmp(cursor, "0") != 0);
	if (strcmp(next, "0") != 0)
		tv_set_str(a, v, "next_href",
		    arena_sprintf(a, "%s&cursor=%s", admin_href(r, ctx.org, "/desk/admin/blocks", NULL), next));
	if (strcmp(cursor, "0") != 0)
		tv_set_str(a, v, "first_href", admin_href(r, ctx.org, "/desk/admin/blocks", NULL));
	return page_render(r, 200, "admin_blocks", v);
}

/* ---- POST /desk/admin/blocks/lift ---- */

int page_admin_block_lift(req *r)
{
	admin_ctx ctx;
	int st = admin_begin_org(r, &ctx);
	if (st)
		return st;
	str key_s = req_form_get(r, "key");
	ratelimit_key key;
	if (!ratelimit_key_parse(key_s.ptr ? key_s.ptr : "", key_s.len, &key))
		return 400;
	int ai = action_index(key.action);
	if (ai < 0)
		return 400;
	enum counted by = actions[ai].by;
	const rate_block_person *p = NULL;
	if (by != BY_IP && by != BY_TOKEN) {
		people_index ix;
		if ((st = people_load(r, &ctx, &ix)))
			return st;
		p = person_of(&ix, by, key.hash);
	}
	/* Someone else's block is as if it did not exist. */
	if (!p && !platform_admin(r))
		return 404;
	bool found;
	long count, ttl_s;
	if (ratelimit_peek(r->app->kv, r->a, &key, &found, &count, &ttl_s) != KV_OK)
		return 503;
	ratelimit_rule rules[NACTIONS];
	rules_of(r, rules);
	/* A counter under its limit blocks nobody: nothing to lift. */
	if (!found || count < rules[ai].limit)
		return admin_redirect(r, ctx.org, "/desk/admin/blocks", "gone");
	char key_text[RATELIMIT_KEY_MAX];
	ratelimit_key_format(&key, key_text);
	/* Recorded before the counter goes: if Redis then fails the answer is
	 * 503 and the transaction, audit row included, rolls back. */
	rate_block_lift lift = { key_text, key.action, counted_names[by], p ? p->email : NULL, count, rules[ai].limit,
		ttl_s };
	int rc = rate_block_lift_record(page_tx(r), ctx.org->id, &lift);
	if (rc < 0)
		return page_db_failure(r);
	if (rc == 0)
		return 404;
	long held, left;
	if (ratelimit_lift(r->app->kv, &key, &found, &held, &left) != KV_OK)
		return 503;
	log_info("rate limit lifted", "rid=%s action=%s hits=%ld", r->request_id, key.action, count);
	return admin_redirect(r, ctx.org, "/desk/admin/blocks", "lifted");
}
