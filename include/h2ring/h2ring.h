/*
 * h2ring: everything an application includes, in one header. The parts
 * can also be included alone:
 *   h2ring/hpack.h   HPACK (RFC 7541), standalone
 *   h2ring/constants.h  Node's http2.constants: header names, methods, status codes, frame types, settings
 *   h2ring/engine.h  the sans-IO HTTP/2 and HTTP/1.1 engine: sessions and streams
 *   h2ring/compat.h  Node's request/response API on the engine's streams
 *   h2ring/server.h  the io_uring server runtime
 *   h2ring/loop.h    a worker's loop: timers, posts from other threads, watched descriptors
 *   h2ring/file.h    respondWithFD and respondWithFile on the runtime
 *   h2ring/client.h  outbound HTTP/2 and HTTP/1.1 connections, and a loop of the application's own
 */
#ifndef H2RING_H2RING_H
#define H2RING_H2RING_H

#include "h2ring/client.h"
#include "h2ring/compat.h"
#include "h2ring/constants.h"
#include "h2ring/engine.h"
#include "h2ring/file.h"
#include "h2ring/hpack.h"
#include "h2ring/loop.h"
#include "h2ring/server.h"

#endif
