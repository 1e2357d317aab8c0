/*
 * The session's and the stream's private layout, and the machinery every
 * kind of session shares, which the protocols' files call down into:
 *
 *   session.c, stream.c     the public calls: checks every kind makes, then
 *                           the kind's table (struct h2r_protocol)
 *   http2_*.c, http1_*.c    the kinds (http2.h, http1.h)
 *   session_base.c          making and freeing a session of any kind
 *   stream_state.c          what a stream's end, data and trailers do
 *   stream_table.c          the stream table, making and closing streams
 *   output.c                the output queue and the chunks in flight
 *   session_done.c          when a session is done (on_session_close)
 *   options.c, field_scratch.c, array.c, and the leaves: frame.c,
 *   message.c, scheduler.c, http1/, hpack/
 *
 * Each file calls only files below it; the table and the hooks in it are
 * how the shared machinery reaches the kind.
 */
#ifndef H2R_CORE_SESSION_INTERNAL_H
#define H2R_CORE_SESSION_INTERNAL_H

#include <assert.h>
#include <pthread.h>

#include "field_scratch.h"
#include "frame.h"
#include "h2ring/engine.h"
#include "http1_parser.h"
#include "message.h"
#include "scheduler.h"

/* ---- output: control bytes and in-flight chunks ---- */

/* A block of bytes the session wrote itself: frame headers, control frames, header blocks. */
struct out_block {
    struct out_block *next;
    size_t len;     /* bytes written into it */
    size_t pulled;  /* bytes handed out as chunks */
    size_t written; /* bytes the I/O layer reported written */
    size_t cap;
    uint8_t data[];
};

/* A chunk handed to the I/O layer, with what to release once it is written. */
struct inflight {
    h2r_chunk chunk;
    struct out_block *block; /* session bytes: the block they are in */
    h2r_release_cb release;  /* application data: called once written */
    void *release_ctx;
    const void *release_data;
    size_t release_len;
    /*
     * DATA payload: its frame's header (in a control block) and the in-flight
     * chunk holding it, so that h2r_session_file_failed can shrink a frame
     * that is not yet written; NULL for anything else.
     */
    uint8_t *frame_header;
    uint64_t header_seq;
    uint32_t stream_id;
};

/* Application data queued on a stream: memory by reference, or a file range. */
struct data_item {
    struct data_item *next;
    union {
        const uint8_t *base; /* memory, fd -1 */
        int64_t offset;      /* a file range's start in fd */
    };
    int fd;
    size_t len;                 /* bytes in all */
    size_t framed;              /* bytes already put in DATA frames */
    uint64_t last_inflight_seq; /* the in-flight chunk that holds its latest framed bytes */
    h2r_release_cb release;
    void *release_ctx;
};

/* One per stream whose response waits for its window (the HTTP/2 Bomb holds thousands): jemalloc's 64. */
_Static_assert(sizeof(struct data_item) <= 64, "a data item in 64 bytes");

/* The memory a data item refers to, NULL for a file range (what its release callback is given). */
static inline const uint8_t *h2r_data_item_memory(const struct data_item *item)
{
    return item->fd < 0 ? item->base : NULL;
}

/* ---- streams ---- */

enum stream_flags {
    STREAM_HEADERS_SENT = 1u << 0,     /* our HEADERS are queued: the final response, or a client's request */
    STREAM_END_REQUESTED = 1u << 1,    /* end() was called (or respond with END_STREAM) */
    STREAM_END_SENT = 1u << 2,         /* END_STREAM is queued: we are half-closed (local) */
    STREAM_END_RECEIVED = 1u << 3,     /* the peer sent END_STREAM: half-closed (remote) */
    STREAM_WANT_TRAILERS = 1u << 4,    /* respond() (or request()) asked for on_want_trailers */
    STREAM_TRAILERS_ASKED = 1u << 5,   /* on_want_trailers was called */
    STREAM_PUSHED = 1u << 6,           /* a pushed stream: promised by us (server) or to us (client) */
    STREAM_CLOSED = 1u << 7,           /* closed: only the object is left */
    STREAM_ABORTED = 1u << 8,          /* ended by a reset or the session's death */
    STREAM_RESET_BY_US = 1u << 9,      /* we sent RST_STREAM */
    STREAM_BLOCKED_ON_CONN = 1u << 10, /* data queued, waiting for the connection window */
    STREAM_DRAIN_WANTED = 1u << 11,    /* a write returned 0: on_drain when the buffer empties enough */
    STREAM_IS_HEAD = 1u << 12,         /* the request was HEAD: no response body */
    STREAM_COUNTED_OPEN = 1u << 13,    /* counted in the session's open streams */
    STREAM_INTERNAL = 1u << 14,        /* answered by the session itself: the application never sees it */
    STREAM_HTTP11 = 1u << 15,          /* an HTTP/1.1 exchange (http1_read.c) */
    STREAM_HTTP10 = 1u << 16,          /* an HTTP/1.0 exchange */
    STREAM_PAUSED = 1u << 17,          /* h2r_stream_pause: the request body is held where it is */
    STREAM_KEPT = 1u << 18,            /* closed while still referenced: counted in kept_streams */
    STREAM_LOCAL = 1u << 19,           /* opened by us: a server's push, a client's request */
    STREAM_HEAD_RECEIVED = 1u << 20,   /* the peer's head is in: the request, or a client's final response */
    STREAM_END_IN_HEADERS = 1u << 21,  /* the request's HEADERS had END_STREAM (Node's endAfterHeaders) */
    STREAM_CONTENT_LENGTH = 1u << 22,  /* HTTP/2: the peer's head has a content-length (content_left) */
};

struct h2r_stream {
    h2r_session *session;
    pthread_t thread; /* the one that made it, which runs its session: its calls come from there */
    struct h2r_stream *hash_next;
    struct h2r_stream *blocked_next; /* the session's list of streams waiting for the connection window */
    uint32_t id;
    uint32_t flags;
    uint32_t refcount;
    uint32_t rst_code;
    void *user_data;
    struct h2r_sched_node sched;

    /* send side */
    int64_t remote_window; /* what the peer lets us send */
    struct data_item *data_head, *data_tail;
    size_t queued_bytes; /* data not yet framed (Node's bufferSize) */

    /* receive side */
    int64_t local_window;   /* what we let the peer send */
    uint32_t unacked_bytes; /* consumed and not yet returned by WINDOW_UPDATE */
    uint32_t held_bytes;    /* counted in the session's memory_bytes (h2r_stream_hold) */
    uint64_t content_left;  /* STREAM_CONTENT_LENGTH: the DATA bytes its content-length still expects */

    /* Node's setTimeout: 0 when off */
    uint64_t active_ms; /* the session's clock at the stream's last frame */
    uint32_t timeout_ms;

    /*
     * The request's :authority and :scheme, kept for pushes' defaults while
     * the peer takes pushes (bytes follow the struct). Without them a stream
     * fits 256 bytes: a _Static_assert in stream_table.c holds it there.
     */
    uint16_t authority_len, scheme_len;
    char request_info[];
};

/* ---- the session ---- */

enum session_phase {
    PHASE_PREFACE,  /* waiting for the client's connection preface */
    PHASE_SETTINGS, /* the preface is in (a client starts here); the first frame must be SETTINGS */
    PHASE_FRAMES,
    PHASE_CLIENT_FRAMES, /* a client's past the server's SETTINGS: blocks are responses and promises */
    PHASE_CLOSED,        /* reading stopped after a connection error or destroy */
};

/*
 * The options the session still needs once it is made (h2r_session_options
 * less the SETTINGS, which are sent and then kept as local settings, and
 * what only the constructor uses).
 */
struct session_limits {
    h2r_http1_limits http1;
    size_t max_session_memory;
    size_t max_send_header_block_length;
    size_t max_control_queue_bytes;
    size_t stream_high_water_mark;
    size_t http1_max_buffered_input;
    uint32_t max_header_list_pairs;
    uint32_t max_session_invalid_frames;
    uint32_t max_session_rejected_streams;
    uint32_t connection_window_size;
    uint32_t max_continuations;
    uint32_t max_reset_streams;
    uint32_t max_outstanding_pings;
    uint32_t output_stall_timeout_ms;
    enum h2r_padding_strategy padding_strategy;
};

/* What a session reads of its options and callbacks once it is made. */
struct session_config {
    h2r_session_callbacks cb;
    struct session_limits opt;
};

/* h2ring/engine.h's profile: a config many sessions point to, and the options each of them starts from. */
struct h2r_session_profile {
    struct session_config config;
    h2r_session_options options;
};

/*
 * What a kind of session does where the kinds differ: one table per
 * protocol and role (the HTTP/2 server, the HTTP/1.1 server; clients are
 * further tables), chosen when the session is made. The public calls
 * (session.c, stream.c) go through it, after what every kind checks alike;
 * the machinery every kind shares calls back through its hooks. Entries
 * said to be optional may be NULL.
 */
struct h2r_protocol {
    /* ---- the session's calls ---- */
    ssize_t (*feed)(h2r_session *session, const uint8_t *data, size_t len);
    /* Makes output as room allows (h2r_out_pull) and hands out chunks. */
    size_t (*pull)(h2r_session *session, h2r_chunk *chunks, size_t max);
    int (*want_read)(const h2r_session *session);
    int (*want_write)(const h2r_session *session);
    int (*file_failed)(h2r_session *session, size_t index);
    /* Graceful (h2r_session_close). */
    void (*close)(h2r_session *session);
    /* What the peer is told before every stream is dropped (h2r_session_destroy). Optional. */
    void (*destroy)(h2r_session *session, uint32_t error_code);
    /* What only the kind knows of h2r_session_state: windows, input kept, HPACK tables. Optional: zero. */
    void (*get_state)(const h2r_session *session, h2r_session_state *state);
    /* Frees the protocol's own state (h2r_session_free). */
    void (*free)(h2r_session *session);
    /* Input is held for a paused stream: the I/O layer should stop receiving. Optional: never. */
    int (*input_paused)(const h2r_session *session);

    /* The peer sends nothing more (h2r_session_eof). Optional: nothing to do. */
    int (*eof)(h2r_session *session);

    /*
     * A client's request (h2r_session_request). NULL for servers:
     * H2R_ERR_INVALID_STATE. The session keeps no thread (it has no room
     * to spare): a kind that takes requests keeps the one that made it, and
     * refuses others with H2R_ERR_WRONG_THREAD here.
     */
    int (*request)(h2r_session *session, const h2r_header *headers, size_t count, unsigned flags,
                   h2r_stream **stream);

    /*
     * ---- the stream's calls, after the checks every kind makes ----
     * respond and interim are NULL for clients, whose streams the checks
     * turn away first: a request's HEADERS are sent, a push is not ours to
     * send on.
     */
    int (*respond)(h2r_stream *stream, const h2r_header *headers, size_t count, unsigned flags);
    /* A 1xx response (h2r_stream_additional_headers). */
    int (*interim)(h2r_stream *stream, const h2r_header *headers, size_t count);
    int (*send_trailers)(h2r_stream *stream, const h2r_header *headers, size_t count);
    /* What the peer is told before the stream closes (h2r_stream_close). Optional. */
    int (*reset)(h2r_stream *stream, uint32_t error_code);
    /* The stream was resumed (h2r_stream_resume): what its pause held back goes on. */
    int (*resume)(h2r_stream *stream);

    /* ---- hooks of the shared machinery ---- */
    /* The stream left the table (h2r_stream_close_internal), before its callbacks. */
    void (*stream_closed)(h2r_stream *stream);
    /* Output was written (h2r_session_sent). Optional. */
    void (*output_drained)(h2r_session *session);

    /* ---- HTTP/2's own calls: NULL where the protocol or the role has none ---- */
    /* NULL: H2R_ERR_INVALID_STATE, as for the next ones */
    int (*settings)(h2r_session *session, const h2r_settings *settings);
    /* NULL: nothing to time out */
    void (*settings_timeout)(h2r_session *session);
    int (*ping)(h2r_session *session, const uint8_t payload[8], h2r_ping_cb cb, void *ctx);
    int (*goaway)(h2r_session *session, uint32_t error_code, int64_t last_stream_id, const uint8_t *data,
                  size_t len);
    int (*altsvc)(h2r_session *session, uint32_t stream_id, const char *origin, const char *alt);
    int (*origin)(h2r_session *session, const char *const *origins, size_t count);
    int (*priority)(h2r_stream *stream, uint32_t parent, uint16_t weight, int exclusive, int silent);
    /* RFC 9218's parameters, set by the application (h2r_stream_set_urgency) */
    int (*urgency)(h2r_stream *stream, unsigned urgency, int incremental);
    /* NULL: H2R_ERR_PUSH_DISABLED */
    int (*push)(h2r_stream *stream, const h2r_header *headers, size_t count, h2r_stream **pushed);
};

struct h2r_session {
    /* A profile's (h2r_session_server_new_with_profile), or the session's own, right after the struct. */
    const struct session_config *config;
    void *user_data;
    void *transport;
    const struct h2r_protocol *proto; /* the session's kind */
    /* The protocol's own state beyond what follows: */
    union {
        struct http1_state *h1; /* HTTP/1.1's (http1.h), made with the session */
        struct http2_state *h2; /* HTTP/2's, NULL until needed (h2r_http2_state) */
    };

    /* settings */
    h2r_settings local;         /* acknowledged by the peer: what we enforce */
    h2r_settings remote;        /* the peer's, as applied */
    h2r_settings pending_local; /* the oldest SETTINGS sent and not yet acknowledged (pending_local_count) */

    /* HPACK */
    h2r_hpack_encoder encoder;
    h2r_hpack_decoder decoder;

    /* streams */
    struct h2r_stream **buckets;
    uint32_t bucket_mask;
    uint32_t stream_count;       /* streams in the table */
    uint32_t open_peer_streams;  /* opened by the peer, counted against our MAX_CONCURRENT_STREAMS */
    uint32_t open_local_streams; /* opened by us (STREAM_LOCAL), counted against the peer's */
    uint32_t last_peer_stream_id;
    uint32_t next_stream_id; /* the next we open: even (pushes) on a server, odd (requests) on a client */
    /* HTTP/2's recently closed streams, | 1u << 31 if we reset them; made with the first (http2_session.c) */
    uint32_t *closed_ids;
    uint32_t hblock_stream_id; /* the stream of a header block waiting for CONTINUATION frames; 0 when none */
    /* The stall timeout's clock: now_ms's low 32 bits when data last moved, or when none waited at a tick. */
    uint32_t output_progress_ms;
    struct h2r_scheduler sched;
    struct h2r_stream *conn_blocked; /* streams with data waiting for the connection window */

    /* flow control */
    int64_t remote_window;       /* connection window the peer granted */
    int64_t local_window;        /* connection window we granted */
    uint32_t conn_unacked_bytes; /* consumed, not yet returned */
    /*
     * Closed streams the application still holds (h2r_stream_ref): a freed session's memory waits for them.
     */
    uint32_t kept_streams;

    struct field_scratch *scratch; /* NULL until the first header section (field_scratch.h) */

    /* input: a frame that arrived in pieces, in a buffer as large as the largest such frame (below 2^25) */
    uint8_t *rx;
    uint32_t rx_len, rx_cap;

    /* output */
    struct out_block *out_head, *out_tail; /* blocks not yet fully written */
    struct out_block *out_pull;            /* the first block with bytes not yet pulled */
    size_t control_bytes;                  /* session bytes not yet pulled */
    size_t control_unwritten;              /* session bytes not yet written, pulled or not (flood limits) */
    struct inflight *inflight; /* chunks pulled and not yet written: [inflight_start, inflight_end) */
    size_t inflight_start, inflight_end, inflight_cap;
    uint64_t inflight_seq_base; /* sequence number of inflight[0] */
    size_t inflight_offset;     /* bytes of the first chunk already written */
    size_t queued_data_bytes;   /* application data not yet framed, all streams */
    /*
     * maxSessionMemory's count besides control bytes: the queued data in
     * memory (file ranges cost none), and each open stream's object and
     * request head (h2r_stream_hold).
     */
    size_t memory_bytes;
    size_t inflight_data_bytes; /* application data framed and not yet written */

    /* time, as the I/O layer tells it (h2r_session_tick), and Node's setTimeout */
    uint64_t now_ms;
    uint64_t active_ms;     /* the last frame either way */
    uint32_t timeout_ms;    /* session timeout, 0 when off */
    uint32_t timed_streams; /* streams with a timeout: the tick looks at them only if there are any */

    /* abuse budgets */
    uint32_t invalid_frames;
    uint32_t rejected_streams;
    uint32_t reset_budget_used; /* streams reset early minus streams completed, floored at 0 */

    /* goaway and shutdown */
    uint32_t goaway_last_stream_id; /* what our GOAWAY promised to process */
    /* engine calls in progress (h2r_session_enter), nested through callbacks (the stack ends before 2^16) */
    uint16_t call_depth;

    /* bytes and bits last, where they pack */
    uint8_t closed_next; /* closed_ids' next slot, modulo CLOSED_STREAM_MEMORY (a power of 2, below 256) */
    uint8_t phase;       /* an enum session_phase */
    uint8_t preface_matched;     /* bytes of the client's preface so far, up to H2R_CLIENT_PREFACE_LEN */
    uint8_t pending_local_count; /* SETTINGS waiting for their ACK, up to PENDING_SETTINGS_MAX */
    uint8_t goaway_sent : 1;
    uint8_t goaway_received : 1;
    uint8_t drain_ping_pending : 1; /* graceful close: the final GOAWAY waits for this PING's ACK */
    uint8_t closing : 1;            /* graceful close: done when the last stream ends */
    uint8_t destroyed : 1;          /* no more callbacks after on_session_close */
    uint8_t close_notified : 1;
    /* Done inside an engine call: on_session_close when the outermost one returns. */
    uint8_t close_deferred : 1;
    uint8_t freed : 1; /* h2r_session_free ran: only this memory is left, for the kept streams */
};

/* ---- session_base.c ---- */

/*
 * A session of the kind proto with what every kind shares set up (options
 * checked, settings); nothing queued yet. With a profile, its options and
 * callbacks; otherwise a copy of these (NULL options: the defaults).
 */
h2r_session *h2r_session_create(const struct h2r_protocol *proto, const h2r_session_profile *profile,
                                const h2r_session_options *options, const h2r_session_callbacks *callbacks,
                                void *user_data);

/* ---- options.c ---- */

int h2r_settings_valid(const h2r_settings *settings);
int h2r_options_valid(const h2r_session_options *options);
/* The config a session reads from options and callbacks (NULL: none). */
void h2r_config_init(struct session_config *config, const h2r_session_options *options,
                     const h2r_session_callbacks *callbacks);

/* ---- stream_state.c ---- */

/* Is the stream ready for the scheduler (data within the windows, or its end due)? Tells it. */
void h2r_stream_update_ready(h2r_stream *stream);
/* After a DATA frame was made from the stream's queue: readiness, and on_drain under the high-water mark. */
void h2r_stream_data_framed(h2r_stream *stream);
/* All of the stream's data is framed: its turn to send trailers (Node's 'wantTrailers'). */
void h2r_stream_ask_for_trailers(h2r_stream *stream);
/* The peer sent END_STREAM: on_end, and the stream closes if our side is done too. */
void h2r_stream_on_end_received(h2r_stream *stream);
/* We queued END_STREAM: half-closed (local), or closed if the peer is done too. */
void h2r_stream_on_end_sent(h2r_stream *stream);

/* ---- stream_table.c ---- */

h2r_stream *h2r_stream_find(const h2r_session *session, uint32_t id);
/*
 * A stream in the table, with the request's :authority and :scheme kept
 * (pushes' defaults) when given; NULL without memory.
 */
h2r_stream *h2r_stream_create(h2r_session *session, uint32_t id, const char *authority,
                              uint16_t authority_len, const char *scheme, uint16_t scheme_len);
/* Takes out and frees a stream the application never heard of. */
void h2r_stream_forget(h2r_stream *stream);
/* Closes the stream: callbacks, release of queued data, removal from the table and the scheduler. */
void h2r_stream_close_internal(h2r_stream *stream, uint32_t rst_code, int aborted);
/* Drops the stream's queued data; bytes already framed are released once their chunks are written. */
void h2r_stream_release_queued(h2r_stream *stream);
/* Closes every stream, aborted. */
void h2r_stream_release_all(h2r_session *session);
/* Stops reading and closes every stream: the common tail of connection errors and destroy(). */
void h2r_session_shut_down(h2r_session *session);
/* Fires on_stream_timeout for streams idle past their timeout (from h2r_session_tick). */
void h2r_stream_check_timeouts(h2r_session *session);
/*
 * The stream's object and header bytes (request bytes handed to the
 * application) count against maxSessionMemory until it leaves the table.
 */
static inline void h2r_stream_hold(h2r_stream *stream, size_t header_bytes)
{
    size_t bytes = sizeof(*stream) + stream->authority_len + stream->scheme_len + header_bytes;
    stream->held_bytes = bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
    stream->session->memory_bytes += stream->held_bytes;
}
/* A frame for the stream was received or made: its timeout starts again. */
static inline void h2r_stream_touch(h2r_stream *stream)
{
    stream->active_ms = stream->session->now_ms;
}

/* ---- output.c ---- */

/* Reserves len bytes at the end of the control queue; NULL if out of memory. */
uint8_t *h2r_out_reserve(h2r_session *session, size_t len);
/* Commits len bytes written at the pointer h2r_out_reserve returned. */
static inline void h2r_out_commit(h2r_session *session, size_t len)
{
    session->out_tail->len += len;
    session->control_bytes += len;
    session->control_unwritten += len;
    if (!session->out_pull) session->out_pull = session->out_tail;
}
/* What counts against max_session_memory: control bytes, data queued in memory, streams and their heads. */
static inline size_t h2r_session_memory(const h2r_session *session)
{
    return session->control_bytes + session->memory_bytes;
}
/* Control bytes not yet written are over max_control_queue_bytes: the peer does not read. */
int h2r_out_control_full(const h2r_session *session);
/* Output not yet written: control bytes, and application data queued or in flight. */
static inline size_t h2r_out_backlog(const h2r_session *session)
{
    return session->control_unwritten + session->queued_data_bytes + session->inflight_data_bytes;
}
/* Output pulled or not yet pulled that is not written (what want_write reports first). */
static inline int h2r_out_pending(const h2r_session *session)
{
    return session->control_bytes != 0 || session->inflight_end != session->inflight_start;
}
/*
 * Frees the output memory an idle session keeps between responses (the
 * empty control block, the in-flight array with nothing in it): from the
 * tick, so that a busy connection does not allocate them again for every
 * response and an idle one holds none a tick later.
 */
void h2r_out_release_idle(h2r_session *session);
/* Moves every control byte not yet pulled into in-flight chunks. */
void h2r_out_pull_control(h2r_session *session);
/* h2r_inflight_reserve when the array must slide or grow. */
int h2r_inflight_make_room(h2r_session *session, size_t n);
/* Makes room for n more in-flight chunks, so that pushing them cannot fail; 0 or H2R_ERR_NOMEM. */
static inline int h2r_inflight_reserve(h2r_session *session, size_t n)
{
    return session->inflight_cap - session->inflight_end >= n ? 0 : h2r_inflight_make_room(session, n);
}
/* Appends an in-flight chunk; room was reserved. */
static inline struct inflight *h2r_inflight_push(h2r_session *session, h2r_chunk chunk)
{
    assert(session->inflight_end < session->inflight_cap);
    struct inflight *rec = &session->inflight[session->inflight_end++];
    *rec = (struct inflight){.chunk = chunk};
    return rec;
}
/* The sequence number of the newest in-flight chunk. */
static inline uint64_t h2r_inflight_last_seq(const h2r_session *session)
{
    return session->inflight_seq_base + session->inflight_end - 1;
}
/*
 * Adds len bytes of the stream's first data item as an in-flight chunk (room
 * reserved), releasing the item once it is all framed; header and header_seq
 * locate its DATA frame's header (NULL for HTTP/1, which has none).
 */
void h2r_inflight_add_payload(h2r_session *session, h2r_stream *stream, size_t len, uint8_t *header,
                              uint64_t header_seq);
/* Runs a release once the in-flight chunk with sequence number seq is written (now if it already is). */
void h2r_release_after_inflight(h2r_session *session, uint64_t seq, h2r_release_cb release, void *ctx,
                                const void *data, size_t len);
/* Releases every chunk in flight (the session is being freed). */
void h2r_release_inflight_all(h2r_session *session);
/* The first `bytes` pulled were written (h2r_session_sent): chunks and blocks they cover are released. */
void h2r_out_sent(h2r_session *session, size_t bytes);
/* Chunks a DATA frame may need: frame header, payload slices, padding. */
#define H2R_OUT_MIN_ROOM 3
/*
 * Every kind's pull: the control bytes first, then what produce makes (a
 * DATA frame, the next piece of an HTTP/1 response: 1 if it made any, 0 if
 * nothing can go now) within the chunks left, then up to max chunks, the
 * first one less what was written of it. Inline, so that produce is a
 * direct call in each kind's pull.
 */
static inline size_t h2r_out_pull(h2r_session *session, h2r_chunk *chunks, size_t max,
                                  int (*produce)(h2r_session *session, size_t room))
{
    if (session->inflight_end - session->inflight_start < max) {
        for (;;) {
            h2r_out_pull_control(session);
            size_t pending = session->inflight_end - session->inflight_start;
            /*
             * Control bytes may already fill more than max chunks. A caller
             * that takes fewer chunks than a DATA frame can need (say, one
             * at a time to splice file ranges) still gets DATA: a frame is
             * made whenever nothing is in flight, and handed out over
             * several pulls.
             */
            size_t room = pending < max ? max - pending : 0;
            if (room < H2R_OUT_MIN_ROOM) {
                if (pending) break;
                room = H2R_OUT_MIN_ROOM;
            }
            if (!produce(session, room)) break;
        }
    }
    size_t n = 0;
    for (size_t i = session->inflight_start; i != session->inflight_end && n != max; ++i) {
        chunks[n] = session->inflight[i].chunk;
        if (n == 0) {
            if (chunks[0].base)
                chunks[0].base = (const uint8_t *)chunks[0].base + session->inflight_offset;
            else
                chunks[0].offset += (int64_t)session->inflight_offset;
            chunks[0].len -= session->inflight_offset;
        }
        ++n;
    }
    return n;
}

/* Node's sentHeaders, sentInfoHeaders, sentTrailers: the kinds tell what they queued, before any close. */
static inline void h2r_stream_headers_queued(h2r_stream *stream, int kind, const h2r_header *headers,
                                             size_t count)
{
    if (stream->session->config->cb.on_headers_sent)
        stream->session->config->cb.on_headers_sent(stream, kind, headers, count);
}

/* ---- session_done.c ---- */

/* The session is done (h2r_session_is_done): on_session_close, now or when the outermost call returns. */
void h2r_session_maybe_done(h2r_session *session);
/*
 * Around every public call that can run application callbacks: the
 * application may free the session in on_session_close, so that callback
 * waits until the outermost call is about to return (h2r_session_leave, the
 * call's last use of the session).
 */
static inline void h2r_session_enter(h2r_session *session)
{
    ++session->call_depth;
}
void h2r_session_leave(h2r_session *session);

#endif
