/*
 * One connection on a worker: multishot recv into provided buffers, the
 * received bytes through the connection's transport (cleartext or TLS) to
 * the engine, and at most one send batch in flight, which the transport
 * builds from what the engine hands out. Where the connection is in its
 * life is one state (enum conn_state). Accepted and outbound connections
 * are alike but for their side (struct conn_side): their transport, their
 * session's kind, who hears of its start, and their deadlines.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <unistd.h>

#include "io_internal.h"

/* How long a finished connection waits for the peer's FIN (see conn_linger). */
#define CONN_LINGER_MS 2000
/* How long send buffers outlive the last send (check_timers): a pause, not a burst. */
#define SEND_BUFFERS_KEPT_MS 250

/* An idle connection is this and its session: kept within jemalloc's 128-byte class on 64-bit machines. */
_Static_assert(sizeof(void *) != 8 || sizeof(struct conn) <= 128, "struct conn outgrew 128 bytes");

static void arm_recv(struct conn *c)
{
    struct io_uring_sqe *sqe = h2r_ring_sqe(c->worker);
    io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = 0;
    io_uring_sqe_set_data64(sqe, op_user_data(c, OP_RECV));
    c->recv_armed = 1;
    ++c->pending_ops;
}

/*
 * Ends the multishot recv: its last completion comes with -ECANCELED. Asked
 * again by completions already on their way, the kernel finds nothing more
 * to cancel: cheaper than a flag in every connection.
 */
static void cancel_recv(struct conn *c)
{
    if (!c->recv_armed) return;
    struct io_uring_sqe *sqe = h2r_ring_sqe(c->worker);
    io_uring_prep_cancel64(sqe, op_user_data(c, OP_RECV), 0);
    io_uring_sqe_set_data64(sqe, op_user_data(c, OP_CANCEL));
}

/* The session holds its input for a paused request body (h2r_session_input_paused): nothing is received. */
static int input_paused(const struct conn *c)
{
    return c->session && h2r_session_input_paused(c->session);
}

/* The protocol is known: makes the session (HTTP/2, or HTTP/1.1). -1 when out of memory. */
static int start_session(struct conn *c, int http1)
{
    c->session = c->side->new_session(c, http1);
    if (!c->session) return -1;
    c->state = CONN_OPEN;
    h2r_session_tick(c->session, c->worker->now_ms);
    h2r_session_set_transport(c->session, c);
    c->side->opened(c);
    h2r_conn_mark_dirty(c); /* the preface */
    return 0;
}

/* The connection ends before a session: its side hears why (an outbound one's application). */
static void conn_failed(struct conn *c, int err)
{
    if (!c->session && c->side->failed) c->side->failed(c, err);
}

/* Puts the connection on the worker's list that c->waiting names. */
static void conn_link(struct conn *c)
{
    struct conn **list = &c->worker->conns[c->waiting];
    c->prev = NULL;
    c->next = *list;
    if (*list) (*list)->prev = c;
    *list = c;
}

static void conn_unlink(struct conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        c->worker->conns[c->waiting] = c->next;
    if (c->next) c->next->prev = c->prev;
}

/*
 * A connection with nothing to send and a stream still open is waiting for
 * the application, which may answer from a timer, a post or a watch (loop.c):
 * it goes on the list that h2r_conn_wake_waiting flushes after those, so
 * that the other connections cost nothing then.
 */
static void conn_set_waiting(struct conn *c, int waiting)
{
    if (c->waiting == waiting) return;
    conn_unlink(c);
    c->waiting = (uint8_t)waiting;
    conn_link(c);
}

void h2r_conn_wake_waiting(struct worker *w)
{
    for (struct conn *c = w->conns[1]; c; c = c->next) h2r_conn_mark_dirty(c);
}

int h2r_conn_start(struct conn *c, struct worker *w, int fd, const struct conn_side *side)
{
    c->worker = w;
    c->fd = fd;
    c->side = side;
    enum transport_event opened = side->transport.open(c);
    if (opened == TRANSPORT_FAILED || ((opened == TRANSPORT_HTTP2 || opened == TRANSPORT_HTTP1) &&
                                       start_session(c, opened == TRANSPORT_HTTP1))) {
        side->transport.free(c);
        return -1;
    }
    /* Frames are written whole and at once: Nagle would only add latency. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->state_since_ms = c->last_activity_ms = w->now_ms;
    conn_link(c);
    ++w->conn_count;
    arm_recv(c);
    if (opened == TRANSPORT_WAIT_SEND) h2r_conn_mark_dirty(c); /* a client's TLS hello */
    return 0;
}

void h2r_conn_mark_dirty(struct conn *c)
{
    if (c->dirty || c->state == CONN_CLOSING) return;
    c->dirty = 1;
    c->dirty_next = c->worker->dirty;
    c->worker->dirty = c;
}

/*
 * Frees the connection once nothing submitted for it can still complete and
 * it is off the worker's dirty list (which the flush pass walks).
 */
static void conn_free_if_idle(struct conn *c)
{
    if (c->state != CONN_CLOSING || c->pending_ops || c->dirty) return;
    struct worker *w = c->worker;
    conn_unlink(c);
    --w->conn_count;
    close(c->fd);
    h2r_session_free(c->session);
    h2r_send_batch_release(c);
    c->side->transport.free(c);
    free(c);
}

void h2r_conn_op_done(struct conn *c)
{
    --c->pending_ops;
    conn_free_if_idle(c);
}

void h2r_conn_close(struct conn *c)
{
    if (c->state == CONN_CLOSING) return;
    c->state = CONN_CLOSING;
    /*
     * Streams still open end now, through on_aborted and on_stream_close:
     * h2r_session_free, when the last operation is back, makes no callbacks,
     * and the application's per-stream state would leak. The GOAWAY this
     * queues is never sent, so the engine never finds the session done: the
     * application hears of its end here (the engine has told it of a
     * session done before), and lets go of its data for it.
     */
    if (c->session && !h2r_session_is_done(c->session)) {
        h2r_session_destroy(c->session, H2R_NO_ERROR);
        void (*on_close)(h2r_session *) = c->side->on_session_close;
        if (!h2r_session_is_done(c->session) && on_close) on_close(c->session);
    }
    conn_failed(c, -ECONNRESET); /* unless told a reason before */
    cancel_recv(c);
    /* A send in flight completes on its own; shutting the socket down makes it quick. */
    if (c->send_in_flight) shutdown(c->fd, SHUT_RDWR);
    conn_free_if_idle(c); /* callers touch c no more */
}

/* Received bytes: through the transport to the session while they read; dropped once they no longer do. */
static void conn_receive(struct conn *c, const uint8_t *data, size_t len)
{
    switch (c->state) {
    case CONN_STARTING:
    case CONN_OPEN:
    case CONN_PEER_FINISHED: break;
    case CONN_REFUSED:
    case CONN_LINGERING:
    case CONN_CLOSING: return;
    }
    c->last_activity_ms = c->worker->now_ms;
    struct byte_span in = {.data = data, .len = len}, plain;
    uint8_t buf[TRANSPORT_PLAINTEXT_MAX];
    for (;;) {
        enum transport_event event = c->side->transport.read(c, &in, buf, &plain);
        switch (event) {
        case TRANSPORT_WAIT: return;
        case TRANSPORT_WAIT_SEND: h2r_conn_mark_dirty(c); return;
        case TRANSPORT_PLAINTEXT:
        case TRANSPORT_PLAINTEXT_LAST:
            /*
             * Once the session stops reading (an error) input is dropped, and
             * once it is done too: an HTTP/2 session still reads then, but the
             * application has had its on_session_close (in this turn's
             * h2r_session_sent, say) and hears nothing more of it.
             */
            if (h2r_session_want_read(c->session) && !h2r_session_is_done(c->session)) {
                /* A failed feed has queued a GOAWAY: the session is done once that is sent. */
                h2r_session_feed(c->session, plain.data, plain.len);
                h2r_conn_mark_dirty(c);
                /* A client's callbacks may have made requests on its other connections: flushed too. */
                if (c->side->client) c->worker->loop.app_ran = 1;
                /* What is already received still goes in (the session keeps it); no more is read. */
                if (input_paused(c)) cancel_recv(c);
            }
            if (event == TRANSPORT_PLAINTEXT_LAST) return;
            break;
        case TRANSPORT_HTTP2:
        case TRANSPORT_HTTP1:
            if (start_session(c, event == TRANSPORT_HTTP1) != 0) {
                conn_failed(c, H2R_ERR_NOMEM);
                h2r_conn_close(c);
                return;
            }
            break;
        case TRANSPORT_REFUSED:
            c->state = CONN_REFUSED;
            h2r_conn_mark_dirty(c);
            return;
        case TRANSPORT_FAILED: h2r_conn_close(c); return;
        }
    }
}

void h2r_conn_on_recv(struct conn *c, const struct io_uring_cqe *cqe)
{
    struct worker *w = c->worker;
    int last = !(cqe->flags & IORING_CQE_F_MORE);
    if (last) c->recv_armed = 0;
    if (cqe->flags & IORING_CQE_F_BUFFER) {
        /* Whatever is kept of the bytes is copied (engine, TLS), so the buffer goes straight back. */
        if (cqe->res > 0) conn_receive(c, h2r_ring_recv_data(w, cqe), (size_t)cqe->res);
        h2r_ring_recv_consumed(w, cqe);
    }
    if (cqe->res == 0 && c->state == CONN_OPEN && h2r_session_is_http1(c->session)) {
        /*
         * An HTTP/1.1 client may close its side once its request is sent
         * (RFC 9112 §9.6) and still read the response: answer what was
         * asked, read no further request, then close (h2r_conn_flush). A
         * request cut short is given until shutdown_timeout_ms. To a
         * client, the server's FIN may be the end of a response without a
         * length (RFC 9112 §6.3): the session hears it, and is done.
         */
        c->state = CONN_PEER_FINISHED;
        c->state_since_ms = w->now_ms;
        h2r_session_eof(c->session); /* a response the FIN delimits, or a tunnel's request, ends */
        if (!c->side->client) h2r_session_close(c->session);
        h2r_conn_mark_dirty(c);
    } else if (cqe->res == 0 || (cqe->res < 0 && cqe->res != -ENOBUFS && cqe->res != -ECANCELED)) {
        /* End of stream or a socket error: nothing more will come, and nobody reads what we would send. */
        conn_failed(c, cqe->res ? cqe->res : -ECONNRESET);
        h2r_conn_close(c);
    } else if (last && c->state != CONN_CLOSING && c->state != CONN_PEER_FINISHED && !input_paused(c)) {
        /* Out of buffers ends a multishot recv: arm it again; buffers come back every turn. */
        arm_recv(c);
    }
    if (last) h2r_conn_op_done(c);
}

/* What a transport's send_start or send_done said; 1 when nothing is in flight nor left to send. */
static inline int conn_sent(struct conn *c, enum transport_send sent)
{
    switch (sent) {
    case SEND_IDLE: return !c->dirty;
    case SEND_IN_FLIGHT:
        c->send_in_flight = 1;
        c->pending_ops += c->batch->step_count;
        c->last_send_ms = c->worker->now_ms;
        return 0;
    case SEND_AGAIN: h2r_conn_mark_dirty(c); return 0;
    case SEND_FAILED: h2r_conn_close(c); return 0;
    }
    return 0;
}

void h2r_conn_on_send_step(struct send_step *step, const struct io_uring_cqe *cqe)
{
    struct conn *c = step->conn;
    switch (h2r_send_batch_on_step(step, cqe)) {
    case STEP_PENDING: return;
    case STEP_DONE: break;
    case STEP_LAST:
        c->send_in_flight = 0;
        if (c->state != CONN_CLOSING) conn_sent(c, c->side->transport.send_done(c));
        break;
    }
    h2r_conn_op_done(c);
}

/*
 * The session is done and all it had is written: FIN, then keep reading and
 * dropping until the peer's FIN (or CONN_LINGER_MS). Closing at once while
 * the peer still sends (WINDOW_UPDATEs while it reads a response, a request
 * crossing our GOAWAY) would leave unread input, and the kernel would answer
 * with RST, which makes the peer's kernel drop whatever of our last bytes
 * its application has not read yet: the end of a response, the GOAWAY.
 */
static void conn_linger(struct conn *c)
{
    uint64_t now = c->worker->now_ms;
    if (c->state != CONN_LINGERING) {
        c->state = CONN_LINGERING;
        c->state_since_ms = now;
        shutdown(c->fd, SHUT_WR);
    }
    /* Without a pending recv nothing would tell us of the peer's FIN. */
    if (!c->recv_armed || now - c->state_since_ms >= CONN_LINGER_MS) h2r_conn_close(c);
}

/* All is sent and the connection is over: the transport's last word (TLS's close_notify), then our FIN. */
static void conn_end(struct conn *c)
{
    if (c->side->transport.close(c))
        h2r_conn_mark_dirty(c);
    else
        conn_linger(c);
}

/* Sends what is queued; 1 once all of it is out. */
static inline int conn_send(struct conn *c)
{
    return !c->send_in_flight && conn_sent(c, c->side->transport.send_start(c));
}

void h2r_conn_flush(struct conn *c)
{
    c->dirty = 0;
    switch (c->state) {
    case CONN_STARTING: conn_send(c); break;
    case CONN_OPEN:
        /* Received no more while the input was paused (h2r_stream_resume may have ended that). */
        if (!c->recv_armed && !input_paused(c)) arm_recv(c);
        /* fall through */
    case CONN_PEER_FINISHED: {
        /* Still sending (or closed, perhaps freed): its next flush comes after the send, if any. */
        if (!conn_send(c)) break;
        if (h2r_session_is_done(c->session)) {
            conn_end(c);
            break;
        }
        h2r_session_state st;
        h2r_session_get_state(c->session, &st);
        conn_set_waiting(c, c->side->client || st.open_streams != 0);
        break;
    }
    case CONN_REFUSED:
        if (conn_send(c)) conn_end(c);
        break;
    case CONN_LINGERING: conn_linger(c); break;
    case CONN_CLOSING: conn_free_if_idle(c); break;
    }
}

/* Acts on the deadlines that passed; 0 if the connection closed (the caller touches it no more). */
static int check_timers(struct conn *c)
{
    const struct conn_side *cfg = c->side;
    uint64_t now = c->worker->now_ms;
    int handshake_late = cfg->handshake_timeout_ms && now - c->state_since_ms > cfg->handshake_timeout_ms;
    switch (c->state) {
    case CONN_STARTING:
        /* Still in the TLS handshake, or waiting for the first request line. */
        if (!handshake_late) return 1;
        c->side->transport.handshake_timeout(c);
        h2r_conn_close(c);
        return 0;
    case CONN_REFUSED:
        /* Turned away, and what it was told does not go out in time either. */
        if (!handshake_late) return 1;
        h2r_conn_close(c);
        return 0;
    case CONN_PEER_FINISHED:
        if (now - c->state_since_ms <= cfg->shutdown_timeout_ms) break;
        h2r_conn_close(c);
        return 0;
    case CONN_OPEN:
    case CONN_LINGERING: break;
    case CONN_CLOSING: return 0;
    }
    /*
     * A connection that has sent nothing for a while keeps no send buffers
     * (they are most of its memory). Not released between two sends: buffers
     * freed and taken again at every pause cost page faults.
     */
    if (!c->send_in_flight && now - c->last_send_ms >= SEND_BUFFERS_KEPT_MS) {
        c->side->transport.release_buffers(c);
        h2r_send_batch_release(c);
    }
    if (c->state == CONN_LINGERING) return 1; /* the session is done: its timers have nothing left to do */
    h2r_session_tick(c->session, now);        /* the engine's timeouts (Node's setTimeout) */
    if (h2r_session_pending_settings_ack(c->session)) {
        if (!c->settings_pending_since_ms) c->settings_pending_since_ms = now;
        if (cfg->settings_timeout_ms && now - c->settings_pending_since_ms > cfg->settings_timeout_ms)
            h2r_session_settings_timeout(c->session);
    } else {
        c->settings_pending_since_ms = 0;
    }
    h2r_session_state st;
    h2r_session_get_state(c->session, &st);
    uint64_t idle = now - c->last_activity_ms;
    if (!cfg->idle_timeout_ms || st.open_streams != 0 || idle <= cfg->idle_timeout_ms) return 1;
    if (cfg->on_idle && !h2r_session_closed(c->session)) {
        c->last_activity_ms = now; /* Node's server 'timeout': again after a further idle period */
        cfg->on_idle(c);
        return 1;
    }
    /* Graceful first; a peer that does not even answer the closing PING is cut off a period later. */
    if (idle <= 2 * (uint64_t)cfg->idle_timeout_ms)
        h2r_session_close(c->session);
    else
        h2r_session_destroy(c->session, H2R_NO_ERROR);
    return 1;
}

void h2r_conn_on_tick(struct conn *c)
{
    /* Timers are looked at here, once a tick, not on every flush; the flush sends what they queued. */
    if (check_timers(c)) h2r_conn_mark_dirty(c);
}

void h2r_conn_shutdown(struct conn *c)
{
    if (c->state == CONN_CLOSING) return;
    if (!c->session) {
        /* Not yet talking (a TLS handshake, or no request line yet): nothing in flight to finish. */
        h2r_conn_close(c);
        return;
    }
    h2r_session_close(c->session);
    h2r_conn_mark_dirty(c);
}
