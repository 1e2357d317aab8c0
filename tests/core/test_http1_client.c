/*
 * The HTTP/1.1 client session (h2r_session_http1_client_new): back to back
 * with the HTTP/1.1 server session, wired in memory (what one pulls is fed
 * to the other until both are quiet), and fed hand-written responses
 * directly, as a hostile server would send them. Covers requests (the
 * request line and Host, fields refused, bodies by length and chunked with
 * trailers, CONNECT), responses (by length, chunked with trailers, 1xx,
 * HEAD, 204 and 304, until the connection's end with h2r_session_eof,
 * HTTP/1.0), keep-alive and connection: close, one request at a time,
 * pause and resume of a large body both ways, h2r_stream_close, graceful
 * close and destroy, and responses that cannot be read.
 */
#include <stdlib.h>

#include "app_recorder.h"
#include "check.h"
#include "h2ring/engine.h"

/* ---- both sides: what each hears ---- */

struct side {
    h2r_session *session;
    struct event_log log;
    struct stream_refs streams;
    int log_data;       /* log on_data's bytes (off for large bodies: they are counted) */
    int respond_at_end; /* the server: the request's answer comes at on_end */
    int pause_first;    /* pause the stream at its first on_data */
    uint8_t *body;      /* every body byte received, in order */
    size_t body_len, body_cap;
    int drains, session_errors, session_closes;
    uint32_t error_code;
    char error_reason[256];
    /* the client: trailers to send on on_want_trailers, and a body to write on a 100 */
    const h2r_header *trailers;
    size_t trailer_count;
    const char *continue_body;
};

static struct side client, server;

static struct side *side_of(h2r_stream *st)
{
    return h2r_session_user_data(h2r_stream_session(st));
}

static void log_fields(struct side *side, const h2r_header *headers, size_t count)
{
    for (size_t i = 0; i != count; ++i)
        log_event(&side->log, " %.*s=%.*s", (int)headers[i].name_len, headers[i].name,
                  (int)headers[i].value_len, headers[i].value);
}

static void cb_data(h2r_stream *st, const uint8_t *data, size_t len)
{
    struct side *side = side_of(st);
    if (side->log_data)
        log_event(&side->log, "data:%u:%.*s; ", h2r_stream_id(st), (int)len, (const char *)data);
    if (side->body_len + len > side->body_cap) {
        side->body_cap = (side->body_len + len) * 2;
        if (!(side->body = realloc(side->body, side->body_cap))) abort();
    }
    memcpy(side->body + side->body_len, data, len);
    side->body_len += len;
    if (side->pause_first) {
        side->pause_first = 0;
        CHECK(h2r_stream_pause(st) == 0);
    }
}

static void cb_trailers(h2r_stream *st, const h2r_header *headers, size_t count)
{
    struct side *side = side_of(st);
    log_event(&side->log, "trailers:%u", h2r_stream_id(st));
    log_fields(side, headers, count);
    log_event(&side->log, "; ");
}

static void cb_drain(h2r_stream *st)
{
    ++side_of(st)->drains;
}

static void cb_aborted(h2r_stream *st)
{
    log_event(&side_of(st)->log, "aborted:%u; ", h2r_stream_id(st));
}

static void cb_stream_close(h2r_stream *st, uint32_t code)
{
    log_event(&side_of(st)->log, "close:%u:%u; ", h2r_stream_id(st), code);
}

static void cb_session_error(h2r_session *s, uint32_t code, const char *reason)
{
    struct side *side = h2r_session_user_data(s);
    ++side->session_errors;
    side->error_code = code;
    snprintf(side->error_reason, sizeof(side->error_reason), "%s", reason);
}

static void cb_session_close(h2r_session *s)
{
    ++((struct side *)h2r_session_user_data(s))->session_closes;
}

/* ---- the client's callbacks ---- */

static void client_response(h2r_stream *st, const h2r_header *headers, size_t count, int flags)
{
    log_event(&client.log, "response:%u", h2r_stream_id(st));
    log_fields(&client, headers, count);
    log_event(&client.log, "%s; ", (flags & H2R_END_STREAM) ? " END" : "");
}

static void client_informational(h2r_stream *st, const h2r_header *headers, size_t count)
{
    log_event(&client.log, "info:%u", h2r_stream_id(st));
    log_fields(&client, headers, count);
    log_event(&client.log, "; ");
    /* 100 Continue: the body the request held back goes now. */
    if (client.continue_body && headers[0].value[2] == '0') {
        CHECK(h2r_stream_write(st, client.continue_body, strlen(client.continue_body), NULL, NULL) == 1);
        CHECK(h2r_stream_end(st) == 0);
        client.continue_body = NULL;
    }
}

static void client_end(h2r_stream *st)
{
    log_event(&client.log, "end:%u; ", h2r_stream_id(st));
}

static void client_want_trailers(h2r_stream *st)
{
    log_event(&client.log, "want-trailers:%u; ", h2r_stream_id(st));
    CHECK(h2r_stream_send_trailers(st, client.trailers, client.trailer_count) == 0);
}

static const h2r_session_callbacks client_callbacks = {
    .on_data = cb_data,
    .on_end = client_end,
    .on_trailers = cb_trailers,
    .on_want_trailers = client_want_trailers,
    .on_drain = cb_drain,
    .on_aborted = cb_aborted,
    .on_stream_close = cb_stream_close,
    .on_session_error = cb_session_error,
    .on_session_close = cb_session_close,
    .on_response = client_response,
    .on_informational = client_informational,
};

/* ---- the server's application: what it answers depends on the path ---- */

#define BIG_SIZE (1024 * 1024)
static uint8_t big[BIG_SIZE]; /* byte i is i % 251 */

static int path_is(const h2r_header *headers, size_t count, const char *path)
{
    for (size_t i = 0; i != count; ++i)
        if (headers[i].name_len == 5 && memcmp(headers[i].name, ":path", 5) == 0)
            return headers[i].value_len == strlen(path) &&
                   memcmp(headers[i].value, path, headers[i].value_len) == 0;
    return 0;
}

static void respond_hello(h2r_stream *st)
{
    h2r_header fields[] = {FIELD(":status", "200"), FIELD("content-length", "5")};
    CHECK(h2r_stream_respond(st, fields, 2, 0) == 0);
    CHECK(h2r_stream_write(st, "hello", 5, NULL, NULL) == 1);
    CHECK(h2r_stream_end(st) == 0);
}

/* The request body's length, as the response's body. */
static void respond_count(h2r_stream *st)
{
    static char text[32];
    int n = snprintf(text, sizeof(text), "%zu", server.body_len);
    h2r_header fields[] = {FIELD(":status", "200")};
    CHECK(h2r_stream_respond(st, fields, 1, 0) == 0);
    CHECK(h2r_stream_write(st, text, (size_t)n, NULL, NULL) == 1);
    CHECK(h2r_stream_end(st) == 0);
}

static void server_stream(h2r_session *s, h2r_stream *st, const h2r_header *headers, size_t count, int flags)
{
    (void)s;
    keep_stream(&server.streams, st);
    log_event(&server.log, "request:%u", h2r_stream_id(st));
    log_fields(&server, headers, count);
    log_event(&server.log, "%s; ", (flags & H2R_END_STREAM) ? " END" : "");
    server.body_len = 0;
    server.respond_at_end = 0;
    if (path_is(headers, count, "/hello")) {
        respond_hello(st);
    } else if (path_is(headers, count, "/head")) {
        h2r_header fields[] = {FIELD(":status", "200"), FIELD("content-length", "5")};
        CHECK(h2r_stream_respond(st, fields, 2, 0) == 0);
    } else if (path_is(headers, count, "/chunked")) {
        CHECK(h2r_stream_respond(st, NULL, 0, 0) == 0);
        CHECK(h2r_stream_write(st, "abc", 3, NULL, NULL) == 1);
        CHECK(h2r_stream_write(st, "defgh", 5, NULL, NULL) == 1);
        CHECK(h2r_stream_end(st) == 0);
    } else if (path_is(headers, count, "/trailers")) {
        CHECK(h2r_stream_respond(st, NULL, 0, H2R_RESPOND_WAIT_FOR_TRAILERS) == 0);
        CHECK(h2r_stream_write(st, "abc", 3, NULL, NULL) == 1);
        CHECK(h2r_stream_end(st) == 0);
    } else if (path_is(headers, count, "/echo") || path_is(headers, count, "/count")) {
        server.respond_at_end = 1;
    } else if (path_is(headers, count, "/continue")) {
        server.respond_at_end = 1;
        h2r_header cont = FIELD(":status", "100");
        h2r_header hints[] = {FIELD(":status", "103"), FIELD("link", "</a.css>")};
        CHECK(h2r_stream_additional_headers(st, hints, 2) == 0);
        CHECK(h2r_stream_additional_headers(st, &cont, 1) == 0);
    } else if (path_is(headers, count, "/204") || path_is(headers, count, "/304")) {
        h2r_header fields[] = {FIELD(":status", "204"), FIELD("etag", "\"x\"")};
        if (path_is(headers, count, "/304")) fields[0] = (h2r_header)FIELD(":status", "304");
        CHECK(h2r_stream_respond(st, fields, 2, 0) == 0);
    } else if (path_is(headers, count, "/close")) {
        h2r_session_close(server.session);
        respond_hello(st);
    } else if (path_is(headers, count, "/big")) {
        h2r_header fields[] = {FIELD(":status", "200"), FIELD("content-length", "1048576")};
        CHECK(h2r_stream_respond(st, fields, 2, 0) == 0);
        CHECK(h2r_stream_write(st, big, BIG_SIZE, NULL, NULL) == 0); /* over the high-water mark */
        CHECK(h2r_stream_end(st) == 0);
    }
    /* Any other path (/slow) is never answered. */
}

static void server_end(h2r_stream *st)
{
    log_event(&server.log, "end:%u; ", h2r_stream_id(st));
    if (server.respond_at_end) respond_count(st);
}

static void server_want_trailers(h2r_stream *st)
{
    h2r_header trailers[] = {FIELD("x-checksum", "42")};
    CHECK(h2r_stream_send_trailers(st, trailers, 1) == 0);
}

static const h2r_session_callbacks server_callbacks = {
    .on_stream = server_stream,
    .on_data = cb_data,
    .on_end = server_end,
    .on_trailers = cb_trailers,
    .on_want_trailers = server_want_trailers,
    .on_drain = cb_drain,
    .on_aborted = cb_aborted,
    .on_stream_close = cb_stream_close,
    .on_session_error = cb_session_error,
    .on_session_close = cb_session_close,
};

/* ---- the wire between them ---- */

static size_t feed_piece; /* bytes per feed (0: a chunk at a time) */
static int quiet_data;    /* the next sides made do not log on_data (bodies fed in any pieces) */

/*
 * Pulls what from has to send and feeds it to to, in pieces of feed_piece,
 * as long as to takes input (h2r_session_input_paused: TCP holds the rest,
 * which from pulls again later). Returns the bytes moved.
 */
static size_t move(h2r_session *from, h2r_session *to)
{
    h2r_chunk chunks[8];
    size_t n = h2r_session_pull(from, chunks, 8), moved = 0;
    for (size_t i = 0; i != n; ++i) {
        for (size_t off = 0; off != chunks[i].len;) {
            if (h2r_session_input_paused(to)) goto held;
            size_t piece = feed_piece && feed_piece < chunks[i].len - off ? feed_piece : chunks[i].len - off;
            if (h2r_session_want_read(to)) h2r_session_feed(to, (const uint8_t *)chunks[i].base + off, piece);
            off += piece;
            moved += piece;
        }
    }
held:
    if (moved) h2r_session_sent(from, moved);
    return moved;
}

static void pump(void)
{
    for (int rounds = 0; rounds < 1000000; ++rounds)
        if (!move(client.session, server.session) && !move(server.session, client.session)) return;
    CHECK_MSG(0, "the sessions never went quiet");
}

/* Everything the client session would send, pulled and reported written (the server is not fed). */
static char *client_output(size_t *len)
{
    static char out[4096];
    h2r_chunk chunks[16];
    *len = 0;
    size_t n;
    while ((n = h2r_session_pull(client.session, chunks, 16)) != 0) {
        size_t total = 0;
        for (size_t i = 0; i != n; ++i) {
            if (*len + chunks[i].len < sizeof(out)) memcpy(out + *len, chunks[i].base, chunks[i].len);
            *len += chunks[i].len;
            total += chunks[i].len;
        }
        h2r_session_sent(client.session, total);
    }
    out[*len < sizeof(out) ? *len : sizeof(out) - 1] = 0;
    return out;
}

/* text with CR and LF escaped, for a TAP line */
static const char *escaped(const char *text)
{
    static char out[1024];
    size_t n = 0;
    for (; *text && n + 3 < sizeof(out); ++text) {
        if (*text == '\r' || *text == '\n') {
            out[n++] = '\\';
            out[n++] = *text == '\r' ? 'r' : 'n';
        } else {
            out[n++] = *text;
        }
    }
    out[n] = 0;
    return out;
}

static int output_is(const char *expected)
{
    size_t len;
    const char *out = client_output(&len);
    return CHECK_MSG(len == strlen(expected) && memcmp(out, expected, len) == 0, "client sent \"%s\"",
                     escaped(out));
}

static int log_is(struct side *side, const char *expected)
{
    int ok = CHECK_MSG(strcmp(side->log.text, expected) == 0, "log is \"%s\" (got \"%s\")", expected,
                       side->log.text);
    log_clear(&side->log);
    return ok;
}

static void sides_init(const h2r_session_options *options, int with_server)
{
    free(client.body);
    free(server.body);
    memset(&client, 0, sizeof(client));
    memset(&server, 0, sizeof(server));
    client.log_data = server.log_data = !quiet_data;
    client.session = h2r_session_http1_client_new(options, &client_callbacks, &client, "http", "example.com");
    if (!client.session) abort();
    if (with_server &&
        !(server.session = h2r_session_http1_server_new(options, &server_callbacks, &server, "http")))
        abort();
    feed_piece = 0;
}

static void sides_free(void)
{
    h2r_session_free(client.session);
    if (server.session) h2r_session_free(server.session);
    unref_streams(&client.streams);
    unref_streams(&server.streams);
}

/* Makes a request and keeps a reference on its stream; returns the stream, or NULL with *err set. */
static h2r_stream *request(const h2r_header *headers, size_t count, unsigned flags, int *err)
{
    h2r_stream *st = NULL;
    int rc = h2r_session_request(client.session, headers, count, flags, &st);
    if (err) *err = rc;
    if (rc == 0) keep_stream(&client.streams, st);
    return rc == 0 ? st : NULL;
}

static h2r_stream *get(const char *path)
{
    h2r_header fields[] = {FIELD(":method", "GET"),
                           {.name = ":path", .name_len = 5, .value = path, .value_len = strlen(path)}};
    return request(fields, 2, H2R_REQUEST_END_STREAM, NULL);
}

/* ---- back to back ---- */

static void test_get(void)
{
    for (int bytewise = 0; bytewise != 2; ++bytewise) {
        sides_init(NULL, 1);
        CHECK(h2r_session_is_http1(client.session) && h2r_session_is_client(client.session));
        CHECK(!h2r_session_is_client(server.session));
        h2r_header fields[] = {FIELD(":path", "/hello"), FIELD("accept", "*/*")};
        h2r_stream *st = request(fields, 2, H2R_REQUEST_END_STREAM, NULL);
        CHECK(st && h2r_stream_id(st) == 1 && h2r_stream_headers_sent(st));
        CHECK(h2r_session_want_write(client.session));
        feed_piece = bytewise;
        pump();
        log_is(&server,
               "request:1 :method=GET :scheme=http :authority=example.com :path=/hello accept=*/* END; "
               "end:1; close:1:0; ");
        if (bytewise)
            CHECK(strcmp(client.log.text,
                         "response:1 :status=200 content-length=5; data:1:h; data:1:e; data:1:l; "
                         "data:1:l; data:1:o; end:1; close:1:0; ") == 0);
        else
            log_is(&client, "response:1 :status=200 content-length=5; data:1:hello; end:1; close:1:0; ");
        log_clear(&client.log);
        CHECK(strcmp(h2r_stream_http_version(st), "1.1") == 0 && h2r_stream_closed(st));
        CHECK(!h2r_session_is_done(client.session) && h2r_session_want_read(client.session));
        h2r_session_state state;
        h2r_session_get_state(client.session, &state);
        CHECK(state.next_stream_id == 3 && state.open_streams == 0 && state.inbound_queue_size == 0);
        sides_free();
    }

    /* The request on the wire: the request line, Host first, the fields as given. */
    sides_init(NULL, 0);
    h2r_header fields[] = {FIELD(":method", "GET"), FIELD(":scheme", "http"),
                           FIELD(":authority", "a.example:8080"), FIELD(":path", "/x?y=1"),
                           FIELD("user-agent", "t/1")};
    CHECK(request(fields, 5, H2R_REQUEST_END_STREAM, NULL) != NULL);
    output_is("GET /x?y=1 HTTP/1.1\r\nhost: a.example:8080\r\nuser-agent: t/1\r\n\r\n");
    sides_free();

    /* Defaults: GET, "/", the session's authority; a host field of the caller's stands in Host's place. */
    sides_init(NULL, 0);
    CHECK(request(NULL, 0, H2R_REQUEST_END_STREAM, NULL) != NULL);
    output_is("GET / HTTP/1.1\r\nhost: example.com\r\n\r\n");
    h2r_session_feed(client.session, (const uint8_t *)"HTTP/1.1 204 No Content\r\n\r\n", 27);
    h2r_header own_host[] = {FIELD("x-a", "1"), FIELD("host", "other.example")};
    CHECK(request(own_host, 2, H2R_REQUEST_END_STREAM, NULL) != NULL);
    output_is("GET / HTTP/1.1\r\nx-a: 1\r\nhost: other.example\r\n\r\n");
    sides_free();
}

static void test_keep_alive(void)
{
    sides_init(NULL, 1);
    const char *paths[] = {"/hello", "/chunked", "/trailers", "/204", "/304"};
    const char *expected[] = {
        "response:1 :status=200 content-length=5; data:1:hello; end:1; close:1:0; ",
        "response:3 :status=200; data:3:abc; data:3:defgh; end:3; close:3:0; ",
        "response:5 :status=200; data:5:abc; trailers:5 x-checksum=42; end:5; close:5:0; ",
        "response:7 :status=204 etag=\"x\" END; end:7; close:7:0; ",
        "response:9 :status=304 etag=\"x\" END; end:9; close:9:0; ",
    };
    for (size_t i = 0; i != 5; ++i) {
        h2r_stream *st = get(paths[i]);
        CHECK(st != NULL);
        /* One request at a time. */
        int err;
        CHECK(request(NULL, 0, H2R_REQUEST_END_STREAM, &err) == NULL && err == H2R_ERR_STREAM_LIMIT);
        pump();
        log_is(&client, expected[i]);
    }
    CHECK(server.streams.count == 5 && !h2r_session_is_done(client.session));

    /* HEAD: the length is the one a GET would have had, and no body follows it. */
    h2r_header head[] = {FIELD(":method", "HEAD"), FIELD(":path", "/head")};
    CHECK(request(head, 2, H2R_REQUEST_END_STREAM, NULL) != NULL);
    pump();
    log_is(&client, "response:11 :status=200 content-length=5 END; end:11; close:11:0; ");
    CHECK(get("/hello") != NULL);
    pump();
    log_is(&client, "response:13 :status=200 content-length=5; data:13:hello; end:13; close:13:0; ");

    /* connection: close from the server: the session is done after this response. */
    CHECK(get("/close") != NULL);
    pump();
    log_is(&client, "response:15 :status=200 content-length=5; data:15:hello; end:15; close:15:0; ");
    CHECK(h2r_session_is_done(client.session) && client.session_closes == 1);
    CHECK(!h2r_session_want_read(client.session));
    int err;
    CHECK(request(NULL, 0, H2R_REQUEST_END_STREAM, &err) == NULL && err == H2R_ERR_SESSION_CLOSED);
    sides_free();
}

static void test_request_bodies(void)
{
    /* By content-length, in two writes. */
    sides_init(NULL, 1);
    h2r_header post[] = {FIELD(":method", "POST"), FIELD(":path", "/echo"), FIELD("content-length", "6")};
    h2r_stream *st = request(post, 3, 0, NULL);
    CHECK(h2r_stream_write(st, "abc", 3, NULL, NULL) == 1 && h2r_stream_write(st, "def", 3, NULL, NULL) == 1);
    CHECK(h2r_stream_end(st) == 0);
    output_is("POST /echo HTTP/1.1\r\nhost: example.com\r\ncontent-length: 6\r\n\r\nabcdef");
    sides_free();

    sides_init(NULL, 1);
    st = request(post, 3, 0, NULL);
    h2r_stream_write(st, "abc", 3, NULL, NULL);
    pump();
    CHECK(h2r_stream_write(st, "def", 3, NULL, NULL) == 1 && h2r_stream_end(st) == 0);
    pump();
    log_is(&server,
           "request:1 :method=POST :scheme=http :authority=example.com :path=/echo content-length=6; "
           "data:1:abc; data:1:def; end:1; close:1:0; ");
    log_is(&client, "response:1 :status=200; data:1:6; end:1; close:1:0; ");
    log_clear(&client.log);

    /* Without a length: chunked; with trailers both ways. */
    h2r_header chunked[] = {FIELD(":method", "PUT"), FIELD(":path", "/echo")};
    st = request(chunked, 2, H2R_REQUEST_WAIT_FOR_TRAILERS, NULL);
    CHECK(st != NULL);
    h2r_header trailers[] = {FIELD("x-sum", "7")};
    client.trailers = trailers;
    client.trailer_count = 1;
    CHECK(h2r_stream_write(st, "1234567", 7, NULL, NULL) == 1 && h2r_stream_end(st) == 0);
    size_t len;
    const char *out = client_output(&len);
    CHECK(strcmp(out, "PUT /echo HTTP/1.1\r\nhost: example.com\r\ntransfer-encoding: chunked\r\n\r\n"
                      "7\r\n1234567\r\n0\r\nx-sum: 7\r\n\r\n") == 0);
    h2r_session_feed(server.session, (const uint8_t *)out, len);
    pump();
    log_is(&server, "request:3 :method=PUT :scheme=http :authority=example.com :path=/echo; data:3:1234567; "
                    "trailers:3 x-sum=7; end:3; close:3:0; ");
    log_is(&client, "want-trailers:3; response:3 :status=200; data:3:7; end:3; "
                    "close:3:0; ");

    /* POST without a body says content-length: 0; trailers without a body go in an empty chunked one. */
    h2r_header empty_post[] = {FIELD(":method", "POST"), FIELD(":path", "/count")};
    CHECK(request(empty_post, 2, H2R_REQUEST_END_STREAM, NULL) != NULL);
    output_is("POST /count HTTP/1.1\r\nhost: example.com\r\ncontent-length: 0\r\n\r\n");
    sides_free();

    sides_init(NULL, 0);
    client.trailers = trailers;
    client.trailer_count = 1;
    CHECK(request(empty_post, 2, H2R_REQUEST_END_STREAM | H2R_REQUEST_WAIT_FOR_TRAILERS, NULL) != NULL);
    output_is("POST /count HTTP/1.1\r\nhost: example.com\r\ntransfer-encoding: chunked\r\n\r\n0\r\nx-sum: "
              "7\r\n\r\n");
    sides_free();
}

static void test_interim(void)
{
    sides_init(NULL, 1);
    h2r_header post[] = {FIELD(":method", "POST"), FIELD(":path", "/continue"),
                         FIELD("expect", "100-continue"), FIELD("content-length", "3")};
    client.continue_body = "xyz";
    CHECK(request(post, 4, 0, NULL) != NULL);
    pump();
    log_is(&client, "info:1 :status=103 link=</a.css>; info:1 :status=100; response:1 :status=200; data:1:3; "
                    "end:1; close:1:0; ");
    log_is(&server, "request:1 :method=POST :scheme=http :authority=example.com :path=/continue "
                    "expect=100-continue content-length=3; data:1:xyz; end:1; close:1:0; ");

    /* Any number of them. */
    sides_free();
    sides_init(NULL, 0);
    CHECK(get("/") != NULL);
    client_output(&(size_t){0});
    for (int i = 0; i != 50; ++i)
        CHECK(h2r_session_feed(client.session, (const uint8_t *)"HTTP/1.1 103 Early Hints\r\n\r\n", 28) ==
              28);
    h2r_session_feed(client.session, (const uint8_t *)"HTTP/1.1 204 No Content\r\n\r\n", 27);
    CHECK(strstr(client.log.text, "response:1 :status=204 END; end:1; close:1:0; ") != NULL);
    size_t infos = 0;
    for (const char *p = client.log.text; (p = strstr(p, "info:1 :status=103; ")) != NULL; ++p) ++infos;
    CHECK(infos == 50);
    sides_free();
}

/* A large body each way, paused by its reader and resumed: the input held stays within its bound. */
static void test_pause_resume(void)
{
    for (size_t i = 0; i != BIG_SIZE; ++i) big[i] = (uint8_t)(i % 251);
    h2r_session_options options;
    h2r_session_options_init(&options);
    options.http1_max_buffered_input = 16384;

    /* The response's body, paused by the client. */
    sides_init(&options, 1);
    client.log_data = 0;
    client.pause_first = 1;
    feed_piece = 4096;
    h2r_stream *st = get("/big");
    pump();
    h2r_session_state state;
    h2r_session_get_state(client.session, &state);
    CHECK(h2r_stream_is_paused(st) && h2r_session_input_paused(client.session));
    CHECK(state.inbound_queue_size >= 16384 && state.inbound_queue_size <= 16384 + 4096);
    CHECK(strstr(client.log.text, "end:1") == NULL);
    CHECK(h2r_stream_resume(st) == 0 && !h2r_session_input_paused(client.session));
    CHECK(h2r_session_want_write(client.session));
    pump();
    CHECK(client.body_len == BIG_SIZE && memcmp(client.body, big, BIG_SIZE) == 0);
    log_is(&client, "response:1 :status=200 content-length=1048576; end:1; close:1:0; ");
    sides_free();

    /* The request's body, paused by the server: the client's writes wait for on_drain. */
    sides_init(&options, 1);
    server.log_data = 0;
    server.pause_first = 1;
    feed_piece = 4096;
    h2r_header put[] = {FIELD(":method", "PUT"), FIELD(":path", "/count")};
    st = request(put, 2, 0, NULL);
    CHECK(h2r_stream_write(st, big, BIG_SIZE / 2, NULL, NULL) == 0);
    CHECK(h2r_stream_write(st, big + BIG_SIZE / 2, BIG_SIZE / 2, NULL, NULL) == 0 && h2r_stream_end(st) == 0);
    pump();
    h2r_session_get_state(server.session, &state);
    h2r_stream *up = last_stream(&server.streams);
    CHECK(h2r_stream_is_paused(up) && h2r_session_input_paused(server.session));
    /* The rest waits on the client's side, pulled and not written (TCP would hold it). */
    CHECK_MSG(state.inbound_queue_size <= 16384 + 4096 && server.body_len < BIG_SIZE / 8,
              "server keeps %zu, has %zu", state.inbound_queue_size, server.body_len);
    CHECK(h2r_session_want_write(client.session));
    CHECK(h2r_stream_resume(up) == 0);
    pump();
    CHECK(server.body_len == BIG_SIZE && memcmp(server.body, big, BIG_SIZE) == 0 && client.drains == 1);
    log_is(&client, "response:1 :status=200; data:1:1048576; end:1; close:1:0; ");
    sides_free();
}

static void test_refused_requests(void)
{
    sides_init(NULL, 0);
    const h2r_header bad[][2] = {
        {FIELD(":path", "/"), FIELD("X-Upper", "1")},
        {FIELD(":path", "/"), FIELD("connection", "close")},
        {FIELD(":path", "/"), FIELD("transfer-encoding", "chunked")},
        {FIELD(":path", "/"), FIELD("x-a", "1\r\nx-evil: 1")},
        {FIELD(":path", "/a b"), FIELD("x-a", "1")},
        {FIELD("x-a", "1"), FIELD(":path", "/")},
        {FIELD(":method", "CONNECT"), FIELD(":path", "/")},
        {FIELD(":protocol", "websocket"), FIELD(":path", "/")},
        {FIELD(":method", "GET"), FIELD(":path", "*")},
    };
    for (size_t i = 0; i != sizeof(bad) / sizeof(bad[0]); ++i) {
        int err;
        h2r_stream *st = request(bad[i], 2, H2R_REQUEST_END_STREAM, &err);
        CHECK_MSG(st == NULL && err == H2R_ERR_INVALID_HEADER, "request %zu refused: %d", i, err);
    }
    /* A length promised with no body to follow. */
    h2r_header promised[] = {FIELD(":method", "POST"), FIELD("content-length", "5")};
    int err;
    CHECK(request(promised, 2, H2R_REQUEST_END_STREAM, &err) == NULL && err == H2R_ERR_INVALID_HEADER);
    CHECK(!h2r_session_want_write(client.session));
    h2r_stream *st = NULL;
    CHECK(h2r_session_request(client.session, NULL, 0, 4, &st) == H2R_ERR_INVALID_ARGUMENT);

    /* CONNECT: the authority-form target; the tunnel's bytes as they are once a 2xx came. */
    h2r_header connect[] = {FIELD(":method", "CONNECT"), FIELD(":authority", "b.example:443")};
    st = request(connect, 2, 0, NULL);
    CHECK(st != NULL);
    output_is("CONNECT b.example:443 HTTP/1.1\r\nhost: b.example:443\r\n\r\n");
    const char *ok = "HTTP/1.1 200 Connection Established\r\n\r\nraw bytes";
    CHECK(h2r_session_feed(client.session, (const uint8_t *)ok, strlen(ok)) == (ssize_t)strlen(ok));
    CHECK(h2r_stream_write(st, "up", 2, NULL, NULL) == 1);
    output_is("up");
    CHECK(h2r_session_eof(client.session) == 0);
    log_is(&client, "response:1 :status=200; data:1:raw bytes; end:1; close:1:0; ");
    CHECK(h2r_session_is_done(client.session));
    sides_free();

    /* What a client session cannot do, and a server session does not have. */
    sides_init(NULL, 1);
    h2r_header put[] = {FIELD(":method", "PUT"), FIELD(":path", "/slow")};
    st = request(put, 2, 0, NULL);
    h2r_header status = FIELD(":status", "200");
    CHECK(h2r_stream_respond(st, &status, 1, 0) == H2R_ERR_INVALID_STATE);
    CHECK(h2r_stream_additional_headers(st, &status, 1) == H2R_ERR_INVALID_STATE);
    h2r_stream *pushed;
    CHECK(h2r_stream_push(st, NULL, 0, &pushed) == H2R_ERR_PUSH_DISABLED);
    CHECK(h2r_stream_priority(st, 0, 16, 0, 0) == H2R_ERR_INVALID_STATE);
    CHECK(h2r_stream_end(st) == 0);
    CHECK(h2r_stream_write(st, "x", 1, NULL, NULL) == H2R_ERR_INVALID_STATE); /* ended */
    pump();
    CHECK(h2r_stream_write(st, "x", 1, NULL, NULL) == H2R_ERR_STREAM_CLOSED); /* its end is sent */
    uint8_t payload[8] = {0};
    CHECK(h2r_session_ping(client.session, payload, NULL, NULL) == H2R_ERR_INVALID_STATE);
    CHECK(h2r_session_request(server.session, NULL, 0, 0, &st) == H2R_ERR_INVALID_STATE);
    CHECK(h2r_session_eof(server.session) == 0);
    sides_free();

    CHECK(h2r_session_http1_client_new(NULL, &client_callbacks, NULL, "ftp", "a") == NULL);
    CHECK(h2r_session_http1_client_new(NULL, &client_callbacks, NULL, "http", "") == NULL);
    CHECK(h2r_session_http1_client_new(NULL, &client_callbacks, NULL, "http", "a b") == NULL);
    CHECK(h2r_session_http1_client_new(NULL, &client_callbacks, NULL, "https", NULL) == NULL);
}

static void test_ending(void)
{
    /* h2r_stream_close mid-exchange: the connection cannot be reused; done once the output is written. */
    sides_init(NULL, 1);
    h2r_stream *st = get("/slow");
    pump();
    CHECK(h2r_stream_close(st, H2R_CANCEL) == 0);
    log_is(&client, "close:1:8; ");
    CHECK(h2r_session_is_done(client.session) && !h2r_session_want_read(client.session));
    int err;
    CHECK(request(NULL, 0, H2R_REQUEST_END_STREAM, &err) == NULL && err == H2R_ERR_SESSION_CLOSED);
    sides_free();

    /* Closed before its head went out: done after the output. */
    sides_init(NULL, 1);
    st = get("/slow");
    CHECK(h2r_stream_close(st, H2R_CANCEL) == 0 && !h2r_session_is_done(client.session));
    output_is("GET /slow HTTP/1.1\r\nhost: example.com\r\n\r\n");
    CHECK(h2r_session_is_done(client.session));
    sides_free();

    /* Graceful close: no new request, the current exchange finishes. */
    sides_init(NULL, 1);
    CHECK(get("/hello") != NULL);
    h2r_session_close(client.session);
    CHECK(request(NULL, 0, H2R_REQUEST_END_STREAM, &err) == NULL && err == H2R_ERR_SESSION_CLOSED);
    CHECK(!h2r_session_is_done(client.session));
    pump();
    log_is(&client, "response:1 :status=200 content-length=5; data:1:hello; end:1; close:1:0; ");
    CHECK(h2r_session_is_done(client.session) && client.session_closes == 1);
    sides_free();

    /* The response in before the request's end: done once the request is sent too. */
    sides_init(NULL, 0);
    h2r_header put[] = {FIELD(":method", "PUT"), FIELD(":path", "/")};
    st = request(put, 2, 0, NULL);
    CHECK(h2r_session_feed(client.session, (const uint8_t *)"HTTP/1.1 304 Not Modified\r\n\r\n", 29) == 29);
    h2r_session_close(client.session);
    CHECK(!h2r_session_is_done(client.session) && h2r_stream_end(st) == 0);
    output_is("PUT / HTTP/1.1\r\nhost: example.com\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n");
    log_is(&client, "response:1 :status=304 END; end:1; close:1:0; ");
    CHECK(h2r_session_is_done(client.session) && !h2r_session_want_read(client.session));
    sides_free();

    /* Idle: done at once. */
    sides_init(NULL, 0);
    h2r_session_close(client.session);
    CHECK(h2r_session_is_done(client.session) && client.session_closes == 1);
    sides_free();

    /* Destroy: now, the exchange aborted. */
    sides_init(NULL, 1);
    CHECK(get("/slow") != NULL);
    pump();
    h2r_session_destroy(client.session, H2R_NO_ERROR);
    log_is(&client, "aborted:1; close:1:8; ");
    CHECK(h2r_session_is_done(client.session) && client.session_closes == 1);
    sides_free();

    /* A response before the request's end: the request goes on, unless the server closes. */
    sides_init(NULL, 0);
    h2r_header upload[] = {FIELD(":method", "PUT"), FIELD(":path", "/"), FIELD("content-length", "6")};
    st = request(upload, 3, 0, NULL);
    CHECK(h2r_stream_write(st, "abc", 3, NULL, NULL) == 1);
    client_output(&(size_t){0});
    const char *early = "HTTP/1.1 409 Conflict\r\ncontent-length: 0\r\n\r\n";
    CHECK(h2r_session_feed(client.session, (const uint8_t *)early, strlen(early)) == (ssize_t)strlen(early));
    log_is(&client, "response:1 :status=409 content-length=0 END; end:1; ");
    CHECK(!h2r_stream_closed(st) && request(NULL, 0, H2R_REQUEST_END_STREAM, &err) == NULL &&
          err == H2R_ERR_STREAM_LIMIT);
    CHECK(h2r_stream_write(st, "def", 3, NULL, NULL) == 1 && h2r_stream_end(st) == 0);
    output_is("def");
    log_is(&client, "close:1:0; ");
    CHECK(request(NULL, 0, H2R_REQUEST_END_STREAM, NULL) != NULL && !h2r_session_is_done(client.session));
    sides_free();

    sides_init(NULL, 0);
    st = request(upload, 3, 0, NULL);
    CHECK(h2r_stream_write(st, "abc", 3, NULL, NULL) == 1);
    client_output(&(size_t){0});
    early = "HTTP/1.1 413 Content Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
    CHECK(h2r_session_feed(client.session, (const uint8_t *)early, strlen(early)) == (ssize_t)strlen(early));
    log_is(&client, "response:1 :status=413 content-length=0 END; end:1; close:1:0; ");
    CHECK(h2r_stream_write(st, "def", 3, NULL, NULL) == H2R_ERR_STREAM_CLOSED);
    CHECK(h2r_session_is_done(client.session));
    sides_free();

    /* A request body shorter than its content-length cannot end: the exchange is aborted. */
    sides_init(NULL, 1);
    h2r_header post[] = {FIELD(":method", "POST"), FIELD(":path", "/echo"), FIELD("content-length", "6")};
    st = request(post, 3, 0, NULL);
    CHECK(h2r_stream_write(st, "abc", 3, NULL, NULL) == 1 && h2r_stream_end(st) == 0);
    pump();
    log_is(&client, "aborted:1; close:1:2; ");
    CHECK(h2r_session_is_done(client.session));
    sides_free();
}

/* ---- hostile servers: responses fed by hand ---- */

/* A client session with GET / sent, and what it hears of the bytes fed, one feed or a byte at a time. */
static ssize_t answer(const h2r_session_options *options, const char *method, const char *response,
                      int bytewise)
{
    sides_init(options, 0);
    h2r_header fields[] = {{.name = ":method", .name_len = 7, .value = method, .value_len = strlen(method)}};
    CHECK(request(fields, 1, H2R_REQUEST_END_STREAM, NULL) != NULL);
    client_output(&(size_t){0});
    size_t len = strlen(response);
    if (!bytewise) return h2r_session_feed(client.session, (const uint8_t *)response, len);
    ssize_t rc = 0;
    for (size_t i = 0; i != len && rc >= 0; ++i)
        rc = h2r_session_feed(client.session, (const uint8_t *)response + i, 1);
    return rc < 0 ? rc : (ssize_t)len;
}

static void refused(const char *what, const h2r_session_options *options, const char *response, uint32_t code,
                    const char *log)
{
    for (int bytewise = 0; bytewise != 2; ++bytewise) {
        quiet_data = 1;
        ssize_t rc = answer(options, "GET", response, bytewise);
        quiet_data = 0;
        CHECK_MSG(rc == H2R_ERR_PROTOCOL && client.session_errors == 1 && client.error_code == code &&
                      h2r_session_is_done(client.session) && !h2r_session_want_read(client.session) &&
                      strcmp(client.log.text, log) == 0,
                  "%s%s: rc %zd, code %u (%s), log \"%s\"", what, bytewise ? ", a byte at a time" : "", rc,
                  client.error_code, client.error_reason, client.log.text);
        sides_free();
    }
}

static void test_hostile(void)
{
    refused("bad status line", NULL, "HTTP/1.1 2x0 OK\r\n\r\n", H2R_PROTOCOL_ERROR, "aborted:1; close:1:1; ");
    refused("no version", NULL, "200 OK\r\n\r\n", H2R_PROTOCOL_ERROR, "aborted:1; close:1:1; ");
    refused("HTTP/2", NULL, "HTTP/2.0 200 OK\r\n\r\n", H2R_PROTOCOL_ERROR, "aborted:1; close:1:1; ");
    refused("CL and TE", NULL, "HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n",
            H2R_PROTOCOL_ERROR, "aborted:1; close:1:1; ");
    refused("conflicting CL", NULL, "HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\n",
            H2R_PROTOCOL_ERROR, "aborted:1; close:1:1; ");
    refused("bad chunk size", NULL, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n",
            H2R_PROTOCOL_ERROR, "response:1 :status=200; aborted:1; close:1:1; ");
    refused("101", NULL, "HTTP/1.1 101 Switching Protocols\r\nupgrade: h2c\r\n\r\n", H2R_PROTOCOL_ERROR,
            "aborted:1; close:1:1; ");
    refused("bytes after the response", NULL,
            "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhiHTTP/1.1 200 OK\r\n", H2R_PROTOCOL_ERROR,
            "response:1 :status=200 content-length=2; end:1; close:1:0; ");

    h2r_session_options options;
    h2r_session_options_init(&options);
    options.http1_max_head_size = 64;
    char big_head[256];
    snprintf(big_head, sizeof(big_head), "HTTP/1.1 200 OK\r\nx-long: %080d\r\n\r\n", 0);
    refused("head too large", &options, big_head, H2R_ENHANCE_YOUR_CALM, "aborted:1; close:1:11; ");
    h2r_session_options_init(&options);
    options.http1_max_trailer_size = 16;
    refused("trailers too large", &options,
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\nx-long: 0123456789abcdef\r\n\r\n",
            H2R_ENHANCE_YOUR_CALM, "response:1 :status=200; aborted:1; close:1:11; ");
    h2r_session_options_init(&options);
    options.http1_max_body_size = 3;
    refused("body too large", &options, "HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n", H2R_ENHANCE_YOUR_CALM,
            "aborted:1; close:1:11; ");
    h2r_session_options_init(&options);
    options.max_header_list_pairs = 2;
    refused("too many fields", &options, "HTTP/1.1 200 OK\r\na: 1\r\nb: 2\r\nc: 3\r\n\r\n",
            H2R_ENHANCE_YOUR_CALM, "aborted:1; close:1:11; ");

    /* Bytes before any request. */
    sides_init(NULL, 0);
    CHECK(h2r_session_feed(client.session, (const uint8_t *)"HTTP/1.1 200 OK\r\n\r\n", 19) ==
          H2R_ERR_PROTOCOL);
    CHECK(client.session_errors == 1 && client.error_code == H2R_PROTOCOL_ERROR &&
          h2r_session_is_done(client.session));
    sides_free();

    /* A chunked response with trailers, whole or a byte at a time: the same events. */
    for (int bytewise = 0; bytewise != 2; ++bytewise) {
        const char *text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n"
                           "5;ext=1\r\nhello\r\n0\r\nX-Sum: 5\r\n\r\n";
        CHECK(answer(NULL, "GET", text, bytewise) == (ssize_t)strlen(text));
        const char *log = strstr(client.log.text, "trailers:1 x-sum=5; end:1; close:1:0; ");
        CHECK(strncmp(client.log.text, "response:1 :status=200 x-a=1; data:1:", 37) == 0 && log != NULL);
        CHECK(client.body_len == 5 && memcmp(client.body, "hello", 5) == 0 &&
              !h2r_session_is_done(client.session));
        sides_free();
    }
}

static void test_until_close(void)
{
    /* No length: the body is what comes until the end of the input. */
    CHECK(answer(NULL, "GET", "HTTP/1.1 200 OK\r\n\r\nabc", 0) == 22);
    CHECK(h2r_session_feed(client.session, (const uint8_t *)"def", 3) == 3);
    log_is(&client, "response:1 :status=200; data:1:abc; data:1:def; ");
    CHECK(!h2r_session_is_done(client.session) && h2r_session_want_read(client.session));
    CHECK(h2r_session_eof(client.session) == 0);
    log_is(&client, "end:1; close:1:0; ");
    CHECK(h2r_session_is_done(client.session) && !h2r_session_want_read(client.session) &&
          client.session_errors == 0);
    CHECK(h2r_session_feed(client.session, (const uint8_t *)"x", 1) == H2R_ERR_SESSION_CLOSED);
    sides_free();

    /* HTTP/1.0: the connection's last response, unless it says keep-alive. */
    CHECK(answer(NULL, "GET", "HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nhi", 0) > 0);
    log_is(&client, "response:1 :status=200 content-length=2; data:1:hi; end:1; close:1:0; ");
    CHECK(strcmp(h2r_stream_http_version(last_stream(&client.streams)), "1.0") == 0);
    CHECK(h2r_session_is_done(client.session));
    sides_free();
    CHECK(answer(NULL, "GET", "HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 2\r\n\r\nhi", 0) >
          0);
    CHECK(!h2r_session_is_done(client.session) && get("/next") != NULL);
    sides_free();
    CHECK(answer(NULL, "GET", "HTTP/1.0 200 OK\r\n\r\nall of it", 0) > 0 &&
          h2r_session_eof(client.session) == 0);
    log_is(&client, "response:1 :status=200; data:1:all of it; end:1; close:1:0; ");
    sides_free();

    /* The input ends in the middle of a response: an error. */
    CHECK(answer(NULL, "GET", "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nab", 0) > 0);
    CHECK(h2r_session_eof(client.session) == H2R_ERR_PROTOCOL);
    log_is(&client, "response:1 :status=200 content-length=5; data:1:ab; aborted:1; close:1:1; ");
    CHECK(client.session_errors == 1 && h2r_session_is_done(client.session));
    sides_free();
    CHECK(answer(NULL, "GET", "HTTP/1.1 200 O", 0) > 0 &&
          h2r_session_eof(client.session) == H2R_ERR_PROTOCOL);
    sides_free();
    /* Before anything of it: an error too (nothing says whether the server processed the request). */
    CHECK(answer(NULL, "GET", "", 0) == 0 && h2r_session_eof(client.session) == H2R_ERR_PROTOCOL);
    log_is(&client, "aborted:1; close:1:1; ");
    sides_free();
    /* Idle: the session is done, no error. */
    sides_init(NULL, 0);
    CHECK(h2r_session_eof(client.session) == 0 && h2r_session_is_done(client.session) &&
          client.session_errors == 0);
    sides_free();

    /* HEAD, 204, 304: no body, whatever the fields say. */
    CHECK(answer(NULL, "HEAD", "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n", 0) > 0);
    log_is(&client, "response:1 :status=200 content-length=100 END; end:1; close:1:0; ");
    CHECK(get("/") != NULL);
    sides_free();

    /* Paused before its response: the head comes, the body waits. */
    CHECK(answer(NULL, "GET", "", 0) == 0);
    h2r_stream *early = last_stream(&client.streams);
    CHECK(h2r_stream_pause(early) == 0);
    CHECK(h2r_session_feed(client.session, (const uint8_t *)"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi",
                           41) == 41);
    log_is(&client, "response:1 :status=200 content-length=2; ");
    CHECK(h2r_stream_resume(early) == 0);
    client_output(&(size_t){0});
    log_is(&client, "data:1:hi; end:1; close:1:0; ");
    sides_free();

    /* A paused body's input is read before the end is taken. */
    CHECK(answer(NULL, "GET", "HTTP/1.1 200 OK\r\n\r\nab", 0) > 0);
    h2r_stream *st = last_stream(&client.streams);
    CHECK(h2r_stream_pause(st) == 0);
    CHECK(h2r_session_feed(client.session, (const uint8_t *)"cd", 2) == 2);
    CHECK(h2r_session_eof(client.session) == 0 && !h2r_session_is_done(client.session));
    CHECK(!h2r_session_want_read(client.session));
    CHECK(h2r_session_feed(client.session, (const uint8_t *)"ef", 2) == H2R_ERR_SESSION_CLOSED);
    log_is(&client, "response:1 :status=200; data:1:ab; ");
    CHECK(h2r_stream_resume(st) == 0 && h2r_session_want_write(client.session));
    client_output(&(size_t){0});
    log_is(&client, "data:1:cd; end:1; close:1:0; ");
    CHECK(h2r_session_is_done(client.session));
    sides_free();
}

int main(void)
{
    test_get();
    test_keep_alive();
    test_request_bodies();
    test_interim();
    test_pause_resume();
    test_refused_requests();
    test_ending();
    test_hostile();
    test_until_close();
    free(client.body);
    free(server.body);
    return check_done();
}
