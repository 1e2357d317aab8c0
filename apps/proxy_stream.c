/*
 * What h2proxy's two kinds of client streams share (see proxy_stream.h):
 * the pieces of bodies on their way, the lookup of a field, a refusal, the
 * flush of the other side's connection.
 */
#include <stdlib.h>
#include <string.h>

#include "h2ring/loop.h"
#include "proxy_stream.h"

struct proxy_piece *proxy_piece_of(const uint8_t *data, size_t len)
{
    struct proxy_piece *piece = malloc(sizeof(*piece) + len);
    if (!piece) return NULL;
    piece->next = NULL;
    piece->len = len;
    memcpy(piece->data, data, len);
    return piece;
}

void proxy_piece_release(void *ctx, const void *data, size_t len)
{
    (void)data, (void)len;
    free(ctx);
}

const h2r_header *proxy_find(const h2r_header *headers, size_t count, const char *name)
{
    size_t len = strlen(name);
    const h2r_header *found = NULL;
    for (size_t i = 0; i != count; ++i)
        if (headers[i].name_len == len && memcmp(headers[i].name, name, len) == 0) found = &headers[i];
    return found;
}

void proxy_refuse(h2r_stream *stream, const char *status)
{
    h2r_header head = {.name = ":status", .name_len = 7, .value = status, .value_len = 3};
    h2r_stream_respond(stream, &head, 1, H2R_RESPOND_END_STREAM);
    proxy_flush(stream);
}

void proxy_flush(h2r_stream *stream)
{
    if (stream && !h2r_stream_closed(stream)) h2r_session_flush(h2r_stream_session(stream));
}
