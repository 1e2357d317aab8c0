/*
 * libFuzzer target: an HTTP/1.1 client session (core/http1_client.c,
 * http1_response.c) fed arbitrary bytes as the server's, in arbitrary
 * pieces, with an application that makes request after request, and an
 * I/O layer that pulls and reports written in odd sizes.
 *
 * Input: 4 config bytes, then the bytes the server sends.
 *   bytes 0-3  a seed for every choice below: where the input is cut, what
 *              each request is (GET, HEAD, POST, PUT, OPTIONS, CONNECT;
 *              no body, a body by content-length, chunked, with trailers
 *              sent at once or later or a close instead, ended later, an
 *              expect: 100-continue), what the application does on each
 *              event (keep a reference, pause the body and resume it
 *              later, close the stream), what it does between pieces (a new
 *              request when none is open, and sometimes when one is;
 *              graceful close, destroy, the end of the input with
 *              h2r_session_eof), and how the output is pulled (chunks per
 *              pull 1..64, bytes per write 1..all); byte 0 also picks the
 *              options: bit 0 a high-water mark of 1000, bit 1 at most 200
 *              bytes of input kept for a paused body, bit 2 at most 8
 *              fields per response, bit 3 heads of at most 512 bytes.
 *
 * Plays the server on the output: aborts when it is not a sequence of
 * HTTP/1.1 requests that core/http1's request parser takes, one per
 * request made and in order, each with the method asked for and the body
 * its framing says (content-length, chunked with a trailer section, or
 * for CONNECT the rest of the connection). Aborts when the events of a
 * stream come out of order (on_informational after on_response, on_data
 * or on_trailers before it, anything after on_end or on_stream_close), a
 * status is out of place (on_informational's 1xx but 101, on_response's
 * 200..599), :status is not the first field or another field is
 * uppercase or connection-specific, on_response says a body follows a
 * HEAD, 204 or 304; when a second request is taken while one is open,
 * when h2r_session_feed takes less than it was given, when the session is
 * done but wants to read or write, when a call on a closed stream does not
 * return H2R_ERR_STREAM_CLOSED, or when a buffer handed to the session is
 * not released exactly once by h2r_session_free.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_app.h"
#include "h2ring/engine.h"
#include "http1_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_REQUESTS 256

/* Where a stream is in its response's events. */
enum response_state { AWAITING, RESPONDED, ENDED, CLOSED };

static struct client {
    h2r_stream *current; /* the open request, referenced */
    enum response_state state;
    int no_body; /* HEAD: on_response must say END_STREAM */
    /* the methods of the requests made, in order, and how many the server's reading has seen */
    char methods[MAX_REQUESTS][8];
    size_t request_count, requests_read;
} client;

/* The server's reading of the output: a head when no body is being read. */
static struct server {
    struct fuzz_body body;
    h2r_http1_limits limits;
} server;

/* ---- the application's requests ---- */

static void write_body(h2r_stream *st, size_t max)
{
    size_t len = body_length(max);
    if (chance(4))
        write_file_range(st, rnd() % (FUZZ_FILE_SIZE - len + 1), len);
    else
        write_memory(st, len);
}

static void make_request(void)
{
    static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "OPTIONS", "CONNECT"};
    const char *method = methods[rnd() % 6];
    int connect = strcmp(method, "CONNECT") == 0;
    char length[24];
    size_t body = rnd() % (chance(8) ? 5000 : 200);
    h2r_header fields[6];
    size_t count = 0;
    fields[count++] =
        (h2r_header){.name = ":method", .name_len = 7, .value = method, .value_len = strlen(method)};
    if (connect)
        fields[count++] = (h2r_header)FIELD(":authority", "upstream.example:443");
    else
        fields[count++] = chance(4) ? (h2r_header)FIELD(":path", "*") : (h2r_header)FIELD(":path", "/p?q=1");
    fields[count++] = (h2r_header)FIELD("accept", "*/*");
    unsigned flags = 0;
    int has_length = 0;
    switch (rnd() % 5) {
    case 0: flags = H2R_REQUEST_END_STREAM; break;
    case 1:
        has_length = 1;
        fields[count++] = (h2r_header){.name = "content-length",
                                       .name_len = 14,
                                       .value = length,
                                       .value_len = (size_t)snprintf(length, sizeof(length), "%zu", body)};
        break;
    case 2: flags = H2R_REQUEST_WAIT_FOR_TRAILERS | (chance(2) ? H2R_REQUEST_END_STREAM : 0); break;
    case 3: fields[count++] = (h2r_header)FIELD("expect", "100-continue"); break;
    default: break;
    }
    h2r_stream *st = NULL;
    int err = h2r_session_request(app.session, fields, count, flags, &st);
    if (client.current && err == 0) FAIL("a second request taken while one is open");
    if (err != 0) {
        if (st) FAIL("a stream from a refused request");
        return;
    }
    if (client.request_count == MAX_REQUESTS) FAIL("more requests than tracked");
    snprintf(client.methods[client.request_count++], sizeof(client.methods[0]), "%s", method);
    h2r_stream_ref(st);
    client.current = st;
    client.state = AWAITING;
    client.no_body = strcmp(method, "HEAD") == 0;
    if (chance(8)) keep_ref(st);
    if (chance(8)) pause_body(st);
    if (flags & H2R_REQUEST_END_STREAM) return;
    /* The body: its whole length now, or a part now and the rest (with the end) later. */
    if (has_length && !chance(6))
        write_memory(st, body); /* what the length says; now and then less (the exchange is aborted) */
    else
        write_body(st, body);
    if (chance(4) && !has_length)
        add_pending(st, PENDING_END);
    else
        h2r_stream_end(st);
}

/* ---- the stream's events ---- */

static int is_name(const h2r_header *h, const char *name)
{
    return h->name_len == strlen(name) && memcmp(h->name, name, h->name_len) == 0;
}

/* :status first (3 digits), then lowercase names, none of them connection-specific; returns the status. */
static unsigned check_fields(const h2r_header *headers, size_t count)
{
    if (count == 0 || !is_name(&headers[0], ":status") || headers[0].value_len != 3) FAIL("no :status first");
    unsigned status = 0;
    for (size_t i = 0; i != 3; ++i) {
        if (headers[0].value[i] < '0' || headers[0].value[i] > '9') FAIL("a :status not of digits");
        status = status * 10 + (unsigned)(headers[0].value[i] - '0');
    }
    for (size_t i = 1; i != count; ++i) {
        const h2r_header *h = &headers[i];
        if (h->name_len == 0 || h->name[0] == ':') FAIL("a pseudo-header field after :status");
        for (size_t j = 0; j != h->name_len; ++j)
            if (h->name[j] >= 'A' && h->name[j] <= 'Z') FAIL("an uppercase field name");
        if (is_name(h, "connection") || is_name(h, "keep-alive") || is_name(h, "transfer-encoding") ||
            is_name(h, "upgrade") || is_name(h, "proxy-connection"))
            FAIL("a connection-specific field %.*s", (int)h->name_len, h->name);
    }
    return status;
}

/* The event belongs to the current stream, and comes in a state that allows it. */
static void expect_state(h2r_stream *st, enum response_state want, const char *event)
{
    if (st != client.current)
        FAIL("%s on stream %u, which is not the open request", event, h2r_stream_id(st));
    if (client.state != want) FAIL("%s on stream %u in state %d", event, h2r_stream_id(st), client.state);
}

static void react(h2r_stream *st)
{
    if (chance(16))
        h2r_stream_close(st, H2R_CANCEL);
    else if (chance(8))
        pause_body(st);
}

static void on_informational(h2r_stream *st, const h2r_header *headers, size_t count)
{
    expect_state(st, AWAITING, "on_informational");
    unsigned status = check_fields(headers, count);
    if (status < 100 || status > 199 || status == 101) FAIL("on_informational with %u", status);
    react(st);
}

static void on_response(h2r_stream *st, const h2r_header *headers, size_t count, int flags)
{
    expect_state(st, AWAITING, "on_response");
    unsigned status = check_fields(headers, count);
    if (status < 200 || status > 599) FAIL("on_response with %u", status);
    if ((client.no_body || status == 204 || status == 304) && !(flags & H2R_END_STREAM))
        FAIL("a body after a response to HEAD, or a %u", status);
    client.state = RESPONDED;
    react(st);
}

static void on_data(h2r_stream *st, const uint8_t *data, size_t len)
{
    expect_state(st, RESPONDED, "on_data");
    read_bytes(data, len);
    react(st);
}

static void on_trailers(h2r_stream *st, const h2r_header *headers, size_t count)
{
    expect_state(st, RESPONDED, "on_trailers");
    for (size_t i = 0; i != count; ++i)
        if (headers[i].name_len == 0 || headers[i].name[0] == ':') FAIL("a pseudo-header in trailers");
}

static void on_end(h2r_stream *st)
{
    expect_state(st, RESPONDED, "on_end");
    client.state = ENDED;
}

static void on_close(h2r_stream *st, uint32_t code)
{
    if (st != client.current) FAIL("on_stream_close on stream %u, not the open request", h2r_stream_id(st));
    on_stream_close(st, code);
    client.current = NULL;
    client.state = CLOSED;
    h2r_stream_unref(st);
}

static const h2r_session_callbacks callbacks = {
    .on_data = on_data,
    .on_end = on_end,
    .on_trailers = on_trailers,
    .on_want_trailers = on_want_trailers,
    .on_stream_close = on_close,
    .on_response = on_response,
    .on_informational = on_informational,
};

/* Between two pieces of input: the application's own initiatives. */
static void app_round(void)
{
    advance_streams();
    if (!client.current || chance(16)) make_request();
    if (fuzz_http1_close_now_and_then() == 2 && client.current && chance(2))
        h2r_stream_close(client.current, H2R_CANCEL);
}

/* ---- the server's view of the output ---- */

static size_t read_head(const uint8_t *p, size_t len)
{
    h2r_http1_request req;
    h2r_header fields[16];
    int n = h2r_http1_parse_request(p, len, &server.limits, &req, fields, 16);
    if (n < 0) FAIL("a request head the parser refuses: %s", h2r_http1_strerror(n));
    if (n == 0) return 0;
    if (client.requests_read == client.request_count) FAIL("more requests on the wire than made");
    const char *method = client.methods[client.requests_read++];
    if (req.method_len != strlen(method) || memcmp(req.method, method, req.method_len) != 0)
        FAIL("the request's method is %.*s, not %s", (int)req.method_len, req.method, method);
    if (req.target_form == H2R_HTTP1_TARGET_AUTHORITY)
        fuzz_body_rest(&server.body);
    else if (req.chunked)
        fuzz_body_chunked(&server.body);
    else
        fuzz_body_length(&server.body, req.content_length > 0 ? (uint64_t)req.content_length : 0);
    return (size_t)n;
}

/* Reads what it can of app.out, and keeps the rest. */
static void read_output(void)
{
    size_t at = 0, used;
    do {
        uint8_t *p = app.out + at;
        size_t avail = app.out_len - at;
        if (server.body.state == FUZZ_BODY_NONE)
            used = avail ? read_head(p, avail) : 0;
        else
            used = fuzz_read_body(&server.body, p, avail);
        at += used;
    } while (used);
    memmove(app.out, app.out + at, app.out_len - at);
    app.out_len -= at;
}

const struct fuzz_target target = {
    .name = "fuzz_http1_client",
    .respond = NULL, /* no stream waits for a response of ours */
    .write_body = write_body,
    .read_output = read_output,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) return 0;
    fuzz_start_input(data);
    memset(&client, 0, sizeof(client));
    memset(&server, 0, sizeof(server));
    h2r_http1_limits_default(&server.limits);
    h2r_session_options options;
    h2r_session_options_init(&options);
    if (data[0] & 1) options.stream_high_water_mark = 1000;
    if (data[0] & 2) options.http1_max_buffered_input = 200;
    if (data[0] & 4) options.max_header_list_pairs = 8;
    if (data[0] & 8) options.http1_max_head_size = 512;
    app.session = h2r_session_http1_client_new(&options, &callbacks, NULL, "http", "origin.example");
    if (!app.session) FAIL("h2r_session_http1_client_new");
    data += 4, size -= 4;

    app_round();
    fuzz_http1_io_round(chance(2));
    while (size) {
        size_t used = fuzz_feed(data, size);
        data += used, size -= used;
        app_round();
        fuzz_http1_io_round(chance(2));
        if (chance(64)) {
            int err = h2r_session_eof(app.session);
            if (err != 0 && err != H2R_ERR_PROTOCOL) FAIL("h2r_session_eof returned %d", err);
            break;
        }
    }
    app_round();
    fuzz_http1_io_round(1);
    if (chance(2)) fuzz_http1_io_round(0);
    if (client.current) h2r_stream_unref(client.current);
    client.current = NULL;
    fuzz_finish_input();
    return 0;
}
