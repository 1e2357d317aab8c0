/*
 * h2serve's access log: one line per response, with the client's address
 * and port first, written with a single write(2) so that lines from
 * different workers never interleave.
 */
#ifndef H2R_APPS_ACCESS_LOG_H
#define H2R_APPS_ACCESS_LOG_H

#include <stddef.h>

#include "h2ring/compat.h"
#include "h2ring/server.h"

/* Opens the log: a path (appended to), "-" for stdout, or NULL for none. Returns 0 or -1 with errno. */
int h2serve_access_log_open(const char *path);

/* Has each session keep its peer's address for the log (its app data), from on_session_open to
 * on_session_close. */
void h2serve_access_log_track_peers(h2r_server_config *config);

/* Logs the answer to req (a pushed response's req is its promise, logged as PUSH): status and body length. */
void h2serve_access_log(const h2r_request *req, unsigned status, size_t body_len);

/* A line for a response to a request of the stream API (h2proxy's): method and path as the request said them.
 */
void h2serve_access_log_line(h2r_stream *stream, const char *method, size_t method_len, const char *path,
                             size_t path_len, unsigned status, size_t body_len);

#endif
