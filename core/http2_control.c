/*
 * The HTTP/2 session's own calls (Node's Http2Session): what both roles
 * send first, SETTINGS sent and kept until their ACK, PING, GOAWAY,
 * graceful close (a server's, a client's) and destroy, ALTSVC and ORIGIN.
 */
#include <stdlib.h>
#include <string.h>

#include "http2.h"

int h2r_http2_start(h2r_session *s, const h2r_session_options *options)
{
    h2r_hpack_encoder_init(&s->encoder, options->max_deflate_dynamic_table_size);
    h2r_hpack_decoder_init(&s->decoder, H2R_HPACK_DEFAULT_TABLE_SIZE, options->settings.max_header_list_size);
    h2r_settings protocol_defaults;
    h2r_settings_default(&protocol_defaults);
    int err = h2r_http2_send_settings(s, &options->settings, &protocol_defaults);
    if (!err && s->config->opt.connection_window_size > 65535)
        err = h2r_send_window_update(s, 0, s->config->opt.connection_window_size - 65535);
    if (!err) s->local_window = s->config->opt.connection_window_size;
    return err;
}

int h2r_http2_send_settings(h2r_session *s, const h2r_settings *settings, const h2r_settings *previous)
{
    if (s->pending_local_count == PENDING_SETTINGS_MAX) return H2R_ERR_INVALID_STATE;
    /* Room first: SETTINGS on the wire must be kept for their ACK. */
    if (s->pending_local_count && !h2r_http2_state(s)) return H2R_ERR_NOMEM;
    int err = h2r_send_settings(s, settings, previous);
    if (err) return err;
    if (s->pending_local_count)
        s->h2->pending_local[s->pending_local_count - 1] = *settings;
    else
        s->pending_local = *settings;
    ++s->pending_local_count;
    return 0;
}

int h2r_http2_settings(h2r_session *s, const h2r_settings *settings)
{
    if (s->phase == PHASE_CLOSED) return H2R_ERR_SESSION_CLOSED;
    if (!h2r_settings_valid(settings)) return H2R_ERR_INVALID_ARGUMENT;
    return h2r_http2_send_settings(s, settings, h2r_http2_newest_settings(s));
}

const h2r_settings *h2r_http2_newest_settings(const h2r_session *s)
{
    /*
     * Either preface sent some, so with none waiting for their ACK it is the
     * last acknowledged: the local settings.
     */
    if (s->pending_local_count == 1) return &s->pending_local;
    if (s->pending_local_count > 1) return &s->h2->pending_local[s->pending_local_count - 2];
    return &s->local;
}

void h2r_http2_settings_timeout(h2r_session *s)
{
    if (s->pending_local_count)
        h2r_http2_connection_error(s, H2R_SETTINGS_TIMEOUT, "SETTINGS not acknowledged");
}

int h2r_http2_ping(h2r_session *s, const uint8_t payload[8], h2r_ping_cb cb, void *ctx)
{
    /* Still allowed after a GOAWAY: streams may still be finishing, and graceful close needs one. */
    if (s->phase == PHASE_CLOSED) return H2R_ERR_SESSION_CLOSED;
    if ((s->h2 ? s->h2->ping_count : 0) >= s->config->opt.max_outstanding_pings)
        return H2R_ERR_TOO_MANY_PINGS;
    struct http2_state *h2 = h2r_http2_state(s);
    if (!h2 ||
        (!h2->pings && !(h2->pings = malloc(s->config->opt.max_outstanding_pings * sizeof(*h2->pings)))))
        return H2R_ERR_NOMEM;
    uint8_t *buf = h2r_out_reserve(s, 17);
    if (!buf) return H2R_ERR_NOMEM;
    struct pending_ping *ping = &h2->pings[h2->ping_count++];
    if (payload) {
        memcpy(ping->payload, payload, 8);
    } else {
        /* Ours: "h2rp" and a serial number, unlike any other outstanding (there are at most 32). */
        uint32_t serial = h2->ping_serial++;
        memcpy(ping->payload, "h2rp", 4);
        for (int i = 0; i != 4; ++i) ping->payload[4 + i] = (uint8_t)(serial >> (24 - 8 * i));
    }
    ping->cb = cb;
    ping->ctx = ctx;
    ping->sent_ns = h2r_http2_clock_ns(s);
    h2r_send_commit(s, buf, h2r_frame_write_ping(buf, ping->payload, 0));
    return 0;
}

uint64_t h2r_http2_clock_ns(const h2r_session *s)
{
    return s->config->cb.clock_ns ? s->config->cb.clock_ns() : s->now_ms * 1000000u;
}

int h2r_http2_goaway(h2r_session *s, uint32_t error_code, int64_t last_stream_id, const uint8_t *data,
                     size_t len)
{
    if (s->phase == PHASE_CLOSED) return H2R_ERR_SESSION_CLOSED;
    uint32_t last =
        last_stream_id < 0 ? s->last_peer_stream_id : (uint32_t)last_stream_id & H2R_STREAM_ID_MASK;
    /* A later GOAWAY may only lower the last stream id (RFC 9113 §6.8). */
    if (s->goaway_sent && last > s->goaway_last_stream_id) last = s->goaway_last_stream_id;
    return h2r_send_goaway(s, last, error_code, data, len);
}

/* The PING after the first graceful GOAWAY came back: every stream the peer opened before it has arrived. */
static void on_drain_ping(h2r_session *s, int err, double duration_ms, const uint8_t payload[8], void *ctx)
{
    (void)duration_ms;
    (void)payload;
    (void)ctx;
    s->drain_ping_pending = 0;
    if (err || s->phase == PHASE_CLOSED) return;
    h2r_http2_goaway(s, H2R_NO_ERROR, s->last_peer_stream_id, NULL, 0);
    h2r_session_maybe_done(s);
}

void h2r_http2_close(h2r_session *s)
{
    if (s->closing) return;
    s->closing = 1;
    if (!s->goaway_sent && s->phase != PHASE_CLOSED) {
        /*
         * RFC 9113 §6.8: announce with the largest stream id, so that requests
         * already on their way are still served, then, one round trip later
         * (a PING), name the real last stream.
         */
        static const uint8_t drain_payload[8] = {'h', '2', 'r', 'd', 'r', 'a', 'i', 'n'};
        h2r_send_goaway(s, H2R_STREAM_ID_MASK, H2R_NO_ERROR, NULL, 0);
        if (h2r_http2_ping(s, drain_payload, on_drain_ping, NULL) == 0)
            s->drain_ping_pending = 1;
        else
            h2r_http2_goaway(s, H2R_NO_ERROR, s->last_peer_stream_id, NULL, 0);
    }
    h2r_session_maybe_done(s);
}

void h2r_http2_client_close(h2r_session *s)
{
    s->closing = 1;
    /*
     * What the server opens are pushes, which nobody retries: no round trip
     * first, as a server's close makes for requests on their way (§6.8).
     */
    if (!s->goaway_sent && s->phase != PHASE_CLOSED)
        h2r_send_goaway(s, s->last_peer_stream_id, H2R_NO_ERROR, NULL, 0);
    h2r_session_maybe_done(s);
}

void h2r_http2_destroy(h2r_session *s, uint32_t error_code)
{
    h2r_send_goaway(s, h2r_http2_goaway_last_stream_id(s), error_code, NULL, 0);
}

int h2r_http2_altsvc(h2r_session *s, uint32_t stream_id, const char *origin, const char *alt)
{
    size_t origin_len = origin ? strlen(origin) : 0, alt_len = strlen(alt);
    /* RFC 7838 §4: on stream 0 the origin is required, on a stream it must be empty. */
    if ((stream_id == 0) != (origin_len != 0) || origin_len > 0xffff || s->phase == PHASE_CLOSED)
        return H2R_ERR_INVALID_ARGUMENT;
    if (11 + origin_len + alt_len > s->remote.max_frame_size + H2R_FRAME_HEADER_LEN)
        return H2R_ERR_INVALID_ARGUMENT;
    uint8_t *buf = h2r_out_reserve(s, 11 + origin_len + alt_len);
    if (!buf) return H2R_ERR_NOMEM;
    size_t n = h2r_frame_write_altsvc(buf, stream_id, origin_len, alt_len);
    if (origin_len) memcpy(buf + n, origin, origin_len); /* origin may be NULL on a stream */
    memcpy(buf + n + origin_len, alt, alt_len);
    h2r_send_commit(s, buf, n + origin_len + alt_len);
    return 0;
}

int h2r_http2_origin(h2r_session *s, const char *const *origins, size_t count)
{
    if (s->phase == PHASE_CLOSED) return H2R_ERR_SESSION_CLOSED;
    size_t payload = 0;
    for (size_t i = 0; i != count; ++i) {
        size_t len = strlen(origins[i]);
        if (len == 0 || len > 0xffff) return H2R_ERR_INVALID_ARGUMENT;
        payload += 2 + len;
    }
    if (payload > s->remote.max_frame_size) return H2R_ERR_INVALID_ARGUMENT;
    uint8_t *buf = h2r_out_reserve(s, H2R_FRAME_HEADER_LEN + payload);
    if (!buf) return H2R_ERR_NOMEM;
    uint8_t *p = buf + h2r_frame_write_origin_header(buf, payload);
    for (size_t i = 0; i != count; ++i) {
        size_t len = strlen(origins[i]);
        *p++ = (uint8_t)(len >> 8);
        *p++ = (uint8_t)len;
        memcpy(p, origins[i], len);
        p += len;
    }
    h2r_send_commit(s, buf, H2R_FRAME_HEADER_LEN + payload);
    return 0;
}
