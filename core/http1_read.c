/*
 * The HTTP/1.1 server's input (its struct http1_role): request heads, each
 * a stream and on_stream, the end of each request, pipelined input held
 * within its bound; bodies and trailers are read by http1_input.c. A
 * request that cannot be read is answered here with the status RFC 9112
 * gives it, and ends the connection: after a framing error nobody knows
 * where the next request would start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "char_table.h"
#include "http1.h"

/* The pseudo-header fields of a request: :method, :scheme, :authority, :path. */
#define PSEUDO_MAX 4

/* RFC 3986 §3.2.2 host and port of an absolute-form target; no '@': userinfo is cut off first. */
static const uint8_t authority_chars[256] = {H2R_CHAR_TABLE(H2R_CHAR_AUTHORITY)};

/* ---- errors ---- */

/*
 * The session's own answer to a request it refuses: status, connection:
 * close, and why, as text; only the head to a HEAD (RFC 9110 §9.3.2), which
 * the client reads no body after.
 */
static void answer_error(h2r_session *s, unsigned status, const char *why)
{
    char length[24];
    int head_only = s->h1->current && (s->h1->current->flags & STREAM_IS_HEAD);
    size_t body_len = head_only ? 0 : strlen(why) + 1;
    int length_len = snprintf(length, sizeof(length), "%zu", body_len);
    const h2r_header fields[] = {
        FIELD("content-type", "text/plain; charset=utf-8", 25),
        FIELD("content-length", length, (size_t)length_len),
        FIELD("connection", "close", 5),
    };
    size_t head = h2r_http1_response_head_size(status, NULL, fields, 3);
    uint8_t *buf = h2r_out_reserve(s, head + body_len);
    if (!buf) return; /* out of memory: the connection just ends */
    ssize_t n = h2r_http1_write_response_head(buf, head, status, NULL, fields, 3);
    if (n < 0) return;
    if (body_len) {
        memcpy(buf + n, why, body_len - 1);
        buf[(size_t)n + body_len - 1] = '\n';
    }
    h2r_out_commit(s, (size_t)n + body_len);
}

/*
 * The request cannot be read: the client gets the status (unless the
 * application's response has started, when nothing can be said any more),
 * the exchange is aborted, and the connection ends.
 */
static void fail(h2r_session *s, unsigned status, const char *why)
{
    h2r_stream *st = s->h1->current;
    if (!st || !(st->flags & STREAM_HEADERS_SENT)) answer_error(s, status, why);
    uint32_t code = H2R_PROTOCOL_ERROR;
    if (status == 413 || status == 414 || status == 431) code = H2R_ENHANCE_YOUR_CALM;
    if (status == 500) code = H2R_INTERNAL_ERROR;
    char reason[192];
    snprintf(reason, sizeof(reason), "%u %s: %s", status, h2r_http1_status_reason(status), why);
    h2r_http1_abort(s, code, reason);
}

/* The role's fail: an H2R_HTTP1_ERR_* code, or out of memory. */
static void fail_input(h2r_session *s, int err, const char *why)
{
    if (err == H2R_ERR_NOMEM)
        fail(s, 500, "out of memory");
    else
        fail(s, (unsigned)h2r_http1_error_status(err), why ? why : h2r_http1_strerror(err));
}

static void fail_parse(h2r_session *s, int err)
{
    fail_input(s, err, NULL);
}

/* ---- request heads ---- */

/*
 * absolute-form (RFC 9112 §3.2.2): the target's authority and path are the
 * request's, and Host is ignored. Without "//" there is no authority, and
 * so nothing this server could be.
 */
static int split_absolute(h2r_session *s, const h2r_http1_request *req, h2r_header *authority,
                          h2r_header *path)
{
    const char *end = req->target + req->target_len;
    const char *p = memchr(req->target, ':', req->target_len); /* the parser found a scheme before it */
    if (end - p < 3 || p[1] != '/' || p[2] != '/') return H2R_HTTP1_ERR_TARGET;
    const char *host = p + 3, *host_end = host;
    while (host_end != end && *host_end != '/' && *host_end != '?') ++host_end;
    /* userinfo is not part of the authority a server answers for (RFC 9110 §4.2.4). */
    for (const char *q = host_end; q != host; --q) {
        if (q[-1] == '@') {
            host = q;
            break;
        }
    }
    unsigned ok = host != host_end;
    for (const char *q = host; q != host_end; ++q) ok &= authority_chars[(uint8_t)*q];
    if (!ok) return H2R_HTTP1_ERR_TARGET;
    *authority = FIELD(":authority", host, (size_t)(host_end - host));

    if (host_end != end && *host_end == '/') {
        *path = FIELD(":path", host_end, (size_t)(end - host_end));
    } else if (host_end == end) {
        /* An empty path is "/", or "*" for OPTIONS (RFC 9112 §3.2.4). */
        int options = req->method_len == 7 && memcmp(req->method, "OPTIONS", 7) == 0;
        *path = FIELD(":path", options ? "*" : "/", 1);
    } else {
        /* Only a query: "/" goes before it, in the scratch (which has a byte to spare). */
        char *out = s->scratch->bytes + s->scratch->bytes_len;
        out[0] = '/';
        memcpy(out + 1, host_end, (size_t)(end - host_end));
        s->scratch->bytes_len += 1 + (size_t)(end - host_end);
        *path = FIELD(":path", out, (size_t)(end - host_end) + 1);
    }
    return 0;
}

/*
 * Turns a parsed head, whose field lines are at s->scratch->fields +
 * PSEUDO_MAX, into what on_stream gets in s->scratch->fields: the
 * pseudo-header fields, then the fields kept. Returns the count, or a
 * negative H2R_HTTP1_ERR_* code.
 */
static ssize_t request_fields(h2r_session *s, const h2r_http1_request *req)
{
    h2r_header *f = s->scratch->fields;
    h2r_header authority = FIELD(":authority", req->host, req->host_len);
    h2r_header path = FIELD(":path", req->target, req->target_len);
    int has_path = 1;
    if (req->target_form == H2R_HTTP1_TARGET_AUTHORITY) {
        /* CONNECT, as in HTTP/2 (RFC 9113 §8.5): the target is :authority, without :scheme and :path. */
        authority.value = req->target;
        authority.value_len = req->target_len;
        has_path = 0;
    } else if (req->target_form == H2R_HTTP1_TARGET_ABSOLUTE) {
        int err = split_absolute(s, req, &authority, &path);
        if (err) return err;
    }
    size_t n = 0;
    f[n++] = FIELD(":method", req->method, req->method_len);
    if (has_path) f[n++] = FIELD(":scheme", s->h1->scheme, strlen(s->h1->scheme));
    /* No Host (HTTP/1.0), or an empty one (a target without authority): no :authority either. */
    if (authority.value_len) f[n++] = authority;
    if (has_path) f[n++] = path;
    return (ssize_t)(n + h2r_http1_keep_fields(s, f + n, f + PSEUDO_MAX, req->header_count));
}

static void request_read(h2r_session *s, h2r_stream *st);

/* A request head is in: its stream, on_stream, and what its body will be. */
static void start_exchange(h2r_session *s, const h2r_http1_request *req, size_t head_len)
{
    struct http1_state *h1 = s->h1;
    /* Room for the names lowercased, and a byte to spare (split_absolute). */
    if (h2r_field_scratch_reserve(s->scratch, 0, head_len + 1) != 0) {
        fail(s, 500, "out of memory");
        return;
    }
    ssize_t count = request_fields(s, req);
    if (count < 0) {
        fail_parse(s, (int)count);
        return;
    }
    if (h2r_http1_list_size(s->scratch->fields, (size_t)count) > s->local.max_header_list_size) {
        fail(s, 431, "request header fields over the server's max_header_list_size");
        return;
    }
    /* Ids go on as a client's would in HTTP/2; with one exchange at a time they may start again at 1. */
    uint32_t last = s->last_peer_stream_id;
    uint32_t id = last && last <= H2R_STREAM_ID_MASK - 2 ? last + 2 : 1;
    h2r_stream *st = h2r_stream_create(s, id, NULL, 0, NULL, 0);
    if (!st) {
        fail(s, 500, "out of memory");
        return;
    }
    s->last_peer_stream_id = id;
    ++s->open_peer_streams;
    st->flags |= STREAM_COUNTED_OPEN | (req->minor_version ? STREAM_HTTP11 : STREAM_HTTP10);
    if (req->method_len == 4 && memcmp(req->method, "HEAD", 4) == 0) st->flags |= STREAM_IS_HEAD;

    h1->current = st;
    h1->tunnel = req->target_form == H2R_HTTP1_TARGET_AUTHORITY;
    /* A tunnel is the connection's last use, whatever the response says. */
    h1->keep_alive = req->keep_alive && !h1->tunnel && !s->closing;
    /* Only a body can be waited for: without one the request is in, and 100 Continue means nothing. */
    h1->expect_continue = req->expect_continue && (req->chunked || req->content_length > 0) && !h1->tunnel;
    h1->framing = H1_FRAMING_NONE;
    h1->response_left = 0;
    h1->crlf_owed = 0;
    int end_stream = 0;
    if (h1->tunnel) {
        h1->read_state = H1_READ_TUNNEL;
    } else if (req->chunked) {
        h1->read_state = H1_READ_CHUNKED;
        h2r_http1_chunked_init(&h1->chunked, &s->config->opt.http1);
    } else if (req->content_length > 0) {
        h1->read_state = H1_READ_LENGTH;
        h1->body_left = (uint64_t)req->content_length;
    } else {
        end_stream = 1;
        st->flags |= STREAM_END_IN_HEADERS;
        h1->read_state = H1_READ_WAIT;
    }

    h2r_stream_hold(st, (size_t)count * sizeof(h2r_header) + s->scratch->bytes_len);
    h2r_stream_ref(st);
    if (s->config->cb.on_stream)
        s->config->cb.on_stream(s, st, s->scratch->fields, (size_t)count, end_stream ? H2R_END_STREAM : 0);
    if (end_stream && !(st->flags & STREAM_CLOSED)) request_read(s, st);
    h2r_stream_unref(st);
}

static size_t read_head(h2r_session *s, const uint8_t *p, size_t len)
{
    if (h2r_http1_output_over_bound(s)) {
        s->h1->output_full = 1;
        return 0;
    }
    size_t lines = s->config->opt.max_header_list_pairs;
    struct field_scratch *fs = h2r_field_scratch_begin(s);
    if (!fs || h2r_field_scratch_reserve(fs, PSEUDO_MAX + lines, 0) != 0) {
        fail(s, 500, "out of memory");
        return 0;
    }
    h2r_http1_request req;
    int n =
        h2r_http1_parse_request(p, len, &s->config->opt.http1, &req, s->scratch->fields + PSEUDO_MAX, lines);
    if (n < 0) fail_parse(s, n);
    if (n <= 0) return 0;
    start_exchange(s, &req, (size_t)n);
    return (size_t)n;
}

/* ---- the end of a request, and what waits behind it ---- */

/* The request is all in: on_end, and the response is waited for, unless nothing may follow it. */
static void request_read(h2r_session *s, h2r_stream *st)
{
    struct http1_state *h1 = s->h1;
    if (h1->keep_alive && !s->closing)
        h1->read_state = H1_READ_WAIT;
    else
        h2r_http1_stop_reading(s);
    h2r_stream_on_end_received(st);
}

/* Pipelined input past the bound: the connection ends after the current response, or what is queued. */
static void check_buffered(h2r_session *s)
{
    struct http1_state *h1 = s->h1;
    int waiting = h1->read_state == H1_READ_WAIT || (h1->read_state == H1_READ_HEAD && h1->output_full);
    if (!waiting || h2r_http1_buffered(h1) <= s->config->opt.http1_max_buffered_input) return;
    h2r_http1_stop_reading(s);
    if (s->config->cb.on_session_error)
        s->config->cb.on_session_error(s, H2R_ENHANCE_YOUR_CALM,
                                       "pipelined requests over http1_max_buffered_input while responses are "
                                       "pending: the connection closes after them");
}

int h2r_http1_server_eof(h2r_session *s)
{
    struct http1_state *h1 = s->h1;
    h2r_stream *st = h1->current;
    /*
     * A tunnel's client ended its side (RFC 9110 §9.3.6): its stream's end, as an HTTP/2 tunnel's END_STREAM
     * is, once what it sent before is read; the response may go on. Any other request is whole by now, or
     * cut.
     */
    if (s->phase == PHASE_CLOSED || h1->read_state != H1_READ_TUNNEL || !st || h2r_http1_buffered(h1))
        return 0;
    h2r_http1_stop_reading(s);
    h2r_stream_ref(st);
    h2r_stream_on_end_received(st);
    h2r_stream_unref(st);
    return 0;
}

const struct http1_role h2r_http1_server_role = {
    .read_head = read_head,
    .message_read = request_read,
    .fail = fail_input,
    .input_kept = check_buffered,
    .message_sent = h2r_http1_response_sent,
};
