/* sniff.h: the content type of an upload, decided by its bytes (never by the
 * client's Content-Type, and by the name only to tell containers apart). */
#ifndef SD_MODEL_SNIFF_H
#define SD_MODEL_SNIFF_H

#include <stddef.h>

#include "core/str.h"

/* How many leading bytes sniff_content_type looks at. */
#define SNIFF_HEAD 8192

/* Returns a static content type for a file of `total` bytes whose first n
 * bytes (n = min(total, SNIFF_HEAD)) are head. filename is the sanitised name;
 * only its extension is consulted, and only where the bytes are ambiguous:
 *   - PNG, JPEG, GIF, WebP, PDF: magic numbers.
 *   - ZIP: application/zip, or an OOXML document when the archive holds
 *     "[Content_Types].xml": word/ entries (in the head) or a .docx name ->
 *     wordprocessingml.document; xl/ entries or .xlsx -> spreadsheetml.sheet.
 *   - OLE compound files: .doc -> application/msword, .xls ->
 *     application/vnd.ms-excel, anything else application/octet-stream.
 *   - Text (valid UTF-8 in the head, optional BOM, no NUL or other binary
 *     control byte): text/html when it starts (after whitespace) with one of
 *     the WHATWG MIME sniffing HTML patterns (<!DOCTYPE HTML, <html, <script,
 *     <iframe, <body, <!-- ...); image/svg+xml for <svg, or <?xml / <!DOCTYPE
 *     svg / a comment followed by an <svg element; application/xml for other
 *     XML; application/json when the whole file is in the head and is one JSON
 *     value, or the name ends in .json and it starts with { or [; text/csv for
 *     a .csv name; else text/plain.
 *   - Anything else, and the empty file: application/octet-stream.
 * An HTML document named "x.png" is text/html: the bytes decide. */
const char *sniff_content_type(const unsigned char *head, size_t n, size_t total, str filename);

#endif
