/*
 * Node's response.createPushResponse: a promise on the request's stream,
 * and a pair for the pushed stream whose request is the promised one.
 */
#include <stdlib.h>

#include "compat_internal.h"

/*
 * The promised request as the client sees it, into list (room for count +
 * 3): the pseudo-headers the engine fills in when missing (GET, and the
 * parent's :scheme and :authority), then the fields given. Returns how many.
 */
static size_t promised_request(const struct h2r_request *parent, const h2r_header *headers, size_t count,
                               h2r_header *list)
{
    size_t n = 0;
    if (!h2r_compat_find(headers, count, ":method", NULL)) list[n++] = FIELD(":method", "GET", 3);
    if (!h2r_compat_find(headers, count, ":scheme", NULL) && parent->scheme)
        list[n++] = FIELD(":scheme", parent->scheme->value, parent->scheme->value_len);
    /* The parent's authority may have come as host (HTTP/1.1): the promise names it :authority. */
    if (!h2r_compat_find(headers, count, ":authority", NULL) && parent->authority)
        list[n++] = FIELD(":authority", parent->authority->value, parent->authority->value_len);
    for (size_t i = 0; i != count; ++i) list[n++] = headers[i];
    return n;
}

int h2r_response_create_push_response(h2r_response *res, const h2r_header *headers, size_t count,
                                      h2r_response **pushed)
{
    struct h2r_compat_pair *pair = h2r_compat_pair_of_res(res);
    *pushed = NULL;
    if (pair->flags & PAIR_CLOSED) return H2R_ERR_STREAM_CLOSED;
    /* A promise has a few fields: the list fits on the stack but for odd ones. */
    h2r_header local[16], *list = count + 3 <= 16 ? local : malloc((count + 3) * sizeof(*list));
    if (!list) return H2R_ERR_NOMEM;
    size_t n = promised_request(&pair->req, headers, count, list);
    h2r_stream *stream;
    int err = h2r_stream_push(pair->stream, headers, count, &stream);
    if (!err) {
        struct h2r_compat_pair *child = h2r_compat_request_new(stream, list, n);
        if (child) {
            /* The client sends nothing on a pushed stream: its request is complete from the start. */
            child->flags |= REQ_COMPLETE;
            *pushed = &child->res;
        } else {
            /* The promise is out: a pushed stream that cannot be served is reset. */
            h2r_stream_close(stream, H2R_INTERNAL_ERROR);
            err = H2R_ERR_NOMEM;
        }
    }
    if (list != local) free(list);
    return err;
}
