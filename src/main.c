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
#include "model/auth.h"
#include "model/submit_form.h"
#include "sched/scheduler.h"
#include "tmpl/render_cli.h"

static int usage(FILE *out)
{
	fputs("usage: supportdesk COMMAND\n"
	      "  serve                     run the FastCGI master and its workers\n"
	      "  migrate                   apply sql/migrations to DATABASE_URL (the owner role)\n"
	      "  mailer [--once]           deliver the email outbox (serve runs one unless SUPPORTDESK_MAILER=0)\n"
	      "  scheduler [--once]        run the periodic jobs: SLA escalations, purges (serve runs one\n"
	      "                            unless SUPPORTDESK_SCHEDULER=0; any number may run, one works)\n"
	      "  render DIR NAME DATA.json render template NAME from DIR with a JSON context\n"
	      "  config                    print every setting and its current value\n"
	      "  passwd-hash               read a password on stdin, print its argon2id hash\n"
	      "  user add --email E --name N [--platform-role admin|agent] [--password-stdin]\n"
	      "                            add an account (as the owner role, like migrate)\n",
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
	      "  password at /password/forgot.\n",
	    stderr);
	return 2;
}

/* `supportdesk user add`: staff accounts (and customers) from the command
 * line, for the first platform admin above all. */
static int cmd_user(int argc, char **argv)
{
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

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	const char *cmd = argv[1];
	if (strcmp(cmd, "serve") == 0)
		return server_run();
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate();
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
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
		return usage(stdout);
	fprintf(stderr, "supportdesk: unknown command '%s'\n", cmd);
	return usage(stderr);
}
