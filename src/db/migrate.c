/* migrate.c: `supportdesk migrate`: applies sql/migrations/NNNN_name.sql in
 * order, each in its own transaction, and refuses edited applied files. */
#include <dirent.h>
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/crypto.h"
#include "db/db.h"

#define MIGRATION_MAX_FILES 4096
#define MIGRATION_MAX_BYTES (16L << 20)

static bool migration_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n < 10 || n > 200 || strcmp(name + n - 4, ".sql") != 0)
		return false;
	for (int i = 0; i < 4; i++)
		if (name[i] < '0' || name[i] > '9')
			return false;
	return name[4] == '_';
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *file_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *data = NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long n = ftell(f);
		if (n >= 0 && n <= MIGRATION_MAX_BYTES && fseek(f, 0, SEEK_SET) == 0) {
			data = malloc((size_t)n + 1);
			if (data && fread(data, 1, (size_t)n, f) == (size_t)n) {
				data[n] = '\0';
				*len = (size_t)n;
			} else {
				free(data);
				data = NULL;
			}
		}
	}
	fclose(f);
	return data;
}

static bool exec_ok(PGconn *c, PGresult *res, const char *what)
{
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return true;
	fprintf(stderr, "migrate: %s: %s", what, res ? PQresultErrorMessage(res) : PQerrorMessage(c));
	return false;
}

static bool run(PGconn *c, const char *sql, const char *what)
{
	PGresult *res = PQexec(c, sql);
	bool ok = exec_ok(c, res, what);
	PQclear(res);
	return ok;
}

static void notice_ignore(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int db_migrate(const char *url, const char *dir, bool quiet)
{
	int rc = -1;
	char **names = NULL;
	size_t n = 0;
	PGconn *c = NULL;
	DIR *dh = opendir(dir);
	if (!dh) {
		fprintf(stderr, "migrate: cannot open %s: %s\n", dir, strerror(errno));
		return -1;
	}
	names = calloc(MIGRATION_MAX_FILES, sizeof *names);
	if (!names)
		goto out;
	for (struct dirent *e; (e = readdir(dh));) {
		if (!migration_name_ok(e->d_name))
			continue;
		if (n == MIGRATION_MAX_FILES) {
			fprintf(stderr, "migrate: too many files in %s\n", dir);
			goto out;
		}
		names[n++] = strdup(e->d_name);
	}
	qsort(names, n, sizeof *names, name_cmp);

	c = PQconnectdb(url);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "migrate: cannot connect: %s", PQerrorMessage(c));
		goto out;
	}
	PQsetNoticeProcessor(c, notice_ignore, NULL);
	/* Two runners (two nodes deploying at once) must not interleave. */
	if (!run(c, "select pg_advisory_lock(727274)", "lock") ||
	    !run(c, "create table if not exists schema_migrations ("
	             " version text primary key,"
	             " checksum text not null,"
	             " applied_at timestamptz not null default now())", "schema_migrations") ||
	    /* Only the owner reads it; RLS on every table is the rule, here too. */
	    !run(c, "alter table schema_migrations enable row level security", "schema_migrations"))
		goto out;

	size_t applied = 0;
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		size_t len = 0;
		char *sql = file_read(path, &len);
		if (!sql) {
			fprintf(stderr, "migrate: cannot read %s\n", path);
			goto out;
		}
		unsigned char h[CRYPTO_SHA256_LEN];
		crypto_sha256(h, sql, len);
		char sum[CRYPTO_SHA256_LEN * 2 + 1];
		crypto_hex_into(sum, h, sizeof h);

		const char *p1[1] = { names[i] };
		PGresult *res = PQexecParams(c, "select checksum from schema_migrations where version = $1",
		    1, NULL, p1, NULL, NULL, 0);
		if (!exec_ok(c, res, names[i])) {
			PQclear(res);
			free(sql);
			goto out;
		}
		if (PQntuples(res) == 1) {
			bool same = strcmp(PQgetvalue(res, 0, 0), sum) == 0;
			PQclear(res);
			free(sql);
			if (!same) {
				fprintf(stderr, "migrate: %s was changed after it was applied; "
				    "write a new migration instead of editing an applied one\n", names[i]);
				goto out;
			}
			continue;
		}
		PQclear(res);
		bool ok = run(c, "BEGIN", "begin") && run(c, sql, names[i]);
		free(sql);
		if (ok) {
			const char *p2[2] = { names[i], sum };
			res = PQexecParams(c, "insert into schema_migrations (version, checksum) values ($1, $2)",
			    2, NULL, p2, NULL, NULL, 0);
			ok = exec_ok(c, res, names[i]);
			PQclear(res);
		}
		if (!ok || !run(c, "COMMIT", "commit")) {
			run(c, "ROLLBACK", "rollback");
			fprintf(stderr, "migrate: %s failed; nothing of it was applied\n", names[i]);
			goto out;
		}
		applied++;
		if (!quiet)
			printf("migrate: applied %s\n", names[i]);
	}
	if (!quiet)
		printf("migrate: %zu applied, %zu already up to date\n", applied, n - applied);
	rc = 0;
out:
	if (c)
		PQfinish(c);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(dh);
	return rc;
}
