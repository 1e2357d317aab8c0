/*
 * The application's side of the engine, against the test peer: Node's
 * ServerHttp2Stream calls (respond, additionalHeaders, write, end,
 * sendTrailers, close, pushStream) and Http2Session calls (ping, settings,
 * close, destroy, altsvc, origin, state), what each puts on the wire, and
 * the events the application hears. Also padding, HPACK table size changes
 * and the priority scheduler seen from the wire.
 */
#include <stdlib.h>
#include <unistd.h>

#include "app_recorder.h"
#include "check.h"
#include "peer.h"

#define MIB (1u << 20)

/* ---- fixture: an application whose reaction to a request each test sets, and a log of events ---- */

struct app;
typedef void (*request_fn)(struct app *app, h2r_stream *st, const h2r_header *headers, size_t count,
                           int flags);

struct app {
    request_fn on_request;
    void (*on_want_trailers)(struct app *app, h2r_stream *st);
    struct stream_refs streams; /* every stream the application saw */
    struct event_log log;
    int session_closes;
    int local_settings;
    h2r_settings last_local;
    const uint8_t *body;
    size_t body_len;
};

static struct app *app_of(h2r_stream *st)
{
    return h2r_session_user_data(h2r_stream_session(st));
}

static void cb_stream(h2r_session *s, h2r_stream *st, const h2r_header *headers, size_t count, int flags)
{
    struct app *app = h2r_session_user_data(s);
    keep_stream(&app->streams, st);
    log_event(&app->log, "stream:%u%s ", h2r_stream_id(st), (flags & H2R_END_STREAM) ? "/end" : "");
    if (app->on_request) app->on_request(app, st, headers, count, flags);
}

static void cb_data(h2r_stream *st, const uint8_t *data, size_t len)
{
    log_event(&app_of(st)->log, "data:%u:%.*s ", h2r_stream_id(st), (int)len, (const char *)data);
}

static void cb_end(h2r_stream *st)
{
    log_event(&app_of(st)->log, "end:%u ", h2r_stream_id(st));
}

static void cb_trailers(h2r_stream *st, const h2r_header *headers, size_t count)
{
    struct app *app = app_of(st);
    log_event(&app->log, "trailers:%u", h2r_stream_id(st));
    for (size_t i = 0; i != count; ++i)
        log_event(&app->log, ":%.*s=%.*s", (int)headers[i].name_len, headers[i].name,
                  (int)headers[i].value_len, headers[i].value);
    log_event(&app->log, " ");
}

static void cb_want_trailers(h2r_stream *st)
{
    struct app *app = app_of(st);
    log_event(&app->log, "want-trailers:%u:%zu ", h2r_stream_id(st), h2r_stream_buffer_size(st));
    if (app->on_want_trailers) app->on_want_trailers(app, st);
}

static void cb_aborted(h2r_stream *st)
{
    log_event(&app_of(st)->log, "aborted:%u ", h2r_stream_id(st));
}

static void cb_stream_close(h2r_stream *st, uint32_t code)
{
    log_event(&app_of(st)->log, "close:%u:%u ", h2r_stream_id(st), code);
}

static void cb_local_settings(h2r_session *s, const h2r_settings *settings)
{
    struct app *app = h2r_session_user_data(s);
    ++app->local_settings;
    app->last_local = *settings;
}

static void cb_session_close(h2r_session *s)
{
    struct app *app = h2r_session_user_data(s);
    ++app->session_closes;
    log_event(&app->log, "session-close ");
}

static void cb_ping(h2r_session *s, const uint8_t payload[8])
{
    struct app *app = h2r_session_user_data(s);
    log_event(&app->log, "ping:%.8s ", (const char *)payload);
}

static const h2r_session_callbacks callbacks = {
    .on_stream = cb_stream,
    .on_data = cb_data,
    .on_end = cb_end,
    .on_trailers = cb_trailers,
    .on_want_trailers = cb_want_trailers,
    .on_aborted = cb_aborted,
    .on_stream_close = cb_stream_close,
    .on_local_settings = cb_local_settings,
    .on_ping = cb_ping,
    .on_session_close = cb_session_close,
};

/* A session past the preface, its first output read and cleared. */
static void start(struct peer *p, struct app *app, const h2r_session_options *options)
{
    peer_init(p, options, &callbacks, app);
    peer_preface(p, NULL, 0);
    peer_flush(p);
    peer_clear(p);
}

static void request(struct peer *p, uint32_t id, const char *method, const char *path, int end_stream)
{
    h2r_header fields[] = {{.name = ":method", .name_len = 7, .value = method, .value_len = strlen(method)},
                           FIELD(":scheme", "https"),
                           FIELD(":authority", "example.com"),
                           {.name = ":path", .name_len = 5, .value = path, .value_len = strlen(path)}};
    peer_headers(p, id, end_stream ? H2R_FLAG_END_STREAM : 0, fields, 4);
}

/* Is there any pseudo-header in the decoded block? */
static int has_pseudo(const struct peer_frame *f)
{
    for (size_t i = 0; f && i != f->field_count; ++i)
        if (f->fields[i].name_len && f->fields[i].name[0] == ':') return 1;
    return 0;
}

/* ---- trailers (Node's waitForTrailers, 'wantTrailers', sendTrailers) ---- */

static void respond_wait_for_trailers(struct app *app, h2r_stream *st, const h2r_header *h, size_t n,
                                      int flags)
{
    (void)app, (void)h, (void)n, (void)flags;
    CHECK(h2r_stream_respond(st, NULL, 0, H2R_RESPOND_WAIT_FOR_TRAILERS) == 0);
    CHECK(h2r_stream_write(st, "abc", 3, NULL, NULL) == 1);
    CHECK(h2r_stream_end(st) == 0);
    CHECK_MSG(h2r_stream_send_trailers(st, NULL, 0) == H2R_ERR_INVALID_STATE,
              "sendTrailers before wantTrailers: H2R_ERR_INVALID_STATE");
}

static void send_trailers_now(struct app *app, h2r_stream *st)
{
    (void)app;
    h2r_header bad = FIELD(":status", "200");
    CHECK_MSG(h2r_stream_send_trailers(st, &bad, 1) == H2R_ERR_INVALID_HEADER,
              "no pseudo-header in trailers");
    h2r_header trailers[] = {FIELD("x-checksum", "abc123"), FIELD("grpc-status", "0")};
    CHECK(h2r_stream_send_trailers(st, trailers, 2) == 0);
    CHECK(h2r_stream_send_trailers(st, trailers, 2) == H2R_ERR_STREAM_CLOSED);
}

static void test_trailers(void)
{
    struct app app = {.on_request = respond_wait_for_trailers, .on_want_trailers = send_trailers_now};
    struct peer p;
    start(&p, &app, NULL);
    request(&p, 1, "GET", "/t", 1);
    CHECK_MSG(strstr(app.log.text, "want-trailers") == NULL, "no wantTrailers before the DATA is framed");
    peer_flush(&p);
    CHECK_MSG(p.frame_count == 3, "HEADERS, DATA, trailing HEADERS: %zu frames", p.frame_count);
    const struct peer_frame *f = p.frames;
    CHECK_MSG(f[0].h.type == H2R_FRAME_HEADERS && !(f[0].h.flags & H2R_FLAG_END_STREAM),
              "HEADERS without END_STREAM");
    CHECK_MSG(f[1].h.type == H2R_FRAME_DATA && f[1].h.length == 3 && !(f[1].h.flags & H2R_FLAG_END_STREAM),
              "the last DATA does not end the stream");
    h2r_header want[] = {FIELD("x-checksum", "abc123"), FIELD("grpc-status", "0")};
    CHECK_MSG(f[2].h.type == H2R_FRAME_HEADERS && (f[2].h.flags & H2R_FLAG_END_STREAM) &&
                  (f[2].h.flags & H2R_FLAG_END_HEADERS) && peer_fields_are(&f[2], want, 2) &&
                  !has_pseudo(&f[2]),
              "trailers: HEADERS with END_STREAM, the fields given, no pseudo-header");
    CHECK_MSG(strcmp(app.log.text, "stream:1/end end:1 want-trailers:1:0 close:1:0 ") == 0, "events: %.300s",
              app.log.text);
    peer_free(&p);
    unref_streams(&app.streams);
}

/* Node's sentInfoHeaders, sentHeaders and sentTrailers: on_headers_sent, logged as sent:KIND:ID:COUNT:FIRST.
 */
static void cb_headers_sent(h2r_stream *st, int kind, const h2r_header *headers, size_t count)
{
    log_event(&app_of(st)->log, "sent:%d:%u:%zu:%.*s ", kind, h2r_stream_id(st), count,
              count ? (int)headers[0].name_len : 0, count ? headers[0].name : "");
}

static void hints_then_respond_with_trailers(struct app *app, h2r_stream *st, const h2r_header *h, size_t n,
                                             int flags)
{
    h2r_header early[] = {FIELD(":status", "103"), FIELD("link", "</style.css>; rel=preload; as=style")};
    h2r_header bad = FIELD("connection", "close");
    CHECK(h2r_stream_additional_headers(st, early, 2) == 0);
    CHECK_MSG(h2r_stream_respond(st, &bad, 1, 0) == H2R_ERR_INVALID_HEADER, "a refused head is not reported");
    respond_wait_for_trailers(app, st, h, n, flags);
}

static void test_sent_headers(void)
{
    struct app app = {.on_request = hints_then_respond_with_trailers, .on_want_trailers = send_trailers_now};
    h2r_session_callbacks with_sent = callbacks;
    with_sent.on_headers_sent = cb_headers_sent;
    struct peer p;
    peer_init(&p, NULL, &with_sent, &app);
    peer_preface(&p, NULL, 0);
    peer_flush(&p);
    peer_clear(&p);
    request(&p, 1, "GET", "/t", 1);
    peer_flush(&p);
    CHECK_MSG(
        strcmp(app.log.text, "stream:1/end sent:1:1:2::status sent:0:1:0: end:1 want-trailers:1:0 "
                             "sent:2:1:2:x-checksum close:1:0 ") == 0,
        "the 103, the head (as given: no field), then the trailers, each once, before the close: %.300s",
        app.log.text);
    peer_free(&p);
    unref_streams(&app.streams);
}

static void respond_empty_wait_for_trailers(struct app *app, h2r_stream *st, const h2r_header *h, size_t n,
                                            int flags)
{
    (void)app, (void)h, (void)n, (void)flags;
    CHECK(h2r_stream_respond(st, NULL, 0, H2R_RESPOND_WAIT_FOR_TRAILERS | H2R_RESPOND_END_STREAM) == 0);
}

static void test_trailers_empty_body(void)
{
    struct app app = {.on_request = respond_empty_wait_for_trailers};
    struct peer p;
    start(&p, &app, NULL);
    request(&p, 1, "GET", "/t", 1);
    peer_flush(&p);
    CHECK_MSG(p.frame_count == 1 && !(p.frames[0].h.flags & H2R_FLAG_END_STREAM),
              "respond(END_STREAM | WAIT_FOR_TRAILERS): HEADERS without END_STREAM");
    CHECK_MSG(strstr(app.log.text, "want-trailers:1:0"), "wantTrailers with nothing to send: %.300s",
              app.log.text);
    CHECK_MSG(!strstr(app.log.text, "close:1"), "the stream waits for its trailers");
    h2r_stream_state state;
    h2r_stream_get_state(app.streams.list[0], &state);
    CHECK(state.state == H2R_STREAM_STATE_HALF_CLOSED_REMOTE);
    CHECK(h2r_stream_write(app.streams.list[0], "x", 1, NULL, NULL) < 0);

    /* Trailers sent later, outside the callback. */
    h2r_header trailers[] = {FIELD("x-trailer", "late")};
    CHECK(h2r_stream_send_trailers(app.streams.list[0], trailers, 1) == 0);
    peer_flush(&p);
    CHECK_MSG(p.frame_count == 2 && p.frames[1].h.type == H2R_FRAME_HEADERS &&
                  (p.frames[1].h.flags & H2R_FLAG_END_STREAM) && peer_fields_are(&p.frames[1], trailers, 1),
              "then the trailers end the stream; no DATA at all");
    CHECK(peer_count(&p, H2R_FRAME_DATA, -1) == 0);
    CHECK(strstr(app.log.text, "close:1:0"));
    peer_free(&p);
    unref_streams(&app.streams);
}

/* ---- 1xx, respond, write, HEAD ---- */

static void informational(struct app *app, h2r_stream *st, const h2r_header *h, size_t n, int flags)
{
    (void)app, (void)h, (void)n, (void)flags;
    h2r_header early[] = {FIELD(":status", "103"), FIELD("link", "</style.css>; rel=preload; as=style")};
    h2r_header switching = FIELD(":status", "101");
    h2r_header ok = FIELD(":status", "200");
    h2r_header none = FIELD("link", "</a.js>");
    CHECK_MSG(h2r_stream_additional_headers(st, &switching, 1) == H2R_ERR_INVALID_HEADER,
              "101 refused: HTTP/2 has no Upgrade (RFC 9113 §8.6)");
    CHECK_MSG(h2r_stream_additional_headers(st, &ok, 1) == H2R_ERR_INVALID_HEADER,
              "a final status is not 1xx");
    CHECK(h2r_stream_additional_headers(st, &none, 1) == H2R_ERR_INVALID_HEADER);
    CHECK_MSG(h2r_stream_respond(st, early, 1, 0) == H2R_ERR_INVALID_HEADER,
              "respond() with a 1xx is refused");
    CHECK_MSG(h2r_stream_additional_headers(st, early, 2) == 0, "103 Early Hints");
    CHECK_MSG(h2r_stream_additional_headers(st, early, 2) == 0, "several 1xx may precede the response");
    CHECK(h2r_stream_respond(st, NULL, 0, H2R_RESPOND_END_STREAM) == 0);
    CHECK_MSG(h2r_stream_additional_headers(st, early, 2) == H2R_ERR_STREAM_CLOSED ||
                  h2r_stream_additional_headers(st, early, 2) == H2R_ERR_INVALID_STATE,
              "1xx after respond() is refused");
}

static void informational_open(struct app *app, h2r_stream *st, const h2r_header *h, size_t n, int flags)
{
    (void)app, (void)h, (void)n, (void)flags;
    h2r_header early = FIELD(":status", "103");
    CHECK(h2r_stream_respond(st, NULL, 0, 0) == 0);
    CHECK_MSG(h2r_stream_additional_headers(st, &early, 1) == H2R_ERR_INVALID_STATE,
              "1xx after respond() on an open stream: H2R_ERR_INVALID_STATE");
}

static void test_informational(void)
{
    struct app app = {.on_request = informational};
    struct peer p;
    start(&p, &app, NULL);
    request(&p, 1, "GET", "/", 1);
    peer_flush(&p);
    h2r_header early[] = {FIELD(":status", "103"), FIELD("link", "</style.css>; rel=preload; as=style")};
    h2r_header final = FIELD(":status", "200");
    CHECK(p.frame_count == 3);
    CHECK_MSG(p.frames[0].h.type == H2R_FRAME_HEADERS && !(p.frames[0].h.flags & H2R_FLAG_END_STREAM) &&
                  peer_fields_are(&p.frames[0], early, 2),
              "HEADERS 103 with its fields, without END_STREAM");
    CHECK(peer_fields_are(&p.frames[1], early, 2));
    CHECK_MSG(peer_fields_are(&p.frames[2], &final, 1) && (p.frames[2].h.flags & H2R_FLAG_END_STREAM),
              "then the final 200");
    app.on_request = informational_open;
    request(&p, 3, "GET", "/", 1);
    peer_free(&p);
    unref_streams(&app.streams);
}

static void respond_twice(struct app *app, h2r_stream *st, const h2r_header *h, size_t n, int flags)
{
    (void)app, (void)h, (void)n, (void)flags;
    int releases = 0;
    CHECK_MSG(h2r_stream_write(st, "early", 5, count_release, &releases) == H2R_ERR_INVALID_STATE &&
                  releases == 1,
              "write before respond: H2R_ERR_INVALID_STATE, and the buffer is released");
    CHECK(h2r_stream_end(st) == H2R_ERR_INVALID_STATE);
    CHECK(h2r_stream_respond(st, NULL, 0, 0) == 0);
    CHECK_MSG(h2r_stream_respond(st, NULL, 0, 0) == H2R_ERR_INVALID_STATE,
              "respond twice: H2R_ERR_INVALID_STATE");
    CHECK(h2r_stream_write(st, "ok", 2, NULL, NULL) == 1);
    CHECK(h2r_stream_end(st) == 0);
    CHECK(h2r_stream_end(st) == H2R_ERR_INVALID_STATE);
    CHECK(h2r_stream_write(st, "late", 4, count_release, &releases) == H2R_ERR_INVALID_STATE &&
          releases == 2);
}

static void test_respond_twice_and_write_before_respond(void)
{
    struct app app = {.on_request = respond_twice};
    struct peer p;
    start(&p, &app, NULL);
    request(&p, 1, "GET", "/", 1);
    peer_flush(&p);
    int ended;
    CHECK_MSG(peer_count(&p, H2R_FRAME_HEADERS, 1) == 1 && peer_data_bytes(&p, 1, &ended) == 2 && ended,
              "one HEADERS, the body \"ok\"");
    peer_free(&p);
    unref_streams(&app.streams);
}

static void respond_to_head(struct app *app, h2r_stream *st, const h2r_header *h, size_t n, int flags)
{
    (void)app, (void)h, (void)n, (void)flags;
    h2r_header fields[] = {FIELD("content-length", "1234"), FIELD("content-type", "text/html")};
    int releases = 0;
    CHECK(h2r_stream_respond(st, fields, 2, H2R_RESPOND_WAIT_FOR_TRAILERS) == 0);
    CHECK_MSG(h2r_stream_write(st, "body", 4, count_release, &releases) < 0 && releases == 1,
              "HEAD: write refused");
    CHECK(h2r_stream_end(st) < 0);
}

static void test_head(void)
{
    struct app app = {.on_request = respond_to_head};
    struct peer p;
    start(&p, &app, NULL);
    request(&p, 1, "HEAD", "/", 1);
    peer_flush(&p);
    const struct peer_frame *h = peer_find(&p, H2R_FRAME_HEADERS, 1);
    CHECK_MSG(h && (h->h.flags & H2R_FLAG_END_STREAM) && p.frame_count == 1,
              "a response to HEAD ends with its HEADERS, no DATA, no trailers");
    CHECK(h && strcmp(peer_field(h, "content-length"), "1234") == 0);
    CHECK_MSG(!strstr(app.log.text, "want-trailers") && strstr(app.log.text, "close:1:0"), "events: %.300s",
              app.log.text);
    peer_free(&p);
    unref_streams(&app.streams);
}

/* 204, 205 and 304 have no content either (RFC 9110 §15.3.5, §15.3.6, §15.4.5): respond() ends them too. */
static void respond_no_content(struct app *app, h2r_stream *st, const h2r_header *h, size_t n, int flags)
{
    (void)app, (void)n, (void)flags;
    h2r_header fields[] = {{.name = ":status", .name_len = 7, .value = h[3].value + 1, .value_len = 3}};
    CHECK(h2r_stream_respond(st, fields, 1, H2R_RESPOND_WAIT_FOR_TRAILERS) == 0);
    CHECK(h2r_stream_write(st, "x", 1, NULL, NULL) < 0);
}

static void test_no_content_statuses(void)
{
    static const char *const paths[] = {"/204", "/205", "/304"};
    for (int i = 0; i != 3; ++i) {
        struct app app = {.on_request = respond_no_content};
        struct peer p;
        start(&p, &app, NULL);
        request(&p, 1, "GET", paths[i], 1);
        peer_flush(&p);
        const struct peer_frame *h = peer_find(&p, H2R_FRAME_HEADERS, 1);
        CHECK_MSG(h && (h->h.flags & H2R_FLAG_END_STREAM) && p.frame_count == 1 &&
                      strcmp(peer_field(h, ":status"), paths[i] + 1) == 0,
                  "%s: HEADERS with END_STREAM, no DATA, no trailers", paths[i]);
        CHECK(!strstr(app.log.text, "want-trailers") && strstr(app.log.text, "close:1:0"));
        peer_free(&p);
        unref_streams(&app.streams);
    }
}

static void respond_default_status(struct app *app, h2r_stream *st, const h2r_header *h, size_t n, int flags)
{
    (void)app, (void)h, (void)n, (void)flags;
    h2r_header fields[] = {FIELD("content-type", "text/plain"), FIELD("cache-control", "no-store")};
    CHECK(h2r_stream_respond(st, fields, 2, H2R_RESPOND_END_STREAM) == 0);
}

static void respond_404(struct app *app, h2r_stream *st, const h2r_header *h, size_t n, int flags)
{
    (void)app, (void)h, (void)n, (void)flags;
    h2r_header fields[] = {FIELD(":status", "404"), FIELD("content-type", "text/plain")};
    CHECK(h2r_stream_respond(st, fields, 2, H2R_RESPOND_END_STREAM) == 0);
}

/* More fields than the engine keeps on its stack when it adds :status. */
static void respond_many_fields(struct app *app, h2r_stream *st, const h2r_header *h, size_t n, int flags)
{
    (void)app, (void)h, (void)n, (void)flags;
    static char names[40][8];
    h2r_header fields[40];
    for (int i = 0; i != 40; ++i) {
        snprintf(names[i], sizeof(names[i]), "x-f%02d", i);
        fields[i] = (h2r_header){.name = names[i], .name_len = 5, .value = names[i], .value_len = 5};
    }
    CHECK(h2r_stream_respond(st, fields, 40, H2R_RESPOND_END_STREAM) == 0);
}

static void test_default_status(void)
{
    struct app app = {.on_request = respond_default_status};
    struct peer p;
    start(&p, &app, NULL);
    request(&p, 1, "GET", "/", 1);
    app.on_request = respond_404;
    request(&p, 3, "GET", "/missing", 1);
    peer_flush(&p);
    h2r_header want[] = {FIELD(":status", "200"), FIELD("content-type", "text/plain"),
                         FIELD("cache-control", "no-store")};
    CHECK_MSG(peer_fields_are(peer_find(&p, H2R_FRAME_HEADERS, 1), want, 3), "no :status: 200, first");
    h2r_header want404[] = {FIELD(":status", "404"), FIELD("content-type", "text/plain")};
    CHECK(peer_fields_are(peer_find(&p, H2R_FRAME_HEADERS, 3), want404, 2));
    app.on_request = respond_many_fields;
    request(&p, 5, "GET", "/", 1);
    peer_flush(&p);
    const struct peer_frame *many = peer_find(&p, H2R_FRAME_HEADERS, 5);
    CHECK_MSG(many && many->field_count == 41 && strcmp(many->fields[0].name, ":status") == 0 &&
                  strcmp(many->fields[40].name, "x-f39") == 0,
              "40 fields without :status: 200 first, then all 40");
    peer_free(&p);
    unref_streams(&app.streams);
}

static void respond_invalid(struct app *app, h2r_stream *st, const h2r_header *h, size_t n, int flags)
{
    (void)app, (void)h, (void)n, (void)flags;
    static const h2r_header invalid[][2] = {
        {FIELD("connection", "close"), FIELD("x", "y")},
        {FIELD("keep-alive", "timeout=5"), FIELD("x", "y")},
        {FIELD("transfer-encoding", "chunked"), FIELD("x", "y")},
        {FIELD("upgrade", "h2c"), FIELD("x", "y")},
        {FIELD("proxy-connection", "keep-alive"), FIELD("x", "y")},
        {FIELD("Content-Type", "text/plain"), FIELD("x", "y")},
        {FIELD("x-ok", "1"), FIELD("X-Upper", "1")},
        {FIELD(":path", "/"), FIELD("x", "y")},
        {FIELD("x", "y"), FIELD(":status", "200")},
        {FIELD("x-crlf", "a\r\nb: c"), FIELD("x", "y")},
        {FIELD(":status", "20"), FIELD("x", "y")},
    };
    for (size_t i = 0; i != sizeof(invalid) / sizeof(invalid[0]); ++i)
        CHECK_MSG(h2r_stream_respond(st, invalid[i], 2, 0) == H2R_ERR_INVALID_HEADER, "refused: %.*s: %.*s",
                  (int)invalid[i][0].name_len, invalid[i][0].name, (int)invalid[i][1].name_len,
                  invalid[i][1].name);
    CHECK_MSG(!h2r_stream_headers_sent(st), "nothing was sent");
    h2r_header ok = FIELD("x-ok", "1");
    CHECK(h2r_stream_respond(st, &ok, 1, H2R_RESPOND_END_STREAM) == 0);
}

static void test_invalid_response_headers(void)
{
    struct app app = {.on_request = respond_invalid};
    struct peer p;
    start(&p, &app, NULL);
    request(&p, 1, "GET", "/", 1);
    peer_flush(&p);
    h2r_header want[] = {FIELD(":status", "200"), FIELD("x-ok", "1")};
    CHECK_MSG(p.frame_count == 1 && peer_fields_are(&p.frames[0], want, 2),
              "only the valid response reached the wire, and HPACK stayed in step");
    peer_free(&p);
    unref_streams(&app.streams);
}

/* ---- close(code) and stream objects after close ---- */

static void test_stream_close(void)
{
    struct app app = {0};
    struct peer p;
    start(&p, &app, NULL);
    request(&p, 1, "GET", "/", 1);
    request(&p, 3, "POST", "/", 0);
    h2r_stream *s1 = app.streams.list[0], *s3 = app.streams.list[1];
    CHECK(h2r_stream_respond(s1, NULL, 0, 0) == 0);
    log_clear(&app.log);
    CHECK(h2r_stream_close(s1, H2R_CANCEL) == 0);
    CHECK_MSG(strcmp(app.log.text, "close:1:8 ") == 0, "close(CANCEL): on_stream_close with CANCEL: %.300s",
              app.log.text);
    CHECK(h2r_stream_closed(s1) && h2r_stream_rst_code(s1) == H2R_CANCEL);
    CHECK(h2r_stream_close(s3, H2R_NO_ERROR) == 0);
    CHECK(h2r_stream_closed(s3) && h2r_stream_rst_code(s3) == H2R_NO_ERROR);
    peer_flush(&p);
    CHECK_MSG(peer_got_rst(&p, 1, H2R_CANCEL), "RST_STREAM(CANCEL) on stream 1");
    CHECK_MSG(peer_got_rst(&p, 3, H2R_NO_ERROR), "RST_STREAM(NO_ERROR) on stream 3");
    CHECK(peer_count(&p, H2R_FRAME_RST_STREAM, -1) == 2);

    /* The peer's frames in flight on a stream we reset are ignored (RFC 9113 §5.1). */
    peer_frame(&p, H2R_FRAME_DATA, 0, 3, "late", 4);
    peer_flush(&p);
    CHECK(peer_count(&p, H2R_FRAME_RST_STREAM, -1) == 2 && !peer_find(&p, H2R_FRAME_GOAWAY, -1));
    peer_free(&p);
    unref_streams(&app.streams);
}

static void check_calls_refused(h2r_stream *st, const char *how)
{
    int releases = 0;
    h2r_header status = FIELD(":status", "200"), early = FIELD(":status", "103"), path = FIELD(":path", "/p");
    h2r_stream *pushed = (h2r_stream *)1;
    CHECK_MSG(h2r_stream_closed(st), "%s: closed", how);
    CHECK_MSG(h2r_stream_respond(st, &status, 1, 0) == H2R_ERR_STREAM_CLOSED, "%s: respond", how);
    CHECK_MSG(h2r_stream_additional_headers(st, &early, 1) == H2R_ERR_STREAM_CLOSED, "%s: additional_headers",
              how);
    CHECK_MSG(h2r_stream_write(st, "x", 1, count_release, &releases) == H2R_ERR_STREAM_CLOSED &&
                  releases == 1,
              "%s: write (and the buffer is released)", how);
    CHECK_MSG(h2r_stream_write_file(st, 0, 0, 1, count_release, &releases) == H2R_ERR_STREAM_CLOSED &&
                  releases == 2,
              "%s: write_file", how);
    CHECK_MSG(h2r_stream_end(st) == H2R_ERR_STREAM_CLOSED, "%s: end", how);
    CHECK_MSG(h2r_stream_send_trailers(st, NULL, 0) == H2R_ERR_STREAM_CLOSED, "%s: send_trailers", how);
    CHECK_MSG(h2r_stream_push(st, &path, 1, &pushed) == H2R_ERR_STREAM_CLOSED && pushed == NULL, "%s: push",
              how);
    CHECK_MSG(h2r_stream_priority(st, 0, 32, 0, 0) == H2R_ERR_STREAM_CLOSED, "%s: priority", how);
    CHECK_MSG(h2r_stream_close(st, H2R_CANCEL) == H2R_ERR_STREAM_CLOSED, "%s: close", how);
    CHECK_MSG(h2r_stream_pause(st) == H2R_ERR_STREAM_CLOSED && h2r_stream_resume(st) == H2R_ERR_STREAM_CLOSED,
              "%s: pause and resume", how);
    CHECK_MSG(!h2r_stream_push_allowed(st), "%s: push_allowed is false", how);
    CHECK_MSG(h2r_stream_buffer_size(st) == 0, "%s: nothing buffered", how);
    h2r_stream_state state;
    h2r_stream_get_state(st, &state);
    CHECK_MSG(state.state == H2R_STREAM_STATE_CLOSED, "%s: state closed", how);
}

static void respond_and_end(struct app *app, h2r_stream *st, const h2r_header *h, size_t n, int flags)
{
    (void)app, (void)h, (void)n, (void)flags;
    h2r_stream_respond(st, NULL, 0, 0);
    h2r_stream_write(st, "done", 4, NULL, NULL);
    h2r_stream_end(st);
}

static void test_stream_ref_after_close(void)
{
    struct app app = {.on_request = respond_and_end};
    struct peer p;
    start(&p, &app, NULL);
    request(&p, 1, "GET", "/", 1); /* completes normally */
    app.on_request = NULL;
    request(&p, 3, "GET", "/", 0); /* reset by the peer */
    request(&p, 5, "GET", "/", 0); /* closed by the application */
    request(&p, 7, "GET", "/", 0); /* closed with the session */
    peer_flush(&p);
    h2r_stream *st[4];
    memcpy(st, app.streams.list, sizeof(st));
    CHECK(strstr(app.log.text, "close:1:0"));
    peer_rst_stream(&p, 3, H2R_INTERNAL_ERROR);
    CHECK(strstr(app.log.text, "aborted:3 close:3:2"));
    CHECK(h2r_stream_aborted(st[1]) && h2r_stream_rst_code(st[1]) == H2R_INTERNAL_ERROR);
    h2r_stream_close(st[2], H2R_REFUSED_STREAM);
    check_calls_refused(st[0], "completed");
    check_calls_refused(st[1], "reset by the peer");
    check_calls_refused(st[2], "closed by the application");
    CHECK(h2r_stream_id(st[0]) == 1 && h2r_stream_session(st[0]) == p.session);
    peer_free(&p);
    CHECK_MSG(strstr(app.log.text, "close:7") == NULL, "h2r_session_free makes no callbacks");
    check_calls_refused(st[3], "session freed");
    check_calls_refused(st[0], "completed, then the session freed");
    CHECK_MSG(h2r_stream_session(st[0]) == NULL && h2r_stream_session(st[3]) == NULL,
              "a stream held past h2r_session_free names no session");
    /* The last references free what is left of the session: ASan would see a use after free or a leak. */
    unref_streams(&app.streams);
}

/* A response deferred past the session's end: destroyed (as io/ does when a connection closes), then freed.
 */
static void test_deferred_past_session(void)
{
    struct app app = {0};
    struct peer p;
    start(&p, &app, NULL);
    request(&p, 1, "GET", "/later", 1);
    request(&p, 3, "GET", "/later", 1);
    h2r_stream *st = app.streams.list[0];
    h2r_session_destroy(p.session, H2R_NO_ERROR);
    CHECK_MSG(strstr(app.log.text, "aborted:1 close:1:8") != NULL, "destroy aborts the stream held: %.300s",
              app.log.text);
    check_calls_refused(st, "session destroyed");
    CHECK(h2r_stream_session(st) == p.session);
    h2r_stream_unref(app.streams.list[1]); /* one of the two goes before the session, one after */
    peer_free(&p);
    check_calls_refused(st, "session destroyed and freed");
    CHECK(h2r_stream_session(st) == NULL && h2r_stream_id(st) == 1);
    CHECK(strcmp(h2r_stream_http_version(st), "2.0") == 0);
    h2r_stream_unref(st);
}

/* ---- what the peer sends: body, trailers ---- */

static void test_request_body_and_trailers(void)
{
    struct app app = {0};
    struct peer p;
    start(&p, &app, NULL);
    request(&p, 1, "POST", "/upload", 0);
    peer_frame(&p, H2R_FRAME_DATA, 0, 1, "hello", 5);
    peer_frame(&p, H2R_FRAME_DATA, 0, 1, " world", 6);
    h2r_header trailers[] = {FIELD("x-sum", "42"), FIELD("x-more", "yes")};
    peer_headers(&p, 1, H2R_FLAG_END_STREAM, trailers, 2);
    CHECK_MSG(strcmp(app.log.text,
                     "stream:1 data:1:hello data:1: world trailers:1:x-sum=42:x-more=yes end:1 ") == 0,
              "on_stream, on_data, on_data, on_trailers, on_end: %.300s", app.log.text);
    h2r_stream_state state;
    h2r_stream_get_state(app.streams.list[0], &state);
    CHECK(state.state == H2R_STREAM_STATE_HALF_CLOSED_REMOTE);
    CHECK(h2r_stream_respond(app.streams.list[0], NULL, 0, H2R_RESPOND_END_STREAM) == 0);
    CHECK(strstr(app.log.text, "close:1:0"));
    peer_flush(&p);
    CHECK(!peer_find(&p, H2R_FRAME_RST_STREAM, -1) && !peer_find(&p, H2R_FRAME_GOAWAY, -1));
    peer_free(&p);
    unref_streams(&app.streams);
}

/* A header block whose first field has an empty name and value: malformed (RFC 9113 §8.2.1), refused cleanly.
 */
static void test_request_empty_first_field(void)
{
    struct app app = {0};
    struct peer p;
    start(&p, &app, NULL);
    static const uint8_t block[] = {0x00, 0x00, 0x00, 0x82, 0x87, 0x84, 0x41, 0x03, 'a', '.', 'b'};
    peer_frame(&p, H2R_FRAME_HEADERS, H2R_FLAG_END_HEADERS | H2R_FLAG_END_STREAM, 1, block, sizeof(block));
    peer_flush(&p);
    CHECK_MSG(app.streams.count == 0 && peer_got_rst(&p, 1, H2R_PROTOCOL_ERROR),
              "an empty field name: RST_STREAM(PROTOCOL_ERROR), no stream");
    request(&p, 3, "GET", "/", 1);
    CHECK_MSG(app.streams.count == 1, "the connection goes on");
    peer_free(&p);
    unref_streams(&app.streams);
}

/* ---- session calls ---- */

struct ping_result {
    int calls;
    int err;
    double duration_ms;
    uint8_t payload[8];
    void *ctx;
};

static void on_ping_ack(h2r_session *s, int err, double duration_ms, const uint8_t payload[8], void *ctx)
{
    (void)s;
    struct ping_result *r = ctx;
    ++r->calls;
    r->err = err;
    r->duration_ms = duration_ms;
    memcpy(r->payload, payload, 8);
    r->ctx = ctx;
}

static void test_ping(void)
{
    struct app app = {0};
    struct peer p;
    h2r_session_options options;
    h2r_session_options_init(&options);
    options.max_outstanding_pings = 2;
    start(&p, &app, &options);
    struct ping_result r1 = {0}, r2 = {0}, r3 = {0};
    static const uint8_t a[8] = "pingAAAA", b[8] = "pingBBBB", c[8] = "pingCCCC";
    CHECK(h2r_session_ping(p.session, a, on_ping_ack, &r1) == 0);
    CHECK(h2r_session_ping(p.session, b, on_ping_ack, &r2) == 0);
    CHECK_MSG(h2r_session_ping(p.session, c, on_ping_ack, &r3) == H2R_ERR_TOO_MANY_PINGS,
              "over maxOutstandingPings: H2R_ERR_TOO_MANY_PINGS");
    peer_flush(&p);
    const struct peer_frame *ping = peer_find(&p, H2R_FRAME_PING, 0);
    CHECK_MSG(ping && ping->h.flags == 0 && ping->h.length == 8 && memcmp(ping->payload, a, 8) == 0,
              "PING with the payload, no ACK flag");
    CHECK(peer_count(&p, H2R_FRAME_PING, 0) == 2);

    peer_frame(&p, H2R_FRAME_PING, H2R_FLAG_ACK, 0, c, 8);
    CHECK_MSG(r1.calls == 0 && r2.calls == 0, "an ACK with another payload answers nothing");
    peer_frame(&p, H2R_FRAME_PING, H2R_FLAG_ACK, 0, b, 8);
    CHECK_MSG(r2.calls == 1 && r2.err == 0 && memcmp(r2.payload, b, 8) == 0 && r2.ctx == &r2 && r1.calls == 0,
              "the ACK of the second ping calls its callback, with its payload");
    CHECK(h2r_session_ping(p.session, c, on_ping_ack, &r3) == 0);

    /* The peer's PING: echoed with ACK, and on_ping. */
    peer_clear(&p);
    static const uint8_t q[8] = "fromPEER";
    peer_frame(&p, H2R_FRAME_PING, 0, 0, q, 8);
    CHECK(strstr(app.log.text, "ping:fromPEER"));
    peer_flush(&p);
    const struct peer_frame *ack = peer_nth(&p, H2R_FRAME_PING, 0, 1);
    CHECK_MSG(ack && ack->h.flags == H2R_FLAG_ACK && memcmp(ack->payload, q, 8) == 0,
              "the peer's PING is echoed");

    peer_free(&p);
    CHECK_MSG(r1.calls == 1 && r1.err == H2R_ERR_SESSION_CLOSED && r3.calls == 1 &&
                  r3.err == H2R_ERR_SESSION_CLOSED,
              "pings unanswered when the session goes: their callbacks get H2R_ERR_SESSION_CLOSED");
    CHECK(r2.calls == 1);
    unref_streams(&app.streams);
}

/* The test's clock for h2r_session_callbacks.clock_ns. */
static uint64_t fake_now_ns;
static uint64_t fake_clock_ns(void)
{
    return fake_now_ns;
}

/* Node's ping() without a payload, and its duration: from the callbacks' clock, else from the ticks. */
static void test_ping_without_payload(void)
{
    struct app app = {0};
    struct peer p;
    h2r_session_callbacks with_clock = callbacks;
    with_clock.clock_ns = fake_clock_ns;
    fake_now_ns = 5000000000u;
    peer_init(&p, NULL, &with_clock, &app);
    peer_preface(&p, NULL, 0);
    peer_flush(&p);
    peer_clear(&p);
    struct ping_result r1 = {0}, r2 = {0};
    CHECK(h2r_session_ping(p.session, NULL, on_ping_ack, &r1) == 0);
    CHECK(h2r_session_ping(p.session, NULL, on_ping_ack, &r2) == 0);
    peer_flush(&p);
    const struct peer_frame *a = peer_nth(&p, H2R_FRAME_PING, 0, 0), *b = peer_nth(&p, H2R_FRAME_PING, 0, 1);
    CHECK_MSG(a && b && a->h.length == 8 && b->h.length == 8 && memcmp(a->payload, b->payload, 8) != 0,
              "two pings without a payload: 8 bytes each, not the same");
    uint8_t echoed[8];
    memcpy(echoed, b->payload, 8);
    fake_now_ns += 2500000; /* 2.5 ms later */
    peer_frame(&p, H2R_FRAME_PING, H2R_FLAG_ACK, 0, echoed, 8);
    CHECK_MSG(r2.calls == 1 && r2.err == 0 && r2.duration_ms > 2.499 && r2.duration_ms < 2.501 &&
                  memcmp(r2.payload, echoed, 8) == 0 && r1.calls == 0,
              "the ACK: the round trip with its fraction, %f ms, and the payload echoed", r2.duration_ms);
    peer_free(&p);
    CHECK(r1.calls == 1 && r1.err == H2R_ERR_SESSION_CLOSED && r1.duration_ms == 0);

    /* No clock: the ticks' time, in whole milliseconds. */
    struct app app2 = {0};
    start(&p, &app2, NULL);
    struct ping_result r3 = {0};
    h2r_session_tick(p.session, 1000);
    CHECK(h2r_session_ping(p.session, NULL, on_ping_ack, &r3) == 0);
    peer_flush(&p);
    const struct peer_frame *c = peer_find(&p, H2R_FRAME_PING, 0);
    CHECK(c && c->h.length == 8);
    memcpy(echoed, c->payload, 8);
    h2r_session_tick(p.session, 1100);
    peer_frame(&p, H2R_FRAME_PING, H2R_FLAG_ACK, 0, echoed, 8);
    CHECK_MSG(r3.calls == 1 && r3.err == 0 && r3.duration_ms == 100.0,
              "without a clock, the round trip between ticks: %f ms", r3.duration_ms);
    peer_free(&p);
    unref_streams(&app.streams);
    unref_streams(&app2.streams);
}

static void test_settings(void)
{
    struct app app = {0};
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    peer_preface(&p, NULL, 0);
    CHECK_MSG(h2r_session_pending_settings_ack(p.session), "the preface SETTINGS await their ACK");
    peer_settings_ack(&p);
    CHECK(!h2r_session_pending_settings_ack(p.session) && app.local_settings == 1);
    CHECK(h2r_session_local_settings(p.session)->max_concurrent_streams == 100);
    peer_flush(&p);
    peer_clear(&p);

    h2r_settings next = *h2r_session_local_settings(p.session);
    next.max_concurrent_streams = 50;
    next.initial_window_size = 100000;
    next.enable_connect_protocol = 1;
    CHECK(h2r_session_settings(p.session, &next) == 0);
    CHECK(h2r_session_pending_settings_ack(p.session));
    CHECK_MSG(h2r_session_local_settings(p.session)->initial_window_size == 65535,
              "not applied before the peer acknowledges");
    peer_flush(&p);
    const struct peer_frame *f = peer_find(&p, H2R_FRAME_SETTINGS, 0);
    CHECK_MSG(f && f->h.flags == 0 && f->h.length == 18, "SETTINGS with the three values that changed");
    int mcs = 0, iws = 0, ecp = 0;
    for (uint32_t i = 0; f && i != f->h.length / 6; ++i) {
        struct h2r_setting s = h2r_frame_settings_at(f->payload, i);
        mcs |= s.id == H2R_SETTINGS_MAX_CONCURRENT_STREAMS && s.value == 50;
        iws |= s.id == H2R_SETTINGS_INITIAL_WINDOW_SIZE && s.value == 100000;
        ecp |= s.id == H2R_SETTINGS_ENABLE_CONNECT_PROTOCOL && s.value == 1;
    }
    CHECK(mcs && iws && ecp);
    request(&p, 1, "POST", "/", 0);
    h2r_stream_state state;
    h2r_stream_get_state(app.streams.list[0], &state);
    CHECK(state.local_window_size == 65535);

    peer_settings_ack(&p);
    CHECK_MSG(!h2r_session_pending_settings_ack(p.session) && app.local_settings == 2,
              "on_local_settings on the ACK");
    CHECK(app.last_local.initial_window_size == 100000 && app.last_local.max_concurrent_streams == 50);
    CHECK(h2r_session_local_settings(p.session)->enable_connect_protocol == 1);
    h2r_stream_get_state(app.streams.list[0], &state);
    CHECK_MSG(state.local_window_size == 100000, "the open stream's window grew with the setting (§6.9.2)");

    h2r_settings bad = next;
    bad.max_frame_size = 100;
    CHECK(h2r_session_settings(p.session, &bad) == H2R_ERR_INVALID_ARGUMENT);
    peer_settings_ack(&p); /* an ACK nobody asked for is counted as invalid, not fatal */
    peer_flush(&p);
    CHECK(!peer_find(&p, H2R_FRAME_GOAWAY, -1));
    peer_free(&p);
    unref_streams(&app.streams);
}

/* Is f a SETTINGS frame (not an ACK) with exactly this one setting? */
static int settings_frame_is(const struct peer_frame *f, uint16_t id, uint32_t value)
{
    if (!f || f->h.flags != 0 || f->h.length != 6) return 0;
    struct h2r_setting s = h2r_frame_settings_at(f->payload, 0);
    return s.id == id && s.value == value;
}

/*
 * SETTINGS sent while earlier ones wait for their ACK: each lists what
 * differs from the one before it, the ACKs apply them in order, and at most
 * four wait at once (the preface's included).
 */
static void test_settings_queue(void)
{
    struct app app = {0};
    struct peer p;
    start(&p, &app, NULL);
    h2r_session_options defaults;
    h2r_session_options_init(&defaults);
    h2r_settings sent[4];
    sent[0] = defaults.settings;
    sent[0].initial_window_size = 100000;
    sent[1] = sent[0];
    sent[1].max_frame_size = 32768;
    sent[2] = sent[1];
    sent[2].initial_window_size = 70000;
    for (int i = 0; i != 3; ++i) CHECK(h2r_session_settings(p.session, &sent[i]) == 0);
    CHECK_MSG(h2r_session_settings(p.session, &sent[0]) == H2R_ERR_INVALID_STATE,
              "a fifth SETTINGS waiting for its ACK is refused");
    peer_flush(&p);
    CHECK(peer_count(&p, H2R_FRAME_SETTINGS, 0) == 3);
    CHECK_MSG(
        settings_frame_is(peer_nth(&p, H2R_FRAME_SETTINGS, 0, 0), H2R_SETTINGS_INITIAL_WINDOW_SIZE, 100000) &&
            settings_frame_is(peer_nth(&p, H2R_FRAME_SETTINGS, 0, 1), H2R_SETTINGS_MAX_FRAME_SIZE, 32768) &&
            settings_frame_is(peer_nth(&p, H2R_FRAME_SETTINGS, 0, 2), H2R_SETTINGS_INITIAL_WINDOW_SIZE,
                              70000),
        "each SETTINGS lists only what differs from the one sent before it");

    peer_settings_ack(&p); /* the preface's */
    CHECK(app.local_settings == 1 && app.last_local.initial_window_size == 65535);
    for (int i = 0; i != 3; ++i) {
        CHECK(h2r_session_pending_settings_ack(p.session));
        peer_settings_ack(&p);
        CHECK_MSG(app.local_settings == 2 + i && memcmp(&app.last_local, &sent[i], sizeof(sent[i])) == 0 &&
                      memcmp(h2r_session_local_settings(p.session), &sent[i], sizeof(sent[i])) == 0,
                  "each ACK applies the oldest SETTINGS still waiting");
    }
    CHECK(!h2r_session_pending_settings_ack(p.session));

    peer_clear(&p);
    h2r_settings last = sent[2];
    last.header_table_size = 8192;
    CHECK(h2r_session_settings(p.session, &last) == 0);
    peer_flush(&p);
    CHECK_MSG(
        peer_count(&p, H2R_FRAME_SETTINGS, 0) == 1 &&
            settings_frame_is(peer_find(&p, H2R_FRAME_SETTINGS, 0), H2R_SETTINGS_HEADER_TABLE_SIZE, 8192),
        "with none waiting, what differs from the settings last acknowledged");
    peer_free(&p);
}

static void test_graceful_close(void)
{
    struct app app = {0};
    struct peer p;
    start(&p, &app, NULL);
    request(&p, 1, "GET", "/", 1);
    h2r_stream *st = app.streams.list[0];
    CHECK(h2r_stream_respond(st, NULL, 0, 0) == 0);
    CHECK(h2r_stream_write(st, "part", 4, NULL, NULL) == 1);
    h2r_session_close(p.session);
    CHECK(!h2r_session_is_done(p.session) && h2r_session_want_read(p.session));
    peer_flush(&p);
    const struct peer_frame *g = peer_find(&p, H2R_FRAME_GOAWAY, 0);
    CHECK_MSG(g && peer_u32(g->payload) == H2R_STREAM_ID_MASK && peer_u32(g->payload + 4) == H2R_NO_ERROR,
              "GOAWAY(NO_ERROR) announcing with last stream 2^31-1, then a PING");
    CHECK(peer_find(&p, H2R_FRAME_PING, 0) != NULL);
    peer_ack_pings(&p);
    peer_flush(&p);
    g = peer_nth(&p, H2R_FRAME_GOAWAY, 0, 1);
    CHECK_MSG(g && peer_u32(g->payload) == 1 && peer_u32(g->payload + 4) == H2R_NO_ERROR,
              "after the PING's round trip, GOAWAY(NO_ERROR), last stream 1");
    CHECK_MSG(!h2r_session_is_done(p.session) && app.session_closes == 0, "not done while stream 1 is open");

    request(&p, 3, "GET", "/", 1);
    CHECK_MSG(app.streams.count == 1, "a stream opened after the GOAWAY is not processed");
    h2r_stream *pushed;
    h2r_header path = FIELD(":path", "/p");
    CHECK(h2r_stream_push(st, &path, 1, &pushed) == H2R_ERR_SESSION_CLOSED);

    CHECK(h2r_stream_write(st, "more", 4, NULL, NULL) == 1);
    CHECK(h2r_stream_end(st) == 0);
    peer_flush(&p);
    int ended;
    CHECK_MSG(peer_data_bytes(&p, 1, &ended) == 8 && ended, "stream 1 finishes");
    CHECK(peer_count(&p, H2R_FRAME_HEADERS, 3) == 0);
    CHECK_MSG(h2r_session_is_done(p.session) && app.session_closes == 1,
              "then the session is done, on_session_close");
    CHECK_MSG(strstr(app.log.text, "close:1:0 session-close"), "events: %.300s", app.log.text);
    h2r_session_close(p.session);
    CHECK(app.session_closes == 1);
    peer_free(&p);
    CHECK(app.session_closes == 1);
    unref_streams(&app.streams);
}

static void test_destroy(void)
{
    struct app app = {0};
    struct peer p;
    start(&p, &app, NULL);
    request(&p, 1, "GET", "/", 1);
    request(&p, 3, "POST", "/", 0);
    CHECK(h2r_stream_respond(app.streams.list[0], NULL, 0, 0) == 0);
    static char big[100000];
    h2r_stream_write(app.streams.list[0], big, sizeof(big), NULL, NULL);
    peer_flush(&p);
    peer_clear(&p);
    log_clear(&app.log);
    struct ping_result r = {0};
    static const uint8_t payload[8];
    CHECK(h2r_session_ping(p.session, payload, on_ping_ack, &r) == 0);

    h2r_session_destroy(p.session, H2R_INTERNAL_ERROR);
    CHECK_MSG(strstr(app.log.text, "aborted:1 close:1:8") && strstr(app.log.text, "aborted:3 close:3:8"),
              "every stream aborted and closed: %.300s", app.log.text);
    CHECK(!h2r_session_want_read(p.session));
    CHECK(h2r_session_ping(p.session, payload, NULL, NULL) == H2R_ERR_SESSION_CLOSED);
    check_calls_refused(app.streams.list[0], "destroyed");
    peer_flush(&p);
    CHECK_MSG(peer_got_goaway(&p, H2R_INTERNAL_ERROR), "GOAWAY with the code");
    const struct peer_frame *g = peer_find(&p, H2R_FRAME_GOAWAY, 0);
    CHECK(g && peer_u32(g->payload) == 3);
    CHECK(peer_count(&p, H2R_FRAME_DATA, -1) == 0);
    CHECK_MSG(h2r_session_is_done(p.session) && app.session_closes == 1, "done once the GOAWAY is written");
    CHECK(strstr(app.log.text, "session-close"));
    peer_get(&p, 5, "/", 1);
    CHECK(p.last_feed == H2R_ERR_SESSION_CLOSED && app.streams.count == 2);
    h2r_session_destroy(p.session, H2R_NO_ERROR);
    peer_flush(&p);
    CHECK(peer_count(&p, H2R_FRAME_GOAWAY, -1) == 1);
    peer_free(&p);
    CHECK(app.session_closes == 1 && r.calls == 1);
    unref_streams(&app.streams);
}

static void test_altsvc_and_origin(void)
{
    struct app app = {0};
    struct peer p;
    start(&p, &app, NULL);
    request(&p, 1, "GET", "/", 0);
    CHECK(h2r_session_altsvc(p.session, 0, "https://example.com", "h2=\":8443\"; ma=3600") == 0);
    CHECK(h2r_session_altsvc(p.session, 1, NULL, "h2=\"alt.example.com:443\"") == 0);
    CHECK_MSG(h2r_session_altsvc(p.session, 0, NULL, "h2=\":443\"") == H2R_ERR_INVALID_ARGUMENT,
              "ALTSVC on stream 0 needs an origin");
    CHECK_MSG(h2r_session_altsvc(p.session, 1, "https://example.com", "h2=\":443\"") ==
                  H2R_ERR_INVALID_ARGUMENT,
              "ALTSVC on a stream takes no origin");
    const char *origins[] = {"https://example.com", "https://cdn.example.com:8443"};
    CHECK(h2r_session_origin(p.session, origins, 2) == 0);
    const char *empty[] = {""};
    CHECK(h2r_session_origin(p.session, empty, 1) == H2R_ERR_INVALID_ARGUMENT);

    h2r_chunk chunks[8];
    size_t n = h2r_session_pull(p.session, chunks, 8);
    uint8_t wire[512];
    size_t len = 0;
    for (size_t i = 0; i != n; ++i) {
        memcpy(wire + len, chunks[i].base, chunks[i].len);
        len += chunks[i].len;
    }
    h2r_session_sent(p.session, len);
    static const uint8_t expected[] =
        /* ALTSVC, stream 0: length 2 + 19 + 19 = 40 */
        "\x00\x00\x28\x0a\x00\x00\x00\x00\x00"
        "\x00\x13"
        "https://example.com"
        "h2=\":8443\"; ma=3600"
        /* ALTSVC, stream 1: length 2 + 0 + 24 = 26 */
        "\x00\x00\x1a\x0a\x00\x00\x00\x00\x01"
        "\x00\x00"
        "h2=\"alt.example.com:443\""
        /* ORIGIN: 2 + 19 + 2 + 28 = 51 */
        "\x00\x00\x33\x0c\x00\x00\x00\x00\x00"
        "\x00\x13"
        "https://example.com"
        "\x00\x1c"
        "https://cdn.example.com:8443";
    CHECK_MSG(len == sizeof(expected) - 1 && memcmp(wire, expected, len) == 0,
              "ALTSVC and ORIGIN frames, byte for byte (%zu bytes)", len);
    peer_free(&p);
    unref_streams(&app.streams);
}

static void respond_indexed(struct app *app, h2r_stream *st, const h2r_header *h, size_t n, int flags)
{
    (void)app, (void)h, (void)n, (void)flags;
    h2r_header fields[] = {FIELD("content-type", "text/plain"), FIELD("x-custom", "some value")};
    h2r_stream_respond(st, fields, 2, 0);
    static char body[1000];
    h2r_stream_write(st, body, sizeof(body), NULL, NULL);
}

static void test_session_state(void)
{
    struct app app = {0};
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    h2r_session_state s;
    h2r_session_get_state(p.session, &s);
    /* SETTINGS with 2 values (21 bytes) and the WINDOW_UPDATE to 1 MiB (13). */
    CHECK_MSG(s.outbound_queue_size == 34, "the server preface is queued: %zu bytes", s.outbound_queue_size);
    CHECK(s.effective_local_window_size == MIB && s.remote_window_size == 65535);
    CHECK(s.next_stream_id == 2 && s.last_proc_stream_id == 0 && s.open_streams == 0);
    CHECK(s.deflate_dynamic_table_size == 0 && s.inflate_dynamic_table_size == 0);
    peer_preface(&p, NULL, 0);
    h2r_session_get_state(p.session, &s);
    CHECK_MSG(s.outbound_queue_size == 43, "plus the SETTINGS ACK");
    peer_flush(&p);
    h2r_session_get_state(p.session, &s);
    CHECK(s.outbound_queue_size == 0);

    app.on_request = respond_indexed;
    request(&p, 1, "POST", "/state", 0);
    h2r_session_get_state(p.session, &s);
    CHECK(s.last_proc_stream_id == 1 && s.open_streams == 1);
    CHECK_MSG(s.inflate_dynamic_table_size == h2r_hpack_encoder_table_size(&p.enc) &&
                  s.inflate_dynamic_table_size,
              "inflate table: what the peer's encoder indexed (%zu)", s.inflate_dynamic_table_size);
    CHECK_MSG(s.deflate_dynamic_table_size > 0, "deflate table: the response's fields were indexed");
    const struct peer_frame *h;
    size_t queued = s.outbound_queue_size;
    peer_flush(&p);
    h = peer_find(&p, H2R_FRAME_HEADERS, 1);
    CHECK_MSG(h && queued == H2R_FRAME_HEADER_LEN + h->h.length + 1000,
              "outbound: the HEADERS frame and the body");
    CHECK(s.deflate_dynamic_table_size == h2r_hpack_decoder_table_size(&p.dec));
    h2r_session_get_state(p.session, &s);
    CHECK(s.remote_window_size == 65535 - 1000 && s.outbound_queue_size == 0);

    static char data[500];
    peer_frame(&p, H2R_FRAME_DATA, 0, 1, data, sizeof(data));
    request(&p, 3, "GET", "/", 0);
    h2r_session_get_state(p.session, &s);
    CHECK_MSG(s.effective_local_window_size == MIB - 500, "500 bytes received: %lld",
              (long long)s.effective_local_window_size);
    CHECK(s.last_proc_stream_id == 3 && s.open_streams == 2);
    CHECK_MSG(s.local_window_size == MIB - 500 && s.effective_recv_data_length == 500,
              "localWindowSize %lld, effectiveRecvDataLength %u", (long long)s.local_window_size,
              s.effective_recv_data_length);
    peer_free(&p);
    unref_streams(&app.streams);
}

/* Node's session.closed / destroyed, stream.endAfterHeaders, state.localClose / remoteClose /
 * sumDependencyWeight. */
static void test_session_and_stream_flags(void)
{
    struct app app = {0};
    struct peer p;
    start(&p, &app, NULL);
    CHECK(!h2r_session_closed(p.session) && !h2r_session_destroyed(p.session));
    request(&p, 1, "GET", "/", 1);
    request(&p, 3, "POST", "/", 0);
    h2r_stream *get = app.streams.list[0], *post = app.streams.list[1];
    CHECK_MSG(h2r_stream_end_after_headers(get) && !h2r_stream_end_after_headers(post),
              "endAfterHeaders: the GET's HEADERS ended it, the POST's did not");
    h2r_stream_state st;
    h2r_stream_get_state(get, &st);
    CHECK_MSG(st.remote_close && !st.local_close && st.sum_dependency_weight == 0,
              "the GET: remote side closed");
    h2r_stream_get_state(post, &st);
    CHECK(!st.remote_close && !st.local_close);

    /* Streams 5 and 7 depend on the POST, with weights 100 and 50 (the frame says weight - 1). */
    uint8_t priority[5] = {0, 0, 0, 3, 99};
    peer_frame(&p, H2R_FRAME_PRIORITY, 0, 5, priority, 5);
    priority[4] = 49;
    peer_frame(&p, H2R_FRAME_PRIORITY, 0, 7, priority, 5);
    h2r_stream_get_state(post, &st);
    CHECK_MSG(st.sum_dependency_weight == 150, "sumDependencyWeight: %u", st.sum_dependency_weight);

    CHECK(h2r_stream_respond(post, NULL, 0, H2R_RESPOND_END_STREAM) == 0);
    h2r_stream_get_state(post, &st);
    CHECK_MSG(st.local_close && !st.remote_close, "the POST answered: local side closed");

    h2r_session_close(p.session);
    CHECK_MSG(h2r_session_closed(p.session) && !h2r_session_destroyed(p.session),
              "closed, not destroyed, while the GET is open");
    h2r_session_destroy(p.session, H2R_NO_ERROR);
    CHECK(h2r_session_closed(p.session) && h2r_session_destroyed(p.session));
    h2r_stream_get_state(get, &st);
    CHECK_MSG(h2r_stream_closed(get) && st.local_close && st.remote_close && st.sum_dependency_weight == 0,
              "a closed stream: both sides closed");
    peer_free(&p);
    unref_streams(&app.streams);
}

/* ---- padding (Node's paddingStrategy) ---- */

static void respond_padded(struct app *app, h2r_stream *st, const h2r_header *h, size_t n, int flags)
{
    (void)h, (void)n, (void)flags;
    h2r_header fields[] = {FIELD("content-type", "text/plain")};
    h2r_stream_respond(st, fields, 1, H2R_RESPOND_WAIT_FOR_TRAILERS);
    h2r_stream_write(st, app->body, app->body_len, NULL, NULL);
    h2r_stream_end(st);
}

static void trailers_padded(struct app *app, h2r_stream *st)
{
    (void)app;
    h2r_header t = FIELD("x-t", "1");
    h2r_stream_send_trailers(st, &t, 1);
}

static void check_padding(enum h2r_padding_strategy strategy, const char *name)
{
    struct app app = {.on_request = respond_padded, .on_want_trailers = trailers_padded};
    uint8_t *body = malloc(40000);
    for (size_t i = 0; i != 40000; ++i) body[i] = (uint8_t)(i * 13);
    app.body = body;
    h2r_session_options options;
    h2r_session_options_init(&options);
    options.padding_strategy = strategy;
    struct peer p;
    start(&p, &app, &options);
    peer_window_update(&p, 0, MIB);
    peer_flush(&p);
    size_t sizes[] = {1, 10, 100, 1000, 16383, 40000};
    for (size_t k = 0; k != sizeof(sizes) / sizeof(sizes[0]); ++k) {
        uint32_t id = (uint32_t)(2 * k + 1);
        app.body_len = sizes[k];
        request(&p, id, "GET", "/", 1);
    }
    peer_flush(&p);
    int all_padded_ok = 1, zeros = 1, aligned = 1, decoded = 1, padded_frames = 0;
    for (size_t i = 0; i != p.frame_count; ++i) {
        const struct peer_frame *f = &p.frames[i];
        if (f->h.type != H2R_FRAME_DATA && f->h.type != H2R_FRAME_HEADERS) continue;
        if (f->h.type == H2R_FRAME_HEADERS) decoded &= f->hpack_error == 0 && f->field_count > 0;
        if (!(f->h.flags & H2R_FLAG_PADDED)) continue;
        ++padded_frames;
        size_t pad = f->payload[0];
        all_padded_ok &= pad + 1 <= f->h.length;
        for (size_t j = f->h.length - pad; j != f->h.length; ++j) zeros &= f->payload[j] == 0;
        if (strategy == H2R_PADDING_MAX) all_padded_ok &= pad == 255 || f->h.length == 16384;
        /* Node's rule: when the frame size leaves too little room, the most padding that fits is used. */
        if (strategy == H2R_PADDING_ALIGNED)
            aligned &= (H2R_FRAME_HEADER_LEN + f->h.length) % 8 == 0 || f->h.length == 16384;
    }
    CHECK_MSG(padded_frames >= 12, "%s: HEADERS and DATA frames are padded (%d)", name, padded_frames);
    CHECK_MSG(all_padded_ok && zeros, "%s: valid padding, all zeros (RFC 9113 §6.1)", name);
    CHECK_MSG(aligned, "%s: frames end on a multiple of 8 bytes", name);
    CHECK_MSG(decoded, "%s: every padded header block decodes", name);
    for (size_t k = 0; k != sizeof(sizes) / sizeof(sizes[0]); ++k) {
        uint32_t id = (uint32_t)(2 * k + 1);
        int ended;
        uint8_t *got = malloc(sizes[k]);
        size_t n = peer_data_copy(&p, id, got, sizes[k]);
        const struct peer_frame *trailers = peer_nth(&p, H2R_FRAME_HEADERS, id, 1);
        CHECK_MSG(n == sizes[k] && memcmp(got, body, n) == 0 && peer_data_bytes(&p, id, &ended) == sizes[k] &&
                      ended && trailers && strcmp(peer_field(trailers, "x-t"), "1") == 0,
                  "%s: %zu bytes arrive intact, then the trailers", name, sizes[k]);
        free(got);
    }
    /* Padding counts against the window: what the peer granted, less every DATA payload with its padding. */
    size_t flow = 0;
    for (size_t i = 0; i != p.frame_count; ++i)
        if (p.frames[i].h.type == H2R_FRAME_DATA) flow += p.frames[i].h.length;
    h2r_session_state s;
    h2r_session_get_state(p.session, &s);
    CHECK_MSG(s.remote_window_size == (int64_t)(65535 + MIB - flow),
              "%s: the connection window counts padding", name);
    CHECK(!peer_find(&p, H2R_FRAME_GOAWAY, -1));
    peer_free(&p);
    unref_streams(&app.streams);
    free(body);
}

/* A header block too big for one frame leaves no room for padding: it goes unpadded, in CONTINUATIONs. */
static void respond_big_header(struct app *app, h2r_stream *st, const h2r_header *h, size_t n, int flags)
{
    (void)app, (void)h, (void)n, (void)flags;
    static char value[30000];
    memset(value, 'p', sizeof(value));
    h2r_header big = {.name = "x-big", .name_len = 5, .value = value, .value_len = sizeof(value)};
    CHECK(h2r_stream_respond(st, &big, 1, H2R_RESPOND_END_STREAM) == 0);
}

static void test_padding(void)
{
    check_padding(H2R_PADDING_MAX, "max");
    check_padding(H2R_PADDING_ALIGNED, "aligned");

    struct app app = {.on_request = respond_big_header};
    h2r_session_options options;
    h2r_session_options_init(&options);
    options.padding_strategy = H2R_PADDING_MAX;
    struct peer p;
    start(&p, &app, &options);
    request(&p, 1, "GET", "/", 1);
    peer_flush(&p);
    const struct peer_frame *h = peer_find(&p, H2R_FRAME_HEADERS, 1);
    const char *value = peer_field(h, "x-big");
    CHECK_MSG(h && h->hpack_error == 0 && value && strlen(value) == 30000 &&
                  peer_count(&p, H2R_FRAME_CONTINUATION, 1),
              "max padding, a 30000-byte field: HEADERS + CONTINUATION decode");
    CHECK(peer_max_length(&p, 0xff) <= 16384);
    peer_free(&p);
    unref_streams(&app.streams);
}

/* ---- HPACK: the peer's SETTINGS_HEADER_TABLE_SIZE ---- */

static void respond_custom(struct app *app, h2r_stream *st, const h2r_header *h, size_t n, int flags)
{
    (void)app, (void)h, (void)n, (void)flags;
    h2r_header fields[] = {FIELD("x-custom", "a value to index"), FIELD("content-type", "text/plain")};
    h2r_stream_respond(st, fields, 2, H2R_RESPOND_END_STREAM);
}

static void test_hpack_table_size(void)
{
    struct app app = {.on_request = respond_custom};
    struct peer p;
    start(&p, &app, NULL);
    request(&p, 1, "GET", "/", 1);
    peer_flush(&p);
    h2r_session_state s;
    h2r_session_get_state(p.session, &s);
    CHECK(s.deflate_dynamic_table_size > 0);
    CHECK(p.frames[0].hpack_error == 0);

    struct h2r_setting zero = {H2R_SETTINGS_HEADER_TABLE_SIZE, 0};
    peer_settings(&p, &zero, 1);
    h2r_hpack_decoder_set_max_table_size(&p.dec, 0); /* what the peer enforces once we acknowledged */
    peer_clear(&p);
    request(&p, 3, "GET", "/", 1);
    peer_flush(&p);
    const struct peer_frame *h = peer_find(&p, H2R_FRAME_HEADERS, 3);
    CHECK_MSG(h && h->payload[0] == 0x20,
              "SETTINGS_HEADER_TABLE_SIZE 0: the next block starts with a size update to 0");
    CHECK_MSG(h && h->hpack_error == 0 && strcmp(peer_field(h, "x-custom"), "a value to index") == 0,
              "and decodes with the peer's table at 0");
    h2r_session_get_state(p.session, &s);
    CHECK(s.deflate_dynamic_table_size == 0);

    struct h2r_setting small = {H2R_SETTINGS_HEADER_TABLE_SIZE, 256};
    peer_settings(&p, &small, 1);
    h2r_hpack_decoder_set_max_table_size(&p.dec, 256);
    peer_clear(&p);
    request(&p, 5, "GET", "/", 1);
    request(&p, 7, "GET", "/", 1);
    peer_flush(&p);
    h = peer_find(&p, H2R_FRAME_HEADERS, 5);
    CHECK_MSG(h && h->payload[0] == 0x3f && h->payload[1] == 0xe1 && h->payload[2] == 0x01,
              "SETTINGS_HEADER_TABLE_SIZE 256: a size update to 256");
    CHECK(h && h->hpack_error == 0 && strcmp(peer_field(h, "x-custom"), "a value to index") == 0);
    const struct peer_frame *h7 = peer_find(&p, H2R_FRAME_HEADERS, 7);
    CHECK_MSG(h7 && h7->hpack_error == 0 && (h7->payload[0] & 0xe0) != 0x20 && h7->h.length < h->h.length,
              "the block after it needs no update and reuses the table");
    CHECK(h2r_hpack_decoder_table_size(&p.dec) <= 256);
    h2r_session_get_state(p.session, &s);
    CHECK(s.deflate_dynamic_table_size == h2r_hpack_decoder_table_size(&p.dec));
    CHECK(!peer_find(&p, H2R_FRAME_GOAWAY, -1));
    peer_free(&p);
    unref_streams(&app.streams);
}

/* ---- the scheduler, seen from the wire ---- */

static void respond_mib(struct app *app, h2r_stream *st, const h2r_header *h, size_t n, int flags)
{
    (void)h, (void)n, (void)flags;
    h2r_stream_respond(st, NULL, 0, 0);
    h2r_stream_write(st, app->body, app->body_len, NULL, NULL);
    h2r_stream_end(st);
}

/* DATA bytes per stream among the first `limit` bytes of DATA received. */
static void early_shares(const struct peer *p, size_t limit, size_t *per_stream, size_t streams)
{
    size_t total = 0;
    memset(per_stream, 0, streams * sizeof(*per_stream));
    for (size_t i = 0; i != p->frame_count && total < limit; ++i) {
        const struct peer_frame *f = &p->frames[i];
        if (f->h.type != H2R_FRAME_DATA) continue;
        if (f->h.stream_id / 2 < streams) per_stream[f->h.stream_id / 2] += f->h.length;
        total += f->h.length;
    }
}

static void test_scheduler_weights(void)
{
    struct app app = {.on_request = respond_mib, .body_len = MIB};
    app.body = calloc(1, MIB);
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    struct h2r_setting big = {H2R_SETTINGS_INITIAL_WINDOW_SIZE, 16 * MIB};
    peer_preface(&p, &big, 1);
    request(&p, 1, "GET", "/light", 1);
    request(&p, 3, "GET", "/heavy", 1);
    peer_priority(&p, 1, 0, 1, 0);
    peer_priority(&p, 3, 0, 255, 0);
    h2r_stream_state st;
    h2r_stream_get_state(app.streams.list[0], &st);
    CHECK(st.weight == 1);
    h2r_stream_get_state(app.streams.list[1], &st);
    CHECK(st.weight == 255);
    peer_window_update(&p, 0, 512 * 1024 - 65535);
    peer_flush(&p);
    size_t shares[2];
    early_shares(&p, 512 * 1024, shares, 2);
    CHECK_MSG(shares[0] + shares[1] == 512 * 1024, "512 KiB of DATA in the connection window");
    CHECK_MSG(shares[1] > 9 * (shares[0] + shares[1]) / 10,
              "weight 255 against 1: the heavier stream gets most of the early DATA (%zu vs %zu)", shares[1],
              shares[0]);
    CHECK(shares[0] > 0);
    peer_window_update(&p, 0, 2 * MIB);
    peer_flush(&p);
    int ended1, ended3;
    CHECK(peer_data_bytes(&p, 1, &ended1) == MIB && peer_data_bytes(&p, 3, &ended3) == MIB && ended1 &&
          ended3);
    peer_free(&p);
    unref_streams(&app.streams);
    free((void *)app.body);
}

static void request_with_priority(struct peer *p, uint32_t id, const char *priority)
{
    h2r_header fields[] = {
        FIELD(":method", "GET"),
        FIELD(":scheme", "https"),
        FIELD(":authority", "example.com"),
        FIELD(":path", "/"),
        {.name = "priority", .name_len = 8, .value = priority, .value_len = strlen(priority)}};
    peer_headers(p, id, H2R_FLAG_END_STREAM, fields, 5);
}

static void test_rfc9218_urgency(void)
{
    struct app app = {.on_request = respond_mib, .body_len = MIB};
    app.body = calloc(1, MIB);
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    struct h2r_setting settings[] = {{H2R_SETTINGS_INITIAL_WINDOW_SIZE, 16 * MIB},
                                     {H2R_SETTINGS_NO_RFC7540_PRIORITIES, 1}};
    peer_preface(&p, settings, 2);
    request_with_priority(&p, 1, "u=5");
    request_with_priority(&p, 3, "u=1");
    request_with_priority(&p, 5, "u=4, i");
    request_with_priority(&p, 7, "u=4, i");
    /* RFC 7540 signals are ignored now: this would favour stream 1. */
    peer_priority(&p, 1, 0, 256, 1);
    peer_window_update(&p, 0, MIB - 65535);
    peer_flush(&p);
    size_t shares[4];
    early_shares(&p, MIB, shares, 4);
    CHECK_MSG(shares[1] == MIB && shares[0] == 0 && shares[2] == 0 && shares[3] == 0,
              "urgency 1 goes first, alone: %zu of the first MiB", shares[1]);
    peer_window_update(&p, 0, MIB);
    peer_flush(&p);
    early_shares(&p, 2 * MIB, shares, 4);
    size_t diff = shares[2] > shares[3] ? shares[2] - shares[3] : shares[3] - shares[2];
    CHECK_MSG(shares[2] + shares[3] == MIB && diff <= 16384,
              "then the two incremental urgency-4 streams, round-robin (%zu, %zu)", shares[2], shares[3]);
    CHECK(shares[0] == 0);
    peer_window_update(&p, 0, MIB);
    peer_flush(&p);
    early_shares(&p, 3 * MIB, shares, 4);
    CHECK_MSG(shares[2] == MIB && shares[3] == MIB && shares[0] == 0,
              "the incremental streams finish before urgency 5");
    peer_window_update(&p, 0, MIB);
    peer_flush(&p);
    int ended;
    CHECK_MSG(peer_data_bytes(&p, 1, &ended) == MIB && ended, "urgency 5 last");
    peer_free(&p);
    unref_streams(&app.streams);
    free((void *)app.body);
}

/* RFC 9218 from the application: h2r_stream_set_urgency, and the client's signal read back. */
static void test_application_urgency(void)
{
    struct app app = {.on_request = respond_mib, .body_len = MIB};
    app.body = calloc(1, MIB);
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    struct h2r_setting big = {H2R_SETTINGS_INITIAL_WINDOW_SIZE, 16 * MIB};
    peer_preface(&p, &big, 1);
    request(&p, 1, "GET", "/", 1);
    request(&p, 3, "GET", "/", 1);
    request(&p, 5, "GET", "/", 1);
    request_with_priority(&p, 7, "u=6, i");
    h2r_stream_state st;
    h2r_stream_get_state(app.streams.list[3], &st);
    CHECK_MSG(st.urgency == 6 && st.incremental == 1, "the client's priority field, read back: u=%u i=%d",
              st.urgency, st.incremental);
    h2r_stream_get_state(app.streams.list[0], &st);
    CHECK(st.urgency == 3 && st.incremental == 0);

    CHECK(h2r_stream_set_urgency(app.streams.list[1], 8, 0) == H2R_ERR_INVALID_ARGUMENT);
    CHECK(h2r_stream_set_urgency(app.streams.list[1], 1, 0) == 0);
    h2r_stream_get_state(app.streams.list[1], &st);
    CHECK(st.urgency == 1 && st.incremental == 0);
    peer_window_update(&p, 0, MIB - 65535);
    peer_flush(&p);
    size_t shares[4];
    early_shares(&p, MIB, shares, 4);
    CHECK_MSG(shares[1] == MIB, "stream 3, set to urgency 1, goes first, alone: %zu of the first MiB",
              shares[1]);
    peer_window_update(&p, 0, MIB);
    peer_flush(&p);
    early_shares(&p, 2 * MIB, shares, 4);
    CHECK_MSG(shares[0] == MIB && shares[2] == 0,
              "then the session schedules by RFC 9218: urgency 3, one at a time in id order (%zu, %zu)",
              shares[0], shares[2]);
    peer_free(&p);
    unref_streams(&app.streams);
    free((void *)app.body);
}

int main(void)
{
    test_trailers();
    test_trailers_empty_body();
    test_sent_headers();
    test_informational();
    test_respond_twice_and_write_before_respond();
    test_head();
    test_no_content_statuses();
    test_default_status();
    test_invalid_response_headers();
    test_stream_close();
    test_stream_ref_after_close();
    test_deferred_past_session();
    test_request_body_and_trailers();
    test_request_empty_first_field();
    test_ping();
    test_ping_without_payload();
    test_settings();
    test_settings_queue();
    test_graceful_close();
    test_destroy();
    test_altsvc_and_origin();
    test_session_state();
    test_session_and_stream_flags();
    test_padding();
    test_hpack_table_size();
    test_scheduler_weights();
    test_rfc9218_urgency();
    test_application_urgency();
    return check_done();
}
