/*
 * libFuzzer target: a client session (core/) that has sent a few requests,
 * fed arbitrary bytes as the server's after a valid SETTINGS, so that the
 * fuzzer reaches the handlers of responses, trailers, pushes, ALTSVC,
 * ORIGIN and the rest of a server's frames; with an application that reads responses, refuses
 * pushes, resets and pauses streams, and an I/O layer that pulls and
 * reports written with varying sizes after each piece of input.
 *
 * Input: 4 config bytes, then the bytes the server sends after its SETTINGS.
 *   bytes 0-3  a seed for every choice below: where the input is cut into
 *              pieces, the request bodies (from memory or a file, ended at
 *              once or later, with trailers or not), what the application
 *              does with pushes (keep, refuse now or later), responses
 *              (close one) and bodies (close, pause and resume), what it
 *              does between pieces (another request, ping, SETTINGS,
 *              GOAWAY, close, destroy, PRIORITY), and how the output is
 *              pulled (fuzz_app.c); byte 1 also picks the options (as
 *              fuzz_http2_options says; bit 2: at most 3 concurrent
 *              pushes), and bit 6 disables push.
 *   The session has sent GET / (stream 1), POST /upload (3) and HEAD /h (5).
 *
 * Aborts when the output is not what a client may send (a frame type only
 * servers send, HEADERS or DATA on an even stream id, a header block that
 * does not decode or that has :status or pseudo-header fields after
 * regular ones, a frame over the largest SETTINGS_MAX_FRAME_SIZE the server
 * ever sent, a header block split over frames), when a pulled chunk is
 * empty, when the connection send window goes negative, when a call on a
 * closed stream does not return H2R_ERR_STREAM_CLOSED, or when a buffer
 * handed to the session is not released exactly once by h2r_session_free.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "fuzz_app.h"
#include "h2ring/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The server's view of the output. */
static struct server {
    h2r_hpack_decoder dec;
    uint32_t max_frame_size; /* the largest the server ever allowed */
} server;

/* ---- the application ---- */

static void write_body(h2r_stream *st, size_t max)
{
    size_t len = body_length(max);
    if (chance(4))
        write_file_range(st, 0, len);
    else
        write_memory(st, len);
}

/* A request: GET, or a POST whose body is written now, ended now or later, with trailers or not. */
static void request(int post)
{
    h2r_header get[] = {FIELD(":path", "/")};
    h2r_header upload[] = {FIELD(":method", "POST"), FIELD(":path", "/upload"), FIELD("content-type", "a/b")};
    unsigned flags = post ? (chance(3) ? H2R_REQUEST_WAIT_FOR_TRAILERS : 0) : H2R_REQUEST_END_STREAM;
    h2r_stream *st = NULL;
    int err = h2r_session_request(app.session, post ? upload : get, post ? 3 : 1, flags, &st);
    if (err) {
        if (st) FAIL("a failed request returned a stream");
        return;
    }
    if (chance(8)) keep_ref(st);
    if (!post) return;
    write_body(st, chance(8) ? 20000 : 300);
    if (chance(4))
        add_pending(st, PENDING_END);
    else
        h2r_stream_end(st);
}

/* A push left for later is refused now. */
static void refuse_push(h2r_stream *st)
{
    h2r_stream_close(st, H2R_CANCEL);
}

static void on_push(h2r_session *session, h2r_stream *st, const h2r_header *headers, size_t count, int flags)
{
    (void)session, (void)headers, (void)count, (void)flags;
    if (chance(8)) keep_ref(st);
    if (chance(4))
        refuse_push(st);
    else if (chance(4))
        add_pending(st, PENDING_RESPOND);
}

static void on_response(h2r_stream *st, const h2r_header *headers, size_t count, int flags)
{
    (void)flags;
    if (count == 0 || headers[0].name_len != 7 || memcmp(headers[0].name, ":status", 7) != 0)
        FAIL("a response without :status first");
    if (headers[0].value_len != 3 || headers[0].value[0] < '2') FAIL("a final response that is not 2xx-9xx");
    if (chance(16)) h2r_stream_close(st, H2R_CANCEL);
}

static void on_data(h2r_stream *st, const uint8_t *data, size_t len)
{
    read_bytes(data, len);
    if (chance(16))
        h2r_stream_close(st, H2R_CANCEL);
    else if (chance(8))
        pause_body(st);
}

static void on_remote_settings(h2r_session *session, const h2r_settings *settings)
{
    (void)session;
    if (settings->max_frame_size > server.max_frame_size) server.max_frame_size = settings->max_frame_size;
}

/* ALTSVC and ORIGIN: what they tell lies inside the frame (read, for ASan), an origin only on stream 0. */
static void on_altsvc(h2r_session *session, uint32_t stream_id, const char *origin, size_t origin_len,
                      const char *alt, size_t alt_len)
{
    (void)session;
    if ((stream_id == 0) != (origin_len != 0)) FAIL("ALTSVC told with the origin rule broken");
    read_bytes((const uint8_t *)origin, origin_len);
    read_bytes((const uint8_t *)alt, alt_len);
}

static void on_origin(h2r_session *session, const char *origin, size_t len)
{
    (void)session;
    read_bytes((const uint8_t *)origin, len);
}

static const h2r_session_callbacks callbacks = {
    .on_stream = on_push,
    .on_data = on_data,
    .on_want_trailers = on_want_trailers,
    .on_stream_close = on_stream_close,
    .on_remote_settings = on_remote_settings,
    .on_response = on_response,
    .on_altsvc = on_altsvc,
    .on_origin = on_origin,
};

/* Between two pieces of input: the application's own initiatives. */
static void app_round(void)
{
    advance_streams();
    h2r_session *s = app.session;
    uint32_t choice = rnd() % 48;
    switch (choice) {
    case 1: {
        h2r_settings settings = *h2r_session_local_settings(s);
        settings.initial_window_size = rnd() % 200000;
        settings.enable_push = rnd() % 2;
        settings.max_concurrent_streams = rnd() % 4;
        h2r_session_settings(s, &settings);
        break;
    }
    case 5:
    case 6: request(chance(2)); break;
    default: fuzz_http2_control(s, choice); break;
    }
}

/* ---- the server's view of the output ---- */

struct field_check {
    int regular_seen;
};

static int check_field(void *ctx, const h2r_hpack_field *f)
{
    struct field_check *c = ctx;
    if (f->name_len && f->name[0] == ':') {
        if (c->regular_seen) FAIL("a pseudo-header after a regular field");
        if (f->name_len == 7 && memcmp(f->name, ":status", 7) == 0) FAIL(":status from a client");
    } else {
        c->regular_seen = 1;
    }
    return 0;
}

static void check_frame(const struct h2r_frame_header *h, const uint8_t *p)
{
    if (fuzz_check_control_frame(h, p)) return;
    switch (h->type) {
    case H2R_FRAME_HEADERS: {
        /* A client's blocks (requests, trailers) are far below the smallest frame size: never split. */
        if (!(h->stream_id & 1) || (h->flags & (H2R_FLAG_PADDED | H2R_FLAG_PRIORITY)) ||
            !(h->flags & H2R_FLAG_END_HEADERS))
            FAIL("bad HEADERS frame on stream %u", h->stream_id);
        struct field_check c = {0};
        int rc = h2r_hpack_decode(&server.dec, p, h->length, check_field, &c);
        if (rc != 0)
            FAIL("a header block on stream %u does not decode: %s", h->stream_id, h2r_hpack_strerror(rc));
        break;
    }
    case H2R_FRAME_DATA:
        if (!(h->stream_id & 1) || (h->flags & ~H2R_FLAG_END_STREAM)) FAIL("bad DATA frame");
        break;
    case H2R_FRAME_SETTINGS:
        if (h->stream_id || (h->flags & ~H2R_FLAG_ACK) || h->length % 6 ||
            ((h->flags & H2R_FLAG_ACK) && h->length))
            FAIL("bad SETTINGS frame");
        break;
    default: FAIL("a frame of type %#x from a client", h->type);
    }
}

/* Checks the whole frames in app.out, the connection's send window, and the next stream id. */
static void read_output(void)
{
    fuzz_read_frames(server.max_frame_size, check_frame);
    h2r_session_state state;
    h2r_session_get_state(app.session, &state);
    if (!(state.next_stream_id & 1)) FAIL("a client's next stream id is even");
}

const struct fuzz_target target = {
    .name = "fuzz_client_session",
    .respond = refuse_push,
    .write_body = write_body,
    .read_output = read_output,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    if (size < 4) return 0;
    fuzz_start_input(data);
    memset(&server, 0, sizeof(server));
    server.max_frame_size = H2R_FRAME_MIN_MAX_SIZE;
    h2r_hpack_decoder_init(&server.dec, H2R_HPACK_DEFAULT_TABLE_SIZE, SIZE_MAX);
    h2r_session_options options;
    h2r_session_options_init(&options);
    fuzz_http2_options(&options, data[1]);
    if (data[1] & 64) options.settings.enable_push = 0;
    app.session = h2r_session_client_new(&options, &callbacks, NULL, "https", "example.com");
    if (!app.session) FAIL("h2r_session_client_new");
    data += 4, size -= 4;

    /* The preface goes out before any frame; the rest is checked frame by frame. */
    h2r_chunk chunk;
    if (h2r_session_pull(app.session, &chunk, 1) != 1 || chunk.len < sizeof(preface) - 1 ||
        memcmp(chunk.base, preface, sizeof(preface) - 1) != 0)
        FAIL("no client preface first");
    h2r_session_sent(app.session, sizeof(preface) - 1);
    request(0);
    request(1);
    h2r_header head[] = {FIELD(":method", "HEAD"), FIELD(":path", "/h")};
    h2r_stream *st = NULL;
    if (h2r_session_request(app.session, head, 2, H2R_REQUEST_END_STREAM, &st) != 0) FAIL("HEAD refused");

    static const uint8_t settings[] = "\x00\x00\x00\x04\x00\x00\x00\x00\x00"; /* the server's, empty */
    if (h2r_session_feed(app.session, settings, sizeof(settings) - 1) != (ssize_t)(sizeof(settings) - 1))
        FAIL("the server's SETTINGS were refused");
    fuzz_io_round(1);
    fuzz_feed_http2(data, size, app_round);
    fuzz_finish_input();
    h2r_hpack_decoder_dispose(&server.dec);
    return 0;
}
