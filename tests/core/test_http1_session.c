/*
 * A server session in HTTP/1.1 mode (h2r_session_http1_server_new), driven
 * directly: request bytes are fed, the output pulled and compared byte for
 * byte with what an HTTP/1.1 server must send; the application's side is a
 * log of the callbacks it hears. Covers requests (pseudo-header fields,
 * fields left out, bodies by length and chunked with trailers, cut at every
 * offset, pipelining, CONNECT, absolute-form), responses (framing by length,
 * chunked with trailers, by close; HEAD, 204, 304; interim 1xx), keep-alive
 * for HTTP/1.0 and 1.1, the statuses the session answers bad requests with,
 * file ranges, release callbacks, closing and destroying, the buffered-input
 * limit, the high-water mark, timeouts, and what HTTP/2-only calls return.
 */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <unistd.h>

#include "app_recorder.h"
#include "check.h"
#include "h2ring/engine.h"

/* ---- fixture: the application (a log of events and a reaction per test) and the wire ---- */

struct app;
typedef void (*request_fn)(struct app *app, h2r_stream *st, const h2r_header *headers, size_t count,
                           int flags);

struct app {
    h2r_session *session;
    request_fn on_request;
    void (*on_end)(struct app *app, h2r_stream *st);
    void (*on_want_trailers)(struct app *app, h2r_stream *st);
    struct stream_refs streams; /* every stream seen, until app_free */
    struct event_log log;
    uint8_t *wire; /* everything pulled and reported written */
    size_t wire_len, wire_cap;
    size_t file_chunks;
    int releases, drains, session_closes, session_errors, timeouts;
    uint32_t error_code;
    char error_reason[256];
    size_t pull_max; /* chunks per pull (default 16) */
};

static struct app *app_of(h2r_stream *st)
{
    return h2r_session_user_data(h2r_stream_session(st));
}

static void log_fields(struct app *app, const h2r_header *headers, size_t count)
{
    for (size_t i = 0; i != count; ++i)
        log_event(&app->log, " %.*s=%.*s", (int)headers[i].name_len, headers[i].name,
                  (int)headers[i].value_len, headers[i].value);
}

static void cb_stream(h2r_session *s, h2r_stream *st, const h2r_header *headers, size_t count, int flags)
{
    struct app *app = h2r_session_user_data(s);
    keep_stream(&app->streams, st);
    log_event(&app->log, "stream:%u", h2r_stream_id(st));
    log_fields(app, headers, count);
    log_event(&app->log, "%s; ", (flags & H2R_END_STREAM) ? " END" : "");
    if (app->on_request) app->on_request(app, st, headers, count, flags);
}

static void cb_data(h2r_stream *st, const uint8_t *data, size_t len)
{
    log_event(&app_of(st)->log, "data:%u:%.*s; ", h2r_stream_id(st), (int)len, (const char *)data);
}

static void cb_end(h2r_stream *st)
{
    struct app *app = app_of(st);
    log_event(&app->log, "end:%u; ", h2r_stream_id(st));
    if (app->on_end) app->on_end(app, st);
}

static void cb_trailers(h2r_stream *st, const h2r_header *headers, size_t count)
{
    struct app *app = app_of(st);
    log_event(&app->log, "trailers:%u", h2r_stream_id(st));
    log_fields(app, headers, count);
    log_event(&app->log, "; ");
}

static void cb_want_trailers(h2r_stream *st)
{
    struct app *app = app_of(st);
    log_event(&app->log, "want-trailers:%u; ", h2r_stream_id(st));
    if (app->on_want_trailers) app->on_want_trailers(app, st);
}

static void cb_drain(h2r_stream *st)
{
    ++app_of(st)->drains;
}

static void cb_aborted(h2r_stream *st)
{
    log_event(&app_of(st)->log, "aborted:%u; ", h2r_stream_id(st));
}

static void cb_stream_close(h2r_stream *st, uint32_t code)
{
    log_event(&app_of(st)->log, "close:%u:%u; ", h2r_stream_id(st), code);
}

static void cb_session_error(h2r_session *s, uint32_t code, const char *reason)
{
    struct app *app = h2r_session_user_data(s);
    ++app->session_errors;
    app->error_code = code;
    snprintf(app->error_reason, sizeof(app->error_reason), "%s", reason);
}

static void cb_session_close(h2r_session *s)
{
    ++((struct app *)h2r_session_user_data(s))->session_closes;
}

static void cb_stream_timeout(h2r_stream *st)
{
    ++app_of(st)->timeouts;
}

static const h2r_session_callbacks callbacks = {
    .on_stream = cb_stream,
    .on_data = cb_data,
    .on_end = cb_end,
    .on_trailers = cb_trailers,
    .on_want_trailers = cb_want_trailers,
    .on_drain = cb_drain,
    .on_aborted = cb_aborted,
    .on_stream_close = cb_stream_close,
    .on_session_error = cb_session_error,
    .on_session_close = cb_session_close,
    .on_stream_timeout = cb_stream_timeout,
};

static void app_init_with(struct app *app, const h2r_session_options *options, const char *scheme)
{
    memset(app, 0, sizeof(*app));
    app->pull_max = 16;
    app->session = h2r_session_http1_server_new(options, &callbacks, app, scheme);
    if (!app->session) abort();
}

static void app_init(struct app *app)
{
    app_init_with(app, NULL, "http");
}

static void app_free(struct app *app)
{
    h2r_session_free(app->session);
    unref_streams(&app->streams);
    free(app->wire);
}

/* bytes with CR, LF and other controls escaped, for a TAP line (one of two static buffers, in turn). */
static const char *escaped(const void *bytes, size_t len)
{
    static char bufs[2][200];
    static int next;
    char *out = bufs[next++ % 2];
    size_t n = 0;
    for (size_t i = 0; i != len && n + 5 < sizeof(bufs[0]); ++i) {
        uint8_t c = ((const uint8_t *)bytes)[i];
        if (c == '\r' || c == '\n')
            n += (size_t)snprintf(out + n, 4, "\\%c", c == '\r' ? 'r' : 'n');
        else if (c < 0x20 || c > 0x7e)
            n += (size_t)snprintf(out + n, 5, "\\x%02x", c);
        else
            out[n++] = (char)c;
    }
    out[n] = 0;
    return out;
}

static int log_is(struct app *app, const char *expected)
{
    int ok = CHECK_MSG(strcmp(app->log.text, expected) == 0, "log is \"%s\" (got \"%s\")",
                       escaped(expected, strlen(expected)), escaped(app->log.text, app->log.len));
    log_clear(&app->log);
    return ok;
}

/* The file whose ranges are written: byte i is 'A' + i % 26. */
static int file_fd = -1;

static void wire_append(struct app *app, const void *bytes, size_t len)
{
    if (app->wire_len + len > app->wire_cap) {
        app->wire_cap = (app->wire_len + len) * 2 + 64;
        if (!(app->wire = realloc(app->wire, app->wire_cap))) abort();
    }
    memcpy(app->wire + app->wire_len, bytes, len);
    app->wire_len += len;
}

/* Pulls everything (pull_max chunks at a time), writes it to the wire, reports it written. */
static void flush(struct app *app)
{
    h2r_chunk chunks[64];
    for (int rounds = 0; rounds < 100000; ++rounds) {
        size_t n = h2r_session_pull(app->session, chunks, app->pull_max);
        if (n == 0) break;
        size_t total = 0;
        for (size_t i = 0; i != n; ++i) {
            if (chunks[i].base) {
                wire_append(app, chunks[i].base, chunks[i].len);
            } else {
                ++app->file_chunks;
                uint8_t buf[4096];
                if (chunks[i].len > sizeof(buf) ||
                    pread(chunks[i].fd, buf, chunks[i].len, chunks[i].offset) != (ssize_t)chunks[i].len)
                    abort();
                wire_append(app, buf, chunks[i].len);
            }
            total += chunks[i].len;
        }
        h2r_session_sent(app->session, total);
    }
}

/* Flushes, then compares the wire with expected and forgets it. */
static int wire_is(struct app *app, const char *expected)
{
    flush(app);
    size_t len = strlen(expected);
    int ok =
        CHECK_MSG(app->wire_len == len && (len == 0 || memcmp(app->wire, expected, len) == 0),
                  "wire is \"%s\" (got \"%s\")", escaped(expected, len), escaped(app->wire, app->wire_len));
    app->wire_len = 0;
    return ok;
}

static ssize_t feed(struct app *app, const char *bytes)
{
    return h2r_session_feed(app->session, (const uint8_t *)bytes, strlen(bytes));
}

static const h2r_header *find(const h2r_header *headers, size_t count, const char *name)
{
    for (size_t i = 0; i != count; ++i)
        if (headers[i].name_len == strlen(name) && memcmp(headers[i].name, name, headers[i].name_len) == 0)
            return &headers[i];
    return NULL;
}

/* ---- reactions ---- */

/* 200 with content-length and "hello" (the path's last byte first, to tell responses apart). */
static void respond_hello(struct app *app, h2r_stream *st, const h2r_header *headers, size_t count, int flags)
{
    (void)flags;
    static char bodies[256][6];
    static size_t next;
    const h2r_header *path = find(headers, count, ":path");
    char *body = bodies[next++ % 256];
    memcpy(body, "hello", 6);
    if (path && path->value_len) body[0] = path->value[path->value_len - 1];
    h2r_header fields[] = {FIELD(":status", "200"), FIELD("content-length", "5")};
    CHECK(h2r_stream_respond(st, fields, 2, 0) == 0);
    CHECK(h2r_stream_write(st, body, 5, count_release, &app->releases) == 1);
    CHECK(h2r_stream_end(st) == 0);
}

/* 200 without a length: chunked for HTTP/1.1, by close for HTTP/1.0. */
static void respond_unframed(struct app *app, h2r_stream *st, const h2r_header *headers, size_t count,
                             int flags)
{
    (void)headers, (void)count, (void)flags;
    h2r_header fields[] = {FIELD("content-type", "text/plain")};
    CHECK(h2r_stream_respond(st, fields, 1, 0) == 0);
    CHECK(h2r_stream_write(st, "abc", 3, count_release, &app->releases) == 1);
    CHECK(h2r_stream_write(st, "defgh", 5, count_release, &app->releases) == 1);
    CHECK(h2r_stream_end(st) == 0);
}

static void respond_empty(struct app *app, h2r_stream *st, const h2r_header *headers, size_t count, int flags)
{
    (void)app, (void)headers, (void)count, (void)flags;
    h2r_header status = FIELD(":status", "200");
    CHECK(h2r_stream_respond(st, &status, 1, H2R_RESPOND_END_STREAM) == 0);
}

/* Answers once the request body is in (on_end), with respond_hello. */
static void respond_at_end(struct app *app, h2r_stream *st)
{
    respond_hello(app, st, NULL, 0, 0);
}

/* ---- requests: what on_stream gets ---- */

static void test_simple_get(void)
{
    struct app app;
    app_init(&app);
    app.on_request = respond_hello;
    CHECK(h2r_session_is_http1(app.session));
    CHECK(h2r_session_want_read(app.session));
    const char *req = "GET /hello HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t/1\r\nAccept: */*\r\n\r\n";
    CHECK(feed(&app, req) == (ssize_t)strlen(req));
    log_is(&app, "stream:1 :method=GET :scheme=http :authority=example.com :path=/hello user-agent=t/1 "
                 "accept=*/* END; end:1; ");
    CHECK(strcmp(h2r_stream_http_version(last_stream(&app.streams)), "1.1") == 0);
    CHECK(h2r_session_want_write(app.session));
    wire_is(&app, "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\noello");
    log_is(&app, "close:1:0; ");
    CHECK(app.releases == 1);
    CHECK(!h2r_session_want_write(app.session));
    CHECK(h2r_session_want_read(app.session));
    CHECK(!h2r_session_is_done(app.session));

    /* The next request on the same connection is stream 3. */
    feed(&app, "GET /2 HTTP/1.1\r\nhost: example.com\r\n\r\n");
    log_is(&app, "stream:3 :method=GET :scheme=http :authority=example.com :path=/2 END; end:3; ");
    wire_is(&app, "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n2ello");
    h2r_session_state state;
    h2r_session_get_state(app.session, &state);
    CHECK(state.open_streams == 0 && state.last_proc_stream_id == 3 && state.outbound_queue_size == 0);
    app_free(&app);
}

static void test_request_fields(void)
{
    struct app app;
    app_init_with(&app, NULL, "https");
    /* Names lowercased, connection-specific fields and host left out, the rest in order. */
    feed(&app, "OPTIONS * HTTP/1.1\r\nHOST: a.example:8443\r\nConnection: keep-alive, Upgrade\r\n"
               "Keep-Alive: timeout=5\r\nProxy-Connection: x\r\nUpgrade: h2c\r\nTE: trailers\r\n"
               "X-Mixed-Case: Value\r\nx-empty:\r\n\r\n");
    log_is(&app, "stream:1 :method=OPTIONS :scheme=https :authority=a.example:8443 :path=* te=trailers "
                 "x-mixed-case=Value x-empty= END; end:1; ");
    h2r_stream_close(last_stream(&app.streams), H2R_NO_ERROR);
    app_free(&app);

    /* absolute-form: authority and path from the target, userinfo dropped, Host ignored. */
    static const struct {
        const char *request, *expected;
    } absolute[] = {
        {"GET http://user:pw@example.org:8080/p?q HTTP/1.1\r\nHost: other\r\n\r\n",
         "stream:1 :method=GET :scheme=http :authority=example.org:8080 :path=/p?q END; end:1; "},
        {"GET http://example.org?x=1 HTTP/1.1\r\nHost: example.org\r\n\r\n",
         "stream:1 :method=GET :scheme=http :authority=example.org :path=/?x=1 END; end:1; "},
        {"GET https://example.org HTTP/1.1\r\nHost: example.org\r\n\r\n",
         "stream:1 :method=GET :scheme=http :authority=example.org :path=/ END; end:1; "},
        {"OPTIONS http://example.org HTTP/1.1\r\nHost: example.org\r\n\r\n",
         "stream:1 :method=OPTIONS :scheme=http :authority=example.org :path=* END; end:1; "},
        /* HTTP/1.0 without Host: no :authority. An empty Host is none either. */
        {"GET /old HTTP/1.0\r\n\r\n", "stream:1 :method=GET :scheme=http :path=/old END; end:1; "},
        {"GET /e HTTP/1.1\r\nHost:\r\n\r\n", "stream:1 :method=GET :scheme=http :path=/e END; end:1; "},
    };
    for (size_t i = 0; i != sizeof(absolute) / sizeof(absolute[0]); ++i) {
        app_init(&app);
        feed(&app, absolute[i].request);
        log_is(&app, absolute[i].expected);
        app_free(&app);
    }
    /* Without an authority the target names nothing this server could be. */
    app_init(&app);
    feed(&app, "GET urn:isbn:123 HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK(app.streams.count == 0 && app.session_errors == 1);
    flush(&app);
    CHECK(app.wire_len > 12 && memcmp(app.wire, "HTTP/1.1 400", 12) == 0);
    app_free(&app);
}

/* ---- responses: framing ---- */

static void trailers_now(struct app *app, h2r_stream *st)
{
    (void)app;
    h2r_header trailers[] = {FIELD("x-checksum", "42"), FIELD("x-more", "a b")};
    CHECK(h2r_stream_send_trailers(st, trailers, 2) == 0);
}

static void respond_with_trailers(struct app *app, h2r_stream *st, const h2r_header *headers, size_t count,
                                  int flags)
{
    (void)headers, (void)count, (void)flags;
    CHECK(h2r_stream_respond(st, NULL, 0, H2R_RESPOND_WAIT_FOR_TRAILERS) == 0);
    CHECK(h2r_stream_write(st, "abc", 3, count_release, &app->releases) == 1);
    CHECK(h2r_stream_write(st, "defgh", 5, count_release, &app->releases) == 1);
    CHECK(h2r_stream_end(st) == 0);
}

static void test_chunked_response(void)
{
    struct app app;
    app_init(&app);
    app.on_request = respond_unframed;
    feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    /* Two writes queued before a pull: one chunk. */
    wire_is(&app, "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n"
                  "8\r\nabcdefgh\r\n0\r\n\r\n");
    CHECK(app.releases == 2);

    /* Writes between pulls: a chunk each; the CRLF after a chunk goes with the next chunk's header. */
    app.on_request = NULL;
    feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    h2r_stream *st = last_stream(&app.streams);
    CHECK(h2r_stream_respond(st, NULL, 0, 0) == 0);
    CHECK(h2r_stream_write(st, "0123456789abcdefghij", 20, NULL, NULL) == 1);
    wire_is(&app, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n14\r\n0123456789abcdefghij");
    CHECK(h2r_stream_write(st, "xy", 2, NULL, NULL) == 1);
    wire_is(&app, "\r\n2\r\nxy");
    CHECK(h2r_stream_write(st, NULL, 0, NULL, NULL) == 1); /* an empty write is no last chunk */
    CHECK(!h2r_session_want_write(app.session));
    CHECK(h2r_stream_end(st) == 0);
    CHECK(h2r_session_want_write(app.session));
    wire_is(&app, "\r\n0\r\n\r\n");

    /* Trailers: in the last chunk, after on_want_trailers. */
    app.on_request = respond_with_trailers;
    app.on_want_trailers = trailers_now;
    log_clear(&app.log);
    feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    wire_is(&app, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n8\r\nabcdefgh\r\n0\r\n"
                  "x-checksum: 42\r\nx-more: a b\r\n\r\n");
    log_is(&app, "stream:5 :method=GET :scheme=http :authority=a :path=/ END; end:5; want-trailers:5; "
                 "close:5:0; ");

    /* END_STREAM with WAIT_FOR_TRAILERS: chunked with no data, then the trailers. */
    app.on_request = NULL;
    feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    log_clear(&app.log);
    CHECK(h2r_stream_respond(last_stream(&app.streams), NULL, 0,
                             H2R_RESPOND_END_STREAM | H2R_RESPOND_WAIT_FOR_TRAILERS) == 0);
    wire_is(
        &app,
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\nx-checksum: 42\r\nx-more: a b\r\n\r\n");
    app_free(&app);
}

/* Node's sentInfoHeaders, sentHeaders, sentTrailers (on_headers_sent): what was sent, and only that. */
static void cb_headers_sent(h2r_stream *st, int kind, const h2r_header *headers, size_t count)
{
    (void)headers;
    log_event(&app_of(st)->log, "sent:%d:%zu; ", kind, count);
}

static void hints_then_trailers(struct app *app, h2r_stream *st, const h2r_header *headers, size_t count,
                                int flags)
{
    h2r_header early[] = {FIELD(":status", "103"), FIELD("link", "</a.css>; rel=preload")};
    CHECK(h2r_stream_additional_headers(st, early, 2) == 0);
    respond_with_trailers(app, st, headers, count, flags);
}

static void test_sent_headers(void)
{
    struct app app;
    app_init(&app);
    h2r_session_free(app.session);
    h2r_session_callbacks with_sent = callbacks;
    with_sent.on_headers_sent = cb_headers_sent;
    app.session = h2r_session_http1_server_new(NULL, &with_sent, &app, "http");
    app.on_request = hints_then_trailers;
    app.on_want_trailers = trailers_now;
    feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    wire_is(&app, "HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\n"
                  "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n8\r\nabcdefgh\r\n0\r\n"
                  "x-checksum: 42\r\nx-more: a b\r\n\r\n");
    log_is(&app, "stream:1 :method=GET :scheme=http :authority=a :path=/ END; sent:1:2; sent:0:0; end:1; "
                 "want-trailers:1; sent:2:2; close:1:0; ");

    /* HTTP/1.0: no 1xx, and no room for trailers (the connection's end frames the body). */
    log_clear(&app.log);
    feed(&app, "GET / HTTP/1.0\r\n\r\n");
    wire_is(&app, "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nabcdefgh");
    log_is(&app,
           "stream:3 :method=GET :scheme=http :path=/ END; sent:0:0; end:3; want-trailers:3; close:3:0; ");
    app_free(&app);
}

/*
 * More queued writes than a pull has chunks for: each piece of the body
 * takes as many as fit, for every pull size, and the body comes out whole
 * and in order, chunked or with a content-length.
 */
static void test_many_small_writes(void)
{
    static uint8_t body[300 * 7];
    for (size_t i = 0; i != sizeof(body); ++i) body[i] = (uint8_t)('a' + (i * 7 + i / 13) % 26);
    for (int with_length = 0; with_length != 2; ++with_length) {
        for (size_t pull_max = 3; pull_max <= 64; ++pull_max) {
            struct app app;
            app_init(&app);
            app.pull_max = pull_max;
            feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            h2r_stream *st = last_stream(&app.streams);
            h2r_header length = {.name = "content-length", .name_len = 14, .value = "2100", .value_len = 4};
            CHECK(h2r_stream_respond(st, &length, with_length ? 1 : 0, 0) == 0);
            for (size_t i = 0; i != 300; ++i) h2r_stream_write(st, body + 7 * i, 7, NULL, NULL);
            h2r_stream_end(st);
            flush(&app);

            /* The body after the head: as is, or the chunks' data. */
            uint8_t got[sizeof(body)];
            size_t len = 0;
            int well_formed = 1;
            const uint8_t *end = app.wire + app.wire_len;
            const uint8_t *p = app.wire_len >= 4 ? memmem(app.wire, app.wire_len, "\r\n\r\n", 4) : NULL;
            if (!p) well_formed = 0;
            for (p = p ? p + 4 : end; well_formed && p != end;) {
                size_t n = with_length ? (size_t)(end - p) : strtoul((const char *)p, NULL, 16);
                if (!with_length) {
                    const uint8_t *line_end = memmem(p, (size_t)(end - p), "\r\n", 2);
                    if (!line_end) break;
                    p = line_end + 2;
                    if (n == 0) break;
                }
                if (n > (size_t)(end - p) || len + n > sizeof(got)) {
                    well_formed = 0;
                    break;
                }
                memcpy(got + len, p, n);
                len += n;
                p += n;
                if (!with_length) p += end - p >= 2 ? 2 : end - p; /* the chunk's CRLF */
            }
            CHECK_MSG(well_formed && len == sizeof(body) && memcmp(got, body, len) == 0,
                      "%s, pulls of %zu chunks: 300 writes come out whole and in order",
                      with_length ? "content-length" : "chunked", pull_max);
            app_free(&app);
        }
    }
}

static void test_length_response(void)
{
    struct app app;
    app_init(&app);
    /* END_STREAM without a length: content-length: 0. */
    app.on_request = respond_empty;
    feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    wire_is(&app, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");

    /* Trailers with a length have no place: dropped, but on_want_trailers still comes. */
    app.on_request = NULL;
    app.on_want_trailers = trailers_now;
    feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    h2r_stream *st = last_stream(&app.streams);
    h2r_header fields[] = {FIELD("content-length", "3")};
    CHECK(h2r_stream_respond(st, fields, 1, H2R_RESPOND_WAIT_FOR_TRAILERS) == 0);
    h2r_stream_write(st, "abc", 3, NULL, NULL);
    h2r_stream_end(st);
    wire_is(&app, "HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabc");
    CHECK(strstr(app.log.text, "want-trailers:3; close:3:0; ") != NULL);
    CHECK(h2r_stream_closed(st));

    /* Bytes beyond the length are dropped (and released); the connection goes on. */
    feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    st = last_stream(&app.streams);
    CHECK(h2r_stream_respond(st, fields, 1, 0) == 0);
    app.releases = 0;
    h2r_stream_write(st, "ab", 2, count_release, &app.releases);
    h2r_stream_write(st, "cdef", 4, count_release, &app.releases);
    h2r_stream_write(st, "gh", 2, count_release, &app.releases);
    h2r_stream_end(st);
    wire_is(&app, "HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabc");
    CHECK(app.releases == 3);
    CHECK(h2r_session_want_read(app.session) && !h2r_session_is_done(app.session));

    /* A body short of its length: the connection ends after it, so that the client can tell. */
    feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    st = last_stream(&app.streams);
    h2r_header ten[] = {FIELD("content-length", "10")};
    CHECK(h2r_stream_respond(st, ten, 1, 0) == 0);
    h2r_stream_write(st, "abc", 3, NULL, NULL);
    h2r_stream_end(st);
    wire_is(&app, "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc");
    CHECK(h2r_session_is_done(app.session) && !h2r_session_want_read(app.session));
    CHECK(app.session_closes == 1);
    app_free(&app);
}

static void test_no_body_responses(void)
{
    struct app app;
    app_init(&app);
    /* HEAD: the head as given, writes refused and released, the connection goes on. */
    feed(&app, "HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n");
    h2r_stream *st = last_stream(&app.streams);
    h2r_header fields[] = {FIELD("content-length", "5"), FIELD("content-type", "text/plain")};
    CHECK(h2r_stream_respond(st, fields, 2, 0) == 0);
    CHECK(h2r_stream_write(st, "hello", 5, count_release, &app.releases) < 0);
    CHECK(app.releases == 1);
    CHECK(h2r_stream_end(st) < 0);
    wire_is(&app, "HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-type: text/plain\r\n\r\n");
    CHECK(h2r_stream_closed(st));

    /* HEAD with END_STREAM and no length: nothing added either. */
    app.on_request = respond_empty;
    feed(&app, "HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n");
    wire_is(&app, "HTTP/1.1 200 OK\r\n\r\n");

    /* 204 and 304: no body, no length added, even without END_STREAM. */
    app.on_request = NULL;
    feed(&app, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
    h2r_header no_content = FIELD(":status", "204");
    CHECK(h2r_stream_respond(last_stream(&app.streams), &no_content, 1, 0) == 0);
    CHECK(h2r_stream_write(last_stream(&app.streams), "x", 1, NULL, NULL) < 0);
    wire_is(&app, "HTTP/1.1 204 No Content\r\n\r\n");
    feed(&app, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
    h2r_header not_modified[] = {FIELD(":status", "304"), FIELD("etag", "\"1\"")};
    CHECK(h2r_stream_respond(last_stream(&app.streams), not_modified, 2, H2R_RESPOND_END_STREAM) == 0);
    wire_is(&app, "HTTP/1.1 304 Not Modified\r\netag: \"1\"\r\n\r\n");

    /* A status without a reason phrase we know: an empty one. */
    feed(&app, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
    h2r_header odd = FIELD(":status", "299");
    CHECK(h2r_stream_respond(last_stream(&app.streams), &odd, 1, H2R_RESPOND_END_STREAM) == 0);
    wire_is(&app, "HTTP/1.1 299 \r\ncontent-length: 0\r\n\r\n");
    CHECK(h2r_session_want_read(app.session));
    app_free(&app);
}

static void test_response_validation(void)
{
    struct app app;
    app_init(&app);
    feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    h2r_stream *st = last_stream(&app.streams);
    h2r_header control = FIELD("x-bad", "a\x01z");
    h2r_header crlf = FIELD("x-bad", "a\r\nset-cookie: x");
    h2r_header conn = FIELD("connection", "close");
    h2r_header te = FIELD("transfer-encoding", "chunked");
    h2r_header upper = FIELD("X-Upper", "1");
    h2r_header interim_only = FIELD(":status", "103");
    h2r_header path = FIELD(":path", "/");
    CHECK(h2r_stream_respond(st, &control, 1, 0) == H2R_ERR_INVALID_HEADER);
    CHECK(h2r_stream_respond(st, &crlf, 1, 0) == H2R_ERR_INVALID_HEADER);
    CHECK(h2r_stream_respond(st, &conn, 1, 0) == H2R_ERR_INVALID_HEADER);
    CHECK(h2r_stream_respond(st, &te, 1, 0) == H2R_ERR_INVALID_HEADER);
    CHECK(h2r_stream_respond(st, &upper, 1, 0) == H2R_ERR_INVALID_HEADER);
    CHECK(h2r_stream_respond(st, &interim_only, 1, 0) == H2R_ERR_INVALID_HEADER);
    CHECK(h2r_stream_respond(st, &path, 1, 0) == H2R_ERR_INVALID_HEADER);
    CHECK(h2r_stream_write(st, "x", 1, NULL, NULL) == H2R_ERR_INVALID_STATE);
    CHECK(!h2r_session_want_write(app.session));
    /* Over maxSendHeaderBlockLength. */
    static char big[70000];
    memset(big, 'v', sizeof(big));
    h2r_header huge = {.name = "x-big", .name_len = 5, .value = big, .value_len = sizeof(big)};
    CHECK(h2r_stream_respond(st, &huge, 1, 0) == H2R_ERR_HEADERS_TOO_LARGE);
    CHECK(!h2r_stream_headers_sent(st));
    h2r_header ok = FIELD("x-ok", "a\tb");
    CHECK(h2r_stream_respond(st, &ok, 1, H2R_RESPOND_END_STREAM) == 0);
    CHECK(h2r_stream_respond(st, &ok, 1, 0) == H2R_ERR_STREAM_CLOSED);
    wire_is(&app, "HTTP/1.1 200 OK\r\nx-ok: a\tb\r\ncontent-length: 0\r\n\r\n");

    /* Trailers are checked too; a refused set leaves the stream waiting for a good one. */
    app.on_request = respond_with_trailers;
    feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    flush(&app);
    st = last_stream(&app.streams);
    CHECK(h2r_stream_send_trailers(st, &control, 1) == H2R_ERR_INVALID_HEADER);
    CHECK(h2r_stream_send_trailers(st, &conn, 1) == H2R_ERR_INVALID_HEADER);
    CHECK(h2r_stream_send_trailers(st, &interim_only, 1) == H2R_ERR_INVALID_HEADER);
    CHECK(h2r_stream_send_trailers(st, NULL, 0) == 0);
    app.wire_len = 0;
    wire_is(&app, "\r\n0\r\n\r\n");
    app_free(&app);
}

/* ---- keep-alive ---- */

static void test_keep_alive(void)
{
    struct app app;
    /* HTTP/1.0 without keep-alive: connection: close, and the session is done once it is written. */
    app_init(&app);
    app.on_request = respond_hello;
    feed(&app, "GET /a HTTP/1.0\r\n\r\n");
    CHECK(strcmp(h2r_stream_http_version(last_stream(&app.streams)), "1.0") == 0);
    CHECK(!h2r_session_want_read(app.session));
    CHECK(!h2r_session_is_done(app.session));
    wire_is(&app, "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\naello");
    CHECK(h2r_session_is_done(app.session) && app.session_closes == 1);
    CHECK(feed(&app, "GET / HTTP/1.0\r\n\r\n") == H2R_ERR_SESSION_CLOSED);
    app_free(&app);

    /* HTTP/1.0 with keep-alive and a length: connection: keep-alive, and it goes on. */
    app_init(&app);
    app.on_request = respond_hello;
    feed(&app, "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    wire_is(&app, "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: keep-alive\r\n\r\naello");
    CHECK(h2r_session_want_read(app.session) && !h2r_session_is_done(app.session));
    /* ... but a response without a length is delimited by the connection's end. */
    app.on_request = respond_unframed;
    feed(&app, "GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    wire_is(&app, "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nabcdefgh");
    CHECK(h2r_session_is_done(app.session));
    app_free(&app);

    /* HTTP/1.1 with connection: close. */
    app_init(&app);
    app.on_request = respond_hello;
    feed(&app, "GET /a HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK(app.streams.count == 1);
    wire_is(&app, "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\naello");
    CHECK(h2r_session_is_done(app.session) && app.streams.count == 1);
    app_free(&app);

    /* HTTP/1.1 by default: no connection field, and the connection goes on. */
    app_init(&app);
    app.on_request = respond_unframed;
    feed(&app, "GET /a HTTP/1.1\r\nHost: a\r\n\r\n");
    flush(&app);
    CHECK(memmem(app.wire, app.wire_len, "connection", 10) == NULL);
    CHECK(!h2r_session_is_done(app.session) && h2r_session_want_read(app.session));
    app_free(&app);
}

/* ---- pipelining, and input cut anywhere ---- */

static const char pipelined[] =
    "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
    "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"
    "PUT /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 42\r\nConnection: x\r\n\r\n"
    "\r\nGET /4 HTTP/1.1\r\nHost: a\r\n\r\n";

static const char pipelined_wire[] = "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n1ello"
                                     "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n2ello"
                                     "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n3ello"
                                     "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n4ello";

/* The log without data events (how a body is cut into on_data calls depends on the reads). */
static void log_without_data(struct app *app, char *out, size_t cap, char *body, size_t body_cap)
{
    size_t n = 0, b = 0;
    for (const char *p = app->log.text; *p;) {
        const char *end = strstr(p, "; ");
        size_t len = end ? (size_t)(end - p) + 2 : strlen(p);
        if (strncmp(p, "data:", 5) == 0) {
            const char *payload = strchr(p + 5, ':') + 1;
            size_t plen = (size_t)(p + len - 2 - payload);
            if (b + plen < body_cap) memcpy(body + b, payload, plen), b += plen;
        } else if (n + len < cap) {
            memcpy(out + n, p, len);
            n += len;
        }
        p += len;
    }
    out[n] = 0;
    body[b] = 0;
}

static const char pipelined_log[] =
    "stream:1 :method=GET :scheme=http :authority=a :path=/1 END; end:1; close:1:0; "
    "stream:3 :method=POST :scheme=http :authority=a :path=/2 content-length=11; end:3; close:3:0; "
    "stream:5 :method=PUT :scheme=http :authority=a :path=/3; trailers:5 x-checksum=42; end:5; close:5:0; "
    "stream:7 :method=GET :scheme=http :authority=a :path=/4 END; end:7; close:7:0; ";

static void test_pipelining(void)
{
    struct app app;
    /* All in one feed, answered at once: the responses come in order. */
    app_init(&app);
    app.on_request = respond_hello;
    CHECK(feed(&app, pipelined) == (ssize_t)strlen(pipelined));
    /* Only the first is read until its response is out. */
    CHECK(app.streams.count == 1);
    wire_is(&app, pipelined_wire);
    char log[4096], body[256];
    log_without_data(&app, log, sizeof(log), body, sizeof(body));
    CHECK_MSG(strcmp(log, pipelined_log) == 0, "pipelined log (got \"%s\")", escaped(log, strlen(log)));
    CHECK(strcmp(body, "hello worldhello world") == 0);
    app_free(&app);

    /* Answered later, each after its request's end: the next is read at the next pull. */
    app_init(&app);
    feed(&app, pipelined);
    for (size_t i = 0; i != 4; ++i) {
        CHECK(app.streams.count == i + 1);
        if (app.streams.count != i + 1) break;
        h2r_stream *st = last_stream(&app.streams);
        respond_hello(&app, st, NULL, 0, 0);
        flush(&app);
    }
    CHECK(app.wire_len == strlen(pipelined_wire));
    app_free(&app);

    /* In two feeds, cut at every offset, with a flush between. */
    size_t len = strlen(pipelined);
    int all_ok = 1;
    for (size_t cut = 0; cut <= len; ++cut) {
        app_init(&app);
        app.on_request = respond_hello;
        ssize_t a = h2r_session_feed(app.session, (const uint8_t *)pipelined, cut);
        flush(&app);
        ssize_t b = h2r_session_feed(app.session, (const uint8_t *)pipelined + cut, len - cut);
        flush(&app);
        log_without_data(&app, log, sizeof(log), body, sizeof(body));
        int ok = a == (ssize_t)cut && b == (ssize_t)(len - cut) && app.wire_len == strlen(pipelined_wire) &&
                 memcmp(app.wire, pipelined_wire, app.wire_len) == 0 && strcmp(log, pipelined_log) == 0 &&
                 strcmp(body, "hello worldhello world") == 0 && app.releases == 4;
        if (!ok) CHECK_MSG(0, "pipelined, cut at %zu: log \"%s\"", cut, escaped(log, strlen(log)));
        all_ok &= ok;
        app_free(&app);
    }
    CHECK_MSG(all_ok, "pipelined requests cut at each of %zu offsets", len + 1);

    /* One byte at a time. */
    app_init(&app);
    app.on_request = respond_hello;
    for (size_t i = 0; i != len; ++i) {
        h2r_session_feed(app.session, (const uint8_t *)pipelined + i, 1);
        flush(&app);
    }
    log_without_data(&app, log, sizeof(log), body, sizeof(body));
    CHECK(strcmp(log, pipelined_log) == 0 && strcmp(body, "hello worldhello world") == 0);
    CHECK(app.wire_len == strlen(pipelined_wire) && memcmp(app.wire, pipelined_wire, app.wire_len) == 0);
    app_free(&app);
}

/* ---- request bodies ---- */

static void test_request_bodies(void)
{
    struct app app;
    static const struct {
        const char *request, *body, *events;
    } cases[] = {
        {"POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789", "0123456789",
         "stream:1 :method=POST :scheme=http :authority=a :path=/u content-length=10; end:1; "},
        {"POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", "",
         "stream:1 :method=POST :scheme=http :authority=a :path=/u content-length=0 END; end:1; "},
        {"POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
         "3\r\nabc\r\n10;name=\"v\"\r\n0123456789abcdef\r\n0\r\n\r\n",
         "abc0123456789abcdef", "stream:1 :method=POST :scheme=http :authority=a :path=/u; end:1; "},
        {"POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB-B: 2\r\n\r\n", "",
         "stream:1 :method=POST :scheme=http :authority=a :path=/u; trailers:1 a=1 b-b=2; end:1; "},
        {"POST /u HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi", "hi",
         "stream:1 :method=POST :scheme=http :path=/u content-length=2; end:1; "},
    };
    for (size_t c = 0; c != sizeof(cases) / sizeof(cases[0]); ++c) {
        size_t len = strlen(cases[c].request);
        int all_ok = 1;
        for (size_t cut = 0; cut <= len; ++cut) {
            app_init(&app);
            app.on_end = respond_at_end;
            h2r_session_feed(app.session, (const uint8_t *)cases[c].request, cut);
            h2r_session_feed(app.session, (const uint8_t *)cases[c].request + cut, len - cut);
            char log[1024], body[256], expected[1024];
            log_without_data(&app, log, sizeof(log), body, sizeof(body));
            snprintf(expected, sizeof(expected), "%s", cases[c].events);
            int ok = strcmp(log, expected) == 0 && strcmp(body, cases[c].body) == 0;
            flush(&app);
            ok &= app.wire_len > 0 && app.releases == 1;
            if (!ok)
                CHECK_MSG(0, "body case %zu cut at %zu: \"%s\" body \"%s\"", c, cut,
                          escaped(log, strlen(log)), escaped(body, strlen(body)));
            all_ok &= ok;
            app_free(&app);
        }
        CHECK_MSG(all_ok, "request body %zu cut at each offset", c);
    }

    /* The response may come before the body is read: the body still reaches the stream, then the next. */
    app_init(&app);
    app.on_request = respond_hello;
    feed(&app, "POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nabc");
    wire_is(&app, "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nuello");
    CHECK(!h2r_stream_closed(last_stream(&app.streams)));
    feed(&app, "defGET /n HTTP/1.1\r\nHost: a\r\n\r\n");
    log_is(&app, "stream:1 :method=POST :scheme=http :authority=a :path=/u content-length=6; data:1:abc; "
                 "data:1:def; end:1; close:1:0; stream:3 :method=GET :scheme=http :authority=a :path=/n END; "
                 "end:3; ");
    wire_is(&app, "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nnello");
    app_free(&app);
}

/* ---- interim responses ---- */

static void test_interim(void)
{
    struct app app;
    app_init(&app);
    feed(&app, "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
    log_is(&app, "stream:1 :method=POST :scheme=http :authority=a :path=/ expect=100-continue "
                 "content-length=3; ");
    /* Nothing is sent by itself. */
    CHECK(!h2r_session_want_write(app.session));
    h2r_stream *st = last_stream(&app.streams);
    h2r_header cont = FIELD(":status", "100");
    CHECK(h2r_stream_additional_headers(st, &cont, 1) == 0);
    wire_is(&app, "HTTP/1.1 100 Continue\r\n\r\n");
    app.on_end = respond_at_end;
    feed(&app, "abc");
    log_is(&app, "data:1:abc; end:1; ");
    wire_is(&app, "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello");

    /* 103 Early Hints with its fields, then the response; 101 is refused. */
    app.on_end = NULL;
    feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    st = last_stream(&app.streams);
    h2r_header hints[] = {FIELD(":status", "103"), FIELD("link", "</s.css>; rel=preload")};
    h2r_header switching = FIELD(":status", "101");
    CHECK(h2r_stream_additional_headers(st, hints, 2) == 0);
    CHECK(h2r_stream_additional_headers(st, &switching, 1) == H2R_ERR_INVALID_HEADER);
    respond_empty(&app, st, NULL, 0, 0);
    CHECK(h2r_stream_additional_headers(st, hints, 2) != 0);
    wire_is(&app, "HTTP/1.1 103 Early Hints\r\nlink: </s.css>; rel=preload\r\n\r\n"
                  "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    app_free(&app);

    /* HTTP/1.0 has no interim responses: nothing is sent. */
    app_init(&app);
    feed(&app, "GET / HTTP/1.0\r\n\r\n");
    CHECK(h2r_stream_additional_headers(last_stream(&app.streams), hints, 2) == 0);
    CHECK(!h2r_session_want_write(app.session));
    app_free(&app);

    /*
     * A final response without 100 Continue, to a client that waits for one:
     * the exchange ends with it, and so does the connection, which it says.
     */
    app_init(&app);
    feed(&app, "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 100\r\n\r\n");
    h2r_header denied[] = {FIELD(":status", "417")};
    CHECK(h2r_stream_respond(last_stream(&app.streams), denied, 1, H2R_RESPOND_END_STREAM) == 0);
    wire_is(&app, "HTTP/1.1 417 Expectation Failed\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    CHECK(h2r_session_is_done(app.session));
    CHECK(strstr(app.log.text, "close:1:0; ") != NULL && strstr(app.log.text, "aborted") == NULL);
    app_free(&app);
}

/* ---- bad requests ---- */

static char *repeat(const char *prefix, char c, size_t n, const char *suffix)
{
    size_t p = strlen(prefix), s = strlen(suffix);
    char *out = malloc(p + n + s + 1);
    if (!out) abort();
    memcpy(out, prefix, p);
    memset(out + p, c, n);
    memcpy(out + p + n, suffix, s + 1);
    return out;
}

static void check_refused(const char *what, const char *request, const h2r_session_options *options,
                          const char *status_line)
{
    struct app app;
    app_init_with(&app, options, "http");
    app.on_request = respond_hello;
    ssize_t rc = feed(&app, request);
    flush(&app);
    size_t sl = strlen(status_line);
    int ok = rc == H2R_ERR_PROTOCOL && app.streams.count == 0 && app.session_errors == 1 &&
             app.wire_len > sl && memcmp(app.wire, status_line, sl) == 0 &&
             memmem(app.wire, app.wire_len, "\r\nconnection: close\r\n", 21) != NULL &&
             memmem(app.wire, app.wire_len, "\r\ncontent-type: text/plain; charset=utf-8\r\n", 43) != NULL &&
             strncmp(app.error_reason, status_line + 9, 3) == 0 && h2r_session_is_done(app.session) &&
             !h2r_session_want_read(app.session) && app.session_closes == 1 &&
             feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n") == H2R_ERR_SESSION_CLOSED;
    CHECK_MSG(ok, "%s: %s (got %zd, \"%s\", error \"%s\")", what, escaped(status_line, strlen(status_line)),
              rc, escaped(app.wire, app.wire_len), app.error_reason);
    app_free(&app);
}

static void test_bad_requests(void)
{
    check_refused("no Host", "GET / HTTP/1.1\r\n\r\n", NULL, "HTTP/1.1 400 Bad Request\r\n");
    check_refused("two Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", NULL,
                  "HTTP/1.1 400 Bad Request\r\n");
    check_refused("bare LF", "GET / HTTP/1.1\nHost: a\n\n", NULL, "HTTP/1.1 400 Bad Request\r\n");
    check_refused("TE and CL",
                  "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
                  NULL, "HTTP/1.1 400 Bad Request\r\n");
    check_refused("two CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
                  NULL, "HTTP/1.1 400 Bad Request\r\n");
    check_refused("TE twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
                  NULL, "HTTP/1.1 400 Bad Request\r\n");
    check_refused("space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", NULL,
                  "HTTP/1.1 400 Bad Request\r\n");
    check_refused("obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", NULL,
                  "HTTP/1.1 400 Bad Request\r\n");
    check_refused("garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", NULL,
                  "HTTP/1.1 400 Bad Request\r\n");
    check_refused("unknown coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                  NULL, "HTTP/1.1 501 Not Implemented\r\n");
    check_refused("long method", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ / HTTP/1.1\r\n", NULL,
                  "HTTP/1.1 501 Not Implemented\r\n");
    check_refused("HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", NULL,
                  "HTTP/1.1 505 HTTP Version Not Supported\r\n");
    check_refused("HTTP/2.0 line", "GET / HTTP/2.0\r\n\r\n", NULL,
                  "HTTP/1.1 505 HTTP Version Not Supported\r\n");

    char *long_target = repeat("GET /", 'a', 9000, " HTTP/1.1\r\nHost: a\r\n\r\n");
    check_refused("long target", long_target, NULL, "HTTP/1.1 414 URI Too Long\r\n");
    free(long_target);
    char *long_head = repeat("GET / HTTP/1.1\r\nHost: a\r\nX-Long: ", 'v', 17000, "\r\n\r\n");
    check_refused("long head", long_head, NULL, "HTTP/1.1 431 Request Header Fields Too Large\r\n");
    free(long_head);

    h2r_session_options options;
    h2r_session_options_init(&options);
    options.max_header_list_pairs = 3;
    check_refused("max_header_list_pairs", "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
                  &options, "HTTP/1.1 431 Request Header Fields Too Large\r\n");
    h2r_session_options_init(&options);
    options.settings.max_header_list_size = 200;
    char *big_field = repeat("GET / HTTP/1.1\r\nHost: a\r\nX-Big: ", 'v', 150, "\r\n\r\n");
    check_refused("max_header_list_size", big_field, &options,
                  "HTTP/1.1 431 Request Header Fields Too Large\r\n");
    free(big_field);

    /* The parser's limits are options: each refuses what is past it, and takes what is not. */
    h2r_session_options_init(&options);
    options.http1_max_request_line = 20;
    check_refused("http1_max_request_line", "GET /twenty-one HTTP/1.1\r\nHost: a\r\n\r\n", &options,
                  "HTTP/1.1 414 URI Too Long\r\n");
    h2r_session_options_init(&options);
    options.http1_max_head_size = 64;
    char *head = repeat("GET / HTTP/1.1\r\nHost: a\r\nX: ", 'v', 40, "\r\n\r\n");
    check_refused("http1_max_head_size", head, &options, "HTTP/1.1 431 Request Header Fields Too Large\r\n");
    free(head);
    h2r_session_options_init(&options);
    options.http1_max_body_size = 10;
    check_refused("http1_max_body_size", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", &options,
                  "HTTP/1.1 413 Content Too Large\r\n");
    options.http1_max_request_line = 20;
    options.http1_max_head_size = 64;
    struct app app;
    app_init_with(&app, &options, "http");
    app.on_request = respond_hello;
    feed(&app, "POST /abcde HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789");
    flush(&app);
    CHECK_MSG(app.wire_len > 15 && memcmp(app.wire, "HTTP/1.1 200 OK\r\n", 17) == 0 && !app.session_errors,
              "a request at every limit is served");
    app_free(&app);
    h2r_session_options_init(&options);
    options.http1_max_head_size = 0;
    CHECK_MSG(h2r_session_http1_server_new(&options, NULL, NULL, "http") == NULL &&
                  h2r_session_profile_new(&options, NULL) == NULL,
              "a limit of 0 is invalid options");

    /* The exact bytes of one. */
    app_init(&app);
    feed(&app, "GET / HTTP/1.1\r\n\r\n");
    wire_is(&app,
            "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 30\r\n"
            "connection: close\r\n\r\nHTTP/1.1 request without Host\n");
    CHECK(app.error_code == H2R_PROTOCOL_ERROR);
    CHECK(strcmp(app.error_reason, "400 Bad Request: HTTP/1.1 request without Host") == 0);
    app_free(&app);

    /* A bad request after good ones: those are answered first. */
    app_init(&app);
    app.on_request = respond_hello;
    feed(&app, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\n\r\n");
    flush(&app);
    CHECK(app.streams.count == 1 && h2r_session_is_done(app.session));
    static const char first[] =
        "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n1elloHTTP/1.1 400 Bad Request\r\n";
    CHECK(app.wire_len > sizeof(first) && memcmp(app.wire, first, sizeof(first) - 1) == 0);
    app_free(&app);
}

static void test_bad_bodies(void)
{
    struct app app;
    /* A malformed chunk before the response: 400, and the exchange is aborted. */
    app_init(&app);
    feed(&app, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
    CHECK(feed(&app, "zz\r\n") == H2R_ERR_PROTOCOL);
    log_is(&app,
           "stream:1 :method=POST :scheme=http :authority=a :path=/; data:1:abc; aborted:1; close:1:1; ");
    flush(&app);
    CHECK(memcmp(app.wire, "HTTP/1.1 400 Bad Request\r\n", 26) == 0);
    CHECK(h2r_session_is_done(app.session));
    app_free(&app);

    /* After the response started: nothing more can be said; aborted, and the connection ends. */
    app_init(&app);
    app.on_request = respond_unframed;
    feed(&app, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    CHECK(feed(&app, "3\r\nabcX\r\n") == H2R_ERR_PROTOCOL);
    CHECK(strstr(app.log.text, "aborted:1; close:1:1; ") != NULL);
    /* The head was queued already and goes; the body, still the stream's, is dropped with it. */
    wire_is(&app, "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n");
    CHECK(h2r_session_is_done(app.session));
    CHECK(app.releases == 2);
    app_free(&app);

    /* A body over the chunk extension budget: 413. */
    app_init(&app);
    char *ext =
        repeat("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;", 'e', 17000, "\r\n");
    feed(&app, ext);
    free(ext);
    flush(&app);
    CHECK(memcmp(app.wire, "HTTP/1.1 413 Content Too Large\r\n", 32) == 0);
    CHECK(app.error_code == H2R_ENHANCE_YOUR_CALM);
    app_free(&app);

    /* The budgets after the head are options too: chunk extensions, and trailers. */
    h2r_session_options options;
    h2r_session_options_init(&options);
    options.http1_max_chunk_ext_size = 8;
    app_init_with(&app, &options, "http");
    feed(&app, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;ab\r\nx\r\n");
    CHECK_MSG(!app.session_errors, "http1_max_chunk_ext_size: a few bytes of extensions pass");
    feed(&app, "1;abcdefgh\r\n");
    flush(&app);
    CHECK_MSG(memcmp(app.wire, "HTTP/1.1 413 Content Too Large\r\n", 32) == 0,
              "more than 8 in the body get 413 (%s)", escaped(app.wire, app.wire_len));
    app_free(&app);
    h2r_session_options_init(&options);
    options.http1_max_trailer_size = 16;
    app_init_with(&app, &options, "http");
    feed(&app,
         "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 0123456789\r\n\r\n");
    flush(&app);
    CHECK_MSG(memcmp(app.wire, "HTTP/1.1 431 Request Header Fields Too Large\r\n", 46) == 0,
              "http1_max_trailer_size: a 19-byte trailer section gets 431 (%s)",
              escaped(app.wire, app.wire_len));
    app_free(&app);

    /* To a HEAD, the answer is a head only: its client reads no body. */
    app_init(&app);
    feed(&app, "HEAD / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    wire_is(&app,
            "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 0\r\n"
            "connection: close\r\n\r\n");
    CHECK(h2r_session_is_done(app.session));
    app_free(&app);

    /* Trailers over max_header_list_size: 431, the exchange aborted. */
    h2r_session_options_init(&options);
    options.settings.max_header_list_size = 200;
    app_init_with(&app, &options, "http");
    char *trailer = repeat(
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Big: ", 'v', 180, "\r\n\r\n");
    CHECK(feed(&app, trailer) == H2R_ERR_PROTOCOL);
    free(trailer);
    CHECK(strstr(app.log.text, "aborted:1; close:1:11; ") != NULL);
    flush(&app);
    CHECK(memcmp(app.wire, "HTTP/1.1 431 Request Header Fields Too Large\r\n", 46) == 0);
    CHECK(h2r_session_is_done(app.session));
    app_free(&app);

    /* Bad trailers: 400. */
    app_init(&app);
    feed(&app, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Name: 1\r\n\r\n");
    flush(&app);
    CHECK(memcmp(app.wire, "HTTP/1.1 400 Bad Request\r\n", 26) == 0 && h2r_session_is_done(app.session));
    app_free(&app);
}

/* ---- file ranges and release callbacks ---- */

static void test_file_ranges(void)
{
    struct app app;
    app_init(&app);
    feed(&app, "GET /f HTTP/1.1\r\nHost: a\r\n\r\n");
    h2r_stream *st = last_stream(&app.streams);
    CHECK(h2r_stream_respond(st, NULL, 0, 0) == 0);
    CHECK(h2r_stream_write_file(st, file_fd, 3, 4, count_release, &app.releases) == 1);
    CHECK(h2r_stream_write(st, "!", 1, count_release, &app.releases) == 1);
    CHECK(h2r_stream_end(st) == 0);
    h2r_chunk chunks[16];
    size_t n = h2r_session_pull(app.session, chunks, 16);
    /* head, chunk header, the file range (by reference), the memory, the last chunk */
    CHECK(n == 5);
    CHECK(chunks[2].base == NULL && chunks[2].fd == file_fd && chunks[2].offset == 3 && chunks[2].len == 4);
    CHECK(chunks[3].base != NULL && chunks[3].len == 1);
    CHECK(chunks[1].len == 3 && memcmp(chunks[1].base, "5\r\n", 3) == 0);
    /* Pulled again before anything is written: the same chunks. */
    h2r_chunk again[16];
    CHECK(h2r_session_pull(app.session, again, 16) == n && again[2].fd == file_fd && again[2].offset == 3);
    CHECK(app.releases == 0);
    wire_is(&app, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nDEFG!\r\n0\r\n\r\n");
    CHECK(app.releases == 2);

    /* A partial write: the file chunk resumes at the right offset. */
    feed(&app, "GET /f HTTP/1.1\r\nHost: a\r\n\r\n");
    st = last_stream(&app.streams);
    h2r_header length = FIELD("content-length", "10");
    CHECK(h2r_stream_respond(st, &length, 1, 0) == 0);
    h2r_stream_write_file(st, file_fd, 0, 10, count_release, &app.releases);
    h2r_stream_end(st);
    n = h2r_session_pull(app.session, chunks, 16);
    CHECK(n == 2 && chunks[1].fd == file_fd && chunks[1].len == 10);
    h2r_session_sent(app.session, chunks[0].len + 4);
    n = h2r_session_pull(app.session, chunks, 16);
    CHECK(n == 1 && chunks[0].fd == file_fd && chunks[0].offset == 4 && chunks[0].len == 6);
    CHECK(app.releases == 2);
    h2r_session_sent(app.session, 6);
    CHECK(app.releases == 3);
    CHECK(!h2r_session_want_write(app.session));
    app_free(&app);

    /* A file that cannot be read: the stream is aborted and the connection must go. */
    app_init(&app);
    feed(&app, "GET /f HTTP/1.1\r\nHost: a\r\n\r\n");
    st = last_stream(&app.streams);
    CHECK(h2r_stream_respond(st, &length, 1, 0) == 0);
    h2r_stream_write_file(st, file_fd, 0, 10, count_release, &app.releases);
    n = h2r_session_pull(app.session, chunks, 16);
    CHECK(h2r_session_file_failed(app.session, 0) == H2R_ERR_INVALID_ARGUMENT); /* the head is memory */
    CHECK(h2r_session_file_failed(app.session, 1) == H2R_ERR_INVALID_STATE);
    CHECK(strstr(app.log.text, "aborted:1; close:1:2; ") != NULL);
    CHECK(app.session_errors == 1 && app.error_code == H2R_INTERNAL_ERROR);
    CHECK(!h2r_session_want_read(app.session));
    CHECK(app.releases == 0);
    app_free(&app);
    CHECK(app.releases == 1); /* released once, by free */
}

static void test_releases_on_free(void)
{
    struct app app;
    app_init(&app);
    feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    h2r_stream *st = last_stream(&app.streams);
    h2r_stream_respond(st, NULL, 0, 0);
    h2r_stream_write(st, "in flight", 9, count_release, &app.releases);
    h2r_chunk chunks[16];
    CHECK(h2r_session_pull(app.session, chunks, 16) == 3);
    h2r_stream_write(st, "queued", 6, count_release, &app.releases);
    h2r_stream_write_file(st, file_fd, 0, 5, count_release, &app.releases);
    CHECK(app.releases == 0);
    h2r_session_free(app.session);
    CHECK(app.releases == 3);
    for (size_t i = 0; i != app.streams.count; ++i) h2r_stream_unref(app.streams.list[i]);
    free(app.wire);
}

/* ---- closing ---- */

static void test_stream_close(void)
{
    struct app app;
    app_init(&app);
    feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n");
    h2r_stream *st = last_stream(&app.streams);
    h2r_stream_respond(st, NULL, 0, 0);
    h2r_stream_write(st, "abc", 3, count_release, &app.releases);
    wire_is(&app, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc");
    h2r_stream_write(st, "queued", 6, count_release, &app.releases);
    /* Mid-body: the exchange cannot be repaired, the connection ends after what is written. */
    CHECK(h2r_stream_close(st, H2R_CANCEL) == 0);
    CHECK(app.releases == 2);
    CHECK(strstr(app.log.text, "close:1:8; ") != NULL && strstr(app.log.text, "aborted") == NULL);
    CHECK(h2r_stream_close(st, H2R_CANCEL) == H2R_ERR_STREAM_CLOSED);
    CHECK(h2r_stream_write(st, "x", 1, count_release, &app.releases) == H2R_ERR_STREAM_CLOSED &&
          app.releases == 3);
    wire_is(&app, "");
    CHECK(h2r_session_is_done(app.session) && !h2r_session_want_read(app.session));
    CHECK(app.streams.count == 1); /* the pipelined request is never read */
    app_free(&app);

    /* Before the response: nothing is sent at all. */
    app_init(&app);
    feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    h2r_stream_close(last_stream(&app.streams), H2R_NO_ERROR);
    wire_is(&app, "");
    CHECK(h2r_session_is_done(app.session));
    app_free(&app);

    /* destroy: the exchange is aborted, what is queued goes out, then done. */
    app_init(&app);
    feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    st = last_stream(&app.streams);
    h2r_stream_respond(st, NULL, 0, 0);
    h2r_stream_write(st, "abc", 3, count_release, &app.releases);
    h2r_session_destroy(app.session, H2R_NO_ERROR);
    CHECK(strstr(app.log.text, "aborted:1; close:1:8; ") != NULL);
    CHECK(app.releases == 1);
    wire_is(&app, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
    CHECK(h2r_session_is_done(app.session) && !h2r_session_want_read(app.session));
    CHECK(feed(&app, "x") == H2R_ERR_SESSION_CLOSED);
    app_free(&app);
}

static void test_graceful_close(void)
{
    struct app app;
    /* Idle: done at once, even with a head half received. */
    app_init(&app);
    feed(&app, "GET / HTTP/1.1\r\nHo");
    h2r_session_close(app.session);
    CHECK(h2r_session_is_done(app.session) && app.session_closes == 1 && !h2r_session_want_read(app.session));
    CHECK(app.streams.count == 0);
    app_free(&app);

    /* Before the response's head: it says connection: close; pipelined requests are not read. */
    app_init(&app);
    feed(&app, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
    h2r_session_close(app.session);
    CHECK(!h2r_session_is_done(app.session));
    respond_hello(&app, last_stream(&app.streams), NULL, 0, 0);
    wire_is(&app, "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello");
    CHECK(h2r_session_is_done(app.session) && app.streams.count == 1);
    app_free(&app);

    /* While the request body comes: it is read to its end, then the response finishes it. */
    app_init(&app);
    app.on_end = respond_at_end;
    feed(&app, "PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab");
    h2r_session_close(app.session);
    CHECK(h2r_session_want_read(app.session));
    feed(&app, "cdGET / HTTP/1.1\r\nHost: a\r\n\r\n");
    log_is(&app, "stream:1 :method=PUT :scheme=http :authority=a :path=/ content-length=4; data:1:ab; "
                 "data:1:cd; end:1; ");
    wire_is(&app, "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello");
    CHECK(h2r_session_is_done(app.session));
    app_free(&app);

    /* After the head: the response finishes as it is, and the connection ends. */
    app_init(&app);
    feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    h2r_stream *st = last_stream(&app.streams);
    h2r_stream_respond(st, NULL, 0, 0);
    h2r_session_close(app.session);
    h2r_stream_write(st, "abc", 3, NULL, NULL);
    h2r_stream_end(st);
    wire_is(&app, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    CHECK(h2r_session_is_done(app.session));
    app_free(&app);
}

/* ---- limits and flow ---- */

static void test_buffered_input_limit(void)
{
    h2r_session_options options;
    h2r_session_options_init(&options);
    options.http1_max_buffered_input = 100;
    struct app app;
    app_init_with(&app, &options, "http");
    feed(&app, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK(app.session_errors == 0 && h2r_session_want_read(app.session));
    CHECK(feed(&app, "GET /3 HTTP/1.1\r\nHost: a\r\n\r\nGET /4 HTTP/1.1\r\nHost: a\r\n\r\n"
                     "GET /5 HTTP/1.1\r\nHost: a\r\n\r\n") > 0);
    CHECK(app.session_errors == 1 && app.error_code == H2R_ENHANCE_YOUR_CALM);
    CHECK(strstr(app.error_reason, "http1_max_buffered_input") != NULL);
    CHECK(!h2r_session_want_read(app.session));
    respond_hello(&app, last_stream(&app.streams), NULL, 0, 0);
    wire_is(&app, "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello");
    CHECK(h2r_session_is_done(app.session) && app.streams.count == 1);
    app_free(&app);

    /* Under it, in many feeds: all kept, nothing dropped. */
    app_init(&app);
    for (int i = 0; i != 20; ++i) CHECK(feed(&app, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n") == 28);
    app.on_request = respond_hello;
    respond_hello(&app, last_stream(&app.streams), NULL, 0, 0);
    flush(&app);
    CHECK(app.streams.count == 20 && app.session_errors == 0);
    app_free(&app);
}

/*
 * Pipelined requests whose responses have no body, from a client that reads
 * nothing: each exchange ends once its head is queued, so only the output's
 * bound stops the session from answering the whole pipeline at once.
 */
struct flood {
    h2r_session *session;
    size_t requests, errors, closes;
    uint8_t *wire;
    size_t wire_len, wire_cap;
};

static void flood_stream(h2r_session *s, h2r_stream *st, const h2r_header *headers, size_t count, int flags)
{
    (void)flags;
    struct flood *f = h2r_session_user_data(s);
    ++f->requests;
    const h2r_header *path = find(headers, count, ":path");
    h2r_header fields[] = {FIELD(":status", "200"), {.name = "x-path", .name_len = 6}};
    fields[1].value = path->value;
    fields[1].value_len = path->value_len;
    h2r_stream_respond(st, fields, 2, 0); /* HEAD: ended by respond */
}

static void flood_error(h2r_session *s, uint32_t code, const char *reason)
{
    (void)reason;
    struct flood *f = h2r_session_user_data(s);
    ++f->errors;
    CHECK(code == H2R_ENHANCE_YOUR_CALM);
}

static void flood_close(h2r_session *s)
{
    ++((struct flood *)h2r_session_user_data(s))->closes;
}

static void flood_flush(struct flood *f)
{
    h2r_chunk chunks[16];
    for (;;) {
        size_t n = h2r_session_pull(f->session, chunks, 16), total = 0;
        if (n == 0) break;
        for (size_t i = 0; i != n; ++i) {
            if (f->wire_len + chunks[i].len > f->wire_cap) {
                f->wire_cap = (f->wire_len + chunks[i].len) * 2;
                if (!(f->wire = realloc(f->wire, f->wire_cap))) abort();
            }
            memcpy(f->wire + f->wire_len, chunks[i].base, chunks[i].len);
            f->wire_len += chunks[i].len;
            total += chunks[i].len;
        }
        h2r_session_sent(f->session, total);
    }
}

/* The wire holds the responses to /0, /1, ... in order: how many, or -1. */
static long flood_responses(const struct flood *f)
{
    long n = 0;
    for (size_t at = 0; at != f->wire_len; ++n) {
        char expected[64];
        int len = snprintf(expected, sizeof(expected), "HTTP/1.1 200 OK\r\nx-path: /%ld\r\n\r\n", n);
        if (f->wire_len - at < (size_t)len || memcmp(f->wire + at, expected, (size_t)len) != 0) return -1;
        at += (size_t)len;
    }
    return n;
}

static size_t unwritten(h2r_session *s)
{
    h2r_session_state state;
    h2r_session_get_state(s, &state);
    return state.outbound_queue_size; /* nothing pulled: all of the output */
}

static void test_pipelined_output_bound(void)
{
    enum { N = 100000 };
    char *input = malloc((size_t)N * 40), *p = input;
    if (!input) abort();
    for (int i = 0; i != N; ++i) p += sprintf(p, "HEAD /%d HTTP/1.1\r\nHost: a\r\n\r\n", i);
    size_t input_len = (size_t)(p - input);
    const h2r_session_callbacks cbs = {
        .on_stream = flood_stream, .on_session_error = flood_error, .on_session_close = flood_close};
    h2r_session_options options;
    h2r_session_options_init(&options);

    /* Defaults, everything in one feed, nothing pulled: the output stops at its bound, the input at its own.
     */
    struct flood f = {0};
    f.session = h2r_session_http1_server_new(&options, &cbs, &f, "http");
    CHECK(h2r_session_feed(f.session, (const uint8_t *)input, input_len) == (ssize_t)input_len);
    size_t queued = unwritten(f.session);
    CHECK_MSG(queued <= options.max_control_queue_bytes + 64, "output bounded (%zu queued)", queued);
    CHECK(f.requests < N && f.errors == 1 && !h2r_session_want_read(f.session));
    flood_flush(&f);
    CHECK_MSG(flood_responses(&f) == (long)f.requests, "every request read answered, in order (%ld of %zu)",
              flood_responses(&f), f.requests);
    CHECK(h2r_session_is_done(f.session) && f.closes == 1);
    h2r_session_free(f.session);
    free(f.wire);

    /* Input may wait (a large input bound): reading goes on as the output drains, and all are answered. */
    options.http1_max_buffered_input = (size_t)N * 40;
    options.max_control_queue_bytes = 1024;
    f = (struct flood){0};
    f.session = h2r_session_http1_server_new(&options, &cbs, &f, "http");
    CHECK(h2r_session_feed(f.session, (const uint8_t *)input, input_len) == (ssize_t)input_len);
    queued = unwritten(f.session);
    CHECK_MSG(queued <= 1024 + 64, "output bounded (%zu queued)", queued);
    CHECK(f.errors == 0 && h2r_session_want_write(f.session));
    flood_flush(&f);
    CHECK_MSG(f.requests == N && flood_responses(&f) == N, "all answered, in order (%ld of %zu)",
              flood_responses(&f), f.requests);
    CHECK(f.errors == 0 && h2r_session_want_read(f.session) && !h2r_session_want_write(f.session));
    h2r_session_free(f.session);
    free(f.wire);
    free(input);
}

/* "expect: 100-continue" on a request without a body: the request is complete, and the exchange an ordinary
 * one. */
static void test_expect_without_body(void)
{
    struct app app;
    app_init(&app);
    app.on_request = respond_empty;
    feed(&app, "GET /1 HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n"
               "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK(strstr(app.log.text, "end:1; ") != NULL);
    CHECK(strstr(app.log.text, "stream:3") != NULL);
    wire_is(&app, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    CHECK(app.session_errors == 0 && h2r_session_want_read(app.session));
    app_free(&app);
}

/*
 * The application frees the session in on_session_close, having ended the
 * connection from on_stream (inside h2r_session_feed): the callback comes
 * once feed is about to return, never while the engine still uses the session.
 */
static int freed_in_close;

static void close_from_stream(h2r_session *s, h2r_stream *st, const h2r_header *headers, size_t count,
                              int flags)
{
    (void)headers, (void)count, (void)flags;
    if (h2r_session_user_data(s))
        h2r_session_destroy(s, H2R_NO_ERROR);
    else
        h2r_stream_close(st, H2R_NO_ERROR);
    CHECK(freed_in_close == 0);
}

static void free_in_close(h2r_session *s)
{
    ++freed_in_close;
    h2r_session_free(s);
}

static void test_free_in_session_close(void)
{
    static const char two[] = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
    const h2r_session_callbacks cbs = {.on_stream = close_from_stream, .on_session_close = free_in_close};
    for (int destroy = 0; destroy != 2; ++destroy) {
        freed_in_close = 0;
        h2r_session *s = h2r_session_http1_server_new(NULL, &cbs, destroy ? &freed_in_close : NULL, "http");
        h2r_session_feed(s, (const uint8_t *)two, sizeof(two) - 1);
        CHECK_MSG(freed_in_close == 1, "%s from on_stream: on_session_close once, after feed's work",
                  destroy ? "h2r_session_destroy" : "h2r_stream_close");
    }
}

static void test_high_water_mark(void)
{
    h2r_session_options options;
    h2r_session_options_init(&options);
    options.stream_high_water_mark = 10;
    struct app app;
    app_init_with(&app, &options, "http");
    feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    h2r_stream *st = last_stream(&app.streams);
    h2r_stream_respond(st, NULL, 0, 0);
    CHECK(h2r_stream_write(st, "01234567", 8, NULL, NULL) == 1);
    CHECK(h2r_stream_write(st, "89", 2, NULL, NULL) == 0);
    CHECK(h2r_stream_buffer_size(st) == 10);
    CHECK(app.drains == 0);
    flush(&app);
    CHECK(app.drains == 1 && h2r_stream_buffer_size(st) == 0);
    CHECK(h2r_stream_write(st, "x", 1, NULL, NULL) == 1);
    flush(&app);
    CHECK(app.drains == 1);
    app_free(&app);
}

static void test_connect_tunnel(void)
{
    struct app app;
    app_init(&app);
    feed(&app, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nearly");
    log_is(&app, "stream:1 :method=CONNECT :authority=example.com:443; data:1:early; ");
    h2r_stream *st = last_stream(&app.streams);
    /* A 2xx to CONNECT has no framing fields (RFC 9110 §9.3.6). */
    h2r_header length = FIELD("content-length", "4");
    CHECK(h2r_stream_respond(st, &length, 1, 0) == H2R_ERR_INVALID_HEADER);
    CHECK(h2r_stream_respond(st, NULL, 0, 0) == 0);
    wire_is(&app, "HTTP/1.1 200 OK\r\n\r\n");
    feed(&app, "GET / HTTP/1.1\r\n\r\n");
    log_is(&app, "data:1:GET / HTTP/1.1\r\n\r\n; ");
    h2r_stream_write(st, "pong", 4, NULL, NULL);
    wire_is(&app, "pong");
    CHECK(!h2r_session_is_done(app.session));
    h2r_stream_end(st);
    flush(&app);
    log_is(&app, "close:1:0; ");
    CHECK(h2r_session_is_done(app.session));
    app_free(&app);

    /* The client's FIN (h2r_session_eof) ends the tunnel's request, as END_STREAM would; the response goes
     * on. */
    app_init(&app);
    feed(&app, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nlast");
    st = last_stream(&app.streams);
    CHECK(h2r_stream_respond(st, NULL, 0, 0) == 0);
    wire_is(&app, "HTTP/1.1 200 OK\r\n\r\n");
    log_is(&app, "stream:1 :method=CONNECT :authority=example.com:443; data:1:last; ");
    CHECK(h2r_session_eof(app.session) == 0);
    log_is(&app, "end:1; ");
    h2r_stream_write(st, "bye", 3, NULL, NULL);
    h2r_stream_end(st);
    wire_is(&app, "bye");
    log_is(&app, "close:1:0; ");
    CHECK(h2r_session_is_done(app.session));
    app_free(&app);

    /* A tunnel ended with its head. */
    app_init(&app);
    app.on_request = respond_empty;
    feed(&app, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    wire_is(&app, "HTTP/1.1 200 OK\r\n\r\n");
    CHECK(h2r_session_is_done(app.session));
    app_free(&app);

    /* Refused: an ordinary response, and the connection ends. */
    app_init(&app);
    feed(&app, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    h2r_header forbidden = FIELD(":status", "403");
    CHECK(h2r_stream_respond(last_stream(&app.streams), &forbidden, 1, H2R_RESPOND_END_STREAM) == 0);
    wire_is(&app, "HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    CHECK(h2r_session_is_done(app.session));
    app_free(&app);
}

/* ---- what HTTP/2 alone has ---- */

static void ping_cb(h2r_session *s, int err, double duration_ms, const uint8_t payload[8], void *ctx)
{
    (void)s, (void)err, (void)duration_ms, (void)payload, (void)ctx;
}

static void test_http2_only_calls(void)
{
    struct app app;
    app_init(&app);
    CHECK(h2r_session_http1_server_new(NULL, &callbacks, NULL, "ftp") == NULL);
    CHECK(h2r_session_http1_server_new(NULL, &callbacks, NULL, NULL) == NULL);
    h2r_session *h2 = h2r_session_server_new(NULL, NULL, NULL);
    CHECK(!h2r_session_is_http1(h2));
    h2r_session_free(h2);

    /* Nothing queued at creation: no preface in HTTP/1. */
    CHECK(!h2r_session_want_write(app.session));
    CHECK(h2r_session_pending_settings_ack(app.session) == 0);
    uint8_t payload[8] = {0};
    h2r_settings settings;
    h2r_settings_default(&settings);
    const char *origins[] = {"https://a"};
    CHECK(h2r_session_ping(app.session, payload, ping_cb, NULL) == H2R_ERR_INVALID_STATE);
    CHECK(h2r_session_settings(app.session, &settings) == H2R_ERR_INVALID_STATE);
    CHECK(h2r_session_goaway(app.session, 0, -1, NULL, 0) == H2R_ERR_INVALID_STATE);
    CHECK(h2r_session_altsvc(app.session, 0, "https://a", "h2=\":443\"") == H2R_ERR_INVALID_STATE);
    CHECK(h2r_session_origin(app.session, origins, 1) == H2R_ERR_INVALID_STATE);
    h2r_session_settings_timeout(app.session);
    CHECK(!h2r_session_want_write(app.session) && h2r_session_want_read(app.session));

    feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    h2r_stream *st = last_stream(&app.streams), *pushed = (h2r_stream *)1;
    h2r_header path = FIELD(":path", "/p");
    CHECK(!h2r_stream_push_allowed(st));
    CHECK(h2r_stream_push(st, &path, 1, &pushed) == H2R_ERR_PUSH_DISABLED && pushed == NULL);
    CHECK(h2r_stream_priority(st, 0, 16, 0, 0) == H2R_ERR_INVALID_STATE);
    CHECK(h2r_stream_set_urgency(st, 1, 0) == H2R_ERR_INVALID_STATE);
    CHECK_MSG(h2r_stream_end_after_headers(st), "endAfterHeaders: a request without a body");
    CHECK(!h2r_session_want_write(app.session));
    h2r_stream_state state;
    h2r_stream_get_state(st, &state);
    CHECK(state.state == H2R_STREAM_STATE_HALF_CLOSED_REMOTE);
    h2r_session_state session_state;
    h2r_session_get_state(app.session, &session_state);
    CHECK(session_state.open_streams == 1 && session_state.last_proc_stream_id == 1);
    respond_empty(&app, st, NULL, 0, 0);
    h2r_stream_get_state(st, &state);
    CHECK(state.state == H2R_STREAM_STATE_CLOSED);
    app_free(&app);
}

static void test_timeouts(void)
{
    struct app app;
    app_init(&app);
    h2r_session_tick(app.session, 1000);
    feed(&app, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    h2r_stream *st = last_stream(&app.streams);
    CHECK(h2r_stream_set_timeout(st, 100) == 0);
    h2r_session_tick(app.session, 1050);
    CHECK(app.timeouts == 0);
    h2r_session_tick(app.session, 1101);
    CHECK(app.timeouts == 1);
    respond_empty(&app, st, NULL, 0, 0);
    h2r_session_tick(app.session, 5000);
    CHECK(app.timeouts == 1);
    CHECK(h2r_stream_set_timeout(st, 100) == H2R_ERR_STREAM_CLOSED);
    app_free(&app);
}

int main(void)
{
    char path[] = "/tmp/test_http1_session_XXXXXX";
    file_fd = mkstemp(path);
    if (file_fd < 0) return 1;
    unlink(path);
    char content[64];
    for (size_t i = 0; i != sizeof(content); ++i) content[i] = (char)('A' + i % 26);
    if (write(file_fd, content, sizeof(content)) != (ssize_t)sizeof(content)) return 1;

    test_simple_get();
    test_request_fields();
    test_chunked_response();
    test_many_small_writes();
    test_length_response();
    test_no_body_responses();
    test_response_validation();
    test_keep_alive();
    test_pipelining();
    test_request_bodies();
    test_interim();
    test_bad_requests();
    test_bad_bodies();
    test_file_ranges();
    test_releases_on_free();
    test_stream_close();
    test_graceful_close();
    test_buffered_input_limit();
    test_pipelined_output_bound();
    test_expect_without_body();
    test_free_in_session_close();
    test_high_water_mark();
    test_connect_tunnel();
    test_http2_only_calls();
    test_sent_headers();
    test_timeouts();
    close(file_fd);
    return check_done();
}
