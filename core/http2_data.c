/*
 * HTTP/2 DATA frames: made from the queue of the stream the priority
 * scheduler picks, within the flow-control windows, when the I/O layer
 * pulls (after the control bytes, so that control frames and HEADERS
 * always overtake DATA); and cut short when a file range being sent
 * cannot be read.
 */
#include <string.h>

#include "http2.h"

static const uint8_t zero_padding[256];

static h2r_stream *stream_of(struct h2r_sched_node *node)
{
    return (h2r_stream *)((char *)node - offsetof(h2r_stream, sched));
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/*
 * Frames the next DATA of the stream the scheduler picks, using at most
 * chunk_room chunks. Returns 1 if it made progress, 0 if nothing can be sent now.
 */
static int produce_data_frame(h2r_session *session, size_t chunk_room)
{
    struct h2r_sched_node *node = h2r_sched_next(&session->sched);
    if (!node) return 0;
    h2r_stream *stream = stream_of(node);

    if (stream->queued_bytes == 0 && (stream->flags & STREAM_WANT_TRAILERS)) {
        h2r_stream_ask_for_trailers(stream);
        return 1;
    }
    int64_t window =
        stream->remote_window < session->remote_window ? stream->remote_window : session->remote_window;
    if (stream->queued_bytes && window <= 0) {
        /* Only the connection window can be shut here (a shut stream window makes the stream not ready). */
        h2r_stream_update_ready(stream);
        return 1;
    }
    /*
     * Room for what this frame can take: its header (pulled with the
     * control bytes), a slice per queued item within the chunk_room - 2
     * slots below, and padding. Not all of chunk_room: the in-flight array
     * is made again for every response (it goes when nothing is in flight).
     */
    size_t need = 2;
    for (const struct data_item *item = stream->data_head; item && need < chunk_room; item = item->next)
        ++need;
    if (h2r_inflight_reserve(session, need) != 0) return 0;
    uint8_t *header = h2r_out_reserve(session, H2R_FRAME_HEADER_LEN + 1);
    if (!header) return 0;

    size_t room = window > 0 ? min_size(session->remote.max_frame_size, (size_t)window) : 0;
    size_t len = min_size(stream->queued_bytes, room);
    int pad = h2r_send_padding(session, len, room - len);
    h2r_out_commit(session, H2R_FRAME_HEADER_LEN + (pad >= 0 ? 1 : 0));
    h2r_out_pull_control(session);
    uint64_t header_seq = h2r_inflight_last_seq(session); /* the header ends the control bytes just pulled */

    /* Payload slices across items while chunk slots remain (one is kept for padding). */
    size_t framed = 0, slots = chunk_room - 2;
    while (framed < len && slots--) {
        size_t slice = min_size(len - framed, stream->data_head->len - stream->data_head->framed);
        h2r_inflight_add_payload(session, stream, slice, header, header_seq);
        framed += slice;
    }
    uint8_t flags = 0;
    size_t flow = framed;
    if (pad >= 0) {
        flags |= H2R_FLAG_PADDED;
        header[H2R_FRAME_HEADER_LEN] = (uint8_t)pad;
        if (pad) h2r_inflight_push(session, (h2r_chunk){.base = zero_padding, .len = (size_t)pad, .fd = -1});
        flow += 1 + (size_t)pad;
    }
    stream->queued_bytes -= framed;
    session->queued_data_bytes -= framed;
    int end = stream->queued_bytes == 0 && (stream->flags & STREAM_END_REQUESTED) &&
              !(stream->flags & (STREAM_WANT_TRAILERS | STREAM_TRAILERS_ASKED));
    if (end) flags |= H2R_FLAG_END_STREAM;
    h2r_frame_header_encode(header, (uint32_t)flow, H2R_FRAME_DATA, flags, stream->id);
    if (session->config->cb.on_frame) h2r_send_trace(session, header, H2R_FRAME_HEADER_LEN);
    stream->remote_window -= (int64_t)flow;
    session->remote_window -= (int64_t)flow;
    h2r_sched_charge(&session->sched, node, flow);
    h2r_stream_touch(stream);
    /* on_drain may close the stream and drop the last reference to it. */
    h2r_stream_ref(stream);
    h2r_stream_data_framed(stream);
    if (end && !(stream->flags & STREAM_CLOSED)) h2r_stream_on_end_sent(stream);
    h2r_stream_unref(stream);
    return 1;
}

size_t h2r_http2_pull(h2r_session *session, h2r_chunk *chunks, size_t max)
{
    return h2r_out_pull(session, chunks, max, produce_data_frame);
}

int h2r_http2_want_write(const h2r_session *session)
{
    return h2r_out_pending(session) || h2r_sched_next(&session->sched) != NULL;
}

/* ---- file ranges that cannot be read ---- */

/* Has any byte of the frame header at `header`, in the in-flight chunk header_seq, been written? */
static int header_written(const h2r_session *session, uint64_t header_seq, const uint8_t *header)
{
    uint64_t first = session->inflight_seq_base + session->inflight_start;
    if (header_seq != first) return header_seq < first;
    const struct inflight *rec = &session->inflight[session->inflight_start];
    return (const uint8_t *)rec->chunk.base + session->inflight_offset > header;
}

int h2r_http2_file_failed(h2r_session *session, size_t index)
{
    size_t pos = session->inflight_start + index;
    if (pos >= session->inflight_end) return H2R_ERR_INVALID_ARGUMENT;
    struct inflight *failed = &session->inflight[pos];
    if (failed->chunk.base || !failed->frame_header) return H2R_ERR_INVALID_ARGUMENT;
    uint32_t id = failed->stream_id;
    /* The peer has part of the frame: no frame can follow it, not even a GOAWAY. */
    if (header_written(session, failed->header_seq, failed->frame_header)) return H2R_ERR_INVALID_STATE;
    /*
     * This payload and every later one of the stream go: each frame shrinks
     * to what is before them (its header is still ours to rewrite), and none
     * may end the stream any more, since the body is incomplete.
     */
    int end_dropped = 0;
    for (size_t i = pos; i != session->inflight_end; ++i) {
        struct inflight *rec = &session->inflight[i];
        if (!rec->frame_header || rec->stream_id != id || rec->chunk.len == 0) continue;
        struct h2r_frame_header h;
        h2r_frame_header_decode(rec->frame_header, &h);
        end_dropped |= h.flags & H2R_FLAG_END_STREAM;
        h2r_frame_header_encode(rec->frame_header, h.length - (uint32_t)rec->chunk.len, H2R_FRAME_DATA,
                                h.flags & ~H2R_FLAG_END_STREAM, id);
        session->remote_window += (int64_t)rec->chunk.len; /* never sent, so not spent */
        session->inflight_data_bytes -= rec->chunk.len;
        rec->chunk.len = 0;
    }
    h2r_stream *stream = h2r_stream_find(session, id);
    if (stream && (!(stream->flags & STREAM_END_SENT) || end_dropped)) {
        stream->flags |= STREAM_RESET_BY_US;
        h2r_send_rst_stream(session, id, H2R_INTERNAL_ERROR);
        h2r_stream_close_internal(stream, H2R_INTERNAL_ERROR, 0);
        return 0;
    }
    if (!stream && end_dropped) {
        /* Closed once its END_STREAM was queued: the peer still sees it open, until this reset. */
        return h2r_send_rst_stream(session, id, H2R_INTERNAL_ERROR);
    }
    /*
     * The stream ends in a frame that cannot be rewritten (trailers, or an
     * empty DATA with END_STREAM): it would look complete. Rather the connection.
     */
    h2r_http2_connection_error(session, H2R_INTERNAL_ERROR, "a file being sent could not be read");
    return H2R_ERR_SESSION_CLOSED;
}
