/* main.c: `supportdesk` subcommand dispatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/server.h"
#include "auth/crypto.h"
#include "core/config.h"
#include "core/utf8.h"
#include "db/db.h"
#include "db/tx.h"
#include "mail/mailer.h"
#include "mail/mail_in_cmd.h"
#include "kv/kv.h"
#include "mail/render.h"
#include "model/api_key.h"
#include "model/auth.h"
#include "model/email.h"
#include "model/operator.h"
#include "model/submit_form.h"
#include "model/ticket.h"
#include "sched/scheduler.h"
#include "tmpl/render_cli.h"

static int usage(FILE *out)
{
	fputs("usage: supportdesk COMMAND\n"
	      "  serve                     run the FastCGI master and its workers\n"
	      "  migrate                   apply sql/migrations to DATABASE_URL (the owner role)\n"
	      "  mailer [--once]           deliver the email outbox (serve runs one unless SUPPORTDESK_MAILER=0)\n"
	      "  mail-in [--recipient A]... [--sender S]\n"
	      "                            take one email on stdin (an MTA's pipe): a ticket or a reply;\n"
	      "                            exit 0 taken, 67 unknown address, 68 too large or malformed,\n"
	      "                            75 try again later, 77 forged reply (README \"Email in\")\n"
	      "  mail-in --imap [--once]   poll the IMAP mailboxes (SUPPORTDESK_IMAP_*) and take each unseen\n"
	      "                            message in as above; every SUPPORTDESK_IMAP_INTERVAL s until SIGTERM\n"
	      "  scheduler [--once]        run the periodic jobs: SLA escalations, purges (serve runs one\n"
	      "                            unless SUPPORTDESK_SCHEDULER=0; any number may run, one works)\n"
	      "  render DIR NAME DATA.json render template NAME from DIR with a JSON context\n"
	      "  config                    print every setting and its current value\n"
	      "  passwd-hash               read a password on stdin, print its argon2id hash\n"
	      "  user add --email E --name N [--platform-role admin|agent] [--password-stdin]\n"
	      "                            add an account (as the owner role, like migrate)\n"
	      "  user set-role --email E --platform-role admin|agent|none\n"
	      "  user deactivate --email E  the account may not sign in; its sessions end\n"
	      "  org add --name N --slug S [--prefix P]\n"
	      "  org provision --slug S --admin-email E [--admin-name N]\n"
	      "                            make E its admin and email them a link to choose a password\n"
	      "  api-key add --org SLUG --name N --scope S [--scope S...] [--expires YYYY-MM-DD]\n"
	      "                            print a new REST API key once (scopes: tickets:read, tickets:write,\n"
	      "                            messages:write, customers:read, admin:read)\n"
	      "  Exit status: 0 done, 1 refused or failed (the reason on stderr), 2 wrong usage.\n",
	    out);
	return out == stderr ? 2 : 0;
}

static int cmd_migrate(void)
{
	config cfg;
	char err[512];
	if (crypto_init() < 0 || config_load(&cfg, err, sizeof err) < 0) {
		fprintf(stderr, "supportdesk: %s\n", err);
		return 1;
	}
	int rc = db_migrate(cfg.database_url, cfg.migrations_dir, false) == 0 ? 0 : 1;
	config_free(&cfg);
	return rc;
}

static int cmd_config(void)
{
	config cfg;
	char err[512];
	if (config_load(&cfg, err, sizeof err) < 0) {
		fprintf(stderr, "supportdesk: %s\n", err);
		return 1;
	}
	config_print(&cfg, stdout);
	config_free(&cfg);
	return 0;
}

static int cmd_mailer(int argc, char **argv)
{
	config cfg;
	char err[512];
	/* The server secret opens the sealed bodies the workers enqueue. */
	if (config_load(&cfg, err, sizeof err) < 0 || config_load_secret(&cfg, err, sizeof err) < 0) {
		fprintf(stderr, "supportdesk: %s\n", err);
		return 1;
	}
	int rc;
	if (argc > 2 && strcmp(argv[2], "--once") == 0) {
		int n = 0;
		rc = mailer_deliver_once(&cfg, &n);
		if (rc == 0)
			printf("mailer: %d delivered\n", n);
	} else {
		rc = mailer_run(&cfg);
	}
	config_free(&cfg);
	return rc;
}

static int cmd_scheduler(int argc, char **argv)
{
	config cfg;
	char err[512];
	if (config_load(&cfg, err, sizeof err) < 0) {
		fprintf(stderr, "supportdesk: %s\n", err);
		return 1;
	}
	int rc;
	if (argc > 2 && strcmp(argv[2], "--once") == 0) {
		sched_report rep = { 0 };
		rc = sched_run_once(&cfg, &rep);
		printf("scheduler: %d jobs ran, %d skipped, %d failed; %lld escalations, %lld purged\n", rep.ran,
		    rep.skipped, rep.failed, rep.escalations, rep.purged);
	} else if (argc > 2) {
		fprintf(stderr, "supportdesk: scheduler: unknown option '%s' (only --once)\n", argv[2]);
		rc = 2;
	} else {
		rc = sched_run(&cfg);
	}
	config_free(&cfg);
	return rc;
}

/* Why a password is refused (the web forms' rule), or NULL. */
static const char *password_problem(const char *pw)
{
	size_t n = strlen(pw);
	if (n > CRYPTO_PASSWORD_MAX_BYTES)
		return "a password has at most 1024 bytes";
	if (!utf8_valid(pw, n))
		return "the password is not valid UTF-8";
	if (form_chars((str){ pw, n }) < CRYPTO_PASSWORD_MIN_CHARS)
		return "a password has at least 10 characters";
	return NULL;
}

/* One line of stdin, without its line end, into pw (holds
 * CRYPTO_PASSWORD_MAX_BYTES + 2). -1 when there is none or it is too long. */
static int read_password(char *pw, size_t n)
{
	if (!fgets(pw, (int)n, stdin))
		return -1;
	size_t len = strcspn(pw, "\r\n");
	if (pw[len] == '\0' && !feof(stdin) && len == n - 1)
		return -1; /* longer than the buffer */
	pw[len] = '\0';
	return 0;
}

static int cmd_passwd_hash(void)
{
	char pw[CRYPTO_PASSWORD_MAX_BYTES + 2];
	if (crypto_init() < 0 || read_password(pw, sizeof pw) < 0) {
		fprintf(stderr, "supportdesk: no password on stdin (one line, at most 1024 bytes)\n");
		return 1;
	}
	const char *problem = password_problem(pw);
	if (problem) {
		fprintf(stderr, "supportdesk: %s\n", problem);
		return 1;
	}
	char *hash = crypto_password_hash(pw, strlen(pw));
	if (!hash) {
		fprintf(stderr, "supportdesk: hashing failed (out of memory?)\n");
		return 1;
	}
	puts(hash);
	free(hash);
	return 0;
}

static int user_usage(void)
{
	fputs("usage: supportdesk user add --email EMAIL --name NAME [--platform-role admin|agent] [--password-stdin]\n"
	      "  Adds an active account with a verified address, as the owner role (DATABASE_URL as for\n"
	      "  `supportdesk migrate`). Without --password-stdin it signs in by email link, or chooses a\n"
	      "  password at /password/forgot.\n"
	      "       supportdesk user set-role --email EMAIL --platform-role admin|agent|none\n"
	      "       supportdesk user deactivate --email EMAIL\n"
	      "  Deactivating ends every session of the account at once (REDIS_URL as for `serve`).\n",
	    stderr);
	return 2;
}

/* `supportdesk user add`: staff accounts (and customers) from the command
 * line, for the first platform admin above all. */
static int cmd_user_set_role(int argc, char **argv);
static int cmd_user_deactivate(int argc, char **argv);

static int cmd_user(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[2], "set-role") == 0)
		return cmd_user_set_role(argc, argv);
	if (argc >= 3 && strcmp(argv[2], "deactivate") == 0)
		return cmd_user_deactivate(argc, argv);
	if (argc < 3 || strcmp(argv[2], "add") != 0)
		return user_usage();
	const char *email = NULL, *name = NULL, *role = NULL;
	bool with_password = false;
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--password-stdin") == 0)
			with_password = true;
		else if (i + 1 < argc && strcmp(argv[i], "--email") == 0)
			email = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--name") == 0)
			name = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--platform-role") == 0)
			role = argv[++i];
		else {
			fprintf(stderr, "supportdesk: user add: unknown or incomplete option '%s'\n", argv[i]);
			return user_usage();
		}
	}
	if (!email || !form_email_valid(form_trim(str_from_cstr(email)))) {
		fprintf(stderr, "supportdesk: user add: --email needs an address like name@example.com\n");
		return user_usage();
	}
	str n = form_trim(str_from_cstr(name));
	if (!n.len || form_chars(n) > 200 || !utf8_valid(n.ptr, n.len) || strpbrk(name, "\r\n\t")) {
		fprintf(stderr, "supportdesk: user add: --name needs a name of 1 to 200 characters on one line\n");
		return user_usage();
	}
	if (role && strcmp(role, "admin") != 0 && strcmp(role, "agent") != 0) {
		fprintf(stderr, "supportdesk: user add: --platform-role is admin or agent\n");
		return user_usage();
	}
	config cfg;
	char err[512];
	if (crypto_init() < 0 || config_load(&cfg, err, sizeof err) < 0) {
		fprintf(stderr, "supportdesk: %s\n", err);
		return 1;
	}
	char *hash = NULL;
	if (with_password) {
		char pw[CRYPTO_PASSWORD_MAX_BYTES + 2];
		const char *problem = read_password(pw, sizeof pw) < 0 ? "no password on stdin (one line, at most 1024 bytes)"
		                                                       : password_problem(pw);
		if (problem) {
			fprintf(stderr, "supportdesk: user add: %s\n", problem);
			config_free(&cfg);
			return 1;
		}
		hash = crypto_password_hash(pw, strlen(pw));
		if (!hash) {
			fprintf(stderr, "supportdesk: hashing failed (out of memory?)\n");
			config_free(&cfg);
			return 1;
		}
	}
	int rc = 1;
	db *conn = db_new(cfg.database_url, cfg.connect_timeout_s, cfg.statement_timeout_ms, "supportdesk-user-add");
	arena *a = arena_new(4096);
	db_tx tx;
	db_tx_init(&tx, conn, a, NULL, "user-add", NULL);
	const char *id;
	switch (auth_user_add(&tx, email, name, role, hash, &id)) {
	case 1:
		if (db_tx_commit(&tx) == DB_OK) {
			printf("%s\t%s\t%s%s\n", id, email, role ? "platform " : "customer", role ? role : "");
			rc = 0;
		} else {
			fprintf(stderr, "supportdesk: user add: the commit failed\n");
		}
		break;
	case 0:
		fprintf(stderr, "supportdesk: user add: an account with the address %s exists already\n", email);
		db_tx_rollback(&tx);
		break;
	default:
		if (strcmp(db_tx_sqlstate(&tx), "42501") == 0)
			fprintf(stderr, "supportdesk: user add: permission denied: run it as the owner role "
			                "(DATABASE_URL as for `supportdesk migrate`)\n");
		else if (db_tx_status(&tx) == DB_UNAVAILABLE)
			fprintf(stderr, "supportdesk: user add: PostgreSQL is unreachable (DATABASE_URL)\n");
		else
			fprintf(stderr, "supportdesk: user add: the database refused it (SQLSTATE %s)\n", db_tx_sqlstate(&tx));
		db_tx_rollback(&tx);
		break;
	}
	arena_free(a);
	db_free(conn);
	free(hash);
	config_free(&cfg);
	return rc;
}

/* ---- user set-role, user deactivate, org add, org provision ----
 * As `user add`: the owner role (DATABASE_URL as for `migrate`), one
 * transaction per command. Exit 0 done, 1 refused or failed, 2 usage. */

typedef struct {
	config cfg;
	db *conn;
	arena *a;
	db_tx tx;
	kv *kv;
	tmpl_set *templates;
} cli_ctx;

/* Options "--name value" after argv[first] into values (NULL when absent).
 * 0, or -1 after naming an unknown or incomplete option. */
static int cli_options(int argc, char **argv, int first, const char *const *names, const char **values, size_t n,
    const char *what)
{
	for (size_t k = 0; k < n; k++)
		values[k] = NULL;
	for (int i = first; i < argc; i++) {
		size_t k = 0;
		while (k < n && strcmp(argv[i], names[k]) != 0)
			k++;
		if (k == n || i + 1 >= argc) {
			fprintf(stderr, "supportdesk: %s: unknown or incomplete option '%s'\n", what, argv[i]);
			return -1;
		}
		values[k] = argv[++i];
	}
	return 0;
}

static int cli_open(cli_ctx *c, const char *name, bool mail)
{
	memset(c, 0, sizeof *c);
	char err[512];
	if (crypto_init() < 0 || config_load(&c->cfg, err, sizeof err) < 0 ||
	    (mail && config_load_secret(&c->cfg, err, sizeof err) < 0)) {
		fprintf(stderr, "supportdesk: %s\n", err);
		return -1;
	}
	if (mail && tmpl_set_load_dir(c->cfg.templates_dir, &c->templates, err, sizeof err) < 0) {
		fprintf(stderr, "supportdesk: %s\n", err);
		config_free(&c->cfg);
		return -1;
	}
	c->conn = db_new(c->cfg.database_url, c->cfg.connect_timeout_s, c->cfg.statement_timeout_ms, name);
	c->a = arena_new(8192);
	db_tx_init(&c->tx, c->conn, c->a, NULL, name, NULL);
	return 0;
}

static kv *cli_kv(cli_ctx *c)
{
	if (!c->kv)
		c->kv = kv_new(c->cfg.redis_url, c->cfg.redis_timeout_ms);
	return c->kv;
}

static void cli_close(cli_ctx *c)
{
	db_tx_rollback(&c->tx);
	if (c->kv)
		kv_free(c->kv);
	if (c->templates)
		tmpl_set_free(c->templates);
	arena_free(c->a);
	db_free(c->conn);
	config_free(&c->cfg);
}

/* The message for a failed statement. Returns 1. */
static int cli_db_failed(cli_ctx *c, const char *what)
{
	if (strcmp(db_tx_sqlstate(&c->tx), "42501") == 0 || strcmp(db_tx_sqlstate(&c->tx), "42883") == 0)
		fprintf(stderr, "supportdesk: %s: permission denied: run it as the owner role "
		                "(DATABASE_URL as for `supportdesk migrate`)\n", what);
	else if (db_tx_status(&c->tx) == DB_UNAVAILABLE)
		fprintf(stderr, "supportdesk: %s: PostgreSQL is unreachable (DATABASE_URL)\n", what);
	else
		fprintf(stderr, "supportdesk: %s: the database refused it (SQLSTATE %s)\n", what, db_tx_sqlstate(&c->tx));
	return 1;
}

static int cli_commit(cli_ctx *c, const char *what)
{
	if (db_tx_commit(&c->tx) != DB_OK) {
		fprintf(stderr, "supportdesk: %s: the commit failed; nothing changed\n", what);
		return 1;
	}
	return 0;
}

static bool cli_email_ok(const char *email, const char *what, const char *option)
{
	if (email && strlen(email) <= 254 && form_email_valid(str_from_cstr(email)) && !strpbrk(email, " \t\r\n"))
		return true;
	fprintf(stderr, "supportdesk: %s: %s needs an address like name@example.com\n", what, option);
	return false;
}

/* A name of 1 to 200 characters on one line (absent is fine when optional). */
static bool cli_name_ok(const char *name, bool optional, const char *what, const char *option)
{
	if (!name && optional)
		return true;
	str n = form_trim(str_from_cstr(name));
	if (n.len && form_chars(n) <= 200 && utf8_valid(n.ptr, n.len) && !strpbrk(name, "\r\n\t"))
		return true;
	fprintf(stderr, "supportdesk: %s: %s needs a name of 1 to 200 characters on one line\n", what, option);
	return false;
}

static int cmd_user_set_role(int argc, char **argv)
{
	static const char *const names[] = { "--email", "--platform-role" };
	const char *v[2];
	const char *what = "user set-role";
	if (cli_options(argc, argv, 3, names, v, 2, what) < 0)
		return user_usage();
	if (!cli_email_ok(v[0], what, "--email"))
		return user_usage();
	if (!v[1] || (strcmp(v[1], "admin") != 0 && strcmp(v[1], "agent") != 0 && strcmp(v[1], "none") != 0)) {
		fprintf(stderr, "supportdesk: %s: --platform-role is admin, agent or none\n", what);
		return user_usage();
	}
	cli_ctx c;
	if (cli_open(&c, "supportdesk-user-set-role", false) < 0)
		return 1;
	const char *role = strcmp(v[1], "none") == 0 ? NULL : v[1];
	const char *id, *why;
	int rc = 1;
	switch (operator_set_platform_role(&c.tx, v[0], role, &id, &why)) {
	case 1:
		if ((rc = cli_commit(&c, what)) == 0)
			printf("%s\t%s\tplatform role %s\n", id, v[0], v[1]);
		break;
	case 0:
		fprintf(stderr, "supportdesk: %s: no account has the address %s\n", what, v[0]);
		break;
	default:
		rc = cli_db_failed(&c, what);
	}
	cli_close(&c);
	return rc;
}

static int cmd_user_deactivate(int argc, char **argv)
{
	static const char *const names[] = { "--email" };
	const char *v[1];
	const char *what = "user deactivate";
	if (cli_options(argc, argv, 3, names, v, 1, what) < 0)
		return user_usage();
	if (!cli_email_ok(v[0], what, "--email"))
		return user_usage();
	cli_ctx c;
	if (cli_open(&c, "supportdesk-user-deactivate", false) < 0)
		return 1;
	const char *id;
	bool was_active;
	int rc = 1;
	switch (operator_deactivate_user(&c.tx, v[0], &id, &was_active)) {
	case 1: {
		/* The sessions end before the commit: when Redis cannot be
		 * reached nothing changes, rather than an account that is
		 * deactivated but still signed in somewhere. */
		long ended = 0;
		kv *k = cli_kv(&c);
		if (!k || session_destroy_all(k, c.a, id, &ended) != KV_OK || user_links_revoke(k, c.a, id) != KV_OK) {
			fprintf(stderr, "supportdesk: %s: Redis is unreachable (REDIS_URL): nothing changed\n", what);
			break;
		}
		if ((rc = cli_commit(&c, what)) == 0)
			printf("%s\t%s\tdeactivated%s, %ld session%s ended\n", id, v[0], was_active ? "" : " already", ended,
			    ended == 1 ? "" : "s");
		break;
	}
	case 0:
		fprintf(stderr, "supportdesk: %s: no account has the address %s\n", what, v[0]);
		break;
	default:
		rc = cli_db_failed(&c, what);
	}
	cli_close(&c);
	return rc;
}

static int org_usage(void)
{
	fputs("usage: supportdesk org add --name NAME --slug SLUG [--prefix PREFIX]\n"
	      "       supportdesk org provision --slug SLUG --admin-email EMAIL [--admin-name NAME]\n"
	      "  add: a new organization (not yet provisioned). SLUG: lowercase letters, digits and\n"
	      "  hyphens (1 to 64, no hyphen at either end); PREFIX: its ticket numbers' prefix, 2 to 10\n"
	      "  capital letters and digits starting with a letter (default: the system's).\n"
	      "  provision: the organization becomes a desk with EMAIL as an admin (the account is\n"
	      "  made when new) and EMAIL gets a link to choose a password (REDIS_URL, BASE_URL and\n"
	      "  the server secret as for `serve`; the mailer sends it).\n"
	      "  As the owner role (DATABASE_URL as for `supportdesk migrate`).\n",
	    stderr);
	return 2;
}

static int cmd_org_add(int argc, char **argv)
{
	static const char *const names[] = { "--name", "--slug", "--prefix" };
	const char *v[3];
	const char *what = "org add";
	if (cli_options(argc, argv, 3, names, v, 3, what) < 0)
		return org_usage();
	if (!cli_name_ok(v[0], false, what, "--name"))
		return org_usage();
	if (!org_slug_valid(v[1])) {
		fprintf(stderr, "supportdesk: %s: --slug needs lowercase letters, digits and hyphens, like acme-support\n", what);
		return org_usage();
	}
	if (v[2] && !ticket_prefix_valid(v[2])) {
		fprintf(stderr, "supportdesk: %s: --prefix needs 2 to 10 capital letters and digits starting with a letter, like ACME\n",
		    what);
		return org_usage();
	}
	cli_ctx c;
	if (cli_open(&c, "supportdesk-org-add", false) < 0)
		return 1;
	const char *id, *why;
	int rc = 1;
	switch (operator_org_add(&c.tx, v[0], v[1], v[2], &id, &why)) {
	case 1:
		if ((rc = cli_commit(&c, what)) == 0)
			printf("%s\t%s\tadded (not yet provisioned)\n", id, v[1]);
		break;
	case 0:
		if (strcmp(why, "slug_taken") == 0)
			fprintf(stderr, "supportdesk: %s: an organization with the slug %s exists already\n", what, v[1]);
		else
			fprintf(stderr, "supportdesk: %s: the database refused the name, slug or prefix\n", what);
		break;
	default:
		rc = cli_db_failed(&c, what);
	}
	cli_close(&c);
	return rc;
}

/* Queues the invitation to choose a password, sealed as the workers seal
 * theirs (the mailer opens it with the server secret). 0 or -1. */
static int cli_invite_email(cli_ctx *c, const char *org_name, const char *user_id, const char *email, const char *name)
{
	char *token;
	kv *k = cli_kv(c);
	if (!k || reset_link_create(k, c->a, user_id, c->cfg.password_reset_ttl_s, &token) != KV_OK) {
		fprintf(stderr, "supportdesk: org provision: Redis is unreachable (REDIS_URL): nothing changed\n");
		return -1;
	}
	tv *v = tv_object(c->a);
	tv_set_str(c->a, v, "site_name", "Supportdesk");
	tv_set_str(c->a, v, "org_name", org_name);
	tv_set_bool(c->a, v, "as_admin", true);
	tv_set_str(c->a, v, "link", arena_sprintf(c->a, "%s/password/reset/%s", c->cfg.base_url, token));
	tv_set_str(c->a, v, "forgot_link", arena_sprintf(c->a, "%s/password/forgot", c->cfg.base_url));
	tv_set_int(c->a, v, "minutes", c->cfg.password_reset_ttl_s / 60);
	mail_rendered mail;
	if (mail_render(c->templates, c->a, "member_invite", v, &mail) != 0) {
		fprintf(stderr, "supportdesk: org provision: the email templates member_invite_* are missing or broken "
		                "(SUPPORTDESK_TEMPLATES)\n");
		return -1;
	}
	email_message m = { .to = email, .to_name = name, .user_id = user_id, .subject = mail.subject,
		.text = crypto_seal_text(c->a, c->cfg.secret, OUTBOX_SEAL_CONTEXT, mail.text),
		.html = crypto_seal_text(c->a, c->cfg.secret, OUTBOX_SEAL_CONTEXT, mail.html), .sealed = true };
	if (email_enqueue(&c->tx, &m) != 0) {
		cli_db_failed(c, "org provision");
		return -1;
	}
	return 0;
}

static int cmd_org_provision(int argc, char **argv)
{
	static const char *const names[] = { "--slug", "--admin-email", "--admin-name" };
	const char *v[3];
	const char *what = "org provision";
	if (cli_options(argc, argv, 3, names, v, 3, what) < 0)
		return org_usage();
	if (!org_slug_valid(v[0])) {
		fprintf(stderr, "supportdesk: %s: --slug needs the slug of an organization, like acme-support\n", what);
		return org_usage();
	}
	if (!cli_email_ok(v[1], what, "--admin-email") || !cli_name_ok(v[2], true, what, "--admin-name"))
		return org_usage();
	cli_ctx c;
	if (cli_open(&c, "supportdesk-org-provision", true) < 0)
		return 1;
	const char *org, *org_name, *user, *why;
	bool created;
	int rc = 1;
	switch (operator_org_provision(&c.tx, v[0], v[1], v[2], &org, &org_name, &user, &created, &why)) {
	case 1:
		if (cli_invite_email(&c, org_name, user, v[1], v[2]) == 0 && (rc = cli_commit(&c, what)) == 0)
			printf("%s\t%s\tprovisioned; admin %s (%s account) emailed a link to choose a password\n", org, v[0], v[1],
			    created ? "new" : "existing");
		break;
	case 0:
		if (strcmp(why, "no_org") == 0)
			fprintf(stderr, "supportdesk: %s: no organization has the slug %s (add it with `supportdesk org add`)\n",
			    what, v[0]);
		else if (strcmp(why, "user_inactive") == 0)
			fprintf(stderr, "supportdesk: %s: the account %s is deactivated\n", what, v[1]);
		else
			fprintf(stderr, "supportdesk: %s: the database refused the address or name\n", what);
		break;
	default:
		rc = cli_db_failed(&c, what);
	}
	cli_close(&c);
	return rc;
}

static int cmd_org(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[2], "add") == 0)
		return cmd_org_add(argc, argv);
	if (argc >= 3 && strcmp(argv[2], "provision") == 0)
		return cmd_org_provision(argc, argv);
	return org_usage();
}

/* ---- api-key ---- */

static int api_key_usage(void)
{
	fputs("usage: supportdesk api-key add --org SLUG --name NAME --scope SCOPE [--scope SCOPE...]\n"
	      "                               [--expires YYYY-MM-DD]\n"
	      "  Prints the key once; only its hash is kept. As the owner role (DATABASE_URL as for\n"
	      "  `supportdesk migrate`).\n",
	    stderr);
	return 2;
}

static int cmd_api_key(int argc, char **argv)
{
	const char *what = "api-key add";
	if (argc < 3 || strcmp(argv[2], "add") != 0)
		return api_key_usage();
	const char *slug = NULL, *name = NULL, *expires = NULL;
	unsigned scopes = 0;
	for (int i = 3; i < argc; i++) {
		if (i + 1 >= argc) {
			fprintf(stderr, "supportdesk: %s: incomplete option '%s'\n", what, argv[i]);
			return api_key_usage();
		}
		if (strcmp(argv[i], "--org") == 0)
			slug = argv[++i];
		else if (strcmp(argv[i], "--name") == 0)
			name = argv[++i];
		else if (strcmp(argv[i], "--expires") == 0)
			expires = argv[++i];
		else if (strcmp(argv[i], "--scope") == 0) {
			unsigned bit = api_scope_from_name(str_from_cstr(argv[++i]));
			if (!bit) {
				fprintf(stderr, "supportdesk: %s: unknown scope '%s'\n", what, argv[i]);
				return api_key_usage();
			}
			scopes |= bit;
		} else {
			fprintf(stderr, "supportdesk: %s: unknown option '%s'\n", what, argv[i]);
			return api_key_usage();
		}
	}
	if (!slug || !org_slug_valid(slug)) {
		fprintf(stderr, "supportdesk: %s: --org needs the organization's slug\n", what);
		return api_key_usage();
	}
	if (!name || strlen(name) > 100 || !cli_name_ok(name, false, what, "--name"))
		return api_key_usage();
	if (!scopes) {
		fprintf(stderr, "supportdesk: %s: give at least one --scope\n", what);
		return api_key_usage();
	}
	if (expires && (strlen(expires) != 10 || expires[4] != '-' || expires[7] != '-')) {
		fprintf(stderr, "supportdesk: %s: --expires needs a date like 2027-01-31\n", what);
		return api_key_usage();
	}
	cli_ctx c;
	if (cli_open(&c, "supportdesk-api-key-add", false) < 0)
		return 1;
	char secret[64];
	unsigned char hash[32];
	api_key_secret_new(c.a, secret, hash);
	const char *key_id;
	int rc = 1;
	const char *res = api_key_create_operator(&c.tx, slug, name, scopes, expires, hash, &key_id);
	if (!res)
		rc = cli_db_failed(&c, what);
	else if (strcmp(res, "no_org") == 0)
		fprintf(stderr, "supportdesk: %s: no active organization has the slug %s\n", what, slug);
	else if (strcmp(res, "ok") != 0)
		fprintf(stderr, "supportdesk: %s: the database refused the name, scopes or expiry\n", what);
	else if ((rc = cli_commit(&c, what)) == 0)
		printf("%s\n", api_key_format(c.a, key_id, secret));
	cli_close(&c);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	const char *cmd = argv[1];
	if (strcmp(cmd, "serve") == 0)
		return server_run();
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate();
	if (strcmp(cmd, "mail-in") == 0)
		return mail_in_main(argc, argv);
	if (strcmp(cmd, "mailer") == 0)
		return cmd_mailer(argc, argv);
	if (strcmp(cmd, "scheduler") == 0)
		return cmd_scheduler(argc, argv);
	if (strcmp(cmd, "render") == 0)
		return tmpl_render_cli(argc - 1, argv + 1);
	if (strcmp(cmd, "config") == 0)
		return cmd_config();
	if (strcmp(cmd, "passwd-hash") == 0)
		return cmd_passwd_hash();
	if (strcmp(cmd, "user") == 0)
		return cmd_user(argc, argv);
	if (strcmp(cmd, "org") == 0)
		return cmd_org(argc, argv);
	if (strcmp(cmd, "api-key") == 0)
		return cmd_api_key(argc, argv);
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
		return usage(stdout);
	fprintf(stderr, "supportdesk: unknown command '%s'\n", cmd);
	return usage(stderr);
}
