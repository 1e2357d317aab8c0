/*
 * libFuzzer target: a server session (core/) fed arbitrary bytes after a
 * valid client preface and SETTINGS, so that the fuzzer reaches the frame
 * handlers, with an application that answers every stream and an I/O layer
 * that pulls and reports written with varying sizes after each piece of
 * input.
 *
 * Input: 4 config bytes, then the bytes the client sends after its preface.
 *   bytes 0-3  a seed for every choice below: where the input is cut into
 *              pieces, what the application does with each stream (respond
 *              with a small body; END_STREAM on HEADERS; trailers, sent at
 *              once or later; pushes; a 1xx then a file range; close(code);
 *              answer later; a reference kept past close), what it does
 *              between pieces (ping, SETTINGS, GOAWAY, close, destroy,
 *              ALTSVC, ORIGIN, PRIORITY), and how the output is pulled
 *              (chunks per pull 1..64, bytes per write 1..all, sometimes
 *              leaving some in flight); byte 0 & 3 also picks the padding
 *              strategy, byte 1 the options: bit 0 a high-water mark of
 *              1000, bit 1 a receive window of 1000 (SETTINGS), bit 2 at
 *              most 3 concurrent streams, bit 3 a connection window of
 *              65535, bit 4 a dynamic table of 0 for both HPACK directions,
 *              bit 5 small abuse budgets (resets, invalid frames, rejected
 *              streams).
 *
 * Aborts when the output is not a sequence of well-formed frames (a frame
 * over the largest SETTINGS_MAX_FRAME_SIZE the client ever sent, a frame
 * type or stream id the server must not send, bad padding, a header block
 * interleaved with other frames or that does not decode with the client's
 * HPACK decoder, pseudo-header fields out of place), when a pulled chunk is
 * empty, when the connection send window goes negative, when a call on a
 * closed stream does not return H2R_ERR_STREAM_CLOSED, or when a buffer
 * handed to the session is not released exactly once by h2r_session_free.
 * A buffer released before its bytes are written is freed by the release
 * callback, so that reading the chunk afterwards is a use after free for
 * ASan; whatever the session leaks, LeakSanitizer reports.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "h2r.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FAIL(...)                                                                                            \
    do {                                                                                                     \
        fprintf(stderr, "fuzz_session: " __VA_ARGS__);                                                       \
        fputc('\n', stderr);                                                                                 \
        abort();                                                                                             \
    } while (0)

#define MAX_TRACKED 64
#define FILE_SIZE   65536
/* Response bytes the application writes per input, at most: keeps each run short. */
#define BODY_BUDGET (256 * 1024)

enum pending_kind {
    PENDING_RESPOND, /* not answered yet */
    PENDING_END,     /* answered, body not ended */
    PENDING_TRAILERS /* on_want_trailers came, trailers not sent */
};

struct pending {
    h2r_stream *stream;
    enum pending_kind kind;
};

static struct state {
    h2r_session *session;
    uint64_t rng;
    long live_buffers; /* handed to the session and not released */
    size_t body_budget;
    struct pending pending[MAX_TRACKED];
    size_t pending_count;
    h2r_stream *refs[MAX_TRACKED]; /* streams the application keeps a reference on */
    size_t ref_count;

    /* the client's view of the output */
    uint8_t *out;
    size_t out_len, out_cap;
    h2r_hpack_decoder dec;
    /* The client's SETTINGS_HEADER_TABLE_SIZE, one per SETTINGS applied (an input holds fewer than 1024). */
    uint32_t table_sizes[1024];
    size_t table_head, table_tail;
    uint32_t max_frame_size; /* the largest the client ever allowed */
    uint8_t *block;
    size_t block_len, block_cap;
    uint8_t block_type;
    uint32_t block_stream; /* 0: no header block open */
} S;

static int file_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char path[] = "/tmp/fuzz_session_XXXXXX";
    file_fd = mkstemp(path);
    if (file_fd < 0) FAIL("mkstemp");
    unlink(path);
    static uint8_t content[FILE_SIZE];
    for (size_t i = 0; i != FILE_SIZE; ++i) content[i] = (uint8_t)(i * 7 + 3);
    if (write(file_fd, content, FILE_SIZE) != FILE_SIZE) FAIL("write");
    return 0;
}

static uint32_t rnd(void)
{
    /* xorshift64* */
    S.rng ^= S.rng >> 12;
    S.rng ^= S.rng << 25;
    S.rng ^= S.rng >> 27;
    return (uint32_t)((S.rng * 2685821657736338717ull) >> 32);
}

static int chance(uint32_t one_in)
{
    return rnd() % one_in == 0;
}

/* ---- the application ---- */

static void release_buffer(void *ctx, const void *data, size_t len)
{
    (void)ctx, (void)len;
    if (S.live_buffers <= 0) FAIL("a buffer released twice (or never handed over)");
    --S.live_buffers;
    free((void *)data); /* NULL for a file range */
}

/* Writes a body of up to max bytes (a fresh buffer, freed on release), or a file range. */
static void write_body(h2r_stream *st, size_t max)
{
    size_t len = max ? rnd() % (max + 1) : 0;
    if (len > S.body_budget) len = S.body_budget;
    S.body_budget -= len;
    if (chance(4)) {
        size_t offset = rnd() % FILE_SIZE;
        if (len > FILE_SIZE - offset) len = FILE_SIZE - offset;
        ++S.live_buffers;
        h2r_stream_write_file(st, file_fd, (int64_t)offset, len, release_buffer, NULL);
        return;
    }
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) FAIL("out of memory");
    memset(buf, 'b', len);
    ++S.live_buffers;
    h2r_stream_write(st, buf, len, release_buffer, NULL);
}

static void add_pending(h2r_stream *st, enum pending_kind kind)
{
    for (size_t i = 0; i != S.pending_count; ++i) {
        if (S.pending[i].stream == st) {
            S.pending[i].kind = kind;
            return;
        }
    }
    if (S.pending_count < MAX_TRACKED)
        S.pending[S.pending_count++] = (struct pending){st, kind};
    else
        h2r_stream_close(st, H2R_INTERNAL_ERROR); /* the application gives up on it */
}

static void remove_pending(h2r_stream *st)
{
    for (size_t i = 0; i != S.pending_count; ++i) {
        if (S.pending[i].stream == st) {
            S.pending[i] = S.pending[--S.pending_count];
            return;
        }
    }
}

static const h2r_header response_fields[] = {
    {.name = "content-type", .name_len = 12, .value = "text/plain", .value_len = 10},
    {.name = "x-fuzz", .name_len = 6, .value = "a value", .value_len = 7},
};

static void respond_and_write(h2r_stream *st, unsigned flags)
{
    h2r_header fields[3] = {response_fields[0], response_fields[1]};
    size_t count = rnd() % 3;
    if (chance(16)) {
        /* A header block larger than a frame: CONTINUATION frames. */
        static char big[20000];
        memset(big, 'v', sizeof(big));
        fields[count++] =
            (h2r_header){.name = "x-big", .name_len = 5, .value = big, .value_len = rnd() % 20000};
    }
    if (h2r_stream_respond(st, fields, count, flags) != 0) return;
    /* A response that ended the stream (END_STREAM, or to HEAD) may have closed it. */
    if (h2r_stream_closed(st) || (flags & H2R_RESPOND_END_STREAM)) return;
    write_body(st, chance(8) ? 20000 : 300);
    if (chance(6))
        add_pending(st, PENDING_END);
    else
        h2r_stream_end(st);
}

/* The reference keeps st valid through calls that may close it (a pushed stream has no other). */
static void respond(h2r_stream *st, unsigned flags)
{
    h2r_stream_ref(st);
    respond_and_write(st, flags);
    h2r_stream_unref(st);
}

static void push_some(h2r_stream *st)
{
    for (uint32_t n = rnd() % 3 + 1; n--;) {
        h2r_header fields[2] = {{.name = ":path", .name_len = 5, .value = "/pushed", .value_len = 7},
                                {.name = ":method", .name_len = 7, .value = "HEAD", .value_len = 4}};
        h2r_stream *pushed = NULL;
        if (h2r_stream_push(st, fields, chance(4) ? 2 : 1, &pushed) != 0) {
            if (pushed) FAIL("a failed push returned a stream");
            return;
        }
        if (chance(5))
            add_pending(pushed, PENDING_RESPOND);
        else
            respond(pushed, chance(4) ? H2R_RESPOND_WAIT_FOR_TRAILERS : 0);
    }
}

static void keep_ref(h2r_stream *st)
{
    if (S.ref_count == MAX_TRACKED) return;
    h2r_stream_ref(st);
    S.refs[S.ref_count++] = st;
}

static void on_stream(h2r_session *session, h2r_stream *st, const h2r_header *headers, size_t count,
                      int flags)
{
    (void)session, (void)headers, (void)count, (void)flags;
    if (chance(8)) keep_ref(st);
    switch (rnd() % 10) {
    case 0:
    case 1:
    case 2: respond(st, 0); break;
    case 3: respond(st, H2R_RESPOND_END_STREAM); break;
    case 4: respond(st, H2R_RESPOND_WAIT_FOR_TRAILERS | (chance(3) ? H2R_RESPOND_END_STREAM : 0)); break;
    case 5:
        push_some(st);
        respond(st, 0);
        break;
    case 6: h2r_stream_close(st, rnd() % 14); break;
    case 7: {
        h2r_header early[] = {{.name = ":status", .name_len = 7, .value = "103", .value_len = 3},
                              {.name = "link", .name_len = 4, .value = "</a>", .value_len = 4}};
        h2r_stream_additional_headers(st, early, 2);
        respond(st, 0);
        break;
    }
    default: add_pending(st, PENDING_RESPOND); break;
    }
}

static void on_data(h2r_stream *st, const uint8_t *data, size_t len)
{
    volatile uint8_t sum = 0;
    for (size_t i = 0; i != len; ++i) sum ^= data[i]; /* ASan: the data is readable */
    (void)sum;
    if (chance(16)) h2r_stream_close(st, H2R_CANCEL);
}

static void on_end(h2r_stream *st)
{
    for (size_t i = 0; i != S.pending_count; ++i) {
        if (S.pending[i].stream == st && S.pending[i].kind == PENDING_RESPOND && chance(2)) {
            remove_pending(st);
            respond(st, 0);
            return;
        }
    }
}

static void send_trailers(h2r_stream *st)
{
    h2r_header trailers[] = {{.name = "x-trailer", .name_len = 9, .value = "done", .value_len = 4}};
    h2r_stream_send_trailers(st, trailers, rnd() % 2);
}

static void on_want_trailers(h2r_stream *st)
{
    if (chance(4))
        add_pending(st, PENDING_TRAILERS);
    else if (chance(8))
        h2r_stream_close(st, H2R_NO_ERROR);
    else
        send_trailers(st);
}

static void on_drain(h2r_stream *st)
{
    if (chance(8)) h2r_stream_close(st, H2R_CANCEL);
}

static void on_stream_close(h2r_stream *st, uint32_t code)
{
    (void)code;
    remove_pending(st);
}

static void on_remote_settings(h2r_session *session, const h2r_settings *settings)
{
    (void)session;
    if (S.table_tail - S.table_head == sizeof(S.table_sizes) / sizeof(S.table_sizes[0]))
        FAIL("more SETTINGS applied than tracked");
    S.table_sizes[S.table_tail++ % 1024] = settings->header_table_size;
    if (settings->max_frame_size > S.max_frame_size) S.max_frame_size = settings->max_frame_size;
}

static void on_ping_ack(h2r_session *session, int err, const uint8_t payload[8], void *ctx)
{
    (void)session, (void)payload, (void)ctx;
    if (err != 0 && err != H2R_ERR_SESSION_CLOSED) FAIL("ping callback with error %d", err);
}

static const h2r_session_callbacks callbacks = {
    .on_stream = on_stream,
    .on_data = on_data,
    .on_end = on_end,
    .on_want_trailers = on_want_trailers,
    .on_drain = on_drain,
    .on_stream_close = on_stream_close,
    .on_remote_settings = on_remote_settings,
};

/* Every call on a closed stream fails cleanly (checked on streams the application kept). */
static void check_closed_stream(h2r_stream *st)
{
    h2r_header status = {.name = ":status", .name_len = 7, .value = "200", .value_len = 3};
    h2r_stream *pushed = (h2r_stream *)1;
    if (h2r_stream_respond(st, &status, 1, 0) != H2R_ERR_STREAM_CLOSED ||
        h2r_stream_end(st) != H2R_ERR_STREAM_CLOSED || h2r_stream_close(st, 0) != H2R_ERR_STREAM_CLOSED ||
        h2r_stream_send_trailers(st, NULL, 0) != H2R_ERR_STREAM_CLOSED ||
        h2r_stream_push(st, &status, 1, &pushed) != H2R_ERR_STREAM_CLOSED || pushed != NULL ||
        h2r_stream_priority(st, 0, 16, 0, 1) != H2R_ERR_STREAM_CLOSED)
        FAIL("a call on closed stream %u did not return H2R_ERR_STREAM_CLOSED", h2r_stream_id(st));
    ++S.live_buffers;
    if (h2r_stream_write(st, malloc(1), 1, release_buffer, NULL) != H2R_ERR_STREAM_CLOSED)
        FAIL("write on closed stream %u", h2r_stream_id(st));
}

/* Between two pieces of input: the application's own initiatives. */
static void app_round(void)
{
    for (size_t i = 0; i != S.pending_count;) {
        struct pending p = S.pending[i];
        if (!chance(3)) {
            ++i;
            continue;
        }
        /* The last entry takes its place and is looked at next; p.stream may come back at the end. */
        S.pending[i] = S.pending[--S.pending_count];
        switch (p.kind) {
        case PENDING_RESPOND: respond(p.stream, chance(3) ? H2R_RESPOND_WAIT_FOR_TRAILERS : 0); break;
        case PENDING_END:
            if (chance(3)) write_body(p.stream, 300);
            h2r_stream_end(p.stream);
            break;
        case PENDING_TRAILERS:
            if (chance(4))
                h2r_stream_close(p.stream, H2R_CANCEL);
            else
                send_trailers(p.stream);
            break;
        }
    }
    for (size_t i = 0; i != S.ref_count;) {
        if (h2r_stream_closed(S.refs[i])) {
            check_closed_stream(S.refs[i]);
            h2r_stream_unref(S.refs[i]);
            S.refs[i] = S.refs[--S.ref_count];
        } else {
            ++i;
        }
    }
    h2r_session *s = S.session;
    for (size_t i = 0; i != S.pending_count; ++i) {
        h2r_stream_state state;
        h2r_stream_get_state(S.pending[i].stream, &state);
        if (state.state == H2R_STREAM_STATE_CLOSED || state.state == H2R_STREAM_STATE_IDLE)
            FAIL("stream %u is live but its state is %d", h2r_stream_id(S.pending[i].stream), state.state);
    }
    switch (rnd() % 64) {
    case 0: {
        /* Few payloads, so that the fuzzer can learn to acknowledge them. */
        uint8_t payload[8] = {'p', 'i', 'n', 'g', 'p', 'o', 'n', (uint8_t)('0' + rnd() % 4)};
        h2r_session_ping(s, payload, on_ping_ack, NULL);
        break;
    }
    case 1: {
        h2r_settings settings = *h2r_session_local_settings(s);
        settings.initial_window_size = rnd() % 200000;
        settings.header_table_size = rnd() % 8192;
        settings.max_concurrent_streams = rnd() % 200;
        settings.max_frame_size = 16384 + rnd() % 50000;
        h2r_session_settings(s, &settings);
        break;
    }
    case 2: h2r_session_goaway(s, rnd() % 3, chance(2) ? -1 : rnd() % 100, (const uint8_t *)"bye", 3); break;
    case 3: h2r_session_close(s); break;
    case 4:
        if (chance(4)) h2r_session_destroy(s, rnd() % 14);
        break;
    case 5: h2r_session_altsvc(s, 0, "https://example.com", "h2=\":443\""); break;
    case 6: {
        const char *origins[] = {"https://example.com", "https://example.org"};
        h2r_session_origin(s, origins, 1 + rnd() % 2);
        break;
    }
    case 7:
        if (S.pending_count)
            h2r_stream_priority(S.pending[0].stream, rnd() % 8, (uint16_t)(1 + rnd() % 256), (int)(rnd() % 2),
                                (int)(rnd() % 2));
        break;
    default: break;
    }
}

/* ---- the client's view of the output ---- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

struct field_check {
    uint8_t type;
    int regular_seen;
    int method, path;
};

static int check_field(void *ctx, const h2r_hpack_field *f)
{
    struct field_check *c = ctx;
    if (f->name_len && f->name[0] == ':') {
        if (c->regular_seen) FAIL("a pseudo-header after a regular field");
        int status = f->name_len == 7 && memcmp(f->name, ":status", 7) == 0;
        if (c->type == H2R_FRAME_HEADERS) {
            if (!status) FAIL("a pseudo-header other than :status in a response");
            if (f->value_len != 3) FAIL(":status is not 3 digits");
        } else {
            if (status) FAIL(":status in a promised request");
            c->method |= f->name_len == 7 && memcmp(f->name, ":method", 7) == 0;
            c->path |= f->name_len == 5 && memcmp(f->name, ":path", 5) == 0;
        }
    } else {
        c->regular_seen = 1;
        for (size_t i = 0; i != f->name_len; ++i)
            if (f->name[i] >= 'A' && f->name[i] <= 'Z') FAIL("an uppercase field name");
    }
    return 0;
}

static void block_append(const uint8_t *p, size_t len)
{
    if (S.block_len + len > S.block_cap) {
        S.block_cap = (S.block_len + len) * 2;
        S.block = realloc(S.block, S.block_cap);
        if (!S.block) FAIL("out of memory");
    }
    if (len) memcpy(S.block + S.block_len, p, len);
    S.block_len += len;
}

static void block_end(void)
{
    struct field_check c = {.type = S.block_type};
    int rc = h2r_hpack_decode(&S.dec, S.block, S.block_len, check_field, &c);
    if (rc != 0)
        FAIL("a header block on stream %u does not decode: %s", S.block_stream, h2r_hpack_strerror(rc));
    if (S.block_type == H2R_FRAME_PUSH_PROMISE && !(c.method && c.path))
        FAIL("a promise without :method or :path");
    S.block_stream = 0;
    S.block_len = 0;
}

/* Strips Pad Length and padding from a DATA or HEADERS payload; checks them. */
static const uint8_t *unpad(const struct h2r_frame_header *h, const uint8_t *p, size_t *len)
{
    *len = h->length;
    if (!(h->flags & H2R_FLAG_PADDED)) return p;
    if (h->length < 1 || (size_t)p[0] + 1 > h->length) FAIL("padding longer than the frame");
    for (size_t i = h->length - p[0]; i != h->length; ++i)
        if (p[i]) FAIL("non-zero padding");
    *len = h->length - 1 - p[0];
    return p + 1;
}

static void check_frame(const struct h2r_frame_header *h, const uint8_t *p)
{
    if (h->length > S.max_frame_size) FAIL("a frame of %u bytes, over %u", h->length, S.max_frame_size);
    if (S.block_stream && h->type != H2R_FRAME_CONTINUATION) FAIL("a header block interleaved with a frame");
    size_t len;
    switch (h->type) {
    case H2R_FRAME_DATA:
        if (!h->stream_id || (h->flags & ~(H2R_FLAG_END_STREAM | H2R_FLAG_PADDED))) FAIL("bad DATA frame");
        unpad(h, p, &len);
        break;
    case H2R_FRAME_HEADERS:
    case H2R_FRAME_PUSH_PROMISE:
        if (!h->stream_id || (h->flags & H2R_FLAG_PRIORITY)) FAIL("bad HEADERS frame");
        p = unpad(h, p, &len);
        if (h->type == H2R_FRAME_PUSH_PROMISE) {
            uint32_t promised = len >= 4 ? be32(p) & H2R_STREAM_ID_MASK : 0;
            if (len < 4 || !(h->stream_id & 1) || promised == 0 || (promised & 1) ||
                (h->flags & H2R_FLAG_PADDED))
                FAIL("bad PUSH_PROMISE frame");
            p += 4, len -= 4;
        }
        S.block_type = h->type;
        S.block_stream = h->stream_id;
        S.block_len = 0;
        block_append(p, len);
        if (h->flags & H2R_FLAG_END_HEADERS) block_end();
        break;
    case H2R_FRAME_CONTINUATION:
        if (!S.block_stream || h->stream_id != S.block_stream) FAIL("CONTINUATION without a header block");
        block_append(p, h->length);
        if (h->flags & H2R_FLAG_END_HEADERS) block_end();
        break;
    case H2R_FRAME_PRIORITY:
        if (h->length != 5 || !h->stream_id) FAIL("bad PRIORITY frame");
        break;
    case H2R_FRAME_RST_STREAM:
        if (h->length != 4 || !h->stream_id) FAIL("bad RST_STREAM frame");
        break;
    case H2R_FRAME_SETTINGS:
        if (h->stream_id || (h->flags & ~H2R_FLAG_ACK)) FAIL("bad SETTINGS frame");
        if (h->flags & H2R_FLAG_ACK) {
            if (h->length) FAIL("SETTINGS ACK with a payload");
            if (S.table_head == S.table_tail) FAIL("a SETTINGS ACK for nothing");
            /* The client applies its table size now: blocks after this ACK were encoded knowing it. */
            h2r_hpack_decoder_set_max_table_size(&S.dec, S.table_sizes[S.table_head++ % 1024]);
        } else if (h->length % 6) {
            FAIL("bad SETTINGS length");
        }
        break;
    case H2R_FRAME_PING:
        if (h->stream_id || h->length != 8) FAIL("bad PING frame");
        break;
    case H2R_FRAME_GOAWAY:
        if (h->stream_id || h->length < 8) FAIL("bad GOAWAY frame");
        break;
    case H2R_FRAME_WINDOW_UPDATE:
        if (h->length != 4 || (be32(p) & H2R_STREAM_ID_MASK) == 0) FAIL("bad WINDOW_UPDATE frame");
        break;
    case H2R_FRAME_ALTSVC:
        if (h->length < 2) FAIL("bad ALTSVC frame");
        break;
    case H2R_FRAME_ORIGIN:
        if (h->stream_id) FAIL("bad ORIGIN frame");
        break;
    default: FAIL("a frame of type %#x", h->type);
    }
}

static void out_append(const void *p, size_t len)
{
    if (S.out_len + len > S.out_cap) {
        S.out_cap = (S.out_len + len) * 2;
        S.out = realloc(S.out, S.out_cap);
        if (!S.out) FAIL("out of memory");
    }
    memcpy(S.out + S.out_len, p, len);
    S.out_len += len;
}

static void parse_output(void)
{
    size_t at = 0;
    while (S.out_len - at >= H2R_FRAME_HEADER_LEN) {
        struct h2r_frame_header h;
        h2r_frame_header_decode(S.out + at, &h);
        if (h.length > S.max_frame_size) FAIL("a frame of %u bytes, over %u", h.length, S.max_frame_size);
        if (S.out_len - at - H2R_FRAME_HEADER_LEN < h.length) break;
        check_frame(&h, S.out + at + H2R_FRAME_HEADER_LEN);
        at += H2R_FRAME_HEADER_LEN + h.length;
    }
    memmove(S.out, S.out + at, S.out_len - at);
    S.out_len -= at;
}

/* Pulls and writes: sometimes everything, sometimes a little, in odd sizes. */
static void io_round(int all)
{
    static const size_t maxes[] = {1, 2, 3, 4, 8, 64};
    static const size_t writes[] = {1, 7, 100, 4096, SIZE_MAX};
    size_t max = maxes[rnd() % 6], write_size = writes[rnd() % 5];
    int rounds = all ? 1000000 : (int)(rnd() % 4);
    h2r_chunk chunks[64];
    for (int r = 0; r < rounds; ++r) {
        size_t n = h2r_session_pull(S.session, chunks, max);
        if (n == 0) {
            if (h2r_session_want_write(S.session)) FAIL("want_write, but nothing to pull");
            break;
        }
        if (n > max) FAIL("pull returned more chunks than asked");
        size_t budget = write_size, written = 0;
        for (size_t i = 0; i != n && budget; ++i) {
            if (chunks[i].len == 0) FAIL("an empty chunk");
            size_t len = chunks[i].len < budget ? chunks[i].len : budget;
            if (chunks[i].base) {
                out_append(chunks[i].base, len);
            } else {
                if (chunks[i].fd != file_fd || chunks[i].offset < 0 ||
                    chunks[i].offset + (int64_t)len > FILE_SIZE)
                    FAIL("a file chunk outside the file");
                uint8_t tmp[4096];
                for (size_t done = 0; done < len;) {
                    size_t part = len - done < sizeof(tmp) ? len - done : sizeof(tmp);
                    if (pread(file_fd, tmp, part, chunks[i].offset + (int64_t)done) != (ssize_t)part)
                        FAIL("pread");
                    out_append(tmp, part);
                    done += part;
                }
            }
            written += len;
            budget -= len;
        }
        h2r_session_sent(S.session, written);
        parse_output();
        h2r_session_state state;
        h2r_session_get_state(S.session, &state);
        if (state.remote_window_size < 0) FAIL("the connection send window went negative");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) return 0;
    memset(&S, 0, sizeof(S));
    S.rng = ((uint64_t)be32(data) << 32 | be32(data)) ^ 0x9e3779b97f4a7c15ull;
    S.body_budget = BODY_BUDGET;
    S.max_frame_size = H2R_FRAME_MIN_MAX_SIZE;
    h2r_hpack_decoder_init(&S.dec, H2R_HPACK_DEFAULT_TABLE_SIZE, SIZE_MAX);
    h2r_session_options options;
    h2r_session_options_init(&options);
    options.padding_strategy = (enum h2r_padding_strategy)(data[0] & 3) % 3;
    if (data[1] & 1) options.stream_high_water_mark = 1000;
    if (data[1] & 2) options.settings.initial_window_size = 1000;
    if (data[1] & 4) options.settings.max_concurrent_streams = 3;
    if (data[1] & 8) options.connection_window_size = 65535;
    if (data[1] & 16) options.settings.header_table_size = options.max_deflate_dynamic_table_size = 0;
    if (data[1] & 32) {
        options.max_reset_streams = 5;
        options.max_session_invalid_frames = 10;
        options.max_session_rejected_streams = 5;
    }
    S.session = h2r_session_server_new(&options, &callbacks, NULL);
    if (!S.session) FAIL("h2r_session_server_new");
    data += 4, size -= 4;

    static const uint8_t preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
                                     "\x00\x00\x00\x04\x00\x00\x00\x00\x00"; /* an empty SETTINGS */
    if (h2r_session_feed(S.session, preface, sizeof(preface) - 1) != (ssize_t)(sizeof(preface) - 1))
        FAIL("the preface was refused");
    io_round(1);
    int reading = 1;
    while (size && reading) {
        size_t piece = chance(3) ? size : 1 + rnd() % (size < 64 ? size : 64);
        if (piece > size) piece = size;
        ssize_t rc = h2r_session_feed(S.session, data, piece);
        if (rc < 0)
            reading = 0;
        else if ((size_t)rc != piece)
            FAIL("feed took %zd of %zu bytes", rc, piece);
        data += piece, size -= piece;
        app_round();
        io_round(chance(2));
    }
    app_round();
    io_round(1);
    /* A destroyed connection: whatever is in flight or queued is released, once. */
    if (chance(2)) io_round(0);
    h2r_session_free(S.session);
    for (size_t i = 0; i != S.ref_count; ++i) {
        if (!h2r_stream_closed(S.refs[i])) FAIL("a stream still open after h2r_session_free");
        check_closed_stream(S.refs[i]);
        h2r_stream_unref(S.refs[i]);
    }
    if (S.live_buffers != 0) FAIL("%ld buffers never released", S.live_buffers);
    h2r_hpack_decoder_dispose(&S.dec);
    free(S.out);
    free(S.block);
    return 0;
}
