/* config.c: settings from the environment and an optional KEY=VALUE file.
 * Every variable is declared once in config_vars[], which drives loading,
 * validation and `supportdesk config`. */
#include "config.h"
#include "core/str.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum var_type { VAR_STR, VAR_INT, VAR_LONG, VAR_OCTAL, VAR_RATE };

struct config_var {
	const char *name;
	enum var_type type;
	size_t offset;
	const char *def; /* NULL: computed in config_defaults or empty */
	long min, max;
	const char *help;
};

#define OFF(f) offsetof(config, f)

static const struct config_var config_vars[] = {
	{ "DATABASE_URL", VAR_STR, OFF(database_url), NULL, 0, 0, "libpq URI of the application role" },
	{ "REDIS_URL", VAR_STR, OFF(redis_url), NULL, 0, 0, "unix:///path/redis.sock or redis://host:port/db" },
	{ "SUPPORTDESK_CONNECT_TIMEOUT", VAR_INT, OFF(connect_timeout_s), "2", 1, 60, "seconds to wait for PostgreSQL to connect" },
	{ "SUPPORTDESK_STATEMENT_TIMEOUT_MS", VAR_INT, OFF(statement_timeout_ms), "5000", 10, 600000, "statement_timeout of every request" },
	{ "SUPPORTDESK_REDIS_TIMEOUT_MS", VAR_INT, OFF(redis_timeout_ms), "500", 10, 60000, "Redis connect and command timeout" },
	{ "SUPPORTDESK_LISTEN", VAR_STR, OFF(listen), NULL, 0, 0, "FastCGI socket: a unix path or host:port" },
	{ "SUPPORTDESK_SOCKET_MODE", VAR_OCTAL, OFF(socket_mode), "0660", 0, 0777, "permissions of the unix socket" },
	{ "SUPPORTDESK_BACKLOG", VAR_INT, OFF(backlog), "1024", 16, 65535, "listen(2) backlog" },
	{ "SUPPORTDESK_WORKERS", VAR_INT, OFF(workers), NULL, 1, 512, "worker processes (default: CPU count)" },
	{ "SUPPORTDESK_DRAIN_TIMEOUT", VAR_INT, OFF(drain_timeout_s), "30", 1, 3600, "seconds a stopping worker may finish its request" },
	{ "SUPPORTDESK_PIDFILE", VAR_STR, OFF(pidfile), "", 0, 0, "file the master writes its pid to" },
	{ "SUPPORTDESK_TEMPLATES", VAR_STR, OFF(templates_dir), "templates", 0, 0, "template directory" },
	{ "SUPPORTDESK_MIGRATIONS", VAR_STR, OFF(migrations_dir), "sql/migrations", 0, 0, "migration directory" },
	{ "SUPPORTDESK_OPENAPI", VAR_STR, OFF(openapi_path), "api/openapi.json", 0, 0, "the REST API's OpenAPI document, served at /api/v1/openapi.json" },
	{ "SUPPORTDESK_SECRET_FILE", VAR_STR, OFF(secret_file), "var/secret.key", 0, 0, "file holding the server key (hex, >= 32 bytes)" },
	{ "MAIL_DIR", VAR_STR, OFF(mail_dir), "var/mail", 0, 0, "development mail drop (.eml files)" },
	{ "SUPPORTDESK_UPLOAD_DIR", VAR_STR, OFF(upload_dir), "var/tmp", 0, 0, "uploads being received, as unlinked files: on disk, not tmpfs" },
	{ "BASE_URL", VAR_STR, OFF(base_url), "http://127.0.0.1:8080", 0, 0, "public URL; https turns on Secure cookies" },
	{ "SUPPORTDESK_MAX_BODY", VAR_LONG, OFF(max_body), "67108864", 1024, 1L << 31, "bytes of one request body (413 above)" },
	{ "SUPPORTDESK_MAX_HEADER_SIZE", VAR_LONG, OFF(max_header_size), "16384", 1024, 1L << 20, "bytes of all request headers together (400 above)" },
	{ "SUPPORTDESK_MAX_FIELDS", VAR_LONG, OFF(max_fields), "200", 1, 100000, "form fields per request (413 above)" },
	{ "SUPPORTDESK_MAX_FIELD_SIZE", VAR_LONG, OFF(max_field_size), "65536", 64, 1L << 24, "bytes of one form field (413 above)" },
	{ "SUPPORTDESK_MAX_FORM_TEXT", VAR_LONG, OFF(max_form_text), "1048576", 1024, 1L << 30, "bytes of a form's text fields together, held in memory (413 above; files do not count)" },
	{ "SUPPORTDESK_MAX_PARTS", VAR_LONG, OFF(max_parts), "256", 1, 100000, "multipart parts per request (413 above)" },
	{ "SUPPORTDESK_MAX_PART_HEADER", VAR_LONG, OFF(max_part_header), "4096", 256, 1L << 20, "bytes of one part's headers (413 above)" },
	{ "SUPPORTDESK_MAX_FILES", VAR_LONG, OFF(max_files), "10", 0, 1000, "uploaded files per request (413 above)" },
	{ "SUPPORTDESK_MAX_FILE_SIZE", VAR_LONG, OFF(max_file_size), "26214400", 0, 1L << 31, "bytes of one uploaded file (413 above)" },
	{ "SUPPORTDESK_MAX_COOKIES", VAR_LONG, OFF(max_cookies), "50", 1, 1000, "cookies per request (400 above)" },
	{ "SUPPORTDESK_SESSION_IDLE", VAR_INT, OFF(session_idle_s), "7200", 60, 31536000, "seconds a session lives without use" },
	{ "SUPPORTDESK_SESSION_ABSOLUTE", VAR_INT, OFF(session_absolute_s), "43200", 60, 31536000, "seconds a session lives at most" },
	{ "SUPPORTDESK_SESSION_REMEMBER", VAR_INT, OFF(session_remember_s), "2592000", 60, 31536000, "idle and absolute lifetime of a remembered customer session" },
	{ "SUPPORTDESK_LOG_LEVEL", VAR_STR, OFF(log_level), "info", 0, 0, "debug, info, warn or error" },
	{ "SUPPORTDESK_MAIL_FROM", VAR_STR, OFF(mail_from), "Supportdesk <support@localhost>", 0, 0, "From: of every email" },
	{ "SUPPORTDESK_MAIL_TRANSPORT", VAR_STR, OFF(mail_transport), "file", 0, 0, "file (writes .eml to MAIL_DIR) or smtp" },
	{ "SUPPORTDESK_SMTP_URL", VAR_STR, OFF(smtp_url), "smtp://127.0.0.1:25", 0, 0, "smtp://host:port or smtps://host:port" },
	{ "SUPPORTDESK_SMTP_USER", VAR_STR, OFF(smtp_user), "", 0, 0, "SMTP user (empty: no authentication)" },
	{ "SUPPORTDESK_SMTP_PASSWORD", VAR_STR, OFF(smtp_password), "", 0, 0, "SMTP password" },
	{ "SUPPORTDESK_SMTP_TLS", VAR_STR, OFF(smtp_tls), "try", 0, 0, "STARTTLS: off, try or required" },
	{ "SUPPORTDESK_MAILER", VAR_INT, OFF(run_mailer), "1", 0, 1, "1: serve runs the mailer; 0: run `supportdesk mailer` yourself" },
	{ "SUPPORTDESK_SCHEDULER", VAR_INT, OFF(run_scheduler), "1", 0, 1, "1: serve runs the scheduler; 0: run `supportdesk scheduler` yourself (or on other nodes)" },
	{ "SUPPORTDESK_SCHEDULER_INTERVAL", VAR_INT, OFF(scheduler_interval_s), "60", 1, 3600, "seconds between two runs of the scheduler's SLA job" },
	{ "SUPPORTDESK_SCHEDULER_PURGE_INTERVAL", VAR_INT, OFF(scheduler_purge_interval_s), "3600", 60, 604800, "seconds between two runs of each purge (across every node)" },
	/* workflows */
	{ "SUPPORTDESK_SCHEDULER_VIEWS_INTERVAL", VAR_INT, OFF(scheduler_views_interval_s), "300", 1, 86400, "seconds between two refreshes of the workflow views agent_tickets and workflow_stage_stats (across every node)" },
	{ "SUPPORTDESK_SCHEDULER_BATCH", VAR_INT, OFF(scheduler_batch), "500", 1, 10000, "tickets the SLA job looks at per statement (bounded batches)" },
	{ "SUPPORTDESK_CAPTCHA_MAX_NUMBER", VAR_LONG, OFF(captcha_max_number), "100000", 1000, 100000000, "captcha difficulty (work grows linearly)" },
	{ "SUPPORTDESK_CAPTCHA_TTL", VAR_INT, OFF(captcha_ttl_s), "1200", 60, 86400, "seconds a captcha challenge stays valid" },
	{ "SUPPORTDESK_VERIFY_TTL", VAR_INT, OFF(verify_ttl_s), "3600", 300, 604800, "seconds an email verification link stays valid" },
	{ "SUPPORTDESK_SIGNIN_LINK_TTL", VAR_INT, OFF(signin_link_ttl_s), "86400", 600, 2592000, "seconds the sign-in link of a confirmation email works (once)" },
	{ "SUPPORTDESK_LOGIN_LINK_TTL", VAR_INT, OFF(login_link_ttl_s), "600", 60, 3600, "seconds a sign-in link asked for at /login works (once)" },
	{ "SUPPORTDESK_PASSWORD_RESET_TTL", VAR_INT, OFF(password_reset_ttl_s), "3600", 600, 86400, "seconds a password link works (once)" },
	{ "SUPPORTDESK_SUBMIT_MIN_SECONDS", VAR_INT, OFF(submit_min_fill_s), "3", 0, 600, "a form sent faster than this adds to its spam score" },
	{ "SUPPORTDESK_FORM_CACHE_SECONDS", VAR_INT, OFF(form_cache_s), "5", 0, 3600, "seconds a worker keeps the form configuration before reading it again" },
	{ "SUPPORTDESK_SETTINGS_CACHE_SECONDS", VAR_INT, OFF(settings_cache_s), "5", 0, 3600, "seconds a worker keeps the system settings (rate limits, session timeouts) before reading them again" },
	{ "SUPPORTDESK_EMAIL_STRIP_PLUS", VAR_INT, OFF(email_strip_plus), "1", 0, 1, "rate limits treat a+tag@x as a@x" },
	{ "SUPPORTDESK_TRUSTED_PROXIES", VAR_STR, OFF(trusted_proxies), "", 0, 0, "proxies whose X-Forwarded-For is believed (comma-separated IPs)" },
	{ "SUPPORTDESK_RATE_SUBMIT_IP", VAR_RATE, OFF(rate_submit_ip), "10/3600", 0, 0, "submissions per client address" },
	{ "SUPPORTDESK_RATE_SUBMIT_EMAIL", VAR_RATE, OFF(rate_submit_email), "5/3600", 0, 0, "submissions per email address" },
	{ "SUPPORTDESK_RATE_SUBMIT_NOJS_IP", VAR_RATE, OFF(rate_submit_nojs_ip), "3/3600", 0, 0, "submissions without the captcha (scripts off) per client address" },
	{ "SUPPORTDESK_RATE_SUBMIT_NOJS_EMAIL", VAR_RATE, OFF(rate_submit_nojs_email), "2/3600", 0, 0, "submissions without the captcha (scripts off) per email address or user" },
	{ "SUPPORTDESK_RATE_VERIFY_IP", VAR_RATE, OFF(rate_verify_ip), "30/600", 0, 0, "verification attempts per client address" },
	{ "SUPPORTDESK_RATE_VERIFY_TOKEN", VAR_RATE, OFF(rate_verify_token), "10/3600", 0, 0, "attempts per verification token" },
	{ "SUPPORTDESK_RATE_CHALLENGE_IP", VAR_RATE, OFF(rate_challenge_ip), "60/600", 0, 0, "captcha challenges per client address" },
	{ "SUPPORTDESK_RATE_TRACK_IP", VAR_RATE, OFF(rate_track_ip), "10/600", 0, 0, "guest access (/track) requests per client address" },
	{ "SUPPORTDESK_RATE_TRACK_EMAIL", VAR_RATE, OFF(rate_track_email), "3/600", 0, 0, "guest access (/track) requests per email address" },
	{ "SUPPORTDESK_RATE_LOGIN_IP", VAR_RATE, OFF(rate_login_ip), "30/600", 0, 0, "sign-in attempts per client address" },
	{ "SUPPORTDESK_RATE_LOGIN_EMAIL", VAR_RATE, OFF(rate_login_email), "10/600", 0, 0, "sign-in attempts per email address" },
	{ "SUPPORTDESK_RATE_LOGIN_LINK_IP", VAR_RATE, OFF(rate_login_link_ip), "10/600", 0, 0, "sign-in links per client address" },
	{ "SUPPORTDESK_RATE_LOGIN_LINK_EMAIL", VAR_RATE, OFF(rate_login_link_email), "3/600", 0, 0, "sign-in links per email address" },
	{ "SUPPORTDESK_RATE_REPLY_USER", VAR_RATE, OFF(rate_reply_user), "30/600", 0, 0, "replies per user" },
	{ "SUPPORTDESK_RATE_PASSWORD_USER", VAR_RATE, OFF(rate_password_user), "10/600", 0, 0, "password changes (and set-password emails) tried per user" },
	/* The email channel (mail-in). */
	{ "SUPPORTDESK_MAIL_IN_MAX_BYTES", VAR_LONG, OFF(mail_in_max_bytes), "26214400", 1024, 104857600, "largest message `mail-in` takes; bigger ones are refused (exit 68)" },
	{ "SUPPORTDESK_RATE_MAIL_IN_SENDER", VAR_RATE, OFF(rate_mail_in_sender), "20/3600", 0, 0, "messages taken in per sender address (over it: exit 75, the MTA retries later)" },
	{ "SUPPORTDESK_RATE_MAIL_IN_ADDRESS", VAR_RATE, OFF(rate_mail_in_address), "600/3600", 0, 0, "messages taken in per recipient (support) address" },
	/* The email channel: `mail-in --imap`. */
	{ "SUPPORTDESK_IMAP_URL", VAR_STR, OFF(imap_url), "", 0, 0, "imaps://host[:port] whose mailboxes `mail-in --imap` polls (imap://host: STARTTLS required)" },
	{ "SUPPORTDESK_IMAP_USER", VAR_STR, OFF(imap_user), "", 0, 0, "IMAP login" },
	{ "SUPPORTDESK_IMAP_PASSWORD", VAR_STR, OFF(imap_password), "", 0, 0, "IMAP password" },
	{ "SUPPORTDESK_IMAP_MAILBOXES", VAR_STR, OFF(imap_mailboxes), "INBOX", 0, 0, "mailboxes polled, comma-separated MAILBOX=SUPPORT-ADDRESS (MAILBOX alone: the headers' To/Delivered-To say)" },
	{ "SUPPORTDESK_IMAP_MOVE_TO", VAR_STR, OFF(imap_move_to), "", 0, 0, "folder a handled message is moved to (empty: it is marked \\Seen where it is)" },
	{ "SUPPORTDESK_IMAP_INTERVAL", VAR_INT, OFF(imap_interval_s), "60", 1, 86400, "seconds between two polls of `mail-in --imap`" },
	{ "SUPPORTDESK_IMAP_MAX_PER_POLL", VAR_INT, OFF(imap_max_per_poll), "100", 1, 10000, "messages taken per poll, over every mailbox (more: the next poll, at once)" },
	{ "SUPPORTDESK_IMAP_TIMEOUT", VAR_INT, OFF(imap_timeout_s), "30", 1, 600, "seconds the IMAP server may stay silent (connect, login, each answer)" },
	{ "SUPPORTDESK_IMAP_PLAINTEXT", VAR_INT, OFF(imap_plaintext), "0", 0, 1, "1: an imap:// URL on a loopback host goes without TLS (tests only)" },
	{ "SUPPORTDESK_RATE_API_KEY", VAR_RATE, OFF(rate_api_key), "1200/60", 0, 0, "REST API requests per key" },
};

#define NVARS (sizeof config_vars / sizeof config_vars[0])

static char *path_under_cwd(const char *rel)
{
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		return strdup(rel);
	size_t n = strlen(cwd) + strlen(rel) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", cwd, rel);
	return p;
}

static const char *computed_default(const struct config_var *v, char *tmp, size_t tmplen)
{
	if (strcmp(v->name, "DATABASE_URL") == 0) {
		/* The local stack's application role over its unix socket. */
		char *run = path_under_cwd("var/run");
		snprintf(tmp, tmplen,
		    "postgresql:///supportdesk?host=%s&port=5433&user=supportdesk_app",
		    run ? run : "var/run");
		free(run);
		return tmp;
	}
	if (strcmp(v->name, "REDIS_URL") == 0) {
		char *sock = path_under_cwd("var/run/redis.sock");
		snprintf(tmp, tmplen, "unix://%s", sock ? sock : "var/run/redis.sock");
		free(sock);
		return tmp;
	}
	if (strcmp(v->name, "SUPPORTDESK_LISTEN") == 0)
		return "var/run/supportdesk.sock";
	if (strcmp(v->name, "SUPPORTDESK_WORKERS") == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		snprintf(tmp, tmplen, "%ld", n > 0 ? n : 2);
		return tmp;
	}
	return "";
}

static int var_set(config *c, const struct config_var *v, const char *value, char *err, size_t errlen)
{
	char *field = (char *)c + v->offset;
	if (v->type == VAR_STR) {
		char **sp = (char **)(void *)field;
		free(*sp);
		*sp = strdup(value);
		if (!*sp) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		return 0;
	}
	if (v->type == VAR_RATE) {
		config_rate *r = (config_rate *)(void *)field;
		char *slash;
		errno = 0;
		long lim = strtol(value, &slash, 10);
		char *end2 = NULL;
		long win = *slash == '/' ? strtol(slash + 1, &end2, 10) : -1;
		if (errno || slash == value || *slash != '/' || !end2 || *end2 != '\0' || lim < 1 ||
		    lim > 1000000 || win < 1 || win > 604800) {
			snprintf(err, errlen, "%s: '%s' is not LIMIT/SECONDS (e.g. 5/600)", v->name, value);
			return -1;
		}
		r->limit = lim;
		r->window_s = win;
		return 0;
	}
	errno = 0;
	char *end;
	long n = strtol(value, &end, v->type == VAR_OCTAL ? 8 : 10);
	if (errno || end == value || *end != '\0' || n < v->min || n > v->max) {
		snprintf(err, errlen, "%s: '%s' is not a number from %ld to %ld",
		    v->name, value, v->min, v->max);
		return -1;
	}
	if (v->type == VAR_LONG)
		*(long *)(void *)field = n;
	else
		*(int *)(void *)field = (int)n;
	return 0;
}

static const struct config_var *var_find(const char *name, size_t n)
{
	for (size_t i = 0; i < NVARS; i++)
		if (strlen(config_vars[i].name) == n && strncmp(config_vars[i].name, name, n) == 0)
			return &config_vars[i];
	return NULL;
}

static int config_load_file(config *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "SUPPORTDESK_CONFIG: cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	char line[4096];
	int lineno = 0, rc = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		size_t n = strlen(line);
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
			line[--n] = '\0';
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		char *eq = strchr(p, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected KEY=VALUE", path, lineno);
			rc = -1;
			break;
		}
		const struct config_var *v = var_find(p, (size_t)(eq - p));
		if (!v) {
			snprintf(err, errlen, "%s:%d: unknown setting %.*s", path, lineno, (int)(eq - p), p);
			rc = -1;
			break;
		}
		char *value = eq + 1;
		size_t vl = strlen(value);
		if (vl >= 2 && (value[0] == '"' || value[0] == '\'') && value[vl - 1] == value[0]) {
			value[vl - 1] = '\0';
			value++;
		}
		if (getenv(v->name))
			continue; /* the environment wins */
		if (var_set(c, v, value, err, errlen) < 0) {
			rc = -1;
			break;
		}
	}
	fclose(f);
	return rc;
}

int config_load(config *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	char tmp[PATH_MAX + 128];
	for (size_t i = 0; i < NVARS; i++) {
		const struct config_var *v = &config_vars[i];
		const char *value = getenv(v->name);
		if (!value || !*value)
			value = v->def ? v->def : computed_default(v, tmp, sizeof tmp);
		if (var_set(c, v, value, err, errlen) < 0)
			return -1;
	}
	const char *file = getenv("SUPPORTDESK_CONFIG");
	if (file && *file && config_load_file(c, file, err, errlen) < 0)
		return -1;
	if (strcmp(c->mail_transport, "file") != 0 && strcmp(c->mail_transport, "smtp") != 0) {
		snprintf(err, errlen, "SUPPORTDESK_MAIL_TRANSPORT must be file or smtp");
		return -1;
	}
	if (strcmp(c->smtp_tls, "off") != 0 && strcmp(c->smtp_tls, "try") != 0 &&
	    strcmp(c->smtp_tls, "required") != 0) {
		snprintf(err, errlen, "SUPPORTDESK_SMTP_TLS must be off, try or required");
		return -1;
	}
	c->secure_cookies = strncmp(c->base_url, "https://", 8) == 0;
	if (c->max_field_size > c->max_body)
		c->max_field_size = c->max_body;
	return 0;
}

int config_load_secret(config *c, char *err, size_t errlen)
{
	char hex[256] = "";
	const char *env = getenv("SUPPORTDESK_SECRET");
	if (env && *env) {
		snprintf(hex, sizeof hex, "%s", env);
	} else {
		FILE *f = fopen(c->secret_file, "r");
		if (!f) {
			snprintf(err, errlen, "cannot read the server key %s: %s (create it with: head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n' > %s)",
			    c->secret_file, strerror(errno), c->secret_file);
			return -1;
		}
		size_t n = fread(hex, 1, sizeof hex - 1, f);
		fclose(f);
		hex[n] = '\0';
	}
	size_t len = strcspn(hex, " \r\n\t");
	if (len < CONFIG_SECRET_LEN * 2) {
		snprintf(err, errlen, "the server key must hold at least %d hex bytes", CONFIG_SECRET_LEN);
		return -1;
	}
	for (size_t i = 0; i < CONFIG_SECRET_LEN; i++) {
		int hi = str_hex_value((unsigned char)hex[2 * i]), lo = str_hex_value((unsigned char)hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			snprintf(err, errlen, "the server key is not hex");
			return -1;
		}
		c->secret[i] = (unsigned char)(hi << 4 | lo);
	}
	c->have_secret = true;
	return 0;
}

void config_free(config *c)
{
	for (size_t i = 0; i < NVARS; i++)
		if (config_vars[i].type == VAR_STR) {
			char **sp = (char **)(void *)((char *)c + config_vars[i].offset);
			free(*sp);
			*sp = NULL;
		}
	memset(c->secret, 0, sizeof c->secret);
}

static void print_masked_url(FILE *out, const char *url)
{
	/* Hide a password in user:password@host. */
	const char *scheme = strstr(url, "://");
	const char *at = strchr(url, '@');
	const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
	if (scheme && at && colon && colon < at)
		fprintf(out, "%.*s:***%s", (int)(colon - url), url, at);
	else
		fputs(url, out);
}

void config_print(const config *c, FILE *out)
{
	for (size_t i = 0; i < NVARS; i++) {
		const struct config_var *v = &config_vars[i];
		const char *field = (const char *)c + v->offset;
		fprintf(out, "%s=", v->name);
		switch (v->type) {
		case VAR_STR:
			if (strstr(v->name, "PASSWORD") && **(char *const *)(const void *)field)
				fputs("***", out);
			else
				print_masked_url(out, *(char *const *)(const void *)field);
			break;
		case VAR_INT: fprintf(out, "%d", *(const int *)(const void *)field); break;
		case VAR_LONG: fprintf(out, "%ld", *(const long *)(const void *)field); break;
		case VAR_OCTAL: fprintf(out, "0%o", (unsigned)*(const int *)(const void *)field); break;
		case VAR_RATE: {
			const config_rate *r = (const config_rate *)(const void *)field;
			fprintf(out, "%ld/%ld", r->limit, r->window_s);
			break;
		}
		}
		fprintf(out, "\t# %s\n", v->help);
	}
}
