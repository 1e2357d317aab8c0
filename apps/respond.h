/*
 * Small helpers shared by h2serve's handlers: a complete response in one
 * call, and the Date header.
 */
#ifndef H2R_APPS_RESPOND_H
#define H2R_APPS_RESPOND_H

#include <stddef.h>

#include "h2r.h"

/* Formats the current time as an IMF-fixdate (RFC 9110 §5.6.7) into a per-thread buffer, cached per second.
 */
const char *h2serve_http_date(void);

/*
 * Responds with status, content-type (may be NULL), content-length, date and
 * the body. release (may be NULL for static bodies) is called when the body
 * is no longer needed. Returns what h2r_stream_respond or write returned.
 */
int h2serve_respond(h2r_stream *stream, unsigned status, const char *content_type, const void *body,
                    size_t len, h2r_release_cb release, void *ctx, const h2r_header *extra,
                    size_t extra_count);

/* The value of a request header, or NULL (and *len = 0). */
const char *h2serve_header(const h2r_header *headers, size_t count, const char *name, size_t *len);

#endif
