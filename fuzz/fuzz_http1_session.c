/*
 * libFuzzer target: a server session in HTTP/1.1 mode (core/http1_*.c) fed
 * arbitrary bytes in arbitrary pieces, with an application that answers
 * every request, in one of many ways, and an I/O layer that pulls and
 * reports written in odd sizes.
 *
 * Input: 4 config bytes, then the bytes the client sends.
 *   bytes 0-3  a seed for every choice below: where the input is cut, what
 *              the application does with each request (a response with a
 *              content-length and a body in memory or a file range, ended
 *              at once or later; END_STREAM; chunked, with trailers sent at
 *              once or later; a content-length the body does not match;
 *              204 or 304; 100 Continue or 103 first; close(code); an
 *              answer only once the request's body is in; the body paused
 *              and resumed later), what it does between pieces (graceful
 *              close, destroy), whether it feeds while the session's input
 *              is paused (now and then: reads in flight), and how the output
 *              is pulled (chunks per pull 1..64, bytes per write 1..all);
 *              byte 0 also picks the options: bit 0 a high-water mark of
 *              1000, bit 1 at most 200 bytes of input kept while a response
 *              is pending, bit 2 at most 8 fields per request, bit 3 the
 *              https scheme.
 *
 * Plays the client on the output: aborts when it is not a sequence of
 * HTTP/1.1 responses, one per request the application saw (or the
 * session's own answer to a bad one), in order: a status line, fields with
 * lowercase token names and values without control characters, then the
 * body its framing says (none for 1xx, 204, 304 and HEAD; content-length;
 * chunked, decoded by core/http1's decoder, with a trailer section; or the
 * connection's end, which needs connection: close or a CONNECT tunnel);
 * when both content-length and transfer-encoding are given; when anything
 * follows a response that said connection: close. Also aborts when
 * on_stream's fields are out of order, uppercase or connection-specific,
 * when h2r_session_feed takes less than it was given, when the session
 * wants to write but gives nothing, when a pulled chunk is empty or over
 * max, when a call on a closed stream does not return
 * H2R_ERR_STREAM_CLOSED, when the session stops reading but takes input
 * or says its input is paused, or when a buffer handed to the session is
 * not released exactly once by h2r_session_free. Buffers are freed by
 * their release callback, so a chunk read after its release is a use after
 * free for ASan.
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_app.h"
#include "h2ring/engine.h"
#include "http1_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_REQUESTS 1024

/* What the client must know of a request to read its response. */
enum request_kind { REQUEST_OTHER, REQUEST_HEAD, REQUEST_CONNECT };

/* The client's reading of the output. */
enum read_state { READ_HEAD, READ_BODY, READ_ENDED };

/* The client's view of the output (the application's state is fuzz_app.h's app). */
static struct client {
    /* requests the application saw, in order, and how many responses were read */
    uint8_t requests[MAX_REQUESTS];
    size_t request_count, response_count;

    enum read_state read_state;
    struct fuzz_body body; /* READ_BODY */
    int last_response;     /* the response being read said connection: close */
} client;

/* ---- the application ---- */

/* Writes len bytes of body: a fresh buffer, or a file range (all of it: the response's length says len). */
static void write_exactly(h2r_stream *st, size_t len)
{
    if (chance(4))
        write_file_range(st, rnd() % (FUZZ_FILE_SIZE - len + 1), len);
    else
        write_memory(st, len);
}

/* A body of up to max bytes, within the budget, in one or a few writes. */
static void write_body(h2r_stream *st, size_t max)
{
    size_t len = body_length(max);
    for (size_t done = 0, parts = 1 + rnd() % 3; parts--;) {
        size_t part = parts ? (len - done) / 2 : len - done;
        write_exactly(st, part);
        done += part;
    }
}

/* A response, its body, and its end now or later; the reference keeps st valid through calls that close it.
 */
static void respond(h2r_stream *st)
{
    h2r_stream_ref(st);
    unsigned flags = chance(4) ? H2R_RESPOND_WAIT_FOR_TRAILERS : 0;
    char length[24];
    size_t body = rnd() % (chance(8) ? 20000 : 300);
    h2r_header fields[3] = {FIELD(":status", "200"), FIELD("content-type", "text/plain")};
    size_t count = 2;
    switch (rnd() % 6) {
    case 0:
    case 1: {
        /* A length, and the body it says; now and then one that does not match. */
        size_t declared = chance(6) ? rnd() % 400 : body;
        fields[count++] =
            (h2r_header){.name = "content-length",
                         .name_len = 14,
                         .value = length,
                         .value_len = (size_t)snprintf(length, sizeof(length), "%zu", declared)};
        break;
    }
    case 2: flags |= H2R_RESPOND_END_STREAM; break;
    case 3: fields[0] = (h2r_header)FIELD(":status", "204"); break;
    case 4: fields[0] = (h2r_header)FIELD(":status", "304"); break;
    default: break; /* chunked for HTTP/1.1, by the connection's end for HTTP/1.0 */
    }
    int rc = h2r_stream_respond(st, fields, count, flags);
    if (rc == 0 && !h2r_stream_closed(st) && !(flags & H2R_RESPOND_END_STREAM)) {
        write_body(st, body);
        if (chance(6))
            add_pending(st, PENDING_END);
        else
            h2r_stream_end(st);
    }
    h2r_stream_unref(st);
}

static int is_name(const h2r_header *h, const char *name)
{
    return h->name_len == strlen(name) && memcmp(h->name, name, h->name_len) == 0;
}

/* What on_stream gets: pseudo-header fields first, :method and either :path or CONNECT; lowercase names. */
static enum request_kind check_request(const h2r_header *headers, size_t count)
{
    int regular = 0, method = 0, path = 0;
    enum request_kind kind = REQUEST_OTHER;
    for (size_t i = 0; i != count; ++i) {
        const h2r_header *h = &headers[i];
        if (h->name_len == 0) FAIL("an empty field name");
        if (h->name[0] == ':') {
            if (regular) FAIL("a pseudo-header field after a regular one");
            if (is_name(h, ":method")) {
                method = 1;
                if (h->value_len == 4 && memcmp(h->value, "HEAD", 4) == 0) kind = REQUEST_HEAD;
                if (h->value_len == 7 && memcmp(h->value, "CONNECT", 7) == 0) kind = REQUEST_CONNECT;
            }
            path |= is_name(h, ":path");
            continue;
        }
        regular = 1;
        for (size_t j = 0; j != h->name_len; ++j)
            if (h->name[j] >= 'A' && h->name[j] <= 'Z') FAIL("an uppercase field name");
        if (is_name(h, "connection") || is_name(h, "keep-alive") || is_name(h, "transfer-encoding") ||
            is_name(h, "upgrade") || is_name(h, "host") || is_name(h, "proxy-connection"))
            FAIL("a connection-specific field %.*s", (int)h->name_len, h->name);
    }
    if (!method || path == (kind == REQUEST_CONNECT)) FAIL("a request without :method, or :path wrong");
    return kind;
}

static void on_stream(h2r_session *session, h2r_stream *st, const h2r_header *headers, size_t count,
                      int flags)
{
    (void)session, (void)flags;
    if (client.request_count == MAX_REQUESTS) FAIL("more requests than tracked");
    client.requests[client.request_count++] = (uint8_t)check_request(headers, count);
    const char *version = h2r_stream_http_version(st);
    if (strcmp(version, "1.1") != 0 && strcmp(version, "1.0") != 0) FAIL("http version %s", version);
    if (chance(8)) keep_ref(st);
    if (chance(8)) pause_body(st);
    switch (rnd() % 8) {
    case 0:
    case 1:
    case 2: respond(st); break;
    case 3: h2r_stream_close(st, rnd() % 14); break;
    case 4: {
        h2r_header interim[] = {FIELD(":status", "100")};
        h2r_header hints[] = {FIELD(":status", "103"), FIELD("link", "</a>")};
        if (chance(2))
            h2r_stream_additional_headers(st, interim, 1);
        else
            h2r_stream_additional_headers(st, hints, 2);
        add_pending(st, PENDING_RESPOND);
        break;
    }
    default: add_pending(st, PENDING_RESPOND); break;
    }
}

static void on_data(h2r_stream *st, const uint8_t *data, size_t len)
{
    read_bytes(data, len);
    if (chance(32))
        h2r_stream_close(st, H2R_CANCEL);
    else if (chance(8))
        pause_body(st);
}

static void on_end(h2r_stream *st)
{
    if (take_pending_response(st)) respond(st);
}

static const h2r_session_callbacks callbacks = {
    .on_stream = on_stream,
    .on_data = on_data,
    .on_end = on_end,
    .on_want_trailers = on_want_trailers,
    .on_stream_close = on_stream_close,
};

/* Between two pieces of input: the application's own initiatives. */
static void app_round(void)
{
    advance_streams();
    if (fuzz_http1_close_now_and_then() != 2) return;
    uint8_t payload[8] = {0};
    if (h2r_session_ping(app.session, payload, NULL, NULL) != H2R_ERR_INVALID_STATE ||
        h2r_session_goaway(app.session, 0, -1, NULL, 0) != H2R_ERR_INVALID_STATE)
        FAIL("an HTTP/2 control call did something");
}

/* ---- the client's view of the output ---- */

static int is_token_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The fields of a response head that say how its body is delimited. */
struct framing {
    int has_length, chunked, close;
    uint64_t length;
};

/* Checks "name: value" field lines in [p, end) (each ending in CRLF) and reads the framing fields. */
static void check_fields(const uint8_t *p, const uint8_t *end, struct framing *f)
{
    while (p != end) {
        const uint8_t *eol = memchr(p, '\r', (size_t)(end - p));
        if (!eol || eol + 1 == end || eol[1] != '\n') FAIL("a field line not ended by CRLF");
        const uint8_t *colon = memchr(p, ':', (size_t)(eol - p));
        if (!colon || colon == p || colon + 1 == eol || colon[1] != ' ') FAIL("a field line without \": \"");
        for (const uint8_t *q = p; q != colon; ++q)
            if (!is_token_char(*q)) FAIL("a field name with %#x", *q);
        for (const uint8_t *q = colon + 2; q != eol; ++q)
            if ((*q < 0x20 && *q != '\t') || *q == 0x7f) FAIL("a control character in a field value");
        size_t name_len = (size_t)(colon - p), value_len = (size_t)(eol - colon - 2);
        const char *name = (const char *)p, *value = (const char *)colon + 2;
        if (name_len == 14 && memcmp(name, "content-length", 14) == 0) {
            if (f->has_length) FAIL("two content-length fields");
            f->has_length = 1;
            for (size_t i = 0; i != value_len; ++i) {
                if (value[i] < '0' || value[i] > '9') FAIL("a content-length that is not digits");
                f->length = f->length * 10 + (uint64_t)(value[i] - '0');
            }
        } else if (name_len == 17 && memcmp(name, "transfer-encoding", 17) == 0) {
            if (value_len != 7 || memcmp(value, "chunked", 7) != 0) FAIL("a transfer-encoding but chunked");
            f->chunked = 1;
        } else if (name_len == 10 && memcmp(name, "connection", 10) == 0) {
            f->close |= value_len == 5 && memcmp(value, "close", 5) == 0;
        }
        p = eol + 2;
    }
}

/* A head is complete at app.out: checks it and sets up reading its body. Returns its length, or 0 if not yet.
 */
static size_t read_head(void)
{
    const uint8_t *end = memmem(app.out, app.out_len, "\r\n\r\n", 4);
    if (!end) {
        if (app.out_len > 200000) FAIL("a response head longer than anything written");
        return 0;
    }
    end += 4;
    static const char version[] = "HTTP/1.1 ";
    if (end - app.out < 15 || memcmp(app.out, version, 9) != 0)
        FAIL("a response that does not start HTTP/1.1");
    unsigned status = 0;
    for (int i = 9; i != 12; ++i) {
        if (app.out[i] < '0' || app.out[i] > '9') FAIL("a status that is not 3 digits");
        status = status * 10 + (unsigned)(app.out[i] - '0');
    }
    if (app.out[12] != ' ') FAIL("no SP after the status");
    const uint8_t *line_end = memmem(app.out, (size_t)(end - app.out), "\r\n", 2);
    for (const uint8_t *q = app.out + 13; q != line_end; ++q)
        if (*q < 0x20 || *q == 0x7f) FAIL("a control character in the reason");
    struct framing f = {0};
    check_fields(line_end + 2, end - 2, &f);
    if (f.has_length && f.chunked) FAIL("both content-length and chunked");

    if (status < 200) {
        if (status != 100 && status != 103) FAIL("an interim status the application never sent: %u", status);
        if (f.has_length || f.chunked || f.close) FAIL("framing in an interim response");
        client.read_state = READ_HEAD;
        return (size_t)(end - app.out);
    }
    /* A final response: to the oldest request unanswered, or the session's own answer to a bad one. */
    enum request_kind kind = REQUEST_OTHER;
    if (client.response_count < client.request_count)
        kind = (enum request_kind)client.requests[client.response_count++];
    else if (!f.close)
        FAIL("a response to no request, without connection: close");
    client.last_response = f.close;
    if (kind == REQUEST_HEAD || status == 204 || status == 304) {
        if (f.chunked && kind != REQUEST_HEAD) FAIL("chunked in a %u", status);
        client.read_state = f.close ? READ_ENDED : READ_HEAD;
    } else if (kind == REQUEST_CONNECT && status / 100 == 2) {
        if (f.has_length || f.chunked) FAIL("framing in a 2xx to CONNECT");
        fuzz_body_rest(&client.body);
        client.read_state = READ_BODY;
    } else if (f.has_length) {
        fuzz_body_length(&client.body, f.length);
        client.read_state = f.length ? READ_BODY : f.close ? READ_ENDED : READ_HEAD;
    } else if (f.chunked) {
        fuzz_body_chunked(&client.body);
        client.read_state = READ_BODY;
    } else {
        if (!f.close) FAIL("a body delimited by nothing");
        fuzz_body_rest(&client.body);
        client.read_state = READ_BODY;
    }
    return (size_t)(end - app.out);
}

/* Reads what it can of app.out, and keeps the rest. */
static void read_output(void)
{
    size_t at = 0;
    for (;;) {
        uint8_t *p = app.out + at;
        size_t avail = app.out_len - at, used = 0;
        if (avail == 0) break;
        switch (client.read_state) {
        case READ_HEAD: {
            memmove(app.out, p, avail); /* read_head looks from the start */
            app.out_len = avail;
            at = 0;
            used = read_head();
            break;
        }
        case READ_BODY:
            used = fuzz_read_body(&client.body, p, avail);
            if (client.body.state == FUZZ_BODY_NONE)
                client.read_state = client.last_response ? READ_ENDED : READ_HEAD;
            break;
        case READ_ENDED: FAIL("%zu bytes after a response that closed the connection", avail);
        }
        if (used == 0) break;
        at += used;
    }
    memmove(app.out, app.out + at, app.out_len - at);
    app.out_len -= at;
}

const struct fuzz_target target = {
    .name = "fuzz_http1_session",
    .respond = respond,
    .write_body = write_body,
    .read_output = read_output,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) return 0;
    fuzz_start_input(data);
    memset(&client, 0, sizeof(client));
    h2r_session_options options;
    h2r_session_options_init(&options);
    if (data[0] & 1) options.stream_high_water_mark = 1000;
    if (data[0] & 2) options.http1_max_buffered_input = 200;
    if (data[0] & 4) options.max_header_list_pairs = 8;
    app.session = h2r_session_http1_server_new(&options, &callbacks, NULL, (data[0] & 8) ? "https" : "http");
    if (!app.session) FAIL("h2r_session_http1_server_new");
    data += 4, size -= 4;

    while (size) {
        size_t used = fuzz_feed(data, size);
        data += used, size -= used;
        app_round();
        fuzz_http1_io_round(chance(2));
    }
    app_round();
    fuzz_http1_io_round(1);
    /* A destroyed connection: whatever is in flight or queued is released, once. */
    if (chance(2)) fuzz_http1_io_round(0);
    fuzz_finish_input();
    return 0;
}
