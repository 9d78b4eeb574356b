/* ticket.h: reading tickets as the signed-in user sees them (row-level
 * security decides; a ticket they may not see does not exist). */
#ifndef SD_TICKET_H
#define SD_TICKET_H

#include <stddef.h>

#include "db/tx.h"

typedef struct {
	const char *id;
	const char *file_name;
	const char *content_type;
	long long size;
} ticket_attachment;

typedef struct {
	const char *id;
	const char *number;
	const char *title;
	const char *description;
	const char *status;
	const char *priority;
	const char *created_at;   /* "YYYY-MM-DD HH:MI UTC" */
	const char *request_type;
	const char *requester_id;
	ticket_attachment *attachments;
	size_t nattachments;
} ticket_view;

/* 1 found, 0 not visible or unknown, -1 database failure. */
int ticket_find_by_number(db_tx *tx, const char *number, ticket_view *out);

#endif
