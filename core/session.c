/*
 * The session: life cycle, settings, ping, GOAWAY and shutdown (Node's
 * Http2Session). Receiving is in session_recv.c, sending in
 * session_send.c, streams in stream.c; the HTTP/1.1 mode in
 * session_http1.c and stream_http1.c, which the entry points here hand
 * over to.
 */
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"

const char *h2r_strerror(int err)
{
    switch (err) {
    case H2R_OK: return "success";
    case H2R_ERR_INVALID_ARGUMENT: return "invalid argument";
    case H2R_ERR_NOMEM: return "out of memory";
    case H2R_ERR_STREAM_CLOSED: return "stream is closed";
    case H2R_ERR_SESSION_CLOSED: return "session is closed or closing";
    case H2R_ERR_INVALID_STATE: return "not allowed in the stream's current state";
    case H2R_ERR_HEADERS_TOO_LARGE:
        return "header list larger than the send limit or the peer's max header list size";
    case H2R_ERR_INVALID_HEADER: return "header field not allowed in HTTP/2";
    case H2R_ERR_PUSH_DISABLED: return "push is disabled by the peer or not allowed on this stream";
    case H2R_ERR_STREAM_LIMIT: return "the peer's concurrent stream limit is reached";
    case H2R_ERR_TOO_MANY_PINGS: return "too many outstanding pings";
    case H2R_ERR_PROTOCOL: return "the peer violated the HTTP/2 protocol";
    default: return err < 0 && err > -100 ? h2r_hpack_strerror(err) : "unknown error";
    }
}

void h2r_settings_default(h2r_settings *s)
{
    *s = (h2r_settings){
        .header_table_size = 4096,
        .enable_push = 1,
        .max_concurrent_streams = UINT32_MAX,
        .initial_window_size = 65535,
        .max_frame_size = H2R_FRAME_MIN_MAX_SIZE,
        .max_header_list_size = UINT32_MAX,
        .enable_connect_protocol = 0,
        .no_rfc7540_priorities = 0,
    };
}

void h2r_session_options_init(h2r_session_options *o)
{
    memset(o, 0, sizeof(*o));
    h2r_settings_default(&o->settings);
    o->settings.max_concurrent_streams = 100;
    o->settings.max_header_list_size = 65536;
    o->max_header_list_pairs = 128;
    o->max_session_memory = 10u << 20;
    o->max_outstanding_pings = 10;
    o->max_send_header_block_length = 65536;
    o->max_session_invalid_frames = 1000;
    o->max_session_rejected_streams = 100;
    o->peer_max_concurrent_streams = 100;
    o->padding_strategy = H2R_PADDING_NONE;
    o->max_deflate_dynamic_table_size = 4096;
    o->connection_window_size = 1u << 20;
    o->max_continuations = 32;
    o->max_reset_streams = 200;
    o->max_control_queue_bytes = 64u << 10;
    o->stream_high_water_mark = 64u << 10;
    o->http1_max_buffered_input = 64u << 10;
    h2r_http1_limits parser;
    h2r_http1_limits_default(&parser);
    o->http1_max_request_line = parser.max_request_line;
    o->http1_max_head_size = parser.max_head_size;
    o->http1_max_trailer_size = parser.max_trailer_size;
    o->http1_max_chunk_ext_size = parser.max_chunk_ext_size;
    o->http1_max_body_size = parser.max_body_size;
}

static int settings_valid(const h2r_settings *s)
{
    return s->enable_push <= 1 && s->initial_window_size <= H2R_MAX_WINDOW &&
           s->max_frame_size >= H2R_FRAME_MIN_MAX_SIZE && s->max_frame_size <= H2R_FRAME_MAX_MAX_SIZE &&
           s->enable_connect_protocol <= 1 && s->no_rfc7540_priorities <= 1;
}

static int options_valid(const h2r_session_options *o)
{
    return settings_valid(&o->settings) && o->connection_window_size >= 65535 &&
           o->connection_window_size <= H2R_MAX_WINDOW && o->max_outstanding_pings <= 32 &&
           o->max_header_list_pairs > 0 && o->http1_max_request_line > 0 && o->http1_max_head_size > 0 &&
           o->http1_max_trailer_size > 0;
}

/*
 * An idle session must fit jemalloc's 768-byte size class: the next one up
 * is 896 bytes, and the session is what every open connection costs
 * (benchmark idle1000). Rarely used state goes in struct session_rare and
 * the header field scratch in its own, both allocated when first needed; a
 * server's sessions share their options and callbacks (h2r_session_profile).
 */
_Static_assert(sizeof(struct h2r_session) <= 768, "struct h2r_session outgrew jemalloc's 768-byte class");

static void config_init(struct session_config *config, const h2r_session_options *options,
                        const h2r_session_callbacks *callbacks)
{
    if (callbacks) config->cb = *callbacks;
    config->opt = (struct session_limits){
        .http1 = {.max_request_line = options->http1_max_request_line,
                  .max_head_size = options->http1_max_head_size,
                  .max_trailer_size = options->http1_max_trailer_size,
                  .max_chunk_ext_size = options->http1_max_chunk_ext_size,
                  .max_body_size = options->http1_max_body_size},
        .max_session_memory = options->max_session_memory,
        .max_send_header_block_length = options->max_send_header_block_length,
        .max_control_queue_bytes = options->max_control_queue_bytes,
        .stream_high_water_mark = options->stream_high_water_mark,
        .http1_max_buffered_input = options->http1_max_buffered_input,
        .max_header_list_pairs = options->max_header_list_pairs,
        .max_session_invalid_frames = options->max_session_invalid_frames,
        .max_session_rejected_streams = options->max_session_rejected_streams,
        .connection_window_size = options->connection_window_size,
        .max_continuations = options->max_continuations,
        .max_reset_streams = options->max_reset_streams,
        .max_outstanding_pings = options->max_outstanding_pings,
        .padding_strategy = options->padding_strategy,
    };
}

h2r_session_profile *h2r_session_profile_new(const h2r_session_options *options,
                                             const h2r_session_callbacks *callbacks)
{
    h2r_session_profile *profile = calloc(1, sizeof(*profile));
    if (!profile) return NULL;
    if (options)
        profile->options = *options;
    else
        h2r_session_options_init(&profile->options);
    if (!options_valid(&profile->options)) {
        free(profile);
        return NULL;
    }
    config_init(&profile->config, &profile->options, callbacks);
    return profile;
}

void h2r_session_profile_free(h2r_session_profile *profile)
{
    free(profile);
}

h2r_session *h2r_session_create(const struct h2r_protocol *proto, const h2r_session_profile *profile,
                                const h2r_session_options *options, const h2r_session_callbacks *callbacks,
                                void *user_data)
{
    h2r_session *s;
    h2r_session_options defaults;
    if (profile) {
        options = &profile->options;
        if (!(s = calloc(1, sizeof(*s)))) return NULL;
        s->config = &profile->config;
    } else {
        if (!options) {
            h2r_session_options_init(&defaults);
            options = &defaults;
        }
        if (!options_valid(options)) return NULL;
        /* Its own config, in the same allocation. */
        struct session_own {
            struct h2r_session session;
            struct session_config config;
        } *own = calloc(1, sizeof(*own));
        if (!own) return NULL;
        config_init(&own->config, options, callbacks);
        s = &own->session;
        s->config = &own->config;
    }
    s->proto = proto;
    s->user_data = user_data;

    /* Until SETTINGS are acknowledged both sides run on the protocol defaults (RFC 9113 §6.5.3). */
    h2r_settings_default(&s->local);
    h2r_settings_default(&s->remote);
    s->remote.max_concurrent_streams = options->peer_max_concurrent_streams;
    /* Our own limits that need no acknowledgment: we only ever enforce the looser of old and new. */
    s->local.max_header_list_size = options->settings.max_header_list_size;
    s->local.max_concurrent_streams = options->settings.max_concurrent_streams;

    h2r_sched_init(&s->sched);
    s->remote_window = 65535;
    s->local_window = 65535;
    return s;
}

struct http2_state *h2r_http2_state(h2r_session *s)
{
    if (!s->h2) s->h2 = calloc(1, sizeof(*s->h2));
    return s->h2;
}

/*
 * Sends SETTINGS as what differs from previous (what the peer has when it
 * reads them), and keeps them until their ACK.
 */
static int send_settings(h2r_session *s, const h2r_settings *settings, const h2r_settings *previous)
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

/* The server preface: our SETTINGS, then the connection window we really want. */
static h2r_session *server_preface(h2r_session *s, const h2r_session_options *options)
{
    if (!s) return NULL;
    s->phase = PHASE_PREFACE;
    s->next_push_id = 2;
    h2r_hpack_encoder_init(&s->encoder, options->max_deflate_dynamic_table_size);
    h2r_hpack_decoder_init(&s->decoder, H2R_HPACK_DEFAULT_TABLE_SIZE, options->settings.max_header_list_size);
    h2r_settings protocol_defaults;
    h2r_settings_default(&protocol_defaults);
    if (send_settings(s, &options->settings, &protocol_defaults) != 0 ||
        (s->config->opt.connection_window_size > 65535 &&
         h2r_send_window_update(s, 0, s->config->opt.connection_window_size - 65535) != 0)) {
        h2r_session_free(s);
        return NULL;
    }
    s->local_window = s->config->opt.connection_window_size;
    return s;
}

static const struct h2r_protocol http2_server;

h2r_session *h2r_session_server_new(const h2r_session_options *options,
                                    const h2r_session_callbacks *callbacks, void *user_data)
{
    h2r_session_options defaults;
    if (!options) {
        h2r_session_options_init(&defaults);
        options = &defaults;
    }
    return server_preface(h2r_session_create(&http2_server, NULL, options, callbacks, user_data), options);
}

h2r_session *h2r_session_server_new_with_profile(const h2r_session_profile *profile, void *user_data)
{
    return server_preface(h2r_session_create(&http2_server, profile, NULL, NULL, user_data),
                          &profile->options);
}

void h2r_session_free(h2r_session *s)
{
    if (!s) return;
    s->destroyed = 1;
    h2r_stream_release_all(s);
    h2r_release_inflight_all(s);
    s->proto->free(s);
    while (s->out_head) {
        struct out_block *next = s->out_head->next;
        free(s->out_head);
        s->out_head = next;
    }
    free(s->buckets);
    free(s->inflight);
    h2r_field_scratch_free(s->scratch);
    free(s);
}

/* Outstanding pings fail, and what HTTP/2 alone allocates goes. */
static void http2_free(h2r_session *s)
{
    struct http2_state *h2 = s->h2;
    for (uint32_t i = 0; h2 && i != h2->ping_count; ++i) {
        struct pending_ping *ping = &h2->pings[i];
        if (ping->cb) ping->cb(s, H2R_ERR_SESSION_CLOSED, ping->payload, ping->ctx);
    }
    h2r_hpack_encoder_dispose(&s->encoder);
    h2r_hpack_decoder_dispose(&s->decoder);
    if (h2) {
        free(h2->pings);
        free(h2->placeholders);
        free(h2->hblock);
        free(h2);
    }
    free(s->closed_ids);
    free(s->rx);
}

void *h2r_session_user_data(const h2r_session *s)
{
    return s->user_data;
}

void h2r_session_set_transport(h2r_session *s, void *transport)
{
    s->transport = transport;
}

void *h2r_session_transport(const h2r_session *s)
{
    return s->transport;
}

int h2r_session_want_read(const h2r_session *s)
{
    return s->proto->want_read(s);
}

static int http2_want_read(const h2r_session *s)
{
    return s->phase != PHASE_CLOSED;
}

ssize_t h2r_session_feed(h2r_session *s, const uint8_t *data, size_t len)
{
    h2r_session_enter(s);
    ssize_t n = s->proto->feed(s, data, len);
    h2r_session_leave(s);
    return n;
}

size_t h2r_session_pull(h2r_session *s, h2r_chunk *chunks, size_t max)
{
    h2r_session_enter(s);
    size_t n = s->proto->pull(s, chunks, max);
    h2r_session_leave(s);
    return n;
}

int h2r_session_want_write(const h2r_session *s)
{
    return s->proto->want_write(s);
}

int h2r_session_file_failed(h2r_session *s, size_t index)
{
    h2r_session_enter(s);
    int err = s->proto->file_failed(s, index);
    h2r_session_leave(s);
    return err;
}

int h2r_session_is_done(const h2r_session *s)
{
    int quiet = s->control_bytes == 0 && s->inflight_start == s->inflight_end;
    if (s->phase == PHASE_CLOSED) return quiet;
    return s->closing && !s->drain_ping_pending && s->stream_count == 0 && quiet;
}

void h2r_session_maybe_done(h2r_session *s)
{
    if (s->close_notified || !h2r_session_is_done(s)) return;
    if (s->call_depth) {
        s->close_deferred = 1;
        return;
    }
    s->close_notified = 1;
    if (s->config->cb.on_session_close) s->config->cb.on_session_close(s);
}

void h2r_session_leave(h2r_session *s)
{
    if (--s->call_depth || !s->close_deferred) return;
    s->close_deferred = 0;
    h2r_session_maybe_done(s); /* may free the session: nothing after it */
}

/* Stops reading and ends every stream: the common tail of connection errors and destroy(). */
static void shut_down(h2r_session *s)
{
    s->phase = PHASE_CLOSED;
    s->closing = 1;
    h2r_stream_release_all(s);
}

/* The last stream id for a GOAWAY sent now: the last the peer opened, but never above an earlier GOAWAY's
 * (§6.8). */
static uint32_t goaway_last_stream_id(const h2r_session *s)
{
    if (s->goaway_sent && s->goaway_last_stream_id < s->last_peer_stream_id) return s->goaway_last_stream_id;
    return s->last_peer_stream_id;
}

void h2r_session_connection_error(h2r_session *s, uint32_t code, const char *reason)
{
    if (s->phase == PHASE_CLOSED) return;
    /* RFC 9113 §5.4.1: GOAWAY with the last stream we processed, then close. */
    h2r_send_goaway(s, goaway_last_stream_id(s), code, (const uint8_t *)reason, reason ? strlen(reason) : 0);
    if (s->config->cb.on_session_error) s->config->cb.on_session_error(s, code, reason);
    shut_down(s);
}

void h2r_session_count_invalid_frame(h2r_session *s)
{
    if (++s->invalid_frames > s->config->opt.max_session_invalid_frames)
        h2r_session_connection_error(s, H2R_ENHANCE_YOUR_CALM, "too many invalid frames");
}

void h2r_session_set_timeout(h2r_session *s, uint32_t ms)
{
    s->timeout_ms = ms;
    s->active_ms = s->now_ms;
}

void h2r_session_tick(h2r_session *s, uint64_t now_ms)
{
    s->now_ms = now_ms;
    if (s->destroyed) return;
    h2r_session_enter(s);
    if (s->timeout_ms && now_ms - s->active_ms >= s->timeout_ms) {
        s->active_ms = now_ms; /* Node fires once per idle period */
        if (s->config->cb.on_session_timeout) s->config->cb.on_session_timeout(s);
    }
    if (s->timed_streams) h2r_stream_check_timeouts(s);
    h2r_session_leave(s);
}

int h2r_session_settings(h2r_session *s, const h2r_settings *settings)
{
    if (!s->proto->settings) return H2R_ERR_INVALID_STATE;
    return s->proto->settings(s, settings);
}

static int http2_settings(h2r_session *s, const h2r_settings *settings)
{
    if (s->phase == PHASE_CLOSED) return H2R_ERR_SESSION_CLOSED;
    if (!settings_valid(settings)) return H2R_ERR_INVALID_ARGUMENT;
    /*
     * The newest SETTINGS we sent is what the peer has when it reads these.
     * The server preface sent some, so with none waiting for their ACK it is
     * the last acknowledged: the local settings.
     */
    const h2r_settings *newest = &s->local;
    if (s->pending_local_count == 1) newest = &s->pending_local;
    if (s->pending_local_count > 1) newest = &s->h2->pending_local[s->pending_local_count - 2];
    return send_settings(s, settings, newest);
}

int h2r_session_pending_settings_ack(const h2r_session *s)
{
    return s->pending_local_count != 0;
}

void h2r_session_settings_timeout(h2r_session *s)
{
    if (s->proto->settings_timeout) s->proto->settings_timeout(s);
}

static void http2_settings_timeout(h2r_session *s)
{
    if (s->pending_local_count)
        h2r_session_connection_error(s, H2R_SETTINGS_TIMEOUT, "SETTINGS not acknowledged");
}

const h2r_settings *h2r_session_local_settings(const h2r_session *s)
{
    return &s->local;
}

const h2r_settings *h2r_session_remote_settings(const h2r_session *s)
{
    return &s->remote;
}

int h2r_session_ping(h2r_session *s, const uint8_t payload[8], h2r_ping_cb cb, void *ctx)
{
    if (!s->proto->ping) return H2R_ERR_INVALID_STATE;
    return s->proto->ping(s, payload, cb, ctx);
}

static int http2_ping(h2r_session *s, const uint8_t payload[8], h2r_ping_cb cb, void *ctx)
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
    memcpy(ping->payload, payload, 8);
    ping->cb = cb;
    ping->ctx = ctx;
    h2r_out_commit(s, h2r_frame_write_ping(buf, payload, 0));
    return 0;
}

int h2r_session_goaway(h2r_session *s, uint32_t error_code, int64_t last_stream_id, const uint8_t *data,
                       size_t len)
{
    if (!s->proto->goaway) return H2R_ERR_INVALID_STATE;
    return s->proto->goaway(s, error_code, last_stream_id, data, len);
}

static int http2_goaway(h2r_session *s, uint32_t error_code, int64_t last_stream_id, const uint8_t *data,
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
static void on_drain_ping(h2r_session *s, int err, const uint8_t payload[8], void *ctx)
{
    (void)payload;
    (void)ctx;
    s->drain_ping_pending = 0;
    if (err || s->phase == PHASE_CLOSED) return;
    http2_goaway(s, H2R_NO_ERROR, s->last_peer_stream_id, NULL, 0);
    h2r_session_maybe_done(s);
}

static void http2_close(h2r_session *s)
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
        if (http2_ping(s, drain_payload, on_drain_ping, NULL) == 0)
            s->drain_ping_pending = 1;
        else
            http2_goaway(s, H2R_NO_ERROR, s->last_peer_stream_id, NULL, 0);
    }
    h2r_session_maybe_done(s);
}

void h2r_session_close(h2r_session *s)
{
    h2r_session_enter(s);
    s->proto->close(s);
    h2r_session_leave(s);
}

void h2r_session_destroy(h2r_session *s, uint32_t error_code)
{
    if (s->phase == PHASE_CLOSED) return;
    h2r_session_enter(s);
    if (s->proto->destroy) s->proto->destroy(s, error_code);
    shut_down(s);
    h2r_session_maybe_done(s);
    h2r_session_leave(s);
}

static void http2_destroy(h2r_session *s, uint32_t error_code)
{
    h2r_send_goaway(s, goaway_last_stream_id(s), error_code, NULL, 0);
}

int h2r_session_altsvc(h2r_session *s, uint32_t stream_id, const char *origin, const char *alt)
{
    if (!s->proto->altsvc) return H2R_ERR_INVALID_STATE;
    return s->proto->altsvc(s, stream_id, origin, alt);
}

static int http2_altsvc(h2r_session *s, uint32_t stream_id, const char *origin, const char *alt)
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
    h2r_out_commit(s, n + origin_len + alt_len);
    return 0;
}

int h2r_session_origin(h2r_session *s, const char *const *origins, size_t count)
{
    if (!s->proto->origin) return H2R_ERR_INVALID_STATE;
    return s->proto->origin(s, origins, count);
}

static int http2_origin(h2r_session *s, const char *const *origins, size_t count)
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
    h2r_out_commit(s, H2R_FRAME_HEADER_LEN + payload);
    return 0;
}

void h2r_session_get_state(const h2r_session *s, h2r_session_state *st)
{
    *st = (h2r_session_state){.last_proc_stream_id = s->last_peer_stream_id,
                              .open_streams = s->stream_count,
                              .outbound_queue_size = s->control_bytes + s->queued_data_bytes};
    if (s->proto->get_state) s->proto->get_state(s, st);
}

static void http2_get_state(const h2r_session *s, h2r_session_state *st)
{
    st->effective_local_window_size = s->local_window;
    st->remote_window_size = s->remote_window;
    st->next_stream_id = s->next_push_id;
    st->deflate_dynamic_table_size = h2r_hpack_encoder_table_size(&s->encoder);
    st->inflate_dynamic_table_size = h2r_hpack_decoder_table_size(&s->decoder);
}

static const struct h2r_protocol http2_server = {
    .feed = h2r_http2_feed,
    .pull = h2r_http2_pull,
    .want_read = http2_want_read,
    .want_write = h2r_http2_want_write,
    .file_failed = h2r_http2_file_failed,
    .close = http2_close,
    .destroy = http2_destroy,
    .get_state = http2_get_state,
    .free = http2_free,
    .respond = h2r_http2_respond,
    .interim = h2r_http2_interim,
    .send_trailers = h2r_http2_send_trailers,
    .reset = h2r_http2_reset,
    .stream_closed = h2r_http2_stream_closed,
    .settings = http2_settings,
    .settings_timeout = http2_settings_timeout,
    .ping = http2_ping,
    .goaway = http2_goaway,
    .altsvc = http2_altsvc,
    .origin = http2_origin,
    .priority = h2r_http2_priority,
    .push = h2r_http2_push,
};
