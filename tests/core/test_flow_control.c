/*
 * Flow control and the zero-copy output, against the test peer: windows
 * exhausted and reopened (RFC 9113 §5.2, §6.9), SETTINGS_INITIAL_WINDOW_SIZE
 * changes (§6.9.2), SETTINGS_MAX_FRAME_SIZE (§4.2), WINDOW_UPDATEs we send
 * for a request body, partial writes, release callbacks, the high-water mark
 * and file ranges.
 */
#include <stdlib.h>
#include <unistd.h>

#include "app_recorder.h"
#include "check.h"
#include "peer.h"

#define MIB (1u << 20)

/* ---- fixture: a server that answers every request with a body given by the test ---- */

struct release_log {
    int calls;
    const void *data;
    size_t len;
    void *ctx;
};

struct app {
    struct stream_refs streams; /* every stream seen: tests use them after close */
    const uint8_t *body;        /* written on every request, by reference */
    size_t body_len;
    int fd;      /* a file some responses send a range of */
    int respond; /* answer in on_stream */
    int end;     /* end the response */
    struct release_log release;
    int drains;
    size_t data_received;
    int closes;
    uint32_t last_close_code;
    /* on_frame_error: how many, the last one's arguments, and the closes seen before it */
    int frame_errors;
    uint32_t frame_error[3]; /* type, code, stream id */
    int closes_before_frame_error;
};

static void log_release(void *ctx, const void *data, size_t len)
{
    struct release_log *log = ctx;
    ++log->calls;
    log->data = data;
    log->len = len;
    log->ctx = ctx;
}

static struct app *app_of(h2r_stream *st)
{
    return h2r_session_user_data(h2r_stream_session(st));
}

static void on_stream(h2r_session *session, h2r_stream *st, const h2r_header *headers, size_t count,
                      int flags)
{
    (void)session, (void)headers, (void)count, (void)flags;
    struct app *app = app_of(st);
    keep_stream(&app->streams, st);
    if (!app->respond) return;
    h2r_stream_respond(st, NULL, 0, 0);
    if (app->body_len) h2r_stream_write(st, app->body, app->body_len, log_release, &app->release);
    if (app->end) h2r_stream_end(st);
}

static void on_data(h2r_stream *st, const uint8_t *data, size_t len)
{
    (void)data;
    app_of(st)->data_received += len;
}

static void on_drain(h2r_stream *st)
{
    ++app_of(st)->drains;
}

static void on_stream_close(h2r_stream *st, uint32_t code)
{
    struct app *app = app_of(st);
    ++app->closes;
    app->last_close_code = code;
}

static void on_frame_error(h2r_session *s, uint8_t type, uint32_t code, uint32_t stream_id)
{
    struct app *app = h2r_session_user_data(s);
    ++app->frame_errors;
    app->frame_error[0] = type;
    app->frame_error[1] = code;
    app->frame_error[2] = stream_id;
    app->closes_before_frame_error = app->closes;
}

static const h2r_session_callbacks callbacks = {
    .on_stream = on_stream,
    .on_data = on_data,
    .on_drain = on_drain,
    .on_stream_close = on_stream_close,
    .on_frame_error = on_frame_error,
};

static uint8_t *pattern(size_t len, unsigned seed)
{
    uint8_t *buf = malloc(len);
    for (size_t i = 0; i != len; ++i) buf[i] = (uint8_t)(i * 31 + seed + (i >> 13));
    return buf;
}

static int64_t stream_remote_window(h2r_stream *st)
{
    h2r_stream_state state;
    h2r_stream_get_state(st, &state);
    return state.remote_window_size;
}

static int64_t session_remote_window(h2r_session *s)
{
    h2r_session_state state;
    h2r_session_get_state(s, &state);
    return state.remote_window_size;
}

/* Does the stream's DATA, concatenated, equal want? */
static int data_equals(const struct peer *p, uint32_t id, const uint8_t *want, size_t len)
{
    uint8_t *got = malloc(len + 1);
    size_t n = peer_data_copy(p, id, got, len + 1);
    int ok = n == len && memcmp(got, want, len) == 0;
    free(got);
    return ok;
}

/* ---- windows exhausted and reopened ---- */

static void test_window_exhausted_and_reopened(void)
{
    struct app app = {.respond = 1, .end = 1, .body_len = MIB};
    uint8_t *body = pattern(MIB, 1);
    app.body = body;
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    peer_preface(&p, NULL, 0); /* the peer grants 65535 on the stream and the connection */
    peer_get(&p, 1, "/big", 1);
    peer_flush(&p);

    int ended;
    CHECK_MSG(peer_data_bytes(&p, 1, &ended) == 65535 && !ended,
              "1 MiB response: exactly 65535 bytes go out");
    CHECK(peer_count(&p, H2R_FRAME_DATA, 1) == 4);
    CHECK_MSG(peer_nth(&p, H2R_FRAME_DATA, 1, 3) && peer_nth(&p, H2R_FRAME_DATA, 1, 3)->h.length == 16383,
              "the last frame fills the window to the byte");
    CHECK(stream_remote_window(app.streams.list[0]) == 0 && session_remote_window(p.session) == 0);
    CHECK_MSG(!h2r_session_want_write(p.session), "nothing to write with both windows shut");
    CHECK(h2r_stream_buffer_size(app.streams.list[0]) == MIB - 65535);

    peer_window_update(&p, 1, 100000);
    peer_flush(&p);
    CHECK_MSG(peer_data_bytes(&p, 1, &ended) == 65535,
              "a stream WINDOW_UPDATE alone: the connection window still blocks");
    CHECK(stream_remote_window(app.streams.list[0]) == 100000);

    peer_window_update(&p, 0, 100000);
    peer_flush(&p);
    CHECK_MSG(peer_data_bytes(&p, 1, &ended) == 165535 && !ended, "then the connection's: 100000 more bytes");
    CHECK(stream_remote_window(app.streams.list[0]) == 0 && session_remote_window(p.session) == 0);
    CHECK_MSG(app.release.calls == 0, "the buffer is not released while bytes of it are unsent");

    peer_window_update(&p, 1, MIB - 165535);
    peer_window_update(&p, 0, MIB - 165535);
    peer_flush(&p);
    CHECK_MSG(peer_data_bytes(&p, 1, &ended) == MIB && ended, "the rest, then END_STREAM");
    CHECK_MSG(data_equals(&p, 1, body, MIB), "the bytes are the body's, in order");
    CHECK_MSG(peer_max_length(&p, H2R_FRAME_DATA) <= 16384, "no DATA frame over 16384");
    CHECK_MSG(app.release.calls == 1 && app.release.data == body && app.release.len == MIB,
              "released once, with the buffer and its length");
    CHECK(app.closes == 1 && app.last_close_code == H2R_NO_ERROR);
    CHECK(!peer_find(&p, H2R_FRAME_RST_STREAM, -1) && !peer_find(&p, H2R_FRAME_GOAWAY, -1));
    peer_free(&p);
    unref_streams(&app.streams);
    free(body);
}

/* SETTINGS_INITIAL_WINDOW_SIZE moves open streams' windows, below zero too (RFC 9113 §6.9.2). */
static void test_initial_window_shrinks_and_grows(void)
{
    struct app app = {.respond = 1, .end = 1, .body_len = 200000};
    uint8_t *body = pattern(app.body_len, 2);
    app.body = body;
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    peer_preface(&p, NULL, 0);
    peer_window_update(&p, 0, MIB); /* only stream windows matter here */
    peer_get(&p, 1, "/", 1);
    peer_flush(&p);
    int ended;
    CHECK(peer_data_bytes(&p, 1, &ended) == 65535);

    peer_clear(&p);
    struct h2r_setting small = {H2R_SETTINGS_INITIAL_WINDOW_SIZE, 16384};
    peer_settings(&p, &small, 1);
    peer_flush(&p);
    const struct peer_frame *ack = peer_find(&p, H2R_FRAME_SETTINGS, 0);
    CHECK_MSG(ack && (ack->h.flags & H2R_FLAG_ACK), "the new SETTINGS are acknowledged");
    CHECK_MSG(stream_remote_window(app.streams.list[0]) == 16384 - 65535,
              "the stream window is now negative: %lld",
              (long long)stream_remote_window(app.streams.list[0]));
    CHECK(h2r_session_remote_settings(p.session)->initial_window_size == 16384);

    peer_window_update(&p, 1, 65535 - 16384);
    peer_flush(&p);
    CHECK_MSG(peer_data_bytes(&p, 1, &ended) == 0 && stream_remote_window(app.streams.list[0]) == 0,
              "a WINDOW_UPDATE up to zero sends nothing");
    peer_window_update(&p, 1, 1000);
    peer_flush(&p);
    CHECK_MSG(peer_data_bytes(&p, 1, &ended) == 1000, "one above zero: that much goes out");

    struct h2r_setting big = {H2R_SETTINGS_INITIAL_WINDOW_SIZE, 65535};
    peer_settings(&p, &big, 1);
    peer_flush(&p);
    CHECK_MSG(peer_data_bytes(&p, 1, &ended) == 1000 + 65535 - 16384,
              "growing it back opens the window again");
    CHECK(stream_remote_window(app.streams.list[0]) == 0);

    /* A stream opened now starts with the new value. */
    peer_get(&p, 3, "/", 1);
    peer_flush(&p);
    CHECK(peer_data_bytes(&p, 3, &ended) == 65535);
    CHECK(!peer_find(&p, H2R_FRAME_GOAWAY, -1) && !peer_find(&p, H2R_FRAME_RST_STREAM, -1));
    peer_free(&p);
    unref_streams(&app.streams);
    free(body);
}

static void test_zero_window(void)
{
    struct app app = {.respond = 1, .end = 1, .body_len = 10};
    app.body = (const uint8_t *)"0123456789";
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    struct h2r_setting zero = {H2R_SETTINGS_INITIAL_WINDOW_SIZE, 0};
    peer_preface(&p, &zero, 1);
    peer_get(&p, 1, "/", 1);
    peer_flush(&p);
    int ended;
    CHECK_MSG(peer_find(&p, H2R_FRAME_HEADERS, 1) && peer_data_bytes(&p, 1, &ended) == 0 && !ended,
              "a zero window: HEADERS go, DATA waits");
    CHECK(!h2r_session_want_write(p.session));

    /* An empty DATA frame with END_STREAM needs no window (§6.9.1 counts payload bytes). */
    app.body_len = 0;
    peer_get(&p, 3, "/", 1);
    peer_flush(&p);
    CHECK_MSG(peer_data_bytes(&p, 3, &ended) == 0 && ended, "an empty body still ends in a zero window");
    CHECK(app.closes == 1);

    peer_window_update(&p, 1, 10);
    peer_flush(&p);
    CHECK_MSG(peer_data_bytes(&p, 1, &ended) == 10 && ended, "WINDOW_UPDATE 10: the body and END_STREAM");
    CHECK(data_equals(&p, 1, app.body, 10));
    CHECK(app.closes == 2);
    peer_free(&p);
    unref_streams(&app.streams);
}

/* Streams blocked on the connection window all resume on one WINDOW_UPDATE for stream 0. */
static void test_connection_window_blocks_streams(void)
{
    struct app app = {.respond = 1, .end = 1, .body_len = 40000};
    uint8_t *body = pattern(app.body_len, 3);
    app.body = body;
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    struct h2r_setting big = {H2R_SETTINGS_INITIAL_WINDOW_SIZE, MIB};
    peer_preface(&p, &big, 1);
    for (uint32_t id = 1; id <= 7; id += 2) peer_get(&p, id, "/", 1);
    peer_flush(&p);
    size_t total = 0;
    int ended, any_ended = 0;
    for (uint32_t id = 1; id <= 7; id += 2) {
        total += peer_data_bytes(&p, id, &ended);
        any_ended |= ended;
    }
    CHECK_MSG(total == 65535 && !any_ended,
              "four streams share the 65535 bytes of the connection window: %zu", total);
    CHECK(!h2r_session_want_write(p.session));

    /* A blocked stream that goes away must leave the list of blocked streams. */
    peer_rst_stream(&p, 5, H2R_CANCEL);
    CHECK(app.closes == 1 && app.release.calls == 1);

    peer_window_update(&p, 0, 4 * 40000 - 65535);
    peer_flush(&p);
    for (uint32_t id = 1; id <= 7; id += 2) {
        if (id == 5) continue;
        CHECK_MSG(peer_data_bytes(&p, id, &ended) == 40000 && ended, "stream %u woke up and finished", id);
        CHECK(data_equals(&p, id, body, 40000));
    }
    CHECK(peer_data_bytes(&p, 5, &ended) < 40000 && !ended);
    CHECK(app.release.calls == 4 && app.closes == 4);
    peer_free(&p);
    unref_streams(&app.streams);
    free(body);
}

/* ---- SETTINGS_MAX_FRAME_SIZE (RFC 9113 §4.2) ---- */

static void large_header_response(h2r_session *session, h2r_stream *st, const h2r_header *headers,
                                  size_t count, int flags)
{
    (void)session, (void)headers, (void)count, (void)flags;
    struct app *app = app_of(st);
    static char value[40000];
    memset(value, 'v', sizeof(value));
    h2r_header big = {.name = "x-big", .name_len = 5, .value = value, .value_len = sizeof(value)};
    CHECK(h2r_stream_respond(st, &big, 1, 0) == 0);
    h2r_stream_write(st, app->body, app->body_len, NULL, NULL);
    h2r_stream_end(st);
}

static void check_max_frame_size(uint32_t max_frame_size)
{
    struct app app = {.body_len = 300000};
    uint8_t *body = pattern(app.body_len, 4);
    app.body = body;
    h2r_session_callbacks cb = callbacks;
    cb.on_stream = large_header_response;
    struct peer p;
    peer_init(&p, NULL, &cb, &app);
    struct h2r_setting settings[] = {{H2R_SETTINGS_INITIAL_WINDOW_SIZE, MIB},
                                     {H2R_SETTINGS_MAX_FRAME_SIZE, max_frame_size}};
    peer_preface(&p, settings, max_frame_size == 16384 ? 1 : 2);
    peer_window_update(&p, 0, MIB);
    peer_get(&p, 1, "/", 1);
    peer_flush(&p);
    int ended;
    CHECK_MSG(peer_data_bytes(&p, 1, &ended) == 300000 && ended, "max frame %u: the whole body",
              max_frame_size);
    CHECK(data_equals(&p, 1, body, 300000));
    CHECK_MSG(peer_max_length(&p, H2R_FRAME_DATA) == max_frame_size,
              "max frame %u: DATA frames fill it exactly (%u)", max_frame_size,
              peer_max_length(&p, H2R_FRAME_DATA));
    CHECK_MSG(peer_max_length(&p, 0xff) <= max_frame_size, "max frame %u: no frame of any type is larger",
              max_frame_size);
    const struct peer_frame *headers = peer_find(&p, H2R_FRAME_HEADERS, 1);
    const char *value = peer_field(headers, "x-big");
    CHECK_MSG(headers && headers->hpack_error == 0 && value && strlen(value) == 40000,
              "max frame %u: the 40000-byte field decodes", max_frame_size);
    size_t continuations = peer_count(&p, H2R_FRAME_CONTINUATION, 1);
    if (max_frame_size == 16384)
        CHECK_MSG(continuations >= 1 && !(headers->h.flags & H2R_FLAG_END_HEADERS),
                  "a block over 16384 bytes continues in CONTINUATION frames");
    else
        CHECK_MSG(continuations == 0 && (headers->h.flags & H2R_FLAG_END_HEADERS),
                  "a larger frame size holds it in one HEADERS frame");
    peer_free(&p);
    free(body);
}

static void test_max_frame_size(void)
{
    check_max_frame_size(16384);
    check_max_frame_size(65536);
    check_max_frame_size(100000);
}

/* ---- the receive side: WINDOW_UPDATEs we send ---- */

static void post(struct peer *p, uint32_t id)
{
    h2r_header fields[] = {
        {.name = ":method", .name_len = 7, .value = "POST", .value_len = 4},
        {.name = ":scheme", .name_len = 7, .value = "http", .value_len = 4},
        {.name = ":authority", .name_len = 10, .value = "localhost", .value_len = 9},
        {.name = ":path", .name_len = 5, .value = "/upload", .value_len = 7},
    };
    peer_headers(p, id, 0, fields, 4);
}

/* Adds the increments of WINDOW_UPDATE frames from index *seen on to the peer's view of our windows. */
static void account_updates(const struct peer *p, size_t *seen, int64_t *conn, int64_t *stream, uint32_t id,
                            size_t *stream_updates, uint32_t *min_increment)
{
    for (; *seen != p->frame_count; ++*seen) {
        const struct peer_frame *f = &p->frames[*seen];
        if (f->h.type != H2R_FRAME_WINDOW_UPDATE) continue;
        uint32_t inc = peer_u32(f->payload) & H2R_STREAM_ID_MASK;
        if (f->h.stream_id == 0) {
            *conn += inc;
        } else if (f->h.stream_id == id) {
            *stream += inc;
            ++*stream_updates;
            if (inc < *min_increment) *min_increment = inc;
        }
    }
}

static void test_request_body_window_updates(void)
{
    struct app app = {0};
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    peer_preface(&p, NULL, 0);
    peer_flush(&p);
    /* What the server granted: its preface raised the connection window to 1 MiB. */
    int64_t conn = 65535, stream = 65535;
    size_t seen = 0, stream_updates = 0;
    uint32_t min_increment = UINT32_MAX;
    account_updates(&p, &seen, &conn, &stream, 1, &stream_updates, &min_increment);
    CHECK_MSG(conn == MIB, "the server's preface opens the connection window to 1 MiB");

    post(&p, 1);
    static uint8_t chunk[16384];
    const size_t total = 3 * MIB;
    size_t sent = 0, frames = 0;
    int stuck = 0;
    while (sent < total) {
        size_t n = sizeof(chunk);
        if ((int64_t)n > stream) n = (size_t)stream;
        if ((int64_t)n > conn) n = (size_t)conn;
        if (n > total - sent) n = total - sent;
        if (n == 0) {
            stuck = 1;
            break;
        }
        peer_frame(&p, H2R_FRAME_DATA, sent + n == total ? H2R_FLAG_END_STREAM : 0, 1, chunk, n);
        sent += n;
        conn -= (int64_t)n;
        stream -= (int64_t)n;
        ++frames;
        peer_flush(&p);
        account_updates(&p, &seen, &conn, &stream, 1, &stream_updates, &min_increment);
    }
    CHECK_MSG(!stuck, "the windows reopen as the body arrives (%zu of %zu bytes sent)", sent, total);
    CHECK(app.data_received == total);
    CHECK_MSG(stream_updates > 0 && stream_updates * 2 <= frames,
              "stream WINDOW_UPDATEs are batched: %zu for %zu DATA frames", stream_updates, frames);
    CHECK_MSG(min_increment >= 65535 / 2, "each gives back at least half the window (least: %u)",
              min_increment);
    size_t conn_updates = peer_count(&p, H2R_FRAME_WINDOW_UPDATE, 0);
    CHECK_MSG(conn_updates >= 2 && conn_updates <= 1 + total / (MIB / 2),
              "connection WINDOW_UPDATEs in half-window batches: %zu", conn_updates);
    CHECK(!peer_find(&p, H2R_FRAME_RST_STREAM, -1) && !peer_find(&p, H2R_FRAME_GOAWAY, -1));
    peer_free(&p);
    unref_streams(&app.streams);
}

/* No stream WINDOW_UPDATE for a stream the peer has ended: it can send nothing more (RFC 9113 §6.9). */
static void test_no_window_update_after_end_stream(void)
{
    struct app app = {0};
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    peer_preface(&p, NULL, 0);
    post(&p, 1);
    static uint8_t chunk[16384];
    peer_frame(&p, H2R_FRAME_DATA, 0, 1, chunk, sizeof(chunk));
    peer_frame(&p, H2R_FRAME_DATA, H2R_FLAG_END_STREAM, 1, chunk, sizeof(chunk));
    peer_flush(&p);
    CHECK_MSG(app.data_received == 2 * sizeof(chunk), "the body arrived");
    CHECK_MSG(peer_count(&p, H2R_FRAME_WINDOW_UPDATE, 1) == 0,
              "half the window consumed by the last frame: no WINDOW_UPDATE for the ended stream");
    peer_free(&p);
    unref_streams(&app.streams);
}

/* Padding counts against flow control (RFC 9113 §6.1, §6.9.1), so it is also given back. */
static void test_padding_counted_in_flow_control(void)
{
    struct app app = {0};
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    peer_preface(&p, NULL, 0);
    post(&p, 1);
    peer_flush(&p);
    peer_clear(&p);

    uint8_t payload[1 + 200 + 255] = {255};
    memset(payload + 1, 'd', 200);
    for (int i = 0; i != 71; ++i)
        peer_frame(&p, H2R_FRAME_DATA, H2R_FLAG_PADDED, 1, payload, sizeof(payload));
    peer_flush(&p);
    CHECK_MSG(peer_count(&p, H2R_FRAME_WINDOW_UPDATE, 1) == 0, "71 x 456 bytes: under half the window");
    peer_frame(&p, H2R_FRAME_DATA, H2R_FLAG_PADDED, 1, payload, sizeof(payload));
    peer_flush(&p);
    const struct peer_frame *wu = peer_find(&p, H2R_FRAME_WINDOW_UPDATE, 1);
    CHECK_MSG(wu && peer_u32(wu->payload) == 72 * 456,
              "the 72nd padded frame crosses half the window: WINDOW_UPDATE of 72 x 456, padding included");
    CHECK_MSG(app.data_received == 72 * 200, "the application sees the data only");

    h2r_stream_state st;
    h2r_stream_get_state(app.streams.list[0], &st);
    CHECK(st.local_window_size == 65535);
    h2r_session_state ss;
    h2r_session_get_state(p.session, &ss);
    CHECK_MSG(ss.effective_local_window_size == (int64_t)MIB - 72 * 456,
              "the connection window counts padding too");
    peer_free(&p);
    unref_streams(&app.streams);
}

/* ---- partial writes ---- */

static void scenario_on_stream(h2r_session *session, h2r_stream *st, const h2r_header *headers, size_t count,
                               int flags)
{
    (void)session, (void)headers, (void)count, (void)flags;
    struct app *app = app_of(st);
    h2r_header fields[] = {
        {.name = "content-type", .name_len = 12, .value = "application/octet-stream", .value_len = 24}};
    h2r_stream_respond(st, fields, 1, 0);
    h2r_stream_write(st, app->body, 30000, log_release, &app->release);
    h2r_stream_write(st, app->body + 30000, 7, log_release, &app->release);
    h2r_stream_write_file(st, app->fd, 123, 20000, log_release, &app->release);
    h2r_stream_write(st, app->body + 40000, 50000, log_release, &app->release);
    h2r_stream_end(st);
    static const uint8_t ping[8] = "partial";
    h2r_session_ping(h2r_stream_session(st), ping, NULL, NULL);
}

/* Runs the same exchange, the socket taking at most max_write bytes at a time. */
static void run_scenario(struct peer *p, struct app *app, size_t max_write, enum h2r_padding_strategy padding)
{
    h2r_session_options options;
    h2r_session_options_init(&options);
    options.padding_strategy = padding;
    h2r_session_callbacks cb = callbacks;
    cb.on_stream = scenario_on_stream;
    peer_init(p, &options, &cb, app);
    p->max_write = max_write;
    peer_preface(p, NULL, 0);
    peer_get(p, 1, "/a", 1);
    peer_get(p, 3, "/b", 1);
    peer_flush(p);
    peer_window_update(p, 0, MIB);
    peer_window_update(p, 1, MIB);
    peer_window_update(p, 3, MIB);
    peer_flush(p);
}

static int same_frames(const struct peer *a, const struct peer *b)
{
    if (a->frame_count != b->frame_count || a->rx_len || b->rx_len || a->bytes_received != b->bytes_received)
        return 0;
    for (size_t i = 0; i != a->frame_count; ++i) {
        const struct peer_frame *x = &a->frames[i], *y = &b->frames[i];
        if (memcmp(&x->h, &y->h, sizeof(x->h)) != 0 || memcmp(x->payload, y->payload, x->h.length) != 0)
            return 0;
    }
    return 1;
}

static void test_partial_writes(void)
{
    char path[] = "/tmp/h2r_flow_XXXXXX";
    int fd = mkstemp(path);
    uint8_t *file = pattern(30000, 9);
    CHECK(fd >= 0 && write(fd, file, 30000) == 30000);
    uint8_t *body = pattern(100000, 5);

    for (int padding = H2R_PADDING_NONE; padding <= H2R_PADDING_ALIGNED; ++padding) {
        struct peer *whole = malloc(sizeof(*whole));
        struct app whole_app = {.body = body, .fd = fd};
        run_scenario(whole, &whole_app, 0, (enum h2r_padding_strategy)padding);
        int ended;
        CHECK_MSG(peer_data_bytes(whole, 1, &ended) == 30007 + 20000 + 50000 && ended,
                  "padding %d: the full flush carries both responses", padding);
        static const size_t max_writes[] = {1, 7, 13, 100, 4096};
        for (size_t w = 0; w != sizeof(max_writes) / sizeof(max_writes[0]); ++w) {
            size_t max_write = max_writes[w];
            struct peer *part = malloc(sizeof(*part));
            struct app part_app = {.body = body, .fd = fd};
            run_scenario(part, &part_app, max_write, (enum h2r_padding_strategy)padding);
            CHECK_MSG(same_frames(whole, part),
                      "padding %d, writes of at most %zu bytes: byte-identical output", padding, max_write);
            CHECK_MSG(part_app.release.calls == whole_app.release.calls && part_app.release.calls == 8,
                      "padding %d, writes of %zu: every buffer released once (%d)", padding, max_write,
                      part_app.release.calls);
            peer_free(part);
            unref_streams(&part_app.streams);
            free(part);
        }
        peer_free(whole);
        unref_streams(&whole_app.streams);
        free(whole);
    }
    close(fd);
    unlink(path);
    free(file);
    free(body);
}

/* ---- release callbacks ---- */

/* Pulls every chunk available without reporting anything written; returns their total length. */
static size_t pull_all(h2r_session *s, h2r_chunk *chunks, size_t max, size_t *count)
{
    *count = h2r_session_pull(s, chunks, max);
    size_t total = 0;
    for (size_t i = 0; i != *count; ++i) total += chunks[i].len;
    return total;
}

/* A session with an open stream 1 (the request has not ended) and its preface already written. */
static h2r_stream *open_stream(struct peer *p, struct app *app)
{
    peer_init(p, NULL, &callbacks, app);
    peer_preface(p, NULL, 0);
    peer_get(p, 1, "/", 0);
    peer_flush(p);
    peer_clear(p);
    return app->streams.list[0];
}

static void test_release_after_written(void)
{
    struct app app = {0};
    struct peer p;
    h2r_stream *st = open_stream(&p, &app);
    static uint8_t a[100], b[200];
    struct release_log ra = {0}, rb = {0};
    CHECK(h2r_stream_respond(st, NULL, 0, 0) == 0);
    CHECK(h2r_stream_write(st, a, sizeof(a), log_release, &ra) == 1);
    CHECK(h2r_stream_write(st, b, sizeof(b), log_release, &rb) == 1);
    CHECK(h2r_stream_end(st) == 0);

    h2r_chunk chunks[16];
    size_t n;
    size_t total = pull_all(p.session, chunks, 16, &n);
    int found_a = 0, found_b = 0;
    for (size_t i = 0; i != n; ++i) {
        found_a |= chunks[i].base == a && chunks[i].len == sizeof(a);
        found_b |= chunks[i].base == b && chunks[i].len == sizeof(b);
    }
    CHECK_MSG(found_a && found_b, "the application's buffers are handed out by reference, not copied");
    CHECK_MSG(ra.calls == 0 && rb.calls == 0, "pulled is not written: nothing released");
    CHECK_MSG(total > sizeof(b) && chunks[n - 1].base == b, "b is the last chunk");

    size_t again;
    h2r_chunk chunks2[16];
    CHECK_MSG(pull_all(p.session, chunks2, 16, &again) == total && again == n &&
                  memcmp(chunks, chunks2, n * sizeof(*chunks)) == 0,
              "pulling again hands out the same chunks");
    h2r_session_sent(p.session, total - sizeof(b) - 1);
    CHECK_MSG(ra.calls == 0, "one byte of a still unwritten: not released");
    h2r_session_sent(p.session, 1);
    CHECK_MSG(ra.calls == 1 && rb.calls == 0, "a is released once its last byte is written, b is not");
    h2r_session_sent(p.session, sizeof(b) - 1);
    CHECK_MSG(rb.calls == 0, "one byte of b still unwritten");
    size_t rest = pull_all(p.session, chunks2, 16, &again);
    CHECK_MSG(again == 1 && rest == 1 && chunks2[0].base == b + sizeof(b) - 1,
              "a partial chunk resumes at its byte");
    h2r_session_sent(p.session, 1);
    CHECK(ra.calls == 1 && rb.calls == 1 && rb.data == b && rb.len == sizeof(b) && rb.ctx == &rb);
    CHECK(pull_all(p.session, chunks2, 16, &again) == 0 && again == 0);
    peer_free(&p);
    CHECK_MSG(ra.calls == 1 && rb.calls == 1, "freeing the session releases nothing twice");
    unref_streams(&app.streams);
}

static void test_release_on_peer_reset(void)
{
    struct app app = {0};
    struct peer p;
    h2r_stream *st = open_stream(&p, &app);
    uint8_t *big = pattern(MIB, 6);
    static uint8_t tail[100];
    struct release_log rbig = {0}, rtail = {0};
    h2r_stream_respond(st, NULL, 0, 0);
    h2r_stream_write(st, big, MIB, log_release, &rbig);
    h2r_stream_write(st, tail, sizeof(tail), log_release, &rtail);

    h2r_chunk chunks[64];
    size_t n;
    size_t total = pull_all(p.session, chunks, 64, &n);
    CHECK(total > 65535);
    peer_rst_stream(&p, 1, H2R_CANCEL);
    CHECK_MSG(app.closes == 1 && app.last_close_code == H2R_CANCEL, "the peer's reset closes the stream");
    CHECK_MSG(rtail.calls == 1, "data never framed is released at the reset");
    CHECK_MSG(rbig.calls == 0, "data in flight is not released before it is written");
    h2r_session_sent(p.session, total - 1);
    CHECK(rbig.calls == 0);
    h2r_session_sent(p.session, 1);
    CHECK_MSG(rbig.calls == 1 && rbig.data == big && rbig.len == MIB,
              "released once its bytes in flight are written");
    peer_flush(&p);
    CHECK_MSG(peer_count(&p, H2R_FRAME_DATA, 1) == 0, "no DATA after the reset");
    peer_free(&p);
    CHECK(rbig.calls == 1 && rtail.calls == 1);
    unref_streams(&app.streams);

    /* The same, but the bytes were written before the reset: released at the reset. */
    struct app app2 = {0};
    st = open_stream(&p, &app2);
    memset(&rbig, 0, sizeof(rbig));
    h2r_stream_respond(st, NULL, 0, 0);
    h2r_stream_write(st, big, MIB, log_release, &rbig);
    peer_flush(&p);
    CHECK(rbig.calls == 0);
    peer_rst_stream(&p, 1, H2R_CANCEL);
    CHECK_MSG(rbig.calls == 1, "partly sent, reset after the write: released at once");
    peer_free(&p);
    CHECK(rbig.calls == 1);
    unref_streams(&app2.streams);
    free(big);
}

static void test_release_on_local_close(void)
{
    struct app app = {0};
    struct peer p;
    h2r_stream *st = open_stream(&p, &app);
    uint8_t *big = pattern(MIB, 7);
    struct release_log r = {0};
    h2r_stream_respond(st, NULL, 0, 0);
    h2r_stream_write(st, big, MIB, log_release, &r);
    h2r_chunk chunks[64];
    size_t n;
    size_t total = pull_all(p.session, chunks, 64, &n);
    CHECK(h2r_stream_close(st, H2R_INTERNAL_ERROR) == 0);
    CHECK(r.calls == 0 && app.closes == 1 && app.last_close_code == H2R_INTERNAL_ERROR);
    size_t total2 = pull_all(p.session, chunks, 64, &n);
    CHECK_MSG(total2 == total + 13, "the RST_STREAM comes after the chunks in flight");
    h2r_session_sent(p.session, total2);
    CHECK_MSG(r.calls == 1, "released when the frames in flight are written");
    peer_free(&p);
    CHECK(r.calls == 1);
    unref_streams(&app.streams);
    free(big);
}

static void test_release_on_session_free(void)
{
    struct app app = {0};
    struct peer p;
    h2r_stream *st = open_stream(&p, &app);
    uint8_t *big = pattern(MIB, 8);
    static uint8_t tail[10];
    struct release_log rbig = {0}, rtail = {0};
    h2r_stream_respond(st, NULL, 0, 0);
    h2r_stream_write(st, big, MIB, log_release, &rbig);
    h2r_stream_write(st, tail, sizeof(tail), log_release, &rtail);
    h2r_chunk chunks[64];
    size_t n;
    size_t total = pull_all(p.session, chunks, 64, &n);
    h2r_session_sent(p.session, total / 2);
    CHECK(rbig.calls == 0 && rtail.calls == 0);
    peer_free(&p);
    CHECK_MSG(rbig.calls == 1 && rtail.calls == 1, "freeing the session releases everything, once");
    unref_streams(&app.streams);
    free(big);

    /* Freed with a fully framed buffer in flight. */
    struct app app2 = {0};
    st = open_stream(&p, &app2);
    static uint8_t small[50];
    struct release_log rsmall = {0};
    h2r_stream_respond(st, NULL, 0, 0);
    h2r_stream_write(st, small, sizeof(small), log_release, &rsmall);
    pull_all(p.session, chunks, 64, &n);
    peer_free(&p);
    CHECK(rsmall.calls == 1);
    unref_streams(&app2.streams);
}

/* An I/O layer that takes one chunk at a time (say, to splice file ranges) still gets every DATA frame. */
static void test_pull_one_chunk_at_a_time(void)
{
    char path[] = "/tmp/h2r_one_XXXXXX";
    int fd = mkstemp(path);
    uint8_t *content = pattern(40000, 12);
    CHECK(fd >= 0 && write(fd, content, 40000) == 40000);
    struct app app = {0};
    struct peer p;
    h2r_stream *st = open_stream(&p, &app);
    /* A PING, then a header block too big for the same output block: control bytes in two chunks. */
    static const uint8_t ping[8];
    CHECK(h2r_session_ping(p.session, ping, NULL, NULL) == 0);
    static char value[6000];
    memset(value, 'h', sizeof(value));
    h2r_header big = {.name = "x-big", .name_len = 5, .value = value, .value_len = sizeof(value)};
    CHECK(h2r_stream_respond(st, &big, 1, 0) == 0);
    h2r_stream_write(st, content, 20000, NULL, NULL);
    h2r_stream_write_file(st, fd, 0, 40000, NULL, NULL);
    h2r_stream_end(st);
    size_t data_bytes = 0, pulls = 0;
    h2r_chunk chunk;
    while (h2r_session_pull(p.session, &chunk, 1) == 1 && pulls < 1000) {
        ++pulls;
        CHECK(chunk.len > 0);
        if (!chunk.base)
            data_bytes += chunk.len;
        else if (chunk.base >= (const void *)content && chunk.base < (const void *)(content + 20000))
            data_bytes += chunk.len;
        h2r_session_sent(p.session, chunk.len);
    }
    CHECK_MSG(data_bytes == 60000, "pulling one chunk at a time: all 60000 bytes of DATA (%zu)", data_bytes);
    CHECK(!h2r_session_want_write(p.session) && app.closes == 0);
    h2r_stream_state state;
    h2r_stream_get_state(st, &state);
    CHECK_MSG(state.state == H2R_STREAM_STATE_HALF_CLOSED_LOCAL, "END_STREAM went out");
    peer_free(&p);
    unref_streams(&app.streams);
    close(fd);
    unlink(path);
    free(content);
}

/* ---- high-water mark and drain (Node's write() and 'drain') ---- */

static void test_high_water_mark_and_drain(void)
{
    struct app app = {0};
    struct peer p;
    h2r_stream *st = open_stream(&p, &app);
    uint8_t *body = pattern(100000, 10);
    h2r_stream_respond(st, NULL, 0, 0);
    CHECK_MSG(h2r_stream_write(st, body, 40000, NULL, NULL) == 1, "under the high-water mark: 1");
    CHECK(h2r_stream_buffer_size(st) == 40000);
    CHECK_MSG(h2r_stream_write(st, body + 40000, 40000, NULL, NULL) == 0, "above it (64 KiB): 0");
    CHECK(h2r_stream_buffer_size(st) == 80000);
    CHECK_MSG(app.drains == 0, "no drain before anything is sent");
    peer_flush(&p);
    CHECK_MSG(app.drains == 1, "drain once the buffer fell below the mark");
    CHECK(h2r_stream_buffer_size(st) == 80000 - 65535);
    CHECK_MSG(h2r_stream_write(st, body + 80000, 10, NULL, NULL) == 1,
              "after the drain, writes return 1 again");
    peer_window_update(&p, 0, MIB);
    peer_window_update(&p, 1, MIB);
    peer_flush(&p);
    CHECK_MSG(app.drains == 1, "no second drain without a write that returned 0");
    int ended;
    CHECK(peer_data_bytes(&p, 1, &ended) == 80010 && !ended);

    /* A write that returns 0 when the window is open drains during the next pull. */
    CHECK(h2r_stream_write(st, body, 70000, NULL, NULL) == 0);
    peer_flush(&p);
    CHECK(app.drains == 2 && h2r_stream_buffer_size(st) == 0);
    peer_free(&p);
    unref_streams(&app.streams);
    free(body);
}

/* The application may close the stream from on_drain, even as its last DATA frame is made. */
static void close_on_drain(h2r_stream *st)
{
    ++app_of(st)->drains;
    CHECK(h2r_stream_close(st, H2R_CANCEL) == 0);
}

static void test_close_from_drain(void)
{
    struct app app = {0};
    h2r_session_callbacks cb = callbacks;
    cb.on_drain = close_on_drain;
    h2r_session_options options;
    h2r_session_options_init(&options);
    options.stream_high_water_mark = 100;
    struct peer p;
    peer_init(&p, &options, &cb, &app);
    peer_preface(&p, NULL, 0);
    peer_get(&p, 1, "/", 1);
    peer_flush(&p);
    h2r_stream *st = app.streams.list[0];
    app.streams.count = 0; /* the test keeps no reference: the stream dies in the callback */
    static uint8_t body[200];
    struct release_log r = {0};
    h2r_stream_respond(st, NULL, 0, 0);
    CHECK(h2r_stream_write(st, body, sizeof(body), log_release, &r) == 0);
    h2r_stream_end(st);
    h2r_stream_unref(st);
    peer_flush(&p); /* one frame drains the buffer and carries END_STREAM */
    CHECK_MSG(app.drains == 1 && app.closes == 1 && r.calls == 1, "closed from on_drain: no use after free");
    int ended;
    CHECK(peer_data_bytes(&p, 1, &ended) == 200 && ended);
    peer_free(&p);
}

/* ---- file ranges ---- */

static void test_file_ranges(void)
{
    char path[] = "/tmp/h2r_file_XXXXXX";
    int fd = mkstemp(path);
    uint8_t *content = pattern(70000, 11);
    CHECK(fd >= 0 && write(fd, content, 70000) == 70000);

    struct app app = {0};
    struct peer p;
    h2r_stream *st = open_stream(&p, &app);
    struct release_log r = {0};
    h2r_stream_respond(st, NULL, 0, 0);
    CHECK(h2r_stream_write_file(st, fd, 1000, 50000, log_release, &r) == 1);
    CHECK(h2r_stream_buffer_size(st) == 50000);
    CHECK(h2r_stream_end(st) == 0);

    h2r_chunk chunks[64];
    size_t n;
    pull_all(p.session, chunks, 64, &n);
    int64_t expect_offset = 1000;
    size_t file_chunks = 0, file_bytes = 0;
    int ranges_ok = 1;
    for (size_t i = 0; i != n; ++i) {
        if (chunks[i].base) continue;
        ++file_chunks;
        ranges_ok &= chunks[i].fd == fd && chunks[i].offset == expect_offset && chunks[i].len <= 16384;
        expect_offset += (int64_t)chunks[i].len;
        file_bytes += chunks[i].len;
    }
    CHECK_MSG(file_chunks == 4 && file_bytes == 50000 && ranges_ok,
              "the range comes out as fd/offset chunks, in order, one per DATA frame (%zu)", file_chunks);
    CHECK(r.calls == 0);
    peer_flush(&p); /* the peer writes the chunks in flight, reading the file */
    int ended;
    CHECK_MSG(peer_data_bytes(&p, 1, &ended) == 50000 && ended, "50000 bytes and END_STREAM");
    CHECK_MSG(data_equals(&p, 1, content + 1000, 50000), "the bytes are the file's, from offset 1000");
    CHECK_MSG(r.calls == 1 && r.data == NULL && r.len == 50000, "released once, after the write");
    CHECK(h2r_stream_write_file(st, -1, 0, 10, NULL, NULL) == H2R_ERR_INVALID_ARGUMENT);
    peer_free(&p);
    unref_streams(&app.streams);

    /* A partial write inside a file chunk: the next pull resumes at the right offset. */
    struct app app2 = {0};
    st = open_stream(&p, &app2);
    h2r_stream_respond(st, NULL, 0, 0);
    h2r_stream_write_file(st, fd, 5, 100, NULL, NULL);
    h2r_stream_end(st);
    size_t total = pull_all(p.session, chunks, 64, &n);
    size_t before_file = 0;
    for (size_t i = 0; i != n && chunks[i].base; ++i) before_file += chunks[i].len;
    h2r_session_sent(p.session, before_file + 30);
    pull_all(p.session, chunks, 64, &n);
    CHECK_MSG(!chunks[0].base && chunks[0].fd == fd && chunks[0].offset == 35 && chunks[0].len == 70,
              "30 bytes of the range written: it resumes at offset 35 with 70 left");
    h2r_session_sent(p.session, total - before_file - 30);
    CHECK(!h2r_session_want_write(p.session));
    peer_free(&p);
    unref_streams(&app2.streams);

    close(fd);
    unlink(path);
    free(content);
}

/* ---- a file range that cannot be read (h2r_session_file_failed) ---- */

/* Index (in chunks) of the n-th file chunk of a pull, from 0. */
static size_t nth_file_chunk(const h2r_chunk *chunks, size_t count, size_t n)
{
    for (size_t i = 0; i != count; ++i)
        if (!chunks[i].base && n-- == 0) return i;
    return SIZE_MAX;
}

static size_t bytes_before(const h2r_chunk *chunks, size_t index)
{
    size_t total = 0;
    for (size_t i = 0; i != index; ++i) total += chunks[i].len;
    return total;
}

static void on_want_trailers_send(h2r_stream *st)
{
    static const h2r_header trailer = {.name = "x-checksum", .name_len = 10, .value = "1", .value_len = 1};
    h2r_stream_send_trailers(st, &trailer, 1);
}

static void test_file_failed(void)
{
    char path[] = "/tmp/h2r_file_XXXXXX";
    int fd = mkstemp(path);
    uint8_t *content = pattern(50000, 5);
    CHECK(fd >= 0 && write(fd, content, 50000) == 50000);
    h2r_chunk chunks[64];
    size_t n;

    /* The third of four frames fails while the first is written: two whole frames, then a reset. */
    for (int peer_ended = 0; peer_ended != 2; ++peer_ended) {
        struct app app = {0};
        struct peer p;
        peer_init(&p, NULL, &callbacks, &app);
        peer_preface(&p, NULL, 0);
        peer_get(&p, 1, "/", peer_ended);
        peer_flush(&p);
        peer_clear(&p);
        h2r_stream *st = app.streams.list[0];
        struct release_log r = {0};
        h2r_stream_respond(st, NULL, 0, 0);
        h2r_stream_write_file(st, fd, 0, 50000, log_release, &r);
        h2r_stream_end(st);
        pull_all(p.session, chunks, 64, &n);
        size_t first = nth_file_chunk(chunks, n, 0);
        h2r_session_sent(p.session, bytes_before(chunks, first) + chunks[first].len);
        n = h2r_session_pull(p.session, chunks, 64);
        size_t third = nth_file_chunk(chunks, n, 1); /* the first one is written */
        CHECK(third != SIZE_MAX && chunks[third].offset == 32768);
        int closes = app.closes;
        CHECK_MSG(h2r_session_file_failed(p.session, third) == 0, "a failed range is a stream error%s",
                  peer_ended ? " (stream already closed by its END_STREAM)" : "");
        CHECK_MSG(app.frame_errors == 1 && app.frame_error[0] == H2R_FRAME_DATA &&
                      app.frame_error[1] == H2R_INTERNAL_ERROR && app.frame_error[2] == 1 &&
                      app.closes_before_frame_error == closes,
                  "on_frame_error (Node's 'frameError'): DATA, INTERNAL_ERROR, stream 1, before the close");
        peer_flush(&p);
        int ended;
        CHECK_MSG(peer_data_bytes(&p, 1, &ended) == 16384 && !ended,
                  "the second frame whole, the failed ones empty, no END_STREAM");
        CHECK(peer_got_rst(&p, 1, H2R_INTERNAL_ERROR));
        CHECK_MSG(r.calls == 1 && r.len == 50000, "the range is released once");
        CHECK(!peer_find(&p, H2R_FRAME_GOAWAY, -1));
        CHECK_MSG(peer_count(&p, H2R_FRAME_DATA, 1) == 3, "three DATA frames came (one emptied)");
        /* The session goes on: a second request is served. */
        app.respond = app.end = 1;
        peer_get(&p, 3, "/", 1);
        peer_flush(&p);
        CHECK(peer_data_bytes(&p, 3, &ended) == 0 && ended);
        CHECK_MSG(session_remote_window(p.session) == 65535 - 16384 * 2,
                  "dropped payloads give their connection window back");
        peer_free(&p);
        unref_streams(&app.streams);
    }

    /* Part of the frame header already written: nothing can be rewritten. */
    {
        struct app app = {0};
        struct peer p;
        h2r_stream *st = open_stream(&p, &app);
        h2r_stream_respond(st, NULL, 0, 0);
        h2r_stream_write_file(st, fd, 0, 100, NULL, NULL);
        h2r_stream_end(st);
        pull_all(p.session, chunks, 64, &n);
        size_t file = nth_file_chunk(chunks, n, 0);
        h2r_session_sent(p.session, bytes_before(chunks, file) - 4);
        n = h2r_session_pull(p.session, chunks, 64);
        CHECK(h2r_session_file_failed(p.session, nth_file_chunk(chunks, n, 0)) == H2R_ERR_INVALID_STATE);
        CHECK(app.frame_errors == 1);
        CHECK(h2r_session_file_failed(p.session, 0) == H2R_ERR_INVALID_ARGUMENT); /* not a file range */
        CHECK(h2r_session_file_failed(p.session, 99) == H2R_ERR_INVALID_ARGUMENT);
        CHECK_MSG(app.frame_errors == 1, "no frame error for an index that is no file range");
        peer_free(&p);
        unref_streams(&app.streams);
    }

    /* Trailers already queued behind the failed frame would end the stream: the connection goes instead. */
    {
        struct app app = {0};
        h2r_session_callbacks with_trailers = callbacks;
        with_trailers.on_want_trailers = on_want_trailers_send;
        struct peer p;
        peer_init(&p, NULL, &with_trailers, &app);
        peer_preface(&p, NULL, 0);
        peer_get(&p, 1, "/", 1);
        peer_flush(&p);
        peer_clear(&p);
        h2r_stream *st = app.streams.list[0];
        h2r_stream_respond(st, NULL, 0, H2R_RESPOND_WAIT_FOR_TRAILERS);
        h2r_stream_write_file(st, fd, 0, 1000, NULL, NULL);
        h2r_stream_end(st);
        pull_all(p.session, chunks, 64, &n);
        CHECK(h2r_session_file_failed(p.session, nth_file_chunk(chunks, n, 0)) == H2R_ERR_SESSION_CLOSED);
        peer_flush(&p);
        CHECK(peer_got_goaway(&p, H2R_INTERNAL_ERROR));
        peer_free(&p);
        unref_streams(&app.streams);
    }

    close(fd);
    unlink(path);
    free(content);
}

int main(void)
{
    test_window_exhausted_and_reopened();
    test_initial_window_shrinks_and_grows();
    test_zero_window();
    test_connection_window_blocks_streams();
    test_max_frame_size();
    test_request_body_window_updates();
    test_no_window_update_after_end_stream();
    test_padding_counted_in_flow_control();
    test_partial_writes();
    test_release_after_written();
    test_release_on_peer_reset();
    test_release_on_local_close();
    test_release_on_session_free();
    test_pull_one_chunk_at_a_time();
    test_high_water_mark_and_drain();
    test_close_from_drain();
    test_file_ranges();
    test_file_failed();
    return check_done();
}
