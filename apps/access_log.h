/*
 * h2serve's access log: one line per response, written with a single
 * write(2) so that lines from different workers never interleave.
 */
#ifndef H2R_APPS_ACCESS_LOG_H
#define H2R_APPS_ACCESS_LOG_H

#include <stddef.h>

#include "h2r.h"

/* Opens the log: a path (appended to), "-" for stdout, or NULL for none. Returns 0 or -1 with errno. */
int h2serve_access_log_open(const char *path);

/* Records the request that is being answered on stream (its method and path were noted by the handler). */
void h2serve_access_log(h2r_stream *stream, unsigned status, size_t body_len);

/* Notes the request line of a stream, for the log line written when it is answered. */
void h2serve_access_log_request(h2r_stream *stream, const h2r_header *headers, size_t count);

/* Drops what was noted for a stream that closes unanswered. */
void h2serve_access_log_forget(h2r_stream *stream);

#endif
