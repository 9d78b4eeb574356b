/* webhook.h: an organization's webhooks (migration 0034) as its admins
 * edit them on /desk/admin/webhooks, and their recent deliveries.
 * Row-level security is the guard; every statement names the organization
 * too, so an id of another one finds nothing. */
#ifndef SD_MODEL_WEBHOOK_H
#define SD_MODEL_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"

#define WEBHOOK_EVENTS 4
/* The events a webhook may subscribe to, in the order the form lists them. */
extern const char *const webhook_event_names[WEBHOOK_EVENTS];

typedef struct {
	const char *id;
	const char *url;
	const char *events;        /* "ticket.created,message.added" */
	bool is_active;
	bool allow_internal;
	const char *created_at;    /* "YYYY-MM-DD HH:MI" UTC */
	const char *last_status;   /* the latest delivery's status, "" none */
} webhook;

typedef struct {
	const char *id;
	const char *event;
	const char *status;        /* pending | sending | delivered | failed */
	int attempts;
	int response_code;         /* 0 none */
	const char *last_error;    /* "" none */
	const char *created_at;
	const char *next_attempt_at;  /* "" unless pending */
} webhook_delivery;

/* The organization's webhooks, oldest first (at most max). 0 or -1. */
int webhook_list(db_tx *tx, const char *org_id, int max, webhook **out, size_t *n);
/* 1 found, 0 not (another organization's, unknown, not a uuid), -1. */
int webhook_get(db_tx *tx, const char *org_id, const char *id, webhook *out);
/* A new one; *new_id set. events_csv holds names of webhook_event_names.
 * 0 or -1. */
int webhook_create(db_tx *tx, const char *org_id, const char *url, const char *events_csv, const char *secret_sealed,
    bool is_active, bool allow_internal, const char **new_id);
/* 1 saved, 0 no such one, -1. */
int webhook_update(db_tx *tx, const char *org_id, const char *id, const char *url, const char *events_csv,
    bool is_active, bool allow_internal);
/* A new sealed secret. 1, 0 no such one, -1. */
int webhook_rotate(db_tx *tx, const char *org_id, const char *id, const char *secret_sealed);
/* 1 deleted (with its deliveries), 0 no such one, -1. */
int webhook_delete(db_tx *tx, const char *org_id, const char *id);
/* The latest deliveries of one webhook, newest first, at most max. */
int webhook_deliveries(db_tx *tx, const char *org_id, const char *id, int max, webhook_delivery **out, size_t *n);
/* A "ping" delivery to it (webhook_send_test): 1 queued, 0 not allowed or
 * no such one, -1. */
int webhook_send_test(db_tx *tx, const char *org_id, const char *id);

#endif
