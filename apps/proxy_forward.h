/*
 * h2proxy's reverse proxy: each request a client makes is relayed to an
 * upstream through the worker's pool of client connections, its body as it
 * comes; the upstream's response, 1xx, body and trailers come back as they
 * come. Each direction is held by the other's pace: a write the receiving
 * side has no room for pauses the sending stream until its drain, so a
 * request holds at most a window and a high-water mark of each body.
 */
#ifndef H2R_APPS_PROXY_FORWARD_H
#define H2R_APPS_PROXY_FORWARD_H

#include <stdint.h>

#include "h2ring/engine.h"

/* tls: the clients come over TLS (forwarded's proto); timeout_ms: how long a request waits for its response's
 * head before a 504. */
void proxy_forward_init(int tls, uint32_t timeout_ms);

/* Relays the request of stream (on_stream's arguments; not a CONNECT): its handlers are the relay's. */
void proxy_forward_open(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count,
                        int flags);

#endif
