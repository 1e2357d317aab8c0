/*
 * HTTP/2 frames the session writes into its output queue (output.c), DATA
 * aside (http2_data.c): control frames, and header blocks encoded with
 * HPACK and split into HEADERS or PUSH_PROMISE and CONTINUATION frames.
 */
#include <string.h>

#include "http2.h"

/* ---- the application's trace (on_frame) ---- */

void h2r_send_trace(h2r_session *session, const uint8_t *frames, size_t len)
{
    while (len >= H2R_FRAME_HEADER_LEN) {
        struct h2r_frame_header h;
        h2r_frame_header_decode(frames, &h);
        session->config->cb.on_frame(session, H2R_FRAME_SENT, h.type, h.flags, h.stream_id, h.length);
        size_t size = H2R_FRAME_HEADER_LEN + h.length;
        if (size >= len) break;
        frames += size;
        len -= size;
    }
}

/* ---- control frames ---- */

int h2r_send_rst_stream(h2r_session *session, uint32_t stream_id, uint32_t code)
{
    uint8_t *buf = h2r_out_reserve(session, 13);
    if (!buf) return H2R_ERR_NOMEM;
    h2r_send_commit(session, buf, h2r_frame_write_rst_stream(buf, stream_id, code));
    return 0;
}

int h2r_send_window_update(h2r_session *session, uint32_t stream_id, uint32_t increment)
{
    uint8_t *buf = h2r_out_reserve(session, 13);
    if (!buf) return H2R_ERR_NOMEM;
    h2r_send_commit(session, buf, h2r_frame_write_window_update(buf, stream_id, increment));
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
    h2r_send_commit(session, buf, n + len);
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
     * SETTINGS_ENABLE_PUSH from a client only: it says nothing of a server,
     * which MAY leave it out and MUST NOT send 1 (RFC 9113 §6.5.2).
     */
    if (h2r_http2_is_client(session))
        add_setting(list, &n, H2R_SETTINGS_ENABLE_PUSH, s->enable_push, prev->enable_push);
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
    h2r_send_commit(session, buf, h2r_frame_write_settings(buf, list, n));
    return 0;
}

/* ---- padding (Node's paddingStrategy) ---- */

int h2r_send_padding(const h2r_session *session, size_t len, size_t room)
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
        pad = h2r_send_padding(session, (size_t)block_len, first_room - (size_t)block_len + 1);
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
    h2r_send_commit(session, buf, total);
    return 0;
}
