/*
 * HTTP/2 session state its files share: what both roles' tables call
 * alike, the part made on demand (struct http2_state), errors (RFC 9113 §5.4) and the abuse budgets they
 * count against, and the ring of recently closed streams that tells
 * "closed" from "never opened" (§5.1).
 */
#include <stdlib.h>
#include <string.h>

#include "http2.h"

struct http2_state *h2r_http2_state(h2r_session *s)
{
    if (!s->h2) s->h2 = calloc(1, sizeof(*s->h2));
    return s->h2;
}

int h2r_http2_want_read(const h2r_session *s)
{
    return s->phase != PHASE_CLOSED;
}

void h2r_http2_get_state(const h2r_session *s, h2r_session_state *st)
{
    st->effective_local_window_size = s->local_window;
    st->inbound_queue_size = s->rx_len;
    st->remote_window_size = s->remote_window;
    st->next_stream_id = s->next_stream_id;
    st->deflate_dynamic_table_size = h2r_hpack_encoder_table_size(&s->encoder);
    st->inflate_dynamic_table_size = h2r_hpack_decoder_table_size(&s->decoder);
}

void h2r_http2_free(h2r_session *s)
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
        free(h2->client_scheme);
        free(h2);
    }
    free(s->closed_ids);
    free(s->rx);
}

/* ---- closed streams ---- */

/*
 * The ring comes with the first close, not with the session: an idle
 * connection does without it. Out of line, so that every later close stays
 * a leaf call with no frame to set up.
 */
__attribute__((noinline, cold)) static uint32_t *alloc_closed_ids(h2r_session *s)
{
    return s->closed_ids = calloc(CLOSED_STREAM_MEMORY, sizeof(*s->closed_ids));
}

/* Records a closed stream id in the ring of the most recent ones. */
static void remember_closed(h2r_session *s, uint32_t id, int reset_by_us)
{
    uint32_t *ring = s->closed_ids ? s->closed_ids : alloc_closed_ids(s);
    /* Without memory for the ring, the stream is as one closed longer ago than the ring remembers. */
    if (ring) ring[s->closed_next++ % CLOSED_STREAM_MEMORY] = id | (reset_by_us ? 1u << 31 : 0);
}

int h2r_http2_was_closed(const h2r_session *s, uint32_t id, int *reset_by_us)
{
    for (uint32_t i = 0; s->closed_ids && i != CLOSED_STREAM_MEMORY; ++i) {
        if ((s->closed_ids[i] & H2R_STREAM_ID_MASK) == id && id != 0) {
            *reset_by_us = (s->closed_ids[i] >> 31) != 0;
            return 1;
        }
    }
    return 0;
}

void h2r_http2_stream_closed(h2r_stream *st)
{
    h2r_session *s = st->session;
    remember_closed(s, st->id, (st->flags & STREAM_RESET_BY_US) != 0);
    /*
     * A stream that ran its course earns back one unit of the reset budget
     * (see max_reset_streams); not one the session answered itself (431),
     * which cost the application nothing.
     */
    if (!(st->flags & (STREAM_ABORTED | STREAM_INTERNAL)) && st->rst_code == H2R_NO_ERROR &&
        s->reset_budget_used)
        --s->reset_budget_used;
}

/* ---- errors ---- */

/* Never above an earlier GOAWAY's (§6.8). */
uint32_t h2r_http2_goaway_last_stream_id(const h2r_session *s)
{
    if (s->goaway_sent && s->goaway_last_stream_id < s->last_peer_stream_id) return s->goaway_last_stream_id;
    return s->last_peer_stream_id;
}

void h2r_http2_connection_error(h2r_session *s, uint32_t code, const char *reason)
{
    if (s->phase == PHASE_CLOSED) return;
    /* RFC 9113 §5.4.1: GOAWAY with the last stream we processed, then close. */
    h2r_send_goaway(s, h2r_http2_goaway_last_stream_id(s), code, (const uint8_t *)reason,
                    reason ? strlen(reason) : 0);
    if (s->config->cb.on_session_error) s->config->cb.on_session_error(s, code, reason);
    h2r_session_shut_down(s);
}

void h2r_http2_count_invalid_frame(h2r_session *s)
{
    if (++s->invalid_frames > s->config->opt.max_session_invalid_frames)
        h2r_http2_connection_error(s, H2R_ENHANCE_YOUR_CALM, "too many invalid frames");
}

void h2r_http2_stream_error(h2r_stream *st, uint32_t code)
{
    h2r_session *s = st->session;
    if (!(st->flags & STREAM_CLOSED)) {
        st->flags |= STREAM_RESET_BY_US;
        h2r_send_rst_stream(s, st->id, code);
        h2r_stream_close_internal(st, code, 1);
        /* Peer-provoked resets share the rapid-reset budget (MadeYouReset, CVE-2025-8671). */
        if (++s->reset_budget_used > s->config->opt.max_reset_streams)
            h2r_http2_connection_error(s, H2R_ENHANCE_YOUR_CALM, "too many streams reset");
    }
    h2r_http2_count_invalid_frame(s);
}

void h2r_http2_stream_error_no_object(h2r_session *s, uint32_t id, uint32_t code)
{
    h2r_send_rst_stream(s, id, code);
    remember_closed(s, id, 1);
    h2r_http2_count_invalid_frame(s);
}
