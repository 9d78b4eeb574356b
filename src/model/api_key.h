/* api_key.h: the REST API's keys (sql/migrations/0033_api_keys.sql): made
 * by an organization's admins or the operator, looked up by id on every API
 * request, revoked; and the API's own writes that need the key (tickets made
 * for a requester, stored idempotent answers). A key acts as its service
 * user, so row-level security sees it as an agent of its organization. */
#ifndef SD_MODEL_API_KEY_H
#define SD_MODEL_API_KEY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"
#include "db/tx.h"

enum api_scope {
	API_SCOPE_TICKETS_READ = 1 << 0,
	API_SCOPE_TICKETS_WRITE = 1 << 1,
	API_SCOPE_MESSAGES_WRITE = 1 << 2,
	API_SCOPE_CUSTOMERS_READ = 1 << 3,
	API_SCOPE_ADMIN_READ = 1 << 4,
};
#define API_SCOPE_COUNT 5
/* "tickets:read" ... by index (0 .. API_SCOPE_COUNT - 1); the bit of a
 * name (0 when unknown). */
const char *api_scope_name(int i);
unsigned api_scope_from_name(str name);
/* The scopes as the SQL array literal ("{tickets:read,...}"). */
char *api_scopes_sql(arena *a, unsigned scopes);

/* The key as handed out: "sdk_" + 32 hex digits of the id + "_" + 43
 * base64url characters of 32 random bytes. */
#define API_KEY_SECRET_BYTES 32
typedef struct {
	char id[37];                /* uuid with hyphens */
	char secret[64];            /* base64url */
} api_key_parts;
/* A fresh secret and its hash (the id comes from the database). */
void api_key_secret_new(arena *a, char secret[64], unsigned char hash[32]);
/* Splits "sdk_<hex32>_<secret>"; false for anything else. */
bool api_key_parse(str key, api_key_parts *out);
/* The key to show, from the id and the secret. */
char *api_key_format(arena *a, const char *id, const char *secret);

typedef struct {
	const char *key_id, *user_id, *org_id;
	unsigned scopes;
	bool ip_ok;
	bool used_recently;         /* last_used_at within a minute: no touch needed */
} api_key_auth_info;
/* Finds the key by id and checks its secret (constant time). 1 valid (out
 * filled), 0 unknown, revoked, expired or wrong secret, -1 database failure. */
int api_key_authenticate(db_tx *tx, const api_key_parts *k, const char *client_ip, api_key_auth_info *out);
/* Records the use (at most once a minute; the acting user must be the key's). 0 or -1. */
int api_key_touch(db_tx *tx);

/* The admin page and the command line. *status "ok", "not_found" (not the
 * acting user's organization), "no_org" (operator: unknown slug) or
 * "invalid"; NULL on a database failure. */
const char *api_key_create(db_tx *tx, const char *org_id, const char *name, unsigned scopes, const char *expires_at,
    const char *ip_allow_sql, const unsigned char hash[32], const char **key_id);
const char *api_key_create_operator(db_tx *tx, const char *slug, const char *name, unsigned scopes,
    const char *expires_at, const unsigned char hash[32], const char **key_id);
/* "ok", "unchanged", "not_found", or NULL. */
const char *api_key_revoke(db_tx *tx, const char *org_id, const char *key_id);

typedef struct {
	const char *id, *name, *scopes, *ip_allow; /* scopes and ip_allow joined by ", " */
	long long created, expires, revoked, last_used; /* unix seconds, 0 when none */
} api_key_row;
/* The organization's keys, newest first, at most max. 0 or -1. */
int api_key_list(db_tx *tx, const char *org_id, int max, api_key_row **out, size_t *n);

/* ---- idempotency (per key, a day) ---- */
typedef struct {
	bool found;
	bool same_request;          /* the stored request hash is this one's */
	int status;
	const char *location;       /* NULL when none */
	const char *body;
} api_idem;
int api_idempotency_get(db_tx *tx, const char *idem_key, const unsigned char request_hash[32], api_idem *out);
int api_idempotency_put(db_tx *tx, const char *idem_key, const unsigned char request_hash[32], int status,
    const char *location, const char *body);

/* ---- tickets made through the API ---- */
typedef struct {
	const char *email, *name;   /* the requester (found or created) */
	const char *request_type;   /* uuid, of the key's organization */
	const char *title, *description;
	const char *custom_json;    /* validated custom fields, "{}" for none */
	const char *event;          /* uuid or NULL */
	const char *ip, *user_agent;
} api_ticket_input;
/* "created" (number set), "not_allowed", "invalid_email", or a
 * request_type_check() code; NULL on a database failure. */
const char *api_ticket_create(db_tx *tx, const api_ticket_input *in, const char **ticket_id, const char **number);

#endif
