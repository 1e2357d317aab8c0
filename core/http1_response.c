/*
 * The HTTP/1.1 client's input (its struct http1_role): response heads, 1xx
 * for on_informational and the final one for on_response with what frames
 * its body, the end of a response and what it says of the connection, the
 * end of the input (h2r_session_eof), and a response that cannot be read,
 * which ends the session: after it nobody knows where the next response
 * would start. Bodies and trailers are read by http1_input.c.
 */
#include "http1.h"

void h2r_http1_client_fail(h2r_session *s, int err, const char *why)
{
    uint32_t code = H2R_PROTOCOL_ERROR;
    int status = err == H2R_ERR_NOMEM ? 500 : h2r_http1_error_status(err);
    if (status == 413 || status == 414 || status == 431) code = H2R_ENHANCE_YOUR_CALM;
    if (err == H2R_ERR_NOMEM) code = H2R_INTERNAL_ERROR;
    if (!why) why = err == H2R_ERR_NOMEM ? "out of memory" : h2r_http1_strerror(err);
    h2r_http1_abort(s, code, why);
}

void h2r_http1_response_read(h2r_session *s, h2r_stream *st)
{
    struct http1_state *h1 = s->h1;
    /* The server closes after this response: the rest of the request would go nowhere. */
    int abandon = !h1->keep_alive;
    if (h1->keep_alive && !s->closing)
        h1->read_state = H1_READ_HEAD; /* and any byte before the next request is an error */
    else
        h2r_http1_stop_reading(s);
    h2r_stream_ref(st);
    h2r_stream_on_end_received(st);
    if (abandon && !(st->flags & STREAM_CLOSED)) h2r_stream_close_internal(st, H2R_NO_ERROR, 0);
    h2r_stream_unref(st);
}

/* A final response's head: what delimits its body (RFC 9112 §6.3), and on_response. */
static void start_response(h2r_session *s, h2r_stream *st, const h2r_http1_response *resp,
                           const h2r_header *fields, size_t count)
{
    struct http1_state *h1 = s->h1;
    st->flags &= ~(uint32_t)(STREAM_HTTP11 | STREAM_HTTP10);
    st->flags |= resp->minor_version ? STREAM_HTTP11 : STREAM_HTTP10;
    h1->awaiting = 0;
    h1->keep_alive = resp->keep_alive;
    int end_stream = 0;
    if (h1->no_content || resp->status == 204 || resp->status == 304) {
        end_stream = 1;
    } else if (h1->connect && resp->status / 100 == 2) {
        /* RFC 9110 §9.3.6: the connection is the tunnel from here on, both ways. */
        h1->read_state = H1_READ_TUNNEL;
        h1->keep_alive = 0;
    } else if (resp->chunked) {
        h1->read_state = H1_READ_CHUNKED;
        h2r_http1_chunked_init(&h1->chunked, &s->config->opt.http1);
    } else if (resp->content_length > 0) {
        h1->read_state = H1_READ_LENGTH;
        h1->body_left = (uint64_t)resp->content_length;
    } else if (resp->content_length == 0) {
        end_stream = 1;
    } else {
        /* Neither: the body is all the server sends until it closes (h2r_session_eof). */
        h1->read_state = H1_READ_TUNNEL;
        h1->keep_alive = 0;
    }
    h2r_stream_ref(st);
    h2r_stream_touch(st);
    if (s->config->cb.on_response)
        s->config->cb.on_response(st, fields, count, end_stream ? H2R_END_STREAM : 0);
    if (end_stream && !(st->flags & STREAM_CLOSED)) h2r_http1_response_read(s, st);
    h2r_stream_unref(st);
}

size_t h2r_http1_read_response_head(h2r_session *s, const uint8_t *p, size_t len)
{
    struct http1_state *h1 = s->h1;
    if (!h1->awaiting) {
        h2r_http1_client_fail(s, H2R_HTTP1_ERR_STATUS_LINE,
                              "bytes from the server while no response is awaited");
        return 0;
    }
    size_t lines = s->config->opt.max_header_list_pairs;
    struct field_scratch *fs = h2r_field_scratch_begin(s);
    if (!fs || h2r_field_scratch_reserve(fs, 1 + lines, 0) != 0) {
        h2r_http1_client_fail(s, H2R_ERR_NOMEM, NULL);
        return 0;
    }
    h2r_http1_response resp;
    int n = h2r_http1_parse_response(p, len, &s->config->opt.http1, &resp, fs->fields + 1, lines);
    if (n < 0) h2r_http1_client_fail(s, n, NULL);
    if (n <= 0) return 0;
    if (h2r_field_scratch_reserve(fs, 0, (size_t)n) != 0) {
        h2r_http1_client_fail(s, H2R_ERR_NOMEM, NULL);
        return 0;
    }
    /* :status first, as HTTP/2 has it, from the status line's own digits. */
    fs->fields[0] = FIELD(":status", (const char *)p + 9, 3);
    size_t count = 1 + h2r_http1_keep_fields(s, fs->fields + 1, fs->fields + 1, resp.header_count);
    if (h2r_http1_list_size(fs->fields, count) > s->local.max_header_list_size) {
        h2r_http1_client_fail(s, H2R_HTTP1_ERR_HEAD_TOO_LARGE,
                              "response header fields over max_header_list_size");
        return 0;
    }
    h2r_stream *st = h1->current;
    if (resp.status >= 200) {
        start_response(s, st, &resp, fs->fields, count);
        return (size_t)n;
    }
    /* We never ask for an upgrade, so a server that switches protocols speaks one we do not. */
    if (resp.status == 101) {
        h2r_http1_client_fail(s, H2R_HTTP1_ERR_STATUS_LINE,
                              "101 Switching Protocols to a request without Upgrade");
        return 0;
    }
    h2r_stream_ref(st);
    h2r_stream_touch(st);
    if (s->config->cb.on_informational) s->config->cb.on_informational(st, fs->fields, count);
    h2r_stream_unref(st);
    return (size_t)n;
}

int h2r_http1_client_eof(h2r_session *s)
{
    struct http1_state *h1 = s->h1;
    if (s->phase == PHASE_CLOSED || h1->read_state == H1_READ_DONE) return 0;
    h2r_stream *st = h1->current;
    /* What a paused body kept is read first (h2r_http1_resume): the end is taken after it. */
    h1->input_ended = st && (st->flags & STREAM_PAUSED) && h2r_http1_buffered(h1);
    if (h1->input_ended) return 0;
    if (h1->read_state == H1_READ_TUNNEL) {
        h1->keep_alive = 0;
        h2r_http1_response_read(s, st);
    } else if (h1->read_state == H1_READ_HEAD && !h1->awaiting && !h2r_http1_buffered(h1)) {
        h2r_http1_stop_reading(s);
        /* A request whose response came whole goes no further: nobody reads the rest. */
        if (st) h2r_stream_close_internal(st, H2R_NO_ERROR, 0);
    } else {
        h2r_http1_client_fail(s, H2R_HTTP1_ERR_STATUS_LINE,
                              "the connection ended before the response was complete");
        return H2R_ERR_PROTOCOL;
    }
    h2r_session_maybe_done(s);
    return 0;
}
