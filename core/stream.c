/*
 * The stream's public calls (Node's ServerHttp2Stream and
 * ClientHttp2Stream), for every kind:
 * accessors, and respond, write, end, trailers, close, priority, push,
 * pause and resume with the checks every kind makes; then the kind's
 * table does the rest. In HTTP/1.1 a stream is one request/response
 * exchange: what goes on the wire differs, the state machine
 * (stream_state.c) does not.
 */
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"

/* ---- accessors ---- */

uint32_t h2r_stream_id(const h2r_stream *st)
{
    return st->id;
}

h2r_session *h2r_stream_session(const h2r_stream *st)
{
    return st->session->freed ? NULL : st->session;
}

const char *h2r_stream_http_version(const h2r_stream *st)
{
    /* From the flags alone: a referenced stream may outlive its session. */
    if (st->flags & STREAM_HTTP11) return "1.1";
    return st->flags & STREAM_HTTP10 ? "1.0" : "2.0";
}

void *h2r_stream_user_data(const h2r_stream *st)
{
    return st->user_data;
}

void h2r_stream_set_user_data(h2r_stream *st, void *user_data)
{
    st->user_data = user_data;
}

size_t h2r_stream_buffer_size(const h2r_stream *st)
{
    return st->queued_bytes;
}

uint32_t h2r_stream_rst_code(const h2r_stream *st)
{
    return st->rst_code;
}

int h2r_stream_headers_sent(const h2r_stream *st)
{
    return (st->flags & STREAM_HEADERS_SENT) != 0;
}

int h2r_stream_push_allowed(const h2r_stream *st)
{
    /* A request that came while the peer refused pushes has no :scheme and :authority kept to lend. */
    return !(st->flags & (STREAM_CLOSED | STREAM_PUSHED | STREAM_END_SENT)) &&
           st->session->remote.enable_push && !st->session->goaway_received &&
           (st->scheme_len || st->authority_len);
}

int h2r_stream_closed(const h2r_stream *st)
{
    return (st->flags & STREAM_CLOSED) != 0;
}

int h2r_stream_aborted(const h2r_stream *st)
{
    return (st->flags & STREAM_ABORTED) != 0;
}

int h2r_stream_end_after_headers(const h2r_stream *st)
{
    return (st->flags & STREAM_END_IN_HEADERS) != 0;
}

void h2r_stream_get_state(const h2r_stream *st, h2r_stream_state *out)
{
    uint32_t f = st->flags;
    out->local_window_size = st->local_window;
    out->remote_window_size = st->remote_window;
    out->weight = st->sched.weight;
    out->local_close = (f & (STREAM_END_SENT | STREAM_CLOSED)) != 0;
    out->remote_close = (f & (STREAM_END_RECEIVED | STREAM_CLOSED)) != 0;
    out->sum_dependency_weight = h2r_sched_children_weight(&st->sched);
    out->urgency = st->sched.urgency;
    out->incremental = st->sched.incremental;
    if (f & STREAM_CLOSED)
        out->state = H2R_STREAM_STATE_CLOSED;
    else if ((f & (STREAM_PUSHED | STREAM_LOCAL | STREAM_HEADERS_SENT)) == (STREAM_PUSHED | STREAM_LOCAL))
        out->state = H2R_STREAM_STATE_RESERVED_LOCAL; /* a server's push, not yet answered */
    else if ((f & (STREAM_PUSHED | STREAM_LOCAL | STREAM_HEAD_RECEIVED)) == STREAM_PUSHED)
        out->state = H2R_STREAM_STATE_RESERVED_REMOTE; /* a client's, its response not yet in */
    else if (f & STREAM_END_SENT)
        out->state = H2R_STREAM_STATE_HALF_CLOSED_LOCAL;
    else if (f & STREAM_END_RECEIVED)
        out->state = H2R_STREAM_STATE_HALF_CLOSED_REMOTE;
    else
        out->state = H2R_STREAM_STATE_OPEN;
}

/* ---- sending ---- */

/*
 * Every call that changes the stream: from the thread that runs its session
 * (a reference handed to another thread must come back through the loop's
 * post), and not once it is closed, when its session may be gone.
 */
static int check_open(const h2r_stream *st)
{
    if (!pthread_equal(st->thread, pthread_self())) return H2R_ERR_WRONG_THREAD;
    return st->flags & STREAM_CLOSED ? H2R_ERR_STREAM_CLOSED : 0;
}

/* Common checks for a call that sends on the stream. */
static int check_can_send(const h2r_stream *st)
{
    int err = check_open(st);
    if (err) return err;
    if (st->flags & STREAM_END_SENT) return H2R_ERR_STREAM_CLOSED;
    if (st->session->phase == PHASE_CLOSED) return H2R_ERR_SESSION_CLOSED;
    return 0;
}

int h2r_stream_respond(h2r_stream *st, const h2r_header *headers, size_t count, unsigned flags)
{
    int err = check_can_send(st);
    if (err) return err;
    if (st->flags & STREAM_HEADERS_SENT) return H2R_ERR_INVALID_STATE;
    unsigned final_status = 200;
    for (size_t i = 0; i != count; ++i) {
        if (!h2r_header_is_status(&headers[i])) continue;
        final_status = h2r_status_code(&headers[i]);
        if (final_status < 200) return H2R_ERR_INVALID_HEADER;
    }
    /*
     * No content in a response to HEAD (RFC 9110 §9.3.2), nor in 204, 205
     * and 304 (§15.3.5, §15.3.6, §15.4.5), in either protocol: respond()
     * ends the stream with the head, and no trailers follow.
     */
    if ((st->flags & STREAM_IS_HEAD) || final_status == 204 || final_status == 205 || final_status == 304)
        flags = (flags | H2R_RESPOND_END_STREAM) & ~(unsigned)H2R_RESPOND_WAIT_FOR_TRAILERS;
    return st->session->proto->respond(st, headers, count, flags);
}

int h2r_stream_additional_headers(h2r_stream *st, const h2r_header *headers, size_t count)
{
    int err = check_can_send(st);
    if (err) return err;
    if (st->flags & STREAM_HEADERS_SENT) return H2R_ERR_INVALID_STATE;
    /* 1xx only, and never 101: HTTP/2 has no Upgrade (RFC 9113 §8.6). */
    if (count == 0 || !h2r_header_is_status(&headers[0])) return H2R_ERR_INVALID_HEADER;
    unsigned status = h2r_status_code(&headers[0]);
    if (status < 100 || status > 199 || status == 101) return H2R_ERR_INVALID_HEADER;
    if (h2r_message_check_outgoing(headers, count, H2R_SECTION_RESPONSE)) return H2R_ERR_INVALID_HEADER;
    return st->session->proto->interim(st, headers, count);
}

static int queue_item(h2r_stream *st, const void *data, int fd, int64_t offset, size_t len,
                      h2r_release_cb release, void *ctx)
{
    int err = check_can_send(st);
    if (!err && (!(st->flags & STREAM_HEADERS_SENT) || (st->flags & (STREAM_END_REQUESTED | STREAM_IS_HEAD))))
        err = H2R_ERR_INVALID_STATE;
    struct data_item *item = NULL;
    if (!err && len && !(item = calloc(1, sizeof(*item)))) err = H2R_ERR_NOMEM;
    if (err || !len) {
        if (release) release(ctx, data, len);
        return err ? err : 1;
    }
    item->fd = fd;
    if (fd < 0)
        item->base = data;
    else
        item->offset = offset;
    item->len = len;
    item->release = release;
    item->release_ctx = ctx;
    if (st->data_tail)
        st->data_tail->next = item;
    else
        st->data_head = item;
    st->data_tail = item;
    st->queued_bytes += len;
    st->session->queued_data_bytes += len;
    if (data) st->session->memory_bytes += len;
    h2r_stream_update_ready(st);
    if (st->queued_bytes < st->session->config->opt.stream_high_water_mark) return 1;
    st->flags |= STREAM_DRAIN_WANTED;
    return 0;
}

int h2r_stream_write(h2r_stream *st, const void *data, size_t len, h2r_release_cb release, void *ctx)
{
    if (!data && len) return H2R_ERR_INVALID_ARGUMENT;
    return queue_item(st, data, -1, 0, len, release, ctx);
}

int h2r_stream_write_file(h2r_stream *st, int fd, int64_t offset, size_t len, h2r_release_cb release,
                          void *ctx)
{
    if (fd < 0 || offset < 0) return H2R_ERR_INVALID_ARGUMENT;
    return queue_item(st, NULL, fd, offset, len, release, ctx);
}

int h2r_stream_end(h2r_stream *st)
{
    int err = check_can_send(st);
    if (err) return err;
    if (!(st->flags & STREAM_HEADERS_SENT) || (st->flags & STREAM_END_REQUESTED))
        return H2R_ERR_INVALID_STATE;
    st->flags |= STREAM_END_REQUESTED;
    h2r_stream_update_ready(st);
    return 0;
}

int h2r_stream_send_trailers(h2r_stream *st, const h2r_header *headers, size_t count)
{
    int err = check_can_send(st);
    if (err) return err;
    if (!(st->flags & STREAM_TRAILERS_ASKED)) return H2R_ERR_INVALID_STATE;
    if (h2r_message_check_outgoing(headers, count, H2R_SECTION_TRAILERS)) return H2R_ERR_INVALID_HEADER;
    return st->session->proto->send_trailers(st, headers, count);
}

int h2r_stream_close(h2r_stream *st, uint32_t error_code)
{
    /* Like every call on a closed stream (see h2ring/engine.h); nothing is sent. */
    int err = check_open(st);
    if (err) return err;
    st->flags |= STREAM_RESET_BY_US;
    h2r_session *s = st->session;
    h2r_session_enter(s);
    err = s->proto->reset ? s->proto->reset(st, error_code) : 0;
    h2r_stream_close_internal(st, error_code, 0);
    h2r_session_leave(s);
    return err;
}

int h2r_stream_priority(h2r_stream *st, uint32_t parent_id, uint16_t weight, int exclusive, int silent)
{
    int err = check_open(st);
    if (err) return err;
    if (!st->session->proto->priority) return H2R_ERR_INVALID_STATE;
    return st->session->proto->priority(st, parent_id, weight, exclusive, silent);
}

int h2r_stream_set_urgency(h2r_stream *st, unsigned urgency, int incremental)
{
    int err = check_open(st);
    if (err) return err;
    if (!st->session->proto->urgency) return H2R_ERR_INVALID_STATE;
    return st->session->proto->urgency(st, urgency, incremental);
}

int h2r_stream_push(h2r_stream *st, const h2r_header *headers, size_t count, h2r_stream **pushed)
{
    *pushed = NULL;
    int err = check_can_send(st);
    if (err) return err;
    if (!st->session->proto->push) return H2R_ERR_PUSH_DISABLED;
    return st->session->proto->push(st, headers, count, pushed);
}

int h2r_stream_push_with_options(h2r_stream *st, const h2r_header *headers, size_t count,
                                 const h2r_push_options *options, h2r_stream **pushed)
{
    int err = h2r_stream_push(st, headers, count, pushed);
    if (err || !options) return err;
    /* Silent, with a parent that cannot be the new stream: this cannot fail. */
    return st->session->proto->priority(*pushed, options->parent ? options->parent : st->id,
                                        H2R_SCHED_DEFAULT_WEIGHT, options->exclusive, 1);
}

/* ---- the request body's backpressure ---- */

int h2r_stream_pause(h2r_stream *st)
{
    int err = check_open(st);
    if (err) return err;
    /* Nothing to do now: the kinds look at the flag where they would let more of the body in. */
    st->flags |= STREAM_PAUSED;
    return 0;
}

int h2r_stream_resume(h2r_stream *st)
{
    int err = check_open(st);
    if (err) return err;
    if (!(st->flags & STREAM_PAUSED)) return 0;
    st->flags &= ~STREAM_PAUSED;
    err = st->session->proto->resume(st);
    if (err) st->flags |= STREAM_PAUSED; /* still held: the application may try again */
    return err;
}

int h2r_stream_is_paused(const h2r_stream *st)
{
    return (st->flags & STREAM_PAUSED) != 0;
}

int h2r_stream_set_timeout(h2r_stream *st, uint32_t ms)
{
    int err = check_open(st);
    if (err) return err;
    if (ms && !st->timeout_ms)
        ++st->session->timed_streams;
    else if (!ms && st->timeout_ms)
        --st->session->timed_streams;
    st->timeout_ms = ms;
    h2r_stream_touch(st);
    return 0;
}
