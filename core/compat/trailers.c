/*
 * Node's response.addTrailers and 'wantTrailers'. HTTP/2 ends a response
 * with trailers only if the head said so (H2R_RESPOND_WAIT_FOR_TRAILERS);
 * asking for every response would cost an empty frame for most of them,
 * so the head asks only when trailers were added or announced by a
 * trailer header (RFC 9110 §6.6.2).
 */
#include <string.h>

#include "compat_internal.h"

int h2r_response_add_trailers(h2r_response *res, const h2r_header *trailers, size_t count)
{
    struct h2r_compat_pair *pair = h2r_compat_pair_of_res(res);
    if (pair->flags & PAIR_CLOSED) return H2R_ERR_STREAM_CLOSED;
    /* A head sent on the stream directly (respondWithFile) said itself whether trailers follow. */
    if ((pair->flags & RES_TRAILERS_SENT) ||
        (pair->flags & (RES_HEAD_SENT | RES_WAIT_TRAILERS)) == RES_HEAD_SENT)
        return H2R_ERR_INVALID_STATE;
    h2r_header *copy;
    int err = h2r_compat_copy_fields(pair, trailers, count, 1, &copy);
    if (err || !count) return err;
    if (res->trailer_count) {
        h2r_header *all = h2r_compat_alloc(pair, (res->trailer_count + count) * sizeof(*all));
        if (!all) return H2R_ERR_NOMEM;
        memcpy(all, res->trailers, res->trailer_count * sizeof(*all));
        memcpy(all + res->trailer_count, copy, count * sizeof(*all));
        copy = all;
    }
    res->trailers = copy;
    res->trailer_count += count;
    return 0;
}

void h2r_compat_response_send_trailers(struct h2r_compat_pair *pair)
{
    pair->flags |= RES_TRAILERS_SENT;
    /* The engine refuses what HTTP/2 forbids in trailers; the stream could not end otherwise. */
    if (h2r_stream_send_trailers(pair->stream, pair->res.trailers, pair->res.trailer_count) != 0)
        h2r_stream_close(pair->stream, H2R_INTERNAL_ERROR);
}
