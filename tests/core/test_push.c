/*
 * Server push (RFC 9113 §8.4, Node's stream.pushStream): the push example
 * the project started from (GET /x answered with pushes of /y and /z), and
 * when a push is refused or cut short.
 */
#include <stdlib.h>

#include "app_recorder.h"
#include "check.h"
#include "peer.h"

struct event {
    char what; /* 'a': aborted, 'c': stream close */
    uint32_t id;
    uint32_t code;
};

struct app {
    h2r_stream *request;   /* referenced */
    h2r_stream *pushed[8]; /* referenced */
    size_t pushed_count;
    int push_results[8];
    size_t push_attempts;
    struct event events[32];
    size_t event_count;
    int goaways;
    uint32_t goaway_last;
    /* what on_stream does */
    int push_y_z; /* the example: push /y and /z, answer /x */
    const char *push_method;
};

static struct app *app_of(h2r_stream *st)
{
    return h2r_session_user_data(h2r_stream_session(st));
}

static void add_event(struct app *app, char what, uint32_t id, uint32_t code)
{
    if (app->event_count < 32) app->events[app->event_count++] = (struct event){what, id, code};
}

static void on_aborted(h2r_stream *st)
{
    add_event(app_of(st), 'a', h2r_stream_id(st), 0);
}

static void on_stream_close(h2r_stream *st, uint32_t code)
{
    add_event(app_of(st), 'c', h2r_stream_id(st), code);
}

static void on_goaway(h2r_session *s, uint32_t code, uint32_t last, const uint8_t *data, size_t len)
{
    (void)code, (void)data, (void)len;
    struct app *app = h2r_session_user_data(s);
    ++app->goaways;
    app->goaway_last = last;
}

/* Pushes path from st; records the result and keeps a reference on the pushed stream. */
static int push(struct app *app, h2r_stream *st, const char *path)
{
    h2r_header fields[2] = {{.name = ":path", .name_len = 5, .value = path, .value_len = strlen(path)}};
    size_t count = 1;
    if (app->push_method)
        fields[count++] = (h2r_header){.name = ":method",
                                       .name_len = 7,
                                       .value = app->push_method,
                                       .value_len = strlen(app->push_method)};
    h2r_stream *pushed = (h2r_stream *)1;
    int rc = h2r_stream_push(st, fields, count, &pushed);
    app->push_results[app->push_attempts++ % 8] = rc;
    if (rc == 0 && pushed) {
        h2r_stream_ref(pushed);
        app->pushed[app->pushed_count++] = pushed;
    } else if (pushed != NULL) {
        rc = 1; /* a failed push must leave *pushed NULL */
    }
    return rc;
}

static const char x_body[] = "Server X Response";
static const char y_body[] = "Server Y Response";
static const char z_body[] = "Server Z Response";

static void on_stream(h2r_session *session, h2r_stream *st, const h2r_header *headers, size_t count,
                      int flags)
{
    (void)session, (void)headers, (void)count, (void)flags;
    struct app *app = app_of(st);
    h2r_stream_ref(st);
    app->request = st;
    if (!app->push_y_z) return;
    push(app, st, "/y");
    push(app, st, "/z");
    h2r_header date = FIELD("date", "Tue, 17 Mar 2015 03:53:59 GMT");
    h2r_stream_respond(st, &date, 1, 0);
    h2r_stream_write(st, x_body, strlen(x_body), NULL, NULL);
    h2r_stream_end(st);
}

static const h2r_session_callbacks callbacks = {
    .on_stream = on_stream,
    .on_aborted = on_aborted,
    .on_stream_close = on_stream_close,
    .on_goaway = on_goaway,
};

static void app_unref_all(struct app *app)
{
    if (app->request) h2r_stream_unref(app->request);
    for (size_t i = 0; i != app->pushed_count; ++i) h2r_stream_unref(app->pushed[i]);
    memset(app->pushed, 0, sizeof(app->pushed));
    app->request = NULL;
    app->pushed_count = 0;
}

static void get_https(struct peer *p, uint32_t id, const char *path)
{
    h2r_header fields[] = {FIELD(":scheme", "https"),
                           FIELD(":method", "GET"),
                           FIELD(":authority", "localhost"),
                           {.name = ":path", .name_len = 5, .value = path, .value_len = strlen(path)}};
    peer_headers(p, id, H2R_FLAG_END_STREAM, fields, 4);
}

static void respond_with(h2r_stream *st, const char *body)
{
    h2r_header date = FIELD("date", "Tue, 17 Mar 2015 03:53:59 GMT");
    CHECK(h2r_stream_respond(st, &date, 1, 0) == 0);
    CHECK(h2r_stream_write(st, body, strlen(body), NULL, NULL) == 1);
    CHECK(h2r_stream_end(st) == 0);
}

/* ---- the example ---- */

static void test_push_example(void)
{
    struct app app = {.push_y_z = 1};
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    peer_preface(&p, NULL, 0);
    peer_flush(&p);
    peer_clear(&p);

    get_https(&p, 1, "/x");
    CHECK_MSG(app.push_results[0] == 0 && app.push_results[1] == 0, "both pushes accepted");
    CHECK_MSG(app.pushed_count == 2 && h2r_stream_id(app.pushed[0]) == 2 && h2r_stream_id(app.pushed[1]) == 4,
              "promised streams 2 and 4");
    h2r_stream_state state;
    h2r_stream_get_state(app.pushed[0], &state);
    CHECK_MSG(state.state == H2R_STREAM_STATE_RESERVED_LOCAL, "a promised stream is reserved (local)");
    CHECK(!h2r_stream_headers_sent(app.pushed[0]));
    h2r_session_state ss;
    h2r_session_get_state(p.session, &ss);
    CHECK(ss.next_stream_id == 6);
    peer_flush(&p);

    /* PUSH_PROMISE(1 -> 2), PUSH_PROMISE(1 -> 4), HEADERS(1), DATA(1) */
    CHECK_MSG(p.frame_count == 4, "four frames for the request: %zu", p.frame_count);
    const struct peer_frame *f = p.frames;
    h2r_header y[] = {FIELD(":method", "GET"), FIELD(":scheme", "https"), FIELD(":authority", "localhost"),
                      FIELD(":path", "/y")};
    h2r_header z[] = {FIELD(":method", "GET"), FIELD(":scheme", "https"), FIELD(":authority", "localhost"),
                      FIELD(":path", "/z")};
    h2r_header x[] = {FIELD(":status", "200"), FIELD("date", "Tue, 17 Mar 2015 03:53:59 GMT")};
    CHECK_MSG(f[0].h.type == H2R_FRAME_PUSH_PROMISE && f[0].h.stream_id == 1 &&
                  f[0].h.flags == H2R_FLAG_END_HEADERS && peer_u32(f[0].payload) == 2,
              "PUSH_PROMISE on stream 1 promising stream 2");
    CHECK_MSG(peer_fields_are(&f[0], y, 4),
              "the promised request: :method GET, :scheme and :authority from /x's, :path /y");
    CHECK_MSG(f[1].h.type == H2R_FRAME_PUSH_PROMISE && f[1].h.stream_id == 1 && peer_u32(f[1].payload) == 4,
              "PUSH_PROMISE on stream 1 promising stream 4");
    CHECK(peer_fields_are(&f[1], z, 4));
    CHECK_MSG(f[2].h.type == H2R_FRAME_HEADERS && f[2].h.stream_id == 1 &&
                  !(f[2].h.flags & H2R_FLAG_END_STREAM),
              "then the /x response HEADERS");
    CHECK(peer_fields_are(&f[2], x, 2));
    CHECK_MSG(f[3].h.type == H2R_FRAME_DATA && f[3].h.stream_id == 1 &&
                  (f[3].h.flags & H2R_FLAG_END_STREAM) && f[3].h.length == strlen(x_body) &&
                  memcmp(f[3].payload, x_body, strlen(x_body)) == 0,
              "and its DATA, ending stream 1");
    CHECK_MSG(app.event_count == 1 && app.events[0].what == 'c' && app.events[0].id == 1, "stream 1 closed");

    /* The pushed responses: HEADERS(2), HEADERS(4), DATA(2), DATA(4). */
    peer_clear(&p);
    respond_with(app.pushed[0], y_body);
    respond_with(app.pushed[1], z_body);
    h2r_stream_get_state(app.pushed[0], &state);
    CHECK_MSG(state.state == H2R_STREAM_STATE_HALF_CLOSED_REMOTE || state.state == H2R_STREAM_STATE_CLOSED,
              "a responding pushed stream is half-closed (remote)");
    peer_flush(&p);
    CHECK_MSG(p.frame_count == 4, "four frames for the pushes: %zu", p.frame_count);
    h2r_header status[] = {FIELD(":status", "200"), FIELD("date", "Tue, 17 Mar 2015 03:53:59 GMT")};
    CHECK_MSG(f[0].h.type == H2R_FRAME_HEADERS && f[0].h.stream_id == 2 && peer_fields_are(&f[0], status, 2),
              "HEADERS on stream 2");
    CHECK_MSG(f[1].h.type == H2R_FRAME_HEADERS && f[1].h.stream_id == 4 && peer_fields_are(&f[1], status, 2),
              "HEADERS on stream 4");
    CHECK_MSG(f[2].h.type == H2R_FRAME_DATA && f[2].h.stream_id == 2 &&
                  (f[2].h.flags & H2R_FLAG_END_STREAM) && f[2].h.length == 17 &&
                  memcmp(f[2].payload, y_body, 17) == 0,
              "DATA \"Server Y Response\" on stream 2");
    CHECK_MSG(f[3].h.type == H2R_FRAME_DATA && f[3].h.stream_id == 4 &&
                  (f[3].h.flags & H2R_FLAG_END_STREAM) && f[3].h.length == 17 &&
                  memcmp(f[3].payload, z_body, 17) == 0,
              "DATA \"Server Z Response\" on stream 4");
    CHECK_MSG(app.event_count == 3 && app.events[1].what == 'c' && app.events[1].id == 2 &&
                  app.events[1].code == H2R_NO_ERROR && app.events[2].id == 4,
              "the pushed streams close normally, 2 then 4");
    CHECK(h2r_stream_closed(app.pushed[0]) && !h2r_stream_aborted(app.pushed[0]));
    h2r_session_get_state(p.session, &ss);
    CHECK(ss.open_streams == 0);
    CHECK(!peer_find(&p, H2R_FRAME_RST_STREAM, -1) && !peer_find(&p, H2R_FRAME_GOAWAY, -1));
    peer_free(&p);
    app_unref_all(&app);
}

/* The example with everything in one go: promises still precede the frames that depend on them. */
static void test_push_order_in_one_flush(void)
{
    struct app app = {0};
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    peer_preface(&p, NULL, 0);
    peer_flush(&p);
    peer_clear(&p);
    get_https(&p, 1, "/x");
    CHECK(push(&app, app.request, "/y") == 0);
    respond_with(app.pushed[0], y_body);
    respond_with(app.request, x_body);
    peer_flush(&p);
    const struct peer_frame *pp = peer_find(&p, H2R_FRAME_PUSH_PROMISE, 1);
    CHECK(p.frame_count == 5 && pp == &p.frames[0]);
    CHECK_MSG(p.frames[1].h.type == H2R_FRAME_HEADERS && p.frames[1].h.stream_id == 2 &&
                  p.frames[2].h.type == H2R_FRAME_HEADERS && p.frames[2].h.stream_id == 1,
              "the promise, then the HEADERS in the order they were made");
    CHECK_MSG(p.frames[3].h.type == H2R_FRAME_DATA && p.frames[3].h.stream_id == 1 &&
                  p.frames[4].h.type == H2R_FRAME_DATA && p.frames[4].h.stream_id == 2,
              "a pushed stream depends on its parent: the parent's DATA first (RFC 7540 §5.3.5)");
    peer_free(&p);
    app_unref_all(&app);
}

/* ---- refusals ---- */

static void test_push_disabled(void)
{
    struct app app = {0};
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    struct h2r_setting no_push = {H2R_SETTINGS_ENABLE_PUSH, 0};
    peer_preface(&p, &no_push, 1);
    get_https(&p, 1, "/x");
    CHECK(!h2r_stream_push_allowed(app.request));
    CHECK_MSG(push(&app, app.request, "/y") == H2R_ERR_PUSH_DISABLED, "ENABLE_PUSH=0: H2R_ERR_PUSH_DISABLED");
    respond_with(app.request, x_body);
    peer_flush(&p);
    CHECK_MSG(!peer_find(&p, H2R_FRAME_PUSH_PROMISE, -1), "no PUSH_PROMISE on the wire");
    h2r_session_state ss;
    h2r_session_get_state(p.session, &ss);
    CHECK_MSG(ss.next_stream_id == 2, "no stream id used");
    peer_free(&p);
    app_unref_all(&app);

    /* Push disabled later, by a second SETTINGS. */
    struct app app2 = {0};
    peer_init(&p, NULL, &callbacks, &app2);
    peer_preface(&p, NULL, 0);
    get_https(&p, 1, "/x");
    CHECK(h2r_stream_push_allowed(app2.request));
    peer_settings(&p, &no_push, 1);
    CHECK(push(&app2, app2.request, "/y") == H2R_ERR_PUSH_DISABLED);
    peer_free(&p);
    app_unref_all(&app2);

    /* Enabled again after the request came: its :scheme and :authority were not kept, so must be given. */
    struct app app3 = {0};
    struct h2r_setting push_again = {H2R_SETTINGS_ENABLE_PUSH, 1};
    peer_init(&p, NULL, &callbacks, &app3);
    peer_preface(&p, &no_push, 1);
    get_https(&p, 1, "/x");
    peer_settings(&p, &push_again, 1);
    CHECK_MSG(!h2r_stream_push_allowed(app3.request) &&
                  push(&app3, app3.request, "/y") == H2R_ERR_PUSH_DISABLED,
              "no :scheme and :authority to default to: push not allowed, H2R_ERR_PUSH_DISABLED");
    h2r_header given[] = {FIELD(":path", "/y"), FIELD(":scheme", "https"), FIELD(":authority", "localhost")};
    h2r_stream *pushed = NULL;
    CHECK_MSG(h2r_stream_push(app3.request, given, 3, &pushed) == 0 && pushed && h2r_stream_id(pushed) == 2,
              "with them given, the push is made");
    peer_flush(&p);
    const struct peer_frame *pp = peer_find(&p, H2R_FRAME_PUSH_PROMISE, 1);
    CHECK(pp && strcmp(peer_field(pp, ":authority"), "localhost") == 0 &&
          strcmp(peer_field(pp, ":scheme"), "https") == 0 && strcmp(peer_field(pp, ":method"), "GET") == 0);
    h2r_stream *first = app3.request;
    get_https(&p, 3, "/x");
    CHECK_MSG(h2r_stream_id(app3.request) == 3 && h2r_stream_push_allowed(app3.request),
              "a request that came once pushes were taken may push");
    h2r_stream_unref(first);
    peer_free(&p);
    app_unref_all(&app3);
}

static void test_push_from_pushed_stream(void)
{
    struct app app = {0};
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    peer_preface(&p, NULL, 0);
    get_https(&p, 1, "/x");
    CHECK(push(&app, app.request, "/y") == 0);
    CHECK(!h2r_stream_push_allowed(app.pushed[0]));
    CHECK_MSG(push(&app, app.pushed[0], "/z") == H2R_ERR_PUSH_DISABLED, "a pushed stream cannot push");
    respond_with(app.pushed[0], y_body);
    CHECK(push(&app, app.pushed[0], "/z") == H2R_ERR_PUSH_DISABLED);
    peer_flush(&p);
    CHECK(peer_count(&p, H2R_FRAME_PUSH_PROMISE, -1) == 1);
    peer_free(&p);
    app_unref_all(&app);
}

/* Promised streams never open beyond the peer's SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 §5.1.2). */
static void test_push_stream_limit(void)
{
    struct app app = {0};
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    struct h2r_setting one = {H2R_SETTINGS_MAX_CONCURRENT_STREAMS, 1};
    peer_preface(&p, &one, 1);
    get_https(&p, 1, "/x");
    CHECK(push(&app, app.request, "/y") == 0);
    CHECK_MSG(push(&app, app.request, "/z") == H2R_ERR_STREAM_LIMIT,
              "MAX_CONCURRENT_STREAMS 1: a second push is refused while the first is live");
    respond_with(app.pushed[0], y_body);
    CHECK(push(&app, app.request, "/z") == H2R_ERR_STREAM_LIMIT);
    peer_flush(&p);
    CHECK_MSG(app.event_count == 1 && app.events[0].id == 2, "the first push completes");
    CHECK_MSG(push(&app, app.request, "/z") == 0, "then there is room again");
    CHECK(app.pushed_count == 2 && h2r_stream_id(app.pushed[1]) == 4);
    respond_with(app.pushed[1], z_body);
    peer_flush(&p);
    CHECK(peer_count(&p, H2R_FRAME_PUSH_PROMISE, 1) == 2 && peer_count(&p, H2R_FRAME_HEADERS, 4) == 1);
    peer_free(&p);
    app_unref_all(&app);

    /* A limit of 0 forbids pushes altogether. */
    struct app app2 = {0};
    peer_init(&p, NULL, &callbacks, &app2);
    struct h2r_setting zero = {H2R_SETTINGS_MAX_CONCURRENT_STREAMS, 0};
    peer_preface(&p, &zero, 1);
    get_https(&p, 1, "/x");
    CHECK(push(&app2, app2.request, "/y") == H2R_ERR_STREAM_LIMIT);
    peer_free(&p);
    app_unref_all(&app2);
}

static void test_push_method(void)
{
    struct app app = {.push_method = "POST"};
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    peer_preface(&p, NULL, 0);
    get_https(&p, 1, "/x");
    int rc = push(&app, app.request, "/y");
    CHECK_MSG(rc < 0 && rc != 1, "POST cannot be pushed (RFC 9113 §8.4: safe and cacheable only): %d", rc);
    app.push_method = "PUT";
    CHECK(push(&app, app.request, "/y") < 0);
    app.push_method = "HEAD";
    CHECK_MSG(push(&app, app.request, "/y") == 0, "HEAD can be pushed");
    CHECK_MSG(app.pushed_count == 1 && h2r_stream_id(app.pushed[0]) == 2, "refused pushes use no stream id");
    /* The response to a pushed HEAD has no body: END_STREAM on its HEADERS. */
    CHECK(h2r_stream_respond(app.pushed[0], NULL, 0, 0) == 0);
    CHECK(h2r_stream_write(app.pushed[0], "x", 1, NULL, NULL) < 0);
    app.push_method = NULL;
    h2r_header no_path = FIELD("x-nothing", "1");
    h2r_stream *pushed;
    CHECK_MSG(h2r_stream_push(app.request, &no_path, 1, &pushed) == H2R_ERR_INVALID_HEADER && !pushed,
              "a push needs a :path");
    peer_flush(&p);
    const struct peer_frame *pp = peer_find(&p, H2R_FRAME_PUSH_PROMISE, 1);
    CHECK(pp && strcmp(peer_field(pp, ":method"), "HEAD") == 0 &&
          peer_count(&p, H2R_FRAME_PUSH_PROMISE, -1) == 1);
    const struct peer_frame *h = peer_find(&p, H2R_FRAME_HEADERS, 2);
    CHECK(h && (h->h.flags & H2R_FLAG_END_STREAM) && peer_count(&p, H2R_FRAME_DATA, 2) == 0);
    peer_free(&p);
    app_unref_all(&app);
}

/* ---- pushes cut short ---- */

/* A promised request with more fields than the engine keeps on its stack. */
static void test_push_many_fields(void)
{
    struct app app = {0};
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    peer_preface(&p, NULL, 0);
    get_https(&p, 1, "/x");
    static char names[40][8];
    h2r_header fields[41] = {FIELD(":path", "/many")};
    for (int i = 0; i != 40; ++i) {
        snprintf(names[i], sizeof(names[i]), "x-f%02d", i);
        fields[i + 1] = (h2r_header){.name = names[i], .name_len = 5, .value = names[i], .value_len = 5};
    }
    h2r_stream *pushed;
    CHECK(h2r_stream_push(app.request, fields, 41, &pushed) == 0 && pushed);
    peer_flush(&p);
    const struct peer_frame *pp = peer_find(&p, H2R_FRAME_PUSH_PROMISE, 1);
    CHECK_MSG(pp && pp->hpack_error == 0 && pp->field_count == 44 &&
                  strcmp(peer_field(pp, ":method"), "GET") == 0 &&
                  strcmp(peer_field(pp, "x-f39"), "x-f39") == 0,
              "41 fields and the 3 defaults");
    peer_free(&p);
    app_unref_all(&app);
}

static void test_pushed_stream_reset_by_client(void)
{
    struct app app = {0};
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    peer_preface(&p, NULL, 0);
    get_https(&p, 1, "/x");
    CHECK(push(&app, app.request, "/y") == 0);
    CHECK(push(&app, app.request, "/z") == 0);
    static char big[100000];
    CHECK(h2r_stream_respond(app.pushed[0], NULL, 0, 0) == 0);
    h2r_stream_write(app.pushed[0], big, sizeof(big), NULL, NULL);
    peer_flush(&p);
    app.event_count = 0;

    peer_rst_stream(&p, 2, H2R_CANCEL);
    CHECK_MSG(app.event_count == 2 && app.events[0].what == 'a' && app.events[0].id == 2 &&
                  app.events[1].what == 'c' && app.events[1].id == 2 && app.events[1].code == H2R_CANCEL,
              "RST_STREAM CANCEL on a pushed stream: on_aborted, then on_stream_close with CANCEL");
    CHECK(h2r_stream_closed(app.pushed[0]) && h2r_stream_aborted(app.pushed[0]) &&
          h2r_stream_rst_code(app.pushed[0]) == H2R_CANCEL);
    CHECK_MSG(h2r_stream_write(app.pushed[0], "x", 1, NULL, NULL) == H2R_ERR_STREAM_CLOSED,
              "calls on it return H2R_ERR_STREAM_CLOSED");

    /* Reset while still reserved. */
    peer_rst_stream(&p, 4, H2R_CANCEL);
    CHECK(app.event_count == 4 && app.events[2].what == 'a' && app.events[3].id == 4);
    CHECK(h2r_stream_respond(app.pushed[1], NULL, 0, 0) == H2R_ERR_STREAM_CLOSED);
    peer_clear(&p);
    respond_with(app.request, x_body);
    peer_window_update(&p, 0, 1u << 20); /* stream 2 used up the connection window */
    peer_flush(&p);
    CHECK_MSG(peer_count(&p, H2R_FRAME_DATA, 2) == 0 && peer_count(&p, H2R_FRAME_DATA, 1) == 1,
              "nothing more on the reset streams, the parent goes on");
    CHECK(!peer_find(&p, H2R_FRAME_GOAWAY, -1) && !peer_find(&p, H2R_FRAME_RST_STREAM, -1));
    peer_free(&p);
    app_unref_all(&app);
}

static void test_goaway_closes_later_pushes(void)
{
    struct app app = {0};
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    peer_preface(&p, NULL, 0);
    get_https(&p, 1, "/x");
    CHECK(push(&app, app.request, "/a") == 0);
    CHECK(push(&app, app.request, "/b") == 0);
    CHECK(push(&app, app.request, "/c") == 0);
    CHECK(h2r_stream_respond(app.pushed[1], NULL, 0, 0) == 0); /* 4 is open, 2 and 6 reserved */
    peer_flush(&p);
    app.event_count = 0;

    uint8_t goaway[8] = {0, 0, 0, 2, 0, 0, 0, 0}; /* last stream 2, NO_ERROR */
    peer_frame(&p, H2R_FRAME_GOAWAY, 0, 0, goaway, 8);
    CHECK_MSG(app.goaways == 1 && app.goaway_last == 2, "on_goaway with the last stream id");
    int closed4 = 0, closed6 = 0, closed2 = 0;
    for (size_t i = 0; i != app.event_count; ++i) {
        if (app.events[i].what != 'c') continue;
        closed2 |= app.events[i].id == 2;
        closed4 |= app.events[i].id == 4 && app.events[i].code == H2R_REFUSED_STREAM;
        closed6 |= app.events[i].id == 6 && app.events[i].code == H2R_REFUSED_STREAM;
    }
    CHECK_MSG(closed4 && closed6 && !closed2, "pushes 4 and 6 (above 2) are closed, 2 stays");
    CHECK(h2r_stream_closed(app.pushed[2]) && !h2r_stream_closed(app.pushed[0]));
    CHECK_MSG(h2r_stream_push_allowed(app.request) == 0 &&
                  push(&app, app.request, "/d") == H2R_ERR_PUSH_DISABLED,
              "no new push after the peer's GOAWAY");
    respond_with(app.pushed[0], y_body);
    respond_with(app.request, x_body);
    peer_clear(&p);
    peer_flush(&p);
    int ended;
    CHECK_MSG(peer_data_bytes(&p, 2, &ended) == 17 && ended, "push 2 still completes");
    CHECK(peer_count(&p, H2R_FRAME_HEADERS, 4) == 0 && peer_count(&p, H2R_FRAME_HEADERS, 6) == 0);
    peer_free(&p);
    app_unref_all(&app);
}

/*
 * An application that cancels every other push from on_stream_close when
 * the n-th one goes away: whatever the order in which the session walks its
 * streams, some run cancels the very stream it would visit next.
 */
static h2r_stream *live_pushes[32];
static size_t live_push_count, cascade_at, push_closes, close_calls;
static int cascading;

static void close_siblings(h2r_stream *st, uint32_t code)
{
    (void)code;
    ++close_calls;
    for (size_t i = 0; i != live_push_count; ++i)
        if (live_pushes[i] == st) live_pushes[i] = NULL;
    if (cascading || h2r_stream_id(st) % 2 != 0 || ++push_closes != cascade_at) return;
    cascading = 1;
    for (size_t i = 0; i != live_push_count; ++i) {
        h2r_stream *other = live_pushes[i];
        live_pushes[i] = NULL;
        if (other) h2r_stream_close(other, H2R_CANCEL);
    }
    cascading = 0;
}

static void test_goaway_with_cascading_closes(void)
{
    int all_closed = 1, only_parent_left = 1, pushes_ok = 1;
    for (cascade_at = 1; cascade_at <= 24; ++cascade_at) {
        struct app app = {0};
        h2r_session_callbacks cb = callbacks;
        cb.on_stream_close = close_siblings;
        struct peer p;
        peer_init(&p, NULL, &cb, &app);
        peer_preface(&p, NULL, 0);
        get_https(&p, 1, "/x");
        live_push_count = push_closes = close_calls = 0;
        for (int i = 0; i != 24; ++i) {
            h2r_header path = FIELD(":path", "/p");
            h2r_stream *pushed;
            pushes_ok &= h2r_stream_push(app.request, &path, 1, &pushed) == 0;
            live_pushes[live_push_count++] = pushed; /* no reference: each dies as it closes */
        }
        uint8_t goaway[8] = {0}; /* last stream 0: no push was accepted */
        peer_frame(&p, H2R_FRAME_GOAWAY, 0, 0, goaway, 8);
        all_closed &= close_calls == 24;
        h2r_session_state ss;
        h2r_session_get_state(p.session, &ss);
        only_parent_left &= ss.open_streams == 1;
        peer_free(&p);
        app_unref_all(&app);
    }
    CHECK(pushes_ok);
    CHECK_MSG(all_closed, "GOAWAY: every push closed exactly once, though callbacks closed some of them");
    CHECK(only_parent_left);
}

/* Node's pushStream(headers, {exclusive, parent}): where the pushed stream goes in the priority tree. */
static void test_push_priority_options(void)
{
    struct app app = {0};
    struct peer p;
    peer_init(&p, NULL, &callbacks, &app);
    peer_preface(&p, NULL, 0);
    get_https(&p, 1, "/x");
    h2r_stream *request = app.request;
    app.request = NULL;
    get_https(&p, 3, "/other");
    h2r_header path = FIELD(":path", "/a");
    h2r_stream *a, *b, *c;
    CHECK(h2r_stream_push_with_options(request, &path, 1, NULL, &a) == 0);
    h2r_stream_state st;
    h2r_stream_get_state(request, &st);
    CHECK_MSG(st.sum_dependency_weight == 16, "no options: under the stream pushed on, weight 16");

    h2r_push_options exclusive = {.exclusive = 1};
    CHECK(h2r_stream_push_with_options(request, &path, 1, &exclusive, &b) == 0);
    h2r_stream_get_state(request, &st);
    h2r_stream_state bs;
    h2r_stream_get_state(b, &bs);
    CHECK_MSG(st.sum_dependency_weight == 16 && bs.sum_dependency_weight == 16,
              "exclusive: the stream's only child, the earlier push now under it");

    h2r_push_options under_3 = {.parent = 3};
    CHECK(h2r_stream_push_with_options(request, &path, 1, &under_3, &c) == 0);
    h2r_stream_get_state(app.request, &st);
    CHECK_MSG(st.sum_dependency_weight == 16 && h2r_stream_id(c) == 6, "parent 3: under stream 3");
    peer_flush(&p);
    CHECK_MSG(peer_count(&p, H2R_FRAME_PUSH_PROMISE, 1) == 3 && !peer_find(&p, H2R_FRAME_PRIORITY, -1),
              "three promises, and no PRIORITY frame");
    h2r_stream_close(a, H2R_CANCEL);
    h2r_stream_close(b, H2R_CANCEL);
    h2r_stream_close(c, H2R_CANCEL);
    h2r_stream_unref(request);
    peer_free(&p);
    app_unref_all(&app);
}

int main(void)
{
    test_push_example();
    test_push_order_in_one_flush();
    test_push_disabled();
    test_push_from_pushed_stream();
    test_push_stream_limit();
    test_push_method();
    test_push_many_fields();
    test_pushed_stream_reset_by_client();
    test_goaway_closes_later_pushes();
    test_goaway_with_cascading_closes();
    test_push_priority_options();
    return check_done();
}
