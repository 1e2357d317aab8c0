/*
 * The HTTP/2 halves of the stream calls, after the checks every kind
 * makes (stream.c): response HEADERS, 1xx, trailers, RST_STREAM, pushes
 * (PUSH_PROMISE and the promised stream), and the request body's window
 * given back, or held while the stream is paused.
 */
#include <stdlib.h>
#include <string.h>

#include "http2.h"

/*
 * Encodes response headers with :status first (200 when absent). The list
 * is built on the stack for common sizes; only very long ones allocate.
 */
static int send_response_headers(h2r_stream *st, const h2r_header *headers, size_t count, int end_stream)
{
    const char *reason = h2r_message_check_outgoing(headers, count, H2R_SECTION_RESPONSE);
    if (reason) return H2R_ERR_INVALID_HEADER;
    int has_status = count && h2r_header_is_status(&headers[0]);
    if (has_status)
        return h2r_send_header_block(st->session, H2R_FRAME_HEADERS, st->id, 0, headers, count, end_stream);

    h2r_header local[32], *list = local;
    if (count + 1 > sizeof(local) / sizeof(local[0]) && !(list = malloc((count + 1) * sizeof(*list))))
        return H2R_ERR_NOMEM;
    list[0] = (h2r_header){.name = ":status", .name_len = 7, .value = "200", .value_len = 3};
    if (count) memcpy(list + 1, headers, count * sizeof(*list));
    int err = h2r_send_header_block(st->session, H2R_FRAME_HEADERS, st->id, 0, list, count + 1, end_stream);
    if (list != local) free(list);
    return err;
}

int h2r_http2_respond(h2r_stream *st, const h2r_header *headers, size_t count, unsigned flags)
{
    int end_stream = (flags & H2R_RESPOND_END_STREAM) != 0;
    int want_trailers = (flags & H2R_RESPOND_WAIT_FOR_TRAILERS) != 0;
    int err = send_response_headers(st, headers, count, end_stream && !want_trailers);
    if (err) return err;
    h2r_stream_headers_queued(st, H2R_SENT_HEADERS, headers, count);
    h2r_http2_headers_queued(st, flags);
    return 0;
}

int h2r_http2_interim(h2r_stream *st, const h2r_header *headers, size_t count)
{
    int err = h2r_send_header_block(st->session, H2R_FRAME_HEADERS, st->id, 0, headers, count, 0);
    if (!err) h2r_stream_headers_queued(st, H2R_SENT_INFO_HEADERS, headers, count);
    return err;
}

int h2r_http2_send_trailers(h2r_stream *st, const h2r_header *headers, size_t count)
{
    int err = h2r_send_header_block(st->session, H2R_FRAME_HEADERS, st->id, 0, headers, count, 1);
    if (err) return err;
    h2r_stream_headers_queued(st, H2R_SENT_TRAILERS, headers, count);
    h2r_stream_on_end_sent(st);
    return 0;
}

int h2r_http2_reset(h2r_stream *st, uint32_t error_code)
{
    return h2r_send_rst_stream(st->session, st->id, error_code);
}

int h2r_http2_push(h2r_stream *st, const h2r_header *headers, size_t count, h2r_stream **pushed)
{
    h2r_session *s = st->session;
    int err = 0;
    if ((st->flags & STREAM_PUSHED) || !s->remote.enable_push || s->goaway_received)
        return H2R_ERR_PUSH_DISABLED;
    if (s->open_local_streams >= s->remote.max_concurrent_streams || s->next_stream_id > H2R_STREAM_ID_MASK)
        return H2R_ERR_STREAM_LIMIT;
    if (s->closing) return H2R_ERR_SESSION_CLOSED;
    if (!h2r_find_header(headers, count, ":path")) return H2R_ERR_INVALID_HEADER;

    /* :method, :scheme and :authority default to GET and the parent request's values (RFC 9113 §8.4.1). */
    int has_scheme = h2r_find_header(headers, count, ":scheme") != NULL;
    int has_authority = h2r_find_header(headers, count, ":authority") != NULL;
    /* The parent kept neither if the peer refused pushes when its request came (http2_headers.c). */
    if ((!has_scheme || !has_authority) && !st->scheme_len && !st->authority_len)
        return H2R_ERR_PUSH_DISABLED;
    h2r_header defaults[3];
    size_t n_defaults = 0;
    if (!h2r_find_header(headers, count, ":method"))
        defaults[n_defaults++] =
            (h2r_header){.name = ":method", .name_len = 7, .value = "GET", .value_len = 3};
    if (!has_scheme)
        defaults[n_defaults++] = (h2r_header){.name = ":scheme",
                                              .name_len = 7,
                                              .value = st->request_info + st->authority_len,
                                              .value_len = st->scheme_len};
    if (!has_authority)
        defaults[n_defaults++] = (h2r_header){
            .name = ":authority", .name_len = 10, .value = st->request_info, .value_len = st->authority_len};
    size_t total = n_defaults + count;
    h2r_header local[32], *list = h2r_http2_fields_with_defaults(local, defaults, n_defaults, headers, count);
    if (!list) return H2R_ERR_NOMEM;

    if (h2r_message_check_outgoing(list, total, H2R_SECTION_PUSH_PROMISE)) {
        err = H2R_ERR_INVALID_HEADER;
    } else {
        const h2r_header *method = h2r_find_header(list, total, ":method");
        int is_head = method->value_len == 4 && memcmp(method->value, "HEAD", 4) == 0;
        int safe = is_head || (method->value_len == 3 && memcmp(method->value, "GET", 3) == 0);
        h2r_stream *child = NULL;
        if (!safe) {
            err = H2R_ERR_INVALID_HEADER; /* §8.4: only safe, cacheable methods can be pushed */
        } else if (!(child = h2r_stream_create(s, s->next_stream_id, NULL, 0, NULL, 0))) {
            err = H2R_ERR_NOMEM;
        } else if ((err = h2r_send_header_block(s, H2R_FRAME_PUSH_PROMISE, st->id, child->id, list, total,
                                                0)) != 0) {
            /* Nothing was promised: the application never hears of this stream. */
            h2r_stream_forget(child);
        } else {
            s->next_stream_id += 2;
            /*
             * reserved (local): the peer never sends on it (RFC 9113 §5.1).
             * Reserved streams do not count against the peer's limit
             * (§5.1.2), but the response HEADERS will open this one with no
             * further check: counting it from the promise keeps every
             * pushed stream we open within MAX_CONCURRENT_STREAMS.
             */
            child->flags |= STREAM_PUSHED | STREAM_LOCAL | STREAM_END_RECEIVED | STREAM_COUNTED_OPEN |
                            (is_head ? STREAM_IS_HEAD : 0);
            ++s->open_local_streams;
            /* A pushed stream depends on its associated stream (RFC 7540 §5.3.5). */
            h2r_sched_attach(&s->sched, &child->sched, h2r_sched_is_attached(&st->sched) ? &st->sched : NULL,
                             H2R_SCHED_DEFAULT_WEIGHT, 0);
            *pushed = child;
        }
    }
    if (list != local) free(list);
    return err;
}

h2r_header *h2r_http2_fields_with_defaults(h2r_header local[32], const h2r_header *defaults,
                                           size_t n_defaults, const h2r_header *headers, size_t count)
{
    h2r_header *list = local;
    if (n_defaults + count > 32 && !(list = malloc((n_defaults + count) * sizeof(*list)))) return NULL;
    memcpy(list, defaults, n_defaults * sizeof(*list));
    if (count) memcpy(list + n_defaults, headers, count * sizeof(*list));
    return list;
}

/* ---- the request body's window ---- */

int h2r_http2_return_window(h2r_stream *st)
{
    h2r_session *s = st->session;
    /*
     * A paused stream keeps what it used: the peer can send no more than the
     * window it has, which is what bounds the body's bytes until resume.
     * After END_STREAM nothing more comes that a window would be needed for.
     */
    if ((st->flags & (STREAM_PAUSED | STREAM_END_RECEIVED | STREAM_CLOSED)) || !st->unacked_bytes ||
        st->unacked_bytes < s->local.initial_window_size / 2)
        return 0;
    int err = h2r_send_window_update(s, st->id, st->unacked_bytes);
    if (err) return err;
    st->local_window += st->unacked_bytes;
    st->unacked_bytes = 0;
    return 0;
}
