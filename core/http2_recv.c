/*
 * HTTP/2 in, for both roles: the client's connection preface, frames
 * gathered from the bytes fed (in place when whole), and one handler per
 * frame type (a client's header blocks, ALTSVC and ORIGIN go their own
 * way), each enforcing RFC 9113 and mapping violations to the error the
 * RFC names (stream errors as RST_STREAM, connection errors as GOAWAY).
 * Header blocks are http2_headers.c's, priorities http2_priority.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "http2.h"

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
    h2r_http2_return_window(st); /* out of memory: the next DATA tries again */
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
        h2r_http2_connection_error(s, code, "malformed DATA frame");
        return;
    }
    if (d.flow_controlled_len > (uint64_t)s->local_window) {
        h2r_http2_connection_error(s, H2R_FLOW_CONTROL_ERROR, "DATA beyond the connection window");
        return;
    }
    s->local_window -= (int64_t)d.flow_controlled_len;

    h2r_stream *st = h2r_stream_find(s, h->stream_id);
    if (!st) {
        int reset_by_us;
        if (h2r_http2_is_idle(s, h->stream_id)) {
            h2r_http2_connection_error(s, H2R_PROTOCOL_ERROR, "DATA on an idle stream");
            return;
        }
        consume(s, NULL, d.flow_controlled_len);
        /* Frames in flight after our RST_STREAM or GOAWAY are expected and ignored (§5.1 "closed", §6.8). */
        if (h2r_http2_after_goaway(s, h->stream_id)) return;
        if (!h2r_http2_was_closed(s, h->stream_id, &reset_by_us) || !reset_by_us)
            h2r_http2_stream_error_no_object(s, h->stream_id, H2R_STREAM_CLOSED);
        return;
    }
    /* A server's streams come with their head; a client's wait for the final response. */
    if ((st->flags & (STREAM_END_RECEIVED | STREAM_HEAD_RECEIVED)) != STREAM_HEAD_RECEIVED) {
        consume(s, NULL, d.flow_controlled_len);
        /* A promised stream not yet answered is reserved: DATA there is a connection error (§5.1). */
        if ((st->flags & (STREAM_PUSHED | STREAM_HEADERS_SENT | STREAM_HEAD_RECEIVED)) == STREAM_PUSHED)
            h2r_http2_connection_error(s, H2R_PROTOCOL_ERROR, "DATA on a reserved stream");
        else if (st->flags & STREAM_END_RECEIVED)
            h2r_http2_stream_error(st, H2R_STREAM_CLOSED);
        else
            h2r_http2_stream_error(st, H2R_PROTOCOL_ERROR); /* before the response: malformed (§8.1) */
        return;
    }
    /* The window may be negative after we lowered SETTINGS_INITIAL_WINDOW_SIZE (§6.9.2): compare signed. */
    if ((int64_t)d.flow_controlled_len > st->local_window) {
        consume(s, NULL, d.flow_controlled_len);
        h2r_http2_stream_error(st, H2R_FLOW_CONTROL_ERROR);
        return;
    }
    st->local_window -= (int64_t)d.flow_controlled_len;
    h2r_stream_touch(st);
    int end = (h->flags & H2R_FLAG_END_STREAM) != 0;
    /* content-length must match the DATA received (RFC 9113 §8.1.1). */
    if (st->flags & STREAM_CONTENT_LENGTH) {
        if (d.len > st->content_left || (end && d.len != st->content_left)) {
            consume(s, NULL, d.flow_controlled_len);
            h2r_http2_stream_error(st, H2R_PROTOCOL_ERROR);
            return;
        }
        st->content_left -= d.len;
    }
    /* Empty DATA without END_STREAM does nothing but cost us work (CVE-2019-9518). */
    if (d.len == 0 && !end) {
        h2r_http2_count_invalid_frame(s);
        if (s->phase == PHASE_CLOSED) return; /* that was one too many: the stream is gone */
    }

    h2r_stream_ref(st);
    if (d.len && s->config->cb.on_data) s->config->cb.on_data(st, d.data, d.len);
    /* After END_STREAM the peer sends nothing more: only the connection window is worth returning. */
    consume(s, end ? NULL : st, d.flow_controlled_len);
    if (end && !(st->flags & STREAM_CLOSED)) h2r_stream_on_end_received(st);
    h2r_stream_unref(st);
}

/* ---- RST_STREAM ---- */

static void on_rst_stream(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    uint32_t error_code;
    uint32_t code = (uint32_t)h2r_frame_decode_rst_stream(h, payload, &error_code);
    if (code) {
        h2r_http2_connection_error(s, code, "malformed RST_STREAM frame");
        return;
    }
    if (h2r_http2_is_idle(s, h->stream_id)) {
        h2r_http2_connection_error(s, H2R_PROTOCOL_ERROR, "RST_STREAM on an idle stream");
        return;
    }
    h2r_stream *st = h2r_stream_find(s, h->stream_id);
    if (!st) return;
    /*
     * Only the peer's streams, reset before they ran their course, count:
     * a client's requests not yet answered, a server's pushes not yet
     * complete. Ours are ours to start and the peer's to decline (§8.4.2).
     */
    int client = h2r_http2_is_client(s);
    int unfinished = !(st->flags & (STREAM_LOCAL | (client ? STREAM_END_RECEIVED : STREAM_END_SENT)));
    /* A request the server refused was not processed: it may be retried, nothing was aborted (§8.7). */
    h2r_stream_close_internal(st, error_code, !(client && error_code == H2R_REFUSED_STREAM));
    /* Rapid reset (CVE-2023-44487): streams cancelled before we could answer them cost us, not the peer. */
    if (unfinished && ++s->reset_budget_used > s->config->opt.max_reset_streams)
        h2r_http2_connection_error(s, H2R_ENHANCE_YOUR_CALM, "too many streams reset by the peer");
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
        h2r_http2_count_invalid_frame(s);
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
        h2r_http2_connection_error(s, code, "malformed SETTINGS frame");
        return;
    }
    if (h->flags & H2R_FLAG_ACK) {
        on_settings_ack(s);
        return;
    }
    if (h2r_out_control_full(s)) {
        h2r_http2_connection_error(s, H2R_ENHANCE_YOUR_CALM, "SETTINGS flood");
        return;
    }

    for (size_t i = 0; i != h->length / 6; ++i) {
        struct h2r_setting set = h2r_frame_settings_at(payload, i);
        switch (set.id) {
        case H2R_SETTINGS_HEADER_TABLE_SIZE:
            s->remote.header_table_size = set.value;
            h2r_hpack_encoder_set_peer_max_table_size(&s->encoder, set.value);
            break;
        case H2R_SETTINGS_ENABLE_PUSH:
            if (set.value && h2r_http2_is_client(s)) {
                h2r_http2_connection_error(s, H2R_PROTOCOL_ERROR, "SETTINGS_ENABLE_PUSH = 1 from a server");
                return; /* §6.5.2 */
            }
            s->remote.enable_push = set.value;
            break;
        case H2R_SETTINGS_MAX_CONCURRENT_STREAMS: s->remote.max_concurrent_streams = set.value; break;
        case H2R_SETTINGS_INITIAL_WINDOW_SIZE:
            if (apply_remote_initial_window(s, set.value) != 0) {
                h2r_http2_connection_error(s, H2R_FLOW_CONTROL_ERROR,
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
        h2r_http2_connection_error(s, H2R_INTERNAL_ERROR, "out of memory");
        return;
    }
    h2r_send_commit(s, buf, h2r_frame_write_settings_ack(buf));
    if (s->config->cb.on_remote_settings) s->config->cb.on_remote_settings(s, &s->remote);
}

/* ---- PING, GOAWAY, WINDOW_UPDATE ---- */

static void on_ping(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    const uint8_t *opaque;
    uint32_t code = (uint32_t)h2r_frame_decode_ping(h, payload, &opaque);
    if (code) {
        h2r_http2_connection_error(s, code, "malformed PING frame");
        return;
    }
    if (h->flags & H2R_FLAG_ACK) {
        struct http2_state *h2 = s->h2;
        for (uint32_t i = 0; h2 && i != h2->ping_count; ++i) {
            if (memcmp(h2->pings[i].payload, opaque, 8) != 0) continue;
            struct pending_ping ping = h2->pings[i];
            memmove(&h2->pings[i], &h2->pings[i + 1], (--h2->ping_count - i) * sizeof(h2->pings[0]));
            if (ping.cb)
                ping.cb(s, 0, (double)(h2r_http2_clock_ns(s) - ping.sent_ns) / 1e6, opaque, ping.ctx);
            return;
        }
        h2r_http2_count_invalid_frame(s);
        return;
    }
    /* A peer that sends PINGs without reading the ACKs is flooding us (CVE-2019-9512). */
    if (h2r_out_control_full(s)) {
        h2r_http2_connection_error(s, H2R_ENHANCE_YOUR_CALM, "PING flood");
        return;
    }
    uint8_t *buf = h2r_out_reserve(s, 17);
    if (!buf) {
        h2r_http2_connection_error(s, H2R_INTERNAL_ERROR, "out of memory");
        return;
    }
    h2r_send_commit(s, buf, h2r_frame_write_ping(buf, opaque, 1));
    if (s->config->cb.on_ping) s->config->cb.on_ping(s, opaque);
}

static void on_goaway(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    struct h2r_goaway_frame g;
    uint32_t code = (uint32_t)h2r_frame_decode_goaway(h, payload, &g);
    if (code) {
        h2r_http2_connection_error(s, code, "malformed GOAWAY frame");
        return;
    }
    s->goaway_received = 1;
    /*
     * Our streams above the peer's last stream id will not be processed
     * (RFC 9113 §6.8): a server's pushes are aborted, a client's requests
     * may be retried elsewhere, and the client is done once the rest are.
     */
    int client = h2r_http2_is_client(s);
    if (client) s->closing = 1;
    if (s->buckets) {
        for (uint32_t i = 0; i <= s->bucket_mask; ++i) {
            /* The bucket is scanned again after each close: its callbacks may have closed other streams. */
            for (h2r_stream *st = s->buckets[i]; st;) {
                if ((st->flags & STREAM_LOCAL) && st->id > g.last_stream_id) {
                    h2r_stream_close_internal(st, H2R_REFUSED_STREAM, !client);
                    st = s->buckets[i];
                } else {
                    st = st->hash_next;
                }
            }
        }
    }
    if (s->config->cb.on_goaway)
        s->config->cb.on_goaway(s, g.error_code, g.last_stream_id, g.debug_data, g.debug_len);
    if (client) h2r_session_maybe_done(s);
}

static void on_window_update(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    uint32_t increment;
    uint32_t code = (uint32_t)h2r_frame_decode_window_update(h, payload, &increment);
    if (code) {
        h2r_http2_connection_error(s, code, "malformed WINDOW_UPDATE frame");
        return;
    }
    if (h->stream_id == 0) {
        if (increment == 0) {
            h2r_http2_connection_error(s, H2R_PROTOCOL_ERROR, "WINDOW_UPDATE with a zero increment");
            return;
        }
        if (s->remote_window + increment > H2R_MAX_WINDOW) {
            h2r_http2_connection_error(s, H2R_FLOW_CONTROL_ERROR, "connection window above 2^31-1");
            return;
        }
        s->remote_window += increment;
        wake_conn_blocked(s);
        return;
    }
    if (h2r_http2_is_idle(s, h->stream_id)) {
        h2r_http2_connection_error(s, H2R_PROTOCOL_ERROR, "WINDOW_UPDATE on an idle stream");
        return;
    }
    h2r_stream *st = h2r_stream_find(s, h->stream_id);
    if (!st) return; /* closed: allowed for a while (§6.9) */
    if (increment == 0) {
        h2r_http2_stream_error(st, H2R_PROTOCOL_ERROR);
    } else if (st->remote_window + increment > H2R_MAX_WINDOW) {
        h2r_http2_stream_error(st, H2R_FLOW_CONTROL_ERROR);
    } else {
        st->remote_window += increment;
        h2r_stream_update_ready(st);
    }
}

/* ---- a client's ALTSVC and ORIGIN: told, nothing kept ---- */

static void on_altsvc(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    struct h2r_altsvc_frame a;
    if (!s->config->cb.on_altsvc || h2r_frame_decode_altsvc(h, payload, &a) != 0) return;
    s->config->cb.on_altsvc(s, h->stream_id, (const char *)a.origin, a.origin_len, (const char *)a.value,
                            a.value_len);
}

static void on_origin(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    /* RFC 8336 §2.2: on stream 0 only; Node tells it over TLS only, where it means something (§2.3). */
    if (!s->config->cb.on_origin || h->stream_id != 0 || strcmp(s->h2->client_scheme, "https") != 0) return;
    const uint8_t *at = payload, *end = payload + h->length, *origin;
    size_t len;
    int more;
    while ((more = h2r_frame_next_origin(&at, end, &origin, &len)) == 1) continue;
    if (more < 0) return; /* a malformed entry: the frame is ignored whole, not told in part */
    for (at = payload; s->phase != PHASE_CLOSED && h2r_frame_next_origin(&at, end, &origin, &len) == 1;)
        s->config->cb.on_origin(s, (const char *)origin, len);
}

/* ---- dispatch ---- */

/*
 * A frame outside a server's steady phase: the first (§3.4: the preface
 * ends with a SETTINGS frame), or any of a client's, whose header blocks
 * are responses and promises. Returns 1 when the common dispatch takes the
 * frame; so a server's frames pass the one test they always did.
 */
static int on_first_or_client_frame(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    if (s->phase == PHASE_SETTINGS) {
        if (h->type != H2R_FRAME_SETTINGS || (h->flags & H2R_FLAG_ACK)) {
            h2r_http2_connection_error(s, H2R_PROTOCOL_ERROR, "connection preface must end with SETTINGS");
            return 0;
        }
        s->phase = h2r_http2_is_client(s) ? PHASE_CLIENT_FRAMES : PHASE_FRAMES;
        return 1;
    }
    switch (h->type) {
    case H2R_FRAME_HEADERS: h2r_http2_client_recv_headers(s, h, payload); return 0;
    case H2R_FRAME_CONTINUATION: h2r_http2_client_recv_continuation(s, h, payload); return 0;
    case H2R_FRAME_PUSH_PROMISE: h2r_http2_recv_push_promise(s, h, payload); return 0;
    case H2R_FRAME_ALTSVC: on_altsvc(s, h, payload); return 0;
    case H2R_FRAME_ORIGIN: on_origin(s, h, payload); return 0;
    case H2R_FRAME_PRIORITY_UPDATE:
        h2r_http2_connection_error(s, H2R_PROTOCOL_ERROR,
                                   "a server cannot send PRIORITY_UPDATE"); /* RFC 9218 */
        return 0;
    default: return 1;
    }
}

static void on_frame(h2r_session *s, const struct h2r_frame_header *h, const uint8_t *payload)
{
    if (s->config->cb.on_frame)
        s->config->cb.on_frame(s, H2R_FRAME_RECEIVED, h->type, h->flags, h->stream_id, h->length);
    /* A header block must not be interleaved with any other frame (RFC 9113 §6.10). */
    if (s->hblock_stream_id && h->type != H2R_FRAME_CONTINUATION) {
        h2r_http2_connection_error(s, H2R_PROTOCOL_ERROR, "expected CONTINUATION");
        return;
    }
    if (s->phase != PHASE_FRAMES && !on_first_or_client_frame(s, h, payload)) return;
    switch (h->type) {
    case H2R_FRAME_DATA: on_data(s, h, payload); break;
    case H2R_FRAME_HEADERS: h2r_http2_recv_headers(s, h, payload); break;
    case H2R_FRAME_PRIORITY: h2r_http2_recv_priority(s, h, payload); break;
    case H2R_FRAME_RST_STREAM: on_rst_stream(s, h, payload); break;
    case H2R_FRAME_SETTINGS: on_settings(s, h, payload); break;
    case H2R_FRAME_PUSH_PROMISE:
        h2r_http2_connection_error(s, H2R_PROTOCOL_ERROR, "a client cannot send PUSH_PROMISE"); /* §8.4 */
        break;
    case H2R_FRAME_PING: on_ping(s, h, payload); break;
    case H2R_FRAME_GOAWAY: on_goaway(s, h, payload); break;
    case H2R_FRAME_WINDOW_UPDATE: on_window_update(s, h, payload); break;
    case H2R_FRAME_CONTINUATION: h2r_http2_recv_continuation(s, h, payload); break;
    case H2R_FRAME_PRIORITY_UPDATE: h2r_http2_recv_priority_update(s, h, payload); break;
    default: break; /* unknown types, and ALTSVC and ORIGIN that only clients take, are ignored (§5.5) */
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
    h2r_http2_connection_error(s, H2R_FRAME_SIZE_ERROR,
                               "frame larger than SETTINGS_MAX_FRAME_SIZE"); /* §4.2 */
    return 0;
}

/*
 * Makes the partial-frame buffer hold need bytes: as large as the largest
 * frame split so far, not our maximum frame size, since a connection keeps
 * it as long as it lives (40 connections of split header blocks would
 * otherwise keep 16 KiB each). Returns 0, or -1 after a connection error.
 */
static int reserve_rx(h2r_session *s, size_t need)
{
    if (s->rx_cap >= need) return 0;
    uint8_t *rx = realloc(s->rx, need);
    if (!rx) {
        h2r_http2_connection_error(s, H2R_INTERNAL_ERROR, "out of memory");
        return -1;
    }
    s->rx = rx;
    s->rx_cap = (uint32_t)need; /* a frame of at most max_frame_size, below 2^24 (settings_valid) */
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
            h2r_http2_connection_error(s, H2R_PROTOCOL_ERROR, "invalid connection preface");
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
        /* A frame split across reads: gather it, its header first. */
        if (s->rx_len < H2R_FRAME_HEADER_LEN) {
            if (reserve_rx(s, H2R_FRAME_HEADER_LEN) != 0) break;
            p += fill_rx(s, p, (size_t)(end - p), H2R_FRAME_HEADER_LEN);
            if (s->rx_len < H2R_FRAME_HEADER_LEN) break;
        }
        h2r_frame_header_decode(s->rx, &h);
        if (!frame_header_ok(s, &h) || reserve_rx(s, H2R_FRAME_HEADER_LEN + h.length) != 0) break;
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
