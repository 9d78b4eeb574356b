/* main.c: `supportdesk` subcommand dispatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/server.h"
#include "auth/crypto.h"
#include "core/config.h"
#include "db/db.h"
#include "mail/mailer.h"
#include "tmpl/render_cli.h"

static int usage(FILE *out)
{
	fputs("usage: supportdesk COMMAND\n"
	      "  serve                     run the FastCGI master and its workers\n"
	      "  migrate                   apply sql/migrations to DATABASE_URL (the owner role)\n"
	      "  mailer [--once]           deliver the email outbox (serve runs one unless SUPPORTDESK_MAILER=0)\n"
	      "  render DIR NAME DATA.json render template NAME from DIR with a JSON context\n"
	      "  config                    print every setting and its current value\n"
	      "  passwd-hash               read a password on stdin, print its argon2id hash\n",
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

static int cmd_passwd_hash(void)
{
	char pw[1024];
	if (crypto_init() < 0 || !fgets(pw, sizeof pw, stdin)) {
		fprintf(stderr, "supportdesk: no password on stdin\n");
		return 1;
	}
	pw[strcspn(pw, "\r\n")] = '\0';
	if (strlen(pw) < 8) {
		fprintf(stderr, "supportdesk: a password has at least 8 characters\n");
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
	if (strcmp(cmd, "render") == 0)
		return tmpl_render_cli(argc - 1, argv + 1);
	if (strcmp(cmd, "config") == 0)
		return cmd_config();
	if (strcmp(cmd, "passwd-hash") == 0)
		return cmd_passwd_hash();
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
		return usage(stdout);
	fprintf(stderr, "supportdesk: unknown command '%s'\n", cmd);
	return usage(stderr);
}
