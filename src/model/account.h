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
} account_profile;

/* The user's own profile: 1 found, 0 not visible, -1 database failure. */
int account_load(db_tx *tx, const char *user_id, account_profile *out);

typedef struct {
	const char *name;               /* trimmed; NULL or "" clears it */
	const char *preferred_language; /* one of the allowed languages */
	bool channels[ACCOUNT_CHANNEL__MAX];
	bool notify[ACCOUNT_NOTIFY__MAX];
} account_changes;

/* Saves the acting user's profile through account_update(): its status
 * ("ok", "invalid_language", ...), or NULL on a database failure. */
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
