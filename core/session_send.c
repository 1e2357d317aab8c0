/*
 * The zero-copy frame writer: what the session sends, handed to the I/O
 * layer as chunks by reference.
 *
 * Bytes the session writes itself (control frames, header blocks, DATA
 * frame headers) go into a FIFO of blocks; DATA payloads stay where the
 * application put them (memory or a file range). h2r_session_pull() turns
 * both into chunks in wire order: first everything already in the FIFO (so
 * control frames and HEADERS always overtake DATA), then DATA frames picked
 * by the priority scheduler within the flow-control windows. Chunks stay
 * "in flight" until h2r_session_sent() covers them; only then are blocks
 * recycled and application buffers released.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "session_internal.h"

#define MIN_BLOCK_SIZE 2048

static const uint8_t zero_padding[256];

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

void h2r_out_commit(h2r_session *session, size_t len)
{
    session->out_tail->len += len;
    session->control_bytes += len;
    session->control_unwritten += len;
    if (!session->out_pull) session->out_pull = session->out_tail;
}

int h2r_out_control_full(const h2r_session *session)
{
    /* Pulled bytes count until written: a peer that does not read keeps them waiting in a short send. */
    return session->control_unwritten > session->config->opt.max_control_queue_bytes;
}

int h2r_send_rst_stream(h2r_session *session, uint32_t stream_id, uint32_t code)
{
    uint8_t *buf = h2r_out_reserve(session, 13);
    if (!buf) return H2R_ERR_NOMEM;
    h2r_out_commit(session, h2r_frame_write_rst_stream(buf, stream_id, code));
    return 0;
}

int h2r_send_window_update(h2r_session *session, uint32_t stream_id, uint32_t increment)
{
    uint8_t *buf = h2r_out_reserve(session, 13);
    if (!buf) return H2R_ERR_NOMEM;
    h2r_out_commit(session, h2r_frame_write_window_update(buf, stream_id, increment));
    return 0;
}

int h2r_send_goaway(h2r_session *session, uint32_t last_stream_id, uint32_t code, const uint8_t *data,
                    size_t len)
{
    /* Debug data is copied: it is small, and the caller's buffer may not outlive the call. */
    uint8_t *buf = h2r_out_reserve(session, 17 + len);
    if (!buf) return H2R_ERR_NOMEM;
    size_t n = h2r_frame_write_goaway(buf, last_stream_id, code, len);
    if (len) memcpy(buf + n, data, len);
    h2r_out_commit(session, n + len);
    session->goaway_sent = 1;
    session->goaway_last_stream_id = last_stream_id;
    return 0;
}

/* Appends one setting to the list if it differs from what the peer assumes. */
static void add_setting(struct h2r_setting *list, size_t *count, uint16_t id, uint32_t value,
                        uint32_t previous)
{
    if (value != previous) list[(*count)++] = (struct h2r_setting){id, value};
}

int h2r_send_settings(h2r_session *session, const h2r_settings *s, const h2r_settings *prev)
{
    struct h2r_setting list[8];
    size_t n = 0;
    add_setting(list, &n, H2R_SETTINGS_HEADER_TABLE_SIZE, s->header_table_size, prev->header_table_size);
    /*
     * No SETTINGS_ENABLE_PUSH: it says nothing of a server, which MAY leave it
     * out and MUST NOT send 1 (RFC 9113 §6.5.2).
     */
    add_setting(list, &n, H2R_SETTINGS_MAX_CONCURRENT_STREAMS, s->max_concurrent_streams,
                prev->max_concurrent_streams);
    add_setting(list, &n, H2R_SETTINGS_INITIAL_WINDOW_SIZE, s->initial_window_size,
                prev->initial_window_size);
    add_setting(list, &n, H2R_SETTINGS_MAX_FRAME_SIZE, s->max_frame_size, prev->max_frame_size);
    add_setting(list, &n, H2R_SETTINGS_MAX_HEADER_LIST_SIZE, s->max_header_list_size,
                prev->max_header_list_size);
    add_setting(list, &n, H2R_SETTINGS_ENABLE_CONNECT_PROTOCOL, s->enable_connect_protocol,
                prev->enable_connect_protocol);
    add_setting(list, &n, H2R_SETTINGS_NO_RFC7540_PRIORITIES, s->no_rfc7540_priorities,
                prev->no_rfc7540_priorities);
    uint8_t *buf = h2r_out_reserve(session, H2R_FRAME_SETTINGS_MAX_LEN);
    if (!buf) return H2R_ERR_NOMEM;
    h2r_out_commit(session, h2r_frame_write_settings(buf, list, n));
    return 0;
}

/* ---- padding (Node's paddingStrategy) ---- */

/* Padding for a frame whose payload is len bytes, with room for `room` more bytes; -1 for none. */
static int padding_for(const h2r_session *session, size_t len, size_t room)
{
    if (session->config->opt.padding_strategy == H2R_PADDING_NONE || room < 1) return -1;
    size_t pad;
    if (session->config->opt.padding_strategy == H2R_PADDING_MAX) {
        pad = 255;
    } else {
        /* Frame header, pad length byte and payload end on a multiple of 8. */
        pad = (8 - (H2R_FRAME_HEADER_LEN + 1 + len) % 8) % 8;
    }
    if (pad > room - 1) pad = room - 1;
    return (int)pad;
}

/* ---- header blocks ---- */

static size_t header_list_size(const h2r_header *headers, size_t count)
{
    size_t size = 0;
    for (size_t i = 0; i != count; ++i) size += headers[i].name_len + headers[i].value_len + 32;
    return size;
}

/*
 * Splits a block written after the first frame's header into frames of at
 * most max_frame bytes, inserting CONTINUATION headers. Works from the end
 * so that every move is into free space.
 */
static size_t split_into_continuations(uint8_t *first_payload, size_t first_room, size_t block_len,
                                       size_t max_frame, uint32_t stream_id, uint8_t end_headers_flag)
{
    size_t rest = block_len - first_room;
    size_t frames = (rest + max_frame - 1) / max_frame;
    uint8_t *src_end = first_payload + block_len;
    uint8_t *dst_end = src_end + frames * H2R_FRAME_HEADER_LEN;
    for (size_t i = frames; i-- > 0;) {
        size_t len = rest - i * max_frame;
        src_end -= len;
        dst_end -= len;
        memmove(dst_end, src_end, len);
        dst_end -= H2R_FRAME_HEADER_LEN;
        h2r_frame_header_encode(dst_end, (uint32_t)len, H2R_FRAME_CONTINUATION,
                                i == frames - 1 ? end_headers_flag : 0, stream_id);
        rest -= len;
    }
    return frames * H2R_FRAME_HEADER_LEN;
}

int h2r_send_header_block(h2r_session *session, uint8_t type, uint32_t stream_id, uint32_t promised_id,
                          const h2r_header *headers, size_t count, int end_stream)
{
    /* Checked before encoding: a block refused after encoding would desynchronise HPACK. */
    size_t list_size = header_list_size(headers, count);
    if (list_size > session->config->opt.max_send_header_block_length ||
        list_size > session->remote.max_header_list_size)
        return H2R_ERR_HEADERS_TOO_LARGE;

    size_t max_frame = session->remote.max_frame_size;
    size_t bound = h2r_hpack_encode_bound(headers, count);
    size_t fixed = type == H2R_FRAME_PUSH_PROMISE ? 4 : 0;
    size_t frames_max = (bound + fixed) / max_frame + 1;
    size_t reserve = H2R_FRAME_HEADER_LEN + 1 + fixed + bound + 255 + frames_max * H2R_FRAME_HEADER_LEN;
    uint8_t *buf = h2r_out_reserve(session, reserve);
    if (!buf) return H2R_ERR_NOMEM;

    int padded = type == H2R_FRAME_HEADERS && session->config->opt.padding_strategy != H2R_PADDING_NONE;
    uint8_t *block = buf + H2R_FRAME_HEADER_LEN + fixed + (padded ? 1 : 0);
    ssize_t block_len = h2r_hpack_encode(&session->encoder, headers, count, block, bound);
    if (block_len < 0) return H2R_ERR_NOMEM;

    size_t first_room = max_frame - fixed - (padded ? 1 : 0);
    int pad = -1;
    if (padded && (size_t)block_len <= first_room)
        pad = padding_for(session, (size_t)block_len, first_room - (size_t)block_len + 1);
    if (padded && pad < 0) {
        /* No room to pad: drop the pad length byte again. */
        memmove(block - 1, block, (size_t)block_len);
        block -= 1;
        padded = 0;
        first_room += 1;
    }

    uint8_t flags = end_stream ? H2R_FLAG_END_STREAM : 0;
    size_t first_len = (size_t)block_len < first_room ? (size_t)block_len : first_room;
    size_t total = H2R_FRAME_HEADER_LEN + fixed + (padded ? 1 : 0) + (size_t)block_len;
    if ((size_t)block_len > first_room) {
        total += split_into_continuations(block, first_room, (size_t)block_len, max_frame, stream_id,
                                          H2R_FLAG_END_HEADERS);
    } else {
        flags |= H2R_FLAG_END_HEADERS;
    }
    if (padded) {
        flags |= H2R_FLAG_PADDED;
        buf[H2R_FRAME_HEADER_LEN] = (uint8_t)pad;
        memset(block + first_len, 0, (size_t)pad);
        total += (size_t)pad;
    }
    size_t payload = fixed + (padded ? 1 + (size_t)pad : 0) + first_len;
    if (type == H2R_FRAME_PUSH_PROMISE) {
        h2r_frame_write_push_promise(buf, stream_id, flags & H2R_FLAG_END_HEADERS, promised_id, first_len);
    } else {
        h2r_frame_header_encode(buf, (uint32_t)payload, type, flags, stream_id);
    }
    h2r_out_commit(session, total);
    return 0;
}

/* ---- in-flight chunks ---- */

/* Makes room for n more in-flight chunks, so that pushing them cannot fail. */
int h2r_inflight_reserve(h2r_session *session, size_t n)
{
    if (session->inflight_cap - session->inflight_end >= n) return 0;
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

/* Appends an in-flight chunk; room was reserved. */
static struct inflight *inflight_push(h2r_session *session, h2r_chunk chunk)
{
    assert(session->inflight_end < session->inflight_cap);
    struct inflight *rec = &session->inflight[session->inflight_end++];
    memset(rec, 0, sizeof(*rec));
    rec->chunk = chunk;
    return rec;
}

static uint64_t inflight_last_seq(const h2r_session *session)
{
    return session->inflight_seq_base + session->inflight_end - 1;
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
        struct inflight *rec = inflight_push(
            session,
            (h2r_chunk){.base = block->data + block->pulled, .len = block->len - block->pulled, .fd = -1});
        rec->block = block;
        session->control_bytes -= rec->chunk.len;
        block->pulled = block->len;
    }
}

static void block_written(h2r_session *session, struct out_block *block, size_t len)
{
    session->control_unwritten -= len;
    block->written += len;
    /* Blocks are written in order, so a finished block is the head. */
    if (block->written != block->len || block != session->out_head) return;
    /*
     * Freed even when it is the only one: an idle connection then holds no
     * output memory at all, and jemalloc's thread cache makes the next
     * allocation cheap.
     */
    session->out_head = block->next;
    if (session->out_pull == block) session->out_pull = block->next;
    if (session->out_tail == block) session->out_tail = NULL;
    free(block);
}

static void release_record(struct inflight *rec)
{
    if (rec->release) rec->release(rec->release_ctx, rec->release_data, rec->release_len);
}

static void sent(h2r_session *session, size_t bytes)
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
        /* Nothing in flight: the array goes too, for the same reason as the blocks. */
        session->inflight_seq_base += session->inflight_start;
        session->inflight_start = session->inflight_end = session->inflight_cap = 0;
        free(session->inflight);
        session->inflight = NULL;
    }
    if (session->proto->output_drained) session->proto->output_drained(session);
    h2r_session_maybe_done(session);
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

/* Attaches an item's release to the in-flight chunk holding its last bytes, or runs it now if none is. */
void h2r_release_after_inflight(h2r_session *session, uint64_t seq, h2r_release_cb release, void *ctx,
                                const void *data, size_t len)
{
    uint64_t first = session->inflight_seq_base + session->inflight_start;
    if (seq >= first && seq <= inflight_last_seq(session) &&
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

/* ---- DATA frames ---- */

static h2r_stream *stream_of(struct h2r_sched_node *node)
{
    return (h2r_stream *)((char *)node - offsetof(h2r_stream, sched));
}

void h2r_inflight_add_payload(h2r_session *session, h2r_stream *stream, size_t len, uint8_t *header,
                              uint64_t header_seq)
{
    struct data_item *item = stream->data_head;
    h2r_chunk chunk = {
        .base = NULL, .len = len, .fd = item->fd, .offset = item->offset + (int64_t)item->framed};
    if (item->base) chunk = (h2r_chunk){.base = item->base + item->framed, .len = len, .fd = -1};
    struct inflight *rec = inflight_push(session, chunk);
    rec->frame_header = header;
    rec->header_seq = header_seq;
    rec->stream_id = stream->id;
    session->inflight_data_bytes += len;
    if (item->base) session->queued_memory_bytes -= len;
    item->framed += len;
    item->last_inflight_seq = inflight_last_seq(session);
    if (item->framed == item->len) {
        /* Fully framed: released when this last chunk is written. */
        rec->release = item->release;
        rec->release_ctx = item->release_ctx;
        rec->release_data = item->base;
        rec->release_len = item->len;
        stream->data_head = item->next;
        if (!stream->data_head) stream->data_tail = NULL;
        free(item);
    }
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
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
     * slots below, and padding. Not chunk_room itself: that is a 12 KiB
     * array, made again for every response of a connection that sends one
     * at a time (the array goes when nothing is in flight).
     */
    size_t need = 2;
    for (const struct data_item *item = stream->data_head; item && need < chunk_room; item = item->next)
        ++need;
    if (h2r_inflight_reserve(session, need) != 0) return 0;
    uint8_t *header = h2r_out_reserve(session, H2R_FRAME_HEADER_LEN + 1);
    if (!header) return 0;

    size_t room = window > 0 ? min_size(session->remote.max_frame_size, (size_t)window) : 0;
    size_t len = min_size(stream->queued_bytes, room);
    int pad = padding_for(session, len, room - len);
    h2r_out_commit(session, H2R_FRAME_HEADER_LEN + (pad >= 0 ? 1 : 0));
    h2r_out_pull_control(session);
    uint64_t header_seq = inflight_last_seq(session); /* the header ends the control bytes just pulled */

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
        if (pad) inflight_push(session, (h2r_chunk){.base = zero_padding, .len = (size_t)pad, .fd = -1});
        flow += 1 + (size_t)pad;
    }
    stream->queued_bytes -= framed;
    session->queued_data_bytes -= framed;
    int end = stream->queued_bytes == 0 && (stream->flags & STREAM_END_REQUESTED) &&
              !(stream->flags & (STREAM_WANT_TRAILERS | STREAM_TRAILERS_ASKED));
    if (end) flags |= H2R_FLAG_END_STREAM;
    h2r_frame_header_encode(header, (uint32_t)flow, H2R_FRAME_DATA, flags, stream->id);
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

void h2r_session_sent(h2r_session *session, size_t bytes)
{
    h2r_session_enter(session);
    sent(session, bytes);
    h2r_session_leave(session);
}

size_t h2r_http2_pull(h2r_session *session, h2r_chunk *chunks, size_t max)
{
    return h2r_out_pull(session, chunks, max, produce_data_frame);
}

size_t h2r_out_chunks(const h2r_session *session, h2r_chunk *chunks, size_t max)
{
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

int h2r_http2_want_write(const h2r_session *session)
{
    return session->control_bytes != 0 || session->inflight_end != session->inflight_start ||
           h2r_sched_next(&session->sched) != NULL;
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
    h2r_session_connection_error(session, H2R_INTERNAL_ERROR, "a file being sent could not be read");
    return H2R_ERR_SESSION_CLOSED;
}
