/*
 * The test peer (see peer.h).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peer.h"

static void peer_start(struct peer *p, h2r_session *session)
{
    memset(p, 0, sizeof(*p));
    p->open_block = SIZE_MAX;
    p->session = session;
    h2r_hpack_encoder_init(&p->enc, 4096);
    h2r_hpack_decoder_init(&p->dec, 4096, SIZE_MAX);
}

void peer_init(struct peer *p, const h2r_session_options *options, const h2r_session_callbacks *callbacks,
               void *user_data)
{
    peer_start(p, h2r_session_server_new(options, callbacks, user_data));
}

void peer_init_client(struct peer *p, const h2r_session_options *options,
                      const h2r_session_callbacks *callbacks, void *user_data)
{
    peer_start(p, h2r_session_client_new(options, callbacks, user_data, "http", "localhost"));
    p->preface_left = 24;
}

void peer_clear(struct peer *p)
{
    for (size_t i = 0; i != p->frame_count; ++i) {
        free(p->frames[i].payload);
        /* Each field's name and value share one allocation, starting at the name. */
        for (size_t j = 0; j != p->frames[i].field_count; ++j) free((char *)p->frames[i].fields[j].name);
        free(p->frames[i].fields);
    }
    p->frame_count = 0;
}

void peer_free(struct peer *p)
{
    peer_clear(p);
    h2r_session_free(p->session);
    h2r_hpack_encoder_dispose(&p->enc);
    h2r_hpack_decoder_dispose(&p->dec);
    free(p->rx);
}

void peer_send(struct peer *p, const void *bytes, size_t len)
{
    p->last_feed = h2r_session_feed(p->session, bytes, len);
}

void peer_frame(struct peer *p, uint8_t type, uint8_t flags, uint32_t stream_id, const void *payload,
                size_t len)
{
    uint8_t *buf = malloc(H2R_FRAME_HEADER_LEN + len);
    h2r_frame_header_encode(buf, (uint32_t)len, type, flags, stream_id);
    if (len) memcpy(buf + H2R_FRAME_HEADER_LEN, payload, len);
    peer_send(p, buf, H2R_FRAME_HEADER_LEN + len);
    free(buf);
}

void peer_preface(struct peer *p, const struct h2r_setting *settings, size_t count)
{
    peer_send(p, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    uint8_t buf[H2R_FRAME_SETTINGS_MAX_LEN];
    size_t n = h2r_frame_write_settings(buf, settings, count);
    peer_send(p, buf, n);
}

size_t peer_encode(struct peer *p, const h2r_header *fields, size_t count, uint8_t *buf, size_t cap)
{
    ssize_t n = h2r_hpack_encode(&p->enc, fields, count, buf, cap);
    return n < 0 ? 0 : (size_t)n;
}

void peer_headers(struct peer *p, uint32_t stream_id, uint8_t flags, const h2r_header *fields, size_t count)
{
    size_t cap = h2r_hpack_encode_bound(fields, count);
    uint8_t *block = malloc(cap);
    size_t n = peer_encode(p, fields, count, block, cap);
    peer_frame(p, H2R_FRAME_HEADERS, flags | H2R_FLAG_END_HEADERS, stream_id, block, n);
    free(block);
}

#define FIELD(n, v)                                                                                          \
    {                                                                                                        \
        .name = (n), .name_len = sizeof(n) - 1, .value = (v), .value_len = strlen(v)                         \
    }

void peer_get(struct peer *p, uint32_t stream_id, const char *path, int end_stream)
{
    h2r_header fields[] = {FIELD(":method", "GET"), FIELD(":scheme", "http"),
                           FIELD(":authority", "localhost"), FIELD(":path", path)};
    peer_headers(p, stream_id, end_stream ? H2R_FLAG_END_STREAM : 0, fields, 4);
}

/* Collects decoded fields into a frame (copies owned by the frame). */
static int collect(void *ctx, const h2r_hpack_field *f)
{
    struct peer_frame *frame = ctx;
    frame->fields = realloc(frame->fields, (frame->field_count + 1) * sizeof(*frame->fields));
    char *copy = malloc(f->name_len + f->value_len + 2);
    memcpy(copy, f->name, f->name_len);
    copy[f->name_len] = 0;
    memcpy(copy + f->name_len + 1, f->value, f->value_len);
    copy[f->name_len + 1 + f->value_len] = 0;
    frame->fields[frame->field_count++] = (h2r_header){
        .name = copy, .name_len = f->name_len, .value = copy + f->name_len + 1, .value_len = f->value_len};
    return 0;
}

/* Header blocks: HEADERS/PUSH_PROMISE plus CONTINUATIONs, decoded once complete. */
static void decode_if_complete(struct peer *p, size_t first)
{
    struct peer_frame *f = &p->frames[first];
    size_t len = 0;
    uint8_t *block = NULL;
    for (size_t i = first; i != p->frame_count; ++i) {
        const struct peer_frame *part = &p->frames[i];
        const uint8_t *frag = part->payload;
        size_t frag_len = part->h.length;
        if (i == first) {
            size_t pad = 0;
            if (part->h.flags & H2R_FLAG_PADDED) {
                pad = frag[0];
                ++frag;
                --frag_len;
            }
            if (part->h.type == H2R_FRAME_PUSH_PROMISE) frag += 4, frag_len -= 4;
            if (part->h.type == H2R_FRAME_HEADERS && (part->h.flags & H2R_FLAG_PRIORITY))
                frag += 5, frag_len -= 5;
            frag_len -= pad;
        }
        block = realloc(block, len + frag_len + 1);
        memcpy(block + len, frag, frag_len);
        len += frag_len;
        if (part->h.flags & H2R_FLAG_END_HEADERS) {
            f->hpack_error = h2r_hpack_decode(&p->dec, block, len, collect, f);
            break;
        }
    }
    free(block);
}

static void parse_frames(struct peer *p)
{
    size_t at = 0;
    while (p->rx_len - at >= H2R_FRAME_HEADER_LEN && p->frame_count < PEER_MAX_FRAMES) {
        struct h2r_frame_header h;
        h2r_frame_header_decode(p->rx + at, &h);
        if (p->rx_len - at - H2R_FRAME_HEADER_LEN < h.length) break;
        struct peer_frame *f = &p->frames[p->frame_count++];
        memset(f, 0, sizeof(*f));
        f->h = h;
        f->payload = malloc(h.length + 1);
        memcpy(f->payload, p->rx + at + H2R_FRAME_HEADER_LEN, h.length);
        at += H2R_FRAME_HEADER_LEN + h.length;
        if (h.type == H2R_FRAME_HEADERS || h.type == H2R_FRAME_PUSH_PROMISE)
            p->open_block = p->frame_count - 1;
        if ((h.type == H2R_FRAME_HEADERS || h.type == H2R_FRAME_PUSH_PROMISE ||
             h.type == H2R_FRAME_CONTINUATION) &&
            (h.flags & H2R_FLAG_END_HEADERS) && p->open_block != SIZE_MAX) {
            decode_if_complete(p, p->open_block);
            p->open_block = SIZE_MAX;
        }
    }
    memmove(p->rx, p->rx + at, p->rx_len - at);
    p->rx_len -= at;
}

static void append_rx(struct peer *p, const void *data, size_t len)
{
    if (p->rx_len + len > p->rx_cap) {
        p->rx_cap = (p->rx_len + len) * 2;
        p->rx = realloc(p->rx, p->rx_cap);
    }
    memcpy(p->rx + p->rx_len, data, len);
    p->rx_len += len;
}

void peer_flush(struct peer *p)
{
    h2r_chunk chunks[PEER_MAX_CHUNKS];
    size_t max = p->max_chunks && p->max_chunks <= PEER_MAX_CHUNKS ? p->max_chunks : 64;
    size_t n;
    while ((n = h2r_session_pull(p->session, chunks, max)) != 0) {
        size_t budget = p->max_write ? p->max_write : SIZE_MAX, written = 0;
        for (size_t i = 0; i != n && budget; ++i) {
            size_t len = chunks[i].len < budget ? chunks[i].len : budget;
            if (chunks[i].base) {
                append_rx(p, chunks[i].base, len);
            } else {
                /* A file range: the engine never reads files; a test with files reads them itself. */
                uint8_t *tmp = malloc(len);
                ssize_t got = pread(chunks[i].fd, tmp, len, chunks[i].offset);
                append_rx(p, tmp, got > 0 ? (size_t)got : 0);
                free(tmp);
            }
            written += len;
            budget -= len;
        }
        p->bytes_received += written;
        h2r_session_sent(p->session, written);
    }
    size_t drop = p->preface_left < p->rx_len ? p->preface_left : p->rx_len;
    if (drop) {
        memmove(p->rx, p->rx + drop, p->rx_len - drop);
        p->rx_len -= drop;
        p->preface_left -= drop;
    }
    parse_frames(p);
}

const struct peer_frame *peer_find(const struct peer *p, uint8_t type, int64_t stream_id)
{
    for (size_t i = 0; i != p->frame_count; ++i)
        if (p->frames[i].h.type == type && (stream_id < 0 || p->frames[i].h.stream_id == (uint32_t)stream_id))
            return &p->frames[i];
    return NULL;
}

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

int peer_got_goaway(const struct peer *p, uint32_t code)
{
    const struct peer_frame *f = peer_find(p, H2R_FRAME_GOAWAY, 0);
    return f && f->h.length >= 8 && be32(f->payload + 4) == code;
}

int peer_got_rst(const struct peer *p, uint32_t stream_id, uint32_t code)
{
    for (size_t i = 0; i != p->frame_count; ++i) {
        const struct peer_frame *f = &p->frames[i];
        if (f->h.type == H2R_FRAME_RST_STREAM && f->h.stream_id == stream_id && be32(f->payload) == code)
            return 1;
    }
    return 0;
}

const char *peer_field(const struct peer_frame *f, const char *name)
{
    for (size_t i = 0; f && i != f->field_count; ++i)
        if (strcmp(f->fields[i].name, name) == 0) return f->fields[i].value;
    return NULL;
}

int peer_fields_are(const struct peer_frame *f, const h2r_header *want, size_t count)
{
    if (!f || f->hpack_error || f->field_count != count) return 0;
    for (size_t i = 0; i != count; ++i)
        if (f->fields[i].name_len != want[i].name_len ||
            memcmp(f->fields[i].name, want[i].name, want[i].name_len) ||
            f->fields[i].value_len != want[i].value_len ||
            memcmp(f->fields[i].value, want[i].value, want[i].value_len))
            return 0;
    return 1;
}

size_t peer_data_bytes(const struct peer *p, uint32_t stream_id, int *ended)
{
    size_t total = 0;
    *ended = 0;
    for (size_t i = 0; i != p->frame_count; ++i) {
        const struct peer_frame *f = &p->frames[i];
        if (f->h.stream_id != stream_id) continue;
        if (f->h.type == H2R_FRAME_DATA) {
            size_t len = f->h.length;
            if (f->h.flags & H2R_FLAG_PADDED) len -= 1 + f->payload[0];
            total += len;
        }
        if ((f->h.type == H2R_FRAME_DATA || f->h.type == H2R_FRAME_HEADERS) &&
            (f->h.flags & H2R_FLAG_END_STREAM))
            *ended = 1;
    }
    return total;
}

void peer_settings(struct peer *p, const struct h2r_setting *settings, size_t count)
{
    uint8_t buf[H2R_FRAME_SETTINGS_MAX_LEN];
    peer_send(p, buf, h2r_frame_write_settings(buf, settings, count));
}

void peer_settings_ack(struct peer *p)
{
    uint8_t buf[H2R_FRAME_HEADER_LEN];
    peer_send(p, buf, h2r_frame_write_settings_ack(buf));
}

void peer_window_update(struct peer *p, uint32_t stream_id, uint32_t increment)
{
    uint8_t buf[13];
    peer_send(p, buf, h2r_frame_write_window_update(buf, stream_id, increment));
}

void peer_rst_stream(struct peer *p, uint32_t stream_id, uint32_t code)
{
    uint8_t buf[13];
    peer_send(p, buf, h2r_frame_write_rst_stream(buf, stream_id, code));
}

void peer_priority(struct peer *p, uint32_t stream_id, uint32_t dependency, uint16_t weight, int exclusive)
{
    uint8_t buf[14];
    struct h2r_priority_spec spec = {
        .dependency = dependency, .weight = weight, .exclusive = (uint8_t) !!exclusive};
    peer_send(p, buf, h2r_frame_write_priority(buf, stream_id, &spec));
}

size_t peer_count(const struct peer *p, uint8_t type, int64_t stream_id)
{
    size_t n = 0;
    for (size_t i = 0; i != p->frame_count; ++i)
        if (p->frames[i].h.type == type && (stream_id < 0 || p->frames[i].h.stream_id == (uint32_t)stream_id))
            ++n;
    return n;
}

const struct peer_frame *peer_nth(const struct peer *p, uint8_t type, int64_t stream_id, size_t n)
{
    for (size_t i = 0; i != p->frame_count; ++i)
        if (p->frames[i].h.type == type &&
            (stream_id < 0 || p->frames[i].h.stream_id == (uint32_t)stream_id) && n-- == 0)
            return &p->frames[i];
    return NULL;
}

uint32_t peer_max_length(const struct peer *p, uint8_t type)
{
    uint32_t max = 0;
    for (size_t i = 0; i != p->frame_count; ++i)
        if ((type == 0xff || p->frames[i].h.type == type) && p->frames[i].h.length > max)
            max = p->frames[i].h.length;
    return max;
}

uint32_t peer_u32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

size_t peer_data_copy(const struct peer *p, uint32_t stream_id, uint8_t *out, size_t cap)
{
    size_t total = 0;
    for (size_t i = 0; i != p->frame_count; ++i) {
        const struct peer_frame *f = &p->frames[i];
        if (f->h.type != H2R_FRAME_DATA || f->h.stream_id != stream_id) continue;
        const uint8_t *data = f->payload;
        size_t len = f->h.length;
        if (f->h.flags & H2R_FLAG_PADDED) {
            len -= 1 + (size_t)data[0];
            ++data;
        }
        if (total < cap) memcpy(out + total, data, len < cap - total ? len : cap - total);
        total += len;
    }
    return total;
}

void peer_ack_pings(struct peer *p)
{
    for (size_t i = 0; i != p->frame_count; ++i) {
        const struct peer_frame *f = &p->frames[i];
        if (f->h.type == H2R_FRAME_PING && !(f->h.flags & H2R_FLAG_ACK) && f->h.length == 8)
            peer_frame(p, H2R_FRAME_PING, H2R_FLAG_ACK, 0, f->payload, 8);
    }
}
