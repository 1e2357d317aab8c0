/*
 * When a session is done, and when the application hears of it
 * (on_session_close): never in the middle of an engine call, since it may
 * free the session there.
 */
#include "session_internal.h"

int h2r_session_is_done(const h2r_session *s)
{
    /*
     * Once the application has had on_session_close it may have let go of everything: done for good, even if
     * the peer's frames queued more since (a PING's ACK), lest the I/O layer tell it a second time.
     */
    if (s->close_notified) return 1;
    int quiet = !h2r_out_pending(s);
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
