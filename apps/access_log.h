/*
 * h2serve's access log: one line per response, written with a single
 * write(2) so that lines from different workers never interleave.
 */
#ifndef H2R_APPS_ACCESS_LOG_H
#define H2R_APPS_ACCESS_LOG_H

#include <stddef.h>

#include "h2ring/compat.h"

/* Opens the log: a path (appended to), "-" for stdout, or NULL for none. Returns 0 or -1 with errno. */
int h2serve_access_log_open(const char *path);

/* Logs the answer to req (a pushed response's req is its promise, logged as PUSH): status and body length. */
void h2serve_access_log(const h2r_request *req, unsigned status, size_t body_len);

#endif
