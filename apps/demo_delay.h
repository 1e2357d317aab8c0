/*
 * GET /delay/N of h2serve's demo site: 200 "waited N ms" after N
 * milliseconds (0 to 10000), from a timer on the worker's loop, while the
 * worker goes on serving everything else.
 */
#ifndef H2R_APPS_DEMO_DELAY_H
#define H2R_APPS_DEMO_DELAY_H

#include <stddef.h>

#include "h2ring/compat.h"

/* Answers req, whose path ends with ms (the N of /delay/N, len bytes): later, or 400 if N is no number in
 * range. */
void h2serve_demo_delay(h2r_request *req, h2r_response *res, const char *ms, size_t len);

#endif
