/*
 * The HTTP/2 kind of session: what its files share. They call down, in
 * this order, and into the machinery every kind shares (session_internal.h):
 *
 *   http2_server.c     the server's protocol table and constructors
 *   http2_client.c     the client's protocol table, constructor and requests
 *   http2_recv.c       frames in: the preface, dispatch, DATA, RST_STREAM,
 *                      SETTINGS, PING, GOAWAY, WINDOW_UPDATE
 *   http2_headers.c    HEADERS, PUSH_PROMISE and CONTINUATION in: header
 *                      blocks put together and decoded, requests and
 *                      trailers, a client's responses and promises
 *   http2_priority.c   PRIORITY and PRIORITY_UPDATE, placeholders, the
 *                      priority field, h2r_stream_priority
 *   http2_control.c    the first SETTINGS, SETTINGS sent, PING, GOAWAY,
 *                      graceful close, ALTSVC, ORIGIN: the session's own calls
 *   http2_stream.c     the stream calls: responses, trailers, resets, pushes
 *   http2_data.c       DATA frames out, pull, file ranges that failed
 *   http2_session.c    want_read, get_state, errors, closed streams, the
 *                      state made on demand
 *   http2_send.c       the other frames out: control frames, header blocks
 */
#ifndef H2R_CORE_HTTP2_H
#define H2R_CORE_HTTP2_H

#include "session_internal.h"

#define H2R_CLIENT_PREFACE     "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define H2R_CLIENT_PREFACE_LEN 24

/* Recently closed streams, to tell "closed" from "never opened" (RFC 9113 §5.1). */
#define CLOSED_STREAM_MEMORY 64

/* SETTINGS of ours that may wait for their ACK at once (h2r_session_settings refuses more). */
#define PENDING_SETTINGS_MAX 4

/* A ping we sent, waiting for its ACK. */
struct pending_ping {
    uint8_t payload[8];
    h2r_ping_cb cb;
    void *ctx;
    uint64_t sent_ns; /* h2r_http2_clock_ns when it was queued */
};

/*
 * What a HEADERS frame carried besides its block, and the block: in the
 * frame itself, or put together from CONTINUATION frames.
 */
struct h2r_headers_info {
    uint32_t stream_id;
    uint32_t promised_id; /* a PUSH_PROMISE's promised stream; 0 for HEADERS */
    int end_stream;
    int has_priority;
    struct h2r_priority_spec priority;
    const uint8_t *block;
    size_t block_len;
};

/* A PRIORITY frame's idle stream, kept in the tree so that others can depend on it. */
struct placeholder {
    uint32_t id;
    struct h2r_sched_node node;
};
#define H2R_MAX_PLACEHOLDERS 32

/*
 * HTTP/2 state an idle session does without, allocated the first time a
 * part of it is needed (h2r_http2_state) so that the session itself fits a
 * smaller allocation: SETTINGS queued behind others, a header block being
 * put together, our pings, PRIORITY placeholders.
 */
struct http2_state {
    /* SETTINGS sent after the oldest unacknowledged one (session->pending_local), oldest first */
    h2r_settings pending_local[PENDING_SETTINGS_MAX - 1];

    /* a header block being put together from CONTINUATION frames (session->hblock_stream_id) */
    struct h2r_headers_info hblock_info; /* its block: hblock, once complete */
    uint8_t *hblock;
    size_t hblock_len, hblock_cap;
    uint32_t hblock_continuations;

    /* pings we sent */
    uint32_t ping_count;
    uint32_t ping_serial;       /* numbers the payloads the session chooses (h2r_session_ping with NULL) */
    struct pending_ping *pings; /* max_outstanding_pings of them, allocated with the first ping */

    /* idle streams a PRIORITY frame named */
    struct placeholder *placeholders; /* H2R_MAX_PLACEHOLDERS of them, allocated with the first */
    uint32_t placeholder_count, placeholder_next;

    /* a client's, made with it: the thread that made it, whose calls alone it takes, and its requests' */
    pthread_t client_thread;
    char *client_scheme; /* default :scheme, then a NUL and the default :authority (client_authority) */
    const char *client_authority;
};

/* ---- http2_recv.c ---- */

ssize_t h2r_http2_feed(h2r_session *session, const uint8_t *data, size_t len);

/* ---- http2_headers.c: frame handlers ---- */

void h2r_http2_recv_headers(h2r_session *session, const struct h2r_frame_header *header,
                            const uint8_t *payload);
void h2r_http2_recv_continuation(h2r_session *session, const struct h2r_frame_header *header,
                                 const uint8_t *payload);
/* A client's: header blocks are responses (1xx, final), trailers, and the server's promises. */
void h2r_http2_client_recv_headers(h2r_session *session, const struct h2r_frame_header *header,
                                   const uint8_t *payload);
void h2r_http2_client_recv_continuation(h2r_session *session, const struct h2r_frame_header *header,
                                        const uint8_t *payload);
void h2r_http2_recv_push_promise(h2r_session *session, const struct h2r_frame_header *header,
                                 const uint8_t *payload);

/* ---- http2_priority.c ---- */

void h2r_http2_recv_priority(h2r_session *session, const struct h2r_frame_header *header,
                             const uint8_t *payload);
void h2r_http2_recv_priority_update(h2r_session *session, const struct h2r_frame_header *header,
                                    const uint8_t *payload);
/* The tree node of an open stream or an idle one's placeholder; NULL for the root or outside the tree. */
struct h2r_sched_node *h2r_http2_priority_parent(h2r_session *session, uint32_t id);
/* Applies a priority field value (RFC 9218: urgency and incremental) to the stream. */
void h2r_http2_apply_priority_field(h2r_session *session, h2r_stream *stream, const char *value, size_t len);
/* h2r_stream_priority. */
int h2r_http2_priority(h2r_stream *stream, uint32_t parent, uint16_t weight, int exclusive, int silent);
/* h2r_stream_set_urgency. */
int h2r_http2_urgency(h2r_stream *stream, unsigned urgency, int incremental);

/* ---- http2_control.c: the session's own calls ---- */

/* What both roles queue first (after a client's preface): SETTINGS, the connection window; 0 or an error. */
int h2r_http2_start(h2r_session *session, const h2r_session_options *options);
/* The newest SETTINGS we sent: what the peer has once it reads them. */
const h2r_settings *h2r_http2_newest_settings(const h2r_session *session);
/* Sends SETTINGS as what differs from previous, and keeps them until their ACK. */
int h2r_http2_send_settings(h2r_session *session, const h2r_settings *settings, const h2r_settings *previous);
int h2r_http2_settings(h2r_session *session, const h2r_settings *settings);
void h2r_http2_settings_timeout(h2r_session *session);
int h2r_http2_ping(h2r_session *session, const uint8_t payload[8], h2r_ping_cb cb, void *ctx);
/* The clock a ping's round trip is measured with: the callbacks' clock_ns, else the last tick's time. */
uint64_t h2r_http2_clock_ns(const h2r_session *session);
int h2r_http2_goaway(h2r_session *session, uint32_t error_code, int64_t last_stream_id, const uint8_t *data,
                     size_t len);
void h2r_http2_close(h2r_session *session);
/* A client's graceful close: GOAWAY naming the last push, no new requests, done when its streams are. */
void h2r_http2_client_close(h2r_session *session);
void h2r_http2_destroy(h2r_session *session, uint32_t error_code);
int h2r_http2_altsvc(h2r_session *session, uint32_t stream_id, const char *origin, const char *alt);
int h2r_http2_origin(h2r_session *session, const char *const *origins, size_t count);

/* ---- http2_stream.c: the stream calls, after the checks every kind makes ---- */

int h2r_http2_respond(h2r_stream *stream, const h2r_header *headers, size_t count, unsigned flags);
int h2r_http2_interim(h2r_stream *stream, const h2r_header *headers, size_t count);
int h2r_http2_send_trailers(h2r_stream *stream, const h2r_header *headers, size_t count);
int h2r_http2_reset(h2r_stream *stream, uint32_t error_code);
int h2r_http2_push(h2r_stream *stream, const h2r_header *headers, size_t count, h2r_stream **pushed);
/*
 * The stream's HEADERS are queued (a response, or a client's request) with
 * H2R_RESPOND_* flags (the same values as H2R_REQUEST_*): what may follow.
 * Inline: it is every response's.
 */
static inline void h2r_http2_headers_queued(h2r_stream *st, unsigned flags)
{
    int end_stream = (flags & H2R_RESPOND_END_STREAM) != 0;
    int want_trailers = (flags & H2R_RESPOND_WAIT_FOR_TRAILERS) != 0;
    st->flags |= STREAM_HEADERS_SENT;
    if (want_trailers) st->flags |= STREAM_WANT_TRAILERS;
    if (end_stream) {
        st->flags |= STREAM_END_REQUESTED;
        if (!want_trailers) {
            h2r_stream_on_end_sent(st);
            return;
        }
    }
    h2r_stream_update_ready(st);
}
/*
 * defaults, then headers: in local (32 fields) when they fit, else
 * allocated (free it when it is not local); NULL when out of memory.
 */
h2r_header *h2r_http2_fields_with_defaults(h2r_header local[32], const h2r_header *defaults,
                                           size_t n_defaults, const h2r_header *headers, size_t count);
/*
 * Gives the peer back the stream window the request body used (unacked_bytes)
 * once it is half a window, unless the stream is paused; 0 or H2R_ERR_NOMEM.
 * Also resume's: the WINDOW_UPDATE held back while paused.
 */
int h2r_http2_return_window(h2r_stream *stream);

/* ---- http2_data.c ---- */

size_t h2r_http2_pull(h2r_session *session, h2r_chunk *chunks, size_t max);
int h2r_http2_want_write(const h2r_session *session);
int h2r_http2_file_failed(h2r_session *session, size_t index);

/* ---- http2_session.c ---- */

/* What both roles' tables share: want_read and get_state. */
int h2r_http2_want_read(const h2r_session *session);
void h2r_http2_get_state(const h2r_session *session, h2r_session_state *state);
/* The session's HTTP/2 state, allocated on the first call; NULL if out of memory. */
struct http2_state *h2r_http2_state(h2r_session *session);
/* Outstanding pings fail, and what HTTP/2 alone allocates goes (h2r_session_free). */
void h2r_http2_free(h2r_session *session);
/* A connection error (RFC 9113 §5.4.1): GOAWAY with code, on_session_error, every stream closed. */
void h2r_http2_connection_error(h2r_session *session, uint32_t code, const char *reason);
/* A frame that did nothing but cost us; past max_session_invalid_frames, a connection error. */
void h2r_http2_count_invalid_frame(h2r_session *session);
/* A stream error (RFC 9113 §5.4.2) on an open stream: reset, counted against the reset budget. */
void h2r_http2_stream_error(h2r_stream *stream, uint32_t code);
/* A stream error on a stream we hold no object for (refused, malformed, idle PRIORITY...). */
void h2r_http2_stream_error_no_object(h2r_session *session, uint32_t id, uint32_t code);
/* Was the stream id one of the streams closed lately? *reset_by_us says if we reset it. */
int h2r_http2_was_closed(const h2r_session *session, uint32_t id, int *reset_by_us);
/* The stream left the table: its id is remembered, and one that ran its course earns back reset budget. */
void h2r_http2_stream_closed(h2r_stream *stream);
/* The last stream id for a GOAWAY sent now: the last the peer opened, never above an earlier GOAWAY's. */
uint32_t h2r_http2_goaway_last_stream_id(const h2r_session *session);

/* A client opens odd stream ids (requests), a server even ones (pushes). */
static inline int h2r_http2_is_client(const h2r_session *session)
{
    return session->next_stream_id & 1;
}

/* Is the id one of the peer's (the other parity than ours)? */
static inline int h2r_http2_is_peer_id(const h2r_session *session, uint32_t id)
{
    return ((id ^ session->next_stream_id) & 1) != 0;
}

/* Is this id one the peer could not have used yet (RFC 9113 §5.1 "idle")? */
static inline int h2r_http2_is_idle(const h2r_session *session, uint32_t id)
{
    if (h2r_http2_is_peer_id(session, id)) return id > session->last_peer_stream_id;
    return id >= session->next_stream_id;
}

/* A stream the peer opened after our GOAWAY: never processed, its frames only minimally (RFC 9113 §6.8). */
static inline int h2r_http2_after_goaway(const h2r_session *session, uint32_t id)
{
    return session->goaway_sent && h2r_http2_is_peer_id(session, id) && id > session->goaway_last_stream_id;
}

/* ---- http2_send.c ---- */

/* Tells on_frame of the frames in the len bytes at frames, just queued (a DATA frame's header alone: its
 * payload is not in the queue). */
void h2r_send_trace(h2r_session *session, const uint8_t *frames, size_t len);
/* Commits len bytes of whole frames written at buf (h2r_out_reserve), traced if the application asks. */
static inline void h2r_send_commit(h2r_session *session, const uint8_t *buf, size_t len)
{
    h2r_out_commit(session, len);
    if (session->config->cb.on_frame) h2r_send_trace(session, buf, len);
}

int h2r_send_rst_stream(h2r_session *session, uint32_t stream_id, uint32_t code);
int h2r_send_window_update(h2r_session *session, uint32_t stream_id, uint32_t increment);
int h2r_send_goaway(h2r_session *session, uint32_t last_stream_id, uint32_t code, const uint8_t *data,
                    size_t len);
int h2r_send_settings(h2r_session *session, const h2r_settings *settings, const h2r_settings *previous);
/* Encodes and queues a header block as HEADERS (or PUSH_PROMISE) + CONTINUATION frames. */
int h2r_send_header_block(h2r_session *session, uint8_t type, uint32_t stream_id, uint32_t promised_id,
                          const h2r_header *headers, size_t count, int end_stream);
/* Padding for a frame whose payload is len bytes, with room for `room` more bytes; -1 for none. */
int h2r_send_padding(const h2r_session *session, size_t len, size_t room);

#endif
