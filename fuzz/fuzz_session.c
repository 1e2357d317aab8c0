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
 *              answer later; a reference kept past close; its body paused
 *              and resumed later), what it does
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
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "fuzz_app.h"
#include "h2ring/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The client's view of the output (the application's state is fuzz_app.h's app). */
static struct client {
    h2r_hpack_decoder dec;
    /* The client's SETTINGS_HEADER_TABLE_SIZE, one per SETTINGS applied (an input holds fewer than 1024). */
    uint32_t table_sizes[1024];
    size_t table_head, table_tail;
    uint32_t max_frame_size; /* the largest the client ever allowed */
    uint8_t *block;
    size_t block_len, block_cap;
    uint8_t block_type;
    uint32_t block_stream; /* 0: no header block open */
} client;

/* ---- the application ---- */

/* A body of up to max bytes: a fresh buffer, or a file range (cut short at the file's end). */
static void write_body(h2r_stream *st, size_t max)
{
    size_t len = body_length(max);
    if (chance(4)) {
        size_t offset = rnd() % FUZZ_FILE_SIZE;
        if (len > FUZZ_FILE_SIZE - offset) len = FUZZ_FILE_SIZE - offset;
        write_file_range(st, offset, len);
    } else {
        write_memory(st, len);
    }
}

static const h2r_header response_fields[] = {FIELD("content-type", "text/plain"), FIELD("x-fuzz", "a value")};

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
        h2r_header fields[2] = {FIELD(":path", "/pushed"), FIELD(":method", "HEAD")};
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
        h2r_header early[] = {FIELD(":status", "103"), FIELD("link", "</a>")};
        h2r_stream_additional_headers(st, early, 2);
        respond(st, 0);
        break;
    }
    default: add_pending(st, PENDING_RESPOND); break;
    }
}

static void on_data(h2r_stream *st, const uint8_t *data, size_t len)
{
    read_bytes(data, len);
    if (chance(16))
        h2r_stream_close(st, H2R_CANCEL);
    else if (chance(8))
        pause_body(st);
}

static void on_end(h2r_stream *st)
{
    if (take_pending_response(st)) respond(st, 0);
}

static void on_drain(h2r_stream *st)
{
    if (chance(8)) h2r_stream_close(st, H2R_CANCEL);
}

static void on_remote_settings(h2r_session *session, const h2r_settings *settings)
{
    (void)session;
    if (client.table_tail - client.table_head == sizeof(client.table_sizes) / sizeof(client.table_sizes[0]))
        FAIL("more SETTINGS applied than tracked");
    client.table_sizes[client.table_tail++ % 1024] = settings->header_table_size;
    if (settings->max_frame_size > client.max_frame_size) client.max_frame_size = settings->max_frame_size;
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

/* A stream left pending is answered later, sometimes waiting for trailers. */
static void respond_pending(h2r_stream *st)
{
    respond(st, chance(3) ? H2R_RESPOND_WAIT_FOR_TRAILERS : 0);
}

/* Between two pieces of input: the application's own initiatives. */
static void app_round(void)
{
    advance_streams();
    h2r_session *s = app.session;
    for (size_t i = 0; i != app.pending_count; ++i) {
        h2r_stream_state state;
        h2r_stream_get_state(app.pending[i].stream, &state);
        if (state.state == H2R_STREAM_STATE_CLOSED || state.state == H2R_STREAM_STATE_IDLE)
            FAIL("stream %u is live but its state is %d", h2r_stream_id(app.pending[i].stream), state.state);
    }
    uint32_t choice = rnd() % 64;
    switch (choice) {
    case 1: {
        h2r_settings settings = *h2r_session_local_settings(s);
        settings.initial_window_size = rnd() % 200000;
        settings.header_table_size = rnd() % 8192;
        settings.max_concurrent_streams = rnd() % 200;
        settings.max_frame_size = 16384 + rnd() % 50000;
        h2r_session_settings(s, &settings);
        break;
    }
    case 5: h2r_session_altsvc(s, 0, "https://example.com", "h2=\":443\""); break;
    case 6: {
        const char *origins[] = {"https://example.com", "https://example.org"};
        h2r_session_origin(s, origins, 1 + rnd() % 2);
        break;
    }
    default: fuzz_http2_control(s, choice); break;
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
    if (client.block_len + len > client.block_cap) {
        client.block_cap = (client.block_len + len) * 2;
        client.block = realloc(client.block, client.block_cap);
        if (!client.block) FAIL("out of memory");
    }
    if (len) memcpy(client.block + client.block_len, p, len);
    client.block_len += len;
}

static void block_end(void)
{
    struct field_check c = {.type = client.block_type};
    int rc = h2r_hpack_decode(&client.dec, client.block, client.block_len, check_field, &c);
    if (rc != 0)
        FAIL("a header block on stream %u does not decode: %s", client.block_stream, h2r_hpack_strerror(rc));
    if (client.block_type == H2R_FRAME_PUSH_PROMISE && !(c.method && c.path))
        FAIL("a promise without :method or :path");
    client.block_stream = 0;
    client.block_len = 0;
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
    if (h->length > client.max_frame_size)
        FAIL("a frame of %u bytes, over %u", h->length, client.max_frame_size);
    if (client.block_stream && h->type != H2R_FRAME_CONTINUATION)
        FAIL("a header block interleaved with a frame");
    size_t len;
    if (fuzz_check_control_frame(h, p)) return;
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
        client.block_type = h->type;
        client.block_stream = h->stream_id;
        client.block_len = 0;
        block_append(p, len);
        if (h->flags & H2R_FLAG_END_HEADERS) block_end();
        break;
    case H2R_FRAME_CONTINUATION:
        if (!client.block_stream || h->stream_id != client.block_stream)
            FAIL("CONTINUATION without a header block");
        block_append(p, h->length);
        if (h->flags & H2R_FLAG_END_HEADERS) block_end();
        break;
    case H2R_FRAME_SETTINGS:
        if (h->stream_id || (h->flags & ~H2R_FLAG_ACK)) FAIL("bad SETTINGS frame");
        if (h->flags & H2R_FLAG_ACK) {
            if (h->length) FAIL("SETTINGS ACK with a payload");
            if (client.table_head == client.table_tail) FAIL("a SETTINGS ACK for nothing");
            /* The client applies its table size now: blocks after this ACK were encoded knowing it. */
            h2r_hpack_decoder_set_max_table_size(&client.dec, client.table_sizes[client.table_head++ % 1024]);
        } else if (h->length % 6) {
            FAIL("bad SETTINGS length");
        }
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

/* Checks the whole frames in app.out, and the connection's send window. */
static void read_output(void)
{
    fuzz_read_frames(client.max_frame_size, check_frame);
}

const struct fuzz_target target = {
    .name = "fuzz_session",
    .respond = respond_pending,
    .write_body = write_body,
    .read_output = read_output,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) return 0;
    fuzz_start_input(data);
    memset(&client, 0, sizeof(client));
    client.max_frame_size = H2R_FRAME_MIN_MAX_SIZE;
    h2r_hpack_decoder_init(&client.dec, H2R_HPACK_DEFAULT_TABLE_SIZE, SIZE_MAX);
    h2r_session_options options;
    h2r_session_options_init(&options);
    options.padding_strategy = (enum h2r_padding_strategy)(data[0] & 3) % 3;
    fuzz_http2_options(&options, data[1]);
    app.session = h2r_session_server_new(&options, &callbacks, NULL);
    if (!app.session) FAIL("h2r_session_server_new");
    data += 4, size -= 4;

    static const uint8_t preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
                                     "\x00\x00\x00\x04\x00\x00\x00\x00\x00"; /* an empty SETTINGS */
    if (h2r_session_feed(app.session, preface, sizeof(preface) - 1) != (ssize_t)(sizeof(preface) - 1))
        FAIL("the preface was refused");
    fuzz_io_round(1);
    fuzz_feed_http2(data, size, app_round);
    fuzz_finish_input();
    h2r_hpack_decoder_dispose(&client.dec);
    free(client.block);
    return 0;
}
