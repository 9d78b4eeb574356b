/* user.h: users as the acting user may see them (row-level security). */
#ifndef SD_MODEL_USER_H
#define SD_MODEL_USER_H

#include "db/tx.h"

/* The user's email address as stored, or NULL when not visible or on a
 * database failure (db_tx_status tells which). */
const char *user_email(db_tx *tx, const char *user_id);

#endif
