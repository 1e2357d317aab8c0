/*
 * h2proxy's CONNECT tunnels (RFC 9113 §8.5, RFC 9110 §9.3.6): to the
 * targets allowed by --connect-allow, a TCP connection on the worker's
 * loop (h2r_tcp_*) whose bytes go both ways with the stream's, each side
 * paused while the other has no room; either side's close closes the
 * other.
 */
#ifndef H2R_APPS_PROXY_TUNNEL_H
#define H2R_APPS_PROXY_TUNNEL_H

#include <stdint.h>

#include "h2ring/engine.h"

/*
 * Allows tunnels to the targets of list, "HOST:PORT[,HOST:PORT]..." with numeric hosts (IPv6 in brackets);
 * timeout_ms bounds their connects. Returns 0, or -1 with a message on stderr.
 */
int proxy_tunnel_allow(const char *list, uint32_t timeout_ms);

/* Opens the tunnel a CONNECT asks for (its :authority), or answers 403 for a target not allowed. */
void proxy_tunnel_open(h2r_session *session, h2r_stream *stream, const h2r_header *authority);

#endif
