/* api_key.c: SQL of the API's keys, idempotent answers and tickets. */
#include "model/api_key.h"

#include <stdio.h>
#include <string.h>

#include "auth/crypto.h"

static const char *const scope_names[API_SCOPE_COUNT] = {
	"tickets:read", "tickets:write", "messages:write", "customers:read", "admin:read",
};

const char *api_scope_name(int i)
{
	return i >= 0 && i < API_SCOPE_COUNT ? scope_names[i] : NULL;
}

unsigned api_scope_from_name(str name)
{
	for (int i = 0; i < API_SCOPE_COUNT; i++)
		if (str_eq_cstr(name, scope_names[i]))
			return 1u << i;
	return 0;
}

char *api_scopes_sql(arena *a, unsigned scopes)
{
	buf b;
	buf_init(&b, a, 96);
	buf_putc(&b, '{');
	bool first = true;
	for (int i = 0; i < API_SCOPE_COUNT; i++)
		if (scopes & (1u << i)) {
			if (!first)
				buf_putc(&b, ',');
			buf_puts(&b, scope_names[i]);
			first = false;
		}
	buf_putc(&b, '}');
	return b.data;
}

static unsigned scopes_from_sql(str s)
{
	/* "{tickets:read,tickets:write}": the names hold no comma or quote. */
	unsigned bits = 0;
	if (s.len < 2)
		return 0;
	size_t i = 1, end = s.len - 1;
	while (i < end) {
		size_t j = i;
		while (j < end && s.ptr[j] != ',')
			j++;
		bits |= api_scope_from_name((str){ s.ptr + i, j - i });
		i = j + 1;
	}
	return bits;
}

void api_key_secret_new(arena *a, char secret[64], unsigned char hash[32])
{
	unsigned char raw[API_KEY_SECRET_BYTES];
	crypto_random(raw, sizeof raw);
	char *s = crypto_b64url_encode(a, raw, sizeof raw);
	snprintf(secret, 64, "%s", s);
	crypto_sha256(hash, secret, strlen(secret));
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool api_key_parse(str key, api_key_parts *out)
{
	/* sdk_ + 32 + _ + 43 */
	if (key.len != 4 + 32 + 1 + 43 || memcmp(key.ptr, "sdk_", 4) != 0 || key.ptr[36] != '_')
		return false;
	const char *h = key.ptr + 4;
	for (int i = 0; i < 32; i++)
		if (!is_hex(h[i]))
			return false;
	for (size_t i = 37; i < key.len; i++) {
		char c = key.ptr[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	snprintf(out->id, sizeof out->id, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
	memcpy(out->secret, key.ptr + 37, 43);
	out->secret[43] = '\0';
	return true;
}

char *api_key_format(arena *a, const char *id, const char *secret)
{
	char hex[33];
	size_t k = 0;
	for (const char *p = id; *p && k < 32; p++)
		if (*p != '-')
			hex[k++] = *p;
	hex[k] = '\0';
	return arena_sprintf(a, "sdk_%s_%s", hex, secret);
}

static const char *bytea_hex(db_tx *tx, const unsigned char h[32])
{
	return arena_sprintf(tx->a, "\\x%s", crypto_hex(tx->a, h, 32));
}

static const db_stmt q_auth = { "api_key_auth",
	"select secret_hash, service_user_id, organization_id, scopes, ip_ok, last_used_recent "
	"from api_key_auth($1::uuid, nullif($2, '')::inet)" };

int api_key_authenticate(db_tx *tx, const api_key_parts *k, const char *client_ip, api_key_auth_info *out)
{
	memset(out, 0, sizeof *out);
	const char *p[2] = { k->id, client_ip ? client_ip : "" };
	db_result *res = db_tx_exec(tx, &q_auth, 2, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	unsigned char want[32], got[32];
	crypto_sha256(got, k->secret, strlen(k->secret));
	/* secret_hash arrives as "\x" + 64 hex digits. */
	str h = db_get(res, 0, 0);
	if (h.len != 66)
		return 0;
	for (int i = 0; i < 32; i++) {
		unsigned v;
		if (sscanf(h.ptr + 2 + 2 * i, "%2x", &v) != 1)
			return 0;
		want[i] = (unsigned char)v;
	}
	if (!crypto_equal(want, got, 32))
		return 0;
	out->key_id = arena_strdup(tx->a, k->id);
	out->user_id = db_get_dup(tx->a, res, 0, 1);
	out->org_id = db_get_dup(tx->a, res, 0, 2);
	out->scopes = scopes_from_sql(db_get(res, 0, 3));
	out->ip_ok = db_get_bool(res, 0, 4);
	out->used_recently = db_get_bool(res, 0, 5);
	return 1;
}

static const db_stmt q_touch = { "api_key_touch", "select api_key_touch()" };

int api_key_touch(db_tx *tx)
{
	return db_tx_exec(tx, &q_touch, 0, NULL) ? 0 : -1;
}

static const db_stmt q_create = { "api_key_create",
	"select status, key_id from api_key_create($1::uuid, $2, $3::text[], $4::bytea, "
	"nullif($5, '')::timestamptz, coalesce(nullif($6, ''), '{}')::cidr[])" };

const char *api_key_create(db_tx *tx, const char *org_id, const char *name, unsigned scopes, const char *expires_at,
    const char *ip_allow_sql, const unsigned char hash[32], const char **key_id)
{
	*key_id = NULL;
	const char *p[6] = { org_id, name, api_scopes_sql(tx->a, scopes), bytea_hex(tx, hash),
		expires_at ? expires_at : "", ip_allow_sql ? ip_allow_sql : "" };
	db_result *res = db_tx_exec(tx, &q_create, 6, p);
	if (!res || db_rows(res) != 1)
		return NULL;
	*key_id = db_is_null(res, 0, 1) ? NULL : db_get_dup(tx->a, res, 0, 1);
	return db_get_dup(tx->a, res, 0, 0);
}

static const db_stmt q_create_op = { "api_key_create_operator",
	"select status, key_id from api_key_create_operator($1::citext, $2, $3::text[], $4::bytea, "
	"nullif($5, '')::timestamptz)" };

const char *api_key_create_operator(db_tx *tx, const char *slug, const char *name, unsigned scopes,
    const char *expires_at, const unsigned char hash[32], const char **key_id)
{
	*key_id = NULL;
	const char *p[5] = { slug, name, api_scopes_sql(tx->a, scopes), bytea_hex(tx, hash),
		expires_at ? expires_at : "" };
	db_result *res = db_tx_exec(tx, &q_create_op, 5, p);
	if (!res || db_rows(res) != 1)
		return NULL;
	*key_id = db_is_null(res, 0, 1) ? NULL : db_get_dup(tx->a, res, 0, 1);
	return db_get_dup(tx->a, res, 0, 0);
}

static const db_stmt q_revoke = { "api_key_revoke", "select api_key_revoke($1::uuid, $2::uuid)" };

const char *api_key_revoke(db_tx *tx, const char *org_id, const char *key_id)
{
	const char *p[2] = { org_id, key_id };
	db_result *res = db_tx_exec(tx, &q_revoke, 2, p);
	if (!res || db_rows(res) != 1)
		return NULL;
	return db_get_dup(tx->a, res, 0, 0);
}

static const db_stmt q_list = { "api_key_list",
	"select id, name, array_to_string(scopes, ', '), array_to_string(ip_allow::text[], ', '), "
	"extract(epoch from created_at)::bigint, coalesce(extract(epoch from expires_at)::bigint, 0), "
	"coalesce(extract(epoch from revoked_at)::bigint, 0), coalesce(extract(epoch from last_used_at)::bigint, 0) "
	"from api_keys where organization_id = $1::uuid order by created_at desc, id desc limit $2::int" };

int api_key_list(db_tx *tx, const char *org_id, int max, api_key_row **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", max);
	const char *p[2] = { org_id, lim };
	db_result *res = db_tx_exec(tx, &q_list, 2, p);
	if (!res)
		return -1;
	size_t rows = (size_t)db_rows(res);
	api_key_row *list = arena_calloc(tx->a, rows + 1, sizeof *list);
	for (size_t i = 0; i < rows; i++) {
		int r = (int)i;
		list[i] = (api_key_row){ .id = db_get_dup(tx->a, res, r, 0), .name = db_get_dup(tx->a, res, r, 1),
			.scopes = db_get_dup(tx->a, res, r, 2), .ip_allow = db_get_dup(tx->a, res, r, 3),
			.created = db_get_int(res, r, 4, 0), .expires = db_get_int(res, r, 5, 0),
			.revoked = db_get_int(res, r, 6, 0), .last_used = db_get_int(res, r, 7, 0) };
	}
	*out = list;
	*n = rows;
	return 0;
}

static const db_stmt q_idem_get = { "api_idempotency_get",
	"select request_hash = $2::bytea, status, location, body from api_idempotency_get($1)" };

int api_idempotency_get(db_tx *tx, const char *idem_key, const unsigned char request_hash[32], api_idem *out)
{
	memset(out, 0, sizeof *out);
	const char *p[2] = { idem_key, bytea_hex(tx, request_hash) };
	db_result *res = db_tx_exec(tx, &q_idem_get, 2, p);
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	out->found = true;
	out->same_request = db_get_bool(res, 0, 0);
	out->status = (int)db_get_int(res, 0, 1, 500);
	out->location = db_is_null(res, 0, 2) ? NULL : db_get_dup(tx->a, res, 0, 2);
	out->body = db_get_dup(tx->a, res, 0, 3);
	return 0;
}

static const db_stmt q_idem_put = { "api_idempotency_put",
	"select api_idempotency_put($1, $2::bytea, $3::int, nullif($4, ''), $5)" };

int api_idempotency_put(db_tx *tx, const char *idem_key, const unsigned char request_hash[32], int status,
    const char *location, const char *body)
{
	char st[16];
	snprintf(st, sizeof st, "%d", status);
	const char *p[5] = { idem_key, bytea_hex(tx, request_hash), st, location ? location : "", body };
	return db_tx_exec(tx, &q_idem_put, 5, p) ? 0 : -1;
}

static const db_stmt q_ticket_create = { "api_ticket_create",
	"select status, ticket_id, ticket_number from api_ticket_create($1::citext, nullif($2, ''), $3::uuid, $4, $5, "
	"$6::jsonb, nullif($7, '')::uuid, nullif($8, '')::inet, nullif($9, ''))" };

const char *api_ticket_create(db_tx *tx, const api_ticket_input *in, const char **ticket_id, const char **number)
{
	*ticket_id = *number = NULL;
	const char *p[9] = { in->email, in->name ? in->name : "", in->request_type, in->title,
		in->description ? in->description : "", in->custom_json ? in->custom_json : "{}",
		in->event ? in->event : "", in->ip ? in->ip : "", in->user_agent ? in->user_agent : "" };
	db_result *res = db_tx_exec(tx, &q_ticket_create, 9, p);
	if (!res || db_rows(res) != 1)
		return NULL;
	if (!db_is_null(res, 0, 1)) {
		*ticket_id = db_get_dup(tx->a, res, 0, 1);
		*number = db_get_dup(tx->a, res, 0, 2);
	}
	return db_get_dup(tx->a, res, 0, 0);
}
