/* e2e_staff.c: see e2e_staff.h. */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e/e2e_staff.h"

int e2e_cli(const char *args)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "'%s' %s >/dev/null 2>&1", env_or("SUPPORTDESK_BIN", "build/supportdesk"), args);
	return run_sh(cmd);
}

resp post_form(const char *path, jar *j, const char *csrf, const char *fields)
{
	char *c = curl_easy_escape(NULL, csrf, 0);
	dbuf b = { 0 };
	dbuf_addf(&b, "_csrf=%s&%s", c, fields);
	curl_free(c);
	resp r = http("POST", path, j, E2E_FORM, b.data, b.len);
	dbuf_free(&b);
	return r;
}

char *csrf_of(const char *path, jar *j)
{
	resp r = http("GET", path, j, NULL, NULL, 0);
	ck_status(r, 200, path);
	char *csrf = attr_after(r.body.data, "name=\"_csrf\"", "value");
	ck_assert_msg(csrf != NULL, "no _csrf on %s", path);
	resp_free(&r);
	return csrf;
}

long status_of(const char *path, jar *j)
{
	resp r = http("GET", path, j, NULL, NULL, 0);
	long st = r.status;
	resp_free(&r);
	return st;
}

/* The argon2id hash of E2E_PASSWORD, made once by `supportdesk
 * passwd-hash` as an operator would. */
static const char *password_hash(void)
{
	static char hash[256];
	if (hash[0])
		return hash;
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "printf '%%s' '%s' | '%s' passwd-hash", E2E_PASSWORD,
	    env_or("SUPPORTDESK_BIN", "build/supportdesk"));
	FILE *f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(hash, sizeof hash, f));
	pclose(f);
	hash[strcspn(hash, "\r\n")] = '\0';
	ck_assert_msg(strncmp(hash, "$argon2id$", 10) == 0, "passwd-hash printed %s", hash);
	return hash;
}

char *org_create(const char *what, char *slug, size_t n)
{
	char tag[96];
	uniq(tag, sizeof tag, what);
	for (char *c = tag; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	char *id = owner_sql("insert into organizations (name, slug) values ($1::text, $1::citext) returning id", tag, NULL, NULL);
	free(owner_sql("insert into organization_settings (organization_id, is_provisioned, provisioned_at) "
	               "values ($1, true, now())", id, NULL, NULL));
	if (slug)
		snprintf(slug, n, "%s", tag);
	return id;
}

char *staff_account(const char *what, const char *org, const char *role, char *email, size_t n)
{
	char tag[96];
	uniq(tag, sizeof tag, what);
	snprintf(email, n, "%s@desk.example", tag);
	char *id = owner_sql("insert into users (email, name, password_hash, email_verified_at) "
	                     "values ($1, $2, $3, now()) returning id", email, what, password_hash());
	if (org)
		free(owner_sql("insert into memberships (user_id, organization_id, role) values ($1, $2, $3)",
		    id, org, role));
	return id;
}

void sign_in_password(jar *j, const char *email, char *loc, size_t n)
{
	resp r = http("GET", "/login", j, NULL, NULL, 0);
	ck_status(r, 200, "GET /login");
	char *csrf = attr_after(r.body.data, "action=\"/login\"", "value");
	ck_assert_ptr_nonnull(csrf);
	resp_free(&r);
	char *e = curl_easy_escape(NULL, email, 0);
	char fields[512];
	snprintf(fields, sizeof fields, "email=%s&password=%s", e, E2E_PASSWORD);
	curl_free(e);
	r = post_form("/login", j, csrf, fields);
	free(csrf);
	ck_status(r, 303, "POST /login");
	ck_assert(resp_header(&r, "Location", loc, n));
	resp_free(&r);
}

/* "/password/reset/<token>" from a mail's text part (malloc'd). */
static char *reset_path(const char *raw)
{
	char *text = mail_part(raw, "text/plain");
	ck_assert_msg(text != NULL, "no text/plain part");
	const char *p = strstr(text, "/password/reset/");
	ck_assert_msg(p != NULL, "no set-password link in: %s", text);
	size_t n = strlen("/password/reset/");
	while (isalnum((unsigned char)p[n]) || p[n] == '-' || p[n] == '_')
		n++;
	char *path = strndup(p, n);
	free(text);
	return path;
}

void choose_password(jar *j, const char *raw_mail, const char *password, char *home, size_t n)
{
	char *path = reset_path(raw_mail);
	char *csrf = csrf_of(path, j);
	char *pw = curl_easy_escape(NULL, password, 0);
	char fields[512];
	snprintf(fields, sizeof fields, "password=%s&password_confirm=%s", pw, pw);
	curl_free(pw);
	resp r = post_form(path, j, csrf, fields);
	ck_status(r, 303, "POST the set-password link");
	if (home) {
		home[0] = '\0';
		resp_header(&r, "Location", home, n);
	}
	resp_free(&r);
	free(csrf);
	free(path);
}
