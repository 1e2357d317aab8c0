/*
 * RFC 9113 conformance of the server engine, table-driven: one row per
 * MUST / MUST NOT of §3-§8 that a server can be tested on (h2spec's "http2"
 * list and a few more). Each row drives the session through the test peer
 * with raw frames and names the exact outcome: a GOAWAY with its code and
 * last stream id (and the session then done), one RST_STREAM with its
 * stream and code, or nothing bad at all; unless the connection is gone it
 * must then still serve a GET.
 *
 * Every frame the server sends is checked against the sending-side rules as
 * well: defined flags only (§4.1), the peer's frame size (§4.2), contiguous
 * field blocks (§4.3), stream 0 or not (§6), nothing after RST_STREAM or
 * END_STREAM (§5.1), zero padding (§6.1), no SETTINGS_ENABLE_PUSH = 1
 * (§6.5.2), a last stream id that never grows (§6.8), and response fields
 * that are lowercase, with :status only and first (§8.2, §8.3).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "peer.h"

#define F(n, v)                                                                                              \
    {                                                                                                        \
        .name = (n), .name_len = sizeof(n) - 1, .value = (v), .value_len = sizeof(v) - 1                     \
    }
#define GET_PSEUDO F(":method", "GET"), F(":scheme", "http"), F(":authority", "localhost")
#define COUNT(a)   (sizeof(a) / sizeof((a)[0]))

static const uint8_t zeros[1 << 17];
static const char body[] = "0123456789";
static char big_value[40000];

/* ---- the application: what a request's :path asks of it ---- */

enum mode {
    MODE_RESPOND, /* 200 once the request has ended */
    MODE_HOLD,    /* never answers: the stream stays open or half-closed (remote) */
    MODE_BODY,    /* 200 with a 10-byte body */
    MODE_RESET,   /* h2r_stream_close(CANCEL) at once */
    MODE_BIG,     /* 200 with a 40000-byte header: HEADERS + CONTINUATION */
    MODE_101,     /* tries to send 101, then 200 */
    MODE_PUSH,    /* promises /pushed (stream 2, left reserved), then 200 */
};

struct app {
    uint32_t opened[64]; /* streams the application saw, in order */
    size_t opened_count;
    h2r_stream *held;   /* the last MODE_HOLD stream while it lives */
    h2r_stream *pushed; /* the stream MODE_PUSH promised, while it lives */
    int closes, aborted, trailers, session_closed, goaways;
    uint32_t last_close_id, last_close_code, goaway_code;
    char x_check[32]; /* the x-check field of the last request */
    int rc_101_additional, rc_101_respond;
};

static struct app *app_of(h2r_stream *st)
{
    return h2r_session_user_data(h2r_stream_session(st));
}

static void respond(h2r_stream *st)
{
    enum mode mode = (enum mode)(uintptr_t)h2r_stream_user_data(st);
    if (mode == MODE_HOLD || h2r_stream_headers_sent(st) || h2r_stream_closed(st)) return;
    if (mode == MODE_BODY) {
        h2r_stream_respond(st, NULL, 0, 0);
        h2r_stream_write(st, body, 10, NULL, NULL);
        h2r_stream_end(st);
        return;
    }
    if (mode == MODE_BIG) {
        h2r_header big = {.name = "x-big", .name_len = 5, .value = big_value, .value_len = sizeof(big_value)};
        h2r_stream_respond(st, &big, 1, H2R_RESPOND_END_STREAM);
        return;
    }
    h2r_stream_respond(st, NULL, 0, H2R_RESPOND_END_STREAM);
}

static enum mode mode_of_path(const char *v, size_t len)
{
    static const struct {
        const char *path;
        enum mode mode;
    } paths[] = {{"/hold", MODE_HOLD}, {"/body", MODE_BODY}, {"/reset", MODE_RESET},
                 {"/big", MODE_BIG},   {"/101", MODE_101},   {"/push", MODE_PUSH}};
    for (size_t i = 0; i != COUNT(paths); ++i)
        if (strlen(paths[i].path) == len && memcmp(paths[i].path, v, len) == 0) return paths[i].mode;
    return MODE_RESPOND;
}

static void on_stream(h2r_session *session, h2r_stream *st, const h2r_header *headers, size_t count,
                      int flags)
{
    struct app *app = h2r_session_user_data(session);
    enum mode mode = MODE_RESPOND;
    app->x_check[0] = 0;
    for (size_t i = 0; i != count; ++i) {
        if (headers[i].name_len == 5 && memcmp(headers[i].name, ":path", 5) == 0)
            mode = mode_of_path(headers[i].value, headers[i].value_len);
        if (headers[i].name_len == 7 && memcmp(headers[i].name, "x-check", 7) == 0 &&
            headers[i].value_len < sizeof(app->x_check)) {
            memcpy(app->x_check, headers[i].value, headers[i].value_len);
            app->x_check[headers[i].value_len] = 0;
        }
    }
    if (app->opened_count < COUNT(app->opened)) app->opened[app->opened_count++] = h2r_stream_id(st);
    h2r_stream_set_user_data(st, (void *)(uintptr_t)mode);
    if (mode == MODE_HOLD) app->held = st;
    if (mode == MODE_RESET) {
        h2r_stream_close(st, H2R_CANCEL);
        return;
    }
    if (mode == MODE_PUSH) {
        h2r_header path = F(":path", "/pushed");
        h2r_stream_push(st, &path, 1, &app->pushed);
    }
    if (mode == MODE_101) {
        h2r_header status = F(":status", "101");
        app->rc_101_additional = h2r_stream_additional_headers(st, &status, 1);
        app->rc_101_respond = h2r_stream_respond(st, &status, 1, H2R_RESPOND_END_STREAM);
    }
    if (flags & H2R_END_STREAM) respond(st);
}

static void on_end(h2r_stream *st)
{
    respond(st);
}

static void on_trailers(h2r_stream *st, const h2r_header *headers, size_t count)
{
    (void)headers, (void)count;
    ++app_of(st)->trailers;
}

static void on_aborted(h2r_stream *st)
{
    ++app_of(st)->aborted;
}

static void on_stream_close(h2r_stream *st, uint32_t code)
{
    struct app *app = app_of(st);
    ++app->closes;
    app->last_close_id = h2r_stream_id(st);
    app->last_close_code = code;
    if (app->held == st) app->held = NULL;
    if (app->pushed == st) app->pushed = NULL;
}

static void on_goaway(h2r_session *session, uint32_t code, uint32_t last, const uint8_t *data, size_t len)
{
    (void)last, (void)data, (void)len;
    struct app *app = h2r_session_user_data(session);
    ++app->goaways;
    app->goaway_code = code;
}

static void on_session_close(h2r_session *session)
{
    ++((struct app *)h2r_session_user_data(session))->session_closed;
}

static const h2r_session_callbacks callbacks = {
    .on_stream = on_stream,
    .on_end = on_end,
    .on_trailers = on_trailers,
    .on_aborted = on_aborted,
    .on_stream_close = on_stream_close,
    .on_goaway = on_goaway,
    .on_session_close = on_session_close,
};

static int app_saw(const struct app *app, uint32_t id)
{
    for (size_t i = 0; i != app->opened_count; ++i)
        if (app->opened[i] == id) return 1;
    return 0;
}

/* ---- a connection under test, and the sending-side rules checked on every frame it sends ---- */

struct conn {
    struct peer p;
    struct app app;
    size_t checked;                /* frames of p already checked */
    char violation[160];           /* the first sending-side rule broken, or "" */
    uint32_t ended[64], reset[64]; /* streams the server ended / reset */
    size_t ended_count, reset_count;
    int64_t goaway_last; /* last stream id of the previous GOAWAY, -1 before one */
    int in_block;        /* a field block without END_HEADERS is open */
    uint32_t block_stream;
};

static int has_id(const uint32_t *ids, size_t count, uint32_t id)
{
    for (size_t i = 0; i != count; ++i)
        if (ids[i] == id) return 1;
    return 0;
}

static const char *check_response_fields(const struct peer_frame *f)
{
    int regular_seen = 0, status_seen = 0;
    for (size_t i = 0; i != f->field_count; ++i) {
        const h2r_header *h = &f->fields[i];
        for (size_t j = 0; j != h->name_len; ++j)
            if (h->name[j] >= 'A' && h->name[j] <= 'Z') return "§8.2: uppercase field name";
        if (h->name[0] == ':') {
            if (strcmp(h->name, ":status") != 0) return "§8.3: a pseudo-header other than :status";
            if (regular_seen || status_seen) return "§8.3: :status repeated or after a regular field";
            status_seen = 1;
        } else {
            regular_seen = 1;
        }
        static const char *const forbidden[] = {"connection", "keep-alive", "proxy-connection",
                                                "transfer-encoding", "upgrade"};
        for (size_t j = 0; j != COUNT(forbidden); ++j)
            if (strcmp(h->name, forbidden[j]) == 0) return "§8.2.2: connection-specific field";
    }
    return NULL;
}

static const char *check_padding(const struct peer_frame *f)
{
    if (!(f->h.flags & H2R_FLAG_PADDED)) return NULL;
    if (f->h.length < 1 || f->payload[0] >= f->h.length) return "§6.1: padding longer than the payload";
    for (uint32_t i = f->h.length - f->payload[0]; i != f->h.length; ++i)
        if (f->payload[i]) return "§6.1: padding not zero";
    return NULL;
}

static const char *frame_violation(struct conn *c, const struct peer_frame *f)
{
    static const uint8_t defined_flags[] = {
        [H2R_FRAME_DATA] = H2R_FLAG_END_STREAM | H2R_FLAG_PADDED,
        [H2R_FRAME_HEADERS] =
            H2R_FLAG_END_STREAM | H2R_FLAG_END_HEADERS | H2R_FLAG_PADDED | H2R_FLAG_PRIORITY,
        [H2R_FRAME_SETTINGS] = H2R_FLAG_ACK,
        [H2R_FRAME_PUSH_PROMISE] = H2R_FLAG_END_HEADERS | H2R_FLAG_PADDED,
        [H2R_FRAME_PING] = H2R_FLAG_ACK,
        [H2R_FRAME_CONTINUATION] = H2R_FLAG_END_HEADERS,
    };
    uint8_t type = f->h.type;
    uint32_t id = f->h.stream_id;
    uint8_t allowed = type < sizeof(defined_flags) ? defined_flags[type] : 0;
    if (f->h.flags & ~allowed) return "§4.1: undefined flag set";
    if (f->h.length > H2R_FRAME_MIN_MAX_SIZE) return "§4.2: frame over the peer's SETTINGS_MAX_FRAME_SIZE";
    if (c->in_block && (type != H2R_FRAME_CONTINUATION || id != c->block_stream))
        return "§4.3: frame interleaved in a field block";
    if (!c->in_block && type == H2R_FRAME_CONTINUATION) return "§6.10: CONTINUATION outside a field block";
    int connection_level = type == H2R_FRAME_SETTINGS || type == H2R_FRAME_PING || type == H2R_FRAME_GOAWAY;
    if (connection_level != (id == 0) && type != H2R_FRAME_WINDOW_UPDATE && type <= H2R_FRAME_CONTINUATION)
        return "§6: frame on the wrong kind of stream";
    if (type == H2R_FRAME_RST_STREAM) {
        h2r_session_state state;
        h2r_session_get_state(c->p.session, &state);
        if ((id & 1) ? id > state.last_proc_stream_id : id >= state.next_stream_id)
            return "§6.4: RST_STREAM on an idle stream";
    }
    if (id && has_id(c->reset, c->reset_count, id) && type != H2R_FRAME_PRIORITY)
        return "§5.4.2: frame after our RST_STREAM";
    if (id && has_id(c->ended, c->ended_count, id) && type != H2R_FRAME_PRIORITY &&
        type != H2R_FRAME_RST_STREAM && type != H2R_FRAME_WINDOW_UPDATE && !c->in_block)
        return "§5.1: frame after our END_STREAM";
    const char *bad;
    if ((type == H2R_FRAME_DATA || type == H2R_FRAME_HEADERS) && (bad = check_padding(f))) return bad;
    if (type == H2R_FRAME_SETTINGS && !(f->h.flags & H2R_FLAG_ACK))
        for (uint32_t i = 0; i + 6 <= f->h.length; i += 6)
            if ((f->payload[i] << 8 | f->payload[i + 1]) == H2R_SETTINGS_ENABLE_PUSH &&
                peer_u32(f->payload + i + 2))
                return "§6.5.2: a server sent SETTINGS_ENABLE_PUSH other than 0";
    if (type == H2R_FRAME_GOAWAY) {
        uint32_t last = peer_u32(f->payload);
        if (c->goaway_last >= 0 && last > c->goaway_last) return "§6.8: GOAWAY raised the last stream id";
        c->goaway_last = last;
    }
    if (type == H2R_FRAME_HEADERS && (f->hpack_error || (bad = check_response_fields(f))))
        return f->hpack_error ? "§4.3: field block the peer cannot decode" : bad;

    if (type == H2R_FRAME_HEADERS || type == H2R_FRAME_CONTINUATION) {
        c->in_block = !(f->h.flags & H2R_FLAG_END_HEADERS);
        c->block_stream = id;
    }
    if (type == H2R_FRAME_RST_STREAM && c->reset_count < COUNT(c->reset)) c->reset[c->reset_count++] = id;
    if ((type == H2R_FRAME_DATA || type == H2R_FRAME_HEADERS) && (f->h.flags & H2R_FLAG_END_STREAM) &&
        c->ended_count < COUNT(c->ended))
        c->ended[c->ended_count++] = id;
    return NULL;
}

static void flush(struct conn *c)
{
    peer_flush(&c->p);
    for (; c->checked < c->p.frame_count; ++c->checked) {
        const struct peer_frame *f = &c->p.frames[c->checked];
        const char *bad = frame_violation(c, f);
        if (bad && !c->violation[0])
            snprintf(c->violation, sizeof(c->violation), "%s (frame type %u on stream %u)", bad, f->h.type,
                     f->h.stream_id);
    }
}

static void clear(struct conn *c)
{
    flush(c);
    peer_clear(&c->p);
    c->checked = 0;
}

/* Preface, SETTINGS, and the ACK of the server's SETTINGS; forgets what came back. */
static void handshake(struct conn *c)
{
    peer_preface(&c->p, NULL, 0);
    flush(c);
    peer_settings_ack(&c->p);
    clear(c);
}

/* ---- frames the cases send ---- */

static void frame(struct conn *c, uint8_t type, uint8_t flags, uint32_t id, const void *payload, size_t len)
{
    peer_frame(&c->p, type, flags, id, payload, len);
}

static void data(struct conn *c, uint32_t id, uint8_t flags, size_t len)
{
    frame(c, H2R_FRAME_DATA, flags, id, zeros, len);
}

static void get(struct conn *c, uint32_t id, const char *path, int end_stream)
{
    peer_get(&c->p, id, path, end_stream);
}

static void ping(struct conn *c, uint8_t flags, uint32_t id, size_t len)
{
    static const uint8_t payload[16] = "h2ring-p";
    frame(c, H2R_FRAME_PING, flags, id, payload, len);
}

static void setting(struct conn *c, uint16_t id, uint32_t value)
{
    struct h2r_setting s = {id, value};
    peer_settings(&c->p, &s, 1);
}

/* Sends fields as HEADERS on stream id with the given flags (END_HEADERS added). */
static void headers(struct conn *c, uint32_t id, uint8_t flags, const h2r_header *fields, size_t count)
{
    peer_headers(&c->p, id, flags, fields, count);
}

/* Encodes a GET for path into buf (at least 256 bytes); returns its length. */
static size_t get_block(struct conn *c, const char *path, uint8_t *buf)
{
    h2r_header fields[] = {GET_PSEUDO,
                           {.name = ":path", .name_len = 5, .value = path, .value_len = strlen(path)}};
    return peer_encode(&c->p, fields, COUNT(fields), buf, 256);
}

/* A trailer section with END_STREAM on stream id. */
static void trailers(struct conn *c, uint32_t id, int end_stream)
{
    h2r_header fields[] = {F("x-trailer", "1")};
    headers(c, id, end_stream ? H2R_FLAG_END_STREAM : 0, fields, 1);
}

static uint32_t next_stream_id(const struct conn *c)
{
    h2r_session_state state;
    h2r_session_get_state(c->p.session, &state);
    return state.last_proc_stream_id ? state.last_proc_stream_id + 2 : 1;
}

/* ---- the table ---- */

enum outcome {
    NOTHING, /* no RST_STREAM, no GOAWAY */
    RST,     /* exactly one RST_STREAM: on .stream with .code */
    GOAWAY,  /* one GOAWAY with .code and last stream id .stream, and the connection closes */
};

enum {
    RAW = 1,         /* the case sends the preface itself */
    NO_FOLLOWUP = 2, /* the connection cannot take another request (e.g. its stream limit is used) */
};

struct conformance_case {
    const char *section;
    const char *name;
    void (*run)(struct conn *c);
    enum outcome outcome;
    uint32_t code;
    uint32_t stream;
    unsigned flags;
    void (*configure)(h2r_session_options *options);
    /* for run_request: the fields sent as a request on stream 1 */
    const h2r_header *fields;
    size_t field_count;
};

static const struct conformance_case *current;

/* Sends the case's fields as a request with END_STREAM on stream 1. */
static void run_request(struct conn *c)
{
    headers(c, 1, H2R_FLAG_END_STREAM, current->fields, current->field_count);
}

/* A row: its section of RFC 9113, what it does, and the function that does it. */
#define CASE(sec, what, fn) .section = (sec), .name = (what), .run = (fn)
/* A row that sends these fields as a request on stream 1. */
#define REQUEST(sec, what, ...)                                                                              \
    .section = (sec), .name = (what), .run = run_request, .fields = (const h2r_header[]){__VA_ARGS__},       \
    .field_count = sizeof((const h2r_header[]){__VA_ARGS__}) / sizeof(h2r_header)
#define FLAGS(f)    .flags = (f)
#define OPTIONS(fn) .configure = (fn)

/* ---- §3.4 connection preface ---- */

static void preface_settings_first(struct conn *c)
{
    peer_preface(&c->p, NULL, 0);
    flush(c);
    CHECK_MSG(c->p.frame_count >= 1 && c->p.frames[0].h.type == H2R_FRAME_SETTINGS &&
                  !(c->p.frames[0].h.flags & H2R_FLAG_ACK),
              "§3.4: the server's first frame is SETTINGS");
    CHECK_MSG(peer_count(&c->p, H2R_FRAME_SETTINGS, 0) == 2 &&
                  (peer_nth(&c->p, H2R_FRAME_SETTINGS, 0, 1)->h.flags & H2R_FLAG_ACK),
              "§3.4: the client's SETTINGS are acknowledged");
    peer_settings_ack(&c->p);
}

static void preface_invalid(struct conn *c)
{
    peer_send(&c->p, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
}

static void preface_byte_by_byte(struct conn *c)
{
    const char *preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    for (size_t i = 0; i != 24; ++i) peer_send(&c->p, preface + i, 1);
    peer_settings(&c->p, NULL, 0);
    peer_settings_ack(&c->p);
}

static void preface_settings_ack_first(struct conn *c)
{
    peer_send(&c->p, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    peer_settings_ack(&c->p);
}

static void preface_without_settings(struct conn *c)
{
    peer_send(&c->p, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    ping(c, 0, 0, 8);
}

/* ---- §4.1 frame format ---- */

static void unknown_frame_type(struct conn *c)
{
    frame(c, 0xfa, 0xff, 0, "abc", 3);
    frame(c, 0xfb, 0, 1, "abc", 3); /* on an idle stream: does not open it */
    ping(c, 0, 0, 8);
    flush(c);
    CHECK_MSG(peer_count(&c->p, H2R_FRAME_PING, 0) == 1,
              "§4.1: frames of unknown type are ignored, PING answered");
}

static void unknown_flags(struct conn *c)
{
    ping(c, 0xfe, 0, 8);
    h2r_header fields[] = {GET_PSEUDO, F(":path", "/")};
    headers(c, 1, H2R_FLAG_END_STREAM | 0xd2, fields, COUNT(fields));
    flush(c);
    const struct peer_frame *ack = peer_find(&c->p, H2R_FRAME_PING, 0);
    CHECK_MSG(ack && ack->h.flags == H2R_FLAG_ACK,
              "§4.1: unknown flags ignored on receipt, left unset when sending");
    CHECK_MSG(peer_find(&c->p, H2R_FRAME_HEADERS, 1), "§4.1: HEADERS with unknown flags served");
}

static void reserved_bit(struct conn *c)
{
    uint8_t buf[9 + 256];
    size_t n = get_block(c, "/", buf + 9);
    h2r_frame_header_encode(buf, (uint32_t)n, H2R_FRAME_HEADERS, H2R_FLAG_END_HEADERS | H2R_FLAG_END_STREAM,
                            1);
    buf[5] |= 0x80;
    peer_send(&c->p, buf, 9 + n);
    flush(c);
    CHECK_MSG(peer_find(&c->p, H2R_FRAME_HEADERS, 1), "§4.1: the reserved bit is ignored: stream 1 served");
}

/* Sends the frames of a request with a body, one byte per read, then the whole lot again in one read. */
static void frames_split_and_joined(struct conn *c)
{
    uint8_t wire[2 * 9 + 256 + H2R_FRAME_MIN_MAX_SIZE];
    uint8_t block[256];
    size_t n = get_block(c, "/", block);
    h2r_frame_header_encode(wire, (uint32_t)n, H2R_FRAME_HEADERS, H2R_FLAG_END_HEADERS, 1);
    memcpy(wire + 9, block, n);
    h2r_frame_header_encode(wire + 9 + n, H2R_FRAME_MIN_MAX_SIZE, H2R_FRAME_DATA, H2R_FLAG_END_STREAM, 1);
    memset(wire + 18 + n, 'x', H2R_FRAME_MIN_MAX_SIZE);
    size_t len = 18 + n + H2R_FRAME_MIN_MAX_SIZE;
    for (size_t i = 0; i != len; ++i) peer_send(&c->p, wire + i, 1);
    flush(c);
    CHECK_MSG(peer_find(&c->p, H2R_FRAME_HEADERS, 1), "§4.1: frames split into single bytes are reassembled");
    n = get_block(c, "/", block); /* the same request again: its block now refers to the dynamic table */
    h2r_frame_header_encode(wire, (uint32_t)n, H2R_FRAME_HEADERS, H2R_FLAG_END_HEADERS, 3);
    memcpy(wire + 9, block, n);
    h2r_frame_header_encode(wire + 9 + n, H2R_FRAME_MIN_MAX_SIZE, H2R_FRAME_DATA, H2R_FLAG_END_STREAM, 3);
    memset(wire + 18 + n, 'x', H2R_FRAME_MIN_MAX_SIZE);
    len = 18 + n + H2R_FRAME_MIN_MAX_SIZE;
    peer_send(&c->p, wire, 7);
    peer_send(&c->p, wire + 7, len - 7 - 100);
    peer_send(&c->p, wire + len - 100, 100);
    flush(c);
    CHECK_MSG(peer_find(&c->p, H2R_FRAME_HEADERS, 3), "§4.1: frames split at odd places are reassembled");
}

/* ---- §4.2 frame size ---- */

static void data_max_size(struct conn *c)
{
    get(c, 1, "/", 0);
    data(c, 1, H2R_FLAG_END_STREAM, H2R_FRAME_MIN_MAX_SIZE);
    flush(c);
    CHECK_MSG(peer_find(&c->p, H2R_FRAME_HEADERS, 1), "§4.2: a 16384-byte DATA frame is taken");
}

static void data_too_large(struct conn *c)
{
    get(c, 1, "/", 0);
    data(c, 1, 0, H2R_FRAME_MIN_MAX_SIZE + 1);
}

static void headers_too_large(struct conn *c)
{
    frame(c, H2R_FRAME_HEADERS, H2R_FLAG_END_HEADERS, 1, zeros, H2R_FRAME_MIN_MAX_SIZE + 1);
}

static void headers_too_small(struct conn *c)
{
    frame(c, H2R_FRAME_HEADERS, H2R_FLAG_END_HEADERS | H2R_FLAG_PRIORITY, 1, zeros, 4);
}

static void data_padded_empty(struct conn *c)
{
    get(c, 1, "/", 0);
    frame(c, H2R_FRAME_DATA, H2R_FLAG_PADDED, 1, NULL, 0);
}

static void response_split_to_frame_size(struct conn *c)
{
    get(c, 1, "/big", 1);
    flush(c);
    const struct peer_frame *h = peer_find(&c->p, H2R_FRAME_HEADERS, 1);
    const char *v = peer_field(h, "x-big");
    CHECK_MSG(peer_find(&c->p, H2R_FRAME_CONTINUATION, 1) && v && strlen(v) == sizeof(big_value),
              "§4.2: a 40000-byte header goes out as HEADERS + CONTINUATION within 16384-byte frames");
}

/* ---- §4.3 field section compression ---- */

static void invalid_field_block(struct conn *c)
{
    frame(c, H2R_FRAME_HEADERS, H2R_FLAG_END_HEADERS | H2R_FLAG_END_STREAM, 1, "\x80", 1); /* index 0 */
}

static void table_size_update_too_large(struct conn *c)
{
    frame(c, H2R_FRAME_HEADERS, H2R_FLAG_END_HEADERS | H2R_FLAG_END_STREAM, 1, "\x3f\xe2\x1f", 3); /* 4097 */
}

/* Opens a field block on stream 1 with HEADERS without END_HEADERS. */
static void open_block(struct conn *c)
{
    uint8_t buf[256];
    size_t n = get_block(c, "/", buf);
    frame(c, H2R_FRAME_HEADERS, H2R_FLAG_END_STREAM, 1, buf, n);
}

static void priority_in_block(struct conn *c)
{
    open_block(c);
    peer_priority(&c->p, 1, 0, 16, 0);
}

static void headers_in_block(struct conn *c)
{
    open_block(c);
    get(c, 3, "/", 1);
}

static void data_in_block(struct conn *c)
{
    open_block(c);
    data(c, 1, 0, 1);
}

static void peer_table_size_zero(struct conn *c)
{
    setting(c, H2R_SETTINGS_HEADER_TABLE_SIZE, 0);
    h2r_hpack_decoder_set_max_table_size(&c->p.dec, 0);
    get(c, 1, "/", 1);
    flush(c);
    const struct peer_frame *h = peer_find(&c->p, H2R_FRAME_HEADERS, 1);
    CHECK_MSG(h && h->hpack_error == 0 && h->h.length >= 1 && (h->payload[0] & 0xe0) == 0x20,
              "§4.3.1: after SETTINGS_HEADER_TABLE_SIZE 0 the next block starts with a size update");
}

static void table_size_zero(h2r_session_options *o)
{
    o->settings.header_table_size = 0;
}

static void reduced_table_without_update(struct conn *c)
{
    get(c, 1, "/", 1); /* the peer's encoder knows nothing of the reduction */
}

static void reduced_table_with_update(struct conn *c)
{
    h2r_hpack_encoder_set_peer_max_table_size(&c->p.enc, 0);
    get(c, 1, "/", 1);
}

/* A request with x-check: value, which the peer's encoder indexes, so that the next one refers to it. */
static void request_with_check(struct conn *c, uint32_t id, const char *path, const char *value)
{
    h2r_header fields[] = {GET_PSEUDO,
                           {.name = ":path", .name_len = 5, .value = path, .value_len = strlen(path)},
                           {.name = "x-check", .name_len = 7, .value = value, .value_len = strlen(value)}};
    headers(c, id, H2R_FLAG_END_STREAM, fields, COUNT(fields));
}

static void hpack_state_kept_refused(struct conn *c)
{
    get(c, 1, "/hold", 0);
    request_with_check(c, 3, "/", "refused"); /* refused: over the limit of 1 */
    peer_rst_stream(&c->p, 1, H2R_CANCEL);
    request_with_check(c, 5, "/", "refused");
    flush(c);
    CHECK_MSG(strcmp(c->app.x_check, "refused") == 0,
              "§4.3: the block of a refused stream was decoded (HPACK in step)");
}

static void max_streams_1(h2r_session_options *o)
{
    o->settings.max_concurrent_streams = 1;
}

static void hpack_state_kept_reset(struct conn *c)
{
    get(c, 1, "/reset", 0);
    h2r_header fields[] = {F("x-check", "after-reset")};
    headers(c, 1, H2R_FLAG_END_STREAM, fields, 1); /* trailers on a stream we reset: ignored */
    request_with_check(c, 3, "/", "after-reset");
    flush(c);
    CHECK_MSG(strcmp(c->app.x_check, "after-reset") == 0,
              "§5.1: a block on a stream we reset is still decoded (HPACK in step)");
}

static void hpack_state_kept_malformed(struct conn *c)
{
    h2r_header fields[] = {GET_PSEUDO, F(":path", "/"), F("x-check", "malformed"), F("Upper", "x")};
    headers(c, 1, H2R_FLAG_END_STREAM, fields, COUNT(fields));
    request_with_check(c, 3, "/", "malformed");
    flush(c);
    CHECK_MSG(strcmp(c->app.x_check, "malformed") == 0 && !app_saw(&c->app, 1),
              "§8.1.1: a malformed request is decoded (HPACK in step) and never reaches the application");
}

/* ---- §5.1 stream states ---- */

static void idle_data(struct conn *c)
{
    data(c, 1, 0, 4);
}

static void idle_rst_stream(struct conn *c)
{
    peer_rst_stream(&c->p, 1, H2R_CANCEL);
}

static void idle_window_update(struct conn *c)
{
    peer_window_update(&c->p, 1, 100);
}

static void idle_continuation(struct conn *c)
{
    uint8_t buf[256];
    frame(c, H2R_FRAME_CONTINUATION, H2R_FLAG_END_HEADERS, 1, buf, get_block(c, "/", buf));
}

static void idle_priority(struct conn *c)
{
    peer_priority(&c->p, 1, 0, 16, 0);
    peer_priority(&c->p, 3, 1, 200, 1);
}

static void half_closed_data(struct conn *c)
{
    get(c, 1, "/hold", 1);
    data(c, 1, 0, 4);
}

static void half_closed_headers(struct conn *c)
{
    get(c, 1, "/hold", 1);
    trailers(c, 1, 1);
}

static void half_closed_continuation(struct conn *c)
{
    get(c, 1, "/hold", 1);
    frame(c, H2R_FRAME_CONTINUATION, H2R_FLAG_END_HEADERS, 1, "\x82", 1);
}

static void half_closed_allowed(struct conn *c)
{
    get(c, 1, "/hold", 1);
    peer_window_update(&c->p, 1, 100);
    peer_priority(&c->p, 1, 0, 32, 0);
    flush(c);
    CHECK_MSG(c->app.held && h2r_stream_respond(c->app.held, NULL, 0, H2R_RESPOND_END_STREAM) == 0,
              "§5.1: WINDOW_UPDATE and PRIORITY leave a half-closed (remote) stream usable");
}

static void half_closed_rst(struct conn *c)
{
    get(c, 1, "/hold", 1);
    peer_rst_stream(&c->p, 1, H2R_CANCEL);
    flush(c);
    CHECK_MSG(c->app.aborted == 1 && c->app.last_close_id == 1 && c->app.last_close_code == H2R_CANCEL,
              "§5.1: RST_STREAM closes a half-closed (remote) stream: aborted, rstCode CANCEL");
}

static void closed_data(struct conn *c)
{
    get(c, 1, "/", 1);
    data(c, 1, H2R_FLAG_END_STREAM, 4);
}

static void closed_headers(struct conn *c)
{
    get(c, 1, "/", 1);
    trailers(c, 1, 1);
}

static void closed_continuation(struct conn *c)
{
    get(c, 1, "/", 1);
    frame(c, H2R_FRAME_CONTINUATION, H2R_FLAG_END_HEADERS, 1, "\x82", 1);
}

static void peer_reset_data(struct conn *c)
{
    get(c, 1, "/hold", 0);
    peer_rst_stream(&c->p, 1, H2R_CANCEL);
    data(c, 1, 0, 4);
}

static void peer_reset_headers(struct conn *c)
{
    get(c, 1, "/hold", 0);
    peer_rst_stream(&c->p, 1, H2R_CANCEL);
    trailers(c, 1, 1);
}

static void our_reset_ignores(struct conn *c)
{
    get(c, 1, "/reset", 0);
    data(c, 1, 0, 100);
    trailers(c, 1, 1);
    peer_window_update(&c->p, 1, 100);
    peer_rst_stream(&c->p, 1, H2R_CANCEL);
    peer_priority(&c->p, 1, 0, 16, 0);
}

static void our_reset_counts_data(struct conn *c)
{
    get(c, 1, "/reset", 0);
    for (int i = 0; i != 3; ++i) data(c, 1, 0, 16000);
    flush(c);
    CHECK_MSG(peer_count(&c->p, H2R_FRAME_WINDOW_UPDATE, 0) >= 1,
              "§6.9: DATA on a stream we reset still counts toward the connection window (credit returned)");
}

static void min_connection_window(h2r_session_options *o)
{
    o->connection_window_size = 65535;
}

static void closed_window_update(struct conn *c)
{
    get(c, 1, "/", 1);
    peer_window_update(&c->p, 1, 100);
}

static void closed_rst_stream(struct conn *c)
{
    get(c, 1, "/", 1);
    peer_rst_stream(&c->p, 1, H2R_CANCEL);
}

static void closed_priority(struct conn *c)
{
    get(c, 1, "/", 1);
    peer_priority(&c->p, 1, 0, 16, 0);
}

static void reserved_data(struct conn *c)
{
    get(c, 1, "/push", 1);
    data(c, 2, 0, 4);
}

static void reserved_allowed(struct conn *c)
{
    get(c, 1, "/push", 1);
    peer_window_update(&c->p, 2, 100);
    peer_priority(&c->p, 2, 0, 16, 0);
    flush(c);
    CHECK_MSG(c->app.pushed && peer_find(&c->p, H2R_FRAME_PUSH_PROMISE, 1),
              "§5.1: reserved (local): WINDOW_UPDATE and PRIORITY allowed");
    peer_rst_stream(&c->p, 2, H2R_CANCEL);
    flush(c);
    CHECK_MSG(!c->app.pushed && c->app.last_close_id == 2 && c->app.last_close_code == H2R_CANCEL,
              "§5.1: reserved (local): RST_STREAM closes it");
}

static void pushed_half_closed_data(struct conn *c)
{
    get(c, 1, "/push", 1);
    flush(c);
    CHECK(c->app.pushed && h2r_stream_respond(c->app.pushed, NULL, 0, 0) == 0);
    data(c, 2, 0, 4);
}

/* ---- §5.1.1 stream identifiers ---- */

static void even_stream_id(struct conn *c)
{
    get(c, 2, "/", 1);
}

static void lower_stream_id(struct conn *c)
{
    get(c, 5, "/", 1);
    get(c, 3, "/", 1);
}

static void skipped_id_is_closed(struct conn *c)
{
    get(c, 5, "/", 1);
    data(c, 3, 0, 4);
}

/* ---- §5.1.2 stream concurrency ---- */

static void over_concurrency_limit(struct conn *c)
{
    get(c, 1, "/hold", 0);
    get(c, 3, "/", 1);
    flush(c);
    CHECK_MSG(!app_saw(&c->app, 3), "§5.1.2: the refused stream never reaches the application");
}

static void half_closed_counts(struct conn *c)
{
    get(c, 1, "/hold", 1);
    get(c, 3, "/", 1);
}

static void closed_frees_slot(struct conn *c)
{
    get(c, 1, "/", 1);
    get(c, 3, "/", 1);
    flush(c);
    CHECK_MSG(peer_find(&c->p, H2R_FRAME_HEADERS, 3), "§5.1.2: a closed stream no longer counts");
}

/* ---- §5.3 priority (RFC 7540 §5.3.1, retained) ---- */

static void headers_depends_on_itself(struct conn *c)
{
    uint8_t buf[5 + 256] = {0, 0, 0, 1, 15};
    size_t n = get_block(c, "/", buf + 5);
    frame(c, H2R_FRAME_HEADERS, H2R_FLAG_END_HEADERS | H2R_FLAG_END_STREAM | H2R_FLAG_PRIORITY, 1, buf,
          5 + n);
    flush(c);
    CHECK_MSG(!app_saw(&c->app, 1), "§5.3.1: the self-dependent request never reaches the application");
}

static void priority_depends_on_itself(struct conn *c)
{
    get(c, 1, "/hold", 0);
    peer_priority(&c->p, 1, 1, 16, 0);
    flush(c);
    CHECK_MSG(c->app.last_close_id == 1 && c->app.last_close_code == H2R_PROTOCOL_ERROR,
              "§5.3.1: the stream is closed with PROTOCOL_ERROR");
}

static void priority_on_itself_idle(struct conn *c)
{
    peer_priority(&c->p, 3, 3, 16, 0);
}

/* ---- §5.4 error handling ---- */

static void goaway_last_processed(struct conn *c)
{
    get(c, 1, "/", 1);
    get(c, 3, "/hold", 0);
    ping(c, 0, 0, 7);
    flush(c);
    CHECK_MSG(c->app.session_closed == 1 && c->app.aborted == 1,
              "§5.4.1: the connection closes after GOAWAY; open streams are aborted");
}

static void goaway_never_raises_last(struct conn *c)
{
    get(c, 1, "/hold", 0);
    h2r_session_close(c->p.session);
    flush(c);
    CHECK_MSG(peer_count(&c->p, H2R_FRAME_GOAWAY, 0) == 1 && peer_got_goaway(&c->p, H2R_NO_ERROR),
              "§6.8: graceful close sends GOAWAY(NO_ERROR)");
    peer_ack_pings(&c->p); /* the round trip after which the real last stream id is named */
    flush(c);
    const struct peer_frame *last = peer_nth(&c->p, H2R_FRAME_GOAWAY, 0, 1);
    CHECK_MSG(last && peer_u32(last->payload) == 1, "§6.8: then a GOAWAY naming stream 1");
    clear(c);
    get(c, 3, "/", 1); /* after our GOAWAY: not processed */
    ping(c, 0, 0, 7);  /* then a connection error */
}

static void no_rst_for_rst(struct conn *c)
{
    get(c, 1, "/reset", 0);
    peer_rst_stream(&c->p, 1, H2R_CANCEL);
    peer_rst_stream(&c->p, 1, H2R_PROTOCOL_ERROR);
}

/* ---- §5.5 extensions ---- */

static void unknown_frame_in_block(struct conn *c)
{
    open_block(c);
    frame(c, 0xfa, 0, 1, "abc", 3);
}

static void unknown_setting(struct conn *c)
{
    setting(c, 0xfafa, 12345);
    flush(c);
    const struct peer_frame *ack = peer_find(&c->p, H2R_FRAME_SETTINGS, 0);
    CHECK_MSG(ack && ack->h.flags == H2R_FLAG_ACK, "§6.5.2: unknown settings are ignored and acknowledged");
}

static void unknown_error_codes(struct conn *c)
{
    get(c, 1, "/hold", 0);
    peer_rst_stream(&c->p, 1, 0xdeadbeef);
    uint8_t goaway[8] = {0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef};
    frame(c, H2R_FRAME_GOAWAY, 0, 0, goaway, 8);
    flush(c);
    CHECK_MSG(c->app.last_close_code == 0xdeadbeef && c->app.goaway_code == 0xdeadbeef,
              "§7: unknown error codes are passed on, nothing special happens");
}

/* ---- §6.1 DATA ---- */

static void data_stream_0(struct conn *c)
{
    data(c, 0, 0, 4);
}

static void data_padding_too_long(struct conn *c)
{
    get(c, 1, "/", 0);
    uint8_t payload[5] = {5, 'a', 'b', 'c', 'd'};
    frame(c, H2R_FRAME_DATA, H2R_FLAG_PADDED | H2R_FLAG_END_STREAM, 1, payload, 5);
}

static void data_padding_fills(struct conn *c)
{
    get(c, 1, "/", 0);
    uint8_t payload[5] = {4, 0, 0, 0, 0};
    frame(c, H2R_FRAME_DATA, H2R_FLAG_PADDED | H2R_FLAG_END_STREAM, 1, payload, 5);
    flush(c);
    CHECK_MSG(peer_find(&c->p, H2R_FRAME_HEADERS, 1),
              "§6.1: padding as long as the rest of the payload is valid");
}

static void response_padding(struct conn *c)
{
    get(c, 1, "/body", 1);
    flush(c);
    const struct peer_frame *d = peer_find(&c->p, H2R_FRAME_DATA, 1);
    CHECK_MSG(d && (d->h.flags & H2R_FLAG_PADDED), "§6.1: padded DATA sent (padding octets checked as zero)");
}

static void padding_max(h2r_session_options *o)
{
    o->padding_strategy = H2R_PADDING_MAX;
}

/* ---- §6.2 HEADERS ---- */

static void headers_stream_0(struct conn *c)
{
    get(c, 0, "/", 1);
}

static void headers_padding_too_long(struct conn *c)
{
    uint8_t buf[1 + 256] = {0};
    size_t n = get_block(c, "/", buf + 1);
    buf[0] = (uint8_t)(n + 1);
    frame(c, H2R_FRAME_HEADERS, H2R_FLAG_END_HEADERS | H2R_FLAG_END_STREAM | H2R_FLAG_PADDED, 1, buf, 1 + n);
}

static void headers_priority_and_padding(struct conn *c)
{
    uint8_t buf[1 + 5 + 256 + 8] = {8, 0x80, 0, 0, 0, 200};
    size_t n = get_block(c, "/", buf + 6);
    frame(c, H2R_FRAME_HEADERS,
          H2R_FLAG_END_HEADERS | H2R_FLAG_END_STREAM | H2R_FLAG_PADDED | H2R_FLAG_PRIORITY, 1, buf,
          6 + n + 8);
    flush(c);
    CHECK_MSG(peer_find(&c->p, H2R_FRAME_HEADERS, 1),
              "§6.2: HEADERS with priority fields and padding served");
}

static void headers_depends_on_idle(struct conn *c)
{
    uint8_t buf[5 + 256] = {0, 0, 0, 9, 15};
    size_t n = get_block(c, "/", buf + 5);
    frame(c, H2R_FRAME_HEADERS, H2R_FLAG_END_HEADERS | H2R_FLAG_END_STREAM | H2R_FLAG_PRIORITY, 1, buf,
          5 + n);
    flush(c);
    CHECK_MSG(peer_find(&c->p, H2R_FRAME_HEADERS, 1), "§5.3: a dependency on an idle stream is no error");
}

/* ---- §6.3 PRIORITY ---- */

static void priority_stream_0(struct conn *c)
{
    peer_priority(&c->p, 0, 1, 16, 0);
}

static void priority_bad_length_idle(struct conn *c)
{
    frame(c, H2R_FRAME_PRIORITY, 0, 1, zeros, 4);
}

static void priority_bad_length_open(struct conn *c)
{
    get(c, 1, "/hold", 0);
    frame(c, H2R_FRAME_PRIORITY, 0, 1, zeros, 6);
    flush(c);
    CHECK_MSG(c->app.closes == 1 && c->app.last_close_id == 1 &&
                  c->app.last_close_code == H2R_FRAME_SIZE_ERROR,
              "§6.3: the stream reset for a bad PRIORITY is closed (rstCode FRAME_SIZE_ERROR)");
}

static void priority_then_headers(struct conn *c)
{
    peer_priority(&c->p, 1, 0, 100, 0);
    get(c, 1, "/", 1);
    flush(c);
    CHECK_MSG(peer_find(&c->p, H2R_FRAME_HEADERS, 1),
              "§6.3: PRIORITY does not open a stream; HEADERS then does");
}

/* ---- §6.4 RST_STREAM ---- */

static void rst_stream_0(struct conn *c)
{
    peer_rst_stream(&c->p, 0, H2R_CANCEL);
}

static void rst_bad_length(struct conn *c)
{
    get(c, 1, "/hold", 0);
    frame(c, H2R_FRAME_RST_STREAM, 0, 1, zeros, 3);
}

static void nothing_after_peer_reset(struct conn *c)
{
    setting(c, H2R_SETTINGS_INITIAL_WINDOW_SIZE, 0);
    get(c, 1, "/body", 1);
    flush(c);
    peer_rst_stream(&c->p, 1, H2R_CANCEL);
    setting(c, H2R_SETTINGS_INITIAL_WINDOW_SIZE, 65535);
    flush(c);
    CHECK_MSG(peer_find(&c->p, H2R_FRAME_HEADERS, 1) && peer_count(&c->p, H2R_FRAME_DATA, 1) == 0,
              "§6.4: after the peer's RST_STREAM no more frames on the stream (queued DATA dropped)");
}

/* ---- §6.5 SETTINGS ---- */

static void settings_ack_with_payload(struct conn *c)
{
    frame(c, H2R_FRAME_SETTINGS, H2R_FLAG_ACK, 0, zeros, 6);
}

static void settings_on_stream(struct conn *c)
{
    frame(c, H2R_FRAME_SETTINGS, 0, 1, zeros, 0);
}

static void settings_bad_length(struct conn *c)
{
    frame(c, H2R_FRAME_SETTINGS, 0, 0, zeros, 5);
}

static void settings_enable_push_2(struct conn *c)
{
    setting(c, H2R_SETTINGS_ENABLE_PUSH, 2);
}

static void settings_window_too_large(struct conn *c)
{
    setting(c, H2R_SETTINGS_INITIAL_WINDOW_SIZE, 0x80000000u);
}

static void settings_frame_size_too_small(struct conn *c)
{
    setting(c, H2R_SETTINGS_MAX_FRAME_SIZE, 16383);
}

static void settings_frame_size_too_large(struct conn *c)
{
    setting(c, H2R_SETTINGS_MAX_FRAME_SIZE, 1u << 24);
}

static void settings_acknowledged(struct conn *c)
{
    setting(c, H2R_SETTINGS_MAX_CONCURRENT_STREAMS, 10);
    flush(c);
    const struct peer_frame *ack = peer_find(&c->p, H2R_FRAME_SETTINGS, 0);
    CHECK_MSG(peer_count(&c->p, H2R_FRAME_SETTINGS, 0) == 1 && ack->h.flags == H2R_FLAG_ACK &&
                  ack->h.length == 0,
              "§6.5.3: SETTINGS answered by one empty SETTINGS ACK");
}

static void settings_in_order(struct conn *c)
{
    struct h2r_setting list[] = {{H2R_SETTINGS_INITIAL_WINDOW_SIZE, 100},
                                 {H2R_SETTINGS_INITIAL_WINDOW_SIZE, 1}};
    peer_settings(&c->p, list, 2);
    get(c, 1, "/body", 1);
    flush(c);
    int ended;
    CHECK_MSG(peer_data_bytes(&c->p, 1, &ended) == 1 && !ended,
              "§6.5.3: values processed in order: the last wins");
}

static void server_never_enables_push(struct conn *c)
{
    h2r_settings s = *h2r_session_local_settings(c->p.session);
    s.enable_push = 1;
    CHECK(h2r_session_settings(c->p.session, &s) == 0);
    flush(c);
    peer_settings_ack(&c->p);
}

static void push_disabled(h2r_session_options *o)
{
    o->settings.enable_push = 0;
}

static void settings_timeout(struct conn *c)
{
    h2r_settings s = *h2r_session_local_settings(c->p.session);
    s.max_concurrent_streams = 5;
    h2r_session_settings(c->p.session, &s);
    h2r_session_settings_timeout(c->p.session);
}

static void unexpected_settings_ack(struct conn *c)
{
    peer_settings_ack(&c->p);
}

/* ---- §6.7 PING ---- */

static void ping_answered(struct conn *c)
{
    ping(c, 0, 0, 8);
    flush(c);
    const struct peer_frame *ack = peer_find(&c->p, H2R_FRAME_PING, 0);
    CHECK_MSG(peer_count(&c->p, H2R_FRAME_PING, -1) == 1 && ack->h.flags == H2R_FLAG_ACK &&
                  ack->h.length == 8 && memcmp(ack->payload, "h2ring-p", 8) == 0,
              "§6.7: PING answered with an ACK carrying the same payload");
}

static void ping_ack_not_answered(struct conn *c)
{
    ping(c, H2R_FLAG_ACK, 0, 8);
    flush(c);
    CHECK_MSG(peer_count(&c->p, H2R_FRAME_PING, -1) == 0, "§6.7: a PING ACK is not answered");
}

static void ping_on_stream(struct conn *c)
{
    ping(c, 0, 1, 8);
}

static void ping_bad_length(struct conn *c)
{
    ping(c, 0, 0, 9);
}

/* ---- §6.8 GOAWAY ---- */

static void goaway_on_stream(struct conn *c)
{
    frame(c, H2R_FRAME_GOAWAY, 0, 1, zeros, 8);
}

static void goaway_too_short(struct conn *c)
{
    frame(c, H2R_FRAME_GOAWAY, 0, 0, zeros, 7);
}

static void peer_goaway_no_push(struct conn *c)
{
    get(c, 1, "/hold", 1);
    frame(c, H2R_FRAME_GOAWAY, 0, 0, zeros, 8);
    flush(c);
    h2r_stream *pushed = NULL;
    h2r_header path = F(":path", "/pushed");
    CHECK_MSG(c->app.held && h2r_stream_push(c->app.held, &path, 1, &pushed) == H2R_ERR_PUSH_DISABLED &&
                  !pushed,
              "§6.8: after the peer's GOAWAY no stream is opened (no push)");
    h2r_stream_respond(c->app.held, NULL, 0, H2R_RESPOND_END_STREAM);
    flush(c);
    CHECK_MSG(peer_count(&c->p, H2R_FRAME_PUSH_PROMISE, -1) == 0 && peer_find(&c->p, H2R_FRAME_HEADERS, 1),
              "§6.8: streams up to the peer's last stream id still complete");
}

static void streams_after_our_goaway(struct conn *c)
{
    get(c, 1, "/hold", 0);
    h2r_session_close(c->p.session);
    flush(c);
    const struct peer_frame *first = peer_find(&c->p, H2R_FRAME_GOAWAY, 0);
    CHECK_MSG(first && peer_u32(first->payload) == H2R_STREAM_ID_MASK &&
                  peer_u32(first->payload + 4) == H2R_NO_ERROR,
              "§6.8: graceful close first sends GOAWAY(2^31-1, NO_ERROR)");
    peer_ack_pings(&c->p);
    flush(c);
    const struct peer_frame *last = peer_nth(&c->p, H2R_FRAME_GOAWAY, 0, 1);
    CHECK_MSG(last && peer_u32(last->payload) == 1, "§6.8: one round trip later, a GOAWAY naming stream 1");
    clear(c);
    /* A request the client sent before it saw the GOAWAY: ignored, but every frame of it is legal. */
    get(c, 3, "/", 0);
    data(c, 3, 0, 10);
    trailers(c, 3, 1);
    peer_window_update(&c->p, 3, 10);
    data(c, 1, H2R_FLAG_END_STREAM, 10); /* stream 1 goes on */
    flush(c);
    CHECK_MSG(!app_saw(&c->app, 3) && !peer_find(&c->p, H2R_FRAME_HEADERS, 3),
              "§6.8: a stream above the last stream id is not processed");
    CHECK_MSG(c->app.held && h2r_stream_respond(c->app.held, NULL, 0, H2R_RESPOND_END_STREAM) == 0,
              "§6.8: a stream below it completes");
    flush(c);
    CHECK_MSG(c->app.session_closed == 1, "§6.8: the session is done once the last stream ends");
}

/* ---- §6.9 WINDOW_UPDATE ---- */

static void window_update_zero_stream(struct conn *c)
{
    get(c, 1, "/hold", 0);
    peer_window_update(&c->p, 1, 0);
}

static void window_update_zero_connection(struct conn *c)
{
    peer_window_update(&c->p, 0, 0);
}

static void window_update_bad_length(struct conn *c)
{
    frame(c, H2R_FRAME_WINDOW_UPDATE, 0, 0, zeros, 3);
}

static void window_overflow_stream(struct conn *c)
{
    get(c, 1, "/hold", 0);
    peer_window_update(&c->p, 1, 0x7fffffffu - 65535);
    peer_window_update(&c->p, 1, 1);
}

static void window_overflow_connection(struct conn *c)
{
    peer_window_update(&c->p, 0, 0x7fffffffu - 65535);
    peer_window_update(&c->p, 0, 1);
}

static void window_update_reserved_bit(struct conn *c)
{
    setting(c, H2R_SETTINGS_INITIAL_WINDOW_SIZE, 0);
    get(c, 1, "/body", 1);
    uint8_t inc[4] = {0x80, 0, 0, 10};
    frame(c, H2R_FRAME_WINDOW_UPDATE, 0, 1, inc, 4);
    flush(c);
    int ended;
    CHECK_MSG(peer_data_bytes(&c->p, 1, &ended) == 10 && ended,
              "§6.9: the reserved bit of the increment is ignored");
}

static void data_over_stream_window(struct conn *c)
{
    get(c, 1, "/", 0);
    data(c, 1, 0, 101);
}

static void small_stream_window(h2r_session_options *o)
{
    o->settings.initial_window_size = 100;
}

static void padding_counts_in_window(struct conn *c)
{
    get(c, 1, "/", 0);
    uint8_t payload[101] = {10};
    frame(c, H2R_FRAME_DATA, H2R_FLAG_PADDED, 1, payload, sizeof(payload)); /* 90 bytes of data + 11 */
}

static void data_over_connection_window(struct conn *c)
{
    get(c, 1, "/", 0);
    data(c, 1, 0, 65536);
}

static void big_frames_small_connection_window(h2r_session_options *o)
{
    o->connection_window_size = 65535;
    o->settings.initial_window_size = 1u << 20;
    o->settings.max_frame_size = 65536;
}

/* ---- §6.9.1, §6.9.2 windows ---- */

static void initial_window_1(struct conn *c)
{
    setting(c, H2R_SETTINGS_INITIAL_WINDOW_SIZE, 1);
    get(c, 1, "/body", 1);
    flush(c);
    int ended;
    CHECK_MSG(peer_data_bytes(&c->p, 1, &ended) == 1 && !ended, "§6.9.1: a window of 1 lets 1 byte through");
    peer_window_update(&c->p, 1, 9);
    flush(c);
    CHECK_MSG(peer_data_bytes(&c->p, 1, &ended) == 10 && ended,
              "§6.9.1: WINDOW_UPDATE lets the rest through");
}

static void initial_window_change(struct conn *c)
{
    setting(c, H2R_SETTINGS_INITIAL_WINDOW_SIZE, 0);
    get(c, 1, "/body", 1);
    flush(c);
    int ended;
    CHECK_MSG(peer_data_bytes(&c->p, 1, &ended) == 0, "§6.9.2: a window of 0 holds DATA back");
    setting(c, H2R_SETTINGS_INITIAL_WINDOW_SIZE, 5);
    flush(c);
    CHECK_MSG(peer_data_bytes(&c->p, 1, &ended) == 5 && !ended,
              "§6.9.2: a new SETTINGS_INITIAL_WINDOW_SIZE applies to open streams");
}

static void negative_window(struct conn *c)
{
    setting(c, H2R_SETTINGS_INITIAL_WINDOW_SIZE, 3);
    get(c, 1, "/body", 1);
    flush(c);
    setting(c, H2R_SETTINGS_INITIAL_WINDOW_SIZE, 1); /* window 1 - 3 = -2 */
    peer_window_update(&c->p, 1, 2);                 /* 0 */
    flush(c);
    int ended;
    CHECK_MSG(peer_data_bytes(&c->p, 1, &ended) == 3,
              "§6.9.2: nothing sent while the window is negative or 0");
    peer_window_update(&c->p, 1, 1);
    flush(c);
    CHECK_MSG(peer_data_bytes(&c->p, 1, &ended) == 4, "§6.9.2: one byte once it is 1");
}

static void initial_window_overflow(struct conn *c)
{
    get(c, 1, "/hold", 0);
    peer_window_update(&c->p, 1, 0x7fffffffu - 65535);
    setting(c, H2R_SETTINGS_INITIAL_WINDOW_SIZE, 65536);
}

/* Lowers our initial window to 10 while the peer has 40 bytes in: its stream window goes to -30. */
static void lower_our_window(struct conn *c)
{
    get(c, 1, "/hold", 0);
    data(c, 1, 0, 40);
    h2r_settings s = *h2r_session_local_settings(c->p.session);
    s.initial_window_size = 10;
    h2r_session_settings(c->p.session, &s);
    flush(c);
}

static void our_window_before_ack(struct conn *c)
{
    lower_our_window(c);
    data(c, 1, 0, 60); /* within the old window: the peer has not seen the new one yet */
    flush(c);
    CHECK_MSG(peer_count(&c->p, H2R_FRAME_RST_STREAM, -1) == 0,
              "§6.9.3: data within the old window before the ACK");
    peer_settings_ack(&c->p);
}

static void our_negative_window(struct conn *c)
{
    lower_our_window(c);
    peer_settings_ack(&c->p);
    data(c, 1, 0, 1);
}

/* ---- §6.10 CONTINUATION ---- */

static void continuation_served(struct conn *c)
{
    uint8_t buf[256];
    size_t n = get_block(c, "/", buf);
    frame(c, H2R_FRAME_HEADERS, H2R_FLAG_END_STREAM, 1, buf, 2);
    frame(c, H2R_FRAME_CONTINUATION, 0, 1, buf + 2, 1);
    frame(c, H2R_FRAME_CONTINUATION, H2R_FLAG_END_HEADERS, 1, buf + 3, n - 3);
    flush(c);
    CHECK_MSG(peer_find(&c->p, H2R_FRAME_HEADERS, 1), "§6.10: HEADERS + CONTINUATION + CONTINUATION served");
}

static void continuation_other_stream(struct conn *c)
{
    uint8_t buf[256];
    size_t n = get_block(c, "/", buf);
    frame(c, H2R_FRAME_HEADERS, H2R_FLAG_END_STREAM, 1, buf, 2);
    frame(c, H2R_FRAME_CONTINUATION, H2R_FLAG_END_HEADERS, 3, buf + 2, n - 2);
}

static void continuation_after_end_headers(struct conn *c)
{
    get(c, 1, "/hold", 0);
    frame(c, H2R_FRAME_CONTINUATION, H2R_FLAG_END_HEADERS, 1, "\x82", 1);
}

static void continuation_stream_0(struct conn *c)
{
    uint8_t buf[256];
    size_t n = get_block(c, "/", buf);
    frame(c, H2R_FRAME_HEADERS, H2R_FLAG_END_STREAM, 1, buf, 2);
    frame(c, H2R_FRAME_CONTINUATION, H2R_FLAG_END_HEADERS, 0, buf + 2, n - 2);
}

static void continuation_after_continuation_end(struct conn *c)
{
    uint8_t buf[256];
    size_t n = get_block(c, "/", buf);
    frame(c, H2R_FRAME_HEADERS, H2R_FLAG_END_STREAM, 1, buf, 2);
    frame(c, H2R_FRAME_CONTINUATION, H2R_FLAG_END_HEADERS, 1, buf + 2, n - 2);
    frame(c, H2R_FRAME_CONTINUATION, H2R_FLAG_END_HEADERS, 1, "\x82", 1);
}

static void continuation_after_data(struct conn *c)
{
    get(c, 1, "/", 0);
    data(c, 1, 0, 4);
    frame(c, H2R_FRAME_CONTINUATION, H2R_FLAG_END_HEADERS, 1, "\x82", 1);
}

/* ---- §8.1 message framing ---- */

static void content_length_short(struct conn *c)
{
    h2r_header fields[] = {GET_PSEUDO, F(":path", "/"), F("content-length", "10")};
    headers(c, 1, 0, fields, COUNT(fields));
    data(c, 1, 0, 5);
    data(c, 1, H2R_FLAG_END_STREAM, 4);
}

static void content_length_long(struct conn *c)
{
    h2r_header fields[] = {GET_PSEUDO, F(":path", "/"), F("content-length", "10")};
    headers(c, 1, 0, fields, COUNT(fields));
    data(c, 1, 0, 6);
    data(c, 1, H2R_FLAG_END_STREAM, 6);
}

static void content_length_matches(struct conn *c)
{
    h2r_header fields[] = {GET_PSEUDO, F(":path", "/"), F("content-length", "10")};
    headers(c, 1, 0, fields, COUNT(fields));
    data(c, 1, 0, 6);
    data(c, 1, 0, 0);
    data(c, 1, H2R_FLAG_END_STREAM, 4);
    flush(c);
    CHECK_MSG(peer_find(&c->p, H2R_FRAME_HEADERS, 1), "§8.1.1: content-length equal to the DATA received");
}

static void content_length_short_trailers(struct conn *c)
{
    h2r_header fields[] = {GET_PSEUDO, F(":path", "/"), F("content-length", "10")};
    headers(c, 1, 0, fields, COUNT(fields));
    data(c, 1, 0, 9);
    trailers(c, 1, 1);
}

static void content_length_matches_trailers(struct conn *c)
{
    h2r_header fields[] = {GET_PSEUDO, F(":path", "/"), F("content-length", "10")};
    headers(c, 1, 0, fields, COUNT(fields));
    data(c, 1, 0, 10);
    trailers(c, 1, 1);
    flush(c);
    CHECK_MSG(peer_find(&c->p, H2R_FRAME_HEADERS, 1) && c->app.trailers == 1,
              "§8.1.1: content-length equal to the DATA before the trailers");
}

static void trailers_without_end_stream(struct conn *c)
{
    get(c, 1, "/", 0);
    data(c, 1, 0, 4);
    trailers(c, 1, 0);
}

static void trailers_with_pseudo(struct conn *c)
{
    get(c, 1, "/", 0);
    h2r_header fields[] = {F(":path", "/x")};
    headers(c, 1, H2R_FLAG_END_STREAM, fields, 1);
}

static void trailers_served(struct conn *c)
{
    get(c, 1, "/", 0);
    data(c, 1, 0, 4);
    trailers(c, 1, 1);
    flush(c);
    CHECK_MSG(c->app.trailers == 1 && peer_find(&c->p, H2R_FRAME_HEADERS, 1),
              "§8.1: trailers end the request");
}

static void response_101_refused(struct conn *c)
{
    get(c, 1, "/101", 1);
    flush(c);
    CHECK_MSG(c->app.rc_101_additional == H2R_ERR_INVALID_HEADER &&
                  c->app.rc_101_respond == H2R_ERR_INVALID_HEADER,
              "§8.6: 101 (Switching Protocols) cannot be sent");
    const char *status = peer_field(peer_find(&c->p, H2R_FRAME_HEADERS, 1), ":status");
    CHECK_MSG(status && strcmp(status, "200") == 0 && peer_count(&c->p, H2R_FRAME_HEADERS, 1) == 1,
              "§8.6: only the 200 went out");
}

/* ---- §8.4 server push ---- */

static void client_push_promise(struct conn *c)
{
    get(c, 1, "/hold", 0);
    uint8_t payload[4 + 256] = {0, 0, 0, 2};
    size_t n = get_block(c, "/", payload + 4);
    frame(c, H2R_FRAME_PUSH_PROMISE, H2R_FLAG_END_HEADERS, 1, payload, 4 + n);
}

/* ---- the table ---- */

#define GOAWAY_(code_, last) .outcome = GOAWAY, .code = H2R_##code_, .stream = (last)
#define RST_(id, code_)      .outcome = RST, .code = H2R_##code_, .stream = (id)

static const struct conformance_case cases[] = {
    /* §3.4 */
    {CASE("3.4", "server preface is SETTINGS; client SETTINGS acknowledged", preface_settings_first),
     FLAGS(RAW)},
    {CASE("3.4", "invalid preface", preface_invalid), GOAWAY_(PROTOCOL_ERROR, 0), FLAGS(RAW)},
    {CASE("3.4", "preface split into single bytes", preface_byte_by_byte), FLAGS(RAW)},
    {CASE("3.4", "preface not followed by SETTINGS", preface_without_settings), GOAWAY_(PROTOCOL_ERROR, 0),
     FLAGS(RAW)},
    {CASE("3.4", "preface followed by a SETTINGS ACK", preface_settings_ack_first),
     GOAWAY_(PROTOCOL_ERROR, 0), FLAGS(RAW)},
    /* §4.1 */
    {CASE("4.1", "unknown frame types ignored", unknown_frame_type)},
    {CASE("4.1", "unknown flags ignored", unknown_flags)},
    {CASE("4.1", "reserved bit ignored", reserved_bit)},
    {CASE("4.1", "frames split across reads", frames_split_and_joined)},
    /* §4.2 */
    {CASE("4.2", "DATA of 16384 bytes", data_max_size)},
    {CASE("4.2", "DATA over SETTINGS_MAX_FRAME_SIZE", data_too_large), GOAWAY_(FRAME_SIZE_ERROR, 1)},
    {CASE("4.2", "HEADERS over SETTINGS_MAX_FRAME_SIZE", headers_too_large), GOAWAY_(FRAME_SIZE_ERROR, 0)},
    {CASE("4.2", "HEADERS too small for its priority fields", headers_too_small),
     GOAWAY_(FRAME_SIZE_ERROR, 0)},
    {CASE("4.2", "PADDED DATA without a Pad Length", data_padded_empty), GOAWAY_(FRAME_SIZE_ERROR, 1)},
    {CASE("4.2", "large response split within the peer's frame size", response_split_to_frame_size)},
    /* §4.3 */
    {CASE("4.3", "invalid field block", invalid_field_block), GOAWAY_(COMPRESSION_ERROR, 1)},
    {CASE("4.3", "table size update over the limit", table_size_update_too_large),
     GOAWAY_(COMPRESSION_ERROR, 1)},
    {CASE("4.3", "PRIORITY inside a field block", priority_in_block), GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("4.3", "HEADERS of another stream inside a field block", headers_in_block),
     GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("4.3", "DATA inside a field block", data_in_block), GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("4.3", "field block of a refused stream decoded", hpack_state_kept_refused),
     RST_(3, REFUSED_STREAM), OPTIONS(max_streams_1)},
    {CASE("4.3", "field block of a malformed request decoded", hpack_state_kept_malformed),
     RST_(1, PROTOCOL_ERROR)},
    {CASE("4.3.1", "peer's SETTINGS_HEADER_TABLE_SIZE 0 honoured", peer_table_size_zero)},
    {CASE("4.3.1", "our reduced table: block without size update", reduced_table_without_update),
     GOAWAY_(COMPRESSION_ERROR, 1), OPTIONS(table_size_zero)},
    {CASE("4.3.1", "our reduced table: block with size update", reduced_table_with_update),
     OPTIONS(table_size_zero)},
    /* §5.1 */
    {CASE("5.1", "idle: DATA", idle_data), GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("5.1", "idle: RST_STREAM", idle_rst_stream), GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("5.1", "idle: WINDOW_UPDATE", idle_window_update), GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("5.1", "idle: CONTINUATION", idle_continuation), GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("5.1", "idle: PRIORITY allowed", idle_priority)},
    {CASE("5.1", "half-closed (remote): DATA", half_closed_data), RST_(1, STREAM_CLOSED)},
    {CASE("5.1", "half-closed (remote): HEADERS", half_closed_headers), RST_(1, STREAM_CLOSED)},
    {CASE("5.1", "half-closed (remote): CONTINUATION", half_closed_continuation), GOAWAY_(PROTOCOL_ERROR, 1)},
    {CASE("5.1", "half-closed (remote): WINDOW_UPDATE, PRIORITY allowed", half_closed_allowed)},
    {CASE("5.1", "half-closed (remote): RST_STREAM closes", half_closed_rst)},
    /* A closed stream's frames: RFC 9113 allows a stream error or a connection error, STREAM_CLOSED. */
    {CASE("5.1", "closed (END_STREAM both ways): DATA", closed_data), RST_(1, STREAM_CLOSED)},
    {CASE("5.1", "closed (END_STREAM both ways): HEADERS", closed_headers), GOAWAY_(STREAM_CLOSED, 1)},
    {CASE("5.1", "closed: CONTINUATION", closed_continuation), GOAWAY_(PROTOCOL_ERROR, 1)},
    {CASE("5.1", "closed by the peer's RST_STREAM: DATA", peer_reset_data), RST_(1, STREAM_CLOSED)},
    {CASE("5.1", "closed by the peer's RST_STREAM: HEADERS", peer_reset_headers), GOAWAY_(STREAM_CLOSED, 1)},
    {CASE("5.1", "closed by our RST_STREAM: later frames ignored", our_reset_ignores), RST_(1, CANCEL)},
    {CASE("5.1", "closed by our RST_STREAM: field block decoded", hpack_state_kept_reset), RST_(1, CANCEL)},
    {CASE("5.1", "closed by our RST_STREAM: DATA counted", our_reset_counts_data), RST_(1, CANCEL),
     OPTIONS(min_connection_window)},
    {CASE("5.1", "closed: WINDOW_UPDATE allowed", closed_window_update)},
    {CASE("5.1", "reserved (local): DATA", reserved_data), GOAWAY_(PROTOCOL_ERROR, 1)},
    {CASE("5.1", "reserved (local): WINDOW_UPDATE, PRIORITY, RST_STREAM allowed", reserved_allowed)},
    {CASE("5.1", "pushed, half-closed (remote): DATA", pushed_half_closed_data), RST_(2, STREAM_CLOSED)},
    {CASE("5.1", "closed: RST_STREAM allowed", closed_rst_stream)},
    {CASE("5.1", "closed: PRIORITY allowed", closed_priority)},
    /* §5.1.1 */
    {CASE("5.1.1", "even stream id from the client", even_stream_id), GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("5.1.1", "stream id lower than a previous one", lower_stream_id), GOAWAY_(PROTOCOL_ERROR, 5)},
    {CASE("5.1.1", "a skipped stream id is closed", skipped_id_is_closed), RST_(3, STREAM_CLOSED)},
    /* §5.1.2 */
    {CASE("5.1.2", "over SETTINGS_MAX_CONCURRENT_STREAMS", over_concurrency_limit), RST_(3, REFUSED_STREAM),
     FLAGS(NO_FOLLOWUP), OPTIONS(max_streams_1)},
    {CASE("5.1.2", "half-closed streams count", half_closed_counts), RST_(3, REFUSED_STREAM),
     FLAGS(NO_FOLLOWUP), OPTIONS(max_streams_1)},
    {CASE("5.1.2", "closed streams do not count", closed_frees_slot), OPTIONS(max_streams_1)},
    /* §5.3 */
    {CASE("5.3.1", "HEADERS depending on itself", headers_depends_on_itself), RST_(1, PROTOCOL_ERROR)},
    {CASE("5.3.1", "PRIORITY depending on itself (open stream)", priority_depends_on_itself),
     RST_(1, PROTOCOL_ERROR)},
    {CASE("5.3.1", "PRIORITY depending on itself (idle stream)", priority_on_itself_idle),
     GOAWAY_(PROTOCOL_ERROR, 0)},
    /* §5.4 */
    {CASE("5.4.1", "GOAWAY carries the last stream processed", goaway_last_processed),
     GOAWAY_(FRAME_SIZE_ERROR, 3)},
    {CASE("5.4.1", "a later GOAWAY never raises the last stream id", goaway_never_raises_last),
     GOAWAY_(FRAME_SIZE_ERROR, 1)},
    {CASE("5.4.2", "no RST_STREAM in answer to RST_STREAM", no_rst_for_rst), RST_(1, CANCEL)},
    /* §5.5 */
    {CASE("5.5", "unknown frame inside a field block", unknown_frame_in_block), GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("5.5", "unknown setting ignored", unknown_setting)},
    {CASE("7", "unknown error codes", unknown_error_codes)},
    /* §6.1 */
    {CASE("6.1", "DATA on stream 0", data_stream_0), GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("6.1", "DATA padding too long", data_padding_too_long), GOAWAY_(PROTOCOL_ERROR, 1)},
    {CASE("6.1", "DATA padding filling the payload", data_padding_fills)},
    {CASE("6.1", "padding we send is zero", response_padding), OPTIONS(padding_max)},
    /* §6.2 */
    {CASE("6.2", "HEADERS on stream 0", headers_stream_0), GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("6.2", "HEADERS padding too long", headers_padding_too_long), GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("6.2", "HEADERS with priority and padding", headers_priority_and_padding)},
    {CASE("6.2", "HEADERS depending on an idle stream", headers_depends_on_idle)},
    /* §6.3 */
    {CASE("6.3", "PRIORITY on stream 0", priority_stream_0), GOAWAY_(PROTOCOL_ERROR, 0)},
    /* A stream error is not possible on an idle stream (§6.4: no RST_STREAM there): a connection error
       (§5.4.1). */
    {CASE("6.3", "PRIORITY of 4 bytes (idle stream)", priority_bad_length_idle),
     GOAWAY_(FRAME_SIZE_ERROR, 0)},
    {CASE("6.3", "PRIORITY of 6 bytes (open stream)", priority_bad_length_open), RST_(1, FRAME_SIZE_ERROR)},
    {CASE("6.3", "PRIORITY before HEADERS", priority_then_headers)},
    /* §6.4 */
    {CASE("6.4", "RST_STREAM on stream 0", rst_stream_0), GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("6.4", "RST_STREAM of 3 bytes", rst_bad_length), GOAWAY_(FRAME_SIZE_ERROR, 1)},
    {CASE("6.4", "no frames after the peer's RST_STREAM", nothing_after_peer_reset)},
    /* §6.5 */
    {CASE("6.5", "SETTINGS ACK with a payload", settings_ack_with_payload), GOAWAY_(FRAME_SIZE_ERROR, 0)},
    {CASE("6.5", "SETTINGS on a stream", settings_on_stream), GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("6.5", "SETTINGS length not a multiple of 6", settings_bad_length), GOAWAY_(FRAME_SIZE_ERROR, 0)},
    {CASE("6.5.2", "SETTINGS_ENABLE_PUSH 2", settings_enable_push_2), GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("6.5.2", "SETTINGS_INITIAL_WINDOW_SIZE 2^31", settings_window_too_large),
     GOAWAY_(FLOW_CONTROL_ERROR, 0)},
    {CASE("6.5.2", "SETTINGS_MAX_FRAME_SIZE 16383", settings_frame_size_too_small),
     GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("6.5.2", "SETTINGS_MAX_FRAME_SIZE 2^24", settings_frame_size_too_large),
     GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("6.5.2", "a server never sends SETTINGS_ENABLE_PUSH 1", server_never_enables_push),
     OPTIONS(push_disabled)},
    {CASE("6.5.3", "SETTINGS acknowledged", settings_acknowledged)},
    {CASE("6.5.3", "SETTINGS values processed in order", settings_in_order)},
    {CASE("6.5.3", "SETTINGS ACK timeout", settings_timeout), GOAWAY_(SETTINGS_TIMEOUT, 0)},
    {CASE("6.5.3", "unexpected SETTINGS ACK ignored", unexpected_settings_ack)},
    /* §6.7 */
    {CASE("6.7", "PING answered with the same payload", ping_answered)},
    {CASE("6.7", "PING ACK not answered", ping_ack_not_answered)},
    {CASE("6.7", "PING on a stream", ping_on_stream), GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("6.7", "PING of 9 bytes", ping_bad_length), GOAWAY_(FRAME_SIZE_ERROR, 0)},
    /* §6.8 */
    {CASE("6.8", "GOAWAY on a stream", goaway_on_stream), GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("6.8", "GOAWAY of 7 bytes", goaway_too_short), GOAWAY_(FRAME_SIZE_ERROR, 0)},
    {CASE("6.8", "after the peer's GOAWAY: no push, old streams complete", peer_goaway_no_push)},
    {CASE("6.8", "after our GOAWAY: newer streams ignored, older complete", streams_after_our_goaway),
     FLAGS(NO_FOLLOWUP)},
    /* §6.9 */
    {CASE("6.9", "WINDOW_UPDATE of 0 on a stream", window_update_zero_stream), RST_(1, PROTOCOL_ERROR)},
    {CASE("6.9", "WINDOW_UPDATE of 0 on the connection", window_update_zero_connection),
     GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("6.9", "WINDOW_UPDATE of 3 bytes", window_update_bad_length), GOAWAY_(FRAME_SIZE_ERROR, 0)},
    {CASE("6.9", "WINDOW_UPDATE reserved bit ignored", window_update_reserved_bit)},
    {CASE("6.9.1", "stream window over 2^31-1", window_overflow_stream), RST_(1, FLOW_CONTROL_ERROR)},
    {CASE("6.9.1", "connection window over 2^31-1", window_overflow_connection),
     GOAWAY_(FLOW_CONTROL_ERROR, 0)},
    {CASE("6.9.1", "DATA over the stream window", data_over_stream_window), RST_(1, FLOW_CONTROL_ERROR),
     OPTIONS(small_stream_window)},
    {CASE("6.9.1", "padding counts toward the stream window", padding_counts_in_window),
     RST_(1, FLOW_CONTROL_ERROR), OPTIONS(small_stream_window)},
    {CASE("6.9.1", "DATA over the connection window", data_over_connection_window),
     GOAWAY_(FLOW_CONTROL_ERROR, 1), OPTIONS(big_frames_small_connection_window)},
    {CASE("6.9.1", "SETTINGS_INITIAL_WINDOW_SIZE 1", initial_window_1)},
    {CASE("6.9.2", "SETTINGS_INITIAL_WINDOW_SIZE change applied", initial_window_change)},
    {CASE("6.9.2", "negative window", negative_window)},
    {CASE("6.9.2", "SETTINGS_INITIAL_WINDOW_SIZE overflowing a window", initial_window_overflow),
     GOAWAY_(FLOW_CONTROL_ERROR, 1)},
    {CASE("6.9.3", "our lowered window: old one holds until the ACK", our_window_before_ack),
     OPTIONS(small_stream_window)},
    {CASE("6.9.3", "our lowered window: DATA past a negative window", our_negative_window),
     RST_(1, FLOW_CONTROL_ERROR), OPTIONS(small_stream_window)},
    /* §6.10 */
    {CASE("6.10", "HEADERS + CONTINUATION served", continuation_served)},
    {CASE("6.10", "CONTINUATION on another stream", continuation_other_stream), GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("6.10", "CONTINUATION after END_HEADERS", continuation_after_end_headers),
     GOAWAY_(PROTOCOL_ERROR, 1)},
    {CASE("6.10", "CONTINUATION on stream 0", continuation_stream_0), GOAWAY_(PROTOCOL_ERROR, 0)},
    {CASE("6.10", "CONTINUATION after a CONTINUATION with END_HEADERS", continuation_after_continuation_end),
     GOAWAY_(PROTOCOL_ERROR, 1)},
    {CASE("6.10", "CONTINUATION after DATA", continuation_after_data), GOAWAY_(PROTOCOL_ERROR, 1)},
    /* §8.1 */
    {CASE("8.1.1", "content-length above the DATA", content_length_short), RST_(1, PROTOCOL_ERROR)},
    {CASE("8.1.1", "content-length below the DATA", content_length_long), RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.1.1", "content-length with END_STREAM on HEADERS", GET_PSEUDO, F(":path", "/"),
             F("content-length", "1")),
     RST_(1, PROTOCOL_ERROR)},
    {CASE("8.1.1", "content-length matching", content_length_matches)},
    {CASE("8.1.1", "content-length above the DATA, then trailers", content_length_short_trailers),
     RST_(1, PROTOCOL_ERROR)},
    {CASE("8.1.1", "content-length matching, then trailers", content_length_matches_trailers)},
    {CASE("8.1", "trailers without END_STREAM", trailers_without_end_stream), RST_(1, PROTOCOL_ERROR)},
    {CASE("8.1", "pseudo-header in trailers", trailers_with_pseudo), RST_(1, PROTOCOL_ERROR)},
    {CASE("8.1", "trailers", trailers_served)},
    /* §8.2 */
    {REQUEST("8.2", "uppercase field name", GET_PSEUDO, F(":path", "/"), F("X-Upper", "1")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.2.1", "space in a field name", GET_PSEUDO, F(":path", "/"), F("x y", "1")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.2.1", "colon inside a field name", GET_PSEUDO, F(":path", "/"), F("x:y", "1")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.2.1", "empty field name", GET_PSEUDO, F(":path", "/"), F("", "1")), RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.2.1", "NUL in a field value", GET_PSEUDO, F(":path", "/"), F("x", "a\0b")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.2.1", "CR in a field value", GET_PSEUDO, F(":path", "/"), F("x", "a\rb")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.2.1", "LF in a field value", GET_PSEUDO, F(":path", "/"), F("x", "a\nb")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.2.1", "leading space in a field value", GET_PSEUDO, F(":path", "/"), F("x", " a")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.2.1", "trailing tab in a field value", GET_PSEUDO, F(":path", "/"), F("x", "a\t")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.2.2", "connection", GET_PSEUDO, F(":path", "/"), F("connection", "close")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.2.2", "keep-alive", GET_PSEUDO, F(":path", "/"), F("keep-alive", "5")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.2.2", "proxy-connection", GET_PSEUDO, F(":path", "/"), F("proxy-connection", "x")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.2.2", "transfer-encoding", GET_PSEUDO, F(":path", "/"), F("transfer-encoding", "chunked")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.2.2", "upgrade", GET_PSEUDO, F(":path", "/"), F("upgrade", "h2c")), RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.2.2", "te other than trailers", GET_PSEUDO, F(":path", "/"), F("te", "gzip")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.2.2", "te: trailers allowed", GET_PSEUDO, F(":path", "/"), F("te", "trailers"))},
    /* §8.3 */
    {REQUEST("8.3", "unknown pseudo-header", GET_PSEUDO, F(":path", "/"), F(":foo", "1")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.3", "response pseudo-header in a request", GET_PSEUDO, F(":path", "/"), F(":status", "200")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.3", "pseudo-header after a regular field", F(":method", "GET"), F(":scheme", "http"),
             F("x", "1"), F(":path", "/")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.3", "duplicate :method", GET_PSEUDO, F(":path", "/"), F(":method", "GET")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.3", "duplicate :scheme", GET_PSEUDO, F(":path", "/"), F(":scheme", "http")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.3", "duplicate :path", GET_PSEUDO, F(":path", "/"), F(":path", "/")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.3.1", "missing :method", F(":scheme", "http"), F(":authority", "a"), F(":path", "/")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.3.1", "missing :scheme", F(":method", "GET"), F(":authority", "a"), F(":path", "/")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.3.1", "missing :path", GET_PSEUDO), RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.3.1", "empty :path", GET_PSEUDO, F(":path", "")), RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.3.1", ":path * for GET", GET_PSEUDO, F(":path", "*")), RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.3.1", ":path * for OPTIONS", F(":method", "OPTIONS"), F(":scheme", "http"),
             F(":authority", "a"), F(":path", "*"))},
    {REQUEST("8.3.1", "userinfo in :authority", F(":method", "GET"), F(":scheme", "http"),
             F(":authority", "u@a"), F(":path", "/")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.3.1", "host differing from :authority", GET_PSEUDO, F(":path", "/"), F("host", "other")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.3.1", "host alone", F(":method", "GET"), F(":scheme", "http"), F(":path", "/"),
             F("host", "a"))},
    /* §8.5 */
    {REQUEST("8.5", "CONNECT", F(":method", "CONNECT"), F(":authority", "example.com:443"))},
    {REQUEST("8.5", "CONNECT with :path", F(":method", "CONNECT"), F(":authority", "example.com:443"),
             F(":path", "/")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.5", "CONNECT with :scheme", F(":method", "CONNECT"), F(":authority", "example.com:443"),
             F(":scheme", "https")),
     RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.5", "CONNECT without :authority", F(":method", "CONNECT")), RST_(1, PROTOCOL_ERROR)},
    {REQUEST("8.5", ":protocol without SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441)", F(":method", "CONNECT"),
             F(":protocol", "websocket"), F(":scheme", "https"), F(":authority", "a"), F(":path", "/")),
     RST_(1, PROTOCOL_ERROR)},
    {CASE("8.6", "101 cannot be sent", response_101_refused)},
    /* §8.4 */
    {CASE("8.4", "PUSH_PROMISE from the client", client_push_promise), GOAWAY_(PROTOCOL_ERROR, 1)},
};

/* ---- the runner ---- */

static void describe(const struct conn *c)
{
    printf("# got:");
    for (size_t i = 0; i != c->p.frame_count; ++i) {
        const struct peer_frame *f = &c->p.frames[i];
        if (f->h.type == H2R_FRAME_GOAWAY && f->h.length >= 8)
            printf(" GOAWAY(%s, last %u)", h2r_error_code_name(peer_u32(f->payload + 4)),
                   peer_u32(f->payload));
        else if (f->h.type == H2R_FRAME_RST_STREAM && f->h.length == 4)
            printf(" RST_STREAM(%u, %s)", f->h.stream_id, h2r_error_code_name(peer_u32(f->payload)));
        else
            printf(" type%u(%u)", f->h.type, f->h.stream_id);
    }
    printf("\n");
}

static int outcome_ok(const struct conn *c, const struct conformance_case *tc)
{
    const struct peer *p = &c->p;
    size_t goaways = peer_count(p, H2R_FRAME_GOAWAY, -1), rsts = peer_count(p, H2R_FRAME_RST_STREAM, -1);
    const struct peer_frame *g = peer_find(p, H2R_FRAME_GOAWAY, -1);
    switch (tc->outcome) {
    case NOTHING: return goaways == 0 && rsts == 0 && h2r_session_want_read(p->session);
    case RST: return goaways == 0 && rsts == 1 && peer_got_rst(p, tc->stream, tc->code) && p->last_feed >= 0;
    case GOAWAY:
        return goaways == 1 && rsts == 0 && g->h.length >= 8 && peer_u32(g->payload + 4) == tc->code &&
               peer_u32(g->payload) == tc->stream && !h2r_session_want_read(p->session) &&
               h2r_session_is_done(p->session) && c->app.session_closed == 1;
    }
    return 0;
}

static void run_case(const struct conformance_case *tc)
{
    struct conn *c = calloc(1, sizeof(*c));
    h2r_session_options options;
    h2r_session_options_init(&options);
    if (tc->configure) tc->configure(&options);
    peer_init(&c->p, &options, &callbacks, &c->app);
    c->goaway_last = -1;
    current = tc;
    if (!(tc->flags & RAW)) handshake(c);
    tc->run(c);
    flush(c);

    static const char *const outcomes[] = {"nothing", "RST_STREAM", "GOAWAY"};
    if (!CHECK_MSG(outcome_ok(c, tc), "§%s %s: %s %s (stream %u)", tc->section, tc->name,
                   outcomes[tc->outcome], tc->outcome == NOTHING ? "" : h2r_error_code_name(tc->code),
                   tc->stream))
        describe(c);
    if (tc->outcome == RST && tc->fields)
        CHECK_MSG(!app_saw(&c->app, 1), "§8.1.1: malformed request not surfaced");

    if (tc->outcome != GOAWAY && !(tc->flags & NO_FOLLOWUP)) {
        clear(c);
        uint32_t id = next_stream_id(c);
        get(c, id, "/", 1);
        flush(c);
        const char *status = peer_field(peer_find(&c->p, H2R_FRAME_HEADERS, id), ":status");
        CHECK_MSG(status && strcmp(status, "200") == 0 && !peer_find(&c->p, H2R_FRAME_GOAWAY, -1) &&
                      !peer_find(&c->p, H2R_FRAME_RST_STREAM, -1),
                  "§%s %s: the connection still serves a GET (stream %u)", tc->section, tc->name, id);
    }
    if (!CHECK_MSG(!c->violation[0], "§%s %s: every frame sent follows the sending rules", tc->section,
                   tc->name))
        printf("# %s\n", c->violation);
    peer_free(&c->p);
    free(c);
}

int main(void)
{
    for (size_t i = 0; i != sizeof(big_value); ++i) big_value[i] = (char)('!' + (i * 7919) % 90);
    for (size_t i = 0; i != COUNT(cases); ++i) run_case(&cases[i]);
    return check_done();
}
