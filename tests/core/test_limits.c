/*
 * The engine's defences against the HTTP/2 denial-of-service attacks, one
 * test each, with small limits so that they run fast: the peer floods, the
 * session answers GOAWAY(ENHANCE_YOUR_CALM) (or the RFC's answer for an
 * oversized header list, 431) before its memory or work grows past the
 * limit, while a well-behaved client under the same limits is served.
 *
 * CVE-2019-9512 ping flood, 9514 reset flood, 9515 settings flood, 9516
 * zero-length headers, 9518 empty frames, CVE-2023-44487 rapid reset,
 * CVE-2024-28182 CONTINUATION flood, CVE-2025-8671 MadeYouReset, then
 * maxHeaderListPairs, SETTINGS_MAX_HEADER_LIST_SIZE, maxSessionRejectedStreams
 * and the HPACK bomb; then the HTTP/2 Bomb (CVE-2026-49975): cookie crumbs
 * joined, the heads of held streams counted in maxSessionMemory, and the
 * output stall timeout, for a server's responses and a client's uploads
 * alike (a server that stalls us), over HTTP/2 and HTTP/1.1.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "peer.h"

#define F(n, v)                                                                                              \
    {                                                                                                        \
        .name = (n), .name_len = sizeof(n) - 1, .value = (v), .value_len = sizeof(v) - 1                     \
    }
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t zeros[1 << 15];
#define BIG_VALUE                                                                                            \
    "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"   \
    "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"   \
    "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"

/* ---- the application: answers every request once it ends, except /hold ---- */

struct app {
    int streams, session_errors;
    uint32_t session_error_code;
    h2r_stream *held; /* the last /hold request */
    size_t fields;    /* the last request's field count, and its cookie fields, joined with '|' */
    char cookies[256];
};

/* Records the request's field count and cookies. */
static void record_fields(struct app *app, const h2r_header *headers, size_t count)
{
    app->fields = count;
    app->cookies[0] = '\0';
    for (size_t i = 0; i != count; ++i) {
        if (headers[i].name_len != 6 || memcmp(headers[i].name, "cookie", 6) != 0) continue;
        size_t len = strlen(app->cookies);
        snprintf(app->cookies + len, sizeof(app->cookies) - len, "%s%.*s", len ? "|" : "",
                 (int)headers[i].value_len, headers[i].value);
    }
}

static int is_hold(const h2r_header *headers, size_t count)
{
    for (size_t i = 0; i != count; ++i)
        if (headers[i].name_len == 5 && memcmp(headers[i].name, ":path", 5) == 0)
            return headers[i].value_len == 5 && memcmp(headers[i].value, "/hold", 5) == 0;
    return 0;
}

/* A request for /push gets 20 promises (left unanswered) before its response. */
static int is_push(const h2r_header *headers, size_t count)
{
    for (size_t i = 0; i != count; ++i)
        if (headers[i].name_len == 5 && memcmp(headers[i].name, ":path", 5) == 0)
            return headers[i].value_len == 5 && memcmp(headers[i].value, "/push", 5) == 0;
    return 0;
}

static void on_stream(h2r_session *session, h2r_stream *st, const h2r_header *headers, size_t count,
                      int flags)
{
    ++((struct app *)h2r_session_user_data(session))->streams;
    record_fields(h2r_session_user_data(session), headers, count);
    h2r_header path = F(":path", "/pushed");
    h2r_stream *pushed;
    for (int i = 0; i != 20 && is_push(headers, count); ++i) h2r_stream_push(st, &path, 1, &pushed);
    int hold = is_hold(headers, count);
    h2r_stream_set_user_data(st, (void *)(uintptr_t)hold);
    if (hold) ((struct app *)h2r_session_user_data(session))->held = st;
    if (!hold && (flags & H2R_END_STREAM)) h2r_stream_respond(st, NULL, 0, H2R_RESPOND_END_STREAM);
}

static void on_end(h2r_stream *st)
{
    if (!h2r_stream_user_data(st) && !h2r_stream_headers_sent(st) && !h2r_stream_closed(st))
        h2r_stream_respond(st, NULL, 0, H2R_RESPOND_END_STREAM);
}

static void on_session_error(h2r_session *session, uint32_t code, const char *reason)
{
    (void)reason;
    struct app *app = h2r_session_user_data(session);
    ++app->session_errors;
    app->session_error_code = code;
}

static const h2r_session_callbacks callbacks = {
    .on_stream = on_stream,
    .on_end = on_end,
    .on_session_error = on_session_error,
};

/* ---- a connection ---- */

struct conn {
    struct peer p;
    struct app app;
};

static struct conn *connect_with(const h2r_session_options *options)
{
    struct conn *c = calloc(1, sizeof(*c));
    peer_init(&c->p, options, &callbacks, &c->app);
    peer_preface(&c->p, NULL, 0);
    peer_flush(&c->p);
    peer_settings_ack(&c->p);
    peer_flush(&c->p);
    peer_clear(&c->p);
    return c;
}

static void disconnect(struct conn *c)
{
    peer_free(&c->p);
    free(c);
}

static void options_init(h2r_session_options *o)
{
    h2r_session_options_init(o);
}

/* Did the session end with GOAWAY(code)? (Flushes first.) */
static int ended_with(struct conn *c, uint32_t code)
{
    peer_flush(&c->p);
    return peer_got_goaway(&c->p, code) && peer_count(&c->p, H2R_FRAME_GOAWAY, 0) == 1 &&
           !h2r_session_want_read(c->p.session) && c->app.session_error_code == code;
}

/* Can the connection still serve a GET on stream id? (Flushes and forgets the frames.) */
static int serves(struct conn *c, uint32_t id)
{
    peer_clear(&c->p);
    peer_get(&c->p, id, "/", 1);
    peer_flush(&c->p);
    const char *status = peer_field(peer_find(&c->p, H2R_FRAME_HEADERS, id), ":status");
    int ok = status && strcmp(status, "200") == 0 && !peer_find(&c->p, H2R_FRAME_GOAWAY, 0);
    peer_clear(&c->p);
    return ok;
}

/* Bytes the session has to send that the I/O layer has not written: everything a pull hands out. */
static size_t unwritten_bytes(h2r_session *s)
{
    h2r_chunk chunks[256];
    size_t n = h2r_session_pull(s, chunks, COUNT(chunks)), total = 0;
    for (size_t i = 0; i != n; ++i) total += chunks[i].len;
    return total;
}

/* ---- CVE-2019-9512, CVE-2019-9515: floods of frames that must be acknowledged ---- */

enum flood_kind { FLOOD_PING, FLOOD_SETTINGS };

static void send_flood_frame(struct conn *c, enum flood_kind kind)
{
    if (kind == FLOOD_PING) {
        peer_frame(&c->p, H2R_FRAME_PING, 0, 0, "12345678", 8);
    } else {
        struct h2r_setting s = {H2R_SETTINGS_MAX_CONCURRENT_STREAMS, 100};
        peer_settings(&c->p, &s, 1);
    }
}

/*
 * The peer sends frames to acknowledge and never reads. Either the I/O
 * layer never gets to pull (pulled = 0) or it pulls and the socket takes
 * nothing (pulled = 1, as when a send keeps coming back short).
 */
static void check_ack_flood(enum flood_kind kind, int pulled)
{
    const char *what = kind == FLOOD_PING ? "PING" : "SETTINGS";
    const char *how = pulled ? "pulled, never written" : "never pulled";
    h2r_session_options o;
    options_init(&o);
    o.max_control_queue_bytes = 1024;
    struct conn *c = connect_with(&o);
    size_t ack_len = kind == FLOOD_PING ? 17 : 9, sent = 0, max_unwritten = 0;
    for (; sent != 10000 && c->p.last_feed >= 0; ++sent) {
        send_flood_frame(c, kind);
        if (pulled) {
            size_t unwritten = unwritten_bytes(c->p.session);
            if (unwritten > max_unwritten) max_unwritten = unwritten;
        }
    }
    size_t all = unwritten_bytes(c->p.session);
    CHECK_MSG(c->p.last_feed == H2R_ERR_PROTOCOL && sent <= 1024 / ack_len + 2,
              "CVE-2019-%s %s flood (%s): cut off after %zu frames", kind == FLOOD_PING ? "9512" : "9515",
              what, how, sent);
    /* The limit, one more acknowledgment, and the GOAWAY with its reason. */
    CHECK_MSG(all <= 1024 + ack_len + 17 + 64 && max_unwritten <= all,
              "%s flood (%s): %zu bytes queued at most", what, how, all);
    CHECK_MSG(ended_with(c, H2R_ENHANCE_YOUR_CALM), "%s flood (%s): GOAWAY(ENHANCE_YOUR_CALM)", what, how);
    disconnect(c);
}

/* A client that pings a lot but reads its ACKs is never cut off. */
static void test_pings_read_promptly(void)
{
    h2r_session_options o;
    options_init(&o);
    o.max_control_queue_bytes = 1024;
    struct conn *c = connect_with(&o);
    for (int i = 0; i != 1000; ++i) {
        peer_frame(&c->p, H2R_FRAME_PING, 0, 0, "12345678", 8);
        if (i % 10 == 9) {
            peer_flush(&c->p);
            peer_clear(&c->p);
        }
    }
    CHECK_MSG(c->p.last_feed > 0 && serves(c, 1), "1000 PINGs read promptly are all answered");
    disconnect(c);
}

/*
 * Requests whose answers are heads only (HEAD, 204...) and never read: the
 * heads wait in the control queue, which bounds them as it bounds ACKs.
 */
static void test_unread_responses(void)
{
    h2r_session_options o;
    options_init(&o);
    o.max_control_queue_bytes = 4096;
    struct conn *c = connect_with(&o);
    uint32_t id = 1;
    for (; id < 200000 && c->p.last_feed >= 0; id += 2) peer_get(&c->p, id, "/", 1);
    size_t unwritten = unwritten_bytes(c->p.session);
    CHECK_MSG(c->p.last_feed == H2R_ERR_PROTOCOL && id < 2000,
              "bodiless responses never read: cut off after %u requests", id / 2);
    CHECK_MSG(unwritten <= 4096 + 64 + 17 + 64, "bodiless responses never read: %zu bytes queued at most",
              unwritten);
    CHECK_MSG(ended_with(c, H2R_ENHANCE_YOUR_CALM),
              "bodiless responses never read: GOAWAY(ENHANCE_YOUR_CALM)");
    disconnect(c);

    /* The same requests, their answers read as they come: all served. */
    c = connect_with(&o);
    for (id = 1; id < 20000; id += 2) {
        peer_get(&c->p, id, "/", 1);
        if (id % 64 == 63) {
            peer_flush(&c->p);
            peer_clear(&c->p);
        }
    }
    CHECK_MSG(c->p.last_feed > 0 && c->app.streams == 10000,
              "10000 requests read promptly: all answered (%d)", c->app.streams);
    disconnect(c);
}

/* ---- CVE-2019-9514: reset flood ---- */

static void malformed_request(struct conn *c, uint32_t id)
{
    h2r_header fields[] = {F(":method", "GET"), F(":scheme", "http"), F(":path", "/"), F("Bad", "1")};
    peer_headers(&c->p, id, H2R_FLAG_END_STREAM, fields, COUNT(fields));
}

static void test_reset_flood(void)
{
    h2r_session_options o;
    options_init(&o);
    o.max_session_invalid_frames = 20;
    struct conn *c = connect_with(&o);
    uint32_t id = 1;
    for (; id < 2000 && c->p.last_feed >= 0; id += 2) malformed_request(c, id);
    size_t unwritten = unwritten_bytes(c->p.session);
    CHECK_MSG(c->p.last_feed == H2R_ERR_PROTOCOL && id / 2 <= 21,
              "CVE-2019-9514 reset flood: cut off after %u malformed requests", id / 2);
    CHECK_MSG(unwritten <= 21 * 13 + 17 + 64, "reset flood: %zu bytes of RST_STREAM queued at most",
              unwritten);
    CHECK_MSG(ended_with(c, H2R_ENHANCE_YOUR_CALM) && peer_count(&c->p, H2R_FRAME_RST_STREAM, -1) == 21,
              "reset flood: 21 RST_STREAM(PROTOCOL_ERROR), then GOAWAY(ENHANCE_YOUR_CALM)");
    disconnect(c);

    /* The same with DATA on closed streams, each answered RST_STREAM(STREAM_CLOSED). */
    c = connect_with(&o);
    for (id = 1; id != 41; id += 2) {
        peer_get(&c->p, id, "/", 1);
        peer_frame(&c->p, H2R_FRAME_DATA, 0, id, "x", 1);
    }
    CHECK_MSG(c->p.last_feed >= 0, "20 streams given DATA after they closed: still going");
    peer_get(&c->p, id, "/", 1);
    peer_frame(&c->p, H2R_FRAME_DATA, 0, id, "x", 1);
    CHECK_MSG(ended_with(c, H2R_ENHANCE_YOUR_CALM) && peer_count(&c->p, H2R_FRAME_RST_STREAM, -1) == 21,
              "reset flood by DATA on closed streams: GOAWAY(ENHANCE_YOUR_CALM) past the limit");
    disconnect(c);
}

/* ---- CVE-2019-9516: zero-length header names and values ---- */

static void test_zero_length_headers(void)
{
    h2r_session_options o;
    options_init(&o);
    o.max_session_invalid_frames = 10;
    struct conn *c = connect_with(&o);
    /* Each request: the pseudo-headers, then 2000 fields with an empty name and value (literal, new name). */
    static uint8_t block[3 + 11 + 3 * 2000];
    size_t n = 0;
    block[n++] = 0x82, block[n++] = 0x86, block[n++] = 0x84; /* GET, http, / */
    memcpy(block + n, "\x01\x09localhost", 11);              /* :authority, not indexed */
    n += 11;
    for (int i = 0; i != 2000; ++i) block[n++] = 0x00, block[n++] = 0x00, block[n++] = 0x00;
    uint32_t id = 1;
    for (int i = 0; i != 10; ++i, id += 2)
        peer_frame(&c->p, H2R_FRAME_HEADERS, H2R_FLAG_END_HEADERS | H2R_FLAG_END_STREAM, id, block, n);
    peer_flush(&c->p);
    const char *status = peer_field(peer_find(&c->p, H2R_FRAME_HEADERS, 1), ":status");
    CHECK_MSG(
        c->app.streams == 0 && status && strcmp(status, "431") == 0 &&
            peer_count(&c->p, H2R_FRAME_HEADERS, -1) == 10,
        "CVE-2019-9516: requests of 2000 empty fields are refused (431), never stored for the application");
    CHECK_MSG(serves(c, id), "zero-length headers: the connection still serves a normal request");
    peer_frame(&c->p, H2R_FRAME_HEADERS, H2R_FLAG_END_HEADERS | H2R_FLAG_END_STREAM, id + 2, block, n);
    CHECK_MSG(ended_with(c, H2R_ENHANCE_YOUR_CALM),
              "zero-length headers, repeated: GOAWAY(ENHANCE_YOUR_CALM)");
    disconnect(c);
}

/* ---- CVE-2019-9518: empty frames ---- */

static void test_empty_frames(void)
{
    h2r_session_options o;
    options_init(&o);
    o.max_session_invalid_frames = 50;
    struct conn *c = connect_with(&o);
    peer_get(&c->p, 1, "/", 0);
    for (int i = 0; i != 50; ++i) peer_frame(&c->p, H2R_FRAME_DATA, 0, 1, NULL, 0);
    CHECK_MSG(c->p.last_feed >= 0, "50 empty DATA frames: within maxSessionInvalidFrames");
    peer_frame(&c->p, H2R_FRAME_DATA, 0, 1, NULL, 0);
    CHECK_MSG(ended_with(c, H2R_ENHANCE_YOUR_CALM),
              "CVE-2019-9518: the 51st empty DATA without END_STREAM: GOAWAY(ENHANCE_YOUR_CALM)");
    disconnect(c);

    /* Empty CONTINUATION frames count the same way. */
    o.max_continuations = 1000;
    c = connect_with(&o);
    uint8_t block[256];
    h2r_header fields[] = {F(":method", "GET"), F(":scheme", "http"), F(":authority", "www.example.com"),
                           F(":path", "/")};
    size_t n = peer_encode(&c->p, fields, COUNT(fields), block, sizeof(block));
    peer_frame(&c->p, H2R_FRAME_HEADERS, H2R_FLAG_END_STREAM, 1, block, n);
    for (int i = 0; i != 51 && c->p.last_feed >= 0; ++i)
        peer_frame(&c->p, H2R_FRAME_CONTINUATION, 0, 1, NULL, 0);
    CHECK_MSG(ended_with(c, H2R_ENHANCE_YOUR_CALM),
              "CVE-2019-9518: empty CONTINUATION flood: GOAWAY(ENHANCE_YOUR_CALM)");
    disconnect(c);

    /* An empty DATA with END_STREAM is how a body ends: never counted. */
    o.max_session_invalid_frames = 0;
    c = connect_with(&o);
    uint32_t id = 1;
    for (; id != 101; id += 2) {
        peer_get(&c->p, id, "/", 0);
        peer_frame(&c->p, H2R_FRAME_DATA, H2R_FLAG_END_STREAM, id, NULL, 0);
    }
    CHECK_MSG(c->p.last_feed >= 0 && serves(c, id), "50 bodies ended by an empty DATA frame are fine");
    disconnect(c);
}

/* ---- CVE-2023-44487: rapid reset ---- */

static void test_rapid_reset(void)
{
    h2r_session_options o;
    options_init(&o);
    o.max_reset_streams = 10;
    struct conn *c = connect_with(&o);
    uint32_t id = 1;
    for (; id < 2000 && c->p.last_feed >= 0; id += 2) {
        peer_get(&c->p, id, "/", 0);
        peer_rst_stream(&c->p, id, H2R_CANCEL);
    }
    CHECK_MSG(c->p.last_feed == H2R_ERR_PROTOCOL && id / 2 == 11,
              "CVE-2023-44487: cut off at the 11th stream reset before its response (%u)", id / 2);
    CHECK_MSG(ended_with(c, H2R_ENHANCE_YOUR_CALM) && peer_count(&c->p, H2R_FRAME_RST_STREAM, -1) == 0,
              "rapid reset: GOAWAY(ENHANCE_YOUR_CALM), no RST_STREAM back");
    disconnect(c);

    /* A browser that cancels some of its requests (one in four) over a long connection is fine. */
    c = connect_with(&o);
    for (id = 1; id < 2000; id += 2) {
        int cancel = id % 8 == 1;
        peer_get(&c->p, id, cancel ? "/hold" : "/", !cancel);
        if (cancel) peer_rst_stream(&c->p, id, H2R_CANCEL);
        peer_flush(&c->p);
        peer_clear(&c->p);
    }
    CHECK_MSG(c->p.last_feed >= 0 && serves(c, id), "1000 requests, one in four cancelled: served");
    id += 2;
    /* So is cancelling as many as the limit in a row. */
    for (int i = 0; i != 10; ++i, id += 2) {
        peer_get(&c->p, id, "/hold", 1);
        peer_rst_stream(&c->p, id, H2R_CANCEL);
    }
    CHECK_MSG(c->p.last_feed >= 0 && serves(c, id), "10 cancelled in a row (the limit): served");
    disconnect(c);

    /* Requests the session answers itself (431) cost the application nothing: they earn nothing back. */
    o.settings.max_header_list_size = 256;
    c = connect_with(&o);
    h2r_header big[] = {F(":method", "GET"), F(":scheme", "http"), F(":path", "/"), F("x-big", BIG_VALUE)};
    for (id = 1; id < 2000 && c->p.last_feed >= 0; id += 4) {
        peer_get(&c->p, id, "/", 0);
        peer_rst_stream(&c->p, id, H2R_CANCEL);
        peer_headers(&c->p, id + 2, H2R_FLAG_END_STREAM, big, COUNT(big));
    }
    CHECK_MSG(ended_with(c, H2R_ENHANCE_YOUR_CALM) && id / 4 == 11,
              "rapid reset between requests refused with 431: cut off at the 11th reset (%u)", id / 4);
    disconnect(c);
    o.settings.max_header_list_size = 65536;

    /* Declining pushes is what RST_STREAM is for (RFC 9113 §8.4.2): no rapid reset. */
    c = connect_with(&o);
    peer_get(&c->p, 1, "/push", 1);
    peer_flush(&c->p);
    CHECK(peer_count(&c->p, H2R_FRAME_PUSH_PROMISE, 1) == 20);
    for (id = 2; id != 42; id += 2) peer_rst_stream(&c->p, id, H2R_CANCEL);
    CHECK_MSG(c->p.last_feed >= 0 && serves(c, 3), "20 pushes cancelled by the client: not a rapid reset");
    disconnect(c);
}

/* ---- CVE-2024-28182: CONTINUATION flood ---- */

static void test_continuation_flood(void)
{
    h2r_session_options o;
    options_init(&o);
    o.max_continuations = 8;
    struct conn *c = connect_with(&o);
    uint8_t block[256];
    h2r_header fields[] = {F(":method", "GET"), F(":scheme", "http"), F(":authority", "www.example.com"),
                           F(":path", "/")};
    size_t n = peer_encode(&c->p, fields, COUNT(fields), block, sizeof(block));
    /* A block cut into HEADERS and 8 CONTINUATIONs is within the limit. */
    peer_frame(&c->p, H2R_FRAME_HEADERS, H2R_FLAG_END_STREAM, 1, block, n - 8);
    for (size_t i = n - 8; i != n; ++i)
        peer_frame(&c->p, H2R_FRAME_CONTINUATION, i == n - 1 ? H2R_FLAG_END_HEADERS : 0, 1, block + i, 1);
    peer_flush(&c->p);
    CHECK_MSG(peer_find(&c->p, H2R_FRAME_HEADERS, 1), "HEADERS + 8 CONTINUATIONs (the limit): served");
    peer_clear(&c->p);
    /* A never-ending block: cut off at the 9th CONTINUATION, whatever it carries. */
    peer_frame(&c->p, H2R_FRAME_HEADERS, H2R_FLAG_END_STREAM, 3, "\x82", 1);
    int sent = 0;
    for (; sent != 1000 && c->p.last_feed >= 0; ++sent)
        peer_frame(&c->p, H2R_FRAME_CONTINUATION, 0, 3, "\x82", 1);
    CHECK_MSG(sent == 9 && ended_with(c, H2R_ENHANCE_YOUR_CALM),
              "CVE-2024-28182: the 9th CONTINUATION: GOAWAY(ENHANCE_YOUR_CALM) (%d sent)", sent);
    disconnect(c);

    /* The bytes of a block are bounded too: 2 x SETTINGS_MAX_HEADER_LIST_SIZE + 16384. */
    o.max_continuations = 1000;
    o.settings.max_header_list_size = 1024;
    c = connect_with(&o);
    peer_frame(&c->p, H2R_FRAME_HEADERS, 0, 1, zeros, 16384);
    peer_frame(&c->p, H2R_FRAME_CONTINUATION, 0, 1, zeros, 2048);
    CHECK_MSG(c->p.last_feed >= 0, "a block of 18432 bytes (the bound) is gathered");
    peer_frame(&c->p, H2R_FRAME_CONTINUATION, 0, 1, zeros, 1);
    CHECK_MSG(ended_with(c, H2R_ENHANCE_YOUR_CALM), "a block of 18433 bytes: GOAWAY(ENHANCE_YOUR_CALM)");
    disconnect(c);
}

/* ---- CVE-2025-8671: MadeYouReset ---- */

enum provocation {
    BY_ZERO_WINDOW_UPDATE,
    BY_WINDOW_OVERFLOW,
    BY_BAD_PRIORITY,
    BY_DATA_AFTER_END,
    BY_BAD_LENGTH
};

/* Opens stream id and makes the server reset it. */
static void provoke_reset(struct conn *c, uint32_t id, enum provocation how)
{
    switch (how) {
    case BY_ZERO_WINDOW_UPDATE:
        peer_get(&c->p, id, "/hold", 0);
        peer_window_update(&c->p, id, 0);
        break;
    case BY_WINDOW_OVERFLOW:
        peer_get(&c->p, id, "/hold", 0);
        peer_window_update(&c->p, id, 0x7fffffffu);
        break;
    case BY_BAD_PRIORITY:
        peer_get(&c->p, id, "/hold", 0);
        peer_frame(&c->p, H2R_FRAME_PRIORITY, 0, id, zeros, 4);
        break;
    case BY_DATA_AFTER_END:
        peer_get(&c->p, id, "/hold", 1);
        peer_frame(&c->p, H2R_FRAME_DATA, 0, id, "x", 1);
        break;
    case BY_BAD_LENGTH: {
        h2r_header fields[] = {F(":method", "POST"), F(":scheme", "http"), F(":authority", "a"),
                               F(":path", "/hold"), F("content-length", "1")};
        peer_headers(&c->p, id, 0, fields, COUNT(fields));
        peer_frame(&c->p, H2R_FRAME_DATA, H2R_FLAG_END_STREAM, id, "xy", 2);
        break;
    }
    }
}

static void check_made_you_reset(enum provocation how, const char *what)
{
    h2r_session_options o;
    options_init(&o);
    o.max_reset_streams = 10;
    struct conn *c = connect_with(&o);
    uint32_t id = 1;
    for (; id < 2000 && c->p.last_feed >= 0; id += 2) provoke_reset(c, id, how);
    peer_flush(&c->p);
    CHECK_MSG(c->app.streams == 11 && peer_count(&c->p, H2R_FRAME_RST_STREAM, -1) == 11 &&
                  ended_with(c, H2R_ENHANCE_YOUR_CALM),
              "CVE-2025-8671 by %s: 11 streams reset by us, then GOAWAY(ENHANCE_YOUR_CALM)", what);
    disconnect(c);
}

static void test_made_you_reset(void)
{
    check_made_you_reset(BY_ZERO_WINDOW_UPDATE, "WINDOW_UPDATE of 0");
    check_made_you_reset(BY_WINDOW_OVERFLOW, "WINDOW_UPDATE overflowing the window");
    check_made_you_reset(BY_BAD_PRIORITY, "PRIORITY of 4 bytes");
    check_made_you_reset(BY_DATA_AFTER_END, "DATA after END_STREAM");
    check_made_you_reset(BY_BAD_LENGTH, "DATA over content-length");

    /* Completed streams earn the budget back. */
    h2r_session_options o;
    options_init(&o);
    o.max_reset_streams = 10;
    struct conn *c = connect_with(&o);
    uint32_t id = 1;
    for (int i = 0; i != 100; ++i) {
        provoke_reset(c, id, BY_ZERO_WINDOW_UPDATE);
        peer_get(&c->p, id + 2, "/", 1);
        id += 4;
        peer_flush(&c->p);
        peer_clear(&c->p);
    }
    CHECK_MSG(c->p.last_feed >= 0 && serves(c, id), "one stream reset for each one completed: served");
    disconnect(c);
}

/* ---- maxHeaderListPairs, SETTINGS_MAX_HEADER_LIST_SIZE ---- */

/* A request with `extra` regular fields after the 4 pseudo-headers. */
static void request_with_fields(struct conn *c, uint32_t id, int extra, size_t value_len, int end_stream)
{
    static char value[4096];
    memset(value, 'v', sizeof(value));
    h2r_header fields[64] = {F(":method", "POST"), F(":scheme", "http"), F(":authority", "a"),
                             F(":path", "/")};
    static const char *const names[] = {"x-a", "x-b", "x-c", "x-d", "x-e", "x-f", "x-g", "x-h"};
    for (int i = 0; i != extra; ++i)
        fields[4 + i] =
            (h2r_header){.name = names[i % 8], .name_len = 3, .value = value, .value_len = value_len};
    peer_headers(&c->p, id, end_stream ? H2R_FLAG_END_STREAM : 0, fields, 4 + (size_t)extra);
}

static int got_431(const struct peer *p, uint32_t id)
{
    const struct peer_frame *h = peer_find(p, H2R_FRAME_HEADERS, id);
    const char *status = peer_field(h, ":status");
    return status && strcmp(status, "431") == 0 && (h->h.flags & H2R_FLAG_END_STREAM);
}

static void test_max_header_list_pairs(void)
{
    h2r_session_options o;
    options_init(&o);
    o.max_header_list_pairs = 8;
    struct conn *c = connect_with(&o);
    request_with_fields(c, 1, 4, 1, 1);
    peer_flush(&c->p);
    CHECK_MSG(c->app.streams == 1 && peer_find(&c->p, H2R_FRAME_HEADERS, 1),
              "maxHeaderListPairs 8: 8 fields served");
    peer_clear(&c->p);
    request_with_fields(c, 3, 5, 1, 1);
    peer_flush(&c->p);
    CHECK_MSG(c->app.streams == 1 && got_431(&c->p, 3) && peer_count(&c->p, H2R_FRAME_RST_STREAM, -1) == 0,
              "maxHeaderListPairs 8: 9 fields answered 431, never surfaced");
    CHECK_MSG(serves(c, 5), "maxHeaderListPairs: the connection goes on");
    disconnect(c);
}

static void test_max_header_list_size(void)
{
    h2r_session_options o;
    options_init(&o);
    o.settings.max_header_list_size = 512;
    struct conn *c = connect_with(&o);
    request_with_fields(c, 1, 1, 300, 1);
    peer_flush(&c->p);
    CHECK_MSG(c->app.streams == 1, "SETTINGS_MAX_HEADER_LIST_SIZE 512: a 502-byte list served");
    peer_clear(&c->p);
    request_with_fields(c, 3, 2, 300, 1);
    peer_flush(&c->p);
    CHECK_MSG(c->app.streams == 1 && got_431(&c->p, 3) && peer_count(&c->p, H2R_FRAME_RST_STREAM, -1) == 0,
              "RFC 9113 §10.5.1: an 837-byte list answered 431 (the request had ended: no RST_STREAM)");
    peer_clear(&c->p);
    request_with_fields(c, 5, 2, 300, 0);
    peer_frame(&c->p, H2R_FRAME_DATA, 0, 5, zeros, 100);
    peer_frame(&c->p, H2R_FRAME_DATA, H2R_FLAG_END_STREAM, 5, zeros, 100);
    peer_flush(&c->p);
    CHECK_MSG(got_431(&c->p, 5) && peer_got_rst(&c->p, 5, H2R_NO_ERROR) &&
                  peer_count(&c->p, H2R_FRAME_RST_STREAM, -1) == 1,
              "§8.1: 431 then RST_STREAM(NO_ERROR) for the body not wanted; the body in flight ignored");
    CHECK_MSG(serves(c, 7), "header list size: the connection goes on");
    disconnect(c);
}

/* ---- maxSessionRejectedStreams ---- */

static void test_rejected_streams(void)
{
    h2r_session_options o;
    options_init(&o);
    o.settings.max_concurrent_streams = 1;
    o.max_session_rejected_streams = 5;
    struct conn *c = connect_with(&o);
    peer_get(&c->p, 1, "/hold", 0);
    uint32_t id = 3;
    for (; id != 13; id += 2) peer_get(&c->p, id, "/", 1);
    peer_flush(&c->p);
    CHECK_MSG(c->p.last_feed >= 0 && peer_count(&c->p, H2R_FRAME_RST_STREAM, -1) == 5 &&
                  peer_got_rst(&c->p, 11, H2R_REFUSED_STREAM),
              "maxSessionRejectedStreams 5: 5 streams refused (REFUSED_STREAM)");
    peer_get(&c->p, id, "/", 1);
    CHECK_MSG(ended_with(c, H2R_ENHANCE_YOUR_CALM), "the 6th refused stream: GOAWAY(ENHANCE_YOUR_CALM)");
    disconnect(c);
}

/* ---- maxSessionMemory ---- */

static void test_max_session_memory(void)
{
    h2r_session_options o;
    options_init(&o);
    o.max_session_memory = 1 << 20;
    static uint8_t body[2 << 20];

    /* 2 MiB written to a stream whose window takes 64 KiB: the rest waits in memory, over the limit. */
    struct conn *c = connect_with(&o);
    peer_get(&c->p, 1, "/hold", 0);
    peer_flush(&c->p);
    h2r_stream_respond(c->app.held, NULL, 0, 0);
    h2r_stream_write(c->app.held, body, sizeof(body), NULL, NULL);
    peer_get(&c->p, 3, "/", 1);
    peer_flush(&c->p);
    CHECK_MSG(peer_got_rst(&c->p, 3, H2R_REFUSED_STREAM) && !peer_find(&c->p, H2R_FRAME_HEADERS, 3),
              "maxSessionMemory 1 MiB, 2 MiB of memory queued: a new stream is refused (REFUSED_STREAM)");
    disconnect(c);

    /* A file range holds no memory, however long. */
    c = connect_with(&o);
    peer_get(&c->p, 1, "/hold", 0);
    peer_flush(&c->p);
    int fd = open("/dev/zero", O_RDONLY);
    h2r_stream_respond(c->app.held, NULL, 0, 0);
    h2r_stream_write_file(c->app.held, fd, 0, 100u << 20, NULL, NULL);
    peer_get(&c->p, 3, "/", 1);
    peer_flush(&c->p);
    CHECK_MSG(peer_find(&c->p, H2R_FRAME_HEADERS, 3) && !peer_find(&c->p, H2R_FRAME_RST_STREAM, 3),
              "100 MiB of a file queued: a new stream is served");
    disconnect(c);
    close(fd);
}

/* ---- the HPACK bomb ---- */

static void test_hpack_bomb(void)
{
    h2r_session_options o;
    options_init(&o);
    struct conn *c = connect_with(&o);
    /* A 4000-byte field, added to the dynamic table (index 62): GET, http, /, :authority, x-bomb. */
    static uint8_t block[64 + 4000];
    size_t n = 0;
    memcpy(block, "\x82\x86\x84\x01\x09localhost", 14);
    n = 14;
    block[n++] = 0x40;
    block[n++] = 6;
    memcpy(block + n, "x-bomb", 6);
    n += 6;
    block[n++] = 0x7f, block[n++] = (uint8_t)(0x80 | ((4000 - 127) & 0x7f)),
    block[n++] = (uint8_t)((4000 - 127) >> 7);
    memset(block + n, 'b', 4000);
    n += 4000;
    peer_frame(&c->p, H2R_FRAME_HEADERS, H2R_FLAG_END_HEADERS | H2R_FLAG_END_STREAM, 1, block, n);
    peer_flush(&c->p);
    CHECK_MSG(c->app.streams == 1, "a request with a 4000-byte field is served");
    peer_clear(&c->p);
    /* Then 16000 references to it: 64 MB of fields from a 16 KB block. */
    static uint8_t bomb[14 + 16000];
    memcpy(bomb, "\x82\x86\x84\x01\x09localhost", 14);
    memset(bomb + 14, 0xbe, 16000);
    peer_frame(&c->p, H2R_FRAME_HEADERS, H2R_FLAG_END_HEADERS | H2R_FLAG_END_STREAM, 3, bomb, sizeof(bomb));
    peer_flush(&c->p);
    CHECK_MSG(c->app.streams == 1 && got_431(&c->p, 3),
              "HPACK bomb: answered 431 once the list passes the limit");
    peer_clear(&c->p);
    /* The table is still in step: a request that refers to it decodes. */
    block[14] = 0xbe;
    peer_frame(&c->p, H2R_FRAME_HEADERS, H2R_FLAG_END_HEADERS | H2R_FLAG_END_STREAM, 5, block, 15);
    peer_flush(&c->p);
    CHECK_MSG(c->app.streams == 2 && peer_find(&c->p, H2R_FRAME_HEADERS, 5) &&
                  !peer_find(&c->p, H2R_FRAME_GOAWAY, 0),
              "HPACK bomb: the connection goes on, its table in step");
    disconnect(c);
}

/* ---- the HTTP/2 Bomb (CVE-2026-49975): held streams' heads, cookie crumbs, stalled output ---- */

static size_t session_memory(struct conn *c)
{
    h2r_session_state st;
    h2r_session_get_state(c->p.session, &st);
    return st.memory_size;
}

static void test_cookie_crumbs(void)
{
    h2r_session_options o;
    options_init(&o);
    struct conn *c = connect_with(&o);
    const h2r_header fields[] = {F(":method", "GET"),  F(":scheme", "http"), F(":path", "/hold"),
                                 F(":authority", "a"), F("cookie", "a=1"),   F("x-other", "o"),
                                 F("cookie", "b=2"),   F("cookie", "c=3")};
    peer_headers(&c->p, 1, H2R_FLAG_END_STREAM, fields, COUNT(fields));
    peer_flush(&c->p);
    CHECK_MSG(
        c->app.fields == 6 && strcmp(c->app.cookies, "a=1; b=2; c=3") == 0,
        "RFC 9113 §8.2.3: three cookie crumbs are handed over as one field, '; ' between (%zu fields: %s)",
        c->app.fields, c->app.cookies);
    /* The stream, 6 fields and their bytes: "cookie" counted once, its value with the separators. */
    size_t bytes = 7 + 3 + 7 + 4 + 5 + 5 + 10 + 1 + 6 + 13 + 7 + 1;
    size_t held = session_memory(c);
    CHECK_MSG(held >= 6 * sizeof(h2r_header) + bytes && held < 6 * sizeof(h2r_header) + bytes + 1024,
              "the held request counts its 6 fields and their bytes in maxSessionMemory (%zu bytes)", held);
    h2r_stream_close(c->app.held, H2R_NO_ERROR);
    peer_flush(&c->p);
    CHECK_MSG(session_memory(c) == 0, "the stream closed: nothing counted (%zu)", session_memory(c));
    peer_clear(&c->p);
    const h2r_header one[] = {F(":method", "GET"), F(":scheme", "http"), F(":path", "/"),
                              F(":authority", "a"), F("cookie", "a=1")};
    peer_headers(&c->p, 3, H2R_FLAG_END_STREAM, one, COUNT(one));
    peer_flush(&c->p);
    CHECK_MSG(c->app.fields == 5 && strcmp(c->app.cookies, "a=1") == 0,
              "a single cookie is handed as it came");
    /* Crumbs past maxHeaderListPairs are not kept, so not joined either: the request is too large. */
    h2r_header many[130] = {F(":method", "GET"), F(":scheme", "http"), F(":path", "/"), F(":authority", "a")};
    for (size_t i = 4; i != 128; ++i) many[i] = (h2r_header)F("x-a", "b");
    many[128] = (h2r_header)F("cookie", "a=1");
    many[129] = (h2r_header)F("cookie", "b=2");
    peer_clear(&c->p);
    peer_headers(&c->p, 5, H2R_FLAG_END_STREAM, many, COUNT(many));
    peer_flush(&c->p);
    CHECK_MSG(got_431(&c->p, 5) && serves(c, 7),
              "cookie crumbs past maxHeaderListPairs: 431, and the session goes on");
    disconnect(c);
}

/* Requests of 50 fields each, held by the application, against a 64 KiB maxSessionMemory. */
static void test_held_heads(void)
{
    h2r_session_options o;
    options_init(&o);
    o.max_session_memory = 64u << 10;
    o.max_session_rejected_streams = 3;
    struct conn *c = connect_with(&o);
    h2r_header fields[50] = {F(":method", "GET"), F(":scheme", "http"), F(":path", "/hold"),
                             F(":authority", "a")};
    for (size_t i = 4; i != COUNT(fields); ++i) fields[i] = (h2r_header)F("x-big", BIG_VALUE);
    uint32_t id = 1;
    size_t last = 0;
    for (; id < 200 && !peer_find(&c->p, H2R_FRAME_RST_STREAM, -1); id += 2) {
        last = session_memory(c);
        peer_headers(&c->p, id, H2R_FLAG_END_STREAM, fields, COUNT(fields));
        peer_flush(&c->p);
    }
    uint32_t refused = id - 2;
    int held = c->app.streams;
    size_t head = (COUNT(fields) - 4) * (sizeof(h2r_header) + 5 + 300);
    CHECK_MSG(held >= 3 && last >= (size_t)held * head && last > 64u << 10 &&
                  last < (64u << 10) + head + 1024 && peer_got_rst(&c->p, refused, H2R_REFUSED_STREAM),
              "17 KB heads held: counted (%zu bytes for %d streams), the stream past 64 KiB refused "
              "(REFUSED_STREAM)",
              last, held);
    for (int i = 0; i != 3; ++i, id += 2) peer_headers(&c->p, id, H2R_FLAG_END_STREAM, fields, COUNT(fields));
    CHECK_MSG(c->app.streams == held && ended_with(c, H2R_ENHANCE_YOUR_CALM),
              "a client that keeps opening streams over the memory: GOAWAY(ENHANCE_YOUR_CALM)");
    disconnect(c);

    /* Once the held streams close, their memory is given back and new streams are served. */
    c = connect_with(&o);
    for (id = 1; !peer_find(&c->p, H2R_FRAME_RST_STREAM, -1); id += 2) {
        peer_headers(&c->p, id, H2R_FLAG_END_STREAM, fields, COUNT(fields));
        peer_flush(&c->p);
    }
    for (uint32_t s = 1; s < id - 2; s += 2) peer_rst_stream(&c->p, s, H2R_CANCEL);
    peer_flush(&c->p);
    CHECK_MSG(session_memory(c) == 0 && serves(c, id),
              "the held streams reset: nothing counted, a GET is served");
    disconnect(c);
}

/* A connection at 1 s whose peer set its stream windows to 0, 100 bytes of a response to /hold queued. */
static struct conn *stalled_response(const h2r_session_options *o)
{
    static const uint8_t body[100];
    struct conn *c = connect_with(o);
    h2r_session_tick(c->p.session, 1000);
    struct h2r_setting zero = {H2R_SETTINGS_INITIAL_WINDOW_SIZE, 0};
    peer_settings(&c->p, &zero, 1);
    peer_get(&c->p, 1, "/hold", 1);
    peer_flush(&c->p);
    h2r_stream_respond(c->app.held, NULL, 0, 0);
    h2r_stream_write(c->app.held, body, sizeof(body), NULL, NULL);
    peer_flush(&c->p);
    return c;
}

/* A client at 1 s whose server set its stream windows to 0, 100 bytes of a POST's body (stream 1) queued. */
static struct conn *stalled_upload(const h2r_session_options *o)
{
    struct conn *c = calloc(1, sizeof(*c));
    peer_init_client(&c->p, o, &callbacks, &c->app);
    h2r_session_tick(c->p.session, 1000);
    struct h2r_setting zero = {H2R_SETTINGS_INITIAL_WINDOW_SIZE, 0};
    peer_settings(&c->p, &zero, 1);
    peer_settings_ack(&c->p);
    h2r_header post[] = {F(":method", "POST"), F(":path", "/upload")};
    CHECK(h2r_session_request(c->p.session, post, COUNT(post), 0, &c->app.held) == 0);
    CHECK(h2r_stream_write(c->app.held, zeros, 100, NULL, NULL) >= 0 && h2r_stream_end(c->app.held) == 0);
    peer_flush(&c->p);
    return c;
}

/* Window 0 on stream 1, the peer moving the connection window by a byte now and then: cut off after 5 s. */
static void check_stall_timeout(struct conn *c, const char *who)
{
    h2r_session_state st;
    for (uint64_t now = 1100; now < 6000; now += 100) {
        peer_window_update(&c->p, 0, 1);
        h2r_session_tick(c->p.session, now);
    }
    h2r_session_get_state(c->p.session, &st);
    peer_flush(&c->p);
    CHECK_MSG(!peer_find(&c->p, H2R_FRAME_GOAWAY, 0) && h2r_session_want_read(c->p.session) &&
                  st.output_stalled_ms >= 4800 && st.output_stalled_ms < 5000,
              "%s: output stalled at window 0 for 4.9 s of 5: the session goes on (stalled %llu ms)", who,
              (unsigned long long)st.output_stalled_ms);
    h2r_session_tick(c->p.session, 6100);
    h2r_session_get_state(c->p.session, &st);
    CHECK_MSG(ended_with(c, H2R_ENHANCE_YOUR_CALM) && st.open_streams == 0,
              "%s: stalled for the 5 s timeout: GOAWAY(ENHANCE_YOUR_CALM), the stream closed", who);
}

/* Window progress on stream 1, however slow, starts the period again: 20 s of a byte a second. */
static void check_slow_window(struct conn *c, const char *who)
{
    for (uint64_t now = 1000; now <= 20000; now += 1000) {
        peer_window_update(&c->p, 1, 1);
        peer_flush(&c->p);
        h2r_session_tick(c->p.session, now);
    }
    int ended = 0;
    CHECK_MSG(peer_data_bytes(&c->p, 1, &ended) == 20 && !peer_find(&c->p, H2R_FRAME_GOAWAY, 0),
              "%s: a byte of window a second for 20 s: 20 bytes sent, the session goes on", who);
}

/* An HTTP/1.1 session at 1 s whose response to /hold, 1 MiB, was pulled and none of it written. */
static h2r_session *http1_response_pulled(const h2r_session_options *o, struct app *app)
{
    static uint8_t body[1 << 20];
    static const char request[] = "GET /hold HTTP/1.1\r\nHost: a\r\n\r\n";
    h2r_session *s = h2r_session_http1_server_new(o, &callbacks, app, "http");
    h2r_session_tick(s, 1000);
    h2r_session_feed(s, (const uint8_t *)request, sizeof(request) - 1);
    h2r_stream_respond(app->held, NULL, 0, 0);
    h2r_stream_write(app->held, body, sizeof(body), NULL, NULL);
    h2r_chunk chunks[8];
    h2r_session_pull(s, chunks, 8);
    return s;
}

/* An HTTP/1.1 client at 1 s whose request's body, 1 MiB, was pulled and none of it written. */
static h2r_session *http1_upload_pulled(const h2r_session_options *o, struct app *app)
{
    static uint8_t body[1 << 20];
    h2r_session *s = h2r_session_http1_client_new(o, &callbacks, app, "http", "a");
    h2r_session_tick(s, 1000);
    h2r_header post[] = {F(":method", "POST"), F(":path", "/upload"), F("content-length", "1048576")};
    CHECK(h2r_session_request(s, post, COUNT(post), 0, &app->held) == 0);
    CHECK(h2r_stream_write(app->held, body, sizeof(body), NULL, NULL) >= 0 && h2r_stream_end(app->held) == 0);
    h2r_chunk chunks[8];
    h2r_session_pull(s, chunks, 8);
    return s;
}

/* HTTP/1.1: a body the peer does not read (nothing written) ends the session at 5 s; a byte a second does
 * not. */
static void check_http1_stall(h2r_session *(*pulled)(const h2r_session_options *, struct app *),
                              const h2r_session_options *o, const char *who)
{
    struct app app = {0};
    h2r_session *s = pulled(o, &app);
    h2r_session_tick(s, 5900);
    int open_before = h2r_session_want_read(s) && !app.session_errors;
    h2r_session_tick(s, 6100);
    h2r_session_state st;
    h2r_session_get_state(s, &st);
    CHECK_MSG(open_before && app.session_error_code == H2R_ENHANCE_YOUR_CALM && !h2r_session_want_read(s) &&
                  st.open_streams == 0,
              "%s: a body unread for the 5 s timeout ends the session (ENHANCE_YOUR_CALM)", who);
    h2r_session_free(s);

    app = (struct app){0};
    s = pulled(o, &app);
    for (uint64_t now = 2000; now <= 20000; now += 1000) {
        h2r_session_sent(s, 1);
        h2r_session_tick(s, now);
    }
    CHECK_MSG(h2r_session_want_read(s) && !app.session_errors,
              "%s: a body read a byte a second for 20 s: the session goes on", who);
    h2r_session_free(s);
}

/* A response whose stream window is 0; a client's upload to a server that stalls it alike (issue 20, item 3).
 */
static void test_output_stall(void)
{
    h2r_session_options o;
    options_init(&o);
    o.output_stall_timeout_ms = 5000;
    struct conn *c = stalled_response(&o);
    check_stall_timeout(c, "server");
    disconnect(c);

    c = stalled_response(&o);
    check_slow_window(c, "server");
    h2r_stream_close(c->app.held, H2R_CANCEL);
    peer_get(&c->p, 3, "/hold", 1);
    peer_flush(&c->p);
    h2r_session_tick(c->p.session, 100000);
    CHECK_MSG(serves(c, 5), "a stream waiting for the application is no stall: the session goes on");
    disconnect(c);

    /* The client's upload: its stream aborted with the session, the body's window never opened. */
    c = stalled_upload(&o);
    h2r_stream *upload = c->app.held;
    h2r_stream_ref(upload);
    check_stall_timeout(c, "client");
    int ended = 0;
    CHECK_MSG(h2r_stream_aborted(upload) && peer_data_bytes(&c->p, 1, &ended) == 0 && !ended,
              "client: the upload is aborted, none of its body sent");
    h2r_stream_unref(upload);
    disconnect(c);

    c = stalled_upload(&o);
    check_slow_window(c, "client");
    disconnect(c);

    check_http1_stall(http1_response_pulled, &o, "HTTP/1.1 server");
    check_http1_stall(http1_upload_pulled, &o, "HTTP/1.1 client");
}

int main(void)
{
    check_ack_flood(FLOOD_PING, 0);
    check_ack_flood(FLOOD_PING, 1);
    check_ack_flood(FLOOD_SETTINGS, 0);
    check_ack_flood(FLOOD_SETTINGS, 1);
    test_pings_read_promptly();
    test_reset_flood();
    test_unread_responses();
    test_zero_length_headers();
    test_empty_frames();
    test_rapid_reset();
    test_continuation_flood();
    test_made_you_reset();
    test_max_header_list_pairs();
    test_max_header_list_size();
    test_rejected_streams();
    test_max_session_memory();
    test_hpack_bomb();
    test_cookie_crumbs();
    test_held_heads();
    test_output_stall();
    return check_done();
}
