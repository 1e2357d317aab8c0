/*
 * HTTP/1.1 output: heads (the server's status line or the client's request
 * line, the application's fields and the framing fields the session adds),
 * the server's interim 1xx responses, and both roles' bodies as they leave
 * the stream's queue (as they are, or as chunks), the last chunk with its
 * trailers.
 *
 * Everything goes out the way HTTP/2 frames do: heads and chunk framing into
 * the session's control blocks, body bytes as in-flight chunks by reference
 * (file ranges stay file ranges, for the I/O layer to read or splice), and
 * the same h2r_session_sent() releases them. Only the current exchange
 * writes, and always in wire order, so control bytes never overtake a body
 * the way HTTP/2's control frames overtake DATA.
 */
#include <stdlib.h>
#include <string.h>

#include "http1.h"

/*
 * The fields passed the HTTP/2 rules already (no connection-specific field,
 * no uppercase, no CR, LF or NUL); the writer also refuses the other
 * control characters, which HTTP/1 does not take in a value.
 */
int h2r_http1_queue_head(h2r_session *s, unsigned status, const h2r_http1_request *request,
                         const h2r_header *fields, size_t count, const h2r_header *extra, size_t extra_count)
{
    h2r_header local[32], *list = local;
    size_t lead = request ? request->header_count : 0;
    size_t total = lead + count + extra_count;
    if (total > sizeof(local) / sizeof(local[0]) && !(list = malloc(total * sizeof(*list))))
        return H2R_ERR_NOMEM;
    if (lead) memcpy(list, request->headers, lead * sizeof(*list));
    if (count) memcpy(list + lead, fields, count * sizeof(*list));
    if (extra_count) memcpy(list + lead + count, extra, extra_count * sizeof(*list));
    h2r_http1_request line;
    if (request) {
        line = *request;
        line.headers = list;
        line.header_count = total;
    }
    int err = 0;
    uint8_t *buf = NULL;
    size_t size = request ? h2r_http1_request_head_size(&line)
                          : h2r_http1_response_head_size(status, NULL, list, total);
    if (size > s->config->opt.max_send_header_block_length) {
        err = H2R_ERR_HEADERS_TOO_LARGE;
    } else if (!(buf = h2r_out_reserve(s, size))) {
        err = H2R_ERR_NOMEM;
    } else {
        ssize_t n = request ? h2r_http1_write_request_head(buf, size, &line)
                            : h2r_http1_write_response_head(buf, size, status, NULL, list, total);
        if (n < 0)
            err = H2R_ERR_INVALID_HEADER;
        else
            h2r_out_commit(s, (size_t)n);
    }
    if (list != local) free(list);
    return err;
}

/*
 * The response is queued to its end. A tunnel's request, one whose client
 * still waits for a 100 Continue, and any request on a connection that
 * ends with this response (connection: close, a graceful close, the
 * client's FIN) have no end worth waiting for: the exchange ends with the
 * response, and the connection with it.
 */
void h2r_http1_response_sent(h2r_stream *st)
{
    struct http1_state *h1 = st->session->h1;
    /* Short of its content-length, the client waits for bytes that will not come: only the close can tell it.
     */
    if (h1->framing == H1_FRAMING_LENGTH && h1->response_left) h2r_http1_no_reuse(st->session);
    int abandon =
        !(st->flags & STREAM_END_RECEIVED) && (h1->tunnel || h1->expect_continue || !h1->keep_alive);
    h2r_stream_ref(st);
    h2r_stream_on_end_sent(st);
    if (abandon && !(st->flags & STREAM_CLOSED)) h2r_stream_close_internal(st, H2R_NO_ERROR, 0);
    h2r_stream_unref(st);
}

int h2r_http1_end_body(h2r_session *s, h2r_stream *st, const h2r_header *trailers, size_t count)
{
    struct http1_state *h1 = s->h1;
    if (h1->framing == H1_FRAMING_CHUNKED) {
        size_t size = 2 + 3 + 2; /* the CRLF owed, "0\r\n", the final CRLF */
        for (size_t i = 0; i != count; ++i) size += trailers[i].name_len + 2 + trailers[i].value_len + 2;
        uint8_t *buf = h2r_out_reserve(s, size);
        if (!buf) return H2R_ERR_NOMEM;
        size_t n = 0;
        if (h1->crlf_owed) {
            memcpy(buf, "\r\n", 2);
            n = 2;
        }
        ssize_t w = h2r_http1_write_last_chunk(buf + n, size - n, trailers, count);
        if (w < 0) return H2R_ERR_INVALID_HEADER;
        h2r_out_commit(s, n + (size_t)w);
        h1->crlf_owed = 0;
    }
    h1->role->message_sent(st);
    return 0;
}

int h2r_http1_respond(h2r_stream *st, const h2r_header *headers, size_t count, unsigned flags)
{
    h2r_session *s = st->session;
    struct http1_state *h1 = s->h1;
    struct h2r_message_check check;
    h2r_message_check_init(&check, H2R_SECTION_RESPONSE, 0);
    for (size_t i = 0; i != count; ++i)
        if (h2r_message_check_field(&check, &headers[i]) != 0) return H2R_ERR_INVALID_HEADER;
    /* Pseudo-header fields come first, and :status is the one a response has. */
    int has_status = (check.pseudo_seen & H2R_PSEUDO_STATUS) != 0;
    unsigned status = has_status ? check.status : 200;
    const h2r_header *fields = has_status ? headers + 1 : headers;
    size_t field_count = has_status ? count - 1 : count;

    /* RFC 9110 §6.4.1: no content in a response to HEAD, nor in 204 and 304. */
    int no_body = (st->flags & STREAM_IS_HEAD) || status == 204 || status == 304;
    int want_trailers = (flags & H2R_RESPOND_WAIT_FOR_TRAILERS) && !no_body;
    int end = (flags & H2R_RESPOND_END_STREAM) || no_body;
    int http11 = (st->flags & STREAM_HTTP11) != 0;
    /* RFC 9110 §9.3.6: after a 2xx to CONNECT the connection is the tunnel, with no framing at all. */
    int tunnel = h1->tunnel && status / 100 == 2;
    if (tunnel && check.has_content_length) return H2R_ERR_INVALID_HEADER;

    /* The body's framing (RFC 9112 §6.3), from what the application says of it. */
    h2r_header extra[2];
    size_t n_extra = 0;
    enum h1_framing framing;
    uint64_t left = 0;
    if (no_body) {
        framing = H1_FRAMING_NONE;
    } else if (tunnel) {
        framing = H1_FRAMING_CLOSE;
    } else if (check.has_content_length) {
        framing = H1_FRAMING_LENGTH;
        left = check.content_length;
    } else if (end && !(want_trailers && http11)) {
        framing = H1_FRAMING_LENGTH;
        extra[n_extra++] = FIELD("content-length", "0", 1);
    } else if (http11) {
        framing = H1_FRAMING_CHUNKED;
        extra[n_extra++] = FIELD("transfer-encoding", "chunked", 7);
    } else {
        framing = H1_FRAMING_CLOSE; /* HTTP/1.0 has no chunks */
    }
    /*
     * A client still waiting for 100 Continue may send its body now or
     * never (RFC 9110 §10.1.1): the connection cannot be reused, and says so.
     */
    int awaits_continue = h1->expect_continue && !(st->flags & STREAM_END_RECEIVED);
    int persist = h1->keep_alive && !s->closing && framing != H1_FRAMING_CLOSE && !awaits_continue;
    if (!persist && !tunnel)
        extra[n_extra++] = FIELD("connection", "close", 5);
    else if (persist && !http11)
        extra[n_extra++] = FIELD("connection", "keep-alive", 10); /* HTTP/1.0 closes otherwise */

    int err = h2r_http1_queue_head(s, status, NULL, fields, field_count, extra, n_extra);
    if (err) return err;
    if (!persist) h2r_http1_no_reuse(s);
    h1->framing = framing;
    h1->response_left = left;
    st->flags |= STREAM_HEADERS_SENT | (want_trailers ? STREAM_WANT_TRAILERS : 0);
    if (end) {
        st->flags |= STREAM_END_REQUESTED;
        if (!want_trailers) return h2r_http1_end_body(s, st, NULL, 0);
    }
    return 0;
}

int h2r_http1_interim(h2r_stream *st, const h2r_header *headers, size_t count)
{
    /* HTTP/1.0 has no 1xx (RFC 9110 §15.2): nothing to send, and nothing wrong with that. */
    if (!(st->flags & STREAM_HTTP11)) return 0;
    unsigned status = h2r_status_code(&headers[0]); /* :status, three digits: checked by the caller */
    int err = h2r_http1_queue_head(st->session, status, NULL, headers + 1, count - 1, NULL, 0);
    if (!err && status == 100) st->session->h1->expect_continue = 0;
    return err;
}

int h2r_http1_send_trailers(h2r_stream *st, const h2r_header *headers, size_t count)
{
    return h2r_http1_end_body(st->session, st, headers, count);
}

/* ---- bodies, as h2r_session_pull asks for output ---- */

/* Bytes written past the content-length have no place in the message: they are dropped. */
static int drop_excess(h2r_stream *st)
{
    h2r_stream_release_queued(st);
    h2r_stream_ref(st);
    h2r_stream_data_framed(st); /* on_drain, if a write was waiting for it */
    h2r_stream_unref(st);
    return 1;
}

/* Puts the next part of the body in flight: as many queued items as room allows, as one chunk if chunked. */
static int frame_body(h2r_session *s, h2r_stream *st, size_t room)
{
    struct http1_state *h1 = s->h1;
    int chunked = h1->framing == H1_FRAMING_CHUNKED;
    uint64_t limit = h1->framing == H1_FRAMING_LENGTH ? h1->response_left : UINT64_MAX;
    if (limit == 0) return drop_excess(st);
    size_t slots = chunked ? room - 1 : room, len = 0, items = 0;
    for (struct data_item *item = st->data_head; item && slots && len < limit; item = item->next, --slots) {
        size_t rest = item->len - item->framed;
        len += rest < limit - len ? rest : (size_t)(limit - len);
        ++items;
    }
    /* Room for a slice per item, and for the chunk header pulled with the control bytes. */
    if (h2r_inflight_reserve(s, items + (chunked ? 1 : 0)) != 0) return 0;
    if (chunked) {
        uint8_t *buf = h2r_out_reserve(s, 2 + H2R_HTTP1_CHUNK_HEADER_MAX);
        if (!buf) return 0;
        size_t n = 0;
        if (h1->crlf_owed) {
            /* The previous chunk's CRLF, sent with this header rather than as a chunk of its own. */
            memcpy(buf, "\r\n", 2);
            n = 2;
        }
        h2r_out_commit(s, n + h2r_http1_write_chunk_header(buf + n, len));
        h2r_out_pull_control(s);
        h1->crlf_owed = 1;
    }
    for (size_t framed = 0; framed < len;) {
        struct data_item *item = st->data_head;
        size_t slice = item->len - item->framed < len - framed ? item->len - item->framed : len - framed;
        h2r_inflight_add_payload(s, st, slice, NULL, 0);
        framed += slice;
    }
    st->queued_bytes -= len;
    s->queued_data_bytes -= len;
    if (h1->framing == H1_FRAMING_LENGTH) h1->response_left -= len;
    h2r_stream_touch(st);
    h2r_stream_ref(st);
    h2r_stream_data_framed(st);
    h2r_stream_unref(st);
    return 1;
}

int h2r_http1_message_ready(const h2r_stream *st)
{
    if (!st || (st->flags & (STREAM_HEADERS_SENT | STREAM_END_SENT)) != STREAM_HEADERS_SENT) return 0;
    return st->queued_bytes || ((st->flags & STREAM_END_REQUESTED) && !(st->flags & STREAM_TRAILERS_ASKED));
}

int h2r_http1_write_next(h2r_session *s, h2r_stream *st, size_t room)
{
    if (st->queued_bytes) return frame_body(s, st, room);
    if (st->flags & STREAM_WANT_TRAILERS) {
        h2r_stream_ask_for_trailers(st);
        return 1;
    }
    return h2r_http1_end_body(s, st, NULL, 0) == 0;
}
