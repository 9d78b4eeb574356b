/* rate_block.h: what the database knows about rate-limit blocks, which
 * live in Redis (src/kv/ratelimit.c): the people an organization's admin
 * answers for, whose hashed emails and user ids name their counters, and
 * the audit record of a lift. */
#ifndef SD_MODEL_RATE_BLOCK_H
#define SD_MODEL_RATE_BLOCK_H

#include <stdbool.h>
#include <stddef.h>

#include "db/tx.h"

typedef struct {
	const char *user_id;
	const char *email;
	const char *name;     /* "" when none */
	bool member;          /* staff of the organization; else a requester of its tickets */
} rate_block_person;

/* The organization's members (at most max_members, admins and agents,
 * active or not) and the requesters of its latest max_tickets tickets
 * that the acting user may see (row-level security decides: internal
 * tickets are the platform's), each person once. 0 or -1. */
int rate_block_people(db_tx *tx, const char *org_id, int max_members, int max_tickets, rate_block_person **out,
    size_t *n);

/* What a lift removed, as the page showed it. */
typedef struct {
	const char *key;          /* "sd:rl:<action>:<hash>" */
	const char *action;       /* login_email, reply_user, ... */
	const char *counted;      /* "ip", "email", "user", "token", "email or user" */
	const char *who;          /* the person's email when the organization knows them, else NULL */
	long hits, limit, seconds_left;
} rate_block_lift;

/* Records that the acting user lifted the counter for the organization in
 * config_audit (admin_rate_limit_lift_record, 0026): entity
 * rate_limit_block, action delete, before = what it held. 1 recorded, 0
 * the user may not (not an admin of it), -1 failure. */
int rate_block_lift_record(db_tx *tx, const char *org_id, const rate_block_lift *l);

#endif
