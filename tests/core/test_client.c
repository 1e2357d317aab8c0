/*
 * HTTP/2 client sessions (Node's ClientHttp2Session): a client session and
 * a server session wired back to back in memory, for every feature both
 * ways; then a raw server (the test peer) that breaks the protocol the
 * ways a hostile server would, each checked on the wire and in the
 * client's callbacks.
 */
#include <pthread.h>
#include <stdlib.h>

#include "app_recorder.h"
#include "check.h"
#include "peer.h"

#define MAX_IDS 64

/* One side's application: what its callbacks heard, and what its server part does. */
struct side {
    h2r_session *session;
    struct event_log log;
    struct stream_refs streams;
    uint8_t *body[MAX_IDS]; /* bytes received on each stream id */
    size_t body_len[MAX_IDS];
    char path[MAX_IDS][16]; /* the server's: each request's :path */
    int session_closed;
    uint32_t error_code; /* on_session_error's */
    int releases;
    h2r_settings remote_settings; /* on_remote_settings' last */
    int push_results[4];
    const char *cancel_push; /* the client refuses a push of this path */
    char sent_heads[64];     /* on_headers_sent's: "kind:method-or-status;" each */
};

static struct side *side_of(h2r_stream *st)
{
    return h2r_session_user_data(h2r_stream_session(st));
}

static int has(const struct side *side, const char *event)
{
    return strstr(side->log.text, event) != NULL;
}

/* Did event a come before event b? */
static int before(const struct side *side, const char *a, const char *b)
{
    const char *pa = strstr(side->log.text, a), *pb = strstr(side->log.text, b);
    return pa && pb && pa < pb;
}

/* The value of the field called name, copied into buf; "-" if there is none. */
static const char *field(const h2r_header *headers, size_t count, const char *name, char *buf, size_t cap)
{
    for (size_t i = 0; i != count; ++i) {
        if (headers[i].name_len != strlen(name) || memcmp(headers[i].name, name, headers[i].name_len))
            continue;
        snprintf(buf, cap, "%.*s", (int)headers[i].value_len, headers[i].value);
        return buf;
    }
    return "-";
}

/* A byte of the test bodies' pattern. */
static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 7 + i / 251);
}

static uint8_t big_body[400000];

static int body_is_pattern(const struct side *side, uint32_t id, size_t len)
{
    if (side->body_len[id] != len) return 0;
    for (size_t i = 0; i != len; ++i)
        if (side->body[id][i] != pattern(i)) return 0;
    return 1;
}

/* ---- callbacks both sides share ---- */

static void on_data(h2r_stream *st, const uint8_t *data, size_t len)
{
    struct side *side = side_of(st);
    uint32_t id = h2r_stream_id(st) % MAX_IDS;
    side->body[id] = realloc(side->body[id], side->body_len[id] + len);
    memcpy(side->body[id] + side->body_len[id], data, len);
    side->body_len[id] += len;
}

static void on_trailers(h2r_stream *st, const h2r_header *headers, size_t count)
{
    log_event(&side_of(st)->log, "trailers %u %.*s=%.*s;", h2r_stream_id(st), (int)headers[0].name_len,
              headers[0].name, (int)headers[0].value_len, headers[0].value);
    (void)count;
}

static void on_want_trailers(h2r_stream *st)
{
    h2r_header trailer = FIELD("x-trailer", "sent");
    CHECK(h2r_stream_send_trailers(st, &trailer, 1) == 0);
}

static void on_aborted(h2r_stream *st)
{
    log_event(&side_of(st)->log, "aborted %u;", h2r_stream_id(st));
}

static void on_stream_close(h2r_stream *st, uint32_t code)
{
    log_event(&side_of(st)->log, "close %u %u;", h2r_stream_id(st), code);
}

static void on_goaway(h2r_session *s, uint32_t code, uint32_t last, const uint8_t *data, size_t len)
{
    (void)data, (void)len;
    log_event(&((struct side *)h2r_session_user_data(s))->log, "goaway %u %u;", code, last);
}

static void on_session_error(h2r_session *s, uint32_t code, const char *reason)
{
    struct side *side = h2r_session_user_data(s);
    side->error_code = code;
    log_event(&side->log, "error %u %s;", code, reason);
}

static void on_session_close(h2r_session *s)
{
    ((struct side *)h2r_session_user_data(s))->session_closed = 1;
}

static void on_remote_settings(h2r_session *s, const h2r_settings *settings)
{
    ((struct side *)h2r_session_user_data(s))->remote_settings = *settings;
}

/* ---- the client's ---- */

static void on_response(h2r_stream *st, const h2r_header *headers, size_t count, int flags)
{
    char status[8];
    log_event(&side_of(st)->log, "resp %u %s%s;", h2r_stream_id(st),
              field(headers, count, ":status", status, sizeof(status)), flags & H2R_END_STREAM ? " end" : "");
}

static void on_informational(h2r_stream *st, const h2r_header *headers, size_t count)
{
    char status[8];
    log_event(&side_of(st)->log, "info %u %s;", h2r_stream_id(st),
              field(headers, count, ":status", status, sizeof(status)));
}

static void on_altsvc(h2r_session *s, uint32_t stream_id, const char *origin, size_t origin_len,
                      const char *alt, size_t alt_len)
{
    log_event(&((struct side *)h2r_session_user_data(s))->log, "altsvc %u '%.*s' %.*s;", stream_id,
              (int)origin_len, origin, (int)alt_len, alt);
}

static void on_origin(h2r_session *s, const char *origin, size_t len)
{
    log_event(&((struct side *)h2r_session_user_data(s))->log, "origin %.*s;", (int)len, origin);
}

/* A push promised by the server. */
static void on_push(h2r_session *s, h2r_stream *st, const h2r_header *headers, size_t count, int flags)
{
    CHECK(flags == H2R_END_STREAM); /* a promised request has no body */
    struct side *side = h2r_session_user_data(s);
    char buf[32];
    const char *path = field(headers, count, ":path", buf, sizeof(buf));
    log_event(&side->log, "push %u %s;", h2r_stream_id(st), path);
    keep_stream(&side->streams, st);
    if (side->cancel_push && strcmp(side->cancel_push, path) == 0)
        CHECK(h2r_stream_close(st, H2R_CANCEL) == 0);
}

/* ---- the server's: what it answers depends on the path (the client's end is only logged) ---- */

static const char hello[] = "hello world";

static void respond_body(h2r_stream *st, const void *body, size_t len, unsigned flags)
{
    h2r_header ct = FIELD("content-type", "text/plain");
    CHECK(h2r_stream_respond(st, &ct, 1, flags) == 0);
    if (len) CHECK(h2r_stream_write(st, body, len, count_release, &side_of(st)->releases) >= 0);
    CHECK(h2r_stream_end(st) == 0);
}

static void push(struct side *side, h2r_stream *st, const char *path, size_t n, const void *body, size_t len)
{
    h2r_header fields[] = {{.name = ":path", .name_len = 5, .value = path, .value_len = strlen(path)}};
    h2r_stream *pushed = NULL;
    side->push_results[n] = h2r_stream_push(st, fields, 1, &pushed);
    if (pushed) respond_body(pushed, body, len, 0);
}

static void on_request(h2r_session *s, h2r_stream *st, const h2r_header *headers, size_t count, int flags)
{
    struct side *side = h2r_session_user_data(s);
    uint32_t id = h2r_stream_id(st);
    char method_buf[16], path_buf[16], protocol[16];
    const char *method = field(headers, count, ":method", method_buf, sizeof(method_buf));
    const char *path = field(headers, count, ":path", path_buf, sizeof(path_buf));
    log_event(&side->log, "stream %u %s %s %s%s;", id, method, path,
              field(headers, count, ":protocol", protocol, sizeof(protocol)),
              flags & H2R_END_STREAM ? " end" : "");
    snprintf(side->path[id % MAX_IDS], sizeof(side->path[0]), "%s", path);
    keep_stream(&side->streams, st);
    if (strcmp(method, "HEAD") == 0) {
        h2r_header cl = FIELD("content-length", "5");
        CHECK(h2r_stream_respond(st, &cl, 1, 0) == 0);
    } else if (strcmp(path, "/hello") == 0) {
        respond_body(st, hello, strlen(hello), 0);
    } else if (strcmp(path, "/big") == 0) {
        respond_body(st, big_body, sizeof(big_body), 0);
    } else if (strcmp(path, "/early") == 0) {
        h2r_header early[] = {FIELD(":status", "103"), FIELD("link", "</style.css>; rel=preload")};
        CHECK(h2r_stream_additional_headers(st, early, 2) == 0);
        CHECK(h2r_stream_additional_headers(st, early, 2) == 0);
        respond_body(st, hello, strlen(hello), 0);
    } else if (strcmp(path, "/x") == 0 || strcmp(path, "/xbig") == 0) {
        push(side, st, "/y", 0, "Y body", 6);
        if (path[2])
            push(side, st, "/z", 1, big_body, sizeof(big_body));
        else
            push(side, st, "/z", 1, "Z body", 6);
        respond_body(st, hello, strlen(hello), 0);
    } else if (strcmp(path, "/reset") == 0) {
        CHECK(h2r_stream_close(st, H2R_INTERNAL_ERROR) == 0);
    } else if (strcmp(path, "/refuse") == 0) {
        CHECK(h2r_stream_close(st, H2R_REFUSED_STREAM) == 0);
    } else if (strcmp(path, "/continue") == 0) {
        h2r_header go_on = FIELD(":status", "100");
        CHECK(h2r_stream_additional_headers(st, &go_on, 1) == 0);
    }
    /* /echo, /continue and /trailers answer at the request's end; /hold and /upload wait for the test. */
}

static void on_end(h2r_stream *st)
{
    struct side *side = side_of(st);
    uint32_t id = h2r_stream_id(st);
    log_event(&side->log, "end %u;", id);
    if (h2r_session_is_client(h2r_stream_session(st))) return;
    const char *path = side->path[id % MAX_IDS];
    if (strcmp(path, "/echo") == 0 || strcmp(path, "/continue") == 0) {
        respond_body(st, side->body[id % MAX_IDS], side->body_len[id % MAX_IDS], 0);
    } else if (strcmp(path, "/trailers") == 0) {
        h2r_header ct = FIELD("content-type", "text/plain");
        CHECK(h2r_stream_respond(st, &ct, 1, H2R_RESPOND_WAIT_FOR_TRAILERS) == 0);
        CHECK(h2r_stream_write(st, hello, strlen(hello), NULL, NULL) == 1);
        CHECK(h2r_stream_end(st) == 0);
    }
}

static void on_headers_sent(h2r_stream *st, int kind, const h2r_header *headers, size_t count)
{
    struct side *side = side_of(st);
    char buf[16];
    const char *what = field(headers, count, ":method", buf, sizeof(buf));
    if (strcmp(what, "-") == 0) what = field(headers, count, ":status", buf, sizeof(buf));
    size_t used = strlen(side->sent_heads);
    snprintf(side->sent_heads + used, sizeof(side->sent_heads) - used, "%d:%s;", kind, what);
}

/* Both sides' callbacks: a client's on_stream is a push, a server's a request. */
static void on_stream(h2r_session *s, h2r_stream *st, const h2r_header *headers, size_t count, int flags)
{
    if (h2r_session_is_client(s))
        on_push(s, st, headers, count, flags);
    else
        on_request(s, st, headers, count, flags);
}

static const h2r_session_callbacks callbacks = {
    .on_stream = on_stream,
    .on_data = on_data,
    .on_end = on_end,
    .on_trailers = on_trailers,
    .on_want_trailers = on_want_trailers,
    .on_aborted = on_aborted,
    .on_stream_close = on_stream_close,
    .on_goaway = on_goaway,
    .on_remote_settings = on_remote_settings,
    .on_session_error = on_session_error,
    .on_session_close = on_session_close,
    .on_response = on_response,
    .on_informational = on_informational,
    .on_headers_sent = on_headers_sent,
    .on_altsvc = on_altsvc,
    .on_origin = on_origin,
};

/* ---- back to back ---- */

struct pair {
    struct side client, server;
};

static void pair_init(struct pair *p, const h2r_session_options *client_options,
                      const h2r_session_options *server_options)
{
    memset(p, 0, sizeof(*p));
    p->client.session = h2r_session_client_new(client_options, &callbacks, &p->client, "http", "localhost");
    p->server.session = h2r_session_server_new(server_options, &callbacks, &p->server);
    CHECK(p->client.session != NULL && p->server.session != NULL);
}

static void side_free(struct side *side)
{
    unref_streams(&side->streams);
    h2r_session_free(side->session);
    for (size_t i = 0; i != MAX_IDS; ++i) free(side->body[i]);
}

static void pair_free(struct pair *p)
{
    side_free(&p->client);
    side_free(&p->server);
}

/* Moves what `from` has to send into `to`; returns the bytes moved. */
static size_t transfer(h2r_session *from, h2r_session *to)
{
    h2r_chunk chunks[64];
    size_t n, moved = 0;
    while ((n = h2r_session_pull(from, chunks, 64)) != 0) {
        size_t len = 0;
        for (size_t i = 0; i != n; ++i) len += chunks[i].len;
        uint8_t *buf = malloc(len), *at = buf;
        for (size_t i = 0; i != n; ++i, at += chunks[i - 1].len) memcpy(at, chunks[i].base, chunks[i].len);
        h2r_session_sent(from, len);
        if (h2r_session_want_read(to)) h2r_session_feed(to, buf, len);
        free(buf);
        moved += len;
    }
    return moved;
}

/* Both ways until neither side has anything to send. */
static void pump(struct pair *p)
{
    for (int rounds = 0; rounds != 1000; ++rounds)
        if (transfer(p->client.session, p->server.session) + transfer(p->server.session, p->client.session) ==
            0)
            return;
    CHECK(!"the sessions never went quiet");
}

/* pair_init, and both sides' SETTINGS exchanged. */
static void pair_start(struct pair *p, const h2r_session_options *client_options,
                       const h2r_session_options *server_options)
{
    pair_init(p, client_options, server_options);
    pump(p);
}

static h2r_stream *request(struct pair *p, const h2r_header *headers, size_t count, unsigned flags)
{
    h2r_stream *st = NULL;
    int rc = h2r_session_request(p->client.session, headers, count, flags, &st);
    CHECK_MSG(rc == 0 && st != NULL, "request: %s", h2r_strerror(rc));
    if (st) keep_stream(&p->client.streams, st);
    return st;
}

static h2r_stream *get(struct pair *p, const char *path)
{
    h2r_header fields[] = {{.name = ":path", .name_len = 5, .value = path, .value_len = strlen(path)}};
    return request(p, fields, 1, H2R_REQUEST_END_STREAM);
}

/* A GET, and what follows until both sides are quiet. */
static h2r_stream *exchange(struct pair *p, const char *path)
{
    h2r_stream *st = get(p, path);
    pump(p);
    return st;
}

/* The server's stream with this id (kept by on_request), or NULL. */
static h2r_stream *server_stream(struct pair *p, uint32_t id)
{
    for (size_t i = 0; i != p->server.streams.count; ++i)
        if (h2r_stream_id(p->server.streams.list[i]) == id) return p->server.streams.list[i];
    return NULL;
}

static void test_get(void)
{
    struct pair p;
    pair_init(&p, NULL, NULL);
    CHECK(h2r_session_is_client(p.client.session) && !h2r_session_is_client(p.server.session));
    h2r_stream *st = get(&p, "/hello");
    CHECK(h2r_stream_id(st) == 1);
    h2r_session_state state;
    h2r_session_get_state(p.client.session, &state);
    CHECK(state.next_stream_id == 3);
    pump(&p);
    CHECK(has(&p.server, "stream 1 GET /hello - end;"));
    CHECK_MSG(strcmp(p.client.log.text, "resp 1 200;end 1;close 1 0;") == 0, "client: %s", p.client.log.text);
    CHECK_MEM(p.client.body[1], p.client.body_len[1], hello, strlen(hello));
    CHECK(h2r_stream_closed(st) && !h2r_stream_aborted(st));
    CHECK(p.server.releases == 1);
    /* Node's sentHeaders: the client's request, the server's response. */
    CHECK_MSG(strcmp(p.client.sent_heads, "0:GET;") == 0, "client sent: %s", p.client.sent_heads);
    CHECK_MSG(strcmp(p.server.sent_heads, "0:-;") == 0, "server sent: %s", p.server.sent_heads);
    /* A second request takes the next odd id. */
    st = get(&p, "/hello");
    CHECK(h2r_stream_id(st) == 3);
    pump(&p);
    CHECK(has(&p.client, "resp 3 200;end 3;close 3 0;"));
    CHECK(!h2r_session_is_done(p.client.session));
    pair_free(&p);
}

static void test_large_bodies_both_ways(void)
{
    for (size_t i = 0; i != sizeof(big_body); ++i) big_body[i] = pattern(i);
    /* Small windows both ways, so that both bodies cross many window edges. */
    h2r_session_options options;
    h2r_session_options_init(&options);
    options.settings.initial_window_size = 20000;
    options.connection_window_size = 65535;
    struct pair p;
    pair_init(&p, &options, &options);
    h2r_header fields[] = {FIELD(":method", "POST"), FIELD(":path", "/echo")};
    h2r_stream *st = request(&p, fields, 2, 0);
    int releases = 0;
    for (size_t at = 0; at != 300000; at += 30000)
        CHECK(h2r_stream_write(st, big_body + at, 30000, count_release, &releases) >= 0);
    CHECK(h2r_stream_end(st) == 0);
    pump(&p);
    CHECK(has(&p.server, "stream 1 POST /echo -;") && has(&p.server, "end 1;"));
    CHECK(body_is_pattern(&p.server, 1, 300000));
    CHECK(body_is_pattern(&p.client, 1, 300000));
    CHECK(has(&p.client, "resp 1 200;end 1;close 1 0;"));
    CHECK(releases == 10);

    /* A response body larger than every window, with the client's reading paused a while. */
    st = get(&p, "/big");
    CHECK(h2r_stream_pause(st) == 0);
    pump(&p);
    CHECK_MSG(p.client.body_len[3] <= 20000, "paused: %zu bytes", p.client.body_len[3]);
    CHECK(h2r_stream_resume(st) == 0);
    pump(&p);
    CHECK(body_is_pattern(&p.client, 3, sizeof(big_body)));
    CHECK(has(&p.client, "end 3;close 3 0;"));
    pair_free(&p);
}

static void test_trailers_both_ways(void)
{
    struct pair p;
    pair_init(&p, NULL, NULL);
    h2r_header fields[] = {FIELD(":method", "POST"), FIELD(":path", "/trailers")};
    h2r_stream *st = request(&p, fields, 2, H2R_REQUEST_END_STREAM | H2R_REQUEST_WAIT_FOR_TRAILERS);
    CHECK(h2r_stream_write(st, "x", 1, NULL, NULL) == H2R_ERR_INVALID_STATE); /* END_STREAM was asked */
    pump(&p);
    CHECK(before(&p.server, "trailers 1 x-trailer=sent;", "end 1;"));
    CHECK_MSG(strcmp(p.client.log.text, "resp 1 200;trailers 1 x-trailer=sent;end 1;close 1 0;") == 0,
              "client: %s", p.client.log.text);
    CHECK_MEM(p.client.body[1], p.client.body_len[1], hello, strlen(hello));

    /* Trailers after a body the client writes. */
    st = request(&p, fields, 2, H2R_REQUEST_WAIT_FOR_TRAILERS);
    CHECK(h2r_stream_write(st, "abc", 3, NULL, NULL) == 1);
    CHECK(h2r_stream_end(st) == 0);
    pump(&p);
    CHECK(before(&p.server, "trailers 3 x-trailer=sent;", "end 3;"));
    CHECK_MEM(p.server.body[3], p.server.body_len[3], "abc", 3);
    CHECK(has(&p.client, "resp 3 200;trailers 3 x-trailer=sent;end 3;close 3 0;"));
    pair_free(&p);
}

static void test_informational_and_head(void)
{
    struct pair p;
    pair_init(&p, NULL, NULL);
    exchange(&p, "/early");
    CHECK_MSG(strcmp(p.client.log.text, "info 1 103;info 1 103;resp 1 200;end 1;close 1 0;") == 0,
              "client: %s", p.client.log.text);
    log_clear(&p.client.log);

    /* HEAD: the content-length describes a body that does not come. */
    h2r_header head[] = {FIELD(":method", "HEAD"), FIELD(":path", "/hello")};
    request(&p, head, 2, H2R_REQUEST_END_STREAM);
    pump(&p);
    CHECK_MSG(strcmp(p.client.log.text, "resp 3 200 end;end 3;close 3 0;") == 0, "client: %s",
              p.client.log.text);
    CHECK(p.client.body_len[3] == 0);
    pair_free(&p);
}

/* Node's 'continue': the server's 100 to expect: 100-continue reaches on_informational before the body goes.
 */
static void test_continue(void)
{
    struct pair p;
    pair_start(&p, NULL, NULL);
    h2r_header fields[] = {FIELD(":method", "POST"), FIELD(":path", "/continue"),
                           FIELD("expect", "100-continue")};
    h2r_stream *st = request(&p, fields, 3, 0);
    pump(&p);
    CHECK_MSG(strcmp(p.client.log.text, "info 1 100;") == 0, "client: %s", p.client.log.text);
    CHECK(has(&p.server, "stream 1 POST /continue -;") && !has(&p.server, "end 1;"));
    CHECK(h2r_stream_write(st, "abc", 3, NULL, NULL) == 1 && h2r_stream_end(st) == 0);
    pump(&p);
    CHECK_MSG(strcmp(p.client.log.text, "info 1 100;resp 1 200;end 1;close 1 0;") == 0, "client: %s",
              p.client.log.text);
    CHECK_MEM(p.client.body[1], p.client.body_len[1], "abc", 3);
    pair_free(&p);
}

/* Feeds one frame, written by hand, to a session past its SETTINGS. */
static void feed_frame(h2r_session *s, uint8_t type, uint32_t stream_id, const void *payload, size_t len)
{
    uint8_t frame[H2R_FRAME_HEADER_LEN + 64];
    CHECK(len <= 64);
    h2r_frame_header_encode(frame, (uint32_t)len, type, 0, stream_id);
    memcpy(frame + H2R_FRAME_HEADER_LEN, payload, len);
    CHECK(h2r_session_feed(s, frame, H2R_FRAME_HEADER_LEN + len) == (ssize_t)(H2R_FRAME_HEADER_LEN + len));
}

/* Node's client 'altsvc' and 'origin' events: the server's ALTSVC and ORIGIN frames, and those to ignore. */
static void test_altsvc_and_origin(void)
{
    struct pair p;
    memset(&p, 0, sizeof(p));
    p.client.session = h2r_session_client_new(NULL, &callbacks, &p.client, "https", "localhost");
    p.server.session = h2r_session_server_new(NULL, &callbacks, &p.server);
    pump(&p);
    get(&p, "/hold");
    pump(&p);
    CHECK(h2r_session_altsvc(p.server.session, 0, "https://localhost", "h2=\":8443\"") == 0);
    CHECK(h2r_session_altsvc(p.server.session, 1, NULL, "h3=\":443\"; ma=60") == 0);
    const char *origins[] = {"https://a.example", "https://b.example:8443"};
    CHECK(h2r_session_origin(p.server.session, origins, 2) == 0);
    pump(&p);
    CHECK_MSG(strcmp(p.client.log.text,
                     "altsvc 0 'https://localhost' h2=\":8443\";altsvc 1 '' h3=\":443\"; ma=60;"
                     "origin https://a.example;origin https://b.example:8443;") == 0,
              "client: %s", p.client.log.text);
    log_clear(&p.client.log);

    /* Ignored whole: ALTSVC on stream 0 without an origin or on a stream with one (RFC 7838 §4), ORIGIN on a
     * stream, or with an entry that runs past its end (the valid entry before it not told either). */
    feed_frame(p.client.session, H2R_FRAME_ALTSVC, 0, "\0\0h2=\":1\"", 8);
    feed_frame(p.client.session, H2R_FRAME_ALTSVC, 1, "\0\1xh2=\":1\"", 9);
    feed_frame(p.client.session, H2R_FRAME_ORIGIN, 1, "\0\3a.b", 5);
    feed_frame(p.client.session, H2R_FRAME_ORIGIN, 0, "\0\3a.b\0\7c.d", 10);
    feed_frame(p.client.session, H2R_FRAME_ORIGIN, 0, "\0\3a.b\0", 6);
    CHECK_MSG(p.client.log.len == 0 && h2r_session_want_read(p.client.session), "client: %s",
              p.client.log.text);
    /* An empty ORIGIN frame is valid and says nothing; the entries of a good one are told. */
    feed_frame(p.client.session, H2R_FRAME_ORIGIN, 0, "", 0);
    feed_frame(p.client.session, H2R_FRAME_ORIGIN, 0, "\0\3a.b\0\0", 7);
    CHECK_MSG(strcmp(p.client.log.text, "origin a.b;origin ;") == 0, "client: %s", p.client.log.text);
    pair_free(&p);

    /* A session whose scheme is http hears of ALTSVC, not of ORIGIN (Node's, over TLS only); a server of
     * neither. */
    pair_start(&p, NULL, NULL);
    CHECK(h2r_session_origin(p.server.session, origins, 2) == 0);
    CHECK(h2r_session_altsvc(p.server.session, 0, "http://localhost", "h2c=\":80\"") == 0);
    pump(&p);
    CHECK_MSG(strcmp(p.client.log.text, "altsvc 0 'http://localhost' h2c=\":80\";") == 0, "client: %s",
              p.client.log.text);
    feed_frame(p.server.session, H2R_FRAME_ALTSVC, 0, "\0\1xh2=\":1\"", 9);
    feed_frame(p.server.session, H2R_FRAME_ORIGIN, 0, "\0\3a.b", 5);
    CHECK_MSG(p.server.log.len == 0 && h2r_session_want_read(p.server.session), "server: %s",
              p.server.log.text);
    pair_free(&p);
}

static void test_push(void)
{
    struct pair p;
    pair_init(&p, NULL, NULL);
    exchange(&p, "/x");
    CHECK(p.server.push_results[0] == 0 && p.server.push_results[1] == 0);
    CHECK(before(&p.client, "push 2 /y;", "push 4 /z;"));
    CHECK(before(&p.client, "push 4 /z;", "resp 1 200;"));
    CHECK(before(&p.client, "push 2 /y;resp 2 200;", "end 2;close 2 0;"));
    CHECK(before(&p.client, "push 4 /z;resp 4 200;", "end 4;close 4 0;"));
    CHECK(has(&p.client, "end 1;close 1 0;"));
    CHECK_MEM(p.client.body[2], p.client.body_len[2], "Y body", 6);
    CHECK_MEM(p.client.body[4], p.client.body_len[4], "Z body", 6);
    h2r_stream_state state;
    h2r_stream_get_state(p.client.streams.list[1], &state);
    CHECK(state.state == H2R_STREAM_STATE_CLOSED);
    CHECK(!h2r_stream_push_allowed(p.client.streams.list[0]));
    h2r_stream *pushed = NULL;
    CHECK(h2r_stream_push(p.client.streams.list[0], NULL, 0, &pushed) == H2R_ERR_STREAM_CLOSED && !pushed);
    h2r_session_state ss;
    h2r_session_get_state(p.client.session, &ss);
    CHECK(ss.last_proc_stream_id == 4 && ss.open_streams == 0);
    pair_free(&p);

    /* The client refuses /z (a body larger than the windows): the server's push is reset with CANCEL. */
    pair_init(&p, NULL, NULL);
    p.client.cancel_push = "/z";
    exchange(&p, "/xbig");
    CHECK(has(&p.client, "push 4 /z;close 4 8;") && !has(&p.client, "resp 4"));
    CHECK(has(&p.server, "aborted 4;close 4 8;"));
    CHECK(has(&p.client, "end 2;close 2 0;") && has(&p.client, "end 1;close 1 0;"));
    CHECK(p.client.body_len[4] == 0);
    pair_free(&p);

    /* With enable_push 0 the server may not push at all. */
    h2r_session_options options;
    h2r_session_options_init(&options);
    options.settings.enable_push = 0;
    pair_start(&p, &options, NULL);
    CHECK(p.server.remote_settings.enable_push == 0);
    exchange(&p, "/x");
    CHECK(p.server.push_results[0] == H2R_ERR_PUSH_DISABLED);
    CHECK(!has(&p.client, "push") && has(&p.client, "resp 1 200;end 1;close 1 0;"));
    pair_free(&p);
}

static void test_resets(void)
{
    struct pair p;
    pair_init(&p, NULL, NULL);
    /* The server resets: the client's request is aborted. */
    exchange(&p, "/reset");
    CHECK_MSG(strcmp(p.client.log.text, "aborted 1;close 1 2;") == 0, "client: %s", p.client.log.text);
    log_clear(&p.client.log);
    /* The server refuses: not processed, so retryable, nothing aborted. */
    h2r_stream *st = exchange(&p, "/refuse");
    CHECK_MSG(strcmp(p.client.log.text, "close 3 7;") == 0, "client: %s", p.client.log.text);
    CHECK(h2r_stream_rst_code(st) == H2R_REFUSED_STREAM && !h2r_stream_aborted(st));
    /* The client resets a request the server holds. */
    st = exchange(&p, "/hold");
    CHECK(h2r_stream_close(st, H2R_CANCEL) == 0);
    pump(&p);
    CHECK(has(&p.client, "close 5 8;") && has(&p.server, "aborted 5;close 5 8;"));
    CHECK(h2r_stream_write(st, "x", 1, NULL, NULL) == H2R_ERR_STREAM_CLOSED);
    /* A response that arrives for it later is dropped without a fuss. */
    CHECK(h2r_stream_respond(server_stream(&p, 5), NULL, 0, 0) == H2R_ERR_STREAM_CLOSED);
    pump(&p);
    CHECK(p.client.error_code == 0 && h2r_session_want_read(p.client.session));
    pair_free(&p);
}

static void test_goaway_from_server(void)
{
    struct pair p;
    pair_init(&p, NULL, NULL);
    get(&p, "/hold");
    h2r_stream *second = exchange(&p, "/hold");
    /* The server promises to process stream 1 only. */
    CHECK(h2r_session_goaway(p.server.session, H2R_NO_ERROR, 1, NULL, 0) == 0);
    pump(&p);
    CHECK(has(&p.client, "close 3 7;goaway 0 1;") && !has(&p.client, "aborted"));
    CHECK(h2r_stream_closed(second) && h2r_stream_rst_code(second) == H2R_REFUSED_STREAM);
    h2r_stream *st = (h2r_stream *)1;
    CHECK(h2r_session_request(p.client.session, NULL, 0, 0, &st) == H2R_ERR_SESSION_CLOSED && !st);
    CHECK(!h2r_session_is_done(p.client.session) && !p.client.session_closed);
    /* The remaining stream finishes, and with it the client. */
    respond_body(server_stream(&p, 1), hello, strlen(hello), 0);
    pump(&p);
    CHECK(has(&p.client, "resp 1 200;end 1;close 1 0;"));
    CHECK(h2r_session_is_done(p.client.session) && p.client.session_closed);
    pair_free(&p);
}

static void test_graceful_close(void)
{
    /* The client closes: no new requests, the open one finishes, then the client is done. */
    struct pair p;
    pair_init(&p, NULL, NULL);
    exchange(&p, "/hold");
    h2r_session_close(p.client.session);
    h2r_stream *st = NULL;
    CHECK(h2r_session_request(p.client.session, NULL, 0, 0, &st) == H2R_ERR_SESSION_CLOSED);
    pump(&p);
    CHECK(has(&p.server, "goaway 0 0;"));
    CHECK(!h2r_session_is_done(p.client.session));
    respond_body(server_stream(&p, 1), hello, strlen(hello), 0);
    pump(&p);
    CHECK(has(&p.client, "end 1;close 1 0;"));
    CHECK(h2r_session_is_done(p.client.session) && p.client.session_closed);
    /* Done for good once told: a PING after it queues an ACK, and the I/O layer still finds the session done.
     */
    CHECK(h2r_session_ping(p.server.session, NULL, NULL, NULL) == 0);
    CHECK(transfer(p.server.session, p.client.session) != 0 && h2r_session_want_write(p.client.session));
    CHECK(h2r_session_is_done(p.client.session) && p.client.session_closed == 1);
    pair_free(&p);

    /* The server closes: its GOAWAY, then the PING round trip, then the last stream; the client follows. */
    pair_init(&p, NULL, NULL);
    exchange(&p, "/hold");
    h2r_session_close(p.server.session);
    pump(&p);
    CHECK(has(&p.client, "goaway 0 2147483647;goaway 0 1;"));
    CHECK(h2r_session_request(p.client.session, NULL, 0, 0, &st) == H2R_ERR_SESSION_CLOSED);
    respond_body(server_stream(&p, 1), hello, strlen(hello), 0);
    pump(&p);
    CHECK(has(&p.client, "end 1;close 1 0;"));
    CHECK(h2r_session_is_done(p.client.session) && h2r_session_is_done(p.server.session));
    CHECK(p.client.session_closed && p.server.session_closed);
    pair_free(&p);
}

static void test_concurrency_limit(void)
{
    h2r_session_options options;
    h2r_session_options_init(&options);
    options.settings.max_concurrent_streams = 2;
    struct pair p;
    pair_start(&p, NULL, &options);
    CHECK(p.client.remote_settings.max_concurrent_streams == 2);
    get(&p, "/hold");
    get(&p, "/hold");
    h2r_stream *st = (h2r_stream *)1;
    CHECK(h2r_session_request(p.client.session, NULL, 0, 0, &st) == H2R_ERR_STREAM_LIMIT && !st);
    pump(&p);
    respond_body(server_stream(&p, 3), hello, strlen(hello), 0);
    pump(&p);
    CHECK(has(&p.client, "close 3 0;"));
    st = get(&p, "/hello");
    CHECK(st && h2r_stream_id(st) == 5);
    pump(&p);
    CHECK(has(&p.client, "resp 5 200;end 5;close 5 0;"));
    pair_free(&p);
}

static void test_destroy(void)
{
    struct pair p;
    pair_start(&p, NULL, NULL);
    h2r_stream *st = get(&p, "/hold");
    pump(&p);
    h2r_session_destroy(p.client.session, H2R_CANCEL);
    CHECK(has(&p.client, "aborted 1;close 1 8;") && h2r_stream_aborted(st));
    CHECK(h2r_session_request(p.client.session, NULL, 0, 0, &st) == H2R_ERR_SESSION_CLOSED);
    pump(&p);
    CHECK(has(&p.server, "goaway 8 0;")); /* the server's request is the connection's to end */
    CHECK(h2r_session_is_done(p.client.session) && p.client.session_closed);
    pair_free(&p);
}

static void on_ping_ack(h2r_session *s, int err, double duration_ms, const uint8_t payload[8], void *ctx)
{
    (void)s;
    CHECK(err == 0 && duration_ms >= 0 && memcmp(payload, "pingpong", 8) == 0);
    ++*(int *)ctx;
}

static void test_ping_settings_priority(void)
{
    struct pair p;
    pair_init(&p, NULL, NULL);
    int acks = 0;
    CHECK(h2r_session_ping(p.client.session, (const uint8_t *)"pingpong", on_ping_ack, &acks) == 0);
    pump(&p);
    CHECK(acks == 1);

    h2r_settings settings = *h2r_session_local_settings(p.client.session);
    settings.initial_window_size = 100000;
    settings.max_concurrent_streams = 7;
    settings.enable_push = 0;
    CHECK(h2r_session_settings(p.client.session, &settings) == 0);
    CHECK(h2r_session_pending_settings_ack(p.client.session));
    pump(&p);
    CHECK(!h2r_session_pending_settings_ack(p.client.session));
    CHECK(h2r_session_local_settings(p.client.session)->initial_window_size == 100000);
    CHECK(p.server.remote_settings.initial_window_size == 100000);
    CHECK(p.server.remote_settings.max_concurrent_streams == 7);
    CHECK(p.server.remote_settings.enable_push == 0 && p.client.remote_settings.enable_push == 0);

    /* A PRIORITY frame from the client moves the server's stream. */
    h2r_stream *st = exchange(&p, "/hold");
    CHECK(h2r_stream_priority(st, 0, 32, 0, 0) == 0);
    pump(&p);
    h2r_stream_state state;
    h2r_stream_get_state(server_stream(&p, 1), &state);
    CHECK(state.weight == 32);
    h2r_stream_get_state(st, &state);
    CHECK(state.state == H2R_STREAM_STATE_HALF_CLOSED_LOCAL && state.remote_window_size == 65535);

    /* What only a server does. */
    CHECK(h2r_session_altsvc(p.client.session, 0, "https://a", "h2=\":443\"") == H2R_ERR_INVALID_STATE);
    const char *origins[] = {"https://a"};
    CHECK(h2r_session_origin(p.client.session, origins, 1) == H2R_ERR_INVALID_STATE);
    CHECK(h2r_stream_respond(st, NULL, 0, 0) == H2R_ERR_STREAM_CLOSED);
    pair_free(&p);
}

/* ---- request heads ---- */

static void test_request_heads(void)
{
    h2r_session_options options;
    h2r_session_options_init(&options);
    options.settings.max_header_list_size = 300;
    struct pair p;
    pair_start(&p, NULL, &options);
    h2r_stream *st = NULL;
    h2r_header bad[] = {FIELD(":path", "/"), FIELD("connection", "keep-alive")};
    CHECK(h2r_session_request(p.client.session, bad, 2, 0, &st) == H2R_ERR_INVALID_HEADER);
    h2r_header status[] = {FIELD(":status", "200")};
    CHECK(h2r_session_request(p.client.session, status, 1, 0, &st) == H2R_ERR_INVALID_HEADER);
    h2r_header misplaced[] = {FIELD("accept", "*/*"), FIELD(":path", "/")};
    CHECK(h2r_session_request(p.client.session, misplaced, 2, 0, &st) == H2R_ERR_INVALID_HEADER);
    /* :protocol only once the server allowed extended CONNECT (RFC 8441). */
    h2r_header ws[] = {FIELD(":method", "CONNECT"), FIELD(":protocol", "websocket"), FIELD(":path", "/chat")};
    CHECK(h2r_session_request(p.client.session, ws, 3, 0, &st) == H2R_ERR_INVALID_HEADER);
    char big[400];
    memset(big, 'a', sizeof(big));
    h2r_header large[] = {{.name = "x-big", .name_len = 5, .value = big, .value_len = sizeof(big)}};
    CHECK(h2r_session_request(p.client.session, large, 1, 0, &st) == H2R_ERR_HEADERS_TOO_LARGE);
    CHECK(h2r_session_request(p.server.session, NULL, 0, 0, &st) == H2R_ERR_INVALID_STATE);
    CHECK(h2r_session_request(p.client.session, NULL, 0, 4, &st) == H2R_ERR_INVALID_ARGUMENT);
    /* None of those used a stream id. */
    h2r_header given[] = {FIELD(":method", "DELETE"), FIELD(":scheme", "https"),
                          FIELD(":authority", "example.com"), FIELD(":path", "/item"),
                          FIELD("accept", "*/*")};
    st = request(&p, given, 5, H2R_REQUEST_END_STREAM);
    CHECK(h2r_stream_id(st) == 1);
    /* CONNECT: :authority with a port, no :scheme or :path. */
    h2r_header connect[] = {FIELD(":method", "CONNECT"), FIELD(":authority", "example.com:443")};
    request(&p, connect, 2, 0);
    pump(&p);
    CHECK(has(&p.server, "stream 1 DELETE /item - end;") && has(&p.server, "stream 3 CONNECT - -;"));
    pair_free(&p);

    options.settings.enable_connect_protocol = 1;
    pair_start(&p, NULL, &options);
    request(&p, ws, 3, 0);
    pump(&p);
    CHECK(has(&p.server, "stream 1 CONNECT /chat websocket;"));
    pair_free(&p);

    /* A client made with what cannot be a request's :scheme or :authority is refused. */
    CHECK(h2r_session_client_new(NULL, NULL, NULL, "http", "user@host") == NULL);
    CHECK(h2r_session_client_new(NULL, NULL, NULL, "", "localhost") == NULL);
    CHECK(h2r_session_client_new(NULL, NULL, NULL, NULL, "localhost") == NULL);
}

static void *request_from_thread(void *session)
{
    h2r_stream *st = NULL;
    static int rc;
    rc = h2r_session_request(session, NULL, 0, H2R_REQUEST_END_STREAM, &st);
    return &rc;
}

static void test_wrong_thread(void)
{
    struct pair p;
    pair_init(&p, NULL, NULL);
    pthread_t thread;
    void *rc = NULL;
    CHECK(pthread_create(&thread, NULL, request_from_thread, p.client.session) == 0);
    CHECK(pthread_join(thread, &rc) == 0);
    CHECK(rc && *(int *)rc == H2R_ERR_WRONG_THREAD);
    CHECK(get(&p, "/hello") != NULL);
    pair_free(&p);
}

/* ---- a hostile server, written by hand ---- */

/* A client session against the peer, past the SETTINGS exchange, with a GET / on stream 1 sent. */
static h2r_stream *raw_start(struct peer *peer, struct side *side, const h2r_session_options *options)
{
    memset(side, 0, sizeof(*side));
    peer_init_client(peer, options, &callbacks, side);
    side->session = peer->session;
    peer_flush(peer);
    CHECK(peer_find(peer, H2R_FRAME_SETTINGS, 0) != NULL);
    peer_settings(peer, NULL, 0);
    peer_settings_ack(peer);
    h2r_stream *st = NULL;
    CHECK(h2r_session_request(peer->session, NULL, 0, H2R_REQUEST_END_STREAM, &st) == 0);
    keep_stream(&side->streams, st);
    peer_flush(peer);
    const struct peer_frame *f = peer_find(peer, H2R_FRAME_HEADERS, 1);
    CHECK(f && peer_field(f, ":method") && strcmp(peer_field(f, ":method"), "GET") == 0 &&
          strcmp(peer_field(f, ":path"), "/") == 0 && strcmp(peer_field(f, ":authority"), "localhost") == 0 &&
          strcmp(peer_field(f, ":scheme"), "http") == 0 && (f->h.flags & H2R_FLAG_END_STREAM));
    peer_clear(peer);
    return st;
}

static void raw_free(struct peer *peer, struct side *side)
{
    unref_streams(&side->streams);
    peer_free(peer);
    for (size_t i = 0; i != MAX_IDS; ++i) free(side->body[i]);
}

static void push_promise(struct peer *peer, uint32_t stream_id, uint32_t promised, const char *path)
{
    h2r_header fields[] = {FIELD(":method", "GET"),
                           FIELD(":scheme", "http"),
                           FIELD(":authority", "localhost"),
                           {.name = ":path", .name_len = 5, .value = path, .value_len = strlen(path)}};
    uint8_t buf[256];
    buf[0] = (uint8_t)(promised >> 24), buf[1] = (uint8_t)(promised >> 16);
    buf[2] = (uint8_t)(promised >> 8), buf[3] = (uint8_t)promised;
    size_t n = peer_encode(peer, fields, 4, buf + 4, sizeof(buf) - 4);
    peer_frame(peer, H2R_FRAME_PUSH_PROMISE, H2R_FLAG_END_HEADERS, stream_id, buf, 4 + n);
}

static void status(struct peer *peer, uint32_t id, const char *code, uint8_t flags)
{
    h2r_header fields[] = {{.name = ":status", .name_len = 7, .value = code, .value_len = strlen(code)}};
    peer_headers(peer, id, flags, fields, 1);
}

/* The client answered with GOAWAY code, and told the application so. */
static int connection_failed(struct peer *peer, struct side *side, uint32_t code)
{
    peer_flush(peer);
    return peer_got_goaway(peer, code) && side->error_code == code && !h2r_session_want_read(peer->session) &&
           peer->last_feed == H2R_ERR_PROTOCOL;
}

static void test_hostile_first_frame(void)
{
    struct peer peer;
    struct side side = {0};
    peer_init_client(&peer, NULL, &callbacks, &side);
    peer_flush(&peer);
    /* The server's first frame must be SETTINGS (RFC 9113 §3.4). */
    peer_frame(&peer, H2R_FRAME_PING, 0, 0, "12345678", 8);
    CHECK(connection_failed(&peer, &side, H2R_PROTOCOL_ERROR));
    raw_free(&peer, &side);
    /* No client preface comes back: read as a frame header, it is one far too large. */
    peer_init_client(&peer, NULL, &callbacks, &side);
    peer_send(&peer, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    CHECK(connection_failed(&peer, &side, H2R_FRAME_SIZE_ERROR));
    raw_free(&peer, &side);

    struct h2r_setting push_on = {H2R_SETTINGS_ENABLE_PUSH, 1};
    peer_init_client(&peer, NULL, &callbacks, &side);
    peer_flush(&peer);
    peer_settings(&peer, &push_on, 1);
    CHECK(connection_failed(&peer, &side, H2R_PROTOCOL_ERROR));
    raw_free(&peer, &side);
}

static void test_hostile_push(void)
{
    /* PUSH_PROMISE when our SETTINGS said no. */
    h2r_session_options options;
    h2r_session_options_init(&options);
    options.settings.enable_push = 0;
    struct peer peer;
    struct side side;
    raw_start(&peer, &side, &options);
    push_promise(&peer, 1, 2, "/y");
    CHECK(connection_failed(&peer, &side, H2R_PROTOCOL_ERROR) && !has(&side, "push 2"));
    CHECK(has(&side, "aborted 1;close 1 8;"));
    raw_free(&peer, &side);

    /* The same before the server acknowledged those SETTINGS: it may not have read them, so no error. */
    side = (struct side){0};
    peer_init_client(&peer, &options, &callbacks, &side);
    peer_flush(&peer);
    peer_settings(&peer, NULL, 0);
    h2r_stream *st = NULL;
    CHECK(h2r_session_request(peer.session, NULL, 0, H2R_REQUEST_END_STREAM, &st) == 0);
    push_promise(&peer, 1, 2, "/y");
    peer_flush(&peer);
    CHECK(peer_got_rst(&peer, 2, H2R_REFUSED_STREAM) && !has(&side, "push 2") && side.error_code == 0);
    raw_free(&peer, &side);

    /* A push's states: reserved (remote), then half-closed (local) with its response, then closed. */
    raw_start(&peer, &side, NULL);
    push_promise(&peer, 1, 2, "/a");
    peer_flush(&peer);
    h2r_stream *pushed = last_stream(&side.streams);
    h2r_stream_state state;
    h2r_stream_get_state(pushed, &state);
    CHECK(h2r_stream_id(pushed) == 2 && state.state == H2R_STREAM_STATE_RESERVED_REMOTE);
    CHECK(h2r_stream_write(pushed, "x", 1, NULL, NULL) == H2R_ERR_STREAM_CLOSED);
    status(&peer, 2, "200", 0);
    h2r_stream_get_state(pushed, &state);
    CHECK(state.state == H2R_STREAM_STATE_HALF_CLOSED_LOCAL && has(&side, "resp 2 200;"));
    peer_frame(&peer, H2R_FRAME_DATA, H2R_FLAG_END_STREAM, 2, "abc", 3);
    CHECK(h2r_stream_closed(pushed) && has(&side, "end 2;close 2 0;"));
    CHECK_MEM(side.body[2], side.body_len[2], "abc", 3);
    raw_free(&peer, &side);

    /* A promised POST is refused on the promised stream; the connection goes on. */
    raw_start(&peer, &side, NULL);
    h2r_header post[] = {FIELD(":method", "POST"), FIELD(":scheme", "http"), FIELD(":authority", "localhost"),
                         FIELD(":path", "/p")};
    uint8_t buf[128] = {0, 0, 0, 2};
    size_t n = peer_encode(&peer, post, 4, buf + 4, sizeof(buf) - 4);
    peer_frame(&peer, H2R_FRAME_PUSH_PROMISE, H2R_FLAG_END_HEADERS, 1, buf, 4 + n);
    peer_flush(&peer);
    CHECK(peer_got_rst(&peer, 2, H2R_PROTOCOL_ERROR) && !has(&side, "push") && side.error_code == 0);
    /* Frames the server had in flight on it are ignored. */
    status(&peer, 2, "200", H2R_FLAG_END_STREAM);
    status(&peer, 1, "200", H2R_FLAG_END_STREAM);
    peer_flush(&peer);
    CHECK(has(&side, "resp 1 200 end;") && !has(&side, "resp 2") && side.error_code == 0);
    raw_free(&peer, &side);

    /* Past our MAX_CONCURRENT_STREAMS pushes are refused, and too many refusals cost the connection. */
    options.settings.enable_push = 1;
    options.settings.max_concurrent_streams = 1;
    options.max_session_rejected_streams = 2;
    raw_start(&peer, &side, &options);
    push_promise(&peer, 1, 2, "/a");
    push_promise(&peer, 1, 4, "/b");
    peer_flush(&peer);
    CHECK(has(&side, "push 2 /a;") && !has(&side, "push 4") && peer_got_rst(&peer, 4, H2R_REFUSED_STREAM));
    push_promise(&peer, 1, 6, "/c");
    push_promise(&peer, 1, 8, "/d");
    CHECK(connection_failed(&peer, &side, H2R_ENHANCE_YOUR_CALM));
    raw_free(&peer, &side);
}

/* ---- hostile frames, each a sender and what it must cost ---- */

static void headers_on_even_id(struct peer *peer)
{
    status(peer, 2, "200", H2R_FLAG_END_STREAM); /* never promised */
}

static void headers_on_idle_id(struct peer *peer)
{
    status(peer, 5, "200", H2R_FLAG_END_STREAM); /* never opened */
}

static void window_update_on_idle_id(struct peer *peer)
{
    peer_window_update(peer, 7, 100);
}

static void rst_on_idle_id(struct peer *peer)
{
    peer_rst_stream(peer, 2, H2R_CANCEL);
}

static void priority_update(struct peer *peer)
{
    peer_frame(peer, H2R_FRAME_PRIORITY_UPDATE, 0, 0, "\0\0\0\1u=1",
               7); /* only from clients, RFC 9218 §7.1 */
}

static void promise_on_unopened(struct peer *peer)
{
    push_promise(peer, 3, 2, "/y");
}

static void promise_after_response(struct peer *peer)
{
    status(peer, 1, "200", H2R_FLAG_END_STREAM);
    push_promise(peer, 1, 2, "/y");
}

static void promise_ids_down(struct peer *peer)
{
    push_promise(peer, 1, 4, "/y");
    push_promise(peer, 1, 2, "/z");
}

static void data_on_promise(struct peer *peer)
{
    push_promise(peer, 1, 2, "/a"); /* reserved (remote) until its HEADERS (§5.1) */
    peer_frame(peer, H2R_FRAME_DATA, 0, 2, "x", 1);
}

static void data_before_response(struct peer *peer)
{
    peer_frame(peer, H2R_FRAME_DATA, 0, 1, "x", 1);
}

static void data_beyond_content_length(struct peer *peer)
{
    h2r_header cl[] = {FIELD(":status", "200"), FIELD("content-length", "2")};
    peer_headers(peer, 1, 0, cl, 2);
    peer_frame(peer, H2R_FRAME_DATA, H2R_FLAG_END_STREAM, 1, "xyz", 3);
}

static void data_after_204(struct peer *peer)
{
    status(peer, 1, "204", 0); /* no body, whatever content-length would say */
    peer_frame(peer, H2R_FRAME_DATA, H2R_FLAG_END_STREAM, 1, "x", 1);
}

static void malformed_response(struct peer *peer, const h2r_header *fields, size_t count)
{
    peer_headers(peer, 1, H2R_FLAG_END_STREAM, fields, count);
}

static void no_status(struct peer *peer)
{
    malformed_response(peer, (h2r_header[]){FIELD("content-type", "text/plain")}, 1);
}

static void status_101(struct peer *peer)
{
    malformed_response(peer, (h2r_header[]){FIELD(":status", "101")}, 1);
}

static void path_in_response(struct peer *peer)
{
    malformed_response(peer, (h2r_header[]){FIELD(":status", "200"), FIELD(":path", "/")}, 2);
}

static void status_2000(struct peer *peer)
{
    malformed_response(peer, (h2r_header[]){FIELD(":status", "2000")}, 1);
}

static void two_statuses(struct peer *peer)
{
    malformed_response(peer, (h2r_header[]){FIELD(":status", "200"), FIELD(":status", "204")}, 2);
}

static void connection_field(struct peer *peer)
{
    malformed_response(peer, (h2r_header[]){FIELD(":status", "200"), FIELD("connection", "close")}, 2);
}

static void informational_ending_stream(struct peer *peer)
{
    malformed_response(peer, (h2r_header[]){FIELD(":status", "100")}, 1); /* §8.1 */
}

static const struct hostile_case {
    const char *what;
    void (*send)(struct peer *peer);
    int connection; /* a connection error (GOAWAY), else a stream error on stream 1 (RST_STREAM) */
    uint32_t code;
} hostile_cases[] = {
    {"HEADERS on an even id never promised", headers_on_even_id, 1, H2R_PROTOCOL_ERROR},
    {"HEADERS on an odd id never opened", headers_on_idle_id, 1, H2R_PROTOCOL_ERROR},
    {"WINDOW_UPDATE on an idle stream", window_update_on_idle_id, 1, H2R_PROTOCOL_ERROR},
    {"RST_STREAM on an idle stream", rst_on_idle_id, 1, H2R_PROTOCOL_ERROR},
    {"PRIORITY_UPDATE from a server", priority_update, 1, H2R_PROTOCOL_ERROR},
    {"PUSH_PROMISE on a stream never opened", promise_on_unopened, 1, H2R_PROTOCOL_ERROR},
    {"PUSH_PROMISE after the response ended", promise_after_response, 1, H2R_PROTOCOL_ERROR},
    {"promised ids going down", promise_ids_down, 1, H2R_PROTOCOL_ERROR},
    {"DATA on a promised stream", data_on_promise, 1, H2R_PROTOCOL_ERROR},
    {"DATA before the response", data_before_response, 0, H2R_PROTOCOL_ERROR},
    {"DATA beyond content-length", data_beyond_content_length, 0, H2R_PROTOCOL_ERROR},
    {"DATA after a 204", data_after_204, 0, H2R_PROTOCOL_ERROR},
    {"no :status", no_status, 0, H2R_PROTOCOL_ERROR},
    {":status 101", status_101, 0, H2R_PROTOCOL_ERROR},
    {":path in a response", path_in_response, 0, H2R_PROTOCOL_ERROR},
    {":status of 4 digits", status_2000, 0, H2R_PROTOCOL_ERROR},
    {"two :status", two_statuses, 0, H2R_PROTOCOL_ERROR},
    {"a connection field", connection_field, 0, H2R_PROTOCOL_ERROR},
    {"a 1xx with END_STREAM", informational_ending_stream, 0, H2R_PROTOCOL_ERROR},
};

static void test_hostile_cases(void)
{
    for (size_t i = 0; i != sizeof(hostile_cases) / sizeof(hostile_cases[0]); ++i) {
        const struct hostile_case *c = &hostile_cases[i];
        struct peer peer;
        struct side side;
        raw_start(&peer, &side, NULL);
        c->send(&peer);
        if (c->connection) {
            CHECK_MSG(connection_failed(&peer, &side, c->code), "%s: %s", c->what, side.log.text);
        } else {
            peer_flush(&peer);
            char closed[32];
            snprintf(closed, sizeof(closed), "aborted 1;close 1 %u;", c->code);
            CHECK_MSG(peer_got_rst(&peer, 1, c->code) && has(&side, closed) && !has(&side, "end 1;") &&
                          side.error_code == 0 && h2r_session_want_read(peer.session),
                      "%s: %s", c->what, side.log.text);
        }
        raw_free(&peer, &side);
    }
}

static void test_hostile_floods(void)
{
    struct peer peer;
    struct side side;
    /* DATA beyond the stream's window: a stream error; beyond the connection's: a connection error. */
    h2r_session_options options;
    h2r_session_options_init(&options);
    options.settings.initial_window_size = 100;
    raw_start(&peer, &side, &options);
    status(&peer, 1, "200", 0);
    static uint8_t junk[70000];
    peer_frame(&peer, H2R_FRAME_DATA, 0, 1, junk, 101);
    peer_flush(&peer);
    CHECK(peer_got_rst(&peer, 1, H2R_FLOW_CONTROL_ERROR) && has(&side, "aborted 1;close 1 3;"));
    raw_free(&peer, &side);
    options.settings.initial_window_size = 65535;
    options.connection_window_size = 65535;
    options.settings.max_frame_size = 16384 * 4;
    raw_start(&peer, &side, &options);
    status(&peer, 1, "200", 0);
    peer_frame(&peer, H2R_FRAME_DATA, 0, 1, junk, 65536);
    CHECK(connection_failed(&peer, &side, H2R_FLOW_CONTROL_ERROR));
    raw_free(&peer, &side);

    /* PINGs, or SETTINGS, from a server that reads nothing back: their ACKs pile up (CVE-2019-9512/9515). */
    h2r_session_options small_queue;
    h2r_session_options_init(&small_queue);
    small_queue.max_control_queue_bytes = 4096; /* the ACKs that fill it fit the peer's frame list */
    for (uint8_t type = H2R_FRAME_SETTINGS; type <= H2R_FRAME_PING; type += 2) {
        raw_start(&peer, &side, &small_queue);
        for (int i = 0; i != 10000 && h2r_session_want_read(peer.session); ++i)
            peer_frame(&peer, type, 0, 0, "12345678", type == H2R_FRAME_PING ? 8 : 0);
        CHECK_MSG(connection_failed(&peer, &side, H2R_ENHANCE_YOUR_CALM), "type %u: %s", type, side.log.text);
        raw_free(&peer, &side);
    }

    /* CONTINUATION frames without end (CVE-2024-28182). */
    raw_start(&peer, &side, NULL);
    uint8_t block[16];
    size_t n = peer_encode(&peer, (h2r_header[]){FIELD(":status", "200")}, 1, block, sizeof(block));
    peer_frame(&peer, H2R_FRAME_HEADERS, 0, 1, block, n);
    for (int i = 0; i != 100 && h2r_session_want_read(peer.session); ++i)
        peer_frame(&peer, H2R_FRAME_CONTINUATION, 0, 1, "\x40\x01x\x01y", 5);
    CHECK(connection_failed(&peer, &side, H2R_ENHANCE_YOUR_CALM));
    raw_free(&peer, &side);

    /* A response header list past our limit is reset, HPACK kept in step. */
    options.settings.max_header_list_size = 100;
    raw_start(&peer, &side, &options);
    char big[200];
    memset(big, 'b', sizeof(big));
    h2r_header large[] = {FIELD(":status", "200"),
                          {.name = "x-big", .name_len = 5, .value = big, .value_len = 200}};
    peer_headers(&peer, 1, H2R_FLAG_END_STREAM, large, 2);
    peer_flush(&peer);
    CHECK(peer_got_rst(&peer, 1, H2R_ENHANCE_YOUR_CALM) && has(&side, "close 1 11;") && !has(&side, "resp"));
    raw_free(&peer, &side);

    /* Pushes promised then reset before they complete: the rapid-reset budget. */
    options.settings.max_header_list_size = 65536;
    options.max_reset_streams = 3;
    raw_start(&peer, &side, &options);
    for (uint32_t id = 2; id != 20 && h2r_session_want_read(peer.session); id += 2) {
        push_promise(&peer, 1, id, "/p");
        peer_rst_stream(&peer, id, H2R_CANCEL);
    }
    CHECK(connection_failed(&peer, &side, H2R_ENHANCE_YOUR_CALM) && has(&side, "push 8 /p;"));
    raw_free(&peer, &side);
}

static void test_hostile_goaway(void)
{
    struct peer peer;
    struct side side;
    raw_start(&peer, &side, NULL);
    h2r_stream *second = NULL;
    CHECK(h2r_session_request(peer.session, NULL, 0, H2R_REQUEST_END_STREAM, &second) == 0);
    keep_stream(&side.streams, second);
    uint8_t goaway[8] = {0, 0, 0, 1, 0, 0, 0, 0};
    peer_frame(&peer, H2R_FRAME_GOAWAY, 0, 0, goaway, 8);
    CHECK_MSG(strcmp(side.log.text, "close 3 7;goaway 0 1;") == 0, "%s", side.log.text);
    /* Requests above the last stream id were not processed: they may be retried elsewhere. */
    CHECK(!h2r_stream_aborted(second) && h2r_stream_rst_code(second) == H2R_REFUSED_STREAM);
    status(&peer, 1, "200", H2R_FLAG_END_STREAM);
    peer_flush(&peer);
    CHECK(has(&side, "resp 1 200 end;end 1;close 1 0;"));
    CHECK(h2r_session_is_done(peer.session) && side.session_closed);
    raw_free(&peer, &side);
}

int main(void)
{
    test_get();
    test_large_bodies_both_ways();
    test_trailers_both_ways();
    test_informational_and_head();
    test_continue();
    test_altsvc_and_origin();
    test_push();
    test_resets();
    test_goaway_from_server();
    test_graceful_close();
    test_concurrency_limit();
    test_destroy();
    test_ping_settings_priority();
    test_request_heads();
    test_wrong_thread();
    test_hostile_first_frame();
    test_hostile_push();
    test_hostile_cases();
    test_hostile_floods();
    test_hostile_goaway();
    return check_done();
}
