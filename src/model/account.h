/* account.h: the signed-in user's own account: profile, notification
 * preferences, password, and the feedback they gave on their tickets. Every
 * call acts as the transaction's user, under row-level security and the
 * account_* functions of sql/migrations/0014_account.sql. */
#ifndef SD_MODEL_ACCOUNT_H
#define SD_MODEL_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"

/* The events a customer may choose to be emailed about; users.preferences
 * ->'notify'->'<key>' holds each as a JSON boolean (absent: true). */
enum account_notify { ACCOUNT_NOTIFY_REPLY, ACCOUNT_NOTIFY_WAITING, ACCOUNT_NOTIFY_RESOLVED,
	ACCOUNT_NOTIFY_CLOSED, ACCOUNT_NOTIFY__MAX };
extern const char *const account_notify_keys[ACCOUNT_NOTIFY__MAX]; /* "reply", "waiting", ... */

/* The events a staff member may choose to be emailed about (in-app
 * notifications come regardless), stored beside the customer's in
 * preferences->'notify' (sql/migrations/0018_sched.sql). */
enum account_staff_notify { ACCOUNT_STAFF_NEW_TICKET, ACCOUNT_STAFF_ASSIGNED, ACCOUNT_STAFF_CUSTOMER_REPLY,
	ACCOUNT_STAFF_MENTION, ACCOUNT_STAFF_SLA_WARNING, ACCOUNT_STAFF_SLA_BREACH, ACCOUNT_STAFF_NOTIFY__MAX };
extern const char *const account_staff_notify_keys[ACCOUNT_STAFF_NOTIFY__MAX]; /* "new_ticket", ... */

/* Which new tickets notify a staff member (preferences->'watch'). */
enum account_watch { ACCOUNT_WATCH_TEAMS, ACCOUNT_WATCH_ALL, ACCOUNT_WATCH_NONE, ACCOUNT_WATCH__MAX };
extern const char *const account_watch_keys[ACCOUNT_WATCH__MAX]; /* "teams", "all", "none" */

/* The channels the account page offers (a subset of what users'
 * communication_channels CHECK allows). */
enum account_channel { ACCOUNT_CHANNEL_EMAIL, ACCOUNT_CHANNEL_PORTAL, ACCOUNT_CHANNEL_CHAT,
	ACCOUNT_CHANNEL_PHONE, ACCOUNT_CHANNEL__MAX };
extern const char *const account_channel_keys[ACCOUNT_CHANNEL__MAX]; /* "email", "portal", ... */

typedef struct {
	const char *id;
	const char *email;
	const char *name;               /* NULL when not given */
	const char *preferred_language;
	bool channels[ACCOUNT_CHANNEL__MAX];
	bool notify[ACCOUNT_NOTIFY__MAX];
	bool has_password;
	/* staff only (platform staff, or staff of an organization) */
	bool is_staff;
	bool away;                      /* auto-assign passes them over */
	enum account_watch watch;
	bool staff_notify[ACCOUNT_STAFF_NOTIFY__MAX];
} account_profile;

/* The user's own profile: 1 found, 0 not visible, -1 database failure. */
int account_load(db_tx *tx, const char *user_id, account_profile *out);

typedef struct {
	const char *name;               /* trimmed; NULL or "" clears it */
	const char *preferred_language; /* one of the allowed languages */
	bool channels[ACCOUNT_CHANNEL__MAX];
	bool notify[ACCOUNT_NOTIFY__MAX];
	bool is_staff;                  /* also save what follows */
	bool away;
	enum account_watch watch;
	bool staff_notify[ACCOUNT_STAFF_NOTIFY__MAX];
} account_changes;

/* Saves the acting user's profile through account_update() and, for staff,
 * account_staff_update() (away, watch): its status ("ok",
 * "invalid_language", "not_staff", ...), or NULL on a database failure. */
const char *account_update(db_tx *tx, const account_changes *c);

/* The stored argon2id hash of the user whose address is email, for
 * checking the current password (*hash NULL when they have none). 0, or -1
 * on a database failure. */
int account_password_hash(db_tx *tx, const char *email, char **hash);
/* Sets the acting user's password hash (crypto_password_hash output): 1
 * set, 0 refused (no such active user, not an argon2id hash), -1 failure. */
int account_set_password(db_tx *tx, const char *hash);

typedef struct {
	const char *number;
	const char *title;
	int rating;                     /* 1..5 */
	const char *comment;            /* NULL when none */
	const char *submitted_at;       /* ISO 8601, UTC */
	long long submitted_epoch;
} account_feedback;

/* The ratings the user gave on their tickets, newest first, at most max:
 * 0, or -1 on a database failure. */
int account_feedback_list(db_tx *tx, int max, account_feedback **out, size_t *n);

#endif
