/*
 * The stream's state machine (RFC 9113 §5.1, as flags), what every kind
 * does alike: the peer's end of the stream, ours, the data framed, the
 * trailers' turn, and readiness for the scheduler.
 */
#include "session_internal.h"

void h2r_stream_update_ready(h2r_stream *st)
{
    h2r_session *s = st->session;
    int ready = 0;
    uint32_t f = st->flags;
    if (!(f & (STREAM_CLOSED | STREAM_END_SENT)) && (f & STREAM_HEADERS_SENT)) {
        if (st->queued_bytes) {
            if (st->remote_window > 0 && s->remote_window > 0) {
                ready = 1;
            } else if (st->remote_window > 0 && !(f & STREAM_BLOCKED_ON_CONN)) {
                /* Woken up by the connection's next WINDOW_UPDATE (http2_recv.c). */
                st->flags |= STREAM_BLOCKED_ON_CONN;
                st->blocked_next = s->conn_blocked;
                s->conn_blocked = st;
            }
        } else if ((f & STREAM_END_REQUESTED) && !(f & STREAM_TRAILERS_ASKED)) {
            ready = 1; /* an empty DATA frame with END_STREAM, or the trailers' turn */
        }
    }
    if (h2r_sched_is_attached(&st->sched)) h2r_sched_set_ready(&s->sched, &st->sched, ready);
}

void h2r_stream_data_framed(h2r_stream *st)
{
    h2r_stream_update_ready(st);
    if ((st->flags & STREAM_DRAIN_WANTED) &&
        st->queued_bytes < st->session->config->opt.stream_high_water_mark) {
        st->flags &= ~STREAM_DRAIN_WANTED;
        h2r_stream_ref(st);
        if (st->session->config->cb.on_drain) st->session->config->cb.on_drain(st);
        h2r_stream_unref(st);
    }
}

void h2r_stream_ask_for_trailers(h2r_stream *stream)
{
    h2r_session *session = stream->session;
    stream->flags |= STREAM_TRAILERS_ASKED;
    stream->flags &= ~STREAM_WANT_TRAILERS;
    h2r_stream_update_ready(stream);
    h2r_stream_ref(stream);
    if (session->config->cb.on_want_trailers) session->config->cb.on_want_trailers(stream);
    h2r_stream_unref(stream);
}

void h2r_stream_on_end_sent(h2r_stream *st)
{
    st->flags |= STREAM_END_SENT | STREAM_END_REQUESTED;
    h2r_stream_update_ready(st);
    if (st->flags & STREAM_END_RECEIVED) h2r_stream_close_internal(st, H2R_NO_ERROR, 0);
}

void h2r_stream_on_end_received(h2r_stream *st)
{
    st->flags |= STREAM_END_RECEIVED;
    h2r_session *s = st->session;
    h2r_stream_ref(st);
    if (s->config->cb.on_end) s->config->cb.on_end(st);
    if ((st->flags & (STREAM_END_SENT | STREAM_CLOSED)) == STREAM_END_SENT)
        h2r_stream_close_internal(st, H2R_NO_ERROR, 0);
    h2r_stream_unref(st);
}
