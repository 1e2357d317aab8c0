/*
 * h2proxy's CONNECT tunnels (RFC 9113 §8.5, RFC 9110 §9.3.6): to the
 * targets allowed by --connect-allow, a TCP connection on the worker's
 * loop (h2r_tcp_*) whose bytes go both ways with the stream's, each side
 * paused while the other has no room; either side's close closes the
 * other. A WebSocket over HTTP/2 (RFC 8441) is such a tunnel to an
 * HTTP/1.1 WebSocket server, opened by its Upgrade handshake: the frames
 * are the same on both, and go as they are.
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

/*
 * Bridges extended CONNECTs with :protocol websocket (RFC 8441) to target, "HOST:PORT" (numeric), an
 * HTTP/1.1 WebSocket server: 0, or -1 with a message on stderr.
 */
int proxy_tunnel_websocket_upstream(const char *target, uint32_t timeout_ms);

/*
 * Opens the tunnel a CONNECT asks for (on_stream's headers): to its :authority, or 403 for a target not
 * allowed; with :protocol websocket, to the WebSocket upstream, through its Upgrade handshake (a 101 opens
 * the tunnel; anything else: 502), or 501 when there is none.
 */
void proxy_tunnel_open(h2r_session *session, h2r_stream *stream, const h2r_header *headers, size_t count);

#endif
