/*
 * HTTP/1.1 input for both roles: h2r_session_feed's bytes read in place or
 * kept in the buffer, the read loop, bodies by length, chunked or until the
 * exchange ends, and trailer sections; heads, and what a message read or
 * an error does, are the role's (struct http1_role: the server's in
 * http1_read.c, the client's in http1_response.c).
 */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "http1.h"

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

/* ---- fields, as the application gets them ---- */

/* A copy of name in lowercase (RFC 9113 §8.2.1 has them so, and applications compare them so). */
static const char *lowercase(h2r_session *s, const char *name, size_t len)
{
    char *out = s->scratch->bytes + s->scratch->bytes_len;
    for (size_t i = 0; i != len; ++i)
        out[i] = (char)((unsigned)(name[i] - 'A') < 26 ? name[i] + 32 : name[i]);
    s->scratch->bytes_len += len;
    return out;
}

/* Fields about this connection, not the message (RFC 9110 §7.6.1), and host, which :authority replaces. */
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

size_t h2r_http1_keep_fields(h2r_session *s, h2r_header *out, const h2r_header *lines, size_t count)
{
    size_t kept = 0;
    for (size_t i = 0; i != count; ++i) {
        h2r_header line = lines[i];
        line.name = lowercase(s, line.name, line.name_len);
        if (!left_out(line.name, line.name_len)) out[kept++] = line;
    }
    return kept;
}

size_t h2r_http1_list_size(const h2r_header *fields, size_t count)
{
    size_t size = 0;
    for (size_t i = 0; i != count; ++i) size += fields[i].name_len + fields[i].value_len + 32;
    return size;
}

/* ---- bodies ---- */

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
    if (h1->body_left == 0 && !(st->flags & STREAM_CLOSED)) h1->role->message_read(s, st);
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
        h1->role->fail(s, (int)n, NULL);
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
    const struct http1_role *role = s->h1->role;
    size_t count;
    /* The scratch is there: the head made it, with room for max_header_list_pairs lines. */
    struct field_scratch *fs = h2r_field_scratch_begin(s);
    int n = h2r_http1_parse_trailers(p, len, &s->config->opt.http1, fs->fields,
                                     s->config->opt.max_header_list_pairs, &count);
    if (n < 0) role->fail(s, n, NULL);
    if (n <= 0) return 0;
    if (h2r_field_scratch_reserve(fs, 0, (size_t)n) != 0) {
        role->fail(s, H2R_ERR_NOMEM, NULL);
        return 0;
    }
    /* The same fields are left out as from a head: none of them can be a trailer (RFC 9110 §6.5.1). */
    count = h2r_http1_keep_fields(s, fs->fields, fs->fields, count);
    if (h2r_http1_list_size(fs->fields, count) > s->local.max_header_list_size) {
        role->fail(s, H2R_HTTP1_ERR_TRAILER_TOO_LARGE, "trailer fields over max_header_list_size");
        return 0;
    }
    h2r_stream *st = s->h1->current;
    h2r_stream_ref(st);
    h2r_stream_touch(st);
    /* Most chunked bodies end with no trailer field at all: HTTP/2 would have sent no trailers then. */
    if (count && s->config->cb.on_trailers) s->config->cb.on_trailers(st, fs->fields, count);
    if (!(st->flags & STREAM_CLOSED)) role->message_read(s, st);
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
 * Reads messages from buf as far as they can be read now. Returns how many
 * bytes were used: the rest waits for more (a head or trailer section cut
 * short) or for the current exchange (pipelined requests). Each step
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
        /*
         * A paused body, and whatever follows it, waits in the buffer
         * (h2r_http1_resume). A head goes on: the client's stream may be
         * paused before its response comes, which it hears of all the same.
         */
        if (h1->current && (h1->current->flags & STREAM_PAUSED) && state != H1_READ_HEAD) break;
        switch (state) {
        case H1_READ_HEAD: n = h1->role->read_head(s, p, avail); break;
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

ssize_t h2r_http1_feed(h2r_session *s, const uint8_t *data, size_t len)
{
    struct http1_state *h1 = s->h1;
    if (s->phase == PHASE_CLOSED || h1->read_state == H1_READ_DONE || h1->input_ended)
        return H2R_ERR_SESSION_CLOSED;
    s->active_ms = s->now_ms;
    if (!h2r_http1_buffered(h1)) {
        /* The common case: messages read in place, from the I/O layer's buffer; only a remainder is kept. */
        size_t used = read_input(s, data, len);
        if (used != len && buffer_input(h1, data + used, len - used) != 0)
            h1->role->fail(s, H2R_ERR_NOMEM, NULL);
    } else if (buffer_input(h1, data, len) != 0) {
        h1->role->fail(s, H2R_ERR_NOMEM, NULL);
    } else {
        h2r_http1_read_buffered(s);
    }
    if (s->phase != PHASE_CLOSED && h1->role->input_kept) h1->role->input_kept(s);
    if (s->phase == PHASE_CLOSED) {
        h2r_session_maybe_done(s);
        return H2R_ERR_PROTOCOL;
    }
    return (ssize_t)len;
}
