/*
 * What a client's stream is in h2proxy: a request relayed to an upstream
 * (proxy_forward.c) or a CONNECT tunnel (proxy_tunnel.c). The stream's user
 * data starts with the handlers of its kind, which h2proxy.c's session
 * callbacks call.
 */
#ifndef H2R_APPS_PROXY_STREAM_H
#define H2R_APPS_PROXY_STREAM_H

#include "h2ring/engine.h"

struct proxy_handlers {
    void (*on_data)(h2r_stream *stream, const uint8_t *data, size_t len);
    void (*on_end)(h2r_stream *stream);
    void (*on_drain)(h2r_stream *stream);
    void (*on_want_trailers)(h2r_stream *stream);
    void (*on_close)(h2r_stream *stream);
};

/* A piece of a body on its way: written by reference, freed by its release (proxy_piece_release). */
struct proxy_piece {
    struct proxy_piece *next; /* for whoever holds pieces before they can be written */
    size_t len;
    uint8_t data[];
};

/* A copy of data, or NULL without memory. */
struct proxy_piece *proxy_piece_of(const uint8_t *data, size_t len);

/* The release of a piece's write (h2r_stream_write, h2r_tcp_write): frees ctx, the piece (or any block of
 * malloc's that the write is in). */
void proxy_piece_release(void *ctx, const void *data, size_t len);

/* The field named name in a section (the last one if repeated), or NULL. */
const h2r_header *proxy_find(const h2r_header *headers, size_t count, const char *name);

/* Answers with a status alone ("403") and ends the stream. */
void proxy_refuse(h2r_stream *stream, const char *status);

/*
 * What a callback of one connection queued on the stream of another goes out in this turn
 * (h2r_session_flush): the runtime only knows to send what a session's own callbacks queue.
 */
void proxy_flush(h2r_stream *stream);

/* The handlers of the stream's kind, NULL for a stream answered at once. */
static inline const struct proxy_handlers *proxy_handlers_of(const h2r_stream *stream)
{
    const struct proxy_handlers *const *handlers = h2r_stream_user_data(stream);
    return handlers ? *handlers : NULL;
}

#endif
