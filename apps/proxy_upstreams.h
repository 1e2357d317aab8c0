/*
 * h2proxy's upstreams: the --upstream list, and which one takes the next
 * request. Each worker keeps its own round robin and its own view of which
 * upstreams failed (shared nothing, as the pool of connections is).
 */
#ifndef H2R_APPS_PROXY_UPSTREAMS_H
#define H2R_APPS_PROXY_UPSTREAMS_H

#include <stddef.h>

#include "h2ring/client.h"

struct proxy_upstream {
    const char *origin;         /* "http://host:port" or "https://host:port", no path */
    h2r_client_options options; /* the protocols it speaks, its TLS trust */
};

/* At most this many --upstream. */
#define PROXY_MAX_UPSTREAMS 32

/*
 * Adds an upstream: url is http:// (h2c, or HTTP/1.1 with http1) or https:// (h2 or http/1.1 by ALPN, or
 * http/1.1 alone with http1), with no path but "/". The certificate is checked against ca_file (NULL: the
 * system's), or not at all with insecure. Returns 0, or -1 with a message on stderr.
 */
int proxy_upstreams_add(const char *url, int http1, const char *ca_file, int insecure,
                        uint32_t connect_timeout_ms);

size_t proxy_upstreams_count(void);

/*
 * The upstream for the next request on this thread's worker: the next in turn that has not failed in the
 * last retry period; when all have, the next in turn all the same (one of them may be back). Returns its
 * index.
 */
size_t proxy_upstreams_next(void);

const struct proxy_upstream *proxy_upstreams_get(size_t index);

/* The upstream could not be reached: skipped by this worker for a while, then tried again. */
void proxy_upstreams_failed(size_t index);

/* The upstream answered: it takes requests again. */
void proxy_upstreams_answered(size_t index);

#endif
