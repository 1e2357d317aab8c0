/*
 * The session's public calls (Node's Http2Session), for every kind: what
 * they check alike, then the kind's table (struct h2r_protocol) does the
 * rest. The kinds and their constructors are in http2_server.c,
 * http1_server.c and http1_client.c.
 */
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
    case H2R_ERR_WRONG_THREAD: return "called from another thread than the one that runs the session";
    default: return err < 0 && err > -100 ? h2r_hpack_strerror(err) : "unknown error";
    }
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

int h2r_session_eof(h2r_session *s)
{
    if (!s->proto->eof) return 0;
    h2r_session_enter(s);
    int err = s->proto->eof(s);
    h2r_session_leave(s);
    return err;
}

void h2r_session_sent(h2r_session *s, size_t bytes)
{
    h2r_session_enter(s);
    h2r_out_sent(s, bytes);
    h2r_session_leave(s);
}

int h2r_session_file_failed(h2r_session *s, size_t index)
{
    h2r_session_enter(s);
    int err = s->proto->file_failed(s, index);
    h2r_session_leave(s);
    return err;
}

int h2r_session_want_write(const h2r_session *s)
{
    return s->proto->want_write(s);
}

int h2r_session_want_read(const h2r_session *s)
{
    return s->proto->want_read(s);
}

int h2r_session_input_paused(const h2r_session *s)
{
    return s->proto->input_paused && s->proto->input_paused(s);
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
    h2r_out_release_idle(s);
    h2r_session_leave(s);
}

int h2r_session_settings(h2r_session *s, const h2r_settings *settings)
{
    if (!s->proto->settings) return H2R_ERR_INVALID_STATE;
    return s->proto->settings(s, settings);
}

int h2r_session_pending_settings_ack(const h2r_session *s)
{
    return s->pending_local_count != 0;
}

void h2r_session_settings_timeout(h2r_session *s)
{
    if (s->proto->settings_timeout) s->proto->settings_timeout(s);
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

int h2r_session_goaway(h2r_session *s, uint32_t error_code, int64_t last_stream_id, const uint8_t *data,
                       size_t len)
{
    if (!s->proto->goaway) return H2R_ERR_INVALID_STATE;
    return s->proto->goaway(s, error_code, last_stream_id, data, len);
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
    h2r_session_shut_down(s);
    h2r_session_maybe_done(s);
    h2r_session_leave(s);
}

int h2r_session_altsvc(h2r_session *s, uint32_t stream_id, const char *origin, const char *alt)
{
    if (!s->proto->altsvc) return H2R_ERR_INVALID_STATE;
    return s->proto->altsvc(s, stream_id, origin, alt);
}

int h2r_session_origin(h2r_session *s, const char *const *origins, size_t count)
{
    if (!s->proto->origin) return H2R_ERR_INVALID_STATE;
    return s->proto->origin(s, origins, count);
}

int h2r_session_request(h2r_session *s, const h2r_header *headers, size_t count, unsigned flags,
                        h2r_stream **stream)
{
    if (!s->proto->request) return H2R_ERR_INVALID_STATE;
    if (!stream || (count && !headers) ||
        (flags & ~(unsigned)(H2R_REQUEST_END_STREAM | H2R_REQUEST_WAIT_FOR_TRAILERS)))
        return H2R_ERR_INVALID_ARGUMENT;
    h2r_session_enter(s);
    int err = s->proto->request(s, headers, count, flags, stream);
    h2r_session_leave(s);
    return err;
}

int h2r_session_is_client(const h2r_session *s)
{
    return s->proto->request != NULL;
}

void h2r_session_get_state(const h2r_session *s, h2r_session_state *st)
{
    *st = (h2r_session_state){.last_proc_stream_id = s->last_peer_stream_id,
                              .open_streams = s->stream_count,
                              .outbound_queue_size = s->control_bytes + s->queued_data_bytes};
    if (s->proto->get_state) s->proto->get_state(s, st);
}
