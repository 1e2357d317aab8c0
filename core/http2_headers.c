/*
 * HTTP/2 header blocks in: HEADERS, PUSH_PROMISE and CONTINUATION frames,
 * the block put together when it spans frames, decoded (HPACK) into the
 * field scratch and checked (message.c), then, for a server, a new
 * request's stream or its trailers; for a client, a response (1xx or
 * final), its trailers, or a promised stream; for either, a block for a
 * stream that is gone.
 */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "http2.h"

/* ---- decoding ---- */

/* cookie's entry in HPACK's static table (RFC 7541 Appendix A), which every cookie name is marked with. */
#define STATIC_INDEX_COOKIE 32

/* Collects decoded fields into the session's scratch, checking them as they come. */
struct field_collector {
    h2r_session *session;
    struct field_scratch *scratch;
    struct h2r_message_check check;
    uint32_t count;
    uint32_t cookies;  /* cookie fields among those kept: crumbs to join */
    size_t dead_bytes; /* scratch bytes the fields no longer point to (the crumbs joined) */
    int too_many;
    int nomem;
};

static int collect_field(void *ctx, const h2r_hpack_field *f)
{
    struct field_collector *c = ctx;
    h2r_session *s = c->session;
    h2r_message_check_field(&c->check, f);
    if (c->nomem) return 0;
    if (c->count == s->config->opt.max_header_list_pairs) {
        c->too_many = 1;
        return 0;
    }
    c->cookies += f->static_name_index == STATIC_INDEX_COOKIE;
    struct field_scratch *fs = c->scratch;
    /* A byte to spare: the buffer exists even when every field so far is empty, so offsets have a base. */
    if (h2r_field_scratch_reserve(fs, c->count + 1, fs->bytes_len + f->name_len + f->value_len + 1) != 0) {
        c->nomem = 1;
        return 0;
    }
    /* Offsets for now: the byte buffer may move; pointers are fixed once the block is done. */
    h2r_header *out = &fs->fields[c->count++];
    *out = *f;
    out->name = (const char *)(uintptr_t)fs->bytes_len;
    if (f->name_len) memcpy(fs->bytes + fs->bytes_len, f->name, f->name_len);
    fs->bytes_len += f->name_len;
    out->value = (const char *)(uintptr_t)fs->bytes_len;
    if (f->value_len) memcpy(fs->bytes + fs->bytes_len, f->value, f->value_len);
    fs->bytes_len += f->value_len;
    return 0;
}

/*
 * Joins the request's cookie crumbs into its first cookie field, "; "
 * between them (RFC 9113 §8.2.3), with offsets still in place of pointers:
 * what the application keeps of a request is then one field, not one per
 * crumb (the HTTP/2 Bomb sends a hundred references to one small cookie).
 * Returns 0, or -1 when out of memory.
 */
static int join_cookies(struct field_collector *c)
{
    struct field_scratch *fs = c->scratch;
    size_t joined_len = 2 * (c->cookies - 1); /* the separators */
    for (uint32_t i = 0; i != c->count; ++i)
        if (fs->fields[i].static_name_index == STATIC_INDEX_COOKIE) joined_len += fs->fields[i].value_len;
    if (h2r_field_scratch_reserve(fs, c->count, fs->bytes_len + joined_len + 1) != 0) return -1;
    char *out = fs->bytes + fs->bytes_len;
    h2r_header *first = NULL;
    uint32_t kept = 0;
    for (uint32_t i = 0; i != c->count; ++i) {
        h2r_header *f = &fs->fields[i];
        if (f->static_name_index != STATIC_INDEX_COOKIE) {
            fs->fields[kept++] = *f;
            continue;
        }
        if (first) {
            *out++ = ';';
            *out++ = ' ';
            c->dead_bytes += f->name_len + f->value_len;
            first->flags |= f->flags; /* a crumb not to be indexed keeps the whole value out of tables */
        } else {
            first = &fs->fields[kept++];
            *first = *f;
            c->dead_bytes += f->value_len;
        }
        memcpy(out, fs->bytes + (uintptr_t)f->value, f->value_len);
        out += f->value_len;
    }
    first->value = (const char *)(uintptr_t)fs->bytes_len;
    first->value_len = joined_len;
    fs->bytes_len += joined_len;
    c->count = kept;
    return 0;
}

static void fix_field_pointers(struct field_scratch *fs, uint32_t count)
{
    for (uint32_t i = 0; i != count; ++i) {
        fs->fields[i].name = fs->bytes + (uintptr_t)fs->fields[i].name;
        fs->fields[i].value = fs->bytes + (uintptr_t)fs->fields[i].value;
    }
}

/* Decodes the section's block; returns 0, or -1 after a connection error. */
static int decode_block(h2r_session *s, const struct h2r_headers_info *info, struct field_collector *c,
                        enum h2r_section_kind kind, int *list_too_large)
{
    memset(c, 0, sizeof(*c));
    c->session = s;
    /* Without the scratch the block is still decoded, for HPACK's sake, and the fields are dropped. */
    c->scratch = h2r_field_scratch_begin(s);
    c->nomem = !c->scratch;
    h2r_message_check_init(&c->check, kind, s->local.enable_connect_protocol);
    int rc = h2r_hpack_decode(&s->decoder, info->block, info->block_len, collect_field, c);
    *list_too_large = rc == H2R_HPACK_ERR_HEADER_LIST_TOO_LARGE;
    if (rc < 0 && !*list_too_large) {
        h2r_http2_connection_error(s, rc == H2R_HPACK_ERR_NOMEM ? H2R_INTERNAL_ERROR : H2R_COMPRESSION_ERROR,
                                   h2r_hpack_strerror(rc));
        return -1;
    }
    if (c->cookies > 1 && kind == H2R_SECTION_REQUEST && !c->nomem && join_cookies(c) != 0) c->nomem = 1;
    if (c->nomem) {
        h2r_http2_connection_error(s, H2R_INTERNAL_ERROR, "out of memory for header fields");
        return -1;
    }
    fix_field_pointers(c->scratch, c->count);
    if (!*list_too_large && !c->too_many) h2r_message_check_end(&c->check);
    return 0;
}

/* ---- requests and trailers ---- */

/* Answers a request whose header list is over our limit with 431 (RFC 6585 §5, RFC 9113 §10.5.1). */
static void refuse_too_large(h2r_session *s, uint32_t id, int request_ended)
{
    h2r_stream *st = h2r_stream_create(s, id, NULL, 0, NULL, 0);
    if (!st) {
        h2r_http2_stream_error_no_object(s, id, H2R_REFUSED_STREAM);
        return;
    }
    /* The application never sees this stream, so it hears nothing of its end either. */
    st->flags |= STREAM_INTERNAL | STREAM_END_RECEIVED;
    static const h2r_header status = {.name = ":status", .name_len = 7, .value = "431", .value_len = 3};
    h2r_send_header_block(s, H2R_FRAME_HEADERS, id, 0, &status, 1, 1);
    if (!request_ended) {
        /* The rest of the request is not wanted (RFC 9113 §8.1). */
        h2r_send_rst_stream(s, id, H2R_NO_ERROR);
        st->flags |= STREAM_RESET_BY_US;
    }
    h2r_stream_close_internal(st, H2R_NO_ERROR, 0);
    h2r_http2_count_invalid_frame(s);
}

static void open_stream(h2r_session *s, const struct h2r_headers_info *info, struct field_collector *c)
{
    uint32_t id = info->stream_id;
    uint32_t count = c->count;
    const h2r_header *authority = h2r_find_header(s->scratch->fields, count, ":authority");
    const h2r_header *host = authority ? NULL : h2r_find_header(s->scratch->fields, count, "host");
    const h2r_header *scheme = h2r_find_header(s->scratch->fields, count, ":scheme");
    if (host) authority = host;
    /* Kept for pushes' defaults, only while the peer takes pushes (a stream is then 64 bytes lighter). */
    if (!s->remote.enable_push || (authority && authority->value_len > UINT16_MAX) ||
        (scheme && scheme->value_len > UINT16_MAX))
        authority = scheme = NULL;
    h2r_stream *st = h2r_stream_create(
        s, id, authority ? authority->value : NULL, authority ? (uint16_t)authority->value_len : 0,
        scheme ? scheme->value : NULL, scheme ? (uint16_t)scheme->value_len : 0);
    if (!st) {
        h2r_http2_stream_error_no_object(s, id, H2R_REFUSED_STREAM);
        return;
    }
    st->flags |= STREAM_COUNTED_OPEN | STREAM_HEAD_RECEIVED | (c->check.is_head ? STREAM_IS_HEAD : 0) |
                 (info->end_stream ? STREAM_END_IN_HEADERS : 0);
    ++s->open_peer_streams;
    /* What the application is handed, which it keeps a copy of while the stream lives (maxSessionMemory). */
    h2r_stream_hold(st, count * sizeof(h2r_header) + s->scratch->bytes_len - c->dead_bytes);
    if (c->check.has_content_length) st->flags |= STREAM_CONTENT_LENGTH;
    st->content_left = c->check.content_length;

    struct h2r_sched_node *parent = NULL;
    uint16_t weight = H2R_SCHED_DEFAULT_WEIGHT;
    int exclusive = 0;
    if (info->has_priority) {
        parent = h2r_http2_priority_parent(s, info->priority.dependency);
        /* A dependency outside the tree (gone, or never named): the default priority (RFC 7540 §5.3.1). */
        if (parent || info->priority.dependency == 0) {
            weight = info->priority.weight;
            exclusive = info->priority.exclusive;
        }
    }
    h2r_sched_attach(&s->sched, &st->sched, parent, weight, exclusive);
    const h2r_header *priority = h2r_find_header(s->scratch->fields, count, "priority");
    if (priority) h2r_http2_apply_priority_field(s, st, priority->value, priority->value_len);

    h2r_stream_ref(st);
    if (s->config->cb.on_stream)
        s->config->cb.on_stream(s, st, s->scratch->fields, count, info->end_stream ? H2R_END_STREAM : 0);
    if (info->end_stream && !(st->flags & STREAM_CLOSED)) h2r_stream_on_end_received(st);
    h2r_stream_unref(st);
}

/*
 * May the peer open stream id (a request, or a server's push) now? If not
 * wanted, or over our limits, it is refused (RST_STREAM); a peer that does
 * not read, or keeps being refused, loses the connection. Returns 1 if the
 * stream may be opened.
 */
static inline int admit_peer_stream(h2r_session *s, uint32_t id, int wanted)
{
    /*
     * A peer that keeps asking while our answers go unread floods us like
     * one that sends PINGs without reading the ACKs: the heads of bodiless
     * responses (a HEAD flood) wait in the control queue.
     */
    if (h2r_out_control_full(s)) {
        h2r_http2_connection_error(s, H2R_ENHANCE_YOUR_CALM, "requests while the responses go unread");
        return 0;
    }
    /* Over our concurrency or memory, a stream is refused: the peer may try again later. */
    if (!wanted || s->open_peer_streams >= s->local.max_concurrent_streams ||
        h2r_session_memory(s) > s->config->opt.max_session_memory) {
        h2r_http2_stream_error_no_object(s, id, H2R_REFUSED_STREAM);
        if (++s->rejected_streams > s->config->opt.max_session_rejected_streams)
            h2r_http2_connection_error(s, H2R_ENHANCE_YOUR_CALM, "too many refused streams");
        return 0;
    }
    return 1;
}

static void on_request_headers(h2r_session *s, const struct h2r_headers_info *info)
{
    uint32_t id = info->stream_id;
    struct field_collector c;
    int too_large;
    s->last_peer_stream_id = id;
    if (decode_block(s, info, &c, H2R_SECTION_REQUEST, &too_large) != 0) return;

    /* After our GOAWAY, newer streams are not processed (RFC 9113 §6.8); the client may retry them. */
    if (s->goaway_sent && id > s->goaway_last_stream_id) return;
    if (!admit_peer_stream(s, id, 1)) return;
    /* Over maxHeaderListPairs is as much too large for us as over the list size: refused, not malformed. */
    if (too_large || c.too_many) {
        refuse_too_large(s, id, info->end_stream);
        return;
    }
    if (c.check.error || (info->end_stream && c.check.has_content_length && c.check.content_length)) {
        h2r_http2_stream_error_no_object(s, id, H2R_PROTOCOL_ERROR);
        return;
    }
    if (info->has_priority && info->priority.dependency == id) {
        h2r_http2_stream_error_no_object(s, id, H2R_PROTOCOL_ERROR); /* depends on itself, RFC 7540 §5.3.1 */
        return;
    }
    open_stream(s, info, &c);
}

static void on_trailers(h2r_session *s, h2r_stream *st, const struct h2r_headers_info *info)
{
    struct field_collector c;
    int too_large;
    if (decode_block(s, info, &c, H2R_SECTION_TRAILERS, &too_large) != 0) return;
    if (st->flags & STREAM_END_RECEIVED) {
        h2r_http2_stream_error(st, H2R_STREAM_CLOSED);
        return;
    }
    /* Trailers end the stream; a second HEADERS without END_STREAM is malformed (RFC 9113 §8.1). */
    if (!info->end_stream || too_large || c.too_many || c.check.error ||
        ((st->flags & STREAM_CONTENT_LENGTH) && st->content_left)) {
        h2r_http2_stream_error(st, H2R_PROTOCOL_ERROR);
        return;
    }
    h2r_stream_touch(st);
    h2r_stream_ref(st);
    if (s->config->cb.on_trailers) s->config->cb.on_trailers(st, s->scratch->fields, c.count);
    if (!(st->flags & STREAM_CLOSED)) h2r_stream_on_end_received(st);
    h2r_stream_unref(st);
}

/* A header block for a stream that is gone: decoded anyway, to keep HPACK in step, then judged. */
static void on_gone_stream_headers(h2r_session *s, const struct h2r_headers_info *info)
{
    uint32_t id = info->stream_id;
    struct field_collector c;
    int too_large, reset_by_us;
    if (decode_block(s, info, &c, H2R_SECTION_TRAILERS, &too_large) != 0 || h2r_http2_after_goaway(s, id))
        return;
    if (!h2r_http2_was_closed(s, id, &reset_by_us))
        h2r_http2_connection_error(s, H2R_PROTOCOL_ERROR,
                                   "HEADERS on a stream id lower than one already used");
    else if (!reset_by_us)
        h2r_http2_connection_error(s, H2R_STREAM_CLOSED, "HEADERS on a closed stream");
}

static void on_header_block(h2r_session *s, const struct h2r_headers_info *info)
{
    uint32_t id = info->stream_id;
    h2r_stream *st = h2r_stream_find(s, id);
    if (st)
        on_trailers(s, st, info);
    else if (id > s->last_peer_stream_id)
        on_request_headers(s, info);
    else
        on_gone_stream_headers(s, info);
    h2r_field_scratch_trim(s);
}

/* ---- a client's: responses and promises ---- */

/* A response's head: any number of 1xx (on_informational), then the final one (on_response). */
static void on_response_headers(h2r_session *s, h2r_stream *st, const struct h2r_headers_info *info)
{
    struct field_collector c;
    int too_large;
    if (decode_block(s, info, &c, H2R_SECTION_RESPONSE, &too_large) != 0) return;
    /* Over our limits the response is not wanted (RFC 9113 §10.5.1: a client may discard it). */
    if (too_large || c.too_many) {
        h2r_http2_stream_error(st, H2R_ENHANCE_YOUR_CALM);
        return;
    }
    unsigned status = c.check.status;
    /* An informational response cannot end the stream (§8.1). */
    if (c.check.error || (status < 200 && info->end_stream)) {
        h2r_http2_stream_error(st, H2R_PROTOCOL_ERROR);
        return;
    }
    h2r_stream_touch(st);
    if (status < 200) {
        if (s->config->cb.on_informational) s->config->cb.on_informational(st, s->scratch->fields, c.count);
        return;
    }
    /* No content after HEAD, 204 or 304, whatever content-length says (RFC 9110 §6.4.1). */
    int no_content = (st->flags & STREAM_IS_HEAD) || status == 204 || status == 304;
    if (no_content || c.check.has_content_length) st->flags |= STREAM_CONTENT_LENGTH;
    st->content_left = no_content ? 0 : c.check.content_length;
    if (info->end_stream && st->content_left) {
        h2r_http2_stream_error(st, H2R_PROTOCOL_ERROR);
        return;
    }
    st->flags |= STREAM_HEAD_RECEIVED | (info->end_stream ? STREAM_END_IN_HEADERS : 0);
    h2r_stream_ref(st);
    if (s->config->cb.on_response)
        s->config->cb.on_response(st, s->scratch->fields, c.count, info->end_stream ? H2R_END_STREAM : 0);
    if (info->end_stream && !(st->flags & STREAM_CLOSED)) h2r_stream_on_end_received(st);
    h2r_stream_unref(st);
}

/* A promised request (§8.4): a stream reserved (remote) for the server's push, announced by on_stream. */
static void on_promise(h2r_session *s, const struct h2r_headers_info *info)
{
    uint32_t id = info->promised_id;
    struct field_collector c;
    int too_large;
    if (decode_block(s, info, &c, H2R_SECTION_PUSH_PROMISE, &too_large) != 0 || h2r_http2_after_goaway(s, id))
        return;
    /* Its request was reset by us (promise_error let it through): the push goes with it. */
    if (!h2r_stream_find(s, info->stream_id)) {
        h2r_http2_stream_error_no_object(s, id, H2R_CANCEL);
        return;
    }
    /* Push is off in SETTINGS the server may not have read yet: not an error of the server's (§6.6). */
    if (!admit_peer_stream(s, id, h2r_http2_newest_settings(s)->enable_push)) return;
    if (too_large || c.too_many || c.check.error) {
        h2r_http2_stream_error_no_object(s, id, c.check.error ? H2R_PROTOCOL_ERROR : H2R_ENHANCE_YOUR_CALM);
        return;
    }
    h2r_stream *st = h2r_stream_create(s, id, NULL, 0, NULL, 0);
    if (!st) {
        h2r_http2_stream_error_no_object(s, id, H2R_REFUSED_STREAM);
        return;
    }
    /* Reserved (remote): we never send on it, it is ours to refuse (h2r_stream_close). */
    st->flags |=
        STREAM_PUSHED | STREAM_END_SENT | STREAM_COUNTED_OPEN | (c.check.is_head ? STREAM_IS_HEAD : 0);
    ++s->open_peer_streams;
    h2r_stream_ref(st);
    if (s->config->cb.on_stream) s->config->cb.on_stream(s, st, s->scratch->fields, c.count, H2R_END_STREAM);
    h2r_stream_unref(st);
}

static void on_client_header_block(h2r_session *s, const struct h2r_headers_info *info)
{
    if (info->promised_id) {
        on_promise(s, info);
        return;
    }
    uint32_t id = info->stream_id;
    h2r_stream *st = h2r_stream_find(s, id);
    if (st && (st->flags & STREAM_HEAD_RECEIVED))
        on_trailers(s, st, info);
    else if (st)
        on_response_headers(s, st, info);
    else if (h2r_http2_is_idle(s, id))
        h2r_http2_connection_error(s, H2R_PROTOCOL_ERROR, "HEADERS on a stream never opened"); /* §5.1 */
    else
        on_gone_stream_headers(s, info);
}

/* ---- frames ---- */

/* The largest header block we assemble: generous for the list limit, finite against floods. */
static size_t max_header_block(const h2r_session *s)
{
    size_t limit = s->local.max_header_list_size;
    return (limit > (1u << 20) ? (1u << 20) : limit) * 2 + 16384;
}

/* Appends a fragment to the header block being assembled; 0, or -1 when out of memory. */
static int append_fragment(struct http2_state *h2, const uint8_t *fragment, size_t len)
{
    size_t need = h2->hblock_len + len;
    /* At least a byte: an empty block still has an address to decode from. */
    if (h2r_array_reserve((void **)&h2->hblock, &h2->hblock_cap, need ? need : 1, 1, 16) != 0) return -1;
    if (len) memcpy(h2->hblock + h2->hblock_len, fragment, len);
    h2->hblock_len = need;
    return 0;
}

/* Decodes a HEADERS frame into info; 0, or -1 after a connection error. */
static inline int read_headers_frame(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload,
                                     struct h2r_headers_info *info)
{
    struct h2r_headers_frame f;
    uint32_t code = (uint32_t)h2r_frame_decode_headers(h, payload, &f);
    if (code) {
        h2r_http2_connection_error(s, code, "malformed HEADERS frame");
        return -1;
    }
    *info = (struct h2r_headers_info){.stream_id = h->stream_id,
                                      .end_stream = (h->flags & H2R_FLAG_END_STREAM) != 0,
                                      .has_priority = f.has_priority,
                                      .priority = f.priority,
                                      .block = f.block,
                                      .block_len = f.block_len};
    return 0;
}

/*
 * The block a HEADERS or PUSH_PROMISE frame starts: handed to the role's
 * on_block where it is when the frame holds all of it (the common case),
 * else put together in the HTTP/2 state from the CONTINUATION frames that
 * follow.
 */
static inline void take_block(h2r_session *s, const struct h2r_frame_header *h,
                              const struct h2r_headers_info *info,
                              void (*on_block)(h2r_session *s, const struct h2r_headers_info *info))
{
    if (info->block_len > max_header_block(s)) {
        h2r_http2_connection_error(s, H2R_ENHANCE_YOUR_CALM, "header block too large");
        return;
    }
    if (h->flags & H2R_FLAG_END_HEADERS) {
        on_block(s, info);
        return;
    }
    struct http2_state *h2 = h2r_http2_state(s);
    if (!h2) {
        h2r_http2_connection_error(s, H2R_INTERNAL_ERROR, "out of memory for a header block");
        return;
    }
    h2->hblock_len = 0;
    if (append_fragment(h2, info->block, info->block_len) != 0) {
        h2r_http2_connection_error(s, H2R_INTERNAL_ERROR, "out of memory for a header block");
        return;
    }
    h2->hblock_info = *info;
    h2->hblock_continuations = 0;
    s->hblock_stream_id = h->stream_id;
}

/* A CONTINUATION frame: the block it completes, or NULL (more to come, or a connection error). */
static inline const struct h2r_headers_info *continue_block(h2r_session *s, const struct h2r_frame_header *h,
                                                            const uint8_t *payload)
{
    uint32_t code = (uint32_t)h2r_frame_decode_continuation(h);
    if (code) {
        h2r_http2_connection_error(s, code, "malformed CONTINUATION frame");
        return NULL;
    }
    if (!s->hblock_stream_id || h->stream_id != s->hblock_stream_id) {
        h2r_http2_connection_error(s, H2R_PROTOCOL_ERROR, "unexpected CONTINUATION frame");
        return NULL;
    }
    struct http2_state *h2 = s->h2; /* allocated by the frame that started the block */
    /* Bound both the frame count and the bytes: CONTINUATION floods (CVE-2024-28182). */
    if (++h2->hblock_continuations > s->config->opt.max_continuations ||
        h2->hblock_len + h->length > max_header_block(s)) {
        h2r_http2_connection_error(s, H2R_ENHANCE_YOUR_CALM, "too many CONTINUATION frames");
        return NULL;
    }
    if (h->length == 0 && !(h->flags & H2R_FLAG_END_HEADERS)) h2r_http2_count_invalid_frame(s);
    if (append_fragment(h2, payload, h->length) != 0) {
        h2r_http2_connection_error(s, H2R_INTERNAL_ERROR, "out of memory for a header block");
        return NULL;
    }
    if (!(h->flags & H2R_FLAG_END_HEADERS)) return NULL;
    s->hblock_stream_id = 0;
    h2->hblock_info.block = h2->hblock;
    h2->hblock_info.block_len = h2->hblock_len;
    return &h2->hblock_info;
}

void h2r_http2_recv_headers(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    struct h2r_headers_info info;
    if (read_headers_frame(s, h, payload, &info) != 0) return;
    if (!(h->stream_id & 1)) {
        h2r_http2_connection_error(s, H2R_PROTOCOL_ERROR, "HEADERS on an even stream id");
        return;
    }
    take_block(s, h, &info, on_header_block);
}

void h2r_http2_recv_continuation(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    const struct h2r_headers_info *info = continue_block(s, h, payload);
    if (info) on_header_block(s, info);
}

void h2r_http2_client_recv_headers(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    struct h2r_headers_info info;
    if (read_headers_frame(s, h, payload, &info) == 0) take_block(s, h, &info, on_client_header_block);
}

void h2r_http2_client_recv_continuation(h2r_session *s, const struct h2r_frame_header *h,
                                        const uint8_t *payload)
{
    const struct h2r_headers_info *info = continue_block(s, h, payload);
    if (info) on_client_header_block(s, info);
}

/* Why a PUSH_PROMISE breaks the protocol (RFC 9113 §6.6, §8.4), or NULL. */
static const char *promise_error(h2r_session *s, uint32_t parent_id, uint32_t promised_id)
{
    if (!s->local.enable_push) return "PUSH_PROMISE with push disabled";
    if (!h2r_http2_is_peer_id(s, promised_id) || promised_id <= s->last_peer_stream_id)
        return "PUSH_PROMISE of a stream id not above the last";
    /* On a request of ours, open or half-closed (local); or one we reset, its frames in flight. */
    h2r_stream *parent = h2r_stream_find(s, parent_id);
    int reset_by_us = 0;
    if (parent ? (parent->flags & (STREAM_LOCAL | STREAM_END_RECEIVED)) != STREAM_LOCAL
               : h2r_http2_is_peer_id(s, parent_id) || !h2r_http2_was_closed(s, parent_id, &reset_by_us) ||
                     !reset_by_us)
        return "PUSH_PROMISE on a stream that is not an open request";
    return NULL;
}

void h2r_http2_recv_push_promise(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    struct h2r_push_promise_frame f;
    uint32_t code = (uint32_t)h2r_frame_decode_push_promise(h, payload, &f);
    const char *error =
        code ? "malformed PUSH_PROMISE frame" : promise_error(s, h->stream_id, f.promised_stream_id);
    if (error) {
        h2r_http2_connection_error(s, code ? code : H2R_PROTOCOL_ERROR, error);
        return;
    }
    s->last_peer_stream_id = f.promised_stream_id;
    struct h2r_headers_info info = {.stream_id = h->stream_id,
                                    .promised_id = f.promised_stream_id,
                                    .block = f.block,
                                    .block_len = f.block_len};
    take_block(s, h, &info, on_client_header_block);
}
