/* filename.h: upload file names made safe to store and show, and the
 * Content-Disposition header that offers them back (RFC 6266, RFC 5987). */
#ifndef SD_MODEL_FILENAME_H
#define SD_MODEL_FILENAME_H

#include <stddef.h>

#include "core/arena.h"

#define FILENAME_MAX_BYTES 255

/* Returns a sanitised copy of the client's name p[0..n) in the arena. The
 * name is only ever shown and offered back; it is never used as a path.
 *   - basename: whatever follows the last '/' or '\\';
 *   - invalid UTF-8 bytes become '_';
 *   - dropped: C0 and C1 controls, DEL, bidi and invisible format characters
 *     (U+061C, U+180E, U+200B-U+200F, U+202A-U+202E, U+2060-U+2064,
 *     U+2066-U+206F, U+FEFF, U+FFF9-U+FFFB) and noncharacters U+FFFE/U+FFFF;
 *   - tabs, newlines and Unicode spaces become ' ', runs collapse to one;
 *   - characters Windows refuses in names (" * : < > ? |) become '_';
 *   - leading dots and spaces, trailing dots and spaces are stripped;
 *   - at most FILENAME_MAX_BYTES bytes, cut on a character boundary and
 *     keeping an extension of up to 16 bytes;
 *   - empty -> "attachment".
 * The result is valid UTF-8, non-empty, and holds no '/', '\\' or byte below
 * 0x20 (the attachments.file_name check). */
char *filename_sanitize(arena *a, const char *p, size_t n);

/* `disposition; filename="fallback"; filename*=UTF-8''percent-encoded` for a
 * sanitised name: the fallback keeps printable ASCII and turns everything else
 * (and '"', '\\', '%') into '_'; filename* percent-encodes every byte outside
 * RFC 5987's attr-char. disposition is "attachment" or "inline". */
char *filename_content_disposition(arena *a, const char *disposition, const char *name);

#endif
