/*
 * Receiving: the connection preface, frame assembly, and one handler per
 * frame type, each enforcing RFC 9113 and mapping violations to the error
 * the RFC names (stream errors as RST_STREAM, connection errors as GOAWAY).
 */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "session_internal.h"

/* ---- errors ---- */

static void connection_error(h2r_session *s, uint32_t code, const char *reason)
{
    h2r_session_connection_error(s, code, reason);
}

/* A stream error on a stream we hold no object for (refused, malformed, idle PRIORITY...). */
static void stream_error_no_object(h2r_session *s, uint32_t id, uint32_t code)
{
    h2r_send_rst_stream(s, id, code);
    h2r_stream_remember_closed(s, id, 1);
    h2r_session_count_invalid_frame(s);
}

static void stream_error(h2r_session *s, h2r_stream *st, uint32_t code)
{
    h2r_stream_reset_for_error(st, code);
    h2r_session_count_invalid_frame(s);
}

/* Is this id one the peer could not have used yet (RFC 9113 §5.1 "idle")? */
static int is_idle(const h2r_session *s, uint32_t id)
{
    if (id & 1) return id > s->last_peer_stream_id;
    return id >= s->next_push_id;
}

/* A stream the peer opened after our GOAWAY: never processed, its frames only minimally (RFC 9113 §6.8). */
static int after_goaway(const h2r_session *s, uint32_t id)
{
    return (id & 1) && s->goaway_sent && id > s->goaway_last_stream_id;
}

/* ---- flow control on receipt ---- */

/* Gives back window for bytes the application consumed (or that we dropped), in batches of half a window. */
static void consume(h2r_session *s, h2r_stream *st, size_t len)
{
    s->conn_unacked_bytes += (uint32_t)len;
    if (s->conn_unacked_bytes >= s->config->opt.connection_window_size / 2) {
        h2r_send_window_update(s, 0, s->conn_unacked_bytes);
        s->local_window += s->conn_unacked_bytes;
        s->conn_unacked_bytes = 0;
    }
    if (!st || (st->flags & (STREAM_END_RECEIVED | STREAM_CLOSED))) return;
    st->unacked_bytes += (uint32_t)len;
    if (st->unacked_bytes >= s->local.initial_window_size / 2 && st->unacked_bytes) {
        h2r_send_window_update(s, st->id, st->unacked_bytes);
        st->local_window += st->unacked_bytes;
        st->unacked_bytes = 0;
    }
}

static void wake_conn_blocked(h2r_session *s)
{
    while (s->conn_blocked && s->remote_window > 0) {
        h2r_stream *st = s->conn_blocked;
        s->conn_blocked = st->blocked_next;
        st->flags &= ~STREAM_BLOCKED_ON_CONN;
        h2r_stream_update_ready(st);
    }
}

/* ---- DATA ---- */

static void on_data(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    struct h2r_data_frame d;
    uint32_t code = (uint32_t)h2r_frame_decode_data(h, payload, &d);
    if (code) {
        connection_error(s, code, "malformed DATA frame");
        return;
    }
    if (d.flow_controlled_len > (uint64_t)s->local_window) {
        connection_error(s, H2R_FLOW_CONTROL_ERROR, "DATA beyond the connection window");
        return;
    }
    s->local_window -= (int64_t)d.flow_controlled_len;

    h2r_stream *st = h2r_stream_find(s, h->stream_id);
    if (!st) {
        int reset_by_us;
        if (is_idle(s, h->stream_id)) {
            connection_error(s, H2R_PROTOCOL_ERROR, "DATA on an idle stream");
            return;
        }
        consume(s, NULL, d.flow_controlled_len);
        /* Frames in flight after our RST_STREAM or GOAWAY are expected and ignored (§5.1 "closed", §6.8). */
        if (after_goaway(s, h->stream_id)) return;
        if (!h2r_stream_was_closed(s, h->stream_id, &reset_by_us) || !reset_by_us)
            stream_error_no_object(s, h->stream_id, H2R_STREAM_CLOSED);
        return;
    }
    if (st->flags & STREAM_END_RECEIVED) {
        consume(s, NULL, d.flow_controlled_len);
        /* A promised stream not yet answered is reserved (local): DATA there is a connection error (§5.1). */
        if ((st->flags & (STREAM_PUSHED | STREAM_HEADERS_SENT)) == STREAM_PUSHED)
            connection_error(s, H2R_PROTOCOL_ERROR, "DATA on a reserved stream");
        else
            stream_error(s, st, H2R_STREAM_CLOSED);
        return;
    }
    /* The window may be negative after we lowered SETTINGS_INITIAL_WINDOW_SIZE (§6.9.2): compare signed. */
    if ((int64_t)d.flow_controlled_len > st->local_window) {
        consume(s, NULL, d.flow_controlled_len);
        stream_error(s, st, H2R_FLOW_CONTROL_ERROR);
        return;
    }
    st->local_window -= (int64_t)d.flow_controlled_len;
    st->received_bytes += d.len;
    h2r_stream_touch(st);
    int end = (h->flags & H2R_FLAG_END_STREAM) != 0;
    /* content-length must match the DATA received (RFC 9113 §8.1.1). */
    if (st->has_content_length &&
        (st->received_bytes > st->content_length || (end && st->received_bytes != st->content_length))) {
        consume(s, NULL, d.flow_controlled_len);
        stream_error(s, st, H2R_PROTOCOL_ERROR);
        return;
    }
    /* Empty DATA without END_STREAM does nothing but cost us work (CVE-2019-9518). */
    if (d.len == 0 && !end) {
        h2r_session_count_invalid_frame(s);
        if (s->phase == PHASE_CLOSED) return; /* that was one too many: the stream is gone */
    }

    h2r_stream_ref(st);
    if (d.len && s->config->cb.on_data) s->config->cb.on_data(st, d.data, d.len);
    /* After END_STREAM the peer sends nothing more: only the connection window is worth returning. */
    consume(s, end ? NULL : st, d.flow_controlled_len);
    if (end && !(st->flags & STREAM_CLOSED)) h2r_stream_on_end_received(st);
    h2r_stream_unref(st);
}

/* ---- header blocks ---- */

/* Collects decoded fields into the session's scratch, checking them as they come. */
struct field_collector {
    h2r_session *session;
    struct field_scratch *scratch;
    struct h2r_message_check check;
    uint32_t count;
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

static void fix_field_pointers(struct field_scratch *fs, uint32_t count)
{
    for (uint32_t i = 0; i != count; ++i) {
        fs->fields[i].name = fs->bytes + (uintptr_t)fs->fields[i].name;
        fs->fields[i].value = fs->bytes + (uintptr_t)fs->fields[i].value;
    }
}

/*
 * RFC 9218 §4: the priority field is a Structured Fields dictionary; only
 * u=0..7 (urgency) and i (incremental, a boolean) matter, the rest is ignored.
 */
static void parse_priority_field(const char *v, size_t len, uint8_t *urgency, int *incremental)
{
    size_t i = 0;
    while (i < len) {
        while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ',')) ++i;
        size_t start = i, end;
        while (i < len && v[i] != ',') ++i;
        for (end = start; end < i && v[end] != ';' && v[end] != ' ' && v[end] != '\t';) ++end;
        const char *m = v + start;
        size_t n = end - start;
        if (n == 3 && m[0] == 'u' && m[1] == '=' && m[2] >= '0' && m[2] <= '7')
            *urgency = (uint8_t)(m[2] - '0');
        else if ((n == 1 && m[0] == 'i') || (n == 4 && memcmp(m, "i=?1", 4) == 0))
            *incremental = 1;
        else if (n == 4 && memcmp(m, "i=?0", 4) == 0)
            *incremental = 0;
    }
}

static void apply_priority_field(h2r_session *s, h2r_stream *st, const char *value, size_t len)
{
    uint8_t urgency = st->sched.urgency;
    int incremental = st->sched.incremental;
    parse_priority_field(value, len, &urgency, &incremental);
    h2r_sched_set_urgency(&s->sched, &st->sched, urgency, incremental);
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
        connection_error(s, rc == H2R_HPACK_ERR_NOMEM ? H2R_INTERNAL_ERROR : H2R_COMPRESSION_ERROR,
                         h2r_hpack_strerror(rc));
        return -1;
    }
    if (c->nomem) {
        connection_error(s, H2R_INTERNAL_ERROR, "out of memory for header fields");
        return -1;
    }
    fix_field_pointers(c->scratch, c->count);
    if (!*list_too_large && !c->too_many) h2r_message_check_end(&c->check);
    return 0;
}

/* Answers a request whose header list is over our limit with 431 (RFC 6585 §5, RFC 9113 §10.5.1). */
static void refuse_too_large(h2r_session *s, uint32_t id, int request_ended)
{
    h2r_stream *st = h2r_stream_create(s, id, NULL, 0, NULL, 0);
    if (!st) {
        stream_error_no_object(s, id, H2R_REFUSED_STREAM);
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
    h2r_session_count_invalid_frame(s);
}

/* The tree node of an open stream or of a placeholder for an idle one; NULL for the root or outside the tree.
 */
static struct h2r_sched_node *priority_parent(h2r_session *s, uint32_t id)
{
    if (id == 0) return NULL;
    h2r_stream *st = h2r_stream_find(s, id);
    if (st) return h2r_sched_is_attached(&st->sched) ? &st->sched : NULL;
    for (uint32_t i = 0; s->h2 && i != s->h2->placeholder_count; ++i)
        if (s->h2->placeholders[i].id == id) return &s->h2->placeholders[i].node;
    return NULL;
}

/*
 * The placeholder for an idle stream named by a PRIORITY frame, made if
 * needed. There are a few at most: past that the oldest is recycled (its
 * dependents move up to its parent), so a peer cannot grow the tree at will.
 */
static struct h2r_sched_node *placeholder_for(h2r_session *s, uint32_t id)
{
    struct h2r_sched_node *node = priority_parent(s, id);
    if (node) return node;
    /* Most clients never send one: the few kilobytes come only with the first. */
    struct http2_state *h2 = h2r_http2_state(s);
    if (!h2 ||
        (!h2->placeholders && !(h2->placeholders = malloc(H2R_MAX_PLACEHOLDERS * sizeof(*h2->placeholders)))))
        return NULL;
    struct placeholder *p;
    if (h2->placeholder_count < H2R_MAX_PLACEHOLDERS) {
        p = &h2->placeholders[h2->placeholder_count++];
    } else {
        p = &h2->placeholders[h2->placeholder_next++ % H2R_MAX_PLACEHOLDERS];
        h2r_sched_detach(&s->sched, &p->node);
    }
    p->id = id;
    h2r_sched_node_init(&p->node, id);
    h2r_sched_attach(&s->sched, &p->node, NULL, H2R_SCHED_DEFAULT_WEIGHT, 0);
    return &p->node;
}

static void open_stream(h2r_session *s, const struct h2r_headers_info *info, struct field_collector *c)
{
    uint32_t id = info->stream_id;
    uint32_t count = c->count;
    const h2r_header *authority = h2r_find_header(s->scratch->fields, count, ":authority");
    const h2r_header *host = authority ? NULL : h2r_find_header(s->scratch->fields, count, "host");
    const h2r_header *scheme = h2r_find_header(s->scratch->fields, count, ":scheme");
    if (host) authority = host;
    h2r_stream *st =
        h2r_stream_create(s, id, authority ? authority->value : NULL, authority ? authority->value_len : 0,
                          scheme ? scheme->value : NULL, scheme ? scheme->value_len : 0);
    if (!st) {
        stream_error_no_object(s, id, H2R_REFUSED_STREAM);
        return;
    }
    st->flags |= STREAM_COUNTED_OPEN | (c->check.is_head ? STREAM_IS_HEAD : 0);
    ++s->open_peer_streams;
    st->has_content_length = c->check.has_content_length;
    st->content_length = c->check.content_length;

    struct h2r_sched_node *parent = NULL;
    uint16_t weight = H2R_SCHED_DEFAULT_WEIGHT;
    int exclusive = 0;
    if (info->has_priority) {
        parent = priority_parent(s, info->priority.dependency);
        /* A dependency outside the tree (gone, or never named) gets the default priority (RFC 7540 §5.3.1).
         */
        if (parent || info->priority.dependency == 0) {
            weight = info->priority.weight;
            exclusive = info->priority.exclusive;
        }
    }
    h2r_sched_attach(&s->sched, &st->sched, parent, weight, exclusive);
    const h2r_header *priority = h2r_find_header(s->scratch->fields, count, "priority");
    if (priority) apply_priority_field(s, st, priority->value, priority->value_len);

    h2r_stream_ref(st);
    if (s->config->cb.on_stream)
        s->config->cb.on_stream(s, st, s->scratch->fields, count, info->end_stream ? H2R_END_STREAM : 0);
    if (info->end_stream && !(st->flags & STREAM_CLOSED)) h2r_stream_on_end_received(st);
    h2r_stream_unref(st);
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
    /*
     * A peer that keeps asking while our answers go unread floods us like
     * one that sends PINGs without reading the ACKs: the heads of bodiless
     * responses (a HEAD flood) wait in the control queue.
     */
    if (h2r_out_control_full(s)) {
        connection_error(s, H2R_ENHANCE_YOUR_CALM, "requests while the responses go unread");
        return;
    }
    if (s->open_peer_streams >= s->local.max_concurrent_streams) {
        stream_error_no_object(s, id, H2R_REFUSED_STREAM);
        if (++s->rejected_streams > s->config->opt.max_session_rejected_streams)
            connection_error(s, H2R_ENHANCE_YOUR_CALM, "too many refused streams");
        return;
    }
    if (s->control_bytes + s->queued_memory_bytes > s->config->opt.max_session_memory) {
        stream_error_no_object(s, id, H2R_ENHANCE_YOUR_CALM);
        return;
    }
    /* Over maxHeaderListPairs is as much too large for us as over the list size: refused, not malformed. */
    if (too_large || c.too_many) {
        refuse_too_large(s, id, info->end_stream);
        return;
    }
    if (c.check.error || (info->end_stream && c.check.has_content_length && c.check.content_length)) {
        stream_error_no_object(s, id, H2R_PROTOCOL_ERROR);
        return;
    }
    if (info->has_priority && info->priority.dependency == id) {
        stream_error_no_object(s, id, H2R_PROTOCOL_ERROR); /* depends on itself, RFC 7540 §5.3.1 */
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
        stream_error(s, st, H2R_STREAM_CLOSED);
        return;
    }
    /* Trailers end the stream; a second HEADERS without END_STREAM is malformed (RFC 9113 §8.1). */
    if (!info->end_stream || too_large || c.too_many || c.check.error ||
        (st->has_content_length && st->received_bytes != st->content_length)) {
        stream_error(s, st, H2R_PROTOCOL_ERROR);
        return;
    }
    h2r_stream_touch(st);
    h2r_stream_ref(st);
    if (s->config->cb.on_trailers) s->config->cb.on_trailers(st, s->scratch->fields, c.count);
    if (!(st->flags & STREAM_CLOSED)) h2r_stream_on_end_received(st);
    h2r_stream_unref(st);
}

static void on_gone_stream_headers(h2r_session *s, const struct h2r_headers_info *info);

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
}

/* A header block for a stream that is gone: decoded anyway, to keep HPACK in step, then judged. */
static void on_gone_stream_headers(h2r_session *s, const struct h2r_headers_info *info)
{
    uint32_t id = info->stream_id;
    struct field_collector c;
    int too_large, reset_by_us;
    if (decode_block(s, info, &c, H2R_SECTION_TRAILERS, &too_large) != 0 || after_goaway(s, id)) return;
    if (!h2r_stream_was_closed(s, id, &reset_by_us))
        connection_error(s, H2R_PROTOCOL_ERROR, "HEADERS on a stream id lower than one already used");
    else if (!reset_by_us)
        connection_error(s, H2R_STREAM_CLOSED, "HEADERS on a closed stream");
}

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

static void on_headers(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    struct h2r_headers_frame f;
    uint32_t code = (uint32_t)h2r_frame_decode_headers(h, payload, &f);
    if (code) {
        connection_error(s, code, "malformed HEADERS frame");
        return;
    }
    if (!(h->stream_id & 1)) {
        connection_error(s, H2R_PROTOCOL_ERROR, "HEADERS on an even stream id");
        return;
    }
    if (f.block_len > max_header_block(s)) {
        connection_error(s, H2R_ENHANCE_YOUR_CALM, "header block too large");
        return;
    }
    struct h2r_headers_info info = {.stream_id = h->stream_id,
                                    .end_stream = (h->flags & H2R_FLAG_END_STREAM) != 0,
                                    .has_priority = f.has_priority,
                                    .priority = f.priority,
                                    .block = f.block,
                                    .block_len = f.block_len};
    /* The whole block in one frame (the common case) is decoded where it is. */
    if (h->flags & H2R_FLAG_END_HEADERS) {
        on_header_block(s, &info);
        return;
    }

    /* CONTINUATION frames follow: the block is put together in the HTTP/2 state. */
    struct http2_state *h2 = h2r_http2_state(s);
    if (!h2) {
        connection_error(s, H2R_INTERNAL_ERROR, "out of memory for a header block");
        return;
    }
    h2->hblock_len = 0;
    if (append_fragment(h2, f.block, f.block_len) != 0) {
        connection_error(s, H2R_INTERNAL_ERROR, "out of memory for a header block");
        return;
    }
    h2->hblock_info = info;
    h2->hblock_continuations = 0;
    s->hblock_stream_id = h->stream_id;
}

static void on_continuation(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    uint32_t code = (uint32_t)h2r_frame_decode_continuation(h);
    if (code) {
        connection_error(s, code, "malformed CONTINUATION frame");
        return;
    }
    if (!s->hblock_stream_id || h->stream_id != s->hblock_stream_id) {
        connection_error(s, H2R_PROTOCOL_ERROR, "unexpected CONTINUATION frame");
        return;
    }
    struct http2_state *h2 = s->h2; /* allocated by the HEADERS that started the block */
    /* Bound both the frame count and the bytes: CONTINUATION floods (CVE-2024-28182). */
    if (++h2->hblock_continuations > s->config->opt.max_continuations ||
        h2->hblock_len + h->length > max_header_block(s)) {
        connection_error(s, H2R_ENHANCE_YOUR_CALM, "too many CONTINUATION frames");
        return;
    }
    if (h->length == 0 && !(h->flags & H2R_FLAG_END_HEADERS)) h2r_session_count_invalid_frame(s);
    if (append_fragment(h2, payload, h->length) != 0) {
        connection_error(s, H2R_INTERNAL_ERROR, "out of memory for a header block");
        return;
    }
    if (!(h->flags & H2R_FLAG_END_HEADERS)) return;
    s->hblock_stream_id = 0;
    h2->hblock_info.block = h2->hblock;
    h2->hblock_info.block_len = h2->hblock_len;
    on_header_block(s, &h2->hblock_info);
}

/* ---- PRIORITY, PRIORITY_UPDATE ---- */

static void on_priority(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    struct h2r_priority_spec spec;
    uint32_t code = (uint32_t)h2r_frame_decode_priority(h, payload, &spec);
    /* On stream 0, a connection error; of the wrong size, a stream error (RFC 9113 §6.3). */
    if (code && code != H2R_FRAME_SIZE_ERROR) {
        connection_error(s, code, "PRIORITY on stream 0");
        return;
    }
    /* Depending on itself is a stream error too (RFC 7540 §5.3.1). */
    if (!code && spec.dependency == h->stream_id) code = H2R_PROTOCOL_ERROR;
    h2r_stream *st = h2r_stream_find(s, h->stream_id);
    if (code) {
        if (st) stream_error(s, st, code);
        /* RST_STREAM MUST NOT be sent for an idle stream (§6.4): the error takes the connection (§5.4.1). */
        else if (is_idle(s, h->stream_id))
            connection_error(s, code, "bad PRIORITY on an idle stream");
        else
            stream_error_no_object(s, h->stream_id, code);
        return;
    }
    /*
     * Open streams move in the tree; idle ones become placeholders that later
     * streams can depend on (nghttp2 and Firefox build their trees this way);
     * closed ones are gone and ignored.
     */
    struct h2r_sched_node *node = st ? &st->sched : NULL;
    if (!st && is_idle(s, h->stream_id)) node = placeholder_for(s, h->stream_id);
    if (!node) return;
    struct h2r_sched_node *parent = priority_parent(s, spec.dependency);
    if (spec.dependency && !parent) {
        /* A dependency outside the tree gives the default priority (RFC 7540 §5.3.1). */
        spec.weight = H2R_SCHED_DEFAULT_WEIGHT;
        spec.exclusive = 0;
    }
    h2r_sched_reprioritize(&s->sched, node, parent, spec.weight, spec.exclusive);
}

static void on_priority_update(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    struct h2r_priority_update_frame f;
    uint32_t code = (uint32_t)h2r_frame_decode_priority_update(h, payload, &f);
    if (code) {
        connection_error(s, code, "malformed PRIORITY_UPDATE frame");
        return;
    }
    /* RFC 9218 §7.1: a client can only reprioritise request streams. */
    if (f.prioritized_stream_id == 0 || !(f.prioritized_stream_id & 1)) {
        connection_error(s, H2R_PROTOCOL_ERROR, "PRIORITY_UPDATE for a stream the client cannot prioritise");
        return;
    }
    /* The peer speaks RFC 9218: schedule by urgency from now on. */
    h2r_sched_use_rfc9218(&s->sched, 1);
    h2r_stream *st = h2r_stream_find(s, f.prioritized_stream_id);
    if (st) apply_priority_field(s, st, (const char *)f.field_value, f.field_value_len);
}

/* ---- RST_STREAM ---- */

static void on_rst_stream(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    uint32_t error_code;
    uint32_t code = (uint32_t)h2r_frame_decode_rst_stream(h, payload, &error_code);
    if (code) {
        connection_error(s, code, "malformed RST_STREAM frame");
        return;
    }
    if (is_idle(s, h->stream_id)) {
        connection_error(s, H2R_PROTOCOL_ERROR, "RST_STREAM on an idle stream");
        return;
    }
    h2r_stream *st = h2r_stream_find(s, h->stream_id);
    if (!st) return;
    /* Pushes are ours to start and the client's to decline (RFC 9113 §8.4.2): never counted. */
    int unfinished = !(st->flags & (STREAM_END_SENT | STREAM_PUSHED));
    h2r_stream_close_internal(st, error_code, 1);
    /* Rapid reset (CVE-2023-44487): streams cancelled before we could answer them cost us, not the peer. */
    if (unfinished && ++s->reset_budget_used > s->config->opt.max_reset_streams)
        connection_error(s, H2R_ENHANCE_YOUR_CALM, "too many streams reset by the peer");
}

/* ---- SETTINGS ---- */

static void apply_local_settings(h2r_session *s, const h2r_settings *n)
{
    int64_t delta = (int64_t)n->initial_window_size - (int64_t)s->local.initial_window_size;
    if (delta && s->buckets) {
        for (uint32_t i = 0; i <= s->bucket_mask; ++i)
            for (h2r_stream *st = s->buckets[i]; st; st = st->hash_next) st->local_window += delta;
    }
    h2r_hpack_decoder_set_max_table_size(&s->decoder, n->header_table_size);
    h2r_hpack_decoder_set_max_header_list_size(&s->decoder, n->max_header_list_size);
    s->local = *n;
}

static void on_settings_ack(h2r_session *s)
{
    if (!s->pending_local_count) {
        h2r_session_count_invalid_frame(s);
        return;
    }
    h2r_settings acked = s->pending_local;
    if (--s->pending_local_count) {
        /* The next oldest moves up from the HTTP/2 state (send_settings put it there). */
        s->pending_local = s->h2->pending_local[0];
        memmove(&s->h2->pending_local[0], &s->h2->pending_local[1],
                (s->pending_local_count - 1) * sizeof(s->h2->pending_local[0]));
    }
    apply_local_settings(s, &acked);
    if (s->config->cb.on_local_settings) s->config->cb.on_local_settings(s, &s->local);
}

/* A new SETTINGS_INITIAL_WINDOW_SIZE moves every stream's send window (RFC 9113 §6.9.2). */
static int apply_remote_initial_window(h2r_session *s, uint32_t value)
{
    int64_t delta = (int64_t)value - (int64_t)s->remote.initial_window_size;
    s->remote.initial_window_size = value;
    if (!delta || !s->buckets) return 0;
    for (uint32_t i = 0; i <= s->bucket_mask; ++i) {
        for (h2r_stream *st = s->buckets[i]; st; st = st->hash_next) {
            if (st->remote_window + delta > H2R_MAX_WINDOW) return -1;
            st->remote_window += delta;
            h2r_stream_update_ready(st);
        }
    }
    return 0;
}

static void on_settings(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    uint32_t code = (uint32_t)h2r_frame_decode_settings(h, payload);
    if (code) {
        connection_error(s, code, "malformed SETTINGS frame");
        return;
    }
    if (h->flags & H2R_FLAG_ACK) {
        on_settings_ack(s);
        return;
    }
    if (h2r_out_control_full(s)) {
        connection_error(s, H2R_ENHANCE_YOUR_CALM, "SETTINGS flood");
        return;
    }

    for (size_t i = 0; i != h->length / 6; ++i) {
        struct h2r_setting set = h2r_frame_settings_at(payload, i);
        switch (set.id) {
        case H2R_SETTINGS_HEADER_TABLE_SIZE:
            s->remote.header_table_size = set.value;
            h2r_hpack_encoder_set_peer_max_table_size(&s->encoder, set.value);
            break;
        case H2R_SETTINGS_ENABLE_PUSH: s->remote.enable_push = set.value; break;
        case H2R_SETTINGS_MAX_CONCURRENT_STREAMS: s->remote.max_concurrent_streams = set.value; break;
        case H2R_SETTINGS_INITIAL_WINDOW_SIZE:
            if (apply_remote_initial_window(s, set.value) != 0) {
                connection_error(s, H2R_FLOW_CONTROL_ERROR,
                                 "SETTINGS_INITIAL_WINDOW_SIZE overflows a window");
                return;
            }
            break;
        case H2R_SETTINGS_MAX_FRAME_SIZE: s->remote.max_frame_size = set.value; break;
        case H2R_SETTINGS_MAX_HEADER_LIST_SIZE: s->remote.max_header_list_size = set.value; break;
        case H2R_SETTINGS_ENABLE_CONNECT_PROTOCOL: s->remote.enable_connect_protocol = set.value; break;
        case H2R_SETTINGS_NO_RFC7540_PRIORITIES:
            s->remote.no_rfc7540_priorities = set.value;
            if (set.value) h2r_sched_use_rfc9218(&s->sched, 1);
            break;
        default: break; /* unknown settings are ignored (RFC 9113 §6.5.2) */
        }
    }
    uint8_t *buf = h2r_out_reserve(s, H2R_FRAME_HEADER_LEN);
    if (!buf) {
        connection_error(s, H2R_INTERNAL_ERROR, "out of memory");
        return;
    }
    h2r_out_commit(s, h2r_frame_write_settings_ack(buf));
    if (s->config->cb.on_remote_settings) s->config->cb.on_remote_settings(s, &s->remote);
}

/* ---- PING, GOAWAY, WINDOW_UPDATE ---- */

static void on_ping(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    const uint8_t *opaque;
    uint32_t code = (uint32_t)h2r_frame_decode_ping(h, payload, &opaque);
    if (code) {
        connection_error(s, code, "malformed PING frame");
        return;
    }
    if (h->flags & H2R_FLAG_ACK) {
        struct http2_state *h2 = s->h2;
        for (uint32_t i = 0; h2 && i != h2->ping_count; ++i) {
            if (memcmp(h2->pings[i].payload, opaque, 8) != 0) continue;
            struct pending_ping ping = h2->pings[i];
            memmove(&h2->pings[i], &h2->pings[i + 1], (--h2->ping_count - i) * sizeof(h2->pings[0]));
            if (ping.cb) ping.cb(s, 0, opaque, ping.ctx);
            return;
        }
        h2r_session_count_invalid_frame(s);
        return;
    }
    /* A peer that sends PINGs without reading the ACKs is flooding us (CVE-2019-9512). */
    if (h2r_out_control_full(s)) {
        connection_error(s, H2R_ENHANCE_YOUR_CALM, "PING flood");
        return;
    }
    uint8_t *buf = h2r_out_reserve(s, 17);
    if (!buf) {
        connection_error(s, H2R_INTERNAL_ERROR, "out of memory");
        return;
    }
    h2r_out_commit(s, h2r_frame_write_ping(buf, opaque, 1));
    if (s->config->cb.on_ping) s->config->cb.on_ping(s, opaque);
}

static void on_goaway(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    struct h2r_goaway_frame g;
    uint32_t code = (uint32_t)h2r_frame_decode_goaway(h, payload, &g);
    if (code) {
        connection_error(s, code, "malformed GOAWAY frame");
        return;
    }
    s->goaway_received = 1;
    /* Our pushes above the peer's last stream id will not be processed (RFC 9113 §6.8). */
    if (s->buckets) {
        for (uint32_t i = 0; i <= s->bucket_mask; ++i) {
            /* The bucket is scanned again after each close: its callbacks may have closed other streams. */
            for (h2r_stream *st = s->buckets[i]; st;) {
                if (!(st->id & 1) && st->id > g.last_stream_id) {
                    h2r_stream_close_internal(st, H2R_REFUSED_STREAM, 1);
                    st = s->buckets[i];
                } else {
                    st = st->hash_next;
                }
            }
        }
    }
    if (s->config->cb.on_goaway)
        s->config->cb.on_goaway(s, g.error_code, g.last_stream_id, g.debug_data, g.debug_len);
}

static void on_window_update(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    uint32_t increment;
    uint32_t code = (uint32_t)h2r_frame_decode_window_update(h, payload, &increment);
    if (code) {
        connection_error(s, code, "malformed WINDOW_UPDATE frame");
        return;
    }
    if (h->stream_id == 0) {
        if (increment == 0) {
            connection_error(s, H2R_PROTOCOL_ERROR, "WINDOW_UPDATE with a zero increment");
            return;
        }
        if (s->remote_window + increment > H2R_MAX_WINDOW) {
            connection_error(s, H2R_FLOW_CONTROL_ERROR, "connection window above 2^31-1");
            return;
        }
        s->remote_window += increment;
        wake_conn_blocked(s);
        return;
    }
    if (is_idle(s, h->stream_id)) {
        connection_error(s, H2R_PROTOCOL_ERROR, "WINDOW_UPDATE on an idle stream");
        return;
    }
    h2r_stream *st = h2r_stream_find(s, h->stream_id);
    if (!st) return; /* closed: allowed for a while (§6.9) */
    if (increment == 0) {
        stream_error(s, st, H2R_PROTOCOL_ERROR);
    } else if (st->remote_window + increment > H2R_MAX_WINDOW) {
        stream_error(s, st, H2R_FLOW_CONTROL_ERROR);
    } else {
        st->remote_window += increment;
        h2r_stream_update_ready(st);
    }
}

/* ---- dispatch ---- */

static void on_frame(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    /* A header block must not be interleaved with any other frame (RFC 9113 §6.10). */
    if (s->hblock_stream_id && h->type != H2R_FRAME_CONTINUATION) {
        connection_error(s, H2R_PROTOCOL_ERROR, "expected CONTINUATION");
        return;
    }
    if (s->phase == PHASE_SETTINGS) {
        /* §3.4: the preface ends with a SETTINGS frame. */
        if (h->type != H2R_FRAME_SETTINGS || (h->flags & H2R_FLAG_ACK)) {
            connection_error(s, H2R_PROTOCOL_ERROR, "connection preface must end with SETTINGS");
            return;
        }
        s->phase = PHASE_FRAMES;
    }
    switch (h->type) {
    case H2R_FRAME_DATA: on_data(s, h, payload); break;
    case H2R_FRAME_HEADERS: on_headers(s, h, payload); break;
    case H2R_FRAME_PRIORITY: on_priority(s, h, payload); break;
    case H2R_FRAME_RST_STREAM: on_rst_stream(s, h, payload); break;
    case H2R_FRAME_SETTINGS: on_settings(s, h, payload); break;
    case H2R_FRAME_PUSH_PROMISE:
        connection_error(s, H2R_PROTOCOL_ERROR, "a client cannot send PUSH_PROMISE"); /* §8.4 */
        break;
    case H2R_FRAME_PING: on_ping(s, h, payload); break;
    case H2R_FRAME_GOAWAY: on_goaway(s, h, payload); break;
    case H2R_FRAME_WINDOW_UPDATE: on_window_update(s, h, payload); break;
    case H2R_FRAME_CONTINUATION: on_continuation(s, h, payload); break;
    case H2R_FRAME_PRIORITY_UPDATE: on_priority_update(s, h, payload); break;
    default: break; /* unknown types, and ALTSVC and ORIGIN that only clients use, are ignored (§5.5) */
    }
}

/* Matches the client's connection preface; returns the bytes used, or -1 on a mismatch. */
static ssize_t match_preface(h2r_session *s, const uint8_t *data, size_t len)
{
    size_t want = H2R_CLIENT_PREFACE_LEN - s->preface_matched;
    size_t n = len < want ? len : want;
    if (memcmp(data, &H2R_CLIENT_PREFACE[s->preface_matched], n) != 0) return -1;
    s->preface_matched += (uint8_t)n; /* n <= want <= H2R_CLIENT_PREFACE_LEN */
    if (s->preface_matched == H2R_CLIENT_PREFACE_LEN) s->phase = PHASE_SETTINGS;
    return (ssize_t)n;
}

/* Checks a frame header before its payload is gathered. */
static int frame_header_ok(h2r_session *s, const struct h2r_frame_header *h)
{
    if (h->length <= s->local.max_frame_size) return 1;
    connection_error(s, H2R_FRAME_SIZE_ERROR, "frame larger than SETTINGS_MAX_FRAME_SIZE"); /* §4.2 */
    return 0;
}

/* Appends to the partial-frame buffer up to `want` bytes in all; returns the bytes taken. */
static size_t fill_rx(h2r_session *s, const uint8_t *p, size_t avail, size_t want)
{
    size_t take = want - s->rx_len;
    if (take > avail) take = avail;
    memcpy(s->rx + s->rx_len, p, take);
    s->rx_len += (uint32_t)take; /* take <= want: a frame header, or a frame that fits rx_cap */
    return take;
}

ssize_t h2r_http2_feed(h2r_session *s, const uint8_t *data, size_t len)
{
    if (s->phase == PHASE_CLOSED) return H2R_ERR_SESSION_CLOSED;
    s->active_ms = s->now_ms;
    const uint8_t *p = data, *end = data + len;
    if (s->phase == PHASE_PREFACE && len) {
        ssize_t n = match_preface(s, p, len);
        if (n < 0) {
            connection_error(s, H2R_PROTOCOL_ERROR, "invalid connection preface");
            return H2R_ERR_PROTOCOL;
        }
        p += n;
    }
    while (p != end && s->phase != PHASE_CLOSED) {
        struct h2r_frame_header h;
        if (s->rx_len == 0 && (size_t)(end - p) >= H2R_FRAME_HEADER_LEN) {
            /* The common case: a whole frame in the buffer, handled in place. */
            h2r_frame_header_decode(p, &h);
            if (!frame_header_ok(s, &h)) break;
            if ((size_t)(end - p) - H2R_FRAME_HEADER_LEN >= h.length) {
                on_frame(s, &h, p + H2R_FRAME_HEADER_LEN);
                p += H2R_FRAME_HEADER_LEN + h.length;
                continue;
            }
        }
        /* A frame split across reads: gather it. The buffer holds one frame of our maximum size. */
        size_t need = H2R_FRAME_HEADER_LEN + s->local.max_frame_size;
        if (s->rx_cap < need) {
            uint8_t *rx = realloc(s->rx, need);
            if (!rx) {
                connection_error(s, H2R_INTERNAL_ERROR, "out of memory");
                break;
            }
            s->rx = rx;
            s->rx_cap = (uint32_t)need; /* max_frame_size is below 2^24 (settings_valid) */
        }
        if (s->rx_len < H2R_FRAME_HEADER_LEN) {
            p += fill_rx(s, p, (size_t)(end - p), H2R_FRAME_HEADER_LEN);
            if (s->rx_len < H2R_FRAME_HEADER_LEN) break;
        }
        h2r_frame_header_decode(s->rx, &h);
        if (!frame_header_ok(s, &h)) break;
        p += fill_rx(s, p, (size_t)(end - p), H2R_FRAME_HEADER_LEN + h.length);
        if (s->rx_len < H2R_FRAME_HEADER_LEN + h.length) break;
        s->rx_len = 0;
        on_frame(s, &h, s->rx + H2R_FRAME_HEADER_LEN);
    }
    if (s->phase == PHASE_CLOSED) {
        h2r_session_maybe_done(s);
        return H2R_ERR_PROTOCOL;
    }
    return (ssize_t)len;
}
