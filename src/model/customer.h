/* customer.h: an organization's customers as its staff (an API key) see
 * them: the requesters of its tickets and the customers it created through
 * the API (organization_customers, 0042), under row-level security, so
 * another organization's customers do not exist here. */
#ifndef SD_MODEL_CUSTOMER_H
#define SD_MODEL_CUSTOMER_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"

typedef struct {
	const char *id;
	const char *email;
	const char *name;          /* "" when none */
	const char *language;      /* users.preferred_language */
	long long created;         /* unix seconds */
} customer;

/* The customer of org by address (exact, case-insensitive), or by id (a
 * valid uuid). 1 found, 0 not a customer of org (or not visible), -1. */
int customer_find_by_email(db_tx *tx, const char *org_id, const char *email, customer *out);
int customer_get(db_tx *tx, const char *org_id, const char *id, customer *out);

/* Up to limit customers of org in id order after the id after (NULL: the
 * first page); *more when another page follows. 0 or -1. */
int customer_list(db_tx *tx, const char *org_id, const char *after, int limit, customer **out, size_t *n,
    bool *more);

/* api_customer_create (0042) for the acting key: "created", "exists"
 * (already org's customer; *id is theirs), "not_allowed" or
 * "invalid_email"; NULL on a database failure. The address is checked by
 * the caller (form_email_valid). */
const char *customer_create(db_tx *tx, const char *email, const char *name, const char **id);

#endif
