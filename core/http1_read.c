/*
 * HTTP/1.1 requests in: h2r_session_feed's bytes read as request heads
 * (each a stream and on_stream), bodies (on_data) and trailer sections
 * (on_trailers), one exchange at a time, input that waits meanwhile
 * buffered. A request that cannot be read is answered here with the
 * status RFC 9112 gives it, and ends the connection: after a framing error
 * nobody knows where the next request would start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "char_table.h"
#include "http1.h"

/* The pseudo-header fields of a request: :method, :scheme, :authority, :path. */
#define PSEUDO_MAX 4

/* RFC 3986 §3.2.2 host and port of an absolute-form target; no '@': userinfo is cut off first. */
static const uint8_t authority_chars[256] = {H2R_CHAR_TABLE(H2R_CHAR_AUTHORITY)};

/* ---- input kept between feeds ---- */

/* Appends to the buffer, what is left of it moved to the front first. */
static int buffer_input(struct http1_state *h1, const uint8_t *data, size_t len)
{
    size_t kept = h2r_http1_buffered(h1);
    if (h1->in_start) {
        memmove(h1->in, h1->in + h1->in_start, kept);
        h1->in_start = 0;
        h1->in_len = kept;
    }
    if (h2r_array_reserve((void **)&h1->in, &h1->in_cap, kept + len, 1, 4096) != 0) return H2R_ERR_NOMEM;
    memcpy(h1->in + kept, data, len);
    h1->in_len = kept + len;
    return 0;
}

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
    struct http1_state *h1 = s->h1;
    h2r_stream *st = h1->current;
    if (!st || !(st->flags & STREAM_HEADERS_SENT)) answer_error(s, status, why);
    uint32_t code = H2R_PROTOCOL_ERROR;
    if (status == 413 || status == 414 || status == 431) code = H2R_ENHANCE_YOUR_CALM;
    if (status == 500) code = H2R_INTERNAL_ERROR;
    h2r_http1_stop_reading(s);
    s->phase = PHASE_CLOSED;
    if (st) h2r_stream_ref(st);
    if (s->config->cb.on_session_error) {
        char reason[192];
        snprintf(reason, sizeof(reason), "%u %s: %s", status, h2r_http1_status_reason(status), why);
        s->config->cb.on_session_error(s, code, reason);
    }
    if (st) {
        h2r_stream_close_internal(st, code, 1);
        h2r_stream_unref(st);
    }
    h2r_session_maybe_done(s);
}

static void fail_parse(h2r_session *s, int err)
{
    fail(s, (unsigned)h2r_http1_error_status(err), h2r_http1_strerror(err));
}

/* ---- request heads ---- */

/* A copy of name in lowercase (RFC 9113 §8.2.1 has them so, and applications compare them so). */
static const char *lowercase(h2r_session *s, const char *name, size_t len)
{
    char *out = s->scratch->bytes + s->scratch->bytes_len;
    for (size_t i = 0; i != len; ++i)
        out[i] = (char)((unsigned)(name[i] - 'A') < 26 ? name[i] + 32 : name[i]);
    s->scratch->bytes_len += len;
    return out;
}

/* Fields about this connection, not the request (RFC 9110 §7.6.1), and host, which :authority replaces. */
static int left_out(const char *name, size_t len)
{
    switch (len) {
    case 4: return memcmp(name, "host", 4) == 0;
    case 7: return memcmp(name, "upgrade", 7) == 0;
    case 10: return memcmp(name, "connection", 10) == 0 || memcmp(name, "keep-alive", 10) == 0;
    case 16: return memcmp(name, "proxy-connection", 16) == 0;
    case 17: return memcmp(name, "transfer-encoding", 17) == 0;
    default: return 0;
    }
}

/*
 * Lowercases the field lines at lines[0..count) and moves the ones kept to
 * out[0..), in order; out is at or before lines, so each entry is read
 * before anything is written over it. Returns how many were kept.
 */
static size_t keep_fields(h2r_session *s, h2r_header *out, const h2r_header *lines, size_t count)
{
    size_t kept = 0;
    for (size_t i = 0; i != count; ++i) {
        h2r_header line = lines[i];
        line.name = lowercase(s, line.name, line.name_len);
        if (!left_out(line.name, line.name_len)) out[kept++] = line;
    }
    return kept;
}

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
    return (ssize_t)(n + keep_fields(s, f + n, f + PSEUDO_MAX, req->header_count));
}

/* The size HTTP/2 gives a header list (RFC 9113 §6.5.2), for settings.max_header_list_size. */
static size_t list_size(const h2r_header *fields, size_t count)
{
    size_t size = 0;
    for (size_t i = 0; i != count; ++i) size += fields[i].name_len + fields[i].value_len + 32;
    return size;
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
    if (list_size(s->scratch->fields, (size_t)count) > s->local.max_header_list_size) {
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
    st->has_content_length = req->content_length >= 0;
    st->content_length = req->content_length >= 0 ? (uint64_t)req->content_length : 0;

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

/* ---- request bodies ---- */

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

/* Hands body bytes to the application; the caller holds a reference on st. */
static void deliver(h2r_session *s, h2r_stream *st, const uint8_t *data, size_t len)
{
    s->h1->expect_continue = 0; /* the body came without a 100 Continue */
    h2r_stream_touch(st);
    if (s->config->cb.on_data) s->config->cb.on_data(st, data, len);
}

static size_t read_length(h2r_session *s, const uint8_t *p, size_t len)
{
    struct http1_state *h1 = s->h1;
    h2r_stream *st = h1->current;
    size_t n = len < h1->body_left ? len : (size_t)h1->body_left;
    h1->body_left -= n;
    h2r_stream_ref(st);
    deliver(s, st, p, n);
    if (h1->body_left == 0 && !(st->flags & STREAM_CLOSED)) request_read(s, st);
    h2r_stream_unref(st);
    return n;
}

static size_t read_chunked(h2r_session *s, const uint8_t *p, size_t len)
{
    struct http1_state *h1 = s->h1;
    const uint8_t *data;
    size_t data_len;
    ssize_t n = h2r_http1_chunked_decode(&h1->chunked, p, len, &data, &data_len);
    if (n < 0) {
        fail_parse(s, (int)n);
        return 0;
    }
    if (h2r_http1_chunked_done(&h1->chunked)) h1->read_state = H1_READ_TRAILERS;
    if (data_len) {
        h2r_stream *st = h1->current;
        h2r_stream_ref(st);
        deliver(s, st, data, data_len);
        h2r_stream_unref(st);
    }
    return (size_t)n;
}

static size_t read_trailers(h2r_session *s, const uint8_t *p, size_t len)
{
    size_t count;
    /* The scratch is there: read_head made it, with room for max_header_list_pairs lines. */
    struct field_scratch *fs = h2r_field_scratch_begin(s);
    int n = h2r_http1_parse_trailers(p, len, &s->config->opt.http1, fs->fields,
                                     s->config->opt.max_header_list_pairs, &count);
    if (n < 0) fail_parse(s, n);
    if (n <= 0) return 0;
    if (h2r_field_scratch_reserve(fs, 0, (size_t)n) != 0) {
        fail(s, 500, "out of memory");
        return 0;
    }
    /* The same fields are left out as from a head: none of them can be a trailer (RFC 9110 §6.5.1). */
    count = keep_fields(s, fs->fields, fs->fields, count);
    if (list_size(fs->fields, count) > s->local.max_header_list_size) {
        fail(s, 431, "request trailer fields over the server's max_header_list_size");
        return 0;
    }
    h2r_stream *st = s->h1->current;
    h2r_stream_ref(st);
    h2r_stream_touch(st);
    /* Most chunked bodies end with no trailer field at all: HTTP/2 would have sent no trailers then. */
    if (count && s->config->cb.on_trailers) s->config->cb.on_trailers(st, fs->fields, count);
    if (!(st->flags & STREAM_CLOSED)) request_read(s, st);
    h2r_stream_unref(st);
    return (size_t)n;
}

static size_t read_tunnel(h2r_session *s, const uint8_t *p, size_t len)
{
    h2r_stream *st = s->h1->current;
    h2r_stream_ref(st);
    deliver(s, st, p, len);
    h2r_stream_unref(st);
    return len;
}

/* ---- the read loop ---- */

/*
 * Reads requests from buf as far as they can be read now. Returns how many
 * bytes were used: the rest waits for more (a head or trailer section cut
 * short) or for the current response (pipelined requests). Each step
 * either uses bytes or changes state, or stops the loop.
 */
static size_t read_input(h2r_session *s, const uint8_t *buf, size_t len)
{
    struct http1_state *h1 = s->h1;
    size_t used = 0;
    h1->reading = 1;
    while (s->phase != PHASE_CLOSED && h1->read_state != H1_READ_WAIT) {
        enum h1_read_state state = h1->read_state;
        const uint8_t *p = buf + used;
        size_t avail = len - used, n = 0;
        if (state == H1_READ_DONE) {
            used = len;
            break;
        }
        if (avail == 0) break;
        if (state == H1_READ_HEAD && h2r_http1_output_over_bound(s)) {
            h1->output_full = 1;
            break;
        }
        /* A paused request's body, and whatever follows it, waits in the buffer (h2r_http1_resume). */
        if (h1->current && (h1->current->flags & STREAM_PAUSED)) break;
        switch (state) {
        case H1_READ_HEAD: n = read_head(s, p, avail); break;
        case H1_READ_LENGTH: n = read_length(s, p, avail); break;
        case H1_READ_CHUNKED: n = read_chunked(s, p, avail); break;
        case H1_READ_TRAILERS: n = read_trailers(s, p, avail); break;
        case H1_READ_TUNNEL: n = read_tunnel(s, p, avail); break;
        case H1_READ_WAIT:
        case H1_READ_DONE: break;
        }
        used += n;
        if (n == 0 && h1->read_state == state) break;
    }
    if (s->phase == PHASE_CLOSED) used = len; /* a failed connection reads nothing more */
    h1->reading = 0;
    return used;
}

int h2r_http1_read_buffered(h2r_session *s)
{
    struct http1_state *h1 = s->h1;
    h1->input_ready = 0;
    if (h1->reading || !h2r_http1_buffered(h1)) return 0;
    size_t used = read_input(s, h1->in + h1->in_start, h2r_http1_buffered(h1));
    h1->in_start += used;
    if (h1->in_start == h1->in_len) h1->in_start = h1->in_len = 0;
    /* Set again if an exchange ended in the loop, which read on anyway. */
    h1->input_ready = 0;
    return used != 0;
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

ssize_t h2r_http1_feed(h2r_session *s, const uint8_t *data, size_t len)
{
    struct http1_state *h1 = s->h1;
    if (s->phase == PHASE_CLOSED || h1->read_state == H1_READ_DONE) return H2R_ERR_SESSION_CLOSED;
    s->active_ms = s->now_ms;
    if (!h2r_http1_buffered(h1)) {
        /* The common case: requests read in place, from the I/O layer's buffer; only a remainder is kept. */
        size_t used = read_input(s, data, len);
        if (used != len && buffer_input(h1, data + used, len - used) != 0) fail(s, 500, "out of memory");
    } else if (buffer_input(h1, data, len) != 0) {
        fail(s, 500, "out of memory");
    } else {
        h2r_http1_read_buffered(s);
    }
    if (s->phase != PHASE_CLOSED) check_buffered(s);
    if (s->phase == PHASE_CLOSED) {
        h2r_session_maybe_done(s);
        return H2R_ERR_PROTOCOL;
    }
    return (ssize_t)len;
}
