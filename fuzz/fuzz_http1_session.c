/*
 * libFuzzer target: a server session in HTTP/1.1 mode (core/session_http1.c,
 * stream_http1.c) fed arbitrary bytes in arbitrary pieces, with an
 * application that answers every request, in one of many ways, and an I/O
 * layer that pulls and reports written in odd sizes.
 *
 * Input: 4 config bytes, then the bytes the client sends.
 *   bytes 0-3  a seed for every choice below: where the input is cut, what
 *              the application does with each request (a response with a
 *              content-length and a body in memory or a file range, ended
 *              at once or later; END_STREAM; chunked, with trailers sent at
 *              once or later; a content-length the body does not match;
 *              204 or 304; 100 Continue or 103 first; close(code); an
 *              answer only once the request's body is in), what it does
 *              between pieces (graceful close, destroy), and how the output
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
 * H2R_ERR_STREAM_CLOSED, when the session stops reading but takes input,
 * or when a buffer handed to the session is not released exactly once by
 * h2r_session_free. Buffers are freed by their release callback, so a
 * chunk read after its release is a use after free for ASan.
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h2r.h"
#include "http1_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FAIL(...)                                                                                            \
    do {                                                                                                     \
        fprintf(stderr, "fuzz_http1_session: " __VA_ARGS__);                                                 \
        fputc('\n', stderr);                                                                                 \
        abort();                                                                                             \
    } while (0)

#define MAX_TRACKED  64
#define MAX_REQUESTS 1024
#define FILE_SIZE    65536
/* Response bytes the application writes per input, at most: keeps each run short. */
#define BODY_BUDGET (256 * 1024)

enum pending_kind {
    PENDING_RESPOND,  /* not answered yet */
    PENDING_END,      /* answered, body not ended */
    PENDING_TRAILERS, /* on_want_trailers came, trailers not sent */
};

struct pending {
    h2r_stream *stream;
    enum pending_kind kind;
};

/* What the client must know of a request to read its response. */
enum request_kind { REQUEST_OTHER, REQUEST_HEAD, REQUEST_CONNECT };

/* The client's reading of the output. */
enum read_state { READ_HEAD, READ_LENGTH, READ_CHUNKED, READ_TRAILERS, READ_CLOSE, READ_ENDED };

static struct state {
    h2r_session *session;
    uint64_t rng;
    long live_buffers; /* handed to the session and not released */
    size_t body_budget;
    struct pending pending[MAX_TRACKED];
    size_t pending_count;
    h2r_stream *refs[MAX_TRACKED]; /* streams the application keeps a reference on */
    size_t ref_count;

    /* requests seen, in order, and how many responses were read */
    uint8_t requests[MAX_REQUESTS];
    size_t request_count, response_count;

    /* the client's view of the output */
    uint8_t *out;
    size_t out_len, out_cap;
    enum read_state read_state;
    uint64_t body_left;
    h2r_http1_chunked chunked;
    h2r_http1_limits limits;
    int last_response; /* the response being read said connection: close */
} S;

static int file_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char path[] = "/tmp/fuzz_http1_session_XXXXXX";
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

/* Writes len bytes of body (a fresh buffer, freed on release), or a file range. */
static void write_exactly(h2r_stream *st, size_t len)
{
    if (chance(4)) {
        size_t offset = rnd() % (FILE_SIZE - len + 1);
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

/* A body of up to max bytes, within the budget, in one or a few writes; returns its length. */
static size_t write_body(h2r_stream *st, size_t max)
{
    size_t len = max ? rnd() % (max + 1) : 0;
    if (len > S.body_budget) len = S.body_budget;
    if (len > FILE_SIZE) len = FILE_SIZE;
    S.body_budget -= len;
    for (size_t done = 0, parts = 1 + rnd() % 3; parts--;) {
        size_t part = parts ? (len - done) / 2 : len - done;
        write_exactly(st, part);
        done += part;
    }
    return len;
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

#define FIELD(n, v)                                                                                          \
    {                                                                                                        \
        .name = (n), .name_len = sizeof(n) - 1, .value = (v), .value_len = sizeof(v) - 1                     \
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

static void keep_ref(h2r_stream *st)
{
    if (S.ref_count == MAX_TRACKED) return;
    h2r_stream_ref(st);
    S.refs[S.ref_count++] = st;
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
    if (S.request_count == MAX_REQUESTS) FAIL("more requests than tracked");
    S.requests[S.request_count++] = (uint8_t)check_request(headers, count);
    const char *version = h2r_stream_http_version(st);
    if (strcmp(version, "1.1") != 0 && strcmp(version, "1.0") != 0) FAIL("http version %s", version);
    if (chance(8)) keep_ref(st);
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
    volatile uint8_t sum = 0;
    for (size_t i = 0; i != len; ++i) sum ^= data[i]; /* ASan: the data is readable */
    (void)sum;
    if (chance(32)) h2r_stream_close(st, H2R_CANCEL);
}

static void on_end(h2r_stream *st)
{
    for (size_t i = 0; i != S.pending_count; ++i) {
        if (S.pending[i].stream == st && S.pending[i].kind == PENDING_RESPOND && chance(2)) {
            remove_pending(st);
            respond(st);
            return;
        }
    }
}

static void send_trailers(h2r_stream *st)
{
    h2r_header trailers[] = {FIELD("x-trailer", "done")};
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

static void on_stream_close(h2r_stream *st, uint32_t code)
{
    (void)code;
    remove_pending(st);
}

static const h2r_session_callbacks callbacks = {
    .on_stream = on_stream,
    .on_data = on_data,
    .on_end = on_end,
    .on_want_trailers = on_want_trailers,
    .on_stream_close = on_stream_close,
};

/* Every call on a closed stream fails cleanly (checked on streams the application kept). */
static void check_closed_stream(h2r_stream *st)
{
    h2r_header status = FIELD(":status", "200");
    h2r_stream *pushed = (h2r_stream *)1;
    if (h2r_stream_respond(st, &status, 1, 0) != H2R_ERR_STREAM_CLOSED ||
        h2r_stream_end(st) != H2R_ERR_STREAM_CLOSED || h2r_stream_close(st, 0) != H2R_ERR_STREAM_CLOSED ||
        h2r_stream_send_trailers(st, NULL, 0) != H2R_ERR_STREAM_CLOSED ||
        h2r_stream_additional_headers(st, &status, 1) != H2R_ERR_STREAM_CLOSED ||
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
        case PENDING_RESPOND: respond(p.stream); break;
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
    switch (rnd() % 64) {
    case 0: h2r_session_close(S.session); break;
    case 1:
        if (chance(4)) h2r_session_destroy(S.session, H2R_NO_ERROR);
        break;
    case 2: {
        uint8_t payload[8] = {0};
        if (h2r_session_ping(S.session, payload, NULL, NULL) != H2R_ERR_INVALID_STATE ||
            h2r_session_goaway(S.session, 0, -1, NULL, 0) != H2R_ERR_INVALID_STATE)
            FAIL("an HTTP/2 control call did something");
        break;
    }
    default: break;
    }
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

/* A head is complete at S.out: checks it and sets up reading its body. Returns its length, or 0 if not yet.
 */
static size_t read_head(void)
{
    const uint8_t *end = memmem(S.out, S.out_len, "\r\n\r\n", 4);
    if (!end) {
        if (S.out_len > 200000) FAIL("a response head longer than anything written");
        return 0;
    }
    end += 4;
    static const char version[] = "HTTP/1.1 ";
    if (end - S.out < 15 || memcmp(S.out, version, 9) != 0) FAIL("a response that does not start HTTP/1.1");
    unsigned status = 0;
    for (int i = 9; i != 12; ++i) {
        if (S.out[i] < '0' || S.out[i] > '9') FAIL("a status that is not 3 digits");
        status = status * 10 + (unsigned)(S.out[i] - '0');
    }
    if (S.out[12] != ' ') FAIL("no SP after the status");
    const uint8_t *line_end = memmem(S.out, (size_t)(end - S.out), "\r\n", 2);
    for (const uint8_t *q = S.out + 13; q != line_end; ++q)
        if (*q < 0x20 || *q == 0x7f) FAIL("a control character in the reason");
    struct framing f = {0};
    check_fields(line_end + 2, end - 2, &f);
    if (f.has_length && f.chunked) FAIL("both content-length and chunked");

    if (status < 200) {
        if (status != 100 && status != 103) FAIL("an interim status the application never sent: %u", status);
        if (f.has_length || f.chunked || f.close) FAIL("framing in an interim response");
        S.read_state = READ_HEAD;
        return (size_t)(end - S.out);
    }
    /* A final response: to the oldest request unanswered, or the session's own answer to a bad one. */
    enum request_kind kind = REQUEST_OTHER;
    if (S.response_count < S.request_count)
        kind = (enum request_kind)S.requests[S.response_count++];
    else if (!f.close)
        FAIL("a response to no request, without connection: close");
    S.last_response = f.close;
    if (kind == REQUEST_HEAD || status == 204 || status == 304) {
        if (f.chunked && kind != REQUEST_HEAD) FAIL("chunked in a %u", status);
        S.read_state = f.close ? READ_ENDED : READ_HEAD;
    } else if (kind == REQUEST_CONNECT && status / 100 == 2) {
        if (f.has_length || f.chunked) FAIL("framing in a 2xx to CONNECT");
        S.read_state = READ_CLOSE;
    } else if (f.has_length) {
        S.body_left = f.length;
        S.read_state = f.length ? READ_LENGTH : f.close ? READ_ENDED : READ_HEAD;
    } else if (f.chunked) {
        h2r_http1_chunked_init(&S.chunked, &S.limits);
        S.read_state = READ_CHUNKED;
    } else {
        if (!f.close) FAIL("a body delimited by nothing");
        S.read_state = READ_CLOSE;
    }
    return (size_t)(end - S.out);
}

static void body_done(void)
{
    S.read_state = S.last_response ? READ_ENDED : READ_HEAD;
}

/* Reads what it can of S.out, and keeps the rest. */
static void parse_output(void)
{
    size_t at = 0;
    for (;;) {
        uint8_t *p = S.out + at;
        size_t avail = S.out_len - at, used = 0;
        if (avail == 0) break;
        switch (S.read_state) {
        case READ_HEAD: {
            memmove(S.out, p, avail); /* read_head looks from the start */
            S.out_len = avail;
            at = 0;
            used = read_head();
            break;
        }
        case READ_LENGTH:
            used = avail < S.body_left ? avail : (size_t)S.body_left;
            S.body_left -= used;
            if (S.body_left == 0) body_done();
            break;
        case READ_CHUNKED: {
            const uint8_t *slice;
            size_t slice_len;
            ssize_t n = h2r_http1_chunked_decode(&S.chunked, p, avail, &slice, &slice_len);
            if (n < 0) FAIL("a chunked body that does not decode: %s", h2r_http1_strerror((int)n));
            used = (size_t)n;
            if (h2r_http1_chunked_done(&S.chunked)) S.read_state = READ_TRAILERS;
            break;
        }
        case READ_TRAILERS: {
            h2r_header fields[8];
            size_t count;
            int n = h2r_http1_parse_trailers(p, avail, &S.limits, fields, 8, &count);
            if (n < 0) FAIL("a trailer section that does not parse: %s", h2r_http1_strerror(n));
            used = (size_t)n;
            if (n) body_done();
            break;
        }
        case READ_CLOSE: used = avail; break;
        case READ_ENDED: FAIL("%zu bytes after a response that closed the connection", avail);
        }
        if (used == 0) break;
        at += used;
    }
    memmove(S.out, S.out + at, S.out_len - at);
    S.out_len -= at;
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
    }
    if (h2r_session_is_done(S.session) &&
        (h2r_session_want_write(S.session) || h2r_session_want_read(S.session)))
        FAIL("done, but wants to write or read");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) return 0;
    memset(&S, 0, sizeof(S));
    uint32_t seed = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
    S.rng = ((uint64_t)seed << 32 | seed) ^ 0x9e3779b97f4a7c15ull;
    S.body_budget = BODY_BUDGET;
    h2r_http1_limits_default(&S.limits);
    h2r_session_options options;
    h2r_session_options_init(&options);
    if (data[0] & 1) options.stream_high_water_mark = 1000;
    if (data[0] & 2) options.http1_max_buffered_input = 200;
    if (data[0] & 4) options.max_header_list_pairs = 8;
    S.session = h2r_session_http1_server_new(&options, &callbacks, NULL, (data[0] & 8) ? "https" : "http");
    if (!S.session) FAIL("h2r_session_http1_server_new");
    data += 4, size -= 4;

    while (size) {
        size_t piece = chance(3) ? size : 1 + rnd() % (size < 64 ? size : 64);
        if (piece > size) piece = size;
        int reading = h2r_session_want_read(S.session);
        ssize_t rc = h2r_session_feed(S.session, data, piece);
        if (!reading && rc >= 0) FAIL("feed took input after want_read said no");
        if (rc >= 0 && (size_t)rc != piece) FAIL("feed took %zd of %zu bytes", rc, piece);
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
    free(S.out);
    return 0;
}
