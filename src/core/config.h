/* config.h: settings from the environment and an optional KEY=VALUE file. */
#ifndef SD_CONFIG_H
#define SD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CONFIG_SECRET_LEN 32

typedef struct {
	/* connections */
	char *database_url;
	char *redis_url;
	int connect_timeout_s;
	int statement_timeout_ms;
	int redis_timeout_ms;
	/* process model */
	char *listen;
	int socket_mode;
	int backlog;
	int workers;
	int drain_timeout_s;
	char *pidfile;
	/* files */
	char *templates_dir;
	char *migrations_dir;
	char *secret_file;
	char *mail_dir;
	char *base_url;
	/* request limits */
	long max_body;
	long max_header_size;
	long max_fields;
	long max_field_size;
	long max_parts;
	long max_part_header;
	long max_files;
	long max_file_size;
	long max_cookies;
	/* sessions */
	int session_idle_s;
	int session_absolute_s;
	int session_remember_s;
	/* logs */
	char *log_level;

	/* derived */
	bool secure_cookies; /* BASE_URL is https: __Host- cookie, Secure */
	unsigned char secret[CONFIG_SECRET_LEN];
	bool have_secret;
} config;

/* Fills c from defaults, then SUPPORTDESK_CONFIG's file, then the environment
 * (the environment wins). Returns 0, or -1 with a message in err. */
int config_load(config *c, char *err, size_t errlen);
/* Reads the server secret (hex) from secret_file or SUPPORTDESK_SECRET. */
int config_load_secret(config *c, char *err, size_t errlen);
void config_free(config *c);
/* Prints every variable with its value (secrets masked): `supportdesk config`. */
void config_print(const config *c, FILE *out);

#endif
