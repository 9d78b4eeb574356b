/* notification.h: the acting user's in-app notifications (row-level
 * security shows each user only their own). They are written by the
 * system (notification_add() in SQL, owner rights), never from here. */
#ifndef SD_MODEL_NOTIFICATION_H
#define SD_MODEL_NOTIFICATION_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"

typedef struct {
	const char *id;
	const char *type;
	const char *title;
	const char *content;      /* NULL when none */
	const char *link;         /* a path of this site, or NULL */
	bool read;
	const char *created_at;   /* ISO 8601, UTC */
	long long created_epoch;
} notification;

/* Up to limit unexpired notifications, newest first, after the one whose
 * id is after_id (NULL: from the newest; a uuid the user has no
 * notification by gives nothing). *more says whether another page
 * follows. 0, or -1 on a database failure. */
int notification_list(db_tx *tx, const char *after_id, int limit, notification **out, size_t *n,
    bool *more);

/* Marks read those of ids (uuids, at most 200) that are the acting user's;
 * any other id changes nothing. all: every unread one instead. Returns how
 * many changed, or -1 on a database failure. */
long notification_mark_read(db_tx *tx, const char *const *ids, size_t nids, bool all);

#endif
