/*
 * The Content-Type of a static file, from the extension of its name.
 */
#ifndef H2R_APPS_MIME_TYPES_H
#define H2R_APPS_MIME_TYPES_H

/*
 * The media type for file_name (a path or a bare name, NUL-terminated),
 * chosen by its extension, case-insensitively: "text/html; charset=utf-8"
 * for "docs/Index.HTML". Text types say charset=utf-8, the encoding of
 * today's web; types whose encoding is fixed by their definition (JSON,
 * XML) say none. A name without an extension (no dot in its last segment, a
 * dot only in front as in ".profile", or one at the end) or with an unknown
 * extension gets "application/octet-stream". The result is a static string.
 */
const char *h2serve_mime_type(const char *file_name);

#endif
