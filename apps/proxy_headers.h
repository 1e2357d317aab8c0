/*
 * h2proxy's header sections: what goes on to the other side. Fields about
 * one connection, not the message (RFC 9110 §7.6.1), stay behind; the
 * request gets a forwarded field (RFC 7239) and both a via (RFC 9110
 * §7.6.3) naming this hop.
 */
#ifndef H2R_APPS_PROXY_HEADERS_H
#define H2R_APPS_PROXY_HEADERS_H

#include <stddef.h>

#include "h2ring/engine.h"

/*
 * The request for the upstream, from the client's: :method and :path as they are (:scheme and :authority
 * are the upstream's, which the client connection gives), the client's authority in forwarded's host,
 * peer ("192.0.2.1:5000", or NULL) in its for, tls its proto; version the client's HTTP version
 * (h2r_stream_http_version). One allocation (free), the strings after the fields; NULL without memory.
 */
h2r_header *proxy_headers_request(const h2r_header *fields, size_t count, const char *version,
                                  const char *peer, int tls, size_t *out_count);

/* The response (or 1xx) for the client, from the upstream's (version: the upstream's), likewise. */
h2r_header *proxy_headers_response(const h2r_header *fields, size_t count, const char *version,
                                   size_t *out_count);

/* Trailers as they are, less connection fields: a copy, likewise. */
h2r_header *proxy_headers_trailers(const h2r_header *fields, size_t count, size_t *out_count);

#endif
