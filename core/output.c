/*
 * The output of a session of any kind, handed to the I/O layer as chunks
 * by reference (zero-copy).
 *
 * Bytes the session writes itself (frame headers, control frames, header
 * blocks, HTTP/1 heads and chunk framing) go into a FIFO of blocks;
 * application data stays where the application put it (memory or a file
 * range). A pull turns both into chunks in wire order (h2r_out_pull): first
 * everything already in the FIFO, then what the kind makes of the streams'
 * data. Chunks stay in flight until h2r_session_sent() covers them; only
 * then are blocks recycled and application buffers released.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "session_internal.h"

#define MIN_BLOCK_SIZE 2048

/* ---- the control FIFO ---- */

uint8_t *h2r_out_reserve(h2r_session *session, size_t len)
{
    struct out_block *tail = session->out_tail;
    if (tail && tail->cap - tail->len >= len) return tail->data + tail->len;

    size_t cap = len > MIN_BLOCK_SIZE ? len : MIN_BLOCK_SIZE;
    struct out_block *block = malloc(sizeof(*block) + cap);
    if (!block) return NULL;
    block->next = NULL;
    block->len = block->pulled = block->written = 0;
    block->cap = cap;
    if (tail)
        tail->next = block;
    else
        session->out_head = block;
    session->out_tail = block;
    if (!session->out_pull) session->out_pull = block;
    return block->data;
}

int h2r_out_control_full(const h2r_session *session)
{
    /* Pulled bytes count until written: a peer that does not read keeps them waiting in a short send. */
    return session->control_unwritten > session->config->opt.max_control_queue_bytes;
}

/* ---- in-flight chunks ---- */

int h2r_inflight_make_room(h2r_session *session, size_t n)
{
    if (session->inflight_start) {
        /* Slide the live part to the front; sequence numbers follow the slide. */
        size_t live = session->inflight_end - session->inflight_start;
        memmove(session->inflight, session->inflight + session->inflight_start,
                live * sizeof(*session->inflight));
        session->inflight_seq_base += session->inflight_start;
        session->inflight_start = 0;
        session->inflight_end = live;
        if (session->inflight_cap - live >= n) return 0;
    }
    if (h2r_array_reserve((void **)&session->inflight, &session->inflight_cap, session->inflight_end + n,
                          sizeof(*session->inflight), 16) != 0)
        return H2R_ERR_NOMEM;
    return 0;
}

/* One in-flight chunk per block. */
void h2r_out_pull_control(h2r_session *session)
{
    while (session->control_bytes) {
        struct out_block *block = session->out_pull;
        if (block->pulled == block->len) {
            session->out_pull = block->next;
            continue;
        }
        if (h2r_inflight_reserve(session, 1) != 0) return;
        struct inflight *rec = h2r_inflight_push(
            session,
            (h2r_chunk){.base = block->data + block->pulled, .len = block->len - block->pulled, .fd = -1});
        rec->block = block;
        session->control_bytes -= rec->chunk.len;
        block->pulled = block->len;
    }
}

void h2r_inflight_add_payload(h2r_session *session, h2r_stream *stream, size_t len, uint8_t *header,
                              uint64_t header_seq)
{
    struct data_item *item = stream->data_head;
    const uint8_t *memory = h2r_data_item_memory(item);
    h2r_chunk chunk =
        memory ? (h2r_chunk){.base = memory + item->framed, .len = len, .fd = -1}
               : (h2r_chunk){.len = len, .fd = item->fd, .offset = item->offset + (int64_t)item->framed};
    struct inflight *rec = h2r_inflight_push(session, chunk);
    rec->frame_header = header;
    rec->header_seq = header_seq;
    rec->stream_id = stream->id;
    session->inflight_data_bytes += len;
    session->output_progress_ms = (uint32_t)session->now_ms;
    if (memory) session->memory_bytes -= len;
    item->framed += len;
    item->last_inflight_seq = h2r_inflight_last_seq(session);
    if (item->framed == item->len) {
        /* Fully framed: released when this last chunk is written. */
        rec->release = item->release;
        rec->release_ctx = item->release_ctx;
        rec->release_data = memory;
        rec->release_len = item->len;
        stream->data_head = item->next;
        if (!stream->data_head) stream->data_tail = NULL;
        free(item);
    }
}

/* ---- written ---- */

static void block_written(h2r_session *session, struct out_block *block, size_t len)
{
    session->control_unwritten -= len;
    block->written += len;
    /* Blocks are written in order, so a finished block is the head. */
    if (block->written != block->len || block != session->out_head) return;
    if (block == session->out_tail) {
        /* The only one: kept empty for the next response until a tick finds it idle. */
        block->len = block->pulled = block->written = 0;
        session->out_pull = NULL;
        return;
    }
    session->out_head = block->next;
    if (session->out_pull == block) session->out_pull = block->next;
    if (session->out_tail == block) session->out_tail = NULL;
    free(block);
}

static void release_record(struct inflight *rec)
{
    if (rec->release) rec->release(rec->release_ctx, rec->release_data, rec->release_len);
}

void h2r_out_sent(h2r_session *session, size_t bytes)
{
    if (bytes) session->active_ms = session->now_ms;
    /* Empty chunks (payload dropped by h2r_session_file_failed) go as soon as the bytes reach them. */
    while (session->inflight_start != session->inflight_end) {
        struct inflight *rec = &session->inflight[session->inflight_start];
        size_t left = rec->chunk.len - session->inflight_offset;
        if (bytes < left) {
            session->inflight_offset += bytes;
            return;
        }
        bytes -= left;
        session->inflight_offset = 0;
        ++session->inflight_start;
        if (rec->block) block_written(session, rec->block, rec->chunk.len);
        if (rec->stream_id) session->inflight_data_bytes -= rec->chunk.len; /* a payload (add_payload) */
        release_record(rec);
    }
    if (session->inflight_start == session->inflight_end) {
        /* Nothing in flight: the array starts again from its front (kept until a tick finds it idle). */
        session->inflight_seq_base += session->inflight_start;
        session->inflight_start = session->inflight_end = 0;
    }
    if (session->proto->output_drained) session->proto->output_drained(session);
    h2r_session_maybe_done(session);
}

void h2r_out_release_idle(h2r_session *session)
{
    if (session->inflight && session->inflight_start == session->inflight_end) {
        session->inflight_seq_base += session->inflight_start;
        session->inflight_start = session->inflight_end = session->inflight_cap = 0;
        free(session->inflight);
        session->inflight = NULL;
    }
    struct out_block *spare = session->out_head;
    if (spare && spare == session->out_tail && spare->len == 0) {
        session->out_head = session->out_tail = session->out_pull = NULL;
        free(spare);
    }
}

void h2r_release_inflight_all(h2r_session *session)
{
    while (session->inflight_start != session->inflight_end)
        release_record(&session->inflight[session->inflight_start++]);
    session->inflight_seq_base += session->inflight_start;
    session->inflight_start = session->inflight_end = 0;
    session->inflight_offset = 0;
    session->inflight_data_bytes = 0;
}

void h2r_release_after_inflight(h2r_session *session, uint64_t seq, h2r_release_cb release, void *ctx,
                                const void *data, size_t len)
{
    uint64_t first = session->inflight_seq_base + session->inflight_start;
    if (seq >= first && seq <= h2r_inflight_last_seq(session) &&
        session->inflight_end != session->inflight_start) {
        struct inflight *rec = &session->inflight[seq - session->inflight_seq_base];
        rec->release = release;
        rec->release_ctx = ctx;
        rec->release_data = data;
        rec->release_len = len;
    } else if (release) {
        release(ctx, data, len);
    }
}
