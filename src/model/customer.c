/* customer.c: SQL of an organization's customers (see customer.h). */
#include "model/customer.h"

#include <stdio.h>
#include <string.h>

#include "core/str.h"

#define CUSTOMER_COLS \
	"u.id, u.email, coalesce(u.name, ''), u.preferred_language, extract(epoch from u.created_at)::bigint"

/* $1 the organization. A requester of one of its tickets the desk shows
 * (desk_requester_ids in 0022 reads them so), or one it created; never a
 * service user. Row-level security on users and tickets applies too. */
#define CUSTOMER_OF_ORG \
	"not u.is_service and (exists (select 1 from tickets t where t.requester_id = u.id " \
	"and t.assigned_org_id = $1::uuid and t.routing_type <> 'internal' and t.deleted_at is null) " \
	"or exists (select 1 from organization_customers oc where oc.organization_id = $1::uuid " \
	"and oc.user_id = u.id))"

static const db_stmt q_by_email = { "customer_by_email",
	"select " CUSTOMER_COLS " from users u where u.email = $2::citext and " CUSTOMER_OF_ORG };
static const db_stmt q_by_id = { "customer_by_id",
	"select " CUSTOMER_COLS " from users u where u.id = $2::uuid and " CUSTOMER_OF_ORG };
/* A page: the first ids after $2 of each source (the requesters through
 * tickets_org_requester_idx, the created ones through the primary key),
 * merged; at most $3 of each, so a page reads at most twice its size. */
static const db_stmt q_list = { "customer_list",
	"select " CUSTOMER_COLS " from users u where u.id in (select x.id from ("
	"(select distinct t.requester_id as id from tickets t where t.assigned_org_id = $1::uuid "
	" and t.routing_type <> 'internal' and t.deleted_at is null "
	" and ($2::uuid is null or t.requester_id > $2::uuid) order by 1 limit $3::int) "
	"union (select oc.user_id from organization_customers oc where oc.organization_id = $1::uuid "
	" and ($2::uuid is null or oc.user_id > $2::uuid) order by 1 limit $3::int)) x) "
	"and not u.is_service order by u.id limit $3::int" };
static const db_stmt q_create = { "customer_create",
	"select status, customer_id from api_customer_create($1::citext, $2)" };

static void row_to(db_tx *tx, db_result *res, int r, customer *c)
{
	c->id = db_get_dup(tx->a, res, r, 0);
	c->email = db_get_dup(tx->a, res, r, 1);
	c->name = db_get_dup(tx->a, res, r, 2);
	c->language = db_get_dup(tx->a, res, r, 3);
	c->created = db_get_int(res, r, 4, 0);
}

static int one(db_tx *tx, const db_stmt *q, const char *org_id, const char *key, customer *out)
{
	memset(out, 0, sizeof *out);
	const char *p[2] = { org_id, key };
	db_result *res = db_tx_exec(tx, q, 2, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	row_to(tx, res, 0, out);
	return 1;
}

int customer_find_by_email(db_tx *tx, const char *org_id, const char *email, customer *out)
{
	return one(tx, &q_by_email, org_id, email, out);
}

int customer_get(db_tx *tx, const char *org_id, const char *id, customer *out)
{
	if (!cstr_is_uuid(id)) {
		memset(out, 0, sizeof *out);
		return 0;
	}
	return one(tx, &q_by_id, org_id, id, out);
}

int customer_list(db_tx *tx, const char *org_id, const char *after, int limit, customer **out, size_t *n,
    bool *more)
{
	*out = NULL;
	*n = 0;
	*more = false;
	if (limit < 1)
		return -1;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", limit + 1);
	const char *p[3] = { org_id, after, lim };
	db_result *res = db_tx_exec(tx, &q_list, 3, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	*more = rows > (size_t)limit;
	*n = *more ? (size_t)limit : rows;
	customer *list = arena_calloc(tx->a, *n + 1, sizeof *list);
	for (size_t i = 0; i < *n; i++)
		row_to(tx, res, (int)i, &list[i]);
	*out = list;
	return 0;
}

const char *customer_create(db_tx *tx, const char *email, const char *name, const char **id)
{
	*id = NULL;
	const char *p[2] = { email, name && *name ? name : NULL };
	db_result *res = db_tx_exec(tx, &q_create, 2, p);
	if (!res || db_rows(res) != 1)
		return NULL;
	if (!db_is_null(res, 0, 1))
		*id = db_get_dup(tx->a, res, 0, 1);
	return db_get_dup(tx->a, res, 0, 0);
}
