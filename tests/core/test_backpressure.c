/*
 * Upload backpressure (h2r_stream_pause, h2r_stream_resume, and the compat
 * API's h2r_request_pause/resume): a client that sends faster than the
 * application reads is held, and what the server keeps meanwhile is
 * bounded, measured by the engine's own counters. HTTP/2 against the test
 * peer: no WINDOW_UPDATE for a paused stream, the bytes delivered bounded by
 * its window to the byte, other streams and the connection window going on,
 * the update withheld sent on resume. HTTP/1.1 fed directly: the body waits
 * in the session's input buffer, h2r_session_input_paused() at
 * http1_max_buffered_input, pipelined requests not read early, everything
 * delivered on resume.
 */
#include <stdlib.h>

#include "app_recorder.h"
#include "check.h"
#include "h2ring/compat.h"
#include "peer.h"

#define MIB (1u << 20)

/* ---- fixture: an application that may pause each request as it comes, and counts its body ---- */

struct app {
    int pause_on_stream; /* h2r_stream_pause in on_stream */
    int pause_on_data;   /* and again in every on_data */
    int echo; /* answer with the body as it comes, pausing it while the response is over its mark */
    struct stream_refs streams;
    struct event_log log;
    size_t bytes[16]; /* body bytes delivered, by stream id / 2 */
};

static struct app *app_of(h2r_stream *st)
{
    return h2r_session_user_data(h2r_stream_session(st));
}

static void cb_stream(h2r_session *s, h2r_stream *st, const h2r_header *headers, size_t count, int flags)
{
    (void)headers, (void)count;
    struct app *app = h2r_session_user_data(s);
    keep_stream(&app->streams, st);
    log_event(&app->log, "stream:%u%s ", h2r_stream_id(st), (flags & H2R_END_STREAM) ? "/end" : "");
    if (app->pause_on_stream) CHECK(h2r_stream_pause(st) == 0 && h2r_stream_is_paused(st));
    if (app->echo) CHECK(h2r_stream_respond(st, NULL, 0, 0) == 0);
}

static void free_copy(void *ctx, const void *data, size_t len)
{
    (void)ctx, (void)len;
    free((void *)data);
}

static void cb_data(h2r_stream *st, const uint8_t *data, size_t len)
{
    struct app *app = app_of(st);
    app->bytes[h2r_stream_id(st) / 2] += len;
    log_event(&app->log, "data:%u:%zu ", h2r_stream_id(st), len);
    if (app->pause_on_data) h2r_stream_pause(st);
    if (app->echo) {
        uint8_t *copy = malloc(len);
        memcpy(copy, data, len);
        /* Node's pipe(): a write over the high-water mark pauses the source until 'drain'. */
        if (h2r_stream_write(st, copy, len, free_copy, NULL) == 0) h2r_stream_pause(st);
    }
}

static void cb_drain(h2r_stream *st)
{
    if (app_of(st)->echo) h2r_stream_resume(st);
}

static void cb_trailers(h2r_stream *st, const h2r_header *headers, size_t count)
{
    (void)headers;
    log_event(&app_of(st)->log, "trailers:%u:%zu ", h2r_stream_id(st), count);
}

static void cb_end(h2r_stream *st)
{
    log_event(&app_of(st)->log, "end:%u ", h2r_stream_id(st));
}

static void cb_stream_close(h2r_stream *st, uint32_t code)
{
    log_event(&app_of(st)->log, "close:%u:%u ", h2r_stream_id(st), code);
}

static const h2r_session_callbacks callbacks = {
    .on_stream = cb_stream,
    .on_data = cb_data,
    .on_trailers = cb_trailers,
    .on_end = cb_end,
    .on_drain = cb_drain,
    .on_stream_close = cb_stream_close,
};

static int log_is(struct app *app, const char *expected)
{
    int ok = CHECK_MSG(strcmp(app->log.text, expected) == 0, "log is \"%s\" (got \"%.300s\")", expected,
                       app->log.text);
    log_clear(&app->log);
    return ok;
}

/* ---- HTTP/2 ---- */

/* A session past the preface (default settings: stream windows of 65535, a connection window of 1 MiB). */
static void h2_start(struct peer *p, struct app *app)
{
    peer_init(p, NULL, &callbacks, app);
    peer_preface(p, NULL, 0);
    peer_flush(p);
    peer_clear(p);
}

static void post(struct peer *p, uint32_t id)
{
    h2r_header fields[] = {FIELD(":method", "POST"), FIELD(":scheme", "https"),
                           FIELD(":authority", "a.example"), FIELD(":path", "/upload")};
    peer_headers(p, id, 0, fields, 4);
}

/* Sends len bytes of body on stream id in DATA frames of at most 16384 bytes, reading the output after each.
 */
static void send_body(struct peer *p, uint32_t id, size_t len, int end)
{
    static const uint8_t bytes[16384];
    do {
        size_t n = len < sizeof(bytes) ? len : sizeof(bytes);
        len -= n;
        peer_frame(p, H2R_FRAME_DATA, end && !len ? H2R_FLAG_END_STREAM : 0, id, bytes, n);
        peer_flush(p);
    } while (len);
}

/* The increments of every WINDOW_UPDATE received on stream id (0: the connection's), added up. */
static uint64_t window_granted(const struct peer *p, uint32_t id)
{
    uint64_t sum = 0;
    for (size_t i = 0; i != peer_count(p, H2R_FRAME_WINDOW_UPDATE, id); ++i)
        sum += peer_u32(peer_nth(p, H2R_FRAME_WINDOW_UPDATE, id, i)->payload);
    return sum;
}

static int64_t local_window(h2r_stream *st)
{
    h2r_stream_state state;
    h2r_stream_get_state(st, &state);
    return state.local_window_size;
}

static void h2_finish(struct peer *p, struct app *app)
{
    peer_free(p);
    unref_streams(&app->streams);
}

static void test_h2_held_at_the_window(void)
{
    struct app app = {.pause_on_stream = 1};
    struct peer p;
    h2_start(&p, &app);
    post(&p, 1);
    h2r_stream *st = app.streams.list[0];
    CHECK(local_window(st) == 65535);
    send_body(&p, 1, 65535, 0);
    CHECK_MSG(app.bytes[0] == 65535, "paused: on_data still brings the window the client had, 65535 bytes");
    CHECK_MSG(local_window(st) == 0 && peer_count(&p, H2R_FRAME_WINDOW_UPDATE, 1) == 0,
              "and no WINDOW_UPDATE: the client is held with a window of 0");
    CHECK(!peer_find(&p, H2R_FRAME_RST_STREAM, -1) && !peer_find(&p, H2R_FRAME_GOAWAY, -1));

    CHECK(h2r_stream_resume(st) == 0 && !h2r_stream_is_paused(st));
    peer_flush(&p);
    CHECK_MSG(peer_count(&p, H2R_FRAME_WINDOW_UPDATE, 1) == 1 && window_granted(&p, 1) == 65535,
              "resume: one WINDOW_UPDATE for the 65535 bytes withheld");
    CHECK(local_window(st) == 65535);
    CHECK_MSG(h2r_stream_resume(st) == 0 && peer_count(&p, H2R_FRAME_WINDOW_UPDATE, 1) == 1,
              "resuming again sends nothing");
    send_body(&p, 1, 100000, 1);
    CHECK_MSG(app.bytes[0] == 165535 && strstr(app.log.text, "end:1 ") != NULL,
              "the upload completes: 165535 bytes and on_end");
    CHECK(!peer_find(&p, H2R_FRAME_RST_STREAM, -1));
    h2_finish(&p, &app);
}

/* Paused part way: the bound is the window left then, to the byte; one more is the client's error. */
static void test_h2_bound_at_the_edge(void)
{
    struct app app = {0};
    struct peer p;
    h2_start(&p, &app);
    post(&p, 1);
    h2r_stream *st = app.streams.list[0];
    send_body(&p, 1, 10000, 0);
    CHECK_MSG(local_window(st) == 55535 && peer_count(&p, H2R_FRAME_WINDOW_UPDATE, 1) == 0,
              "10000 bytes in: under half a window, no update yet");
    CHECK(h2r_stream_pause(st) == 0);
    send_body(&p, 1, 55535, 0);
    CHECK_MSG(app.bytes[0] == 65535 && local_window(st) == 0 &&
                  peer_count(&p, H2R_FRAME_WINDOW_UPDATE, 1) == 0,
              "paused with 55535 left: exactly 55535 more are delivered, nothing granted");
    peer_frame(&p, H2R_FRAME_DATA, 0, 1, "x", 1);
    peer_flush(&p);
    CHECK_MSG(peer_got_rst(&p, 1, H2R_FLOW_CONTROL_ERROR) && app.bytes[0] == 65535,
              "one byte past the window: RST_STREAM(FLOW_CONTROL_ERROR), the byte not delivered");
    CHECK(strstr(app.log.text, "close:1:3 ") != NULL);
    CHECK_MSG(h2r_stream_pause(st) == H2R_ERR_STREAM_CLOSED && h2r_stream_resume(st) == H2R_ERR_STREAM_CLOSED,
              "pause and resume on a closed stream: H2R_ERR_STREAM_CLOSED");
    CHECK(!peer_find(&p, H2R_FRAME_GOAWAY, -1));
    h2_finish(&p, &app);
}

/* A stream paused at its window holds nothing else up: other streams upload, the connection window returns.
 */
static void test_h2_other_streams_flow(void)
{
    struct app app = {.pause_on_stream = 1};
    struct peer p;
    h2_start(&p, &app);
    post(&p, 1);
    send_body(&p, 1, 65535, 0);
    app.pause_on_stream = 0;
    post(&p, 3);
    send_body(&p, 3, 600000, 1);
    CHECK_MSG(app.bytes[1] == 600000 && strstr(app.log.text, "end:3 ") != NULL,
              "stream 3 uploads 600000 bytes while stream 1 is paused");
    CHECK(window_granted(&p, 3) >= 600000 - 65535 && !peer_find(&p, H2R_FRAME_RST_STREAM, -1));
    /* The connection's update comes at half its window (524288 bytes): 65535 + 29 frames of 16384. */
    CHECK_MSG(peer_count(&p, H2R_FRAME_WINDOW_UPDATE, 0) == 1 && window_granted(&p, 0) == 65535 + 29 * 16384,
              "the connection window is given back for the paused stream's bytes too (got %llu)",
              (unsigned long long)window_granted(&p, 0));
    CHECK_MSG(peer_count(&p, H2R_FRAME_WINDOW_UPDATE, 1) == 0 && local_window(app.streams.list[0]) == 0,
              "stream 1 stays held");
    CHECK(h2r_stream_resume(app.streams.list[0]) == 0);
    peer_flush(&p);
    CHECK(window_granted(&p, 1) == 65535);
    h2_finish(&p, &app);
}

static void test_h2_nothing_withheld(void)
{
    struct app app = {.pause_on_stream = 1};
    struct peer p;
    h2_start(&p, &app);
    post(&p, 1);
    h2r_stream *st = app.streams.list[0];
    send_body(&p, 1, 100, 0);
    CHECK(h2r_stream_resume(st) == 0);
    peer_flush(&p);
    CHECK_MSG(peer_count(&p, H2R_FRAME_WINDOW_UPDATE, 1) == 0,
              "resume after less than half a window: nothing was withheld, nothing is sent");
    send_body(&p, 1, 32667, 0);
    CHECK_MSG(peer_count(&p, H2R_FRAME_WINDOW_UPDATE, 1) == 1 && window_granted(&p, 1) == 32767,
              "the usual update at half a window, 32767 bytes");

    /* Paused in every on_data: each DATA frame still arrives within the window, none more is granted. */
    app.pause_on_data = 1;
    send_body(&p, 1, 40000, 0);
    CHECK(app.bytes[0] == 72767 && local_window(st) == 65535 - 40000 && h2r_stream_is_paused(st));
    CHECK(peer_count(&p, H2R_FRAME_WINDOW_UPDATE, 1) == 1);

    /* A body complete: pausing is harmless, and resuming sends nothing (the stream needs no window). */
    send_body(&p, 1, 1, 1);
    CHECK(strstr(app.log.text, "end:1 ") != NULL);
    CHECK(h2r_stream_pause(st) == 0 && h2r_stream_resume(st) == 0);
    peer_flush(&p);
    CHECK(peer_count(&p, H2R_FRAME_WINDOW_UPDATE, 1) == 1);
    h2_finish(&p, &app);
}

/*
 * /echo to a client that sends as fast as its window allows and never reads
 * the response (it never opens the response's window): the echo pauses the
 * upload once the response is over its high-water mark, so the server grants
 * no more window and what it holds stops growing.
 */
static void test_h2_echo_to_a_client_that_never_reads(void)
{
    struct app app = {.echo = 1};
    struct peer p;
    h2_start(&p, &app);
    post(&p, 1);
    h2r_stream *st = app.streams.list[0];
    int64_t window = 65535;
    size_t sent = 0;
    for (int round = 0; round < 1000 && window > 0; ++round) {
        size_t n = window < 16384 ? (size_t)window : 16384;
        send_body(&p, 1, n, 0);
        sent += n;
        window = 65535 + (int64_t)window_granted(&p, 1) - (int64_t)sent;
    }
    size_t before = window_granted(&p, 1);
    for (int i = 0; i != 3; ++i) peer_flush(&p);
    CHECK_MSG(window == 0 && window_granted(&p, 1) == before && h2r_stream_is_paused(st),
              "the client is held: its window is 0, and no more comes");
    int ended;
    CHECK_MSG(peer_data_bytes(&p, 1, &ended) == 65535 && app.bytes[0] == sent,
              "the response's window went out (65535 bytes), the rest is queued");
    /*
     * Bytes held: the response queued (sent - 65535) is at most the
     * high-water mark, plus what the write that crossed it went over by (less
     * than a frame), plus the window the client had when the echo paused.
     * Here the fourth 16 KiB write reached the mark exactly (65536), with
     * 32768 bytes of window left to the client: 98304 bytes.
     */
    size_t queued = h2r_stream_buffer_size(st);
    CHECK_MSG(queued == sent - 65535 && queued == 65536 + 32768 && queued <= 65536 + 16383 + 65535,
              "the server holds %zu bytes of response (%zu received), within the bound", queued, sent);
    h2r_session_state state;
    h2r_session_get_state(p.session, &state);
    CHECK(state.outbound_queue_size == queued);

    /* The client reads at last: the response drains, the echo resumes, the upload goes on. */
    peer_window_update(&p, 0, 1 << 20);
    peer_window_update(&p, 1, 1 << 20);
    peer_flush(&p);
    CHECK_MSG(!h2r_stream_is_paused(st) && window_granted(&p, 1) > before,
              "once the response drains under its mark, the echo resumes and window is granted again");
    peer_rst_stream(&p, 1, H2R_CANCEL);
    h2_finish(&p, &app);
}

/* ---- HTTP/1.1 ---- */

static h2r_session *h1_start(struct app *app, size_t max_buffered_input)
{
    h2r_session_options options;
    h2r_session_options_init(&options);
    options.http1_max_buffered_input = max_buffered_input;
    h2r_session *s = h2r_session_http1_server_new(&options, &callbacks, app, "http");
    if (!s) abort();
    return s;
}

static void feed(h2r_session *s, const char *bytes)
{
    CHECK(h2r_session_feed(s, (const uint8_t *)bytes, strlen(bytes)) == (ssize_t)strlen(bytes));
}

/* Pulls and reports written whatever the session has to send; returns how many bytes. */
static size_t h1_flush(h2r_session *s)
{
    h2r_chunk chunks[16];
    size_t total = 0, n;
    while ((n = h2r_session_pull(s, chunks, 16)) != 0) {
        size_t bytes = 0;
        for (size_t i = 0; i != n; ++i) bytes += chunks[i].len;
        h2r_session_sent(s, bytes);
        total += bytes;
    }
    return total;
}

static size_t inbound(const h2r_session *s)
{
    h2r_session_state state;
    h2r_session_get_state(s, &state);
    return state.inbound_queue_size;
}

static void respond_empty(h2r_stream *st)
{
    h2r_header status = FIELD(":status", "204");
    CHECK(h2r_stream_respond(st, &status, 1, H2R_RESPOND_END_STREAM) == 0);
}

static void test_h1_body_held_in_the_buffer(void)
{
    struct app app = {.pause_on_stream = 1};
    h2r_session *s = h1_start(&app, 1000);
    char piece[301];
    memset(piece, 'b', 300);
    piece[300] = 0;
    feed(s, "PUT /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n");
    feed(s, piece);
    log_is(&app, "stream:1 ");
    CHECK_MSG(inbound(s) == 300 && !h2r_session_input_paused(s) && h2r_session_want_read(s),
              "paused: the body waits in the buffer, no on_data; under the bound the session still reads");
    /* The I/O layer feeds while the session reads, as conn.c does. */
    int feeds = 1;
    while (!h2r_session_input_paused(s) && feeds < 100) {
        feed(s, piece);
        ++feeds;
    }
    CHECK_MSG(feeds == 4 && inbound(s) == 1200,
              "input paused once 1000 bytes are kept: after 4 feeds of 300, 1200 bytes (< 1000 + 300)");
    CHECK_MSG(h2r_session_want_read(s) && !h2r_session_want_write(s) && app.log.len == 0,
              "still reading (not done), nothing to write, nothing delivered");
    feed(s, piece);
    CHECK_MSG(inbound(s) == 1500 && app.log.len == 0,
              "bytes the I/O layer had in flight are still taken, and kept, not dropped");

    CHECK(h2r_stream_resume(app.streams.list[0]) == 0);
    CHECK_MSG(!h2r_session_input_paused(s) && h2r_session_want_write(s),
              "resume: input wanted again, and the next pull reads what waits");
    h1_flush(s);
    log_is(&app, "data:1:1500 ");
    CHECK(inbound(s) == 0 && app.bytes[0] == 1500);

    /* Paused in on_data: the rest of a feed waits, to the byte; bytes that end the body end it. */
    app.pause_on_data = 1;
    char rest[3501];
    memset(rest, 'c', 3500);
    rest[3500] = 0;
    feed(s, "ccc");
    CHECK(inbound(s) == 0 && app.bytes[0] == 1503 && h2r_stream_is_paused(app.streams.list[0]));
    feed(s, rest + 3);
    CHECK_MSG(inbound(s) == 3497 && app.bytes[0] == 1503, "the feed after the pause waits whole");
    CHECK(h2r_stream_resume(app.streams.list[0]) == 0);
    h1_flush(s);
    log_is(&app, "data:1:3 data:1:3497 end:1 ");
    respond_empty(app.streams.list[0]);
    h1_flush(s);
    log_is(&app, "close:1:0 ");
    CHECK(h2r_stream_pause(app.streams.list[0]) == H2R_ERR_STREAM_CLOSED);
    h2r_session_free(s);
    unref_streams(&app.streams);
}

/* The same echo over HTTP/1.1: the body stops being read, and the session stops wanting input. */
static void test_h1_echo_to_a_client_that_never_reads(void)
{
    struct app app = {.echo = 1};
    h2r_session *s = h1_start(&app, 65536);
    feed(s, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1048576\r\n\r\n");
    static char piece[4097];
    memset(piece, 'e', 4096);
    size_t fed = 0;
    while (!h2r_session_input_paused(s) && fed < 1048576) {
        feed(s, piece);
        fed += 4096;
    }
    h2r_stream *st = app.streams.list[0];
    CHECK_MSG(h2r_stream_is_paused(st) && h2r_stream_buffer_size(st) == 65536 && app.bytes[0] == 65536,
              "the echo paused at its mark: 65536 bytes read and queued as response");
    CHECK_MSG(inbound(s) == 65536 && fed == 131072,
              "then the input held reached http1_max_buffered_input, 65536 bytes: the I/O layer stops");
    CHECK(h2r_session_want_read(s));
    h1_flush(s); /* the client reads at last */
    CHECK_MSG(!h2r_session_input_paused(s) && !h2r_stream_is_paused(st) && app.bytes[0] == 131072,
              "the response drains, the echo resumes, and the input held is read");
    h2r_session_free(s);
    unref_streams(&app.streams);
}

static void test_h1_pipelined_not_read_early(void)
{
    struct app app = {.pause_on_stream = 1};
    h2r_session *s = h1_start(&app, 1000);
    feed(s, "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789"
            "GET /b HTTP/1.1\r\nHost: a\r\n\r\n");
    log_is(&app, "stream:1 ");
    CHECK_MSG(inbound(s) == 38, "the body and the next request wait: %zu bytes", inbound(s));
    h1_flush(s);
    CHECK(app.log.len == 0);
    app.pause_on_stream = 0;
    CHECK(h2r_stream_resume(app.streams.list[0]) == 0);
    h1_flush(s);
    log_is(&app, "data:1:10 end:1 ");
    CHECK_MSG(inbound(s) == 28, "the next request waits for the response, as ever");
    respond_empty(app.streams.list[0]);
    h1_flush(s);
    log_is(&app, "close:1:0 stream:3/end end:3 ");
    respond_empty(app.streams.list[1]);
    h1_flush(s);
    log_is(&app, "close:3:0 ");
    h2r_session_free(s);
    unref_streams(&app.streams);
}

static void test_h1_chunked_end_held(void)
{
    struct app app = {0};
    h2r_session *s = h1_start(&app, 1000);
    feed(s, "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    log_is(&app, "stream:1 data:1:5 ");
    CHECK(h2r_stream_pause(app.streams.list[0]) == 0);
    feed(s, "3\r\nabc\r\n0\r\nx-sum: 8\r\n\r\n");
    CHECK_MSG(app.log.len == 0 && inbound(s) == 23, "no data, trailers or end while paused");
    CHECK(h2r_stream_resume(app.streams.list[0]) == 0);
    h1_flush(s);
    log_is(&app, "data:1:3 trailers:1:1 end:1 ");
    respond_empty(app.streams.list[0]);
    h1_flush(s);
    log_is(&app, "close:1:0 ");
    CHECK(!h2r_session_input_paused(s) && inbound(s) == 0);
    h2r_session_free(s);
    unref_streams(&app.streams);
}

/* ---- the compat API ---- */

struct compat_app {
    h2r_compat_handlers handlers;
    h2r_response *held;
    size_t bytes;
};

static void compat_data(h2r_request *req, const uint8_t *data, size_t len, void *ctx)
{
    (void)req, (void)data;
    ((struct compat_app *)ctx)->bytes += len;
}

static void compat_request(h2r_request *req, h2r_response *res, void *user_data)
{
    struct compat_app *app = user_data;
    static const h2r_request_events events = {.on_data = compat_data};
    h2r_request_on(req, &events, app);
    CHECK(h2r_request_is_paused(req) == 0 && h2r_request_pause(req) == 0 && h2r_request_is_paused(req) == 1);
    app->held = res;
    h2r_response_ref(res);
}

static void compat_callbacks(struct compat_app *app, h2r_session_callbacks *cb)
{
    *cb = (h2r_session_callbacks){0};
    h2r_compat_callbacks(cb);
    app->handlers.on_request = compat_request;
    app->handlers.user_data = app;
}

static void test_compat_pause(void)
{
    struct compat_app app = {0};
    h2r_session_callbacks cb;
    compat_callbacks(&app, &cb);
    struct peer p;
    peer_init(&p, NULL, &cb, &app.handlers);
    peer_preface(&p, NULL, 0);
    peer_flush(&p);
    peer_clear(&p);
    post(&p, 1);
    send_body(&p, 1, 65535, 0);
    h2r_request *req = h2r_response_req(app.held);
    CHECK_MSG(app.bytes == 65535 && peer_count(&p, H2R_FRAME_WINDOW_UPDATE, 1) == 0,
              "request.pause() over HTTP/2: the window's bytes, then the client is held");
    CHECK(h2r_request_resume(req) == 0 && !h2r_request_is_paused(req));
    peer_flush(&p);
    CHECK(window_granted(&p, 1) == 65535);
    CHECK(h2r_response_end(app.held, NULL, 0, NULL, NULL) == 0);
    peer_rst_stream(&p, 1, H2R_NO_ERROR); /* the client is done with it */
    CHECK_MSG(h2r_request_pause(req) == H2R_ERR_STREAM_CLOSED &&
                  h2r_request_resume(req) == H2R_ERR_STREAM_CLOSED,
              "pause and resume once the stream closed: H2R_ERR_STREAM_CLOSED");
    h2r_response_unref(app.held);
    h2r_session_destroy(p.session, H2R_NO_ERROR);
    peer_free(&p);

    /* HTTP/1.1: the body waits in the session until resumed. */
    app = (struct compat_app){0};
    compat_callbacks(&app, &cb);
    h2r_session *s = h2r_session_http1_server_new(NULL, &cb, &app.handlers, "http");
    feed(s, "PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nabcdef");
    req = h2r_response_req(app.held);
    CHECK_MSG(app.bytes == 0 && inbound(s) == 6, "request.pause() over HTTP/1.1: no data event");
    CHECK(h2r_request_resume(req) == 0);
    h1_flush(s);
    CHECK(app.bytes == 6 && h2r_request_complete(req));
    h2r_response_unref(app.held);
    h2r_session_destroy(s, H2R_NO_ERROR);
    h2r_session_free(s);
}

int main(void)
{
    test_h2_held_at_the_window();
    test_h2_bound_at_the_edge();
    test_h2_other_streams_flow();
    test_h2_nothing_withheld();
    test_h2_echo_to_a_client_that_never_reads();
    test_h1_body_held_in_the_buffer();
    test_h1_echo_to_a_client_that_never_reads();
    test_h1_pipelined_not_read_early();
    test_h1_chunked_end_held();
    test_compat_pause();
    return check_done();
}
