/* transport.h: hands a composed message to its destination: a .eml file in
 * MAIL_DIR (development) or an SMTP server (libcurl; only src/mail/ uses it). */
#ifndef SD_MAIL_TRANSPORT_H
#define SD_MAIL_TRANSPORT_H

#include <stddef.h>
#include <time.h>

#include "core/config.h"
#include "core/str.h"

enum mail_result {
	MAIL_SENT = 0,
	MAIL_RETRY,      /* temporary: 4xx, connection or local I/O trouble */
	MAIL_PERMANENT,  /* the server refused this message for good (5xx) */
	MAIL__MAX
};

typedef struct mail_transport mail_transport;

/* Reads mail_transport, smtp_* and mail_dir from cfg (which must outlive the
 * transport). NULL with a message in err when the settings are unusable. The
 * smtp transport needs curl_global_init, done by mailer_run. */
mail_transport *mail_transport_new(const config *cfg, char *err, size_t errlen);
void mail_transport_free(mail_transport *t);

/* Delivers msg (CRLF text) from the bare address from to rcpt (both already
 * validated). id names the .eml file; now its timestamp. On failure err holds
 * a one-line reason for last_error (the SMTP reply code when there was one). */
enum mail_result mail_transport_send(mail_transport *t, const char *id, const char *from,
    const char *rcpt, str msg, time_t now, char *err, size_t errlen);

#endif
