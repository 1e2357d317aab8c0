/*
 * The HTTP/1.1 connection's course: what ends reading (no further request
 * on the connection), what holds it (a paused request body) and what lets
 * it go on (an exchange complete, the output drained, the body resumed),
 * and the session's calls that change it: graceful close, and a file range
 * that could not be read.
 */
#include <stdlib.h>
#include <string.h>

#include "http1.h"

void h2r_http1_stop_reading(h2r_session *s)
{
    struct http1_state *h1 = s->h1;
    h1->read_state = H1_READ_DONE;
    h1->keep_alive = 0;
    h1->input_ready = 0;
    s->closing = 1;
    /* While reading, read_input() takes the rest itself, as ignored. */
    if (!h1->reading) h1->in_start = h1->in_len = 0;
}

void h2r_http1_no_reuse(h2r_session *s)
{
    struct http1_state *h1 = s->h1;
    h1->keep_alive = 0;
    /* A request still being read stops the reading once it is in (request_read). */
    if (h1->read_state == H1_READ_HEAD || h1->read_state == H1_READ_WAIT) h2r_http1_stop_reading(s);
}

void h2r_http1_stream_closed(h2r_stream *st)
{
    h2r_session *s = st->session;
    struct http1_state *h1 = s->h1;
    if (st != h1->current) return;
    h1->current = NULL;
    uint32_t both = STREAM_END_SENT | STREAM_END_RECEIVED;
    int complete = (st->flags & both) == both && !(st->flags & (STREAM_ABORTED | STREAM_RESET_BY_US));
    if (!complete || h1->read_state != H1_READ_WAIT) {
        /* An exchange cut short leaves the connection where nobody can say what comes next. */
        h2r_http1_stop_reading(s);
        return;
    }
    h1->read_state = H1_READ_HEAD;
    /* Pipelined requests: read_input() goes on if this is in its loop, the next pull otherwise. */
    h1->input_ready = h2r_http1_buffered(h1) != 0;
}

void h2r_http1_output_drained(h2r_session *s)
{
    struct http1_state *h1 = s->h1;
    if (!h1->output_full || h2r_http1_output_over_bound(s)) return;
    h1->output_full = 0;
    /* The next pull reads what waits, as after an exchange that ended outside the read loop. */
    if (h1->read_state == H1_READ_HEAD && h2r_http1_buffered(h1)) h1->input_ready = 1;
}

const char *h2r_http1_scheme(const char *scheme)
{
    if (scheme && strcmp(scheme, "http") == 0) return "http";
    return scheme && strcmp(scheme, "https") == 0 ? "https" : NULL;
}

void h2r_http1_free(h2r_session *s)
{
    if (!s->h1) return; /* the constructor ran out of memory */
    free(s->h1->in);
    free(s->h1);
}

int h2r_http1_want_read(const h2r_session *s)
{
    /* The client's input_ended: the server's end came, only what a paused body held is left to read. */
    return s->phase != PHASE_CLOSED && s->h1->read_state != H1_READ_DONE && !s->h1->input_ended;
}

int h2r_http1_want_write(const h2r_session *s)
{
    return h2r_out_pending(s) || s->h1->input_ready || h2r_http1_message_ready(s->h1->current);
}

int h2r_session_is_http1(const h2r_session *s)
{
    /* Both roles read through the same feed, and no other kind does. */
    return s->proto->feed == h2r_http1_feed;
}

void h2r_http1_abort(h2r_session *s, uint32_t code, const char *reason)
{
    h2r_stream *st = s->h1->current;
    h2r_http1_stop_reading(s);
    s->phase = PHASE_CLOSED;
    if (st) h2r_stream_ref(st);
    if (s->config->cb.on_session_error) s->config->cb.on_session_error(s, code, reason);
    if (st) {
        h2r_stream_close_internal(st, code, 1);
        h2r_stream_unref(st);
    }
    h2r_session_maybe_done(s);
}

int h2r_http1_input_paused(const h2r_session *s)
{
    const struct http1_state *h1 = s->h1;
    /* A body is being read: once it is all in, what follows is pipelined input, bounded as such. */
    enum h1_read_state state = h1->read_state;
    int body = state != H1_READ_HEAD && state != H1_READ_WAIT && state != H1_READ_DONE;
    return s->phase != PHASE_CLOSED && body && h1->current && (h1->current->flags & STREAM_PAUSED) &&
           h2r_http1_buffered(h1) >= s->config->opt.http1_max_buffered_input;
}

int h2r_http1_resume(h2r_stream *st)
{
    struct http1_state *h1 = st->session->h1;
    /* As after an exchange that ended outside the read loop; inside it, the loop itself goes on. */
    if (st == h1->current && !h1->reading && h2r_http1_buffered(h1)) h1->input_ready = 1;
    return 0;
}

void h2r_http1_close(h2r_session *s)
{
    s->closing = 1;
    h2r_http1_no_reuse(s);
    /* A response queued whole needs nothing more of its request: the rest of the body is not awaited. */
    h2r_stream *st = s->h1->current;
    if (st && (st->flags & STREAM_END_SENT) && !(st->flags & (STREAM_END_RECEIVED | STREAM_CLOSED)))
        h2r_stream_close_internal(st, H2R_NO_ERROR, 0);
    h2r_session_maybe_done(s);
}

/* ---- file ranges that cannot be read ---- */

int h2r_http1_file_failed(h2r_session *s, size_t index)
{
    size_t pos = s->inflight_start + index;
    if (pos >= s->inflight_end || s->inflight[pos].chunk.base) return H2R_ERR_INVALID_ARGUMENT;
    uint32_t id = s->inflight[pos].stream_id;
    h2r_http1_stop_reading(s);
    s->phase = PHASE_CLOSED;
    if (s->config->cb.on_session_error)
        s->config->cb.on_session_error(s, H2R_INTERNAL_ERROR, "a file being sent could not be read");
    /* Its stream first, with the reason; another exchange after it, if its own end was framed already. */
    h2r_stream *st = h2r_stream_find(s, id);
    if (st) h2r_stream_close_internal(st, H2R_INTERNAL_ERROR, 1);
    h2r_stream_release_all(s);
    h2r_session_maybe_done(s);
    /* The body's length is promised (or its chunk's): nothing can make up for the bytes missing. */
    return H2R_ERR_INVALID_STATE;
}
