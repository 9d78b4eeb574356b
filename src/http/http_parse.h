/* http_parse.h: bounded parsers for hostile HTTP input (query, forms, cookies, paths, multipart). */
#ifndef SD_HTTP_PARSE_H
#define SD_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/str.h"

typedef enum {
	HTTP_OK = 0,
	HTTP_EBADREQ,      /* -> 400: malformed syntax, bad percent escape, invalid UTF-8, NUL, missing closing boundary */
	HTTP_ETOOLARGE,    /* -> 413: a size or count limit exceeded */
	HTTP_EUNSUPPORTED, /* -> 415: a content type we do not accept */
	HTTP_EINTERNAL,    /* -> 500: our fault (an upload's spool file could not be made or written), never the client's */
} http_err;

/* Short English description for logs ("bad request"...); never NULL. */
const char *http_err_str(http_err e);

typedef struct {
	size_t max_body;          /* total request body bytes */
	size_t max_fields;        /* text fields (urlencoded pairs or multipart non-file parts) */
	size_t max_field_size;    /* bytes of one decoded text field value */
	size_t max_text;          /* bytes of a form's text, all in memory: a whole urlencoded body, or every multipart text value together */
	size_t max_name_size;     /* bytes of one field name */
	size_t max_parts;         /* multipart parts of any kind */
	size_t max_part_header;   /* bytes of one part's header block, CRLFs included */
	size_t max_files;         /* file parts */
	size_t max_file_size;     /* bytes of one file */
	size_t max_cookies;       /* cookie pairs */
	/* Not a limit, but what keeps uploads out of memory: the directory file
	 * parts are spooled to, from http_upload_dir_open (form.h). Below 0:
	 * $TMPDIR or /tmp, looked up for each file (tests, fuzzing). */
	int upload_dir_fd;
} http_limits;

/* Defaults, sized for a help desk (ticket text plus a few attachments):
 *   max_body        26 MiB   (max_file_size plus room for the other fields)
 *   max_fields      256
 *   max_field_size  256 KiB  (a long ticket reply pasted from a mail)
 *   max_text        1 MiB    (a few such fields; files are not text)
 *   max_name_size   256
 *   max_parts       300      (max_fields + max_files + slack)
 *   max_part_header 4 KiB
 *   max_files       20
 *   max_file_size   25 MiB
 *   max_cookies     50
 *   upload_dir_fd   -1       ($TMPDIR or /tmp) */
void http_limits_default(http_limits *l);

typedef str_pair http_param;

typedef struct {
	http_param *items;
	size_t len, cap;
} http_params;

/* First pair whose name equals `name` (case-sensitive), or STR_NULL (ptr
 * NULL) when absent. A present but empty value has a non-NULL ptr. */
str http_params_get(const http_params *p, const char *name);
/* Appends without copying name or value. */
void http_params_add(arena *a, http_params *p, str name, str value);

/* Percent-decodes p[0..n); '+' becomes space when plus_is_space. Rejects bad
 * escapes (%zz, truncated %4) with HTTP_EBADREQ. Output NUL-terminated in the
 * arena. Does not validate UTF-8 or reject %00: callers do, since what is
 * acceptable depends on where the bytes go. */
http_err http_percent_decode(arena *a, const char *p, size_t n, bool plus_is_space, str *out);
/* Percent-encodes p[0..n) for a query value or a path segment: every byte
 * but A-Z a-z 0-9 - . _ ~ becomes %XX (so '/', '?', '&', '=', '#', '+' and
 * spaces too). NUL-terminated, in the arena. */
char *http_percent_encode(arena *a, const char *p, size_t n);

/* application/x-www-form-urlencoded (also used for the query string). Every
 * decoded name and value must be valid UTF-8 without NUL (else EBADREQ).
 * n > max_body, more than max_fields pairs, a name over max_name_size or a
 * value over max_field_size -> ETOOLARGE. Empty pairs ("a=1&&b=2") are
 * skipped; a pair without '=' has an empty value; "=v" gives an empty name
 * (as WHATWG URL does). Names and values are arena copies. */
http_err http_urlencoded_parse(arena *a, const char *p, size_t n, const http_limits *l, http_params *out);

/* Cookie request header (RFC 6265 cookie-string; lenient about spaces and
 * tabs around ';' and '=', strict about limits). Values are not
 * percent-decoded. A value wrapped in double quotes loses them. Pieces
 * without '=' or with an empty name are skipped (browsers send them for
 * `document.cookie = "x"`, and they can't be looked up by name anyway).
 * Duplicates are kept in order, so http_params_get returns the first (the
 * most specific path, RFC 6265 5.4). Invalid UTF-8 / NUL / other control
 * characters -> EBADREQ. More than max_cookies pairs, a name over
 * max_name_size or a value over max_field_size -> ETOOLARGE. */
http_err http_cookies_parse(arena *a, const char *p, size_t n, const http_limits *l, http_params *out);

/* Longest raw path http_path_normalize accepts. */
#define HTTP_PATH_MAX 2048

/* Normalises a request path. Pass the raw path part of REQUEST_URI (before
 * '?'), not nginx's DOCUMENT_URI: the latter is already decoded, and decoding
 * twice would turn "%252e%252e" into "..".
 *
 * Must start with '/'. Percent-decoded with no '+' rule. %2F decodes to '/'
 * and then separates segments like a literal '/' (what nginx does for $uri),
 * so "/a%2Fb" == "/a/b" and a segment never contains '/'. Rejected with
 * EBADREQ: NUL (also %00), other control characters (0x01-0x1F, 0x7F),
 * invalid UTF-8, backslash (raw or %5C), any ".." segment (also %2e%2e), and
 * raw paths longer than HTTP_PATH_MAX bytes (414-ish, but the caller only
 * needs one "refuse" answer, so EBADREQ). "." segments are dropped and runs
 * of '/' collapse to one. A trailing '/' (or trailing "/.") is kept so
 * routers can tell "/kb/" from "/kb". Output NUL-terminated in the arena. */
http_err http_path_normalize(arena *a, const char *p, size_t n, str *out);

/* Parses a header value of the form `type; name=value; name="quoted"`
 * (Content-Type, Content-Disposition). type is the trimmed part before the
 * first ';' (token characters and '/'; compare it case-insensitively).
 * Parameter values may be quoted; as in the HTML multipart encoder, a quoted
 * string ends at the next '"' and backslash is literal (browsers send
 * Windows-ish filenames unescaped and encode '"' as %22). Results point into
 * `value`. More than 16 parameters, a missing closing quote, or junk between
 * parameters -> EBADREQ. */
http_err http_header_value_parse(arena *a, str value, str *type, http_params *params);
/* Case-insensitive lookup of a parameter from http_header_value_parse. */
str http_header_param(const http_params *p, const char *name);

/* multipart/form-data: boundary from the Content-Type header value (quoted or
 * not, RFC 2046: 1..70 chars of bchars, not ending in space). EBADREQ if
 * absent, duplicated or invalid. Does not check the media type itself. The
 * result points into content_type. */
http_err http_multipart_boundary(str content_type, str *boundary);
/* True when b is a valid RFC 2046 boundary. */
bool http_multipart_boundary_valid(str b);

/* A streaming push parser: fed arbitrary chunks (1 byte at a time works),
 * it calls back per part. It holds only the delimiter and one part header
 * block (max_part_header bytes), whatever the part sizes.
 *
 * Strict framing: the first boundary line is "--" boundary CRLF at the start
 * of the body or after a CRLF (anything before is preamble and ignored); each
 * later delimiter is CRLF "--" boundary followed directly by CRLF (next part)
 * or "--" (end; the rest is epilogue and ignored). No transport padding, no
 * bare LF, no header folding. */
typedef struct {
	/* Any callback may be NULL. name: the form field name; filename: ptr NULL when the part is not a
	 * file (filename="" is a file part with an empty name); content_type:
	 * the part's Content-Type or empty. All three are NUL-terminated arena
	 * copies. Return non-zero to abort with that http_err. */
	int (*on_part_begin)(void *ud, str name, str filename, str content_type);
	int (*on_part_data)(void *ud, const char *p, size_t n);
	int (*on_part_end)(void *ud);
} multipart_callbacks;
typedef struct multipart_parser multipart_parser;

/* An invalid boundary gives a parser whose feed and finish return EBADREQ. */
multipart_parser *multipart_parser_new(arena *a, str boundary, const http_limits *l, const multipart_callbacks *cb, void *ud);
/* Errors are sticky: once a feed fails, every later call returns the same
 * error without invoking callbacks. */
http_err multipart_parser_feed(multipart_parser *mp, const char *p, size_t n);
/* After the last byte: EBADREQ if the closing boundary was never seen. */
http_err multipart_parser_finish(multipart_parser *mp);

#endif
