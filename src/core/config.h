/* config.h: settings from the environment and an optional KEY=VALUE file. */
#ifndef SD_CONFIG_H
#define SD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CONFIG_SECRET_LEN 32

/* "LIMIT/WINDOW_SECONDS", e.g. 5/600: five per ten minutes. */
typedef struct {
	long limit;
	long window_s;
} config_rate;

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
	char *openapi_path;        /* api/openapi.json, served at /api/v1/openapi.json */
	char *secret_file;
	char *mail_dir;
	char *upload_dir;          /* spool files of uploads (unlinked, on disk) */
	char *base_url;
	/* request limits */
	long max_body;
	long max_header_size;
	long max_fields;
	long max_field_size;
	long max_form_text;        /* urlencoded body, or multipart text values together */
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
	/* mail */
	char *mail_from;
	char *mail_transport;      /* "file" (MAIL_DIR) or "smtp" */
	char *smtp_url;
	char *smtp_user;
	char *smtp_password;
	char *smtp_tls;            /* "off", "try" or "required" (STARTTLS) */
	int run_mailer;            /* serve supervises `supportdesk mailer` */
	/* scheduler */
	int run_scheduler;         /* serve supervises `supportdesk scheduler` */
	int scheduler_interval_s;  /* SLA job period */
	int scheduler_purge_interval_s;
	int scheduler_views_interval_s; /* workflows: the materialized views' refresh */
	int scheduler_batch;       /* SLA tickets per statement */
	/* public submission */
	long captcha_max_number;   /* difficulty: the solver searches 0..max */
	int captcha_ttl_s;
	int verify_ttl_s;
	int signin_link_ttl_s;     /* sign-in links in confirmation emails */
	int login_link_ttl_s;      /* sign-in links asked for at /login/link */
	int password_reset_ttl_s;  /* links of /password/forgot and "set a password" */
	int submit_min_fill_s;
	int form_cache_s;          /* seconds a worker keeps the form configuration */
	int settings_cache_s;      /* seconds a worker keeps the system settings */
	int email_strip_plus;      /* rate-limit buckets ignore +tag */
	char *trusted_proxies;     /* comma-separated addresses */
	config_rate rate_submit_ip;
	config_rate rate_submit_email;
	config_rate rate_submit_nojs_ip;
	config_rate rate_submit_nojs_email;
	config_rate rate_verify_ip;
	config_rate rate_verify_token;
	config_rate rate_challenge_ip;
	config_rate rate_track_ip;         /* /track, per client address */
	config_rate rate_track_email;      /* /track, per email address */
	config_rate rate_login_ip;
	config_rate rate_login_email;
	config_rate rate_login_link_ip;
	config_rate rate_login_link_email;
	config_rate rate_reply_user;
	config_rate rate_password_user;
	/* the email channel (mail-in) */
	long mail_in_max_bytes;
	config_rate rate_mail_in_sender;
	config_rate rate_mail_in_address;
	/* the email channel: `mail-in --imap` */
	char *imap_url;            /* imaps://host[:port], or imap:// (STARTTLS required) */
	char *imap_user;
	char *imap_password;
	char *imap_mailboxes;      /* "MAILBOX=ADDRESS,..." (mail/imap_poll.h) */
	char *imap_move_to;        /* "": mark \Seen; else UID MOVE there */
	int imap_interval_s;
	int imap_max_per_poll;
	int imap_timeout_s;
	int imap_plaintext;        /* 1: imap:// on a loopback host without TLS (tests) */
	config_rate rate_api_key;  /* REST API requests per key */

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
